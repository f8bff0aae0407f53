/* Input shapers and biquads against their closed forms: impulse amplitudes and times, unity gain
 * at DC, zero residual vibration at the design frequency, the sensitivity curve's width; the
 * filter against exact convolution; a shaped jerk-limited motion keeps its limits; bad input
 * refused. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define PI 3.14159265358979323846

static void closed_forms(void) {
    double f = 10, z = 0.05;
    double wd = 2 * PI * f * sqrt(1 - z * z), Td = 2 * PI / wd, K = exp(-z * PI / sqrt(1 - z * z));
    xn_shaper s;
    xn_shaper_design(XN_SHAPER_ZV, f, z, 0, &s, NULL);
    XT_CHECK(s.n == 2 && fabs(s.a[0] - 1 / (1 + K)) < 1e-15 && fabs(s.a[1] - K / (1 + K)) < 1e-15 &&
                 fabs(s.t[1] - Td / 2) < 1e-15,
             "ZV: 1/(1+K), K/(1+K) at 0, Td/2");
    xn_shaper_design(XN_SHAPER_ZVD, f, z, 0, &s, NULL);
    double d = (1 + K) * (1 + K);
    XT_CHECK(s.n == 3 && fabs(s.a[0] - 1 / d) < 1e-15 && fabs(s.a[1] - 2 * K / d) < 1e-15 &&
                 fabs(s.a[2] - K * K / d) < 1e-15 && fabs(s.t[2] - Td) < 1e-15,
             "ZVD: 1, 2K, K^2 over (1+K)^2 at 0, Td/2, Td");
    xn_shaper_design(XN_SHAPER_ZVDD, f, z, 0, &s, NULL);
    d = pow(1 + K, 3);
    XT_CHECK(s.n == 4 && fabs(s.a[1] - 3 * K / d) < 1e-15 && fabs(s.a[3] - K * K * K / d) < 1e-15 &&
                 fabs(s.t[3] - 1.5 * Td) < 1e-15,
             "ZVDD: 1, 3K, 3K^2, K^3 over (1+K)^3");
    /* undamped EI: (1+V)/4, (1-V)/2, (1+V)/4 at 0, T/2, T */
    xn_shaper_design(XN_SHAPER_EI, f, 0, 0.05, &s, NULL);
    XT_CHECK(s.n == 3 && fabs(s.a[0] - 1.05 / 4) < 1e-12 && fabs(s.a[1] - 0.95 / 2) < 1e-12 &&
                 fabs(s.t[1] - 0.05) < 1e-12 && fabs(s.t[2] - 0.1) < 1e-12,
             "undamped EI: (1+V)/4, (1-V)/2, (1+V)/4 at 0, T/2, T (%.6f %.6f %.6f at %.6f %.6f)",
             s.a[0], s.a[1], s.a[2], s.t[1], s.t[2]);
}

static void properties(void) {
    const xn_shaper_type types[4] = {XN_SHAPER_ZV, XN_SHAPER_ZVD, XN_SHAPER_ZVDD, XN_SHAPER_EI};
    const char *names[4] = {"ZV", "ZVD", "ZVDD", "EI"};
    double zetas[3] = {0, 0.03, 0.1};
    for (int k = 0; k < 4; k++)
        for (int zi = 0; zi < 3; zi++) {
            double f = 8, z = zetas[zi];
            xn_shaper s;
            char why[120];
            xn_status st = xn_shaper_design(types[k], f, z, 0.05, &s, why);
            XT_CHECK(st == XN_OK, "%s zeta %.2f: %s", names[k], z, why);
            double sum = 0;
            int pos = 1;
            for (int i = 0; i < s.n; i++) {
                sum += s.a[i];
                pos &= s.a[i] > 0;
            }
            XT_CHECK(fabs(sum - 1) < 1e-12 && pos, "%s zeta %.2f: positive, unity DC gain",
                     names[k], z);
            double v = xn_shaper_vibration(&s, f, z);
            if (types[k] != XN_SHAPER_EI)
                XT_CHECK(v < 1e-12, "%s zeta %.2f: no residual at the design frequency (%.1e)",
                         names[k], z, v);
            else {
                /* EI: V at the design frequency, a local maximum there, zeros either side */
                double h = 1e-5, vp = xn_shaper_vibration(&s, f * (1 + h), z),
                       vm = xn_shaper_vibration(&s, f * (1 - h), z);
                double lo = 1, hi = 1;
                for (double r = 0.6; r < 1; r += 1e-4)
                    lo = xt_min(lo, xn_shaper_vibration(&s, f * r, z));
                for (double r = 1; r < 1.5; r += 1e-4)
                    hi = xt_min(hi, xn_shaper_vibration(&s, f * r, z));
                XT_CHECK(fabs(v - 0.05) < 1e-9 && vp <= v + 1e-12 && vm <= v + 1e-12 && lo < 1e-3 &&
                             hi < 1e-3,
                         "EI zeta %.2f: V = %.6f at f, a maximum there, zeros below (%.1e) and "
                         "above (%.1e)",
                         z, v, lo, hi);
            }
        }
    /* widths of the 5 % band, undamped, against their closed forms */
    double w[4] = {4 * asin(0.05) / PI, 4 * asin(sqrt(0.05)) / PI, 4 * asin(cbrt(0.05)) / PI,
                   2 * (PI - acos((3 * 0.05 - 1) / 1.05)) / PI};
    for (int k = 0; k < 4; k++) {
        xn_shaper s;
        xn_shaper_design(types[k], 5, 0, 0.05, &s, NULL);
        double got = xn_shaper_insensitivity(&s, 5, 0, 0.05);
        XT_CHECK(fabs(got - w[k]) < 1e-6, "%s: 5 %% insensitivity %.6f, closed form %.6f", names[k],
                 got, w[k]);
    }
    /* two modes: the convolution cancels both */
    xn_shaper a, b, c;
    xn_shaper_design(XN_SHAPER_ZV, 5, 0.02, 0, &a, NULL);
    xn_shaper_design(XN_SHAPER_ZVD, 13, 0.05, 0, &b, NULL);
    XT_CHECK(xn_shaper_convolve(&a, &b, &c) == XN_OK && c.n == 6, "convolution: 6 impulses");
    XT_CHECK(xn_shaper_vibration(&c, 5, 0.02) < 1e-12 && xn_shaper_vibration(&c, 13, 0.05) < 1e-12,
             "both modes cancelled");
    XT_CHECK(fabs(xn_shaper_duration(&c) - xn_shaper_duration(&a) - xn_shaper_duration(&b)) < 1e-15,
             "durations add");
}

/* A 1-DoF jerk-limited motion from the trajectory generator, as a trajectory function. */
static void otg_traj(const void *ctx, double t, double *p, double *v, double *a) {
    xn_trajectory_at((const xn_trajectory *)ctx, t, p, v, a, NULL);
}

static void filter_and_limits(void) {
    xn_otg_problem pr;
    xn_otg_problem_init(&pr, 1);
    pr.target_position[0] = 0.8;
    pr.max_velocity[0] = 1.5;
    pr.max_acceleration[0] = 8;
    pr.max_jerk[0] = 200;
    xn_trajectory tr;
    xn_otg_calculate(&pr, &tr, NULL);
    double dt = 0.001;
    xn_shaper s;
    xn_shaper_design(XN_SHAPER_ZVD, 12.5, 0, 0, &s,
                     NULL); /* impulses at 0, 40, 80 ms: on samples */
    xn_shaper_filter *f;
    XT_CHECK(xn_shaper_filter_create(&s, 3, dt, &f, NULL) == XN_OK, "filter");
    double x[3] = {0, 0, 0}, y[3];
    xn_shaper_filter_reset(f, x);
    double worst = 0, vmax = 0, amax = 0, jmax = 0, aprev = 0;
    int n = (int)((tr.duration + xn_shaper_duration(&s)) / dt) + 20;
    for (int k = 0; k <= n; k++) {
        double t = k * dt, p, v, a, ps, vs, as;
        xn_trajectory_at(&tr, t, &p, &v, &a, NULL);
        x[0] = p;
        x[1] = v;
        x[2] = a;
        xn_shaper_filter_step(f, x, y);
        xn_shaper_apply(&s, otg_traj, &tr, 1, t, &ps, &vs, &as);
        worst = xt_max(worst, xt_max(fabs(y[0] - ps), xt_max(fabs(y[1] - vs), fabs(y[2] - as))));
        vmax = xt_max(vmax, fabs(vs));
        amax = xt_max(amax, fabs(as));
        if (k > 0) jmax = xt_max(jmax, fabs(as - aprev) / dt);
        aprev = as;
    }
    XT_CHECK(worst < 1e-12, "filter = exact convolution on the sample grid (%.1e)", worst);
    XT_CHECK(vmax <= 1.5 + 1e-12 && amax <= 8 + 1e-12 && jmax <= 200 * (1 + 1e-6),
             "the shaped motion keeps its limits: v %.4f a %.4f j %.2f", vmax, amax, jmax);
    double pe, ve, ae;
    xn_shaper_apply(&s, otg_traj, &tr, 1, tr.duration + xn_shaper_duration(&s), &pe, &ve, &ae);
    XT_CHECK(fabs(pe - 0.8) < 1e-12 && fabs(ve) < 1e-12, "it arrives, %.3f s later",
             xn_shaper_duration(&s));
    xn_shaper_filter_free(f);
    /* off-grid impulse times: linear interpolation, error of the order of a dt^2 curvature */
    xn_shaper_design(XN_SHAPER_ZV, 9.7, 0.02, 0, &s, NULL);
    xn_shaper_filter_create(&s, 3, dt, &f, NULL);
    x[0] = x[1] = x[2] = 0;
    xn_shaper_filter_reset(f, x);
    worst = 0;
    for (int k = 0; k <= n; k++) {
        double t = k * dt, ps;
        xn_trajectory_at(&tr, t, &x[0], &x[1], &x[2], NULL);
        xn_shaper_filter_step(f, x, y);
        xn_shaper_apply(&s, otg_traj, &tr, 1, t, &ps, NULL, NULL);
        worst = xt_max(worst, fabs(y[0] - ps));
    }
    XT_CHECK(worst < 1.5 * 8 * dt * dt / 8, "interpolated delays: position within %.1e", worst);
    xn_shaper_filter_free(f);
}

static void biquads(void) {
    xn_biquad bq;
    double fs = 1000;
    XT_CHECK(xn_biquad_notch(&bq, 40, 2, fs) == XN_OK, "notch");
    XT_CHECK(xn_biquad_gain(&bq, 40, fs) < 1e-12 && fabs(xn_biquad_gain(&bq, 0, fs) - 1) < 1e-12 &&
                 fabs(xn_biquad_gain(&bq, 500, fs) - 1) < 1e-12,
             "notch: 0 at f0, 1 at DC and Nyquist");
    /* the -3 dB band of a notch is f0 / q wide (bilinear, pre-warped) */
    double lo = 0, hi = 0;
    for (double fr = 1; fr < 40; fr += 0.001)
        if (xn_biquad_gain(&bq, fr, fs) < sqrt(0.5)) {
            lo = fr;
            break;
        }
    for (double fr = 79; fr > 40; fr -= 0.001)
        if (xn_biquad_gain(&bq, fr, fs) < sqrt(0.5)) {
            hi = fr;
            break;
        }
    XT_CHECK(lo > 0 && fabs(hi - lo - 20) < 0.5, "notch bandwidth %.2f Hz (f0 / q = 20)", hi - lo);
    XT_CHECK(xn_biquad_lowpass(&bq, 50, sqrt(0.5), fs) == XN_OK, "low-pass");
    XT_CHECK(fabs(xn_biquad_gain(&bq, 0, fs) - 1) < 1e-12 &&
                 fabs(xn_biquad_gain(&bq, 50, fs) - sqrt(0.5)) < 1e-12,
             "low-pass: 1 at DC, q at fc");
    xn_biquad_reset(&bq, 0);
    double y = 0;
    for (int k = 0; k < 1000; k++) y = xn_biquad_step(&bq, 1);
    XT_CHECK(fabs(y - 1) < 1e-9, "low-pass step settles at 1 (%.12f)", y);
    XT_CHECK(xn_biquad_notch(&bq, 600, 1, fs) == XN_ERR_RANGE &&
                 xn_biquad_lowpass(&bq, 10, 0, fs) == XN_ERR_RANGE,
             "above Nyquist or q = 0 refused");
}

static void bad_input(void) {
    xn_shaper s;
    char why[120];
    XT_CHECK(xn_shaper_design(XN_SHAPER_ZV, 0, 0, 0, &s, why) == XN_ERR_RANGE &&
                 strstr(why, "frequency"),
             "zero frequency: %s", why);
    XT_CHECK(xn_shaper_design(XN_SHAPER_ZVD, -3, 0, 0, &s, why) == XN_ERR_RANGE, "negative");
    XT_CHECK(xn_shaper_design(XN_SHAPER_ZV, 5, 1, 0, &s, why) == XN_ERR_RANGE &&
                 strstr(why, "damping"),
             "damping 1: %s", why);
    XT_CHECK(xn_shaper_design(XN_SHAPER_ZV, 5, -0.1, 0, &s, why) == XN_ERR_RANGE, "damping < 0");
    XT_CHECK(xn_shaper_design(XN_SHAPER_EI, 5, 0, 0, &s, why) == XN_ERR_RANGE &&
                 strstr(why, "tolerance"),
             "EI tolerance 0: %s", why);
    XT_CHECK(xn_shaper_design(XN_SHAPER_ZV, NAN, 0, 0, &s, why) == XN_ERR_RANGE, "NaN frequency");
    xn_shaper_design(XN_SHAPER_ZV, 300, 0, 0, &s, NULL); /* half period 1.7 ms */
    xn_shaper_filter *f;
    XT_CHECK(xn_shaper_filter_create(&s, 1, 0.001, &f, why) == XN_ERR_RANGE && !f &&
                 strstr(why, "sample rate is too low"),
             "300 Hz at 1 kHz: %s", why);
}

/* Identification from a synthetic free decay (known answer) with noise, and refusals. */
static void identification(void) {
    enum { N = 1500 };
    static double y[N], xyz[3 * N], work[N];
    double dt = 0.001, f = 9.7, z = 0.035, w = 2 * PI * f, wd = w * sqrt(1 - z * z);
    unsigned long r = 77;
    for (int i = 0; i < N; i++) {
        r = r * 6364136223846793005ul + 1442695040888963407ul;
        double noise = ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 2e-6; /* +-1 um */
        double t = i * dt, v = 2e-4 * exp(-z * w * t) * cos(wd * t + 0.7);
        y[i] = 0.3 + v + noise;
        xyz[3 * i] = 0.4 + 0.6 * v;
        xyz[3 * i + 1] = -0.1 + 0.8 * v + noise;
        xyz[3 * i + 2] = 0.5;
    }
    xn_mode_fit m;
    XT_CHECK(xn_mode_identify(y, N, dt, &m) == XN_OK, "identify");
    XT_CHECK(fabs(m.frequency - f) < 1e-3 * f && fabs(m.damping - z) < 0.03 * z &&
                 fabs(m.amplitude - 2e-4) < 0.02 * 2e-4 && m.fit > 0.99,
             "free decay: %.4f Hz (%.1f), damping %.4f (%.3f), fit %.4f", m.frequency, f, m.damping,
             z, m.fit);
    XT_CHECK(xn_mode_identify3(xyz, N, dt, work, &m) == XN_OK && fabs(m.frequency - f) < 1e-3 * f &&
                 fabs(m.damping - z) < 0.03 * z && fabs(m.amplitude - 2e-4) < 0.03 * 2e-4,
             "3-D: %.4f Hz, damping %.4f, amplitude %.3g along the principal direction",
             m.frequency, m.damping, m.amplitude);
    for (int i = 0; i < N; i++) y[i] = 0.3 + 1e-3 * i * dt; /* a ramp: no oscillation */
    XT_CHECK(xn_mode_identify(y, N, dt, &m) == XN_ERR_RANGE, "no oscillation: refused");
}

int main(void) {
    identification();
    closed_forms();
    properties();
    filter_and_limits();
    biquads();
    bad_input();
    return xt_done("test_shaping");
}
