/* libFuzzer harness for the ONNX loader: any bytes must load or fail with a message naming the
 * file; a model that loads is evaluated on inputs taken from the data, twice (with recurrent
 * state fed back), without crashing. The seed is Unitree's G1 walking policy.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_error err;
    xn_policy *p = NULL;
    if (xn_policy_load_buffer(data, size, "fuzz.onnx", &p, &err) != XN_OK) {
        if (strcmp(err.file, "fuzz.onnx") != 0 || !err.message[0]) abort(); /* a clear error */
        return 0;
    }
    xn_policy_bind_state_auto(p);
    for (int i = 0; i < xn_policy_ninputs(p); i++) {
        float *in = xn_policy_input(p, i);
        size_t n = xn_policy_input_size(p, i);
        for (size_t k = 0; k < n; k++) in[k] = size ? (float)(data[k % size]) / 64.0f - 2.0f : 0;
    }
    xn_policy_step(p);
    xn_policy_step(p);
    xn_policy_free(p);
    return 0;
}
