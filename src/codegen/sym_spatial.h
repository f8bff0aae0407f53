/* Spatial algebra on symbols: the same operations as math/spatial_inline.h, recorded in an
 * expression graph. Spatial vectors are [linear(3), angular(3)]; 3x3 matrices row-major.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_CODEGEN_SYM_SPATIAL_H
#define XN_CODEGEN_SYM_SPATIAL_H

#include "codegen/sym.h"
#include "xiaonao/model.h"

typedef struct {
    xs R[9], p[3];
} xs_se3;

typedef struct {
    xs m, h[3],
        I[6]; /* as xn_inertia: h = m c, I about the frame origin packed xx yy zz xy xz yz */
} xs_inertia;

/* A model constant. Rotation entries and unit axes within 1e-14 of 0 or +-1 are taken as
 * exactly that (a URDF rpy of pi/2 gives cos = 6e-17), so that their structure is folded away:
 * the change is below the generic code's own rounding. */
xs xs_unit_const(xs_graph *g, double v);
void xs_se3_const(xs_graph *g, const xn_se3 *X, xs_se3 *out);
void xs_inertia_const(xs_graph *g, const xn_inertia *Y, xs_inertia *out);

void xs_v3_cross(xs_graph *g, const xs a[3], const xs b[3], xs out[3]);
xs xs_v3_dot(xs_graph *g, const xs a[3], const xs b[3]);
void xs_m3_mul(xs_graph *g, const xs A[9], const xs B[9], xs out[9]);
void xs_m3_mulv(xs_graph *g, const xs R[9], const xs x[3], xs out[3]);
void xs_m3_tmulv(xs_graph *g, const xs R[9], const xs x[3], xs out[3]);
void xs_se3_mul(xs_graph *g, const xs_se3 *a, const xs_se3 *b, xs_se3 *out);

void xs_motion_act_inv(xs_graph *g, const xs_se3 *X, const xs m[6], xs out[6]);
void xs_motion_act(xs_graph *g, const xs_se3 *X, const xs m[6], xs out[6]);
void xs_force_act(xs_graph *g, const xs_se3 *X, const xs f[6], xs out[6]);
void xs_motion_cross(xs_graph *g, const xs a[6], const xs b[6], xs out[6]);
void xs_motion_cross_force(xs_graph *g, const xs a[6], const xs f[6], xs out[6]);
void xs_inertia_mul(xs_graph *g, const xs_inertia *Y, const xs m[6], xs out[6]);
void xs_inertia_act(xs_graph *g, const xs_se3 *X, const xs_inertia *Y, xs_inertia *out);
void xs_inertia_accum(xs_graph *g, xs_inertia *acc, const xs_inertia *Y);
/* The 6x6 matrix of a rigid-body inertia (row-major), acting on [v, w]. */
void xs_inertia_matrix(xs_graph *g, const xs_inertia *Y, xs M[36]);
/* An articulated inertia (6x6, symmetric) of a child expressed in its parent: X* A X^-1. */
void xs_mat6_act(xs_graph *g, const xs_se3 *X, const xs A[36], xs out[36]);

/* ---- joints (as dynamics/joint_inline.h) ---- */

/* Body b's placement in its parent at q (q: the nq symbols of the configuration). */
void xs_joint_placement(xs_graph *g, const xn_model *m, int b, const xs *q, xs_se3 *out);
/* Column k of b's motion subspace S (constants). */
void xs_joint_col(xs_graph *g, const xn_model *m, int b, int k, xs out[6]);

#endif
