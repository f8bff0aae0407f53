/* xiaonao: learned policies. A neural network exported to ONNX (float32; feed-forward layers,
 * LSTM and GRU) is loaded once, its shapes fixed and its buffers allocated at load, and then
 * evaluated in the control loop with no allocation. The ONNX file is parsed with protobuf-c from
 * ONNX's own onnx.proto (Debian's libprotobuf-c and libonnx-dev): the format is ONNX's, read by
 * a maintained protobuf implementation, not guessed.
 *
 * Operators: Gemm, MatMul, Add, Sub, Mul, Div (NumPy broadcasting), Relu, Elu, Tanh, Sigmoid,
 * Softsign, Clip, Concat, Reshape, Squeeze, Unsqueeze, Flatten, Identity, Constant, and LSTM and
 * GRU (one layer, forward). Anything else (another operator, data type, a dynamic shape, a
 * bidirectional RNN) is refused at load with the node's index, name and operator.
 *
 * Recurrent state is explicit: it enters as graph inputs and leaves as graph outputs (e.g. h_in,
 * c_in and h_out, c_out). xn_policy_bind_state pairs them so that xn_policy_step feeds each
 * output back into its input; xn_policy_reset zeroes them.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_POLICY_H
#define XIAONAO_POLICY_H

#include <stddef.h>

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

typedef struct xn_policy xn_policy;

/** Load an ONNX model from a file. Symbolic dimensions (a batch named "N") are taken as 1.
 * Errors name the file and, for a node, its index, name and operator. */
xn_status xn_policy_load(const char *path, xn_policy **out, xn_error *err);
/** The same from memory (n bytes); `name` is what errors call it. */
xn_status xn_policy_load_buffer(const void *data, size_t n, const char *name, xn_policy **out,
                                xn_error *err);
void xn_policy_free(xn_policy *p);

/** The graph's inputs and outputs, in the file's order. */
int xn_policy_ninputs(const xn_policy *p);
int xn_policy_noutputs(const xn_policy *p);
const char *xn_policy_input_name(const xn_policy *p, int i);
const char *xn_policy_output_name(const xn_policy *p, int i);
/** The number of floats of input or output i (0 when out of range). */
size_t xn_policy_input_size(const xn_policy *p, int i);
size_t xn_policy_output_size(const xn_policy *p, int i);
/** The index of the input or output called name, or -1. */
int xn_policy_find_input(const xn_policy *p, const char *name);
int xn_policy_find_output(const xn_policy *p, const char *name);

/** Input i's buffer (owned by the policy, row-major): fill it before xn_policy_run. */
float *xn_policy_input(xn_policy *p, int i);
/** Output i's values after xn_policy_run (owned by the policy). */
const float *xn_policy_output(const xn_policy *p, int i);

/** Evaluate the graph once. No allocation; XN_ERR_RANGE when an input holds a NaN or infinity
 * (the outputs are then left as they were). */
xn_status xn_policy_run(xn_policy *p);

/** Declare that output `out` is the next step's value of input `in` (same size): recurrent
 * state. XN_ERR_NOT_FOUND or XN_ERR_SIZE when they do not exist or do not match. */
xn_status xn_policy_bind_state(xn_policy *p, const char *in, const char *out);
/** Pair every input named X_in (or X_in_*) with an output X_out of the same size; returns how
 * many pairs were bound. */
int xn_policy_bind_state_auto(xn_policy *p);
/** Zero every bound state input (the start of an episode). */
void xn_policy_reset(xn_policy *p);
/** xn_policy_run, then copy every bound state output into its input. */
xn_status xn_policy_step(xn_policy *p);

/** Floats of memory held for tensors, and the number of nodes (for reports). */
size_t xn_policy_memory(const xn_policy *p);
int xn_policy_nnodes(const xn_policy *p);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
