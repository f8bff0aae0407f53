/* xiaonao: dynamic identification. The joint forces a robot needs are linear in its inertial
 * parameters and its joints' friction, tau = W(q, v, a) pi; from logged motions (q, v, a, tau)
 * this finds which combinations of the parameters the motions can tell apart (the base
 * parameters, by QR with column pivoting), estimates them by weighted least squares with
 * confidence intervals (Gautier's method: each joint's rows weighted by the inverse of its
 * residual's standard deviation), and fits a full set of physically consistent parameters to them
 * (every body's pseudo-inertia positive definite through a log-Cholesky parametrization,
 * Rucker and Wensing 2022, or semidefinite where the fit ends on that boundary; armature,
 * viscous and Coulomb friction >= 0) that a model can take.
 *
 * The parameters pi, in this order (xn_ident_nparam entries):
 *   per body 1 .. nbody-1, XN_DYN_BODY_PARAMS: m, m cx, m cy, m cz, Ixx, Iyy, Izz, Ixy, Ixz, Iyz
 *     (kg, kg m, kg m^2; about the body frame's origin, in body axes);
 *   per DoF: armature (kg m^2 or kg);
 *   per DoF: viscous friction fv (N m s/rad), Coulomb friction fc (N m), torque offset (N m),
 *     the friction torque being fv v + fc sgn(v) + offset, with sgn(v) = v / v_smooth inside
 *     |v| < v_smooth (a measured velocity near zero says little about the sliding direction).
 * Only the DoFs whose torques are measured give rows (options.measured); the others are held
 * at the configuration given with each sample (e.g. a gripper's fingers).
 *
 * This is an offline computation: it allocates (samples are kept, in SI units), and a solve of a
 * 7-DoF arm from 10^4 samples takes about a second. Not for the control loop.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_IDENT_H
#define XIAONAO_IDENT_H

#include <stddef.h>

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_IDENT_JOINT_PARAMS 4 /**< per DoF: armature, viscous, Coulomb, offset */

typedef struct {
    /** The DoFs whose torques are measured (indices into v), nmeasured of them; 0: every DoF
     * of a fixed-base model. */
    int nmeasured;
    const int *measured;
    /** 1: identify viscous and Coulomb friction and an offset per measured DoF (default in
     * xn_ident_default_options: 1). 0: those are the model's (damping, friction) and no offset. */
    int friction;
    xn_real v_smooth;     /**< rad/s or m/s: the Coulomb term's linear zone (default 0.01) */
    xn_real rank_tol;     /**< a column pivot smaller than this times the largest (columns scaled
                               to unit norm) is dependent (default 1e-6) */
    xn_real prior_weight; /**< the nominal model's pull in the consistent fit, relative to the
                               data's mean column weight (default 1e-6): it settles only what the
                               data cannot tell */
    /** Which parameters to identify (xn_ident_nparam flags, 1: identify); the others are the
     * model's and known (NULL: all, as friction allows). E.g. only a tool's body: a payload. */
    const unsigned char *free_params;
} xn_ident_options;

/** The defaults above (every DoF measured, friction identified). */
void xn_ident_default_options(xn_ident_options *o);

/** An identification: samples in, parameters out. */
typedef struct xn_ident xn_ident;

/** Start one on the model m (the nominal model: its parameters are the prior and the starting
 * point; m must outlive the object and stay unchanged). Fails on a measured DoF out of range
 * or given twice, or a model whose base is floating with no measured DoF list. */
xn_status xn_ident_create(const xn_model *m, const xn_ident_options *opt, xn_ident **out,
                          xn_error *err);
void xn_ident_free(xn_ident *id);

/** Add one sample: q (m->nq), v and a (m->nv), tau (the measured DoFs' forces, nmeasured, in
 * the order of options.measured). Every value must be finite: XN_ERR_RANGE names the entry. */
xn_status xn_ident_add(xn_ident *id, const xn_real *q, const xn_real *v, const xn_real *a,
                       const xn_real *tau, xn_error *err);
int xn_ident_nsamples(const xn_ident *id);
/** How many parameters (entries of pi) and rows per sample. */
int xn_ident_nparam(const xn_ident *id);
int xn_ident_nmeasured(const xn_ident *id);

/** Remove every sample (the model and the options stay), to try other motions. */
void xn_ident_clear(xn_ident *id);

/** How well the samples added so far excite the model: the condition number of their regressor
 * over the model's base parameters, each column scaled to unit norm (1 is ideal; excitation
 * design lowers it). INFINITY when they leave a base parameter unexcited. */
xn_status xn_ident_excitation(xn_ident *id, xn_real *condition, xn_error *err);

/** Identify from the samples added so far. XN_ERR_INVALID when there are fewer rows than base
 * parameters; XN_ERR_NUMERIC when the samples excite fewer base parameters than the model has
 * (the message names the ones they cannot tell apart) unless allow_partial is 1, in which case
 * those stay at the nominal model's values and xn_ident_summary says how many. */
xn_status xn_ident_solve(xn_ident *id, int allow_partial, xn_error *err);

/** What a solve found. */
typedef struct {
    int nsamples, nrows;
    int nparam;             /**< entries of pi */
    int nbase_model;        /**< base parameters of the model (exciting random motions) */
    int nbase;              /**< base parameters these samples identify (<= nbase_model) */
    xn_real condition;      /**< of the weighted base regressor, columns scaled to unit norm,
                                 estimated by its QR's first and last pivots (a lower bound) */
    xn_real rms_nominal;    /**< N m: RMS of tau - W pi over the measured rows, nominal model */
    xn_real rms_base;       /**< ... with the least-squares base parameters */
    xn_real rms_consistent; /**< ... with the physically consistent full parameters */
    const xn_real *sigma;   /**< per measured DoF: the residual's standard deviation (N m) */
} xn_ident_summary;
xn_status xn_ident_summary_get(const xn_ident *id, xn_ident_summary *s);

/** One base parameter j (0 <= j < nbase): the parameter it is named by (an index into pi), and
 * how the others fold into it, beta_j = pi[lead] + sum_k coef[k] pi[index[k]] (ncombined terms,
 * the arrays owned by the object); its least-squares estimate with a 95 % confidence half-width,
 * the value the nominal model gives it, and the value the consistent parameters give it. */
typedef struct {
    int lead;
    int ncombined;
    const int *index;
    const xn_real *coef;
    xn_real estimate, ci95, nominal, consistent;
} xn_ident_base;
xn_status xn_ident_base_get(const xn_ident *id, int j, xn_ident_base *b);

/** The base parameters (nbase) that a full parameter vector pi (xn_ident_nparam) gives. */
xn_status xn_ident_base_of(const xn_ident *id, const xn_real *pi, xn_real *beta);

/** The model's own parameters (nominal), and the identified physically consistent ones. */
const xn_real *xn_ident_nominal(const xn_ident *id);
const xn_real *xn_ident_params(const xn_ident *id);

/** A parameter's name: "link3.Izz", "joint4.armature", "joint4.viscous", "joint4.coulomb",
 * "joint4.offset". Writes at most n bytes; returns buf. */
const char *xn_ident_param_name(const xn_ident *id, int k, char *buf, size_t n);

/** The torques the parameters pi (xn_ident_nparam entries; e.g. xn_ident_params or
 * xn_ident_nominal) predict at one state, for the measured DoFs (nmeasured). Parameters the
 * options left known (friction off, free_params) are the model's whatever pi holds. */
xn_status xn_ident_predict(xn_ident *id, const xn_real *pi, const xn_real *q, const xn_real *v,
                           const xn_real *a, xn_real *tau);

/** Write pi's inertias and armatures into the model copy mc (from xn_model_copy of the nominal
 * model): xn_model_set_body_inertia per body. Damping takes the viscous friction; Coulomb
 * friction goes to dof_friction. */
xn_status xn_ident_apply(const xn_ident *id, const xn_real *pi, xn_model *mc, xn_error *err);

/* ---- kinematic calibration ---- */

/** Kinematic calibration: a point on the robot (a laser tracker's reflector, a probe tip)
 * measured in the tracker's frame at many joint configurations gives the errors of the model's
 * geometry. The parameters, in this order: per 1-DoF joint on the way to the point's body, its
 * zero offset (rad or m: the encoder reads q where the joint is at q + offset) and the error of
 * its body's origin in the parent frame (x, y, z, m); the point's error in its body's frame
 * (x, y, z, m); the tracker's placement (x, y, z, m, and a rotation vector, rad, about the
 * alignment found first). Which of them the measurements can tell apart is found by QR with
 * column pivoting on the Jacobian (the others stay 0 and are named); the rest by Gauss-Newton.
 * Offline; allocates. */
typedef struct xn_calib xn_calib;

/** Start one on the model m (kept, unchanged) for the point `point` (m) fixed in body `body`;
 * `measured`: the model DoFs of the joint values given with each measurement (n of them, the
 * order of xn_calib_add's q); the other DoFs stay at the model's neutral. */
xn_status xn_calib_create(const xn_model *m, int body, const xn_real point[3], int n,
                          const int *measured, xn_calib **out, xn_error *err);
void xn_calib_free(xn_calib *c);
/** One measurement: the joint values (n, rad or m) and the point's position (3, m, in the
 * tracker's frame). XN_ERR_RANGE names a non-finite entry. */
xn_status xn_calib_add(xn_calib *c, const xn_real *q, const xn_real p[3], xn_error *err);
/** Calibrate. XN_ERR_INVALID: fewer measurements than parameters to identify, or measurements
 * that no placement of the tracker brings within 50 mm of the model's points (wrong units, another
 * point, joints in another order: the message gives the rms). */
xn_status xn_calib_solve(xn_calib *c, xn_error *err);

/** What a solve found. */
typedef struct {
    int nmeas, nparam, nidentified;
    xn_real rms_before, max_before; /**< m: the model's points against the measurements, with the
                                         tracker's placement fitted (and nothing else) */
    xn_real rms_after, max_after;   /**< m: with every identified parameter */
    xn_real observability;          /**< (s_1 ... s_L)^(1/L) / sqrt(3 N) of the scaled Jacobian
                                         (Borm and Menq's O1; larger is better) */
} xn_calib_summary;
xn_status xn_calib_summary_get(const xn_calib *c, xn_calib_summary *s);
/** Parameter k: its name ("joint2.offset", "link3.y", "point.z", "tracker.rx"), its value,
 * 1 when identified (else it stays 0 and `with` names the identified parameter it cannot be
 * told from, or "" when it has no effect), and its standard deviation per 1 m of measurement
 * noise (multiply by the tracker's noise). */
typedef struct {
    char name[96];
    xn_real value, std_per_noise;
    int identified;
    char with[96];
} xn_calib_param;
xn_status xn_calib_param_get(const xn_calib *c, int k, xn_calib_param *out);
/** The point's position (tracker frame) the calibrated (corrected 1) or the nominal (0) model
 * predicts at joint values q (n). */
xn_status xn_calib_predict(xn_calib *c, const xn_real *q, int corrected, xn_real p[3]);
/** The corrected geometry written into mc (a copy of the model: xn_model_copy): joint offsets
 * folded into the bodies' placements, origins moved. The point and the tracker are not part of
 * the model (xn_calib_param_get gives them). */
xn_status xn_calib_apply(const xn_calib *c, xn_model *mc, xn_error *err);

/* ---- signals from logs ---- */

/** Zero-phase low-pass: a second-order Butterworth filter (cutoff hz at sample rate fs hz) run
 * forward and backward over x (n samples, stride between consecutive samples), in place, its
 * ends started at rest at the first and last sample. XN_ERR_RANGE unless 0 < cutoff < fs / 2. */
xn_status xn_ident_lowpass(xn_real *x, int n, int stride, xn_real cutoff, xn_real fs);
/** dx/dt by central differences (one-sided at the ends), samples dt apart: out[i*stride]. */
void xn_ident_derivative(const xn_real *x, int n, int stride, xn_real dt, xn_real *out);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
