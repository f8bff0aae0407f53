/* Kinematic calibration from measured positions of a point on the robot (Mooring, Roth and
 * Driels, Fundamentals of Manipulator Calibration, 1991; Borm and Menq 1991 for the
 * observability index). The model's geometry gets a zero offset per joint and an origin error
 * per body on the way to the point, the point its own error, and the tracker a placement: first
 * aligned in closed form (Kabsch), then refined with everything the measurements can tell apart.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/dense.h"
#include "model/error_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/ident.h"

#define MAX_CHAIN 64

struct xn_calib {
    const xn_model *m;
    xn_model *mc; /* the copy whose placements each evaluation sets */
    xn_data *d;
    int body, n, *meas;
    xn_real point[3];
    int nchain, chain[MAX_CHAIN]; /* the bodies whose joints carry the point, root first */
    int np, trk;                  /* parameters; where the tracker's six start */
    xn_real *theta, *theta_before, *std;
    unsigned char *ident;
    int *with; /* per unidentified parameter: the identified one it cannot be told from, or -1 */
    xn_se3 T0; /* the tracker's alignment: tracker <- base */
    int ns, cap;
    xn_real *q, *p, *qfull;
    int solved, nidentified;
    xn_real rms_before, max_before, rms_after, max_after, observability;
};

xn_status xn_calib_create(const xn_model *m, int body, const xn_real point[3], int n,
                          const int *measured, xn_calib **out, xn_error *err) {
    static const char *const fn = "xn_calib_create";
    *out = NULL;
    if (body < 1 || body >= m->nbody)
        return xn_fail(err, XN_ERR_RANGE, fn, "body %d: no such moving body", body);
    if (n < 1 || n > m->nv)
        return xn_fail(err, XN_ERR_RANGE, fn, "%d measured DoFs: 1 .. %d expected", n, m->nv);
    for (int i = 0; i < 3; i++)
        if (!isfinite(point[i])) return xn_fail(err, XN_ERR_RANGE, fn, "the point is not finite");
    xn_calib *c = calloc(1, sizeof *c);
    if (!c) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    c->m = m;
    c->body = body;
    c->n = n;
    memcpy(c->point, point, sizeof c->point);
    int path[MAX_CHAIN], np = 0;
    for (int b = body; b > 0; b = m->body_parent[b]) {
        xn_joint_type t = m->body_jtype[b];
        if (t == XN_JOINT_FREE || t == XN_JOINT_BALL) {
            free(c);
            return xn_fail(err, XN_ERR_UNSUPPORTED, fn,
                           "joint %s is free or ball: calibration takes 1-DoF joints from a fixed "
                           "base",
                           m->joint_name[b]);
        }
        if (m->body_nv[b] == 1 && np < MAX_CHAIN) path[np++] = b;
    }
    for (int i = 0; i < np; i++) c->chain[i] = path[np - 1 - i];
    c->nchain = np;
    c->trk = 4 * np + 3;
    c->np = c->trk + 6;
    c->mc = xn_model_copy(m);
    c->d = c->mc ? xn_data_create(c->mc) : NULL;
    c->meas = calloc((size_t)n, sizeof(int));
    c->theta = calloc((size_t)c->np, sizeof(xn_real));
    c->theta_before = calloc((size_t)c->np, sizeof(xn_real));
    c->std = calloc((size_t)c->np, sizeof(xn_real));
    c->ident = calloc((size_t)c->np, 1);
    c->with = calloc((size_t)c->np, sizeof(int));
    c->qfull = calloc((size_t)m->nq, sizeof(xn_real));
    if (!c->mc || !c->d || !c->meas || !c->theta || !c->theta_before || !c->std || !c->ident ||
        !c->with || !c->qfull) {
        xn_calib_free(c);
        return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        if (measured[i] < 0 || measured[i] >= m->nv) {
            xn_calib_free(c);
            return xn_fail_at(err, XN_ERR_RANGE, fn, i, "measured DoF %d out of range",
                              measured[i]);
        }
        c->meas[i] = measured[i];
    }
    xn_se3_identity(&c->T0);
    *out = c;
    return XN_OK;
}

void xn_calib_free(xn_calib *c) {
    if (!c) return;
    xn_data_free(c->d);
    xn_model_free(c->mc);
    free(c->meas), free(c->theta), free(c->theta_before), free(c->std), free(c->ident);
    free(c->with), free(c->qfull), free(c->q), free(c->p);
    free(c);
}

xn_status xn_calib_add(xn_calib *c, const xn_real *q, const xn_real p[3], xn_error *err) {
    static const char *const fn = "xn_calib_add";
    for (int i = 0; i < c->n; i++)
        if (!isfinite(q[i]))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i, "measurement %d: q[%d] is not finite",
                              c->ns, i);
    for (int i = 0; i < 3; i++)
        if (!isfinite(p[i]))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                              "measurement %d: position[%d] is not finite", c->ns, i);
    if (c->ns == c->cap) {
        int cap = c->cap ? 2 * c->cap : 64;
        xn_real *nq = realloc(c->q, sizeof(xn_real) * (size_t)cap * (size_t)c->n);
        if (nq) c->q = nq;
        xn_real *npp = realloc(c->p, sizeof(xn_real) * (size_t)cap * 3);
        if (npp) c->p = npp;
        if (!nq || !npp) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        c->cap = cap;
    }
    memcpy(c->q + (size_t)c->ns * c->n, q, sizeof(xn_real) * (size_t)c->n);
    memcpy(c->p + (size_t)c->ns * 3, p, sizeof(xn_real) * 3);
    c->ns++;
    c->solved = 0;
    return XN_OK;
}

/* The model's placements with the parameters theta (joint offsets folded into the rotation). */
static void set_geometry(xn_calib *c, const xn_real *th, xn_model *mc) {
    const xn_model *m = c->m;
    for (int i = 0; i < c->nchain; i++) {
        int b = c->chain[i];
        xn_se3 X = m->body_tree[b];
        const xn_real *ax = &m->body_axis[3 * b], off = th[4 * i];
        if (m->body_jtype[b] == XN_JOINT_PRISMATIC) {
            for (int r = 0; r < 3; r++)
                X.p[r] +=
                    off * (X.R[3 * r] * ax[0] + X.R[3 * r + 1] * ax[1] + X.R[3 * r + 2] * ax[2]);
        } else {
            xn_real Rj[9], R[9];
            xn_rot_axis_angle(ax, off, Rj);
            for (int r = 0; r < 3; r++)
                for (int k = 0; k < 3; k++)
                    R[3 * r + k] = X.R[3 * r] * Rj[k] + X.R[3 * r + 1] * Rj[3 + k] +
                                   X.R[3 * r + 2] * Rj[6 + k];
            memcpy(X.R, R, sizeof R);
        }
        for (int r = 0; r < 3; r++) X.p[r] += th[4 * i + 1 + r];
        mc->body_tree[b] = X;
        for (int k = 0; k < 3; k++) mc->body_tree_perm[3 * b + k] = 0; /* a general rotation now */
    }
}

/* The point in the tracker's frame for measurement-like joint values q (n) and parameters th. */
static void point_at(xn_calib *c, const xn_real *th, const xn_real *q, xn_real out[3]) {
    set_geometry(c, th, c->mc);
    memcpy(c->qfull, c->m->q_neutral, sizeof(xn_real) * (size_t)c->m->nq);
    for (int i = 0; i < c->n; i++) {
        int k = c->meas[i];
        c->qfull[c->m->body_qadr[c->m->dof_body[k]]] = q[i];
    }
    xn_dyn_fk(c->mc, c->d, c->qfull);
    const xn_se3 *X = &c->d->oMi[c->body];
    xn_real pt[3], pw[3], pr[3], Rw[9];
    for (int r = 0; r < 3; r++) pt[r] = c->point[r] + th[4 * c->nchain + r];
    for (int r = 0; r < 3; r++)
        pw[r] = X->p[r] + X->R[3 * r] * pt[0] + X->R[3 * r + 1] * pt[1] + X->R[3 * r + 2] * pt[2];
    /* the tracker: T0, then a small rotation and translation of its own */
    const xn_real *w = th + c->trk + 3;
    xn_real angle = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    if (angle > 0) {
        xn_real axis[3] = {w[0] / angle, w[1] / angle, w[2] / angle};
        xn_rot_axis_angle(axis, angle, Rw);
    } else {
        for (int i = 0; i < 9; i++) Rw[i] = i % 4 == 0;
    }
    for (int r = 0; r < 3; r++)
        pr[r] = Rw[3 * r] * pw[0] + Rw[3 * r + 1] * pw[1] + Rw[3 * r + 2] * pw[2];
    for (int r = 0; r < 3; r++)
        out[r] = c->T0.p[r] + th[c->trk + r] + c->T0.R[3 * r] * pr[0] + c->T0.R[3 * r + 1] * pr[1] +
                 c->T0.R[3 * r + 2] * pr[2];
}

/* Residuals (3 per measurement: model - measured), rms and largest distance. */
static void residuals(xn_calib *c, const xn_real *th, xn_real *res, xn_real *rms, xn_real *mx) {
    xn_real ss = 0, big = 0;
    for (int s = 0; s < c->ns; s++) {
        xn_real p[3], d2 = 0;
        point_at(c, th, c->q + (size_t)s * c->n, p);
        for (int r = 0; r < 3; r++) {
            xn_real e = p[r] - c->p[3 * s + r];
            if (res) res[3 * s + r] = e;
            d2 += e * e;
        }
        ss += d2;
        big = fmax(big, sqrt(d2));
    }
    if (rms) *rms = sqrt(ss / c->ns);
    if (mx) *mx = big;
}

/* The Jacobian of the residuals (3 ns x np, row-major) by central differences. */
static void jacobian(xn_calib *c, xn_real *th, xn_real *J, xn_real *r1, xn_real *r2) {
    const int rows = 3 * c->ns;
    for (int k = 0; k < c->np; k++) {
        xn_real save = th[k], h = 1e-6;
        th[k] = save + h;
        residuals(c, th, r1, NULL, NULL);
        th[k] = save - h;
        residuals(c, th, r2, NULL, NULL);
        th[k] = save;
        for (int i = 0; i < rows; i++) J[(size_t)i * c->np + k] = (r1[i] - r2[i]) / (2 * h);
    }
}

/* Kabsch: the rotation and translation taking the model's points a onto the measured b
 * (b = R a + t in the least-squares sense). With H = sum a' b'^T = U S V^T over the centred
 * points, R = V diag(1, 1, d) U^T, d making it a rotation. The SVD comes from H^T H = V S^2 V^T
 * and u_j = H v_j / s_j; the smallest singular value's u is the cross product of the others (the
 * points may lie in a plane). */
static void align(const xn_real *a, const xn_real *b, int n, xn_se3 *T) {
    xn_real ca[3] = {0}, cb[3] = {0}, H[9] = {0};
    for (int s = 0; s < n; s++)
        for (int r = 0; r < 3; r++) {
            ca[r] += a[3 * s + r] / n;
            cb[r] += b[3 * s + r] / n;
        }
    for (int s = 0; s < n; s++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                H[3 * i + j] += (a[3 * s + i] - ca[i]) * (b[3 * s + j] - cb[j]);
    xn_real HtH[6] = {0}, ev[3], V[9], U[9];
    for (int k = 0; k < 3; k++) {
        const xn_real *h = H + 3 * k;
        HtH[0] += h[0] * h[0], HtH[1] += h[1] * h[1], HtH[2] += h[2] * h[2];
        HtH[3] += h[0] * h[1], HtH[4] += h[0] * h[2], HtH[5] += h[1] * h[2];
    }
    xn_sym3_eig(HtH, ev, V); /* ascending: column 0 the smallest */
    for (int j = 1; j < 3; j++) {
        xn_real sj = sqrt(fmax(ev[j], 0));
        for (int i = 0; i < 3; i++)
            U[3 * i + j] = (H[3 * i] * V[j] + H[3 * i + 1] * V[3 + j] + H[3 * i + 2] * V[6 + j]) /
                           (sj > 0 ? sj : 1);
    }
    U[0] = U[4] * U[8] - U[7] * U[5];
    U[3] = U[7] * U[2] - U[1] * U[8];
    U[6] = U[1] * U[5] - U[4] * U[2];
    xn_real detV = V[0] * (V[4] * V[8] - V[5] * V[7]) - V[1] * (V[3] * V[8] - V[5] * V[6]) +
                   V[2] * (V[3] * V[7] - V[4] * V[6]);
    xn_real d[3] = {detV < 0 ? -1 : 1, 1, 1};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            xn_real r = 0;
            for (int j = 0; j < 3; j++) r += d[j] * V[3 * i + j] * U[3 * k + j];
            T->R[3 * i + k] = r;
        }
    for (int r = 0; r < 3; r++)
        T->p[r] = cb[r] - (T->R[3 * r] * ca[0] + T->R[3 * r + 1] * ca[1] + T->R[3 * r + 2] * ca[2]);
}

/* Gauss-Newton (lightly damped) over the parameters with active[k], from th. */
static void gauss_newton(xn_calib *c, xn_real *th, const unsigned char *active, int iters,
                         xn_real *J, xn_real *res, xn_real *r1, xn_real *r2) {
    const int rows = 3 * c->ns, np = c->np;
    int idx[256], na = 0;
    for (int k = 0; k < np && na < 256; k++)
        if (active[k]) idx[na++] = k;
    xn_real *N = malloc(sizeof(xn_real) * (size_t)na * na),
            *g = malloc(sizeof(xn_real) * (size_t)na);
    xn_real *trial = malloc(sizeof(xn_real) * (size_t)np);
    if (!N || !g || !trial) goto done;
    xn_real cost;
    residuals(c, th, res, &cost, NULL);
    for (int it = 0; it < iters; it++) {
        jacobian(c, th, J, r1, r2);
        for (int a = 0; a < na; a++) {
            xn_real s = 0;
            for (int i = 0; i < rows; i++) s += J[(size_t)i * np + idx[a]] * res[i];
            g[a] = -s;
            for (int b = 0; b <= a; b++) {
                xn_real t = 0;
                for (int i = 0; i < rows; i++)
                    t += J[(size_t)i * np + idx[a]] * J[(size_t)i * np + idx[b]];
                N[(size_t)a * na + b] = N[(size_t)b * na + a] = t;
            }
            N[(size_t)a * na + a] *= 1 + 1e-9;
        }
        if (xn_chol_factor(N, na) != XN_OK) break;
        xn_chol_solve(N, na, g);
        memcpy(trial, th, sizeof(xn_real) * (size_t)np);
        xn_real step = 0;
        for (int a = 0; a < na; a++) {
            trial[idx[a]] += g[a];
            step = fmax(step, fabs(g[a]));
        }
        xn_real next;
        residuals(c, trial, r1, &next, NULL);
        if (!(next <= cost)) break; /* nothing gained: at the minimum to rounding */
        memcpy(th, trial, sizeof(xn_real) * (size_t)np);
        memcpy(res, r1, sizeof(xn_real) * (size_t)rows);
        cost = next;
        if (step < 1e-12) break;
    }
done:
    free(N), free(g), free(trial);
}

xn_status xn_calib_solve(xn_calib *c, xn_error *err) {
    static const char *const fn = "xn_calib_solve";
    const int np = c->np, rows = 3 * c->ns;
    c->solved = 0;
    if (c->ns < 3) return xn_fail(err, XN_ERR_INVALID, fn, "%d measurements: too few", c->ns);
    xn_real *J = malloc(sizeof(xn_real) * (size_t)rows * np),
            *A = malloc(sizeof(xn_real) * (size_t)rows * np);
    xn_real *res = malloc(sizeof(xn_real) * (size_t)rows),
            *r1 = malloc(sizeof(xn_real) * (size_t)rows),
            *r2 = malloc(sizeof(xn_real) * (size_t)rows),
            *a = malloc(sizeof(xn_real) * (size_t)rows);
    xn_real *cn = calloc((size_t)np, sizeof(xn_real));
    int *perm = calloc((size_t)np, sizeof(int));
    unsigned char *active = calloc((size_t)np, 1);
    xn_status st = XN_OK;
    if (!J || !A || !res || !r1 || !r2 || !a || !cn || !perm || !active) {
        st = xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        goto done;
    }
    /* 1. the tracker aligned in closed form on the nominal model's points, then refined alone */
    memset(c->theta, 0, sizeof(xn_real) * (size_t)np);
    xn_se3_identity(&c->T0);
    for (int s = 0; s < c->ns; s++) point_at(c, c->theta, c->q + (size_t)s * c->n, a + 3 * s);
    align(a, c->p, c->ns, &c->T0);
    for (int k = c->trk; k < np; k++) active[k] = 1;
    gauss_newton(c, c->theta, active, 20, J, res, r1, r2);
    residuals(c, c->theta, res, &c->rms_before, &c->max_before);
    memcpy(c->theta_before, c->theta, sizeof(xn_real) * (size_t)np);
    if (!(c->rms_before < 0.05)) {
        st = xn_fail(err, XN_ERR_INVALID, fn,
                     "the measurements are %.4g m (rms) from the model's points even with the "
                     "tracker placed to fit them: wrong units (millimetres given as metres?), "
                     "another point on the robot, or joints in another order",
                     c->rms_before);
        goto done;
    }
    /* 2. what the measurements can tell apart: QR with column pivoting on the Jacobian, each
     * column scaled to unit norm; a column with no effect, or one the chosen ones explain to
     * 1e-6 of its size, stays 0 */
    jacobian(c, c->theta, J, r1, r2);
    memcpy(A, J, sizeof(xn_real) * (size_t)rows * np);
    xn_real top = 0;
    for (int k = 0; k < np; k++) {
        xn_real s = 0;
        for (int i = 0; i < rows; i++) s += A[(size_t)i * np + k] * A[(size_t)i * np + k];
        cn[k] = sqrt(s);
        top = fmax(top, cn[k]);
        perm[k] = k;
    }
    for (int k = 0; k < np; k++) {
        if (!(cn[k] > 1e-9 * top)) cn[k] = 0;
        for (int i = 0; i < rows; i++)
            A[(size_t)i * np + k] = cn[k] > 0 ? A[(size_t)i * np + k] / cn[k] : 0;
    }
    int rank = 0;
    for (int j = 0; j < np && j < rows; j++) {
        int best = -1;
        xn_real bn = 0;
        for (int k = j; k < np; k++) {
            xn_real s = 0;
            for (int i = j; i < rows; i++) s += A[(size_t)i * np + k] * A[(size_t)i * np + k];
            if (s > bn) bn = s, best = k;
        }
        if (best < 0 || !(sqrt(bn) > 1e-6)) break;
        for (int i = 0; i < rows; i++) { /* swap columns j and best */
            xn_real t = A[(size_t)i * np + j];
            A[(size_t)i * np + j] = A[(size_t)i * np + best];
            A[(size_t)i * np + best] = t;
        }
        int t = perm[j];
        perm[j] = perm[best];
        perm[best] = t;
        xn_real norm = sqrt(bn), ajj = A[(size_t)j * np + j], alpha = ajj > 0 ? -norm : norm;
        xn_real v0 = ajj - alpha, vn = v0 * v0;
        for (int i = j + 1; i < rows; i++) vn += A[(size_t)i * np + j] * A[(size_t)i * np + j];
        for (int k = j + 1; k < np && vn > 0; k++) {
            xn_real dot = v0 * A[(size_t)j * np + k];
            for (int i = j + 1; i < rows; i++) dot += A[(size_t)i * np + j] * A[(size_t)i * np + k];
            xn_real f = 2 * dot / vn;
            A[(size_t)j * np + k] -= f * v0;
            for (int i = j + 1; i < rows; i++) A[(size_t)i * np + k] -= f * A[(size_t)i * np + j];
        }
        A[(size_t)j * np + j] = alpha;
        rank = j + 1;
    }
    for (int k = 0; k < np; k++) c->ident[k] = 0;
    for (int j = 0; j < rank; j++) c->ident[perm[j]] = 1;
    c->nidentified = rank;
    /* each unidentified column: the identified one weighing most in what explains it */
    for (int l = 0; l < np; l++) {
        int k = perm[l];
        c->with[k] = -1;
        if (l < rank || cn[k] == 0) continue;
        xn_real x[256];
        for (int j = 0; j < rank; j++) x[j] = A[(size_t)j * np + l];
        for (int j = rank - 1; j >= 0; j--) {
            for (int i = j + 1; i < rank; i++) x[j] -= A[(size_t)j * np + i] * x[i];
            x[j] /= A[(size_t)j * np + j];
        }
        int best = 0;
        for (int j = 1; j < rank; j++)
            if (fabs(x[j]) > fabs(x[best])) best = j;
        c->with[k] = rank > 0 ? perm[best] : -1;
    }
    if (rows < 2 * rank) { /* as many rows as parameters would fit anything, noise included */
        st = xn_fail(err, XN_ERR_INVALID, fn,
                     "%d measurements for %d parameters: too few (at least %d: twice as many "
                     "coordinates as parameters)",
                     c->ns, rank, (2 * rank + 2) / 3);
        goto done;
    }
    /* 3. every identified parameter, from the tracker's fit */
    memcpy(active, c->ident, (size_t)np);
    gauss_newton(c, c->theta, active, 30, J, res, r1, r2);
    residuals(c, c->theta, res, &c->rms_after, &c->max_after);
    /* 4. each parameter's deviation per unit noise, sqrt(diag((J^T J)^-1)), and Borm and
     * Menq's observability index of the unit-column Jacobian */
    jacobian(c, c->theta, J, r1, r2);
    {
        int L = rank;
        xn_real *N = malloc(sizeof(xn_real) * (size_t)L * L),
                *Ns = malloc(sizeof(xn_real) * (size_t)L * L),
                *e = malloc(sizeof(xn_real) * (size_t)L), *ev = malloc(sizeof(xn_real) * (size_t)L);
        if (N && Ns && e && ev && L > 0) {
            for (int x = 0; x < L; x++)
                for (int y = 0; y <= x; y++) {
                    xn_real t = 0;
                    for (int i = 0; i < rows; i++)
                        t += J[(size_t)i * np + perm[x]] * J[(size_t)i * np + perm[y]];
                    N[(size_t)x * L + y] = N[(size_t)y * L + x] = t;
                }
            for (int x = 0; x < L; x++)
                for (int y = 0; y < L; y++)
                    Ns[(size_t)x * L + y] =
                        N[(size_t)x * L + y] / sqrt(N[(size_t)x * L + x] * N[(size_t)y * L + y]);
            xn_symn_eigvals_inplace(Ns, L, ev);
            xn_real logsum = 0;
            for (int x = 0; x < L; x++) logsum += 0.5 * log(fmax(ev[x], 1e-300));
            c->observability = exp(logsum / L) / sqrt((xn_real)rows);
            if (xn_chol_factor(N, L) == XN_OK)
                for (int x = 0; x < L; x++) {
                    for (int y = 0; y < L; y++) e[y] = x == y;
                    xn_chol_solve(N, L, e);
                    c->std[perm[x]] = sqrt(fmax(e[x], 0));
                }
        }
        free(N), free(Ns), free(e), free(ev);
    }
    c->solved = 1;
done:
    free(J), free(A), free(res), free(r1), free(r2), free(a), free(cn), free(perm), free(active);
    return st;
}

xn_status xn_calib_summary_get(const xn_calib *c, xn_calib_summary *s) {
    memset(s, 0, sizeof *s);
    s->nmeas = c->ns;
    s->nparam = c->np;
    if (!c->solved) return XN_ERR_STATE;
    s->nidentified = c->nidentified;
    s->rms_before = c->rms_before;
    s->max_before = c->max_before;
    s->rms_after = c->rms_after;
    s->max_after = c->max_after;
    s->observability = c->observability;
    return XN_OK;
}

static void param_name(const xn_calib *c, int k, char *buf, size_t n) {
    static const char *const axes[3] = {"x", "y", "z"}, *const rot[3] = {"rx", "ry", "rz"};
    if (k < 4 * c->nchain) {
        int b = c->chain[k / 4];
        if (k % 4 == 0)
            snprintf(buf, n, "%s.offset", c->m->joint_name[b]);
        else
            snprintf(buf, n, "%s.%s", c->m->body_name[b], axes[k % 4 - 1]);
    } else if (k < c->trk) {
        snprintf(buf, n, "point.%s", axes[k - 4 * c->nchain]);
    } else {
        int i = k - c->trk;
        snprintf(buf, n, "tracker.%s", i < 3 ? axes[i] : rot[i - 3]);
    }
}

xn_status xn_calib_param_get(const xn_calib *c, int k, xn_calib_param *out) {
    if (k < 0 || k >= c->np) return XN_ERR_RANGE;
    memset(out, 0, sizeof *out);
    param_name(c, k, out->name, sizeof out->name);
    out->value = c->theta[k];
    out->identified = c->ident[k];
    out->std_per_noise = c->std[k];
    if (!c->ident[k] && c->with[k] >= 0) param_name(c, c->with[k], out->with, sizeof out->with);
    return XN_OK;
}

xn_status xn_calib_predict(xn_calib *c, const xn_real *q, int corrected, xn_real p[3]) {
    if (!c->solved) return XN_ERR_STATE;
    point_at(c, corrected ? c->theta : c->theta_before, q, p);
    return XN_OK;
}

xn_status xn_calib_apply(const xn_calib *c, xn_model *mc, xn_error *err) {
    if (!c->solved) return xn_fail(err, XN_ERR_STATE, "xn_calib_apply", "not solved");
    if (mc->nbody != c->m->nbody)
        return xn_fail(err, XN_ERR_SIZE, "xn_calib_apply", "the copy has %d bodies, not %d",
                       mc->nbody, c->m->nbody);
    set_geometry((xn_calib *)c, c->theta, mc);
    return XN_OK;
}
