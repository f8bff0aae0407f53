/* The 29-DoF G1's whole-body control set-up shared by the tests and bench/bench_wbc: its feet
 * (the sole frames and corners of models/mjcf/unitree_g1) and the joint map to its drives.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_G1_WBC_H
#define XN_G1_WBC_H

#include <stdio.h>
#include <string.h>

#include "xiaonao/xiaonao.h"

#define G1_SCENE XN_MODELS_DIR "/mjcf/unitree_g1/scene.xml"

/* The feet: the `left_foot` and `right_foot` sites at the sole. The sole's collision geometry
 * (g1.xml) is a capsule along the foot's axis from the heel (8.5 cm behind the site) to the toe
 * (8 cm ahead) and two short side capsules 2.6 cm to each side, 1 to 6 cm ahead of the site: the
 * heel has no width. So the corners are the heel and the toe on the axis and the side capsules'
 * front ends, a little inside. Friction 0.8 (the floor's is 1). */
static inline void g1_wbc_config(const xn_model *m, xn_wbc_config *cfg) {
    xn_wbc_config_init(cfg);
    const char *feet[2] = {"left_foot", "right_foot"};
    cfg->ncontact = 2;
    for (int f = 0; f < 2; f++) {
        xn_wbc_contact *c = &cfg->contact[f];
        c->frame = xn_model_frame_id(m, feet[f]);
        const xn_real corner[4][3] = {
            {0.075, 0, 0}, {0.055, 0.024, 0}, {-0.08, 0, 0}, {0.055, -0.024, 0}};
        memcpy(c->corner, corner, sizeof corner);
        c->mu = 0.8;
        c->fz_min = 1;
    }
}

/* The balance controller's configuration for the G1: its feet as above, the torso as a second
 * orientation task. */
static inline void g1_balance_config(const xn_model *m, xn_balance_config *cfg) {
    xn_balance_config_init(cfg);
    g1_wbc_config(m, &cfg->wbc);
    cfg->wbc.torso_frame = xn_model_frame_id(m, "torso_link");
}

/* The humanoid configuration the runtime gets for the G1: the balance above, both palms as
 * hand frames, the pelvis IMU. */
static inline void g1_humanoid_config(const xn_model *m, xn_humanoid_config *hum) {
    g1_balance_config(m, &hum->balance);
    hum->balance.wbc.hand_frame[0] = xn_model_frame_id(m, "left_palm");
    hum->balance.wbc.hand_frame[1] = xn_model_frame_id(m, "right_palm");
    snprintf(hum->imu, sizeof hum->imu, "imu_in_pelvis");
}

/* The knees' braking deceleration for the no-step tuning (rad/s^2, into brake, nv entries; the
 * other joints 0). Crouched, the knees straighten under a trunk folded by the hip strategy; with
 * the limit horizon alone they reached their straight limit at 10 rad/s and the jolt threw the
 * capture point past the toes. 50 rad/s^2 allows 12.6 rad/s at the crouch (1.6 rad from the
 * limit) and less the nearer they come, at rest at it. */
#define G1_KNEE_BRAKE 50.0
static inline void g1_knee_brake(const xn_model *m, xn_real *brake) {
    for (int k = 0; k < m->nv; k++) brake[k] = 0;
    const char *knees[2] = {"left_knee_joint", "right_knee_joint"};
    for (int i = 0; i < 2; i++) {
        int bd = xn_model_joint_body(m, knees[i]);
        if (bd >= 0) brake[m->body_vadr[bd]] = G1_KNEE_BRAKE;
    }
}

/* hal_q[j]: the robot joint of the model's DoF 6 + j (29 entries); 0 when all are mapped */
static inline int g1_joint_map(const xn_model *m, const xn_hal *hal, int *hal_q) {
    for (int j = 0; j < 29; j++) hal_q[j] = -1;
    for (int i = 0; i < hal->njoint; i++) {
        int f = xn_model_frame_id(m, hal->joint_info[i].name);
        if (f < 0) continue;
        int va = m->body_vadr[m->frame_body[f]];
        if (va >= 6 && va < 35) hal_q[va - 6] = i;
    }
    for (int j = 0; j < 29; j++)
        if (hal_q[j] < 0) return -1;
    return 0;
}

/* One cycle's inputs from the robot: the CiA 402 enabling step and torque mode for every joint,
 * and the joints' positions and velocities into q[7..] and v[6..] (the model's order). */
static inline void g1_read_joints(xn_hal *hal, const int *hal_q, xn_real *q, xn_real *v) {
    for (int j = 0; j < 29; j++) {
        xn_joint_command *c = &hal->command[hal_q[j]];
        c->controlword = xn_cia402_enable_step(xn_cia402_decode(hal->joint[hal_q[j]].statusword),
                                               c->controlword);
        c->mode = XN_MODE_CST;
        q[7 + j] = hal->joint[hal_q[j]].position;
        v[6 + j] = hal->joint[hal_q[j]].velocity;
    }
}

#ifdef mjVERSION_HEADER
/* MuJoCo's true base state in xiaonao's convention (linear velocity in the base frame) and the
 * joints as the drives report them: what the estimator is compared with. */
static inline void g1_true_state(const mjData *md, const xn_hal *hal, const int *hal_q, double *q,
                                 double *v) {
    memcpy(q, md->qpos, 7 * sizeof(double));
    const double *qu = md->qpos + 3, *vw = md->qvel;
    double R[9];
    xn_quat_to_rot(qu, R);
    for (int a = 0; a < 3; a++) v[a] = R[a] * vw[0] + R[3 + a] * vw[1] + R[6 + a] * vw[2];
    memcpy(v + 3, md->qvel + 3, 3 * sizeof(double));
    for (int j = 0; j < 29; j++) {
        q[7 + j] = hal->joint[hal_q[j]].position;
        v[6 + j] = hal->joint[hal_q[j]].velocity;
    }
}
#endif

/* xn_wbc_create for the tests: NULL, with the reason printed, when it fails */
static inline xn_wbc *g1_wbc_new(const xn_model *m, const xn_wbc_config *cfg) {
    xn_wbc *w = NULL;
    xn_error err;
    if (xn_wbc_create(m, cfg, &w, &err) != XN_OK)
        fprintf(stderr, "%s: %s\n", err.file, err.message);
    return w;
}

#endif
