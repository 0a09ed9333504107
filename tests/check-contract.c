/* SPDX-License-Identifier: MIT */
/* The life-cycle contract every serializable handle type keeps, checked once
 * over the rows of handles.h (confusion unweighted and weighted, top-k,
 * multilabel, regression, overfit, calibration binary and multiclass):
 *   - NULL for the handle or an out-pointer is TRM_E_INVALID and changes nothing;
 *     free and reset accept NULL;
 *   - a clone serializes like its source and counts on its own;
 *   - reset gives the state of a new handle with the same shape and options;
 *   - merging handles of other shapes or options is TRM_E_MISMATCH, both unchanged;
 *   - the size protocol of serialize: TRM_E_BUFFER with the size, nothing written;
 *   - the envelope: magic, version 1, the row's kind, a CRC-32C (recomputed here);
 *   - every truncation and every single-byte change of a blob is TRM_E_CORRUPT
 *     (the CRC covers every byte, and is checked before the version and kind),
 *     a resealed unknown version TRM_E_VERSION, a resealed other kind and the
 *     blob of every other type TRM_E_MISMATCH, each leaving the out-pointer alone;
 *   - the allocator: copied at creation, kept by clone, refused when half
 *     given, TRM_E_NOMEM when it fails, not needed by the updates of a
 *     fixed-size state, every block given back.
 * The sizes and amounts the checks expect are worked out from the layouts in
 * handles.h. The CAM handle has none of this life cycle (no clone, merge or
 * blob) and is left to check-cam.c. */
#include <stdio.h>

#include "handles.h"
#include "testutil.h"

static char sentinel_object;
/* Stands for "a pointer the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((void *)&sentinel_object)

#define ROW (&handle_types[_i])

/* ---- helpers ------------------------------------------------------------------ */

static void *make(const handle_type *ht, int batches)
{
    void *h = NULL;
    ck_assert_ok(ht->create(&h, NULL));
    ck_assert_ptr_nonnull(h);
    for (int b = 0; b < batches; b++)
        ck_assert_ok(ht->update(h));
    return h;
}

/* The blob is a complete picture of a handle's state. Malloc'ed. */
static uint8_t *blob_of(const handle_type *ht, const void *h, size_t *size)
{
    size_t need = 0;
    ck_assert_int_eq(ht->serialize(h, NULL, 0, &need), TRM_E_BUFFER);
    uint8_t *blob = malloc(need ? need : 1);
    ck_assert_ptr_nonnull(blob);
    ck_assert_ok(ht->serialize(h, blob, need, size));
    ck_assert_uint_eq(*size, need);
    return blob;
}

static void assert_state(const handle_type *ht, const void *h, const uint8_t *want, size_t want_size,
                         const char *what)
{
    size_t size = 0;
    uint8_t *now = blob_of(ht, h, &size);
    ck_assert_msg(size == want_size && memcmp(now, want, size) == 0, "%s: %s", ht->name, what);
    free(now);
}

static void assert_same_state(const handle_type *ht, const void *a, const void *b, const char *what)
{
    size_t size = 0;
    uint8_t *blob = blob_of(ht, a, &size);
    assert_state(ht, b, blob, size, what);
    free(blob);
}

/* The call fails with `code`, leaves an error detail, and h keeps its state. */
#define ck_assert_row_rejected(code, ht, h, call)                                          \
    do {                                                                               \
        size_t before_size_ = 0;                                                       \
        uint8_t *before_ = blob_of((ht), (h), &before_size_);                          \
        ck_assert_fails((code), (call));                                               \
        assert_state((ht), (h), before_, before_size_, #call " changed the handle");   \
        free(before_);                                                                 \
    } while (0)

/* Deserializes; a failure must leave the out-pointer alone, a success is freed. */
static int load(const handle_type *ht, const uint8_t *blob, size_t size)
{
    void *out = UNTOUCHED;
    int rc = ht->deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK) {
        ck_assert_ptr_ne(out, UNTOUCHED);
        ht->free(out);
    } else {
        ck_assert_msg(out == UNTOUCHED, "%s: a failing deserialize wrote *out", ht->name);
    }
    return rc;
}

/* ---- NULL arguments ----------------------------------------------------------- */

START_TEST(null_arguments)
{
    const handle_type *ht = ROW;
    void *h = make(ht, 1), *out = UNTOUCHED;
    size_t size = 0;
    uint8_t *blob = blob_of(ht, h, &size);

    ck_assert_fails(TRM_E_INVALID, ht->create(NULL, NULL));
    ck_assert_fails(TRM_E_INVALID, ht->update(NULL));
    ht->free(NULL);
    ht->reset(NULL);

    ck_assert_row_rejected(TRM_E_INVALID, ht, h, ht->clone(NULL, h));
    ck_assert_fails(TRM_E_INVALID, ht->clone(&out, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);

    if (ht->merge != NULL) {
        ck_assert_row_rejected(TRM_E_INVALID, ht, h, ht->merge(NULL, h));
        ck_assert_row_rejected(TRM_E_INVALID, ht, h, ht->merge(h, NULL));
    }

    enum { GUARD = 0x5a };
    uint8_t buf[512];
    memset(buf, GUARD, sizeof buf);
    size_t reported = 12345;
    ck_assert_fails(TRM_E_INVALID, ht->serialize(NULL, buf, sizeof buf, &reported));
    ck_assert_uint_eq(reported, 12345);
    ck_assert_row_rejected(TRM_E_INVALID, ht, h, ht->serialize(h, buf, sizeof buf, NULL));
    ck_assert_row_rejected(TRM_E_INVALID, ht, h, ht->serialize(h, NULL, 0, NULL));
    for (size_t i = 0; i < sizeof buf; i++)
        ck_assert_msg(buf[i] == GUARD, "%s: a failing serialize wrote byte %zu", ht->name, i);

    ck_assert_fails(TRM_E_INVALID, ht->deserialize(NULL, blob, size, NULL));
    ck_assert_fails(TRM_E_INVALID, ht->deserialize(&out, NULL, size, NULL));
    ck_assert_fails(TRM_E_INVALID, ht->deserialize(&out, NULL, 0, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);

    /* None of it counted anything. */
    ck_assert_close(ht->amount(h), ht->batch_amount);
    free(blob);
    ht->free(h);
}
END_TEST

/* ---- clone, reset, merge ------------------------------------------------------- */

START_TEST(clone_is_independent)
{
    const handle_type *ht = ROW;
    for (int batches = 0; batches < 2; batches++) {
        void *h = make(ht, batches), *copy = UNTOUCHED;
        ck_assert_ok(ht->clone(&copy, h));
        ck_assert_ptr_ne(copy, UNTOUCHED);
        ck_assert_ptr_nonnull(copy);
        ck_assert_ptr_ne(copy, h);
        assert_same_state(ht, h, copy, "the clone serializes differently");
        ck_assert_close(ht->amount(copy), batches * ht->batch_amount);

        /* A batch into the copy only, then into the source: equal again. */
        size_t size = 0;
        uint8_t *before = blob_of(ht, h, &size);
        ck_assert_ok(ht->update(copy));
        ck_assert_close(ht->amount(copy), (batches + 1) * ht->batch_amount);
        ck_assert_close(ht->amount(h), batches * ht->batch_amount);
        assert_state(ht, h, before, size, "updating the clone changed its source");
        ck_assert_ok(ht->update(h));
        assert_same_state(ht, h, copy, "source and clone differ after the same batches");
        /* Freeing the source leaves the copy whole. */
        ht->free(h);
        ck_assert_close(ht->amount(copy), (batches + 1) * ht->batch_amount);
        free(before);
        ht->free(copy);
    }
}
END_TEST

START_TEST(reset_gives_a_new_handle)
{
    const handle_type *ht = ROW;
    void *h = make(ht, 2), *fresh = make(ht, 0);
    ht->reset(h);
    ck_assert_close(ht->amount(h), 0.0);
    assert_same_state(ht, fresh, h, "a reset handle differs from a new one");
    size_t size = 0;
    uint8_t *blob = blob_of(ht, h, &size);
    ck_assert_uint_eq(size, ht->empty_size);
    free(blob);
    /* ... and counts on as a new one. */
    ck_assert_ok(ht->update(h));
    ck_assert_ok(ht->update(fresh));
    ck_assert_close(ht->amount(h), ht->batch_amount);
    assert_same_state(ht, fresh, h, "a reset handle counts differently from a new one");
    /* Reset of an empty handle changes nothing. */
    ht->reset(fresh);
    ht->reset(fresh);
    ht->reset(h);
    assert_same_state(ht, fresh, h, "reset twice");
    ht->free(h);
    ht->free(fresh);
}
END_TEST

START_TEST(merge_adds_and_refuses_mismatch)
{
    const handle_type *ht = ROW;
    if (ht->merge == NULL)
        return;
    /* Into an empty handle: a copy; into itself: twice the batch. */
    void *h = make(ht, 1), *sum = make(ht, 0), *twice = make(ht, 2);
    ck_assert_ok(ht->merge(sum, h));
    assert_same_state(ht, h, sum, "merge into an empty handle is no copy");
    ck_assert_ok(ht->merge(sum, sum));
    ck_assert_close(ht->amount(sum), 2 * ht->batch_amount);
    ck_assert_ok(ht->merge(sum, h));
    ck_assert_close(ht->amount(sum), 3 * ht->batch_amount);
    ck_assert_close(ht->amount(h), ht->batch_amount);
    ck_assert_ok(ht->merge(twice, h));
    assert_same_state(ht, twice, sum, "1 + 1 + 1 batches differ from 2 + 1");

    for (size_t i = 0; i < ht->n_others; i++) {
        void *other = NULL;
        ck_assert_ok(ht->create_other(&other, i));
        size_t other_size = 0;
        uint8_t *other_blob = blob_of(ht, other, &other_size);
        ck_assert_row_rejected(TRM_E_MISMATCH, ht, h, ht->merge(h, other));
        assert_state(ht, other, other_blob, other_size, "a refused merge changed its source");
        ck_assert_row_rejected(TRM_E_MISMATCH, ht, other, ht->merge(other, h));
        ck_assert_close(ht->amount(h), ht->batch_amount);
        free(other_blob);
        ht->free(other);
    }
    ht->free(h);
    ht->free(sum);
    ht->free(twice);
}
END_TEST

/* ---- the size protocol and the envelope ---------------------------------------- */

START_TEST(size_protocol)
{
    enum { GUARD = 0xa5, ROOM = 512 };
    const handle_type *ht = ROW;
    for (int batches = 0; batches < 2; batches++) {
        void *h = make(ht, batches);
        const size_t want = batches ? ht->batch_size : ht->empty_size;
        ck_assert_uint_lt(want + 32, ROOM);
        size_t size = 0;
        ck_assert_row_rejected(TRM_E_BUFFER, ht, h, ht->serialize(h, NULL, 0, &size));
        ck_assert_uint_eq(size, want);
        size = 0;
        ck_assert_fails(TRM_E_BUFFER, ht->serialize(h, NULL, 4096, &size));
        ck_assert_uint_eq(size, want);

        static uint8_t buf[ROOM];
        const size_t caps[] = { 0, 1, 11, 12, want / 2, want - 1 };
        for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
            memset(buf, GUARD, sizeof buf);
            size = 0;
            ck_assert_row_rejected(TRM_E_BUFFER, ht, h, ht->serialize(h, buf, caps[i], &size));
            ck_assert_uint_eq(size, want);
            for (size_t j = 0; j < ROOM; j++)
                ck_assert_msg(buf[j] == GUARD, "%s, cap %zu: byte %zu written", ht->name, caps[i], j);
        }
        /* Exactly the room it needs, and more: the same bytes, nothing past them. */
        memset(buf, GUARD, sizeof buf);
        ck_assert_ok(ht->serialize(h, buf, want, &size));
        ck_assert_uint_eq(size, want);
        uint8_t *exact = malloc(want);
        ck_assert_ptr_nonnull(exact);
        memcpy(exact, buf, want);
        memset(buf, GUARD, sizeof buf);
        ck_assert_ok(ht->serialize(h, buf, sizeof buf, &size));
        ck_assert_uint_eq(size, want);
        ck_assert_mem_eq(buf, exact, want);
        for (size_t j = want; j < ROOM; j++)
            ck_assert_msg(buf[j] == GUARD, "%s: byte %zu past the blob written", ht->name, j);

        /* The envelope around the body. */
        ck_assert_mem_eq(buf, "TRMB", 4);
        /* Format 1, or a later one where the kind's body grew (pinned by the
         * module's own test). */
        ck_assert_uint_ge(blob_get_le(buf + 4, 2), 1);
        ck_assert_uint_le(blob_get_le(buf + 4, 2), 2);
        ck_assert_uint_eq(blob_get_le(buf + 6, 2), ht->kind);
        ck_assert_uint_eq(blob_get_le(buf + want - 4, 4), blob_crc32c(buf, want - 4));
        free(exact);
        ht->free(h);
    }
}
END_TEST

START_TEST(round_trip)
{
    const handle_type *ht = ROW;
    for (int batches = 0; batches < 3; batches++) {
        void *h = make(ht, batches), *back = UNTOUCHED;
        size_t size = 0;
        uint8_t *blob = blob_of(ht, h, &size);
        ck_assert_ok(ht->deserialize(&back, blob, size, NULL));
        ck_assert_ptr_ne(back, UNTOUCHED);
        ck_assert_ptr_nonnull(back);
        assert_state(ht, back, blob, size, "a loaded handle serializes differently");
        ck_assert_close(ht->amount(back), batches * ht->batch_amount);
        /* The loaded handle carries on as its original. */
        ck_assert_ok(ht->update(back));
        ck_assert_ok(ht->update(h));
        assert_same_state(ht, h, back, "a loaded handle counts differently");
        free(blob);
        ht->free(back);
        ht->free(h);
    }
}
END_TEST

/* ---- damaged blobs -------------------------------------------------------------- */

/* The row ck_assert_every_damage_detected() loads with. */
static const handle_type *loading;

static int load_row(const uint8_t *blob, size_t size)
{
    return load(loading, blob, size);
}

START_TEST(every_truncation_and_byte_change_is_corrupt)
{
    loading = ROW;
    for (int batches = 0; batches < 2; batches++) {
        void *h = make(loading, batches);
        size_t size = 0;
        uint8_t *blob = blob_of(loading, h, &size);
        ck_assert_every_damage_detected(blob, size, load_row);
        free(blob);
        loading->free(h);
    }
}
END_TEST

/* The reference value of CRC-32C, for the CRC these tests recompute. */
START_TEST(crc32c_reference)
{
    ck_assert_uint_eq(blob_crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(blob_crc32c((const uint8_t *)"", 0), 0);
}
END_TEST

START_TEST(resealed_version_or_kind)
{
    const handle_type *ht = ROW;
    void *h = make(ht, 1);
    size_t size = 0;
    uint8_t *blob = blob_of(ht, h, &size);
    /* A kind whose body grew writes a later format and still reads the
     * older ones; the version after the newest it reads is from the future.
     * The confusion matrix reads format 2 but writes it only when a weighted
     * matrix saw a class at weight 0 alone (check-serialize tests that). */
    const uint16_t written = (uint16_t)blob_get_le(blob + 4, 2);
    ck_assert_uint_ge(written, 1);
    const uint16_t newest = ht->kind == 1 ? 2 : written;
    const uint16_t versions[] = { 0, (uint16_t)(newest + 1), 0x0100, 0xffff };
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        blob_put_le(blob + 4, versions[i], 2);
        blob_reseal(blob, size);
        trm_clear_last_error();
        ck_assert_msg(load(ht, blob, size) == TRM_E_VERSION, "%s: version %u", ht->name, (unsigned)versions[i]);
        ck_assert(trm_last_error()[0] != '\0');
    }
    blob_put_le(blob + 4, written, 2);
    for (unsigned kind = 0; kind <= 7; kind++) {
        if (kind == ht->kind)
            continue;
        blob_put_le(blob + 6, kind, 2);
        blob_reseal(blob, size);
        trm_clear_last_error();
        ck_assert_msg(load(ht, blob, size) == TRM_E_MISMATCH, "%s: kind %u", ht->name, kind);
        ck_assert(trm_last_error()[0] != '\0');
    }
    static const uint16_t far_kinds[] = { 0x0100, 0x0400, 0x8000, 0xffff };
    for (size_t i = 0; i < sizeof far_kinds / sizeof far_kinds[0]; i++) {
        blob_put_le(blob + 6, far_kinds[i], 2);
        blob_reseal(blob, size);
        ck_assert_int_eq(load(ht, blob, size), TRM_E_MISMATCH);
        blob_put_le(blob + 6, (uint16_t)(ht->kind | far_kinds[i]), 2);
        blob_reseal(blob, size);
        ck_assert_int_eq(load(ht, blob, size), TRM_E_MISMATCH);
    }
    /* Both restored: the blob loads again. */
    blob_put_le(blob + 6, ht->kind, 2);
    blob_reseal(blob, size);
    ck_assert_ok(load(ht, blob, size));
    free(blob);
    ht->free(h);
}
END_TEST

/* A valid blob of every other handle type is refused as another kind. */
START_TEST(other_types_blobs_are_mismatch)
{
    const handle_type *ht = ROW;
    for (size_t j = 0; j < N_HANDLE_TYPES; j++) {
        const handle_type *other = &handle_types[j];
        if (other->kind == ht->kind)
            continue;
        for (int batches = 0; batches < 2; batches++) {
            void *h = make(other, batches);
            size_t size = 0;
            uint8_t *blob = blob_of(other, h, &size);
            trm_clear_last_error();
            int rc = load(ht, blob, size);
            ck_assert_msg(rc == TRM_E_MISMATCH, "a %s blob offered to %s: %d (%s)", other->name, ht->name, rc,
                          trm_strerror(rc));
            ck_assert(trm_last_error()[0] != '\0');
            free(blob);
            other->free(h);
        }
    }
}
END_TEST

/* ---- the allocator ---------------------------------------------------------------- */

START_TEST(allocator_kept_and_checked)
{
    const handle_type *ht = ROW;
    tracking c = { 0 };
    void *h = NULL, *copy = NULL, *loaded = NULL, *out = UNTOUCHED;
    {
        /* The structure is copied: it need not outlive the constructor. */
        trm_allocator hooks = tracking_hooks(&c);
        ck_assert_ok(ht->create(&h, &hooks));
        memset(&hooks, 0, sizeof hooks);
    }
    size_t made = c.allocs;
    ck_assert_uint_ge(made, 1);
    if (ht->allocations)
        ck_assert_uint_eq(made, ht->allocations);
    ck_assert_ok(ht->update(h));

    /* The clone allocates from its source's hooks. */
    ck_assert_ok(ht->clone(&copy, h));
    ck_assert_uint_gt(c.allocs, made);
    if (ht->allocations)
        ck_assert_uint_eq(c.allocs, 2 * ht->allocations);
    size_t size = 0, before = c.allocs;
    uint8_t *blob = blob_of(ht, h, &size);
    const trm_allocator hooks = tracking_hooks(&c);
    ck_assert_ok(ht->deserialize(&loaded, blob, size, &hooks));
    ck_assert_uint_gt(c.allocs, before);
    if (ht->allocations)
        ck_assert_uint_eq(c.allocs, 3 * ht->allocations);
    assert_state(ht, copy, blob, size, "the clone");
    assert_state(ht, loaded, blob, size, "the loaded handle");
    ck_assert_close(ht->amount(loaded), ht->batch_amount);

    /* Half an allocator is refused before either hook is called. */
    const trm_allocator broken[] = {
        { tracking_alloc, NULL, &c },
        { NULL, tracking_free, &c },
        { NULL, NULL, &c },
    };
    size_t calls = c.allocs + c.refused + c.frees;
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        ck_assert_fails(TRM_E_INVALID, ht->create(&out, &broken[i]));
        ck_assert_fails(TRM_E_INVALID, ht->deserialize(&out, blob, size, &broken[i]));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
    ck_assert_uint_eq(c.allocs + c.refused + c.frees, calls);

    /* A refusing allocator: every constructor fails whole. */
    c.fail = 1;
    ck_assert_fails(TRM_E_NOMEM, ht->create(&out, &hooks));
    ck_assert_row_rejected(TRM_E_NOMEM, ht, h, ht->clone(&out, h));
    ck_assert_fails(TRM_E_NOMEM, ht->deserialize(&out, blob, size, &hooks));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_uint_ge(c.refused, 3);
    /* Updates and merges of a fixed-size state need no memory. */
    if (!ht->update_allocates) {
        ck_assert_ok(ht->update(h));
        if (ht->merge != NULL)
            ck_assert_ok(ht->merge(h, copy));
        ck_assert_close(ht->amount(h), (ht->merge != NULL ? 3 : 2) * ht->batch_amount);
    }
    /* The handles made before still work. */
    c.fail = 0;
    ck_assert_ok(ht->update(loaded));
    ck_assert_close(ht->amount(loaded), 2 * ht->batch_amount);

    ht->free(h);
    ht->free(copy);
    ht->free(loaded);
    ck_assert_uint_eq(c.bad_frees, 0);
    ck_assert_msg(c.frees == c.allocs, "%s: %zu blocks allocated, %zu given back", ht->name, c.allocs, c.frees);
    free(blob);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------- */

static Suite *contract_suite(void)
{
    Suite *s = suite_create("contract");
    const int n = (int)N_HANDLE_TYPES;

    TCase *tc = tcase_create("arguments");
    tcase_add_loop_test(tc, null_arguments, 0, n);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_loop_test(tc, clone_is_independent, 0, n);
    tcase_add_loop_test(tc, reset_gives_a_new_handle, 0, n);
    tcase_add_loop_test(tc, merge_adds_and_refuses_mismatch, 0, n);
    tcase_add_loop_test(tc, allocator_kept_and_checked, 0, n);
    suite_add_tcase(s, tc);

    tc = tcase_create("serialize");
    tcase_add_test(tc, crc32c_reference);
    tcase_add_loop_test(tc, size_protocol, 0, n);
    tcase_add_loop_test(tc, round_trip, 0, n);
    tcase_add_loop_test(tc, every_truncation_and_byte_change_is_corrupt, 0, n);
    tcase_add_loop_test(tc, resealed_version_or_kind, 0, n);
    tcase_add_loop_test(tc, other_types_blobs_are_mismatch, 0, n);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(contract_suite());
}
