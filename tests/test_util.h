/* Minimal test harness: checks are counted; the program prints "N passed, N failed" and exits
 * non-zero on any failure. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_TEST_UTIL_H
#define XN_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int xt_pass, xt_fail;

#define XT_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            xt_pass++;                                                                             \
        } else {                                                                                   \
            xt_fail++;                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

/* The larger and the smaller of two values, NaN if either is NaN. fmax(worst, NaN) is worst, so
 * an error accumulated with fmax stays small when the code under test returns NaN and its check
 * passes; accumulated with these, the NaN reaches the check and `worst < tol` fails. */
static inline double xt_max(double a, double b) { return a != a || b != b ? NAN : a > b ? a : b; }
static inline double xt_min(double a, double b) { return a != a || b != b ? NAN : a < b ? a : b; }

/* |a - b| within tol, absolute, or relative to |b| where |b| > 1 */
static inline double xt_err(double a, double b) {
    double d = fabs(a - b), s = fabs(b);
    return s > 1 ? d / s : d;
}

/* The largest |got - want| over the n entries where mask is set (NULL: all), relative to the
 * largest |want| among them (at least 1): a whole result judged against its own size. NaN
 * anywhere gives NaN. */
static inline double xt_err_scaled(const double *got, const double *want, int n,
                                   const unsigned char *mask) {
    double scale = 1, e = 0;
    for (int i = 0; i < n; i++)
        if (!mask || mask[i]) scale = xt_max(scale, fabs(want[i]));
    for (int i = 0; i < n; i++)
        if (!mask || mask[i]) e = xt_max(e, fabs(got[i] - want[i]) / scale);
    return e;
}

static inline int xt_done(const char *name) {
    printf("%s: %d passed, %d failed\n", name, xt_pass, xt_fail);
    return xt_fail ? 1 : 0;
}

/* Read a whole file (NUL-terminated); exits the test on failure. */
static inline char *xt_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    b[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return b;
}

#endif
