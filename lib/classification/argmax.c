/* SPDX-License-Identifier: MIT */
/* The one-pass argmax update of an unweighted confusion matrix: which kernel
 * scans the rows, how the argmaxes are batched for the pair counters, and how
 * a failed call takes back what it counted. */
#include "fp-private.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argmax-private.h"
#include "common-private.h"
#include "count-private.h"

/* One pass over memory for unweighted matrices: the rows are taken in blocks
 * of about ARGMAX_BLOCK_BYTES of scores (at most ARGMAX_BLOCK_ROWS rows); each
 * row's scores are checked and its argmax found in the same read. The
 * argmaxes gather as predicted labels, up to ARGMAX_BATCH_ROWS of them, which
 * the kernels of trm_confusion_update_i32 then count against the true labels,
 * testing those as they go: no pass of its own over the labels, and for
 * K <= 16 on AVX-512 the diagonal counted 64 pairs at a time. A non-finite
 * score or a bad label makes the batches already counted be taken back: the
 * same scan over the same blocks finds their argmaxes again, so the integer
 * counts undo exactly whatever the floating-point mode, and the caller's
 * checking pass then names the first offending element.
 * Float32 rows of up to 40 scores without an ignore label take instead, on
 * AVX-512, a kernel that finds 16 argmaxes at a time and counts them as it
 * goes (argmax-avx512.c), and takes a failed call back the same way. */
#define ARGMAX_BLOCK_BYTES ((size_t)32768)
#define ARGMAX_BLOCK_ROWS ((size_t)1024)
#define ARGMAX_BATCH_ROWS (4 * ARGMAX_BLOCK_ROWS)

#define ARGMAX_KERNEL static inline __attribute__((always_inline))

static inline uint64_t counted(const trm__argmax_target *m, int64_t true_label)
{
    return !m->has_ignore | (true_label != m->ignore);
}

/* Counts rows [start, start + rows) from their predicted labels, which are
 * inside [0, K). Returns rows with *kept set, or the index (from start) of the
 * first row whose true label is outside [0, K), counting nothing. */
static size_t count_predictions(const trm__argmax_target *m, const int32_t *y_true, size_t start,
                                const int32_t *pred, size_t rows, uint64_t *kept)
{
    trm__pairs pairs = { y_true + start, pred, rows, TRM__LABEL_I32, m->has_ignore, m->ignore };
    return trm__count_pairs(m->counts, m->k, &pairs, m->scratch, kept);
}

/* Finds the argmaxes of rows [start, end) into pred[0 .. end - start) (0 for
 * ignored rows, which are not read); returns whether a row read holds a
 * non-finite score. */
ARGMAX_KERNEL bool scan_block(const trm__argmax_target *m, const trm__score_rows *r, size_t start, size_t end,
                              int32_t *pred)
{
    bool nonfinite_found = false;
    size_t k = m->k;
#if TRM__HAVE_AVX2_ARGMAX
    if (r->avx2) {
        trm__row_filter filter = { m->has_ignore, m->ignore };
        trm__argmax_f32_avx2(r->scores, r->stride, k, r->y_true, start, end, &filter, pred, &nonfinite_found);
        return nonfinite_found;
    }
#endif
    for (size_t i = start; i < end; i++) {
        size_t best = 0;
        if (counted(m, r->y_true[i]))
            nonfinite_found |= trm__scan_row(r->scores, i * r->stride, k, r->flush, &best, r->type);
        pred[i - start] = (int32_t)best;
    }
    return nonfinite_found;
}

/* Gives up on a call: takes back the rows [0, done) already counted, found
 * again block by block by the scan that counted them (the vector kernels
 * compare in the caller's floating-point mode, the portable ones on keys, so
 * only the same scan is sure to name the same cells), and sets *checked to
 * bad_end, past the first bad row. */
ARGMAX_KERNEL bool give_up(const trm__argmax_target *m, const trm__score_rows *r, size_t done, size_t rows,
                           int32_t *pred, size_t bad_end, size_t *checked)
{
    for (size_t start = 0; start < done; start += rows) {
        size_t end = done - start > rows ? start + rows : done;
        scan_block(m, r, start, end, pred);
        for (size_t i = start; i < end; i++)
            if (counted(m, r->y_true[i]))
                m->counts[(size_t)r->y_true[i] * m->k + (size_t)pred[i - start]]--;
    }
    *checked = bad_end;
    return false;
}

/* Returns true with *kept set when every row was counted; otherwise false with
 * *checked past the first bad row (a row with a non-finite score or a true
 * label outside [0, K) that is not ignored), and the counts as they were. */
ARGMAX_KERNEL bool count_argmax_typed(const trm__argmax_target *m, const trm__score_rows *r, size_t n,
                                      uint64_t *kept, size_t *checked)
{
    /* the argmaxes of rows [counted, start), waiting to be counted: 16 KiB of
     * stack, and the pair kernels take about 9 more */
    int32_t pred[ARGMAX_BATCH_ROWS];
    size_t counted = 0, stride = r->stride;
    size_t row_bytes = r->type == TRM__SCORE_F32 ? sizeof(float) : sizeof(double);
    size_t rows = stride < ARGMAX_BLOCK_BYTES / row_bytes ? ARGMAX_BLOCK_BYTES / (stride * row_bytes) : 1;
    rows = rows < ARGMAX_BLOCK_ROWS ? rows : ARGMAX_BLOCK_ROWS;
    uint64_t used = 0;
    for (size_t start = 0; start < n;) {
        size_t end = n - start > rows ? start + rows : n, ahead = n - end > rows ? end + rows : n;
        /* The next block's true labels: a stream the hardware prefetcher
         * does not follow, read when its batch is counted. */
        for (size_t i = end; i < ahead; i += 64 / sizeof *r->y_true)
            __builtin_prefetch(r->y_true + i);
        if (scan_block(m, r, start, end, pred + (start - counted)))
            return give_up(m, r, counted, rows, pred, end, checked);
        start = end;
        if (end < n && end - counted + rows <= ARGMAX_BATCH_ROWS)
            continue;
        uint64_t batch_kept = 0;
        size_t good = count_predictions(m, r->y_true, counted, pred, end - counted, &batch_kept);
        if (good < end - counted)
            return give_up(m, r, counted, rows, pred, counted + good + 1, checked);
        used += batch_kept;
        counted = end;
    }
    *kept = used;
    return true;
}

TRM__DISPATCH bool trm__count_argmax(const trm__argmax_target *m, const trm__score_rows *r, size_t n,
                                    uint64_t *kept, size_t *checked)
{
#if TRM__HAVE_AVX512_ARGMAX
    /* An ignored row must not be read, so the kernel, which reads every row,
     * is for matrices that ignore none. */
    if (r->type == TRM__SCORE_F32 && m->k <= TRM__AVX512_ARGMAX_MAX_K && n >= TRM__AVX512_ARGMAX_MIN_ROWS &&
        !m->has_ignore && trm__argmax_avx512_usable()) {
        if (!trm__count_argmax_f32_avx512(m->counts, m->k, r->y_true, r->scores, n, r->stride, checked))
            return false;
        *kept = n;
        return true;
    }
#endif
    /* Two copies, so that each inlines the row kernel of its own type. */
    if (r->type == TRM__SCORE_F32) {
        trm__score_rows f32 = *r;
        f32.type = TRM__SCORE_F32;
        return count_argmax_typed(m, &f32, n, kept, checked);
    }
    trm__score_rows f64 = *r;
    f64.type = TRM__SCORE_F64;
    return count_argmax_typed(m, &f64, n, kept, checked);
}
