/* xiaonao: rigid transforms, rotations and quaternions (public part of the math layer).
 * Conventions: rotation matrices are row-major 3x3 arrays; quaternions are (w, x, y, z);
 * spatial vectors are 6 numbers, linear part first, then angular.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_SPATIAL_H
#define XIAONAO_SPATIAL_H

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** A rigid placement of frame B in frame A: a point x_B maps to x_A = R x_B + p.
 * R (row-major) holds B's axes as columns expressed in A; p is B's origin in A (metres). */
typedef struct {
    xn_real R[9];
    xn_real p[3];
} xn_se3;

/** Rigid-body inertia about a body's frame origin, in body axes.
 * m: mass (kg); h = m * c, first moment (kg m), c the centre of mass;
 * I: rotational inertia about the frame origin (not the centre of mass), packed
 * symmetric as {Ixx, Iyy, Izz, Ixy, Ixz, Iyz} (kg m^2). */
typedef struct {
    xn_real m;
    xn_real h[3];
    xn_real I[6];
} xn_inertia;

/** The identity placement. */
void xn_se3_identity(xn_se3 *X);
/** out = a * b (frame composition: b expressed in a's frame). out may alias a or b. */
void xn_se3_mul(xn_se3 *out, const xn_se3 *a, const xn_se3 *b);
/** out = X^-1. out may alias X. */
void xn_se3_inv(xn_se3 *out, const xn_se3 *X);
/** Rotation matrix from a quaternion (w, x, y, z); the quaternion is normalized first.
 * Returns XN_ERR_RANGE (R untouched) for a zero or non-finite quaternion. */
xn_status xn_quat_to_rot(const xn_real q[4], xn_real R[9]);
/** Unit quaternion (w, x, y, z, with w >= 0) from a rotation matrix. */
void xn_rot_to_quat(const xn_real R[9], xn_real q[4]);
/** Rotation of `angle` radians about the unit axis `axis` (Rodrigues' formula). */
void xn_rot_axis_angle(const xn_real axis[3], xn_real angle, xn_real R[9]);
/** The rotation vector of R (axis times angle, angle in [0, pi]): the inverse of
 * xn_rot_axis_angle, accurate to rounding at every angle including 0 and pi. */
void xn_rot_log(const xn_real R[9], xn_real w[3]);
/** Rotation from roll, pitch, yaw as URDF defines it: R = Rz(yaw) Ry(pitch) Rx(roll). */
void xn_rot_rpy(xn_real roll, xn_real pitch, xn_real yaw, xn_real R[9]);

/** The smallest rotation taking the z axis to the direction z (need not be unit; must not be zero):
 * MJCF's zaxis, a capsule's fromto, a URDF planar joint's normal. */
void xn_rot_from_z(const xn_real z[3], xn_real R[9]);
/** out = R S R^T for a symmetric 3x3 S packed {xx, yy, zz, xy, xz, yz} (an inertia expressed in
 * rotated axes). out may alias S. */
void xn_sym3_rotate(const xn_real R[9], const xn_real S[6], xn_real out[6]);

/** Inertia about the frame origin from mass (kg), centre of mass c (m, body axes) and the
 * rotational inertia about the centre of mass Ic = {Ixx, Iyy, Izz, Ixy, Ixz, Iyz}. */
void xn_inertia_from_com(xn_real mass, const xn_real c[3], const xn_real Ic[6], xn_inertia *out);
/** Inverse of xn_inertia_from_com: the centre of mass and the inertia about it (zero mass gives
 * c = 0 and Ic = I). */
void xn_inertia_to_com(const xn_inertia *in, xn_real c[3], xn_real Ic[6]);
/** The inertia of a body expressed in frame A, where X places the body's frame in A. */
void xn_inertia_transform(const xn_se3 *X, const xn_inertia *in, xn_inertia *out);
/** out = a + b (both about the same origin, same axes). out may alias a or b. */
void xn_inertia_add(xn_inertia *out, const xn_inertia *a, const xn_inertia *b);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
