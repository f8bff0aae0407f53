/* libFuzzer harness for the URDF loader: any bytes must load or fail with a message, never crash,
 * hang or leak. SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_exercise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_options opt = {size & 1, (size >> 1) & 1}; /* vary the options with the input */
    if (xn_load_urdf_string((const char *)data, size, "fuzz.urdf", &opt, &m, &err) == XN_OK) {
        xn_fuzz_exercise(m);
    }
    return 0;
}
