/* Whole-body control by task-space inverse dynamics with contacts (see wbc.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/wbc.h"

#include "model/error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

/* Iterations kept for the relaxed problem when the one with the joint-limit bounds does not
 * finish: a relaxed problem warm-started from its own last solve took 28 to 56 iterations in a
 * relaxation episode of a 20 N s push on the G1 (bench_push with a trace). */
#define RELAXED_RESERVE 60

struct xn_wbc {
    const xn_model *m;
    xn_wbc_config cfg;
    xn_data *d;
    xn_qp *qp[3];       /* one per relaxation level: each warm-starts from its own last solve */
    xn_real *x_last;    /* n: the last solution (accelerations, forces), for the fallback */
    xn_real *x_relaxed; /* n: the relaxed optimum while the bounded problem goes on from it */
    int have_last;
    int last_level; /* the relaxation level the last cycle was solved at (-1: none) */
    int nv, n, me_max, mi_max, base_frame;
    xn_real *H, *g, *Aeq, *beq, *Ain, *bin, *lo, *hi, *x;
    xn_real *M, *h, *Ag, *Jcom, *Jbase, *Jtorso, *Jhand, *Jfoot,
        *Jp; /* Jfoot: 6 x nv per contact; Jp: 3 x nv per corner; Jhand: 6 x nv per hand */
    xn_real *qtmp, *vtmp, *tau_max;
    xn_real *brake; /* nv: each joint's braking deceleration (0: none) */
    xn_real drift_foot[XN_WBC_MAX_CONTACTS][6], vfoot[XN_WBC_MAX_CONTACTS][6];
    xn_se3 foot[XN_WBC_MAX_CONTACTS];
};

void xn_wbc_config_init(xn_wbc_config *c) {
    memset(c, 0, sizeof *c);
    c->com_kp = 100;
    c->com_kd = 20;
    c->com_weight = 100;
    c->base_kp = 100;
    c->base_kd = 20;
    c->base_weight = 0.1;
    c->posture_kp = 100;
    c->posture_kd = 20;
    c->posture_weight = 0.01;
    c->contact_kd = 10;
    c->accel_weight = 1e-6;
    c->force_weight = 1e-8;
    c->momentum_kd = 5;
    c->momentum_weight = 0.1;
    c->torso_frame = -1;
    c->torso_kp = 100;
    c->torso_kd = 20;
    c->torso_weight = 0.1;
    c->swing_kp = 400;
    c->swing_kd = 40;
    c->swing_weight = 100;
    c->hand_frame[0] = c->hand_frame[1] = -1;
    c->hand_kp = 100;
    c->hand_kd = 20;
    c->hand_weight = 10;
    c->limit_horizon = 0.05;
    c->brake_time = 0.01;
    c->max_iterations = XN_WBC_DEFAULT_ITERATIONS;
}

#define ALLOC(p, count) ((p) = calloc((size_t)(count) + 1, sizeof *(p)))

xn_status xn_wbc_create(const xn_model *m, const xn_wbc_config *cfg, xn_wbc **out, xn_error *err) {
    static const char *const fn = "xn_wbc_create";
    *out = NULL;
    if (m->nbody < 2 || m->body_nv[1] != 6)
        return xn_fail(err, XN_ERR_INVALID, fn, "the model's first joint is not a free joint");
    if (cfg->ncontact < 0 || cfg->ncontact > XN_WBC_MAX_CONTACTS)
        return xn_fail(err, XN_ERR_RANGE, fn, "ncontact %d (0 to %d)", cfg->ncontact,
                       XN_WBC_MAX_CONTACTS);
    if (cfg->torso_frame >= m->nframe)
        return xn_fail(err, XN_ERR_RANGE, fn, "torso_frame %d (the model has %d frames)",
                       cfg->torso_frame, m->nframe);
    for (int h = 0; h < 2; h++)
        if (cfg->hand_frame[h] >= m->nframe)
            return xn_fail(err, XN_ERR_RANGE, fn, "hand_frame[%d] %d (the model has %d frames)", h,
                           cfg->hand_frame[h], m->nframe);
    if (!(cfg->brake_time > 0))
        return xn_fail(err, XN_ERR_RANGE, fn, "brake_time %g (must be > 0)", cfg->brake_time);
    for (int k = 0; cfg->brake_accel && k < m->nv; k++)
        if (!(cfg->brake_accel[k] >= 0 && isfinite(cfg->brake_accel[k])))
            return xn_fail(err, XN_ERR_RANGE, fn, "brake_accel[%d] %g (must be >= 0 and finite)", k,
                           cfg->brake_accel[k]);
    for (int f = 0; f < cfg->ncontact; f++)
        if (cfg->contact[f].frame < 0 || cfg->contact[f].frame >= m->nframe)
            return xn_fail(err, XN_ERR_RANGE, fn, "contact[%d].frame %d (the model has %d frames)",
                           f, cfg->contact[f].frame, m->nframe);
    xn_wbc *w = calloc(1, sizeof *w);
    if (!w) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    w->m = m;
    w->cfg = *cfg;
    int nv = m->nv, nc = cfg->ncontact;
    w->nv = nv;
    w->n = nv + 12 * nc;
    w->me_max = 6 + 6 * nc;
    w->mi_max = 20 * nc + 2 * (nv - 6);
    w->d = xn_data_create(m);
    for (int l = 0; l < 3; l++) xn_qp_create(w->n, w->me_max, w->mi_max, &w->qp[l], NULL);
    size_t n = (size_t)w->n;
    ALLOC(w->H, n * n);
    ALLOC(w->g, n);
    ALLOC(w->Aeq, (size_t)w->me_max * n);
    ALLOC(w->beq, w->me_max);
    ALLOC(w->Ain, (size_t)w->mi_max * n);
    ALLOC(w->bin, w->mi_max);
    ALLOC(w->lo, n);
    ALLOC(w->hi, n);
    ALLOC(w->x, n);
    ALLOC(w->x_last, n);
    ALLOC(w->x_relaxed, n);
    ALLOC(w->M, (size_t)nv * (size_t)nv);
    ALLOC(w->h, nv);
    ALLOC(w->Ag, 6 * nv);
    ALLOC(w->Jcom, 3 * nv);
    ALLOC(w->Jbase, 6 * nv);
    ALLOC(w->Jtorso, 6 * nv);
    ALLOC(w->Jhand, 12 * nv);
    ALLOC(w->Jfoot, 6 * nc * nv);
    ALLOC(w->Jp, 12 * nc * nv);
    ALLOC(w->qtmp, m->nq);
    ALLOC(w->vtmp, nv);
    ALLOC(w->tau_max, nv);
    ALLOC(w->brake, nv);
    if (!w->d || !w->qp[0] || !w->qp[1] || !w->qp[2] || !w->H || !w->g || !w->Aeq || !w->beq ||
        !w->Ain || !w->bin || !w->lo || !w->hi || !w->x || !w->x_last || !w->x_relaxed || !w->M ||
        !w->h || !w->Ag || !w->Jcom || !w->Jbase || !w->Jtorso || !w->Jhand || !w->Jfoot ||
        !w->Jp || !w->qtmp || !w->vtmp || !w->tau_max || !w->brake) {
        xn_wbc_free(w);
        return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    }
    for (int k = 0; k < nv; k++)
        w->tau_max[k] = cfg->torque_max ? cfg->torque_max[k] : m->dof_effort[k];
    w->cfg.torque_max = NULL; /* copied */
    for (int k = 0; k < nv; k++) w->brake[k] = cfg->brake_accel ? cfg->brake_accel[k] : 0;
    w->cfg.brake_accel = NULL;
    for (int l = 0; l < 3; l++) xn_qp_set_warm_start(w->qp[l], 1);
    w->last_level = -1;
    /* the base's frame: the first frame on body 1 */
    w->base_frame = -1;
    for (int f = 0; f < m->nframe && w->base_frame < 0; f++)
        if (m->frame_body[f] == 1) w->base_frame = f;
    *out = w;
    return XN_OK;
}

void xn_wbc_free(xn_wbc *w) {
    if (!w) return;
    xn_data_free(w->d);
    for (int l = 0; l < 3; l++) xn_qp_free(w->qp[l]);
    free(w->H);
    free(w->g);
    free(w->Aeq);
    free(w->beq);
    free(w->Ain);
    free(w->bin);
    free(w->lo);
    free(w->hi);
    free(w->x);
    free(w->x_last);
    free(w->x_relaxed);
    free(w->M);
    free(w->h);
    free(w->Ag);
    free(w->Jcom);
    free(w->Jbase);
    free(w->Jtorso);
    free(w->Jhand);
    free(w->Jfoot);
    free(w->Jp);
    free(w->qtmp);
    free(w->vtmp);
    free(w->tau_max);
    free(w->brake);
    free(w);
}

/* H += weight A'A over the first nv variables; g -= weight A' b (A: rows x nv) */
static void add_task(xn_real *H, xn_real *g, int n, int nv, const xn_real *A, const xn_real *b,
                     int rows, xn_real weight) {
    for (int r = 0; r < rows; r++) {
        const xn_real *a = A + (size_t)r * (size_t)nv;
        for (int i = 0; i < nv; i++) {
            if (a[i] == 0) continue;
            xn_real wa = weight * a[i];
            for (int j = 0; j < nv; j++) H[(size_t)i * (size_t)n + (size_t)j] += wa * a[j];
            g[i] -= wa * b[r];
        }
    }
}

void xn_wbc_set_friction(xn_wbc *w, int contact, xn_real mu) {
    if (contact >= 0 && contact < w->cfg.ncontact && mu > 0) w->cfg.contact[contact].mu = mu;
}

xn_real xn_wbc_friction(const xn_wbc *w, int contact) {
    return contact >= 0 && contact < w->cfg.ncontact ? w->cfg.contact[contact].mu : 0;
}

void xn_wbc_targets_init(xn_wbc *w, const xn_real *q, xn_wbc_targets *t) {
    const xn_model *m = w->m;
    xn_data *d = w->d;
    memset(t, 0, sizeof *t);
    xn_dyn_com(m, d, q);
    memcpy(t->com, d->com, sizeof t->com);
    t->posture_scale = 1;
    xn_se3 F;
    xn_dyn_frame_placement(m, d, w->base_frame, &F);
    memcpy(t->base_R, F.R, sizeof t->base_R);
    if (w->cfg.torso_frame >= 0) {
        xn_dyn_frame_placement(m, d, w->cfg.torso_frame, &F);
        memcpy(t->torso_R, F.R, sizeof t->torso_R);
    } else {
        memcpy(t->torso_R, t->base_R, sizeof t->torso_R);
    }
    for (int f = 0; f < w->cfg.ncontact; f++) {
        xn_dyn_frame_placement(m, d, w->cfg.contact[f].frame, &F);
        memcpy(t->foot_position[f], F.p, sizeof F.p);
        memcpy(t->foot_R[f], F.R, sizeof F.R);
    }
    for (int k = 0; k < 2; k++)
        if (w->cfg.hand_frame[k] >= 0) {
            xn_dyn_frame_placement(m, d, w->cfg.hand_frame[k], &F);
            memcpy(t->hand_position[k], F.p, sizeof F.p);
        }
}

/* the rotation vector of Rt R' (world): the orientation error toward the target Rt */
static void orientation_error(const xn_real Rt[9], const xn_real R[9], xn_real e[3]) {
    xn_real Re[9];
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++)
            Re[3 * r + k] =
                Rt[3 * r] * R[3 * k] + Rt[3 * r + 1] * R[3 * k + 1] + Rt[3 * r + 2] * R[3 * k + 2];
    xn_rot_log(Re, e);
}

/* J v for rows of J (rows x nv) */
static void rows_times(const xn_real *J, int rows, int nv, const xn_real *v, xn_real *out) {
    for (int r = 0; r < rows; r++) {
        xn_real s = 0;
        for (int k = 0; k < nv; k++) s += J[(size_t)r * (size_t)nv + (size_t)k] * v[k];
        out[r] = s;
    }
}

/* An orientation task on a frame: PD toward Rt, with the frame's angular drift. */
static void orientation_task(xn_wbc *w, const xn_real *q, const xn_real *v, int frame,
                             const xn_real Rt[9], xn_real kp, xn_real kd, xn_real weight,
                             xn_real *J) {
    const xn_model *m = w->m;
    xn_real drift[6], wv[3], e[3], b[3];
    xn_dyn_frame_drift(m, w->d, q, v, frame, XN_LOCAL_WORLD_ALIGNED, drift);
    xn_dyn_frame_jacobian_at(m, w->d, q, frame, XN_LOCAL_WORLD_ALIGNED, J);
    xn_se3 F;
    xn_dyn_frame_placement(m, w->d, frame, &F);
    orientation_error(Rt, F.R, e);
    rows_times(J + 3 * w->nv, 3, w->nv, v, wv);
    for (int r = 0; r < 3; r++) b[r] = kp * e[r] - kd * wv[r] - drift[3 + r];
    add_task(w->H, w->g, w->n, w->nv, J + 3 * w->nv, b, 3, weight);
}

/* Acceleration bounds that keep each 1-DoF joint inside its position limits over the horizon h
 * (stopping from v at constant deceleration) and inside its velocity limit after h. A joint with a
 * braking deceleration a = brake[va] > 0 also keeps its speed toward each limit within
 * sqrt(2 a d), d the distance left, regaining it within tb. A joint already outside keeps only
 * the velocity bounds. */
static void limit_bounds(const xn_model *m, const xn_real *q, const xn_real *v, xn_real h,
                         const xn_real *brake, xn_real tb, xn_real *lo, xn_real *hi) {
    for (int bd = 2; bd < m->nbody; bd++) {
        if (m->body_nq[bd] != 1 || m->body_nv[bd] != 1) continue;
        int qa = m->body_qadr[bd], va = m->body_vadr[bd];
        xn_real vmax = m->dof_vmax[va], up = INFINITY, dn = -INFINITY;
        if (isfinite(m->q_upper[qa])) up = 2 * (m->q_upper[qa] - q[qa] - v[va] * h) / (h * h);
        if (isfinite(m->q_lower[qa])) dn = 2 * (m->q_lower[qa] - q[qa] - v[va] * h) / (h * h);
        xn_real a = brake[va];
        if (a > 0 && isfinite(m->q_upper[qa]) && q[qa] < m->q_upper[qa]) {
            xn_real b = (sqrt(2 * a * (m->q_upper[qa] - q[qa])) - v[va]) / tb;
            if (b < up) up = b;
        }
        if (a > 0 && isfinite(m->q_lower[qa]) && q[qa] > m->q_lower[qa]) {
            xn_real b = (-sqrt(2 * a * (q[qa] - m->q_lower[qa])) - v[va]) / tb;
            if (b > dn) dn = b;
        }
        xn_real vup = isfinite(vmax) ? (vmax - v[va]) / h : INFINITY,
                vdn = isfinite(vmax) ? (-vmax - v[va]) / h : -INFINITY;
        if (dn > up) { /* outside a position limit: the velocity bounds alone */
            up = INFINITY;
            dn = -INFINITY;
        }
        up = up < vup ? up : vup;
        dn = dn > vdn ? dn : vdn;
        if (dn > up) { /* past the velocity limit: no bound that could not be met */
            xn_real t = dn;
            dn = up;
            up = t;
        }
        lo[va] = dn;
        hi[va] = up;
    }
}

void xn_wbc_set_max_iterations(xn_wbc *w, int max_iterations) {
    w->cfg.max_iterations = max_iterations > 0 ? max_iterations : 0;
}

/* The budget ran out: the last solution's accelerations and forces, which this cycle's torques
 * are then computed from with this cycle's M, h and contact Jacobians (xn_wbc_solve's tail). A
 * foot that no longer stands carries no force. A cycle or two of this costs tracking, not
 * balance: the solution is one period old. */
static void shifted_solution(xn_wbc *w, int nc, const unsigned char *stance) {
    memcpy(w->x, w->x_last, (size_t)w->n * sizeof(xn_real));
    for (int f = 0; f < nc; f++)
        if (stance && !stance[f])
            for (int k = 0; k < 12; k++) w->x[w->nv + 12 * f + k] = 0;
}

/* What each relaxation level's problem is made of, this cycle */
typedef struct {
    const xn_real *q, *v;
    int me, mi, mi_contacts; /* equalities; inequalities, the contacts' first */
} wbc_level_problem;

/* Relaxation level `level`'s problem (0: every constraint; 1: without the joint-limit bounds;
 * 2: without the torque limits either), its bounds set in w->lo, w->hi */
static xn_qp_problem level_problem(xn_wbc *w, const wbc_level_problem *lp, int level) {
    const xn_wbc_config *c = &w->cfg;
    for (int i = 0; i < w->nv; i++) w->lo[i] = -INFINITY, w->hi[i] = INFINITY;
    if (level == 0)
        limit_bounds(w->m, lp->q, lp->v, c->limit_horizon, w->brake, c->brake_time, w->lo, w->hi);
    xn_qp_problem pb = {w->n,   lp->me, level < 2 ? lp->mi : lp->mi_contacts,
                        w->H,   w->g,   w->Aeq,
                        w->beq, w->Ain, w->bin,
                        w->lo,  w->hi};
    return pb;
}

/* Solve level `level`'s problem pb with its solver into w->x within `until` iterations
 * counted in *used (0: no limit) */
static xn_status solve_problem(xn_wbc *w, int level, const xn_qp_problem *pb, int until,
                               int *used) {
    int limit = until > 0 ? until - *used : 0; /* (a limit of 0 means the solver's default) */
    xn_qp_set_limits(w->qp[level], until > 0 ? (limit > 0 ? limit : 1) : 0, 0);
    xn_status st = xn_qp_solve(w->qp[level], pb, w->x, NULL, NULL, NULL); /* no KKT residuals */
    *used += xn_qp_last_iterations(w->qp[level]);
    return st;
}

static xn_status solve_level(xn_wbc *w, const wbc_level_problem *lp, int level, int until,
                             int *used) {
    xn_qp_problem pb = level_problem(w, lp, level);
    return solve_problem(w, level, &pb, until, used);
}

/* whether the accelerations keep the joint-limit bounds, to the QP's tolerance */
static int within_bounds(const xn_real *x, const xn_real *lo, const xn_real *hi, int nv) {
    for (int i = 0; i < nv; i++) {
        if (isfinite(lo[i]) && !(x[i] >= lo[i] - 1e-10 * (1 + fabs(lo[i])))) return 0;
        if (isfinite(hi[i]) && !(x[i] <= hi[i] + 1e-10 * (1 + fabs(hi[i])))) return 0;
    }
    return 1;
}

xn_status xn_wbc_solve(xn_wbc *w, const xn_real *q, const xn_real *v, const xn_wbc_targets *t,
                       const unsigned char *stance, xn_real *tau, xn_wbc_result *res) {
    const xn_model *m = w->m;
    const xn_wbc_config *c = &w->cfg;
    xn_data *d = w->d;
    int nv = w->nv, n = w->n, nc = c->ncontact;
    /* ---- model terms ---- */
    xn_dyn_crba(m, d, q);
    memcpy(w->M, d->M, (size_t)nv * (size_t)nv * sizeof(xn_real));
    xn_dyn_nle(m, d, q, v);
    xn_dyn_passive(m, v, w->vtmp);
    for (int k = 0; k < nv; k++) w->h[k] = d->nle[k] - w->vtmp[k];
    /* centroidal momentum h_G = Ag v (its linear part is the mass times the CoM velocity), and
     * its drift Agdot v by a difference of the map along v */
    xn_real com[3], comv[3], hg[6], drift[6];
    const xn_real eps = 1e-6;
    xn_dyn_centroidal_map(m, d, q);
    xn_real mass = d->mass;
    memcpy(com, d->com, sizeof com);
    memcpy(w->Ag, d->Ag, 6 * (size_t)nv * sizeof(xn_real));
    xn_lie_integrate(m, q, v, eps, w->qtmp);
    xn_dyn_centroidal_map(m, d, w->qtmp);
    rows_times(w->Ag, 6, nv, v, hg);
    rows_times(d->Ag, 6, nv, v, drift);
    for (int r = 0; r < 6; r++) drift[r] = (drift[r] - hg[r]) / eps;
    for (int r = 0; r < 3; r++) comv[r] = hg[r] / mass;
    for (int k = 0; k < 3 * nv; k++) w->Jcom[k] = w->Ag[k] / mass;
    /* the feet: Jacobians, drifts, velocities, placements, and the corners' Jacobians */
    for (int f = 0; f < nc; f++) {
        const xn_wbc_contact *ct = &c->contact[f];
        xn_real *Jf = w->Jfoot + (size_t)(6 * f) * (size_t)nv;
        xn_dyn_frame_drift(m, d, q, v, ct->frame, XN_LOCAL_WORLD_ALIGNED, w->drift_foot[f]);
        xn_dyn_frame_jacobian_at(m, d, q, ct->frame, XN_LOCAL_WORLD_ALIGNED, Jf);
        xn_se3 *F = &w->foot[f];
        xn_dyn_frame_placement(m, d, ct->frame, F);
        rows_times(Jf, 6, nv, v, w->vfoot[f]);
        for (int k = 0; k < 4; k++) {
            xn_real rw[3]; /* the corner from the frame's origin, world axes */
            for (int a = 0; a < 3; a++)
                rw[a] = F->R[3 * a] * ct->corner[k][0] + F->R[3 * a + 1] * ct->corner[k][1] +
                        F->R[3 * a + 2] * ct->corner[k][2];
            xn_real *Jp = w->Jp + (size_t)(3 * (4 * f + k)) * (size_t)nv;
            for (int j = 0; j < nv; j++) {
                /* v_p = v_o + w x r = J_lin + (-[r]x) J_ang */
                xn_real wx = Jf[3 * nv + j], wy = Jf[4 * nv + j], wz = Jf[5 * nv + j];
                Jp[j] = Jf[j] + wy * rw[2] - wz * rw[1];
                Jp[nv + j] = Jf[nv + j] + wz * rw[0] - wx * rw[2];
                Jp[2 * nv + j] = Jf[2 * nv + j] + wx * rw[1] - wy * rw[0];
            }
        }
    }
    /* ---- the cost ---- */
    memset(w->H, 0, (size_t)n * (size_t)n * sizeof(xn_real));
    memset(w->g, 0, (size_t)n * sizeof(xn_real));
    xn_real b[6];
    for (int r = 0; r < 3; r++)
        b[r] = t->com_acceleration[r] + c->com_kp * (t->com[r] - com[r]) +
               c->com_kd * (t->com_velocity[r] - comv[r]) - drift[r] / mass;
    add_task(w->H, w->g, n, nv, w->Jcom, b, 3, c->com_weight);
    xn_real ps = t->posture_scale > 0 && t->posture_scale <= 1 ? t->posture_scale : 1;
    if (c->momentum_weight > 0) {
        for (int r = 0; r < 3; r++) b[r] = -c->momentum_kd * hg[3 + r] - drift[3 + r];
        add_task(w->H, w->g, n, nv, w->Ag + 3 * nv, b, 3, ps * c->momentum_weight);
    }
    orientation_task(w, q, v, w->base_frame, t->base_R, c->base_kp, c->base_kd, ps * c->base_weight,
                     w->Jbase);
    if (c->torso_frame >= 0)
        orientation_task(w, q, v, c->torso_frame, t->torso_R, c->torso_kp, c->torso_kd,
                         ps * c->torso_weight, w->Jtorso);
    /* swing feet: the pose they are given */
    for (int f = 0; f < nc; f++) {
        if (!stance || stance[f]) continue;
        const xn_real *Jf = w->Jfoot + (size_t)(6 * f) * (size_t)nv;
        xn_real e[3];
        orientation_error(t->foot_R[f], w->foot[f].R, e);
        for (int r = 0; r < 3; r++) {
            b[r] = t->foot_acceleration[f][r] +
                   c->swing_kp * (t->foot_position[f][r] - w->foot[f].p[r]) +
                   c->swing_kd * (t->foot_velocity[f][r] - w->vfoot[f][r]) - w->drift_foot[f][r];
            b[3 + r] =
                c->swing_kp * e[r] - c->swing_kd * w->vfoot[f][3 + r] - w->drift_foot[f][3 + r];
        }
        add_task(w->H, w->g, n, nv, Jf, b, 6, c->swing_weight);
    }
    /* hands: a position each */
    for (int k = 0; k < 2; k++) {
        if (c->hand_frame[k] < 0 || !t->hand_active[k]) continue;
        xn_real *J = w->Jhand + (size_t)(6 * k) * (size_t)nv, dh[6], vh[3];
        xn_dyn_frame_drift(m, d, q, v, c->hand_frame[k], XN_LOCAL_WORLD_ALIGNED, dh);
        xn_dyn_frame_jacobian_at(m, d, q, c->hand_frame[k], XN_LOCAL_WORLD_ALIGNED, J);
        xn_se3 F;
        xn_dyn_frame_placement(m, d, c->hand_frame[k], &F);
        rows_times(J, 3, nv, v, vh);
        for (int r = 0; r < 3; r++)
            b[r] = c->hand_kp * (t->hand_position[k][r] - F.p[r]) - c->hand_kd * vh[r] - dh[r];
        add_task(w->H, w->g, n, nv, J, b, 3, c->hand_weight);
    }
    /* posture and regularization, diagonal */
    for (int bd = 2; bd < m->nbody; bd++) {
        if (m->body_nq[bd] != 1 || m->body_nv[bd] != 1) continue;
        int qa = m->body_qadr[bd], va = m->body_vadr[bd];
        xn_real want = -c->posture_kd * v[va];
        if (t->posture) want += c->posture_kp * (t->posture[qa] - q[qa]);
        w->H[(size_t)va * (size_t)n + (size_t)va] += ps * c->posture_weight;
        w->g[va] -= ps * c->posture_weight * want;
    }
    for (int i = 0; i < n; i++)
        w->H[(size_t)i * (size_t)n + (size_t)i] += i < nv ? c->accel_weight : c->force_weight;
    /* ---- constraints ---- */
    /* equalities: the base's equations of motion, the stance feet */
    int me = 0, mi = 0;
    memset(w->Aeq, 0, (size_t)w->me_max * (size_t)n * sizeof(xn_real));
    memset(w->Ain, 0, (size_t)w->mi_max * (size_t)n * sizeof(xn_real));
    for (int r = 0; r < 6; r++, me++) {
        xn_real *row = w->Aeq + (size_t)me * (size_t)n;
        for (int k = 0; k < nv; k++) row[k] = w->M[(size_t)r * (size_t)nv + (size_t)k];
        for (int p = 0; p < 4 * nc; p++)
            for (int a = 0; a < 3; a++)
                row[nv + 3 * p + a] = -w->Jp[(size_t)(3 * p + a) * (size_t)nv + (size_t)r];
        w->beq[me] = -w->h[r];
    }
    /* Every foot has the same rows whether it stands or swings, so that the QP's sizes do not
     * change when a foot lifts or lands and its warm start carries on: a standing foot's six
     * rows keep it still and its twenty its forces in their cones; a swinging foot's six rows
     * hold six of its forces at zero (its bounds the other six) and its twenty are empty
     * (0 >= -1, never active). */
    for (int f = 0; f < nc; f++) {
        int on = !stance || stance[f];
        int fv = nv + 12 * f; /* the foot's first force variable */
        for (int k = 0; k < 12; k++) {
            w->lo[fv + k] = on || k < 6 ? -INFINITY : 0;
            w->hi[fv + k] = on || k < 6 ? INFINITY : 0;
        }
        const xn_real *Jf = w->Jfoot + (size_t)(6 * f) * (size_t)nv;
        for (int r = 0; r < 6; r++, me++) {
            xn_real *row = w->Aeq + (size_t)me * (size_t)n;
            if (on) {
                memcpy(row, Jf + (size_t)r * (size_t)nv, (size_t)nv * sizeof(xn_real));
                w->beq[me] = -w->drift_foot[f][r] - c->contact_kd * w->vfoot[f][r];
            } else {
                row[fv + r] = 1;
                w->beq[me] = 0;
            }
        }
        if (!on) {
            for (int k = 0; k < 20; k++) w->bin[mi++] = -1;
            continue;
        }
        /* friction pyramids (inscribed: mu / sqrt 2 per axis) and the least normal force */
        xn_real mu = c->contact[f].mu / sqrt(2.0),
                fmin = c->contact[f].fz_min > 0 ? c->contact[f].fz_min : 0;
        for (int k = 0; k < 4; k++) {
            int base = fv + 3 * k;
            xn_real *r0 = w->Ain + (size_t)mi * (size_t)n;
            r0[base + 2] = 1;
            w->bin[mi++] = fmin;
            for (int a = 0; a < 2; a++)
                for (int sgn = -1; sgn <= 1; sgn += 2) {
                    xn_real *r1 = w->Ain + (size_t)mi * (size_t)n;
                    r1[base + 2] = mu;
                    r1[base + a] = sgn;
                    w->bin[mi++] = 0;
                }
        }
    }
    /* torque limits of the actuated DoFs: tau = M qdd + h - sum Jp' f */
    int mi_contacts = mi;
    for (int j = 6; j < nv; j++) {
        if (!isfinite(w->tau_max[j])) continue;
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            xn_real *row = w->Ain + (size_t)mi * (size_t)n;
            for (int k = 0; k < nv; k++) row[k] = sgn * w->M[(size_t)j * (size_t)nv + (size_t)k];
            for (int p = 0; p < 4 * nc; p++)
                for (int a = 0; a < 3; a++)
                    row[nv + 3 * p + a] =
                        -sgn * w->Jp[(size_t)(3 * p + a) * (size_t)nv + (size_t)j];
            w->bin[mi++] = -w->tau_max[j] - sgn * w->h[j];
        }
    }
    /* Solve. The levels: 0 every constraint, 1 without the joint-limit bounds, 2 without the
     * torque limits either; the contacts and the equations of motion are never given up. Which
     * level comes first follows the last cycle, so that a relaxation episode (the bounds
     * infeasible for many cycles in a hard push) does not prove the bounds infeasible from
     * scratch every cycle: that took 100 to 400 iterations a cycle, and the relaxed problem
     * then started over. Every path is bounded by the budget; when it runs out before any
     * optimum, the last solution stands in (shifted_solution). */
    wbc_level_problem lp = {q, v, me, mi, mi_contacts};
    int used = 0, budget = c->max_iterations > 0 ? c->max_iterations : 0, relaxed = 1;
    xn_status st = XN_ERR_INFEASIBLE;
    if (c->limit_horizon > 0 && w->last_level <= 0) {
        /* as the last cycle: every constraint, warm-started from the last solve, with the
         * budget but for RELAXED_RESERVE; past that, or where infeasible, level 1 */
        int until = budget > 2 * RELAXED_RESERVE ? budget - RELAXED_RESERVE : budget / 2;
        st = solve_level(w, &lp, 0, budget ? (until > 0 ? until : 1) : 0, &used);
        relaxed = st == XN_OK ? 0 : 1;
        if (st != XN_OK && (!budget || used < budget)) {
            /* the same H and equalities as level 0, and its active set as the guesses when
             * the last cycle was not relaxed (its own are from an older episode) */
            xn_qp_share_start(w->qp[1], w->qp[0]);
            if (w->last_level != 1) xn_qp_warm_from(w->qp[1], w->qp[0]);
            st = solve_level(w, &lp, 1, budget, &used);
        } else if (st != XN_OK) {
            st = XN_ERR_ITERATIONS;
        }
    } else {
        /* the last cycle was relaxed (or there are no bounds): level 1 first, warm-started
         * from its own last solve. Where its optimum keeps the joint-limit bounds, it is the
         * bounded problem's too. Where not, and the last cycle's proof that the bounds cannot
         * hold does not hold again (xn_qp_infeasible_again: a QR instead of 100-300
         * iterations), the bounded problem goes on from that optimum (dual feasible for it:
         * it only has constraints more) with the rest of the budget; the relaxed optimum
         * stands when that proves infeasible or runs out. */
        st = solve_level(w, &lp, 1, budget, &used);
        if (st == XN_OK && c->limit_horizon > 0) {
            xn_qp_problem bounded = level_problem(w, &lp, 0);
            if (within_bounds(w->x, w->lo, w->hi, nv)) {
                relaxed = 0;
            } else if (!xn_qp_infeasible_again(w->qp[0], &bounded) && (!budget || used < budget)) {
                memcpy(w->x_relaxed, w->x, (size_t)n * sizeof(xn_real));
                xn_qp_continue_from(w->qp[0], w->qp[1]);
                if (solve_problem(w, 0, &bounded, budget, &used) == XN_OK)
                    relaxed = 0;
                else
                    memcpy(w->x, w->x_relaxed, (size_t)n * sizeof(xn_real));
            }
        }
    }
    if (st == XN_ERR_INFEASIBLE) { /* level 1 too: the torque limits go as well */
        relaxed = 2;
        if (budget && used >= budget) {
            st = XN_ERR_ITERATIONS;
        } else {
            xn_qp_share_start(w->qp[2], w->qp[1]);
            if (w->last_level != 2) xn_qp_warm_from(w->qp[2], w->qp[1]);
            st = solve_level(w, &lp, 2, budget, &used);
        }
    }
    w->last_level = st == XN_OK ? relaxed : -1;
    if (c->limit_horizon <= 0 && relaxed > 0) relaxed--; /* no bounds: none dropped */
    int fallback = st == XN_ERR_ITERATIONS && w->have_last;
    if (fallback) shifted_solution(w, nc, stance);
    if (res) {
        res->status = st;
        res->iterations = used;
        res->fallback = fallback;
        res->relaxed = relaxed;
        memcpy(res->com, com, sizeof com);
        memcpy(res->com_velocity, comv, sizeof comv);
        memcpy(res->angular_momentum, hg + 3, sizeof res->angular_momentum);
        res->normal_total = 0;
        res->qdd = w->x;
        for (int p = 0; p < 12 * nc; p++) res->force[p] = w->x[nv + p];
        for (int p = 0; p < 4 * nc; p++) res->normal_total += w->x[nv + 3 * p + 2];
    }
    if (st != XN_OK && !fallback) return st;
    if (!fallback) {
        memcpy(w->x_last, w->x, (size_t)n * sizeof(xn_real));
        w->have_last = 1;
    }
    for (int j = 0; j < nv; j++) {
        xn_real s = w->h[j];
        for (int k = 0; k < nv; k++) s += w->M[(size_t)j * (size_t)nv + (size_t)k] * w->x[k];
        for (int p = 0; p < 12 * nc; p++)
            s -= w->Jp[(size_t)p * (size_t)nv + (size_t)j] * w->x[nv + p];
        /* the fallback's torques come from accelerations and forces solved for another
         * state: they are held to the torque limits the QP would have kept */
        if (fallback && j >= 6 && isfinite(w->tau_max[j]))
            s = s > w->tau_max[j] ? w->tau_max[j] : s < -w->tau_max[j] ? -w->tau_max[j] : s;
        tau[j] = j < 6 ? 0 : s;
    }
    return XN_OK;
}
