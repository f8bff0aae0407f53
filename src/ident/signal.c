/* Signals from logs for identification: accelerations are not measured, so they come from
 * differentiating velocities, and differentiation needs the noise filtered first. The filter
 * runs forward and backward (zero phase), so a torque and the acceleration it caused stay
 * aligned in time; the same filter goes on every signal of a fit. SPDX-License-Identifier:
 * Apache-2.0 */
#include <math.h>
#include <stddef.h>

#include "ident/ident_internal.h"
#include "model/error_internal.h"

/* One pass of the biquad over x, forward (dir 1) or backward (-1), started at rest. */
static void biquad_pass(xn_real *x, int n, int stride, const xn_real b[3], const xn_real a[2],
                        int dir) {
    int i0 = dir > 0 ? 0 : n - 1;
    xn_real x1 = x[(size_t)i0 * stride], x2 = x1, y1 = x1, y2 = x1;
    for (int c = 0; c < n; c++) {
        int i = dir > 0 ? c : n - 1 - c;
        xn_real xi = x[(size_t)i * stride];
        xn_real y = b[0] * xi + b[1] * x1 + b[2] * x2 - a[0] * y1 - a[1] * y2;
        x2 = x1;
        x1 = xi;
        y2 = y1;
        y1 = y;
        x[(size_t)i * stride] = y;
    }
}

xn_status xn_ident_lowpass(xn_real *x, int n, int stride, xn_real cutoff, xn_real fs) {
    if (!(cutoff > 0) || !(fs > 0) || !(cutoff < fs / 2))
        return xn_fail(NULL, XN_ERR_RANGE, "xn_ident_lowpass", "cutoff");
    if (n < 2) return XN_OK;
    /* second-order Butterworth by the bilinear transform, prewarped */
    xn_real K = tan(3.14159265358979323846 * cutoff / fs), r2 = sqrt(2.0),
            norm = 1 / (1 + r2 * K + K * K);
    xn_real b[3] = {K * K * norm, 2 * K * K * norm, K * K * norm};
    xn_real a[2] = {2 * (K * K - 1) * norm, (1 - r2 * K + K * K) * norm};
    biquad_pass(x, n, stride, b, a, 1);
    biquad_pass(x, n, stride, b, a, -1);
    return XN_OK;
}

void xn_ident_derivative(const xn_real *x, int n, int stride, xn_real dt, xn_real *out) {
    if (n < 2) {
        if (n == 1) out[0] = 0;
        return;
    }
    for (int i = 1; i + 1 < n; i++)
        out[(size_t)i * stride] =
            (x[(size_t)(i + 1) * stride] - x[(size_t)(i - 1) * stride]) / (2 * dt);
    out[0] = (x[stride] - x[0]) / dt;
    out[(size_t)(n - 1) * stride] =
        (x[(size_t)(n - 1) * stride] - x[(size_t)(n - 2) * stride]) / dt;
}
