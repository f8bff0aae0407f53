/* Helpers of the trajectory-generation tests. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_OTG_TEST_UTIL_H
#define XN_OTG_TEST_UTIL_H

#include "motion/otg_internal.h"

/* State at time t along a brake and a main profile from (p0, v0, a0); past the end the final
 * acceleration is held. */
static inline void xt_otg_state_at(const xn_otg_segments *brake, const xn_otg_segments *main_,
                                   double p0, double v0, double a0, double t, double *p, double *v,
                                   double *a) {
    *p = p0;
    *v = v0;
    *a = a0;
    const xn_otg_segments *segs[2] = {brake, main_};
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < segs[g]->n; i++) {
            double dt = t < segs[g]->t[i] ? t : segs[g]->t[i];
            xn_otg_integrate(p, v, a, dt, segs[g]->j[i]);
            t -= dt;
            if (t <= 0) return;
        }
    xn_otg_integrate(p, v, a, t, 0);
}

#endif
