/* Online trajectory generation, internal parts: one degree of freedom's jerk-limited profile.
 * The public interface (include/xiaonao/otg.h, multi-DoF synchronization, the online update) is
 * built on these. Structure after Ruckig's (Berscheid and Kroeger, 2021): a braking pre-phase
 * brings a state that lies outside the limits back inside (otg_brake.c); step 1 finds the
 * time-optimal profile of each DoF (otg_step1.c).
 *
 * A profile is a list of constant-jerk segments. Step 1 searches three families of candidate
 * profiles, each reduced to one unknown found by a bounded bracketing search:
 *   F1  up to the velocity limit, cruise, then down to the target (closed form);
 *   F2  up to a peak velocity vp with zero acceleration, then on to the target, no cruise
 *       (unknown vp: position equation);
 *   F3  three jerk bangs (s, -s, s), optionally holding the acceleration limit after the first,
 *       whose acceleration need not cross zero (unknown: the middle bang's duration).
 * Every candidate is integrated and checked against the limits and the target; the shortest
 * valid one is time-optimal.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_OTG_INTERNAL_H
#define XN_OTG_INTERNAL_H

#include "xiaonao/types.h"

#define XN_OTG_MAX_SEGMENTS 8 /* a profile: at most seven phases (plus room for a merge) */

/* Samples and bisection steps of the bracketing search, fixed so that the cost is bounded. */
#define XN_OTG_ROOT_SAMPLES 400
#define XN_OTG_ROOT_BISECTIONS 200

typedef struct {
    int n;
    xn_real t[XN_OTG_MAX_SEGMENTS]; /* durations (s) */
    xn_real j[XN_OTG_MAX_SEGMENTS]; /* jerks */
} xn_otg_segments;

/* One DoF, position interface, third order: from (p0, v0, a0) to (pf, vf, af) with
 * vmin <= v <= vmax, amin <= a <= amax, |j| <= jmax (vmin, amin < 0 < vmax, amax, jmax). */
typedef struct {
    xn_real p0, v0, a0, pf, vf, af;
    xn_real vmax, vmin, amax, amin, jmax;
} xn_otg_dof;

/* State after `t` seconds of constant jerk `j` (in place). */
static inline void xn_otg_integrate(xn_real *p, xn_real *v, xn_real *a, xn_real t, xn_real j) {
    *p += t * (*v + t * (*a / 2 + t * j / 6));
    *v += t * (*a + t * j / 2);
    *a += t * j;
}

/* The braking pre-phase (0 to 2 segments) for a state (v0, a0) outside the limits or bound to
 * leave them, written to `out` (out->n = 0 when none is needed). */
void xn_otg_brake(xn_real v0, xn_real a0, xn_real vmax, xn_real vmin, xn_real amax, xn_real amin,
                  xn_real jmax, xn_otg_segments *out);

/* Step 1: the time-optimal profile of one DoF whose state lies within the limits (after any
 * brake). Returns its duration, or INFINITY (out untouched) when no candidate is valid. */
xn_real xn_otg_step1(const xn_otg_dof *d, xn_otg_segments *out);

/* 1 when the segments, started from d's current state, respect the limits (from the first
 * instant after the start: a braked state may begin just outside) and end at the target within
 * 1e-8 (relative where values exceed 1). */
int xn_otg_check(const xn_otg_dof *d, const xn_otg_segments *s);

#endif
