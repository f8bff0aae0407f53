/* The cycle statistics' histogram: its bins tile [0, inf) without gap or overlap, each at most
 * 0.58 % wider than its lower edge from 100 ns to 10 ms; every duration lands in the bin whose
 * edges hold it; quantiles of a known set (1 to 1000 us, one sample each) are their true values
 * to the bin's resolution, never below them. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>

#include "test_util.h"
#include "xiaonao/runtime.h"

/* the bin one sample lands in */
static int bin_of(xn_stats *s, double ns) {
    xn_stats_reset(s);
    xn_stats_add(s, ns);
    for (int k = 0; k < XN_STATS_BINS; k++)
        if (s->bins[k]) return k;
    return -1;
}

int main(void) {
    xn_stats *s = malloc(sizeof *s);
    if (!s) return 1;
    double worst_gap = 0, widest = 0, prev_hi = 0;
    for (int k = 0; k < XN_STATS_BINS; k++) {
        double lo, hi;
        xn_stats_bin_edges(k, &lo, &hi);
        worst_gap = xt_max(worst_gap, fabs(lo - prev_hi) / (prev_hi > 0 ? prev_hi : 1));
        if (k > 0 && k < XN_STATS_BINS - 1) widest = xt_max(widest, (hi - lo) / lo);
        prev_hi = hi;
    }
    double lo0, hi0, lo1, hi1, lon, hin;
    xn_stats_bin_edges(0, &lo0, &hi0);
    xn_stats_bin_edges(1, &lo1, &hi1);
    xn_stats_bin_edges(XN_STATS_BINS - 1, &lon, &hin);
    XT_CHECK(worst_gap < 1e-12 && lo0 == 0 && hi0 == 100 && fabs(lon - 1e7) < 1e-3 && hin > 1e299,
             "the bins tile [0, inf): gap %.2g, first [0, 100 ns), overflow from %.6g ns",
             worst_gap, lon);
    XT_CHECK(widest <= 0.0058 && widest > 0.0057, "each at most 0.58 %% wide (%.4f %%)",
             100 * widest);
    int misplaced = 0, tried = 0;
    for (double ns = 1; ns < 3e7; ns *= 1.0013, tried++) {
        int k = bin_of(s, ns);
        double lo, hi;
        xn_stats_bin_edges(k, &lo, &hi);
        misplaced += !(lo <= ns * (1 + 1e-12) && ns < hi * (1 + 1e-12));
    }
    XT_CHECK(misplaced == 0 && tried > 10000, "%d of %d durations (1 ns to 30 ms) in their bin",
             tried - misplaced, tried);
    XT_CHECK(bin_of(s, NAN) == 0 && bin_of(s, -5) == 0 && bin_of(s, 1e12) == XN_STATS_BINS - 1,
             "NaN and negative durations in the first bin, 1000 s in the overflow");
    xn_stats_reset(s);
    for (int us = 1000; us >= 1; us--) xn_stats_add(s, us * 1000.0);
    double p50 = xn_stats_quantile(s, 0.5) * 1e-3, p99 = xn_stats_quantile(s, 0.99) * 1e-3,
           p999 = xn_stats_quantile(s, 0.999) * 1e-3, pmax = xn_stats_quantile(s, 1) * 1e-3;
    XT_CHECK(p50 >= 500 && p50 <= 500 * 1.0058 && p99 >= 990 && p99 <= 990 * 1.0058 &&
                 p999 >= 999 && p999 <= 1000 && pmax == 1000 && s->count == 1000 &&
                 s->max_ns == 1e6,
             "quantiles of 1..1000 us: p50 %.2f, p99 %.2f, p99.9 %.2f, max %.0f us", p50, p99, p999,
             pmax);
    xn_stats_reset(s);
    for (int i = 0; i < 100; i++) xn_stats_add(s, 200e3 + i); /* a humanoid's 200 us step */
    double q = xn_stats_quantile(s, 0.99) * 1e-3;
    XT_CHECK(q >= 200.099 && q <= 200.1 * 1.0058, "at 200 us, p99 known to %.2f us (%.2f)",
             q - 200.099, q);
    free(s);
    return xt_done("test_stats");
}
