/* xn identify dynamics: inertial parameters and friction from `xn run` logs (xiaonao/ident.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "identify.h"
#include "run_log.h"
#include "xiaonao/ident.h"
#include "xiaonao/observer.h"

#define MAX_LOGS 32

static void usage(FILE *f) {
    fprintf(f,
            "usage: xn identify dynamics MODEL LOG... [--validate LOG]... [--out DIR]\n"
            "                            [--cutoff HZ] [--rate HZ] [--no-friction]\n"
            "                            [--allow-partial] [--compare MODEL] [--quiet]\n"
            "       xn identify payload MODEL LOG... [options: xn identify payload --help]\n"
            "       xn identify excite MODEL --out PROGRAM [options: xn identify excite --help]\n\n"
            "dynamics: the robot's inertial parameters, armatures and joint friction from logs\n"
            "of its motions (xn run --log): the base parameters the motions excite, by weighted\n"
            "least squares with 95 %% intervals, and a full physically consistent set.\n"
            "  --validate LOG  a motion not used for the fit: the torque error of the nominal\n"
            "                  and the identified model on it, and the collision observer's\n"
            "                  largest residual with each (the threshold it would need)\n"
            "  --out DIR       model.xml (the model with what was identified, MJCF, for\n"
            "                  xn run --model), friction.json (for xn run --friction),\n"
            "                  base_parameters.csv, parameters.csv, report.txt\n"
            "  --compare MODEL the base parameters another model of the robot gives (a CAD\n"
            "                  model, a simulator's, an earlier identification's) beside the\n"
            "                  estimates: how many fall inside their intervals\n"
            "  --cutoff HZ     the zero-phase low-pass before differentiating velocities\n"
            "                  (default 8)\n"
            "  --rate HZ       samples used per second (default 100)\n"
            "  --no-friction   take the model's damping and friction instead of identifying\n"
            "                  viscous and Coulomb friction and an offset per joint\n"
            "  --allow-partial identify what the motions excite when they do not excite every\n"
            "                  base parameter (default: an error naming the others)\n"
            "Exit status: 0 identified, 1 bad input or a motion that cannot identify the model.\n");
}

/* The model's DoF of each logged joint. */
static int map_joints(const xn_model *m, const xn_log *log, const char *path, int *dof) {
    for (int j = 0; j < log->nj; j++) {
        int b = xn_model_joint_body(m, log->joint[j]);
        if (b < 0)
            return xn_cli_error("%s: column q_%s: the model has no joint %s", path, log->joint[j],
                                log->joint[j]);
        if (m->body_nv[b] != 1)
            return xn_cli_error("%s: joint %s has %d DoFs: only 1-DoF joints are logged", path,
                                log->joint[j], m->body_nv[b]);
        dof[j] = m->body_vadr[b];
    }
    return 0;
}

int xn_identify_for_samples(const xn_model *m, const xn_log *log, const int *dof, double cutoff,
                            double rate, const char *path, xn_identify_sample_fn fn, void *ctx) {
    const int n = log->nrow, nj = log->nj;
    double period = (log->t[n - 1] - log->t[0]) / (n - 1), fs = 1 / period;
    if (!(cutoff < fs / 2))
        return xn_cli_error("%s: the cutoff %g Hz is not below half the log's rate (%g Hz)", path,
                            cutoff, fs);
    double *v = malloc(sizeof(double) * (size_t)n * nj),
           *tau = malloc(sizeof(double) * (size_t)n * nj);
    double *a = malloc(sizeof(double) * (size_t)n * nj);
    double *q = calloc((size_t)m->nq, sizeof(double)), *vs = calloc((size_t)m->nv, sizeof(double)),
           *as = calloc((size_t)m->nv, sizeof(double));
    int rc = 0;
    if (!v || !tau || !a || !q || !vs || !as) {
        rc = xn_cli_error("out of memory");
        goto done;
    }
    memcpy(v, log->qd, sizeof(double) * (size_t)n * nj);
    memcpy(tau, log->tau, sizeof(double) * (size_t)n * nj);
    for (int j = 0; j < nj; j++) {
        xn_ident_lowpass(v + j, n, nj, cutoff, fs);
        xn_ident_lowpass(tau + j, n, nj, cutoff, fs);
        xn_ident_derivative(v + j, n, nj, period, a + j);
    }
    int step = (int)fmax(1, round(fs / rate)), edge = (int)ceil(0.2 * fs);
    memcpy(q, m->q_neutral, sizeof(double) * (size_t)m->nq);
    for (int r = edge; r < n - edge && rc == 0; r += step) {
        if (!log->running[r]) continue;
        for (int j = 0; j < nj; j++) {
            q[m->body_qadr[m->dof_body[dof[j]]]] = log->q[(size_t)r * nj + j];
            vs[dof[j]] = v[(size_t)r * nj + j];
            as[dof[j]] = a[(size_t)r * nj + j];
        }
        rc = fn(ctx, q, vs, as, tau + (size_t)r * nj);
    }
done:
    free(v), free(tau), free(a), free(q), free(vs), free(as);
    return rc;
}

int xn_identify_add_logs(const xn_model *m, const char *const *logs, int nlogs, const xn_log *first,
                         const int *dof, double cutoff, double rate, xn_ident *id) {
    int rc =
        xn_identify_for_samples(m, first, dof, cutoff, rate, logs[0], xn_identify_add_sample, id);
    for (int l = 1; l < nlogs && rc == 0; l++) {
        xn_log log = {0};
        int d2[64];
        rc = xn_identify_read_log(m, logs[l], &log, d2, first) ||
             xn_identify_for_samples(m, &log, dof, cutoff, rate, logs[l], xn_identify_add_sample,
                                     id);
        xn_log_free(&log);
    }
    return rc;
}

int xn_identify_add_sample(void *ctx, const double *q, const double *v, const double *a,
                           const double *tau) {
    xn_error err;
    if (xn_ident_add(ctx, q, v, a, tau, &err) != XN_OK) return xn_cli_error("%s", err.message);
    return 0;
}

/* Validation: squared torque errors per joint of the nominal and the identified parameters. */
typedef struct {
    xn_ident *id;
    int nj, n;
    double *pred, e_nom[64], e_id[64];
} validation;

static int validate_sample(void *ctx, const double *q, const double *v, const double *a,
                           const double *tau) {
    validation *val = ctx;
    xn_ident_predict(val->id, xn_ident_nominal(val->id), q, v, a, val->pred);
    for (int j = 0; j < val->nj; j++) val->e_nom[j] += pow(val->pred[j] - tau[j], 2);
    xn_ident_predict(val->id, xn_ident_params(val->id), q, v, a, val->pred);
    for (int j = 0; j < val->nj; j++) val->e_id[j] += pow(val->pred[j] - tau[j], 2);
    val->n++;
    return 0;
}

/* The collision observer (xiaonao/observer.h, gain 400 1/s as in the controller) run over a
 * whole log at its own rate, unfiltered, with one model: the largest |r| per joint, which is the
 * threshold each joint would need for no false alarm on this motion. The identified model's
 * offsets are taken out of the torques (the observer has no offset term); its Coulomb friction
 * is the observer's friction model. */
static int observer_peaks(const xn_model *mo, const xn_log *log, const int *dof,
                          const double *coulomb, const double *offset, double *peak) {
    xn_observer *o = NULL;
    xn_data *d = xn_data_create(mo);
    double *q = calloc((size_t)mo->nq, sizeof(double)), *v = calloc((size_t)mo->nv, sizeof(double)),
           *tau = calloc((size_t)mo->nv, sizeof(double));
    int rc = 0;
    if (!d || !q || !v || !tau || xn_observer_create(mo, &o, NULL) != XN_OK) {
        rc = xn_cli_error("out of memory");
        goto done;
    }
    for (int k = 0; k < mo->nv; k++) {
        o->gain[k] = 400;
        o->threshold[k] = INFINITY;
        o->friction_coulomb[k] = coulomb ? coulomb[k] : mo->dof_friction[k];
    }
    memcpy(q, mo->q_neutral, sizeof(double) * (size_t)mo->nq);
    for (int j = 0; j < log->nj; j++) peak[j] = 0;
    double dt = (log->t[log->nrow - 1] - log->t[0]) / (log->nrow - 1);
    for (int r = 1; r < log->nrow; r++) {
        if (!log->running[r] || !log->running[r - 1]) {
            xn_observer_reset(o);
            continue;
        }
        /* the state a row measured, and the torque that acted since the row before (a row's
         * torque is the command its cycle sent) */
        for (int j = 0; j < log->nj; j++) {
            int k = dof[j];
            q[mo->body_qadr[mo->dof_body[k]]] = log->q[(size_t)r * log->nj + j];
            v[k] = log->qd[(size_t)r * log->nj + j];
            tau[k] = log->tau[(size_t)(r - 1) * log->nj + j] - (offset ? offset[k] : 0);
        }
        xn_observer_step(o, mo, d, q, v, tau, 1, dt);
        if (log->t[r] - log->t[0] > 0.5) /* past the observer's start */
            for (int j = 0; j < log->nj; j++) peak[j] = fmax(peak[j], fabs(o->r[dof[j]]));
    }
done:
    xn_observer_free(o);
    xn_data_free(d);
    free(q), free(v), free(tau);
    return rc;
}

/* Read a log and check its joints are the first log's. */
int xn_identify_read_log(const xn_model *m, const char *path, xn_log *log, int *dof,
                         const xn_log *first) {
    if (xn_log_read(path, log)) return 1;
    if (map_joints(m, log, path, dof)) return 1;
    if (first && (first->nj != log->nj ||
                  memcmp(first->joint, log->joint, sizeof *log->joint * (size_t)log->nj) != 0))
        return xn_cli_error("%s: its joints are not those of %s's log", path, "the first");
    return 0;
}

/* The base parameters another model of the same robot gives (its inertias, armatures, damping
 * and friction; offsets 0). NULL with a message when it is not the same tree. */
static double *compare_beta(const xn_ident *id, const xn_model *m, const char *path) {
    xn_model *c = xn_cli_load(path, 0, 0);
    if (!c) return NULL;
    double *pi = NULL, *beta = NULL;
    if (c->nbody != m->nbody || c->nv != m->nv) {
        xn_cli_error("identify: --compare %s: %d bodies and %d DoFs where the model has %d and %d",
                     path, c->nbody - 1, c->nv, m->nbody - 1, m->nv);
        goto done;
    }
    int nd = xn_dyn_regressor_cols(c), p = xn_ident_nparam(id);
    pi = calloc((size_t)p, sizeof(double));
    beta = calloc((size_t)p, sizeof(double));
    if (!pi || !beta) goto done;
    xn_dyn_regressor_params(c, pi);
    for (int k = 0; k < c->nv; k++) {
        pi[nd + 3 * k] = c->dof_damping[k];
        pi[nd + 3 * k + 1] = c->dof_friction[k];
    }
    xn_ident_base_of(id, pi, beta);
done:
    free(pi);
    xn_model_free(c);
    return beta;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* How the estimates stand against another model's base parameters. */
static void print_comparison(FILE *f, const xn_ident *id, const double *beta, const char *path) {
    xn_ident_summary s;
    xn_ident_summary_get(id, &s);
    int inside = 0, nwell = 0;
    double *rel = calloc((size_t)s.nbase + 1, sizeof(double));
    for (int j = 0; j < s.nbase && rel; j++) {
        xn_ident_base b;
        xn_ident_base_get(id, j, &b);
        double e = fabs(b.estimate - beta[j]);
        inside += e <= b.ci95;
        if (fabs(beta[j]) > 10 * b.ci95) rel[nwell++] = e / fabs(beta[j]);
    }
    if (rel) qsort(rel, (size_t)nwell, sizeof(double), cmp_dbl);
    fprintf(f, "compared     %s: %d of %d base parameters inside their 95 %% interval\n", path,
            inside, s.nbase);
    if (nwell > 0)
        fprintf(f,
                "             %d well determined (|beta| > 10 x interval): relative error median "
                "%.2g %%, largest %.2g %%\n",
                nwell, 100 * rel[nwell / 2], 100 * rel[nwell - 1]);
    free(rel);
}

static void write_outputs(const char *dir, xn_ident *id, const xn_model *m, const xn_log *log,
                          const int *dof, const double *beta_cmp) {
    char path[1024];
    xn_ident_summary s;
    xn_ident_summary_get(id, &s);
    snprintf(path, sizeof path, "%s/base_parameters.csv", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "index,parameter,estimate,ci95,nominal,consistent,%scombination\n",
                beta_cmp ? "compare," : "");
        for (int j = 0; j < s.nbase; j++) {
            xn_ident_base b;
            xn_ident_base_get(id, j, &b);
            char name[128];
            fprintf(f, "%d,%s,%.9g,%.3g,%.9g,%.9g,", j,
                    xn_ident_param_name(id, b.lead, name, sizeof name), b.estimate, b.ci95,
                    b.nominal, b.consistent);
            if (beta_cmp) fprintf(f, "%.9g,", beta_cmp[j]);
            fprintf(f, "\"");
            for (int k = 0; k < b.ncombined; k++)
                fprintf(f, "%s%+.6g %s", k ? " " : "", b.coef[k],
                        xn_ident_param_name(id, b.index[k], name, sizeof name));
            fprintf(f, "\"\n");
        }
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/parameters.csv", dir);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "parameter,nominal,identified\n");
        const double *p0 = xn_ident_nominal(id), *p1 = xn_ident_params(id);
        for (int k = 0; k < xn_ident_nparam(id); k++) {
            char name[128];
            fprintf(f, "%s,%.9g,%.9g\n", xn_ident_param_name(id, k, name, sizeof name), p0[k],
                    p1[k]);
        }
        fclose(f);
    }
    /* the friction file: per logged joint, what the controller's friction model takes */
    snprintf(path, sizeof path, "%s/friction.json", dir);
    f = fopen(path, "w");
    if (f) {
        const double *p1 = xn_ident_params(id);
        int nd = xn_dyn_regressor_cols(m);
        fprintf(f, "{\n  \"source\": \"xn identify dynamics\",\n  \"joints\": {\n");
        for (int j = 0; j < log->nj; j++) {
            int k = dof[j];
            fprintf(f,
                    "    \"%s\": {\"viscous\": %.6g, \"coulomb\": %.6g, \"offset\": %.6g, "
                    "\"armature\": %.6g}%s\n",
                    log->joint[j], p1[nd + 3 * k], p1[nd + 3 * k + 1], p1[nd + 3 * k + 2],
                    p1[nd - m->nv + k], j + 1 < log->nj ? "," : "");
        }
        fprintf(f, "  }\n}\n");
        fclose(f);
    }
}

static int identify_dynamics(int argc, char **argv) {
    const char *model_path = NULL, *out = NULL, *compare = NULL, *logs[MAX_LOGS], *vals[MAX_LOGS];
    int nlogs = 0, nvals = 0, friction = 1, partial = 0, quiet = 0;
    double cutoff = 8, rate = 100;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--out") == 0 && more) {
            out = argv[++i];
        } else if (strcmp(a, "--compare") == 0 && more) {
            compare = argv[++i];
        } else if (strcmp(a, "--validate") == 0 && more) {
            if (nvals == MAX_LOGS) return xn_cli_error("identify: at most %d --validate", MAX_LOGS);
            vals[nvals++] = argv[++i];
        } else if ((strcmp(a, "--cutoff") == 0 || strcmp(a, "--rate") == 0) && more) {
            char *end;
            double x = strtod(argv[++i], &end);
            if (*end || !(x > 0) || !isfinite(x))
                return xn_cli_error("identify: %s takes a number of Hz > 0, not '%s'", a, argv[i]);
            *(a[2] == 'c' ? &cutoff : &rate) = x;
        } else if (strcmp(a, "--no-friction") == 0) {
            friction = 0;
        } else if (strcmp(a, "--allow-partial") == 0) {
            partial = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-') {
            usage(stderr);
            return xn_cli_error("identify: unknown option '%s' (or its value is missing)", a);
        } else if (!model_path) {
            model_path = a;
        } else if (nlogs < MAX_LOGS) {
            logs[nlogs++] = a;
        } else {
            return xn_cli_error("identify: at most %d logs", MAX_LOGS);
        }
    }
    if (!model_path || nlogs == 0) {
        usage(stderr);
        return xn_cli_error("identify dynamics: a model and at least one log are needed");
    }
    if (out && mkdir(out, 0777) != 0 && errno != EEXIST)
        return xn_cli_error("identify: cannot make the folder %s: %s", out, strerror(errno));
    xn_model *m = xn_cli_load(model_path, 0, 0);
    if (!m) return 1;
    int rc = 1, dof[64];
    double *beta_cmp = NULL, *coulomb = NULL, *offset = NULL;
    xn_model *mi = NULL;
    xn_log first = {0};
    xn_ident *id = NULL;
    xn_error err;
    if (xn_identify_read_log(m, logs[0], &first, dof, NULL)) goto done;
    xn_ident_options o;
    xn_ident_default_options(&o);
    o.nmeasured = first.nj;
    o.measured = dof;
    o.friction = friction;
    if (xn_ident_create(m, &o, &id, &err) != XN_OK) {
        rc = xn_cli_error("identify: %s", err.message);
        goto done;
    }
    if (xn_identify_add_logs(m, logs, nlogs, &first, dof, cutoff, rate, id)) goto done;
    xn_status st = xn_ident_solve(id, partial, &err);
    if (st != XN_OK) {
        rc = xn_cli_error("identify: %s", err.message);
        goto done;
    }
    xn_ident_summary s;
    xn_ident_summary_get(id, &s);
    /* the identified model: the nominal one with the consistent parameters */
    mi = xn_model_copy(m);
    coulomb = calloc((size_t)m->nv, sizeof(double));
    offset = calloc((size_t)m->nv, sizeof(double));
    if (!mi || !coulomb || !offset || xn_ident_apply(id, xn_ident_params(id), mi, &err) != XN_OK) {
        rc = xn_cli_error("identify: %s", mi ? err.message : "out of memory");
        goto done;
    }
    {
        const double *pi = xn_ident_params(id);
        int nd = xn_dyn_regressor_cols(m);
        for (int k = 0; k < m->nv; k++) {
            coulomb[k] = pi[nd + 3 * k + 1];
            offset[k] = pi[nd + 3 * k + 2];
        }
    }
    FILE *rep = NULL;
    char path[1024];
    if (out) {
        snprintf(path, sizeof path, "%s/report.txt", out);
        rep = fopen(path, "w");
    }
    for (int pass = 0; pass < 2; pass++) {
        FILE *f = pass == 0 ? (quiet ? NULL : stdout) : rep;
        if (!f) continue;
        fprintf(f, "model        %s (%d parameters)\n", model_path, s.nparam);
        fprintf(f, "samples      %d from %d log%s at %g Hz, %d joints; filter %g Hz zero-phase\n",
                s.nsamples, nlogs, nlogs > 1 ? "s" : "", rate, first.nj, cutoff);
        fprintf(f, "base         %d parameters identified of the model's %d; condition %.3g\n",
                s.nbase, s.nbase_model, s.condition);
        fprintf(f, "fit rms      nominal %.4g N m, least squares %.4g, consistent %.4g\n",
                s.rms_nominal, s.rms_base, s.rms_consistent);
        fprintf(f, "\n%-16s %10s\n", "joint", "sigma N m");
        for (int j = 0; j < first.nj; j++) fprintf(f, "%-16s %10.4g\n", first.joint[j], s.sigma[j]);
    }
    if (compare) {
        if (!(beta_cmp = compare_beta(id, m, compare))) goto done;
        if (!quiet) print_comparison(stdout, id, beta_cmp, compare);
        if (rep) print_comparison(rep, id, beta_cmp, compare);
    }
    for (int v = 0; v < nvals; v++) {
        xn_log vl = {0};
        int d2[64];
        validation val = {0};
        val.id = id;
        val.nj = first.nj;
        val.pred = calloc((size_t)first.nj, sizeof(double));
        if (xn_identify_read_log(m, vals[v], &vl, d2, &first) ||
            xn_identify_for_samples(m, &vl, dof, cutoff, rate, vals[v], validate_sample, &val)) {
            free(val.pred);
            xn_log_free(&vl);
            goto done;
        }
        /* the collision observer's largest residual per joint, each model */
        double pk_nom[64], pk_id[64];
        if (observer_peaks(m, &vl, dof, NULL, NULL, pk_nom) ||
            observer_peaks(mi, &vl, dof, coulomb, offset, pk_id)) {
            free(val.pred);
            xn_log_free(&vl);
            goto done;
        }
        double tn = 0, ti = 0;
        for (int pass = 0; pass < 2; pass++) {
            FILE *f = pass == 0 ? (quiet ? NULL : stdout) : rep;
            if (!f) continue;
            fprintf(f, "\nvalidation   %s (%d samples)\n%-16s %12s %12s %10s\n", vals[v], val.n,
                    "joint", "nominal rms", "identified", "reduction");
            tn = ti = 0;
            for (int j = 0; j < first.nj; j++) {
                double en = sqrt(val.e_nom[j] / val.n), ei = sqrt(val.e_id[j] / val.n);
                tn += val.e_nom[j];
                ti += val.e_id[j];
                fprintf(f, "%-16s %12.4g %12.4g %9.1f%%\n", first.joint[j], en, ei,
                        100 * (1 - ei / en));
            }
            tn = sqrt(tn / (val.n * first.nj));
            ti = sqrt(ti / (val.n * first.nj));
            fprintf(f, "%-16s %12.4g %12.4g %9.1f%%\n", "all", tn, ti, 100 * (1 - ti / tn));
            fprintf(f,
                    "collision observer (gain 400 1/s, every row): largest |residual| N m, the "
                    "threshold\nfor no false alarm on this motion\n%-16s %12s %12s\n",
                    "joint", "nominal", "identified");
            for (int j = 0; j < first.nj; j++)
                fprintf(f, "%-16s %12.4g %12.4g\n", first.joint[j], pk_nom[j], pk_id[j]);
        }
        free(val.pred);
        xn_log_free(&vl);
    }
    if (out) {
        snprintf(path, sizeof path, "%s/model.xml", out);
        char note[1200];
        snprintf(note, sizeof note,
                 "%s with the inertias, armatures, damping and friction xn identify dynamics "
                 "found from %d samples (%d base parameters); no geometry",
                 model_path, s.nsamples, s.nbase);
        if (xn_model_write_mjcf(mi, path, note, &err) != XN_OK) {
            rc = xn_cli_error("identify: %s", err.message);
            goto done;
        }
        write_outputs(out, id, m, &first, dof, beta_cmp);
        if (!quiet)
            printf("\nwritten      %s/{report.txt, model.xml, base_parameters.csv, "
                   "parameters.csv, friction.json}\n",
                   out);
    }
    if (rep) fclose(rep);
    rc = 0;
done:
    free(beta_cmp), free(coulomb), free(offset);
    xn_model_free(mi);
    xn_ident_free(id);
    xn_log_free(&first);
    xn_model_free(m);
    return rc;
}

int xn_cmd_identify(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2;
    }
    if (strcmp(argv[1], "dynamics") == 0) return identify_dynamics(argc - 1, argv + 1);
    if (strcmp(argv[1], "excite") == 0) return xn_identify_excite(argc - 1, argv + 1);
    if (strcmp(argv[1], "payload") == 0) return xn_identify_payload(argc - 1, argv + 1);
    usage(stderr);
    return xn_cli_error("identify: unknown kind '%s' (dynamics, payload or excite)", argv[1]);
}
