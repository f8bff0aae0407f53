/* Running a locomotion policy on a robot: PD every cycle, the policy every decimation cycles,
 * a supervisor. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xiaonao/locomotion.h"
#include "xiaonao/runtime.h"

#define XN_PI 3.14159265358979323846
#define XN_TWO_PI (2 * XN_PI)

struct xn_locomotion {
    xn_deploy d;
    xn_policy *p;
    xn_hal *hal;
    int hal_of[XN_DEPLOY_MAX_JOINTS];
    int obs_in, act_out;
    xn_real target[XN_DEPLOY_MAX_JOINTS];
    float last_action[XN_DEPLOY_MAX_JOINTS];
    xn_real cmd[3];
    long counter; /* control cycles since the policy started */
    xn_loco_state state;
    char reason[160];
    int64_t policy_ns, policy_max_ns;
};

static xn_status fail(xn_error *err, const char *msg, const char *what) {
    if (err) {
        err->index = -1;
        snprintf(err->file, sizeof err->file, "%s", "locomotion");
        err->line = 0;
        snprintf(err->message, sizeof err->message, "%s%s", msg, what ? what : "");
    }
    return XN_ERR_INVALID;
}

xn_status xn_locomotion_create(const xn_deploy *d, xn_policy *p, xn_hal *hal, xn_locomotion **out,
                               xn_error *err) {
    *out = NULL;
    if (hal->nimu < 1) return fail(err, "the robot has no IMU (the policy needs the base's)", NULL);
    if (llabs(hal->period_ns - llround(d->simulation_dt * 1e9)) > 1000) {
        char m[160];
        snprintf(m, sizeof m, "the control period is %.4g s, the policy's %.4g s",
                 (double)hal->period_ns * 1e-9, d->simulation_dt);
        return fail(err, m, NULL);
    }
    xn_locomotion *l = calloc(1, sizeof *l);
    if (!l) return XN_ERR_NOMEM;
    l->d = *d;
    l->p = p;
    l->hal = hal;
    for (int k = 0; k < d->njoint; k++) {
        l->hal_of[k] = -1;
        for (int i = 0; i < hal->njoint; i++)
            if (strcmp(hal->joint_info[i].name, d->joint[k]) == 0) l->hal_of[k] = i;
        if (l->hal_of[k] < 0 || !hal->joint_info[l->hal_of[k]].commandable) {
            free(l);
            return fail(err, "the robot has no commandable joint named ", d->joint[k]);
        }
        l->target[k] = d->default_angles[k];
    }
    l->obs_in = 0;
    l->act_out = 0;
    /* the observation is the input that is not recurrent state; the action the first output */
    xn_policy_bind_state_auto(p);
    for (int i = 0; i < xn_policy_ninputs(p); i++)
        if (xn_policy_input_size(p, i) == (size_t)d->nobs) l->obs_in = i;
    for (int i = xn_policy_noutputs(p) - 1; i >= 0; i--)
        if (xn_policy_output_size(p, i) == (size_t)d->nact) l->act_out = i;
    if (xn_policy_input_size(p, l->obs_in) != (size_t)d->nobs ||
        xn_policy_output_size(p, l->act_out) != (size_t)d->nact) {
        free(l);
        return fail(err, "the policy's input or output size does not match num_obs/num_actions",
                    NULL);
    }
    xn_policy_reset(p);
    l->state = XN_LOCO_ENABLING;
    *out = l;
    return XN_OK;
}

void xn_locomotion_free(xn_locomotion *l) { free(l); }

void xn_locomotion_command(xn_locomotion *l, xn_real vx, xn_real vy, xn_real wz) {
    l->cmd[0] = vx;
    l->cmd[1] = vy;
    l->cmd[2] = wz;
}

xn_loco_state xn_locomotion_state(const xn_locomotion *l) { return l->state; }
void xn_locomotion_get_command(const xn_locomotion *l, xn_real cmd[3]) {
    memcpy(cmd, l->cmd, sizeof l->cmd);
}
const char *xn_locomotion_reason(const xn_locomotion *l) { return l->reason; }
int64_t xn_locomotion_policy_ns(const xn_locomotion *l, int64_t *max_ns) {
    if (max_ns) *max_ns = l->policy_max_ns;
    return l->policy_ns;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void stop(xn_locomotion *l, const char *why) {
    if (l->state == XN_LOCO_DAMPING) return;
    l->state = XN_LOCO_DAMPING;
    snprintf(l->reason, sizeof l->reason, "%s", why);
}

/* the observation from the readings (see locomotion.h) */
static int observe(xn_locomotion *l, float *obs) {
    const xn_deploy *d = &l->d;
    const xn_imu_reading *imu = &l->hal->imu[0];
    const xn_real *w = imu->angular_velocity, *q = imu->orientation; /* w x y z */
    int k = 0;
    for (int i = 0; i < 3; i++) obs[k++] = (float)(w[i] * d->ang_vel_scale);
    /* gravity (0, 0, -1) in the base frame: R^T (0, 0, -1) */
    obs[k++] = (float)(2 * (-q[3] * q[1] + q[0] * q[2]));
    obs[k++] = (float)(-2 * (q[3] * q[2] + q[0] * q[1]));
    obs[k++] = (float)(1 - 2 * (q[0] * q[0] + q[3] * q[3]));
    for (int i = 0; i < 3; i++) obs[k++] = (float)(l->cmd[i] * d->cmd_scale[i]);
    for (int j = 0; j < d->njoint; j++)
        obs[k++] = (float)((l->hal->joint[l->hal_of[j]].position - d->default_angles[j]) *
                           d->dof_pos_scale);
    for (int j = 0; j < d->njoint; j++)
        obs[k++] = (float)(l->hal->joint[l->hal_of[j]].velocity * d->dof_vel_scale);
    for (int j = 0; j < d->njoint; j++) obs[k++] = l->last_action[j];
    if (d->gait_period > 0) {
        xn_real t = (xn_real)l->counter * d->simulation_dt;
        xn_real phase = fmod(t, d->gait_period) / d->gait_period;
        obs[k++] = (float)sin(XN_TWO_PI * phase);
        obs[k++] = (float)cos(XN_TWO_PI * phase);
    }
    for (int i = 0; i < k; i++)
        if (!isfinite(obs[i])) return -1;
    return 0;
}

/* the angle between the base's z axis and the vertical, from the IMU quaternion */
static xn_real tilt(const xn_real *q) {
    xn_real zz = 1 - 2 * (q[1] * q[1] + q[2] * q[2]);
    return acos(fmax(-1.0, fmin(1.0, zz)));
}

static void policy_step(xn_locomotion *l) {
    const xn_deploy *d = &l->d;
    float *obs = xn_policy_input(l->p, l->obs_in);
    if (observe(l, obs)) {
        stop(l, "a reading is not finite (NaN or infinity in the observation)");
        return;
    }
    int64_t t0 = now_ns();
    xn_status st = xn_policy_step(l->p);
    l->policy_ns = now_ns() - t0;
    if (l->policy_ns > l->policy_max_ns) l->policy_max_ns = l->policy_ns;
    if (st != XN_OK) {
        stop(l, "the policy refused its input");
        return;
    }
    if ((xn_real)l->policy_ns * 1e-9 > d->budget_s) {
        char why[160];
        snprintf(why, sizeof why, "the policy took %.3f ms, over its budget of %.3f ms",
                 (double)l->policy_ns * 1e-6, d->budget_s * 1e3);
        stop(l, why);
        return;
    }
    const float *a = xn_policy_output(l->p, l->act_out);
    for (int j = 0; j < d->njoint; j++)
        if (!isfinite(a[j])) {
            stop(l, "the policy's action is not finite");
            return;
        }
    for (int j = 0; j < d->njoint; j++) {
        l->last_action[j] = a[j];
        l->target[j] = a[j] * d->action_scale + d->default_angles[j];
    }
}

void xn_locomotion_step(xn_locomotion *l) {
    xn_hal *hal = l->hal;
    const xn_deploy *d = &l->d;
    if (l->state == XN_LOCO_ENABLING) {
        int all = 1;
        for (int j = 0; j < d->njoint; j++) {
            xn_joint_command *c = &hal->command[l->hal_of[j]];
            xn_cia402_state s = xn_cia402_decode(hal->joint[l->hal_of[j]].statusword);
            if (s != XN_CIA402_OPERATION_ENABLED) all = 0;
            c->controlword = xn_cia402_enable_step(s, c->controlword);
            c->mode = XN_MODE_CST;
            c->torque = 0;
        }
        if (!all) return;
        l->state = XN_LOCO_RUNNING;
    }
    if (l->state == XN_LOCO_RUNNING) {
        if (tilt(hal->imu[0].orientation) > d->max_tilt) {
            char why[160];
            snprintf(why, sizeof why, "the base tilted %.0f degrees (limit %.0f)",
                     tilt(hal->imu[0].orientation) * 180 / XN_PI, d->max_tilt * 180 / XN_PI);
            stop(l, why);
        }
        for (int j = 0; j < d->njoint && l->state == XN_LOCO_RUNNING; j++) {
            const xn_joint_reading *r = &hal->joint[l->hal_of[j]];
            if (!isfinite(r->position) || !isfinite(r->velocity))
                stop(l, "a joint reading is not finite");
        }
    }
    if (l->state == XN_LOCO_RUNNING) {
        l->counter++;
        if (l->counter % d->decimation == 0) policy_step(l);
    }
    for (int j = 0; j < d->njoint; j++) {
        const xn_joint_reading *r = &hal->joint[l->hal_of[j]];
        xn_real v = isfinite(r->velocity) ? r->velocity : 0, tau;
        if (l->state == XN_LOCO_RUNNING)
            tau = d->kp[j] * (l->target[j] - r->position) - d->kd[j] * v;
        else
            tau = -d->damping * v; /* damping mode: let the robot down gently */
        xn_real lim = hal->joint_info[l->hal_of[j]].torque_max;
        if (isfinite(lim)) tau = fmin(fmax(tau, -lim), lim);
        xn_joint_command *c = &hal->command[l->hal_of[j]];
        c->mode = XN_MODE_CST;
        c->torque = isfinite(tau) ? tau : 0;
    }
}
