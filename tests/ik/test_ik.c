/* Inverse kinematics: closed-form UR solutions reproduce the pose by forward kinematics to 1e-9
 * and include the configuration the pose came from; the numerical solver converges from nearby
 * and from random starts, keeps the joint limits, and its velocity form stays bounded at a
 * singularity. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define PI 3.14159265358979323846

static unsigned long rng = 12345;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

static void pose_error(const xn_se3 *a, const xn_se3 *b, double *ep, double *er) {
    double dp = 0, Re[9], w[3];
    for (int i = 0; i < 3; i++) dp += (a->p[i] - b->p[i]) * (a->p[i] - b->p[i]);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            Re[3 * r + c] = a->R[3 * r] * b->R[3 * c] + a->R[3 * r + 1] * b->R[3 * c + 1] +
                            a->R[3 * r + 2] * b->R[3 * c + 2];
    xn_rot_log(Re, w);
    *ep = sqrt(dp);
    *er = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
}

static void frame_pose(const xn_model *m, xn_data *d, const double *q, int f, xn_se3 *X) {
    xn_dyn_fk(m, d, q);
    xn_dyn_frame_placement(m, d, f, X);
}

static void rot_log(void) {
    /* log inverts Rodrigues at every angle, including 0 and pi (within 1e-15 relative) */
    double worst = 0;
    for (int k = 0; k < 2000; k++) {
        double a[3] = {urand() - 0.5, urand() - 0.5, urand() - 0.5}, n = 0;
        for (int i = 0; i < 3; i++) n += a[i] * a[i];
        n = sqrt(n);
        for (int i = 0; i < 3; i++) a[i] /= n;
        double angle =
            k < 500 ? PI * (1 - 1e-12 * urand()) : (k < 1000 ? 1e-9 * urand() : PI * urand());
        double R[9], w[3];
        xn_rot_axis_angle(a, angle, R);
        xn_rot_log(R, w);
        for (int i = 0; i < 3; i++) worst = xt_max(worst, fabs(w[i] - angle * a[i]));
    }
    XT_CHECK(worst < 1e-9, "rotation log vs axis*angle: %.2e", worst);
}

static void ur_closed_form(void) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/ur5_robot.urdf", NULL, &m, &err);
    XT_CHECK(m != NULL, "UR5: %s", err.message);
    if (!m) return;
    int f = xn_model_frame_id(m, "tool0");
    xn_ik_ur ur;
    XT_CHECK(xn_ik_ur_init(m, f, &ur, &err) == XN_OK, "UR structure: %s", err.message);
    xn_data *d = xn_data_create(m);
    double worst = 0, q[6], sol[8][6];
    int found_all = 0, eight = 0, trials = 2000;
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < 6; i++) q[i] = (2 * urand() - 1) * PI;
        xn_se3 target, X;
        frame_pose(m, d, q, f, &target);
        int n = xn_ik_ur_solve(&ur, &target, sol, NULL);
        eight += n == 8;
        int has_original = 0;
        for (int s = 0; s < n; s++) {
            double ep, er;
            frame_pose(m, d, sol[s], f, &X);
            pose_error(&X, &target, &ep, &er);
            worst = xt_max(worst, xt_max(ep, er));
            double dq = 0;
            for (int i = 0; i < 6; i++) dq = xt_max(dq, fabs(remainder(sol[s][i] - q[i], 2 * PI)));
            if (dq < 1e-7) has_original = 1;
        }
        found_all += has_original;
    }
    XT_CHECK(worst < 1e-9, "every UR solution reproduces the pose (worst %.2e)", worst);
    XT_CHECK(found_all == trials, "the original configuration is among the solutions in %d of %d",
             found_all, trials);
    /* the other shoulder or wrist branch is often out of reach for a random pose; all 8 exist
     * for most */
    XT_CHECK(eight > trials / 2, "8 solutions in %d of %d random poses", eight, trials);
    printf("UR5 closed form: %d poses, worst FK error %.2e, 8 solutions in %d\n", trials, worst,
           eight);
    /* a pose out of reach has no solution; a bad frame is refused */
    xn_se3 far;
    xn_se3_identity(&far);
    far.p[0] = 5;
    XT_CHECK(xn_ik_ur_solve(&ur, &far, sol, NULL) == 0, "5 m away: no solution");
    xn_model *panda = NULL;
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &panda, &err);
    XT_CHECK(xn_ik_ur_init(panda, xn_model_frame_id(panda, "panda_hand"), &ur, &err) != XN_OK &&
                 strstr(err.message, "not a UR-type arm"),
             "the Panda is not UR-type: %s", err.message);
    xn_model_free(panda);
    xn_data_free(d);
    xn_model_free(m);
}

static void panda_closed_form(void) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &err);
    if (!m) {
        XT_CHECK(0, "panda: %s", err.message);
        return;
    }
    int f = xn_model_frame_id(m, "panda_hand");
    xn_ik_panda pk;
    XT_CHECK(xn_ik_panda_init(m, f, &pk, &err) == XN_OK, "Panda structure: %s", err.message);
    xn_data *d = xn_data_create(m);
    double q[9] = {0}, sol[8][7], worst = 0;
    int found = 0, trials = 2000, total = 0;
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < 7; i++)
            q[i] = m->q_lower[i] + (m->q_upper[i] - m->q_lower[i]) * urand();
        xn_se3 target, X;
        frame_pose(m, d, q, f, &target);
        int n = xn_ik_panda_solve(&pk, &target, q[6], 0, sol, NULL);
        total += n;
        int has = 0;
        for (int s = 0; s < n; s++) {
            double qq[9] = {0}, ep, er, dq = 0;
            memcpy(qq, sol[s], sizeof sol[s]);
            frame_pose(m, d, qq, f, &X);
            pose_error(&X, &target, &ep, &er);
            worst = xt_max(worst, xt_max(ep, er));
            for (int i = 0; i < 7; i++) dq = xt_max(dq, fabs(remainder(sol[s][i] - q[i], 2 * PI)));
            has |= dq < 1e-7;
        }
        found += has;
    }
    XT_CHECK(worst < 1e-9, "every Panda solution reproduces the pose (worst %.2e)", worst);
    XT_CHECK(found == trials, "the original configuration is among the solutions in %d of %d",
             found, trials);
    printf("Panda closed form: %d poses, %.1f solutions on average, worst FK error %.2e\n", trials,
           (double)total / trials, worst);
    /* in_limits keeps only solutions inside the joint limits */
    for (int i = 0; i < 7; i++) q[i] = 0.5 * (m->q_lower[i] + m->q_upper[i]);
    xn_se3 target;
    frame_pose(m, d, q, f, &target);
    int n = xn_ik_panda_solve(&pk, &target, q[6], 1, sol, NULL);
    int inside = n > 0;
    for (int s = 0; s < n; s++)
        for (int i = 0; i < 7; i++)
            inside &= sol[s][i] >= m->q_lower[i] - 1e-12 && sol[s][i] <= m->q_upper[i] + 1e-12;
    XT_CHECK(inside, "in_limits: %d solutions, all inside", n);
    XT_CHECK(xn_ik_panda_init(m, xn_model_frame_id(m, "panda_link4"), &pk, &err) != XN_OK &&
                 strstr(err.message, "seven joints"),
             "a frame on link 4 is refused: %s", err.message);
    xn_data_free(d);
    xn_model_free(m);
}

static void numerical(const char *file, const char *frame) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(file, NULL, &m, &err);
    if (!m) {
        XT_CHECK(0, "%s: %s", file, err.message);
        return;
    }
    int f = xn_model_frame_id(m, frame);
    xn_ik *ik = NULL;
    XT_CHECK(xn_ik_create(m, f, &ik, NULL) == XN_OK, "solver created");
    xn_data *d = xn_data_create(m);
    double q[64], q0[64], qs[64];
    int ok_near = 0, ok_far = 0, n = 300, limits_ok = 1;
    unsigned long seed = 99;
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < m->nq; i++) {
            double lo = isfinite(m->q_lower[i]) ? m->q_lower[i] : -PI;
            double hi = isfinite(m->q_upper[i]) ? m->q_upper[i] : PI;
            q[i] = lo + (hi - lo) * urand();
            /* a tracking step: within 0.05 rad, inside the limits */
            q0[i] = xt_min(xt_max(q[i] + 0.1 * (urand() - 0.5), lo), hi);
        }
        xn_se3 target, X;
        frame_pose(m, d, q, f, &target);
        xn_ik_result r;
        if (xn_ik_solve(ik, &target, q0, NULL, qs, &r, NULL) == XN_OK) {
            frame_pose(m, d, qs, f, &X);
            double ep, er;
            pose_error(&X, &target, &ep, &er);
            ok_near += ep < 1e-6 && er < 1e-6;
        }
        for (int i = 0; i < m->nq; i++) q0[i] = 0.5 * (m->q_lower[i] + m->q_upper[i]);
        if (xn_ik_solve_multistart(ik, &target, q0, NULL, 20, &seed, qs, &r, NULL) == XN_OK)
            ok_far++;
        for (int i = 0; i < m->nq; i++)
            if (qs[i] < m->q_lower[i] - 1e-12 || qs[i] > m->q_upper[i] + 1e-12) limits_ok = 0;
    }
    XT_CHECK(ok_near == n, "%s: converged from a nearby start in %d of %d", frame, ok_near, n);
    XT_CHECK(ok_far >= n * 0.99, "%s: converged with multi-start in %d of %d", frame, ok_far, n);
    XT_CHECK(limits_ok, "%s: every answer inside the joint limits", frame);
    printf("%s: near %d/%d, multi-start %d/%d\n", frame, ok_near, n, ok_far, n);

    /* bad input: NaN target */
    xn_se3 bad;
    xn_se3_identity(&bad);
    bad.p[1] = NAN;
    xn_ik_result r;
    XT_CHECK(xn_ik_solve(ik, &bad, q0, NULL, qs, &r, &err) == XN_ERR_RANGE &&
                 r.status == XN_ERR_RANGE && strcmp(err.file, "xn_ik_solve") == 0 &&
                 strstr(err.message, "not finite"),
             "NaN target refused: %s", err.message);
    /* out of reach: 10 m away; the best iterate and how far it is, and why it stopped */
    xn_se3 far;
    xn_se3_identity(&far);
    far.p[0] = 10;
    xn_status st = xn_ik_solve(ik, &far, q0, NULL, qs, &r, &err);
    XT_CHECK((st == XN_ERR_ITERATIONS || st == XN_ERR_NUMERIC) && st == r.status &&
                 r.err_position > 8 && strstr(err.message, "m, "),
             "10 m away: %s, %.3g m: %s", xn_status_str(st), r.err_position, err.message);
    xn_ik_free(ik);
    xn_data_free(d);
    xn_model_free(m);
}

static void velocity(void) {
    /* the UR5 stretched out (elbow straight) is singular: the velocity IK stays bounded, says so,
     * and away from the singularity it reproduces the twist exactly */
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/ur5_robot.urdf", NULL, &m, &err);
    int f = xn_model_frame_id(m, "tool0");
    xn_ik *ik = NULL;
    XT_CHECK(xn_ik_create(m, f, &ik, NULL) == XN_OK, "solver created");
    xn_data *d = xn_data_create(m);
    double q[6] = {0.3, -1.0, 1.2, -0.5, 1.1, 0.2}, qd[6],
           twist[6] = {0.1, -0.05, 0.2, 0.3, 0, -0.1};
    xn_ik_velocity_info info;
    xn_ik_velocity(ik, q, twist, 0, 0, qd, &info);
    double J[36], back[6], e = 0;
    xn_dyn_frame_jacobian_at(m, d, q, f, XN_LOCAL_WORLD_ALIGNED, J);
    for (int r = 0; r < 6; r++) {
        back[r] = 0;
        for (int c = 0; c < 6; c++) back[r] += J[6 * r + c] * qd[c];
        e = xt_max(e, fabs(back[r] - twist[r]));
    }
    XT_CHECK(!info.near_singular && e < 1e-12, "regular: J qd = twist (%.2e)", e);
    double qs[6] = {0.3, -1.0, 0.0, -0.5, 1.1, 0.2}; /* elbow straight */
    xn_ik_velocity(ik, qs, twist, 0, 0, qd, &info);
    double nq = 0, nt = 0;
    for (int i = 0; i < 6; i++) {
        nq += qd[i] * qd[i];
        nt += twist[i] * twist[i];
    }
    XT_CHECK(info.near_singular && sqrt(nq) <= sqrt(nt) / (2 * 0.05) + 1e-9,
             "singular: bounded |qd| = %.3f (bound %.3f), sigma_min %.2e", sqrt(nq), sqrt(nt) / 0.1,
             info.sigma_min);
    xn_ik_free(ik);
    xn_data_free(d);
    xn_model_free(m);
}

/* a frame that is not the model's: refused and named, no solver */
static void bad_frame(void) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(XN_MODELS_DIR "/urdf/ur5_robot.urdf", NULL, &m, &err)) return;
    xn_ik *ik = (xn_ik *)&err; /* overwritten with NULL */
    xn_status st = xn_ik_create(m, m->nframe, &ik, &err);
    XT_CHECK(st == XN_ERR_NOT_FOUND && ik == NULL && strstr(err.message, "frame") &&
                 strcmp(err.file, "xn_ik_create") == 0,
             "frame %d refused: %d, %s: %s", m->nframe, st, err.file, err.message);
    xn_model_free(m);
}

int main(void) {
    bad_frame();
    rot_log();
    ur_closed_form();
    panda_closed_form();
    numerical(XN_MODELS_DIR "/urdf/panda.urdf", "panda_hand");
    numerical(XN_MODELS_DIR "/urdf/ur5_robot.urdf", "tool0");
    velocity();
    return xt_done("test_ik");
}
