/* xiaonao: joint-space control laws. The servo turns a reference (position, velocity,
 * acceleration per DoF) and the measured state into joint torques, using the model where the law
 * needs it. Pure computation: created once, then no allocation.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_CONTROL_H
#define XIAONAO_CONTROL_H

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Which law the servo applies. e = q_ref - q, de = v_ref - v, ie = the integral of e. */
typedef enum {
    /** tau = M(q) (a_ref + kp e + kd de + ki ie) + C(q, v) v + g(q) + damping v: the model
     * cancels the dynamics and the gains set the error dynamics (kp in 1/s^2, kd in 1/s, ki in
     * 1/s^3). */
    XN_SERVO_COMPUTED_TORQUE = 0,
    /** tau = kp e + kd de + ki ie + g(q): PD with gravity compensation (kp in N m/rad, kd in
     * N m s/rad, ki in N m/(rad s)). */
    XN_SERVO_PD_GRAVITY = 1,
    /** tau = kp e + kd de + ki ie: plain PID, no model. */
    XN_SERVO_PID = 2
} xn_servo_law;

/** A joint-space servo for one model. Arrays have nv entries, owned by the servo. */
typedef struct {
    int nv;
    xn_servo_law law;
    xn_real *kp, *kd, *ki; /**< gains per DoF, in the law's units */
    xn_real *i_limit;      /**< bound on |ki * ie| per DoF (N m, or rad/s^2 for computed torque) */
    xn_real *tau_max;      /**< torque limit per DoF (N m or N); the output is clipped to it */
    unsigned char *active; /**< 0: the DoF is not controlled (torque 0, integral frozen) */
    xn_real *integral;     /**< state: ie per DoF */
    xn_real *work;         /**< scratch, nv entries */
} xn_servo;

/** A servo for model m: computed torque with kp = 400 1/s^2 and kd = 40 1/s (a critically damped
 * 20 rad/s error response), ki = 0, torque limits from the model's effort limits, every DoF
 * active; into *out (NULL on failure). XN_ERR_NOMEM. */
xn_status xn_servo_create(const xn_model *m, xn_servo **out, xn_error *err);
/** Free a servo. NULL is allowed. */
void xn_servo_free(xn_servo *s);
/** Set every DoF's gains to the critically damped response of natural frequency omega (rad/s):
 * computed torque: kp = omega^2, kd = 2 omega; other laws: the same scaled by the diagonal of
 * the mass matrix at q (so that each joint alone responds at omega). Uses d. */
void xn_servo_tune(xn_servo *s, const xn_model *m, xn_data *d, const xn_real *q, xn_real omega);
/** Zero the integral state (bumpless restart). */
void xn_servo_reset(xn_servo *s);
/** One servo period: tau (nv entries) from the state (q: nq, v: nv) and the reference (q_ref:
 * nq, v_ref and a_ref: nv; a_ref may be NULL for zero). dt (s) integrates the error. Returns how
 * many active DoFs were clipped at their torque limit. Uses d (RNEA or gravity). No
 * allocation. */
int xn_servo_compute(xn_servo *s, const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                     const xn_real *q_ref, const xn_real *v_ref, const xn_real *a_ref, xn_real dt,
                     xn_real *tau);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
