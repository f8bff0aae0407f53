/* Model lifetime and look-ups by name.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/model.h"

void xn_model_free(xn_model *m) {
    if (!m) return;
    if (m->body_name)
        for (int i = 0; i < m->nbody; i++) free(m->body_name[i]);
    if (m->joint_name)
        for (int i = 0; i < m->nbody; i++) free(m->joint_name[i]);
    if (m->joint_mimic)
        for (int i = 0; i < m->nbody; i++) free(m->joint_mimic[i]);
    if (m->frame_name)
        for (int i = 0; i < m->nframe; i++) free(m->frame_name[i]);
    if (m->warning)
        for (int i = 0; i < m->nwarning; i++) free(m->warning[i]);
    free(m->name);
    free(m->body_parent);
    free(m->body_subtree_end);
    free(m->body_jtype);
    free(m->body_jaxis);
    free(m->body_axis);
    free(m->body_tree);
    free(m->body_tree_perm);
    free(m->body_inertia);
    free(m->body_qadr);
    free(m->body_nq);
    free(m->body_vadr);
    free(m->body_nv);
    free(m->body_name);
    free(m->joint_name);
    free(m->joint_mimic);
    free(m->joint_mimic_gain);
    free(m->dof_body);
    free(m->dof_parent);
    free(m->dof_path_adr);
    free(m->dof_path);
    free(m->dof_run_adr);
    free(m->dof_runs);
    free(m->dof_armature);
    free(m->dof_damping);
    free(m->dof_friction);
    free(m->dof_vmax);
    free(m->dof_effort);
    free(m->q_lower);
    free(m->q_upper);
    free(m->q_neutral);
    free(m->frame_name);
    free(m->frame_type);
    free(m->frame_body);
    free(m->frame_placement);
    free(m->frame_kind);
    free(m->frame_by_kind);
    free(m->warning);
    free(m);
}

/* A copy of n elements of `size` bytes (at least one element, as the compiler allocates). */
static void *dup_array(const void *src, size_t n, size_t size, int *ok) {
    if (!src) return NULL;
    void *p = malloc((n > 0 ? n : 1) * size);
    if (!p) {
        *ok = 0;
        return NULL;
    }
    memcpy(p, src, n * size);
    return p;
}

static char *dup_string(const char *s, int *ok) {
    return s ? dup_array(s, strlen(s) + 1, 1, ok) : NULL;
}

static char **dup_strings(char *const *src, int n, int *ok) {
    if (!src) return NULL;
    char **p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    if (!p) {
        *ok = 0;
        return NULL;
    }
    for (int i = 0; i < n; i++) p[i] = dup_string(src[i], ok);
    return p;
}

#define DUP(field, n) c->field = dup_array(m->field, (size_t)(n), sizeof *m->field, &ok)

xn_model *xn_model_copy(const xn_model *m) {
    if (!m) return NULL;
    xn_model *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *m;
    int ok = 1, nb = m->nbody, nv = m->nv, nq = m->nq, nf = m->nframe;
    c->name = dup_string(m->name, &ok);
    DUP(body_parent, nb);
    DUP(body_subtree_end, nb);
    DUP(body_jtype, nb);
    DUP(body_jaxis, nb);
    DUP(body_axis, 3 * nb);
    DUP(body_tree, nb);
    DUP(body_tree_perm, 3 * nb);
    DUP(body_inertia, nb);
    DUP(body_qadr, nb);
    DUP(body_nq, nb);
    DUP(body_vadr, nb);
    DUP(body_nv, nb);
    c->body_name = dup_strings(m->body_name, nb, &ok);
    c->joint_name = dup_strings(m->joint_name, nb, &ok);
    c->joint_mimic = dup_strings(m->joint_mimic, nb, &ok);
    DUP(joint_mimic_gain, 2 * nb);
    DUP(dof_body, nv);
    DUP(dof_parent, nv);
    DUP(dof_path_adr, nv + 1);
    DUP(dof_path, m->dof_path_adr ? m->dof_path_adr[nv] : 0);
    DUP(dof_run_adr, nv + 1);
    DUP(dof_runs, m->dof_run_adr ? 2 * m->dof_run_adr[nv] : 0);
    DUP(dof_armature, nv);
    DUP(dof_damping, nv);
    DUP(dof_friction, nv);
    DUP(dof_vmax, nv);
    DUP(dof_effort, nv);
    DUP(q_lower, nq);
    DUP(q_upper, nq);
    DUP(q_neutral, nq);
    c->frame_name = dup_strings(m->frame_name, nf, &ok);
    DUP(frame_type, nf);
    DUP(frame_body, nf);
    DUP(frame_placement, nf);
    DUP(frame_kind, nf);
    DUP(frame_by_kind, nf);
    c->warning = dup_strings(m->warning, m->nwarning, &ok);
    if (!ok) {
        xn_model_free(c);
        return NULL;
    }
    return c;
}
#undef DUP

int xn_model_frame_id(const xn_model *m, const char *name) {
    for (int f = 0; f < m->nframe; f++)
        if (strcmp(m->frame_name[f], name) == 0) return f;
    return -1;
}

int xn_model_body_id(const xn_model *m, const char *name) {
    for (int b = 0; b < m->nbody; b++)
        if (strcmp(m->body_name[b], name) == 0) return b;
    return -1;
}

int xn_model_joint_body(const xn_model *m, const char *name) {
    for (int b = 1; b < m->nbody; b++)
        if (strcmp(m->joint_name[b], name) == 0) return b;
    return -1;
}

xn_status xn_model_set_body_inertia(xn_model *m, int b, const xn_inertia *I) {
    if (b < 1 || b >= m->nbody || !(I->m >= 0) || !isfinite(I->m)) return XN_ERR_RANGE;
    for (int k = 0; k < 3; k++)
        if (!isfinite(I->h[k])) return XN_ERR_RANGE;
    for (int k = 0; k < 6; k++)
        if (!isfinite(I->I[k])) return XN_ERR_RANGE;
    m->body_inertia[b] = *I;
    return XN_OK;
}

xn_real xn_model_mass(const xn_model *m) {
    xn_real s = 0;
    for (int b = 1; b < m->nbody; b++) s += m->body_inertia[b].m;
    return s;
}

const char *xn_joint_type_str(xn_joint_type t) {
    switch (t) {
    case XN_JOINT_FIXED: return "fixed";
    case XN_JOINT_REVOLUTE: return "revolute";
    case XN_JOINT_CONTINUOUS: return "continuous";
    case XN_JOINT_PRISMATIC: return "prismatic";
    case XN_JOINT_FREE: return "free";
    case XN_JOINT_BALL: return "ball";
    }
    return "unknown";
}
