/* xiaonao: balance of a biped by its divergent component of motion (capture point), with
 * recovery steps, on top of the whole-body controller (wbc.h).
 *
 * With the centre of mass c at height z above the ground, omega = sqrt(g / z) and the capture
 * point xi = c + cdot / omega (horizontal), the linear inverted pendulum gives
 * xi_dot = omega (xi - p) for the centre of pressure p, and cddot = omega^2 (c - p). Each cycle:
 *   ankle strategy  p = xi + (k / omega) (xi - xi_ref), clamped into the support polygon less a
 *                   margin: the feet push the capture point back toward xi_ref;
 *   hip strategy    what the clamp cut off, up to cmp_max, is asked of the centroidal moment
 *                   (the centroidal moment pivot moves beyond the centre of pressure): the
 *                   whole-body controller then swings the upper body;
 *   height strategy (off by default) when the capture point's forward error passes
 *                   height_trigger and the lateral error, the CoM is pushed up at height_boost
 *                   for height_boost_time, then let down at height_unload until its planned
 *                   vertical velocity is zero:
 *                   c_ddot = (f_z / m) (c - p) / z, so pressing the ground harder early, while
 *                   the CoM is still far from the sole's edge, decelerates it more than the same
 *                   force would later (centre-of-mass height variation, Koolen et al. 2016);
 *   recovery step   when the capture point lies beyond that by more than step_trigger, the foot
 *                   on the side of the fall (else the less loaded one) swings to where the
 *                   capture point will be at touchdown (xi_T = p + (xi - p) e^(omega T), planned
 *                   again every cycle of the first 70 % of the swing), along a minimum-jerk path
 *                   with a lift of step_height; touchdown is the swing foot back within
 *                   touchdown_height of the ground after half the swing (or the swing's end and
 *                   a further 0.1 s lowering); then both feet stand again.
 * The torques come from xn_wbc_solve with the desired CoM acceleration as feedforward. Where the
 * QP has no solution even relaxed, the last solved torques hold for up to 5 cycles, then the
 * joints are damped (tau = -D qdot, clipped) and the status says so. Coordinates: world frame, z
 * up, ground at the stance feet's height. SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_BALANCE_H
#define XIAONAO_BALANCE_H

#include "xiaonao/model.h"
#include "xiaonao/wbc.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

typedef struct {
    xn_wbc_config wbc;            /**< contacts[0] the left foot, contacts[1] the right (both) */
    xn_real dcm_gain;             /**< k (1/s): the capture point's convergence rate (2.5) */
    xn_real cop_margin;           /**< m, kept from the support polygon's edges (0.008) */
    xn_real cmp_max;              /**< m: the hip strategy's reach beyond the CoP (0.04) */
    xn_real height_kp, height_kd; /**< the CoM's height (100 1/s^2, 20 1/s) */
    int stepping;                 /**< 1: recovery steps (default) */
    xn_real step_trigger;         /**< m beyond the reach of ankle and hip (0.01) */
    xn_real step_duration;        /**< s (0.2) */
    xn_real step_height;          /**< m (0.06) */
    xn_real step_length_max;      /**< m, fore and aft of the stance foot in its heading frame
                                       (0.5): the reach ellipse's first semi-axis */
    xn_real step_width_min;       /**< m between the feet's centres, sideways (0.15) */
    xn_real step_side_max;        /**< m, sideways of the stance foot: the reach ellipse's
                                       second semi-axis; a foothold lies inside the ellipse and
                                       no nearer than step_width_min sideways (0.55) */
    xn_real touchdown_height;     /**< m (0.01) */
    xn_real min_double_support;   /**< s between two steps (0.1) */
    xn_real damping;              /**< N m s/rad of the damping fallback (5) */
    xn_real dcm_filter;           /**< s: low-pass of the CoM velocity in the capture point
                                       (0.01) */
    xn_real step_offset;          /**< m: the foothold lies this far beyond the predicted capture
                                       point (0.03) */
    xn_real hip_relax;            /**< in (0, 1]: the posture tasks' weight scale
                                       (xn_wbc_targets.posture_scale) while the hip strategy
                                       acts; 1 leaves them as they are (1) */
    xn_real stance_lift;          /**< m: a stance foot whose lowest sole corner rises this far
                                       above the ground (the body's roll lifted it) is set back
                                       down where it is, in 0.1 s, and is no stance foot
                                       meanwhile; not a step (0.01; 0: never) */
    xn_real dcm_gain_near;        /**< 1/s: the gain k on an axis of the heading frame where
                                       the capture point lies within dcm_gain_span of its
                                       reference, rising linearly to dcm_gain at the span (2.5) */
    xn_real dcm_gain_span;        /**< m (0: dcm_gain everywhere) */
    xn_real stand_lower;          /**< m, in [0, 0.5): the CoM stands this much lower than it was
                                       at the reset, the knees more bent (0) */
    xn_real hip_relax_time;       /**< s: the time constant of those weights' return (0.3) */
    xn_real height_boost;         /**< m/s^2: the height strategy's upward CoM acceleration,
                                       asked for height_boost_time once a push is seen (0: no
                                       height strategy, the default) */
    xn_real height_boost_time;    /**< s (0.15) */
    xn_real height_unload;        /**< m/s^2, in (0, g): the downward CoM acceleration after
                                       the boost, until the planned vertical velocity is zero
                                       again (height_boost * height_boost_time / height_unload
                                       seconds); then the height's PD takes over (9) */
    xn_real height_trigger;       /**< m: the capture point's error along the heading's forward
                                       axis that starts the height strategy, when it also
                                       exceeds the lateral error; it may start again once the
                                       error has stayed under half of this for 1 s (0.03) */
} xn_balance_config;

/** Defaults above, the whole-body controller's defaults, no contacts yet. They are tuned for
 * recovery steps (the hip strategy is a small reach, cmp_max, before a step is taken) on the
 * reference robot of xn_balance_reference_dims: for another biped, xn_balance_config_scale
 * carries them to its size (xn run does, from the model, before the description's values). */
void xn_balance_config_init(xn_balance_config *c);

/** A biped's dimensions that a balance tuning scales with. */
typedef struct {
    xn_real com_height;    /**< m: the centre of mass above the mean height of the soles' corners */
    xn_real feet_distance; /**< m between the two feet's frames, along the ground */
    xn_real foot_length;   /**< m: the sole's extent along its foot frame's x axis (the mean of
                                both feet) */
    xn_real mass;          /**< kg */
} xn_balance_dims;

/** The dimensions of the robot the defaults of xn_balance_config_init and
 * xn_balance_config_no_step were tuned on: the 29-DoF Unitree G1 in its neutral configuration
 * (g1.xml's body placement), 0.7052 m, 0.2370 m, 0.155 m, 33.34 kg as xn_balance_measure
 * gives them. */
void xn_balance_reference_dims(xn_balance_dims *out);

/** Measure a biped: its model at q (nq; the neutral configuration, m->q_neutral, is the one the
 * reference was measured in) with the feet of wbc (contact[0], [1]: their frames and sole
 * corners). Allocates a workspace for the duration of the call. XN_ERR_INVALID unless
 * wbc->ncontact is 2, XN_ERR_NOT_FOUND for a foot frame the model does not have (err->index the
 * foot), XN_ERR_RANGE for a model that is no standing biped (the CoM not above the soles). */
xn_status xn_balance_measure(const xn_model *m, const xn_wbc_config *wbc, const xn_real *q,
                             xn_balance_dims *out, xn_error *err);

/** Carry a tuning made on the reference robot to a robot of dimensions `robot` by the inverted
 * pendulum's similarity (the same g): with s = robot->com_height / the reference's, every length
 * (cmp_max, the step lengths and heights, step_trigger, step_offset, touchdown_height,
 * stance_lift, dcm_gain_span, stand_lower, height_trigger) is multiplied by s, every time
 * (step_duration, min_double_support, dcm_filter, hip_relax_time, height_boost_time) by
 * sqrt(s), the rates dcm_gain, dcm_gain_near, height_kd by 1/sqrt(s) and height_kp by 1/s;
 * cop_margin goes with the foot's length, step_width_min with the feet's distance, damping with
 * mass x s^1.5. Accelerations (height_boost, height_unload), hip_relax and the whole-body
 * controller's gains stay. On the reference robot itself it changes nothing, bit for bit.
 * Call it after xn_balance_config_init (and _no_step), before a robot's own values. XN_ERR_RANGE
 * for dimensions that are not finite and > 0. */
xn_status xn_balance_config_scale(xn_balance_config *c, const xn_balance_dims *robot,
                                  xn_error *err);

/** The tuning for a robot that must keep its feet where they are (after config_init): no
 * stepping; dcm_gain 20 1/s, so the feet push at once with all the centre of pressure they have
 * (falling to 2.5 1/s within dcm_gain_span 3 cm of the reference, per axis);
 * cmp_max 0.5 m, so the hip strategy takes all the rest; hip_relax 0.01, so the upper body is
 * free to pitch and roll for it; stand_lower 0.11 m, so it stands crouched, the knees away from
 * their straight limit (which stopped the hip strategy) and omega higher; the height strategy
 * (height_boost 5 m/s^2 for 0.15 s, then height_unload 9 m/s^2): pressing the ground harder
 * while the centre of mass is still far from the sole's edge makes the same centre of pressure
 * decelerate it more (on the G1, forward pushes survived without steps from 24 to 24.5 N s,
 * backward from 21 to 22.5, sideways 35.5 to 34.5; see docs/whole-body.md). It does not know the
 * robot's joints: a robot whose knees can straighten into their limit under the folding trunk
 * should brake them as well (wbc.brake_accel; the G1's tests and bench brake its knees at
 * 50 rad/s^2, which took its forward push without steps from 22 to 24 N s). */
void xn_balance_config_no_step(xn_balance_config *c);

typedef enum {
    XN_BALANCE_STAND = 0,      /**< both feet on the ground */
    XN_BALANCE_STEP_LEFT = 1,  /**< the left foot swings */
    XN_BALANCE_STEP_RIGHT = 2, /**< the right foot swings */
    XN_BALANCE_DAMPING = 3     /**< no feasible whole-body solution: joint damping */
} xn_balance_phase;

typedef struct {
    xn_balance_phase phase;
    int steps;         /**< recovery steps taken since the reset */
    int set_down;      /**< stance feet that the ground lost and that were set back down in place
                            since the reset (config stance_lift; not steps, and phase says STEP_...
                            while one is) */
    int height_boosts; /**< the height strategy's boosts started since the reset */
    long fallbacks;    /**< cycles since the reset whose whole-body QP ran out of its iteration
                            budget (xn_wbc_config.max_iterations) and used the last solution
                            (xn_wbc_result.fallback; this cycle's is st->wbc.fallback) */
    xn_real com[3], com_velocity[3]; /**< measured (world) */
    xn_real dcm[2];                  /**< the capture point */
    xn_real cop[2], cmp[2];          /**< commanded centre of pressure and moment pivot */
    int npolygon;                    /**< the support polygon (counter-clockwise) */
    xn_real polygon[8][2];
    unsigned char stance[2]; /**< left, right */
    xn_real foothold[2];     /**< the planned touchdown point while stepping */
    xn_wbc_result wbc;       /**< the whole-body solution of this cycle */
} xn_balance_status;

typedef struct xn_balance xn_balance;

/** A balance controller for model m (its first joint free), configuration copied, into *out (the
 * caller frees it with xn_balance_free). XN_ERR_INVALID when the configuration is not a biped's
 * (two contacts); XN_ERR_RANGE when hip_relax lies outside (0, 1], hip_relax_time is not
 * positive, dcm_gain_span, dcm_gain_near or stance_lift is negative or NaN, stand_lower lies
 * outside [0, 0.5), step_length_max is not positive, step_side_max is less than step_width_min,
 * height_boost is negative or NaN, or (with a height_boost) height_boost_time or height_trigger
 * is not positive or height_unload lies outside (0, g); xn_wbc_create's errors for cfg->wbc
 * ("wbc: ..."); XN_ERR_NOMEM. err (may be NULL) names the parameter and its value. */
xn_status xn_balance_create(const xn_model *m, const xn_balance_config *cfg, xn_balance **out,
                            xn_error *err);
void xn_balance_free(xn_balance *b);

/** Start standing at q (nq, the base estimated): the capture point's reference and the CoM
 * height from there, the base's and torso's orientation upright with its yaw, posture (nq,
 * copied; NULL: q) as the joints' target. */
void xn_balance_reset(xn_balance *b, const xn_real *q, const xn_real *posture);

/** Which feet stand this cycle (2 flags): what the base estimator needs. */
const unsigned char *xn_balance_stance(const xn_balance *b);

/** The whole-body targets the balance controller fills each cycle; a caller may set the hands'
 * (hand_position, hand_active) and the posture pointer between updates. */
xn_wbc_targets *xn_balance_targets(xn_balance *b);

/** The joints' posture target (nq; the base's entries unused): writable, the next update uses
 * it. */
xn_real *xn_balance_posture(xn_balance *b);

/** The friction coefficient both feet are taken to have; change it (mu > 0) for both. */
xn_real xn_balance_friction(const xn_balance *b);
void xn_balance_set_friction(xn_balance *b, xn_real mu);

/** The fallback when balancing is given up: tau = -damping * v per joint (nv), clamped to each
 * joint's effort limit, the base's six entries 0. A non-finite v entry counts as 0 (the fallback
 * must stay sane when a sensor failed). Allocates nothing. */
void xn_balance_damping(const xn_balance *b, const xn_real *v, xn_real *tau);

/** One cycle of dt seconds at the estimated state q (nq), v (nv): tau (nv, the base's six 0).
 * Returns XN_OK, or XN_ERR_NUMERIC when the whole-body problem had no solution (tau then holds
 * the last solved torques, or after 5 such cycles is joint damping: status->phase says). */
xn_status xn_balance_update(xn_balance *b, const xn_real *q, const xn_real *v, xn_real dt,
                            xn_real *tau, xn_balance_status *status);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
