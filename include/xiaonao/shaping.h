/* xiaonao: vibration suppression. Input shapers (Singer and Seering 1990; Singhose, Seering and
 * Singer 1994) convolve a reference with a short sequence of impulses so that a lightly damped
 * mode of frequency f and damping ratio z is not excited: ZV, ZVD, ZVDD (more robust to an error
 * in f, each a half period longer), EI (extra insensitive: a residual vibration tolerance V at f
 * and zero vibration at two frequencies around it), and the convolution of shapers for several
 * modes. Plus biquad notch and low-pass filters for servo commands.
 *
 * Every shaper here has positive impulses summing to 1, so a shaped signal is a convex
 * combination of delayed copies of the original: a shaped jerk-limited motion keeps the
 * velocity, acceleration and jerk limits of the motion it came from (the largest value of a
 * convex combination is at most the largest value of the parts), and arrives at the same state,
 * later by the shaper's duration.
 *
 * Designs allocate nothing; a filter's history is a caller-sized ring created once.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_SHAPING_H
#define XIAONAO_SHAPING_H

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_SHAPER_MAX_IMPULSES 64 /**< impulses of one shaper (a convolution multiplies them) */

/** A shaper: impulses of amplitude a[i] at time t[i] (s), t[0] = 0, ascending, sum a = 1. */
typedef struct {
    int n;
    xn_real a[XN_SHAPER_MAX_IMPULSES];
    xn_real t[XN_SHAPER_MAX_IMPULSES];
} xn_shaper;

typedef enum {
    XN_SHAPER_ZV = 0,   /**< zero vibration: 2 impulses over half a damped period */
    XN_SHAPER_ZVD = 1,  /**< zero vibration and derivative: 3 impulses, one period */
    XN_SHAPER_ZVDD = 2, /**< and second derivative: 4 impulses, 1.5 periods */
    XN_SHAPER_EI = 3    /**< extra insensitive: 3 impulses, about one period */
} xn_shaper_type;

/** Design a shaper for a mode of natural frequency f (Hz, > 0) and damping ratio zeta (in
 * [0, 1)); EI uses the vibration tolerance v_tol (in (0, 1), e.g. 0.05; others ignore it).
 * ZV, ZVD and ZVDD are closed forms (K = exp(-zeta pi / sqrt(1 - zeta^2)), impulses at half
 * damped periods, amplitudes the binomial coefficients in K); EI is solved by Newton's method
 * from its undamped closed form (amplitudes (1+V)/4, (1-V)/2, (1+V)/4). Returns XN_ERR_RANGE
 * for bad parameters (and writes the reason into why, 120 characters, when not NULL). */
xn_status xn_shaper_design(xn_shaper_type type, xn_real f, xn_real zeta, xn_real v_tol,
                           xn_shaper *out, char *why);
/** The convolution of two shapers (for two modes): n = a.n * b.n impulses, merged when they
 * coincide. XN_ERR_SIZE when there would be more than XN_SHAPER_MAX_IMPULSES. */
xn_status xn_shaper_convolve(const xn_shaper *a, const xn_shaper *b, xn_shaper *out);
/** The shaper's duration (its last impulse's time), s. */
xn_real xn_shaper_duration(const xn_shaper *s);
/** Residual vibration of a mode (f Hz, zeta) after the shaper, relative to an unshaped step:
 * V = exp(-zeta w t_n) |sum a_i exp(zeta w t_i) exp(i w_d t_i)|, w = 2 pi f. 1 for the identity
 * shaper; 0 at the design frequency for ZV, ZVD, ZVDD. */
xn_real xn_shaper_vibration(const xn_shaper *s, xn_real f, xn_real zeta);
/** Insensitivity: the width of the frequency band around f0 (as a fraction of f0) over which
 * the residual vibration stays at or below v (the band containing f0 where it is; 0 when
 * V(f0) > v). Scanned in steps of 1e-4 of f0 then refined by bisection. */
xn_real xn_shaper_insensitivity(const xn_shaper *s, xn_real f0, xn_real zeta, xn_real v);

/* ---- the shaper as a filter in the control loop ---- */

/** A running filter for `dim` streams sampled every dt: each impulse's delay is rounded to the
 * nearest sample when it falls within 1e-9 of one, else linearly interpolated between the two
 * samples around it. Created once (allocates its history); filtering allocates nothing. */
typedef struct {
    int dim;
    xn_real dt;
    xn_shaper shaper;
    int len;       /**< history length in samples */
    int head;      /**< where the newest sample is */
    long count;    /**< samples pushed since the reset */
    xn_real *hist; /**< len x dim */
} xn_shaper_filter;

/** A filter for the shaper s at sample time dt (s): XN_ERR_RANGE when the shaper's first
 * interval is shorter than two samples (the sample rate is too low for the mode: the impulses
 * would blur into one), with the reason in why (120 characters) when not NULL. *out is NULL on
 * error. */
xn_status xn_shaper_filter_create(const xn_shaper *s, int dim, xn_real dt, xn_shaper_filter **out,
                                  char *why);
void xn_shaper_filter_free(xn_shaper_filter *f);
/** Give the filter another shaper (its history kept): XN_ERR_SIZE when the new shaper is longer
 * than the history the filter was created for, XN_ERR_RANGE when its impulses are closer than
 * two samples. No allocation (for a mode that changes with the pose). */
xn_status xn_shaper_filter_set(xn_shaper_filter *f, const xn_shaper *s);
/** Start over as if the input had always been x (dim entries): no transient. */
void xn_shaper_filter_reset(xn_shaper_filter *f, const xn_real *x);
/** Push this sample's input x (dim) and write the shaped output y (dim; may alias x). */
void xn_shaper_filter_step(xn_shaper_filter *f, const xn_real *x, xn_real *y);

/* ---- the shaper applied to a trajectory ---- */

/** A trajectory as a function of time: writes position, velocity, acceleration (dim each; any
 * may be NULL) at t. */
typedef void (*xn_traj_fn)(const void *ctx, xn_real t, xn_real *p, xn_real *v, xn_real *a);

/** The shaped trajectory at t: sum a_i traj(t - t_i), exactly (no sampling), for dim streams
 * (dim <= 64). The shaped motion lasts xn_shaper_duration longer and keeps the limits (see the
 * top of this header). */
void xn_shaper_apply(const xn_shaper *s, xn_traj_fn traj, const void *ctx, int dim, xn_real t,
                     xn_real *p, xn_real *v, xn_real *a);

/* ---- identification of a mode from a measured free decay ---- */

/** A fitted damped oscillation y(t) = amplitude exp(-zeta w t) cos(w_d t + phase) + offset,
 * w = 2 pi frequency, w_d = w sqrt(1 - zeta^2), t from the first sample. */
typedef struct {
    xn_real frequency; /**< Hz */
    xn_real damping;   /**< ratio */
    xn_real amplitude, phase, offset;
    xn_real residual; /**< rms of the fit's error, in the signal's units */
    xn_real fit;      /**< 1 - residual^2 / variance of the signal: 1 is a perfect fit */
} xn_mode_fit;

/** Identify the dominant mode in a free decay y (n samples every dt s): the frequency from the
 * zero crossings, the damping from the logarithmic decrement of the peaks, then a
 * Levenberg-Marquardt fit of all five parameters (at most 100 iterations). XN_ERR_RANGE when the
 * signal has fewer than 3 oscillations in it or does not decay like a single mode (fit < 0.5).
 * No allocation. */
xn_status xn_mode_identify(const xn_real *y, int n, xn_real dt, xn_mode_fit *out);
/** The same for a 3-D signal (n rows of x, y, z: a tool's position), projected on its principal
 * direction (the largest eigenvector of the deviations' covariance) into work (n entries, the
 * caller's). */
xn_status xn_mode_identify3(const xn_real *xyz, int n, xn_real dt, xn_real *work, xn_mode_fit *out);

/* ---- biquad filters for servo commands ---- */

/** A second-order section y = (b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2), Direct Form I, with its
 * state. */
typedef struct {
    xn_real b0, b1, b2, a1, a2;
    xn_real x1, x2, y1, y2;
} xn_biquad;

/** A notch at f0 (Hz) of quality q (bandwidth f0 / q) for sample rate fs (Hz), by the bilinear
 * transform with pre-warping (R. Bristow-Johnson's cookbook): gain 1 at DC and Nyquist, 0 at f0.
 * XN_ERR_RANGE unless 0 < f0 < fs / 2 and q > 0. */
xn_status xn_biquad_notch(xn_biquad *bq, xn_real f0, xn_real q, xn_real fs);
/** A second-order low-pass at fc (Hz), quality q (0.7071 for Butterworth): gain 1 at DC.
 * XN_ERR_RANGE unless 0 < fc < fs / 2 and q > 0. */
xn_status xn_biquad_lowpass(xn_biquad *bq, xn_real fc, xn_real q, xn_real fs);
/** Set the state as if the input had always been x (the output settles at the DC gain times x). */
void xn_biquad_reset(xn_biquad *bq, xn_real x);
/** One sample. */
xn_real xn_biquad_step(xn_biquad *bq, xn_real x);
/** The filter's gain |H(exp(i 2 pi f / fs))| at frequency f (Hz). */
xn_real xn_biquad_gain(const xn_biquad *bq, xn_real f, xn_real fs);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
