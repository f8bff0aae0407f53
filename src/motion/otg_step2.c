/* Step 2: a profile of one DoF that reaches its target at exactly a given duration T (no shorter
 * than the DoF's own minimum), so that every DoF can arrive together. Two families, each with one
 * unknown found by the bounded search:
 *   S1  up or down to a cruise velocity vp (acceleration zero), cruise for whatever time is left,
 *       then on to the target: the cruise absorbs the extra time;
 *   S2  four jerk bangs (s, -s, s, -s), no cruise: the acceleration and duration equations give
 *       the last two bangs, the velocity equation (quadratic) the second, the first is the
 *       unknown.
 * For the velocity interface (position free): a plateau acceleration (unknown) between two jerk
 * ramps, or three bangs (s, -s, s) with the first one's length unknown.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stddef.h>

#include "motion/otg_internal.h"

typedef struct {
    const xn_otg_dof *d;
    xn_real T;
    xn_real sign;
    int branch;
} family;

static int s1_profile(const void *ctx, xn_real vp, xn_otg_segments *s) {
    const family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_otg_segments up = {0, {0}, {0}}, down = {0, {0}, {0}};
    xn_otg_velocity_change(d->v0, d->a0, vp, 0, d->amax, d->amin, d->jmax, &up);
    xn_otg_velocity_change(vp, 0, d->vf, d->af, d->amax, d->amin, d->jmax, &down);
    xn_real t = f->T;
    for (int i = 0; i < up.n; i++) t -= up.t[i];
    for (int i = 0; i < down.n; i++) t -= down.t[i];
    /* a negative cruise is kept: the residual stays continuous across it, so roots next to it
     * are bracketed, and the check rejects the profile if the root itself needs one */
    s->n = 0;
    xn_otg_append(s, &up);
    xn_otg_add(s, t, 0);
    xn_otg_append(s, &down);
    return 1;
}

/* S2 with the first bang u and the second w; returns the end velocity. */
static xn_real s2_fill(const family *f, xn_real u, xn_real w, xn_otg_segments *s) {
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign;
    xn_real diff = (d->af - d->a0) / J - u + w, sum = f->T - u - w; /* t5 - t7, t5 + t7 */
    s->n = 4;
    s->t[0] = u;
    s->t[1] = w;
    s->t[2] = (sum + diff) / 2;
    s->t[3] = (sum - diff) / 2;
    s->j[0] = J;
    s->j[1] = -J;
    s->j[2] = J;
    s->j[3] = -J;
    xn_real p = d->p0, v = d->v0, a = d->a0;
    for (int i = 0; i < 4; i++) xn_otg_integrate(&p, &v, &a, s->t[i], s->j[i]);
    return v;
}

static int s2_profile(const void *ctx, xn_real u, xn_otg_segments *s) {
    const family *f = ctx;
    xn_real vf = f->d->vf;
    /* the end velocity is exactly quadratic in w: read its coefficients from three values */
    xn_real f0 = s2_fill(f, u, 0, s) - vf, f1 = s2_fill(f, u, 1, s) - vf,
            f2 = s2_fill(f, u, 2, s) - vf;
    xn_real A = (f2 - 2 * f1 + f0) / 2, B = f1 - f0 - A, C = f0, w;
    if (fabs(A) * f->T <= 1e-9 * fabs(B)) { /* linear: one root, on branch 0 */
        if (B == 0 || f->branch) return 0;
        w = -C / B;
    } else {
        xn_real disc = B * B - 4 * A * C;
        if (disc < 0) return 0;
        xn_real q = -0.5 * (B + (B >= 0 ? sqrt(disc) : -sqrt(disc)));
        xn_real r1 = q / A, r2 = q != 0 ? C / q : -B / (2 * A);
        if (r1 > r2) {
            xn_real t = r1;
            r1 = r2;
            r2 = t;
        }
        w = f->branch ? r2 : r1;
    }
    s2_fill(f, u, w, s);
    return 1;
}

/* Velocity interface: jerk from a0 to a plateau acceleration ap, hold it, jerk on to af, all in T;
 * the unknown is ap (the end velocity is the residual). */
static int v1_profile(const void *ctx, xn_real ap, xn_otg_segments *s) {
    const family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax, t1 = fabs(ap - d->a0) / J, t3 = fabs(d->af - ap) / J;
    s->n = 0;
    xn_otg_add(s, t1, ap >= d->a0 ? J : -J);
    xn_otg_add(s, f->T - t1 - t3, 0); /* negative where too short: the check rejects it */
    xn_otg_add(s, t3, d->af >= ap ? J : -J);
    return 1;
}

/* Velocity interface: three bangs (s, -s, s) in T, the first lasting x; the acceleration and
 * duration equations give the other two. */
static int v2_profile(const void *ctx, xn_real x, xn_otg_segments *s) {
    const family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign, D = (d->af - d->a0) / J;
    s->n = 3;
    s->t[0] = x;
    s->t[1] = (f->T - D) / 2;
    s->t[2] = (f->T - 2 * x + D) / 2;
    s->j[0] = J;
    s->j[1] = -J;
    s->j[2] = J;
    return 1;
}

int xn_otg_step2(const xn_otg_dof *d, xn_real T, xn_otg_segments *out) {
    xn_otg_search sr;
    xn_otg_search_init(&sr, NULL, NULL, 0);
    if (d->velocity_interface) {
        family f = {d, T, 1, 0};
        xn_real breaks[2] = {d->a0, d->af};
        xn_otg_scan(d, v1_profile, &f, d->amin, d->amax, breaks, 2, &sr);
        for (int sgn = -1; sgn <= 1 && !(sr.duration < INFINITY); sgn += 2) {
            family g = {d, T, sgn, 0};
            xn_otg_scan(d, v2_profile, &g, 0, T, NULL, 0, &sr);
        }
        if (!(sr.duration < INFINITY)) return 0;
        *out = sr.best;
        return 1;
    }
    family f = {d, T, 1, 0};
    xn_real breaks[6];
    int nb = xn_otg_velocity_breaks(d, breaks);
    /* only velocities reachable within T can be cruised at: sampling that range, not the whole
     * [vmin, vmax], keeps narrow roots from slipping between samples when the limits are wide */
    xn_real reach_lo = fmin(d->v0, d->vf) + d->amin * T,
            reach_hi = fmax(d->v0, d->vf) + d->amax * T;
    xn_otg_scan(d, s1_profile, &f, fmax(d->vmin, reach_lo), fmin(d->vmax, reach_hi), breaks, nb,
                &sr);
    for (int sgn = -1; sgn <= 1 && !(sr.duration < INFINITY); sgn += 2)
        for (int br = 0; br < 2 && !(sr.duration < INFINITY); br++) {
            family g = {d, T, sgn, br};
            xn_otg_scan(d, s2_profile, &g, 0, T, NULL, 0, &sr);
        }
    if (!(sr.duration < INFINITY)) return 0;
    *out = sr.best;
    return 1;
}
