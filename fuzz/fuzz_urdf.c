/* libFuzzer harness for the URDF loader: any bytes must load or fail with a message, never crash,
 * hang or leak. SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>

#include "xiaonao/xiaonao.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_options opt = {size & 1, (size >> 1) & 1}; /* vary the options with the input */
    if (xn_load_urdf_string((const char *)data, size, "fuzz.urdf", &opt, &m, &err) == XN_OK) {
        /* a model that loads must also compute */
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
