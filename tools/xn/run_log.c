/* Reading `xn run --log` CSV files for analysis. SPDX-License-Identifier: Apache-2.0 */
#include "run_log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Split a CSV line in place, honouring double quotes (the events column). */
static int split_csv(char *line, char **f, int cap) {
    int n = 0, quoted = 0;
    f[n++] = line;
    for (char *c = line; *c; c++) {
        if (*c == '"') quoted = !quoted;
        if (*c == ',' && !quoted) {
            if (n == cap) return -1;
            *c = 0;
            f[n++] = c + 1;
        }
    }
    return n;
}

#define MAX_JOINTS 64

/* A column to read and where its number goes. */
typedef struct {
    int col;
    double *dst;
} field;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void xn_log_free(xn_log *log) {
    free(log->joint), free(log->t), free(log->q), free(log->qd), free(log->tau);
    free(log->running), free(log->line), free(log->program_line), free(log->tool);
    memset(log, 0, sizeof *log);
}

int xn_log_read(const char *path, xn_log *log) {
    memset(log, 0, sizeof *log);
    size_t len;
    char *text = xn_cli_slurp(path, &len);
    if (!text) return 1;
    int rc = xn_log_parse(text, path, log);
    free(text);
    return rc;
}

int xn_log_parse(char *text, const char *path, xn_log *log) {
    memset(log, 0, sizeof *log);
    enum { CAP = 1024 };
    char **f = malloc(sizeof(char *) * CAP);
    int *qc = malloc(sizeof(int) * CAP), *vc = malloc(sizeof(int) * CAP),
        *tc = malloc(sizeof(int) * CAP);
    int rc = 1, ncol = 0, tcol = -1, scol = -1, lcol = -1, xcol = -1, nj = 0;
    long cap = 0;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    int lineno = 1;
    if (!f || !qc || !vc || !tc) {
        xn_cli_error("out of memory");
        goto done;
    }
    if (!line || (ncol = split_csv(line, f, CAP)) < 2) {
        xn_cli_error("%s: empty, or not a CSV log written by xn run", path);
        goto done;
    }
    for (int i = 0; i < ncol; i++) {
        if (strcmp(f[i], "time") == 0) tcol = i;
        if (strcmp(f[i], "state") == 0) scol = i;
        if (strcmp(f[i], "line") == 0) lcol = i;
        if (strcmp(f[i], "tool_x") == 0 && i + 2 < ncol && strcmp(f[i + 1], "tool_y") == 0 &&
            strcmp(f[i + 2], "tool_z") == 0)
            xcol = i;
    }
    log->joint = calloc(CAP, sizeof *log->joint);
    for (int i = 0; i < ncol && log->joint; i++) {
        if (strncmp(f[i], "q_", 2) != 0) continue;
        const char *name = f[i] + 2;
        if (nj == MAX_JOINTS) {
            xn_cli_error("%s:1: more than %d joints", path, MAX_JOINTS);
            goto done;
        }
        snprintf(log->joint[nj], sizeof log->joint[nj], "%s", name);
        qc[nj] = i;
        vc[nj] = tc[nj] = -1;
        for (int k = 0; k < ncol; k++) {
            if (strncmp(f[k], "qd_", 3) == 0 && strcmp(f[k] + 3, name) == 0) vc[nj] = k;
            if (strncmp(f[k], "tau_", 4) == 0 && strcmp(f[k] + 4, name) == 0) tc[nj] = k;
        }
        if (vc[nj] < 0 || tc[nj] < 0) {
            xn_cli_error("%s:1: joint %s has a position column but no %s column", path, name,
                         vc[nj] < 0 ? "velocity (qd_)" : "torque (tau_)");
            goto done;
        }
        nj++;
    }
    if (tcol < 0 || nj == 0) {
        xn_cli_error("%s:1: not a log written by xn run: it needs a time column and q_, qd_, "
                     "tau_ columns per joint",
                     path);
        goto done;
    }
    log->nj = nj;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        lineno++;
        if (!*line || *line == '\r') continue;
        int n = split_csv(line, f, CAP);
        if (n != ncol) {
            xn_cli_error("%s:%d: %d fields where the header has %d", path, lineno, n, ncol);
            goto done;
        }
        long r = log->nrow;
        if (r == cap) {
            long nc = cap ? 2 * cap : 4096;
            double *t = realloc(log->t, sizeof(double) * (size_t)nc);
            if (t) log->t = t;
            double *q = realloc(log->q, sizeof(double) * (size_t)(nc * nj));
            if (q) log->q = q;
            double *qd = realloc(log->qd, sizeof(double) * (size_t)(nc * nj));
            if (qd) log->qd = qd;
            double *tau = realloc(log->tau, sizeof(double) * (size_t)(nc * nj));
            if (tau) log->tau = tau;
            unsigned char *run = realloc(log->running, (size_t)nc);
            if (run) log->running = run;
            int *ln = realloc(log->line, sizeof(int) * (size_t)nc);
            if (ln) log->line = ln;
            int *pl = lcol < 0 ? NULL : realloc(log->program_line, sizeof(int) * (size_t)nc);
            if (pl) log->program_line = pl;
            double *tool = xcol < 0 ? NULL : realloc(log->tool, sizeof(double) * (size_t)(3 * nc));
            if (tool) log->tool = tool;
            if (!t || !q || !qd || !tau || !run || !ln || (lcol >= 0 && !pl) ||
                (xcol >= 0 && !tool)) {
                xn_cli_error("out of memory reading %s", path);
                goto done;
            }
            cap = nc;
        }
        field want[4 + 3 * MAX_JOINTS];
        int nw = 0;
        want[nw++] = (field){tcol, &log->t[r]};
        double line_value = 0;
        if (lcol >= 0) want[nw++] = (field){lcol, &line_value};
        for (int k = 0; k < 3 && xcol >= 0; k++)
            want[nw++] = (field){xcol + k, &log->tool[3 * r + k]};
        for (int j = 0; j < nj; j++) {
            want[nw++] = (field){qc[j], &log->q[r * nj + j]};
            want[nw++] = (field){vc[j], &log->qd[r * nj + j]};
            want[nw++] = (field){tc[j], &log->tau[r * nj + j]};
        }
        for (int w = 0; w < nw; w++) {
            char *end;
            double x = strtod(f[want[w].col], &end);
            if (end == f[want[w].col] || (*end && *end != '\r') || !isfinite(x)) {
                xn_cli_error("%s:%d: column %d (%s): \"%s\" is not a finite number", path, lineno,
                             want[w].col + 1,
                             want[w].col == tcol   ? "time"
                             : want[w].col == lcol ? "the program's line"
                             : xcol >= 0 && want[w].col >= xcol && want[w].col < xcol + 3
                                 ? "the tracker's position"
                                 : "a joint's signal",
                             f[want[w].col]);
                goto done;
            }
            *want[w].dst = x;
        }
        log->running[r] = scol < 0 || strcmp(f[scol], "running") == 0;
        if (lcol >= 0) log->program_line[r] = (int)line_value;
        log->line[r] = lineno;
        if (r > 0 && !(log->t[r] > log->t[r - 1])) {
            xn_cli_error("%s:%d: time %g s does not increase (the line before has %g s)", path,
                         lineno, log->t[r], log->t[r - 1]);
            goto done;
        }
        log->nrow++;
    }
    if (log->nrow < 3) {
        xn_cli_error("%s: %d rows: too short to analyse", path, log->nrow);
        goto done;
    }
    /* gaps: a period over 1.5 times the median */
    double *dt = malloc(sizeof(double) * (size_t)(log->nrow - 1));
    if (!dt) goto done;
    for (int r = 1; r < log->nrow; r++) dt[r - 1] = log->t[r] - log->t[r - 1];
    qsort(dt, (size_t)(log->nrow - 1), sizeof(double), cmp_double);
    double median = dt[(log->nrow - 1) / 2];
    free(dt);
    for (int r = 1; r < log->nrow; r++)
        if (log->t[r] - log->t[r - 1] > 1.5 * median) {
            xn_cli_error("%s:%d: a gap in the log: %g s to %g s where rows are %g s apart", path,
                         log->line[r], log->t[r - 1], log->t[r], median);
            goto done;
        }
    rc = 0;
done:
    free(f), free(qc), free(vc), free(tc);
    if (rc) xn_log_free(log);
    return rc;
}
