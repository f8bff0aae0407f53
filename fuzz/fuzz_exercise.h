/* What the fuzz harnesses do with a model that loads: it must also compute, without crashing.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_FUZZ_EXERCISE_H
#define XN_FUZZ_EXERCISE_H

#include "xiaonao/xiaonao.h"

static void xn_fuzz_exercise(xn_model *m) {
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

#endif
