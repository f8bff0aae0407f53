/* The braking pre-phase: where the current velocity or acceleration lies outside the limits, or
 * the acceleration would carry the velocity past them, brake with maximal jerk (holding the
 * acceleration limit if reached) until the state is one from which the limits can be kept.
 * The same rule as Ruckig's, so that durations compare. Limits are passed in "direction" form:
 * the mirrored cases swap max and min and negate the jerk.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "motion/otg_internal.h"

static xn_real v_at(xn_real v0, xn_real a0, xn_real j, xn_real t) {
    return v0 + a0 * t + j * t * t / 2;
}

static void add(xn_otg_segments *s, xn_real t, xn_real j) {
    s->t[s->n] = t;
    s->j[s->n] = j;
    s->n++;
}

/* The velocity is (or will be) past vmax: jerk towards amin; hold amin if reached. The brake ends
 * at the earlier of: v back at vmax, or the point from which returning the acceleration to zero
 * ends exactly at vmin. */
static void velocity_brake(xn_real v0, xn_real a0, xn_real vmax, xn_real vmin, xn_real amin,
                           xn_real jmax, xn_otg_segments *s) {
    xn_real aj = fabs(jmax);
    xn_real t_to_a_min = (a0 - amin) / jmax;
    xn_real t_to_v_max = a0 / jmax + sqrt(fmax(a0 * a0 + 2 * jmax * (v0 - vmax), 0)) / aj;
    xn_real t_to_v_min = a0 / jmax + sqrt(fmax(a0 * a0 / 2 + jmax * (v0 - vmin), 0)) / aj;
    xn_real t_min = fmin(t_to_v_max, t_to_v_min);
    if (t_to_a_min < t_min) {
        xn_real v_at_a_min = v_at(v0, a0, -jmax, t_to_a_min);
        xn_real t_hold_v_max = -(v_at_a_min - vmax) / amin;
        xn_real t_hold_v_min = -(v_at_a_min - vmin) / amin + amin / (2 * jmax);
        add(s, fmax(t_to_a_min, 0), -jmax);
        add(s, fmax(fmin(t_hold_v_max, t_hold_v_min), 0), 0);
    } else {
        add(s, fmax(t_min, 0), -jmax);
    }
}

/* The acceleration is past amax: jerk it back to amax, and on into a velocity brake where the
 * velocity would otherwise leave its limits. */
static void acceleration_brake(xn_real v0, xn_real a0, xn_real vmax, xn_real vmin, xn_real amax,
                               xn_real amin, xn_real jmax, xn_otg_segments *s) {
    xn_real t_to_a_max = (a0 - amax) / jmax, t_to_a_zero = a0 / jmax;
    xn_real v_at_a_max = v_at(v0, a0, -jmax, t_to_a_max),
            v_at_a_zero = v_at(v0, a0, -jmax, t_to_a_zero);
    if ((v_at_a_zero > vmax && jmax > 0) || (v_at_a_zero < vmax && jmax < 0)) {
        velocity_brake(v0, a0, vmax, vmin, amin, jmax, s);
    } else if ((v_at_a_max < vmin && jmax > 0) || (v_at_a_max > vmin && jmax < 0)) {
        xn_real t_to_v_min = -(v_at_a_max - vmin) / amax;
        xn_real t_to_v_max = -amax / (2 * jmax) - (v_at_a_max - vmax) / amax;
        add(s, t_to_a_max, -jmax);
        add(s, fmax(fmin(t_to_v_min, t_to_v_max), 0), 0);
    } else {
        add(s, t_to_a_max, -jmax);
    }
}

void xn_otg_brake(xn_real v0, xn_real a0, xn_real vmax, xn_real vmin, xn_real amax, xn_real amin,
                  xn_real jmax, xn_otg_segments *out) {
    out->n = 0;
    /* the velocity where the acceleration reaches zero by the shortest jerk */
    xn_real v_stop = v0 + a0 * fabs(a0) / (2 * jmax);
    if (a0 > amax)
        acceleration_brake(v0, a0, vmax, vmin, amax, amin, jmax, out);
    else if (a0 < amin)
        acceleration_brake(v0, a0, vmin, vmax, amin, amax, -jmax, out);
    else if ((v0 > vmax && v_stop > vmin) || (a0 > 0 && v_stop > vmax))
        velocity_brake(v0, a0, vmax, vmin, amin, jmax, out);
    else if ((v0 < vmin && v_stop < vmax) || (a0 < 0 && v_stop < vmin))
        velocity_brake(v0, a0, vmin, vmax, amax, -jmax, out);
}
