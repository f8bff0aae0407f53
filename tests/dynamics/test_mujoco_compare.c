/* The MJCF robots shipped in models/mjcf, loaded by xiaonao and by MuJoCo 2.2.2 from the same
 * file, must agree (compared by name, since MuJoCo fuses bodies and orders a branched tree its
 * own way): body and site placements, centre of mass, mass matrix, bias forces C v + g, inverse
 * dynamics, forward dynamics M^-1 (tau - bias). Tolerance 1e-9, absolute or relative above 1. */
#include <mujoco/mujoco.h>
#include <string.h>

#include "mujoco_map.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

static double urand(unsigned *s, double lo, double hi) {
    *s = *s * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((*s >> 8) / 16777216.0);
}

static void random_state(const xn_model *m, unsigned *seed, xn_real *q, xn_real *v, xn_real *a) {
    for (int b = 1; b < m->nbody; b++) {
        xn_real *qj = q + m->body_qadr[b];
        switch (m->body_jtype[b]) {
        case XN_JOINT_FREE:
        case XN_JOINT_BALL: {
            int o = m->body_jtype[b] == XN_JOINT_FREE ? 3 : 0;
            for (int i = 0; i < o; i++) qj[i] = urand(seed, -1, 1);
            xn_real n = 0;
            for (int i = 0; i < 4; i++) {
                qj[o + i] = urand(seed, -1, 1);
                n += qj[o + i] * qj[o + i];
            }
            for (int i = 0; i < 4; i++) qj[o + i] /= sqrt(n);
            break;
        }
        default: {
            int i = m->body_qadr[b];
            xn_real lo = isfinite(m->q_lower[i]) ? m->q_lower[i] : -3.14;
            xn_real hi = isfinite(m->q_upper[i]) ? m->q_upper[i] : 3.14;
            qj[0] = urand(seed, lo, hi);
        }
        }
    }
    for (int k = 0; k < m->nv; k++) {
        v[k] = urand(seed, -2, 2);
        a[k] = urand(seed, -5, 5);
    }
}

static double max_err(const double *x, const double *ref, int n) {
    double e = 0;
    for (int i = 0; i < n; i++) {
        double d = xt_err(x[i], ref[i]);
        if (!(d <= e)) e = d;
    }
    return e;
}

/* Centre of mass and mass of the bodies that move: xiaonao, like Pinocchio, leaves out links
 * welded to the world (MuJoCo's subtree_com of the world body counts them). */
static double moving_mass(const mjModel *mm, const mjData *md, double com[3]) {
    double mass = 0;
    com[0] = com[1] = com[2] = 0;
    for (int i = 1; i < mm->nbody; i++) {
        if (mm->body_weldid[i] == 0) continue;
        mass += mm->body_mass[i];
        for (int k = 0; k < 3; k++) com[k] += mm->body_mass[i] * md->xipos[3 * i + k];
    }
    for (int k = 0; k < 3; k++) com[k] /= mass;
    return mass;
}

/* tol: 1e-9, but MuJoCo diagonalizes a <fullinertia> at compile time with an eigen-solver
 * accurate to about 1e-8 relative (measured on the Panda's links), so files that use it get
 * 1e-6. */
static void compare(const char *dir, const char *rel, double tol) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_model(path, NULL, &m, &err);
    XT_CHECK(st == XN_OK, "%s: %s:%d: %s", rel, err.file, err.line, err.message);
    char mjerr[1000] = "";
    mjModel *mm = mj_loadXML(path, NULL, mjerr, sizeof mjerr);
    XT_CHECK(mm != NULL, "%s: MuJoCo: %s", rel, mjerr);
    if (!m || !mm) {
        xn_model_free(m);
        if (mm) mj_deleteModel(mm);
        return;
    }
    XT_CHECK(m->nq == mm->nq && m->nv == mm->nv, "%s: nq/nv %d/%d vs MuJoCo %d/%d", rel, m->nq,
             m->nv, mm->nq, mm->nv);
    xn_mj_map map;
    XT_CHECK(xn_mj_map_build(m, mm, &map) == 0, "%s: joints do not map by name", rel);
    /* compare the rigid-body dynamics only: gravity as in the file, nothing else */
    mjData *md = mj_makeData(mm);
    xn_data *d = xn_data_create(m);
    int nv = m->nv;
    xn_real *q = calloc((size_t)m->nq, sizeof *q), *v = calloc((size_t)nv, sizeof *v),
            *a = calloc((size_t)nv, sizeof *a), *tau = calloc((size_t)nv, sizeof *tau),
            *f = calloc((size_t)nv, sizeof *f), *M = calloc((size_t)(nv * nv), sizeof *M),
            *x = calloc((size_t)nv, sizeof *x), *Tdv = calloc((size_t)nv, sizeof *Tdv);
    mjtNum *Mmj = calloc((size_t)(nv * nv), sizeof *Mmj), *tmp = calloc((size_t)nv, sizeof *tmp);
    unsigned seed = 12345;
    double e_pos = 0, e_rot = 0, e_com = 0, e_M = 0, e_bias = 0, e_grav = 0, e_rnea = 0, e_aba = 0;
    for (int c = 0; c < 50; c++) {
        random_state(m, &seed, q, v, a);
        xn_mj_set_q(m, &map, q, md->qpos);
        xn_mj_set_v(m, &map, q, v, md->qvel);
        mj_kinematics(mm, md);
        mj_comPos(mm, md);
        mj_comVel(mm, md);
        mj_crb(mm, md);
        mj_factorM(mm, md);
        xn_dyn_fk(m, d, q);
        xn_dyn_frames(m, d);
        for (int bi = 1; bi < mm->nbody; bi++) {
            const char *bn = mj_id2name(mm, mjOBJ_BODY, bi);
            int fi = bn ? xn_model_frame_id(m, bn) : -1;
            if (fi < 0) continue;
            double e = max_err(d->oMf[fi].p, md->xpos + 3 * bi, 3);
            e_pos = xt_max(e_pos, e);
            e = max_err(d->oMf[fi].R, md->xmat + 9 * bi, 9);
            e_rot = xt_max(e_rot, e);
        }
        for (int si = 0; si < mm->nsite; si++) {
            const char *sn = mj_id2name(mm, mjOBJ_SITE, si);
            int fi = sn ? xn_model_frame_id(m, sn) : -1;
            if (fi < 0) continue;
            double e = max_err(d->oMf[fi].p, md->site_xpos + 3 * si, 3);
            e_pos = xt_max(e_pos, e);
        }
        xn_dyn_com(m, d, q);
        double mjcom[3], mjmass = moving_mass(mm, md, mjcom);
        double e = max_err(d->com, mjcom, 3);
        XT_CHECK(fabs(d->mass - mjmass) < 1e-9, "%s: moving mass %g vs %g", rel, d->mass, mjmass);
        e_com = xt_max(e_com, e);
        /* M = T^T M_mj T: T is the identity but for the free joint's linear block (R) */
        mj_fullM(mm, Mmj, md->qM);
        xn_dyn_crba(m, d, q);
        for (int j = 0; j < nv; j++) { /* column j of M_mj T, then T^T of it */
            xn_real ej[64] = {0};
            ej[j] = 1;
            xn_mj_set_v(m, &map, q, ej, tmp);
            mjtNum col[64];
            mju_mulMatVec(col, Mmj, tmp, nv, nv);
            xn_mj_get_force(m, &map, q, col, x);
            for (int i = 0; i < nv; i++) M[i * nv + j] = x[i];
        }
        e = max_err(d->M, M, nv * nv);
        e_M = xt_max(e_M, e);
        /* bias: in xiaonao's coordinates nle = T^T (b_mj + M_mj Tdot v), Tdot v = R (w x v_lin) */
        memset(Tdv, 0, sizeof(xn_real) * (size_t)nv);
        for (int b = 1; b < m->nbody; b++)
            if (m->body_jtype[b] == XN_JOINT_FREE) {
                const xn_real *vj = v + m->body_vadr[b];
                xn_real w_v[3] = {vj[4] * vj[2] - vj[5] * vj[1], vj[5] * vj[0] - vj[3] * vj[2],
                                  vj[3] * vj[1] - vj[4] * vj[0]};
                memcpy(Tdv + m->body_vadr[b], w_v, sizeof w_v); /* local; T rotates it */
            }
        /* MuJoCo's armature acts in its own coordinates; only the rigid-body part of M_mj
         * takes part in the change of coordinates of the bias */
        mjtNum Tdv_mj[64], MTdv[64];
        xn_mj_set_v(m, &map, q, Tdv, Tdv_mj);
        for (int i = 0; i < nv; i++) Mmj[i * nv + i] -= mm->dof_armature[i];
        mju_mulMatVec(MTdv, Mmj, Tdv_mj, nv, nv);
        for (int i = 0; i < nv; i++) Mmj[i * nv + i] += mm->dof_armature[i];
        mj_rne(mm, md, 0, tmp);
        for (int i = 0; i < nv; i++) tmp[i] += MTdv[i];
        xn_mj_get_force(m, &map, q, tmp, f);
        xn_dyn_nle(m, d, q, v);
        e = max_err(d->nle, f, nv);
        e_bias = xt_max(e_bias, e);
        /* gravity: MuJoCo's bias at rest (no Coriolis term, so no change of coordinates term) */
        mju_zero(md->qvel, nv);
        mj_comVel(mm, md);
        mj_rne(mm, md, 0, tmp);
        xn_mj_get_force(m, &map, q, tmp, x);
        xn_dyn_gravity(m, d, q);
        e_grav = xt_max(e_grav, max_err(d->g, x, nv));
        xn_mj_set_v(m, &map, q, v, md->qvel);
        mj_comVel(mm, md);
        /* inverse dynamics: M a + nle from MuJoCo's pieces */
        xn_dyn_rnea(m, d, q, v, a);
        for (int i = 0; i < nv; i++) {
            xn_real s = f[i];
            for (int j = 0; j < nv; j++) s += M[i * nv + j] * a[j];
            tau[i] = s;
        }
        e = max_err(d->tau, tau, nv);
        e_rnea = xt_max(e_rnea, e);
        /* forward dynamics: ABA against MuJoCo's own factorization of its M */
        for (int i = 0; i < nv; i++) tau[i] = urand(&seed, -3, 3);
        xn_dyn_aba(m, d, q, v, tau);
        /* a_xn = T^-1 (M_mj^-1 (tau_mj - b_mj) - Tdot v): solve in MuJoCo's coordinates with
         * tau_mj = T^-T tau; equivalently check M_xn qdd + nle = tau with MuJoCo's M and bias */
        for (int i = 0; i < nv; i++) {
            xn_real s = f[i];
            for (int j = 0; j < nv; j++) s += M[i * nv + j] * d->qdd[j];
            x[i] = s;
        }
        e = max_err(x, tau, nv);
        e_aba = xt_max(e_aba, e);
    }
    printf("%-26s max error: placement %.1e rotation %.1e com %.1e M %.1e bias %.1e gravity %.1e "
           "rnea %.1e "
           "aba residual %.1e\n",
           rel, e_pos, e_rot, e_com, e_M, e_bias, e_grav, e_rnea, e_aba);
    XT_CHECK(e_pos <= tol, "%s: placement error %g", rel, e_pos);
    XT_CHECK(e_rot <= tol, "%s: rotation error %g", rel, e_rot);
    XT_CHECK(e_com <= tol, "%s: com error %g", rel, e_com);
    XT_CHECK(e_M <= tol, "%s: M error %g", rel, e_M);
    XT_CHECK(e_bias <= tol, "%s: bias error %g", rel, e_bias);
    XT_CHECK(e_grav <= tol, "%s: gravity error %g", rel, e_grav);
    XT_CHECK(e_rnea <= tol, "%s: rnea error %g", rel, e_rnea);
    XT_CHECK(e_aba <= 10 * tol, "%s: aba residual %g", rel, e_aba);
    free(q);
    free(v);
    free(a);
    free(tau);
    free(f);
    free(M);
    free(x);
    free(Tdv);
    free(Mmj);
    free(tmp);
    xn_data_free(d);
    mj_deleteData(md);
    mj_deleteModel(mm);
    xn_model_free(m);
}

int main(void) {
    compare(XN_MODELS_DIR "/mjcf", "franka_panda/scene.xml", 1e-6);
    compare(XN_MODELS_DIR "/mjcf", "unitree_g1/scene.xml", 1e-9);
    compare(XN_MODELS_DIR "/mjcf", "unitree_g1_12dof/scene.xml", 1e-9);
    /* every supported MJCF feature; inertias summed from geoms are diagonalized by MuJoCo */
    compare(XN_DATA_DIR "/mjcf", "features.xml", 1e-6);
    compare(XN_DATA_DIR "/mjcf", "floating.xml", 1e-6);
    return xt_done("mujoco_compare");
}
