/* Input shapers, their filter form in the control loop, their application to a trajectory, and
 * biquad notch / low-pass filters (see include/xiaonao/shaping.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/shaping.h"

#define PI 3.14159265358979323846

static xn_status bad(char *why, const char *msg) {
    if (why) snprintf(why, 120, "%s", msg);
    return XN_ERR_RANGE;
}

/* The complex sum of the impulse vectors at angular frequency w (rad/s), without the overall
 * envelope: sum a_i exp(zeta w t_i) (cos + i sin)(w_d t_i). */
static void impulse_sum(const xn_real *a, const xn_real *t, int n, xn_real w, xn_real zeta,
                        xn_real *re, xn_real *im) {
    xn_real wd = w * sqrt(1 - zeta * zeta), c = 0, s = 0;
    for (int i = 0; i < n; i++) {
        xn_real e = a[i] * exp(zeta * w * (t[i] - t[n - 1])); /* envelope folded in */
        c += e * cos(wd * t[i]);
        s += e * sin(wd * t[i]);
    }
    *re = c;
    *im = s;
}

static xn_real vib(const xn_real *a, const xn_real *t, int n, xn_real w, xn_real zeta) {
    xn_real re, im;
    impulse_sum(a, t, n, w, zeta, &re, &im);
    return sqrt(re * re + im * im);
}

xn_real xn_shaper_vibration(const xn_shaper *s, xn_real f, xn_real zeta) {
    return vib(s->a, s->t, s->n, 2 * PI * f, zeta);
}

xn_real xn_shaper_duration(const xn_shaper *s) { return s->n ? s->t[s->n - 1] : 0; }

/* Solve the n x n system A x = b in place (Gaussian elimination, partial pivoting). */
static int solve(xn_real *A, xn_real *b, int n) {
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c])) p = r;
        if (fabs(A[p * n + c]) < 1e-300) return -1;
        if (p != c) {
            for (int k = 0; k < n; k++) {
                xn_real t = A[c * n + k];
                A[c * n + k] = A[p * n + k];
                A[p * n + k] = t;
            }
            xn_real t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (int r = c + 1; r < n; r++) {
            xn_real f = A[r * n + c] / A[c * n + c];
            for (int k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        for (int k = c + 1; k < n; k++) b[c] -= A[c * n + k] * b[k];
        b[c] /= A[c * n + c];
    }
    return 0;
}

/* dV/dw, analytically: V = |S|, S = sum a_i exp(zeta w (t_i - t_n)) exp(i w_d t_i). */
static xn_real vib_slope(const xn_real *a, const xn_real *t, int n, xn_real w, xn_real zeta) {
    xn_real q = sqrt(1 - zeta * zeta), sr = 0, si = 0, dr = 0, di = 0;
    for (int i = 0; i < n; i++) {
        xn_real e = a[i] * exp(zeta * w * (t[i] - t[n - 1])), c = cos(w * q * t[i]),
                sn = sin(w * q * t[i]), g = zeta * (t[i] - t[n - 1]), h = q * t[i];
        sr += e * c;
        si += e * sn;
        dr += e * (g * c - h * sn);
        di += e * (g * sn + h * c);
    }
    xn_real m = sqrt(sr * sr + si * si);
    return m > 0 ? (sr * dr + si * di) / m : 0;
}

/* EI's equations for unknowns u = (a1, a2, t2, t3, w1, w2): vibration V at the design frequency
 * w with zero slope there, zero vibration at w1 and at w2. */
static void ei_residual(const xn_real u[6], xn_real w, xn_real zeta, xn_real v, xn_real r[6]) {
    xn_real a[3] = {u[0], u[1], 1 - u[0] - u[1]}, t[3] = {0, u[2], u[3]};
    r[0] = vib(a, t, 3, w, zeta) - v;
    r[1] = vib_slope(a, t, 3, w, zeta) * w;
    impulse_sum(a, t, 3, u[4], zeta, &r[2], &r[3]);
    impulse_sum(a, t, 3, u[5], zeta, &r[4], &r[5]);
}

static int ei_newton(xn_real u[6], xn_real w, xn_real zeta, xn_real v) {
    for (int it = 0; it < 50; it++) {
        xn_real r[6], J[36], step[6];
        ei_residual(u, w, zeta, v, r);
        xn_real norm = 0;
        for (int i = 0; i < 6; i++) norm = fmax(norm, fabs(r[i]));
        if (norm < 1e-14) return 0;
        for (int k = 0; k < 6; k++) {
            xn_real up[6], rp[6], h = 1e-7 * fmax(fabs(u[k]), 1e-3);
            memcpy(up, u, sizeof up);
            up[k] += h;
            ei_residual(up, w, zeta, v, rp);
            for (int i = 0; i < 6; i++) J[i * 6 + k] = (rp[i] - r[i]) / h;
        }
        for (int i = 0; i < 6; i++) step[i] = -r[i];
        if (solve(J, step, 6)) return -1;
        xn_real big = 0;
        for (int i = 0; i < 6; i++) {
            u[i] += step[i];
            big = fmax(big, fabs(step[i]) / fmax(fabs(u[i]), 1e-3));
        }
        if (big < 1e-14) return 0; /* converged to rounding */
    }
    return -1;
}

xn_status xn_shaper_design(xn_shaper_type type, xn_real f, xn_real zeta, xn_real v_tol,
                           xn_shaper *out, char *why) {
    memset(out, 0, sizeof *out);
    if (!(f > 0) || !isfinite(f)) return bad(why, "the mode's frequency must be a number > 0 Hz");
    if (!(zeta >= 0 && zeta < 1)) return bad(why, "the mode's damping ratio must be in [0, 1)");
    xn_real wd = 2 * PI * f * sqrt(1 - zeta * zeta), Td = 2 * PI / wd;
    xn_real K = exp(-zeta * PI / sqrt(1 - zeta * zeta));
    switch (type) {
    case XN_SHAPER_ZV:
    case XN_SHAPER_ZVD:
    case XN_SHAPER_ZVDD: {
        int n = type == XN_SHAPER_ZV ? 2 : (type == XN_SHAPER_ZVD ? 3 : 4);
        /* amplitudes: binomial coefficients of (1 + K)^(n-1), in powers of K */
        xn_real sum = 0, c = 1;
        for (int i = 0; i < n; i++) {
            out->a[i] = c * pow(K, i);
            out->t[i] = i * Td / 2;
            sum += out->a[i];
            c = c * (n - 1 - i) / (i + 1);
        }
        for (int i = 0; i < n; i++) out->a[i] /= sum;
        out->n = n;
        return XN_OK;
    }
    case XN_SHAPER_EI: {
        if (!(v_tol > 0 && v_tol < 1))
            return bad(why, "the EI shaper's vibration tolerance must be in (0, 1)");
        xn_real w = 2 * PI * f, b = (1 - v_tol) / (1 + v_tol), phi = acos(-b);
        /* the undamped closed form, then Newton in steps of the damping ratio */
        xn_real T = 2 * PI / w;
        xn_real u[6] = {(1 + v_tol) / 4, (1 - v_tol) / 2,        T / 2, T,
                        w * phi / PI,    w * (2 * PI - phi) / PI};
        int steps = zeta > 0 ? 10 : 1;
        for (int k = 1; k <= steps; k++)
            if (ei_newton(u, w, zeta * k / steps, v_tol))
                return bad(why, "the EI design did not converge for this damping and tolerance");
        out->n = 3;
        out->a[0] = u[0];
        out->a[1] = u[1];
        out->a[2] = 1 - u[0] - u[1];
        out->t[1] = u[2];
        out->t[2] = u[3];
        if (!(out->a[0] > 0 && out->a[1] > 0 && out->a[2] > 0 && u[2] > 0 && u[3] > u[2]))
            return bad(why, "the EI design has no positive solution for this damping and "
                            "tolerance");
        (void)Td;
        return XN_OK;
    }
    }
    return bad(why, "unknown shaper type");
}

xn_status xn_shaper_convolve(const xn_shaper *a, const xn_shaper *b, xn_shaper *out) {
    xn_shaper r;
    r.n = 0;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) {
            xn_real t = a->t[i] + b->t[j], amp = a->a[i] * b->a[j];
            int k = 0;
            while (k < r.n && fabs(r.t[k] - t) > 1e-12) k++;
            if (k < r.n) {
                r.a[k] += amp;
                continue;
            }
            if (r.n == XN_SHAPER_MAX_IMPULSES) return XN_ERR_SIZE;
            r.t[r.n] = t;
            r.a[r.n++] = amp;
        }
    for (int i = 1; i < r.n; i++) /* sort by time */
        for (int k = i; k > 0 && r.t[k] < r.t[k - 1]; k--) {
            xn_real tt = r.t[k], aa = r.a[k];
            r.t[k] = r.t[k - 1];
            r.a[k] = r.a[k - 1];
            r.t[k - 1] = tt;
            r.a[k - 1] = aa;
        }
    *out = r;
    return XN_OK;
}

xn_real xn_shaper_insensitivity(const xn_shaper *s, xn_real f0, xn_real zeta, xn_real v) {
    const xn_real tol = 1e-9;
    if (xn_shaper_vibration(s, f0, zeta) > v + tol) return 0;
    xn_real edge[2];
    for (int side = 0; side < 2; side++) {
        xn_real dir = side ? 1 : -1, step = 1e-4, r = 0;
        /* walk out until above v (or 99 % away), then bisect */
        while (r < 0.99 && xn_shaper_vibration(s, f0 * (1 + dir * (r + step)), zeta) <= v + tol)
            r += step;
        xn_real lo = r, hi = r + step;
        for (int it = 0; it < 50; it++) {
            xn_real mid = 0.5 * (lo + hi);
            if (xn_shaper_vibration(s, f0 * (1 + dir * mid), zeta) <= v + tol)
                lo = mid;
            else
                hi = mid;
        }
        edge[side] = lo;
    }
    return edge[0] + edge[1];
}

/* ---- filter ---- */

xn_status xn_shaper_filter_create(const xn_shaper *s, int dim, xn_real dt, xn_shaper_filter **out,
                                  char *why) {
    *out = NULL;
    if (dim < 1 || dim > 64 || !(dt > 0) || s->n < 1) return bad(why, "dim 1..64 and dt > 0");
    for (int i = 1; i < s->n; i++)
        if (s->t[i] - s->t[i - 1] < 2 * dt) {
            char msg[120];
            snprintf(msg, sizeof msg,
                     "the sample rate is too low for this mode: impulses %.4g s apart need at "
                     "least 2 samples (dt = %.4g s)",
                     s->t[i] - s->t[i - 1], dt);
            return bad(why, msg);
        }
    xn_shaper_filter *f = calloc(1, sizeof *f);
    if (!f) return XN_ERR_NOMEM;
    f->dim = dim;
    f->dt = dt;
    f->shaper = *s;
    f->len = (int)ceil(xn_shaper_duration(s) / dt) + 3;
    f->hist = calloc((size_t)f->len * (size_t)dim, sizeof *f->hist);
    if (!f->hist) {
        free(f);
        return XN_ERR_NOMEM;
    }
    *out = f;
    return XN_OK;
}

void xn_shaper_filter_free(xn_shaper_filter *f) {
    if (!f) return;
    free(f->hist);
    free(f);
}

xn_status xn_shaper_filter_set(xn_shaper_filter *f, const xn_shaper *s) {
    if (s->n < 1 || (int)ceil(xn_shaper_duration(s) / f->dt) + 3 > f->len) return XN_ERR_SIZE;
    for (int i = 1; i < s->n; i++)
        if (s->t[i] - s->t[i - 1] < 2 * f->dt) return XN_ERR_RANGE;
    f->shaper = *s;
    return XN_OK;
}

void xn_shaper_filter_reset(xn_shaper_filter *f, const xn_real *x) {
    for (int k = 0; k < f->len; k++)
        memcpy(&f->hist[(size_t)k * f->dim], x, (size_t)f->dim * sizeof *x);
    f->head = 0;
    f->count = 0;
}

void xn_shaper_filter_step(xn_shaper_filter *f, const xn_real *x, xn_real *y) {
    int dim = f->dim;
    f->head = (f->head + 1) % f->len;
    memcpy(&f->hist[(size_t)f->head * dim], x, (size_t)dim * sizeof *x);
    f->count++;
    xn_real out[64] = {0};
    for (int i = 0; i < f->shaper.n; i++) {
        xn_real d = f->shaper.t[i] / f->dt;
        int k = (int)floor(d + 1e-9);
        xn_real frac = d - k;
        if (frac < 1e-9) frac = 0;
        const xn_real *x0 = &f->hist[(size_t)((f->head - k + f->len) % f->len) * dim];
        const xn_real *x1 = &f->hist[(size_t)((f->head - k - 1 + 2 * f->len) % f->len) * dim];
        for (int j = 0; j < dim; j++)
            out[j] += f->shaper.a[i] * ((1 - frac) * x0[j] + frac * x1[j]);
    }
    memcpy(y, out, (size_t)dim * sizeof *y);
}

void xn_shaper_apply(const xn_shaper *s, xn_traj_fn traj, const void *ctx, int dim, xn_real t,
                     xn_real *p, xn_real *v, xn_real *a) {
    xn_real pp[64], vv[64], aa[64];
    if (dim > 64) dim = 64;
    for (int j = 0; j < dim; j++) {
        if (p) p[j] = 0;
        if (v) v[j] = 0;
        if (a) a[j] = 0;
    }
    for (int i = 0; i < s->n; i++) {
        xn_real ti = t - s->t[i];
        traj(ctx, ti > 0 ? ti : 0, pp, vv, aa);
        for (int j = 0; j < dim; j++) {
            if (p) p[j] += s->a[i] * pp[j];
            if (v) v[j] += s->a[i] * (ti > 0 ? vv[j] : 0);
            if (a) a[j] += s->a[i] * (ti > 0 ? aa[j] : 0);
        }
    }
}

/* ---- biquads ---- */

static void normalize(xn_biquad *bq, xn_real b0, xn_real b1, xn_real b2, xn_real a0, xn_real a1,
                      xn_real a2) {
    bq->b0 = b0 / a0;
    bq->b1 = b1 / a0;
    bq->b2 = b2 / a0;
    bq->a1 = a1 / a0;
    bq->a2 = a2 / a0;
    bq->x1 = bq->x2 = bq->y1 = bq->y2 = 0;
}

xn_status xn_biquad_notch(xn_biquad *bq, xn_real f0, xn_real q, xn_real fs) {
    if (!(fs > 0) || !(f0 > 0 && f0 < fs / 2) || !(q > 0)) return XN_ERR_RANGE;
    xn_real w0 = 2 * PI * f0 / fs, al = sin(w0) / (2 * q), c = cos(w0);
    normalize(bq, 1, -2 * c, 1, 1 + al, -2 * c, 1 - al);
    return XN_OK;
}

xn_status xn_biquad_lowpass(xn_biquad *bq, xn_real fc, xn_real q, xn_real fs) {
    if (!(fs > 0) || !(fc > 0 && fc < fs / 2) || !(q > 0)) return XN_ERR_RANGE;
    xn_real w0 = 2 * PI * fc / fs, al = sin(w0) / (2 * q), c = cos(w0);
    normalize(bq, (1 - c) / 2, 1 - c, (1 - c) / 2, 1 + al, -2 * c, 1 - al);
    return XN_OK;
}

void xn_biquad_reset(xn_biquad *bq, xn_real x) {
    xn_real dc = (bq->b0 + bq->b1 + bq->b2) / (1 + bq->a1 + bq->a2);
    bq->x1 = bq->x2 = x;
    bq->y1 = bq->y2 = dc * x;
}

xn_real xn_biquad_step(xn_biquad *bq, xn_real x) {
    xn_real y = bq->b0 * x + bq->b1 * bq->x1 + bq->b2 * bq->x2 - bq->a1 * bq->y1 - bq->a2 * bq->y2;
    bq->x2 = bq->x1;
    bq->x1 = x;
    bq->y2 = bq->y1;
    bq->y1 = y;
    return y;
}

xn_real xn_biquad_gain(const xn_biquad *bq, xn_real f, xn_real fs) {
    xn_real w = 2 * PI * f / fs, c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    xn_real nr = bq->b0 + bq->b1 * c1 + bq->b2 * c2, ni = -(bq->b1 * s1 + bq->b2 * s2);
    xn_real dr = 1 + bq->a1 * c1 + bq->a2 * c2, di = -(bq->a1 * s1 + bq->a2 * s2);
    return sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}
