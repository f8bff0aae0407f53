/* xiaonao: collision detection. The generalized-momentum observer (De Luca and Mattone 2003;
 * Haddadin, De Luca and Albu-Schaeffer 2017) estimates the external joint torques from the
 * model and the measured joint state and torques, with no acceleration measurement:
 *
 *     p = M(q) qd,   d/dt p = tau - n(q, qd) + Mdot(q) qd + tau_ext,   n = C qd + g
 *     r = K_O (p - p(0) - integral of (tau - n + Mdot qd + r) dt)
 *
 * so that dr/dt = K_O (tau_ext - r): r follows the external torque through a first-order lag of
 * time constant 1/K_O per joint. tau is the torque acting on the joints: measured link-side torque
 * (torque sensors), or the commanded motor torque minus the friction model (Coulomb + viscous per
 * joint). Thresholds per joint may grow with the joint's speed. Isolation: the most distal joint
 * whose residual is above threshold carries the contact on its body (or beyond); with the contact
 * point known, the contact force follows from r = J^T F by least squares.
 *
 * A baseline to compare against: |tau - tau_model(q, qd, qdd_ref)| over a threshold.
 * Created once; stepping allocates nothing. SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_OBSERVER_H
#define XIAONAO_OBSERVER_H

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** The observer and its settings (arrays of nv, owned by it). */
typedef struct {
    int nv;
    xn_real *gain;              /**< K_O per joint (1/s), default 100: a 10 ms time constant */
    xn_real *friction_coulomb;  /**< N m, default 0 */
    xn_real *friction_viscous;  /**< N m s/rad, default 0 (the model's joint damping is always
                                     included) */
    xn_real friction_smoothing; /**< rad/s over which the Coulomb term reverses (tanh), 0.01 */
    xn_real *threshold;         /**< N m per joint, default 5 */
    xn_real *threshold_speed;   /**< N m per rad/s of the joint's speed added, default 0 */
    xn_real threshold_model;    /**< fraction of the torque acting on the joint added to its
                                     threshold, for the model's errors (which scale with it):
                                     default 0 */
    xn_real *isolation_level;   /**< N m per joint: a residual above it counts as carrying the
                                     contact when isolating (below the detection threshold: a
                                     contact near a joint's axis loads it little), default 0.3 */
    int persistence;            /**< cycles in a row over the threshold before a joint counts
                                     (default 1) */
    /* state */
    xn_real *p_hat, *r, *work, *work2;
    int *over; /* per joint: cycles in a row over the threshold */
    int started;
} xn_observer;

/** An observer for model m: gains 100 1/s, thresholds 5 N m, no friction model; into *out (NULL
 * on failure). XN_ERR_NOMEM. */
xn_status xn_observer_create(const xn_model *m, xn_observer **out, xn_error *err);
void xn_observer_free(xn_observer *o);
/** Forget the state: the next step starts the integral from the momentum it sees. */
void xn_observer_reset(xn_observer *o);

/** One step of length dt (s) at the measured state (q: nq, qd: nv) with the joint torques tau
 * (nv): link-side (motor = 0) or the motor's commanded torque (motor = 1: the friction model is
 * subtracted). Updates o->r (the external-torque estimate, N m) and returns the number of joints
 * whose |r| has exceeded threshold + threshold_speed |qd| + threshold_model |tau| for the last
 * `persistence` steps. Uses d (CRBA twice, RNEA); no allocation. */
int xn_observer_step(xn_observer *o, const xn_model *m, xn_data *d, const xn_real *q,
                     const xn_real *qd, const xn_real *tau, int motor, xn_real dt);
/** Which joint's residual is above its isolation level furthest from the root (by DoF index, the
 * model's depth-first order): the contact is on that joint's body or its subtree (joints beyond
 * the contact see no torque from it). -1 when none. */
int xn_observer_isolate(const xn_observer *o, const xn_model *m, const xn_real *qd);
/** The contact force (3, N, world axes) at a point (world, m) fixed to body b, from r = J^T F
 * (least squares over the joints that move b; the moment of a point force is implied). Uses d
 * (Jacobian at q). XN_ERR_NUMERIC when the point's Jacobian is too close to singular. */
xn_status xn_observer_contact_force(const xn_observer *o, const xn_model *m, xn_data *d,
                                    const xn_real *q, int b, const xn_real point[3],
                                    xn_real force[3]);

/** The baseline detector: the difference between the torque acting and the model's torque for
 * the reference acceleration, tau - (M qdd_ref + n), into diff (nv); returns how many joints
 * exceed their thresholds (the same thresholds as the observer's). */
int xn_collision_baseline(const xn_observer *o, const xn_model *m, xn_data *d, const xn_real *q,
                          const xn_real *qd, const xn_real *qdd_ref, const xn_real *tau, int motor,
                          xn_real *diff);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
