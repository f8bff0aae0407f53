/* Collision detection and reaction on the simulated Panda (MuJoCo).
 *
 * Part 1, false positives: random jerk-limited moves at 50 to 100 % of the rated joint speed
 * (70 % of the rated acceleration) for a simulated hour (default; argv[1] sets the minutes),
 * with the controller's model off by +-10 % in every link's mass and centre of mass, unmodelled
 * friction of 5 % of the rated torque in every arm joint, and encoder, velocity and
 * torque-sensor noise. Every detection is a false positive; the baseline detector
 * (|tau - M qdd_ref - n| over the same thresholds) is counted beside it, and the factor its
 * thresholds would need to raise no false alarm is measured.
 *
 * Part 2, scenarios: a person's hand (ISO/TS 15066: 0.6 kg, 75 N/mm) across the tool's way at
 * tool speeds 0.25 to 1.5 m/s, and a forearm (2 kg, 40 N/mm) in the elbow's way at two speeds.
 * The body part sits on a spring to the world: the person cannot recoil (a constrained contact,
 * harsher than the standard's free transient model). For each: the speed at first contact, the
 * peak force without reaction, the observer's detection delay beside the baseline's (with its
 * thresholds raised by that factor), the peak force under each reaction, and under stop 2 with
 * the contact region declared (`set contact ... clamped`: the planner slows the arm there).
 * Each peak is compared with the region's transient limit.
 *
 * Usage: bench_collision [MINUTES] [--plot DIR]. SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <time.h>

#include "bench_util.h"
#include "control/collision_scene.h"

#define TMP "/tmp"

typedef struct {
    const char *name;
    int elbow;           /* 0: at the tool, 1: the forearm at the elbow */
    int forearm;         /* at the tool: 0 the hand, 1 a forearm */
    double speed, accel; /* movel tool speed and acceleration (tool); movej speed fraction */
    double moving;       /* the person moves toward the arm at this speed (m/s) */
} scenario;

static const scenario scenarios[] = {
    {"hand, tool, 0.25 m/s", 0, 0, 0.25, 5, 0},
    {"hand, tool, 0.5 m/s", 0, 0, 0.5, 5, 0},
    {"hand, tool, 1.0 m/s", 0, 0, 1.0, 8, 0},
    {"hand, tool, 1.5 m/s", 0, 0, 1.5, 12, 0},
    {"hand moving 0.25 m/s, tool 0.25 m/s", 0, 0, 0.25, 5, 0.25},
    {"forearm, tool, 0.25 m/s", 0, 1, 0.25, 5, 0},
    {"forearm, tool, 0.5 m/s", 0, 1, 0.5, 5, 0},
    {"forearm, elbow, 50 %", 1, 0, 0.5, 1, 0},
    {"forearm, elbow, 100 %", 1, 0, 1.0, 1, 0},
};

static const char *const reactions[] = {"stop2", "stop1", "stop0", "reflex", "compliant"};
#define NREACT 5

/* The program of a scenario: the set-up lines, then the move. */
static void program(const scenario *s, const char *settings, char *out, size_t n) {
    if (s->elbow)
        snprintf(out, n, CS_ELBOW_START "%smovej to speed %g\nwait 0.5\n", settings, s->speed);
    else {
        char move[256];
        snprintf(move, sizeof move, CS_HAND_MOVE, s->speed, s->accel);
        snprintf(out, n, CS_HAND_START "%s%s", settings, move);
    }
}

typedef struct {
    double speed, mass, transient, free_peak, delay, base_delay;
    double peak[NREACT];
    double pfl_speed, pfl_peak, pfl_delay;
    double limit;
} row;

/* The program line of the scenario's move: after the four start lines and the settings. */
static int move_line(const char *settings) {
    int n = 5;
    for (const char *c = settings; *c; c++) n += *c == '\n';
    return n;
}

static double ms(double a, double b) { return a >= 0 && b >= 0 ? (a - b) * 1e3 : NAN; }

static void scenario_run(const scenario *s, double baseline_scale, row *r) {
    cs_obstacle o = s->elbow ? cs_forearm_at(0.6) : cs_hand;
    if (s->forearm) { /* the ISO/TS 15066 lower arm where the hand was */
        o.mass = 2;
        o.stiffness = 40000;
        o.radius = 0.03;
    }
    int arm = s->elbow || s->forearm;
    const xn_body_limits *b = xn_body_region_limits(arm ? XN_BODY_LOWER_ARM : XN_BODY_HAND);
    r->limit = b->force_transient;
    char prog[2048], settings[256];
    cs_watch w;
    cs_options opt;
    memset(&opt, 0, sizeof opt);
    opt.baseline = 1;
    opt.baseline_scale = baseline_scale;
    opt.move_speed = s->moving;
    opt.move_max = 0.1;

    /* no reaction (detection off); the baseline watches beside */
    program(s, "", prog, sizeof prog);
    opt.move_line = move_line("");
    cs_run(TMP, prog, &o, &opt, &w);
    r->speed = w.contact_speed;
    r->mass = w.contact_mass;
    /* the same contact with a person free to recoil: the standard's two-body model */
    r->transient = xn_pfl_peak_force(b, w.contact_mass, w.contact_speed, 0);
    r->free_peak = w.peak;
    r->base_delay = ms(w.base_detected, w.first_contact);
    for (int k = 0; k < NREACT; k++) {
        snprintf(settings, sizeof settings, "set collision %s\n", reactions[k]);
        program(s, settings, prog, sizeof prog);
        opt.move_line = move_line(settings);
        opt.baseline = 0;
        cs_run(TMP, prog, &o, &opt, &w);
        r->peak[k] = w.peak;
        if (k == 0) r->delay = ms(w.detected, w.first_contact);
    }
    snprintf(settings, sizeof settings,
             "set contact %s [%g, %g, %g] 0.15 clamped\nset collision stop2\n",
             s->elbow ? "lower_arm" : "hand", o.pos[0], o.pos[1], o.pos[2]);
    program(s, settings, prog, sizeof prog);
    opt.move_line = move_line(settings);
    cs_run(TMP, prog, &o, &opt, &w);
    r->pfl_speed = w.contact_speed;
    r->pfl_peak = w.peak;
    r->pfl_delay = ms(w.detected, w.first_contact);
}

/* ---- false positives ---- */

typedef struct {
    unsigned long seed;
} rng;

static double uniform(rng *g) {
    g->seed = g->seed * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(g->seed >> 11) / 9007199254740992.0;
}

/* the controller's model off by +-10 % in each link's mass and centre of mass */
static void perturb(xn_controller_config *cfg, xn_model *m, void *user) {
    (void)cfg;
    rng *g = user;
    for (int b = 1; b < m->nbody; b++) {
        double c[3], Ic[6];
        xn_inertia *I = &m->body_inertia[b];
        xn_inertia_to_com(I, c, Ic);
        double mass = I->m * (uniform(g) < 0.5 ? 0.9 : 1.1);
        for (int i = 0; i < 3; i++) c[i] *= uniform(g) < 0.5 ? 0.9 : 1.1;
        xn_inertia_from_com(mass, c, Ic, I);
    }
}

typedef struct {
    cs_watch w;
    double friction[7];
    long cycles;
    int base_events, base_above;
    double base_last;
    int moves, other_stop;
    xn_observer *obs; /* the controller's observer, replayed for the statistics */
    xn_data *od;
    double worst[7]; /* largest |r| over the threshold's fixed part, per joint (N m) */
    double worst_ratio[7];
} fp_watch;

static int fp_observe(void *user, xn_controller *c) {
    fp_watch *f = user;
    cs_watch *w = &f->w;
    if (f->cycles++ == 0) {
        for (int i = 0; i < 7; i++) w->mm->dof_frictionloss[i] = f->friction[i];
        /* free motion: random poses may cross the floor or the arm itself, and those would be
         * true collisions */
        w->mm->opt.disableflags |= mjDSBL_CONTACT;
    }
    /* the baseline, counted as episodes: a crossing after 50 ms below the thresholds */
    w->base_detected = -1;
    cs_baseline_step(w, c);
    if (f->obs) {
        double q[9], v[9], tau[9];
        for (int i = 0; i < 9; i++) {
            q[i] = w->hal->joint[i].position;
            v[i] = w->hal->joint[i].velocity;
            tau[i] = w->hal->joint[i].torque;
        }
        xn_observer_step(f->obs, w->m, f->od, q, v, tau, 0, 0.001);
        for (int k = 0; k < 7; k++) {
            double th = f->obs->threshold[k] + f->obs->threshold_model * fabs(tau[k]);
            f->worst[k] = xb_max(f->worst[k], fabs(f->obs->r[k]));
            f->worst_ratio[k] = xb_max(f->worst_ratio[k], fabs(f->obs->r[k]) / th);
        }
    }
    if (w->base_detected >= 0) {
        if (!f->base_above && w->md->time - f->base_last > 0.05) f->base_events++;
        f->base_above = 1;
        f->base_last = w->md->time;
    } else {
        f->base_above = 0;
    }
    xn_event ev;
    while (xn_controller_next_event(c, &ev)) {
        if (ev.code == XN_EV_LINE) f->moves++;
        if (ev.code == XN_EV_COLLISION && w->detected < 0) w->detected = w->md->time;
        if (ev.code == XN_EV_TORQUE_LIMIT || ev.code == XN_EV_LIMIT_STOP ||
            ev.code == XN_EV_OTG_ERROR) {
            if (!f->other_stop && getenv("XN_BENCH_VERBOSE")) fprintf(stderr, "%s\n", ev.text);
            f->other_stop = 1;
        }
    }
    return cs_observe(w, c);
}

/* Runs the free-motion hour; returns the factor the baseline's thresholds need to raise no
 * false alarm in it (its largest difference over threshold, with a 10 % margin). */
static double false_positives(double minutes) {
    const cs_obstacle nobody = {{0, 1.5, 0.2}, {0, 1, 0}, {-0.05, 0, 0}, {0.05, 0, 0},
                                0.025,         0.6,       75000};
    char scene[512];
    snprintf(scene, sizeof scene, "%s/collision_scene.xml", TMP);
    cs_write_scene(TMP, scene, &nobody);
    static const double lo[7] = {-2.9, -1.76, -2.9, -3.07, -2.9, -0.02, -2.9};
    static const double hi[7] = {2.9, 1.76, 2.9, -0.07, 2.9, 3.75, 2.9};
    rng g = {12345};
    double simulated = 0, worst[7] = {0}, worst_ratio[7] = {0}, base_worst = 0;
    int detections = 0, base_events = 0, other_stops = 0, moves = 0, chunks = 0;
    xn_mujoco_options mj;
    memset(&mj, 0, sizeof mj);
    mj.position_noise = 2e-5; /* rad: about a 19-bit encoder */
    mj.velocity_noise = 1e-3; /* rad/s: a filtered encoder velocity */
    mj.torque_noise = 0.1;    /* N m */
    clock_t t0 = clock();
    while (simulated < minutes * 60) {
        /* a chunk: 50 random moves, each to a target inside 85 % of the joint ranges, at a
         * random 50 to 100 % of the rated speed, some blended */
        char *prog = malloc(50 * 200 + 200);
        size_t len = 0;
        len += (size_t)sprintf(prog + len, "set collision stop2\n");
        for (int k = 0; k < 50; k++) {
            len += (size_t)sprintf(prog + len, "movej [");
            for (int j = 0; j < 7; j++) {
                double mid = 0.5 * (lo[j] + hi[j]), half = 0.425 * (hi[j] - lo[j]);
                len += (size_t)sprintf(prog + len, "%s%.4f", j ? ", " : "",
                                       mid + half * (2 * uniform(&g) - 1));
            }
            double speed = 0.5 + 0.5 * uniform(&g);
            len += (size_t)sprintf(prog + len, "] speed %.3f accel 0.7%s\n", speed,
                                   uniform(&g) < 0.3 ? " blend 0.1" : "");
        }
        fp_watch f;
        memset(&f, 0, sizeof f);
        for (int i = 0; i < 7; i++) f.friction[i] = 0.05 * (i < 4 ? 87 : 12);
        mj.seed = (unsigned long)chunks + 1;
        xn_error err;
        xn_model *m = NULL;
        xn_hal *hal = NULL;
        xn_program *p = NULL;
        xn_controller *c = NULL;
        if (xn_load_model(PANDA_SCENE, NULL, &m, &err) || xn_mujoco_open(scene, &mj, &hal, &err) ||
            xn_program_parse(prog, len, "random.xnp", &p, &err)) {
            fprintf(stderr, "set-up: %s\n", err.message);
            free(prog);
            return 1;
        }
        free(prog);
        xn_controller_config cfg;
        rt_panda_config(&cfg);
        perturb(&cfg, m, &g);
        if (xn_controller_create(m, hal, p, &cfg, &c, &err)) {
            fprintf(stderr, "controller: %s\n", err.message);
            return 1;
        }
        cs_watch *w = &f.w;
        w->first_contact = w->detected = w->stop_time = w->base_detected = -1;
        w->mm = xn_mujoco_model(hal);
        w->md = xn_mujoco_data(hal);
        w->person_geom = mj_name2id(w->mm, mjOBJ_GEOM, "person_c");
        w->spring_q = w->mm->jnt_qposadr[mj_name2id(w->mm, mjOBJ_JOINT, "person_spring")];
        w->k = nobody.stiffness;
        w->hal = hal;
        w->m = m;
        w->bd = xn_data_create(m);
        w->base = xn_observer_create(m);
        for (int k = 0; k < m->nv; k++)
            w->base->threshold[k] =
                k < 7
                    ? XN_COLLISION_THRESHOLD * fmin(m->dof_effort[k], hal->joint_info[k].torque_max)
                    : INFINITY;
        w->base->threshold_model = cfg.collision_threshold_model;
        f.obs = xn_observer_create(m);
        f.od = xn_data_create(m);
        for (int k = 0; k < m->nv; k++) {
            f.obs->gain[k] = cfg.observer_gain;
            f.obs->threshold[k] = w->base->threshold[k];
        }
        f.obs->threshold_model = cfg.collision_threshold_model;
        f.obs->persistence = cfg.collision_persistence;
        xn_loop_config lc;
        xn_loop_config_init(&lc);
        lc.after_cycle = fp_observe;
        lc.user = &f;
        lc.max_time_s = 600;
        xn_loop_report rep;
        xn_loop_run(c, hal, &lc, &rep);
        simulated += w->md->time;
        base_worst = xb_max(base_worst, w->base_worst);
        detections += w->detected >= 0;
        base_events += f.base_events;
        moves += f.moves;
        other_stops += f.other_stop;
        chunks++;
        for (int k = 0; k < 7; k++) {
            worst[k] = xb_max(worst[k], f.worst[k]);
            worst_ratio[k] = xb_max(worst_ratio[k], f.worst_ratio[k]);
        }
        xn_observer_free(f.obs);
        xn_data_free(f.od);
        xn_observer_free(w->base);
        xn_data_free(w->bd);
        xn_controller_free(c);
        xn_program_free(p);
        xn_hal_close(hal);
        xn_model_free(m);
    }
    double wall = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("\n### False positives in free motion\n\n");
    printf("Random moves at 50-100 %% of the rated joint speed and 70 %% of the rated "
           "acceleration, model masses and centres of mass "
           "+-10 %%, unmodelled friction 5 %% of the rated torque, encoder 2e-5 rad, velocity "
           "1e-3 rad/s and torque 0.1 N m noise.\n\n");
    printf("| simulated | moves | observer detections | baseline crossings | wall time |\n");
    printf("|---|---|---|---|---|\n");
    printf("| %.1f min | %d | %d | %d | %.0f s |\n", simulated / 60, moves, detections, base_events,
           wall);
    printf("\nLargest residual per joint (N m), and its largest ratio to the threshold:\n\n");
    printf("| joint | 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n|---|---|---|---|---|---|---|---|\n| |r| max |");
    for (int k = 0; k < 7; k++) printf(" %.2f |", worst[k]);
    printf("\n| ratio |");
    for (int k = 0; k < 7; k++) printf(" %.2f |", worst_ratio[k]);
    printf("\n");
    printf("\nThe baseline's largest difference reached %.2f times its threshold: it needs "
           "thresholds %.1f times higher to be free of false alarms here.\n",
           base_worst, 1.1 * base_worst);
    if (other_stops)
        printf("\n%d chunks ended early for another reason (e.g. a torque limit).\n", other_stops);
    return fmax(1, 1.1 * base_worst);
}

int main(int argc, char **argv) {
    double minutes = 60;
    const char *plot = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--plot") == 0 && i + 1 < argc)
            plot = argv[++i];
        else
            minutes = atof(argv[i]);
    }
    double baseline_scale = false_positives(minutes);
    printf("\n### Collision scenarios\n\n");
    printf("Peak contact force (N) on a person who cannot recoil; detection delay (ms) from the "
           "first contact; limit: ISO/TS 15066 transient. The baseline runs with its thresholds "
           "raised %.1f times, so that it too raises no false alarm in the hour above.\n\n",
           baseline_scale);
    printf("| scenario | speed at contact (m/s) | robot mass there (kg) | limit | free contact, "
           "standard's model | no reaction | observer delay | baseline delay | stop 2 | stop 1 | "
           "stop 0 | reflex | compliant | region + stop 2: speed, delay, peak |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    int n = (int)(sizeof scenarios / sizeof scenarios[0]);
    FILE *dat = NULL;
    if (plot) {
        char path[600];
        snprintf(path, sizeof path, "%s/collision.dat", plot);
        dat = fopen(path, "w");
    }
    for (int i = 0; i < n; i++) {
        row r;
        memset(&r, 0, sizeof r);
        scenario_run(&scenarios[i], baseline_scale, &r);
        printf("| %s | %.2f | %.1f | %.0f | %.0f | %.0f | %.1f | %.1f |", scenarios[i].name,
               r.speed, r.mass, r.limit, r.transient, r.free_peak, r.delay, r.base_delay);
        for (int k = 0; k < NREACT; k++)
            printf(" %.0f%s |", r.peak[k], r.peak[k] < r.limit ? "" : " (over)");
        printf(" %.2f, %.1f, %.0f%s |\n", r.pfl_speed, r.pfl_delay, r.pfl_peak,
               r.pfl_peak < r.limit ? "" : " (over)");
        fflush(stdout);
        if (dat)
            fprintf(dat, "\"%s\" %.1f %.1f %.1f %.1f %.1f\n", scenarios[i].name, r.free_peak,
                    r.peak[0], r.peak[2], r.pfl_peak, r.limit);
    }
    if (dat) {
        fclose(dat);
        char cmd[2048];
        snprintf(
            cmd, sizeof cmd,
            "gnuplot -e \"set terminal pngcairo size 1000,500 font 'sans,10'; set output "
            "'%s/collision.png'; set style data histograms; set style histogram clustered "
            "gap 1; set style fill solid 0.8 border -1; set grid ytics; set ylabel 'peak "
            "contact force (N)'; set xtics rotate by -20; set key top left; set title "
            "'Peak force on a pinned hand or forearm'; plot '%s/collision.dat' using 2:xtic(1) "
            "title 'no reaction', '' using 3 title 'stop 2', '' using 4 title 'stop 0', '' "
            "using 5 title 'contact region + stop 2', '' using 6 with linespoints lw 2 pt 7 "
            "lc rgb 'black' title 'ISO/TS 15066 transient limit'\"",
            plot, plot);
        if (system(cmd) == 0) printf("\nplot: %s/collision.png\n", plot);
    }
    return 0;
}
