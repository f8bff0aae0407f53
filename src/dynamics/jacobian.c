/* Frame Jacobians and the joint Jacobians of every DoF.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dynamics/frame_check.h"
#include "dynamics/joint_inline.h"
#include "xiaonao/dynamics.h"

/* A column given as a world-frame motion (w, v0 at the world origin) re-expressed for frame
 * placement oMf in convention rf. */
static void world_col_to_convention(const xn_se3 *oMf, const xn_real col[6], xn_reference_frame rf,
                                    xn_real out[6]) {
    if (rf == XN_WORLD) {
        memcpy(out, col, 6 * sizeof(xn_real));
        return;
    }
    /* velocity of the frame origin: v0 + w x p */
    xn_real wp[3];
    xn_v3_cross(col + 3, oMf->p, wp);
    xn_real lin[3] = {col[0] + wp[0], col[1] + wp[1], col[2] + wp[2]};
    if (rf == XN_LOCAL_WORLD_ALIGNED) {
        out[0] = lin[0];
        out[1] = lin[1];
        out[2] = lin[2];
        out[3] = col[3];
        out[4] = col[4];
        out[5] = col[5];
    } else {
        xn_m3_tmulv(oMf->R, lin, out);
        xn_m3_tmulv(oMf->R, col + 3, out + 3);
    }
}

static void set_col(xn_real *J, int nv, int k, const xn_real c[6]) {
    for (int r = 0; r < 6; r++) J[r * nv + k] = c[r];
}

xn_status xn_dyn_frame_jacobian(const xn_model *m, const xn_data *d, int f, xn_reference_frame rf,
                                xn_real *J) {
    if (!xn_frame_args_ok(m, f, (int)rf)) return xn_frame_refuse(J, 6 * (size_t)m->nv);
    int nv = m->nv;
    memset(J, 0, sizeof(xn_real) * 6 * (size_t)nv);
    xn_se3 oMf;
    xn_dyn_frame_placement(m, d, f, &oMf);
    for (int b = m->frame_body[f]; b > 0; b = m->body_parent[b]) {
        for (int k = 0; k < m->body_nv[b]; k++) {
            xn_real w[6], c[6];
            xn_joint_world_col(m, b, k, &d->oMi[b], w);
            world_col_to_convention(&oMf, w, rf, c);
            set_col(J, nv, m->body_vadr[b] + k, c);
        }
    }
    return XN_OK;
}

xn_status xn_dyn_frame_jacobian_at(const xn_model *m, xn_data *d, const xn_real *q, int f,
                                   xn_reference_frame rf, xn_real *J) {
    if (!xn_frame_args_ok(m, f, (int)rf)) return xn_frame_refuse(J, 6 * (size_t)m->nv);
    int n = 0;
    for (int b = m->frame_body[f]; b > 0; b = m->body_parent[b]) d->path[n++] = b;
    for (int i = n - 1; i >= 0; i--) xn_body_world_placement(m, d, d->path[i], q); /* root first */
    xn_dyn_frame_jacobian(m, d, f, rf, J);
    return XN_OK;
}

void xn_dyn_joint_jacobians(const xn_model *m, xn_data *d, const xn_real *q) {
    xn_dyn_fk(m, d, q);
    int nv = m->nv;
    for (int b = 1; b < m->nbody; b++) {
        for (int k = 0; k < m->body_nv[b]; k++) {
            xn_real w[6];
            xn_joint_world_col(m, b, k, &d->oMi[b], w);
            set_col(d->Jw, nv, m->body_vadr[b] + k, w);
        }
    }
}

xn_status xn_dyn_frame_jacobian_from_joints(const xn_model *m, const xn_data *d, int f,
                                            xn_reference_frame rf, xn_real *J) {
    if (!xn_frame_args_ok(m, f, (int)rf)) return xn_frame_refuse(J, 6 * (size_t)m->nv);
    int nv = m->nv;
    memset(J, 0, sizeof(xn_real) * 6 * (size_t)nv);
    xn_se3 oMf;
    xn_dyn_frame_placement(m, d, f, &oMf);
    for (int b = m->frame_body[f]; b > 0; b = m->body_parent[b]) {
        for (int k = m->body_vadr[b]; k < m->body_vadr[b] + m->body_nv[b]; k++) {
            xn_real w[6], c[6];
            for (int r = 0; r < 6; r++) w[r] = d->Jw[r * nv + k];
            world_col_to_convention(&oMf, w, rf, c);
            set_col(J, nv, k, c);
        }
    }
    return XN_OK;
}
