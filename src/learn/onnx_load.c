/* Loading an ONNX model: protobuf-c unpacks ModelProto (from ONNX's onnx.proto), then every
 * node is checked, its output shapes worked out and its buffers allocated, in the file's order
 * (ONNX requires topological order). Nothing is allocated after this.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/policy_internal.h"
#include "onnx.pb-c.h"

#define MAX_ELEMENTS ((size_t)1 << 26) /* 256 MB of floats: far beyond any policy */
#define MAX_TENSORS 100000

typedef struct {
    xn_policy *p;
    xn_error *err;
    const char *name;
} ctx;

static xn_status fail(ctx *c, xn_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static xn_status fail(ctx *c, xn_status st, const char *fmt, ...) {
    if (c->err) {
        c->err->index = -1;
        snprintf(c->err->file, sizeof c->err->file, "%s", c->name);
        c->err->line = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* "node 3 ('/memory/LSTM', LSTM): " before the reason */
static xn_status node_fail(ctx *c, int i, const Onnx__NodeProto *nd, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static xn_status node_fail(ctx *c, int i, const Onnx__NodeProto *nd, const char *fmt, ...) {
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return fail(c, XN_ERR_INVALID, "node %d ('%s', %s): %s", i, nd->name ? nd->name : "",
                nd->op_type ? nd->op_type : "?", why);
}

static int find_tensor(const xn_policy *p, const char *name) {
    for (int i = 0; i < p->nt; i++)
        if (strcmp(p->t[i].name, name) == 0) return i;
    return -1;
}

/* A new tensor called name; -1 when out of memory. */
static int add_tensor(xn_policy *p, const char *name) {
    if (p->nt == p->cap_t) {
        int cap = p->cap_t ? 2 * p->cap_t : 32;
        nn_tensor *t = realloc(p->t, (size_t)cap * sizeof *t);
        if (!t) return -1;
        p->t = t;
        p->cap_t = cap;
    }
    nn_tensor *t = &p->t[p->nt];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    if (!t->name) return -1;
    return p->nt++;
}

/* Set a tensor's shape; 0 when the size is sane. */
static int set_shape(nn_tensor *t, int ndim, const int64_t *dims) {
    if (ndim < 0 || ndim > NN_MAX_DIMS) return -1;
    size_t size = 1;
    for (int k = 0; k < ndim; k++) {
        if (dims[k] < 1 || (size_t)dims[k] > MAX_ELEMENTS) return -1;
        size *= (size_t)dims[k];
        if (size > MAX_ELEMENTS) return -1;
    }
    t->ndim = ndim;
    if (ndim > 0) memcpy(t->dims, dims, (size_t)ndim * sizeof *dims); /* a scalar has no dims */
    t->size = size;
    return 0;
}

static xn_status alloc_data(ctx *c, nn_tensor *t) {
    t->data = calloc(t->size ? t->size : 1, sizeof(float));
    if (!t->data) return fail(c, XN_ERR_NOMEM, "out of memory for tensor '%s'", t->name);
    t->owned = 1;
    c->p->memory += t->size;
    return XN_OK;
}

/* A TensorProto (initializer or Constant value) into t: float32 data, or int64 values. */
static xn_status read_tensor(ctx *c, const Onnx__TensorProto *tp, nn_tensor *t) {
    if (tp->n_dims > NN_MAX_DIMS)
        return fail(c, XN_ERR_UNSUPPORTED, "tensor '%s' has %zu dimensions (at most %d)", t->name,
                    tp->n_dims, NN_MAX_DIMS);
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return fail(c, XN_ERR_UNSUPPORTED, "tensor '%s' keeps its data in an external file",
                    t->name);
    if (set_shape(t, (int)tp->n_dims, tp->dims))
        return fail(c, XN_ERR_INVALID, "tensor '%s' has an invalid shape", t->name);
    t->known = 1;
    if (tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
        xn_status st = alloc_data(c, t);
        if (st) return st;
        if (tp->has_raw_data && tp->raw_data.len > 0) {
            if (tp->raw_data.len != t->size * 4)
                return fail(c, XN_ERR_INVALID, "tensor '%s': %zu bytes of data for %zu floats",
                            t->name, tp->raw_data.len, t->size);
            /* little-endian float32, as ONNX stores it */
            for (size_t i = 0; i < t->size; i++) {
                const uint8_t *b = tp->raw_data.data + 4 * i;
                uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                             (uint32_t)b[3] << 24;
                memcpy(&t->data[i], &u, 4);
            }
        } else if (tp->n_float_data == t->size) {
            memcpy(t->data, tp->float_data, t->size * sizeof(float));
        } else {
            return fail(c, XN_ERR_INVALID, "tensor '%s': %zu values for %zu elements", t->name,
                        tp->n_float_data, t->size);
        }
        for (size_t i = 0; i < t->size; i++)
            if (!isfinite(t->data[i]))
                return fail(c, XN_ERR_INVALID, "tensor '%s' holds a NaN or infinity (element %zu)",
                            t->name, i);
        return XN_OK;
    }
    if (tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
        t->ints = calloc(t->size ? t->size : 1, sizeof(int64_t));
        if (!t->ints) return fail(c, XN_ERR_NOMEM, "out of memory");
        t->nints = t->size;
        if (tp->has_raw_data && tp->raw_data.len > 0) {
            if (tp->raw_data.len != t->size * 8)
                return fail(c, XN_ERR_INVALID, "tensor '%s': %zu bytes of data for %zu int64",
                            t->name, tp->raw_data.len, t->size);
            for (size_t i = 0; i < t->size; i++) {
                uint64_t u = 0;
                for (int k = 7; k >= 0; k--) u = u << 8 | tp->raw_data.data[8 * i + (size_t)k];
                memcpy(&t->ints[i], &u, 8);
            }
        } else if (tp->n_int64_data == t->size) {
            memcpy(t->ints, tp->int64_data, t->size * sizeof(int64_t));
        } else {
            return fail(c, XN_ERR_INVALID, "tensor '%s': %zu values for %zu elements", t->name,
                        tp->n_int64_data, t->size);
        }
        return XN_OK;
    }
    return fail(c, XN_ERR_UNSUPPORTED, "tensor '%s' has data type %d (float32 and int64 only)",
                t->name, tp->data_type);
}

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *nd, const char *name) {
    for (size_t k = 0; k < nd->n_attribute; k++)
        if (nd->attribute[k]->name && strcmp(nd->attribute[k]->name, name) == 0)
            return nd->attribute[k];
    return NULL;
}

static int64_t attr_int(const Onnx__NodeProto *nd, const char *name, int64_t def) {
    const Onnx__AttributeProto *a = attr(nd, name);
    return a && a->has_i ? a->i : def;
}

static float attr_float(const Onnx__NodeProto *nd, const char *name, float def) {
    const Onnx__AttributeProto *a = attr(nd, name);
    return a && a->has_f ? a->f : def;
}

static const struct {
    const char *name;
    nn_opcode op;
} op_table[] = {
    {"Gemm", NN_GEMM},         {"MatMul", NN_MATMUL},     {"Add", NN_ADD},
    {"Sub", NN_SUB},           {"Mul", NN_MUL},           {"Div", NN_DIV},
    {"Relu", NN_RELU},         {"Elu", NN_ELU},           {"Tanh", NN_TANH},
    {"Sigmoid", NN_SIGMOID},   {"Softsign", NN_SOFTSIGN}, {"Clip", NN_CLIP},
    {"Concat", NN_CONCAT},     {"Reshape", NN_RESHAPE},   {"Squeeze", NN_RESHAPE},
    {"Unsqueeze", NN_RESHAPE}, {"Flatten", NN_RESHAPE},   {"Identity", NN_RESHAPE},
    {"Constant", NN_CONSTANT}, {"LSTM", NN_LSTM},         {"GRU", NN_GRU},
};

/* the output tensor o of node i: new, unique */
static xn_status new_output(ctx *c, int i, const Onnx__NodeProto *nd, int k, int *idx) {
    const char *name = nd->output[k];
    if (!name || !name[0]) {
        *idx = -1;
        return XN_OK;
    }
    if (find_tensor(c->p, name) >= 0)
        return node_fail(c, i, nd, "output '%s' is produced twice", name);
    if (c->p->nt >= MAX_TENSORS) return node_fail(c, i, nd, "too many tensors");
    *idx = add_tensor(c->p, name);
    if (*idx < 0) return fail(c, XN_ERR_NOMEM, "out of memory");
    return XN_OK;
}

/* NumPy broadcasting of a and b into out's shape; -1 when they do not broadcast. */
static int broadcast(const nn_tensor *a, const nn_tensor *b, int *ndim, int64_t *dims) {
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int k = 0; k < n; k++) {
        int ka = k - (n - a->ndim), kb = k - (n - b->ndim);
        int64_t da = ka >= 0 ? a->dims[ka] : 1, db = kb >= 0 ? b->dims[kb] : 1;
        if (da != db && da != 1 && db != 1) return -1;
        dims[k] = da > db ? da : db;
    }
    *ndim = n;
    return 0;
}

/* The int64 values of a known input (axes, shapes). */
static const nn_tensor *known_ints(const xn_policy *p, int idx) {
    if (idx < 0 || !p->t[idx].known || !p->t[idx].ints) return NULL;
    return &p->t[idx];
}

/* Reshape, Squeeze, Unsqueeze, Flatten, Identity: the output's shape (the data is a view). */
static xn_status view_shape(ctx *c, int i, const Onnx__NodeProto *nd, const nn_tensor *x, int *ndim,
                            int64_t *dims) {
    const char *op = nd->op_type;
    int n = x->ndim;
    if (strcmp(op, "Identity") == 0) {
        *ndim = n;
        memcpy(dims, x->dims, (size_t)n * sizeof *dims);
        return XN_OK;
    }
    if (strcmp(op, "Flatten") == 0) {
        int64_t axis = attr_int(nd, "axis", 1);
        if (axis < 0) axis += n;
        if (axis < 0 || axis > n)
            return node_fail(c, i, nd, "axis %lld is out of range", (long long)axis);
        dims[0] = dims[1] = 1;
        for (int k = 0; k < n; k++) dims[k < axis ? 0 : 1] *= x->dims[k];
        *ndim = 2;
        return XN_OK;
    }
    /* the axes or the shape: from the second input (opset 13) or the attribute */
    int64_t vals[NN_MAX_DIMS];
    size_t nv = 0;
    int has = 0;
    if (nd->n_input > 1 && nd->input[1][0]) {
        const nn_tensor *v = known_ints(c->p, find_tensor(c->p, nd->input[1]));
        if (!v) return node_fail(c, i, nd, "its axes or shape must be a constant int64 tensor");
        if (v->nints > NN_MAX_DIMS) return node_fail(c, i, nd, "too many axes or dimensions");
        nv = v->nints;
        memcpy(vals, v->ints, nv * sizeof *vals);
        has = 1;
    } else {
        const Onnx__AttributeProto *a = attr(nd, strcmp(op, "Reshape") == 0 ? "shape" : "axes");
        if (a && a->n_ints) {
            if (a->n_ints > NN_MAX_DIMS) return node_fail(c, i, nd, "too many axes");
            nv = a->n_ints;
            memcpy(vals, a->ints, nv * sizeof *vals);
            has = 1;
        }
    }
    if (strcmp(op, "Reshape") == 0) {
        if (!has) return node_fail(c, i, nd, "no shape given");
        int64_t known = 1;
        int infer = -1;
        for (size_t k = 0; k < nv; k++) {
            if (vals[k] == 0) vals[k] = (int)k < n ? x->dims[k] : 1;
            if (vals[k] == -1) {
                if (infer >= 0) return node_fail(c, i, nd, "two dimensions are -1");
                infer = (int)k;
            } else if (vals[k] < 1) {
                return node_fail(c, i, nd, "dimension %lld is invalid", (long long)vals[k]);
            } else {
                known *= vals[k];
            }
        }
        if (infer >= 0) vals[infer] = known > 0 ? (int64_t)x->size / known : 0;
        *ndim = (int)nv;
        memcpy(dims, vals, nv * sizeof *vals);
        size_t size = 1;
        for (size_t k = 0; k < nv; k++) size *= (size_t)(dims[k] > 0 ? dims[k] : 0);
        if (size != x->size)
            return node_fail(c, i, nd, "cannot reshape %zu elements to %zu", x->size, size);
        return XN_OK;
    }
    int squeeze = strcmp(op, "Squeeze") == 0;
    int out_n = squeeze ? n : n + (int)nv;
    if (out_n > NN_MAX_DIMS) return node_fail(c, i, nd, "too many dimensions");
    unsigned char mark[NN_MAX_DIMS * 2] = {0};
    for (size_t k = 0; k < nv; k++) {
        int64_t a = vals[k] < 0 ? vals[k] + out_n : vals[k];
        if (a < 0 || a >= out_n)
            return node_fail(c, i, nd, "axis %lld is out of range", (long long)vals[k]);
        mark[a] = 1;
    }
    int m = 0;
    if (squeeze) {
        for (int k = 0; k < n; k++) {
            int drop = has ? mark[k] : x->dims[k] == 1;
            if (drop && x->dims[k] != 1)
                return node_fail(c, i, nd, "axis %d has size %lld, not 1", k,
                                 (long long)x->dims[k]);
            if (!drop) dims[m++] = x->dims[k];
        }
    } else {
        if (!has) return node_fail(c, i, nd, "no axes given");
        for (int k = 0, j = 0; k < out_n; k++) dims[m++] = mark[k] ? 1 : x->dims[j++];
    }
    *ndim = m;
    return XN_OK;
}

/* Shapes of the recurrent layers' inputs: X [seq, batch, in], W [1, G H, in], R [1, G H, H],
 * B [1, 2 G H], initial states [1, batch, H]. */
static xn_status rnn_check(ctx *c, int i, const Onnx__NodeProto *nd, nn_node *n, int gates) {
    xn_policy *p = c->p;
    const char *dir = NULL;
    const Onnx__AttributeProto *a = attr(nd, "direction");
    if (a && a->has_s) dir = (const char *)a->s.data;
    if (a && a->has_s && !(a->s.len == 7 && strncmp(dir, "forward", 7) == 0))
        return node_fail(c, i, nd, "only the forward direction is supported");
    if (attr_int(nd, "layout", 0) != 0) return node_fail(c, i, nd, "layout 1 is not supported");
    if (attr_int(nd, "input_forget", 0) != 0)
        return node_fail(c, i, nd, "input_forget is not supported");
    a = attr(nd, "activations");
    if (a && a->n_strings) {
        static const char *const lstm_default[3] = {"Sigmoid", "Tanh", "Tanh"};
        static const char *const gru_default[2] = {"Sigmoid", "Tanh"};
        size_t want = gates == 4 ? 3 : 2;
        int ok = a->n_strings == want;
        for (size_t k = 0; ok && k < want; k++) {
            const char *d = gates == 4 ? lstm_default[k] : gru_default[k];
            ok = a->strings[k].len == strlen(d) && memcmp(a->strings[k].data, d, strlen(d)) == 0;
        }
        if (!ok) return node_fail(c, i, nd, "only the default activations are supported");
    }
    n->hidden = (int)attr_int(nd, "hidden_size", 0);
    n->clip = attr_float(nd, "clip", 0);
    n->linear_before_reset = (int)attr_int(nd, "linear_before_reset", 0);
    if (n->nin < 3 || n->in[0] < 0 || n->in[1] < 0 || n->in[2] < 0)
        return node_fail(c, i, nd, "it needs X, W and R");
    const nn_tensor *X = &p->t[n->in[0]], *W = &p->t[n->in[1]], *R = &p->t[n->in[2]];
    int64_t H = n->hidden;
    if (H < 1 || H > 65536) return node_fail(c, i, nd, "hidden_size must be given and > 0");
    if (X->ndim != 3) return node_fail(c, i, nd, "X must be [sequence, batch, input]");
    if (!W->known || !R->known || !W->data || !R->data)
        return node_fail(c, i, nd, "W and R must be constant float tensors");
    if (W->ndim != 3 || W->dims[0] != 1 || W->dims[1] != gates * H || W->dims[2] != X->dims[2])
        return node_fail(c, i, nd, "W must be [1, %lld, %lld]", (long long)(gates * H),
                         (long long)X->dims[2]);
    if (R->ndim != 3 || R->dims[0] != 1 || R->dims[1] != gates * H || R->dims[2] != H)
        return node_fail(c, i, nd, "R must be [1, %lld, %lld]", (long long)(gates * H),
                         (long long)H);
    if (n->nin > 3 && n->in[3] >= 0) {
        const nn_tensor *B = &p->t[n->in[3]];
        if (!B->data || B->ndim != 2 || B->dims[0] != 1 || B->dims[1] != 2 * gates * H)
            return node_fail(c, i, nd, "B must be [1, %lld]", (long long)(2 * gates * H));
    }
    if (n->nin > 4 && n->in[4] >= 0)
        return node_fail(c, i, nd, "sequence_lens is not supported (every sequence is full)");
    for (int k = 5; k < 7 && k < n->nin; k++) {
        if (n->in[k] < 0) continue;
        const nn_tensor *S = &p->t[n->in[k]];
        if (!S->data || S->ndim != 3 || S->dims[0] != 1 || S->dims[1] != X->dims[1] ||
            S->dims[2] != H)
            return node_fail(c, i, nd, "the initial state must be [1, %lld, %lld]",
                             (long long)X->dims[1], (long long)H);
    }
    if (gates == 4 && n->nin > 7 && n->in[7] >= 0)
        return node_fail(c, i, nd, "peephole weights (P) are not supported");
    if (gates == 3 && n->nin > 6) return node_fail(c, i, nd, "GRU takes at most 6 inputs");
    return XN_OK;
}

/* Check node i, work out its outputs' shapes and buffers. */
static xn_status add_node(ctx *c, int i, const Onnx__NodeProto *nd) {
    xn_policy *p = c->p;
    nn_node *n = &p->node[p->nn];
    memset(n, 0, sizeof *n);
    if (!nd->op_type) return node_fail(c, i, nd, "it has no operator");
    if (nd->domain && nd->domain[0] && strcmp(nd->domain, "ai.onnx") != 0)
        return node_fail(c, i, nd, "operator domain '%s' is not supported", nd->domain);
    int found = 0;
    for (size_t k = 0; k < sizeof op_table / sizeof op_table[0]; k++)
        if (strcmp(op_table[k].name, nd->op_type) == 0) {
            n->op = op_table[k].op;
            found = 1;
        }
    if (!found) return node_fail(c, i, nd, "operator %s is not supported", nd->op_type);
    if (nd->n_input > NN_MAX_NODE_INPUTS || nd->n_output > NN_MAX_NODE_OUTPUTS)
        return node_fail(c, i, nd, "too many inputs or outputs");
    n->nin = (int)nd->n_input;
    for (int k = 0; k < n->nin; k++) {
        const char *name = nd->input[k];
        n->in[k] = -1;
        if (!name || !name[0]) continue;
        n->in[k] = find_tensor(p, name);
        if (n->in[k] < 0)
            return node_fail(c, i, nd, "input '%s' is not produced before this node", name);
    }
    n->nout = (int)nd->n_output;
    if (n->nout < 1) return node_fail(c, i, nd, "it has no output");
    for (int k = 0; k < n->nout; k++) {
        xn_status st = new_output(c, i, nd, k, &n->out[k]);
        if (st) return st;
    }
    nn_tensor *o = n->out[0] >= 0 ? &p->t[n->out[0]] : NULL;
    /* operators with one or two tensor inputs: they must all be there and be float */
    int need = n->op == NN_GEMM                                             ? 2
               : n->op == NN_MATMUL || (n->op >= NN_ADD && n->op <= NN_DIV) ? 2
                                                                            : 1;
    if (n->op != NN_CONSTANT && n->op != NN_LSTM && n->op != NN_GRU && n->op != NN_CONCAT) {
        for (int k = 0; k < need; k++)
            if (k >= n->nin || n->in[k] < 0 || !p->t[n->in[k]].data)
                return node_fail(c, i, nd, "input %d is missing or not a float tensor", k);
    }
    if (!o && n->op != NN_LSTM && n->op != NN_GRU)
        return node_fail(c, i, nd, "its output has no name");
    int64_t dims[NN_MAX_DIMS];
    int ndim = 0;
    switch (n->op) {
    case NN_GEMM: {
        const nn_tensor *A = &p->t[n->in[0]], *B = &p->t[n->in[1]];
        n->alpha = attr_float(nd, "alpha", 1);
        n->beta = attr_float(nd, "beta", 1);
        n->trans_a = (int)attr_int(nd, "transA", 0);
        n->trans_b = (int)attr_int(nd, "transB", 0);
        if (A->ndim != 2 || B->ndim != 2) return node_fail(c, i, nd, "A and B must be matrices");
        int64_t M = n->trans_a ? A->dims[1] : A->dims[0], K = n->trans_a ? A->dims[0] : A->dims[1];
        int64_t K2 = n->trans_b ? B->dims[1] : B->dims[0], N = n->trans_b ? B->dims[0] : B->dims[1];
        if (K != K2)
            return node_fail(c, i, nd, "A is %lld x %lld and B %lld x %lld: they do not multiply",
                             (long long)M, (long long)K, (long long)K2, (long long)N);
        dims[0] = M;
        dims[1] = N;
        ndim = 2;
        if (n->nin > 2 && n->in[2] >= 0) {
            nn_tensor Ct = {0};
            Ct.ndim = 2;
            Ct.dims[0] = M;
            Ct.dims[1] = N;
            int bd;
            int64_t bdims[NN_MAX_DIMS];
            const nn_tensor *C = &p->t[n->in[2]];
            if (!C->data || C->ndim > 2 || broadcast(&Ct, C, &bd, bdims) || bd != 2 ||
                bdims[0] != M || bdims[1] != N)
                return node_fail(c, i, nd, "C does not broadcast to %lld x %lld", (long long)M,
                                 (long long)N);
        }
        break;
    }
    case NN_MATMUL: {
        const nn_tensor *A = &p->t[n->in[0]], *B = &p->t[n->in[1]];
        if (B->ndim != 2 || A->ndim < 1)
            return node_fail(c, i, nd, "B must be a matrix (batched B is not supported)");
        int64_t K = A->dims[A->ndim - 1];
        if (K != B->dims[0])
            return node_fail(c, i, nd, "A's last dimension %lld does not match B's rows %lld",
                             (long long)K, (long long)B->dims[0]);
        ndim = A->ndim;
        memcpy(dims, A->dims, (size_t)ndim * sizeof *dims);
        dims[ndim - 1] = B->dims[1];
        break;
    }
    case NN_ADD:
    case NN_SUB:
    case NN_MUL:
    case NN_DIV:
        if (broadcast(&p->t[n->in[0]], &p->t[n->in[1]], &ndim, dims))
            return node_fail(c, i, nd, "the inputs' shapes do not broadcast");
        break;
    case NN_ELU:
    case NN_RELU:
    case NN_TANH:
    case NN_SIGMOID:
    case NN_SOFTSIGN:
    case NN_CLIP:
        n->alpha = attr_float(nd, "alpha", 1);
        ndim = p->t[n->in[0]].ndim;
        memcpy(dims, p->t[n->in[0]].dims, (size_t)ndim * sizeof *dims);
        if (n->op == NN_CLIP) {
            n->lo = attr_float(nd, "min", -INFINITY);
            n->hi = attr_float(nd, "max", INFINITY);
            for (int k = 1; k < 3 && k < n->nin; k++) {
                if (n->in[k] < 0) continue;
                const nn_tensor *b = &p->t[n->in[k]];
                if (!b->known || !b->data || b->size != 1)
                    return node_fail(c, i, nd, "min and max must be constant scalars");
                if (k == 1)
                    n->lo = b->data[0];
                else
                    n->hi = b->data[0];
            }
        }
        break;
    case NN_CONCAT: {
        if (n->nin < 1) return node_fail(c, i, nd, "it has no inputs");
        const nn_tensor *f = n->in[0] >= 0 ? &p->t[n->in[0]] : NULL;
        if (!f || !f->data) return node_fail(c, i, nd, "input 0 is missing or not float");
        int64_t axis = attr_int(nd, "axis", 0);
        if (axis < 0) axis += f->ndim;
        if (axis < 0 || axis >= f->ndim) return node_fail(c, i, nd, "axis is out of range");
        n->axis = (int)axis;
        ndim = f->ndim;
        memcpy(dims, f->dims, (size_t)ndim * sizeof *dims);
        dims[axis] = 0;
        for (int k = 0; k < n->nin; k++) {
            const nn_tensor *x = n->in[k] >= 0 ? &p->t[n->in[k]] : NULL;
            if (!x || !x->data || x->ndim != ndim)
                return node_fail(c, i, nd, "input %d is missing or has another rank", k);
            for (int d = 0; d < ndim; d++)
                if (d != axis && x->dims[d] != f->dims[d])
                    return node_fail(c, i, nd, "input %d's shape does not match input 0's", k);
            dims[axis] += x->dims[axis];
        }
        break;
    }
    case NN_RESHAPE: {
        xn_status st = view_shape(c, i, nd, &p->t[n->in[0]], &ndim, dims);
        if (st) return st;
        if (set_shape(o, ndim, dims)) return node_fail(c, i, nd, "the output shape is invalid");
        /* a view: the same row-major data */
        o->data = p->t[n->in[0]].data;
        o->known = p->t[n->in[0]].known;
        o->defined = 1;
        p->nn++;
        return XN_OK;
    }
    case NN_CONSTANT: {
        const Onnx__AttributeProto *a = attr(nd, "value");
        if (a && a->t) {
            xn_status st = read_tensor(c, a->t, o);
            if (st) return st;
        } else if ((a = attr(nd, "value_float")) != NULL ||
                   (a = attr(nd, "value_floats")) != NULL) {
            int64_t d0 = a->n_floats ? (int64_t)a->n_floats : 1;
            if (set_shape(o, a->n_floats ? 1 : 0, &d0) || alloc_data(c, o))
                return node_fail(c, i, nd, "invalid value");
            if (a->n_floats)
                memcpy(o->data, a->floats, a->n_floats * sizeof(float));
            else
                o->data[0] = a->f;
            o->known = 1;
        } else if ((a = attr(nd, "value_int")) != NULL || (a = attr(nd, "value_ints")) != NULL) {
            int64_t d0 = a->n_ints ? (int64_t)a->n_ints : 1;
            if (set_shape(o, a->n_ints ? 1 : 0, &d0)) return node_fail(c, i, nd, "invalid value");
            o->nints = o->size;
            o->ints = calloc(o->size, sizeof(int64_t));
            if (!o->ints) return fail(c, XN_ERR_NOMEM, "out of memory");
            if (a->n_ints)
                memcpy(o->ints, a->ints, a->n_ints * sizeof(int64_t));
            else
                o->ints[0] = a->i;
            o->known = 1;
        } else {
            return node_fail(c, i, nd, "it has no value (value, value_float(s), value_int(s))");
        }
        o->defined = 1;
        p->nn++;
        return XN_OK;
    }
    case NN_LSTM:
    case NN_GRU: {
        int gates = n->op == NN_LSTM ? 4 : 3;
        xn_status st = rnn_check(c, i, nd, n, gates);
        if (st) return st;
        const nn_tensor *X = &p->t[n->in[0]];
        int64_t H = n->hidden;
        int64_t ydims[4] = {X->dims[0], 1, X->dims[1], H}, sdims[3] = {1, X->dims[1], H};
        for (int k = 0; k < n->nout; k++) {
            if (n->out[k] < 0) continue;
            nn_tensor *t = &p->t[n->out[k]];
            if ((k == 0 ? set_shape(t, 4, ydims) : set_shape(t, 3, sdims)) || (gates == 3 && k > 1))
                return node_fail(c, i, nd, "output %d is invalid", k);
            st = alloc_data(c, t);
            if (st) return st;
            t->defined = 1;
        }
        size_t w = nn_work_size(p, n);
        n->work = calloc(w, sizeof(float));
        if (!n->work) return fail(c, XN_ERR_NOMEM, "out of memory");
        p->memory += w;
        p->nn++;
        return XN_OK;
    }
    }
    if (set_shape(o, ndim, dims)) return node_fail(c, i, nd, "the output shape is invalid");
    xn_status st = alloc_data(c, o);
    if (st) return st;
    o->defined = 1;
    p->nn++;
    return XN_OK;
}

static xn_status build(ctx *c, const Onnx__ModelProto *m) {
    xn_policy *p = c->p;
    const Onnx__GraphProto *g = m->graph;
    if (!g) return fail(c, XN_ERR_INVALID, "the model has no graph");
    for (size_t k = 0; k < m->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[k];
        if ((!o->domain || !o->domain[0]) && o->has_version && (o->version < 7 || o->version > 21))
            return fail(c, XN_ERR_UNSUPPORTED, "opset %lld is not supported (7 to 21)",
                        (long long)o->version);
    }
    /* initializers */
    for (size_t k = 0; k < g->n_initializer; k++) {
        const Onnx__TensorProto *tp = g->initializer[k];
        const char *name = tp->name ? tp->name : "";
        if (!name[0] || find_tensor(p, name) >= 0)
            return fail(c, XN_ERR_INVALID, "initializer %zu has no name or a repeated one", k);
        int idx = add_tensor(p, name);
        if (idx < 0) return fail(c, XN_ERR_NOMEM, "out of memory");
        xn_status st = read_tensor(c, tp, &p->t[idx]);
        if (st) return st;
        p->t[idx].defined = 1;
    }
    /* inputs (those that are not initializers) */
    for (size_t k = 0; k < g->n_input; k++) {
        const Onnx__ValueInfoProto *vi = g->input[k];
        if (!vi->name || find_tensor(p, vi->name) >= 0) continue;
        if (p->ninput >= NN_MAX_IO) return fail(c, XN_ERR_UNSUPPORTED, "too many inputs");
        const Onnx__TypeProto *tp = vi->type;
        if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
            tp->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
            return fail(c, XN_ERR_UNSUPPORTED, "input '%s' is not a float32 tensor", vi->name);
        const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
        int64_t dims[NN_MAX_DIMS];
        int nd = sh ? (int)sh->n_dim : 0;
        if (nd > NN_MAX_DIMS)
            return fail(c, XN_ERR_UNSUPPORTED, "input '%s' has too many dimensions", vi->name);
        for (int d = 0; d < nd; d++) {
            const Onnx__TensorShapeProto__Dimension *dm = sh->dim[d];
            /* a symbolic dimension (a batch) is one here */
            dims[d] = dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                          ? dm->dim_value
                          : 1;
        }
        int idx = add_tensor(p, vi->name);
        if (idx < 0) return fail(c, XN_ERR_NOMEM, "out of memory");
        if (set_shape(&p->t[idx], nd, dims))
            return fail(c, XN_ERR_INVALID, "input '%s' has an invalid shape", vi->name);
        xn_status st = alloc_data(c, &p->t[idx]);
        if (st) return st;
        p->t[idx].defined = 1;
        p->input[p->ninput++] = idx;
    }
    if (p->ninput == 0) return fail(c, XN_ERR_INVALID, "the graph has no inputs");
    p->node = calloc(g->n_node + 1, sizeof *p->node);
    if (!p->node) return fail(c, XN_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < g->n_node; k++) {
        xn_status st = add_node(c, (int)k, g->node[k]);
        if (st) return st;
    }
    for (size_t k = 0; k < g->n_output; k++) {
        const char *name = g->output[k]->name ? g->output[k]->name : "";
        int idx = find_tensor(p, name);
        if (idx < 0 || !p->t[idx].data)
            return fail(c, XN_ERR_INVALID, "output '%s' is not produced by the graph", name);
        if (p->noutput >= NN_MAX_IO) return fail(c, XN_ERR_UNSUPPORTED, "too many outputs");
        p->output[p->noutput++] = idx;
    }
    if (p->noutput == 0) return fail(c, XN_ERR_INVALID, "the graph has no outputs");
    return XN_OK;
}

xn_status xn_policy_load_buffer(const void *data, size_t n, const char *name, xn_policy **out,
                                xn_error *err) {
    *out = NULL;
    ctx c = {NULL, err, name ? name : "(memory)"};
    if (!data || n == 0) return fail(&c, XN_ERR_PARSE, "the file is empty");
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, n, data);
    if (!m) return fail(&c, XN_ERR_PARSE, "not an ONNX model (the protobuf does not parse)");
    c.p = calloc(1, sizeof *c.p);
    if (!c.p) {
        onnx__model_proto__free_unpacked(m, NULL);
        return fail(&c, XN_ERR_NOMEM, "out of memory");
    }
    xn_status st = build(&c, m);
    onnx__model_proto__free_unpacked(m, NULL);
    if (st) {
        xn_policy_free(c.p);
        return st;
    }
    *out = c.p;
    return XN_OK;
}

xn_status xn_policy_load(const char *path, xn_policy **out, xn_error *err) {
    *out = NULL;
    ctx c = {NULL, err, path};
    size_t n = 0;
    unsigned char *buf = (unsigned char *)nn_read_file(path, (size_t)1 << 31, &n);
    if (!buf) return fail(&c, XN_ERR_IO, "cannot open or read the file");
    xn_status st = xn_policy_load_buffer(buf, n, path, out, err);
    free(buf);
    return st;
}
