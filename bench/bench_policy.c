/* The policy runtime's speed on Unitree's G1 walking policy (LSTM 47->64, Gemm 64->32, Elu,
 * Gemm 32->12): one evaluation (median and p99 of repeats) beside the same network written as
 * plain matrix-vector loops, and the whole control cycle of the walking G1 in MuJoCo (read,
 * locomotion step with the policy every 10th cycle, write; physics excluded) against the 1 ms
 * budget of a 1 kHz loop. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "learn/policy_internal.h"
#include "xiaonao/locomotion.h"
#include "xiaonao/xiaonao.h"

#define G1 XN_POLICIES_DIR "/unitree_g1_walk/"

static const float *weights(const xn_policy *p, const char *name) {
    for (int i = 0; i < p->nt; i++)
        if (strcmp(p->t[i].name, name) == 0) return p->t[i].data;
    return NULL;
}

/* the same network as plain loops: the yardstick */
typedef struct {
    const float *W, *R, *B, *w1, *b1, *w2, *b2;
    float h[64], c[64];
} plain;

static float sig(float x) { return 1.0f / (1.0f + expf(-x)); }

static void plain_step(plain *n, const float *obs, float *act) {
    float g[256], y1[32];
    for (int r = 0; r < 256; r++) {
        float s = n->B[r] + n->B[256 + r];
        for (int k = 0; k < 47; k++) s += n->W[r * 47 + k] * obs[k];
        for (int k = 0; k < 64; k++) s += n->R[r * 64 + k] * n->h[k];
        g[r] = s;
    }
    for (int k = 0; k < 64; k++) {
        float i = sig(g[k]), o = sig(g[64 + k]), f = sig(g[128 + k]), c = tanhf(g[192 + k]);
        n->c[k] = f * n->c[k] + i * c;
        n->h[k] = o * tanhf(n->c[k]);
    }
    for (int r = 0; r < 32; r++) {
        float s = n->b1[r];
        for (int k = 0; k < 64; k++) s += n->w1[r * 64 + k] * n->h[k];
        y1[r] = s > 0 ? s : expf(s) - 1;
    }
    for (int r = 0; r < 12; r++) {
        float s = n->b2[r];
        for (int k = 0; k < 32; k++) s += n->w2[r * 32 + k] * y1[k];
        act[r] = s;
    }
}

#define REPEATS 20000

int main(void) {
    xn_error err;
    xn_policy *p = NULL;
    if (xn_policy_load(G1 "g1_walk.onnx", &p, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    xn_policy_bind_state_auto(p);
    plain n = {weights(p, "onnx::LSTM_100"),
               weights(p, "onnx::LSTM_101"),
               weights(p, "onnx::LSTM_102"),
               weights(p, "actor.0.weight"),
               weights(p, "actor.0.bias"),
               weights(p, "actor.2.weight"),
               weights(p, "actor.2.bias"),
               {0},
               {0}};
    float obs[47], act[12];
    for (int k = 0; k < 47; k++) obs[k] = 0.1f * sinf((float)k);
    static double t_rt[REPEATS], t_plain[REPEATS];
    float *in = xn_policy_input(p, xn_policy_find_input(p, "obs"));
    double check = 0;
    for (int r = 0; r < REPEATS; r++) {
        memcpy(in, obs, sizeof obs);
        double t0 = xb_now_ns();
        xn_policy_step(p);
        double t1 = xb_now_ns();
        plain_step(&n, obs, act);
        double t2 = xb_now_ns();
        t_rt[r] = t1 - t0;
        t_plain[r] = t2 - t1;
        const float *y = xn_policy_output(p, xn_policy_find_output(p, "action"));
        for (int k = 0; k < 12; k++) check = xb_max(check, fabs(y[k] - act[k]));
    }
    qsort(t_rt, REPEATS, sizeof(double), xb_cmp);
    qsort(t_plain, REPEATS, sizeof(double), xb_cmp);
    printf("### Policy evaluation (G1 walking policy, %d repeats)\n\n", REPEATS);
    printf("| | median (us) | p99 (us) |\n|---|---|---|\n");
    printf("| xiaonao policy runtime | %.2f | %.2f |\n", t_rt[REPEATS / 2] * 1e-3,
           t_rt[REPEATS * 99 / 100] * 1e-3);
    printf("| the same network as plain loops | %.2f | %.2f |\n", t_plain[REPEATS / 2] * 1e-3,
           t_plain[REPEATS * 99 / 100] * 1e-3);
    printf("| ratio | %.2f | |\n\n", t_rt[REPEATS / 2] / t_plain[REPEATS / 2]);
    printf("(the two agree to %.1e on every action)\n\n", check);

    /* the whole control cycle of the walking robot */
    xn_deploy d;
    xn_hal *hal = NULL;
    xn_locomotion *l = NULL;
    xn_mujoco_options mo;
    memset(&mo, 0, sizeof mo);
    if (xn_deploy_load(G1 "deploy.json", &d, &err)) return 1;
    mo.period_ns = (int64_t)llround(d.simulation_dt * 1e9);
    xn_policy_reset(p);
    if (xn_mujoco_open(XN_MODELS_DIR "/mjcf/unitree_g1_12dof/scene.xml", &mo, &hal, &err) ||
        xn_locomotion_create(&d, p, hal, &l, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    xn_locomotion_command(l, 0.5, 0, 0);
    enum { CYCLES = 30000 };
    static double cyc[CYCLES];
    double worst_policy = 0;
    for (int k = 0; k < CYCLES; k++) {
        double t0 = xb_now_ns();
        xn_hal_read(hal);
        xn_locomotion_step(l);
        xn_hal_write(hal);
        cyc[k] = xb_now_ns() - t0;
        if (k % d.decimation == d.decimation - 1) worst_policy = xb_max(worst_policy, cyc[k]);
        xn_hal_advance(hal);
    }
    qsort(cyc, CYCLES, sizeof(double), xb_cmp);
    printf(
        "### Control cycle of the walking G1 (%d cycles, %.0f s simulated; physics excluded)\n\n",
        CYCLES, CYCLES * d.simulation_dt);
    printf("| median (us) | p99 (us) | p99.9 (us) | max (us) | budget at 1 kHz (us) |\n");
    printf("|---|---|---|---|---|\n");
    printf("| %.2f | %.2f | %.2f | %.2f | 1000 |\n", cyc[CYCLES / 2] * 1e-3,
           cyc[CYCLES * 99 / 100] * 1e-3, cyc[CYCLES * 999 / 1000] * 1e-3, cyc[CYCLES - 1] * 1e-3);
    printf("\nstate at the end: %s\n",
           xn_locomotion_state(l) == XN_LOCO_RUNNING ? "walking" : xn_locomotion_reason(l));
    xn_locomotion_free(l);
    xn_hal_close(hal);
    xn_policy_free(p);
    return 0;
}
