/* Timing helpers for the benchmarks: median over repeats of the mean time of a batch of calls.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_BENCH_UTIL_H
#define XN_BENCH_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <time.h>

/* The larger of two values, NaN if either is NaN: a figure accumulated with fmax would stay small
 * when the code under measurement returns NaN. */
static inline double xb_max(double a, double b) { return a != a || b != b ? NAN : a > b ? a : b; }

static inline double xb_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The CPU time this thread has used (ns): a step preempted by another process costs no more of
 * it, where the wall clock counts the wait too. */
static inline double xb_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int xb_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline double xb_median(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, xb_cmp);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Median ns per call of BODY (which may use the loop index i_) over REPEATS batches of BATCH. */
#define XB_TIME(result, repeats, batch, BODY)                                                      \
    do {                                                                                           \
        double xb_t_[256];                                                                         \
        int xb_r_n_ = (repeats) > 256 ? 256 : (repeats);                                           \
        for (int i_ = 0; i_ < (batch); i_++) {                                                     \
            BODY;                                                                                  \
        } /* warm-up */                                                                            \
        for (int r_ = 0; r_ < xb_r_n_; r_++) {                                                     \
            double t0_ = xb_now_ns();                                                              \
            for (int i_ = 0; i_ < (batch); i_++) {                                                 \
                BODY;                                                                              \
            }                                                                                      \
            xb_t_[r_] = (xb_now_ns() - t0_) / (batch);                                             \
        }                                                                                          \
        (result) = xb_median(xb_t_, xb_r_n_);                                                      \
    } while (0)

#endif
