/* Push recovery of the 29-DoF G1 in MuJoCo: the largest impulse at the pelvis (N s; a 0.1 s
 * force) forward, backward and sideways that the robot survives (upright 5 s after the push),
 * under capture-point balance on whole-body control without and with recovery steps, beside a
 * baseline of stiff joint PD holding the knees_bent pose (kp 400 N m/rad, kd 10 N m s/rad). The
 * controller sees the drives and the pelvis IMU only (the base estimator); the table also gives
 * the estimator's error against MuJoCo's true state over the survived runs. Each impulse is the
 * largest below which every one on a 0.5 N s grid survives.
 * The CPU time of every balance cycle of the scan (CLOCK_THREAD_CPUTIME_ID) follows the table.
 * Usage: bench_push [direction] [controller] [impulse]   one run, printing its trace
 *        bench_push --cycles   a fixed set of pushes near the limits: CPU time per cycle, QP
 *                              iterations and budget fallbacks (XN_WBC_ITER=N sets the budget)
 *        bench_push --true-state   also the no-step column with the controller given MuJoCo's
 *                                  true base state: what the estimator costs
 * SPDX-License-Identifier: Apache-2.0 */
#include "control/g1_push.h"

/* The largest impulse survived, with every smaller one on the grid: survival is not monotone in
 * the impulse (a harder push can land the swinging upper body or a step better), so a bisection
 * can report a lucky island above a gap, and so can a coarse scan refined at its end (one on a
 * 1 N s grid refined to 0.5 reported 23.0 forward while 22.5 fell). Scanned up from 0.5 N s in
 * steps of 0.5 N s to the first fall; hi (N s) bounds the scan. */
static double largest(g1_push_setup *s, int ctl, const double dir[3], double hi) {
    double j = 0.5;
    while (j <= hi && g1_push_survives(s, ctl, dir, j)) j += 0.5;
    return j > hi ? hi : j - 0.5;
}

static void print_cpu_row(const char *what, const xn_stats *st, const g1_push_setup *s) {
    printf("| %s | %ld | %.0f | %.0f | %.0f | %.0f | %ld |\n", what, st->count,
           xn_stats_quantile(st, 0.5) * 1e-3, xn_stats_quantile(st, 0.99) * 1e-3,
           xn_stats_quantile(st, 0.999) * 1e-3, st->max_ns * 1e-3, s->fallbacks);
}

static const char *const cpu_header =
    "| controller | cycles | p50 (us) | p99 | p99.9 | max | budget fallbacks |\n"
    "|---|---|---|---|---|---|---|\n";

/* A fixed set of pushes near the limits, for tuning the QP's budget: CPU time per cycle,
 * fallbacks, the QP's iterations and which pushes survive. */
static void cycles(g1_push_setup *s, const double dirs[3][3]) {
    static const double impulses[2][3][3] = {{{20, 22, 24}, {18, 20, 22}, {30, 33, 35}},
                                             {{35, 40, 45}, {28, 32, 34}, {20, 24, 26}}};
    printf("%s", cpu_header);
    for (int ctl = BALANCE; ctl <= STEPPING; ctl++) {
        xn_stats st;
        xn_stats_reset(&st);
        s->cpu = &st;
        s->fallbacks = 0;
        memset(s->iterations_hist, 0, sizeof s->iterations_hist);
        char survived[128] = "";
        for (int d = 0; d < 3; d++)
            for (int i = 0; i < 3; i++) {
                int ok = g1_push_survives(s, ctl, dirs[d], impulses[ctl - 1][d][i]);
                size_t n = strlen(survived);
                snprintf(survived + n, sizeof survived - n, "%s%c", i ? "" : " ", ok ? '+' : '-');
            }
        print_cpu_row(controller_names[ctl], &st, s);
        printf("  survived (fwd, back, side; 3 pushes each):%s; iterations < 25, 50, 100, 150, "
               "200, 300, 500, more:",
               survived);
        for (int b = 0; b < 8; b++) printf(" %ld", s->iterations_hist[b]);
        printf("\n");
    }
    s->cpu = NULL;
}

int main(int argc, char **argv) {
    g1_push_setup s = {0};
    xn_error err;
    if (xn_load_model(G1_SCENE, NULL, &s.m, &err)) return 1;
    g1_balance_config(s.m, &s.cfg);
    const struct {
        const char *name;
        double dir[3];
    } dirs[3] = {{"forward", {1, 0, 0}}, {"backward", {-1, 0, 0}}, {"sideways", {0, 1, 0}}};
    if (getenv("XN_WBC_ITER")) s.cfg.wbc.max_iterations = atoi(getenv("XN_WBC_ITER"));
    if (argc > 1 && strcmp(argv[1], "--cycles") == 0) {
        const double d3[3][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}};
        cycles(&s, d3);
        xn_model_free(s.m);
        return 0;
    }
    if (argc > 3) { /* one run, traced */
        s.trace = getenv("XN_TRACE") ? atoi(getenv("XN_TRACE")) : 1;
        s.slow_us = getenv("XN_SLOW_US") ? atoi(getenv("XN_SLOW_US")) : 0;
        int d = atoi(argv[1]), ctl = atoi(argv[2]);
        int ok = g1_push_survives(&s, ctl, dirs[d % 3].dir, atof(argv[3]));
        printf("%s, %s, %.1f N s: %s (%d steps, %d feet set down, the soles moved up to %.1f "
               "cm)\n",
               dirs[d % 3].name, controller_names[ctl % 3], atof(argv[3]), ok ? "survived" : "fell",
               s.steps, s.set_down, 100 * s.feet_moved);
        return 0;
    }
    printf("### Push recovery (G1, impulse at the pelvis over 0.1 s, survived = upright 5 s "
           "later)\n\n");
    printf("| push | %s (N s) | %s (N s) | ratio | feet set down, moved (cm) | %s (N s) | steps "
           "|\n|---|---|---|---|---|---|---|\n",
           controller_names[0], controller_names[1], controller_names[2]);
    double bal[3];
    xn_stats cpu[2];
    long fallbacks[2] = {0, 0};
    xn_stats_reset(&cpu[0]);
    xn_stats_reset(&cpu[1]);
    for (int k = 0; k < 3; k++) {
        double pd = largest(&s, PD_BASELINE, dirs[k].dir, 60);
        s.cpu = &cpu[0];
        s.fallbacks = fallbacks[0];
        bal[k] = largest(&s, BALANCE, dirs[k].dir, 60);
        fallbacks[0] = s.fallbacks;
        s.cpu = NULL;
        g1_push_survives(&s, BALANCE, dirs[k].dir, bal[k]);
        int set_down = s.set_down;
        double moved = s.feet_moved;
        s.cpu = &cpu[1];
        s.fallbacks = fallbacks[1];
        double stp = largest(&s, STEPPING, dirs[k].dir, 80);
        fallbacks[1] = s.fallbacks;
        s.cpu = NULL;
        g1_push_survives(&s, STEPPING, dirs[k].dir, stp);
        printf("| %s | %.1f | %.1f | %.2f | %d, %.1f | %.1f | %d |\n", dirs[k].name, pd, bal[k],
               pd > 0 ? bal[k] / pd : 0, set_down, 100 * moved, stp, s.steps);
        fflush(stdout);
    }
    printf("\n### CPU time per cycle of the base estimator and the balance controller, over every "
           "push of the scan above (each run: 1 s standing, the push, 5 s or until the fall)\n\n%s",
           cpu_header);
    for (int c = 0; c < 2; c++) {
        s.fallbacks = fallbacks[c];
        print_cpu_row(controller_names[c + 1], &cpu[c], &s);
    }
    printf("\nThe base estimator against MuJoCo's true state, over every survived run: position "
           "within %.1f mm, velocity within %.3f m/s.\n",
           s.est_pos * 1e3, s.est_vel);
    if (argc > 1 && strcmp(argv[1], "--true-state") == 0) {
        /* the same scan with the estimator bypassed: the difference is the estimator's share of
         * the no-step result, the rest is the strategy's */
        printf("\n| push | no stepping, estimated base (N s) | no stepping, true base (N s) "
               "|\n|---|---|---|\n");
        for (int k = 0; k < 3; k++) {
            s.true_state = 1;
            double tru = largest(&s, BALANCE, dirs[k].dir, 60);
            s.true_state = 0;
            printf("| %s | %.1f | %.1f |\n", dirs[k].name, bal[k], tru);
            fflush(stdout);
        }
    }
    xn_model_free(s.m);
    return 0;
}
