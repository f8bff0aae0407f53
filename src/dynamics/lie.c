/* Integration and difference on the configuration manifold: R^n for 1-DoF joints, SE(3) for
 * free joints (velocity in the local frame), SO(3) for ball joints.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "math/spatial_inline.h"
#include "xiaonao/dynamics.h"

/* q = a * b (Hamilton product, w x y z) */
static void quat_mul(const xn_real a[4], const xn_real b[4], xn_real out[4]) {
    xn_real w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
    xn_real x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
    xn_real y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
    xn_real z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
    out[0] = w;
    out[1] = x;
    out[2] = y;
    out[3] = z;
}

static void quat_normalize(xn_real q[4]) {
    xn_real n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if (!(n > 0)) {
        q[0] = 1;
        q[1] = q[2] = q[3] = 0;
        return;
    }
    for (int i = 0; i < 4; i++) q[i] /= n;
}

/* exp of a rotation vector as a unit quaternion */
static void quat_exp(const xn_real w[3], xn_real out[4]) {
    xn_real th = sqrt(xn_v3_dot(w, w));
    xn_real s = th < 1e-8 ? 0.5 - th * th / 48 : sin(th / 2) / th;
    out[0] = cos(th / 2);
    out[1] = s * w[0];
    out[2] = s * w[1];
    out[3] = s * w[2];
}

/* log of a unit quaternion as a rotation vector (shortest rotation) */
static void quat_log(const xn_real q[4], xn_real w[3]) {
    xn_real qq[4] = {q[0], q[1], q[2], q[3]};
    if (qq[0] < 0)
        for (int i = 0; i < 4; i++) qq[i] = -qq[i];
    xn_real n = sqrt(qq[1] * qq[1] + qq[2] * qq[2] + qq[3] * qq[3]);
    xn_real th = 2 * atan2(n, qq[0]);
    xn_real s = n < 1e-8 ? 2 / qq[0] : th / n;
    w[0] = s * qq[1];
    w[1] = s * qq[2];
    w[2] = s * qq[3];
}

/* The left Jacobian V(w) of SO(3): the translation of exp6([v, w]) is V(w) v. */
static void so3_left_jacobian(const xn_real w[3], xn_real V[9]) {
    xn_real th2 = xn_v3_dot(w, w), th = sqrt(th2), a, b;
    if (th < 1e-5) {
        a = 0.5 - th2 / 24;
        b = 1.0 / 6 - th2 / 120;
    } else {
        a = (1 - cos(th)) / th2;
        b = (th - sin(th)) / (th2 * th);
    }
    xn_real W[9] = {0, -w[2], w[1], w[2], 0, -w[0], -w[1], w[0], 0}, W2[9];
    xn_m3_mul(W, W, W2);
    for (int i = 0; i < 9; i++) V[i] = a * W[i] + b * W2[i];
    V[0] += 1;
    V[4] += 1;
    V[8] += 1;
}

/* inverse of the left Jacobian */
static void so3_left_jacobian_inv(const xn_real w[3], xn_real Vi[9]) {
    xn_real th2 = xn_v3_dot(w, w), th = sqrt(th2), c;
    if (th < 1e-5)
        c = 1.0 / 12 + th2 / 720;
    else
        c = (1 - th * sin(th) / (2 * (1 - cos(th)))) / th2;
    xn_real W[9] = {0, -w[2], w[1], w[2], 0, -w[0], -w[1], w[0], 0}, W2[9];
    xn_m3_mul(W, W, W2);
    for (int i = 0; i < 9; i++) Vi[i] = -0.5 * W[i] + c * W2[i];
    Vi[0] += 1;
    Vi[4] += 1;
    Vi[8] += 1;
}

void xn_lie_integrate(const xn_model *m, const xn_real *q, const xn_real *v, xn_real dt,
                      xn_real *qout) {
    for (int b = 1; b < m->nbody; b++) {
        const xn_real *qj = q + m->body_qadr[b], *vj = v + m->body_vadr[b];
        xn_real *qo = qout + m->body_qadr[b];
        switch (m->body_jtype[b]) {
        case XN_JOINT_FREE: {
            xn_real R[9], w[3] = {vj[3] * dt, vj[4] * dt, vj[5] * dt};
            xn_real u[3] = {vj[0] * dt, vj[1] * dt, vj[2] * dt}, V[9], dp[3], Rdp[3];
            xn_quat_to_rot(qj + 3, R);
            so3_left_jacobian(w, V);
            xn_m3_mulv(V, u, dp);
            xn_m3_mulv(R, dp, Rdp);
            xn_real dq[4], qn[4];
            quat_exp(w, dq);
            quat_mul(qj + 3, dq, qn);
            quat_normalize(qn);
            for (int i = 0; i < 3; i++) qo[i] = qj[i] + Rdp[i];
            for (int i = 0; i < 4; i++) qo[3 + i] = qn[i];
            break;
        }
        case XN_JOINT_BALL: {
            xn_real w[3] = {vj[0] * dt, vj[1] * dt, vj[2] * dt}, dq[4], qn[4];
            quat_exp(w, dq);
            quat_mul(qj, dq, qn);
            quat_normalize(qn);
            for (int i = 0; i < 4; i++) qo[i] = qn[i];
            break;
        }
        default: qo[0] = qj[0] + vj[0] * dt; break;
        }
    }
}

void xn_lie_difference(const xn_model *m, const xn_real *q0, const xn_real *q1, xn_real *v) {
    for (int b = 1; b < m->nbody; b++) {
        const xn_real *a = q0 + m->body_qadr[b], *c = q1 + m->body_qadr[b];
        xn_real *vo = v + m->body_vadr[b];
        switch (m->body_jtype[b]) {
        case XN_JOINT_FREE: {
            xn_real qa[4] = {a[3], -a[4], -a[5], -a[6]}, dq[4], w[3], R0[9], dp[3], Rdp[3], Vi[9];
            quat_normalize(qa);
            xn_real qc[4] = {c[3], c[4], c[5], c[6]};
            quat_normalize(qc);
            quat_mul(qa, qc, dq);
            quat_log(dq, w);
            xn_quat_to_rot(a + 3, R0);
            for (int i = 0; i < 3; i++) dp[i] = c[i] - a[i];
            xn_m3_tmulv(R0, dp, Rdp);
            so3_left_jacobian_inv(w, Vi);
            xn_m3_mulv(Vi, Rdp, vo);
            vo[3] = w[0];
            vo[4] = w[1];
            vo[5] = w[2];
            break;
        }
        case XN_JOINT_BALL: {
            xn_real qa[4] = {a[0], -a[1], -a[2], -a[3]}, qc[4] = {c[0], c[1], c[2], c[3]}, dq[4];
            quat_normalize(qa);
            quat_normalize(qc);
            quat_mul(qa, qc, dq);
            quat_log(dq, vo);
            break;
        }
        default: vo[0] = c[0] - a[0]; break;
        }
    }
}

void xn_lie_normalize(const xn_model *m, xn_real *q) {
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_jtype[b] == XN_JOINT_FREE) quat_normalize(q + m->body_qadr[b] + 3);
        if (m->body_jtype[b] == XN_JOINT_BALL) quat_normalize(q + m->body_qadr[b]);
    }
}
