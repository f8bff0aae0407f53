/* xn iso9283: the ISO 9283 pose and path tests: a plan (the test cube, its poses P1-P5, the
 * cycles) written as a robot program, and the report from a log of it with a tracker on the
 * measured point (xiaonao/iso9283.h). SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "io/json.h"
#include "run_log.h"
#include "xiaonao/iso9283.h"

#define DEG (3.14159265358979323846 / 180)
#define MAX_VISITS 4096

static void usage(FILE *f) {
    fprintf(f, "usage: xn iso9283 plan MODEL --out PROGRAM [--centre X,Y,Z] [--size M]\n"
               "                       [--rpy R,P,Y] [--cycles N] [--path-cycles N] [--speed V]\n"
               "                       [--dwell S] [--point FRAME]\n"
               "       xn iso9283 report LOG --plan PROGRAM.json --out DIR [--band M]\n\n"
               "plan: the test cube (edge --size m, default 0.3, centred at --centre, default\n"
               "0.5,0,0.4 m in the base frame), its diagonal plane C1-C2-C7-C8 and the poses P1\n"
               "(the centre) and P2-P5 (on the plane's diagonals, a tenth of their length from\n"
               "the corners), the tool at --rpy (default 180,0,0 degrees); --cycles (default 30)\n"
               "of P1, P5, P4, P3, P2 by straight lines at --speed m/s (default 0.5), resting\n"
               "--dwell s (default 0.6) at each; then --path-cycles (default 10) of the straight\n"
               "path P2 -> P4 and of P4 -> P3 -> P2, stopping at the corner P3. --point: the\n"
               "frame the tracker measures (default tcp), made the\n"
               "tool. PROGRAM.json beside it says which line is which.\n"
               "report: pose accuracy and repeatability (AP, RP) per pose, distance accuracy and\n"
               "repeatability (AD, RD, P2-P4), stabilization time and overshoot (within --band m\n"
               "of the attained pose, default 0.1 mm), drift of AP and RP (first and last ten\n"
               "cycles), path accuracy and repeatability (AT, RT), cornering round-off and\n"
               "overshoot at P3 (CR, CO); DIR/report.txt, DIR/poses.csv\n"
               "(every attained pose), DIR/index.html (the figures and scatter plots).\n");
}

static int parse_list(const char *opt, const char *s, double *v, int n) {
    if (xn_cli_list(s, v, n) != n)
        return xn_cli_error("iso9283: %s takes %d numbers separated by commas, not '%s'", opt, n,
                            s);
    return 0;
}

/* ---- plan ---- */

static int plan(int argc, char **argv) {
    const char *model_path = NULL, *out = NULL, *point = "tcp";
    double centre[3] = {0.5, 0, 0.4}, rpy[3] = {180, 0, 0}, size = 0.3, cycles = 30,
           path_cycles = 10, speed = 0.5, dwell = 0.6;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        double *num = NULL, lo = 0, hi = 0;
        if (strcmp(a, "--out") == 0 && more) {
            out = argv[++i];
        } else if (strcmp(a, "--point") == 0 && more) {
            point = argv[++i];
        } else if (strcmp(a, "--centre") == 0 && more) {
            if (parse_list(a, argv[++i], centre, 3)) return 1;
        } else if (strcmp(a, "--rpy") == 0 && more) {
            if (parse_list(a, argv[++i], rpy, 3)) return 1;
        } else if (strcmp(a, "--size") == 0 && more) {
            num = &size, lo = 0.01, hi = 5;
        } else if (strcmp(a, "--cycles") == 0 && more) {
            num = &cycles, lo = 2, hi = 1000;
        } else if (strcmp(a, "--path-cycles") == 0 && more) {
            num = &path_cycles, lo = 0, hi = 1000;
        } else if (strcmp(a, "--speed") == 0 && more) {
            num = &speed, lo = 0.001, hi = 10;
        } else if (strcmp(a, "--dwell") == 0 && more) {
            num = &dwell, lo = 0.3, hi = 60;
        } else if (a[0] == '-') {
            return xn_cli_error("iso9283 plan: unknown option '%s' (or its value is missing)", a);
        } else if (!model_path) {
            model_path = a;
        } else {
            return xn_cli_error("iso9283 plan: one model, found also '%s'", a);
        }
        if (num) {
            char *end;
            *num = strtod(argv[++i], &end);
            if (*end || !(*num >= lo && *num <= hi))
                return xn_cli_error("iso9283 plan: %s takes a number in [%g, %g], not '%s'", a, lo,
                                    hi, argv[i]);
        }
    }
    if (!model_path || !out) {
        usage(stderr);
        return xn_cli_error("iso9283 plan: a model and --out PROGRAM are needed");
    }
    if (cycles != round(cycles) || path_cycles != round(path_cycles))
        return xn_cli_error("iso9283 plan: --cycles and --path-cycles take whole numbers");
    xn_model *m = xn_cli_load(model_path, 0, 0);
    if (!m) return 1;
    int rc = 1, fl = xn_model_frame_id(m, "flange"), pt = xn_model_frame_id(m, point);
    FILE *f = NULL, *j = NULL;
    if (fl < 0 || pt < 0 || m->frame_body[fl] != m->frame_body[pt]) {
        rc = xn_cli_error("iso9283 plan: %s needs a flange frame and the frame %s on its body",
                          model_path, point);
        goto done;
    }
    /* the tool: the measured point's frame seen from the flange, as x y z roll pitch yaw */
    xn_se3 Fi, T;
    xn_se3_inv(&Fi, &m->frame_placement[fl]);
    xn_se3_mul(&T, &Fi, &m->frame_placement[pt]);
    double tool[6] = {
        T.p[0], T.p[1], T.p[2], atan2(T.R[7], T.R[8]), asin(-T.R[6]), atan2(T.R[3], T.R[0])};
    /* the cube's plane C1 C2 C7 C8 and the poses on it */
    double h = size / 2, C[4][3], P[5][3];
    double corner[4][3] = {{-h, -h, -h}, {h, h, -h}, {h, h, h}, {-h, -h, h}}; /* C1 C2 C7 C8 */
    for (int k = 0; k < 4; k++)
        for (int r = 0; r < 3; r++) C[k][r] = centre[r] + corner[k][r];
    for (int r = 0; r < 3; r++) {
        P[0][r] = centre[r];
        P[1][r] = C[0][r] + 0.1 * (C[2][r] - C[0][r]); /* P2 near C1 on C1-C7 */
        P[2][r] = C[1][r] + 0.1 * (C[3][r] - C[1][r]); /* P3 near C2 on C2-C8 */
        P[3][r] = C[2][r] + 0.1 * (C[0][r] - C[2][r]); /* P4 near C7 */
        P[4][r] = C[3][r] + 0.1 * (C[1][r] - C[3][r]); /* P5 near C8 */
    }
    char json_path[4096];
    snprintf(json_path, sizeof json_path, "%s.json", out);
    if (!(f = fopen(out, "w")) || !(j = fopen(json_path, "w"))) {
        rc =
            xn_cli_error("iso9283 plan: cannot write %s: %s", f ? json_path : out, strerror(errno));
        goto done;
    }
    int line = 1;
#define LINE(...) (fprintf(f, __VA_ARGS__), line++)
    LINE("# ISO 9283 pose and path tests for %s (xn iso9283 plan): cube of %g m at [%g, %g, %g],\n",
         model_path, size, centre[0], centre[1], centre[2]);
    LINE("# %g cycles of P1 P5 P4 P3 P2 at %g m/s resting %g s, then %g of the path P2 -> P4 and\n",
         cycles, speed, dwell, path_cycles);
    LINE("# of P4 -> P3 -> P2 (a corner at P3, stopping there).\n");
    LINE("# Then: xn run THIS --log iso.csv; xn iso9283 report iso.csv --plan %s --out DIR\n",
         json_path);
    LINE("set tool [%.9g, %.9g, %.9g, %.9g, %.9g, %.9g]\n", tool[0], tool[1], tool[2], tool[3],
         tool[4], tool[5]);
    for (int k = 0; k < 5; k++)
        LINE("pose P%d = p[%.9g, %.9g, %.9g, %gdeg, %gdeg, %gdeg]\n", k + 1, P[k][0], P[k][1],
             P[k][2], rpy[0], rpy[1], rpy[2]);
    LINE("movej P2 speed 0.3 accel 0.3\n"); /* where a cycle ends, so the first moves to P1 */
    LINE("wait until settled 0.001\n");
    fprintf(j, "{\n  \"model\": \"%s\",\n  \"size\": %.9g,\n  \"centre\": [%.9g, %.9g, %.9g],\n",
            model_path, size, centre[0], centre[1], centre[2]);
    fprintf(j, "  \"poses\": [");
    for (int k = 0; k < 5; k++)
        fprintf(j, "%s[%.9g, %.9g, %.9g]", k ? ", " : "", P[k][0], P[k][1], P[k][2]);
    fprintf(j, "],\n  \"dwell\": %.9g,\n  \"visits\": [", dwell);
    static const int order[5] = {0, 4, 3, 2, 1}; /* P1 P5 P4 P3 P2 */
    int first = 1;
    for (int c = 0; c < (int)cycles; c++)
        for (int k = 0; k < 5; k++) {
            LINE("movel P%d speed %g\n", order[k] + 1, speed);
            fprintf(j, "%s\n    {\"cycle\": %d, \"pose\": %d, \"rest\": %d}", first ? "" : ",", c,
                    order[k], line); /* the wait after the motion */
            first = 0;
            LINE("wait %g\n", dwell);
        }
    /* the paths start where the pose cycles end, at P2: P2 -> P4 measured; then P4 -> P3 -> P2
     * with an exact stop at the corner P3, back at P2 for the next */
    fprintf(j, "\n  ],\n  \"paths\": [");
    first = 1;
    int corner_in[1000], corner_out[1000];
    for (int c = 0; c < (int)path_cycles; c++) {
        fprintf(j, "%s\n    {\"cycle\": %d, \"from\": 1, \"to\": 3, \"motion\": %d}",
                first ? "" : ",", c, line);
        first = 0;
        LINE("movel P4 speed %g\n", speed);
        LINE("wait %g\n", dwell);
        corner_in[c] = line;
        LINE("movel P3 speed %g\n", speed);
        corner_out[c] = line;
        LINE("movel P2 speed %g\n", speed);
        LINE("wait %g\n", dwell);
    }
    fprintf(j, "\n  ],\n  \"corners\": [");
    for (int c = 0; c < (int)path_cycles; c++)
        fprintf(j, "%s\n    {\"cycle\": %d, \"corner\": 2, \"in\": %d, \"out\": %d}", c ? "," : "",
                c, corner_in[c], corner_out[c]);
    fprintf(j, "\n  ]\n}\n");
#undef LINE
    printf("plan         %s and %s: %g cycles of 5 poses, %g paths\n", out, json_path, cycles,
           path_cycles);
    rc = 0;
done:
    if (f) fclose(f);
    if (j) fclose(j);
    xn_model_free(m);
    return rc;
}

/* ---- report ---- */

typedef struct {
    int cycle, pose, line;
    double att[3], stab, over; /* attained position, stabilization time (NaN: never settled),
                                  overshoot */
} visit;

/* The rows of one program line, [first, last). */
static int rows_of_line(const xn_log *log, int line, int from, int *first, int *last) {
    int i = from;
    while (i < log->nrow && log->program_line[i] != line) i++;
    if (i == log->nrow) return 0;
    *first = i;
    while (i < log->nrow && log->program_line[i] == line) i++;
    *last = i;
    return 1;
}

static void svg_scatter(FILE *f, const char *title, const visit *v, int nv, int pose,
                        const double *mean) {
    /* deviation of each attained pose from the barycentre, x-y and x-z, micrometres */
    double span = 1e-9;
    for (int k = 0; k < nv; k++)
        if (v[k].pose == pose)
            for (int r = 0; r < 3; r++) span = fmax(span, fabs(v[k].att[r] - mean[r]));
    fprintf(f, "<figure><svg width='360' height='190' viewBox='0 0 360 190'>");
    for (int panel = 0; panel < 2; panel++) {
        double x0 = 10 + 180 * panel;
        fprintf(f, "<rect x='%g' y='10' width='160' height='160' fill='none' stroke='#888'/>", x0);
        fprintf(f, "<line x1='%g' y1='90' x2='%g' y2='90' stroke='#ddd'/>", x0, x0 + 160);
        fprintf(f, "<line x1='%g' y1='10' x2='%g' y2='170' stroke='#ddd'/>", x0 + 80, x0 + 80);
        fprintf(f, "<text x='%g' y='185' font-size='10'>x, %s (+-%.1f um)</text>", x0,
                panel ? "z" : "y", 1e6 * span);
        for (int k = 0; k < nv; k++) {
            if (v[k].pose != pose) continue;
            double dx = (v[k].att[0] - mean[0]) / span,
                   dy = (v[k].att[panel ? 2 : 1] - mean[panel ? 2 : 1]) / span;
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='2' fill='#c33'/>", x0 + 80 + 75 * dx,
                    90 - 75 * dy);
        }
    }
    fprintf(f, "</svg><figcaption>%s</figcaption></figure>\n", title);
}

static int report(int argc, char **argv) {
    const char *log_path = NULL, *plan_path = NULL, *out = NULL;
    double band = 1e-4;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--plan") == 0 && more)
            plan_path = argv[++i];
        else if (strcmp(a, "--out") == 0 && more)
            out = argv[++i];
        else if (strcmp(a, "--band") == 0 && more) {
            char *end;
            band = strtod(argv[++i], &end);
            if (*end || !(band > 0 && band < 1))
                return xn_cli_error("iso9283 report: --band takes metres in (0, 1)");
        } else if (a[0] == '-')
            return xn_cli_error("iso9283 report: unknown option '%s' (or its value is missing)", a);
        else
            log_path = a;
    }
    if (!log_path || !plan_path || !out) {
        usage(stderr);
        return xn_cli_error("iso9283 report: a log, --plan PROGRAM.json and --out DIR are needed");
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return xn_cli_error("iso9283 report: cannot make the folder %s: %s", out, strerror(errno));
    xn_json *pj = xn_cli_json_file(plan_path);
    if (!pj) return 1;
    int rc = 1, nv = 0, np = 0;
    visit *v = calloc(MAX_VISITS, sizeof *v);
    xn_log log = {0};
    double P[5][3];
    const xn_json *poses = xn_json_get(pj, "poses"), *visits = xn_json_get(pj, "visits"),
                  *paths = xn_json_get(pj, "paths"), *jd = xn_json_get(pj, "dwell");
    FILE *rep = NULL, *csv = NULL, *html = NULL;
    double **path_pts = NULL;
    int *path_n = NULL;
    if (!v || !poses || poses->type != XN_JSON_ARRAY || poses->n != 5 || !visits ||
        visits->type != XN_JSON_ARRAY || !paths || paths->type != XN_JSON_ARRAY || !jd ||
        jd->type != XN_JSON_NUMBER) {
        xn_cli_error("%s: not a plan written by xn iso9283 plan (poses, dwell, visits, paths)",
                     plan_path);
        goto done;
    }
    for (int k = 0; k < 5; k++)
        if (xn_json_reals(&poses->items[k], P[k], 3) != 3) {
            xn_cli_error("%s: pose P%d is not three numbers", plan_path, k + 1);
            goto done;
        }
    if (xn_log_read(log_path, &log)) goto done;
    if (!log.tool || !log.program_line) {
        xn_cli_error("%s: the log has no tracker (tool_x, tool_y, tool_z) or no line column: run "
                     "the plan on a robot with a position tracker on the measured point",
                     log_path);
        goto done;
    }
    /* every visit: the rest after the motion to the pose */
    int from = 0;
    for (int k = 0; k < visits->n && nv < MAX_VISITS; k++) {
        const xn_json *jc = xn_json_get(&visits->items[k], "cycle"),
                      *jp = xn_json_get(&visits->items[k], "pose"),
                      *jl = xn_json_get(&visits->items[k], "rest");
        if (!jc || !jp || !jl || jp->num < 0 || jp->num > 4) {
            xn_cli_error("%s: visit %d is not {cycle, pose, rest}", plan_path, k);
            goto done;
        }
        visit *w = &v[nv++];
        w->cycle = (int)jc->num, w->pose = (int)jp->num, w->line = (int)jl->num;
        int a, b;
        if (!rows_of_line(&log, w->line, from, &a, &b)) {
            xn_cli_error("%s: the rest at line %d (cycle %d, P%d) is not in the log: did the run "
                         "end early?",
                         log_path, w->line, w->cycle + 1, w->pose + 1);
            goto done;
        }
        from = b;
        xn_error err;
        if (xn_iso9283_stabilization(log.t + a, log.tool + 3 * a, b - a, log.t[a], 0.2, band,
                                     &w->stab, &w->over, &err) != XN_OK)
            w->stab = NAN; /* it never settled within the band: said as NaN */
        double s[3] = {0, 0, 0};
        int n = 0;
        for (int i = b - 1; i >= a && log.t[b - 1] - log.t[i] <= 0.2; i--, n++)
            for (int r = 0; r < 3; r++) s[r] += log.tool[3 * i + r];
        for (int r = 0; r < 3; r++) w->att[r] = s[r] / n;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/report.txt", out);
    rep = fopen(path, "w");
    snprintf(path, sizeof path, "%s/poses.csv", out);
    csv = fopen(path, "w");
    snprintf(path, sizeof path, "%s/index.html", out);
    html = fopen(path, "w");
    if (!rep || !csv || !html) {
        xn_cli_error("iso9283 report: cannot write into %s", out);
        goto done;
    }
    fprintf(csv, "cycle,pose,x_m,y_m,z_m,stabilization_s,overshoot_m\n");
    for (int k = 0; k < nv; k++)
        fprintf(csv, "%d,P%d,%.9f,%.9f,%.9f,%.4f,%.9f\n", v[k].cycle + 1, v[k].pose + 1,
                v[k].att[0], v[k].att[1], v[k].att[2], v[k].stab, v[k].over);
    fprintf(html,
            "<!doctype html><meta charset='utf-8'><title>ISO 9283 report</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:2px 8px;"
            "text-align:right}figure{display:inline-block;margin:0.5em}</style>"
            "<h1>ISO 9283 pose and path characteristics</h1><p>Log <code>%s</code>, plan "
            "<code>%s</code>. Positions from the tracker; orientation not measured.</p>\n",
            log_path, plan_path);
    xn_iso_pose pr[5];
    double stab_max[5], over_max[5];
    for (int p = 0; p < 5; p++) {
        double *att = malloc(sizeof(double) * 3 * (size_t)nv);
        int n = 0;
        stab_max[p] = over_max[p] = 0;
        for (int k = 0; k < nv && att; k++)
            if (v[k].pose == p) {
                memcpy(att + 3 * n, v[k].att, sizeof v[k].att);
                n++;
                if (isfinite(v[k].stab)) stab_max[p] = fmax(stab_max[p], v[k].stab);
                over_max[p] = fmax(over_max[p], v[k].over);
            }
        xn_error err;
        if (!att || xn_iso9283_pose(P[p], att, n, &pr[p], &err) != XN_OK) {
            free(att);
            xn_cli_error("iso9283 report: P%d: %s", p + 1, att ? err.message : "out of memory");
            goto done;
        }
        free(att);
    }
    /* distance P2 - P4, cycle by cycle */
    double ad = 0, rd = 0;
    {
        double *a1 = malloc(sizeof(double) * 3 * (size_t)nv),
               *a2 = malloc(sizeof(double) * 3 * (size_t)nv);
        int n = 0;
        for (int k = 0; k < nv && a1 && a2; k++) {
            if (v[k].pose != 1) continue;
            for (int l = 0; l < nv; l++)
                if (v[l].pose == 3 && v[l].cycle == v[k].cycle) {
                    memcpy(a1 + 3 * n, v[k].att, sizeof v[k].att);
                    memcpy(a2 + 3 * n, v[l].att, sizeof v[l].att);
                    n++;
                }
        }
        xn_error err;
        if (!a1 || !a2 || xn_iso9283_distance(P[1], P[3], a1, a2, n, &ad, &rd, &err) != XN_OK) {
            free(a1), free(a2);
            xn_cli_error("iso9283 report: distance: %s", a1 && a2 ? err.message : "out of memory");
            goto done;
        }
        free(a1), free(a2);
    }
    /* drift: P1's AP and RP over the first and the last ten cycles */
    double dap = NAN, drp = NAN;
    {
        double first[30], last[30];
        int nf = 0, nl = 0, ncyc = 0;
        for (int k = 0; k < nv; k++) ncyc = v[k].cycle + 1 > ncyc ? v[k].cycle + 1 : ncyc;
        for (int k = 0; k < nv && ncyc >= 20; k++) {
            if (v[k].pose != 0) continue;
            if (v[k].cycle < 10) memcpy(first + 3 * nf++, v[k].att, sizeof v[k].att);
            if (v[k].cycle >= ncyc - 10) memcpy(last + 3 * nl++, v[k].att, sizeof v[k].att);
        }
        xn_iso_pose a, b;
        if (nf >= 2 && nl >= 2 && xn_iso9283_pose(P[0], first, nf, &a, NULL) == XN_OK &&
            xn_iso9283_pose(P[0], last, nl, &b, NULL) == XN_OK) {
            dap = fabs(a.ap - b.ap);
            drp = fabs(a.rp - b.rp);
        }
    }
    /* path P2 -> P4 */
    double at = NAN, rt = NAN;
    np = paths->n;
    path_pts = calloc((size_t)np + 1, sizeof *path_pts);
    path_n = calloc((size_t)np + 1, sizeof *path_n);
    if (np >= 2 && path_pts && path_n) {
        from = 0;
        for (int k = 0; k < np; k++) {
            const xn_json *jl = xn_json_get(&paths->items[k], "motion");
            int a, b;
            if (!jl || !rows_of_line(&log, (int)jl->num, from, &a, &b)) {
                xn_cli_error("%s: path %d's motion is not in the log", log_path, k + 1);
                goto done;
            }
            from = b;
            path_pts[k] = log.tool + 3 * a;
            path_n[k] = b - a;
        }
        double cmd[6] = {P[1][0], P[1][1], P[1][2], P[3][0], P[3][1], P[3][2]};
        xn_error err;
        if (xn_iso9283_path(cmd, 2, (const double *const *)path_pts, path_n, np, 9, 0.05, &at, &rt,
                            &err) != XN_OK) {
            xn_cli_error("iso9283 report: path: %s", err.message);
            goto done;
        }
    }
    /* the corner at P3: the path from the motion into it to the end of the motion out of it */
    double cr = NAN, co = NAN;
    const xn_json *corners = xn_json_get(pj, "corners");
    if (corners && corners->type == XN_JSON_ARRAY && corners->n > 0) {
        cr = co = 0;
        from = 0;
        for (int k = 0; k < corners->n; k++) {
            const xn_json *ji = xn_json_get(&corners->items[k], "in"),
                          *jo = xn_json_get(&corners->items[k], "out");
            int a, b, a2, b2;
            if (!ji || !jo || !rows_of_line(&log, (int)ji->num, from, &a, &b) ||
                !rows_of_line(&log, (int)jo->num, b, &a2, &b2)) {
                xn_cli_error("%s: corner %d's motions are not in the log", log_path, k + 1);
                goto done;
            }
            from = b2;
            double dir[3] = {P[1][0] - P[2][0], P[1][1] - P[2][1], P[1][2] - P[2][2]}, c1, c2;
            xn_error err;
            if (xn_iso9283_corner(P[2], dir, log.tool + 3 * a, b2 - a, &c1, &c2, &err) != XN_OK) {
                xn_cli_error("iso9283 report: corner: %s", err.message);
                goto done;
            }
            cr = fmax(cr, c1);
            co = fmax(co, c2);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        FILE *o = pass ? rep : stdout;
        fprintf(o, "ISO 9283 from %s (%d visits of 5 poses, %d paths); positions only\n", log_path,
                nv, np);
        fprintf(o, "%-5s %10s %10s %10s %10s %10s %12s %12s\n", "pose", "AP mm", "AP_x mm",
                "AP_y mm", "AP_z mm", "RP mm", "stab. s", "overshoot mm");
        for (int p = 0; p < 5; p++)
            fprintf(o, "P%-4d %10.4f %10.4f %10.4f %10.4f %10.4f %12.3f %12.4f\n", p + 1,
                    1e3 * pr[p].ap, 1e3 * pr[p].ap_axis[0], 1e3 * pr[p].ap_axis[1],
                    1e3 * pr[p].ap_axis[2], 1e3 * pr[p].rp, stab_max[p], 1e3 * over_max[p]);
        fprintf(o, "distance P2-P4: AD %.4f mm, RD %.4f mm\n", 1e3 * ad, 1e3 * rd);
        fprintf(o, "drift (P1, first and last ten cycles): dAP %.4f mm, dRP %.4f mm\n", 1e3 * dap,
                1e3 * drp);
        fprintf(o, "path P2 -> P4 (9 planes): AT %.4f mm, RT %.4f mm\n", 1e3 * at, 1e3 * rt);
        fprintf(o,
                "corner at P3 (exact stop), the largest over the cycles: CR %.4f mm, CO %.4f mm\n",
                1e3 * cr, 1e3 * co);
        fprintf(o,
                "stabilization: within %.4f mm of the attained pose (the mean of its last "
                "0.2 s), from the end of the motion; the largest over the cycles\n",
                1e3 * band);
    }
    fprintf(html, "<table><tr><th>pose</th><th>AP mm</th><th>AP<sub>x</sub></th><th>AP<sub>y"
                  "</sub></th><th>AP<sub>z</sub></th><th>RP mm</th><th>stabilization s</th>"
                  "<th>overshoot mm</th></tr>\n");
    for (int p = 0; p < 5; p++)
        fprintf(html,
                "<tr><td>P%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>"
                "<td>%.4f</td><td>%.3f</td><td>%.4f</td></tr>\n",
                p + 1, 1e3 * pr[p].ap, 1e3 * pr[p].ap_axis[0], 1e3 * pr[p].ap_axis[1],
                1e3 * pr[p].ap_axis[2], 1e3 * pr[p].rp, stab_max[p], 1e3 * over_max[p]);
    fprintf(html,
            "</table><p>Distance P2–P4: AD %.4f mm, RD %.4f mm. Drift (P1): dAP %.4f mm, "
            "dRP %.4f mm. Path P2→P4: AT %.4f mm, RT %.4f mm.</p>\n",
            1e3 * ad, 1e3 * rd, 1e3 * dap, 1e3 * drp, 1e3 * at, 1e3 * rt);
    for (int p = 0; p < 5; p++) {
        char title[64];
        snprintf(title, sizeof title, "P%d: attained poses about their barycentre", p + 1);
        svg_scatter(html, title, v, nv, p, pr[p].mean);
    }
    printf("written      %s/{report.txt, poses.csv, index.html}\n", out);
    rc = 0;
done:
    if (rep) fclose(rep);
    if (csv) fclose(csv);
    if (html) fclose(html);
    free(path_pts), free(path_n);
    xn_log_free(&log);
    xn_json_free(pj);
    free(v);
    return rc;
}

int xn_cmd_iso9283(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2;
    }
    if (strcmp(argv[1], "plan") == 0) return plan(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0) return report(argc - 1, argv + 1);
    usage(stderr);
    return xn_cli_error("iso9283: plan or report, not '%s'", argv[1]);
}
