/* Physically consistent parameters: the full parameter vector closest to the weighted
 * least-squares fit, every body's pseudo-inertia J = [S h; h^T m] (S = tr(I)/2 1 - I, about the
 * body origin) positive definite, which is exactly the condition that some mass distribution has
 * these moments (Wensing, Kim and Slotine 2017). J = U U^T with U upper triangular and a
 * positive diagonal written as exponentials (the log-Cholesky parametrization, Rucker and
 * Wensing 2022), so every step of the search stays consistent without constraints. Armature,
 * viscous and Coulomb friction are kept >= 0 by projecting each step (an exponential there
 * would start a parameter whose nominal value is 0 where its derivative vanishes); the offset
 * is free.
 *
 * Cost: ||R pi(theta) - r||^2 + lambda sum_k ((pi_k - pi0_k) / s_k)^2, the first term the
 * weighted residual (R from the rows' Givens folding), the second a weak pull to the nominal
 * model that settles only the combinations the data cannot see. Levenberg-Marquardt.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ident/ident_internal.h"
#include "math/dense.h"
#include "model/error_internal.h"

/* theta (10) -> the body's parameters (m, h, I in the regressor's order). U's entries:
 * diag e^t0, e^t1, e^t2, e^t3; above it t4 = U01, t5 = U02, t6 = U12, t7 = U03, t8 = U13,
 * t9 = U23. */
static void body_params(const xn_real *t, xn_real *p) {
    xn_real U[4][4] = {{exp(t[0]), t[4], t[5], t[7]},
                       {0, exp(t[1]), t[6], t[8]},
                       {0, 0, exp(t[2]), t[9]},
                       {0, 0, 0, exp(t[3])}};
    xn_real J[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            xn_real s = 0;
            for (int k = (i > j ? i : j); k < 4; k++) s += U[i][k] * U[j][k];
            J[i][j] = s;
        }
    xn_real tr = J[0][0] + J[1][1] + J[2][2];
    p[0] = J[3][3];
    p[1] = J[0][3];
    p[2] = J[1][3];
    p[3] = J[2][3];
    p[4] = tr - J[0][0]; /* Ixx = Syy + Szz */
    p[5] = tr - J[1][1];
    p[6] = tr - J[2][2];
    p[7] = -J[0][1];
    p[8] = -J[0][2];
    p[9] = -J[1][2];
}

/* The body's parameters -> theta: J from them, then U with U U^T = J from the bottom up. A J
 * that is not positive definite (a massless link, a flat inertia) is nudged until it is. */
static void body_theta(const xn_real *p, xn_real *t) {
    xn_real tr = (p[4] + p[5] + p[6]) / 2; /* tr(S) = tr(I) / 2 */
    xn_real J[4][4] = {{tr - p[4], -p[7], -p[8], p[1]},
                       {-p[7], tr - p[5], -p[9], p[2]},
                       {-p[8], -p[9], tr - p[6], p[3]},
                       {p[1], p[2], p[3], p[0]}};
    xn_real size = fabs(p[0]) + fabs(tr) + 1e-9, nudge = 0;
    for (int attempt = 0; attempt < 40; attempt++) {
        xn_real U[4][4] = {{0}};
        int ok = 1;
        for (int i = 3; i >= 0 && ok; i--) {
            xn_real d = J[i][i] + nudge;
            for (int k = i + 1; k < 4; k++) d -= U[i][k] * U[i][k];
            if (!(d > 0)) {
                ok = 0;
                break;
            }
            U[i][i] = sqrt(d);
            for (int j = 0; j < i; j++) {
                xn_real s = J[j][i];
                for (int k = i + 1; k < 4; k++) s -= U[j][k] * U[i][k];
                U[j][i] = s / U[i][i];
            }
        }
        if (ok) {
            t[0] = log(U[0][0]);
            t[1] = log(U[1][1]);
            t[2] = log(U[2][2]);
            t[3] = log(U[3][3]);
            t[4] = U[0][1];
            t[5] = U[0][2];
            t[6] = U[1][2];
            t[7] = U[0][3];
            t[8] = U[1][3];
            t[9] = U[2][3];
            return;
        }
        nudge = nudge > 0 ? nudge * 10 : 1e-9 * size;
    }
    memset(t, 0, sizeof(xn_real) * XN_DYN_BODY_PARAMS);
}

/* Which parameters are positive by nature (armature, viscous, Coulomb). */
static int positive_param(const xn_ident *id, int k) {
    if (k < XN_DYN_BODY_PARAMS * (id->m->nbody - 1)) return 0;
    if (k < id->ndyn) return 1;
    return (k - id->ndyn) % 3 != 2;
}

static void params_of(const xn_ident *id, const xn_real *theta, xn_real *pi) {
    const int nb = XN_DYN_BODY_PARAMS * (id->m->nbody - 1);
    for (int b = 0; b < nb; b += XN_DYN_BODY_PARAMS) body_params(theta + b, pi + b);
    for (int k = nb; k < id->p; k++) pi[k] = theta[k];
    for (int k = 0; k < id->p; k++)
        if (id->fixed[k]) pi[k] = id->pi0[k];
}

static void theta_of(const xn_ident *id, const xn_real *pi, xn_real *theta) {
    const int nb = XN_DYN_BODY_PARAMS * (id->m->nbody - 1);
    for (int b = 0; b < nb; b += XN_DYN_BODY_PARAMS) body_theta(pi + b, theta + b);
    for (int k = nb; k < id->p; k++) theta[k] = positive_param(id, k) ? fmax(pi[k], 0) : pi[k];
}

/* The residual vector: R pi - r (p), then the prior's sqrt(lambda) (pi - pi0) / s (p). */
static xn_real residual(const xn_ident *id, const xn_real *R, xn_real lambda, const xn_real *pi,
                        xn_real *res) {
    const int p = id->p, n = p + 1;
    xn_real c = 0, sl = sqrt(lambda);
    for (int i = 0; i < p; i++) {
        const xn_real *ri = R + (size_t)i * n;
        xn_real s = -ri[p];
        for (int k = i; k < p; k++) s += ri[k] * pi[k];
        res[i] = s;
        res[p + i] = id->fixed[i] ? 0 : sl * (pi[i] - id->pi0[i]) / id->scale[i];
        c += res[i] * res[i] + res[p + i] * res[p + i];
    }
    return c;
}

xn_status xn_ident_fit_consistent(xn_ident *id, const xn_real *R, xn_error *err) {
    static const char *const fn = "xn_ident_solve";
    const int p = id->p, n = p + 1;
    xn_real *theta = calloc((size_t)p, sizeof(xn_real)),
            *trial = calloc((size_t)p, sizeof(xn_real));
    xn_real *pi = calloc((size_t)p, sizeof(xn_real)), *pit = calloc((size_t)p, sizeof(xn_real));
    xn_real *res = calloc(2 * (size_t)p, sizeof(xn_real)),
            *rest = calloc(2 * (size_t)p, sizeof(xn_real));
    xn_real *D = calloc((size_t)p * p, sizeof(xn_real)); /* d pi / d theta, block diagonal */
    xn_real *J = calloc(2 * (size_t)p * p, sizeof(xn_real));
    xn_real *N = calloc((size_t)p * p, sizeof(xn_real)), *g = calloc((size_t)p, sizeof(xn_real));
    xn_real *L = calloc((size_t)p * p, sizeof(xn_real)), *step = calloc((size_t)p, sizeof(xn_real));
    xn_status st = XN_OK;
    if (!theta || !trial || !pi || !pit || !res || !rest || !D || !J || !N || !g || !L || !step) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    /* the prior's weight: a fraction of the data's mean weight per (scaled) parameter */
    xn_real mean = 0;
    int nfree = 0;
    for (int k = 0; k < p; k++) {
        if (id->fixed[k]) continue;
        xn_real s = 0;
        for (int r = 0; r <= k; r++) s += R[(size_t)r * n + k] * R[(size_t)r * n + k];
        mean += s * id->scale[k] * id->scale[k];
        nfree++;
    }
    xn_real lambda = id->opt.prior_weight * (nfree ? mean / nfree : 1);
    /* start from the unconstrained fit with the same prior (one linear solve), each body's
     * pseudo-inertia nudged to positive definite where it is not: near the answer, so the search
     * has only the constraints' curvature to follow */
    for (int a = 0; a < p; a++) {
        for (int b = 0; b < p; b++) {
            xn_real t = 0;
            for (int r = 0; r <= (a < b ? a : b); r++)
                t += R[(size_t)r * n + a] * R[(size_t)r * n + b];
            N[(size_t)a * p + b] = t;
        }
        xn_real t = 0;
        for (int r = 0; r <= a; r++) t += R[(size_t)r * n + a] * R[(size_t)r * n + p];
        g[a] = t;
        if (id->fixed[a]) {
            for (int b = 0; b < p; b++) N[(size_t)a * p + b] = N[(size_t)b * p + a] = 0;
            N[(size_t)a * p + a] = 1;
            g[a] = id->pi0[a];
        } else {
            xn_real wk = lambda / (id->scale[a] * id->scale[a]);
            N[(size_t)a * p + a] += wk;
            g[a] += wk * id->pi0[a];
        }
    }
    for (int a = 0; a < p; a++)
        for (int b = 0; b < a; b++)
            if (id->fixed[a] || id->fixed[b]) N[(size_t)a * p + b] = N[(size_t)b * p + a] = a == b;
    if (lambda > 0 && xn_chol_factor(N, p) == XN_OK) {
        xn_chol_solve(N, p, g);
        theta_of(id, g, theta);
    } else {
        theta_of(id, id->pi0, theta);
    }
    params_of(id, theta, pi);
    xn_real cost = residual(id, R, lambda, pi, res), mu = -1;
    const int nb = XN_DYN_BODY_PARAMS * (id->m->nbody - 1);
    int converged = 0;
    for (int iter = 0; iter < 300 && !converged; iter++) {
        /* d pi / d theta by central differences, one block (body) or entry at a time */
        memset(D, 0, sizeof(xn_real) * (size_t)p * p);
        for (int k = 0; k < p; k++) {
            if (id->fixed[k]) continue;
            int b0 = k < nb ? k - k % XN_DYN_BODY_PARAMS : k;
            int len = k < nb ? XN_DYN_BODY_PARAMS : 1;
            xn_real h = 1e-6 * fmax(1, fabs(theta[k])), save = theta[k], up[XN_DYN_BODY_PARAMS],
                    dn[XN_DYN_BODY_PARAMS];
            theta[k] = save + h;
            params_of(id, theta, pit);
            memcpy(up, pit + b0, sizeof(xn_real) * (size_t)len);
            theta[k] = save - h;
            params_of(id, theta, pit);
            memcpy(dn, pit + b0, sizeof(xn_real) * (size_t)len);
            theta[k] = save;
            for (int i = 0; i < len; i++) D[(size_t)(b0 + i) * p + k] = (up[i] - dn[i]) / (2 * h);
        }
        /* the residual's Jacobian: [R D; sqrt(lambda) S^-1 D] */
        xn_real sl = sqrt(lambda);
        for (int i = 0; i < p; i++) {
            const xn_real *ri = R + (size_t)i * n;
            for (int k = 0; k < p; k++) {
                int b0 = k < nb ? k - k % XN_DYN_BODY_PARAMS : k;
                int len = k < nb ? XN_DYN_BODY_PARAMS : 1;
                xn_real s = 0;
                for (int r = b0; r < b0 + len; r++)
                    if (r >= i) s += ri[r] * D[(size_t)r * p + k];
                J[(size_t)i * p + k] = s;
                J[(size_t)(p + i) * p + k] =
                    id->fixed[i] ? 0 : sl * D[(size_t)i * p + k] / id->scale[i];
            }
        }
        for (int a = 0; a < p; a++) {
            xn_real s = 0;
            for (int r = 0; r < 2 * p; r++) s += J[(size_t)r * p + a] * res[r];
            g[a] = s;
            for (int b = 0; b <= a; b++) {
                xn_real t = 0;
                for (int r = 0; r < 2 * p; r++) t += J[(size_t)r * p + a] * J[(size_t)r * p + b];
                N[(size_t)a * p + b] = N[(size_t)b * p + a] = t;
            }
        }
        xn_real dmax = 0;
        for (int a = 0; a < p; a++) dmax = fmax(dmax, N[(size_t)a * p + a]);
        if (mu < 0) mu = 1e-3;
        int accepted = 0;
        for (int tries = 0; tries < 30 && !accepted; tries++) {
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) L[(size_t)a * p + b] = N[(size_t)a * p + b];
                L[(size_t)a * p + a] += mu * fmax(N[(size_t)a * p + a], 1e-12 * dmax);
                step[a] = -g[a];
            }
            if (xn_chol_factor(L, p) != XN_OK) {
                mu *= 10;
                continue;
            }
            xn_chol_solve(L, p, step);
            for (int a = 0; a < p; a++) { /* positive ones projected onto >= 0 */
                trial[a] = theta[a] + step[a];
                if (a >= nb && positive_param(id, a)) trial[a] = fmax(trial[a], 0);
            }
            params_of(id, trial, pit);
            xn_real c = residual(id, R, lambda, pit, rest);
            if (c < cost) {
                accepted = 1;
                xn_real gain = cost - c;
                memcpy(theta, trial, sizeof(xn_real) * (size_t)p);
                memcpy(pi, pit, sizeof(xn_real) * (size_t)p);
                memcpy(res, rest, sizeof(xn_real) * 2 * (size_t)p);
                cost = c;
                mu = fmax(mu / 3, 1e-12);
                converged = gain <= 1e-13 * cost;
            } else {
                mu *= 4;
            }
        }
        if (!accepted) break; /* no step lowers the cost: a minimum to rounding */
    }
    for (int k = 0; k < p; k++)
        if (!isfinite(pi[k])) {
            st = xn_fail_at(err, XN_ERR_NUMERIC, fn, k, "the consistent fit diverged");
            goto done;
        }
    memcpy(id->pi, pi, sizeof(xn_real) * (size_t)p);
done:
    free(theta), free(trial), free(pi), free(pit), free(res), free(rest), free(D), free(J);
    free(N), free(g), free(L), free(step);
    return st;
}
