/* SPDX-License-Identifier: MIT */
/* common.h: version queries, status texts and the thread-local error detail.
 * The allocator hooks are checked for every handle type in check-contract.c. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>

#include "testutil.h"

/* ---- version ---------------------------------------------------------------- */

START_TEST(version_number)
{
    /* 0.3.0 -> 0*10000 + 3*100 + 0 = 300. */
    ck_assert_int_eq(TRM_VERSION_MAJOR, 0);
    ck_assert_int_eq(TRM_VERSION_MINOR, 3);
    ck_assert_int_eq(TRM_VERSION_PATCH, 0);
    ck_assert_uint_eq(TRM_VERSION_NUMBER, 300);
    ck_assert_uint_eq(trm_version_number(), 300);
    ck_assert_uint_eq(trm_version_number(), TRM_VERSION_NUMBER);
}
END_TEST

START_TEST(version_string)
{
    char composed[32];
    snprintf(composed, sizeof composed, "%d.%d.%d", TRM_VERSION_MAJOR, TRM_VERSION_MINOR,
             TRM_VERSION_PATCH);
    ck_assert_ptr_nonnull(trm_version_string());
    ck_assert_str_eq(trm_version_string(), "0.3.0");
    ck_assert_str_eq(TRM_VERSION_STRING, "0.3.0");
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

/* The allocator hooks of every handle type: check-contract.c. */

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


    return s;
}

int main(void)
{
    return run_suite(common_suite());
}
