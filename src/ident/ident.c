/* Identification: the object, its samples, the rows they give, and what a solve found.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident/ident_internal.h"
#include "model/error_internal.h"

void xn_ident_default_options(xn_ident_options *o) {
    memset(o, 0, sizeof *o);
    o->friction = 1;
    o->v_smooth = 0.01;
    o->rank_tol = 1e-6;
    o->prior_weight = 1e-6;
}

/* The Coulomb term's sign, linear inside the smoothing zone. */
static xn_real smooth_sign(xn_real v, xn_real eps) {
    if (v > eps) return 1;
    if (v < -eps) return -1;
    return v / eps;
}

/* The parameters' typical sizes, from the body's nominal mass and a 0.1 m arm. */
static void typical_scales(xn_ident *id) {
    const xn_model *m = id->m;
    for (int b = 1; b < m->nbody; b++) {
        xn_real mass = fmax(m->body_inertia[b].m, 1e-3), L = 0.1;
        xn_real *s = id->scale + XN_DYN_BODY_PARAMS * (b - 1);
        s[0] = mass;
        for (int i = 1; i < 4; i++) s[i] = mass * L;
        for (int i = 4; i < 10; i++) s[i] = mass * L * L;
    }
    for (int k = 0; k < m->nv; k++) {
        id->scale[id->ndyn - m->nv + k] = fmax(m->dof_armature[k], 0.01);
        xn_real *f = id->scale + id->ndyn + 3 * k;
        f[0] = fmax(m->dof_damping[k], 0.1);
        f[1] = fmax(m->dof_friction[k], 0.1);
        f[2] = 0.1;
    }
}

xn_status xn_ident_create(const xn_model *m, const xn_ident_options *opt, xn_ident **out,
                          xn_error *err) {
    static const char *const fn = "xn_ident_create";
    *out = NULL;
    xn_ident_options o;
    if (opt)
        o = *opt;
    else
        xn_ident_default_options(&o);
    int floating = m->nbody > 1 && m->body_jtype[1] == XN_JOINT_FREE;
    if (o.nmeasured == 0 && floating)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "a floating-base model needs the measured DoFs (options.measured): its "
                       "base is not driven");
    if (o.nmeasured < 0 || o.nmeasured > m->nv || (o.nmeasured > 0 && !o.measured))
        return xn_fail(err, XN_ERR_RANGE, fn, "nmeasured %d: expected 0 .. %d with the list",
                       o.nmeasured, m->nv);
    if (!(o.v_smooth > 0) || !(o.rank_tol > 0 && o.rank_tol < 1) || !(o.prior_weight >= 0) ||
        !isfinite(o.prior_weight))
        return xn_fail(err, XN_ERR_RANGE, fn,
                       "options: v_smooth > 0, 0 < rank_tol < 1 and prior_weight >= 0 expected");
    xn_ident *id = calloc(1, sizeof *id);
    if (!id) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    id->m = m;
    id->opt = o;
    id->nmeas = o.nmeasured ? o.nmeasured : m->nv;
    id->meas = calloc((size_t)id->nmeas, sizeof *id->meas);
    id->ndyn = xn_dyn_regressor_cols(m);
    id->p = id->ndyn + (XN_IDENT_JOINT_PARAMS - 1) * m->nv;
    size_t p = (size_t)id->p;
    id->fixed = calloc(p, 1);
    id->pi0 = calloc(p, sizeof(xn_real));
    id->pi = calloc(p, sizeof(xn_real));
    id->scale = calloc(p, sizeof(xn_real));
    id->Y = calloc((size_t)m->nv * (size_t)id->ndyn, sizeof(xn_real));
    id->row = calloc((size_t)id->nmeas * (p + 1), sizeof(xn_real));
    id->d = xn_data_create(m);
    if (!id->meas || !id->fixed || !id->pi0 || !id->pi || !id->scale || !id->Y || !id->row ||
        !id->d) {
        xn_ident_free(id);
        return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    }
    unsigned char *seen = calloc((size_t)m->nv, 1);
    for (int j = 0; j < id->nmeas; j++) {
        int k = o.nmeasured ? o.measured[j] : j;
        if (k < 0 || k >= m->nv || (seen && seen[k])) {
            free(seen);
            xn_ident_free(id);
            return xn_fail_at(err, XN_ERR_RANGE, fn, j,
                              "measured DoF %d (entry %d): out of 0 .. %d or given twice", k, j,
                              m->nv - 1);
        }
        if (seen) seen[k] = 1;
        id->meas[j] = k;
    }
    free(seen);
    xn_dyn_regressor_params(m, id->pi0);
    for (int k = 0; k < m->nv; k++) {
        xn_real *f = id->pi0 + id->ndyn + 3 * k;
        f[0] = m->dof_damping[k];
        f[1] = m->dof_friction[k];
        f[2] = 0;
        if (!o.friction)
            id->fixed[id->ndyn + 3 * k] = id->fixed[id->ndyn + 3 * k + 1] =
                id->fixed[id->ndyn + 3 * k + 2] = 1;
    }
    if (o.free_params)
        for (size_t k = 0; k < p; k++) id->fixed[k] |= !o.free_params[k];
    id->opt.free_params = NULL; /* the caller's array need not outlive the call */
    memcpy(id->pi, id->pi0, p * sizeof(xn_real));
    typical_scales(id);
    *out = id;
    return XN_OK;
}

static void free_results(xn_ident *id) {
    free(id->perm), free(id->beta), free(id->ci95), free(id->beta_nominal);
    free(id->beta_consistent), free(id->comb_start), free(id->comb_index), free(id->comb_coef);
    free(id->sigma);
    id->perm = id->comb_start = id->comb_index = NULL;
    id->beta = id->ci95 = id->beta_nominal = id->beta_consistent = id->comb_coef = id->sigma = NULL;
    id->solved = 0;
}

void xn_ident_free(xn_ident *id) {
    if (!id) return;
    free_results(id);
    free(id->meas), free(id->fixed), free(id->pi0), free(id->pi), free(id->scale);
    free(id->base_cols);
    free(id->Y), free(id->row), free(id->q), free(id->v), free(id->a), free(id->tau);
    xn_data_free(id->d);
    free(id);
}

void xn_ident_clear(xn_ident *id) {
    id->n = 0;
    id->solved = 0;
}

int xn_ident_nsamples(const xn_ident *id) { return id->n; }
int xn_ident_nparam(const xn_ident *id) { return id->p; }
int xn_ident_nmeasured(const xn_ident *id) { return id->nmeas; }

static int all_finite(const xn_real *x, int n, int *bad) {
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            *bad = i;
            return 0;
        }
    return 1;
}

xn_status xn_ident_add(xn_ident *id, const xn_real *q, const xn_real *v, const xn_real *a,
                       const xn_real *tau, xn_error *err) {
    static const char *const fn = "xn_ident_add";
    const xn_model *m = id->m;
    int bad = 0;
    const struct {
        const xn_real *x;
        int n;
        const char *what;
    } parts[4] = {{q, m->nq, "q"}, {v, m->nv, "v"}, {a, m->nv, "a"}, {tau, id->nmeas, "tau"}};
    for (int i = 0; i < 4; i++)
        if (!all_finite(parts[i].x, parts[i].n, &bad))
            return xn_fail_at(err, XN_ERR_RANGE, fn, bad, "sample %d: %s[%d] is %g, not finite",
                              id->n, parts[i].what, bad, (double)parts[i].x[bad]);
    if (id->n == id->cap) {
        int cap = id->cap ? 2 * id->cap : 1024;
        xn_real *nq = realloc(id->q, (size_t)cap * (size_t)m->nq * sizeof(xn_real));
        if (nq) id->q = nq;
        xn_real *nv = realloc(id->v, (size_t)cap * (size_t)m->nv * sizeof(xn_real));
        if (nv) id->v = nv;
        xn_real *na = realloc(id->a, (size_t)cap * (size_t)m->nv * sizeof(xn_real));
        if (na) id->a = na;
        xn_real *nt = realloc(id->tau, (size_t)cap * (size_t)id->nmeas * sizeof(xn_real));
        if (nt) id->tau = nt;
        if (!nq || !nv || !na || !nt) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
        id->cap = cap;
    }
    memcpy(id->q + (size_t)id->n * m->nq, q, (size_t)m->nq * sizeof(xn_real));
    memcpy(id->v + (size_t)id->n * m->nv, v, (size_t)m->nv * sizeof(xn_real));
    memcpy(id->a + (size_t)id->n * m->nv, a, (size_t)m->nv * sizeof(xn_real));
    memcpy(id->tau + (size_t)id->n * id->nmeas, tau, (size_t)id->nmeas * sizeof(xn_real));
    id->n++;
    id->solved = 0;
    return XN_OK;
}

void xn_ident_rows_at(xn_ident *id, const xn_real *q, const xn_real *v, const xn_real *a,
                      const xn_real *tau) {
    const xn_model *m = id->m;
    const int p = id->p, nd = id->ndyn;
    xn_dyn_regressor(m, id->d, q, v, a, id->Y);
    for (int j = 0; j < id->nmeas; j++) {
        int k = id->meas[j];
        xn_real *r = id->row + (size_t)j * (p + 1);
        memcpy(r, id->Y + (size_t)k * nd, (size_t)nd * sizeof(xn_real));
        memset(r + nd, 0, (size_t)(p - nd) * sizeof(xn_real));
        r[nd + 3 * k] = v[k];
        r[nd + 3 * k + 1] = smooth_sign(v[k], id->opt.v_smooth);
        r[nd + 3 * k + 2] = 1;
        xn_real t = tau ? tau[j] : 0;
        for (int c = 0; c < p; c++)
            if (id->fixed[c] && r[c] != 0) {
                t -= r[c] * id->pi0[c];
                r[c] = 0;
            }
        r[p] = t;
    }
}

void xn_ident_rows(xn_ident *id, int s) {
    xn_ident_rows_at(id, id->q + (size_t)s * id->m->nq, id->v + (size_t)s * id->m->nv,
                     id->a + (size_t)s * id->m->nv, id->tau + (size_t)s * id->nmeas);
}

xn_status xn_ident_predict(xn_ident *id, const xn_real *pi, const xn_real *q, const xn_real *v,
                           const xn_real *a, xn_real *tau) {
    xn_ident_rows_at(id, q, v, a, NULL);
    const int p = id->p;
    for (int j = 0; j < id->nmeas; j++) {
        const xn_real *r = id->row + (size_t)j * (p + 1);
        xn_real t = -r[p]; /* the fixed parameters' share */
        for (int c = 0; c < p; c++) t += r[c] * pi[c];
        tau[j] = t;
    }
    return XN_OK;
}

const xn_real *xn_ident_nominal(const xn_ident *id) { return id->pi0; }
const xn_real *xn_ident_params(const xn_ident *id) { return id->pi; }

const char *xn_ident_param_name(const xn_ident *id, int k, char *buf, size_t n) {
    static const char *const body_param[XN_DYN_BODY_PARAMS] = {"m",   "mcx", "mcy", "mcz", "Ixx",
                                                               "Iyy", "Izz", "Ixy", "Ixz", "Iyz"};
    static const char *const joint_param[3] = {"viscous", "coulomb", "offset"};
    const xn_model *m = id->m;
    int nb = XN_DYN_BODY_PARAMS * (m->nbody - 1);
    if (k < 0 || k >= id->p) {
        snprintf(buf, n, "(no parameter %d)", k);
    } else if (k < nb) {
        snprintf(buf, n, "%s.%s", m->body_name[k / XN_DYN_BODY_PARAMS + 1],
                 body_param[k % XN_DYN_BODY_PARAMS]);
    } else {
        int dof = k < id->ndyn ? k - nb : (k - id->ndyn) / 3;
        int b = m->dof_body[dof], sub = dof - m->body_vadr[b];
        char joint[96];
        if (m->body_nv[b] > 1)
            snprintf(joint, sizeof joint, "%s[%d]", m->joint_name[b], sub);
        else
            snprintf(joint, sizeof joint, "%s", m->joint_name[b]);
        snprintf(buf, n, "%s.%s", joint,
                 k < id->ndyn ? "armature" : joint_param[(k - id->ndyn) % 3]);
    }
    return buf;
}

xn_status xn_ident_summary_get(const xn_ident *id, xn_ident_summary *s) {
    memset(s, 0, sizeof *s);
    s->nsamples = id->n;
    s->nrows = (int)id->nrows;
    s->nparam = id->p;
    if (!id->solved) return XN_ERR_STATE;
    s->nbase_model = id->rank_model;
    s->nbase = id->rank;
    s->condition = id->condition;
    s->rms_nominal = id->rms_nominal;
    s->rms_base = id->rms_base;
    s->rms_consistent = id->rms_consistent;
    s->sigma = id->sigma;
    return XN_OK;
}

xn_status xn_ident_base_get(const xn_ident *id, int j, xn_ident_base *b) {
    if (!id->solved || j < 0 || j >= id->rank) return XN_ERR_RANGE;
    b->lead = id->perm[j];
    b->ncombined = id->comb_start[j + 1] - id->comb_start[j];
    b->index = id->comb_index + id->comb_start[j];
    b->coef = id->comb_coef + id->comb_start[j];
    b->estimate = id->beta[j];
    b->ci95 = id->ci95[j];
    b->nominal = id->beta_nominal[j];
    b->consistent = id->beta_consistent[j];
    return XN_OK;
}

xn_status xn_ident_base_of(const xn_ident *id, const xn_real *pi, xn_real *beta) {
    if (!id->solved) return XN_ERR_STATE;
    for (int j = 0; j < id->rank; j++) {
        xn_real s = pi[id->perm[j]];
        for (int t = id->comb_start[j]; t < id->comb_start[j + 1]; t++)
            s += id->comb_coef[t] * pi[id->comb_index[t]];
        beta[j] = s;
    }
    return XN_OK;
}

xn_status xn_ident_apply(const xn_ident *id, const xn_real *pi, xn_model *mc, xn_error *err) {
    static const char *const fn = "xn_ident_apply";
    const xn_model *m = id->m;
    if (mc->nbody != m->nbody || mc->nv != m->nv)
        return xn_fail(err, XN_ERR_SIZE, fn,
                       "the model copy has %d bodies and %d DoFs, not %d "
                       "and %d",
                       mc->nbody, mc->nv, m->nbody, m->nv);
    for (int b = 1; b < m->nbody; b++) {
        xn_inertia I;
        xn_dyn_params_to_inertia(pi + XN_DYN_BODY_PARAMS * (b - 1), &I);
        xn_status st = xn_model_set_body_inertia(mc, b, &I);
        if (st)
            return xn_fail_at(err, st, fn, b, "body %s: mass %g refused", m->body_name[b],
                              (double)I.m);
    }
    for (int k = 0; k < m->nv; k++) {
        mc->dof_armature[k] = pi[id->ndyn - m->nv + k];
        mc->dof_damping[k] = pi[id->ndyn + 3 * k];
        mc->dof_friction[k] = pi[id->ndyn + 3 * k + 1];
    }
    return XN_OK;
}
