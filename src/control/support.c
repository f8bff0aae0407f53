/* Support polygons (see support.h). SPDX-License-Identifier: Apache-2.0 */
#include "control/support.h"

#include <math.h>

static xn_real cross(const xn_real o[2], const xn_real a[2], const xn_real b[2]) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

int xn_support_hull(const xn_real (*pts)[2], int n, xn_real (*hull)[2]) {
    if (n <= 0) return 0;
    if (n > XN_SUPPORT_MAX) n = XN_SUPPORT_MAX;
    xn_real p[XN_SUPPORT_MAX][2];
    for (int i = 0; i < n; i++) p[i][0] = pts[i][0], p[i][1] = pts[i][1];
    for (int i = 1; i < n; i++) /* sort by x, then y */
        for (int k = i;
             k > 0 && (p[k][0] < p[k - 1][0] || (p[k][0] == p[k - 1][0] && p[k][1] < p[k - 1][1]));
             k--) {
            xn_real t0 = p[k][0], t1 = p[k][1];
            p[k][0] = p[k - 1][0], p[k][1] = p[k - 1][1];
            p[k - 1][0] = t0, p[k - 1][1] = t1;
        }
    xn_real h[2 * XN_SUPPORT_MAX][2];
    int m = 0;
    for (int i = 0; i < n; i++) { /* lower chain */
        while (m >= 2 && cross(h[m - 2], h[m - 1], p[i]) <= 0) m--;
        h[m][0] = p[i][0], h[m][1] = p[i][1], m++;
    }
    for (int i = n - 2, lower = m + 1; i >= 0; i--) { /* upper chain */
        while (m >= lower && cross(h[m - 2], h[m - 1], p[i]) <= 0) m--;
        h[m][0] = p[i][0], h[m][1] = p[i][1], m++;
    }
    if (m > 1) m--; /* the last point repeats the first */
    if (m > XN_SUPPORT_MAX) m = XN_SUPPORT_MAX;
    for (int i = 0; i < m; i++) hull[i][0] = h[i][0], hull[i][1] = h[i][1];
    return m;
}

int xn_support_shrink(const xn_real (*poly)[2], int n, xn_real margin, xn_real (*out)[2]) {
    xn_real cx = 0, cy = 0;
    for (int i = 0; i < n; i++) cx += poly[i][0], cy += poly[i][1];
    if (n > 0) cx /= n, cy /= n;
    if (n < 3 || margin <= 0) {
        for (int i = 0; i < n; i++) out[i][0] = poly[i][0], out[i][1] = poly[i][1];
        if (n > 0 && n < 3 && margin > 0) { /* a segment or a point: its middle */
            out[0][0] = cx, out[0][1] = cy;
            return 1;
        }
        return n;
    }
    /* each edge i (from vertex i to i+1) as n_i . x <= d_i, moved in by the margin */
    xn_real nx[XN_SUPPORT_MAX], ny[XN_SUPPORT_MAX], dd[XN_SUPPORT_MAX];
    for (int i = 0; i < n; i++) {
        const xn_real *a = poly[i], *b = poly[(i + 1) % n];
        xn_real ex = b[0] - a[0], ey = b[1] - a[1], len = sqrt(ex * ex + ey * ey);
        if (len == 0) len = 1;
        nx[i] = ey / len, ny[i] = -ex / len; /* outward for a counter-clockwise polygon */
        dd[i] = nx[i] * a[0] + ny[i] * a[1] - margin;
    }
    int m = 0;
    for (int i = 0; i < n; i++) { /* vertex i+1 of the moved polygon: edges i and i+1 */
        int j = (i + 1) % n;
        xn_real det = nx[i] * ny[j] - ny[i] * nx[j];
        if (fabs(det) < 1e-12) continue;
        xn_real x = (dd[i] * ny[j] - ny[i] * dd[j]) / det,
                y = (nx[i] * dd[j] - dd[i] * nx[j]) / det;
        int inside = 1; /* a vertex outside another moved edge: the margin is too large */
        for (int k = 0; k < n && inside; k++) inside = nx[k] * x + ny[k] * y <= dd[k] + 1e-9;
        if (!inside) {
            out[0][0] = cx, out[0][1] = cy;
            return 1;
        }
        out[m][0] = x, out[m][1] = y, m++;
    }
    return m;
}

xn_real xn_support_clamp(const xn_real (*poly)[2], int n, const xn_real p[2], xn_real out[2]) {
    out[0] = p[0], out[1] = p[1];
    if (n <= 0) return 0;
    if (n == 1) {
        out[0] = poly[0][0], out[1] = poly[0][1];
        return hypot(p[0] - out[0], p[1] - out[1]);
    }
    int inside = n >= 3;
    for (int i = 0; i < n && inside; i++) inside = cross(poly[i], poly[(i + 1) % n], p) >= 0;
    if (inside) return 0;
    xn_real best = INFINITY;
    for (int i = 0; i < (n == 2 ? 1 : n); i++) { /* the nearest point on each edge */
        const xn_real *a = poly[i], *b = poly[(i + 1) % n];
        xn_real ex = b[0] - a[0], ey = b[1] - a[1], l2 = ex * ex + ey * ey;
        xn_real s = l2 > 0 ? ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / l2 : 0;
        s = s < 0 ? 0 : s > 1 ? 1 : s;
        xn_real qx = a[0] + s * ex, qy = a[1] + s * ey, dist = hypot(p[0] - qx, p[1] - qy);
        if (dist < best) best = dist, out[0] = qx, out[1] = qy;
    }
    return best;
}
