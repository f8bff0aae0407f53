/* xiaonao: the floating base's state from the robot's own sensors: orientation and angular
 * velocity from the IMU, position and linear velocity from the legs' kinematics, assuming that
 * the feet in stance do not slip. What a whole-body controller uses instead of a simulator's
 * true state. No allocation after creation. SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_ESTIMATOR_H
#define XIAONAO_ESTIMATOR_H

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_ESTIMATOR_MAX_FEET 4

typedef struct xn_base_estimator xn_base_estimator;

/** An estimator for model m (its first joint free) with the given foot frames (nfeet entries,
 * copied) into *out (free with xn_base_estimator_free). XN_ERR_INVALID when the model has no
 * floating base, XN_ERR_RANGE when nfeet is not 1 to XN_ESTIMATOR_MAX_FEET or a foot frame is
 * not one of m's, XN_ERR_NOMEM; err (may be NULL) names the parameter. *out is NULL on failure. */
xn_status xn_base_estimator_create(const xn_model *m, int nfeet, const int *foot_frame,
                                   xn_base_estimator **out, xn_error *err);
void xn_base_estimator_free(xn_base_estimator *e);

/** Give foot `foot` its sole's corners (4, in the foot frame, m): a stance foot that tilts
 * (rolls onto an edge or a corner, its corners' heights more than 0.5 mm apart) is then anchored at
 * its lowest edge, the point it rolls about, instead of the frame's origin. NULL: no sole. */
void xn_base_estimator_set_sole(xn_base_estimator *e, int foot, const xn_real corners[4][3]);

/** Start from a known base position (world, m): the stance feet's anchors are where the
 * kinematics put them at q (nq: the joints and the base's orientation filled in). */
void xn_base_estimator_reset(xn_base_estimator *e, const xn_real *q, const xn_real position[3]);

/** Filter the IMU's orientation (off by default: it is used as it comes): a complementary
 * filter that integrates the gyro over dt (s, the update period) and corrects toward the IMU's
 * orientation with the time constant time_constant (s; 0: off). White noise on the orientation
 * is averaged over about the time constant; a gyro bias b leaves an error of about
 * b x time_constant. The filter starts from the first orientation after this call or a reset.
 * XN_ERR_RANGE for a negative or non-finite time constant, or a dt that is not > 0. */
xn_status xn_base_estimator_set_orientation_filter(xn_base_estimator *e, xn_real time_constant,
                                                   xn_real dt, xn_error *err);

/** One update. In: q (nq) with the joints measured and the base's orientation (q[3..6], w x y
 * z) from the IMU (replaced by the filtered one when the filter is on); gyro (3, base frame) and
 * joint velocities in v[6..]; stance (nfeet flags, NULL: all). Out: q's base position and v's first
 * six (linear velocity in the base frame, then the gyro's angular velocity). A foot that touches
 * down is anchored where it is. */
void xn_base_estimator_update(xn_base_estimator *e, xn_real *q, xn_real *v, const xn_real gyro[3],
                              const unsigned char *stance);

/** How far apart (m) the stance feet placed the base at the last update: 0 while they agree (or
 * fewer than two stand); it grows when a foot that is taken as still slides. */
xn_real xn_base_estimator_slip(const xn_base_estimator *e);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
