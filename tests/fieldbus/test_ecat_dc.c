/* Distributed clocks against the virtual segment: seven slaves whose clocks drift by up to
 * +-40 ppm and started at different times, 5-50 ns of cable between them. Checked against the
 * segment's own truth, which the master cannot see: the measured propagation delays against the
 * true ones; the system times of all slaves at one true instant, which drift 80 ns a millisecond
 * apart unless the reference's time is carried to them every cycle; the SYNC0 events each drive
 * acts on, which must each find new outputs. The host that sends the frames runs 500 ppm slow
 * against the reference clock: without the lock its frames slide across SYNC0 and drives miss
 * samples; locked, none is missed. A slave that lost power comes back onto the same time.
 * Refusals: a cycle out of range, a slave without a clock, a segment that is no line.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim.h"
#include "test_util.h"
#include "xiaonao/hal.h"

#define N 7
#define CYCLE 1000000
#define HOST_CYCLE 1000500 /* the host's clock 500 ppm slow against the reference */

typedef struct {
    xn_ecat_sim *sim;
    xn_ecat_master *m;
} rig;

static int open_rig(rig *r, xn_error *err) {
    xn_ecat_transport *t = NULL;
    r->sim = NULL;
    r->m = NULL;
    if (xn_ecat_sim_create(N, NULL, &r->sim, err) != XN_OK) return 0;
    xn_ecat_sim_set_period(r->sim, CYCLE);
    return xn_ecat_sim_transport(r->sim, &t, err) == XN_OK &&
           xn_ecat_master_open(t, &r->m, err) == XN_OK && xn_ecat_scan(r->m, err) == XN_OK &&
           xn_ecat_set_state(r->m, -1, XN_ECAT_PREOP, 1, err) == XN_OK;
}

static void close_rig(rig *r) {
    xn_ecat_master_close(r->m);
    xn_ecat_sim_free(r->sim);
}

/* every drive enabled in CSP, following a slow sine; the host's cycle is HOST_CYCLE plus the
 * lock's correction when `lock`. Returns the frames that failed. */
static int64_t diff_tail; /* the largest difference a slave reported after cycle 500 */

static int run(rig *r, int cycles, int lock, int64_t *spread_max, int64_t *phase_max_tail) {
    int bad = 0;
    *spread_max = 0;
    *phase_max_tail = 0;
    int64_t corr = 0;
    for (int k = 0; k < cycles; k++) {
        xn_ecat_sim_set_period(r->sim, HOST_CYCLE + corr);
        for (int i = 0; i < N; i++) {
            uint8_t *o = xn_ecat_pd_outputs(r->m, i, NULL);
            const uint8_t *in = xn_ecat_pd_inputs(r->m, i, NULL);
            uint16_t sw = xn_ecat_get16(in + xn_ecat_pd_offset(r->m, i, 0, 0x6041, 0, NULL));
            uint16_t cw = xn_cia402_enable_step(xn_cia402_decode(sw), 0);
            xn_ecat_put16(o + xn_ecat_pd_offset(r->m, i, 1, 0x6040, 0, NULL), cw);
            xn_ecat_put32(o + xn_ecat_pd_offset(r->m, i, 1, 0x607A, 0, NULL),
                          (uint32_t)(int32_t)(1000.0 * sin(0.002 * k)));
        }
        xn_error e;
        if (xn_ecat_pd_exchange(r->m, 10000000, &e) != XN_OK && !bad++) printf("%s\n", e.message);
        corr = lock ? xn_ecat_dc_lock(r->m) : 0;
        int64_t s = xn_ecat_sim_dc_spread(r->sim);
        if (k > 200 && s > *spread_max) *spread_max = s;
        xn_ecat_dc_status d;
        xn_ecat_dc_get(r->m, &d);
        int64_t p = d.phase_ns < 0 ? -d.phase_ns : d.phase_ns;
        if (k > cycles - 500 && p > *phase_max_tail) *phase_max_tail = p;
        for (int i = 0; i < N && k > 500; i++) {
            int64_t v = d.diff_ns[i] < 0 ? -d.diff_ns[i] : d.diff_ns[i];
            if (v > diff_tail) diff_tail = v;
        }
    }
    return bad;
}

static long missed_total(rig *r) {
    long all = 0;
    for (int i = 0; i < N; i++) {
        long missed = 0;
        xn_ecat_sim_sync0_events(r->sim, i, &missed);
        all += missed;
    }
    return all;
}

int main(void) {
    xn_error err;
    rig r;
    int ok = open_rig(&r, &err);
    XT_CHECK(ok, "the segment in PRE-OP: %s", err.message);
    if (!ok) return xt_done("test_ecat_dc");

    /* the delays against the true ones: 8 latches of 10 ns resolution averaged */
    XT_CHECK(xn_ecat_dc_measure(r.m, &err) == XN_OK, "delays measured: %s", err.message);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double e = fabs(
            (double)(xn_ecat_slave_get(r.m, i)->dc_delay_ns - xn_ecat_sim_dc_true_delay(r.sim, i)));
        worst = xt_max(worst, e);
    }
    XT_CHECK(worst <= 10,
             "every delay within 10 ns of the true one (worst %.0f ns; slave 6 true "
             "%lld ns)",
             worst, (long long)xn_ecat_sim_dc_true_delay(r.sim, N - 1));
    XT_CHECK(xn_ecat_sim_dc_true_delay(r.sim, N - 1) > 6 * 300, "the delays are not trivial");

    /* refusals */
    XT_CHECK(xn_ecat_dc_start(r.m, 0, 0, &err) == XN_ERR_RANGE && strstr(err.message, "cycle"),
             "a cycle of 0 is refused: %s", err.message);
    XT_CHECK(xn_ecat_dc_start(r.m, CYCLE, CYCLE, &err) == XN_ERR_RANGE,
             "a shift of a whole cycle is refused");
    XT_CHECK(xn_ecat_dc_start(r.m, CYCLE, CYCLE / 2, &err) == XN_OK, "clocks started: %s",
             err.message);
    int sync_on = 1;
    for (int i = 0; i < N; i++) {
        uint8_t st = 0;
        xn_ecat_read(r.m, i, XN_ESC_DC_SYNC0_STATUS, &st, 1, &err);
        sync_on &= st == 1;
    }
    XT_CHECK(sync_on, "every slave's SYNC0 armed (a start time ahead of its clock)");
    XT_CHECK(xn_ecat_pd_start(r.m, &err) == XN_OK, "process data in OP: %s", err.message);

    /* locked: frames at phase 0, the clocks together, no SYNC0 without new outputs */
    int64_t spread = 0, phase = 0;
    long missed0 = missed_total(&r);
    int bad = run(&r, 3000, 1, &spread, &phase);
    long missed_locked = missed_total(&r) - missed0;
    xn_ecat_dc_status d;
    xn_ecat_dc_get(r.m, &d);
    printf("locked: true spread max %lld ns, reported difference max %lld ns (after cycle 500: "
           "%lld), phase (last 500) max %lld ns\n",
           (long long)spread, (long long)d.diff_max_ns, (long long)diff_tail, (long long)phase);
    XT_CHECK(bad == 0, "3000 cycles with no failed frame (%d)", bad);
    XT_CHECK(spread < 50,
             "the slaves' system times within 50 ns of each other at every cycle "
             "(the true spread, worst %lld ns)",
             (long long)spread);
    XT_CHECK(d.diff_max_ns < 200, "the differences the slaves report stay under 200 ns (%lld)",
             (long long)d.diff_max_ns);
    XT_CHECK(diff_tail <= 20, "and within 20 ns after the first 500 cycles (%lld)",
             (long long)diff_tail);
    XT_CHECK(phase < 2000, "the host locked: the last 500 frames within 2 us of phase 0 (%lld ns)",
             (long long)phase);
    XT_CHECK(missed_locked == 0, "no drive missed a SYNC0's outputs while locked (%ld)",
             missed_locked);
    long events = xn_ecat_sim_sync0_events(r.sim, N - 1, NULL);
    XT_CHECK(events > 2900, "the last drive acted on SYNC0 (%ld events)", events);
    uint16_t sw = 0;
    double q = 0;
    int8_t mode = 0;
    xn_ecat_sim_drive(r.sim, N - 1, &sw, &q, &mode);
    XT_CHECK(xn_cia402_decode(sw) == XN_CIA402_OPERATION_ENABLED && mode == 8,
             "the drives enabled in CSP on SYNC0");

    /* a slave that lost power comes back onto the same time */
    xn_ecat_sim_unplug(r.sim, 3, 1);
    run(&r, 50, 1, &spread, &phase);
    xn_ecat_sim_unplug(r.sim, 3, 0);
    XT_CHECK(xn_ecat_recover(r.m, 3, &err) == XN_OK, "slave 3 back: %s", err.message);
    long before = xn_ecat_sim_sync0_events(r.sim, 3, NULL);
    bad = run(&r, 1000, 1, &spread, &phase);
    XT_CHECK(bad == 0 && spread < 50, "after its return every clock within 50 ns (%lld, %d bad)",
             (long long)spread, bad);
    XT_CHECK(xn_ecat_sim_sync0_events(r.sim, 3, NULL) - before > 900, "its drive on SYNC0 again");
    close_rig(&r);

    /* the same host unlocked: its frames slide 500 ns a cycle across SYNC0 */
    ok = open_rig(&r, &err) && xn_ecat_dc_start(r.m, CYCLE, CYCLE / 2, &err) == XN_OK &&
         xn_ecat_pd_start(r.m, &err) == XN_OK;
    XT_CHECK(ok, "a second segment started: %s", err.message);
    if (ok) {
        missed0 = missed_total(&r);
        run(&r, 3000, 0, &spread, &phase);
        XT_CHECK(missed_total(&r) - missed0 >= N,
                 "unlocked, every drive misses outputs at some SYNC0 (%ld)",
                 missed_total(&r) - missed0);
        close_rig(&r);
    }

    /* a slave without a clock, a branch in the line */
    ok = open_rig(&r, &err);
    if (ok) {
        xn_ecat_sim_registers(r.sim, 4)[XN_ESC_FEATURES] = 0;
        ok = xn_ecat_scan(r.m, &err) == XN_OK;
        XT_CHECK(ok && xn_ecat_dc_measure(r.m, &err) == XN_ERR_UNSUPPORTED && err.index == 4 &&
                     strstr(err.message, "no distributed clock"),
                 "a slave without a clock named: %s", err.message);
        close_rig(&r);
    }
    ok = open_rig(&r, &err);
    if (ok) {
        uint8_t *reg = xn_ecat_sim_registers(r.sim, 2);
        xn_ecat_put16(reg + XN_ESC_DL_STATUS,
                      (uint16_t)(xn_ecat_get16(reg + XN_ESC_DL_STATUS) | 0x2000)); /* port 2 open */
        XT_CHECK(xn_ecat_dc_measure(r.m, &err) == XN_ERR_UNSUPPORTED && err.index == 2 &&
                     strstr(err.message, "only a line"),
                 "a branch named: %s", err.message);
        close_rig(&r);
    }
    return xt_done("test_ecat_dc");
}
