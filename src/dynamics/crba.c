/* Composite-rigid-body algorithm (Featherstone, Table 6.2) and the sparse L^T D L factorization
 * of the mass matrix that follows the tree (Featherstone, Tables 6.3 and 6.4).
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

/* In the world frame (as Pinocchio does): every DoF's motion axis S_k and every body's composite
 * inertia are expressed at the world origin, so composite inertias accumulate by plain addition
 * and each entry M[k][j] is one 6-vector dot product S_j . (Ic S_k), with no transform up the
 * tree per entry. */
void xn_dyn_crba(const xn_model *m, xn_data *d, const xn_real *q) {
    int nv = m->nv;
    xn_real *Jw = d->tmp; /* world motion axes, 6 contiguous numbers per DoF */
    memset(d->M, 0, sizeof(xn_real) * (size_t)nv * (size_t)nv); /* other branches stay zero */
    xn_real ref[3] = {0, 0, 0};
    for (int b = 1; b < m->nbody; b++) {
        xn_body_world_placement_shifted(m, d, b, q, ref);
        xn_inertia_act(&d->oMi[b], &m->body_inertia[b], &d->Ic[b]);
        for (int k = 0; k < m->body_nv[b]; k++)
            xn_joint_world_col(m, b, k, &d->oMi[b], &Jw[6 * (m->body_vadr[b] + k)]);
    }
    for (int b = m->nbody - 1; b >= 1; b--) {
        int va = m->body_vadr[b];
        for (int k = va; k < va + m->body_nv[b]; k++) {
            xn_real F[6];
            xn_inertia_mul(&d->Ic[b], &Jw[6 * k], F);
            /* this DoF and every DoF on its path to the root */
            for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++) {
                int j = m->dof_path[t];
                const xn_real *S = &Jw[6 * j];
                xn_real x = S[0] * F[0] + S[1] * F[1] + S[2] * F[2] + S[3] * F[3] + S[4] * F[4] +
                            S[5] * F[5];
                d->M[k * nv + j] = d->M[j * nv + k] = x;
            }
            d->M[k * nv + k] += m->dof_armature[k];
        }
        int p = m->body_parent[b];
        if (p > 0) xn_inertia_accum(&d->Ic[p], &d->Ic[b]);
    }
    xn_body_world_unshift(m, d, ref);
}

/* Featherstone's LTDL with each DoF's path to the root walked as runs of consecutive DoFs, so
 * that the innermost updates are contiguous (and vectorize). */
xn_status xn_dyn_factor(const xn_model *m, xn_data *d) {
    int nv = m->nv;
    xn_real *restrict H = d->LD;
    const xn_real *restrict M = d->M;
    /* only the entries on each DoF's path are read or written: copy just those */
    for (int k = 0; k < nv; k++)
        for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++) {
            int j = m->dof_path[t];
            H[k * nv + j] = M[k * nv + j];
        }
    for (int k = nv - 1; k >= 0; k--) {
        const int *P = &m->dof_path[m->dof_path_adr[k]];
        int n = m->dof_path_adr[k + 1] - m->dof_path_adr[k];
        xn_real *Hk = &H[k * nv], hkk = Hk[k];
        if (!(hkk > 0)) return XN_ERR_NUMERIC;
        xn_real inv = 1.0 / hkk;
        for (int t = 1; t < n; t++) {
            int i = P[t];
            xn_real a = Hk[i] * inv, *Hi = &H[i * nv];
            for (int u = t; u < n; u++) {
                int j = P[u];
                Hi[j] -= a * Hk[j];
            }
            Hk[i] = a;
        }
    }
    return XN_OK;
}

void xn_dyn_solve(const xn_model *m, const xn_data *d, xn_real *x) {
    int nv = m->nv;
    const xn_real *L = d->LD;
    /* M = L^T D L: solve L^T y = b, then D z = y, then L x = z */
    for (int i = nv - 1; i >= 0; i--) {
        const int *P = &m->dof_path[m->dof_path_adr[i]];
        int n = m->dof_path_adr[i + 1] - m->dof_path_adr[i];
        xn_real xi = x[i];
        for (int t = 1; t < n; t++) x[P[t]] -= L[i * nv + P[t]] * xi;
    }
    for (int i = 0; i < nv; i++) x[i] /= L[i * nv + i];
    for (int i = 0; i < nv; i++) {
        const int *P = &m->dof_path[m->dof_path_adr[i]];
        int n = m->dof_path_adr[i + 1] - m->dof_path_adr[i];
        xn_real s = x[i];
        for (int t = 1; t < n; t++) s -= L[i * nv + P[t]] * x[P[t]];
        x[i] = s;
    }
}
