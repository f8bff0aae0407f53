/* Identification of a lightly damped mode from a measured free decay: initial estimates from
 * zero crossings (frequency) and the logarithmic decrement (damping), then a Levenberg-Marquardt
 * fit of amplitude, damping, frequency, phase and offset. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "math/dense.h"
#include "xiaonao/shaping.h"

#define PI 3.14159265358979323846

/* Model y = A exp(-z w t) cos(wd t + p) + c; parameters x = (A, z, w, p, c). */
static xn_real model(const xn_real x[5], xn_real t) {
    xn_real wd = x[2] * sqrt(fmax(1 - x[1] * x[1], 1e-12));
    return x[0] * exp(-x[1] * x[2] * t) * cos(wd * t + x[3]) + x[4];
}

static xn_real sse(const xn_real *y, int n, xn_real dt, const xn_real x[5]) {
    xn_real s = 0;
    for (int i = 0; i < n; i++) {
        xn_real e = y[i] - model(x, i * dt);
        s += e * e;
    }
    return s;
}

xn_status xn_mode_identify(const xn_real *y, int n, xn_real dt, xn_mode_fit *out) {
    memset(out, 0, sizeof *out);
    if (n < 16 || !(dt > 0)) return XN_ERR_RANGE;
    /* offset: the mean of the last quarter (the decay has mostly settled there) */
    xn_real c = 0, mean = 0, var = 0;
    int q = n / 4;
    for (int i = n - q; i < n; i++) c += y[i];
    c /= q;
    for (int i = 0; i < n; i++) mean += y[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (y[i] - mean) * (y[i] - mean);
    var /= n;
    if (!(var > 0)) return XN_ERR_RANGE;
    /* zero crossings of y - c (with hysteresis against noise) */
    xn_real first = -1, last = -1, band = 0.02 * sqrt(var);
    int crossings = 0, sign = 0;
    for (int i = 0; i < n; i++) {
        xn_real v = y[i] - c;
        int s = v > band ? 1 : (v < -band ? -1 : 0);
        if (s && sign && s != sign) {
            xn_real t = i * dt;
            if (first < 0) first = t;
            last = t;
            crossings++;
        }
        if (s) sign = s;
    }
    if (crossings < 6) return XN_ERR_RANGE;
    xn_real f0 = (crossings - 1) / (2 * (last - first));
    /* logarithmic decrement from the first and last half-period peaks of |y - c| */
    int per = (int)(0.5 / (f0 * dt));
    if (per < 2) return XN_ERR_RANGE;
    xn_real p1 = 0, p2 = 0;
    int k1 = 0, k2 = 0;
    for (int i = 0; i < per && i < n; i++)
        if (fabs(y[i] - c) > p1) p1 = fabs(y[i] - c), k1 = i;
    int start = n - q - per;
    if (start < per) start = per;
    for (int i = start; i < start + per && i < n; i++)
        if (fabs(y[i] - c) > p2) p2 = fabs(y[i] - c), k2 = i;
    xn_real z0 = 0.02;
    if (p2 > 0 && p1 > p2 && k2 > k1) {
        xn_real cycles = (k2 - k1) * dt * f0, delta = log(p1 / p2) / cycles;
        z0 = delta / sqrt(4 * PI * PI + delta * delta);
    }
    xn_real w0 = 2 * PI * f0;
    /* amplitude and phase from the first sample and slope */
    xn_real x[5] = {p1 > 0 ? p1 : sqrt(2 * var), z0, w0, 0, c};
    xn_real best = INFINITY;
    for (int i = 0; i < 8; i++) { /* the phase that fits the start best */
        xn_real t[5] = {x[0], x[1], x[2], -PI + i * PI / 4, x[4]}, e = sse(y, n, dt, t);
        if (e < best) best = e, x[3] = t[3];
    }
    xn_real lambda = 1e-3, e0 = sse(y, n, dt, x);
    for (int it = 0; it < 100; it++) {
        /* normal equations with a numerical Jacobian */
        xn_real JtJ[25] = {0}, Jte[5] = {0}, h[5];
        for (int k = 0; k < 5; k++) h[k] = 1e-7 * fmax(fabs(x[k]), k == 3 ? 1 : 1e-6);
        for (int i = 0; i < n; i++) {
            xn_real t = i * dt, r = y[i] - model(x, t), g[5];
            for (int k = 0; k < 5; k++) {
                xn_real xp[5];
                memcpy(xp, x, sizeof xp);
                xp[k] += h[k];
                g[k] = (model(xp, t) - model(x, t)) / h[k];
            }
            for (int a = 0; a < 5; a++) {
                Jte[a] += g[a] * r;
                for (int b = 0; b < 5; b++) JtJ[a * 5 + b] += g[a] * g[b];
            }
        }
        xn_real A[25], step[5];
        memcpy(A, JtJ, sizeof A);
        for (int k = 0; k < 5; k++) A[6 * k] += lambda * (JtJ[6 * k] + 1e-30);
        memcpy(step, Jte, sizeof step);
        if (xn_chol_factor(A, 5) != XN_OK) {
            lambda *= 10;
            continue;
        }
        xn_chol_solve(A, 5, step);
        xn_real xn[5];
        for (int k = 0; k < 5; k++) xn[k] = x[k] + step[k];
        if (xn[1] < 0) xn[1] = 0;
        if (xn[1] > 0.9) xn[1] = 0.9;
        xn_real e1 = sse(y, n, dt, xn);
        if (e1 < e0) {
            xn_real rel = (e0 - e1) / (e0 + 1e-300);
            memcpy(x, xn, sizeof x);
            e0 = e1;
            lambda = fmax(lambda / 3, 1e-12);
            if (rel < 1e-12) break;
        } else {
            lambda *= 4;
            if (lambda > 1e12) break;
        }
    }
    if (x[0] < 0) { /* a negative amplitude is a half-turn of phase */
        x[0] = -x[0];
        x[3] += PI;
    }
    out->frequency = x[2] / (2 * PI);
    out->damping = x[1];
    out->amplitude = x[0];
    out->phase = atan2(sin(x[3]), cos(x[3]));
    out->offset = x[4];
    out->residual = sqrt(e0 / n);
    out->fit = 1 - e0 / n / var;
    return out->fit >= 0.5 && out->frequency > 0 ? XN_OK : XN_ERR_RANGE;
}

xn_status xn_mode_identify3(const xn_real *xyz, int n, xn_real dt, xn_real *work,
                            xn_mode_fit *out) {
    memset(out, 0, sizeof *out);
    if (n < 16) return XN_ERR_RANGE;
    xn_real m[3] = {0, 0, 0}, S[6] = {0};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) m[k] += xyz[3 * i + k] / n;
    for (int i = 0; i < n; i++) {
        xn_real d[3] = {xyz[3 * i] - m[0], xyz[3 * i + 1] - m[1], xyz[3 * i + 2] - m[2]};
        S[0] += d[0] * d[0];
        S[1] += d[1] * d[1];
        S[2] += d[2] * d[2];
        S[3] += d[0] * d[1];
        S[4] += d[0] * d[2];
        S[5] += d[1] * d[2];
    }
    xn_real ev[3], V[9];
    xn_sym3_eig(S, ev, V);
    xn_real u[3] = {V[2], V[5], V[8]}; /* the largest eigenvalue's vector (the last column) */
    for (int i = 0; i < n; i++)
        work[i] = xyz[3 * i] * u[0] + xyz[3 * i + 1] * u[1] + xyz[3 * i + 2] * u[2];
    return xn_mode_identify(work, n, dt, out);
}
