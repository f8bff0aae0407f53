/* A simulated joint for the servo example: a motor behind a gearbox driving one link of the
 * robot, as a drive sees it. The torque the drive commands is produced after a first-order lag
 * (the current loop), against the joint's inertia, Coulomb and viscous friction, gravity and
 * whatever the world pushes with; a holding brake locks the joint; the encoder quantizes.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_EXAMPLE_MOTOR_SIM_H
#define XN_EXAMPLE_MOTOR_SIM_H

#include "xiaonao/types.h"

typedef struct {
    xn_real inertia;        /**< joint side, rotor reflected included (kg m^2) */
    xn_real coulomb;        /**< N m */
    xn_real viscous;        /**< N m s/rad */
    xn_real current_tau;    /**< the current loop's time constant (s) */
    xn_real counts_per_rad; /**< the encoder's resolution at the joint */
    xn_real q, qd, torque;  /**< state: position (rad), velocity (rad/s), produced torque */
} ms_joint;

/** Advance by dt (s) under the commanded torque, the load torque (gravity and contact, N m,
 * acting on the joint) and the brake (1: locked). Semi-implicit Euler; call at a few times the
 * servo's rate. */
void ms_step(ms_joint *j, xn_real torque_cmd, xn_real load, int brake, xn_real dt);
/** The encoder's reading (rad), quantized. */
xn_real ms_encoder(const ms_joint *j);

#endif
