/* Random states for the dynamics benchmarks: a fixed-seed generator (the same states in every
 * run) and a state within the model's joint ranges, unit quaternions for free joints.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_BENCH_STATES_H
#define XN_BENCH_STATES_H

#include <math.h>

#include "xiaonao/model.h"

static unsigned xb_seed = 1;
static inline double xb_urand(double lo, double hi) {
    xb_seed = xb_seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((xb_seed >> 8) / 16777216.0);
}

/* q (nq): within the ranges ([-3, 3] where unlimited), free joints at a random position in the
 * unit cube with a random unit quaternion; v in [-2, 2], a in [-5, 5] (nv each). */
static inline void xb_random_state(const xn_model *m, double *q, double *v, double *a) {
    for (int b = 1; b < m->nbody; b++) {
        int qa = m->body_qadr[b];
        if (m->body_jtype[b] == XN_JOINT_FREE) {
            double n = 0;
            for (int i = 0; i < 3; i++) q[qa + i] = xb_urand(-1, 1);
            for (int i = 3; i < 7; i++) {
                q[qa + i] = xb_urand(-1, 1);
                n += q[qa + i] * q[qa + i];
            }
            for (int i = 3; i < 7; i++) q[qa + i] /= sqrt(n);
        } else {
            double lo = isfinite(m->q_lower[qa]) ? m->q_lower[qa] : -3;
            double hi = isfinite(m->q_upper[qa]) ? m->q_upper[qa] : 3;
            q[qa] = xb_urand(lo, hi);
        }
    }
    for (int k = 0; k < m->nv; k++) {
        v[k] = xb_urand(-2, 2);
        a[k] = xb_urand(-5, 5);
    }
}

#endif
