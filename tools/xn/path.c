/* xn path: plan a Cartesian motion of one frame (lines through waypoints, blended, or an arc)
 * and time it optimally, for a person trying it. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAXW 32
#define MAXQ 64

static int usage(FILE *f) {
    fprintf(
        f, "usage: xn path MODEL FRAME --q0 Q,.. --to X,Y,Z,R,P,Y [--to ...] [--via X,Y,Z]\n"
           "               [--blend R] [--speed V] [--accel A] [--vmax V] [--amax A]\n"
           "               [--csv FILE] [--dt S]\n\n"
           "From the frame's pose at joint configuration q0, straight lines through each --to\n"
           "pose (metres; roll, pitch, yaw in rad), blended with radius --blend (m) at inner\n"
           "waypoints; with --via X,Y,Z a single arc through that point to the one --to. The\n"
           "path is sampled in joint space by IK and timed optimally under --vmax and --amax\n"
           "(each joint, rad/s and rad/s^2; default 2 and 10) and the tool's --speed (m/s,\n"
           "default 0.25) and --accel (m/s^2, default 1.2). --csv writes t, s, the joints and the\n"
           "frame's position every --dt seconds (default 0.001).\n");
    return f == stdout ? 0 : 1;
}

static double num(const char *opt, const char *s, int *bad) {
    char *end;
    double x = strtod(s, &end);
    if (*end || !isfinite(x) || x <= 0) {
        xn_cli_error("path: %s expects a positive number, got '%s'", opt, s);
        *bad = 1;
    }
    return x;
}

int xn_cmd_path(int argc, char **argv) {
    const char *model = NULL, *frame_name = NULL, *q0s = NULL, *via = NULL, *csv = NULL;
    const char *to[MAXW];
    int nto = 0, bad = 0;
    double blend = 0, speed = 0.25, accel = 1.2, vmax = 2, amax = 10, dt = 0.001;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(stdout);
        if (a[0] == '-' && !more) return xn_cli_error("path: %s needs a value", a);
        if (strcmp(a, "--q0") == 0)
            q0s = argv[++i];
        else if (strcmp(a, "--to") == 0) {
            if (nto == MAXW) return xn_cli_error("path: at most %d --to poses", MAXW);
            to[nto++] = argv[++i];
        } else if (strcmp(a, "--via") == 0)
            via = argv[++i];
        else if (strcmp(a, "--csv") == 0)
            csv = argv[++i];
        else if (strcmp(a, "--blend") == 0)
            blend = num(a, argv[++i], &bad);
        else if (strcmp(a, "--speed") == 0)
            speed = num(a, argv[++i], &bad);
        else if (strcmp(a, "--accel") == 0)
            accel = num(a, argv[++i], &bad);
        else if (strcmp(a, "--vmax") == 0)
            vmax = num(a, argv[++i], &bad);
        else if (strcmp(a, "--amax") == 0)
            amax = num(a, argv[++i], &bad);
        else if (strcmp(a, "--dt") == 0)
            dt = num(a, argv[++i], &bad);
        else if (a[0] == '-')
            return xn_cli_error("path: unknown option %s (see xn path --help)", a);
        else if (!model)
            model = a;
        else if (!frame_name)
            frame_name = a;
        else
            return xn_cli_error("path: unexpected argument '%s'", a);
    }
    if (bad) return 1;
    if (!model || !frame_name || !q0s || nto == 0) return usage(stderr);
    if (via && nto != 1) return xn_cli_error("path: an arc (--via) goes to exactly one --to");
    xn_model *m = xn_cli_load(model, 0, 0);
    if (!m) return 1;
    int rc = 1, frame = xn_model_frame_id(m, frame_name);
    xn_data *d = xn_data_create(m);
    xn_ik *ik = NULL;
    xn_joint_path *jp = NULL;
    xn_topp *tp = NULL;
    xn_path *path = malloc(sizeof *path);
    double *q0 = calloc((size_t)m->nq + 1, sizeof *q0);
    xn_waypoint wp[MAXW + 1];
    memset(wp, 0, sizeof wp);
    if (frame < 0) {
        xn_cli_error("path: %s has no frame named '%s'", model, frame_name);
        goto out;
    }
    if (m->nq != m->nv) {
        xn_cli_error("path: the model has free or ball joints; use a fixed-base model");
        goto out;
    }
    double v[MAXQ];
    int n1 = 0;
    for (int b = 1; b < m->nbody; b++) n1 += m->body_nq[b] == 1;
    if (xn_cli_list(q0s, v, MAXQ) != n1) {
        xn_cli_error("path: --q0 needs %d numbers (one per joint), got '%s'", n1, q0s);
        goto out;
    }
    for (int b = 1, k = 0; b < m->nbody; b++)
        if (m->body_nq[b] == 1) q0[m->body_qadr[b]] = v[k++];
    xn_se3 X;
    xn_dyn_fk(m, d, q0);
    xn_dyn_frame_placement(m, d, frame, &X);
    memcpy(wp[0].p, X.p, sizeof X.p);
    memcpy(wp[0].R, X.R, sizeof X.R);
    for (int k = 0; k < nto; k++) {
        double pv[6];
        if (xn_cli_list(to[k], pv, 6) != 6) {
            xn_cli_error("path: --to '%s' is not six numbers X,Y,Z,ROLL,PITCH,YAW", to[k]);
            goto out;
        }
        memcpy(wp[k + 1].p, pv, 3 * sizeof(double));
        xn_rot_rpy(pv[3], pv[4], pv[5], wp[k + 1].R);
        wp[k + 1].blend = k + 1 < nto ? blend : 0;
        wp[k + 1].line = k + 1;
    }
    if (via) {
        if (xn_cli_list(via, wp[1].via, 3) != 3) {
            xn_cli_error("path: --via '%s' is not three numbers X,Y,Z", via);
            goto out;
        }
        wp[1].is_arc = 1;
    }
    xn_error perr;
    if (xn_path_build(path, 3, 1, wp, nto + 1, 0, &perr) != XN_OK) {
        xn_cli_error("path: --to number %d: %s", perr.index, perr.message);
        goto out;
    }
    int N = (int)ceil(path->length / 0.001) + 1;
    N = N < 51 ? 51 : (N > 4001 ? 4001 : N);
    xn_ik_create(m, frame, &ik, NULL); /* frame was looked up above */
    xn_error ierr;
    if (xn_joint_path_create(N, m->nq, m->nv, 1, &jp, &ierr) ||
        xn_topp_create(N, m->nv, &tp, &ierr)) {
        xn_cli_error("path: %s: %s", ierr.file, ierr.message);
        goto out;
    }
    if (xn_path_to_joints(path, ik, NULL, NULL, q0, 50, jp, &ierr) != XN_OK) {
        xn_cli_error("path: %s", ierr.message);
        rc = 2;
        goto out;
    }
    double *vm = malloc(sizeof(double) * (size_t)m->nv),
           *am = malloc(sizeof(double) * (size_t)m->nv);
    for (int k = 0; k < m->nv; k++) vm[k] = vmax, am[k] = amax;
    xn_topp_limits lim = {vm, am, NULL, speed, accel, NULL};
    xn_error terr;
    xn_status ts = xn_topp_solve(tp, m, d, jp, &lim, &terr);
    free(vm);
    free(am);
    if (ts != XN_OK) {
        xn_cli_error("path: no admissible speed profile: %s", terr.message);
        rc = 2;
        goto out;
    }
    printf("path: %d segment%s, %.4f m of path, %d samples; time-optimal duration %.4f s\n",
           path->n, path->n == 1 ? "" : "s", path->length, N, tp->duration);
    double peak = 0, tool = 0;
    for (int i = 0; i < N; i++) {
        double sd = sqrt(tp->x[i]), sp = 0;
        for (int k = 0; k < m->nv; k++) peak = fmax(peak, fabs(jp->dq[(size_t)i * m->nv + k]) * sd);
        for (int k = 0; k < 3; k++) sp += jp->dp[3 * i + k] * jp->dp[3 * i + k];
        tool = fmax(tool, sqrt(sp) * sd);
    }
    printf("  peak tool speed %.4f m/s (limit %g), peak joint speed %.4f rad/s (limit %g)\n", tool,
           speed, peak, vmax);
    if (csv) {
        FILE *f = fopen(csv, "w");
        if (!f) {
            xn_cli_error("path: cannot write %s", csv);
            goto out;
        }
        fprintf(f, "t,s");
        for (int b = 1; b < m->nbody; b++)
            if (m->body_nq[b] == 1) fprintf(f, ",%s", m->joint_name[b]);
        fprintf(f, ",x,y,z\n");
        for (double t = 0;; t += dt) {
            double s, sd, sdd, x[3];
            xn_topp_at(tp, jp->s, t, &s, &sd, &sdd);
            xn_path_eval(path, s, x, NULL, NULL, NULL, NULL);
            int i = (int)(s / path->length * (N - 1) + 0.5);
            fprintf(f, "%.6f,%.9g", t, s);
            for (int k = 0; k < m->nq; k++) fprintf(f, ",%.9g", jp->q[(size_t)i * m->nq + k]);
            fprintf(f, ",%.9g,%.9g,%.9g\n", x[0], x[1], x[2]);
            if (t >= tp->duration) break;
        }
        fclose(f);
        printf("  wrote %s\n", csv);
    }
    rc = 0;
out:
    xn_topp_free(tp);
    xn_joint_path_free(jp);
    xn_ik_free(ik);
    free(path);
    free(q0);
    xn_data_free(d);
    xn_model_free(m);
    return rc;
}
