/* The motion and impedance case the M7 image runs (codegen_image.c) and the host recomputes
 * (tests/mcu/mcu_compare.c): defined once, here, so that the two cannot drift apart.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MCU_MOTION_CASE_H
#define XN_MCU_MOTION_CASE_H

#include "xiaonao/otg.h"

/* The arm's 7 joints from q0 at half the velocity v0 to q1's positions, each joint with its own
 * limits. */
static inline void xn_mcu_motion_problem(xn_otg_problem *p, const double *q0, const double *v0,
                                         const double *q1) {
    xn_otg_problem_init(p, 7);
    for (int k = 0; k < 7; k++) {
        p->current_position[k] = (xn_real)q0[k];
        p->current_velocity[k] = (xn_real)(0.5 * v0[k]);
        p->target_position[k] = (xn_real)q1[k];
        p->max_velocity[k] = (xn_real)(2.0 + 0.1 * k);
        p->max_acceleration[k] = (xn_real)(10.0 - 0.5 * k);
        p->max_jerk[k] = (xn_real)(100.0 + 20.0 * k);
    }
}

/* The joint impedance's stiffness (N m/rad) and damping (N m s/rad) for n joints. */
static inline void xn_mcu_impedance_gains(int n, double *K, double *D) {
    for (int k = 0; k < n; k++) {
        K[k] = 200.0 - 10.0 * k;
        D[k] = 20.0 - k;
    }
}

#endif
