/* Cartesian motions on the simulated Panda (MuJoCo): a straight line of the tool stays within
 * 0.1 mm of the ideal line, a blended chain leaves its polyline only within the blend radius of
 * a waypoint, the executed joint motion keeps the rated limits (checked every cycle), and bad
 * Cartesian programs are refused before any motion with the line. SPDX-License-Identifier:
 * Apache-2.0 */
#include <math.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

#define DEG (3.14159265358979323846 / 180)

typedef struct {
    xn_hal *hal;
    int site;
    double pts[20000][3];
    int n;
    double vmax_ratio, amax_ratio;
    double prev_v[7];
    int have_prev;
    rt_events ev;
} recorder;

static int record(void *user, xn_controller *c) {
    recorder *r = user;
    const mjModel *m = xn_mujoco_model(r->hal);
    const mjData *d = xn_mujoco_data(r->hal);
    xn_event ev;
    while (xn_controller_next_event(c, &ev))
        if (r->ev.n < 512) r->ev.ev[r->ev.n++] = ev;
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
        if (s.state != XN_CTL_RUNNING) continue;
        for (int k = 0; k < 7; k++) {
            r->vmax_ratio = xt_max(r->vmax_ratio, fabs(s.v_ref[k]) / panda_vmax[k]);
            r->amax_ratio = xt_max(r->amax_ratio, fabs(s.a_ref[k]) / panda_amax[k]);
        }
    }
    if (r->n < 20000 && xn_controller_state(c) == XN_CTL_RUNNING) {
        memcpy(r->pts[r->n], &d->site_xpos[3 * r->site], 3 * sizeof(double));
        r->n++;
    }
    (void)m;
    return 0;
}

static double seg_dist(const double *p, const double *a, const double *b) {
    double ab[3], ap[3], t = 0, n2 = 0;
    for (int i = 0; i < 3; i++) {
        ab[i] = b[i] - a[i];
        ap[i] = p[i] - a[i];
        t += ab[i] * ap[i];
        n2 += ab[i] * ab[i];
    }
    t = n2 > 0 ? xt_min(1, xt_max(0, t / n2)) : 0;
    double d = 0;
    for (int i = 0; i < 3; i++) d += (ap[i] - t * ab[i]) * (ap[i] - t * ab[i]);
    return sqrt(d);
}

static double dist(const double *a, const double *b) {
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

/* Run a program; fill the recorder; returns 0 on a completed program. */
static int run(const char *text, recorder *r, xn_error *err) {
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *prog = NULL;
    xn_controller *c = NULL;
    int rc = -1;
    memset(r, 0, sizeof *r);
    if (xn_load_model(PANDA_SCENE, NULL, &m, err) || xn_mujoco_open(PANDA_SCENE, NULL, &hal, err) ||
        xn_program_parse(text, strlen(text), "cart.xnp", &prog, err))
        goto out;
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (xn_controller_create(m, hal, prog, &cfg, &c, err)) goto out;
    r->hal = hal;
    r->site = mj_name2id(xn_mujoco_model(hal), mjOBJ_SITE, "flange");
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = record;
    lc.user = r;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    record(r, c);
    rc = rt_find(&r->ev, XN_EV_PROGRAM_END) && !rt_find(&r->ev, XN_EV_QUICK_STOP) ? 0 : 1;
out:
    xn_controller_free(c);
    xn_program_free(prog);
    xn_hal_close(hal);
    xn_model_free(m);
    return rc;
}

/* home: the flange at (0.307, 0, 0.59), pointing down (rpy 180deg, 0, -45deg) */
#define HOME "pose home = [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nmovej home\n"

static void line(void) {
    static recorder r;
    xn_error err;
    /* from home to a point 25 cm away in x and y, down 10 cm */
    const char *text = HOME "pose a = p[0.45, 0.0, 0.45, 180deg, 0, -45deg]\n"
                            "pose b = p[0.45, 0.25, 0.35, 180deg, 0, -45deg]\n"
                            "movel a speed 0.3\n"
                            "wait 0.05\n"
                            "movel b speed 0.5 accel 2\n"
                            "wait 0.05\n";
    int rc = run(text, &r, &err);
    XT_CHECK(rc == 0, "line program: %s", rc < 0 ? err.message : "did not complete");
    if (rc) return;
    /* the second line: every sample between a and b within 0.1 mm of the line */
    double a[3] = {0.45, 0.0, 0.45}, b[3] = {0.45, 0.25, 0.35}, worst = 0;
    int on = 0;
    for (int i = 0; i < r.n; i++) {
        if (dist(r.pts[i], a) < 5e-5 && !on) on = 1; /* arrived at a */
        if (!on) continue;
        worst = xt_max(worst, seg_dist(r.pts[i], a, b));
    }
    XT_CHECK(on && worst < 1e-4, "the tool stays within %.4f mm of the line (0.1 mm asked)",
             worst * 1e3);
    XT_CHECK(dist(r.pts[r.n - 1], b) < 1e-4, "it ends at b (%.4f mm away)",
             dist(r.pts[r.n - 1], b) * 1e3);
    XT_CHECK(r.vmax_ratio <= 1 + 1e-6 && r.amax_ratio <= 1.02,
             "the joints keep the rated limits every cycle: speed %.3f, acceleration %.3f of "
             "rated",
             r.vmax_ratio, r.amax_ratio);
    printf("movel: deviation %.4f mm, peak joint speed %.0f %%, acceleration %.0f %% of rated\n",
           worst * 1e3, r.vmax_ratio * 100, r.amax_ratio * 100);
}

static void blends(void) {
    static recorder r;
    xn_error err;
    const char *text = HOME "movel p[0.45, -0.1, 0.4, 180deg, 0, -45deg] speed 0.3\n"
                            "movel p[0.45, 0.1, 0.4, 180deg, 0, -45deg] speed 0.3 blend 0.04\n"
                            "movel p[0.35, 0.1, 0.4, 180deg, 0, -45deg] speed 0.3 blend 0.03\n"
                            "movel p[0.35, 0.1, 0.3, 180deg, 0, -45deg] speed 0.3\n";
    int rc = run(text, &r, &err);
    XT_CHECK(rc == 0, "blend program: %s", rc < 0 ? err.message : "did not complete");
    if (rc) return;
    double w[4][3] = {{0.45, -0.1, 0.4}, {0.45, 0.1, 0.4}, {0.35, 0.1, 0.4}, {0.35, 0.1, 0.3}};
    double rad[4] = {0, 0.04, 0.03, 0};
    int on = 0, outside = 0, near1 = 0;
    double closest1 = 1;
    for (int i = 0; i < r.n; i++) {
        if (!on && dist(r.pts[i], w[0]) < 5e-5) on = 1;
        if (!on) continue;
        double dline =
            xt_min(seg_dist(r.pts[i], w[0], w[1]),
                   xt_min(seg_dist(r.pts[i], w[1], w[2]), seg_dist(r.pts[i], w[2], w[3])));
        int in_blend =
            dist(r.pts[i], w[1]) <= rad[1] + 1e-4 || dist(r.pts[i], w[2]) <= rad[2] + 1e-4;
        if (dline > 1e-4 && !in_blend) outside++;
        closest1 = xt_min(closest1, dist(r.pts[i], w[1]));
        near1 += dist(r.pts[i], w[1]) < 1e-3;
    }
    XT_CHECK(on && outside == 0, "off the polyline only inside a blend radius (%d samples not)",
             outside);
    /* the blend rounds the corner: the tool never comes within 1 mm of it */
    XT_CHECK(near1 == 0 && closest1 > 0.005, "the corner is rounded (closest %.1f mm)",
             closest1 * 1e3);
}

/* The example program (a rounded square and a half circle): completes, every joint within 1 mrad
 * of its reference (a workspace reused from a longer path once broke the time law here). */
static void example(void) {
    size_t len;
    char *text = xt_slurp(XN_SOURCE_DIR "/examples/draw_square.xnp", &len);
    static recorder r;
    xn_error err;
    int rc = run(text, &r, &err);
    free(text);
    XT_CHECK(rc == 0, "examples/draw_square.xnp: %s", rc < 0 ? err.message : "did not complete");
    XT_CHECK(r.vmax_ratio <= 1 + 1e-6 && r.amax_ratio <= 1.02,
             "example: rated limits kept (speed %.3f, acceleration %.3f)", r.vmax_ratio,
             r.amax_ratio);
}

static void refusals(void) {
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_error err;
    xn_load_model(PANDA_SCENE, NULL, &m, &err);
    xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err);
    struct {
        const char *text;
        int line;
        const char *words;
    } cases[] = {
        {HOME "movel p[1.5, 0, 0.4, 180deg, 0, 0]\n", 3, "out of reach"},
        {HOME "movej p[0, 0, 2.0, 0, 0, 0]\n", 3, "out of reach"},
        {HOME "movel p[0.45, 0, 0.45, 180deg, 0, -45deg] blend 0.3\n"
              "movel p[0.45, 0.1, 0.45, 180deg, 0, -45deg]\n",
         3, "larger than the segment"},
        {HOME "movel p[0.45, 0, 0.45, 180deg, 0, -45deg] blend 0.01\nmovej home\n", 3,
         "cannot blend into a movej"},
        /* across the base: the wrist passes over joint 1's axis (a singularity) */
        {HOME "movel p[0.25, 0, 0.6, 180deg, 0, -45deg]\n"
              "movel p[-0.25, 0, 0.6, 180deg, 0, -45deg]\n",
         4, "singular"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xn_program *prog = NULL;
        xn_controller *c = NULL;
        xn_program_parse(cases[i].text, strlen(cases[i].text), "bad.xnp", &prog, &err);
        xn_controller_config cfg;
        rt_panda_config(&cfg);
        xn_status st = xn_controller_create(m, hal, prog, &cfg, &c, &err);
        XT_CHECK(st != XN_OK && err.line == cases[i].line && strstr(err.message, cases[i].words),
                 "case %zu refused at line %d (%s): line %d %s", i, cases[i].line, cases[i].words,
                 err.line, err.message);
        xn_controller_free(c);
        xn_program_free(prog);
    }
    xn_hal_close(hal);
    xn_model_free(m);
}

int main(void) {
    line();
    blends();
    example();
    refusals();
    return xt_done("test_cartesian");
}
