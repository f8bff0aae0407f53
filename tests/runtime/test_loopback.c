/* The loopback robot in torque mode follows the model's rigid-body dynamics: the torques that
 * inverse dynamics (RNEA) gives for an acceleration produce that acceleration, to 1e-9, with the
 * joints not commanded held; and its readings carry no torque it cannot measure.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

int main(void) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &err)) {
        XT_CHECK(0, "panda: %s", err.message);
        return xt_done("test_loopback");
    }
    const char *arm[7] = {"panda_joint1", "panda_joint2", "panda_joint3", "panda_joint4",
                          "panda_joint5", "panda_joint6", "panda_joint7"};
    double q0[9] = {0.1, -0.4, 0.2, -2.0, 0.1, 1.6, 0.7, 0.02, 0.02};
    xn_hal *hal = NULL;
    XT_CHECK(xn_loopback_open(m, q0, 1000000, arm, 7, &hal, &err) == XN_OK, "opens: %s",
             err.message);
    if (!hal) return xt_done("test_loopback");
    /* enable the drives */
    for (int k = 0; k < 20; k++) {
        xn_hal_read(hal);
        for (int i = 0; i < hal->njoint; i++) {
            xn_joint_command *c = &hal->command[i];
            c->controlword =
                xn_cia402_enable_step(xn_cia402_decode(hal->joint[i].statusword), c->controlword);
            c->mode = XN_MODE_CST;
            c->torque = 0;
        }
        xn_hal_write(hal);
    }
    xn_data *d = xn_data_create(m);
    double q[9], v[9], a[9] = {0}, worst = 0, held = 0;
    const double dt = 1e-3;
    for (int step = 0; step < 200; step++) {
        xn_hal_read(hal);
        for (int i = 0; i < 9; i++) q[i] = hal->joint[i].position, v[i] = hal->joint[i].velocity;
        for (int i = 0; i < 7; i++) a[i] = 3 * sin(0.05 * step + i); /* the fingers: held, 0 */
        xn_dyn_rnea(m, d, q, v, a);
        for (int i = 0; i < 7; i++) hal->command[i].torque = d->tau[i];
        xn_hal_write(hal);
        xn_hal_advance(hal);
        xn_hal_read(hal);
        for (int i = 0; i < 7; i++)
            worst = xt_max(worst, fabs((hal->joint[i].velocity - v[i]) / dt - a[i]));
        for (int i = 7; i < 9; i++) held = xt_max(held, fabs(hal->joint[i].position - q0[i]));
    }
    XT_CHECK(worst < 1e-9, "RNEA's torques give their acceleration: worst %.2g rad/s^2", worst);
    XT_CHECK(held == 0, "the fingers (not commanded) stay where they started: %.2g", held);
    /* zero torque: the arm moves as a free rigid body would (RNEA of the observed
     * acceleration gives zero torque), gravity pulling it */
    xn_hal_read(hal);
    for (int i = 0; i < 9; i++) q[i] = hal->joint[i].position, v[i] = hal->joint[i].velocity;
    for (int i = 0; i < 7; i++) hal->command[i].torque = 0;
    xn_hal_write(hal);
    xn_hal_advance(hal);
    xn_hal_read(hal);
    double acc = 0, resid = 0;
    for (int i = 0; i < 7; i++) {
        a[i] = (hal->joint[i].velocity - v[i]) / dt;
        acc = xt_max(acc, fabs(a[i]));
    }
    xn_dyn_rnea(m, d, q, v, a);
    for (int i = 0; i < 7; i++) resid = xt_max(resid, fabs(d->tau[i]));
    XT_CHECK(acc > 0.1 && resid < 1e-8,
             "free fall: %.2g rad/s^2, and it is the rigid body's (RNEA %.2g N m)", acc, resid);
    xn_data_free(d);
    xn_hal_close(hal);
    xn_model_free(m);
    return xt_done("test_loopback");
}
