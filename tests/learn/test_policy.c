/* The policy runtime on Unitree's G1 walking policy (LSTM, Gemm, Elu): every action of the
 * reference sequences (the original PyTorch policy, float32) within 1e-5, each sequence from a
 * zero recurrent state; evaluation allocates nothing; NaN observations are refused; truncated
 * and corrupted files are refused with a clear error. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "io/json.h"
#include "test_util.h"
#include "xiaonao/policy.h"

#define G1_POLICY XN_POLICIES_DIR "/unitree_g1_walk/g1_walk.onnx"
#define G1_REFERENCE XN_POLICIES_DIR "/unitree_g1_walk/reference_io.jsonl"

static void reference(void) {
    xn_error err;
    xn_policy *p = NULL;
    if (xn_policy_load(G1_POLICY, &p, &err) != XN_OK) {
        XT_CHECK(0, "load: %s: %s", err.file, err.message);
        return;
    }
    XT_CHECK(xn_policy_ninputs(p) == 3 && xn_policy_noutputs(p) == 3 &&
                 xn_policy_input_size(p, xn_policy_find_input(p, "obs")) == 47 &&
                 xn_policy_output_size(p, xn_policy_find_output(p, "action")) == 12,
             "inputs obs [47], h_in, c_in; outputs action [12], h_out, c_out");
    XT_CHECK(xn_policy_bind_state_auto(p) == 2, "h and c bound as recurrent state");
    size_t len;
    char *text = xt_slurp(G1_REFERENCE, &len);
    if (!text) {
        XT_CHECK(0, "reference file");
        xn_policy_free(p);
        return;
    }
    int obs = xn_policy_find_input(p, "obs"), act = xn_policy_find_output(p, "action");
    double worst = 0;
    int lines = 0, sequences = 0;
    long allocs = 0;
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char eb[128];
        xn_json *j = xn_json_parse(line, n, eb, sizeof eb);
        line = end ? end + 1 : NULL;
        if (!j) continue;
        double o[47], a[12];
        int no = xn_json_reals(xn_json_get(j, "obs"), o, 47);
        int na = xn_json_reals(xn_json_get(j, "action"), a, 12);
        const xn_json *step = xn_json_get(j, "step");
        if (no == 47 && na == 12 && step) {
            if (step->num == 0) {
                xn_policy_reset(p);
                sequences++;
            }
            float *in = xn_policy_input(p, obs);
            for (int k = 0; k < 47; k++) in[k] = (float)o[k];
            xt_allocs = 0;
            xt_counting = 1;
            xn_status st = xn_policy_step(p);
            xt_counting = 0;
            allocs += xt_allocs;
            const float *y = xn_policy_output(p, act);
            for (int k = 0; k < 12 && st == XN_OK; k++) worst = xt_max(worst, fabs(y[k] - a[k]));
            lines++;
        }
        xn_json_free(j);
    }
    free(text);
    XT_CHECK(lines == 700 && sequences == 2, "%d reference steps in %d sequences", lines,
             sequences);
    XT_CHECK(worst < 1e-5, "every action within 1e-5 of PyTorch's: worst %.2e", worst);
    XT_CHECK(allocs == 0, "%ld allocations in %d policy steps", allocs, lines);
    printf("G1 policy: %d steps, worst |action - reference| %.2e, %zu floats held, %d nodes\n",
           lines, worst, xn_policy_memory(p), xn_policy_nnodes(p));
    /* a NaN observation is refused, the outputs left alone */
    float *in = xn_policy_input(p, obs);
    in[5] = NAN;
    XT_CHECK(xn_policy_run(p) == XN_ERR_RANGE, "a NaN observation is refused");
    xn_policy_free(p);
}

static void bad_files(void) {
    size_t len;
    char *data = xt_slurp(G1_POLICY, &len);
    if (!data) return;
    xn_error err;
    xn_policy *p = NULL;
    /* truncated at many places: refused, never a crash */
    int refused = 0, tries = 0;
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        tries++;
        if (xn_policy_load_buffer(data, cut, "cut.onnx", &p, &err) != XN_OK)
            refused++;
        else
            xn_policy_free(p);
    }
    XT_CHECK(refused == tries, "every truncated copy refused (%d of %d)", refused, tries);
    XT_CHECK(xn_policy_load_buffer(data, 10, "cut.onnx", &p, &err) != XN_OK &&
                 strstr(err.file, "cut.onnx") && err.message[0],
             "a clear error: %s", err.message);
    /* bytes flipped: refused or loaded, never a crash (the sanitizers watch) */
    unsigned long seed = 7;
    for (int k = 0; k < 200; k++) {
        char *copy = malloc(len);
        memcpy(copy, data, len);
        for (int f = 0; f < 4; f++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            copy[(seed >> 33) % len] ^= (char)(1 + (seed >> 20) % 255);
        }
        if (xn_policy_load_buffer(copy, len, "flipped.onnx", &p, &err) == XN_OK) {
            xn_policy_run(p);
            xn_policy_free(p);
        }
        free(copy);
    }
    XT_CHECK(xn_policy_load("/nonexistent.onnx", &p, &err) == XN_ERR_IO && !p, "a missing file: %s",
             err.message);
    free(data);
}

int main(void) {
    reference();
    bad_files();
    return xt_done("test_policy");
}
