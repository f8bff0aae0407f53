/* Time-optimal path parameterization by reachability analysis (TOPP-RA; Pham and Pham 2018).
 * Along a path sampled at s_0 < ... < s_{N-1}, the state is x = sdot^2 and the control
 * u = sddot, constant over each interval, so x_{i+1} = x_i + 2 d_i u_i. At each grid point every
 * limit is either a bound on x (velocities: |q'| sqrt(x) <= vmax) or a linear constraint
 * lo <= a u + b x + c <= hi (accelerations: q' u + q'' x; torques: M q' u + (M q'' + C q') x + g).
 * For a fixed x each such constraint bounds u to an interval whose ends are linear in x, so the
 * set of x for which some admissible u exists (and reaches the next point's reachable set) is an
 * interval found from the pairs of lower and upper ends: no general LP solver is needed.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/dynamics.h"
#include "xiaonao/path.h"

#include "model/error_internal.h"

#define MAXCON 70 /* 2 nv + 2 with nv <= 32, plus the reach constraint */

xn_status xn_joint_path_create(int N, int nq, int nv, int with_tool, xn_joint_path **out,
                               xn_error *err) {
    *out = NULL;
    if (N < 2 || nq < 1 || nv < 1)
        return xn_fail(err, XN_ERR_RANGE, "xn_joint_path_create",
                       "N %d must be >= 2, nq %d and nv %d >= 1", N, nq, nv);
    xn_joint_path *jp = calloc(1, sizeof *jp);
    if (!jp) return xn_fail(err, XN_ERR_NOMEM, "xn_joint_path_create", "out of memory");
    jp->N = N;
    jp->nq = nq;
    jp->nv = nv;
    jp->s = calloc((size_t)N, sizeof(xn_real));
    jp->q = calloc((size_t)N * (size_t)nq, sizeof(xn_real));
    jp->dq = calloc((size_t)N * (size_t)nv, sizeof(xn_real));
    jp->ddq = calloc((size_t)N * (size_t)nv, sizeof(xn_real));
    if (with_tool) {
        jp->dp = calloc((size_t)N * 3, sizeof(xn_real));
        jp->ddp = calloc((size_t)N * 3, sizeof(xn_real));
    }
    if (!jp->s || !jp->q || !jp->dq || !jp->ddq || (with_tool && (!jp->dp || !jp->ddp))) {
        xn_joint_path_free(jp);
        return xn_fail(err, XN_ERR_NOMEM, "xn_joint_path_create", "out of memory");
    }
    *out = jp;
    return XN_OK;
}

void xn_joint_path_free(xn_joint_path *jp) {
    if (!jp) return;
    free(jp->s);
    free(jp->q);
    free(jp->dq);
    free(jp->ddq);
    free(jp->dp);
    free(jp->ddp);
    free(jp);
}

void xn_joint_path_from_path(xn_joint_path *jp, const xn_path *path) {
    for (int i = 0; i < jp->N; i++) {
        xn_real s = path->length * i / (jp->N - 1);
        jp->s[i] = s;
        xn_path_eval(path, s, &jp->q[(size_t)i * (size_t)jp->nq],
                     &jp->dq[(size_t)i * (size_t)jp->nv], &jp->ddq[(size_t)i * (size_t)jp->nv],
                     NULL, NULL);
    }
}

xn_status xn_topp_create(int N, int nv, xn_topp **out, xn_error *err) {
    *out = NULL;
    if (N < 2 || nv < 1 || 2 * nv + 2 > MAXCON - 2)
        return xn_fail(err, XN_ERR_RANGE, "xn_topp_create", "N %d must be >= 2, nv %d in 1..%d", N,
                       nv, (MAXCON - 4) / 2);
    xn_topp *tp = calloc(1, sizeof *tp);
    if (!tp) return xn_fail(err, XN_ERR_NOMEM, "xn_topp_create", "out of memory");
    size_t n = (size_t)N, m = (size_t)(2 * nv + 2);
    tp->N = N;
    tp->ncon = (int)m;
    tp->x = calloc(n, sizeof(xn_real));
    tp->u = calloc(n, sizeof(xn_real));
    tp->t = calloc(n, sizeof(xn_real));
    tp->xlo = calloc(n, sizeof(xn_real));
    tp->xhi = calloc(n, sizeof(xn_real));
    tp->a = calloc(n * m, sizeof(xn_real));
    tp->b = calloc(n * m, sizeof(xn_real));
    tp->c = calloc(n * m, sizeof(xn_real));
    tp->lo = calloc(n * m, sizeof(xn_real));
    tp->hi = calloc(n * m, sizeof(xn_real));
    tp->count = calloc(n, sizeof(int));
    if (!tp->count || !tp->x || !tp->u || !tp->t || !tp->xlo || !tp->xhi || !tp->a || !tp->b ||
        !tp->c || !tp->lo || !tp->hi) {
        xn_topp_free(tp);
        return xn_fail(err, XN_ERR_NOMEM, "xn_topp_create", "out of memory");
    }
    *out = tp;
    return XN_OK;
}

void xn_topp_free(xn_topp *tp) {
    if (!tp) return;
    free(tp->x);
    free(tp->u);
    free(tp->t);
    free(tp->xlo);
    free(tp->xhi);
    free(tp->a);
    free(tp->b);
    free(tp->c);
    free(tp->lo);
    free(tp->hi);
    free(tp->count);
    free(tp);
}

/* The constraints at grid point i: count written; xmax gets the bound from velocity limits. */
static int constraints(xn_topp *tp, const xn_model *m, xn_data *d, const xn_joint_path *jp,
                       const xn_topp_limits *lim, int i, xn_real *xmax) {
    int nv = jp->nv, k = 0;
    size_t base = (size_t)i * (size_t)tp->ncon;
    const xn_real *dq = &jp->dq[(size_t)i * (size_t)nv], *ddq = &jp->ddq[(size_t)i * (size_t)nv];
    *xmax = INFINITY;
    for (int j = 0; j < nv; j++) {
        if (lim->vmax && isfinite(lim->vmax[j]) && fabs(dq[j]) > 0)
            *xmax = fmin(*xmax, (lim->vmax[j] / dq[j]) * (lim->vmax[j] / dq[j]));
        if (lim->amax && isfinite(lim->amax[j])) {
            tp->a[base + k] = dq[j];
            tp->b[base + k] = ddq[j];
            tp->c[base + k] = 0;
            tp->lo[base + k] = -lim->amax[j];
            tp->hi[base + k] = lim->amax[j];
            k++;
        }
    }
    if (lim->taumax) {
        /* tau = M q' u + (RNEA(q, q', q'') - g) x + g */
        const xn_real *q = &jp->q[(size_t)i * (size_t)jp->nq];
        xn_real zero[64] = {0}, g[64], bb[64];
        xn_dyn_gravity(m, d, q);
        memcpy(g, d->g, (size_t)nv * sizeof(xn_real));
        xn_dyn_rnea(m, d, q, dq, ddq);
        for (int j = 0; j < nv; j++) bb[j] = d->tau[j] - g[j];
        xn_dyn_rnea(m, d, q, zero, dq); /* M q' (+ g: removed below) */
        for (int j = 0; j < nv; j++) {
            if (!isfinite(lim->taumax[j])) continue;
            tp->a[base + k] = d->tau[j] - g[j];
            tp->b[base + k] = bb[j];
            tp->c[base + k] = g[j];
            tp->lo[base + k] = -lim->taumax[j];
            tp->hi[base + k] = lim->taumax[j];
            k++;
        }
    }
    if (jp->dp && (lim->tool_speed > 0 || lim->tool_accel > 0)) {
        const xn_real *p1 = &jp->dp[3 * i], *p2 = &jp->ddp[3 * i];
        xn_real sp = sqrt(p1[0] * p1[0] + p1[1] * p1[1] + p1[2] * p1[2]);
        if (lim->tool_speed > 0 && sp > 0)
            *xmax = fmin(*xmax, (lim->tool_speed / sp) * (lim->tool_speed / sp));
        if (lim->tool_accel > 0 && sp > 1e-12) {
            /* tangential: |p'| u + (p'.p''/|p'|) x; normal: |p'' across p'| x */
            xn_real t[3] = {p1[0] / sp, p1[1] / sp, p1[2] / sp};
            xn_real pt = p2[0] * t[0] + p2[1] * t[1] + p2[2] * t[2], pn2 = 0;
            for (int r = 0; r < 3; r++) pn2 += (p2[r] - pt * t[r]) * (p2[r] - pt * t[r]);
            tp->a[base + k] = sp;
            tp->b[base + k] = pt;
            tp->c[base + k] = 0;
            tp->lo[base + k] = -lim->tool_accel;
            tp->hi[base + k] = lim->tool_accel;
            k++;
            if (pn2 > 0) *xmax = fmin(*xmax, lim->tool_accel / sqrt(pn2));
        }
    }
    if (lim->sdot_max && lim->sdot_max[i] >= 0 && isfinite(lim->sdot_max[i]))
        *xmax = fmin(*xmax, lim->sdot_max[i] * lim->sdot_max[i]);
    return k;
}

/* The u interval at point i for state x, intersected with reaching [klo, khi] at i + 1 (d: the
 * interval's length). Returns 0 when empty. */
static int u_range(const xn_topp *tp, int i, int ncon, xn_real x, xn_real d, xn_real klo,
                   xn_real khi, xn_real *umin, xn_real *umax) {
    size_t base = (size_t)i * (size_t)tp->ncon;
    xn_real lo = (klo - x) / (2 * d), hi = (khi - x) / (2 * d);
    int ok = 1;
    for (int k = 0; k < ncon; k++) {
        xn_real a = tp->a[base + k], r = tp->b[base + k] * x + tp->c[base + k];
        xn_real l = tp->lo[base + k] - r, h = tp->hi[base + k] - r;
        if (fabs(a) < 1e-14) { /* no u in it: x alone must satisfy it */
            if (l > 1e-9 * (1 + fabs(r)) || h < -1e-9 * (1 + fabs(r))) ok = 0;
            continue;
        }
        xn_real u1 = l / a, u2 = h / a;
        if (a < 0) {
            xn_real t = u1;
            u1 = u2;
            u2 = t;
        }
        lo = fmax(lo, u1);
        hi = fmin(hi, u2);
    }
    *umin = lo;
    *umax = hi;
    /* x on the edge of a set leaves a single u, which rounding may turn into lo > hi by an ulp */
    return ok && lo <= hi + 1e-12 * (1 + fabs(hi));
}

/* The interval of x in [0, xmax] for which u_range is not empty: every lower end of u is
 * linear in x, as is every upper end; the pairs (lower j, upper k) each bound x. */
static int x_interval(const xn_topp *tp, int i, int ncon, xn_real xmax, xn_real d, xn_real klo,
                      xn_real khi, xn_real *xlo, xn_real *xhi) {
    size_t base = (size_t)i * (size_t)tp->ncon;
    /* lower ends L_j(x) = pl x + ql, upper ends U_k(x) = pu x + qu */
    xn_real pl[MAXCON], ql[MAXCON], pu[MAXCON], qu[MAXCON];
    int nl = 0, nu = 0;
    xn_real lo = 0, hi = xmax;
    pl[nl] = -1 / (2 * d), ql[nl++] = klo / (2 * d); /* reach: x + 2 d u >= klo */
    pu[nu] = -1 / (2 * d), qu[nu++] = khi / (2 * d);
    for (int k = 0; k < ncon; k++) {
        xn_real a = tp->a[base + k], b = tp->b[base + k], c = tp->c[base + k];
        xn_real l = tp->lo[base + k], h = tp->hi[base + k];
        if (fabs(a) < 1e-14) { /* a bound on x alone: l <= b x + c <= h */
            if (fabs(b) < 1e-14) {
                if (c < l - 1e-9 * (1 + fabs(c)) || c > h + 1e-9 * (1 + fabs(c))) return 0;
                continue;
            }
            xn_real x1 = (l - c) / b, x2 = (h - c) / b;
            if (b < 0) {
                xn_real t = x1;
                x1 = x2;
                x2 = t;
            }
            lo = fmax(lo, x1);
            hi = fmin(hi, x2);
            continue;
        }
        /* u between (l - c - b x)/a and (h - c - b x)/a */
        xn_real p1 = -b / a, q1 = (l - c) / a, p2 = -b / a, q2 = (h - c) / a;
        if (a < 0) {
            xn_real t = q1;
            q1 = q2;
            q2 = t;
        }
        pl[nl] = p1, ql[nl++] = q1;
        pu[nu] = p2, qu[nu++] = q2;
    }
    /* L_j(x) <= U_k(x): (pl - pu) x <= qu - ql */
    for (int j = 0; j < nl; j++)
        for (int k = 0; k < nu; k++) {
            xn_real p = pl[j] - pu[k], q = qu[k] - ql[j];
            if (fabs(p) < 1e-15) {
                if (q < -1e-9 * (1 + fabs(qu[k]) + fabs(ql[j]))) return 0;
                continue;
            }
            if (p > 0)
                hi = fmin(hi, q / p);
            else
                lo = fmax(lo, q / p);
        }
    *xlo = lo;
    *xhi = hi;
    return lo <= hi * (1 + 1e-12) + 1e-15;
}

/* No speed profile: grid point i is where the limits leave none. */
static xn_status infeasible(xn_error *err, int i) {
    return xn_fail_at(err, XN_ERR_INFEASIBLE, "xn_topp_solve", i,
                      "no speed profile satisfies the limits at grid point %d", i);
}

xn_status xn_topp_solve(xn_topp *tp, const xn_model *m, xn_data *d, const xn_joint_path *jp,
                        const xn_topp_limits *lim, xn_error *err) {
    static const char *where = "xn_topp_solve";
    int N = jp->N;
    if (N < 2 || N > tp->N || jp->nv * 2 + 2 > tp->ncon || (lim->taumax && jp->nv > 64))
        return xn_fail(err, XN_ERR_SIZE, where,
                       "N %d, nv %d: the workspace was made for N 2..%d and %d constraints (and "
                       "torque limits for nv <= 64)",
                       N, jp->nv, tp->N, tp->ncon);
    for (size_t k = 0; k < (size_t)N * (size_t)jp->nv; k++)
        if (!isfinite(jp->dq[k]) || !isfinite(jp->ddq[k]))
            return xn_fail_at(err, XN_ERR_RANGE, where, (int)(k / (size_t)jp->nv),
                              "the joint path's derivatives are not finite at grid point %d",
                              (int)(k / (size_t)jp->nv));
    int *ncon = tp->count;
    /* constraints and velocity bounds per grid point */
    for (int i = 0; i < N; i++) {
        xn_real xmax;
        ncon[i] = constraints(tp, m, d, jp, lim, i, &xmax);
        tp->xhi[i] = xmax;
    }
    /* backward: the controllable sets; at rest at the end */
    xn_real klo = 0, khi = 0;
    tp->xlo[N - 1] = 0;
    tp->xhi[N - 1] = 0;
    for (int i = N - 2; i >= 0; i--) {
        xn_real dd = jp->s[i + 1] - jp->s[i], lo, hi;
        if (!(dd > 0))
            return xn_fail_at(err, XN_ERR_RANGE, where, i,
                              "the grid does not increase at point %d (s %g then %g)", i, jp->s[i],
                              jp->s[i + 1]);
        if (!x_interval(tp, i, ncon[i], tp->xhi[i], dd, klo, khi, &lo, &hi))
            return infeasible(err, i);
        tp->xlo[i] = lo;
        tp->xhi[i] = hi;
        klo = lo;
        khi = hi;
    }
    if (tp->xlo[0] > 0) return infeasible(err, 0);
    /* forward: from rest, the greatest admissible acceleration */
    tp->x[0] = 0;
    tp->t[0] = 0;
    for (int i = 0; i + 1 < N; i++) {
        xn_real dd = jp->s[i + 1] - jp->s[i], umin = 0, umax = 0;
        /* rounding in x_{i+1} = x_i + 2 d u can leave x a hair outside the controllable set */
        tp->x[i] = fmin(tp->x[i], tp->xhi[i]);
        if (!u_range(tp, i, ncon[i], tp->x[i], dd, tp->xlo[i + 1], tp->xhi[i + 1], &umin, &umax)) {
            /* cannot happen in exact arithmetic (x_i lies in the controllable set); after rounding,
             * keep to this point's limits and get as near the next set as they allow */
            xn_real cmin, cmax, rlo = (tp->xlo[i + 1] - tp->x[i]) / (2 * dd),
                                rhi = (tp->xhi[i + 1] - tp->x[i]) / (2 * dd);
            u_range(tp, i, ncon[i], tp->x[i], dd, -INFINITY, INFINITY, &cmin, &cmax);
            umax = fmin(fmax(rhi, cmin), cmax);
            if (cmax < rlo) umax = cmax;
        }
        umax = fmin(umax, (tp->xhi[i + 1] - tp->x[i]) / (2 * dd));
        xn_real xn = fmax(0, tp->x[i] + 2 * dd * umax);
        if (i + 1 == N - 1) xn = 0;
        tp->u[i] = (xn - tp->x[i]) / (2 * dd);
        tp->x[i + 1] = xn;
        xn_real v0 = sqrt(tp->x[i]), v1 = sqrt(xn);
        if (v0 + v1 <= 0) return infeasible(err, i);
        tp->t[i + 1] = tp->t[i] + 2 * dd / (v0 + v1);
    }
    tp->duration = tp->t[N - 1];
    tp->n = N;
    return XN_OK;
}

void xn_topp_at(const xn_topp *tp, const xn_real *s, xn_real t, xn_real *sp, xn_real *sd,
                xn_real *sdd) {
    int N = tp->n;
    if (t <= 0) {
        *sp = s[0];
        *sd = 0;
        *sdd = 0;
        return;
    }
    if (t >= tp->duration) {
        *sp = s[N - 1];
        *sd = 0;
        *sdd = 0;
        return;
    }
    int lo = 0, hi = N - 2;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (tp->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    xn_real tau = t - tp->t[lo], v0 = sqrt(tp->x[lo]), u = tp->u[lo];
    *sp = s[lo] + v0 * tau + 0.5 * u * tau * tau;
    *sd = v0 + u * tau;
    *sdd = u;
}
