/* The floating base's state from the IMU and the legs' kinematics (see estimator.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/estimator.h"

#include <stdlib.h>
#include <string.h>

#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

struct xn_base_estimator {
    const xn_model *m;
    xn_data *d;
    int nfeet;
    int frame[XN_ESTIMATOR_MAX_FEET];
    xn_real anchor[XN_ESTIMATOR_MAX_FEET][3]; /* the stance feet's world positions */
    unsigned char was_stance[XN_ESTIMATOR_MAX_FEET];
    xn_real *J, *qtmp;
};

xn_base_estimator *xn_base_estimator_create(const xn_model *m, int nfeet, const int *foot_frame) {
    if (nfeet < 1 || nfeet > XN_ESTIMATOR_MAX_FEET || m->nbody < 2 || m->body_nv[1] != 6)
        return NULL;
    xn_base_estimator *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->m = m;
    e->nfeet = nfeet;
    memcpy(e->frame, foot_frame, (size_t)nfeet * sizeof(int));
    e->d = xn_data_create(m);
    e->J = calloc(6 * (size_t)m->nv, sizeof(xn_real));
    e->qtmp = calloc((size_t)m->nq, sizeof(xn_real));
    if (!e->d || !e->J || !e->qtmp) {
        xn_base_estimator_free(e);
        return NULL;
    }
    return e;
}

void xn_base_estimator_free(xn_base_estimator *e) {
    if (!e) return;
    xn_data_free(e->d);
    free(e->J);
    free(e->qtmp);
    free(e);
}

/* the feet's world positions with the base at the origin (orientation and joints from q) */
static void relative_feet(xn_base_estimator *e, const xn_real *q, xn_real rel[][3]) {
    memcpy(e->qtmp, q, (size_t)e->m->nq * sizeof(xn_real));
    e->qtmp[0] = e->qtmp[1] = e->qtmp[2] = 0;
    xn_dyn_fk(e->m, e->d, e->qtmp);
    for (int f = 0; f < e->nfeet; f++) {
        xn_se3 F;
        xn_dyn_frame_placement(e->m, e->d, e->frame[f], &F);
        memcpy(rel[f], F.p, sizeof rel[f]);
    }
}

void xn_base_estimator_reset(xn_base_estimator *e, const xn_real *q, const xn_real position[3]) {
    xn_real rel[XN_ESTIMATOR_MAX_FEET][3];
    relative_feet(e, q, rel);
    for (int f = 0; f < e->nfeet; f++) {
        for (int a = 0; a < 3; a++) e->anchor[f][a] = position[a] + rel[f][a];
        e->was_stance[f] = 1;
    }
}

void xn_base_estimator_update(xn_base_estimator *e, xn_real *q, xn_real *v, const xn_real gyro[3],
                              const unsigned char *stance) {
    const xn_model *m = e->m;
    int nv = m->nv;
    xn_real rel[XN_ESTIMATOR_MAX_FEET][3], pos[3] = {0, 0, 0}, vel[3] = {0, 0, 0}, R[9];
    memcpy(v + 3, gyro, 3 * sizeof(xn_real));
    xn_quat_to_rot(q + 3, R);
    relative_feet(e, q, rel);
    int n = 0;
    for (int f = 0; f < e->nfeet; f++) {
        int on = !stance || stance[f];
        if (on && !e->was_stance[f]) /* touchdown: anchor the foot where it is */
            for (int a = 0; a < 3; a++) e->anchor[f][a] = q[a] + rel[f][a];
        e->was_stance[f] = (unsigned char)on;
        if (!on) continue;
        n++;
        for (int a = 0; a < 3; a++) pos[a] += e->anchor[f][a] - rel[f][a];
        /* the foot stands still: R v_lin + (the rest of its Jacobian) (w, qd) = 0 */
        memcpy(e->qtmp, q, (size_t)m->nq * sizeof(xn_real));
        xn_dyn_frame_jacobian_at(m, e->d, e->qtmp, e->frame[f], XN_LOCAL_WORLD_ALIGNED, e->J);
        xn_real rest[3] = {0, 0, 0};
        for (int a = 0; a < 3; a++)
            for (int k = 3; k < nv; k++) rest[a] += e->J[a * nv + k] * v[k];
        for (int a = 0; a < 3; a++) /* v_lin = -R' rest */
            vel[a] -= R[a] * rest[0] + R[3 + a] * rest[1] + R[6 + a] * rest[2];
    }
    if (n == 0) return; /* no foot on the ground: keep the last position (flight) */
    for (int a = 0; a < 3; a++) {
        q[a] = pos[a] / n;
        v[a] = vel[a] / n;
    }
}
