/* Residual vibration of fast point-to-point moves on the flexible-joint Panda in MuJoCo
 * (models/mjcf/franka_panda_flex: elastic joints 1, 2 and 4, a 2 kg tool), controlled through its
 * motor-side encoders with the rigid model, unshaped and with input shapers: ZV at the identified
 * frequency, ZVD and EI at +-20 % error in it, and a shaper tuned from one logged move used on
 * other moves nearby. Prints a Markdown table; with --plot DIR writes the tool's deviation after
 * each move of the first case and draws it with gnuplot.
 * Usage: bench_vibration [--plot DIR] SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "bench_util.h"
#include "xiaonao/xiaonao.h"

#define FLEX XN_MODELS_DIR "/mjcf/franka_panda_flex/scene.xml"
#define RIGID XN_MODELS_DIR "/mjcf/franka_panda/scene.xml"
#define OBSERVE 0.8 /* s of residual vibration observed after the reference stops */
#define MAXS 20000

static const double vmax[7] = {2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61};
static const double amax[7] = {15, 7.5, 10, 12.5, 15, 20, 20};
static const double jmax[7] = {7500, 3750, 5000, 6250, 7500, 10000, 10000};

typedef struct {
    int line_start; /* the program line of the measured move */
    double t[MAXS], p[MAXS][3];
    int rest[MAXS]; /* the (shaped) reference is at rest */
    int line[MAXS];
    int n;
} trace;

static int record(void *user, xn_controller *c) {
    trace *tr = user;
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
        if (tr->n >= MAXS) continue;
        int rest = 1;
        for (int k = 0; k < 7; k++) rest &= s.v_ref[k] == 0 && s.a_ref[k] == 0;
        tr->t[tr->n] = (double)s.time_ns * 1e-9;
        memcpy(tr->p[tr->n], s.tracker, sizeof s.tracker);
        tr->rest[tr->n] = rest;
        tr->line[tr->n] = s.line;
        tr->n++;
    }
    xn_event ev;
    while (xn_controller_next_event(c, &ev)) {
    }
    return 0;
}

typedef struct {
    double residual, settling, motion_time;
    int stop; /* sample index where the reference came to rest */
    int ok;
} result;

/* Run "payload, movej A, wait, [shaper], movej B, wait" and measure the move to B. */
static result run(const char *shaper, const double *A, const double *B, trace *tr) {
    result r = {0, 0, 0, 0, 0};
    char prog[1024];
    snprintf(prog, sizeof prog,
             "set payload 2.0 [0, 0, 0.15]\nmovej [%g, %g, %g, %g, %g, %g, %g]\nwait 0.6\n%s\n"
             "movej [%g, %g, %g, %g, %g, %g, %g]\nwait %g\n",
             A[0], A[1], A[2], A[3], A[4], A[5], A[6], shaper, B[0], B[1], B[2], B[3], B[4], B[5],
             B[6], OBSERVE + 0.3);
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    xn_mujoco_options mo = {0};
    mo.drive.kp = 20000;
    mo.drive.kd = 100;
    if (xn_load_model(RIGID, NULL, &m, &err) || xn_mujoco_open(FLEX, &mo, &hal, &err) ||
        xn_program_parse(prog, strlen(prog), "bench", &p, &err)) {
        fprintf(stderr, "bench_vibration: %s\n", err.message);
        exit(1);
    }
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.command_mode = XN_CMD_POSITION;
    for (int k = 0; k < 7; k++) {
        cfg.max_velocity[k] = vmax[k];
        cfg.max_acceleration[k] = amax[k];
        cfg.max_jerk[k] = jmax[k];
    }
    if (xn_controller_create(m, hal, p, &cfg, &c, &err)) {
        fprintf(stderr, "bench_vibration: %s\n", err.message);
        exit(1);
    }
    memset(tr, 0, sizeof *tr);
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = record;
    lc.user = tr;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    record(tr, c);
    /* the measured move: line 5; it starts with that line and ends when the reference rests */
    int start = -1, stop = -1;
    for (int i = 0; i < tr->n; i++) {
        if (start < 0 && tr->line[i] == 5) start = i;
        if (start >= 0 && i > start + 10 && tr->rest[i] && stop < 0) stop = i;
    }
    int end = stop;
    while (end + 1 < tr->n && tr->t[end + 1] - tr->t[stop] <= OBSERVE) end++;
    if (start < 0 || stop < 0 || end - stop < 100) {
        fprintf(
            stderr,
            "bench_vibration: the move did not complete (%d samples, start %d, stop %d, end %d)\n",
            tr->n, start, stop, end);
        exit(1);
    }
    /* final position: the mean over the window's last 0.2 s */
    double fin[3] = {0, 0, 0};
    int nf = 0;
    for (int i = stop; i <= end; i++)
        if (tr->t[end] - tr->t[i] < 0.2) {
            for (int k = 0; k < 3; k++) fin[k] += tr->p[i][k];
            nf++;
        }
    for (int k = 0; k < 3; k++) fin[k] /= nf;
    for (int i = stop; i <= end; i++) {
        double d = sqrt(pow(tr->p[i][0] - fin[0], 2) + pow(tr->p[i][1] - fin[1], 2) +
                        pow(tr->p[i][2] - fin[2], 2));
        r.residual = xb_max(r.residual, d);
        if (d > 1e-4) r.settling = tr->t[i] - tr->t[stop];
    }
    r.motion_time = tr->t[stop] - tr->t[start];
    r.stop = stop;
    r.ok = 1;
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return r;
}

/* The mode, from the unshaped move's free decay. */
static xn_mode_fit identify(const trace *tr, const result *r) {
    static double xyz[3 * MAXS], work[MAXS];
    int n = 0;
    for (int i = r->stop; i < tr->n && tr->t[i] - tr->t[r->stop] <= OBSERVE; i++, n++)
        memcpy(&xyz[3 * n], tr->p[i], 3 * sizeof(double));
    xn_mode_fit m;
    if (xn_mode_identify3(xyz, n, 0.001, work, &m) != XN_OK) {
        fprintf(stderr, "bench_vibration: no mode found in the free decay\n");
        exit(1);
    }
    return m;
}

static void write_trace(const char *dir, const char *name, const trace *tr, const result *r) {
    if (!dir) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return;
    double fin[3];
    memcpy(fin, tr->p[tr->n - 1], sizeof fin);
    for (int i = r->stop - 600 > 0 ? r->stop - 600 : 0; i < tr->n; i++)
        fprintf(f, "%.4f %.6f %.6f %.6f\n", tr->t[i] - tr->t[r->stop], (tr->p[i][0] - fin[0]) * 1e3,
                (tr->p[i][1] - fin[1]) * 1e3, (tr->p[i][2] - fin[2]) * 1e3);
    fclose(f);
}

int main(int argc, char **argv) {
    const char *plot = argc > 2 && strcmp(argv[1], "--plot") == 0 ? argv[2] : NULL;
    static trace tr;
    const double A[7] = {0, -0.3, 0, -2.2, 0, 1.9, 0.785};
    const double B[4][7] = {{0.8, 0.2, 0, -1.8, 0, 2.0, 0.785},
                            {0.7, 0.1, 0.1, -1.9, 0.1, 2.1, 0.6},
                            {0.9, 0.3, -0.1, -1.7, -0.1, 1.9, 0.9},
                            {0.75, 0.25, 0.05, -1.75, 0.05, 2.05, 0.7}};
    printf("Flexible-joint Panda (elastic joints 1, 2, 4; 2 kg tool) in MuJoCo, motor-side control "
           "with the rigid model,\nfast joint moves at the rated limits; residual = largest tool "
           "deviation from rest in the %.1f s after the reference stops.\n\n",
           OBSERVE);
    result r0 = run("", A, B[0], &tr);
    write_trace(plot, "unshaped", &tr, &r0);
    xn_mode_fit mode = identify(&tr, &r0);
    double f = mode.frequency, z = mode.damping, period = 1 / f;
    printf("Identified from the unshaped move's free decay: %.3f Hz, damping ratio %.4f (fit %.3f)"
           "\n\n",
           f, z, mode.fit);
    printf("| move | shaper | designed for | residual (mm) | reduction | settling to 0.1 mm (ms) | "
           "move time (ms) | added (ms) |\n|---|---|---|---|---|---|---|---|\n");
    printf("| 1 | none | - | %.4f | - | %.0f | %.0f | - |\n", r0.residual * 1e3, r0.settling * 1e3,
           r0.motion_time * 1e3);
    struct {
        const char *name, *cmd;
        double scale;
    } cases[] = {{"ZV", "zv", 1.0},     {"ZVD", "zvd", 0.8},   {"ZVD", "zvd", 1.2},
                 {"EI 5 %", "ei", 0.8}, {"EI 5 %", "ei", 1.2}, {"ZVD", "zvd", 1.0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "set shaper %s %.6g %.6g%s", cases[k].cmd, f * cases[k].scale, z,
                 strcmp(cases[k].cmd, "ei") == 0 ? " 0.05" : "");
        result r = run(cmd, A, B[0], &tr);
        char label[64];
        snprintf(label, sizeof label, "%s_%.0f", cases[k].cmd, cases[k].scale * 100);
        write_trace(plot, label, &tr, &r);
        printf(
            "| 1 | %s | %.2f Hz (%+.0f %%) | %.4f | %.1f %% | %.0f | %.0f | %+.0f (%.2f periods) "
            "|\n",
            cases[k].name, f * cases[k].scale, (cases[k].scale - 1) * 100, r.residual * 1e3,
            100 * (1 - r.residual / r0.residual), r.settling * 1e3, r.motion_time * 1e3,
            (r.motion_time - r0.motion_time) * 1e3, (r.motion_time - r0.motion_time) / period);
    }
    /* tuned once (move 1), used on other moves nearby */
    for (int b = 1; b < 4; b++) {
        result u = run("", A, B[b], &tr);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "set shaper zvd %.6g %.6g", f, z);
        result s = run(cmd, A, B[b], &tr);
        printf("| %d | none | - | %.4f | - | %.0f | %.0f | - |\n", b + 1, u.residual * 1e3,
               u.settling * 1e3, u.motion_time * 1e3);
        printf("| %d | ZVD tuned on move 1 | %.2f Hz | %.4f | %.1f %% | %.0f | %.0f | %+.0f |\n",
               b + 1, f, s.residual * 1e3, 100 * (1 - s.residual / u.residual), s.settling * 1e3,
               s.motion_time * 1e3, (s.motion_time - u.motion_time) * 1e3);
    }
    if (plot) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "gnuplot -e \"set terminal pngcairo size 1000,500 font 'sans,10'; "
                 "set output '%s/vibration.png'; set grid; set xlabel 'time after the reference "
                 "stops (s)'; set ylabel 'tool y deviation from rest (mm)'; set title 'Residual "
                 "vibration of the flexible Panda after a fast move'; set xrange [-0.05:%g]; set "
                 "yrange [-0.8:0.8]; "
                 "plot '%s/unshaped.dat' using 1:3 with lines lw 2 title 'unshaped', "
                 "'%s/zv_100.dat' using 1:3 with lines lw 2 title 'ZV (identified frequency)', "
                 "'%s/zvd_120.dat' using 1:3 with lines lw 2 title 'ZVD (+20 %% frequency error)', "
                 "'%s/ei_80.dat' using 1:3 with lines lw 2 title 'EI (-20 %% frequency error)'\"",
                 plot, OBSERVE, plot, plot, plot, plot);
        if (system(cmd) == 0) printf("\nplot: %s/vibration.png\n", plot);
    }
    return 0;
}
