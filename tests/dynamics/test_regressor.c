/* The joint-force regressor (xn_dyn_regressor), on fixed- and floating-base robots and on an MJCF
 * model with ball and free joints:
 *  - Y(q, v, a) pi equals RNEA's joint forces for the model's own parameters (1e-12 relative to
 *    the forces' size), at random states;
 *  - each column is the change of the RNEA forces when that one parameter grows by 1 on a copy of
 *    the model (RNEA is linear in the parameters, so the difference is exact up to rounding):
 *    the columns are checked one by one against the algorithm the regressor is meant to equal,
 *    not only in their sum;
 *  - v = a = NULL gives the gravity regressor: Y pi = g(q).
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

static unsigned seed = 11;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}

static void random_state(const xn_model *m, double *q, double *v, double *a) {
    for (int b = 1; b < m->nbody; b++) {
        double *qj = q + m->body_qadr[b];
        xn_joint_type t = m->body_jtype[b];
        if (t == XN_JOINT_FREE || t == XN_JOINT_BALL) {
            int o = t == XN_JOINT_FREE ? 3 : 0;
            for (int i = 0; i < o; i++) qj[i] = urand(-1, 1);
            double n = 0;
            for (int i = 0; i < 4; i++) {
                qj[o + i] = urand(-1, 1);
                n += qj[o + i] * qj[o + i];
            }
            for (int i = 0; i < 4; i++) qj[o + i] /= sqrt(n);
        } else if (m->body_nv[b] == 1) {
            qj[0] = urand(-2, 2);
        }
    }
    for (int k = 0; k < m->nv; k++) {
        v[k] = urand(-2, 2);
        a[k] = urand(-5, 5);
    }
}

static void check_model(const char *label, const xn_model *m) {
    const int nv = m->nv, nc = xn_dyn_regressor_cols(m);
    xn_data *d = xn_data_create(m);
    xn_model *mc = xn_model_copy(m);
    xn_data *dc = xn_data_create(mc);
    double *q = calloc((size_t)m->nq, sizeof *q), *v = calloc((size_t)nv, sizeof *v);
    double *a = calloc((size_t)nv, sizeof *a), *pi = calloc((size_t)nc, sizeof *pi);
    double *Y = calloc((size_t)nv * (size_t)nc, sizeof *Y), *tau = calloc((size_t)nv, sizeof *tau);
    double *base = calloc((size_t)nv, sizeof *base), *col = calloc((size_t)nv, sizeof *col);
    xn_dyn_regressor_params(m, pi);
    double worst_sum = 0, worst_col = 0, worst_g = 0;
    for (int trial = 0; trial < 5; trial++) {
        random_state(m, q, v, a);
        xn_dyn_regressor(m, d, q, v, a, Y);
        for (int r = 0; r < nv; r++) {
            tau[r] = 0;
            for (int c = 0; c < nc; c++) tau[r] += Y[(size_t)r * nc + c] * pi[c];
        }
        xn_dyn_rnea(m, d, q, v, a);
        worst_sum = xt_max(worst_sum, xt_err_scaled(tau, d->tau, nv, NULL));
        /* column by column, on the copy: bump one parameter by 1, take the change of RNEA */
        xn_dyn_rnea(mc, dc, q, v, a);
        memcpy(base, dc->tau, sizeof(double) * (size_t)nv);
        for (int c = 0; c < nc; c++) {
            int b = c / XN_DYN_BODY_PARAMS + 1, body_col = b < m->nbody;
            xn_inertia saved = {0};
            double saved_arm = 0;
            int k = c - XN_DYN_BODY_PARAMS * (m->nbody - 1);
            if (body_col) {
                saved = mc->body_inertia[b];
                double p[XN_DYN_BODY_PARAMS];
                memcpy(p, &pi[XN_DYN_BODY_PARAMS * (b - 1)], sizeof p);
                p[c % XN_DYN_BODY_PARAMS] += 1;
                xn_inertia bumped;
                xn_dyn_params_to_inertia(p, &bumped);
                XT_CHECK(xn_model_set_body_inertia(mc, b, &bumped) == XN_OK, "%s: bump", label);
            } else {
                saved_arm = mc->dof_armature[k];
                mc->dof_armature[k] += 1;
            }
            xn_dyn_rnea(mc, dc, q, v, a);
            for (int r = 0; r < nv; r++) col[r] = dc->tau[r] - base[r];
            if (body_col)
                xn_model_set_body_inertia(mc, b, &saved);
            else
                mc->dof_armature[k] = saved_arm;
            for (int r = 0; r < nv; r++) {
                double scale = fmax(1, fabs(base[r]));
                worst_col = xt_max(worst_col, fabs(Y[(size_t)r * nc + c] - col[r]) / scale);
            }
        }
        /* the gravity regressor */
        xn_dyn_regressor(m, d, q, NULL, NULL, Y);
        for (int r = 0; r < nv; r++) {
            tau[r] = 0;
            for (int c = 0; c < nc; c++) tau[r] += Y[(size_t)r * nc + c] * pi[c];
        }
        xn_dyn_gravity(m, d, q);
        worst_g = xt_max(worst_g, xt_err_scaled(tau, d->g, nv, NULL));
    }
    XT_CHECK(worst_sum < 1e-12, "%s: Y pi vs RNEA: %.3g", label, worst_sum);
    XT_CHECK(worst_col < 1e-9, "%s: columns vs RNEA differences: %.3g", label, worst_col);
    XT_CHECK(worst_g < 1e-12, "%s: gravity regressor vs g(q): %.3g", label, worst_g);
    printf("%-22s %3d columns: Y pi %.1e, columns %.1e, gravity %.1e\n", label, nc, worst_sum,
           worst_col, worst_g);
    free(q), free(v), free(a), free(pi), free(Y), free(tau), free(base), free(col);
    xn_data_free(dc);
    xn_model_free(mc);
    xn_data_free(d);
}

static void run(const char *label, const char *path, int floating) {
    xn_load_options opt = {floating, 0};
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_model(path, &opt, &m, &err);
    XT_CHECK(st == XN_OK, "%s: %s:%d: %s", label, err.file, err.line, err.message);
    if (st) return;
    check_model(label, m);
    xn_model_free(m);
}

int main(void) {
    run("panda (fixed)", XN_MODELS_DIR "/urdf/panda.urdf", 0);
    run("ur5 (fixed)", XN_MODELS_DIR "/urdf/ur5_robot.urdf", 0);
    run("go2 (floating)", XN_MODELS_DIR "/urdf/go2.urdf", 1);
    run("talos (floating)", XN_MODELS_DIR "/urdf/talos_full_v2.urdf", 1);
    run("mjcf floating+ball", XN_DATA_DIR "/mjcf/floating.xml", 0);
    return xt_done("dynamics_regressor");
}
