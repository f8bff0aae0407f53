/* Random strictly convex QPs for the solver's tests: H = M'M / n + 0.1 I, constraints that a
 * known point xf satisfies, many tightly enough to bind, and bounds around it.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_TEST_RANDOM_QP_H
#define XN_TEST_RANDOM_QP_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "xiaonao/qp.h"

/* A solver the test cannot go on without: a failed creation ends the test with its reason. */
static xn_qp *new_qp(int n_max, int me_max, int mi_max) {
    xn_qp *qp;
    xn_error err;
    if (xn_qp_create(n_max, me_max, mi_max, &qp, &err) != XN_OK) {
        fprintf(stderr, "FAIL %s: %s\n", err.file, err.message);
        exit(1);
    }
    return qp;
}

static unsigned long seed = 1;
static double rnd(void) {
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(seed >> 11) / 9007199254740992.0 * 2 - 1;
}

typedef struct {
    int n, me, mi;
    double *H, *g, *Aeq, *beq, *Ain, *bin, *lo, *hi, *xf;
} random_qp;

static void make(random_qp *r, int n, int me, int mi, int bounds) {
    r->n = n;
    r->me = me;
    r->mi = mi;
    r->H = malloc(sizeof(double) * (size_t)(n * n));
    r->g = malloc(sizeof(double) * (size_t)n);
    r->Aeq = malloc(sizeof(double) * (size_t)(me * n + 1));
    r->beq = malloc(sizeof(double) * (size_t)(me + 1));
    r->Ain = malloc(sizeof(double) * (size_t)(mi * n + 1));
    r->bin = malloc(sizeof(double) * (size_t)(mi + 1));
    r->lo = bounds ? malloc(sizeof(double) * (size_t)n) : NULL;
    r->hi = bounds ? malloc(sizeof(double) * (size_t)n) : NULL;
    r->xf = malloc(sizeof(double) * (size_t)n);
    /* H = M'M / n + 0.1 I: strictly convex, a spread of eigenvalues */
    double *M = malloc(sizeof(double) * (size_t)(n * n));
    for (int i = 0; i < n * n; i++) M[i] = rnd();
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += M[k * n + i] * M[k * n + j];
            r->H[i * n + j] = s / n + (i == j ? 0.1 : 0);
        }
    free(M);
    for (int i = 0; i < n; i++) {
        r->g[i] = 3 * rnd();
        r->xf[i] = rnd();
    }
    /* constraints that a known point satisfies, many of them tightly enough to bind */
    for (int c = 0; c < me; c++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += (r->Aeq[c * n + k] = rnd()) * r->xf[k];
        r->beq[c] = s;
    }
    for (int c = 0; c < mi; c++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += (r->Ain[c * n + k] = rnd()) * r->xf[k];
        r->bin[c] = s - 0.5 * fabs(rnd());
    }
    for (int i = 0; bounds && i < n; i++) {
        r->lo[i] = r->xf[i] - 0.3 - fabs(rnd());
        r->hi[i] = i % 5 == 0 ? INFINITY : r->xf[i] + 0.3 + fabs(rnd());
    }
}

static void drop(random_qp *r) {
    free(r->H);
    free(r->g);
    free(r->Aeq);
    free(r->beq);
    free(r->Ain);
    free(r->bin);
    free(r->lo);
    free(r->hi);
    free(r->xf);
}

static inline xn_qp_problem random_qp_problem(const random_qp *r) {
    xn_qp_problem pb = {r->n,   r->me,  r->mi,  r->H,  r->g, r->Aeq,
                        r->beq, r->Ain, r->bin, r->lo, r->hi};
    return pb;
}

#endif
