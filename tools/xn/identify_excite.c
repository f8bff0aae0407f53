/* xn identify excite: an excitation program for dynamic identification. Each joint follows a
 * finite Fourier series (Swevers, Ganseman, Tukel, De Schutter and Van Brussel 1997) that
 * starts and ends at rest; the coefficients are searched to lower the condition number of the
 * regressor over the model's base parameters (xn_ident_excitation), every candidate scaled to
 * the largest size that keeps it inside the joints' range, their rated velocity and
 * acceleration, every body above the floor and (in the MuJoCo scene) clear of the others.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clearance.h"
#include "cli.h"
#include "identify.h"
#include "xiaonao/ident.h"

#define MAX_J 16
#define MAX_H XN_PROGRAM_MAX_HARMONICS
#define NSAMPLE 120 /* samples of one period, for the condition number and the checks */

typedef struct {
    const xn_model *m;
    xn_ident *id;
    int nj, H, dof[MAX_J];
    double period, range, speed;
    double lo[MAX_J], hi[MAX_J], vmax[MAX_J], amax[MAX_J];
    /* the robot's joints (every 1-DoF joint with a range of 0.5 or more: the ones a movej
     * lists), and where those not excited are held: the middle of their range */
    int narm, arm[MAX_J];
    double *hold;        /* nq */
    xn_clearance *clear; /* the configurations' clearance from the floor and the robot */
} design;

/* One candidate: the free shape per joint (a_2..a_H, b_2..b_H) and what it becomes. */
typedef struct {
    double shape[MAX_J][2 * MAX_H];
    xn_instruction f[MAX_J]; /* the fourier lines, scaled and placed */
    double condition;
} candidate;

/* The fourier line of joint j at scale 1 with offset 0: a_1 and b_1 make it start at rest. */
static void line_of(const design *ds, const double *shape, xn_instruction *f) {
    memset(f, 0, sizeof *f);
    f->op = XN_OP_FOURIER;
    f->naxes = ds->H;
    double sa = 0, sb = 0;
    for (int h = 1; h < ds->H; h++) {
        f->target[h] = shape[h - 1];
        f->target[MAX_H + h] = shape[ds->H - 1 + h - 1];
        sa += f->target[h];
        sb += (h + 1) * f->target[MAX_H + h];
    }
    f->target[0] = -sa;
    f->target[MAX_H] = -sb;
}

/* Scale and place joint j's line: as large as the range, velocity and acceleration allow, the
 * excursion centred in the joint's range. */
static void fit(const design *ds, int j, xn_instruction *f) {
    double gmin = INFINITY, gmax = -INFINITY, vpk = 0, apk = 0;
    for (int s = 0; s < 1000; s++) {
        double q, v, a;
        xn_program_fourier_eval(f, ds->period, ds->period * s / 1000, &q, &v, &a);
        gmin = fmin(gmin, q), gmax = fmax(gmax, q);
        vpk = fmax(vpk, fabs(v)), apk = fmax(apk, fabs(a));
    }
    double half = (ds->hi[j] - ds->lo[j]) / 2, mid = (ds->hi[j] + ds->lo[j]) / 2;
    double k = fmin(2 * ds->range * half / fmax(gmax - gmin, 1e-12),
                    fmin(ds->speed * ds->vmax[j] / fmax(vpk, 1e-12),
                         ds->speed * ds->amax[j] / fmax(apk, 1e-12)));
    for (int h = 0; h < ds->H; h++) {
        f->target[h] *= k;
        f->target[MAX_H + h] *= k;
    }
    f->value[0] = mid - k * (gmax + gmin) / 2; /* q(0): the excursion centred */
}

/* The state of every joint at time t. */
static void state_at(const design *ds, const candidate *c, double t, double *q, double *v,
                     double *a) {
    memcpy(q, ds->hold, sizeof(double) * (size_t)ds->m->nq);
    memset(v, 0, sizeof(double) * (size_t)ds->m->nv);
    memset(a, 0, sizeof(double) * (size_t)ds->m->nv);
    for (int j = 0; j < ds->nj; j++) {
        int k = ds->dof[j];
        xn_program_fourier_eval(&c->f[j], ds->period, t, &q[ds->m->body_qadr[ds->m->dof_body[k]]],
                                &v[k], &a[k]);
    }
}

/* 1 when every configuration over the period keeps clear of the floor and the robot itself. */
static int clear(const design *ds, const candidate *c, double *q, double *v, double *a) {
    for (int s = 0; s < NSAMPLE; s++) {
        state_at(ds, c, ds->period * s / NSAMPLE, q, v, a);
        if (!xn_clearance_ok(ds->clear, q)) return 0;
    }
    return 1;
}

/* Make the candidate's lines from its shape, shrink it until it clears the floor, and rate it. */
static void evaluate(const design *ds, candidate *c) {
    double q[64], v[64], a[64];
    for (int j = 0; j < ds->nj; j++) {
        line_of(ds, c->shape[j], &c->f[j]);
        fit(ds, j, &c->f[j]);
    }
    int ok = 0;
    for (int shrink = 0; shrink < 12 && !(ok = clear(ds, c, q, v, a)); shrink++)
        for (int j = 0; j < ds->nj; j++) {
            double mid = (ds->hi[j] + ds->lo[j]) / 2, q0 = c->f[j].value[0];
            for (int h = 0; h < ds->H; h++) {
                c->f[j].target[h] *= 0.85;
                c->f[j].target[MAX_H + h] *= 0.85;
            }
            c->f[j].value[0] = mid + 0.85 * (q0 - mid);
        }
    c->condition = INFINITY;
    if (!ok) return;
    xn_ident_clear(ds->id);
    double tau[MAX_J] = {0};
    for (int s = 0; s < NSAMPLE; s++) {
        state_at(ds, c, ds->period * s / NSAMPLE, q, v, a);
        xn_ident_add(ds->id, q, v, a, tau, NULL);
    }
    xn_ident_excitation(ds->id, &c->condition, NULL);
}

static double urand(unsigned *s) {
    *s = *s * 1664525u + 1013904223u;
    return (*s >> 8) / 16777216.0;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: xn identify excite MODEL --out PROGRAM [--joints J1,J2,...] [--period S]\n"
            "                          [--harmonics H] [--periods N] [--range F] [--speed F]\n"
            "                          [--limits FILE] [--min-height M] [--iterations N]\n"
            "                          [--clearance M] [--seed N]\n\n"
            "Writes a robot program that moves the joints through finite Fourier series\n"
            "chosen to excite the model's base parameters (the regressor's condition number\n"
            "is lowered by random search and local refinement), within each joint's range\n"
            "(the centre +- F of its half-range, --range, default 0.7), F of its rated velocity\n"
            "and acceleration (--speed, default 0.6; limits.json beside MODEL or --limits),\n"
            "every body's origin above --min-height (m, default 0.05), and (MuJoCo's scene)\n"
            "no two geoms closer than --clearance (m, default 0.03; 0: unchecked): no\n"
            "self-collision, no floor. --period (default 10 s),\n"
            "--harmonics (default 5, at most %d), --periods run (default 3). The robot's\n"
            "joints are its 1-DoF joints with a range of 0.5 or more (the ones a movej lists);\n"
            "--joints: those to move (default: all), the others held mid-range.\n"
            "Look at the motion before running it on a robot (xn run --report).\n",
            MAX_H);
}

static int parse_number(const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    double x = strtod(s, &end);
    if (*end || !(x >= lo && x <= hi))
        return xn_cli_error("identify excite: %s takes a number in [%g, %g], not '%s'", opt, lo, hi,
                            s);
    *out = x;
    return 0;
}

int xn_identify_excite(int argc, char **argv) {
    const char *model_path = NULL, *out = NULL, *joints = NULL, *limits_path = NULL;
    double period = 10, H = 5, periods = 3, range = 0.7, speed = 0.6, min_height = 0.05,
           iterations = 150, seed = 1, clearance = 0.03;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc, bad = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--out") == 0 && more) {
            out = argv[++i];
        } else if (strcmp(a, "--joints") == 0 && more) {
            joints = argv[++i];
        } else if (strcmp(a, "--limits") == 0 && more) {
            limits_path = argv[++i];
        } else if (strcmp(a, "--period") == 0 && more) {
            bad = parse_number(a, argv[++i], 1, 100, &period);
        } else if (strcmp(a, "--harmonics") == 0 && more) {
            bad = parse_number(a, argv[++i], 1, MAX_H, &H);
        } else if (strcmp(a, "--periods") == 0 && more) {
            bad = parse_number(a, argv[++i], 1, 100, &periods);
        } else if (strcmp(a, "--range") == 0 && more) {
            bad = parse_number(a, argv[++i], 0.05, 0.95, &range);
        } else if (strcmp(a, "--speed") == 0 && more) {
            bad = parse_number(a, argv[++i], 0.05, 1, &speed);
        } else if (strcmp(a, "--min-height") == 0 && more) {
            bad = parse_number(a, argv[++i], -10, 10, &min_height);
        } else if (strcmp(a, "--clearance") == 0 && more) {
            bad = parse_number(a, argv[++i], 0, 0.5, &clearance);
        } else if (strcmp(a, "--iterations") == 0 && more) {
            bad = parse_number(a, argv[++i], 0, 100000, &iterations);
        } else if (strcmp(a, "--seed") == 0 && more) {
            bad = parse_number(a, argv[++i], 0, 4e9, &seed);
        } else if (a[0] == '-') {
            usage(stderr);
            return xn_cli_error("identify excite: unknown option '%s' (or its value is missing)",
                                a);
        } else if (!model_path) {
            model_path = a;
        } else {
            usage(stderr);
            return xn_cli_error("identify excite: one model, found also '%s'", a);
        }
        if (bad) return 1;
    }
    if (!model_path || !out) {
        usage(stderr);
        return xn_cli_error("identify excite: a model and --out PROGRAM are needed");
    }
    if (H != round(H) || periods != round(periods))
        return xn_cli_error("identify excite: --harmonics and --periods take whole numbers");
    xn_model *m = xn_cli_load(model_path, 0, 0);
    if (!m) return 1;
    design ds = {0};
    ds.m = m;
    ds.H = (int)H;
    ds.period = period;
    ds.range = range;
    ds.speed = speed;
    int rc = 1;
    candidate *best = calloc(1, sizeof *best), *trial = calloc(1, sizeof *trial);
    xn_rated_limits *rl = calloc(1, sizeof *rl);
    if (!best || !trial || !rl) {
        rc = xn_cli_error("out of memory");
        goto done;
    }
    /* the joints */
    if (joints) {
        char list[1024];
        snprintf(list, sizeof list, "%s", joints);
        char *save = NULL;
        for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
            int b = xn_model_joint_body(m, name);
            if (b < 0 || m->body_nv[b] != 1) {
                rc = xn_cli_error("identify excite: --joints: %s is not a 1-DoF joint of %s", name,
                                  model_path);
                goto done;
            }
            if (ds.nj == MAX_J) {
                rc = xn_cli_error("identify excite: at most %d joints", MAX_J);
                goto done;
            }
            ds.dof[ds.nj++] = m->body_vadr[b];
        }
    }
    ds.hold = malloc(sizeof(double) * (size_t)m->nq);
    if (!ds.hold) {
        rc = xn_cli_error("out of memory");
        goto done;
    }
    memcpy(ds.hold, m->q_neutral, sizeof(double) * (size_t)m->nq);
    for (int b = 1; b < m->nbody && ds.narm < MAX_J; b++) {
        int qa = m->body_qadr[b];
        if (m->body_nv[b] == 1 && isfinite(m->q_lower[qa]) && isfinite(m->q_upper[qa]) &&
            m->q_upper[qa] - m->q_lower[qa] >= 0.5) {
            ds.arm[ds.narm++] = m->body_vadr[b];
            ds.hold[qa] = (m->q_lower[qa] + m->q_upper[qa]) / 2;
            if (!joints) ds.dof[ds.nj++] = m->body_vadr[b];
        }
    }
    for (int j = 0; j < ds.nj; j++) {
        int in_arm = 0;
        for (int i = 0; i < ds.narm; i++) in_arm |= ds.arm[i] == ds.dof[j];
        if (!in_arm) {
            rc = xn_cli_error("identify excite: joint %s has no range of 0.5 or more to move in",
                              m->joint_name[m->dof_body[ds.dof[j]]]);
            goto done;
        }
    }
    if (ds.nj == 0) {
        rc = xn_cli_error("identify excite: %s has no joint to move (give --joints)", model_path);
        goto done;
    }
    /* their range and rated limits */
    char default_limits[4096];
    const char *slash = strrchr(model_path, '/');
    snprintf(default_limits, sizeof default_limits, "%.*slimits.json",
             slash ? (int)(slash - model_path + 1) : 0, model_path);
    int have =
        xn_cli_read_limits(limits_path ? limits_path : default_limits, limits_path != NULL, rl);
    if (have < 0) goto done;
    for (int j = 0; j < ds.nj; j++) {
        int k = ds.dof[j], b = m->dof_body[k], qa = m->body_qadr[b];
        ds.lo[j] = m->q_lower[qa];
        ds.hi[j] = m->q_upper[qa];
        if (!isfinite(ds.lo[j]) || !isfinite(ds.hi[j])) {
            ds.lo[j] = -3.14159265358979;
            ds.hi[j] = 3.14159265358979;
        }
        ds.vmax[j] = isfinite(m->dof_vmax[k]) ? m->dof_vmax[k] : 2;
        ds.amax[j] = 10;
        for (int i = 0; i < rl->n; i++)
            if (strcmp(rl->name[i], m->joint_name[b]) == 0) {
                if (rl->value[i][0] > 0) ds.vmax[j] = rl->value[i][0];
                if (rl->value[i][1] > 0) ds.amax[j] = rl->value[i][1];
            }
    }
    xn_ident_options o;
    xn_ident_default_options(&o);
    o.nmeasured = ds.nj;
    o.measured = ds.dof;
    xn_error err;
    if (xn_ident_create(m, &o, &ds.id, &err) != XN_OK) {
        rc = xn_cli_error("identify excite: %s", err.message);
        goto done;
    }
    ds.clear = xn_clearance_open(m, model_path, ds.arm, ds.narm, clearance, min_height, ds.hold);
    if (!ds.clear) goto done;
    /* random search, then local refinement with a shrinking step */
    unsigned s = (unsigned)seed * 2654435761u + 1;
    best->condition = INFINITY;
    int nrandom = 30, nfree = 2 * (ds.H - 1);
    for (int it = 0; it < nrandom + (int)iterations; it++) {
        int local = it >= nrandom && isfinite(best->condition);
        double step = 0.3 * pow(0.02 / 0.3, (it - nrandom) / fmax(1, iterations));
        for (int j = 0; j < ds.nj; j++)
            for (int c = 0; c < nfree; c++) {
                int h = c % (ds.H - 1) + 2; /* the harmonic, for a 1/h spectrum */
                double r = 2 * urand(&s) - 1;
                trial->shape[j][c] = local ? best->shape[j][c] + step * r / h : r / h;
            }
        evaluate(&ds, trial);
        if (trial->condition < best->condition) {
            candidate *t = best;
            best = trial;
            trial = t;
        }
    }
    if (!isfinite(best->condition)) {
        rc = xn_cli_error(
            "identify excite: no candidate kept every body above %g m and excited "
            "every base parameter: lower --min-height or --clearance, or move more joints",
            min_height);
        goto done;
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        rc = xn_cli_error("identify excite: cannot write %s", out);
        goto done;
    }
    fprintf(f, "# Excitation for identifying the dynamics of %s (xn identify excite).\n",
            model_path);
    fprintf(f,
            "# %d harmonics of %g Hz per joint, %g periods; the base regressor's condition number "
            "%.4g\n# (columns scaled to unit norm, over one period sampled %d times).\n",
            ds.H, 1 / period, periods, best->condition, NSAMPLE);
    fprintf(f,
            "# Within %g of each joint's half-range about its centre and %g of its rated velocity "
            "and\n# acceleration (%s); every body's origin above %g m; geoms %g m apart.\n",
            range, speed, have ? rl->source[0] ? rl->source : "limits.json" : "the model's limits",
            min_height, clearance);
    fprintf(f, "# Then: xn run THIS --log excite.csv; xn identify dynamics %s excite.csv\n\n",
            model_path);
    fprintf(f, "movej [");
    for (int i = 0; i < ds.narm; i++) { /* every joint: the excited ones at q(0), the others held */
        double q = ds.hold[m->body_qadr[m->dof_body[ds.arm[i]]]];
        for (int j = 0; j < ds.nj; j++)
            if (ds.dof[j] == ds.arm[i]) q = best->f[j].value[0];
        fprintf(f, "%s%.9g", i ? ", " : "", q);
    }
    fprintf(f, "] speed 0.3\nwait until settled 0.002\n");
    for (int j = 0; j < ds.nj; j++) {
        const xn_instruction *fl = &best->f[j];
        fprintf(f, "fourier %s %.9g a [", m->joint_name[m->dof_body[ds.dof[j]]], fl->value[0]);
        for (int h = 0; h < ds.H; h++) fprintf(f, "%s%.9g", h ? ", " : "", fl->target[h]);
        fprintf(f, "] b [");
        for (int h = 0; h < ds.H; h++) fprintf(f, "%s%.9g", h ? ", " : "", fl->target[MAX_H + h]);
        fprintf(f, "]\n");
    }
    fprintf(f, "excite period %g for %g\nwait 0.5\n", period, period * periods);
    fclose(f);
    printf("excitation   %s: %d joints, %d harmonics of %g Hz, %g periods\n", out, ds.nj, ds.H,
           1 / period, periods);
    printf("condition    %.4g (base regressor, columns scaled to unit norm)\n", best->condition);
    rc = 0;
done:
    xn_clearance_close(ds.clear);
    xn_ident_free(ds.id);
    free(best), free(trial), free(rl), free(ds.hold);
    xn_model_free(m);
    return rc;
}
