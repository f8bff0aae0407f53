/* ISO 9283:1998 performance characteristics from measured positions (xiaonao/iso9283.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/iso9283.h"

#include <math.h>
#include <stddef.h>

#include "model/error_internal.h"

static xn_real dist3(const xn_real *a, const xn_real *b) {
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

static int finite_all(const xn_real *x, int n) {
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* mean and the sample standard deviation (n - 1) of n values */
static void mean_std(const xn_real *x, int n, xn_real *mean, xn_real *std) {
    xn_real m = 0, s = 0;
    for (int i = 0; i < n; i++) m += x[i];
    m /= n;
    for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
    *mean = m;
    *std = n > 1 ? sqrt(s / (n - 1)) : 0;
}

xn_status xn_iso9283_pose(const xn_real commanded[3], const xn_real *attained, int n,
                          xn_iso_pose *out, xn_error *err) {
    static const char *const fn = "xn_iso9283_pose";
    if (n < 2) return xn_fail(err, XN_ERR_SIZE, fn, "%d attained poses: at least 2", n);
    if (!finite_all(commanded, 3) || !finite_all(attained, 3 * n))
        return xn_fail(err, XN_ERR_RANGE, fn, "a position is not finite");
    for (int r = 0; r < 3; r++) {
        xn_real s = 0;
        for (int j = 0; j < n; j++) s += attained[3 * j + r];
        out->mean[r] = s / n;
        out->ap_axis[r] = out->mean[r] - commanded[r];
    }
    out->ap = dist3(out->mean, commanded);
    /* l_j, then RP = mean(l) + 3 S_l */
    xn_real sum = 0, sq = 0;
    for (int j = 0; j < n; j++) sum += dist3(attained + 3 * j, out->mean);
    out->l_mean = sum / n;
    for (int j = 0; j < n; j++) {
        xn_real d = dist3(attained + 3 * j, out->mean) - out->l_mean;
        sq += d * d;
    }
    out->s_l = sqrt(sq / (n - 1));
    out->rp = out->l_mean + 3 * out->s_l;
    return XN_OK;
}

xn_status xn_iso9283_orientation(const xn_real commanded[3], const xn_real *attained, int n,
                                 xn_real ap[3], xn_real rp[3], xn_error *err) {
    static const char *const fn = "xn_iso9283_orientation";
    if (n < 2) return xn_fail(err, XN_ERR_SIZE, fn, "%d attained orientations: at least 2", n);
    if (!finite_all(commanded, 3) || !finite_all(attained, 3 * n))
        return xn_fail(err, XN_ERR_RANGE, fn, "an angle is not finite");
    const xn_real pi = 3.14159265358979323846;
    for (int r = 0; r < 3; r++) {
        xn_real m = 0, s = 0;
        for (int j = 0; j < n; j++) {
            xn_real d = remainder(attained[3 * j + r] - commanded[r], 2 * pi); /* (-pi, pi] */
            m += d;
        }
        m /= n;
        for (int j = 0; j < n; j++) {
            xn_real d = remainder(attained[3 * j + r] - commanded[r], 2 * pi) - m;
            s += d * d;
        }
        ap[r] = m;
        rp[r] = 3 * sqrt(s / (n - 1));
    }
    return XN_OK;
}

xn_status xn_iso9283_distance(const xn_real c1[3], const xn_real c2[3], const xn_real *a1,
                              const xn_real *a2, int n, xn_real *ad, xn_real *rd, xn_error *err) {
    static const char *const fn = "xn_iso9283_distance";
    if (n < 2) return xn_fail(err, XN_ERR_SIZE, fn, "%d cycles: at least 2", n);
    if (!finite_all(c1, 3) || !finite_all(c2, 3) || !finite_all(a1, 3 * n) ||
        !finite_all(a2, 3 * n))
        return xn_fail(err, XN_ERR_RANGE, fn, "a position is not finite");
    xn_real m = 0, s = 0;
    for (int j = 0; j < n; j++) m += dist3(a1 + 3 * j, a2 + 3 * j);
    m /= n;
    for (int j = 0; j < n; j++) {
        xn_real d = dist3(a1 + 3 * j, a2 + 3 * j) - m;
        s += d * d;
    }
    *ad = m - dist3(c1, c2);
    *rd = 3 * sqrt(s / (n - 1));
    return XN_OK;
}

xn_status xn_iso9283_stabilization(const xn_real *t, const xn_real *pos, int m, xn_real t_arrive,
                                   xn_real settled, xn_real band, xn_real *time, xn_real *overshoot,
                                   xn_error *err) {
    static const char *const fn = "xn_iso9283_stabilization";
    if (m < 2 || !(band > 0) || !(settled > 0))
        return xn_fail(err, XN_ERR_RANGE, fn, "needs 2 samples or more, band > 0, settled > 0");
    if (!finite_all(t, m) || !finite_all(pos, 3 * m) || !isfinite(t_arrive))
        return xn_fail(err, XN_ERR_RANGE, fn, "a time or position is not finite");
    /* the attained pose: the mean over the last `settled` seconds */
    xn_real att[3] = {0, 0, 0};
    int k = 0;
    for (int i = m - 1; i >= 0 && t[m - 1] - t[i] <= settled; i--, k++)
        for (int r = 0; r < 3; r++) att[r] += pos[3 * i + r];
    for (int r = 0; r < 3; r++) att[r] /= k;
    int last_out = -1, first_in = -1;
    for (int i = 0; i < m; i++) {
        if (t[i] < t_arrive) continue;
        xn_real d = dist3(pos + 3 * i, att);
        if (d > band) last_out = i;
        if (d <= band && first_in < 0) first_in = i;
    }
    if (last_out == m - 1 || first_in < 0)
        return xn_fail(err, XN_ERR_RANGE, fn,
                       "the position does not stay within %g m of the attained pose", band);
    *time = last_out < 0 ? 0 : t[last_out + 1] - t_arrive;
    xn_real ov = 0;
    for (int i = first_in; i < m; i++) ov = fmax(ov, dist3(pos + 3 * i, att));
    *overshoot = ov;
    return XN_OK;
}

/* The commanded polyline's point and direction at arc length s. */
static void polyline_at(const xn_real *c, int n, xn_real s, xn_real p[3], xn_real dir[3]) {
    for (int i = 0; i + 1 < n; i++) {
        xn_real len = dist3(c + 3 * i, c + 3 * (i + 1));
        if (s <= len || i + 2 == n) {
            xn_real u = len > 0 ? s / len : 0;
            for (int r = 0; r < 3; r++) {
                p[r] = c[3 * i + r] + u * (c[3 * (i + 1) + r] - c[3 * i + r]);
                dir[r] = len > 0 ? (c[3 * (i + 1) + r] - c[3 * i + r]) / len : 0;
            }
            return;
        }
        s -= len;
    }
}

xn_status xn_iso9283_path(const xn_real *commanded, int ncmd, const xn_real *const *paths,
                          const int *npts, int n, int nplanes, xn_real reach, xn_real *at,
                          xn_real *rt, xn_error *err) {
    static const char *const fn = "xn_iso9283_path";
    if (ncmd < 2 || n < 2 || nplanes < 1 || nplanes > 10000 || !(reach > 0))
        return xn_fail(err, XN_ERR_RANGE, fn,
                       "needs a commanded path of 2 points or more, 2 attained paths or more, "
                       "planes in 1 .. 10000 and reach > 0");
    if (!finite_all(commanded, 3 * ncmd))
        return xn_fail(err, XN_ERR_RANGE, fn, "a commanded point is not finite");
    for (int k = 0; k < n; k++)
        if (npts[k] < 2 || !finite_all(paths[k], 3 * npts[k]))
            return xn_fail_at(err, XN_ERR_RANGE, fn, k,
                              "attained path %d: fewer than 2 points or "
                              "a point not finite",
                              k);
    xn_real length = 0;
    for (int i = 0; i + 1 < ncmd; i++) length += dist3(commanded + 3 * i, commanded + 3 * (i + 1));
    xn_real worst_at = 0, worst_rt = 0;
    for (int i = 0; i < nplanes; i++) {
        xn_real c[3] = {0, 0, 0}, t[3] = {0, 0, 0}, bary[3] = {0, 0, 0}, cut[64][3];
        if (n > 64) return xn_fail(err, XN_ERR_RANGE, fn, "at most 64 attained paths");
        polyline_at(commanded, ncmd, length * (i + 1) / (nplanes + 1), c, t);
        for (int k = 0; k < n; k++) {
            /* where path k crosses the plane through c normal to t, nearest to c */
            const xn_real *p = paths[k];
            xn_real best = INFINITY;
            for (int j = 0; j + 1 < npts[k]; j++) {
                const xn_real *a = p + 3 * j, *b = p + 3 * (j + 1);
                xn_real sa = (a[0] - c[0]) * t[0] + (a[1] - c[1]) * t[1] + (a[2] - c[2]) * t[2];
                xn_real sb = (b[0] - c[0]) * t[0] + (b[1] - c[1]) * t[1] + (b[2] - c[2]) * t[2];
                if ((sa > 0 && sb > 0) || (sa < 0 && sb < 0) || sa == sb) continue;
                xn_real u = sa / (sa - sb), x[3];
                for (int r = 0; r < 3; r++) x[r] = a[r] + u * (b[r] - a[r]);
                xn_real d = dist3(x, c);
                if (d < best) {
                    best = d;
                    for (int r = 0; r < 3; r++) cut[k][r] = x[r];
                }
            }
            if (!(best <= reach))
                return xn_fail_at(err, XN_ERR_RANGE, fn, k,
                                  "attained path %d does not cross the plane at the commanded "
                                  "path's point %d within %g m",
                                  k, i, reach);
            for (int r = 0; r < 3; r++) bary[r] += cut[k][r] / n;
        }
        worst_at = fmax(worst_at, dist3(bary, c));
        xn_real l[64], lm, ls;
        for (int k = 0; k < n; k++) l[k] = dist3(cut[k], bary);
        mean_std(l, n, &lm, &ls);
        worst_rt = fmax(worst_rt, lm + 3 * ls);
    }
    *at = worst_at;
    *rt = worst_rt;
    return XN_OK;
}

xn_status xn_iso9283_corner(const xn_real corner[3], const xn_real dir_out[3], const xn_real *path,
                            int m, xn_real *cr, xn_real *co, xn_error *err) {
    static const char *const fn = "xn_iso9283_corner";
    if (m < 2 || !finite_all(corner, 3) || !finite_all(dir_out, 3) || !finite_all(path, 3 * m))
        return xn_fail(err, XN_ERR_RANGE, fn, "needs 2 finite points or more");
    xn_real un = sqrt(dir_out[0] * dir_out[0] + dir_out[1] * dir_out[1] + dir_out[2] * dir_out[2]);
    if (!(un > 0)) return xn_fail(err, XN_ERR_RANGE, fn, "the outgoing direction is zero");
    xn_real u[3] = {dir_out[0] / un, dir_out[1] / un, dir_out[2] / un};
    /* the outer side: the incoming direction (first point to the corner) beyond the new line */
    xn_real v[3], nn = 0, o[3];
    for (int r = 0; r < 3; r++) v[r] = corner[r] - path[r];
    xn_real vu = v[0] * u[0] + v[1] * u[1] + v[2] * u[2];
    for (int r = 0; r < 3; r++) o[r] = v[r] - vu * u[r], nn += o[r] * o[r];
    nn = sqrt(nn);
    if (!(nn > 0)) return xn_fail(err, XN_ERR_RANGE, fn, "the path does not turn at the corner");
    for (int r = 0; r < 3; r++) o[r] /= nn;
    /* CR: the closest approach of the path's segments to the corner */
    xn_real best = INFINITY, over = 0;
    for (int j = 0; j + 1 < m; j++) {
        const xn_real *a = path + 3 * j, *b = path + 3 * (j + 1);
        xn_real ab[3], ac[3], l2 = 0, dot = 0;
        for (int r = 0; r < 3; r++) {
            ab[r] = b[r] - a[r];
            ac[r] = corner[r] - a[r];
            l2 += ab[r] * ab[r];
            dot += ab[r] * ac[r];
        }
        xn_real s = l2 > 0 ? fmin(fmax(dot / l2, 0), 1) : 0, x[3];
        for (int r = 0; r < 3; r++) x[r] = a[r] + s * ab[r];
        best = fmin(best, dist3(x, corner));
    }
    /* CO: past the corner along the second segment, the furthest beyond its line outward */
    for (int j = 0; j < m; j++) {
        xn_real w[3], along = 0, out = 0;
        for (int r = 0; r < 3; r++) w[r] = path[3 * j + r] - corner[r];
        for (int r = 0; r < 3; r++) along += w[r] * u[r], out += w[r] * o[r];
        if (along > 0) over = fmax(over, out);
    }
    *cr = best;
    *co = over;
    return XN_OK;
}
