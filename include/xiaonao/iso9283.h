/* xiaonao: the performance characteristics of ISO 9283:1998 (Manipulating industrial robots:
 * performance criteria and related test methods), computed from measured positions as the
 * standard defines them. Positions in metres, orientations in radians (the standard's a, b, c
 * angles about x, y, z), times in seconds; standard deviations with n - 1.
 *
 *   pose accuracy        AP_P = |mean - commanded|, AP_x, AP_y, AP_z per axis
 *   pose repeatability   RP_l = mean(l) + 3 S_l, l_j the distance of attained pose j from the mean
 *   orientation          AP_a = mean(a) - a_c (b, c alike); RP_a = 3 S_a
 *   distance             AD = mean(D) - D_c; RD = 3 S_D, D_j = |P1_j - P2_j|, D_c = |C1 - C2|
 *   stabilization        the time from the command's arrival until the position stays within
 *                        the band about the attained pose; overshoot: the largest distance from
 *                        it after first entering the band
 *   drift                dAP = |AP(first cycles) - AP(last)|, dRP likewise
 *   path accuracy        AT_P = max over the commanded path's points of the distance from the
 *                        attained paths' barycentre (each path cut by the plane normal to the
 *                        commanded path there); path repeatability RT_P = max (mean l + 3 S_l)
 *   cornering            CR: the attained path's closest approach to the corner; CO: its
 *                        largest distance from the second segment's line after the corner
 * Pure computation, no allocation beyond the caller's arrays. SPDX-License-Identifier: Apache-2.0
 */
#ifndef XIAONAO_ISO9283_H
#define XIAONAO_ISO9283_H

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Pose accuracy and repeatability of n attained positions (n x 3) for one commanded position. */
typedef struct {
    xn_real ap, ap_axis[3]; /**< AP_P and AP_x, AP_y, AP_z (m) */
    xn_real rp;             /**< RP_l (m) */
    xn_real mean[3];        /**< the barycentre of the attained positions (m) */
    xn_real l_mean, s_l;    /**< mean(l) and S_l (m) */
} xn_iso_pose;
/** XN_ERR_SIZE for n < 2; XN_ERR_RANGE for a non-finite coordinate. */
xn_status xn_iso9283_pose(const xn_real commanded[3], const xn_real *attained, int n,
                          xn_iso_pose *out, xn_error *err);

/** Orientation accuracy AP_a, AP_b, AP_c and repeatability RP_a, RP_b, RP_c (rad) of n attained
 * orientations (n x 3 angles) for one commanded (3 angles). Differences are wrapped to (-pi, pi].
 */
xn_status xn_iso9283_orientation(const xn_real commanded[3], const xn_real *attained, int n,
                                 xn_real ap[3], xn_real rp[3], xn_error *err);

/** Distance accuracy AD and repeatability RD (m) between two poses: commanded c1, c2 (3 each),
 * attained a1, a2 (n x 3 each, cycle by cycle). */
xn_status xn_iso9283_distance(const xn_real c1[3], const xn_real c2[3], const xn_real *a1,
                              const xn_real *a2, int n, xn_real *ad, xn_real *rd, xn_error *err);

/** Stabilization time (s) and overshoot (m) of one approach: positions pos (m x 3) at times t
 * (m, increasing); the command arrived at t_arrive; the attained pose is the mean of the samples
 * in the last `settled` seconds; band: the limit's radius (m). The time is 0 when the robot is
 * inside the band from t_arrive on; XN_ERR_RANGE when it never stays inside. */
xn_status xn_iso9283_stabilization(const xn_real *t, const xn_real *pos, int m, xn_real t_arrive,
                                   xn_real settled, xn_real band, xn_real *time, xn_real *overshoot,
                                   xn_error *err);

/** Path accuracy AT_P and repeatability RT_P (m) of n attained paths (path k: npts[k] points,
 * paths[k] of npts[k] x 3) against the commanded path (ncmd x 3 points, polyline), judged at
 * `nplanes` points spread evenly along the commanded path's length (its ends excluded). A path
 * that a plane does not cut near the commanded point (within `reach`, m) is an error naming the
 * path and the point. */
xn_status xn_iso9283_path(const xn_real *commanded, int ncmd, const xn_real *const *paths,
                          const int *npts, int n, int nplanes, xn_real reach, xn_real *at,
                          xn_real *rt, xn_error *err);

/** Cornering round-off CR and overshoot CO (m) of one attained path (m x 3) at a corner (3) whose
 * second segment leaves along `dir_out` (3, need not be unit). */
xn_status xn_iso9283_corner(const xn_real corner[3], const xn_real dir_out[3], const xn_real *path,
                            int m, xn_real *cr, xn_real *co, xn_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
