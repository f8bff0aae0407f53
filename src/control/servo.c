/* Joint-space servo laws: computed torque (the model cancels the dynamics), PD with gravity
 * compensation, plain PID.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>

#include "model/error_internal.h"
#include "xiaonao/control.h"
#include "xiaonao/dynamics.h"

xn_status xn_servo_create(const xn_model *m, xn_servo **out, xn_error *err) {
    *out = NULL;
    xn_servo *s = calloc(1, sizeof *s);
    if (!s) return xn_fail(err, XN_ERR_NOMEM, "xn_servo_create", "out of memory");
    size_t n = (size_t)m->nv + 1;
    s->nv = m->nv;
    s->kp = calloc(n, sizeof *s->kp);
    s->kd = calloc(n, sizeof *s->kd);
    s->ki = calloc(n, sizeof *s->ki);
    s->i_limit = calloc(n, sizeof *s->i_limit);
    s->tau_max = calloc(n, sizeof *s->tau_max);
    s->active = calloc(n, 1);
    s->integral = calloc(n, sizeof *s->integral);
    s->work = calloc(n, sizeof *s->work);
    if (!s->kp || !s->kd || !s->ki || !s->i_limit || !s->tau_max || !s->active || !s->integral ||
        !s->work) {
        xn_servo_free(s);
        return xn_fail(err, XN_ERR_NOMEM, "xn_servo_create", "out of memory");
    }
    s->law = XN_SERVO_COMPUTED_TORQUE;
    for (int k = 0; k < m->nv; k++) {
        s->kp[k] = 400;
        s->kd[k] = 40;
        s->i_limit[k] = INFINITY;
        s->tau_max[k] = m->dof_effort[k];
        s->active[k] = 1;
    }
    *out = s;
    return XN_OK;
}

void xn_servo_free(xn_servo *s) {
    if (!s) return;
    free(s->kp);
    free(s->kd);
    free(s->ki);
    free(s->i_limit);
    free(s->tau_max);
    free(s->active);
    free(s->integral);
    free(s->work);
    free(s);
}

void xn_servo_tune(xn_servo *s, const xn_model *m, xn_data *d, const xn_real *q, xn_real omega) {
    if (s->law != XN_SERVO_COMPUTED_TORQUE) xn_dyn_crba(m, d, q);
    for (int k = 0; k < s->nv; k++) {
        xn_real scale = s->law == XN_SERVO_COMPUTED_TORQUE ? 1 : d->M[k * s->nv + k];
        s->kp[k] = scale * omega * omega;
        s->kd[k] = scale * 2 * omega;
    }
}

void xn_servo_reset(xn_servo *s) {
    for (int k = 0; k < s->nv; k++) s->integral[k] = 0;
}

static xn_real clip(xn_real x, xn_real lim) { return x > lim ? lim : (x < -lim ? -lim : x); }

int xn_servo_compute(xn_servo *s, const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                     const xn_real *q_ref, const xn_real *v_ref, const xn_real *a_ref, xn_real dt,
                     xn_real *tau) {
    xn_real *u = s->work;
    /* the position error of a 1-DoF joint is a difference of coordinates; joints with more
     * coordinates (free, ball) are not servoed here (their DoFs must be inactive) */
    for (int b = 1; b < m->nbody; b++) {
        int va = m->body_vadr[b], nvb = m->body_nv[b];
        for (int k = va; k < va + nvb; k++) {
            if (!s->active[k] || m->body_nq[b] != nvb) {
                u[k] = 0;
                continue;
            }
            int qa = m->body_qadr[b] + (k - va);
            xn_real e = q_ref[qa] - q[qa], de = v_ref[k] - v[k];
            s->integral[k] += e * dt;
            xn_real i_term = clip(s->ki[k] * s->integral[k], s->i_limit[k]);
            if (s->ki[k] > 0 && fabs(s->ki[k] * s->integral[k]) > s->i_limit[k])
                s->integral[k] =
                    copysign(s->i_limit[k] / s->ki[k], s->integral[k]); /* anti-windup */
            u[k] = s->kp[k] * e + s->kd[k] * de + i_term;
        }
    }
    switch (s->law) {
    case XN_SERVO_COMPUTED_TORQUE:
        for (int k = 0; k < s->nv; k++) u[k] += a_ref ? a_ref[k] : 0;
        xn_dyn_rnea(m, d, q, v, u);
        for (int k = 0; k < s->nv; k++) tau[k] = d->tau[k] + m->dof_damping[k] * v[k];
        break;
    case XN_SERVO_PD_GRAVITY:
        xn_dyn_gravity(m, d, q);
        for (int k = 0; k < s->nv; k++) tau[k] = u[k] + d->g[k];
        break;
    case XN_SERVO_PID:
        for (int k = 0; k < s->nv; k++) tau[k] = u[k];
        break;
    }
    int clipped = 0;
    for (int k = 0; k < s->nv; k++) {
        if (!s->active[k]) {
            tau[k] = 0;
            continue;
        }
        if (fabs(tau[k]) > s->tau_max[k]) {
            tau[k] = clip(tau[k], s->tau_max[k]);
            clipped++;
        }
    }
    return clipped;
}
