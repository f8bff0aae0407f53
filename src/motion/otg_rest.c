/* Rest to rest in closed form: a DoF that starts and ends at rest (v0 = a0 = vf = af = 0) with
 * symmetric limits. Its time-optimal profile is the textbook one: jerk up to the acceleration
 * limit (if the distance allows), hold, jerk down to a peak velocity, cruise there if the peak
 * would pass the velocity limit, and the mirror image down to rest. And every duration from that
 * minimum on can be taken by the same shape with a lower cruise velocity, so step 2 is a closed
 * form too (a quadratic where the acceleration limit is held, a cubic where it is not).
 *
 * Both replace the general polynomial search for this common case (a point-to-point move); each
 * profile still goes through the same validity check, and where that fails (rounding at extreme
 * limits) the caller falls back to the general search.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "motion/otg_internal.h"

int xn_otg_rest_applies(const xn_otg_dof *d) {
    return !d->velocity_interface && d->v0 == 0 && d->a0 == 0 && d->vf == 0 && d->af == 0 &&
           d->vmin == -d->vmax && d->amin == -d->amax && d->pf != d->p0;
}

/* Acceleration phase duration to reach velocity v from rest (and the same to come back):
 * jerk-limited, holding the acceleration limit A where v >= A^2 / J. */
static xn_real ramp_time(xn_real v, xn_real A, xn_real J) {
    return v >= A * A / J ? v / A + A / J : 2 * sqrt(v / J);
}

/* The profile through peak velocity v (direction dir) with a cruise of c seconds. */
static void build(xn_real v, xn_real c, xn_real A, xn_real J, xn_real dir, xn_otg_segments *s) {
    s->n = 0;
    if (v >= A * A / J) {
        xn_real tj = A / J, hold = xn_otg_max(v / A - A / J, 0);
        xn_otg_add(s, tj, dir * J);
        xn_otg_add(s, hold, 0);
        xn_otg_add(s, tj, -dir * J);
        xn_otg_add(s, c, 0);
        xn_otg_add(s, tj, -dir * J);
        xn_otg_add(s, hold, 0);
        xn_otg_add(s, tj, dir * J);
    } else {
        xn_real tj = sqrt(v / J);
        xn_otg_add(s, tj, dir * J);
        xn_otg_add(s, tj, -dir * J);
        xn_otg_add(s, c, 0);
        xn_otg_add(s, tj, -dir * J);
        xn_otg_add(s, tj, dir * J);
    }
}

/* The minimum's peak velocity v and cruise c for distance L. */
static void minimum(const xn_otg_dof *d, xn_real L, xn_real *v, xn_real *c) {
    xn_real V = d->vmax, A = d->amax, J = d->jmax;
    /* the peak velocity that covers L without a cruise: v (v / A + A / J) = L where the
     * acceleration limit is held, else 2 J tj^3 = L with v = J tj^2 */
    xn_real vp = A / 2 * (sqrt(A * A / (J * J) + 4 * L / A) - A / J);
    if (vp < A * A / J) {
        xn_real tj = cbrt(L / (2 * J));
        vp = J * tj * tj;
    }
    *v = vp < V ? vp : V;
    *c = *v < vp ? xn_otg_max(L / *v - ramp_time(*v, A, J), 0) : 0;
}

xn_real xn_otg_rest_step1(const xn_otg_dof *d, xn_otg_segments *out) {
    xn_real D = d->pf - d->p0, dir = D > 0 ? 1 : -1, v, c;
    minimum(d, fabs(D), &v, &c);
    xn_otg_segments s;
    build(v, c, d->amax, d->jmax, dir, &s);
    if (!xn_otg_check(d, &s)) return INFINITY;
    *out = s;
    xn_real T = 0;
    for (int i = 0; i < s.n; i++) T += s.t[i];
    return T;
}

/* The smaller positive root s of 2 s^3 - T s^2 + K = 0 (K > 0): the jerk time of a profile that
 * does not reach the acceleration limit and lasts T. On (0, T/4] the cubic falls from K to at
 * most 0 when T is at least that profile's minimum, so the root is there: trigonometric form,
 * then two Newton steps for the last bits. */
static xn_real jerk_time(xn_real T, xn_real K) {
    /* s = y + T/6: y^3 + p y + q = 0 */
    xn_real p = -T * T / 12, q = K / 2 - T * T * T / 108;
    xn_real r = sqrt(-p / 3), arg = q / (2 * r * r * r) * -1;
    if (arg > 1) arg = 1;
    if (arg < -1) arg = -1;
    /* the roots are T/6 + (T/3) cos(phi - 2 pi k / 3): k = 0 the largest (in [T/3, T/2]),
     * k = 1 the smaller positive one (in [0, T/3]), k = 2 negative */
    xn_real s = 2 * r * cos(acos(arg) / 3 - 2.0943951023931957) + T / 6;
    for (int it = 0; it < 2; it++) {
        xn_real f = (2 * s - T) * s * s + K, df = (6 * s - 2 * T) * s;
        if (df != 0) s -= f / df;
    }
    return s;
}

int xn_otg_rest_step2(const xn_otg_dof *d, xn_real T, xn_otg_segments *out) {
    xn_real D = d->pf - d->p0, L = fabs(D), dir = D > 0 ? 1 : -1;
    xn_real A = d->amax, J = d->jmax, vpk, cmin, v, c;
    minimum(d, L, &vpk, &cmin);
    xn_real tmin = 2 * ramp_time(vpk, A, J) + cmin;
    if (T < tmin * (1 - 1e-12)) return -1; /* shorter than the minimum: no profile at all */
    /* T(v) = ramp_time(v) + L / v falls as v rises up to the minimum's peak velocity; where the
     * minimum holds the acceleration limit, the velocity at which holding starts takes T_hold */
    xn_real vh = A * A / J, T_hold = 2 * A / J + L / vh;
    if (vpk >= vh && T <= T_hold) { /* v^2 / A - (T - A / J) v + L = 0, the smaller root */
        xn_real b = T - A / J, disc = b * b - 4 * L / A;
        if (disc < 0) disc = 0;
        v = 2 * L / (b + sqrt(disc)); /* = A (b - sqrt(disc)) / 2 without the cancellation */
    } else {
        xn_real s = jerk_time(T, L / J);
        v = J * s * s;
    }
    /* not past the minimum's peak; the cruise from the distance, so that the distance is exact.
     * Where the jerk phases are short against T (A / J << T) the quadratic's roots nearly
     * coincide and v is good to only half the digits, but T(v) is flat there: the duration
     * stays exact to rounding. */
    if (!(v > 0)) return 0;
    if (v > vpk) v = vpk;
    c = xn_otg_max(L / v - ramp_time(v, A, J), 0);
    xn_otg_segments s;
    build(v, c, A, J, dir, &s);
    if (!xn_otg_check(d, &s)) return 0;
    *out = s;
    return 1;
}
