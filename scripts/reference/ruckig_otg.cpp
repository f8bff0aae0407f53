// Regenerates tests/data/reference/otg/*.jsonl with Ruckig (MIT licence), compiled from a Ruckig
// source tree outside this repository (scripts/reference/regenerate.sh). The format and the
// drawing are those of tests/data/reference/otg/README.md; a problem Ruckig cannot solve is drawn
// again, so every line's result is 0.
// Usage: ruckig_otg DOFS position|velocity PROBLEMS SAMPLED SEED > out.jsonl
// SPDX-License-Identifier: Apache-2.0
#include <ruckig/ruckig.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

static void arr(const char *name, const std::vector<double> &x, bool comma = true) {
    std::printf("\"%s\":[", name);
    for (size_t i = 0; i < x.size(); i++) std::printf("%s%.17g", i ? "," : "", x[i]);
    std::printf("]%s", comma ? "," : "");
}

int main(int argc, char **argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s DOFS position|velocity PROBLEMS SAMPLED SEED\n", argv[0]);
        return 2;
    }
    const size_t n = std::strtoul(argv[1], nullptr, 10);
    const bool velocity = std::strcmp(argv[2], "velocity") == 0;
    const int problems = std::atoi(argv[3]), sampled = std::atoi(argv[4]);
    std::mt19937_64 rng(std::strtoull(argv[5], nullptr, 10));
    std::normal_distribution<double> pos(0, 4), st(0, 0.8);
    std::uniform_real_distribution<double> u01(0, 1), lim(0.1, 12);
    ruckig::Ruckig<ruckig::DynamicDOFs> otg(n, 0.001);
    ruckig::InputParameter<ruckig::DynamicDOFs> in(n);
    ruckig::Trajectory<ruckig::DynamicDOFs> traj(n);
    in.control_interface =
        velocity ? ruckig::ControlInterface::Velocity : ruckig::ControlInterface::Position;
    for (int id = 0; id < problems;) {
        for (size_t i = 0; i < n; i++) {
            in.current_position[i] = pos(rng);
            in.target_position[i] = velocity ? 0 : pos(rng);
            in.current_velocity[i] = u01(rng) < 0.1 ? 0 : st(rng);
            in.current_acceleration[i] = u01(rng) < 0.2 ? 0 : st(rng);
            in.target_velocity[i] = u01(rng) < 0.3 ? 0 : st(rng);
            in.target_acceleration[i] = u01(rng) < 0.4 ? 0 : st(rng);
            if (id % 10 == 0)
                in.current_velocity[i] = in.current_acceleration[i] = in.target_velocity[i] =
                    in.target_acceleration[i] = 0;
            in.max_velocity[i] = lim(rng) + std::fabs(in.target_velocity[i]);
            in.max_acceleration[i] = lim(rng) + std::fabs(in.target_acceleration[i]);
            in.max_jerk[i] = lim(rng);
        }
        if (id % 10 == 1) // the first DoF starts past its velocity limit and must brake
            in.current_velocity[0] = (u01(rng) < 0.5 ? -1 : 1) * in.max_velocity[0] *
                                     (1.2 + u01(rng));
        ruckig::Result r;
        try {
            r = otg.calculate(in, traj);
        } catch (const std::exception &) {
            continue;
        }
        if (r != ruckig::Result::Working) continue;
        std::printf("{\"id\":%d,\"dofs\":%zu,\"interface\":\"%s\",\"synchronization\":\"time\",", id,
                    n, velocity ? "velocity" : "position");
        arr("current_position", in.current_position);
        arr("current_velocity", in.current_velocity);
        arr("current_acceleration", in.current_acceleration);
        if (!velocity) arr("target_position", in.target_position);
        arr("target_velocity", in.target_velocity);
        arr("target_acceleration", in.target_acceleration);
        if (!velocity) arr("max_velocity", in.max_velocity);
        arr("max_acceleration", in.max_acceleration);
        arr("max_jerk", in.max_jerk);
        std::printf("\"result\":0,\"duration\":%.17g", traj.get_duration());
        if (id < sampled) {
            std::printf(",\"samples\":[");
            std::vector<double> p(n), v(n), a(n);
            for (int k = 0; k <= 9; k++) {
                double t = traj.get_duration() * k / 9;
                traj.at_time(t, p, v, a);
                std::printf("%s{\"t\":%.17g,", k ? "," : "", t);
                arr("p", p);
                arr("v", v);
                arr("a", a, false);
                std::printf("}");
            }
            std::printf("]");
        }
        std::printf("}\n");
        id++;
    }
    return 0;
}
