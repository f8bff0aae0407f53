/* sin and cos of one angle together, inline, for joint angles in the inner loops.
 * libm's sincos costs about 15 ns a call; on a 7-joint arm that is most of forward kinematics.
 * Here: Cody-Waite reduction by pi/2 with a three-part constant (exact for |x| < 1e5), then the
 * Taylor series of sin to x^17 and cos to x^16 on [-pi/4, pi/4], whose truncation errors
 * (< 1e-19 and < 3e-18 relative) are far below double rounding. Measured against libm in
 * tests/math/test_sincos.c: within 2.3e-16. Larger |x|, infinities and NaN go to libm.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_SINCOS_INLINE_H
#define XN_SINCOS_INLINE_H

#include <math.h>

#include "xiaonao/types.h"

static inline void xn_sincos(xn_real x, xn_real *s, xn_real *c) {
    if (!(fabs(x) < 1e5)) {
        *s = sin(x);
        *c = cos(x);
        return;
    }
    static const xn_real two_over_pi = 0.6366197723675814;
    static const xn_real pio2_hi = 1.5707963267341256;     /* 33 bits: k * hi is exact */
    static const xn_real pio2_mid = 6.077100506303966e-11; /* next 33 bits */
    static const xn_real pio2_lo = 2.0222662487959506e-21;
    static const xn_real round_magic = 6755399441055744.0; /* 1.5 * 2^52: adding rounds to int */
    xn_real kf = (x * two_over_pi + round_magic) - round_magic;
    int k = (int)kf;
    xn_real r = ((x - kf * pio2_hi) - kf * pio2_mid) - kf * pio2_lo;
    xn_real z = r * r;
    xn_real sp =
        -1.0 / 6 +
        z * (1.0 / 120 +
             z * (-1.0 / 5040 +
                  z * (1.0 / 362880 +
                       z * (-1.0 / 39916800 +
                            z * (1.0 / 6227020800.0 +
                                 z * (-1.0 / 1307674368000.0 + z * (1.0 / 355687428096000.0)))))));
    xn_real cp =
        1.0 / 24 +
        z * (-1.0 / 720 +
             z * (1.0 / 40320 + z * (-1.0 / 3628800 +
                                     z * (1.0 / 479001600 + z * (-1.0 / 87178291200.0 +
                                                                 z * (1.0 / 20922789888000.0))))));
    xn_real sr = r + r * z * sp;
    xn_real cr = 1 - 0.5 * z + z * z * cp;
    switch (k & 3) {
    case 0:
        *s = sr;
        *c = cr;
        break;
    case 1:
        *s = cr;
        *c = -sr;
        break;
    case 2:
        *s = -sr;
        *c = -cr;
        break;
    default:
        *s = -cr;
        *c = sr;
        break;
    }
}

#endif
