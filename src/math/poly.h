/* Real polynomials of small degree on an interval: interpolation at Chebyshev nodes and every
 * real root, with bounded work. For the trajectory generator, whose candidate profiles reduce to
 * one unknown with a polynomial residual. Internal header of the math layer.
 * Polynomials are coefficient arrays c[0..deg], lowest power first, in the unit variable
 * s in [0, 1] (a caller maps its interval onto it: well conditioned for these degrees).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MATH_POLY_H
#define XN_MATH_POLY_H

#include "xiaonao/types.h"

#define XN_POLY_MAX_DEGREE 8
/* Interval halvings of the root isolation, at most: roots closer than 2^-40 of the interval are
 * reported once, at the middle of their cluster. */
#define XN_POLY_MAX_DEPTH 40
/* Intervals examined by one root isolation, at most (each costs a Taylor shift). */
#define XN_POLY_MAX_INTERVALS 256
/* Newton or bisection steps per isolated root, at most. */
#define XN_POLY_MAX_ITERATIONS 64

/* The n Chebyshev nodes (first kind) of [0, 1], ascending (1 <= n <= XN_POLY_MAX_DEGREE + 1). */
const xn_real *xn_poly_cheb_nodes(int n);

/* Coefficients c[0..n-1] of the polynomial of degree n-1 through (s[k], y[k]), k < n, the s[k]
 * distinct (Newton's divided differences, then expanded). */
void xn_poly_interpolate(int n, const xn_real *s, const xn_real *y, xn_real *c);

/* The same at the n Chebyshev nodes of xn_poly_cheb_nodes(n), y[k] the value at node k: a
 * precomputed inverse for n = 3, 4, 5 and 7 (no division), divided differences otherwise. */
void xn_poly_interpolate_cheb(int n, const xn_real *y, xn_real *c);

/* c[0] + c[1] s + ... + c[deg] s^deg (Horner). */
xn_real xn_poly_eval(const xn_real *c, int deg, xn_real s);

/* Descartes' bound on the number of roots of c in the open interval (0, 1): the sign changes of
 * (1 + y)^deg c(1 / (1 + y)). Exact when it is 0 or 1; otherwise an upper bound of the same
 * parity. */
int xn_poly_sign_changes_unit(const xn_real *c, int deg);

/* The root of c in [a, b] where c(a) and c(b) differ in sign and c has one root between them:
 * bracketed Newton (at most XN_POLY_MAX_ITERATIONS steps), until a step is below tol or, with
 * tol > 0, the value is at the rounding level of c's coefficients (tol = 0: to the rounding of
 * s). Where they do not differ, the end with the smaller |c|. */
xn_real xn_poly_root_in(const xn_real *c, int deg, xn_real a, xn_real b, xn_real tol);

/* The real roots of c in [0, 1], ascending, at most cap of them (a root of multiplicity m may be
 * reported once or up to m times, close together). Isolation by Descartes' rule of signs on
 * halved intervals (Vincent-Collins-Akritas), each isolated root refined by bracketed Newton.
 * Returns the count, or -1 when every coefficient is zero. Bounded: XN_POLY_MAX_INTERVALS,
 * XN_POLY_MAX_ITERATIONS. */
int xn_poly_roots_unit(const xn_real *c, int deg, xn_real *roots, int cap);

/* The real roots of c (degree deg <= XN_POLY_SMALL_DEGREE, coefficients in the caller's own
 * variable x, not the unit one) in [lo, hi], ascending, at most XN_POLY_SMALL_ROOTS of them.
 * Descartes' rule on [lo, hi] settles no root or one; a quartic is then solved in closed form
 * (Ferrari), accepted where a Sturm count agrees and no root is (nearly) double. Otherwise the
 * roots of the derivative (found the same way, down to a linear one in closed form) cut [lo, hi]
 * into pieces on which c is monotone; a piece whose ends differ in sign holds one root, refined
 * by bracketed Newton. A cut point where |c| is at the rounding level of its terms there is
 * reported as a root too: a double root, or two that rounding cannot tell apart, so a root may
 * come out twice, close together (the caller checks each). No iteration without a bound:
 * XN_POLY_MAX_ITERATIONS Newton steps per root, recursion depth deg - 1. */
#define XN_POLY_SMALL_DEGREE 4
#define XN_POLY_SMALL_ROOTS 8
int xn_poly_roots_small(const xn_real *c, int deg, xn_real lo, xn_real hi, xn_real *roots);

#endif
