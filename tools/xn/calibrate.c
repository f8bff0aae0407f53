/* xn calibrate: the robot's geometry from measured positions of a point on it (xn_calib_* in
 * xiaonao/ident.h): poses to measure at, the measurements taken from a log of a tracker, and the
 * calibration with its corrected model. SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clearance.h"
#include "cli.h"
#include "run_log.h"
#include "xiaonao/ident.h"

#define MAX_J 16

static void usage(FILE *f) {
    fprintf(f,
            "usage: xn calibrate poses MODEL --out PROGRAM [--count N] [--range F] [--seed N]\n"
            "                          [--clearance M] [--min-height M]\n"
            "       xn calibrate measure LOG --out MEASUREMENTS.csv [--rest S]\n"
            "       xn calibrate MODEL MEASUREMENTS.csv [--validate MEASUREMENTS.csv]\n"
            "                    [--point FRAME] [--out DIR]\n\n"
            "poses: a program that stops the robot at N (default 40) random configurations,\n"
            "within F (0.8) of each joint's half-range about its centre, clear of the floor and\n"
            "(MuJoCo's scene) of itself, gravity under 60 %% of each joint's torque limit,\n"
            "moving at 0.3 of the rated speed and acceleration, and rests at each while the\n"
            "tracker measures.\n"
            "measure: from a log of xn run with a tracker (tool_x, tool_y, tool_z), one line per\n"
            "rest of at least S seconds (0.2): the joints and the point, averaged over the rest.\n"
            "MEASUREMENTS.csv: a header q_JOINT..., then x_m,y_m,z_m (or x_mm,y_mm,z_mm), one\n"
            "row per measurement (a laser tracker's export, or xn calibrate measure).\n"
            "calibrate: the joints' zero offsets, the bodies' origins, the point (--point: the\n"
            "frame measured, default tcp, else flange) and the tracker's placement; which of\n"
            "them the measurements can tell apart, each one's deviation per 10 um of tracker\n"
            "noise, the error before and after (and on --validate), and DIR/model.xml, the\n"
            "model with the corrected geometry.\n");
}

/* ---- poses ---- */

static int poses(int argc, char **argv) {
    const char *model_path = NULL, *out = NULL;
    double count = 40, range = 0.8, seed = 1, clearance = 0.03, min_height = 0.05;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        double *num = NULL, lo = 0, hi = 0;
        if (strcmp(a, "--out") == 0 && more)
            out = argv[++i];
        else if (strcmp(a, "--count") == 0 && more)
            num = &count, lo = 1, hi = 10000;
        else if (strcmp(a, "--range") == 0 && more)
            num = &range, lo = 0.05, hi = 0.95;
        else if (strcmp(a, "--seed") == 0 && more)
            num = &seed, lo = 0, hi = 4e9;
        else if (strcmp(a, "--clearance") == 0 && more)
            num = &clearance, lo = 0, hi = 0.5;
        else if (strcmp(a, "--min-height") == 0 && more)
            num = &min_height, lo = -10, hi = 10;
        else if (a[0] == '-')
            return xn_cli_error("calibrate poses: unknown option '%s' (or its value is missing)",
                                a);
        else if (!model_path)
            model_path = a;
        else
            return xn_cli_error("calibrate poses: one model, found also '%s'", a);
        if (num) {
            char *end;
            *num = strtod(argv[++i], &end);
            if (*end || !(*num >= lo && *num <= hi))
                return xn_cli_error("calibrate poses: %s takes a number in [%g, %g], not '%s'", a,
                                    lo, hi, argv[i]);
        }
    }
    if (!model_path || !out) {
        usage(stderr);
        return xn_cli_error("calibrate poses: a model and --out PROGRAM are needed");
    }
    xn_model *m = xn_cli_load(model_path, 0, 0);
    if (!m) return 1;
    int rc = 1, nj = 0, dof[MAX_J];
    double *q = calloc((size_t)m->nq, sizeof(double)),
           *centre = calloc((size_t)m->nq, sizeof(double)),
           *prev = calloc((size_t)m->nq, sizeof(double)),
           *mid = calloc((size_t)m->nq, sizeof(double));
    xn_clearance *cl = NULL;
    xn_data *d = xn_data_create(m);
    FILE *f = NULL;
    if (!q || !centre || !prev || !mid || !d) goto done;
    memcpy(centre, m->q_neutral, sizeof(double) * (size_t)m->nq);
    for (int b = 1; b < m->nbody && nj < MAX_J;
         b++) { /* the robot's joints, as a movej lists them */
        int qa = m->body_qadr[b];
        if (m->body_nv[b] == 1 && isfinite(m->q_lower[qa]) && isfinite(m->q_upper[qa]) &&
            m->q_upper[qa] - m->q_lower[qa] >= 0.5) {
            dof[nj++] = m->body_vadr[b];
            centre[qa] = (m->q_lower[qa] + m->q_upper[qa]) / 2;
        }
    }
    if (nj == 0) {
        rc = xn_cli_error("calibrate poses: %s has no joint with a range to move in", model_path);
        goto done;
    }
    if (!(cl = xn_clearance_open(m, model_path, dof, nj, clearance, min_height, centre))) goto done;
    if (!(f = fopen(out, "w"))) {
        rc = xn_cli_error("calibrate poses: cannot write %s: %s", out, strerror(errno));
        goto done;
    }
    fprintf(f,
            "# Calibration poses for %s (xn calibrate poses): %g configurations within %g of each\n"
            "# joint's half-range, clear of the floor by %g m and of the robot by %g m. The robot\n"
            "# rests 0.5 s at each, for the tracker. Then: xn run THIS --log poses.csv;\n"
            "# xn calibrate measure poses.csv --out measurements.csv\n\n",
            model_path, count, range, min_height, clearance);
    unsigned s = (unsigned)seed * 2654435761u + 7;
    int made = 0;
    for (int tries = 0; made < (int)count && tries < 1000 * (int)count; tries++) {
        memcpy(q, centre, sizeof(double) * (size_t)m->nq);
        for (int j = 0; j < nj; j++) {
            int qa = m->body_qadr[m->dof_body[dof[j]]];
            double half = (m->q_upper[qa] - m->q_lower[qa]) / 2;
            s = s * 1664525u + 1013904223u;
            q[qa] = centre[qa] + range * half * (2 * ((s >> 8) / 16777216.0) - 1);
        }
        /* the way there from the last pose (a joint motion: close to a straight line in joint
         * space) clear, and every configuration on it held with torque to spare: gravity
         * under 60 % of each joint's limit */
        int ok = 1;
        for (int step = 1; step <= 20 && ok; step++) {
            double u = step / 20.0;
            for (int i = 0; i < m->nq; i++) mid[i] = made ? prev[i] + u * (q[i] - prev[i]) : q[i];
            ok = xn_clearance_ok(cl, mid);
            xn_dyn_gravity(m, d, mid);
            for (int j = 0; j < nj && ok; j++)
                ok = fabs(d->g[dof[j]]) <= 0.6 * m->dof_effort[dof[j]];
        }
        if (!ok) continue;
        memcpy(prev, q, sizeof(double) * (size_t)m->nq);
        fprintf(f, "movej [");
        for (int j = 0; j < nj; j++)
            fprintf(f, "%s%.6f", j ? ", " : "", q[m->body_qadr[m->dof_body[dof[j]]]]);
        fprintf(f, "] speed 0.3 accel 0.3\nwait until settled 0.002\nwait 0.5\n");
        made++;
    }
    if (made < (int)count) {
        rc = xn_cli_error("calibrate poses: only %d clear configurations found of %g", made, count);
        goto done;
    }
    printf("poses        %s: %d configurations\n", out, made);
    rc = 0;
done:
    if (f) fclose(f);
    xn_clearance_close(cl);
    xn_data_free(d);
    free(q), free(centre), free(prev), free(mid);
    xn_model_free(m);
    return rc;
}

/* ---- measure ---- */

static int measure(int argc, char **argv) {
    const char *log_path = NULL, *out = NULL;
    double rest = 0.2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--rest") == 0 && i + 1 < argc) {
            char *end;
            rest = strtod(argv[++i], &end);
            if (*end || !(rest > 0 && rest < 100))
                return xn_cli_error("calibrate measure: --rest takes seconds in (0, 100)");
        } else if (a[0] == '-') {
            return xn_cli_error("calibrate measure: unknown option '%s'", a);
        } else {
            log_path = a;
        }
    }
    if (!log_path || !out) {
        usage(stderr);
        return xn_cli_error("calibrate measure: a log and --out MEASUREMENTS.csv are needed");
    }
    xn_log log;
    if (xn_log_read(log_path, &log)) return 1;
    int rc = 1, nmeas = 0;
    FILE *o = NULL;
    if (!log.tool) {
        xn_cli_error("%s: not a log of xn run with a tracker (tool_x, tool_y, tool_z columns): "
                     "the scene needs a framepos sensor on the measured site",
                     log_path);
        goto done;
    }
    if (log.nj > MAX_J) {
        xn_cli_error("%s: %d joints: calibration takes at most %d", log_path, log.nj, MAX_J);
        goto done;
    }
    if (!(o = fopen(out, "w"))) {
        xn_cli_error("calibrate measure: cannot write %s: %s", out, strerror(errno));
        goto done;
    }
    for (int j = 0; j < log.nj; j++) fprintf(o, "q_%s,", log.joint[j]);
    fprintf(o, "x_m,y_m,z_m\n");
    /* each run of rows at rest (every joint under 1e-4 rad/s, the controller running) that
     * lasts `rest` seconds gives one measurement: its last `rest` seconds averaged */
    for (int r = 0; r < log.nrow;) {
        int end = r;
        while (end < log.nrow && log.running[end]) {
            int still = 1;
            for (int j = 0; j < log.nj; j++) still &= fabs(log.qd[(size_t)end * log.nj + j]) < 1e-4;
            if (!still) break;
            end++;
        }
        if (end > r && log.t[end - 1] - log.t[r] >= rest) {
            double mean[MAX_J + 3] = {0};
            int used = 0;
            for (int i = end - 1; i >= r && log.t[end - 1] - log.t[i] <= rest; i--, used++) {
                for (int j = 0; j < log.nj && j < MAX_J; j++)
                    mean[j] += log.q[(size_t)i * log.nj + j];
                for (int k = 0; k < 3; k++) mean[MAX_J + k] += log.tool[3 * (size_t)i + k];
            }
            for (int j = 0; j < log.nj && j < MAX_J; j++) fprintf(o, "%.9f,", mean[j] / used);
            fprintf(o, "%.9f,%.9f,%.9f\n", mean[MAX_J] / used, mean[MAX_J + 1] / used,
                    mean[MAX_J + 2] / used);
            nmeas++;
        }
        r = end > r ? end : r + 1;
    }
    printf("measurements %s: %d rests of %g s or more\n", out, nmeas, rest);
    rc = nmeas > 0 ? 0 : xn_cli_error("%s: the robot never rested %g s", log_path, rest);
done:
    if (o) fclose(o);
    xn_log_free(&log);
    return rc;
}

/* ---- calibrate ---- */

/* Measurements: the joints (mapped to the calibration's order) and the point (m). */
typedef struct {
    int n, nj;
    double *q, *p;
} measurements;

static int read_measurements(const char *path, const xn_model *m, const int *dof, int nj,
                             measurements *ms) {
    memset(ms, 0, sizeof *ms);
    size_t len;
    char *text = xn_cli_slurp(path, &len);
    if (!text) return 1;
    int rc = 1, ncol = 0, map[64], pcol = -1;
    double unit = 1;
    char *save = NULL, *line = strtok_r(text, "\n", &save), *f[64];
    for (char *c = line; line && ncol < 64; c = NULL) {
        char *tok = strtok(c, ",\r");
        if (!tok) break;
        f[ncol++] = tok;
    }
    for (int j = 0; j < nj; j++) map[j] = -1;
    for (int i = 0; i < ncol; i++) {
        if (strncmp(f[i], "q_", 2) == 0) {
            int b = xn_model_joint_body(m, f[i] + 2), found = 0;
            for (int j = 0; j < nj && b >= 0; j++)
                if (m->body_vadr[b] == dof[j]) map[j] = i, found = 1;
            if (!found) {
                xn_cli_error("%s:1: column %s: not one of the model's joints", path, f[i]);
                goto done;
            }
        } else if (f[i][0] == 'x' && f[i][1] == '_') {
            pcol = i;
            if (strcmp(f[i], "x_m") == 0)
                unit = 1;
            else if (strcmp(f[i], "x_mm") == 0)
                unit = 1e-3;
            else {
                xn_cli_error("%s:1: column %s: positions in m (x_m) or mm (x_mm)", path, f[i]);
                goto done;
            }
        }
    }
    for (int j = 0; j < nj; j++)
        if (map[j] < 0) {
            xn_cli_error("%s:1: no column q_%s", path, m->joint_name[m->dof_body[dof[j]]]);
            goto done;
        }
    if (pcol < 0 || pcol + 2 >= ncol) {
        xn_cli_error("%s:1: no x_m,y_m,z_m (or x_mm,y_mm,z_mm) columns", path);
        goto done;
    }
    int cap = 0, lineno = 1;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        lineno++;
        int n = 0;
        for (char *c = line; n < 64; c = NULL) {
            char *tok = strtok(c, ",\r");
            if (!tok) break;
            f[n++] = tok;
        }
        if (n == 0) continue;
        if (n != ncol) {
            xn_cli_error("%s:%d: %d fields where the header has %d", path, lineno, n, ncol);
            goto done;
        }
        if (ms->n == cap) {
            cap = cap ? 2 * cap : 64;
            double *q = realloc(ms->q, sizeof(double) * (size_t)cap * nj);
            if (q) ms->q = q;
            double *p = realloc(ms->p, sizeof(double) * (size_t)cap * 3);
            if (p) ms->p = p;
            if (!q || !p) {
                xn_cli_error("out of memory");
                goto done;
            }
        }
        for (int c = 0; c < nj + 3; c++) {
            int col = c < nj ? map[c] : pcol + c - nj;
            char *end;
            double x = strtod(f[col], &end);
            if (end == f[col] || *end || !isfinite(x)) {
                xn_cli_error("%s:%d: column %d: \"%s\" is not a finite number", path, lineno,
                             col + 1, f[col]);
                goto done;
            }
            if (c < nj)
                ms->q[(size_t)ms->n * nj + c] = x;
            else
                ms->p[(size_t)ms->n * 3 + c - nj] = x * unit;
        }
        ms->n++;
    }
    ms->nj = nj;
    rc = 0;
done:
    free(text);
    if (rc) free(ms->q), free(ms->p), memset(ms, 0, sizeof *ms);
    return rc;
}

static int calibrate(int argc, char **argv) {
    const char *model_path = NULL, *meas_path = NULL, *val_path = NULL, *point = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--validate") == 0 && more)
            val_path = argv[++i];
        else if (strcmp(a, "--point") == 0 && more)
            point = argv[++i];
        else if (strcmp(a, "--out") == 0 && more)
            out = argv[++i];
        else if (a[0] == '-')
            return xn_cli_error("calibrate: unknown option '%s' (or its value is missing)", a);
        else if (!model_path)
            model_path = a;
        else if (!meas_path)
            meas_path = a;
        else
            return xn_cli_error("calibrate: one model and one measurement file, found also '%s'",
                                a);
    }
    if (!model_path || !meas_path) {
        usage(stderr);
        return xn_cli_error("calibrate: a model and a measurement file are needed");
    }
    if (out && mkdir(out, 0777) != 0 && errno != EEXIST)
        return xn_cli_error("calibrate: cannot make the folder %s: %s", out, strerror(errno));
    xn_model *m = xn_cli_load(model_path, 0, 0);
    if (!m) return 1;
    int rc = 1, nj = 0, dof[MAX_J];
    measurements ms = {0}, vs = {0};
    xn_calib *c = NULL;
    xn_model *mc = NULL;
    xn_error err;
    int f = xn_model_frame_id(m, point ? point : "tcp");
    if (f < 0 && !point) f = xn_model_frame_id(m, "flange");
    if (f < 0) {
        rc = xn_cli_error("calibrate: %s has no frame %s", model_path, point ? point : "tcp");
        goto done;
    }
    int body = m->frame_body[f];
    for (int b = body; b > 0; b = m->body_parent[b]) /* the joints on the way, root first */
        if (m->body_nv[b] == 1 && nj < MAX_J) {
            memmove(dof + 1, dof, sizeof(int) * (size_t)nj);
            dof[0] = m->body_vadr[b];
            nj++;
        }
    if (read_measurements(meas_path, m, dof, nj, &ms)) goto done;
    if (val_path && read_measurements(val_path, m, dof, nj, &vs)) goto done;
    if (xn_calib_create(m, body, m->frame_placement[f].p, nj, dof, &c, &err) != XN_OK) {
        rc = xn_cli_error("calibrate: %s", err.message);
        goto done;
    }
    for (int s = 0; s < ms.n; s++)
        if (xn_calib_add(c, ms.q + (size_t)s * nj, ms.p + 3 * s, &err) != XN_OK) {
            rc = xn_cli_error("calibrate: %s: %s", meas_path, err.message);
            goto done;
        }
    if (xn_calib_solve(c, &err) != XN_OK) {
        rc = xn_cli_error("calibrate: %s: %s", meas_path, err.message);
        goto done;
    }
    xn_calib_summary s;
    xn_calib_summary_get(c, &s);
    FILE *rep = NULL;
    char path[1024];
    if (out) {
        snprintf(path, sizeof path, "%s/report.txt", out);
        rep = fopen(path, "w");
    }
    double vb = 0, va = 0, vbm = 0, vam = 0;
    for (int k = 0; k < vs.n; k++) {
        double pn[3], pc[3], en = 0, ec = 0;
        xn_calib_predict(c, vs.q + (size_t)k * nj, 0, pn);
        xn_calib_predict(c, vs.q + (size_t)k * nj, 1, pc);
        for (int r = 0; r < 3; r++) {
            en += pow(pn[r] - vs.p[3 * k + r], 2);
            ec += pow(pc[r] - vs.p[3 * k + r], 2);
        }
        vb += en, va += ec, vbm = fmax(vbm, sqrt(en)), vam = fmax(vam, sqrt(ec));
    }
    for (int pass = 0; pass < 2; pass++) {
        FILE *o = pass ? rep : stdout;
        if (!o) continue;
        fprintf(o, "model        %s, point %s on %s\n", model_path, m->frame_name[f],
                m->body_name[body]);
        fprintf(o, "measurements %d (%s); %d of %d parameters identified; observability %.3g\n",
                s.nmeas, meas_path, s.nidentified, s.nparam, s.observability);
        fprintf(o,
                "fit          rms %.4f mm, largest %.4f mm before (tracker placed); after rms "
                "%.4f mm, largest %.4f mm\n",
                1e3 * s.rms_before, 1e3 * s.max_before, 1e3 * s.rms_after, 1e3 * s.max_after);
        if (vs.n > 0)
            fprintf(o,
                    "validation   %d measurements (%s): rms %.4f mm, largest %.4f mm before; "
                    "rms %.4f mm, largest %.4f mm after\n",
                    vs.n, val_path, 1e3 * sqrt(vb / vs.n), 1e3 * vbm, 1e3 * sqrt(va / vs.n),
                    1e3 * vam);
        fprintf(o, "\n%-22s %12s %16s  %s\n", "parameter", "value", "std per 10 um", "");
        for (int k = 0; k < s.nparam; k++) {
            xn_calib_param cp;
            xn_calib_param_get(c, k, &cp);
            int angle = strstr(cp.name, ".offset") || strstr(cp.name, ".r");
            const char *u = angle ? "mrad" : "mm";
            if (cp.identified)
                fprintf(o, "%-22s %9.4f %-4s %11.4f %-4s\n", cp.name, 1e3 * cp.value, u,
                        1e3 * 1e-5 * cp.std_per_noise, u);
            else
                fprintf(o, "%-22s %14s  not identifiable: %s\n", cp.name, "-",
                        cp.with[0] ? cp.with : "no effect on the point");
        }
    }
    if (out) {
        mc = xn_model_copy(m);
        snprintf(path, sizeof path, "%s/model.xml", out);
        char note[1200];
        snprintf(note, sizeof note,
                 "%s with the geometry xn calibrate found from %d measurements of %s (rms %.4f "
                 "mm after); no geometry of shapes",
                 model_path, s.nmeas, m->frame_name[f], 1e3 * s.rms_after);
        int applied = mc && xn_calib_apply(c, mc, &err) == XN_OK;
        if (applied) /* the measured point's frame moves by the point's error */
            for (int k = 0; k < s.nparam; k++) {
                xn_calib_param cp;
                xn_calib_param_get(c, k, &cp);
                if (strncmp(cp.name, "point.", 6) == 0)
                    mc->frame_placement[f].p[cp.name[6] - 'x'] += cp.value;
            }
        if (!applied || xn_model_write_mjcf(mc, path, note, &err) != XN_OK) {
            if (rep) fclose(rep);
            rc = xn_cli_error("calibrate: %s", mc ? err.message : "out of memory");
            goto done;
        }
        printf("\nwritten      %s/{report.txt, model.xml}\n", out);
    }
    if (rep) fclose(rep);
    rc = 0;
done:
    xn_calib_free(c);
    xn_model_free(mc);
    free(ms.q), free(ms.p), free(vs.q), free(vs.p);
    xn_model_free(m);
    return rc;
}

int xn_cmd_calibrate(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2;
    }
    if (strcmp(argv[1], "poses") == 0) return poses(argc - 1, argv + 1);
    if (strcmp(argv[1], "measure") == 0) return measure(argc - 1, argv + 1);
    return calibrate(argc - 1, argv + 1);
}
