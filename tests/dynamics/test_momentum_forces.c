/* Centroidal momentum and external forces.
 *  - Ag v equals the momentum summed body by body from the body velocities, moved to the centre
 *    of mass (1e-12 relative); its linear rows are the total mass times the COM Jacobian.
 *  - Conservation: a floating robot with no gravity and no joint torques keeps its centroidal
 *    momentum while it moves (RK4 over 0.5 s; 1e-9 relative).
 *  - External forces: RNEA with fext equals RNEA - sum J_b^T fext_b (LOCAL body Jacobians), and
 *    ABA with the same forces inverts it (1e-9). */
#include <string.h>

#include "math/spatial_inline.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

static unsigned seed = 3;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}

static void random_state(const xn_model *m, double *q, double *v) {
    for (int b = 1; b < m->nbody; b++) {
        double *qj = q + m->body_qadr[b];
        if (m->body_jtype[b] == XN_JOINT_FREE || m->body_jtype[b] == XN_JOINT_BALL) {
            int o = m->body_jtype[b] == XN_JOINT_FREE ? 3 : 0;
            for (int i = 0; i < o; i++) qj[i] = urand(-1, 1);
            double n = 0;
            for (int i = 0; i < 4; i++) {
                qj[o + i] = urand(-1, 1);
                n += qj[o + i] * qj[o + i];
            }
            for (int i = 0; i < 4; i++) qj[o + i] /= sqrt(n);
        } else {
            qj[0] = urand(-1, 1);
        }
    }
    for (int k = 0; k < m->nv; k++) v[k] = urand(-2, 2);
}

static double vmax(const double *x, int n) {
    double s = 1e-300;
    for (int i = 0; i < n; i++) s = xt_max(s, fabs(x[i]));
    return s;
}

static void check_momentum(const char *label, const xn_model *m) {
    xn_data *d = xn_data_create(m);
    int nv = m->nv;
    double *q = calloc((size_t)m->nq, 8), *v = calloc((size_t)nv, 8);
    double e = 0, ecom = 0;
    for (int c = 0; c < 10; c++) {
        random_state(m, q, v);
        double h[6], ref[6] = {0, 0, 0, 0, 0, 0};
        xn_dyn_centroidal_momentum(m, d, q, v, h);
        double com[3] = {d->com[0], d->com[1], d->com[2]};
        /* independent: each body's momentum I_b v_b, to the world at the origin, summed */
        xn_dyn_fk_vel(m, d, q, v);
        for (int b = 1; b < m->nbody; b++) {
            double hb[6], hw[6];
            xn_inertia_mul(&m->body_inertia[b], &d->v[6 * b], hb);
            xn_force_act(&d->oMi[b], hb, hw);
            for (int i = 0; i < 6; i++) ref[i] += hw[i];
        }
        double cxf[3];
        xn_v3_cross(com, ref, cxf);
        for (int i = 0; i < 3; i++) ref[3 + i] -= cxf[i];
        for (int i = 0; i < 6; i++) e = xt_max(e, fabs(h[i] - ref[i]) / vmax(ref, 6));
        xn_dyn_com_jacobian(m, d, q);
        for (int r = 0; r < 3; r++) {
            double y = 0;
            for (int k = 0; k < nv; k++) y += d->mass * d->Jcom[r * nv + k] * v[k];
            ecom = xt_max(ecom, fabs(h[r] - y) / vmax(ref, 6));
        }
    }
    printf("%-20s centroidal momentum vs body sum %.1e, linear part vs m Jcom v %.1e\n", label, e,
           ecom);
    XT_CHECK(e < 1e-12, "%s: Ag v vs body momenta %g", label, e);
    XT_CHECK(ecom < 1e-12, "%s: linear momentum vs m Jcom v %g", label, ecom);
    free(q);
    free(v);
    xn_data_free(d);
}

static void check_forces(const char *label, const xn_model *m) {
    xn_data *d = xn_data_create(m);
    int nv = m->nv, nb = m->nbody;
    double *q = calloc((size_t)m->nq, 8), *v = calloc((size_t)nv, 8), *a = calloc((size_t)nv, 8),
           *t0 = calloc((size_t)nv, 8), *fext = calloc(6 * (size_t)nb, 8),
           *J = calloc(6 * (size_t)nv, 8);
    double e = 0, e2 = 0;
    for (int c = 0; c < 10; c++) {
        random_state(m, q, v);
        for (int k = 0; k < nv; k++) a[k] = urand(-3, 3);
        memset(fext, 0, sizeof(double) * 6 * (size_t)nb);
        for (int b = 1; b < nb; b += 2)
            for (int i = 0; i < 6; i++) fext[6 * b + i] = urand(-5, 5);
        xn_dyn_rnea(m, d, q, v, a);
        memcpy(t0, d->tau, sizeof(double) * (size_t)nv);
        xn_dyn_fk(m, d, q);
        for (int b = 1; b < nb; b += 2) { /* tau0 - J_b^T f_b with the body's LOCAL Jacobian */
            xn_dyn_frame_jacobian(m, d, xn_model_frame_id(m, m->body_name[b]), XN_LOCAL, J);
            for (int k = 0; k < nv; k++)
                for (int r = 0; r < 6; r++) t0[k] -= J[r * nv + k] * fext[6 * b + r];
        }
        xn_dyn_rnea_ext(m, d, q, v, a, fext);
        for (int k = 0; k < nv; k++) e = xt_max(e, fabs(d->tau[k] - t0[k]) / vmax(t0, nv));
        memcpy(t0, d->tau, sizeof(double) * (size_t)nv);
        xn_dyn_aba_ext(m, d, q, v, t0, fext);
        for (int k = 0; k < nv; k++) e2 = xt_max(e2, fabs(d->qdd[k] - a[k]) / 3);
    }
    printf("%-20s RNEA with fext vs J^T f %.1e, ABA with fext inverts it %.1e\n", label, e, e2);
    XT_CHECK(e < 1e-12, "%s: rnea_ext %g", label, e);
    XT_CHECK(e2 < 1e-9, "%s: aba_ext %g", label, e2);
    free(q);
    free(v);
    free(a);
    free(t0);
    free(fext);
    free(J);
    xn_data_free(d);
}

/* Integrate (q, v) for `duration` under ABA with zero torques, step dt, and return the relative
 * change of the centroidal momentum. The stages follow RK4 in the tangent space at q, which on
 * SE(3) and SO(3) is second-order accurate overall: the drift must shrink about fourfold when dt
 * halves, which separates integration error from a dynamics error (that would not shrink). */
static double momentum_drift(const xn_model *m, xn_data *d, const double *q0, const double *v0,
                             double dt, double duration) {
    int nq = m->nq, nv = m->nv;
    double *q = calloc((size_t)nq, 8), *v = calloc((size_t)nv, 8), *tau = calloc((size_t)nv, 8),
           *qs = calloc((size_t)nq, 8), *k[4], *vs[4], *vbar = calloc((size_t)nv, 8);
    for (int i = 0; i < 4; i++) {
        k[i] = calloc((size_t)nv, 8);
        vs[i] = calloc((size_t)nv, 8);
    }
    memcpy(q, q0, sizeof(double) * (size_t)nq);
    memcpy(v, v0, sizeof(double) * (size_t)nv);
    double h0[6], h1[6], c[4] = {0, 0.5, 0.5, 1};
    xn_dyn_centroidal_momentum(m, d, q, v, h0);
    int steps = (int)(duration / dt + 0.5);
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < nv; j++) vs[i][j] = v[j] + (i ? c[i] * dt * k[i - 1][j] : 0);
            if (i == 0)
                memcpy(qs, q, sizeof(double) * (size_t)nq);
            else
                xn_lie_integrate(m, q, vs[i - 1], c[i] * dt, qs);
            xn_dyn_aba(m, d, qs, vs[i], tau);
            memcpy(k[i], d->qdd, sizeof(double) * (size_t)nv);
        }
        for (int j = 0; j < nv; j++)
            vbar[j] = (vs[0][j] + 2 * vs[1][j] + 2 * vs[2][j] + vs[3][j]) / 6;
        xn_lie_integrate(m, q, vbar, dt, q);
        for (int j = 0; j < nv; j++)
            v[j] += dt * (k[0][j] + 2 * k[1][j] + 2 * k[2][j] + k[3][j]) / 6;
    }
    xn_dyn_centroidal_momentum(m, d, q, v, h1);
    double e = 0;
    for (int i = 0; i < 6; i++) e = xt_max(e, fabs(h1[i] - h0[i]) / vmax(h0, 6));
    for (int i = 0; i < 4; i++) {
        free(k[i]);
        free(vs[i]);
    }
    free(q);
    free(v);
    free(tau);
    free(qs);
    free(vbar);
    return e;
}

/* A floating robot in zero gravity with no torques: centroidal momentum is conserved. */
static void check_conservation(void) {
    static const char xml[] =
        "<mujoco><compiler angle=\"radian\"/><option gravity=\"0 0 0\"/><worldbody>"
        "<body name=\"torso\" pos=\"0 0 1\"><freejoint/><geom type=\"box\" size=\"0.2 0.1 0.3\"/>"
        "<body name=\"arm\" pos=\"0.25 0 0.2\"><joint type=\"ball\"/>"
        "<geom type=\"capsule\" fromto=\"0 0 0 0 0 -0.4\" size=\"0.05\"/>"
        "<body name=\"hand\" pos=\"0 0 -0.4\"><joint axis=\"0 1 0\"/>"
        "<geom type=\"capsule\" fromto=\"0 0 0 0.3 0 0\" size=\"0.04\"/></body></body>"
        "<body name=\"leg\" pos=\"0 0 -0.35\"><joint axis=\"1 0 0\"/><joint axis=\"0 1 0\" pos=\"0 "
        "0 -0.03\"/>"
        "<geom type=\"cylinder\" fromto=\"0 0 0 0 0 -0.5\" size=\"0.06\"/></body></body>"
        "</worldbody></mujoco>";
    xn_model *m = NULL;
    xn_error err;
    XT_CHECK(xn_load_mjcf_string(xml, sizeof xml - 1, "zero_g.xml", NULL, NULL, &m, &err) == XN_OK,
             "%s", err.message);
    if (!m) return;
    xn_data *d = xn_data_create(m);
    double *q = calloc((size_t)m->nq, 8), *v = calloc((size_t)m->nv, 8);
    random_state(m, q, v);
    double e1 = momentum_drift(m, d, q, v, 2e-4, 0.5), e2 = momentum_drift(m, d, q, v, 1e-4, 0.5);
    printf("zero gravity, no torques, 0.5 s: centroidal momentum drift %.1e (dt 2e-4), %.1e (dt "
           "1e-4)\n",
           e1, e2);
    XT_CHECK(e2 < 1e-9 && e1 > 3 * e2, "centroidal momentum not conserved: %g, %g", e1, e2);
    free(q);
    free(v);
    xn_data_free(d);
    xn_model_free(m);
}

static void run(const char *label, const char *path, int floating) {
    xn_load_options opt = {floating, 0};
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(path, &opt, &m, &err) != XN_OK) {
        XT_CHECK(0, "%s: %s", label, err.message);
        return;
    }
    check_momentum(label, m);
    check_forces(label, m);
    xn_model_free(m);
}

int main(void) {
    run("panda", XN_MODELS_DIR "/urdf/panda.urdf", 0);
    run("talos (floating)", XN_MODELS_DIR "/urdf/talos_full_v2.urdf", 1);
    run("g1 (mjcf)", XN_MODELS_DIR "/mjcf/unitree_g1/scene.xml", 0);
    run("mjcf ball joints", XN_DATA_DIR "/mjcf/floating.xml", 0);
    check_conservation();
    return xt_done("momentum_forces");
}
