/* The whole-body controller's QP on the 29-DoF G1 standing in its knees_bent pose: at rest with
 * targets where it is, the solution accelerates nothing, the feet carry the robot's weight
 * inside their friction pyramids, and the torques agree with the recursive Newton-Euler
 * algorithm fed the solved contact forces (an independent computation: its six base rows
 * vanish and its joint rows equal the torques, within 1e-6 N m). A CoM target ahead of the CoM
 * accelerates the CoM toward it. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "g1_wbc.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define G1 G1_SCENE

static const double knees_bent[36] = {
    0, 0, 0.755, 1,   0,    0, 0, -0.312, 0, 0, 0.669, -0.363, 0, -0.312, 0, 0, 0.669, -0.363, 0,
    0, 0, 0.073, 0.2, 0.22, 0, 1, 0,      0, 0, 0.2,   -0.22,  0, 1,      0, 0, 0};

/* d->tau = RNEA(q, v, qdd) with the corner forces (8 x 3, world) as external forces: an
 * independent evaluation of the torques a whole-body solution implies. */
static void rnea_with_forces(const xn_model *m, xn_data *d, const xn_wbc_config *cfg,
                             const double *q, const double *v, const double *qdd,
                             const double *force) {
    double *fext = calloc(6 * (size_t)m->nbody, sizeof(double));
    for (int f = 0; f < 2; f++) {
        int fr = cfg->contact[f].frame, b = m->frame_body[fr];
        xn_se3 S, Bd;
        xn_dyn_fk(m, d, q);
        xn_dyn_frame_placement(m, d, fr, &S);
        Bd = d->oMi[b];
        for (int k = 0; k < 4; k++) {
            const double *f3 = &force[3 * (4 * f + k)];
            double pw[3], r[3], mom[3];
            for (int a = 0; a < 3; a++)
                pw[a] = S.p[a] + S.R[3 * a] * cfg->contact[f].corner[k][0] +
                        S.R[3 * a + 1] * cfg->contact[f].corner[k][1] +
                        S.R[3 * a + 2] * cfg->contact[f].corner[k][2];
            for (int a = 0; a < 3; a++) r[a] = pw[a] - Bd.p[a];
            mom[0] = r[1] * f3[2] - r[2] * f3[1];
            mom[1] = r[2] * f3[0] - r[0] * f3[2];
            mom[2] = r[0] * f3[1] - r[1] * f3[0];
            for (int a = 0; a < 3; a++) { /* into the body's axes */
                fext[6 * b + a] += Bd.R[a] * f3[0] + Bd.R[3 + a] * f3[1] + Bd.R[6 + a] * f3[2];
                fext[6 * b + 3 + a] +=
                    Bd.R[a] * mom[0] + Bd.R[3 + a] * mom[1] + Bd.R[6 + a] * mom[2];
            }
        }
    }
    xn_dyn_rnea_ext(m, d, q, v, qdd, fext);
    free(fext);
}

/* The iteration budget: a solve given one iteration cannot finish. With no earlier solution it
 * fails; after one, that solution stands in, and the torques are those of RNEA at the new state
 * with the old accelerations and forces. */
static void budget_fallback(const xn_model *m, xn_data *d, const xn_wbc_config *cfg,
                            const double *q) {
    xn_wbc_config tight = *cfg;
    tight.max_iterations = 1;
    xn_wbc *fresh = g1_wbc_new(m, &tight), *w = g1_wbc_new(m, cfg);
    xn_wbc_targets t;
    xn_wbc_targets_init(w, q, &t);
    t.posture = q;
    t.com[0] += 0.2; /* 20 m/s^2 forward: the friction pyramids bind, the QP must iterate */
    double v[35] = {0}, tau[35];
    xn_wbc_result r0, r1, r2;
    xn_status s0 = xn_wbc_solve(fresh, q, v, &t, NULL, tau, &r0);
    XT_CHECK(s0 == XN_ERR_ITERATIONS && r0.status == XN_ERR_ITERATIONS && !r0.fallback,
             "a budget of 1 iteration and no earlier solution: no torques (%s)",
             xn_status_str(r0.status));
    xn_status s1 = xn_wbc_solve(w, q, v, &t, NULL, tau, &r1);
    double qdd[35], force[24];
    memcpy(qdd, r1.qdd, sizeof qdd);
    memcpy(force, r1.force, sizeof force);
    /* a new state: knees and hips moved, the base turning */
    double q2[36];
    memcpy(q2, q, sizeof q2);
    for (int k = 7; k < 36; k++) q2[k] += 0.02 * sin(k);
    for (int k = 0; k < 35; k++) v[k] = 0.3 * cos(k);
    xn_wbc_set_max_iterations(w, 1);
    xn_status s2 = xn_wbc_solve(w, q2, v, &t, NULL, tau, &r2);
    double same = 0;
    for (int k = 0; k < 35; k++) same = xt_max(same, fabs(r2.qdd[k] - qdd[k]));
    for (int k = 0; k < 24; k++) same = xt_max(same, fabs(r2.force[k] - force[k]));
    rnea_with_forces(m, d, cfg, q2, v, qdd, force);
    double joints = 0;
    int clamped = 0;
    for (int k = 6; k < 35; k++) { /* RNEA's torques, held to the limits */
        double lim = m->dof_effort[k], want = fmin(fmax(d->tau[k], -lim), lim);
        clamped += want != d->tau[k];
        joints = xt_max(joints, fabs(want - tau[k]));
    }
    XT_CHECK(s1 == XN_OK && s2 == XN_OK && r2.fallback && same == 0 && joints < 1e-6,
             "the budget ran out: the last solution stood in (fallback %d, differs by %.1e), its "
             "torques at the new state match RNEA to %.1e N m (%d held to their limits)",
             r2.fallback, same, joints, clamped);
    xn_wbc_set_max_iterations(w, 0); /* no limit: solved again */
    xn_status s3 = xn_wbc_solve(w, q2, v, &t, NULL, tau, &r2);
    XT_CHECK(s3 == XN_OK && !r2.fallback && r2.status == XN_OK,
             "without a limit the same state is solved");
    xn_wbc_free(fresh);
    xn_wbc_free(w);
}

int main(void) {
    xn_error err;
    xn_model *m = NULL;
    if (xn_load_model(G1, NULL, &m, &err)) {
        XT_CHECK(0, "model: %s", err.message);
        return xt_done("test_wbc");
    }
    xn_wbc_config cfg;
    g1_wbc_config(m, &cfg);
    XT_CHECK(cfg.contact[0].frame >= 0 && cfg.contact[1].frame >= 0 && m->nv == 35,
             "the G1: 35 DoFs, foot frames");
    xn_wbc *w = g1_wbc_new(m, &cfg);
    xn_data *d = xn_data_create(m);
    double q[36], v[35] = {0}, tau[35];
    memcpy(q, knees_bent, sizeof q);
    /* stand the feet on the floor: lower the robot until the soles are at z = 0 */
    xn_se3 F;
    xn_dyn_fk(m, d, q);
    xn_dyn_frame_placement(m, d, cfg.contact[0].frame, &F);
    q[2] -= F.p[2];
    xn_wbc_targets t;
    xn_wbc_targets_init(w, q, &t);
    t.posture = q;
    xn_wbc_result res;
    xt_allocs = 0;
    xt_counting = 1;
    xn_status st = xn_wbc_solve(w, q, v, &t, NULL, tau, &res);
    xt_counting = 0;
    XT_CHECK(st == XN_OK, "solved: %s", xn_status_str(res.status));
    XT_CHECK(xt_allocs == 0, "%ld allocations in a solve", xt_allocs);
    double weight = 0;
    for (int b = 1; b < m->nbody; b++) weight += m->body_inertia[b].m * 9.81;
    double amax = 0;
    for (int k = 0; k < 35; k++) amax = xt_max(amax, fabs(res.qdd[k]));
    XT_CHECK(fabs(res.normal_total - weight) < 1e-4 * weight && amax < 1e-3,
             "at rest: the feet carry the weight, %.4f N (m g = %.4f N), |qdd| <= %.1e",
             res.normal_total, weight, amax);
    int in_cone = 1;
    for (int p = 0; p < 8; p++) {
        const double *f = &res.force[3 * p];
        in_cone &= f[2] >= 1 - 1e-9 && fabs(f[0]) <= 0.8 / sqrt(2) * f[2] + 1e-9 &&
                   fabs(f[1]) <= 0.8 / sqrt(2) * f[2] + 1e-9;
    }
    XT_CHECK(in_cone, "every corner force inside its friction pyramid, normal >= 1 N");
    /* RNEA with the solved forces as external forces: the base rows vanish, the joint rows are
     * the torques */
    double qdd[35];
    memcpy(qdd, res.qdd, sizeof qdd);
    rnea_with_forces(m, d, &cfg, q, v, qdd, res.force);
    double base = 0, joints = 0;
    for (int k = 0; k < 6; k++) base = xt_max(base, fabs(d->tau[k]));
    for (int k = 6; k < 35; k++) joints = xt_max(joints, fabs(d->tau[k] - tau[k]));
    XT_CHECK(base < 1e-6 && joints < 1e-6,
             "RNEA with the solved forces: base rows %.1e, joint torques differ by %.1e", base,
             joints);
    printf("G1 standing (knees bent): %d iterations, feet carry %.2f N of %.2f N; RNEA check: "
           "base %.1e, joints %.1e N m\n",
           res.iterations, res.normal_total, weight, base, joints);
    /* a CoM target 3 cm ahead: the CoM accelerates forward */
    t.com[0] += 0.03;
    st = xn_wbc_solve(w, q, v, &t, NULL, tau, &res);
    double fx = 0;
    for (int p = 0; p < 8; p++) fx += res.force[3 * p];
    XT_CHECK(st == XN_OK && fx > 0.5 * 33.34 * 100 * 0.03 * 0.5,
             "a CoM target ahead: the feet push the robot forward with %.1f N", fx);
    t.com[0] -= 0.03;
    /* a swing foot: lifting the left foot 5 cm, its acceleration points up, its forces are zero
     * and the right foot carries the weight */
    unsigned char stance[2] = {0, 1};
    t.foot_position[0][2] += 0.05;
    st = xn_wbc_solve(w, q, v, &t, stance, tau, &res);
    double left = 0, right = 0;
    for (int k = 0; k < 4; k++)
        left += fabs(res.force[3 * k + 2]), right += res.force[12 + 3 * k + 2];
    double Jdd = 0; /* the left sole's vertical acceleration, J qdd (v = 0: no drift) */
    {
        double *J = calloc(6 * 35, sizeof(double));
        xn_dyn_frame_jacobian_at(m, d, q, cfg.contact[0].frame, XN_LOCAL_WORLD_ALIGNED, J);
        for (int k = 0; k < 35; k++) Jdd += J[2 * 35 + k] * res.qdd[k];
        free(J);
    }
    XT_CHECK(st == XN_OK && left < 1e-6 && fabs(right - weight) < 0.05 * weight && Jdd > 5,
             "left foot swinging: no force on it (%.2g N), the right carries %.1f N, the left "
             "sole accelerates up at %.1f m/s^2",
             left, right, Jdd);
    t.foot_position[0][2] -= 0.05;
    /* infeasible constraints: the left elbow (a fault, a bad estimate) rushing at 150 rad/s
     * toward its limit 1.1 rad away, which only 5000 rad/s^2 of braking keeps it from passing
     * within 50 ms: far beyond its torque. The QP relaxes in its stated order (the joint-limit
     * bounds first) and still answers, saying so; with 1 N m for every joint as well, it drops
     * the torque limits too */
    double vk[35], tiny[35];
    memcpy(vk, v, sizeof vk);
    int elbow = m->body_vadr[m->frame_body[xn_model_frame_id(m, "left_elbow_link")]];
    vk[elbow] = 150;
    /* with the default budget the cycle stops within it: solving the relaxed problem from
     * this far off takes more, and the last solution stands in, held to the torque limits */
    st = xn_wbc_solve(w, q, vk, &t, NULL, tau, &res);
    int finite = 1, within = 1;
    for (int k = 0; k < 35; k++) finite &= isfinite(tau[k]);
    for (int k = 6; k < 35; k++) within &= fabs(tau[k]) <= m->dof_effort[k] * (1 + 1e-9);
    XT_CHECK(st == XN_OK && res.fallback && res.iterations <= XN_WBC_DEFAULT_ITERATIONS && finite &&
                 within,
             "infeasible, default budget: %d iterations, the fallback (%d) within the torque "
             "limits",
             res.iterations, res.fallback);
    xn_wbc_set_max_iterations(w, 0);
    st = xn_wbc_solve(w, q, vk, &t, NULL, tau, &res);
    finite = 1, within = 1;
    for (int k = 0; k < 35; k++) finite &= isfinite(tau[k]);
    for (int k = 6; k < 35; k++) within &= fabs(tau[k]) <= m->dof_effort[k] * (1 + 1e-9);
    XT_CHECK(st == XN_OK && res.relaxed == 1 && !res.fallback && finite && within,
             "no budget: the joint-limit bounds dropped (level %d), the torque limits kept",
             res.relaxed);
    xn_wbc_set_max_iterations(w, XN_WBC_DEFAULT_ITERATIONS);
    xn_wbc_config weak = cfg;
    for (int k = 0; k < 35; k++) tiny[k] = 1;
    weak.torque_max = tiny;
    weak.max_iterations = 0; /* proving 1 N m infeasible takes more than the default budget */
    xn_wbc *ww = g1_wbc_new(m, &weak);
    st = xn_wbc_solve(ww, q, vk, &t, NULL, tau, &res);
    finite = 1;
    for (int k = 0; k < 35; k++) finite &= isfinite(tau[k]);
    XT_CHECK(st == XN_OK && res.relaxed == 2 && finite,
             "and with 1 N m limits: those dropped too (level %d), a finite solution", res.relaxed);
    xn_wbc_free(ww);
    /* a braking deceleration: the left elbow moving at 9 rad/s toward its upper limit, 1.1 rad
     * away, with the posture pulling it past the limit. The limit horizon alone lets it go on
     * accelerating (it would pass nothing within 50 ms); braked at a = 20 rad/s^2 its speed may
     * be at most sqrt(2 a d) = 6.6 rad/s there, to be regained within brake_time 10 ms, so
     * qdd <= (6.6 - 9) / 0.01 = -237 rad/s^2 */
    {
        double brake[35] = {0}, pull[36], vb[35];
        memcpy(pull, q, sizeof pull);
        memcpy(vb, v, sizeof vb);
        int eb = m->frame_body[xn_model_frame_id(m, "left_elbow_link")];
        int eq = m->body_qadr[eb];
        pull[eq] = m->q_upper[eq] + 2;
        vb[elbow] = 9;
        brake[elbow] = 20;
        xn_wbc_targets tb = t;
        tb.posture = pull;
        xn_wbc_result r0, r1;
        xn_status s0 = xn_wbc_solve(w, q, vb, &tb, NULL, tau, &r0);
        double free_qdd = r0.qdd[elbow];
        xn_wbc_config bc = cfg;
        bc.brake_accel = brake;
        xn_wbc *wb = g1_wbc_new(m, &bc);
        xt_allocs = 0;
        xt_counting = 1;
        xn_status s1 = wb ? xn_wbc_solve(wb, q, vb, &tb, NULL, tau, &r1) : XN_ERR_NUMERIC;
        xt_counting = 0;
        double bound = (sqrt(2 * 20 * (m->q_upper[eq] - q[eq])) - 9) / 0.01;
        XT_CHECK(s0 == XN_OK && s1 == XN_OK && r1.relaxed == 0 && free_qdd > 0 &&
                     r1.qdd[elbow] <= bound + 1e-6 && xt_allocs == 0,
                 "braked: the elbow accelerates at %.1f rad/s^2 toward its limit unbraked, at "
                 "%.1f (bound %.1f) braked, the bounds kept, %ld allocations",
                 free_qdd, s1 == XN_OK ? r1.qdd[elbow] : NAN, bound, xt_allocs);
        xn_wbc_free(wb);
        /* refused: a negative or non-finite deceleration, a brake time that is not positive */
        xn_wbc *bad = NULL;
        xn_error err;
        brake[elbow] = -1;
        xn_status c1 = xn_wbc_create(m, &bc, &bad, &err);
        int named1 = strstr(err.message, "brake_accel[") != NULL;
        brake[elbow] = NAN;
        xn_status c2 = xn_wbc_create(m, &bc, &bad, &err);
        int named2 = strstr(err.message, "brake_accel[") != NULL;
        brake[elbow] = 20;
        bc.brake_time = 0;
        xn_status c3 = xn_wbc_create(m, &bc, &bad, &err);
        int named3 = strstr(err.message, "brake_time") != NULL;
        XT_CHECK(c1 == XN_ERR_RANGE && c2 == XN_ERR_RANGE && c3 == XN_ERR_RANGE && !bad && named1 &&
                     named2 && named3,
                 "create refuses a braking deceleration of -1 or NaN and a brake time of 0, "
                 "naming each (%d %d %d; last: %s)",
                 c1, c2, c3, err.message);
        bc.brake_time = cfg.brake_time;
        bc.contact[1].frame = m->nframe;
        xn_status c4 = xn_wbc_create(m, &bc, &bad, &err);
        XT_CHECK(c4 == XN_ERR_RANGE && strstr(err.message, "contact[1].frame"),
                 "a contact frame out of range is named: %s", err.message);
    }
    budget_fallback(m, d, &cfg, q);
    xn_data_free(d);
    xn_wbc_free(w);
    xn_model_free(m);
    return xt_done("test_wbc");
}
