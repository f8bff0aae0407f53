/* xn run's record of a walking robot. SPDX-License-Identifier: Apache-2.0 */
#include "run_walk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    double t, cmd[3], pos[3], yaw, wz;
    double foot[2]; /* the first two contact sensors' forces (N) */
    int line;
} walk_row;

struct walk_log {
    walk_row *row;
    long n, cap;
};

walk_log *walk_log_create(void) { return calloc(1, sizeof(walk_log)); }

void walk_log_free(walk_log *w) {
    if (!w) return;
    free(w->row);
    free(w);
}

void walk_log_add(walk_log *w, double t, int line, const double cmd[3], const xn_hal *hal) {
    if (hal->nimu < 1 || hal->ntracker < 1) return;
    if (xn_cli_reserve((void **)&w->row, &w->cap, w->n, sizeof *w->row, 4096)) return;
    walk_row *r = &w->row[w->n++];
    r->t = t;
    r->line = line;
    memcpy(r->cmd, cmd, sizeof r->cmd);
    memcpy(r->pos, hal->tracker[0].position, sizeof r->pos);
    const xn_real *q = hal->imu[0].orientation; /* w x y z */
    r->yaw = atan2(2 * (q[0] * q[3] + q[1] * q[2]), 1 - 2 * (q[2] * q[2] + q[3] * q[3]));
    r->wz = hal->imu[0].angular_velocity[2];
    for (int k = 0; k < 2; k++) r->foot[k] = k < hal->ncontact ? hal->contact[k].force : 0;
}

/* the base's velocity in its heading frame at row i, by a centred difference over +-h rows */
static void velocity(const walk_log *w, long i, long h, double v[2]) {
    long a = i - h < 0 ? 0 : i - h, b = i + h >= w->n ? w->n - 1 : i + h;
    double dt = w->row[b].t - w->row[a].t;
    double vx = dt > 0 ? (w->row[b].pos[0] - w->row[a].pos[0]) / dt : 0;
    double vy = dt > 0 ? (w->row[b].pos[1] - w->row[a].pos[1]) / dt : 0;
    double c = cos(w->row[i].yaw), s = sin(w->row[i].yaw);
    v[0] = c * vx + s * vy;
    v[1] = -s * vx + c * vy;
}

char *walk_log_write(const walk_log *w, const xn_program *prog, const char *dir, FILE *out) {
    if (!w || w->n < 10) return NULL;
    double dt = (w->row[w->n - 1].t - w->row[0].t) / (double)(w->n - 1);
    long h = dt > 0 ? (long)(0.25 / dt) : 1, every = dt > 0 ? (long)(0.02 / dt) : 1;
    if (h < 1) h = 1;
    if (every < 1) every = 1;
    if (dir) {
        char path[1100];
        snprintf(path, sizeof path, "%s/locomotion.dat", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "# t cmd_vx cmd_vy cmd_wz vx vy wz height contact_1 contact_2\n");
            for (long i = 0; i < w->n; i += every) {
                double v[2];
                velocity(w, i, h, v);
                const walk_row *r = &w->row[i];
                fprintf(f, "%.3f %.3f %.3f %.3f %.4f %.4f %.4f %.4f %.1f %.1f\n", r->t, r->cmd[0],
                        r->cmd[1], r->cmd[2], v[0], v[1], r->wz, r->pos[2], r->foot[0], r->foot[1]);
            }
            fclose(f);
        }
    }
    /* each walk or stand line: the mean over its second half (the first is the transition) */
    size_t cap = 8192, len = 0;
    char *html = malloc(cap);
    if (!html) return NULL;
    len += (size_t)snprintf(html + len, cap - len,
                            "<table><tr><th>line</th><th>command vx, vy (m/s), yaw rate "
                            "(rad/s)</th><th>achieved</th><th>base height (m)</th></tr>\n");
    if (out) fprintf(out, "  walking      line  command (vx, vy, wz)      achieved\n");
    for (int k = 0; k < prog->n; k++) {
        const xn_instruction *in = &prog->ins[k];
        if (in->op != XN_OP_WALK && in->op != XN_OP_STAND) continue;
        long first = -1, last = -1;
        for (long i = 0; i < w->n; i++)
            if (w->row[i].line == in->line) {
                if (first < 0) first = i;
                last = i;
            }
        if (first < 0) continue;
        long from = first + (last - first) / 2;
        double sum[3] = {0, 0, 0}, height = 0;
        long n = 0;
        for (long i = from; i <= last; i++) {
            double v[2];
            velocity(w, i, h, v);
            sum[0] += v[0];
            sum[1] += v[1];
            sum[2] += w->row[i].wz;
            height += w->row[i].pos[2];
            n++;
        }
        const double *c = w->row[last].cmd;
        if (out)
            fprintf(out, "  %14d  %+.2f %+.2f %+.2f      %+.3f %+.3f %+.3f\n", in->line, c[0], c[1],
                    c[2], sum[0] / n, sum[1] / n, sum[2] / n);
        if (len + 400 < cap)
            len += (size_t)snprintf(html + len, cap - len,
                                    "<tr><td>%d</td><td>%+.2f, %+.2f, %+.2f</td><td>%+.3f, %+.3f, "
                                    "%+.3f</td><td>%.3f</td></tr>\n",
                                    in->line, c[0], c[1], c[2], sum[0] / n, sum[1] / n, sum[2] / n,
                                    height / n);
    }
    snprintf(html + len, cap - len, "</table>\n");
    return html;
}
