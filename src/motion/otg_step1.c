/* Step 1: the time-optimal jerk-limited profile of one DoF (see otg_internal.h for the three
 * families of candidates). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "motion/otg_internal.h"

static void add(xn_otg_segments *s, xn_real t, xn_real j) {
    if (t == 0 || s->n >= XN_OTG_MAX_SEGMENTS) return;
    s->t[s->n] = t;
    s->j[s->n] = j;
    s->n++;
}

static void append(xn_otg_segments *s, const xn_otg_segments *o) {
    for (int i = 0; i < o->n; i++) add(s, o->t[i], o->j[i]);
}

/* The fastest change from (v0, a0) to (v1, a1) with |jerk| <= J and amin <= a <= amax, velocity
 * unbounded: jerk to a peak acceleration (held at the limit if reached) and back. Upwards when v1
 * lies above the velocity reached by going straight from a0 to a1, else downwards. */
static void velocity_change(xn_real v0, xn_real a0, xn_real v1, xn_real a1, xn_real amax,
                            xn_real amin, xn_real J, xn_otg_segments *s) {
    xn_real v_direct = v0 + (a0 + a1) / 2 * fabs(a1 - a0) / J;
    if (v1 >= v_direct) {
        xn_real peak = sqrt(fmax((a0 * a0 + a1 * a1) / 2 + J * (v1 - v0), 0));
        if (peak > amax) {
            xn_real hold =
                (v1 - v0 - (amax * amax - a0 * a0) / (2 * J) - (amax * amax - a1 * a1) / (2 * J)) /
                amax;
            add(s, (amax - a0) / J, J);
            add(s, hold, 0);
            add(s, (amax - a1) / J, -J);
        } else {
            add(s, (peak - a0) / J, J);
            add(s, (peak - a1) / J, -J);
        }
    } else {
        xn_real peak = -sqrt(fmax((a0 * a0 + a1 * a1) / 2 - J * (v1 - v0), 0));
        if (peak < amin) {
            xn_real hold =
                (v1 - v0 + (amin * amin - a0 * a0) / (2 * J) + (amin * amin - a1 * a1) / (2 * J)) /
                amin;
            add(s, (a0 - amin) / J, -J);
            add(s, hold, 0);
            add(s, (a1 - amin) / J, J);
        } else {
            add(s, (a0 - peak) / J, -J);
            add(s, (a1 - peak) / J, J);
        }
    }
}

static xn_real end_position(const xn_otg_dof *d, const xn_otg_segments *s) {
    xn_real p = d->p0, v = d->v0, a = d->a0;
    for (int i = 0; i < s->n; i++) xn_otg_integrate(&p, &v, &a, s->t[i], s->j[i]);
    return p;
}

/* ---- the families ---- */

/* F2: up or down to (vp, 0), then on to the target. */
static void f2_profile(const xn_otg_dof *d, xn_real vp, xn_otg_segments *s) {
    s->n = 0;
    velocity_change(d->v0, d->a0, vp, 0, d->amax, d->amin, d->jmax, s);
    velocity_change(vp, 0, d->vf, d->af, d->amax, d->amin, d->jmax, s);
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

/* ---- bounded root search: sample, then bisect each sign change ---- */

typedef struct {
    const xn_otg_dof *d;
    int family; /* 2: F2; 3: F3 */
    xn_real sign;
    int hold;
} candidate_family;

static int family_profile(const candidate_family *f, xn_real x, xn_otg_segments *s) {
    if (f->family == 2) {
        f2_profile(f->d, x, s);
        return 1;
    }
    return f3_profile(f->d, x, f->sign, f->hold, s);
}

static xn_real residual(const candidate_family *f, xn_real x) {
    xn_otg_segments s;
    if (!family_profile(f, x, &s)) return NAN;
    return end_position(f->d, &s) - f->d->pf;
}

typedef struct {
    xn_real duration;
    xn_otg_segments best;
} search;

static void consider(const xn_otg_dof *d, const xn_otg_segments *s, search *sr) {
    xn_real T = 0;
    for (int i = 0; i < s->n; i++) T += s->t[i];
    if (T < sr->duration && xn_otg_check(d, s)) {
        sr->duration = T;
        sr->best = *s;
    }
}

static void scan(const candidate_family *f, xn_real lo, xn_real hi, search *sr) {
    xn_real xp = lo, fp = residual(f, lo);
    for (int i = 1; i <= XN_OTG_ROOT_SAMPLES; i++) {
        xn_real x = lo + (hi - lo) * i / XN_OTG_ROOT_SAMPLES, fx = residual(f, x);
        xn_real root = NAN;
        if (fp == 0) {
            root = xp;
        } else if (isfinite(fp) && isfinite(fx) && (fp < 0) != (fx < 0)) {
            xn_real a = xp, b = x, fa = fp;
            for (int it = 0; it < XN_OTG_ROOT_BISECTIONS && b - a > 1e-15 * fmax(1, fabs(a));
                 it++) {
                xn_real mid = 0.5 * (a + b), fm = residual(f, mid);
                if ((fm < 0) == (fa < 0)) {
                    a = mid;
                    fa = fm;
                } else {
                    b = mid;
                }
            }
            root = 0.5 * (a + b);
        }
        if (!isnan(root)) {
            xn_otg_segments s;
            if (family_profile(f, root, &s)) consider(f->d, &s, sr);
        }
        xp = x;
        fp = fx;
    }
}

xn_real xn_otg_step1(const xn_otg_dof *d, xn_otg_segments *out) {
    search sr;
    sr.duration = INFINITY;
    sr.best.n = 0;
    /* F1: cruise at either velocity limit */
    const xn_real cruise[2] = {d->vmax, d->vmin};
    for (int k = 0; k < 2; k++) {
        xn_otg_segments up = {0, {0}, {0}}, down = {0, {0}, {0}}, s = {0, {0}, {0}};
        velocity_change(d->v0, d->a0, cruise[k], 0, d->amax, d->amin, d->jmax, &up);
        velocity_change(cruise[k], 0, d->vf, d->af, d->amax, d->amin, d->jmax, &down);
        append(&s, &up);
        append(&s, &down);
        xn_real t_cruise = (d->pf - end_position(d, &s)) / cruise[k];
        if (!(t_cruise >= 0)) continue;
        s.n = 0;
        append(&s, &up);
        add(&s, t_cruise, 0);
        append(&s, &down);
        consider(d, &s, &sr);
    }
    /* F2: the peak velocity, anywhere within the limits */
    candidate_family f2 = {d, 2, 1, 0};
    scan(&f2, d->vmin, d->vmax, &sr);
    /* F3: the middle bang's duration, up to a full swing between the acceleration limits */
    xn_real xmax = (d->amax - d->amin) / d->jmax;
    for (int sgn = -1; sgn <= 1; sgn += 2)
        for (int hold = 0; hold < 2; hold++) {
            candidate_family f3 = {d, 3, sgn, hold};
            scan(&f3, 0, xmax, &sr);
        }
    if (sr.duration < INFINITY) *out = sr.best;
    return sr.duration;
}
