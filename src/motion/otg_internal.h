/* Online trajectory generation, internal parts: one degree of freedom's jerk-limited profile.
 * The public interface (include/xiaonao/otg.h, multi-DoF synchronization, the online update) is
 * built on these. Structure after Ruckig's (Berscheid and Kroeger, 2021): a braking pre-phase
 * brings a state that lies outside the limits back inside (otg_brake.c); step 1 finds the
 * time-optimal profile of each DoF (otg_step1.c).
 *
 * A profile is a list of constant-jerk segments. A time-optimal profile jerks one way, then the
 * other, then back (holding an acceleration limit or cruising at a velocity limit in between), so
 * step 1 searches three families of candidates, each reduced to at most one unknown:
 *   F1  up to a velocity limit, cruise, then on to the target (closed form);
 *   F2  three bangs (s, -s, s) holding both acceleration limits, after the first and after the
 *       middle bang (closed form: the residual is a quadratic in the first hold);
 *   F3  three bangs (s, -s, s) holding no limit, the limit after the first bang, or the limit
 *       after the middle one (the time reversal of the previous); the unknown is the middle
 *       bang's duration.
 * In F3 the end-position residual is a polynomial of known degree in the unknown after clearing
 * a denominator; otg_polyscan.c finds all its real roots. Every candidate is integrated and
 * checked against the limits and the target; the shortest valid one is time-optimal. (Step 2's
 * S1, in otg_peak.c, is a peak velocity with a cruise of free length.)
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_OTG_INTERNAL_H
#define XN_OTG_INTERNAL_H

#include <float.h>
#include <math.h>

#include "math/poly.h"
#include "xiaonao/otg.h" /* limits of the search, xn_otg_segments */

/* The larger of a and b, b ignored when it is NaN: fmax without the library call that gcc makes
 * for fmax's full NaN rules, in the search's inner loops (a is never NaN there). */
static inline xn_real xn_otg_max(xn_real a, xn_real b) { return b > a ? b : a; }
/* The smaller, likewise. */
static inline xn_real xn_otg_min(xn_real a, xn_real b) { return b < a ? b : a; }

/* One DoF, position interface, third order: from (p0, v0, a0) to (pf, vf, af) with
 * vmin <= v <= vmax, amin <= a <= amax, |j| <= jmax (vmin, amin < 0 < vmax, amax, jmax). */
typedef struct {
    xn_real p0, v0, a0, pf, vf, af;
    xn_real vmax, vmin, amax, amin, jmax;
    int velocity_interface; /* 1: reach (vf, af) only, position free, no velocity limits */
} xn_otg_dof;

/* State after `t` seconds of constant jerk `j` (in place). An acceleration that a segment brings
 * to zero comes out as the rounding residue of a + j t; it is made exactly zero, because a
 * cruise of hours would turn the residue into a position error. `scale` is the largest
 * acceleration the profile has had so far: a residue at the rounding level of that (not only of
 * this segment's own operands) is the cancellation of the whole profile's accelerations. */
static inline void xn_otg_integrate_s(xn_real *p, xn_real *v, xn_real *a, xn_real t, xn_real j,
                                      xn_real scale) {
    xn_real jt = t * j, an = *a + jt;
    *p += t * (*v + t * (*a / 2 + t * j / 6));
    *v += t * (*a + jt / 2);
    *a = fabs(an) <= 16 * DBL_EPSILON * (fabs(*a) + fabs(jt) + scale) ? 0 : an;
}

/* The same for a lone segment (the scale is its own operands). */
static inline void xn_otg_integrate(xn_real *p, xn_real *v, xn_real *a, xn_real t, xn_real j) {
    xn_otg_integrate_s(p, v, a, t, j, 0);
}

/* Append a segment (skipped when t == 0 or the list is full); append a list. */
void xn_otg_add(xn_otg_segments *s, xn_real t, xn_real j);
void xn_otg_append(xn_otg_segments *s, const xn_otg_segments *o);
/* Append the fastest change from (v0, a0) to (v1, a1) with |jerk| <= J and amin <= a <= amax,
 * velocity unbounded: jerk to a peak acceleration (held at the limit if reached) and back;
 * upwards when v1 lies above the velocity reached going straight from a0 to a1. */
void xn_otg_velocity_change(xn_real v0, xn_real a0, xn_real v1, xn_real a1, xn_real amax,
                            xn_real amin, xn_real J, xn_otg_segments *s);
/* The time reversal of d: from its target, velocity negated, back to its start (the velocity
 * limits swap and change sign). A profile of the reversed DoF, turned back (segments in reverse
 * order, jerks negated), is a profile of d: how the mirror image of a family is searched. */
xn_otg_dof xn_otg_reversed(const xn_otg_dof *d);
void xn_otg_turned_back(const xn_otg_segments *s, xn_otg_segments *out);
/* Position reached by the segments from d's current state. */
xn_real xn_otg_end_position(const xn_otg_dof *d, const xn_otg_segments *s);
/* What the searches drive to zero: end position minus target, or for the velocity interface end
 * velocity minus target. */
xn_real xn_otg_residual(const xn_otg_dof *d, const xn_otg_segments *s);

/* ---- the bounded search shared by steps 1 and 2 (otg_search.c) ---- */

/* A family of candidate profiles with one unknown x: fills s, returns 0 where x gives none. */
typedef int (*xn_otg_family)(const void *ctx, xn_real x, xn_otg_segments *s);

typedef struct {
    xn_real duration; /* the shortest valid candidate so far (INFINITY: none) */
    xn_otg_segments best;
    xn_real *valid;                  /* if not NULL: every distinct valid duration */
    xn_otg_segments *valid_profiles; /* if not NULL: the profiles of those durations */
    int nvalid, capvalid;
} xn_otg_search;

void xn_otg_search_init(xn_otg_search *sr, xn_real *valid, xn_otg_segments *valid_profiles,
                        int cap);
/* Keep s if it is valid for d (and shorter than the best so far). */
void xn_otg_consider(const xn_otg_dof *d, const xn_otg_segments *s, xn_otg_search *sr);
/* lo, the breakpoints strictly inside (lo, hi), and hi, ascending, into pts (at most cap);
 * returns how many: the ends of the pieces a family is searched on. */
int xn_otg_cut(xn_real lo, xn_real hi, const xn_real *breaks, int nb, int cap, xn_real *pts);
/* Find the roots of the family's end-position residual on [lo, hi], sampling each piece between
 * the breakpoints (XN_OTG_ROOT_SAMPLES samples in all, at least 16 a piece, and at most
 * XN_OTG_ROOT_BISECTIONS bisections a root), and consider each root's profile. */
void xn_otg_scan(const xn_otg_dof *d, xn_otg_family f, const void *ctx, xn_real lo, xn_real hi,
                 const xn_real *breaks, int nb, xn_otg_search *sr);
/* The peak velocities at which a profile "up or down to (vp, 0), then on to the target" changes
 * shape (a half switching direction or starting to hold an acceleration limit). Returns 6. */
int xn_otg_velocity_breaks(const xn_otg_dof *d, xn_real breaks[6]);

/* ---- families whose residual is a polynomial (otg_polyscan.c) ---- */

/* A family of candidate profiles with one unknown u whose end-position residual r(u), once
 * multiplied by a known weight (a cleared denominator) or by the residual of its mirror branch
 * (a square root's other sign), is a polynomial of known degree on the interval searched. */
typedef struct {
    /* the profile at u, on branch sigma (+1, or -1 for the mirror); 0 where u gives none */
    int (*profile)(const void *ctx, xn_real u, int sigma, xn_otg_segments *s);
    /* optional: the end-position residual of profile(u, sigma) in closed form (NAN where none),
     * faster than building and integrating the profile */
    xn_real (*residual)(const void *ctx, xn_real u, int sigma);
    /* optional: the same residual and its derivative in u (*slope): the bracketed refinement is
     * then Newton's method instead of regula falsi */
    xn_real (*residual_slope)(const void *ctx, xn_real u, int sigma, xn_real *slope);
    xn_real (*weight)(const void *ctx, xn_real u); /* NULL: 1 */
    /* for a product: the square root w(u) >= 0 whose sign the branches take, with
     * r(u, sigma) = R0(u) + sigma R1(u) w(u), w^2 and R1 of degree at most 2 */
    xn_real (*root)(const void *ctx, xn_real u);
    /* optional, for a product: both branches' residuals r[0] (sigma = +1), r[1] (-1) and w(u) in
     * one call, sharing what the branches have in common */
    void (*residual_pair)(const void *ctx, xn_real u, xn_real r[2], xn_real *root);
    /* optional: the polynomial's exact coefficients in u, a[0..degree] lowest power first
     * (weight times residual); the scan then uses them instead of sampling the residual */
    void (*coeffs)(const void *ctx, xn_real *a);
    const void *ctx;
    int degree;   /* of the polynomial, at most XN_POLY_MAX_DEGREE */
    int product;  /* 1: the polynomial is r(u, +1) r(u, -1) */
    int branches; /* 2: both branches are physical profiles, 1: only sigma = +1 */
} xn_otg_polyfam;

/* Every root of the family's polynomial on [lo, hi]: interpolated at Chebyshev nodes, checked
 * against the family at both ends (a disagreement falls back to xn_otg_scan), roots isolated and
 * refined, then each root polished on the residual itself (a few secant steps) and considered. */
void xn_otg_poly_scan(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                      xn_otg_search *sr);

/* For a family of degree at most XN_POLY_SMALL_DEGREE with exact coefficients (f->coeffs,
 * branch sigma = +1 only): every root of its polynomial on [lo, hi] (xn_poly_roots_small: the
 * derivatives' roots cut it into monotone pieces, no sampling), each polished by up to two
 * Newton steps on the residual itself, and considered. What it costs is a few polynomial
 * evaluations per root, where xn_otg_poly_scan_feasible builds the polynomial piece by piece. */
void xn_otg_poly_roots(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                       xn_otg_search *sr);

/* A quick try: where the residual (branch sigma = +1) changes sign between lo and hi, the root
 * between them by regula falsi from `guess`, considered. Returns 1 when it tried, 0 when the ends
 * do not bracket a root (the caller scans). */
int xn_otg_poly_bracket(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                        xn_real guess, xn_otg_search *sr);

/* As xn_otg_poly_scan, only where the family can give valid profiles: [lo, hi] cut at the
 * breakpoints (at most XN_OTG_MAX_BREAKS; every point where a duration of the family's profile
 * changes sign or an acceleration crosses a limit), and the runs of pieces whose middle profile
 * has no negative duration and keeps the acceleration limits scanned. Keeps the polynomial away
 * from the weight's poles and the formal profiles beyond the family's range. */
#define XN_OTG_MAX_BREAKS 16
void xn_otg_poly_scan_feasible(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real lo, xn_real hi,
                               const xn_real *breaks, int nb, xn_otg_search *sr);

/* As xn_otg_poly_scan on [a, b], in pieces growing eightfold from 8 times the DoF's time scale
 * where [a, b] is much longer than that (limits over decades): one polynomial over the whole
 * would bury the roots near a under the rounding of its values far out. */
void xn_otg_poly_scan_long(const xn_otg_dof *d, const xn_otg_polyfam *f, xn_real a, xn_real b,
                           xn_otg_search *sr);

/* The real roots of a x^2 + b x + c (a may be 0) appended to r[*n] (at most 2). */
void xn_otg_quadratic_roots(xn_real a, xn_real b, xn_real c, xn_real *r, int *n);

/* The profiles "fastest velocity change to a peak (vp, 0), cruise, fastest change on to the
 * target" for vp in [lo, hi], piece by piece between xn_otg_velocity_breaks: with T = 0 no cruise,
 * with T > 0 the cruise that makes the duration T (step 2's S1). */
void xn_otg_peak_scan(const xn_otg_dof *d, xn_real T, xn_real lo, xn_real hi, xn_otg_search *sr);

/* The braking pre-phase (0 to 2 segments) for a state (v0, a0) outside the limits or bound to
 * leave them, written to `out` (out->n = 0 when none is needed). */
void xn_otg_brake(xn_real v0, xn_real a0, xn_real vmax, xn_real vmin, xn_real amax, xn_real amin,
                  xn_real jmax, xn_otg_segments *out);

/* Step 1: the time-optimal profile of one DoF whose state lies within the limits (after any
 * brake). Returns its duration, or INFINITY (out untouched) when no candidate is valid. */
xn_real xn_otg_step1(const xn_otg_dof *d, xn_otg_segments *out);

/* As xn_otg_step1, and also the durations of every distinct valid candidate (at most cap) in
 * valid[0 .. *nvalid), with their profiles in profiles[] when not NULL: the ends of the
 * intervals of durations this DoF cannot take, and how to take exactly those. */
xn_real xn_otg_step1_all(const xn_otg_dof *d, xn_otg_segments *out, xn_real *valid,
                         xn_otg_segments *profiles, int cap, int *nvalid);

/* As xn_otg_step1_all with F3 found by the piecewise polynomial search instead of its roots: the
 * cross-check of the two ways (tests), slower. */
xn_real xn_otg_step1_scanned(const xn_otg_dof *d, xn_otg_segments *out, xn_real *valid,
                             xn_otg_segments *profiles, int cap, int *nvalid);

/* Step 2: a profile of d that reaches the target at exactly T (>= its minimum). Returns 0 when
 * none exists (T inside a gap of d's feasible durations). */
int xn_otg_step2(const xn_otg_dof *d, xn_real T, xn_otg_segments *out);
/* The same with only some of the families: XN_OTG_STEP2_COMMON (rest to rest, S1, S2 and the
 * velocity interface's), XN_OTG_STEP2_RARE (S3, S4: rarely needed, and what a failing step 2
 * spends most on). Synchronization tries the common ones first and runs a DoF's step 1 before
 * the rare ones: where its minimum is longer than T no family can succeed. */
enum { XN_OTG_STEP2_COMMON = 1, XN_OTG_STEP2_RARE = 2 };
int xn_otg_step2_part(const xn_otg_dof *d, xn_real T, int parts, xn_otg_segments *out);

/* Rest to rest in closed form (otg_rest.c), for a DoF with v0 = a0 = vf = af = 0, symmetric
 * limits and a distance to go (xn_otg_rest_applies): step 1's minimum (INFINITY where the
 * profile fails the check, so that the caller searches instead) and step 2's profile of duration
 * T: 1 and the profile, -1 when T is shorter than the minimum (no profile exists), 0 when the
 * profile fails the check. Every duration from the minimum on is feasible: there are no gaps. */
int xn_otg_rest_applies(const xn_otg_dof *d);
xn_real xn_otg_rest_step1(const xn_otg_dof *d, xn_otg_segments *out);
int xn_otg_rest_step2(const xn_otg_dof *d, xn_real T, xn_otg_segments *out);

#define XN_OTG_MAX_CANDIDATES 8 /* valid step-1 profiles kept per DoF (seen: at most 3) */

/* What step 1 found for one DoF in a synchronization (otg_sync.c). */
typedef struct {
    int known; /* step 1 has run */
    xn_real tmin;
    xn_real cand[XN_OTG_MAX_CANDIDATES]; /* durations, brake included */
    xn_otg_segments prof[XN_OTG_MAX_CANDIDATES];
    int ncand;
} xn_otg_step1_record;

/* The scratch of one synchronization, about 40 KB for XN_OTG_MAX_DOFS DoFs: kept in a workspace
 * rather than on the stack, which a real-time thread keeps small. */
typedef struct {
    xn_otg_dof after[XN_OTG_MAX_DOFS]; /* each DoF's state after its brake */
    xn_otg_step1_record s1[XN_OTG_MAX_DOFS];
    xn_real lb[XN_OTG_MAX_DOFS], est[XN_OTG_MAX_DOFS];
    int order[XN_OTG_MAX_DOFS];
} xn_otg_sync_work;

/* Everything xn_otg_calculate needs beyond the problem and the trajectory (otg.h). */
struct xn_otg_workspace {
    xn_otg_dof d[XN_OTG_MAX_DOFS];
    xn_otg_segments brake[XN_OTG_MAX_DOFS], main_[XN_OTG_MAX_DOFS], scaled[XN_OTG_MAX_DOFS];
    xn_real tb[XN_OTG_MAX_DOFS], Td[XN_OTG_MAX_DOFS];
    xn_otg_sync_work sync;
};

/* Time synchronization of n DoFs (n <= XN_OTG_MAX_DOFS): the common duration (at least
 * min_duration), each DoF's braking pre-phase, its main profile, and the brake's duration; w is
 * scratch. Returns INFINITY when no common duration is found. */
xn_real xn_otg_synchronize(const xn_otg_dof *dofs, int n, xn_real min_duration,
                           xn_otg_segments *brake, xn_otg_segments *main_, xn_real *brake_time,
                           xn_otg_sync_work *w);

/* 1 when the segments, started from d's current state, respect the limits (from the first
 * instant after the start: a braked state may begin just outside) and end at the target within
 * 1e-8 (relative where values exceed 1). */
int xn_otg_check(const xn_otg_dof *d, const xn_otg_segments *s);

#endif
