/* Placements, rotations, quaternions and rigid-body inertia (public math functions).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "math/spatial_inline.h"

void xn_se3_identity(xn_se3 *X) {
    memset(X, 0, sizeof *X);
    X->R[0] = X->R[4] = X->R[8] = 1.0;
}

void xn_se3_mul(xn_se3 *out, const xn_se3 *a, const xn_se3 *b) {
    xn_se3 t;
    xn_se3_mul_noalias(a, b, &t);
    *out = t;
}

void xn_se3_inv(xn_se3 *out, const xn_se3 *X) {
    xn_se3 t;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) t.R[3 * i + j] = X->R[3 * j + i];
    xn_m3_mulv(t.R, X->p, t.p);
    t.p[0] = -t.p[0];
    t.p[1] = -t.p[1];
    t.p[2] = -t.p[2];
    *out = t;
}

xn_status xn_quat_to_rot(const xn_real q[4], xn_real R[9]) {
    xn_real n2 = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3];
    if (!(n2 > 0) || !isfinite(n2)) return XN_ERR_RANGE;
    xn_real s = 2.0 / n2;
    xn_real w = q[0], x = q[1], y = q[2], z = q[3];
    R[0] = 1 - s * (y * y + z * z);
    R[1] = s * (x * y - w * z);
    R[2] = s * (x * z + w * y);
    R[3] = s * (x * y + w * z);
    R[4] = 1 - s * (x * x + z * z);
    R[5] = s * (y * z - w * x);
    R[6] = s * (x * z - w * y);
    R[7] = s * (y * z + w * x);
    R[8] = 1 - s * (x * x + y * y);
    return XN_OK;
}

void xn_rot_to_quat(const xn_real R[9], xn_real q[4]) {
    /* Shepperd's method: pick the largest of the four squared components for stability. */
    xn_real tr = R[0] + R[4] + R[8];
    xn_real w, x, y, z;
    if (tr >= R[0] && tr >= R[4] && tr >= R[8]) {
        xn_real s = 2 * sqrt(1 + tr);
        w = 0.25 * s;
        x = (R[7] - R[5]) / s;
        y = (R[2] - R[6]) / s;
        z = (R[3] - R[1]) / s;
    } else if (R[0] >= R[4] && R[0] >= R[8]) {
        xn_real s = 2 * sqrt(1 + R[0] - R[4] - R[8]);
        w = (R[7] - R[5]) / s;
        x = 0.25 * s;
        y = (R[1] + R[3]) / s;
        z = (R[2] + R[6]) / s;
    } else if (R[4] >= R[8]) {
        xn_real s = 2 * sqrt(1 + R[4] - R[0] - R[8]);
        w = (R[2] - R[6]) / s;
        x = (R[1] + R[3]) / s;
        y = 0.25 * s;
        z = (R[5] + R[7]) / s;
    } else {
        xn_real s = 2 * sqrt(1 + R[8] - R[0] - R[4]);
        w = (R[3] - R[1]) / s;
        x = (R[2] + R[6]) / s;
        y = (R[5] + R[7]) / s;
        z = 0.25 * s;
    }
    xn_real n = sqrt(w * w + x * x + y * y + z * z);
    if (w < 0) n = -n;
    q[0] = w / n;
    q[1] = x / n;
    q[2] = y / n;
    q[3] = z / n;
}

void xn_rot_axis_angle(const xn_real axis[3], xn_real angle, xn_real R[9]) {
    xn_real c = cos(angle), s = sin(angle), t = 1 - c;
    xn_real x = axis[0], y = axis[1], z = axis[2];
    R[0] = t * x * x + c;
    R[1] = t * x * y - s * z;
    R[2] = t * x * z + s * y;
    R[3] = t * x * y + s * z;
    R[4] = t * y * y + c;
    R[5] = t * y * z - s * x;
    R[6] = t * x * z - s * y;
    R[7] = t * y * z + s * x;
    R[8] = t * z * z + c;
}

void xn_rot_log(const xn_real R[9], xn_real w[3]) {
    /* sin(angle) * axis from the skew part, cos(angle) from the trace */
    xn_real s0 = 0.5 * (R[7] - R[5]), s1 = 0.5 * (R[2] - R[6]), s2 = 0.5 * (R[3] - R[1]);
    xn_real c = 0.5 * (R[0] + R[4] + R[8] - 1), sn = sqrt(s0 * s0 + s1 * s1 + s2 * s2);
    xn_real angle = atan2(sn, c);
    if (c > -0.5 || sn > 0.5) {
        /* away from pi the skew part fixes the axis well: angle / sin(angle), Taylor near 0 */
        xn_real k = sn < 1e-8 ? 1 + angle * angle / 6 : angle / sn;
        w[0] = k * s0;
        w[1] = k * s1;
        w[2] = k * s2;
        return;
    }
    /* near pi: the axis from the symmetric part, (R + R^T)/2 - cI = (1 - c) a a^T, its largest
     * diagonal entry first; the sign from the skew part */
    xn_real d[3] = {R[0] - c, R[4] - c, R[8] - c};
    int i = d[0] >= d[1] && d[0] >= d[2] ? 0 : (d[1] >= d[2] ? 1 : 2);
    xn_real a[3];
    a[i] = sqrt(fmax(d[i], 0) / (1 - c));
    for (int k = 0; k < 3; k++)
        if (k != i) a[k] = 0.5 * (R[3 * i + k] + R[3 * k + i]) / ((1 - c) * a[i]);
    xn_real sk[3] = {s0, s1, s2};
    xn_real dot = a[0] * sk[0] + a[1] * sk[1] + a[2] * sk[2];
    xn_real n = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]) * (dot < 0 ? -1 : 1);
    for (int k = 0; k < 3; k++) w[k] = angle * a[k] / n;
}

void xn_rot_rpy(xn_real roll, xn_real pitch, xn_real yaw, xn_real R[9]) {
    xn_real cr = cos(roll), sr = sin(roll), cp = cos(pitch), sp = sin(pitch);
    xn_real cy = cos(yaw), sy = sin(yaw);
    R[0] = cy * cp;
    R[1] = cy * sp * sr - sy * cr;
    R[2] = cy * sp * cr + sy * sr;
    R[3] = sy * cp;
    R[4] = sy * sp * sr + cy * cr;
    R[5] = sy * sp * cr - cy * sr;
    R[6] = -sp;
    R[7] = cp * sr;
    R[8] = cp * cr;
}

void xn_rot_from_z(const xn_real z[3], xn_real R[9]) {
    xn_real n = sqrt(xn_v3_dot(z, z)), v[3] = {z[0] / n, z[1] / n, z[2] / n};
    xn_real ax[3] = {-v[1], v[0], 0}, s = sqrt(ax[0] * ax[0] + ax[1] * ax[1]);
    if (s < 1e-14) { /* along z already, or opposite: half a turn about x */
        xn_real xaxis[3] = {1, 0, 0};
        xn_rot_axis_angle(xaxis, v[2] > 0 ? 0 : 3.14159265358979323846, R);
        return;
    }
    ax[0] /= s;
    ax[1] /= s;
    xn_rot_axis_angle(ax, atan2(s, v[2]), R);
}

void xn_sym3_rotate(const xn_real R[9], const xn_real S[6], xn_real out[6]) {
    xn_real F[9] = {S[0], S[3], S[4], S[3], S[1], S[5], S[4], S[5], S[2]}, RF[9], G[9];
    xn_m3_mul(R, F, RF);
    for (int r = 0; r < 3; r++)
        for (int q = 0; q < 3; q++)
            G[3 * r + q] =
                RF[3 * r] * R[3 * q] + RF[3 * r + 1] * R[3 * q + 1] + RF[3 * r + 2] * R[3 * q + 2];
    out[0] = G[0];
    out[1] = G[4];
    out[2] = G[8];
    out[3] = G[1];
    out[4] = G[2];
    out[5] = G[5];
}

void xn_inertia_from_com(xn_real mass, const xn_real c[3], const xn_real Ic[6], xn_inertia *out) {
    /* parallel-axis theorem: I_O = I_C + m (|c|^2 1 - c c^T) */
    xn_real cc = xn_v3_dot(c, c);
    out->m = mass;
    for (int k = 0; k < 3; k++) out->h[k] = mass * c[k];
    out->I[0] = Ic[0] + mass * (cc - c[0] * c[0]);
    out->I[1] = Ic[1] + mass * (cc - c[1] * c[1]);
    out->I[2] = Ic[2] + mass * (cc - c[2] * c[2]);
    out->I[3] = Ic[3] - mass * c[0] * c[1];
    out->I[4] = Ic[4] - mass * c[0] * c[2];
    out->I[5] = Ic[5] - mass * c[1] * c[2];
}

void xn_inertia_to_com(const xn_inertia *in, xn_real c[3], xn_real Ic[6]) {
    if (!(in->m > 0)) {
        c[0] = c[1] = c[2] = 0;
        memcpy(Ic, in->I, 6 * sizeof(xn_real));
        return;
    }
    for (int k = 0; k < 3; k++) c[k] = in->h[k] / in->m;
    xn_real m = in->m, cc = xn_v3_dot(c, c);
    Ic[0] = in->I[0] - m * (cc - c[0] * c[0]);
    Ic[1] = in->I[1] - m * (cc - c[1] * c[1]);
    Ic[2] = in->I[2] - m * (cc - c[2] * c[2]);
    Ic[3] = in->I[3] + m * c[0] * c[1];
    Ic[4] = in->I[4] + m * c[0] * c[2];
    Ic[5] = in->I[5] + m * c[1] * c[2];
}

void xn_inertia_transform(const xn_se3 *X, const xn_inertia *in, xn_inertia *out) {
    xn_inertia t;
    xn_inertia_act(X, in, &t);
    *out = t;
}

void xn_inertia_add(xn_inertia *out, const xn_inertia *a, const xn_inertia *b) {
    xn_inertia t = *a;
    xn_inertia_accum(&t, b);
    *out = t;
}

const char *xn_status_str(xn_status s) {
    switch (s) {
    case XN_OK: return "ok";
    case XN_ERR_IO: return "i/o error";
    case XN_ERR_PARSE: return "parse error";
    case XN_ERR_INVALID: return "invalid input";
    case XN_ERR_NOMEM: return "out of memory";
    case XN_ERR_UNSUPPORTED: return "unsupported";
    case XN_ERR_RANGE: return "value out of range";
    case XN_ERR_NOT_FOUND: return "not found";
    case XN_ERR_SIZE: return "wrong size";
    case XN_ERR_NUMERIC: return "numerical failure";
    case XN_ERR_TIMEOUT: return "timed out";
    case XN_ERR_INFEASIBLE: return "infeasible";
    case XN_ERR_ITERATIONS: return "iteration limit";
    case XN_ERR_STATE: return "not in this state";
    }
    return "unknown status";
}
