/* The machine's own wake-up latency, without a controller: a thread that sleeps to absolute
 * 1 ms deadlines (clock_nanosleep, as xn_loop_run in real time) with SCHED_FIFO and locked
 * memory where the process may have them, and nothing else to do. How late it wakes is the
 * floor under any real-time loop on this machine: when it wakes later than the watchdog's
 * margin (0.5 ms by default), a watchdog stop of `xn run --realtime` says as much about the
 * machine as about the controller (cyclictest measures the same).
 * Usage: bench_wakeup [seconds (default 10)] [priority (default 80)]
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_util.h"
#include "xiaonao/runtime.h"

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    int priority = argc > 2 ? atoi(argv[2]) : 80;
    if (!(seconds > 0 && seconds <= 3600)) {
        fprintf(stderr, "bench_wakeup: seconds %s (0 to 3600)\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    int locked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
    struct sched_param sp = {.sched_priority = priority};
    int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    xn_stats late;
    xn_stats_reset(&late);
    long n = (long)(seconds * 1000), over = 0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    for (long i = 0; i < n; i++) {
        t.tv_nsec += 1000000;
        if (t.tv_nsec >= 1000000000) {
            t.tv_nsec -= 1000000000;
            t.tv_sec++;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
        }
        struct timespec w;
        clock_gettime(CLOCK_MONOTONIC, &w);
        double by = (double)(w.tv_sec - t.tv_sec) * 1e9 + (double)(w.tv_nsec - t.tv_nsec);
        xn_stats_add(&late, by);
        over += by > 0.5e6;
    }
    printf("### Wake-up latency of a bare 1 kHz loop (%s, memory %s)\n\n",
           e == 0 ? "SCHED_FIFO" : "normal priority: SCHED_FIFO refused",
           locked ? "locked" : "not locked");
    printf("| wake-ups | p50 (us) | p99 | p99.9 | max | later than 0.5 ms |\n"
           "|---|---|---|---|---|---|\n");
    printf("| %ld | %.1f | %.1f | %.1f | %.1f | %ld |\n", late.count,
           xn_stats_quantile(&late, 0.5) * 1e-3, xn_stats_quantile(&late, 0.99) * 1e-3,
           xn_stats_quantile(&late, 0.999) * 1e-3, late.max_ns * 1e-3, over);
    if (e) fprintf(stderr, "bench_wakeup: SCHED_FIFO %d: %s\n", priority, strerror(e));
    return 0;
}
