/* Step 1: the time-optimal jerk-limited profile of one DoF (see otg_internal.h for the three
 * families of candidates). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "motion/otg_internal.h"

/* ---- F3: three jerk bangs (s, -s, s) ---- */

typedef struct {
    const xn_otg_dof *d;
    xn_real sign;
    xn_real K;     /* vf - v0 - (af^2 - a0^2) / 2J: the velocity equation's constant */
    xn_real inv_j; /* 1 / (sign jmax) */
} f3_family;

/* The distance over a constant-jerk segment of duration t from (va, aa) to (vb, ab). */
static inline xn_real seg_distance(xn_real t, xn_real va, xn_real vb, xn_real aa, xn_real ab) {
    return t * (va + vb) / 2 - t * t * (ab - aa) / 12;
}

/* The middle bang lasts x; the first bang's length follows from the velocity equation, the last
 * from the acceleration equation. With a1 the first peak and a2 = a1 - J x:
 * (a1^2 - a0^2)/2J + (a1 + a2) x/2 + (af^2 - a2^2)/2J = vf - v0, so a1 = (K + J x^2) / 2x and
 * every duration is a quadratic in x divided by x. The residual's terms in 1/x^3 and 1/x^2
 * cancel (the durations enter the distance through symmetric combinations), so the residual
 * times x is a polynomial of degree 4 (of degree 3 when K = 0, without the weight). */
static int f3_profile(const void *ctx, xn_real x, int sigma, xn_otg_segments *s) {
    (void)sigma;
    const f3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign;
    if (x == 0 && f->K != 0) return 0;
    xn_real a1 = f->K == 0 ? J * x / 2 : (f->K + J * x * x) / (2 * x);
    xn_real a2 = a1 - J * x;
    s->t[0] = (a1 - d->a0) / J;
    s->t[1] = x;
    s->t[2] = (d->af - a2) / J;
    s->j[0] = J;
    s->j[1] = -J;
    s->j[2] = J;
    s->n = 3;
    return 1;
}

/* f3_profile's end-position residual in closed form */
static xn_real f3_residual(const void *ctx, xn_real x, int sigma) {
    (void)sigma;
    const f3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign;
    if (x == 0 && f->K != 0) return NAN;
    xn_real a1 = f->K == 0 ? J * x / 2 : (f->K + J * x * x) / (2 * x), a2 = a1 - J * x;
    xn_real t0 = (a1 - d->a0) * f->inv_j, t2 = (d->af - a2) * f->inv_j;
    xn_real v1 = d->v0 + t0 * (d->a0 + a1) / 2, v2 = v1 + x * (a1 + a2) / 2,
            v3 = v2 + t2 * (a2 + d->af) / 2;
    return d->p0 + seg_distance(t0, d->v0, v1, d->a0, a1) + seg_distance(x, v1, v2, a1, a2) +
           seg_distance(t2, v2, v3, a2, d->af) - d->pf;
}

static xn_real f3_weight(const void *ctx, xn_real x) {
    (void)ctx;
    return x;
}

/* The residual times x in closed form (lowest power first): J/4 x^4 + (K + 2 v0 - a0^2/J) x^2
 * + c1 x - K^2/4J, with c1 = (pd + (K af - a0 v0 + af v0)/J + (2 a0^3 - 3 a0^2 af + af^3)/6J^2)
 * and pd = p0 - pf (derived symbolically; every scan checks it against the residual at both
 * ends). */
static void f3_coeffs(const void *ctx, xn_real *a) {
    const f3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign, K = f->K, a0 = d->a0, af = d->af, v0 = d->v0;
    xn_real c[5] = {-K * K / (4 * J),
                    d->p0 - d->pf + (K * af - a0 * v0 + af * v0) / J +
                        (2 * a0 * a0 * a0 - 3 * a0 * a0 * af + af * af * af) / (6 * J * J),
                    K + 2 * v0 - a0 * a0 / J, 0, J / 4};
    for (int k = 0; k < 5; k++) a[k] = K == 0 ? (k < 4 ? c[k + 1] : 0) : c[k]; /* K = 0: /x */
}

/* The holding variant's residual (degree 4 in x): J^2/2A x^4 - J x^3 + (A^2 + 2 J K + 2 J v0
 * - a0^2)/2A x^2 + c0, with A the limit held (derived symbolically, as f3_coeffs). */
static void f3_hold_coeffs(const void *ctx, xn_real *a) {
    const f3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign, K = f->K, a0 = d->a0, af = d->af, v0 = d->v0;
    xn_real A = f->sign > 0 ? d->amax : d->amin;
    a[4] = J * J / (2 * A);
    a[3] = -J;
    a[2] = (A * A + 2 * J * K + 2 * J * v0 - a0 * a0) / (2 * A);
    a[1] = 0;
    a[0] =
        (-3 * A * A * J * K + 6 * A * J * J * (d->p0 - d->pf) + 6 * A * J * K * af -
         6 * A * J * a0 * v0 + 6 * A * J * af * v0 + 2 * A * a0 * a0 * a0 - 3 * A * a0 * a0 * af +
         A * af * af * af + 3 * J * J * K * K + 6 * J * J * K * v0 - 3 * J * K * a0 * a0) /
        (6 * A * J * J);
}

/* The same, holding the acceleration limit after the first bang: with a2 = alim - J x the
 * velocity equation gives the hold h = (J x^2 - 2 alim x + K) / alim, the acceleration equation
 * the last bang; the residual is a polynomial of degree 4 in x. */
static int f3_hold_profile(const void *ctx, xn_real x, int sigma, xn_otg_segments *s) {
    (void)sigma;
    const f3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign;
    xn_real alim = f->sign > 0 ? d->amax : d->amin, a2 = alim - J * x;
    s->t[0] = (alim - d->a0) / J;
    s->t[1] = (J * x * x - 2 * alim * x + f->K) / alim;
    s->t[2] = x;
    s->t[3] = (d->af - a2) / J;
    s->j[0] = J;
    s->j[1] = 0;
    s->j[2] = -J;
    s->j[3] = J;
    s->n = 4;
    return 1;
}

/* f3_hold_profile's end-position residual in closed form */
static xn_real f3_hold_residual(const void *ctx, xn_real x, int sigma) {
    (void)sigma;
    const f3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign;
    xn_real alim = f->sign > 0 ? d->amax : d->amin, a2 = alim - J * x;
    xn_real t0 = (alim - d->a0) * f->inv_j, h = (J * x * x - 2 * alim * x + f->K) / alim,
            t3 = (d->af - a2) * f->inv_j;
    xn_real v1 = d->v0 + t0 * (d->a0 + alim) / 2, v2 = v1 + alim * h, v3 = v2 + x * (alim + a2) / 2,
            v4 = v3 + t3 * (a2 + d->af) / 2;
    return d->p0 + seg_distance(t0, d->v0, v1, d->a0, alim) + h * (v1 + v2) / 2 +
           seg_distance(x, v2, v3, alim, a2) + seg_distance(t3, v3, v4, a2, d->af) - d->pf;
}

/* [*lo, *hi] narrowed to where a x^2 + b x + c <= 0, as far as that set is one interval there
 * (a > 0: between the roots; a < 0: outside them, narrowed only where [*lo, *hi] lies on one
 * side), its ends moved out by `pad` (a profile on the boundary is rounding away from either
 * side: the check decides). Returns 0 where nothing is left. */
static int narrow(xn_real a, xn_real b, xn_real c, xn_real pad, xn_real *lo, xn_real *hi) {
    xn_real r[2];
    int n = 0;
    xn_otg_quadratic_roots(a, b, c, r, &n);
    if (n < 2) /* one sign everywhere (or a degenerate quadratic: keep all) */
        return !(n == 0 && a > 0 && c > 0);
    xn_real r1 = xn_otg_min(r[0], r[1]) - pad, r2 = xn_otg_max(r[0], r[1]) + pad;
    if (a > 0) {
        *lo = xn_otg_max(*lo, r1);
        *hi = xn_otg_min(*hi, r2);
    } else if (r2 - r1 > 4 * pad) { /* the excluded (r1, r2), shrunk by the pad */
        r1 += 2 * pad;
        r2 -= 2 * pad;
        if (*lo >= r1 && *hi <= r2) return 0;
        if (*lo >= r1 && *lo < r2) *lo = r2;
        if (*hi <= r2 && *hi > r1) *hi = r1;
    }
    return *hi >= *lo;
}

/* Where plain F3's peaks keep the acceleration limits (slightly widened: the check decides),
 * a1 = (K + J x^2)/2x and a2 = (K - J x^2)/2x for x > 0: each limit is a quadratic in x. The two
 * whose sets are intervals (a1 below amax and a2 above amin for J > 0, the others for J < 0)
 * narrow the range; the other two would only cut a hole in it. */
static int f3_plain_range(const xn_otg_dof *d, xn_real J, xn_real K, xn_real *lo, xn_real *hi) {
    const xn_real tol = 1e-8 * xn_otg_max(1, xn_otg_max(d->amax, -d->amin));
    const xn_real amax = d->amax + tol, amin = d->amin - tol, pad = 1e-9 * *hi;
    if (J > 0)
        return narrow(J, -2 * amax, K, pad, lo, hi) && /* a1 <= amax */
               narrow(J, 2 * amin, -K, pad, lo, hi);   /* a2 >= amin */
    return narrow(-J, 2 * amin, -K, pad, lo, hi) &&    /* a1 >= amin */
           narrow(-J, -2 * amax, K, pad, lo, hi);      /* a2 <= amax */
}

/* F3 for one sign of the first bang: both variants (F3_PLAIN, F3_HOLD). By default every root of
 * each variant's polynomial (xn_otg_poly_roots: closed-form quartics) on the range of x that a
 * few quadratics leave (peaks within the limits; in the holding variant, a hold and a last bang
 * of no negative length), each profile then checked. With F3_SCANNED the piecewise polynomial
 * search instead, only where the variant's profiles can be valid: where the first peak
 * a1 = (K + J x^2)/2x meets a0 or a limit, or a2 = (K - J x^2)/2x meets af or a limit, x solves
 * a quadratic; in the holding variant the hold's and the last bang's ends. The two ways find the
 * same profiles (test_otg_optimal compares them on 30,000 DoFs). */
enum { F3_PLAIN = 1, F3_HOLD = 2, F3_SCANNED = 4 };
static void f3_scan(const xn_otg_dof *d, xn_real sign, int variants, xn_otg_search *sr) {
    xn_real J = d->jmax * sign, xmax = (d->amax - d->amin) / d->jmax;
    f3_family f = {d, sign, d->vf - d->v0 - (d->af * d->af - d->a0 * d->a0) / (2 * J), 1 / J};
    if (fabs(f.K) <=
        1e-15 * (fabs(d->vf) + fabs(d->v0) + (d->af * d->af + d->a0 * d->a0) / d->jmax))
        f.K = 0;
    const int scanned = variants & F3_SCANNED;
    xn_real br[XN_OTG_MAX_BREAKS];
    int nb = 0;
    xn_otg_polyfam plain = {.profile = f3_profile,
                            .residual = f3_residual,
                            .weight = f.K == 0 ? NULL : f3_weight,
                            .coeffs = f3_coeffs,
                            .ctx = &f,
                            .degree = f.K == 0 ? 3 : 4,
                            .branches = 1};
    xn_real lo = 0, hi = xmax;
    if ((variants & F3_PLAIN) && !scanned && f3_plain_range(d, J, f.K, &lo, &hi))
        xn_otg_poly_roots(d, &plain, lo, hi, sr);
    if ((variants & F3_PLAIN) && scanned) {
        const xn_real peaks[3] = {d->a0, d->amax, d->amin}, lows[3] = {d->af, d->amax, d->amin};
        for (int i = 0; i < 3; i++) {
            xn_otg_quadratic_roots(J, -2 * peaks[i], f.K, br, &nb); /* a1 = peaks[i] */
            xn_otg_quadratic_roots(J, 2 * lows[i], -f.K, br, &nb);  /* a2 = lows[i] */
        }
        xn_otg_poly_scan_feasible(d, &plain, 0, xmax, br, nb, sr);
    }
    if (!(variants & F3_HOLD)) return;
    xn_real alim = sign > 0 ? d->amax : d->amin;
    if ((alim - d->a0) / J < -1e-12) return; /* beyond the limit by rounding, after a brake */
    xn_otg_polyfam hold = {.profile = f3_hold_profile,
                           .residual = f3_hold_residual,
                           .coeffs = f3_hold_coeffs,
                           .ctx = &f,
                           .degree = 4,
                           .branches = 1};
    if (!scanned) { /* the last bang lasts (af - alim)/J + x >= 0 */
        xn_real lo_h = xn_otg_max(0, (alim - d->af) / J - 1e-9 * xmax), hi_h = xmax;
        /* and the hold h = (J x^2 - 2 alim x + K) / alim >= 0 (alim has the sign of J) */
        if (lo_h <= hi_h &&
            narrow(-d->jmax, 2 * sign * alim, -sign * f.K, 1e-9 * xmax, &lo_h, &hi_h))
            xn_otg_poly_roots(d, &hold, lo_h, hi_h, sr);
        return;
    }
    nb = 0;
    xn_otg_quadratic_roots(J, -2 * alim, f.K, br, &nb); /* the hold's end */
    br[nb++] = (alim - d->af) / J;                      /* the last bang's */
    br[nb++] = (alim - d->amax) / J;
    br[nb++] = (alim - d->amin) / J;
    xn_otg_poly_scan_feasible(d, &hold, 0, xmax, br, nb, sr);
}

/* ---- F2: both acceleration limits held: (s to alim, hold w1, -s to the other limit blim,
 * hold w2, s to af) ----
 * The bangs are fixed by the limits and the velocity equation ties the holds linearly
 * (A w1 + B w2 = dv - K0), so the residual is a quadratic in w1. With v1 the velocity after the
 * first bang, dV the middle bang's velocity change and v4 the velocity before the last bang
 * (fixed by the target), the holds cover w1 (2 v1 + A w1)/2 and w2 (v1 + A w1 + dV + v4)/2 and
 * the middle bang t2 (v1 + A w1) plus a constant: c2 = A (B - A) / 2B and
 * c1 = v1 + A t2 + A (rhs - v1 - dV - v4) / 2B in closed form, c0 the residual at w1 = 0. Each
 * root is polished by two Newton steps on the residual itself. */
static void f2_fill(const xn_otg_dof *d, xn_real J, xn_real A, xn_real B, xn_real rhs, xn_real w1,
                    xn_otg_segments *s) {
    s->n = 5;
    s->t[0] = (A - d->a0) / J;
    s->t[1] = w1;
    s->t[2] = (A - B) / J;
    s->t[3] = (rhs - A * w1) / B;
    s->t[4] = (d->af - B) / J;
    s->j[0] = J;
    s->j[1] = 0;
    s->j[2] = -J;
    s->j[3] = 0;
    s->j[4] = J;
}

static void f2_scan(const xn_otg_dof *d, xn_real sign, xn_otg_search *sr) {
    xn_real J = d->jmax * sign, A = sign > 0 ? d->amax : d->amin, B = sign > 0 ? d->amin : d->amax;
    /* a start at the limit may lie beyond it by rounding (after a brake) */
    if ((A - d->a0) / J < -1e-12 || (d->af - B) / J < -1e-12) return;
    xn_real v1 = d->v0 + (A * A - d->a0 * d->a0) / (2 * J), dV = (A * A - B * B) / (2 * J),
            v4 = d->vf - (d->af * d->af - B * B) / (2 * J), t2 = (A - B) / J;
    xn_real rhs = v4 - v1 - dV; /* = A w1 + B w2 */
    xn_otg_segments s;
    f2_fill(d, J, A, B, rhs, 0, &s);
    xn_real c0 = xn_otg_residual(d, &s), c2 = A * (B - A) / (2 * B),
            c1 = v1 + A * t2 + A * (rhs - v1 - dV - v4) / (2 * B);
    xn_real w[2];
    int nw = 0;
    xn_otg_quadratic_roots(c2, c1, c0, w, &nw);
    /* a hold of negative length (beyond what polishing could change) is no profile */
    const xn_real wtol =
        1e-9 * (1 + fabs(t2) + (nw > 0 ? fabs(w[0]) : 0) + (nw > 1 ? fabs(w[1]) : 0));
    for (int k = 0; k < nw; k++) {
        xn_real w1 = w[k];
        if (w1 < -wtol || (rhs - A * w1) / B < -wtol) continue;
        for (int it = 0; it < 2; it++) {
            f2_fill(d, J, A, B, rhs, w1, &s);
            xn_real f = xn_otg_residual(d, &s), df = 2 * c2 * w1 + c1;
            if (df != 0) w1 -= f / df;
        }
        f2_fill(d, J, A, B, rhs, w1, &s);
        xn_otg_consider(d, &s, sr);
    }
}

/* F3 holding the acceleration limit after the middle bang (s, -s to the limit, hold, s): the
 * time reversal of the variant that holds it after the first. Every valid profile of the
 * reversed DoF, turned back, is considered for d. */
static void f3_hold_last_scan(const xn_otg_dof *d, int scanned, xn_otg_search *sr) {
    enum { CAP = 8 };
    xn_real valid[CAP];
    xn_otg_segments prof[CAP];
    xn_otg_search rs;
    xn_otg_search_init(&rs, valid, prof, CAP);
    xn_otg_dof r = xn_otg_reversed(d);
    f3_scan(&r, 1, F3_HOLD | scanned, &rs);
    f3_scan(&r, -1, F3_HOLD | scanned, &rs);
    for (int k = 0; k < rs.nvalid; k++) {
        xn_otg_segments back;
        xn_otg_turned_back(&prof[k], &back);
        xn_otg_consider(d, &back, sr);
    }
}

xn_real xn_otg_step1(const xn_otg_dof *d, xn_otg_segments *out) {
    return xn_otg_step1_all(d, out, NULL, NULL, 0, NULL);
}

static xn_real step1(const xn_otg_dof *d, xn_otg_segments *out, xn_real *valid,
                     xn_otg_segments *profiles, int cap, int *nvalid, int scanned) {
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
    if (xn_otg_rest_applies(d)) { /* the textbook profile; no gaps, so one candidate */
        xn_otg_segments s;
        xn_real T = xn_otg_rest_step1(d, &s);
        if (T < INFINITY) {
            *out = s;
            if (valid && cap > 0) {
                valid[0] = T;
                if (profiles) profiles[0] = s;
            }
            if (nvalid) *nvalid = valid && cap > 0;
            return T;
        }
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
    /* F2: both acceleration limits held (closed form) */
    f2_scan(d, 1, &sr);
    f2_scan(d, -1, &sr);
    /* F3: three bangs, the middle one's duration up to a full swing between the limits, holding
     * the acceleration limit after the first bang, after the middle one, or not at all */
    f3_scan(d, 1, F3_PLAIN | F3_HOLD | scanned, &sr);
    f3_scan(d, -1, F3_PLAIN | F3_HOLD | scanned, &sr);
    f3_hold_last_scan(d, scanned, &sr);
    if (sr.duration < INFINITY) *out = sr.best;
    if (nvalid) *nvalid = sr.nvalid;
    return sr.duration;
}

xn_real xn_otg_step1_all(const xn_otg_dof *d, xn_otg_segments *out, xn_real *valid,
                         xn_otg_segments *profiles, int cap, int *nvalid) {
    return step1(d, out, valid, profiles, cap, nvalid, 0);
}

xn_real xn_otg_step1_scanned(const xn_otg_dof *d, xn_otg_segments *out, xn_real *valid,
                             xn_otg_segments *profiles, int cap, int *nvalid) {
    return step1(d, out, valid, profiles, cap, nvalid, F3_SCANNED);
}
