/* xn dyn: kinematics and dynamics of a model for a list of cases.
 * Input: JSON lines, each an object with q, v, a and optionally tau_aba; or one JSON object with
 * a "cases" array (and optionally "frames"), as the reference files in tests/data/reference.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/json.h"

#define MAX_FRAMES 64

typedef struct {
    const xn_model *m;
    xn_data *d;
    int pinocchio;
    int nframes;
    int frame_ids[MAX_FRAMES];
    const char *frame_names[MAX_FRAMES];
    FILE *out;
    int json;
    double *q, *v, *a, *tau, *J;
    int index; /* cases written so far */
} dyn_ctx;

/* Read a vector field of the expected length; prints "where: ..." and returns -1 when wrong. */
static int read_vec(const xn_json *c, const char *key, int n, double *out, int required,
                    const char *where) {
    const xn_json *f = xn_json_get(c, key);
    if (!f) {
        if (required) xn_cli_error("%s: missing \"%s\"", where, key);
        return required ? -1 : 0;
    }
    int k = xn_json_reals(f, NULL, 0);
    if (k < 0) return xn_cli_error("%s: \"%s\" must be an array of numbers", where, key), -1;
    if (k != n)
        return xn_cli_error("%s: \"%s\" has %d entries, the model needs %d", where, key, k, n), -1;
    xn_json_reals(f, out, n);
    return 1;
}

static void q_convert_in(const xn_model *m, double *q) {
    /* Pinocchio stores the free-flyer quaternion x, y, z, w */
    for (int b = 1; b < m->nbody; b++) {
        double *qq = NULL;
        if (m->body_jtype[b] == XN_JOINT_FREE) qq = q + m->body_qadr[b] + 3;
        if (m->body_jtype[b] == XN_JOINT_BALL) qq = q + m->body_qadr[b];
        if (!qq) continue;
        double w = qq[3];
        qq[3] = qq[2];
        qq[2] = qq[1];
        qq[1] = qq[0];
        qq[0] = w;
    }
}

static int check_quats(const xn_model *m, const double *q, const char *where) {
    for (int b = 1; b < m->nbody; b++) {
        const double *qq = NULL;
        if (m->body_jtype[b] == XN_JOINT_FREE) qq = q + m->body_qadr[b] + 3;
        if (m->body_jtype[b] == XN_JOINT_BALL) qq = q + m->body_qadr[b];
        if (!qq) continue;
        double n = sqrt(qq[0] * qq[0] + qq[1] * qq[1] + qq[2] * qq[2] + qq[3] * qq[3]);
        if (fabs(n - 1) > 1e-6)
            return xn_cli_error("%s: the quaternion of joint '%s' has norm %g, not 1", where,
                                m->joint_name[b], n),
                   -1;
    }
    return 0;
}

static void write_text(dyn_ctx *c, int has_aba, int index) {
    FILE *f = c->out;
    int nv = c->m->nv;
    fprintf(f, "case %d\n", index);
    const struct {
        const char *name;
        const double *x;
    } rows[] = {
        {"tau", c->d->tau}, {"nle", c->d->nle}, {"gravity_torque", c->d->g}, {"qdd", c->d->qdd}};
    for (int r = 0; r < 4; r++) {
        if (r == 3 && !has_aba) continue;
        fprintf(f, "  %-15s", rows[r].name);
        for (int k = 0; k < nv; k++) fprintf(f, " % .6g", rows[r].x[k]);
        fputc('\n', f);
    }
    fprintf(f, "  %-15s % .6g % .6g % .6g\n", "com", c->d->com[0], c->d->com[1], c->d->com[2]);
    for (int i = 0; i < c->nframes; i++) {
        xn_se3 X;
        xn_dyn_frame_placement(c->m, c->d, c->frame_ids[i], &X);
        fprintf(f, "  frame %s: pos % .6g % .6g % .6g\n", c->frame_names[i], X.p[0], X.p[1],
                X.p[2]);
    }
}

static void write_json(dyn_ctx *c, int has_aba) {
    FILE *f = c->out;
    int nv = c->m->nv;
    fputs("{\"tau\":", f);
    xn_cli_json_array(f, c->d->tau, nv);
    fputs(",\"nle\":", f);
    xn_cli_json_array(f, c->d->nle, nv);
    fputs(",\"gravity_torque\":", f);
    xn_cli_json_array(f, c->d->g, nv);
    fputs(",\"M\":", f);
    xn_cli_json_array(f, c->d->M, nv * nv);
    if (has_aba) {
        fputs(",\"qdd\":", f);
        xn_cli_json_array(f, c->d->qdd, nv);
    }
    fputs(",\"com\":", f);
    xn_cli_json_array(f, c->d->com, 3);
    fputs(",\"frames\":{", f);
    for (int i = 0; i < c->nframes; i++) {
        xn_se3 X;
        xn_dyn_frame_placement(c->m, c->d, c->frame_ids[i], &X);
        xn_dyn_frame_jacobian(c->m, c->d, c->frame_ids[i], XN_LOCAL_WORLD_ALIGNED, c->J);
        fprintf(f, "%s\"%s\":{\"pos\":", i ? "," : "", c->frame_names[i]);
        xn_cli_json_array(f, X.p, 3);
        fputs(",\"rot\":", f);
        xn_cli_json_array(f, X.R, 9);
        fputs(",\"J\":", f);
        xn_cli_json_array(f, c->J, 6 * nv);
        fputc('}', f);
    }
    fputs("}}\n", f);
}

static int run_case(dyn_ctx *c, const xn_json *cs, const char *where, int index) {
    const xn_model *m = c->m;
    if (cs->type != XN_JSON_OBJECT) return xn_cli_error("%s: a case must be a JSON object", where);
    if (read_vec(cs, "q", m->nq, c->q, 1, where) < 0) return 1;
    if (read_vec(cs, "v", m->nv, c->v, 1, where) < 0) return 1;
    if (read_vec(cs, "a", m->nv, c->a, 1, where) < 0) return 1;
    int has_aba = read_vec(cs, "tau_aba", m->nv, c->tau, 0, where);
    if (has_aba < 0) return 1;
    if (c->pinocchio) q_convert_in(m, c->q);
    if (check_quats(m, c->q, where)) return 1;
    xn_data *d = c->d;
    xn_dyn_nle(m, d, c->q, c->v);
    xn_dyn_gravity(m, d, c->q);
    xn_dyn_crba(m, d, c->q);
    if (has_aba) xn_dyn_aba(m, d, c->q, c->v, c->tau);
    xn_dyn_rnea(m, d, c->q, c->v, c->a);
    xn_dyn_com(m, d, c->q); /* also leaves d->oMi at q for the frames */
    if (c->json)
        write_json(c, has_aba);
    else
        write_text(c, has_aba, index);
    return 0;
}

static int add_frames(dyn_ctx *c, const char *list) {
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char name[256];
        if (n == 0 || n >= sizeof name) return xn_cli_error("dyn: bad frame list '%s'", list);
        memcpy(name, p, n);
        name[n] = 0;
        int id = xn_model_frame_id(c->m, name);
        if (id < 0) return xn_cli_error("dyn: the model has no frame named '%s'", name);
        if (c->nframes == MAX_FRAMES) return xn_cli_error("dyn: at most %d frames", MAX_FRAMES);
        c->frame_ids[c->nframes] = id;
        c->frame_names[c->nframes++] = c->m->frame_name[id];
        p += n + (e ? 1 : 0);
    }
    return 0;
}

static int dyn_line(void *ctx, const xn_json *j, const char *where) {
    dyn_ctx *c = ctx;
    return run_case(c, j, where, c->index++);
}

int xn_cmd_dyn(int argc, char **argv) {
    const char *model = NULL, *in = NULL, *outp = NULL, *frames = NULL;
    int floating = 0, pinocchio = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (strcmp(a, "--in") == 0 && has_val)
            in = argv[++i];
        else if (strcmp(a, "--out") == 0 && has_val)
            outp = argv[++i];
        else if (strcmp(a, "--frames") == 0 && has_val)
            frames = argv[++i];
        else if (strcmp(a, "--convention") == 0 && has_val) {
            const char *cv = argv[++i];
            if (strcmp(cv, "pinocchio") == 0)
                pinocchio = 1;
            else if (strcmp(cv, "xiaonao") != 0)
                return xn_cli_error("dyn: unknown convention '%s' (pinocchio or xiaonao)", cv);
        } else if (strcmp(a, "--floating-base") == 0)
            floating = 1;
        else if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--help") == 0) {
            printf(
                "usage: xn dyn MODEL --in CASES [--out RESULTS] [--frames a,b]\n"
                "              [--convention pinocchio] [--floating-base] [--json]\n"
                "  CASES: JSON lines {\"q\":[..],\"v\":[..],\"a\":[..],\"tau_aba\":[..]} or one\n"
                "         object with a \"cases\" array (and \"frames\", \"floating_base\")\n"
                "  writes per case: tau (RNEA), nle, gravity_torque, M, qdd (ABA, with tau_aba),\n"
                "  com, and per frame pos, rot and J (6 x nv, local-world-aligned)\n"
                "  --out writes JSON lines; otherwise plain text (or --json) on stdout\n"
                "  --convention pinocchio: quaternions in q are stored x, y, z, w\n");
            return 0;
        } else if (a[0] == '-')
            return xn_cli_error("dyn: unknown option or missing value '%s'", a);
        else if (!model)
            model = a;
        else
            return xn_cli_error("dyn: more than one model given ('%s')", a);
    }
    if (!model) return xn_cli_error("dyn: no model file given");
    if (!in) return xn_cli_error("dyn: no input given (--in CASES)");
    size_t len;
    char *text = xn_cli_slurp(in, &len);
    if (!text) return 1;
    /* a whole JSON document with "cases", or JSON lines */
    char msg[256] = "";
    xn_json *doc = xn_json_parse(text, len, msg, sizeof msg);
    const xn_json *cases = doc ? xn_json_get(doc, "cases") : NULL;
    if (doc && !cases && doc->type != XN_JSON_OBJECT) {
        xn_json_free(doc);
        doc = NULL;
    }
    if (cases) {
        const xn_json *fb = xn_json_get(doc, "floating_base");
        if (fb && fb->type == XN_JSON_BOOL && fb->num) floating = 1;
    }
    xn_model *m = xn_cli_load(model, floating, 0);
    if (!m) {
        xn_json_free(doc);
        free(text);
        return 1;
    }
    dyn_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.pinocchio = pinocchio;
    c.json = json || outp;
    int rc = 0;
    if (frames && add_frames(&c, frames)) rc = 1;
    if (!frames && cases) {
        const xn_json *fl = xn_json_get(doc, "frames");
        for (int i = 0; fl && fl->type == XN_JSON_ARRAY && i < fl->n && !rc; i++)
            if (fl->items[i].type == XN_JSON_STRING) rc = add_frames(&c, fl->items[i].str);
    }
    c.d = xn_data_create(m);
    c.q = calloc((size_t)m->nq + 1, sizeof(double));
    c.v = calloc((size_t)m->nv + 1, sizeof(double));
    c.a = calloc((size_t)m->nv + 1, sizeof(double));
    c.tau = calloc((size_t)m->nv + 1, sizeof(double));
    c.J = calloc(6 * (size_t)m->nv + 1, sizeof(double));
    c.out = stdout;
    if (!rc && outp && !(c.out = fopen(outp, "w"))) {
        rc = xn_cli_error("dyn: cannot write '%s'", outp);
        c.out = NULL;
    }
    if (!rc && (!c.d || !c.q || !c.v || !c.a || !c.tau || !c.J))
        rc = xn_cli_error("dyn: out of memory");
    char where[600];
    if (!rc && cases) {
        if (cases->type != XN_JSON_ARRAY) rc = xn_cli_error("%s: \"cases\" must be an array", in);
        for (int i = 0; !rc && i < cases->n; i++) {
            snprintf(where, sizeof where, "%s: case %d", in, i);
            rc = run_case(&c, &cases->items[i], where, i);
        }
    } else if (!rc) {
        rc = xn_cli_json_lines(text, in, dyn_line, &c);
    }
    if (c.out && c.out != stdout && fclose(c.out) != 0 && !rc)
        rc = xn_cli_error("dyn: error writing '%s'", outp);
    free(c.q);
    free(c.v);
    free(c.a);
    free(c.tau);
    free(c.J);
    xn_data_free(c.d);
    xn_model_free(m);
    xn_json_free(doc);
    free(text);
    return rc;
}
