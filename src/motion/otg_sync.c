/* Time synchronization: every DoF starts together and arrives together, in the smallest duration
 * feasible for all. That is the largest of the DoFs' minimal durations, unless some DoF cannot
 * take exactly that long (its feasible durations have gaps, whose ends are durations of its valid
 * step-1 candidates): then the next such duration at which every DoF has a step-2 profile.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "motion/otg_internal.h"

#define XN_OTG_MAX_CANDIDATES 32 /* valid step-1 durations kept per DoF */

xn_real xn_otg_synchronize(const xn_otg_dof *dofs, int n, xn_real min_duration,
                           xn_otg_segments *brake, xn_otg_segments *main_, xn_real *brake_time) {
    xn_otg_dof after[XN_OTG_MAX_DOFS];
    xn_real tmin[XN_OTG_MAX_DOFS], cand[XN_OTG_MAX_DOFS * XN_OTG_MAX_CANDIDATES];
    int ncand = 0;
    xn_real T = min_duration > 0 ? min_duration : 0;
    for (int i = 0; i < n; i++) {
        const xn_otg_dof *d = &dofs[i];
        xn_otg_brake(d->v0, d->a0, d->vmax, d->vmin, d->amax, d->amin, d->jmax, &brake[i]);
        after[i] = *d;
        brake_time[i] = 0;
        for (int k = 0; k < brake[i].n; k++) {
            xn_otg_integrate(&after[i].p0, &after[i].v0, &after[i].a0, brake[i].t[k],
                             brake[i].j[k]);
            brake_time[i] += brake[i].t[k];
        }
        xn_real valid[XN_OTG_MAX_CANDIDATES];
        int nv = 0;
        tmin[i] = xn_otg_step1_all(&after[i], &main_[i], valid, XN_OTG_MAX_CANDIDATES, &nv);
        if (!(tmin[i] < INFINITY)) return INFINITY;
        tmin[i] += brake_time[i];
        for (int k = 0; k < nv; k++) cand[ncand++] = valid[k] + brake_time[i];
        if (tmin[i] > T) T = tmin[i];
    }
    for (int attempt = 0; attempt <= ncand; attempt++) {
        int all = 1;
        for (int i = 0; i < n && all; i++) {
            if (T == tmin[i]) continue; /* its step-1 profile already takes T */
            all = xn_otg_step2(&after[i], T - brake_time[i], &main_[i]);
        }
        if (all) return T;
        xn_real next = INFINITY; /* the next end of a gap */
        for (int k = 0; k < ncand; k++)
            if (cand[k] > T * (1 + 1e-12) && cand[k] < next) next = cand[k];
        if (!(next < INFINITY)) return INFINITY;
        T = next;
    }
    return INFINITY;
}
