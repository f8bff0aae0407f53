/* xiaonao: whole-body control of a floating-base robot (a humanoid) by task-space inverse
 * dynamics with contacts, one quadratic program per control cycle.
 *
 * Variables: the joint-space acceleration qdd (nv, the floating base's six first) and the
 * contact forces f at the corners of each foot's sole (3 per corner, world axes). Torques follow
 * from them: tau = M qdd + h - sum J_p' f_p.
 *   equalities    the floating base's six rows of the equations of motion (no torque there);
 *                 each stance foot does not move: J_foot qdd + Jdot_foot v = -k v_foot
 *   inequalities  linearized friction cones (pyramids) with a minimum normal force per corner;
 *                 the torque limits of every actuated joint
 *   bounds        each joint's acceleration, so that within a short horizon it neither passes
 *                 its position limits nor its velocity limit (and, for the joints given a
 *                 braking deceleration, approaches a limit no faster than it could stop)
 * Where the constraints cannot all hold (a fall the joint limits cannot stop), the joint-limit
 * bounds are dropped first, then the torque limits (xn_wbc_result.relaxed says so); the contacts
 * and the equations of motion always hold.
 *   cost          weighted tasks, each a desired acceleration (PD plus feedforward): centre of
 *                 mass, swing feet (pose), hands (position), the base's and the torso's
 *                 orientation, damping of the centroidal angular momentum, a joint posture, and
 *                 small regularizations of accelerations and forces. The weights set the
 *                 priorities (defaults): CoM and swing feet 100 > hands 10 > base and torso 0.1
 *                 = angular momentum 0.1 > posture 0.01 > regularization 1e-6. Loose base, torso
 *                 and posture let the upper body swing to help the centre of mass (the hip
 *                 strategy) when the centre of pressure alone cannot.
 * The centre of pressure of each foot stays in its sole because the forces act at its corners
 * with non-negative normal components.
 *
 * The state (q, v) is whatever the caller estimates; xn_wbc_solve allocates nothing.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_WBC_H
#define XIAONAO_WBC_H

#include "xiaonao/model.h"
#include "xiaonao/qp.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_WBC_MAX_CONTACTS 4

/** A foot: a frame at the sole (z along the sole's normal) and the sole's corners in it (m). */
typedef struct {
    int frame;
    xn_real corner[4][3];
    xn_real mu;     /**< friction coefficient (the pyramid is inscribed in the cone) */
    xn_real fz_min; /**< N, least normal force per corner while in stance (default 1) */
} xn_wbc_contact;

typedef struct {
    int ncontact;
    xn_wbc_contact contact[XN_WBC_MAX_CONTACTS];
    xn_real com_kp, com_kd, com_weight;    /**< 1/s^2, 1/s, weight (defaults 100, 20, 100) */
    xn_real base_kp, base_kd, base_weight; /**< the base's orientation (100, 20, 10) */
    xn_real posture_kp, posture_kd, posture_weight; /**< joints (100, 20, 1) */
    xn_real contact_kd;        /**< 1/s: damping of a stance foot's drift (default 10) */
    xn_real accel_weight;      /**< regularization of qdd (default 1e-6) */
    xn_real force_weight;      /**< regularization of the forces (default 1e-8: below the
                                    posture task, it only picks among equal solutions) */
    const xn_real *torque_max; /**< nv: limits of the actuated DoFs (NULL: the model's effort) */
    xn_real momentum_kd, momentum_weight; /**< 1/s: centroidal angular momentum damped toward 0
                                               (defaults 5, 0.1) */
    int torso_frame; /**< a second orientation task on this frame (-1, the default: none) */
    xn_real torso_kp, torso_kd, torso_weight; /**< (100, 20, 0.1) */
    xn_real swing_kp, swing_kd, swing_weight; /**< a swing foot's pose (400, 40, 100) */
    int hand_frame[2];                        /**< hand frames (-1: none) */
    xn_real hand_kp, hand_kd, hand_weight;    /**< a hand's position (100, 20, 10) */
    xn_real limit_horizon;      /**< s: joint accelerations keep the position limits this far ahead
                                     and the velocity limits within it (default 0.05; 0: no bounds) */
    const xn_real *brake_accel; /**< nv (rad/s^2 of each 1-DoF joint, the base's six ignored;
                                     copied at create; NULL, the default, or 0: none): a joint
                                     with an entry a > 0 also moves toward a position limit no
                                     faster than it could stop from at a, |v| <= sqrt(2 a d) at a
                                     distance d, regained within brake_time. The limit horizon
                                     alone lets a fast joint reach its limit at speed: a knee
                                     that straightens at 10 rad/s stops at its limit with a jolt
                                     that throws the body. Part of the joint-limit bounds, so
                                     dropped with them when infeasible. */
    xn_real brake_time;         /**< s (default 0.01) */
    int max_iterations;         /**< the QP's iterations per solve call, over every relaxation
                                     level together (default XN_WBC_DEFAULT_ITERATIONS; <= 0: no
                                     limit). What bounds a cycle's compute time: past it the
                                     solve stops and the fallback (xn_wbc_result.fallback) is
                                     used. */
} xn_wbc_config;

/** The default per-cycle budget of QP iterations. On the 29-DoF G1 (59 variables, 18
 * equalities, 98 inequalities, 118 bounds) an iteration costs 1.2-1.8 us on this project's
 * machines (x86-64, -march=native) and the rest of a balance cycle 50-90 us (the QP's
 * factorization about 35 us of it), so 250 iterations end a cycle within about 0.5 ms: half a
 * 1 kHz period. Hard pushes use it up in a few cycles of a run. Which single pushes at the
 * limits survive flips with the budget as with any change of the arithmetic (250 lost a
 * 30.5 N s sideways push that 300 kept, 300 lost a 35 N s one that 250 kept); budgets down to
 * 50 still kept the G1 up in test_balance's 16 N s push (docs/whole-body.md). */
#define XN_WBC_DEFAULT_ITERATIONS 250

/** Defaults: no contacts, the gains and weights above. */
void xn_wbc_config_init(xn_wbc_config *c);

typedef struct xn_wbc xn_wbc;

/** A controller for model m (its first joint free) with the contacts and gains of cfg (copied)
 * into *out (the caller frees it with xn_wbc_free). XN_ERR_INVALID when the model has no floating
 * base; XN_ERR_RANGE when the number of contacts, a contact, torso or hand frame (not one of m's),
 * a brake_accel entry (negative or not finite) or brake_time (not positive) is out of range;
 * XN_ERR_NOMEM. err (may be NULL) names the parameter. *out is NULL on failure. */
xn_status xn_wbc_create(const xn_model *m, const xn_wbc_config *cfg, xn_wbc **out, xn_error *err);
void xn_wbc_free(xn_wbc *w);

/** Change contact c's friction coefficient (the pyramids of the next solves). */
void xn_wbc_set_friction(xn_wbc *w, int contact, xn_real mu);
/** Contact c's friction coefficient. */
xn_real xn_wbc_friction(const xn_wbc *w, int contact);

/** What the tasks aim at this cycle (world frame, SI units). Fill with xn_wbc_targets_init. */
typedef struct {
    xn_real com[3], com_velocity[3]; /**< m and m/s */
    xn_real com_acceleration[3];     /**< m/s^2, feedforward added to the PD */
    xn_real base_R[9];               /**< the base's orientation */
    xn_real torso_R[9];              /**< the torso frame's orientation (when configured) */
    const xn_real *posture;          /**< nq: the joints' target (the base's entries unused);
                                          NULL: no posture stiffness, damping only */
    /** a swing foot (a contact not in stance) follows this pose, velocity and acceleration */
    xn_real foot_position[XN_WBC_MAX_CONTACTS][3], foot_velocity[XN_WBC_MAX_CONTACTS][3],
        foot_acceleration[XN_WBC_MAX_CONTACTS][3], foot_R[XN_WBC_MAX_CONTACTS][9];
    xn_real hand_position[2][3]; /**< m, when hand_active */
    unsigned char hand_active[2];
    /** multiplies the weights of the posture, the base's and the torso's orientation and the
     * angular momentum damping (1 from xn_wbc_targets_init; values outside (0, 1] count as 1):
     * below 1 the upper body is freer to swing for the centre of mass (a balance controller's
     * hip strategy) */
    xn_real posture_scale;
} xn_wbc_targets;

/** Targets that hold the robot where it is at q (nq): centre of mass, feet, base and torso
 * orientation as they are, zero velocities and accelerations, hands inactive, posture NULL. */
void xn_wbc_targets_init(xn_wbc *w, const xn_real *q, xn_wbc_targets *t);

typedef struct {
    xn_status status; /**< of the last QP solved this cycle (xn_qp_solve's) */
    int iterations;   /**< the QP's iterations this cycle, every relaxation level together */
    int relaxed;      /**< 0: every constraint held; 1: the joint-limit bounds were dropped (the QP
                           was infeasible with them); 2: the torque limits too */
    int fallback;     /**< 1: the iteration budget ran out before a solution: tau comes from the
                           last solved accelerations and forces, evaluated with this cycle's
                           dynamics (tau = M qdd + h - J' f; a swinging foot's forces zeroed) */
    xn_real com[3], com_velocity[3];            /**< measured */
    xn_real angular_momentum[3];                /**< about the CoM, world (kg m^2/s) */
    xn_real force[XN_WBC_MAX_CONTACTS * 4 * 3]; /**< per contact, per corner, world (N) */
    xn_real normal_total;                       /**< sum of the normal forces (N) */
    const xn_real *qdd; /**< nv: the solved acceleration (the controller's; valid until the
                             next solve) */
} xn_wbc_result;

/** Change the per-solve iteration budget (xn_wbc_config.max_iterations; <= 0: no limit). */
void xn_wbc_set_max_iterations(xn_wbc *w, int max_iterations);

/** One cycle at the state q (nq), v (nv, the free joint's velocity in the base frame): the
 * torques tau (nv; the base's six are 0). stance[c] (ncontact flags, NULL: all) says which feet
 * are on the ground. When the QP has no solution even with every relaxation
 * (XN_ERR_INFEASIBLE), or the budget ran out with no earlier solution to fall back on
 * (XN_ERR_ITERATIONS), or the QP failed otherwise (its status), that status is returned and tau
 * is left as it was. */
xn_status xn_wbc_solve(xn_wbc *w, const xn_real *q, const xn_real *v, const xn_wbc_targets *t,
                       const unsigned char *stance, xn_real *tau, xn_wbc_result *res);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
