/* xiaonao: a dense quadratic-program solver for the control loop (whole-body control, MPC).
 *
 *     minimize    1/2 x' H x + g' x
 *     subject to  Aeq x  = beq        (me rows)
 *                 Ain x >= bin        (mi rows)
 *                 lo <= x <= hi       (optional, per variable; +-INFINITY: none)
 *
 * H must be symmetric positive definite; for a semidefinite H add a small multiple of the
 * identity (the whole-body controller adds 1e-8 times its largest diagonal entry).
 *
 * The method is Goldfarb and Idnani's dual active-set algorithm (1983): it starts from the
 * unconstrained minimum, which is dual feasible, and adds the most violated constraint at each
 * iteration, keeping the factorization J = L^-T Q of the active set up to date with Givens
 * rotations, so that every iteration costs O(n^2). It either finds the optimum, or proves the
 * problem infeasible (a violated constraint that no step can satisfy). A warm start begins
 * from the previous solve's active set (for a sequence of similar problems, one per control
 * cycle). The workspace is allocated once for the largest sizes; solving allocates nothing and
 * stops after a fixed number of iterations. SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_QP_H
#define XIAONAO_QP_H

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** One problem. Matrices are row-major; H is n x n, Aeq me x n, Ain mi x n. lo and hi may be
 * NULL (no bounds). The arrays are read, not kept. */
typedef struct {
    int n, me, mi;
    const xn_real *H, *g;
    const xn_real *Aeq, *beq;
    const xn_real *Ain, *bin;
    const xn_real *lo, *hi;
} xn_qp_problem;

/** What a solve did, and how well the result satisfies the optimality (KKT) conditions. */
typedef struct {
    int iterations;
    int active;              /**< active constraints at the end (equalities included) */
    xn_real objective;       /**< 1/2 x' H x + g' x */
    xn_real stationarity;    /**< |H x + g - A' multipliers|, max norm */
    xn_real feasibility;     /**< largest constraint violation */
    xn_real complementarity; /**< largest |multiplier x slack| of the inequalities */
    xn_real dual;            /**< most negative inequality multiplier (0 when none) */
} xn_qp_info;

typedef struct xn_qp xn_qp;

/** A solver for at most n_max (>= 1) variables, me_max equalities and mi_max inequalities
 * (bounds need no room), into *out (NULL on failure; free it with xn_qp_free). XN_ERR_RANGE for
 * a size out of range, XN_ERR_NOMEM. */
xn_status xn_qp_create(int n_max, int me_max, int mi_max, xn_qp **out, xn_error *err);
void xn_qp_free(xn_qp *qp);

/** Start from the previous solve's active set (1) or from scratch (0, the default). The active
 * set is kept only while the sizes (n, me, mi, bounds given) stay the same. */
void xn_qp_set_warm_start(xn_qp *qp, int on);
/** The next solve of qp has the same n, H, g, Aeq and beq as the last solve of `from` (only
 * its inequalities or bounds differ, as when a controller relaxes a problem it could not
 * solve): it starts from `from`'s factorization of H and of the equalities instead of
 * computing them again. `from` must have the same or larger sizes and outlive that solve;
 * when its last solve had other sizes, or failed before factorizing, qp factorizes itself. */
void xn_qp_share_start(xn_qp *qp, const xn_qp *from);
/** The next solve of qp warm-starts from the active set `from` ended its last solve with, in
 * place of qp's own (an inequality by its index, a bound by its variable), when the two
 * problems have the same n and me: for a relaxed problem whose own last solve is older than
 * the strict problem's. `from` must outlive that solve. */
void xn_qp_warm_from(xn_qp *qp, const xn_qp *from);
/** The next solve of qp goes on from where `from`'s last solve ended, when that was an optimum
 * and qp's problem has every constraint `from`'s had (the same n, H, g and equalities, `from`'s
 * inequalities first, its bounds) and more: that optimum is dual feasible for it, and the solve
 * only adds what is violated of the rest. For a strict problem after its relaxation was
 * solved. Otherwise the solve starts as usual. `from` must outlive that solve. */
void xn_qp_continue_from(xn_qp *qp, const xn_qp *from);
/** 1 when the last solve of qp ended infeasible and its proof (a combination of the constraints
 * active at the end that contradicts the one it could not add) still proves pb infeasible:
 * the same sizes, the same constraints with pb's numbers. O(n^3), without iterating: for a
 * controller whose problem stays infeasible over consecutive cycles. 0 otherwise (which proves
 * nothing). Works in qp's workspace (allocates nothing); the proof stays until qp's next
 * solve. */
int xn_qp_infeasible_again(xn_qp *qp, const xn_qp_problem *pb);
/** Iteration limit (default 10 (n + me + mi)) and the feasibility tolerance (default 1e-10,
 * relative to the constraint's scale). An iteration is one constraint added to or dropped from
 * the active set, each O(n^2): a warm start's guesses count too (the equalities, added in one
 * factorization, do not), so the limit bounds a solve's work. */
void xn_qp_set_limits(xn_qp *qp, int max_iterations, xn_real tolerance);

/** The iterations of the last solve (0 before any), as xn_qp_info.iterations, without the
 * residuals' cost. */
int xn_qp_last_iterations(const xn_qp *qp);
/** Solve; x (n) gets the solution. The multipliers of the constraints, in the order equalities,
 * inequalities, lower bounds, upper bounds (me + mi + 2n entries), are written to multipliers
 * when it is not NULL (0 for inactive constraints; >= 0 for inequalities and bounds). info may
 * be NULL: its KKT residuals cost a pass over H and every constraint, which a control loop that
 * only needs the iteration count can skip (xn_qp_last_iterations). Constraints are numbered in
 * the multipliers' order wherever err->index names one.
 * Returns XN_OK at the optimum, or:
 * - XN_ERR_INFEASIBLE: no x satisfies the constraints (err->index: the constraint that
 *   contradicts those active at the end, the proof xn_qp_infeasible_again re-checks);
 * - XN_ERR_ITERATIONS: stopped at the iteration limit (x is the last iterate, which satisfies
 *   the equalities and the active constraints but not necessarily the others);
 * - XN_ERR_NUMERIC: H is not positive definite, or the equalities are linearly dependent;
 * - XN_ERR_SIZE: sizes beyond the workspace; XN_ERR_RANGE: a NaN or infinity in the data (a
 *   bound may be infinite); XN_ERR_INVALID: a NULL array the sizes need.
 * Writes err (may be NULL) only on failure: a control loop passes NULL and reads the status. */
xn_status xn_qp_solve(xn_qp *qp, const xn_qp_problem *pb, xn_real *x, xn_real *multipliers,
                      xn_qp_info *info, xn_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
