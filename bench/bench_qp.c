/* The QP solver's speed on random strictly convex problems the size of a humanoid's whole-body
 * controller (30 to 120 variables, equalities, 2 inequalities per variable, bounds): median and
 * p99 of the solve time, from scratch and warm-started from the previous problem of a slowly
 * changing sequence (as in a control loop). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "xiaonao/qp.h"

static xn_qp *new_qp(int n_max, int me_max, int mi_max) {
    xn_qp *qp;
    xn_error err;
    if (xn_qp_create(n_max, me_max, mi_max, &qp, &err) != XN_OK) {
        fprintf(stderr, "%s: %s\n", err.file, err.message);
        exit(1);
    }
    return qp;
}

static unsigned long seed = 7;
static double rnd(void) {
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(seed >> 11) / 9007199254740992.0 * 2 - 1;
}

#define STEPS 400

int main(void) {
    const int sizes[4][3] = {{30, 6, 60}, {60, 12, 120}, {90, 18, 180}, {120, 24, 240}};
    printf("### QP solve time (us), %d problems per size\n\n", STEPS);
    printf("| variables | equalities | inequalities | cold median | cold p99 | warm median | warm "
           "p99 | iterations cold / warm (mean) |\n|---|---|---|---|---|---|---|---|\n");
    for (int s = 0; s < 4; s++) {
        int n = sizes[s][0], me = sizes[s][1], mi = sizes[s][2];
        double *H = malloc(sizeof(double) * (size_t)(n * n)),
               *M = malloc(sizeof(double) * (size_t)(n * n));
        double *g0 = malloc(sizeof(double) * (size_t)n), *g = malloc(sizeof(double) * (size_t)n);
        double *Aeq = malloc(sizeof(double) * (size_t)(me * n)),
               *beq = malloc(sizeof(double) * (size_t)me);
        double *Ain = malloc(sizeof(double) * (size_t)(mi * n)),
               *bin = malloc(sizeof(double) * (size_t)mi);
        double *lo = malloc(sizeof(double) * (size_t)n), *hi = malloc(sizeof(double) * (size_t)n);
        double *xf = malloc(sizeof(double) * (size_t)n), *x = malloc(sizeof(double) * (size_t)n);
        for (int i = 0; i < n * n; i++) M[i] = rnd();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double a = 0;
                for (int k = 0; k < n; k++) a += M[k * n + i] * M[k * n + j];
                H[i * n + j] = a / n + (i == j ? 0.1 : 0);
            }
        for (int i = 0; i < n; i++) {
            g0[i] = 3 * rnd();
            xf[i] = rnd();
            lo[i] = xf[i] - 0.5 - fabs(rnd());
            hi[i] = xf[i] + 0.5 + fabs(rnd());
        }
        for (int c = 0; c < me; c++) {
            double a = 0;
            for (int k = 0; k < n; k++) a += (Aeq[c * n + k] = rnd()) * xf[k];
            beq[c] = a;
        }
        for (int c = 0; c < mi; c++) {
            double a = 0;
            for (int k = 0; k < n; k++) a += (Ain[c * n + k] = rnd()) * xf[k];
            bin[c] = a - 0.5 * fabs(rnd());
        }
        xn_qp *cold = new_qp(n, me, mi), *warm = new_qp(n, me, mi);
        xn_qp_set_warm_start(warm, 1);
        static double tc[STEPS], tw[STEPS];
        long ic = 0, iw = 0;
        for (int step = 0; step < STEPS; step++) {
            for (int i = 0; i < n; i++) g[i] = g0[i] + 0.05 * sin(0.05 * step + i);
            xn_qp_problem pb = {n, me, mi, H, g, Aeq, beq, Ain, bin, lo, hi};
            xn_qp_info a, b;
            double t0 = xb_now_ns();
            xn_qp_solve(cold, &pb, x, NULL, &a, NULL);
            double t1 = xb_now_ns();
            xn_qp_solve(warm, &pb, x, NULL, &b, NULL);
            double t2 = xb_now_ns();
            tc[step] = t1 - t0;
            tw[step] = t2 - t1;
            ic += a.iterations;
            iw += b.iterations;
        }
        qsort(tc, STEPS, sizeof(double), xb_cmp);
        qsort(tw, STEPS, sizeof(double), xb_cmp);
        printf("| %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f / %.0f |\n", n, me, mi,
               tc[STEPS / 2] * 1e-3, tc[STEPS * 99 / 100] * 1e-3, tw[STEPS / 2] * 1e-3,
               tw[STEPS * 99 / 100] * 1e-3, (double)ic / STEPS, (double)iw / STEPS);
        xn_qp_free(cold);
        xn_qp_free(warm);
        free(H), free(M), free(g0), free(g), free(Aeq), free(beq), free(Ain), free(bin);
        free(lo), free(hi), free(xf), free(x);
    }
    return 0;
}
