/* Compliant modes in a program: impedance (joint or Cartesian), hand guiding and admittance run
 * for a while instead of the trajectory generator, start where the robot is and hand back to
 * position control where it ends up (bumpless both ways). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"
#include "xiaonao/dynamics.h"

xn_status xn_ctl_comply_prepare(xn_controller *c, xn_error *err) {
    const xn_program *prog = c->prog;
    int need = 0, adm = 0;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        if (in->op != XN_OP_IMPEDANCE && in->op != XN_OP_GUIDE && in->op != XN_OP_ADMITTANCE)
            continue;
        need = 1;
        if (in->op == XN_OP_ADMITTANCE) {
            adm = 1;
            if (c->hal->nft < 1)
                return xn_program_line_fail(
                    err, prog, in, XN_ERR_INVALID,
                    "admittance needs a force/torque sensor, and this robot has none");
        } else if (c->cfg.command_mode != XN_CMD_TORQUE) {
            return xn_program_line_fail(
                err, prog, in, XN_ERR_INVALID,
                "impedance and hand guiding command torques: the drives must be in "
                "torque mode");
        }
        if (in->op == XN_OP_IMPEDANCE && !in->cart && in->naxes != 0 && in->naxes != c->nj) {
            return xn_program_line_fail(err, prog, in, XN_ERR_INVALID,
                                        "the stiffness has %d values, the robot has %d joints",
                                        in->naxes, c->nj);
        }
        if (in->op == XN_OP_IMPEDANCE && !in->cart && in->ninertia != 0 && in->ninertia != c->nj) {
            return xn_program_line_fail(err, prog, in, XN_ERR_INVALID,
                                        "the inertia has %d values, the robot has %d joints",
                                        in->ninertia, c->nj);
        }
    }
    if (!need) return XN_OK;
    const xn_model *m = c->m;
    const char *fname = c->cfg.flange_frame ? c->cfg.flange_frame : "flange";
    c->flange = xn_model_frame_id(m, fname);
    if (c->flange < 0)
        for (int f = 0; f < m->nframe && c->flange < 0; f++)
            if (m->frame_body[f] == c->payload_body) c->flange = f;
    size_t nv = (size_t)m->nv + 1, nq = (size_t)m->nq + 1;
    xn_compliance_create(m, &c->comp, NULL); /* only memory can fail: checked below */
    c->Kj = calloc(nv, sizeof(xn_real));
    c->Dj = calloc(nv, sizeof(xn_real));
    c->Mj = calloc(nv, sizeof(xn_real));
    c->q_anchor = calloc(nq, sizeof(xn_real));
    c->scratch = calloc(nv * 8, sizeof(xn_real)); /* J (6 nv) and two vectors */
    if (adm) {
        xn_ik_create(m, c->flange, &c->ik, NULL); /* NULL ik: checked below with the rest */
        unsigned char *active = calloc(nv, 1);
        for (int k = 0; k < c->nj && active; k++) active[c->vadr[k]] = 1;
        if (c->ik && active) xn_ik_set_active(c->ik, active);
        free(active);
    }
    if (!c->comp || !c->Kj || !c->Dj || !c->Mj || !c->q_anchor || !c->scratch || (adm && !c->ik))
        return XN_ERR_NOMEM;
    return XN_OK;
}

/* The tool's pose (flange times the `set tool` offset) at q. */
static void tool_offset(const xn_controller *c, xn_se3 *off) {
    xn_rot_rpy(c->tool[3], c->tool[4], c->tool[5], off->R);
    memcpy(off->p, c->tool, 3 * sizeof(xn_real));
}

/* Damping ratio 0.7 per Cartesian axis, from the task-space inertia's diagonal
 * (Lambda_ii ~ 1 / (J M^-1 J^T)_ii) at the current q. Runs once when the mode starts. */
static void auto_damping(xn_controller *c, const xn_real *K, xn_real *D) {
    const xn_model *m = c->m;
    int nv = m->nv;
    xn_real *J = c->scratch, *x = c->scratch + 6 * nv;
    xn_dyn_crba(m, c->d, c->q);
    xn_dyn_factor(m, c->d);
    xn_dyn_frame_jacobian_at(m, c->d, c->q, c->flange, XN_LOCAL_WORLD_ALIGNED, J);
    for (int i = 0; i < 6; i++) {
        const xn_real *Ji = &J[i * nv];
        for (int k = 0; k < nv; k++) x[k] = Ji[k];
        xn_dyn_solve(m, c->d, x);
        xn_real s = 0;
        for (int k = 0; k < nv; k++) s += Ji[k] * x[k];
        xn_real lam = s > 1e-12 ? 1 / s : 0;
        D[i] = 2 * 0.7 * sqrt(K[i] * lam);
    }
}

void xn_ctl_comply_start(xn_controller *c, const xn_instruction *in) {
    const xn_model *m = c->m;
    c->comply_op = in->op;
    c->comply_cart = in->cart;
    c->comply_end_ns = c->time_ns + (int64_t)llround(in->duration * 1e9);
    memcpy(c->q_anchor, c->q, (size_t)m->nq * sizeof(xn_real));
    xn_cartesian_law_init(&c->law, c->flange);
    tool_offset(c, &c->law.offset);
    xn_se3 F;
    xn_dyn_fk(m, c->d, c->q);
    xn_dyn_frame_placement(m, c->d, c->flange, &F);
    xn_se3_mul(&c->law.target, &F, &c->law.offset);
    c->law.posture = c->q_anchor;
    c->law.null_damping = 2;
    const char *what = "compliance";
    if (in->op == XN_OP_IMPEDANCE && !in->cart) {
        for (int k = 0; k < m->nv; k++) c->Kj[k] = c->Dj[k] = c->Mj[k] = 0;
        for (int k = 0; k < c->nj; k++) {
            c->Kj[c->vadr[k]] = in->naxes ? in->target[k] : in->target[0];
            c->Dj[c->vadr[k]] = in->value[0];
            c->Mj[c->vadr[k]] = in->ninertia ? in->inertia[k] : in->inertia[0];
        }
        c->comply_shaped = in->inertia[0] > 0;
        /* the shaped law needs the external torque: the observer's residual, from now */
        if (c->comply_shaped) xn_observer_reset(c->obs);
        what = c->comply_shaped ? "joint impedance with inertia shaping" : "joint impedance";
    } else if (in->op == XN_OP_IMPEDANCE) {
        memcpy(c->law.K, in->target, sizeof c->law.K);
        int given = 0;
        for (int i = 0; i < 6; i++) given |= in->value[i] > 0;
        if (given)
            memcpy(c->law.D, in->value, sizeof c->law.D);
        else
            auto_damping(c, c->law.K, c->law.D);
        c->law.null_stiffness = 10;
        c->law.limit_margin = 0.1;
        c->law.limit_stiffness = 50;
        c->law.limit_damping = 30;
        c->law.joint_damping = 2;
        what = "Cartesian impedance";
    } else if (in->op == XN_OP_GUIDE) {
        for (int i = 0; i < 3; i++) c->law.D[i] = in->value[0];
        for (int i = 3; i < 6; i++) c->law.D[i] = 0.05 * in->value[0];
        c->law.speed_limit = in->value[1];
        for (int i = 0; i < 6; i++) {
            c->law.lock[i] = in->target[i] != 0;
            c->law.K[i] = i < 3 ? 3000 : 100;
        }
        c->law.posture = NULL;
        c->law.limit_margin = 0.1;
        c->law.limit_stiffness = 50;
        c->law.limit_damping = 30;
        what = "hand guiding";
    } else {
        memset(&c->adm, 0, sizeof c->adm);
        for (int i = 0; i < 3; i++) {
            c->adm.mass[i] = in->value[0];
            c->adm.damping[i] = in->value[1];
            c->adm.stiffness[i] = in->value[2];
        }
        /* the sensor's reading now (world axes) is the bias: the tool's weight and the like */
        const xn_real *f = c->hal->ft[0].force;
        xn_se3 S;
        xn_dyn_frame_placement(m, c->d, c->flange, &S);
        for (int r = 0; r < 3; r++)
            c->ft_bias[r] = S.R[3 * r] * f[0] + S.R[3 * r + 1] * f[1] + S.R[3 * r + 2] * f[2];
        what = "admittance";
    }
    c->interp.act = ACT_COMPLY;
    xn_ctl_event(c, XN_EV_SETTING, -1, in->duration, "%s for %g s", what, in->duration);
}

void xn_ctl_comply_torque(xn_controller *c) {
    const xn_model *m = c->m;
    xn_real *tau = c->tau;
    if (c->comply_op == XN_OP_IMPEDANCE && !c->comply_cart && c->comply_shaped) {
        xn_ctl_observer_step(c);
        xn_joint_impedance_shaped(m, c->d, c->q, c->v, c->q_anchor, c->Kj, c->Dj, c->Mj, c->obs->r,
                                  tau);
    } else if (c->comply_op == XN_OP_IMPEDANCE && !c->comply_cart) {
        xn_joint_impedance(m, c->d, c->q, c->v, c->q_anchor, c->Kj, c->Dj, tau);
    } else if (c->comply_op == XN_OP_IMPEDANCE) {
        xn_cartesian_impedance(c->comp, m, c->d, c->q, c->v, &c->law, tau, NULL, NULL);
    } else {
        xn_hand_guiding(c->comp, m, c->d, c->q, c->v, &c->law, tau, NULL);
    }
    for (int k = 0; k < c->nj; k++) {
        int v = c->vadr[k];
        xn_real t = fmin(fmax(tau[v], -c->servo->tau_max[v]), c->servo->tau_max[v]);
        xn_joint_command *cmd = &c->hal->command[c->hal_of[k]];
        cmd->mode = XN_MODE_CST;
        cmd->torque = t;
        cmd->position = c->q[c->qadr[k]];
        cmd->velocity = c->v[v];
    }
}

void xn_ctl_comply_reference(xn_controller *c) {
    /* the measured wrench less the bias, world axes; the virtual mass-spring-damper moves; the
     * flange's reference follows it by velocity IK plus a correction of the position error */
    const xn_model *m = c->m;
    xn_real dt = (xn_real)c->hal->period_ns * 1e-9, w[6] = {0, 0, 0, 0, 0, 0};
    xn_se3 S;
    xn_dyn_fk(m, c->d, c->q_ref);
    xn_dyn_frame_placement(m, c->d, c->flange, &S);
    const xn_real *f = c->hal->ft[0].force;
    for (int r = 0; r < 3; r++)
        w[r] = S.R[3 * r] * f[0] + S.R[3 * r + 1] * f[1] + S.R[3 * r + 2] * f[2] - c->ft_bias[r];
    /* the sensor measures what the tool exerts on the flange: the push on the tool is the
     * opposite of the change */
    for (int r = 0; r < 3; r++) w[r] = -w[r];
    xn_admittance_step(&c->adm, w, dt);
    xn_se3 F0;
    xn_dyn_fk(m, c->d, c->q_anchor);
    xn_dyn_frame_placement(m, c->d, c->flange, &F0);
    xn_real twist[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 3; i++) twist[i] = c->adm.v[i] + 20 * (F0.p[i] + c->adm.x[i] - S.p[i]);
    xn_real *qd = c->scratch;
    xn_ik_velocity(c->ik, c->q_ref, twist, 0, 0, qd, NULL);
    for (int k = 0; k < c->nj; k++) {
        int qa = c->qadr[k], v = c->vadr[k];
        c->q_ref[qa] += qd[v] * dt;
        c->a_ref[v] = (qd[v] - c->v_ref[v]) / dt;
        c->v_ref[v] = qd[v];
        c->output.position[k] = c->q_ref[qa];
        c->output.velocity[k] = c->v_ref[v];
        c->output.acceleration[k] = 0;
    }
}

void xn_ctl_comply_finish(xn_controller *c) {
    /* back to position control from where the robot is and how it moves: the generator brings
     * it to rest there */
    xn_otg_problem *p = &c->input;
    p->interface = XN_OTG_POSITION;
    for (int k = 0; k < c->nj; k++) {
        c->output.position[k] = c->q[c->qadr[k]];
        c->output.velocity[k] =
            fmin(fmax(c->v[c->vadr[k]], -c->cfg.max_velocity[k]), c->cfg.max_velocity[k]);
        c->output.acceleration[k] = 0;
        p->target_position[k] = c->q[c->qadr[k]];
        p->target_velocity[k] = p->target_acceleration[k] = 0;
        p->max_velocity[k] = c->cfg.max_velocity[k];
        p->max_acceleration[k] = c->cfg.max_acceleration[k];
        p->max_jerk[k] = c->cfg.max_jerk[k];
    }
    xn_servo_reset(c->servo);
    /* the observer waited while contact was wanted: it starts again from the present momentum */
    xn_observer_reset(c->obs);
}
