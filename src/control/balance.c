/* Capture-point balance and recovery steps on the whole-body controller (see balance.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/balance.h"

#include "model/error_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/support.h"
#include "math/spatial_inline.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

#define SWING_REPLAN 0.7     /* the foothold is planned again until this fraction of the swing */
#define SWING_LOWERING 0.1   /* s the foot keeps going down past the swing's end */
#define SWING_DESCENT 0.05   /* m/s it goes down then */
#define REPLACE_DURATION 0.1 /* s to set a lost stance foot back down */
#define XN_BALANCE_HOLD_CYCLES 5 /* a failed solve holds the last torques this many cycles */
#define HEIGHT_REARM 1.0 /* s near the reference before the height strategy may start again */

struct xn_balance {
    const xn_model *m;
    xn_balance_config cfg;
    xn_wbc *w;
    xn_data *d;
    xn_real *posture, *Jcom;
    xn_wbc_targets t;
    xn_real height;    /* the CoM above the ground, m */
    xn_real xi_ref[2]; /* where the capture point is brought while standing */
    xn_real yaw;       /* the base's heading */
    unsigned char stance[2];
    xn_balance_phase phase;
    int steps, swing, set_down;
    xn_real t_phase, t_stand;
    xn_real lift[3], foothold[2], foot_yaw, ground;
    xn_real comv_f[3]; /* the CoM velocity, low-passed */
    int filtered;
    xn_real *tau_last; /* the last solved torques, held through a failed solve */
    int failed;        /* solves failed in a row */
    xn_real relax;     /* log10 of the posture tasks' weight scale, <= 0 */
    int replacing;     /* the swing sets a foot the ground lost back down where it was */
    xn_real t_height;  /* s since the height strategy's boost started; < 0: armed, not acting */
    xn_real t_calm;    /* s the capture point has been back near its reference since then */
    int height_boosts;
    long fallbacks; /* cycles that used the whole-body controller's budget fallback */
};

void xn_balance_config_init(xn_balance_config *c) {
    memset(c, 0, sizeof *c);
    xn_wbc_config_init(&c->wbc);
    c->dcm_gain = 2.5;
    c->cop_margin = 0.008;
    c->cmp_max = 0.04;
    c->height_kp = 100;
    c->height_kd = 20;
    c->stepping = 1;
    c->step_trigger = 0.01;
    c->step_duration = 0.2;
    c->step_height = 0.06;
    c->step_length_max = 0.5;
    c->step_width_min = 0.15;
    c->step_side_max = 0.55;
    c->touchdown_height = 0.01;
    c->min_double_support = 0.1;
    c->damping = 5;
    c->dcm_filter = 0.01;
    c->step_offset = 0.03;
    c->hip_relax = 1;
    c->hip_relax_time = 0.3;
    c->stance_lift = 0.01;
    c->dcm_gain_near = 2.5;
    c->dcm_gain_span = 0;
    c->height_boost = 0;
    c->height_boost_time = 0.15;
    c->height_unload = 9;
    c->height_trigger = 0.03;
}

void xn_balance_config_no_step(xn_balance_config *c) {
    c->stepping = 0;
    c->dcm_gain = 20;
    c->cmp_max = 0.5;
    c->hip_relax = 0.01;
    c->dcm_gain_span = 0.03;
    c->stand_lower = 0.11;
    c->height_boost = 5;
}

/* One named range check of the configuration: fails with the parameter's name and value. */
#define CHECK(ok, name, value, range)                                                              \
    do {                                                                                           \
        if (!(ok))                                                                                 \
            return xn_fail(err, XN_ERR_RANGE, fn, "%s %g (%s)", name, (double)(value), range);     \
    } while (0)

xn_status xn_balance_create(const xn_model *m, const xn_balance_config *cfg, xn_balance **out,
                            xn_error *err) {
    static const char *const fn = "xn_balance_create";
    *out = NULL;
    if (cfg->wbc.ncontact != 2)
        return xn_fail(err, XN_ERR_INVALID, fn, "wbc.ncontact %d (a biped has 2 feet)",
                       cfg->wbc.ncontact);
    CHECK(cfg->hip_relax > 0 && cfg->hip_relax <= 1, "hip_relax", cfg->hip_relax, "in (0, 1]");
    CHECK(cfg->hip_relax_time > 0, "hip_relax_time", cfg->hip_relax_time, "> 0");
    CHECK(cfg->dcm_gain_span >= 0, "dcm_gain_span", cfg->dcm_gain_span, ">= 0");
    CHECK(cfg->dcm_gain_near >= 0, "dcm_gain_near", cfg->dcm_gain_near, ">= 0");
    CHECK(cfg->stance_lift >= 0, "stance_lift", cfg->stance_lift, ">= 0");
    CHECK(cfg->stand_lower >= 0 && cfg->stand_lower < 0.5, "stand_lower", cfg->stand_lower,
          "in [0, 0.5)");
    CHECK(cfg->step_length_max > 0, "step_length_max", cfg->step_length_max, "> 0");
    CHECK(cfg->step_side_max >= cfg->step_width_min, "step_side_max", cfg->step_side_max,
          ">= step_width_min");
    CHECK(cfg->height_boost >= 0 && cfg->height_boost < INFINITY, "height_boost", cfg->height_boost,
          ">= 0 and finite");
    xn_real gz = -m->gravity[2];
    if (cfg->height_boost > 0) {
        CHECK(cfg->height_boost_time > 0 && cfg->height_boost_time < INFINITY, "height_boost_time",
              cfg->height_boost_time, "> 0 and finite with a height_boost");
        CHECK(cfg->height_trigger > 0, "height_trigger", cfg->height_trigger,
              "> 0 with a height_boost");
        CHECK(cfg->height_unload > 0 && cfg->height_unload < gz, "height_unload",
              cfg->height_unload, "in (0, g) with a height_boost");
    }
    xn_balance *b = calloc(1, sizeof *b);
    if (!b) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    b->m = m;
    b->cfg = *cfg;
    xn_wbc_config wc = cfg->wbc;
    wc.com_kp = wc.com_kd = 0; /* the CoM's acceleration is all feedforward from here */
    xn_status st = xn_wbc_create(m, &wc, &b->w, err);
    if (st != XN_OK) {
        xn_balance_free(b);
        if (err) { /* say which call: the whole-body controller's check of cfg->wbc */
            char inner[sizeof err->message];
            snprintf(inner, sizeof inner, "%s", err->message);
            xn_fail(err, st, fn, "wbc: %s", inner);
        }
        return st;
    }
    b->d = xn_data_create(m);
    b->posture = calloc((size_t)m->nq, sizeof *b->posture);
    b->Jcom = calloc(3 * (size_t)m->nv, sizeof *b->Jcom);
    b->tau_last = calloc((size_t)m->nv, sizeof *b->tau_last);
    if (!b->d || !b->posture || !b->Jcom || !b->tau_last) {
        xn_balance_free(b);
        return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    }
    b->stance[0] = b->stance[1] = 1;
    *out = b;
    return XN_OK;
}
#undef CHECK

void xn_balance_free(xn_balance *b) {
    if (!b) return;
    xn_wbc_free(b->w);
    xn_data_free(b->d);
    free(b->posture);
    free(b->Jcom);
    free(b->tau_last);
    free(b);
}

const unsigned char *xn_balance_stance(const xn_balance *b) { return b->stance; }

xn_wbc_targets *xn_balance_targets(xn_balance *b) { return &b->t; }

xn_real *xn_balance_posture(xn_balance *b) { return b->posture; }

xn_real xn_balance_friction(const xn_balance *b) { return xn_wbc_friction(b->w, 0); }

void xn_balance_set_friction(xn_balance *b, xn_real mu) {
    for (int f = 0; f < 2; f++) xn_wbc_set_friction(b->w, f, mu);
}

static void rot_z(xn_real yaw, xn_real R[9]) {
    xn_real c = cos(yaw), s = sin(yaw);
    const xn_real r[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
    memcpy(R, r, sizeof r);
}

/* the sole frames' placements at the kinematics in b->d */
static void feet(const xn_balance *b, xn_se3 F[2]) {
    for (int f = 0; f < 2; f++)
        xn_dyn_frame_placement(b->m, b->d, b->cfg.wbc.contact[f].frame, &F[f]);
}

/* The support polygon of the feet standing in stance (left, right): their corners' convex hull in
 * the ground plane (*nhull corners), and that hull shrunk by the CoP margin, which is returned
 * (its corner count) for clamping the centre of pressure into. */
static int support_polygon(const xn_balance *b, const xn_se3 F[2], const unsigned char stance[2],
                           xn_real (*hull)[2], int *nhull, xn_real (*poly)[2]) {
    xn_real pts[8][2];
    int n = 0;
    for (int f = 0; f < 2; f++) {
        if (!stance[f]) continue;
        for (int k = 0; k < 4; k++) {
            xn_real w[3];
            xn_se3_apply(&F[f], b->cfg.wbc.contact[f].corner[k], w);
            pts[n][0] = w[0], pts[n][1] = w[1];
            n++;
        }
    }
    *nhull = xn_support_hull(pts, n, hull);
    return xn_support_shrink(hull, *nhull, b->cfg.cop_margin, poly);
}

/* The stance foot that the ground has lost: its lowest sole corner more than stance_lift above
 * the ground (-1: none). */
static int lost_foot(const xn_balance *b, const xn_se3 F[2]) {
    for (int f = 0; f < 2; f++) {
        xn_real low = INFINITY;
        for (int k = 0; k < 4; k++) {
            xn_real w[3];
            xn_se3_apply(&F[f], b->cfg.wbc.contact[f].corner[k], w);
            if (w[2] < low) low = w[2];
        }
        if (b->stance[f] && low - b->ground > b->cfg.stance_lift) return f;
    }
    return -1;
}

void xn_balance_reset(xn_balance *b, const xn_real *q, const xn_real *posture) {
    const xn_model *m = b->m;
    memcpy(b->posture, posture ? posture : q, (size_t)m->nq * sizeof(xn_real));
    xn_wbc_targets_init(b->w, q, &b->t);
    b->t.posture = b->posture;
    xn_dyn_com(m, b->d, q);
    xn_se3 F[2];
    feet(b, F);
    b->ground = 0.5 * (F[0].p[2] + F[1].p[2]);
    b->height = b->d->com[2] - b->ground - b->cfg.stand_lower;
    b->xi_ref[0] = b->d->com[0];
    b->xi_ref[1] = b->d->com[1];
    xn_real R[9];
    xn_quat_to_rot(q + 3, R);
    b->yaw = atan2(R[3], R[0]);
    rot_z(b->yaw, b->t.base_R);
    rot_z(b->yaw, b->t.torso_R);
    b->stance[0] = b->stance[1] = 1;
    b->phase = XN_BALANCE_STAND;
    b->steps = 0;
    b->set_down = 0;
    b->t_phase = 0;
    b->t_stand = b->cfg.min_double_support;
    b->filtered = 0;
    b->relax = 0;
    b->failed = XN_BALANCE_HOLD_CYCLES; /* nothing solved yet to hold */
    b->replacing = 0;
    b->t_height = -1;
    b->height_boosts = 0;
    b->fallbacks = 0;
}

/* The height strategy's vertical CoM acceleration this cycle (into *acc; untouched when it does
 * not act), given the capture point's error along the heading's forward and lateral axes. A
 * boost, then the unloading that brings the planned vertical velocity back to zero; after that
 * the height's PD (the caller's) returns the CoM to its standing height. A push mostly along the
 * heading starts it: the forward error past the trigger and larger than the lateral one. Started
 * by the error along either axis, it took the G1's sideways pushes without steps from 35.5 N s to
 * 32.5; by the forward error alone, to 33.0 (a sideways push's roll brings a forward error too);
 * as here, 34.5. Why it costs sideways pushes was not isolated. */
static void height_strategy(xn_balance *b, xn_real err_forward, xn_real err_lateral, xn_real dt,
                            xn_real *acc) {
    const xn_balance_config *c = &b->cfg;
    if (!(c->height_boost > 0)) return;
    xn_real unload_time = c->height_boost * c->height_boost_time / c->height_unload;
    xn_real done = c->height_boost_time + unload_time, e = fabs(err_forward);
    if (b->t_height < 0) {
        if (e <= c->height_trigger || e < fabs(err_lateral)) return;
        b->t_height = b->t_calm = 0; /* a push: start */
        b->height_boosts++;
    } else if (b->t_height >= done) {
        /* over: armed again once the capture point has stayed near its reference a while (a
         * second boost in the middle of a recovery threw the G1 over) */
        b->t_calm = e < 0.5 * c->height_trigger ? b->t_calm + dt : 0;
        if (b->t_calm >= HEIGHT_REARM) b->t_height = -1;
        return;
    }
    *acc = b->t_height < c->height_boost_time ? c->height_boost : -c->height_unload;
    b->t_height += dt;
}

/* Where foot `swing` should land when the other stands at stance_foot with its centre of
 * pressure at p: under the capture point predicted at touchdown, a little beyond it, inside the
 * reach ellipse about the stance foot (step_length_max fore and aft, step_side_max sideways: a
 * leg reaches farther out to the side than the 0.5 m that suits a step forward or back; on the
 * G1 a lateral reach of 0.525-0.6 m raised the sideways push survived with steps from 23 to
 * 25-27 N s) and no nearer than step_width_min sideways (the left foot stays on the left).
 * Returns how far the foothold falls short of the predicted capture
 * point (0 when the limits allow it): what makes one foot the better one to swing. */
static xn_real foothold_for(const xn_balance *b, int swing, const xn_se3 *stance_foot,
                            const xn_real xi[2], const xn_real p[2], xn_real omega,
                            xn_real remaining, xn_real out_xy[2]) {
    const xn_balance_config *c = &b->cfg;
    xn_real e = exp(omega * (remaining > 0 ? remaining : 0)), target[2];
    for (int a = 0; a < 2; a++) target[a] = p[a] + (xi[a] - p[a]) * e;
    /* in the heading frame, from the stance foot */
    xn_real cy = cos(b->yaw), sy = sin(b->yaw);
    xn_real dx = target[0] - stance_foot->p[0], dy = target[1] - stance_foot->p[1];
    xn_real fwd0 = cy * dx + sy * dy, side0 = -sy * dx + cy * dy, dist = hypot(fwd0, side0);
    xn_real fwd = fwd0, side = side0;
    if (dist > 0) {
        fwd += c->step_offset * fwd / dist;
        side += c->step_offset * side / dist;
    }
    xn_real out = swing == 0 ? 1 : -1;
    if (out * side < c->step_width_min) side = out * c->step_width_min;
    xn_real len = hypot(fwd / c->step_length_max, side / c->step_side_max);
    if (len > 1) fwd /= len, side /= len;
    if (out * side < c->step_width_min) side = out * c->step_width_min;
    out_xy[0] = stance_foot->p[0] + cy * fwd - sy * side;
    out_xy[1] = stance_foot->p[1] + sy * fwd + cy * side;
    /* the shortfall: the capture point's distance from the foot's sole around the foothold
     * (taken as a disc of 5 cm) */
    xn_real miss = hypot(fwd - fwd0, side - side0) - 0.05;
    return miss > 0 ? miss : 0;
}

static void plan_foothold(xn_balance *b, const xn_se3 *stance_foot, const xn_real xi[2],
                          const xn_real p[2], xn_real omega, xn_real remaining) {
    foothold_for(b, b->swing, stance_foot, xi, p, omega, remaining, b->foothold);
}

/* The swing foot's target at the phase's time: a minimum-jerk path in the plane, a lift of
 * step_height (64 s^3 (1 - s)^3, zero velocity at both ends), then a slow descent past the end. */
static void swing_target(xn_balance *b) {
    const xn_real T = b->replacing ? REPLACE_DURATION : b->cfg.step_duration, t = b->t_phase;
    xn_real s = t / T > 1 ? 1 : t / T;
    xn_real s3 = s * s * s, mj = s3 * (10 - 15 * s + 6 * s * s);
    xn_real dmj = 30 * s * s * (1 - s) * (1 - s) / T,
            ddmj = 60 * s * (1 - s) * (1 - 2 * s) / (T * T);
    xn_real *pos = b->t.foot_position[b->swing], *vel = b->t.foot_velocity[b->swing],
            *acc = b->t.foot_acceleration[b->swing];
    for (int a = 0; a < 2; a++) {
        xn_real d = b->foothold[a] - b->lift[a];
        pos[a] = b->lift[a] + d * mj;
        vel[a] = d * dmj;
        acc[a] = d * ddmj;
    }
    if (b->replacing) { /* straight down from where it was lost */
        xn_real d = b->ground - b->lift[2];
        pos[2] = b->lift[2] + d * mj;
        vel[2] = d * dmj;
        acc[2] = d * ddmj;
    } else {
        xn_real u = s * (1 - s), h = b->cfg.step_height;
        pos[2] = b->ground + 64 * h * u * u * u;
        vel[2] = 64 * h * 3 * u * u * (1 - 2 * s) / T;
        acc[2] = 64 * h * (6 * u * (1 - 2 * s) * (1 - 2 * s) - 6 * u * u) / (T * T);
    }
    if (t > T) {
        pos[2] = b->ground - SWING_DESCENT * (t - T);
        vel[2] = -SWING_DESCENT;
        acc[2] = 0;
    }
    rot_z(b->foot_yaw, b->t.foot_R[b->swing]);
}

void xn_balance_damping(const xn_balance *b, const xn_real *v, xn_real *tau) {
    const xn_model *m = b->m;
    for (int k = 0; k < m->nv; k++) {
        /* a NaN velocity (a failed sensor: the reason to fall back here) brakes nothing */
        xn_real vk = isfinite(v[k]) ? v[k] : 0;
        xn_real t = k < 6 ? 0 : -b->cfg.damping * vk, lim = m->dof_effort[k];
        tau[k] = t > lim ? lim : t < -lim ? -lim : t;
    }
}

xn_status xn_balance_update(xn_balance *b, const xn_real *q, const xn_real *v, xn_real dt,
                            xn_real *tau, xn_balance_status *st) {
    const xn_model *m = b->m;
    const xn_balance_config *c = &b->cfg;
    int nv = m->nv;
    /* ---- the state: centre of mass, capture point, feet ---- */
    xn_dyn_com_jacobian(m, b->d, q);
    xn_real com[3], comv[3] = {0, 0, 0};
    memcpy(com, b->d->com, sizeof com);
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < nv; k++) comv[r] += b->d->Jcom[r * nv + k] * v[k];
    xn_se3 F[2];
    feet(b, F);
    xn_real gz = -m->gravity[2] > 0 ? -m->gravity[2] : 9.81;
    xn_real z = com[2] - b->ground, omega = sqrt(gz / (z > 0.1 ? z : 0.1)), xi[2];
    /* the estimated velocity is noisy at impacts, and the capture point multiplies it by
     * 1 / omega: a first-order low-pass (time constant dcm_filter) */
    xn_real alpha = c->dcm_filter > 0 ? dt / (c->dcm_filter + dt) : 1;
    for (int a = 0; a < 3; a++)
        b->comv_f[a] = b->filtered ? b->comv_f[a] + alpha * (comv[a] - b->comv_f[a]) : comv[a];
    b->filtered = 1;
    for (int a = 0; a < 2; a++) xi[a] = com[a] + b->comv_f[a] / omega;
    b->t_phase += dt;
    b->t_stand += dt;
    /* ---- stepping: touchdown ends a swing ---- */
    if (b->phase == XN_BALANCE_STEP_LEFT || b->phase == XN_BALANCE_STEP_RIGHT) {
        xn_real height = F[b->swing].p[2] - b->ground;
        xn_real T = b->replacing ? REPLACE_DURATION : c->step_duration;
        int late = b->t_phase >= T + SWING_LOWERING;
        if ((b->t_phase >= 0.5 * T && height <= c->touchdown_height) || late) {
            b->stance[b->swing] = 1;
            b->phase = XN_BALANCE_STAND;
            b->t_stand = 0;
            if (!b->replacing) {
                b->steps++;
                /* stand where the feet now are */
                b->xi_ref[0] = 0.5 * (F[0].p[0] + F[1].p[0]);
                b->xi_ref[1] = 0.5 * (F[0].p[1] + F[1].p[1]);
            }
            b->replacing = 0;
        }
    }
    /* ---- a stance foot the ground has lost (lifted by the body's roll, not by a step) ---- */
    int lost = b->phase == XN_BALANCE_STAND && c->stance_lift > 0 && b->stance[0] && b->stance[1] &&
                       b->t_stand >= REPLACE_DURATION
                   ? lost_foot(b, F)
                   : -1;
    if (lost >= 0) {
        b->swing = lost;
        b->phase = lost == 0 ? XN_BALANCE_STEP_LEFT : XN_BALANCE_STEP_RIGHT;
        b->stance[lost] = 0;
        b->t_phase = 0;
        b->replacing = 1;
        b->set_down++;
        memcpy(b->lift, F[lost].p, sizeof b->lift);
        b->foothold[0] = F[lost].p[0], b->foothold[1] = F[lost].p[1];
        b->foot_yaw = atan2(F[lost].R[3], F[lost].R[0]);
    }
    /* ---- the support polygon and the ankle and hip strategies ---- */
    xn_real hull[8][2], poly[8][2], p_des[2], p[2], cmp[2];
    int nh, np = support_polygon(b, F, b->stance, hull, &nh, poly);
    const xn_real *ref = b->xi_ref;
    xn_real stance_ref[2];
    if (b->phase != XN_BALANCE_STAND && !b->replacing) { /* one foot: toward its middle */
        const xn_se3 *sf = &F[1 - b->swing];
        stance_ref[0] = sf->p[0], stance_ref[1] = sf->p[1];
        ref = stance_ref;
    }
    /* the ankle strategy's gain, per axis of the heading frame: a high gain pushes back at once
     * along the push, and would chatter along the other axis, where the capture point error is
     * the estimate's noise (a centimetre of it would throw the centre of pressure from the toe
     * to the heel) */
    xn_real hc = cos(b->yaw), hs = sin(b->yaw), err[2] = {xi[0] - ref[0], xi[1] - ref[1]};
    xn_real eh[2] = {hc * err[0] + hs * err[1], -hs * err[0] + hc * err[1]};
    for (int a = 0; a < 2; a++) {
        xn_real ea = fabs(eh[a]), k = c->dcm_gain;
        if (ea < c->dcm_gain_span)
            k = c->dcm_gain_near + (c->dcm_gain - c->dcm_gain_near) * ea / c->dcm_gain_span;
        eh[a] *= k / omega;
    }
    p_des[0] = xi[0] + hc * eh[0] - hs * eh[1];
    p_des[1] = xi[1] + hs * eh[0] + hc * eh[1];
    xn_support_clamp(poly, np, p_des, p);
    xn_real cut[2] = {p_des[0] - p[0], p_des[1] - p[1]}, ncut = hypot(cut[0], cut[1]);
    xn_real hip = ncut > c->cmp_max ? c->cmp_max / ncut : 1;
    for (int a = 0; a < 2; a++) cmp[a] = p[a] + hip * cut[a];
    /* While the hip strategy acts, the posture tasks would hold the upper body back from the swing
     * it is asked for: their weights drop to hip_relax at once and return (geometrically, in
     * hip_relax_time) once the feet alone suffice again. */
    if (ncut > 0)
        b->relax = log10(c->hip_relax);
    else
        b->relax -= b->relax * (dt < c->hip_relax_time ? dt / c->hip_relax_time : 1);
    b->t.posture_scale = pow(10, b->relax);
    /* ---- a recovery step when neither strategy reaches ---- */
    if (b->phase == XN_BALANCE_STAND && c->stepping && ncut > c->cmp_max + c->step_trigger &&
        b->t_stand >= c->min_double_support) {
        /* the foot to swing: the one whose step catches the capture point best, standing on
         * the other meanwhile; of two that both can, the shorter step */
        xn_real best = INFINITY;
        for (int f = 0; f < 2; f++) {
            xn_real sh[8][2], spoly[8][2], ps[2], fh[2];
            unsigned char other[2] = {b->stance[0], b->stance[1]};
            other[f] = 0;
            int n2, n3 = support_polygon(b, F, other, sh, &n2, spoly);
            xn_support_clamp(spoly, n3, xi, ps);
            xn_real miss = foothold_for(b, f, &F[1 - f], xi, ps, omega, c->step_duration, fh);
            xn_real cost = miss + 0.1 * hypot(fh[0] - F[f].p[0], fh[1] - F[f].p[1]);
            if (cost < best) best = cost, b->swing = f;
        }
        b->phase = b->swing == 0 ? XN_BALANCE_STEP_LEFT : XN_BALANCE_STEP_RIGHT;
        b->stance[b->swing] = 0;
        b->t_phase = 0;
        memcpy(b->lift, F[b->swing].p, sizeof b->lift);
        b->foot_yaw = atan2(F[b->swing].R[3], F[b->swing].R[0]);
        /* the single support polygon from now on */
        np = support_polygon(b, F, b->stance, hull, &nh, poly);
        xn_support_clamp(poly, np, xi, p);
        for (int a = 0; a < 2; a++) cmp[a] = p[a];
        plan_foothold(b, &F[1 - b->swing], xi, p, omega, c->step_duration);
    } else if (b->phase != XN_BALANCE_STAND && !b->replacing &&
               b->t_phase <= SWING_REPLAN * c->step_duration) {
        plan_foothold(b, &F[1 - b->swing], xi, p, omega, c->step_duration - b->t_phase);
    }
    if (b->phase == XN_BALANCE_STEP_LEFT || b->phase == XN_BALANCE_STEP_RIGHT) swing_target(b);
    /* ---- the whole-body targets ---- */
    xn_wbc_targets *t = &b->t;
    memcpy(t->com, com, sizeof com);
    memcpy(t->com_velocity, comv, sizeof comv);
    for (int a = 0; a < 2; a++) t->com_acceleration[a] = omega * omega * (com[a] - cmp[a]);
    t->com_acceleration[2] =
        c->height_kp * (b->ground + b->height - com[2]) - c->height_kd * comv[2];
    height_strategy(b, hc * err[0] + hs * err[1], -hs * err[0] + hc * err[1], dt,
                    &t->com_acceleration[2]);
    xn_wbc_result res;
    xn_status s = xn_wbc_solve(b->w, q, v, t, b->stance, tau, &res);
    b->fallbacks += s == XN_OK && res.fallback;
    int damped = 0;
    if (s == XN_OK) {
        memcpy(b->tau_last, tau, (size_t)nv * sizeof(xn_real));
        b->failed = 0;
    } else if (++b->failed <= XN_BALANCE_HOLD_CYCLES) { /* one bad cycle: hold */
        memcpy(tau, b->tau_last, (size_t)nv * sizeof(xn_real));
    } else {
        damped = 1;
        xn_balance_damping(b, v, tau);
    }
    if (st) {
        st->phase = damped ? XN_BALANCE_DAMPING : b->phase;
        st->steps = b->steps;
        st->set_down = b->set_down;
        st->height_boosts = b->height_boosts;
        st->fallbacks = b->fallbacks;
        memcpy(st->com, com, sizeof com);
        memcpy(st->com_velocity, comv, sizeof comv);
        memcpy(st->dcm, xi, sizeof xi);
        memcpy(st->cop, p, sizeof p);
        memcpy(st->cmp, cmp, sizeof cmp);
        st->npolygon = nh;
        for (int i = 0; i < nh; i++) st->polygon[i][0] = hull[i][0], st->polygon[i][1] = hull[i][1];
        memcpy(st->stance, b->stance, sizeof st->stance);
        memcpy(st->foothold, b->foothold, sizeof st->foothold);
        st->wbc = res;
    }
    return damped ? XN_ERR_NUMERIC : XN_OK;
}
