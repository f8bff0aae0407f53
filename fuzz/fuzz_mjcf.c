/* libFuzzer harness for the MJCF loader. Includes resolve in an empty folder, so they fail
 * cleanly. SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_exercise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_mjcf_string((const char *)data, size, "fuzz.xml", "/nonexistent-fuzz-dir", NULL, &m,
                            &err) == XN_OK) {
        xn_fuzz_exercise(m);
    }
    return 0;
}
