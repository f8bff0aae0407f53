/* The G1 balancing over EtherCAT: its 29 joints CST drives of the virtual segment and its pelvis
 * IMU a slave of its own (examples/ethercat/g1_bus.json), all on distributed clocks, acting on
 * the MuJoCo G1; beside it the same program on the direct MuJoCo backend with one cycle of
 * latency (what the process data path adds), in the same process. Both are pushed at the pelvis
 * with 8 N s at the same cycle (the segment's robot by the test, as a person would push the real
 * one; the program's own push instruction is ignored on hardware). Both must stand through it
 * and complete the program without the damping fallback; the pelvis's true path over EtherCAT
 * must follow the direct run's within 2 mm (0.53 measured, in the first cycles: the physics
 * behind the bus waits on the brakes while the drives enable; torques go as per mille of rated
 * torque, 0.005-0.139 N m steps, and the IMU as REAL32), and the IMU readings that came over the
 * bus must be the scene's own at the SYNC0 before the frame, to float precision. The segment runs
 * on a simulated clock, one period a frame, and the test starts each cycle as a real-time loop
 * would, locked to the reference clock; only the frames the keeper thread sends before the loop
 * vary with the host (worst difference 0.48-0.53 mm seen).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "control/g1_wbc.h"
#include "fieldbus/ethercat/sim_mujoco.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define DESC XN_MODELS_DIR "/mjcf/unitree_g1/balance.json"
#define BUS XN_SOURCE_DIR "/examples/ethercat/g1_bus.json"
#define CYCLES 6000
#define PUSH_AT 500

static const char *const program =
    "balance load " DESC "\nstand for 2.5\nhand right 0.3 -0.2 0.15\nstand for 1\n"
    "hand right off\nstand for 0.5\n";

typedef struct {
    double pelvis[CYCLES][3]; /* the true pelvis position, each cycle */
    int cycles, done, damped;
    double min_height, imu_err;
} outcome;

static xn_humanoid_config hum;

/* the program on hal; `robot` is the physics behind it (the same hal for the direct backend) */
static int run(const xn_model *m, xn_hal *hal, xn_hal *robot, xn_ecat_sim *sim, outcome *o) {
    xn_error e;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.humanoid = &hum;
    if (xn_program_parse(program, strlen(program), "g1.xnp", &p, &e) != XN_OK ||
        xn_controller_create((xn_model *)m, hal, p, &cfg, &c, &e) != XN_OK) {
        fprintf(stderr, "%s\n", e.message);
        xn_program_free(p);
        return -1;
    }
    mjModel *mm = xn_mujoco_model(robot);
    mjData *md = xn_mujoco_data(robot);
    int pelvis = mj_name2id(mm, mjOBJ_BODY, "pelvis"), imu = -1;
    for (int i = 0; i < robot->nimu; i++)
        if (strcmp(robot->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    o->min_height = INFINITY;
    double prev_imu[4] = {0, 0, 0, 0};
    if (imu >= 0)
        for (int i = 0; i < 4; i++) prev_imu[i] = robot->imu[imu].orientation[i];
    rt_events ev = {0};
    int k = 0;
    for (; k < CYCLES && !xn_controller_finished(c); k++) {
        xn_hal_read(hal);
        if (hal != robot && imu >= 0) { /* the bus's IMU against the scene's own */
            /* the slave latched the scene's reading at a SYNC0 event, this cycle's or, when the
             * machine delayed the frame past one more event, the one before: either must match
             * to float precision (a wrong mapping or scale matches neither) */
            double now = 0, before = 0;
            for (int i = 0; i < 4; i++) {
                now =
                    xt_max(now, fabs(hal->imu[0].orientation[i] - robot->imu[imu].orientation[i]));
                before = xt_max(before, fabs(hal->imu[0].orientation[i] - prev_imu[i]));
            }
            o->imu_err = xt_max(o->imu_err, xt_min(now, before));
            for (int i = 0; i < 4; i++) prev_imu[i] = robot->imu[imu].orientation[i];
        }
        if (k == PUSH_AT) {
            const xn_real f[3] = {80, 0, 0};
            xn_hal_push(robot, "pelvis", f, 0.1);
        }
        xn_controller_step(c);
        xn_hal_write(hal);
        /* the next cycle as a real-time loop would start it, on the segment's reference clock:
         * frames stay half a cycle from SYNC0 however many the keeper sent before the loop */
        if (sim) xn_ecat_sim_set_period(sim, 1000000 + xn_hal_clock_correction(hal));
        xn_hal_advance(hal);
        for (int i = 0; i < 3; i++) o->pelvis[k][i] = md->xpos[3 * pelvis + i];
        o->min_height = xt_min(o->min_height, md->xpos[3 * pelvis + 2]);
        rt_drain(c, &ev);
    }
    o->cycles = k;
    o->done = xn_controller_state(c) == XN_CTL_DONE && rt_find(&ev, XN_EV_PROGRAM_END);
    o->damped = rt_find(&ev, XN_EV_BALANCE_DAMP) != NULL;
    xn_controller_free(c);
    xn_program_free(p);
    return 0;
}

int main(void) {
    xn_error e;
    xn_model *m = NULL;
    static xn_ecat_bus bus;
    if (xn_load_model(G1_SCENE, NULL, &m, &e) != XN_OK ||
        xn_ecat_bus_load(BUS, &bus, &e) != XN_OK) {
        XT_CHECK(0, "the G1 and its bus: %s", e.message);
        return xt_done("test_ecat_g1");
    }
    g1_humanoid_config(m, &hum);
    XT_CHECK(bus.njoint == 29 && bus.nimu == 1 && bus.imu[0].slave == 29,
             "29 drives and an IMU on the bus");

    /* the segment: 29 drives, then the IMU */
    int n = bus.njoint + bus.nimu;
    xn_ecat_sim_slave slaves[XN_ECAT_MAX_SLAVES];
    for (int i = 0; i < n; i++) xn_ecat_sim_slave_default(&slaves[i], i);
    xn_ecat_sim_slave_imu(&slaves[29], 29);
    xn_ecat_sim *sim = NULL;
    xn_ecat_sim_robot *robot = NULL;
    xn_ecat_transport *t = NULL;
    xn_hal *ecat = NULL, *direct = NULL;
    int ok = xn_ecat_sim_create(n, slaves, &sim, &e) == XN_OK &&
             xn_ecat_sim_robot_open(sim, n, G1_SCENE, "knees_bent", &bus, 1000000, &robot, &e) ==
                 XN_OK &&
             xn_ecat_sim_transport(sim, &t, &e) == XN_OK;
    XT_CHECK(ok, "the segment on the MuJoCo G1: %s", e.message);
    if (!ok) return xt_done("test_ecat_g1");
    xn_ecat_sim_set_period(sim, 1000000);
    XT_CHECK(xn_ecat_hal_open(&bus, t, 1000000, &ecat, &e) == XN_OK, "the ethercat backend: %s",
             e.message);
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    mo.latency_cycles = 1;
    XT_CHECK(xn_mujoco_open(G1_SCENE, &mo, &direct, &e) == XN_OK, "the direct backend: %s",
             e.message);
    if (!ecat || !direct) return xt_done("test_ecat_g1");
    XT_CHECK(ecat->nimu == 1 && strcmp(ecat->imu_name[0], "imu_in_pelvis") == 0,
             "the backend has the IMU by its name");

    static outcome oe, od;
    XT_CHECK(run(m, ecat, xn_ecat_sim_robot_mutable(robot), sim, &oe) == 0 &&
                 run(m, direct, direct, NULL, &od) == 0,
             "both runs start");
    XT_CHECK(oe.done && !oe.damped && oe.min_height > 0.6,
             "over EtherCAT the program completes standing (%d cycles, pelvis never below %.3f m, "
             "damping %d)",
             oe.cycles, oe.min_height, oe.damped);
    XT_CHECK(od.done && !od.damped && od.min_height > 0.6,
             "on the direct backend too (%d cycles, pelvis never below %.3f m)", od.cycles,
             od.min_height);
    double worst = 0;
    int at = 0;
    for (int k = 0; k < oe.cycles && k < od.cycles; k++)
        for (int i = 0; i < 3; i++) {
            double d = fabs(oe.pelvis[k][i] - od.pelvis[k][i]);
            if (!(d <= worst)) worst = d, at = k;
        }
    printf("pelvis: worst difference %.2f mm (cycle %d); lowest %.3f m over EtherCAT, %.3f m "
           "direct; IMU over the bus within %.2g of the scene's\n",
           worst * 1e3, at, oe.min_height, od.min_height, oe.imu_err);
    XT_CHECK(worst < 2e-3, "the pelvis over EtherCAT follows the direct run within 2 mm (%.2f)",
             worst * 1e3);
    XT_CHECK(oe.imu_err < 1e-6, "the IMU over the bus is the scene's to float precision (%.2g)",
             oe.imu_err);
    xn_hal_close(ecat);
    xn_hal_close(direct);
    xn_ecat_sim_free(sim);
    xn_ecat_sim_robot_close(robot);
    xn_model_free(m);
    return xt_done("test_ecat_g1");
}
