/* Real polynomials of small degree (see poly.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "math/poly.h"

#include <float.h>
#include <math.h>

/* (1 - cos((2k + 1) pi / 2n)) / 2: Chebyshev nodes of the first kind mapped onto [0, 1]. Table
 * for n = 1 .. 9, row n-1. */
static const xn_real cheb[9][9] = {
    {0.49999999999999994},
    {0.14644660940672621, 0.85355339059327373},
    {0.066987298107780646, 0.49999999999999994, 0.93301270189221941},
    {0.038060233744356631, 0.30865828381745508, 0.69134171618254481, 0.96193976625564337},
    {0.024471741852423234, 0.20610737385376343, 0.49999999999999994, 0.79389262614623646,
     0.97552825814757682},
    {0.017037086855465844, 0.14644660940672621, 0.37059047744873963, 0.62940952255126037,
     0.85355339059327373, 0.9829629131445341},
    {0.01253604390908819, 0.1090842587659851, 0.28305813044122091, 0.49999999999999994,
     0.71694186955877903, 0.89091574123401474, 0.98746395609091187},
    {0.0096073597983847847, 0.084265193848727382, 0.22221488349019886, 0.40245483899193585,
     0.5975451610080641, 0.77778511650980098, 0.91573480615127267, 0.99039264020161522},
    {0.0075961234938959898, 0.066987298107780646, 0.17860619515673032, 0.32898992833716556,
     0.49999999999999994, 0.67101007166283422, 0.82139380484326963, 0.93301270189221919,
     0.99240387650610407},
};

/* The inverses of the Vandermonde matrices of those nodes for the degrees the trajectory
 * generator uses (2, 3, 4, 6): coefficients = vinvN * values (computed with mpmath at 50 digits,
 * rounded to double). */
static const xn_real vinv3[3][3] = {
    {1.2440169358562924, -0.33333333333333333, 0.089316397477040902},
    {-3.8213672050459182, 5.3333333333333333, -1.5119661282874151},
    {2.6666666666666667, -5.3333333333333333, 2.6666666666666667},
};
static const xn_real vinv4[4][4] = {
    {1.256834873031462, -0.37415144066637225, 0.16704465947982473, -0.049728091844914502},
    {-7.1964575485432848, 10.760659484982681, -5.1038052354903009, 1.5396032990509046},
    {12.012829501508345, -25.001535905017072, 19.344681655524692, -6.3559752520159644},
    {-6.1229349178414363, 14.782072520180588, -14.782072520180588, 6.1229349178414363},
};
static const xn_real vinv5[5][5] = {
    {1.2627503029350086, -0.39252210110103012, 0.2, -0.10190508989888576, 0.031676888064907259},
    {-11.537170939541088, 17.721650625490286, -9.6, 4.9668931945080316, -1.5513728804572294},
    {33.651418866011951, -71.026227134863415, 60.8, -34.505656909129518, 11.080465177980983},
    {-39.166991453338272, 95.016863632572582, -102.4, 70.669816815416651, -24.11968899465096},
    {15.821670111997308, -41.421670111997308, 51.2, -41.421670111997308, 15.821670111997308},
};
static const xn_real vinv7[7][7] = {
    {1.2678922107099653, -0.40826225846748291, 0.22735584042603872, -0.14285714285714286,
     0.089763092195316248, -0.049987876278138952, 0.016096134271444436},
    {-23.113697517777015, 36.267069138093394, -21.477659819961723, 13.714285714285714,
     -8.6715802871824189, 4.8427034533670126, -1.5611206808249638},
    {144.27574587697414, -307.68681980126998, 280.61675268361037, -196.57142857142857,
     128.65329371076214, -72.945343029628708, 23.657799130980611},
    {-419.45623195025962, 1020.2968632400356, -1147.5887516125225, 950.85714285714286,
     -665.04385608430818, 388.40912535694742, -127.47429180703559},
    {620.92645034698213, -1620.7980723233743, 2057.0738379869117, -1938.2857142857143,
     1485.2199536674385, -907.70794227038331, 303.57148687813962},
    {-454.09059790165299, 1237.1098381877579, -1695.9572695474555, 1755.4285714285714,
     -1467.2157158196662, 951.87378616656146, -327.14861251411598},
    {130.20653506929483, -364.83060405905322, 527.19549756118696, -585.14285714285714,
     527.19549756118696, -364.83060405905322, 130.20653506929483},
};

const xn_real *xn_poly_cheb_nodes(int n) {
    return cheb[n < 1 ? 0 : n > XN_POLY_MAX_DEGREE + 1 ? XN_POLY_MAX_DEGREE : n - 1];
}

static void mat_vec(int n, const xn_real *m, const xn_real *y, xn_real *c) {
    for (int i = 0; i < n; i++) {
        xn_real acc = 0;
        for (int j = 0; j < n; j++) acc += m[i * n + j] * y[j];
        c[i] = acc;
    }
}

void xn_poly_interpolate_cheb(int n, const xn_real *y, xn_real *c) {
    switch (n) {
    case 3: mat_vec(3, &vinv3[0][0], y, c); return;
    case 4: mat_vec(4, &vinv4[0][0], y, c); return;
    case 5: mat_vec(5, &vinv5[0][0], y, c); return;
    case 7: mat_vec(7, &vinv7[0][0], y, c); return;
    default: xn_poly_interpolate(n, xn_poly_cheb_nodes(n), y, c);
    }
}

void xn_poly_interpolate(int n, const xn_real *s, const xn_real *y, xn_real *c) {
    xn_real dd[XN_POLY_MAX_DEGREE + 1] = {0};
    if (n < 1) return;
    for (int i = 0; i < n; i++) dd[i] = y[i];
    for (int j = 1; j < n; j++)
        for (int i = n - 1; i >= j; i--) dd[i] = (dd[i] - dd[i - 1]) / (s[i] - s[i - j]);
    /* expand the Newton form from the innermost factor outwards: c = c (s - s_k) + dd[k] */
    for (int i = 0; i < n; i++) c[i] = 0;
    c[0] = dd[n - 1];
    for (int k = n - 2, deg = 0; k >= 0; k--, deg++) {
        c[deg + 1] = c[deg];
        for (int i = deg; i > 0; i--) c[i] = c[i - 1] - s[k] * c[i];
        c[0] = dd[k] - s[k] * c[0];
    }
}

static inline xn_real eval_of(const xn_real *c, const int deg, xn_real s) {
    xn_real y = c[deg];
    for (int i = deg - 1; i >= 0; i--) y = y * s + c[i];
    return y;
}

/* unrolled per degree, as sign_changes below */
xn_real xn_poly_eval(const xn_real *c, int deg, xn_real s) {
    switch (deg) {
    case 2: return eval_of(c, 2, s);
    case 3: return eval_of(c, 3, s);
    case 4: return eval_of(c, 4, s);
    case 6: return eval_of(c, 6, s);
    default: return eval_of(c, deg, s);
    }
}

/* value and derivative */
static xn_real eval_d(const xn_real *c, int deg, xn_real s, xn_real *dy) {
    xn_real y = c[deg], d = 0;
    for (int i = deg - 1; i >= 0; i--) {
        d = d * s + y;
        y = y * s + c[i];
    }
    *dy = d;
    return y;
}

/* g(t) = c(a + w t), in place over deg + 1 coefficients (Taylor shift by a, then scaling) */
static void shift_scale(xn_real *g, int deg, xn_real a, xn_real w) {
    if (a != 0)
        for (int i = 0; i < deg; i++)
            for (int k = deg - 1; k >= i; k--) g[k] += a * g[k + 1];
    xn_real p = 1;
    for (int k = 1; k <= deg; k++) {
        p *= w;
        g[k] *= p;
    }
}

/* Descartes' bound on the roots of g in (0, 1): the sign changes of (1 + y)^deg g(1 / (1 + y)),
 * whose coefficients are those of g reversed and shifted by one. Exact when 0 or 1. */
static inline int sign_changes_of(const xn_real *g, const int deg) {
    xn_real r[XN_POLY_MAX_DEGREE + 1];
    for (int k = 0; k <= deg; k++) r[k] = g[deg - k];
    for (int i = 0; i < deg; i++)
        for (int k = deg - 1; k >= i; k--) r[k] += r[k + 1];
    /* without branches: the signs are data-dependent and mispredict (a fifth of the trajectory
     * generator's mispredictions went here) */
    int changes = 0, last = 0;
    for (int k = 0; k <= deg; k++) {
        int sg = (r[k] > 0) - (r[k] < 0);
        changes += sg * last < 0;
        last = sg ? sg : last;
    }
    return changes;
}

/* The same with the degree a constant in each case, so that the loops unroll: a loop whose trip
 * count changes from call to call mispredicts its exit. */
static int sign_changes(const xn_real *g, int deg) {
    switch (deg) {
    case 1: return sign_changes_of(g, 1);
    case 2: return sign_changes_of(g, 2);
    case 3: return sign_changes_of(g, 3);
    case 4: return sign_changes_of(g, 4);
    case 5: return sign_changes_of(g, 5);
    case 6: return sign_changes_of(g, 6);
    default: return sign_changes_of(g, deg);
    }
}

int xn_poly_sign_changes_unit(const xn_real *c, int deg) { return sign_changes(c, deg); }

/* The one root of c in (a, b): Newton's method, falling back to bisection whenever a step leaves
 * the bracket, until a step is below tol or the rounding of s, or the value is rounding (the
 * steps it would drive are noise). Where rounding hides the sign change, the end with the
 * smaller value stands in (the caller checks every candidate). */
xn_real xn_poly_root_in(const xn_real *c, int deg, xn_real a, xn_real b, xn_real tol) {
    xn_real fa = xn_poly_eval(c, deg, a), fb = xn_poly_eval(c, deg, b);
    if (fa == 0) return a;
    if (fb == 0) return b;
    if ((fa < 0) == (fb < 0)) return fabs(fa) < fabs(fb) ? a : b;
    xn_real x = a - fa * (b - a) / (fb - fa); /* start from the secant */
    if (!(x > a && x < b)) x = 0.5 * (a + b);
    /* below this a value is rounding (Horner's on [0, 1]), and the steps it drives are noise;
     * only where the caller asks for a tolerance: the root isolation's critical points are
     * refined to the last bit, because a pair of roots beside an extremum that nearly touches
     * zero is told apart there (a stress run lost 4 in 10^7 problems when they stopped here) */
    xn_real noise = 0;
    if (tol > 0) {
        for (int k = 0; k <= deg; k++) noise += fabs(c[k]);
        noise *= 4 * DBL_EPSILON;
    }
    for (int it = 0; it < XN_POLY_MAX_ITERATIONS; it++) {
        xn_real df, f = eval_d(c, deg, x, &df);
        if (fabs(f) <= noise) return x; /* f == 0 when tol is 0 */
        if ((f < 0) == (fa < 0)) {
            a = x;
            fa = f;
        } else {
            b = x;
        }
        xn_real xn = x - f / df;
        if (!(xn > a && xn < b)) xn = 0.5 * (a + b);
        if (fabs(xn - x) <= tol ||
            fabs(xn - x) <= 2 * DBL_EPSILON * (fabs(x) > 1e-300 ? fabs(x) : 1e-300) ||
            b - a <= 4 * DBL_EPSILON * (fabs(a) > fabs(b) ? fabs(a) : fabs(b)))
            return xn;
        x = xn;
    }
    return x;
}

int xn_poly_roots_unit(const xn_real *c, int deg, xn_real *roots, int cap) {
    xn_real size = 0;
    for (int k = 0; k <= deg; k++) size += fabs(c[k]);
    if (!(size > 0)) return size == 0 ? -1 : 0; /* all zero, or NaN */
    /* leading coefficients too small to move a root inside [0, 1] */
    while (deg > 0 && fabs(c[deg]) <= 4 * DBL_EPSILON * size) deg--;
    const xn_real zero = 32 * DBL_EPSILON * size; /* the rounding of a value on [0, 1] */
    int n = 0;
    if (deg == 0) return 0;
    if (fabs(c[0]) <= zero && n < cap) roots[n++] = 0;
    struct {
        xn_real a, w;
        int depth;
    } stack[2 * XN_POLY_MAX_DEPTH + 2];
    int top = 0, examined = 0;
    stack[top].a = 0;
    stack[top].w = 1;
    stack[top++].depth = 0;
    while (top > 0 && examined++ < XN_POLY_MAX_INTERVALS && n < cap) {
        top--;
        xn_real a = stack[top].a, w = stack[top].w;
        int depth = stack[top].depth;
        xn_real g[XN_POLY_MAX_DEGREE + 1];
        for (int k = 0; k <= deg; k++) g[k] = c[k];
        shift_scale(g, deg, a, w);
        int v = sign_changes(g, deg);
        if (v == 0) continue;
        if (v == 1) {
            roots[n++] = xn_poly_root_in(c, deg, a, a + w, 0);
            continue;
        }
        xn_real mid = a + w / 2;
        if (depth >= XN_POLY_MAX_DEPTH) { /* a cluster (or a multiple root) */
            roots[n++] = mid;
            continue;
        }
        if (fabs(xn_poly_eval(c, deg, mid)) <= zero) roots[n++] = mid;
        /* the right half below the left, so that roots come out ascending */
        stack[top].a = mid;
        stack[top].w = w / 2;
        stack[top++].depth = depth + 1;
        stack[top].a = a;
        stack[top].w = w / 2;
        stack[top++].depth = depth + 1;
    }
    if (fabs(xn_poly_eval(c, deg, 1)) <= zero && n < cap) roots[n++] = 1;
    /* ascending, each once */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && roots[k] < roots[k - 1]; k--) {
            xn_real t = roots[k];
            roots[k] = roots[k - 1];
            roots[k - 1] = t;
        }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m == 0 || roots[i] - roots[m - 1] > 8 * DBL_EPSILON) roots[m++] = roots[i];
    return m;
}
