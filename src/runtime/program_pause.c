/* Pausing and resuming a program: the program runs on a clock of its own whose rate ramps
 * smoothly to 0 and back, so that a path keeps its shape and a joint motion its synchronization
 * while the robot slows down and speeds up again (an industrial controller's "hold" and
 * "continue": the motion is suspended, not abandoned as a stop abandons it). Waits stop counting
 * and no line starts while the clock is held. A `stream` line, a policy or the balance have no
 * clock of the program's to slow: their pause is refused with an event.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdatomic.h>

#include "runtime/runtime_internal.h"

#define RAMP_MIN_S 0.2
#define RAMP_MAX_S 2.0

void xn_controller_pause(xn_controller *c) { atomic_store(&c->pause_req, 1); }

void xn_controller_resume(xn_controller *c) { atomic_store(&c->pause_req, 0); }

int xn_controller_paused(const xn_controller *c) { return atomic_load(&c->pause_shown); }

/* 3u^2 - 2u^3: rate and its slope both continuous at the ends of the ramp (the acceleration the
 * ramp adds, rate' v, starts and ends at 0) */
static xn_real smooth(xn_real u) { return u * u * (3 - 2 * u); }

/* The ramp's length: the added acceleration rate' v peaks at 1.5 v / T, kept under half of each
 * joint's rated acceleration. */
static xn_real ramp_length(const xn_controller *c) {
    xn_real t = RAMP_MIN_S;
    for (int k = 0; k < c->nj; k++)
        t = fmax(t, 3 * fabs(c->output.velocity[k]) / c->cfg.max_acceleration[k]);
    return fmin(t, RAMP_MAX_S);
}

/* 1 when the program's own clock drives the joints (no stream, policy or balance owns them). */
static int pausable(const xn_controller *c) {
    return c->interp.act != ACT_STREAM && !c->policy_active && !c->hum_active;
}

void xn_ctl_pause_update(xn_controller *c) {
    xn_real dt = (xn_real)c->hal->period_ns * 1e-9;
    int want = atomic_load(&c->pause_req);
    if (want && c->pause_u == 1 && !pausable(c)) {
        atomic_store(&c->pause_req, 0);
        xn_ctl_event(c, XN_EV_PAUSE, -1, -1,
                     "nothing to pause: the joints follow a stream, a policy or the balance");
        return;
    }
    if (want && c->pause_u == 1) c->pause_ramp_s = ramp_length(c);
    xn_real u = c->pause_u, step = dt / c->pause_ramp_s;
    if (want && u > 0)
        u = fmax(0, u - step);
    else if (!want && u < 1)
        u = fmin(1, u + step);
    if (u != c->pause_u && !want && c->pause_told) {
        c->pause_told = 0;
        xn_ctl_event(c, XN_EV_PAUSE, -1, 0, "resumed at line %d", c->interp.line);
    }
    xn_real r = smooth(u);
    c->rate_dot = (r - c->rate) / dt;
    c->rate = r;
    c->pause_u = u;
    /* waits stop counting, for the part of this period the clock stood still */
    int64_t held = (int64_t)llround((1 - r) * (xn_real)c->hal->period_ns);
    if (c->interp.act == ACT_WAIT_TIME) c->interp.wait_end_ns += held;
    if (c->interp.act == ACT_COMPLY) c->comply_end_ns += held;
    if (u == 0 && !c->pause_told) {
        c->pause_told = 1;
        xn_ctl_event(c, XN_EV_PAUSE, -1, 1, "paused at line %d", c->interp.line);
    }
    atomic_store(&c->pause_shown, c->pause_told ? 2 : want);
}

int xn_ctl_pause_holds(const xn_controller *c) { return c->pause_u < 1 && pausable(c); }

int xn_ctl_pause_motion(xn_controller *c) {
    if (c->rate == 1) return 0; /* (a motion the program starts now is not calculated yet) */
    if (c->state != XN_CTL_RUNNING || c->interp.act != ACT_MOTION || !c->otg.has_trajectory)
        return 0;
    const xn_trajectory *t = &c->otg.trajectory;
    xn_real tau = fmin(c->otg.time + c->rate * c->otg.cycle_time, t->duration);
    xn_real p[XN_OTG_MAX_DOFS], v[XN_OTG_MAX_DOFS], a[XN_OTG_MAX_DOFS];
    xn_trajectory_at(t, tau, p, v, a, NULL);
    c->otg.time = tau;
    xn_otg_output *o = &c->output;
    for (int k = 0; k < c->nj; k++) {
        o->position[k] = p[k];
        o->velocity[k] = c->rate * v[k];
        o->acceleration[k] = c->rate * c->rate * a[k] + c->rate_dot * v[k];
    }
    o->new_calculation = 0;
    o->time = tau;
    o->finished = tau >= t->duration;
    /* at full speed again the generator takes over from this state: it calculates anew (the
     * state is not the one it handed out last), which from a point of its own trajectory is the
     * rest of that trajectory */
    return 1;
}
