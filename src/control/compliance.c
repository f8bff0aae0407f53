/* Compliant control laws (see include/xiaonao/compliance.h). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/dense.h"
#include "model/error_internal.h"
#include "xiaonao/compliance.h"
#include "xiaonao/dynamics.h"

struct xn_compliance {
    int nv;
    xn_real *J;    /* 6 x nv: the point's Jacobian (world-aligned) */
    xn_real *zero; /* nv zeros */
    xn_real *w1, *w2;
};

xn_status xn_compliance_create(const xn_model *m, xn_compliance **out, xn_error *err) {
    *out = NULL;
    xn_compliance *c = calloc(1, sizeof *c);
    if (!c) return xn_fail(err, XN_ERR_NOMEM, "xn_compliance_create", "out of memory");
    size_t n = (size_t)m->nv + 1;
    c->nv = m->nv;
    c->J = calloc(6 * n, sizeof(xn_real));
    c->zero = calloc(n, sizeof(xn_real));
    c->w1 = calloc(n, sizeof(xn_real));
    c->w2 = calloc(n, sizeof(xn_real));
    if (!c->J || !c->zero || !c->w1 || !c->w2) {
        xn_compliance_free(c);
        return xn_fail(err, XN_ERR_NOMEM, "xn_compliance_create", "out of memory");
    }
    *out = c;
    return XN_OK;
}

void xn_compliance_free(xn_compliance *c) {
    if (!c) return;
    free(c->J);
    free(c->zero);
    free(c->w1);
    free(c->w2);
    free(c);
}

void xn_cartesian_law_init(xn_cartesian_law *law, int frame) {
    memset(law, 0, sizeof *law);
    law->frame = frame;
    xn_se3_identity(&law->offset);
    xn_se3_identity(&law->target);
}

/* nle = C qd + g (RNEA at zero acceleration) plus the model's joint damping, cancelled. */
static void model_terms(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *qd,
                        const xn_real *zero, xn_real *tau) {
    xn_dyn_rnea(m, d, q, qd, zero);
    for (int k = 0; k < m->nv; k++) tau[k] = d->tau[k] + m->dof_damping[k] * qd[k];
}

void xn_joint_impedance_shaped(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *qd,
                               const xn_real *q0, const xn_real *K, const xn_real *D,
                               const xn_real *Md, const xn_real *tau_ext, xn_real *tau) {
    /* the closed loop Md qdd + D qd + K (q - q0) = tau_ext per shaped joint: command the
     * acceleration that gives, through the model, less the external torque the arm already
     * feels (tau = M qdd_d + C qd + g - tau_ext) */
    xn_real *acc = d->qdd; /* d's storage: RNEA reads it, writes elsewhere */
    for (int k = 0; k < m->nv; k++) acc[k] = 0;
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nq[b] != 1 || m->body_nv[b] != 1) continue;
        int qa = m->body_qadr[b], va = m->body_vadr[b];
        if (Md[va] > 0)
            acc[va] = (tau_ext[va] - D[va] * qd[va] - K[va] * (q[qa] - q0[qa])) / Md[va];
    }
    model_terms(m, d, q, qd, acc, tau);
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nq[b] != 1 || m->body_nv[b] != 1) continue;
        int qa = m->body_qadr[b], va = m->body_vadr[b];
        if (Md[va] > 0)
            tau[va] -= tau_ext[va];
        else
            tau[va] += K[va] * (q0[qa] - q[qa]) - D[va] * qd[va];
    }
}

void xn_joint_impedance(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *qd,
                        const xn_real *q0, const xn_real *K, const xn_real *D, xn_real *tau) {
    for (int k = 0; k < m->nv; k++) d->qdd[k] = 0; /* a zero acceleration, from d's storage */
    model_terms(m, d, q, qd, d->qdd, tau);
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nq[b] != 1 || m->body_nv[b] != 1) continue;
        int qa = m->body_qadr[b], va = m->body_vadr[b];
        tau[va] += K[va] * (q0[qa] - q[qa]) - D[va] * qd[va];
    }
}

/* The point's pose x, its Jacobian (c->J) and velocity. */
static void point_state(xn_compliance *c, const xn_model *m, xn_data *d, const xn_real *q,
                        const xn_real *qd, const xn_cartesian_law *law, xn_se3 *x, xn_real vel[6]) {
    int nv = m->nv;
    xn_dyn_frame_jacobian_at(m, d, q, law->frame, XN_LOCAL_WORLD_ALIGNED, c->J);
    xn_se3 F;
    xn_dyn_frame_placement(m, d, law->frame, &F);
    xn_se3_mul(x, &F, &law->offset);
    /* the offset point: v = v_frame + w x r, r = R offset.p */
    xn_real r[3];
    for (int i = 0; i < 3; i++)
        r[i] = F.R[3 * i] * law->offset.p[0] + F.R[3 * i + 1] * law->offset.p[1] +
               F.R[3 * i + 2] * law->offset.p[2];
    for (int k = 0; k < nv; k++) {
        xn_real *J = c->J;
        xn_real wx = J[3 * nv + k], wy = J[4 * nv + k], wz = J[5 * nv + k];
        J[k] += wy * r[2] - wz * r[1];
        J[nv + k] += wz * r[0] - wx * r[2];
        J[2 * nv + k] += wx * r[1] - wy * r[0];
    }
    for (int i = 0; i < 6; i++) {
        xn_real s = 0;
        for (int k = 0; k < nv; k++) s += c->J[i * nv + k] * qd[k];
        vel[i] = s;
    }
}

static void pose_error(const xn_se3 *target, const xn_se3 *x, xn_real e[6]) {
    for (int i = 0; i < 3; i++) e[i] = target->p[i] - x->p[i];
    xn_real Re[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            Re[3 * r + c] = target->R[3 * r] * x->R[3 * c] +
                            target->R[3 * r + 1] * x->R[3 * c + 1] +
                            target->R[3 * r + 2] * x->R[3 * c + 2];
    xn_rot_log(Re, e + 3);
}

/* tau += J^T F */
static void add_jt(const xn_compliance *c, int nv, const xn_real F[6], xn_real *tau) {
    for (int k = 0; k < nv; k++) {
        xn_real s = 0;
        for (int i = 0; i < 6; i++) s += c->J[i * nv + k] * F[i];
        tau[k] += s;
    }
}

/* tau += (I - J^T (J J^T + eps I)^-1 J) z, the part of z the task does not see */
static void add_null(xn_compliance *c, int nv, const xn_real *z, xn_real *tau) {
    xn_real A[36], y[6];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            xn_real s = 0;
            for (int k = 0; k < nv; k++) s += c->J[i * nv + k] * c->J[j * nv + k];
            A[6 * i + j] = s + (i == j ? 1e-6 : 0);
        }
    for (int i = 0; i < 6; i++) {
        xn_real s = 0;
        for (int k = 0; k < nv; k++) s += c->J[i * nv + k] * z[k];
        y[i] = s;
    }
    if (xn_chol_factor(A, 6) != XN_OK) return;
    xn_chol_solve(A, 6, y);
    for (int k = 0; k < nv; k++) {
        xn_real s = 0;
        for (int i = 0; i < 6; i++) s += c->J[i * nv + k] * y[i];
        tau[k] += z[k] - s;
    }
}

static void null_terms(const xn_model *m, const xn_real *q, const xn_real *qd,
                       const xn_cartesian_law *law, xn_real *z) {
    for (int k = 0; k < m->nv; k++) z[k] = -law->null_damping * qd[k];
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nq[b] != 1 || m->body_nv[b] != 1) continue;
        int qa = m->body_qadr[b], va = m->body_vadr[b];
        if (law->posture) z[va] += law->null_stiffness * (law->posture[qa] - q[qa]);
    }
}

/* Keep clear of the limits, with priority over the task (added to tau directly: projected into
 * the null space, the push would vanish exactly when the task drives a joint into its limit).
 * Within the margin, a barrier that stiffens toward the limit, K d / (1 - d / margin) for a
 * depth d into the margin, and a damping that blends in with the depth. */
static void limit_terms(const xn_model *m, const xn_real *q, const xn_real *qd,
                        const xn_cartesian_law *law, xn_real *tau) {
    if (!(law->limit_stiffness > 0) || !(law->limit_margin > 0)) return;
    xn_real margin = law->limit_margin;
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nq[b] != 1 || m->body_nv[b] != 1) continue;
        int qa = m->body_qadr[b], va = m->body_vadr[b];
        xn_real below = m->q_lower[qa] + margin - q[qa], above = q[qa] - (m->q_upper[qa] - margin);
        xn_real depth = fmax(below, above);
        if (!(depth > 0) || !isfinite(depth)) continue;
        xn_real frac = fmin(depth / margin, 0.99); /* past the limit: the steepest push */
        xn_real push = law->limit_stiffness * depth / (1 - frac);
        tau[va] += (below > 0 ? push : -push) - law->limit_damping * frac * qd[va];
    }
}

void xn_cartesian_impedance(xn_compliance *c, const xn_model *m, xn_data *d, const xn_real *q,
                            const xn_real *qd, const xn_cartesian_law *law, xn_real *tau,
                            xn_real err[6], xn_real vel[6]) {
    int nv = m->nv;
    xn_se3 x;
    xn_real v[6], e[6], F[6];
    point_state(c, m, d, q, qd, law, &x, v);
    pose_error(&law->target, &x, e);
    for (int i = 0; i < 6; i++) F[i] = law->K[i] * e[i] - law->D[i] * v[i];
    model_terms(m, d, q, qd, c->zero, tau);
    add_jt(c, nv, F, tau);
    null_terms(m, q, qd, law, c->w1);
    add_null(c, nv, c->w1, tau);
    limit_terms(m, q, qd, law, tau);
    /* a damping floor in joint space: near a singularity the task's damping vanishes along the
     * singular direction (J qd ~ 0 there), which the null space does not cover either */
    for (int k = 0; k < nv; k++) tau[k] -= law->joint_damping * qd[k];
    if (err) memcpy(err, e, sizeof e);
    if (vel) memcpy(vel, v, sizeof v);
}

void xn_hand_guiding(xn_compliance *c, const xn_model *m, xn_data *d, const xn_real *q,
                     const xn_real *qd, const xn_cartesian_law *law, xn_real *tau, xn_real vel[6]) {
    int nv = m->nv;
    xn_se3 x;
    xn_real v[6], e[6], F[6];
    point_state(c, m, d, q, qd, law, &x, v);
    pose_error(&law->target, &x, e);
    xn_real speed = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]), scale = 1;
    if (law->speed_limit > 0 && speed > law->speed_limit) /* a steep barrier past the limit */
        scale = fmin(exp(10 * (speed - law->speed_limit) / law->speed_limit), 1e3);
    for (int i = 0; i < 6; i++) {
        F[i] = -law->D[i] * (i < 3 ? scale : 1) * v[i];
        if (law->lock[i]) F[i] += law->K[i] * e[i];
    }
    model_terms(m, d, q, qd, c->zero, tau);
    add_jt(c, nv, F, tau);
    null_terms(m, q, qd, law, c->w1);
    add_null(c, nv, c->w1, tau);
    limit_terms(m, q, qd, law, tau);
    if (vel) memcpy(vel, v, sizeof v);
}

void xn_admittance_step(xn_admittance *a, const xn_real w[6], xn_real dt) {
    for (int i = 0; i < 6; i++) {
        if (!(a->mass[i] > 0)) {
            a->v[i] = a->x[i] = 0;
            continue;
        }
        xn_real acc = (w[i] - a->damping[i] * a->v[i] - a->stiffness[i] * a->x[i]) / a->mass[i];
        a->v[i] += acc * dt;
        a->x[i] += a->v[i] * dt;
    }
}
