/* SPDX-License-Identifier: MIT */
/* confusion.h: creation, every update path, normalization, table additions,
 * merge/clone/reset, batch validation and overflow refusal. Every expected value
 * is computed by hand in the comment beside it. */
#include <float.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------ */

static char sentinel_object;
/* Stands for "a pointer the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_confusion *)(void *)&sentinel_object)

static trm_confusion *make(size_t k, uint32_t flags)
{
    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, k, flags, NULL));
    ck_assert_ptr_nonnull(cm);
    return cm;
}

/* A K-class matrix that skips true label 1 when `ignoring` is set. */
static trm_confusion *make_ignoring_one(size_t k, int ignoring)
{
    trm_confusion *cm = make(k, 0);
    if (ignoring)
        ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    return cm;
}

static void assert_counts(const trm_confusion *cm, const uint64_t *expected)
{
    size_t k = trm_confusion_n_classes(cm);
    uint64_t *got = malloc(k * k * sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_ok(trm_confusion_counts(cm, got));
    for (size_t i = 0; i < k * k; i++)
        ck_assert_msg(got[i] == expected[i], "cell [%zu][%zu] = %" PRIu64 ", expected %" PRIu64, i / k,
                      i % k, got[i], expected[i]);
    free(got);
}

static void assert_cells(const trm_confusion *cm, int normalize, const double *expected)
{
    size_t k = trm_confusion_n_classes(cm);
    double *got = malloc(k * k * sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_ok(trm_confusion_matrix(cm, normalize, got));
    for (size_t i = 0; i < k * k; i++)
        ck_assert_close(got[i], expected[i]);
    free(got);
}

static void assert_total(const trm_confusion *cm, double expected)
{
    double total = -1.0;
    ck_assert_ok(trm_confusion_total(cm, &total));
    ck_assert_close(total, expected);
}

/* ---- the same pairs through every label type ---------------------------------- */

enum label_type { U8, U16, I32, I64, N_LABEL_TYPES };
static const char *const label_type_name[] = { "u8", "u16", "i32", "i64" };

/* A malloc'ed copy of values converted to the label type (callers choose values
 * the type can hold unless they mean to test the conversion). */
static void *labels_as(enum label_type type, const int64_t *values, size_t n)
{
    static const size_t width[] = { 1, 2, 4, 8 };
    uint8_t *out = malloc(n ? n * width[type] : 1);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++) {
        switch (type) {
        case U8: ((uint8_t *)(void *)out)[i] = (uint8_t)values[i]; break;
        case U16: ((uint16_t *)(void *)out)[i] = (uint16_t)values[i]; break;
        case I32: ((int32_t *)(void *)out)[i] = (int32_t)values[i]; break;
        default: ((int64_t *)(void *)out)[i] = values[i]; break;
        }
    }
    return out;
}

static int update_as(trm_confusion *cm, enum label_type type, const int64_t *y_true,
                     const int64_t *y_pred, size_t n)
{
    void *t = labels_as(type, y_true, n), *p = labels_as(type, y_pred, n);
    int rc;
    switch (type) {
    case U8: rc = trm_confusion_update_u8(cm, t, p, n); break;
    case U16: rc = trm_confusion_update_u16(cm, t, p, n); break;
    case I32: rc = trm_confusion_update_i32(cm, t, p, n); break;
    default: rc = trm_confusion_update_i64(cm, t, p, n); break;
    }
    free(t);
    free(p);
    return rc;
}

/* The basic batch, K = 4: class 3 is never true (zero row) and class 2 never
 * predicted (zero column).
 *   i:      0  1  2  3  4  5  6  7
 *   true:   0  0  1  2  2  2  1  0
 *   pred:   0  1  1  3  0  3  1  0
 * (0,0) x2 [i0,i7], (0,1) x1 [i1], (1,1) x2 [i2,i6], (2,3) x2 [i3,i5], (2,0) x1 [i4]. */
#define BASIC_K 4
#define BASIC_N 8
static const int64_t basic_true[BASIC_N] = { 0, 0, 1, 2, 2, 2, 1, 0 };
static const int64_t basic_pred[BASIC_N] = { 0, 1, 1, 3, 0, 3, 1, 0 };
static const uint64_t basic_counts[BASIC_K * BASIC_K] = {
    2, 1, 0, 0, /* row sum 3 */
    0, 2, 0, 0, /* row sum 2 */
    1, 0, 0, 2, /* row sum 3 */
    0, 0, 0, 0, /* row sum 0 */
};              /* column sums 3, 3, 0, 2; total 8 */

static trm_confusion *make_basic(void)
{
    trm_confusion *cm = make(BASIC_K, 0);
    ck_assert_ok(update_as(cm, I64, basic_true, basic_pred, BASIC_N));
    return cm;
}

/* ---- creation ----------------------------------------------------------------- */

START_TEST(new_rejects_bad_arguments)
{
    static const uint32_t bad_flags[] = { 2u, 0x80000000u, 0xffffffffu, TRM_CONFUSION_WEIGHTED | 4u };
    trm_confusion *out = UNTOUCHED;
    ck_assert_fails(TRM_E_INVALID, trm_confusion_new(&out, 0, 0, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_fails(TRM_E_INVALID, trm_confusion_new(&out, 0, TRM_CONFUSION_WEIGHTED, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++) {
        ck_assert_fails(TRM_E_INVALID, trm_confusion_new(&out, 3, bad_flags[i], NULL));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
    ck_assert_fails(TRM_E_INVALID, trm_confusion_new(NULL, 3, 0, NULL));
}
END_TEST

START_TEST(new_size_overflow)
{
    /* K*K*8 bytes of cells: K = SIZE_MAX or SIZE_MAX/2 overflow K*K; 2^33 gives
     * K*K = 2^66; 2^32 gives 2^64; 2^31 gives K*K = 2^62 but 2^65 bytes. */
    static const size_t huge[] = {
        SIZE_MAX, SIZE_MAX / 2,
#if SIZE_MAX > UINT32_MAX
        (size_t)1 << 33, (size_t)1 << 32, (size_t)1 << 31,
#endif
    };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        for (uint32_t flags = 0; flags <= TRM_CONFUSION_WEIGHTED; flags++) {
            trm_confusion *out = UNTOUCHED;
            ck_assert_fails(TRM_E_OVERFLOW, trm_confusion_new(&out, huge[i], flags, NULL));
            ck_assert_ptr_eq(out, UNTOUCHED);
        }
    }
}
END_TEST

START_TEST(new_too_big_to_allocate)
{
#if SIZE_MAX > UINT32_MAX
    /* 2^30 classes: 2^60 cells, 2^63 bytes; fits size_t but not any memory. */
    for (uint32_t flags = 0; flags <= TRM_CONFUSION_WEIGHTED; flags++) {
        trm_confusion *out = UNTOUCHED;
        trm_clear_last_error();
        int rc = trm_confusion_new(&out, (size_t)1 << 30, flags, NULL);
        ck_assert_msg(rc == TRM_E_NOMEM || rc == TRM_E_OVERFLOW, "returned %d (%s)", rc, trm_strerror(rc));
        ck_assert_ptr_eq(out, UNTOUCHED);
        ck_assert(trm_last_error()[0] != '\0');
    }
#endif
}
END_TEST

START_TEST(new_is_empty)
{
    static const uint64_t zeros[9] = { 0 };
    static const double zero_cells[9] = { 0 };
    trm_confusion *cm = make(3, 0);
    ck_assert_uint_eq(trm_confusion_n_classes(cm), 3);
    ck_assert_uint_eq(trm_confusion_flags(cm), 0);
    ck_assert(trm_confusion_ignore_label(cm) == TRM_NO_IGNORE);
    assert_counts(cm, zeros);
    assert_total(cm, 0.0);
    /* A zero total normalizes to zeros in every mode. */
    for (int mode = TRM_NORMALIZE_NONE; mode <= TRM_NORMALIZE_ALL; mode++)
        assert_cells(cm, mode, zero_cells);
    trm_confusion_free(cm);

    cm = make(1, TRM_CONFUSION_WEIGHTED);
    ck_assert_uint_eq(trm_confusion_n_classes(cm), 1);
    ck_assert_uint_eq(trm_confusion_flags(cm), TRM_CONFUSION_WEIGHTED);
    assert_total(cm, 0.0);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(null_handle_queries)
{
    ck_assert_uint_eq(trm_confusion_n_classes(NULL), 0);
    ck_assert_uint_eq(trm_confusion_flags(NULL), 0);
    ck_assert(trm_confusion_ignore_label(NULL) == TRM_NO_IGNORE);
    trm_confusion_free(NULL);
    trm_confusion_reset(NULL);
}
END_TEST

/* ---- plain updates ------------------------------------------------------------ */

START_TEST(update_counts_pairs)
{
    enum label_type type = (enum label_type)_i;
    trm_confusion *cm = make(BASIC_K, 0);
    ck_assert_msg(update_as(cm, type, basic_true, basic_pred, BASIC_N) == TRM_OK, "update_%s: %s",
                  label_type_name[type], trm_last_error());
    assert_counts(cm, basic_counts);
    assert_total(cm, 8.0);

    /* n = 0 is a no-op. */
    ck_assert_ok(update_as(cm, type, basic_true, basic_pred, 0));
    assert_counts(cm, basic_counts);

    /* A second identical batch doubles every cell. */
    static const uint64_t doubled[16] = { 4, 2, 0, 0, 0, 4, 0, 0, 2, 0, 0, 4, 0, 0, 0, 0 };
    ck_assert_ok(update_as(cm, type, basic_true, basic_pred, BASIC_N));
    assert_counts(cm, doubled);
    assert_total(cm, 16.0);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(update_single_class)
{
    /* K = 1: label 0 is the only valid one, 1 is out of range. */
    enum label_type type = (enum label_type)_i;
    static const int64_t zeros[3] = { 0, 0, 0 }, bad[3] = { 0, 1, 0 };
    static const uint64_t three[1] = { 3 };
    trm_confusion *cm = make(1, 0);
    ck_assert_ok(update_as(cm, type, zeros, zeros, 3));
    assert_counts(cm, three);
    ck_assert_rejected(TRM_E_LABEL, cm, update_as(cm, type, zeros, bad, 3));
    ck_assert_rejected(TRM_E_LABEL, cm, update_as(cm, type, bad, zeros, 3));
    trm_confusion_free(cm);
}
END_TEST

/* ---- normalization ------------------------------------------------------------ */

START_TEST(matrix_normalizations)
{
    trm_confusion *cm = make_basic();
    /* Raw cells of basic_counts as doubles. */
    static const double none[16] = { 2, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0 };
    /* Rows divided by 3, 2, 3 and the zero row 3 left at 0. */
    static const double by_true[16] = {
        2.0 / 3, 1.0 / 3, 0, 0, 0, 1, 0, 0, 1.0 / 3, 0, 0, 2.0 / 3, 0, 0, 0, 0,
    };
    /* Columns divided by 3, 3, (zero column 2 -> 0), 2. */
    static const double by_pred[16] = {
        2.0 / 3, 1.0 / 3, 0, 0, 0, 2.0 / 3, 0, 0, 1.0 / 3, 0, 0, 1, 0, 0, 0, 0,
    };
    /* Everything divided by 8. */
    static const double by_all[16] = { 0.25, 0.125, 0, 0, 0, 0.25, 0, 0, 0.125, 0, 0, 0.25, 0, 0, 0, 0 };
    assert_cells(cm, TRM_NORMALIZE_NONE, none);
    assert_cells(cm, TRM_NORMALIZE_TRUE, by_true);
    assert_cells(cm, TRM_NORMALIZE_PRED, by_pred);
    assert_cells(cm, TRM_NORMALIZE_ALL, by_all);
    assert_total(cm, 8.0);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(matrix_unknown_mode)
{
    static const int bad_modes[] = { -1, 4, 100, TRM_NORMALIZE_ALL + 1 };
    trm_confusion *cm = make_basic();
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        double out[16];
        for (size_t j = 0; j < 16; j++)
            out[j] = 42.0;
        ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_matrix(cm, bad_modes[i], out));
        for (size_t j = 0; j < 16; j++)
            ck_assert_msg(out[j] == 42.0, "out[%zu] written by a failing call", j);
    }
    trm_confusion_free(cm);
}
END_TEST

/* ---- ignore label ------------------------------------------------------------- */

START_TEST(ignore_label_inside_range)
{
    enum label_type type = (enum label_type)_i;
    /* K = 3, ignore 1. Pairs with true 1 are skipped whatever their prediction,
     * even 200, which is outside [0, 3). A PREDICTION of 1 still counts.
     *   (0,0) counted, (1,2) skip, (1,200) skip, (2,1) counted, (1,1) skip, (2,2) counted */
    static const int64_t y_true[] = { 0, 1, 1, 2, 1, 2 };
    static const int64_t y_pred[] = { 0, 2, 200, 1, 1, 2 };
    static const uint64_t expected[9] = { 1, 0, 0, 0, 0, 0, 0, 1, 1 };
    trm_confusion *cm = make(3, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    ck_assert(trm_confusion_ignore_label(cm) == 1);
    ck_assert_ok(update_as(cm, type, y_true, y_pred, 6));
    assert_counts(cm, expected);
    assert_total(cm, 3.0);

    /* Signed labels: a negative prediction on an ignored row is not checked either. */
    if (type == I32 || type == I64) {
        static const int64_t t2[] = { 1, 1 }, p2[] = { -7, -2147483647 };
        ck_assert_ok(update_as(cm, type, t2, p2, 2));
        assert_counts(cm, expected);
    }
    trm_confusion_free(cm);
}
END_TEST

START_TEST(ignore_label_outside_range)
{
    enum label_type type = (enum label_type)_i;
    /* An ignore label outside [0, K) that the type can still carry. */
    static const int64_t ignore_for[] = { 255, 65535, -100, -100 };
    int64_t ign = ignore_for[type];
    /* K = 3: (ign,9) skip, (ign,ign) skip, (0,1) counted, (2,2) counted. */
    const int64_t y_true[] = { ign, ign, 0, 2 };
    const int64_t y_pred[] = { 9, ign, 1, 2 };
    static const uint64_t expected[9] = { 0, 1, 0, 0, 0, 0, 0, 0, 1 };
    trm_confusion *cm = make(3, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, ign));
    ck_assert(trm_confusion_ignore_label(cm) == ign);
    ck_assert_ok(update_as(cm, type, y_true, y_pred, 4));
    assert_counts(cm, expected);

    /* A neighbour of the ignore label is still checked. */
    const int64_t t2[] = { ign < 0 ? ign + 1 : ign - 1 }, p2[] = { 0 };
    ck_assert_rejected(TRM_E_LABEL, cm, update_as(cm, type, t2, p2, 1));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(ignore_label_compared_as_value)
{
    /* The ignore label -100 is not the u8 label 156 nor the u16 label 65436 that
     * -100 would wrap to, so those are out-of-range labels; 257 is not the u8
     * label 1, so (1,1) is counted. */
    trm_confusion *cm = make(3, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, -100));
    const uint8_t t8[] = { 156 }, p8[] = { 0 };
    const uint16_t t16[] = { 65436 }, p16[] = { 0 };
    ck_assert_rejected(TRM_E_LABEL, cm, trm_confusion_update_u8(cm, t8, p8, 1));
    ck_assert_rejected(TRM_E_LABEL, cm, trm_confusion_update_u16(cm, t16, p16, 1));

    const uint8_t one[] = { 1 };
    static const uint64_t expected[9] = { 0, 0, 0, 0, 1, 0, 0, 0, 0 };
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 257));
    ck_assert_ok(trm_confusion_update_u8(cm, one, one, 1));
    assert_counts(cm, expected);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(ignore_label_cleared)
{
    trm_confusion *cm = make(3, 0);
    ck_assert(trm_confusion_ignore_label(cm) == TRM_NO_IGNORE);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    ck_assert(trm_confusion_ignore_label(cm) == 1);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 0));
    ck_assert(trm_confusion_ignore_label(cm) == 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, INT64_MAX));
    ck_assert(trm_confusion_ignore_label(cm) == INT64_MAX);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    ck_assert_ok(trm_confusion_set_ignore_label(cm, TRM_NO_IGNORE));
    ck_assert(trm_confusion_ignore_label(cm) == TRM_NO_IGNORE);

    /* Nothing is skipped any more: (1,200) is a bad pair, (1,2) counts. */
    const int32_t t[] = { 1 }, bad[] = { 200 }, good[] = { 2 };
    static const uint64_t expected[9] = { 0, 0, 0, 0, 0, 1, 0, 0, 0 };
    ck_assert_rejected(TRM_E_LABEL, cm, trm_confusion_update_i32(cm, t, bad, 1));
    ck_assert_ok(trm_confusion_update_i32(cm, t, good, 1));
    assert_counts(cm, expected);

    /* With nothing ignored, INT64_MIN (= TRM_NO_IGNORE) is just a bad label. */
    const int64_t t64[] = { INT64_MIN }, p64[] = { 0 };
    ck_assert_rejected(TRM_E_LABEL, cm, trm_confusion_update_i64(cm, t64, p64, 1));
    trm_confusion_free(cm);
}
END_TEST

/* ---- weighted matrices -------------------------------------------------------- */

static int update_weighted_as(trm_confusion *cm, enum label_type type, const int64_t *y_true,
                              const int64_t *y_pred, const double *weights, size_t n)
{
    void *t = labels_as(type, y_true, n), *p = labels_as(type, y_pred, n);
    int rc = type == I32 ? trm_confusion_update_weighted_i32(cm, t, p, weights, n)
                         : trm_confusion_update_weighted_i64(cm, t, p, weights, n);
    free(t);
    free(p);
    return rc;
}

/* _i selects I32 (0) or I64 (1). */
#define WEIGHTED_TYPE(i) ((i) == 0 ? I32 : I64)

START_TEST(weighted_sums)
{
    enum label_type type = WEIGHTED_TYPE(_i);
    /* K = 3: (0,1) 0.5 + 2.0 = 2.5, (1,1) 0.25, (2,0) 3.0; total 5.75. */
    static const int64_t y_true[] = { 0, 0, 1, 2 }, y_pred[] = { 1, 1, 1, 0 };
    static const double w[] = { 0.5, 2.0, 0.25, 3.0 };
    static const double after_weighted[9] = { 0, 2.5, 0, 0, 0.25, 0, 3.0, 0, 0 };
    trm_confusion *cm = make(3, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(update_weighted_as(cm, type, y_true, y_pred, w, 4));
    assert_cells(cm, TRM_NORMALIZE_NONE, after_weighted);
    assert_total(cm, 5.75);

    /* An unweighted update adds 1.0 per pair: (0,1) 3.5, (2,2) 1.0; total 7.75. */
    static const int64_t t2[] = { 0, 2 }, p2[] = { 1, 2 };
    static const double after_plain[9] = { 0, 3.5, 0, 0, 0.25, 0, 3.0, 0, 1.0 };
    ck_assert_ok(update_as(cm, type, t2, p2, 2));
    assert_cells(cm, TRM_NORMALIZE_NONE, after_plain);
    assert_total(cm, 7.75);

    /* Rows 3.5, 0.25, 4.0; columns 3.0, 3.75, 1.0; total 7.75. */
    static const double by_true[9] = { 0, 1, 0, 0, 1, 0, 0.75, 0, 0.25 };
    static const double by_pred[9] = { 0, 3.5 / 3.75, 0, 0, 0.25 / 3.75, 0, 1, 0, 1 };
    static const double by_all[9] = { 0, 3.5 / 7.75, 0, 0, 0.25 / 7.75, 0, 3.0 / 7.75, 0, 1.0 / 7.75 };
    assert_cells(cm, TRM_NORMALIZE_TRUE, by_true);
    assert_cells(cm, TRM_NORMALIZE_PRED, by_pred);
    assert_cells(cm, TRM_NORMALIZE_ALL, by_all);

    /* A zero weight is allowed and changes nothing; n = 0 is a no-op. */
    static const double zero[1] = { 0.0 };
    ck_assert_ok(update_weighted_as(cm, type, t2, p2, zero, 1));
    ck_assert_ok(update_weighted_as(cm, type, t2, p2, w, 0));
    assert_cells(cm, TRM_NORMALIZE_NONE, after_plain);

    uint64_t counts[9];
    ck_assert_rejected(TRM_E_MISMATCH, cm, trm_confusion_counts(cm, counts));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(weighted_plain_updates_weigh_one)
{
    /* K = 2 weighted, every unweighted path adds 1.0:
     *   update_i64 (0,1),(1,1),(1,1)          -> [0 1; 0 2]
     *   argmax_f64 y=0 {0.2, 0.1} -> pred 0   -> [1 1; 0 2]
     *   threshold_f64 y=1 0.9 > 0.5 -> pred 1 -> [1 1; 0 3], total 5 */
    trm_confusion *cm = make(2, TRM_CONFUSION_WEIGHTED);
    const int64_t t[] = { 0, 1, 1 }, p[] = { 1, 1, 1 };
    ck_assert_ok(trm_confusion_update_i64(cm, t, p, 3));
    const int32_t y0[] = { 0 }, y1[] = { 1 };
    const double row[] = { 0.2, 0.1 }, score[] = { 0.9 };
    ck_assert_ok(trm_confusion_update_argmax_f64(cm, y0, row, 1, 2));
    ck_assert_ok(trm_confusion_update_threshold_f64(cm, y1, score, 1, 0.5));
    static const double expected[4] = { 1, 1, 0, 3 };
    assert_cells(cm, TRM_NORMALIZE_NONE, expected);
    assert_total(cm, 5.0);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(weighted_update_on_unweighted)
{
    enum label_type type = WEIGHTED_TYPE(_i);
    trm_confusion *cm = make_basic();
    static const int64_t t[] = { 0 }, p[] = { 1 };
    static const double w[] = { 1.0 };
    ck_assert_rejected(TRM_E_MISMATCH, cm, update_weighted_as(cm, type, t, p, w, 1));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(weighted_bad_weights)
{
    enum label_type type = WEIGHTED_TYPE(_i);
    static const struct {
        double weight;
        int code;
    } cases[] = {
        { -0.5, TRM_E_INVALID },
        { -1e-300, TRM_E_INVALID },
        { NAN, TRM_E_NONFINITE },
        { INFINITY, TRM_E_NONFINITE },
    };
    static const int64_t t[] = { 0, 1, 2 }, p[] = { 0, 1, 2 };
    static const double seed[] = { 1.0, 1.0, 1.0 };
    trm_confusion *cm = make(3, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(update_weighted_as(cm, type, t, p, seed, 3));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* The bad weight is last, so good ones before it must not be added. */
        const double w[] = { 1.0, 2.0, cases[i].weight };
        ck_assert_rejected(cases[i].code, cm, update_weighted_as(cm, type, t, p, w, 3));
    }
    /* The first offending pair is reported, whether for its weight or its label
     * (a pair's label before its weight): y_true[1] = 7 is out of range. */
    static const int64_t bad_t[] = { 0, 7, 0 }, bad_p[] = { 0, 0, 0 };
    const double weight_first[] = { NAN, 1.0, 1.0 }, label_first[] = { 1.0, 1.0, NAN },
                 same_pair[] = { 1.0, NAN, 1.0 };
    ck_assert_fails(TRM_E_NONFINITE, update_weighted_as(cm, type, bad_t, bad_p, weight_first, 3));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "weights[0]"));
    ck_assert_fails(TRM_E_LABEL, update_weighted_as(cm, type, bad_t, bad_p, label_first, 3));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "y_true[1]"));
    ck_assert_fails(TRM_E_LABEL, update_weighted_as(cm, type, bad_t, bad_p, same_pair, 3));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "y_true[1]"));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(weighted_bad_label)
{
    enum label_type type = WEIGHTED_TYPE(_i);
    enum { N = 6000 };
    int64_t *t = malloc(N * sizeof *t), *p = malloc(N * sizeof *p);
    double *w = malloc(N * sizeof *w);
    ck_assert(t && p && w);
    for (size_t i = 0; i < N; i++) {
        t[i] = (int64_t)(i % 3);
        p[i] = (int64_t)((i + 1) % 3);
        w[i] = 0.5;
    }
    trm_confusion *cm = make(3, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(update_weighted_as(cm, type, t, p, w, N));
    t[5000] = 12;
    ck_assert_rejected(TRM_E_LABEL, cm, update_weighted_as(cm, type, t, p, w, N));
    t[5000] = 0;
    p[4096] = -1;
    ck_assert_rejected(TRM_E_LABEL, cm, update_weighted_as(cm, type, t, p, w, N));
    trm_confusion_free(cm);
    free(t);
    free(p);
    free(w);
}
END_TEST

START_TEST(weighted_overflow)
{
    trm_confusion *cm = make(2, TRM_CONFUSION_WEIGHTED);
    /* 2 * HUGE_WEIGHT exceeds the 2^500 ceiling on a weighted total. */
    static const double two_huge[4] = { HUGE_WEIGHT, HUGE_WEIGHT, 0, 0 };
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_add_weights(cm, two_huge));

    static const double one_huge[4] = { HUGE_WEIGHT, 0, 0, 0 };
    static const double other_huge[4] = { 0, HUGE_WEIGHT, 0, 0 };
    ck_assert_ok(trm_confusion_add_weights(cm, one_huge));
    assert_cells(cm, TRM_NORMALIZE_NONE, one_huge);
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_add_weights(cm, other_huge));

    const int32_t t[] = { 1 }, p[] = { 1 };
    const double w[] = { HUGE_WEIGHT };
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_weighted_i32(cm, t, p, w, 1));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_merge(cm, cm));

    /* A batch whose own sum exceeds the ceiling, on an empty matrix. */
    trm_confusion *empty = make(2, TRM_CONFUSION_WEIGHTED);
    const int32_t t2[] = { 0, 1 }, p2[] = { 0, 1 };
    const double w2[] = { HUGE_WEIGHT, HUGE_WEIGHT };
    ck_assert_rejected(TRM_E_OVERFLOW, empty, trm_confusion_update_weighted_i32(empty, t2, p2, w2, 2));
    trm_confusion_free(empty);
    trm_confusion_free(cm);
}
END_TEST

/* ---- score updates: f32 and f64 through one helper ---------------------------- */

enum score_type { F32, F64 };

static void *scores_as(enum score_type type, const double *values, size_t n)
{
    if (type == F64) {
        double *out = malloc(n ? n * sizeof *out : 1);
        ck_assert_ptr_nonnull(out);
        memcpy(out, values, n * sizeof *out);
        return out;
    }
    float *out = malloc(n ? n * sizeof *out : 1);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++)
        out[i] = (float)values[i];
    return out;
}

static int argmax_as(trm_confusion *cm, enum score_type type, const int32_t *y_true,
                     const double *scores, size_t n, size_t stride)
{
    void *s = scores_as(type, scores, n * stride);
    int rc = type == F32 ? trm_confusion_update_argmax_f32(cm, y_true, s, n, stride)
                         : trm_confusion_update_argmax_f64(cm, y_true, s, n, stride);
    free(s);
    return rc;
}

static int threshold_as(trm_confusion *cm, enum score_type type, const int32_t *y_true,
                        const double *scores, size_t n, double threshold)
{
    void *s = scores_as(type, scores, n);
    int rc = type == F32 ? trm_confusion_update_threshold_f32(cm, y_true, s, n, (float)threshold)
                         : trm_confusion_update_threshold_f64(cm, y_true, s, n, threshold);
    free(s);
    return rc;
}

/* K = 3 scores in rows of stride 5; columns 3 and 4 are padding that must never
 * be read as scores (huge values, NaN, Inf). */
#define ARGMAX_K 3
#define ARGMAX_STRIDE 5
#define ARGMAX_N 5
static const int32_t argmax_true[ARGMAX_N] = { 0, 1, 2, 2, 1 };
static const double argmax_scores[ARGMAX_N * ARGMAX_STRIDE] = {
    0.1, 0.7, 0.2, 1e30, NAN,       /* y 0 -> pred 1              */
    0.5, 0.5, 0.1, NAN, 1e30,       /* y 1 -> tie 0/1 -> pred 0   */
    -1.0, -3.0, -0.5, INFINITY, 0,  /* y 2 -> pred 2              */
    2.0, 2.0, 2.0, 1e30, -INFINITY, /* y 2 -> three-way tie -> 0  */
    0.0, 3.0, 3.0, NAN, NAN,        /* y 1 -> tie 1/2 -> pred 1   */
};
/* (0,1), (1,0), (2,2), (2,0), (1,1) once each. */
static const uint64_t argmax_counts[9] = { 0, 1, 0, 1, 1, 0, 1, 0, 1 };

START_TEST(argmax_counts_rows)
{
    enum score_type type = (enum score_type)_i;
    trm_confusion *cm = make(ARGMAX_K, 0);
    ck_assert_ok(argmax_as(cm, type, argmax_true, argmax_scores, ARGMAX_N, ARGMAX_STRIDE));
    assert_counts(cm, argmax_counts);
    assert_total(cm, 5.0);
    ck_assert_ok(argmax_as(cm, type, argmax_true, argmax_scores, 0, ARGMAX_STRIDE));
    assert_counts(cm, argmax_counts);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(argmax_dense_rows)
{
    enum score_type type = (enum score_type)_i;
    /* row_stride = K: y 0 {3,1,2} -> 0; y 1 {1,1,0} -> 0; y 2 {-2,-1,-1} -> 1. */
    static const int32_t y[] = { 0, 1, 2 };
    static const double s[] = { 3, 1, 2, 1, 1, 0, -2, -1, -1 };
    static const uint64_t expected[9] = { 1, 0, 0, 1, 0, 0, 0, 1, 0 };
    trm_confusion *cm = make(3, 0);
    ck_assert_ok(argmax_as(cm, type, y, s, 3, 3));
    assert_counts(cm, expected);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(argmax_nonfinite_rejected)
{
    enum score_type type = (enum score_type)_i;
    static const double bad[] = { NAN, INFINITY, -INFINITY };
    static const size_t where[][2] = { { 0, 0 }, { 2, 1 }, { 4, 2 } }; /* (row, column < K) */
    trm_confusion *cm = make(ARGMAX_K, 0);
    ck_assert_ok(argmax_as(cm, type, argmax_true, argmax_scores, ARGMAX_N, ARGMAX_STRIDE));
    for (size_t b = 0; b < 3; b++) {
        for (size_t w = 0; w < 3; w++) {
            double s[ARGMAX_N * ARGMAX_STRIDE];
            memcpy(s, argmax_scores, sizeof s);
            s[where[w][0] * ARGMAX_STRIDE + where[w][1]] = bad[b];
            ck_assert_rejected(TRM_E_NONFINITE, cm,
                               argmax_as(cm, type, argmax_true, s, ARGMAX_N, ARGMAX_STRIDE));
        }
    }
    trm_confusion_free(cm);
}
END_TEST

START_TEST(argmax_bad_stride_or_label)
{
    enum score_type type = (enum score_type)_i;
    trm_confusion *cm = make(ARGMAX_K, 0);
    ck_assert_ok(argmax_as(cm, type, argmax_true, argmax_scores, ARGMAX_N, ARGMAX_STRIDE));
    ck_assert_rejected(TRM_E_INVALID, cm, argmax_as(cm, type, argmax_true, argmax_scores, 1, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, argmax_as(cm, type, argmax_true, argmax_scores, 1, 0));

    static const int32_t bad_labels[] = { 3, -1, 12, INT32_MIN };
    for (size_t i = 0; i < 4; i++) {
        int32_t y[ARGMAX_N];
        memcpy(y, argmax_true, sizeof y);
        y[3] = bad_labels[i];
        ck_assert_rejected(TRM_E_LABEL, cm,
                           argmax_as(cm, type, y, argmax_scores, ARGMAX_N, ARGMAX_STRIDE));
    }
    trm_confusion_free(cm);
}
END_TEST

/* An argmax update of n dense rows of k scores must fail with `code`, name
 * `needle` and leave the matrix as it was. Checks the message before the
 * snapshot comparison, which itself sets an error. */
static void argmax_fails_at(trm_confusion *cm, enum score_type type, const int32_t *y, const double *s, size_t n,
                            size_t k, int code, const char *needle)
{
    size_t size = 0;
    uint8_t *before = snapshot(cm, &size);
    ck_assert_fails(code, argmax_as(cm, type, y, s, n, k));
    assert_mentions(needle);
    ck_assert_unchanged(cm, before, size);
    free(before);
}

/* Batches of many cache blocks: a bad row late in the batch, after earlier
 * blocks were counted, must still leave the matrix as it was and name the
 * first offending element. */
START_TEST(argmax_late_failure_takes_back)
{
    enum score_type type = (enum score_type)_i;
    enum { N = 20000, LATE = 17001 };
    int32_t *y = malloc(N * sizeof *y);
    double *s = malloc(N * ARGMAX_K * sizeof *s);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < N; i++) {
        y[i] = (int32_t)(i % ARGMAX_K);
        for (size_t j = 0; j < ARGMAX_K; j++)
            s[i * ARGMAX_K + j] = (double)((i * 7 + j * 5) % 11);
    }
    trm_confusion *cm = make(ARGMAX_K, 0);
    ck_assert_ok(argmax_as(cm, type, y, s, N, ARGMAX_K));
    assert_total(cm, (double)N);

    s[LATE * ARGMAX_K + 2] = NAN;
    s[(LATE + 1) * ARGMAX_K] = INFINITY;
    argmax_fails_at(cm, type, y, s, N, ARGMAX_K, TRM_E_NONFINITE, "scores[17001][2]");
    s[LATE * ARGMAX_K + 2] = 1.0;
    s[(LATE + 1) * ARGMAX_K] = 1.0;
    y[LATE + 2] = ARGMAX_K;
    argmax_fails_at(cm, type, y, s, N, ARGMAX_K, TRM_E_LABEL, "y_true[17003]");
    y[N - 1] = -1;
    argmax_fails_at(cm, type, y, s, N, ARGMAX_K, TRM_E_LABEL, "y_true[17003]");
    free(y);
    free(s);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(argmax_span_overflow)
{
    /* (SIZE_MAX/2) rows of stride 3 need more than SIZE_MAX elements; the call
     * must refuse before reading anything beyond the one row given. */
    trm_confusion *cm = make(3, 0);
    const int32_t y[] = { 0 };
    const float f[] = { 1, 2, 3 };
    const double d[] = { 1, 2, 3 };
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_argmax_f32(cm, y, f, SIZE_MAX / 2, 3));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_argmax_f64(cm, y, d, SIZE_MAX / 2, 3));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_argmax_f64(cm, y, d, 2, SIZE_MAX));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(argmax_ignored_rows_not_read)
{
    enum score_type type = (enum score_type)_i;
    /* Ignore 2: rows 2 and 3 of the basic scores are skipped, even with NaN in
     * them; the rest count (0,1), (1,0), (1,1). Ignore -1 skips a label outside [0,K). */
    static const uint64_t expected[9] = { 0, 1, 0, 1, 1, 0, 0, 0, 0 };
    double s[ARGMAX_N * ARGMAX_STRIDE];
    memcpy(s, argmax_scores, sizeof s);
    s[2 * ARGMAX_STRIDE + 0] = NAN;
    s[3 * ARGMAX_STRIDE + 2] = INFINITY;
    trm_confusion *cm = make(ARGMAX_K, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 2));
    ck_assert_ok(argmax_as(cm, type, argmax_true, s, ARGMAX_N, ARGMAX_STRIDE));
    assert_counts(cm, expected);

    static const int32_t y[] = { -1 };
    static const double nan_row[ARGMAX_K] = { NAN, NAN, NAN };
    ck_assert_ok(trm_confusion_set_ignore_label(cm, -1));
    ck_assert_ok(argmax_as(cm, type, y, nan_row, 1, ARGMAX_K));
    assert_counts(cm, expected);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(threshold_strict)
{
    enum score_type type = (enum score_type)_i;
    /* threshold 0.5, pred = score > 0.5:
     *   y 0 0.5 -> 0 (equal is not greater), y 0 0.2 -> 0, y 1 0.5 -> 0,
     *   y 1 0.9 -> 1, y 1 -1.0 -> 0, y 0 0.7 -> 1
     *   (0,0) 2, (0,1) 1, (1,0) 2, (1,1) 1 */
    static const int32_t y[] = { 0, 0, 1, 1, 1, 0 };
    static const double s[] = { 0.5, 0.2, 0.5, 0.9, -1.0, 0.7 };
    static const uint64_t expected[4] = { 2, 1, 2, 1 };
    trm_confusion *cm = make(2, 0);
    ck_assert_ok(threshold_as(cm, type, y, s, 6, 0.5));
    assert_counts(cm, expected);
    assert_total(cm, 6.0);

    /* 0.1 is not exact in binary, but a score equal to the threshold still predicts 0:
     * y 1 -> (1,0), total (1,0) = 3. */
    static const int32_t y1[] = { 1 };
    static const double tenth[] = { 0.1 };
    static const uint64_t expected2[4] = { 2, 1, 3, 1 };
    ck_assert_ok(threshold_as(cm, type, y1, tenth, 1, 0.1));
    assert_counts(cm, expected2);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(threshold_infinite_threshold)
{
    enum score_type type = (enum score_type)_i;
    /* Only NaN is refused. -Inf: every finite score is greater -> (0,1), (1,1);
     * +Inf: none is -> (0,0), (1,0). */
    static const int32_t y[] = { 0, 1 };
    static const double s[] = { -5.0, 5.0 };
    static const uint64_t expected[4] = { 1, 1, 1, 1 };
    trm_confusion *cm = make(2, 0);
    ck_assert_ok(threshold_as(cm, type, y, s, 2, -INFINITY));
    ck_assert_ok(threshold_as(cm, type, y, s, 2, INFINITY));
    assert_counts(cm, expected);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(threshold_rejections)
{
    enum score_type type = (enum score_type)_i;
    static const int32_t y[] = { 0, 1, 1 };
    static const double s[] = { 0.1, 0.9, 0.4 };

    for (size_t k = 1; k <= 3; k += 2) {
        trm_confusion *wrong = make(k, 0);
        ck_assert_rejected(TRM_E_MISMATCH, wrong, threshold_as(wrong, type, y, s, 1, 0.5));
        trm_confusion_free(wrong);
    }

    trm_confusion *cm = make(2, 0);
    ck_assert_ok(threshold_as(cm, type, y, s, 3, 0.5));
    ck_assert_rejected(TRM_E_INVALID, cm, threshold_as(cm, type, y, s, 3, NAN));

    static const double bad_scores[] = { NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < 3; i++) {
        const double with_bad[] = { 0.1, 0.9, bad_scores[i] };
        ck_assert_rejected(TRM_E_NONFINITE, cm, threshold_as(cm, type, y, with_bad, 3, 0.5));
    }

    static const int32_t bad_labels[] = { 2, -1 };
    for (size_t i = 0; i < 2; i++) {
        const int32_t with_bad[] = { 0, 1, bad_labels[i] };
        ck_assert_rejected(TRM_E_LABEL, cm, threshold_as(cm, type, with_bad, s, 3, 0.5));
    }

    /* An ignored sample is skipped even with a NaN score: only (0,0) counts.
     * Before: (0,0) 1 [0.1], (1,1) 1 [0.9], (1,0) 1 [0.4]. */
    static const double nan_last[] = { 0.1, 0.9, NAN };
    static const int32_t y_ign[] = { 0, 1, 1 };
    static const uint64_t expected[4] = { 2, 0, 1, 1 };
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    ck_assert_ok(threshold_as(cm, type, y_ign, nan_last, 3, 0.5));
    assert_counts(cm, expected);
    trm_confusion_free(cm);
}
END_TEST

/* ---- table additions ---------------------------------------------------------- */

START_TEST(add_counts_unweighted)
{
    trm_confusion *cm = make_basic();
    static const uint64_t table[16] = { 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 7 };
    /* basic_counts + table; total 8 + 13 = 21. */
    static const uint64_t expected[16] = { 3, 1, 0, 0, 0, 2, 5, 0, 1, 0, 0, 2, 0, 0, 0, 7 };
    ck_assert_ok(trm_confusion_add_counts(cm, table));
    assert_counts(cm, expected);
    assert_total(cm, 21.0);
    static const double w[16] = { 0 };
    ck_assert_rejected(TRM_E_MISMATCH, cm, trm_confusion_add_weights(cm, w));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(add_tables_weighted)
{
    trm_confusion *cm = make(2, TRM_CONFUSION_WEIGHTED);
    static const uint64_t counts[4] = { 1, 2, 3, 4 };
    static const double weights[4] = { 0.5, 0, 0.25, 0 };
    /* [1 2; 3 4] + [0.5 0; 0.25 0] = [1.5 2; 3.25 4]; total 10.75. */
    static const double expected[4] = { 1.5, 2, 3.25, 4 };
    ck_assert_ok(trm_confusion_add_counts(cm, counts));
    ck_assert_ok(trm_confusion_add_weights(cm, weights));
    assert_cells(cm, TRM_NORMALIZE_NONE, expected);
    assert_total(cm, 10.75);

    static const struct {
        double weight;
        int code;
    } bad[] = { { -1.0, TRM_E_INVALID }, { NAN, TRM_E_NONFINITE }, { INFINITY, TRM_E_NONFINITE } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const double table[4] = { 1.0, 1.0, 1.0, bad[i].weight };
        ck_assert_rejected(bad[i].code, cm, trm_confusion_add_weights(cm, table));
    }
    trm_confusion_free(cm);
}
END_TEST

START_TEST(count_overflow)
{
    trm_confusion *cm = make(2, 0);
    /* A table that itself sums past 2^64 - 1. */
    static const uint64_t too_much[4] = { UINT64_MAX, 1, 0, 0 };
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_add_counts(cm, too_much));

    static const uint64_t full[4] = { UINT64_MAX, 0, 0, 0 };
    ck_assert_ok(trm_confusion_add_counts(cm, full));
    assert_counts(cm, full);

    /* One more sample anywhere overflows the total. */
    const uint8_t t8[] = { 1 }, p8[] = { 1 };
    const int32_t y[] = { 1 };
    const double row[] = { 0.0, 1.0 };
    static const uint64_t one[4] = { 0, 0, 0, 1 };
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_u8(cm, t8, p8, 1));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_add_counts(cm, one));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_argmax_f64(cm, y, row, 1, 2));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_update_threshold_f64(cm, y, row, 1, 0.5));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_merge(cm, cm));

    /* Batches that count nothing still fit: n = 0, and every pair ignored. */
    ck_assert_ok(trm_confusion_update_u8(cm, t8, p8, 0));
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    ck_assert_ok(trm_confusion_update_u8(cm, t8, p8, 1));
    assert_counts(cm, full);
    trm_confusion_free(cm);

    /* The TOTAL is what overflows: 2^63 in two different cells is 2^64. */
    cm = make(2, 0);
    static const uint64_t half_a[4] = { UINT64_C(1) << 63, 0, 0, 0 };
    static const uint64_t half_b[4] = { 0, UINT64_C(1) << 63, 0, 0 };
    ck_assert_ok(trm_confusion_add_counts(cm, half_a));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_add_counts(cm, half_b));
    trm_confusion_free(cm);
}
END_TEST

/* ---- merge, clone, reset ------------------------------------------------------ */

START_TEST(merge_equals_one_stream)
{
    /* basic pairs 0..4 into a, 5..7 into b, all into whole. */
    trm_confusion *a = make(BASIC_K, 0), *b = make(BASIC_K, 0), *whole = make_basic();
    ck_assert_ok(update_as(a, I64, basic_true, basic_pred, 5));
    ck_assert_ok(update_as(b, I64, basic_true + 5, basic_pred + 5, 3));
    ck_assert_ok(trm_confusion_merge(a, b));
    assert_counts(a, basic_counts);
    assert_total(a, 8.0);
    size_t size = 0;
    uint8_t *blob = snapshot(whole, &size);
    ck_assert_unchanged(a, blob, size);
    free(blob);
    trm_confusion_free(a);
    trm_confusion_free(b);
    trm_confusion_free(whole);
}
END_TEST

START_TEST(merge_weighted_with_ignore)
{
    /* Both ignore 1. a: (0,1) 0.5, (1,0) skipped; b: (0,1) 2.0, (2,0) 3.0.
     * a + b = (0,1) 2.5, (2,0) 3.0. */
    trm_confusion *a = make(3, TRM_CONFUSION_WEIGHTED), *b = make(3, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_set_ignore_label(a, 1));
    ck_assert_ok(trm_confusion_set_ignore_label(b, 1));
    const int32_t ta[] = { 0, 1 }, pa[] = { 1, 0 }, tb[] = { 0, 2 }, pb[] = { 1, 0 };
    const double wa[] = { 0.5, 9.0 }, wb[] = { 2.0, 3.0 };
    ck_assert_ok(trm_confusion_update_weighted_i32(a, ta, pa, wa, 2));
    ck_assert_ok(trm_confusion_update_weighted_i32(b, tb, pb, wb, 2));
    ck_assert_ok(trm_confusion_merge(a, b));
    static const double expected[9] = { 0, 2.5, 0, 0, 0, 0, 3.0, 0, 0 };
    assert_cells(a, TRM_NORMALIZE_NONE, expected);
    assert_total(a, 5.5);
    ck_assert(trm_confusion_ignore_label(a) == 1);
    trm_confusion_free(a);
    trm_confusion_free(b);
}
END_TEST

START_TEST(merge_into_itself_doubles)
{
    static const uint64_t doubled[16] = { 4, 2, 0, 0, 0, 4, 0, 0, 2, 0, 0, 4, 0, 0, 0, 0 };
    trm_confusion *cm = make_basic();
    ck_assert_ok(trm_confusion_merge(cm, cm));
    assert_counts(cm, doubled);
    assert_total(cm, 16.0);
    trm_confusion_free(cm);

    /* Weighted: [0.5 0; 0 2] doubles to [1 0; 0 4]. */
    static const double w[4] = { 0.5, 0, 0, 2 }, w2[4] = { 1, 0, 0, 4 };
    cm = make(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_add_weights(cm, w));
    ck_assert_ok(trm_confusion_merge(cm, cm));
    assert_cells(cm, TRM_NORMALIZE_NONE, w2);
    trm_confusion_free(cm);
}
END_TEST

/* check-contract.c: the clone serializes like its source and counts on its own. */
START_TEST(clone_is_deep)
{
    trm_confusion *cm = make_basic(), *copy = NULL;
    ck_assert_ok(trm_confusion_set_ignore_label(cm, -100));
    ck_assert_ok(trm_confusion_clone(&copy, cm));
    ck_assert_uint_eq(trm_confusion_n_classes(copy), BASIC_K);
    ck_assert_uint_eq(trm_confusion_flags(copy), 0);
    ck_assert(trm_confusion_ignore_label(copy) == -100);
    assert_counts(copy, basic_counts);

    /* (3,3) added to the original only, (0,2) to the copy only. */
    const int32_t t1[] = { 3 }, p1[] = { 3 }, t2[] = { 0 }, p2[] = { 2 };
    ck_assert_ok(trm_confusion_update_i32(cm, t1, p1, 1));
    ck_assert_ok(trm_confusion_update_i32(copy, t2, p2, 1));
    uint64_t orig_expected[16], copy_expected[16];
    memcpy(orig_expected, basic_counts, sizeof orig_expected);
    memcpy(copy_expected, basic_counts, sizeof copy_expected);
    orig_expected[3 * 4 + 3] += 1;
    copy_expected[0 * 4 + 2] += 1;
    assert_counts(cm, orig_expected);
    assert_counts(copy, copy_expected);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, TRM_NO_IGNORE));
    ck_assert(trm_confusion_ignore_label(copy) == -100);
    trm_confusion_free(cm);
    trm_confusion_free(copy);

    /* Weighted: the copy keeps the flag and the sums. */
    static const double w[4] = { 0.5, 1.5, 0, 2 };
    cm = make(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_add_weights(cm, w));
    ck_assert_ok(trm_confusion_clone(&copy, cm));
    ck_assert_uint_eq(trm_confusion_flags(copy), TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_add_weights(cm, w));
    assert_cells(copy, TRM_NORMALIZE_NONE, w);
    assert_total(copy, 4.0);
    trm_confusion_free(cm);
    trm_confusion_free(copy);
}
END_TEST

START_TEST(reset_keeps_options)
{
    static const uint64_t zeros[16] = { 0 };
    trm_confusion *cm = make_basic();
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 2));
    trm_confusion_reset(cm);
    ck_assert_uint_eq(trm_confusion_n_classes(cm), BASIC_K);
    ck_assert_uint_eq(trm_confusion_flags(cm), 0);
    ck_assert(trm_confusion_ignore_label(cm) == 2);
    assert_counts(cm, zeros);
    assert_total(cm, 0.0);
    /* The ignore label still applies: (2,3) skipped, (1,0) counted. */
    const int32_t t[] = { 2, 1 }, p[] = { 3, 0 };
    static const uint64_t expected[16] = { 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    ck_assert_ok(trm_confusion_update_i32(cm, t, p, 2));
    assert_counts(cm, expected);
    trm_confusion_free(cm);

    /* Weighted, and the total is back to 0 so the overflow room is restored. */
    static const double huge[4] = { HUGE_WEIGHT, 0, 0, 0 }, empty[4] = { 0 };
    cm = make(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, -5));
    ck_assert_ok(trm_confusion_add_weights(cm, huge));
    trm_confusion_reset(cm);
    ck_assert_uint_eq(trm_confusion_flags(cm), TRM_CONFUSION_WEIGHTED);
    ck_assert(trm_confusion_ignore_label(cm) == -5);
    assert_cells(cm, TRM_NORMALIZE_NONE, empty);
    ck_assert_ok(trm_confusion_add_weights(cm, huge));
    ck_assert_rejected(TRM_E_OVERFLOW, cm, trm_confusion_add_weights(cm, huge));
    trm_confusion_free(cm);

    trm_confusion *counts = make(2, 0);
    static const uint64_t full[4] = { 0, UINT64_MAX, 0, 0 };
    ck_assert_ok(trm_confusion_add_counts(counts, full));
    trm_confusion_reset(counts);
    ck_assert_ok(trm_confusion_add_counts(counts, full));
    assert_counts(counts, full);
    trm_confusion_free(counts);
}
END_TEST

/* ---- batch validation --------------------------------------------------------- */

enum { VAL_N = 6000 };

/* Positions around and past the first 4096-element scan block. */
static const size_t bad_positions[] = { 0, 2500, 4095, 4096, 5000, VAL_N - 1 };

/* Out-of-range values each label type can hold; K = 4. */
static size_t bad_values_for(enum label_type type, int64_t out[4])
{
    out[0] = 4;
    out[1] = 12;
    switch (type) {
    case U8: out[2] = 255; return 3;
    case U16: out[2] = 65535; return 3;
    case I32: out[2] = -1; out[3] = INT32_MIN; return 4;
    default: out[2] = -1; out[3] = INT64_MIN; return 4;
    }
}

START_TEST(bad_label_rejects_batch)
{
    enum label_type type = (enum label_type)_i;
    int64_t *t = malloc(VAL_N * sizeof *t), *p = malloc(VAL_N * sizeof *p);
    ck_assert(t && p);
    for (size_t i = 0; i < VAL_N; i++) {
        t[i] = (int64_t)(i % 4);
        p[i] = (int64_t)((i / 4) % 4);
    }
    trm_confusion *cm = make_basic();
    size_t size = 0;
    uint8_t *before = snapshot(cm, &size);

    int64_t values[4];
    size_t n_values = bad_values_for(type, values);
    for (size_t side = 0; side < 2; side++) {
        int64_t *target = side == 0 ? t : p;
        const char *name = side == 0 ? "y_true" : "y_pred";
        for (size_t pos = 0; pos < sizeof bad_positions / sizeof bad_positions[0]; pos++) {
            for (size_t v = 0; v < n_values; v++) {
                size_t at = bad_positions[pos];
                int64_t saved = target[at];
                target[at] = values[v];
                trm_clear_last_error();
                int rc = update_as(cm, type, t, p, VAL_N);
                ck_assert_msg(rc == TRM_E_LABEL, "update_%s with %s[%zu] = %" PRId64 " returned %d",
                              label_type_name[type], name, at, values[v], rc);
                char where[64], what[64];
                snprintf(where, sizeof where, "%s[%zu]", name, at);
                snprintf(what, sizeof what, "= %" PRId64, values[v]);
                assert_mentions(where);
                assert_mentions(what);
                ck_assert_unchanged(cm, before, size);
                target[at] = saved;
            }
        }
    }
    /* The clean batch itself is fine. */
    ck_assert_ok(update_as(cm, type, t, p, VAL_N));
    free(before);
    free(t);
    free(p);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(first_bad_label_is_named)
{
    enum label_type type = (enum label_type)_i;
    int64_t *t = calloc(VAL_N, sizeof *t), *p = calloc(VAL_N, sizeof *p);
    ck_assert(t && p);
    t[5000] = 12;
    p[10] = 7;
    trm_confusion *cm = make(4, 0);
    ck_assert_rejected(TRM_E_LABEL, cm, update_as(cm, type, t, p, VAL_N));
    /* ck_assert_rejected's snapshot overwrote the detail; fail once more to read it. */
    ck_assert_int_eq(update_as(cm, type, t, p, VAL_N), TRM_E_LABEL);
    assert_mentions("y_pred[10]");
    assert_mentions("= 7");
    free(t);
    free(p);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(ignored_pairs_are_not_reported)
{
    enum label_type type = (enum label_type)_i;
    /* Ignore 1: the pairs (1, 200) at indices 3 and 4500 are skipped, so the first
     * offending element is y_true[5000] = 12, in the same scan block as 4500. */
    int64_t *t = calloc(VAL_N, sizeof *t), *p = calloc(VAL_N, sizeof *p);
    ck_assert(t && p);
    t[3] = t[4500] = 1;
    p[3] = p[4500] = 200;
    t[5000] = 12;
    trm_confusion *cm = make(4, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    trm_clear_last_error();
    ck_assert_int_eq(update_as(cm, type, t, p, VAL_N), TRM_E_LABEL);
    assert_mentions("y_true[5000]");
    assert_mentions("= 12");
    free(t);
    free(p);
    trm_confusion_free(cm);
}
END_TEST

/* ---- NULL pointers ------------------------------------------------------------ */

START_TEST(null_pointers_rejected)
{
    trm_confusion *cm = make(2, 0), *wm = make(2, TRM_CONFUSION_WEIGHTED);
    const uint8_t u8[] = { 0, 1 };
    const uint16_t u16[] = { 0, 1 };
    const int32_t i32[] = { 0, 1 };
    const int64_t i64[] = { 0, 1 };
    const float f32[] = { 0.1f, 0.9f, 0.3f, 0.2f };
    const double f64[] = { 0.1, 0.9, 0.3, 0.2 };
    const double w[4] = { 1, 1, 1, 1 };
    const uint64_t c[4] = { 1, 1, 1, 1 };
    uint64_t counts[4];
    double cells[4], total;
    ck_assert_ok(trm_confusion_update_u8(cm, u8, u8, 2));
    ck_assert_ok(trm_confusion_update_weighted_i32(wm, i32, i32, w, 2));

    ck_assert_fails(TRM_E_INVALID, trm_confusion_set_ignore_label(NULL, 1));

    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_u8(NULL, u8, u8, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_u8(cm, NULL, u8, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_u8(cm, u8, NULL, 2));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_u16(NULL, u16, u16, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_u16(cm, NULL, u16, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_u16(cm, u16, NULL, 2));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_i32(NULL, i32, i32, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_i32(cm, NULL, i32, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_i32(cm, i32, NULL, 2));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_i64(NULL, i64, i64, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_i64(cm, NULL, i64, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_i64(cm, i64, NULL, 2));

    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_weighted_i32(NULL, i32, i32, w, 2));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_update_weighted_i32(wm, NULL, i32, w, 2));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_update_weighted_i32(wm, i32, NULL, w, 2));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_update_weighted_i32(wm, i32, i32, NULL, 2));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_weighted_i64(NULL, i64, i64, w, 2));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_update_weighted_i64(wm, NULL, i64, w, 2));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_update_weighted_i64(wm, i64, NULL, w, 2));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_update_weighted_i64(wm, i64, i64, NULL, 2));

    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_f32(NULL, i32, f32, 2, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_argmax_f32(cm, NULL, f32, 2, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_argmax_f32(cm, i32, NULL, 2, 2));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_f64(NULL, i32, f64, 2, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_argmax_f64(cm, NULL, f64, 2, 2));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_argmax_f64(cm, i32, NULL, 2, 2));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_f32(NULL, i32, f32, 2, 0.5f));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_threshold_f32(cm, NULL, f32, 2, 0.5f));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_threshold_f32(cm, i32, NULL, 2, 0.5f));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_f64(NULL, i32, f64, 2, 0.5));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_threshold_f64(cm, NULL, f64, 2, 0.5));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_update_threshold_f64(cm, i32, NULL, 2, 0.5));

    ck_assert_fails(TRM_E_INVALID, trm_confusion_counts(NULL, counts));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_counts(cm, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_matrix(NULL, TRM_NORMALIZE_NONE, cells));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_matrix(cm, TRM_NORMALIZE_NONE, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_total(NULL, &total));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_total(cm, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_add_counts(NULL, c));
    ck_assert_rejected(TRM_E_INVALID, cm, trm_confusion_add_counts(cm, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_add_weights(NULL, w));
    ck_assert_rejected(TRM_E_INVALID, wm, trm_confusion_add_weights(wm, NULL));

    /* The life-cycle calls: check-contract.c. */
    trm_confusion_free(cm);
    trm_confusion_free(wm);
}
END_TEST

/* The argmax compares order keys of the bits: negative rows, -0 against +0
 * (equal, so the lower index wins, as np.argmax) and huge magnitudes must
 * still follow float order. */
START_TEST(argmax_float_order)
{
    static const float rows[][3] = {
        { -0.0f, 0.0f, -1.0f },     /* -0 == +0: index 0 */
        { 0.0f, -0.0f, -1.0f },     /* index 0 */
        { -3.0f, -1.0f, -1.0f },    /* index 1 */
        { -1e30f, -1e-30f, -2.0f }, /* index 1 */
        { 1e-45f, 0.0f, -0.0f },    /* the smallest subnormal beats zero: index 0 */
        { -5.0f, 3e38f, 3e38f },    /* index 1 */
        /* the lowest float, which vector kernels may pad short rows with */
        { -FLT_MAX, -FLT_MAX, -FLT_MAX }, /* index 0 */
        { -FLT_MAX, -3e38f, -FLT_MAX },   /* index 1 */
    };
    static const int32_t y_true[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    /* Row 0 holds the predictions: 0, 0, 1, 1, 0, 1, 0, 1 -> cells [0][0] = 4, [0][1] = 4. */
    static const uint64_t want[9] = { 4, 4, 0, 0, 0, 0, 0, 0, 0 };
    uint64_t got[9];
    trm_confusion *cm = make(3, 0);
    ck_assert_ok(trm_confusion_update_argmax_f32(cm, y_true, &rows[0][0], 8, 3));
    ck_assert_ok(trm_confusion_counts(cm, got));
    ck_assert_msg(memcmp(got, want, sizeof want) == 0, "argmax picked %llu/%llu/%llu", (unsigned long long)got[0],
                  (unsigned long long)got[1], (unsigned long long)got[2]);
    trm_confusion_free(cm);
}
END_TEST

/* Argmax rows of every width from 1 to 70 scores and from 126 to 130 (short
 * rows, long rows with and without a remainder, each side of the 16, 64 and
 * 128 that vector kernels group scores by) and padded strides, with ties
 * everywhere: scores come from a handful of values, -0 and +0 among them. The
 * oracle is the plain first-index-of-the-maximum loop. A non-finite score in
 * a late row (at every position up to 70 scores, every fifth and the last
 * beyond) must leave the matrix unchanged and be named. */
/* The position `step` after j in a row of k, or the last one, then past it. */
static size_t next_position(size_t j, size_t k, size_t step)
{
    return j + step < k || j + 1 == k ? j + step : k - 1;
}

START_TEST(argmax_every_width)
{
    static const float values[] = { -2.0f, -0.0f, 0.0f, 1.5f, 3.0f };
    enum { N = 700, DENSE_K = 70, MAX_K = 130 };
    float *scores = malloc(N * (MAX_K + 3) * sizeof *scores);
    int32_t y_true[N];
    uint64_t *want = malloc(MAX_K * MAX_K * sizeof *want), *got = malloc(MAX_K * MAX_K * sizeof *got);
    uint64_t seed = 12345;
    ck_assert(scores && want && got);
    for (size_t k = 1; k <= MAX_K; k = k == DENSE_K ? MAX_K - 4 : k + 1) {
        for (size_t pad = 0; pad <= 3; pad += 3) {
            size_t stride = k + pad;
            trm_confusion *cm = make(k, 0);
            memset(want, 0, k * k * sizeof *want);
            for (size_t i = 0; i < N; i++) {
                y_true[i] = (int32_t)(i % k);
                size_t best = 0;
                for (size_t j = 0; j < stride; j++) {
                    seed = seed * 6364136223846793005u + 1442695040888963407u;
                    scores[i * stride + j] = values[(seed >> 33) % 5];
                    if (j < k && scores[i * stride + j] > scores[i * stride + best])
                        best = j;
                }
                want[(size_t)y_true[i] * k + best]++;
            }
            ck_assert_ok(trm_confusion_update_argmax_f32(cm, y_true, scores, N, stride));
            ck_assert_ok(trm_confusion_counts(cm, got));
            ck_assert_msg(memcmp(got, want, k * k * sizeof *got) == 0, "K=%zu stride=%zu: counts differ", k, stride);

            size_t size = 0;
            uint8_t *before = snapshot(cm, &size);
            size_t row = N - 1 - k % 3;
            for (size_t j = 0; j < k; j = next_position(j, k, k <= DENSE_K ? 1 : 5)) {
                float saved = scores[row * stride + j];
                scores[row * stride + j] = j % 2 ? INFINITY : NAN;
                ck_assert_fails(TRM_E_NONFINITE, trm_confusion_update_argmax_f32(cm, y_true, scores, N, stride));
                char where[48];
                snprintf(where, sizeof where, "scores[%zu][%zu]", row, j);
                assert_mentions(where);
                ck_assert_unchanged(cm, before, size);
                scores[row * stride + j] = saved;
            }
            free(before);
            trm_confusion_free(cm);
        }
    }
    free(scores);
    free(want);
    free(got);
}
END_TEST

/* Calls of many blocks of rows (kernels check and count rows a block at a
 * time, and may count a block behind), twice over, against the plain
 * first-index-of-the-maximum loop. */
START_TEST(argmax_long_call_counts_every_row)
{
    static const size_t ks[] = { 1, 5, 16, 33 };
    enum { N = 2 * 65536 + 37, MAX_K = 33 };
    float *scores = malloc((size_t)N * MAX_K * sizeof *scores);
    int32_t *y_true = malloc(N * sizeof *y_true);
    uint64_t want[MAX_K * MAX_K], got[MAX_K * MAX_K], seed = 99;
    ck_assert(scores && y_true);
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        size_t k = ks[ki];
        trm_confusion *cm = make(k, 0);
        memset(want, 0, sizeof want);
        for (size_t i = 0; i < N; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            y_true[i] = (int32_t)((seed >> 33) % k);
            size_t best = 0;
            for (size_t j = 0; j < k; j++) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                scores[i * k + j] = (float)((seed >> 33) % 9);
                best = scores[i * k + j] > scores[i * k + best] ? j : best;
            }
            want[(size_t)y_true[i] * k + best] += 2;
        }
        ck_assert_ok(trm_confusion_update_argmax_f32(cm, y_true, scores, N, k));
        ck_assert_ok(trm_confusion_update_argmax_f32(cm, y_true, scores, N, k));
        ck_assert_ok(trm_confusion_counts(cm, got));
        ck_assert_msg(memcmp(got, want, k * k * sizeof *got) == 0, "K=%zu: counts differ", k);
        double total = 0.0;
        ck_assert_ok(trm_confusion_total(cm, &total));
        ck_assert_double_eq(total, 2.0 * N);
        trm_confusion_free(cm);
    }
    free(scores);
    free(y_true);
}
END_TEST

/* The argmaxes of a call are counted in batches of several cache blocks, and
 * the true labels are checked only as a batch is counted: a bad label must
 * still be named before a non-finite score in a later row of the same batch
 * (and after one in an earlier row), wherever it sits, with the matrix as it
 * was. K 3, 10 and 40 take the portable, the short-row and the long-row scans
 * for float32; each runs with and without an ignored class. */
START_TEST(argmax_first_bad_row_across_batches)
{
    enum score_type type = (enum score_type)_i;
    static const size_t ks[] = { 3, 10, 40 };
    enum { N = 20000, EARLY = 5000, LATER = 6000 };
    int32_t *y = malloc(N * sizeof *y);
    double *s = malloc(N * 40 * sizeof *s);
    uint64_t *want = malloc(40 * 40 * sizeof *want), *got = malloc(40 * 40 * sizeof *got);
    ck_assert(y && s && want && got);
    for (size_t ki = 0; ki < 3; ki++) {
        size_t k = ks[ki];
        for (int with_ignore = 0; with_ignore < 2; with_ignore++) {
            trm_confusion *cm = make_ignoring_one(k, with_ignore);
            memset(want, 0, k * k * sizeof *want);
            for (size_t i = 0; i < N; i++) {
                y[i] = (int32_t)((i * 7) % k);
                size_t best = 0;
                for (size_t j = 0; j < k; j++) {
                    s[i * k + j] = (double)((i * 13 + j * 5) % 17);
                    best = s[i * k + j] > s[i * k + best] ? j : best;
                }
                if (!(with_ignore && y[i] == 1))
                    want[(size_t)y[i] * k + best]++;
            }
            ck_assert_ok(argmax_as(cm, type, y, s, N, k));
            ck_assert_ok(trm_confusion_counts(cm, got));
            ck_assert_msg(memcmp(got, want, k * k * sizeof *got) == 0, "K=%zu ignore=%d: counts differ", k,
                          with_ignore);

            y[EARLY] = (int32_t)k;
            s[LATER * k + k / 2] = NAN;
            argmax_fails_at(cm, type, y, s, N, k, TRM_E_LABEL, "y_true[5000]");
            y[EARLY] = 0;
            s[EARLY * k] = INFINITY;
            y[LATER] = -2;
            argmax_fails_at(cm, type, y, s, N, k, TRM_E_NONFINITE, "scores[5000][0]");
            s[EARLY * k] = 0.0;
            s[LATER * k + k / 2] = 0.0;
            argmax_fails_at(cm, type, y, s, N, k, TRM_E_LABEL, "y_true[6000]");
            y[LATER] = 0;
            y[10] = (int32_t)k;
            argmax_fails_at(cm, type, y, s, N, k, TRM_E_LABEL, "y_true[10]");
            y[10] = 0;
            y[N - 1] = INT32_MIN;
            argmax_fails_at(cm, type, y, s, N, k, TRM_E_LABEL, "y_true[19999]");
            trm_confusion_free(cm);
        }
    }
    free(y);
    free(s);
    free(want);
    free(got);
}
END_TEST

/* Updates cm with n pairs and checks its counts against the oracle, a plain
 * loop over the pairs that leaves out those whose true label is skip (-1:
 * none). */
static void assert_counts_like_loop(trm_confusion *cm, enum label_type type, const int64_t *t, const int64_t *p,
                                    size_t n, int64_t skip)
{
    size_t k = trm_confusion_n_classes(cm);
    uint64_t *want = calloc(k * k, sizeof *want), *got = malloc(k * k * sizeof *got);
    ck_assert(want && got);
    for (size_t i = 0; i < n; i++)
        if (t[i] != skip)
            want[t[i] * (int64_t)k + p[i]]++;
    ck_assert_ok(update_as(cm, type, t, p, n));
    ck_assert_ok(trm_confusion_counts(cm, got));
    ck_assert_msg(memcmp(got, want, k * k * sizeof *got) == 0, "K=%zu n=%zu skip=%lld: counts differ", k, n,
                  (long long)skip);
    free(want);
    free(got);
}

/* The update kernels take different paths by K (two classes, a few classes,
 * many classes) and by the ignore label; each must count exactly what a plain
 * loop counts, and leave the matrix untouched when a late block holds a bad
 * label (the in-place path has to take back the blocks it already counted). */
START_TEST(every_counting_path)
{
    enum label_type type = (enum label_type)_i;
    static const size_t ks[] = { 2, 10, 100 };
    enum { N = 6000 };
    int64_t *t = malloc(N * sizeof *t), *p = malloc(N * sizeof *p);
    ck_assert(t && p);
    for (size_t ki = 0; ki < 3; ki++) {
        size_t k = ks[ki];
        for (int with_ignore = 0; with_ignore < 2; with_ignore++) {
            trm_confusion *cm = make_ignoring_one(k, with_ignore);
            for (size_t i = 0; i < N; i++) {
                t[i] = (int64_t)((i * 7) % k);
                p[i] = (int64_t)(i % 3 ? (size_t)t[i] : (i * 13) % k);
            }
            assert_counts_like_loop(cm, type, t, p, N, with_ignore ? 1 : -1);

            size_t size = 0;
            uint8_t *before = snapshot(cm, &size);
            p[5000] = (int64_t)k; /* in the third 2048-pair block */
            ck_assert_fails(TRM_E_LABEL, update_as(cm, type, t, p, N));
            assert_mentions("y_pred[5000]");
            ck_assert_unchanged(cm, before, size);
            free(before);
            trm_confusion_free(cm);
        }
    }
    free(t);
    free(p);
}
END_TEST

/* Small K is counted with labels narrowed to bytes where the CPU allows: a
 * label that narrows to a valid class (256 as u16, -256 as int32, 2^32 as
 * int64) must still be refused, wherever it sits in a 64-pair vector, and the
 * counts must match a plain loop for K from 3 to 16 and batch tails of any
 * length. */
START_TEST(small_k_counts_and_refuses_aliases)
{
    enum label_type type = (enum label_type)_i;
    static const size_t ks[] = { 3, 10, 16 };
    static const int64_t alias_for[] = { 255, 256, -256, (int64_t)1 << 32 };
    enum { N = 2 * 2048 + 101 };
    int64_t *t = malloc(N * sizeof *t), *p = malloc(N * sizeof *p);
    ck_assert(t && p);
    for (size_t ki = 0; ki < 3; ki++) {
        size_t k = ks[ki];
        for (size_t n = N - 70; n <= N; n += 7) {
            trm_confusion *cm = make(k, 0);
            for (size_t i = 0; i < n; i++) {
                t[i] = (int64_t)((i * 5 + i / 3) % k);
                p[i] = (int64_t)(i % 4 ? (size_t)t[i] : (i * 11) % k);
            }
            assert_counts_like_loop(cm, type, t, p, n, -1);

            size_t size = 0;
            uint8_t *before = snapshot(cm, &size);
            const size_t at[] = { 0, 63, 2048 + 64, n - 1 };
            for (size_t a = 0; a < 4; a++) {
                int64_t *side = a % 2 ? p : t, saved = side[at[a]];
                side[at[a]] = alias_for[type];
                ck_assert_fails(TRM_E_LABEL, update_as(cm, type, t, p, n));
                char where[32];
                snprintf(where, sizeof where, "%s[%zu]", a % 2 ? "y_pred" : "y_true", at[a]);
                assert_mentions(where);
                ck_assert_unchanged(cm, before, size);
                side[at[a]] = saved;
            }
            free(before);
            trm_confusion_free(cm);
        }
    }
    free(t);
    free(p);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static Suite *confusion_suite(void)
{
    Suite *s = suite_create("confusion");

    TCase *tc = tcase_create("create");
    tcase_add_test(tc, new_rejects_bad_arguments);
    tcase_add_test(tc, new_size_overflow);
    tcase_add_test(tc, new_too_big_to_allocate);
    tcase_add_test(tc, new_is_empty);
    tcase_add_test(tc, null_handle_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("update");
    tcase_add_loop_test(tc, update_counts_pairs, 0, N_LABEL_TYPES);
    tcase_add_loop_test(tc, update_single_class, 0, N_LABEL_TYPES);
    suite_add_tcase(s, tc);

    tc = tcase_create("normalize");
    tcase_add_test(tc, matrix_normalizations);
    tcase_add_test(tc, matrix_unknown_mode);
    suite_add_tcase(s, tc);

    tc = tcase_create("ignore");
    tcase_add_loop_test(tc, ignore_label_inside_range, 0, N_LABEL_TYPES);
    tcase_add_loop_test(tc, ignore_label_outside_range, 0, N_LABEL_TYPES);
    tcase_add_test(tc, ignore_label_compared_as_value);
    tcase_add_test(tc, ignore_label_cleared);
    suite_add_tcase(s, tc);

    tc = tcase_create("weighted");
    tcase_add_loop_test(tc, weighted_sums, 0, 2);
    tcase_add_test(tc, weighted_plain_updates_weigh_one);
    tcase_add_loop_test(tc, weighted_update_on_unweighted, 0, 2);
    tcase_add_loop_test(tc, weighted_bad_weights, 0, 2);
    tcase_add_loop_test(tc, weighted_bad_label, 0, 2);
    tcase_add_test(tc, weighted_overflow);
    suite_add_tcase(s, tc);

    tc = tcase_create("scores");
    tcase_add_loop_test(tc, argmax_counts_rows, F32, F64 + 1);
    tcase_add_loop_test(tc, argmax_dense_rows, F32, F64 + 1);
    tcase_add_loop_test(tc, argmax_nonfinite_rejected, F32, F64 + 1);
    tcase_add_loop_test(tc, argmax_bad_stride_or_label, F32, F64 + 1);
    tcase_add_loop_test(tc, argmax_late_failure_takes_back, F32, F64 + 1);
    tcase_add_loop_test(tc, argmax_first_bad_row_across_batches, F32, F64 + 1);
    tcase_add_test(tc, argmax_span_overflow);
    tcase_add_loop_test(tc, argmax_ignored_rows_not_read, F32, F64 + 1);
    tcase_add_loop_test(tc, threshold_strict, F32, F64 + 1);
    tcase_add_loop_test(tc, threshold_infinite_threshold, F32, F64 + 1);
    tcase_add_loop_test(tc, threshold_rejections, F32, F64 + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("tables");
    tcase_add_test(tc, add_counts_unweighted);
    tcase_add_test(tc, add_tables_weighted);
    tcase_add_test(tc, count_overflow);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_test(tc, merge_equals_one_stream);
    tcase_add_test(tc, merge_weighted_with_ignore);
    tcase_add_test(tc, merge_into_itself_doubles);
    tcase_add_test(tc, clone_is_deep);
    tcase_add_test(tc, reset_keeps_options);
    suite_add_tcase(s, tc);

    tc = tcase_create("validation");
    tcase_add_loop_test(tc, bad_label_rejects_batch, 0, N_LABEL_TYPES);
    tcase_add_loop_test(tc, every_counting_path, 0, N_LABEL_TYPES);
    tcase_add_loop_test(tc, small_k_counts_and_refuses_aliases, 0, N_LABEL_TYPES);
    tcase_add_test(tc, argmax_every_width);
    tcase_add_test(tc, argmax_long_call_counts_every_row);
    tcase_add_test(tc, argmax_float_order);
    tcase_add_loop_test(tc, first_bad_label_is_named, 0, N_LABEL_TYPES);
    tcase_add_loop_test(tc, ignored_pairs_are_not_reported, 0, N_LABEL_TYPES);
    suite_add_tcase(s, tc);

    tc = tcase_create("null");
    tcase_add_test(tc, null_pointers_rejected);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(confusion_suite());
}
