/* The QP solver: a projection with a closed form; random strictly convex problems up to 120
 * variables and 200 inequalities (plus equalities and bounds) whose KKT conditions hold to
 * 1e-9 (stationarity, feasibility, complementarity, non-negative multipliers: for a strictly
 * convex problem they prove optimality); infeasible problems reported as such; a warm start
 * reaching the same solutions in fewer iterations; no allocation while solving.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "test_util.h"
#include "xiaonao/qp.h"

#include "control/random_qp.h"

/* min 1/2 |x - c|^2 over the simplex: x = max(c - tau, 0), sum x = 1 */
static void simplex(void) {
    double c[4] = {0.9, 0.4, -0.3, 0.2}, H[16] = {0}, g[4], A[4] = {1, 1, 1, 1}, b = 1, lo[4] = {0},
           x[4];
    for (int i = 0; i < 4; i++) {
        H[i * 5] = 1;
        g[i] = -c[i];
    }
    xn_qp *qp = new_qp(4, 1, 0);
    xn_qp_problem pb = {4, 1, 0, H, g, A, &b, NULL, NULL, lo, NULL};
    xn_qp_info info;
    xn_status st = xn_qp_solve(qp, &pb, x, NULL, &info, NULL);
    /* tau: 0.9 - t + 0.4 - t = 1 -> t = 0.15 (0.2 - 0.15 > 0: include it) -> 1.5 - 3t = 1 */
    double tau = (0.9 + 0.4 + 0.2 - 1) / 3, want[4] = {0.9 - tau, 0.4 - tau, 0, 0.2 - tau}, e = 0;
    for (int i = 0; i < 4; i++) e = xt_max(e, fabs(x[i] - want[i]));
    XT_CHECK(st == XN_OK && e < 1e-12, "projection on the simplex: %s, error %.1e",
             xn_status_str(st), e);
    XT_CHECK(xn_qp_last_iterations(qp) == info.iterations && info.iterations > 0,
             "the last solve's iterations without info: %d (info %d)", xn_qp_last_iterations(qp),
             info.iterations);
    xn_qp_solve(qp, &pb, x, NULL, NULL, NULL);
    XT_CHECK(xn_qp_last_iterations(qp) == info.iterations, "again without info: %d",
             xn_qp_last_iterations(qp));
    xn_qp_free(qp);
}

static void random_problems(void) {
    const int sizes[][4] = {{5, 1, 8, 0},     {10, 0, 20, 1},   {20, 4, 40, 1},   {40, 8, 80, 1},
                            {60, 10, 120, 1}, {90, 12, 160, 1}, {120, 6, 200, 1}, {120, 0, 200, 0}};
    xn_qp *qp = new_qp(120, 12, 200);
    double x[120], worst[4] = {0};
    int solved = 0, total = 0, maxit = 0;
    long allocs = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int rep = 0; rep < 10; rep++) {
            random_qp r;
            make(&r, sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3]);
            xn_qp_problem pb = {r.n, r.me, r.mi, r.H, r.g, r.Aeq, r.beq, r.Ain, r.bin, r.lo, r.hi};
            xn_qp_info info;
            xt_allocs = 0;
            xt_counting = 1;
            xn_status st = xn_qp_solve(qp, &pb, x, NULL, &info, NULL);
            xt_counting = 0;
            allocs += xt_allocs;
            total++;
            if (st == XN_OK) solved++;
            worst[0] = xt_max(worst[0], info.stationarity);
            worst[1] = xt_max(worst[1], info.feasibility);
            worst[2] = xt_max(worst[2], info.complementarity);
            worst[3] = xt_min(worst[3], info.dual);
            if (info.iterations > maxit) maxit = info.iterations;
            drop(&r);
        }
    XT_CHECK(solved == total, "%d of %d random problems solved to optimality", solved, total);
    XT_CHECK(worst[0] < 1e-9 && worst[1] < 1e-9 && worst[2] < 1e-9 && worst[3] > -1e-9,
             "KKT: stationarity %.1e, feasibility %.1e, complementarity %.1e, multipliers >= %.1e",
             worst[0], worst[1], worst[2], worst[3]);
    XT_CHECK(allocs == 0, "%ld allocations while solving", allocs);
    printf("random QPs (5 to 120 variables, up to 200 inequalities, equalities, bounds): %d/%d "
           "optimal; KKT residuals: stationarity %.1e, feasibility %.1e, complementarity %.1e; "
           "most iterations %d\n",
           solved, total, worst[0], worst[1], worst[2], maxit);
    xn_qp_free(qp);
}

/* A solve that must fail with `want`, naming xn_qp_solve, saying `what`, and naming the
 * constraint or variable `index` (-2: any one of the problem's constraints). */
static void solve_fails(xn_qp *qp, const xn_qp_problem *pb, xn_status want, const char *what,
                        int index, const char *label) {
    double x[64];
    xn_error err;
    xn_status st = xn_qp_solve(qp, pb, x, NULL, NULL, &err);
    int m = pb->me + pb->mi + 2 * pb->n;
    int index_ok = index == -2 ? err.index >= 0 && err.index < m : err.index == index;
    XT_CHECK(st == want && strcmp(err.file, "xn_qp_solve") == 0 && strstr(err.message, what) &&
                 index_ok,
             "%s: %s in %s at %d (%s), want %s saying '%s' at %d", label, xn_status_str(st),
             err.file, err.index, err.message, xn_status_str(want), what, index);
}

static void infeasible(void) {
    xn_qp *qp = new_qp(30, 2, 60);
    /* x0 >= 1 and x0 <= 0 */
    double H[4] = {1, 0, 0, 1}, g[2] = {0, 0}, A[4] = {1, 0, -1, 0}, b[2] = {1, 0};
    xn_qp_problem pb = {2, 0, 2, H, g, NULL, NULL, A, b, NULL, NULL};
    solve_fails(qp, &pb, XN_ERR_INFEASIBLE, "infeasible", -2, "x >= 1 and x <= 0");
    /* a random feasible problem made infeasible by two opposite half-spaces far apart */
    random_qp r;
    make(&r, 30, 2, 60, 1);
    for (int k = 0; k < 30; k++) r.Ain[59 * 30 + k] = -r.Ain[58 * 30 + k];
    double s = 0;
    for (int k = 0; k < 30; k++) s += r.Ain[58 * 30 + k] * r.xf[k];
    r.bin[58] = s + 1;
    r.bin[59] = -s + 1; /* a'x >= s + 1 and a'x <= s - 1 */
    xn_qp_problem pr = {r.n, r.me, r.mi, r.H, r.g, r.Aeq, r.beq, r.Ain, r.bin, r.lo, r.hi};
    solve_fails(qp, &pr, XN_ERR_INFEASIBLE, "infeasible", -2,
                "a random problem with two contradicting constraints");
    /* bad input */
    double Hbad[4] = {1, 0, 0, -1};
    xn_qp_problem pn = {2, 0, 0, Hbad, g, NULL, NULL, NULL, NULL, NULL, NULL};
    solve_fails(qp, &pn, XN_ERR_NUMERIC, "not positive definite", -1, "H not positive definite");
    double Hnan[4] = {1, 0, 0, NAN};
    xn_qp_problem pz = {2, 0, 0, Hnan, g, NULL, NULL, NULL, NULL, NULL, NULL};
    solve_fails(qp, &pz, XN_ERR_RANGE, "H is not finite", -1, "NaN in H");
    double gnan[2] = {0, NAN};
    xn_qp_problem pg = {2, 0, 0, H, gnan, NULL, NULL, NULL, NULL, NULL, NULL};
    solve_fails(qp, &pg, XN_ERR_RANGE, "g[1]", 1, "NaN in g");
    double Ae[4] = {1, 1, 2, 2}, be[2] = {1, 2};
    xn_qp_problem pd = {2, 2, 0, H, g, Ae, be, NULL, NULL, NULL, NULL};
    solve_fails(qp, &pd, XN_ERR_NUMERIC, "linearly dependent", -1, "dependent equalities");
    xn_qp_problem big = {31, 0, 0, H, g, NULL, NULL, NULL, NULL, NULL, NULL};
    solve_fails(qp, &big, XN_ERR_SIZE, "made for n 1..30", -1, "more variables than made for");
    xn_qp *none;
    xn_error err;
    XT_CHECK(xn_qp_create(0, 1, 1, &none, &err) == XN_ERR_RANGE && none == NULL &&
                 strstr(err.message, "n_max 0"),
             "xn_qp_create(0, ...): %s", err.message);
    drop(&r);
    xn_qp_free(qp);
}

/* a sequence of slowly changing problems: the warm start finds the same solutions faster */
static void warm_start(void) {
    xn_qp *cold = new_qp(60, 10, 120), *warm = new_qp(60, 10, 120);
    xn_qp_set_warm_start(warm, 1);
    random_qp r;
    make(&r, 60, 10, 120, 1);
    double xc[60], xw[60], diff = 0;
    long it_cold = 0, it_warm = 0;
    double g0[60];
    memcpy(g0, r.g, sizeof g0);
    for (int step = 0; step < 50; step++) {
        for (int i = 0; i < 60; i++) r.g[i] = g0[i] + 0.05 * sin(0.1 * step + i);
        xn_qp_problem pb = {r.n, r.me, r.mi, r.H, r.g, r.Aeq, r.beq, r.Ain, r.bin, r.lo, r.hi};
        xn_qp_info ic, iw;
        xn_qp_solve(cold, &pb, xc, NULL, &ic, NULL);
        xn_status st = xn_qp_solve(warm, &pb, xw, NULL, &iw, NULL);
        XT_CHECK(st == XN_OK, "warm step %d: %s", step, xn_status_str(st));
        for (int i = 0; i < 60; i++) diff = xt_max(diff, fabs(xc[i] - xw[i]));
        it_cold += ic.iterations;
        it_warm += iw.iterations;
    }
    XT_CHECK(diff < 1e-9 && it_warm < it_cold,
             "warm start: same solutions (%.1e), %ld iterations against %ld cold", diff, it_warm,
             it_cold);
    printf("warm start over 50 changing problems: %ld iterations (cold %ld), solutions within "
           "%.1e\n",
           it_warm, it_cold, diff);
    drop(&r);
    xn_qp_free(cold);
    xn_qp_free(warm);
}

/* xn_qp_share_start: a solver handed another's factorization (same H, g, equalities; other
 * bounds) finds the same solution as one that factorizes itself, and one whose source had other
 * sizes factorizes itself. */
static void shared_start(void) {
    xn_qp *a = new_qp(40, 8, 80), *b = new_qp(40, 8, 80), *c = new_qp(40, 8, 80);
    random_qp r;
    make(&r, 40, 8, 80, 1);
    xn_qp_problem with = {r.n, r.me, r.mi, r.H, r.g, r.Aeq, r.beq, r.Ain, r.bin, r.lo, r.hi};
    xn_qp_problem without = with;
    without.lo = without.hi = NULL;
    double xa[40], xb[40], xc[40];
    xn_status sa = xn_qp_solve(a, &with, xa, NULL, NULL, NULL);
    xn_qp_share_start(b, a);
    xn_status sb = xn_qp_solve(b, &without, xb, NULL, NULL, NULL);
    xn_status sc = xn_qp_solve(c, &without, xc, NULL, NULL, NULL);
    double d = 0;
    for (int i = 0; i < 40; i++)
        if (!(fabs(xb[i] - xc[i]) <= d)) d = fabs(xb[i] - xc[i]); /* NaN propagates */
    XT_CHECK(sa == XN_OK && sb == XN_OK && sc == XN_OK && d < 1e-10,
             "a shared factorization: the same solution as a fresh one (%.1e)", d);
    /* a source whose last solve had one equality less: not shared */
    xn_qp_problem fewer = with;
    fewer.me = 7;
    xn_qp_solve(a, &fewer, xa, NULL, NULL, NULL);
    xn_qp_share_start(b, a);
    sb = xn_qp_solve(b, &without, xb, NULL, NULL, NULL);
    d = 0;
    for (int i = 0; i < 40; i++)
        if (!(fabs(xb[i] - xc[i]) <= d)) d = fabs(xb[i] - xc[i]);
    XT_CHECK(sb == XN_OK && d < 1e-10,
             "a source of other sizes: factorized afresh, the same solution (%.1e)", d);
    drop(&r);
    xn_qp_free(a);
    xn_qp_free(b);
    xn_qp_free(c);
}

int main(void) {
    simplex();
    random_problems();
    infeasible();
    warm_start();
    shared_start();
    return xt_done("test_qp");
}
