/* Centre of mass, its Jacobian, and mechanical energy.
 * SPDX-License-Identifier: Apache-2.0 */
#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

/* Per body: subtree mass and mass-weighted centre in the world, d->subcom[4 b + {0..3}] =
 * {sum m c_x, sum m c_y, sum m c_z, sum m}. Needs d->oMi. */
static void subtree_com(const xn_model *m, xn_data *d) {
    xn_real *s = d->subcom;
    for (int i = 0; i < 4; i++) s[i] = 0;
    for (int b = 1; b < m->nbody; b++) {
        const xn_inertia *Y = &m->body_inertia[b];
        xn_real c[3];
        xn_m3_mulv(d->oMi[b].R, Y->h, c); /* R (m c) + m p */
        for (int i = 0; i < 3; i++) s[4 * b + i] = c[i] + Y->m * d->oMi[b].p[i];
        s[4 * b + 3] = Y->m;
    }
    for (int b = m->nbody - 1; b >= 1; b--) {
        int p = m->body_parent[b];
        for (int i = 0; i < 4; i++) s[4 * p + i] += s[4 * b + i];
    }
    d->mass = s[3];
    for (int i = 0; i < 3; i++) d->com[i] = s[3] > 0 ? s[i] / s[3] : 0;
}

void xn_dyn_com(const xn_model *m, xn_data *d, const xn_real *q) {
    xn_dyn_fk(m, d, q);
    subtree_com(m, d);
}

void xn_dyn_com_jacobian(const xn_model *m, xn_data *d, const xn_real *q) {
    xn_dyn_fk(m, d, q);
    subtree_com(m, d);
    int nv = m->nv;
    xn_real M = d->mass > 0 ? d->mass : 1;
    for (int b = 1; b < m->nbody; b++) {
        const xn_real *s = &d->subcom[4 * b];
        /* a DoF of b moves b's whole subtree: d(sum m c)/dqk = m_sub (v0 + w x c_sub) with
         * sum m c = s[0..2] */
        for (int k = 0; k < m->body_nv[b]; k++) {
            xn_real w[6];
            xn_joint_world_col(m, b, k, &d->oMi[b], w);
            xn_real wxc[3];
            xn_v3_cross(w + 3, s, wxc);
            int col = m->body_vadr[b] + k;
            for (int i = 0; i < 3; i++) d->Jcom[i * nv + col] = (s[3] * w[i] + wxc[i]) / M;
        }
    }
}

void xn_dyn_energy(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                   xn_real *kinetic, xn_real *potential) {
    xn_dyn_fk_vel(m, d, q, v);
    xn_real T = 0, V = 0;
    for (int b = 1; b < m->nbody; b++) {
        const xn_inertia *Y = &m->body_inertia[b];
        xn_real h[6];
        xn_inertia_mul(Y, &d->v[6 * b], h);
        for (int i = 0; i < 6; i++) T += 0.5 * d->v[6 * b + i] * h[i];
        xn_real c[3];
        xn_m3_mulv(d->oMi[b].R, Y->h, c);
        for (int i = 0; i < 3; i++) V -= m->gravity[i] * (c[i] + Y->m * d->oMi[b].p[i]);
    }
    for (int k = 0; k < m->nv; k++) T += 0.5 * m->dof_armature[k] * v[k] * v[k];
    *kinetic = T;
    *potential = V;
}
