/* Step 1: the time-optimal jerk-limited profile of one DoF (see otg_internal.h for the three
 * families of candidates). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "motion/otg_internal.h"

/* ---- the families ---- */

/* F2: up or down to (vp, 0), then on to the target. */
static void f2_profile(const xn_otg_dof *d, xn_real vp, xn_otg_segments *s) {
    s->n = 0;
    xn_otg_velocity_change(d->v0, d->a0, vp, 0, d->amax, d->amin, d->jmax, s);
    xn_otg_velocity_change(vp, 0, d->vf, d->af, d->amax, d->amin, d->jmax, s);
}

/* F3: bangs (s, -s, s) with the middle one lasting x; `hold` keeps the acceleration limit after
 * the first bang. The first bang's length (or the hold) follows from the velocity equation, the
 * last from the acceleration equation. Returns 0 when x gives no profile. */
static int f3_profile(const xn_otg_dof *d, xn_real x, xn_real sign, int hold, xn_otg_segments *s) {
    xn_real J = d->jmax * sign, v0 = d->v0, a0 = d->a0, vf = d->vf, af = d->af;
    s->n = 0;
    if (!hold) {
        /* with a1 the first peak and a2 = a1 - J x: (a1^2 - a0^2)/2J + (a1 + a2) x/2 +
         * (af^2 - a2^2)/2J = vf - v0, linear in a1 */
        if (x == 0) return 0;
        xn_real a1 = (vf - v0 - (af * af - a0 * a0) / (2 * J) + J * x * x) / (2 * x);
        xn_real a2 = a1 - J * x;
        s->t[0] = (a1 - a0) / J;
        s->t[1] = x;
        s->t[2] = (af - a2) / J;
        s->j[0] = J;
        s->j[1] = -J;
        s->j[2] = J;
        s->n = 3;
        return 1;
    }
    xn_real alim = sign > 0 ? d->amax : d->amin, a2 = alim - J * x;
    xn_real h = (vf - v0 - (alim * alim - a0 * a0) / (2 * J) - (alim + a2) / 2 * x -
                 (af * af - a2 * a2) / (2 * J)) /
                alim;
    s->t[0] = (alim - a0) / J;
    s->t[1] = h;
    s->t[2] = x;
    s->t[3] = (af - a2) / J;
    s->j[0] = J;
    s->j[1] = 0;
    s->j[2] = -J;
    s->j[3] = J;
    s->n = 4;
    return 1;
}

typedef struct {
    const xn_otg_dof *d;
    xn_real sign;
    int hold;
} f3_family;

static int f2_family(const void *ctx, xn_real vp, xn_otg_segments *s) {
    f2_profile((const xn_otg_dof *)ctx, vp, s);
    return 1;
}

static int f3_family_fn(const void *ctx, xn_real x, xn_otg_segments *s) {
    const f3_family *f = ctx;
    return f3_profile(f->d, x, f->sign, f->hold, s);
}

xn_real xn_otg_step1(const xn_otg_dof *d, xn_otg_segments *out) {
    return xn_otg_step1_all(d, out, NULL, NULL, 0, NULL);
}

xn_real xn_otg_step1_all(const xn_otg_dof *d, xn_otg_segments *out, xn_real *valid,
                         xn_otg_segments *profiles, int cap, int *nvalid) {
    xn_otg_search sr;
    xn_otg_search_init(&sr, valid, profiles, cap);
    if (d->velocity_interface) {
        /* the fastest velocity change, in closed form, and the profile that first jerks the other
         * way: where both are valid, durations between them cannot be taken (a gap for
         * synchronization) */
        xn_otg_segments s = {0, {0}, {0}};
        xn_otg_velocity_change(d->v0, d->a0, d->vf, d->af, d->amax, d->amin, d->jmax, &s);
        xn_otg_consider(d, &s, &sr);
        xn_real J = d->jmax, a0 = d->a0, af = d->af, dv = d->vf - d->v0;
        for (int dir = -1; dir <= 1; dir += 2) {
            xn_real sq = (a0 * a0 + af * af) / 2 + dir * J * dv;
            if (sq < 0) continue;
            xn_real peak = dir * sqrt(sq), lim = dir > 0 ? d->amax : d->amin;
            if (dir * (peak - a0) < 0 || dir * (peak - af) < 0) continue; /* not an extremum */
            s.n = 0;
            if (fabs(peak) > fabs(lim)) { /* hold the limit */
                xn_real hold = (dv - (lim * lim - a0 * a0) / (2 * dir * J) -
                                (lim * lim - af * af) / (2 * dir * J)) /
                               lim;
                xn_otg_add(&s, dir * (lim - a0) / J, dir * J);
                xn_otg_add(&s, hold, 0);
                xn_otg_add(&s, dir * (lim - af) / J, -dir * J);
            } else {
                xn_otg_add(&s, dir * (peak - a0) / J, dir * J);
                xn_otg_add(&s, dir * (peak - af) / J, -dir * J);
            }
            xn_otg_consider(d, &s, &sr);
        }
        if (sr.duration < INFINITY) *out = sr.best;
        if (nvalid) *nvalid = sr.nvalid;
        return sr.duration;
    }
    /* F1: cruise at either velocity limit */
    const xn_real cruise[2] = {d->vmax, d->vmin};
    for (int k = 0; k < 2; k++) {
        xn_otg_segments up = {0, {0}, {0}}, down = {0, {0}, {0}}, s = {0, {0}, {0}};
        xn_otg_velocity_change(d->v0, d->a0, cruise[k], 0, d->amax, d->amin, d->jmax, &up);
        xn_otg_velocity_change(cruise[k], 0, d->vf, d->af, d->amax, d->amin, d->jmax, &down);
        xn_otg_append(&s, &up);
        xn_otg_append(&s, &down);
        xn_real t_cruise = (d->pf - xn_otg_end_position(d, &s)) / cruise[k];
        if (!(t_cruise >= 0)) continue;
        s.n = 0;
        xn_otg_append(&s, &up);
        xn_otg_add(&s, t_cruise, 0);
        xn_otg_append(&s, &down);
        xn_otg_consider(d, &s, &sr);
    }
    /* F2: the peak velocity, anywhere within the limits */
    xn_real breaks[6];
    int nb = xn_otg_velocity_breaks(d, breaks);
    xn_otg_scan(d, f2_family, d, d->vmin, d->vmax, breaks, nb, &sr);
    /* F3: the middle bang's duration, up to a full swing between the acceleration limits */
    xn_real xmax = (d->amax - d->amin) / d->jmax;
    for (int sgn = -1; sgn <= 1; sgn += 2)
        for (int hold = 0; hold < 2; hold++) {
            f3_family f3 = {d, sgn, hold};
            xn_otg_scan(d, f3_family_fn, &f3, 0, xmax, NULL, 0, &sr);
        }
    if (sr.duration < INFINITY) *out = sr.best;
    if (nvalid) *nvalid = sr.nvalid;
    return sr.duration;
}
