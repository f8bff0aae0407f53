/* Mass properties of MJCF primitive geoms, for bodies whose inertia MuJoCo infers from their
 * geoms (closed forms for uniform solids). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "io/mjcf_internal.h"

#define XN_PI 3.14159265358979323846

xn_real xn_geom_volume(xn_geom_shape shape, const xn_real s[3]) {
    switch (shape) {
    case XN_GEOM_SPHERE: return 4.0 / 3.0 * XN_PI * s[0] * s[0] * s[0];
    case XN_GEOM_CAPSULE:
        return XN_PI * s[0] * s[0] * (2 * s[1]) + 4.0 / 3.0 * XN_PI * s[0] * s[0] * s[0];
    case XN_GEOM_CYLINDER: return XN_PI * s[0] * s[0] * 2 * s[1];
    case XN_GEOM_BOX: return 8 * s[0] * s[1] * s[2];
    case XN_GEOM_ELLIPSOID: return 4.0 / 3.0 * XN_PI * s[0] * s[1] * s[2];
    }
    return 0;
}

void xn_geom_inertia(xn_geom_shape shape, const xn_real s[3], xn_real mass, xn_real I[3]) {
    switch (shape) {
    case XN_GEOM_SPHERE: I[0] = I[1] = I[2] = 0.4 * mass * s[0] * s[0]; break;
    case XN_GEOM_CAPSULE: {
        /* a cylinder of height h and two hemispherical caps; the caps' mass share follows the
         * volumes, and each cap's inertia is shifted to its own centre (3r/8 from its base) */
        xn_real r = s[0], h = 2 * s[1];
        xn_real vc = XN_PI * r * r * h, vs = 4.0 / 3.0 * XN_PI * r * r * r;
        xn_real ms = mass * vs / (vc + vs), mc = mass - ms;
        I[0] = I[1] =
            mc * (3 * r * r + h * h) / 12 + ms * (0.4 * r * r + h * h / 4 + 3 * h * r / 8);
        I[2] = mc * r * r / 2 + ms * 0.4 * r * r;
        break;
    }
    case XN_GEOM_CYLINDER: {
        xn_real r = s[0], h = 2 * s[1];
        I[0] = I[1] = mass * (3 * r * r + h * h) / 12;
        I[2] = mass * r * r / 2;
        break;
    }
    case XN_GEOM_BOX:
        I[0] = mass * (s[1] * s[1] + s[2] * s[2]) / 3;
        I[1] = mass * (s[0] * s[0] + s[2] * s[2]) / 3;
        I[2] = mass * (s[0] * s[0] + s[1] * s[1]) / 3;
        break;
    case XN_GEOM_ELLIPSOID:
        I[0] = mass * (s[1] * s[1] + s[2] * s[2]) / 5;
        I[1] = mass * (s[0] * s[0] + s[2] * s[2]) / 5;
        I[2] = mass * (s[0] * s[0] + s[1] * s[1]) / 5;
        break;
    }
}
