/* SPDX-License-Identifier: MIT */
/* Internals shared by every module: failure reporting, checked size arithmetic
 * and the allocator hooks. Nothing here is exported. */
#ifndef TRM_COMMON_PRIVATE_H
#define TRM_COMMON_PRIVATE_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainmetrics/common.h"

#define TRM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Records "func: detail" as this thread's last error and returns code, so a
 * failing path reads `return TRM_FAIL(TRM_E_LABEL, "...", ...);`. */
int trm__fail(int code, const char *func, const char *fmt, ...) TRM_PRINTF(3, 4);
#define TRM_FAIL(code, ...) trm__fail((code), __func__, __VA_ARGS__)
/* The same on behalf of the public function `func` (shared by two public names). */
#define TRM_FAIL_IN(func, code, ...) trm__fail((code), (func), __VA_ARGS__)

/* Every public entry point names the NULL argument it was given; the _IN form
 * is for static helpers that report on behalf of the public function `func`. */
#define TRM_REQUIRE_IN(func, ptr)                                           \
    do {                                                                    \
        if ((ptr) == NULL)                                                  \
            return trm__fail(TRM_E_INVALID, (func), "%s is NULL", #ptr);    \
    } while (0)
#define TRM_REQUIRE(ptr) TRM_REQUIRE_IN(__func__, ptr)

static inline bool trm__mul_overflows(size_t a, size_t b, size_t *product)
{
    return __builtin_mul_overflow(a, b, product);
}

static inline bool trm__add_overflows(size_t a, size_t b, size_t *sum)
{
    return __builtin_add_overflow(a, b, sum);
}

/* A NULL allocator means malloc/free; a copy is kept in each handle so the
 * caller's struct need not outlive the call. An allocator with one hook but
 * not the other is refused with TRM_E_INVALID, reported for `func`. */
int trm__allocator_copy(const char *func, trm_allocator *dst, const trm_allocator *src);
void *trm__alloc(const trm_allocator *a, size_t size);
void *trm__alloc_zeroed(const trm_allocator *a, size_t size);
void trm__free(const trm_allocator *a, void *ptr);

/* A handle and its arrays are one allocation: the struct, rounded up to 16
 * bytes so the arrays after it are aligned for vector loads, then the arrays. */
#define TRM__HEADER_SIZE(type) ((sizeof(type) + 15) & ~(size_t)15)

/* ---- whole-batch validation ----------------------------------------------- */

/* Inputs are checked in blocks of this many elements: the verdict of a block
 * is an OR over branch-free tests, which the compiler vectorizes; only a block
 * that holds a bad element is scanned again to name the first one. */
#define TRM__SCAN_BLOCK ((size_t)4096)

/* End of the block of `block` elements that starts at `start`, of n in all. */
static inline size_t trm__block_end_by(size_t start, size_t n, size_t block)
{
    return n - start > block ? start + block : n;
}

static inline size_t trm__block_end(size_t start, size_t n)
{
    return trm__block_end_by(start, n, TRM__SCAN_BLOCK);
}

/* Negative labels wrap to huge unsigned values, so one compare covers both ends. */
static inline uint64_t trm__outside(int64_t label, size_t k)
{
    return (uint64_t)label >= (uint64_t)k;
}

/* NaN fails the comparison, so one test covers NaN and both infinities. */
static inline unsigned trm__not_finite_f32(float x)
{
    return !(fabsf(x) <= FLT_MAX);
}

static inline unsigned trm__not_finite_f64(double x)
{
    return !(fabs(x) <= DBL_MAX);
}

#endif /* TRM_COMMON_PRIVATE_H */
