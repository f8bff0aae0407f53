/* The recurrent layers, as ONNX defines them (one layer, forward, default activations):
 *
 * LSTM, gates in the order i, o, f, c (W = [W_i; W_o; W_f; W_c], B = [Wb; Rb]):
 *   i = s(x W_i' + h R_i' + b_i), f = s(.. f ..), g = tanh(.. c ..), o = s(.. o ..)
 *   c' = f c + i g,  h' = o tanh(c')
 * GRU, gates in the order z, r, h:
 *   z = s(x W_z' + h R_z' + b_z), r = s(.. r ..)
 *   n = tanh(x W_h' + (r h) R_h' + Rb_h + Wb_h)         (linear_before_reset = 0)
 *   n = tanh(x W_h' + r (h R_h' + Rb_h) + Wb_h)         (otherwise)
 *   h' = (1 - z) n + z h
 * with s the logistic function; `clip` bounds the gates' inputs when given. Float32 throughout,
 * as the networks were trained. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "learn/policy_internal.h"

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static float clipped(float x, float c) { return c > 0 ? (x < -c ? -c : (x > c ? c : x)) : x; }

/* y[r] = sum_k M[r, k] v[k] for G H rows; y starts at the bias (or zero) */
static void affine(const float *M, const float *v, const float *bias, int rows, int cols,
                   float *y) {
    for (int r = 0; r < rows; r++) {
        float s = bias ? bias[r] : 0;
        const float *m = M + (size_t)r * (size_t)cols;
        for (int k = 0; k < cols; k++) s += m[k] * v[k];
        y[r] = s;
    }
}

size_t nn_work_size(const xn_policy *p, const nn_node *n) {
    (void)p;
    size_t H = (size_t)n->hidden;
    return n->op == NN_LSTM ? 4 * H + 4 * H + 2 * H : 3 * H + 3 * H + H;
}

void nn_lstm(xn_policy *p, const nn_node *n) {
    const nn_tensor *X = &p->t[n->in[0]], *W = &p->t[n->in[1]], *R = &p->t[n->in[2]];
    const float *B = n->nin > 3 && n->in[3] >= 0 ? p->t[n->in[3]].data : NULL;
    const float *h0 = n->nin > 5 && n->in[5] >= 0 ? p->t[n->in[5]].data : NULL;
    const float *c0 = n->nin > 6 && n->in[6] >= 0 ? p->t[n->in[6]].data : NULL;
    int H = n->hidden, in = (int)X->dims[2], seq = (int)X->dims[0], batch = (int)X->dims[1];
    float *gx = n->work, *gh = gx + 4 * H, *h = gh + 4 * H, *c = h + H;
    float *Y = n->out[0] >= 0 ? p->t[n->out[0]].data : NULL;
    float *Yh = n->nout > 1 && n->out[1] >= 0 ? p->t[n->out[1]].data : NULL;
    float *Yc = n->nout > 2 && n->out[2] >= 0 ? p->t[n->out[2]].data : NULL;
    for (int bt = 0; bt < batch; bt++) {
        for (int k = 0; k < H; k++) {
            h[k] = h0 ? h0[bt * H + k] : 0;
            c[k] = c0 ? c0[bt * H + k] : 0;
        }
        for (int t = 0; t < seq; t++) {
            const float *x = X->data + ((size_t)t * (size_t)batch + (size_t)bt) * (size_t)in;
            affine(W->data, x, B, 4 * H, in, gx);
            affine(R->data, h, B ? B + 4 * H : NULL, 4 * H, H, gh);
            for (int k = 0; k < H; k++) {
                float gi = sigmoid(clipped(gx[k] + gh[k], n->clip));
                float go = sigmoid(clipped(gx[H + k] + gh[H + k], n->clip));
                float gf = sigmoid(clipped(gx[2 * H + k] + gh[2 * H + k], n->clip));
                float gc = tanhf(clipped(gx[3 * H + k] + gh[3 * H + k], n->clip));
                c[k] = gf * c[k] + gi * gc;
                gx[k] = go; /* keep o until every c is done */
            }
            for (int k = 0; k < H; k++) {
                h[k] = gx[k] * tanhf(c[k]);
                if (Y) Y[((size_t)t * (size_t)batch + (size_t)bt) * (size_t)H + (size_t)k] = h[k];
            }
        }
        if (Yh) memcpy(Yh + bt * H, h, (size_t)H * sizeof(float));
        if (Yc) memcpy(Yc + bt * H, c, (size_t)H * sizeof(float));
    }
}

void nn_gru(xn_policy *p, const nn_node *n) {
    const nn_tensor *X = &p->t[n->in[0]], *W = &p->t[n->in[1]], *R = &p->t[n->in[2]];
    const float *B = n->nin > 3 && n->in[3] >= 0 ? p->t[n->in[3]].data : NULL;
    const float *h0 = n->nin > 5 && n->in[5] >= 0 ? p->t[n->in[5]].data : NULL;
    int H = n->hidden, in = (int)X->dims[2], seq = (int)X->dims[0], batch = (int)X->dims[1];
    float *gx = n->work, *gh = gx + 3 * H, *h = gh + 3 * H;
    float *Y = n->out[0] >= 0 ? p->t[n->out[0]].data : NULL;
    float *Yh = n->nout > 1 && n->out[1] >= 0 ? p->t[n->out[1]].data : NULL;
    const float *Rb = B ? B + 3 * H : NULL;
    for (int bt = 0; bt < batch; bt++) {
        for (int k = 0; k < H; k++) h[k] = h0 ? h0[bt * H + k] : 0;
        for (int t = 0; t < seq; t++) {
            const float *x = X->data + ((size_t)t * (size_t)batch + (size_t)bt) * (size_t)in;
            affine(W->data, x, B, 3 * H, in, gx);
            /* z and r: h R' + Rb; the candidate's recurrent part depends on the reset mode */
            affine(R->data, h, Rb, 2 * H, H, gh);
            for (int k = 0; k < 2 * H; k++) gx[k] = sigmoid(clipped(gx[k] + gh[k], n->clip));
            const float *Rh = R->data + (size_t)(2 * H) * (size_t)H;
            for (int k = 0; k < H; k++) {
                float r = gx[H + k], s = 0;
                const float *row = Rh + (size_t)k * (size_t)H;
                if (n->linear_before_reset) {
                    for (int j = 0; j < H; j++) s += row[j] * h[j];
                    s = r * (s + (Rb ? Rb[2 * H + k] : 0));
                } else {
                    for (int j = 0; j < H; j++) s += row[j] * (gx[H + j] * h[j]);
                    s += Rb ? Rb[2 * H + k] : 0;
                }
                gh[2 * H + k] = tanhf(clipped(gx[2 * H + k] + s, n->clip));
            }
            for (int k = 0; k < H; k++) {
                float z = gx[k];
                h[k] = (1 - z) * gh[2 * H + k] + z * h[k];
                if (Y) Y[((size_t)t * (size_t)batch + (size_t)bt) * (size_t)H + (size_t)k] = h[k];
            }
        }
        if (Yh) memcpy(Yh + bt * H, h, (size_t)H * sizeof(float));
    }
}
