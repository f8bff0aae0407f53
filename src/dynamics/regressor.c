/* The joint-force regressor: RNEA written as Y(q, v, a) pi, linear in the inertial parameters
 * (Atkeson, An and Hollerbach 1986; Khalil and Dombre ch. 14). Each body's net force
 * f_b = I_b a_b + v_b x* I_b v_b is linear in its ten parameters, so its 6 x 10 block is found by
 * evaluating that force for each unit parameter; the block then climbs the tree like RNEA's
 * backward pass, each joint on the way taking S^T of it. SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

int xn_dyn_regressor_cols(const xn_model *m) { return XN_DYN_BODY_PARAMS * (m->nbody - 1) + m->nv; }

/* The body's parameter vector in the regressor's order, which is xn_inertia's memory order. */
static void inertia_to_params(const xn_inertia *I, xn_real p[XN_DYN_BODY_PARAMS]) {
    p[0] = I->m;
    for (int i = 0; i < 3; i++) p[1 + i] = I->h[i];
    for (int i = 0; i < 6; i++) p[4 + i] = I->I[i];
}

void xn_dyn_params_to_inertia(const xn_real p[XN_DYN_BODY_PARAMS], xn_inertia *I) {
    I->m = p[0];
    for (int i = 0; i < 3; i++) I->h[i] = p[1 + i];
    for (int i = 0; i < 6; i++) I->I[i] = p[4 + i];
}

void xn_dyn_regressor_params(const xn_model *m, xn_real *pi) {
    for (int b = 1; b < m->nbody; b++)
        inertia_to_params(&m->body_inertia[b], pi + XN_DYN_BODY_PARAMS * (b - 1));
    xn_real *arm = pi + XN_DYN_BODY_PARAMS * (m->nbody - 1);
    for (int k = 0; k < m->nv; k++) arm[k] = m->dof_armature[k];
}

/* The 6 x 10 block (column-major: A[c] is the force for parameter c) of f = I a + v x* I v. */
static void body_block(const xn_real v[6], const xn_real a[6], xn_real A[XN_DYN_BODY_PARAMS][6]) {
    for (int c = 0; c < XN_DYN_BODY_PARAMS; c++) {
        xn_real p[XN_DYN_BODY_PARAMS] = {0};
        p[c] = 1;
        xn_inertia I;
        xn_dyn_params_to_inertia(p, &I);
        xn_real h[6], vxh[6];
        xn_inertia_mul(&I, v, h);
        xn_motion_cross_force(v, h, vxh);
        xn_inertia_mul(&I, a, A[c]);
        for (int i = 0; i < 6; i++) A[c][i] += vxh[i];
    }
}

void xn_dyn_regressor(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                      const xn_real *a, xn_real *Y) {
    xn_dyn_rnea(m, d, q, v, a); /* the forward pass: d->liMi, d->v, d->a (gravity folded in) */
    const int ncol = xn_dyn_regressor_cols(m), nv = m->nv;
    memset(Y, 0, sizeof(xn_real) * (size_t)nv * (size_t)ncol);
    for (int b = 1; b < m->nbody; b++) {
        xn_real A[XN_DYN_BODY_PARAMS][6];
        body_block(&d->v[6 * b], &d->a[6 * b], A);
        const int col0 = XN_DYN_BODY_PARAMS * (b - 1);
        /* the block as seen by each joint from b up to the root */
        for (int j = b; j > 0; j = m->body_parent[j]) {
            const int va = m->body_vadr[j];
            for (int c = 0; c < XN_DYN_BODY_PARAMS; c++) {
                xn_real s[6];
                xn_joint_project_force(m, j, A[c], s);
                for (int k = 0; k < m->body_nv[j]; k++)
                    Y[(size_t)(va + k) * ncol + col0 + c] = s[k];
            }
            if (m->body_parent[j] > 0)
                for (int c = 0; c < XN_DYN_BODY_PARAMS; c++) {
                    xn_real f[6];
                    xn_force_act(&d->liMi[j], A[c], f);
                    memcpy(A[c], f, sizeof f);
                }
        }
    }
    if (a) /* the armature: reflected rotor inertia times the joint's own acceleration */
        for (int k = 0; k < nv; k++)
            Y[(size_t)k * ncol + XN_DYN_BODY_PARAMS * (m->nbody - 1) + k] = a[k];
}
