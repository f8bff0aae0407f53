/* What each generated function computes, recorded on symbols (gen_kinematics.c,
 * gen_dynamics.c), and the list of outputs it fills. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_CODEGEN_INTERNAL_H
#define XN_CODEGEN_INTERNAL_H

#include "codegen/sym_spatial.h"

typedef struct {
    xs_out *v;
    int n, cap;
    int nomem;
} cg_outs;

/* Append an output (array element index receives x). */
void cg_put(cg_outs *o, const char *array, int index, xs x);
/* The symbols of input array `array`, elements 0..n-1, into x. */
void cg_inputs(xs_graph *g, int array, int n, xs *x);

/* Each builder records one function on g and lists its outputs in o. Input arrays are numbered
 * in the order of the function's parameters. 0, or -1 when memory runs out. */
int cg_fk(const xn_model *m, xs_graph *g, cg_outs *o);                           /* q -> pose */
int cg_frame_pose(const xn_model *m, int frame, xs_graph *g, cg_outs *o);        /* q -> pose */
int cg_frame_jacobian(const xn_model *m, int frame, xs_graph *g, cg_outs *o);    /* q -> J */
int cg_com(const xn_model *m, xs_graph *g, cg_outs *o);                          /* q -> com */
int cg_rnea(const xn_model *m, xs_graph *g, cg_outs *o, int with_v, int with_a); /* q v a */
int cg_crba(const xn_model *m, xs_graph *g, cg_outs *o);                         /* q -> M */
int cg_factor(const xn_model *m, xs_graph *g, cg_outs *o);                       /* M -> LD */
int cg_solve(const xn_model *m, xs_graph *g, cg_outs *o);                        /* LD, b -> x */
int cg_aba(const xn_model *m, xs_graph *g, cg_outs *o); /* q v tau -> qdd */

#endif
