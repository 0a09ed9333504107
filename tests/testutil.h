/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Check suites: failure assertions and state snapshots. */
#ifndef TRM_TESTUTIL_H
#define TRM_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

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

/* The serialized blob is a complete picture of a matrix's state: two matrices
 * with equal blobs are in the same state. Returns a malloc'ed copy. */
static inline uint8_t *snapshot(const trm_confusion *cm, size_t *size)
{
    size_t need = 0;
    trm_confusion_serialize(cm, NULL, 0, &need);
    uint8_t *blob = malloc(need);
    ck_assert_ptr_nonnull(blob);
    ck_assert_int_eq(trm_confusion_serialize(cm, blob, need, size), TRM_OK);
    return blob;
}

/* Asserts that cm is still in the state captured by snapshot(). */
static inline void ck_assert_unchanged(const trm_confusion *cm, const uint8_t *before, size_t before_size)
{
    size_t size = 0;
    uint8_t *now = snapshot(cm, &size);
    ck_assert_msg(size == before_size && memcmp(now, before, size) == 0,
                  "the matrix changed although the call failed");
    free(now);
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
