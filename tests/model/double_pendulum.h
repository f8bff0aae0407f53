/* A double pendulum swinging about y, built in code, and its closed-form dynamics: the
 * independent reference of test_builder (the rigid-body algorithms) and test_servo (the control
 * laws). Link i: mass mi, centre of mass lci below its joint, inertia Ii about y at the centre of
 * mass; the elbow l1 below the shoulder; q = 0 hangs straight down. A frame "tip" 0.7 m below the
 * elbow. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_TEST_DOUBLE_PENDULUM_H
#define XN_TEST_DOUBLE_PENDULUM_H

#include <math.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

typedef struct {
    double m1, m2, l1, lc1, lc2, I1, I2, g;
} dp_params;

static const dp_params dp_default = {2, 1.5, 0.8, 0.35, 0.4, 0.05, 0.03, 9.81};

static inline xn_model *dp_build(const dp_params *p) {
    xn_builder *b = xn_builder_create();
    xn_real c1[3] = {0, 0, -p->lc1}, c2[3] = {0, 0, -p->lc2};
    xn_real J1[6] = {0.01, p->I1, 0.02, 0, 0, 0}, J2[6] = {0.03, p->I2, 0.01, 0, 0, 0};
    int a, c;
    xn_builder_add_link(b, "upper", p->m1, c1, J1, &a, NULL);
    xn_builder_add_link(b, "lower", p->m2, c2, J2, &c, NULL);
    xn_se3 X;
    xn_se3_identity(&X);
    xn_joint_spec s = xn_joint_spec_default(XN_JOINT_REVOLUTE);
    s.axis[0] = 0;
    s.axis[1] = 1;
    s.axis[2] = 0;
    xn_builder_add_joint(b, "shoulder", 0, a, &X, &s, NULL, NULL);
    X.p[2] = -p->l1;
    xn_builder_add_joint(b, "elbow", a, c, &X, &s, NULL, NULL);
    xn_se3 T;
    xn_se3_identity(&T);
    T.p[2] = -0.7;
    xn_builder_add_frame(b, "tip", c, &T, NULL, NULL);
    xn_model *m = NULL;
    xn_error err;
    XT_CHECK(xn_builder_compile(b, &m, &err) == XN_OK, "compile: %s", err.message);
    xn_builder_free(b);
    return m;
}

/* M (2x2, row-major), the Coriolis and centrifugal torques C and gravity G at (q, v). */
static inline void dp_dynamics(const dp_params *p, const double q[2], const double v[2],
                               double M[4], double C[2], double G[2]) {
    double c2 = cos(q[1]), s2 = sin(q[1]);
    M[0] = p->I1 + p->I2 + p->m1 * p->lc1 * p->lc1 +
           p->m2 * (p->l1 * p->l1 + p->lc2 * p->lc2 + 2 * p->l1 * p->lc2 * c2);
    M[1] = M[2] = p->I2 + p->m2 * (p->lc2 * p->lc2 + p->l1 * p->lc2 * c2);
    M[3] = p->I2 + p->m2 * p->lc2 * p->lc2;
    double h = p->m2 * p->l1 * p->lc2 * s2;
    G[0] = p->m1 * p->g * p->lc1 * sin(q[0]) +
           p->m2 * p->g * (p->l1 * sin(q[0]) + p->lc2 * sin(q[0] + q[1]));
    G[1] = p->m2 * p->g * p->lc2 * sin(q[0] + q[1]);
    C[0] = -h * (2 * v[0] * v[1] + v[1] * v[1]);
    C[1] = h * v[0] * v[0];
}

#endif
