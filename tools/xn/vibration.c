/* Residual vibration from an xn run log. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vibration.h"

#define MAX_WINDOW 1.0

typedef struct {
    double t;
    int line;
    int rest;
    double q[XN_OTG_MAX_DOFS];
    double p[3];
} row;

/* Split a CSV line in place into fields (no quotes before the events column matter here). */
static int split(char *line, char **f, int cap) {
    int n = 0;
    f[n++] = line;
    for (char *c = line; *c && n < cap; c++)
        if (*c == ',') {
            *c = 0;
            f[n++] = c + 1;
        }
    return n;
}

int xn_vib_analyse(const char *log_path, double min_window, xn_vib_report *out) {
    return xn_vib_analyse_to(log_path, min_window, out, NULL);
}

int xn_vib_analyse_to(const char *log_path, double min_window, xn_vib_report *out,
                      const char *dat_path) {
    memset(out, 0, sizeof *out);
    size_t len;
    char *text = xn_cli_slurp(log_path, &len);
    if (!text) return 1;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    if (!line || strncmp(line, "time,line,state", 15) != 0) {
        free(text);
        return xn_cli_error("%s: not a log written by xn run", log_path);
    }
    char *f[512];
    int nf = split(line, f, 512), tx = -1, nj = 0, qcol[XN_OTG_MAX_DOFS], vcol[XN_OTG_MAX_DOFS],
        acol[XN_OTG_MAX_DOFS];
    for (int i = 0; i < nf; i++) {
        if (strcmp(f[i], "tool_x") == 0) tx = i;
        if (strncmp(f[i], "qref_", 5) == 0 && nj < XN_OTG_MAX_DOFS) {
            qcol[nj] = i;
            vcol[nj] = i + 1;
            acol[nj] = i + 2;
            nj++;
        }
    }
    if (tx < 0) {
        free(text);
        return xn_cli_error("%s: the log has no tool position (tool_x, tool_y, tool_z): the robot "
                            "needs a position tracker (a framepos sensor in the scene)",
                            log_path);
    }
    size_t cap = 1 << 14, n = 0;
    row *rows = malloc(cap * sizeof *rows);
    while (rows && (line = strtok_r(NULL, "\n", &save))) {
        if (n == cap) {
            row *r2 = realloc(rows, 2 * cap * sizeof *rows);
            if (!r2) break;
            rows = r2;
            cap *= 2;
        }
        int k = split(line, f, 512);
        if (k <= tx + 2) continue;
        row *r = &rows[n];
        r->t = atof(f[0]);
        r->line = atoi(f[1]);
        r->rest = strcmp(f[2], "running") == 0 || strcmp(f[2], "done") == 0;
        for (int j = 0; j < nj; j++) {
            r->q[j] = atof(f[qcol[j]]);
            if (atof(f[vcol[j]]) != 0 || atof(f[acol[j]]) != 0) r->rest = 0;
        }
        for (int c = 0; c < 3; c++) r->p[c] = atof(f[tx + c]);
        n++;
    }
    free(text);
    if (!rows) return xn_cli_error("out of memory");
    out->nj = nj;
    double dt = n > 1 ? rows[1].t - rows[0].t : 0.001;
    double *xyz = malloc(3 * n * sizeof *xyz + 1), *work = malloc(n * sizeof *work + 1);
    FILE *dat = dat_path ? fopen(dat_path, "w") : NULL;
    for (size_t i = 1; i < n && out->n < XN_VIB_MAX_MOTIONS; i++) {
        if (!rows[i].rest || rows[i - 1].rest) continue; /* a stop: rest after motion */
        size_t end = i;
        while (end + 1 < n && rows[end + 1].rest && rows[end + 1].t - rows[i].t <= MAX_WINDOW)
            end++;
        double window = rows[end].t - rows[i].t;
        if (window < min_window) continue;
        xn_vib_stop *s = &out->stop[out->n++];
        s->t_stop = rows[i].t;
        s->window = window;
        s->line = rows[i - 1].line;
        memcpy(s->q, rows[i].q, sizeof s->q);
        /* where it settles: the mean over the window's last fifth */
        double fin[3] = {0, 0, 0};
        int k = 0;
        for (size_t j = i; j <= end; j++)
            if (rows[end].t - rows[j].t <= window / 5) {
                for (int c = 0; c < 3; c++) fin[c] += rows[j].p[c];
                k++;
            }
        for (int c = 0; c < 3; c++) fin[c] /= k;
        for (size_t j = i; j <= end; j++) {
            double d = sqrt(pow(rows[j].p[0] - fin[0], 2) + pow(rows[j].p[1] - fin[1], 2) +
                            pow(rows[j].p[2] - fin[2], 2));
            if (d > s->residual) s->residual = d;
            if (d > 1e-4) s->settling = rows[j].t - rows[i].t;
            if (dat) fprintf(dat, "%.4f %.6f\n", rows[j].t, d * 1e3);
        }
        if (dat) fputs("\n\n", dat);
        int m = 0;
        for (size_t j = i; j <= end && xyz; j++, m++)
            memcpy(&xyz[3 * m], rows[j].p, sizeof rows[j].p);
        s->has_mode = xyz && work && xn_mode_identify3(xyz, m, dt, work, &s->mode) == XN_OK;
    }
    if (dat) fclose(dat);
    free(xyz);
    free(work);
    free(rows);
    return 0;
}
