/* The momentum observer's known torques on a double pendulum (model/double_pendulum.h) whose
 * joints have Coulomb and viscous friction: a simulation at 10 kHz feeds the observer at 1 kHz.
 *  - given the motor's torque and the friction model (motor = 1), the residual stays near zero:
 *    the friction is known, not a collision (under 5 % of the Coulomb level)
 *  - given the motor's torque without the model, the residual is the friction (it must be seen:
 *    within 10 % of the friction torque, with its sign)
 *  - given the torque after friction (motor = 0), near zero again
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "model/double_pendulum.h"

#define FC 2.0 /* N m */
#define FV 0.5 /* N m s/rad */
#define SMOOTH 0.01

static double friction(double qd) { return FC * tanh(qd / SMOOTH) + FV * qd; }

/* worst |r - expected| after 0.3 s, where expected is 0 or -friction (the residual estimates the
 * external torque, and an unmodelled friction acts as one) */
static double run(int motor, int model_friction, int expect_friction) {
    xn_model *m = dp_build(&dp_default);
    if (!m) return NAN;
    xn_data *ds = xn_data_create(m), *dobs = xn_data_create(m);
    xn_observer *o;
    xn_observer_create(m, &o, NULL);
    for (int k = 0; k < 2; k++) {
        o->friction_coulomb[k] = model_friction ? FC : 0;
        o->friction_viscous[k] = model_friction ? FV : 0;
    }
    o->friction_smoothing = SMOOTH;
    double q[2] = {0.2, -0.3}, qd[2] = {1.0, -0.8}, worst = 0;
    const double h = 1e-4;
    for (int n = 0; n < 2000; n++) {
        /* the motor: gravity, the friction at the wanted speeds and a velocity loop */
        double qd_des[2] = {1.0, -0.8}, tau_m[2], tau_j[2];
        xn_dyn_gravity(m, ds, q);
        for (int k = 0; k < 2; k++)
            tau_m[k] = ds->g[k] + friction(qd_des[k]) + 5 * (qd_des[k] - qd[k]) +
                       0.5 * sin(3.0 * n * 1e-3 + k);
        for (int k = 0; k < 2; k++) tau_j[k] = tau_m[k] - friction(qd[k]);
        xn_observer_step(o, m, dobs, q, qd, motor ? tau_m : tau_j, motor, 1e-3);
        if (n >= 300)
            for (int k = 0; k < 2; k++)
                worst = xt_max(worst, fabs(o->r[k] - (expect_friction ? -friction(qd[k]) : 0)));
        for (int s = 0; s < 10; s++) { /* semi-implicit Euler at 10 kHz, the motor torque held */
            for (int k = 0; k < 2; k++) tau_j[k] = tau_m[k] - friction(qd[k]);
            xn_dyn_aba(m, ds, q, qd, tau_j);
            for (int k = 0; k < 2; k++) {
                qd[k] += h * ds->qdd[k];
                q[k] += h * qd[k];
            }
        }
    }
    xn_observer_free(o);
    xn_data_free(ds);
    xn_data_free(dobs);
    xn_model_free(m);
    return worst;
}

int main(void) {
    double known = run(1, 1, 0), unknown = run(1, 0, 1), joint = run(0, 0, 0);
    printf("residual error: motor torque with the friction model %.3f N m, without it (against "
           "the friction) %.3f N m, joint torque %.3f N m; Coulomb level %.1f N m\n",
           known, unknown, joint, FC);
    XT_CHECK(known < 0.05 * FC, "friction known: residual %.3f N m", known);
    XT_CHECK(unknown < 0.1 * (FC + FV), "friction unknown: residual off the friction by %.3f N m",
             unknown);
    XT_CHECK(joint < 0.05 * FC, "joint torque: residual %.3f N m", joint);
    return xt_done("observer_friction");
}
