/* Collision scenes on the simulated Panda (MuJoCo), shared by the collision tests and
 * bench/bench_collision: a body part of a person (ISO/TS 15066's two-body model: an effective
 * mass on a spring of the region's effective stiffness) placed on the arm's way, and a run of a
 * robot program that records when the contact began, when the controller detected it, the
 * peak contact force (the spring's), whether the arm moved on after stopping, and the speed of
 * the arm's fastest point near the person. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_COLLISION_SCENE_H
#define XN_COLLISION_SCENE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "control/collision_conditions.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

/* The person's part: a capsule from `from` to `to` (relative to pos) on a slide joint along
 * `axis` (the direction the arm pushes it), with mass (kg) and stiffness (N/m); 20 % damping.
 * The contact itself is made stiff (a 2 ms time constant instead of MuJoCo's 20 ms): the body
 * region's spring is the compliance that matters. */
typedef struct {
    double pos[3], axis[3], from[3], to[3], radius;
    double mass, stiffness;
} cs_obstacle;

/* The ISO/TS 15066 hand (0.6 kg, 75 N/mm) across the tool's way along +y at z 0.27 */
static const cs_obstacle cs_hand = {
    {0.45, 0.05, 0.27}, {0, 1, 0}, {-0.05, 0, 0}, {0.05, 0, 0}, 0.025, 0.6, 75000};

/* The ISO/TS 15066 lower arm (2 kg, 40 N/mm) lying radially at the height of the Panda's elbow
 * (joint 4), at angle phi about the base: joint 1 sweeps the elbow into it. */
static inline cs_obstacle cs_forearm_at(double phi) {
    double r = 0.3, c = cos(phi), s = sin(phi);
    cs_obstacle o = {{r * c, r * s, 0.6},
                     {-s, c, 0},
                     {-0.05 * c, -0.05 * s, 0},
                     {0.05 * c, 0.05 * s, 0},
                     0.03,
                     2,
                     40000};
    return o;
}

#define CS_ELBOW_START                                                                             \
    "pose from = [-0.6, 0.4, 0, -1.4, 0, 1.8, 0.785]\n"                                            \
    "pose to = [1.4, 0.4, 0, -1.4, 0, 1.8, 0.785]\nmovej from\nwait 0.2\n"

/* The hand scenario's way: the tool runs along +y at x 0.45, z 0.35 (flange) from y = -0.15;
 * cs_hand lies across it at the fingers' height. CS_HAND_MOVE takes the tool speed and the
 * acceleration (m/s, m/s^2). */
#define CS_HAND_START                                                                              \
    "pose home = [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nmovej home\n"                                  \
    "movel p[0.45, -0.15, 0.35, 180deg, 0, -45deg] speed 0.3\nwait 0.2\n"
#define CS_HAND_MOVE "movel p[0.45, 0.25, 0.35, 180deg, 0, -45deg] speed %g accel %g\nwait 0.3\n"

/* A scene: the Panda and the obstacle (MuJoCo resolves includes next to the including file, so
 * the Panda's description is copied beside it, with the obstacle's coordinate added to the home
 * keyframe). */
static inline void cs_write_scene(const char *dir, const char *path, const cs_obstacle *o) {
    char copy[600];
    snprintf(copy, sizeof copy, "%s/panda.xml", dir);
    size_t len;
    char *panda = xt_slurp(XN_MODELS_DIR "/mjcf/franka_panda/panda.xml", &len);
    char *key = panda ? strstr(panda, "0.04 0.04\" ctrl") : NULL;
    FILE *pf = fopen(copy, "w");
    if (!pf || !panda) {
        if (pf) fclose(pf);
        free(panda);
        return;
    }
    if (key) {
        fwrite(panda, 1, (size_t)(key - panda) + 9, pf);
        fputs(" 0", pf);
        fputs(key + 9, pf);
    } else {
        fwrite(panda, 1, len, pf);
    }
    fclose(pf);
    free(panda);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f,
            "<mujoco model=\"panda and a person\">\n"
            "  <include file=\"panda.xml\"/>\n"
            "  <worldbody>\n"
            "    <body name=\"person\" pos=\"%g %g %g\">\n"
            "      <joint name=\"person_spring\" type=\"slide\" axis=\"%g %g %g\" stiffness=\"%g\" "
            "damping=\"%g\"/>\n"
            "      <inertial mass=\"%g\" pos=\"0 0 0\" diaginertia=\"0.005 0.005 0.005\"/>\n"
            "      <geom name=\"person_c\" type=\"capsule\" size=\"%g\" fromto=\"%g %g %g %g %g "
            "%g\" solref=\"0.002 1\"/>\n"
            "    </body>\n"
            "  </worldbody>\n"
            "</mujoco>\n",
            o->pos[0], o->pos[1], o->pos[2], o->axis[0], o->axis[1], o->axis[2], o->stiffness,
            2 * 0.2 * sqrt(o->stiffness * o->mass), o->mass, o->radius, o->from[0], o->from[1],
            o->from[2], o->to[0], o->to[1], o->to[2]);
    fclose(f);
}

/* What a run saw. Times in s of simulated time; -1: never. */
typedef struct {
    int person_geom, spring_q;
    double k;
    double first_contact, detected, peak;
    double
        force_late; /* the contact force 1.5 s after the detection (N; -1: the run ended first) */
    int detected_joint;
    int stopped;          /* the controller began a stop or fault after the collision */
    double stop_time;     /* when it came to rest after the detection */
    int resumed;          /* the arm sped up again after coming to rest */
    double contact_speed; /* the arm's speed at the contact point, at the first contact (m/s) */
    double contact_mass;  /* the robot's effective mass there along that velocity (kg) */
    int pfl_slowed, pfl_tripped;
    double max_joint_speed_after_rest;
    mjModel *mm;
    mjData *md;
    xn_controller *c;
    /* the baseline detector beside the controller's observer (cs_options.baseline) */
    xn_hal *hal;
    xn_model *m;
    xn_data *bd;
    xn_observer *base;
    double base_detected;
    double base_worst; /* the baseline's largest |difference| / threshold while running */
    /* a moving person: the spring's anchor moves against the axis at this speed (m/s) from the
     * start of program line move_line on, for at most move_max (m) */
    double move_speed, move_max, move_start;
    int move_line;
    /* called after each cycle (cs_options.cycle) */
    void (*cycle)(xn_controller *c, void *user);
    void *cycle_user;
} cs_watch;

/* The baseline on the measured state: tau - (M qdd_ref + n) over the controller's default
 * thresholds (XN_COLLISION_THRESHOLD of each arm joint's torque limit). The Panda's 9 model
 * coordinates are the first 9 joints of the robot. */
static inline void cs_baseline_step(cs_watch *w, xn_controller *c) {
    if (!w->base || w->base_detected >= 0) return;
    double q[9], v[9], tau[9], a[9] = {0};
    for (int i = 0; i < 9; i++) {
        q[i] = w->hal->joint[i].position;
        v[i] = w->hal->joint[i].velocity;
        tau[i] = w->hal->joint[i].torque;
    }
    const xn_ctl_sample *s = xn_controller_sample(c);
    for (int i = 0; i < 7; i++) a[i] = s->a_ref[i];
    double diff[9];
    if (s->state != XN_CTL_RUNNING) return;
    if (xn_collision_baseline(w->base, w->m, w->bd, q, v, a, tau, 0, diff) > 0)
        w->base_detected = w->md->time;
    for (int k = 0; k < 7; k++)
        w->base_worst =
            xt_max(w->base_worst, fabs(diff[k]) / (w->base->threshold[k] +
                                                   w->base->threshold_model * fabs(w->bd->tau[k])));
}

/* The robot's effective mass at point p (world) of MuJoCo body mb along u, from the
 * controller's model at the measured configuration (the 9 Panda coordinates). */
static inline double cs_effective_mass(const cs_watch *w, int mb, const double p[3],
                                       const double u[3]) {
    const xn_model *m = w->m;
    int f = xn_model_frame_id(m, mj_id2name(w->mm, mjOBJ_BODY, mb));
    if (f < 0 || m->nv != 9) return NAN;
    int b = m->frame_body[f], nv = m->nv;
    xn_data *d = xn_data_create(m);
    double q[9], J[27] = {0}, work[9];
    for (int i = 0; i < 9; i++) q[i] = w->hal->joint[i].position;
    xn_dyn_crba(m, d, q);
    xn_dyn_factor(m, d);
    xn_dyn_joint_jacobians(m, d, q);
    for (int a = b; a > 0; a = m->body_parent[a])
        for (int k = m->body_vadr[a]; k < m->body_vadr[a] + m->body_nv[a]; k++) {
            const double *c = d->Jw;
            J[k] = c[k] + c[4 * nv + k] * p[2] - c[5 * nv + k] * p[1];
            J[nv + k] = c[nv + k] + c[5 * nv + k] * p[0] - c[3 * nv + k] * p[2];
            J[2 * nv + k] = c[2 * nv + k] + c[3 * nv + k] * p[1] - c[4 * nv + k] * p[0];
        }
    double mr = xn_effective_mass(m, d, J, u, work);
    xn_data_free(d);
    return mr;
}

/* The speed of the arm's point touching the person (at the first contact), from MuJoCo, and
 * the robot's effective mass there along it. */
static inline void cs_contact_point(cs_watch *w, const mjContact *ct) {
    int g = ct->geom1 == w->person_geom ? ct->geom2 : ct->geom1;
    int b = w->mm->geom_bodyid[g];
    double v[6];
    mj_objectVelocity(w->mm, w->md, mjOBJ_BODY, b, v, 0); /* rotation, then linear at the CoM */
    /* the point's velocity: v_com + w x (p - com) */
    const double *c = &w->md->xipos[3 * b], *p = ct->pos;
    double r[3] = {p[0] - c[0], p[1] - c[1], p[2] - c[2]};
    double vp[3] = {v[3] + v[1] * r[2] - v[2] * r[1], v[4] + v[2] * r[0] - v[0] * r[2],
                    v[5] + v[0] * r[1] - v[1] * r[0]};
    w->contact_speed = sqrt(vp[0] * vp[0] + vp[1] * vp[1] + vp[2] * vp[2]);
    w->contact_mass = NAN;
    if (w->contact_speed > 1e-6 && w->m) {
        double u[3] = {vp[0] / w->contact_speed, vp[1] / w->contact_speed,
                       vp[2] / w->contact_speed};
        w->contact_mass = cs_effective_mass(w, b, p, u);
    }
}

static inline int cs_observe(void *user, xn_controller *c) {
    cs_watch *w = user;
    double t = w->md->time;
    if (w->cycle) w->cycle(c, w->cycle_user);
    cs_baseline_step(w, c);
    if (w->move_speed > 0) {
        if (w->move_start < 0 && xn_controller_sample(c)->line == w->move_line) w->move_start = t;
        if (w->move_start >= 0)
            w->mm->qpos_spring[w->spring_q] =
                -fmin(w->move_speed * (t - w->move_start), w->move_max);
    }
    for (int i = 0; i < w->md->ncon; i++) {
        const mjContact *ct = &w->md->contact[i];
        if ((ct->geom1 == w->person_geom || ct->geom2 == w->person_geom) && ct->dist < 0 &&
            w->first_contact < 0) {
            w->first_contact = t;
            cs_contact_point(w, ct);
        }
    }
    double force = w->k * fabs(w->md->qpos[w->spring_q] - w->mm->qpos_spring[w->spring_q]);
    w->peak = xt_max(w->peak, force);
    if (w->detected >= 0 && w->force_late < 0 && t - w->detected >= 1.5) w->force_late = force;
    xn_event ev;
    while (xn_controller_next_event(c, &ev)) {
        if (ev.code == XN_EV_COLLISION && w->detected < 0) {
            w->detected = (double)ev.time_ns * 1e-9;
            w->detected_joint = ev.joint;
        }
        if (ev.code == XN_EV_PFL_SLOWED) w->pfl_slowed++;
        if (ev.code == XN_EV_PFL_SPEED) w->pfl_tripped++;
    }
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
    }
    /* after the detection: at rest once every joint is slower than 1 mrad/s; any later speed
     * above 20 mrad/s would be the motion starting again */
    if (w->detected >= 0) {
        double vmax = 0;
        for (int i = 0; i < 7; i++) vmax = xt_max(vmax, fabs(w->md->qvel[i]));
        if (w->stop_time < 0 && vmax < 1e-3) w->stop_time = t;
        if (w->stop_time >= 0) {
            w->max_joint_speed_after_rest = xt_max(w->max_joint_speed_after_rest, vmax);
            if (vmax > 0.02) w->resumed = 1;
        }
    }
    return 0;
}

/* The controller of a run; on failure the message is printed and the program, the robot and
 * the model are freed (the caller returns -1). */
static inline int cs_controller(xn_model *m, xn_hal *hal, xn_program *p,
                                const xn_controller_config *cfg, xn_controller **c) {
    xn_error err;
    if (xn_controller_create(m, hal, p, cfg, c, &err) == XN_OK) return 0;
    fprintf(stderr, "controller: %s\n", err.message);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return -1;
}

/* Options of a run beyond the program. */
typedef struct {
    double max_time;      /* s of simulated time (default 8) */
    xn_mujoco_options mj; /* noise and the like */
    void (*config)(xn_controller_config *cfg, xn_model *m, void *user); /* tweak the controller */
    void *user;
    int baseline;          /* run the baseline detector beside the observer */
    double baseline_scale; /* its thresholds: the controller's default times this (0: 1) */
    double move_speed;     /* the person moves toward the arm at this speed (m/s; 0: still) */
    double move_max;       /* ... for this far (m) */
    int move_line;         /* ... from the start of this program line */
    /* model error, unmodelled friction and sensor noise (NULL: exact model, no friction, opt->mj's
     * noise); replaces opt->mj's noise settings */
    const cc_conditions *cond;
    /* after each cycle, in the loop's thread (a client streaming setpoints, say) */
    void (*cycle)(xn_controller *c, void *user);
    void *cycle_user;
} cs_options;

/* Run a program on the Panda with the obstacle in dir; fills w. Returns 0, or -1 when the
 * scene, the program or the controller cannot be set up (the message is printed). */
static inline int cs_run(const char *dir, const char *prog, const cs_obstacle *o,
                         const cs_options *opt, cs_watch *w) {
    char scene[512];
    snprintf(scene, sizeof scene, "%s/collision_scene.xml", dir);
    cs_write_scene(dir, scene, o);
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    memset(w, 0, sizeof *w);
    w->first_contact = w->detected = w->stop_time = w->base_detected = w->force_late = -1;
    w->detected_joint = -1;
    xn_mujoco_options mj;
    memset(&mj, 0, sizeof mj);
    if (opt) mj = opt->mj;
    if (opt && opt->cond) cc_sensor_noise(opt->cond, &mj);
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(scene, &mj, &hal, &err) ||
        xn_program_parse(prog, strlen(prog), "collide.xnp", &p, &err)) {
        fprintf(stderr, "set-up: %s\n", err.message);
        xn_hal_close(hal);
        xn_model_free(m);
        return -1;
    }
    if (opt && opt->cond) {
        cc_perturb_model(m, opt->cond);
        cc_friction(opt->cond, xn_mujoco_model(hal));
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (opt && opt->config) opt->config(&cfg, m, opt->user);
    if (cs_controller(m, hal, p, &cfg, &c)) return -1;
    w->mm = xn_mujoco_model(hal);
    w->md = xn_mujoco_data(hal);
    w->person_geom = mj_name2id(w->mm, mjOBJ_GEOM, "person_c");
    w->spring_q = w->mm->jnt_qposadr[mj_name2id(w->mm, mjOBJ_JOINT, "person_spring")];
    w->k = o->stiffness;
    w->c = c;
    w->hal = hal;
    w->move_start = -1;
    if (opt) {
        w->cycle = opt->cycle;
        w->cycle_user = opt->cycle_user;
        w->move_speed = opt->move_speed;
        w->move_max = opt->move_max;
        w->move_line = opt->move_line;
    }
    w->m = m;
    if (opt && opt->baseline) {
        w->bd = xn_data_create(m);
        xn_observer_create(m, &w->base, NULL);
        double scale = opt->baseline_scale > 0 ? opt->baseline_scale : 1;
        for (int k = 0; k < m->nv && w->base; k++)
            w->base->threshold[k] = k < 7
                                        ? scale * XN_COLLISION_THRESHOLD *
                                              fmin(m->dof_effort[k], hal->joint_info[k].torque_max)
                                        : INFINITY;
        if (w->base) w->base->threshold_model = 0.3;
    }
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = cs_observe;
    lc.user = w;
    lc.max_time_s = opt && opt->max_time > 0 ? opt->max_time : 8;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    xn_observer_free(w->base);
    xn_data_free(w->bd);
    w->base = NULL;
    w->bd = NULL;
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return 0;
}

/* ---- free motion: every detection is a false positive ---- */

typedef struct {
    double simulated;      /* s */
    int lines;             /* program lines begun (moves and pauses) */
    int detections;        /* collision events (each ends the run: the program stops) */
    int other_stop;        /* the run ended for another reason (torque limit, limit stop, ...) */
    int base_events;       /* the baseline's crossings, as episodes 50 ms apart */
    double base_worst;     /* the baseline's largest |difference| / threshold */
    double worst[7];       /* the observer's largest |r| per arm joint (N m) */
    double worst_ratio[7]; /* ... and its largest ratio to the threshold */
    char first_event[200]; /* the first detection's or other stop's text */
} cs_free_result;

typedef struct {
    cs_watch w;
    cs_free_result *r;
    int base_above;
    double base_last;
    xn_observer *obs; /* the controller's observer, replayed for the statistics */
    xn_data *od;
} cs_free_watch;

static inline int cs_free_observe(void *user, xn_controller *c) {
    cs_free_watch *f = user;
    cs_watch *w = &f->w;
    cs_free_result *r = f->r;
    /* the baseline, counted as episodes: a crossing after 50 ms below the thresholds */
    w->base_detected = -1;
    cs_baseline_step(w, c);
    double q[9], v[9], tau[9];
    for (int i = 0; i < 9; i++) {
        q[i] = w->hal->joint[i].position;
        v[i] = w->hal->joint[i].velocity;
        tau[i] = w->hal->joint[i].torque;
    }
    xn_observer_step(f->obs, w->m, f->od, q, v, tau, 0, 0.001);
    for (int k = 0; k < 7; k++) {
        double th = f->obs->threshold[k] + f->obs->threshold_model * fabs(tau[k]);
        r->worst[k] = xt_max(r->worst[k], fabs(f->obs->r[k]));
        r->worst_ratio[k] = xt_max(r->worst_ratio[k], fabs(f->obs->r[k]) / th);
    }
    if (w->base_detected >= 0) {
        if (!f->base_above && w->md->time - f->base_last > 0.05) r->base_events++;
        f->base_above = 1;
        f->base_last = w->md->time;
    } else {
        f->base_above = 0;
    }
    xn_event ev;
    while (xn_controller_next_event(c, &ev)) {
        int stop = ev.code == XN_EV_TORQUE_LIMIT || ev.code == XN_EV_LIMIT_STOP ||
                   ev.code == XN_EV_OTG_ERROR;
        if (ev.code == XN_EV_LINE) r->lines++;
        if (ev.code == XN_EV_COLLISION) r->detections++;
        if (stop) r->other_stop = 1;
        if ((stop || ev.code == XN_EV_COLLISION) && !r->first_event[0])
            snprintf(r->first_event, sizeof r->first_event, "t %.3f s: %s", w->md->time, ev.text);
    }
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
    }
    return 0;
}

/* One run of 50 random moves (cc_random_moves) under the conditions, in a scene without contacts
 * (random poses may cross the floor or the arm itself, and those would be true collisions).
 * baseline_scale: the baseline's thresholds, times the controller's defaults. Adds to r (zero it
 * first); returns 0, or -1 when the run cannot be set up. */
static inline int cs_free_motion(const char *dir, const cc_conditions *cond, cc_family family,
                                 double baseline_scale, cs_free_result *r) {
    static const cs_obstacle nobody = {{0, 1.5, 0.2}, {0, 1, 0}, {-0.05, 0, 0}, {0.05, 0, 0},
                                       0.025,         0.6,       75000};
    char scene[512];
    snprintf(scene, sizeof scene, "%s/collision_scene.xml", dir);
    cs_write_scene(dir, scene, &nobody);
    size_t cap = 16384, len;
    char *prog = malloc(cap);
    if (!prog) return -1;
    len = cc_random_moves(cond, family, prog, cap);
    xn_mujoco_options mj;
    memset(&mj, 0, sizeof mj);
    cc_sensor_noise(cond, &mj);
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(scene, &mj, &hal, &err) ||
        xn_program_parse(prog, len, "random.xnp", &p, &err)) {
        fprintf(stderr, "set-up: %s\n", err.message);
        free(prog);
        xn_hal_close(hal);
        xn_model_free(m);
        return -1;
    }
    free(prog);
    cc_perturb_model(m, cond);
    mjModel *mm = xn_mujoco_model(hal);
    cc_friction(cond, mm);
    mm->opt.disableflags |= mjDSBL_CONTACT;
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (cs_controller(m, hal, p, &cfg, &c)) return -1;
    cs_free_watch f;
    memset(&f, 0, sizeof f);
    f.r = r;
    cs_watch *w = &f.w;
    w->first_contact = w->detected = w->stop_time = w->base_detected = -1;
    w->mm = mm;
    w->md = xn_mujoco_data(hal);
    w->person_geom = mj_name2id(mm, mjOBJ_GEOM, "person_c");
    w->hal = hal;
    w->m = m;
    w->bd = xn_data_create(m);
    xn_observer_create(m, &w->base, NULL);
    xn_observer_create(m, &f.obs, NULL);
    f.od = xn_data_create(m);
    for (int k = 0; k < m->nv; k++) {
        double th =
            k < 7 ? XN_COLLISION_THRESHOLD * fmin(m->dof_effort[k], hal->joint_info[k].torque_max)
                  : INFINITY;
        w->base->threshold[k] = (baseline_scale > 0 ? baseline_scale : 1) * th;
        f.obs->gain[k] = cfg.observer_gain;
        f.obs->threshold[k] = th;
    }
    w->base->threshold_model = cfg.collision_threshold_model;
    f.obs->threshold_model = cfg.collision_threshold_model;
    f.obs->persistence = cfg.collision_persistence;
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = cs_free_observe;
    lc.user = &f;
    lc.max_time_s = 600;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    r->simulated += w->md->time;
    r->base_worst = xt_max(r->base_worst, w->base_worst);
    xn_observer_free(f.obs);
    xn_data_free(f.od);
    xn_observer_free(w->base);
    xn_data_free(w->bd);
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return 0;
}

#endif
