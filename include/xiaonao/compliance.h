/* xiaonao: compliant control laws. Joint impedance, Cartesian impedance on a frame (with a
 * null-space posture task and joint-limit repulsion for redundant arms), hand guiding
 * (gravity-compensated free drive with virtual Cartesian damping, a speed limit and per-axis
 * locks), all computing joint torques from the model; and admittance control, which turns a
 * measured wrench into a motion of a virtual mass-spring-damper for robots whose drives take
 * only positions. Every law compensates gravity and Coriolis forces with the model. No
 * allocation after creation. SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_COMPLIANCE_H
#define XIAONAO_COMPLIANCE_H

#include "xiaonao/model.h"
#include "xiaonao/spatial.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Joint impedance: tau = K (q0 - q) - D qd + C(q, qd) qd + g(q) for the DoFs whose K or D is
 * nonzero (K, D: nv entries, N m/rad and N m s/rad; q0: nq). Others get only the model terms.
 * Uses d (RNEA). */
void xn_joint_impedance(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *qd,
                        const xn_real *q0, const xn_real *K, const xn_real *D, xn_real *tau);

/** Joint impedance with inertia shaping: the closed loop of each DoF whose desired inertia Md
 * (nv; kg m^2 or kg) is > 0 becomes Md qdd + D qd + K (q - q0) = tau_ext, decoupled from the
 * others, by tau = M(q) qdd_d + C qd + g - tau_ext with qdd_d = Md^-1 (tau_ext - D qd - K (q -
 * q0)). tau_ext (nv, N m) is the external torque the arm feels: torque sensors, or the momentum
 * observer's residual. DoFs with Md = 0 get the plain law above. Uses d (RNEA, d->qdd). */
void xn_joint_impedance_shaped(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *qd,
                               const xn_real *q0, const xn_real *K, const xn_real *D,
                               const xn_real *Md, const xn_real *tau_ext, xn_real *tau);

/** Settings of the Cartesian laws. Stiffness and damping are per axis of the world-aligned frame
 * at the controlled point: x, y, z (N/m, N s/m), then rotations (N m/rad, N m s/rad). */
typedef struct {
    int frame;     /**< the controlled frame (e.g. the tool) */
    xn_se3 offset; /**< a tool offset on that frame (identity: none) */
    xn_se3 target; /**< the equilibrium pose of frame * offset (world) */
    xn_real K[6], D[6];
    xn_real null_stiffness,
        null_damping;        /**< posture task in the null space (N m/rad, N m s/rad) */
    const xn_real *posture;  /**< nq: the posture the null space pulls toward (NULL: none) */
    xn_real limit_margin;    /**< rad: joints closer than this to a limit are pushed back, with
                                  priority over the task (not through the null space) */
    xn_real limit_stiffness; /**< N m/rad of that push at the margin's edge, growing as
                                  K d / (1 - d / margin) at depth d (0: none) */
    xn_real limit_damping;   /**< N m s/rad within the margin, scaled by d / margin */
    xn_real joint_damping;   /**< N m s/rad on every joint, outside the task (Cartesian
                                  impedance only): damps the singular directions */
    /* hand guiding only */
    xn_real speed_limit;   /**< m/s: above it the damping grows (0: none) */
    unsigned char lock[6]; /**< 1: that axis is held at target by K (the others are free) */
} xn_cartesian_law;

/** Defaults: frame 0, identity offset and target, no stiffness or damping, no posture or limit
 * terms, no speed limit, nothing locked. */
void xn_cartesian_law_init(xn_cartesian_law *law, int frame);

/** A workspace for the Cartesian laws on model m (allocated once), into *out (NULL on failure;
 * free it with xn_compliance_free). XN_ERR_NOMEM. */
typedef struct xn_compliance xn_compliance;
xn_status xn_compliance_create(const xn_model *m, xn_compliance **out, xn_error *err);
void xn_compliance_free(xn_compliance *c);

/** Cartesian impedance: F = K (target - x) - D xdot (position error in world axes, rotation error
 * as the rotation vector of R_target R^T), tau = J^T F + N (posture and limit terms) + C qd + g,
 * N = I - J^T (J J^T)^-1 J the null-space projector (damped near singularities). tau: nv. The
 * pose error and the frame's velocity (6 each) go to err and vel when not NULL. */
void xn_cartesian_impedance(xn_compliance *c, const xn_model *m, xn_data *d, const xn_real *q,
                            const xn_real *qd, const xn_cartesian_law *law, xn_real *tau,
                            xn_real err[6], xn_real vel[6]);

/** Hand guiding: tau = g + C qd + J^T (-D' xdot + K (target - x) on locked axes), with D' = D
 * scaled up by exp(10 (|v| - limit) / limit) on the translation when the point moves faster than
 * the speed limit (a steep barrier: about 5 % over the limit for pushes 2.5 times the limit's
 * force). A person's push F then moves the point at F / D below the limit. tau: nv. */
void xn_hand_guiding(xn_compliance *c, const xn_model *m, xn_data *d, const xn_real *q,
                     const xn_real *qd, const xn_cartesian_law *law, xn_real *tau, xn_real vel[6]);

/** Admittance: a virtual mass-spring-damper per axis of the point, driven by the external wrench
 * (6: force, then moment, world axes, N and N m): mass m (kg, kg m^2), damping D, stiffness K
 * (6 each). State: displacement x and velocity v (6 each, world; rotation as a rotation vector).
 * One step of dt (semi-implicit Euler). */
typedef struct {
    xn_real mass[6], damping[6], stiffness[6];
    xn_real x[6], v[6];
} xn_admittance;
void xn_admittance_step(xn_admittance *a, const xn_real wrench[6], xn_real dt);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
