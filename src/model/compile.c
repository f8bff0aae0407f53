/* Building a model from a builder: tree checks, fixed-joint merging, depth-first body order,
 * q/v address tables. Runs once, at load time; it may allocate.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/spatial_inline.h"
#include "model/builder_internal.h"
#include "model/error_internal.h"

static xn_status set_err(xn_error *err, xn_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static xn_status set_err(xn_error *err, xn_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    xn_fail_v(err, st, "xn_builder_compile", -1, fmt, ap);
    va_end(ap);
    return st;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

/* Every non-world link must be the child of exactly one joint (the builder enforces "at most")
 * and reachable from the world; a link that is neither is either unattached or on a cycle. */
static xn_status check_tree(const xn_builder *b, xn_error *err) {
    int n = b->nlinks;
    char *seen = calloc((size_t)n, 1);
    int *stack = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return set_err(err, XN_ERR_NOMEM, "out of memory");
    }
    int top = 0;
    stack[top++] = 0;
    seen[0] = 1;
    while (top > 0) {
        int l = stack[--top];
        for (int j = b->links[l].first_child; j >= 0; j = b->joints[j].next_sibling) {
            int c = b->joints[j].child;
            if (!seen[c]) {
                seen[c] = 1;
                stack[top++] = c;
            }
        }
    }
    xn_status st = XN_OK;
    for (int l = 1; l < n && st == XN_OK; l++) {
        if (seen[l]) continue;
        if (b->links[l].parent_joint < 0)
            st = set_err(err, XN_ERR_INVALID,
                         "link '%s' is not attached to the tree (no joint has it as child)",
                         b->links[l].name);
        else
            st = set_err(err, XN_ERR_INVALID, "the joints form a cycle through link '%s'",
                         b->links[l].name);
    }
    free(seen);
    free(stack);
    return st;
}

static int joint_nq(xn_joint_type t) {
    return t == XN_JOINT_FREE ? 7 : t == XN_JOINT_BALL ? 4 : t == XN_JOINT_FIXED ? 0 : 1;
}
static int joint_nv(xn_joint_type t) {
    return t == XN_JOINT_FREE ? 6 : t == XN_JOINT_BALL ? 3 : t == XN_JOINT_FIXED ? 0 : 1;
}

#define ALLOC(ptr, n)                                                                              \
    do {                                                                                           \
        (ptr) = calloc((size_t)((n) > 0 ? (n) : 1), sizeof *(ptr));                                \
        if (!(ptr)) goto nomem;                                                                    \
    } while (0)

typedef struct {
    int joint; /* the joint leading into `link`, -1 for the world */
    int link;
    int body; /* body of the link's parent (the joint's parent side) */
    xn_se3 X; /* placement of the parent link in that body */
} visit_item;

static void snap_permutation(xn_se3 *X, signed char perm[3]) {
    signed char p[3] = {0, 0, 0};
    for (int j = 0; j < 3; j++) {
        for (int i = 0; i < 3; i++) {
            xn_real x = X->R[3 * i + j];
            if (fabs(fabs(x) - 1) < 1e-14) {
                if (p[j]) return; /* two unit entries in a column: not a rotation we snap */
                p[j] = (signed char)(x > 0 ? i + 1 : -(i + 1));
            } else if (fabs(x) >= 1e-14) {
                return;
            }
        }
        if (!p[j]) return;
    }
    for (int j = 0; j < 3; j++) {
        int i = (p[j] > 0 ? p[j] : -p[j]) - 1;
        for (int r = 0; r < 3; r++) X->R[3 * r + j] = r == i ? (p[j] > 0 ? 1 : -1) : 0;
        perm[j] = p[j];
    }
}

static int add_frame(xn_model *m, const char *name, xn_frame_type type, int body, const xn_se3 *X) {
    int f = m->nframe;
    m->frame_name[f] = dup_str(name);
    if (!m->frame_name[f]) return -1;
    m->frame_type[f] = type;
    m->frame_body[f] = body;
    m->frame_placement[f] = *X;
    static const xn_real I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    int rot_identity = memcmp(X->R, I, sizeof I) == 0;
    int at_origin = X->p[0] == 0 && X->p[1] == 0 && X->p[2] == 0;
    m->frame_kind[f] = (unsigned char)(!rot_identity ? 2 : at_origin ? 0 : 1);
    m->nframe++;
    return 0;
}

xn_status xn_builder_compile(xn_builder *b, xn_model **out, xn_error *err) {
    *out = NULL;
    xn_status st = check_tree(b, err);
    if (st) return st;
    int nl = b->nlinks, nj = b->njoints;
    xn_model *m = calloc(1, sizeof *m);
    visit_item *stack = NULL;
    int *tmp = NULL;
    if (!m) return set_err(err, XN_ERR_NOMEM, "out of memory");
    m->name = dup_str(b->name);
    if (!m->name) goto nomem;
    memcpy(m->gravity, b->gravity, sizeof m->gravity);
    int maxb = nl; /* at most one body per link */
    ALLOC(m->body_parent, maxb);
    ALLOC(m->body_subtree_end, maxb);
    ALLOC(m->body_jtype, maxb);
    ALLOC(m->body_jaxis, maxb);
    ALLOC(m->body_axis, 3 * maxb);
    ALLOC(m->body_tree, maxb);
    ALLOC(m->body_tree_perm, 3 * maxb);
    ALLOC(m->body_inertia, maxb);
    ALLOC(m->body_qadr, maxb);
    ALLOC(m->body_nq, maxb);
    ALLOC(m->body_vadr, maxb);
    ALLOC(m->body_nv, maxb);
    ALLOC(m->body_name, maxb);
    ALLOC(m->joint_name, maxb);
    ALLOC(m->joint_mimic, maxb);
    ALLOC(m->joint_mimic_gain, 2 * maxb);
    int maxf = nl + nj + b->nframes;
    ALLOC(m->frame_name, maxf);
    ALLOC(m->frame_type, maxf);
    ALLOC(m->frame_body, maxf);
    ALLOC(m->frame_placement, maxf);
    ALLOC(m->frame_kind, maxf);
    ALLOC(m->frame_by_kind, maxf);
    int *body_joint; /* builder joint of each body */
    ALLOC(tmp, maxb);
    body_joint = tmp;

    /* world body */
    m->nbody = 1;
    m->body_parent[0] = -1;
    xn_se3_identity(&m->body_tree[0]);
    m->body_name[0] = dup_str(b->links[0].name);
    m->joint_name[0] = dup_str("universe");
    if (!m->body_name[0] || !m->joint_name[0]) goto nomem;
    body_joint[0] = -1;

    /* Depth-first walk, children in insertion order (an explicit stack, so that a very deep
     * chain cannot overflow the C stack). */
    ALLOC(stack, nl + 1);
    int top = 0;
    stack[top].joint = -1;
    stack[top].link = 0;
    stack[top].body = 0;
    xn_se3_identity(&stack[top].X);
    top++;
    while (top > 0) {
        visit_item it = stack[--top];
        int body = it.body;
        xn_se3 X = it.X; /* placement of this link in `body` */
        if (it.joint >= 0) {
            const xn_bjoint *j = &b->joints[it.joint];
            xn_se3 Xj;
            xn_se3_mul_noalias(&it.X, &j->placement, &Xj);
            if (j->spec.type == XN_JOINT_FIXED) {
                X = Xj;
                if (add_frame(m, j->name, XN_FRAME_JOINT, body, &X)) goto nomem;
            } else {
                int nb = m->nbody++;
                m->body_parent[nb] = body;
                m->body_jtype[nb] = j->spec.type;
                m->body_tree[nb] = Xj;
                memcpy(&m->body_axis[3 * nb], j->spec.axis, sizeof j->spec.axis);
                m->body_jaxis[nb] = 3;
                for (int k = 0; k < 3; k++)
                    if (fabs(j->spec.axis[k]) == 1.0) m->body_jaxis[nb] = k;
                m->body_name[nb] = dup_str(b->links[it.link].name);
                m->joint_name[nb] = dup_str(j->name);
                if (!m->body_name[nb] || !m->joint_name[nb]) goto nomem;
                if (j->spec.mimic) {
                    m->joint_mimic[nb] = dup_str(j->spec.mimic);
                    if (!m->joint_mimic[nb]) goto nomem;
                }
                m->joint_mimic_gain[2 * nb] = j->spec.mimic_multiplier;
                m->joint_mimic_gain[2 * nb + 1] = j->spec.mimic_offset;
                body_joint[nb] = it.joint;
                body = nb;
                xn_se3_identity(&X);
                if (add_frame(m, j->name, XN_FRAME_JOINT, body, &X)) goto nomem;
            }
        }
        const xn_blink *l = &b->links[it.link];
        if (add_frame(m, l->name, XN_FRAME_BODY, body, &X)) goto nomem;
        xn_inertia Yl, Yb;
        xn_inertia_from_com(l->mass, l->com, l->inertia, &Yl);
        xn_inertia_act(&X, &Yl, &Yb);
        xn_inertia_accum(&m->body_inertia[body], &Yb);
        for (int f = l->first_frame; f >= 0; f = b->frames[f].next) {
            xn_se3 Xf;
            xn_se3_mul_noalias(&X, &b->frames[f].placement, &Xf);
            if (add_frame(m, b->frames[f].name, XN_FRAME_SITE, body, &Xf)) goto nomem;
        }
        /* push children in reverse so the first-added child is visited first */
        int nc = 0;
        for (int j = l->first_child; j >= 0; j = b->joints[j].next_sibling) nc++;
        int k = top + nc;
        for (int j = l->first_child; j >= 0; j = b->joints[j].next_sibling) {
            visit_item *c = &stack[--k];
            c->joint = j;
            c->link = b->joints[j].child;
            c->body = body;
            c->X = X;
        }
        top += nc;
    }

    /* tree rotations that are signed permutations up to rounding (a URDF rpy of pi/2 gives
     * cos = 6e-17, not 0) are snapped to exact ones, so that kinematics can permute columns
     * instead of multiplying; the snap moves entries by less than 1e-14 */
    for (int b = 1; b < m->nbody; b++)
        snap_permutation(&m->body_tree[b], &m->body_tree_perm[3 * b]);

    /* address tables */
    int nb = m->nbody;
    for (int i = 1; i < nb; i++) {
        m->body_qadr[i] = m->nq;
        m->body_vadr[i] = m->nv;
        m->body_nq[i] = joint_nq(m->body_jtype[i]);
        m->body_nv[i] = joint_nv(m->body_jtype[i]);
        m->nq += m->body_nq[i];
        m->nv += m->body_nv[i];
    }
    for (int i = 0; i < nb; i++) m->body_subtree_end[i] = i + 1;
    for (int i = nb - 1; i >= 1; i--) {
        int p = m->body_parent[i];
        if (m->body_subtree_end[i] > m->body_subtree_end[p])
            m->body_subtree_end[p] = m->body_subtree_end[i];
    }
    int nv = m->nv, nq = m->nq;
    ALLOC(m->dof_body, nv);
    ALLOC(m->dof_parent, nv);
    ALLOC(m->dof_armature, nv);
    ALLOC(m->dof_damping, nv);
    ALLOC(m->dof_friction, nv);
    ALLOC(m->dof_vmax, nv);
    ALLOC(m->dof_effort, nv);
    ALLOC(m->dof_path_adr, nv + 1);
    ALLOC(m->q_lower, nq);
    ALLOC(m->q_upper, nq);
    ALLOC(m->q_neutral, nq);
    for (int i = 1; i < nb; i++) {
        const xn_joint_spec *s = &b->joints[body_joint[i]].spec;
        int p = m->body_parent[i];
        for (int k = 0; k < m->body_nv[i]; k++) {
            int dof = m->body_vadr[i] + k;
            m->dof_body[dof] = i;
            m->dof_parent[dof] =
                k > 0 ? dof - 1 : (p > 0 ? m->body_vadr[p] + m->body_nv[p] - 1 : -1);
            m->dof_armature[dof] = s->armature;
            m->dof_damping[dof] = s->damping;
            m->dof_friction[dof] = s->friction;
            m->dof_vmax[dof] = s->velocity;
            m->dof_effort[dof] = s->effort;
        }
        int qa = m->body_qadr[i];
        for (int k = 0; k < m->body_nq[i]; k++) {
            m->q_lower[qa + k] = -INFINITY;
            m->q_upper[qa + k] = INFINITY;
        }
        switch (m->body_jtype[i]) {
        case XN_JOINT_FREE: m->q_neutral[qa + 3] = 1; break;
        case XN_JOINT_BALL: m->q_neutral[qa] = 1; break;
        default:
            m->q_lower[qa] = s->lower;
            m->q_upper[qa] = s->upper;
            /* neutral: 0 when inside the limits, else the nearest limit */
            m->q_neutral[qa] = s->lower > 0 ? s->lower : (s->upper < 0 ? s->upper : 0);
        }
    }
    /* each DoF's path to the root, flattened, so the mass-matrix loops read an array instead of
     * chasing dof_parent one load at a time */
    int total = 0;
    for (int k = 0; k < nv; k++) {
        m->dof_path_adr[k] = total;
        for (int j = k; j >= 0; j = m->dof_parent[j]) total++;
    }
    m->dof_path_adr[nv] = total;
    ALLOC(m->dof_path, total);
    for (int k = 0; k < nv; k++) {
        int n = m->dof_path_adr[k];
        for (int j = k; j >= 0; j = m->dof_parent[j]) m->dof_path[n++] = j;
    }
    for (int kind = 0, n = 0; kind < 3; kind++) {
        m->frame_kind_count[kind] = 0;
        for (int f = 0; f < m->nframe; f++)
            if (m->frame_kind[f] == kind) {
                m->frame_by_kind[n++] = f;
                m->frame_kind_count[kind]++;
            }
    }
    ALLOC(m->dof_run_adr, nv + 1);
    int nruns = 0;
    for (int k = 0; k < nv; k++) {
        m->dof_run_adr[k] = nruns;
        for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++)
            if (t == m->dof_path_adr[k] || m->dof_path[t] != m->dof_path[t - 1] - 1) nruns++;
    }
    m->dof_run_adr[nv] = nruns;
    ALLOC(m->dof_runs, 2 * nruns);
    for (int k = 0, r = -1; k < nv; k++)
        for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++) {
            if (t == m->dof_path_adr[k] || m->dof_path[t] != m->dof_path[t - 1] - 1)
                m->dof_runs[2 * ++r] = m->dof_path[t];
            m->dof_runs[2 * r + 1] = m->dof_path[t];
        }
    m->nwarning = b->nwarnings;
    ALLOC(m->warning, b->nwarnings);
    for (int i = 0; i < b->nwarnings; i++) {
        m->warning[i] = dup_str(b->warnings[i]);
        if (!m->warning[i]) goto nomem;
    }
    free(stack);
    free(tmp);
    *out = m;
    return XN_OK;
nomem:
    free(stack);
    free(tmp);
    xn_model_free(m);
    return set_err(err, XN_ERR_NOMEM, "out of memory");
}
