/* Composite-rigid-body algorithm (Featherstone, Table 6.2) and the sparse L^T D L factorization
 * of the mass matrix that follows the tree (Featherstone, Tables 6.3 and 6.4).
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

void xn_dyn_crba(const xn_model *m, xn_data *d, const xn_real *q) {
    int nv = m->nv;
    memset(d->M, 0, sizeof(xn_real) * (size_t)nv * (size_t)nv); /* other branches stay zero */
    for (int b = 1; b < m->nbody; b++) {
        xn_joint_placement(m, b, q, &d->liMi[b]);
        d->Ic[b] = m->body_inertia[b];
    }
    for (int b = m->nbody - 1; b >= 1; b--) {
        for (int k = 0; k < m->body_nv[b]; k++) {
            int row = m->body_vadr[b] + k;
            xn_real s[6], F[6], t[6];
            xn_joint_motion_col(m, b, k, s);
            xn_inertia_mul(&d->Ic[b], s, F);
            /* entries with the DoFs of the same joint (k' <= k) */
            xn_real proj[6];
            xn_joint_project_force(m, b, F, proj);
            for (int k2 = 0; k2 <= k; k2++) {
                int col = m->body_vadr[b] + k2;
                d->M[row * nv + col] = d->M[col * nv + row] = proj[k2];
            }
            d->M[row * nv + row] += m->dof_armature[row];
            /* then up the tree: F expressed in each ancestor's frame */
            for (int j = b; m->body_parent[j] > 0; j = m->body_parent[j]) {
                xn_force_act(&d->liMi[j], F, t);
                for (int i = 0; i < 6; i++) F[i] = t[i];
                int pj = m->body_parent[j];
                xn_joint_project_force(m, pj, F, proj);
                for (int k2 = 0; k2 < m->body_nv[pj]; k2++) {
                    int col = m->body_vadr[pj] + k2;
                    d->M[row * nv + col] = d->M[col * nv + row] = proj[k2];
                }
            }
        }
        int p = m->body_parent[b];
        if (p > 0) {
            xn_inertia Y;
            xn_inertia_act(&d->liMi[b], &d->Ic[b], &Y);
            xn_inertia_accum(&d->Ic[p], &Y);
        }
    }
}

xn_status xn_dyn_factor(const xn_model *m, xn_data *d) {
    int nv = m->nv;
    xn_real *H = d->LD;
    for (int i = 0; i < nv * nv; i++) H[i] = d->M[i];
    for (int k = nv - 1; k >= 0; k--) {
        xn_real hkk = H[k * nv + k];
        if (!(hkk > 0)) return XN_ERR_NUMERIC;
        for (int i = m->dof_parent[k]; i >= 0; i = m->dof_parent[i]) {
            xn_real a = H[k * nv + i] / hkk;
            for (int j = i; j >= 0; j = m->dof_parent[j]) H[i * nv + j] -= a * H[k * nv + j];
            H[k * nv + i] = a;
        }
    }
    return XN_OK;
}

void xn_dyn_solve(const xn_model *m, const xn_data *d, xn_real *x) {
    int nv = m->nv;
    const xn_real *L = d->LD;
    /* M = L^T D L: solve L^T y = b, then D z = y, then L x = z */
    for (int i = nv - 1; i >= 0; i--)
        for (int j = m->dof_parent[i]; j >= 0; j = m->dof_parent[j]) x[j] -= L[i * nv + j] * x[i];
    for (int i = 0; i < nv; i++) x[i] /= L[i * nv + i];
    for (int i = 0; i < nv; i++)
        for (int j = m->dof_parent[i]; j >= 0; j = m->dof_parent[j]) x[i] -= L[i * nv + j] * x[j];
}
