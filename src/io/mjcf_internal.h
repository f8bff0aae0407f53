/* Shared declarations of the MJCF loader's parts. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MJCF_INTERNAL_H
#define XN_MJCF_INTERNAL_H

#include "xiaonao/types.h"

/* MuJoCo's primitive geom types that carry volume. */
typedef enum {
    XN_GEOM_SPHERE,
    XN_GEOM_CAPSULE,
    XN_GEOM_CYLINDER,
    XN_GEOM_BOX,
    XN_GEOM_ELLIPSOID
} xn_geom_shape;

/* Volume (m^3) of a primitive with MuJoCo's size convention: sphere (r), capsule and cylinder
 * (r, half-length of the cylindrical part), box (half-sizes), ellipsoid (semi-axes). */
xn_real xn_geom_volume(xn_geom_shape shape, const xn_real size[3]);
/* Rotational inertia about the centre (principal axes = the geom's axes) of a solid primitive
 * of the given mass: {Ixx, Iyy, Izz}. */
void xn_geom_inertia(xn_geom_shape shape, const xn_real size[3], xn_real mass, xn_real I[3]);

#endif
