/* Drive units: a value in a drive's integer units (counts, per mille), rounded and held inside
 * int32 (NaN: 0), shared by the backend and the virtual drives. Not installed.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_UNITS_H
#define XN_ECAT_UNITS_H

#include <math.h>
#include <stdint.h>

static inline int32_t xn_ecat_to_counts(double x) {
    double c = nearbyint(x);
    return !(c == c)           ? 0
           : c > 2147483647.0  ? 2147483647
           : c < -2147483647.0 ? -2147483647
                               : (int32_t)c;
}

#endif
