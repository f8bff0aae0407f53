/* The safety layer every drive command passes on its way to the robot, whichever source wrote
 * it (the program's motions, streams, compliant modes, a policy, the humanoid's balance): the
 * last place a command is seen before the drives, so the one place that must not trust the
 * sources. A command that is not finite never reaches a drive: the joint is held at its measured
 * position and every drive quick-stops. A torque beyond the joint's rating, or a position target
 * outside the joint's range, is held at the limit and reported once until it comes back inside.
 * The sources keep their own checks (the servo's clipping, the trajectory's limit check, the
 * stream's guards); this layer is what remains if one of them is wrong.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>

#include "runtime/runtime_internal.h"

/* the fields the drive reads in its mode are finite */
static int finite_command(const xn_joint_command *cmd) {
    switch (cmd->mode) {
    case XN_MODE_CSP:
        return isfinite(cmd->position) && isfinite(cmd->velocity) && isfinite(cmd->torque);
    case XN_MODE_CSV: return isfinite(cmd->velocity) && isfinite(cmd->torque);
    default: return isfinite(cmd->torque);
    }
}

/* An excess this small (relative) is a solver's tolerance (the whole-body QP's torque bounds),
 * not a source that is wrong: held at the limit without a report. */
#define GATE_TOLERANCE 1e-3

static void clamped(xn_controller *c, int k, int what, double asked, double excess,
                    const char *fmt) {
    c->gate.clamps++;
    if (excess <= GATE_TOLERANCE || (c->gate.reported[k] & what)) return;
    c->gate.reported[k] |= (unsigned char)what;
    xn_ctl_event(c, XN_EV_COMMAND_CLAMPED, k, asked, fmt, c->name[k], asked);
}

enum { GATE_TORQUE = 1, GATE_POSITION = 2 };

void xn_ctl_gate_pass(xn_controller *c) {
    xn_hal *hal = c->hal;
    for (int k = 0; k < c->nj; k++) {
        xn_joint_command *cmd = &hal->command[c->hal_of[k]];
        if (!finite_command(cmd)) {
            cmd->mode = XN_MODE_CSP;
            cmd->position = c->q[c->qadr[k]]; /* the last reading that could be trusted */
            cmd->velocity = 0;
            cmd->torque = 0;
            char why[96];
            snprintf(why, sizeof why, "joint %s: the drive command is not finite: held where it is",
                     c->name[k]);
            xn_ctl_quick_stop(c, XN_EV_COMMAND_INVALID, why); /* reports the first joint */
            continue;
        }
        xn_real tmax = c->servo->tau_max[c->vadr[k]];
        if (fabs(cmd->torque) > tmax) {
            clamped(c, k, GATE_TORQUE, cmd->torque, fabs(cmd->torque) / tmax - 1,
                    "joint %s: torque %.4g N m beyond its rating: held at the limit");
            cmd->torque = cmd->torque > 0 ? tmax : -tmax;
        } else {
            c->gate.reported[k] &= (unsigned char)~GATE_TORQUE;
        }
        if (cmd->mode == XN_MODE_CSP && (cmd->position < c->lo[k] || cmd->position > c->hi[k])) {
            xn_real over =
                cmd->position < c->lo[k] ? c->lo[k] - cmd->position : cmd->position - c->hi[k];
            clamped(c, k, GATE_POSITION, cmd->position, over / (c->hi[k] - c->lo[k]),
                    "joint %s: position target %.6g outside its range: held at the limit");
            cmd->position = cmd->position < c->lo[k] ? c->lo[k] : c->hi[k];
        } else {
            c->gate.reported[k] &= (unsigned char)~GATE_POSITION;
        }
    }
}
