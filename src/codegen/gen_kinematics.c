/* Forward kinematics, frame placements and Jacobians, centre of mass, on symbols.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "codegen/codegen_internal.h"

void cg_put(cg_outs *o, const char *array, int index, xs x) {
    if (o->nomem) return;
    if (o->n == o->cap) {
        int cap = o->cap ? 2 * o->cap : 256;
        xs_out *p = realloc(o->v, (size_t)cap * sizeof *p);
        if (!p) {
            o->nomem = 1;
            return;
        }
        o->v = p;
        o->cap = cap;
    }
    o->v[o->n].array = array;
    o->v[o->n].index = index;
    o->v[o->n].x = x;
    o->n++;
}

void cg_inputs(xs_graph *g, int array, int n, xs *x) {
    for (int i = 0; i < n; i++) x[i] = xs_in(g, array, i);
}

/* Every body's placement in the world (oMi[0] the identity). q: the nq input symbols. */
static int world_placements(const xn_model *m, xs_graph *g, const xs *q, xs_se3 *oMi) {
    for (int i = 0; i < 9; i++) oMi[0].R[i] = i % 4 == 0 ? g->one : g->zero;
    for (int i = 0; i < 3; i++) oMi[0].p[i] = g->zero;
    for (int b = 1; b < m->nbody; b++) {
        xs_se3 li;
        xs_joint_placement(g, m, b, q, &li);
        int p = m->body_parent[b];
        if (p == 0)
            oMi[b] = li;
        else
            xs_se3_mul(g, &oMi[p], &li, &oMi[b]);
    }
    return g->nomem ? -1 : 0;
}

static void put_pose(cg_outs *o, const char *array, int base, const xs_se3 *X) {
    for (int i = 0; i < 9; i++) cg_put(o, array, base + i, X->R[i]);
    for (int i = 0; i < 3; i++) cg_put(o, array, base + 9 + i, X->p[i]);
}

/* q (nq) in, and the model's placements on the stack: the callers are one-shot generators. */
static xs *q_symbols(const xn_model *m, xs_graph *g) {
    xs *q = malloc((size_t)m->nq * sizeof *q);
    if (q) cg_inputs(g, 0, m->nq, q);
    return q;
}

int cg_fk(const xn_model *m, xs_graph *g, cg_outs *o) {
    xs *q = q_symbols(m, g);
    xs_se3 *oMi = malloc((size_t)m->nbody * sizeof *oMi);
    int rc = q && oMi ? world_placements(m, g, q, oMi) : -1;
    for (int b = 0; rc == 0 && b < m->nbody; b++) put_pose(o, "pose", 12 * b, &oMi[b]);
    free(q);
    free(oMi);
    return rc == 0 && !o->nomem ? 0 : -1;
}

static int frame_world(const xn_model *m, int f, xs_graph *g, const xs_se3 *oMi, xs_se3 *oMf) {
    xs_se3 P;
    xs_se3_const(g, &m->frame_placement[f], &P);
    xs_se3_mul(g, &oMi[m->frame_body[f]], &P, oMf);
    return g->nomem ? -1 : 0;
}

int cg_frame_pose(const xn_model *m, int f, xs_graph *g, cg_outs *o) {
    xs *q = q_symbols(m, g);
    xs_se3 *oMi = malloc((size_t)m->nbody * sizeof *oMi), oMf;
    int rc = q && oMi ? world_placements(m, g, q, oMi) : -1;
    if (rc == 0) rc = frame_world(m, f, g, oMi, &oMf);
    if (rc == 0) put_pose(o, "pose", 0, &oMf);
    free(q);
    free(oMi);
    return rc == 0 && !o->nomem ? 0 : -1;
}

/* The frame's Jacobian in xiaonao's XN_LOCAL_WORLD_ALIGNED convention: rows are the frame
 * origin's linear velocity and the angular velocity, in world axes; 6 x nv row-major. */
int cg_frame_jacobian(const xn_model *m, int f, xs_graph *g, cg_outs *o) {
    xs *q = q_symbols(m, g);
    xs_se3 *oMi = malloc((size_t)m->nbody * sizeof *oMi), oMf;
    xs *J = malloc((size_t)6 * (size_t)m->nv * sizeof *J);
    int rc = q && oMi && J ? world_placements(m, g, q, oMi) : -1;
    if (rc == 0) rc = frame_world(m, f, g, oMi, &oMf);
    for (int i = 0; rc == 0 && i < 6 * m->nv; i++) J[i] = g->zero;
    for (int b = m->frame_body[f]; rc == 0 && b > 0; b = m->body_parent[b])
        for (int k = 0; k < m->body_nv[b]; k++) {
            xs s[6], w[6], wp[3];
            xs_joint_col(g, m, b, k, s);
            xs_motion_act(g, &oMi[b], s, w); /* the axis in the world, at the world origin */
            xs_v3_cross(g, w + 3, oMf.p, wp);
            int col = m->body_vadr[b] + k;
            for (int i = 0; i < 3; i++) {
                J[i * m->nv + col] = xs_add(g, w[i], wp[i]);
                J[(3 + i) * m->nv + col] = w[3 + i];
            }
        }
    for (int i = 0; rc == 0 && i < 6 * m->nv; i++) cg_put(o, "J", i, J[i]);
    free(q);
    free(oMi);
    free(J);
    return rc == 0 && !g->nomem && !o->nomem ? 0 : -1;
}

int cg_com(const xn_model *m, xs_graph *g, cg_outs *o) {
    xs *q = q_symbols(m, g);
    xs_se3 *oMi = malloc((size_t)m->nbody * sizeof *oMi);
    int rc = q && oMi ? world_placements(m, g, q, oMi) : -1;
    xs s[3] = {g->zero, g->zero, g->zero};
    double mass = 0;
    for (int b = 1; rc == 0 && b < m->nbody; b++) {
        xs_inertia Y;
        xs_inertia_const(g, &m->body_inertia[b], &Y);
        xs c[3];
        xs_m3_mulv(g, oMi[b].R, Y.h, c); /* R (m c) + m p */
        for (int i = 0; i < 3; i++)
            s[i] = xs_add(g, s[i], xs_add(g, c[i], xs_mul(g, Y.m, oMi[b].p[i])));
        mass += m->body_inertia[b].m;
    }
    for (int i = 0; rc == 0 && i < 3; i++)
        cg_put(o, "com", i, mass > 0 ? xs_div(g, s[i], xs_const(g, mass)) : g->zero);
    free(q);
    free(oMi);
    return rc == 0 && !g->nomem && !o->nomem ? 0 : -1;
}
