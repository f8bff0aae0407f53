/* The EtherCAT master's costs:
 * 1. the time from opening a master to every slave in OP (scan, EEPROMs, mailboxes, mapping read
 *    by SDO, sync managers and FMMUs, SAFE-OP, process data, OP), and the frames it takes;
 * 2. the round trip of the process data frame (one LRW and an AL status read per slave), from
 *    send to the answer parsed, p50 / p99 / max over N cycles at 1 kHz.
 * 3. distributed clocks (unless the fourth argument is "nodc"): the time their start takes
 *    (delays, offsets, drift compensation until every slave is within 100 ns), then over the
 *    cycles the differences the slaves report from the reference clock (RMS and max, after the
 *    first 500 cycles) and the phase of the frames at the reference clock with the loop locked
 *    to it (|phase| p50 / p99 / max); in-process also the true spread of the slaves' clocks,
 *    which only the simulation knows.
 * In-process by default (the virtual segment as the transport: the master's work and the
 * simulated slaves', no network), or over a network interface with `xn ecat-sim` at its other
 * end (root):
 *   bench_ecat [SLAVES [CYCLES [IFACE|- [nodc]]]]   defaults: 7 slaves, 5000 cycles, in-process
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "fieldbus/ethercat/sim.h"

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 7, cycles = argc > 2 ? atoi(argv[2]) : 5000;
    const char *iface = argc > 3 && strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
    int dc = !(argc > 4 && strcmp(argv[4], "nodc") == 0);
    if (n < 1 || n > XN_ECAT_MAX_SLAVES || cycles < 1) {
        fprintf(stderr, "usage: bench_ecat [SLAVES [CYCLES [IFACE|- [nodc]]]]\n");
        return 2;
    }
    xn_error err;
    xn_ecat_sim *sim = NULL;
    xn_ecat_transport *t = NULL;
    if (iface) {
        if (xn_ecat_transport_raw(iface, &t, &err) != XN_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    } else {
        /* drives that keep OP through this machine's stalls (a 1 kHz thread here wakes up to
         * some ms late): their missed SYNC0s are counted and reported instead */
        xn_ecat_sim_slave cfg[XN_ECAT_MAX_SLAVES];
        for (int i = 0; i < n; i++) {
            xn_ecat_sim_slave_default(&cfg[i], i);
            cfg[i].sync_error_limit = 1 << 30;
        }
        if (xn_ecat_sim_create(n, cfg, &sim, &err) != XN_OK ||
            xn_ecat_sim_transport(sim, &t, &err) != XN_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    }
    if (0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    xn_ecat_master *m = NULL;
    double t0 = xb_now_ns();
    double dc_start = 0;
    if (xn_ecat_master_open(t, &m, &err) != XN_OK || xn_ecat_scan(m, &err) != XN_OK ||
        xn_ecat_set_state(m, -1, XN_ECAT_PREOP, 2.0, &err) != XN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    if (dc) {
        double a = xb_now_ns();
        if (xn_ecat_dc_start(m, 1000000, 500000, &err) != XN_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        dc_start = xb_now_ns() - a;
    }
    if (xn_ecat_pd_start(m, &err) != XN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double to_op = xb_now_ns() - t0;
    xn_ecat_stats st;
    xn_ecat_get_stats(m, &st);
    double *rt = malloc((size_t)cycles * sizeof *rt),
           *phase = malloc((size_t)cycles * sizeof *phase);
    int lost = 0;
    double diff_sq = 0, diff_max = 0, spread_max = 0;
    long diffs = 0;
    int64_t next = (int64_t)xb_now_ns();
    for (int k = 0; k < cycles; k++) {
        double a = xb_now_ns();
        lost += xn_ecat_pd_exchange(m, 500000, NULL) != XN_OK;
        rt[k] = xb_now_ns() - a;
        xn_ecat_dc_status d;
        xn_ecat_dc_get(m, &d);
        phase[k] = fabs((double)d.phase_ns);
        if (dc && k >= 500 && d.diff_slave >= 0) { /* what this frame read, the true spread */
            double v = (double)d.diff_ns[d.diff_slave];
            diff_sq += v * v;
            diff_max = fmax(diff_max, fabs(v));
            diffs++;
            if (sim) spread_max = fmax(spread_max, (double)xn_ecat_sim_dc_spread(sim));
        }
        next += 1000000 + xn_ecat_dc_lock(m); /* 1 kHz, on the reference clock */
        struct timespec ts = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    qsort(rt, (size_t)cycles, sizeof *rt, xb_cmp);
    size_t bytes = 0;
    for (int i = 0; i < xn_ecat_slave_count(m); i++) {
        size_t o = 0, in = 0;
        xn_ecat_pd_outputs(m, i, &o);
        xn_ecat_pd_inputs(m, i, &in);
        bytes += o + in;
    }
    printf("EtherCAT master, %d slaves, %s\n", xn_ecat_slave_count(m),
           iface ? iface : "in-process (the master and the simulated slaves' work, no network)");
    printf("  to OP        %.1f ms, %ld frames\n", to_op * 1e-6, st.frames_sent);
    printf("  round trip   p50 %.1f us, p99 %.1f us, max %.1f us over %d cycles at 1 kHz "
           "(process data %d bytes; %d exchanges failed)\n",
           rt[cycles / 2] * 1e-3, rt[(long)cycles * 99 / 100] * 1e-3, rt[cycles - 1] * 1e-3, cycles,
           (int)bytes, lost);
    if (dc) {
        qsort(phase, (size_t)cycles, sizeof *phase, xb_cmp);
        printf("  clocks       started in %.1f ms; slaves' reported difference from the reference "
               "RMS %.1f ns, max %.0f ns (%ld reads after cycle 500)%s",
               dc_start * 1e-6, diffs ? sqrt(diff_sq / (double)diffs) : 0.0, diff_max, diffs,
               sim ? "" : "\n");
        if (sim) {
            long missed = 0, events = xn_ecat_sim_sync0_events(sim, 0, &missed);
            printf("; true spread max %.0f ns\n  SYNC0        %ld events at slave 0, %ld of them "
                   "without new outputs (late wake-ups of this host)\n",
                   spread_max, events, missed);
        }
        printf(
            "  lock         |phase| at the reference clock p50 %.1f us, p99 %.1f us, max %.1f us "
            "(SYNC0 500 us after phase 0)\n",
            phase[cycles / 2] * 1e-3, phase[(long)cycles * 99 / 100] * 1e-3,
            phase[cycles - 1] * 1e-3);
    }
    free(phase);
    free(rt);
    xn_ecat_master_close(m);
    xn_ecat_sim_free(sim);
    return 0;
}
