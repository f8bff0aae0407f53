/* The floating base's state from the IMU and the legs' kinematics (see estimator.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/estimator.h"

#include "model/error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/spatial_inline.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

struct xn_base_estimator {
    const xn_model *m;
    xn_data *d;
    int nfeet;
    int frame[XN_ESTIMATOR_MAX_FEET];
    xn_real anchor[XN_ESTIMATOR_MAX_FEET][3]; /* the stance feet's contact points, world */
    unsigned char was_stance[XN_ESTIMATOR_MAX_FEET];
    /* soles (optional): corners in the foot frame, and which point of the foot is anchored */
    int has_sole[XN_ESTIMATOR_MAX_FEET];
    xn_real corner[XN_ESTIMATOR_MAX_FEET][4][3];
    xn_real contact[XN_ESTIMATOR_MAX_FEET][3]; /* the anchored point, in the foot frame */
    xn_real *J, *qtmp;
    xn_real slip; /* at the last update: how far apart the stance feet put the base */
    /* the orientation's complementary filter (xn_base_estimator_set_orientation_filter) */
    xn_real filter_alpha, filter_dt; /* alpha 0: off */
    xn_real quat[4];                 /* the filtered orientation (w, x, y, z) */
    int have_quat;
};

/* A foot whose lowest and highest corners differ by more than this stands on an edge or a
 * corner (0.2 degree over a 15 cm sole), not flat. A low threshold costs nothing: while the sole
 * is flat every point of it stands still, the lowest edge too. */
#define XN_TILT_HEIGHT 0.0005

/* rad: the stance feet's estimates are averaged with the weights 1 / (1 + (tilt / this)^2): a
 * sole tilted by 2 degrees counts a quarter as much as a flat one. Feet tilted alike (a slope, the
 * whole robot tipping) keep equal weights. */
#define XN_TILT_WEIGHT 0.02

xn_status xn_base_estimator_create(const xn_model *m, int nfeet, const int *foot_frame,
                                   xn_base_estimator **out, xn_error *err) {
    static const char *const fn = "xn_base_estimator_create";
    *out = NULL;
    if (m->nbody < 2 || m->body_nv[1] != 6)
        return xn_fail(err, XN_ERR_INVALID, fn, "the model's first joint is not a free joint");
    if (nfeet < 1 || nfeet > XN_ESTIMATOR_MAX_FEET)
        return xn_fail(err, XN_ERR_RANGE, fn, "nfeet %d (1 to %d)", nfeet, XN_ESTIMATOR_MAX_FEET);
    for (int f = 0; f < nfeet; f++)
        if (foot_frame[f] < 0 || foot_frame[f] >= m->nframe)
            return xn_fail(err, XN_ERR_RANGE, fn, "foot_frame[%d] %d (the model has %d frames)", f,
                           foot_frame[f], m->nframe);
    xn_base_estimator *e = calloc(1, sizeof *e);
    if (!e) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    e->m = m;
    e->nfeet = nfeet;
    memcpy(e->frame, foot_frame, (size_t)nfeet * sizeof(int));
    e->d = xn_data_create(m);
    e->J = calloc(6 * (size_t)m->nv, sizeof(xn_real));
    e->qtmp = calloc((size_t)m->nq, sizeof(xn_real));
    if (!e->d || !e->J || !e->qtmp) {
        xn_base_estimator_free(e);
        return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    }
    *out = e;
    return XN_OK;
}

void xn_base_estimator_free(xn_base_estimator *e) {
    if (!e) return;
    xn_data_free(e->d);
    free(e->J);
    free(e->qtmp);
    free(e);
}

void xn_base_estimator_set_sole(xn_base_estimator *e, int foot, const xn_real corners[4][3]) {
    if (foot < 0 || foot >= e->nfeet) return;
    e->has_sole[foot] = corners != NULL;
    if (corners) memcpy(e->corner[foot], corners, sizeof e->corner[foot]);
}

/* The point of the foot that bears on the ground, in the foot frame: the sole frame's origin
 * while the sole is flat, else its lowest corner, or the middle of its lowest edge. */
static void contact_point(const xn_base_estimator *e, int f, const xn_se3 *F, xn_real pt[3]) {
    pt[0] = pt[1] = pt[2] = 0;
    if (!e->has_sole[f]) return;
    xn_real z[4], lo = INFINITY, hi = -INFINITY;
    int low = 0;
    for (int k = 0; k < 4; k++) {
        const xn_real *c = e->corner[f][k];
        z[k] = F->R[6] * c[0] + F->R[7] * c[1] + F->R[8] * c[2];
        if (z[k] < lo) lo = z[k], low = k;
        if (z[k] > hi) hi = z[k];
    }
    if (hi - lo <= XN_TILT_HEIGHT) return;
    int n = 0;
    for (int k = 0; k < 4; k++)
        if (z[k] - lo <= XN_TILT_HEIGHT / 2) { /* the corners on the lowest edge */
            for (int a = 0; a < 3; a++) pt[a] += e->corner[f][k][a];
            n++;
        }
    if (n == 0) memcpy(pt, e->corner[f][low], 3 * sizeof(xn_real)), n = 1;
    for (int a = 0; a < 3; a++) pt[a] /= n;
}

/* the feet's contact points' world positions with the base at the origin (orientation and
 * joints from q); point[f] is the contact point in foot f's frame, tilt[f] (rad) the sole's tilt
 * from the horizontal */
static void relative_feet(xn_base_estimator *e, const xn_real *q, xn_real rel[][3],
                          xn_real point[][3], xn_real *tilt) {
    memcpy(e->qtmp, q, (size_t)e->m->nq * sizeof(xn_real));
    e->qtmp[0] = e->qtmp[1] = e->qtmp[2] = 0;
    xn_dyn_fk(e->m, e->d, e->qtmp);
    for (int f = 0; f < e->nfeet; f++) {
        xn_se3 F;
        xn_dyn_frame_placement(e->m, e->d, e->frame[f], &F);
        contact_point(e, f, &F, point[f]);
        tilt[f] = acos(F.R[8] > 1 ? 1 : F.R[8] < -1 ? -1 : F.R[8]);
        xn_se3_apply(&F, point[f], rel[f]);
    }
}

void xn_base_estimator_reset(xn_base_estimator *e, const xn_real *q, const xn_real position[3]) {
    xn_real rel[XN_ESTIMATOR_MAX_FEET][3], pt[XN_ESTIMATOR_MAX_FEET][3],
        tilt[XN_ESTIMATOR_MAX_FEET];
    relative_feet(e, q, rel, pt, tilt);
    e->have_quat = 0; /* the filter starts again from the next orientation */
    for (int f = 0; f < e->nfeet; f++) {
        for (int a = 0; a < 3; a++) e->anchor[f][a] = position[a] + rel[f][a];
        memcpy(e->contact[f], pt[f], sizeof e->contact[f]);
        e->was_stance[f] = 1;
    }
}

xn_status xn_base_estimator_set_orientation_filter(xn_base_estimator *e, xn_real time_constant,
                                                   xn_real dt, xn_error *err) {
    static const char *const fn = "xn_base_estimator_set_orientation_filter";
    if (!(time_constant >= 0) || !isfinite(time_constant))
        return xn_fail(err, XN_ERR_RANGE, fn, "time_constant %g (>= 0, s)", time_constant);
    if (time_constant > 0 && (!(dt > 0) || !isfinite(dt)))
        return xn_fail(err, XN_ERR_RANGE, fn, "dt %g (> 0, s)", dt);
    e->filter_alpha = time_constant > 0 ? dt / (time_constant + dt) : 0;
    e->filter_dt = dt;
    e->have_quat = 0;
    return XN_OK;
}

/* a b (Hamilton product, w x y z) */
static void quat_mul(const xn_real a[4], const xn_real b[4], xn_real out[4]) {
    xn_real o[4] = {a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
                    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
                    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
                    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0]};
    memcpy(out, o, sizeof o);
}

/* q exp(r / 2) normalized: q turned by the rotation vector r in its own (body) axes */
static void quat_turn(xn_real q[4], const xn_real r[3]) {
    xn_real a = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    xn_real c = cos(a / 2), k = a > 1e-12 ? sin(a / 2) / a : 0.5;
    xn_real d[4] = {c, k * r[0], k * r[1], k * r[2]};
    quat_mul(q, d, q);
    xn_real n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    for (int i = 0; i < 4; i++) q[i] /= n;
}

/* The filtered orientation into q[3..6]: the last one turned by the gyro over dt (the
 * prediction, smooth but drifting with the gyro's bias), then pulled toward the IMU's by the
 * fraction alpha of their difference (the correction, unbiased but noisy): white noise on the
 * IMU's orientation is averaged over the time constant, a gyro bias b leaves b x time_constant. */
static void filter_orientation(xn_base_estimator *e, xn_real *q, const xn_real gyro[3]) {
    xn_real *meas = q + 3;
    if (!e->have_quat || !isfinite(e->quat[0])) {
        memcpy(e->quat, meas, sizeof e->quat);
        e->have_quat = 1;
        return;
    }
    xn_real r[3] = {gyro[0] * e->filter_dt, gyro[1] * e->filter_dt, gyro[2] * e->filter_dt};
    quat_turn(e->quat, r);
    /* the measurement relative to the prediction, as a rotation vector in body axes */
    xn_real inv[4] = {e->quat[0], -e->quat[1], -e->quat[2], -e->quat[3]}, dq[4];
    quat_mul(inv, meas, dq);
    if (dq[0] < 0)
        for (int i = 0; i < 4; i++) dq[i] = -dq[i]; /* the short way round */
    xn_real sn = sqrt(dq[1] * dq[1] + dq[2] * dq[2] + dq[3] * dq[3]);
    xn_real angle = 2 * atan2(sn, dq[0]), k = sn > 1e-12 ? angle / sn : 2;
    xn_real c[3] = {e->filter_alpha * k * dq[1], e->filter_alpha * k * dq[2],
                    e->filter_alpha * k * dq[3]};
    quat_turn(e->quat, c);
    memcpy(meas, e->quat, sizeof e->quat);
}

void xn_base_estimator_update(xn_base_estimator *e, xn_real *q, xn_real *v, const xn_real gyro[3],
                              const unsigned char *stance) {
    const xn_model *m = e->m;
    if (e->filter_alpha > 0) filter_orientation(e, q, gyro);
    int nv = m->nv;
    xn_real rel[XN_ESTIMATOR_MAX_FEET][3], pt[XN_ESTIMATOR_MAX_FEET][3],
        tilt[XN_ESTIMATOR_MAX_FEET];
    xn_real pos[3] = {0, 0, 0}, vel[3] = {0, 0, 0}, R[9];
    memcpy(v + 3, gyro, 3 * sizeof(xn_real));
    xn_quat_to_rot(q + 3, R);
    relative_feet(e, q, rel, pt, tilt);
    int n = 0;
    xn_real each[XN_ESTIMATOR_MAX_FEET][3], wsum = 0;
    for (int f = 0; f < e->nfeet; f++) {
        int on = !stance || stance[f];
        int moved = memcmp(pt[f], e->contact[f], sizeof pt[f]) != 0;
        /* touchdown, or the foot rolls onto another edge: anchor the new contact point where
         * the present estimate puts it, so that the base does not jump */
        if (on && (!e->was_stance[f] || moved))
            for (int a = 0; a < 3; a++) e->anchor[f][a] = q[a] + rel[f][a];
        memcpy(e->contact[f], pt[f], sizeof pt[f]);
        e->was_stance[f] = (unsigned char)on;
        if (!on) continue;
        /* a foot that tilts is rolling or being lifted: what it says of the base is the less
         * sure, so the flat feet outweigh it */
        xn_real tr = tilt[f] / XN_TILT_WEIGHT, w = 1 / (1 + tr * tr);
        wsum += w;
        for (int a = 0; a < 3; a++) {
            each[n][a] = e->anchor[f][a] - rel[f][a];
            pos[a] += w * each[n][a];
        }
        n++;
        /* the contact point stands still: R v_lin + (the rest of its Jacobian) (w, qd) = 0 */
        memcpy(e->qtmp, q, (size_t)m->nq * sizeof(xn_real));
        xn_dyn_frame_jacobian_at(m, e->d, e->qtmp, e->frame[f], XN_LOCAL_WORLD_ALIGNED, e->J);
        xn_se3 F;
        xn_dyn_frame_placement(m, e->d, e->frame[f], &F);
        xn_real r[3]; /* from the frame's origin to the contact point, world axes */
        for (int a = 0; a < 3; a++)
            r[a] = F.R[3 * a] * pt[f][0] + F.R[3 * a + 1] * pt[f][1] + F.R[3 * a + 2] * pt[f][2];
        xn_real rest[3] = {0, 0, 0};
        for (int k = 3; k < nv; k++) {
            const xn_real *Jl = e->J, *Ja = e->J + 3 * nv; /* v_p = v_o + w x r */
            xn_real wx = Ja[k], wy = Ja[nv + k], wz = Ja[2 * nv + k];
            rest[0] += (Jl[k] + wy * r[2] - wz * r[1]) * v[k];
            rest[1] += (Jl[nv + k] + wz * r[0] - wx * r[2]) * v[k];
            rest[2] += (Jl[2 * nv + k] + wx * r[1] - wy * r[0]) * v[k];
        }
        for (int a = 0; a < 3; a++) /* v_lin = -R' rest */
            vel[a] -= w * (R[a] * rest[0] + R[3 + a] * rest[1] + R[6 + a] * rest[2]);
    }
    e->slip = 0;
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++) {
            xn_real d = hypot(hypot(each[i][0] - each[k][0], each[i][1] - each[k][1]),
                              each[i][2] - each[k][2]);
            if (d > e->slip) e->slip = d;
        }
    if (n == 0) return; /* no foot on the ground: keep the last position (flight) */
    for (int a = 0; a < 3; a++) {
        q[a] = pos[a] / wsum;
        v[a] = vel[a] / wsum;
    }
}

xn_real xn_base_estimator_slip(const xn_base_estimator *e) { return e->slip; }
