/* Power and force limiting: the body-region table holds together; the transient-contact speed
 * limit and peak force invert each other and match the closed form; the effective mass
 * 1 / (u^T J M^-1 J^T u) matches the acceleration the forward dynamics (ABA, an independent
 * algorithm) gives a point pushed along u (within 1e-9); the monitor finds the points inside a
 * region and the scale that brings the fastest one exactly to its limit.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

static void table(void) {
    for (int r = 0; r < XN_BODY_COUNT; r++) {
        const xn_body_limits *b = xn_body_region_limits((xn_body_region)r);
        XT_CHECK(b && b->force_quasistatic > 0 && b->force_transient >= b->force_quasistatic &&
                     b->force_transient <= 2 * b->force_quasistatic && b->mass > 0 &&
                     b->stiffness > 0,
                 "region %d is consistent", r);
        XT_CHECK(xn_body_region_from_name(b->name) == r, "region %s by name", b->name);
    }
    XT_CHECK(!xn_body_region_limits(XN_BODY_COUNT) && xn_body_region_from_name("elbow") == -1,
             "unknown regions");
    const xn_body_limits *hand = xn_body_region_limits(XN_BODY_HAND);
    XT_CHECK(hand->force_transient == 280 && hand->stiffness == 75e3 && hand->mass == 0.6,
             "hand: 280 N, 75 N/mm, 0.6 kg");
    /* closed form: v = F / sqrt(mu k), mu = m_H m_R / (m_H + m_R) */
    double mr = 3, mu = 0.6 * 3 / 3.6;
    double v = xn_pfl_max_speed(hand, mr, 0);
    XT_CHECK(fabs(v - 280 / sqrt(mu * 75e3)) < 1e-12, "hand, 3 kg robot: %.4f m/s", v);
    XT_CHECK(fabs(xn_pfl_peak_force(hand, mr, v, 0) - 280) < 1e-9, "the peak force at that speed");
    XT_CHECK(fabs(xn_pfl_max_speed(hand, INFINITY, 0) - 280 / sqrt(0.6 * 75e3)) < 1e-12,
             "an infinitely heavy robot: mu = m_H");
    /* clamped: the robot's whole kinetic energy, the quasi-static limit */
    double vc = xn_pfl_max_speed(hand, mr, 1);
    XT_CHECK(fabs(vc - 140 / sqrt(3 * 75e3)) < 1e-12 &&
                 fabs(xn_pfl_peak_force(hand, mr, vc, 1) - 140) < 1e-9,
             "clamped hand, 3 kg robot: %.4f m/s", vc);
}

static void effective_mass(void) {
    xn_error err;
    xn_model *m = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err)) {
        XT_CHECK(0, "model: %s", err.message);
        return;
    }
    xn_data *d = xn_data_create(m);
    int nv = m->nv;
    double q[9] = {0.3, -0.3, 0.2, -2.2, 0.1, 1.9, 0.785, 0.02, 0.02}, zero[9] = {0};
    double *J = calloc(3 * (size_t)nv, sizeof(double)), *work = calloc((size_t)nv, sizeof(double));
    double *fext = calloc(6 * (size_t)m->nbody, sizeof(double)), tau[9];
    xn_dyn_crba(m, d, q);
    xn_dyn_factor(m, d);
    xn_dyn_joint_jacobians(m, d, q);
    double worst = 0;
    for (int b = 2; b < m->nbody; b++) {
        /* the body origin's Jacobian from the spatial axes at the world origin */
        const double *p = d->oMi[b].p;
        memset(J, 0, 3 * (size_t)nv * sizeof(double));
        for (int a = b; a > 0; a = m->body_parent[a])
            for (int k = m->body_vadr[a]; k < m->body_vadr[a] + m->body_nv[a]; k++) {
                const double *c = d->Jw;
                J[k] = c[k] + c[4 * nv + k] * p[2] - c[5 * nv + k] * p[1];
                J[nv + k] = c[nv + k] + c[5 * nv + k] * p[0] - c[3 * nv + k] * p[2];
                J[2 * nv + k] = c[2 * nv + k] + c[3 * nv + k] * p[1] - c[4 * nv + k] * p[0];
            }
        double u[3] = {0.6, -0.48, 0.64};
        double mr = xn_effective_mass(m, d, J, u, work);
        /* ABA: push the origin with 1 N along u from rest, gravity cancelled by tau = g: the
         * origin's acceleration along u is 1 / m_R */
        xn_dyn_gravity(m, d, q);
        memcpy(tau, d->g, sizeof tau);
        memset(fext, 0, 6 * (size_t)m->nbody * sizeof(double));
        const double *R = d->oMi[b].R; /* body to world: the force in body axes is R^T u */
        for (int r = 0; r < 3; r++)
            fext[6 * b + r] = R[r] * u[0] + R[3 + r] * u[1] + R[6 + r] * u[2];
        xn_dyn_aba_ext(m, d, q, zero, tau, fext);
        double acc = 0;
        for (int k = 0; k < nv; k++)
            acc += (u[0] * J[k] + u[1] * J[nv + k] + u[2] * J[2 * nv + k]) * d->qdd[k];
        /* a point that cannot move along u has an infinite effective mass and no acceleration
         * (body 2's origin lies on the axes of joints 1 and 2: it cannot move at all); this
         * compared inf x 0 = NaN, which fmax dropped unseen */
        double e = isinf(mr) ? (fabs(acc) < 1e-12 ? 0 : INFINITY) : fabs(mr * acc - 1);
        worst = xt_max(worst, e);
        xn_dyn_crba(m, d, q); /* ABA left M alone, but keep the factor honest */
        xn_dyn_factor(m, d);
        xn_dyn_joint_jacobians(m, d, q);
    }
    XT_CHECK(worst < 1e-9, "effective mass vs ABA: worst relative error %.1e", worst);
    printf("effective mass vs the forward dynamics: worst relative error %.1e\n", worst);
    /* a direction the point cannot move in: infinite */
    double u[3] = {0, 0, 1};
    memset(J, 0, 3 * (size_t)nv * sizeof(double));
    J[0] = 1;
    XT_CHECK(isinf(xn_effective_mass(m, d, J, u, work)), "immovable direction");
    free(J);
    free(work);
    free(fext);
    xn_data_free(d);
    xn_model_free(m);
}

static void monitor(void) {
    xn_error err;
    xn_model *m = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err)) return;
    xn_data *d = xn_data_create(m);
    unsigned char moving[9] = {1, 1, 1, 1, 1, 1, 1, 0, 0};
    int flange = xn_model_frame_id(m, "flange");
    double tcp[3] = {0, 0, 0.1034};
    xn_pfl *p = NULL;
    XT_CHECK(xn_pfl_create(m, moving, m->nframe, tcp, &p, &err) == XN_ERR_NOT_FOUND && !p &&
                 strstr(err.message, "tool_frame"),
             "a frame the model does not have: %s", err.message);
    xn_pfl_create(m, moving, flange, tcp, &p, NULL);
    double q[9] = {0, -0.3, 0, -2.2, 0, 1.9, 0.785, 0.04, 0.04};
    double qd[9] = {0.4, 0.3, 0, 0.5, 0, 0.2, 0, 0, 0};
    xn_pfl_check ck;
    XT_CHECK(xn_pfl_check_motion(p, m, d, q, qd, &ck) == 0 && ck.scale == 1 && ck.point == -1,
             "no region: nothing to limit");
    /* a region around the tool point */
    xn_se3 F;
    xn_dyn_fk(m, d, q);
    xn_dyn_frame_placement(m, d, flange, &F);
    double c[3];
    for (int r = 0; r < 3; r++) c[r] = F.p[r] + F.R[3 * r + 2] * 0.1034;
    XT_CHECK(xn_pfl_add_region(p, XN_BODY_FACE, c, 0.12, 0, NULL) == XN_OK, "add a region");
    XT_CHECK(xn_pfl_add_region(p, XN_BODY_HAND, c, -1, 0, &err) == XN_ERR_RANGE &&
                 strcmp(err.file, "xn_pfl_add_region") == 0 && strstr(err.message, "radius -1"),
             "a negative radius is refused: %s", err.message);
    int inside = xn_pfl_check_motion(p, m, d, q, qd, &ck);
    XT_CHECK(inside >= 2 && ck.scale < 1 && ck.point >= 0 && ck.region == 0 &&
                 fabs(ck.scale - ck.allowed / ck.speed) < 1e-12,
             "inside: %d points, scale %.3f set by %s (%.3f m/s, allowed %.3f, %.2f kg)", inside,
             ck.scale, xn_pfl_point_name(p, m, ck.point), ck.speed, ck.allowed, ck.eff_mass);
    printf("face region at the tool: %d points inside, %s at %.3f m/s allowed %.3f (robot %.2f "
           "kg), scale %.3f\n",
           inside, xn_pfl_point_name(p, m, ck.point), ck.speed, ck.allowed, ck.eff_mass, ck.scale);
    /* scaled by it, the limiting point moves exactly at its limit and nothing is over */
    double s = ck.scale, qs[9];
    for (int k = 0; k < 9; k++) qs[k] = qd[k] * s;
    xn_pfl_check ck2;
    xn_pfl_check_motion(p, m, d, q, qs, &ck2);
    XT_CHECK(fabs(ck2.scale - 1) < 1e-9 && fabs(ck2.speed - ck2.allowed) < 1e-9,
             "scaled: at the limit (scale %.12f)", ck2.scale);
    xn_pfl_clear_regions(p);
    XT_CHECK(xn_pfl_nregions(p) == 0, "cleared");
    /* the collaborative tool-speed limit: the tool point anywhere */
    xn_pfl_set_tool_speed_limit(p, 0.1);
    xn_pfl_check_motion(p, m, d, q, qd, &ck);
    XT_CHECK(ck.region == -1 && strcmp(xn_pfl_point_name(p, m, ck.point), "tool") == 0 &&
                 ck.allowed == 0.1 && fabs(ck.scale - 0.1 / ck.speed) < 1e-12,
             "tool speed limit: %s at %.3f m/s, scale %.3f", xn_pfl_point_name(p, m, ck.point),
             ck.speed, ck.scale);
    xn_pfl_set_tool_speed_limit(p, 0);
    XT_CHECK(!xn_pfl_active(p), "nothing left to check");
    xn_pfl_free(p);
    xn_data_free(d);
    xn_model_free(m);
}

int main(void) {
    table();
    effective_mass();
    monitor();
    return xt_done("test_safety");
}
