/* The whole-body controller standing the 29-DoF G1 in MuJoCo at 1 kHz (torque control through
 * the robot's drives): the centre of mass stays within 5 mm of its target; no torque limit is
 * exceeded; the QP is solved in every cycle. The controller sees the robot only through its
 * drives and its pelvis IMU: the floating base comes from the estimator (IMU and leg
 * kinematics); the simulator's true base state is read only to measure the estimator's error.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "g1_wbc.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define G1 G1_SCENE

/* The true state from the simulator (for comparison only): the free joint's linear velocity in
 * the base frame, as xiaonao's models have it */
int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_mujoco_options mo;
    memset(&mo, 0, sizeof mo);
    mo.keyframe = "knees_bent";
    if (xn_load_model(G1, NULL, &m, &err) || xn_mujoco_open(G1, &mo, &hal, &err)) {
        XT_CHECK(0, "set-up: %s", err.message);
        return xt_done("test_wbc_stand");
    }
    mjData *md = xn_mujoco_data(hal);
    xn_wbc_config cfg;
    g1_wbc_config(m, &cfg);
    xn_wbc *w = g1_wbc_new(m, &cfg);
    xn_data *d = xn_data_create(m);
    /* the robot's joints in the model's order */
    int hal_q[29], mapped = g1_joint_map(m, hal, hal_q) == 0;
    XT_CHECK(mapped, "every joint of the model is a drive of the robot");
    if (!mapped) return xt_done("test_wbc_stand");
    int imu = -1;
    for (int i = 0; i < hal->nimu; i++)
        if (strcmp(hal->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    XT_CHECK(imu >= 0, "the pelvis IMU");
    if (imu < 0) return xt_done("test_wbc_stand");
    int feet[2] = {cfg.contact[0].frame, cfg.contact[1].frame};
    xn_base_estimator *est = NULL;
    xn_base_estimator_create(m, 2, feet, &est, NULL);
    double q[36], v[35], tau[35], qt[36], vt[35];
    xn_hal_read(hal);
    g1_true_state(md, hal, hal_q, q, v);
    /* the start: the robot stands where its start pose says (the keyframe's base position) */
    xn_base_estimator_reset(est, q, q);
    xn_wbc_targets t;
    xn_wbc_targets_init(w, q, &t);
    double posture[36];
    memcpy(posture, q, sizeof posture);
    t.posture = posture;
    long steps = (long)(seconds * 1000), fails = 0, over = 0;
    double worst_com = 0, pos_err = 0, vel_err = 0;
    for (long k = 0; k < steps; k++) {
        xn_hal_read(hal);
        /* what the controller knows: joints, and the IMU's orientation and angular velocity */
        g1_read_joints(hal, hal_q, q, v);
        memcpy(q + 3, hal->imu[imu].orientation, 4 * sizeof(double));
        xn_base_estimator_update(est, q, v, hal->imu[imu].angular_velocity, NULL);
        g1_true_state(md, hal, hal_q, qt, vt);
        for (int a = 0; a < 3 && k > 1000; a++) { /* after the first second's settling */
            pos_err = xt_max(pos_err, fabs(q[a] - qt[a]));
            vel_err = xt_max(vel_err, fabs(v[a] - vt[a]));
        }
        int enabled = 1;
        for (int j = 0; j < 29; j++)
            enabled &=
                xn_cia402_decode(hal->joint[hal_q[j]].statusword) == XN_CIA402_OPERATION_ENABLED;
        xn_wbc_result res;
        if (xn_wbc_solve(w, q, v, &t, NULL, tau, &res) != XN_OK) {
            fails++;
        } else {
            for (int j = 0; j < 29; j++) {
                double lim = m->dof_effort[6 + j];
                if (fabs(tau[6 + j]) > lim * (1 + 1e-9)) over++;
                hal->command[hal_q[j]].torque = enabled ? tau[6 + j] : 0;
            }
        }
        if (k > 1000) {
            double e = 0;
            for (int a = 0; a < 3; a++) e += (res.com[a] - t.com[a]) * (res.com[a] - t.com[a]);
            worst_com = xt_max(worst_com, sqrt(e));
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    XT_CHECK(fails == 0, "the QP solved in every cycle (%ld failures)", fails);
    XT_CHECK(over == 0, "no torque beyond its limit (%ld)", over);
    XT_CHECK(worst_com < 0.005 && md->qpos[2] > 0.6,
             "standing %.0f s: the CoM within %.2f mm of its target (pelvis at %.3f m)", seconds,
             worst_com * 1e3, md->qpos[2]);
    XT_CHECK(pos_err < 0.01 && vel_err < 0.05,
             "estimator against the truth after the first second: position %.2f mm, velocity %.1f "
             "mm/s at worst",
             pos_err * 1e3, vel_err * 1e3);
    printf("G1 standing under whole-body control for %.0f s: CoM within %.3f mm of the target, "
           "pelvis at %.3f m; estimated base off the truth by %.2f mm and %.1f mm/s at worst\n",
           seconds, worst_com * 1e3, md->qpos[2], pos_err * 1e3, vel_err * 1e3);
    xn_base_estimator_free(est);
    xn_data_free(d);
    xn_wbc_free(w);
    xn_hal_close(hal);
    xn_model_free(m);
    return xt_done("test_wbc_stand");
}
