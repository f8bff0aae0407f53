/* Process data against the virtual segment: seven CiA 402 drives, the first remapped to the
 * CSP minimum (controlword and target position out, statusword and position in), the others
 * keeping their own mapping, read from them by SDO. The process image is laid out, the sync
 * managers and FMMUs set, the segment taken to OP; then the drives are enabled through their
 * controlwords in the image and follow position targets, which come back in their inputs one
 * cycle later, in counts (2^20 a turn). The working counter is 3 per slave; a slave whose FMMUs
 * stop answering shortens it (the error says by how much); outputs that stop for longer than the
 * sync manager watchdog drop the slaves to SAFE-OP with 0x001B, from which they are brought back.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim.h"
#include "test_util.h"
#include "xiaonao/hal.h"

#define N 7
#define COUNTS_PER_RAD (1048576.0 / 6.283185307179586)

static xn_ecat_master *m;

/* controlword and target (counts) of slave i into its outputs, where its mapping put them */
static void command(int i, uint16_t cw, int32_t target) {
    uint8_t *o = xn_ecat_pd_outputs(m, i, NULL);
    int at_cw = xn_ecat_pd_offset(m, i, 1, 0x6040, 0, NULL);
    int at_q = xn_ecat_pd_offset(m, i, 1, 0x607A, 0, NULL);
    xn_ecat_put16(o + at_cw, cw);
    xn_ecat_put32(o + at_q, (uint32_t)target);
}

static void reading(int i, uint16_t *sw, int32_t *q) {
    const uint8_t *in = xn_ecat_pd_inputs(m, i, NULL);
    *sw = xn_ecat_get16(in + xn_ecat_pd_offset(m, i, 0, 0x6041, 0, NULL));
    *q = (int32_t)xn_ecat_get32(in + xn_ecat_pd_offset(m, i, 0, 0x6064, 0, NULL));
}

static int cycles(int n, uint16_t cw, const int32_t *target) {
    int bad = 0;
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < N; i++) command(i, cw, target[i]);
        bad += xn_ecat_pd_exchange(m, 10000000, NULL) != XN_OK;
    }
    return bad;
}

/* 64 drives: 1,792 bytes of process data, more than the first frame holds beside 64 AL status
 * reads: the cycle goes out in two frames, both in flight before either answer is read, and the
 * drives at the far end of the image (the last slave's inputs are in the second frame) follow
 * their targets as the first ones do. */
static void big_segment(void) {
    enum { BIG = 64 };
    xn_ecat_sim *sim = NULL;
    xn_ecat_transport *t = NULL;
    xn_ecat_master *keep = m;
    xn_error err;
    int ok = xn_ecat_sim_create(BIG, NULL, &sim, &err) == XN_OK;
    /* on the simulated clock: walking 64 slaves to OP one poll at a time must not let their
     * sync manager watchdogs (100 ms) run out on a slow build (the sanitizers') */
    if (ok) xn_ecat_sim_set_period(sim, 1000000);
    ok = ok && xn_ecat_sim_transport(sim, &t, &err) == XN_OK &&
         xn_ecat_master_open(t, &m, &err) == XN_OK && xn_ecat_scan(m, &err) == XN_OK &&
         xn_ecat_pd_start(m, &err) == XN_OK;
    XT_CHECK(ok, "64 drives, 1,792 bytes of process data, in OP: %s", err.message);
    if (ok) {
        XT_CHECK(xn_ecat_pd_expected_wkc(m) == 3 * BIG, "working counter %d expected (192)",
                 xn_ecat_pd_expected_wkc(m));
        xn_ecat_stats before, after;
        xn_ecat_get_stats(m, &before);
        int bad = 0;
        for (int k = 0; k < 40; k++) { /* enabled through the controlwords, then the targets */
            for (int i = 0; i < BIG; i++) {
                uint16_t sw;
                int32_t q;
                reading(i, &sw, &q);
                command(i, xn_cia402_enable_step(xn_cia402_decode(sw), 0), 1000 * (i + 1));
            }
            bad += xn_ecat_pd_exchange(m, 10000000, NULL) != XN_OK;
        }
        xn_ecat_get_stats(m, &after);
        int at = 0;
        for (int i = 0; i < BIG; i++) {
            uint16_t sw;
            int32_t q;
            reading(i, &sw, &q);
            at += xn_cia402_decode(sw) == XN_CIA402_OPERATION_ENABLED && q == 1000 * (i + 1);
        }
        XT_CHECK(bad == 0 && after.frames_sent - before.frames_sent == 80,
                 "40 cycles of two frames each, none failed (%ld frames, %d failed)",
                 after.frames_sent - before.frames_sent, bad);
        XT_CHECK(at == BIG, "all 64 drives enabled and at their targets, the last ones too (%d)",
                 at);
    }
    xn_ecat_master_close(m);
    xn_ecat_sim_free(sim);
    m = keep;
}

int main(void) {
    big_segment();
    xn_ecat_sim *sim = NULL;
    xn_ecat_transport *t = NULL;
    xn_error err;
    if (xn_ecat_sim_create(N, NULL, &sim, &err) != XN_OK ||
        xn_ecat_sim_transport(sim, &t, &err) != XN_OK ||
        xn_ecat_master_open(t, &m, &err) != XN_OK || xn_ecat_scan(m, &err) != XN_OK ||
        xn_ecat_set_state(m, -1, XN_ECAT_PREOP, 1, &err) != XN_OK) {
        XT_CHECK(0, "the segment in PRE-OP: %s", err.message);
        return xt_done("test_ecat_pd");
    }
    xn_ecat_pdo_map csp = {
        2, 2, {{0x6040, 0, 16}, {0x607A, 0, 32}}, {{0x6041, 0, 16}, {0x6064, 0, 32}}};
    XT_CHECK(xn_ecat_pdo_configure(m, 0, &csp, &err) == XN_OK, "slave 0 remapped: %s", err.message);
    xn_ecat_pdo_map bad = {1, 0, {{0x6040, 0, 12}}, {{0}}};
    XT_CHECK(xn_ecat_pdo_configure(m, 1, &bad, &err) == XN_ERR_UNSUPPORTED &&
                 strstr(err.message, "12 bits"),
             "a 12-bit entry: %s", err.message);
    XT_CHECK(xn_ecat_pdo_configure(m, 1, NULL, &err) == XN_OK, "slave 1 keeps its own: %s",
             err.message);
    xn_ecat_pdo_map got;
    XT_CHECK(xn_ecat_pdo_get(m, 1, &got) == XN_OK && got.nout == 5 && got.nin == 6 &&
                 got.out[1].index == 0x607A && got.out[1].bits == 32 && got.in[5].index == 0x603F,
             "slave 1's mapping read by SDO: %d out, %d in", got.nout, got.nin);
    XT_CHECK(xn_ecat_pd_start(m, &err) == XN_OK, "process data, SAFE-OP, OP: %s", err.message);
    size_t lo = 0, li = 0;
    xn_ecat_pd_outputs(m, 0, &lo);
    xn_ecat_pd_inputs(m, 0, &li);
    size_t lo1 = 0, li1 = 0;
    xn_ecat_pd_outputs(m, 1, &lo1);
    xn_ecat_pd_inputs(m, 1, &li1);
    XT_CHECK(lo == 6 && li == 6 && lo1 == 13 && li1 == 15 && xn_ecat_pd_expected_wkc(m) == 3 * N,
             "slave 0: %zu + %zu bytes, slave 1: %zu + %zu; working counter %d", lo, li, lo1, li1,
             xn_ecat_pd_expected_wkc(m));
    int op = 1;
    for (int i = 0; i < N; i++) op &= (xn_ecat_sim_registers(sim, i)[XN_ESC_AL_STATUS]) == 8;
    XT_CHECK(op, "every slave in OP");

    /* enable each drive through its controlword, hold, then follow new targets */
    int32_t target[N];
    for (int i = 0; i < N; i++) target[i] = 0;
    int errors = cycles(3, 0x0006, target) + cycles(3, 0x0007, target) + cycles(3, 0x000F, target);
    int enabled = 1;
    for (int i = 0; i < N; i++) {
        uint16_t sw;
        int32_t q;
        reading(i, &sw, &q);
        enabled &= xn_cia402_decode(sw) == XN_CIA402_OPERATION_ENABLED;
    }
    XT_CHECK(errors == 0 && enabled, "every drive operation enabled by its controlword (%d errors)",
             errors);
    for (int i = 0; i < N; i++) target[i] = (int32_t)lround((0.1 * (i + 1)) * COUNTS_PER_RAD);
    errors = cycles(3, 0x000F, target);
    int at = 1;
    double worst = 0;
    for (int i = 0; i < N; i++) {
        uint16_t sw;
        int32_t q;
        double qs;
        int8_t mode;
        reading(i, &sw, &q);
        xn_ecat_sim_drive(sim, i, &sw, &qs, &mode);
        at &= q == target[i];
        worst = xt_max(worst, fabs(qs - target[i] / COUNTS_PER_RAD));
    }
    XT_CHECK(errors == 0 && at && worst < 1e-6,
             "the drives at their targets, reported in counts; joints %.2g rad from them", worst);

    /* a slave whose FMMUs stop answering: the counter is short by its 3 */
    uint8_t *r3 = xn_ecat_sim_registers(sim, 3);
    r3[XN_ESC_FMMU(0) + 12] = r3[XN_ESC_FMMU(1) + 12] = 0;
    XT_CHECK(xn_ecat_pd_exchange(m, 10000000, &err) == XN_ERR_IO &&
                 strstr(err.message, "working counter 18 of 21"),
             "one slave gone from the process data: %s", err.message);
    r3[XN_ESC_FMMU(0) + 12] = r3[XN_ESC_FMMU(1) + 12] = 1;
    XT_CHECK(xn_ecat_pd_exchange(m, 10000000, &err) == XN_OK, "and back: %s", err.message);

    /* the outputs stop for 150 ms: the sync manager watchdog (100 ms) takes the slaves to SAFE-OP
     */
    struct timespec pause = {0, 150000000};
    nanosleep(&pause, NULL);
    xn_ecat_pd_exchange(m, 10000000, NULL); /* the slaves see the time at the next frame */
    uint8_t al[6];
    XT_CHECK(xn_ecat_read(m, 3, XN_ESC_AL_STATUS, al, 6, &err) == XN_OK &&
                 al[0] == (XN_ECAT_SAFEOP | 0x10) && xn_ecat_get16(al + 4) == 0x001B,
             "slave 3 in SAFE-OP with 0x%04X, %s", xn_ecat_get16(al + 4),
             xn_ecat_al_code_str(xn_ecat_get16(al + 4)));
    uint16_t sw;
    int32_t q;
    xn_ecat_pd_exchange(m, 10000000, NULL); /* its inputs of after the trip */
    reading(3, &sw, &q);
    XT_CHECK(xn_cia402_decode(sw) == XN_CIA402_QUICK_STOP, "its drive quick-stopped (%s)",
             xn_cia402_state_str(xn_cia402_decode(sw)));
    errors = cycles(3, 0x000F, target);
    XT_CHECK(xn_ecat_set_state(m, -1, XN_ECAT_OP, 1, &err) == XN_OK,
             "back to OP once process data flows again: %s", err.message);
    xn_ecat_master_close(m);
    xn_ecat_sim_free(sim);
    return xt_done("test_ecat_pd");
}
