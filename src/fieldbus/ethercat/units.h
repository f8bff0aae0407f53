/* Drive units, shared by the backend and the virtual drives: a value in a drive's integer units
 * (counts, per mille) rounded and held inside int32 (NaN: 0); the scales a bus description gives
 * a joint; an object of 1, 2 or 4 bytes in process data, signed. Not installed.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_UNITS_H
#define XN_ECAT_UNITS_H

#include <math.h>
#include <stdint.h>

#include "fieldbus/ethercat/frame.h"
#include "xiaonao/ethercat.h"

static inline int32_t xn_ecat_to_counts(double x) {
    double c = nearbyint(x);
    return !(c == c)           ? 0
           : c > 2147483647.0  ? 2147483647
           : c < -2147483647.0 ? -2147483647
                               : (int32_t)c;
}

/* counts of 0x6064 / 0x607A per rad (or m) at the joint: the encoder, the gear, the direction */
static inline double xn_ecat_counts_per_unit(const xn_ecat_bus_joint *j) {
    return j->counts_per_rev * j->gear_ratio * j->direction / 6.283185307179586;
}

/* per mille of rated torque (0x6071 / 0x6077) per N m (or N) at the joint */
static inline double xn_ecat_permille_per_nm(const xn_ecat_bus_joint *j) {
    return 1000.0 / (j->rated_torque * j->gear_ratio) * j->direction;
}

/* a signed object of `bytes` (1, 2 or 4) at p */
static inline int32_t xn_ecat_get_sized(const uint8_t *p, int bytes) {
    return bytes == 1   ? (int8_t)p[0]
           : bytes == 2 ? (int16_t)xn_ecat_get16(p)
                        : (int32_t)xn_ecat_get32(p);
}

static inline void xn_ecat_put_sized(uint8_t *p, int bytes, int32_t v) {
    if (bytes == 1)
        p[0] = (uint8_t)v;
    else if (bytes == 2)
        xn_ecat_put16(p, (uint16_t)v);
    else
        xn_ecat_put32(p, (uint32_t)v);
}

#endif
