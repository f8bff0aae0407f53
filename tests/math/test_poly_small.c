/* xn_poly_roots_small (src/math/poly_small.c) against polynomials built from known roots:
 * 200,000 random quartics (four real roots, two, or none; roots spread over scales 1e-4 to 1e4),
 * cubics and quadratics; double roots, a triple root, roots at 0 of multiplicity 1 to 3; NaN
 * coefficients. Tolerances, relative to the roots' scale: a simple root at least 5e-2 from the
 * others within 1e-9, one in a cluster or a double root within 1e-6 (or, in a cluster, within twice
 * its distance to the next root), a triple root 1e-4; every root reported lies within 1e-6 of a
 * true root, or (in a cluster) where the value is at the rounding level of the terms (1e3 eps). */
#include <float.h>
#include <stdint.h>

#include "math/poly.h"
#include "test_util.h"

static uint64_t rng = 12345;
static double uniform(void) { /* splitmix64 -> [0, 1) */
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* c (degree n) times (x - r) */
static void times_root(double *c, int n, double r) {
    c[n + 1] = c[n];
    for (int k = n; k >= 1; k--) c[k] = c[k - 1] - r * c[k];
    c[0] *= -r;
}

/* c (degree n) times (x^2 - 2 a x + a^2 + b^2) */
static void times_pair(double *c, int n, double a, double b) {
    times_root(c, n, 0); /* x c */
    double q[8] = {0};
    for (int k = 0; k <= n + 1; k++) q[k] = c[k];
    /* x^2 c - 2 a x c + (a^2 + b^2) c, with q = x c */
    for (int k = n + 2; k >= 1; k--) c[k] = q[k - 1] - 2 * a * q[k];
    c[0] = -2 * a * q[0];
    for (int k = 0; k + 1 <= n + 2; k++) c[k] += (a * a + b * b) * q[k + 1];
}

static int bad_found, bad_spurious, cases;
static double worst_simple;

/* roots r[0..nr) are the real roots (multiplicity mult[i]); checks the roots in [lo, hi] */
static void check(const double *c, int deg, const double *r, const int *mult, int nr, double lo,
                  double hi, double scale) {
    double got[XN_POLY_SMALL_ROOTS];
    int n = xn_poly_roots_small(c, deg, lo, hi, got);
    cases++;
    for (int i = 0; i < nr; i++) {
        if (!(r[i] >= lo && r[i] <= hi)) continue;
        double sep = INFINITY;
        for (int k = 0; k < nr; k++)
            if (k != i) sep = xt_min(sep, fabs(r[k] - r[i]));
        double tol = mult[i] == 1 ? 1e-9 * scale : mult[i] == 2 ? 1e-6 * scale : 1e-4 * scale;
        /* in a cluster: within 1e-6, or within the cluster where rounding merges it */
        if (mult[i] == 1 && sep < 5e-2 * scale) tol = xt_max(1e-6 * scale, 2 * sep);
        double best = INFINITY;
        for (int k = 0; k < n; k++) best = xt_min(best, fabs(got[k] - r[i]));
        if (mult[i] == 1) worst_simple = xt_max(worst_simple, best / scale);
        if (!(best <= tol)) {
            if (bad_found++ < 5)
                printf("missed root %.17g (multiplicity %d) of degree %d on [%.17g, %.17g]: %d "
                       "found\n",
                       r[i], mult[i], deg, lo, hi, n);
        }
    }
    for (int k = 0; k < n; k++) {
        double best = INFINITY;
        for (int i = 0; i < nr; i++) best = xt_min(best, fabs(got[k] - r[i]));
        /* or, inside a cluster, a point where the value is rounding (|c| term by term, 1e3 eps) */
        double y = c[deg], m = fabs(c[deg]);
        for (int i = deg - 1; i >= 0; i--) {
            y = y * got[k] + c[i];
            m = m * fabs(got[k]) + fabs(c[i]);
        }
        if (!(best <= 1e-6 * scale || fabs(y) <= 1e3 * DBL_EPSILON * m) || got[k] < lo ||
            got[k] > hi) {
            if (bad_spurious++ < 5)
                printf("spurious root %.17g of degree %d on [%.17g, %.17g]\n", got[k], deg, lo, hi);
        }
    }
}

int main(void) {
    for (int it = 0; it < 200000; it++) {
        double scale = pow(10, -4 + 8 * uniform()),
               lead = (uniform() - 0.5) * pow(10, 4 * uniform());
        int kind = it % 4; /* 0: four real, 1: two real + pair, 2: two pairs, 3: a double root */
        double c[8] = {lead}, r[4];
        int mult[4] = {1, 1, 1, 1}, nr = 0, deg = 0;
        for (int i = 0; i < 4; i++) r[i] = scale * (2 * uniform() - 0.5);
        if (kind == 0) {
            for (int i = 0; i < 4; i++, deg++) times_root(c, deg, r[nr++] = r[i]);
        } else if (kind == 1) {
            times_root(c, deg++, r[0]);
            times_root(c, deg++, r[1]);
            nr = 2;
            times_pair(c, deg, r[2], scale * (0.01 + uniform()));
            deg += 2;
        } else if (kind == 2) {
            times_pair(c, deg, r[0], scale * (0.01 + uniform()));
            deg += 2;
            times_pair(c, deg, r[1], scale * (0.01 + uniform()));
            deg += 2;
        } else {
            times_root(c, deg++, r[0]);
            times_root(c, deg++, r[0]);
            times_root(c, deg++, r[1]);
            times_root(c, deg++, r[2]);
            mult[0] = 2; /* r[] holds the distinct roots: r[0] (double), r[1], r[2] */
            nr = 3;
        }
        double lo = uniform() < 0.5 ? 0 : -scale * uniform(), hi = scale * (0.5 + uniform());
        check(c, deg, r, mult, nr, lo, hi, scale);
        /* the same polynomial's cubic and quadratic factors alone */
        if (kind == 0) {
            double c3[8] = {lead};
            for (int i = 0; i < 3; i++) times_root(c3, i, r[i]);
            check(c3, 3, r, mult, 3, lo, hi, scale);
            double c2[8] = {lead};
            for (int i = 0; i < 2; i++) times_root(c2, i, r[i]);
            check(c2, 2, r, mult, 2, lo, hi, scale);
        }
    }
    /* a triple root, roots at 0 of multiplicity 1 to 3, roots on the interval's ends */
    {
        double c[8] = {1}, r[2] = {0.3, 0.9};
        int mult[2] = {3, 1}, deg = 0;
        for (int i = 0; i < 3; i++) times_root(c, deg++, 0.3);
        times_root(c, deg++, 0.9);
        check(c, 4, r, mult, 2, 0, 1, 1);
    }
    for (int m = 1; m <= 3; m++) {
        double c[8] = {2}, r[3] = {0, 0.5, -0.25};
        int mult[3] = {m, 1, 1}, deg = 0;
        for (int i = 0; i < m; i++) times_root(c, deg++, 0);
        times_root(c, deg++, 0.5);
        if (m < 3) times_root(c, deg++, -0.25);
        check(c, deg, r, mult, m < 3 ? 3 : 2, -1, 1, 1);
        check(c, deg, r, mult, m < 3 ? 3 : 2, 0, 0.5, 1);
    }
    XT_CHECK(bad_found == 0, "%d roots missed in %d polynomials", bad_found, cases);
    XT_CHECK(bad_spurious == 0, "%d roots reported that are none", bad_spurious);
    printf("%d polynomials: worst error of a separated simple root %.2g of the scale\n", cases,
           worst_simple);
    /* NaN and infinite coefficients: a bounded answer, no crash */
    double nanc[5] = {1, NAN, 2, 0, 1}, infc[5] = {1, 0, INFINITY, 0, 1}, got[XN_POLY_SMALL_ROOTS];
    int n1 = xn_poly_roots_small(nanc, 4, 0, 1, got), n2 = xn_poly_roots_small(infc, 4, 0, 1, got);
    XT_CHECK(n1 >= 0 && n1 <= XN_POLY_SMALL_ROOTS && n2 >= 0 && n2 <= XN_POLY_SMALL_ROOTS,
             "NaN or infinite coefficients: %d and %d roots", n1, n2);
    double zero[5] = {0, 0, 0, 0, 0};
    XT_CHECK(xn_poly_roots_small(zero, 4, 0, 1, got) == 0, "the zero polynomial: no roots listed");
    return xt_done("test_poly_small");
}
