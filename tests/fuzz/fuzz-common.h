/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz harnesses: a hard assertion that works without
 * libFuzzer (the replay driver) and with it, a counting allocator that can be
 * told to fail, and state snapshots through trm_X_serialize(). The CRC-32C
 * resealer, so that mutations reach the body validators past the checksum, is
 * the unit tests' blob_reseal() (../blob-util.h). */
#ifndef TRM_FUZZ_COMMON_H
#define TRM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

#include "../blob-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every violation aborts, so libFuzzer records a crash and the replay test fails. */
#define FUZZ_ASSERT(cond, ...)                                                      \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: assertion `%s' failed: ", __FILE__, __LINE__,   \
                    #cond);                                                         \
            fprintf(stderr, __VA_ARGS__);                                           \
            fprintf(stderr, "\n  trm_last_error(): %s\n", trm_last_error());        \
            abort();                                                                \
        }                                                                           \
    } while (0)

/* Known bug (see the fuzz report): once a confusion matrix's total passes
 * 2^53 the library derives tn by subtraction in double, so specificity and
 * NPV can leave [0, 1] (NPV -1.9e-6 for counts {2, 2^56 + 2^26, 1048578, 1}).
 * Unless built with -DFUZZ_STRICT_RANGES, the harnesses check the range of
 * derived fractions only below that total, and allow FUZZ_RANGE_SLACK, so that
 * they keep exploring past it. */
#ifdef FUZZ_STRICT_RANGES
#define FUZZ_RANGE_SLACK 0.0
#define FUZZ_RANGE_CHECKED(total) 1
#else
#define FUZZ_RANGE_SLACK 1e-12
#define FUZZ_RANGE_CHECKED(total) ((total) <= 0x1p53)
#endif

/* ---- an allocator that counts and can refuse the n-th allocation ---------------- */

typedef struct fuzz_alloc_state {
    size_t allocs;     /* successful allocations */
    size_t frees;      /* releases */
    size_t fail_at;    /* the allocation (0-based) to refuse, SIZE_MAX for none */
    size_t attempts;   /* allocation calls so far */
} fuzz_alloc_state;

static inline void *fuzz_alloc(void *opaque, size_t size)
{
    fuzz_alloc_state *s = opaque;
    size_t n = s->attempts++;
    if (n == s->fail_at || size > ((size_t)1 << 32))
        return NULL;
    void *p = aligned_alloc(16, (size + 16) & ~(size_t)15);
    if (p != NULL)
        s->allocs++;
    return p;
}

static inline void fuzz_free(void *opaque, void *ptr)
{
    fuzz_alloc_state *s = opaque;
    FUZZ_ASSERT(ptr != NULL, "free hook called with NULL");
    s->frees++;
    free(ptr);
}

static inline trm_allocator fuzz_hooks(fuzz_alloc_state *s, size_t fail_at)
{
    *s = (fuzz_alloc_state){ 0, 0, fail_at, 0 };
    return (trm_allocator){ fuzz_alloc, fuzz_free, s };
}

/* ---- snapshots ------------------------------------------------------------------- */

/* A malloc'ed blob of a handle's state; the serialized state is complete, so
 * equal blobs mean equal states. */
#define FUZZ_DEFINE_SNAPSHOT(X)                                                          \
    static inline uint8_t *fuzz_snapshot_##X(const trm_##X *h, size_t *size)            \
    {                                                                                    \
        size_t need = 0;                                                                 \
        int rc_ = trm_##X##_serialize(h, NULL, 0, &need);                                \
        FUZZ_ASSERT(rc_ == TRM_E_BUFFER, "trm_" #X "_serialize(NULL) returned %d", rc_);  \
        uint8_t *blob = malloc(need ? need : 1);                                         \
        FUZZ_ASSERT(blob != NULL, "out of memory");                                      \
        size_t got = 0;                                                                  \
        rc_ = trm_##X##_serialize(h, blob, need, &got);                                  \
        FUZZ_ASSERT(rc_ == TRM_OK && got == need, "trm_" #X "_serialize returned %d, "   \
                    "%zu of %zu bytes", rc_, got, need);                                 \
        *size = got;                                                                     \
        return blob;                                                                     \
    }                                                                                    \
    static inline int fuzz_same_##X(const trm_##X *h, const uint8_t *before,            \
                                    size_t before_size)                                  \
    {                                                                                    \
        size_t size = 0;                                                                 \
        uint8_t *now = fuzz_snapshot_##X(h, &size);                                      \
        int same = size == before_size && memcmp(now, before, size) == 0;                \
        free(now);                                                                       \
        return same;                                                                     \
    }

#endif /* TRM_FUZZ_COMMON_H */
