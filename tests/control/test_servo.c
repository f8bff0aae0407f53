/* The joint servo's three laws on a double pendulum, against its closed-form dynamics
 * (model/double_pendulum.h), not against the library's own RNEA:
 *  - computed torque: tau = M (a_ref + kp e + kd de) + C + G (1e-10 relative)
 *  - PD + gravity: tau = kp e + kd de + G; at rest on the reference, exactly the gravity torque
 *  - PID: tau = kp e + kd de + ki ie, the integral summed over the calls and held at i_limit
 *  - the torque limit clips and is counted; an inactive DoF gets no torque
 *  - xn_servo_tune: kp = omega^2, kd = 2 omega, scaled by M's diagonal for the torque laws
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "model/double_pendulum.h"

static unsigned seed = 11;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}

static double rel(double a, double b) { return fabs(a - b) / (fabs(b) > 1 ? fabs(b) : 1); }

static void laws(void) {
    const dp_params *p = &dp_default;
    xn_model *m = dp_build(p);
    if (!m) return;
    xn_data *d = xn_data_create(m);
    xn_servo *s;
    xn_servo_create(m, &s, NULL);
    XT_CHECK(s && s->nv == 2 && s->law == XN_SERVO_COMPUTED_TORQUE, "servo created");
    if (!s) return;
    for (int k = 0; k < 2; k++) s->tau_max[k] = INFINITY;
    double e_ct = 0, e_pd = 0, e_pid = 0, e_rest = 0;
    for (int c = 0; c < 50; c++) {
        double q[2], v[2], qr[2], vr[2], ar[2], tau[2], M[4], C[2], G[2], kp[2], kd[2];
        for (int k = 0; k < 2; k++) {
            q[k] = urand(-2, 2);
            v[k] = urand(-3, 3);
            qr[k] = q[k] + urand(-0.2, 0.2);
            vr[k] = v[k] + urand(-0.5, 0.5);
            ar[k] = urand(-5, 5);
            kp[k] = s->kp[k] = urand(10, 500);
            kd[k] = s->kd[k] = urand(1, 50);
            s->ki[k] = 0;
        }
        dp_dynamics(p, q, v, M, C, G);
        double u[2];
        for (int k = 0; k < 2; k++) u[k] = kp[k] * (qr[k] - q[k]) + kd[k] * (vr[k] - v[k]);

        s->law = XN_SERVO_COMPUTED_TORQUE;
        xn_servo_compute(s, m, d, q, v, qr, vr, ar, 0.001, tau);
        for (int i = 0; i < 2; i++) {
            double ref = C[i] + G[i];
            for (int j = 0; j < 2; j++) ref += M[2 * i + j] * (ar[j] + u[j]);
            e_ct = xt_max(e_ct, rel(tau[i], ref));
        }

        s->law = XN_SERVO_PD_GRAVITY;
        xn_servo_compute(s, m, d, q, v, qr, vr, ar, 0.001, tau);
        for (int i = 0; i < 2; i++) e_pd = xt_max(e_pd, rel(tau[i], u[i] + G[i]));
        /* on the reference, at rest: the gravity torque alone */
        double zero[2] = {0, 0};
        xn_servo_compute(s, m, d, q, zero, q, zero, NULL, 0.001, tau);
        dp_dynamics(p, q, zero, M, C, G);
        for (int i = 0; i < 2; i++) e_rest = xt_max(e_rest, fabs(tau[i] - G[i]));

        s->law = XN_SERVO_PID;
        xn_servo_compute(s, m, d, q, v, qr, vr, ar, 0.001, tau);
        for (int i = 0; i < 2; i++) e_pid = xt_max(e_pid, rel(tau[i], u[i]));
    }
    printf("servo laws vs closed form: computed torque %.1e, PD+gravity %.1e (at rest %.1e), "
           "PID %.1e\n",
           e_ct, e_pd, e_rest, e_pid);
    XT_CHECK(e_ct < 1e-10, "computed torque vs closed form %g", e_ct);
    XT_CHECK(e_pd < 1e-10, "PD + gravity vs closed form %g", e_pd);
    XT_CHECK(e_rest < 1e-10, "PD + gravity at rest on the reference: %g from the gravity torque",
             e_rest);
    XT_CHECK(e_pid < 1e-12, "PID vs its formula %g", e_pid);

    /* the integral: a constant error of 0.01 rad for 100 calls of 1 ms, then held at i_limit */
    s->law = XN_SERVO_PID;
    xn_servo_reset(s);
    double q[2] = {0.3, -0.2}, qr[2] = {0.31, -0.19}, zero[2] = {0, 0}, tau[2];
    for (int k = 0; k < 2; k++) {
        s->kp[k] = s->kd[k] = 0;
        s->ki[k] = 100;
        s->i_limit[k] = 1e9;
    }
    for (int n = 0; n < 100; n++) xn_servo_compute(s, m, d, q, zero, qr, zero, NULL, 0.001, tau);
    XT_CHECK(fabs(tau[0] - 100 * 0.01 * 0.1) < 1e-12 && fabs(s->integral[0] - 0.001) < 1e-14,
             "integral after 0.1 s of 0.01 rad: tau %g (expected 0.1), ie %g", tau[0],
             s->integral[0]);
    s->i_limit[0] = 0.05;
    for (int n = 0; n < 100; n++) xn_servo_compute(s, m, d, q, zero, qr, zero, NULL, 0.001, tau);
    XT_CHECK(fabs(tau[0] - 0.05) < 1e-12 && fabs(s->ki[0] * s->integral[0] - 0.05) < 1e-12,
             "anti-windup: tau %g, ki ie %g (limit 0.05)", tau[0], s->ki[0] * s->integral[0]);
    xn_servo_reset(s);
    XT_CHECK(s->integral[0] == 0 && s->integral[1] == 0, "reset zeroes the integral");

    /* the torque limit, and an inactive DoF */
    s->law = XN_SERVO_PD_GRAVITY;
    for (int k = 0; k < 2; k++) {
        s->kp[k] = 1000;
        s->kd[k] = s->ki[k] = 0;
        s->tau_max[k] = 2;
    }
    double far[2] = {1.3, -1.0};
    int clipped = xn_servo_compute(s, m, d, q, zero, far, zero, NULL, 0.001, tau);
    XT_CHECK(clipped == 2 && tau[0] == 2 && tau[1] == -2, "clipped %d: tau %g %g (limit 2)",
             clipped, tau[0], tau[1]);
    s->active[1] = 0;
    clipped = xn_servo_compute(s, m, d, q, zero, far, zero, NULL, 0.001, tau);
    XT_CHECK(clipped == 1 && tau[1] == 0, "inactive DoF: tau %g, clipped %d", tau[1], clipped);
    s->active[1] = 1;

    /* tuning: the computed-torque gains are the error dynamics', the torque laws' are scaled by
     * each joint's own inertia (closed-form M's diagonal) */
    double M[4], C[2], G[2];
    dp_dynamics(p, q, zero, M, C, G);
    s->law = XN_SERVO_COMPUTED_TORQUE;
    xn_servo_tune(s, m, d, q, 20);
    XT_CHECK(fabs(s->kp[0] - 400) < 1e-12 && fabs(s->kd[1] - 40) < 1e-12,
             "computed torque tuned: kp %g kd %g", s->kp[0], s->kd[1]);
    s->law = XN_SERVO_PD_GRAVITY;
    xn_servo_tune(s, m, d, q, 20);
    XT_CHECK(rel(s->kp[0], 400 * M[0]) < 1e-12 && rel(s->kd[1], 40 * M[3]) < 1e-12,
             "PD tuned: kp %g (expected %g), kd %g (expected %g)", s->kp[0], 400 * M[0], s->kd[1],
             40 * M[3]);
    xn_servo_free(s);
    xn_data_free(d);
    xn_model_free(m);
}

int main(void) {
    laws();
    return xt_done("servo");
}
