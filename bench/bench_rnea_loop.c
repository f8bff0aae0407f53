/* The C side of bench/bench_python.py: RNEA over the states the script wrote (rows of q, v, a,
 * float64) in a plain C loop, timed as the module's rnea_batch is: the median of repeats of the
 * whole loop, and of single calls. Usage: bench_rnea_loop MODEL STATES_FILE ROWS REPEATS.
 * Prints "loop_ns_per_row X" and "call_ns Y". SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "xiaonao/xiaonao.h"

int main(int argc, char **argv) {
    if (argc < 5) return 2;
    xn_model *m;
    xn_error err;
    if (xn_load_model(argv[1], NULL, &m, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    long rows = atol(argv[3]);
    int repeats = atoi(argv[4]), nq = m->nq, nv = m->nv;
    size_t per = (size_t)(nq + 2 * nv), count = (size_t)rows * per;
    double *s = malloc(count * sizeof(double)), *out = malloc((size_t)rows * (size_t)nv * 8);
    FILE *f = fopen(argv[2], "rb");
    if (!s || !out || !f || fread(s, sizeof(double), count, f) != count) return 1;
    fclose(f);
    xn_data *d = xn_data_create(m);
    double *t = malloc((size_t)repeats * sizeof(double)), sink = 0;
    for (int r = 0; r < repeats; r++) {
        double t0 = xb_now_ns();
        for (long i = 0; i < rows; i++) {
            const double *x = s + (size_t)i * per;
            xn_dyn_rnea(m, d, x, x + nq, x + nq + nv);
            memcpy(out + (size_t)i * (size_t)nv, d->tau, (size_t)nv * sizeof(double));
        }
        t[r] = (xb_now_ns() - t0) / (double)rows;
        sink += out[0];
    }
    printf("loop_ns_per_row %.2f\n", xb_median(t, repeats));
    for (int r = 0; r < repeats; r++) {
        double t0 = xb_now_ns();
        for (int k = 0; k < 1000; k++) xn_dyn_rnea(m, d, s, s + nq, s + nq + nv);
        t[r] = (xb_now_ns() - t0) / 1000;
        sink += d->tau[0];
    }
    printf("call_ns %.2f\n", xb_median(t, repeats));
    fprintf(stderr, "(sink %g)\n", sink);
    xn_data_free(d);
    xn_model_free(m);
    free(s);
    free(out);
    free(t);
    return 0;
}
