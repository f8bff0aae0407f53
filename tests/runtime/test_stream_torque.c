/* Streamed torques (XN_STREAM_TORQUE) on the Panda in MuJoCo, whose physics is the reference:
 * a streamed zero lets the arm float (the controller's gravity, Coriolis and friction
 * compensation against MuJoCo's own dynamics); a torque on one joint accelerates it as M^-1 tau
 * predicts (M by CRBA, the acceleration measured in MuJoCo); a torque that drives a joint toward
 * its limit ends the torque stream before the limit, after which torques are refused until a
 * position setpoint takes over; a silent torque stream brings the joints to rest; bad torques
 * (NaN, beyond a rating, the wrong count) are refused naming the joint and move nothing.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "runtime/panda_rig.h"
#include "test_util.h"

static int nj;

static xn_setpoint torques(const double *tau) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_TORQUE;
    sp.n = nj;
    if (tau) memcpy(sp.torque, tau, (size_t)nj * sizeof(double));
    return sp;
}

static void run(rig *r, int n, const xn_setpoint *sp) {
    for (int i = 0; i < n; i++) {
        if (sp) xn_controller_stream(r->c, sp, NULL);
        rt_cycle(r->c, r->hal);
        rt_drain(r->c, &r->ev);
    }
}

static int count(const rig *r, xn_event_code code) {
    int n = 0;
    for (int i = 0; i < r->ev.n; i++) n += r->ev.ev[i].code == code;
    return n;
}

static double q_of(const rig *r, int k) { return r->hal->joint[k].position; }
static double v_of(const rig *r, int k) { return r->hal->joint[k].velocity; }

int main(void) {
    rig r;
    if (rig_open(&r, "stream timeout 0.05\nmovej [0, 0, 0, -1.57079, 0, 1.57079, -0.7853]\n", 1)) {
        XT_CHECK(0, "rig (MuJoCo)");
        return xt_done("test_stream_torque");
    }
    nj = xn_controller_njoint(r.c);
    for (int i = 0; i < 3000 && !xn_controller_streaming(r.c); i++) run(&r, 1, NULL);
    run(&r, 200, NULL); /* settle at the start */
    XT_CHECK(xn_controller_streaming(r.c), "the stream line runs");

    /* bad torques: refused with the joint named, nothing moves */
    double tau[16] = {0};
    xn_setpoint sp = torques(tau);
    xn_error err;
    sp.torque[2] = NAN;
    XT_CHECK(xn_controller_stream(r.c, &sp, &err) == XN_ERR_RANGE && err.index == 2 &&
                 strstr(err.message, "joint3"),
             "a NaN torque is refused naming joint3: %s", err.message);
    sp.torque[2] = 0;
    sp.torque[5] = 1e4;
    XT_CHECK(xn_controller_stream(r.c, &sp, &err) == XN_ERR_RANGE && err.index == 5 &&
                 strstr(err.message, "rating"),
             "a torque beyond its rating is refused: %s", err.message);
    sp.torque[5] = 0;
    sp.n = nj - 1;
    XT_CHECK(xn_controller_stream(r.c, &sp, &err) == XN_ERR_SIZE, "the wrong count is refused");

    /* a streamed zero: the arm floats where it is */
    double q0[16];
    for (int k = 0; k < 7; k++) q0[k] = q_of(&r, k);
    xn_setpoint zero = torques(tau);
    run(&r, 1000, &zero);
    double drift = 0;
    for (int k = 0; k < 7; k++) drift = xt_max(drift, fabs(q_of(&r, k) - q0[k]));
    printf("zero torque streamed for 1 s: the arm drifts %.2e rad at most\n", drift);
    XT_CHECK(drift < 2e-3, "a streamed zero holds the arm against gravity (drift %.2e rad)", drift);

    /* a torque on joint 4: its acceleration as M^-1 tau predicts */
    xn_data *d = xn_data_create(r.m);
    double q[16] = {0};
    memcpy(q, r.m->q_neutral, (size_t)r.m->nq * sizeof(double));
    for (int k = 0; k < 7; k++) q[k] = q_of(&r, k);
    xn_dyn_crba(r.m, d, q);
    xn_dyn_factor(r.m, d);
    double x[16] = {0};
    x[3] = 2.0;
    xn_dyn_solve(r.m, d, x); /* the predicted accelerations, rad/s^2 */
    tau[3] = 2.0;
    xn_setpoint push = torques(tau);
    run(&r, 5, &push); /* past the first cycles, where the command's one-cycle delay shows */
    double v0 = v_of(&r, 3);
    run(&r, 20, &push);
    double measured = (v_of(&r, 3) - v0) / 0.020;
    printf("2 N m on joint4: %.4f rad/s^2 measured in MuJoCo, %.4f predicted (M^-1 tau)\n",
           measured, x[3]);
    XT_CHECK(fabs(measured - x[3]) < 0.02 * fabs(x[3]),
             "joint4 accelerates as predicted (%.4f against %.4f rad/s^2)", measured, x[3]);

    /* keep pushing joint 4 toward its upper limit: the guard ends the torque stream short of it,
     * hard (6 N m: at its rated velocity) or gently (0.5 N m: at the speed it could still stop
     * from before the limit) */
    const double hi4 = -0.0698;
    static const struct {
        double tau;
        const char *why;
    } pushes[2] = {{6.0, "rated velocity"}, {0.5, "stop before its limit"}};
    for (int c = 0; c < 2; c++) {
        double highest = -10;
        int before = r.ev.n;
        tau[3] = pushes[c].tau;
        push = torques(tau);
        for (int i = 0; i < 4000; i++) {
            run(&r, 1, &push);
            highest = xt_max(highest, q_of(&r, 3));
        }
        const xn_event *stop = NULL;
        for (int i = before; i < r.ev.n && !stop; i++)
            if (r.ev.ev[i].code == XN_EV_LIMIT_STOP) stop = &r.ev.ev[i];
        printf("%.1f N m toward joint4's limit (%.4f): it came to %.4f; %s\n", pushes[c].tau, hi4,
               highest, stop ? stop->text : "no limit stop");
        XT_CHECK(stop && stop->joint == 3 && strstr(stop->text, pushes[c].why),
                 "the guard ended the %.1f N m stream (%s)", pushes[c].tau, pushes[c].why);
        XT_CHECK(highest < hi4, "joint4 stays short of its limit (%.4f < %.4f)", highest, hi4);
        XT_CHECK(fabs(v_of(&r, 3)) < 0.01, "joint4 brought to rest (%.3g rad/s)", v_of(&r, 3));
        XT_CHECK(xn_controller_stream(r.c, &push, &err) == XN_ERR_INVALID &&
                     strstr(err.message, "position or velocity"),
                 "torques are refused after the guard stopped them: %s", err.message);
        /* a position setpoint takes over (streamed: the stream's timeout applies to it too) */
        xn_setpoint back;
        memset(&back, 0, sizeof back);
        back.mode = XN_STREAM_POSITION;
        back.n = nj;
        for (int k = 0; k < nj; k++) back.position[k] = k < 7 ? q0[k] : q_of(&r, k);
        XT_CHECK(xn_controller_stream(r.c, &back, &err) == XN_OK, "a position setpoint: %s",
                 err.message);
        run(&r, 2500, &back);
        double off = 0;
        for (int k = 0; k < 7; k++) off = xt_max(off, fabs(q_of(&r, k) - q0[k]));
        XT_CHECK(off < 2e-3, "the position setpoint brought the arm back (%.2e rad off)", off);
    }
    tau[3] = 0.5;
    push = torques(tau);
    XT_CHECK(xn_controller_stream(r.c, &push, &err) == XN_OK, "torques accepted again: %s",
             err.message);

    /* a torque stream that falls silent: every joint to rest after the timeout */
    int timeouts = count(&r, XN_EV_STREAM_TIMEOUT);
    run(&r, 100, &push);
    run(&r, 1500, NULL);
    double fastest = 0;
    for (int k = 0; k < 7; k++) fastest = xt_max(fastest, fabs(v_of(&r, k)));
    XT_CHECK(count(&r, XN_EV_STREAM_TIMEOUT) == timeouts + 1, "the silence timed out once");
    XT_CHECK(fastest < 0.01, "every joint at rest after the timeout (%.3g rad/s)", fastest);
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_RUNNING, "power kept (stop category 2)");
    XT_CHECK(count(&r, XN_EV_COMMAND_INVALID) == 0 && count(&r, XN_EV_QUICK_STOP) == 0,
             "no quick stop on the way");
    xn_data_free(d);
    rig_close(&r);
    return xt_done("test_stream_torque");
}
