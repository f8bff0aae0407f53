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

#include "model/error_internal.h"

/* inline max and Givens length: libm's fmax and hypot are calls, and these run in the inner
 * loops (the magnitudes here never come near overflow) */
static inline xn_real qmax(xn_real a, xn_real b) { return a > b ? a : b; }
#define XN_QP_SPARSE_MAX 8 /* a constraint row with at most this many entries is used sparse */
static inline xn_real qhyp(xn_real a, xn_real b) { return sqrt(a * a + b * b); }

/* a . b over entries [k0, k1) with four partial sums: a single running sum is one chain of
 * dependent additions (the compiler may not reorder them), four chains run side by side */
static inline xn_real dot_span(const xn_real *a, const xn_real *b, int k0, int k1) {
    xn_real s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int k = k0;
    for (; k + 4 <= k1; k += 4) {
        s0 += a[k] * b[k];
        s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2];
        s3 += a[k + 3] * b[k + 3];
    }
    for (; k < k1; k++) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
}

static inline xn_real dot(const xn_real *a, const xn_real *b, int n) {
    return dot_span(a, b, 0, n);
}

/* The part of a row of n entries a dot product needs: its nonzero entries widened to whole
 * groups of four ([*k0, *k1), *k1 = n at the end). Over it dot_span sums the same products into
 * the same partial sums as dot over the whole row, and skips only products with a zero: the
 * result is the same number, bit for bit. A whole-body controller's rows are mostly zeros (a
 * friction pyramid's side has two entries, an arm joint's torque limit none on the forces). */
static void row_span(const xn_real *a, int n, int *k0, int *k1) {
    int first = 0, last = n;
    while (first < n && a[first] == 0) first++;
    while (last > first && a[last - 1] == 0) last--;
    if (first == last) { /* all zero */
        *k0 = *k1 = 0;
        return;
    }
    *k0 = first & ~3;
    *k1 = (last + 3) & ~3;
    if (*k1 > n) *k1 = n;
}

struct xn_qp {
    int n_max, me_max, mi_max;
    xn_real *L, *J, *R;          /* n x n */
    xn_real *z, *r, *d, *np, *u; /* n (+1) */
    xn_real *W;                  /* me x n: the equalities' columns of L^-1 Aeq' */
    int *order, *last, *cb, *ce; /* add_equalities: order, last (me); the row envelope of Jt (n) */
    xn_real *J0, *R0, *x0;       /* J, R, x and u with the equalities alone: resolve's start, a warm
                                    start that ran out of iterations, xn_qp_share_start */
    int *A;                      /* active constraints (combined indices), n + 1 */
    int *first;                  /* per row of H: its first nonzero column (the envelope) */
    int *span;                   /* per equality, then inequality: row_span's [k0, k1) */
    xn_real *linv;               /* n: 1 / the diagonal of H's Cholesky factor */
    /* the last solve's proof of infeasibility: the active constraints cert[0..ncert) whose
     * combination contradicts constraint cert_p (ncert < 0: none); C, n x (n + 1), scratch of
     * xn_qp_infeasible_again */
    int *cert, ncert, cert_p, cert_n, cert_me, cert_mi;
    xn_real *C;
    unsigned char *excluded; /* per constraint: could not be added */
    int *prev, nprev;        /* the previous solve's active inequalities */
    int prev_n, prev_me, prev_mi, prev_bounds;
    int warm;
    int start_n, start_me;   /* the sizes J0, R0, x0 hold a start for (0: none) */
    xn_real rnorm0;          /* and its rnorm */
    const xn_qp *share_from; /* xn_qp_share_start: the next solve takes this one's start */
    const xn_qp *guess_from; /* xn_qp_warm_from: and this one's active set as its guesses */
    const xn_qp *cont_from;  /* xn_qp_continue_from: the next solve goes on from its end */
    xn_real *xf;             /* the last solve's x (n), and whether it ended optimal */
    int end_iq, end_optimal;
    xn_real end_rnorm;
    int last_iterations; /* of the last solve */
    int max_iter;
    xn_real tol;
};

xn_status xn_qp_create(int n_max, int me_max, int mi_max, xn_qp **out, xn_error *err) {
    *out = NULL;
    if (n_max < 1 || me_max < 0 || mi_max < 0)
        return xn_fail(err, XN_ERR_RANGE, "xn_qp_create",
                       "n_max %d must be >= 1, me_max %d and mi_max %d >= 0", n_max, me_max,
                       mi_max);
    xn_qp *q = calloc(1, sizeof *q);
    if (!q) return xn_fail(err, XN_ERR_NOMEM, "xn_qp_create", "out of memory");
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
    q->span = calloc(2 * ((size_t)me_max + (size_t)mi_max) + 2, sizeof(int));
    q->W = calloc((size_t)(me_max > 0 ? me_max : 1) * n, sizeof(xn_real));
    q->order = calloc((size_t)me_max + 1, sizeof(int));
    q->last = calloc((size_t)me_max + 1, sizeof(int));
    q->cb = calloc(n + 1, sizeof(int));
    q->ce = calloc(n + 1, sizeof(int));
    q->J0 = calloc(n * n, sizeof(xn_real));
    q->R0 = calloc(n * n, sizeof(xn_real));
    q->x0 = calloc(n + (size_t)me_max + 1, sizeof(xn_real)); /* x, then u */
    q->xf = calloc(n, sizeof(xn_real));
    q->linv = calloc(n, sizeof(xn_real));
    q->cert = calloc(n + 1, sizeof(int));
    q->C = calloc(n * (n + 1), sizeof(xn_real));
    q->ncert = -1;
    if (!q->order || !q->last || !q->cb || !q->ce || !q->W || !q->J0 || !q->R0 || !q->x0 || !q->L ||
        !q->J || !q->R || !q->z || !q->r || !q->d || !q->np || !q->u || !q->A || !q->excluded ||
        !q->prev || !q->first || !q->span || !q->xf || !q->linv || !q->cert || !q->C) {
        xn_qp_free(q);
        return xn_fail(err, XN_ERR_NOMEM, "xn_qp_create", "out of memory");
    }
    q->tol = 1e-10;
    *out = q;
    return XN_OK;
}

void xn_qp_free(xn_qp *q) {
    if (!q) return;
    free(q->L);
    free(q->first);
    free(q->span);
    free(q->W);
    free(q->order);
    free(q->last);
    free(q->cb);
    free(q->ce);
    free(q->J0);
    free(q->R0);
    free(q->x0);
    free(q->xf);
    free(q->linv);
    free(q->cert);
    free(q->C);
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

void xn_qp_warm_from(xn_qp *q, const xn_qp *from) { q->guess_from = from; }

void xn_qp_continue_from(xn_qp *q, const xn_qp *from) { q->cont_from = from; }

/* a constraint index of a problem with mi_from inequalities in one with mi (the bounds come
 * after the inequalities); -1 when this one lacks it */
static int map_index(int c, int me, int mi_from, int mi) {
    if (c < me + mi_from) return c < me + mi ? c : -1;
    return c - mi_from + mi;
}

/* from's last active inequalities and bounds as guesses for a problem with n variables, me
 * equalities and mi inequalities: an inequality keeps its index when this problem has it, a
 * bound moves with the inequalities' count. Returns how many. */
static int guesses_from(const xn_qp *from, int n, int me, int mi, int *out) {
    int count = 0;
    if (from->prev_n != n || from->prev_me != me) return 0;
    for (int k = 0; k < from->nprev; k++) {
        int c = from->prev[k];
        int mapped = map_index(c, me, from->prev_mi, mi);
        if (mapped >= 0) out[count++] = mapped;
    }
    return count;
}

int xn_qp_last_iterations(const xn_qp *q) { return q->last_iterations; }

void xn_qp_set_limits(xn_qp *q, int max_iterations, xn_real tolerance) {
    q->max_iter = max_iterations > 0 ? max_iterations : 0;
    q->tol = tolerance > 0 ? tolerance : 1e-10;
}

/* ---- constraints, indexed together: equalities, inequalities, lower bounds, upper bounds ---- */

typedef struct {
    const xn_qp_problem *pb;
    int n, me, mi, m; /* m: every constraint, bounds included */
    const int *span;  /* per equality, then inequality: the [k0, k1) its products need */
} cset;

/* the normal of constraint c into np (a' x >= b, or = b) and the span of its nonzero entries
 * into sp (row_span's); returns b; NAN: absent (no bound) */
static xn_real row(const cset *cs, int c, xn_real *np, int sp[2]) {
    const xn_qp_problem *pb = cs->pb;
    int n = cs->n;
    if (c < cs->me + cs->mi) {
        sp[0] = cs->span[2 * c];
        sp[1] = cs->span[2 * c + 1];
    }
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
    int upper = c >= n, k = upper ? c - n : c;
    xn_real b = upper ? (pb->hi ? -pb->hi[k] : -INFINITY) : (pb->lo ? pb->lo[k] : -INFINITY);
    if (!isfinite(b)) return NAN;
    memset(np, 0, (size_t)n * sizeof(xn_real));
    np[k] = upper ? -1 : 1;
    sp[0] = k & ~3;
    sp[1] = sp[0] + 4 < n ? sp[0] + 4 : n;
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
        const int *sp = cs->span + 2 * c;
        xn_real s = dot_span(a, x, sp[0], sp[1]), mag = fabs(b);
        /* the scale can only grow past 1 + |b|: where the slack passes even that test, the
         * largest term is not needed (most rows, most of the time) */
        if (s - b >= 0) {
            *scale = 1 + mag;
            return s - b;
        }
        for (int k = sp[0]; k < sp[1]; k++) mag = qmax(mag, fabs(a[k] * x[k]));
        *scale = 1 + mag;
        return s - b;
    }
    int bc = c - cs->me - cs->mi, upper = bc >= n, k = upper ? bc - n : bc;
    b = upper ? (pb->hi ? -pb->hi[k] : -INFINITY) : (pb->lo ? pb->lo[k] : -INFINITY);
    if (!isfinite(b)) return NAN;
    *scale = 1 + fabs(b);
    return (upper ? -x[k] : x[k]) - b;
}

/* ---- the factors ---- */

#define AT(M, i, j) (M)[(size_t)(i) * (size_t)n + (size_t)(j)]
/* R is stored by columns: a constraint's column is what add_constraint writes, what
 * delete_constraint moves, and what the back substitution runs along */
#define RC(M, i, j) (M)[(size_t)(j) * (size_t)n + (size_t)(i)]

/* J is stored transposed (Jt, row j = J's column j): every loop below runs along memory */
static void compute_d(int n, const xn_real *Jt, const xn_real *np, const int sp[2], xn_real *d) {
    /* constraint rows are often sparse (a friction pyramid's side: two entries; a bound: one):
     * then only their entries; otherwise only the span of them (row_span) */
    int nz[XN_QP_SPARSE_MAX], nnz = 0, k0 = sp[0], k1 = sp[1];
    for (int k = k0; k < k1 && nnz <= XN_QP_SPARSE_MAX; k++)
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
    for (int i = 0; i < n; i++) d[i] = dot_span(Jt + (size_t)i * (size_t)n, np, k0, k1);
}

static void update_z(int n, const xn_real *Jt, const xn_real *d, int iq, xn_real *z) {
    memset(z, 0, (size_t)n * sizeof(xn_real));
    for (int j = iq; j < n; j++) {
        const xn_real *col = Jt + (size_t)j * (size_t)n;
        xn_real dj = d[j];
        for (int i = 0; i < n; i++) z[i] += col[i] * dj;
    }
}

/* r = R^-1 d over the active set, column by column: each r[j] found is taken off the entries
 * above it along R's column j. No entry waits on a running sum (as a row-by-row substitution's
 * did: one chain of iq^2/2 dependent multiply-adds, most of an iteration at 59 active
 * constraints), and the updates run along memory. */
static void update_r(int n, const xn_real *R, const xn_real *d, int iq, xn_real *r) {
    memcpy(r, d, (size_t)iq * sizeof(xn_real));
    for (int j = iq - 1; j >= 0; j--) {
        const xn_real *col = &RC(R, 0, j);
        xn_real rj = r[j] / col[j];
        r[j] = rj;
        for (int i = 0; i < j; i++) r[i] -= col[i] * rj;
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
    memcpy(&RC(R, 0, *iq - 1), d, (size_t)*iq * sizeof(xn_real));
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
    }
    if (*iq - 1 > qq) /* R's columns after qq, one to the left */
        memmove(&RC(R, 0, qq), &RC(R, 0, qq + 1),
                (size_t)(*iq - 1 - qq) * (size_t)n * sizeof(xn_real));
    A[*iq - 1] = A[*iq];
    u[*iq - 1] = u[*iq];
    A[*iq] = 0;
    u[*iq] = 0;
    memset(&RC(R, 0, *iq - 1), 0, (size_t)*iq * sizeof(xn_real));
    (*iq)--;
    if (*iq == 0) return;
    for (int j = qq; j < *iq; j++) {
        xn_real cc = RC(R, j, j), ss = RC(R, j + 1, j), h = qhyp(cc, ss);
        if (h == 0) continue;
        cc /= h;
        ss /= h;
        RC(R, j + 1, j) = 0;
        if (cc < 0) {
            RC(R, j, j) = -h;
            cc = -cc;
            ss = -ss;
        } else {
            RC(R, j, j) = h;
        }
        xn_real xny = ss / (1 + cc);
        for (int k = j + 1; k < *iq; k++) {
            xn_real t1 = RC(R, j, k), t2 = RC(R, j + 1, k);
            RC(R, j, k) = t1 * cc + t2 * ss;
            RC(R, j + 1, k) = xny * (t1 + RC(R, j, k)) - t2;
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
    xn_real *L = q->L, *J = q->J, *inv = q->linv; /* inv: 1 / L's diagonal */
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
                inv[i] = 1 / AT(L, i, i);
            } else {
                AT(L, i, j) = s * inv[j]; /* a division here would be a chain of them */
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
        for (int c = c0; c <= i; c++) ri[c] *= inv[i];
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
    int sp[2];
    xn_real b = row(cs, c, q->np, sp);
    if (isnan(b)) return 0;
    compute_d(n, q->J, q->np, sp, q->d);
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
    for (int k = 0; k < me; k++) {
        /* W's column k = L^-1 a_k as the product with Jt = L^-1 (start() made it): each entry
         * a dot product of its own, over Jt's row envelope and a_k's nonzero span. Forward
         * substitution in L instead was a chain of dependent divisions, 18 x 59 on the G1:
         * the largest part of a cycle's solve. */
        const xn_real *a = pb->Aeq + (size_t)k * (size_t)n;
        xn_real *w = W + (size_t)k * (size_t)n;
        const int *sp = cs->span + 2 * k;
        last[k] = 0;
        for (int i = 0; i < n; i++) {
            int c0 = cb[i] > sp[0] ? cb[i] : sp[0], c1 = i + 1 < sp[1] ? i + 1 : sp[1];
            w[i] = c0 < c1 ? dot_span(&AT(Jt, i, 0), a, c0, c1) : 0;
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
        for (int i = 0; i < k; i++) RC(R, i, k) = w[i];
        RC(R, k, k) = alpha;
        *rnorm = qmax(*rnorm, norm);
        reach = end;
    }
    /* y = R^-T (beq - Aeq x), x += J1 y, u = R^-1 y (in the order taken) */
    for (int k = 0; k < me; k++) {
        const xn_real *a = pb->Aeq + (size_t)order[k] * (size_t)n;
        xn_real acc = pb->beq[order[k]] - dot(a, x, n);
        acc -= dot(&RC(R, 0, k), y, k);
        y[k] = acc / RC(R, k, k);
    }
    for (int k = 0; k < me; k++) {
        const xn_real *row_k = Jt + (size_t)k * (size_t)n;
        for (int i = 0; i < n; i++) x[i] += y[k] * row_k[i];
    }
    for (int k = me - 1; k >= 0; k--) {
        xn_real acc = y[k];
        for (int j = k + 1; j < me; j++) acc -= RC(R, k, j) * q->u[j];
        q->u[k] = acc / RC(R, k, k);
        q->A[k] = order[k];
    }
    *iq = me;
    return 0;
}

/* x and u for the active set A[0..iq) from the equalities' start (x0 and its multipliers, kept
 * in q->x0): the minimizer with the active constraints N held as equalities is
 * x = x0 + J1 y with y = R^-T (b - N' x0), and their multipliers are R^-1 y, plus the start's
 * own for the equalities (x0 already minimizes with those held). O(n iq): an iteration's cost. */
static void resolve(xn_qp *q, const cset *cs, int iq, xn_real *x) {
    const int n = cs->n, me = cs->me;
    const xn_real *x0 = q->x0, *R = q->R, *Jt = q->J;
    xn_real *y = q->r;
    for (int k = 0; k < iq; k++) {
        xn_real scale;
        y[k] = -slack(cs, q->A[k], x0, &scale); /* b - a' x0 */
    }
    for (int k = 0; k < iq; k++) /* R' y = that, along R's columns */
        y[k] = (y[k] - dot(&RC(R, 0, k), y, k)) / RC(R, k, k);
    memcpy(x, x0, (size_t)n * sizeof(xn_real));
    for (int k = 0; k < iq; k++) {
        const xn_real *row_k = Jt + (size_t)k * (size_t)n;
        for (int i = 0; i < n; i++) x[i] += y[k] * row_k[i];
    }
    update_r(n, R, y, iq, q->u);
    for (int k = 0; k < me; k++) q->u[k] += x0[n + k];
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

/* The most violated constraint not active nor excluded (flags in q->excluded), by its slack
 * relative to its scale: *p (-1: none) and that relative slack *sp. */
static void most_violated(const xn_qp *q, const cset *cs, const xn_real *x, int *p_out,
                          xn_real *sp_out) {
    int p = -1;
    xn_real sp = 0;
    for (int c = cs->me; c < cs->m; c++) {
        if (q->excluded[c]) continue;
        xn_real scale, s = slack(cs, c, x, &scale);
        if (isnan(s)) continue; /* an absent bound */
        if (s < -q->tol * scale && (p < 0 || s / scale < sp)) {
            p = c;
            sp = s / scale;
        }
    }
    *p_out = p;
    *sp_out = sp;
}

/* Add the guesses q->prev[0..nwarm) to the active set. Each guess costs what an iteration
 * costs: it counts against the limit. Full steps leave x the minimizer with the guesses held as
 * equalities, and u its multipliers. A guess whose multiplier is negative would break the dual
 * method's start: the most negative one is dropped and x and u solved again for the rest
 * (resolve, from the equalities' start in q->x0), one iteration each, until every multiplier
 * is non-negative. (Restarting with the negative guesses left out, as before, re-added the
 * others each time: most of a hard cycle's iterations.) Returns 0 when the limit came first:
 * then the state is not dual feasible and the caller starts over. */
static int add_guesses(xn_qp *q, const cset *cs, xn_real *x, int nwarm, int max_iter, int *iq,
                       int *iter, xn_real *rnorm) {
    const int n = cs->n, me = cs->me;
    for (int w = 0; w < nwarm && *iter < max_iter; w++, (*iter)++)
        force_add(q, cs, q->prev[w], x, iq, rnorm);
    for (;;) {
        int worst = -1;
        for (int k = me; k < *iq; k++)
            if (q->u[k] < -1e-12 && (worst < 0 || q->u[k] < q->u[worst])) worst = k;
        if (worst < 0) return 1;
        if (*iter >= max_iter) return 0;
        (*iter)++;
        delete_constraint(n, q->R, q->J, q->A, q->u, me, iq, q->A[worst]);
        resolve(q, cs, *iq, x);
    }
}

/* The state `from`'s last solve ended in (factors, x, active set and multipliers), for a
 * problem with mi inequalities, and its start (x0) for resolve. */
static void load_end(xn_qp *q, const xn_qp *from, int n, int me, int mi, xn_real *x, int *iq,
                     xn_real *rnorm) {
    const size_t nn = (size_t)n * (size_t)n * sizeof(xn_real);
    memcpy(q->J, from->J, nn);
    memcpy(q->R, from->R, nn);
    memcpy(x, from->xf, (size_t)n * sizeof(xn_real));
    memcpy(q->x0, from->x0, ((size_t)n + (size_t)me) * sizeof(xn_real));
    memcpy(q->u, from->u, (size_t)from->end_iq * sizeof(xn_real));
    for (int k = 0; k < from->end_iq; k++)
        q->A[k] = k < me ? from->A[k] : map_index(from->A[k], me, from->prev_mi, mi);
    *iq = from->end_iq;
    *rnorm = from->end_rnorm;
}

/* How the active-set iteration ended; xn_qp_solve reports it as an xn_status. */
typedef enum { QP_OPTIMAL, QP_INFEASIBLE, QP_ITERATIONS, QP_NOT_CONVEX, QP_DEPENDENT } qp_outcome;

/* The start of a solve: H's factorization and the equalities (or those of the solver
 * xn_qp_share_start named), then nwarm guesses from q->prev. Returns QP_OPTIMAL when x, the
 * active set and its multipliers are a dual-feasible start. */
static qp_outcome begin(xn_qp *q, const cset *cs, xn_real *x, int nwarm, int max_iter, int *iq_out,
                        int *iter_out, xn_real *rnorm_out) {
    /* the equalities, then (warm start) the previous active inequalities, as long as their
     * multipliers come out non-negative: a dual-feasible start */
    const xn_qp_problem *pb = cs->pb;
    const xn_qp *from = q->share_from;
    const int n = cs->n, me = cs->me;
    const size_t nn = (size_t)n * (size_t)n * sizeof(xn_real);
    int iq = 0, iter = 0;
    xn_real rnorm = 1;
    q->share_from = NULL;
    if (from && from->start_n == n && from->start_me == me) {
        /* the same H, g and equalities as from's last solve: its factorization */
        memcpy(q->J, from->J0, nn);
        memcpy(q->R, from->R0, nn);
        memcpy(x, from->x0, (size_t)n * sizeof(xn_real));
        memcpy(q->u, from->x0 + n, (size_t)me * sizeof(xn_real));
        memcpy(q->A, from->A, (size_t)me * sizeof(int)); /* the equalities in R's order */
        iq = me;
        rnorm = from->rnorm0;
    } else {
        q->start_n = 0; /* no valid start until this one is made */
        if (start(q, pb, x)) return QP_NOT_CONVEX;
        if (add_equalities(q, cs, x, &iq, &rnorm)) return QP_DEPENDENT;
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
    if (!add_guesses(q, cs, x, nwarm, max_iter, &iq, &iter, &rnorm)) {
        /* no budget left to finish: the equalities' start */
        memcpy(q->J, q->J0, nn);
        memcpy(q->R, q->R0, nn);
        memcpy(x, q->x0, (size_t)n * sizeof(xn_real));
        memcpy(q->u, q->x0 + n, (size_t)me * sizeof(xn_real));
        iq = me;
        rnorm = rnorm0;
    }
    *iq_out = iq;
    *iter_out = iter;
    *rnorm_out = rnorm;
    return QP_OPTIMAL;
}

/* row_span of every equality and inequality of pb, into q->span */
static void compute_spans(xn_qp *q, const xn_qp_problem *pb) {
    const int n = pb->n, me = pb->me, mi = pb->mi;
    for (int c = 0; c < me + mi; c++)
        row_span(c < me ? pb->Aeq + (size_t)c * (size_t)n : pb->Ain + (size_t)(c - me) * (size_t)n,
                 n, &q->span[2 * c], &q->span[2 * c + 1]);
}

/* Whether the last solve's proof of infeasibility proves pb infeasible too. The proof: the
 * violated constraint p's normal a_p = sum over the active constraints of r_k a_k with r_k <= 0
 * for every inequality and bound. For x meeting those constraints a_p' x <= sum r_k b_k then,
 * and when that is below b_p no x meets p as well. With this problem's rows the r are solved
 * again (least squares, Householder QR of the active normals: O(n^3), a few dozen iterations'
 * worth) and the three conditions checked: the normals still combine to a_p, the signs, the
 * gap. */
int xn_qp_infeasible_again(xn_qp *q, const xn_qp_problem *pb) {
    const int n = pb->n, me = pb->me, mi = pb->mi, s = q->ncert;
    if (s < 0 || n != q->cert_n || me != q->cert_me || mi != q->cert_mi || s > n) return 0;
    int bounds = (pb->lo != NULL) | (pb->hi != NULL) << 1;
    cset cs = {pb, n, me, mi, me + mi + (bounds ? 2 * n : 0), q->span};
    compute_spans(q, pb);
    /* columns 0..s-1 of C (stored by column, each n long): the normals; column s: a_p */
    xn_real *C = q->C, *bk = q->z, *beta = q->r;
    int sp[2];
    for (int k = 0; k < s; k++) {
        bk[k] = row(&cs, q->cert[k], C + (size_t)k * (size_t)n, sp);
        if (isnan(bk[k])) return 0; /* a bound this problem lacks */
    }
    xn_real bp = row(&cs, q->cert_p, C + (size_t)s * (size_t)n, sp), pnorm = 0;
    if (isnan(bp)) return 0;
    for (int i = 0; i < n; i++) pnorm = qmax(pnorm, fabs(C[(size_t)s * (size_t)n + i]));
    /* QR by Householder reflections, each applied to the later columns and to a_p */
    for (int k = 0; k < s; k++) {
        xn_real *v = C + (size_t)k * (size_t)n;
        xn_real norm = sqrt(dot(v + k, v + k, n - k));
        if (!(norm > 1e-12)) return 0; /* dependent normals: no clean proof */
        xn_real alpha = v[k] > 0 ? -norm : norm;
        xn_real v0 = v[k] - alpha;
        beta[k] = 1 / (norm * norm - v[k] * alpha);
        v[k] = v0;
        for (int j = k + 1; j <= s; j++) {
            xn_real *cj = C + (size_t)j * (size_t)n;
            xn_real f = beta[k] * dot(v + k, cj + k, n - k);
            for (int i = k; i < n; i++) cj[i] -= f * v[i];
        }
        v[k] = alpha; /* R's diagonal; v below it is kept only as far as needed (not reused) */
    }
    /* a_p transformed: its part beyond row s is the residual of the least squares fit */
    const xn_real *ap = C + (size_t)s * (size_t)n;
    xn_real resid = 0;
    for (int i = s; i < n; i++) resid = qmax(resid, fabs(ap[i]));
    if (!(resid <= 1e-9 * (1 + pnorm))) return 0;
    /* r = R^-1 (Q' a_p)[0..s), R's column k above the diagonal in C's column k */
    xn_real *r = q->d;
    for (int k = s - 1; k >= 0; k--) {
        xn_real acc = ap[k];
        for (int j = k + 1; j < s; j++) acc -= C[(size_t)j * (size_t)n + k] * r[j];
        r[k] = acc / C[(size_t)k * (size_t)n + k];
    }
    xn_real combo = 0, scale = fabs(bp);
    for (int k = 0; k < s; k++) {
        if (q->cert[k] >= me && r[k] > 1e-9 * (1 + fabs(r[k]))) return 0; /* a sign gone */
        combo += r[k] * bk[k];
        scale = qmax(scale, fabs(r[k] * bk[k]));
    }
    return combo < bp - 1e-9 * (1 + scale);
}

/* A problem's defect for xn_qp_solve: XN_OK, or the first one found, in err. */
static xn_status check_problem(const xn_qp *q, const xn_qp_problem *pb, xn_error *err) {
    static const char *where = "xn_qp_solve";
    int n = pb->n, me = pb->me, mi = pb->mi;
    if (n < 1 || n > q->n_max || me < 0 || me > q->me_max || mi < 0 || mi > q->mi_max)
        return xn_fail(err, XN_ERR_SIZE, where,
                       "n %d, me %d, mi %d: the solver was made for n 1..%d, me <= %d, mi <= %d", n,
                       me, mi, q->n_max, q->me_max, q->mi_max);
    if (!pb->H || !pb->g || (me && (!pb->Aeq || !pb->beq)) || (mi && (!pb->Ain || !pb->bin)))
        return xn_fail(err, XN_ERR_INVALID, where, "H, g, or the arrays of a constraint are NULL");
    if (!all_finite(pb->H, n * n)) return xn_fail(err, XN_ERR_RANGE, where, "H is not finite");
    for (int i = 0; i < n; i++) {
        if (!isfinite(pb->g[i]))
            return xn_fail_at(err, XN_ERR_RANGE, where, i, "g[%d] is not finite", i);
        if ((pb->lo && isnan(pb->lo[i])) || (pb->hi && isnan(pb->hi[i])))
            return xn_fail_at(err, XN_ERR_RANGE, where, i, "a bound of x[%d] is NaN", i);
    }
    if (!all_finite(pb->Aeq, me * n)) return xn_fail(err, XN_ERR_RANGE, where, "Aeq is not finite");
    if (!all_finite(pb->Ain, mi * n)) return xn_fail(err, XN_ERR_RANGE, where, "Ain is not finite");
    for (int i = 0; i < me; i++)
        if (!isfinite(pb->beq[i]))
            return xn_fail_at(err, XN_ERR_RANGE, where, i, "beq[%d] is not finite", i);
    for (int i = 0; i < mi; i++)
        if (!isfinite(pb->bin[i]))
            return xn_fail_at(err, XN_ERR_RANGE, where, me + i, "bin[%d] is not finite", i);
    return XN_OK;
}

/* The outcome of the iteration as the API's status; p: the constraint it could not add. */
static xn_status report(qp_outcome o, int iterations, int p, xn_error *err) {
    static const char *where = "xn_qp_solve";
    switch (o) {
    case QP_OPTIMAL: return XN_OK;
    case QP_INFEASIBLE:
        return xn_fail_at(err, XN_ERR_INFEASIBLE, where, p,
                          "infeasible: constraint %d contradicts the active ones", p);
    case QP_ITERATIONS:
        return xn_fail(err, XN_ERR_ITERATIONS, where,
                       "stopped at the iteration limit (%d iterations; x is the last iterate)",
                       iterations);
    case QP_NOT_CONVEX:
        return xn_fail(err, XN_ERR_NUMERIC, where,
                       "H is not positive definite (its Cholesky factor failed)");
    case QP_DEPENDENT:
        return xn_fail(err, XN_ERR_NUMERIC, where,
                       "the equality constraints are linearly dependent");
    }
    return XN_ERR_NUMERIC;
}

xn_status xn_qp_solve(xn_qp *q, const xn_qp_problem *pb, xn_real *x, xn_real *mult,
                      xn_qp_info *info, xn_error *err) {
    int n = pb->n, me = pb->me, mi = pb->mi;
    if (info) memset(info, 0, sizeof *info);
    q->last_iterations = 0;
    q->ncert = -1;
    xn_status valid = check_problem(q, pb, err);
    if (valid != XN_OK) return valid;
    int bounds = (pb->lo != NULL) | (pb->hi != NULL) << 1;
    compute_spans(q, pb);
    cset cs = {pb, n, me, mi, me + mi + (bounds ? 2 * n : 0), q->span};
    int max_iter = q->max_iter > 0 ? q->max_iter : 10 * (n + me + mi) + 10;
    int same = q->prev_n == n && q->prev_me == me && q->prev_mi == mi && q->prev_bounds == bounds;
    int nwarm = q->warm && same ? q->nprev : 0;
    if (q->guess_from) {
        nwarm = guesses_from(q->guess_from, n, me, mi, q->prev);
        q->guess_from = NULL;
    }
    memset(q->excluded, 0, (size_t)cs.m + 1);
    qp_outcome status = QP_OPTIMAL;
    int blocked = -1; /* the constraint that proved the problem infeasible */
    int iq = 0, iter = 0;
    xn_real rnorm = 1;

    const xn_qp *cont = q->cont_from;
    q->cont_from = NULL;
    q->share_from = cont ? NULL : q->share_from;
    if (cont && cont->end_optimal && cont->start_n == n && cont->start_me == me &&
        cont->prev_mi <= mi && (cont->prev_bounds & ~bounds) == 0) {
        /* the optimum of a problem whose every constraint this one has: dual feasible here,
         * with its factorization; the solve only adds what this problem has more. This
         * solver's own last active set, where it adds to that one's, goes in as guesses. */
        int nguess = 0;
        if (!q->end_optimal) nwarm = 0; /* a failed solve's active set: no guide */
        load_end(q, cont, n, me, mi, x, &iq, &rnorm);
        for (int k = me; k < iq; k++) q->excluded[q->A[k]] = 1; /* active: no guess */
        for (int w = 0; w < nwarm; w++)
            if (!q->excluded[q->prev[w]]) q->prev[nguess++] = q->prev[w];
        for (int k = me; k < iq; k++) q->excluded[q->A[k]] = 0;
        if (!add_guesses(q, &cs, x, nguess, max_iter, &iq, &iter, &rnorm))
            load_end(q, cont, n, me, mi, x, &iq, &rnorm);
        q->start_n = 0; /* no start of its own to share */
    } else {
        qp_outcome st = begin(q, &cs, x, nwarm, max_iter, &iq, &iter, &rnorm);
        if (st != QP_OPTIMAL) return report(st, 0, -1, err);
    }

    for (;;) {
        if (iter >= max_iter) {
            status = QP_ITERATIONS;
            break;
        }
        iter++;
        /* the most violated inactive constraint */
        int p = -1;
        xn_real sp = 0;
        /* flags of the active set (in excluded's upper bits: one pass, no allocation) */
        for (int k = me; k < iq; k++) q->excluded[q->A[k]] |= 2;
        most_violated(q, &cs, x, &p, &sp);
        for (int k = me; k < iq; k++) q->excluded[q->A[k]] &= (unsigned char)~2;
        if (p < 0) break; /* every constraint holds: optimal */
        xn_real scale;
        int psp[2];
        row(&cs, p, q->np, psp);
        sp = slack(&cs, p, x, &scale);
        q->u[iq] = 0;
        q->A[iq] = p;
        for (;;) { /* step toward satisfying p, dropping blocking constraints */
            if (iter >= max_iter) {
                status = QP_ITERATIONS;
                break;
            }
            iter++;
            compute_d(n, q->J, q->np, psp, q->d);
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
                /* p's normal is a combination of the active ones (z = 0) whose multipliers
                 * cannot make room (r <= 0): the proof, kept for xn_qp_infeasible_again */
                status = QP_INFEASIBLE;
                blocked = p;
                memcpy(q->cert, q->A, (size_t)iq * sizeof(int));
                q->ncert = iq;
                q->cert_p = p;
                q->cert_n = n;
                q->cert_me = me;
                q->cert_mi = mi;
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
        if (status != QP_OPTIMAL) break;
    }

    q->last_iterations = iter;
    memcpy(q->xf, x, (size_t)n * sizeof(xn_real));
    q->end_iq = iq;
    q->end_rnorm = rnorm;
    q->end_optimal = status == QP_OPTIMAL;
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
            int ksp[2];
            row(&cs, q->A[k], q->np, ksp);
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
    return report(status, iter, blocked, err);
}
