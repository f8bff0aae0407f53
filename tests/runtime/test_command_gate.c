/* The safety layer every drive command passes (command_gate.c), on the Panda's loopback robot:
 * whatever a source writes, a command that is not finite never reaches a drive (the joint is
 * held at its measured position, every drive quick-stops), a torque beyond a joint's rating and
 * a position target outside its range are held at the limit and reported once until they come
 * back inside, and a solver's rounding above a limit is held without a report. The commands are
 * written here the way a faulty source would and passed through the layer, between the steps of
 * a running controller.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "runtime/panda_rig.h"
#include "runtime/runtime_internal.h"
#include "test_util.h"

static int count(const rig *r, xn_event_code code) {
    int n = 0;
    for (int i = 0; i < r->ev.n; i++) n += r->ev.ev[i].code == code;
    return n;
}

/* a faulty source's command for joint k, passed through the layer as the step passes it */
static void faulty_cycle(rig *r, int k, const xn_joint_command *cmd) {
    xn_joint_command *out = &r->hal->command[k];
    out->mode = cmd->mode;
    out->position = cmd->position;
    out->velocity = cmd->velocity;
    out->torque = cmd->torque;
    xn_ctl_gate_pass(r->c);
    rt_drain(r->c, &r->ev);
}

int main(void) {
    rig r;
    if (rig_open(&r, MOVE, 0)) {
        XT_CHECK(0, "rig");
        return xt_done("test_command_gate");
    }
    for (int i = 0; i < 300; i++) {
        rt_cycle(r.c, r.hal);
        rt_drain(r.c, &r.ev);
    }
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_RUNNING, "running");
    double tmax = r.c->servo->tau_max[r.c->vadr[1]];
    double lo = r.c->lo[2], hi = r.c->hi[2];

    /* a torque beyond joint2's rating: held at the rating, reported once while it lasts */
    xn_joint_command big = {.mode = XN_MODE_CST, .torque = 3 * tmax};
    for (int i = 0; i < 5; i++) {
        faulty_cycle(&r, 1, &big);
        XT_CHECK(r.hal->command[1].torque == tmax, "cycle %d: torque held at %.4g (sent %.4g)", i,
                 tmax, r.hal->command[1].torque);
    }
    XT_CHECK(count(&r, XN_EV_COMMAND_CLAMPED) == 1, "reported once (%d)",
             count(&r, XN_EV_COMMAND_CLAMPED));
    big.torque = -3 * tmax;
    faulty_cycle(&r, 1, &big);
    XT_CHECK(r.hal->command[1].torque == -tmax, "a negative torque held at -%.4g", tmax);
    /* inside again, then beyond again: a second report */
    xn_joint_command ok = {.mode = XN_MODE_CST, .torque = 0.5 * tmax};
    faulty_cycle(&r, 1, &ok);
    XT_CHECK(r.hal->command[1].torque == 0.5 * tmax, "a torque inside passes unchanged");
    faulty_cycle(&r, 1, &big);
    XT_CHECK(count(&r, XN_EV_COMMAND_CLAMPED) == 2, "reported again after coming back inside");
    /* a solver's rounding: held, not reported */
    xn_joint_command round = {.mode = XN_MODE_CST, .torque = tmax * (1 + 1e-12)};
    faulty_cycle(&r, 1, &ok);
    faulty_cycle(&r, 1, &round);
    XT_CHECK(r.hal->command[1].torque == tmax && count(&r, XN_EV_COMMAND_CLAMPED) == 2,
             "rounding above the rating is held without a report");

    /* a position target outside joint3's range (position mode): held at the limit */
    xn_joint_command far = {.mode = XN_MODE_CSP, .position = hi + 0.5};
    faulty_cycle(&r, 2, &far);
    XT_CHECK(r.hal->command[2].position == hi, "a target above the range held at %.4f (%.4f)", hi,
             r.hal->command[2].position);
    far.position = lo - 0.5;
    faulty_cycle(&r, 2, &far);
    XT_CHECK(r.hal->command[2].position == lo, "a target below the range held at %.4f", lo);
    XT_CHECK(count(&r, XN_EV_COMMAND_CLAMPED) == 3, "one report for joint3's range");
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_RUNNING && count(&r, XN_EV_QUICK_STOP) == 0,
             "clamps do not stop the robot");

    /* a command that is not finite: the joint held where it is, every drive quick-stops */
    double here = r.c->q[r.c->qadr[4]]; /* the last reading the step took */
    xn_joint_command nan = {.mode = XN_MODE_CST, .torque = NAN};
    faulty_cycle(&r, 4, &nan);
    const xn_joint_command *out = &r.hal->command[4];
    XT_CHECK(out->mode == XN_MODE_CSP && out->position == here && out->torque == 0,
             "joint5 held at its measured position %.4f (mode %d, %.4f, torque %g)", here,
             (int)out->mode, out->position, out->torque);
    XT_CHECK(count(&r, XN_EV_COMMAND_INVALID) == 1 && count(&r, XN_EV_QUICK_STOP) == 1,
             "one invalid-command event and a quick stop");
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_FAULT, "the controller is in its fault state");
    /* a NaN position in position mode is caught too (the field that mode reads) */
    xn_joint_command nanpos = {.mode = XN_MODE_CSP, .position = NAN};
    faulty_cycle(&r, 5, &nanpos);
    XT_CHECK(isfinite(r.hal->command[5].position), "a NaN position target never reaches a drive");
    rig_close(&r);
    return xt_done("test_command_gate");
}
