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

/* Composite inertias at the first root body (world axes), as in CRBA; each DoF's column is the
 * momentum its unit motion gives its subtree, moved from that point to the centre of mass. */
void xn_dyn_centroidal_map(const xn_model *m, xn_data *d, const xn_real *q) {
    int nv = m->nv;
    xn_real ref[3] = {0, 0, 0};
    for (int b = 1; b < m->nbody; b++) {
        xn_body_world_placement_shifted(m, d, b, q, ref);
        xn_inertia_act(&d->oMi[b], &m->body_inertia[b], &d->Ic[b]);
    }
    xn_inertia total = {0, {0, 0, 0}, {0, 0, 0, 0, 0, 0}};
    for (int b = m->nbody - 1; b >= 1; b--) {
        int p = m->body_parent[b];
        if (p > 0)
            xn_inertia_accum(&d->Ic[p], &d->Ic[b]);
        else
            xn_inertia_accum(&total, &d->Ic[b]);
    }
    xn_real c[3] = {0, 0, 0};
    if (total.m > 0)
        for (int i = 0; i < 3; i++) c[i] = total.h[i] / total.m;
    for (int b = 1; b < m->nbody; b++)
        for (int k = 0; k < m->body_nv[b]; k++) {
            xn_real s[6], f[6], cxf[3];
            xn_joint_world_col(m, b, k, &d->oMi[b], s);
            xn_inertia_mul(&d->Ic[b], s, f);
            xn_v3_cross(c, f, cxf); /* moment about the centre of mass: n - c x f */
            int col = m->body_vadr[b] + k;
            for (int i = 0; i < 3; i++) {
                d->Ag[i * nv + col] = f[i];
                d->Ag[(3 + i) * nv + col] = f[3 + i] - cxf[i];
            }
        }
    d->mass = total.m;
    for (int i = 0; i < 3; i++) d->com[i] = c[i] + ref[i];
    xn_body_world_unshift(m, d, ref);
}

void xn_dyn_centroidal_momentum(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                                xn_real h[6]) {
    xn_dyn_centroidal_map(m, d, q);
    int nv = m->nv;
    for (int r = 0; r < 6; r++) {
        xn_real x = 0;
        for (int k = 0; k < nv; k++) x += d->Ag[r * nv + k] * v[k];
        h[r] = x;
    }
}
