/* Time synchronization: every DoF starts together and arrives together, in the smallest duration
 * feasible for all. That is the largest of the DoFs' minimal durations, unless some DoF cannot
 * take exactly that long (its feasible durations have gaps, whose ends are durations of its valid
 * step-1 candidates): then the next such duration at which every DoF has a step-2 profile.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "motion/otg_internal.h"

#define XN_OTG_MAX_CANDIDATES 8 /* valid step-1 profiles kept per DoF (seen: at most 3) */

xn_real xn_otg_synchronize(const xn_otg_dof *dofs, int n, xn_real min_duration,
                           xn_otg_segments *brake, xn_otg_segments *main_, xn_real *brake_time) {
    xn_otg_dof after[XN_OTG_MAX_DOFS];
    xn_real tmin[XN_OTG_MAX_DOFS], cand[XN_OTG_MAX_DOFS][XN_OTG_MAX_CANDIDATES];
    xn_otg_segments cand_prof[XN_OTG_MAX_DOFS][XN_OTG_MAX_CANDIDATES];
    int ncand[XN_OTG_MAX_DOFS];
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
        tmin[i] = xn_otg_step1_all(&after[i], &main_[i], cand[i], cand_prof[i],
                                   XN_OTG_MAX_CANDIDATES, &ncand[i]);
        if (!(tmin[i] < INFINITY)) return INFINITY;
        tmin[i] += brake_time[i];
        for (int k = 0; k < ncand[i]; k++) cand[i][k] += brake_time[i];
        if (tmin[i] > T) T = tmin[i];
    }
    for (int attempt = 0; attempt <= n * XN_OTG_MAX_CANDIDATES; attempt++) {
        int all = 1;
        for (int i = 0; i < n && all; i++) {
            /* exactly one of its own valid step-1 durations (the end of a gap, or its minimum):
             * that profile; anything else: step 2 */
            int k = 0;
            while (k < ncand[i] && fabs(cand[i][k] - T) > 1e-12 * xn_otg_max(1, T)) k++;
            if (k < ncand[i])
                main_[i] = cand_prof[i][k];
            else
                all = xn_otg_step2(&after[i], T - brake_time[i], &main_[i]);
        }
        if (all) return T;
        xn_real next = INFINITY; /* the next end of a gap */
        for (int i = 0; i < n; i++)
            for (int k = 0; k < ncand[i]; k++)
                if (cand[i][k] > T * (1 + 1e-12) && cand[i][k] < next) next = cand[i][k];
        if (!(next < INFINITY)) return INFINITY;
        T = next;
    }
    return INFINITY;
}
