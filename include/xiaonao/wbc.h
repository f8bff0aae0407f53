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
 *   cost          weighted tasks: centre of mass (PD toward a target), the base's orientation
 *                 (PD), a joint posture (PD), and small regularizations of accelerations and
 *                 forces. Weights set the priorities: CoM > base > posture.
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
} xn_wbc_config;

/** Defaults: no contacts, the gains and weights above. */
void xn_wbc_config_init(xn_wbc_config *c);

typedef struct xn_wbc xn_wbc;

/** A controller for model m (its first joint free) with the contacts and gains of cfg (copied).
 * NULL when out of memory or the model has no floating base. */
xn_wbc *xn_wbc_create(const xn_model *m, const xn_wbc_config *cfg);
void xn_wbc_free(xn_wbc *w);

/** What the tasks aim at this cycle. */
typedef struct {
    xn_real com[3], com_velocity[3]; /**< world, m and m/s */
    xn_real base_R[9];               /**< the base's orientation (world) */
    const xn_real *posture;          /**< nq: the joints' target (the base's entries unused) */
} xn_wbc_targets;

typedef struct {
    xn_qp_status status;
    int iterations;
    xn_real com[3], com_velocity[3];            /**< measured */
    xn_real force[XN_WBC_MAX_CONTACTS * 4 * 3]; /**< per contact, per corner, world (N) */
    xn_real normal_total;                       /**< sum of the normal forces (N) */
    const xn_real *qdd; /**< nv: the solved acceleration (the controller's; valid until the
                             next solve) */
} xn_wbc_result;

/** One cycle at the state q (nq), v (nv, the free joint's velocity in the base frame): the
 * torques tau (nv; the base's six are 0). XN_ERR_NUMERIC when the QP has no solution (tau is
 * then left as it was); stance[c] (ncontact flags, NULL: all) says which feet are on the
 * ground. */
xn_status xn_wbc_solve(xn_wbc *w, const xn_real *q, const xn_real *v, const xn_wbc_targets *t,
                       const unsigned char *stance, xn_real *tau, xn_wbc_result *res);

#ifdef __cplusplus
}
#endif
#endif
