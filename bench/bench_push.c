/* Push recovery of the 29-DoF G1 in MuJoCo: the largest impulse at the pelvis (N s; a 0.1 s
 * force) forward, backward and sideways that the robot survives (upright 5 s after the push),
 * standing under whole-body control without stepping, beside a baseline of stiff joint PD
 * holding the knees_bent pose (kp 400 N m/rad, kd 10 N m s/rad). Bisection to 0.5 N s.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <mujoco/mujoco.h>

#include "control/g1_wbc.h"

typedef struct {
    xn_model *m;
    xn_wbc_config cfg;
} setup;

/* Stand 1 s, push for 0.1 s, watch 5 s: 1 when the pelvis stays above 0.55 m. */
static int survives(const setup *s, int wbc, const double dir[3], double impulse) {
    xn_error err;
    xn_hal *hal = NULL;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    if (xn_mujoco_open(G1_SCENE, &mo, &hal, &err)) return 0;
    mjModel *mm = xn_mujoco_model(hal);
    mjData *md = xn_mujoco_data(hal);
    const xn_model *m = s->m;
    int pelvis = mj_name2id(mm, mjOBJ_BODY, "pelvis");
    int hal_q[29], imu = -1, feet[2] = {s->cfg.contact[0].frame, s->cfg.contact[1].frame};
    g1_joint_map(m, hal, hal_q);
    for (int i = 0; i < hal->nimu; i++)
        if (strcmp(hal->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    xn_wbc *w = wbc ? xn_wbc_create(m, &s->cfg) : NULL;
    xn_base_estimator *est = xn_base_estimator_create(m, 2, feet);
    xn_data *d = xn_data_create(m);
    double q[36], v[35] = {0}, tau[35], q0[36];
    memcpy(q, md->qpos, sizeof q);
    memcpy(q0, q, sizeof q0);
    xn_base_estimator_reset(est, q, q);
    xn_wbc_targets t;
    xn_dyn_com(m, d, q);
    memcpy(t.com, d->com, sizeof t.com);
    memset(t.com_velocity, 0, sizeof t.com_velocity);
    xn_quat_to_rot(q + 3, t.base_R);
    t.posture = q0;
    int up = 1;
    for (long k = 0; k < 6100 && up; k++) {
        double push = k >= 1000 && k < 1100 ? impulse / 0.1 : 0;
        for (int a = 0; a < 3; a++) md->xfrc_applied[6 * pelvis + a] = push * dir[a];
        xn_hal_read(hal);
        g1_read_joints(hal, hal_q, q, v);
        if (w) {
            memcpy(q + 3, hal->imu[imu].orientation, 4 * sizeof(double));
            xn_base_estimator_update(est, q, v, hal->imu[imu].angular_velocity, NULL);
            xn_wbc_result res;
            if (xn_wbc_solve(w, q, v, &t, NULL, tau, &res) == XN_OK)
                for (int j = 0; j < 29; j++) hal->command[hal_q[j]].torque = tau[6 + j];
        } else {
            for (int j = 0; j < 29; j++) {
                double tq = 400 * (q0[7 + j] - q[7 + j]) - 10 * v[6 + j],
                       lim = m->dof_effort[6 + j];
                hal->command[hal_q[j]].torque = fmin(fmax(tq, -lim), lim);
            }
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
        up = md->qpos[2] > 0.55;
    }
    xn_data_free(d);
    xn_base_estimator_free(est);
    xn_wbc_free(w);
    xn_hal_close(hal);
    return up;
}

/* the largest impulse survived, by bisection between 0 and hi (N s) */
static double largest(const setup *s, int wbc, const double dir[3], double hi) {
    double lo = 0;
    if (survives(s, wbc, dir, hi)) return hi;
    while (hi - lo > 0.5) {
        double mid = 0.5 * (lo + hi);
        if (survives(s, wbc, dir, mid))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int main(void) {
    setup s;
    xn_error err;
    if (xn_load_model(G1_SCENE, NULL, &s.m, &err)) return 1;
    g1_wbc_config(s.m, &s.cfg);

    const struct {
        const char *name;
        double dir[3];
    } dirs[3] = {{"forward", {1, 0, 0}}, {"backward", {-1, 0, 0}}, {"sideways", {0, 1, 0}}};
    printf("### Push recovery (G1, impulse at the pelvis over 0.1 s, survived = upright 5 s "
           "later)\n\n");
    printf("| push | joint PD baseline (N s) | whole-body control, no stepping (N s) | ratio "
           "|\n|---|---|---|---|\n");
    for (int k = 0; k < 3; k++) {
        double pd = largest(&s, 0, dirs[k].dir, 60), wb = largest(&s, 1, dirs[k].dir, 60);
        printf("| %s | %.1f | %.1f | %.1f |\n", dirs[k].name, pd, wb, pd > 0 ? wb / pd : 0);
        fflush(stdout);
    }
    xn_model_free(s.m);
    return 0;
}
