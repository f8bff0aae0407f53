/* The robot-program interpreter: one step per control cycle, driven by the controller. Motions
 * go to the online trajectory generator; waits and settings complete in place. No allocation.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime_internal.h"

#define MAX_INSTRUCTIONS_PER_CYCLE 64 /* settings run back to back; bound the work per cycle */

void xn_ctl_shaper_reset(xn_controller *c) {
    xn_real x[3 * XN_OTG_MAX_DOFS];
    int nj = c->nj;
    for (int k = 0; k < nj; k++) {
        x[k] = c->output.position[k];
        x[nj + k] = c->output.velocity[k];
        x[2 * nj + k] = c->output.acceleration[k];
    }
    xn_shaper_filter_reset(c->shaper, x);
    c->shaper_tail = 0;
}

void xn_ctl_set_shaper(xn_controller *c, const xn_instruction *in) {
    int kind = (int)in->value[0];
    c->shaper_auto = kind == -2;
    c->shaper = kind == -1 ? NULL : c->interp.shapers[c->interp.pc];
    if (c->shaper) xn_ctl_shaper_reset(c);
    if (kind == -1)
        xn_ctl_event(c, XN_EV_SETTING, -1, 0, "input shaping off");
    else if (kind == -2)
        xn_ctl_event(c, XN_EV_SETTING, -1, 0, "input shaping for the identified modes");
    else
        xn_ctl_event(c, XN_EV_SETTING, -1, in->value[1], "input shaping at %.4g Hz, damping %.3g",
                     in->value[1], in->value[2]);
}

/* `set shaper auto`: the mode at the motion's target, designed into the filter while at rest. */
static void auto_shaper(xn_controller *c, const xn_real *target) {
    const xn_shaper_table *t = c->cfg.shaper_table;
    xn_real f, z;
    xn_shaper sh;
    if (!xn_ctl_shaper_settled(c) || xn_shaper_table_lookup(t, target, &f, &z) != XN_OK) return;
    if (xn_shaper_design(t->type, f, z, t->v_tol, &sh, NULL) != XN_OK ||
        xn_shaper_filter_set(c->shaper, &sh) != XN_OK) {
        xn_ctl_begin_stop(c, XN_EV_STOPPED, "the identified mode gives no usable shaper here");
        return;
    }
    xn_ctl_shaper_reset(c);
    xn_ctl_event(c, XN_EV_SETTING, -1, f, "shaper for %.4g Hz, damping %.3g at this pose", f, z);
}

static void start_motion(xn_controller *c, const xn_instruction *in) {
    xn_otg_problem *p = &c->input;
    /* the override, and the slowing the planner found for power and force limiting */
    xn_real s = c->speed_override * c->interp.motion_scale[c->interp.pc];
    if (c->interp.motion_scale[c->interp.pc] < 1)
        xn_ctl_event(c, XN_EV_PFL_SLOWED, -1, c->interp.motion_scale[c->interp.pc],
                     "slowed to %.0f %% to stay under the power and force limits",
                     100 * c->interp.motion_scale[c->interp.pc]);
    /* a Cartesian target got its joint values when the program was planned */
    const xn_real *target = c->interp.has_resolved[c->interp.pc]
                                ? &c->interp.resolved[(size_t)c->interp.pc * XN_OTG_MAX_DOFS]
                                : in->target;
    p->interface = XN_OTG_POSITION;
    for (int k = 0; k < c->nj; k++) {
        p->target_position[k] = target[k];
        p->target_velocity[k] = 0;
        p->target_acceleration[k] = 0;
        /* the override scales time: velocity by s, acceleration by s^2, jerk by s^3 */
        p->max_velocity[k] = c->cfg.max_velocity[k] * in->speed * s;
        p->max_acceleration[k] = c->cfg.max_acceleration[k] * in->accel * s * s;
        p->max_jerk[k] = c->cfg.max_jerk[k] * in->accel * s * s * s;
        c->interp.target[k] = target[k];
    }
    c->interp.blend = in->blend;
    c->interp.act = ACT_MOTION;
    if (c->shaper_auto && c->shaper) auto_shaper(c, target);
}

int xn_ctl_check_trajectory(xn_controller *c) {
    const xn_trajectory *t = &c->otg.trajectory;
    int blending = c->blending;
    c->blending = 0;
    for (int k = 0; k < c->nj; k++) {
        xn_real lo, hi, tlo, thi;
        xn_trajectory_extrema(t, k, &lo, &tlo, &hi, &thi);
        if (lo >= c->lo[k] - 1e-9 && hi <= c->hi[k] + 1e-9) continue;
        xn_real reach = lo < c->lo[k] ? lo : hi;
        if (blending) {
            /* undo the blend: finish the motion it left (which ends at rest inside the limits),
             * then start this one from rest */
            c->otg = c->saved_otg;
            c->input = c->saved_input;
            c->output = c->saved_output;
            memcpy(c->interp.target, c->saved_target, sizeof c->interp.target);
            c->interp.pc--;
            c->interp.blend = 0;
            c->interp.act = ACT_MOTION;
            c->interp.line = c->prog->ins[c->interp.pc].line;
            xn_ctl_event(c, XN_EV_BLEND_REFUSED, k, reach,
                         "blending would take joint %s to %.4g rad, beyond its limit: stopping "
                         "at the waypoint",
                         c->name[k], reach);
            return 0;
        }
        char text[120];
        snprintf(text, sizeof text,
                 "joint %s would reach %.4g rad, beyond its limit: controlled stop", c->name[k],
                 reach);
        xn_ctl_begin_stop(c, XN_EV_LIMIT_STOP, text);
        return 1;
    }
    return 1;
}

static void apply_payload(xn_controller *c, const xn_instruction *in) {
    /* a point mass at the given centre of mass, in the payload frame */
    const xn_se3 *X = &c->payload_frame;
    xn_real com[3], zero[6] = {0, 0, 0, 0, 0, 0};
    for (int r = 0; r < 3; r++)
        com[r] = X->p[r] + X->R[3 * r] * in->value[1] + X->R[3 * r + 1] * in->value[2] +
                 X->R[3 * r + 2] * in->value[3];
    xn_inertia add, sum;
    xn_inertia_from_com(in->value[0], com, zero, &add);
    xn_inertia_add(&sum, &c->base_inertia, &add);
    xn_model_set_body_inertia(c->m, c->payload_body, &sum);
}

/* 1 when the instruction at pc + 1 is a movej (a blend may hand over to it). */
static int next_is_motion(const xn_controller *c) {
    return c->interp.pc + 1 < c->prog->n && c->prog->ins[c->interp.pc + 1].op == XN_OP_MOVEJ;
}

/* Start a planned path: the robot must be where the plan starts (it is, unless the robot moved
 * between planning and now). */
static void start_path(xn_controller *c, const xn_instruction *in) {
    int p = c->interp.plan_of[c->interp.pc];
    if (p < 0) {
        xn_ctl_begin_stop(c, XN_EV_STOPPED, "a Cartesian motion without a plan");
        return;
    }
    const xn_joint_path *jp = c->interp.plans[p].jp;
    xn_real off = 0;
    for (int k = 0; k < c->nj; k++)
        off = fmax(off, fabs(jp->q[c->qadr[k]] - c->output.position[k]));
    if (off > 1e-6) {
        char text[120];
        snprintf(text, sizeof text,
                 "line %d: the robot is %.3g rad from where the path was planned to start",
                 in->line, off);
        xn_ctl_begin_stop(c, XN_EV_LIMIT_STOP, text);
        return;
    }
    c->interp.path_plan = p;
    c->interp.path_k = 0;
    c->interp.act = ACT_PATH;
}

static int activity_done(xn_controller *c) {
    switch (c->interp.act) {
    case ACT_NONE: return 1;
    case ACT_PATH:
        if (c->interp.path_k < (xn_real)(c->interp.plans[c->interp.path_plan].nS - 1) ||
            !xn_ctl_shaper_settled(c))
            return 0;
        c->interp.pc = c->interp.plans[c->interp.path_plan].last; /* past the whole blended chain */
        return 1;
    case ACT_MOTION: {
        if (c->output.finished) return xn_ctl_shaper_settled(c);
        if (c->interp.blend <= 0 || !next_is_motion(c)) return 0;
        xn_real dist = 0;
        for (int k = 0; k < c->nj; k++)
            dist = fmax(dist, fabs(c->output.position[k] - c->interp.target[k]));
        return dist <= c->interp.blend;
    }
    case ACT_COMPLY:
        if (c->time_ns < c->comply_end_ns) return 0;
        xn_ctl_comply_finish(c);
        return 1;
    case ACT_STREAM: return xn_ctl_stream_step(c);
    case ACT_EXCITE: return xn_ctl_excite_done(c);
    case ACT_WAIT_TIME: return c->time_ns >= c->interp.wait_end_ns;
    case ACT_WAIT_SETTLED: {
        xn_real tol = c->prog->ins[c->interp.pc].value[0], err = 0;
        for (int k = 0; k < c->nj; k++)
            err = fmax(err, fabs(c->q[c->qadr[k]] - c->q_ref[c->qadr[k]]));
        return err <= tol;
    }
    case ACT_WAIT_JOINT: {
        const xn_instruction *in = &c->prog->ins[c->interp.pc];
        xn_real q = c->q[c->qadr[c->interp.wait_joint]];
        return in->cmp == '<' ? q < in->value[0] : q > in->value[0];
    }
    }
    return 1;
}

void xn_ctl_program_step(xn_controller *c) {
    if (c->interp.act == ACT_STREAM) xn_ctl_load_step(c); /* a program given from outside */
    if (xn_ctl_pause_holds(c)) return;
    const xn_program *prog = c->prog;
    for (int guard = 0; guard < MAX_INSTRUCTIONS_PER_CYCLE; guard++) {
        if (c->interp.act != ACT_NONE) {
            if (!activity_done(c)) return;
            if (c->interp.act == ACT_MOTION && !c->output.finished) {
                /* a blend: keep the motion being left, in case the blend must be refused */
                c->blending = 1;
                c->saved_otg = c->otg;
                c->saved_input = c->input;
                c->saved_output = c->output;
                memcpy(c->saved_target, c->interp.target, sizeof c->interp.target);
            }
            c->interp.act = ACT_NONE;
            c->interp.pc++;
        }
        if (c->interp.pc >= prog->n) {
            if (xn_ctl_load_end(c)) return; /* one given from outside: the `stream` line back */
            c->state = XN_CTL_DONE;
            c->interp.line = 0;
            xn_ctl_event(c, XN_EV_PROGRAM_END, -1, 0, "the program ended");
            return;
        }
        const xn_instruction *in = &prog->ins[c->interp.pc];
        c->interp.line = in->line;
        xn_ctl_event(c, XN_EV_LINE, -1, in->line, "line %d", in->line);
        switch (in->op) {
        case XN_OP_MOVEJ: start_motion(c, in); return;
        case XN_OP_MOVEL:
        case XN_OP_MOVEC: start_path(c, in); return;
        case XN_OP_SET_BASE:
            xn_ctl_event(c, XN_EV_SETTING, -1, 0, "base frame set");
            c->interp.pc++;
            break;
        case XN_OP_SET_SHAPER:
            xn_ctl_set_shaper(c, in);
            c->interp.pc++;
            break;
        case XN_OP_SET_COLLISION:
            xn_ctl_set_collision(c, in);
            c->interp.pc++;
            break;
        case XN_OP_WAIT_TIME:
            c->interp.wait_end_ns = c->time_ns + (int64_t)llround(in->value[0] * 1e9);
            c->interp.act = ACT_WAIT_TIME;
            break;
        case XN_OP_WAIT_SETTLED: c->interp.act = ACT_WAIT_SETTLED; break;
        case XN_OP_WAIT_JOINT:
            c->interp.wait_joint = 0;
            for (int k = 0; k < c->nj; k++)
                if (strcmp(c->name[k], in->name) == 0) c->interp.wait_joint = k;
            c->interp.act = ACT_WAIT_JOINT;
            break;
        case XN_OP_SET_SPEED:
            c->speed_override = in->value[0];
            xn_ctl_event(c, XN_EV_SETTING, -1, in->value[0], "speed override %g%%",
                         in->value[0] * 100);
            c->interp.pc++;
            break;
        case XN_OP_SET_PAYLOAD:
            apply_payload(c, in);
            xn_ctl_event(c, XN_EV_SETTING, -1, in->value[0], "payload %g kg", in->value[0]);
            c->interp.pc++;
            break;
        case XN_OP_SET_TOOL:
            memcpy(c->tool, in->value, sizeof c->tool);
            if (c->pfl) xn_pfl_set_tool(c->pfl, c->pfl_flange, c->tool);
            xn_ctl_event(c, XN_EV_SETTING, -1, 0, "tool frame set");
            c->interp.pc++;
            break;
        case XN_OP_IMPEDANCE:
        case XN_OP_GUIDE:
        case XN_OP_ADMITTANCE: xn_ctl_comply_start(c, in); return;
        case XN_OP_POLICY_LOAD:
            xn_ctl_policy_instruction(c, in);
            c->interp.pc++;
            break;
        case XN_OP_BALANCE_LOAD:
        case XN_OP_PUSH:
        case XN_OP_POSTURE:
        case XN_OP_HAND:
            xn_ctl_humanoid_instruction(c, in);
            c->interp.pc++;
            break;
        case XN_OP_WALK:
        case XN_OP_STAND:
            if (c->hum_active && in->op == XN_OP_STAND)
                xn_ctl_humanoid_instruction(c, in);
            else
                xn_ctl_policy_instruction(c, in);
            if (in->duration > 0) {
                c->interp.wait_end_ns = c->time_ns + (int64_t)llround(in->duration * 1e9);
                c->interp.act = ACT_WAIT_TIME;
            } else {
                c->interp.pc++;
            }
            break;
        case XN_OP_SET_CONTACT:
            if (in->value[0] < 0) {
                xn_pfl_clear_regions(c->pfl);
                xn_ctl_event(c, XN_EV_SETTING, -1, 0, "contact regions cleared");
            } else {
                const xn_real *w = &c->interp.resolved[(size_t)c->interp.pc * XN_OTG_MAX_DOFS];
                xn_pfl_add_region(c->pfl, (xn_body_region)(int)in->value[0], w, in->value[4],
                                  in->value[5] != 0, NULL); /* checked when planned */
                xn_ctl_event(c, XN_EV_SETTING, -1, in->value[4], "contact region: %s%s",
                             xn_body_region_limits((xn_body_region)(int)in->value[0])->name,
                             in->value[5] != 0 ? " (clamped)" : "");
            }
            c->interp.pc++;
            break;
        case XN_OP_SET_COLLABORATIVE:
            xn_pfl_set_tool_speed_limit(c->pfl, in->value[0]);
            xn_ctl_event(c, XN_EV_SETTING, -1, in->value[0], "tool-speed limit %g m/s",
                         in->value[0]);
            c->interp.pc++;
            break;
        case XN_OP_STREAM: xn_ctl_stream_begin(c, in); return;
        case XN_OP_FOURIER: c->interp.pc++; break; /* read by the excite line after it */
        case XN_OP_EXCITE: xn_ctl_excite_start(c, in); return;
        case XN_OP_STOP:
            c->interp.pc = prog->n;
            xn_ctl_begin_stop(c, XN_EV_STOPPED, "stop command");
            return;
        default:
            xn_ctl_begin_stop(c, XN_EV_STOPPED, "an instruction this interpreter does not know");
            return;
        }
    }
}
