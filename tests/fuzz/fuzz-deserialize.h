/* SPDX-License-Identifier: MIT */
/* The body shared by every fuzz-deserialize-<handle>.c harness.
 *
 * Each input is tried three ways, so that the fuzzer is not stopped by the
 * checksum: as it is; with its CRC-32C trailer rewritten; and as the body of a
 * blob, behind a correct header ("TRMB", format 1, the handle's kind) and in
 * front of a correct CRC. For every try:
 * - on failure, the output pointer must be untouched, trm_last_error() must be
 *   non-empty and the status one of CORRUPT, VERSION, MISMATCH;
 * - on success, serializing again must give the very same bytes (a blob of an
 *   older format of the kind is rewritten in the newest one instead, and that
 *   blob is checked the same way), a clone must
 *   serialize to them too, the harness's queries must hold, and refusing each
 *   allocation of the deserialization in turn must fail cleanly (NOMEM, output
 *   untouched, everything allocated released).
 * Buffers are exactly as long as the blob, so a read past the end is caught by
 * AddressSanitizer. */
#ifndef TRM_FUZZ_DESERIALIZE_H
#define TRM_FUZZ_DESERIALIZE_H

#include "fuzz-common.h"

#define FUZZ_DESERIALIZE_HARNESS(X, KIND, QUERY)                                          \
    FUZZ_DEFINE_SNAPSHOT(X)                                                               \
    static void fuzz_check_blob_##X(const uint8_t *buf, size_t size)                      \
    {                                                                                     \
        static int sentinel_;                                                             \
        trm_##X *const untouched = (trm_##X *)(void *)&sentinel_;                         \
        trm_##X *h = untouched;                                                           \
        trm_clear_last_error();                                                           \
        int rc = trm_##X##_deserialize(&h, buf, size, NULL);                              \
        if (rc != TRM_OK) {                                                               \
            FUZZ_ASSERT(h == untouched, "failed deserialize (%d) wrote its output", rc);  \
            FUZZ_ASSERT(trm_last_error()[0] != '\0', "failed deserialize (%d) left "      \
                        "trm_last_error() empty", rc);                                    \
            FUZZ_ASSERT(rc == TRM_E_CORRUPT || rc == TRM_E_VERSION ||                     \
                        rc == TRM_E_MISMATCH, "deserialize of %zu bytes returned %d (%s)", \
                        size, rc, trm_strerror(rc));                                      \
            return;                                                                       \
        }                                                                                 \
        FUZZ_ASSERT(h != NULL && h != untouched, "deserialize succeeded without a handle"); \
        size_t again_size = 0;                                                            \
        uint8_t *again = fuzz_snapshot_##X(h, &again_size);                               \
        uint64_t format_in = blob_get_le(buf + 4, 2), format_out = blob_get_le(again + 4, 2); \
        if (format_in != format_out) {                                                    \
            /* an older format is rewritten in the newest, which must round-trip */      \
            FUZZ_ASSERT(format_in < format_out, "format %u rewritten as older format %u", \
                        (unsigned)format_in, (unsigned)format_out);                       \
            fuzz_check_blob_##X(again, again_size);                                       \
        } else {                                                                          \
            FUZZ_ASSERT(again_size == size && memcmp(again, buf, size) == 0,              \
                        "round trip changed the blob: %zu bytes in, %zu bytes out", size, \
                        again_size);                                                      \
        }                                                                                 \
        trm_##X *copy = NULL;                                                             \
        rc = trm_##X##_clone(&copy, h);                                                   \
        FUZZ_ASSERT(rc == TRM_OK, "clone of a deserialized handle returned %d", rc);      \
        FUZZ_ASSERT(fuzz_same_##X(copy, again, again_size), "clone serializes differently"); \
        trm_##X##_free(copy);                                                             \
        QUERY(h);                                                                         \
        FUZZ_ASSERT(fuzz_same_##X(h, again, again_size), "a query changed the handle");   \
        free(again);                                                                      \
        trm_##X##_free(h);                                                                \
        /* count the allocations of a successful load, then refuse each in turn */        \
        fuzz_alloc_state st;                                                              \
        trm_allocator hooks = fuzz_hooks(&st, SIZE_MAX);                                  \
        h = NULL;                                                                         \
        rc = trm_##X##_deserialize(&h, buf, size, &hooks);                                \
        FUZZ_ASSERT(rc == TRM_OK, "deserialize with counting hooks returned %d", rc);     \
        size_t n_allocs = st.attempts;                                                    \
        trm_##X##_free(h);                                                                \
        FUZZ_ASSERT(st.allocs == st.frees, "%zu allocations, %zu releases", st.allocs,   \
                    st.frees);                                                            \
        for (size_t k = 0; k < n_allocs; k++) {                                           \
            hooks = fuzz_hooks(&st, k);                                                   \
            h = untouched;                                                                \
            trm_clear_last_error();                                                       \
            rc = trm_##X##_deserialize(&h, buf, size, &hooks);                            \
            FUZZ_ASSERT(rc == TRM_E_NOMEM, "allocation %zu refused: deserialize returned " \
                        "%d", k, rc);                                                     \
            FUZZ_ASSERT(h == untouched, "NOMEM deserialize wrote its output");            \
            FUZZ_ASSERT(trm_last_error()[0] != '\0', "NOMEM left trm_last_error() empty"); \
            FUZZ_ASSERT(st.allocs == st.frees, "allocation %zu refused: %zu allocations, " \
                        "%zu releases", k, st.allocs, st.frees);                          \
        }                                                                                 \
    }                                                                                     \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                          \
    {                                                                                     \
        uint8_t *copy = malloc(size ? size : 1);                                          \
        if (copy == NULL)                                                                 \
            return 0;                                                                     \
        /* as it is, in a buffer of exactly its size */                                   \
        if (size > 0)                                                                     \
            memcpy(copy, data, size);                                                     \
        else                                                                              \
            copy[0] = 0;                                                                  \
        fuzz_check_blob_##X(copy, size);                                                  \
        /* with a correct checksum */                                                     \
        if (size >= 12) {                                                                 \
            blob_reseal(copy, size);                                                      \
            fuzz_check_blob_##X(copy, size);                                              \
        }                                                                                 \
        free(copy);                                                                       \
        /* as the body of a correct envelope */                                           \
        uint8_t *blob = malloc(size + 12);                                                \
        if (blob == NULL)                                                                 \
            return 0;                                                                     \
        memcpy(blob, "TRMB\x01\x00", 6);                                                  \
        blob[6] = (uint8_t)(KIND);                                                        \
        blob[7] = 0;                                                                      \
        if (size > 0)                                                                     \
            memcpy(blob + 8, data, size);                                                 \
        blob_reseal(blob, size + 12);                                                     \
        fuzz_check_blob_##X(blob, size + 12);                                             \
        free(blob);                                                                       \
        return 0;                                                                         \
    }

#endif /* TRM_FUZZ_DESERIALIZE_H */
