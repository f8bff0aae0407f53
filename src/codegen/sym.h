/* A graph of scalar expressions for code generation: the dynamics algorithms are run once on
 * symbols instead of numbers, and what they compute is written out as straight-line C.
 *
 * Every operation folds what it can as it is recorded: constants combine, 0 and 1 vanish
 * (x * 0 = 0, x + 0 = x, x * 1 = x), negations cancel, and an operation already recorded on the
 * same operands is found again rather than repeated (hash-consing, so common subexpressions are
 * shared). What a model fixes (joint axes, placements, inertias) enters as constants, so the
 * structure they carry (zero entries, axes along x, y or z) disappears from the generated code.
 *
 * x * 0 = 0 is not IEEE arithmetic for an infinite or NaN x; the generated functions take finite
 * states (their callers check sensor input before it reaches the dynamics, as the library's own
 * control path does), and document it.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_CODEGEN_SYM_H
#define XN_CODEGEN_SYM_H

#include <stdio.h>

/** A node of the graph (its index). */
typedef int xs;

typedef enum {
    XS_CONST,
    XS_IN, /* element b of input array a */
    XS_ADD,
    XS_SUB,
    XS_MUL,
    XS_DIV,
    XS_NEG,
    XS_SQRT,
    XS_SIN,
    XS_COS
} xs_op;

typedef struct {
    xs_op op;
    int a, b;     /* operands (nodes), or (array, index) for XS_IN */
    double value; /* XS_CONST */
} xs_node;

typedef struct {
    xs_node *node;
    int n, cap;
    int *hash; /* open addressing: node index + 1, 0 empty */
    int hcap;
    int nomem; /* an allocation failed: every later call returns node 0 */
    xs zero, one;
} xs_graph;

/* 0, or -1 when memory runs out. */
int xs_init(xs_graph *g);
void xs_free(xs_graph *g);

xs xs_const(xs_graph *g, double v);
xs xs_in(xs_graph *g, int array, int index);
xs xs_add(xs_graph *g, xs a, xs b);
xs xs_sub(xs_graph *g, xs a, xs b);
xs xs_mul(xs_graph *g, xs a, xs b);
xs xs_div(xs_graph *g, xs a, xs b);
xs xs_neg(xs_graph *g, xs a);
xs xs_sqrt(xs_graph *g, xs a);
xs xs_sin(xs_graph *g, xs a);
xs xs_cos(xs_graph *g, xs a);
/* a * b + c * d, a * b - c * d: the shapes the spatial algebra is made of */
xs xs_mul_add(xs_graph *g, xs a, xs b, xs c, xs d);
xs xs_mul_sub(xs_graph *g, xs a, xs b, xs c, xs d);

/* Is x the constant v? */
int xs_is(const xs_graph *g, xs x, double v);

/* One output of a generated function: element index of array name receives node x. */
typedef struct {
    const char *array;
    int index;
    xs x;
} xs_out;

/* How a function is written out. */
typedef struct {
    const char *real;          /* the scalar type's name in the generated code */
    int single;                /* 1: float literals and sinf/cosf/sqrtf */
    const char *const *inputs; /* the C names of the input arrays, by XS_IN array number */
    int ninputs;
    const char *sincos; /* the generated file's sine-and-cosine function, called as
                           sincos(x, &s, &c) for every angle whose sine or cosine is used */
    int may_alias;      /* 1: an output may be an input (every input read first, outputs written
                           last); 0: inputs read where used and each output stored as soon as it is
                           known, so that nothing stays live longer than it must (the compiler's
                           register allocator takes minutes on the humanoids otherwise) */
} xs_emit_style;

/* Counts of what a function computes, for the header's comment and the documentation. */
typedef struct {
    long add, mul, div, sqrt, trig, temps;
} xs_counts;

/* Write the body of a function (between its braces) computing the outputs, the temporaries in
 * the order they were recorded (see may_alias for the inputs and outputs). Only nodes the
 * outputs depend on are written.
 * Returns 0, -1 when memory runs out or the file cannot be written, -2 when an output depends
 * on a constant that is not finite (the model divides by a zero it fixes). */
int xs_emit(xs_graph *g, const xs_out *out, int nout, const xs_emit_style *st, FILE *f,
            xs_counts *counts);

#endif
