/* The sources' claims (ros2_control's split: sources of motion claim the joints, one safety
 * layer after them), on the Panda on the loopback robot. A `stream joints joint5 joint[67]` line
 * claims the wrist; the program holds the other four where its motion left them. Checked: the
 * record's source per joint before, during and after the line; setpoints, velocities,
 * trajectories and Cartesian poses given for the three claimed joints reach them exactly while
 * the four held joints stay bit for bit where they were (positions read from the robot, not from
 * the controller); a setpoint or trajectory for every joint, or for a joint the line does not
 * claim, is refused with the reason; a torque setpoint drives the wrist in torque mode while the
 * held joints stay in position mode; the timeout and the stream's end; a stop releases every
 * claim; a pattern that matches no joint fails at creation with the line named.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "runtime/panda_rig.h"
#include "test_util.h"
#include "xiaonao/dynamics.h"

static const double start[7] = {0.3, -0.2, 0.1, -1.8, 0.2, 1.6, 0.4};

/* the held joints' worst move since the hold began (rad, NaN fails the checks) */
typedef struct {
    double hold[4];
    double worst;
} held_watch;

static void cycles(rig *r, int n, held_watch *h) {
    for (int i = 0; i < n; i++) {
        rt_cycle(r->c, r->hal);
        rt_drain(r->c, &r->ev);
        for (int k = 0; k < 4 && h; k++) {
            double d = fabs(r->hal->joint[k].position - h->hold[k]);
            h->worst = isnan(d) || d > h->worst ? d : h->worst;
        }
    }
}

static int sources_are(const rig *r, xn_source arm, xn_source wrist) {
    xn_ctl_sample s;
    if (!xn_controller_latest(r->c, &s)) return 0;
    for (int k = 0; k < 7; k++)
        if (s.source[k] != (k < 4 ? arm : wrist) || xn_controller_source(r->c, k) != s.source[k])
            return 0;
    return 1;
}

static double wrist_off(const rig *r, const double *goal) {
    double off = 0;
    for (int k = 4; k < 7; k++) off = xt_max(off, fabs(r->hal->joint[k].position - goal[k - 4]));
    return off;
}

static xn_setpoint setpoint(xn_stream_mode mode, int n, const double *x) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = mode;
    sp.n = n;
    for (int i = 0; i < n; i++) {
        if (mode == XN_STREAM_POSITION) sp.position[i] = x[i];
        if (mode == XN_STREAM_VELOCITY) sp.velocity[i] = x[i];
        if (mode == XN_STREAM_TORQUE) sp.torque[i] = x[i];
    }
    return sp;
}

static void wrist_stream(void) {
    rig r;
    if (rig_open(&r,
                 "movej [0.3, -0.2, 0.1, -1.8, 0.2, 1.6, 0.4]\n"
                 "stream joints joint5 joint[67] timeout 0.2\n"
                 "movej [0, 0, 0, -1.57079, 0, 1.57079, -0.7853]\n",
                 0)) {
        XT_CHECK(0, "rig");
        return;
    }
    XT_CHECK(xn_controller_stream_joints(r.c, NULL) == 7,
             "before the line, setpoints give every joint");
    cycles(&r, 1, NULL);
    XT_CHECK(sources_are(&r, XN_SOURCE_NONE, XN_SOURCE_NONE), "enabling: no source");
    for (int i = 0; i < 5000 && !xn_controller_streaming(r.c); i++) {
        cycles(&r, 1, NULL);
        if (xn_controller_state(r.c) == XN_CTL_RUNNING && i == 200)
            XT_CHECK(sources_are(&r, XN_SOURCE_PROGRAM, XN_SOURCE_PROGRAM),
                     "the first movej: the program claims every joint");
    }
    cycles(&r, 2, NULL);
    int idx[XN_OTG_MAX_DOFS] = {0};
    int n = xn_controller_stream_joints(r.c, idx);
    XT_CHECK(n == 3 && idx[0] == 4 && idx[1] == 5 && idx[2] == 6,
             "the line claims joint5 to joint7 (%d joints, first %d)", n, idx[0]);
    XT_CHECK(sources_are(&r, XN_SOURCE_PROGRAM, XN_SOURCE_STREAM),
             "while the line runs: the stream claims the wrist, the program the rest");
    held_watch h = {{0}, 0};
    for (int k = 0; k < 4; k++) h.hold[k] = r.hal->joint[k].position;
    XT_CHECK(fabs(h.hold[0] - start[0]) < 1e-9, "the program's motion ended first (%.6f)",
             h.hold[0]);

    /* refused: every joint, NaN, outside a limit */
    xn_error err;
    double seven[7] = {0.3, -0.2, 0.1, -1.8, 0.5, 1.5, 0.2};
    xn_setpoint all = setpoint(XN_STREAM_POSITION, 7, seven);
    XT_CHECK(xn_controller_stream(r.c, &all, &err) == XN_ERR_SIZE &&
                 strstr(err.message, "claims 3"),
             "a setpoint for 7 joints is refused: %s", err.message);
    double bad[3] = {0.5, NAN, 0.2};
    xn_setpoint nan_sp = setpoint(XN_STREAM_POSITION, 3, bad);
    XT_CHECK(xn_controller_stream(r.c, &nan_sp, &err) == XN_ERR_RANGE && err.index == 1 &&
                 strstr(err.message, "joint6"),
             "NaN for the line's second joint names joint6: %s", err.message);
    double far[3] = {0.5, 9.0, 0.2};
    xn_setpoint far_sp = setpoint(XN_STREAM_POSITION, 3, far);
    XT_CHECK(xn_controller_stream(r.c, &far_sp, &err) == XN_ERR_RANGE &&
                 strstr(err.message, "joint6") && strstr(err.message, "limits"),
             "a position beyond joint6's limit is refused: %s", err.message);

    /* positions for the wrist: reached exactly, the arm held */
    double wrist[3] = {0.5, 1.5, 0.2};
    xn_setpoint sp = setpoint(XN_STREAM_POSITION, 3, wrist);
    XT_CHECK(xn_controller_stream(r.c, &sp, &err) == XN_OK, "wrist positions: %s", err.message);
    for (int i = 0; i < 150; i++) {
        xn_controller_stream(r.c, &sp, NULL);
        cycles(&r, 10, &h);
    }
    double off = wrist_off(&r, wrist);
    printf("wrist stream: %.2g rad off; the held joints moved %.2g rad\n", off, h.worst);
    XT_CHECK(off < 1e-9, "the wrist reached its setpoint (%.3g rad off)", off);
    XT_CHECK(h.worst == 0, "the held joints did not move at all (%.3g rad)", h.worst);

    /* a velocity for joint7 only */
    double vel[3] = {0, 0, 0.3};
    xn_setpoint vs = setpoint(XN_STREAM_VELOCITY, 3, vel);
    for (int i = 0; i < 50; i++) {
        xn_controller_stream(r.c, &vs, NULL);
        cycles(&r, 10, &h);
    }
    double moved7 = r.hal->joint[6].position - wrist[2];
    XT_CHECK(moved7 > 0.1 && fabs(r.hal->joint[4].position - wrist[0]) < 1e-12 && h.worst == 0,
             "a velocity moved joint7 alone (%.3f rad; held joints %.3g)", moved7, h.worst);

    /* a trajectory for the wrist; one for every joint is refused */
    static xn_joint_trajectory t;
    memset(&t, 0, sizeof t);
    t.n = 7;
    t.npoints = 1;
    t.time[0] = 2;
    memcpy(t.position[0], seven, sizeof seven);
    XT_CHECK(xn_controller_follow(r.c, &t, &err) == XN_ERR_SIZE,
             "a trajectory for 7 joints is refused: %s", err.message);
    double goal[3] = {-0.3, 1.9, 0.8};
    t.n = 3;
    t.npoints = 2;
    t.time[0] = 1;
    t.time[1] = 2;
    double mid[3] = {0.1, 1.7, 0.6};
    memcpy(t.position[0], mid, sizeof mid);
    memcpy(t.position[1], goal, sizeof goal);
    XT_CHECK(xn_controller_follow(r.c, &t, &err) == XN_OK, "a wrist trajectory: %s", err.message);
    cycles(&r, 2500, &h);
    off = wrist_off(&r, goal);
    XT_CHECK(off < 1e-9 && h.worst == 0,
             "the wrist followed it to its end (%.3g rad off; held joints %.3g)", off, h.worst);

    /* a Cartesian pose the wrist alone can reach: inverse kinematics moves the wrist only */
    int flange = xn_model_frame_id(r.m, "flange");
    xn_data *d = xn_data_create(r.m);
    double qk[9] = {h.hold[0], h.hold[1], h.hold[2], h.hold[3], 0.25, 1.75, 0.5, 0, 0};
    xn_se3 target, reached;
    xn_dyn_fk(r.m, d, qk);
    xn_dyn_frame_placement(r.m, d, flange, &target);
    xn_setpoint ps;
    memset(&ps, 0, sizeof ps);
    ps.mode = XN_STREAM_POSE;
    ps.pose = target;
    XT_CHECK(xn_controller_stream(r.c, &ps, &err) == XN_OK, "a pose for the wrist: %s",
             err.message);
    for (int i = 0; i < 200; i++) { /* a client at 100 Hz */
        xn_controller_stream(r.c, &ps, NULL);
        cycles(&r, 10, &h);
    }
    double qnow[9] = {0};
    for (int k = 0; k < 7; k++) qnow[k] = r.hal->joint[k].position;
    xn_dyn_fk(r.m, d, qnow);
    xn_dyn_frame_placement(r.m, d, flange, &reached);
    double perr = 0;
    for (int i = 0; i < 3; i++) perr = xt_max(perr, fabs(reached.p[i] - target.p[i]));
    XT_CHECK(perr < 1e-6 && h.worst == 0,
             "the flange reached the pose by the wrist alone (%.3g m; held joints %.3g)", perr,
             h.worst);
    xn_data_free(d);

    /* torques for the wrist: its drives in torque mode, the held joints' in position mode */
    double tq[3] = {0, 0, 0};
    xn_setpoint ts = setpoint(XN_STREAM_TORQUE, 3, tq);
    XT_CHECK(xn_controller_stream(r.c, &ts, &err) == XN_OK, "wrist torques: %s", err.message);
    cycles(&r, 3, &h);
    int modes_ok = 1;
    for (int k = 0; k < 7; k++)
        modes_ok &= r.hal->command[k].mode == (k < 4 ? XN_MODE_CSP : XN_MODE_CST);
    XT_CHECK(modes_ok, "torque mode on the wrist's drives only (joint1 %d, joint7 %d)",
             (int)r.hal->command[0].mode, (int)r.hal->command[6].mode);
    double back[3] = {0.2, 1.6, 0.4};
    xn_setpoint bs = setpoint(XN_STREAM_POSITION, 3, back);
    xn_controller_stream(r.c, &bs, NULL);
    cycles(&r, 1500, &h);

    /* silence: the wrist comes to rest on the timeout; the stream's end hands back */
    cycles(&r, 300, &h);
    XT_CHECK(rt_find(&r.ev, XN_EV_STREAM_TIMEOUT) && h.worst == 0,
             "the timeout, the arm held (moved %.3g rad)", h.worst);
    xn_controller_stream_end(r.c);
    for (int i = 0; i < 3000 && xn_controller_streaming(r.c); i++) cycles(&r, 1, NULL);
    cycles(&r, 5, NULL);
    XT_CHECK(!xn_controller_streaming(r.c) && xn_controller_stream_joints(r.c, NULL) == 7 &&
                 sources_are(&r, XN_SOURCE_PROGRAM, XN_SOURCE_PROGRAM),
             "after the line: the program claims every joint again");
    cycles(&r, 4000, NULL);
    XT_CHECK(rt_find(&r.ev, XN_EV_PROGRAM_END) && sources_are(&r, XN_SOURCE_NONE, XN_SOURCE_NONE),
             "the program's last motion ran; at its end no source claims a joint");
    rig_close(&r);
}

/* A quick stop from another thread during the line: every claim released at once. */
static void stop_releases(void) {
    rig r;
    if (rig_open(&r, "stream joints joint7\n", 0)) {
        XT_CHECK(0, "rig");
        return;
    }
    for (int i = 0; i < 5000 && !xn_controller_streaming(r.c); i++) cycles(&r, 1, NULL);
    cycles(&r, 2, NULL);
    XT_CHECK(xn_controller_source(r.c, 6) == XN_SOURCE_STREAM &&
                 xn_controller_source(r.c, 5) == XN_SOURCE_PROGRAM &&
                 xn_controller_source(r.c, 7) == XN_SOURCE_NONE &&
                 xn_controller_source(r.c, -1) == XN_SOURCE_NONE,
             "joint7 the stream's, joint6 the program's, out of range none");
    xn_controller_quick_stop(r.c, XN_EV_QUICK_STOP, "test");
    cycles(&r, 1, NULL);
    XT_CHECK(sources_are(&r, XN_SOURCE_NONE, XN_SOURCE_NONE) && !xn_controller_streaming(r.c),
             "a quick stop releases every claim and ends the line");
    rig_close(&r);
}

static void bad_lines(void) {
    xn_program *p = NULL;
    xn_error err;
    const char *empty = "stream joints timeout 1\n";
    XT_CHECK(xn_program_parse(empty, strlen(empty), "t.xnp", &p, &err) != XN_OK &&
                 strstr(err.message, "line 1") && strstr(err.message, "names or patterns"),
             "`stream joints` with no joint: %s", err.message);
    const char *odd = "stream joints joint$1\n";
    XT_CHECK(xn_program_parse(odd, strlen(odd), "t.xnp", &p, &err) != XN_OK &&
                 strstr(err.message, "column 20"),
             "a character no joint pattern has: %s", err.message);
    rig r;
    int st =
        rig_open(&r, "movej [0, 0, 0, -1.57079, 0, 1.57079, -0.7853]\nstream joints finger*\n", 0);
    XT_CHECK(st != 0 && r.c == NULL, "a pattern that matches no controlled joint: no controller");
    xn_controller *c = NULL;
    if (r.prog)
        XT_CHECK(xn_controller_create(r.m, r.hal, r.prog, NULL, &c, &err) == XN_ERR_NOT_FOUND &&
                     strstr(err.message, "line 2") && strstr(err.message, "finger*"),
                 "its error names the line and the pattern: %s", err.message);
    rig_close(&r);
    XT_CHECK(strcmp(xn_source_str(XN_SOURCE_STREAM), "stream") == 0 &&
                 strcmp(xn_source_str(XN_SOURCE_BALANCE), "balance") == 0 &&
                 strcmp(xn_source_str((xn_source)99), "?") == 0,
             "the sources' names");
}

int main(void) {
    bad_lines();
    wrist_stream();
    stop_releases();
    return xt_done("test_stream_claims");
}
