/* xn_model_write_mjcf: every shipped model written as MJCF and read back has the same tree, the
 * same names, limits, armature, damping, friction and effort, the same frames where the original
 * puts them, and the same dynamics (RNEA and the mass matrix at random states, 1e-12 relative):
 * the original model is the reference, and a writer that dropped or bent anything would change
 * one of these. SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

static unsigned seed = 3;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}

static void random_state(const xn_model *m, double *q, double *v, double *a) {
    memcpy(q, m->q_neutral, sizeof(double) * (size_t)m->nq);
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
        } else if (m->body_nq[b] == 1) {
            qj[0] = urand(-1.5, 1.5);
        }
    }
    for (int k = 0; k < m->nv; k++) v[k] = urand(-2, 2), a[k] = urand(-4, 4);
}

static int same(double a, double b) {
    return a == b || (isinf(a) && isinf(b) && (a > 0) == (b > 0)) ||
           fabs(a - b) <= 1e-12 * fmax(1, fabs(b));
}

static void check(const char *label, const char *path, int floating) {
    xn_load_options opt = {floating, 0};
    xn_model *m = NULL, *w = NULL;
    xn_error err;
    XT_CHECK(xn_load_model(path, &opt, &m, &err) == XN_OK, "%s: %s", label, err.message);
    if (!m) return;
    char out[512];
    snprintf(out, sizeof out, "%s/written_%s.xml", XN_TMP_DIR, label);
    XT_CHECK(xn_model_write_mjcf(m, out, "written by test_model_write -- a comment", &err) == XN_OK,
             "%s: write: %s", label, err.message);
    XT_CHECK(xn_load_model(out, NULL, &w, &err) == XN_OK, "%s: read back: %s:%d: %s", label,
             err.file, err.line, err.message);
    if (!w) {
        xn_model_free(m);
        return;
    }
    XT_CHECK(w->nbody == m->nbody && w->nv == m->nv && w->nq == m->nq, "%s: sizes", label);
    if (w->nbody != m->nbody || w->nv != m->nv || w->nq != m->nq) goto done;
    for (int b = 1; b < m->nbody; b++)
        XT_CHECK(strcmp(w->body_name[b], m->body_name[b]) == 0 &&
                     strcmp(w->joint_name[b], m->joint_name[b]) == 0 &&
                     w->body_parent[b] == m->body_parent[b] && w->body_jtype[b] == m->body_jtype[b],
                 "%s: body %d (%s)", label, b, m->body_name[b]);
    for (int k = 0; k < m->nv; k++)
        XT_CHECK(same(w->dof_armature[k], m->dof_armature[k]) &&
                     same(w->dof_damping[k], m->dof_damping[k]) &&
                     same(w->dof_friction[k], m->dof_friction[k]) &&
                     same(w->dof_effort[k], m->dof_effort[k]),
                 "%s: DoF %d's armature, damping, friction or effort", label, k);
    for (int i = 0; i < m->nq; i++)
        XT_CHECK(same(w->q_lower[i], m->q_lower[i]) && same(w->q_upper[i], m->q_upper[i]),
                 "%s: limits of q[%d]: [%g, %g] vs [%g, %g]", label, i, w->q_lower[i],
                 w->q_upper[i], m->q_lower[i], m->q_upper[i]);
    double *q = calloc((size_t)m->nq, 8), *v = calloc((size_t)m->nv, 8),
           *a = calloc((size_t)m->nv, 8);
    xn_data *dm = xn_data_create(m), *dw = xn_data_create(w);
    double worst_tau = 0, worst_M = 0, worst_frame = 0;
    int missing = 0;
    for (int trial = 0; trial < 5; trial++) {
        random_state(m, q, v, a);
        xn_dyn_rnea(m, dm, q, v, a);
        xn_dyn_rnea(w, dw, q, v, a);
        worst_tau = xt_max(worst_tau, xt_err_scaled(dw->tau, dm->tau, m->nv, NULL));
        xn_dyn_crba(m, dm, q);
        xn_dyn_crba(w, dw, q);
        worst_M = xt_max(worst_M, xt_err_scaled(dw->M, dm->M, m->nv * m->nv, NULL));
        xn_dyn_fk(m, dm, q);
        xn_dyn_fk(w, dw, q);
        for (int fr = 0; fr < m->nframe; fr++) {
            int g = xn_model_frame_id(w, m->frame_name[fr]);
            if (g < 0) {
                if (trial == 0 && missing < 6)
                    fprintf(stderr, "%s: frame %s (type %d) missing\n", label, m->frame_name[fr],
                            m->frame_type[fr]);
                missing++;
                continue;
            }
            xn_se3 A, B;
            xn_dyn_frame_placement(m, dm, fr, &A);
            xn_dyn_frame_placement(w, dw, g, &B);
            for (int i = 0; i < 3; i++) worst_frame = xt_max(worst_frame, fabs(A.p[i] - B.p[i]));
            for (int i = 0; i < 9; i++) worst_frame = xt_max(worst_frame, fabs(A.R[i] - B.R[i]));
        }
    }
    XT_CHECK(worst_tau < 1e-12, "%s: RNEA differs by %.3g", label, worst_tau);
    XT_CHECK(worst_M < 1e-12, "%s: M differs by %.3g", label, worst_M);
    XT_CHECK(missing == 0 && worst_frame < 1e-12, "%s: %d frames missing, placements off by %.3g",
             label, missing, worst_frame);
    printf("%-18s %3d bodies %3d frames: RNEA %.1e, M %.1e, frames %.1e\n", label, m->nbody - 1,
           m->nframe, worst_tau, worst_M, worst_frame);
    free(q), free(v), free(a);
    xn_data_free(dm);
    xn_data_free(dw);
done:
    xn_model_free(w);
    xn_model_free(m);
}

int main(void) {
    check("panda_urdf", XN_MODELS_DIR "/urdf/panda.urdf", 0);
    check("ur5", XN_MODELS_DIR "/urdf/ur5_robot.urdf", 0);
    check("go2", XN_MODELS_DIR "/urdf/go2.urdf", 1);
    check("talos", XN_MODELS_DIR "/urdf/talos_full_v2.urdf", 1);
    check("panda_mjcf", XN_MODELS_DIR "/mjcf/franka_panda/scene.xml", 0);
    check("mjcf_floating", XN_DATA_DIR "/mjcf/floating.xml", 0);
    check("mjcf_features", XN_DATA_DIR "/mjcf/features.xml", 0);
    /* a path that cannot be written: an error naming it, no crash */
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/ur5_robot.urdf", NULL, &m, &err);
    XT_CHECK(m && xn_model_write_mjcf(m, "/nonexistent/dir/x.xml", NULL, &err) == XN_ERR_IO &&
                 strstr(err.message, "/nonexistent/dir/x.xml"),
             "unwritable path: %s", err.message);
    xn_model_free(m);
    return xt_done("model_write");
}
