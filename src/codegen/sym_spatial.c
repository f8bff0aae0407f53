/* Spatial algebra on symbols. SPDX-License-Identifier: Apache-2.0 */
#include "codegen/sym_spatial.h"

#include <math.h>

xs xs_unit_const(xs_graph *g, double v) {
    if (fabs(v) < 1e-14) v = 0;
    if (fabs(v - 1) < 1e-14) v = 1;
    if (fabs(v + 1) < 1e-14) v = -1;
    return xs_const(g, v);
}

void xs_se3_const(xs_graph *g, const xn_se3 *X, xs_se3 *out) {
    for (int i = 0; i < 9; i++) out->R[i] = xs_unit_const(g, X->R[i]);
    for (int i = 0; i < 3; i++) out->p[i] = xs_const(g, X->p[i]);
}

void xs_inertia_const(xs_graph *g, const xn_inertia *Y, xs_inertia *out) {
    out->m = xs_const(g, Y->m);
    for (int i = 0; i < 3; i++) out->h[i] = xs_const(g, Y->h[i]);
    for (int i = 0; i < 6; i++) out->I[i] = xs_const(g, Y->I[i]);
}

void xs_v3_cross(xs_graph *g, const xs a[3], const xs b[3], xs out[3]) {
    xs x = xs_mul_sub(g, a[1], b[2], a[2], b[1]);
    xs y = xs_mul_sub(g, a[2], b[0], a[0], b[2]);
    xs z = xs_mul_sub(g, a[0], b[1], a[1], b[0]);
    out[0] = x;
    out[1] = y;
    out[2] = z;
}

xs xs_v3_dot(xs_graph *g, const xs a[3], const xs b[3]) {
    return xs_add(g, xs_mul_add(g, a[0], b[0], a[1], b[1]), xs_mul(g, a[2], b[2]));
}

static xs dot3(xs_graph *g, xs a0, xs b0, xs a1, xs b1, xs a2, xs b2) {
    return xs_add(g, xs_mul_add(g, a0, b0, a1, b1), xs_mul(g, a2, b2));
}

void xs_m3_mul(xs_graph *g, const xs A[9], const xs B[9], xs out[9]) {
    xs r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[3 * i + j] = dot3(g, A[3 * i], B[j], A[3 * i + 1], B[3 + j], A[3 * i + 2], B[6 + j]);
    for (int i = 0; i < 9; i++) out[i] = r[i];
}

void xs_m3_mulv(xs_graph *g, const xs R[9], const xs x[3], xs out[3]) {
    xs r[3];
    for (int i = 0; i < 3; i++)
        r[i] = dot3(g, R[3 * i], x[0], R[3 * i + 1], x[1], R[3 * i + 2], x[2]);
    for (int i = 0; i < 3; i++) out[i] = r[i];
}

void xs_m3_tmulv(xs_graph *g, const xs R[9], const xs x[3], xs out[3]) {
    xs r[3];
    for (int i = 0; i < 3; i++) r[i] = dot3(g, R[i], x[0], R[3 + i], x[1], R[6 + i], x[2]);
    for (int i = 0; i < 3; i++) out[i] = r[i];
}

void xs_se3_mul(xs_graph *g, const xs_se3 *a, const xs_se3 *b, xs_se3 *out) {
    xs R[9], p[3];
    xs_m3_mul(g, a->R, b->R, R);
    xs_m3_mulv(g, a->R, b->p, p);
    for (int i = 0; i < 9; i++) out->R[i] = R[i];
    for (int i = 0; i < 3; i++) out->p[i] = xs_add(g, p[i], a->p[i]);
}

void xs_motion_act_inv(xs_graph *g, const xs_se3 *X, const xs m[6], xs out[6]) {
    xs t[3], w[3], v[3];
    xs_v3_cross(g, m + 3, X->p, t);
    for (int i = 0; i < 3; i++) t[i] = xs_add(g, t[i], m[i]);
    xs_m3_tmulv(g, X->R, m + 3, w);
    xs_m3_tmulv(g, X->R, t, v);
    for (int i = 0; i < 3; i++) {
        out[i] = v[i];
        out[3 + i] = w[i];
    }
}

void xs_motion_act(xs_graph *g, const xs_se3 *X, const xs m[6], xs out[6]) {
    xs w[3], v[3], t[3];
    xs_m3_mulv(g, X->R, m + 3, w);
    xs_m3_mulv(g, X->R, m, v);
    xs_v3_cross(g, X->p, w, t);
    for (int i = 0; i < 3; i++) {
        out[i] = xs_add(g, v[i], t[i]);
        out[3 + i] = w[i];
    }
}

void xs_force_act(xs_graph *g, const xs_se3 *X, const xs f[6], xs out[6]) {
    xs fp[3], n[3], t[3];
    xs_m3_mulv(g, X->R, f, fp);
    xs_m3_mulv(g, X->R, f + 3, n);
    xs_v3_cross(g, X->p, fp, t);
    for (int i = 0; i < 3; i++) {
        out[i] = fp[i];
        out[3 + i] = xs_add(g, n[i], t[i]);
    }
}

void xs_motion_cross(xs_graph *g, const xs a[6], const xs b[6], xs out[6]) {
    xs t1[3], t2[3], t3[3];
    xs_v3_cross(g, a + 3, b, t1);
    xs_v3_cross(g, a, b + 3, t2);
    xs_v3_cross(g, a + 3, b + 3, t3);
    for (int i = 0; i < 3; i++) {
        out[i] = xs_add(g, t1[i], t2[i]);
        out[3 + i] = t3[i];
    }
}

void xs_motion_cross_force(xs_graph *g, const xs a[6], const xs f[6], xs out[6]) {
    xs t1[3], t2[3], t3[3];
    xs_v3_cross(g, a + 3, f, t1);
    xs_v3_cross(g, a + 3, f + 3, t2);
    xs_v3_cross(g, a, f, t3);
    for (int i = 0; i < 3; i++) {
        out[i] = t1[i];
        out[3 + i] = xs_add(g, t2[i], t3[i]);
    }
}

static void sym3_mulv(xs_graph *g, const xs S[6], const xs x[3], xs out[3]) {
    xs a = dot3(g, S[0], x[0], S[3], x[1], S[4], x[2]);
    xs b = dot3(g, S[3], x[0], S[1], x[1], S[5], x[2]);
    xs c = dot3(g, S[4], x[0], S[5], x[1], S[2], x[2]);
    out[0] = a;
    out[1] = b;
    out[2] = c;
}

void xs_inertia_mul(xs_graph *g, const xs_inertia *Y, const xs m[6], xs out[6]) {
    xs hw[3], hv[3], Iw[3];
    xs_v3_cross(g, Y->h, m + 3, hw);
    xs_v3_cross(g, Y->h, m, hv);
    sym3_mulv(g, Y->I, m + 3, Iw);
    for (int i = 0; i < 3; i++) {
        out[i] = xs_sub(g, xs_mul(g, Y->m, m[i]), hw[i]);
        out[3 + i] = xs_add(g, Iw[i], hv[i]);
    }
}

void xs_inertia_act(xs_graph *g, const xs_se3 *X, const xs_inertia *Y, xs_inertia *out) {
    const xs *R = X->R, *p = X->p;
    xs Rh[3];
    xs_m3_mulv(g, R, Y->h, Rh);
    xs I[9] = {Y->I[0], Y->I[3], Y->I[4], Y->I[3], Y->I[1], Y->I[5], Y->I[4], Y->I[5], Y->I[2]};
    xs RI[9];
    xs_m3_mul(g, R, I, RI);
    static const int rc[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};
    xs o[6];
    for (int k = 0; k < 6; k++) {
        int r = rc[k][0], c = rc[k][1];
        o[k] =
            dot3(g, RI[3 * r], R[3 * c], RI[3 * r + 1], R[3 * c + 1], RI[3 * r + 2], R[3 * c + 2]);
    }
    /* -([a]x[b]x + [b]x[a]x) = 2(a.b)1 - (a b^T + b a^T), a = Rh, b = p; -m[p]x[p]x =
     * m(|p|^2 1 - p p^T) */
    xs ab = xs_v3_dot(g, Rh, p), pp = xs_v3_dot(g, p, p), m = Y->m, two = xs_const(g, 2);
    for (int k = 0; k < 3; k++) {
        xs t = xs_sub(g, xs_mul(g, two, ab), xs_mul(g, two, xs_mul(g, Rh[k], p[k])));
        t = xs_add(g, t, xs_mul(g, m, xs_sub(g, pp, xs_mul(g, p[k], p[k]))));
        o[k] = xs_add(g, o[k], t);
    }
    for (int k = 3; k < 6; k++) {
        int r = rc[k][0], c = rc[k][1];
        xs t = xs_neg(g, xs_mul_add(g, Rh[r], p[c], Rh[c], p[r]));
        t = xs_sub(g, t, xs_mul(g, xs_mul(g, m, p[r]), p[c]));
        o[k] = xs_add(g, o[k], t);
    }
    out->m = m;
    for (int k = 0; k < 3; k++) out->h[k] = xs_add(g, Rh[k], xs_mul(g, m, p[k]));
    for (int k = 0; k < 6; k++) out->I[k] = o[k];
}

void xs_inertia_accum(xs_graph *g, xs_inertia *acc, const xs_inertia *Y) {
    acc->m = xs_add(g, acc->m, Y->m);
    for (int k = 0; k < 3; k++) acc->h[k] = xs_add(g, acc->h[k], Y->h[k]);
    for (int k = 0; k < 6; k++) acc->I[k] = xs_add(g, acc->I[k], Y->I[k]);
}

void xs_inertia_matrix(xs_graph *g, const xs_inertia *Y, xs M[36]) {
    const xs *h = Y->h;
    xs z = g->zero;
    /* [m 1, -[h]x; [h]x, I] */
    xs hx[9] = {z, xs_neg(g, h[2]), h[1], h[2], z, xs_neg(g, h[0]), xs_neg(g, h[1]), h[0], z};
    xs I[9] = {Y->I[0], Y->I[3], Y->I[4], Y->I[3], Y->I[1], Y->I[5], Y->I[4], Y->I[5], Y->I[2]};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            M[6 * r + c] = r == c ? Y->m : z;
            M[6 * r + 3 + c] = xs_neg(g, hx[3 * r + c]);
            M[6 * (3 + r) + c] = hx[3 * r + c];
            M[6 * (3 + r) + 3 + c] = I[3 * r + c];
        }
}

void xs_mat6_act(xs_graph *g, const xs_se3 *X, const xs A[36], xs out[36]) {
    /* out = Xf A Xf^T with Xf = [R 0; [p]x R  R], the force transform child -> parent */
    xs B[36];
    for (int c = 0; c < 6; c++) {
        xs top[3] = {A[c], A[6 + c], A[12 + c]}, bot[3] = {A[18 + c], A[24 + c], A[30 + c]};
        xs rt[3], rb[3], px[3];
        xs_m3_mulv(g, X->R, top, rt);
        xs_m3_mulv(g, X->R, bot, rb);
        xs_v3_cross(g, X->p, rt, px);
        for (int i = 0; i < 3; i++) {
            B[6 * i + c] = rt[i];
            B[6 * (3 + i) + c] = xs_add(g, px[i], rb[i]);
        }
    }
    /* row r: C = B[r, 0:3] R^T, E = B[r, 3:6] R^T; out[r] = [C, p x C + E] */
    xs full[36];
    for (int r = 0; r < 6; r++) {
        xs C[3], E[3], pxC[3];
        xs_m3_mulv(g, X->R, &B[6 * r], C);
        xs_m3_mulv(g, X->R, &B[6 * r + 3], E);
        xs_v3_cross(g, X->p, C, pxC);
        for (int i = 0; i < 3; i++) {
            full[6 * r + i] = C[i];
            full[6 * r + 3 + i] = xs_add(g, pxC[i], E[i]);
        }
    }
    for (int r = 0; r < 6; r++) /* symmetric: the upper triangle is kept, the lower mirrored */
        for (int c = 0; c < 6; c++) out[6 * r + c] = c >= r ? full[6 * r + c] : full[6 * c + r];
}

/* R = Rt Rot_k(theta), as xn_rot_mul_axis */
static void rot_mul_axis(xs_graph *g, const xs Rt[9], int k, xs c, xs s, xs R[9]) {
    int i1 = (k + 1) % 3, i2 = (k + 2) % 3;
    for (int r = 0; r < 3; r++) {
        xs a = Rt[3 * r + i1], b = Rt[3 * r + i2];
        R[3 * r + k] = Rt[3 * r + k];
        R[3 * r + i1] = xs_mul_add(g, c, a, s, b);
        R[3 * r + i2] = xs_sub(g, xs_mul(g, c, b), xs_mul(g, s, a));
    }
}

/* Rotation of a quaternion (w x y z) scaled by 2 / |q|^2, as xn_quat_to_rot. */
static void quat_rot(xs_graph *g, const xs *q, xs R[9]) {
    xs w = q[0], x = q[1], y = q[2], z = q[3];
    xs n2 = xs_add(g, xs_mul_add(g, w, w, x, x), xs_mul_add(g, y, y, z, z));
    xs s = xs_div(g, xs_const(g, 2), n2), one = g->one;
    R[0] = xs_sub(g, one, xs_mul(g, s, xs_mul_add(g, y, y, z, z)));
    R[1] = xs_mul(g, s, xs_mul_sub(g, x, y, w, z));
    R[2] = xs_mul(g, s, xs_mul_add(g, x, z, w, y));
    R[3] = xs_mul(g, s, xs_mul_add(g, x, y, w, z));
    R[4] = xs_sub(g, one, xs_mul(g, s, xs_mul_add(g, x, x, z, z)));
    R[5] = xs_mul(g, s, xs_mul_sub(g, y, z, w, x));
    R[6] = xs_mul(g, s, xs_mul_sub(g, x, z, w, y));
    R[7] = xs_mul(g, s, xs_mul_add(g, y, z, w, x));
    R[8] = xs_sub(g, one, xs_mul(g, s, xs_mul_add(g, x, x, y, y)));
}

void xs_joint_placement(xs_graph *g, const xn_model *m, int b, const xs *q, xs_se3 *out) {
    xs_se3 T;
    xs_se3_const(g, &m->body_tree[b], &T);
    const xs *qj = q + m->body_qadr[b];
    const double *ax = &m->body_axis[3 * b];
    *out = T;
    switch (m->body_jtype[b]) {
    case XN_JOINT_REVOLUTE:
    case XN_JOINT_CONTINUOUS: {
        int k = m->body_jaxis[b];
        if (k < 3) {
            xs th = xs_mul(g, xs_unit_const(g, ax[k]), qj[0]);
            rot_mul_axis(g, T.R, k, xs_cos(g, th), xs_sin(g, th), out->R);
        } else { /* Rodrigues: R = c 1 + s [a]x + (1 - c) a a^T */
            xs sn = xs_sin(g, qj[0]), cs = xs_cos(g, qj[0]), t = xs_sub(g, g->one, cs);
            xs a[3] = {xs_const(g, ax[0]), xs_const(g, ax[1]), xs_const(g, ax[2])}, Rj[9];
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) Rj[3 * r + c] = xs_mul(g, t, xs_mul(g, a[r], a[c]));
            for (int i = 0; i < 3; i++) Rj[4 * i] = xs_add(g, Rj[4 * i], cs);
            xs sx = xs_mul(g, sn, a[0]), sy = xs_mul(g, sn, a[1]), sz = xs_mul(g, sn, a[2]);
            Rj[1] = xs_sub(g, Rj[1], sz);
            Rj[2] = xs_add(g, Rj[2], sy);
            Rj[3] = xs_add(g, Rj[3], sz);
            Rj[5] = xs_sub(g, Rj[5], sx);
            Rj[6] = xs_sub(g, Rj[6], sy);
            Rj[7] = xs_add(g, Rj[7], sx);
            xs_m3_mul(g, T.R, Rj, out->R);
        }
        break;
    }
    case XN_JOINT_PRISMATIC: {
        xs d[3], Rd[3];
        for (int i = 0; i < 3; i++) d[i] = xs_mul(g, xs_unit_const(g, ax[i]), qj[0]);
        xs_m3_mulv(g, T.R, d, Rd);
        for (int i = 0; i < 3; i++) out->p[i] = xs_add(g, T.p[i], Rd[i]);
        break;
    }
    case XN_JOINT_FREE: {
        xs Rj[9], Rp[3];
        quat_rot(g, qj + 3, Rj);
        xs_m3_mul(g, T.R, Rj, out->R);
        xs_m3_mulv(g, T.R, qj, Rp);
        for (int i = 0; i < 3; i++) out->p[i] = xs_add(g, T.p[i], Rp[i]);
        break;
    }
    case XN_JOINT_BALL: {
        xs Rj[9];
        quat_rot(g, qj, Rj);
        xs_m3_mul(g, T.R, Rj, out->R);
        break;
    }
    default: break;
    }
}

void xs_joint_col(xs_graph *g, const xn_model *m, int b, int k, xs out[6]) {
    const double *ax = &m->body_axis[3 * b];
    for (int i = 0; i < 6; i++) out[i] = g->zero;
    switch (m->body_jtype[b]) {
    case XN_JOINT_REVOLUTE:
    case XN_JOINT_CONTINUOUS:
        for (int i = 0; i < 3; i++) out[3 + i] = xs_unit_const(g, ax[i]);
        break;
    case XN_JOINT_PRISMATIC:
        for (int i = 0; i < 3; i++) out[i] = xs_unit_const(g, ax[i]);
        break;
    case XN_JOINT_FREE: out[k] = g->one; break;
    case XN_JOINT_BALL: out[3 + k] = g->one; break;
    default: break;
    }
}
