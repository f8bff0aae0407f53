/* The simulated joint (motor_sim.h). SPDX-License-Identifier: Apache-2.0 */
#include "motor_sim.h"

#include <math.h>

void ms_step(ms_joint *j, xn_real torque_cmd, xn_real load, int brake, xn_real dt) {
    j->torque += (torque_cmd - j->torque) * (1 - exp(-dt / j->current_tau));
    if (brake) {
        j->qd = 0;
        return;
    }
    /* Coulomb friction smoothed over 1 mrad/s, so that the integration stays stable at rest */
    xn_real friction = j->coulomb * tanh(j->qd / 1e-3) + j->viscous * j->qd;
    j->qd += (j->torque + load - friction) / j->inertia * dt;
    j->q += j->qd * dt;
}

xn_real ms_encoder(const ms_joint *j) {
    return floor(j->q * j->counts_per_rad) / j->counts_per_rad;
}
