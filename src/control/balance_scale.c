/* A balance tuning carried from one biped to another: the robot's dimensions measured on its
 * model, and the configuration scaled by them (see balance.h). SPDX-License-Identifier:
 * Apache-2.0 */
#include <math.h>
#include <string.h>

#include "model/error_internal.h"
#include "xiaonao/balance.h"
#include "xiaonao/dynamics.h"

/* The robot xn_balance_config_init's values were tuned on: the Unitree G1 (29 DoF, MuJoCo
 * Menagerie's g1.xml with balance.json's soles) in its neutral configuration, measured by
 * xn_balance_measure itself, digit for digit, so that scaling the G1's tuning to the G1 is
 * exactly the identity (tests/control/test_balance_scale.c checks it). */
static const xn_balance_dims reference = {0.70519782552306642, 0.23701290999999999, 0.155,
                                          33.341142000000005};

void xn_balance_reference_dims(xn_balance_dims *out) { *out = reference; }

xn_status xn_balance_measure(const xn_model *m, const xn_wbc_config *wbc, const xn_real *q,
                             xn_balance_dims *out, xn_error *err) {
    static const char *where = "xn_balance_measure";
    if (wbc->ncontact != 2)
        return xn_fail(err, XN_ERR_INVALID, where, "wbc.ncontact %d (a biped has 2 feet)",
                       wbc->ncontact);
    for (int f = 0; f < 2; f++)
        if (wbc->contact[f].frame < 0 || wbc->contact[f].frame >= m->nframe)
            return xn_fail_at(err, XN_ERR_NOT_FOUND, where, f,
                              "foot %d: frame %d is not one of the model's 0..%d", f,
                              wbc->contact[f].frame, m->nframe - 1);
    xn_data *d = xn_data_create(m);
    if (!d) return xn_fail(err, XN_ERR_NOMEM, where, "out of memory");
    xn_dyn_com(m, d, q);
    /* the soles' height: the mean of every corner's height in the world; the feet's distance:
     * between the frames; the foot's length: the corners' extent along the foot's x axis */
    xn_real sole = 0, p[2][3], length = 0;
    for (int f = 0; f < 2; f++) {
        xn_se3 X;
        xn_dyn_frame_placement(m, d, wbc->contact[f].frame, &X);
        memcpy(p[f], X.p, sizeof p[f]);
        xn_real lo = INFINITY, hi = -INFINITY;
        for (int k = 0; k < 4; k++) {
            const xn_real *c = wbc->contact[f].corner[k];
            sole += X.p[2] + X.R[6] * c[0] + X.R[7] * c[1] + X.R[8] * c[2];
            lo = fmin(lo, c[0]);
            hi = fmax(hi, c[0]);
        }
        length += (hi - lo) / 2;
    }
    out->com_height = d->com[2] - sole / 8;
    out->feet_distance = hypot(p[0][0] - p[1][0], p[0][1] - p[1][1]);
    out->foot_length = length;
    out->mass = d->mass;
    xn_data_free(d);
    if (!(out->com_height > 0) || !(out->foot_length > 0) || !(out->feet_distance > 0) ||
        !(out->mass > 0))
        return xn_fail(err, XN_ERR_RANGE, where,
                       "not a standing biped: CoM %g m above the soles, feet %g m apart, soles "
                       "%g m long, %g kg",
                       out->com_height, out->feet_distance, out->foot_length, out->mass);
    return XN_OK;
}

xn_status xn_balance_config_scale(xn_balance_config *c, const xn_balance_dims *robot,
                                  xn_error *err) {
    if (!(robot->com_height > 0) || !(robot->feet_distance > 0) || !(robot->foot_length > 0) ||
        !(robot->mass > 0) || !isfinite(robot->com_height) || !isfinite(robot->feet_distance) ||
        !isfinite(robot->foot_length) || !isfinite(robot->mass))
        return xn_fail(err, XN_ERR_RANGE, "xn_balance_config_scale",
                       "dimensions must be finite and > 0 (CoM height %g m, feet %g m apart, "
                       "soles %g m, %g kg)",
                       robot->com_height, robot->feet_distance, robot->foot_length, robot->mass);
    /* the inverted pendulum's similarity (Froude scaling, g the same): lengths go as the CoM
     * height, times as its square root, rates as one over it, accelerations unchanged */
    const xn_real len = robot->com_height / reference.com_height, time = sqrt(len), rate = 1 / time;
    c->dcm_gain *= rate;
    c->dcm_gain_near *= rate;
    c->height_kp *= rate * rate;
    c->height_kd *= rate;
    c->cmp_max *= len;
    c->step_trigger *= len;
    c->step_height *= len;
    c->step_length_max *= len;
    c->step_side_max *= len;
    c->touchdown_height *= len;
    c->step_offset *= len;
    c->stance_lift *= len;
    c->dcm_gain_span *= len;
    c->stand_lower *= len;
    c->height_trigger *= len;
    c->step_duration *= time;
    c->min_double_support *= time;
    c->dcm_filter *= time;
    c->hip_relax_time *= time;
    c->height_boost_time *= time;
    /* the sole's margin with the sole, the narrowest stance with the stance */
    c->cop_margin *= robot->foot_length / reference.foot_length;
    c->step_width_min *= robot->feet_distance / reference.feet_distance;
    /* the damping fallback (N m s/rad): a torque (mass x g x length) times a time */
    c->damping *= robot->mass / reference.mass * len * time;
    return XN_OK;
}
