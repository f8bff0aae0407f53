/* xiaonao: geometric paths and their time-optimal parameterization.
 *
 * A path is a curve s -> x(s) made of segments: straight lines and circular arcs in n
 * dimensions (joint space, or the tool's position in Cartesian space), consecutive lines joined
 * by a circular blend of a given radius (the motion does not stop at a blended waypoint), and,
 * for Cartesian paths, an orientation interpolated on SO(3) along each segment (the rotation
 * R0 exp(u log(R0^T R1)), u the segment's fraction). The parameter s is the segment's length:
 * max(position distance, rot_weight * rotation angle), so that a pure rotation also has a
 * length. Paths are plain data (fixed-size arrays), built once, evaluated without allocation.
 *
 * Time-optimal path parameterization (TOPP) then finds the fastest s(t) along a path sampled in
 * joint space, under joint velocity, acceleration and torque limits and tool speed and
 * acceleration limits, by reachability analysis (Pham and Pham, "A new approach to time-optimal
 * path parameterization based on reachability analysis", IEEE T-RO 2018).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_PATH_H
#define XIAONAO_PATH_H

#include "xiaonao/model.h"
#include "xiaonao/spatial.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_PATH_MAX_DIM 16       /**< dimensions of a path (joints, or 3 for a position) */
#define XN_PATH_MAX_SEGMENTS 128 /**< segments of one path, blends included */

typedef enum { XN_SEG_LINE = 0, XN_SEG_ARC = 1 } xn_segment_type;

/** One segment. Lines: p0 to p1. Arcs: centre c, radius r, start direction e1 and in-plane
 * direction e2 (unit, orthogonal), angle span: x(th) = c + r (cos th e1 + sin th e2). */
typedef struct {
    xn_segment_type type;
    xn_real s0, length;
    xn_real p0[XN_PATH_MAX_DIM], p1[XN_PATH_MAX_DIM];
    xn_real c[XN_PATH_MAX_DIM], e1[XN_PATH_MAX_DIM], e2[XN_PATH_MAX_DIM];
    xn_real radius, angle;
    xn_real R0[9];    /**< Cartesian: orientation at the segment's start */
    xn_real omega[3]; /**< Cartesian: log(R0^T R1), the rotation over the segment (body axes) */
    int blend;        /**< 1: this segment is a blend between two others */
} xn_path_segment;

/** A path. */
typedef struct {
    int dim;            /**< position dimensions */
    int cartesian;      /**< 1: dim = 3 and an orientation goes with the position */
    xn_real rot_weight; /**< metres per radian in a segment's length (default 0.1) */
    xn_real length;     /**< total */
    int n;
    xn_path_segment seg[XN_PATH_MAX_SEGMENTS];
} xn_path;

/** A waypoint list builder's element: where, and with which blend radius the path passes it
 * (0: stops there; the first and last are always stops). For an arc, `via` is the circle's
 * middle point (is_arc = 1: the segment from the previous waypoint to this one is the arc
 * through via). */
typedef struct {
    xn_real p[XN_PATH_MAX_DIM];
    xn_real R[9];  /**< Cartesian: orientation at the waypoint */
    xn_real blend; /**< blend radius: the path leaves the segment this far before the
                        waypoint and joins the next one this far after it (m, or rad in
                        joint space) */
    int is_arc;
    xn_real via[XN_PATH_MAX_DIM];
    int line; /**< where the waypoint was given (program line), for messages */
} xn_waypoint;

/** Build a path through n waypoints (n >= 2) of dimension dim (Cartesian: dim = 3 and each
 * waypoint's R). Refused, with the waypoint and a sentence: a blend radius larger than what the
 * neighbouring segments leave, a blend touching an arc (lines only may be blended), an arc whose
 * three points are on one line or coincide, too many segments, non-finite values: err->index is
 * the waypoint concerned (0-based) and err->line its `line`. rot_weight: 0 for the default
 * 0.1 m/rad. */
xn_status xn_path_build(xn_path *path, int dim, int cartesian, const xn_waypoint *wp, int n,
                        xn_real rot_weight, xn_error *err);

/** The path at s (clamped to [0, length]): position x (dim), its first and second derivatives
 * with respect to s (dx, ddx; may be NULL); Cartesian: the rotation R (9; may be NULL) and the
 * angular velocity per unit s in world axes w (3; may be NULL; its derivative is 0 within a
 * segment). No allocation. */
void xn_path_eval(const xn_path *path, xn_real s, xn_real *x, xn_real *dx, xn_real *ddx, xn_real *R,
                  xn_real *w);

/* ---- time-optimal parameterization ---- */

/** A path sampled in joint space on a grid s_0 = 0 < s_1 < ... < s_{N-1} = length: q (nq), q' and
 * q'' (nv) at every point; optionally the tool's velocity and acceleration per unit s (3 each,
 * dp, ddp) for tool limits. Allocated by xn_joint_path_create. */
typedef struct {
    int N, nq, nv;
    xn_real *s;        /**< N */
    xn_real *q;        /**< N x nq */
    xn_real *dq, *ddq; /**< N x nv */
    xn_real *dp, *ddp; /**< N x 3, or NULL */
} xn_joint_path;

/** A joint path of N (>= 2) grid points for nq, nv (>= 1) into *out (NULL on failure; free it
 * with xn_joint_path_free); with_tool: room for dp and ddp. XN_ERR_RANGE, XN_ERR_NOMEM. */
xn_status xn_joint_path_create(int N, int nq, int nv, int with_tool, xn_joint_path **out,
                               xn_error *err);
void xn_joint_path_free(xn_joint_path *jp);
/** Sample a joint-space path (dim = the model's nq for 1-DoF joints only) on an even grid of
 * N points: q = x(s), q' = dx, q'' = ddx. */
void xn_joint_path_from_path(xn_joint_path *jp, const xn_path *path);

struct xn_ik;
/** Sample a Cartesian path (the tool's pose in the base frame) into joint space on an even grid
 * of jp->N points: at each point the frame the IK solver `ik` was made for (the flange) must be
 * at base * pose(s) * tool^-1 (base, tool: NULL for identity). Each point's IK starts from the
 * previous point's answer (q_start for the first) and must converge to 1e-10 m / rad; q' and q''
 * come from central differences of the samples; the tool's dp and ddp (if jp has them) from the
 * path. Refused, with where and why: a pose out of reach (or blocked by the joint limits), a
 * singularity (the joints would have to move more than max_joint_rate rad per metre of path,
 * or by more than 0.2 rad between two samples); err->index is the grid point (a fraction
 * index / (N - 1) of the path's length). Uses the solver's workspace; no allocation. */
xn_status xn_path_to_joints(const xn_path *path, struct xn_ik *ik, const xn_se3 *base,
                            const xn_se3 *tool, const xn_real *q_start, xn_real max_joint_rate,
                            xn_joint_path *jp, xn_error *err);

/** Limits for TOPP. Arrays have nv entries; a NULL array (or INFINITY entries) means none. */
typedef struct {
    const xn_real *vmax, *amax, *taumax; /**< joint velocity, acceleration, torque limits */
    xn_real tool_speed;                  /**< m/s along the path (0: none) */
    xn_real tool_accel;                  /**< m/s^2, tangential and normal each (0: none) */
    const xn_real *sdot_max; /**< per grid point of the joint path: a cap on the path speed
                                  (e.g. from power and force limiting); NULL: none */
} xn_topp_limits;

/** The result: per grid point the squared path speed x = sdot^2 and, per interval, the path
 * acceleration u = sddot (constant over the interval) and the time t at each grid point. */
typedef struct {
    int N;              /**< capacity (grid points) */
    int n;              /**< grid points of the last solve (<= N) */
    xn_real *x, *u, *t; /**< n, n - 1, n entries used */
    xn_real duration;
    /* workspace */
    xn_real *xlo, *xhi;
    xn_real *a, *b, *c; /**< per grid point: constraints a u + b x + c in [lo, hi] */
    xn_real *lo, *hi;
    int ncon;   /**< constraints per grid point (room for) */
    int *count; /**< constraints per grid point (used) */
} xn_topp;

/** Workspace for paths of up to N (>= 2) grid points and nv (1..33) joints (with tool limits),
 * into *out (NULL on failure). XN_ERR_RANGE, XN_ERR_NOMEM. */
xn_status xn_topp_create(int N, int nv, xn_topp **out, xn_error *err);
void xn_topp_free(xn_topp *tp);

/** The time-optimal speed profile along jp from rest to rest under lim (dynamics from m and d
 * when taumax is given). Reachability analysis: a backward pass computes, per grid point, the
 * speeds from which the end is still reachable; a forward pass then takes the largest admissible
 * path acceleration at each step. Constraints are enforced at the grid points (u constant over
 * each interval). No allocation. XN_ERR_INFEASIBLE when no speed profile satisfies the limits
 * (e.g. gravity alone needs more torque than allowed somewhere on the path), err->index the grid
 * point; XN_ERR_SIZE for a path beyond the workspace, XN_ERR_RANGE for non-finite samples or a
 * grid that does not increase. */
xn_status xn_topp_solve(xn_topp *tp, const xn_model *m, xn_data *d, const xn_joint_path *jp,
                        const xn_topp_limits *lim, xn_error *err);

/** Path position, speed and acceleration at time t (s >= 0; held at the end) from a solved
 * profile on grid s (the joint path's). */
void xn_topp_at(const xn_topp *tp, const xn_real *s, xn_real t, xn_real *sp, xn_real *sd,
                xn_real *sdd);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
