/* The controller: one cycle of checks, drive state machines, program, trajectory and servo.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "runtime/runtime_internal.h"
#include "xiaonao/dynamics.h"

#define ENABLE_TIMEOUT_NS 1000000000LL /* drives must be enabled within 1 s */
#define REST_VELOCITY 0.01             /* rad/s: "at rest" after a quick stop */
#define STOP_SETTLE_NS 2000000000LL    /* a quick stop's ramps are over within this (ns) */
#define REPORTED_SENSOR 1              /* c->reported bits: a NaN or stale reading */
#define REPORTED_DRIVE 2               /* the drive's fault */

const char *xn_event_str(xn_event_code c) {
    switch (c) {
    case XN_EV_ENABLED: return "enabled";
    case XN_EV_LINE: return "line";
    case XN_EV_SETTING: return "setting";
    case XN_EV_PROGRAM_END: return "program end";
    case XN_EV_SENSOR_NAN: return "sensor NaN";
    case XN_EV_SENSOR_STALE: return "sensor stale";
    case XN_EV_DRIVE_FAULT: return "drive fault";
    case XN_EV_QUICK_STOP: return "quick stop";
    case XN_EV_LIMIT_STOP: return "limit stop";
    case XN_EV_TORQUE_LIMIT: return "torque limit";
    case XN_EV_WATCHDOG: return "watchdog";
    case XN_EV_OVERRUN: return "overrun";
    case XN_EV_STOPPED: return "stopped";
    case XN_EV_OTG_ERROR: return "trajectory error";
    case XN_EV_BLEND_REFUSED: return "blend refused";
    case XN_EV_COLLISION: return "collision";
    case XN_EV_PFL_SLOWED: return "pfl-slowed";
    case XN_EV_PFL_SPEED: return "pfl-speed";
    case XN_EV_POLICY_STOP: return "policy-stop";
    case XN_EV_BALANCE_STEP: return "balance-step";
    case XN_EV_BALANCE_DAMP: return "balance-damping";
    case XN_EV_BALANCE_SLIP: return "balance-slip";
    case XN_EV_PUSH: return "push";
    case XN_EV_BALANCE_SET_DOWN: return "balance-set-down";
    case XN_EV_BALANCE_HEIGHT: return "balance-height";
    case XN_EV_STOP_REQUEST: return "stop requested";
    case XN_EV_POWER_OFF: return "power off";
    case XN_EV_BALANCE_BUDGET: return "balance-budget";
    case XN_EV_STREAM: return "stream";
    case XN_EV_STREAM_TIMEOUT: return "stream-timeout";
    case XN_EV_COMMAND_CLAMPED: return "command-clamped";
    case XN_EV_COMMAND_INVALID: return "command-invalid";
    case XN_EV_PAUSE: return "pause";
    case XN_EV_PROGRAM_RUN: return "program-run";
    }
    return "unknown";
}

const char *xn_ctl_state_str(xn_ctl_state s) {
    switch (s) {
    case XN_CTL_ENABLING: return "enabling";
    case XN_CTL_RUNNING: return "running";
    case XN_CTL_STOPPING: return "stopping";
    case XN_CTL_DONE: return "done";
    case XN_CTL_FAULT: return "fault";
    }
    return "unknown";
}

void xn_controller_config_init(xn_controller_config *c) {
    memset(c, 0, sizeof *c);
    c->command_mode = XN_CMD_TORQUE;
    c->law = XN_SERVO_COMPUTED_TORQUE;
    c->bandwidth = 60;
    c->stop_deceleration_scale = 1;
    c->torque_limit_cycles = 50;
    c->torque_margin = 0.8;
    c->observer_gain = 400;
    c->collision_threshold_model = 0.3;
    c->collision_persistence = 2;
    c->reflex_distance = 0.05;
    c->collision_braking = 4;
    c->compliant_damping = 5;
    c->stream_timeout = 0.1;
    for (int k = 0; k < XN_OTG_MAX_DOFS; k++) {
        c->max_velocity[k] = NAN; /* NaN: take the model's */
        c->max_acceleration[k] = 10;
        c->max_jerk[k] = 1000;
        c->collision_threshold[k] = NAN; /* NaN: XN_COLLISION_THRESHOLD of the torque limit */
    }
}

xn_status xn_shaper_table_lookup(const xn_shaper_table *t, const xn_real *q, xn_real *f,
                                 xn_real *zeta) {
    if (!t || t->n < 1) return XN_ERR_INVALID;
    xn_real wsum = 0, fs = 0, zs = 0;
    for (int i = 0; i < t->n; i++) {
        xn_real d2 = 0;
        for (int k = 0; k < t->nj; k++) d2 += (q[k] - t->q[i][k]) * (q[k] - t->q[i][k]);
        if (d2 < 1e-18) {
            *f = t->frequency[i];
            *zeta = t->damping[i];
            return XN_OK;
        }
        wsum += 1 / d2;
        fs += t->frequency[i] / d2;
        zs += t->damping[i] / d2;
    }
    *f = fs / wsum;
    *zeta = zs / wsum;
    return XN_OK;
}

/* ---- rings ---- */

static void push_sample(xn_controller *c) {
    long head = atomic_load_explicit(&c->s_head, memory_order_relaxed);
    long tail = atomic_load_explicit(&c->s_tail, memory_order_acquire);
    if (head - tail >= XN_CTL_SAMPLE_RING) {
        c->s_lost++;
        return;
    }
    c->samples[head % XN_CTL_SAMPLE_RING] = c->cur;
    atomic_store_explicit(&c->s_head, head + 1, memory_order_release);
}

int xn_controller_next_sample(xn_controller *c, xn_ctl_sample *s) {
    long tail = atomic_load_explicit(&c->s_tail, memory_order_relaxed);
    long head = atomic_load_explicit(&c->s_head, memory_order_acquire);
    if (tail == head) return 0;
    *s = c->samples[tail % XN_CTL_SAMPLE_RING];
    atomic_store_explicit(&c->s_tail, tail + 1, memory_order_release);
    return 1;
}

long xn_controller_samples_lost(const xn_controller *c) { return c->s_lost; }

/* ---- creation ---- */

/* a configuration or robot the controller cannot work with: named in err under "controller" */
#define create_fail(err, ...) xn_fail(err, XN_ERR_INVALID, "controller", __VA_ARGS__)

static xn_status map_joints(xn_controller *c, xn_error *err) {
    const xn_model *m = c->m;
    const xn_hal *hal = c->hal;
    for (int i = 0; i < hal->njoint; i++) {
        const xn_joint_info *ji = &hal->joint_info[i];
        int b = xn_model_joint_body(m, ji->name);
        c->joint_qadr[i] = c->joint_vadr[i] = -1;
        if (b > 0 && m->body_nq[b] == 1 && m->body_nv[b] == 1) {
            c->joint_qadr[i] = m->body_qadr[b];
            c->joint_vadr[i] = m->body_vadr[b];
        } else if (ji->commandable) {
            return create_fail(err, "the robot's joint \"%s\" is not a 1-DoF joint of the model",
                               ji->name);
        }
        if (!ji->commandable) continue;
        if (c->nj == XN_OTG_MAX_DOFS)
            return create_fail(err, "the robot has more than %d commandable joints",
                               XN_OTG_MAX_DOFS);
        int k = c->nj++;
        c->hal_of[k] = i;
        c->qadr[k] = c->joint_qadr[i];
        c->vadr[k] = c->joint_vadr[i];
        c->name[k] = ji->name;
        c->lo[k] = fmax(ji->position_lo, m->q_lower[c->qadr[k]]);
        c->hi[k] = fmin(ji->position_hi, m->q_upper[c->qadr[k]]);
    }
    if (c->nj == 0) return create_fail(err, "the robot has no commandable joint");
    return XN_OK;
}

static xn_status check_config(xn_controller *c, xn_error *err) {
    xn_controller_config *g = &c->cfg;
    for (int k = 0; k < c->nj; k++) {
        if (isnan(g->max_velocity[k])) {
            xn_real vm = c->m->dof_vmax[c->vadr[k]];
            g->max_velocity[k] = isfinite(vm) && vm > 0 ? vm : 1.0;
        }
        xn_real model_vmax = c->m->dof_vmax[c->vadr[k]];
        if (g->max_velocity[k] > model_vmax * (1 + 1e-12))
            return create_fail(err,
                               "joint %s: the rated velocity %g rad/s exceeds the model's "
                               "velocity limit %g rad/s",
                               c->name[k], g->max_velocity[k], model_vmax);
        if (!(g->max_velocity[k] > 0) || !(g->max_acceleration[k] > 0) || !(g->max_jerk[k] > 0) ||
            !isfinite(g->max_velocity[k] + g->max_acceleration[k] + g->max_jerk[k]))
            return create_fail(err,
                               "joint %s: velocity, acceleration and jerk limits must be "
                               "finite and > 0",
                               c->name[k]);
    }
    if (!(g->bandwidth > 0) || !isfinite(g->bandwidth))
        return create_fail(err, "the servo bandwidth must be finite and > 0");
    if (!(g->stop_deceleration_scale > 0) || g->stop_deceleration_scale > 1)
        return create_fail(err, "the stop deceleration scale must be in (0, 1]");
    if (!(g->torque_margin > 0) || g->torque_margin > 1)
        return create_fail(err, "the torque margin must be in (0, 1]");
    if (!(g->observer_gain > 0) || !isfinite(g->observer_gain))
        return create_fail(err, "the observer gain must be finite and > 0");
    if (g->collision_persistence < 1 || g->collision_persistence > 100)
        return create_fail(err, "the collision persistence must be 1 to 100 cycles");
    if (!(g->collision_threshold_model >= 0 && g->collision_threshold_model < 1))
        return create_fail(err, "the model-error share of the collision thresholds must be in "
                                "[0, 1)");
    if (!(g->reflex_distance > 0) || !(g->compliant_damping >= 0))
        return create_fail(err, "the reflex distance must be > 0 and the compliant damping >= 0");
    if (!(g->collision_braking >= 1) || !isfinite(g->collision_braking))
        return create_fail(err, "the collision braking scale must be finite and >= 1");
    if (!(g->stream_timeout > 0) || !isfinite(g->stream_timeout))
        return create_fail(err, "the stream timeout must be finite and > 0 s (%g)",
                           g->stream_timeout);
    for (int k = 0; k < c->nj; k++)
        if (!(isnan(g->collision_threshold[k]) || g->collision_threshold[k] > 0) ||
            !(g->collision_threshold_speed[k] >= 0) || !(g->friction_coulomb[k] >= 0) ||
            !(g->friction_viscous[k] >= 0))
            return create_fail(err,
                               "joint %s: a collision threshold must be > 0 (zero would stop on "
                               "noise), its speed term and the friction model >= 0",
                               c->name[k]);
    return XN_OK;
}

static void setup_payload(xn_controller *c) {
    const xn_model *m = c->m;
    const char *name = c->cfg.payload_frame ? c->cfg.payload_frame : "flange";
    int f = xn_model_frame_id(m, name);
    xn_se3_identity(&c->payload_frame);
    if (f >= 0) {
        c->payload_body = m->frame_body[f];
        c->payload_frame = m->frame_placement[f];
    } else {
        c->payload_body = m->nbody - 1;
    }
    c->base_inertia = m->body_inertia[c->payload_body];
}

/* One filter per `set shaper` (a filter allocates its history: here, not in the cycle). */
static xn_status make_shapers(xn_controller *c, xn_error *err) {
    const xn_program *prog = c->prog;
    xn_real dt = (xn_real)c->hal->period_ns * 1e-9;
    c->interp.shapers = calloc((size_t)prog->n + 1, sizeof *c->interp.shapers);
    if (!c->interp.shapers) return XN_ERR_NOMEM;
    xn_shaper_filter *auto_filter = NULL;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        if (in->op != XN_OP_SET_SHAPER || in->value[0] == -1) continue;
        xn_shaper sh;
        char why[120];
        if (in->value[0] == -2) { /* auto: one filter, long enough for the slowest mode */
            const xn_shaper_table *t = c->cfg.shaper_table;
            if (!t || t->n < 1 || t->nj != c->nj)
                return xn_program_line_fail(
                    err, prog, in, XN_ERR_RANGE,
                    "set shaper auto needs the modes identified for this robot "
                    "(xn tune-shaper, then xn run --shaper-table FILE)");
            if (!auto_filter) {
                xn_real fmin = INFINITY, zmax = 0;
                for (int k = 0; k < t->n; k++) {
                    fmin = fmin < t->frequency[k] ? fmin : t->frequency[k];
                    zmax = zmax > t->damping[k] ? zmax : t->damping[k];
                }
                if (xn_shaper_design(t->type, fmin, zmax, t->v_tol, &sh, why) != XN_OK ||
                    xn_shaper_filter_create(&sh, 3 * c->nj, dt, &auto_filter, why) != XN_OK) {
                    return xn_program_line_fail(err, prog, in, XN_ERR_RANGE,
                                                "the identified modes: %s", why);
                }
            }
            c->interp.shapers[i] = auto_filter;
            continue;
        }
        if (xn_shaper_design((xn_shaper_type)(int)in->value[0], in->value[1], in->value[2],
                             in->value[3], &sh, why) != XN_OK ||
            xn_shaper_filter_create(&sh, 3 * c->nj, dt, &c->interp.shapers[i], why) != XN_OK)
            return xn_program_line_fail(err, prog, in, XN_ERR_RANGE, "%s", why);
    }
    return XN_OK;
}

xn_status xn_controller_create(const xn_model *model, xn_hal *hal, const xn_program *program,
                               const xn_controller_config *cfg, xn_controller **out,
                               xn_error *err) {
    return xn_ctl_create(model, hal, program, cfg, NULL, 0, out, err);
}

xn_status xn_ctl_create(const xn_model *model, xn_hal *hal, const xn_program *program,
                        const xn_controller_config *cfg, const xn_real *plan_start, int sub,
                        xn_controller **out, xn_error *err) {
    *out = NULL;
    if (err) memset(err, 0, sizeof *err);
    xn_controller *c = calloc(1, sizeof *c);
    if (!c) return XN_ERR_NOMEM;
    atomic_init(&c->req, XN_REQ_NONE);
    atomic_init(&c->req_text_ready, 0);
    atomic_flag_clear(&c->req_text_busy);
    atomic_init(&c->pause_req, 0);
    atomic_init(&c->pause_shown, 0);
    atomic_init(&c->load_pending, NULL);
    atomic_init(&c->load_done, NULL);
    atomic_init(&c->run_state, XN_RUN_NONE);
    c->pause_u = c->rate = 1;
    c->is_sub = sub;
    c->plan_start = plan_start;
    /* the controller's own copy: `set payload` changes it, never the application's model */
    xn_model *m = xn_model_copy(model);
    if (!m) {
        free(c);
        return XN_ERR_NOMEM;
    }
    c->m = m;
    c->hal = hal;
    c->prog = program;
    /* programs given later are prepared from the model as given (this copy changes with `set
     * payload` under the loop) */
    if (!sub && !(c->model0 = xn_model_copy(model))) {
        xn_controller_free(c);
        return XN_ERR_NOMEM;
    }
    if (cfg)
        c->cfg = *cfg;
    else
        xn_controller_config_init(&c->cfg);
    size_t nj = (size_t)hal->njoint + 1, nq = (size_t)m->nq + 1, nv = (size_t)m->nv + 1;
    c->d = xn_data_create(m);
    xn_servo_create(m, &c->servo, NULL); /* only memory can fail: checked below */
    c->joint_qadr = calloc(nj, sizeof(int));
    c->joint_vadr = calloc(nj, sizeof(int));
    c->last_stamp = calloc(nj, sizeof(int64_t));
    c->reported = calloc(nj, 1);
    c->q = calloc(nq, sizeof(xn_real));
    c->q_ref = calloc(nq, sizeof(xn_real));
    c->v = calloc(nv, sizeof(xn_real));
    c->v_ref = calloc(nv, sizeof(xn_real));
    c->a_ref = calloc(nv, sizeof(xn_real));
    c->tau = calloc(nv, sizeof(xn_real));
    c->samples = calloc(XN_CTL_SAMPLE_RING, sizeof *c->samples);
    c->events = xn_ctl_events_create();
    c->stream = xn_ctl_stream_create();
    c->latest = xn_ctl_latest_create();
    xn_triple_init(&c->live_idx);
    atomic_flag_clear(&c->live_reading);
    c->traj = xn_ctl_traj_create();
    if (!c->d || !c->servo || !c->joint_qadr || !c->joint_vadr || !c->last_stamp || !c->reported ||
        !c->q || !c->q_ref || !c->v || !c->v_ref || !c->a_ref || !c->tau || !c->samples ||
        !c->events || !c->stream || !c->latest || !c->traj) {
        xn_controller_free(c);
        return XN_ERR_NOMEM;
    }
    /* touch every page of the sample ring now: the first write to a fresh page is a page fault,
     * which the control cycle must not take (real-time practice: fault the memory in at
     * creation; mlockall then keeps it) */
    memset(c->samples, 0, XN_CTL_SAMPLE_RING * sizeof *c->samples);
    xn_status st = map_joints(c, err);
    if (st == XN_OK) st = check_config(c, err);
    if (st == XN_OK && program) {
        const char *names[XN_OTG_MAX_DOFS];
        for (int k = 0; k < c->nj; k++) names[k] = c->name[k];
        st = xn_program_check(program, c->nj, names, c->lo, c->hi, err);
    }
    if (st != XN_OK) {
        xn_controller_free(c);
        return st;
    }
    memcpy(c->q, m->q_neutral, (size_t)m->nq * sizeof(xn_real));
    c->servo->law = c->cfg.law;
    for (int k = 0; k < m->nv; k++) c->servo->active[k] = 0;
    for (int k = 0; k < c->nj; k++) {
        c->servo->active[c->vadr[k]] = 1;
        c->servo->tau_max[c->vadr[k]] =
            fmin(m->dof_effort[c->vadr[k]], hal->joint_info[c->hal_of[k]].torque_max);
    }
    setup_payload(c);
    /* power and force limiting: the monitor always exists, so that an application can declare
     * contact regions while the robot runs (a person steps in) */
    c->pfl_flange = xn_model_frame_id(m, c->cfg.flange_frame ? c->cfg.flange_frame : "flange");
    for (int f = 0; f < m->nframe && c->pfl_flange < 0; f++)
        if (m->frame_body[f] == c->payload_body) c->pfl_flange = f;
    unsigned char *moving = calloc((size_t)m->nv + 1, 1);
    for (int k = 0; k < c->nj && moving; k++) moving[c->vadr[k]] = 1;
    if (moving) xn_pfl_create(m, moving, c->pfl_flange, NULL, &c->pfl, NULL);
    free(moving);
    xn_observer_create(m, &c->obs, NULL);
    c->tau_meas = calloc((size_t)m->nv + 1, sizeof(xn_real));
    c->base_threshold = calloc((size_t)m->nv + 1, sizeof(xn_real));
    if (!c->obs || !c->tau_meas || !c->base_threshold || !c->pfl) {
        xn_controller_free(c);
        return XN_ERR_NOMEM;
    }
    for (int k = 0; k < m->nv; k++) { /* joints the controller does not drive: ignored */
        c->obs->threshold[k] = c->base_threshold[k] = INFINITY;
        c->obs->isolation_level[k] = INFINITY;
    }
    for (int k = 0; k < c->nj; k++) {
        int v = c->vadr[k];
        xn_real th = c->cfg.collision_threshold[k];
        if (isnan(th))
            th = isfinite(c->servo->tau_max[v]) ? XN_COLLISION_THRESHOLD * c->servo->tau_max[v] : 5;
        c->obs->threshold[v] = c->base_threshold[v] = th;
        c->obs->isolation_level[v] = 0.06 * th;
        c->obs->threshold_speed[v] = c->cfg.collision_threshold_speed[k];
        c->obs->friction_coulomb[v] = c->cfg.friction_coulomb[k];
        c->obs->friction_viscous[v] = c->cfg.friction_viscous[k];
        c->obs->gain[v] = c->cfg.observer_gain;
    }
    c->obs->threshold_model = c->cfg.collision_threshold_model;
    c->obs->persistence = c->cfg.collision_persistence;
    c->coll_kind = -1;
    c->fault_cw = XN_CW_QUICK_STOP;
    if (program) {
        /* Cartesian motions are planned now, before anything moves */
        st = xn_ctl_plan_program(c, err);
        if (st == XN_OK) st = make_shapers(c, err);
        if (st == XN_OK) st = xn_ctl_comply_prepare(c, err);
        if (st == XN_OK) st = xn_ctl_policy_prepare(c, err);
        if (st == XN_OK) st = xn_ctl_humanoid_prepare(c, err);
        if (st == XN_OK) st = xn_ctl_claims_prepare(c, err);
        if (st == XN_OK) st = xn_ctl_excite_prepare(c, err);
        if (st != XN_OK) {
            xn_controller_free(c);
            return st;
        }
    }
    if (xn_ctl_stream_prepare(c) != XN_OK) {
        xn_controller_free(c);
        create_fail(err, "out of memory for the stream's inverse kinematics");
        return XN_ERR_NOMEM;
    }
    xn_otg_init(&c->otg, (xn_real)hal->period_ns * 1e-9);
    c->otg_ws = xn_otg_workspace_create(); /* a replan's scratch, off the real-time stack */
    if (!c->otg_ws) {
        xn_controller_free(c);
        create_fail(err, "out of memory for the trajectory generator's workspace");
        return XN_ERR_NOMEM;
    }
    xn_otg_problem_init(&c->input, c->nj);
    c->speed_override = 1;
    c->state = XN_CTL_ENABLING;
    *out = c;
    return XN_OK;
}

void xn_controller_free(xn_controller *c) {
    if (!c) return;
    xn_ctl_load_free(c); /* programs given from outside, each with its own preparation */
    xn_ctl_plan_free(c);
    xn_observer_free(c->obs);
    xn_pfl_free(c->pfl);
    xn_compliance_free(c->comp);
    xn_ik_free(c->ik);
    free(c->interp.policy_id);
    xn_ctl_humanoid_free(c);
    free(c->Kj);
    free(c->Dj);
    free(c->Mj);
    free(c->q_anchor);
    free(c->scratch);
    free(c->tau_meas);
    free(c->base_threshold);
    if (c->interp.shapers) {
        xn_shaper_filter *auto_filter = NULL;
        for (int i = 0; i < c->prog->n; i++) {
            if (!c->interp.shapers[i]) continue;
            if (c->prog->ins[i].value[0] == -2)
                auto_filter = c->interp.shapers[i];
            else
                xn_shaper_filter_free(c->interp.shapers[i]);
        }
        xn_shaper_filter_free(auto_filter);
        free(c->interp.shapers);
    }
    xn_data_free(c->d);
    xn_otg_workspace_free(c->otg_ws);
    xn_servo_free(c->servo);
    free(c->joint_qadr);
    free(c->joint_vadr);
    free(c->last_stamp);
    free(c->reported);
    free(c->interp.stream_claim);
    free(c->interp.fourier_joint);
    free(c->q);
    free(c->q_ref);
    free(c->v);
    free(c->v_ref);
    free(c->a_ref);
    free(c->tau);
    free(c->samples);
    xn_ctl_events_free(c->events);
    xn_ctl_stream_free(c->stream);
    xn_ctl_latest_free(c->latest);
    xn_ctl_traj_free(c->traj);
    xn_model_free(c->m); /* the controller's copy */
    xn_model_free(c->model0);
    free(c->start_q);
    xn_program_free(c->owned_prog); /* a sub's: its interpreter, freed above, read it */
    free(c);
}

/* ---- stopping ---- */

/* Called from the step alone: the state changes at once. */
void xn_ctl_quick_stop(xn_controller *c, xn_event_code why, const char *text) {
    if (c->state == XN_CTL_FAULT) return;
    c->state = XN_CTL_FAULT;
    xn_ctl_stream_abort(c);
    xn_ctl_load_abandon(c);
    c->fault_ns = c->time_ns;
    xn_ctl_event(c, why, -1, 0, "%s", text);
    xn_ctl_event(c, XN_EV_QUICK_STOP, -1, 0, "every drive told to quick stop");
}

void xn_ctl_begin_stop(xn_controller *c, xn_event_code why, const char *text) {
    if (c->state != XN_CTL_RUNNING) return;
    if (why) xn_ctl_event(c, why, -1, 0, "%s", text);
    c->state = XN_CTL_STOPPING;
    xn_ctl_stream_abort(c);
    xn_ctl_load_abandon(c);
    c->interp.act = ACT_NONE;
    /* decelerate on the trajectory generator: velocity interface, target at rest */
    xn_otg_problem *p = &c->input;
    p->interface = XN_OTG_VELOCITY;
    for (int k = 0; k < c->nj; k++) {
        p->target_velocity[k] = 0;
        p->target_acceleration[k] = 0;
        p->max_acceleration[k] = c->cfg.max_acceleration[k] * c->cfg.stop_deceleration_scale;
        p->max_jerk[k] = c->cfg.max_jerk[k] * c->cfg.stop_deceleration_scale;
    }
}

/* Raise the pending request to at least r (a compare-and-swap loop: lock-free, so safe in a
 * signal handler). */
static void raise_request(xn_controller *c, int r) {
    int cur = atomic_load_explicit(&c->req, memory_order_relaxed);
    while (cur < r && !atomic_compare_exchange_weak_explicit(&c->req, &cur, r, memory_order_release,
                                                             memory_order_relaxed)) {
    }
}

void xn_controller_request_stop(xn_controller *c, xn_stop_category cat) {
    raise_request(c, cat == XN_STOP_CATEGORY_2   ? XN_REQ_CAT2
                     : cat == XN_STOP_CATEGORY_1 ? XN_REQ_CAT1
                                                 : XN_REQ_CAT0);
}

void xn_controller_quick_stop(xn_controller *c, xn_event_code why, const char *text) {
    if (!atomic_flag_test_and_set_explicit(&c->req_text_busy, memory_order_acquire)) {
        if (!atomic_load_explicit(&c->req_text_ready, memory_order_relaxed)) {
            c->req_why = why;
            snprintf(c->req_text, sizeof c->req_text, "%s", text ? text : "");
            atomic_store_explicit(&c->req_text_ready, 1, memory_order_relaxed);
        }
        atomic_flag_clear_explicit(&c->req_text_busy, memory_order_release);
    }
    raise_request(c, XN_REQ_QUICK);
}

void xn_controller_stop(xn_controller *c) { xn_controller_request_stop(c, XN_STOP_CATEGORY_2); }

/* Power off without a fault: the robot holds still (done, enabling) or is already stopped. */
static void power_off(xn_controller *c, const char *text) {
    if (c->power_off) return;
    c->power_off = 1;
    xn_ctl_event(c, XN_EV_POWER_OFF, -1, 0, "%s", text);
}

/* Stop category 0 or 1 by the drives, for `why` (a request, a collision): 0 powers off at once
 * (the holding brakes), 1 quick-stops and powers off once at rest. */
static void drive_stop(xn_controller *c, int cat, xn_event_code why) {
    if (cat == 0)
        c->fault_cw = XN_CW_DISABLE_VOLTAGE;
    else
        c->stop1 = 1;
    xn_ctl_quick_stop(c, why,
                      cat == 0 ? "stop category 0: power off, brakes"
                               : "stop category 1: braking, then power off");
}

void xn_ctl_stop_category(xn_controller *c, int cat, const char *why) {
    int still = c->state == XN_CTL_DONE || c->state == XN_CTL_ENABLING;
    xn_ctl_event(c, XN_EV_STOP_REQUEST, -1, cat, "stop category %d (%s)", cat, why);
    if (cat == 2) {
        if (c->state == XN_CTL_RUNNING)
            xn_ctl_begin_stop(c, XN_EV_STOPPED, "stop requested");
        else if (c->state == XN_CTL_ENABLING)
            c->state = XN_CTL_DONE;
        return;
    }
    if (still || c->state == XN_CTL_FAULT) {
        if (cat == 1 && c->state == XN_CTL_FAULT)
            c->stop1 = 1; /* power off once the quick stop has braked to rest */
        else
            power_off(c, cat == 0 ? "stop category 0: every drive powered off"
                                  : "stop category 1 with the robot at rest: every drive powered "
                                    "off");
        return;
    }
    drive_stop(c, cat, XN_EV_QUICK_STOP);
}

/* The requests of other threads and signal handlers, taken at the start of a step. */
static void take_requests(xn_controller *c) {
    int r = atomic_exchange_explicit(&c->req, XN_REQ_NONE, memory_order_acquire);
    if (r == XN_REQ_NONE) return;
    if (r == XN_REQ_QUICK) {
        xn_event_code why = XN_EV_QUICK_STOP;
        char text[sizeof c->req_text] = "quick stop requested";
        if (!atomic_flag_test_and_set_explicit(&c->req_text_busy, memory_order_acquire)) {
            if (atomic_load_explicit(&c->req_text_ready, memory_order_relaxed)) {
                why = c->req_why;
                memcpy(text, c->req_text, sizeof text);
                atomic_store_explicit(&c->req_text_ready, 0, memory_order_relaxed);
            }
            atomic_flag_clear_explicit(&c->req_text_busy, memory_order_release);
        }
        /* already stopped (the loop's own watchdog may have seen the late step first): still
         * say who asked, e.g. the independent watchdog */
        if (c->state == XN_CTL_FAULT)
            xn_ctl_event(c, why, -1, 0, "%s", text);
        else
            xn_ctl_quick_stop(c, why, text);
        return;
    }
    xn_ctl_stop_category(c, r == XN_REQ_CAT2 ? 2 : r == XN_REQ_CAT1 ? 1 : 0, "requested");
}

int xn_controller_powered_off(const xn_controller *c) {
    for (int k = 0; k < c->nj; k++) {
        int i = c->hal_of[k];
        if (c->reported[i] & REPORTED_SENSOR) continue;
        switch (xn_hal_joint_state(c->hal, i)) {
        case XN_CIA402_SWITCHED_ON:
        case XN_CIA402_OPERATION_ENABLED:
        case XN_CIA402_QUICK_STOP:
        case XN_CIA402_FAULT_REACTION: return 0;
        default: break;
        }
    }
    return 1;
}

/* ---- collision detection and reaction ---- */

static const char *reaction_name(int k) {
    static const char *const names[] = {"stop category 0", "stop category 1", "stop category 2",
                                        "reflex", "compliant"};
    return k >= 0 && k < 5 ? names[k] : "none";
}

void xn_ctl_set_collision(xn_controller *c, const xn_instruction *in) {
    c->coll_kind = (int)in->value[0];
    for (int k = 0; k < c->m->nv; k++) c->obs->threshold[k] = c->base_threshold[k] * in->value[1];
    xn_observer_reset(c->obs);
    if (c->coll_kind < 0)
        xn_ctl_event(c, XN_EV_SETTING, -1, 0, "collision detection off");
    else
        xn_ctl_event(c, XN_EV_SETTING, -1, in->value[1],
                     "collision detection on, reaction: %s, thresholds x%g",
                     reaction_name(c->coll_kind), in->value[1]);
}

static void react(xn_controller *c, int dof) {
    int k = -1;
    for (int j = 0; j < c->nj; j++)
        if (c->vadr[j] == dof) k = j;
    xn_ctl_event(c, XN_EV_COLLISION, k, dof >= 0 ? c->obs->r[dof] : 0,
                 "contact on %s's link or beyond (residual %.1f N m): %s",
                 k >= 0 ? c->name[k] : "a joint", dof >= 0 ? c->obs->r[dof] : 0,
                 reaction_name(c->coll_kind));
    c->reacted = 1;
    switch (c->coll_kind) {
    case XN_REACT_STOP0: drive_stop(c, 0, XN_EV_COLLISION); break;
    case XN_REACT_STOP1: drive_stop(c, 1, XN_EV_COLLISION); break;
    case XN_REACT_STOP2:
        xn_ctl_begin_stop(c, 0, NULL);
        for (int j = 0; j < c->nj; j++) {
            c->input.max_acceleration[j] = c->cfg.max_acceleration[j] * c->cfg.collision_braking;
            c->input.max_jerk[j] = c->cfg.max_jerk[j] * c->cfg.collision_braking;
        }
        break;
    case XN_REACT_REFLEX: {
        /* back along the residual, in joint space, at the rated limits */
        xn_real norm = 0;
        for (int j = 0; j < c->nj; j++) norm += c->obs->r[c->vadr[j]] * c->obs->r[c->vadr[j]];
        norm = sqrt(norm);
        xn_otg_problem *p = &c->input;
        p->interface = XN_OTG_POSITION;
        for (int j = 0; j < c->nj; j++) {
            xn_real back = norm > 0 ? c->cfg.reflex_distance * c->obs->r[c->vadr[j]] / norm : 0;
            /* the residual is the torque the contact exerts: move the way it pushes */
            xn_real t = c->output.position[j] + back;
            p->target_position[j] = fmin(fmax(t, c->lo[j]), c->hi[j]);
            p->target_velocity[j] = p->target_acceleration[j] = 0;
            p->max_velocity[j] = c->cfg.max_velocity[j];
            p->max_acceleration[j] = c->cfg.max_acceleration[j] * c->cfg.collision_braking;
            p->max_jerk[j] = c->cfg.max_jerk[j] * c->cfg.collision_braking;
        }
        c->state = XN_CTL_STOPPING;
        c->interp.act = ACT_NONE;
        break;
    }
    case XN_REACT_COMPLIANT:
        c->compliant = 1;
        c->compliant_ns = c->time_ns;
        c->state = XN_CTL_DONE;
        c->interp.act = ACT_NONE;
        break;
    default: break;
    }
}

int xn_ctl_observer_step(xn_controller *c) {
    const xn_hal *hal = c->hal;
    int motor = 0;
    for (int k = 0; k < c->m->nv; k++) c->tau_meas[k] = 0;
    for (int i = 0; i < hal->njoint; i++) {
        int va = c->joint_vadr[i];
        if (va < 0) continue;
        if (hal->joint_info[i].has_torque)
            c->tau_meas[va] = hal->joint[i].torque;
        else {
            c->tau_meas[va] = c->tau[va]; /* the commanded torque, friction subtracted */
            motor = 1;
        }
    }
    xn_real dt = (xn_real)hal->period_ns * 1e-9;
    return xn_observer_step(c->obs, c->m, c->d, c->q, c->v, c->tau_meas, motor, dt);
}

static void detect_collision(xn_controller *c) {
    /* in a compliant mode contact is what is asked for: the observer waits */
    if (c->coll_kind < 0 || c->reacted || c->interp.act == ACT_COMPLY || c->policy_active ||
        c->hum_active)
        return;
    if (xn_ctl_observer_step(c) > 0) react(c, xn_observer_isolate(c->obs, c->m, c->v));
}

/* Power and force limiting, checked on the reference each cycle: the planner keeps motions
 * under the limits; this catches what it could not foresee (a blend, a changed override). */
#define PFL_TOLERANCE 1.05
static void monitor_speed(xn_controller *c) {
    if (!c->pfl || !xn_pfl_active(c->pfl) || c->interp.act == ACT_COMPLY || c->policy_active ||
        c->hum_active)
        return;
    xn_pfl_check ck;
    xn_pfl_check_motion(c->pfl, c->m, c->d, c->q_ref, c->v_ref, &ck);
    if (ck.point < 0 || ck.speed <= PFL_TOLERANCE * ck.allowed) return;
    const char *where = ck.region >= 0 ? "in a contact region" : "(collaborative limit)";
    xn_ctl_event(c, XN_EV_PFL_SPEED, -1, ck.speed,
                 "%s moves at %.3f m/s %s, over its limit of %.3f m/s: controlled stop",
                 xn_pfl_point_name(c->pfl, c->m, ck.point), ck.speed, where, ck.allowed);
    c->pfl_tripped = 1;
    xn_ctl_begin_stop(c, 0, NULL);
}

/* ---- one cycle ---- */

/* Readings into q and v; NaN, stale and drive faults are reported once per joint and quick-stop
 * the robot. */
static void read_state(xn_controller *c) {
    const xn_hal *hal = c->hal;
    int bad = 0;
    for (int i = 0; i < hal->njoint; i++) {
        const xn_joint_reading *r = &hal->joint[i];
        int qa = c->joint_qadr[i], va = c->joint_vadr[i];
        if (!isfinite(r->position) || !isfinite(r->velocity)) {
            if (!(c->reported[i] & REPORTED_SENSOR))
                xn_ctl_event(c, XN_EV_SENSOR_NAN, i, 0, "joint %s: the reading is not finite",
                             hal->joint_info[i].name);
            c->reported[i] |= REPORTED_SENSOR;
            bad = 1;
        } else if (c->cycle > 0 && r->stamp_ns <= c->last_stamp[i]) {
            if (!(c->reported[i] & REPORTED_SENSOR))
                xn_ctl_event(c, XN_EV_SENSOR_STALE, i, 0,
                             "joint %s: the reading did not update (stamp %lld ns)",
                             hal->joint_info[i].name, (long long)r->stamp_ns);
            c->reported[i] |= REPORTED_SENSOR;
            bad = 1;
        } else if (qa >= 0) {
            c->q[qa] = r->position;
            c->v[va] = r->velocity;
        }
        c->last_stamp[i] = r->stamp_ns;
        if (!hal->joint_info[i].commandable) continue;
        xn_cia402_state s = xn_cia402_decode(r->statusword);
        if ((s == XN_CIA402_FAULT || s == XN_CIA402_FAULT_REACTION) &&
            !(c->reported[i] & REPORTED_DRIVE)) {
            xn_ctl_event(c, XN_EV_DRIVE_FAULT, i, r->error_code,
                         "joint %s: the drive reports a fault (error code 0x%04X)",
                         hal->joint_info[i].name, r->error_code);
            c->reported[i] |= REPORTED_DRIVE;
            bad = 1;
        }
    }
    if (bad) xn_ctl_quick_stop(c, XN_EV_QUICK_STOP, "a joint failed: stopping every drive");
}

static void enable_drives(xn_controller *c) {
    xn_hal *hal = c->hal;
    int all = 1;
    for (int k = 0; k < c->nj; k++) {
        int i = c->hal_of[k];
        xn_cia402_state s = xn_cia402_decode(hal->joint[i].statusword);
        if (s != XN_CIA402_OPERATION_ENABLED) all = 0;
        hal->command[i].controlword = xn_cia402_enable_step(s, hal->command[i].controlword);
    }
    if (all) {
        c->state = XN_CTL_RUNNING;
        xn_servo_reset(c->servo);
        xn_ctl_event(c, XN_EV_ENABLED, -1, 0, "%d drives in operation enabled", c->nj);
        return;
    }
    if (c->time_ns - c->enable_start_ns > ENABLE_TIMEOUT_NS) {
        for (int k = 0; k < c->nj; k++) {
            xn_cia402_state s = xn_hal_joint_state(hal, c->hal_of[k]);
            if (s != XN_CIA402_OPERATION_ENABLED) {
                xn_ctl_event(c, XN_EV_DRIVE_FAULT, c->hal_of[k], 0,
                             "joint %s: the drive did not enable within 1 s (it is in \"%s\")",
                             c->name[k], xn_cia402_state_str(s));
                break;
            }
        }
        xn_ctl_quick_stop(c, XN_EV_QUICK_STOP, "drives did not enable");
    }
}

int xn_ctl_shaper_settled(const xn_controller *c) {
    if (!c->shaper) return 1;
    xn_real dt = (xn_real)c->hal->period_ns * 1e-9;
    return (xn_real)c->shaper_tail * dt > xn_shaper_duration(&c->shaper->shaper) + dt;
}

/* The shaper on the reference: the servo follows the shaped stream; the trajectory generator
 * keeps working on the unshaped one. */
static void shape_reference(xn_controller *c) {
    if (!c->shaper) return;
    xn_real x[3 * XN_OTG_MAX_DOFS] = {0};
    int nj = c->nj, moving = 0;
    for (int k = 0; k < nj; k++) {
        x[k] = c->q_ref[c->qadr[k]];
        x[nj + k] = c->v_ref[c->vadr[k]];
        x[2 * nj + k] = c->a_ref[c->vadr[k]];
        moving |= x[nj + k] != 0 || x[2 * nj + k] != 0;
    }
    c->shaper_tail = moving ? 0 : c->shaper_tail + 1;
    xn_shaper_filter_step(c->shaper, x, x);
    for (int k = 0; k < nj; k++) {
        c->q_ref[c->qadr[k]] = x[k];
        c->v_ref[c->vadr[k]] = x[nj + k];
        c->a_ref[c->vadr[k]] = x[2 * nj + k];
    }
}

/* The reference for this cycle along a planned path. */
static void follow_path(xn_controller *c) {
    const xn_ctl_plan *pl = &c->interp.plans[c->interp.path_plan];
    /* the plan's clock advances at the program's rate (1 unless paused or resuming) */
    c->interp.path_k = fmin(c->interp.path_k + c->rate, (xn_real)(pl->nS - 1));
    xn_ctl_plan_sample(c, pl, c->interp.path_k, c->q_ref, c->v_ref, c->a_ref);
    for (int k = 0; k < c->nj; k++) {
        /* s(tau) with dtau/dt = rate: v = rate v(tau), a = rate^2 a(tau) + rate' v(tau) */
        int v = c->vadr[k];
        c->a_ref[v] = c->rate * c->rate * c->a_ref[v] + c->rate_dot * c->v_ref[v];
        c->v_ref[v] *= c->rate;
        c->output.position[k] = c->q_ref[c->qadr[k]];
        c->output.velocity[k] = c->v_ref[v];
        c->output.acceleration[k] = c->a_ref[v];
    }
    if (c->interp.path_k >= (xn_real)(pl->nS - 1)) {
        /* at the end: the trajectory generator takes over, holding here */
        c->input.interface = XN_OTG_POSITION;
        for (int k = 0; k < c->nj; k++) {
            c->input.target_position[k] = c->output.position[k];
            c->input.target_velocity[k] = 0;
            c->input.target_acceleration[k] = 0;
            c->output.velocity[k] = c->output.acceleration[k] = 0;
        }
    }
}

/* A source that commands torques: the reference is where the robot is, so that whatever comes
 * next (a stop, a motion) starts from there without a jump. streamed: only the joints the
 * stream claims (the others follow the trajectory generator). */
static void follow_measured(xn_controller *c, int streamed) {
    for (int k = 0; k < c->nj; k++) {
        if (streamed && c->claim[k] != XN_SOURCE_STREAM) continue;
        int qa = c->qadr[k], v = c->vadr[k];
        c->q_ref[qa] = c->q[qa];
        c->v_ref[v] = c->v[v];
        c->a_ref[v] = 0;
        c->output.position[k] = c->q[qa];
        c->output.velocity[k] =
            fmin(fmax(c->v[v], -c->cfg.max_velocity[k]), c->cfg.max_velocity[k]);
        c->output.acceleration[k] = 0;
    }
}

static void generate(xn_controller *c);

/* The reference for this cycle, by the joints' claims: where the joints are for a source that
 * commands torques (the policy, the balance, impedance and guiding, streamed torques), so that
 * whatever comes next starts from there without a jump; the admittance's virtual motion; a
 * streamed trajectory's or a planned path's curve; else the trajectory generator's. */
static void update_reference(xn_controller *c) {
    const int *n = c->nclaim;
    if (n[XN_SOURCE_POLICY] || n[XN_SOURCE_BALANCE]) {
        for (int k = 0; k < c->nj; k++) {
            c->q_ref[c->qadr[k]] = c->q[c->qadr[k]];
            c->v_ref[c->vadr[k]] = c->v[c->vadr[k]];
            c->a_ref[c->vadr[k]] = 0;
        }
        return;
    }
    if (n[XN_SOURCE_COMPLIANCE]) {
        if (c->comply_op == XN_OP_ADMITTANCE)
            xn_ctl_comply_reference(c);
        else
            follow_measured(c, 0); /* impedance and guiding command torques */
        return;
    }
    int torque = n[XN_SOURCE_STREAM] && xn_ctl_stream_torque(c);
    if (torque && n[XN_SOURCE_STREAM] == c->nj) {
        follow_measured(c, 0); /* streamed torques on every joint */
        return;
    }
    if (n[XN_SOURCE_STREAM] && !torque && xn_ctl_traj_step(c)) {
        shape_reference(c); /* a streamed trajectory: its own timed curve */
        return;
    }
    if (c->interp.act == ACT_PATH && n[XN_SOURCE_PROGRAM]) {
        follow_path(c);
        shape_reference(c);
        return;
    }
    if (c->interp.act == ACT_EXCITE && n[XN_SOURCE_PROGRAM]) {
        xn_ctl_excite_follow(c, (xn_real)c->hal->period_ns * 1e-9);
        shape_reference(c);
        return;
    }
    generate(c);
    if (torque) follow_measured(c, 1); /* streamed torques on some joints: the others held */
}

/* The reference from the trajectory generator. */
static void generate(xn_controller *c) {
    xn_otg_problem *p = &c->input;
    for (int k = 0; k < c->nj; k++) {
        p->current_position[k] = c->output.position[k];
        p->current_velocity[k] = c->output.velocity[k];
        p->current_acceleration[k] = c->output.acceleration[k];
    }
    if (xn_ctl_pause_motion(c)) { /* the motion on the paused or resuming clock */
        for (int k = 0; k < c->nj; k++) {
            c->q_ref[c->qadr[k]] = c->output.position[k];
            c->v_ref[c->vadr[k]] = c->output.velocity[k];
            c->a_ref[c->vadr[k]] = c->output.acceleration[k];
        }
        shape_reference(c);
        return;
    }
    xn_error oe;
    xn_status r = xn_otg_update_in(&c->otg, p, &c->output, &oe, c->otg_ws);
    if (r != XN_OK) {
        /* keep the last reference; stop (a fault if we were already stopping) */
        xn_ctl_event(c, XN_EV_OTG_ERROR, oe.index, r, "%s", oe.message);
        if (c->state == XN_CTL_RUNNING)
            xn_ctl_begin_stop(c, 0, NULL);
        else
            xn_ctl_quick_stop(c, XN_EV_QUICK_STOP, "the controlled stop failed");
        return;
    }
    if (c->output.new_calculation && c->state == XN_CTL_RUNNING && !xn_ctl_check_trajectory(c)) {
        /* a refused blend: step along the restored trajectory instead (no new calculation) */
        for (int k = 0; k < c->nj; k++) {
            p->current_position[k] = c->output.position[k];
            p->current_velocity[k] = c->output.velocity[k];
            p->current_acceleration[k] = c->output.acceleration[k];
        }
        xn_otg_update_in(&c->otg, p, &c->output, &oe, c->otg_ws);
    }
    for (int k = 0; k < c->nj; k++) {
        c->q_ref[c->qadr[k]] = c->output.position[k];
        c->v_ref[c->vadr[k]] = c->output.velocity[k];
        c->a_ref[c->vadr[k]] = c->output.acceleration[k];
    }
    shape_reference(c);
    if (c->state == XN_CTL_STOPPING && c->output.finished && xn_ctl_shaper_settled(c)) {
        c->state = XN_CTL_DONE;
        xn_ctl_event(c, XN_EV_STOPPED, -1, 0, "controlled stop finished");
    }
}

/* The first reference: where the robot is, at rest (bumpless start). */
static void init_reference(xn_controller *c) {
    memcpy(c->q_ref, c->q, (size_t)c->m->nq * sizeof(xn_real));
    memset(c->v_ref, 0, (size_t)c->m->nv * sizeof(xn_real));
    memset(c->a_ref, 0, (size_t)c->m->nv * sizeof(xn_real));
    memset(&c->output, 0, sizeof c->output);
    for (int k = 0; k < c->nj; k++) {
        c->output.position[k] = c->q[c->qadr[k]];
        c->input.target_position[k] = c->q[c->qadr[k]];
        c->input.max_velocity[k] = c->cfg.max_velocity[k];
        c->input.max_acceleration[k] = c->cfg.max_acceleration[k];
        c->input.max_jerk[k] = c->cfg.max_jerk[k];
    }
    c->have_reference = 1;
    /* gains from the bandwidth; PD laws scale them by the mass matrix at this configuration */
    xn_servo_tune(c->servo, c->m, c->d, c->q, c->cfg.bandwidth);
}

/* The compliant collision reaction: gravity and Coriolis compensation with joint damping only, so
 * that a person pinned by the arm can push it away. */
static void command_compliant(xn_controller *c) {
    xn_dyn_rnea(c->m, c->d, c->q, c->v, NULL);
    for (int k = 0; k < c->nj; k++) {
        int v = c->vadr[k];
        xn_real t = c->d->tau[v] - c->cfg.compliant_damping * c->v[v];
        t = fmin(fmax(t, -c->servo->tau_max[v]), c->servo->tau_max[v]);
        c->tau[v] = t;
        xn_joint_command *cmd = &c->hal->command[c->hal_of[k]];
        cmd->mode = XN_MODE_CST;
        cmd->torque = t;
        cmd->position = c->q[c->qadr[k]];
        cmd->velocity = c->v[v];
    }
}

/* The drive commands, written by the source that claims the joints (one writer per joint). */
static void command_drives(xn_controller *c) {
    xn_hal *hal = c->hal;
    const xn_model *m = c->m;
    const int *n = c->nclaim;
    if (n[XN_SOURCE_REACTION]) {
        command_compliant(c);
        return;
    }
    if (n[XN_SOURCE_POLICY]) {
        xn_ctl_policy_step(c);
        return;
    }
    if (n[XN_SOURCE_BALANCE]) {
        xn_ctl_humanoid_step(c);
        return;
    }
    if (n[XN_SOURCE_COMPLIANCE] && c->comply_op != XN_OP_ADMITTANCE) {
        xn_ctl_comply_torque(c);
        return;
    }
    int torque = n[XN_SOURCE_STREAM] && xn_ctl_stream_torque(c);
    if (torque && n[XN_SOURCE_STREAM] == c->nj) {
        xn_ctl_stream_command(c);
        return;
    }
    /* DoFs outside the controller's reach follow their measurement */
    for (int i = 0; i < hal->njoint; i++) {
        if (hal->joint_info[i].commandable || c->joint_qadr[i] < 0) continue;
        c->q_ref[c->joint_qadr[i]] = c->q[c->joint_qadr[i]];
        c->v_ref[c->joint_vadr[i]] = c->v[c->joint_vadr[i]];
    }
    xn_real dt = (xn_real)hal->period_ns * 1e-9;
    int clipped =
        xn_servo_compute(c->servo, m, c->d, c->q, c->v, c->q_ref, c->v_ref, c->a_ref, dt, c->tau);
    c->sat_cycles = clipped ? c->sat_cycles + 1 : 0;
    if (c->sat_cycles > c->cfg.torque_limit_cycles && c->state == XN_CTL_RUNNING)
        xn_ctl_begin_stop(c, XN_EV_TORQUE_LIMIT,
                          "the servo saturated at a torque limit: controlled stop");
    for (int k = 0; k < c->nj; k++) {
        xn_joint_command *cmd = &hal->command[c->hal_of[k]];
        cmd->position = c->q_ref[c->qadr[k]];
        cmd->velocity = c->v_ref[c->vadr[k]];
        cmd->torque = c->tau[c->vadr[k]];
        cmd->mode = c->cfg.command_mode == XN_CMD_POSITION ? XN_MODE_CSP : XN_MODE_CST;
    }
    if (c->cfg.command_mode == XN_CMD_POSITION) {
        /* the drive servoes; the model gives the torque the reference needs */
        xn_dyn_rnea(m, c->d, c->q_ref, c->v_ref, c->a_ref);
        for (int k = 0; k < c->nj; k++)
            hal->command[c->hal_of[k]].torque =
                c->d->tau[c->vadr[k]] + m->dof_damping[c->vadr[k]] * c->v_ref[c->vadr[k]];
    }
    if (torque) xn_ctl_stream_command(c); /* the stream's joints, over the servo's */
}

static void record(xn_controller *c) {
    xn_ctl_sample *s = &c->cur;
    s->time_ns = c->time_ns;
    s->line = c->interp.line;
    s->state = c->state;
    for (int k = 0; k < c->nj; k++) {
        s->q[k] = c->q[c->qadr[k]];
        s->v[k] = c->v[c->vadr[k]];
        s->tau[k] = c->hal->command[c->hal_of[k]].torque;
        s->q_ref[k] = c->q_ref[c->qadr[k]];
        s->v_ref[k] = c->v_ref[c->vadr[k]];
        s->a_ref[k] = c->a_ref[c->vadr[k]];
    }
    s->has_tracker = c->hal->ntracker > 0;
    if (s->has_tracker) memcpy(s->tracker, c->hal->tracker[0].position, sizeof s->tracker);
    s->nft = c->hal->nft < XN_SAMPLE_FT ? c->hal->nft : XN_SAMPLE_FT;
    s->nimu = c->hal->nimu < XN_SAMPLE_IMU ? c->hal->nimu : XN_SAMPLE_IMU;
    if (s->nft) memcpy(s->ft, c->hal->ft, (size_t)s->nft * sizeof s->ft[0]);
    if (s->nimu) memcpy(s->imu, c->hal->imu, (size_t)s->nimu * sizeof s->imu[0]);
    memcpy(s->source, c->claim, sizeof s->source);
    s->humanoid = 0;
    if (c->hum_active) xn_ctl_humanoid_record(c, s);
    push_sample(c);
    xn_ctl_latest_publish(c->latest, s);
}

void xn_controller_step(xn_controller *c) {
    xn_hal *hal = c->hal;
    c->time_ns = hal->time_ns;
    if (c->cycle == 0) c->enable_start_ns = c->time_ns;
    take_requests(c);
    read_state(c);
    if (!c->have_reference) init_reference(c);
    if (c->state == XN_CTL_RUNNING || c->state == XN_CTL_STOPPING || c->state == XN_CTL_DONE)
        detect_collision(c);
    switch (c->state) {
    case XN_CTL_ENABLING: enable_drives(c); break;
    case XN_CTL_RUNNING:
        if (c->prog) {
            xn_ctl_pause_update(c);
            xn_ctl_program_step(c);
        } else
            c->state = XN_CTL_DONE;
        break;
    default: break;
    }
    xn_ctl_claims_update(c);
    if (c->state == XN_CTL_RUNNING || c->state == XN_CTL_STOPPING || c->state == XN_CTL_DONE)
        update_reference(c);
    if (c->state == XN_CTL_RUNNING) monitor_speed(c);
    xn_ctl_claims_update(c); /* a stop the reference or the speed monitor began takes effect */
    if (c->state == XN_CTL_FAULT) {
        if (c->stop1 && c->fault_cw != XN_CW_DISABLE_VOLTAGE) {
            /* category 1: power off once every drive has braked to rest, or once the ramps have
             * had their time (a humanoid's joints held by their drives while the body settles
             * on its feet never all come below the rest speed) */
            int rest = 1;
            for (int k = 0; k < c->nj; k++)
                rest &= fabs(hal->joint[c->hal_of[k]].velocity) < REST_VELOCITY;
            int late = c->time_ns - c->fault_ns > STOP_SETTLE_NS;
            if (rest || late) {
                c->fault_cw = XN_CW_DISABLE_VOLTAGE;
                xn_ctl_event(c, XN_EV_POWER_OFF, -1, 0,
                             rest ? "every drive at rest: powered off (stop category 1)"
                                  : "the joints did not all come to rest within 2 s of the quick "
                                    "stop: powered off (stop category 1)");
            }
        }
        for (int k = 0; k < c->nj; k++) hal->command[c->hal_of[k]].controlword = c->fault_cw;
        for (int k = 0; k < c->nj; k++) hal->command[c->hal_of[k]].torque = 0;
    } else {
        command_drives(c);
        xn_ctl_gate_pass(c); /* whichever source wrote them */
    }
    if (c->power_off)
        for (int k = 0; k < c->nj; k++)
            hal->command[c->hal_of[k]].controlword = XN_CW_DISABLE_VOLTAGE;
    record(c);
    c->cycle++;
}

xn_ctl_state xn_controller_state(const xn_controller *c) { return c->state; }

xn_pfl *xn_controller_pfl(xn_controller *c) { return c->pfl; }

const xn_hal *xn_controller_hal(const xn_controller *c) { return c->hal; }

int xn_controller_finished(const xn_controller *c) {
    /* after a compliant reaction, not at once: every run ends with a braking stop (xn_loop_run),
     * which would press the arm back into the person it has just let go of */
    if (c->state == XN_CTL_DONE)
        return c->interp.act == ACT_NONE &&
               (!c->compliant || c->time_ns - c->compliant_ns > STOP_SETTLE_NS);
    if (c->state != XN_CTL_FAULT) return 0;
    /* the drives have had their ramps: what still moves is the body settling, not a motion the
     * controller could finish */
    if (c->time_ns - c->fault_ns > STOP_SETTLE_NS) return 1;
    for (int k = 0; k < c->nj; k++) {
        int i = c->hal_of[k];
        if (c->reported[i] & REPORTED_SENSOR)
            continue; /* its reading cannot be trusted: nothing to wait for */
        xn_cia402_state s = xn_hal_joint_state(c->hal, i);
        if (s == XN_CIA402_FAULT_REACTION || s == XN_CIA402_OPERATION_ENABLED) return 0;
        xn_real v = c->hal->joint[i].velocity;
        if (isfinite(v) && fabs(v) > REST_VELOCITY && s != XN_CIA402_FAULT) return 0;
    }
    return 1;
}

int xn_controller_njoint(const xn_controller *c) { return c->nj; }
const char *xn_controller_joint_name(const xn_controller *c, int k) {
    return k >= 0 && k < c->nj ? c->name[k] : "";
}
const xn_ctl_sample *xn_controller_sample(const xn_controller *c) { return &c->cur; }
