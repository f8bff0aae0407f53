/* xiaonao: a learned locomotion policy in the control loop. A deployment description says how a
 * policy meets the robot (which joints, in what order; the observation's terms and scales; how
 * actions become joint targets; PD gains; the policy's rate), so that a new policy needs a new
 * file, not new code. xn_locomotion runs it on a robot (xn_hal): the joint PD every control
 * cycle, the policy every `decimation` cycles, torques clipped to the actuators' limits, and a
 * safety supervisor that switches to a damping mode when the base tilts too far, a reading or
 * an action is not finite, or the policy overruns its time budget.
 *
 * The observation, in the order of the terms (Unitree's legged-gym convention):
 *   base angular velocity (IMU, base frame) x ang_vel_scale               3
 *   gravity direction in the base frame (from the IMU orientation)         3
 *   command (vx, vy, yaw rate) x cmd_scale                                 3
 *   (q - default_angles) x dof_pos_scale                                   njoint
 *   qd x dof_vel_scale                                                     njoint
 *   the previous action                                                    njoint
 *   sin and cos of 2 pi phase, phase = (t mod gait_period) / gait_period   2
 * and the joint targets are action x action_scale + default_angles.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_LOCOMOTION_H
#define XIAONAO_LOCOMOTION_H

#include "xiaonao/hal.h"
#include "xiaonao/policy.h"
#include "xiaonao/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_DEPLOY_MAX_JOINTS 32

/** A deployment description (deploy.json). */
typedef struct {
    char policy[512]; /**< the ONNX file, relative to the description's folder ("" if not given) */
    char model[1024]; /**< the robot's scene (`model`), resolved against the description's
                           folder ("" if not given) */
    int njoint;
    char joint[XN_DEPLOY_MAX_JOINTS][64];                       /**< in the policy's order */
    xn_real kp[XN_DEPLOY_MAX_JOINTS], kd[XN_DEPLOY_MAX_JOINTS]; /**< N m/rad, N m s/rad */
    xn_real default_angles[XN_DEPLOY_MAX_JOINTS];               /**< rad */
    xn_real simulation_dt; /**< s: the control period the policy was trained with */
    int decimation;        /**< control cycles per policy step */
    xn_real ang_vel_scale, dof_pos_scale, dof_vel_scale, action_scale, cmd_scale[3];
    xn_real gait_period; /**< s (0: no phase terms) */
    int nobs, nact;
    /* the supervisor */
    xn_real max_tilt;       /**< rad between the base's z axis and the vertical (default 0.8) */
    xn_real budget_s;       /**< s a policy evaluation may take (default: half a control period
                                 times the decimation) */
    xn_real damping;        /**< N m s/rad of the damping mode (default 5) */
    xn_real command_max[3]; /**< the largest |vx| (m/s), |vy| (m/s), |yaw rate| (rad/s) the policy
                                 was trained on (`command_max`; default infinity: the description
                                 declares none); commands beyond are refused */
} xn_deploy;

/** Read a deployment description (JSON: the fields above under their names, `kps`, `kds`,
 * `control_decimation`, `num_obs`, `num_actions`, `gait_period_s`). Errors name the file and the
 * field. */
xn_status xn_deploy_load(const char *path, xn_deploy *d, xn_error *err);

typedef enum {
    XN_LOCO_ENABLING = 0, /**< bringing the drives to operation enabled */
    XN_LOCO_RUNNING,      /**< the policy drives the joints */
    XN_LOCO_DAMPING       /**< the supervisor stopped it: joint damping only */
} xn_loco_state;

typedef struct xn_locomotion xn_locomotion;

/** Put policy p (borrowed; it must outlive the locomotion) on robot hal as d describes. The
 * robot must have every joint d names, commandable, and an IMU; the policy's input and output
 * sizes must match d. The period of hal must be d->simulation_dt. */
xn_status xn_locomotion_create(const xn_deploy *d, xn_policy *p, xn_hal *hal, xn_locomotion **out,
                               xn_error *err);
void xn_locomotion_free(xn_locomotion *l);

/** The velocity command (m/s forward and sideways in the base's heading, rad/s yaw rate); it
 * may change at any cycle. */
void xn_locomotion_command(xn_locomotion *l, xn_real vx, xn_real vy, xn_real wz);
/** One control cycle, between xn_hal_read and xn_hal_write: enabling, then the PD toward the
 * targets, the policy every decimation cycles, the supervisor. Allocates nothing. */
void xn_locomotion_step(xn_locomotion *l);
xn_loco_state xn_locomotion_state(const xn_locomotion *l);
/** Why the supervisor stopped ("" while running). */
const char *xn_locomotion_reason(const xn_locomotion *l);
/** The latest policy evaluation's duration (ns) and the largest so far. */
int64_t xn_locomotion_policy_ns(const xn_locomotion *l, int64_t *max_ns);

/** Find a policy's files: path is a folder holding deploy.json and one .onnx file (or the
 * description's `policy` field names it), or the deploy.json itself. A relative path is tried
 * from the working directory, then from dir (may be NULL). The two paths go to deploy and onnx
 * (cap bytes each). */
xn_status xn_deploy_locate(const char *path, const char *dir, char *deploy, char *onnx, size_t cap,
                           xn_error *err);

/** The controller's policy hook (runtime.h) backed by this layer: each `policy load` of a
 * program is located, loaded and put on the robot when the controller is created (at most 8),
 * and run by the controller. The hook owns what it loads; free it after the controller. */
xn_policy_hook *xn_locomotion_hook_create(void);
void xn_locomotion_hook_free(xn_policy_hook *h);
/** Replace the supervisor's time budget (s per policy evaluation, wall clock) of every policy
 * loaded from now on; 0 keeps each description's own. For simulations that do not run in real
 * time, such as instrumented builds, where a wall-clock overrun says nothing about the robot. */
void xn_locomotion_hook_set_budget(xn_policy_hook *h, xn_real budget_s);
/** The hook's active locomotion (NULL before a `policy load` ran), for reports. */
xn_locomotion *xn_locomotion_hook_active(xn_policy_hook *h);
/** The active locomotion's command (3: vx, vy, yaw rate). */
void xn_locomotion_get_command(const xn_locomotion *l, xn_real cmd[3]);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
