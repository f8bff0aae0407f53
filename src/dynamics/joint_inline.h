/* Joint models: the placement a joint produces at q, and its motion subspace S (6 x nv_joint,
 * in the body's own frame). Specialized for joints about coordinate axes, chosen at load time
 * (m->body_jaxis), since most robot joints turn about x, y or z.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_JOINT_INLINE_H
#define XN_JOINT_INLINE_H

#include <math.h>

#include "math/sincos_inline.h"
#include "math/spatial_inline.h"
#include "xiaonao/model.h"

/* R = Rt * Rot_k(theta), column-wise: rotating about a coordinate axis mixes two columns. */
static inline void xn_rot_mul_axis(const xn_real Rt[9], int k, xn_real c, xn_real s, xn_real R[9]) {
    int i1 = (k + 1) % 3, i2 = (k + 2) % 3; /* Rot_k: col i1 -> c e_i1 + s e_i2 */
    for (int r = 0; r < 3; r++) {
        xn_real a = Rt[3 * r + i1], b = Rt[3 * r + i2];
        R[3 * r + k] = Rt[3 * r + k];
        R[3 * r + i1] = c * a + s * b;
        R[3 * r + i2] = -s * a + c * b;
    }
}

/* Placement of body b in its parent at configuration q: body_tree * X_joint(q). */
static inline void xn_joint_placement(const xn_model *m, int b, const xn_real *q, xn_se3 *out) {
    const xn_se3 *T = &m->body_tree[b];
    const xn_real *qj = q + m->body_qadr[b];
    const xn_real *ax = &m->body_axis[3 * b];
    switch (m->body_jtype[b]) {
    case XN_JOINT_REVOLUTE:
    case XN_JOINT_CONTINUOUS: {
        int k = m->body_jaxis[b];
        xn_real sn, cs;
        if (k < 3) {
            xn_sincos(ax[k] * qj[0], &sn, &cs);
            xn_rot_mul_axis(T->R, k, cs, sn, out->R);
        } else {
            /* Rodrigues: R = c 1 + s [a]x + (1 - c) a a^T */
            xn_sincos(qj[0], &sn, &cs);
            xn_real t = 1 - cs, x = ax[0], y = ax[1], z = ax[2];
            xn_real Rj[9] = {t * x * x + cs,     t * x * y - sn * z, t * x * z + sn * y,
                             t * x * y + sn * z, t * y * y + cs,     t * y * z - sn * x,
                             t * x * z - sn * y, t * y * z + sn * x, t * z * z + cs};
            xn_m3_mul(T->R, Rj, out->R);
        }
        out->p[0] = T->p[0];
        out->p[1] = T->p[1];
        out->p[2] = T->p[2];
        break;
    }
    case XN_JOINT_PRISMATIC: {
        xn_real d[3] = {ax[0] * qj[0], ax[1] * qj[0], ax[2] * qj[0]}, Rd[3];
        xn_m3_mulv(T->R, d, Rd);
        for (int i = 0; i < 9; i++) out->R[i] = T->R[i];
        out->p[0] = T->p[0] + Rd[0];
        out->p[1] = T->p[1] + Rd[1];
        out->p[2] = T->p[2] + Rd[2];
        break;
    }
    case XN_JOINT_FREE: {
        xn_real Rj[9], Rp[3];
        if (xn_quat_to_rot(qj + 3, Rj) != XN_OK) xn_rot_axis_angle(ax, 0, Rj);
        xn_m3_mul(T->R, Rj, out->R);
        xn_m3_mulv(T->R, qj, Rp);
        out->p[0] = T->p[0] + Rp[0];
        out->p[1] = T->p[1] + Rp[1];
        out->p[2] = T->p[2] + Rp[2];
        break;
    }
    case XN_JOINT_BALL: {
        xn_real Rj[9];
        if (xn_quat_to_rot(qj, Rj) != XN_OK) xn_rot_axis_angle(ax, 0, Rj);
        xn_m3_mul(T->R, Rj, out->R);
        out->p[0] = T->p[0];
        out->p[1] = T->p[1];
        out->p[2] = T->p[2];
        break;
    }
    default: *out = *T; break;
    }
}

/* Placement of body b in the world from its parent's world placement oMp: oMp * body_tree *
 * X_joint(q). For the common case, a revolute joint about a coordinate axis whose tree rotation
 * is a signed permutation, the rotation costs one column shuffle and one two-column mix
 * (12 multiplications) instead of two 3x3 products. oMi must not alias oMp. */
static inline void xn_joint_world_placement(const xn_model *m, int b, const xn_real *q,
                                            const xn_se3 *oMp, xn_se3 *oMi) {
    const signed char *perm = &m->body_tree_perm[3 * b];
    int k = m->body_jaxis[b];
    xn_joint_type t = m->body_jtype[b];
    if (perm[0] && k < 3 && (t == XN_JOINT_REVOLUTE || t == XN_JOINT_CONTINUOUS)) {
        const xn_real *A = oMp->R;
        xn_real B[9];
        for (int j = 0; j < 3; j++) { /* B = A * Rt: column j of B is sign * column i of A */
            int pj = perm[j], i = (pj > 0 ? pj : -pj) - 1;
            xn_real sg = pj > 0 ? 1 : -1;
            B[j] = sg * A[i];
            B[3 + j] = sg * A[3 + i];
            B[6 + j] = sg * A[6 + i];
        }
        xn_real sn, cs;
        xn_sincos(m->body_axis[3 * b + k] * q[m->body_qadr[b]], &sn, &cs);
        xn_rot_mul_axis(B, k, cs, sn, oMi->R);
        const xn_real *pt = m->body_tree[b].p;
        xn_m3_mulv(A, pt, oMi->p);
        oMi->p[0] += oMp->p[0];
        oMi->p[1] += oMp->p[1];
        oMi->p[2] += oMp->p[2];
        return;
    }
    xn_se3 li;
    xn_joint_placement(m, b, q, &li);
    xn_se3_mul_noalias(oMp, &li, oMi);
}

/* d->oMi[b] from its parent's world placement (bodies are visited parents first). */
static inline void xn_body_world_placement(const xn_model *m, xn_data *d, int b, const xn_real *q) {
    int p = m->body_parent[b];
    if (p == 0)
        xn_joint_placement(m, b, q, &d->oMi[b]);
    else
        xn_joint_world_placement(m, b, q, &d->oMi[p], &d->oMi[b]);
}

/* The world-frame algorithms (CRBA, ABA) put the origin at the first root body rather than at the
 * world origin: their inertias about the origin grow with the square of the distance, and a
 * robot 1 km from the world origin would lose six digits. Place body b as
 * xn_body_world_placement does, shifted by -ref; ref is set from body 1 (the first root). */
static inline void xn_body_world_placement_shifted(const xn_model *m, xn_data *d, int b,
                                                   const xn_real *q, xn_real ref[3]) {
    xn_body_world_placement(m, d, b, q);
    if (m->body_parent[b] != 0) return; /* children inherit the shift from their parents */
    if (b == 1) {
        ref[0] = d->oMi[1].p[0];
        ref[1] = d->oMi[1].p[1];
        ref[2] = d->oMi[1].p[2];
    }
    d->oMi[b].p[0] -= ref[0];
    d->oMi[b].p[1] -= ref[1];
    d->oMi[b].p[2] -= ref[2];
}

/* Undo the shift so that d->oMi holds world placements again. */
static inline void xn_body_world_unshift(const xn_model *m, xn_data *d, const xn_real ref[3]) {
    for (int b = 1; b < m->nbody; b++) {
        d->oMi[b].p[0] += ref[0];
        d->oMi[b].p[1] += ref[1];
        d->oMi[b].p[2] += ref[2];
    }
}

/* out += S x, x the joint's nv entries. */
static inline void xn_joint_add_motion(const xn_model *m, int b, const xn_real *x, xn_real out[6]) {
    const xn_real *ax = &m->body_axis[3 * b];
    switch (m->body_jtype[b]) {
    case XN_JOINT_REVOLUTE:
    case XN_JOINT_CONTINUOUS:
        out[3] += ax[0] * x[0];
        out[4] += ax[1] * x[0];
        out[5] += ax[2] * x[0];
        break;
    case XN_JOINT_PRISMATIC:
        out[0] += ax[0] * x[0];
        out[1] += ax[1] * x[0];
        out[2] += ax[2] * x[0];
        break;
    case XN_JOINT_FREE:
        for (int i = 0; i < 6; i++) out[i] += x[i];
        break;
    case XN_JOINT_BALL:
        out[3] += x[0];
        out[4] += x[1];
        out[5] += x[2];
        break;
    default: break;
    }
}

/* out = S^T f (the joint's nv entries). */
static inline void xn_joint_project_force(const xn_model *m, int b, const xn_real f[6],
                                          xn_real *out) {
    const xn_real *ax = &m->body_axis[3 * b];
    switch (m->body_jtype[b]) {
    case XN_JOINT_REVOLUTE:
    case XN_JOINT_CONTINUOUS: out[0] = ax[0] * f[3] + ax[1] * f[4] + ax[2] * f[5]; break;
    case XN_JOINT_PRISMATIC: out[0] = ax[0] * f[0] + ax[1] * f[1] + ax[2] * f[2]; break;
    case XN_JOINT_FREE:
        for (int i = 0; i < 6; i++) out[i] = f[i];
        break;
    case XN_JOINT_BALL:
        out[0] = f[3];
        out[1] = f[4];
        out[2] = f[5];
        break;
    default: break;
    }
}

/* Column k of S expressed in the world at the world origin, for a body placed at X:
 * w = R s_w, v = R s_v + p x w. Coordinate axes read one column of R instead of a product.
 * Written with scalar locals only: temporaries on the stack cost store-forwarding stalls here. */
static inline void xn_joint_world_col(const xn_model *m, int b, int k, const xn_se3 *X,
                                      xn_real out[6]) {
    const xn_real *R = X->R, *ax = &m->body_axis[3 * b];
    xn_real x, y, z;
    int angular;
    xn_joint_type t = m->body_jtype[b];
    if (t == XN_JOINT_REVOLUTE || t == XN_JOINT_CONTINUOUS || t == XN_JOINT_PRISMATIC) {
        angular = t != XN_JOINT_PRISMATIC;
        int c = m->body_jaxis[b];
        if (c < 3) {
            xn_real sg = ax[c];
            x = sg * R[c];
            y = sg * R[3 + c];
            z = sg * R[6 + c];
        } else {
            x = R[0] * ax[0] + R[1] * ax[1] + R[2] * ax[2];
            y = R[3] * ax[0] + R[4] * ax[1] + R[5] * ax[2];
            z = R[6] * ax[0] + R[7] * ax[1] + R[8] * ax[2];
        }
    } else if (t == XN_JOINT_FREE || t == XN_JOINT_BALL) {
        int c = t == XN_JOINT_FREE ? k % 3 : k;
        angular = t == XN_JOINT_BALL || k >= 3;
        x = R[c];
        y = R[3 + c];
        z = R[6 + c];
    } else {
        out[0] = out[1] = out[2] = out[3] = out[4] = out[5] = 0;
        return;
    }
    if (angular) {
        const xn_real *p = X->p;
        out[0] = p[1] * z - p[2] * y;
        out[1] = p[2] * x - p[0] * z;
        out[2] = p[0] * y - p[1] * x;
        out[3] = x;
        out[4] = y;
        out[5] = z;
    } else {
        out[0] = x;
        out[1] = y;
        out[2] = z;
        out[3] = out[4] = out[5] = 0;
    }
}

/* Column k of S (6 numbers). */
static inline void xn_joint_motion_col(const xn_model *m, int b, int k, xn_real out[6]) {
    for (int i = 0; i < 6; i++) out[i] = 0;
    xn_real x[6] = {0, 0, 0, 0, 0, 0};
    x[k] = 1;
    xn_joint_add_motion(m, b, x, out);
}

#endif
