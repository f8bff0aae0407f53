/* MJCF loader: the subset of MuJoCo's format that robot files use for kinematics and dynamics.
 *   <compiler angle eulerseq inertiafromgeom>, <option gravity>, <include file>,
 *   <default> classes (nested, with class and childclass), <worldbody> with nested <body>
 *   (pos and every orientation form), <joint> (hinge, slide, ball, free), <freejoint>,
 *   <inertial>, inertia inferred from primitive geoms, <site>.
 * Everything else (assets, actuators, sensors, contacts, visuals) is skipped here; the simulation
 * backend hands the same file to MuJoCo itself.
 *
 * How a body maps onto the builder: the body is a link. Its joints, applied in file order about
 * their anchors (joint pos), become a chain: joint k's frame sits at anchor c_k; massless links
 * carry the intermediate joints; when the last anchor is off the body origin, the body is fixed
 * to the last joint's link by an offset. A body without joints is fixed to its parent.
 * SPDX-License-Identifier: Apache-2.0 */
#include <libxml/parser.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/mjcf_internal.h"
#include "io/xml_util.h"
#include "math/spatial_inline.h"
#include "xiaonao/io.h"

#define XN_PI 3.14159265358979323846
#define MJ_MAX_DEPTH 200  /* body nesting */
#define MJ_MAX_INCLUDE 16 /* include nesting */

enum { E_JOINT, E_GEOM, E_SITE, E_ACTUATOR, E_NTYPES };
static const char *const elem_names[E_NTYPES] = {"joint", "geom", "site", "actuator"};
/* the actuator elements whose defaults and instances are read (for joint torque limits) */
static const char *const actuator_names[] = {"motor", "general", "position", "velocity"};
#define MJ_NACTUATOR_KINDS 4

typedef struct {
    char *name;
    int parent;
    xmlNode *elem[E_NTYPES];
} mj_class;

typedef struct {
    xn_xml_ctx xc;
    xn_builder *b;
    mj_class *classes;
    int nclasses, capclasses;
    int degree; /* compiler angle="degree" (MuJoCo's default) */
    char eulerseq[4];
    int inertiafromgeom; /* 0 false, 1 true, 2 auto */
    int nbody, njoint;   /* MuJoCo ids, for naming unnamed elements */
    const char *base_dir;
    char **files; /* names of included files (node->_private points here) */
    int nfiles;
    /* torque limits the <actuator> section gives joints: joint name, N m or N */
    struct {
        const char *joint;
        xn_real effort;
    } * effort;
    int neffort;
} mjcf;

/* ---------------------------------------------------------------------------------------------
 * <include>: splice the children of each included file's <mujoco> in place of the element.
 * Copied nodes keep their line numbers and carry their file name in _private for messages.
 * ------------------------------------------------------------------------------------------- */

static void mark_file(xmlNode *n, char *file) {
    for (; n; n = n->next) {
        n->_private = file;
        if (n->type == XML_ELEMENT_NODE) mark_file(n->children, file);
    }
}

static xn_status expand_includes(mjcf *mj, xmlNode *parent) {
    xmlNode *n = parent->children;
    while (n) {
        xmlNode *next = n->next;
        if (!xn_xml_is(n, "include")) {
            if (n->type == XML_ELEMENT_NODE) {
                xn_status st = expand_includes(mj, n);
                if (st) return st;
            }
            n = next;
            continue;
        }
        /* a bound on the number of included files also ends a file that includes itself */
        if (mj->nfiles >= MJ_MAX_INCLUDE)
            return xn_xml_fail(&mj->xc, n, XN_ERR_INVALID,
                               "more than %d <include> files (a file including itself?)",
                               MJ_MAX_INCLUDE);
        const char *file = xn_xml_attr(n, "file");
        if (!file || !*file) return xn_xml_fail(&mj->xc, n, XN_ERR_PARSE, "<include> without file");
        char path[1024];
        if (file[0] == '/' || !mj->base_dir)
            snprintf(path, sizeof path, "%s", file);
        else
            snprintf(path, sizeof path, "%s/%s", mj->base_dir, file);
        xn_error e;
        memset(&e, 0, sizeof e);
        size_t len;
        char *buf = xn_io_read_file(path, &len, &e);
        if (!buf)
            return xn_xml_fail(&mj->xc, n, XN_ERR_IO, "cannot read included file '%s': %s", path,
                               e.message);
        xmlDocPtr doc = xn_xml_read(buf, len, path, &e);
        free(buf);
        if (!doc) {
            if (mj->xc.err) *mj->xc.err = e;
            return XN_ERR_PARSE;
        }
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!xn_xml_is(root, "mujoco")) {
            xmlFreeDoc(doc);
            return xn_xml_fail(&mj->xc, n, XN_ERR_PARSE,
                               "included file '%s' has no <mujoco> root element", path);
        }
        char **nf = realloc(mj->files, sizeof(char *) * (size_t)(mj->nfiles + 1));
        char *fname = malloc(strlen(path) + 1);
        if (!nf || !fname) {
            if (nf) mj->files = nf;
            free(fname);
            xmlFreeDoc(doc);
            return xn_xml_fail(&mj->xc, n, XN_ERR_NOMEM, "out of memory");
        }
        mj->files = nf;
        strcpy(fname, path);
        mj->files[mj->nfiles++] = fname;
        xmlNode *first_new = NULL;
        for (xmlNode *c = root->children; c; c = c->next) {
            xmlNode *cp = xmlDocCopyNode(c, parent->doc, 1);
            if (!cp) continue;
            cp->_private = fname;
            if (cp->type == XML_ELEMENT_NODE) mark_file(cp->children, fname);
            xmlAddPrevSibling(n, cp);
            if (!first_new) first_new = cp;
        }
        xmlFreeDoc(doc);
        xmlUnlinkNode(n);
        xmlFreeNode(n);
        /* go on with the spliced nodes: they may hold includes of their own */
        n = first_new ? first_new : next;
    }
    return XN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * <default> classes
 * ------------------------------------------------------------------------------------------- */

static int class_id(const mjcf *mj, const char *name) {
    for (int i = 0; i < mj->nclasses; i++)
        if (strcmp(mj->classes[i].name, name) == 0) return i;
    return -1;
}

static int add_class(mjcf *mj, const char *name, int parent) {
    if (mj->nclasses == mj->capclasses) {
        int nc = mj->capclasses ? 2 * mj->capclasses : 8;
        mj_class *p = realloc(mj->classes, sizeof(mj_class) * (size_t)nc);
        if (!p) return -1;
        mj->classes = p;
        mj->capclasses = nc;
    }
    mj_class *c = &mj->classes[mj->nclasses];
    memset(c, 0, sizeof *c);
    c->name = malloc(strlen(name) + 1);
    if (!c->name) return -1;
    strcpy(c->name, name);
    c->parent = parent;
    return mj->nclasses++;
}

static xn_status parse_default(mjcf *mj, xmlNode *dn, int parent, int depth) {
    const char *name = xn_xml_attr(dn, "class");
    if (parent < 0) {
        if (name && strcmp(name, "main") != 0)
            return xn_xml_fail(&mj->xc, dn, XN_ERR_PARSE,
                               "the top-level <default> must be class \"main\" (got \"%s\")", name);
        name = "main";
    } else if (!name || !*name) {
        return xn_xml_fail(&mj->xc, dn, XN_ERR_PARSE, "nested <default> without a class name");
    }
    if (depth > MJ_MAX_DEPTH)
        return xn_xml_fail(&mj->xc, dn, XN_ERR_PARSE, "<default> nested too deep");
    int id;
    if (parent < 0 && class_id(mj, "main") == 0) {
        id = 0; /* a second top-level <default> adds to main */
    } else {
        if (class_id(mj, name) >= 0)
            return xn_xml_fail(&mj->xc, dn, XN_ERR_INVALID, "duplicate default class \"%s\"", name);
        id = add_class(mj, name, parent);
        if (id < 0) return xn_xml_fail(&mj->xc, dn, XN_ERR_NOMEM, "out of memory");
    }
    for (xmlNode *c = xn_xml_first(dn, NULL); c; c = xn_xml_next(c, NULL)) {
        if (xn_xml_is(c, "default")) {
            xn_status st = parse_default(mj, c, id, depth + 1);
            if (st) return st;
            continue;
        }
        for (int t = 0; t < E_NTYPES; t++)
            if (xn_xml_is(c, elem_names[t])) mj->classes[id].elem[t] = c;
        for (int k = 0; k < MJ_NACTUATOR_KINDS; k++) /* MuJoCo keeps one actuator default */
            if (xn_xml_is(c, actuator_names[k])) mj->classes[id].elem[E_ACTUATOR] = c;
    }
    return XN_OK;
}

/* An attribute of an element, else from its default class chain. */
static const char *attr_cls(const mjcf *mj, const xmlNode *n, int type, int cls, const char *name) {
    const char *v = xn_xml_attr(n, name);
    if (v) return v;
    for (int c = cls; c >= 0; c = mj->classes[c].parent) {
        const xmlNode *d = mj->classes[c].elem[type];
        if (d && (v = xn_xml_attr(d, name))) return v;
    }
    return NULL;
}

/* Which node supplies the attribute (for reading numbers with the right line), or NULL. */
static const xmlNode *attr_src(const mjcf *mj, const xmlNode *n, int type, int cls,
                               const char *name) {
    if (xn_xml_attr(n, name)) return n;
    for (int c = cls; c >= 0; c = mj->classes[c].parent) {
        const xmlNode *d = mj->classes[c].elem[type];
        if (d && xn_xml_attr(d, name)) return d;
    }
    return NULL;
}

/* Read n reals from an element or its class chain (type < 0: the element only).
 * Returns XN_OK, 1 when absent, or a negative status. */
static int reals(const mjcf *mj, const xmlNode *n, int type, int cls, const char *name, int cnt,
                 xn_real *out) {
    const xmlNode *src =
        type >= 0 ? attr_src(mj, n, type, cls, name) : (xn_xml_attr(n, name) ? n : NULL);
    if (!src) return 1;
    return xn_xml_reals(&mj->xc, src, name, cnt, out);
}

/* Up to max reals; *k receives how many. */
static int reals_var(const mjcf *mj, const xmlNode *n, int type, int cls, const char *name, int max,
                     xn_real *out, int *k) {
    const xmlNode *src =
        type >= 0 ? attr_src(mj, n, type, cls, name) : (xn_xml_attr(n, name) ? n : NULL);
    if (!src) return 1;
    return xn_xml_reals_var(&mj->xc, src, name, max, out, k);
}

static int element_class(mjcf *mj, const xmlNode *n, int inherited, int *cls) {
    const char *c = xn_xml_attr(n, "class");
    if (!c) {
        *cls = inherited;
        return XN_OK;
    }
    *cls = class_id(mj, c);
    if (*cls < 0)
        return xn_xml_fail(&mj->xc, n, XN_ERR_NOT_FOUND, "<%s>: unknown default class \"%s\"",
                           (const char *)n->name, c);
    return XN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Orientation: quat, axisangle, euler, xyaxes, zaxis (at most one).
 * ------------------------------------------------------------------------------------------- */

static int read_orientation(mjcf *mj, const xmlNode *n, int type, int cls, xn_real R[9]) {
    static const char *forms[5] = {"quat", "axisangle", "euler", "xyaxes", "zaxis"};
    const char *which = NULL;
    for (int i = 0; i < 5; i++) {
        if (xn_xml_attr(n, forms[i])) {
            if (which)
                return xn_xml_fail(&mj->xc, n, XN_ERR_PARSE,
                                   "<%s>: both %s and %s given; use one orientation form",
                                   (const char *)n->name, which, forms[i]);
            which = forms[i];
        }
    }
    if (!which && type >= 0) /* from defaults */
        for (int i = 0; i < 5 && !which; i++)
            if (attr_src(mj, n, type, cls, forms[i])) which = forms[i];
    R[0] = R[4] = R[8] = 1;
    R[1] = R[2] = R[3] = R[5] = R[6] = R[7] = 0;
    if (!which) return XN_OK;
    xn_real x[6];
    int st;
    const xmlNode *src = type >= 0 ? attr_src(mj, n, type, cls, which) : n;
    if (strcmp(which, "quat") == 0) {
        if ((st = reals(mj, n, type, cls, which, 4, x))) return st;
        if (xn_quat_to_rot(x, R) != XN_OK)
            return xn_xml_fail(&mj->xc, src, XN_ERR_RANGE, "<%s>: quat is zero",
                               (const char *)n->name);
    } else if (strcmp(which, "axisangle") == 0) {
        if ((st = reals(mj, n, type, cls, which, 4, x))) return st;
        xn_real nn = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        if (!(nn > 0))
            return xn_xml_fail(&mj->xc, src, XN_ERR_RANGE, "<%s>: axisangle axis is zero",
                               (const char *)n->name);
        xn_real ax[3] = {x[0] / nn, x[1] / nn, x[2] / nn};
        xn_rot_axis_angle(ax, mj->degree ? x[3] * XN_PI / 180 : x[3], R);
    } else if (strcmp(which, "euler") == 0) {
        if ((st = reals(mj, n, type, cls, which, 3, x))) return st;
        for (int i = 0; i < 3; i++) {
            char c = mj->eulerseq[i];
            int k = (c == 'x' || c == 'X') ? 0 : (c == 'y' || c == 'Y') ? 1 : 2;
            xn_real ax[3] = {0, 0, 0}, Ri[9], T[9];
            ax[k] = 1;
            xn_rot_axis_angle(ax, mj->degree ? x[i] * XN_PI / 180 : x[i], Ri);
            /* lower case: axes move with the frame (post-multiply); upper case: fixed axes */
            if (c >= 'a')
                xn_m3_mul(R, Ri, T);
            else
                xn_m3_mul(Ri, R, T);
            memcpy(R, T, sizeof T);
        }
    } else if (strcmp(which, "xyaxes") == 0) {
        if ((st = reals(mj, n, type, cls, which, 6, x))) return st;
        xn_real *a = x, *b = x + 3, c[3];
        xn_real na = sqrt(xn_v3_dot(a, a));
        if (!(na > 0)) goto degenerate;
        for (int i = 0; i < 3; i++) a[i] /= na;
        xn_real d = xn_v3_dot(a, b);
        for (int i = 0; i < 3; i++) b[i] -= d * a[i];
        xn_real nb = sqrt(xn_v3_dot(b, b));
        if (!(nb > 1e-12)) goto degenerate;
        for (int i = 0; i < 3; i++) b[i] /= nb;
        xn_v3_cross(a, b, c);
        for (int i = 0; i < 3; i++) {
            R[3 * i] = a[i];
            R[3 * i + 1] = b[i];
            R[3 * i + 2] = c[i];
        }
    } else {
        if ((st = reals(mj, n, type, cls, which, 3, x))) return st;
        if (!(xn_v3_dot(x, x) > 0)) goto degenerate;
        xn_rot_from_z(x, R);
    }
    return XN_OK;
degenerate:
    return xn_xml_fail(&mj->xc, src, XN_ERR_RANGE, "<%s>: %s does not define a rotation",
                       (const char *)n->name, which);
}

/* pos + orientation of an element */
static int read_frame(mjcf *mj, const xmlNode *n, int type, int cls, xn_se3 *X) {
    xn_se3_identity(X);
    int st = reals(mj, n, type, cls, "pos", 3, X->p);
    if (st < 0) return st;
    return read_orientation(mj, n, type, cls, X->R);
}

/* ---------------------------------------------------------------------------------------------
 * Inertia of a body: <inertial>, or the sum of its geoms.
 * ------------------------------------------------------------------------------------------- */

static int read_inertial(mjcf *mj, const xmlNode *in, xn_inertia *Y) {
    xn_se3 X;
    int st = read_frame(mj, in, -1, 0, &X);
    if (st) return st;
    xn_real mass;
    st = reals(mj, in, -1, 0, "mass", 1, &mass);
    if (st == 1) return xn_xml_fail(&mj->xc, in, XN_ERR_PARSE, "<inertial> without mass");
    if (st) return st;
    if (mass < 0)
        return xn_xml_fail(&mj->xc, in, XN_ERR_RANGE, "<inertial>: negative mass %g", mass);
    xn_real d[3], f[6], Ic[6];
    int hd = reals(mj, in, -1, 0, "diaginertia", 3, d);
    if (hd < 0) return hd;
    int hf = reals(mj, in, -1, 0, "fullinertia", 6, f);
    if (hf < 0) return hf;
    if (hd == 0 && hf == 0)
        return xn_xml_fail(&mj->xc, in, XN_ERR_PARSE,
                           "<inertial>: both diaginertia and fullinertia");
    if (hd == 1 && hf == 1)
        return xn_xml_fail(&mj->xc, in, XN_ERR_PARSE,
                           "<inertial> needs diaginertia or fullinertia");
    if (hf == 0) {
        if (xn_xml_attr(in, "quat") || xn_xml_attr(in, "euler") || xn_xml_attr(in, "axisangle") ||
            xn_xml_attr(in, "xyaxes") || xn_xml_attr(in, "zaxis"))
            return xn_xml_fail(&mj->xc, in, XN_ERR_PARSE,
                               "<inertial>: fullinertia cannot be combined with an orientation");
        memcpy(Ic, f, sizeof Ic); /* MJCF order: xx yy zz xy xz yz, as ours */
    } else {
        xn_real D[6] = {d[0], d[1], d[2], 0, 0, 0}; /* R diag(d) R^T */
        xn_sym3_rotate(X.R, D, Ic);
    }
    /* keep the values as given; the builder checks positivity and the triangle inequality */
    xn_inertia_from_com(mass, X.p, Ic, Y);
    return XN_OK;
}

/* Add a geom's mass properties (about the body origin) to Y. */
static int add_geom_inertia(mjcf *mj, const xmlNode *g, int cls, const char *body, xn_inertia *Y) {
    const char *type = attr_cls(mj, g, E_GEOM, cls, "type");
    if (!type) type = "sphere";
    xn_geom_shape shape;
    if (strcmp(type, "sphere") == 0)
        shape = XN_GEOM_SPHERE;
    else if (strcmp(type, "capsule") == 0)
        shape = XN_GEOM_CAPSULE;
    else if (strcmp(type, "cylinder") == 0)
        shape = XN_GEOM_CYLINDER;
    else if (strcmp(type, "box") == 0)
        shape = XN_GEOM_BOX;
    else if (strcmp(type, "ellipsoid") == 0)
        shape = XN_GEOM_ELLIPSOID;
    else if (strcmp(type, "mesh") == 0 || strcmp(type, "sdf") == 0)
        return xn_xml_fail(&mj->xc, g, XN_ERR_UNSUPPORTED,
                           "body '%s' has no <inertial> and a %s geom: its inertia could only "
                           "come from the mesh; add an <inertial> element",
                           body, type);
    else if (strcmp(type, "plane") == 0 || strcmp(type, "hfield") == 0)
        return xn_xml_fail(&mj->xc, g, XN_ERR_INVALID,
                           "body '%s': a %s geom has no volume and cannot give a moving body its "
                           "inertia; add an <inertial> element",
                           body, type);
    else
        return xn_xml_fail(&mj->xc, g, XN_ERR_PARSE, "<geom>: unknown type \"%s\"", type);
    xn_real size[3] = {0, 0, 0}, ft[6];
    int ns = 0;
    int st = reals_var(mj, g, E_GEOM, cls, "size", 3, size, &ns);
    if (st < 0) return st;
    xn_se3 X;
    int hft = reals(mj, g, E_GEOM, cls, "fromto", 6, ft);
    if (hft < 0) return hft;
    if (hft == 0) {
        if (shape == XN_GEOM_SPHERE)
            return xn_xml_fail(&mj->xc, g, XN_ERR_PARSE,
                               "<geom>: fromto is not allowed for spheres");
        xn_real dz[3] = {ft[3] - ft[0], ft[4] - ft[1], ft[5] - ft[2]};
        xn_real len = sqrt(xn_v3_dot(dz, dz));
        if (!(len > 0))
            return xn_xml_fail(&mj->xc, g, XN_ERR_RANGE, "<geom>: fromto points coincide");
        xn_se3_identity(&X);
        for (int i = 0; i < 3; i++) X.p[i] = 0.5 * (ft[i] + ft[3 + i]);
        xn_rot_from_z(dz, X.R);
        if (shape == XN_GEOM_CAPSULE || shape == XN_GEOM_CYLINDER)
            size[1] = len / 2;
        else
            size[2] = len / 2;
    } else {
        if ((st = read_frame(mj, g, E_GEOM, cls, &X))) return st;
    }
    int need = shape == XN_GEOM_SPHERE                                ? 1
               : (shape == XN_GEOM_BOX || shape == XN_GEOM_ELLIPSOID) ? 3
                                                                      : 2;
    if (hft == 0 && (shape == XN_GEOM_CAPSULE || shape == XN_GEOM_CYLINDER)) need = 1;
    if (hft == 0 && (shape == XN_GEOM_BOX || shape == XN_GEOM_ELLIPSOID)) need = 2;
    if (ns < need)
        return xn_xml_fail(&mj->xc, g, XN_ERR_PARSE,
                           "<geom> of type %s needs %d size values, has %d", type, need, ns);
    for (int i = 0; i < need; i++)
        if (!(size[i] > 0))
            return xn_xml_fail(&mj->xc, g, XN_ERR_RANGE, "<geom>: size values must be positive");
    xn_real mass, density = 1000;
    st = reals(mj, g, E_GEOM, cls, "mass", 1, &mass);
    if (st < 0) return st;
    if (st == 1) {
        int sd = reals(mj, g, E_GEOM, cls, "density", 1, &density);
        if (sd < 0) return sd;
        if (density < 0) return xn_xml_fail(&mj->xc, g, XN_ERR_RANGE, "<geom>: negative density");
        mass = density * xn_geom_volume(shape, size);
    } else if (mass < 0) {
        return xn_xml_fail(&mj->xc, g, XN_ERR_RANGE, "<geom>: negative mass");
    }
    xn_real I[3];
    xn_geom_inertia(shape, size, mass, I);
    xn_real Ic[6] = {I[0], I[1], I[2], 0, 0, 0}, zero[3] = {0, 0, 0};
    xn_inertia Yg, Yb;
    xn_inertia_from_com(mass, zero, Ic, &Yg);
    xn_inertia_act(&X, &Yg, &Yb);
    xn_inertia_accum(Y, &Yb);
    return XN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Bodies and joints
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    const xmlNode *node;
    int cls;
    int is_free;
} joint_ref;

static int is_true(const char *v) { return v && (strcmp(v, "true") == 0); }

/* A joint's spec and anchor from its element and class. */
static int read_joint(mjcf *mj, const joint_ref *j, xn_joint_spec *s, xn_real anchor[3]) {
    anchor[0] = anchor[1] = anchor[2] = 0;
    if (j->is_free) {
        *s = xn_joint_spec_default(XN_JOINT_FREE);
        return XN_OK;
    }
    const xmlNode *n = j->node;
    int cls = j->cls;
    const char *type = attr_cls(mj, n, E_JOINT, cls, "type");
    if (!type || strcmp(type, "hinge") == 0)
        *s = xn_joint_spec_default(XN_JOINT_REVOLUTE);
    else if (strcmp(type, "slide") == 0)
        *s = xn_joint_spec_default(XN_JOINT_PRISMATIC);
    else if (strcmp(type, "ball") == 0)
        *s = xn_joint_spec_default(XN_JOINT_BALL);
    else if (strcmp(type, "free") == 0)
        *s = xn_joint_spec_default(XN_JOINT_FREE);
    else
        return xn_xml_fail(&mj->xc, n, XN_ERR_UNSUPPORTED,
                           "<joint>: unknown type \"%s\" (expected hinge, slide, ball, free)",
                           type);
    int st;
    if ((st = reals(mj, n, E_JOINT, cls, "axis", 3, s->axis)) < 0) return st;
    if ((st = reals(mj, n, E_JOINT, cls, "pos", 3, anchor)) < 0) return st;
    xn_real v;
    if ((st = reals(mj, n, E_JOINT, cls, "armature", 1, &v)) < 0) return st;
    if (st == 0) s->armature = v;
    if ((st = reals(mj, n, E_JOINT, cls, "damping", 1, &v)) < 0) return st;
    if (st == 0) s->damping = v;
    if ((st = reals(mj, n, E_JOINT, cls, "frictionloss", 1, &v)) < 0) return st;
    if (st == 0) s->friction = v;
    if ((st = reals(mj, n, E_JOINT, cls, "ref", 1, &v)) < 0) return st;
    if (st == 0 && v != 0)
        return xn_xml_fail(&mj->xc, n, XN_ERR_UNSUPPORTED,
                           "<joint>: a non-zero ref is not supported");
    xn_real fr[2];
    if ((st = reals(mj, n, E_JOINT, cls, "actuatorfrcrange", 2, fr)) < 0) return st;
    if (st == 0) {
        s->effort = fmax(fabs(fr[0]), fabs(fr[1]));
    } else {
        const char *jname = xn_xml_attr(n, "name");
        for (int i = 0; jname && i < mj->neffort; i++)
            if (strcmp(mj->effort[i].joint, jname) == 0) s->effort = mj->effort[i].effort;
    }
    xn_real range[2];
    if ((st = reals(mj, n, E_JOINT, cls, "range", 2, range)) < 0) return st;
    const char *limited = attr_cls(mj, n, E_JOINT, cls, "limited");
    if (st == 0 && !(limited && strcmp(limited, "false") == 0) &&
        (s->type == XN_JOINT_REVOLUTE || s->type == XN_JOINT_PRISMATIC)) {
        if (range[0] > range[1])
            return xn_xml_fail(&mj->xc, n, XN_ERR_RANGE, "<joint>: range [%g, %g] is empty",
                               range[0], range[1]);
        xn_real k = (s->type == XN_JOINT_REVOLUTE && mj->degree) ? XN_PI / 180 : 1;
        s->lower = range[0] * k;
        s->upper = range[1] * k;
    } else if (is_true(limited) && st == 1 && s->type != XN_JOINT_BALL) {
        return xn_xml_fail(&mj->xc, n, XN_ERR_PARSE, "<joint>: limited=\"true\" without range");
    }
    if (s->type == XN_JOINT_REVOLUTE && s->lower == -INFINITY) s->type = XN_JOINT_CONTINUOUS;
    return XN_OK;
}

static int add_sites(mjcf *mj, const xmlNode *bn, int link, int cls) {
    for (xmlNode *sn = xn_xml_first(bn, "site"); sn; sn = xn_xml_next(sn, "site")) {
        const char *name = xn_xml_attr(sn, "name");
        if (!name) continue; /* an unnamed site cannot be looked up */
        int scls, st;
        if ((st = element_class(mj, sn, cls, &scls))) return st;
        xn_se3 X;
        if ((st = read_frame(mj, sn, E_SITE, scls, &X))) return st;
        xn_error be;
        if ((st = xn_builder_add_frame(mj->b, name, link, &X, NULL, &be)))
            return xn_xml_fail(&mj->xc, sn, st, "%s", be.message);
    }
    return XN_OK;
}

static int add_link_named(mjcf *mj, const xmlNode *at, const char *name, const xn_inertia *Y) {
    xn_real c[3], Ic[6];
    xn_inertia_to_com(Y, c, Ic);
    int id;
    xn_error be;
    xn_status st = xn_builder_add_link(mj->b, name, Y->m, c, Ic, &id, &be);
    if (st) return xn_xml_fail(&mj->xc, at, st, "%s", be.message);
    return id;
}

static int add_joint_checked(mjcf *mj, const xmlNode *at, const char *name, int parent, int child,
                             const xn_se3 *X, const xn_joint_spec *s) {
    xn_error be;
    xn_status st = xn_builder_add_joint(mj->b, name, parent, child, X, s, NULL, &be);
    if (st) return xn_xml_fail(&mj->xc, at, st, "%s", be.message);
    return XN_OK;
}

static int parse_body(mjcf *mj, const xmlNode *bn, int parent_link, int parent_cls, int depth);

static int parse_children(mjcf *mj, const xmlNode *bn, int link, int cls, int depth) {
    for (xmlNode *c = xn_xml_first(bn, "body"); c; c = xn_xml_next(c, "body")) {
        int st = parse_body(mj, c, link, cls, depth + 1);
        if (st) return st;
    }
    return XN_OK;
}

static int parse_body(mjcf *mj, const xmlNode *bn, int parent_link, int parent_cls, int depth) {
    if (depth > MJ_MAX_DEPTH)
        return xn_xml_fail(&mj->xc, bn, XN_ERR_INVALID, "<body> nested more than %d deep",
                           MJ_MAX_DEPTH);
    int body_id = ++mj->nbody;
    char namebuf[64];
    const char *name = xn_xml_attr(bn, "name");
    if (!name || !*name) {
        snprintf(namebuf, sizeof namebuf, "body%d", body_id);
        name = namebuf;
    }
    int cls = parent_cls, st;
    const char *cc = xn_xml_attr(bn, "childclass");
    if (cc) {
        cls = class_id(mj, cc);
        if (cls < 0)
            return xn_xml_fail(&mj->xc, bn, XN_ERR_NOT_FOUND,
                               "<body> '%s': unknown childclass \"%s\"", name, cc);
    }
    xn_se3 Xpb;
    if ((st = read_frame(mj, bn, -1, 0, &Xpb))) return st;

    /* inertia */
    xn_inertia Y;
    memset(&Y, 0, sizeof Y);
    const xmlNode *in = xn_xml_first(bn, "inertial");
    if (in && xn_xml_next(in, "inertial"))
        return xn_xml_fail(&mj->xc, xn_xml_next(in, "inertial"), XN_ERR_PARSE,
                           "body '%s' has more than one <inertial>", name);
    int from_geoms = mj->inertiafromgeom == 1 || (mj->inertiafromgeom == 2 && !in);
    if (in && !from_geoms) {
        if ((st = read_inertial(mj, in, &Y))) return st;
    } else if (from_geoms) {
        for (xmlNode *g = xn_xml_first(bn, "geom"); g; g = xn_xml_next(g, "geom")) {
            int gcls;
            if ((st = element_class(mj, g, cls, &gcls))) return st;
            if ((st = add_geom_inertia(mj, g, gcls, name, &Y))) return st;
        }
    }

    /* joints in file order */
    joint_ref joints[16];
    int nj = 0;
    for (xmlNode *c = xn_xml_first(bn, NULL); c; c = xn_xml_next(c, NULL)) {
        int isj = xn_xml_is(c, "joint"), isf = xn_xml_is(c, "freejoint");
        if (!isj && !isf) continue;
        if (nj == 16)
            return xn_xml_fail(&mj->xc, c, XN_ERR_UNSUPPORTED, "body '%s' has more than 16 joints",
                               name);
        joints[nj].node = c;
        joints[nj].is_free = isf;
        if (isf)
            joints[nj].cls = 0;
        else if ((st = element_class(mj, c, cls, &joints[nj].cls)))
            return st;
        nj++;
    }

    int link;
    if (nj == 0) {
        /* welded to the parent */
        if ((link = add_link_named(mj, bn, name, &Y)) < 0) return link;
        char jn[300];
        snprintf(jn, sizeof jn, "%s_fixed", name);
        xn_joint_spec s = xn_joint_spec_default(XN_JOINT_FIXED);
        if ((st = add_joint_checked(mj, bn, jn, parent_link, link, &Xpb, &s))) return st;
    } else {
        xn_joint_spec specs[16];
        xn_real anchors[16][3];
        const char *jnames[16];
        char jnbuf[16][64];
        for (int k = 0; k < nj; k++) {
            if ((st = read_joint(mj, &joints[k], &specs[k], anchors[k]))) return st;
            mj->njoint++;
            jnames[k] = xn_xml_attr(joints[k].node, "name");
            if (!jnames[k] || !*jnames[k]) {
                snprintf(jnbuf[k], sizeof jnbuf[k], "joint%d", mj->njoint - 1);
                jnames[k] = jnbuf[k];
            }
            if (specs[k].type == XN_JOINT_FREE) {
                if (nj > 1)
                    return xn_xml_fail(
                        &mj->xc, joints[k].node, XN_ERR_INVALID,
                        "body '%s': a free joint cannot be combined with other joints", name);
                if (parent_link != 0)
                    return xn_xml_fail(
                        &mj->xc, joints[k].node, XN_ERR_INVALID,
                        "body '%s': a free joint is only allowed in a child of the world", name);
            }
        }
        int prev = parent_link;
        xn_real prev_anchor[3] = {0, 0, 0};
        for (int k = 0; k < nj; k++) {
            xn_se3 X;
            xn_se3_identity(&X);
            const xn_real *c = anchors[k];
            if (specs[k].type == XN_JOINT_FREE) {
                /* the free joint's q is the body's placement in the world itself */
            } else if (k == 0) {
                xn_real Rc[3];
                xn_m3_mulv(Xpb.R, c, Rc);
                X = Xpb;
                for (int i = 0; i < 3; i++) X.p[i] += Rc[i];
            } else {
                for (int i = 0; i < 3; i++) X.p[i] = c[i] - prev_anchor[i];
            }
            int last = k == nj - 1;
            int offset = last && (c[0] != 0 || c[1] != 0 || c[2] != 0);
            int child;
            if (last && !offset) {
                if ((child = add_link_named(mj, bn, name, &Y)) < 0) return child;
            } else {
                char ln[300];
                snprintf(ln, sizeof ln, "%s/%s", name, jnames[k]);
                xn_inertia Z;
                memset(&Z, 0, sizeof Z);
                if ((child = add_link_named(mj, joints[k].node, ln, &Z)) < 0) return child;
            }
            if ((st = add_joint_checked(mj, joints[k].node, jnames[k], prev, child, &X, &specs[k])))
                return st;
            prev = child;
            memcpy(prev_anchor, c, sizeof prev_anchor);
            if (offset) {
                if ((link = add_link_named(mj, bn, name, &Y)) < 0) return link;
                xn_se3 Xo;
                xn_se3_identity(&Xo);
                for (int i = 0; i < 3; i++) Xo.p[i] = -c[i];
                char jn[300];
                snprintf(jn, sizeof jn, "%s_anchor", name);
                xn_joint_spec s = xn_joint_spec_default(XN_JOINT_FIXED);
                if ((st = add_joint_checked(mj, bn, jn, prev, link, &Xo, &s))) return st;
                prev = link;
            }
        }
        link = prev;
    }
    if ((st = add_sites(mj, bn, link, cls))) return st;
    return parse_children(mj, bn, link, cls, depth);
}

/* ---------------------------------------------------------------------------------------------
 * <actuator>: the torque limit of each joint an actuator drives, so that controllers know it
 * (MuJoCo's own model carries it in the actuator). A forcerange bounds any actuator's force; a
 * motor's force is gear times its control, bounded by ctrlrange. Limited where the range is
 * given unless *limited="false" (MuJoCo's autolimits). Actuators on tendons or sites and those
 * with neither range give no limit.
 * ------------------------------------------------------------------------------------------- */

static int range_limit(mjcf *mj, const xmlNode *n, int cls, const char *range, const char *limited,
                       xn_real *out) {
    xn_real r[2];
    int st = reals(mj, n, E_ACTUATOR, cls, range, 2, r);
    if (st != 0) return st;
    const char *l = attr_cls(mj, n, E_ACTUATOR, cls, limited);
    if (l && strcmp(l, "false") == 0) return 1;
    if (r[0] > r[1])
        return xn_xml_fail(&mj->xc, n, XN_ERR_RANGE, "<%s>: %s [%g, %g] is empty",
                           (const char *)n->name, range, r[0], r[1]);
    *out = fmax(fabs(r[0]), fabs(r[1]));
    return 0;
}

static xn_status parse_actuators(mjcf *mj, const xmlNode *section) {
    for (xmlNode *a = xn_xml_first(section, NULL); a; a = xn_xml_next(a, NULL)) {
        int kind = -1;
        for (int k = 0; k < MJ_NACTUATOR_KINDS; k++)
            if (xn_xml_is(a, actuator_names[k])) kind = k;
        const char *joint = xn_xml_attr(a, "joint");
        if (kind < 0 || !joint) continue;
        int cls, st;
        if ((st = element_class(mj, a, 0, &cls))) return st;
        xn_real effort = INFINITY, force, ctrl, gear[6] = {1, 0, 0, 0, 0, 0};
        int ng = 0;
        if ((st = range_limit(mj, a, cls, "forcerange", "forcelimited", &force)) < 0) return st;
        if (st == 0) effort = force;
        if (kind == 0) { /* motor: force = gear ctrl */
            if ((st = reals_var(mj, a, E_ACTUATOR, cls, "gear", 6, gear, &ng)) < 0) return st;
            if ((st = range_limit(mj, a, cls, "ctrlrange", "ctrllimited", &ctrl)) < 0) return st;
            if (st == 0) effort = fmin(effort, fabs(gear[0]) * ctrl);
        }
        if (!isfinite(effort)) continue;
        void *p = realloc(mj->effort, sizeof *mj->effort * (size_t)(mj->neffort + 1));
        if (!p) return xn_xml_fail(&mj->xc, a, XN_ERR_NOMEM, "out of memory");
        mj->effort = p;
        mj->effort[mj->neffort].joint = joint;
        mj->effort[mj->neffort++].effort = effort;
    }
    return XN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Document
 * ------------------------------------------------------------------------------------------- */

static int parse_compiler(mjcf *mj, const xmlNode *c) {
    const char *a = xn_xml_attr(c, "angle");
    if (a) {
        if (strcmp(a, "radian") == 0)
            mj->degree = 0;
        else if (strcmp(a, "degree") == 0)
            mj->degree = 1;
        else
            return xn_xml_fail(&mj->xc, c, XN_ERR_PARSE,
                               "<compiler>: angle must be radian or degree");
    }
    const char *e = xn_xml_attr(c, "eulerseq");
    if (e) {
        if (strlen(e) != 3 || strspn(e, "xyzXYZ") != 3)
            return xn_xml_fail(
                &mj->xc, c, XN_ERR_PARSE,
                "<compiler>: eulerseq must be three of x, y, z, X, Y, Z (got \"%s\")", e);
        memcpy(mj->eulerseq, e, 4);
    }
    const char *g = xn_xml_attr(c, "inertiafromgeom");
    if (g) {
        if (strcmp(g, "false") == 0)
            mj->inertiafromgeom = 0;
        else if (strcmp(g, "true") == 0)
            mj->inertiafromgeom = 1;
        else if (strcmp(g, "auto") == 0)
            mj->inertiafromgeom = 2;
        else
            return xn_xml_fail(&mj->xc, c, XN_ERR_PARSE,
                               "<compiler>: inertiafromgeom must be false, true or auto");
    }
    const char *coord = xn_xml_attr(c, "coordinate");
    if (coord && strcmp(coord, "local") != 0)
        return xn_xml_fail(&mj->xc, c, XN_ERR_UNSUPPORTED,
                           "<compiler>: only coordinate=\"local\" is supported");
    return XN_OK;
}

static void mjcf_free(mjcf *mj) {
    for (int i = 0; i < mj->nclasses; i++) free(mj->classes[i].name);
    free(mj->classes);
    for (int i = 0; i < mj->nfiles; i++) free(mj->files[i]);
    free(mj->files);
    free(mj->effort);
}

xn_status xn_load_mjcf_string(const char *xml, size_t len, const char *name, const char *base_dir,
                              const xn_load_options *opt, xn_model **out, xn_error *err) {
    xn_error dummy;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    *out = NULL;
    xmlDocPtr doc = xn_xml_read(xml, len, name, err);
    if (!doc) return XN_ERR_PARSE;
    mjcf mj;
    memset(&mj, 0, sizeof mj);
    mj.xc.file = name;
    mj.xc.err = err;
    mj.degree = 1;
    memcpy(mj.eulerseq, "xyz", 4);
    mj.inertiafromgeom = 2;
    mj.base_dir = base_dir;
    xn_status st = XN_OK;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!xn_xml_is(root, "mujoco")) {
        st = xn_xml_fail(&mj.xc, root, XN_ERR_PARSE, "root element is <%s>, expected <mujoco>",
                         (const char *)root->name);
        goto done;
    }
    if ((st = expand_includes(&mj, root))) goto done;
    mj.b = xn_builder_create();
    if (!mj.b) {
        st = XN_ERR_NOMEM;
        goto done;
    }
    xn_builder_set_strict(mj.b, opt && opt->strict);
    const char *model = xn_xml_attr(root, "model");
    xn_builder_set_name(mj.b, model ? model : "");
    if (add_class(&mj, "main", -1) != 0) {
        st = XN_ERR_NOMEM;
        goto done;
    }
    /* settings and defaults first: they apply wherever they stand in the file */
    for (xmlNode *c = xn_xml_first(root, NULL); c && !st; c = xn_xml_next(c, NULL)) {
        if (xn_xml_is(c, "compiler"))
            st = parse_compiler(&mj, c);
        else if (xn_xml_is(c, "default"))
            st = parse_default(&mj, c, -1, 0);
        else if (xn_xml_is(c, "option")) {
            xn_real g[3];
            int r = xn_xml_reals(&mj.xc, c, "gravity", 3, g);
            if (r < 0)
                st = r;
            else if (r == 0)
                xn_builder_set_gravity(mj.b, g);
        }
    }
    for (xmlNode *a = xn_xml_first(root, "actuator"); a && !st; a = xn_xml_next(a, "actuator"))
        st = parse_actuators(&mj, a);
    for (xmlNode *w = xn_xml_first(root, "worldbody"); w && !st; w = xn_xml_next(w, "worldbody")) {
        if ((st = add_sites(&mj, w, 0, 0))) break;
        st = parse_children(&mj, w, 0, 0, 0);
    }
    if (!st) {
        st = xn_builder_compile(mj.b, out, err);
        if (st) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%s", name);
            err->line = 0;
        }
    }
done:
    xn_builder_free(mj.b);
    mjcf_free(&mj);
    xmlFreeDoc(doc);
    return st;
}

xn_status xn_load_mjcf(const char *path, const xn_load_options *opt, xn_model **out,
                       xn_error *err) {
    return xn_load_model(path, opt, out, err);
}
