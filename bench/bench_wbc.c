/* The whole-body controller's compute time per cycle on the 29-DoF G1 standing in MuJoCo at
 * 1 kHz: base estimation (IMU and leg kinematics) plus dynamics, QP and torques, median and p99
 * over a minute of standing (the physics excluded), and how well it stood.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"

#include <mujoco/mujoco.h>

#include "control/g1_wbc.h"

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 60;
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    if (xn_load_model(G1_SCENE, NULL, &m, &err) || xn_mujoco_open(G1_SCENE, &mo, &hal, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    mjData *md = xn_mujoco_data(hal);
    xn_wbc_config cfg;
    g1_wbc_config(m, &cfg);
    xn_wbc *w = xn_wbc_create(m, &cfg);
    int hal_q[29], imu = -1, feet[2] = {cfg.contact[0].frame, cfg.contact[1].frame};
    if (g1_joint_map(m, hal, hal_q)) return 1;
    for (int i = 0; i < hal->nimu; i++)
        if (strcmp(hal->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    xn_base_estimator *est = xn_base_estimator_create(m, 2, feet);
    xn_data *d = xn_data_create(m);
    double q[36], v[35] = {0}, tau[35];
    memcpy(q, md->qpos, sizeof q); /* the start pose: known */
    xn_base_estimator_reset(est, q, q);
    xn_wbc_targets t;
    xn_wbc_targets_init(w, q, &t);
    double posture[36];
    memcpy(posture, q, sizeof posture);
    t.posture = posture;
    long steps = (long)(seconds * 1000);
    double *cyc = malloc(sizeof(double) * (size_t)steps), worst = 0;
    int iters = 0, fails = 0;
    for (long k = 0; k < steps; k++) {
        xn_hal_read(hal);
        double t0 = xb_now_ns();
        g1_read_joints(hal, hal_q, q, v);
        memcpy(q + 3, hal->imu[imu].orientation, 4 * sizeof(double));
        xn_base_estimator_update(est, q, v, hal->imu[imu].angular_velocity, NULL);
        xn_wbc_result res;
        int ok = xn_wbc_solve(w, q, v, &t, NULL, tau, &res) == XN_OK;
        for (int j = 0; j < 29 && ok; j++) hal->command[hal_q[j]].torque = tau[6 + j];
        cyc[k] = xb_now_ns() - t0;
        fails += !ok;
        if (res.iterations > iters) iters = res.iterations;
        if (k > 1000)
            for (int a = 0; a < 3; a++) worst = fmax(worst, fabs(res.com[a] - t.com[a]));
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    qsort(cyc, (size_t)steps, sizeof(double), xb_cmp);
    printf(
        "### Whole-body control cycle, G1 (29 DoF, 59 QP variables), %.0f s standing at 1 kHz\n\n",
        seconds);
    printf("| median (us) | p99 (us) | max (us) | QP iterations (max) | CoM error (max, mm) | QP "
           "failures |\n|---|---|---|---|---|---|\n");
    printf("| %.1f | %.1f | %.1f | %d | %.3f | %d |\n", cyc[steps / 2] * 1e-3,
           cyc[steps * 99 / 100] * 1e-3, cyc[steps - 1] * 1e-3, iters, worst * 1e3, fails);
    free(cyc);
    xn_data_free(d);
    xn_base_estimator_free(est);
    xn_wbc_free(w);
    xn_hal_close(hal);
    xn_model_free(m);
    return 0;
}
