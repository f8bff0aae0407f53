// The one file that touches Ruckig (MIT licence): a C entry point for bench_ruckig, built only
// when XN_RUCKIG_DIR points at a Ruckig source tree outside this repository (no Ruckig code is
// part of xiaonao). Calls Ruckig's state-to-state calculator directly, as xn_otg_calculate is
// called: no input validation, which would only slow it. SPDX-License-Identifier: Apache-2.0
#include <ruckig/ruckig.hpp>

extern "C" {
#include "xiaonao/otg.h"

struct rk_solver {
    explicit rk_solver(size_t dofs) : calc(dofs), input(dofs), traj(dofs) {}
    ruckig::TargetCalculator<ruckig::DynamicDOFs> calc;
    ruckig::InputParameter<ruckig::DynamicDOFs> input;
    ruckig::Trajectory<ruckig::DynamicDOFs> traj;
};

rk_solver *rk_create(int dofs) { return new rk_solver(static_cast<size_t>(dofs)); }

void rk_free(rk_solver *s) { delete s; }

/* Copies p into Ruckig's input (once per problem, outside the timed call). */
void rk_set(rk_solver *s, const xn_otg_problem *p) {
    auto &in = s->input;
    in.control_interface = p->interface == XN_OTG_VELOCITY ? ruckig::ControlInterface::Velocity
                                                           : ruckig::ControlInterface::Position;
    in.synchronization = p->synchronization == XN_OTG_SYNC_PHASE  ? ruckig::Synchronization::Phase
                         : p->synchronization == XN_OTG_SYNC_NONE ? ruckig::Synchronization::None
                                                                  : ruckig::Synchronization::Time;
    for (int i = 0; i < p->dofs; i++) {
        in.current_position[i] = p->current_position[i];
        in.current_velocity[i] = p->current_velocity[i];
        in.current_acceleration[i] = p->current_acceleration[i];
        in.target_position[i] = p->target_position[i];
        in.target_velocity[i] = p->target_velocity[i];
        in.target_acceleration[i] = p->target_acceleration[i];
        in.max_velocity[i] = p->max_velocity[i];
        in.max_acceleration[i] = p->max_acceleration[i];
        in.max_jerk[i] = p->max_jerk[i];
        in.enabled[i] = p->enabled[i] != 0;
    }
    if (p->has_min_velocity)
        in.min_velocity = std::vector<double>(p->min_velocity, p->min_velocity + p->dofs);
    else
        in.min_velocity.reset();
    if (p->has_min_acceleration)
        in.min_acceleration =
            std::vector<double>(p->min_acceleration, p->min_acceleration + p->dofs);
    else
        in.min_acceleration.reset();
    if (p->minimum_duration > 0)
        in.minimum_duration = p->minimum_duration;
    else
        in.minimum_duration.reset();
}

/* Solves the problem last set; returns Ruckig's result code (>= 0: a trajectory) and its
 * duration (s). */
int rk_calculate(rk_solver *s, double *duration) {
    bool interrupted = false;
    ruckig::Result r = s->calc.calculate<false>(s->input, s->traj, 0.001, interrupted);
    *duration = s->traj.get_duration();
    return static_cast<int>(r);
}
}
