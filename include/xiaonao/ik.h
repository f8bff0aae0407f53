/* xiaonao: inverse kinematics. Numerical IK for any frame of any model (Levenberg-Marquardt on
 * SE(3), joint limits, weighted position and orientation, a null-space secondary task, a fixed
 * iteration bound), velocity-level IK that stays bounded at singularities, and closed-form IK for
 * UR-type 6R arms (all 8 solutions).
 *
 * Poses are frame placements in the world (xn_se3). Errors are measured in the world: position
 * error (m) of the frame origin, rotation error (rad) as the angle of R_target R^T. The solvers
 * move the model's 1-DoF joints (revolute, prismatic); free and ball joints stay where they are.
 * Workspaces are allocated once by xn_ik_create; solving allocates nothing.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_IK_H
#define XIAONAO_IK_H

#include "xiaonao/model.h"
#include "xiaonao/spatial.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Settings of the numerical solver. xn_ik_options_init gives the defaults in brackets. */
typedef struct {
    int max_iterations;      /**< the bound on work per solve [100] */
    xn_real tol_position;    /**< converged below this position error (m) [1e-9] */
    xn_real tol_rotation;    /**< and this rotation error (rad) [1e-9] */
    xn_real weight_position; /**< error weights: 1 m of position counts like weight_rotation /
                                  weight_position rad [1, 1] */
    xn_real weight_rotation;
    xn_real max_step;   /**< largest change of one joint per iteration (rad or m) [0.5] */
    int respect_limits; /**< 1: every iterate stays inside the joint limits [1] */
    /** Secondary task in the null space of the pose task: a pull toward a posture (gain in 1/iter,
     * posture: nq entries, NULL for the middle of each joint's range) and a push away from the
     * joint limits. Both 0 by default. */
    xn_real posture_gain;
    const xn_real *posture;
    xn_real limit_gain;
} xn_ik_options;

/** The defaults above. */
void xn_ik_options_init(xn_ik_options *o);

/** What a solve did. */
typedef struct {
    xn_status status; /**< as returned: XN_OK (converged), XN_ERR_ITERATIONS, ... */
    int iterations;
    xn_real err_position; /**< m, at q_out */
    xn_real err_rotation; /**< rad, at q_out */
    int starts;           /**< multi-start: how many starts were tried */
} xn_ik_result;

typedef struct xn_ik xn_ik;

/** A solver for frame `frame` of model m (which must outlive it) into *out (free with
 * xn_ik_free). Active DoFs: every 1-DoF joint between the frame and the root (the joints that
 * move it). XN_ERR_NOT_FOUND when the frame index is not one of m's, XN_ERR_NOMEM; err (may be
 * NULL) says which. *out is NULL on failure. */
xn_status xn_ik_create(const xn_model *m, int frame, xn_ik **out, xn_error *err);
void xn_ik_free(xn_ik *ik);
/** Choose which joints the solver may move: active has nv entries (0: held), or NULL for the
 * default (the joints that move the frame); DoFs of free and ball joints are always held. */
void xn_ik_set_active(xn_ik *ik, const unsigned char *active);

/** Solve for the frame to reach `target` from q_init (nq); the result (the best iterate) goes to
 * q_out (nq; may alias q_init). At most o->max_iterations iterations, each one forward
 * kinematics, one frame Jacobian and a 6x6 Cholesky solve. o may be NULL for the defaults.
 * XN_OK within both tolerances; XN_ERR_ITERATIONS when the iteration bound came first;
 * XN_ERR_NUMERIC when it stalled (no further progress: a local minimum, often at a joint limit);
 * XN_ERR_RANGE for a NaN or infinite target or start (q_out = q_init). q_out holds the best
 * iterate in every case; res (may be NULL) says how far it is; err (may be NULL) why. */
xn_status xn_ik_solve(xn_ik *ik, const xn_se3 *target, const xn_real *q_init,
                      const xn_ik_options *o, xn_real *q_out, xn_ik_result *res, xn_error *err);
/** As xn_ik_solve from q_init, then, while not converged, from up to `starts` - 1 random
 * configurations inside the joint limits (drawn from *seed, which advances). Off-line use. */
xn_status xn_ik_solve_multistart(xn_ik *ik, const xn_se3 *target, const xn_real *q_init,
                                 const xn_ik_options *o, int starts, unsigned long *seed,
                                 xn_real *q_out, xn_ik_result *res, xn_error *err);

/** Velocity-level IK result. */
typedef struct {
    xn_real sigma_min; /**< smallest singular value of the (weighted) Jacobian */
    xn_real damping;   /**< the damping used (lambda^2) */
    int near_singular; /**< 1 when sigma_min < the threshold: the motion is damped */
} xn_ik_velocity_info;

/** Joint velocities qd (nv; held DoFs 0) that move the frame with twist (6: linear velocity of
 * the frame origin, then angular velocity, both in world axes) at q: damped least squares with
 * the damping switched on below sigma_min = threshold (lambda^2 = lambda_max^2 (1 -
 * (sigma/threshold)^2), Nakamura and Hanafusa; Maciejewski). Near a singularity qd stays bounded
 * (|qd| <= |twist| / (2 lambda_max)) and info says so. threshold and lambda_max: 0 for defaults
 * 0.05 and 0.05. */
void xn_ik_velocity(xn_ik *ik, const xn_real *q, const xn_real twist[6], xn_real threshold,
                    xn_real lambda_max, xn_real *qd, xn_ik_velocity_info *info);

/* ---- closed form: UR-type 6R arms ---- */

/** A UR-type arm, analysed once from its model: six revolute joints in a chain, axes 2, 3, 4
 * parallel and perpendicular to axis 1, axes 4 and 5 meeting at right angles, axes 5 and 6
 * meeting at right angles (UR3/5/10/16, their e-Series, and arms built the same way). */
typedef struct {
    const xn_model *m;
    int frame;   /**< the frame whose pose is given */
    int body[6]; /**< the six joints' bodies, base to tip */
    int qadr[6];
    xn_real p1[3];       /**< a point on axis 1 (world, fixed) */
    xn_real a1[3];       /**< axis 1 (world, fixed) */
    xn_real n0[3];       /**< axes 2-4 direction at q1 = 0 */
    xn_real offset;      /**< n . (P56 - p1): the arm's constant offset along axes 2-4 */
    xn_real l23, l34;    /**< the planar links' lengths (axis 2 to 3, 3 to 4) */
    xn_real l45;         /**< from the 4-5 meeting point to the 5-6 meeting point, along axis 5 */
    xn_real p56_tip[3];  /**< the 5-6 meeting point in the tip body's frame */
    xn_real a6_tip[3];   /**< axis 6 in the tip body's frame */
    xn_se3 frame_in_tip; /**< the frame's placement in the tip body */
    xn_real axis0[6][3], point0[6][3]; /**< joint axes and points on them at q = 0 (world) */
    xn_se3 tip0;                       /**< the tip body's pose at q = 0 */
} xn_ik_ur;

/** Analyse model m for frame `frame` (on the last of the six joints' bodies or fixed to it).
 * Fails with a message saying which structural condition does not hold. */
xn_status xn_ik_ur_init(const xn_model *m, int frame, xn_ik_ur *ur, xn_error *err);
/** All solutions for the frame to be at `target`: writes up to 8 rows of 6 joint angles (rad,
 * each in (-pi, pi]) into q and returns how many. Each solution reproduces the target by forward
 * kinematics to rounding. At a wrist singularity (axes 4 and 6 parallel) q4 is chosen 0 and the
 * solutions sharing the singular wrist are reported once; flags (if not NULL) gets bit 1 set.
 * No allocation. Joint limits are not applied (a UR's +-2 pi ranges hold every solution;
 * q + 2 pi k is a solution too). */
int xn_ik_ur_solve(const xn_ik_ur *ur, const xn_se3 *target, xn_real q[8][6], int *flags);

/* ---- closed form: Panda-type 7R arms, the 7th joint as parameter ---- */

/** A Panda-type arm, analysed once from its model: seven revolute joints in a chain whose first
 * three axes meet in one point (the shoulder) and whose axes 5 and 6 meet (the Franka Emika
 * Panda). With the 7th joint's angle chosen, the other six follow in closed form from the
 * Paden-Kahan subproblems on the product-of-exponentials form of the model: joint 4 from the
 * shoulder-to-wrist distance, joints 5 and 6 from where the shoulder appears seen from the hand,
 * joints 1-3 from the rest of the rotation. */
typedef struct {
    const xn_model *m;
    int frame;
    int body[7], qadr[7];
    xn_real axis[7][3], point[7][3]; /**< joint axes and points on them at q = 0 (world) */
    xn_real shoulder[3];             /**< where axes 1-3 meet */
    xn_real wrist[3];                /**< where axes 5 and 6 meet */
    xn_se3 frame0;                   /**< the frame's pose at q = 0 */
} xn_ik_panda;

/** Analyse model m for frame `frame` (moved by exactly the seven joints). Fails with a message
 * saying which structural condition does not hold. */
xn_status xn_ik_panda_init(const xn_model *m, int frame, xn_ik_panda *pk, xn_error *err);
/** All solutions with joint 7 at q7 (rad) for the frame to be at `target`: up to 8 rows of 7
 * angles (joints 1-6 in (-pi, pi], joint 7 = q7) into q; returns how many. With in_limits, only
 * solutions inside the model's joint limits are kept (an angle moved by a turn where the range
 * reaches past pi). flags (if not NULL) gets bit 1 when a
 * singular configuration (shoulder axes 1 and 3 aligned, or the wrist's axes aligned) made a
 * choice: the free angle is then set to 0. No allocation. */
int xn_ik_panda_solve(const xn_ik_panda *pk, const xn_se3 *target, xn_real q7, int in_limits,
                      xn_real q[8][7], int *flags);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
