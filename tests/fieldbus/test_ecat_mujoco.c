/* The pick-and-place example on the Panda twice in one process, on the same MuJoCo physics: once
 * through the EtherCAT master, the virtual segment's frames and CiA 402 drives acting on MuJoCo's
 * joints (examples/ethercat/panda_bus.json: 2^20 counts a turn), once on the direct MuJoCo
 * backend with one cycle of command latency, which is what the process data path adds (the
 * readings a drive sends arrive one frame later). Both must complete, and each joint's worst
 * tracking error from cycle 300 on must agree within 0.1 mrad (the first cycles differ: the direct
 * backend's physics runs while its drives enable, the segment's waits on the brakes); the
 * readings that came over EtherCAT must be the robot's true joint angles at the SYNC0 before
 * the frame that brought them (the drives run on distributed clocks: they take the outputs and
 * sample the joints at SYNC0, half a period after each frame), to within one encoder count.
 * Deterministic: the segment runs on a simulated clock, one control period a frame.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fieldbus/ethercat/sim_mujoco.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define PROGRAM XN_SOURCE_DIR "/examples/pick_and_place.xnp"
#define BUS XN_SOURCE_DIR "/examples/ethercat/panda_bus.json"

/* run the program on hal to its end; each joint's worst |q_ref - q| into err (rad) */
static int run(xn_hal *hal, const xn_ecat_sim_robot *robot, xn_ecat_sim *sim, double *err,
               double *worst_reading) {
    xn_error e;
    xn_model *m = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    cfg.command_mode = XN_CMD_POSITION;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &e) != XN_OK ||
        xn_program_load(PROGRAM, &p, &e) != XN_OK ||
        xn_controller_create(m, hal, p, &cfg, &c, &e) != XN_OK) {
        fprintf(stderr, "%s\n", e.message);
        return -1;
    }
    for (int k = 0; k < 7; k++) err[k] = 0;
    *worst_reading = 0;
    int cycles = 0;
    for (; cycles < 60000 && !xn_controller_finished(c); cycles++) {
        xn_hal_read(hal);
        if (robot) { /* the readings against the robot's true joints where the drives took
                        them: at the SYNC0 before the frame, the physics' last step */
            const xn_hal *r = xn_ecat_sim_robot_hal(robot);
            for (int k = 0; k < 7 && cycles > 1; k++)
                *worst_reading =
                    xt_max(*worst_reading, fabs(hal->joint[k].position - r->joint[k].position));
        }
        xn_controller_step(c);
        xn_hal_write(hal);
        /* the next cycle as a real-time loop would start it, on the segment's reference clock:
         * frames stay half a cycle from SYNC0 however many the keeper sent before the loop */
        if (sim) xn_ecat_sim_set_period(sim, 1000000 + xn_hal_clock_correction(hal));
        xn_hal_advance(hal);
        xn_ctl_sample s;
        while (xn_controller_next_sample(c, &s))
            if (s.state == XN_CTL_RUNNING && cycles > 300) /* after the enabling */
                for (int k = 0; k < 7; k++) err[k] = xt_max(err[k], fabs(s.q_ref[k] - s.q[k]));
    }
    rt_events ev = {0};
    rt_drain(c, &ev);
    int ok = xn_controller_state(c) == XN_CTL_DONE && rt_find(&ev, XN_EV_PROGRAM_END) &&
             !rt_find(&ev, XN_EV_QUICK_STOP) && !rt_find(&ev, XN_EV_TORQUE_LIMIT);
    xn_controller_free(c);
    xn_program_free(p);
    xn_model_free(m);
    return ok ? cycles : -1;
}

int main(void) {
    xn_error e;
    static xn_ecat_bus bus;
    xn_ecat_sim *sim = NULL;
    xn_ecat_sim_robot *robot = NULL;
    xn_ecat_transport *t = NULL;
    xn_hal *ecat = NULL, *direct = NULL;
    if (xn_ecat_bus_load(BUS, &bus, &e) != XN_OK ||
        xn_ecat_sim_create(7, NULL, &sim, &e) != XN_OK ||
        xn_ecat_sim_robot_open(sim, 7, PANDA_SCENE, NULL, &bus, 1000000, &robot, &e) != XN_OK ||
        xn_ecat_sim_transport(sim, &t, &e) != XN_OK) {
        XT_CHECK(0, "the segment on MuJoCo: %s", e.message);
        return xt_done("test_ecat_mujoco");
    }
    xn_ecat_sim_set_period(sim, 1000000);
    XT_CHECK(xn_ecat_hal_open(&bus, t, 1000000, &ecat, &e) == XN_OK, "the ethercat backend: %s",
             e.message);
    xn_mujoco_options mo = {0};
    mo.latency_cycles = 1;
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, &mo, &direct, &e) == XN_OK, "the direct backend: %s",
             e.message);
    if (!ecat || !direct) return xt_done("test_ecat_mujoco");
    double err_e[7], err_d[7], reading = 0, none = 0;
    int n_e = run(ecat, robot, sim, err_e, &reading), n_d = run(direct, NULL, NULL, err_d, &none);
    XT_CHECK(n_e > 0 && n_d > 0, "both runs complete (%d and %d cycles)", n_e, n_d);
    double worst = 0;
    printf("joint   EtherCAT   MuJoCo + 1 cycle   (worst |q_ref - q|, mrad)\n");
    for (int k = 0; k < 7; k++) {
        printf("joint%d  %8.4f   %8.4f\n", k + 1, err_e[k] * 1e3, err_d[k] * 1e3);
        worst = xt_max(worst, fabs(err_e[k] - err_d[k]));
    }
    XT_CHECK(worst < 1e-4,
             "every joint's tracking error from cycle 300 on agrees within 0.1 mrad (%.3g mrad)",
             worst * 1e3);
    XT_CHECK(reading <= 6.3e-6,
             "the readings over EtherCAT are the true joints to one count "
             "(%.3g rad; a count is 6.0e-6)",
             reading);
    xn_hal_close(ecat);
    xn_hal_close(direct);
    xn_ecat_sim_free(sim);
    xn_ecat_sim_robot_close(robot);
    return xt_done("test_ecat_mujoco");
}
