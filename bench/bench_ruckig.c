/* xiaonao's trajectory generator beside Ruckig in one process (built only when XN_RUCKIG_DIR
 * points at a Ruckig source tree: bench/peers/ruckig_shim.cpp is the only file that touches it).
 *
 * Part 1, durations: problems of every kind of the stress generator (bench/otg_stress.h), each
 * solved by both; the durations must agree (1e-8 relative, 1e-12 absolute) wherever both find a
 * trajectory. Part 2, time: 1, 3 and 7 DoF with target velocities and accelerations, and 7 DoF
 * rest to rest; the two solvers alternate on every problem and each problem counts its fastest
 * of 5 passes; the ratio xiaonao / Ruckig of the mean, median, p99, p99.9 and worst.
 *
 * Usage: bench_ruckig [PROBLEMS] [SEED]   (defaults 32768 and 777; part 1 solves 30 times as
 * many problems). SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "otg_stress.h"

typedef struct rk_solver rk_solver;
rk_solver *rk_create(int dofs);
void rk_free(rk_solver *s);
void rk_set(rk_solver *s, const xn_otg_problem *p);
int rk_calculate(rk_solver *s, double *duration);

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void durations(long n, uint64_t seed) {
    xs_rng r = {seed};
    rk_solver *rk[XN_OTG_MAX_DOFS + 1] = {0};
    int shown = 0;
    long both = 0, equal = 0, only_xn = 0, only_rk = 0, neither = 0, one_sided[XS_KINDS][2] = {{0}};
    double worst = 0;
    static xn_otg_problem P;
    static xn_trajectory tr;
    for (long k = 0; k < n; k++) {
        int kind = (int)(k % XS_KINDS), dofs = 1 + (int)(xs_uniform(&r) * 7);
        xs_draw(&r, kind, dofs, &P);
        if (!rk[dofs]) rk[dofs] = rk_create(dofs);
        rk_set(rk[dofs], &P);
        xn_error e;
        int ok_xn = xn_otg_calculate(&P, &tr, &e) == XN_OK;
        double d_rk = NAN;
        int ok_rk = rk_calculate(rk[dofs], &d_rk) >= 0;
        if (ok_xn && ok_rk) {
            both++;
            double diff = fabs(tr.duration - d_rk), tol = 1e-12 + 1e-8 * fabs(d_rk);
            equal += diff <= tol;
            if (diff > tol && shown++ < 3) { /* which is right: the shorter one, if it is valid */
                int valid = xs_validate(&P, &tr, 2000) == XS_OK;
                printf("duration differs: problem %ld (%s, %d DoF): xiaonao %.15g s (%s by the "
                       "dense check), Ruckig %.15g s\n",
                       k, xs_kind_names[kind], dofs, tr.duration, valid ? "valid" : "INVALID",
                       d_rk);
            }
            worst = xb_max(worst, diff / (fabs(d_rk) > 1 ? fabs(d_rk) : 1));
        } else {
            only_xn += ok_xn && !ok_rk;
            only_rk += ok_rk && !ok_xn;
            one_sided[kind][0] += ok_xn && !ok_rk;
            one_sided[kind][1] += ok_rk && !ok_xn;
            neither += !ok_xn && !ok_rk;
        }
    }
    printf("### Durations, %ld problems (1-7 DoF, every kind of bench/otg_stress.h, seed %llu)\n\n",
           n, (unsigned long long)seed);
    printf(
        "| both solve | equal (1e-8 rel.) | worst relative difference | only xiaonao | only Ruckig "
        "| neither |\n|---|---|---|---|---|---|\n");
    printf("| %ld | %ld | %.1e | %ld | %ld | %ld |\n\n", both, equal, worst, only_xn, only_rk,
           neither);
    printf("Solved by one only, by kind (xiaonao / Ruckig):");
    for (int k = 0; k < XS_KINDS; k++)
        printf("%s %s %ld / %ld", k ? "," : "", xs_kind_names[k], one_sided[k][0], one_sided[k][1]);
    printf(".\n\n");
    for (int i = 0; i <= XN_OTG_MAX_DOFS; i++)
        if (rk[i]) rk_free(rk[i]);
}

#define PASSES 5
static void timing(const char *label, int kind, int dofs, int n, uint64_t seed) {
    xs_rng r = {seed};
    xn_otg_problem *P = malloc(sizeof *P * (size_t)n);
    double *tx = malloc(sizeof(double) * (size_t)n), *tr_ = malloc(sizeof(double) * (size_t)n);
    rk_solver *rk = rk_create(dofs);
    static xn_trajectory tr;
    for (int i = 0; i < n; i++) {
        xs_draw(&r, kind, dofs, &P[i]);
        tx[i] = tr_[i] = INFINITY;
    }
    for (int pass = 0; pass < PASSES; pass++)
        for (int i = 0; i < n; i++) {
            xn_error e;
            double d, t0 = xb_now_ns();
            xn_otg_calculate(&P[i], &tr, &e);
            double t1 = xb_now_ns();
            rk_set(rk, &P[i]); /* outside the timed call, as xiaonao's problem is built before */
            double t2 = xb_now_ns();
            rk_calculate(rk, &d);
            double t3 = xb_now_ns();
            tx[i] = (t1 - t0) / 1e3 < tx[i] ? (t1 - t0) / 1e3 : tx[i];
            tr_[i] = (t3 - t2) / 1e3 < tr_[i] ? (t3 - t2) / 1e3 : tr_[i];
        }
    double mx = 0, mr = 0;
    for (int i = 0; i < n; i++) {
        mx += tx[i] / n;
        mr += tr_[i] / n;
    }
    qsort(tx, (size_t)n, sizeof *tx, cmp);
    qsort(tr_, (size_t)n, sizeof *tr_, cmp);
    int i50 = n / 2, i99 = (int)(0.99 * n), i999 = (int)(0.999 * n);
    printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f / %.2f | %.2f / %.2f |\n", label,
           mx / mr, tx[i50] / tr_[i50], tx[i99] / tr_[i99], tx[i999] / tr_[i999],
           tx[n - 1] / tr_[n - 1], mx, tx[i99], mr, tr_[i99]);
    fflush(stdout);
    rk_free(rk);
    free(P);
    free(tx);
    free(tr_);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 32768;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 777;
    if (n < 100) n = 100;
    durations(30L * n, seed);
    printf("### Calculation time, xiaonao / Ruckig (%d problems each, fastest of %d passes, "
           "seed %llu)\n\n",
           n, PASSES, (unsigned long long)seed);
    printf("| problems | mean | median | p99 | p99.9 | worst | xiaonao mean / p99 (µs) | Ruckig "
           "mean / p99 (µs) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    timing("1 DoF", XS_RANDOM, 1, n, seed);
    timing("3 DoF", XS_RANDOM, 3, n, seed);
    timing("7 DoF", XS_RANDOM, 7, n, seed);
    timing("7 DoF, rest to rest", XS_REST, 7, n, seed);
    return 0;
}
