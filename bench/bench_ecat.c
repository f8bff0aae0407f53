/* The EtherCAT master's costs:
 * 1. the time from opening a master to every slave in OP (scan, EEPROMs, mailboxes, mapping read
 *    by SDO, sync managers and FMMUs, SAFE-OP, process data, OP), and the frames it takes;
 * 2. the round trip of the process data frame (one LRW and an AL status read per slave), from
 *    send to the answer parsed, p50 / p99 / max over N cycles at 1 kHz.
 * In-process by default (the virtual segment as the transport: the master's work and the
 * simulated slaves', no network), or over a network interface with `xn ecat-sim` at its other
 * end (root):
 *   bench_ecat [SLAVES [CYCLES [IFACE]]]     defaults: 7 slaves, 5000 cycles, in-process
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"
#include "fieldbus/ethercat/sim.h"

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 7, cycles = argc > 2 ? atoi(argv[2]) : 5000;
    const char *iface = argc > 3 ? argv[3] : NULL;
    if (n < 1 || n > XN_ECAT_MAX_SLAVES || cycles < 1) {
        fprintf(stderr, "usage: bench_ecat [SLAVES [CYCLES [IFACE]]]\n");
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
    } else if (xn_ecat_sim_create(n, NULL, &sim, &err) != XN_OK ||
               xn_ecat_sim_transport(sim, &t, &err) != XN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    xn_ecat_master *m = NULL;
    double t0 = xb_now_ns();
    if (xn_ecat_master_open(t, &m, &err) != XN_OK || xn_ecat_scan(m, &err) != XN_OK ||
        xn_ecat_pd_start(m, &err) != XN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double to_op = xb_now_ns() - t0;
    xn_ecat_stats st;
    xn_ecat_get_stats(m, &st);
    double *rt = malloc((size_t)cycles * sizeof *rt);
    int lost = 0;
    int64_t next = (int64_t)xb_now_ns();
    for (int k = 0; k < cycles; k++) {
        double a = xb_now_ns();
        lost += xn_ecat_pd_exchange(m, 500000, NULL) != XN_OK;
        rt[k] = xb_now_ns() - a;
        next += 1000000; /* 1 kHz */
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
    free(rt);
    xn_ecat_master_close(m);
    xn_ecat_sim_free(sim);
    return 0;
}
