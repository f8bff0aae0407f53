/* Every operator of the policy runtime against a direct computation in double precision, on
 * small models built here with protobuf-c (ONNX's own message types) and loaded from memory:
 * MatMul, Gemm (transposes, alpha, beta, broadcast C), Add/Sub/Mul/Div with broadcasting, the
 * activations, Clip, Concat, Reshape/Flatten/Squeeze/Unsqueeze/Identity, Constant, and GRU in
 * both reset modes. Tolerance 1e-5 (float32). Unsupported operators and bad shapes are refused
 * with the node named. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "test_util.h"
#include "xiaonao/policy.h"

/* ---- building models ---- */

#define MAXN 32

typedef struct {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    Onnx__NodeProto nodes[MAXN], *node_ptrs[MAXN];
    Onnx__TensorProto inits[MAXN], *init_ptrs[MAXN];
    Onnx__ValueInfoProto ins[MAXN], outs[MAXN], *in_ptrs[MAXN], *out_ptrs[MAXN];
    Onnx__TypeProto types[2 * MAXN];
    Onnx__TypeProto__Tensor ttypes[2 * MAXN];
    Onnx__TensorShapeProto shapes[2 * MAXN];
    Onnx__TensorShapeProto__Dimension dims[2 * MAXN][6], *dim_ptrs[2 * MAXN][6];
    Onnx__AttributeProto attrs[MAXN][4], *attr_ptrs[MAXN][4];
    char *strs[MAXN][8];
    int ntypes;
} builder;

static void b_init(builder *b, int opset) {
    memset(b, 0, sizeof *b);
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    onnx__operator_set_id_proto__init(&b->opset);
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opsets[0] = &b->opset;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.has_ir_version = 1;
    b->model.ir_version = 7;
    b->model.graph = &b->graph;
    b->graph.node = b->node_ptrs;
    b->graph.initializer = b->init_ptrs;
    b->graph.input = b->in_ptrs;
    b->graph.output = b->out_ptrs;
}

static Onnx__TypeProto *b_type(builder *b, int nd, const int64_t *d) {
    int k = b->ntypes++;
    onnx__type_proto__init(&b->types[k]);
    onnx__type_proto__tensor__init(&b->ttypes[k]);
    onnx__tensor_shape_proto__init(&b->shapes[k]);
    b->ttypes[k].has_elem_type = 1;
    b->ttypes[k].elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    b->ttypes[k].shape = &b->shapes[k];
    b->shapes[k].n_dim = (size_t)nd;
    b->shapes[k].dim = b->dim_ptrs[k];
    for (int i = 0; i < nd; i++) {
        onnx__tensor_shape_proto__dimension__init(&b->dims[k][i]);
        b->dims[k][i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        b->dims[k][i].dim_value = d[i];
        b->dim_ptrs[k][i] = &b->dims[k][i];
    }
    b->types[k].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    b->types[k].tensor_type = &b->ttypes[k];
    return &b->types[k];
}

static void b_input(builder *b, const char *name, int nd, const int64_t *d) {
    size_t i = b->graph.n_input++;
    onnx__value_info_proto__init(&b->ins[i]);
    b->ins[i].name = (char *)name;
    b->ins[i].type = b_type(b, nd, d);
    b->in_ptrs[i] = &b->ins[i];
}

static void b_output(builder *b, const char *name) {
    size_t i = b->graph.n_output++;
    onnx__value_info_proto__init(&b->outs[i]);
    b->outs[i].name = (char *)name;
    b->out_ptrs[i] = &b->outs[i];
}

static void b_init_float(builder *b, const char *name, int nd, int64_t *d, float *v) {
    size_t i = b->graph.n_initializer++;
    Onnx__TensorProto *t = &b->inits[i];
    onnx__tensor_proto__init(t);
    t->name = (char *)name;
    t->n_dims = (size_t)nd;
    t->dims = d;
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    size_t n = 1;
    for (int k = 0; k < nd; k++) n *= (size_t)d[k];
    t->n_float_data = n;
    t->float_data = v;
    b->init_ptrs[i] = t;
}

static void b_init_int(builder *b, const char *name, int64_t n, int64_t *v) {
    static int64_t dims[MAXN];
    size_t i = b->graph.n_initializer++;
    Onnx__TensorProto *t = &b->inits[i];
    onnx__tensor_proto__init(t);
    t->name = (char *)name;
    dims[i] = n;
    t->n_dims = 1;
    t->dims = &dims[i];
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    t->n_int64_data = (size_t)n;
    t->int64_data = v;
    b->init_ptrs[i] = t;
}

/* a node: inputs and outputs as "a,b|c" (empty names allowed) */
static Onnx__NodeProto *b_node(builder *b, const char *op, const char *ins, const char *outs) {
    size_t i = b->graph.n_node++;
    Onnx__NodeProto *n = &b->nodes[i];
    onnx__node_proto__init(n);
    n->op_type = (char *)op;
    n->name = (char *)op;
    static char *lists[MAXN][2][8];
    static char bufs[MAXN][2][128];
    const char *src[2] = {ins, outs};
    for (int w = 0; w < 2; w++) {
        snprintf(bufs[i][w], sizeof bufs[i][w], "%s", src[w]);
        size_t cnt = 0;
        char *s = bufs[i][w];
        while (cnt < 8) {
            lists[i][w][cnt++] = s;
            char *comma = strchr(s, ',');
            if (!comma) break;
            *comma = 0;
            s = comma + 1;
        }
        if (w == 0) {
            n->n_input = ins[0] ? cnt : 0;
            n->input = lists[i][w];
        } else {
            n->n_output = cnt;
            n->output = lists[i][w];
        }
    }
    n->attribute = b->attr_ptrs[i];
    b->node_ptrs[i] = n;
    return n;
}

static Onnx__AttributeProto *b_attr(builder *b, Onnx__NodeProto *n, const char *name) {
    size_t ni = (size_t)(n - b->nodes), k = n->n_attribute++;
    Onnx__AttributeProto *a = &b->attrs[ni][k];
    onnx__attribute_proto__init(a);
    a->name = (char *)name;
    b->attr_ptrs[ni][k] = a;
    return a;
}

static void attr_int(builder *b, Onnx__NodeProto *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = b_attr(b, n, name);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = v;
}

static void attr_float(builder *b, Onnx__NodeProto *n, const char *name, float v) {
    Onnx__AttributeProto *a = b_attr(b, n, name);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    a->has_f = 1;
    a->f = v;
}

static xn_policy *b_load(builder *b, xn_error *err) {
    size_t n = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = malloc(n);
    onnx__model_proto__pack(&b->model, buf);
    xn_policy *p = NULL;
    xn_policy_load_buffer(buf, n, "built.onnx", &p, err);
    free(buf);
    return p;
}

static void fill(float *x, size_t n, unsigned long *seed) {
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
        x[i] = (float)((double)(*seed >> 11) / 9007199254740992.0 * 2 - 1);
    }
}

static double worst(const float *got, const double *want, size_t n) {
    double w = 0;
    for (size_t i = 0; i < n; i++) w = xt_max(w, fabs(got[i] - want[i]));
    return w;
}

/* ---- the operators ---- */

static void dense(void) {
    builder b;
    xn_error err;
    unsigned long seed = 3;
    b_init(&b, 13);
    int64_t da[2] = {2, 3}, dW[2] = {3, 4}, dG[2] = {4, 3}, dC[1] = {4};
    float W[12], G[12], C[4];
    fill(W, 12, &seed);
    fill(G, 12, &seed);
    fill(C, 4, &seed);
    b_input(&b, "a", 2, da);
    b_init_float(&b, "W", 2, dW, W);
    b_init_float(&b, "G", 2, dG, G);
    b_init_float(&b, "C", 1, dC, C);
    b_node(&b, "MatMul", "a,W", "mm");
    Onnx__NodeProto *g = b_node(&b, "Gemm", "a,G,C", "gemm");
    attr_int(&b, g, "transB", 1);
    attr_float(&b, g, "alpha", 0.5f);
    attr_float(&b, g, "beta", 2.0f);
    b_output(&b, "mm");
    b_output(&b, "gemm");
    xn_policy *p = b_load(&b, &err);
    if (!p) {
        XT_CHECK(0, "dense model: %s", err.message);
        return;
    }
    float *a = xn_policy_input(p, 0);
    fill(a, 6, &seed);
    xn_policy_run(p);
    double mm[8], gm[8];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0, t = 0;
            for (int k = 0; k < 3; k++) {
                s += (double)a[i * 3 + k] * W[k * 4 + j];
                t += (double)a[i * 3 + k] * G[j * 3 + k];
            }
            mm[i * 4 + j] = s;
            gm[i * 4 + j] = 0.5 * t + 2.0 * C[j];
        }
    double e1 = worst(xn_policy_output(p, 0), mm, 8), e2 = worst(xn_policy_output(p, 1), gm, 8);
    XT_CHECK(e1 < 1e-5 && e2 < 1e-5, "MatMul %.1e, Gemm (transB, alpha, beta, C [4]) %.1e", e1, e2);
    xn_policy_free(p);
}

static void elementwise(void) {
    builder b;
    xn_error err;
    unsigned long seed = 5;
    b_init(&b, 13);
    int64_t dx[2] = {2, 3}, dr[1] = {3}, dc[2] = {2, 1}, dmin[1] = {1};
    float row[3], col[2], lo[1] = {-0.3f}, hi[1] = {0.4f};
    fill(row, 3, &seed);
    fill(col, 2, &seed);
    for (int k = 0; k < 3; k++) row[k] += 2; /* no division by ~0 */
    b_input(&b, "x", 2, dx);
    b_init_float(&b, "row", 1, dr, row);
    b_init_float(&b, "col", 2, dc, col);
    b_init_float(&b, "lo", 0, dmin, lo);
    b_init_float(&b, "hi", 0, dmin, hi);
    b_node(&b, "Add", "x,row", "add");
    b_node(&b, "Sub", "col,row", "sub");
    b_node(&b, "Mul", "x,col", "mul");
    b_node(&b, "Div", "x,row", "div");
    b_node(&b, "Relu", "x", "relu");
    attr_float(&b, b_node(&b, "Elu", "x", "elu"), "alpha", 0.5f);
    b_node(&b, "Tanh", "x", "tanh");
    b_node(&b, "Sigmoid", "x", "sig");
    b_node(&b, "Softsign", "x", "soft");
    b_node(&b, "Clip", "x,lo,hi", "clip");
    const char *names[10] = {"add", "sub",  "mul", "div",  "relu",
                             "elu", "tanh", "sig", "soft", "clip"};
    for (int k = 0; k < 10; k++) b_output(&b, names[k]);
    xn_policy *p = b_load(&b, &err);
    if (!p) {
        XT_CHECK(0, "elementwise model: %s", err.message);
        return;
    }
    float *x = xn_policy_input(p, 0);
    fill(x, 6, &seed);
    xn_policy_run(p);
    double w[10] = {0};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            double v = x[i * 3 + j], r = row[j], c = col[i];
            double want[10] = {v + r,
                               c - r,
                               v * c,
                               v / r,
                               v > 0 ? v : 0,
                               v > 0 ? v : 0.5 * (exp(v) - 1),
                               tanh(v),
                               1 / (1 + exp(-v)),
                               v / (1 + fabs(v)),
                               xt_min(xt_max(v, -0.3), 0.4)};
            for (int k = 0; k < 10; k++)
                w[k] = xt_max(w[k], fabs(xn_policy_output(p, k)[i * 3 + j] - want[k]));
        }
    for (int k = 0; k < 10; k++) XT_CHECK(w[k] < 1e-5, "%s: %.1e", names[k], w[k]);
    XT_CHECK(xn_policy_output_size(p, 1) == 6, "Sub broadcasts [2,1] - [3] to [2,3]");
    xn_policy_free(p);
}

static void shapes(void) {
    builder b;
    xn_error err;
    b_init(&b, 13);
    int64_t dx[3] = {2, 3, 4}, dy[3] = {2, 1, 4};
    b_input(&b, "x", 3, dx);
    b_input(&b, "y", 3, dy);
    int64_t shape[2] = {0, -1}, axes1[1] = {1}, axes0[1] = {0};
    b_init_int(&b, "shape", 2, shape);
    b_init_int(&b, "axes1", 1, axes1);
    b_init_int(&b, "axes0", 1, axes0);
    attr_int(&b, b_node(&b, "Concat", "x,y", "cat"), "axis", -2);
    b_node(&b, "Reshape", "cat,shape", "flat");
    b_node(&b, "Squeeze", "y,axes1", "sq");
    b_node(&b, "Unsqueeze", "sq,axes0", "unsq");
    attr_int(&b, b_node(&b, "Flatten", "x", "fl"), "axis", 2);
    b_node(&b, "Identity", "fl", "id");
    Onnx__NodeProto *c = b_node(&b, "Constant", "", "k");
    Onnx__AttributeProto *a = b_attr(&b, c, "value_floats");
    static float kv[3] = {1, 2, 3};
    a->n_floats = 3;
    a->floats = kv;
    b_node(&b, "Add", "flat,flat", "twice");
    b_output(&b, "cat");
    b_output(&b, "flat");
    b_output(&b, "unsq");
    b_output(&b, "id");
    b_output(&b, "k");
    b_output(&b, "twice");
    xn_policy *p = b_load(&b, &err);
    if (!p) {
        XT_CHECK(0, "shape model: %s", err.message);
        return;
    }
    float *x = xn_policy_input(p, 0), *y = xn_policy_input(p, 1);
    for (int i = 0; i < 24; i++) x[i] = (float)i;
    for (int i = 0; i < 8; i++) y[i] = (float)(100 + i);
    xn_policy_run(p);
    const float *cat = xn_policy_output(p, 0);
    /* [2, 4, 4]: each batch's 3 rows of x, then y's row */
    int ok = xn_policy_output_size(p, 0) == 32;
    for (int bt = 0; bt < 2 && ok; bt++)
        for (int r = 0; r < 4; r++)
            for (int k = 0; k < 4; k++) {
                float want = r < 3 ? (float)(bt * 12 + r * 4 + k) : (float)(100 + bt * 4 + k);
                ok &= cat[bt * 16 + r * 4 + k] == want;
            }
    XT_CHECK(ok, "Concat on axis -2");
    XT_CHECK(xn_policy_output_size(p, 1) == 32 && xn_policy_output(p, 1)[17] == cat[17] &&
                 xn_policy_output(p, 5)[17] == 2 * cat[17],
             "Reshape [0, -1] (a view)");
    XT_CHECK(xn_policy_output_size(p, 2) == 8 && xn_policy_output(p, 2)[5] == 105,
             "Squeeze and Unsqueeze by axes input");
    XT_CHECK(xn_policy_output_size(p, 3) == 24 && xn_policy_output(p, 3)[23] == 23,
             "Flatten and Identity");
    XT_CHECK(xn_policy_output_size(p, 4) == 3 && xn_policy_output(p, 4)[2] == 3,
             "Constant value_floats");
    xn_policy_free(p);
}

/* GRU against a double-precision implementation of ONNX's equations */
static void gru(int linear_before_reset) {
    builder b;
    xn_error err;
    unsigned long seed = 11 + (unsigned long)linear_before_reset;
    const int H = 3, I = 2, S = 2;
    b_init(&b, 13);
    int64_t dx[3] = {S, 1, I}, dh[3] = {1, 1, H}, dW[3] = {1, 3 * H, I}, dR[3] = {1, 3 * H, H},
            dB[2] = {1, 6 * H};
    static float W[18], R[27], B[18];
    fill(W, 18, &seed);
    fill(R, 27, &seed);
    fill(B, 18, &seed);
    b_input(&b, "x", 3, dx);
    b_input(&b, "h0", 3, dh);
    b_init_float(&b, "W", 3, dW, W);
    b_init_float(&b, "R", 3, dR, R);
    b_init_float(&b, "B", 2, dB, B);
    Onnx__NodeProto *n = b_node(&b, "GRU", "x,W,R,B,,h0", "Y,Yh");
    attr_int(&b, n, "hidden_size", H);
    attr_int(&b, n, "linear_before_reset", linear_before_reset);
    b_output(&b, "Y");
    b_output(&b, "Yh");
    xn_policy *p = b_load(&b, &err);
    if (!p) {
        XT_CHECK(0, "GRU model: %s", err.message);
        return;
    }
    float *x = xn_policy_input(p, 0), *h0 = xn_policy_input(p, 1);
    fill(x, (size_t)(S * I), &seed);
    fill(h0, (size_t)H, &seed);
    xn_policy_run(p);
    double h[3], Y[6];
    for (int k = 0; k < H; k++) h[k] = h0[k];
    for (int t = 0; t < S; t++) {
        double z[3], r[3], nn[3];
        for (int k = 0; k < H; k++) {
            double gz = B[k] + B[3 * H + k], gr = B[H + k] + B[4 * H + k];
            for (int j = 0; j < I; j++) {
                gz += W[k * I + j] * x[t * I + j];
                gr += W[(H + k) * I + j] * x[t * I + j];
            }
            for (int j = 0; j < H; j++) {
                gz += R[k * H + j] * h[j];
                gr += R[(H + k) * H + j] * h[j];
            }
            z[k] = 1 / (1 + exp(-gz));
            r[k] = 1 / (1 + exp(-gr));
        }
        for (int k = 0; k < H; k++) {
            double gx = B[2 * H + k], rec = 0;
            for (int j = 0; j < I; j++) gx += W[(2 * H + k) * I + j] * x[t * I + j];
            if (linear_before_reset) {
                for (int j = 0; j < H; j++) rec += R[(2 * H + k) * H + j] * h[j];
                rec = r[k] * (rec + B[5 * H + k]);
            } else {
                for (int j = 0; j < H; j++) rec += R[(2 * H + k) * H + j] * r[j] * h[j];
                rec += B[5 * H + k];
            }
            nn[k] = tanh(gx + rec);
        }
        for (int k = 0; k < H; k++) {
            h[k] = (1 - z[k]) * nn[k] + z[k] * h[k];
            Y[t * H + k] = h[k];
        }
    }
    double e = xt_max(worst(xn_policy_output(p, 0), Y, 6), worst(xn_policy_output(p, 1), Y + 3, 3));
    XT_CHECK(e < 1e-5, "GRU (linear_before_reset %d): %.1e", linear_before_reset, e);
    xn_policy_free(p);
}

static void refused(void) {
    builder b;
    xn_error err;
    int64_t dx[2] = {1, 4};
    b_init(&b, 13);
    b_input(&b, "x", 2, dx);
    b_node(&b, "Softmax", "x", "y");
    b_output(&b, "y");
    XT_CHECK(!b_load(&b, &err) && strstr(err.message, "node 0 ('Softmax', Softmax)") &&
                 strstr(err.message, "not supported"),
             "unsupported operator: %s", err.message);
    b_init(&b, 13);
    int64_t dW[2] = {5, 3};
    static float W[15];
    b_input(&b, "x", 2, dx);
    b_init_float(&b, "W", 2, dW, W);
    b_node(&b, "MatMul", "x,W", "y");
    b_output(&b, "y");
    XT_CHECK(!b_load(&b, &err) && strstr(err.message, "does not match"),
             "shapes that do not multiply: %s", err.message);
    b_init(&b, 13);
    b_input(&b, "x", 2, dx);
    b_node(&b, "Relu", "nothing", "y");
    b_output(&b, "y");
    XT_CHECK(!b_load(&b, &err) && strstr(err.message, "'nothing' is not produced"),
             "a missing input: %s", err.message);
}

int main(void) {
    dense();
    elementwise();
    shapes();
    gru(0);
    gru(1);
    refused();
    return xt_done("test_nn_ops");
}
