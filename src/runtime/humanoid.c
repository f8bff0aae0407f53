/* The controller's side of a balancing humanoid: the program's `balance load` hands every joint
 * to the capture-point balance controller (balance.h) fed by the base estimator (the IMU and the
 * legs' kinematics); `stand` keeps it standing, `posture` and `hand` change its targets, `push`
 * asks a simulated robot to push one of its bodies.
 *
 * Faults and what follows (each an event):
 *   the IMU reads NaN or stops updating  joint damping (tau = -D qdot) to the end: without the
 *                                         base's orientation nothing can balance
 *   the whole-body problem stays infeasible for 50 cycles (even relaxed)   the same
 *   a stance foot slips (the feet disagree about the base by 2 cm)  the estimator starts again
 *       from the present estimate, and the friction the controller counts on halves (to 0.2 at
 *       least), so that it asks less of the ground
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

#define HUM_INFEASIBLE_CYCLES 50 /* infeasible this long: damping */
#define HUM_SLIP 0.02            /* m the feet may disagree about the base */
#define HUM_STALE_CYCLES 20      /* IMU readings with the same stamp: lost */
#define HUM_MU_MIN 0.2

xn_status xn_ctl_humanoid_prepare(xn_controller *c, xn_error *err) {
    const xn_program *prog = c->prog;
    const xn_model *m = c->m;
    int loaded = 0, policy = 0;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        if (in->op == XN_OP_POLICY_LOAD) policy = 1;
        if (in->op == XN_OP_BALANCE_LOAD) {
            if (!c->cfg.humanoid)
                return xn_program_line_fail(
                    err, prog, in, XN_ERR_INVALID,
                    "balance load needs the robot's balance description, which this "
                    "controller was not given");
            if (m->nbody < 2 || m->body_nv[1] != 6)
                return xn_program_line_fail(
                    err, prog, in, XN_ERR_INVALID,
                    "balance load needs a robot with a floating base; this model is "
                    "fixed to the world");
            loaded = 1;
        } else if (in->op == XN_OP_STAND && !loaded && !policy) {
            return xn_program_line_fail(
                err, prog, in, XN_ERR_INVALID,
                "stand needs a controller for the whole robot: put 'balance load "
                "...' or 'policy load ...' before");
        } else if ((in->op == XN_OP_POSTURE || in->op == XN_OP_HAND) && !loaded) {
            return xn_program_line_fail(
                err, prog, in, XN_ERR_INVALID,
                "%s targets the balance controller: put 'balance load ...' before",
                in->op == XN_OP_POSTURE ? "posture" : "hand");
        } else if (in->op == XN_OP_POSTURE && in->name[0] && xn_model_joint_body(m, in->name) < 0) {
            return xn_program_line_fail(err, prog, in, XN_ERR_INVALID,
                                        "posture: the robot has no joint named '%s'", in->name);
        } else if (in->op == XN_OP_HAND &&
                   c->cfg.humanoid->balance.wbc.hand_frame[(int)in->value[0]] < 0) {
            return xn_program_line_fail(err, prog, in, XN_ERR_INVALID,
                                        "hand %s: the balance description names no such hand",
                                        in->value[0] ? "right" : "left");
        }
    }
    if (!loaded) return XN_OK;
    const xn_humanoid_config *h = c->cfg.humanoid;
    c->hum_imu = -1;
    for (int i = 0; i < c->hal->nimu; i++)
        if (strcmp(c->hal->imu_name[i], h->imu) == 0) c->hum_imu = i;
    if (c->hum_imu < 0) {
        if (err) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%s", prog->source);
            err->line = 0;
            snprintf(err->message, sizeof err->message, "balance: the robot has no IMU named '%s'",
                     h->imu);
        }
        return XN_ERR_NOT_FOUND;
    }
    size_t nq = (size_t)m->nq + 1, nv = (size_t)m->nv + 1;
    c->hum_joint = malloc(nv * sizeof *c->hum_joint);
    c->hum_q = calloc(nq, sizeof *c->hum_q);
    c->hum_v = calloc(nv, sizeof *c->hum_v);
    c->hum_tau = calloc(nv, sizeof *c->hum_tau);
    c->hum_posture0 = calloc(nq, sizeof *c->hum_posture0);
    int feet[2] = {h->balance.wbc.contact[0].frame, h->balance.wbc.contact[1].frame};
    xn_status st = xn_balance_create(m, &h->balance, &c->bal, err);
    if (st != XN_OK) return st; /* err says which setting of the balance description */
    if ((st = xn_base_estimator_create(m, 2, feet, &c->est, err)) != XN_OK) return st;
    if (!c->hum_joint || !c->hum_q || !c->hum_v || !c->hum_tau || !c->hum_posture0)
        return XN_ERR_NOMEM;
    for (int f = 0; f < 2; f++)
        xn_base_estimator_set_sole(c->est, f, h->balance.wbc.contact[f].corner);
    if ((st = xn_base_estimator_set_orientation_filter(
             c->est, h->imu_filter, (xn_real)c->hal->period_ns * 1e-9, err)) != XN_OK)
        return st;
    /* every DoF past the base must be one of the robot's joints */
    for (int k = 0; k < m->nv; k++) c->hum_joint[k] = -1;
    for (int i = 0; i < c->hal->njoint; i++)
        if (c->joint_vadr[i] >= 6) c->hum_joint[c->joint_vadr[i]] = i;
    for (int b = 2; b < m->nbody; b++)
        if (m->body_nv[b] == 1 && c->hum_joint[m->body_vadr[b]] < 0) {
            if (err) {
                err->index = -1;
                snprintf(err->file, sizeof err->file, "%s", prog->source);
                err->line = 0;
                snprintf(err->message, sizeof err->message,
                         "balance: the model's joint '%s' is not among the robot's drives",
                         m->joint_name[b]);
            }
            return XN_ERR_NOT_FOUND;
        }
    return XN_OK;
}

void xn_ctl_humanoid_free(xn_controller *c) {
    xn_balance_free(c->bal);
    xn_base_estimator_free(c->est);
    free(c->hum_joint);
    free(c->hum_q);
    free(c->hum_v);
    free(c->hum_tau);
    free(c->hum_posture0);
}

/* The state the controller knows: joints from the drives, the base's orientation and angular
 * velocity from the IMU (1 when they are usable). */
static int read_state(xn_controller *c) {
    const xn_model *m = c->m;
    xn_hal *hal = c->hal;
    for (int k = 6; k < m->nv; k++) {
        int i = c->hum_joint[k];
        if (i < 0) continue;
        c->hum_v[k] = hal->joint[i].velocity;
    }
    for (int i = 0; i < hal->njoint; i++)
        if (c->joint_qadr[i] >= 7) c->hum_q[c->joint_qadr[i]] = hal->joint[i].position;
    const xn_imu_reading *imu = &hal->imu[c->hum_imu];
    int ok = 1;
    for (int a = 0; a < 4; a++) ok &= isfinite(imu->orientation[a]);
    for (int a = 0; a < 3; a++) ok &= isfinite(imu->angular_velocity[a]);
    if (!ok) return 0;
    memcpy(c->hum_q + 3, imu->orientation, 4 * sizeof(xn_real));
    return 1;
}

/* Start balancing where the robot stands: its base above its feet (the lowest sole on the
 * ground, z = 0), at the world's origin in the plane. */
static void start(xn_controller *c) {
    const xn_model *m = c->m;
    read_state(c);
    c->hum_q[0] = c->hum_q[1] = c->hum_q[2] = 0;
    xn_dyn_fk(m, c->d, c->hum_q);
    xn_real low = INFINITY;
    for (int f = 0; f < 2; f++) {
        xn_se3 F;
        xn_dyn_frame_placement(m, c->d, c->cfg.humanoid->balance.wbc.contact[f].frame, &F);
        if (F.p[2] < low) low = F.p[2];
    }
    c->hum_q[2] = -low;
    xn_base_estimator_reset(c->est, c->hum_q, c->hum_q);
    memcpy(c->hum_posture0, c->hum_q, (size_t)m->nq * sizeof(xn_real));
    xn_balance_reset(c->bal, c->hum_q, c->hum_q);
    c->hum_active = 1;
    c->hum_damping = 0;
    c->hum_failures = 0;
    c->hum_set_down = 0;
    c->hum_height = 0;
    c->hum_fallback = 0;
}

void xn_ctl_humanoid_instruction(xn_controller *c, const xn_instruction *in) {
    switch (in->op) {
    case XN_OP_BALANCE_LOAD: /* it took the joints at the first cycle already */
        xn_ctl_event(c, XN_EV_SETTING, -1, 0, "the balance controller drives the joints (%s)",
                     in->path);
        break;
    case XN_OP_STAND: xn_ctl_event(c, XN_EV_SETTING, -1, 0, "standing balance"); break;
    case XN_OP_PUSH: {
        xn_status st = xn_hal_push(c->hal, in->name, in->value, in->duration);
        xn_real f = sqrt(in->value[0] * in->value[0] + in->value[1] * in->value[1] +
                         in->value[2] * in->value[2]);
        if (st == XN_OK)
            xn_ctl_event(c, XN_EV_PUSH, -1, f, "push %s with %g N for %g s (%g N s)", in->name, f,
                         in->duration, f * in->duration);
        else
            xn_ctl_event(c, XN_EV_SETTING, -1, 0, "push %s ignored: %s", in->name,
                         st == XN_ERR_UNSUPPORTED ? "this robot cannot be pushed (not simulated)"
                                                  : "no such body in the simulation");
        break;
    }
    case XN_OP_POSTURE: {
        xn_real *post = xn_balance_posture(c->bal);
        if (in->value[1] != 0) {
            memcpy(post, c->hum_posture0, (size_t)c->m->nq * sizeof(xn_real));
            xn_ctl_event(c, XN_EV_SETTING, -1, 0, "posture: the start posture");
        } else {
            int b = xn_model_joint_body(c->m, in->name);
            xn_real v = in->value[0], lo = c->m->q_lower[c->m->body_qadr[b]],
                    hi = c->m->q_upper[c->m->body_qadr[b]];
            v = v < lo ? lo : v > hi ? hi : v;
            post[c->m->body_qadr[b]] = v;
            xn_ctl_event(c, XN_EV_SETTING, -1, v, "posture %s %g rad", in->name, v);
        }
        break;
    }
    case XN_OP_HAND: {
        int k = (int)in->value[0];
        xn_wbc_targets *t = xn_balance_targets(c->bal);
        t->hand_active[k] = in->value[4] != 0;
        memcpy(c->hand_offset[k], in->value + 1, 3 * sizeof(xn_real));
        xn_ctl_event(c, XN_EV_SETTING, -1, 0, "%s hand %s", k ? "right" : "left",
                     t->hand_active[k] ? "to its target" : "free");
        break;
    }
    default: break;
    }
}

static void give_up(xn_controller *c, const char *why) {
    if (c->hum_damping) return;
    c->hum_damping = 1;
    xn_ctl_event(c, XN_EV_BALANCE_DAMP, -1, 0, "balance: %s: joint damping", why);
}

void xn_ctl_humanoid_step(xn_controller *c) {
    const xn_model *m = c->m;
    xn_hal *hal = c->hal;
    /* a program with `balance load` balances from the first cycle: a humanoid left without
     * torque while its drives enable would already be falling */
    if (!c->hum_active) start(c);
    int ok = read_state(c);
    const xn_imu_reading *imu = &hal->imu[c->hum_imu];
    if (!ok) give_up(c, "the IMU reads NaN");
    if (ok && c->cycle > HUM_STALE_CYCLES &&
        hal->time_ns - imu->stamp_ns > HUM_STALE_CYCLES * hal->period_ns) {
        ok = 0;
        give_up(c, "the IMU stopped updating");
    }
    if (!c->hum_damping) {
        xn_base_estimator_update(c->est, c->hum_q, c->hum_v, imu->angular_velocity,
                                 xn_balance_stance(c->bal));
        xn_real slip = xn_base_estimator_slip(c->est);
        if (slip > HUM_SLIP) {
            /* start the estimate again from here, and ask less of the ground */
            xn_base_estimator_reset(c->est, c->hum_q, c->hum_q);
            xn_real mu = xn_balance_friction(c->bal) / 2;
            xn_balance_set_friction(c->bal, mu > HUM_MU_MIN ? mu : HUM_MU_MIN);
            xn_ctl_event(c, XN_EV_BALANCE_SLIP, -1, slip,
                         "balance: a foot slipped %.3f m; friction taken as %g", slip,
                         xn_balance_friction(c->bal));
        }
        xn_real dt = (xn_real)hal->period_ns * 1e-9;
        if (xn_balance_update(c->bal, c->hum_q, c->hum_v, dt, c->hum_tau, &c->bstat) != XN_OK) {
            if (++c->hum_failures >= HUM_INFEASIBLE_CYCLES)
                give_up(c, "no feasible whole-body solution for 50 cycles");
        } else {
            c->hum_failures = 0;
        }
        if (c->bstat.wbc.fallback && !c->hum_fallback)
            xn_ctl_event(c, XN_EV_BALANCE_BUDGET, -1, (double)c->bstat.fallbacks,
                         "balance: the whole-body QP ran out of its budget of %d iterations; "
                         "the last solution stands in",
                         c->cfg.humanoid->balance.wbc.max_iterations);
        c->hum_fallback = c->bstat.wbc.fallback;
        if (c->bstat.height_boosts > c->hum_height)
            xn_ctl_event(c, XN_EV_BALANCE_HEIGHT, -1, c->bstat.height_boosts,
                         "balance: a push along the heading; the centre of mass pushed up, then "
                         "let down (height strategy)");
        c->hum_height = c->bstat.height_boosts;
        if (c->bstat.phase == XN_BALANCE_STEP_LEFT || c->bstat.phase == XN_BALANCE_STEP_RIGHT) {
            const char *foot = c->bstat.phase == XN_BALANCE_STEP_LEFT ? "left" : "right";
            if (!c->hum_stepping) { /* a swing starts: a foot set back down, or a step */
                if (c->bstat.set_down > c->hum_set_down)
                    xn_ctl_event(c, XN_EV_BALANCE_SET_DOWN, -1, c->bstat.set_down,
                                 "balance: the %s foot lost the ground; set back down in place",
                                 foot);
                else
                    xn_ctl_event(c, XN_EV_BALANCE_STEP, -1, c->bstat.steps + 1,
                                 "balance: a recovery step with the %s foot", foot);
            }
            c->hum_set_down = c->bstat.set_down;
            c->hum_stepping = 1;
        } else {
            c->hum_stepping = 0;
        }
        /* hand targets: from the pelvis, in its heading frame */
        xn_wbc_targets *t = xn_balance_targets(c->bal);
        xn_real R[9];
        xn_quat_to_rot(c->hum_q + 3, R);
        xn_real yaw = atan2(R[3], R[0]), cy = cos(yaw), sy = sin(yaw);
        for (int k = 0; k < 2; k++) {
            const xn_real *o = c->hand_offset[k];
            t->hand_position[k][0] = c->hum_q[0] + cy * o[0] - sy * o[1];
            t->hand_position[k][1] = c->hum_q[1] + sy * o[0] + cy * o[1];
            t->hand_position[k][2] = c->hum_q[2] + o[2];
        }
    }
    if (c->hum_damping) xn_balance_damping(c->bal, c->hum_v, c->hum_tau);
    for (int k = 6; k < m->nv; k++) {
        int i = c->hum_joint[k];
        if (i < 0) continue;
        xn_joint_command *cmd = &hal->command[i];
        cmd->mode = XN_MODE_CST;
        cmd->torque = isfinite(c->hum_tau[k]) ? c->hum_tau[k] : 0;
        cmd->position = hal->joint[i].position;
        cmd->velocity = hal->joint[i].velocity;
        c->tau[k] = cmd->torque;
    }
}

void xn_ctl_humanoid_record(const xn_controller *c, xn_ctl_sample *s) {
    const xn_balance_status *b = &c->bstat;
    s->humanoid = 1;
    s->phase = c->hum_damping ? XN_BALANCE_DAMPING : (int)b->phase;
    s->steps = b->steps;
    memcpy(s->com, b->com, sizeof s->com);
    memcpy(s->base, c->hum_q, sizeof s->base);
    memcpy(s->dcm, b->dcm, sizeof s->dcm);
    memcpy(s->cop, b->cop, sizeof s->cop);
    for (int f = 0; f < 2; f++) {
        s->foot_force[f] = 0;
        for (int k = 0; k < 4; k++) s->foot_force[f] += b->wbc.force[12 * f + 3 * k + 2];
    }
    s->npolygon = b->npolygon;
    memcpy(s->polygon, b->polygon, sizeof s->polygon);
}
