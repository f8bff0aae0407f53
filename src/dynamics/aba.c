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

/* Everything is expressed in the world frame at the world origin (as Pinocchio 3 does): a child's
 * articulated inertia and bias force then add to its parent's without a spatial transform, which
 * is the costliest step of the body-frame version. Featherstone's recursions hold unchanged in
 * any fixed frame; the only body-fixed quantity, a joint axis S, moves with its body, so its rate
 * is v_b x S and the velocity-product acceleration is c_b = v_b x (S qd). */
static void aba(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                const xn_real *tau, const xn_real *fext) {
    int nb = m->nbody;
    xn_real *cb = d->tmp;          /* 6 per body: c_b */
    xn_real *Sw = d->tmp + 6 * nb; /* 6 per DoF: the world motion axes */
    for (int i = 0; i < 6; i++) d->aba_v[i] = 0;
    xn_real ref[3] = {0, 0, 0};
    /* pass 1: placements, world velocities, rigid-body inertias and bias forces */
    for (int b = 1; b < nb; b++) {
        int p = m->body_parent[b], va = m->body_vadr[b], nvb = m->body_nv[b];
        xn_body_world_placement_shifted(m, d, b, q, ref);
        xn_real vj[6] = {0, 0, 0, 0, 0, 0};
        for (int k = 0; k < nvb; k++) {
            xn_real *s = &Sw[6 * (va + k)];
            xn_joint_world_col(m, b, k, &d->oMi[b], s);
            for (int i = 0; i < 6; i++) vj[i] += s[i] * v[va + k];
        }
        xn_real *vb = &d->aba_v[6 * b];
        for (int i = 0; i < 6; i++) vb[i] = d->aba_v[6 * p + i] + vj[i];
        xn_motion_cross(vb, vj, &cb[6 * b]);
        xn_inertia Yw;
        xn_inertia_act(&d->oMi[b], &m->body_inertia[b], &Yw);
        inertia_to_mat(&Yw, &d->IA[36 * b]);
        xn_real h[6];
        xn_inertia_mul(&Yw, vb, h);
        xn_motion_cross_force(vb, h, &d->pA[6 * b]);
        if (fext) { /* an external force (body frame) enters as a negative bias force */
            xn_real fw[6];
            xn_force_act(&d->oMi[b], &fext[6 * b], fw);
            for (int i = 0; i < 6; i++) d->pA[6 * b + i] -= fw[i];
        }
    }
    /* pass 2: articulated inertias and bias forces, leaves to root; no transforms */
    for (int b = nb - 1; b >= 1; b--) {
        int nvb = m->body_nv[b], va = m->body_vadr[b], p = m->body_parent[b];
        xn_real *IA = &d->IA[36 * b], *pA = &d->pA[6 * b], *U = &d->U[6 * va];
        xn_real *Dinv = &d->Dinv[36 * b];
        if (nvb == 1) {
            const xn_real *s = &Sw[6 * va];
            mat6_mulv(IA, s, U);
            xn_real D = m->dof_armature[va], sp = 0;
            for (int i = 0; i < 6; i++) {
                D += s[i] * U[i];
                sp += s[i] * pA[i];
            }
            xn_real di = D > 0 ? 1.0 / D : 0; /* a massless end link: leave it unaccelerated */
            Dinv[0] = di;
            d->u[va] = tau[va] - sp;
            if (p == 0) continue;
            xn_real *IAp = &d->IA[36 * p], *pAp = &d->pA[6 * p];
            xn_real Ia[36], pa[6], g = di * d->u[va];
            for (int r = 0; r < 6; r++) {
                xn_real ur = U[r] * di;
                for (int c = 0; c < 6; c++) Ia[6 * r + c] = IA[6 * r + c] - ur * U[c];
            }
            mat6_mulv(Ia, &cb[6 * b], pa);
            for (int r = 0; r < 6; r++) pAp[r] += pA[r] + pa[r] + U[r] * g;
            for (int i = 0; i < 36; i++) IAp[i] += Ia[i];
            continue;
        }
        xn_real D[36], Dinvu[6] = {0, 0, 0, 0, 0, 0};
        for (int k = 0; k < nvb; k++) mat6_mulv(IA, &Sw[6 * (va + k)], &U[6 * k]);
        for (int k = 0; k < nvb; k++) {
            const xn_real *s = &Sw[6 * (va + k)];
            for (int k2 = 0; k2 < nvb; k2++) {
                xn_real x = 0;
                for (int i = 0; i < 6; i++) x += s[i] * U[6 * k2 + i];
                D[k * nvb + k2] = x;
            }
            D[k * nvb + k] += m->dof_armature[va + k];
            xn_real sp = 0;
            for (int i = 0; i < 6; i++) sp += s[i] * pA[i];
            d->u[va + k] = tau[va + k] - sp;
        }
        invert_small(D, nvb, Dinv);
        if (p == 0) continue;
        /* Ia = IA - U Dinv U^T ; pa = pA + Ia c + U Dinv u */
        xn_real Ia[36], UDinv[36], pa[6];
        for (int r = 0; r < 6; r++)
            for (int k = 0; k < nvb; k++) {
                xn_real x = 0;
                for (int k2 = 0; k2 < nvb; k2++) x += U[6 * k2 + r] * Dinv[k2 * nvb + k];
                UDinv[r * nvb + k] = x;
            }
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++) {
                xn_real x = 0;
                for (int k = 0; k < nvb; k++) x += UDinv[r * nvb + k] * U[6 * k + c];
                Ia[6 * r + c] = IA[6 * r + c] - x;
            }
        for (int k = 0; k < nvb; k++)
            for (int k2 = 0; k2 < nvb; k2++) Dinvu[k] += Dinv[k * nvb + k2] * d->u[va + k2];
        mat6_mulv(Ia, &cb[6 * b], pa);
        for (int r = 0; r < 6; r++) {
            xn_real x = pA[r] + pa[r];
            for (int k = 0; k < nvb; k++) x += U[6 * k + r] * Dinvu[k];
            d->pA[6 * p + r] += x;
        }
        for (int i = 0; i < 36; i++) d->IA[36 * p + i] += Ia[i];
    }
    /* pass 3: accelerations, root to leaves (world frame, gravity as an upward acceleration) */
    d->aba_a[0] = -m->gravity[0];
    d->aba_a[1] = -m->gravity[1];
    d->aba_a[2] = -m->gravity[2];
    d->aba_a[3] = d->aba_a[4] = d->aba_a[5] = 0;
    for (int b = 1; b < nb; b++) {
        int nvb = m->body_nv[b], va = m->body_vadr[b], p = m->body_parent[b];
        xn_real *ab = &d->aba_a[6 * b], *U = &d->U[6 * va], *Dinv = &d->Dinv[36 * b];
        for (int i = 0; i < 6; i++) ab[i] = d->aba_a[6 * p + i] + cb[6 * b + i];
        xn_real r[6];
        for (int k = 0; k < nvb; k++) {
            xn_real x = 0;
            for (int i = 0; i < 6; i++) x += U[6 * k + i] * ab[i];
            r[k] = d->u[va + k] - x;
        }
        for (int k = 0; k < nvb; k++) {
            xn_real x = 0;
            for (int k2 = 0; k2 < nvb; k2++) x += Dinv[k * nvb + k2] * r[k2];
            d->qdd[va + k] = x;
            const xn_real *s = &Sw[6 * (va + k)];
            for (int i = 0; i < 6; i++) ab[i] += s[i] * x;
        }
    }
    xn_body_world_unshift(m, d, ref);
}

void xn_dyn_aba(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                const xn_real *tau) {
    aba(m, d, q, v, tau, NULL);
}

void xn_dyn_aba_ext(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                    const xn_real *tau, const xn_real *fext) {
    aba(m, d, q, v, tau, fext);
}
