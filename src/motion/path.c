/* Geometric paths: lines, circular arcs and circular blends in n dimensions, with orientation
 * interpolated on SO(3) for Cartesian paths (see include/xiaonao/path.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "xiaonao/path.h"

#include "model/error_internal.h"

#define PI 3.14159265358979323846

static xn_real vdot(const xn_real *a, const xn_real *b, int n) {
    xn_real s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
static xn_real vnorm(const xn_real *a, int n) { return sqrt(vdot(a, a, n)); }

static void mat_mul(const xn_real A[9], const xn_real B[9], xn_real C[9]) {
    xn_real T[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            T[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
    memcpy(C, T, sizeof T);
}
static void mat_tmul(const xn_real A[9], const xn_real B[9], xn_real C[9]) { /* A^T B */
    xn_real T[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            T[3 * r + c] = A[r] * B[c] + A[3 + r] * B[3 + c] + A[6 + r] * B[6 + c];
    memcpy(C, T, sizeof T);
}

/* R0 exp(u w): the rotation a fraction u of the way along the body-axes rotation vector w. */
static void rot_along(const xn_real R0[9], const xn_real w[3], xn_real u, xn_real R[9]) {
    xn_real th = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    if (th == 0) {
        memcpy(R, R0, 9 * sizeof *R);
        return;
    }
    xn_real axis[3] = {w[0] / th, w[1] / th, w[2] / th}, E[9];
    xn_rot_axis_angle(axis, u * th, E);
    mat_mul(R0, E, R);
}

/* A refusal of xn_path_build: the waypoint k concerned in err->index, its program line in
 * err->line. Returns -1. */
static int fail(xn_error *err, const xn_waypoint *wp, int k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(xn_error *err, const xn_waypoint *wp, int k, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    xn_fail_v(err, XN_ERR_INVALID, "xn_path_build", k, fmt, ap);
    va_end(ap);
    if (err) err->line = wp ? wp[k].line : 0;
    return -1;
}

/* Append a segment; its length from the position change and the rotation. */
static int push(xn_path *path, const xn_path_segment *s, xn_error *err, const xn_waypoint *wp,
                int k) {
    if (path->n == XN_PATH_MAX_SEGMENTS)
        return fail(err, wp, k, "the path has more than %d segments", XN_PATH_MAX_SEGMENTS);
    xn_path_segment *d = &path->seg[path->n];
    *d = *s;
    xn_real pos;
    if (s->type == XN_SEG_LINE) {
        xn_real dp[XN_PATH_MAX_DIM];
        for (int i = 0; i < path->dim; i++) dp[i] = s->p1[i] - s->p0[i];
        pos = vnorm(dp, path->dim);
    } else {
        pos = s->radius * s->angle;
    }
    xn_real rot = path->cartesian ? path->rot_weight * vnorm(s->omega, 3) : 0;
    d->length = fmax(pos, rot);
    if (!(d->length > 1e-12)) return 0; /* nothing to travel: skip */
    d->s0 = path->length;
    path->length += d->length;
    path->n++;
    return 0;
}

/* Orientation a fraction f along a leg from Ra to Rb. */
static void leg_rot(const xn_real Ra[9], const xn_real Rb[9], xn_real f, xn_real R[9]) {
    xn_real D[9], w[3];
    mat_tmul(Ra, Rb, D);
    xn_rot_log(D, w);
    rot_along(Ra, w, f, R);
}

static void set_rotation(xn_path_segment *s, const xn_real Ra[9], const xn_real Rb[9]) {
    xn_real D[9];
    memcpy(s->R0, Ra, sizeof s->R0);
    mat_tmul(Ra, Rb, D);
    xn_rot_log(D, s->omega);
}

/* The circle through a, v, b (n dimensions): centre, radius, e1, e2, angle from a over v to b. */
static int circle3(const xn_real *a, const xn_real *v, const xn_real *b, int n,
                   xn_path_segment *s) {
    xn_real u[XN_PATH_MAX_DIM], w[XN_PATH_MAX_DIM], f1[XN_PATH_MAX_DIM], f2[XN_PATH_MAX_DIM];
    for (int i = 0; i < n; i++) {
        u[i] = v[i] - a[i];
        w[i] = b[i] - a[i];
    }
    xn_real lu = vnorm(u, n);
    if (lu < 1e-12) return -1;
    for (int i = 0; i < n; i++) f1[i] = u[i] / lu;
    xn_real wx = vdot(w, f1, n);
    for (int i = 0; i < n; i++) f2[i] = w[i] - wx * f1[i];
    xn_real wy = vnorm(f2, n);
    if (wy < 1e-9 * fmax(lu, vnorm(w, n))) return -1; /* on one line */
    for (int i = 0; i < n; i++) f2[i] /= wy;
    /* in the plane: a = (0, 0), v = (lu, 0), b = (wx, wy); the centre is at x = lu / 2 */
    xn_real cx = lu / 2, cy = (wx * wx + wy * wy - lu * wx) / (2 * wy);
    for (int i = 0; i < n; i++) s->c[i] = a[i] + cx * f1[i] + cy * f2[i];
    s->radius = sqrt(cx * cx + cy * cy);
    for (int i = 0; i < n; i++) s->e1[i] = (a[i] - s->c[i]) / s->radius;
    /* e2: across e1 in the plane, pointing so that v comes before b */
    xn_real g[XN_PATH_MAX_DIM];
    for (int i = 0; i < n; i++) g[i] = f1[i] - vdot(f1, s->e1, n) * s->e1[i];
    xn_real lg = vnorm(g, n);
    if (lg < 1e-12)
        for (int i = 0; i < n; i++) g[i] = f2[i] - vdot(f2, s->e1, n) * s->e1[i], lg = vnorm(g, n);
    for (int i = 0; i < n; i++) s->e2[i] = g[i] / lg;
    for (int flip = 0; flip < 2; flip++) {
        xn_real cv[XN_PATH_MAX_DIM], cb[XN_PATH_MAX_DIM];
        for (int i = 0; i < n; i++) {
            cv[i] = v[i] - s->c[i];
            cb[i] = b[i] - s->c[i];
        }
        xn_real tv = atan2(vdot(cv, s->e2, n), vdot(cv, s->e1, n));
        xn_real tb = atan2(vdot(cb, s->e2, n), vdot(cb, s->e1, n));
        if (tv < 0) tv += 2 * PI;
        if (tb <= 0) tb += 2 * PI;
        if (tv < tb) {
            s->angle = tb;
            return 0;
        }
        for (int i = 0; i < n; i++) s->e2[i] = -s->e2[i];
    }
    return -1;
}

xn_status xn_path_build(xn_path *path, int dim, int cartesian, const xn_waypoint *wp, int n,
                        xn_real rot_weight, xn_error *err) {
    memset(path, 0, offsetof(xn_path, seg));
    if (cartesian) dim = 3;
    if (dim < 1 || dim > XN_PATH_MAX_DIM || n < 2) {
        fail(err, NULL, 0, "a path needs 2 or more waypoints of 1 to %d dimensions",
             XN_PATH_MAX_DIM);
        return XN_ERR_SIZE;
    }
    path->dim = dim;
    path->cartesian = cartesian;
    path->rot_weight = rot_weight > 0 ? rot_weight : 0.1;
    for (int k = 0; k < n; k++) {
        int ok = 1;
        for (int i = 0; i < dim; i++)
            ok &= isfinite(wp[k].p[i]) && (!wp[k].is_arc || isfinite(wp[k].via[i]));
        for (int i = 0; cartesian && i < 9; i++) ok &= isfinite(wp[k].R[i]);
        if (!ok || !(wp[k].blend >= 0)) {
            fail(err, wp, k, "waypoint %d has a value that is not a finite number", k + 1);
            return XN_ERR_RANGE;
        }
    }
    /* how much of each leg (k -> k+1) the blends at its ends take */
    xn_real cut_start[XN_PATH_MAX_SEGMENTS] = {0}, cut_end[XN_PATH_MAX_SEGMENTS] = {0};
    if (n - 1 > XN_PATH_MAX_SEGMENTS) {
        fail(err, wp, n - 1, "more than %d waypoints", XN_PATH_MAX_SEGMENTS);
        return XN_ERR_SIZE;
    }
    int use_blend[XN_PATH_MAX_SEGMENTS + 1] = {0};
    for (int k = 1; k + 1 < n; k++) {
        xn_real r = wp[k].blend;
        if (r <= 0) continue;
        if (wp[k].is_arc || wp[k + 1].is_arc) {
            fail(err, wp, k,
                 "waypoint %d: a blend joins two straight segments; this one touches an arc",
                 k + 1);
            return XN_ERR_INVALID;
        }
        xn_real a[XN_PATH_MAX_DIM], b[XN_PATH_MAX_DIM];
        for (int i = 0; i < dim; i++) {
            a[i] = wp[k].p[i] - wp[k - 1].p[i];
            b[i] = wp[k + 1].p[i] - wp[k].p[i];
        }
        xn_real la = vnorm(a, dim), lb = vnorm(b, dim);
        if (la < 1e-12 || lb < 1e-12) continue; /* a pure rotation: no position blend */
        xn_real cosang = vdot(a, b, dim) / (la * lb);
        if (cosang > 1 - 1e-12) continue; /* straight on: nothing to round */
        if (cosang < -1 + 1e-9) {
            fail(err, wp, k, "waypoint %d: the path turns straight back, which no blend can round",
                 k + 1);
            return XN_ERR_INVALID;
        }
        cut_end[k - 1] = r;
        cut_start[k] = r;
        use_blend[k] = 1;
    }
    for (int k = 0; k + 1 < n; k++) {
        if (wp[k + 1].is_arc) continue;
        xn_real a[XN_PATH_MAX_DIM];
        for (int i = 0; i < dim; i++) a[i] = wp[k + 1].p[i] - wp[k].p[i];
        xn_real L = vnorm(a, dim);
        if (cut_start[k] + cut_end[k] > L * (1 + 1e-12)) {
            int at = cut_end[k] > 0 ? k + 1 : k;
            fail(err, wp, at,
                 "waypoint %d: blend radius %.4g is larger than the segment allows (%.4g long, "
                 "%.4g taken by the blend at its other end)",
                 at + 1, wp[at].blend, L, at == k + 1 ? cut_start[k] : cut_end[k]);
            return XN_ERR_RANGE;
        }
    }
    /* the segments */
    xn_real prev_end[XN_PATH_MAX_DIM], prevR[9];
    memcpy(prev_end, wp[0].p, sizeof prev_end);
    if (cartesian) memcpy(prevR, wp[0].R, sizeof prevR);
    for (int k = 0; k + 1 < n; k++) {
        const xn_waypoint *A = &wp[k], *B = &wp[k + 1];
        xn_path_segment s;
        memset(&s, 0, sizeof s);
        if (B->is_arc) {
            if (circle3(A->p, B->via, B->p, dim, &s) < 0) {
                fail(err, wp, k + 1,
                     "waypoint %d: the arc's start, via point and end are on one line or coincide",
                     k + 2);
                return XN_ERR_INVALID;
            }
            s.type = XN_SEG_ARC;
            if (cartesian) set_rotation(&s, A->R, B->R);
            if (push(path, &s, err, wp, k + 1) < 0) return XN_ERR_SIZE;
            memcpy(prev_end, B->p, sizeof prev_end);
            if (cartesian) memcpy(prevR, B->R, sizeof prevR);
            continue;
        }
        xn_real dir[XN_PATH_MAX_DIM];
        for (int i = 0; i < dim; i++) dir[i] = B->p[i] - A->p[i];
        xn_real L = vnorm(dir, dim);
        xn_real f1 = L > 0 ? 1 - cut_end[k] / L : 1; /* where this leg's straight part ends */
        /* the straight part (prev_end is where the previous blend ended) */
        s.type = XN_SEG_LINE;
        memcpy(s.p0, prev_end, sizeof s.p0);
        for (int i = 0; i < dim; i++) s.p1[i] = A->p[i] + f1 * dir[i];
        xn_real Rs[9], Re[9];
        if (cartesian) {
            memcpy(Rs, prevR, sizeof Rs);
            leg_rot(A->R, B->R, f1, Re);
            set_rotation(&s, Rs, Re);
        }
        if (push(path, &s, err, wp, k + 1) < 0) return XN_ERR_SIZE;
        memcpy(prev_end, s.p1, sizeof prev_end);
        if (cartesian) memcpy(prevR, Re, sizeof prevR);
        if (!use_blend[k + 1]) {
            memcpy(prev_end, B->p, sizeof prev_end);
            if (cartesian) memcpy(prevR, B->R, sizeof prevR);
            continue;
        }
        /* the blend around waypoint k+1: an arc tangent to both legs, r from the corner */
        const xn_waypoint *C = &wp[k + 2];
        xn_real r = B->blend, a[XN_PATH_MAX_DIM], b[XN_PATH_MAX_DIM];
        xn_real lb = 0;
        for (int i = 0; i < dim; i++) {
            a[i] = dir[i] / L;
            b[i] = C->p[i] - B->p[i];
        }
        lb = vnorm(b, dim);
        for (int i = 0; i < dim; i++) b[i] /= lb;
        xn_real cosang = vdot(a, b, dim), alpha = acos(fmax(-1, fmin(1, cosang)));
        xn_path_segment bl;
        memset(&bl, 0, sizeof bl);
        bl.type = XN_SEG_ARC;
        bl.blend = 1;
        bl.radius = r / tan(alpha / 2);
        bl.angle = alpha;
        xn_real nrm[XN_PATH_MAX_DIM];
        for (int i = 0; i < dim; i++) nrm[i] = b[i] - cosang * a[i];
        xn_real ln = vnorm(nrm, dim);
        for (int i = 0; i < dim; i++) {
            nrm[i] /= ln;
            xn_real start = B->p[i] - r * a[i];
            bl.c[i] = start + bl.radius * nrm[i];
            bl.e1[i] = -nrm[i];
            bl.e2[i] = a[i];
        }
        xn_real endp[XN_PATH_MAX_DIM];
        for (int i = 0; i < dim; i++) endp[i] = B->p[i] + r * b[i];
        if (cartesian) {
            xn_real Rb[9];
            leg_rot(B->R, C->R, lb > 0 ? r / lb : 0, Rb);
            set_rotation(&bl, prevR, Rb);
            memcpy(prevR, Rb, sizeof prevR);
        }
        if (push(path, &bl, err, wp, k + 1) < 0) return XN_ERR_SIZE;
        memcpy(prev_end, endp, sizeof prev_end);
    }
    if (path->n == 0) {
        fail(err, wp, n - 1, "the waypoints do not move: the path has no length");
        return XN_ERR_INVALID;
    }
    return XN_OK;
}

void xn_path_eval(const xn_path *path, xn_real s, xn_real *x, xn_real *dx, xn_real *ddx, xn_real *R,
                  xn_real *w) {
    int lo = 0, hi = path->n - 1;
    if (s < 0) s = 0;
    if (s > path->length) s = path->length;
    while (lo < hi) { /* the last segment starting at or before s */
        int mid = (lo + hi + 1) / 2;
        if (path->seg[mid].s0 <= s)
            lo = mid;
        else
            hi = mid - 1;
    }
    const xn_path_segment *g = &path->seg[lo];
    xn_real u = (s - g->s0) / g->length;
    if (u > 1) u = 1;
    int n = path->dim;
    if (g->type == XN_SEG_LINE) {
        for (int i = 0; i < n; i++) {
            xn_real d = g->p1[i] - g->p0[i];
            if (x) x[i] = g->p0[i] + u * d;
            if (dx) dx[i] = d / g->length;
            if (ddx) ddx[i] = 0;
        }
    } else {
        xn_real th = u * g->angle, k = g->angle / g->length, c = cos(th), sn = sin(th);
        for (int i = 0; i < n; i++) {
            xn_real radial = c * g->e1[i] + sn * g->e2[i];
            if (x) x[i] = g->c[i] + g->radius * radial;
            if (dx) dx[i] = k * g->radius * (-sn * g->e1[i] + c * g->e2[i]);
            if (ddx) ddx[i] = -k * k * g->radius * radial;
        }
    }
    if (path->cartesian) {
        if (R) rot_along(g->R0, g->omega, u, R);
        if (w)
            for (int r = 0; r < 3; r++)
                w[r] = (g->R0[3 * r] * g->omega[0] + g->R0[3 * r + 1] * g->omega[1] +
                        g->R0[3 * r + 2] * g->omega[2]) /
                       g->length;
    }
}
