/* Paths and time-optimal parameterization: geometry checked by continuity, finite differences
 * and closed forms; TOPP against the closed-form optimum of a straight joint motion and against a
 * fine-grid dynamic-programming reference with torque limits (within 1 %); limits respected;
 * bad paths refused with the waypoint named. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define PI 3.14159265358979323846

/* Workspaces the test cannot go on without: a failed creation ends it with the reason. */
static xn_joint_path *new_joint_path(int N, int nq, int nv, int with_tool) {
    xn_joint_path *jp;
    xn_error err;
    if (xn_joint_path_create(N, nq, nv, with_tool, &jp, &err)) {
        fprintf(stderr, "FAIL %s: %s\n", err.file, err.message);
        exit(1);
    }
    return jp;
}
static xn_topp *new_topp(int N, int nv) {
    xn_topp *tp;
    xn_error err;
    if (xn_topp_create(N, nv, &tp, &err)) {
        fprintf(stderr, "FAIL %s: %s\n", err.file, err.message);
        exit(1);
    }
    return tp;
}

static xn_waypoint wp_at(double x, double y, double z, double yaw, double blend) {
    xn_waypoint w;
    memset(&w, 0, sizeof w);
    w.p[0] = x;
    w.p[1] = y;
    w.p[2] = z;
    xn_rot_rpy(0, 0, yaw, w.R);
    w.blend = blend;
    return w;
}

static double dist(const double *a, const double *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

static void geometry(void) {
    /* a square corner route with blends, then an arc */
    xn_waypoint w[5];
    w[0] = wp_at(0.4, -0.2, 0.3, 0, 0);
    w[1] = wp_at(0.6, -0.2, 0.3, 0.5, 0.05);
    w[2] = wp_at(0.6, 0.2, 0.3, 1.0, 0.08);
    w[3] = wp_at(0.4, 0.2, 0.5, 0.2, 0);
    w[4] = wp_at(0.4, 0.0, 0.7, -0.3, 0);
    w[4].is_arc = 1;
    w[4].via[0] = 0.4;
    w[4].via[1] = 0.2 - 0.1 * (1 - cos(PI / 4)) * 0 + -0.0;
    /* via: a point on the circle through w3 and w4 */
    w[4].via[0] = 0.4;
    w[4].via[1] = 0.1 + 0.1 * sqrt(2) * cos(PI / 4);
    w[4].via[2] = 0.6 + 0.1 * sqrt(2) * sin(PI / 4);
    xn_path path;
    xn_error err;
    xn_status st = xn_path_build(&path, 3, 1, w, 5, 0, &err);
    XT_CHECK(st == XN_OK, "build: %s", err.message);
    if (st != XN_OK) return;
    /* continuity of position and tangent across every join; blends within their radius */
    double worst_c0 = 0, worst_c1 = 0, worst_rot = 0;
    for (int k = 1; k < path.n; k++) {
        double s = path.seg[k].s0, e = 1e-9, xa[3], xb[3], da[3], db[3], Ra[9], Rb[9];
        xn_path_eval(&path, s - e, xa, da, NULL, Ra, NULL);
        xn_path_eval(&path, s + e, xb, db, NULL, Rb, NULL);
        worst_c0 = xt_max(worst_c0, dist(xa, xb, 3));
        double na = sqrt(da[0] * da[0] + da[1] * da[1] + da[2] * da[2]),
               nb = sqrt(db[0] * db[0] + db[1] * db[1] + db[2] * db[2]);
        int corner = !path.seg[k].blend && !path.seg[k - 1].blend; /* a stop: no tangency asked */
        if (!corner && na > 0 && nb > 0)
            for (int i = 0; i < 3; i++) worst_c1 = xt_max(worst_c1, fabs(da[i] / na - db[i] / nb));
        for (int i = 0; i < 9; i++) worst_rot = xt_max(worst_rot, fabs(Ra[i] - Rb[i]));
    }
    XT_CHECK(worst_c0 < 1e-8 && worst_c1 < 1e-6 && worst_rot < 1e-8,
             "continuous: position %.1e, tangent %.1e, rotation %.1e", worst_c0, worst_c1,
             worst_rot);
    double inside = 0;
    int blends = 0;
    for (int k = 0; k < path.n; k++) {
        if (!path.seg[k].blend) continue;
        blends++;
        const xn_waypoint *corner = k < 3 ? &w[1] : &w[2];
        double r = corner->blend;
        for (int j = 0; j <= 100; j++) {
            double x[3];
            xn_path_eval(&path, path.seg[k].s0 + path.seg[k].length * j / 100, x, NULL, NULL, NULL,
                         NULL);
            inside = xt_max(inside, dist(x, corner->p, 3) - r);
        }
    }
    XT_CHECK(blends == 2 && inside <= 1e-12, "%d blends, each within its radius (%.1e)", blends,
             inside);
    /* the ends and the arc: start, via, end on the path; waypoint orientations met */
    double x[3], R[9];
    xn_path_eval(&path, 0, x, NULL, NULL, R, NULL);
    XT_CHECK(dist(x, w[0].p, 3) < 1e-15 && fabs(R[0] - 1) < 1e-15, "start");
    xn_path_eval(&path, path.length, x, NULL, NULL, R, NULL);
    double er = 0;
    for (int i = 0; i < 9; i++) er = xt_max(er, fabs(R[i] - w[4].R[i]));
    XT_CHECK(dist(x, w[4].p, 3) < 1e-12 && er < 1e-12, "end: %.1e m, %.1e", dist(x, w[4].p, 3), er);
    const xn_path_segment *arc = &path.seg[path.n - 1];
    XT_CHECK(arc->type == XN_SEG_ARC && fabs(dist(w[4].via, arc->c, 3) - arc->radius) < 1e-12,
             "the arc passes through its via point");
    /* derivatives against central differences (1e-6 relative) */
    double worst_fd = 0;
    for (int j = 1; j < 200; j++) {
        double s = path.length * j / 200, h = 1e-6, xp[3], xm[3], d1[3], d2[3], dp[3], dm[3];
        xn_path_eval(&path, s, NULL, d1, d2, NULL, NULL);
        xn_path_eval(&path, s + h, xp, dp, NULL, NULL, NULL);
        xn_path_eval(&path, s - h, xm, dm, NULL, NULL, NULL);
        int same = 1; /* skip differences across a join */
        for (int k = 0; k < path.n; k++)
            if (fabs(path.seg[k].s0 - s) < 2 * h) same = 0;
        if (!same) continue;
        for (int i = 0; i < 3; i++) {
            worst_fd = xt_max(worst_fd, fabs((xp[i] - xm[i]) / (2 * h) - d1[i]));
            worst_fd = xt_max(worst_fd, fabs((dp[i] - dm[i]) / (2 * h) - d2[i]) * 1e-2);
        }
    }
    XT_CHECK(worst_fd < 1e-6, "derivatives vs finite differences: %.1e", worst_fd);
}

static void refusals(void) {
    xn_waypoint w[4];
    w[0] = wp_at(0, 0, 0, 0, 0);
    w[1] = wp_at(0.1, 0, 0, 0, 0.08);
    w[2] = wp_at(0.1, 0.1, 0, 0, 0.05);
    w[3] = wp_at(0.2, 0.1, 0, 0, 0);
    for (int k = 0; k < 4; k++) w[k].line = 10 + k;
    xn_path path;
    xn_error err;
    XT_CHECK(xn_path_build(&path, 3, 1, w, 4, 0, &err) != XN_OK && err.line == 12 &&
                 err.index == 2 && strcmp(err.file, "xn_path_build") == 0 &&
                 strstr(err.message, "larger than the segment"),
             "blends too large for the segment between them: waypoint %d line %d %s", err.index,
             err.line, err.message);
    w[1].blend = 0.02;
    w[2].is_arc = 1; /* the arc's via on the line: refused */
    w[2].via[0] = 0.1;
    w[2].via[1] = 0.05;
    XT_CHECK(xn_path_build(&path, 3, 1, w, 4, 0, &err) != XN_OK &&
                 strstr(err.message, "touches an arc"),
             "a blend next to an arc: %s", err.message);
    w[1].blend = 0;
    w[2].blend = 0;
    XT_CHECK(xn_path_build(&path, 3, 1, w, 4, 0, &err) != XN_OK && strstr(err.message, "one line"),
             "an arc through three points on a line: %s", err.message);
    w[2].is_arc = 0;
    w[2] = wp_at(0, 0, 0, 0, 0); /* back where it came from */
    w[1].blend = 0.01;
    XT_CHECK(xn_path_build(&path, 3, 1, w, 3, 0, &err) != XN_OK && strstr(err.message, "turns"),
             "turning straight back with a blend: %s", err.message);
    w[1].p[0] = NAN;
    XT_CHECK(xn_path_build(&path, 3, 1, w, 3, 0, &err) == XN_ERR_RANGE, "NaN refused");
}

/* 1 DoF straight motion: the optimum is the trapezoid (or triangle) in closed form */
static void topp_closed_form(void) {
    xn_model *m = NULL;
    xn_error e;
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &e);
    struct {
        double D, v, a;
    } cases[] = {{1.0, 1.0, 2.0}, {0.2, 1.0, 2.0}, {2.5, 2.0, 10.0}};
    for (int c = 0; c < 3; c++) {
        xn_waypoint w[2];
        memset(w, 0, sizeof w);
        w[1].p[0] = cases[c].D;
        xn_path path;
        xn_error err;
        xn_path_build(&path, 9, 0, w, 2, 0, &err);
        int N = 2001;
        xn_joint_path *jp = new_joint_path(N, 9, 9, 0);
        xn_joint_path_from_path(jp, &path);
        xn_topp *tp = new_topp(N, 9);
        double vmax[9], amax[9];
        for (int i = 0; i < 9; i++) vmax[i] = cases[c].v, amax[i] = cases[c].a;
        xn_topp_limits lim = {vmax, amax, NULL, 0, 0, NULL};
        xn_status st = xn_topp_solve(tp, m, NULL, jp, &lim, &err);
        double D = cases[c].D, v = cases[c].v, a = cases[c].a;
        double T = D > v * v / a ? D / v + v / a : 2 * sqrt(D / a);
        XT_CHECK(st == XN_OK && fabs(tp->duration - T) < 2e-3 * T,
                 "straight %.1f rad at %.1f rad/s, %.1f rad/s^2: %.5f s, closed form %.5f s", D, v,
                 a, tp->duration, T);
        /* limits at every grid point */
        double vworst = 0, aworst = 0;
        for (int i = 0; i + 1 < N; i++) {
            vworst = xt_max(vworst, sqrt(tp->x[i]) - v);
            aworst = xt_max(aworst, fabs(tp->u[i]) - a);
        }
        XT_CHECK(vworst < 1e-9 && aworst < 1e-9, "limits kept (%.1e, %.1e)", vworst, aworst);
        xn_topp_free(tp);
        xn_joint_path_free(jp);
    }
    xn_model_free(m);
}

/* Torque-limited joint paths on the Panda against a dynamic-programming reference on a grid of
 * path speeds (the constraints recomputed here from RNEA, independently of xn_topp). */
typedef struct {
    int N, nv;
    double *a, *b, *c, *xmax; /* per point, per joint: tau = a u + b x + c */
    const double *tau, *vel, *acc;
    double *dq, *ddq;
} dp_problem;

static int feasible(const dp_problem *P, int i, double x, double u) {
    for (int j = 0; j < P->nv; j++) {
        size_t k = (size_t)i * (size_t)P->nv + (size_t)j;
        double t = P->a[k] * u + P->b[k] * x + P->c[k];
        if (fabs(t) > P->tau[j] * (1 + 1e-12)) return 0;
        if (fabs(P->dq[k] * u + P->ddq[k] * x) > P->acc[j] * (1 + 1e-12)) return 0;
    }
    return x <= P->xmax[i] * (1 + 1e-12);
}

static void topp_vs_dp(void) {
    xn_model *m = NULL;
    xn_error e;
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &e);
    xn_data *d = xn_data_create(m);
    /* three joint-space paths with a blended corner; torque limits at 40 % of rated so that they
     * bind */
    double taus[9] = {60, 60, 60, 60, 6, 6, 6, 20, 20};
    double vel[9] = {2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61, 0.2, 0.2};
    double acc[9] = {15, 7.5, 10, 12.5, 15, 20, 20, 10, 10};
    double paths[3][3][9] = {{{0, -0.5, 0, -2.2, 0, 1.8, 0.7, 0, 0},
                              {1.2, 0.4, 0.3, -1.5, 0.5, 1.5, 0.2, 0, 0},
                              {0.2, 0.9, -0.6, -1.0, -0.4, 2.2, 1.4, 0, 0}},
                             {{-1, 0.2, 0, -2.5, 0, 2.5, 0, 0, 0},
                              {1, 0.2, 0, -2.5, 0, 2.5, 0, 0, 0},
                              {1, 1.2, 0, -1.2, 0, 2.5, 0, 0, 0}},
                             {{0, 0, 0, -1.5, 0, 1.5, 0, 0, 0},
                              {0.3, 1.0, 0.3, -0.8, 0.3, 1.0, 0.3, 0, 0},
                              {0.6, 0, 0.6, -1.5, 0.6, 1.5, 0.6, 0, 0}}};
    for (int p = 0; p < 3; p++) {
        xn_waypoint w[3];
        memset(w, 0, sizeof w);
        for (int k = 0; k < 3; k++) memcpy(w[k].p, paths[p][k], sizeof paths[p][k]);
        w[1].blend = 0.3;
        xn_path path;
        xn_error err;
        if (xn_path_build(&path, 9, 0, w, 3, 0, &err) != XN_OK) {
            XT_CHECK(0, "path %d: %s", p, err.message);
            continue;
        }
        int N = 201;
        xn_joint_path *jp = new_joint_path(N, 9, 9, 0);
        xn_joint_path_from_path(jp, &path);
        xn_topp *tp = new_topp(N, 9);
        xn_topp_limits lim = {vel, acc, taus, 0, 0, NULL};
        xn_status st = xn_topp_solve(tp, m, d, jp, &lim, &err);
        XT_CHECK(st == XN_OK, "path %d: TOPP %s: %s", p, xn_status_str(st), err.message);
        /* the reference's constraints, from RNEA */
        dp_problem P = {
            N,   9,   calloc(N * 9, 8), calloc(N * 9, 8), calloc(N * 9, 8), calloc(N, 8), taus,
            vel, acc, jp->dq,           jp->ddq};
        double zero[9] = {0}, maxx = 0;
        for (int i = 0; i < N; i++) {
            const double *q = &jp->q[9 * i], *dq = &jp->dq[9 * i], *ddq = &jp->ddq[9 * i];
            double g[9], r1[9];
            xn_dyn_rnea(m, d, q, zero, zero);
            memcpy(g, d->tau, sizeof g);
            xn_dyn_rnea(m, d, q, dq, ddq);
            memcpy(r1, d->tau, sizeof r1);
            xn_dyn_rnea(m, d, q, zero, dq);
            P.xmax[i] = INFINITY;
            for (int j = 0; j < 9; j++) {
                P.a[9 * i + j] = d->tau[j] - g[j];
                P.b[9 * i + j] = r1[j] - g[j];
                P.c[9 * i + j] = g[j];
                if (fabs(dq[j]) > 0) P.xmax[i] = xt_min(P.xmax[i], pow(vel[j] / dq[j], 2));
            }
            if (isfinite(P.xmax[i])) maxx = xt_max(maxx, P.xmax[i]);
        }
        /* DP over K speed levels (uniform in sqrt(x)): from each level, the levels reachable at
         * the next point are those whose u = (xb - xa) / 2d lies in the interval the limits
         * leave at xa (the limits are linear in u), so only they are visited */
        int K = 6000;
        double *cost = malloc(sizeof(double) * K), *next = malloc(sizeof(double) * K);
        for (int k = 0; k < K; k++) cost[k] = k == 0 ? 0 : INFINITY;
        double smax = sqrt(maxx), step = smax / (K - 1);
        for (int i = 0; i + 1 < N; i++) {
            double dd = jp->s[i + 1] - jp->s[i];
            for (int k = 0; k < K; k++) next[k] = INFINITY;
            for (int a = 0; a < K; a++) {
                if (!isfinite(cost[a])) continue;
                double va = step * a, xa = va * va;
                if (xa > P.xmax[i] * (1 + 1e-12)) break;
                double umin = -INFINITY, umax = INFINITY;
                for (int j = 0; j < 9; j++) {
                    size_t k = (size_t)i * 9 + j;
                    double coef[2] = {P.a[k], P.dq[k]},
                           rest[2] = {P.b[k] * xa + P.c[k], P.ddq[k] * xa};
                    double bound[2] = {taus[j], acc[j]};
                    for (int c = 0; c < 2; c++) {
                        if (fabs(coef[c]) < 1e-14) {
                            if (fabs(rest[c]) > bound[c]) umin = INFINITY;
                            continue;
                        }
                        double u1 = (-bound[c] - rest[c]) / coef[c],
                               u2 = (bound[c] - rest[c]) / coef[c];
                        umin = xt_max(umin, xt_min(u1, u2));
                        umax = xt_min(umax, xt_max(u1, u2));
                    }
                }
                if (umin > umax) continue;
                double xlo = xt_max(0, xa + 2 * dd * umin),
                       xhi = xt_min(xa + 2 * dd * umax, P.xmax[i + 1]);
                if (xlo > xhi) continue;
                int blo = (int)ceil(sqrt(xlo) / step - 1e-9),
                    bhi = (int)floor(sqrt(xhi) / step + 1e-9);
                if (i + 1 == N - 1) bhi = blo == 0 ? 0 : -1; /* at rest at the end */
                for (int bl = blo; bl <= bhi && bl < K; bl++) {
                    double vb = step * bl;
                    if (va + vb == 0) continue;
                    double c = cost[a] + 2 * dd / (va + vb);
                    if (c < next[bl]) next[bl] = c;
                }
            }
            double *t = cost;
            cost = next;
            next = t;
        }
        double Tdp = cost[0];
        /* the DP's speeds sit on levels, TOPP's do not; TOPP's greedy forward pass can lose a
         * little where going slower now would allow more speed later (torque limits) */
        XT_CHECK(st == XN_OK && fabs(tp->duration / Tdp - 1) <= 0.01,
                 "path %d: TOPP %.5f s, dynamic programming %.5f s", p, tp->duration, Tdp);
        /* every grid point within every limit */
        double worst = 0;
        for (int i = 0; i + 1 < N; i++)
            if (!feasible(&P, i, tp->x[i], tp->u[i])) worst = 1;
        XT_CHECK(worst == 0, "path %d: every grid point inside the limits", p);
        printf("path %d: TOPP %.4f s, DP reference %.4f s (%+.2f %%)\n", p, tp->duration, Tdp,
               100 * (tp->duration / Tdp - 1));
        free(cost);
        free(next);
        free(P.a);
        free(P.b);
        free(P.c);
        free(P.xmax);
        xn_topp_free(tp);
        xn_joint_path_free(jp);
    }
    /* refusals: torque limits below what gravity alone needs, a NaN in the path */
    xn_waypoint w[2];
    memset(w, 0, sizeof w);
    memcpy(w[0].p, paths[0][0], sizeof paths[0][0]);
    memcpy(w[1].p, paths[0][1], sizeof paths[0][1]);
    xn_path path;
    xn_error err;
    xn_path_build(&path, 9, 0, w, 2, 0, &err);
    xn_joint_path *jp = new_joint_path(101, 9, 9, 0);
    xn_joint_path_from_path(jp, &path);
    xn_topp *tp = new_topp(101, 9);
    double weak[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    xn_topp_limits lim = {vel, acc, weak, 0, 0, NULL};
    xn_status st = xn_topp_solve(tp, m, d, jp, &lim, &err);
    XT_CHECK(st == XN_ERR_INFEASIBLE && strcmp(err.file, "xn_topp_solve") == 0 && err.index >= 0 &&
                 err.index < 101 && strstr(err.message, "no speed profile"),
             "1 N m against gravity: %s at %d: %s", xn_status_str(st), err.index, err.message);
    jp->ddq[40 * 9 + 3] = NAN;
    lim.taumax = taus;
    st = xn_topp_solve(tp, m, d, jp, &lim, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.index == 40 && strstr(err.message, "not finite"),
             "a NaN at grid point 40: %s at %d: %s", xn_status_str(st), err.index, err.message);
    xn_topp_free(tp);
    xn_joint_path_free(jp);
    xn_data_free(d);
    xn_model_free(m);
}

/* One workspace for a long path, then a short one: the short one's time law is its own. */
static void topp_reuse(void) {
    xn_topp *tp = new_topp(3001, 1);
    double v = 1, a = 2;
    xn_topp_limits lim = {&v, &a, NULL, 0, 0, NULL};
    double lengths[2] = {3.0, 0.5};
    for (int c = 0; c < 2; c++) {
        xn_waypoint w[2];
        memset(w, 0, sizeof w);
        w[1].p[0] = lengths[c];
        xn_path path;
        xn_error err;
        xn_path_build(&path, 1, 0, w, 2, 0, &err);
        int N = c == 0 ? 3001 : 501;
        xn_joint_path *jp = new_joint_path(N, 1, 1, 0);
        xn_joint_path_from_path(jp, &path);
        xn_topp_solve(tp, NULL, NULL, jp, &lim, &err);
        double s, sd, sdd, worst = 0, prev = 0;
        for (double t = 0; t <= tp->duration + 0.01; t += 0.001) {
            xn_topp_at(tp, jp->s, t, &s, &sd, &sdd);
            worst = xt_max(worst, fabs(s - prev) - 0.0011); /* s moves at most 1 m/s * 1 ms */
            prev = s;
        }
        XT_CHECK(fabs(s - lengths[c]) < 1e-12 && worst <= 0,
                 "path %d: ends at %.6f (%.1f), no jump", c, s, lengths[c]);
        xn_joint_path_free(jp);
    }
    xn_topp_free(tp);
}

int main(void) {
    topp_reuse();
    geometry();
    refusals();
    topp_closed_form();
    topp_vs_dp();
    return xt_done("test_path");
}
