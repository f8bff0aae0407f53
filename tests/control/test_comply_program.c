/* The compliant modes as robot-program commands, on the simulated Panda (MuJoCo):
 * `impedance cartesian` holds the flange with the commanded stiffness (force / displacement of a
 * quasi-static push within 5 %), `impedance joint` gives tau = K dq (within 5 %), `guide` moves
 * the flange at F / D under a 20 N push (within 10 %), `admittance` moves it F / K on drives in
 * position mode (within 5 %); every switch into and out of a compliant mode is bumpless (no
 * jump in velocity), and bad set-ups are refused when the controller is created.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define HOME "pose home = [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nmovej home\nwait 0.3\n"
#define COMPLY_LINE 4 /* the line of the compliant command in every program below */

typedef struct {
    xn_model *m;
    xn_hal *hal;
    xn_program *p;
    xn_controller *c;
    mjModel *mm;
    mjData *md;
    int hand, flange;
} rig;

static int rig_open(rig *r, const char *prog, xn_command_mode mode) {
    xn_error err;
    memset(r, 0, sizeof *r);
    if (xn_load_model(PANDA_SCENE, NULL, &r->m, &err) ||
        xn_mujoco_open(PANDA_SCENE, NULL, &r->hal, &err) ||
        xn_program_parse(prog, strlen(prog), "comply.xnp", &r->p, &err)) {
        fprintf(stderr, "set-up: %s\n", err.message);
        return -1;
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    cfg.command_mode = mode;
    if (xn_controller_create(r->m, r->hal, r->p, &cfg, &r->c, &err)) {
        fprintf(stderr, "controller: %s\n", err.message);
        return -1;
    }
    r->mm = xn_mujoco_model(r->hal);
    r->md = xn_mujoco_data(r->hal);
    r->hand = mj_name2id(r->mm, mjOBJ_BODY, "hand");
    r->flange = mj_name2id(r->mm, mjOBJ_SITE, "flange");
    return 0;
}

static void rig_close(rig *r) {
    xn_controller_free(r->c);
    xn_program_free(r->p);
    xn_hal_close(r->hal);
    xn_model_free(r->m);
}

/* A pure force at the flange (through the hand body, with the moment that moves it there). */
static void push(rig *r, const double F[3]) {
    memset(r->md->xfrc_applied, 0, sizeof(double) * 6 * r->mm->nbody);
    if (!F) return;
    const double *pc = &r->md->xipos[3 * r->hand], *pf = &r->md->site_xpos[3 * r->flange];
    double arm[3] = {pf[0] - pc[0], pf[1] - pc[1], pf[2] - pc[2]};
    double *x = &r->md->xfrc_applied[6 * r->hand];
    for (int i = 0; i < 3; i++) x[i] = F[i];
    x[3] = arm[1] * F[2] - arm[2] * F[1];
    x[4] = arm[2] * F[0] - arm[0] * F[2];
    x[5] = arm[0] * F[1] - arm[1] * F[0];
}

static int line(const rig *r) { return xn_controller_sample(r->c)->line; }

static double joint_speed(const rig *r) {
    double s = 0;
    for (int i = 0; i < 7; i++) s = xt_max(s, fabs(r->md->qvel[i]));
    return s;
}

/* Run until the compliant command starts (or give up after 10 s). */
static int reach_comply(rig *r) {
    rt_events ev = {0};
    for (int k = 0; k < 10000; k++) {
        rt_cycle(r->c, r->hal);
        rt_drain(r->c, &ev);
        if (line(r) == COMPLY_LINE) return 0;
    }
    return -1;
}

static void cartesian_stiffness(void) {
    const double K[3] = {800, 1500, 1200};
    for (int axis = 0; axis < 3; axis++) {
        rig r;
        if (rig_open(&r, HOME "impedance cartesian [800, 1500, 1200, 40, 40, 40] for 3\nwait 0.5\n",
                     XN_CMD_TORQUE) ||
            reach_comply(&r)) {
            XT_CHECK(0, "Cartesian impedance set-up");
            return;
        }
        /* bumpless: the switch from position control moves nothing */
        double jump = 0;
        for (int k = 0; k < 300; k++) {
            rt_cycle(r.c, r.hal);
            jump = xt_max(jump, joint_speed(&r));
        }
        double p0[3];
        memcpy(p0, &r.md->site_xpos[3 * r.flange], sizeof p0);
        double F[3] = {0, 0, 0};
        F[axis] = 10;
        for (int k = 0; k < 2200; k++) {
            push(&r, F);
            rt_cycle(r.c, r.hal);
        }
        double dx = r.md->site_xpos[3 * r.flange + axis] - p0[axis];
        double measured = F[axis] / dx, e = fabs(measured / K[axis] - 1);
        XT_CHECK(e < 0.05, "axis %d: measured %.1f N/m, commanded %.0f (%.2f %%)", axis, measured,
                 K[axis], e * 100);
        XT_CHECK(jump < 2e-3, "switching into impedance: joint speed %.2e rad/s", jump);
        /* let go; out of impedance, position control takes over where the arm is */
        push(&r, NULL);
        double before = 0, prev = 0; /* the speed in the last cycle under impedance */
        while (line(&r) == COMPLY_LINE) {
            before = prev;
            rt_cycle(r.c, r.hal);
            prev = joint_speed(&r);
        }
        double out_jump = 0;
        for (int k = 0; k < 100; k++) {
            rt_cycle(r.c, r.hal);
            out_jump = xt_max(out_jump, joint_speed(&r));
        }
        XT_CHECK(out_jump < before + 2e-3,
                 "switching out of impedance: joint speed %.2e rad/s after, %.2e before", out_jump,
                 before);
        printf("program impedance, axis %d: commanded %.0f N/m, measured %.1f (%+.2f %%); "
               "switch in %.1e, out %.1e rad/s (%.1e before)\n",
               axis, K[axis], measured, (measured / K[axis] - 1) * 100, jump, out_jump, before);
        push(&r, NULL);
        rig_close(&r);
    }
}

static void joint_stiffness(void) {
    rig r;
    if (rig_open(&r, HOME "impedance joint [300, 300, 300, 150, 50, 50, 20] 8 for 2\n",
                 XN_CMD_TORQUE) ||
        reach_comply(&r)) {
        XT_CHECK(0, "joint impedance set-up");
        return;
    }
    for (int k = 0; k < 200; k++) rt_cycle(r.c, r.hal);
    double q0[7];
    memcpy(q0, r.md->qpos, sizeof q0);
    for (int k = 0; k < 1500; k++) {
        r.md->qfrc_applied[3] = 3; /* N m on joint 4 */
        r.md->qfrc_applied[6] = -1;
        rt_cycle(r.c, r.hal);
    }
    double k4 = 3 / (r.md->qpos[3] - q0[3]), k7 = -1 / (r.md->qpos[6] - q0[6]);
    XT_CHECK(fabs(k4 / 150 - 1) < 0.05 && fabs(k7 / 20 - 1) < 0.05,
             "joint stiffness: joint 4 %.1f (150), joint 7 %.1f (20) N m/rad", k4, k7);
    printf("program joint impedance: joint 4 %.1f N m/rad (150), joint 7 %.2f (20)\n", k4, k7);
    r.md->qfrc_applied[3] = r.md->qfrc_applied[6] = 0;
    rig_close(&r);
}

/* Inertia shaping: the joint behaves as the mass-spring-damper asked for. Push joint 4, let go,
 * and time its ringing: the damped frequency of K, D and the desired inertia, within 5 %. */
static void inertia_shaping(void) {
    const double K = 100, D = 2, inertias[2] = {0.5, 2.0};
    for (int c = 0; c < 2; c++) {
        char prog[512];
        snprintf(prog, sizeof prog, HOME "impedance joint %g %g inertia %g for 4\n", K, D,
                 inertias[c]);
        rig r;
        if (rig_open(&r, prog, XN_CMD_TORQUE) || reach_comply(&r)) {
            XT_CHECK(0, "inertia shaping set-up");
            return;
        }
        double q0 = r.md->qpos[3];
        for (int k = 0; k < 1000; k++) {
            r.md->qfrc_applied[3] = 3;
            rt_cycle(r.c, r.hal);
        }
        r.md->qfrc_applied[3] = 0;
        /* zero crossings of q - q0 after letting go */
        double prev = r.md->qpos[3] - q0, first = -1, last = -1;
        int crossings = 0;
        for (int k = 0; k < 2000; k++) {
            rt_cycle(r.c, r.hal);
            double x = r.md->qpos[3] - q0;
            if ((x > 0) != (prev > 0)) {
                if (first < 0) first = r.md->time;
                last = r.md->time;
                crossings++;
            }
            prev = x;
        }
        double Md = inertias[c], wn = sqrt(K / Md), zeta = D / (2 * sqrt(K * Md));
        double expected = wn * sqrt(1 - zeta * zeta) / (2 * 3.14159265358979323846);
        double measured = crossings > 2 ? (crossings - 1) / (2 * (last - first)) : 0;
        XT_CHECK(fabs(measured / expected - 1) < 0.05,
                 "inertia %.1f kg m^2: ringing at %.3f Hz (expected %.3f)", Md, measured, expected);
        printf("inertia shaping, joint 4, K %g, D %g, inertia %.1f: rings at %.3f Hz (%.3f "
               "expected, %+.1f %%)\n",
               K, D, Md, measured, expected, (measured / expected - 1) * 100);
        rig_close(&r);
    }
}

static void guiding(void) {
    rig r;
    if (rig_open(&r, HOME "guide damping 100 speed 0.5 lock rx ry rz for 2\nwait 0.5\n",
                 XN_CMD_TORQUE) ||
        reach_comply(&r)) {
        XT_CHECK(0, "guide set-up");
        return;
    }
    double F[3] = {0, 20, 0};
    double y0 = 0, t0 = 0, tilt = 0;
    double R0[9];
    memcpy(R0, &r.md->site_xmat[9 * r.flange], sizeof R0);
    for (int k = 0; k < 1200; k++) {
        push(&r, F);
        rt_cycle(r.c, r.hal);
        if (k == 700) {
            y0 = r.md->site_xpos[3 * r.flange + 1];
            t0 = r.md->time;
        }
    }
    double speed = (r.md->site_xpos[3 * r.flange + 1] - y0) / (r.md->time - t0);
    const double *R = &r.md->site_xmat[9 * r.flange];
    for (int i = 0; i < 9; i++) tilt = xt_max(tilt, fabs(R[i] - R0[i]));
    XT_CHECK(fabs(speed / 0.2 - 1) < 0.1, "guide: 20 N moves the flange at %.3f m/s (F/D 0.2)",
             speed);
    XT_CHECK(tilt < 0.02, "guide: the locked rotations held (largest change %.3f)", tilt);
    /* let go: the arm stops under the damping, and position control holds it where it was led
     * (no pull back to where guiding began) */
    push(&r, NULL);
    while (line(&r) == COMPLY_LINE) rt_cycle(r.c, r.hal);
    double left[3], drift = 0;
    memcpy(left, &r.md->site_xpos[3 * r.flange], sizeof left);
    for (int k = 0; k < 400; k++) rt_cycle(r.c, r.hal);
    for (int i = 0; i < 3; i++)
        drift = xt_max(drift, fabs(r.md->site_xpos[3 * r.flange + i] - left[i]));
    XT_CHECK(drift < 1e-3, "after guiding the arm stays where it was led (moved %.2f mm)",
             drift * 1e3);
    printf("program guide: 20 N, damping 100 N s/m: %.3f m/s (0.2 predicted), orientation "
           "change %.4f\n",
           speed, tilt);
    push(&r, NULL);
    rig_close(&r);
}

static void admittance(void) {
    /* drives in position mode: the controller can only move the reference */
    rig r;
    if (rig_open(&r, HOME "admittance mass 4 damping 300 stiffness 1000 for 3\n",
                 XN_CMD_POSITION) ||
        reach_comply(&r)) {
        XT_CHECK(0, "admittance set-up");
        return;
    }
    for (int k = 0; k < 100; k++) rt_cycle(r.c, r.hal);
    double p0[3];
    memcpy(p0, &r.md->site_xpos[3 * r.flange], sizeof p0);
    double F[3] = {0, 0, 0};
    F[0] = 10;
    for (int k = 0; k < 2000; k++) {
        push(&r, F);
        rt_cycle(r.c, r.hal);
    }
    double dx = r.md->site_xpos[3 * r.flange] - p0[0];
    double measured = 10 / dx;
    XT_CHECK(fabs(measured / 1000 - 1) < 0.05,
             "admittance: 10 N moved the flange %.2f mm (stiffness %.0f N/m, commanded 1000)",
             dx * 1e3, measured);
    printf("program admittance (position drives): 10 N -> %.2f mm, stiffness %.0f N/m (1000)\n",
           dx * 1e3, measured);
    push(&r, NULL);
    rig_close(&r);
}

static void refused(void) {
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_controller *c = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err))
        return;
    struct {
        const char *prog, *words;
        xn_command_mode mode;
    } cases[] = {
        {"impedance joint 100 5 for 1\n", "the drives must be in torque mode", XN_CMD_POSITION},
        {"guide for 1\n", "the drives must be in torque mode", XN_CMD_POSITION},
        {"impedance joint [1, 2, 3] 5 for 1\n", "the stiffness has 3 values, the robot has 7",
         XN_CMD_TORQUE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xn_program *p = NULL;
        if (xn_program_parse(cases[i].prog, strlen(cases[i].prog), "bad.xnp", &p, &err)) continue;
        xn_controller_config cfg;
        rt_panda_config(&cfg);
        cfg.command_mode = cases[i].mode;
        xn_status st = xn_controller_create(m, hal, p, &cfg, &c, &err);
        XT_CHECK(st != XN_OK && strstr(err.message, "line 1") &&
                     strstr(err.message, cases[i].words),
                 "refused: expected \"%s\", got \"%s\"", cases[i].words, err.message);
        if (st == XN_OK) xn_controller_free(c);
        xn_program_free(p);
    }
    xn_hal_close(hal);
    xn_model_free(m);
}

int main(void) {
    refused();
    cartesian_stiffness();
    joint_stiffness();
    inertia_shaping();
    guiding();
    admittance();
    return xt_done("test_comply_program");
}
