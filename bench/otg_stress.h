/* Random trajectory-generation problems and a validator, shared by the CTest stress run
 * (tests/motion/test_otg_stress.c, 10^4 problems) and the long run (bench/bench_otg.c, 10^7).
 * The distribution follows Ruckig's randomized tests (as tests/data/reference/otg/README.md
 * describes), plus degenerate kinds: zero distance, target equal to the current state, limits
 * spanning 1e-3 .. 1e3, the velocity interface, current states outside the limits.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_OTG_STRESS_H
#define XN_OTG_STRESS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "bench_util.h"
#include "xiaonao/otg.h"

typedef struct {
    uint64_t s;
} xs_rng;

static inline double xs_uniform(xs_rng *r) { /* splitmix64 -> [0, 1) */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}
static inline double xs_normal(xs_rng *r, double sigma) {
    double u = xs_uniform(r), v = xs_uniform(r);
    return sigma * sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* Kinds of problem drawn, in turn. */
enum {
    XS_RANDOM,
    XS_REST,
    XS_ZERO_DISTANCE,
    XS_AT_TARGET,
    XS_WIDE_LIMITS,
    XS_VELOCITY,
    XS_OUTSIDE,
    XS_KINDS
};
static const char *const xs_kind_names[XS_KINDS] = {
    "random",           "rest to rest",       "zero distance", "at target",
    "limits 1e-3..1e3", "velocity interface", "outside limits"};

static inline void xs_draw(xs_rng *r, int kind, int dofs, xn_otg_problem *p) {
    xn_otg_problem_init(p, dofs);
    p->interface = kind == XS_VELOCITY ? XN_OTG_VELOCITY : XN_OTG_POSITION;
    for (int i = 0; i < dofs; i++) {
        double p0 = xs_normal(r, 4), pf = xs_normal(r, 4);
        double v0 = xs_uniform(r) < 0.1 ? 0 : xs_normal(r, 0.8),
               a0 = xs_uniform(r) < 0.2 ? 0 : xs_normal(r, 0.8);
        double vf = xs_uniform(r) < 0.3 ? 0 : xs_normal(r, 0.8),
               af = xs_uniform(r) < 0.4 ? 0 : xs_normal(r, 0.8);
        double vm = 0.1 + 11.9 * xs_uniform(r), am = 0.1 + 11.9 * xs_uniform(r),
               jm = 0.1 + 11.9 * xs_uniform(r);
        if (kind == XS_WIDE_LIMITS) { /* limits over six decades; states inside them (starts
                                       * outside the limits are their own kind) */
            vm = pow(10, -3 + 6 * xs_uniform(r));
            am = pow(10, -3 + 6 * xs_uniform(r));
            jm = pow(10, -3 + 6 * xs_uniform(r));
            p0 *= vm;
            pf *= vm;
            /* accelerations small enough for the jerk to bring them to zero within the
             * velocity limits (a^2 / 2j <= vm / 4), so that the target is reachable */
            double acap = fmin(am, sqrt(jm * vm / 2));
            v0 = vm * (2 * xs_uniform(r) - 1) * 0.5;
            a0 = acap * (2 * xs_uniform(r) - 1) * 0.9;
            vf = vm * (2 * xs_uniform(r) - 1) * 0.5;
            af = acap * (2 * xs_uniform(r) - 1) * 0.9;
        }
        if (kind == XS_REST) v0 = a0 = vf = af = 0;
        if (kind == XS_ZERO_DISTANCE) {
            pf = p0;
            vf = af = 0;
        }
        if (kind == XS_AT_TARGET) {
            pf = p0;
            vf = v0 = 0;
            af = a0 = 0;
        }
        if (kind == XS_OUTSIDE) { /* current velocity or acceleration past its limit */
            if (xs_uniform(r) < 0.5)
                v0 = (xs_uniform(r) < 0.5 ? -1 : 1) * vm * (1.2 + xs_uniform(r));
            else
                a0 = (xs_uniform(r) < 0.5 ? -1 : 1) * am * (1.2 + xs_uniform(r));
        }
        vm += fabs(vf); /* the target within the limits */
        am += fabs(af);
        p->current_position[i] = p0;
        p->current_velocity[i] = v0;
        p->current_acceleration[i] = a0;
        p->target_position[i] = pf;
        p->target_velocity[i] = vf;
        p->target_acceleration[i] = af;
        p->max_velocity[i] = vm;
        p->max_acceleration[i] = am;
        p->max_jerk[i] = jm;
    }
}

/* Failure kinds of the validator. */
enum { XS_OK, XS_FAIL_CALCULATE, XS_FAIL_LIMITS, XS_FAIL_BOUNDARY, XS_FAIL_KINDS };
static const char *const xs_fail_names[XS_FAIL_KINDS] = {"ok", "no trajectory", "limit exceeded",
                                                         "boundary state"};

/* Dense check (samples points): boundary states at 0 and at each DoF's arrival (1e-8 relative to
 * the problem's scale), limits (1e-9 relative) from the end of any braking pre-phase, where the
 * state may still be on its way back inside but must not move further out. */
static inline int xs_validate(const xn_otg_problem *p, const xn_trajectory *t, int samples) {
    for (int i = 0; i < p->dofs; i++) {
        double P, V, A;
        xn_trajectory traj1 = *t; /* evaluate one DoF */
        (void)traj1;
        double tb = 0;
        for (int k = 0; k < t->brake[i].n; k++) tb += t->brake[i].t[k];
        double Tend = t->dof_duration[i], prev = INFINITY, travel = 0;
        int inside = 0;
        double vm = p->interface == XN_OTG_VELOCITY ? INFINITY : p->max_velocity[i],
               am = p->max_acceleration[i];
        double tolv = 1e-9 * fmax(1, vm), tola = 1e-9 * fmax(1, am);
        for (int k = 0; k <= samples; k++) {
            double s = tb + (Tend - tb) * k / samples, Pa[XN_OTG_MAX_DOFS], Va[XN_OTG_MAX_DOFS],
                   Aa[XN_OTG_MAX_DOFS];
            xn_trajectory_at(t, s, Pa, Va, Aa, NULL);
            P = Pa[i];
            V = Va[i];
            A = Aa[i];
            travel = xb_max(travel, fabs(P - p->target_position[i]));
            double excess =
                fmax(fmax(V - vm - tolv, -vm - tolv - V), fmax(A - am - tola, -am - tola - A));
            if (excess <= 0)
                inside = 1;
            else if (inside || excess > prev + 1e-12 * fmax(1, vm + am))
                return XS_FAIL_LIMITS;
            prev = excess;
            if (k == samples) {
                /* relative to the distance travelled after any brake, as the library's check */
                double sc = fmax(1, fmax(fabs(p->target_position[i]), travel));
                int pos_ok =
                    p->interface == XN_OTG_VELOCITY || fabs(P - p->target_position[i]) <= 1e-8 * sc;
                if (!pos_ok ||
                    fabs(V - p->target_velocity[i]) > 1e-8 * fmax(1, vm < INFINITY ? vm : 1) ||
                    fabs(A - p->target_acceleration[i]) > 1e-8 * fmax(1, am))
                    return XS_FAIL_BOUNDARY;
            }
        }
    }
    return XS_OK;
}

/* Draw and solve n problems (kinds and 1..7 DoFs in turn), counting by kind: fails[kind][XS_OK]
 * solved and valid, fails[kind][XS_FAIL_*] failures, rejected[kind] bad input refused with a
 * reason code. The arrays are zeroed first. */
static inline void xs_run(uint64_t seed, long n, long fails[XS_KINDS][XS_FAIL_KINDS],
                          long rejected[XS_KINDS]) {
    xs_rng r = {seed};
    memset(fails, 0, sizeof(long) * XS_KINDS * XS_FAIL_KINDS);
    memset(rejected, 0, sizeof(long) * XS_KINDS);
    for (long k = 0; k < n; k++) {
        int kind = (int)(k % XS_KINDS), dofs = 1 + (int)(k % 7);
        xn_otg_problem p;
        xs_draw(&r, kind, dofs, &p);
        xn_trajectory t;
        xn_error e;
        xn_status res = xn_otg_calculate(&p, &t, &e);
        if (res == XN_ERR_NUMERIC)
            fails[kind][XS_FAIL_CALCULATE]++;
        else if (res != XN_OK)
            rejected[kind]++;
        else
            fails[kind][xs_validate(&p, &t, 100)]++;
    }
}

#endif
