/* The controller runtime's speed: the control step (read the robot, controller step: checks,
 * program, trajectory, computed torque, write the commands) per cycle on the simulated Panda,
 * beside MuJoCo's own physics step in the same process, and the whole simulation as a multiple
 * of real time. Prints a Markdown table. Usage: bench_runtime [REPEATS]
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "bench_util.h"
#include "xiaonao/xiaonao.h"

#define SCENE XN_MODELS_DIR "/mjcf/franka_panda/scene.xml"
#define PROGRAM XN_SOURCE_DIR "/examples/pick_and_place.xnp"

static const double vmax[7] = {2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61};
static const double amax[7] = {15, 7.5, 10, 12.5, 15, 20, 20};
static const double jmax[7] = {7500, 3750, 5000, 6250, 7500, 10000, 10000};

#define MAX_CYCLES 20000 /* the program ends within 20 s of robot time */

typedef struct {
    double p50, p99, p999, max, realtime_factor, physics_ns;
    double cpu[4];                /* the step's CPU time: p50, p99, p99.9, max (ns) */
    double cycle_cpu[MAX_CYCLES]; /* each cycle's */
    long ncycle;
} run_result;

/* One run of the example: per-cycle step times into a histogram, wall time of everything. */
static int run_once(int mujoco, xn_command_mode mode, run_result *out) {
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *prog = NULL;
    xn_controller *c = NULL;
    static const char *const arm[7] = {"joint1", "joint2", "joint3", "joint4",
                                       "joint5", "joint6", "joint7"};
    if (xn_load_model(SCENE, NULL, &m, &err) || xn_program_load(PROGRAM, &prog, &err)) goto fail;
    if (mujoco ? xn_mujoco_open(SCENE, NULL, &hal, &err)
               : xn_loopback_open(m, NULL, 1000000, arm, 7, &hal, &err))
        goto fail;
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.command_mode = mode;
    for (int k = 0; k < 7; k++) {
        cfg.max_velocity[k] = vmax[k];
        cfg.max_acceleration[k] = amax[k];
        cfg.max_jerk[k] = jmax[k];
    }
    if (xn_controller_create(m, hal, prog, &cfg, &c, &err)) goto fail;
    static xn_stats st, cpu;
    xn_stats_reset(&st);
    xn_stats_reset(&cpu);
    double physics = 0;
    long steps = 0;
    double t_start = xb_now_ns();
    while (!xn_controller_finished(c) && hal->time_ns < 20000000000LL) {
        double t0 = xb_now_ns(), c0 = xb_cpu_ns();
        xn_hal_read(hal);
        xn_controller_step(c);
        xn_hal_write(hal);
        double t1 = xb_now_ns();
        double spent = xb_cpu_ns() - c0;
        xn_stats_add(&cpu, spent);
        if (steps < MAX_CYCLES) out->cycle_cpu[steps] = spent;
        xn_stats_add(&st, t1 - t0);
        xn_event ev;
        xn_ctl_sample s;
        while (xn_controller_next_event(c, &ev)) {
        }
        while (xn_controller_next_sample(c, &s)) {
        }
        xn_hal_advance(hal);
        physics += xb_now_ns() - t1;
        steps++;
    }
    double wall = xb_now_ns() - t_start;
    out->p50 = xn_stats_quantile(&st, 0.5);
    out->p99 = xn_stats_quantile(&st, 0.99);
    out->p999 = xn_stats_quantile(&st, 0.999);
    out->max = st.max_ns;
    out->cpu[0] = xn_stats_quantile(&cpu, 0.5);
    out->cpu[1] = xn_stats_quantile(&cpu, 0.99);
    out->cpu[2] = xn_stats_quantile(&cpu, 0.999);
    out->cpu[3] = cpu.max_ns;
    out->ncycle = steps < MAX_CYCLES ? steps : MAX_CYCLES;
    out->realtime_factor = (double)hal->time_ns / wall;
    out->physics_ns = physics / (double)steps;
    xn_controller_free(c);
    xn_hal_close(hal);
    xn_program_free(prog);
    xn_model_free(m);
    return 0;
fail:
    fprintf(stderr, "bench_runtime: %s: %s\n", err.file, err.message);
    return 1;
}

static double median_of(double *x, int n) { return xb_median(x, n); }

int main(int argc, char **argv) {
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 1 || repeats > 256) repeats = 5;
    struct {
        const char *name;
        int mujoco;
        xn_command_mode mode;
    } cases[] = {
        {"MuJoCo Panda, computed torque (CST)", 1, XN_CMD_TORQUE},
        {"MuJoCo Panda, drive servo + model feedforward (CSP)", 1, XN_CMD_POSITION},
        {"loopback Panda, drive servo + model feedforward (CSP)", 0, XN_CMD_POSITION},
    };
    printf("Control step = read robot + controller step (checks, program, trajectory, servo with "
           "the model) + write commands,\nper 1 ms cycle over the pick-and-place example (4.97 s); "
           "median over %d runs of each statistic.\n\n",
           repeats);
    printf(
        "| robot and control law | step p50 (us) | p99 (us) | p99.9 (us) | max (us) | "
        "MuJoCo physics per cycle (us) | step p50 / physics | simulation speed (x real time) |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    double cpu_med[3][4], least_q[3][4], least_at[3];
    static run_result res;
    static double least[MAX_CYCLES];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double p50[256], p99[256], p999[256], mx[256], rt[256], ph[256], cq[4][256];
        long n_least = 0;
        for (int r = 0; r < repeats; r++) {
            if (run_once(cases[k].mujoco, cases[k].mode, &res)) return 1;
            /* the simulation is deterministic: a cycle does the same work in every run, and
             * the least of its CPU times leaves out what the machine added */
            if (r == 0) {
                n_least = res.ncycle;
                memcpy(least, res.cycle_cpu, (size_t)n_least * sizeof(double));
            }
            for (long i = 0; i < n_least && i < res.ncycle; i++)
                if (res.cycle_cpu[i] < least[i]) least[i] = res.cycle_cpu[i];
            p50[r] = res.p50;
            p99[r] = res.p99;
            p999[r] = res.p999;
            mx[r] = res.max;
            rt[r] = res.realtime_factor;
            ph[r] = res.physics_ns;
            for (int q = 0; q < 4; q++) cq[q][r] = res.cpu[q];
        }
        for (int q = 0; q < 4; q++) cpu_med[k][q] = median_of(cq[q], repeats);
        xn_stats ls;
        xn_stats_reset(&ls);
        least_at[k] = 0;
        for (long i = 0; i < n_least; i++) {
            xn_stats_add(&ls, least[i]);
            if (least[i] >= ls.max_ns) least_at[k] = (double)i * 1e-3;
        }
        least_q[k][0] = xn_stats_quantile(&ls, 0.5);
        least_q[k][1] = xn_stats_quantile(&ls, 0.99);
        least_q[k][2] = xn_stats_quantile(&ls, 0.999);
        least_q[k][3] = ls.max_ns;
        double phys = median_of(ph, repeats), step = median_of(p50, repeats);
        if (cases[k].mujoco)
            printf("| %s | %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.1f |\n", cases[k].name,
                   step * 1e-3, median_of(p99, repeats) * 1e-3, median_of(p999, repeats) * 1e-3,
                   median_of(mx, repeats) * 1e-3, phys * 1e-3, step / phys, median_of(rt, repeats));
        else
            printf("| %s | %.2f | %.2f | %.1f | %.1f | - | - | %.1f |\n", cases[k].name,
                   step * 1e-3, median_of(p99, repeats) * 1e-3, median_of(p999, repeats) * 1e-3,
                   median_of(mx, repeats) * 1e-3, median_of(rt, repeats));
    }
    printf("\np99.9 and max are the cycles that compute a new 7-DoF trajectory (one per movej "
           "and blend).\n\nThe same steps' CPU time (CLOCK_THREAD_CPUTIME_ID: what the step "
           "cost, without the waits of a shared machine)\n\n| robot and control law | CPU p50 "
           "(us) | p99 | p99.9 | max |\n|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        printf("| %s | %.2f | %.2f | %.1f | %.1f |\n", cases[k].name, cpu_med[k][0] * 1e-3,
               cpu_med[k][1] * 1e-3, cpu_med[k][2] * 1e-3, cpu_med[k][3] * 1e-3);
    printf("\nEach cycle's least CPU time over the %d runs (the same work each run: what the step "
           "costs without the machine's noise)\n\n| robot and control law | CPU p50 (us) | p99 | "
           "p99.9 | max | the max's cycle (s) |\n|---|---|---|---|---|---|\n",
           repeats);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        printf("| %s | %.2f | %.2f | %.1f | %.1f | %.3f |\n", cases[k].name, least_q[k][0] * 1e-3,
               least_q[k][1] * 1e-3, least_q[k][2] * 1e-3, least_q[k][3] * 1e-3, least_at[k]);
    return 0;
}
