/* Vibration suppression on the flexible-joint Panda in MuJoCo (the runtime issue's numbers):
 * ZV at the identified frequency removes at least 90 % of the residual vibration, ZVD and EI at
 * +-20 % frequency error at least 80 %, a known-frequency shaper adds at most one (damped)
 * vibration period, a shaper tuned from one move removes at least 85 % on other moves nearby,
 * `set shaper auto` uses the mode identified for each target pose; bad shaper settings are
 * refused with their line. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "alloc_count.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define FLEX XN_MODELS_DIR "/mjcf/franka_panda_flex/scene.xml"
#define OBSERVE 0.8
#define MAXS 8000

typedef struct {
    int n, start, stop;
    double t[MAXS], p[MAXS][3];
    int rest[MAXS], line[MAXS];
} trace;

/* allocator calls are counted from inside each cycle (after the read) to its end (record) */
static void count_from(void *user, long cycle) {
    (void)user;
    (void)cycle;
    xt_counting = 1;
}

static int record(void *user, xn_controller *c) {
    xt_counting = 0;
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
    double residual, motion_time;
    long allocs; /* allocator calls in the control cycles */
} result;

static const double A[7] = {0, -0.3, 0, -2.2, 0, 1.9, 0.785};

static xn_status make(const char *prog, const xn_shaper_table *table, xn_model **m, xn_hal **hal,
                      xn_program **p, xn_controller **c, xn_error *err) {
    xn_mujoco_options mo = {0};
    mo.drive.kp = 20000;
    mo.drive.kd = 100;
    xn_status st = xn_load_model(PANDA_SCENE, NULL, m, err);
    if (!st) st = xn_mujoco_open(FLEX, &mo, hal, err);
    if (!st) st = xn_program_parse(prog, strlen(prog), "vib.xnp", p, err);
    if (st) return st;
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    cfg.command_mode = XN_CMD_POSITION;
    cfg.shaper_table = table;
    return xn_controller_create(*m, *hal, *p, &cfg, c, err);
}

/* "payload, movej A, wait, shaper, movej B, wait": the residual vibration of the move to B. */
static result run(const char *shaper, const double *B, trace *tr, const xn_shaper_table *table) {
    result r = {-1, -1, 0};
    char prog[1024];
    snprintf(prog, sizeof prog,
             "set payload 2.0 [0, 0, 0.15]\nmovej [%g, %g, %g, %g, %g, %g, %g]\nwait 0.5\n%s\n"
             "movej [%g, %g, %g, %g, %g, %g, %g]\nwait %g\n",
             A[0], A[1], A[2], A[3], A[4], A[5], A[6], shaper, B[0], B[1], B[2], B[3], B[4], B[5],
             B[6], OBSERVE + 0.2);
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    memset(tr, 0, sizeof *tr);
    if (make(prog, table, &m, &hal, &p, &c, &err) == XN_OK) {
        xn_loop_config lc;
        xn_loop_config_init(&lc);
        lc.after_cycle = record;
        lc.inject_delay = count_from;
        lc.user = tr;
        xn_loop_report rep;
        xt_allocs = 0;
        xn_loop_run(c, hal, &lc, &rep);
        r.allocs = xt_allocs;
        record(tr, c);
        int start = -1, stop = -1, end;
        for (int i = 0; i < tr->n; i++) {
            if (start < 0 && tr->line[i] == 5) start = i;
            if (start >= 0 && i > start + 10 && tr->rest[i] && stop < 0) stop = i;
        }
        if (start >= 0 && stop >= 0) {
            for (end = stop; end + 1 < tr->n && tr->t[end + 1] - tr->t[stop] <= OBSERVE; end++) {
            }
            double fin[3] = {0, 0, 0};
            int nf = 0;
            for (int i = stop; i <= end; i++)
                if (tr->t[end] - tr->t[i] < 0.2) {
                    for (int k = 0; k < 3; k++) fin[k] += tr->p[i][k];
                    nf++;
                }
            r.residual = 0;
            for (int i = stop; i <= end; i++) {
                double d = 0;
                for (int k = 0; k < 3; k++) d += pow(tr->p[i][k] - fin[k] / nf, 2);
                r.residual = xt_max(r.residual, sqrt(d));
            }
            r.motion_time = tr->t[stop] - tr->t[start];
            tr->start = start;
            tr->stop = stop;
        }
    } else {
        fprintf(stderr, "set-up: %s\n", err.message);
    }
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return r;
}

static void shapers(void) {
    static trace tr;
    static double xyz[3 * MAXS], work[MAXS];
    const double B[7] = {0.8, 0.2, 0, -1.8, 0, 2.0, 0.785};
    result r0 = run("", B, &tr, NULL);
    XT_CHECK(r0.residual > 1e-4, "the unshaped move rings (%.4f mm)", r0.residual * 1e3);
    int n = 0;
    for (int i = tr.stop; i < tr.n && tr.t[i] - tr.t[tr.stop] <= OBSERVE; i++, n++)
        memcpy(&xyz[3 * n], tr.p[i], 3 * sizeof(double));
    xn_mode_fit mode;
    XT_CHECK(xn_mode_identify3(xyz, n, 0.001, work, &mode) == XN_OK && mode.fit > 0.99,
             "mode identified: %.3f Hz, damping %.3f, fit %.4f", mode.frequency, mode.damping,
             mode.fit);
    double f = mode.frequency, z = mode.damping;
    double Td = 1 / (f * sqrt(1 - z * z));
    struct {
        const char *kind;
        double scale, need;
        int timed;
    } cases[] = {{"zv", 1, 0.90, 1},    {"zvd", 1, 0.80, 1},   {"ei", 1, 0.80, 1},
                 {"zvd", 0.8, 0.80, 0}, {"zvd", 1.2, 0.80, 0}, {"ei", 0.8, 0.80, 0},
                 {"ei", 1.2, 0.80, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "set shaper %s %.6g %.6g%s", cases[k].kind, f * cases[k].scale, z,
                 strcmp(cases[k].kind, "ei") == 0 ? " 0.05" : "");
        result r = run(cmd, B, &tr, NULL);
        double red = 1 - r.residual / r0.residual, added = r.motion_time - r0.motion_time;
        XT_CHECK(r.residual >= 0 && red >= cases[k].need,
                 "%s at %+.0f %%: %.1f %% less residual vibration (%.0f %% asked)", cases[k].kind,
                 (cases[k].scale - 1) * 100, red * 100, cases[k].need * 100);
        if (cases[k].timed)
            XT_CHECK(added <= Td + 0.0015, "%s adds %.1f ms, one damped period is %.1f ms",
                     cases[k].kind, added * 1e3, Td * 1e3);
    }
    /* tuned on that move, used on other moves in the region */
    const double others[3][7] = {{0.7, 0.1, 0.1, -1.9, 0.1, 2.1, 0.6},
                                 {0.9, 0.3, -0.1, -1.7, -0.1, 1.9, 0.9},
                                 {0.75, 0.25, 0.05, -1.75, 0.05, 2.05, 0.7}};
    for (int b = 0; b < 3; b++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "set shaper zvd %.6g %.6g", f, z);
        result u = run("", others[b], &tr, NULL), s = run(cmd, others[b], &tr, NULL);
        XT_CHECK(1 - s.residual / u.residual >= 0.85,
                 "another move (%d): the tuned shaper removes %.1f %% (85 %% asked)", b + 1,
                 100 * (1 - s.residual / u.residual));
    }
    /* set shaper auto: the table's mode at the target pose */
    xn_shaper_table t;
    memset(&t, 0, sizeof t);
    t.n = 1;
    t.nj = 7;
    memcpy(t.q[0], B, sizeof B);
    t.frequency[0] = f;
    t.damping[0] = z;
    t.type = XN_SHAPER_ZVD;
    t.v_tol = 0.05;
    result a = run("set shaper auto", others[0], &tr, &t), u = run("", others[0], &tr, NULL);
    XT_CHECK(a.residual >= 0 && 1 - a.residual / u.residual >= 0.85,
             "set shaper auto: %.1f %% less", 100 * (1 - a.residual / u.residual));
    XT_CHECK(a.allocs == 0, "set shaper auto: no allocation in the control cycles (%ld)", a.allocs);
}

static void refusals(void) {
    struct {
        const char *text;
        int line;
        const char *words;
    } cases[] = {
        {"set shaper zv 0 0.1\n", 1, "frequency must be > 0"},
        {"set shaper zvd 5 1.2\n", 1, "damping ratio must be in [0, 1)"},
        {"set shaper ei 5 0.02 1.5\n", 1, "tolerance must be in (0, 1)"},
        {"set shaper fast 5 0\n", 1, "expected zv, zvd, zvdd, ei, auto or off"},
        {"movej [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nset shaper zv 300 0\n", 2,
         "sample rate is too low"},
        {"set shaper auto\n", 1, "needs the modes identified"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xn_error err;
        xn_model *m = NULL;
        xn_hal *hal = NULL;
        xn_program *p = NULL;
        xn_controller *c = NULL;
        xn_status st = make(cases[i].text, NULL, &m, &hal, &p, &c, &err);
        XT_CHECK(st != XN_OK && err.line == cases[i].line && strstr(err.message, cases[i].words),
                 "case %zu: line %d %s", i, err.line, err.message);
        xn_controller_free(c);
        xn_program_free(p);
        xn_hal_close(hal);
        xn_model_free(m);
    }
}

int main(void) {
    refusals();
    shapers();
    return xt_done("test_vibration");
}
