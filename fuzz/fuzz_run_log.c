/* libFuzzer harness for the reader of `xn run` CSV logs (tools/xn/run_log.c: xn identify and the
 * other analyses of logs): any bytes must be read or refused with a message, never crash, hang
 * or leave rows whose numbers are not finite or whose time does not increase.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    xn_log log;
    if (xn_log_parse(text, "fuzz.csv", &log) == 0) {
        if (log.nrow < 3 || log.nj < 1) abort();
        for (int r = 0; r < log.nrow; r++) {
            if (!isfinite(log.t[r]) || (r > 0 && !(log.t[r] > log.t[r - 1]))) abort();
            for (int j = 0; j < log.nj; j++)
                if (!isfinite(log.q[r * log.nj + j] + log.qd[r * log.nj + j] +
                              log.tau[r * log.nj + j]))
                    abort();
        }
        xn_log_free(&log);
    }
    free(text);
    return 0;
}
