/* The humanoid controller's compute time per cycle on the 29-DoF G1 in MuJoCo at 1 kHz (the
 * physics excluded): base estimation (IMU and leg kinematics) plus dynamics, QP and torques.
 * Two runs: the whole-body controller holding the CoM still (standing), and the capture-point
 * balance controller standing through a push every 4 s (16 N s forward and backward, 10 N s
 * sideways: recovery steps, whose contact switches make the QP's hardest cycles). Median, p99,
 * p99.9 and max of the wall time, the median, p99 and max of the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID: a preempted cycle costs no more of it), and how well it stood.
 * Usage: bench_wbc [seconds per run]
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"

#include <mujoco/mujoco.h>

#include "control/g1_wbc.h"

static void run(const xn_model *m, int balance, double seconds) {
    xn_error err;
    xn_hal *hal = NULL;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    if (xn_mujoco_open(G1_SCENE, &mo, &hal, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    mjModel *mm = xn_mujoco_model(hal);
    mjData *md = xn_mujoco_data(hal);
    int pelvis = mj_name2id(mm, mjOBJ_BODY, "pelvis");
    xn_balance_config bc;
    g1_balance_config(m, &bc);
    xn_wbc *w = NULL;
    xn_balance *b = NULL;
    xn_error cerr;
    if ((balance ? xn_balance_create(m, &bc, &b, &cerr) : xn_wbc_create(m, &bc.wbc, &w, &cerr)) !=
        XN_OK) {
        fprintf(stderr, "%s: %s\n", cerr.file, cerr.message);
        exit(1);
    }
    int hal_q[29], imu = -1, feet[2] = {bc.wbc.contact[0].frame, bc.wbc.contact[1].frame};
    g1_joint_map(m, hal, hal_q);
    for (int i = 0; i < hal->nimu; i++)
        if (strcmp(hal->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    xn_base_estimator *est = NULL;
    xn_base_estimator_create(m, 2, feet, &est, NULL);
    for (int f = 0; f < 2; f++) xn_base_estimator_set_sole(est, f, bc.wbc.contact[f].corner);
    double q[36], v[35] = {0}, tau[35], posture[36];
    memcpy(q, md->qpos, sizeof q); /* the start pose: known */
    memcpy(posture, q, sizeof posture);
    xn_base_estimator_reset(est, q, q);
    xn_wbc_targets t;
    if (w) {
        xn_wbc_targets_init(w, q, &t);
        t.posture = posture;
    }
    if (b) xn_balance_reset(b, q, posture);
    long steps = (long)(seconds * 1000);
    double *cyc = malloc(sizeof(double) * (size_t)steps), worst = 0;
    double *cpu = malloc(sizeof(double) * (size_t)steps);
    int iters = 0, fails = 0, nsteps = 0;
    const double push[3][3] = {{160, 0, 0}, {-160, 0, 0}, {0, 100, 0}};
    for (long k = 0; k < steps; k++) {
        long phase = k % 4000;
        const double *f = push[(k / 4000) % 3];
        for (int a = 0; a < 3; a++)
            md->xfrc_applied[6 * pelvis + a] = balance && phase >= 2000 && phase < 2100 ? f[a] : 0;
        xn_hal_read(hal);
        double t0 = xb_now_ns(), c0 = xb_cpu_ns();
        g1_read_joints(hal, hal_q, q, v);
        memcpy(q + 3, hal->imu[imu].orientation, 4 * sizeof(double));
        xn_base_estimator_update(est, q, v, hal->imu[imu].angular_velocity,
                                 b ? xn_balance_stance(b) : NULL);
        int ok, it;
        double err_com = 0;
        if (b) {
            xn_balance_status st;
            ok = xn_balance_update(b, q, v, 0.001, tau, &st) == XN_OK;
            it = st.wbc.iterations;
            nsteps = st.steps;
        } else {
            xn_wbc_result res;
            ok = xn_wbc_solve(w, q, v, &t, NULL, tau, &res) == XN_OK;
            it = res.iterations;
            for (int a = 0; a < 3; a++) err_com = xb_max(err_com, fabs(res.com[a] - t.com[a]));
        }
        for (int j = 0; j < 29 && ok; j++) hal->command[hal_q[j]].torque = tau[6 + j];
        cyc[k] = xb_now_ns() - t0;
        cpu[k] = xb_cpu_ns() - c0;
        fails += !ok;
        if (it > iters) iters = it;
        if (k > 1000) worst = xb_max(worst, err_com);
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    qsort(cyc, (size_t)steps, sizeof(double), xb_cmp);
    qsort(cpu, (size_t)steps, sizeof(double), xb_cmp);
    if (balance)
        printf("| capture-point balance, a push every 4 s (%d recovery steps) | ", nsteps);
    else
        printf("| whole-body control, standing (CoM within %.3f mm) | ", worst * 1e3);
    printf("%.1f | %.1f | %.1f | %.1f | %.1f / %.1f / %.1f | %d | %d |\n", cyc[steps / 2] * 1e-3,
           cyc[steps * 99 / 100] * 1e-3, cyc[steps * 999 / 1000] * 1e-3, cyc[steps - 1] * 1e-3,
           cpu[steps / 2] * 1e-3, cpu[steps * 99 / 100] * 1e-3, cpu[steps - 1] * 1e-3, iters,
           fails);
    fflush(stdout);
    free(cyc);
    free(cpu);
    xn_base_estimator_free(est);
    xn_balance_free(b);
    xn_wbc_free(w);
    xn_hal_close(hal);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 24;
    xn_error err;
    xn_model *m = NULL;
    if (xn_load_model(G1_SCENE, NULL, &m, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("### Humanoid control cycle, G1 (29 DoF, 59 QP variables), %.0f s per run at 1 kHz; "
           "estimation + dynamics + QP + torques (physics excluded)\n\n",
           seconds);
    printf("| run | median (us) | p99 (us) | p99.9 (us) | max (us) | CPU median / p99 / max (us) "
           "| QP iterations (max) | QP failures |\n|---|---|---|---|---|---|---|---|\n");
    run(m, 0, seconds);
    run(m, 1, seconds);
    xn_model_free(m);
    return 0;
}
