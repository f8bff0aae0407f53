/* A model written back as MJCF: the kinematic tree, every body's inertia, the joints' ranges,
 * armature, damping and friction, the effort limits as motors, and the named frames as sites.
 * No geometry: this is the model a controller needs (an identified robot, xn identify), which
 * xn_load_mjcf reads back to the same dynamics (test_model_write). SPDX-License-Identifier:
 * Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/error_internal.h"
#include "xiaonao/io.h"

/* Placement as MJCF attributes: pos and the child's x and y axes in the parent frame. */
static void placement(FILE *f, const xn_se3 *X) {
    const xn_real *R = X->R;
    fprintf(f, " pos=\"%.17g %.17g %.17g\" xyaxes=\"%.17g %.17g %.17g %.17g %.17g %.17g\"", X->p[0],
            X->p[1], X->p[2], R[0], R[3], R[6], R[1], R[4], R[7]);
}

static void indent(FILE *f, int depth) {
    for (int i = 0; i < depth; i++) fputs("  ", f);
}

/* The model's frames on body b that a loader would not make by itself: sites, merged links,
 * fixed joints. */
static void sites(FILE *f, const xn_model *m, int b, int depth) {
    for (int k = 0; k < m->nframe; k++) {
        if (m->frame_body[k] != b) continue;
        if (m->frame_type[k] == XN_FRAME_JOINT && b > 0 && m->body_jtype[b] != XN_JOINT_FIXED &&
            strcmp(m->frame_name[k], m->joint_name[b]) == 0)
            continue; /* the body's movable joint: the loader makes its frame */
        if (m->frame_type[k] == XN_FRAME_BODY && b > 0 &&
            strcmp(m->frame_name[k], m->body_name[b]) == 0)
            continue; /* the body itself */
        if (b == 0 && strcmp(m->frame_name[k], m->body_name[0]) == 0) continue;
        indent(f, depth);
        fprintf(f, "<site name=\"%s\"", m->frame_name[k]);
        placement(f, &m->frame_placement[k]);
        fprintf(f, "/>\n");
    }
}

static void body(FILE *f, const xn_model *m, int b, int depth) {
    indent(f, depth);
    fprintf(f, "<body name=\"%s\"", m->body_name[b]);
    placement(f, &m->body_tree[b]);
    fprintf(f, ">\n");
    xn_real c[3], Ic[6];
    const xn_inertia *I = &m->body_inertia[b];
    xn_inertia_to_com(I, c, Ic);
    indent(f, depth + 1);
    fprintf(f,
            "<inertial mass=\"%.17g\" pos=\"%.17g %.17g %.17g\" fullinertia=\"%.17g %.17g %.17g "
            "%.17g %.17g %.17g\"/>\n",
            I->m, c[0], c[1], c[2], Ic[0], Ic[1], Ic[2], Ic[3], Ic[4], Ic[5]);
    xn_joint_type t = m->body_jtype[b];
    int k = m->body_vadr[b], qa = m->body_qadr[b];
    indent(f, depth + 1);
    if (t == XN_JOINT_FREE) {
        fprintf(f, "<freejoint name=\"%s\"/>\n", m->joint_name[b]);
    } else if (t == XN_JOINT_BALL) {
        fprintf(f,
                "<joint name=\"%s\" type=\"ball\" armature=\"%.17g\" damping=\"%.17g\" "
                "frictionloss=\"%.17g\"/>\n",
                m->joint_name[b], m->dof_armature[k], m->dof_damping[k], m->dof_friction[k]);
    } else if (t == XN_JOINT_REVOLUTE || t == XN_JOINT_CONTINUOUS || t == XN_JOINT_PRISMATIC) {
        const xn_real *ax = &m->body_axis[3 * b];
        fprintf(f,
                "<joint name=\"%s\" type=\"%s\" axis=\"%.17g %.17g %.17g\" armature=\"%.17g\" "
                "damping=\"%.17g\" frictionloss=\"%.17g\"",
                m->joint_name[b], t == XN_JOINT_PRISMATIC ? "slide" : "hinge", ax[0], ax[1], ax[2],
                m->dof_armature[k], m->dof_damping[k], m->dof_friction[k]);
        if (isfinite(m->q_lower[qa]) && isfinite(m->q_upper[qa]))
            fprintf(f, " limited=\"true\" range=\"%.17g %.17g\"", m->q_lower[qa], m->q_upper[qa]);
        fprintf(f, "/>\n");
    } else {
        fprintf(f, "<!-- joint %s: no movable joint -->\n", m->joint_name[b]);
    }
    sites(f, m, b, depth + 1);
    for (int c2 = b + 1; c2 < m->nbody; c2++)
        if (m->body_parent[c2] == b) body(f, m, c2, depth + 1);
    indent(f, depth);
    fprintf(f, "</body>\n");
}

xn_status xn_model_write_mjcf(const xn_model *m, const char *path, const char *comment,
                              xn_error *err) {
    static const char *const fn = "xn_model_write_mjcf";
    FILE *f = fopen(path, "w");
    if (!f) return xn_fail(err, XN_ERR_IO, fn, "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "<mujoco model=\"%s\">\n", m->name ? m->name : "robot");
    if (comment && *comment) {
        fprintf(f, "  <!-- ");
        for (const char *c = comment; *c; c++) /* "--" may not appear inside a comment */
            fputc(c[0] == '-' && c[1] == '-' ? '=' : c[0], f);
        fprintf(f, " -->\n");
    }
    fprintf(f, "  <compiler angle=\"radian\"/>\n");
    fprintf(f, "  <option gravity=\"%.17g %.17g %.17g\"/>\n  <worldbody>\n", m->gravity[0],
            m->gravity[1], m->gravity[2]);
    sites(f, m, 0, 2);
    for (int b = 1; b < m->nbody; b++)
        if (m->body_parent[b] == 0) body(f, m, b, 2);
    fprintf(f, "  </worldbody>\n");
    int any = 0;
    for (int k = 0; k < m->nv; k++) any |= isfinite(m->dof_effort[k]);
    if (any) {
        fprintf(f, "  <actuator>\n");
        for (int k = 0; k < m->nv; k++) {
            int b = m->dof_body[k];
            if (!isfinite(m->dof_effort[k]) || m->body_nv[b] != 1) continue;
            fprintf(f,
                    "    <motor name=\"%s\" joint=\"%s\" ctrllimited=\"true\" ctrlrange=\"%.17g "
                    "%.17g\"/>\n",
                    m->joint_name[b], m->joint_name[b], -m->dof_effort[k], m->dof_effort[k]);
        }
        fprintf(f, "  </actuator>\n");
    }
    fprintf(f, "</mujoco>\n");
    if (fclose(f) != 0) return xn_fail(err, XN_ERR_IO, fn, "cannot write %s", path);
    return XN_OK;
}
