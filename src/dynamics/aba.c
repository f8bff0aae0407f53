/* Articulated-body algorithm, forward dynamics (Featherstone, Table 7.1), in body-local frames.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dynamics/joint_inline.h"
#include "math/dense.h"
#include "xiaonao/dynamics.h"

/* 6x6 row-major matrix of a rigid-body inertia: [[m 1, -[h]x], [[h]x, I]]. */
static void inertia_to_mat(const xn_inertia *Y, xn_real *A) {
    const xn_real *h = Y->h, *I = Y->I, mm = Y->m;
    xn_real M[36] = {mm,   0, 0,     0,    h[2],  -h[1], 0,     mm,    0,    -h[2], 0,    h[0],
                     0,    0, mm,    h[1], -h[0], 0,     0,     -h[2], h[1], I[0],  I[3], I[4],
                     h[2], 0, -h[0], I[3], I[1],  I[5],  -h[1], h[0],  0,    I[4],  I[5], I[2]};
    memcpy(A, M, sizeof M);
}

static void blk_get(const xn_real *A, int bi, int bj, xn_real B[9]) {
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) B[3 * r + c] = A[6 * (3 * bi + r) + 3 * bj + c];
}

/* R B R^T */
static void rot_blk(const xn_real R[9], const xn_real B[9], xn_real out[9]) {
    xn_real RB[9];
    xn_m3_mul(R, B, RB);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            out[3 * r + c] =
                RB[3 * r] * R[3 * c] + RB[3 * r + 1] * R[3 * c + 1] + RB[3 * r + 2] * R[3 * c + 2];
}

/* P B with P = [p]x, column by column */
static void skew_mul(const xn_real p[3], const xn_real B[9], xn_real out[9]) {
    for (int c = 0; c < 3; c++) {
        xn_real col[3] = {B[c], B[3 + c], B[6 + c]}, t[3];
        xn_v3_cross(p, col, t);
        out[c] = t[0];
        out[3 + c] = t[1];
        out[6 + c] = t[2];
    }
}

/* Ap += Xf Ia Xf^T: an articulated inertia of a child (child axes) added to its parent, where
 * Xf = [[R, 0], [[p]x R, R]] is the child-to-parent force transform. */
static void add_transformed(const xn_se3 *X, const xn_real *Ia, xn_real *Ap) {
    xn_real B11[9], B12[9], B22[9], t[9];
    blk_get(Ia, 0, 0, t);
    rot_blk(X->R, t, B11);
    blk_get(Ia, 1, 1, t);
    rot_blk(X->R, t, B22);
    /* R B12 R^T for the non-symmetric block */
    xn_real B[9], RB[9];
    blk_get(Ia, 0, 1, B);
    xn_m3_mul(X->R, B, RB);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            B12[3 * r + c] = RB[3 * r] * X->R[3 * c] + RB[3 * r + 1] * X->R[3 * c + 1] +
                             RB[3 * r + 2] * X->R[3 * c + 2];
    /* C12 = B12 - B11 P ; C22 = B22 + P B12 + (P B12)^T - P B11 P */
    xn_real W[9], PB12[9], PW[9];
    /* B11 P = -(P B11)^T since both B11 symmetric and P skew */
    xn_real PB11[9];
    skew_mul(X->p, B11, PB11);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) W[3 * r + c] = -PB11[3 * c + r];
    skew_mul(X->p, B12, PB12);
    skew_mul(X->p, W, PW);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            xn_real c11 = B11[3 * r + c];
            xn_real c12 = B12[3 * r + c] - W[3 * r + c];
            xn_real c21 = B12[3 * c + r] - W[3 * c + r];
            xn_real c22 = B22[3 * r + c] + PB12[3 * r + c] + PB12[3 * c + r] - PW[3 * r + c];
            Ap[6 * r + c] += c11;
            Ap[6 * r + 3 + c] += c12;
            Ap[6 * (3 + r) + c] += c21;
            Ap[6 * (3 + r) + 3 + c] += c22;
        }
}

static void mat6_mulv(const xn_real *A, const xn_real x[6], xn_real out[6]) {
    for (int r = 0; r < 6; r++) {
        xn_real s = 0;
        for (int c = 0; c < 6; c++) s += A[6 * r + c] * x[c];
        out[r] = s;
    }
}

/* Inverse of the small symmetric positive-definite joint-space inertia D (n = 1, 3 or 6). */
static void invert_small(const xn_real *D, int n, xn_real *Dinv) {
    if (n == 1) {
        Dinv[0] = 1.0 / D[0];
        return;
    }
    xn_real L[36];
    memcpy(L, D, sizeof(xn_real) * (size_t)(n * n));
    if (xn_chol_factor(L, n) != XN_OK) {
        /* singular articulated inertia (a massless end link): leave the joint unaccelerated */
        memset(Dinv, 0, sizeof(xn_real) * (size_t)(n * n));
        return;
    }
    for (int c = 0; c < n; c++) {
        xn_real e[6] = {0, 0, 0, 0, 0, 0};
        e[c] = 1;
        xn_chol_solve(L, n, e);
        for (int r = 0; r < n; r++) Dinv[r * n + c] = e[r];
    }
}

void xn_dyn_aba(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                const xn_real *tau) {
    int nb = m->nbody;
    xn_real *cb = d->tmp; /* 6 per body: velocity-product acceleration v_b x (S qd) */
    for (int i = 0; i < 6; i++) d->v[i] = 0;
    /* pass 1: kinematics and the rigid-body bias forces */
    for (int b = 1; b < nb; b++) {
        int p = m->body_parent[b];
        xn_joint_placement(m, b, q, &d->liMi[b]);
        xn_real *vb = &d->v[6 * b], vj[6] = {0, 0, 0, 0, 0, 0};
        xn_joint_add_motion(m, b, v + m->body_vadr[b], vj);
        xn_motion_act_inv(&d->liMi[b], &d->v[6 * p], vb);
        for (int i = 0; i < 6; i++) vb[i] += vj[i];
        xn_motion_cross(vb, vj, &cb[6 * b]);
        inertia_to_mat(&m->body_inertia[b], &d->IA[36 * b]);
        xn_real h[6];
        xn_inertia_mul(&m->body_inertia[b], vb, h);
        xn_motion_cross_force(vb, h, &d->pA[6 * b]);
    }
    /* pass 2: articulated inertias and bias forces, leaves to root */
    for (int b = nb - 1; b >= 1; b--) {
        int nvb = m->body_nv[b], va = m->body_vadr[b], p = m->body_parent[b];
        xn_real *IA = &d->IA[36 * b], *pA = &d->pA[6 * b], *U = &d->U[6 * va];
        xn_real D[36], Sf[6];
        for (int k = 0; k < nvb; k++) {
            xn_real s[6];
            xn_joint_motion_col(m, b, k, s);
            mat6_mulv(IA, s, &U[6 * k]);
        }
        for (int k = 0; k < nvb; k++) {
            xn_joint_project_force(m, b, &U[6 * k], Sf);
            for (int k2 = 0; k2 < nvb; k2++) D[k2 * nvb + k] = Sf[k2];
            D[k * nvb + k] += m->dof_armature[va + k];
        }
        xn_joint_project_force(m, b, pA, Sf);
        for (int k = 0; k < nvb; k++) d->u[va + k] = tau[va + k] - Sf[k];
        xn_real *Dinv = &d->Dinv[36 * b];
        invert_small(D, nvb, Dinv);
        if (p == 0) continue;
        /* Ia = IA - U Dinv U^T ; pa = pA + Ia c + U Dinv u */
        xn_real Ia[36], UDinv[36], pa[6], Dinvu[6] = {0, 0, 0, 0, 0, 0};
        for (int r = 0; r < 6; r++)
            for (int k = 0; k < nvb; k++) {
                xn_real s = 0;
                for (int k2 = 0; k2 < nvb; k2++) s += U[6 * k2 + r] * Dinv[k2 * nvb + k];
                UDinv[r * nvb + k] = s;
            }
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++) {
                xn_real s = 0;
                for (int k = 0; k < nvb; k++) s += UDinv[r * nvb + k] * U[6 * k + c];
                Ia[6 * r + c] = IA[6 * r + c] - s;
            }
        for (int k = 0; k < nvb; k++)
            for (int k2 = 0; k2 < nvb; k2++) Dinvu[k] += Dinv[k * nvb + k2] * d->u[va + k2];
        mat6_mulv(Ia, &cb[6 * b], pa);
        for (int r = 0; r < 6; r++) {
            xn_real s = pA[r];
            for (int k = 0; k < nvb; k++) s += U[6 * k + r] * Dinvu[k];
            pa[r] += s;
        }
        add_transformed(&d->liMi[b], Ia, &d->IA[36 * p]);
        xn_real fp[6];
        xn_force_act(&d->liMi[b], pa, fp);
        for (int r = 0; r < 6; r++) d->pA[6 * p + r] += fp[r];
    }
    /* pass 3: accelerations, root to leaves */
    d->a[0] = -m->gravity[0];
    d->a[1] = -m->gravity[1];
    d->a[2] = -m->gravity[2];
    d->a[3] = d->a[4] = d->a[5] = 0;
    for (int b = 1; b < nb; b++) {
        int nvb = m->body_nv[b], va = m->body_vadr[b], p = m->body_parent[b];
        xn_real *ab = &d->a[6 * b], *U = &d->U[6 * va], *Dinv = &d->Dinv[36 * b];
        xn_motion_act_inv(&d->liMi[b], &d->a[6 * p], ab);
        for (int i = 0; i < 6; i++) ab[i] += cb[6 * b + i];
        xn_real r[6];
        for (int k = 0; k < nvb; k++) {
            xn_real s = 0;
            for (int i = 0; i < 6; i++) s += U[6 * k + i] * ab[i];
            r[k] = d->u[va + k] - s;
        }
        for (int k = 0; k < nvb; k++) {
            xn_real s = 0;
            for (int k2 = 0; k2 < nvb; k2++) s += Dinv[k * nvb + k2] * r[k2];
            d->qdd[va + k] = s;
        }
        xn_joint_add_motion(m, b, d->qdd + va, ab);
    }
}
