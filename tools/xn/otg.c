/* xn otg: trajectory generation from the command line.
 *   xn otg --in PROBLEMS.jsonl [--out RESULTS.jsonl] [--samples]
 *       problems in the format of tests/data/reference/otg (the same field names); per line the
 *       id, result, duration and the state at each time of the line's "sample_times" (with
 *       --samples: at the times of the line's "samples")
 *   xn otg --from P[,P..] --to P[,P..] --vmax V[,..] --amax A[,..] --jmax J[,..]
 *          [--csv FILE --dt 0.001]
 *       one rest-to-rest motion for a person to try; a single value applies to every DoF
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/json.h"
#include "xiaonao/otg.h"

#define MAXD XN_OTG_MAX_DOFS

/* A field of n numbers; "where" names the place for messages. Returns 0, or 1 after a message. */
static int field(const xn_json *j, const char *key, xn_real *out, int n, int required,
                 const char *where) {
    const xn_json *f = xn_json_get(j, key);
    if (!f) return required ? xn_cli_error("%s: missing \"%s\"", where, key) : 0;
    int k = xn_json_reals(f, out, n);
    if (k < 0) return xn_cli_error("%s: \"%s\" must be an array of numbers", where, key);
    if (k != n) return xn_cli_error("%s: \"%s\" has %d entries for %d DoFs", where, key, k, n);
    return 0;
}

static void write_state(FILE *f, const xn_trajectory *t, double time) {
    xn_real p[MAXD], v[MAXD], a[MAXD];
    xn_trajectory_at(t, time, p, v, a, NULL);
    fprintf(f, "{\"t\":%.17g,\"p\":", time);
    xn_cli_json_array(f, p, t->dofs);
    fputs(",\"v\":", f);
    xn_cli_json_array(f, v, t->dofs);
    fputs(",\"a\":", f);
    xn_cli_json_array(f, a, t->dofs);
    fputc('}', f);
}

static int run_line(const xn_json *j, const char *where, int use_samples, FILE *out) {
    if (j->type != XN_JSON_OBJECT)
        return xn_cli_error("%s: a problem must be a JSON object", where);
    const xn_json *nd = xn_json_get(j, "dofs");
    if (!nd || nd->type != XN_JSON_NUMBER || nd->num < 1 || nd->num > MAXD)
        return xn_cli_error("%s: \"dofs\" must be a number in 1..%d", where, MAXD);
    int n = (int)nd->num;
    xn_otg_problem p;
    xn_otg_problem_init(&p, n);
    const xn_json *itf = xn_json_get(j, "interface");
    if (itf && itf->type == XN_JSON_STRING && strcmp(itf->str, "velocity") == 0)
        p.interface = XN_OTG_VELOCITY;
    else if (itf && !(itf->type == XN_JSON_STRING && strcmp(itf->str, "position") == 0))
        return xn_cli_error("%s: \"interface\" must be \"position\" or \"velocity\"", where);
    const xn_json *sy = xn_json_get(j, "synchronization");
    if (sy && sy->type == XN_JSON_STRING) {
        if (strcmp(sy->str, "none") == 0)
            p.synchronization = XN_OTG_SYNC_NONE;
        else if (strcmp(sy->str, "phase") == 0)
            p.synchronization = XN_OTG_SYNC_PHASE;
        else if (strcmp(sy->str, "time") != 0)
            return xn_cli_error("%s: \"synchronization\" must be \"time\", \"phase\" or \"none\"",
                                where);
    }
    int vel = p.interface == XN_OTG_VELOCITY;
    if (field(j, "current_position", p.current_position, n, 1, where) ||
        field(j, "current_velocity", p.current_velocity, n, 1, where) ||
        field(j, "current_acceleration", p.current_acceleration, n, 1, where) ||
        field(j, "target_position", p.target_position, n, !vel, where) ||
        field(j, "target_velocity", p.target_velocity, n, 0, where) ||
        field(j, "target_acceleration", p.target_acceleration, n, 0, where) ||
        field(j, "max_velocity", p.max_velocity, n, !vel, where) ||
        field(j, "max_acceleration", p.max_acceleration, n, 1, where) ||
        field(j, "max_jerk", p.max_jerk, n, 1, where))
        return 1;
    const xn_json *md = xn_json_get(j, "minimum_duration");
    if (md && md->type == XN_JSON_NUMBER) p.minimum_duration = md->num;
    xn_trajectory t;
    xn_error e;
    xn_status r = xn_otg_calculate(&p, &t, &e);
    const xn_json *id = xn_json_get(j, "id");
    fprintf(out, "{\"id\":%.17g,\"result\":%d", id && id->type == XN_JSON_NUMBER ? id->num : -1,
            (int)r);
    if (r != XN_OK) {
        fprintf(out, ",\"error\":\"%s\"}\n", e.message);
        fprintf(stderr, "xn: %s: %s\n", where, e.message);
        return 0; /* the problem's own defect is reported in the result, not a tool failure */
    }
    fprintf(out, ",\"duration\":%.17g,\"samples\":[", t.duration);
    const xn_json *times = xn_json_get(j, "sample_times");
    const xn_json *ref = use_samples ? xn_json_get(j, "samples") : NULL;
    int first = 1;
    for (int k = 0; times && times->type == XN_JSON_ARRAY && k < times->n; k++)
        if (times->items[k].type == XN_JSON_NUMBER) {
            if (!first) fputc(',', out);
            write_state(out, &t, times->items[k].num);
            first = 0;
        }
    for (int k = 0; ref && ref->type == XN_JSON_ARRAY && k < ref->n; k++) {
        const xn_json *tt = xn_json_get(&ref->items[k], "t");
        if (!tt || tt->type != XN_JSON_NUMBER) continue;
        if (!first) fputc(',', out);
        write_state(out, &t, tt->num);
        first = 0;
    }
    fputs("]}\n", out);
    return 0;
}

typedef struct {
    int use_samples;
    FILE *out;
} otg_lines;

static int otg_line(void *ctx, const xn_json *j, const char *where) {
    const otg_lines *c = ctx;
    return run_line(j, where, c->use_samples, c->out);
}

static int file_mode(const char *in, const char *outp, int use_samples) {
    size_t len;
    char *text = xn_cli_slurp(in, &len);
    if (!text) return 1;
    FILE *out = outp ? fopen(outp, "w") : stdout;
    if (!out) {
        free(text);
        return xn_cli_error("otg: cannot write '%s'", outp);
    }
    otg_lines ctx = {use_samples, out};
    int rc = xn_cli_json_lines(text, in, otg_line, &ctx);
    if (out != stdout && fclose(out) != 0 && !rc)
        rc = xn_cli_error("otg: error writing '%s'", outp);
    free(text);
    return rc;
}

/* "1,2,3" -> values; a single value fills n entries. Returns the count, or -1. */
int xn_cmd_otg(int argc, char **argv) {
    const char *in = NULL, *outp = NULL, *csv = NULL, *opt[5] = {NULL, NULL, NULL, NULL, NULL};
    static const char *names[5] = {"--from", "--to", "--vmax", "--amax", "--jmax"};
    int use_samples = 0;
    double dt = 0.001;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int v = i + 1 < argc, matched = 0;
        for (int k = 0; k < 5; k++)
            if (strcmp(a, names[k]) == 0 && v) {
                opt[k] = argv[++i];
                matched = 1;
            }
        if (matched) continue;
        if (strcmp(a, "--in") == 0 && v)
            in = argv[++i];
        else if (strcmp(a, "--out") == 0 && v)
            outp = argv[++i];
        else if (strcmp(a, "--csv") == 0 && v)
            csv = argv[++i];
        else if (strcmp(a, "--dt") == 0 && v) {
            char *end;
            dt = strtod(argv[++i], &end);
            if (*end || !(dt > 0)) return xn_cli_error("otg: --dt must be a positive number");
        } else if (strcmp(a, "--samples") == 0)
            use_samples = 1;
        else if (strcmp(a, "--help") == 0) {
            printf("usage: xn otg --in PROBLEMS.jsonl [--out RESULTS.jsonl] [--samples]\n"
                   "       xn otg --from P,.. --to P,.. --vmax V,.. --amax A,.. --jmax J,.. [--csv "
                   "FILE --dt S]\n");
            return 0;
        } else
            return xn_cli_error("otg: unknown option or missing value '%s'", a);
    }
    if (in) return file_mode(in, outp, use_samples);
    for (int k = 0; k < 5; k++)
        if (!opt[k])
            return xn_cli_error("otg: give --in FILE, or all of --from --to --vmax --amax --jmax");
    xn_real vals[5][MAXD];
    int cnt[5], n = 0;
    for (int k = 0; k < 5; k++) {
        cnt[k] = xn_cli_list(opt[k], vals[k], MAXD);
        if (cnt[k] < 1)
            return xn_cli_error("otg: %s '%s' is not a list of numbers", names[k], opt[k]);
        if (cnt[k] > n) n = cnt[k];
    }
    for (int k = 0; k < 5; k++) {
        if (cnt[k] != 1 && cnt[k] != n)
            return xn_cli_error("otg: %s has %d values; give 1 or %d", names[k], cnt[k], n);
        for (int i = cnt[k]; i < n; i++) vals[k][i] = vals[k][0];
    }
    xn_otg_problem p;
    xn_otg_problem_init(&p, n);
    for (int i = 0; i < n; i++) {
        p.current_position[i] = vals[0][i];
        p.target_position[i] = vals[1][i];
        p.max_velocity[i] = vals[2][i];
        p.max_acceleration[i] = vals[3][i];
        p.max_jerk[i] = vals[4][i];
    }
    xn_trajectory t;
    xn_error e;
    if (xn_otg_calculate(&p, &t, &e) != XN_OK) return xn_cli_error("otg: %s", e.message);
    printf("duration %.9g s (%d DoF, time-synchronized)\n", t.duration, n);
    for (int i = 0; i < n; i++) {
        xn_real times[32], lo, hi, tlo, thi;
        int np = xn_trajectory_phase_times(&t, i, times, 32);
        xn_trajectory_extrema(&t, i, &lo, &tlo, &hi, &thi);
        printf("  DoF %d: %d phases, switching at", i, np);
        for (int k = 0; k < np && k < 32; k++) printf(" %.4g", times[k]);
        printf(" s; position in [%.6g, %.6g]\n", lo, hi);
    }
    if (csv) {
        FILE *f = fopen(csv, "w");
        if (!f) return xn_cli_error("otg: cannot write '%s'", csv);
        fprintf(f, "t");
        for (int i = 0; i < n; i++) fprintf(f, ",p%d,v%d,a%d,j%d", i, i, i, i);
        fputc('\n', f);
        long steps = (long)ceil(t.duration / dt);
        for (long k = 0; k <= steps; k++) {
            double tt = k * dt < t.duration ? k * dt : t.duration;
            xn_real P[MAXD], V[MAXD], A[MAXD], J[MAXD];
            xn_trajectory_at(&t, tt, P, V, A, J);
            fprintf(f, "%.9g", tt);
            for (int i = 0; i < n; i++)
                fprintf(f, ",%.12g,%.12g,%.12g,%.12g", P[i], V[i], A[i], J[i]);
            fputc('\n', f);
        }
        if (fclose(f) != 0) return xn_cli_error("otg: error writing '%s'", csv);
        printf("wrote %ld samples to %s\n", steps + 1, csv);
    }
    return 0;
}
