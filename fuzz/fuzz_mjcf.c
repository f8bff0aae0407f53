/* libFuzzer harness for the MJCF loader. Includes resolve in an empty folder, so they fail
 * cleanly. SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>

#include "xiaonao/xiaonao.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_mjcf_string((const char *)data, size, "fuzz.xml", "/nonexistent-fuzz-dir", NULL, &m,
                            &err) == XN_OK) {
        xn_data *d = xn_data_create(m);
        if (d) {
            xn_dyn_crba(m, d, m->q_neutral);
            xn_dyn_aba(m, d, m->q_neutral, d->qdd, d->tau);
            xn_dyn_fk(m, d, m->q_neutral);
            xn_dyn_frames(m, d);
        }
        xn_data_free(d);
        xn_model_free(m);
    }
    return 0;
}
