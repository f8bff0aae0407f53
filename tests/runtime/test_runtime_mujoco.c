/* The runtime on the simulated Panda (MuJoCo 2.2.2): the pick-and-place example at 80 % of the
 * rated joint speed with computed torque tracks every joint within 1 mrad (the runtime issue's
 * number); the drives' position mode works too; the MuJoCo backend's sensors read what physics
 * says they must (closed forms). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define EXAMPLE XN_SOURCE_DIR "/examples/pick_and_place.xnp"

typedef struct {
    double max_err[7], max_vref[7], max_tau[7];
    rt_events ev;
} tracking;

static int collect(void *user, xn_controller *c) {
    tracking *t = user;
    xn_event ev;
    while (xn_controller_next_event(c, &ev))
        if (t->ev.n < 512) t->ev.ev[t->ev.n++] = ev;
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
        if (s.state != XN_CTL_RUNNING && s.state != XN_CTL_DONE) continue;
        for (int k = 0; k < 7; k++) {
            t->max_err[k] = xt_max(t->max_err[k], fabs(s.q_ref[k] - s.q[k]));
            t->max_vref[k] = xt_max(t->max_vref[k], fabs(s.v_ref[k]));
            t->max_tau[k] = xt_max(t->max_tau[k], fabs(s.tau[k]));
        }
    }
    return 0;
}

static void run_example(xn_command_mode mode, double tolerance, const char *what) {
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *prog = NULL;
    xn_controller *c = NULL;
    XT_CHECK(xn_load_model(PANDA_SCENE, NULL, &m, &err) == XN_OK, "model: %s", err.message);
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err) == XN_OK, "mujoco: %s", err.message);
    XT_CHECK(xn_program_load(EXAMPLE, &prog, &err) == XN_OK, "program: %s", err.message);
    if (!m || !hal || !prog) return;
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    cfg.command_mode = mode;
    XT_CHECK(xn_controller_create(m, hal, prog, &cfg, &c, &err) == XN_OK, "controller: %s",
             err.message);
    if (!c) return;
    tracking t;
    memset(&t, 0, sizeof t);
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = collect;
    lc.user = &t;
    xn_loop_report rep;
    XT_CHECK(xn_loop_run(c, hal, &lc, &rep) == XN_OK, "%s: loop", what);
    collect(&t, c);
    XT_CHECK(rt_find(&t.ev, XN_EV_PROGRAM_END) && !rt_find(&t.ev, XN_EV_QUICK_STOP) &&
                 !rt_find(&t.ev, XN_EV_LIMIT_STOP) && !rt_find(&t.ev, XN_EV_TORQUE_LIMIT),
             "%s: the program completed without a stop", what);
    double worst = 0, speed = 0;
    for (int k = 0; k < 7; k++) {
        worst = xt_max(worst, t.max_err[k]);
        /* movej ... speed 0.8: the reference never exceeds 80 % of the rated speed */
        XT_CHECK(t.max_vref[k] <= 0.8 * panda_vmax[k] + 1e-9, "%s: joint%d reference %.4f rad/s",
                 what, k + 1, t.max_vref[k]);
        speed = xt_max(speed, t.max_vref[k] / panda_vmax[k]);
        XT_CHECK(t.max_tau[k] <= hal->joint_info[k].torque_max, "%s: joint%d torque %.2f N m", what,
                 k + 1, t.max_tau[k]);
    }
    XT_CHECK(speed > 0.799, "%s: some joint reaches 80 %% of its rated speed (%.1f %%)", what,
             speed * 100);
    XT_CHECK(worst < tolerance, "%s: max tracking error %.4f mrad (limit %.1f mrad)", what,
             worst * 1e3, tolerance * 1e3);
    printf("%s: %.3f s, max tracking error %.4f mrad, peak speed %.1f %% of rated\n", what,
           rep.robot_s, worst * 1e3, speed * 100);
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
    xn_model_free(m);
}

static void sensors(void) {
    /* the Panda at rest in its home pose, held by its drives: the flange's force/torque sensor
     * carries the hand and fingers, so it reads their weight */
    xn_error err;
    xn_hal *hal = NULL;
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err) == XN_OK, "open: %s", err.message);
    if (!hal) return;
    XT_CHECK(hal->njoint == 9 && hal->nft == 1 && hal->nimu == 0 &&
                 strcmp(hal->ft_name[0], "flange") == 0,
             "Panda: 9 joints, the flange F/T sensor");
    int commandable = 0;
    for (int i = 0; i < hal->njoint; i++) commandable += hal->joint_info[i].commandable;
    XT_CHECK(commandable == 7 && hal->joint_info[0].torque_max == 87 &&
                 hal->joint_info[6].torque_max == 12 && !hal->joint_info[7].commandable,
             "7 motor-driven joints with their rated torques, the fingers passive");
    for (int k = 0; k < 500; k++) { /* the holding brakes keep the arm in place */
        xn_hal_read(hal);
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    xn_hal_read(hal);
    double f =
        sqrt(hal->ft[0].force[0] * hal->ft[0].force[0] + hal->ft[0].force[1] * hal->ft[0].force[1] +
             hal->ft[0].force[2] * hal->ft[0].force[2]);
    double weight = (0.73 + 2 * 0.015) * 9.81;
    XT_CHECK(fabs(f - weight) < 0.02 * weight, "flange force %.3f N, hand weight %.3f N", f,
             weight);
    XT_CHECK(hal->time_ns == 500000000, "stamped with the simulation clock (%lld ns)",
             (long long)hal->time_ns);
    xn_hal_close(hal);

    /* the G1 in its standing keyframe: two IMUs, mapped to the named MuJoCo sensors, upright,
     * the specific force pointing up (its size is not g: the feet are settling into contact) */
    const char *g1 = XN_MODELS_DIR "/mjcf/unitree_g1/scene.xml";
    XT_CHECK(xn_mujoco_open(g1, NULL, &hal, &err) == XN_OK, "G1: %s", err.message);
    if (!hal) return;
    XT_CHECK(hal->njoint == 29 && hal->nimu == 2, "G1: 29 joints, 2 IMUs (%d, %d)", hal->njoint,
             hal->nimu);
    xn_hal_read(hal);
    for (int u = 0; u < hal->nimu; u++) {
        const xn_imu_reading *r = &hal->imu[u];
        double n = sqrt(r->linear_acceleration[0] * r->linear_acceleration[0] +
                        r->linear_acceleration[1] * r->linear_acceleration[1] +
                        r->linear_acceleration[2] * r->linear_acceleration[2]);
        XT_CHECK(fabs(r->orientation[0]) > 0.99, "%s: upright (w = %.4f)", hal->imu_name[u],
                 r->orientation[0]);
        XT_CHECK(r->linear_acceleration[2] > 0.95 * n && n > 5, "%s: specific force up (%.3f)",
                 hal->imu_name[u], r->linear_acceleration[2]);
        const mjModel *mm = xn_mujoco_model(hal);
        const mjData *md = xn_mujoco_data(hal);
        char name[64];
        snprintf(name, sizeof name, "accelerometer_%s", hal->imu_name[u] + 7);
        int sid = mj_name2id(mm, mjOBJ_SENSOR, name);
        XT_CHECK(sid >= 0 && md->sensordata[mm->sensor_adr[sid] + 2] == r->linear_acceleration[2],
                 "%s reads sensor %s", hal->imu_name[u], name);
    }
    xn_hal_close(hal);

    /* bad options and files: errors that name the reason */
    xn_mujoco_options o = {0};
    o.period_ns = 1500000; /* not a multiple of 1 ms */
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, &o, &hal, &err) != XN_OK && !hal &&
                 strstr(err.message, "multiple"),
             "period not a multiple of the timestep: %s", err.message);
    o.period_ns = 0;
    o.keyframe = "nosuch";
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, &o, &hal, &err) != XN_OK && strstr(err.message, "nosuch"),
             "missing keyframe: %s", err.message);
    XT_CHECK(xn_mujoco_open("/nonexistent.xml", NULL, &hal, &err) != XN_OK &&
                 strstr(err.message, "MuJoCo could not load"),
             "missing scene: %s", err.message);
}

/* The backend's options, each against what it must do exactly. */
static void options(void) {
    xn_error err;
    xn_hal *hal = NULL;
    /* quantization: every position reading is a whole number of counts */
    xn_mujoco_options o = {0};
    o.encoder_counts = 1 << 14;
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, &o, &hal, &err) == XN_OK, "open: %s", err.message);
    if (!hal) return;
    double step = 6.283185307179586 / (1 << 14), worst = 0;
    for (int k = 0; k < 100; k++) {
        xn_hal_read(hal);
        for (int i = 0; i < hal->njoint; i++) {
            double c = hal->joint[i].position / step;
            worst = xt_max(worst, fabs(c - round(c)));
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    XT_CHECK(worst < 1e-9, "readings on the 2^14-count grid (off by %.2e counts)", worst);
    xn_hal_close(hal);

    /* noise: the readings' spread about the true position is the configured deviation */
    memset(&o, 0, sizeof o);
    o.position_noise = 1e-3;
    o.seed = 7;
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, &o, &hal, &err) == XN_OK, "open: %s", err.message);
    if (!hal) return;
    const mjModel *mm = xn_mujoco_model(hal);
    const mjData *md = xn_mujoco_data(hal);
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int k = 0; k < 2000; k++) {
        xn_hal_read(hal);
        for (int i = 0; i < 7; i++) {
            double e = hal->joint[i].position - md->qpos[mm->jnt_qposadr[i]];
            sum += e;
            sum2 += e * e;
            n++;
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    /* 14,000 samples: the estimate's relative error is about 1/sqrt(2n) = 0.6 % */
    XT_CHECK(fabs(sd - 1e-3) < 3e-5 && fabs(mean) < 3e-5, "noise sd %.4e (1e-3), mean %.1e", sd,
             mean);
    xn_hal_close(hal);

    /* latency: a torque command takes effect exactly latency_cycles periods later */
    memset(&o, 0, sizeof o);
    o.latency_cycles = 3;
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, &o, &hal, &err) == XN_OK, "open: %s", err.message);
    if (!hal) return;
    md = xn_mujoco_data(hal);
    int seen = -1;
    for (int k = 0; k < 20; k++) {
        xn_hal_read(hal);
        for (int i = 0; i < 7; i++) {
            xn_joint_command *c = &hal->command[i];
            c->controlword = xn_cia402_enable_step(xn_hal_joint_state(hal, i), c->controlword);
            c->mode = XN_MODE_CST;
            c->torque = k >= 10 && i == 6 ? 5.0 : 0.0; /* a torque step on joint7 at cycle 10 */
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
        if (seen < 0 && fabs(md->qfrc_actuator[6] - 5.0) < 1e-12) seen = k;
    }
    XT_CHECK(seen == 13, "the torque step sent at cycle 10 acted at cycle %d (expected 13)", seen);
    xn_hal_close(hal);
}

int main(void) {
    options();
    run_example(XN_CMD_TORQUE, 1e-3, "computed torque (CST)");
    run_example(XN_CMD_POSITION, 5e-3, "drive position servo (CSP)");
    sensors();
    return xt_done("test_runtime_mujoco");
}
