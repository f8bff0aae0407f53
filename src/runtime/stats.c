/* Cycle statistics: a fixed histogram (no allocation, constant time per sample) with 0.1 us
 * resolution where control steps live and 10 us resolution up to 10 ms for wake-up jitter.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "xiaonao/runtime.h"

#define FINE_NS 100.0 /* bins 0..999: 100 ns each, to 100 us */
#define COARSE_NS 1e4 /* bins 1000..1999: 10 us each, to 10.1 ms */
#define FINE_BINS 1000
#define COARSE_BINS 1000 /* then one overflow bin */

void xn_stats_reset(xn_stats *s) { memset(s, 0, sizeof *s); }

static int bin_of(double ns) {
    if (!(ns > 0)) return 0;
    if (ns < FINE_NS * FINE_BINS) return (int)(ns / FINE_NS);
    double k = (ns - FINE_NS * FINE_BINS) / COARSE_NS;
    if (k >= COARSE_BINS) return FINE_BINS + COARSE_BINS;
    return FINE_BINS + (int)k;
}

void xn_stats_bin_edges(int k, double *lo, double *hi) {
    if (k < FINE_BINS) {
        *lo = k * FINE_NS;
        *hi = (k + 1) * FINE_NS;
    } else if (k < FINE_BINS + COARSE_BINS) {
        *lo = FINE_NS * FINE_BINS + (k - FINE_BINS) * COARSE_NS;
        *hi = *lo + COARSE_NS;
    } else {
        *lo = FINE_NS * FINE_BINS + COARSE_BINS * COARSE_NS;
        *hi = 1e300;
    }
}

void xn_stats_add(xn_stats *s, double ns) {
    if (ns < 0) ns = 0;
    s->count++;
    s->sum_ns += ns;
    if (ns > s->max_ns) s->max_ns = ns;
    s->bins[bin_of(ns)]++;
}

double xn_stats_quantile(const xn_stats *s, double p) {
    if (s->count == 0) return 0;
    long rank = (long)(p * (double)s->count + 0.5);
    if (rank < 1) rank = 1;
    if (rank >= s->count) return s->max_ns;
    long acc = 0;
    for (int k = 0; k < XN_STATS_BINS; k++) {
        acc += s->bins[k];
        if (acc >= rank) {
            double lo, hi;
            xn_stats_bin_edges(k, &lo, &hi);
            return hi < s->max_ns ? hi : s->max_ns;
        }
    }
    return s->max_ns;
}
