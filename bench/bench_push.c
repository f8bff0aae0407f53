/* Push recovery of the 29-DoF G1 in MuJoCo: the largest impulse at the pelvis (N s; a 0.1 s
 * force) forward, backward and sideways that the robot survives (upright 5 s after the push),
 * under capture-point balance on whole-body control without and with recovery steps, beside a
 * baseline of stiff joint PD holding the knees_bent pose (kp 400 N m/rad, kd 10 N m s/rad). The
 * controller sees the drives and the pelvis IMU only (the base estimator); the table also gives
 * the estimator's error against MuJoCo's true state over the survived runs. Each impulse is the
 * largest below which every one on a 0.5 N s grid survives.
 * The CPU time of every balance cycle of the scan (CLOCK_THREAD_CPUTIME_ID) follows the table.
 * Usage: bench_push [direction] [controller] [impulse]   one run, printing its trace
 *        bench_push --cycles [R]   a fixed set of pushes near the limits: CPU time per cycle,
 *                              QP iterations and budget fallbacks (XN_WBC_ITER=N sets the
 *                              budget); each push R times (default 1), and the times of each
 *                              cycle's fastest run too
 *        bench_push --true-state   also the no-step column with the controller given MuJoCo's
 *                                  true base state: what the estimator costs
 *        bench_push --curves [JOBS] [DATA]   survival on a 0.1 N s grid under conditions the
 *                                  controller was not tuned on (IMU noise and bias, a cycle of
 *                                  latency, the torso pushed, 0.05 and 0.2 s pushes, a diagonal),
 *                                  JOBS worker processes (default 2); DATA: the grid, for a plot
 * SPDX-License-Identifier: Apache-2.0 */
#include <sys/wait.h>
#include <unistd.h>

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
 * fallbacks, the QP's iterations and which pushes survive. With repeats > 1 each push runs that
 * many times: the simulation is deterministic, so a cycle does the same work in every run (its
 * QP iterations are checked to be the same), and the least of its times leaves out what the
 * machine added (preemption, a busy host). Both the raw times and those minima are reported. */
#define CYCLE_CAP 8000
static void cycles(g1_push_setup *s, const double dirs[3][3], int repeats) {
    static const double impulses[2][3][3] = {{{20, 22, 24}, {18, 20, 22}, {30, 33, 35}},
                                             {{35, 40, 45}, {28, 32, 34}, {20, 24, 26}}};
    static double ns[CYCLE_CAP], least[CYCLE_CAP];
    static int iter[CYCLE_CAP], iter0[CYCLE_CAP];
    if (repeats < 1) repeats = 1;
    printf("%s", cpu_header);
    for (int ctl = BALANCE; ctl <= STEPPING; ctl++) {
        xn_stats st, st_least;
        xn_stats_reset(&st);
        xn_stats_reset(&st_least);
        s->cpu = &st;
        s->fallbacks = 0;
        s->cycle_ns = ns;
        s->cycle_iter = iter;
        s->cycle_cap = CYCLE_CAP;
        memset(s->iterations_hist, 0, sizeof s->iterations_hist);
        char survived[128] = "";
        int differ = 0;
        for (int d = 0; d < 3; d++)
            for (int i = 0; i < 3; i++) {
                int ok = 0;
                long n0 = 0;
                for (int r = 0; r < repeats; r++) {
                    long fb = s->fallbacks;
                    long hist[8];
                    memcpy(hist, s->iterations_hist, sizeof hist);
                    ok = g1_push_survives(s, ctl, dirs[d], impulses[ctl - 1][d][i]);
                    if (r > 0) { /* count a push's fallbacks and iterations once */
                        s->fallbacks = fb;
                        memcpy(s->iterations_hist, hist, sizeof hist);
                    }
                    if (r == 0) {
                        n0 = s->ncycle;
                        memcpy(least, ns, (size_t)n0 * sizeof(double));
                        memcpy(iter0, iter, (size_t)n0 * sizeof(int));
                        continue;
                    }
                    differ += s->ncycle != n0;
                    for (long k = 0; k < n0 && k < s->ncycle; k++) {
                        differ += iter[k] != iter0[k];
                        if (ns[k] < least[k]) least[k] = ns[k];
                    }
                }
                for (long k = 0; k < n0; k++) xn_stats_add(&st_least, least[k]);
                size_t n = strlen(survived);
                snprintf(survived + n, sizeof survived - n, "%s%c", i ? "" : " ", ok ? '+' : '-');
            }
        print_cpu_row(controller_names[ctl], &st, s);
        if (repeats > 1) {
            char what[96];
            snprintf(what, sizeof what, "%s, least of %d runs per cycle", controller_names[ctl],
                     repeats);
            print_cpu_row(what, &st_least, s);
        }
        printf("  survived (fwd, back, side; 3 pushes each):%s; iterations < 25, 50, 100, 150, "
               "200, 300, 500, more:",
               survived);
        for (int b = 0; b < 8; b++) printf(" %ld", s->iterations_hist[b]);
        printf("%s\n", differ ? "; THE RUNS DIFFERED (not deterministic)" : "");
    }
    s->cpu = NULL;
    s->cycle_ns = NULL;
    s->cycle_iter = NULL;
}

/* ---- survival curves on a 0.1 N s grid ---- */

typedef struct {
    const char *name, *body;
    double duration;
    int sensing;  /* IMU noise and bias and one cycle of latency */
    int dirs;     /* bit d: direction d of curve_dirs */
    int ctl_mask; /* bit c: controller c */
} curve_condition;

static const struct {
    const char *name;
    double dir[3];
} curve_dirs[4] = {{"forward", {1, 0, 0}},
                   {"backward", {-1, 0, 0}},
                   {"sideways", {0, 1, 0}},
                   {"diagonal (forward-left)", {0.7071067811865476, 0.7071067811865476, 0}}};

static const curve_condition conditions[] = {
    {"as tuned: pelvis, 0.1 s, ideal IMU", "pelvis", 0.1, 0, 7, 6},
    {"IMU noise and bias, 1 cycle latency", "pelvis", 0.1, 1, 7, 6},
    {"+ torso pushed", "torso_link", 0.1, 1, 5, 6},
    {"+ 0.05 s push", "pelvis", 0.05, 1, 1, 6},
    {"+ 0.2 s push", "pelvis", 0.2, 1, 1, 6},
    {"+ diagonal", "pelvis", 0.1, 1, 8, 6},
};
#define NCOND (int)(sizeof conditions / sizeof conditions[0])

/* the degraded sensing: gyro noise (rad/s), gyro bias (rad/s per axis), orientation noise (rad,
 * white, per sample); XN_CURVE_SENSING="noise,bias,tilt" changes it */
static double curve_sensing[3] = {0.01, 0.005, 2e-4};
static double curve_filter = 0; /* s: the orientation filter's time constant (0: none) */
#define CURVE_STEP 0.1
#define CURVE_PAST 2.0 /* N s scanned past the first fall, to show what lies beyond it */
#define CURVE_MAX 800  /* grid points at most (80 N s) */

/* One curve: survive/fall on the grid from 0.1 N s up to CURVE_PAST beyond the first fall. */
static double curve(g1_push_setup *s, int ctl, const double dir[3], char *grid, int *npoints) {
    double headline = -1;
    int n = 0;
    for (int i = 1; i <= CURVE_MAX; i++) {
        double j = i * CURVE_STEP;
        if (headline >= 0 && j > headline + CURVE_STEP + CURVE_PAST) break;
        int ok = g1_push_survives(s, ctl, dir, j);
        grid[n++] = ok ? '+' : '-';
        if (!ok && headline < 0) headline = j - CURVE_STEP;
    }
    grid[n] = 0;
    *npoints = n;
    return headline < 0 ? CURVE_MAX * CURVE_STEP : headline;
}

static int curves(g1_push_setup *base, int jobs, const char *data) {
    /* the work: (condition, controller, direction) triples, dealt round-robin to the workers */
    int job[64][3], njob = 0;
    /* XN_CURVE_COND and XN_CURVE_CTL (bit masks) pick a part of the work: the whole takes about
     * 90 minutes on two cores */
    int cond_mask = getenv("XN_CURVE_COND") ? atoi(getenv("XN_CURVE_COND")) : ~0;
    int ctl_mask = getenv("XN_CURVE_CTL") ? atoi(getenv("XN_CURVE_CTL")) : ~0;
    for (int c = 0; c < NCOND; c++)
        for (int ctl = BALANCE; ctl <= STEPPING; ctl++)
            for (int d = 0; d < 4; d++)
                if ((conditions[c].ctl_mask >> ctl & 1) && (conditions[c].dirs >> d & 1) &&
                    (cond_mask >> c & 1) && (ctl_mask >> ctl & 1)) {
                    job[njob][0] = c, job[njob][1] = ctl, job[njob][2] = d;
                    njob++;
                }
    /* XN_CURVE_FILTER: the estimator's orientation filter (s) under the degraded sensing */
    if (getenv("XN_CURVE_FILTER")) curve_filter = atof(getenv("XN_CURVE_FILTER"));
    if (getenv("XN_CURVE_SENSING"))
        sscanf(getenv("XN_CURVE_SENSING"), "%lf,%lf,%lf", &curve_sensing[0], &curve_sensing[1],
               &curve_sensing[2]);
    char tmpl[64];
    snprintf(tmpl, sizeof tmpl, "/tmp/xn_push_curves_%d", (int)getpid());
    if (jobs < 1) jobs = 1;
    for (int w = 0; w < jobs; w++) {
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid > 0) continue;
        char path[96];
        snprintf(path, sizeof path, "%s.%d", tmpl, w);
        FILE *f = fopen(path, "w");
        for (int k = w; k < njob && f; k += jobs) {
            const curve_condition *cd = &conditions[job[k][0]];
            g1_push_setup s = *base;
            s.body = cd->body;
            s.duration = cd->duration;
            if (cd->sensing) {
                s.gyro_noise = curve_sensing[0];
                s.gyro_bias = curve_sensing[1];
                s.tilt_noise = curve_sensing[2];
                s.latency = 1;
                s.seed = 1 + (unsigned long)k;
                s.tilt_filter = curve_filter;
            }
            static char grid[CURVE_MAX + 1];
            int n;
            double h = curve(&s, job[k][1], curve_dirs[job[k][2]].dir, grid, &n);
            fprintf(f, "%d %.1f %s\n", k, h, grid);
            fflush(f);
        }
        if (f) fclose(f);
        _exit(0);
    }
    while (wait(NULL) > 0) {
    }
    double head[64];
    static char grids[64][CURVE_MAX + 1];
    for (int k = 0; k < njob; k++) head[k] = NAN, grids[k][0] = 0;
    for (int w = 0; w < jobs; w++) {
        char path[96];
        snprintf(path, sizeof path, "%s.%d", tmpl, w);
        FILE *f = fopen(path, "r");
        int k;
        double h;
        static char g[CURVE_MAX + 1];
        while (f && fscanf(f, "%d %lf %800s", &k, &h, g) == 3)
            if (k >= 0 && k < njob) {
                head[k] = h;
                memcpy(grids[k], g, sizeof g);
            }
        if (f) fclose(f);
        remove(path);
    }
    printf("### Push survival on a 0.1 N s grid: the largest impulse below which every push "
           "survives (N s)\n\n");
    printf("| condition | controller | forward | backward | sideways | diagonal | first falls "
           "past it (N s) |\n|---|---|---|---|---|---|---|\n");
    FILE *out = data ? fopen(data, "w") : NULL;
    for (int c = 0; c < NCOND; c++)
        for (int ctl = BALANCE; ctl <= STEPPING; ctl++) {
            if (!(conditions[c].ctl_mask >> ctl & 1) || !(cond_mask >> c & 1) ||
                !(ctl_mask >> ctl & 1))
                continue;
            printf("| %s | %s |", conditions[c].name, controller_names[ctl]);
            char past[256] = "";
            for (int d = 0; d < 4; d++) {
                int k = -1;
                for (int i = 0; i < njob; i++)
                    if (job[i][0] == c && job[i][1] == ctl && job[i][2] == d) k = i;
                if (k < 0) {
                    printf(" – |");
                    continue;
                }
                printf(" %.1f |", head[k]);
                /* how the grid goes on past the first fall: the survivals there (islands) */
                int n = (int)strlen(grids[k]), islands = 0;
                for (int i = (int)lround(head[k] / CURVE_STEP) + 1; i < n; i++)
                    islands += grids[k][i] == '+';
                size_t len = strlen(past);
                snprintf(past + len, sizeof past - len, "%s%s: %d of %d survive", len ? "; " : "",
                         curve_dirs[d].name, islands, n - (int)lround(head[k] / CURVE_STEP) - 1);
                if (out)
                    for (int i = 0; i < n; i++)
                        fprintf(out, "%d %d %d %.1f %d\n", c, ctl, d, (i + 1) * CURVE_STEP,
                                grids[k][i] == '+');
            }
            printf(" %s |\n", past);
        }
    if (out) fclose(out);
    printf("\nSensing: gyro noise %g rad/s and a bias of %g rad/s per axis (sign drawn per run), "
           "orientation noise %g rad (white, every sample), commands acting one cycle late. Each "
           "push: stand 1 s, the force for its duration, watch 5 s; survived = pelvis above "
           "0.55 m.\n",
           curve_sensing[0], curve_sensing[1], curve_sensing[2]);
    return 0;
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
    if (argc > 1 && strcmp(argv[1], "--curves") == 0) {
        int r = curves(&s, argc > 2 ? atoi(argv[2]) : 2, argc > 3 ? argv[3] : NULL);
        xn_model_free(s.m);
        return r;
    }
    if (argc > 1 && strcmp(argv[1], "--cycles") == 0) {
        const double d3[3][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}};
        cycles(&s, d3, argc > 2 ? atoi(argv[2]) : 1);
        xn_model_free(s.m);
        return 0;
    }
    /* the sensing of a run, for diagnosis (bench_push --curves sets its own) */
    if (getenv("XN_GYRO_NOISE")) s.gyro_noise = atof(getenv("XN_GYRO_NOISE"));
    if (getenv("XN_GYRO_BIAS")) s.gyro_bias = atof(getenv("XN_GYRO_BIAS"));
    if (getenv("XN_TILT_NOISE")) s.tilt_noise = atof(getenv("XN_TILT_NOISE"));
    if (getenv("XN_TILT_FILTER")) s.tilt_filter = atof(getenv("XN_TILT_FILTER"));
    if (getenv("XN_LATENCY")) s.latency = atoi(getenv("XN_LATENCY"));
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
