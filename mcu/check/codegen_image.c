/* A test image for an emulated Cortex-M: the code `xn codegen` wrote for one robot (gen.h,
 * prefix gen) runs on states made here, and every input and result is printed bit for bit (hex)
 * for the host to recompute with the generic library (tests/mcu/mcu_compare.c). Then each
 * function is timed in instructions: under QEMU's -icount the SysTick, which counts processor
 * clocks, advances with the instructions executed; a loop of known length calibrates it.
 * Build and run: tests/mcu/mcu_check.sh. SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "gen.h"
#ifdef XN_MCU_GENERIC /* the generic library too, on the model rebuilt by gen_model.c */
#include "xiaonao/dynamics.h"
xn_status gen_build_model(xn_model **out, xn_error *err);
#endif
#ifdef XN_MCU_MOTION /* and a trajectory and an impedance step (double builds) */
#include "motion_case.h"
#include "xiaonao/compliance.h"
#endif

#define NSTATE 8
#define NTIMED 50

static uint32_t seed = 12345;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}

static void print(const char *name, const gen_real *x, int n) {
    printf("%s %d", name, n);
    for (int i = 0; i < n; i++) {
        if (sizeof(gen_real) == 8) {
            uint64_t b;
            memcpy(&b, &x[i], 8);
            printf(" %08lx%08lx", (unsigned long)(b >> 32), (unsigned long)(b & 0xFFFFFFFFu));
        } else {
            uint32_t b;
            memcpy(&b, &x[i], 4);
            printf(" %08lx", (unsigned long)b);
        }
    }
    printf("\n");
}

static gen_real Q[NSTATE][gen_NQ], V[NSTATE][gen_NV], A[NSTATE][gen_NV];
static gen_real tau[gen_NV], qdd[gen_NV], M[gen_NV * gen_NV], LD[gen_NV * gen_NV];
static gen_real pose[12 * gen_NBODY];

int main(void) {
    xn_board_ticks_start();
    /* states: angles within +-2.5 rad, unit quaternions for a free joint at the root's
     * q[3..6] when the model has one (gen_NQ > gen_NV) */
    for (int s = 0; s < NSTATE; s++) {
        for (int i = 0; i < gen_NQ; i++) Q[s][i] = (gen_real)urand(-2.5, 2.5);
        if (gen_NQ > gen_NV) {
            double w = urand(-1, 1), x = urand(-1, 1), y = urand(-1, 1), z = urand(-1, 1);
            double n = __builtin_sqrt(w * w + x * x + y * y + z * z);
            Q[s][3] = (gen_real)(w / n), Q[s][4] = (gen_real)(x / n);
            Q[s][5] = (gen_real)(y / n), Q[s][6] = (gen_real)(z / n);
        }
        for (int k = 0; k < gen_NV; k++) {
            V[s][k] = (gen_real)urand(-2, 2);
            A[s][k] = (gen_real)urand(-5, 5);
        }
    }
    printf("mcu: %s, %d states\n", sizeof(gen_real) == 8 ? "double" : "float", NSTATE);
#ifdef XN_MCU_GENERIC
    xn_model *model = NULL;
    xn_error err;
    if (gen_build_model(&model, &err) != XN_OK) {
        printf("mcu: the model does not build: %s\n", err.message);
        return 1;
    }
    xn_data *data = xn_data_create(model); /* the one allocation, at start-up */
    if (!data || model->nq != gen_NQ || model->nv != gen_NV) {
        printf("mcu: the rebuilt model's sizes differ from the generated code's\n");
        return 1;
    }
#endif
    for (int s = 0; s < NSTATE; s++) {
        printf("case %d\n", s);
        print("q", Q[s], gen_NQ);
        print("v", V[s], gen_NV);
        print("a", A[s], gen_NV);
        gen_rnea(Q[s], V[s], A[s], tau);
        print("tau", tau, gen_NV);
        gen_aba(Q[s], V[s], tau, qdd);
        print("qdd", qdd, gen_NV);
        gen_crba(Q[s], M);
        print("M", M, gen_NV * gen_NV);
#ifdef XN_MCU_GENERIC
        xn_dyn_rnea(model, data, Q[s], V[s], A[s]);
        print("tau_lib", data->tau, gen_NV);
        xn_dyn_aba(model, data, Q[s], V[s], data->tau);
        print("qdd_lib", data->qdd, gen_NV);
        xn_dyn_crba(model, data, Q[s]);
        print("M_lib", data->M, gen_NV * gen_NV);
#endif
    }
#ifdef XN_MCU_MOTION
    /* a time-optimal jerk-limited motion of the 7 arm joints between two of the states, from a
     * moving start, sampled at 9 times; and a joint impedance step at each state */
    static xn_otg_problem prob;
    static xn_trajectory traj;
    xn_mcu_motion_problem(&prob, Q[0], V[0], Q[1]);
    if (xn_otg_calculate(&prob, &traj, &err) != XN_OK) {
        printf("mcu: the trajectory failed: %s\n", err.message);
        return 1;
    }
    xn_real pos[9 * 7];
    for (int i = 0; i < 9; i++)
        xn_trajectory_at(&traj, traj.duration * i / 8, &pos[7 * i], 0, 0, 0);
    print("otg_duration", &traj.duration, 1);
    print("otg_samples", pos, 9 * 7);
    static xn_real K[gen_NV], D[gen_NV], imp[gen_NV];
    xn_mcu_impedance_gains(gen_NV, K, D);
    for (int s = 0; s < NSTATE; s++) {
        xn_joint_impedance(model, data, Q[s], V[s], Q[(s + 1) % NSTATE], K, D, imp);
        print("impedance", imp, gen_NV);
    }
#endif
    double ipt = xn_board_instructions_per_tick();
    printf("insn per tick %.3f\n", ipt);
    uint64_t t0, t1;
#define TIME(name, call)                                                                           \
    t0 = xn_board_ticks();                                                                         \
    for (int i = 0; i < NTIMED; i++) {                                                             \
        int s = i % NSTATE;                                                                        \
        (void)s;                                                                                   \
        call;                                                                                      \
    }                                                                                              \
    t1 = xn_board_ticks();                                                                         \
    printf("insn %s %.0f\n", name, (double)(t1 - t0) * ipt / NTIMED)
    TIME("empty", __asm__ volatile("" ::: "memory"));
    TIME("rnea", gen_rnea(Q[s], V[s], A[s], tau));
    TIME("gravity", gen_gravity(Q[s], tau));
    TIME("crba", gen_crba(Q[s], M));
    TIME("crba+factor", (gen_crba(Q[s], M), gen_factor(M, LD)));
    TIME("aba", gen_aba(Q[s], V[s], A[s], qdd));
    TIME("fk", gen_fk(Q[s], pose));
#ifdef XN_MCU_GENERIC
    TIME("generic-rnea", xn_dyn_rnea(model, data, Q[s], V[s], A[s]));
    TIME("generic-crba", xn_dyn_crba(model, data, Q[s]));
    TIME("generic-crba+factor", (xn_dyn_crba(model, data, Q[s]), xn_dyn_factor(model, data)));
    TIME("generic-aba", xn_dyn_aba(model, data, Q[s], V[s], A[s]));
    TIME("generic-fk", xn_dyn_fk(model, data, Q[s]));
#endif
#ifdef XN_MCU_MOTION
    TIME("otg-calculate", xn_otg_calculate(&prob, &traj, &err));
    TIME("otg-sample", xn_trajectory_at(&traj, traj.duration * s / 8, pos, 0, 0, 0));
    TIME("joint-impedance",
         xn_joint_impedance(model, data, Q[s], V[s], Q[(s + 1) % NSTATE], K, D, imp));
#endif
    printf("mcu: done\n");
    return 0;
}
