/* The model builder: collects links, joints and frames and checks each as it is added.
 * Turning them into a model is compile.c's job.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/dense.h"
#include "model/builder_internal.h"
#include "model/error_internal.h"

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

/* Grow an array of `size`-byte elements to hold at least `need` elements. */
static int grow(void **arr, int *cap, int need, size_t size) {
    if (need <= *cap) return 0;
    int nc = *cap ? *cap * 2 : 16;
    while (nc < need) nc *= 2;
    void *p = realloc(*arr, (size_t)nc * size);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static int fail(xn_builder *b, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int add_link(xn_builder *b, const char *name, xn_real mass, const xn_real com[3],
                    const xn_real inertia[6]);

static int fail(xn_builder *b, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->message, sizeof b->message, fmt, ap);
    va_end(ap);
    return status;
}

xn_joint_spec xn_joint_spec_default(xn_joint_type type) {
    xn_joint_spec s;
    memset(&s, 0, sizeof s);
    s.type = type;
    s.axis[2] = 1;
    s.lower = -INFINITY;
    s.upper = INFINITY;
    s.velocity = INFINITY;
    s.effort = INFINITY;
    s.mimic_multiplier = 1;
    return s;
}

xn_builder *xn_builder_create(void) {
    xn_builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->gravity[2] = -9.81;
    b->name = dup_str("");
    static const xn_real zero3[3] = {0, 0, 0}, zero6[6] = {0, 0, 0, 0, 0, 0};
    if (!b->name || add_link(b, "universe", 0, zero3, zero6) != 0) {
        xn_builder_free(b);
        return NULL;
    }
    return b;
}

void xn_builder_free(xn_builder *b) {
    if (!b) return;
    for (int i = 0; i < b->nlinks; i++) free(b->links[i].name);
    for (int i = 0; i < b->njoints; i++) {
        free(b->joints[i].name);
        free((char *)b->joints[i].spec.mimic);
    }
    for (int i = 0; i < b->nframes; i++) free(b->frames[i].name);
    for (int i = 0; i < b->nwarnings; i++) free(b->warnings[i]);
    free(b->links);
    free(b->joints);
    free(b->frames);
    free(b->warnings);
    free(b->name);
    free(b);
}

void xn_builder_set_strict(xn_builder *b, int strict) { b->strict = strict; }

void xn_builder_set_gravity(xn_builder *b, const xn_real g[3]) {
    memcpy(b->gravity, g, sizeof b->gravity);
}

void xn_builder_set_name(xn_builder *b, const char *name) {
    char *c = dup_str(name ? name : "");
    if (!c) return;
    free(b->name);
    b->name = c;
}

void xn_builder_warn(xn_builder *b, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (grow((void **)&b->warnings, &b->capwarnings, b->nwarnings + 1, sizeof(char *))) return;
    char *c = dup_str(buf);
    if (c) b->warnings[b->nwarnings++] = c;
}

int xn_builder_nlinks(const xn_builder *b) { return b->nlinks; }
int xn_builder_link_parent_joint(const xn_builder *b, int link) {
    return b->links[link].parent_joint;
}
const char *xn_builder_link_name(const xn_builder *b, int link) { return b->links[link].name; }

int xn_builder_link_id(const xn_builder *b, const char *name) {
    /* the world link 0 is not looked up by name: a file may name one of its links "universe" */
    for (int i = 1; i < b->nlinks; i++)
        if (strcmp(b->links[i].name, name) == 0) return i;
    return -1;
}

static int joint_id(const xn_builder *b, const char *name) {
    for (int i = 0; i < b->njoints; i++)
        if (strcmp(b->joints[i].name, name) == 0) return i;
    return -1;
}

static int all_finite(const xn_real *x, int n) {
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* Physical checks on a rigid body's inertia: finite, non-negative mass, positive semi-definite
 * rotational inertia; the triangle inequality A + B >= C of the principal moments is checked too,
 * but real robot files violate it (ANYmal's base, Talos' grippers), so it only warns unless the
 * builder is strict. */
static int check_inertia(xn_builder *b, const char *name, xn_real mass, const xn_real com[3],
                         const xn_real I[6]) {
    if (!isfinite(mass) || mass < 0)
        return fail(b, XN_ERR_RANGE, "link '%s': mass %g is not a finite non-negative number", name,
                    mass);
    if (!all_finite(com, 3))
        return fail(b, XN_ERR_RANGE, "link '%s': centre of mass is not finite", name);
    if (!all_finite(I, 6)) return fail(b, XN_ERR_RANGE, "link '%s': inertia is not finite", name);
    xn_real ev[3], V[9];
    xn_sym3_eig(I, ev, V);
    xn_real scale = fabs(ev[2]) > 1e-12 ? fabs(ev[2]) : 1e-12;
    if (ev[0] < -1e-9 * scale)
        return fail(
            b, XN_ERR_RANGE,
            "link '%s': inertia is not positive semi-definite (principal moments %g, %g, %g)", name,
            ev[0], ev[1], ev[2]);
    if (ev[0] + ev[1] < ev[2] * (1 - 1e-6) - 1e-12) {
        if (b->strict)
            return fail(b, XN_ERR_RANGE,
                        "link '%s': principal moments %g, %g, %g violate the triangle inequality "
                        "A + B >= C (strict mode)",
                        name, ev[0], ev[1], ev[2]);
        xn_builder_warn(b,
                        "link '%s': principal moments %g, %g, %g violate the triangle inequality "
                        "A + B >= C; used as given",
                        name, ev[0], ev[1], ev[2]);
    }
    return XN_OK;
}

/* The builder's own calls return an id (>= 0) or a negative status with b->message; the public
 * ones below turn that into the API's xn_status and xn_error. */
static int add_link(xn_builder *b, const char *name, xn_real mass, const xn_real com[3],
                    const xn_real inertia[6]) {
    if (!name || !*name) return fail(b, XN_ERR_INVALID, "a link has an empty name");
    if (b->nlinks > 0 && xn_builder_link_id(b, name) > 0)
        return fail(b, XN_ERR_INVALID, "duplicate link name '%s'", name);
    int st = check_inertia(b, name, mass, com, inertia);
    if (st) return st;
    if (grow((void **)&b->links, &b->caplinks, b->nlinks + 1, sizeof(xn_blink)))
        return fail(b, XN_ERR_NOMEM, "out of memory");
    xn_blink *l = &b->links[b->nlinks];
    memset(l, 0, sizeof *l);
    l->name = dup_str(name);
    if (!l->name) return fail(b, XN_ERR_NOMEM, "out of memory");
    l->mass = mass;
    memcpy(l->com, com, sizeof l->com);
    memcpy(l->inertia, inertia, sizeof l->inertia);
    l->parent_joint = -1;
    l->first_child = l->last_child = -1;
    l->first_frame = l->last_frame = -1;
    return b->nlinks++;
}

static int check_placement(xn_builder *b, const char *what, const char *name, const xn_se3 *X) {
    if (!all_finite(X->R, 9) || !all_finite(X->p, 3))
        return fail(b, XN_ERR_RANGE, "%s '%s': placement is not finite", what, name);
    /* R must be a rotation: R R^T = 1 within rounding of the file's numbers */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            xn_real s = 0;
            for (int k = 0; k < 3; k++) s += X->R[3 * i + k] * X->R[3 * j + k];
            if (fabs(s - (i == j)) > 1e-6)
                return fail(b, XN_ERR_RANGE, "%s '%s': orientation is not a rotation", what, name);
        }
    return XN_OK;
}

static int add_joint(xn_builder *b, const char *name, int parent_link, int child_link,
                     const xn_se3 *placement, const xn_joint_spec *spec) {
    if (!name || !*name) return fail(b, XN_ERR_INVALID, "a joint has an empty name");
    if (joint_id(b, name) >= 0) return fail(b, XN_ERR_INVALID, "duplicate joint name '%s'", name);
    if (parent_link < 0 || parent_link >= b->nlinks)
        return fail(b, XN_ERR_NOT_FOUND, "joint '%s': parent link does not exist", name);
    if (child_link <= 0 || child_link >= b->nlinks)
        return fail(b, XN_ERR_NOT_FOUND, "joint '%s': child link does not exist", name);
    if (parent_link == child_link)
        return fail(b, XN_ERR_INVALID, "joint '%s': link '%s' is its own parent", name,
                    b->links[child_link].name);
    if (b->links[child_link].parent_joint >= 0)
        return fail(b, XN_ERR_INVALID, "joint '%s': link '%s' already has parent joint '%s'", name,
                    b->links[child_link].name, b->joints[b->links[child_link].parent_joint].name);
    /* unsigned: also below XN_JOINT_FIXED, and warning-free where enums are unsigned chars
     * (arm-none-eabi's short enums) */
    if ((unsigned)spec->type > (unsigned)XN_JOINT_BALL)
        return fail(b, XN_ERR_UNSUPPORTED, "joint '%s': unknown joint type", name);
    int st = check_placement(b, "joint", name, placement);
    if (st) return st;
    xn_joint_spec s = *spec;
    int one_dof = s.type == XN_JOINT_REVOLUTE || s.type == XN_JOINT_CONTINUOUS ||
                  s.type == XN_JOINT_PRISMATIC;
    if (one_dof) {
        if (!all_finite(s.axis, 3))
            return fail(b, XN_ERR_RANGE, "joint '%s': axis is not finite", name);
        xn_real n = sqrt(s.axis[0] * s.axis[0] + s.axis[1] * s.axis[1] + s.axis[2] * s.axis[2]);
        if (!(n > 1e-12)) return fail(b, XN_ERR_RANGE, "joint '%s': axis has zero length", name);
        for (int k = 0; k < 3; k++) s.axis[k] /= n;
    }
    if (isnan(s.lower) || isnan(s.upper) || s.lower > s.upper)
        return fail(b, XN_ERR_RANGE, "joint '%s': position limits [%g, %g] are not a range", name,
                    s.lower, s.upper);
    if (isnan(s.velocity) || s.velocity < 0 || isnan(s.effort) || s.effort < 0)
        return fail(b, XN_ERR_RANGE, "joint '%s': velocity and effort limits must be >= 0", name);
    if (!isfinite(s.damping) || s.damping < 0 || !isfinite(s.friction) || s.friction < 0 ||
        !isfinite(s.armature) || s.armature < 0)
        return fail(b, XN_ERR_RANGE,
                    "joint '%s': damping, friction and armature must be finite and >= 0", name);
    if (s.type == XN_JOINT_CONTINUOUS) {
        s.lower = -INFINITY;
        s.upper = INFINITY;
    }
    if (grow((void **)&b->joints, &b->capjoints, b->njoints + 1, sizeof(xn_bjoint)))
        return fail(b, XN_ERR_NOMEM, "out of memory");
    xn_bjoint *j = &b->joints[b->njoints];
    memset(j, 0, sizeof *j);
    j->name = dup_str(name);
    s.mimic = spec->mimic ? dup_str(spec->mimic) : NULL;
    if (!j->name || (spec->mimic && !s.mimic)) {
        free(j->name);
        free((char *)s.mimic);
        return fail(b, XN_ERR_NOMEM, "out of memory");
    }
    j->parent = parent_link;
    j->child = child_link;
    j->placement = *placement;
    j->spec = s;
    j->next_sibling = -1;
    int id = b->njoints++;
    xn_blink *p = &b->links[parent_link];
    if (p->last_child >= 0)
        b->joints[p->last_child].next_sibling = id;
    else
        p->first_child = id;
    p->last_child = id;
    b->links[child_link].parent_joint = id;
    return id;
}

static int add_frame(xn_builder *b, const char *name, int link, const xn_se3 *placement) {
    if (!name || !*name) return fail(b, XN_ERR_INVALID, "a frame has an empty name");
    if (link < 0 || link >= b->nlinks)
        return fail(b, XN_ERR_NOT_FOUND, "frame '%s': link does not exist", name);
    for (int i = 0; i < b->nframes; i++)
        if (strcmp(b->frames[i].name, name) == 0)
            return fail(b, XN_ERR_INVALID, "duplicate frame name '%s'", name);
    int st = check_placement(b, "frame", name, placement);
    if (st) return st;
    if (grow((void **)&b->frames, &b->capframes, b->nframes + 1, sizeof(xn_bframe)))
        return fail(b, XN_ERR_NOMEM, "out of memory");
    xn_bframe *f = &b->frames[b->nframes];
    f->name = dup_str(name);
    if (!f->name) return fail(b, XN_ERR_NOMEM, "out of memory");
    f->link = link;
    f->placement = *placement;
    f->next = -1;
    int id = b->nframes++;
    xn_blink *l = &b->links[link];
    if (l->last_frame >= 0)
        b->frames[l->last_frame].next = id;
    else
        l->first_frame = id;
    l->last_frame = id;
    return id;
}

/* An id from add_*, or its failure as the API reports it from the public function `where`. */
static xn_status id_or_error(const xn_builder *b, int r, int *id, xn_error *err,
                             const char *where) {
    if (id) *id = r >= 0 ? r : -1;
    if (r >= 0) return XN_OK;
    return xn_fail(err, (xn_status)r, where, "%s", b->message);
}

xn_status xn_builder_add_link(xn_builder *b, const char *name, xn_real mass, const xn_real com[3],
                              const xn_real inertia[6], int *id, xn_error *err) {
    return id_or_error(b, add_link(b, name, mass, com, inertia), id, err, "xn_builder_add_link");
}

xn_status xn_builder_add_joint(xn_builder *b, const char *name, int parent_link, int child_link,
                               const xn_se3 *placement, const xn_joint_spec *spec, int *id,
                               xn_error *err) {
    return id_or_error(b, add_joint(b, name, parent_link, child_link, placement, spec), id, err,
                       "xn_builder_add_joint");
}

xn_status xn_builder_add_frame(xn_builder *b, const char *name, int link, const xn_se3 *placement,
                               int *id, xn_error *err) {
    return id_or_error(b, add_frame(b, name, link, placement), id, err, "xn_builder_add_frame");
}
