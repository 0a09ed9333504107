/* SPDX-License-Identifier: MIT */
/* One row per serializable handle type (confusion unweighted and weighted,
 * top-k, multilabel, regression, overfit, loss, ranking, calibration), with the operations every such
 * type has behind one signature, so that the life-cycle contract (NULL
 * arguments, clone, reset, merge, the size protocol, blob damage) is written
 * once and run over every type.
 *
 * Every number in a row comes from the module's blob layout (written out
 * beside its constructor below) and from the batch written beside it, never
 * from running the library. */
#ifndef TRM_TEST_HANDLES_H
#define TRM_TEST_HANDLES_H

#include <stddef.h>
#include <stdint.h>

#include <trainmetrics/trainmetrics.h>

typedef struct handle_type {
    const char *name;
    uint16_t kind;        /* the blob's kind field */
    size_t empty_size;    /* bytes of a blob of create()'s handle */
    size_t batch_size;    /* ... and after one update() */
    double batch_amount;  /* what one update() adds to amount() */
    size_t allocations;   /* allocator calls of create, clone and deserialize; 0 = not pinned */
    int update_allocates; /* whether update() may need memory (a growing history) */
    /* The row's shape and options, with `alloc` (NULL for the defaults). */
    int (*create)(void **out, const trm_allocator *alloc);
    /* Handles of other shapes or options, which merge() must refuse. */
    size_t n_others;
    int (*create_other)(void **out, size_t which);
    /* Counts one fixed batch into h. */
    int (*update)(void *h);
    /* Samples, epochs or total weight counted so far. */
    double (*amount)(const void *h);
    void (*free)(void *h);
    void (*reset)(void *h);
    int (*clone)(void **out, const void *h);
    int (*merge)(void *dst, const void *src); /* NULL: the type does not merge */
    int (*serialize)(const void *h, uint8_t *buf, size_t cap, size_t *size);
    int (*deserialize)(void **out, const uint8_t *buf, size_t size, const trm_allocator *alloc);
} handle_type;

/* free, reset, clone, serialize and deserialize of trm_X behind void pointers.
 * An out-pointer goes through a typed local, so that whatever the library does
 * (or does not) write to it is what the caller sees. */
#define HANDLE_LIFECYCLE(X)                                                                     \
    static void X##_free_(void *h) { trm_##X##_free(h); }                                       \
    static void X##_reset_(void *h) { trm_##X##_reset(h); }                                     \
    static int X##_clone_(void **out, const void *h)                                            \
    {                                                                                           \
        trm_##X *copy = out ? *out : NULL;                                                      \
        int rc = trm_##X##_clone(out ? &copy : NULL, h);                                        \
        if (out)                                                                                \
            *out = copy;                                                                        \
        return rc;                                                                              \
    }                                                                                           \
    static int X##_serialize_(const void *h, uint8_t *buf, size_t cap, size_t *size)            \
    {                                                                                           \
        return trm_##X##_serialize(h, buf, cap, size);                                          \
    }                                                                                           \
    static int X##_deserialize_(void **out, const uint8_t *buf, size_t size,                    \
                                const trm_allocator *alloc)                                     \
    {                                                                                           \
        trm_##X *loaded = out ? *out : NULL;                                                    \
        int rc = trm_##X##_deserialize(out ? &loaded : NULL, buf, size, alloc);                 \
        if (out)                                                                                \
            *out = loaded;                                                                      \
        return rc;                                                                              \
    }

#define HANDLE_MERGE(X)                                                                         \
    static int X##_merge_(void *dst, const void *src) { return trm_##X##_merge(dst, src); }

/* Stores a typed constructor's result through a void out-pointer, as above. */
#define HANDLE_CREATE(X, out, call_with_p)                                                      \
    do {                                                                                        \
        trm_##X *made_ = (out) ? *(out) : NULL, **p = (out) ? &made_ : NULL;                    \
        int rc_ = (call_with_p);                                                                \
        if (out)                                                                                \
            *(out) = made_;                                                                     \
        return rc_;                                                                             \
    } while (0)

HANDLE_LIFECYCLE(confusion)
HANDLE_MERGE(confusion)
HANDLE_LIFECYCLE(topk)
HANDLE_MERGE(topk)
HANDLE_LIFECYCLE(multilabel)
HANDLE_MERGE(multilabel)
HANDLE_LIFECYCLE(regression)
HANDLE_MERGE(regression)
HANDLE_LIFECYCLE(overfit)
HANDLE_LIFECYCLE(loss)
HANDLE_MERGE(loss)
HANDLE_LIFECYCLE(ranking)
HANDLE_MERGE(ranking)
HANDLE_LIFECYCLE(calibration)
HANDLE_MERGE(calibration)
HANDLE_LIFECYCLE(sparse_confusion)
HANDLE_MERGE(sparse_confusion)

/* ---- confusion, K = 3, ignore label 1 -----------------------------------------
 * Blob: 12 + 24 + 8 K^2 = 108 bytes. The batch (0,0) (0,2) (2,1) (2,1) (1,0)
 * (2,2) counts 5 pairs: (1,0) is skipped. */
static double confusion_amount_(const void *h)
{
    double total = -1.0;
    if (trm_confusion_total(h, &total) != TRM_OK)
        return -1.0;
    return total;
}

static int confusion_update_(void *h)
{
    static const int32_t t[] = { 0, 0, 2, 2, 1, 2 }, p[] = { 0, 2, 1, 1, 0, 2 };
    return trm_confusion_update_i32(h, t, p, 6);
}

static int confusion_with_options(void **out, size_t k, uint32_t flags, int64_t ignore)
{
    trm_confusion *cm = NULL;
    int rc = trm_confusion_new(&cm, k, flags, NULL);
    if (rc == TRM_OK && ignore != TRM_NO_IGNORE)
        rc = trm_confusion_set_ignore_label(cm, ignore);
    if (rc != TRM_OK) {
        trm_confusion_free(cm);
        return rc;
    }
    *out = cm;
    return TRM_OK;
}

static int confusion_create_(void **out, const trm_allocator *alloc)
{
    trm_confusion *cm = out ? *out : NULL;
    int rc = trm_confusion_new(out ? &cm : NULL, 3, 0, alloc);
    if (rc != TRM_OK)
        return rc;
    rc = trm_confusion_set_ignore_label(cm, 1);
    if (rc != TRM_OK) {
        trm_confusion_free(cm);
        return rc;
    }
    *out = cm;
    return TRM_OK;
}

/* K 4, weighted, no ignore label, ignore label 2. */
static int confusion_other_(void **out, size_t which)
{
    static const struct {
        size_t k;
        uint32_t flags;
        int64_t ignore;
    } others[] = { { 4, 0, 1 }, { 3, TRM_CONFUSION_WEIGHTED, 1 }, { 3, 0, TRM_NO_IGNORE }, { 3, 0, 2 } };
    return confusion_with_options(out, others[which].k, others[which].flags, others[which].ignore);
}

/* ---- weighted confusion, K = 2 ------------------------------------------------
 * Blob: 12 + 24 + 8 * 4 = 68 bytes. Weights 0.5 + 2.25 + 0.25 + 3 = 6. */
static int weighted_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(confusion, out, trm_confusion_new(p, 2, TRM_CONFUSION_WEIGHTED, alloc));
}

static int weighted_update_(void *h)
{
    static const int32_t t[] = { 0, 0, 1, 1 }, p[] = { 0, 1, 0, 1 };
    static const double w[] = { 0.5, 2.25, 0.25, 3.0 };
    return trm_confusion_update_weighted_i32(h, t, p, w, 4);
}

/* K 3, unweighted, or ignoring label 0. */
static int weighted_other_(void **out, size_t which)
{
    static const struct {
        size_t k;
        uint32_t flags;
        int64_t ignore;
    } others[] = { { 3, TRM_CONFUSION_WEIGHTED, TRM_NO_IGNORE }, { 2, 0, TRM_NO_IGNORE }, { 2, TRM_CONFUSION_WEIGHTED, 0 } };
    return confusion_with_options(out, others[which].k, others[which].flags, others[which].ignore);
}

/* ---- top-k, K = 4, max_k = 2 ---------------------------------------------------
 * Blob: 12 + 24 + 8 (max_k + 1) = 60 bytes. Three samples a batch. */
static double topk_amount_(const void *h)
{
    return (double)trm_topk_n_samples(h);
}

static int topk_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(topk, out, trm_topk_new(p, 4, 2, alloc));
}

static int topk_update_(void *h)
{
    static const int32_t y[] = { 0, 3, 2 };
    static const double s[] = { 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 5, 0 };
    return trm_topk_update_f64(h, y, s, 3, 4);
}

/* K 5, or max_k 3. */
static int topk_other_(void **out, size_t which)
{
    HANDLE_CREATE(topk, out, trm_topk_new(p, which == 0 ? 5 : 4, which == 0 ? 2 : 3, NULL));
}

/* ---- multilabel, L = 3 ----------------------------------------------------------
 * Blob: 12 + 56 + 112 L = 404 bytes. Three rows a batch. */
static double multilabel_amount_(const void *h)
{
    return (double)trm_multilabel_n_samples(h);
}

static int multilabel_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(multilabel, out, trm_multilabel_new(p, 3, alloc));
}

static int multilabel_update_(void *h)
{
    static const uint8_t t[] = { 1, 0, 1, 0, 0, 0, 1, 1, 1 }, p[] = { 1, 1, 0, 0, 0, 1, 1, 1, 1 };
    return trm_multilabel_update_u8(h, t, p, 3);
}

/* L 4, or L 1. */
static int multilabel_other_(void **out, size_t which)
{
    HANDLE_CREATE(multilabel, out, trm_multilabel_new(p, which == 0 ? 4 : 1, NULL));
}

/* ---- regression, M = 2 ------------------------------------------------------------
 * Blob: 12 + 32 + 48 M = 140 bytes. Three rows a batch. */
static double regression_amount_(const void *h)
{
    return (double)trm_regression_n_samples(h);
}

static int regression_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(regression, out, trm_regression_new(p, 2, alloc));
}

static int regression_update_(void *h)
{
    static const double t[] = { 1, -2, 3, 0, 2, 5 }, p[] = { 1.5, -2, 2, 1, 2, 3 };
    return trm_regression_update_f64(h, t, p, 3);
}

/* M 3, or M 1. */
static int regression_other_(void **out, size_t which)
{
    HANDLE_CREATE(regression, out, trm_regression_new(p, which == 0 ? 3 : 1, NULL));
}

/* ---- overfit, default options -------------------------------------------------------
 * Blob (format 2): 12 + 10 u32 + 8 f64 + u64 n + 16 n = 124 + 16 n bytes; a
 * batch is three epochs: 172 bytes. */
static double overfit_amount_(const void *h)
{
    return (double)trm_overfit_n_epochs(h);
}

static int overfit_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(overfit, out, trm_overfit_new(p, alloc));
}

static int overfit_update_(void *h)
{
    static const double train[] = { 1.0, 0.8, 0.65 }, val[] = { 1.05, 0.85, 0.9 };
    return trm_overfit_push_many(h, train, val, 3);
}

/* ---- loss, cross-entropy over K = 3 ----------------------------------------------------
 * Blob: 12 + 4 u64 + 4 f64 = 76 bytes whatever was counted. Two rows a batch. */
static double loss_amount_(const void *h)
{
    return (double)trm_loss_n_samples(h);
}

static int loss_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(loss, out, trm_loss_new(p, TRM_LOSS_CROSS_ENTROPY, 3, alloc));
}

static int loss_update_(void *h)
{
    static const int32_t y[] = { 2, 0 };
    static const double x[] = { 1, 2, 3, 0, 0, 0 };
    return trm_loss_update_logits_f64(h, y, x, 2, 3, NULL);
}

/* K 4, the Brier score over 3 classes, or binary cross-entropy over 3 outputs. */
static int loss_other_(void **out, size_t which)
{
    static const int kinds[] = { TRM_LOSS_CROSS_ENTROPY, TRM_LOSS_BRIER, TRM_LOSS_BINARY_CROSS_ENTROPY };
    HANDLE_CREATE(loss, out, trm_loss_new(p, kinds[which], which == 0 ? 4 : 3, NULL));
}

/* ---- ranking, exact, binary ------------------------------------------------------------
 * Blob: 12 + 24 + 17 n bytes (a score, a weight, a target per sample): 36 bytes
 * empty, 104 after a batch of four samples. The samples grow from the allocator. */
static double ranking_amount_(const void *h)
{
    return (double)trm_ranking_n_samples(h);
}

static int ranking_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(ranking, out, trm_ranking_new(p, TRM_RANKING_BINARY, 1, alloc));
}

static int ranking_update_(void *h)
{
    static const int32_t y[] = { 0, 1, 1, 0 };
    static const double s[] = { 0.1, 0.4, 0.35, 0.8 };
    return trm_ranking_update_f64(h, y, s, 4);
}

/* multilabel of one column, or binned. */
static int ranking_other_(void **out, size_t which)
{
    if (which == 0)
        HANDLE_CREATE(ranking, out, trm_ranking_new(p, TRM_RANKING_MULTILABEL, 1, NULL));
    HANDLE_CREATE(ranking, out, trm_ranking_new_binned(p, TRM_RANKING_BINARY, 1, 3, NULL, NULL));
}

/* ---- ranking, binned, multiclass K = 3, T = 5 ---------------------------------------
 * Blob: 12 + 24 + 8 + 8 T + 16 K (T + 1) = 372 bytes. Three samples a batch. */
static int ranking_binned_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(ranking, out, trm_ranking_new_binned(p, TRM_RANKING_MULTICLASS, 3, 5, NULL, alloc));
}

static int ranking_binned_update_(void *h)
{
    static const int32_t y[] = { 0, 2, 1 };
    static const float s[] = { 0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f, 0.3f, 0.3f, 0.4f };
    return trm_ranking_update_f32(h, y, s, 3);
}

/* T 4, other thresholds of T 5, exact mode, K 4. */
static int ranking_binned_other_(void **out, size_t which)
{
    static const double grid[] = { 0, 0.2, 0.4, 0.6, 1 };
    switch (which) {
    case 0: HANDLE_CREATE(ranking, out, trm_ranking_new_binned(p, TRM_RANKING_MULTICLASS, 3, 4, NULL, NULL));
    case 1: HANDLE_CREATE(ranking, out, trm_ranking_new_binned(p, TRM_RANKING_MULTICLASS, 3, 5, grid, NULL));
    case 2: HANDLE_CREATE(ranking, out, trm_ranking_new(p, TRM_RANKING_MULTICLASS, 3, NULL));
    default: HANDLE_CREATE(ranking, out, trm_ranking_new_binned(p, TRM_RANKING_MULTICLASS, 4, 5, NULL, NULL));
    }
}

/* ---- calibration, binary with 4 bins and multiclass K = 3 with 5 bins -----------
 * Blob: 12 + 40 + 24 (n_bins + 1) bytes: 172 for 4 bins, 196 for 5. Four samples a batch. */
static double calibration_amount_(const void *h)
{
    return (double)trm_calibration_n_samples(h);
}

static int calibration_binary_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(calibration, out, trm_calibration_new(p, 4, 1, alloc));
}

static int calibration_binary_update_(void *h)
{
    static const int32_t y[] = { 0, 1, 1, 0 };
    static const double s[] = { 0.0, 0.25, 1.0, 0.6 };
    return trm_calibration_update_binary_f64(h, y, s, 4);
}

/* 5 bins, or multiclass with 2 classes. */
static int calibration_binary_other_(void **out, size_t which)
{
    HANDLE_CREATE(calibration, out, trm_calibration_new(p, which == 0 ? 5 : 4, which == 0 ? 1 : 2, NULL));
}

static int calibration_multiclass_create_(void **out, const trm_allocator *alloc)
{
    HANDLE_CREATE(calibration, out, trm_calibration_new(p, 5, 3, alloc));
}

static int calibration_multiclass_update_(void *h)
{
    static const int32_t y[] = { 0, 2, 1, 1 };
    static const float s[] = { 0.5f, 0.3f, 0.2f, 0.1f, 0.1f, 0.8f, 0.4f, 0.4f, 0.2f, 0, 0, 1 };
    return trm_calibration_update_multiclass_f32(h, y, s, 4, 3);
}

/* 4 bins, 4 classes, or binary. */
static int calibration_multiclass_other_(void **out, size_t which)
{
    static const size_t bins[] = { 4, 5, 5 }, classes[] = { 3, 4, 1 };
    HANDLE_CREATE(calibration, out, trm_calibration_new(p, bins[which], classes[which], NULL));
}

/* ---- sparse confusion, K = 3, ignore label 1 ------------------------------------
 * Blob: 12 + 48 + 24 K + 16 per off-diagonal cell; the confusion row's batch
 * counts 5 pairs in the cells (0,2) and (2,1): 132 bytes empty, 164 after. */
static double sparse_amount_(const void *h)
{
    double total = -1.0;
    if (trm_sparse_confusion_total(h, &total) != TRM_OK)
        return -1.0;
    return total;
}

static int sparse_update_(void *h)
{
    static const int32_t t[] = { 0, 0, 2, 2, 1, 2 }, p[] = { 0, 2, 1, 1, 0, 2 };
    return trm_sparse_confusion_update_i32(h, t, p, 6);
}

static int sparse_with_options(void **out, size_t k, uint32_t flags, int64_t ignore, const trm_allocator *alloc)
{
    trm_sparse_confusion *cm = out ? *out : NULL;
    int rc = trm_sparse_confusion_new(out ? &cm : NULL, k, flags, alloc);
    if (rc != TRM_OK)
        return rc;
    rc = trm_sparse_confusion_set_ignore_label(cm, ignore);
    if (rc != TRM_OK) {
        trm_sparse_confusion_free(cm);
        return rc;
    }
    *out = cm;
    return TRM_OK;
}

static int sparse_create_(void **out, const trm_allocator *alloc)
{
    return sparse_with_options(out, 3, 0, 1, alloc);
}

/* K 4, weighted, no ignore label, ignore label 2. */
static int sparse_other_(void **out, size_t which)
{
    static const struct {
        size_t k;
        uint32_t flags;
        int64_t ignore;
    } others[] = { { 4, 0, 1 }, { 3, TRM_CONFUSION_WEIGHTED, 1 }, { 3, 0, TRM_NO_IGNORE }, { 3, 0, 2 } };
    return sparse_with_options(out, others[which].k, others[which].flags, others[which].ignore, NULL);
}

/* ---- weighted sparse confusion, K = 2 ---------------------------------------------
 * Blob: 12 + 48 + 48 = 108 bytes empty, + 2 cells = 140. Weights sum to 6. */
static int sparse_weighted_create_(void **out, const trm_allocator *alloc)
{
    return sparse_with_options(out, 2, TRM_CONFUSION_WEIGHTED, TRM_NO_IGNORE, alloc);
}

static int sparse_weighted_update_(void *h)
{
    static const int32_t t[] = { 0, 0, 1, 1 }, p[] = { 0, 1, 0, 1 };
    static const double w[] = { 0.5, 2.25, 0.25, 3.0 };
    return trm_sparse_confusion_update_weighted_i32(h, t, p, w, 4);
}

/* K 3, unweighted, or ignoring label 0. */
static int sparse_weighted_other_(void **out, size_t which)
{
    static const struct {
        size_t k;
        uint32_t flags;
        int64_t ignore;
    } others[] = { { 3, TRM_CONFUSION_WEIGHTED, TRM_NO_IGNORE }, { 2, 0, TRM_NO_IGNORE }, { 2, TRM_CONFUSION_WEIGHTED, 0 } };
    return sparse_with_options(out, others[which].k, others[which].flags, others[which].ignore, NULL);
}

#define HANDLE_ROW(X, create_fn, other_fn, n_other, update_fn, amount_fn, merge_fn)             \
    create_fn, n_other, other_fn, update_fn, amount_fn, X##_free_, X##_reset_, X##_clone_,      \
        merge_fn, X##_serialize_, X##_deserialize_

static const handle_type handle_types[] = {
    { "confusion", 1, 108, 108, 5.0, 0, 0,
      HANDLE_ROW(confusion, confusion_create_, confusion_other_, 4, confusion_update_, confusion_amount_,
                 confusion_merge_) },
    { "confusion-weighted", 1, 68, 68, 6.0, 0, 0,
      HANDLE_ROW(confusion, weighted_create_, weighted_other_, 3, weighted_update_, confusion_amount_,
                 confusion_merge_) },
    { "topk", 2, 60, 60, 3.0, 1, 0,
      HANDLE_ROW(topk, topk_create_, topk_other_, 2, topk_update_, topk_amount_, topk_merge_) },
    { "multilabel", 3, 404, 404, 3.0, 1, 0,
      HANDLE_ROW(multilabel, multilabel_create_, multilabel_other_, 2, multilabel_update_, multilabel_amount_,
                 multilabel_merge_) },
    { "regression", 4, 140, 140, 3.0, 1, 0,
      HANDLE_ROW(regression, regression_create_, regression_other_, 2, regression_update_, regression_amount_,
                 regression_merge_) },
    { "overfit", 5, 124, 172, 3.0, 0, 1,
      HANDLE_ROW(overfit, overfit_create_, NULL, 0, overfit_update_, overfit_amount_, NULL) },
    { "loss", 6, 76, 76, 2.0, 1, 0,
      HANDLE_ROW(loss, loss_create_, loss_other_, 3, loss_update_, loss_amount_, loss_merge_) },
    { "ranking", 8, 36, 104, 4.0, 0, 1,
      HANDLE_ROW(ranking, ranking_create_, ranking_other_, 2, ranking_update_, ranking_amount_, ranking_merge_) },
    { "ranking-binned", 8, 372, 372, 3.0, 1, 0,
      HANDLE_ROW(ranking, ranking_binned_create_, ranking_binned_other_, 4, ranking_binned_update_, ranking_amount_,
                 ranking_merge_) },
    { "calibration-binary", 7, 172, 172, 4.0, 1, 0,
      HANDLE_ROW(calibration, calibration_binary_create_, calibration_binary_other_, 2, calibration_binary_update_,
                 calibration_amount_, calibration_merge_) },
    { "calibration-multiclass", 7, 196, 196, 4.0, 1, 0,
      HANDLE_ROW(calibration, calibration_multiclass_create_, calibration_multiclass_other_, 3,
                 calibration_multiclass_update_, calibration_amount_, calibration_merge_) },
    { "sparse-confusion", 9, 132, 164, 5.0, 0, 1,
      HANDLE_ROW(sparse_confusion, sparse_create_, sparse_other_, 4, sparse_update_, sparse_amount_,
                 sparse_confusion_merge_) },
    { "sparse-confusion-weighted", 9, 108, 140, 6.0, 0, 1,
      HANDLE_ROW(sparse_confusion, sparse_weighted_create_, sparse_weighted_other_, 3, sparse_weighted_update_,
                 sparse_amount_, sparse_confusion_merge_) },
};

#define N_HANDLE_TYPES (sizeof handle_types / sizeof handle_types[0])

#endif /* TRM_TEST_HANDLES_H */
