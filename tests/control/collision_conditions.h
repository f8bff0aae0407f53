/* The conditions collision detection is judged under, shared by test_collision_conditions and
 * bench/bench_collision: the controller's model off by +-10 % in every link's mass, centre of
 * mass and rotational inertia; unmodelled Coulomb friction of 5 % of the rated torque in every
 * simulated arm joint; encoder (2e-5 rad), velocity (1e-3 rad/s) and torque-sensor (0.1 N m)
 * noise. A seed draws a run's model error, its noise and (in free motion) its moves.
 *
 * Seeds come in two disjoint families. The detector's defaults (XN_COLLISION_THRESHOLD, the
 * model term, persistence, observer gain) were chosen on the TUNING family: seeds below
 * CC_EVALUATION_SEED and the moves of cc_random_moves(..., CC_TUNING). Figures are reported on the
 * EVALUATION family: other seeds, and moves the tuning never saw (a wider speed and acceleration
 * range, pauses at rest, more blending). SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_COLLISION_CONDITIONS_H
#define XN_COLLISION_CONDITIONS_H

#include <stdio.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "xiaonao/xiaonao.h"

#define CC_EVALUATION_SEED 1000000UL

typedef enum { CC_TUNING, CC_EVALUATION } cc_family;

typedef struct {
    unsigned long state;
} cc_rng;

static inline double cc_uniform(cc_rng *g) {
    g->state = g->state * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(g->state >> 11) / 9007199254740992.0;
}

/* +-e, each sign equally likely: the error's full size on every parameter, not an average */
static inline double cc_factor(cc_rng *g, double e) { return cc_uniform(g) < 0.5 ? 1 - e : 1 + e; }

typedef struct {
    unsigned long seed;
    double model_error; /* relative, on mass, centre of mass and rotational inertia (0.1) */
    double friction;    /* unmodelled Coulomb friction, fraction of the rated torque (0.05) */
    double position_noise, velocity_noise, torque_noise; /* rad, rad/s, N m (standard deviations) */
} cc_conditions;

static inline cc_conditions cc_default(unsigned long seed) {
    cc_conditions c = {seed, 0.1, 0.05, 2e-5, 1e-3, 0.1};
    return c;
}

/* The controller's model, wrong: every moving link's mass, each coordinate of its centre of mass
 * and its rotational inertia about the centre of mass (the whole tensor, which keeps it
 * physical) scaled by 1 +- e. */
static inline void cc_perturb_model(xn_model *m, const cc_conditions *c) {
    cc_rng g = {c->seed * 2654435761UL + 17};
    for (int b = 1; b < m->nbody; b++) {
        double com[3], Ic[6];
        xn_inertia *I = &m->body_inertia[b];
        xn_inertia_to_com(I, com, Ic);
        double mass = I->m * cc_factor(&g, c->model_error);
        for (int i = 0; i < 3; i++) com[i] *= cc_factor(&g, c->model_error);
        double s = cc_factor(&g, c->model_error);
        for (int i = 0; i < 6; i++) Ic[i] *= s;
        xn_inertia_from_com(mass, com, Ic, I);
    }
}

/* The simulated robot's sensors, noisy (the seed also draws the noise). */
static inline void cc_sensor_noise(const cc_conditions *c, xn_mujoco_options *mj) {
    mj->position_noise = c->position_noise;
    mj->velocity_noise = c->velocity_noise;
    mj->torque_noise = c->torque_noise;
    mj->seed = c->seed + 1;
}

/* Friction the controller does not know of, in the simulated Panda's seven arm joints (rated
 * torques 87 N m for joints 1-4, 12 N m for 5-7). */
static inline void cc_friction(const cc_conditions *c, mjModel *mm) {
    for (int i = 0; i < 7 && i < mm->nv; i++)
        mm->dof_frictionloss[i] = c->friction * (i < 4 ? 87 : 12);
}

/* 50 random joint moves for a free-motion run, written to buf (at least 12 KB): targets inside
 * 85 % of the joint ranges. TUNING: 50 to 100 % of the rated speed at 70 % of the rated
 * acceleration, 30 % blended. EVALUATION: 30 to 100 % of the speed, 40 to 85 % of the
 * acceleration (above, some poses need more torque than the drives have, and the servo's torque
 * limit, not the detector, stops the run), half blended, and a pause of up to 0.5 s at rest after a
 * fifth of the moves. Returns the program's length. */
static inline size_t cc_random_moves(const cc_conditions *c, cc_family family, char *buf,
                                     size_t n) {
    static const double lo[7] = {-2.9, -1.76, -2.9, -3.07, -2.9, -0.02, -2.9};
    static const double hi[7] = {2.9, 1.76, 2.9, -0.07, 2.9, 3.75, 2.9};
    cc_rng g = {c->seed * 0x9E3779B97F4A7C15UL + 5};
    size_t len = (size_t)snprintf(buf, n, "set collision stop2\n");
    for (int k = 0; k < 50 && len < n; k++) {
        len += (size_t)snprintf(buf + len, n - len, "movej [");
        for (int j = 0; j < 7 && len < n; j++) {
            double mid = 0.5 * (lo[j] + hi[j]), half = 0.425 * (hi[j] - lo[j]);
            len += (size_t)snprintf(buf + len, n - len, "%s%.4f", j ? ", " : "",
                                    mid + half * (2 * cc_uniform(&g) - 1));
        }
        double speed, accel, blend;
        if (family == CC_TUNING) {
            speed = 0.5 + 0.5 * cc_uniform(&g);
            accel = 0.7;
            blend = 0.3;
        } else {
            speed = 0.3 + 0.7 * cc_uniform(&g);
            accel = 0.4 + 0.45 * cc_uniform(&g);
            blend = 0.5;
        }
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "] speed %.3f accel %.3f%s\n", speed, accel,
                                    cc_uniform(&g) < blend ? " blend 0.1" : "");
        if (family == CC_EVALUATION && cc_uniform(&g) < 0.2 && len < n)
            len += (size_t)snprintf(buf + len, n - len, "wait %.3f\n", 0.5 * cc_uniform(&g));
    }
    return len < n ? len : n - 1;
}

#endif
