/* The QP solver's ways of not starting from scratch, each against a cold solve of the same
 * problem (a strictly convex problem has one optimum, so a cold solve is an independent
 * reference): warm starts whose guesses are wrong (the multipliers of some come out negative and
 * are dropped), guesses taken from another solver (xn_qp_warm_from), a strict problem continued
 * from its relaxation's optimum (xn_qp_continue_from), and an infeasibility proof checked again
 * on a changed problem (xn_qp_infeasible_again), which must never call a feasible problem
 * infeasible. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/qp.h"

#include "control/random_qp.h"

#define N 40
#define ME 6
#define MI 80

/* largest |a - b| over n entries (NaN propagates) */
static double max_diff(const double *a, const double *b, int n) {
    double d = 0;
    for (int i = 0; i < n; i++) d = xt_max(d, fabs(a[i] - b[i]));
    return d;
}

/* Problems that jump: g redrawn and every inequality's right side moved each step, so that
 * the last active set is a poor guess (some guesses come out with negative multipliers). */
static void warm_jumps(void) {
    xn_qp *cold = new_qp(N, ME, MI), *warm = new_qp(N, ME, MI);
    xn_qp_set_warm_start(warm, 1);
    random_qp r;
    make(&r, N, ME, MI, 1);
    double xc[N], xw[N], diff = 0, kkt = 0, b0[MI];
    memcpy(b0, r.bin, sizeof b0);
    int bad = 0;
    for (int step = 0; step < 60; step++) {
        for (int i = 0; i < N; i++) r.g[i] = 3 * rnd();
        for (int c = 0; c < MI; c++) r.bin[c] = b0[c] - 0.3 * fabs(rnd());
        xn_qp_problem pb = random_qp_problem(&r);
        xn_qp_info ic, iw;
        xn_status sc = xn_qp_solve(cold, &pb, xc, NULL, &ic, NULL);
        xn_status sw = xn_qp_solve(warm, &pb, xw, NULL, &iw, NULL);
        bad += sc != XN_OK || sw != XN_OK;
        diff = xt_max(diff, max_diff(xc, xw, N));
        kkt = xt_max(kkt, xt_max(iw.stationarity, xt_max(iw.feasibility, iw.complementarity)));
        kkt = xt_max(kkt, -iw.dual);
    }
    XT_CHECK(bad == 0 && diff < 1e-9 && kkt < 1e-9,
             "warm starts across jumps: %d not optimal, solutions within %.1e of cold, KKT "
             "residuals %.1e",
             bad, diff, kkt);
    drop(&r);
    xn_qp_free(cold);
    xn_qp_free(warm);
}

/* One solver's active set as another's guesses: the same optimum as a cold solve. */
static void guesses_from_another(void) {
    xn_qp *a = new_qp(N, ME, MI), *b = new_qp(N, ME, MI), *c = new_qp(N, ME, MI);
    xn_qp_set_warm_start(b, 1);
    random_qp r;
    make(&r, N, ME, MI, 1);
    xn_qp_problem with = random_qp_problem(&r), without = with;
    without.mi = MI / 2; /* fewer inequalities: a's indices of bounds move */
    double xa[N], xb[N], xc[N];
    xn_status sa = xn_qp_solve(a, &with, xa, NULL, NULL, NULL);
    xn_qp_warm_from(b, a);
    xn_qp_info ib;
    xn_status sb = xn_qp_solve(b, &without, xb, NULL, &ib, NULL);
    xn_status sc = xn_qp_solve(c, &without, xc, NULL, NULL, NULL);
    double d = max_diff(xb, xc, N);
    XT_CHECK(sa == XN_OK && sb == XN_OK && sc == XN_OK && d < 1e-9 && ib.feasibility < 1e-9 &&
                 ib.dual > -1e-9,
             "guesses from another solver's active set (half its inequalities): the cold "
             "optimum within %.1e",
             d);
    drop(&r);
    xn_qp_free(a);
    xn_qp_free(b);
    xn_qp_free(c);
}

/* A strict problem (with bounds) continued from the optimum of its relaxation (without): the
 * strict problem's cold optimum, its multipliers complementary, in fewer iterations than the
 * cold solve; a relaxation that ended infeasible is not continued from. */
static void continued(void) {
    xn_qp *rel = new_qp(N, ME, MI), *strict = new_qp(N, ME, MI), *cold = new_qp(N, ME, MI);
    xn_qp_set_warm_start(strict, 1);
    random_qp r;
    make(&r, N, ME, MI, 1);
    double xr[N], xs[N], xc[N], diff = 0, kkt = 0;
    int bad = 0;
    long it_cont = 0, it_cold = 0;
    for (int step = 0; step < 20; step++) {
        for (int i = 0; i < N; i++) r.g[i] = 3 * rnd();
        for (int i = 0; i < N; i++) r.lo[i] = r.xf[i] - 0.1 - 0.3 * fabs(rnd()); /* binding */
        xn_qp_problem pb = random_qp_problem(&r), relaxed = pb;
        relaxed.hi = NULL; /* its lower bounds' indices move with the inequalities' count */
        relaxed.mi = MI - 10;
        xn_qp_info is, ic, ir;
        bad += xn_qp_solve(rel, &relaxed, xr, NULL, &ir, NULL) != XN_OK;
        xn_qp_continue_from(strict, rel);
        bad += xn_qp_solve(strict, &pb, xs, NULL, &is, NULL) != XN_OK;
        bad += xn_qp_solve(cold, &pb, xc, NULL, &ic, NULL) != XN_OK;
        diff = xt_max(diff, max_diff(xs, xc, N));
        kkt = xt_max(kkt, xt_max(is.stationarity, xt_max(is.feasibility, is.complementarity)));
        kkt = xt_max(kkt, -is.dual);
        it_cont += is.iterations;
        it_cold += ic.iterations;
    }
    XT_CHECK(bad == 0 && diff < 1e-9 && kkt < 1e-9 && it_cont < it_cold,
             "continued from the relaxation's optimum: the cold optimum within %.1e, KKT %.1e, "
             "%ld iterations against %ld cold",
             diff, kkt, it_cont, it_cold);
    /* the relaxation infeasible (two opposite half-spaces): no continuing from it */
    random_qp f;
    make(&f, N, ME, MI, 1);
    for (int k = 0; k < N; k++) f.Ain[(MI - 1) * N + k] = -f.Ain[(MI - 2) * N + k];
    f.bin[MI - 1] = -f.bin[MI - 2] + 1; /* a'x >= b and a'x <= b - 1 */
    xn_qp_problem infeasible = random_qp_problem(&f), pb = random_qp_problem(&r);
    XT_CHECK(xn_qp_solve(rel, &infeasible, xr, NULL, NULL, NULL) == XN_ERR_INFEASIBLE,
             "an infeasible relaxation");
    xn_qp_continue_from(strict, rel);
    xn_status st = xn_qp_solve(strict, &pb, xs, NULL, NULL, NULL);
    xn_qp_solve(cold, &pb, xc, NULL, NULL, NULL);
    XT_CHECK(st == XN_OK && max_diff(xs, xc, N) < 1e-9,
             "after an infeasible source the solve starts afresh: the cold optimum (%.1e)",
             max_diff(xs, xc, N));
    drop(&f);
    drop(&r);
    xn_qp_free(rel);
    xn_qp_free(strict);
    xn_qp_free(cold);
}

/* An infeasibility proof checked on changed problems. 19 equalities leave 20 variables one
 * line; on it a'x >= s + 0.5 and a'x <= s + 0.5 - gap contradict each other for gap > 0: the
 * proof combines all 20 constraints (a full set, as the humanoid's proofs are). With every
 * number perturbed and the gap from -0.5 to 1.5, where the check says infeasible a cold solve
 * must agree (soundness, the feasible problems included), and it must say so for most
 * infeasible ones; after a feasible solve it says nothing. */
static void proof_again(void) {
    enum { n = 20, me = 19, mi = 2 };
    xn_qp *qp = new_qp(n, me, mi), *cold = new_qp(n, me, mi);
    random_qp r;
    make(&r, n, me, mi, 0);
    for (int k = 0; k < n; k++) r.Ain[n + k] = -r.Ain[k];
    double s = 0;
    for (int k = 0; k < n; k++) s += r.Ain[k] * r.xf[k];
    r.bin[0] = s + 0.5;
    r.bin[1] = -(s - 0.5); /* gap 1 */
    double x[n], E0[me * n], A0[mi * n], e0[me];
    memcpy(E0, r.Aeq, sizeof E0);
    memcpy(A0, r.Ain, sizeof A0);
    memcpy(e0, r.beq, sizeof e0);
    xn_qp_problem pb = random_qp_problem(&r);
    XT_CHECK(xn_qp_solve(qp, &pb, x, NULL, NULL, NULL) == XN_ERR_INFEASIBLE &&
                 xn_qp_infeasible_again(qp, &pb),
             "an infeasible problem: its own proof holds for it");
    int claimed = 0, wrong = 0, infeasible_cases = 0;
    for (int trial = 0; trial < 200; trial++) {
        double size = trial % 2 ? 1e-3 : 3e-2, gap = -0.5 + 2.0 * (trial % 40) / 39.0;
        for (int i = 0; i < me * n; i++) r.Aeq[i] = E0[i] * (1 + size * rnd());
        for (int i = 0; i < mi * n; i++) r.Ain[i] = A0[i] * (1 + size * rnd());
        for (int c = 0; c < me; c++) r.beq[c] = e0[c] + size * rnd();
        r.bin[0] = s + 0.5;
        r.bin[1] = -(s + 0.5 - gap);
        xn_qp_problem p = random_qp_problem(&r);
        int again = xn_qp_infeasible_again(qp, &p);
        int truth = xn_qp_solve(cold, &p, x, NULL, NULL, NULL) == XN_ERR_INFEASIBLE;
        claimed += again;
        wrong += again && !truth;
        infeasible_cases += truth;
    }
    XT_CHECK(wrong == 0 && claimed >= infeasible_cases / 2,
             "the proof checked on 200 changed problems: %d claimed infeasible, %d wrongly, of "
             "%d infeasible",
             claimed, wrong, infeasible_cases);
    printf("the proof checked on 200 changed problems: %d claimed infeasible (%d wrongly) of %d "
           "infeasible\n",
           claimed, wrong, infeasible_cases);
    memcpy(r.Aeq, E0, sizeof E0);
    memcpy(r.Ain, A0, sizeof A0);
    memcpy(r.beq, e0, sizeof e0);
    r.bin[1] = -(s + 1); /* feasible: a'x <= s + 1 */
    xn_qp_problem feasible = random_qp_problem(&r);
    XT_CHECK(xn_qp_solve(qp, &feasible, x, NULL, NULL, NULL) == XN_OK &&
                 !xn_qp_infeasible_again(qp, &pb),
             "after a feasible solve there is no proof to check");
    drop(&r);
    xn_qp_free(qp);
    xn_qp_free(cold);
}

int main(void) {
    warm_jumps();
    guesses_from_another();
    continued();
    proof_again();
    return xt_done("test_qp_restart");
}
