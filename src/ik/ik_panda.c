/* Closed-form IK of Panda-type 7R arms with the 7th joint as parameter, by the Paden-Kahan
 * subproblems (Murray, Li and Sastry, "A Mathematical Introduction to Robotic Manipulation",
 * 1994, section 3.3) on the product of exponentials T(q) = E1(q1) ... E7(q7) T(0), each Ei a
 * rotation about joint i's axis line at q = 0:
 *   G = T* T(0)^-1 E7(q7)^-1 = E1 ... E6.
 *   Joint 4: E1-E3 turn about the shoulder S and E5, E6 fix the wrist point W, so
 *            |G W - S| = |E4 W - S| (subproblem 3).
 *   Joints 5, 6: E6^-1 E5^-1 (E4^-1 S) = G^-1 S, two rotations about axes meeting at W
 *            (subproblem 2).
 *   Joints 1, 2: E1 E2 r = H r for a point r on axis 3, H = G (E4 E5 E6)^-1 (subproblem 2).
 *   Joint 3: the rest (subproblem 1).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ik/ik_internal.h"
#include "model/error_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/ik.h"

#define PI 3.14159265358979323846
#define GEOM_TOL 1e-9

static xn_real dot(const xn_real a[3], const xn_real b[3]) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
static void cross(const xn_real a[3], const xn_real b[3], xn_real o[3]) {
    xn_real c0 = a[1] * b[2] - a[2] * b[1], c1 = a[2] * b[0] - a[0] * b[2],
            c2 = a[0] * b[1] - a[1] * b[0];
    o[0] = c0;
    o[1] = c1;
    o[2] = c2;
}
static void sub(const xn_real a[3], const xn_real b[3], xn_real o[3]) {
    for (int i = 0; i < 3; i++) o[i] = a[i] - b[i];
}
static xn_real norm(const xn_real a[3]) { return sqrt(dot(a, a)); }
static xn_real wrap(xn_real a) {
    while (a > PI) a -= 2 * PI;
    while (a <= -PI) a += 2 * PI;
    return a;
}
static void apply(const xn_se3 *X, const xn_real x[3], xn_real o[3]) {
    xn_real y[3];
    for (int r = 0; r < 3; r++)
        y[r] = X->R[3 * r] * x[0] + X->R[3 * r + 1] * x[1] + X->R[3 * r + 2] * x[2] + X->p[r];
    memcpy(o, y, sizeof y);
}
/* E: rotation by angle about the line through p along unit a, as a rigid motion. */
static void screw(const xn_real a[3], const xn_real p[3], xn_real angle, xn_se3 *E) {
    xn_rot_axis_angle(a, angle, E->R);
    for (int r = 0; r < 3; r++)
        E->p[r] = p[r] - (E->R[3 * r] * p[0] + E->R[3 * r + 1] * p[1] + E->R[3 * r + 2] * p[2]);
}

/* Subproblem 1: the angle about (a, p) that takes x to y (their parts across a). */
static xn_real pk1(const xn_real a[3], const xn_real p[3], const xn_real x[3], const xn_real y[3]) {
    xn_real u[3], v[3], c[3];
    sub(x, p, u);
    sub(y, p, v);
    xn_real au = dot(a, u), av = dot(a, v);
    for (int i = 0; i < 3; i++) {
        u[i] -= au * a[i];
        v[i] -= av * a[i];
    }
    cross(u, v, c);
    return atan2(dot(a, c), dot(u, v));
}

/* Subproblem 2: angles (t1, t2) about axes a1, a2 meeting at c with E1(t1) E2(t2) x = y; up to 2
 * solutions; returns how many (0 when none; 1 when the two coincide or the axes are parallel). */
static int pk2(const xn_real a1[3], const xn_real a2[3], const xn_real c[3], const xn_real x[3],
               const xn_real y[3], xn_real t1[2], xn_real t2[2]) {
    xn_real u[3], v[3], w12[3];
    sub(x, c, u);
    sub(y, c, v);
    xn_real k = dot(a1, a2), den = k * k - 1;
    cross(a1, a2, w12);
    xn_real n2 = dot(w12, w12);
    if (n2 < 1e-20) return 0;
    xn_real alpha = (k * dot(a2, u) - dot(a1, v)) / den;
    xn_real beta = (k * dot(a1, v) - dot(a2, u)) / den;
    xn_real g2 = (dot(u, u) - alpha * alpha - beta * beta - 2 * alpha * beta * k) / n2;
    if (g2 < -1e-12 * (dot(u, u) + 1e-30)) return 0;
    xn_real g = sqrt(fmax(g2, 0));
    int n = g > 1e-12 ? 2 : 1;
    for (int s = 0; s < n; s++) {
        xn_real z[3];
        for (int i = 0; i < 3; i++)
            z[i] = c[i] + alpha * a1[i] + beta * a2[i] + (s ? -g : g) * w12[i];
        t2[s] = pk1(a2, c, x, z);
        t1[s] = pk1(a1, c, z, y);
    }
    return n;
}

/* Subproblem 3: angles about (a, p) with |E(t) x - y| = delta; up to 2; returns how many. */
static int pk3(const xn_real a[3], const xn_real p[3], const xn_real x[3], const xn_real y[3],
               xn_real delta, xn_real t[2]) {
    xn_real u[3], v[3], d[3];
    sub(x, p, u);
    sub(y, p, v);
    sub(x, y, d);
    xn_real au = dot(a, u), av = dot(a, v), ad = dot(a, d);
    for (int i = 0; i < 3; i++) {
        u[i] -= au * a[i];
        v[i] -= av * a[i];
    }
    xn_real nu = norm(u), nv = norm(v);
    xn_real d2 = delta * delta - ad * ad;
    if (nu < 1e-12 || nv < 1e-12) return 0;
    xn_real c = (nu * nu + nv * nv - d2) / (2 * nu * nv);
    if (c > 1 + 1e-10 || c < -1 - 1e-10) return 0;
    xn_real th0 = pk1(a, p, x, y), b = acos(fmax(-1, fmin(1, c)));
    t[0] = th0 - b;
    t[1] = th0 + b;
    return b > 1e-12 ? 2 : 1;
}

static xn_status fail(xn_error *err, const xn_model *m, const char *msg) {
    return xn_fail(err, XN_ERR_INVALID, m->name ? m->name : "model", "not a Panda-type arm: %s",
                   msg);
}

/* Closest points of two lines; returns their distance (INFINITY when parallel). */
static xn_real meet(const xn_real p[3], const xn_real a[3], const xn_real q[3], const xn_real b[3],
                    xn_real mid[3]) {
    xn_real w[3], ab = dot(a, b);
    sub(p, q, w);
    xn_real den = 1 - ab * ab;
    if (den < 1e-12) return INFINITY;
    xn_real s = (ab * dot(b, w) - dot(a, w)) / den, t = (dot(b, w) - ab * dot(a, w)) / den;
    xn_real x[3], y[3], dd[3];
    for (int i = 0; i < 3; i++) {
        x[i] = p[i] + s * a[i];
        y[i] = q[i] + t * b[i];
        mid[i] = 0.5 * (x[i] + y[i]);
    }
    sub(x, y, dd);
    return norm(dd);
}

xn_status xn_ik_panda_init(const xn_model *m, int frame, xn_ik_panda *pk, xn_error *err) {
    memset(pk, 0, sizeof *pk);
    if (frame < 0 || frame >= m->nframe) return fail(err, m, "no such frame");
    pk->m = m;
    pk->frame = frame;
    int n = 0, path[64];
    for (int b = m->frame_body[frame]; b > 0 && n < 64; b = m->body_parent[b])
        if (m->body_nv[b] > 0) path[n++] = b;
    if (n != 7) return fail(err, m, "the frame is not moved by exactly seven joints");
    for (int i = 0; i < 7; i++) {
        int b = path[6 - i];
        if (m->body_jtype[b] != XN_JOINT_REVOLUTE && m->body_jtype[b] != XN_JOINT_CONTINUOUS)
            return fail(err, m, "the seven joints must be revolute");
        pk->body[i] = b;
        pk->qadr[i] = m->body_qadr[b];
    }
    xn_data *d = xn_data_create(m);
    xn_real *zero = xn_ik_zero_config(m);
    if (!d || !zero) {
        xn_data_free(d);
        free(zero);
        return XN_ERR_NOMEM;
    }
    xn_dyn_fk(m, d, zero);
    free(zero);
    for (int i = 0; i < 7; i++) {
        const xn_se3 *X = &d->oMi[pk->body[i]];
        const xn_real *ax = &m->body_axis[3 * pk->body[i]];
        for (int r = 0; r < 3; r++)
            pk->axis[i][r] =
                X->R[3 * r] * ax[0] + X->R[3 * r + 1] * ax[1] + X->R[3 * r + 2] * ax[2];
        memcpy(pk->point[i], X->p, sizeof pk->point[i]);
    }
    xn_dyn_frame_placement(m, d, frame, &pk->frame0);
    xn_data_free(d);
    xn_real s12[3], s13[3], w56[3];
    if (meet(pk->point[0], pk->axis[0], pk->point[1], pk->axis[1], s12) > GEOM_TOL ||
        meet(pk->point[1], pk->axis[1], pk->point[2], pk->axis[2], s13) > GEOM_TOL)
        return fail(err, m, "axes 1, 2 and 3 must meet in one point");
    xn_real t[3];
    sub(s12, s13, t);
    if (norm(t) > GEOM_TOL) return fail(err, m, "axes 1, 2 and 3 must meet in one point");
    if (meet(pk->point[4], pk->axis[4], pk->point[5], pk->axis[5], w56) > GEOM_TOL)
        return fail(err, m, "axes 5 and 6 must meet");
    memcpy(pk->shoulder, s12, sizeof pk->shoulder);
    memcpy(pk->wrist, w56, sizeof pk->wrist);
    /* the wrist must not lie on axis 4, nor the shoulder: joint 4 must change their distance */
    xn_real u[3], c[3];
    sub(pk->wrist, pk->point[3], u);
    cross(pk->axis[3], u, c);
    if (norm(c) < GEOM_TOL) return fail(err, m, "the wrist point lies on axis 4");
    return XN_OK;
}

static void inverse(const xn_se3 *X, xn_se3 *o) { xn_se3_inv(o, X); }

int xn_ik_panda_solve(const xn_ik_panda *pk, const xn_se3 *target, xn_real q7, int in_limits,
                      xn_real q[8][7], int *flags) {
    const xn_model *m = pk->m;
    if (flags) *flags = 0;
    for (int i = 0; i < 9; i++)
        if (!isfinite(target->R[i])) return 0;
    for (int i = 0; i < 3; i++)
        if (!isfinite(target->p[i])) return 0;
    if (!isfinite(q7)) return 0;
    /* G = T* T(0)^-1 E7(q7)^-1 = E1 ... E6 */
    xn_se3 T0inv, E7, E7inv, G, tmp;
    inverse(&pk->frame0, &T0inv);
    xn_se3_mul(&tmp, target, &T0inv);
    screw(pk->axis[6], pk->point[6], q7, &E7);
    inverse(&E7, &E7inv);
    xn_se3_mul(&G, &tmp, &E7inv);
    const xn_real *S = pk->shoulder, *W = pk->wrist;
    xn_real GW[3], d[3];
    apply(&G, W, GW);
    sub(GW, S, d);
    xn_real t4[2];
    int n4 = pk3(pk->axis[3], pk->point[3], W, S, norm(d), t4);
    xn_se3 Ginv;
    inverse(&G, &Ginv);
    xn_real GiS[3];
    apply(&Ginv, S, GiS);
    int ns = 0;
    for (int i4 = 0; i4 < n4; i4++) {
        xn_se3 E4, E4inv;
        screw(pk->axis[3], pk->point[3], t4[i4], &E4);
        inverse(&E4, &E4inv);
        xn_real z[3];
        apply(&E4inv, S, z);
        /* E6(-q6) E5(-q5) z = G^-1 S: subproblem 2 with axes 6 then 5, angles negated */
        xn_real m6[2], m5[2];
        int n56 = pk2(pk->axis[5], pk->axis[4], W, z, GiS, m6, m5);
        if (n56 == 0 && flags) *flags |= 1;
        for (int i56 = 0; i56 < n56; i56++) {
            xn_real q5 = -m5[i56], q6 = -m6[i56];
            xn_se3 E5, E6, E456, H, inv456;
            screw(pk->axis[4], pk->point[4], q5, &E5);
            screw(pk->axis[5], pk->point[5], q6, &E6);
            xn_se3_mul(&tmp, &E4, &E5);
            xn_se3_mul(&E456, &tmp, &E6);
            inverse(&E456, &inv456);
            xn_se3_mul(&H, &G, &inv456); /* = E1 E2 E3, a rotation about S */
            /* a point on axis 3 away from S */
            xn_real r[3], Hr[3];
            for (int k = 0; k < 3; k++) r[k] = S[k] + pk->axis[2][k];
            apply(&H, r, Hr);
            xn_real t1[2], t2[2];
            int n12 = pk2(pk->axis[0], pk->axis[1], S, r, Hr, t1, t2);
            if (n12 == 0) continue;
            for (int i12 = 0; i12 < n12; i12++) {
                /* joint 3: E3 = (E1 E2)^-1 H, read on a point off axis 3 */
                xn_se3 E1, E2, E12, E12inv, E3;
                screw(pk->axis[0], pk->point[0], t1[i12], &E1);
                screw(pk->axis[1], pk->point[1], t2[i12], &E2);
                xn_se3_mul(&E12, &E1, &E2);
                inverse(&E12, &E12inv);
                xn_se3_mul(&E3, &E12inv, &H);
                xn_real off[3], moved[3], a3c[3];
                xn_real pick[3] = {1, 0, 0};
                if (fabs(pk->axis[2][0]) > 0.9) pick[0] = 0, pick[1] = 1;
                cross(pk->axis[2], pick, a3c);
                for (int k = 0; k < 3; k++) off[k] = S[k] + a3c[k];
                apply(&E3, off, moved);
                xn_real q3 = pk1(pk->axis[2], S, off, moved);
                xn_real sol[7] = {t1[i12], t2[i12], q3, t4[i4], q5, q6, q7};
                int ok = 1;
                for (int k = 0; k < 6; k++) sol[k] = wrap(sol[k]);
                if (in_limits)
                    for (int k = 0; k < 7; k++) {
                        /* a range reaching past pi (the Panda's joint 6: up to 3.75) may hold the
                         * angle plus or minus a turn */
                        int qa = pk->qadr[k];
                        xn_real lo = m->q_lower[qa] - 1e-12, hi = m->q_upper[qa] + 1e-12;
                        if (sol[k] < lo && sol[k] + 2 * PI <= hi) sol[k] += 2 * PI;
                        if (sol[k] > hi && sol[k] - 2 * PI >= lo) sol[k] -= 2 * PI;
                        if (sol[k] < lo || sol[k] > hi) ok = 0;
                    }
                if (ok && ns < 8) memcpy(q[ns++], sol, sizeof sol);
            }
            /* when axes 1 and 3 line up (q2 = 0), subproblem 2 still returns an answer: one of
             * the infinitely many; flag it */
            xn_real c13[3], a3now[3];
            for (int k = 0; k < 3; k++) a3now[k] = Hr[k] - S[k];
            cross(pk->axis[0], a3now, c13);
            if (norm(c13) < 1e-9 && flags) *flags |= 1;
        }
    }
    return ns;
}
