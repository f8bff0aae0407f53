/* Faults, each as the runtime issue names it, on the loopback robot (ideal joints) and on the
 * simulated Panda: a NaN or stale reading, a drive fault mid-motion, a program target beyond a
 * joint limit, a late cycle (watchdog). Nothing crashes; every fault is an event; the robot
 * stops. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "runtime/panda_rig.h"
#include "test_util.h"

static int all_quick_stop_commanded(const rig *r) {
    for (int i = 0; i < 7; i++)
        if (r->hal->command[i].controlword != XN_CW_QUICK_STOP) return 0;
    return 1;
}

/* After the fault: run until the controller is finished; returns the seconds it took. */
static double run_to_rest(rig *r, double limit_s) {
    int i;
    for (i = 0; i < (int)(limit_s * 1000) && !xn_controller_finished(r->c); i++) {
        rt_cycle(r->c, r->hal);
        rt_drain(r->c, &r->ev);
    }
    return i * 1e-3;
}

static void sensor_fault(int mujoco, xn_inject_kind kind, xn_event_code expect) {
    const char *what = kind == XN_INJECT_SENSOR_NAN ? "NaN" : "stale";
    const char *where = mujoco ? "mujoco" : "loopback";
    rig r;
    if (rig_open(&r, MOVE, mujoco)) {
        XT_CHECK(0, "%s: rig", where);
        return;
    }
    XT_CHECK(run_to_mid_motion(&r) > 0, "%s: reached mid-motion", where);
    xn_hal_inject(r.hal, 3, kind);
    xn_hal_advance(r.hal); /* the fault appears in the next reading */
    xn_hal_read(r.hal);
    xn_controller_step(r.c);
    xn_hal_write(r.hal);
    rt_drain(r.c, &r.ev);
    /* within the same cycle: the event naming the joint, every drive told to quick stop */
    const xn_event *e = rt_find(&r.ev, expect);
    XT_CHECK(e && e->joint == 3 && strstr(e->text, "joint4"), "%s %s: event naming joint4", where,
             what);
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_FAULT && all_quick_stop_commanded(&r) &&
                 rt_find(&r.ev, XN_EV_QUICK_STOP),
             "%s %s: quick stop within one cycle", where, what);
    if (kind == XN_INJECT_SENSOR_NAN) {
        /* the drive whose encoder gave NaN faults itself (0x7300) */
        xn_cia402_state s = xn_hal_joint_state(r.hal, 3);
        XT_CHECK((s == XN_CIA402_FAULT || s == XN_CIA402_FAULT_REACTION) &&
                     r.hal->joint[3].error_code == XN_DRIVE_ERR_SENSOR,
                 "%s NaN: the joint's drive is in fault (%s, 0x%04X)", where,
                 xn_cia402_state_str(s), r.hal->joint[3].error_code);
    }
    xn_hal_advance(r.hal); /* complete the cycle */
    double t = run_to_rest(&r, 2.0);
    /* the quick-stop ramp (10 rad/s^2) from up to 2.61 rad/s takes 0.26 s */
    XT_CHECK(xn_controller_finished(r.c) && t > 0.1, "%s %s: at rest after %.3f s", where, what, t);
    for (int i = 0; i < 7; i++) {
        if (kind == XN_INJECT_SENSOR_STALE && i == 3) continue; /* its statusword is stale too */
        xn_cia402_state s = xn_hal_joint_state(r.hal, i);
        XT_CHECK(s == XN_CIA402_QUICK_STOP || s == XN_CIA402_FAULT, "%s %s: joint %d in %s", where,
                 what, i, xn_cia402_state_str(s));
    }
    if (mujoco) {
        /* the stopped arm holds (quick stop hold, brakes): no sagging over the next second */
        double q0[7], drift = 0;
        for (int i = 0; i < 7; i++) q0[i] = r.hal->joint[i].position;
        for (int k = 0; k < 1000; k++) rt_cycle(r.c, r.hal);
        for (int i = 0; i < 7; i++)
            if (i != 3) drift = xt_max(drift, fabs(r.hal->joint[i].position - q0[i]));
        XT_CHECK(drift < 0.02, "%s %s: holds still after stopping (drift %.4f rad)", where, what,
                 drift);
    }
    rig_close(&r);
}

static void drive_fault(int mujoco) {
    const char *where = mujoco ? "mujoco" : "loopback";
    rig r;
    if (rig_open(&r, MOVE, mujoco)) {
        XT_CHECK(0, "%s: rig", where);
        return;
    }
    run_to_mid_motion(&r);
    double v_before = fabs(r.hal->joint[0].velocity);
    xn_hal_inject(r.hal, 5, XN_INJECT_DRIVE_FAULT);
    rt_cycle(r.c, r.hal);
    rt_drain(r.c, &r.ev);
    const xn_event *e = rt_find(&r.ev, XN_EV_DRIVE_FAULT);
    XT_CHECK(e && e->joint == 5 && (int)e->value == XN_DRIVE_ERR_EXTERNAL,
             "%s: drive fault event for joint6 with its error code", where);
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_FAULT && rt_find(&r.ev, XN_EV_QUICK_STOP),
             "%s: every drive quick-stopped", where);
    double t = run_to_rest(&r, 2.0);
    /* the ramp: 10 rad/s^2 from the joint's speed, plus settling */
    XT_CHECK(xn_controller_finished(r.c) && t < v_before / 10 + 0.3,
             "%s: at rest after %.3f s (from %.2f rad/s)", where, t, v_before);
    rig_close(&r);
}

static void limit_rejected(void) {
    rig r;
    const char *prog = "pose ok = [0, 0, 0, -1.5, 0, 1.5, 0]\n"
                       "movej ok\n"
                       "movej [0, 0, 0, -1.5, 0, 1.5, 3.1]   # joint7 beyond 2.8973\n";
    memset(&r, 0, sizeof r);
    xn_error err;
    xn_load_model(PANDA_SCENE, NULL, &r.m, &err);
    static const char *const arm[7] = {"joint1", "joint2", "joint3", "joint4",
                                       "joint5", "joint6", "joint7"};
    xn_loopback_open(r.m, NULL, 1000000, arm, 7, &r.hal, &err);
    xn_program_parse(prog, strlen(prog), "limits.xnp", &r.prog, &err);
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    xn_status st = xn_controller_create(r.m, r.hal, r.prog, &cfg, &r.c, &err);
    XT_CHECK(st != XN_OK && !r.c && err.line == 3 && strstr(err.message, "joint7") &&
                 strstr(err.message, "line 3") && strstr(err.file, "limits.xnp"),
             "target beyond a limit rejected before any motion: line %d %s", err.line, err.message);
    /* nothing moved: the drives were never enabled */
    XT_CHECK(xn_hal_joint_state(r.hal, 0) == XN_CIA402_SWITCH_ON_DISABLED, "drives untouched");
    /* a configuration the robot cannot do: rated velocity beyond the model's, NaN jerk */
    xn_program_free(r.prog);
    r.prog = NULL;
    cfg.max_jerk[2] = NAN;
    st = xn_controller_create(r.m, r.hal, NULL, &cfg, &r.c, &err);
    XT_CHECK(st != XN_OK && strstr(err.message, "joint3") && strstr(err.message, "jerk"),
             "NaN jerk limit: %s", err.message);
    rig_close(&r);
    memset(&r, 0, sizeof r);
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &r.m, &err); /* 2.175 rad/s limits */
    static const char *const urdf_arm[2] = {"panda_joint1", "panda_joint2"};
    xn_loopback_open(r.m, NULL, 1000000, urdf_arm, 2, &r.hal, &err);
    rt_panda_config(&cfg);
    cfg.max_velocity[1] = 3.0;
    st = xn_controller_create(r.m, r.hal, NULL, &cfg, &r.c, &err);
    XT_CHECK(st != XN_OK && strstr(err.message, "panda_joint2") &&
                 strstr(err.message, "exceeds the model's velocity limit 2.175"),
             "rated velocity beyond the model's: %s", err.message);
    rig_close(&r);
}

static void sleep_ms(void *user, long cycle) {
    long *at = user;
    if (cycle == *at) {
        struct timespec ts = {0, 12000000};
        nanosleep(&ts, NULL);
    }
}

static void watchdog(void) {
    rig r;
    /* holding still: no trajectory calculation, so the only slow cycle is the injected one */
    if (rig_open(&r, "wait 0.4\n", 0)) {
        XT_CHECK(0, "watchdog rig");
        return;
    }
    xn_loop_config lc;
    /* a generous margin: sanitizer builds compute slowly, and trajectory generation for 7 DoFs
     * still takes up to a millisecond (the OTG issue's speed work) */
    rt_realtime_config(&lc, 5000000);
    lc.max_time_s = 0.5;
    long at = 100;
    lc.inject_delay = sleep_ms;
    lc.user = &at;
    xn_loop_report rep;
    xn_status st = xn_loop_run(r.c, r.hal, &lc, &rep);
    rt_drain(r.c, &r.ev);
    const xn_event *e = rt_find(&r.ev, XN_EV_WATCHDOG);
    /* the independent watchdog sees the sleeping step first; the loop's own check would see
     * its late end */
    XT_CHECK(st == XN_OK && e && (strstr(e->text, "late") || strstr(e->text, "independent")),
             "watchdog event: %s", e ? e->text : "none");
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_FAULT && rt_find(&r.ev, XN_EV_QUICK_STOP),
             "watchdog: quick stop");
    XT_CHECK(rep.overruns >= 1 && rep.compute.max_ns >= 12e6,
             "the slow cycle was measured (%ld overruns, max %.0f ns, %s)", rep.overruns,
             rep.compute.max_ns, e ? e->text : "");
    XT_CHECK(e && e->time_ns <= 102000000, "stopped at the first late cycle (%.3f s)",
             e ? e->time_ns * 1e-9 : -1);
    rig_close(&r);
}

static void controlled_stop_and_program(void) {
    /* a complete program on the loopback robot: events in order, target reached exactly */
    rig r;
    if (rig_open(&r, MOVE "wait 0.1\n", 0)) {
        XT_CHECK(0, "program rig");
        return;
    }
    for (int i = 0; i < 10000 && !xn_controller_finished(r.c); i++) {
        rt_cycle(r.c, r.hal);
        rt_drain(r.c, &r.ev);
    }
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_DONE && rt_find(&r.ev, XN_EV_PROGRAM_END),
             "program completed");
    const double goal[7] = {-0.5, 0.3, -0.4, -1.5, -0.3, 1.2, 0.2};
    double err = 0;
    for (int i = 0; i < 7; i++) err = xt_max(err, fabs(r.hal->joint[i].position - goal[i]));
    XT_CHECK(err < 1e-9, "target reached (%.2e rad)", err);
    const xn_event *en = rt_find(&r.ev, XN_EV_ENABLED), *ln = rt_find(&r.ev, XN_EV_LINE);
    XT_CHECK(en && ln && en->time_ns <= ln->time_ns && ln->line == 1, "enabled, then line 1");
    rig_close(&r);

    /* a stop requested mid-motion decelerates within the rated limits and holds */
    if (rig_open(&r, MOVE, 0)) return;
    run_to_mid_motion(&r);
    xn_controller_stop(r.c);
    double vmax_after = 0, v0 = fabs(r.hal->joint[0].velocity);
    int i;
    for (i = 0; i < 2000 && xn_controller_state(r.c) != XN_CTL_DONE; i++) {
        rt_cycle(r.c, r.hal);
        rt_drain(r.c, &r.ev);
        vmax_after = xt_max(vmax_after, fabs(r.hal->joint[0].velocity));
    }
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_DONE && rt_find(&r.ev, XN_EV_STOPPED),
             "controlled stop finished after %d ms", i);
    XT_CHECK(vmax_after <= v0 + 1e-9, "speed only decreases (%.3f -> max %.3f)", v0, vmax_after);
    /* the readings trail the commands by one cycle */
    for (int k = 0; k < 3; k++) rt_cycle(r.c, r.hal);
    for (int k = 0; k < 7; k++)
        XT_CHECK(fabs(r.hal->joint[k].velocity) < 1e-9, "joint %d at rest (%g rad/s)", k,
                 r.hal->joint[k].velocity);
    rig_close(&r);
}

static void blend_refused(void) {
    /* blending at full speed into a motion with a gentle acceleration limit would carry joint1
     * far past its limit (2.8973): the blend is refused, the robot stops at the waypoint and
     * starts the next motion from rest; no reference ever leaves the limits */
    rig r;
    if (rig_open(&r,
                 "movej [2.8, 0, 0, -1.5, 0, 1.5, 0] blend 0.5\n"
                 "movej [2.85, 0, 0, -1.5, 0, 1.5, 0] accel 0.05\n",
                 0)) {
        XT_CHECK(0, "blend rig");
        return;
    }
    double qmax = -10;
    for (int i = 0; i < 20000 && !xn_controller_finished(r.c); i++) {
        rt_cycle(r.c, r.hal);
        rt_drain(r.c, &r.ev);
        qmax = xt_max(qmax, r.hal->joint[0].position);
    }
    const xn_event *e = rt_find(&r.ev, XN_EV_BLEND_REFUSED);
    XT_CHECK(e && e->joint == 0 && e->value > 2.8973, "blend refused: %s", e ? e->text : "none");
    XT_CHECK(rt_find(&r.ev, XN_EV_PROGRAM_END) && !rt_find(&r.ev, XN_EV_LIMIT_STOP),
             "the program still completes");
    XT_CHECK(qmax <= 2.85 + 1e-9 && fabs(r.hal->joint[0].position - 2.85) < 1e-9,
             "joint1 peaks at %.6f, ends at %.6f (target 2.85)", qmax, r.hal->joint[0].position);
    rig_close(&r);
}

int main(void) {
    blend_refused();
    sensor_fault(0, XN_INJECT_SENSOR_NAN, XN_EV_SENSOR_NAN);
    sensor_fault(0, XN_INJECT_SENSOR_STALE, XN_EV_SENSOR_STALE);
    drive_fault(0);
#ifdef XN_HAVE_MUJOCO
    sensor_fault(1, XN_INJECT_SENSOR_NAN, XN_EV_SENSOR_NAN);
    sensor_fault(1, XN_INJECT_SENSOR_STALE, XN_EV_SENSOR_STALE);
    drive_fault(1);
#endif
    limit_rejected();
    watchdog();
    controlled_stop_and_program();
    return xt_done("test_runtime_faults");
}
