/* Streaming setpoints into a running controller (the stream source): the Panda on the loopback
 * robot. A position setpoint is reached exactly, with the reference within the rated velocity,
 * acceleration and jerk every cycle (differences of the logged reference: independent of the
 * trajectory generator's own arithmetic); a jumpy stream (targets swapped every 10 ms) never
 * makes the reference jump; bad setpoints (NaN, outside the limits, the wrong joint count, too
 * fast into a limit) are refused with the joint named and move nothing; a velocity stream that
 * falls silent brings the joints to rest after the timeout, power kept; one that drives a joint
 * toward its limit is stopped short of it; ending the stream lets the program go on; and a
 * second thread streams into the real-time loop. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "runtime/panda_rig.h"
#include "test_util.h"

#define DT 0.001

/* the reference's worst excess over the rated limits since the last call, from the logged
 * samples' differences (a ratio: <= 1 within the limits; NaN fails) */
typedef struct {
    double q[7], v[7], a[7];
    int have;
    double worst_v, worst_a, worst_j, worst_step;
} ref_watch;

static void watch(ref_watch *w, const xn_ctl_sample *s) {
    for (int k = 0; k < 7; k++) {
        if (w->have) {
            double v = (s->q_ref[k] - w->q[k]) / DT, a = (s->v_ref[k] - w->v[k]) / DT,
                   j = (s->a_ref[k] - w->a[k]) / DT;
            w->worst_step = xt_max(w->worst_step, fabs(v) / panda_vmax[k]);
            w->worst_v = xt_max(w->worst_v, fabs(s->v_ref[k]) / panda_vmax[k]);
            w->worst_a = xt_max(w->worst_a, fabs(s->a_ref[k]) / panda_amax[k]);
            w->worst_j = xt_max(w->worst_j, fabs(j) / panda_jmax[k]);
            (void)a;
        }
        w->q[k] = s->q_ref[k];
        w->v[k] = s->v_ref[k];
        w->a[k] = s->a_ref[k];
    }
    w->have = 1;
}

/* n cycles, events collected, the reference watched */
static void run(rig *r, int n, ref_watch *w) {
    for (int i = 0; i < n; i++) {
        rt_cycle(r->c, r->hal);
        xn_event ev;
        while (xn_controller_next_event(r->c, &ev))
            if (r->ev.n < 512) r->ev.ev[r->ev.n++] = ev;
        xn_ctl_sample s;
        while (xn_controller_next_sample(r->c, &s))
            if (w) watch(w, &s);
    }
}

/* a client streaming sp every `every` cycles for n cycles */
static void stream_for(rig *r, const xn_setpoint *sp, int n, int every, ref_watch *w) {
    for (int i = 0; i < n; i++) {
        if (i % every == 0) xn_controller_stream(r->c, sp, NULL);
        run(r, 1, w);
    }
}

static xn_setpoint position(const double *q) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_POSITION;
    sp.n = 7;
    memcpy(sp.position, q, 7 * sizeof(double));
    return sp;
}

static int count(const rig *r, xn_event_code code) {
    int n = 0;
    for (int i = 0; i < r->ev.n; i++) n += r->ev.ev[i].code == code;
    return n;
}

static const double home[7] = {0, 0, 0, -1.57079, 0, 1.57079, -0.7853};

static void in_one_thread(void) {
    rig r;
    if (rig_open(&r, "stream\nmovej [0, 0, 0, -1.57079, 0, 1.57079, -0.7853]\n", 0)) {
        XT_CHECK(0, "rig");
        return;
    }
    ref_watch w = {0};
    run(&r, 1, &w);
    /* a trajectory sent before the stream line starts (while the drives enable) is dropped */
    static xn_joint_trajectory early;
    memset(&early, 0, sizeof early);
    early.n = 7;
    early.npoints = 1;
    early.time[0] = 2;
    for (int k = 0; k < 7; k++) early.position[0][k] = home[k];
    early.position[0][0] = 0.3;
    xn_error early_err;
    XT_CHECK(xn_controller_follow(r.c, &early, &early_err) == XN_OK, "an early trajectory: %s",
             early_err.message);
    for (int i = 0; i < 2000 && !xn_controller_streaming(r.c); i++) run(&r, 1, &w);
    run(&r, 500, &w);
    XT_CHECK(fabs(r.hal->joint[0].position - home[0]) < 1e-12,
             "a trajectory sent before the stream line is not followed (joint1 at %.4f)",
             r.hal->joint[0].position);
    XT_CHECK(xn_controller_streaming(r.c) && count(&r, XN_EV_STREAM) == 1,
             "the stream line runs once the drives are enabled");
    /* a position setpoint: reached exactly, within the rated limits */
    double goal[7] = {0.4, -0.3, 0.2, -2.0, 0.3, 1.9, 0.1};
    xn_setpoint sp = position(goal);
    xn_error err;
    XT_CHECK(xn_controller_stream(r.c, &sp, &err) == XN_OK, "accepted: %s", err.message);
    stream_for(&r, &sp, 2000, 10, &w); /* a client at 100 Hz */
    double off = 0;
    for (int k = 0; k < 7; k++) off = xt_max(off, fabs(r.hal->joint[k].position - goal[k]));
    printf("position setpoint: %.2g rad off after 2 s; reference at most %.3f of the rated "
           "velocity, %.3f of the acceleration, %.3f of the jerk\n",
           off, w.worst_v, w.worst_a, w.worst_j);
    XT_CHECK(off < 1e-9, "the setpoint reached (%.3g rad off)", off);
    XT_CHECK(w.worst_v <= 1 + 1e-9 && w.worst_a <= 1 + 1e-9 && w.worst_j <= 1 + 1e-6,
             "within the rated limits: %.4f, %.4f, %.4f", w.worst_v, w.worst_a, w.worst_j);
    /* a jumpy stream: two targets 0.6 rad apart swapped every 10 ms */
    double other[7] = {-0.2, 0.3, -0.4, -1.4, -0.3, 1.3, 0.7};
    w.worst_step = 0;
    for (int i = 0; i < 50; i++) {
        xn_setpoint s2 = position(i % 2 ? goal : other);
        xn_controller_stream(r.c, &s2, NULL);
        run(&r, 10, &w);
    }
    XT_CHECK(w.worst_step <= 1 + 1e-9 && w.worst_j <= 1 + 1e-6,
             "a jumpy stream, no jump: per cycle at most %.4f of the rated velocity", w.worst_step);
    /* a Cartesian pose: where forward kinematics puts the flange at a known configuration */
    int flange = xn_model_frame_id(r.m, "flange");
    xn_data *d = xn_data_create(r.m);
    double qk[9] = {0.2, -0.1, 0.1, -2.1, 0.1, 2.0, 0.6, 0, 0}, qnow[9] = {0};
    xn_se3 target, reached;
    xn_dyn_fk(r.m, d, qk);
    xn_dyn_frame_placement(r.m, d, flange, &target);
    xn_setpoint ps;
    memset(&ps, 0, sizeof ps);
    ps.mode = XN_STREAM_POSE;
    ps.pose = target;
    XT_CHECK(xn_controller_stream(r.c, &ps, &err) == XN_OK, "a pose accepted: %s", err.message);
    stream_for(&r, &ps, 2000, 10, &w);
    for (int k = 0; k < 7; k++) qnow[k] = r.hal->joint[k].position;
    xn_dyn_fk(r.m, d, qnow);
    xn_dyn_frame_placement(r.m, d, flange, &reached);
    double perr = 0, rerr = 0;
    for (int i = 0; i < 3; i++) perr = xt_max(perr, fabs(reached.p[i] - target.p[i]));
    for (int i = 0; i < 9; i++) rerr = xt_max(rerr, fabs(reached.R[i] - target.R[i]));
    printf("pose setpoint: the flange %.2g m, %.2g (rotation entries) from it\n", perr, rerr);
    XT_CHECK(perr < 1e-6 && rerr < 1e-5, "the flange reached the streamed pose (%.3g m, %.3g)",
             perr, rerr);
    xn_setpoint far = ps;
    far.pose.p[0] += 2;
    xn_status st = xn_controller_stream(r.c, &far, &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "out of reach"), "2 m away refused: %s",
             err.message);
    /* a twist: 5 cm/s along x for 0.5 s */
    xn_setpoint tw;
    memset(&tw, 0, sizeof tw);
    tw.mode = XN_STREAM_TWIST;
    tw.twist[0] = 0.05;
    int refused = 0;
    for (int i = 0; i < 50; i++) {
        refused += xn_controller_stream(r.c, &tw, &err) != XN_OK;
        run(&r, 10, &w);
    }
    XT_CHECK(refused == 0, "every twist accepted (%d refused: %s)", refused, err.message);
    tw.twist[0] = 0; /* and to rest */
    stream_for(&r, &tw, 300, 10, &w);
    for (int k = 0; k < 7; k++) qnow[k] = r.hal->joint[k].position;
    xn_dyn_fk(r.m, d, qnow);
    xn_dyn_frame_placement(r.m, d, flange, &reached);
    double dx = reached.p[0] - target.p[0],
           side = hypot(reached.p[1] - target.p[1], reached.p[2] - target.p[2]);
    printf("twist: the flange moved %.4f m along x, %.4f m across\n", dx, side);
    XT_CHECK(dx > 0.02 && dx < 0.03 && side < 0.1 * dx,
             "5 cm/s along x for 0.5 s: %.4f m along, %.4f across", dx, side);
    tw.twist[3] = NAN;
    st = xn_controller_stream(r.c, &tw, &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "twist is not finite"), "NaN twist: %s",
             err.message);
    xn_data_free(d);
    /* a timed trajectory through three points: the reference passes each at its time */
    static xn_joint_trajectory jt;
    memset(&jt, 0, sizeof jt);
    jt.n = 7;
    jt.npoints = 3;
    double pts[3][7] = {{0.3, -0.1, 0.2, -2.0, 0.2, 1.8, 0.2},
                        {0.1, 0.1, 0.0, -1.8, 0.0, 1.6, 0.4},
                        {-0.1, 0.0, -0.1, -1.9, -0.1, 1.7, 0.3}};
    double times[3] = {1.0, 1.6, 2.2};
    for (int i = 0; i < 3; i++) {
        jt.time[i] = times[i];
        memcpy(jt.position[i], pts[i], sizeof pts[i]);
    }
    st = xn_controller_follow(r.c, &jt, &err);
    XT_CHECK(st == XN_OK, "a trajectory accepted: %s", err.message);
    w.worst_step = 0; /* the reference's own steps: continuous through the segments' joins */
    int64_t t_start = -1;
    double at_point[3] = {NAN, NAN, NAN};
    for (int i = 0; i < 2600; i++) {
        run(&r, 1, &w);
        for (int e = 0; e < r.ev.n && t_start < 0; e++)
            if (r.ev.ev[e].code == XN_EV_STREAM && r.ev.ev[e].value == 3)
                t_start = r.ev.ev[e].time_ns;
        const xn_ctl_sample *smp = xn_controller_sample(r.c);
        for (int p = 0; p < 3 && t_start >= 0; p++)
            if (llabs(smp->time_ns - t_start - (int64_t)llround(times[p] * 1e9) + 1000000) <
                500000) {
                double e = 0;
                for (int k = 0; k < 7; k++) e = xt_max(e, fabs(smp->q_ref[k] - pts[p][k]));
                at_point[p] = e;
            }
    }
    printf("trajectory: the reference %.2g, %.2g, %.2g rad from the points at their times\n",
           at_point[0], at_point[1], at_point[2]);
    XT_CHECK(at_point[0] < 1e-9 && at_point[1] < 1e-9 && at_point[2] < 1e-9,
             "the reference passes every point at its time (%.3g, %.3g, %.3g rad)", at_point[0],
             at_point[1], at_point[2]);
    XT_CHECK(w.worst_v <= 1 + 1e-9 && w.worst_a <= 1 + 1e-9 && w.worst_step <= 1 + 1e-9,
             "and stays within the rated velocity and acceleration, with no jump (%.4f, %.4f; "
             "steps %.4f of the rated velocity)",
             w.worst_v, w.worst_a, w.worst_step);
    /* refused trajectories */
    jt.time[1] = 0.9; /* before the point ahead of it */
    st = xn_controller_follow(r.c, &jt, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 1 && strstr(err.message, "does not come after"),
             "times that go back refused: %s", err.message);
    jt.time[1] = 1.02; /* 0.2 rad in 20 ms */
    st = xn_controller_follow(r.c, &jt, &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "too close in time"),
             "points too close in time refused: %s", err.message);
    /* slow enough but too sudden: 0.01 rad in 10 ms from rest, at most 1.5 rad/s (rated 2.175)
     * but 600 rad/s^2 (rated 15) */
    static xn_joint_trajectory jerk;
    memset(&jerk, 0, sizeof jerk);
    jerk.n = 7;
    jerk.npoints = 1;
    jerk.time[0] = 0.01;
    for (int k = 0; k < 7; k++) jerk.position[0][k] = r.hal->joint[k].position;
    jerk.position[0][0] += 0.01;
    st = xn_controller_follow(r.c, &jerk, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 0 && strstr(err.message, "too close in time"),
             "a sudden trajectory beyond the rated acceleration refused: %s", err.message);
    /* a first point at time 0 is the start state: 0.05 rad away from the joints, it would jump */
    static xn_joint_trajectory start;
    memset(&start, 0, sizeof start);
    start.n = 7;
    start.npoints = 2;
    start.time[1] = 2;
    for (int k = 0; k < 7; k++)
        start.position[0][k] = start.position[1][k] = r.hal->joint[k].position;
    start.position[0][2] += 0.05;
    st = xn_controller_follow(r.c, &start, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 0 && strstr(err.message, "would jump"),
             "a start point 0.05 rad from the joints refused: %s", err.message);
    jt.time[1] = 1.6;
    jt.position[2][3] = 0.3; /* joint4's range ends at -0.0698 */
    st = xn_controller_follow(r.c, &jt, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 2 && strstr(err.message, "outside its limits"),
             "a point outside the limits refused: %s", err.message);
    /* a trajectory a billion seconds long (a fuzzer's find: the check once sampled every
     * millisecond and never returned) is checked in closed form, and accepted */
    jt.position[2][3] = -1.9;
    jt.time[0] = 1e9;
    jt.time[1] = 1e9 + 1;
    jt.time[2] = 1e9 + 2;
    st = xn_controller_follow(r.c, &jt, &err);
    XT_CHECK(st == XN_OK, "a trajectory of 1e9 s checked and accepted: %s", err.message);
    /* refusals: nothing moves */
    xn_setpoint hold = position(goal);
    stream_for(&r, &hold, 2000, 10, &w);
    double before[7];
    for (int k = 0; k < 7; k++) before[k] = r.hal->joint[k].position;
    xn_setpoint bad = position(goal);
    bad.position[2] = NAN;
    st = xn_controller_stream(r.c, &bad, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 2 && strstr(err.message, "not finite"),
             "NaN refused: %s", err.message);
    bad = position(goal);
    bad.position[3] = 0.5; /* joint4's range ends at -0.0698 */
    st = xn_controller_stream(r.c, &bad, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 3 && strstr(err.message, "outside its limits"),
             "outside the limits refused: %s", err.message);
    bad = position(goal);
    bad.n = 6;
    st = xn_controller_stream(r.c, &bad, &err);
    XT_CHECK(st == XN_ERR_SIZE && strstr(err.message, "6 joints"), "6 joints refused: %s",
             err.message);
    bad = position(goal);
    bad.position[0] = 2.8;
    bad.velocity[0] = 2.0; /* 2.8973 is the limit: 2 rad/s needs 0.13 rad to stop at 15 rad/s^2 */
    st = xn_controller_stream(r.c, &bad, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 0 && strstr(err.message, "before it stopped"),
             "too fast into a limit refused: %s", err.message);
    stream_for(&r, &hold, 500, 10, &w); /* the client goes on with its valid setpoint */
    double moved = 0;
    for (int k = 0; k < 7; k++) moved = xt_max(moved, fabs(r.hal->joint[k].position - before[k]));
    XT_CHECK(moved == 0 && xn_controller_stream_count(r.c, 1) == 6,
             "refused setpoints move nothing (%.3g rad; %ld refused)", moved,
             xn_controller_stream_count(r.c, 1));
    /* a velocity stream that falls silent: at rest after the timeout, power kept */
    xn_setpoint vel;
    memset(&vel, 0, sizeof vel);
    vel.mode = XN_STREAM_VELOCITY;
    vel.n = 7;
    vel.velocity[0] = 0.5;
    for (int i = 0; i < 300; i++) {
        xn_controller_stream(r.c, &vel, NULL);
        run(&r, 1, &w);
    }
    double q_silent = r.hal->joint[0].position;
    int timeouts = count(&r, XN_EV_STREAM_TIMEOUT);
    run(&r, 600, &w);
    double drift = fabs(r.hal->joint[0].position - q_silent),
           v_end = fabs(r.hal->joint[0].velocity);
    XT_CHECK(count(&r, XN_EV_STREAM_TIMEOUT) == timeouts + 1 && v_end == 0 && drift < 0.2 &&
                 xn_controller_state(r.c) == XN_CTL_RUNNING,
             "silent: one timeout, at rest (%.3g rad/s) %.3f rad on, still running (%s)", v_end,
             drift, xn_ctl_state_str(xn_controller_state(r.c)));
    /* a jog released with an explicit zero velocity is over: its silence is not a lapse */
    vel.velocity[0] = 0.5;
    for (int i = 0; i < 100; i++) {
        xn_controller_stream(r.c, &vel, NULL);
        run(&r, 1, &w);
    }
    vel.velocity[0] = 0;
    xn_controller_stream(r.c, &vel, NULL);
    timeouts = count(&r, XN_EV_STREAM_TIMEOUT);
    run(&r, 600, &w);
    v_end = fabs(r.hal->joint[0].velocity);
    XT_CHECK(count(&r, XN_EV_STREAM_TIMEOUT) == timeouts && v_end == 0 &&
                 xn_controller_state(r.c) == XN_CTL_RUNNING,
             "released with a zero: at rest (%.3g rad/s), no timeout (%d)", v_end,
             count(&r, XN_EV_STREAM_TIMEOUT) - timeouts);
    /* a velocity stream toward a limit: stopped short of it */
    vel.velocity[0] = 0;
    vel.velocity[3] = 2.0; /* joint4 up toward -0.0698 */
    int limit_stops = count(&r, XN_EV_LIMIT_STOP);
    double highest = -10;
    for (int i = 0; i < 3000; i++) {
        xn_controller_stream(r.c, &vel, NULL);
        run(&r, 1, &w);
        highest = xt_max(highest, r.hal->joint[3].position);
    }
    double speed_end = fabs(r.hal->joint[3].velocity);
    printf("a velocity stream into joint4's limit: held at %.5f rad (limit -0.0698), %.3g rad/s\n",
           highest, speed_end);
    XT_CHECK(count(&r, XN_EV_LIMIT_STOP) == limit_stops + 1 && highest < -0.0698 &&
                 speed_end < 1e-3 && xn_controller_state(r.c) == XN_CTL_RUNNING,
             "a velocity into the limit held short of it, reported once: joint4 at most %.4f "
             "(limit -0.0698)",
             highest);
    /* the end: the program goes on to its movej and finishes */
    xn_controller_stream_end(r.c);
    run(&r, 5000, &w);
    off = 0;
    for (int k = 0; k < 7; k++) off = xt_max(off, fabs(r.hal->joint[k].position - home[k]));
    XT_CHECK(!xn_controller_streaming(r.c) && xn_controller_state(r.c) == XN_CTL_DONE &&
                 count(&r, XN_EV_PROGRAM_END) == 1 && off < 1e-9,
             "ended: the program's movej ran (%.3g rad from its target), %s", off,
             xn_ctl_state_str(xn_controller_state(r.c)));
    rig_close(&r);
}

/* A second thread streams a slow sine into the real-time loop, then ends the stream. */
typedef struct {
    xn_controller *c;
    long sent;
} streamer;

static void *stream_sine(void *arg) {
    streamer *s = arg;
    for (int i = 0; !xn_controller_streaming(s->c); i++) { /* the loop may end first (a fault) */
        if (i > 5000) return NULL;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double t = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
        if (t > 0.5) break;
        double q[7];
        memcpy(q, home, sizeof q);
        q[0] = 0.2 * sin(2 * 3.14159265358979 * t);
        xn_setpoint sp = position(q);
        s->sent += xn_controller_stream(s->c, &sp, NULL) == XN_OK;
        struct timespec ts = {0, 2000000}; /* 500 Hz */
        nanosleep(&ts, NULL);
    }
    xn_controller_stream_end(s->c);
    return NULL;
}

static int widest(void *user, xn_controller *c) {
    double *w = user;
    *w = xt_max(*w, fabs(xn_controller_sample(c)->q[0]));
    return 0;
}

static void from_another_thread(void) {
    rig r;
    if (rig_open(&r, "stream\n", 0)) {
        XT_CHECK(0, "rig");
        return;
    }
    xn_loop_config lc;
    rt_realtime_config(&lc, 50000000); /* sanitizer builds beside other tests wake up late */
    lc.max_time_s = 10;
    double swing = 0;
    lc.after_cycle = widest;
    lc.user = &swing;
    streamer s = {r.c, 0};
    pthread_t th;
    pthread_create(&th, NULL, stream_sine, &s);
    xn_loop_report rep;
    xn_status st = xn_loop_run(r.c, r.hal, &lc, &rep);
    pthread_join(th, NULL);
    rt_drain(r.c, &r.ev);
    printf("from another thread: %ld setpoints sent (%ld accepted), joint1 swung to %.3f rad of "
           "0.2, %ld cycles\n",
           s.sent, xn_controller_stream_count(r.c, 0), swing, rep.cycles);
    XT_CHECK(st == XN_OK && rep.end == XN_LOOP_FINISHED && s.sent > 100 && swing > 0.15 &&
                 swing < 0.2 + 1e-9 && rt_find(&r.ev, XN_EV_PROGRAM_END) &&
                 !rt_find(&r.ev, XN_EV_WATCHDOG),
             "the loop followed the stream and finished when it ended (%s, %ld sent)",
             xn_loop_end_str(rep.end), s.sent);
    rig_close(&r);
}

/* Power and force limiting keeps working under streams: a velocity stream that would carry the
 * tool past `set collaborative`'s limit is stopped by the speed monitor, and the controller then
 * no longer says it streams. */
static void speed_limited(void) {
    rig r;
    if (rig_open(&r, "set collaborative 0.25\nstream timeout 0.5\n", 0)) {
        XT_CHECK(0, "rig");
        return;
    }
    for (int i = 0; i < 2000 && !xn_controller_streaming(r.c); i++) run(&r, 1, NULL);
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_VELOCITY;
    sp.n = 7;
    sp.velocity[0] = 2.0; /* the tool about 1 m/s around the base */
    int tripped = 0;
    for (int i = 0; i < 2000 && xn_controller_streaming(r.c); i++) {
        xn_controller_stream(r.c, &sp, NULL);
        run(&r, 1, NULL);
    }
    run(&r, 1000, NULL);
    tripped = count(&r, XN_EV_PFL_SPEED);
    XT_CHECK(tripped == 1 && !xn_controller_streaming(r.c) &&
                 xn_controller_state(r.c) != XN_CTL_RUNNING,
             "a stream past the collaborative speed limit is stopped by the speed monitor (%d "
             "trips, state %s)",
             tripped, xn_ctl_state_str(xn_controller_state(r.c)));
    XT_CHECK(fabs(r.hal->joint[0].velocity) < 1e-9, "and joint1 comes to rest (%.3g rad/s)",
             r.hal->joint[0].velocity);
    rig_close(&r);
}

int main(void) {
    speed_limited();
    in_one_thread();
    from_another_thread();
    return xt_done("test_stream");
}
