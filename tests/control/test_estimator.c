/* The base estimator with a foot that rolls onto its toe: the G1 standing in the knees_bent
 * pose is tipped forward about its toes by 8 degrees, slowly (as it would rock after a push), the
 * joints unchanged. With the soles given, the estimate's error stops growing once the toe is
 * found (within the first degree): from 4 to 8 degrees it grows by less than 0.1 mm, where
 * anchored at the sole frames it grows in proportion to the tilt. A flat stance is estimated
 * exactly either way. Two stance feet that disagree (the right ankle rolled with the base held,
 * as a foot that the body's roll lifts) are averaged with the weights 1 / (1 + (tilt / 0.02)^2):
 * the estimate is that weighted mean of the two feet's own estimates to 1e-12 m, nearer the flat
 * foot. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "g1_wbc.h"
#include "test_util.h"

static const double knees_bent[36] = {
    0, 0, 0.755, 1,   0,    0, 0, -0.312, 0, 0, 0.669, -0.363, 0, -0.312, 0, 0, 0.669, -0.363, 0,
    0, 0, 0.073, 0.2, 0.22, 0, 1, 0,      0, 0, 0.2,   -0.22,  0, 1,      0, 0, 0};

/* the error of the base position after a slow tip of 4 and of 8 degrees about the toes */
static void tip(const xn_model *m, const xn_wbc_config *cfg, int soles, double *flat_err,
                double *at4, double *at8) {
    int feet[2] = {cfg->contact[0].frame, cfg->contact[1].frame};
    xn_base_estimator *e = NULL;
    XT_CHECK(xn_base_estimator_create(m, 2, feet, &e, NULL) == XN_OK, "estimator created");
    if (soles)
        for (int f = 0; f < 2; f++) xn_base_estimator_set_sole(e, f, cfg->contact[f].corner);
    xn_data *d = xn_data_create(m);
    double q[36], v[35] = {0}, gyro[3] = {0, 0, 0}, R0[9];
    memcpy(q, knees_bent, sizeof q);
    xn_dyn_fk(m, d, q);
    xn_se3 F;
    xn_dyn_frame_placement(m, d, feet[0], &F);
    q[2] -= F.p[2]; /* the soles on the ground */
    xn_dyn_fk(m, d, q);
    xn_dyn_frame_placement(m, d, feet[0], &F);
    double pivot[3] = {F.p[0] + cfg->contact[0].corner[0][0], 0, 0}, p0[3];
    memcpy(p0, q, sizeof p0);
    xn_quat_to_rot(q + 3, R0);
    xn_base_estimator_reset(e, q, q);
    double est[36];
    memcpy(est, q, sizeof est);
    xn_base_estimator_update(e, est, v, gyro, NULL);
    *flat_err = hypot(hypot(est[0] - q[0], est[1] - q[1]), est[2] - q[2]);
    for (int k = 1; k <= 800; k++) {
        double th = 8 * 3.14159265358979 / 180 * k / 800, c = cos(th), s = sin(th);
        double Ry[9] = {c, 0, s, 0, 1, 0, -s, 0, c}, R[9], dp[3], truth[3];
        for (int a = 0; a < 3; a++) dp[a] = p0[a] - pivot[a];
        for (int a = 0; a < 3; a++)
            truth[a] = pivot[a] + Ry[3 * a] * dp[0] + Ry[3 * a + 1] * dp[1] + Ry[3 * a + 2] * dp[2];
        for (int r = 0; r < 3; r++)
            for (int cc = 0; cc < 3; cc++)
                R[3 * r + cc] =
                    Ry[3 * r] * R0[cc] + Ry[3 * r + 1] * R0[3 + cc] + Ry[3 * r + 2] * R0[6 + cc];
        xn_rot_to_quat(R, est + 3); /* the IMU */
        xn_base_estimator_update(e, est, v, gyro, NULL);
        double error = hypot(hypot(est[0] - truth[0], est[1] - truth[1]), est[2] - truth[2]);
        if (k == 400) *at4 = error;
        if (k == 800) *at8 = error;
    }
    xn_data_free(d);
    xn_base_estimator_free(e);
}

/* the sole frame's tilt from the horizontal at q (rad) */
static double sole_tilt(const xn_model *m, xn_data *d, const double *q, int frame) {
    xn_dyn_fk(m, d, q);
    xn_se3 F;
    xn_dyn_frame_placement(m, d, frame, &F);
    return acos(xt_min(1, F.R[8]));
}

/* The base from the left foot alone, the right alone and both, after the right ankle rolls by
 * roll (rad) with the base held where it was; the weighted mean the fusion should give. */
static void disagree(const xn_model *m, const xn_wbc_config *cfg, double roll, double *err_mean,
                     double *to_left, double *to_right) {
    int feet[2] = {cfg->contact[0].frame, cfg->contact[1].frame};
    xn_data *d = xn_data_create(m);
    double q[36], v[35] = {0}, gyro[3] = {0, 0, 0}, est[3][36];
    memcpy(q, knees_bent, sizeof q);
    const unsigned char only[3][2] = {{1, 0}, {0, 1}, {1, 1}};
    for (int c = 0; c < 3; c++) {
        xn_base_estimator *e = NULL;
        xn_base_estimator_create(m, 2, feet, &e, NULL);
        xn_base_estimator_reset(e, q, q);
        memcpy(est[c], q, sizeof q);
        est[c][18] += roll; /* right_ankle_roll_joint */
        xn_base_estimator_update(e, est[c], v, gyro, only[c]);
        xn_base_estimator_free(e);
    }
    double qr[36];
    memcpy(qr, q, sizeof qr);
    qr[18] += roll;
    double tl = sole_tilt(m, d, qr, feet[0]) / 0.02, tr = sole_tilt(m, d, qr, feet[1]) / 0.02;
    double wl = 1 / (1 + tl * tl), wr = 1 / (1 + tr * tr);
    *err_mean = *to_left = *to_right = 0;
    for (int a = 0; a < 3; a++) {
        double mean = (wl * est[0][a] + wr * est[1][a]) / (wl + wr);
        *err_mean = xt_max(*err_mean, fabs(est[2][a] - mean));
        *to_left += (est[2][a] - est[0][a]) * (est[2][a] - est[0][a]);
        *to_right += (est[2][a] - est[1][a]) * (est[2][a] - est[1][a]);
    }
    *to_left = sqrt(*to_left), *to_right = sqrt(*to_right);
    xn_data_free(d);
}

/* quaternions (w, x, y, z) for the filter's reference: a b, and q turned by r in body axes */
static void qmul(const double a[4], const double b[4], double o[4]) {
    double t[4] = {a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
                   a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
                   a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
                   a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0]};
    memcpy(o, t, sizeof t);
}
static void qturn(const double q[4], const double r[3], double o[4]) {
    double a = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]), k = a > 0 ? sin(a / 2) / a : 0.5;
    double d[4] = {cos(a / 2), k * r[0], k * r[1], k * r[2]};
    qmul(q, d, o);
}
static double gauss(unsigned long *s) {
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    double u = ((*s >> 11) + 0.5) / 9007199254740992.0;
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    double w = (*s >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * w);
}

/* The orientation filter against the closed form of a first-order filter, alpha = dt / (tau +
 * dt): the base turns at a constant body rate, the gyro reads it (plus a bias b), the IMU's
 * orientation is the truth turned by white noise of sigma per axis. With an exact gyro the error
 * obeys e_k = (1 - alpha) e_(k-1) + alpha n_k, whose standard deviation is
 * sigma sqrt(alpha / (2 - alpha)); with a bias and no noise, at rest, it settles at b tau (a
 * turning base couples the axes' errors by about |w| tau, 3.5 % here). */
static void orientation_filter(const xn_model *m, const xn_wbc_config *cfg, double sigma,
                               double bias, double spin, double *rms, double *last) {
    int feet[2] = {cfg->contact[0].frame, cfg->contact[1].frame};
    xn_base_estimator *e = NULL;
    xn_base_estimator_create(m, 2, feet, &e, NULL);
    const double dt = 0.001, tau = 0.05, w[3] = {0.3 * spin, -0.2 * spin, 0.5 * spin};
    xn_base_estimator_set_orientation_filter(e, tau, dt, NULL);
    double q[36], v[35] = {0}, truth[4] = {1, 0, 0, 0};
    memcpy(q, knees_bent, sizeof q);
    xn_base_estimator_reset(e, q, q);
    unsigned long seed = 7;
    double sum = 0;
    long n = 0;
    for (int k = 0; k < 20000; k++) {
        double step[3] = {w[0] * dt, w[1] * dt, w[2] * dt}, gyro[3];
        if (k > 0) qturn(truth, step, truth);
        double noise[3] = {sigma * gauss(&seed), sigma * gauss(&seed), sigma * gauss(&seed)};
        qturn(truth, noise, q + 3);
        memcpy(q, knees_bent, 3 * sizeof(double));
        for (int a = 0; a < 3; a++) gyro[a] = w[a] + bias;
        xn_base_estimator_update(e, q, v, gyro, NULL);
        double inv[4] = {truth[0], -truth[1], -truth[2], -truth[3]}, d[4];
        qmul(inv, q + 3, d);
        double ex = 2 * d[1] * (d[0] < 0 ? -1 : 1);
        if (k >= 2000) { /* past the start-up (40 time constants) */
            sum += ex * ex;
            n++;
        }
        *last = ex;
    }
    *rms = sqrt(sum / (double)n);
    xn_base_estimator_free(e);
}

int main(void) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(G1_SCENE, NULL, &m, &err)) {
        XT_CHECK(0, "G1: %s", err.message);
        return xt_done("test_estimator");
    }
    xn_wbc_config cfg;
    g1_wbc_config(m, &cfg);
    /* bad arguments: refused, and named */
    int feet[2] = {cfg.contact[0].frame, m->nframe + 3};
    xn_base_estimator *none = NULL;
    xn_status st = xn_base_estimator_create(m, 2, feet, &none, &err);
    XT_CHECK(st == XN_ERR_RANGE && !none && strstr(err.message, "foot_frame[1]") &&
                 strcmp(err.file, "xn_base_estimator_create") == 0,
             "a foot frame out of range: %d, %s: %s", st, err.file, err.message);
    st = xn_base_estimator_create(m, 0, feet, &none, &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "nfeet 0"), "no feet: %d, %s", st,
             err.message);
    xn_base_estimator *fe = NULL;
    xn_base_estimator_create(m, 2, (int[]){cfg.contact[0].frame, cfg.contact[1].frame}, &fe, NULL);
    st = xn_base_estimator_set_orientation_filter(fe, -1, 0.001, &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "time_constant -1"),
             "a negative time constant: %s", err.message);
    st = xn_base_estimator_set_orientation_filter(fe, 0.05, NAN, &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "dt nan"), "a NaN period: %s", err.message);
    xn_base_estimator_free(fe);
    double rms, last, alpha = 0.001 / 0.051, sigma = 1e-3;
    orientation_filter(m, &cfg, sigma, 0, 1, &rms, &last);
    double want = sigma * sqrt(alpha / (2 - alpha));
    printf("orientation filter, 50 ms: white noise %.1e rad -> %.3e rad rms (closed form %.3e)\n",
           sigma, rms, want);
    XT_CHECK(fabs(rms / want - 1) < 0.1, "filtered noise %.3e rad rms, closed form %.3e", rms,
             want);
    orientation_filter(m, &cfg, 0, 0.005, 0, &rms, &last); /* at rest: no coupling */
    XT_CHECK(fabs(last / (0.005 * 0.05) - 1) < 0.01,
             "a gyro bias of 0.005 rad/s leaves %.4e rad, closed form b tau %.4e", last,
             0.005 * 0.05);
    double flat1, flat2, w4, w8, o4, o8;
    tip(m, &cfg, 1, &flat1, &w4, &w8);
    tip(m, &cfg, 0, &flat2, &o4, &o8);
    printf("G1 tipped about its toes, base error at 4 and 8 deg: %.3f, %.3f mm with the soles; "
           "%.2f, %.2f mm without\n",
           w4 * 1e3, w8 * 1e3, o4 * 1e3, o8 * 1e3);
    XT_CHECK(flat1 < 1e-12 && flat2 < 1e-12, "flat stance: exact (%.2g, %.2g m)", flat1, flat2);
    XT_CHECK(fabs(w8 - w4) < 1e-4 && w8 < 2e-3,
             "soles given: the error stops growing (%.3g m at 4 deg, %.3g at 8)", w4, w8);
    XT_CHECK(o8 > 1.8 * o4 && o8 > 5 * w8,
             "anchored at the sole frames: it grows with the tilt (%.3g, %.3g m)", o4, o8);
    double mean_err, to_l, to_r;
    disagree(m, &cfg, 0.05, &mean_err, &to_l, &to_r);
    XT_CHECK(mean_err < 1e-12 && to_l < 0.2 * to_r,
             "feet that disagree: the tilt-weighted mean (%.2g m off), nearer the flat foot "
             "(%.2g vs %.2g m)",
             mean_err, to_l, to_r);
    xn_model_free(m);
    return xt_done("test_estimator");
}
