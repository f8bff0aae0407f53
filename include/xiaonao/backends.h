/* xiaonao: the backends that come with the library. `loopback` is in the core library;
 * `mujoco` is in the separate library xiaonao_mujoco (it links MuJoCo).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_BACKENDS_H
#define XIAONAO_BACKENDS_H

#include "xiaonao/hal.h"
#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Loopback: ideal joints, one per 1-DoF joint of the model (names, limits and effort from the
 * model); those named in `commanded` (n names; NULL: all) are commandable, the others hold their
 * start position. Commandable joints follow commands exactly: in CSP the reading is the commanded
 * position and velocity; in CSV the commanded velocity, integrated; in CST the model's rigid-body
 * dynamics (gravity, Coriolis, inertia; no friction), the joints not in CST held still. Quick stop
 * follows the drive's ramp. Readings are stamped with the loopback's own clock, which advances one
 * period per xn_hal_advance. `q0` (nq entries, or NULL for the model's neutral configuration) is
 * where the joints start. The model must outlive the robot. */
xn_status xn_loopback_open(const xn_model *m, const xn_real *q0, int64_t period_ns,
                           const char *const *commanded, int n, xn_hal **out, xn_error *err);

/** Options of the MuJoCo backend. Zeroed fields take the defaults given. */
typedef struct {
    int64_t period_ns;      /**< control period (default 1,000,000: 1 kHz); a whole
                                 multiple of the scene's timestep */
    const char *keyframe;   /**< initial state: keyframe name (default "home" if the scene
                                 has one, else the scene's reference configuration) */
    xn_real position_noise; /**< standard deviation of the encoder noise (rad), default 0 */
    xn_real velocity_noise; /**< standard deviation of the velocity noise (rad/s) */
    xn_real torque_noise;   /**< standard deviation of the torque-sensor noise (N m) */
    long encoder_counts;    /**< counts per revolution (quantization), 0: none */
    int latency_cycles;     /**< commands take effect this many control periods late */
    unsigned long seed;     /**< noise seed (default 1) */
    xn_drive_gains drive;   /**< the simulated drives' servo (defaults: kp 2000, kd 50,
                                 quick-stop deceleration 10 rad/s^2; torque limit: the
                                 actuator's, or this one when it is lower and > 0) */
} xn_mujoco_options;

/** MuJoCo: load an MJCF scene and expose it as a robot. Every hinge and slide joint is a joint
 * device; it is commandable when a `motor` actuator (fixed gain, no bias) drives it, and then
 * its drive turns commands into that actuator's torque at the physics rate (CiA 402 state
 * machine, CSP and CSV servo, quick-stop ramp, holding brake while disabled). The measured
 * torque is the actuator's joint torque. Sites carrying both a `force` and a `torque` sensor are
 * force/torque sensors; sites carrying a `gyro` (with optional `accelerometer` and `framequat`)
 * are IMUs; sites carrying a `framepos` sensor are position trackers (an external measurement of
 * the point, such as a laser tracker); sites carrying a `touch` sensor are contact sensors (the
 * normal force on the site's volume, e.g. under a foot). xn_hal_advance steps the physics
 * period/timestep times. Other actuators (e.g. a gripper's position servo) keep their keyframe
 * control. Errors name the scene and the reason. */
xn_status xn_mujoco_open(const char *scene, const xn_mujoco_options *opt, xn_hal **out,
                         xn_error *err);
/** The MuJoCo model and data behind a robot opened by xn_mujoco_open (mjModel *, mjData *), for
 * tests and viewers; NULL for another backend. */
void *xn_mujoco_model(const xn_hal *hal);
void *xn_mujoco_data(const xn_hal *hal);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
