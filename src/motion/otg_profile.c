/* Checking a candidate profile against the limits and the target.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "motion/otg_internal.h"

/* Limits hold within 1e-9 (relative above 1): candidates that touch a limit are computed to
 * rounding, not to the last bit. */
static int within(xn_real x, xn_real lo, xn_real hi) {
    const xn_real tol = 1e-9;
    return x <= hi + tol * xn_otg_max(1, fabs(hi)) && x >= lo - tol * xn_otg_max(1, fabs(lo));
}

/* The end state matches the target within 1e-8, relative where the value exceeds 1; for the
 * position, relative also to the distance travelled: a cruise of hours amplifies the rounding of a
 * zero acceleration (2e-16) into 1e-8 of position over a travel of hundreds. */
static int close_to(xn_real x, xn_real ref, xn_real scale) {
    return fabs(x - ref) <= 1e-8 * xn_otg_max(1, xn_otg_max(fabs(ref), scale));
}

int xn_otg_check(const xn_otg_dof *d, const xn_otg_segments *s) {
    xn_real p = d->p0, v = d->v0, a = d->a0, elapsed = 0, scale = fabs(a);
    for (int i = 0; i < s->n; i++) {
        xn_real t = s->t[i], j = s->j[i];
        if (!(t >= -1e-12)) return 0; /* also rejects NaN */
        /* a duration of -1e-16 (rounding) is integrated as it is, as the search did: clamping it
         * to zero would leave a residual acceleration that a long cruise turns into an error */
        /* the velocity's extremum inside the segment, where the acceleration crosses zero */
        if (j != 0) {
            xn_real te = -a / j;
            if (te > 0 && te < t && elapsed + te > 1e-12 &&
                !within(v + a * te + j * te * te / 2, d->vmin, d->vmax))
                return 0;
        }
        xn_otg_integrate_s(&p, &v, &a, t, j, scale);
        scale = xn_otg_max(scale, fabs(a));
        elapsed += t;
        if (elapsed <= 1e-12) continue; /* still the initial state, which may follow a brake */
        if (!within(v, d->vmin, d->vmax) || !within(a, d->amin, d->amax)) return 0;
    }
    return (d->velocity_interface || close_to(p, d->pf, fabs(d->p0 - d->pf))) &&
           close_to(v, d->vf, 0) && close_to(a, d->af, 0);
}

void xn_otg_add(xn_otg_segments *s, xn_real t, xn_real j) {
    if (t == 0 || s->n >= XN_OTG_MAX_SEGMENTS) return;
    s->t[s->n] = t;
    s->j[s->n] = j;
    s->n++;
}

void xn_otg_append(xn_otg_segments *s, const xn_otg_segments *o) {
    for (int i = 0; i < o->n; i++) xn_otg_add(s, o->t[i], o->j[i]);
}

/* The fastest change from (v0, a0) to (v1, a1) with |jerk| <= J and amin <= a <= amax, velocity
 * unbounded: jerk to a peak acceleration (held at the limit if reached) and back. Upwards when v1
 * lies above the velocity reached by going straight from a0 to a1, else downwards. */
void xn_otg_velocity_change(xn_real v0, xn_real a0, xn_real v1, xn_real a1, xn_real amax,
                            xn_real amin, xn_real J, xn_otg_segments *s) {
    xn_real v_direct = v0 + (a0 + a1) / 2 * fabs(a1 - a0) / J;
    if (v1 >= v_direct) {
        xn_real peak = sqrt(fmax((a0 * a0 + a1 * a1) / 2 + J * (v1 - v0), 0));
        if (peak > amax) {
            xn_real hold =
                (v1 - v0 - (amax * amax - a0 * a0) / (2 * J) - (amax * amax - a1 * a1) / (2 * J)) /
                amax;
            xn_otg_add(s, (amax - a0) / J, J);
            xn_otg_add(s, hold, 0);
            xn_otg_add(s, (amax - a1) / J, -J);
        } else {
            xn_otg_add(s, (peak - a0) / J, J);
            xn_otg_add(s, (peak - a1) / J, -J);
        }
    } else {
        xn_real peak = -sqrt(fmax((a0 * a0 + a1 * a1) / 2 - J * (v1 - v0), 0));
        if (peak < amin) {
            xn_real hold =
                (v1 - v0 + (amin * amin - a0 * a0) / (2 * J) + (amin * amin - a1 * a1) / (2 * J)) /
                amin;
            xn_otg_add(s, (a0 - amin) / J, -J);
            xn_otg_add(s, hold, 0);
            xn_otg_add(s, (a1 - amin) / J, J);
        } else {
            xn_otg_add(s, (a0 - peak) / J, -J);
            xn_otg_add(s, (a1 - peak) / J, J);
        }
    }
}

/* the end state of the segments from d's current state */
static void end_state(const xn_otg_dof *d, const xn_otg_segments *s, xn_real *p, xn_real *v,
                      xn_real *a) {
    xn_real scale = fabs(d->a0);
    *p = d->p0, *v = d->v0, *a = d->a0;
    for (int i = 0; i < s->n; i++) {
        xn_otg_integrate_s(p, v, a, s->t[i], s->j[i], scale);
        scale = xn_otg_max(scale, fabs(*a));
    }
}

xn_real xn_otg_end_position(const xn_otg_dof *d, const xn_otg_segments *s) {
    xn_real p, v, a;
    end_state(d, s, &p, &v, &a);
    return p;
}

xn_real xn_otg_residual(const xn_otg_dof *d, const xn_otg_segments *s) {
    xn_real p, v, a;
    end_state(d, s, &p, &v, &a);
    return d->velocity_interface ? v - d->vf : p - d->pf;
}

xn_otg_dof xn_otg_reversed(const xn_otg_dof *d) {
    xn_otg_dof r = *d;
    r.p0 = d->pf, r.v0 = -d->vf, r.a0 = d->af;
    r.pf = d->p0, r.vf = -d->v0, r.af = d->a0;
    r.vmax = -d->vmin, r.vmin = -d->vmax;
    return r;
}

void xn_otg_turned_back(const xn_otg_segments *s, xn_otg_segments *out) {
    out->n = 0;
    for (int i = s->n - 1; i >= 0; i--) xn_otg_add(out, s->t[i], s->j[i] == 0 ? 0 : -s->j[i]);
}
