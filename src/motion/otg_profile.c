/* Checking a candidate profile against the limits and the target.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "motion/otg_internal.h"

/* Limits hold within 1e-9 (relative above 1): candidates that touch a limit are computed to
 * rounding, not to the last bit. */
static int within(xn_real x, xn_real lo, xn_real hi) {
    const xn_real tol = 1e-9;
    return x <= hi + tol * fmax(1, fabs(hi)) && x >= lo - tol * fmax(1, fabs(lo));
}

static int close_to(xn_real x, xn_real ref) { return fabs(x - ref) <= 1e-8 * fmax(1, fabs(ref)); }

int xn_otg_check(const xn_otg_dof *d, const xn_otg_segments *s) {
    xn_real p = d->p0, v = d->v0, a = d->a0, elapsed = 0;
    for (int i = 0; i < s->n; i++) {
        xn_real t = s->t[i], j = s->j[i];
        if (!(t >= -1e-12)) return 0; /* also rejects NaN */
        if (t < 0) t = 0;
        /* the velocity's extremum inside the segment, where the acceleration crosses zero */
        if (j != 0) {
            xn_real te = -a / j;
            if (te > 0 && te < t && elapsed + te > 1e-12 &&
                !within(v + a * te + j * te * te / 2, d->vmin, d->vmax))
                return 0;
        }
        xn_otg_integrate(&p, &v, &a, t, j);
        elapsed += t;
        if (elapsed <= 1e-12) continue; /* still the initial state, which may follow a brake */
        if (!within(v, d->vmin, d->vmax) || !within(a, d->amin, d->amax)) return 0;
    }
    return close_to(p, d->pf) && close_to(v, d->vf) && close_to(a, d->af);
}
