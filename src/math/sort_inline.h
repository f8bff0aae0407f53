/* Ascending order for the few values the inner loops sort (roots, breakpoints, candidate
 * durations, a small matrix's eigenvalues): insertion sort, inline, no allocation.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_SORT_INLINE_H
#define XN_SORT_INLINE_H

#include "xiaonao/types.h"

/* x[0 .. n) in ascending order (n small: the work grows as n^2) */
static inline void xn_sort_ascending(xn_real *x, int n) {
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && x[k] < x[k - 1]; k--) {
            xn_real t = x[k];
            x[k] = x[k - 1];
            x[k - 1] = t;
        }
}

#endif
