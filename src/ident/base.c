/* Base parameters and their weighted least-squares estimate (Gautier 1991; Khalil and Dombre,
 * Modeling, Identification and Control of Robots, ch. 12 and 14).
 *
 * The rows of every sample are folded into one upper-triangular R of [W | tau] by Givens
 * rotations, so the stacked regressor is never held: ||W pi - tau||^2 = ||R11 pi - r||^2 + rest.
 * The model's own dependencies come from random exciting states (noise-free, so a column that
 * the others explain is exactly so); the samples' QR with column pivoting then picks, among the
 * model's independent columns, those the samples excite. What is left of them is what the
 * motions cannot identify. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident/ident_internal.h"
#include "math/dense.h"
#include "model/error_internal.h"

/* Fold one row x (n entries; destroyed) into the upper-triangular R (n x n). */
static void givens_row(xn_real *R, int n, xn_real *x) {
    for (int j = 0; j < n; j++) {
        if (x[j] == 0) continue;
        xn_real *rj = R + (size_t)j * n, h = hypot(rj[j], x[j]);
        xn_real c = rj[j] / h, s = x[j] / h;
        rj[j] = h;
        x[j] = 0;
        for (int k = j + 1; k < n; k++) {
            xn_real t = rj[k];
            rj[k] = c * t + s * x[k];
            x[k] = c * x[k] - s * t;
        }
    }
}

void xn_ident_accumulate(xn_ident *id, const xn_real *w, xn_real *R) {
    const int n = id->p + 1;
    memset(R, 0, sizeof(xn_real) * (size_t)n * n);
    for (int s = 0; s < id->n; s++) {
        xn_ident_rows(id, s);
        for (int j = 0; j < id->nmeas; j++) {
            xn_real *x = id->row + (size_t)j * n;
            if (w)
                for (int c = 0; c < n; c++) x[c] *= w[j];
            givens_row(R, n, x);
        }
    }
}

static unsigned lcg(unsigned *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}
static xn_real urand(unsigned *s, xn_real lo, xn_real hi) {
    return lo + (hi - lo) * (xn_real)lcg(s) / 16777216.0;
}

void xn_ident_accumulate_random(xn_ident *id, int nsamples, xn_real *R) {
    const xn_model *m = id->m;
    const int n = id->p + 1;
    memset(R, 0, sizeof(xn_real) * (size_t)n * n);
    xn_real *q = malloc(sizeof(xn_real) * (size_t)(m->nq + 2 * m->nv));
    if (!q) return;
    xn_real *v = q + m->nq, *a = v + m->nv;
    unsigned seed = 12345;
    for (int s = 0; s < nsamples; s++) {
        memcpy(q, m->q_neutral, sizeof(xn_real) * (size_t)m->nq);
        for (int b = 1; b < m->nbody; b++) {
            xn_real *qj = q + m->body_qadr[b];
            if (m->body_jtype[b] == XN_JOINT_FREE || m->body_jtype[b] == XN_JOINT_BALL) {
                int o = m->body_jtype[b] == XN_JOINT_FREE ? 3 : 0;
                for (int i = 0; i < o; i++) qj[i] = urand(&seed, -1, 1);
                xn_real nn = 0;
                for (int i = 0; i < 4; i++) {
                    qj[o + i] = urand(&seed, -1, 1);
                    nn += qj[o + i] * qj[o + i];
                }
                for (int i = 0; i < 4; i++) qj[o + i] /= sqrt(nn);
            } else if (m->body_nq[b] == 1) {
                int i = m->body_qadr[b];
                xn_real lo = isfinite(m->q_lower[i]) ? m->q_lower[i] : -3;
                xn_real hi = isfinite(m->q_upper[i]) ? m->q_upper[i] : 3;
                qj[0] = urand(&seed, lo, hi);
            }
        }
        for (int k = 0; k < m->nv; k++) v[k] = a[k] = 0;
        for (int j = 0; j < id->nmeas; j++) {
            v[id->meas[j]] = urand(&seed, -2, 2);
            a[id->meas[j]] = urand(&seed, -5, 5);
        }
        /* the DoFs nobody measures are held where the first sample has them (a gripper) */
        if (id->n > 0)
            for (int b = 1; b < m->nbody; b++) {
                int moves = 0;
                for (int j = 0; j < id->nmeas; j++) moves |= m->dof_body[id->meas[j]] == b;
                if (!moves)
                    memcpy(q + m->body_qadr[b], id->q + m->body_qadr[b],
                           sizeof(xn_real) * (size_t)m->body_nq[b]);
            }
        xn_ident_rows_at(id, q, v, a, NULL);
        for (int j = 0; j < id->nmeas; j++) givens_row(R, n, id->row + (size_t)j * n);
    }
    free(q);
}

static void swap_cols(xn_real *A, int n, int i, int k) {
    for (int r = 0; r < n; r++) {
        xn_real t = A[(size_t)r * n + i];
        A[(size_t)r * n + i] = A[(size_t)r * n + k];
        A[(size_t)r * n + k] = t;
    }
}

int xn_ident_pivoted_qr(xn_real *A, int p, const xn_real *cn, const unsigned char *allowed,
                        xn_real tol, int *perm, int fixed_rank) {
    const int n = p + 1;
    if (fixed_rank < 0) {
        for (int k = 0; k < p; k++) perm[k] = k;
    } else { /* put the columns in the given order */
        xn_real *B = malloc(sizeof(xn_real) * (size_t)n * n);
        if (!B) return 0;
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < p; k++) B[(size_t)r * n + k] = A[(size_t)r * n + perm[k]];
            B[(size_t)r * n + p] = A[(size_t)r * n + p];
        }
        memcpy(A, B, sizeof(xn_real) * (size_t)n * n);
        free(B);
    }
    for (int r = 0; r < n; r++)
        for (int k = 0; k < p; k++) {
            int col = perm[k];
            A[(size_t)r * n + k] = cn[col] > 0 ? A[(size_t)r * n + k] / cn[col] : 0;
        }
    xn_real first = 0;
    int rank = 0;
    const int steps = fixed_rank >= 0 ? fixed_rank : p;
    for (int j = 0; j < steps; j++) {
        if (fixed_rank < 0) { /* the largest remaining column among the allowed */
            int best = -1;
            xn_real bn = 0;
            for (int k = j; k < p; k++) {
                if (allowed && !allowed[perm[k]]) continue;
                xn_real s = 0;
                for (int r = j; r < n; r++) s += A[(size_t)r * n + k] * A[(size_t)r * n + k];
                if (s > bn) {
                    bn = s;
                    best = k;
                }
            }
            bn = sqrt(bn);
            if (j == 0) first = bn;
            if (best < 0 || !(bn > tol * first)) break;
            if (best != j) {
                swap_cols(A, n, j, best);
                int t = perm[j];
                perm[j] = perm[best];
                perm[best] = t;
            }
        }
        /* the Householder reflection zeroing column j below the diagonal */
        xn_real norm = 0;
        for (int r = j; r < n; r++) norm += A[(size_t)r * n + j] * A[(size_t)r * n + j];
        norm = sqrt(norm);
        if (norm == 0) break;
        xn_real ajj = A[(size_t)j * n + j], alpha = ajj > 0 ? -norm : norm;
        xn_real v0 = ajj - alpha, vnorm2 = v0 * v0;
        for (int r = j + 1; r < n; r++) vnorm2 += A[(size_t)r * n + j] * A[(size_t)r * n + j];
        if (vnorm2 > 0) {
            for (int k = j + 1; k < n; k++) {
                xn_real dot = v0 * A[(size_t)j * n + k];
                for (int r = j + 1; r < n; r++) dot += A[(size_t)r * n + j] * A[(size_t)r * n + k];
                xn_real f = 2 * dot / vnorm2;
                A[(size_t)j * n + k] -= f * v0;
                for (int r = j + 1; r < n; r++) A[(size_t)r * n + k] -= f * A[(size_t)r * n + j];
            }
        }
        A[(size_t)j * n + j] = alpha;
        for (int r = j + 1; r < n; r++) A[(size_t)r * n + j] = 0;
        rank = j + 1;
    }
    return rank;
}

/* Column norms of R (the stacked regressor's, Q being orthogonal). A column whose torque, at its
 * parameter's typical size, is rounding next to the largest one's is taken as zero (cn 0): the
 * parameter has no effect (a first moment along an axis gravity never turns), and scaling its
 * rounding up to unit norm would make it look identifiable. */
static void column_norms(const xn_ident *id, const xn_real *R, xn_real *cn) {
    const int p = id->p, n = p + 1;
    xn_real top = 0;
    for (int k = 0; k < p; k++) {
        xn_real s = 0;
        for (int r = 0; r <= k; r++) s += R[(size_t)r * n + k] * R[(size_t)r * n + k];
        cn[k] = sqrt(s);
        top = fmax(top, cn[k] * id->scale[k]);
    }
    for (int k = 0; k < p; k++)
        if (!(cn[k] * id->scale[k] > 1e-11 * top)) cn[k] = 0;
}

/* Solve the upper-triangular U x = b (r x r inside an n-wide array), in place. */
static void back_substitute(const xn_real *U, int n, int r, xn_real *x) {
    for (int i = r - 1; i >= 0; i--) {
        xn_real s = x[i];
        for (int k = i + 1; k < r; k++) s -= U[(size_t)i * n + k] * x[k];
        x[i] = s / U[(size_t)i * n + i];
    }
}

/* RMS of tau - W pi over every measured row. */
static xn_real rms_residual(xn_ident *id, const xn_real *pi, xn_real *per_dof) {
    const int n = id->p + 1;
    xn_real total = 0;
    if (per_dof) memset(per_dof, 0, sizeof(xn_real) * (size_t)id->nmeas);
    for (int s = 0; s < id->n; s++) {
        xn_ident_rows(id, s);
        for (int j = 0; j < id->nmeas; j++) {
            const xn_real *x = id->row + (size_t)j * n;
            xn_real e = x[id->p];
            for (int c = 0; c < id->p; c++) e -= x[c] * pi[c];
            total += e * e;
            if (per_dof) per_dof[j] += e * e;
        }
    }
    if (per_dof)
        for (int j = 0; j < id->nmeas; j++) per_dof[j] = sqrt(per_dof[j] / id->n);
    return sqrt(total / ((xn_real)id->n * id->nmeas));
}

/* The unidentifiable parameters as a list of names, for the error message. */
static void name_list(const xn_ident *id, const int *cols, int ncols, char *out, size_t len) {
    out[0] = 0;
    size_t used = 0;
    for (int i = 0; i < ncols && used + 40 < len; i++) {
        char name[96];
        xn_ident_param_name(id, cols[i], name, sizeof name);
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", name);
        if (i == 11 && ncols > 12) {
            snprintf(out + used, len - used, " and %d more", ncols - 12);
            break;
        }
    }
}

/* The results' arrays, sized for p parameters. */
static int alloc_results(xn_ident *id) {
    const size_t p = (size_t)id->p;
    free(id->perm), free(id->beta), free(id->ci95), free(id->beta_nominal);
    free(id->beta_consistent), free(id->comb_start), free(id->comb_index), free(id->comb_coef);
    free(id->sigma);
    id->solved = 0;
    id->perm = calloc(p, sizeof(int));
    id->beta = calloc(p, sizeof(xn_real));
    id->ci95 = calloc(p, sizeof(xn_real));
    id->beta_nominal = calloc(p, sizeof(xn_real));
    id->beta_consistent = calloc(p, sizeof(xn_real));
    id->comb_start = calloc(p + 1, sizeof(int));
    id->comb_index = calloc(p * p, sizeof(int));
    id->comb_coef = calloc(p * p, sizeof(xn_real));
    id->sigma = calloc((size_t)id->nmeas, sizeof(xn_real));
    return id->perm && id->beta && id->ci95 && id->beta_nominal && id->beta_consistent &&
           id->comb_start && id->comb_index && id->comb_coef && id->sigma;
}

/* From the weighted QR A (the first `rank` columns in id->perm's order reduced): the base
 * parameters' estimates, their 95 % half-widths, and how the dependent columns fold into them
 * (K = R11^-1 R12, back in physical units). */
static int base_from_qr(xn_ident *id, const xn_real *A, const xn_real *cn, int rank) {
    const int p = id->p, n = p + 1;
    xn_real *x = calloc((size_t)n, sizeof(xn_real));
    if (!x) return 0;
    for (int j = 0; j < rank; j++) x[j] = A[(size_t)j * n + p];
    back_substitute(A, n, rank, x);
    xn_real rest = 0;
    for (int r = rank; r < n; r++) rest += A[(size_t)r * n + p] * A[(size_t)r * n + p];
    xn_real dof = (xn_real)id->nrows - rank, s2 = dof > 0 ? rest / dof : 0;
    for (int j = 0; j < rank; j++) id->beta[j] = x[j] / cn[id->perm[j]];
    /* var(beta_j) = s^2 ||row j of R11^-1||^2: the row solves R11^T y = e_j */
    for (int j = 0; j < rank; j++) {
        xn_real norm2 = 0;
        for (int i = 0; i < rank; i++) {
            xn_real s = i == j ? 1 : 0;
            for (int k = j; k < i; k++) s -= A[(size_t)k * n + i] * x[k];
            x[i] = i < j ? 0 : s / A[(size_t)i * n + i];
            norm2 += x[i] * x[i];
        }
        id->ci95[j] = 1.96 * sqrt(s2 * norm2) / cn[id->perm[j]];
    }
    /* K's columns, one dependent column at a time: R11 k = R12[:, l] */
    xn_real *kcol = calloc((size_t)n, sizeof(xn_real));
    int *count = calloc((size_t)rank, sizeof(int));
    if (!kcol || !count) {
        free(x), free(kcol), free(count);
        return 0;
    }
    /* first pass sizes each base parameter's list, the second fills them */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            id->comb_start[0] = 0;
            for (int j = 0; j < rank; j++) id->comb_start[j + 1] = id->comb_start[j] + count[j];
            memset(count, 0, sizeof(int) * (size_t)rank);
        }
        for (int l = rank; l < p; l++) {
            int dep = id->perm[l];
            if (!(cn[dep] > 0)) continue; /* a column of zeros: in no base parameter */
            for (int j = 0; j < rank; j++) kcol[j] = A[(size_t)j * n + l];
            back_substitute(A, n, rank, kcol);
            for (int j = 0; j < rank; j++) {
                if (!(fabs(kcol[j]) > 1e-10)) continue;
                if (pass == 1) {
                    int at = id->comb_start[j] + count[j];
                    id->comb_index[at] = dep;
                    id->comb_coef[at] = kcol[j] * cn[dep] / cn[id->perm[j]];
                }
                count[j]++;
            }
        }
    }
    free(x), free(kcol), free(count);
    return 1;
}

/* The samples' rank among the model's independent columns, and (when short) the parameters they
 * leave unidentified, named in err. */
static xn_status check_excitation(xn_ident *id, int rank, const unsigned char *allowed,
                                  xn_error *err) {
    if (rank >= id->rank_model) return XN_OK;
    int *left = calloc((size_t)id->p, sizeof(int)), nleft = 0;
    for (int k = rank; k < id->p && left; k++)
        if (allowed[id->perm[k]]) left[nleft++] = id->perm[k];
    char names[700];
    name_list(id, left, nleft, names, sizeof names);
    free(left);
    return xn_fail(err, XN_ERR_NUMERIC, "xn_ident_solve",
                   "the motions excite %d of the model's %d base parameters (rank-deficient "
                   "regressor); not identifiable from them: %s",
                   rank, id->rank_model, names);
}

xn_status xn_ident_solve(xn_ident *id, int allow_partial, xn_error *err) {
    static const char *const fn = "xn_ident_solve";
    const int p = id->p, n = p + 1;
    xn_real *R = malloc(sizeof(xn_real) * (size_t)n * n);
    xn_real *A = malloc(sizeof(xn_real) * (size_t)n * n);
    xn_real *cn = calloc((size_t)p, sizeof(xn_real)), *full = calloc((size_t)p, sizeof(xn_real));
    unsigned char *allowed = calloc((size_t)p, 1);
    int *perm_model = calloc((size_t)p, sizeof(int));
    xn_real *w = calloc((size_t)id->nmeas, sizeof(xn_real));
    xn_real *tau_rms = calloc((size_t)id->nmeas, sizeof(xn_real));
    xn_status st = XN_OK;
    if (!alloc_results(id) || !R || !A || !cn || !full || !allowed || !perm_model || !w ||
        !tau_rms) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    /* 1. the model's base: noise-free random states, every dependency exact */
    xn_ident_accumulate_random(id, 3 * p / id->nmeas + 50, R);
    column_norms(id, R, cn);
    memcpy(A, R, sizeof(xn_real) * (size_t)n * n);
    id->rank_model = xn_ident_pivoted_qr(A, p, cn, NULL, 1e-9, perm_model, -1);
    for (int j = 0; j < id->rank_model; j++) allowed[perm_model[j]] = 1;
    id->nrows = (long)id->n * id->nmeas;
    if (id->nrows < id->rank_model) {
        st = xn_fail(err, XN_ERR_INVALID, fn,
                     "%ld rows (%d samples of %d joints) for %d base parameters: too few",
                     id->nrows, id->n, id->nmeas, id->rank_model);
        goto done;
    }
    /* 2. ordinary least squares over the model's independent columns the samples excite */
    xn_ident_accumulate(id, NULL, R);
    column_norms(id, R, cn);
    memcpy(A, R, sizeof(xn_real) * (size_t)n * n);
    int rank = xn_ident_pivoted_qr(A, p, cn, allowed, id->opt.rank_tol, id->perm, -1);
    if (rank == 0) {
        st = xn_fail(err, XN_ERR_NUMERIC, fn, "the samples excite no parameter (no motion?)");
        goto done;
    }
    if (!allow_partial && (st = check_excitation(id, rank, allowed, err)) != XN_OK) goto done;
    id->rank = rank;
    if (!base_from_qr(id, A, cn, rank)) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    for (int j = 0; j < rank; j++) full[id->perm[j]] = id->beta[j];
    rms_residual(id, full, id->sigma);
    memset(full, 0, sizeof(xn_real) * (size_t)p);
    rms_residual(id, full, tau_rms); /* with no parameters: the torques' own size */
    /* 3. weighted least squares: each joint's rows over its residual's deviation (Gautier) */
    /* a residual at rounding (torques computed, not measured) would give weights of 1e14: the
     * deviation is taken no smaller than a millionth of the joint's torque */
    for (int j = 0; j < id->nmeas; j++) w[j] = 1 / fmax(id->sigma[j], 1e-6 * tau_rms[j] + 1e-12);
    xn_ident_accumulate(id, w, R);
    column_norms(id, R, cn);
    memcpy(A, R, sizeof(xn_real) * (size_t)n * n);
    xn_ident_pivoted_qr(A, p, cn, NULL, 0, id->perm, rank);
    id->condition = fabs(A[0]) / fabs(A[(size_t)(rank - 1) * n + rank - 1]);
    if (!base_from_qr(id, A, cn, rank)) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    /* 4. physically consistent full parameters that give those base parameters */
    if ((st = xn_ident_fit_consistent(id, R, err)) != XN_OK) goto done;
    id->solved = 1;
    xn_ident_base_of(id, id->pi0, id->beta_nominal);
    xn_ident_base_of(id, id->pi, id->beta_consistent);
    memset(full, 0, sizeof(xn_real) * (size_t)p);
    for (int j = 0; j < rank; j++) full[id->perm[j]] = id->beta[j];
    id->rms_base = rms_residual(id, full, NULL);
    id->rms_nominal = rms_residual(id, id->pi0, NULL);
    id->rms_consistent = rms_residual(id, id->pi, NULL);
done:
    free(R), free(A), free(cn), free(full), free(allowed), free(perm_model), free(w);
    free(tau_rms);
    return st;
}

/* The extreme eigenvalues of the symmetric n x n matrix A (destroyed). */
static void sym_extremes(xn_real *A, int n, xn_real *lo, xn_real *hi) {
    xn_real *ev = malloc(sizeof(xn_real) * (size_t)(n > 0 ? n : 1));
    *lo = INFINITY;
    *hi = 0;
    if (!ev) return;
    xn_symn_eigvals_inplace(A, n, ev);
    for (int i = 0; i < n; i++) {
        *lo = fmin(*lo, ev[i]);
        *hi = fmax(*hi, ev[i]);
    }
    free(ev);
}

xn_status xn_ident_excitation(xn_ident *id, xn_real *condition, xn_error *err) {
    static const char *const fn = "xn_ident_excitation";
    const int p = id->p, n = p + 1;
    *condition = INFINITY;
    if (id->n == 0) return xn_fail(err, XN_ERR_INVALID, fn, "no samples");
    xn_real *R = malloc(sizeof(xn_real) * (size_t)n * n);
    xn_real *cn = calloc((size_t)p, sizeof(xn_real));
    xn_status st = XN_OK;
    if (!R || !cn) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    if (!id->base_cols) { /* the model's base columns, once */
        int *perm = calloc((size_t)p, sizeof(int));
        id->base_cols = perm;
        if (!perm) {
            st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
            goto done;
        }
        xn_ident_accumulate_random(id, 3 * p / id->nmeas + 50, R);
        column_norms(id, R, cn);
        id->nbase_cols = xn_ident_pivoted_qr(R, p, cn, NULL, 1e-9, perm, -1);
    }
    const int r = id->nbase_cols;
    xn_ident_accumulate(id, NULL, R);
    column_norms(id, R, cn);
    xn_real *G = calloc((size_t)r * r, sizeof(xn_real));
    if (!G) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    /* the Gram matrix of the base columns, each scaled to unit norm */
    for (int i = 0; i < r; i++)
        for (int j = 0; j <= i; j++) {
            int ci = id->base_cols[i], cj = id->base_cols[j];
            xn_real s = 0;
            for (int k = 0; k <= (ci < cj ? ci : cj); k++)
                s += R[(size_t)k * n + ci] * R[(size_t)k * n + cj];
            s = cn[ci] > 0 && cn[cj] > 0 ? s / (cn[ci] * cn[cj]) : (i == j ? 0 : 0);
            G[(size_t)i * r + j] = G[(size_t)j * r + i] = s;
        }
    xn_real lo, hi;
    sym_extremes(G, r, &lo, &hi);
    free(G);
    *condition = lo > 1e-15 * hi ? sqrt(hi / lo) : INFINITY;
done:
    free(R), free(cn);
    return st;
}
