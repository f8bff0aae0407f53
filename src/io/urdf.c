/* URDF loader: links with inertials, joints (revolute, continuous, prismatic, fixed, floating)
 * with origin, axis, limits, dynamics and mimic. Visual, collision, material, gazebo and
 * transmission elements carry no kinematics or dynamics and are skipped.
 * SPDX-License-Identifier: Apache-2.0 */
#include <libxml/parser.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/xml_util.h"
#include "math/spatial_inline.h"
#include "xiaonao/io.h"

/* <origin xyz rpy>: placement; identity when the element or an attribute is absent. */
static xn_status read_origin(const xn_xml_ctx *c, const xmlNode *parent, xn_se3 *X) {
    xn_se3_identity(X);
    xmlNode *o = xn_xml_child(parent, "origin");
    if (!o) return XN_OK;
    xn_real rpy[3] = {0, 0, 0};
    int st = xn_xml_reals(c, o, "xyz", 3, X->p);
    if (st < 0) return st;
    st = xn_xml_reals(c, o, "rpy", 3, rpy);
    if (st < 0) return st;
    xn_rot_rpy(rpy[0], rpy[1], rpy[2], X->R);
    return XN_OK;
}

/* One scalar attribute; `required` makes absence an error. */
static int read_scalar(const xn_xml_ctx *c, const xmlNode *n, const char *name, int required,
                       xn_real *out) {
    int st = xn_xml_reals(c, n, name, 1, out);
    if (st == 1 && required)
        return xn_xml_fail(c, n, XN_ERR_PARSE, "<%s> is missing attribute '%s'",
                           (const char *)n->name, name);
    return st < 0 ? st : XN_OK;
}

static xn_status add_link(const xn_xml_ctx *c, xn_builder *b, const xmlNode *ln) {
    const char *name = xn_xml_attr(ln, "name");
    if (!name || !*name) return xn_xml_fail(c, ln, XN_ERR_PARSE, "<link> without a name");
    xn_real mass = 0, com[3] = {0, 0, 0}, Ic[6] = {0, 0, 0, 0, 0, 0};
    xmlNode *in = xn_xml_child(ln, "inertial");
    if (in) {
        xn_se3 X;
        xn_status st = read_origin(c, in, &X);
        if (st) return st;
        xmlNode *mn = xn_xml_child(in, "mass");
        if (!mn)
            return xn_xml_fail(c, in, XN_ERR_PARSE, "link '%s': <inertial> without <mass>", name);
        if ((st = read_scalar(c, mn, "value", 1, &mass))) return st;
        xmlNode *inn = xn_xml_child(in, "inertia");
        if (!inn)
            return xn_xml_fail(c, in, XN_ERR_PARSE, "link '%s': <inertial> without <inertia>",
                               name);
        static const char *keys[6] = {"ixx", "iyy", "izz", "ixy", "ixz", "iyz"};
        xn_real I[6];
        for (int k = 0; k < 6; k++)
            if ((st = read_scalar(c, inn, keys[k], 1, &I[k]))) return st;
        /* inertia given in the inertial frame: rotate it into the link frame */
        xn_sym3_rotate(X.R, I, Ic);
        memcpy(com, X.p, sizeof com);
    }
    xn_error be;
    xn_status st = xn_builder_add_link(b, name, mass, com, Ic, NULL, &be);
    if (st) return xn_xml_fail(c, in ? in : ln, st, "%s", be.message);
    return XN_OK;
}

/* Parent and child links of a joint element; returns XN_OK with both ids, or the error. */
static xn_status joint_links(const xn_xml_ctx *c, xn_builder *b, const xmlNode *jn,
                             const char *name, int *pid, int *cid) {
    xmlNode *pn = xn_xml_child(jn, "parent"), *cn = xn_xml_child(jn, "child");
    const char *pl = pn ? xn_xml_attr(pn, "link") : NULL, *cl = cn ? xn_xml_attr(cn, "link") : NULL;
    if (!pl) return xn_xml_fail(c, jn, XN_ERR_PARSE, "joint '%s' has no <parent link=...>", name);
    if (!cl) return xn_xml_fail(c, jn, XN_ERR_PARSE, "joint '%s' has no <child link=...>", name);
    *pid = xn_builder_link_id(b, pl);
    *cid = xn_builder_link_id(b, cl);
    if (*pid < 1)
        return xn_xml_fail(c, pn, XN_ERR_NOT_FOUND, "joint '%s': parent link '%s' does not exist",
                           name, pl);
    if (*cid < 1)
        return xn_xml_fail(c, cn, XN_ERR_NOT_FOUND, "joint '%s': child link '%s' does not exist",
                           name, cl);
    return XN_OK;
}

/* A planar joint (motion in the plane normal to its axis) as a chain the tree can hold:
 * translations along the plane's two axes, then a rotation about the normal, through massless
 * links; a fixed joint with the URDF joint's name then restores the child link's own frame.
 * q = (x, y, theta) under the names NAME_x, NAME_y, NAME_theta. */
static xn_status add_planar_joint(const xn_xml_ctx *c, xn_builder *b, const xmlNode *jn,
                                  const char *name) {
    int pid, cid;
    xn_status st = joint_links(c, b, jn, name, &pid, &cid);
    if (st) return st;
    xn_se3 X;
    if ((st = read_origin(c, jn, &X))) return st;
    xn_real n[3] = {1, 0, 0}; /* URDF's default axis */
    xmlNode *an = xn_xml_child(jn, "axis");
    if (an && (st = xn_xml_reals(c, an, "xyz", 3, n)) < 0) return st;
    xn_real len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (!(len > 1e-12))
        return xn_xml_fail(c, jn, XN_ERR_RANGE, "joint '%s': axis has zero length", name);
    for (int k = 0; k < 3; k++) n[k] /= len;
    xn_real R0[9]; /* the smallest rotation taking z to the normal */
    xn_rot_from_z(n, R0);
    xn_se3 Xp = X, I, Xc;
    xn_m3_mul(X.R, R0, Xp.R);
    xn_se3_identity(&I);
    xn_se3_identity(&Xc);
    for (int i = 0; i < 3; i++) /* R0^T */
        for (int j = 0; j < 3; j++) Xc.R[3 * i + j] = R0[3 * j + i];
    xn_joint_spec s = xn_joint_spec_default(XN_JOINT_PRISMATIC);
    xmlNode *lim = xn_xml_child(jn, "limit");
    if (lim) {
        if ((st = read_scalar(c, lim, "effort", 0, &s.effort))) return st;
        if ((st = read_scalar(c, lim, "velocity", 0, &s.velocity))) return st;
    }
    static const char *suffix[3] = {"x", "y", "theta"};
    int prev = pid;
    for (int k = 0; k < 3; k++) {
        char jname[300], lname[300];
        snprintf(jname, sizeof jname, "%s_%s", name, suffix[k]);
        snprintf(lname, sizeof lname, "%s/%s", name, suffix[k]);
        xn_real zero3[3] = {0, 0, 0}, zero6[6] = {0, 0, 0, 0, 0, 0};
        int link;
        xn_error be;
        if ((st = xn_builder_add_link(b, lname, 0, zero3, zero6, &link, &be)))
            return xn_xml_fail(c, jn, st, "%s", be.message);
        xn_joint_spec sk = s;
        sk.type = k < 2 ? XN_JOINT_PRISMATIC : XN_JOINT_CONTINUOUS;
        sk.axis[0] = k == 0;
        sk.axis[1] = k == 1;
        sk.axis[2] = k == 2;
        if ((st = xn_builder_add_joint(b, jname, prev, link, k == 0 ? &Xp : &I, &sk, NULL, &be)))
            return xn_xml_fail(c, jn, st, "%s", be.message);
        prev = link;
    }
    xn_joint_spec fixed = xn_joint_spec_default(XN_JOINT_FIXED);
    xn_error be;
    if ((st = xn_builder_add_joint(b, name, prev, cid, &Xc, &fixed, NULL, &be)))
        return xn_xml_fail(c, jn, st, "%s", be.message);
    return XN_OK;
}

static xn_status add_joint(const xn_xml_ctx *c, xn_builder *b, const xmlNode *jn) {
    const char *name = xn_xml_attr(jn, "name");
    if (!name || !*name) return xn_xml_fail(c, jn, XN_ERR_PARSE, "<joint> without a name");
    const char *type = xn_xml_attr(jn, "type");
    if (!type) return xn_xml_fail(c, jn, XN_ERR_PARSE, "joint '%s' has no type", name);
    xn_joint_spec s;
    if (strcmp(type, "revolute") == 0)
        s = xn_joint_spec_default(XN_JOINT_REVOLUTE);
    else if (strcmp(type, "continuous") == 0)
        s = xn_joint_spec_default(XN_JOINT_CONTINUOUS);
    else if (strcmp(type, "prismatic") == 0)
        s = xn_joint_spec_default(XN_JOINT_PRISMATIC);
    else if (strcmp(type, "fixed") == 0)
        s = xn_joint_spec_default(XN_JOINT_FIXED);
    else if (strcmp(type, "floating") == 0)
        s = xn_joint_spec_default(XN_JOINT_FREE);
    else if (strcmp(type, "planar") == 0)
        return add_planar_joint(c, b, jn, name);
    else
        return xn_xml_fail(c, jn, XN_ERR_UNSUPPORTED,
                           "joint '%s': unknown joint type '%s' (expected revolute, continuous, "
                           "prismatic, fixed, floating, planar)",
                           name, type);
    int pid, cid;
    xn_status st = joint_links(c, b, jn, name, &pid, &cid);
    if (st) return st;
    xn_se3 X;
    st = read_origin(c, jn, &X);
    if (st) return st;
    s.axis[0] = 1; /* URDF's default axis is x */
    s.axis[2] = 0;
    xmlNode *an = xn_xml_child(jn, "axis");
    int one_dof = s.type == XN_JOINT_REVOLUTE || s.type == XN_JOINT_CONTINUOUS ||
                  s.type == XN_JOINT_PRISMATIC;
    if (an && one_dof) {
        int r = xn_xml_reals(c, an, "xyz", 3, s.axis);
        if (r < 0) return r;
    }
    xmlNode *lim = xn_xml_child(jn, "limit");
    if (lim) {
        if ((st = read_scalar(c, lim, "effort", 0, &(s.effort)))) return st;
        if ((st = read_scalar(c, lim, "velocity", 0, &(s.velocity)))) return st;
        if (s.type == XN_JOINT_REVOLUTE || s.type == XN_JOINT_PRISMATIC) {
            s.lower = s.upper = 0; /* URDF: absent bounds default to 0 */
            if ((st = read_scalar(c, lim, "lower", 0, &s.lower))) return st;
            if ((st = read_scalar(c, lim, "upper", 0, &s.upper))) return st;
            if (s.lower > s.upper)
                return xn_xml_fail(c, lim, XN_ERR_RANGE, "joint '%s': lower limit %g > upper %g",
                                   name, s.lower, s.upper);
        }
    } else if (s.type == XN_JOINT_REVOLUTE || s.type == XN_JOINT_PRISMATIC) {
        return xn_xml_fail(c, jn, XN_ERR_PARSE, "joint '%s' (%s) has no <limit>", name, type);
    }
    xmlNode *dyn = xn_xml_child(jn, "dynamics");
    if (dyn) {
        if ((st = read_scalar(c, dyn, "damping", 0, &s.damping))) return st;
        if ((st = read_scalar(c, dyn, "friction", 0, &s.friction))) return st;
    }
    xmlNode *mim = xn_xml_child(jn, "mimic");
    if (mim) {
        s.mimic = xn_xml_attr(mim, "joint");
        if (!s.mimic)
            return xn_xml_fail(c, mim, XN_ERR_PARSE, "joint '%s': <mimic> without joint", name);
        if ((st = read_scalar(c, mim, "multiplier", 0, &s.mimic_multiplier))) return st;
        if ((st = read_scalar(c, mim, "offset", 0, &s.mimic_offset))) return st;
    }
    xn_error be;
    if ((st = xn_builder_add_joint(b, name, pid, cid, &X, &s, NULL, &be)))
        return xn_xml_fail(c, jn, st, "%s", be.message);
    return XN_OK;
}

static int by_joint_name(const void *a, const void *b) {
    const char *na = xn_xml_attr(*(xmlNode *const *)a, "name");
    const char *nb = xn_xml_attr(*(xmlNode *const *)b, "name");
    return strcmp(na ? na : "", nb ? nb : "");
}

/* Attach the URDF's single root link to the world: rigidly, or by a free joint. */
static xn_status attach_root(const xn_xml_ctx *c, xn_builder *b, const xmlNode *robot,
                             const xn_load_options *opt) {
    int root = -1, n = xn_builder_nlinks(b);
    for (int l = 1; l < n; l++) {
        if (xn_builder_link_parent_joint(b, l) >= 0) continue;
        if (root >= 0)
            return xn_xml_fail(c, robot, XN_ERR_INVALID,
                               "more than one root link ('%s' and '%s'): a URDF is one tree",
                               xn_builder_link_name(b, root), xn_builder_link_name(b, l));
        root = l;
    }
    if (root < 0)
        return xn_xml_fail(c, robot, XN_ERR_INVALID,
                           n > 1 ? "no root link: the joints form a cycle"
                                 : "the robot has no links");
    xn_se3 I;
    xn_se3_identity(&I);
    xn_joint_spec s =
        xn_joint_spec_default(opt && opt->floating_base ? XN_JOINT_FREE : XN_JOINT_FIXED);
    xn_error be;
    xn_status st = xn_builder_add_joint(
        b, opt && opt->floating_base ? "root_joint" : "universe_joint", 0, root, &I, &s, NULL, &be);
    if (st) return xn_xml_fail(c, robot, st, "%s", be.message);
    return XN_OK;
}

xn_status xn_load_urdf_string(const char *xml, size_t len, const char *name,
                              const xn_load_options *opt, xn_model **out, xn_error *err) {
    xn_error dummy;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    *out = NULL;
    xmlDocPtr doc = xn_xml_read(xml, len, name, err);
    if (!doc) return XN_ERR_PARSE;
    xn_xml_ctx c = {name, err};
    xmlNode *robot = xmlDocGetRootElement(doc);
    xn_status st = XN_OK;
    xn_builder *b = NULL;
    if (!xn_xml_is(robot, "robot")) {
        st = xn_xml_fail(&c, robot, XN_ERR_PARSE, "root element is <%s>, expected <robot>",
                         (const char *)robot->name);
        goto done;
    }
    b = xn_builder_create();
    if (!b) {
        st = xn_xml_fail(&c, robot, XN_ERR_NOMEM, "out of memory");
        goto done;
    }
    xn_builder_set_strict(b, opt && opt->strict);
    const char *rname = xn_xml_attr(robot, "name");
    xn_builder_set_name(b, rname ? rname : "");
    for (xmlNode *n = xn_xml_first(robot, "link"); n && !st; n = xn_xml_next(n, "link"))
        st = add_link(&c, b, n);
    /* Joints are added sorted by name (byte order): urdfdom keeps them in a std::map, so a
     * link's children, and hence Pinocchio's and ROS's joint order, follow joint names. */
    int nj = 0;
    for (xmlNode *n = xn_xml_first(robot, "joint"); n; n = xn_xml_next(n, "joint")) nj++;
    xmlNode **jn = malloc(sizeof(xmlNode *) * (size_t)(nj > 0 ? nj : 1));
    if (!jn && !st) st = xn_xml_fail(&c, robot, XN_ERR_NOMEM, "out of memory");
    if (jn) {
        int k = 0;
        for (xmlNode *n = xn_xml_first(robot, "joint"); n; n = xn_xml_next(n, "joint")) jn[k++] = n;
        qsort(jn, (size_t)nj, sizeof *jn, by_joint_name);
        for (int i = 0; i < nj && !st; i++) st = add_joint(&c, b, jn[i]);
        free(jn);
    }
    if (!st) st = attach_root(&c, b, robot, opt);
    if (!st) {
        st = xn_builder_compile(b, out, err);
        if (st) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%s", name);
            err->line = 0;
        }
    }
done:
    xn_builder_free(b);
    xmlFreeDoc(doc);
    return st;
}

xn_status xn_load_urdf(const char *path, const xn_load_options *opt, xn_model **out,
                       xn_error *err) {
    xn_error dummy;
    if (!err) err = &dummy;
    *out = NULL;
    size_t len;
    char *buf = xn_io_read_file(path, &len, err);
    if (!buf) return XN_ERR_IO;
    xn_status st = xn_load_urdf_string(buf, len, path, opt, out, err);
    free(buf);
    return st;
}
