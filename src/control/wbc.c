/* Whole-body control by task-space inverse dynamics with contacts (see wbc.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/wbc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

struct xn_wbc {
    const xn_model *m;
    xn_wbc_config cfg;
    xn_data *d;
    xn_qp *qp;
    int nv, n, me_max, mi_max, base_frame;
    xn_real *H, *g, *Aeq, *beq, *Ain, *bin, *lo, *hi, *x;
    xn_real *M, *h, *Jcom, *Jbase, *Jfoot,
        *Jp; /* Jfoot: 6 x nv per contact; Jp: 3 x nv per corner */
    xn_real *qtmp, *vtmp, *tau_max;
    xn_real drift_foot[XN_WBC_MAX_CONTACTS][6], vfoot[XN_WBC_MAX_CONTACTS][6];
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
}

#define ALLOC(p, count) ((p) = calloc((size_t)(count) + 1, sizeof *(p)))

xn_wbc *xn_wbc_create(const xn_model *m, const xn_wbc_config *cfg) {
    if (m->nbody < 2 || m->body_nv[1] != 6 || cfg->ncontact < 0 ||
        cfg->ncontact > XN_WBC_MAX_CONTACTS)
        return NULL;
    xn_wbc *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->m = m;
    w->cfg = *cfg;
    int nv = m->nv, nc = cfg->ncontact;
    w->nv = nv;
    w->n = nv + 12 * nc;
    w->me_max = 6 + 6 * nc;
    w->mi_max = 20 * nc + 2 * (nv - 6);
    w->d = xn_data_create(m);
    w->qp = xn_qp_create(w->n, w->me_max, w->mi_max);
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
    ALLOC(w->M, (size_t)nv * (size_t)nv);
    ALLOC(w->h, nv);
    ALLOC(w->Jcom, 3 * nv);
    ALLOC(w->Jbase, 6 * nv);
    ALLOC(w->Jfoot, 6 * nc * nv);
    ALLOC(w->Jp, 12 * nc * nv);
    ALLOC(w->qtmp, m->nq);
    ALLOC(w->vtmp, nv);
    ALLOC(w->tau_max, nv);
    if (!w->d || !w->qp || !w->H || !w->g || !w->Aeq || !w->beq || !w->Ain || !w->bin || !w->lo ||
        !w->hi || !w->x || !w->M || !w->h || !w->Jcom || !w->Jbase || !w->Jfoot || !w->Jp ||
        !w->qtmp || !w->vtmp || !w->tau_max) {
        xn_wbc_free(w);
        return NULL;
    }
    for (int k = 0; k < nv; k++)
        w->tau_max[k] = cfg->torque_max ? cfg->torque_max[k] : m->dof_effort[k];
    w->cfg.torque_max = NULL; /* copied */
    xn_qp_set_warm_start(w->qp, 1);
    /* the base's frame: the first frame on body 1 */
    w->base_frame = -1;
    for (int f = 0; f < m->nframe && w->base_frame < 0; f++)
        if (m->frame_body[f] == 1) w->base_frame = f;
    return w;
}

void xn_wbc_free(xn_wbc *w) {
    if (!w) return;
    xn_data_free(w->d);
    xn_qp_free(w->qp);
    free(w->H);
    free(w->g);
    free(w->Aeq);
    free(w->beq);
    free(w->Ain);
    free(w->bin);
    free(w->lo);
    free(w->hi);
    free(w->x);
    free(w->M);
    free(w->h);
    free(w->Jcom);
    free(w->Jbase);
    free(w->Jfoot);
    free(w->Jp);
    free(w->qtmp);
    free(w->vtmp);
    free(w->tau_max);
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
    /* centre of mass, and its drift Jdot v by a difference of Jacobians along v */
    xn_real com[3], comv[3] = {0, 0, 0}, drift_com[3] = {0, 0, 0};
    const xn_real eps = 1e-6;
    xn_dyn_com_jacobian(m, d, q);
    memcpy(com, d->com, sizeof com);
    memcpy(w->Jcom, d->Jcom, 3 * (size_t)nv * sizeof(xn_real));
    xn_lie_integrate(m, q, v, eps, w->qtmp);
    xn_dyn_com_jacobian(m, d, w->qtmp);
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < nv; k++) {
            comv[r] += w->Jcom[r * nv + k] * v[k];
            drift_com[r] += (d->Jcom[r * nv + k] - w->Jcom[r * nv + k]) * v[k] / eps;
        }
    /* the base's orientation, angular velocity and drift */
    xn_real drift_base[6];
    xn_dyn_frame_drift(m, d, q, v, w->base_frame, XN_LOCAL_WORLD_ALIGNED, drift_base);
    xn_dyn_frame_jacobian_at(m, d, q, w->base_frame, XN_LOCAL_WORLD_ALIGNED, w->Jbase);
    xn_se3 B;
    xn_dyn_frame_placement(m, d, w->base_frame, &B);
    /* the feet: Jacobians, drifts, velocities, and the corners' Jacobians */
    for (int f = 0; f < nc; f++) {
        const xn_wbc_contact *ct = &c->contact[f];
        xn_real *Jf = w->Jfoot + (size_t)(6 * f) * (size_t)nv;
        xn_dyn_frame_drift(m, d, q, v, ct->frame, XN_LOCAL_WORLD_ALIGNED, w->drift_foot[f]);
        xn_dyn_frame_jacobian_at(m, d, q, ct->frame, XN_LOCAL_WORLD_ALIGNED, Jf);
        xn_se3 F;
        xn_dyn_frame_placement(m, d, ct->frame, &F);
        for (int r = 0; r < 6; r++) {
            xn_real s = 0;
            for (int k = 0; k < nv; k++) s += Jf[r * nv + k] * v[k];
            w->vfoot[f][r] = s;
        }
        for (int k = 0; k < 4; k++) {
            xn_real rw[3]; /* the corner from the frame's origin, world axes */
            for (int a = 0; a < 3; a++)
                rw[a] = F.R[3 * a] * ct->corner[k][0] + F.R[3 * a + 1] * ct->corner[k][1] +
                        F.R[3 * a + 2] * ct->corner[k][2];
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
    /* ---- the QP ---- */
    memset(w->H, 0, (size_t)n * (size_t)n * sizeof(xn_real));
    memset(w->g, 0, (size_t)n * sizeof(xn_real));
    xn_real b[3];
    for (int r = 0; r < 3; r++)
        b[r] = c->com_kp * (t->com[r] - com[r]) + c->com_kd * (t->com_velocity[r] - comv[r]) -
               drift_com[r];
    add_task(w->H, w->g, n, nv, w->Jcom, b, 3, c->com_weight);
    /* orientation: the rotation vector of R_target R' (world) */
    xn_real Re[9], e[3], wb[3];
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++)
            Re[3 * r + k] = t->base_R[3 * r] * B.R[3 * k] + t->base_R[3 * r + 1] * B.R[3 * k + 1] +
                            t->base_R[3 * r + 2] * B.R[3 * k + 2];
    xn_rot_log(Re, e);
    for (int r = 0; r < 3; r++) {
        wb[r] = 0;
        for (int k = 0; k < nv; k++) wb[r] += w->Jbase[(3 + r) * nv + k] * v[k];
        b[r] = c->base_kp * e[r] - c->base_kd * wb[r] - drift_base[3 + r];
    }
    add_task(w->H, w->g, n, nv, w->Jbase + 3 * nv, b, 3, c->base_weight);
    /* posture and regularization, diagonal */
    for (int bd = 2; bd < m->nbody; bd++) {
        if (m->body_nq[bd] != 1 || m->body_nv[bd] != 1) continue;
        int qa = m->body_qadr[bd], va = m->body_vadr[bd];
        xn_real want = c->posture_kp * (t->posture[qa] - q[qa]) - c->posture_kd * v[va];
        w->H[(size_t)va * (size_t)n + (size_t)va] += c->posture_weight;
        w->g[va] -= c->posture_weight * want;
    }
    for (int i = 0; i < n; i++)
        w->H[(size_t)i * (size_t)n + (size_t)i] += i < nv ? c->accel_weight : c->force_weight;
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
    for (int f = 0; f < nc; f++) {
        int on = !stance || stance[f];
        for (int k = 0; k < 12; k++) {
            w->lo[nv + 12 * f + k] = on ? -INFINITY : 0;
            w->hi[nv + 12 * f + k] = on ? INFINITY : 0;
        }
        if (!on) continue;
        const xn_real *Jf = w->Jfoot + (size_t)(6 * f) * (size_t)nv;
        for (int r = 0; r < 6; r++, me++) {
            memcpy(w->Aeq + (size_t)me * (size_t)n, Jf + (size_t)r * (size_t)nv,
                   (size_t)nv * sizeof(xn_real));
            w->beq[me] = -w->drift_foot[f][r] - c->contact_kd * w->vfoot[f][r];
        }
        /* friction pyramids (inscribed: mu / sqrt 2 per axis) and the least normal force */
        xn_real mu = c->contact[f].mu / sqrt(2.0),
                fmin = c->contact[f].fz_min > 0 ? c->contact[f].fz_min : 0;
        for (int k = 0; k < 4; k++) {
            int base = nv + 12 * f + 3 * k;
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
    for (int i = 0; i < nv; i++) w->lo[i] = -INFINITY, w->hi[i] = INFINITY;
    /* torque limits of the actuated DoFs: tau = M qdd + h - sum Jp' f */
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
    xn_qp_problem pb = {n, me, mi, w->H, w->g, w->Aeq, w->beq, w->Ain, w->bin, w->lo, w->hi};
    xn_qp_info info;
    xn_qp_status st = xn_qp_solve(w->qp, &pb, w->x, NULL, &info);
    if (res) {
        res->status = st;
        res->iterations = info.iterations;
        memcpy(res->com, com, sizeof com);
        memcpy(res->com_velocity, comv, sizeof comv);
        res->normal_total = 0;
        res->qdd = w->x;
        for (int p = 0; p < 12 * nc; p++) res->force[p] = w->x[nv + p];
        for (int p = 0; p < 4 * nc; p++) res->normal_total += w->x[nv + 3 * p + 2];
    }
    if (st != XN_QP_OPTIMAL) return XN_ERR_NUMERIC;
    for (int j = 0; j < nv; j++) {
        xn_real s = w->h[j];
        for (int k = 0; k < nv; k++) s += w->M[(size_t)j * (size_t)nv + (size_t)k] * w->x[k];
        for (int p = 0; p < 12 * nc; p++)
            s -= w->Jp[(size_t)p * (size_t)nv + (size_t)j] * w->x[nv + p];
        tau[j] = j < 6 ? 0 : s;
    }
    return XN_OK;
}
