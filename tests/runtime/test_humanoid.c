/* The G1 balancing under the runtime (program commands balance load, stand, push, posture,
 * hand), and its faults: a push caught by a recovery step; a foot pulled off the ground set back
 * down in place; an IMU that reads NaN or stops updating puts the joints into damping; a foot
 * sliding on a floor made slippery is noticed and the friction counted on lowered; programs that
 * cannot run are refused before anything moves. Every commanded torque stays finite and within
 * its limit. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "alloc_count.h"
#include "control/g1_wbc.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define DESC XN_MODELS_DIR "/mjcf/unitree_g1/balance.json"

typedef enum { FAULT_NONE, FAULT_IMU_NAN, FAULT_IMU_STALE, FAULT_SLIPPERY } fault;

typedef struct {
    rt_events ev;
    int torque_bad;    /* commands not finite or over their limit */
    double min_height; /* the pelvis's true height */
    int steps;
    long allocs; /* allocator calls inside the control steps */
} outcome;

static xn_humanoid_config hum;

static int run(const xn_model *m, const char *text, fault f, double fault_at, outcome *o) {
    memset(o, 0, sizeof *o);
    o->min_height = INFINITY;
    xn_error err;
    xn_hal *hal = NULL;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    if (xn_mujoco_open(G1_SCENE, &mo, &hal, &err)) return -1;
    mjModel *mm = xn_mujoco_model(hal);
    mjData *md = xn_mujoco_data(hal);
    xn_program *prog = NULL;
    if (xn_program_parse(text, strlen(text), "balance.xnp", &prog, &err)) {
        xn_hal_close(hal);
        return -2;
    }
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.humanoid = &hum;
    xn_controller *c = NULL;
    if (xn_controller_create((xn_model *)m, hal, prog, &cfg, &c, &err)) {
        xn_program_free(prog);
        xn_hal_close(hal);
        return -3;
    }
    int imu = 0;
    for (int i = 0; i < hal->nimu; i++)
        if (strcmp(hal->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    xn_imu_reading frozen = {0};
    int pelvis = mj_name2id(mm, mjOBJ_BODY, "pelvis");
    for (long k = 0; k < 8000 && !xn_controller_finished(c); k++) {
        double t = k * 1e-3;
        xn_hal_read(hal);
        if (t >= fault_at) {
            if (f == FAULT_IMU_NAN) hal->imu[imu].orientation[0] = NAN;
            if (f == FAULT_IMU_STALE) {
                if (frozen.stamp_ns == 0) frozen = hal->imu[imu];
                hal->imu[imu] = frozen;
            }
            if (f == FAULT_SLIPPERY && t < fault_at + 0.001)
                for (int p = 0; p < mm->npair; p++)
                    mm->pair_friction[5 * p] = mm->pair_friction[5 * p + 1] = 0.02;
        }
        xt_allocs = 0;
        xt_counting = 1;
        xn_controller_step(c);
        xt_counting = 0;
        o->allocs += xt_allocs;
        for (int i = 0; i < hal->njoint; i++) {
            double tq = hal->command[i].torque;
            if (!isfinite(tq) || fabs(tq) > hal->joint_info[i].torque_max * (1 + 1e-9))
                o->torque_bad++;
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
        o->min_height = xt_min(o->min_height, md->xpos[3 * pelvis + 2]);
        xn_event ev;
        while (xn_controller_next_event(c, &ev))
            if (o->ev.n < 512) o->ev.ev[o->ev.n++] = ev;
        xn_ctl_sample s;
        while (xn_controller_next_sample(c, &s))
            if (s.humanoid) o->steps = s.steps;
    }
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
    return 0;
}

static xn_status create_error(const xn_model *m, const char *text, int humanoid, xn_error *err) {
    xn_hal *hal = NULL;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    xn_program *prog = NULL;
    if (xn_mujoco_open(G1_SCENE, &mo, &hal, err)) return XN_ERR_IO;
    xn_status st = xn_program_parse(text, strlen(text), "bad.xnp", &prog, err);
    if (st == XN_OK) {
        xn_controller_config cfg;
        xn_controller_config_init(&cfg);
        cfg.humanoid = humanoid ? &hum : NULL;
        xn_controller *c = NULL;
        st = xn_controller_create((xn_model *)m, hal, prog, &cfg, &c, err);
        xn_controller_free(c);
    }
    xn_program_free(prog);
    xn_hal_close(hal);
    return st;
}

/* The G1 in MuJoCo (knees bent) with a balance program and its controller: 0, or -1 after a
 * failed check naming `what` (everything freed). */
static int open_g1(const xn_model *m, const char *text, const char *what, xn_hal **hal,
                   xn_program **prog, xn_controller **c) {
    xn_error err;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.humanoid = &hum;
    *hal = NULL;
    *prog = NULL;
    *c = NULL;
    if (xn_mujoco_open(G1_SCENE, &mo, hal, &err) ||
        xn_program_parse(text, strlen(text), "g1.xnp", prog, &err) ||
        xn_controller_create((xn_model *)m, *hal, *prog, &cfg, c, &err)) {
        XT_CHECK(0, "%s: set-up: %s", what, err.message);
        xn_program_free(*prog);
        xn_hal_close(*hal);
        return -1;
    }
    return 0;
}

/* The loop ended mid-balance (its time limit, just after a push): stop category 1 powers every
 * drive off within a bounded time, although the joints of a humanoid whose drives brake while
 * its body still swings never all come to rest. */
static void loop_end(const xn_model *m) {
    const char *text =
        "balance load " DESC "\nstand for 1\npush pelvis -200 0 0 for 0.1\nstand for 4\n";
    xn_hal *hal;
    xn_program *prog;
    xn_controller *c;
    if (open_g1(m, text, "loop end", &hal, &prog, &c)) return;
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.max_time_s = 1.15; /* the body still swings back from the push */
    xn_loop_report rep;
    xn_status st = xn_loop_run(c, hal, &lc, &rep);
    XT_CHECK(st == XN_OK && rep.end == XN_LOOP_TIME_LIMIT && rep.powered_off &&
                 rep.shutdown_cycles <= 2100,
             "the G1 balancing at the time limit: every drive powered off after %ld cycles (%s)",
             rep.shutdown_cycles, xn_status_str(st));
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
}

/* A `stream` line while the G1 balances: the balance goes on (the balance controller owns the
 * joints), a streamed setpoint is refused saying so and moves nothing, and the client's end lets
 * the program go on. */
static void streamed(const xn_model *m) {
    const char *text = "balance load " DESC "\nstand for 0.3\nstream\nstand for 0.2\n";
    xn_hal *hal;
    xn_program *prog;
    xn_controller *c;
    if (open_g1(m, text, "streamed", &hal, &prog, &c)) return;
    xn_error err;
    mjData *md = xn_mujoco_data(hal);
    mjModel *mm = xn_mujoco_model(hal);
    int pelvis = mj_name2id(mm, mjOBJ_BODY, "pelvis");
    rt_events ev = {0};
    int k = 0;
    for (; k < 2000 && !xn_controller_streaming(c); k++) {
        rt_cycle(c, hal);
        rt_drain(c, &ev);
    }
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_POSITION;
    sp.n = xn_controller_njoint(c);
    for (int j = 0; j < sp.n; j++) sp.position[j] = hal->joint[j].position;
    sp.position[0] += 0.05;
    xn_status st = xn_controller_stream(c, &sp, &err);
    XT_CHECK(xn_controller_streaming(c) && st == XN_ERR_INVALID && strstr(err.message, "balance"),
             "a setpoint while the G1 balances is refused: %s",
             st == XN_OK ? "accepted" : err.message);
    double low = INFINITY;
    for (int i = 0; i < 500; i++) {
        rt_cycle(c, hal);
        rt_drain(c, &ev);
        low = xt_min(low, md->xpos[3 * pelvis + 2]);
    }
    XT_CHECK(low > 0.6 && xn_controller_state(c) == XN_CTL_RUNNING,
             "the balance goes on under the stream line (pelvis never below %.3f m)", low);
    xn_controller_stream_end(c);
    for (int i = 0; i < 1000 && !xn_controller_finished(c); i++) {
        rt_cycle(c, hal);
        rt_drain(c, &ev);
    }
    XT_CHECK(xn_controller_finished(c) && rt_find(&ev, XN_EV_PROGRAM_END),
             "the client's end lets the program go on to its end");
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
}

int main(void) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(G1_SCENE, NULL, &m, &err)) {
        XT_CHECK(0, "G1: %s", err.message);
        return xt_done("test_humanoid");
    }
    g1_humanoid_config(m, &hum);
    loop_end(m);
    streamed(m);
    outcome o;
    const xn_event *e;
    /* a push caught by a step, then a hand target and the start posture again */
    const char *push = "balance load " DESC "\nstand for 0.5\npush pelvis 160 0 0 for 0.1\n"
                       "stand for 2.5\nhand right 0.3 -0.2 0.15\nstand for 1\nhand right off\n"
                       "posture left_elbow_joint 0.6\nstand for 0.5\nposture home\nstand for 0.5\n";
    XT_CHECK(run(m, push, FAULT_NONE, INFINITY, &o) == 0, "runs");
    XT_CHECK(rt_find(&o.ev, XN_EV_PROGRAM_END) && rt_find(&o.ev, XN_EV_PUSH) &&
                 rt_find(&o.ev, XN_EV_BALANCE_STEP) && !rt_find(&o.ev, XN_EV_BALANCE_DAMP),
             "a 16 N s push: caught with a step, the program completes");
    XT_CHECK(o.min_height > 0.6 && o.steps >= 1, "upright throughout (pelvis %.3f m), %d steps",
             o.min_height, o.steps);
    XT_CHECK(o.torque_bad == 0, "every torque finite and within its limit (%d not)", o.torque_bad);
    XT_CHECK(o.allocs == 0,
             "no allocation in the control steps (estimator, balance, step, hand, posture): %ld",
             o.allocs);
    /* a foot pulled off the ground (a simulated upward push on it): set back down in place,
     * which is not a step */
    const char *lift =
        "balance load " DESC "\nstand for 1\npush left_ankle_roll_link 0 0 300 for 0.05\n"
        "stand for 2\n";
    XT_CHECK(run(m, lift, FAULT_NONE, INFINITY, &o) == 0, "runs");
    e = rt_find(&o.ev, XN_EV_BALANCE_SET_DOWN);
    XT_CHECK(e && strstr(e->text, "left foot") && rt_find(&o.ev, XN_EV_PROGRAM_END) &&
                 !rt_find(&o.ev, XN_EV_BALANCE_STEP) && !rt_find(&o.ev, XN_EV_BALANCE_DAMP),
             "a foot pulled up: set back down, no step, the program completes (%s)",
             e ? e->text : "no set-down event");
    XT_CHECK(o.min_height > 0.6 && o.torque_bad == 0,
             "a foot pulled up: upright (pelvis %.3f m), torques within limits (%d not)",
             o.min_height, o.torque_bad);
    if (e) printf("a foot pulled up: \"%s\" at %.3f s\n", e->text, e->time_ns * 1e-9);
    /* kept feet (the no-step tuning, knees braked as in bench_push): a 16 N s push backward,
     * more than the ankles alone hold, starts the height strategy, reported once; no step */
    xn_balance_config keep = hum.balance;
    xn_real brake[64];
    xn_balance_config_no_step(&hum.balance);
    g1_knee_brake(m, brake);
    hum.balance.wbc.brake_accel = brake;
    const char *back = "balance load " DESC "\nstand for 1\npush pelvis -160 0 0 for 0.1\n"
                       "stand for 3\n";
    XT_CHECK(run(m, back, FAULT_NONE, INFINITY, &o) == 0, "runs");
    e = rt_find(&o.ev, XN_EV_BALANCE_HEIGHT);
    XT_CHECK(e && e->value == 1 && rt_find(&o.ev, XN_EV_PROGRAM_END) &&
                 !rt_find(&o.ev, XN_EV_BALANCE_STEP) && !rt_find(&o.ev, XN_EV_BALANCE_DAMP),
             "16 N s backward, feet kept: the height strategy, no step, the program completes");
    XT_CHECK(o.min_height > 0.55 && o.torque_bad == 0,
             "feet kept: upright (pelvis %.3f m), torques within limits (%d not)", o.min_height,
             o.torque_bad);
    if (e) printf("feet kept: \"%s\" at %.3f s\n", e->text, e->time_ns * 1e-9);
    hum.balance = keep;
    /* the IMU reads NaN: damping, no NaN torque */
    const char *stand = "balance load " DESC "\nstand for 3\n";
    run(m, stand, FAULT_IMU_NAN, 1.0, &o);
    e = rt_find(&o.ev, XN_EV_BALANCE_DAMP);
    XT_CHECK(e && strstr(e->text, "NaN") && fabs(e->time_ns * 1e-9 - 1.0) < 0.01,
             "IMU NaN at 1 s: damping at once (%s)", e ? e->text : "no event");
    XT_CHECK(o.torque_bad == 0, "IMU NaN: every torque finite (%d not)", o.torque_bad);
    /* the IMU stops updating: damping within 25 ms */
    run(m, stand, FAULT_IMU_STALE, 1.0, &o);
    e = rt_find(&o.ev, XN_EV_BALANCE_DAMP);
    XT_CHECK(e && strstr(e->text, "stopped") && e->time_ns * 1e-9 < 1.03,
             "a stale IMU: damping (%s at %.3f s)", e ? e->text : "no event",
             e ? e->time_ns * 1e-9 : 0);
    /* the floor turns slippery and the robot is pushed sideways: the slip is noticed */
    const char *slide = "balance load " DESC "\nstand for 1\npush pelvis 0 120 0 for 0.3\n"
                        "stand for 2\n";
    run(m, slide, FAULT_SLIPPERY, 0.9, &o);
    e = rt_find(&o.ev, XN_EV_BALANCE_SLIP);
    XT_CHECK(e != NULL, "a foot sliding on a slippery floor is noticed (%s)",
             e ? e->text : "no slip event");
    XT_CHECK(o.torque_bad == 0, "slipping: every torque finite and within limits (%d not)",
             o.torque_bad);
    /* refused before anything moves, with the line */
    xn_status st = create_error(m, "balance load x.json\nstand for 1\n", 0, &err);
    XT_CHECK(st != XN_OK && err.line == 1 && strstr(err.message, "balance description"),
             "balance load without a description: %s", err.message);
    st = create_error(m, "stand for 1\n", 1, &err);
    XT_CHECK(st != XN_OK && err.line == 1 && strstr(err.message, "balance load"),
             "stand without balance or policy: %s", err.message);
    st = create_error(m, "balance load x\nposture elbow 1\n", 1, &err);
    XT_CHECK(st != XN_OK && err.line == 2 && strstr(err.message, "no joint named 'elbow'"),
             "posture of a joint the robot lacks: %s", err.message);
    xn_model_free(m);
    return xt_done("test_humanoid");
}
