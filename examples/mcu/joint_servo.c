/* The joint servo (joint_servo.h). SPDX-License-Identifier: Apache-2.0 */
#include "joint_servo.h"

#include <math.h>

void js_servo_init(js_servo *s, xn_real dt) {
    js_servo z = {0};
    *s = z;
    s->dt = dt;
    s->vel_cutoff = 1000;
    s->state = XN_CIA402_SWITCH_ON_DISABLED;
    s->q_min = -INFINITY;
    s->q_max = INFINITY;
    s->torque_max = INFINITY;
    s->velocity_max = INFINITY;
    s->following_max = INFINITY;
    s->stop_decel = 20;
    s->stop_time_max = 0.05;
}

static xn_real clamp(xn_real x, xn_real lo, xn_real hi) { return x < lo ? lo : x > hi ? hi : x; }

static void fault(js_servo *s, js_fault why) {
    if (s->state == XN_CIA402_FAULT || s->state == XN_CIA402_FAULT_REACTION) return;
    s->fault = why;
    s->stop_vel = s->vel; /* brake from the speed the joint has */
    s->stop_time = 0;
    s->state = XN_CIA402_FAULT_REACTION;
}

xn_real js_servo_step(js_servo *s, uint16_t controlword, const js_target *t, xn_real q,
                      const js_model_terms *model, uint16_t *statusword) {
    xn_cia402_state before = s->state;
    s->state = xn_cia402_next(s->state, controlword, s->prev_cw);
    s->prev_cw = controlword;
    if (before == XN_CIA402_FAULT && s->state != XN_CIA402_FAULT) s->fault = JS_FAULT_NONE;

    /* the measurement first: a broken encoder is a fault in any state where torque flows */
    xn_real tau = 0;
    if (!isfinite(q)) {
        fault(s, JS_FAULT_INPUT);
        q = s->q_prev;
    }
    if (!s->started) {
        s->q_prev = q;
        s->started = 1;
    }
    /* velocity: the position's difference, low-passed (first order at vel_cutoff) */
    xn_real a = 1 - exp(-2 * 3.141592653589793 * s->vel_cutoff * s->dt);
    s->vel += a * ((q - s->q_prev) / s->dt - s->vel);
    s->q_prev = q;

    if (s->state == XN_CIA402_OPERATION_ENABLED) {
        if (!t || !isfinite(t->q) || !isfinite(t->qd) || !isfinite(t->qdd) || !model ||
            !isfinite(model->gravity) || !isfinite(model->inertia)) {
            fault(s, JS_FAULT_INPUT);
        } else if (q < s->q_min - s->range_margin || q > s->q_max + s->range_margin) {
            fault(s, JS_FAULT_LIMIT);
        } else {
            /* a target outside the range is clamped, and its velocity with it */
            xn_real qt = clamp(t->q, s->q_min, s->q_max);
            int clamped = qt != t->q;
            xn_real qdt = clamped ? 0 : t->qd, qddt = clamped ? 0 : t->qdd;
            /* near an end of the range, no faster than stop_decel can stop within it */
            xn_real vup = sqrt(2 * s->stop_decel * fmax(s->q_max - q, 0));
            xn_real vdown = -sqrt(2 * s->stop_decel * fmax(q - s->q_min, 0));
            xn_real vcmd = clamp(qdt + s->kp * (qt - q), -s->velocity_max, s->velocity_max);
            int held = vcmd > vup || vcmd < vdown; /* the range governs, not the target */
            vcmd = clamp(vcmd, vdown, vup);
            if (held) qddt = 0;
            /* the following error is judged only once the range has let go for 0.1 s: until
             * then the drive itself holds the joint back from a target beyond the range */
            if (held || clamped)
                s->range_hold = 0.1;
            else if (s->range_hold > 0)
                s->range_hold -= s->dt;
            if (s->range_hold <= 0 && fabs(qt - q) > s->following_max) {
                fault(s, JS_FAULT_FOLLOWING);
            } else {
                xn_real ev = vcmd - s->vel;
                /* the integral stops growing once the command saturates (anti-windup) */
                xn_real integral = s->integral + s->ki * ev * s->dt;
                xn_real ff = model->gravity + model->inertia * qddt + s->viscous * vcmd +
                             s->coulomb * tanh(vcmd / 0.01);
                xn_real raw = s->kv * ev + integral + ff;
                tau = clamp(raw, -s->torque_max, s->torque_max);
                if (tau == raw) s->integral = integral;
            }
        }
    } else {
        s->integral = 0;
    }
    if (s->state == XN_CIA402_FAULT_REACTION) {
        /* brake on a ramp: the velocity loop follows a speed falling at stop_decel, holding
         * gravity, then no torque (FAULT) */
        xn_real step = s->stop_decel * s->dt;
        s->stop_vel = fabs(s->stop_vel) <= step ? 0 : s->stop_vel - copysign(step, s->stop_vel);
        xn_real g = model && isfinite(model->gravity) ? model->gravity : 0;
        tau = clamp(s->kv * (s->stop_vel - s->vel) + g, -s->torque_max, s->torque_max);
        /* stopped, or the brake's turn: a joint that the torque cannot slow (a load beyond it)
         * is held by the brake after stop_time_max */
        s->stop_time += s->dt;
        if ((s->stop_vel == 0 && fabs(s->vel) < 0.01) || s->stop_time >= s->stop_time_max)
            s->state = XN_CIA402_FAULT;
    }
    if (statusword) *statusword = xn_cia402_statusword(s->state);
    return tau;
}
