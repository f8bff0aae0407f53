/* Unitree's G1 walking policy, run by xiaonao on the 12-DoF G1 in MuJoCo: 60 s at each of
 * forward 0.5 m/s, backward 0.3 m/s, sideways 0.3 m/s, turning 0.5 rad/s and standing, without
 * falling; the mean achieved velocity against the command; the supervisor's damping mode on a
 * NaN reading. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "alloc_count.h"
#include "test_util.h"
#include "xiaonao/locomotion.h"
#include "xiaonao/xiaonao.h"

#define G1_SCENE XN_MODELS_DIR "/mjcf/unitree_g1_12dof/scene.xml"
#define G1_DEPLOY XN_POLICIES_DIR "/unitree_g1_walk/deploy.json"
#define G1_POLICY XN_POLICIES_DIR "/unitree_g1_walk/g1_walk.onnx"

typedef struct {
    double cmd[3];
    const char *name;
    double tol; /* relative error allowed: about 1.5 times what this policy achieves here (4.8,
                 * 13, 28 and 6.2 %), so that a worse runtime fails; standing: drift in m/s */
} walk_case;

static void walk(double seconds) {
    const walk_case cases[] = {{{0.5, 0, 0}, "forward 0.5 m/s", 0.08},
                               {{-0.3, 0, 0}, "backward 0.3 m/s", 0.2},
                               {{0, 0.3, 0}, "sideways 0.3 m/s", 0.4},
                               {{0, 0, 0.5}, "turning 0.5 rad/s", 0.1},
                               {{0, 0, 0}, "standing", 0.04}};
    xn_error err;
    xn_deploy d;
    if (xn_deploy_load(G1_DEPLOY, &d, &err)) {
        XT_CHECK(0, "deploy: %s", err.message);
        return;
    }
    /* The walks check the policy's control in simulated time; the supervisor's wall-clock budget
     * (10 ms by default) is tested in supervisor() below. Under ASan on a shared machine one
     * evaluation once took 10.5 ms and stopped a walk. */
    d.budget_s = 1;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        xn_policy *p = NULL;
        xn_hal *hal = NULL;
        xn_locomotion *l = NULL;
        xn_mujoco_options mo;
        memset(&mo, 0, sizeof mo);
        mo.period_ns = (int64_t)llround(d.simulation_dt * 1e9);
        if (xn_policy_load(G1_POLICY, &p, &err) || xn_mujoco_open(G1_SCENE, &mo, &hal, &err) ||
            xn_locomotion_create(&d, p, hal, &l, &err)) {
            XT_CHECK(0, "set-up: %s", err.message);
            return;
        }
        mjModel *mm = xn_mujoco_model(hal);
        mjData *md = xn_mujoco_data(hal);
        (void)mm;
        xn_locomotion_command(l, cases[c].cmd[0], cases[c].cmd[1], cases[c].cmd[2]);
        long steps = (long)(seconds / d.simulation_dt), settle = (long)(5 / d.simulation_dt);
        double sum[3] = {0, 0, 0}, low = 10;
        long n = 0;
        for (long k = 0; k < steps; k++) {
            xn_hal_read(hal);
            xn_locomotion_step(l);
            xn_hal_write(hal);
            xn_hal_advance(hal);
            low = xt_min(low, md->qpos[2]);
            if (k >= settle) {
                /* the base's velocity in its heading frame */
                const double *q = md->qpos + 3;
                double yaw =
                    atan2(2 * (q[0] * q[3] + q[1] * q[2]), 1 - 2 * (q[2] * q[2] + q[3] * q[3]));
                double vx = md->qvel[0], vy = md->qvel[1];
                sum[0] += cos(yaw) * vx + sin(yaw) * vy;
                sum[1] += -sin(yaw) * vx + cos(yaw) * vy;
                sum[2] += md->qvel[5];
                n++;
            }
        }
        double mean[3] = {sum[0] / n, sum[1] / n, sum[2] / n};
        int up = xn_locomotion_state(l) == XN_LOCO_RUNNING && low > 0.5;
        XT_CHECK(up, "%s: walked %.0f s without falling (lowest pelvis %.2f m, %s)", cases[c].name,
                 seconds, low, xn_locomotion_reason(l));
        int k = cases[c].cmd[2] != 0 ? 2 : (cases[c].cmd[1] != 0 ? 1 : 0);
        double want = cases[c].cmd[k], got = mean[k];
        double tol = cases[c].tol;
        XT_CHECK(want == 0 ? fabs(mean[0]) < tol && fabs(mean[1]) < tol
                           : got * want > 0 && fabs(got - want) < tol * fabs(want),
                 "%s: mean %.3f (command %.3f, within %.0f %%)", cases[c].name, got, want,
                 tol * 100);
        int64_t maxns;
        int64_t last = xn_locomotion_policy_ns(l, &maxns);
        printf("G1 %-18s: mean vx %+.3f m/s, vy %+.3f m/s, yaw rate %+.3f rad/s over %.0f s; "
               "lowest pelvis %.2f m; policy %.1f us (max %.1f)\n",
               cases[c].name, mean[0], mean[1], mean[2], seconds - 5, low, (double)last * 1e-3,
               (double)maxns * 1e-3);
        xn_locomotion_free(l);
        xn_hal_close(hal);
        xn_policy_free(p);
    }
}

/* The supervisor: a NaN from an encoder, a policy over its time budget, a base tipped over: each
 * stops the policy into the damping mode with its reason. */
static void supervisor(void) {
    xn_error err;
    xn_deploy d;
    if (xn_deploy_load(G1_DEPLOY, &d, &err)) return;
    const char *expect[3] = {"not finite", "over its budget", "tilted"};
    for (int c = 0; c < 3; c++) {
        xn_deploy dc = d;
        dc.budget_s = c == 1 ? 1e-9 : 1; /* only the budget case may trip on time */
        xn_policy *p = NULL;
        xn_hal *hal = NULL;
        xn_locomotion *l = NULL;
        xn_mujoco_options mo;
        memset(&mo, 0, sizeof mo);
        mo.period_ns = (int64_t)llround(dc.simulation_dt * 1e9);
        if (xn_policy_load(G1_POLICY, &p, &err) || xn_mujoco_open(G1_SCENE, &mo, &hal, &err) ||
            xn_locomotion_create(&dc, p, hal, &l, &err))
            return;
        mjData *md = xn_mujoco_data(hal);
        xn_locomotion_command(l, 0.5, 0, 0);
        for (long k = 0; k < 2000; k++) {
            if (c == 0 && k == 1000) xn_hal_inject(hal, 3, XN_INJECT_SENSOR_NAN);
            if (c == 2 && k == 1000) md->xfrc_applied[6 * 1 + 0] = 400; /* a hard shove */
            if (c == 2 && k == 1100) md->xfrc_applied[6 * 1 + 0] = 0;
            xn_hal_read(hal);
            xn_locomotion_step(l);
            xn_hal_write(hal);
            xn_hal_advance(hal);
        }
        XT_CHECK(xn_locomotion_state(l) == XN_LOCO_DAMPING &&
                     strstr(xn_locomotion_reason(l), expect[c]),
                 "supervisor case %d: state %d, \"%s\"", c, xn_locomotion_state(l),
                 xn_locomotion_reason(l));
        printf("supervisor: %s\n", xn_locomotion_reason(l));
        xn_locomotion_free(l);
        xn_hal_close(hal);
        xn_policy_free(p);
    }
    /* bad descriptions */
    xn_deploy bad;
    XT_CHECK(xn_deploy_load("/nonexistent.json", &bad, &err) == XN_ERR_IO, "missing file");
}

/* A program on the G1 in MuJoCo (2 ms period) under a controller with cfg. */
typedef struct {
    xn_model *m;
    xn_hal *hal;
    xn_program *p;
    xn_controller *c;
} walk_rig;

/* The first failure's status (err says why), or XN_OK. Close the rig either way. */
static xn_status rig_open(walk_rig *r, const char *text, const xn_controller_config *cfg,
                          xn_error *err) {
    memset(r, 0, sizeof *r);
    xn_mujoco_options mo;
    memset(&mo, 0, sizeof mo);
    mo.period_ns = 2000000;
    xn_status st = xn_load_model(G1_SCENE, NULL, &r->m, err);
    if (st == XN_OK) st = xn_mujoco_open(G1_SCENE, &mo, &r->hal, err);
    if (st == XN_OK) st = xn_program_parse(text, strlen(text), "walk.xnp", &r->p, err);
    if (st == XN_OK) st = xn_controller_create(r->m, r->hal, r->p, cfg, &r->c, err);
    return st;
}

static void rig_close(walk_rig *r) {
    xn_controller_free(r->c);
    xn_program_free(r->p);
    xn_hal_close(r->hal);
    xn_model_free(r->m);
}

static void count_from(void *user, long cycle) {
    (void)user;
    (void)cycle;
    xt_counting = 1;
}

static int count_to(void *user, xn_controller *c) {
    (void)user;
    (void)c;
    xt_counting = 0;
    return 0;
}

/* The same through a robot program and the controller: `policy load`, `walk`, `stand`. */
static void program(void) {
    const char *text = "policy load " XN_POLICIES_DIR "/unitree_g1_walk\n"
                       "stand for 1\n"
                       "walk 0.5 0 0 for 10\n"
                       "stand for 2\n";
    xn_error err;
    walk_rig r;
    xn_policy_hook *hook = xn_locomotion_hook_create();
    /* as in the walks above: simulated time is checked, the wall-clock budget is not (a sanitizer
     * build on a busy machine took 14 ms for one evaluation) */
    xn_locomotion_hook_set_budget(hook, 1);
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.policy_hook = hook;
    if (rig_open(&r, text, &cfg, &err)) {
        XT_CHECK(0, "program set-up: %s", err.message);
        rig_close(&r);
        xn_locomotion_hook_free(hook);
        return;
    }
    mjData *md = xn_mujoco_data(r.hal);
    double x0 = md->qpos[0];
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.max_time_s = 20;
    /* allocator calls are counted from inside each cycle (after the read) to its end */
    lc.inject_delay = count_from;
    lc.after_cycle = count_to;
    xn_loop_report rep;
    xt_allocs = 0;
    xn_loop_run(r.c, r.hal, &lc, &rep);
    XT_CHECK(xt_allocs == 0, "no allocation in the control steps of the program walk: %ld",
             xt_allocs);
    double dx = md->qpos[0] - x0;
    XT_CHECK(xn_controller_state(r.c) == XN_CTL_DONE && md->qpos[2] > 0.6 && dx > 3.5 && dx < 6,
             "the program walked the G1 %.2f m forward (10 s at 0.5 m/s), pelvis at %.2f m", dx,
             md->qpos[2]);
    printf("program: policy load, walk 0.5 0 0 for 10: %.2f m forward, pelvis at %.2f m\n", dx,
           md->qpos[2]);
    rig_close(&r);
    /* the override reaches the loaded policy: a budget no evaluation can meet stops the walk */
    xn_policy_hook *strict = xn_locomotion_hook_create();
    xn_locomotion_hook_set_budget(strict, 1e-9);
    cfg.policy_hook = strict;
    const char *brief = "policy load " XN_POLICIES_DIR "/unitree_g1_walk\nwalk 0.5 0 0 for 1\n";
    int stopped = 0;
    if (rig_open(&r, brief, &cfg, &err) == XN_OK) {
        lc.max_time_s = 2;
        xn_loop_run(r.c, r.hal, &lc, &rep);
        xn_event ev;
        while (xn_controller_next_event(r.c, &ev))
            if (ev.code == XN_EV_POLICY_STOP && strstr(ev.text, "over its budget")) stopped = 1;
    }
    XT_CHECK(stopped, "a budget of 1 ns set on the hook stops the program's walk: %s",
             stopped ? "stopped" : err.message);
    rig_close(&r);
    cfg.policy_hook = hook;
    xn_locomotion_hook_free(strict);
    /* walk without a policy, a policy folder that is not there, a walk beyond the range the
     * policy was trained on (its description's command_max): refused at creation */
    const char *bad[3] = {"walk 0.5 0 0\n", "policy load /nowhere\n",
                          "policy load " XN_POLICIES_DIR "/unitree_g1_walk\nwalk 0 1.5 0\n"};
    const char *words[3] = {"put 'policy load ...' before", "no such folder",
                            "line 2, column 1: vy 1.5 is beyond the 1 the policy was trained on"};
    for (int k = 0; k < 3; k++) {
        xn_status st = rig_open(&r, bad[k], &cfg, &err);
        XT_CHECK(st != XN_OK && strstr(err.message, words[k]), "refused: %s", err.message);
        rig_close(&r);
    }
    xn_locomotion_hook_free(hook);
}

int main(int argc, char **argv) {
    program();
    supervisor();
    walk(argc > 1 ? atof(argv[1]) : 60);
    return xt_done("test_walk");
}
