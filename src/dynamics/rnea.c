/* Recursive Newton-Euler algorithm (Featherstone, Rigid Body Dynamics Algorithms, Table 5.1),
 * in body-local frames, with gravity folded in as an upward acceleration of the world.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>

#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

/* Forward pass: velocities, accelerations and the net force each body needs,
 * f_b = I_b a_b + v_b x* I_b v_b. v or a may be NULL (taken as zero). */
static void rnea_forward(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                         const xn_real *a) {
    for (int i = 0; i < 6; i++) d->v[i] = 0;
    d->a[0] = -m->gravity[0];
    d->a[1] = -m->gravity[1];
    d->a[2] = -m->gravity[2];
    d->a[3] = d->a[4] = d->a[5] = 0;
    for (int b = 1; b < m->nbody; b++) {
        int p = m->body_parent[b], va = m->body_vadr[b];
        xn_se3 *X = &d->liMi[b];
        xn_joint_placement(m, b, q, X);
        xn_real *vb = &d->v[6 * b], *ab = &d->a[6 * b], *fb = &d->f[6 * b];
        xn_motion_act_inv(X, &d->a[6 * p], ab);
        if (a) xn_joint_add_motion(m, b, a + va, ab);
        if (v) {
            xn_real vj[6] = {0, 0, 0, 0, 0, 0}, c[6];
            xn_joint_add_motion(m, b, v + va, vj);
            xn_motion_act_inv(X, &d->v[6 * p], vb);
            for (int i = 0; i < 6; i++) vb[i] += vj[i];
            xn_motion_cross(vb, vj, c);
            for (int i = 0; i < 6; i++) ab[i] += c[i];
            xn_real h[6], vxh[6];
            xn_inertia_mul(&m->body_inertia[b], vb, h);
            xn_motion_cross_force(vb, h, vxh);
            xn_inertia_mul(&m->body_inertia[b], ab, fb);
            for (int i = 0; i < 6; i++) fb[i] += vxh[i];
        } else {
            for (int i = 0; i < 6; i++) vb[i] = 0;
            xn_inertia_mul(&m->body_inertia[b], ab, fb);
        }
    }
}

/* Backward pass: joint forces projected on the motion axes, forces passed to the parents. An
 * external force on a body (fext, body frame) takes its share of the force the joint must
 * transmit. */
static void rnea_backward(const xn_model *m, xn_data *d, const xn_real *a, const xn_real *fext,
                          xn_real *tau) {
    for (int b = m->nbody - 1; b >= 1; b--) {
        xn_real *fb = &d->f[6 * b];
        if (fext)
            for (int i = 0; i < 6; i++) fb[i] -= fext[6 * b + i];
        int va = m->body_vadr[b];
        xn_joint_project_force(m, b, fb, tau + va);
        if (a)
            for (int k = 0; k < m->body_nv[b]; k++)
                tau[va + k] += m->dof_armature[va + k] * a[va + k];
        int p = m->body_parent[b];
        if (p > 0) {
            xn_real fp[6];
            xn_force_act(&d->liMi[b], fb, fp);
            xn_real *fpar = &d->f[6 * p];
            for (int i = 0; i < 6; i++) fpar[i] += fp[i];
        }
    }
}

void xn_dyn_rnea(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                 const xn_real *a) {
    rnea_forward(m, d, q, v, a);
    rnea_backward(m, d, a, NULL, d->tau);
}

void xn_dyn_rnea_ext(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                     const xn_real *a, const xn_real *fext) {
    rnea_forward(m, d, q, v, a);
    rnea_backward(m, d, a, fext, d->tau);
}

void xn_dyn_gravity(const xn_model *m, xn_data *d, const xn_real *q) {
    rnea_forward(m, d, q, NULL, NULL);
    rnea_backward(m, d, NULL, NULL, d->g);
}

void xn_dyn_nle(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v) {
    rnea_forward(m, d, q, v, NULL);
    rnea_backward(m, d, NULL, NULL, d->nle);
}

void xn_dyn_passive(const xn_model *m, const xn_real *v, xn_real *tau) {
    for (int k = 0; k < m->nv; k++) tau[k] = -m->dof_damping[k] * v[k];
}
