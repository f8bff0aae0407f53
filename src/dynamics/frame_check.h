/* The argument check of the per-frame entry points (kinematics.c, jacobian.c): a frame index that
 * is not the model's, or a convention that is not one of the three, is refused with XN_ERR_RANGE
 * and the outputs filled with NaN, so that a caller who ignores the status gets no plausible
 * numbers. One predictable branch per call. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_FRAME_CHECK_H
#define XN_FRAME_CHECK_H

#include <math.h>
#include <stddef.h>

#include "xiaonao/dynamics.h"

static inline int xn_frame_args_ok(const xn_model *m, int f, int rf) {
    return f >= 0 && f < m->nframe && rf >= XN_WORLD && rf <= XN_LOCAL_WORLD_ALIGNED;
}

static inline xn_status xn_frame_refuse(xn_real *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = NAN;
    return XN_ERR_RANGE;
}

#endif
