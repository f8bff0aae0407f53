/* The policy's graph after loading: tensors with fixed shapes and buffers, and nodes in the
 * file's (topological) order. Shared by the loader (onnx_load.c), the kernels (nn_ops.c,
 * nn_rnn.c) and the API (policy.c). SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_POLICY_INTERNAL_H
#define XN_POLICY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "xiaonao/policy.h"

#define NN_MAX_DIMS 6
#define NN_MAX_IO 16
#define NN_MAX_NODE_INPUTS 8
#define NN_MAX_NODE_OUTPUTS 3

typedef struct {
    char *name;
    int ndim;
    int64_t dims[NN_MAX_DIMS];
    size_t size;   /* elements */
    float *data;   /* size floats: in the arena, or aliasing another tensor's */
    int64_t *ints; /* int64 constants (axes, shapes), known at load; NULL otherwise */
    size_t nints;
    int known;   /* its value is fixed at load (initializer or Constant) */
    int owned;   /* data was allocated for it (else it aliases another tensor's) */
    int defined; /* produced by an input, initializer or node so far */
} nn_tensor;

typedef enum {
    NN_GEMM,
    NN_MATMUL,
    NN_ADD,
    NN_SUB,
    NN_MUL,
    NN_DIV,
    NN_RELU,
    NN_ELU,
    NN_TANH,
    NN_SIGMOID,
    NN_SOFTSIGN,
    NN_CLIP,
    NN_CONCAT,
    NN_RESHAPE, /* Reshape, Squeeze, Unsqueeze, Flatten, Identity: a view of the input */
    NN_CONSTANT,
    NN_LSTM,
    NN_GRU
} nn_opcode;

typedef struct {
    nn_opcode op;
    int in[NN_MAX_NODE_INPUTS]; /* tensor indices, -1 for an empty (optional) input */
    int nin;
    int out[NN_MAX_NODE_OUTPUTS];
    int nout;
    float alpha, beta; /* Gemm, Elu */
    int trans_a, trans_b;
    int axis;     /* Concat (normalized) */
    float lo, hi; /* Clip */
    int hidden;   /* LSTM, GRU */
    int linear_before_reset;
    float clip;  /* LSTM, GRU cell clip (0: none) */
    float *work; /* LSTM, GRU: gate buffers */
} nn_node;

struct xn_policy {
    nn_tensor *t;
    int nt, cap_t;
    nn_node *node;
    int nn;
    int input[NN_MAX_IO], ninput;
    int output[NN_MAX_IO], noutput;
    int state_in[NN_MAX_IO], state_out[NN_MAX_IO], nstate;
    size_t memory; /* floats allocated for tensors and work */
};

/* file_read.c: a whole file (at most max bytes) into a malloc'd, NUL-terminated buffer; NULL
 * when it cannot be opened or read or is too large */
char *nn_read_file(const char *path, size_t max, size_t *len);

/* nn_ops.c and nn_rnn.c: evaluate one node */
void nn_eval(xn_policy *p, const nn_node *n);
/* the floats of scratch a node needs (LSTM, GRU) */
size_t nn_work_size(const xn_policy *p, const nn_node *n);

#endif
