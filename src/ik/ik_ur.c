/* Closed-form IK of UR-type 6R arms, derived from the model's own geometry rather than from a
 * table of DH parameters, so that any frame convention (URDF, MJCF, zero offsets, axis signs)
 * works. The structure used: axes 2-4 parallel (direction n, which only joint 1 turns), so every
 * point's component along n is fixed by joint 1 alone; axes 4 and 5 meet, axes 5 and 6 meet.
 *   1. The 5-6 meeting point p5 and axis 6 come from the target. n(q1) . (p5 - p1) is the arm's
 *      constant offset: two q1.
 *   2. Axis 5 is perpendicular to n and to axis 6: two directions (the wrist flip).
 *   3. The 4-5 meeting point follows; joints 2 and 3 are a planar two-link problem in the plane
 *      across n: two elbows.
 *   4. Each angle is then the signed angle, about its axis, between where a vector points with
 *      that joint at zero and where it must point.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ik/ik_internal.h"
#include "model/error_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/ik.h"

#define PI 3.14159265358979323846
#define GEOM_TOL 1e-9 /* structural checks (unit vectors, metres) */

static xn_real dot(const xn_real a[3], const xn_real b[3]) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
static void cross(const xn_real a[3], const xn_real b[3], xn_real out[3]) {
    xn_real c0 = a[1] * b[2] - a[2] * b[1], c1 = a[2] * b[0] - a[0] * b[2],
            c2 = a[0] * b[1] - a[1] * b[0];
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
}
static void sub(const xn_real a[3], const xn_real b[3], xn_real out[3]) {
    for (int i = 0; i < 3; i++) out[i] = a[i] - b[i];
}
static xn_real norm(const xn_real a[3]) { return sqrt(dot(a, a)); }
/* the component of x across the unit vector n */
static void across(const xn_real n[3], const xn_real x[3], xn_real out[3]) {
    xn_real k = dot(n, x);
    for (int i = 0; i < 3; i++) out[i] = x[i] - k * n[i];
}
static void rotate(const xn_real axis[3], xn_real angle, const xn_real x[3], xn_real out[3]) {
    xn_real R[9];
    xn_rot_axis_angle(axis, angle, R);
    xn_real y[3];
    for (int r = 0; r < 3; r++) y[r] = R[3 * r] * x[0] + R[3 * r + 1] * x[1] + R[3 * r + 2] * x[2];
    memcpy(out, y, sizeof y);
}
static void mat_vec(const xn_real R[9], const xn_real x[3], xn_real out[3]) {
    xn_real y[3];
    for (int r = 0; r < 3; r++) y[r] = R[3 * r] * x[0] + R[3 * r + 1] * x[1] + R[3 * r + 2] * x[2];
    memcpy(out, y, sizeof y);
}
static void mat_t_vec(const xn_real R[9], const xn_real x[3], xn_real out[3]) {
    xn_real y[3];
    for (int c = 0; c < 3; c++) y[c] = R[c] * x[0] + R[3 + c] * x[1] + R[6 + c] * x[2];
    memcpy(out, y, sizeof y);
}
/* The angle about unit axis that turns `from` toward `to` (both taken across the axis). */
static xn_real signed_angle(const xn_real from[3], const xn_real to[3], const xn_real axis[3]) {
    xn_real c[3];
    cross(from, to, c);
    return atan2(dot(axis, c), dot(from, to) - dot(from, axis) * dot(to, axis));
}
static xn_real wrap(xn_real a) {
    while (a > PI) a -= 2 * PI;
    while (a <= -PI) a += 2 * PI;
    return a;
}

/* Closest points of two lines (p + s a, q + t b); returns their distance, the midpoint in mid. */
static xn_real line_meet(const xn_real p[3], const xn_real a[3], const xn_real q[3],
                         const xn_real b[3], xn_real mid[3]) {
    xn_real w[3], ab = dot(a, b);
    sub(p, q, w);
    xn_real den = 1 - ab * ab;
    if (den < 1e-12) return INFINITY; /* parallel */
    xn_real s = (ab * dot(b, w) - dot(a, w)) / den, t = (dot(b, w) - ab * dot(a, w)) / den;
    xn_real x[3], y[3];
    for (int i = 0; i < 3; i++) {
        x[i] = p[i] + s * a[i];
        y[i] = q[i] + t * b[i];
        mid[i] = 0.5 * (x[i] + y[i]);
    }
    xn_real d[3];
    sub(x, y, d);
    return norm(d);
}

static xn_status fail(xn_error *err, const xn_model *m, const char *msg) {
    return xn_fail(err, XN_ERR_INVALID, m->name ? m->name : "model", "not a UR-type arm: %s", msg);
}

/* The reference geometry at q = 0 (all joints zero). */
typedef struct {
    xn_real a[6][3], p[6][3]; /* axes and points on them, world */
} chain;

xn_status xn_ik_ur_init(const xn_model *m, int frame, xn_ik_ur *ur, xn_error *err) {
    memset(ur, 0, sizeof *ur);
    if (frame < 0 || frame >= m->nframe) return fail(err, m, "no such frame");
    ur->m = m;
    ur->frame = frame;
    int n = 0, path[64];
    for (int b = m->frame_body[frame]; b > 0 && n < 64; b = m->body_parent[b])
        if (m->body_nv[b] > 0) path[n++] = b;
    if (n != 6) return fail(err, m, "the frame is not moved by exactly six joints");
    for (int i = 0; i < 6; i++) {
        int b = path[5 - i];
        if (m->body_jtype[b] != XN_JOINT_REVOLUTE && m->body_jtype[b] != XN_JOINT_CONTINUOUS)
            return fail(err, m, "the six joints must be revolute");
        ur->body[i] = b;
        ur->qadr[i] = m->body_qadr[b];
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
    chain c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < 6; i++) {
        const xn_se3 *X = &d->oMi[ur->body[i]];
        mat_vec(X->R, &m->body_axis[3 * ur->body[i]], c.a[i]);
        memcpy(c.p[i], X->p, sizeof c.p[i]);
    }
    xn_se3 tip = d->oMi[ur->body[5]];
    xn_data_free(d);
    memcpy(ur->axis0, c.a, sizeof ur->axis0);
    memcpy(ur->point0, c.p, sizeof ur->point0);
    ur->tip0 = tip;
    xn_real t[3], p45[3], p56[3];
    cross(c.a[1], c.a[2], t);
    xn_real par23 = norm(t);
    cross(c.a[1], c.a[3], t);
    if (par23 > GEOM_TOL || norm(t) > GEOM_TOL)
        return fail(err, m, "axes 2, 3 and 4 must be parallel");
    if (fabs(dot(c.a[0], c.a[1])) > GEOM_TOL)
        return fail(err, m, "axis 1 must be perpendicular to axes 2-4");
    if (fabs(dot(c.a[3], c.a[4])) > GEOM_TOL ||
        line_meet(c.p[3], c.a[3], c.p[4], c.a[4], p45) > GEOM_TOL)
        return fail(err, m, "axes 4 and 5 must meet at a right angle");
    if (fabs(dot(c.a[4], c.a[5])) > GEOM_TOL ||
        line_meet(c.p[4], c.a[4], c.p[5], c.a[5], p56) > GEOM_TOL)
        return fail(err, m, "axes 5 and 6 must meet at a right angle");
    memcpy(ur->a1, c.a[0], sizeof ur->a1);
    memcpy(ur->p1, c.p[0], sizeof ur->p1);
    memcpy(ur->n0, c.a[1], sizeof ur->n0);
    xn_real w[3];
    sub(p56, c.p[0], w);
    ur->offset = dot(ur->n0, w);
    sub(c.p[2], c.p[1], w);
    across(ur->n0, w, t);
    ur->l23 = norm(t);
    sub(p45, c.p[2], w);
    across(ur->n0, w, t);
    ur->l34 = norm(t);
    sub(p56, p45, w);
    ur->l45 = dot(c.a[4], w);
    if (ur->l23 < GEOM_TOL || ur->l34 < GEOM_TOL)
        return fail(err, m, "a planar link has no length");
    /* the tip body's own view of the 5-6 meeting point and axis 6 */
    sub(p56, tip.p, w);
    mat_t_vec(tip.R, w, ur->p56_tip);
    mat_t_vec(tip.R, c.a[5], ur->a6_tip);
    ur->frame_in_tip = m->frame_placement[frame];
    if (m->frame_body[frame] != ur->body[5])
        return fail(err, m, "the frame must be on the last body");
    return XN_OK;
}

int xn_ik_ur_solve(const xn_ik_ur *ur, const xn_se3 *target, xn_real q[8][6], int *flags) {
    if (flags) *flags = 0;
    for (int i = 0; i < 9; i++)
        if (!isfinite(target->R[i])) return 0;
    for (int i = 0; i < 3; i++)
        if (!isfinite(target->p[i])) return 0;
    const xn_real(*a0)[3] = ur->axis0, (*p0)[3] = ur->point0;
    const xn_se3 tip0 = ur->tip0;
    xn_real s3 = dot(a0[2], ur->n0) > 0 ? 1 : -1, s4 = dot(a0[3], ur->n0) > 0 ? 1 : -1;
    /* the tip body's pose and the wrist point */
    xn_se3 inv, tip;
    xn_se3_inv(&inv, &ur->frame_in_tip);
    xn_se3_mul(&tip, target, &inv);
    xn_real a6[3], p5[3];
    mat_vec(tip.R, ur->a6_tip, a6);
    mat_vec(tip.R, ur->p56_tip, p5);
    for (int i = 0; i < 3; i++) p5[i] += tip.p[i];
    /* a reference direction across axis 6 in the tip body: its frame axis least aligned with it */
    int ax = 0;
    for (int k = 1; k < 3; k++)
        if (fabs(ur->a6_tip[k]) < fabs(ur->a6_tip[ax])) ax = k;
    xn_real e_tip[3] = {0, 0, 0}, e0[3], e_goal[3];
    e_tip[ax] = 1;
    mat_vec(tip0.R, e_tip, e0);
    mat_vec(tip.R, e_tip, e_goal);

    /* 1. joint 1 */
    xn_real w[3], b1[3];
    sub(p5, ur->p1, w);
    cross(ur->a1, ur->n0, b1);
    xn_real A = dot(ur->n0, w), B = dot(b1, w), R = sqrt(A * A + B * B);
    if (R < fabs(ur->offset) || R == 0) return 0; /* too close to axis 1 */
    xn_real phi = atan2(B, A), alpha = acos(fmax(-1, fmin(1, ur->offset / R)));
    int ns = 0;
    for (int i1 = 0; i1 < 2; i1++) {
        if (i1 == 1 && alpha == 0) break; /* one q1 only */
        xn_real q1 = phi + (i1 ? -alpha : alpha);
        xn_real n[3], u[3], p2[3];
        rotate(ur->a1, q1, ur->n0, n);
        sub(p0[1], ur->p1, w);
        rotate(ur->a1, q1, w, p2);
        for (int i = 0; i < 3; i++) p2[i] += ur->p1[i];
        /* 2. axis 5: across n and across axis 6 */
        cross(n, a6, u);
        xn_real un = norm(u);
        int singular = un < 1e-10;
        if (singular) {
            if (flags) *flags |= 1;
            sub(p5, p2, w);
            across(n, w, u);
            un = norm(u);
            if (un < 1e-12) { /* any direction across n */
                xn_real t[3] = {1, 0, 0};
                if (fabs(n[0]) > 0.9) t[0] = 0, t[1] = 1;
                across(n, t, u);
                un = norm(u);
            }
        }
        for (int i5 = 0; i5 < 2; i5++) {
            if (singular && i5 == 1) break;
            xn_real a5[3], p45[3];
            for (int i = 0; i < 3; i++) {
                a5[i] = (i5 ? -u[i] : u[i]) / un;
                p45[i] = p5[i] - ur->l45 * a5[i];
            }
            /* 3. the planar two-link problem across n */
            xn_real dvec[3];
            sub(p45, p2, w);
            across(n, w, dvec);
            xn_real D = norm(dvec);
            if (D < 1e-12) continue;
            xn_real cb = (ur->l23 * ur->l23 + D * D - ur->l34 * ur->l34) / (2 * ur->l23 * D);
            if (cb > 1 + 1e-12 || cb < -1 - 1e-12) continue; /* out of reach */
            xn_real beta = acos(fmax(-1, fmin(1, cb)));
            for (int ie = 0; ie < 2; ie++) {
                if (ie == 1 && beta == 0) break;
                xn_real u23[3], v34[3], r[3];
                rotate(n, ie ? -beta : beta, dvec, u23);
                for (int i = 0; i < 3; i++) u23[i] *= ur->l23 / D;
                for (int i = 0; i < 3; i++) v34[i] = dvec[i] - u23[i];
                xn_real *qs = q[ns];
                qs[0] = q1;
                /* joint 2: axis 2 -> axis 3, turned by q1 only at q2 = 0 */
                sub(p0[2], p0[1], w);
                rotate(ur->a1, q1, w, r);
                across(n, r, r);
                qs[1] = signed_angle(r, u23, n);
                /* joint 3: axis 3 -> the 4-5 point */
                xn_real p45_0[3];
                line_meet(p0[3], a0[3], p0[4], a0[4], p45_0);
                sub(p45_0, p0[2], w);
                rotate(ur->a1, q1, w, r);
                rotate(n, qs[1], r, r);
                across(n, r, r);
                qs[2] = s3 * signed_angle(r, v34, n);
                /* joint 4: axis 5's direction */
                xn_real turn = qs[1] + s3 * qs[2];
                rotate(ur->a1, q1, a0[4], r);
                rotate(n, turn, r, r);
                qs[3] = s4 * signed_angle(r, a5, n);
                turn += s4 * qs[3];
                /* joint 5: axis 6's direction, about axis 5 */
                rotate(ur->a1, q1, a0[5], r);
                rotate(n, turn, r, r);
                qs[4] = signed_angle(r, a6, a5);
                /* joint 6: a direction across axis 6, about axis 6 */
                rotate(ur->a1, q1, e0, r);
                rotate(n, turn, r, r);
                rotate(a5, qs[4], r, r);
                qs[5] = signed_angle(r, e_goal, a6);
                for (int k = 0; k < 6; k++) qs[k] = wrap(qs[k]);
                ns++;
            }
        }
    }
    return ns;
}
