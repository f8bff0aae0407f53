/* One joint's servo as a drive on the joint would run it: a CiA 402 drive in cyclic synchronous
 * position mode (the controller sends a position target, with velocity and acceleration
 * feedforward, every cycle), a cascaded position / velocity loop with torque feedforward
 * (gravity and inertia from the robot's generated model, friction from the joint's own
 * parameters), and the monitoring a drive owes the robot: a following-error limit, position
 * limits, non-finite input. Portable C11: no board, no allocation, no libc beyond libm; the
 * board calls js_servo_step once per cycle. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_EXAMPLE_JOINT_SERVO_H
#define XN_EXAMPLE_JOINT_SERVO_H

#include <stdint.h>

#include "xiaonao/hal.h"

/** Why a servo faulted (the drive's error code, object 0x603F in CiA 402). */
typedef enum {
    JS_FAULT_NONE = 0,
    JS_FAULT_FOLLOWING = 0x8611, /**< following error: the joint lags its target too far */
    JS_FAULT_LIMIT = 0x7300,     /**< the measured position left the joint's range */
    JS_FAULT_INPUT = 0x6320      /**< a target or a measurement that is not a finite number */
} js_fault;

typedef struct {
    /* settings (SI units: rad, s, N m) */
    xn_real dt;            /**< the servo cycle (s) */
    xn_real kp;            /**< position loop: velocity command per rad of error (1/s) */
    xn_real kv, ki;        /**< velocity loop PI: N m per rad/s, N m per rad */
    xn_real vel_cutoff;    /**< the velocity estimate's low-pass corner (Hz) */
    xn_real coulomb;       /**< friction feedforward, Coulomb (N m) */
    xn_real viscous;       /**< friction feedforward, viscous (N m s/rad) */
    xn_real torque_max;    /**< the torque command's limit (N m) */
    xn_real velocity_max;  /**< the velocity command's limit (rad/s) */
    xn_real q_min, q_max;  /**< the joint's range (rad): targets are clamped into it, and near
                                its ends the velocity is capped so that stop_decel stops the
                                joint inside (the following error is not judged meanwhile) */
    xn_real range_margin;  /**< the measured position may overshoot the range by this (rad) */
    xn_real following_max; /**< the largest position error allowed while enabled (rad) */
    xn_real stop_decel;    /**< the fault reaction's braking deceleration (rad/s^2) */
    xn_real stop_time_max; /**< the fault reaction's longest braking (s); then FAULT, where the
                                board engages the holding brake */
    /* state */
    xn_cia402_state state;
    uint16_t prev_cw;
    js_fault fault;
    int started;
    xn_real q_prev, vel, integral, stop_vel, stop_time, range_hold;
} js_servo;

/** What the controller sends every cycle (rad, rad/s, rad/s^2). */
typedef struct {
    xn_real q, qd, qdd;
} js_target;

/** The model's share of the torque at the current configuration: gravity (N m) and the joint's
 * inertia (kg m^2), from the robot's generated dynamics (the caller runs them). */
typedef struct {
    xn_real gravity, inertia;
} js_model_terms;

/** Settings with the given cycle; the caller sets gains and limits. State: switch-on disabled. */
void js_servo_init(js_servo *s, xn_real dt);
/** One cycle: the controlword moves the CiA 402 state machine, the encoder's position q (rad)
 * is checked and differentiated, and the torque command (N m) is returned (0 unless the drive is
 * enabled or braking after a fault). *statusword gets the drive's statusword. */
xn_real js_servo_step(js_servo *s, uint16_t controlword, const js_target *t, xn_real q,
                      const js_model_terms *model, uint16_t *statusword);

#endif
