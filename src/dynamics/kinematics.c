/* Forward kinematics: placements, velocities and accelerations of bodies and frames.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>

#include "dynamics/frame_check.h"
#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

void xn_dyn_fk(const xn_model *m, xn_data *d, const xn_real *q) {
    for (int b = 1; b < m->nbody; b++) xn_body_world_placement(m, d, b, q);
}

/* The forward pass shared by the velocity and acceleration variants: v_b = X^-1 v_p + S qd,
 * and with_acc: a_b = X^-1 a_p + S qdd + v_b x (S qd), with qdd = 0 when a is NULL. */
static void fk_pass(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                    const xn_real *a, int with_acc) {
    for (int i = 0; i < 6; i++) d->v[i] = d->a[i] = 0;
    for (int b = 1; b < m->nbody; b++) {
        xn_joint_placement(m, b, q, &d->liMi[b]);
        int p = m->body_parent[b];
        if (p == 0)
            d->oMi[b] = d->liMi[b];
        else
            xn_se3_mul_noalias(&d->oMi[p], &d->liMi[b], &d->oMi[b]);
        xn_real *vb = &d->v[6 * b];
        xn_real vj[6] = {0, 0, 0, 0, 0, 0};
        xn_joint_add_motion(m, b, v + m->body_vadr[b], vj);
        xn_motion_act_inv(&d->liMi[b], &d->v[6 * p], vb);
        for (int i = 0; i < 6; i++) vb[i] += vj[i];
        if (with_acc) {
            xn_real *ab = &d->a[6 * b], c[6];
            xn_motion_act_inv(&d->liMi[b], &d->a[6 * p], ab);
            if (a) xn_joint_add_motion(m, b, a + m->body_vadr[b], ab);
            xn_motion_cross(vb, vj, c);
            for (int i = 0; i < 6; i++) ab[i] += c[i];
        }
    }
}

void xn_dyn_fk_vel(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v) {
    fk_pass(m, d, q, v, NULL, 0);
}

void xn_dyn_fk_acc(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                   const xn_real *a) {
    fk_pass(m, d, q, v, a, 1);
}

static inline void frame_translated(const xn_se3 *B, const xn_real p[3], xn_se3 *out) {
    xn_real t[3];
    xn_m3_mulv(B->R, p, t);
    for (int i = 0; i < 9; i++) out->R[i] = B->R[i];
    out->p[0] = B->p[0] + t[0];
    out->p[1] = B->p[1] + t[1];
    out->p[2] = B->p[2] + t[2];
}

xn_status xn_dyn_frame_placement(const xn_model *m, const xn_data *d, int f, xn_se3 *out) {
    if (!xn_frame_args_ok(m, f, XN_WORLD)) {
        xn_frame_refuse(out->p, 3);
        return xn_frame_refuse(out->R, 9);
    }
    const xn_se3 *B = &d->oMi[m->frame_body[f]];
    switch (m->frame_kind[f]) {
    case 0: *out = *B; break;
    case 1: frame_translated(B, m->frame_placement[f].p, out); break;
    default: xn_se3_mul_noalias(B, &m->frame_placement[f], out); break;
    }
    return XN_OK;
}

void xn_dyn_frames(const xn_model *m, xn_data *d) {
    const int *F = m->frame_by_kind;
    int n0 = m->frame_kind_count[0], n1 = n0 + m->frame_kind_count[1];
    for (int i = 0; i < n0; i++) d->oMf[F[i]] = d->oMi[m->frame_body[F[i]]];
    for (int i = n0; i < n1; i++)
        frame_translated(&d->oMi[m->frame_body[F[i]]], m->frame_placement[F[i]].p, &d->oMf[F[i]]);
    for (int i = n1; i < m->nframe; i++)
        xn_se3_mul_noalias(&d->oMi[m->frame_body[F[i]]], &m->frame_placement[F[i]], &d->oMf[F[i]]);
}

/* Express a motion vector given in frame f's own axes (at its origin) in convention rf. */
static void motion_to_convention(const xn_se3 *oMf, const xn_real local[6], xn_reference_frame rf,
                                 xn_real out[6]) {
    switch (rf) {
    case XN_LOCAL:
        for (int i = 0; i < 6; i++) out[i] = local[i];
        break;
    case XN_LOCAL_WORLD_ALIGNED:
        xn_m3_mulv(oMf->R, local, out);
        xn_m3_mulv(oMf->R, local + 3, out + 3);
        break;
    case XN_WORLD: xn_motion_act(oMf, local, out); break;
    }
}

xn_status xn_dyn_frame_velocity(const xn_model *m, const xn_data *d, int f, xn_reference_frame rf,
                                xn_real out[6]) {
    if (!xn_frame_args_ok(m, f, (int)rf)) return xn_frame_refuse(out, 6);
    xn_se3 oMf;
    xn_dyn_frame_placement(m, d, f, &oMf);
    xn_real vf[6];
    xn_motion_act_inv(&m->frame_placement[f], &d->v[6 * m->frame_body[f]], vf);
    motion_to_convention(&oMf, vf, rf, out);
    return XN_OK;
}

xn_status xn_dyn_frame_drift(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                             int f, xn_reference_frame rf, xn_real out[6]) {
    if (!xn_frame_args_ok(m, f, (int)rf)) return xn_frame_refuse(out, 6);
    fk_pass(m, d, q, v, NULL, 1); /* zero joint acceleration: velocity-product terms only */
    int b = m->frame_body[f];
    xn_se3 oMf;
    xn_dyn_frame_placement(m, d, f, &oMf);
    xn_real vf[6], af[6];
    xn_motion_act_inv(&m->frame_placement[f], &d->v[6 * b], vf);
    xn_motion_act_inv(&m->frame_placement[f], &d->a[6 * b], af);
    if (rf == XN_LOCAL_WORLD_ALIGNED) {
        xn_real wv[3];
        xn_v3_cross(vf + 3, vf, wv);
        af[0] += wv[0];
        af[1] += wv[1];
        af[2] += wv[2];
    }
    motion_to_convention(&oMf, af, rf, out);
    return XN_OK;
}
