/* Where the robot must appear in the replay page's picture, computed apart from the page and from
 * xn's replay writer: MuJoCo's kinematics of the scene at a configuration the test names (a
 * keyframe, with joints set as given), projected through the camera the test gives the page
 * (position, target, z up, vertical field of view, the canvas's size in pixels).
 *
 *   replay_expect SCENE WIDTH HEIGHT X,Y,Z,TX,TY,TZ FOV_DEG KEYFRAME|qpos0 [JOINT=VALUE ...]
 *
 * SCENE is loaded as xn loads it for pictures (tools/xn/mj_scene.c: a URDF with its visuals).
 *
 * Prints JSON: "points": each robot geom's centre [px, py, r] with r the projected radius of its
 * thinnest dimension (pixels), and two points inside it along its long axis (capsules, cylinders,
 * boxes), which a geom drawn turned the wrong way would not cover; "box": [x0, y0, x1, y1], a box
 * that holds every robot geom's bounding sphere. Exit 1 with a message on bad input.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "mj_scene.h"

static double dot(const double *a, const double *b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross(const double *a, const double *b, double *o) {
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

static void unit(double *a) {
    double n = sqrt(dot(a, a));
    for (int i = 0; i < 3; i++) a[i] /= n;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr,
                "usage: replay_expect SCENE W H X,Y,Z,TX,TY,TZ FOV KEYFRAME [JOINT=V ...]\n");
        return 1;
    }
    char err[1000];
    mjModel *m = xn_mj_load_scene(argv[1], err, sizeof err);
    if (!m) {
        fprintf(stderr, "replay_expect: %s: %s\n", argv[1], err);
        return 1;
    }
    double W = atof(argv[2]), H = atof(argv[3]), c[6], fov = atof(argv[5]);
    if (sscanf(argv[4], "%lf,%lf,%lf,%lf,%lf,%lf", c, c + 1, c + 2, c + 3, c + 4, c + 5) != 6 ||
        !(W > 0 && H > 0 && fov > 0)) {
        fprintf(stderr, "replay_expect: bad camera\n");
        return 1;
    }
    mjData *d = mj_makeData(m);
    int key = strcmp(argv[6], "qpos0") == 0 ? -1 : mj_name2id(m, mjOBJ_KEY, argv[6]);
    if (key < 0 && strcmp(argv[6], "qpos0") != 0) {
        fprintf(stderr, "replay_expect: no keyframe '%s'\n", argv[6]);
        return 1;
    }
    /* a keyframe, or the model's reference configuration (a URDF has no keyframe) */
    memcpy(d->qpos, key >= 0 ? m->key_qpos + (size_t)key * m->nq : m->qpos0,
           sizeof(double) * m->nq);
    for (int a = 7; a < argc; a++) {
        char name[128];
        double v;
        int j = -1;
        if (sscanf(argv[a], "%127[^=]=%lf", name, &v) != 2 ||
            (j = mj_name2id(m, mjOBJ_JOINT, name)) < 0) {
            fprintf(stderr, "replay_expect: bad joint setting '%s'\n", argv[a]);
            return 1;
        }
        d->qpos[m->jnt_qposadr[j]] = v;
    }
    mj_kinematics(m, d);
    /* the camera: forward to the target, z up; the page's PerspectiveCamera with up (0, 0, 1) */
    double f[3] = {c[3] - c[0], c[4] - c[1], c[5] - c[2]}, up[3] = {0, 0, 1}, r[3], u[3];
    unit(f);
    cross(f, up, r);
    unit(r);
    cross(r, f, u);
    double ty = tan(fov * 3.14159265358979323846 / 360), tx = ty * W / H;
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    printf("{\"points\":[");
    int first = 1;
    for (int g = 0; g < m->ngeom; g++) {
        /* every drawn geom but the floor: a URDF's root link is MuJoCo's world body */
        if (m->geom_type[g] == mjGEOM_PLANE) continue;
        const double *x = d->geom_xpos + 3 * g, *s = m->geom_size + 3 * g;
        double rel[3] = {x[0] - c[0], x[1] - c[1], x[2] - c[2]};
        double zc = dot(rel, f);
        if (!(zc > 0.05)) continue;
        double px = (dot(rel, r) / (zc * tx) + 1) / 2 * W;
        double py = (1 - dot(rel, u) / (zc * ty)) / 2 * H;
        double fpx = H / 2 / ty; /* focal length in pixels */
        double thin = s[0];
        if (m->geom_type[g] == mjGEOM_BOX || m->geom_type[g] == mjGEOM_ELLIPSOID)
            thin = fmin(s[0], fmin(s[1], s[2]));
        double rb = m->geom_rbound[g], rbp = fpx * rb / fmax(zc - rb, 0.05);
        box[0] = fmin(box[0], px - rbp), box[1] = fmin(box[1], py - rbp);
        box[2] = fmax(box[2], px + rbp), box[3] = fmax(box[3], py + rbp);
        printf("%s[%.2f,%.2f,%.2f]", first ? "" : ",", px, py, fpx * thin / zc);
        first = 0;
        /* points along the geom's long axis (its z for capsules and cylinders, the box's longest
         * side), inside it but beyond what a geom turned the wrong way would cover */
        double reach = 0;
        int axis = 2;
        if (m->geom_type[g] == mjGEOM_CAPSULE)
            reach = s[1] + 0.5 * s[0];
        else if (m->geom_type[g] == mjGEOM_CYLINDER)
            reach = 0.8 * s[1];
        else if (m->geom_type[g] == mjGEOM_BOX) {
            axis = s[0] >= s[1] && s[0] >= s[2] ? 0 : s[1] >= s[2] ? 1 : 2;
            reach = 0.8 * s[axis];
        }
        for (int sign = -1; reach > 0 && sign <= 1; sign += 2) {
            const double *R = d->geom_xmat + 9 * g; /* columns: the geom's axes in the world */
            double p[3], q[3];
            for (int a = 0; a < 3; a++) p[a] = x[a] + sign * reach * R[3 * a + axis] - c[a];
            double zp = dot(p, f);
            if (!(zp > 0.05)) continue;
            q[0] = (dot(p, r) / (zp * tx) + 1) / 2 * W;
            q[1] = (1 - dot(p, u) / (zp * ty)) / 2 * H;
            printf(",[%.2f,%.2f,%.2f]", q[0], q[1], fpx * thin / zp);
        }
    }
    printf("],\"box\":[%.1f,%.1f,%.1f,%.1f]}\n", box[0], box[1], box[2], box[3]);
    mj_deleteData(d);
    mj_deleteModel(m);
    return 0;
}
