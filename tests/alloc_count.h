/* Counting allocations for the no-allocation tests. The test program links with
 * ${XN_WRAP_ALLOC} (tests/CMakeLists.txt: --wrap of malloc, calloc, realloc, posix_memalign and
 * aligned_alloc), so every allocation call made while xt_counting is set increments xt_allocs.
 * Include in exactly one file of a test program.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ALLOC_COUNT_H
#define XN_ALLOC_COUNT_H

#include <stddef.h>

static int xt_counting;
static long xt_allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);

void *__wrap_malloc(size_t n) {
    if (xt_counting) xt_allocs++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t a, size_t b) {
    if (xt_counting) xt_allocs++;
    return __real_calloc(a, b);
}
void *__wrap_realloc(void *p, size_t n) {
    if (xt_counting) xt_allocs++;
    return __real_realloc(p, n);
}
int __wrap_posix_memalign(void **p, size_t align, size_t n) {
    if (xt_counting) xt_allocs++;
    return __real_posix_memalign(p, align, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n) {
    if (xt_counting) xt_allocs++;
    return __real_aligned_alloc(align, n);
}

#endif
