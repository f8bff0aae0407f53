/* The control step allocates nothing: read, controller step (program, trajectory generation with
 * blends, streamed setpoints and their sending, servo, events, log ring) and write, counted with
 * --wrap over whole programs that end in a fault, on the loopback robot and on the simulated Panda.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "alloc_count.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

static const char *program = "pose a = [0.5, -0.3, 0.4, -2.0, 0.3, 1.8, 1.0]\n"
                             "set speed 90%\n"
                             "movej a blend 0.1\n"
                             "movej [-0.5, 0.3, -0.4, -1.5, -0.3, 1.2, 0.2] speed 0.8 blend 0.05\n"
                             "movej a speed 0.5\n"
                             "wait 0.05\n"
                             "wait until settled 0.01\n"
                             "set payload 1 [0, 0, 0.05]\n"
                             "wait until joint1 > 0.4\n"
                             "stream timeout 0.05\n"
                             "movej [0, 0, 0, -1.5, 0, 1.5, 0]\n";

#ifdef XN_HAVE_MUJOCO
/* The cobot paths: collision detection, the power-and-force monitor inside a contact region,
 * the planned Cartesian motions, and every compliant mode. */
static const char *cobot = "pose home = [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\n"
                           "movej home\n"
                           "set collision stop2\n"
                           "set contact hand [0.45, 0.05, 0.35] 0.1\n"
                           "set collaborative 0.4\n"
                           "movel p[0.45, -0.1, 0.35, 180deg, 0, -45deg] speed 0.3\n"
                           "movel p[0.45, 0.15, 0.35, 180deg, 0, -45deg] speed 0.3\n"
                           "impedance cartesian [800, 800, 800, 40, 40, 40] for 0.3\n"
                           "impedance joint 100 5 for 0.2\n"
                           "impedance joint 100 5 inertia 0.5 for 0.2\n"
                           "guide lock rz for 0.2\n"
                           "admittance for 0.2\n"
                           "movej home\n";

static void run_cobot(void) {
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *prog = NULL;
    xn_controller *c = NULL;
    xn_load_model(PANDA_SCENE, NULL, &m, &err);
    xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err);
    xn_program_parse(cobot, strlen(cobot), "cobot", &prog, &err);
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (!m || !hal || !prog || xn_controller_create(m, hal, prog, &cfg, &c, &err) != XN_OK) {
        XT_CHECK(0, "cobot: set-up: %s", err.message);
        return;
    }
    /* the controller works on its own copy of the model: the caller's may go at once (under ASan
     * a use of it afterwards would be caught), and `set payload` below changes only the copy */
    xn_model *kept = xn_model_copy(m);
    xn_model_free(m);
    m = NULL;
    rt_events ev = {0};
    long cycles = 0, allocs = 0;
    for (int i = 0; i < 20000; i++) {
        xt_allocs = 0;
        xt_counting = 1;
        xn_hal_read(hal);
        xn_controller_step(c);
        xn_hal_write(hal);
        xt_counting = 0;
        allocs += xt_allocs;
        cycles++;
        xn_hal_advance(hal);
        rt_drain(c, &ev);
        if (xn_controller_finished(c)) break;
    }
    XT_CHECK(rt_find(&ev, XN_EV_PROGRAM_END) != NULL, "cobot: the program ran to its end");
    XT_CHECK(allocs == 0, "cobot: %ld allocations in %ld control steps", allocs, cycles);
    printf("cobot program: %ld control steps, %d events, %ld allocations\n", cycles, ev.n, allocs);
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
    xn_model_free(kept);
}
#endif

static void run(int mujoco) {
    const char *where = mujoco ? "mujoco" : "loopback";
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *prog = NULL;
    xn_controller *c = NULL;
    xn_load_model(PANDA_SCENE, NULL, &m, &err);
    static const char *const arm[7] = {"joint1", "joint2", "joint3", "joint4",
                                       "joint5", "joint6", "joint7"};
#ifdef XN_HAVE_MUJOCO
    if (mujoco) xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err);
#endif
    if (!mujoco) xn_loopback_open(m, NULL, 1000000, arm, 7, &hal, &err);
    xn_program_parse(program, strlen(program), "p", &prog, &err);
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    cfg.command_mode = mujoco ? XN_CMD_TORQUE : XN_CMD_POSITION;
    if (!m || !hal || !prog || xn_controller_create(m, hal, prog, &cfg, &c, &err) != XN_OK) {
        XT_CHECK(0, "%s: set-up: %s", where, err.message);
        return;
    }
    rt_events ev = {0};
    long cycles = 0, allocs = 0;
    int fault_at = -1, streamed = 0, torque_sent = 0;
    for (int i = 0; i < 20000; i++) {
        /* a drive fault 0.2 s into the last motion */
        if (fault_at < 0 && ev.n && ev.ev[ev.n - 1].code == XN_EV_LINE &&
            ev.ev[ev.n - 1].line == 11)
            fault_at = i + 200;
        if (i == fault_at) xn_hal_inject(hal, 2, XN_INJECT_DRIVE_FAULT);
        xt_allocs = 0;
        xt_counting = 1;
        /* the `stream` line: positions, torques, then velocities, then silence (the timeout), then
         * the end, sent from inside the counted window */
        if (xn_controller_streaming(c)) {
            xn_setpoint sp;
            memset(&sp, 0, sizeof sp);
            sp.n = 7;
            double q[7] = {0.3, -0.2, 0.3, -1.8, 0.2, 1.6, 0.5};
            memcpy(sp.position, q, sizeof q);
            sp.mode = streamed < 300   ? XN_STREAM_POSITION
                      : streamed < 350 ? XN_STREAM_TORQUE
                                       : XN_STREAM_VELOCITY;
            sp.torque[3] = 0.2;
            sp.velocity[1] = sp.mode == XN_STREAM_VELOCITY ? 0.3 : 0;
            if (streamed < 400 && xn_controller_stream(c, &sp, NULL) == XN_OK)
                torque_sent += sp.mode == XN_STREAM_TORQUE;
            if (streamed == 550) xn_controller_stream_end(c);
            streamed++;
        }
        xn_hal_read(hal);
        xn_controller_step(c);
        xn_hal_write(hal);
        xt_counting = 0;
        allocs += xt_allocs;
        cycles++;
        xn_hal_advance(hal);
        rt_drain(c, &ev);
        if (xn_controller_finished(c)) break;
    }
    int calcs = 0;
    for (int i = 0; i < ev.n; i++) calcs += ev.ev[i].code == XN_EV_LINE;
    XT_CHECK(calcs >= 9, "%s: the program ran (%d lines started)", where, calcs);
    XT_CHECK(rt_find(&ev, XN_EV_STREAM_TIMEOUT) && streamed > 550 && torque_sent == 50,
             "%s: the stream's paths ran (%d torque setpoints accepted)", where, torque_sent);
    XT_CHECK(rt_find(&ev, XN_EV_DRIVE_FAULT) && rt_find(&ev, XN_EV_QUICK_STOP),
             "%s: the fault path ran too", where);
    XT_CHECK(allocs == 0, "%s: %ld allocations in %ld control steps", where, allocs, cycles);
    printf("%s: %ld control steps, %d events, %ld allocations\n", where, cycles, ev.n, allocs);
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
    xn_model_free(m);
}

int main(void) {
    run(0);
#ifdef XN_HAVE_MUJOCO
    run(1);
    run_cobot();
#endif
    return xt_done("test_runtime_no_alloc");
}
