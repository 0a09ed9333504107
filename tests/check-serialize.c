/* SPDX-License-Identifier: MIT */
/* Confusion-matrix blobs: the layout field by field, round trips, sizes, and
 * the rejection of inconsistent bodies under a valid CRC. The size protocol,
 * the envelope and the rejection of every truncation and byte change are
 * checked for every handle type in check-contract.c.
 *
 * Blob layout (lib/core/codec-private.h, lib/classification/confusion.c), little-endian:
 *   0 "TRMB" | 4 u16 version = 1 | 6 u16 kind = 1 (confusion)
 *   8 u64 K | 16 u32 flags | 20 u32 reserved = 0 | 24 i64 ignore label
 *   32 K*K cells (u64 counts or f64 weights) | size-4 u32 CRC-32C of [0, size-4)
 * so a blob is 12 + 24 + 8*K*K bytes: 108 for K = 3, 68 for K = 2. A weighted
 * matrix that saw a class only in pairs of weight 0 writes format 2 (version
 * = 2), which appends ceil(K / 64) u64 words: bit c % 64 of word c / 64 flags
 * class c. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

static char sentinel_object;
/* Stands for "a pointer the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_confusion *)(void *)&sentinel_object)

enum {
    OFF_VERSION = 4,
    OFF_KIND = 6,
    OFF_K = 8,
    OFF_FLAGS = 16,
    OFF_RESERVED = 20,
    OFF_IGNORE = 24,
    OFF_CELLS = 32,
};

/* ---- helpers ------------------------------------------------------------------ */

static uint8_t *copy_of(const uint8_t *blob, size_t size, size_t room)
{
    uint8_t *copy = malloc(room ? room : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, blob, size < room ? size : room);
    return copy;
}

static trm_confusion *make(size_t k, uint32_t flags)
{
    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, k, flags, NULL));
    return cm;
}

/* K = 3, ignore label 1:
 *   pairs (0,0) (0,2) (2,1) (2,1) (1,0 skipped) (2,2)
 *   counts [1 0 1; 0 0 0; 0 2 1], total 5 */
static const uint64_t small_counts[9] = { 1, 0, 1, 0, 0, 0, 0, 2, 1 };

static trm_confusion *make_small(void)
{
    static const int32_t t[] = { 0, 0, 2, 2, 1, 2 }, p[] = { 0, 2, 1, 1, 0, 2 };
    trm_confusion *cm = make(3, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
    ck_assert_ok(trm_confusion_update_i32(cm, t, p, 6));
    return cm;
}

/* K = 2 weighted, no ignore label: [0.5 2.25; 1e-300 3.0], total 5.75 + 1e-300. */
static const double small_weights[4] = { 0.5, 2.25, 1e-300, 3.0 };

static trm_confusion *make_weighted(void)
{
    trm_confusion *cm = make(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_add_weights(cm, small_weights));
    return cm;
}

static void assert_same_state(const trm_confusion *a, const trm_confusion *b)
{
    size_t k = trm_confusion_n_classes(a);
    ck_assert_uint_eq(trm_confusion_n_classes(b), k);
    ck_assert_uint_eq(trm_confusion_flags(b), trm_confusion_flags(a));
    ck_assert(trm_confusion_ignore_label(b) == trm_confusion_ignore_label(a));
    double *ca = malloc(k * k * sizeof *ca), *cb = malloc(k * k * sizeof *cb);
    ck_assert(ca && cb);
    for (int mode = TRM_NORMALIZE_NONE; mode <= TRM_NORMALIZE_ALL; mode++) {
        ck_assert_ok(trm_confusion_matrix(a, mode, ca));
        ck_assert_ok(trm_confusion_matrix(b, mode, cb));
        ck_assert_mem_eq(ca, cb, k * k * sizeof *ca);
    }
    free(ca);
    free(cb);
}

/* Deserializes and returns the code, checking that a failure leaves out alone. */
static int load(const uint8_t *blob, size_t size)
{
    trm_confusion *out = UNTOUCHED;
    int rc = trm_confusion_deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK)
        trm_confusion_free(out);
    else
        ck_assert_msg(out == UNTOUCHED, "a failing deserialize wrote *out");
    return rc;
}

START_TEST(blob_layout)
{
    trm_confusion *cm = make_small();
    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    ck_assert_uint_eq(size, 108);
    ck_assert_mem_eq(blob, "TRMB", 4);
    ck_assert_uint_eq(blob_get_le(blob + OFF_VERSION, 2), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_KIND, 2), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_K, 8), 3);
    ck_assert_uint_eq(blob_get_le(blob + OFF_FLAGS, 4), 0);
    ck_assert_uint_eq(blob_get_le(blob + OFF_RESERVED, 4), 0);
    ck_assert_uint_eq(blob_get_le(blob + OFF_IGNORE, 8), 1);
    for (size_t i = 0; i < 9; i++)
        ck_assert_uint_eq(blob_get_le(blob + OFF_CELLS + 8 * i, 8), small_counts[i]);
    ck_assert_uint_eq(blob_get_le(blob + size - 4, 4), blob_crc32c(blob, size - 4));
    free(blob);
    trm_confusion_free(cm);

    cm = make_weighted();
    blob = snapshot(cm, &size);
    ck_assert_uint_eq(size, 68);
    ck_assert_uint_eq(blob_get_le(blob + OFF_FLAGS, 4), TRM_CONFUSION_WEIGHTED);
    ck_assert_uint_eq(blob_get_le(blob + OFF_IGNORE, 8), (uint64_t)TRM_NO_IGNORE);
    for (size_t i = 0; i < 4; i++) {
        double w;
        uint64_t bits = blob_get_le(blob + OFF_CELLS + 8 * i, 8);
        memcpy(&w, &bits, sizeof w);
        ck_assert(w == small_weights[i]);
    }
    ck_assert_uint_eq(blob_get_le(blob + size - 4, 4), blob_crc32c(blob, size - 4));
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

/* ---- round trips -------------------------------------------------------------- */

static void assert_round_trip(trm_confusion *cm)
{
    size_t size = 0, size2 = 0;
    uint8_t *blob = snapshot(cm, &size);
    trm_confusion *back = UNTOUCHED;
    ck_assert_ok(trm_confusion_deserialize(&back, blob, size, NULL));
    ck_assert_ptr_ne(back, UNTOUCHED);
    assert_same_state(cm, back);
    uint8_t *again = snapshot(back, &size2);
    ck_assert_uint_eq(size2, size);
    ck_assert_mem_eq(again, blob, size);
    free(again);
    free(blob);
    trm_confusion_free(back);
}

START_TEST(round_trip_unweighted_with_ignore)
{
    trm_confusion *cm = make_small();
    assert_round_trip(cm);

    /* The loaded matrix carries on: counts as before, ignore label 1 still skips. */
    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    trm_confusion *back = NULL;
    ck_assert_ok(trm_confusion_deserialize(&back, blob, size, NULL));
    uint64_t got[9];
    ck_assert_ok(trm_confusion_counts(back, got));
    ck_assert_mem_eq(got, small_counts, sizeof got);
    ck_assert(trm_confusion_ignore_label(back) == 1);
    /* (1,2) skipped, (0,1) counted. */
    const int32_t t[] = { 1, 0 }, p[] = { 2, 1 };
    static const uint64_t after[9] = { 1, 1, 1, 0, 0, 0, 0, 2, 1 };
    ck_assert_ok(trm_confusion_update_i32(back, t, p, 2));
    ck_assert_ok(trm_confusion_counts(back, got));
    ck_assert_mem_eq(got, after, sizeof got);
    free(blob);
    trm_confusion_free(back);
    trm_confusion_free(cm);

    /* An ignore label outside [0, K) and an empty matrix survive too. */
    cm = make(5, 0);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, -100));
    assert_round_trip(cm);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(round_trip_weighted)
{
    trm_confusion *cm = make_weighted();
    assert_round_trip(cm);
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 7));
    assert_round_trip(cm);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(round_trip_keeps_totals)
{
    /* A full counter must still refuse one more sample after a round trip. */
    static const uint64_t full[4] = { 0, 0, UINT64_MAX, 0 };
    trm_confusion *cm = make(2, 0);
    ck_assert_ok(trm_confusion_add_counts(cm, full));
    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    trm_confusion *back = NULL;
    ck_assert_ok(trm_confusion_deserialize(&back, blob, size, NULL));
    const uint8_t one[] = { 1 };
    ck_assert_fails(TRM_E_OVERFLOW, trm_confusion_update_u8(back, one, one, 1));
    free(blob);
    trm_confusion_free(back);
    trm_confusion_free(cm);

    /* Likewise a weighted total near the 2^500 ceiling. */
    static const double huge[4] = { HUGE_WEIGHT, 0, 0, 0 };
    cm = make(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_add_weights(cm, huge));
    blob = snapshot(cm, &size);
    ck_assert_ok(trm_confusion_deserialize(&back, blob, size, NULL));
    ck_assert_fails(TRM_E_OVERFLOW, trm_confusion_add_weights(back, huge));
    free(blob);
    trm_confusion_free(back);
    trm_confusion_free(cm);
}
END_TEST

/* ---- the size protocol -------------------------------------------------------- */

/* check-contract.c: the protocol, for K = 3 (108 bytes) and weighted K = 2 (68). */
START_TEST(size_query)
{
    size_t size = 0;
    trm_confusion *cm;

    /* 12 + 24 + 8 = 44 bytes for K = 1; 12 + 24 + 8*100 = 836 for K = 10. */
    cm = make(1, TRM_CONFUSION_WEIGHTED);
    ck_assert_fails(TRM_E_BUFFER, trm_confusion_serialize(cm, NULL, 0, &size));
    ck_assert_uint_eq(size, 44);
    trm_confusion_free(cm);
    cm = make(10, 0);
    ck_assert_fails(TRM_E_BUFFER, trm_confusion_serialize(cm, NULL, 0, &size));
    ck_assert_uint_eq(size, 836);
    trm_confusion_free(cm);
}
END_TEST

/* ---- exhaustive rejection ----------------------------------------------------- */

/* A sealed edit of the K = 3 blob: either a field patch or a new length. */
typedef struct edit {
    const char *what;
    size_t offset;   /* field to patch */
    size_t bytes;    /* its width; 0 = no patch */
    uint64_t value;  /* new value */
    long resize;     /* bytes added (>0) or removed (<0) before the CRC */
} edit;

static const edit inconsistent[] = {
    /* Body length does not match K: 72 bytes of cells are 9 cells. */
    { "K = 2 with 9 cells", OFF_K, 8, 2, 0 },
    { "K = 4 with 9 cells", OFF_K, 8, 4, 0 },
    { "K = 0", OFF_K, 8, 0, 0 },
    { "K = 2^32 (K*K overflows)", OFF_K, 8, UINT64_C(1) << 32, 0 },
    { "K = 2^63", OFF_K, 8, UINT64_C(1) << 63, 0 },
    { "K = 2^64 - 1", OFF_K, 8, UINT64_MAX, 0 },
    { "one cell missing", 0, 0, 0, -8 },
    { "one cell too many", 0, 0, 0, 8 },
    { "one byte too many", 0, 0, 0, 1 },
    { "one byte missing", 0, 0, 0, -1 },
    { "no cells at all", 0, 0, 0, -72 },
    /* Fields no serializer writes. */
    { "unknown flag bit", OFF_FLAGS, 4, 2, 0 },
    { "reserved field set", OFF_RESERVED, 4, 1, 0 },
    /* Counts no accumulator can hold: the total would pass 2^64 - 1. */
    { "counts summing past 2^64", OFF_CELLS, 8, UINT64_MAX, 0 },
};

/* Applies an edit to blob (size bytes) and returns a sealed copy of *new_size bytes. */
static uint8_t *apply_edit(const uint8_t *blob, size_t size, const edit *e, size_t *new_size)
{
    size_t body_end = (size_t)((long)(size - 4) + e->resize);
    uint8_t *copy = calloc(body_end + 4, 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, blob, body_end < size - 4 ? body_end : size - 4);
    if (e->bytes)
        blob_put_le(copy + e->offset, e->value, e->bytes);
    *new_size = body_end + 4;
    blob_reseal(copy, *new_size);
    return copy;
}

START_TEST(inconsistent_body_is_corrupt)
{
    trm_confusion *cm = make_small();
    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    for (size_t i = 0; i < sizeof inconsistent / sizeof inconsistent[0]; i++) {
        size_t new_size = 0;
        uint8_t *copy = apply_edit(blob, size, &inconsistent[i], &new_size);
        trm_clear_last_error();
        int rc = load(copy, new_size);
        ck_assert_msg(rc == TRM_E_CORRUPT, "%s: returned %d (%s)", inconsistent[i].what, rc,
                      trm_strerror(rc));
        ck_assert(trm_last_error()[0] != '\0');
        free(copy);
    }
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(invalid_weights_are_corrupt)
{
    /* Weights no update accepts: negative, NaN, infinite, and two finite cells whose
     * sum exceeds the 2^500 ceiling (HUGE_WEIGHT + HUGE_WEIGHT). */
    static const struct {
        const char *what;
        double cells[4];
    } cases[] = {
        { "negative", { 0.5, -1.0, 0, 0 } },
        { "NaN", { 0.5, NAN, 0, 0 } },
        { "+Inf", { INFINITY, 0, 0, 0 } },
        { "-Inf", { 0, 0, 0, -INFINITY } },
        { "infinite sum", { HUGE_WEIGHT, 0, 0, HUGE_WEIGHT } },
    };
    trm_confusion *cm = make_weighted();
    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *copy = copy_of(blob, size, size);
        for (size_t c = 0; c < 4; c++) {
            uint64_t bits;
            memcpy(&bits, &cases[i].cells[c], sizeof bits);
            blob_put_le(copy + OFF_CELLS + 8 * c, bits, 8);
        }
        blob_reseal(copy, size);
        int rc = load(copy, size);
        ck_assert_msg(rc == TRM_E_CORRUPT, "%s: returned %d (%s)", cases[i].what, rc, trm_strerror(rc));
        free(copy);
    }
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(sealed_edit_of_ignore_label_is_accepted)
{
    /* The ignore label may be any value, so a sealed edit of it is a valid blob:
     * this guards the edit/reseal helpers themselves against false alarms. */
    trm_confusion *cm = make_small();
    size_t size = 0, new_size = 0;
    uint8_t *blob = snapshot(cm, &size);
    const edit e = { "ignore -100", OFF_IGNORE, 8, (uint64_t)INT64_C(-100), 0 };
    uint8_t *copy = apply_edit(blob, size, &e, &new_size);
    ck_assert_uint_eq(new_size, size);
    trm_confusion *back = NULL;
    ck_assert_ok(trm_confusion_deserialize(&back, copy, new_size, NULL));
    ck_assert(trm_confusion_ignore_label(back) == -100);
    trm_confusion_free(back);
    free(copy);
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

/* K = 70 (two bitmap words), pairs (0, 0) of weight 1 and (3, 69) of weight 0:
 * classes 3 and 69 are flagged, bit 3 of word 0 and bit 5 of word 1. */
START_TEST(zero_weight_classes_blob)
{
    const size_t k = 70, cells_end = OFF_CELLS + 8 * 70 * 70;
    static const int32_t t[] = { 0, 3 }, p[] = { 0, 69 };
    static const double w[] = { 1.0, 0.0 };
    trm_confusion *cm = make(k, TRM_CONFUSION_WEIGHTED);
    size_t size = 0;
    uint8_t *plain = snapshot(cm, &size);
    ck_assert_uint_eq(size, 12 + cells_end - 8); /* nothing flagged yet: format 1 */
    ck_assert_uint_eq(blob_get_le(plain + OFF_VERSION, 2), 1);
    free(plain);
    ck_assert_ok(trm_confusion_update_weighted_i32(cm, t, p, w, 2));
    uint8_t *blob = snapshot(cm, &size);
    ck_assert_uint_eq(size, cells_end + 16 + 4);
    ck_assert_uint_eq(blob_get_le(blob + OFF_VERSION, 2), 2);
    ck_assert(blob_get_le(blob + cells_end, 8) == (uint64_t)1 << 3);
    ck_assert(blob_get_le(blob + cells_end + 8, 8) == (uint64_t)1 << 5);
    assert_round_trip(cm);
    struct {
        size_t at;
        uint64_t bits;
        const char *needle;
    } edits[] = {
        { cells_end + 8, (uint64_t)1 << 6, "class 70" }, /* past K */
        { cells_end + 8, (uint64_t)1 << 63, "class 127" },
    };
    uint8_t *bad = copy_of(blob, size, size);
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(bad, blob, size);
        blob_put_le(bad + edits[e].at, edits[e].bits, 8);
        blob_reseal(bad, size);
        trm_clear_last_error();
        ck_assert_int_eq(load(bad, size), TRM_E_CORRUPT);
        assert_mentions(edits[e].needle);
    }
    memcpy(bad, blob, size);
    blob_put_le(bad + cells_end, 0, 8);
    blob_put_le(bad + cells_end + 8, 0, 8);
    blob_reseal(bad, size);
    trm_clear_last_error();
    ck_assert_int_eq(load(bad, size), TRM_E_CORRUPT);
    assert_mentions("flags no zero-weight class");
    /* format 2 with the bitmap cut off, or format 1 with it, has the wrong length */
    memcpy(bad, blob, size);
    blob_put_le(bad + OFF_VERSION, 1, 2);
    blob_reseal(bad, size);
    ck_assert_int_eq(load(bad, size), TRM_E_CORRUPT);
    /* the same cells as format 1 load, without the record */
    memcpy(bad, blob, cells_end);
    blob_put_le(bad + OFF_VERSION, 1, 2);
    blob_reseal(bad, cells_end + 4);
    trm_confusion *old = UNTOUCHED;
    ck_assert_ok(trm_confusion_deserialize(&old, bad, cells_end + 4, NULL));
    size_t old_size = 0;
    free(snapshot(old, &old_size));
    ck_assert_uint_eq(old_size, cells_end + 4);
    trm_confusion_free(old);
    /* class 0 holds weight: flagging it is not what a writer writes */
    memcpy(bad, blob, size);
    blob_put_le(bad + cells_end, ((uint64_t)1 << 3) | 1, 8);
    blob_reseal(bad, size);
    trm_clear_last_error();
    ck_assert_int_eq(load(bad, size), TRM_E_CORRUPT);
    assert_mentions("class 0, whose cells hold weight");
    /* an unweighted matrix has no record: a format-2 body for one is corrupt */
    trm_confusion *counts = make(k, 0);
    uint8_t *unweighted = snapshot(counts, &old_size);
    uint8_t *grown = copy_of(unweighted, old_size, old_size + 16);
    memcpy(grown + old_size - 4 + 16, unweighted + old_size - 4, 4);
    blob_put_le(grown + old_size - 4, 1, 8);
    blob_put_le(grown + old_size + 4, 0, 8);
    blob_put_le(grown + OFF_VERSION, 2, 2);
    blob_reseal(grown, old_size + 16);
    trm_clear_last_error();
    ck_assert_int_eq(load(grown, old_size + 16), TRM_E_CORRUPT);
    assert_mentions("no zero-weight record");
    free(grown);
    free(unweighted);
    trm_confusion_free(counts);
    free(bad);
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

/* A pair of weight 0 between classes that hold weight elsewhere leaves
 * nothing to record: the blob stays format 1, which 0.1 and 0.2 read.
 * (0, 0) weight 1, (0, 1) weight 0, (1, 1) weight 2. */
START_TEST(zero_weight_pair_of_weighted_classes_stays_format_1)
{
    static const int32_t t[] = { 0, 0, 1 }, p[] = { 0, 1, 1 };
    static const double w[] = { 1.0, 0.0, 2.0 };
    trm_confusion *cm = make(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_update_weighted_i32(cm, t, p, w, 3));
    size_t size = 0;
    uint8_t *blob = snapshot(cm, &size);
    ck_assert_uint_eq(size, 68);
    ck_assert_uint_eq(blob_get_le(blob + OFF_VERSION, 2), 1);
    assert_round_trip(cm);
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

static Suite *serialize_suite(void)
{
    Suite *s = suite_create("serialize");

    TCase *tc = tcase_create("format");
    tcase_add_test(tc, blob_layout);
    suite_add_tcase(s, tc);

    tc = tcase_create("round_trip");
    tcase_add_test(tc, round_trip_unweighted_with_ignore);
    tcase_add_test(tc, round_trip_weighted);
    tcase_add_test(tc, round_trip_keeps_totals);
    tcase_add_test(tc, zero_weight_classes_blob);
    tcase_add_test(tc, zero_weight_pair_of_weighted_classes_stays_format_1);
    suite_add_tcase(s, tc);

    tc = tcase_create("buffer");
    tcase_add_test(tc, size_query);
    suite_add_tcase(s, tc);

    tc = tcase_create("rejection");
    tcase_add_test(tc, inconsistent_body_is_corrupt);
    tcase_add_test(tc, invalid_weights_are_corrupt);
    tcase_add_test(tc, sealed_edit_of_ignore_label_is_accepted);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(serialize_suite());
}
