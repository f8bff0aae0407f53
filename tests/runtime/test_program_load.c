/* Programs given while the controller runs (xn_controller_run_program) and pause / resume, on
 * the Panda on the loopback robot. A program given at a `stream` line takes the line's place
 * once the joints rest, reaches its joint targets exactly and its Cartesian ones to the
 * micrometre (forward kinematics of the logged reference, not the planner's numbers), and hands
 * the line back: setpoints are refused while it runs and drive the joints again after. One that
 * starts with a straight line is planned from where the joints rest. A pause slows the motion to
 * rest on its own path (the joint motion's positions on the unpaused run's curve, the straight
 * line's on the line), waits stop counting while paused, and a resume finishes the program; the
 * reference never jumps nor exceeds the rated velocity. The loop allocates nothing through the
 * switch, the pause, the resume and the switch back. Bad input: a line only the controller's
 * creation can prepare, a target outside the limits, a second program, no `stream` line, joints
 * moving, the joints moved between preparing and the switch: each refused with the reason,
 * nothing moves. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "alloc_count.h"
#include "runtime/panda_rig.h"
#include "test_util.h"

#define DT 0.001

/* the logged reference: how far it stepped and how fast it went, as ratios of the rated
 * velocity (<= 1 inside; NaN fails); every sample kept for the path checks */
typedef struct {
    double q[7];
    int have;
    double worst_step, worst_v;
    int n;
    double path[20000][7];
} watch;

static rig R;
static watch W;

static void take(rig *r, watch *w) {
    xn_event ev;
    while (xn_controller_next_event(r->c, &ev))
        if (r->ev.n < 512) r->ev.ev[r->ev.n++] = ev;
    xn_ctl_sample s;
    while (xn_controller_next_sample(r->c, &s)) {
        for (int k = 0; k < 7; k++) {
            if (w->have)
                w->worst_step =
                    xt_max(w->worst_step, fabs(s.q_ref[k] - w->q[k]) / DT / panda_vmax[k]);
            w->worst_v = xt_max(w->worst_v, fabs(s.v_ref[k]) / panda_vmax[k]);
            w->q[k] = s.q_ref[k];
        }
        w->have = 1;
        if (w->n < 20000) memcpy(w->path[w->n++], s.q_ref, sizeof w->path[0]);
    }
}

static void run(rig *r, int n, watch *w) {
    for (int i = 0; i < n; i++) {
        rt_cycle(r->c, r->hal);
        take(r, w);
    }
}

static int count(const rig *r, xn_event_code code, double value) {
    int n = 0;
    for (int i = 0; i < r->ev.n; i++)
        n += r->ev.ev[i].code == code && (isnan(value) || r->ev.ev[i].value == value);
    return n;
}

static xn_program *parse(const char *text) {
    xn_program *p = NULL;
    xn_error err;
    if (xn_program_parse(text, strlen(text), "console", &p, &err) != XN_OK)
        fprintf(stderr, "parse: %s\n", err.message);
    return p;
}

static double joint_error(const rig *r, const double *q) {
    double e = 0;
    for (int k = 0; k < 7; k++) e = xt_max(e, fabs(r->hal->joint[k].position - q[k]));
    return e;
}

/* the flange's position at the controller's present reference (model kinematics) */
static void flange_at(const rig *r, const double *q7, double p[3]) {
    xn_data *d = xn_data_create(r->m);
    xn_real q[16];
    memcpy(q, r->m->q_neutral, (size_t)r->m->nq * sizeof(xn_real));
    memcpy(q, q7, 7 * sizeof(double));
    xn_dyn_fk(r->m, d, q);
    xn_se3 X;
    xn_dyn_frame_placement(r->m, d, xn_model_frame_id(r->m, "flange"), &X);
    memcpy(p, X.p, sizeof X.p);
    xn_data_free(d);
}

static xn_setpoint jog(int joint, double v) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_VELOCITY;
    sp.n = 7;
    sp.velocity[joint] = v;
    return sp;
}

/* run until the state is reached or n cycles pass */
static void run_until_state(rig *r, xn_run_state st, int n, watch *w) {
    for (int i = 0; i < n && xn_controller_run_state(r->c) != st; i++) run(r, 1, w);
}

#define CORNER "p[0.40, -0.10, 0.40, 180deg, 0, -45deg]"

static void runs_and_hands_back(void) {
    xn_error err;
    /* the controller was given a `stream` line; jog joint 1 a little first */
    run(&R, 300, &W);
    xn_setpoint sp = jog(0, 0.3);
    for (int i = 0; i < 200; i++) {
        xn_controller_stream(R.c, &sp, NULL);
        run(&R, 1, &W);
    }
    sp = jog(0, 0);
    xn_controller_stream(R.c, &sp, NULL);
    run(&R, 5, &W);
    /* moving: refused */
    xn_status st =
        xn_controller_run_program(R.c, parse("movej [0, 0, 0, -1.5, 0, 1.5, 0]\n"), &err);
    XT_CHECK(st == XN_ERR_STATE && strstr(err.message, "joint1 moves"),
             "refused while the joints move: %s", err.message);
    run(&R, 500, &W);
    const double a[7] = {0, -0.3, 0, -2.2, 0, 1.9, 0.785};
    st = xn_controller_run_program(
        R.c,
        parse("movej [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\n"
              "wait 0.2\n"
              "movej " CORNER " speed 0.5\n"
              "movel p[0.55, -0.10, 0.40, 180deg, 0, -45deg] speed 0.3\n"),
        &err);
    XT_CHECK(st == XN_OK && xn_controller_run_state(R.c) == XN_RUN_WAITING, "given: %s",
             err.message);
    st = xn_controller_run_program(R.c, parse("wait 1\n"), &err);
    XT_CHECK(st == XN_ERR_STATE && strstr(err.message, "has not ended"), "a second refused: %s",
             err.message);
    run(&R, 1, &W);
    XT_CHECK(xn_controller_run_state(R.c) == XN_RUN_RUNNING && count(&R, XN_EV_PROGRAM_RUN, 1) == 1,
             "runs at the next cycle (%d)", (int)xn_controller_run_state(R.c));
    st = xn_controller_stream(R.c, &sp, &err);
    XT_CHECK(st == XN_ERR_STATE && strstr(err.message, "run_program"),
             "setpoints refused while it runs: %s", err.message);
    /* the first movej reached exactly */
    int i = 0;
    for (; i < 10000 && joint_error(&R, a) > 0; i++) run(&R, 1, &W);
    XT_CHECK(joint_error(&R, a) == 0, "the joint target reached exactly (%.3g rad)",
             joint_error(&R, a));
    run_until_state(&R, XN_RUN_NONE, 20000, &W);
    double p[3], q[7];
    for (int k = 0; k < 7; k++) q[k] = R.hal->joint[k].position;
    flange_at(&R, q, p);
    double off = xt_max(xt_max(fabs(p[0] - 0.55), fabs(p[1] + 0.10)), fabs(p[2] - 0.40));
    XT_CHECK(off < 1e-6 && count(&R, XN_EV_PROGRAM_RUN, 0) == 1 &&
                 xn_controller_state(R.c) == XN_CTL_RUNNING && xn_controller_streaming(R.c),
             "the movel's pose reached (%.3g m), the stream line back (%s)", off,
             xn_ctl_state_str(xn_controller_state(R.c)));
    /* a program starting with a straight line: planned from where the joints rest */
    st = xn_controller_run_program(
        R.c, parse("movel p[0.45, 0.05, 0.35, 180deg, 0, -45deg] speed 0.2\n"), &err);
    XT_CHECK(st == XN_OK, "a straight line first: %s", err.message);
    run_until_state(&R, XN_RUN_NONE, 20000, &W);
    for (int k = 0; k < 7; k++) q[k] = R.hal->joint[k].position;
    flange_at(&R, q, p);
    off = xt_max(xt_max(fabs(p[0] - 0.45), fabs(p[1] - 0.05)), fabs(p[2] - 0.35));
    XT_CHECK(off < 1e-6 && count(&R, XN_EV_LIMIT_STOP, NAN) == 0 &&
                 count(&R, XN_EV_PROGRAM_RUN, 0) == 2,
             "it started where the joints were and got there (%.3g m)", off);
    /* setpoints drive the joints again */
    double before = R.hal->joint[0].position;
    sp = jog(0, 0.3);
    for (int k = 0; k < 100; k++) {
        st = xn_controller_stream(R.c, &sp, &err);
        run(&R, 1, &W);
    }
    XT_CHECK(st == XN_OK && R.hal->joint[0].position > before + 0.01, "jogging again (%.3g rad)",
             R.hal->joint[0].position - before);
    sp = jog(0, 0);
    xn_controller_stream(R.c, &sp, NULL);
    run(&R, 500, &W);
    XT_CHECK(W.worst_step <= 1 + 1e-6 && W.worst_v <= 1 + 1e-9,
             "the reference never jumped nor ran beyond the rated velocity (%.3f, %.3f)",
             W.worst_step, W.worst_v);
}

static void refusals(void) {
    xn_error err;
    double q0[7];
    for (int k = 0; k < 7; k++) q0[k] = R.hal->joint[k].position;
    xn_status st = xn_controller_run_program(R.c,
                                             parse("movej [0, 0, 0, -1.5, 0, 1.5, 0]\n"
                                                   "balance load g1/balance.json\n"),
                                             &err);
    XT_CHECK(st == XN_ERR_INVALID && strstr(err.message, "line 2") &&
                 strstr(err.message, "balance load"),
             "a creation-only line refused: %s", err.message);
    st = xn_controller_run_program(R.c, parse("wait 0.1\nmovej [0, 0, 0, 0.5, 0, 1.5, 0]\n"), &err);
    XT_CHECK(st == XN_ERR_RANGE && strstr(err.message, "line 2"), "outside the limits: %s",
             err.message);
    st = xn_controller_run_program(R.c, NULL, &err);
    XT_CHECK(st == XN_ERR_INVALID, "no program: %s", err.message);
    double moved = 0;
    for (int k = 0; k < 7; k++) moved = xt_max(moved, fabs(R.hal->joint[k].position - q0[k]));
    XT_CHECK(moved == 0 && count(&R, XN_EV_PROGRAM_RUN, NAN) == 4,
             "refused programs move nothing (%.3g rad) and never ran", moved);
    /* a jog sent after the program was given: the program switches in first (the loop takes
     * it before the line's setpoint) and the setpoint, meant for the line, is dropped */
    st = xn_controller_run_program(R.c, parse("movel p[0.45, 0.10, 0.35, 180deg, 0, -45deg]\n"),
                                   &err);
    xn_setpoint sp = jog(1, 0.2);
    xn_controller_stream(R.c, &sp, NULL);
    run_until_state(&R, XN_RUN_NONE, 5000, &W);
    double p[3], q[7];
    for (int k = 0; k < 7; k++) q[k] = R.hal->joint[k].position;
    flange_at(&R, q, p);
    double off = xt_max(xt_max(fabs(p[0] - 0.45), fabs(p[1] - 0.10)), fabs(p[2] - 0.35));
    run(&R, 600, &W);
    XT_CHECK(st == XN_OK && off < 1e-6 && count(&R, XN_EV_LIMIT_STOP, NAN) == 0 &&
                 count(&R, XN_EV_STREAM_TIMEOUT, NAN) == 0 && xn_controller_streaming(R.c),
             "the program ran (%.3g m from its pose), the stale jog dropped", off);
    /* prepared while a position stream holds the joints, which then moves them: when the
     * stream falls silent and the joints rest, they are not where the program was planned from,
     * and it is not run */
    xn_setpoint hold;
    memset(&hold, 0, sizeof hold);
    hold.mode = XN_STREAM_POSITION;
    hold.n = 7;
    for (int k = 0; k < 7; k++) hold.position[k] = R.hal->joint[k].position;
    xn_controller_stream(R.c, &hold, NULL);
    run(&R, 10, &W);
    int refused = count(&R, XN_EV_PROGRAM_RUN, -1);
    st = xn_controller_run_program(R.c, parse("movel p[0.45, 0.0, 0.35, 180deg, 0, -45deg]\n"),
                                   &err);
    run(&R, 10, &W);
    int waited = xn_controller_run_state(R.c) == XN_RUN_WAITING;
    hold.position[0] += 0.1;
    xn_controller_stream(R.c, &hold, NULL);
    run_until_state(&R, XN_RUN_NONE, 3000, &W);
    XT_CHECK(st == XN_OK && waited && count(&R, XN_EV_PROGRAM_RUN, -1) == refused + 1 &&
                 count(&R, XN_EV_PROGRAM_RUN, 1) == 3 && count(&R, XN_EV_LIMIT_STOP, NAN) == 0 &&
                 fabs(R.hal->joint[0].position - hold.position[0]) < 1e-9 &&
                 xn_controller_streaming(R.c),
             "moved between preparing and the switch: not run, the line goes on");
    /* a pause at a stream line: nothing to pause */
    xn_controller_pause(R.c);
    run(&R, 5, &W);
    XT_CHECK(count(&R, XN_EV_PAUSE, -1) == 1 && xn_controller_paused(R.c) == 0,
             "a pause at a stream line refused with an event");
}

/* a controller on its own program (no stream): a joint motion and a straight line, paused and
 * resumed mid-way; `pause_at` is where joint1 of the reference passes, 0 for no pause */
typedef struct {
    double rest[7]; /* where the pause rested */
    double rest_flange[3];
    double wait_s;  /* how long the wait line took */
    double end_err; /* at the end, from the last target */
    long allocs;    /* in the loop, while paused and resumed */
    int paused_ok, resumed_ok;
} pause_result;

#define PAUSE_PROG                                                                                 \
    "movej [0.5, -0.3, 0.4, -2.0, 0.3, 1.8, 1.0]\n"                                                \
    "wait 0.5\n"                                                                                   \
    "movej " CORNER " speed 0.5\n"                                                                 \
    "movel p[0.55, -0.10, 0.40, 180deg, 0, -45deg] speed 0.3\n"

static int run_pause(int where, pause_result *res, watch *w) {
    rig r;
    memset(res, 0, sizeof *res);
    if (rig_open(&r, PAUSE_PROG, 0)) return -1;
    int paused = 0, line_of_wait = 0, line4 = 0;
    double wait_start = -1;
    for (int i = 0; i < 20000 && !xn_controller_finished(r.c); i++) {
        rt_cycle(r.c, r.hal);
        int before = r.ev.n;
        take(&r, w);
        for (int e = before; e < r.ev.n; e++) {
            const xn_event *ev = &r.ev.ev[e];
            if (ev->code == XN_EV_LINE && ev->value == 2) {
                wait_start = (double)ev->time_ns * 1e-9;
                line_of_wait = 1;
            } else if (ev->code == XN_EV_LINE && line_of_wait) {
                res->wait_s = (double)ev->time_ns * 1e-9 - wait_start;
                line_of_wait = 0;
            }
        }
        const xn_ctl_sample *s = xn_controller_sample(r.c);
        line4 += s->line == 4;
        int pause_now = (where == 1 && s->line == 1 && s->q_ref[0] > 0.25) ||
                        (where == 2 && s->line == 2 && wait_start >= 0 &&
                         (double)s->time_ns * 1e-9 > wait_start + 0.2) ||
                        (where == 3 && line4 == 250); /* 0.25 s into the straight line */
        if (where && !paused && pause_now) {
            xn_controller_pause(r.c);
            paused = 1;
            xt_allocs = 0;
            xt_counting = 1;
        }
        if (paused == 1 && xn_controller_paused(r.c) == 2) {
            double q[7];
            memcpy(q, s->q_ref, sizeof q);
            int still = 1;
            for (int k = 0; k < 7; k++) still &= s->v_ref[k] == 0;
            run(&r, 1000, w); /* held for 1 s: nothing moves */
            const xn_ctl_sample *t = xn_controller_sample(r.c);
            for (int k = 0; k < 7; k++) still &= t->q_ref[k] == q[k] && t->v_ref[k] == 0;
            res->paused_ok = still && count(&r, XN_EV_PAUSE, 1) == 1;
            memcpy(res->rest, q, sizeof q);
            xt_counting = 0; /* the test's own kinematics */
            flange_at(&r, q, res->rest_flange);
            xt_counting = 1;
            xn_controller_resume(r.c);
            paused = 2;
        }
        if (paused == 2 && count(&r, XN_EV_PAUSE, 0) == 1) res->resumed_ok = 1;
    }
    xt_counting = 0;
    res->allocs = where ? xt_allocs : 0;
    double last[7], p[3];
    for (int k = 0; k < 7; k++) last[k] = r.hal->joint[k].position;
    flange_at(&r, last, p);
    res->end_err = xt_max(xt_max(fabs(p[0] - 0.55), fabs(p[1] + 0.10)), fabs(p[2] - 0.40));
    if (!xn_controller_finished(r.c)) res->end_err = INFINITY;
    rig_close(&r);
    return 0;
}

/* distance from q to the polyline of the run's reference */
static double off_curve(const watch *w, const double *q) {
    double best = INFINITY;
    for (int i = 0; i + 1 < w->n; i++) {
        double d[7], e[7], dd = 0, de = 0;
        for (int k = 0; k < 7; k++) {
            d[k] = w->path[i + 1][k] - w->path[i][k];
            e[k] = q[k] - w->path[i][k];
            dd += d[k] * d[k];
            de += d[k] * e[k];
        }
        double t = dd > 0 ? fmin(fmax(de / dd, 0), 1) : 0, s = 0;
        for (int k = 0; k < 7; k++) s += (e[k] - t * d[k]) * (e[k] - t * d[k]);
        best = fmin(best, sqrt(s));
    }
    return best;
}

static void pause_and_resume(void) {
    static watch plain, p1, p2, p3;
    pause_result r0, r1, r2, r3;
    if (run_pause(0, &r0, &plain) || run_pause(1, &r1, &p1) || run_pause(2, &r2, &p2) ||
        run_pause(3, &r3, &p3)) {
        XT_CHECK(0, "rig");
        return;
    }
    XT_CHECK(r0.end_err < 1e-6 && fabs(r0.wait_s - 0.5) < 0.0015, "unpaused: %.3g m, wait %.4f s",
             r0.end_err, r0.wait_s);
    double off = off_curve(&plain, r1.rest);
    XT_CHECK(r1.paused_ok && r1.resumed_ok && off < 1e-6 && r1.rest[0] > 0.25 && r1.rest[0] < 0.5,
             "a joint motion paused on its own curve (%.3g rad off, joint1 at %.3f) and resumed",
             off, r1.rest[0]);
    XT_CHECK(r1.end_err < 1e-6 && r1.allocs == 0 && p1.worst_step <= 1 + 1e-6 &&
                 p1.worst_v <= 1 + 1e-9,
             "then finished (%.3g m), no allocation (%ld), no jump (%.3f, %.3f)", r1.end_err,
             r1.allocs, p1.worst_step, p1.worst_v);
    /* 0.5 s of the program's clock: 0.2 s, the 0.2 s ramp down (half of it counted), 1 s held,
     * the 0.2 s ramp up (half counted), 0.1 s more: 1.7 s on the wall */
    XT_CHECK(r2.paused_ok && fabs(r2.wait_s - 1.7) < 0.01 && r2.end_err < 1e-6,
             "a wait paused stops counting: 0.5 s took %.3f s with the 1 s pause (1.7 s), the "
             "program finished (%.3g m)",
             r2.wait_s, r2.end_err);
    double line_off = hypot(r3.rest_flange[1] + 0.10, r3.rest_flange[2] - 0.40);
    XT_CHECK(r3.paused_ok && r3.resumed_ok && line_off < 1e-5 && r3.rest_flange[0] > 0.41 &&
                 r3.rest_flange[0] < 0.54 && r3.end_err < 1e-6 && r3.allocs == 0 &&
                 p3.worst_v <= 1 + 1e-9,
             "a straight line paused on the line (%.3g m off, x %.3f), resumed to its end (%.3g "
             "m), no allocation (%ld)",
             line_off, r3.rest_flange[0], r3.end_err, r3.allocs);
}

static void no_allocation_through_the_switch(void) {
    rig r;
    if (rig_open(&r, "stream timeout 0.5\n", 0)) {
        XT_CHECK(0, "rig");
        return;
    }
    static watch w;
    run(&r, 300, &w);
    xn_error err;
    xn_status st = xn_controller_run_program(
        r.c, parse("movej [0.2, -0.3, 0, -2.2, 0, 1.9, 0.785]\nset shaper zv 8 0.05\n"), &err);
    xt_allocs = 0;
    xt_counting = 1;
    run_until_state(&r, XN_RUN_NONE, 10000, &w);
    run(&r, 10, &w);
    xt_counting = 0;
    XT_CHECK(st == XN_OK && xt_allocs == 0 && count(&r, XN_EV_PROGRAM_RUN, 0) == 1,
             "the switch there and back allocates nothing in the loop (%ld)", xt_allocs);
    rig_close(&r);
}

int main(void) {
    if (rig_open(&R, "stream timeout 0.5\n", 0)) return 1;
    runs_and_hands_back();
    refusals();
    rig_close(&R);
    pause_and_resume();
    no_allocation_through_the_switch();
    return xt_done("test_program_load");
}
