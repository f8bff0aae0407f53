/* Support polygons (src/control/support.c) against brute force on random point sets: the hull
 * holds every point and is convex and counter-clockwise with its vertices among the points; the
 * shrunk polygon's vertices lie exactly the margin inside the nearest edges; the clamp's point is
 * the nearest point of the polygon (against 20,000 samples of its boundary, to 1e-4 of the size).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdint.h>

#include "control/support.h"
#include "test_util.h"

static uint64_t seed = 99;
static double rnd(void) { /* [-1, 1) */
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(seed >> 11) / 4503599627370496.0 - 1;
}

static double cross(const double o[2], const double a[2], const double b[2]) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/* distance from p to the segment ab */
static double seg_dist(const double a[2], const double b[2], const double p[2]) {
    double ex = b[0] - a[0], ey = b[1] - a[1], l2 = ex * ex + ey * ey;
    double s = l2 > 0 ? ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / l2 : 0;
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    return hypot(p[0] - a[0] - s * ex, p[1] - a[1] - s * ey);
}

int main(void) {
    int hull_bad = 0, shrink_bad = 0, clamp_bad = 0, inside_bad = 0;
    for (int trial = 0; trial < 500; trial++) {
        int n = 3 + trial % 12;
        double pts[16][2], hull[16][2], in[16][2];
        for (int i = 0; i < n; i++) pts[i][0] = 0.2 * rnd(), pts[i][1] = 0.1 * rnd();
        int nh = xn_support_hull(pts, n, hull);
        /* convex, counter-clockwise, vertices from the input, every point inside */
        for (int i = 0; i < nh; i++) {
            if (cross(hull[i], hull[(i + 1) % nh], hull[(i + 2) % nh]) <= 0) hull_bad++;
            int found = 0;
            for (int k = 0; k < n; k++) found |= hull[i][0] == pts[k][0] && hull[i][1] == pts[k][1];
            if (!found) hull_bad++;
        }
        for (int k = 0; k < n; k++)
            for (int i = 0; i < nh; i++)
                if (cross(hull[i], hull[(i + 1) % nh], pts[k]) < -1e-12) hull_bad++;
        /* shrink: each vertex exactly the margin inside its two edges, inside every edge */
        double margin = 0.01;
        int ns = xn_support_shrink(hull, nh, margin, in);
        if (ns > 1) {
            for (int i = 0; i < ns; i++) {
                double mind = INFINITY;
                for (int e = 0; e < nh; e++) {
                    const double *a = hull[e], *b = hull[(e + 1) % nh];
                    double len = hypot(b[0] - a[0], b[1] - a[1]);
                    double sd = cross(a, b, in[i]) / len; /* signed distance inside */
                    if (sd < margin - 1e-9) shrink_bad++;
                    mind = xt_min(mind, sd);
                }
                if (fabs(mind - margin) > 1e-9) shrink_bad++;
            }
        }
        /* clamp: inside points stay, outside points go to the nearest boundary point */
        for (int t = 0; t < 5; t++) {
            double p[2] = {0.4 * rnd(), 0.2 * rnd()}, out[2];
            double d = xn_support_clamp(hull, nh, p, out);
            int inside = 1;
            for (int i = 0; i < nh; i++) inside &= cross(hull[i], hull[(i + 1) % nh], p) >= 0;
            if (inside) {
                if (d != 0 || out[0] != p[0] || out[1] != p[1]) inside_bad++;
                continue;
            }
            double best = INFINITY;
            for (int e = 0; e < nh; e++)
                best = xt_min(best, seg_dist(hull[e], hull[(e + 1) % nh], p));
            double on = INFINITY; /* the result lies on the boundary */
            for (int e = 0; e < nh; e++)
                on = xt_min(on, seg_dist(hull[e], hull[(e + 1) % nh], out));
            if (fabs(d - best) > 1e-12 || on > 1e-12 ||
                fabs(hypot(out[0] - p[0], out[1] - p[1]) - d) > 1e-12)
                clamp_bad++;
        }
    }
    XT_CHECK(hull_bad == 0, "hulls: %d defects in 500 random sets", hull_bad);
    XT_CHECK(shrink_bad == 0, "shrunk polygons: %d vertices not the margin inside", shrink_bad);
    XT_CHECK(inside_bad == 0, "clamp moved %d points that were inside", inside_bad);
    XT_CHECK(clamp_bad == 0, "clamp: %d points not sent to the nearest boundary point", clamp_bad);
    /* a margin larger than the polygon allows: its centroid */
    double sq[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}}, c[4][2];
    int nc = xn_support_shrink(sq, 4, 0.6, c);
    XT_CHECK(nc == 1 && fabs(c[0][0] - 0.5) < 1e-15 && fabs(c[0][1] - 0.5) < 1e-15,
             "over-shrunk square: its centre (%d points)", nc);
    /* degenerate input: a segment's hull, and clamping onto it */
    double seg[3][2] = {{0, 0}, {1, 0}, {0.5, 0}}, hs[3][2], o[2];
    int n2 = xn_support_hull(seg, 3, hs);
    double p[2] = {0.3, 0.4};
    double dd = xn_support_clamp(hs, n2, p, o);
    XT_CHECK(n2 == 2 && fabs(dd - 0.4) < 1e-15 && fabs(o[0] - 0.3) < 1e-15,
             "collinear points: a segment (%d), clamp to it", n2);
    return xt_done("test_support");
}
