/* A push on the 29-DoF G1 in MuJoCo, shared by bench/bench_push and the balance test: stand 1 s
 * in the knees_bent pose, push the pelvis for 0.1 s, watch 5 s; survived = the pelvis still above
 * 0.55 m. Three controllers: stiff joint PD holding the pose (the baseline: kp 400 N m/rad, kd 10
 * N m s/rad), capture-point balance without recovery steps, and with them. The balance controller
 * sees the drives and the pelvis IMU only (the base estimator); the run records the estimator's
 * error against MuJoCo's true state. As a diagnostic only, true_state hands the controller
 * MuJoCo's true base state instead, to tell what the estimator costs from what the strategy
 * does. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_G1_PUSH_H
#define XN_G1_PUSH_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mujoco/mujoco.h>

#include "control/g1_wbc.h"
#include "test_util.h"

enum { PD_BASELINE, BALANCE, STEPPING, NCONTROLLERS };
static const char *const controller_names[NCONTROLLERS] __attribute__((unused)) = {
    "joint PD baseline", "balance, no stepping", "balance with recovery steps"};

typedef struct {
    xn_model *m;
    xn_balance_config cfg;
    int trace;
    int true_state; /* a diagnostic: the balance controller sees MuJoCo's true base state */
    int no_height;  /* the no-step tuning without its height strategy (height_boost 0) */
    double est_pos, est_vel; /* the estimator's largest errors over the runs survived */
    int steps;               /* steps of the last run */
    int set_down;            /* of the last run: feet the ground lost and that were set down */
    int height_boosts;       /* of the last run: the height strategy's boosts */
    double com_rise;         /* of the last run: m, the most the estimated CoM rose within
                                0.5 s of the push's start above where it stood before it */
    double feet_moved;       /* of the last run: m, the farthest a sole ended up in the ground
                                plane from where it stood before the push (MuJoCo's truth) */
    xn_stats *cpu;           /* when set: each cycle's CPU time of the base estimator and the
                                balance controller (CLOCK_THREAD_CPUTIME_ID), added over runs */
    int slow_us;             /* when > 0: print every cycle whose CPU time is above this (us) */
    double *cycle_ns;        /* when set: each cycle's CPU time (ns) of the last run, and */
    int *cycle_iter;         /* its QP iterations, up to cycle_cap cycles; */
    long cycle_cap, ncycle;  /* ncycle: how many the last run had */
    long iterations_hist[8]; /* cycles by QP iterations: < 25, < 50, < 100, < 150, < 200, < 300,
                                < 500, more */
    long fallbacks;          /* cycles that used the whole-body controller's fallback */
    /* the push and the sensing (zero: the tuned case, the pelvis pushed for 0.1 s, ideal IMU,
     * commands acting in the same cycle) */
    const char *body;   /* the body pushed (default "pelvis"), e.g. "torso_link" */
    double duration;    /* s the force lasts (default 0.1; the impulse is kept) */
    double gyro_noise;  /* rad/s, standard deviation of the IMU's angular velocity noise */
    double gyro_bias;   /* rad/s, a constant bias per axis, its sign drawn per run */
    double tilt_noise;  /* rad, standard deviation of the IMU orientation's noise */
    double tilt_filter; /* s: the estimator's orientation filter (0: the IMU's as it comes) */
    int latency;        /* control periods before a torque command acts (MuJoCo backend) */
    unsigned long seed; /* the noise's seed (the run's impulse is mixed in) */
} g1_push_setup;

/* A normal deviate (Box-Muller on a 64-bit LCG). */
static inline double g1_gauss(unsigned long *s) {
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    double u = ((*s >> 11) + 0.5) / 9007199254740992.0;
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    double w = (*s >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * w);
}

/* The IMU as a real one reads: white noise and a bias on the rate, a small random rotation of the
 * orientation (q <- q * dq, dq about a random axis). */
static inline void g1_imu_degrade(const g1_push_setup *s, unsigned long *rng, const double bias[3],
                                  xn_imu_reading *imu) {
    for (int a = 0; a < 3; a++) imu->angular_velocity[a] += bias[a] + s->gyro_noise * g1_gauss(rng);
    if (s->tilt_noise > 0) {
        double r[3] = {s->tilt_noise * g1_gauss(rng), s->tilt_noise * g1_gauss(rng),
                       s->tilt_noise * g1_gauss(rng)};
        double dq[4] = {1, r[0] / 2, r[1] / 2, r[2] / 2}, *q = imu->orientation, o[4];
        o[0] = q[0] * dq[0] - q[1] * dq[1] - q[2] * dq[2] - q[3] * dq[3];
        o[1] = q[0] * dq[1] + q[1] * dq[0] + q[2] * dq[3] - q[3] * dq[2];
        o[2] = q[0] * dq[2] - q[1] * dq[3] + q[2] * dq[0] + q[3] * dq[1];
        o[3] = q[0] * dq[3] + q[1] * dq[2] - q[2] * dq[1] + q[3] * dq[0];
        double n = sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2] + o[3] * o[3]);
        for (int i = 0; i < 4; i++) q[i] = o[i] / n;
    }
}

static inline double g1_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Stand 1 s, push (the pelvis for 0.1 s unless s says otherwise), watch 5 s: 1 when the pelvis
 * stays above 0.55 m. */
static inline int g1_push_survives(g1_push_setup *s, int ctl, const double dir[3], double impulse) {
    xn_error err;
    xn_hal *hal = NULL;
    xn_mujoco_options mo = {0};
    mo.keyframe = "knees_bent";
    mo.latency_cycles = s->latency;
    s->ncycle = 0;
    if (xn_mujoco_open(G1_SCENE, &mo, &hal, &err)) return 0;
    mjModel *mm = xn_mujoco_model(hal);
    mjData *md = xn_mujoco_data(hal);
    const xn_model *m = s->m;
    int pushed = mj_name2id(mm, mjOBJ_BODY, s->body ? s->body : "pelvis");
    long push_cycles = s->duration > 0 ? lround(s->duration / 0.001) : 100;
    unsigned long rng = s->seed * 2654435761UL + (unsigned long)lround(impulse * 1000) + 1;
    double bias[3];
    for (int a = 0; a < 3; a++) bias[a] = (g1_gauss(&rng) > 0 ? 1 : -1) * s->gyro_bias;
    int hal_q[29], imu = -1, feet[2] = {s->cfg.wbc.contact[0].frame, s->cfg.wbc.contact[1].frame};
    g1_joint_map(m, hal, hal_q);
    for (int i = 0; i < hal->nimu; i++)
        if (strcmp(hal->imu_name[i], "imu_in_pelvis") == 0) imu = i;
    xn_balance_config cfg = s->cfg;
    double brake[64]; /* the G1's nv is 35 */
    if (ctl != STEPPING) xn_balance_config_no_step(&cfg);
    if (s->no_height) cfg.height_boost = 0;
    if (ctl != STEPPING && m->nv <= 64) {
        g1_knee_brake(m, brake);
        cfg.wbc.brake_accel = brake;
    }
    xn_balance *b = NULL;
    if (ctl != PD_BASELINE && xn_balance_create(m, &cfg, &b, &err) != XN_OK) {
        fprintf(stderr, "%s: %s\n", err.file, err.message);
        xn_hal_close(hal);
        return 0;
    }
    xn_base_estimator *est = NULL;
    xn_base_estimator_create(m, 2, feet, &est, NULL);
    for (int f = 0; f < 2; f++) xn_base_estimator_set_sole(est, f, s->cfg.wbc.contact[f].corner);
    xn_base_estimator_set_orientation_filter(est, s->tilt_filter, 0.001, NULL);
    double q[36], v[35] = {0}, tau[35], q0[36], qt[36], vt[35];
    memcpy(q, md->qpos, sizeof q);
    memcpy(q0, q, sizeof q0);
    xn_base_estimator_reset(est, q, q);
    if (b) xn_balance_reset(b, q, q0);
    int up = 1;
    double ep = 0, ev = 0;
    s->steps = s->set_down = s->height_boosts = 0;
    s->com_rise = 0;
    double com_z0 = 0;
    int sole_site[2] = {mj_name2id(mm, mjOBJ_SITE, "left_foot"),
                        mj_name2id(mm, mjOBJ_SITE, "right_foot")};
    double sole0[2][2] = {{0, 0}, {0, 0}};
    for (long k = 0; k < 6100 && up; k++) {
        if (k == 1000)
            for (int f = 0; f < 2; f++)
                for (int a = 0; a < 2; a++) sole0[f][a] = md->site_xpos[3 * sole_site[f] + a];
        double push = k >= 1000 && k < 1000 + push_cycles ? impulse / (push_cycles * 0.001) : 0;
        for (int a = 0; a < 3; a++) md->xfrc_applied[6 * pushed + a] = push * dir[a];
        xn_hal_read(hal);
        if (imu >= 0) g1_imu_degrade(s, &rng, bias, &hal->imu[imu]);
        g1_read_joints(hal, hal_q, q, v);
        if (b) {
            double t0 = g1_cpu_ns();
            memcpy(q + 3, hal->imu[imu].orientation, 4 * sizeof(double));
            xn_base_estimator_update(est, q, v, hal->imu[imu].angular_velocity,
                                     xn_balance_stance(b));
            if (s->true_state) g1_true_state(md, hal, hal_q, q, v);
            xn_balance_status bs;
            xn_balance_update(b, q, v, 0.001, tau, &bs);
            double spent = g1_cpu_ns() - t0;
            static const int edges[7] = {25, 50, 100, 150, 200, 300, 500};
            int bin = 0;
            while (bin < 7 && bs.wbc.iterations >= edges[bin]) bin++;
            s->iterations_hist[bin]++;
            s->fallbacks += bs.wbc.fallback;
            if (s->cpu) xn_stats_add(s->cpu, spent);
            if (s->cycle_ns && s->ncycle < s->cycle_cap) {
                s->cycle_ns[s->ncycle] = spent;
                s->cycle_iter[s->ncycle++] = bs.wbc.iterations;
            }
            if (s->slow_us > 0 && spent > s->slow_us * 1e3)
                printf("slow cycle t %.3f: %.0f us, QP %d iterations, relaxed %d, phase %d\n",
                       k * 1e-3, spent * 1e-3, bs.wbc.iterations, bs.wbc.relaxed, bs.phase);
            for (int j = 0; j < 29; j++) hal->command[hal_q[j]].torque = tau[6 + j];
            s->steps = bs.steps;
            s->set_down = bs.set_down;
            s->height_boosts = bs.height_boosts;
            if (k == 999) com_z0 = bs.com[2];
            if (k >= 1000 && k < 1500) s->com_rise = xt_max(s->com_rise, bs.com[2] - com_z0);
            g1_true_state(md, hal, hal_q, qt, vt);
            for (int a = 0; a < 3; a++) {
                ep = xt_max(ep, fabs(q[a] - qt[a]));
                ev = xt_max(ev, fabs(v[a] - vt[a]));
            }
            if (s->trace && k % 20 == 0)
                printf("t %.3f phase %d steps %d z %.3f com %.3f %.3f dcm %.3f %.3f cop %.3f %.3f "
                       "cmp %.3f %.3f relaxed %d est %.4f\n",
                       k * 1e-3, bs.phase, bs.steps, md->qpos[2], bs.com[0], bs.com[1], bs.dcm[0],
                       bs.dcm[1], bs.cop[0], bs.cop[1], bs.cmp[0], bs.cmp[1], bs.wbc.relaxed,
                       fabs(q[0] - qt[0]));
            if (s->trace > 1 && k % 20 == 0) {
                for (int f = 0; f < 2; f++) {
                    int site = mj_name2id(mm, mjOBJ_SITE, f ? "right_foot" : "left_foot");
                    const double *p = md->site_xpos + 3 * site, *R = md->site_xmat + 9 * site;
                    printf("   foot %d: %.3f %.3f %.4f tilt %.3f %.3f\n", f, p[0], p[1], p[2], R[2],
                           R[5]);
                }
            }
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
    s->feet_moved = 0;
    for (int f = 0; f < 2; f++) {
        const double *p = md->site_xpos + 3 * sole_site[f];
        s->feet_moved = xt_max(s->feet_moved, hypot(p[0] - sole0[f][0], p[1] - sole0[f][1]));
    }
    if (up && b) {
        s->est_pos = xt_max(s->est_pos, ep);
        s->est_vel = xt_max(s->est_vel, ev);
    }
    xn_base_estimator_free(est);
    xn_balance_free(b);
    xn_hal_close(hal);
    return up;
}

#endif
