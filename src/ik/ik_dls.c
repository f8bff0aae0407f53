/* Numerical inverse kinematics: Levenberg-Marquardt on SE(3) with the damping tied to the error
 * (lambda = mu * E, Sugihara 2011: Gauss-Newton's quadratic convergence near a solution, a
 * bounded step far from it or at a singularity), steps accepted only when the weighted error
 * falls, joint limits kept by projection, and a secondary task in the approximate null space.
 * Also velocity-level IK (damped least squares with singularity-dependent damping).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "math/dense.h"
#include "model/error_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/ik.h"

#define PI 3.14159265358979323846
#define MU_START 1e-2
#define MU_MIN 1e-6
#define MU_MAX 1e6
#define STALL_TRIES 12 /* rejected steps in a row before giving up */

struct xn_ik {
    const xn_model *m;
    xn_data *d;
    int frame;
    int na;                         /* active DoFs */
    int *act_v;                     /* their velocity index */
    int *act_q;                     /* their configuration index */
    xn_real *lo, *hi, *mid, *range; /* per active DoF */
    xn_real *J;                     /* 6 x nv */
    xn_real *Jw;                    /* 6 x na, rows weighted */
    xn_real *dq, *z, *q, *qt, *qs, *Jt;
};

void xn_ik_options_init(xn_ik_options *o) {
    memset(o, 0, sizeof *o);
    o->max_iterations = 100;
    o->tol_position = 1e-9;
    o->tol_rotation = 1e-9;
    o->weight_position = 1;
    o->weight_rotation = 1;
    o->max_step = 0.5;
    o->respect_limits = 1;
}

void xn_ik_free(xn_ik *ik) {
    if (!ik) return;
    xn_data_free(ik->d);
    free(ik->act_v);
    free(ik->act_q);
    free(ik->lo);
    free(ik->hi);
    free(ik->mid);
    free(ik->range);
    free(ik->J);
    free(ik->Jw);
    free(ik->dq);
    free(ik->z);
    free(ik->q);
    free(ik->qt);
    free(ik->qs);
    free(ik->Jt);
    free(ik);
}

/* 1 when body b moves the frame's body (b is it or one of its ancestors). */
static int moves_frame(const xn_model *m, int frame, int b) {
    for (int x = m->frame_body[frame]; x > 0; x = m->body_parent[x])
        if (x == b) return 1;
    return 0;
}

void xn_ik_set_active(xn_ik *ik, const unsigned char *active) {
    const xn_model *m = ik->m;
    ik->na = 0;
    for (int b = 1; b < m->nbody; b++) {
        if (m->body_nv[b] != 1 || m->body_nq[b] != 1) continue;
        int v = m->body_vadr[b], qa = m->body_qadr[b];
        if (active ? !active[v] : !moves_frame(m, ik->frame, b)) continue;
        int k = ik->na++;
        ik->act_v[k] = v;
        ik->act_q[k] = qa;
        xn_real lo = m->q_lower[qa], hi = m->q_upper[qa];
        ik->lo[k] = lo;
        ik->hi[k] = hi;
        /* unlimited joints: the posture task pulls toward 0, the limit task ignores them */
        ik->mid[k] = isfinite(lo) && isfinite(hi) ? 0.5 * (lo + hi) : 0;
        ik->range[k] = isfinite(lo) && isfinite(hi) ? hi - lo : INFINITY;
    }
}

xn_status xn_ik_create(const xn_model *m, int frame, xn_ik **out, xn_error *err) {
    *out = NULL;
    if (frame < 0 || frame >= m->nframe)
        return xn_fail(err, XN_ERR_NOT_FOUND, "xn_ik_create", "frame %d (the model has %d frames)",
                       frame, m->nframe);
    xn_ik *ik = calloc(1, sizeof *ik);
    if (!ik) return xn_fail(err, XN_ERR_NOMEM, "xn_ik_create", "out of memory");
    size_t nv = (size_t)m->nv + 1, nq = (size_t)m->nq + 1;
    ik->m = m;
    ik->frame = frame;
    ik->d = xn_data_create(m);
    ik->act_v = calloc(nv, sizeof(int));
    ik->act_q = calloc(nv, sizeof(int));
    ik->lo = calloc(nv, sizeof(xn_real));
    ik->hi = calloc(nv, sizeof(xn_real));
    ik->mid = calloc(nv, sizeof(xn_real));
    ik->range = calloc(nv, sizeof(xn_real));
    ik->J = calloc(6 * nv, sizeof(xn_real));
    ik->Jw = calloc(6 * nv, sizeof(xn_real));
    ik->Jt = calloc(6 * nv, sizeof(xn_real));
    ik->dq = calloc(nv, sizeof(xn_real));
    ik->z = calloc(nv, sizeof(xn_real));
    ik->q = calloc(nq, sizeof(xn_real));
    ik->qt = calloc(nq, sizeof(xn_real));
    ik->qs = calloc(nq, sizeof(xn_real));
    if (!ik->qs || !ik->d || !ik->act_v || !ik->act_q || !ik->lo || !ik->hi || !ik->mid ||
        !ik->range || !ik->J || !ik->Jw || !ik->Jt || !ik->dq || !ik->z || !ik->q || !ik->qt) {
        xn_ik_free(ik);
        return xn_fail(err, XN_ERR_NOMEM, "xn_ik_create", "out of memory");
    }
    xn_ik_set_active(ik, NULL);
    *out = ik;
    return XN_OK;
}

/* Forward kinematics and the frame Jacobian at q (into J); the pose error e (world: position,
 * rotation vector of R_target R^T). */
static void evaluate(xn_ik *ik, const xn_real *q, const xn_se3 *target, xn_real *J, xn_real e[6]) {
    xn_dyn_frame_jacobian_at(ik->m, ik->d, q, ik->frame, XN_LOCAL_WORLD_ALIGNED, J);
    xn_se3 X;
    xn_dyn_frame_placement(ik->m, ik->d, ik->frame, &X);
    for (int i = 0; i < 3; i++) e[i] = target->p[i] - X.p[i];
    xn_real Re[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            Re[3 * r + c] = target->R[3 * r] * X.R[3 * c] + target->R[3 * r + 1] * X.R[3 * c + 1] +
                            target->R[3 * r + 2] * X.R[3 * c + 2];
    xn_rot_log(Re, e + 3);
}

static xn_real norm3(const xn_real *x) { return sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]); }

static xn_real weighted_error(const xn_real e[6], const xn_ik_options *o) {
    xn_real wp = o->weight_position, wr = o->weight_rotation, E = 0;
    for (int i = 0; i < 3; i++) E += wp * wp * e[i] * e[i] + wr * wr * e[i + 3] * e[i + 3];
    return 0.5 * E;
}

static int all_finite(const xn_real *x, int n) {
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* y = (Jw Jw^T + lambda I)^-1 b for the 6x6 system (factor in A). */
static int factor_system(const xn_ik *ik, xn_real lambda, xn_real A[36]) {
    int na = ik->na;
    for (int r = 0; r < 6; r++)
        for (int c = 0; c <= r; c++) {
            xn_real s = 0;
            for (int k = 0; k < na; k++) s += ik->Jw[r * na + k] * ik->Jw[c * na + k];
            A[6 * r + c] = A[6 * c + r] = s + (r == c ? lambda : 0);
        }
    return xn_chol_factor(A, 6) == XN_OK;
}

static void weigh(xn_ik *ik, const xn_real *J, const xn_ik_options *o) {
    int na = ik->na, nv = ik->m->nv;
    for (int r = 0; r < 6; r++) {
        xn_real w = r < 3 ? o->weight_position : o->weight_rotation;
        for (int k = 0; k < na; k++) ik->Jw[r * na + k] = w * J[r * nv + ik->act_v[k]];
    }
}

/* The outcome of a solve as the API reports it, from the public function `where`. */
static xn_status report(const xn_ik_result *r, xn_error *err, const char *where) {
    switch (r->status) {
    case XN_OK: return XN_OK;
    case XN_ERR_RANGE:
        return xn_fail(err, XN_ERR_RANGE, where, "the target or the start is not finite");
    case XN_ERR_ITERATIONS:
        return xn_fail(err, XN_ERR_ITERATIONS, where,
                       "not converged in %d iterations (%.3g m, %.3g rad from the target)",
                       r->iterations, r->err_position, r->err_rotation);
    default:
        return xn_fail(err, r->status, where,
                       "stalled at a local minimum, often a joint limit (%.3g m, %.3g rad from the "
                       "target)",
                       r->err_position, r->err_rotation);
    }
}

xn_status xn_ik_solve(xn_ik *ik, const xn_se3 *target, const xn_real *q_init,
                      const xn_ik_options *o, xn_real *q_out, xn_ik_result *res, xn_error *err) {
    xn_ik_options defaults;
    if (!o) {
        xn_ik_options_init(&defaults);
        o = &defaults;
    }
    const xn_model *m = ik->m;
    int na = ik->na, nq = m->nq;
    xn_ik_result r = {XN_ERR_ITERATIONS, 0, INFINITY, INFINITY, 1};
    if (!all_finite(target->R, 9) || !all_finite(target->p, 3) || !all_finite(q_init, nq)) {
        r.status = XN_ERR_RANGE;
        if (res) *res = r;
        if (q_out != q_init) memcpy(q_out, q_init, (size_t)nq * sizeof(xn_real));
        return report(&r, err, "xn_ik_solve");
    }
    xn_real *q = ik->q, *qt = ik->qt;
    memcpy(q, q_init, (size_t)nq * sizeof(xn_real));
    if (o->respect_limits)
        for (int k = 0; k < na; k++)
            q[ik->act_q[k]] = fmin(fmax(q[ik->act_q[k]], ik->lo[k]), ik->hi[k]);
    xn_real e[6], et[6], A[36], y[6];
    evaluate(ik, q, target, ik->J, e);
    xn_real E = weighted_error(e, o), mu = MU_START;
    int rejected = 0;
    for (r.iterations = 0;; r.iterations++) {
        if (norm3(e) <= o->tol_position && norm3(e + 3) <= o->tol_rotation) {
            r.status = XN_OK;
            break;
        }
        if (r.iterations >= o->max_iterations) break;
        /* the step, twice at most: joints at a limit that the step pushes outward are frozen
         * (their columns removed) and the step recomputed, so the others can do the work instead
         * of the projection undoing it every iteration */
        int frozen_any = 0, ok = 1;
        for (int pass = 0; pass < 2 && ok; pass++) {
            weigh(ik, ik->J, o);
            if (pass == 1)
                for (int k = 0; k < na; k++)
                    if (ik->z[k] != 0)
                        for (int i = 0; i < 6; i++) ik->Jw[i * na + k] = 0;
            if (!factor_system(ik, mu * E + 1e-12, A)) {
                ok = 0;
                break;
            }
            xn_real ew[6];
            for (int i = 0; i < 6; i++)
                ew[i] = (i < 3 ? o->weight_position : o->weight_rotation) * e[i];
            memcpy(y, ew, sizeof y);
            xn_chol_solve(A, 6, y);
            for (int k = 0; k < na; k++) {
                xn_real sum = 0;
                for (int i = 0; i < 6; i++) sum += ik->Jw[i * na + k] * y[i];
                ik->dq[k] = sum;
            }
            if (pass == 1 || !o->respect_limits) break;
            frozen_any = 0;
            for (int k = 0; k < na; k++) {
                xn_real qk = q[ik->act_q[k]];
                int out = (qk <= ik->lo[k] && ik->dq[k] < 0) || (qk >= ik->hi[k] && ik->dq[k] > 0);
                ik->z[k] = out; /* z doubles as the frozen mask here */
                frozen_any |= out;
            }
            if (!frozen_any) break;
        }
        if (!ok) {
            r.status = XN_ERR_NUMERIC;
            break;
        }
        if (frozen_any)
            for (int k = 0; k < na; k++)
                if (ik->z[k] != 0) ik->dq[k] = 0;
        if (o->posture_gain > 0 || o->limit_gain > 0) {
            /* z: the secondary task's step; remove what the pose task would see of it */
            for (int k = 0; k < na; k++) {
                xn_real qk = q[ik->act_q[k]];
                xn_real goal = o->posture ? o->posture[ik->act_q[k]] : ik->mid[k];
                xn_real z = o->posture_gain * (goal - qk);
                if (isfinite(ik->range[k])) /* gradient of sum ((q - mid) / range)^2 */
                    z -= o->limit_gain * (qk - ik->mid[k]) / (ik->range[k] * ik->range[k]);
                ik->z[k] = z;
            }
            xn_real jz[6];
            for (int i = 0; i < 6; i++) {
                xn_real sum = 0;
                for (int k = 0; k < na; k++) sum += ik->Jw[i * na + k] * ik->z[k];
                jz[i] = sum;
            }
            xn_chol_solve(A, 6, jz);
            for (int k = 0; k < na; k++) {
                xn_real sum = 0;
                for (int i = 0; i < 6; i++) sum += ik->Jw[i * na + k] * jz[i];
                ik->dq[k] += ik->z[k] - sum;
            }
        }
        xn_real big = 0;
        for (int k = 0; k < na; k++) big = fmax(big, fabs(ik->dq[k]));
        xn_real scale = big > o->max_step ? o->max_step / big : 1;
        memcpy(qt, q, (size_t)nq * sizeof(xn_real));
        for (int k = 0; k < na; k++) {
            xn_real v = q[ik->act_q[k]] + scale * ik->dq[k];
            if (o->respect_limits) v = fmin(fmax(v, ik->lo[k]), ik->hi[k]);
            qt[ik->act_q[k]] = v;
        }
        evaluate(ik, qt, target, ik->Jt, et);
        xn_real Et = weighted_error(et, o);
        if (Et < E) {
            memcpy(q, qt, (size_t)nq * sizeof(xn_real));
            memcpy(e, et, sizeof e);
            xn_real *tmp = ik->J;
            ik->J = ik->Jt;
            ik->Jt = tmp;
            E = Et;
            mu = fmax(mu * 0.25, MU_MIN);
            rejected = 0;
        } else {
            mu = fmin(mu * 8, MU_MAX);
            if (++rejected >= STALL_TRIES) {
                r.status = XN_ERR_NUMERIC;
                break;
            }
        }
    }
    r.err_position = norm3(e);
    r.err_rotation = norm3(e + 3);
    memcpy(q_out, q, (size_t)nq * sizeof(xn_real));
    if (res) *res = r;
    return report(&r, err, "xn_ik_solve");
}

static double uniform01(unsigned long *s) {
    /* xorshift64* */
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

xn_status xn_ik_solve_multistart(xn_ik *ik, const xn_se3 *target, const xn_real *q_init,
                                 const xn_ik_options *o, int starts, unsigned long *seed,
                                 xn_real *q_out, xn_ik_result *res, xn_error *err) {
    const xn_model *m = ik->m;
    xn_ik_result r, best;
    xn_status st = xn_ik_solve(ik, target, q_init, o, q_out, &best, NULL);
    best.starts = 1;
    if (st == XN_ERR_RANGE || st == XN_OK) {
        if (res) *res = best;
        return report(&best, err, "xn_ik_solve_multistart");
    }
    /* the best so far stays in q_out; each start runs in its own buffer */
    for (int s = 1; s < starts; s++) {
        /* a random start: every active joint uniform in its range ([-pi, pi] when unlimited) */
        xn_real *qs = ik->qs;
        memcpy(qs, q_init, (size_t)m->nq * sizeof(xn_real));
        for (int k = 0; k < ik->na; k++) {
            xn_real lo = isfinite(ik->lo[k]) ? ik->lo[k] : -PI;
            xn_real hi = isfinite(ik->hi[k]) ? ik->hi[k] : PI;
            qs[ik->act_q[k]] = lo + (hi - lo) * uniform01(seed);
        }
        /* solve into the start buffer (q_out keeps the best) */
        st = xn_ik_solve(ik, target, qs, o, qs, &r, NULL);
        best.starts = s + 1;
        xn_real score = r.err_position + r.err_rotation;
        if (score < best.err_position + best.err_rotation || st == XN_OK) {
            int starts_so_far = best.starts;
            best = r;
            best.starts = starts_so_far;
            memcpy(q_out, qs, (size_t)m->nq * sizeof(xn_real));
        }
        if (st == XN_OK) break;
    }
    if (res) *res = best;
    return report(&best, err, "xn_ik_solve_multistart");
}

void xn_ik_velocity(xn_ik *ik, const xn_real *q, const xn_real twist[6], xn_real threshold,
                    xn_real lambda_max, xn_real *qd, xn_ik_velocity_info *info) {
    const xn_model *m = ik->m;
    int na = ik->na, nv = m->nv;
    if (threshold <= 0) threshold = 0.05;
    if (lambda_max <= 0) lambda_max = 0.05;
    xn_dyn_frame_jacobian_at(m, ik->d, q, ik->frame, XN_LOCAL_WORLD_ALIGNED, ik->J);
    for (int r = 0; r < 6; r++)
        for (int k = 0; k < na; k++) ik->Jw[r * na + k] = ik->J[r * nv + ik->act_v[k]];
    xn_real A[36], ev[6], y[6];
    for (int r = 0; r < 6; r++)
        for (int c = 0; c < 6; c++) {
            xn_real s = 0;
            for (int k = 0; k < na; k++) s += ik->Jw[r * na + k] * ik->Jw[c * na + k];
            A[6 * r + c] = s;
        }
    xn_symn_eigvals(A, 6, ev);
    xn_real sigma = sqrt(fmax(ev[0], 0));
    xn_real ratio = sigma / threshold;
    xn_real lambda2 = sigma >= threshold ? 0 : (1 - ratio * ratio) * lambda_max * lambda_max;
    /* a floor far below any damping that matters keeps the factorization defined */
    for (int i = 0; i < 6; i++) A[7 * i] += lambda2 + 1e-14;
    xn_chol_factor(A, 6);
    memcpy(y, twist, sizeof y);
    xn_chol_solve(A, 6, y);
    for (int i = 0; i < nv; i++) qd[i] = 0;
    for (int k = 0; k < na; k++) {
        xn_real s = 0;
        for (int i = 0; i < 6; i++) s += ik->Jw[i * na + k] * y[i];
        qd[ik->act_v[k]] = s;
    }
    if (info) {
        info->sigma_min = sigma;
        info->damping = lambda2;
        info->near_singular = sigma < threshold;
    }
}
