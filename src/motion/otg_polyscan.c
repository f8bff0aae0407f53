/* Polynomial families: every root of a one-unknown family's residual, from its polynomial.
 *
 * Each family of candidate profiles (steps 1 and 2) is parametrized so that its residual, the
 * end position minus the target, becomes a polynomial of known degree in the unknown: directly,
 * after clearing a denominator (a weight), or as the product of the two signs of a square root
 * (r(u, +w) r(u, -w) has no square root left). Sampling that polynomial at degree + 1 Chebyshev
 * nodes gives it exactly (up to rounding); two more values, at the ends, confirm the degree.
 *
 * The roots themselves are taken from the residual, not from the polynomial: between two
 * consecutive critical points of the polynomial (the roots of its derivative) it is monotone, so
 * the residual changes sign there at most once, and that sign change is bracketed and solved on
 * the residual itself. This also holds where the product form has two roots so close that
 * rounding hides them (one of each sign of the square root): their critical point still
 * separates them. A family the polynomial does not describe (the ends disagree: a degenerate
 * problem) falls back to the sampled search of otg_search.c. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stddef.h>

#include "motion/otg_internal.h"

/* Regula falsi (Illinois) or Newton steps on one bracketed root of the residual, at most. */
#define XN_OTG_BRACKET_ITERATIONS 60

static xn_real residual_at(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real u, int sigma) {
    if (f->residual) return f->residual(f->ctx, u, sigma);
    xn_otg_segments s;
    if (!f->profile(f->ctx, u, sigma, &s)) return NAN;
    return xn_otg_residual(d, &s);
}

/* The scale the end state is checked against (xn_otg_check): a residual this much smaller is as
 * good as zero. */
static xn_real residual_scale(const xn_otg_dof *d) {
    if (d->velocity_interface) return xn_otg_max(1, fabs(d->vf));
    return xn_otg_max(1, xn_otg_max(fabs(d->pf), fabs(d->p0 - d->pf)));
}

static void consider_at(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real u, int sigma,
                        xn_otg_search *sr) {
    xn_otg_segments s;
    if (f->profile(f->ctx, u, sigma, &s)) xn_otg_consider(d, &s, sr);
}

/* The root of the residual between a and b (opposite signs ra, rb), by the Illinois variant of
 * regula falsi starting from `guess` (the polynomial's root there, NAN: none), or by bracketed
 * Newton where the family gives the residual's slope; its profile considered. */
static void bracketed(const xn_otg_dof *d, const xn_otg_polyfam *f, int sigma, xn_real a,
                      xn_real ra, xn_real b, xn_real rb, xn_real guess, xn_real tol,
                      xn_otg_search *sr) {
    xn_real x = a, rx = ra;
    int side = 0;
    if (f->residual_slope) { /* Newton, bisecting where a step would leave the bracket */
        x = guess > a && guess < b ? guess : (a * rb - b * ra) / (rb - ra);
        if (!(x > a && x < b)) x = 0.5 * (a + b);
        for (int it = 0; it < XN_OTG_BRACKET_ITERATIONS; it++) {
            xn_real slope;
            rx = f->residual_slope(f->ctx, x, sigma, &slope);
            if (!isfinite(rx) || fabs(rx) <= tol) break;
            if ((rx < 0) == (ra < 0))
                a = x;
            else
                b = x;
            xn_real xn = x - rx / slope;
            if (!(xn > a && xn < b)) xn = 0.5 * (a + b);
            if (b - a <= 4 * DBL_EPSILON * xn_otg_max(fabs(a), fabs(b)) || xn == x) break;
            x = xn;
        }
        consider_at(d, f, x, sigma, sr);
        return;
    }
    for (int it = 0; it < XN_OTG_BRACKET_ITERATIONS; it++) {
        x = it == 0 && guess > a && guess < b ? guess : (a * rb - b * ra) / (rb - ra);
        if (!(x > a && x < b)) x = 0.5 * (a + b);
        rx = residual_at(d, f, x, sigma);
        if (!isfinite(rx) || fabs(rx) <= tol) break;
        if ((rx < 0) == (ra < 0)) {
            a = x;
            ra = rx;
            if (side == -1) rb /= 2; /* the same end twice: halve the other's weight */
            side = -1;
        } else {
            b = x;
            rb = rx;
            if (side == 1) ra /= 2;
            side = 1;
        }
        if (b - a <= 4 * DBL_EPSILON * xn_otg_max(fabs(a), fabs(b))) break;
    }
    consider_at(d, f, x, sigma, sr);
}

typedef struct {
    const xn_otg_polyfam *f;
    int sigma;
} branch;

static int branch_profile(const void *ctx, xn_real u, xn_otg_segments *s) {
    const branch *b = ctx;
    return b->f->profile(b->f->ctx, u, b->sigma, s);
}

static void fallback(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                     xn_otg_search *sr) {
    for (int k = 0; k < f->branches; k++) {
        branch b = {f, k == 0 ? 1 : -1};
        xn_otg_scan(d, branch_profile, &b, lo, hi, NULL, 0, sr);
    }
}

/* The residual at both ends (into rend) confirms the polynomial c on [lo, hi] (its degree, or
 * the coefficients given), where the family is defined there. Returns 0, or -1 on a mismatch or
 * when the polynomial is zero everywhere (size = 0: a continuum of profiles). */
static int confirm_ends(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                        const xn_real *c, xn_real size, xn_real rend[2]) {
    for (int e = 0; e < 2; e++) {
        xn_real u = e ? hi : lo;
        rend[e] = residual_at(d, f, u, 1);
        xn_real ye = rend[e] * (f->weight ? f->weight(f->ctx, u) : 1);
        if (isfinite(ye) &&
            fabs(ye - xn_poly_eval(c, f->degree, e)) > 1e-7 * xn_otg_max(size, fabs(ye)))
            return -1;
    }
    return size > 0 ? 0 : -1;
}

/* From the family's exact coefficients in u (lowest power first) to the unit variable s of
 * [lo, hi]: u = lo + w s, expanded term by term (a Taylor shift, then the scaling). */
static int build_from_coeffs(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                             xn_real *c, xn_real rend[2]) {
    const int n = f->degree + 1;
    xn_real a[XN_POLY_MAX_DEGREE + 1], size = 0;
    f->coeffs(f->ctx, a);
    for (int i = 0; i < n - 1; i++) /* shift: coefficients of a(lo + t) in t, by Horner */
        for (int k = n - 2; k >= i; k--) a[k] += lo * a[k + 1];
    xn_real wk = 1, w = hi - lo;
    for (int k = 0; k < n; k++, wk *= w) {
        c[k] = a[k] * wk;
        size = xn_otg_max(size, fabs(c[k]));
    }
    if (!isfinite(size)) return -1;
    return confirm_ends(d, f, lo, hi, c, size, rend);
}

/* The polynomial of a family without a square root: the weighted residual at degree + 1 nodes
 * (or its exact coefficients, where the family has them). rend: the residual at both ends. Returns
 * 0, or -1 when the family is not that polynomial. */
static int build_direct(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                        xn_real *c, xn_real rend[2]) {
    if (f->coeffs) return build_from_coeffs(d, f, lo, hi, c, rend);
    const int n = f->degree + 1;
    const xn_real *s = xn_poly_cheb_nodes(n), w = hi - lo;
    xn_real y[XN_POLY_MAX_DEGREE + 1], size = 0;
    for (int k = 0; k < n; k++) {
        xn_real u = lo + w * s[k];
        y[k] = residual_at(d, f, u, 1) * (f->weight ? f->weight(f->ctx, u) : 1);
        if (!isfinite(y[k])) return -1;
        size = xn_otg_max(size, fabs(y[k]));
    }
    xn_poly_interpolate_cheb(n, y, c);
    return confirm_ends(d, f, lo, hi, c, size, rend);
}

/* The polynomial of a family r = R0 + R1 w with w = sqrt(q), R0 of degree m = degree/2, R1 and q
 * of degree 2 (at most m): R0 and R1 from both branches at m + 1 nodes, then
 * R0^2 - q R1^2 = r(+w) r(-w), of degree 2m. Also R0 in mean[] (its roots lie between two roots
 * of the product too close for rounding to show). Returns 0, or -1 as build_direct. */
static int build_product(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                         xn_real *c, xn_real *mean, xn_real rend[2]) {
    const int m = f->degree / 2, n = m + 1;
    const xn_real *s = xn_poly_cheb_nodes(n), w = hi - lo;
    xn_real y0[XN_POLY_MAX_DEGREE + 1], y1[XN_POLY_MAX_DEGREE + 1], yq[XN_POLY_MAX_DEGREE + 1];
    xn_real r1[XN_POLY_MAX_DEGREE + 1], q[XN_POLY_MAX_DEGREE + 1], size = 0;
    for (int k = 0; k < n; k++) {
        xn_real u = lo + w * s[k], root, rp, rm;
        if (f->residual_pair) {
            xn_real r[2];
            f->residual_pair(f->ctx, u, r, &root);
            rp = r[0];
            rm = r[1];
        } else {
            root = f->root(f->ctx, u);
            rp = residual_at(d, f, u, 1);
            rm = residual_at(d, f, u, -1);
        }
        if (!isfinite(rp) || !isfinite(rm) || !(root > 0)) return -1;
        y0[k] = 0.5 * (rp + rm);
        y1[k] = 0.5 * (rp - rm) / root;
        yq[k] = root * root;
        size = xn_otg_max(size, xn_otg_max(fabs(rp), fabs(rm)));
    }
    xn_poly_interpolate_cheb(n, y0, mean);
    xn_poly_interpolate_cheb(n, y1, r1);
    xn_poly_interpolate_cheb(n, yq, q);
    for (int k = 3; k < n; k++) r1[k] = q[k] = 0; /* of degree 2: the rest is rounding */
    for (int e = 0; e < 2; e++) {                 /* the ends confirm the degrees */
        xn_real u = e ? hi : lo;
        rend[e] = residual_at(d, f, u, 1);
        xn_real pred = xn_poly_eval(mean, m, e) + xn_poly_eval(r1, 2, e) * f->root(f->ctx, u);
        if (isfinite(rend[e]) && fabs(rend[e] - pred) > 1e-7 * xn_otg_max(size, fabs(rend[e])))
            return -1;
    }
    if (!(size > 0)) return -1;
    /* R0^2 - q R1^2 */
    xn_real sq[XN_POLY_MAX_DEGREE + 1] = {0};
    for (int i = 0; i <= 2 * m; i++) c[i] = 0;
    for (int i = 0; i <= m; i++)
        for (int k = 0; k <= m; k++) c[i + k] += mean[i] * mean[k];
    for (int i = 0; i <= 2; i++)
        for (int k = 0; k <= 2; k++) sq[i + k] += r1[i] * r1[k];
    for (int i = 0; i <= 2; i++)
        for (int k = 0; k <= 4 && i + k <= 2 * m; k++) c[i + k] -= q[i] * sq[k];
    return 0;
}

void xn_otg_poly_scan(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                      xn_otg_search *sr) {
    if (!(hi >= lo)) return;
    if (hi == lo) {
        for (int k = 0; k < f->branches; k++) consider_at(d, f, lo, k == 0 ? 1 : -1, sr);
        return;
    }
    const int n = f->degree + 1;
    const xn_real w = hi - lo;
    xn_real c[XN_POLY_MAX_DEGREE + 1], mean[XN_POLY_MAX_DEGREE + 1], rend[2];
    if ((f->product ? build_product(d, f, lo, hi, c, mean, rend)
                    : build_direct(d, f, lo, hi, c, rend)) != 0) {
        fallback(d, f, lo, hi, sr);
        return;
    }
    const xn_real tol = 1e-13 * residual_scale(d);
    const int changes = xn_poly_sign_changes_unit(c, f->degree);
    /* no root (Descartes): for a product, neither in the polynomial nor in R0 */
    if (changes == 0 && !(fabs(rend[0]) <= tol) && !(fabs(rend[1]) <= tol) &&
        (!f->product || xn_poly_sign_changes_unit(mean, f->degree / 2) == 0))
        return;
    /* One sign change (Descartes): exactly one root, and no critical points needed. For a family
     * without a square root it is bracketed by the ends; for a product it is a root of one
     * branch, of the physical one when that changes sign between the ends. */
    if (f->branches == 1 && isfinite(rend[0]) && isfinite(rend[1]) && fabs(rend[0]) > tol &&
        fabs(rend[1]) > tol && changes == 1) {
        if ((rend[0] < 0) != (rend[1] < 0))
            bracketed(d, f, 1, lo, rend[0], hi, rend[1],
                      lo + w * xn_poly_root_in(c, f->degree, 0, 1, 1e-10), tol, sr);
        return;
    }
    /* the partition: the ends and the critical points */
    xn_real dc[XN_POLY_MAX_DEGREE], pts[XN_POLY_MAX_DEGREE + 2];
    for (int k = 1; k < n; k++) dc[k - 1] = k * c[k];
    int np = 0;
    pts[np++] = 0;
    int nc =
        f->degree >= 2 ? xn_poly_roots_unit(dc, f->degree - 1, pts + 1, XN_POLY_MAX_DEGREE) : 0;
    for (int i = 0; i < nc; i++)
        if (pts[1 + i] > 0 && pts[1 + i] < 1) pts[np++] = pts[1 + i];
    pts[np++] = 1;
    for (int k = 0; k < f->branches; k++) {
        int sigma = k == 0 ? 1 : -1;
        xn_real u_prev = lo, r_prev = k == 0 ? rend[0] : residual_at(d, f, lo, sigma);
        if (fabs(r_prev) <= tol) consider_at(d, f, lo, sigma, sr);
        for (int i = 1; i < np; i++) {
            xn_real u = i == np - 1 ? hi : lo + w * pts[i];
            xn_real r = i == np - 1 && k == 0 ? rend[1] : residual_at(d, f, u, sigma);
            if (fabs(r) <= tol)
                consider_at(d, f, u, sigma, sr);
            else if (isfinite(r) && isfinite(r_prev) && fabs(r_prev) > tol &&
                     (r < 0) != (r_prev < 0))
                bracketed(d, f, sigma, u_prev, r_prev, u, r,
                          lo + w * xn_poly_root_in(c, f->degree, pts[i - 1], pts[i], 1e-10), tol,
                          sr);
            u_prev = u;
            r_prev = r;
        }
    }
}

int xn_otg_poly_bracket(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                        xn_real guess, xn_otg_search *sr) {
    if (!(hi > lo)) return 0;
    xn_real ra = residual_at(d, f, lo, 1), rb = residual_at(d, f, hi, 1);
    if (!isfinite(ra) || !isfinite(rb) || (ra < 0) == (rb < 0)) return 0;
    bracketed(d, f, 1, lo, ra, hi, rb, guess, 1e-13 * residual_scale(d), sr);
    return 1;
}

void xn_otg_poly_roots(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                       xn_otg_search *sr) {
    xn_real a[XN_POLY_MAX_DEGREE + 1], roots[XN_POLY_SMALL_ROOTS];
    f->coeffs(f->ctx, a);
    int n = xn_poly_roots_small(a, f->degree, lo, hi, roots);
    const xn_real tol = 1e-13 * residual_scale(d);
    for (int i = 0; i < n; i++) {
        xn_real u = roots[i];
        /* Newton on the residual r = P / w, whose slope at a root of P is P' / w: the polynomial's
         * coefficients carry the rounding of their own sums, the residual that of the profile */
        for (int it = 0; it < 2; it++) {
            xn_real r = residual_at(d, f, u, 1);
            if (!(fabs(r) > tol)) break;
            xn_real dp = 0, w = f->weight ? f->weight(f->ctx, u) : 1;
            for (int k = f->degree; k >= 1; k--) dp = dp * u + k * a[k];
            xn_real un = u - r * w / dp;
            if (!(un >= lo && un <= hi)) break;
            u = un;
        }
        consider_at(d, f, u, 1, sr);
    }
}

/* The DoF's own time scale: how long the jerk limit needs to change its acceleration, velocity
 * or position by the amounts the problem asks for. The roots of its profiles lie near it. */
static xn_real time_scale(const xn_otg_dof *d) {
    xn_real J = d->jmax, dv = fabs(d->vf - d->v0) + fabs(d->v0) + fabs(d->vf);
    xn_real t = xn_otg_max(fabs(d->a0), fabs(d->af)) / J;
    t = xn_otg_max(t, sqrt(dv / J));
    return xn_otg_max(t, cbrt(fabs(d->pf - d->p0) / J));
}

/* A run many times longer than the time scale (limits over decades: a bang may last up to the
 * swing between the acceleration limits, a thousand times the scale) is scanned in pieces that
 * grow eightfold from 8 times the scale: one polynomial over the whole run would bury the roots
 * near its start under the rounding of its values far out (where a weight such as x^3 grows). */
void xn_otg_poly_scan_long(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real a, xn_real b,
                           xn_otg_search *sr) {
    xn_real cut = 8 * time_scale(d);
    for (int k = 0; k < 8 && cut < b; k++, cut *= 8) {
        if (cut <= a) continue;
        xn_otg_poly_scan(d, f, a, cut, sr);
        a = cut;
    }
    xn_otg_poly_scan(d, f, a, b, sr);
}

/* Scan only where the family's profiles can be valid: [lo, hi] is cut at the breakpoints, each
 * piece is kept when the profile at its middle has no negative duration and keeps the
 * acceleration limits, and runs of kept pieces are scanned as one interval. */
void xn_otg_poly_scan_feasible(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                               const xn_real *breaks, int nb, xn_otg_search *sr) {
    xn_real pts[XN_OTG_MAX_BREAKS + 2];
    int n = xn_otg_cut(lo, hi, breaks, nb, XN_OTG_MAX_BREAKS + 2, pts);
    const xn_real atol = 1e-9 * xn_otg_max(1, xn_otg_max(d->amax, -d->amin));
    int open = -1; /* the first piece of the run being collected */
    for (int i = 0; i + 1 < n; i++) {
        int ok = 0;
        xn_otg_segments s;
        if (pts[i + 1] > pts[i] && f->profile(f->ctx, 0.5 * (pts[i] + pts[i + 1]), 1, &s)) {
            xn_real a = d->a0;
            ok = 1;
            for (int k = 0; k < s.n && ok; k++) {
                a += s.j[k] * s.t[k];
                /* -1e-12: a bang of no length from a start just past a limit (after a brake) */
                ok = s.t[k] >= -1e-12 && a <= d->amax + atol && a >= d->amin - atol;
            }
        }
        if (ok && open < 0) open = i;
        if (!ok && open >= 0) {
            xn_otg_poly_scan_long(d, f, pts[open], pts[i], sr);
            open = -1;
        }
    }
    if (open >= 0) xn_otg_poly_scan_long(d, f, pts[open], pts[n - 1], sr);
}

void xn_otg_quadratic_roots(xn_real a, xn_real b, xn_real c, xn_real *r, int *n) {
    if (a == 0) {
        if (b != 0) r[(*n)++] = -c / b;
        return;
    }
    xn_real disc = b * b - 4 * a * c;
    if (disc < 0) return;
    xn_real q = -0.5 * (b + (b >= 0 ? sqrt(disc) : -sqrt(disc)));
    r[(*n)++] = q / a;
    if (q != 0) r[(*n)++] = c / q;
}
