/* The loopback robot: ideal joints that do what they are told, behind simulated CiA 402 drives.
 * For tests of everything above the hardware interface.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/dense.h"
#include "xiaonao/backends.h"
#include "xiaonao/dynamics.h"

typedef struct {
    int n;
    int64_t period_ns, time_ns;
    xn_real *q, *v;
    xn_drive_sim *drive;
    unsigned char *nan, *stale;
    /* the rigid-body dynamics of the joints in torque mode */
    const xn_model *m;
    xn_data *d;
    int *qadr, *vadr;            /* per loopback joint */
    int *torque_joint, ntorque;  /* this cycle's joints in CST */
    xn_real *qfull, *vfull, *a0; /* nq, nv, nv */
    xn_real *Mtt, *rhs;          /* n x n, n */
} loopback;

#define LOOPBACK_DECEL 10.0 /* quick-stop ramp, rad/s^2 */

static xn_status lb_read(void *self, xn_hal *hal) {
    loopback *lb = self;
    hal->time_ns = lb->time_ns;
    for (int i = 0; i < lb->n; i++) {
        xn_joint_reading *r = &hal->joint[i];
        if (lb->stale[i]) continue; /* an injected stale reading: nothing changes */
        r->position = lb->nan[i] ? NAN : lb->q[i];
        r->velocity = lb->v[i];
        r->torque = 0;
        r->statusword = xn_cia402_statusword(hal->joint_info[i].commandable ? lb->drive[i].state
                                                                            : XN_CIA402_NOT_READY);
        r->error_code = lb->drive[i].error_code;
        r->stamp_ns = lb->time_ns;
    }
    return XN_OK;
}

static xn_status lb_write(void *self, xn_hal *hal) {
    loopback *lb = self;
    for (int i = 0; i < lb->n; i++)
        xn_drive_sim_command(&lb->drive[i], hal->command[i].controlword, lb->q[i], lb->v[i]);
    return XN_OK;
}

/* The accelerations of the joints in torque mode: the model's rigid-body dynamics with every
 * other joint held (ideally stiff drives): M_tt qdd_t = tau_t - h_t, h the bias forces (gravity,
 * Coriolis) at the present state. Written to rhs[k] for torque_joint[k]. */
static void torque_accelerations(loopback *lb, const xn_hal *hal) {
    const xn_model *m = lb->m;
    int nt = lb->ntorque, nv = m->nv;
    for (int i = 0; i < lb->n; i++) {
        lb->qfull[lb->qadr[i]] = lb->q[i];
        lb->vfull[lb->vadr[i]] = lb->v[i];
    }
    xn_dyn_rnea(m, lb->d, lb->qfull, lb->vfull, lb->a0); /* h */
    for (int k = 0; k < nt; k++) {
        int i = lb->torque_joint[k];
        lb->rhs[k] = hal->command[i].torque - lb->d->tau[lb->vadr[i]];
    }
    xn_dyn_crba(m, lb->d, lb->qfull);
    for (int r = 0; r < nt; r++)
        for (int c = 0; c < nt; c++)
            lb->Mtt[r * nt + c] = lb->d->M[(size_t)lb->vadr[lb->torque_joint[r]] * (size_t)nv +
                                           (size_t)lb->vadr[lb->torque_joint[c]]];
    if (xn_chol_factor(lb->Mtt, nt) == XN_OK) {
        xn_chol_solve(lb->Mtt, nt, lb->rhs);
    } else { /* a singular inertia (massless links): unit inertia */
        for (int k = 0; k < nt; k++) lb->rhs[k] = hal->command[lb->torque_joint[k]].torque;
    }
}

static xn_status lb_advance(void *self, xn_hal *hal) {
    loopback *lb = self;
    xn_real dt = (xn_real)lb->period_ns * 1e-9;
    lb->ntorque = 0;
    for (int i = 0; i < lb->n; i++)
        if (hal->joint_info[i].commandable && !lb->nan[i] &&
            lb->drive[i].state == XN_CIA402_OPERATION_ENABLED &&
            hal->command[i].mode != XN_MODE_CSP && hal->command[i].mode != XN_MODE_CSV)
            lb->torque_joint[lb->ntorque++] = i;
    if (lb->ntorque) torque_accelerations(lb, hal);
    int k = 0; /* the next torque joint */
    for (int i = 0; i < lb->n; i++) {
        xn_drive_sim *ds = &lb->drive[i];
        const xn_joint_command *c = &hal->command[i];
        if (!hal->joint_info[i].commandable) continue; /* a passive joint stays where it is */
        if (lb->nan[i]) xn_drive_sim_fault(ds, XN_DRIVE_ERR_SENSOR, lb->q[i], lb->v[i]);
        if (ds->state == XN_CIA402_OPERATION_ENABLED) {
            if (c->mode == XN_MODE_CSP) {
                lb->q[i] = c->position;
                lb->v[i] = c->velocity;
            } else if (c->mode == XN_MODE_CSV) {
                lb->q[i] += 0.5 * (lb->v[i] + c->velocity) * dt;
                lb->v[i] = c->velocity;
            } else {
                xn_real a = k < lb->ntorque && lb->torque_joint[k] == i ? lb->rhs[k++] : 0;
                lb->q[i] += lb->v[i] * dt + 0.5 * a * dt * dt;
                lb->v[i] += a * dt;
            }
        } else if (xn_drive_sim_brake_step(ds, LOOPBACK_DECEL, dt) ||
                   ds->state == XN_CIA402_QUICK_STOP) {
            lb->q[i] = ds->ref_position;
            lb->v[i] = ds->ref_velocity;
        } else {
            lb->q[i] = ds->hold_position;
            lb->v[i] = 0;
        }
    }
    lb->time_ns += lb->period_ns;
    return XN_OK;
}

static xn_status lb_inject(void *self, xn_hal *hal, int j, xn_inject_kind kind) {
    loopback *lb = self;
    (void)hal;
    switch (kind) {
    case XN_INJECT_CLEAR: lb->nan[j] = lb->stale[j] = 0; break;
    case XN_INJECT_SENSOR_NAN: lb->nan[j] = 1; break;
    case XN_INJECT_SENSOR_STALE: lb->stale[j] = 1; break;
    case XN_INJECT_DRIVE_FAULT:
        xn_drive_sim_fault(&lb->drive[j], XN_DRIVE_ERR_EXTERNAL, lb->q[j], lb->v[j]);
        break;
    default: return XN_ERR_UNSUPPORTED;
    }
    return XN_OK;
}

static void lb_destroy(void *self) {
    loopback *lb = self;
    if (!lb) return;
    free(lb->q);
    free(lb->v);
    free(lb->drive);
    free(lb->nan);
    free(lb->stale);
    xn_data_free(lb->d);
    free(lb->qadr);
    free(lb->vadr);
    free(lb->torque_joint);
    free(lb->qfull);
    free(lb->vfull);
    free(lb->a0);
    free(lb->Mtt);
    free(lb->rhs);
    free(lb);
}

static const xn_backend_ops loopback_ops = {.name = "loopback",
                                            .read = lb_read,
                                            .write = lb_write,
                                            .advance = lb_advance,
                                            .destroy = lb_destroy,
                                            .inject = lb_inject};

static void set_err(xn_error *err, const char *msg) {
    if (!err) return;
    err->index = -1;
    snprintf(err->file, sizeof err->file, "loopback");
    err->line = 0;
    snprintf(err->message, sizeof err->message, "%s", msg);
}

static int is_commanded(const char *name, const char *const *commanded, int n) {
    if (!commanded) return 1;
    for (int i = 0; i < n; i++)
        if (strcmp(commanded[i], name) == 0) return 1;
    return 0;
}

xn_status xn_loopback_open(const xn_model *m, const xn_real *q0, int64_t period_ns,
                           const char *const *commanded, int ncommanded, xn_hal **out,
                           xn_error *err) {
    *out = NULL;
    if (period_ns <= 0) {
        set_err(err, "the control period must be positive");
        return XN_ERR_RANGE;
    }
    int n = 0;
    for (int b = 1; b < m->nbody; b++)
        if (m->body_nv[b] == 1 && m->body_nq[b] == 1) n++;
    xn_hal *hal = xn_hal_alloc(n, 0, 0, 0);
    loopback *lb = calloc(1, sizeof *lb);
    if (!hal || !lb) {
        free(lb);
        xn_hal_close(hal);
        set_err(err, "out of memory");
        return XN_ERR_NOMEM;
    }
    hal->ops = &loopback_ops;
    hal->self = lb;
    hal->period_ns = period_ns;
    lb->n = n;
    lb->period_ns = period_ns;
    size_t sz = (size_t)n + 1;
    lb->q = calloc(sz, sizeof *lb->q);
    lb->v = calloc(sz, sizeof *lb->v);
    lb->drive = calloc(sz, sizeof *lb->drive);
    lb->nan = calloc(sz, 1);
    lb->stale = calloc(sz, 1);
    lb->m = m;
    lb->d = xn_data_create(m);
    lb->qadr = calloc(sz, sizeof *lb->qadr);
    lb->vadr = calloc(sz, sizeof *lb->vadr);
    lb->torque_joint = calloc(sz, sizeof *lb->torque_joint);
    lb->qfull = calloc((size_t)m->nq + 1, sizeof *lb->qfull);
    lb->vfull = calloc((size_t)m->nv + 1, sizeof *lb->vfull);
    lb->a0 = calloc((size_t)m->nv + 1, sizeof *lb->a0);
    lb->Mtt = calloc(sz * sz, sizeof *lb->Mtt);
    lb->rhs = calloc(sz, sizeof *lb->rhs);
    if (!lb->q || !lb->v || !lb->drive || !lb->nan || !lb->stale || !lb->d || !lb->qadr ||
        !lb->vadr || !lb->torque_joint || !lb->qfull || !lb->vfull || !lb->a0 || !lb->Mtt ||
        !lb->rhs) {
        xn_hal_close(hal);
        set_err(err, "out of memory");
        return XN_ERR_NOMEM;
    }
    /* joints the loopback does not drive (a floating base, ball joints) stay where they start */
    for (int k = 0; k < m->nq; k++) lb->qfull[k] = q0 ? q0[k] : m->q_neutral[k];
    int i = 0;
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nv[b] != 1 || m->body_nq[b] != 1) continue;
        int qa = m->body_qadr[b], va = m->body_vadr[b];
        lb->qadr[i] = qa;
        lb->vadr[i] = va;
        xn_joint_info *ji = &hal->joint_info[i];
        snprintf(ji->name, sizeof ji->name, "%s", m->joint_name[b]);
        ji->commandable = is_commanded(m->joint_name[b], commanded, ncommanded);
        ji->has_torque = 0;
        ji->torque_max = m->dof_effort[va];
        ji->position_lo = m->q_lower[qa];
        ji->position_hi = m->q_upper[qa];
        lb->q[i] = q0 ? q0[qa] : m->q_neutral[qa];
        xn_drive_sim_init(&lb->drive[i], lb->q[i]);
        i++;
    }
    lb_read(lb, hal);
    *out = hal;
    return XN_OK;
}
