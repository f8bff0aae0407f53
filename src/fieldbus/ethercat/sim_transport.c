/* The virtual segment as a transport in the master's own process: each frame sent goes through
 * the slaves and comes back, as on a wire, for the tests (sim.h). A few frames may be in
 * flight; a frame the segment drops (malformed) never comes back.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim.h"

#define IN_FLIGHT 8

typedef struct {
    xn_ecat_transport t;
    xn_ecat_sim *sim;
    uint8_t frame[IN_FLIGHT][XN_ECAT_FRAME_MAX];
    size_t len[IN_FLIGHT];
    int head, count;
} loop_transport;

static int sim_send(void *self, const uint8_t *frame, size_t len) {
    loop_transport *l = self;
    if (len > XN_ECAT_FRAME_MAX || l->count == IN_FLIGHT) return -1;
    int slot = (l->head + l->count) % IN_FLIGHT;
    memcpy(l->frame[slot], frame, len);
    if (xn_ecat_sim_process(l->sim, l->frame[slot], len) != 0) return 0; /* dropped */
    l->len[slot] = len;
    l->count++;
    return 0;
}

static long sim_recv(void *self, uint8_t *buf, size_t cap, int64_t timeout_ns) {
    (void)timeout_ns; /* the answer is there at once, or never */
    loop_transport *l = self;
    if (!l->count) return 0;
    size_t n = l->len[l->head] < cap ? l->len[l->head] : cap;
    memcpy(buf, l->frame[l->head], n);
    l->head = (l->head + 1) % IN_FLIGHT;
    l->count--;
    return (long)n;
}

static void sim_close(void *self) { free(self); }

xn_status xn_ecat_sim_transport(xn_ecat_sim *s, xn_ecat_transport **out, xn_error *err) {
    (void)err;
    loop_transport *l = calloc(1, sizeof *l);
    if (!l) return XN_ERR_NOMEM;
    l->sim = s;
    l->t.self = l;
    l->t.send = sim_send;
    l->t.recv = sim_recv;
    l->t.close = sim_close;
    static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    memcpy(l->t.mac, mac, 6);
    *out = &l->t;
    return XN_OK;
}
