/* The newest cycle's record for a thread outside the loop (a network bridge, a console): a
 * triple buffer, so that the loop publishes without waiting and the reader always gets one
 * whole cycle, never half of two; and the loop's statistics the same way.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"
#include "runtime/triple.h"

struct xn_ctl_latest {
    xn_ctl_sample buf[3];
    xn_triple idx; /* which of buf is whose */
    atomic_flag reading;
    int have;
};

xn_ctl_latest *xn_ctl_latest_create(void) {
    xn_ctl_latest *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    xn_triple_init(&l->idx);
    atomic_flag_clear(&l->reading);
    return l;
}

void xn_ctl_latest_free(xn_ctl_latest *l) { free(l); }

void xn_ctl_latest_publish(xn_ctl_latest *l, const xn_ctl_sample *s) {
    l->buf[l->idx.back] = *s;
    xn_triple_publish(&l->idx);
}

int xn_controller_latest(xn_controller *c, xn_ctl_sample *out) {
    xn_ctl_latest *l = c->latest;
    while (atomic_flag_test_and_set(&l->reading)) {
        /* another reader is copying (readers are not the loop, which never waits here) */
    }
    if (xn_triple_take(&l->idx)) {
        l->have = 1;
    }
    int have = l->have;
    if (have) *out = l->buf[l->idx.front];
    atomic_flag_clear(&l->reading);
    return have;
}

void xn_ctl_live_publish(xn_controller *c, const xn_loop_live *s) {
    c->live[c->live_idx.back] = *s;
    xn_triple_publish(&c->live_idx);
}

int xn_controller_loop_live(xn_controller *c, xn_loop_live *out) {
    while (atomic_flag_test_and_set(&c->live_reading)) {
        /* another reader is copying (never the loop) */
    }
    if (xn_triple_take(&c->live_idx)) c->live_have = 1;
    int have = c->live_have;
    if (have) *out = c->live[c->live_idx.front];
    atomic_flag_clear(&c->live_reading);
    return have;
}
