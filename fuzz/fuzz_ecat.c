/* libFuzzer harness for everything that reads EtherCAT frames from the wire: the frame parser
 * (every datagram it returns lies inside the bytes given), the virtual segment's slaves (a
 * frame, valid or not, passes three of them, which must stay consistent), and the master's
 * receiving side (the bytes as the segment's answer to each frame of a scan: it must end in
 * success or an error with a message, never read past them).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim.h"

static xn_ecat_sim *sim;

typedef struct {
    xn_ecat_transport t;
    const uint8_t *data;
    size_t size;
    int answers; /* how many times the bytes are given back (then silence) */
} replay;

static int replay_send(void *self, const uint8_t *f, size_t n) {
    (void)self, (void)f, (void)n;
    return 0;
}
static long replay_recv(void *self, uint8_t *buf, size_t cap, int64_t timeout_ns) {
    (void)timeout_ns;
    replay *r = self;
    if (r->answers-- <= 0) return 0;
    size_t n = r->size < cap ? r->size : cap;
    memcpy(buf, r->data, n);
    return (long)n;
}
static void replay_close(void *self) { (void)self; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > XN_ECAT_FRAME_MAX) return 0;
    uint8_t *frame = malloc(size ? size : 1); /* exactly the bytes: ASan sees a read past them */
    memcpy(frame, data, size);
    xn_ecat_datagram dg[XN_ECAT_MAX_DATAGRAMS];
    int n = 0;
    xn_error err;
    if (xn_ecat_parse(frame, size, dg, XN_ECAT_MAX_DATAGRAMS, &n, &err) == XN_OK) {
        for (int i = 0; i < n; i++)
            if (dg[i].data < frame || dg[i].wkc_at + 2 > frame + size) abort();
    } else if (!err.message[0]) {
        abort(); /* a refusal says why */
    }
    if (!sim && xn_ecat_sim_create(3, NULL, &sim, NULL) != XN_OK) abort();
    xn_ecat_sim_process(sim, frame, size);
    free(frame);

    static replay r;
    r = (replay){{&r, replay_send, replay_recv, replay_close, {2, 0, 0, 0, 0, 1}}, data, size, 64};
    xn_ecat_master *m = NULL;
    if (xn_ecat_master_open(&r.t, &m, NULL) != XN_OK) abort();
    xn_status st = xn_ecat_scan(m, &err);
    if (st != XN_OK && !err.message[0]) abort();
    xn_ecat_master_close(m);
    return 0;
}
