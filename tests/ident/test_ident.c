/* Dynamic identification (xn_ident_*), against a truth the test makes itself:
 *  - the simulated Panda's arm with every link's mass, centre of mass and inertia changed by up
 *    to 20 %, its armatures, viscous and Coulomb friction changed and torque offsets added; the
 *    torques of smooth random motions computed from that truth by RNEA (an algorithm checked
 *    against Pinocchio), so the answer is known: the base parameters the truth gives
 *    (xn_ident_base_of) must come back to 1e-6 from noise-free torques, and inside their 95 %
 *    intervals for about 95 % of them with noise; the consistent parameters must be physically
 *    consistent (every pseudo-inertia positive semidefinite, friction >= 0) and predict torques
 *    on other motions as well as the least-squares fit does;
 *  - closed forms: a single joint about the vertical has exactly one inertial base parameter
 *    (Izz + armature), about a horizontal axis three (Iyy + armature, m cx, m cz), plus friction;
 *  - bad input: a NaN sample is refused by name; motions of one joint only are reported as
 *    rank-deficient with the parameters they cannot identify; too few rows are refused;
 *  - the zero-phase filter passes a slow sine unchanged and in phase, and the derivative of a
 *    sine is its cosine. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "math/dense.h"
#include "test_util.h"
#include "xiaonao/ident.h"
#include "xiaonao/xiaonao.h"

static unsigned seed = 5;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}
static double gauss(void) {
    double u = urand(1e-12, 1), v = urand(0, 1);
    return sqrt(-2 * log(u)) * cos(2 * 3.14159265358979 * v);
}

/* the arm's seven joints of the Panda scene (its fingers are held) */
enum { NJ = 7, NH = 4 };

/* a smooth periodic motion per joint: q = q0 + sum_h a_h sin(w h t + phi_h) */
typedef struct {
    double q0[NJ], amp[NJ][NH], phase[NJ][NH], w;
} motion;

static void random_motion(const xn_model *m, motion *mo, double scale) {
    mo->w = 2 * 3.14159265358979 / 10;
    for (int k = 0; k < NJ; k++) {
        double lo = m->q_lower[k], hi = m->q_upper[k], mid = (lo + hi) / 2, half = (hi - lo) / 2;
        mo->q0[k] = mid;
        for (int h = 0; h < NH; h++) {
            mo->amp[k][h] = scale * urand(0.05, 0.25) * half / (h + 1);
            mo->phase[k][h] = urand(0, 6.283);
        }
    }
}

static void sample(const motion *mo, double t, double *q, double *v, double *a, int only) {
    for (int k = 0; k < NJ; k++) {
        q[k] = mo->q0[k];
        v[k] = a[k] = 0;
        if (only >= 0 && k != only) continue;
        for (int h = 0; h < NH; h++) {
            double w = mo->w * (h + 1), s = sin(w * t + mo->phase[k][h]),
                   c = cos(w * t + mo->phase[k][h]);
            q[k] += mo->amp[k][h] * s;
            v[k] += mo->amp[k][h] * w * c;
            a[k] -= mo->amp[k][h] * w * w * s;
        }
    }
}

/* the truth: the model with each body's mass, centre of mass and inertia about it changed */
typedef struct {
    xn_model *m;
    double fv[NJ], fc[NJ], off[NJ];
} truth;

static void make_truth(const xn_model *nominal, truth *tr) {
    tr->m = xn_model_copy(nominal);
    for (int b = 1; b < nominal->nbody; b++) {
        double c[3], Ic[6], c2[3], Ic2[6];
        xn_inertia_to_com(&nominal->body_inertia[b], c, Ic);
        double mass = nominal->body_inertia[b].m * (1 + urand(-0.2, 0.2));
        for (int i = 0; i < 3; i++) c2[i] = c[i] * (1 + urand(-0.2, 0.2)) + urand(-0.01, 0.01);
        double s = 1 + urand(-0.2, 0.2);
        for (int i = 0; i < 6; i++) Ic2[i] = Ic[i] * s;
        xn_inertia I;
        xn_inertia_from_com(mass, c2, Ic2, &I);
        xn_model_set_body_inertia(tr->m, b, &I);
    }
    for (int k = 0; k < NJ; k++) {
        tr->m->dof_armature[k] = nominal->dof_armature[k] * (1 + urand(-0.2, 0.2));
        tr->fv[k] = nominal->dof_damping[k] * (1 + urand(-0.2, 0.2)) + urand(0, 0.5);
        tr->fc[k] = urand(0.2, 1.5);
        tr->off[k] = urand(-0.3, 0.3);
    }
}

static void true_torque(const truth *tr, xn_data *d, const double *q, const double *v,
                        const double *a, double v_smooth, double *tau) {
    xn_dyn_rnea(tr->m, d, q, v, a);
    for (int k = 0; k < NJ; k++) {
        double sg = v[k] > v_smooth ? 1 : v[k] < -v_smooth ? -1 : v[k] / v_smooth;
        tau[k] = d->tau[k] + tr->fv[k] * v[k] + tr->fc[k] * sg + tr->off[k];
    }
}

/* the truth's parameters in the identification's order */
static void truth_params(const xn_ident *id, const truth *tr, double *pi) {
    int nd = xn_dyn_regressor_cols(tr->m);
    xn_dyn_regressor_params(tr->m, pi);
    for (int k = 0; k < tr->m->nv; k++) {
        pi[nd + 3 * k] = k < NJ ? tr->fv[k] : tr->m->dof_damping[k];
        pi[nd + 3 * k + 1] = k < NJ ? tr->fc[k] : tr->m->dof_friction[k];
        pi[nd + 3 * k + 2] = k < NJ ? tr->off[k] : 0;
    }
    (void)id;
}

/* every body's pseudo-inertia positive semidefinite (to rounding: the fit may end on the
 * boundary, a body whose mass lies on a plane), armature and friction >= 0 */
static int consistent(const xn_model *m, const double *pi, int ndyn) {
    for (int b = 1; b < m->nbody; b++) {
        const double *p = pi + XN_DYN_BODY_PARAMS * (b - 1);
        double tr = (p[4] + p[5] + p[6]) / 2;
        double J[16] = {tr - p[4], -p[7], -p[8],     p[1], -p[7], tr - p[5], -p[9], p[2],
                        -p[8],     -p[9], tr - p[6], p[3], p[1],  p[2],      p[3],  p[0]};
        double ev[4];
        xn_symn_eigvals(J, 4, ev);
        if (!(ev[0] >= -1e-12 * (ev[0] + ev[1] + ev[2] + ev[3]))) {
            fprintf(stderr,
                    "body %s: pseudo-inertia not positive definite (m %g, h %g %g %g, I "
                    "%g %g %g %g %g %g)\n",
                    m->body_name[b], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
            return 0;
        }
    }
    for (int k = 0; k < m->nv; k++)
        if (!(pi[ndyn - m->nv + k] >= 0) || !(pi[ndyn + 3 * k] >= 0) ||
            !(pi[ndyn + 3 * k + 1] >= 0)) {
            fprintf(stderr, "DoF %d: armature or friction negative\n", k);
            return 0;
        }
    return 1;
}

static xn_ident *fill(const xn_model *m, const truth *tr, const motion *mo, double seconds,
                      double noise, int only) {
    static const int arm[NJ] = {0, 1, 2, 3, 4, 5, 6};
    xn_ident_options o;
    xn_ident_default_options(&o);
    o.nmeasured = NJ;
    o.measured = arm;
    xn_ident *id = NULL;
    xn_error err;
    XT_CHECK(xn_ident_create(m, &o, &id, &err) == XN_OK, "create: %s", err.message);
    xn_data *d = xn_data_create(tr->m);
    double q[9] = {0}, v[9] = {0}, a[9] = {0}, tau[NJ];
    for (double t = 0; t < seconds; t += 0.01) {
        sample(mo, t, q, v, a, only);
        true_torque(tr, d, q, v, a, o.v_smooth, tau);
        for (int k = 0; k < NJ; k++) tau[k] += noise * gauss();
        xn_ident_add(id, q, v, a, tau, NULL);
    }
    xn_data_free(d);
    return id;
}

static void check_panda(const xn_model *m) {
    truth tr;
    make_truth(m, &tr);
    motion mo, other;
    random_motion(m, &mo, 1);
    random_motion(m, &other, 0.8);
    const int p = 10 * (m->nbody - 1) + 4 * m->nv;
    double *pi_true = calloc((size_t)p, sizeof(double)), *beta_true = calloc((size_t)p, 8);
    xn_error err;

    /* noise-free: the base parameters exactly */
    xn_ident *id = fill(m, &tr, &mo, 30, 0, -1);
    XT_CHECK(xn_ident_nparam(id) == p, "nparam %d, expected %d", xn_ident_nparam(id), p);
    xn_status st = xn_ident_solve(id, 0, &err);
    XT_CHECK(st == XN_OK, "solve: %s", err.message);
    xn_ident_summary s;
    xn_ident_summary_get(id, &s);
    truth_params(id, &tr, pi_true);
    xn_ident_base_of(id, pi_true, beta_true);
    double worst = 0;
    for (int j = 0; j < s.nbase; j++) {
        xn_ident_base b;
        xn_ident_base_get(id, j, &b);
        worst = xt_max(worst, fabs(b.estimate - beta_true[j]) / fmax(1e-2, fabs(beta_true[j])));
    }
    XT_CHECK(s.nbase == s.nbase_model && s.nbase > 40, "base parameters %d of %d", s.nbase,
             s.nbase_model);
    XT_CHECK(worst < 1e-6, "noise-free base parameters off by %.3g", worst);
    XT_CHECK(consistent(m, xn_ident_params(id), xn_dyn_regressor_cols(m)),
             "the consistent parameters are not physically consistent");
    printf("panda noise-free: %d base parameters (model %d), cond %.3g, worst %.2g; rms nominal "
           "%.3g, base %.2g, consistent %.3g N m\n",
           s.nbase, s.nbase_model, s.condition, worst, s.rms_nominal, s.rms_base, s.rms_consistent);
    XT_CHECK(s.rms_base < 1e-8 * s.rms_nominal, "noise-free base fit rms %.3g", s.rms_base);
    XT_CHECK(s.rms_consistent < 0.05 * s.rms_nominal, "consistent fit rms %.3g vs nominal %.3g",
             s.rms_consistent, s.rms_nominal);
    xn_ident_free(id);

    /* noise 0.1 N m: intervals that hold, and a prediction on another motion */
    id = fill(m, &tr, &mo, 30, 0.1, -1);
    st = xn_ident_solve(id, 0, &err);
    XT_CHECK(st == XN_OK, "noisy solve: %s", err.message);
    xn_ident_summary_get(id, &s);
    xn_ident_base_of(id, pi_true, beta_true);
    int inside = 0;
    for (int j = 0; j < s.nbase; j++) {
        xn_ident_base b;
        xn_ident_base_get(id, j, &b);
        inside += fabs(b.estimate - beta_true[j]) <= b.ci95;
    }
    double coverage = (double)inside / s.nbase;
    XT_CHECK(coverage >= 0.85 && coverage <= 1, "95 %% intervals hold %.0f %% of the time",
             100 * coverage);
    XT_CHECK(consistent(m, xn_ident_params(id), xn_dyn_regressor_cols(m)),
             "noisy: not physically consistent");
    xn_data *d = xn_data_create(tr.m);
    double q[9] = {0}, v[9] = {0}, a[9] = {0}, tau[NJ], pn[NJ], pc[NJ], en = 0, ec = 0;
    for (double t = 0; t < 10; t += 0.01) {
        sample(&other, t, q, v, a, -1);
        true_torque(&tr, d, q, v, a, 0.01, tau);
        xn_ident_predict(id, xn_ident_nominal(id), q, v, a, pn);
        xn_ident_predict(id, xn_ident_params(id), q, v, a, pc);
        for (int k = 0; k < NJ; k++) {
            en += (pn[k] - tau[k]) * (pn[k] - tau[k]);
            ec += (pc[k] - tau[k]) * (pc[k] - tau[k]);
        }
    }
    double reduction = 1 - sqrt(ec / en);
    printf("panda noise 0.1 N m: %.0f %% of intervals hold; another motion: error %.3g -> %.3g N m "
           "rms (%.1f %% less)\n",
           100 * coverage, sqrt(en / 7000), sqrt(ec / 7000), 100 * reduction);
    XT_CHECK(reduction > 0.9, "prediction error cut by %.1f %% only", 100 * reduction);
    xn_data_free(d);
    xn_ident_free(id);

    /* one joint moving: rank-deficient, named */
    id = fill(m, &tr, &mo, 20, 0, 3);
    st = xn_ident_solve(id, 0, &err);
    XT_CHECK(st == XN_ERR_NUMERIC && strstr(err.message, "not identifiable from them:") &&
                 strstr(err.message, "link"),
             "one joint's motion: %d %s", st, err.message);
    st = xn_ident_solve(id, 1, &err);
    xn_ident_summary_get(id, &s);
    XT_CHECK(st == XN_OK && s.nbase < s.nbase_model, "partial: %d, %d of %d", st, s.nbase,
             s.nbase_model);
    xn_ident_free(id);

    /* too few rows; a NaN refused by name */
    id = fill(m, &tr, &mo, 0.05, 0, -1);
    XT_CHECK(xn_ident_solve(id, 0, &err) == XN_ERR_INVALID && strstr(err.message, "too few"),
             "too few rows: %s", err.message);
    double qn[9] = {0}, vn[9] = {0}, an[9] = {0}, tn[NJ] = {0};
    tn[2] = NAN;
    XT_CHECK(xn_ident_add(id, qn, vn, an, tn, &err) == XN_ERR_RANGE &&
                 strstr(err.message, "tau[2]"),
             "NaN torque: %s", err.message);
    xn_ident_free(id);
    free(pi_true);
    free(beta_true);
    xn_model_free(tr.m);
}

/* one joint, a body of known shape: the inertial base parameters in closed form */
static void check_single_joint(const char *axis, int expect) {
    char path[256], xml[1024];
    snprintf(path, sizeof path, "%s/ident_single_%c.xml", XN_TMP_DIR, axis[2] == '1' ? 'z' : 'y');
    snprintf(xml, sizeof xml,
             "<mujoco><worldbody><body name=\"l\"><joint name=\"j\" axis=\"%s\" armature=\"0.1\"/>"
             "<inertial mass=\"2\" pos=\"0.1 0.05 0.2\" diaginertia=\"0.01 0.02 0.03\"/>"
             "</body></worldbody></mujoco>",
             axis);
    FILE *f = fopen(path, "w");
    fputs(xml, f);
    fclose(f);
    xn_model *m = NULL;
    xn_error err;
    XT_CHECK(xn_load_model(path, NULL, &m, &err) == XN_OK, "%s", err.message);
    if (!m) return;
    xn_ident *id = NULL;
    xn_ident_create(m, NULL, &id, &err);
    for (double t = 0; t < 5; t += 0.01) {
        double q = sin(1.3 * t) + 0.5 * sin(3.1 * t), v = 1.3 * cos(1.3 * t) + 1.55 * cos(3.1 * t),
               a = -1.69 * sin(1.3 * t) - 4.805 * sin(3.1 * t), tau = 0;
        xn_ident_predict(id, xn_ident_nominal(id), &q, &v, &a, &tau);
        xn_ident_add(id, &q, &v, &a, &tau, NULL);
    }
    xn_status st = xn_ident_solve(id, 0, &err);
    xn_ident_summary s;
    xn_ident_summary_get(id, &s);
    XT_CHECK(st == XN_OK && s.nbase == expect + 3 && s.nbase_model == expect + 3,
             "axis %s: %d base parameters (model %d), expected %d inertial + 3 friction; %s", axis,
             s.nbase, s.nbase_model, expect, st ? err.message : "");
    xn_ident_free(id);
    xn_model_free(m);
}

static void check_signals(void) {
    enum { N = 2000 };
    static double x[N], dx[N];
    double fs = 1000, worst = 0, worst_d = 0;
    for (int i = 0; i < N; i++) x[i] = sin(2 * 3.14159265358979 * 1.0 * i / fs);
    XT_CHECK(xn_ident_lowpass(x, N, 1, 20, fs) == XN_OK, "lowpass");
    for (int i = 200; i < N - 200; i++)
        worst = xt_max(worst, fabs(x[i] - sin(2 * 3.14159265358979 * i / fs)));
    xn_ident_derivative(x, N, 1, 1 / fs, dx);
    for (int i = 200; i < N - 200; i++)
        worst_d = xt_max(worst_d,
                         fabs(dx[i] - 2 * 3.14159265358979 * cos(2 * 3.14159265358979 * i / fs)));
    XT_CHECK(worst < 2e-4, "a 1 Hz sine through the 20 Hz zero-phase filter: off by %.3g", worst);
    XT_CHECK(worst_d < 2e-3, "derivative of the filtered sine: off by %.3g", worst_d);
    XT_CHECK(xn_ident_lowpass(x, N, 1, 600, fs) == XN_ERR_RANGE, "cutoff above Nyquist accepted");
    XT_CHECK(xn_ident_lowpass(x, N, 1, NAN, fs) == XN_ERR_RANGE, "NaN cutoff accepted");
}

int main(void) {
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_model(XN_MODELS_DIR "/mjcf/franka_panda/panda.xml", NULL, &m, &err);
    XT_CHECK(st == XN_OK, "%s", err.message);
    if (m) check_panda(m);
    xn_model_free(m);
    check_single_joint("0 0 1", 1);
    check_single_joint("0 1 0", 3);
    check_signals();
    return xt_done("ident");
}
