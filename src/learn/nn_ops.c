/* The feed-forward kernels: matrix products, broadcast arithmetic, activations, concatenation.
 * Shapes were fixed at load; nothing here allocates. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "learn/policy_internal.h"

/* out = alpha op(A) op(B) + beta C (C broadcast over M x N) */
static void gemm(const nn_node *n, const nn_tensor *A, const nn_tensor *B, const nn_tensor *C,
                 nn_tensor *O) {
    int64_t M = O->dims[0], N = O->dims[1], K = n->trans_a ? A->dims[0] : A->dims[1];
    int64_t lda = A->dims[1], ldb = B->dims[1];
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++) {
                float a = n->trans_a ? A->data[k * lda + i] : A->data[i * lda + k];
                float b = n->trans_b ? B->data[j * ldb + k] : B->data[k * ldb + j];
                s += a * b;
            }
            float cv = 0;
            if (C) {
                int64_t ci = C->ndim == 2 && C->dims[0] == M ? i : 0;
                int64_t cj = C->ndim >= 1 && C->dims[C->ndim - 1] == N ? j : 0;
                cv = C->data[ci * (C->ndim == 2 ? C->dims[1] : 1) + cj];
            }
            O->data[i * N + j] = n->alpha * s + n->beta * cv;
        }
}

/* [..., M, K] x [K, N] */
static void matmul(const nn_tensor *A, const nn_tensor *B, nn_tensor *O) {
    int64_t K = B->dims[0], N = B->dims[1], rows = (int64_t)(A->size / (size_t)K);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < N; j++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++) s += A->data[i * K + k] * B->data[k * N + j];
            O->data[i * N + j] = s;
        }
}

/* element strides of x aligned to out's dimensions; 0 where x is broadcast */
static void strides(const nn_tensor *x, const nn_tensor *o, int64_t *st) {
    int64_t s = 1;
    for (int k = o->ndim - 1; k >= 0; k--) {
        int kx = k - (o->ndim - x->ndim);
        if (kx >= 0 && x->dims[kx] == o->dims[k]) {
            st[k] = s;
            s *= x->dims[kx];
        } else {
            st[k] = 0;
            if (kx >= 0) s *= x->dims[kx];
        }
    }
}

static void binary(nn_opcode op, const nn_tensor *a, const nn_tensor *b, nn_tensor *o) {
    if (a->size == o->size && b->size == o->size) { /* the common case: no broadcasting */
        for (size_t i = 0; i < o->size; i++) {
            float x = a->data[i], y = b->data[i];
            o->data[i] = op == NN_ADD ? x + y : op == NN_SUB ? x - y : op == NN_MUL ? x * y : x / y;
        }
        return;
    }
    int64_t sa[NN_MAX_DIMS], sb[NN_MAX_DIMS], idx[NN_MAX_DIMS] = {0};
    strides(a, o, sa);
    strides(b, o, sb);
    int64_t ia = 0, ib = 0;
    for (size_t i = 0; i < o->size; i++) {
        float x = a->data[ia], y = b->data[ib];
        o->data[i] = op == NN_ADD ? x + y : op == NN_SUB ? x - y : op == NN_MUL ? x * y : x / y;
        /* advance the multi-index, last dimension fastest */
        for (int k = o->ndim - 1; k >= 0; k--) {
            idx[k]++;
            ia += sa[k];
            ib += sb[k];
            if (idx[k] < o->dims[k]) break;
            ia -= sa[k] * idx[k];
            ib -= sb[k] * idx[k];
            idx[k] = 0;
        }
    }
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static void unary(const nn_node *n, const nn_tensor *x, nn_tensor *o) {
    for (size_t i = 0; i < o->size; i++) {
        float v = x->data[i];
        switch (n->op) {
        case NN_RELU: v = v > 0 ? v : 0; break;
        case NN_ELU: v = v > 0 ? v : n->alpha * (expf(v) - 1); break;
        case NN_TANH: v = tanhf(v); break;
        case NN_SIGMOID: v = sigmoid(v); break;
        case NN_SOFTSIGN: v = v / (1 + fabsf(v)); break;
        case NN_CLIP: v = v < n->lo ? n->lo : (v > n->hi ? n->hi : v); break;
        default: break;
        }
        o->data[i] = v;
    }
}

static void concat(const xn_policy *p, const nn_node *n, nn_tensor *o) {
    /* outer blocks before the axis, each the concatenation of the inputs' inner blocks */
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < n->axis; k++) outer *= o->dims[k];
    for (int k = n->axis + 1; k < o->ndim; k++) inner *= o->dims[k];
    float *dst = o->data;
    for (int64_t b = 0; b < outer; b++)
        for (int i = 0; i < n->nin; i++) {
            const nn_tensor *x = &p->t[n->in[i]];
            int64_t len = x->dims[n->axis] * inner;
            memcpy(dst, x->data + b * len, (size_t)len * sizeof(float));
            dst += len;
        }
}

void nn_lstm(xn_policy *p, const nn_node *n);
void nn_gru(xn_policy *p, const nn_node *n);

void nn_eval(xn_policy *p, const nn_node *n) {
    nn_tensor *o = n->out[0] >= 0 ? &p->t[n->out[0]] : NULL;
    const nn_tensor *a = n->nin > 0 && n->in[0] >= 0 ? &p->t[n->in[0]] : NULL;
    const nn_tensor *b = n->nin > 1 && n->in[1] >= 0 ? &p->t[n->in[1]] : NULL;
    switch (n->op) {
    case NN_GEMM: gemm(n, a, b, n->nin > 2 && n->in[2] >= 0 ? &p->t[n->in[2]] : NULL, o); break;
    case NN_MATMUL: matmul(a, b, o); break;
    case NN_ADD:
    case NN_SUB:
    case NN_MUL:
    case NN_DIV: binary(n->op, a, b, o); break;
    case NN_RELU:
    case NN_ELU:
    case NN_TANH:
    case NN_SIGMOID:
    case NN_SOFTSIGN:
    case NN_CLIP: unary(n, a, o); break;
    case NN_CONCAT: concat(p, n, o); break;
    case NN_LSTM: nn_lstm(p, n); break;
    case NN_GRU: nn_gru(p, n); break;
    case NN_RESHAPE: /* a view: nothing to compute */
    case NN_CONSTANT: /* its value was set at load */ break;
    }
}
