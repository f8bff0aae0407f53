/* Real roots of polynomials of degree at most 4 in the caller's own variable (see poly.h): the
 * quartic in closed form (Ferrari), certified by a Sturm count, and a bounded recursive method
 * (the derivatives' roots cut the interval into monotone pieces) where the closed form cannot be
 * trusted. SPDX-License-Identifier: Apache-2.0 */
#include <float.h>
#include <math.h>

#include "math/poly.h"
#include "math/sort_inline.h"

/* |c| term by term at x, times the rounding of Horner's rule: values below it are noise */
static xn_real rounding_at(const xn_real *c, int deg, xn_real x) {
    xn_real y = fabs(c[deg]), ax = fabs(x);
    for (int i = deg - 1; i >= 0; i--) y = y * ax + fabs(c[i]);
    return 8 * DBL_EPSILON * y;
}

/* The one root of c in (a, b), where c is monotone and c(a) = fa, c(b) = fb differ in sign:
 * Newton from the secant's point, bisecting whenever a step leaves the bracket, until the value
 * is at the rounding level of c's terms there (closer steps would follow noise) or a step is at
 * the rounding of x. */
static xn_real refine(const xn_real *c, int deg, xn_real a, xn_real b, xn_real fa, xn_real fb) {
    xn_real x = a - fa * (b - a) / (fb - fa);
    if (!(x > a && x < b)) x = 0.5 * (a + b);
    for (int it = 0; it < XN_POLY_MAX_ITERATIONS; it++) {
        xn_real y = c[deg], dy = 0, m = fabs(c[deg]), ax = fabs(x);
        for (int i = deg - 1; i >= 0; i--) {
            dy = dy * x + y;
            y = y * x + c[i];
            m = m * ax + fabs(c[i]);
        }
        if (fabs(y) <= 8 * DBL_EPSILON * m) return x;
        if ((y < 0) == (fa < 0)) {
            a = x;
            fa = y;
        } else {
            b = x;
        }
        xn_real xn = x - y / dy;
        if (!(xn > a && xn < b)) xn = 0.5 * (a + b);
        if (fabs(xn - x) <= 4 * DBL_EPSILON * fabs(x) || b - a <= 4 * DBL_EPSILON * fabs(x))
            return xn;
        x = xn;
    }
    return x;
}

/* The recursive method: the derivative's roots (found the same way) cut [lo, hi]. */
static int roots_by_cuts(const xn_real *c, int deg, xn_real lo, xn_real hi, xn_real *roots) {
    while (deg > 0 && c[deg] == 0) deg--;
    if (deg <= 0) return 0;
    /* the cut points: lo, the derivative's roots inside (lo, hi), hi */
    xn_real pts[XN_POLY_SMALL_ROOTS + 2];
    int np = 1;
    pts[0] = lo;
    if (deg == 2) {
        xn_real x = -c[1] / (2 * c[2]);
        if (x > lo && x < hi) pts[np++] = x;
    } else if (deg > 2) {
        xn_real dc[XN_POLY_SMALL_DEGREE], cr[XN_POLY_SMALL_ROOTS];
        for (int k = 1; k <= deg; k++) dc[k - 1] = k * c[k];
        int nc = roots_by_cuts(dc, deg - 1, lo, hi, cr);
        for (int i = 0; i < nc; i++)
            if (cr[i] > pts[np - 1] && cr[i] < hi) pts[np++] = cr[i];
    }
    pts[np++] = hi;
    int n = 0;
    xn_real fa = xn_poly_eval(c, deg, lo);
    if (fabs(fa) <= rounding_at(c, deg, lo)) roots[n++] = lo;
    for (int i = 1; i < np && n < XN_POLY_SMALL_ROOTS; i++) {
        xn_real b = pts[i], fb = xn_poly_eval(c, deg, b);
        int zero_b = fabs(fb) <= rounding_at(c, deg, b);
        if (!zero_b && fa != 0 && (fa < 0) != (fb < 0) && !(n > 0 && roots[n - 1] == pts[i - 1]))
            roots[n++] = refine(c, deg, pts[i - 1], b, fa, fb);
        if (zero_b && n < XN_POLY_SMALL_ROOTS) roots[n++] = b;
        fa = fb;
    }
    return n;
}

/* ---- the quartic in closed form ---- */

/* The largest real root of m^3 + a m^2 + b m + c: Cardano's form where the cubic has one real
 * root, the trigonometric one where it has three; then two Newton steps. */
static xn_real cubic_largest(xn_real a, xn_real b, xn_real c) {
    const xn_real a3 = a / 3, P = b - a * a3, Q = c + a3 * (2 * a3 * a3 - b);
    const xn_real disc = Q * Q / 4 + P * P * P / 27;
    xn_real z;
    if (disc > 0) { /* the cube root without cancellation, the other one from their product */
        xn_real sq = sqrt(disc), A = cbrt(-Q / 2 - (Q >= 0 ? sq : -sq));
        z = A != 0 ? A - P / (3 * A) : 0;
    } else if (P < 0) {
        xn_real r = sqrt(-P / 3), cs = -Q / (2 * r * r * r);
        z = 2 * r * cos(acos(cs > 1 ? 1 : cs < -1 ? -1 : cs) / 3);
    } else {
        z = 0;
    }
    xn_real m = z - a3;
    for (int it = 0; it < 2; it++) {
        xn_real f = ((m + a) * m + b) * m + c, df = (3 * m + 2 * a) * m + b;
        if (df == 0 || f == 0) break;
        m -= f / df;
    }
    return m;
}

/* The real roots of y^2 + s y + t appended to r. Returns 0, or -1 where the discriminant is
 * within rounding of zero (relative 1e-6): a double root, or a pair that rounding may have moved
 * to either side of it, which the closed form cannot tell. */
static int quadratic_monic(xn_real s, xn_real t, xn_real *r, int *n) {
    xn_real disc = s * s - 4 * t;
    if (!(fabs(disc) > 1e-6 * (s * s + 4 * fabs(t)))) return -1;
    if (disc < 0) return 0;
    xn_real q = -0.5 * (s + (s >= 0 ? sqrt(disc) : -sqrt(disc)));
    r[(*n)++] = q;
    r[(*n)++] = q != 0 ? t / q : 0;
    return 0;
}

/* The number of distinct real roots of c (degree deg) in (lo, hi] by Sturm's theorem, or -1 where
 * floating point cannot tell (a remainder whose leading coefficient is rounding: c has a multiple
 * root or nearly one; a value at an end that is rounding). */
static int sturm_count(const xn_real *c, int deg, xn_real lo, xn_real hi) {
    xn_real s[XN_POLY_SMALL_DEGREE + 1][XN_POLY_SMALL_DEGREE + 1];
    int dg[XN_POLY_SMALL_DEGREE + 1], ns = 2;
    /* in the variable x / w, w the interval's larger end: the remainders' sizes compare there */
    const xn_real w = fmax(fabs(lo), fabs(hi));
    if (!(w > 0)) return -1;
    xn_real wk = 1;
    for (int k = 0; k <= deg; k++, wk *= w) s[0][k] = c[k] * wk;
    for (int k = 0; k < deg; k++) s[0][k] /= s[0][deg];
    s[0][deg] = 1;
    lo /= w;
    hi /= w;
    for (int k = 1; k <= deg; k++) s[1][k - 1] = k * s[0][k] / deg;
    dg[0] = deg;
    dg[1] = deg - 1;
    while (dg[ns - 1] > 0) { /* s[ns] = -(s[ns-2] mod s[ns-1]) */
        xn_real rem[XN_POLY_SMALL_DEGREE + 1] = {0}, size = 0;
        const xn_real *a = s[ns - 2], *b = s[ns - 1];
        int da = dg[ns - 2], db = dg[ns - 1];
        for (int k = 0; k <= da; k++) {
            rem[k] = a[k];
            size = fmax(size, fabs(a[k]));
        }
        for (int k = da; k >= db; k--) {
            xn_real f = rem[k] / b[db];
            for (int i = 0; i <= db; i++) rem[k - db + i] -= f * b[i];
        }
        int dr = db - 1;
        if (!(fabs(rem[dr]) > 1e-9 * size)) return -1;
        for (int k = 0; k <= dr; k++) s[ns][k] = -rem[k] / fabs(rem[dr]);
        dg[ns++] = dr;
    }
    int v[2];
    for (int e = 0; e < 2; e++) {
        xn_real x = e ? hi : lo;
        int changes = 0, last = 0;
        for (int i = 0; i < ns; i++) {
            xn_real y = s[i][dg[i]];
            for (int k = dg[i] - 1; k >= 0; k--) y = y * x + s[i][k];
            if (i == 0 && fabs(y) <= rounding_at(s[0], deg, x)) return -1;
            int sg = (y > 0) - (y < 0);
            changes += sg * last < 0;
            last = sg ? sg : last;
        }
        v[e] = changes;
    }
    return v[0] - v[1];
}

/* Ferrari: the depressed quartic y^4 + p y^2 + q y + r (x = y - B/4) splits into two quadratics
 * through the largest root of its resolvent cubic. Each root is polished by Newton on c and kept
 * in [lo, hi]. Returns the count, or -1 when a Sturm count disagrees with it. */
static int quartic_closed(const xn_real *c, xn_real lo, xn_real hi, xn_real *roots) {
    const xn_real B = c[3] / c[4], C = c[2] / c[4], D = c[1] / c[4], E = c[0] / c[4];
    const xn_real B2 = B * B, p = C - 3 * B2 / 8, q = D - B * C / 2 + B2 * B / 8,
                  r = E - B * D / 4 + B2 * C / 16 - 3 * B2 * B2 / 256;
    xn_real y[4];
    int ny = 0;
    const xn_real size = fabs(p) + sqrt(fabs(r)) + cbrt(q * q); /* y^2's scale */
    if (!isfinite(size)) return -1;
    if (fabs(q) <= 1e-12 * size * sqrt(size)) { /* biquadratic */
        xn_real z[2];
        int nz = 0;
        if (quadratic_monic(p, r, z, &nz) < 0) return -1;
        for (int i = 0; i < nz; i++) {
            if (!(fabs(z[i]) > 1e-6 * size)) return -1; /* a double root at y = 0, or nearly */
            if (z[i] < 0) continue;
            y[ny++] = sqrt(z[i]);
            y[ny++] = -sqrt(z[i]);
        }
    } else {
        xn_real m = cubic_largest(2 * p, p * p - 4 * r, -q * q);
        if (!(m > 0)) return -1;
        xn_real sm = sqrt(m), h = q / sm;
        if (quadratic_monic(sm, (p + m - h) / 2, y, &ny) < 0 ||
            quadratic_monic(-sm, (p + m + h) / 2, y, &ny) < 0)
            return -1;
    }
    int n = 0;
    for (int i = 0; i < ny; i++) {
        xn_real x = y[i] - B / 4;
        for (int it = 0; it < 2; it++) {
            xn_real f = c[4], df = 0;
            for (int k = 3; k >= 0; k--) {
                df = df * x + f;
                f = f * x + c[k];
            }
            if (df == 0 || f == 0) break;
            x -= f / df;
        }
        if (!(x >= lo && x <= hi)) continue;
        /* a root the polishing did not settle is not one the closed form can vouch for */
        if (!(fabs(xn_poly_eval(c, 4, x)) <= 64 * rounding_at(c, 4, x))) return -1;
        int dup = 0; /* the double root of a split pair, twice */
        for (int k = 0; k < n; k++) dup |= roots[k] == x;
        if (!dup) roots[n++] = x;
    }
    xn_sort_ascending(roots, n);
    return sturm_count(c, 4, lo, hi) == n ? n : -1;
}

int xn_poly_roots_small(const xn_real *c, int deg, xn_real lo, xn_real hi, xn_real *roots) {
    while (deg > 0 && c[deg] == 0) deg--;
    if (deg <= 0 || deg > XN_POLY_SMALL_DEGREE || !(hi >= lo)) return 0;
    if (c[0] == 0) { /* a root at 0 (of any multiplicity), once; the rest from c / x^k */
        int k = 1;
        while (c[k] == 0) k++;
        int n = 0;
        if (lo <= 0 && hi >= 0) roots[n++] = 0;
        xn_real r[XN_POLY_SMALL_ROOTS];
        int m = xn_poly_roots_small(c + k, deg - k, lo, hi, r);
        for (int i = 0; i < m; i++)
            if (r[i] != 0) roots[n++] = r[i];
        xn_sort_ascending(roots, n);
        return n;
    }
    if (hi > lo) { /* Descartes on (lo, hi): no root, or exactly one, settles it at once */
        xn_real g[XN_POLY_SMALL_DEGREE + 1];
        for (int k = 0; k <= deg; k++) g[k] = c[k];
        const xn_real w = hi - lo;
        for (int i = 0; i < deg; i++) /* g(t) = c(lo + w t) */
            for (int k = deg - 1; k >= i; k--) g[k] += lo * g[k + 1];
        xn_real wk = w;
        for (int k = 1; k <= deg; k++, wk *= w) g[k] *= wk;
        const int v = xn_poly_sign_changes_unit(g, deg);
        xn_real flo = g[0], fhi = 0;
        for (int k = 0; k <= deg; k++) fhi += g[k];
        int zlo = fabs(flo) <= rounding_at(c, deg, lo), zhi = fabs(fhi) <= rounding_at(c, deg, hi);
        if (v == 0 && !zlo && !zhi) return 0;
        if (v == 1 && !zlo && !zhi && (flo < 0) != (fhi < 0)) {
            roots[0] = refine(c, deg, lo, hi, flo, fhi);
            return 1;
        }
    }
    if (deg == 4 && hi > lo) {
        int n = quartic_closed(c, lo, hi, roots);
        if (n >= 0) return n;
    }
    return roots_by_cuts(c, deg, lo, hi, roots);
}
