/* xiaonao: online trajectory generation. Time-optimal, jerk-limited trajectories from any state
 * to any target state, for up to XN_OTG_MAX_DOFS degrees of freedom that start and arrive
 * together. Pure computation: no allocation, bounded work. Each candidate family's residual is a
 * polynomial of degree at most 6 in its one unknown, whose real roots are isolated and refined
 * with fixed maximum counts (XN_POLY_MAX_INTERVALS, XN_POLY_MAX_ITERATIONS in src/math/poly.h,
 * and 60 regula falsi steps per root); a family the polynomial does not describe (degenerate
 * input) falls back to a sampled search with XN_OTG_ROOT_SAMPLES samples and
 * XN_OTG_ROOT_BISECTIONS bisection steps. Time synchronization runs each DoF's step 1 at most once
 * and tries durations at most n (XN_OTG_MAX_CANDIDATES + 1) times (src/motion/otg_sync.c).
 *
 * Status of this module: the position and velocity interfaces with time synchronization match
 * Ruckig 0.17.3's durations on its reference problems; phase and no synchronization work too.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_OTG_H
#define XIAONAO_OTG_H

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_OTG_MAX_DOFS 32         /**< degrees of freedom of one problem (a humanoid's joints) */
#define XN_OTG_MAX_SEGMENTS 8      /**< constant-jerk segments of one DoF's main profile */
#define XN_OTG_ROOT_SAMPLES 400    /**< samples of the fallback one-unknown search */
#define XN_OTG_ROOT_BISECTIONS 200 /**< bisection steps per root, at most */

/** What the target fixes. */
typedef enum {
    XN_OTG_POSITION = 0, /**< reach target position, velocity and acceleration */
    XN_OTG_VELOCITY = 1  /**< reach target velocity and acceleration, position free; max_velocity
                              and target_position are not used */
} xn_otg_interface;

/** How the DoFs are timed. */
typedef enum {
    XN_OTG_SYNC_TIME = 0,  /**< all arrive together, in the smallest duration feasible for all */
    XN_OTG_SYNC_PHASE = 1, /**< straight line in joint space where the problem allows it (the
                                displacement and the current and target velocities and
                                accelerations along one direction, no brake): else as TIME */
    XN_OTG_SYNC_NONE = 2   /**< each DoF as fast as it can */
} xn_otg_sync;

/** A trajectory-generation problem. Fill with xn_otg_problem_init, then set the fields.
 * Units are the caller's (rad or m, and seconds); limits are symmetric unless min_* are set. */
typedef struct {
    int dofs;
    xn_otg_interface interface;
    xn_otg_sync synchronization;
    xn_real current_position[XN_OTG_MAX_DOFS], current_velocity[XN_OTG_MAX_DOFS],
        current_acceleration[XN_OTG_MAX_DOFS];
    xn_real target_position[XN_OTG_MAX_DOFS], target_velocity[XN_OTG_MAX_DOFS],
        target_acceleration[XN_OTG_MAX_DOFS];
    xn_real max_velocity[XN_OTG_MAX_DOFS], max_acceleration[XN_OTG_MAX_DOFS],
        max_jerk[XN_OTG_MAX_DOFS];
    int has_min_velocity, has_min_acceleration; /**< 1: use min_* (< 0) instead of -max_* */
    xn_real min_velocity[XN_OTG_MAX_DOFS], min_acceleration[XN_OTG_MAX_DOFS];
    unsigned char enabled[XN_OTG_MAX_DOFS]; /**< 0: the DoF keeps its current acceleration */
    xn_real minimum_duration;               /**< the trajectory lasts at least this long (s) */
} xn_otg_problem;

/** Constant-jerk segments: durations t (s) and jerks j. */
typedef struct {
    int n;
    xn_real t[XN_OTG_MAX_SEGMENTS];
    xn_real j[XN_OTG_MAX_SEGMENTS];
} xn_otg_segments;

/** A computed trajectory: per DoF, the start state, a braking pre-phase (0 to 2 segments, for a
 * state outside the limits) and the main profile; after the end every DoF holds its target
 * state (position advancing with the target velocity and acceleration). Plain data: copy freely. */
typedef struct {
    int dofs;
    xn_real duration; /**< s */
    xn_real p0[XN_OTG_MAX_DOFS], v0[XN_OTG_MAX_DOFS], a0[XN_OTG_MAX_DOFS];
    xn_otg_segments brake[XN_OTG_MAX_DOFS];
    xn_otg_segments main[XN_OTG_MAX_DOFS];
    xn_real dof_duration[XN_OTG_MAX_DOFS]; /**< when each DoF arrives (all equal with time sync) */
    int phase_synchronized; /**< 1: phase synchronization applied (a straight line in joint
                                 space) */
} xn_trajectory;

/** A problem with `dofs` DoFs, everything zero, every DoF enabled, time synchronization, the
 * position interface. */
void xn_otg_problem_init(xn_otg_problem *p, int dofs);
/** Check a problem without solving it: XN_OK, or the first defect found, with err (may be NULL)
 * naming it and the DoF it concerns in err->index (-1 for the problem as a whole):
 * XN_ERR_SIZE for dofs outside 1..XN_OTG_MAX_DOFS; XN_ERR_RANGE for a value that is not finite,
 * a limit that is not > 0 (a min_* limit not < 0), a target velocity or acceleration outside the
 * limits, a negative minimum duration; XN_ERR_UNSUPPORTED for an unknown interface or
 * synchronization. */
xn_status xn_otg_validate(const xn_otg_problem *p, xn_error *err);
/** Solve: the time-optimal (synchronized) trajectory into *traj. Returns XN_OK, a defect of the
 * problem (as xn_otg_validate), or XN_ERR_NUMERIC when the search found no profile (a defect of
 * the library: please report); *traj is left unchanged on error, never half-filled. Only the
 * first `dofs` entries of its per-DoF arrays are written (the rest are never read). */
xn_status xn_otg_calculate(const xn_otg_problem *p, xn_trajectory *traj, xn_error *err);
/** State at time t (s; clamped below at 0, held after the end): arrays of traj->dofs entries;
 * any output pointer may be NULL. */
void xn_trajectory_at(const xn_trajectory *traj, xn_real t, xn_real *p, xn_real *v, xn_real *a,
                      xn_real *j);
/** Switching times of a DoF's profile (ends of its segments, brake included), ascending; returns
 * how many (at most cap are written). */
int xn_trajectory_phase_times(const xn_trajectory *traj, int dof, xn_real *times, int cap);
/** Smallest and largest position of a DoF over [0, duration], and when they occur. */
void xn_trajectory_extrema(const xn_trajectory *traj, int dof, xn_real *pmin, xn_real *t_pmin,
                           xn_real *pmax, xn_real *t_pmax);

/** The scratch a calculation needs (about 60 KB for XN_OTG_MAX_DOFS DoFs). xn_otg_calculate
 * and xn_otg_update keep it on their own stack; a real-time thread, whose stack is small and
 * locked, allocates one at start-up and passes it to the _in forms. One workspace serves one
 * calculation at a time. */
typedef struct xn_otg_workspace xn_otg_workspace;
/** Allocate a workspace (NULL when out of memory); free it with xn_otg_workspace_free. */
xn_otg_workspace *xn_otg_workspace_create(void);
void xn_otg_workspace_free(xn_otg_workspace *ws);
/** xn_otg_calculate with its scratch in ws instead of on the stack (under 2 KB of stack). */
xn_status xn_otg_calculate_in(const xn_otg_problem *p, xn_trajectory *traj, xn_error *err,
                              xn_otg_workspace *ws);

/* ---- the online form: once per control cycle ---- */

/** Online trajectory generation state: the trajectory being followed and where along it. */
typedef struct {
    xn_real cycle_time; /**< s, the control period */
    xn_real time;       /**< s since the current trajectory was calculated */
    int has_trajectory;
    xn_otg_problem expect; /**< the input expected next cycle if the caller feeds the output back */
    xn_trajectory trajectory;
} xn_otg;

/** One cycle's output: the new state (arrays of the problem's dofs entries). */
typedef struct {
    xn_real position[XN_OTG_MAX_DOFS], velocity[XN_OTG_MAX_DOFS], acceleration[XN_OTG_MAX_DOFS];
    int new_calculation; /**< 1 when this cycle computed a new trajectory */
    int finished;        /**< 1 once the target state is reached; from then on the output is the
                              target state exactly (for targets at rest, or at constant velocity
                              in the velocity interface) */
    xn_real time;        /**< s along the current trajectory */
    xn_real duration;    /**< s, the current trajectory's duration */
} xn_otg_output;

/** Start an online generator for a loop of period cycle_time (s, > 0). */
void xn_otg_init(xn_otg *o, xn_real cycle_time);
/** One control cycle. When the input differs from what the previous cycle handed out (a new
 * target, new limits, a state that is not the one the trajectory predicted), a new trajectory is
 * calculated from the input's current state; otherwise the generator steps one cycle along the
 * current one. Feed out->position/velocity/acceleration back as the next current state. Returns
 * XN_OK or the input's defect as xn_otg_calculate (then out is untouched and the old trajectory is
 * kept). */
xn_status xn_otg_update(xn_otg *o, const xn_otg_problem *input, xn_otg_output *out, xn_error *err);
/** xn_otg_update with a calculation's scratch in ws (see xn_otg_workspace). */
xn_status xn_otg_update_in(xn_otg *o, const xn_otg_problem *input, xn_otg_output *out,
                           xn_error *err, xn_otg_workspace *ws);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
