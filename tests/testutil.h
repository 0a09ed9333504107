/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Check suites: failure assertions and state snapshots. */
#ifndef TRM_TESTUTIL_H
#define TRM_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

#include "blob-util.h"

/* Tests that ask for absurd sizes (the new_too_big_to_allocate cases) need
 * AddressSanitizer to answer NULL, as malloc does, instead of aborting the run. */
#if defined(__SANITIZE_ADDRESS__)
#define TRM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRM_TEST_ASAN 1
#endif
#endif
#ifdef TRM_TEST_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

/* Weighted matrices refuse a total weight above 2^500 (confusion.h): one
 * HUGE_WEIGHT fits, two do not. */
#define HUGE_WEIGHT 0x1.8p499

/* A call must fail with `code` and leave a fresh, non-empty error detail. */
#define ck_assert_fails(code, call)                                                     \
    do {                                                                                \
        trm_clear_last_error();                                                         \
        int rc_ = (call);                                                               \
        ck_assert_msg(rc_ == (code), "%s returned %d (%s), expected %d (%s)", #call,    \
                      rc_, trm_strerror(rc_), (int)(code), trm_strerror(code));         \
        ck_assert_msg(trm_last_error()[0] != '\0', "%s left trm_last_error() empty",    \
                      #call);                                                           \
    } while (0)

#define ck_assert_ok(call)                                                              \
    do {                                                                                \
        int rc_ = (call);                                                               \
        ck_assert_msg(rc_ == TRM_OK, "%s returned %d (%s): %s", #call, rc_,             \
                      trm_strerror(rc_), trm_last_error());                             \
    } while (0)

/* Doubles agree to 1e-12 relative (or absolute near zero); NaN only matches NaN. */
#define ck_assert_close(a, b)                                                           \
    do {                                                                                \
        double a_ = (a), b_ = (b);                                                      \
        if (isnan(a_) || isnan(b_))                                                     \
            ck_assert_msg(isnan(a_) && isnan(b_), "%s = %.17g, expected %.17g", #a, a_, \
                          b_);                                                          \
        else                                                                            \
            ck_assert_msg(fabs(a_ - b_) <= 1e-12 * fmax(1.0, fabs(b_)),                 \
                          "%s = %.17g, expected %.17g", #a, a_, b_);                    \
    } while (0)

/* The serialized blob is a complete picture of a handle's state: two handles
 * with equal blobs are in the same state. DEFINE_SNAPSHOTS(topk) defines
 * snapshot_topk(), a malloc'ed copy of the blob, and ck_assert_unchanged_topk().
 * The first try uses a roomy buffer, so that for the small handles of the tests
 * no size query fails and trm_last_error() keeps the detail of the call under
 * test. */
#define DEFINE_SNAPSHOTS(X)                                                             \
    static inline uint8_t *snapshot_##X(const trm_##X *h, size_t *size)                 \
    {                                                                                   \
        size_t need = 4096;                                                             \
        uint8_t *blob = malloc(need);                                                   \
        ck_assert_ptr_nonnull(blob);                                                    \
        if (trm_##X##_serialize(h, blob, need, size) == TRM_OK)                         \
            return blob;                                                                \
        free(blob);                                                                     \
        trm_##X##_serialize(h, NULL, 0, &need);                                         \
        blob = malloc(need ? need : 1);                                                 \
        ck_assert_ptr_nonnull(blob);                                                    \
        ck_assert_int_eq(trm_##X##_serialize(h, blob, need, size), TRM_OK);             \
        return blob;                                                                    \
    }                                                                                   \
    static inline void ck_assert_unchanged_##X(const trm_##X *h, const uint8_t *before, \
                                               size_t before_size)                      \
    {                                                                                   \
        size_t size = 0;                                                                \
        uint8_t *now = snapshot_##X(h, &size);                                          \
        ck_assert_msg(size == before_size && memcmp(now, before, size) == 0,            \
                      "the " #X " handle changed although the call failed");            \
        free(now);                                                                      \
    }

DEFINE_SNAPSHOTS(confusion)
DEFINE_SNAPSHOTS(topk)
DEFINE_SNAPSHOTS(multilabel)
DEFINE_SNAPSHOTS(regression)
DEFINE_SNAPSHOTS(overfit)

/* The confusion matrix's, under their first names. */
static inline uint8_t *snapshot(const trm_confusion *cm, size_t *size)
{
    return snapshot_confusion(cm, size);
}

static inline void ck_assert_unchanged(const trm_confusion *cm, const uint8_t *before, size_t before_size)
{
    ck_assert_unchanged_confusion(cm, before, before_size);
}

#define TRM_BY_HANDLE_TYPE(h, fn)                                                        \
    _Generic((h), trm_confusion *: fn##_confusion, const trm_confusion *: fn##_confusion, \
             trm_topk *: fn##_topk, const trm_topk *: fn##_topk,                          \
             trm_multilabel *: fn##_multilabel, const trm_multilabel *: fn##_multilabel,  \
             trm_regression *: fn##_regression, const trm_regression *: fn##_regression,  \
             trm_overfit *: fn##_overfit, const trm_overfit *: fn##_overfit)

/* A call must fail with `code`, leave an error detail, and leave handle h (of
 * any serializable type) in the state it was in. */
#define ck_assert_rejected(code, h, call)                                               \
    do {                                                                                \
        size_t before_size_ = 0;                                                        \
        uint8_t *before_ = TRM_BY_HANDLE_TYPE((h), snapshot)((h), &before_size_);       \
        ck_assert_fails((code), (call));                                                \
        TRM_BY_HANDLE_TYPE((h), ck_assert_unchanged)((h), before_, before_size_);       \
        free(before_);                                                                  \
    } while (0)

/* The detail of the last failure on this thread names `needle`. */
static inline void assert_mentions(const char *needle)
{
    ck_assert_msg(strstr(trm_last_error(), needle) != NULL, "trm_last_error() = \"%s\" lacks \"%s\"",
                  trm_last_error(), needle);
}

/* ---- a tracking allocator ------------------------------------------------------ */

/* Counts the hooks' calls; `fail` makes alloc answer NULL. */
typedef struct tracking {
    size_t allocs;    /* successful alloc calls */
    size_t frees;     /* free calls */
    size_t refused;   /* alloc calls answered with NULL */
    size_t bad_frees; /* free calls with NULL or a pointer alloc cannot have given */
    int fail;
} tracking;

static inline void *tracking_alloc(void *opaque, size_t size)
{
    tracking *t = opaque;
    /* C11 aligned_alloc wants a size that is a multiple of the alignment. */
    void *p = t->fail || size > SIZE_MAX - 15 ? NULL : aligned_alloc(16, (size + 16) & ~(size_t)15);
    if (p == NULL)
        t->refused++;
    else
        t->allocs++;
    return p;
}

static inline void tracking_free(void *opaque, void *ptr)
{
    tracking *t = opaque;
    if (ptr == NULL || (uintptr_t)ptr % 16 != 0)
        t->bad_frees++;
    t->frees++;
    free(ptr);
}

static inline trm_allocator tracking_hooks(tracking *t)
{
    return (trm_allocator){ tracking_alloc, tracking_free, t };
}

/* ---- blob damage, for the serialization tests of every handle type ----------- */

/* Deserializes a blob, frees the result, returns the status; a module's loader
 * also checks that a failing call leaves its output pointer alone. */
typedef int (*blob_loader)(const uint8_t *blob, size_t size);

/* Every truncation (in a buffer of exactly that length, so that a read past the
 * end is caught by the sanitizers and valgrind), the blob with a byte appended,
 * and every single-byte change of a valid blob must be refused as TRM_E_CORRUPT:
 * the CRC-32C covers every byte and catches every burst of up to 32 bits, and
 * it is checked before the version and the kind. */
static inline void ck_assert_every_damage_detected(const uint8_t *blob, size_t size, blob_loader load)
{
    ck_assert_int_eq(load(blob, size), TRM_OK);
    for (size_t len = 0; len < size; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(cut);
        memcpy(cut, blob, len);
        trm_clear_last_error();
        int rc = load(cut, len);
        ck_assert_msg(rc == TRM_E_CORRUPT, "truncated to %zu bytes: deserialize returned %d (%s)", len, rc,
                      trm_strerror(rc));
        ck_assert_msg(trm_last_error()[0] != '\0', "truncated to %zu bytes: no error detail", len);
        free(cut);
    }
    uint8_t *copy = malloc(size + 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, blob, size);
    for (unsigned v = 0; v < 256; v += 85) {
        copy[size] = (uint8_t)v;
        int rc = load(copy, size + 1);
        ck_assert_msg(rc == TRM_E_CORRUPT, "0x%02x appended: deserialize returned %d (%s)", v, rc,
                      trm_strerror(rc));
    }
    for (size_t at = 0; at < size; at++) {
        for (unsigned v = 0; v < 256; v++) {
            if (v == blob[at])
                continue;
            copy[at] = (uint8_t)v;
            trm_clear_last_error();
            int rc = load(copy, size);
            ck_assert_msg(rc == TRM_E_CORRUPT, "byte %zu set to 0x%02x: deserialize returned %d (%s)", at, v,
                          rc, trm_strerror(rc));
            ck_assert_msg(trm_last_error()[0] != '\0', "byte %zu set to 0x%02x: no error detail", at, v);
        }
        copy[at] = blob[at];
    }
    free(copy);
}

/* Every suite's main(): run it, exit non-zero when anything failed. */
static inline int run_suite(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* TRM_TESTUTIL_H */
