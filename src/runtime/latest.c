/* The newest cycle's record for a thread outside the loop (a network bridge, a console): a
 * triple buffer, so that the loop publishes without waiting and the reader always gets one
 * whole cycle, never half of two. SPDX-License-Identifier: Apache-2.0 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

#define FRESH 4 /* in `middle`: newer than the reader's */

struct xn_ctl_latest {
    xn_ctl_sample buf[3];
    atomic_int middle;
    int back;  /* the loop's */
    int front; /* the reader's */
    atomic_flag reading;
    int have;
};

xn_ctl_latest *xn_ctl_latest_create(void) {
    xn_ctl_latest *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    atomic_init(&l->middle, 1);
    l->back = 0;
    l->front = 2;
    atomic_flag_clear(&l->reading);
    return l;
}

void xn_ctl_latest_free(xn_ctl_latest *l) { free(l); }

void xn_ctl_latest_publish(xn_ctl_latest *l, const xn_ctl_sample *s) {
    l->buf[l->back] = *s;
    l->back = atomic_exchange(&l->middle, l->back | FRESH) & 3;
}

int xn_controller_latest(xn_controller *c, xn_ctl_sample *out) {
    xn_ctl_latest *l = c->latest;
    while (atomic_flag_test_and_set(&l->reading)) {
        /* another reader is copying (readers are not the loop, which never waits here) */
    }
    if (atomic_load(&l->middle) & FRESH) {
        l->front = atomic_exchange(&l->middle, l->front) & 3;
        l->have = 1;
    }
    int have = l->have;
    if (have) *out = l->buf[l->front];
    atomic_flag_clear(&l->reading);
    return have;
}
