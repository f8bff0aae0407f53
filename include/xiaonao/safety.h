/* xiaonao: power and force limiting (ISO/TS 15066). The body-region limits as data, the speed
 * that keeps the energy of a transient contact under a region's limit, the robot's effective
 * mass at a point along a direction, and a monitor of declared contact regions: spheres in the
 * workspace where a person's body region may be touched, inside which every monitored point of
 * the arm (the tool point and the origins of the moving bodies) must move slower than the
 * limit. The runtime uses it to plan slower motions near those regions and to stop when a point
 * goes too fast there.
 *
 * The transient contact model (ISO/TS 15066 Annex A.3): the person's body region is a spring k
 * with an effective mass m_H; the robot's effective mass m_R at the contact point along the
 * direction of motion; the energy of the relative motion, E = mu v^2 / 2 with the reduced mass
 * mu = (1/m_H + 1/m_R)^-1, all stored in the spring, gives the peak force F = v sqrt(mu k). The
 * largest permissible speed is v = F_max / sqrt(mu k). Where the person cannot recoil (pinned
 * against a table, a wall or the robot's own structure: a clamping contact), all the robot's
 * kinetic energy goes into the spring (mu = m_R) and the quasi-static limit applies:
 * v = F_quasistatic / sqrt(m_R k).
 *
 * No allocation after creation. SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_SAFETY_H
#define XIAONAO_SAFETY_H

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** The body regions of ISO/TS 15066 Annex A (Table A.2 groups its 29 body areas into these). */
typedef enum {
    XN_BODY_SKULL,     /**< skull and forehead */
    XN_BODY_FACE,      /**< face */
    XN_BODY_NECK,      /**< neck */
    XN_BODY_BACK,      /**< back and shoulders */
    XN_BODY_CHEST,     /**< chest */
    XN_BODY_ABDOMEN,   /**< abdomen */
    XN_BODY_PELVIS,    /**< pelvis */
    XN_BODY_UPPER_ARM, /**< upper arms and elbow joints */
    XN_BODY_LOWER_ARM, /**< lower arms and wrist joints */
    XN_BODY_HAND,      /**< hands and fingers */
    XN_BODY_THIGH,     /**< thighs and knees */
    XN_BODY_LOWER_LEG, /**< lower legs */
    XN_BODY_COUNT
} xn_body_region;

/** A body region's limits. */
typedef struct {
    const char *name;          /**< as the program language spells it: "hand", "lower_arm" */
    xn_real force_quasistatic; /**< N: maximum permissible force, quasi-static contact */
    xn_real force_transient;   /**< N: transient contact (2x quasi-static where the standard
                                    allows transient contact; for the head regions, where it
                                    says to avoid it, the quasi-static value) */
    xn_real mass;              /**< kg: the region's effective mass m_H */
    xn_real stiffness;         /**< N/m: its effective spring constant k */
} xn_body_limits;

/** The limits of region r (NULL when r is out of range). Source of the values:
 * docs/safety.md, and the comment on the table in src/control/safety.c. */
const xn_body_limits *xn_body_region_limits(xn_body_region r);
/** The region named `name` (as in xn_body_limits.name), or -1. */
int xn_body_region_from_name(const char *name);

/** The largest speed (m/s) of a contact with region b by a robot of effective mass robot_mass
 * (kg; INFINITY allowed) whose peak force stays at or under b's limit: transient (clamped 0)
 * or, for a person who cannot recoil (clamped 1), quasi-static. */
xn_real xn_pfl_max_speed(const xn_body_limits *b, xn_real robot_mass, int clamped);
/** The peak force (N) of such a contact at relative speed v (m/s). */
xn_real xn_pfl_peak_force(const xn_body_limits *b, xn_real robot_mass, xn_real v, int clamped);

/** The power-and-force-limiting monitor on model m. */
typedef struct xn_pfl xn_pfl;

/** Create the monitor: the points it watches are the origin of every body moved by at least
 * one of the DoFs flagged in `moving` (nv entries; NULL: all), and the tool point (frame
 * tool_frame with offset tool_offset[3] in its axes (NULL: none); tool_frame -1: none), into
 * *out (NULL on failure). XN_ERR_NOT_FOUND for a frame the model does not have, XN_ERR_RANGE
 * for a non-finite offset, XN_ERR_NOMEM. */
xn_status xn_pfl_create(const xn_model *m, const unsigned char *moving, int tool_frame,
                        const xn_real tool_offset[3], xn_pfl **out, xn_error *err);
void xn_pfl_free(xn_pfl *p);
/** Move the tool point (after a tool change). */
void xn_pfl_set_tool(xn_pfl *p, int tool_frame, const xn_real tool_offset[3]);

/** Declare a contact region: a sphere (centre in world coordinates, m; radius > 0, m) in which
 * body region `region` may be touched, freely (clamped 0: the transient model) or pinned
 * (clamped 1). At most XN_PFL_MAX_REGIONS: XN_ERR_SIZE when full; XN_ERR_RANGE for an unknown
 * region, a radius that is not finite and > 0, a non-finite centre. */
#define XN_PFL_MAX_REGIONS 8
xn_status xn_pfl_add_region(xn_pfl *p, xn_body_region region, const xn_real centre[3],
                            xn_real radius, int clamped, xn_error *err);
void xn_pfl_clear_regions(xn_pfl *p);
int xn_pfl_nregions(const xn_pfl *p);
/** The collaborative tool-speed limit (m/s; 0: none): the tool point's speed anywhere. */
void xn_pfl_set_tool_speed_limit(xn_pfl *p, xn_real speed);
/** 1 when the monitor has something to check (a region or a tool-speed limit). */
int xn_pfl_active(const xn_pfl *p);

/** The robot's effective mass (kg) at a point along unit direction u (world): 1 / (u^T J M^-1
 * J^T u), J the point's translational Jacobian (3 x nv, world axes). Needs M factored in d
 * (xn_dyn_crba and xn_dyn_factor at q); work holds nv entries. */
xn_real xn_effective_mass(const xn_model *m, const xn_data *d, const xn_real *J, const xn_real u[3],
                          xn_real *work);

/** What the monitor found at one configuration. */
typedef struct {
    xn_real scale;    /**< largest factor (<= 1, or 1) by which the joint velocity may be
                           multiplied so that every watched point in a region is under its
                           limit: min over those points of v_allowed / v_point */
    int point;        /**< the watched point that sets scale (-1: none) */
    int region;       /**< its contact region (-1: none) */
    xn_real speed;    /**< that point's speed (m/s) */
    xn_real allowed;  /**< and its limit there (m/s) */
    xn_real eff_mass; /**< the robot's effective mass there (kg) */
} xn_pfl_check;

/** Check the joint velocity qd (nv) at q (nq): for every watched point inside a region, its
 * speed against the region's limit at the robot's effective mass along the point's direction
 * of motion, and the tool point's speed against the tool-speed limit (points moving slower than
 * 1 mm/s are skipped). region is -1 in out when the tool-speed limit is what binds. Runs the
 * joint Jacobians, and CRBA and the factorization when a point is inside a region, in d.
 * Returns the number of points inside a region. */
int xn_pfl_check_motion(xn_pfl *p, const xn_model *m, xn_data *d, const xn_real *q,
                        const xn_real *qd, xn_pfl_check *out);

/** The name of watched point i (the body's name, or "tool"); "" out of range. */
const char *xn_pfl_point_name(const xn_pfl *p, const xn_model *m, int i);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
