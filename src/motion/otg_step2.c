/* Step 2: a profile of one DoF that reaches its target at exactly a given duration T (no shorter
 * than the DoF's own minimum), so that every DoF can arrive together. Families, each with one
 * unknown found by the bounded search:
 *   S1  up or down to a cruise velocity vp (acceleration zero), cruise for whatever time is left,
 *       then on to the target: the cruise absorbs the extra time;
 *   S2  four jerk bangs (s, -s, s, -s), no cruise: the acceleration and duration equations give
 *       the last two bangs, the velocity equation (quadratic) the second, the first is the
 *       unknown.
 *   S3  three bangs (s, -s, s) with a plateau of free acceleration before the last one,
 *       optionally holding the acceleration limit after the first;
 *   S4  up and then down in two bangs with a plateau of free acceleration between them,
 *       optionally holding the limit after the first;
 * S3 and S4 also run on the time-reversed DoF (their mirror images) and only where S1 and S2 find
 * nothing. The acceleration in S3 and S4 does not return to zero mid-way, so S1 misses them.
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
    xn_real c00, c10, c01, c11; /* S2: end velocity minus target, bilinear in (u, w) */
} family;

/* S2: four bangs u, w, t2, t3 with jerks (s, -s, s, -s). The acceleration and duration equations
 * give t2 = (T + D)/2 - u and t3 = (T - D)/2 - w (D = (af - a0)/J); then the end velocity is
 * bilinear in u and w (the squares cancel), so w = -(c00 + c10 u) / (c01 + c11 u), and the
 * residual times (c01 + c11 u)^3 is a polynomial of degree 6 in u. */
static void s2_fill(const family *f, xn_real u, xn_real w, xn_otg_segments *s) {
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax * f->sign, D = (d->af - d->a0) / J;
    s->n = 4;
    s->t[0] = u;
    s->t[1] = w;
    s->t[2] = (f->T + D) / 2 - u;
    s->t[3] = (f->T - D) / 2 - w;
    s->j[0] = J;
    s->j[1] = -J;
    s->j[2] = J;
    s->j[3] = -J;
}

static xn_real s2_velocity_residual(const family *f, xn_real u, xn_real w) {
    xn_otg_segments s;
    s2_fill(f, u, w, &s);
    xn_real p = 0, v = f->d->v0, a = f->d->a0;
    for (int i = 0; i < 4; i++) xn_otg_integrate(&p, &v, &a, s.t[i], s.j[i]);
    return v - f->d->vf;
}

static void s2_init(family *f) {
    xn_real h = f->T / 2;
    xn_real q00 = s2_velocity_residual(f, 0, 0), q10 = s2_velocity_residual(f, h, 0),
            q01 = s2_velocity_residual(f, 0, h), q11 = s2_velocity_residual(f, h, h);
    f->c00 = q00;
    f->c10 = (q10 - q00) / h;
    f->c01 = (q01 - q00) / h;
    f->c11 = (q11 - q10 - q01 + q00) / (h * h);
}

static int s2_profile(const void *ctx, xn_real u, int sigma, xn_otg_segments *s) {
    (void)sigma;
    const family *f = ctx;
    xn_real den = f->c01 + f->c11 * u;
    if (den == 0) return 0;
    s2_fill(f, u, -(f->c00 + f->c10 * u) / den, s);
    return 1;
}

/* u where w(u) = w (the inverse of the bilinear relation), appended when finite */
static void s2_u_at(const family *f, xn_real w, xn_real *br, int *nb) {
    xn_real den = f->c10 + f->c11 * w;
    if (den != 0) br[(*nb)++] = -(f->c00 + f->c01 * w) / den;
}

/* Where S2's profiles can change validity: the pole of w(u); w = 0 and t3 = 0; the first
 * peak a1 = a0 + J u, the second a2 = a1 - J w and the third a3 = a0 - J w + J (T + D)/2 at
 * either limit. */
static void s2_breaks(const family *f, xn_real J, xn_real D, xn_real *br, int *nb) {
    const xn_otg_dof *d = f->d;
    if (f->c11 != 0) br[(*nb)++] = -f->c01 / f->c11;
    s2_u_at(f, 0, br, nb);
    s2_u_at(f, (f->T - D) / 2, br, nb);
    const xn_real lim[2] = {d->amax, d->amin};
    for (int i = 0; i < 2; i++) {
        xn_real k = (lim[i] - d->a0) / J;
        br[(*nb)++] = k;
        /* u - w(u) = k: (u - k)(c01 + c11 u) + c00 + c10 u = 0 */
        xn_otg_quadratic_roots(f->c11, f->c01 - k * f->c11 + f->c10, f->c00 - k * f->c01, br, nb);
        s2_u_at(f, (d->a0 + J * (f->T + D) / 2 - lim[i]) / J, br, nb);
    }
}

static xn_real s2_weight(const void *ctx, xn_real u) {
    const family *f = ctx;
    xn_real den = f->c01 + f->c11 * u;
    return den * den * den;
}

/* S3: three bangs x, y, z with jerks (s, -s, s) and a plateau of free acceleration a2 between the
 * second and the third, lasting what T leaves: h = T - 2y - (af - a0)/J. The velocity equation,
 * J dv = (a1 - a2)^2 + (af^2 - a0^2)/2 + a2 (J T + a0 - af) with a1 - a2 = J y, is linear in a2,
 * so with the middle bang y as the unknown a2 = (J^2 y^2 - c) / g, every duration is a quadratic
 * in y and the residual a polynomial of degree 6. S1 and S2 miss these profiles: the
 * acceleration does not return to zero mid-way, and it holds a value that is not a limit. */
typedef struct {
    const xn_otg_dof *d;
    xn_real T, J;
    xn_real c, g; /* c = J dv + (a0^2 - af^2)/2, g = af - a0 - J T */
} s3_family;

static int s3_profile(const void *ctx, xn_real y, int sigma, xn_otg_segments *s) {
    (void)sigma;
    const s3_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = f->J, a2 = (J * J * y * y - f->c) / f->g, a1 = a2 + J * y;
    s->n = 4;
    s->t[0] = (a1 - d->a0) / J;
    s->t[1] = y;
    s->t[2] = f->T - 2 * y - (d->af - d->a0) / J;
    s->t[3] = (d->af - a2) / J;
    s->j[0] = J;
    s->j[1] = -J;
    s->j[2] = 0;
    s->j[3] = J;
    return 1;
}

/* S3 for both signs: where a duration changes sign (x = 0: a1 = a0; z = 0: a2 = af; h = 0) or
 * a1 or a2 reaches a limit, y solves a quadratic (a1 = a0 + J x = lim: J^2 y^2 + J g y - c -
 * lim g = 0; a2 = lim: J^2 y^2 - c - lim g = 0). */
static void s3_scan(const xn_otg_dof *d, xn_real T, xn_otg_search *sr) {
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        xn_real J = d->jmax * sgn;
        s3_family f = {d, T, J, J * (d->vf - d->v0) + (d->a0 * d->a0 - d->af * d->af) / 2,
                       d->af - d->a0 - J * T};
        if (f.g == 0) continue;
        xn_real br[XN_OTG_MAX_BREAKS];
        int nb = 0;
        const xn_real a1_at[3] = {d->a0, d->amax, d->amin}, a2_at[3] = {d->af, d->amax, d->amin};
        for (int i = 0; i < 3; i++) {
            xn_otg_quadratic_roots(J * J, J * f.g, -f.c - a1_at[i] * f.g, br, &nb);
            xn_otg_quadratic_roots(J * J, 0, -f.c - a2_at[i] * f.g, br, &nb);
        }
        br[nb++] = (T - (d->af - d->a0) / J) / 2; /* h = 0 */
        xn_otg_polyfam s3 = {.profile = s3_profile, .ctx = &f, .degree = 6, .branches = 1};
        xn_real ymax = fmin(T, (d->amax - d->amin) / d->jmax);
        xn_otg_poly_scan_feasible(d, &s3, 0, ymax, br, nb, sr);
    }
}

/* S3 whose first bang reaches the acceleration limit and holds it for w before the middle bang y
 * (the first bang is empty where the DoF starts at the limit, as after a brake). With a2 =
 * alim - J y, the velocity equation is linear in w: w = (dv - C(y)) / (J y), C a quadratic; the
 * plateau takes what T leaves. Every duration is a quadratic over y and the residual times y^2 a
 * polynomial of degree 5. */
typedef struct {
    const xn_otg_dof *d;
    xn_real T, J, alim, t0;
} s3h_family;

static int s3h_profile(const void *ctx, xn_real y, int sigma, xn_otg_segments *s) {
    (void)sigma;
    const s3h_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real J = f->J, A = f->alim, a2 = A - J * y, z = (d->af - a2) / J;
    if (y == 0) return 0;
    xn_real rest = f->T - f->t0 - y - z; /* the hold and the plateau share it */
    xn_real C = (2 * A * A - d->a0 * d->a0 - 2 * a2 * a2 + d->af * d->af) / (2 * J) + a2 * rest;
    xn_real w = (d->vf - d->v0 - C) / (J * y);
    s->n = 5;
    s->t[0] = f->t0;
    s->t[1] = w;
    s->t[2] = y;
    s->t[3] = rest - w;
    s->t[4] = z;
    s->j[0] = J;
    s->j[1] = 0;
    s->j[2] = -J;
    s->j[3] = 0;
    s->j[4] = J;
    return 1;
}

static xn_real s3h_weight(const void *ctx, xn_real y) {
    (void)ctx;
    return y * y;
}

/* Where the hold or the plateau ends (w = 0 or w = rest: quadratics in y, solved through three
 * samples of the exact quadratics y (w - 0) and y (w - rest)), the last bang vanishes or the
 * plateau acceleration reaches a limit (linear in y). */
static void s3h_scan(const xn_otg_dof *d, xn_real T, xn_otg_search *sr) {
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        xn_real J = d->jmax * sgn, A = sgn > 0 ? d->amax : d->amin;
        s3h_family f = {d, T, J, A, (A - d->a0) / J};
        if (f.t0 < -1e-12 || f.t0 > T) continue; /* -1e-12: at the limit after a brake */
        xn_real ymax = fmin(T - f.t0, (d->amax - d->amin) / d->jmax);
        if (!(ymax > 0)) continue;
        xn_real br[XN_OTG_MAX_BREAKS];
        int nb = 0;
        for (int e = 0; e < 2; e++) { /* y w(y) and y (w(y) - rest(y)) are quadratics */
            xn_real q[3], ys[3] = {0, ymax / 2, ymax};
            for (int k = 0; k < 3; k++) {
                xn_real y = ys[k], a2 = A - J * y, z = (d->af - a2) / J, rest = T - f.t0 - y - z;
                xn_real C =
                    (2 * A * A - d->a0 * d->a0 - 2 * a2 * a2 + d->af * d->af) / (2 * J) + a2 * rest;
                q[k] = (d->vf - d->v0 - C) / J - (e ? rest * y : 0);
            }
            /* through (0, q0), (h, q1), (2h, q2): q0 + b y + c y^2 */
            xn_real h = ymax / 2, c = (q[2] - 2 * q[1] + q[0]) / (2 * h * h),
                    b = (q[1] - q[0]) / h - c * h;
            xn_otg_quadratic_roots(c, b, q[0], br, &nb);
        }
        const xn_real a2_at[3] = {d->af, d->amax, d->amin};
        for (int i = 0; i < 3; i++) br[nb++] = (A - a2_at[i]) / J;
        xn_otg_polyfam fam = {
            .profile = s3h_profile, .weight = s3h_weight, .ctx = &f, .degree = 5, .branches = 1};
        xn_otg_poly_scan_feasible(d, &fam, 0, ymax, br, nb, sr);
    }
}

/* S4: up and then down in two bangs with a plateau of free acceleration between them
 * (s x, -s y, 0 h, -s z), optionally holding the limit after the first bang for w. The peak a1
 * fixes x and the total down time y + z = (a1 - af)/J, hence h; the velocity equation is then
 * linear in the plateau acceleration: a2 h = dv - (2 a1^2 - a0^2 - af^2)/2J - a1 w. The unknown
 * is a1 (no hold) or w (holding a1 = alim); every duration is a ratio with denominator h and the
 * residual times h^3 a polynomial of degree 6. */
typedef struct {
    const xn_otg_dof *d;
    xn_real T, J, alim;
    int hold; /* 0: the unknown is a1; 1: a1 = alim and the unknown is the hold w */
} s4_family;

static void s4_fill(const s4_family *f, xn_real u, xn_real *x, xn_real *w, xn_real *h, xn_real *a1,
                    xn_real *a2) {
    const xn_otg_dof *d = f->d;
    xn_real J = f->J;
    *a1 = f->hold ? f->alim : u;
    *w = f->hold ? u : 0;
    *x = (*a1 - d->a0) / J;
    *h = f->T - *x - *w - (*a1 - d->af) / J;
    *a2 =
        (d->vf - d->v0 - (2 * *a1 * *a1 - d->a0 * d->a0 - d->af * d->af) / (2 * J) - *a1 * *w) / *h;
}

static int s4_profile(const void *ctx, xn_real u, int sigma, xn_otg_segments *s) {
    (void)sigma;
    const s4_family *f = ctx;
    xn_real x, w, h, a1, a2, J = f->J;
    s4_fill(f, u, &x, &w, &h, &a1, &a2);
    if (h == 0) return 0;
    s->n = 5;
    s->t[0] = x;
    s->t[1] = w;
    s->t[2] = (a1 - a2) / J;
    s->t[3] = h;
    s->t[4] = (a2 - f->d->af) / J;
    s->j[0] = J;
    s->j[1] = 0;
    s->j[2] = -J;
    s->j[3] = 0;
    s->j[4] = -J;
    return 1;
}

static xn_real s4_weight(const void *ctx, xn_real u) {
    const s4_family *f = ctx;
    xn_real x, w, h, a1, a2;
    s4_fill(f, u, &x, &w, &h, &a1, &a2);
    return h * h * h;
}

/* Breakpoints: h = 0, and where a2 = a1 (y = 0), a2 = af (z = 0) or a2 at a limit: a2 h = L h is
 * a quadratic in a1 (found through three samples of it), linear in w. */
static void s4_scan(const xn_otg_dof *d, xn_real T, xn_otg_search *sr) {
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        for (int hold = 0; hold <= 1; hold++) {
            xn_real J = d->jmax * sgn, A = sgn > 0 ? d->amax : d->amin;
            s4_family f = {d, T, J, A, hold};
            xn_real lo, hi;
            if (hold) {
                xn_real x = (A - d->a0) / J;
                lo = 0, hi = T - x - (A - d->af) / J; /* where h reaches 0 */
            } else {
                lo = fmin(d->a0, A), hi = fmax(d->a0, A);
            }
            if (!(hi > lo)) continue;
            xn_real br[XN_OTG_MAX_BREAKS];
            int nb = 0;
            const xn_real at[4] = {0, d->af, d->amax, d->amin}; /* 0: a2 = a1 */
            for (int i = 0; i < 4; i++) {
                xn_real q[3], us[3] = {lo, (lo + hi) / 2, hi};
                for (int k = 0; k < 3; k++) {
                    xn_real x, w, h, a1, a2;
                    s4_fill(&f, us[k], &x, &w, &h, &a1, &a2);
                    q[k] = (a2 - (i == 0 ? a1 : at[i])) * h; /* a polynomial: no division */
                }
                xn_real dh = (hi - lo) / 2, c = (q[2] - 2 * q[1] + q[0]) / (2 * dh * dh),
                        b = (q[1] - q[0]) / dh - c * dh;
                xn_real r[2];
                int nr = 0;
                xn_otg_quadratic_roots(c, b, q[0], r, &nr);
                for (int k = 0; k < nr; k++) br[nb++] = lo + r[k];
            }
            if (!hold) br[nb++] = (J * T + d->a0 + d->af) / 2; /* h = 0 */
            xn_otg_polyfam fam = {
                .profile = s4_profile, .weight = s4_weight, .ctx = &f, .degree = 6, .branches = 1};
            xn_otg_poly_scan_feasible(d, &fam, lo, hi, br, nb, sr);
            if (sr->duration < INFINITY) return;
        }
    }
}

/* Step 2's rare families: S3, S3 holding the limit, then S4, on d and on its time reversal (the
 * plateau before the middle bang); the first valid profile. */
static void rare_families(const xn_otg_dof *d, xn_real T, xn_otg_search *sr) {
    s3_scan(d, T, sr);
    if (!(sr->duration < INFINITY)) s3h_scan(d, T, sr);
    if (!(sr->duration < INFINITY)) s4_scan(d, T, sr);
    if (sr->duration < INFINITY) return;
    xn_otg_dof r = xn_otg_reversed(d);
    xn_otg_search rs;
    xn_otg_search_init(&rs, NULL, NULL, 0);
    s3_scan(&r, T, &rs);
    if (!(rs.duration < INFINITY)) s3h_scan(&r, T, &rs);
    if (!(rs.duration < INFINITY)) s4_scan(&r, T, &rs);
    if (rs.duration < INFINITY) {
        xn_otg_segments back;
        xn_otg_turned_back(&rs.best, &back);
        xn_otg_consider(d, &back, sr);
    }
}

/* Velocity interface: jerk from a0 to a plateau acceleration ap, hold it, jerk on to af, all in T;
 * the unknown is ap, the end velocity (the residual) a quadratic in it on each side of a0 and af.
 */
static int v1_profile(const void *ctx, xn_real ap, int sigma, xn_otg_segments *s) {
    (void)sigma;
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
 * duration equations give the other two; the end velocity is a quadratic in x. */
static int v2_profile(const void *ctx, xn_real x, int sigma, xn_otg_segments *s) {
    (void)sigma;
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
    return xn_otg_step2_part(d, T, XN_OTG_STEP2_COMMON | XN_OTG_STEP2_RARE, out);
}

int xn_otg_step2_part(const xn_otg_dof *d, xn_real T, int parts, xn_otg_segments *out) {
    xn_otg_search sr;
    xn_otg_search_init(&sr, NULL, NULL, 0);
    if (!(parts & XN_OTG_STEP2_COMMON)) { /* S3 and S4 alone */
        if (d->velocity_interface) return 0;
        rare_families(d, T, &sr);
        if (!(sr.duration < INFINITY)) return 0;
        *out = sr.best;
        return 1;
    }
    if (d->velocity_interface) {
        family f = {d, T, 1, 0, 0, 0, 0};
        xn_real pts[4] = {d->amin, xn_otg_min(d->a0, d->af), xn_otg_max(d->a0, d->af), d->amax};
        xn_otg_polyfam v1 = {.profile = v1_profile, .ctx = &f, .degree = 2, .branches = 1};
        for (int i = 0; i < 3; i++) {
            xn_real lo = xn_otg_max(pts[i], d->amin), hi = xn_otg_min(pts[i + 1], d->amax);
            if (hi > lo) xn_otg_poly_scan(d, &v1, lo, hi, &sr);
        }
        for (int sgn = -1; sgn <= 1 && !(sr.duration < INFINITY); sgn += 2) {
            family g = {d, T, sgn, 0, 0, 0, 0};
            xn_otg_polyfam v2 = {.profile = v2_profile, .ctx = &g, .degree = 2, .branches = 1};
            xn_otg_poly_scan(d, &v2, 0, T, &sr);
        }
        if (!(sr.duration < INFINITY)) return 0;
        *out = sr.best;
        return 1;
    }
    if (d->p0 == d->pf && d->v0 == 0 && d->vf == 0 && d->a0 == 0 && d->af == 0) {
        /* at rest on its target while others move: held, exactly (a profile of the general
         * families would wander by rounding residues) */
        out->n = 0;
        xn_otg_add(out, T, 0);
        return xn_otg_check(d, out);
    }
    if (xn_otg_rest_applies(d)) {
        int r = xn_otg_rest_step2(d, T, out);
        if (r != 0) return r > 0;
    }
    /* only velocities reachable within T can be cruised at */
    xn_real reach_lo = xn_otg_min(d->v0, d->vf) + d->amin * T,
            reach_hi = xn_otg_max(d->v0, d->vf) + d->amax * T;
    xn_otg_peak_scan(d, T, xn_otg_max(d->vmin, reach_lo), xn_otg_min(d->vmax, reach_hi), &sr);
    for (int sgn = -1; sgn <= 1 && !(sr.duration < INFINITY); sgn += 2) {
        family g = {d, T, sgn, 0, 0, 0, 0};
        s2_init(&g);
        if (g.c01 == 0 && g.c11 == 0) continue; /* the second bang does not change the velocity */
        xn_otg_polyfam s2 = {
            .profile = s2_profile, .weight = s2_weight, .ctx = &g, .degree = 6, .branches = 1};
        xn_real br[XN_OTG_MAX_BREAKS], J = d->jmax * sgn, D = (d->af - d->a0) / J;
        int nb = 0;
        s2_breaks(&g, J, D, br, &nb);
        xn_otg_poly_scan_feasible(d, &s2, 0, (T + D) / 2, br, nb, &sr);
    }
    if (!(sr.duration < INFINITY) && (parts & XN_OTG_STEP2_RARE)) rare_families(d, T, &sr);
    if (!(sr.duration < INFINITY)) return 0;
    *out = sr.best;
    return 1;
}
