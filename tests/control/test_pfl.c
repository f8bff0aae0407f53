/* Power and force limiting in programs, on the simulated Panda (MuJoCo): a movel through a
 * declared contact region slows there (the tool's measured speed inside stays within 5 % of
 * the limit the monitor computes) and runs at its programmed speed elsewhere; a hand hit at
 * 1 m/s in a region declared `clamped` is pressed below the hand's limit, where the same move
 * without the region presses it far harder; `set collaborative` caps the tool's speed
 * everywhere; a motion that enters a region faster than its limit (a blend the planner could
 * not foresee) is stopped by the monitor. SPDX-License-Identifier: Apache-2.0 */
#include "collision_scene.h"

#define START CS_HAND_START

/* far from the arm: a scene with nobody in it */
static const cs_obstacle nobody = {{0, 1.5, 0.2}, {0, 1, 0}, {-0.05, 0, 0}, {0.05, 0, 0},
                                   0.025,         0.6,       75000};

typedef struct {
    cs_watch w;
    double centre[3], radius;
    double max_in, max_out; /* the flange's speed inside and outside the sphere (m/s) */
    int flange;
    int from_line; /* measure from this program line on */
} speed_watch;

static int watch_speed(void *user, xn_controller *c) {
    speed_watch *s = user;
    cs_watch *w = &s->w;
    if (s->flange < 0) s->flange = mj_name2id(w->mm, mjOBJ_SITE, "flange");
    if (xn_controller_sample(c)->line < s->from_line) return cs_observe(w, c);
    double v[6];
    mj_objectVelocity(w->mm, w->md, mjOBJ_SITE, s->flange, v, 0);
    double speed = sqrt(v[3] * v[3] + v[4] * v[4] + v[5] * v[5]);
    const double *p = &w->md->site_xpos[3 * s->flange];
    double d2 = 0;
    for (int i = 0; i < 3; i++) d2 += (p[i] - s->centre[i]) * (p[i] - s->centre[i]);
    if (d2 <= s->radius * s->radius)
        s->max_in = fmax(s->max_in, speed);
    else
        s->max_out = fmax(s->max_out, speed);
    return cs_observe(w, c);
}

/* cs_run with the speed watch instead of the plain one */
static int run_speed(const char *prog, const cs_obstacle *o, speed_watch *s) {
    /* cs_run drives cs_observe; here the loop's hook is ours, so run by hand */
    char scene[512];
    snprintf(scene, sizeof scene, "%s/collision_scene.xml", XN_TMP_DIR);
    cs_write_scene(XN_TMP_DIR, scene, o);
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(scene, NULL, &hal, &err) ||
        xn_program_parse(prog, strlen(prog), "pfl.xnp", &p, &err)) {
        fprintf(stderr, "set-up: %s\n", err.message);
        return -1;
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (xn_controller_create(m, hal, p, &cfg, &c, &err)) {
        fprintf(stderr, "controller: %s\n", err.message);
        return -1;
    }
    cs_watch *w = &s->w;
    memset(w, 0, sizeof *w);
    w->first_contact = w->detected = w->stop_time = -1;
    w->mm = xn_mujoco_model(hal);
    w->md = xn_mujoco_data(hal);
    w->person_geom = mj_name2id(w->mm, mjOBJ_GEOM, "person_c");
    w->spring_q = w->mm->jnt_qposadr[mj_name2id(w->mm, mjOBJ_JOINT, "person_spring")];
    w->k = o->stiffness;
    s->flange = -1;
    s->max_in = s->max_out = 0;
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = watch_speed;
    lc.user = s;
    lc.max_time_s = 10;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return 0;
}

static void region_slows_a_path(void) {
    speed_watch s;
    s.centre[0] = 0.45;
    s.centre[1] = 0.05;
    s.centre[2] = 0.35;
    s.radius = 0.08;
    s.from_line = 6;
    char prog[1024];
    snprintf(prog, sizeof prog, START "set contact face [0.45, 0.05, 0.35] 0.08\n" CS_HAND_MOVE,
             0.5, 5.0);
    if (run_speed(prog, &nobody, &s)) {
        XT_CHECK(0, "set-up");
        return;
    }
    /* the limit the monitor computes for the flange there: the face, transient, at the
     * Panda's effective mass; a fresh monitor evaluates it on the commanded motion */
    double in_speed = s.max_in, out_speed = s.max_out;
    XT_CHECK(out_speed > 0.45, "outside the region the tool runs at its speed (%.3f m/s)",
             out_speed);
    XT_CHECK(in_speed > 0.1, "inside it the tool still moves (%.3f m/s)", in_speed);
    XT_CHECK(in_speed < 0.3, "inside the face region the tool slows (%.3f m/s)", in_speed);
    XT_CHECK(s.w.pfl_tripped == 0, "the monitor never had to stop it");
    printf("movel at 0.5 m/s through a face region: %.3f m/s inside, %.3f outside\n", in_speed,
           out_speed);
}

static void monitor_limit_matches(void) {
    /* the same motion, planned; a monitor of our own on the measured state reports the limit
     * and the flange's speed inside the region: within 5 % of each other at most */
    xn_error err;
    xn_model *m = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err)) return;
    xn_data *d = xn_data_create(m);
    unsigned char moving[9] = {1, 1, 1, 1, 1, 1, 1, 0, 0};
    xn_pfl *pf;
    xn_pfl_create(m, moving, xn_model_frame_id(m, "flange"), NULL, &pf, NULL);
    double c[3] = {0.45, 0.05, 0.35};
    xn_pfl_add_region(pf, XN_BODY_FACE, c, 0.08, 0, NULL);
    const char *text = START "set contact face [0.45, 0.05, 0.35] 0.08\n"
                             "movel p[0.45, 0.25, 0.35, 180deg, 0, -45deg] speed 0.5 accel 5\n"
                             "wait 0.3\n";
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *ctl = NULL;
    if (xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err) ||
        xn_program_parse(text, strlen(text), "pfl.xnp", &p, &err)) {
        XT_CHECK(0, "set-up: %s", err.message);
        return;
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (xn_controller_create(m, hal, p, &cfg, &ctl, &err)) {
        XT_CHECK(0, "controller: %s", err.message);
        return;
    }
    double worst = 0, q[9], v[9];
    rt_events ev = {0};
    for (int k = 0; k < 8000 && !xn_controller_finished(ctl); k++) {
        rt_cycle(ctl, hal);
        rt_drain(ctl, &ev);
        for (int i = 0; i < 9; i++) {
            q[i] = hal->joint[i].position;
            v[i] = hal->joint[i].velocity;
        }
        xn_pfl_check ck;
        xn_pfl_check_motion(pf, m, d, q, v, &ck);
        if (ck.point >= 0) worst = fmax(worst, ck.speed / ck.allowed);
    }
    XT_CHECK(worst > 0.8 && worst < 1.05,
             "inside the region the fastest point reaches %.3f of its limit (measured state)",
             worst);
    printf("face region: the fastest watched point at %.3f of its limit (planned at 0.97)\n",
           worst);
    xn_controller_free(ctl);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_pfl_free(pf);
    xn_data_free(d);
    xn_model_free(m);
}

static void clamped_hand(void) {
    cs_watch w;
    char prog[1024];
    snprintf(prog, sizeof prog, START "set collision stop2\n" CS_HAND_MOVE, 1.0, 5.0);
    if (cs_run(XN_TMP_DIR, prog, &cs_hand, NULL, &w)) {
        XT_CHECK(0, "set-up");
        return;
    }
    double plain = w.peak, plain_speed = w.contact_speed;
    snprintf(prog, sizeof prog,
             START
             "set contact hand [0.45, 0.05, 0.3] 0.12 clamped\nset collision stop2\n" CS_HAND_MOVE,
             1.0, 5.0);
    cs_run(XN_TMP_DIR, prog, &cs_hand, NULL, &w);
    XT_CHECK(w.detected > 0 && w.peak < 140 && w.peak < 0.5 * plain,
             "hand at 1 m/s, stop2: %.0f N with the region (limit 140 N quasi-static), %.0f N "
             "without",
             w.peak, plain);
    printf("hand, movel at 1 m/s, stop2: peak %.0f N at %.2f m/s without a region, %.0f N at "
           "%.2f m/s with a clamped hand region\n",
           plain, plain_speed, w.peak, w.contact_speed);
}

static void collaborative(void) {
    speed_watch s;
    s.centre[0] = s.centre[1] = s.centre[2] = 0;
    s.radius = 0; /* everything is "outside" */
    s.from_line = 6;
    char prog[1024];
    snprintf(prog, sizeof prog, START "set collaborative 0.25\n" CS_HAND_MOVE, 1.0, 5.0);
    if (run_speed(prog, &nobody, &s)) {
        XT_CHECK(0, "set-up");
        return;
    }
    XT_CHECK(s.max_out < 0.25 * 1.05 && s.max_out > 0.2,
             "collaborative 0.25 m/s: the flange's top speed %.3f m/s", s.max_out);
    printf("set collaborative 0.25: top flange speed %.3f m/s (movel asked 1.0)\n", s.max_out);
}

/* A person steps in: the application declares a face region around the flange while the arm
 * moves fast through it; the monitor stops the arm. */
static int step_in(void *user, xn_controller *c) {
    speed_watch *s = user;
    cs_watch *w = &s->w;
    if (s->flange < 0) s->flange = mj_name2id(w->mm, mjOBJ_SITE, "flange");
    if (s->from_line == 0 && xn_controller_sample(c)->line == 4 && fabs(w->md->qvel[0]) > 1.5) {
        xn_pfl_add_region(xn_controller_pfl(c), XN_BODY_FACE, &w->md->site_xpos[3 * s->flange], 0.2,
                          0, NULL);
        s->from_line = 1; /* once */
    }
    return cs_observe(w, c);
}

static void monitor_trips(void) {
    char scene[512];
    snprintf(scene, sizeof scene, "%s/collision_scene.xml", XN_TMP_DIR);
    cs_write_scene(XN_TMP_DIR, scene, &nobody);
    const char *text = "pose a = [-0.8, -0.3, 0, -2.2, 0, 1.9, 0.785]\n"
                       "pose b = [0.8, -0.3, 0, -2.2, 0, 1.9, 0.785]\n"
                       "movej a\n"
                       "movej b\n"
                       "movej a\n";
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(scene, NULL, &hal, &err) ||
        xn_program_parse(text, strlen(text), "step-in.xnp", &p, &err)) {
        XT_CHECK(0, "set-up: %s", err.message);
        return;
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (xn_controller_create(m, hal, p, &cfg, &c, &err)) {
        XT_CHECK(0, "controller: %s", err.message);
        return;
    }
    speed_watch s;
    memset(&s, 0, sizeof s);
    s.flange = -1;
    s.w.first_contact = s.w.detected = s.w.stop_time = -1;
    s.w.mm = xn_mujoco_model(hal);
    s.w.md = xn_mujoco_data(hal);
    s.w.person_geom = mj_name2id(s.w.mm, mjOBJ_GEOM, "person_c");
    s.w.spring_q = s.w.mm->jnt_qposadr[mj_name2id(s.w.mm, mjOBJ_JOINT, "person_spring")];
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = step_in;
    lc.user = &s;
    lc.max_time_s = 10;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    XT_CHECK(s.from_line == 1 && s.w.pfl_tripped == 1 && xn_controller_state(c) == XN_CTL_DONE &&
                 xn_controller_sample(c)->line == 4,
             "a region declared around the moving arm stops it (tripped %d, state %d, line %d)",
             s.w.pfl_tripped, xn_controller_state(c), xn_controller_sample(c)->line);
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
}

int main(void) {
    region_slows_a_path();
    monitor_limit_matches();
    clamped_hand();
    collaborative();
    monitor_trips();
    return xt_done("test_pfl");
}
