/* Goldfarb and Idnani's dual active-set method for strictly convex QPs (see qp.h).
 *
 * State: x, the active set A (equalities first) with multipliers u, and the factors of
 * Goldfarb-Idnani: J = L^-T Q (n x n, L the Cholesky factor of H) and the upper-triangular R
 * with [J1 J2]' N = [R; 0] for the active constraints' normals N. With d = J' n_p for a new
 * constraint p: the primal step direction is z = J2 d2 and the dual one r = R^-1 d1. Adding a
 * constraint zeroes d below row iq with Givens rotations (applied to J); deleting one restores
 * R's triangle the same way. Each iteration is O(n^2) plus O(n m) to find the most violated
 * constraint. SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/qp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* inline max and Givens length: libm's fmax and hypot are calls, and these run in the inner
 * loops (the magnitudes here never come near overflow) */
static inline xn_real qmax(xn_real a, xn_real b) { return a > b ? a : b; }
#define XN_QP_SPARSE_MAX 8 /* a constraint row with at most this many entries is used sparse */
#define WARM_ATTEMPTS 3    /* tries of a warm start's guesses before a cold start */
static inline xn_real qhyp(xn_real a, xn_real b) { return sqrt(a * a + b * b); }

/* a . b over n entries with four partial sums: a single running sum is one chain of dependent
 * additions (the compiler may not reorder them), four chains run side by side */
static inline xn_real dot(const xn_real *a, const xn_real *b, int n) {
    xn_real s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int k = 0;
    for (; k + 4 <= n; k += 4) {
        s0 += a[k] * b[k];
        s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2];
        s3 += a[k + 3] * b[k + 3];
    }
    for (; k < n; k++) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
}

struct xn_qp {
    int n_max, me_max, mi_max;
    xn_real *L, *J, *R;          /* n x n */
    xn_real *z, *r, *d, *np, *u; /* n (+1) */
    xn_real *W;                  /* me x n: the equalities' columns of L^-1 Aeq' */
    int *order, *last, *cb, *ce; /* add_equalities: order, last (me); the row envelope of Jt (n) */
    xn_real *J0, *R0, *x0;   /* J, R, x and u with the equalities alone (a warm start's retry) */
    int *A;                  /* active constraints (combined indices), n + 1 */
    int *first;              /* per row of H: its first nonzero column (the envelope) */
    unsigned char *excluded; /* per constraint: could not be added */
    int *prev, nprev;        /* the previous solve's active inequalities */
    int prev_n, prev_me, prev_mi, prev_bounds;
    int warm;
    int start_n, start_me;   /* the sizes J0, R0, x0 hold a start for (0: none) */
    xn_real rnorm0;          /* and its rnorm */
    const xn_qp *share_from; /* xn_qp_share_start: the next solve takes this one's start */
    int last_iterations;     /* of the last solve */
    int max_iter;
    xn_real tol;
};

xn_qp *xn_qp_create(int n_max, int me_max, int mi_max) {
    if (n_max < 1 || me_max < 0 || mi_max < 0) return NULL;
    xn_qp *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    size_t n = (size_t)n_max, m = (size_t)me_max + (size_t)mi_max + 2 * n;
    q->n_max = n_max;
    q->me_max = me_max;
    q->mi_max = mi_max;
    q->L = calloc(n * n, sizeof(xn_real));
    q->J = calloc(n * n, sizeof(xn_real));
    q->R = calloc(n * n, sizeof(xn_real));
    q->z = calloc(n + 1, sizeof(xn_real));
    q->r = calloc(n + 1, sizeof(xn_real));
    q->d = calloc(n + 1, sizeof(xn_real));
    q->np = calloc(n + 1, sizeof(xn_real));
    q->u = calloc(n + 2, sizeof(xn_real));
    q->A = calloc(n + 2, sizeof(int));
    q->excluded = calloc(m + 1, 1);
    q->prev = calloc(n + 1, sizeof(int));
    q->first = calloc(n + 1, sizeof(int));
    q->W = calloc((size_t)(me_max > 0 ? me_max : 1) * n, sizeof(xn_real));
    q->order = calloc((size_t)me_max + 1, sizeof(int));
    q->last = calloc((size_t)me_max + 1, sizeof(int));
    q->cb = calloc(n + 1, sizeof(int));
    q->ce = calloc(n + 1, sizeof(int));
    q->J0 = calloc(n * n, sizeof(xn_real));
    q->R0 = calloc(n * n, sizeof(xn_real));
    q->x0 = calloc(n + (size_t)me_max + 1, sizeof(xn_real)); /* x, then u */
    if (!q->order || !q->last || !q->cb || !q->ce || !q->W || !q->J0 || !q->R0 || !q->x0 || !q->L ||
        !q->J || !q->R || !q->z || !q->r || !q->d || !q->np || !q->u || !q->A || !q->excluded ||
        !q->prev || !q->first) {
        xn_qp_free(q);
        return NULL;
    }
    q->tol = 1e-10;
    return q;
}

void xn_qp_free(xn_qp *q) {
    if (!q) return;
    free(q->L);
    free(q->first);
    free(q->W);
    free(q->order);
    free(q->last);
    free(q->cb);
    free(q->ce);
    free(q->J0);
    free(q->R0);
    free(q->x0);
    free(q->J);
    free(q->R);
    free(q->z);
    free(q->r);
    free(q->d);
    free(q->np);
    free(q->u);
    free(q->A);
    free(q->excluded);
    free(q->prev);
    free(q);
}

void xn_qp_set_warm_start(xn_qp *q, int on) { q->warm = on != 0; }

void xn_qp_share_start(xn_qp *q, const xn_qp *from) { q->share_from = from; }

int xn_qp_last_iterations(const xn_qp *q) { return q->last_iterations; }

void xn_qp_set_limits(xn_qp *q, int max_iterations, xn_real tolerance) {
    q->max_iter = max_iterations > 0 ? max_iterations : 0;
    q->tol = tolerance > 0 ? tolerance : 1e-10;
}

const char *xn_qp_status_str(xn_qp_status s) {
    switch (s) {
    case XN_QP_OPTIMAL: return "optimal";
    case XN_QP_INFEASIBLE: return "infeasible";
    case XN_QP_MAX_ITERATIONS: return "iteration limit";
    case XN_QP_NOT_CONVEX: return "H not positive definite";
    case XN_QP_DEPENDENT: return "dependent equality constraints";
    case XN_QP_INVALID: return "invalid problem";
    }
    return "?";
}

/* ---- constraints, indexed together: equalities, inequalities, lower bounds, upper bounds ---- */

typedef struct {
    const xn_qp_problem *pb;
    int n, me, mi, m; /* m: every constraint, bounds included */
} cset;

/* the normal of constraint c into np (a' x >= b, or = b); returns b; NAN: absent (no bound) */
static xn_real row(const cset *cs, int c, xn_real *np) {
    const xn_qp_problem *pb = cs->pb;
    int n = cs->n;
    if (c < cs->me) {
        memcpy(np, pb->Aeq + (size_t)c * (size_t)n, (size_t)n * sizeof(xn_real));
        return pb->beq[c];
    }
    if (c < cs->me + cs->mi) {
        c -= cs->me;
        memcpy(np, pb->Ain + (size_t)c * (size_t)n, (size_t)n * sizeof(xn_real));
        return pb->bin[c];
    }
    c -= cs->me + cs->mi;
    int k = c % n, upper = c >= n;
    xn_real b = upper ? (pb->hi ? -pb->hi[k] : -INFINITY) : (pb->lo ? pb->lo[k] : -INFINITY);
    if (!isfinite(b)) return NAN;
    memset(np, 0, (size_t)n * sizeof(xn_real));
    np[k] = upper ? -1 : 1;
    return b;
}

/* a' x - b for constraint c without building its row (NAN: absent) */
static xn_real slack(const cset *cs, int c, const xn_real *x, xn_real *scale) {
    const xn_qp_problem *pb = cs->pb;
    int n = cs->n;
    const xn_real *a;
    xn_real b;
    if (c < cs->me + cs->mi) {
        int eq = c < cs->me;
        a = eq ? pb->Aeq + (size_t)c * (size_t)n : pb->Ain + (size_t)(c - cs->me) * (size_t)n;
        b = eq ? pb->beq[c] : pb->bin[c - cs->me];
        xn_real s = dot(a, x, n), mag = fabs(b);
        /* the scale can only grow past 1 + |b|: where the slack passes even that test, the
         * largest term is not needed (most rows, most of the time) */
        if (s - b >= 0) {
            *scale = 1 + mag;
            return s - b;
        }
        for (int k = 0; k < n; k++) mag = qmax(mag, fabs(a[k] * x[k]));
        *scale = 1 + mag;
        return s - b;
    }
    int k = (c - cs->me - cs->mi) % n, upper = c - cs->me - cs->mi >= n;
    b = upper ? (pb->hi ? -pb->hi[k] : -INFINITY) : (pb->lo ? pb->lo[k] : -INFINITY);
    if (!isfinite(b)) return NAN;
    *scale = 1 + fabs(b);
    return (upper ? -x[k] : x[k]) - b;
}

/* ---- the factors ---- */

#define AT(M, i, j) (M)[(size_t)(i) * (size_t)n + (size_t)(j)]

/* J is stored transposed (Jt, row j = J's column j): every loop below runs along memory */
static void compute_d(int n, const xn_real *Jt, const xn_real *np, xn_real *d) {
    /* constraint rows are often sparse (a friction pyramid's side: two entries; a bound: one):
     * then only their entries */
    int nz[XN_QP_SPARSE_MAX], nnz = 0;
    for (int k = 0; k < n && nnz <= XN_QP_SPARSE_MAX; k++)
        if (np[k] != 0) {
            if (nnz < XN_QP_SPARSE_MAX) nz[nnz] = k;
            nnz++;
        }
    if (nnz <= XN_QP_SPARSE_MAX) {
        for (int i = 0; i < n; i++) {
            const xn_real *col = Jt + (size_t)i * (size_t)n;
            xn_real s = 0;
            for (int t = 0; t < nnz; t++) s += col[nz[t]] * np[nz[t]];
            d[i] = s;
        }
        return;
    }
    for (int i = 0; i < n; i++) d[i] = dot(Jt + (size_t)i * (size_t)n, np, n);
}

static void update_z(int n, const xn_real *Jt, const xn_real *d, int iq, xn_real *z) {
    memset(z, 0, (size_t)n * sizeof(xn_real));
    for (int j = iq; j < n; j++) {
        const xn_real *col = Jt + (size_t)j * (size_t)n;
        xn_real dj = d[j];
        for (int i = 0; i < n; i++) z[i] += col[i] * dj;
    }
}

static void update_r(int n, const xn_real *R, const xn_real *d, int iq, xn_real *r) {
    for (int i = iq - 1; i >= 0; i--) {
        xn_real s = d[i];
        for (int j = i + 1; j < iq; j++) s -= AT(R, i, j) * r[j];
        r[i] = s / AT(R, i, i);
    }
}

/* Add the constraint whose d = J' n_p is in d: Givens rotations zero d[iq+1..n-1] into d[iq]
 * (applied to J's columns), and d[0..iq] becomes R's new column. 0 when the constraint is
 * linearly dependent on the active ones. */
static int add_constraint(int n, xn_real *R, xn_real *J, xn_real *d, int *iq, xn_real *rnorm) {
    for (int j = n - 1; j > *iq; j--) {
        xn_real cc = d[j - 1], ss = d[j], h = qhyp(cc, ss);
        if (h == 0) continue;
        d[j] = 0;
        ss /= h;
        cc /= h;
        if (cc < 0) {
            cc = -cc;
            ss = -ss;
            d[j - 1] = -h;
        } else {
            d[j - 1] = h;
        }
        xn_real xny = ss / (1 + cc);
        xn_real *a = J + (size_t)(j - 1) * (size_t)n, *b = J + (size_t)j * (size_t)n;
        for (int k = 0; k < n; k++) {
            xn_real t1 = a[k], t2 = b[k];
            a[k] = t1 * cc + t2 * ss;
            b[k] = xny * (t1 + a[k]) - t2;
        }
    }
    (*iq)++;
    for (int i = 0; i < *iq; i++) AT(R, i, *iq - 1) = d[i];
    if (fabs(d[*iq - 1]) <= 1e-14 * *rnorm) return 0; /* linearly dependent */
    *rnorm = qmax(*rnorm, fabs(d[*iq - 1]));
    return 1;
}

static void delete_constraint(int n, xn_real *R, xn_real *J, int *A, xn_real *u, int me, int *iq,
                              int l) {
    int qq = -1;
    for (int i = me; i < *iq; i++)
        if (A[i] == l) {
            qq = i;
            break;
        }
    if (qq < 0) return;
    for (int i = qq; i < *iq - 1; i++) {
        A[i] = A[i + 1];
        u[i] = u[i + 1];
        for (int j = 0; j < n; j++) AT(R, j, i) = AT(R, j, i + 1);
    }
    A[*iq - 1] = A[*iq];
    u[*iq - 1] = u[*iq];
    A[*iq] = 0;
    u[*iq] = 0;
    for (int j = 0; j < *iq; j++) AT(R, j, *iq - 1) = 0;
    (*iq)--;
    if (*iq == 0) return;
    for (int j = qq; j < *iq; j++) {
        xn_real cc = AT(R, j, j), ss = AT(R, j + 1, j), h = qhyp(cc, ss);
        if (h == 0) continue;
        cc /= h;
        ss /= h;
        AT(R, j + 1, j) = 0;
        if (cc < 0) {
            AT(R, j, j) = -h;
            cc = -cc;
            ss = -ss;
        } else {
            AT(R, j, j) = h;
        }
        xn_real xny = ss / (1 + cc);
        for (int k = j + 1; k < *iq; k++) {
            xn_real t1 = AT(R, j, k), t2 = AT(R, j + 1, k);
            AT(R, j, k) = t1 * cc + t2 * ss;
            AT(R, j + 1, k) = xny * (t1 + AT(R, j, k)) - t2;
        }
        xn_real *a = J + (size_t)j * (size_t)n, *b = J + (size_t)(j + 1) * (size_t)n;
        for (int k = 0; k < n; k++) {
            xn_real t1 = a[k], t2 = b[k];
            a[k] = t1 * cc + t2 * ss;
            b[k] = xny * (a[k] + t1) - t2;
        }
    }
}

/* Cholesky H = L L' into q->L; J = L^-T; x = -H^-1 g. 0 on success. Within H's envelope (each
 * row from its first nonzero column): L has the same envelope and L^-1 the same block
 * structure, so a block of H with nothing left of its diagonal (a whole-body controller's
 * contact forces, only regularized) costs next to nothing. */
static int start(xn_qp *q, const xn_qp_problem *pb, xn_real *x) {
    int n = pb->n, *first = q->first;
    xn_real *L = q->L, *J = q->J;
    for (int i = 0; i < n; i++) {
        int f = i;
        while (f > 0 && AT(pb->H, i, f - 1) != 0) f--;
        for (int j = 0; j < f; j++) /* an interior zero does not end the envelope */
            if (AT(pb->H, i, j) != 0) {
                f = j;
                break;
            }
        first[i] = f;
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < first[i]; j++) AT(L, i, j) = 0;
        for (int j = first[i]; j <= i; j++) {
            int k0 = first[i] > first[j] ? first[i] : first[j];
            xn_real s = AT(pb->H, i, j) - dot(&AT(L, i, k0), &AT(L, j, k0), j - k0);
            if (i == j) {
                if (!(s > 0)) return -1;
                AT(L, i, i) = sqrt(s);
            } else {
                AT(L, i, j) = s / AT(L, j, j);
            }
        }
    }
    /* J = L^-T (upper triangular), stored transposed: Jt = L^-1, lower triangular, row by row:
     * row i = (e_i - sum over k < i of L_ik row k) / L_ii, contiguous updates without a chain of
     * dependent additions. cb[i]: the first column row i fills (L^-1's envelope, which can reach
     * left of L's). */
    int *cb = q->cb;
    memset(J, 0, (size_t)n * (size_t)n * sizeof(xn_real));
    for (int i = 0; i < n; i++) {
        xn_real *ri = &AT(J, i, 0);
        int c0 = i;
        for (int k = first[i]; k < i; k++) {
            const xn_real *rk = &AT(J, k, 0), lik = AT(L, i, k);
            if (lik == 0) continue;
            for (int c = cb[k]; c <= k; c++) ri[c] -= lik * rk[c];
            c0 = cb[k] < c0 ? cb[k] : c0;
        }
        ri[i] += 1;
        xn_real inv = 1 / AT(L, i, i);
        for (int c = c0; c <= i; c++) ri[c] *= inv;
        cb[i] = c0;
    }
    /* x = -H^-1 g = -J J' g = -Jt' Jt g */
    xn_real *t = q->d;
    for (int k = 0; k < n; k++) { /* t = Jt g */
        xn_real s = 0;
        for (int i = 0; i <= k; i++) s += AT(J, k, i) * pb->g[i];
        t[k] = s;
    }
    memset(x, 0, (size_t)n * sizeof(xn_real));
    for (int k = 0; k < n; k++) /* x = -Jt' t */
        for (int i = 0; i <= k; i++) x[i] -= AT(J, k, i) * t[k];
    memset(q->R, 0, (size_t)n * (size_t)n * sizeof(xn_real));
    return 0;
}

/* Make constraint c active with a full step (equalities, and a warm start's guesses).
 * Returns 1 when it joined the active set. */
static int force_add(xn_qp *q, const cset *cs, int c, xn_real *x, int *iq, xn_real *rnorm) {
    int n = cs->n;
    xn_real b = row(cs, c, q->np);
    if (isnan(b)) return 0;
    compute_d(n, q->J, q->np, q->d);
    update_z(n, q->J, q->d, *iq, q->z);
    update_r(n, q->R, q->d, *iq, q->r);
    xn_real zn = 0, zz = 0, ax = 0;
    for (int k = 0; k < n; k++) {
        zn += q->z[k] * q->np[k];
        zz += q->z[k] * q->z[k];
        ax += q->np[k] * x[k];
    }
    if (zz <= 1e-28 || fabs(zn) <= 1e-28) return 0; /* dependent on the active ones */
    xn_real t2 = (b - ax) / zn;
    for (int k = 0; k < n; k++) x[k] += t2 * q->z[k];
    for (int k = 0; k < *iq; k++) q->u[k] -= t2 * q->r[k];
    q->u[*iq] = t2;
    q->A[*iq] = c;
    if (!add_constraint(n, q->R, q->J, q->d, iq, rnorm)) {
        (*iq)--;
        return 0;
    }
    return 1;
}

/* Every equality at once, right after start(): the QR factorization of W = L^-1 Aeq' (n x me)
 * by Householder reflections, each also applied to Jt = L^-1, gives Goldfarb-Idnani's J and R
 * for the active set {equalities} in one pass; then the equality-constrained minimizer
 * x += J1 R^-T (beq - Aeq x) and its multipliers u = R^-1 R^-T (beq - Aeq x). Half the work of
 * adding them one by one (force_add's Givens rotations each sweep J again), and a whole-body
 * controller has 18 of them every cycle.
 * Structure is kept: the columns of W are taken in the order of their last nonzero row, each
 * reflection touches only the rows down to there and, in Jt, only the columns those rows have
 * filled. A whole-body controller's contact equalities involve accelerations alone, and L^-1 is
 * block diagonal when H does not couple accelerations and forces: their reflections stay in the
 * acceleration block. Returns 0, or -1 when the equalities are linearly dependent. */
static int add_equalities(xn_qp *q, const cset *cs, xn_real *x, int *iq, xn_real *rnorm) {
    const xn_qp_problem *pb = cs->pb;
    const int n = cs->n, me = cs->me;
    xn_real *Jt = q->J, *R = q->R, *W = q->W, *s = q->z, *y = q->r;
    int *order = q->order, *last = q->last, *cb = q->cb, *ce = q->ce;
    if (me == 0) return 0;
    if (me > n) return -1;
    for (int k = 0; k < me; k++) { /* W's column k = L^-1 a_k: L w = a, within L's envelope */
        const xn_real *a = pb->Aeq + (size_t)k * (size_t)n, *L = q->L;
        xn_real *w = W + (size_t)k * (size_t)n;
        last[k] = 0;
        for (int i = 0; i < n; i++) {
            int f = q->first[i];
            w[i] = (a[i] - dot(&AT(L, i, f), w + f, i - f)) / AT(L, i, i);
            if (w[i] != 0) last[k] = i + 1;
        }
        order[k] = k;
        for (int t = k; t > 0 && last[order[t]] < last[order[t - 1]]; t--) {
            int tmp = order[t];
            order[t] = order[t - 1];
            order[t - 1] = tmp;
        }
    }
    for (int i = 0; i < n; i++) ce[i] = i + 1; /* row i of Jt = L^-1 fills [cb, ce) (start()) */
    int reach = 0; /* the rows the reflections so far have mixed: [0, reach) */
    for (int k = 0; k < me; k++) {
        xn_real *w = W + (size_t)order[k] * (size_t)n;
        int end = last[order[k]] > reach ? last[order[k]] : reach;
        if (end < k + 1) end = k + 1;
        xn_real norm2 = dot(w + k, w + k, end - k), norm = sqrt(norm2);
        xn_real alpha = w[k] > 0 ? -norm : norm;
        if (!(norm > 1e-14 * *rnorm)) return -1; /* dependent on the ones before */
        /* the reflection I - beta v v' with v = w[k..end) - alpha e_k maps w[k..] to alpha e_k */
        xn_real v0 = w[k] - alpha, beta = 1 / (norm2 - w[k] * alpha);
        w[k] = v0; /* v, in place */
        for (int j = k + 1; j < me; j++) {
            xn_real *wj = W + (size_t)order[j] * (size_t)n;
            xn_real f = beta * dot(w + k, wj + k, end - k);
            for (int i = k; i < end; i++) wj[i] -= f * w[i];
        }
        int c0 = n, c1 = 0;
        for (int i = k; i < end; i++) {
            c0 = cb[i] < c0 ? cb[i] : c0;
            c1 = ce[i] > c1 ? ce[i] : c1;
        }
        for (int c = c0; c < c1; c++) s[c] = 0; /* Jt's rows k..end: s = v' Jt */
        for (int i = k; i < end; i++) {
            const xn_real *row_i = Jt + (size_t)i * (size_t)n;
            for (int c = cb[i]; c < ce[i]; c++) s[c] += w[i] * row_i[c];
        }
        for (int i = k; i < end; i++) {
            xn_real *row_i = Jt + (size_t)i * (size_t)n, f = beta * w[i];
            for (int c = c0; c < c1; c++) row_i[c] -= f * s[c];
            cb[i] = c0;
            ce[i] = c1;
        }
        for (int i = 0; i < k; i++) AT(R, i, k) = w[i];
        AT(R, k, k) = alpha;
        *rnorm = qmax(*rnorm, norm);
        reach = end;
    }
    /* y = R^-T (beq - Aeq x), x += J1 y, u = R^-1 y (in the order taken) */
    for (int k = 0; k < me; k++) {
        const xn_real *a = pb->Aeq + (size_t)order[k] * (size_t)n;
        xn_real acc = pb->beq[order[k]] - dot(a, x, n);
        for (int i = 0; i < k; i++) acc -= AT(R, i, k) * y[i];
        y[k] = acc / AT(R, k, k);
    }
    for (int k = 0; k < me; k++) {
        const xn_real *row_k = Jt + (size_t)k * (size_t)n;
        for (int i = 0; i < n; i++) x[i] += y[k] * row_k[i];
    }
    for (int k = me - 1; k >= 0; k--) {
        xn_real acc = y[k];
        for (int j = k + 1; j < me; j++) acc -= AT(R, k, j) * q->u[j];
        q->u[k] = acc / AT(R, k, k);
        q->A[k] = order[k];
    }
    *iq = me;
    return 0;
}

/* 1 when every x[0..n) is finite (its exponent bits not all set), without a branch per entry:
 * the matrices have thousands, and integer flags vectorize */
static int all_finite(const xn_real *x, int n) {
    const uint64_t exponent = 0x7ff0000000000000u;
    uint64_t bad = 0;
    for (int i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        bad |= (b & exponent) == exponent;
    }
    return bad == 0;
}

xn_qp_status xn_qp_solve(xn_qp *q, const xn_qp_problem *pb, xn_real *x, xn_real *mult,
                         xn_qp_info *info) {
    int n = pb->n, me = pb->me, mi = pb->mi;
    if (info) memset(info, 0, sizeof *info);
    q->last_iterations = 0;
    if (n < 1 || n > q->n_max || me < 0 || me > q->me_max || mi < 0 || mi > q->mi_max || !pb->H ||
        !pb->g || (me && (!pb->Aeq || !pb->beq)) || (mi && (!pb->Ain || !pb->bin)))
        return XN_QP_INVALID;
    if (!all_finite(pb->H, n * n)) return XN_QP_INVALID;
    for (int i = 0; i < n; i++)
        if (!isfinite(pb->g[i]) || (pb->lo && isnan(pb->lo[i])) || (pb->hi && isnan(pb->hi[i])))
            return XN_QP_INVALID;
    if (!all_finite(pb->Aeq, me * n) || !all_finite(pb->Ain, mi * n)) return XN_QP_INVALID;
    for (int i = 0; i < me; i++)
        if (!isfinite(pb->beq[i])) return XN_QP_INVALID;
    for (int i = 0; i < mi; i++)
        if (!isfinite(pb->bin[i])) return XN_QP_INVALID;
    int bounds = (pb->lo != NULL) | (pb->hi != NULL) << 1;
    cset cs = {pb, n, me, mi, me + mi + (bounds ? 2 * n : 0)};
    int max_iter = q->max_iter > 0 ? q->max_iter : 10 * (n + me + mi) + 10;
    int same = q->prev_n == n && q->prev_me == me && q->prev_mi == mi && q->prev_bounds == bounds;
    int nwarm = q->warm && same ? q->nprev : 0;
    memset(q->excluded, 0, (size_t)cs.m + 1);
    xn_qp_status status = XN_QP_OPTIMAL;
    int iq = 0, iter = 0;
    xn_real rnorm = 1;

    /* the equalities, then (warm start) the previous active inequalities, as long as their
     * multipliers come out non-negative: a dual-feasible start */
    const size_t nn = (size_t)n * (size_t)n * sizeof(xn_real);
    const xn_qp *from = q->share_from;
    q->share_from = NULL;
    if (from && from->start_n == n && from->start_me == me) {
        /* the same H, g and equalities as from's last solve: its factorization */
        memcpy(q->J, from->J0, nn);
        memcpy(q->R, from->R0, nn);
        memcpy(x, from->x0, (size_t)n * sizeof(xn_real));
        memcpy(q->u, from->x0 + n, (size_t)me * sizeof(xn_real));
        iq = me;
        rnorm = from->rnorm0;
    } else {
        q->start_n = 0; /* no valid start until this one is made */
        if (start(q, pb, x)) return XN_QP_NOT_CONVEX;
        if (add_equalities(q, &cs, x, &iq, &rnorm)) return XN_QP_DEPENDENT;
    }
    const xn_real rnorm0 = rnorm;
    /* kept, so that a retry of the warm start, and another solver given the same H and
     * equalities (xn_qp_share_start), start from here and not from scratch */
    memcpy(q->J0, q->J, nn);
    memcpy(q->R0, q->R, nn);
    memcpy(q->x0, x, (size_t)n * sizeof(xn_real));
    memcpy(q->x0 + n, q->u, (size_t)me * sizeof(xn_real));
    q->start_n = n;
    q->start_me = me;
    q->rnorm0 = rnorm0;
    for (int attempt = 0;; attempt++) {
        if (attempt > 0) {
            memcpy(q->J, q->J0, nn);
            memcpy(q->R, q->R0, nn);
            memcpy(x, q->x0, (size_t)n * sizeof(xn_real));
            memcpy(q->u, q->x0 + n, (size_t)me * sizeof(xn_real));
            iq = me;
            rnorm = rnorm0;
        }
        /* each guess costs what an iteration costs: it counts against the limit */
        for (int w = 0; w < nwarm && iter < max_iter; w++, iter++)
            force_add(q, &cs, q->prev[w], x, &iq, &rnorm);
        int negative = 0;
        for (int k = me; k < iq; k++) negative += q->u[k] < -1e-12;
        if (negative == 0) break;
        /* Drop the guesses whose multipliers came out negative and start again; after
         * WARM_ATTEMPTS tries start cold. Each try re-adds every guess (O(guesses n^2)): a guess
         * list from a different problem (the cycle before a contact switch or a relaxation)
         * dropped one guess at a time took up to 24 tries, more than a cold start costs. */
        int m2 = 0;
        if (attempt + 1 < WARM_ATTEMPTS)
            for (int w = 0; w < nwarm; w++) {
                int keep = 1;
                for (int k = me; k < iq; k++)
                    if (q->A[k] == q->prev[w] && q->u[k] < -1e-12) keep = 0;
                if (keep) q->prev[m2++] = q->prev[w];
            }
        nwarm = m2;
    }

    for (;;) {
        if (iter++ >= max_iter) {
            status = XN_QP_MAX_ITERATIONS;
            break;
        }
        /* the most violated inactive constraint */
        int p = -1;
        xn_real sp = 0;
        /* flags of the active set (in excluded's upper bits: one pass, no allocation) */
        for (int k = me; k < iq; k++) q->excluded[q->A[k]] |= 2;
        for (int c = me; c < cs.m; c++) {
            if (q->excluded[c]) continue;
            xn_real scale, s = slack(&cs, c, x, &scale);
            if (isnan(s)) continue;
            if (s < -q->tol * scale && (p < 0 || s / scale < sp)) {
                p = c;
                sp = s / scale;
            }
        }
        for (int k = me; k < iq; k++) q->excluded[q->A[k]] &= (unsigned char)~2;
        if (p < 0) break; /* every constraint holds: optimal */
        xn_real scale;
        row(&cs, p, q->np);
        sp = slack(&cs, p, x, &scale);
        q->u[iq] = 0;
        q->A[iq] = p;
        for (;;) { /* step toward satisfying p, dropping blocking constraints */
            if (iter++ >= max_iter) {
                status = XN_QP_MAX_ITERATIONS;
                break;
            }
            compute_d(n, q->J, q->np, q->d);
            update_z(n, q->J, q->d, iq, q->z);
            update_r(n, q->R, q->d, iq, q->r);
            int l = -1;
            xn_real t1 = INFINITY, t2 = INFINITY;
            for (int k = me; k < iq; k++)
                if (q->r[k] > 0 && q->u[k] / q->r[k] < t1) {
                    t1 = q->u[k] / q->r[k];
                    l = q->A[k];
                }
            xn_real zz = 0, zn = 0;
            for (int k = 0; k < n; k++) {
                zz += q->z[k] * q->z[k];
                zn += q->z[k] * q->np[k];
            }
            if (zz > 1e-28 && fabs(zn) > 1e-28) t2 = -sp / zn;
            xn_real t = fmin(t1, t2);
            if (!isfinite(t)) {
                status = XN_QP_INFEASIBLE;
                break;
            }
            if (!isfinite(t2)) { /* a step in the dual space only */
                for (int k = 0; k < iq; k++) q->u[k] -= t * q->r[k];
                q->u[iq] += t;
                delete_constraint(n, q->R, q->J, q->A, q->u, me, &iq, l);
                continue;
            }
            for (int k = 0; k < n; k++) x[k] += t * q->z[k];
            for (int k = 0; k < iq; k++) q->u[k] -= t * q->r[k];
            q->u[iq] += t;
            if (t == t2) {
                if (!add_constraint(n, q->R, q->J, q->d, &iq, &rnorm)) {
                    iq--;
                    q->excluded[p] = 1;
                }
                break;
            }
            delete_constraint(n, q->R, q->J, q->A, q->u, me, &iq, l);
            sp = slack(&cs, p, x, &scale);
            if (sp >= 0) break; /* deleting made room: p holds already */
        }
        if (status != XN_QP_OPTIMAL) break;
    }

    q->last_iterations = iter;
    /* keep the active inequalities for the next solve */
    q->nprev = 0;
    for (int k = me; k < iq; k++) q->prev[q->nprev++] = q->A[k];
    q->prev_n = n;
    q->prev_me = me;
    q->prev_mi = mi;
    q->prev_bounds = bounds;

    if (mult) {
        memset(mult, 0, (size_t)(me + mi + 2 * n) * sizeof(xn_real));
        for (int k = 0; k < iq; k++) mult[q->A[k]] = q->u[k];
    }
    if (info) {
        info->iterations = iter;
        info->active = iq;
        /* the KKT residuals: H x + g = sum of u_k a_k; feasibility; complementarity */
        xn_real *grad = q->z;
        xn_real obj = 0;
        for (int i = 0; i < n; i++) {
            xn_real s = pb->g[i];
            for (int j = 0; j < n; j++) s += AT(pb->H, i, j) * x[j];
            grad[i] = s;
            obj += x[i] * (pb->g[i] + 0.5 * (s - pb->g[i]));
        }
        for (int k = 0; k < iq; k++) {
            row(&cs, q->A[k], q->np);
            for (int i = 0; i < n; i++) grad[i] -= q->u[k] * q->np[i];
            if (q->A[k] >= me) {
                info->dual = fmin(info->dual, q->u[k]);
                xn_real sc, s = slack(&cs, q->A[k], x, &sc);
                info->complementarity = qmax(info->complementarity, fabs(q->u[k] * s));
            }
        }
        for (int i = 0; i < n; i++) info->stationarity = qmax(info->stationarity, fabs(grad[i]));
        for (int c = 0; c < cs.m; c++) {
            xn_real sc, s = slack(&cs, c, x, &sc);
            if (isnan(s)) continue;
            info->feasibility = qmax(info->feasibility, c < me ? fabs(s) : qmax(0, -s));
        }
        info->objective = obj;
    }
    return status;
}
