/* SPDX-License-Identifier: MIT */
/* topk.h: creation, ranking with ties, accuracy at every k, batch validation,
 * overflow refusal, merge/clone/reset, the allocator, and blobs (layout, round
 * trip, size protocol, exhaustive rejection of damage). Every expected value is
 * computed by hand in the comment beside it.
 *
 * Rank of a sample = number of classes j ranked above its true class t:
 * score[j] > score[t], or score[j] == score[t] and j > t.
 *
 * Blob layout (lib/codec-private.h, lib/topk.c), little-endian:
 *   0 "TRMB" | 4 u16 version = 1 | 6 u16 kind = 2 (top-k)
 *   8 u64 K | 16 u64 max_k | 24 u64 n_samples | 32 (max_k + 1) u64 rank counters
 *   size-4 u32 CRC-32C of [0, size-4)
 * so a blob is 12 + 24 + 8 (max_k + 1) bytes: 60 for max_k = 2. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

static char sentinel_object;
/* Stands for "a pointer the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_topk *)(void *)&sentinel_object)

enum { OFF_VERSION = 4, OFF_KIND = 6, OFF_K = 8, OFF_MAX_K = 16, OFF_N = 24, OFF_RANKS = 32 };

/* ---- helpers ------------------------------------------------------------------ */

static trm_topk *make(size_t k, size_t max_k)
{
    trm_topk *t = NULL;
    ck_assert_ok(trm_topk_new(&t, k, max_k, NULL));
    ck_assert_ptr_nonnull(t);
    return t;
}

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

static int update_as(trm_topk *t, enum score_type type, const int32_t *y_true, const double *scores,
                     size_t n, size_t stride)
{
    void *s = scores_as(type, scores, n * stride);
    int rc = type == F32 ? trm_topk_update_f32(t, y_true, s, n, stride)
                         : trm_topk_update_f64(t, y_true, s, n, stride);
    free(s);
    return rc;
}

static void assert_accuracy(const trm_topk *t, size_t k, double expected)
{
    double got = -1.0;
    ck_assert_ok(trm_topk_accuracy(t, k, &got));
    ck_assert_msg(fabs(got - expected) <= 1e-15, "accuracy at k = %zu is %.17g, expected %.17g", k, got,
                  expected);
}

/* The basic batch: K = 4 in rows of stride 6; columns 4 and 5 are padding that
 * must never be read as scores (NaN, Inf). */
#define BASIC_K 4
#define BASIC_STRIDE 6
#define BASIC_N 6
static const int32_t basic_true[BASIC_N] = { 2, 0, 3, 0, 1, 2 };
static const double basic_scores[BASIC_N * BASIC_STRIDE] = {
    0.1, 0.4, 0.3, 0.2, NAN, INFINITY,    /* t 2: only 0.4 (j 1) > 0.3           -> rank 1 */
    0.5, 0.5, 0.5, 0.1, INFINITY, NAN,    /* t 0: j 1, 2 tie and are higher       -> rank 2 */
    0.2, 0.2, 0.2, 0.2, NAN, NAN,         /* t 3: ties only at lower indices      -> rank 0 */
    0.2, 0.2, 0.2, 0.2, -INFINITY, 1e30,  /* t 0: j 1, 2, 3 tie, all higher       -> rank 3 */
    -1.0, -2.0, 5.0, -2.0, NAN, 0,        /* t 1: j 0 > (-1 > -2), j 2 >, j 3 tie -> rank 3 */
    3.0, 1.0, 3.0, 2.0, 0, NAN,           /* t 2: j 0 ties but is lower, j 3 < 3  -> rank 0 */
};
/* Ranks 1, 2, 0, 3, 3, 0: two samples of rank 0, one of 1, one of 2, two of 3.
 * Hits at k (rank < k): k 1 -> 2, k 2 -> 3, k 3 -> 4, k 4 -> 6, all over 6. */

static trm_topk *make_basic(size_t max_k)
{
    trm_topk *t = make(BASIC_K, max_k);
    ck_assert_ok(update_as(t, F64, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    return t;
}

/* ---- creation ----------------------------------------------------------------- */

START_TEST(new_rejects_bad_arguments)
{
    trm_topk *out = UNTOUCHED;
    tracking c = { 0 };
    const trm_allocator one_hook[] = { { tracking_alloc, NULL, &c }, { NULL, tracking_free, &c } };
    ck_assert_fails(TRM_E_INVALID, trm_topk_new(&out, 0, 1, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_fails(TRM_E_INVALID, trm_topk_new(&out, 0, 0, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_fails(TRM_E_INVALID, trm_topk_new(&out, 5, 0, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_fails(TRM_E_INVALID, trm_topk_new(&out, 5, 6, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_fails(TRM_E_INVALID, trm_topk_new(&out, 1, 2, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_fails(TRM_E_INVALID, trm_topk_new(&out, 5, 2, &one_hook[i]));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
    ck_assert_uint_eq(c.allocs + c.refused + c.frees, 0);
    ck_assert_fails(TRM_E_INVALID, trm_topk_new(NULL, 5, 2, NULL));
}
END_TEST

START_TEST(new_size_overflow)
{
    /* max_k + 1 counters of 8 bytes: max_k = SIZE_MAX overflows the + 1,
     * SIZE_MAX / 2 the * 8, SIZE_MAX / 8 the header. */
    static const size_t huge[] = { SIZE_MAX, SIZE_MAX / 2, SIZE_MAX / 8 };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        trm_topk *out = UNTOUCHED;
        ck_assert_fails(TRM_E_OVERFLOW, trm_topk_new(&out, SIZE_MAX, huge[i], NULL));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
}
END_TEST

START_TEST(new_too_big_to_allocate)
{
#if SIZE_MAX > UINT32_MAX
    /* 2^60 counters: 2^63 bytes, which fits size_t but not any memory. */
    trm_topk *out = UNTOUCHED;
    trm_clear_last_error();
    ck_assert_int_eq(trm_topk_new(&out, (size_t)1 << 61, (size_t)1 << 60, NULL), TRM_E_NOMEM);
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert(trm_last_error()[0] != '\0');
#endif
}
END_TEST

START_TEST(new_is_empty)
{
    trm_topk *t = make(5, 3);
    ck_assert_uint_eq(trm_topk_n_classes(t), 5);
    ck_assert_uint_eq(trm_topk_max_k(t), 3);
    ck_assert_uint_eq(trm_topk_n_samples(t), 0);
    for (size_t k = 1; k <= 3; k++) {
        double out = 42.0;
        ck_assert_rejected(TRM_E_EMPTY, t, trm_topk_accuracy(t, k, &out));
        ck_assert(out == 42.0);
    }
    trm_topk_free(t);

    /* Many classes cost nothing: only max_k + 1 counters are kept. */
    t = make(SIZE_MAX, 1);
    ck_assert_uint_eq(trm_topk_n_classes(t), SIZE_MAX);
    trm_topk_free(t);
}
END_TEST

START_TEST(null_handle_queries)
{
    ck_assert_uint_eq(trm_topk_n_classes(NULL), 0);
    ck_assert_uint_eq(trm_topk_max_k(NULL), 0);
    ck_assert_uint_eq(trm_topk_n_samples(NULL), 0);
    trm_topk_free(NULL);
    trm_topk_reset(NULL);
}
END_TEST

/* ---- ranking ------------------------------------------------------------------ */

START_TEST(ranks_with_ties)
{
    enum score_type type = (enum score_type)_i;
    /* max_k = K = 4: every k is exact. */
    trm_topk *t = make(BASIC_K, 4);
    ck_assert_ok(update_as(t, type, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    ck_assert_uint_eq(trm_topk_n_samples(t), 6);
    assert_accuracy(t, 1, 2.0 / 6);
    assert_accuracy(t, 2, 3.0 / 6);
    assert_accuracy(t, 3, 4.0 / 6);
    assert_accuracy(t, 4, 6.0 / 6);

    /* n = 0 is a no-op. */
    ck_assert_ok(update_as(t, type, basic_true, basic_scores, 0, BASIC_STRIDE));
    ck_assert_uint_eq(trm_topk_n_samples(t), 6);

    /* The same batch again: every count doubles, the fractions stay. */
    ck_assert_ok(update_as(t, type, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    ck_assert_uint_eq(trm_topk_n_samples(t), 12);
    assert_accuracy(t, 1, 4.0 / 12);
    assert_accuracy(t, 3, 8.0 / 12);
    trm_topk_free(t);
}
END_TEST

START_TEST(max_k_below_k)
{
    enum score_type type = (enum score_type)_i;
    /* max_k = 2: ranks 2 and 3 share the last counter, k 1 and 2 stay exact. */
    trm_topk *t = make(BASIC_K, 2);
    ck_assert_ok(update_as(t, type, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    assert_accuracy(t, 1, 2.0 / 6);
    assert_accuracy(t, 2, 3.0 / 6);
    double out = 42.0;
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_accuracy(t, 3, &out));
    ck_assert(out == 42.0);

    /* max_k = 1 is plain accuracy with ties to the highest index. */
    trm_topk *one = make(BASIC_K, 1);
    ck_assert_ok(update_as(one, type, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    assert_accuracy(one, 1, 2.0 / 6);
    trm_topk_free(one);
    trm_topk_free(t);
}
END_TEST

START_TEST(dense_rows_and_signed_zeros)
{
    enum score_type type = (enum score_type)_i;
    /* row_stride = K = 3:
     *   t 0 {-0.0, 0.0, -1}: 0.0 == -0.0 at the higher j 1 -> rank 1
     *   t 1 {0.0, -0.0, 0.0}: j 0 ties but is lower, j 2 ties and is higher -> rank 1
     *   t 2 {1e-30, 0, 1e-30}: j 0 ties but is lower -> rank 0
     *   t 0 {-5, -6, -7}: nothing above -> rank 0
     *   t 2 {7, 8, 6}: both above -> rank 2
     * Hits: k 1 -> 2 of 5, k 2 -> 4 of 5, k 3 -> 5 of 5. */
    static const int32_t y[] = { 0, 1, 2, 0, 2 };
    static const double s[] = { -0.0, 0.0, -1, 0.0, -0.0, 0.0, 1e-30, 0, 1e-30, -5, -6, -7, 7, 8, 6 };
    trm_topk *t = make(3, 3);
    ck_assert_ok(update_as(t, type, y, s, 5, 3));
    assert_accuracy(t, 1, 2.0 / 5);
    assert_accuracy(t, 2, 4.0 / 5);
    assert_accuracy(t, 3, 1.0);
    trm_topk_free(t);
}
END_TEST

START_TEST(single_class)
{
    enum score_type type = (enum score_type)_i;
    /* K = 1: nothing can rank above class 0, so every sample is a hit. */
    static const int32_t y[] = { 0, 0, 0 }, bad[] = { 0, 1, 0 };
    static const double s[] = { -1.0, 0.0, 3.5 };
    trm_topk *t = make(1, 1);
    ck_assert_ok(update_as(t, type, y, s, 3, 1));
    assert_accuracy(t, 1, 1.0);
    ck_assert_rejected(TRM_E_LABEL, t, update_as(t, type, bad, s, 3, 1));
    trm_topk_free(t);
}
END_TEST

START_TEST(float_ties_are_float_ties)
{
    /* 0.1 + 1e-12 and 0.1 differ as doubles but are the same float. For t 1:
     * in f32, j 0 ties but is lower, so rank 0 (a hit at k 1); in f64, j 0 is
     * greater, so rank 1 (a miss). Scores are compared in their own type. */
    static const int32_t y[] = { 1 };
    static const double s[] = { 0.1 + 1e-12, 0.1 };
    trm_topk *f = make(2, 1), *d = make(2, 1);
    ck_assert_ok(update_as(f, F32, y, s, 1, 2));
    ck_assert_ok(update_as(d, F64, y, s, 1, 2));
    assert_accuracy(f, 1, 1.0);
    assert_accuracy(d, 1, 0.0);
    trm_topk_free(f);
    trm_topk_free(d);
}
END_TEST

/* ---- validation --------------------------------------------------------------- */

START_TEST(nonfinite_rejected)
{
    enum score_type type = (enum score_type)_i;
    static const double bad[] = { NAN, INFINITY, -INFINITY };
    static const size_t where[][2] = { { 0, 0 }, { 2, 3 }, { 5, 1 } }; /* (row, used column) */
    trm_topk *t = make_basic(4);
    for (size_t b = 0; b < 3; b++) {
        for (size_t w = 0; w < 3; w++) {
            double s[BASIC_N * BASIC_STRIDE];
            memcpy(s, basic_scores, sizeof s);
            s[where[w][0] * BASIC_STRIDE + where[w][1]] = bad[b];
            ck_assert_rejected(TRM_E_NONFINITE, t, update_as(t, type, basic_true, s, BASIC_N, BASIC_STRIDE));
            ck_assert_int_eq(update_as(t, type, basic_true, s, BASIC_N, BASIC_STRIDE), TRM_E_NONFINITE);
            char name[64];
            snprintf(name, sizeof name, "scores[%zu][%zu]", where[w][0], where[w][1]);
            assert_mentions(name);
        }
    }
    trm_topk_free(t);
}
END_TEST

START_TEST(bad_stride)
{
    enum score_type type = (enum score_type)_i;
    trm_topk *t = make_basic(4);
    ck_assert_rejected(TRM_E_INVALID, t, update_as(t, type, basic_true, basic_scores, 1, 3));
    ck_assert_rejected(TRM_E_INVALID, t, update_as(t, type, basic_true, basic_scores, 1, 0));
    trm_topk_free(t);
}
END_TEST

START_TEST(span_overflow)
{
    /* (SIZE_MAX / 2) rows of stride 3 need more than SIZE_MAX elements; the call
     * must refuse before reading anything beyond the one row given. */
    trm_topk *t = make(3, 2);
    const int32_t y[] = { 0 };
    const float f[] = { 1, 2, 3 };
    const double d[] = { 1, 2, 3 };
    ck_assert_rejected(TRM_E_OVERFLOW, t, trm_topk_update_f32(t, y, f, SIZE_MAX / 2, 3));
    ck_assert_rejected(TRM_E_OVERFLOW, t, trm_topk_update_f64(t, y, d, SIZE_MAX / 2, 3));
    ck_assert_rejected(TRM_E_OVERFLOW, t, trm_topk_update_f64(t, y, d, 2, SIZE_MAX));
    trm_topk_free(t);
}
END_TEST

enum { VAL_N = 6000, VAL_K = 3 };

/* Positions around and past the first 4096-row scan block. */
static const size_t bad_positions[] = { 0, 2500, 4095, 4096, 5000, VAL_N - 1 };

START_TEST(bad_label_rejects_batch)
{
    enum score_type type = (enum score_type)_i;
    static const int32_t bad_values[] = { VAL_K, 12, -1, INT32_MIN, INT32_MAX };
    int32_t *y = malloc(VAL_N * sizeof *y);
    double *s = malloc(VAL_N * VAL_K * sizeof *s);
    ck_assert(y && s);
    for (size_t i = 0; i < VAL_N; i++) {
        y[i] = (int32_t)(i % VAL_K);
        for (size_t j = 0; j < VAL_K; j++)
            s[i * VAL_K + j] = (double)((i + j) % 5);
    }
    trm_topk *t = make(VAL_K, 2);
    ck_assert_ok(update_as(t, type, y, s, 10, VAL_K));
    size_t size = 0;
    uint8_t *before = snapshot_topk(t, &size);
    for (size_t pos = 0; pos < sizeof bad_positions / sizeof bad_positions[0]; pos++) {
        for (size_t v = 0; v < sizeof bad_values / sizeof bad_values[0]; v++) {
            size_t at = bad_positions[pos];
            int32_t saved = y[at];
            y[at] = bad_values[v];
            trm_clear_last_error();
            ck_assert_int_eq(update_as(t, type, y, s, VAL_N, VAL_K), TRM_E_LABEL);
            char where[64], what[64];
            snprintf(where, sizeof where, "y_true[%zu]", at);
            snprintf(what, sizeof what, "= %" PRId32, bad_values[v]);
            assert_mentions(where);
            assert_mentions(what);
            ck_assert_unchanged_topk(t, before, size);
            y[at] = saved;
        }
    }
    /* The first offending element is named: a NaN in row 4500 after a bad label
     * in row 5000 of the same block, and a row's label before its scores. */
    s[4500 * VAL_K + 2] = NAN;
    y[5000] = -3;
    ck_assert_int_eq(update_as(t, type, y, s, VAL_N, VAL_K), TRM_E_NONFINITE);
    assert_mentions("scores[4500][2]");
    s[5000 * VAL_K] = NAN;
    s[4500 * VAL_K + 2] = 0.0;
    ck_assert_int_eq(update_as(t, type, y, s, VAL_N, VAL_K), TRM_E_LABEL);
    assert_mentions("y_true[5000]");
    y[5000] = 0;
    s[5000 * VAL_K] = 0.0;
    ck_assert_unchanged_topk(t, before, size);
    /* The clean batch itself is fine. */
    ck_assert_ok(update_as(t, type, y, s, VAL_N, VAL_K));
    ck_assert_uint_eq(trm_topk_n_samples(t), VAL_N + 10);
    free(before);
    free(y);
    free(s);
    trm_topk_free(t);
}
END_TEST

START_TEST(accuracy_bad_k)
{
    static const size_t bad_k[] = { 0, 5, 100, SIZE_MAX };
    trm_topk *t = make_basic(4);
    for (size_t i = 0; i < sizeof bad_k / sizeof bad_k[0]; i++) {
        double out = 42.0;
        ck_assert_rejected(TRM_E_INVALID, t, trm_topk_accuracy(t, bad_k[i], &out));
        ck_assert(out == 42.0);
    }
    /* An empty accumulator refuses a bad k as INVALID before it says EMPTY. */
    trm_topk *empty = make(4, 2);
    double out = 42.0;
    ck_assert_fails(TRM_E_INVALID, trm_topk_accuracy(empty, 3, &out));
    ck_assert_fails(TRM_E_EMPTY, trm_topk_accuracy(empty, 2, &out));
    ck_assert(out == 42.0);
    trm_topk_free(empty);
    trm_topk_free(t);
}
END_TEST

/* Builds a sample count of 2^64 - 1 by merging doublings of one sample:
 * 1 + 2 + 4 + ... + 2^63. Returns the full accumulator; *top holds 2^63. */
static trm_topk *make_full(trm_topk **top)
{
    static const int32_t y[] = { 1 };
    static const double s[] = { 0.0, 1.0 };
    trm_topk *acc = make(2, 1), *x = make(2, 1);
    ck_assert_ok(update_as(x, F64, y, s, 1, 2)); /* rank 0: a hit */
    ck_assert_ok(trm_topk_merge(acc, x));
    for (int i = 1; i < 64; i++) {
        ck_assert_ok(trm_topk_merge(x, x));
        ck_assert_ok(trm_topk_merge(acc, x));
    }
    ck_assert_uint_eq(trm_topk_n_samples(x), UINT64_C(1) << 63);
    ck_assert_uint_eq(trm_topk_n_samples(acc), UINT64_MAX);
    *top = x;
    return acc;
}

START_TEST(count_overflow)
{
    trm_topk *top = NULL, *full = make_full(&top);
    static const int32_t y[] = { 0 };
    static const double s[] = { 0.0, 1.0 };
    assert_accuracy(full, 1, 1.0);
    ck_assert_rejected(TRM_E_OVERFLOW, full, update_as(full, F32, y, s, 1, 2));
    ck_assert_rejected(TRM_E_OVERFLOW, full, update_as(full, F64, y, s, 1, 2));
    ck_assert_rejected(TRM_E_OVERFLOW, full, trm_topk_merge(full, top));
    ck_assert_rejected(TRM_E_OVERFLOW, top, trm_topk_merge(top, top)); /* 2^63 + 2^63 */
    /* n = 0 still fits. */
    ck_assert_ok(update_as(full, F64, y, s, 0, 2));
    trm_topk_free(full);
    trm_topk_free(top);
}
END_TEST

/* ---- merge, clone, reset ------------------------------------------------------ */

START_TEST(merge_equals_one_stream)
{
    enum score_type type = (enum score_type)_i;
    /* Rows 0..3 into a, 4..5 into b, all into whole: the blobs are identical. */
    trm_topk *a = make(BASIC_K, 3), *b = make(BASIC_K, 3), *whole = make(BASIC_K, 3);
    ck_assert_ok(update_as(a, type, basic_true, basic_scores, 4, BASIC_STRIDE));
    ck_assert_ok(update_as(b, type, basic_true + 4, basic_scores + 4 * BASIC_STRIDE, 2, BASIC_STRIDE));
    ck_assert_ok(update_as(whole, type, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    ck_assert_ok(trm_topk_merge(a, b));
    size_t size = 0;
    uint8_t *blob = snapshot_topk(whole, &size);
    ck_assert_unchanged_topk(a, blob, size);
    /* b is unchanged by being merged: rows 4 (rank 3) and 5 (rank 0). */
    ck_assert_uint_eq(trm_topk_n_samples(b), 2);
    assert_accuracy(b, 1, 0.5);
    free(blob);
    trm_topk_free(a);
    trm_topk_free(b);
    trm_topk_free(whole);
}
END_TEST

START_TEST(merge_into_itself_doubles)
{
    trm_topk *t = make_basic(4);
    ck_assert_ok(trm_topk_merge(t, t));
    ck_assert_uint_eq(trm_topk_n_samples(t), 12);
    assert_accuracy(t, 1, 4.0 / 12);
    assert_accuracy(t, 2, 6.0 / 12);
    trm_topk_free(t);
}
END_TEST

/* check-contract.c: the clone serializes like its source and counts on its own. */
START_TEST(clone_is_deep)
{
    trm_topk *t = make_basic(3), *copy = NULL;
    ck_assert_ok(trm_topk_clone(&copy, t));
    ck_assert_uint_eq(trm_topk_n_classes(copy), BASIC_K);
    ck_assert_uint_eq(trm_topk_max_k(copy), 3);

    /* A hit (t 0 ranked first) added to the copy only: 3 of 7 there, 2 of 6 here. */
    static const int32_t y[] = { 0 };
    static const double s[] = { 9, 1, 1, 1 };
    ck_assert_ok(update_as(copy, F64, y, s, 1, 4));
    assert_accuracy(copy, 1, 3.0 / 7);
    assert_accuracy(t, 1, 2.0 / 6);
    trm_topk_free(t);
    trm_topk_free(copy);
}
END_TEST

START_TEST(reset_keeps_sizes)
{
    trm_topk *t = make_basic(3);
    trm_topk_reset(t);
    ck_assert_uint_eq(trm_topk_n_classes(t), BASIC_K);
    ck_assert_uint_eq(trm_topk_max_k(t), 3);
    ck_assert_uint_eq(trm_topk_n_samples(t), 0);
    double out;
    ck_assert_fails(TRM_E_EMPTY, trm_topk_accuracy(t, 1, &out));
    /* Counting again (check-contract.c: a reset handle is a new one). */
    ck_assert_ok(update_as(t, F32, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    assert_accuracy(t, 3, 4.0 / 6);
    trm_topk_free(t);

    /* Reset restores the room for samples. */
    trm_topk *top = NULL, *full = make_full(&top);
    trm_topk_reset(full);
    ck_assert_ok(trm_topk_merge(full, top));
    trm_topk_free(full);
    trm_topk_free(top);
}
END_TEST

/* ---- allocator ---------------------------------------------------------------- */

/* check-contract.c: the hooks of new, clone and deserialize, one block each. */
START_TEST(allocator_used_everywhere)
{
    tracking c = { 0 };
    trm_allocator hooks = tracking_hooks(&c);
    trm_topk *t = NULL, *copy = NULL;
    ck_assert_ok(trm_topk_new(&t, BASIC_K, 4, &hooks));
    ck_assert_ok(update_as(t, F64, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
    ck_assert_ok(trm_topk_clone(&copy, t));
    /* Queries allocate nothing. */
    c.fail = 1;
    assert_accuracy(t, 2, 0.5);
    assert_accuracy(copy, 4, 1.0); /* with K = 4 every true class is among the top 4 */
    ck_assert_uint_eq(c.refused, 0);
    trm_topk_free(t);
    trm_topk_free(copy);
    ck_assert_uint_eq(c.frees, c.allocs);
}
END_TEST

/* ---- NULL pointers ------------------------------------------------------------ */

START_TEST(null_pointers_rejected)
{
    trm_topk *t = make_basic(2);
    const int32_t y[] = { 0 };
    const float f[] = { 1, 2, 3, 4 };
    const double d[] = { 1, 2, 3, 4 };
    double acc = 42.0;
    ck_assert_fails(TRM_E_INVALID, trm_topk_update_f32(NULL, y, f, 1, 4));
    assert_mentions("t is NULL");
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_update_f32(t, NULL, f, 1, 4));
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_update_f32(t, y, NULL, 1, 4));
    /* The detail names the argument (the snapshots above overwrote it). */
    ck_assert_fails(TRM_E_INVALID, trm_topk_update_f32(t, NULL, f, 1, 4));
    assert_mentions("trm_topk_update_f32: y_true is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_topk_update_f32(t, y, NULL, 1, 4));
    assert_mentions("trm_topk_update_f32: scores is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_topk_update_f64(NULL, y, d, 1, 4));
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_update_f64(t, NULL, d, 1, 4));
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_update_f64(t, y, NULL, 1, 4));
    /* NULL is refused even for an empty batch. */
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_update_f64(t, NULL, NULL, 0, 4));

    ck_assert_fails(TRM_E_INVALID, trm_topk_accuracy(NULL, 1, &acc));
    ck_assert_rejected(TRM_E_INVALID, t, trm_topk_accuracy(t, 1, NULL));
    ck_assert(acc == 42.0);

    /* The life-cycle calls: check-contract.c. */
    trm_topk_free(t);
}
END_TEST

/* ---- blobs -------------------------------------------------------------------- */

/* Deserializes and returns the code, checking that a failure leaves out alone. */
static int load(const uint8_t *blob, size_t size)
{
    trm_topk *out = UNTOUCHED;
    int rc = trm_topk_deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK)
        trm_topk_free(out);
    else
        ck_assert_msg(out == UNTOUCHED, "a failing deserialize wrote *out");
    return rc;
}

START_TEST(blob_layout)
{
    /* max_k = 2 on the basic batch: rank 0 x2, rank 1 x1, ranks >= 2 x3. */
    static const uint64_t ranks[3] = { 2, 1, 3 };
    trm_topk *t = make_basic(2);
    size_t size = 0;
    uint8_t *blob = snapshot_topk(t, &size);
    ck_assert_uint_eq(size, 60);
    ck_assert_mem_eq(blob, "TRMB", 4);
    ck_assert_uint_eq(blob_get_le(blob + OFF_VERSION, 2), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_KIND, 2), 2);
    ck_assert_uint_eq(blob_get_le(blob + OFF_K, 8), BASIC_K);
    ck_assert_uint_eq(blob_get_le(blob + OFF_MAX_K, 8), 2);
    ck_assert_uint_eq(blob_get_le(blob + OFF_N, 8), 6);
    for (size_t r = 0; r < 3; r++)
        ck_assert_uint_eq(blob_get_le(blob + OFF_RANKS + 8 * r, 8), ranks[r]);
    ck_assert_uint_eq(blob_get_le(blob + size - 4, 4), blob_crc32c(blob, size - 4));
    free(blob);
    trm_topk_free(t);
}
END_TEST

START_TEST(round_trip)
{
    static const size_t max_ks[] = { 1, 2, 4 };
    for (size_t i = 0; i < 3; i++) {
        trm_topk *t = make_basic(max_ks[i]), *back = UNTOUCHED;
        size_t size = 0;
        uint8_t *blob = snapshot_topk(t, &size);
        ck_assert_uint_eq(size, 36 + 8 * (max_ks[i] + 1));
        ck_assert_ok(trm_topk_deserialize(&back, blob, size, NULL));
        ck_assert_ptr_ne(back, UNTOUCHED);
        ck_assert_uint_eq(trm_topk_n_classes(back), BASIC_K);
        ck_assert_uint_eq(trm_topk_max_k(back), max_ks[i]);
        ck_assert_uint_eq(trm_topk_n_samples(back), 6);
        ck_assert_unchanged_topk(back, blob, size);
        assert_accuracy(back, 1, 2.0 / 6);
        /* The loaded accumulator carries on. */
        ck_assert_ok(update_as(back, F32, basic_true, basic_scores, BASIC_N, BASIC_STRIDE));
        assert_accuracy(back, 1, 4.0 / 12);
        free(blob);
        trm_topk_free(back);
        trm_topk_free(t);
    }
    /* An empty accumulator survives too. */
    trm_topk *empty = make(7, 7);
    size_t size = 0;
    uint8_t *blob = snapshot_topk(empty, &size);
    ck_assert_ok(load(blob, size));
    free(blob);
    trm_topk_free(empty);

    /* A full counter still refuses one more sample after a round trip. */
    trm_topk *top = NULL, *full = make_full(&top), *back = NULL;
    blob = snapshot_topk(full, &size);
    ck_assert_ok(trm_topk_deserialize(&back, blob, size, NULL));
    static const int32_t y[] = { 0 };
    static const double s[] = { 1.0, 0.0 };
    ck_assert_fails(TRM_E_OVERFLOW, update_as(back, F64, y, s, 1, 2));
    free(blob);
    trm_topk_free(back);
    trm_topk_free(full);
    trm_topk_free(top);
}
END_TEST

/* max_k = K, beside check-contract.c's max_k = 2 < K. */
START_TEST(every_damage_detected)
{
    trm_topk *t = make_basic(4);
    size_t size = 0;
    uint8_t *blob = snapshot_topk(t, &size);
    ck_assert_every_damage_detected(blob, size, load);
    free(blob);
    trm_topk_free(t);
}
END_TEST

/* A sealed edit of the max_k = 2 blob (K 4, ranks 2, 1, 3 of 6): up to two
 * 8-byte field patches and/or a new length. */
typedef struct edit {
    const char *what;
    size_t offset[2];  /* fields to patch; 0 = no patch */
    uint64_t value[2]; /* their new values */
    long resize;       /* bytes added (>0) or removed (<0) before the CRC */
} edit;

static const edit inconsistent[] = {
    { "K = 0", { OFF_K }, { 0 }, 0 },
    { "K = 1 < max_k", { OFF_K }, { 1 }, 0 },
    { "max_k = 0", { OFF_MAX_K }, { 0 }, 0 },
    { "max_k = 5 > K", { OFF_MAX_K }, { 5 }, 0 },
    { "max_k = 3 with 3 counters", { OFF_MAX_K }, { 3 }, 0 },
    { "max_k = 1 with 3 counters", { OFF_MAX_K }, { 1 }, 0 },
    { "max_k = 2^64 - 1", { OFF_MAX_K }, { UINT64_MAX }, 0 },
    { "n_samples = 7, counters sum to 6", { OFF_N }, { 7 }, 0 },
    { "n_samples = 0", { OFF_N }, { 0 }, 0 },
    { "counters summing past 2^64", { OFF_RANKS }, { UINT64_MAX }, 0 },
    { "one counter missing", { 0 }, { 0 }, -8 },
    { "one counter too many", { 0 }, { 0 }, 8 },
    { "one byte too many", { 0 }, { 0 }, 1 },
    { "one byte missing", { 0 }, { 0 }, -1 },
    { "no counters at all", { 0 }, { 0 }, -24 },
    /* max_k + 1 counters wrap to 0 counters. */
    { "K = max_k = 2^64 - 1, no counters", { OFF_K, OFF_MAX_K }, { UINT64_MAX, UINT64_MAX }, -24 },
};

static uint8_t *apply_edit(const uint8_t *blob, size_t size, const edit *e, size_t *new_size)
{
    size_t body_end = (size_t)((long)(size - 4) + e->resize);
    uint8_t *copy = calloc(body_end + 4, 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, blob, body_end < size - 4 ? body_end : size - 4);
    for (size_t i = 0; i < 2; i++)
        if (e->offset[i])
            blob_put_le(copy + e->offset[i], e->value[i], 8);
    *new_size = body_end + 4;
    blob_reseal(copy, *new_size);
    return copy;
}

START_TEST(inconsistent_body_is_corrupt)
{
    trm_topk *t = make_basic(2);
    size_t size = 0;
    uint8_t *blob = snapshot_topk(t, &size);
    for (size_t i = 0; i < sizeof inconsistent / sizeof inconsistent[0]; i++) {
        size_t new_size = 0;
        uint8_t *copy = apply_edit(blob, size, &inconsistent[i], &new_size);
        trm_clear_last_error();
        int rc = load(copy, new_size);
        ck_assert_msg(rc == TRM_E_CORRUPT, "%s: returned %d (%s)", inconsistent[i].what, rc, trm_strerror(rc));
        ck_assert(trm_last_error()[0] != '\0');
        free(copy);
    }
    free(blob);
    trm_topk_free(t);

    /* max_k = K: a sample of rank >= K cannot exist. K = 4, max_k = 4, counters
     * 2, 1, 1, 2, 0 -> move one sample to the last counter. */
    t = make_basic(4);
    blob = snapshot_topk(t, &size);
    ck_assert_ok(load(blob, size));
    blob_put_le(blob + OFF_RANKS + 3 * 8, 1, 8);
    blob_put_le(blob + OFF_RANKS + 4 * 8, 1, 8);
    blob_reseal(blob, size);
    ck_assert_int_eq(load(blob, size), TRM_E_CORRUPT);
    /* ... whereas with K = 5 the same counters are a valid state. */
    blob_put_le(blob + OFF_K, 5, 8);
    blob_reseal(blob, size);
    ck_assert_ok(load(blob, size));
    free(blob);
    trm_topk_free(t);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static Suite *topk_suite(void)
{
    Suite *s = suite_create("topk");

    TCase *tc = tcase_create("create");
    tcase_add_test(tc, new_rejects_bad_arguments);
    tcase_add_test(tc, new_size_overflow);
    tcase_add_test(tc, new_too_big_to_allocate);
    tcase_add_test(tc, new_is_empty);
    tcase_add_test(tc, null_handle_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("rank");
    tcase_add_loop_test(tc, ranks_with_ties, F32, F64 + 1);
    tcase_add_loop_test(tc, max_k_below_k, F32, F64 + 1);
    tcase_add_loop_test(tc, dense_rows_and_signed_zeros, F32, F64 + 1);
    tcase_add_loop_test(tc, single_class, F32, F64 + 1);
    tcase_add_test(tc, float_ties_are_float_ties);
    suite_add_tcase(s, tc);

    tc = tcase_create("validation");
    tcase_add_loop_test(tc, nonfinite_rejected, F32, F64 + 1);
    tcase_add_loop_test(tc, bad_stride, F32, F64 + 1);
    tcase_add_test(tc, span_overflow);
    tcase_add_loop_test(tc, bad_label_rejects_batch, F32, F64 + 1);
    tcase_add_test(tc, accuracy_bad_k);
    tcase_add_test(tc, count_overflow);
    tcase_add_test(tc, null_pointers_rejected);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_loop_test(tc, merge_equals_one_stream, F32, F64 + 1);
    tcase_add_test(tc, merge_into_itself_doubles);
    tcase_add_test(tc, clone_is_deep);
    tcase_add_test(tc, reset_keeps_sizes);
    tcase_add_test(tc, allocator_used_everywhere);
    suite_add_tcase(s, tc);

    tc = tcase_create("serialize");
    tcase_add_test(tc, blob_layout);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, every_damage_detected);
    tcase_add_test(tc, inconsistent_body_is_corrupt);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(topk_suite());
}
