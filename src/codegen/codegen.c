/* xn_codegen_write: records each function on symbols and writes the header and the source.
 * SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "model/error_internal.h"
#include "xiaonao/codegen.h"
#include "xiaonao/xiaonao.h"

typedef enum {
    FN_FK,
    FN_POSE,
    FN_JAC,
    FN_COM,
    FN_RNEA,
    FN_NLE,
    FN_GRAV,
    FN_CRBA,
    FN_FACTOR,
    FN_SOLVE,
    FN_ABA
} fn_kind;

typedef struct {
    fn_kind kind;
    int frame;
    char name[160];
    const char *doc;
    int nin;
    const char *in[3];
    int in_size[3];
    const char *out;
    int out_size;
} fn_spec;

typedef struct {
    const xn_model *m;
    const xn_codegen_options *opt;
    char prefix[96];
    const char *real;
    FILE *h, *c;
    xs_counts total;
} gen;

static int is_ident(const char *s) {
    if (!s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

/* s made a C identifier: other characters become '_', a leading digit gets one in front */
static void identifier(const char *s, char *out, size_t n) {
    size_t k = 0;
    if (isdigit((unsigned char)*s) && k + 1 < n) out[k++] = '_';
    for (; *s && k + 1 < n; s++) out[k++] = isalnum((unsigned char)*s) ? *s : '_';
    out[k] = 0;
}

static void signature(const gen *G, const fn_spec *f, FILE *out) {
    fprintf(out, "void %s_%s(", G->prefix, f->name);
    for (int i = 0; i < f->nin; i++)
        fprintf(out, "const %s %s[%d], ", G->real, f->in[i], f->in_size[i]);
    fprintf(out, "%s %s[%d])", G->real, f->out, f->out_size);
}

static int build(const gen *G, const fn_spec *f, xs_graph *g, cg_outs *o) {
    const xn_model *m = G->m;
    switch (f->kind) {
    case FN_FK: return cg_fk(m, g, o);
    case FN_POSE: return cg_frame_pose(m, f->frame, g, o);
    case FN_JAC: return cg_frame_jacobian(m, f->frame, g, o);
    case FN_COM: return cg_com(m, g, o);
    case FN_RNEA: return cg_rnea(m, g, o, 1, 1);
    case FN_NLE: return cg_rnea(m, g, o, 1, 0);
    case FN_GRAV: return cg_rnea(m, g, o, 0, 0);
    case FN_CRBA: return cg_crba(m, g, o);
    case FN_FACTOR: return cg_factor(m, g, o);
    case FN_SOLVE: return cg_solve(m, g, o);
    case FN_ABA: return cg_aba(m, g, o);
    }
    return -1;
}

static int write_fn(gen *G, const fn_spec *f) {
    xs_graph g;
    if (xs_init(&g) != 0) return -1;
    cg_outs o = {0};
    int rc = build(G, f, &g, &o);
    /* the outputs name the array each builder chose; the function's parameter is f->out */
    for (int i = 0; rc == 0 && i < o.n; i++) o.v[i].array = f->out;
    char sc[128];
    snprintf(sc, sizeof sc, "%s_sincos", G->prefix);
    xs_emit_style st = {G->real, G->opt->single, f->in, f->nin, sc, f->kind == FN_SOLVE};
    xs_counts n = {0};
    if (rc == 0) {
        fprintf(G->h, "/** %s */\n", f->doc);
        signature(G, f, G->h);
        fprintf(G->h, ";\n\n");
        signature(G, f, G->c);
        fprintf(G->c, " {\n");
        for (int i = 0; i < f->nin; i++) fprintf(G->c, "    (void)%s;\n", f->in[i]);
        rc = xs_emit(&g, o.v, o.n, &st, G->c, &n);
        fprintf(G->c,
                "    /* %ld multiplications, %ld additions, %ld divisions, %ld square roots, "
                "%ld sine-cosine pairs */\n}\n\n",
                n.mul, n.add, n.div, n.sqrt, n.trig);
        G->total.mul += n.mul;
        G->total.add += n.add;
        G->total.div += n.div;
        G->total.trig += n.trig;
    }
    free(o.v);
    xs_free(&g);
    return rc;
}

/* The sine and cosine of a joint angle, inline: libm's sin and cos cost 15-20 ns a call, most
 * of a 7-joint arm's RNEA. The library's own method (src/math/sincos_inline.h): Cody-Waite
 * reduction by pi/2 with a three-part constant, then Taylor series on [-pi/4, pi/4] past the
 * type's rounding (double: sin to x^17, cos to x^16; float: to x^11 and x^10); large angles and
 * non-finite ones go to libm. */
static void write_sincos(const gen *G) {
    const char *P = G->prefix, *R = G->real;
    if (!G->opt->single) {
        fprintf(
            G->c,
            "static inline void %s_sincos(%s x, %s *s, %s *c) {\n"
            "    if (!(fabs(x) < 1e5)) {\n        *s = sin(x);\n        *c = cos(x);\n"
            "        return;\n    }\n"
            "    const %s kf = (x * 0.6366197723675814 + 6755399441055744.0) - "
            "6755399441055744.0;\n"
            "    const int k = (int)kf;\n"
            "    const %s r = ((x - kf * 1.5707963267341256) - kf * 6.077100506303966e-11) - "
            "kf * 2.0222662487959506e-21;\n"
            "    const %s z = r * r;\n"
            "    const %s sp = -1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880 "
            "+ z * (-1.0 / 39916800 + z * (1.0 / 6227020800.0 + z * (-1.0 / 1307674368000.0 + "
            "z * (1.0 / 355687428096000.0)))))));\n"
            "    const %s cp = 1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320 + z * (-1.0 / "
            "3628800 + z * (1.0 / 479001600 + z * (-1.0 / 87178291200.0 + z * (1.0 / "
            "20922789888000.0))))));\n",
            P, R, R, R, R, R, R, R, R);
    } else {
        fprintf(G->c,
                "static inline void %s_sincos(%s x, %s *s, %s *c) {\n"
                "    if (!(fabsf(x) < 1e3f)) {\n        *s = sinf(x);\n        *c = cosf(x);\n"
                "        return;\n    }\n"
                "    const %s kf = (x * 0.636619772f + 12582912.0f) - 12582912.0f;\n"
                "    const int k = (int)kf;\n"
                "    const %s r = ((x - kf * 1.5703125f) - kf * 4.83751297e-4f) - kf * "
                "7.54978995e-8f;\n"
                "    const %s z = r * r;\n"
                "    const %s sp = -1.0f / 6 + z * (1.0f / 120 + z * (-1.0f / 5040 + z * (1.0f / "
                "362880 + z * (-1.0f / 39916800))));\n"
                "    const %s cp = 1.0f / 24 + z * (-1.0f / 720 + z * (1.0f / 40320 + z * (-1.0f "
                "/ 3628800)));\n",
                P, R, R, R, R, R, R, R, R);
    }
    fprintf(G->c,
            "    const %s sr = r + r * z * sp, cr = 1 - z / 2 + z * z * cp;\n"
            "    switch (k & 3) {\n"
            "    case 0: *s = sr, *c = cr; break;\n"
            "    case 1: *s = cr, *c = -sr; break;\n"
            "    case 2: *s = -sr, *c = -cr; break;\n"
            "    default: *s = -cr, *c = sr; break;\n"
            "    }\n}\n\n",
            R);
}

/* A number as a C literal of the library's xn_real: INFINITY where the model has no limit. */
static void num(FILE *f, double v) {
    if (isinf(v))
        fprintf(f, v > 0 ? "INFINITY" : "-INFINITY");
    else
        fprintf(f, "%.17g", v);
}

static void nums(FILE *f, const double *v, int n) {
    for (int i = 0; i < n; i++) {
        if (i) fprintf(f, ", ");
        num(f, v[i]);
    }
}

/* A C string literal of a name from the model file (quotes and backslashes escaped, other
 * unprintable bytes in octal). */
static void cstr(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 32 || ch > 126)
            fprintf(f, "\\%03o", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* DIR/PREFIX_model.c: the model itself, rebuilt in code through xiaonao's builder, for a target
 * with no loader and no file system (the generic library on a microcontroller). Links are the
 * model's bodies (fixed joints already merged), joints its movable joints with their limits,
 * frames the named frames the links and joints do not bring themselves. */
static int write_model_description(const gen *G, const char *path, const char *comment) {
    const xn_model *m = G->m;
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "%s", comment);
    fprintf(f, "#include <math.h>\n\n#include \"xiaonao/model.h\"\n\n");
    fprintf(f, "xn_status %s_build_model(xn_model **out, xn_error *err);\n\n", G->prefix);
    fprintf(f, "/* The model, built as its file describes it; free with xn_model_free. */\n");
    fprintf(f, "xn_status %s_build_model(xn_model **out, xn_error *err) {\n", G->prefix);
    fprintf(f, "    *out = NULL;\n    xn_builder *b = xn_builder_create();\n");
    fprintf(f, "    if (!b) return XN_ERR_NOMEM;\n    xn_status st = XN_OK;\n");
    fprintf(f, "    int link[%d];\n    link[0] = 0;\n", m->nbody);
    fprintf(f, "    xn_builder_set_name(b, ");
    cstr(f, m->name ? m->name : "");
    fprintf(f, ");\n    {\n        const xn_real g[3] = {");
    nums(f, m->gravity, 3);
    fprintf(f, "};\n        xn_builder_set_gravity(b, g);\n    }\n");
    for (int k = 1; k < m->nbody; k++) {
        const xn_inertia *Y = &m->body_inertia[k];
        double mass = Y->m, c[3] = {0, 0, 0}, I[6];
        if (mass > 0)
            for (int i = 0; i < 3; i++) c[i] = Y->h[i] / mass;
        /* about the centre of mass: I_c = I_o - m (|c|^2 1 - c c^T) */
        I[0] = Y->I[0] - mass * (c[1] * c[1] + c[2] * c[2]);
        I[1] = Y->I[1] - mass * (c[0] * c[0] + c[2] * c[2]);
        I[2] = Y->I[2] - mass * (c[0] * c[0] + c[1] * c[1]);
        I[3] = Y->I[3] + mass * c[0] * c[1];
        I[4] = Y->I[4] + mass * c[0] * c[2];
        I[5] = Y->I[5] + mass * c[1] * c[2];
        const xn_se3 *X = &m->body_tree[k];
        int qa = m->body_qadr[k], va = m->body_vadr[k];
        xn_joint_type t = m->body_jtype[k];
        int one = t == XN_JOINT_REVOLUTE || t == XN_JOINT_CONTINUOUS || t == XN_JOINT_PRISMATIC;
        fprintf(f, "    if (st == XN_OK) { /* body %d */\n        const xn_real c[3] = {", k);
        nums(f, c, 3);
        fprintf(f, "}, I[6] = {");
        nums(f, I, 6);
        fprintf(f, "};\n        st = xn_builder_add_link(b, ");
        cstr(f, m->body_name[k]);
        fprintf(f, ", ");
        num(f, mass);
        fprintf(f, ", c, I, &link[%d], err);\n    }\n", k);
        fprintf(f, "    if (st == XN_OK) {\n        const xn_se3 X = {{");
        nums(f, X->R, 9);
        fprintf(f, "}, {");
        nums(f, X->p, 3);
        fprintf(f, "}};\n        xn_joint_spec s = xn_joint_spec_default((xn_joint_type)%d);\n",
                (int)t);
        fprintf(f, "        s.axis[0] = ");
        num(f, m->body_axis[3 * k]);
        fprintf(f, ", s.axis[1] = ");
        num(f, m->body_axis[3 * k + 1]);
        fprintf(f, ", s.axis[2] = ");
        num(f, m->body_axis[3 * k + 2]);
        fprintf(f, ";\n");
        if (one) {
            double v[7] = {m->q_lower[qa],     m->q_upper[qa],     m->dof_vmax[va],
                           m->dof_effort[va],  m->dof_damping[va], m->dof_friction[va],
                           m->dof_armature[va]};
            static const char *field[7] = {"lower",   "upper",    "velocity", "effort",
                                           "damping", "friction", "armature"};
            for (int i = 0; i < 7; i++) {
                fprintf(f, "        s.%s = ", field[i]);
                num(f, v[i]);
                fprintf(f, ";\n");
            }
        }
        fprintf(f, "        st = xn_builder_add_joint(b, ");
        cstr(f, m->joint_name[k]);
        fprintf(f, ", link[%d], link[%d], &X, &s, NULL, err);\n    }\n", m->body_parent[k], k);
    }
    for (int fr = 0; fr < m->nframe; fr++) {
        const char *name = m->frame_name[fr];
        int own = 0; /* brought by a link or a joint added above */
        for (int k = 0; k < m->nbody && !own; k++)
            own = strcmp(name, m->body_name[k]) == 0 || strcmp(name, m->joint_name[k]) == 0;
        if (own) continue;
        const xn_se3 *X = &m->frame_placement[fr];
        fprintf(f, "    if (st == XN_OK) {\n        const xn_se3 X = {{");
        nums(f, X->R, 9);
        fprintf(f, "}, {");
        nums(f, X->p, 3);
        fprintf(f, "}};\n        st = xn_builder_add_frame(b, ");
        cstr(f, name);
        fprintf(f, ", link[%d], &X, NULL, err);\n    }\n", m->frame_body[fr]);
    }
    fprintf(f, "    if (st == XN_OK) st = xn_builder_compile(b, out, err);\n");
    fprintf(f, "    xn_builder_free(b);\n    return st;\n}\n");
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

static int check_model(const xn_model *m, xn_error *err) {
    for (int b = 1; b < m->nbody; b++) {
        xn_joint_type t = m->body_jtype[b];
        if (t != XN_JOINT_REVOLUTE && t != XN_JOINT_CONTINUOUS && t != XN_JOINT_PRISMATIC &&
            t != XN_JOINT_FREE && t != XN_JOINT_BALL)
            return xn_fail_at(err, XN_ERR_UNSUPPORTED, "xn_codegen_write", b,
                              "joint '%s' has a type the generator does not know",
                              m->joint_name[b]);
    }
    return XN_OK;
}

xn_status xn_codegen_write(const xn_model *m, const xn_codegen_options *opt, const char *dir,
                           xn_error *err) {
    if (!m || !opt || !dir)
        return xn_fail_at(err, XN_ERR_INVALID, "xn_codegen_write", -1,
                          "model, options and directory are required");
    xn_status st = check_model(m, err);
    if (st != XN_OK) return st;
    gen G;
    memset(&G, 0, sizeof G);
    G.m = m;
    G.opt = opt;
    if (opt->prefix) {
        if (!is_ident(opt->prefix) || strlen(opt->prefix) > 64)
            return xn_fail_at(err, XN_ERR_INVALID, "xn_codegen_write", -1,
                              "prefix '%s' is not a C identifier (letters, digits, '_'; at "
                              "most 64)",
                              opt->prefix);
        snprintf(G.prefix, sizeof G.prefix, "%s", opt->prefix);
    } else {
        identifier(m->name && *m->name ? m->name : "robot", G.prefix, 65);
    }
    char real[128];
    snprintf(real, sizeof real, "%s_real", G.prefix);
    G.real = real;

    int nf = 11 + 2 * opt->nframes, nv = m->nv, nq = m->nq;
    fn_spec *fn = calloc((size_t)nf, sizeof *fn);
    if (!fn) return xn_fail_at(err, XN_ERR_NOMEM, "xn_codegen_write", -1, "out of memory");
    int k = 0;
#define SPEC(K, NAME, DOC, NIN, I0, S0, I1, S1, I2, S2, OUT, OS)                                   \
    do {                                                                                           \
        fn_spec *s = &fn[k++];                                                                     \
        s->kind = K;                                                                               \
        snprintf(s->name, sizeof s->name, "%s", NAME);                                             \
        s->doc = DOC;                                                                              \
        s->nin = NIN;                                                                              \
        s->in[0] = I0, s->in_size[0] = S0, s->in[1] = I1, s->in_size[1] = S1;                      \
        s->in[2] = I2, s->in_size[2] = S2, s->out = OUT, s->out_size = OS;                         \
    } while (0)
    SPEC(FN_FK, "fk", "Every body's placement in the world: 12 numbers per body (R row-major, p).",
         1, "q", nq, NULL, 0, NULL, 0, "pose", 12 * m->nbody);
    SPEC(FN_COM, "com", "Centre of mass of the whole model in the world (m).", 1, "q", nq, NULL, 0,
         NULL, 0, "com", 3);
    SPEC(FN_RNEA, "rnea", "Inverse dynamics: tau = M(q) a + C(q, v) v + g(q), armature included.",
         3, "q", nq, "v", nv, "a", nv, "tau", nv);
    SPEC(FN_NLE, "nle", "Nonlinear effects: C(q, v) v + g(q).", 2, "q", nq, "v", nv, NULL, 0, "nle",
         nv);
    SPEC(FN_GRAV, "gravity", "Generalized gravity g(q).", 1, "q", nq, NULL, 0, NULL, 0, "g", nv);
    SPEC(FN_CRBA, "crba", "Joint-space inertia matrix M(q), row-major, both triangles.", 1, "q", nq,
         NULL, 0, NULL, 0, "M", nv * nv);
    SPEC(FN_FACTOR, "factor",
         "M = L^T D L along the tree (xn_dyn_factor's layout; only path entries written).", 1, "M",
         nv * nv, NULL, 0, NULL, 0, "LD", nv * nv);
    SPEC(FN_SOLVE, "solve", "x = M^-1 b from the factor's LD (x may be b).", 2, "LD", nv * nv, "b",
         nv, NULL, 0, "x", nv);
    SPEC(FN_ABA, "aba", "Forward dynamics: qdd = M^-1 (tau - C v - g), armature included.", 3, "q",
         nq, "v", nv, "tau", nv, "qdd", nv);
    for (int i = 0; i < opt->nframes; i++) {
        int f = xn_model_frame_id(m, opt->frames[i]);
        if (f < 0) {
            free(fn);
            return xn_fail_at(err, XN_ERR_NOT_FOUND, "xn_codegen_write", i,
                              "the model has no frame '%s'", opt->frames[i]);
        }
        char id[128];
        identifier(opt->frames[i], id, 100);
        SPEC(FN_POSE, "", "A frame's placement in the world (R row-major, p).", 1, "q", nq, NULL, 0,
             NULL, 0, "pose", 12);
        snprintf(fn[k - 1].name, sizeof fn[k - 1].name, "%s_pose", id);
        fn[k - 1].frame = f;
        SPEC(FN_JAC, "",
             "A frame's Jacobian (6 x NV row-major; rows: the origin's linear "
             "velocity, then the angular velocity, in world axes).",
             1, "q", nq, NULL, 0, NULL, 0, "J", 6 * nv);
        snprintf(fn[k - 1].name, sizeof fn[k - 1].name, "%s_jacobian", id);
        fn[k - 1].frame = f;
    }
#undef SPEC
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(fn[i].name, fn[j].name) == 0) {
                xn_fail_at(err, XN_ERR_INVALID, "xn_codegen_write", -1,
                           "two functions would be named %s_%s (a frame given twice, frame names "
                           "that differ only in characters C identifiers cannot hold, or a frame "
                           "named like a function)",
                           G.prefix, fn[i].name);
                free(fn);
                return XN_ERR_INVALID;
            }

    char hpath[4096], cpath[4096];
    snprintf(hpath, sizeof hpath, "%s/%s.h", dir, G.prefix);
    snprintf(cpath, sizeof cpath, "%s/%s.c", dir, G.prefix);
    G.h = fopen(hpath, "w");
    G.c = G.h ? fopen(cpath, "w") : NULL;
    if (!G.h || !G.c) {
        int e = errno;
        if (G.h) fclose(G.h);
        free(fn);
        return xn_fail_at(err, XN_ERR_IO, G.h ? cpath : hpath, -1, "cannot write: %s", strerror(e));
    }
    char guard[128];
    snprintf(guard, sizeof guard, "%s_GENERATED_H", G.prefix);
    for (char *s = guard; *s; s++) *s = (char)toupper((unsigned char)*s);
    const char *comment =
        "/* Generated by xn codegen (xiaonao %d.%d.%d) from %s%s%s%s: do not edit.\n"
        " * Model \"%s\": nq %d, nv %d, %d bodies (body 0 the world), %s arithmetic.\n"
        " * Conventions, layouts and the finite-state requirement: xiaonao/codegen.h. */\n";
    char text[1024];
    snprintf(text, sizeof text, comment, XN_VERSION_MAJOR, XN_VERSION_MINOR, XN_VERSION_PATCH,
             opt->source ? opt->source : "a model built in code",
             opt->source_hash ? " (sha256 " : "", opt->source_hash ? opt->source_hash : "",
             opt->source_hash ? ")" : "", m->name ? m->name : "", nq, nv, m->nbody,
             opt->single ? "float" : "double");
    fputs(text, G.h);
    fputs(text, G.c);
    fprintf(G.h, "#ifndef %s\n#define %s\n\n", guard, guard);
    fprintf(G.h, "typedef %s %s;\n\n", opt->single ? "float" : "double", G.real);
    fprintf(G.h, "#define %s_NQ %d\n#define %s_NV %d\n#define %s_NBODY %d\n\n", G.prefix, nq,
            G.prefix, nv, G.prefix, m->nbody);
    fprintf(G.c, "#include \"%s.h\"\n\n#include <math.h>\n\n", G.prefix);
    write_sincos(&G);
    int rc = 0;
    char failed[160] = "";
    for (int i = 0; rc == 0 && i < k; i++)
        if ((rc = write_fn(&G, &fn[i])) != 0) snprintf(failed, sizeof failed, "%s", fn[i].name);
    fprintf(G.h, "#endif\n");
    int bad_h = ferror(G.h), bad_c = ferror(G.c);
    bad_h |= fclose(G.h) != 0;
    bad_c |= fclose(G.c) != 0;
    free(fn);
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/%s_model.c", dir, G.prefix);
    int bad_m = 0;
    if (rc == 0 && !bad_h && !bad_c && opt->model_description)
        bad_m = write_model_description(&G, mpath, text) != 0;
    if (rc != 0 || bad_h || bad_c || bad_m) { /* no half-written set left behind */
        remove(hpath);
        remove(cpath);
        remove(mpath);
    }
    if (bad_m) return xn_fail_at(err, XN_ERR_IO, mpath, -1, "write failed");
    if (rc == -2)
        return xn_fail_at(err, XN_ERR_INVALID, "xn_codegen_write", -1,
                          "%s_%s: the model makes a constant infinite or NaN (a division by a "
                          "zero mass or inertia it fixes)",
                          G.prefix, failed);
    if (rc != 0) return xn_fail_at(err, XN_ERR_NOMEM, "xn_codegen_write", -1, "out of memory");
    if (bad_h || bad_c)
        return xn_fail_at(err, XN_ERR_IO, bad_h ? hpath : cpath, -1, "write failed");
    return XN_OK;
}
