/* The online form of trajectory generation: recalculate only when the input changes, otherwise
 * step along the current trajectory. SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "motion/otg_internal.h"
#include "xiaonao/otg.h"

void xn_otg_init(xn_otg *o, xn_real cycle_time) {
    memset(o, 0, sizeof *o);
    o->cycle_time = cycle_time;
}

/* Field by field (not memcmp: padding bytes would make equal problems differ). */
static int same_problem(const xn_otg_problem *a, const xn_otg_problem *b) {
    if (a->dofs != b->dofs || a->interface != b->interface ||
        a->synchronization != b->synchronization || a->has_min_velocity != b->has_min_velocity ||
        a->has_min_acceleration != b->has_min_acceleration ||
        a->minimum_duration != b->minimum_duration)
        return 0;
    for (int i = 0; i < a->dofs; i++)
        if (a->current_position[i] != b->current_position[i] ||
            a->current_velocity[i] != b->current_velocity[i] ||
            a->current_acceleration[i] != b->current_acceleration[i] ||
            a->target_position[i] != b->target_position[i] ||
            a->target_velocity[i] != b->target_velocity[i] ||
            a->target_acceleration[i] != b->target_acceleration[i] ||
            a->max_velocity[i] != b->max_velocity[i] ||
            a->max_acceleration[i] != b->max_acceleration[i] || a->max_jerk[i] != b->max_jerk[i] ||
            a->enabled[i] != b->enabled[i] ||
            (a->has_min_velocity && a->min_velocity[i] != b->min_velocity[i]) ||
            (a->has_min_acceleration && a->min_acceleration[i] != b->min_acceleration[i]))
            return 0;
    return 1;
}

xn_status xn_otg_update(xn_otg *o, const xn_otg_problem *input, xn_otg_output *out, xn_error *err) {
    xn_otg_workspace ws; /* about 60 KB: real-time callers use xn_otg_update_in */
    return xn_otg_update_in(o, input, out, err, &ws);
}

xn_status xn_otg_update_in(xn_otg *o, const xn_otg_problem *input, xn_otg_output *out,
                           xn_error *err, xn_otg_workspace *ws) {
    int fresh = 0;
    if (!o->has_trajectory || !same_problem(input, &o->expect)) {
        /* in place: a failed calculation leaves the current trajectory as it was */
        xn_status r = xn_otg_calculate_in(input, &o->trajectory, err, ws);
        if (r != XN_OK) return r;
        o->time = 0;
        o->has_trajectory = 1;
        fresh = 1;
    }
    o->time += o->cycle_time;
    xn_trajectory_at(&o->trajectory, o->time, out->position, out->velocity, out->acceleration,
                     NULL);
    out->new_calculation = fresh;
    out->time = o->time;
    out->duration = o->trajectory.duration;
    out->finished = o->time >= o->trajectory.duration;
    if (out->finished) {
        /* arrived: the target state exactly, not the trajectory's end, which may differ by
         * rounding (a velocity of 1e-16 that never becomes 0 would look like motion forever) */
        for (int i = 0; i < input->dofs; i++) {
            if (input->target_acceleration[i] != 0) continue;
            out->acceleration[i] = 0;
            if (input->interface == XN_OTG_VELOCITY) {
                out->velocity[i] = input->target_velocity[i];
            } else if (input->target_velocity[i] == 0) {
                out->velocity[i] = 0;
                out->position[i] = input->target_position[i];
            }
        }
    }
    o->expect = *input;
    for (int i = 0; i < input->dofs; i++) {
        o->expect.current_position[i] = out->position[i];
        o->expect.current_velocity[i] = out->velocity[i];
        o->expect.current_acceleration[i] = out->acceleration[i];
    }
    return XN_OK;
}
