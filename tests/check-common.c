/* SPDX-License-Identifier: MIT */
/* common.h: version queries, status texts, the thread-local error detail and the
 * allocator hooks (exercised through the confusion matrix, the simplest handle). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>

#include "testutil.h"

/* ---- version ---------------------------------------------------------------- */

START_TEST(version_number)
{
    /* 0.1.0 -> 0*10000 + 1*100 + 0 = 100. */
    ck_assert_int_eq(TRM_VERSION_MAJOR, 0);
    ck_assert_int_eq(TRM_VERSION_MINOR, 1);
    ck_assert_int_eq(TRM_VERSION_PATCH, 0);
    ck_assert_uint_eq(TRM_VERSION_NUMBER, 100);
    ck_assert_uint_eq(trm_version_number(), 100);
    ck_assert_uint_eq(trm_version_number(), TRM_VERSION_NUMBER);
}
END_TEST

START_TEST(version_string)
{
    char composed[32];
    snprintf(composed, sizeof composed, "%d.%d.%d", TRM_VERSION_MAJOR, TRM_VERSION_MINOR,
             TRM_VERSION_PATCH);
    ck_assert_ptr_nonnull(trm_version_string());
    ck_assert_str_eq(trm_version_string(), "0.1.0");
    ck_assert_str_eq(TRM_VERSION_STRING, "0.1.0");
    ck_assert_str_eq(trm_version_string(), composed);
}
END_TEST

/* ---- trm_strerror ------------------------------------------------------------- */

static const int all_codes[] = {
    TRM_OK,         TRM_E_INVALID,  TRM_E_NOMEM,  TRM_E_LABEL,   TRM_E_NONFINITE, TRM_E_MISMATCH,
    TRM_E_OVERFLOW, TRM_E_BUFFER,   TRM_E_CORRUPT, TRM_E_VERSION, TRM_E_EMPTY,     TRM_E_INTERNAL,
};
#define N_CODES (sizeof all_codes / sizeof all_codes[0])

START_TEST(code_numbers_are_frozen)
{
    static const int expected[N_CODES] = { 0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11 };
    for (size_t i = 0; i < N_CODES; i++)
        ck_assert_int_eq(all_codes[i], expected[i]);
}
END_TEST

START_TEST(strerror_known_codes)
{
    for (size_t i = 0; i < N_CODES; i++) {
        const char *text = trm_strerror(all_codes[i]);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(text[0] != '\0', "trm_strerror(%d) is empty", all_codes[i]);
        ck_assert_msg(strcmp(text, "unknown error") != 0, "trm_strerror(%d) is \"unknown error\"",
                      all_codes[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(text, trm_strerror(all_codes[j])) != 0,
                          "trm_strerror(%d) and trm_strerror(%d) are both \"%s\"", all_codes[i],
                          all_codes[j], text);
    }
}
END_TEST

START_TEST(strerror_unknown_codes)
{
    static const int unknown[] = { 1, -12, 12345, -12345, INT_MIN, INT_MAX };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *text = trm_strerror(unknown[i]);
        ck_assert_ptr_nonnull(text);
        ck_assert_str_eq(text, "unknown error");
    }
}
END_TEST

/* ---- trm_last_error ----------------------------------------------------------- */

/* A call that is sure to fail: zero classes. */
static int fail_once(void)
{
    trm_confusion *cm = NULL;
    return trm_confusion_new(&cm, 0, 0, NULL);
}

START_TEST(last_error_cleared_and_set)
{
    ck_assert_ptr_nonnull(trm_last_error());
    trm_clear_last_error();
    ck_assert_str_eq(trm_last_error(), "");

    ck_assert_int_eq(fail_once(), TRM_E_INVALID);
    ck_assert_msg(trm_last_error()[0] != '\0', "a failure left trm_last_error() empty");

    trm_clear_last_error();
    ck_assert_str_eq(trm_last_error(), "");
}
END_TEST

START_TEST(last_error_survives_success)
{
    char before[512];
    ck_assert_int_eq(fail_once(), TRM_E_INVALID);
    snprintf(before, sizeof before, "%s", trm_last_error());

    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, 2, 0, NULL));
    ck_assert_str_eq(trm_last_error(), before);
    trm_confusion_free(cm);
}
END_TEST

/* What a second thread saw, reported back to the main thread. */
typedef struct thread_report {
    char at_start[64];
    int rc;
    char after_failure[512];
} thread_report;

static int failing_thread(void *arg)
{
    thread_report *report = arg;
    snprintf(report->at_start, sizeof report->at_start, "%s", trm_last_error());
    report->rc = fail_once();
    snprintf(report->after_failure, sizeof report->after_failure, "%s", trm_last_error());
    return 0;
}

static void run_failing_thread(thread_report *report)
{
    thrd_t thread;
    ck_assert_int_eq(thrd_create(&thread, failing_thread, report), thrd_success);
    ck_assert_int_eq(thrd_join(thread, NULL), thrd_success);
}

START_TEST(last_error_is_thread_local)
{
    thread_report report = { "x", 0, "" };

    /* A failure in another thread does not show here. */
    trm_clear_last_error();
    run_failing_thread(&report);
    ck_assert_int_eq(report.rc, TRM_E_INVALID);
    ck_assert_msg(report.after_failure[0] != '\0', "the thread's own failure left its detail empty");
    ck_assert_str_eq(trm_last_error(), "");

    /* A new thread starts with "" even though this thread has a detail, and its
     * failure does not overwrite this thread's detail. */
    trm_confusion *cm = NULL;
    ck_assert_int_eq(trm_confusion_new(&cm, 3, 0x80u, NULL), TRM_E_INVALID);
    char mine[512];
    snprintf(mine, sizeof mine, "%s", trm_last_error());
    ck_assert(mine[0] != '\0');

    report = (thread_report){ "x", 0, "" };
    run_failing_thread(&report);
    ck_assert_str_eq(report.at_start, "");
    ck_assert_msg(report.after_failure[0] != '\0', "the thread's own failure left its detail empty");
    ck_assert_str_eq(trm_last_error(), mine);
}
END_TEST

/* ---- allocator hooks -------------------------------------------------------- */

typedef struct counting {
    size_t allocs;   /* successful alloc calls */
    size_t frees;    /* free calls */
    size_t refused;  /* alloc calls answered with NULL */
    size_t bad_free; /* free calls with NULL or a misaligned pointer */
    int fail;        /* when nonzero, alloc returns NULL */
} counting;

static void *counting_alloc(void *opaque, size_t size)
{
    counting *c = opaque;
    if (c->fail || size > SIZE_MAX - 15) {
        c->refused++;
        return NULL;
    }
    /* C11 aligned_alloc wants a size that is a multiple of the alignment. */
    size_t rounded = size == 0 ? 16 : (size + 15) & ~(size_t)15;
    void *p = aligned_alloc(16, rounded);
    if (p == NULL) {
        c->refused++;
        return NULL;
    }
    c->allocs++;
    return p;
}

static void counting_free(void *opaque, void *ptr)
{
    counting *c = opaque;
    if (ptr == NULL || (uintptr_t)ptr % 16 != 0)
        c->bad_free++;
    c->frees++;
    free(ptr);
}

static void assert_balanced(const counting *c)
{
    ck_assert_uint_eq(c->bad_free, 0);
    ck_assert_msg(c->allocs == c->frees, "%zu allocations but %zu frees", c->allocs, c->frees);
}

START_TEST(allocator_used_everywhere)
{
    counting c = { 0 };
    trm_confusion *cm = NULL, *copy = NULL, *loaded = NULL;
    {
        /* The structure is copied: it need not outlive trm_confusion_new(). */
        trm_allocator hooks = { counting_alloc, counting_free, &c };
        ck_assert_ok(trm_confusion_new(&cm, 3, 0, &hooks));
        memset(&hooks, 0, sizeof hooks);
    }
    ck_assert_uint_ge(c.allocs, 1);

    const uint8_t y_true[] = { 0, 1, 2, 2 }, y_pred[] = { 0, 2, 2, 1 };
    ck_assert_ok(trm_confusion_update_u8(cm, y_true, y_pred, 4));

    /* The clone keeps the source's allocator. */
    size_t before = c.allocs;
    ck_assert_ok(trm_confusion_clone(&copy, cm));
    ck_assert_uint_gt(c.allocs, before);

    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    trm_allocator hooks = { counting_alloc, counting_free, &c };
    before = c.allocs;
    ck_assert_ok(trm_confusion_deserialize(&loaded, blob, size, &hooks));
    ck_assert_uint_gt(c.allocs, before);
    free(blob);

    /* The copies hold what the original holds: (0,0), (1,2), (2,2), (2,1) once each. */
    const uint64_t expected[9] = { 1, 0, 0, 0, 0, 1, 0, 1, 1 };
    uint64_t got[9];
    ck_assert_ok(trm_confusion_counts(copy, got));
    ck_assert_mem_eq(got, expected, sizeof expected);
    ck_assert_ok(trm_confusion_counts(loaded, got));
    ck_assert_mem_eq(got, expected, sizeof expected);

    ck_assert_uint_eq(c.refused, 0);
    trm_confusion_free(cm);
    trm_confusion_free(copy);
    trm_confusion_free(loaded);
    trm_confusion_free(NULL);
    assert_balanced(&c);
}
END_TEST

START_TEST(allocator_null_hook_is_invalid)
{
    counting c = { 0 };
    const trm_allocator broken[] = {
        { NULL, counting_free, &c },
        { counting_alloc, NULL, &c },
        { NULL, NULL, &c },
    };
    trm_confusion *good = NULL;
    ck_assert_ok(trm_confusion_new(&good, 2, 0, NULL));
    size_t size = 0;
    uint8_t *blob = snapshot(good, &size);

    static char sentinel;
    trm_confusion *const untouched = (trm_confusion *)(void *)&sentinel;
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        trm_confusion *out = untouched;
        ck_assert_fails(TRM_E_INVALID, trm_confusion_new(&out, 2, 0, &broken[i]));
        ck_assert_ptr_eq(out, untouched);
        ck_assert_fails(TRM_E_INVALID, trm_confusion_deserialize(&out, blob, size, &broken[i]));
        ck_assert_ptr_eq(out, untouched);
    }
    ck_assert_uint_eq(c.allocs + c.refused + c.frees, 0);
    free(blob);
    trm_confusion_free(good);
}
END_TEST

START_TEST(allocator_failure_is_nomem)
{
    counting c = { 0 };
    trm_allocator hooks = { counting_alloc, counting_free, &c };
    static char sentinel;
    trm_confusion *const untouched = (trm_confusion *)(void *)&sentinel;
    trm_confusion *out = untouched;

    c.fail = 1;
    ck_assert_fails(TRM_E_NOMEM, trm_confusion_new(&out, 3, 0, &hooks));
    ck_assert_ptr_eq(out, untouched);
    ck_assert_fails(TRM_E_NOMEM, trm_confusion_new(&out, 3, TRM_CONFUSION_WEIGHTED, &hooks));
    ck_assert_ptr_eq(out, untouched);
    ck_assert_uint_ge(c.refused, 2);

    /* clone uses the source's hooks, which now refuse. */
    c.fail = 0;
    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, 3, 0, &hooks));
    c.fail = 1;
    ck_assert_fails(TRM_E_NOMEM, trm_confusion_clone(&out, cm));
    ck_assert_ptr_eq(out, untouched);

    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    ck_assert_fails(TRM_E_NOMEM, trm_confusion_deserialize(&out, blob, size, &hooks));
    ck_assert_ptr_eq(out, untouched);
    free(blob);

    trm_confusion_free(cm);
    assert_balanced(&c);
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("common");

    TCase *tc = tcase_create("version");
    tcase_add_test(tc, version_number);
    tcase_add_test(tc, version_string);
    suite_add_tcase(s, tc);

    tc = tcase_create("strerror");
    tcase_add_test(tc, code_numbers_are_frozen);
    tcase_add_test(tc, strerror_known_codes);
    tcase_add_test(tc, strerror_unknown_codes);
    suite_add_tcase(s, tc);

    tc = tcase_create("last_error");
    tcase_add_test(tc, last_error_cleared_and_set);
    tcase_add_test(tc, last_error_survives_success);
    tcase_add_test(tc, last_error_is_thread_local);
    suite_add_tcase(s, tc);

    tc = tcase_create("allocator");
    tcase_add_test(tc, allocator_used_everywhere);
    tcase_add_test(tc, allocator_null_hook_is_invalid);
    tcase_add_test(tc, allocator_failure_is_nomem);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(common_suite());
}
