/* Inline 3-D and spatial-vector kernels used by the dynamics inner loops.
 * Internal header: everything here is static inline so that the compiler can keep values in
 * registers across a whole joint update. Spatial vectors are [linear(3), angular(3)].
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_SPATIAL_INLINE_H
#define XN_SPATIAL_INLINE_H

#include "xiaonao/spatial.h"

/* ---- 3-vectors and 3x3 row-major matrices ---- */

static inline void xn_v3_cross(const xn_real a[3], const xn_real b[3], xn_real out[3]) {
    xn_real x = a[1] * b[2] - a[2] * b[1];
    xn_real y = a[2] * b[0] - a[0] * b[2];
    xn_real z = a[0] * b[1] - a[1] * b[0];
    out[0] = x;
    out[1] = y;
    out[2] = z;
}

static inline xn_real xn_v3_dot(const xn_real a[3], const xn_real b[3]) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* out = R x */
static inline void xn_m3_mulv(const xn_real R[9], const xn_real x[3], xn_real out[3]) {
    xn_real a = R[0] * x[0] + R[1] * x[1] + R[2] * x[2];
    xn_real b = R[3] * x[0] + R[4] * x[1] + R[5] * x[2];
    xn_real c = R[6] * x[0] + R[7] * x[1] + R[8] * x[2];
    out[0] = a;
    out[1] = b;
    out[2] = c;
}

/* out = R^T x */
static inline void xn_m3_tmulv(const xn_real R[9], const xn_real x[3], xn_real out[3]) {
    xn_real a = R[0] * x[0] + R[3] * x[1] + R[6] * x[2];
    xn_real b = R[1] * x[0] + R[4] * x[1] + R[7] * x[2];
    xn_real c = R[2] * x[0] + R[5] * x[1] + R[8] * x[2];
    out[0] = a;
    out[1] = b;
    out[2] = c;
}

/* out = R x + p: the point x of frame B in frame A, for X placing B in A (out must not alias x);
 * the sum in the order p + R0 x0 + R1 x1 + R2 x2 of the loops it replaced */
static inline void xn_se3_apply(const xn_se3 *X, const xn_real x[3], xn_real out[3]) {
    for (int a = 0; a < 3; a++)
        out[a] = X->p[a] + X->R[3 * a] * x[0] + X->R[3 * a + 1] * x[1] + X->R[3 * a + 2] * x[2];
}

/* out = A B (out must not alias A or B) */
static inline void xn_m3_mul(const xn_real A[9], const xn_real B[9], xn_real out[9]) {
    for (int i = 0; i < 3; i++) {
        out[3 * i + 0] = A[3 * i] * B[0] + A[3 * i + 1] * B[3] + A[3 * i + 2] * B[6];
        out[3 * i + 1] = A[3 * i] * B[1] + A[3 * i + 1] * B[4] + A[3 * i + 2] * B[7];
        out[3 * i + 2] = A[3 * i] * B[2] + A[3 * i + 1] * B[5] + A[3 * i + 2] * B[8];
    }
}

/* ---- placements ---- */

/* out = a * b; out must not alias a or b */
static inline void xn_se3_mul_noalias(const xn_se3 *a, const xn_se3 *b, xn_se3 *out) {
    xn_m3_mul(a->R, b->R, out->R);
    xn_m3_mulv(a->R, b->p, out->p);
    out->p[0] += a->p[0];
    out->p[1] += a->p[1];
    out->p[2] += a->p[2];
}

/* ---- spatial motion and force ---- */

/* Motion m given in the parent frame, expressed in the child frame placed by X = (R, p):
 * w_c = R^T w_p, v_c = R^T (v_p + w_p x p). */
static inline void xn_motion_act_inv(const xn_se3 *X, const xn_real m[6], xn_real out[6]) {
    xn_real t[3];
    xn_v3_cross(m + 3, X->p, t);
    t[0] += m[0];
    t[1] += m[1];
    t[2] += m[2];
    xn_real w[3];
    xn_m3_tmulv(X->R, m + 3, w);
    xn_m3_tmulv(X->R, t, out);
    out[3] = w[0];
    out[4] = w[1];
    out[5] = w[2];
}

/* Motion m given in the child frame, expressed in the parent frame: w_p = R w_c,
 * v_p = R v_c + p x w_p. */
static inline void xn_motion_act(const xn_se3 *X, const xn_real m[6], xn_real out[6]) {
    xn_real w[3], v[3], t[3];
    xn_m3_mulv(X->R, m + 3, w);
    xn_m3_mulv(X->R, m, v);
    xn_v3_cross(X->p, w, t);
    out[0] = v[0] + t[0];
    out[1] = v[1] + t[1];
    out[2] = v[2] + t[2];
    out[3] = w[0];
    out[4] = w[1];
    out[5] = w[2];
}

/* Force f given in the child frame, expressed in the parent frame: f_p = R f_c,
 * n_p = R n_c + p x f_p. */
static inline void xn_force_act(const xn_se3 *X, const xn_real f[6], xn_real out[6]) {
    xn_real fp[3], n[3], t[3];
    xn_m3_mulv(X->R, f, fp);
    xn_m3_mulv(X->R, f + 3, n);
    xn_v3_cross(X->p, fp, t);
    out[0] = fp[0];
    out[1] = fp[1];
    out[2] = fp[2];
    out[3] = n[0] + t[0];
    out[4] = n[1] + t[1];
    out[5] = n[2] + t[2];
}

/* Force f given in the parent frame, expressed in the child frame (inverse of xn_force_act). */
static inline void xn_force_act_inv(const xn_se3 *X, const xn_real f[6], xn_real out[6]) {
    xn_real t[3], n[3];
    xn_v3_cross(X->p, f, t);
    n[0] = f[3] - t[0];
    n[1] = f[4] - t[1];
    n[2] = f[5] - t[2];
    xn_m3_tmulv(X->R, f, out);
    xn_m3_tmulv(X->R, n, out + 3);
}

/* Motion cross motion: a x b = (wa x vb + va x wb, wa x wb). */
static inline void xn_motion_cross(const xn_real a[6], const xn_real b[6], xn_real out[6]) {
    xn_real t1[3], t2[3], t3[3];
    xn_v3_cross(a + 3, b, t1);
    xn_v3_cross(a, b + 3, t2);
    xn_v3_cross(a + 3, b + 3, t3);
    out[0] = t1[0] + t2[0];
    out[1] = t1[1] + t2[1];
    out[2] = t1[2] + t2[2];
    out[3] = t3[0];
    out[4] = t3[1];
    out[5] = t3[2];
}

/* Motion cross force: a x* f = (wa x f, wa x n + va x f). */
static inline void xn_motion_cross_force(const xn_real a[6], const xn_real f[6], xn_real out[6]) {
    xn_real t1[3], t2[3], t3[3];
    xn_v3_cross(a + 3, f, t1);
    xn_v3_cross(a + 3, f + 3, t2);
    xn_v3_cross(a, f, t3);
    out[0] = t1[0];
    out[1] = t1[1];
    out[2] = t1[2];
    out[3] = t2[0] + t3[0];
    out[4] = t2[1] + t3[1];
    out[5] = t2[2] + t3[2];
}

/* ---- rigid-body inertia (m, h = m c, I about origin) ---- */

/* 3x3 symmetric packed {xx, yy, zz, xy, xz, yz} times vector */
static inline void xn_sym3_mulv(const xn_real S[6], const xn_real x[3], xn_real out[3]) {
    xn_real a = S[0] * x[0] + S[3] * x[1] + S[4] * x[2];
    xn_real b = S[3] * x[0] + S[1] * x[1] + S[5] * x[2];
    xn_real c = S[4] * x[0] + S[5] * x[1] + S[2] * x[2];
    out[0] = a;
    out[1] = b;
    out[2] = c;
}

/* Momentum of a rigid body moving with spatial velocity m: linear m v - h x w, angular
 * I w + h x v. */
static inline void xn_inertia_mul(const xn_inertia *Y, const xn_real m[6], xn_real out[6]) {
    xn_real hw[3], hv[3], Iw[3];
    xn_v3_cross(Y->h, m + 3, hw);
    xn_v3_cross(Y->h, m, hv);
    xn_sym3_mulv(Y->I, m + 3, Iw);
    out[0] = Y->m * m[0] - hw[0];
    out[1] = Y->m * m[1] - hw[1];
    out[2] = Y->m * m[2] - hw[2];
    out[3] = Iw[0] + hv[0];
    out[4] = Iw[1] + hv[1];
    out[5] = Iw[2] + hv[2];
}

/* Inertia Y of a child body (child axes) expressed in the parent frame, X placing the child in
 * the parent: h_p = R h + m p; I_p = R I R^T - [Rh]x[p]x - [p]x[Rh]x - m [p]x[p]x. */
static inline void xn_inertia_act(const xn_se3 *X, const xn_inertia *Y, xn_inertia *out) {
    const xn_real *R = X->R, *p = X->p;
    xn_real Rh[3];
    xn_m3_mulv(R, Y->h, Rh);
    /* RI = R * I (full), then R I R^T symmetric */
    xn_real I[9] = {Y->I[0], Y->I[3], Y->I[4], Y->I[3], Y->I[1],
                    Y->I[5], Y->I[4], Y->I[5], Y->I[2]};
    xn_real RI[9];
    xn_m3_mul(R, I, RI);
    xn_real o[6];
    o[0] = RI[0] * R[0] + RI[1] * R[1] + RI[2] * R[2];
    o[1] = RI[3] * R[3] + RI[4] * R[4] + RI[5] * R[5];
    o[2] = RI[6] * R[6] + RI[7] * R[7] + RI[8] * R[8];
    o[3] = RI[0] * R[3] + RI[1] * R[4] + RI[2] * R[5];
    o[4] = RI[0] * R[6] + RI[1] * R[7] + RI[2] * R[8];
    o[5] = RI[3] * R[6] + RI[4] * R[7] + RI[5] * R[8];
    /* -([a]x[b]x + [b]x[a]x) = 2(a.b)1 - (a b^T + b a^T) with a = Rh, b = p;
     * -m[p]x[p]x = m(|p|^2 1 - p p^T) */
    xn_real ab = xn_v3_dot(Rh, p), pp = xn_v3_dot(p, p), m = Y->m;
    o[0] += 2 * ab - 2 * Rh[0] * p[0] + m * (pp - p[0] * p[0]);
    o[1] += 2 * ab - 2 * Rh[1] * p[1] + m * (pp - p[1] * p[1]);
    o[2] += 2 * ab - 2 * Rh[2] * p[2] + m * (pp - p[2] * p[2]);
    o[3] += -(Rh[0] * p[1] + Rh[1] * p[0]) - m * p[0] * p[1];
    o[4] += -(Rh[0] * p[2] + Rh[2] * p[0]) - m * p[0] * p[2];
    o[5] += -(Rh[1] * p[2] + Rh[2] * p[1]) - m * p[1] * p[2];
    out->m = m;
    out->h[0] = Rh[0] + m * p[0];
    out->h[1] = Rh[1] + m * p[1];
    out->h[2] = Rh[2] + m * p[2];
    for (int k = 0; k < 6; k++) out->I[k] = o[k];
}

static inline void xn_inertia_accum(xn_inertia *acc, const xn_inertia *Y) {
    acc->m += Y->m;
    for (int k = 0; k < 3; k++) acc->h[k] += Y->h[k];
    for (int k = 0; k < 6; k++) acc->I[k] += Y->I[k];
}

#endif
