/* A simulated CiA 402 drive: what a real servo drive does between its fieldbus and its motor,
 * for backends that have no real drive (the MuJoCo simulation, the loopback robot).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "xiaonao/hal.h"

void xn_drive_sim_init(xn_drive_sim *ds, xn_real q) {
    ds->state = XN_CIA402_SWITCH_ON_DISABLED;
    ds->prev_controlword = 0;
    ds->error_code = XN_DRIVE_ERR_NONE;
    ds->hold_position = q;
    ds->ref_position = q;
    ds->ref_velocity = 0;
}

static void start_ramp(xn_drive_sim *ds, xn_real q, xn_real v) {
    ds->ref_position = isfinite(q) ? q : ds->hold_position;
    ds->ref_velocity = isfinite(v) ? v : 0;
}

void xn_drive_sim_command(xn_drive_sim *ds, uint16_t cw, xn_real q, xn_real v) {
    xn_cia402_state before = ds->state;
    xn_cia402_state after = xn_cia402_next(before, cw, ds->prev_controlword);
    ds->prev_controlword = cw;
    if (after == before) return;
    if (after == XN_CIA402_QUICK_STOP)
        start_ramp(ds, q, v);
    else if (before == XN_CIA402_OPERATION_ENABLED || before == XN_CIA402_QUICK_STOP)
        ds->hold_position = isfinite(q) ? q : ds->hold_position;
    if (before == XN_CIA402_FAULT) ds->error_code = XN_DRIVE_ERR_NONE; /* reset clears it */
    ds->state = after;
}

void xn_drive_sim_fault(xn_drive_sim *ds, uint16_t error_code, xn_real q, xn_real v) {
    if (ds->state == XN_CIA402_FAULT || ds->state == XN_CIA402_FAULT_REACTION) return;
    ds->error_code = error_code;
    if (error_code == XN_DRIVE_ERR_SENSOR) {
        /* without its encoder the drive cannot servo a ramp: it drops the torque and the holding
         * brake engages where the joint was last seen (stop category 0) */
        if (isfinite(q)) ds->hold_position = q;
        ds->state = XN_CIA402_FAULT;
    } else if (ds->state == XN_CIA402_OPERATION_ENABLED) {
        start_ramp(ds, q, v);
        ds->state = XN_CIA402_FAULT_REACTION;
    } else if (ds->state == XN_CIA402_QUICK_STOP) {
        ds->state = XN_CIA402_FAULT_REACTION; /* keep braking on the running ramp */
    } else {
        ds->state = XN_CIA402_FAULT;
    }
}

int xn_drive_sim_brake_step(xn_drive_sim *ds, xn_real decel, xn_real dt) {
    if (ds->state != XN_CIA402_QUICK_STOP && ds->state != XN_CIA402_FAULT_REACTION) return 0;
    xn_real v = ds->ref_velocity, dv = decel * dt;
    if (fabs(v) > dv) {
        xn_real vn = v - copysign(dv, v);
        ds->ref_position += 0.5 * (v + vn) * dt;
        ds->ref_velocity = vn;
        return 1;
    }
    /* at rest this period: hold where the ramp ended */
    ds->ref_position += 0.5 * v * fabs(v) / decel;
    ds->ref_velocity = 0;
    ds->hold_position = ds->ref_position;
    if (ds->state == XN_CIA402_FAULT_REACTION) ds->state = XN_CIA402_FAULT;
    return 0;
}

static xn_real clip(xn_real x, xn_real lim) { return x > lim ? lim : (x < -lim ? -lim : x); }

xn_real xn_drive_sim_torque(xn_drive_sim *ds, const xn_joint_command *cmd, const xn_drive_gains *g,
                            xn_real q, xn_real v, xn_real dt) {
    if (!isfinite(q) || !isfinite(v)) {
        /* the drive checks its own encoder: a NaN is a sensor fault; the brake is not servoed */
        xn_drive_sim_fault(ds, XN_DRIVE_ERR_SENSOR, q, v);
        return 0;
    }
    xn_real tau;
    switch (ds->state) {
    case XN_CIA402_OPERATION_ENABLED:
        if (!isfinite(cmd->position) || !isfinite(cmd->velocity) || !isfinite(cmd->torque)) {
            xn_drive_sim_fault(ds, XN_DRIVE_ERR_EXTERNAL, q, v);
            return xn_drive_sim_torque(ds, cmd, g, q, v, dt);
        }
        if (cmd->mode == XN_MODE_CST)
            tau = cmd->torque;
        else if (cmd->mode == XN_MODE_CSV)
            tau = g->kd * (cmd->velocity - v) + cmd->torque;
        else
            tau = g->kp * (cmd->position - q) + g->kd * (cmd->velocity - v) + cmd->torque;
        break;
    case XN_CIA402_QUICK_STOP:
    case XN_CIA402_FAULT_REACTION:
        xn_drive_sim_brake_step(ds, g->quick_stop_decel, dt);
        tau = g->kp * (ds->ref_position - q) + g->kd * (ds->ref_velocity - v);
        break;
    default: /* the holding brake */ tau = g->kp * (ds->hold_position - q) - g->kd * v; break;
    }
    return clip(tau, g->torque_max);
}
