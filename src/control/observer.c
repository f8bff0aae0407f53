/* The generalized-momentum observer for collision detection, isolation and contact-force
 * identification, and the model-torque baseline (see include/xiaonao/observer.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/dense.h"
#include "model/error_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/observer.h"

xn_status xn_observer_create(const xn_model *m, xn_observer **out, xn_error *err) {
    *out = NULL;
    xn_observer *o = calloc(1, sizeof *o);
    if (!o) return xn_fail(err, XN_ERR_NOMEM, "xn_observer_create", "out of memory");
    size_t n = (size_t)m->nv + 1;
    o->nv = m->nv;
    o->gain = calloc(n, sizeof(xn_real));
    o->friction_coulomb = calloc(n, sizeof(xn_real));
    o->friction_viscous = calloc(n, sizeof(xn_real));
    o->threshold = calloc(n, sizeof(xn_real));
    o->threshold_speed = calloc(n, sizeof(xn_real));
    o->isolation_level = calloc(n, sizeof(xn_real));
    o->p_hat = calloc(n, sizeof(xn_real));
    o->r = calloc(n, sizeof(xn_real));
    o->work = calloc(3 * n, sizeof(xn_real));
    o->work2 = calloc(((size_t)m->nq + 1) * 2, sizeof(xn_real));
    o->over = calloc(n, sizeof(int));
    if (!o->over || !o->gain || !o->friction_coulomb || !o->friction_viscous || !o->threshold ||
        !o->threshold_speed || !o->isolation_level || !o->p_hat || !o->r || !o->work || !o->work2) {
        xn_observer_free(o);
        return xn_fail(err, XN_ERR_NOMEM, "xn_observer_create", "out of memory");
    }
    for (int k = 0; k < m->nv; k++) {
        o->gain[k] = 100;
        o->threshold[k] = 5;
        o->isolation_level[k] = 0.3;
    }
    o->friction_smoothing = 0.01;
    o->persistence = 1;
    *out = o;
    return XN_OK;
}

void xn_observer_free(xn_observer *o) {
    if (!o) return;
    free(o->gain);
    free(o->friction_coulomb);
    free(o->friction_viscous);
    free(o->threshold);
    free(o->threshold_speed);
    free(o->isolation_level);
    free(o->p_hat);
    free(o->r);
    free(o->work);
    free(o->work2);
    free(o->over);
    free(o);
}

void xn_observer_reset(xn_observer *o) {
    o->started = 0;
    for (int k = 0; k < o->nv; k++) {
        o->r[k] = 0;
        o->over[k] = 0;
    }
}

/* The joint torques the observer counts as known: tau, less friction when tau is the motor's,
 * less the model's viscous joint damping. */
static void known_torque(const xn_observer *o, const xn_model *m, const xn_real *qd,
                         const xn_real *tau, int motor, xn_real *out) {
    for (int k = 0; k < m->nv; k++) {
        xn_real t = tau[k] - m->dof_damping[k] * qd[k];
        if (motor)
            t -= o->friction_coulomb[k] * tanh(qd[k] / o->friction_smoothing) +
                 o->friction_viscous[k] * qd[k];
        out[k] = t;
    }
}

/* The threshold grows with the joint's speed and with the torque acting on it (what the
 * model's errors scale with). */
static int over_threshold(const xn_observer *o, int k, xn_real val, const xn_real *qd,
                          const xn_real *tau) {
    return fabs(val) > o->threshold[k] + o->threshold_speed[k] * fabs(qd[k]) +
                           o->threshold_model * fabs(tau[k]);
}

static int count_over(const xn_observer *o, const xn_real *val, const xn_real *qd,
                      const xn_real *tau) {
    int n = 0;
    for (int k = 0; k < o->nv; k++) n += over_threshold(o, k, val[k], qd, tau);
    return n;
}

int xn_observer_step(xn_observer *o, const xn_model *m, xn_data *d, const xn_real *q,
                     const xn_real *qd, const xn_real *tau, int motor, xn_real dt) {
    int nv = m->nv, nq = m->nq;
    xn_real *qp = o->work2, *qm = o->work2 + nq, *mdot_qd = o->work;
    /* Mdot qd by a central difference of M along qd (two CRBAs, 1e-6 s apart each way) */
    const xn_real h = 1e-6;
    xn_lie_integrate(m, q, qd, h, qp);
    xn_lie_integrate(m, q, qd, -h, qm);
    xn_dyn_crba(m, d, qp);
    for (int i = 0; i < nv; i++) {
        xn_real s = 0;
        for (int j = 0; j < nv; j++) s += d->M[i * nv + j] * qd[j];
        mdot_qd[i] = s;
    }
    xn_dyn_crba(m, d, qm);
    for (int i = 0; i < nv; i++) {
        xn_real s = 0;
        for (int j = 0; j < nv; j++) s += d->M[i * nv + j] * qd[j];
        mdot_qd[i] = (mdot_qd[i] - s) / (2 * h);
    }
    /* the momentum p = M(q) qd */
    xn_dyn_crba(m, d, q);
    xn_real *p = o->work + nv, *t = o->work + 2 * nv;
    for (int i = 0; i < nv; i++) {
        xn_real s = 0;
        for (int j = 0; j < nv; j++) s += d->M[i * nv + j] * qd[j];
        p[i] = s;
    }
    if (!o->started) { /* start from the momentum seen: no external torque assumed at start */
        for (int i = 0; i < nv; i++) {
            o->p_hat[i] = p[i];
            o->r[i] = 0;
        }
        o->started = 1;
        return 0;
    }
    xn_dyn_nle(m, d, q, qd);
    known_torque(o, m, qd, tau, motor, t);
    for (int i = 0; i < nv; i++) {
        /* dp/dt = tau - n + Mdot qd + tau_ext; the estimate integrates all but tau_ext, plus r */
        o->p_hat[i] += dt * (t[i] - d->nle[i] + mdot_qd[i] + o->r[i]);
        o->r[i] = o->gain[i] * (p[i] - o->p_hat[i]);
    }
    /* a joint counts once it has been over for `persistence` cycles in a row: a contact's
     * residual grows over milliseconds, sensor noise flickers */
    int n = 0;
    for (int k = 0; k < nv; k++) {
        o->over[k] = over_threshold(o, k, o->r[k], qd, t) ? o->over[k] + 1 : 0;
        n += o->over[k] >= o->persistence;
    }
    return n;
}

int xn_observer_isolate(const xn_observer *o, const xn_model *m, const xn_real *qd) {
    int last = -1;
    (void)qd;
    for (int k = 0; k < m->nv; k++)
        if (fabs(o->r[k]) > o->isolation_level[k]) last = k;
    return last;
}

xn_status xn_observer_contact_force(const xn_observer *o, const xn_model *m, xn_data *d,
                                    const xn_real *q, int b, const xn_real point[3],
                                    xn_real force[3]) {
    int nv = m->nv;
    xn_dyn_joint_jacobians(m, d, q);
    /* the point's linear Jacobian, v = v0 + w x p, over the DoFs that move b; A = Jp Jp^T,
     * y = Jp r */
    xn_real A[9] = {0}, y[3] = {0};
    for (int k = 0; k < nv; k++) {
        int moves = 0;
        for (int x = b; x > 0 && !moves; x = m->body_parent[x]) moves = m->dof_body[k] == x;
        if (!moves) continue;
        xn_real c[6]; /* column k: linear (3), angular (3), at the world origin */
        for (int r = 0; r < 6; r++) c[r] = d->Jw[r * nv + k];
        xn_real col[3] = {c[0] + c[4] * point[2] - c[5] * point[1],
                          c[1] + c[5] * point[0] - c[3] * point[2],
                          c[2] + c[3] * point[1] - c[4] * point[0]};
        for (int i = 0; i < 3; i++) {
            y[i] += col[i] * o->r[k];
            for (int j = 0; j < 3; j++) A[3 * i + j] += col[i] * col[j];
        }
    }
    xn_real tr = A[0] + A[4] + A[8];
    if (!(tr > 0) || xn_chol_factor(A, 3) != XN_OK || A[8] * A[8] < 1e-12 * tr)
        return XN_ERR_NUMERIC;
    memcpy(force, y, sizeof y);
    xn_chol_solve(A, 3, force);
    return XN_OK;
}

int xn_collision_baseline(const xn_observer *o, const xn_model *m, xn_data *d, const xn_real *q,
                          const xn_real *qd, const xn_real *qdd_ref, const xn_real *tau, int motor,
                          xn_real *diff) {
    xn_dyn_rnea(m, d, q, qd, qdd_ref);
    known_torque(o, m, qd, tau, motor, diff);
    for (int k = 0; k < m->nv; k++) diff[k] -= d->tau[k];
    return count_over(o, diff, qd, d->tau);
}
