/* SPDX-License-Identifier: MIT */
/* Sparse confusion matrix: per-class totals in three arrays of K, the
 * off-diagonal cells in a hash table (cellmap.c), and the metrics of the dense
 * matrix computed from the same one-vs-rest tally (tally.c, tally-scores.c).
 *
 * An update validates the batch, then claims a table slot for every new
 * off-diagonal cell (this is the only step that allocates; if the table cannot
 * grow, the slots claimed so far are removed again), then counts. */
#include "fp-private.h"
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cellmap-private.h"
#include "codec-private.h"
#include "common-private.h"
#include "tally-private.h"
#include "trainmetrics/sparse.h"

struct trm_sparse_confusion {
    trm_allocator alloc; /* copy of the creator's hooks */
    size_t k;            /* 1 .. TRM_SPARSE_MAX_CLASSES */
    uint32_t flags;      /* 0 or TRM_CONFUSION_WEIGHTED */
    bool weighted;       /* flags & TRM_CONFUSION_WEIGHTED: amounts are .weight, else .count */
    bool has_ignore;     /* false for TRM_NO_IGNORE, which then matches no label */
    int64_t ignore;      /* true label to skip when has_ignore */
    uint64_t n_samples;  /* pairs counted; batches that would overflow it are refused,
                            so no count below (each at most n_samples) can overflow */
    double weight_total; /* weighted: running sum of the weights, <= MAX_TOTAL_WEIGHT */
    trm__amount *tp;     /* K diagonal cells */
    trm__amount *row;    /* K true counts (row sums, tp + fn), >= tp */
    trm__amount *col;    /* K predicted counts (column sums, tp + fp), >= tp */
    trm__cellmap cells;  /* the off-diagonal cells, key true * K + pred, every amount non-zero */
};

#define HEADER_SIZE TRM__HEADER_SIZE(trm_sparse_confusion)

/* As the dense weighted matrix: far beyond real weight sums, low enough that
 * products of two totals stay finite. */
#define MAX_TOTAL_WEIGHT 0x1p500

/* ---- amounts ------------------------------------------------------------------ */

static inline void add_amount(trm__amount *a, trm__amount v, bool weighted)
{
    if (weighted)
        a->weight += v.weight;
    else
        a->count += v.count;
}

static inline double amount_value(trm__amount a, bool weighted)
{
    return weighted ? a.weight : (double)a.count;
}

/* Counts compare as integers: past 2^53 doubles would round them together. */
static inline bool amount_less(trm__amount a, trm__amount b, bool weighted)
{
    return weighted ? a.weight < b.weight : a.count < b.count;
}

static inline bool amount_is_zero(trm__amount a)
{
    return a.count == 0; /* +0.0 has the bits of 0; -0.0 is never stored */
}

/* ---- allocation --------------------------------------------------------------- */

static int create(const char *func, trm_sparse_confusion **out, size_t k, uint32_t flags,
                  const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t arrays, bytes;
    if (k == 0)
        return trm__fail(TRM_E_INVALID, func, "n_classes is 0");
    if (k > TRM_SPARSE_MAX_CLASSES)
        return trm__fail(TRM_E_INVALID, func, "n_classes %zu is above the maximum %zu", k,
                         TRM_SPARSE_MAX_CLASSES);
    if (flags & ~TRM_CONFUSION_WEIGHTED)
        return trm__fail(TRM_E_INVALID, func, "unknown flags 0x%" PRIx32, flags);
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    if (trm__mul_overflows(k, 3 * sizeof(trm__amount), &arrays) ||
        trm__add_overflows(arrays, HEADER_SIZE, &bytes))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu classes need more than SIZE_MAX bytes", k);
    uint8_t *block = trm__alloc_zeroed(&hooks, bytes);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for %zu classes", bytes, k);
    trm_sparse_confusion *cm = (trm_sparse_confusion *)block;
    trm__amount *a = (trm__amount *)(block + HEADER_SIZE);
    *cm = (trm_sparse_confusion){ .alloc = hooks, .k = k, .flags = flags,
                                  .weighted = (flags & TRM_CONFUSION_WEIGHTED) != 0,
                                  .ignore = TRM_NO_IGNORE, .tp = a, .row = a + k, .col = a + 2 * k };
    trm__cellmap_init(&cm->cells);
    *out = cm;
    return TRM_OK;
}

static size_t array_bytes(const trm_sparse_confusion *cm)
{
    return cm->k * sizeof(trm__amount);
}

/* ---- validation --------------------------------------------------------------- */

static inline int64_t load_label(const void *labels, size_t i, bool wide)
{
    return wide ? ((const int64_t *)labels)[i] : ((const int32_t *)labels)[i];
}

static inline bool counted(const trm_sparse_confusion *cm, int64_t true_label)
{
    return !cm->has_ignore || true_label != cm->ignore;
}

static inline uint64_t key_of(const trm_sparse_confusion *cm, int64_t t, int64_t p)
{
    return (uint64_t)t * cm->k + (uint64_t)p;
}

/* A batch: n label pairs of one width, and optionally their weights. */
typedef struct batch {
    const void *y_true, *y_pred;
    const double *weights; /* NULL: each pair weighs 1 */
    size_t n;
    bool wide;             /* int64_t labels, else int32_t */
} batch;

/* Whether pair i adds anything: a counted pair of non-zero weight. */
static inline bool adds(const trm_sparse_confusion *cm, const batch *b, size_t i)
{
    return counted(cm, load_label(b->y_true, i, b->wide)) && (b->weights == NULL || b->weights[i] != 0.0);
}

/* Checks the counted pairs in order, labels before the weight of the same
 * pair; *kept and *weight receive the pairs counted and their weight, *tiny
 * whether a weight is subnormal (see sweep_zero_cells). */
static int check_batch(const char *func, const trm_sparse_confusion *cm, const batch *b, uint64_t *kept,
                       double *weight, bool *tiny)
{
    uint64_t used = 0;
    double sum = 0.0;
    bool subnormal = false;
    for (size_t i = 0; i < b->n; i++) {
        int64_t t = load_label(b->y_true, i, b->wide), p = load_label(b->y_pred, i, b->wide);
        if (!counted(cm, t))
            continue;
        if (trm__outside(t, cm->k))
            return trm__fail(TRM_E_LABEL, func, "y_true[%zu] = %" PRId64 " is outside [0, %zu)", i, t, cm->k);
        if (trm__outside(p, cm->k))
            return trm__fail(TRM_E_LABEL, func, "y_pred[%zu] = %" PRId64 " is outside [0, %zu)", i, p, cm->k);
        if (b->weights) {
            double w = b->weights[i];
            if (!isfinite(w))
                return trm__fail(TRM_E_NONFINITE, func, "weights[%zu] = %g is not finite", i, w);
            if (w < 0.0)
                return trm__fail(TRM_E_INVALID, func, "weights[%zu] = %g is negative", i, w);
            subnormal |= w != 0.0 && w < DBL_MIN;
            sum += w;
        }
        used++;
    }
    *kept = used;
    *weight = b->weights ? sum : (double)used;
    *tiny = subnormal;
    return TRM_OK;
}

/* Refuses what would overflow the sample count or the total weight. */
static int check_room(const char *func, const trm_sparse_confusion *cm, uint64_t kept, double weight)
{
    if (kept > UINT64_MAX - cm->n_samples)
        return trm__fail(TRM_E_OVERFLOW, func, "sample count %" PRIu64 " + %" PRIu64 " overflows",
                         cm->n_samples, kept);
    if (cm->weighted && !(cm->weight_total + weight <= MAX_TOTAL_WEIGHT))
        return trm__fail(TRM_E_OVERFLOW, func, "total weight %g + %g would exceed 2^500", cm->weight_total,
                         weight);
    return TRM_OK;
}

/* ---- claiming table slots ----------------------------------------------------- */

/* Removes the slots a failed operation claimed: they are the ones still zero. */
static void unclaim(trm_sparse_confusion *cm, uint64_t key)
{
    trm__amount *a = trm__cellmap_find(&cm->cells, key);
    if (a != NULL && amount_is_zero(*a))
        trm__cellmap_remove(&cm->cells, key);
}

static int growth_failed(const char *func, const trm_sparse_confusion *cm)
{
    return trm__fail(TRM_E_NOMEM, func, "cannot grow the cell table beyond %zu slots (%zu cells)",
                     cm->cells.capacity, cm->cells.used);
}

/* Claims a slot for every off-diagonal cell the batch adds to. */
static int claim_batch(const char *func, trm_sparse_confusion *cm, const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        int64_t t = load_label(b->y_true, i, b->wide), p = load_label(b->y_pred, i, b->wide);
        int inserted;
        if (t == p || !adds(cm, b, i))
            continue;
        if (trm__cellmap_claim(&cm->cells, key_of(cm, t, p), &cm->alloc, &inserted) != TRM_OK) {
            for (size_t j = 0; j < i; j++) {
                int64_t tj = load_label(b->y_true, j, b->wide), pj = load_label(b->y_pred, j, b->wide);
                if (tj != pj && adds(cm, b, j))
                    unclaim(cm, key_of(cm, tj, pj));
            }
            return growth_failed(func, cm);
        }
    }
    return TRM_OK;
}

/* Claims a slot in dst for every cell of src. */
static int claim_cells(const char *func, trm_sparse_confusion *dst, const trm_sparse_confusion *src)
{
    const trm__cellmap *m = &src->cells;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1)) {
        int inserted;
        if (trm__cellmap_claim(&dst->cells, m->slots[i].key, &dst->alloc, &inserted) != TRM_OK) {
            for (size_t j = trm__cellmap_next(m, 0); j < i; j = trm__cellmap_next(m, j + 1))
                unclaim(dst, m->slots[j].key);
            return growth_failed(func, dst);
        }
    }
    return TRM_OK;
}

/* ---- counting ----------------------------------------------------------------- */

/* Every off-diagonal cell of the batch has its slot, so nothing here fails. */
static void count_batch(trm_sparse_confusion *cm, const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!adds(cm, b, i))
            continue;
        int64_t t = load_label(b->y_true, i, b->wide), p = load_label(b->y_pred, i, b->wide);
        trm__amount one;
        if (cm->weighted)
            one.weight = b->weights ? b->weights[i] : 1.0;
        else
            one.count = 1;
        add_amount(&cm->row[t], one, cm->weighted);
        add_amount(&cm->col[p], one, cm->weighted);
        if (t == p)
            add_amount(&cm->tp[t], one, cm->weighted);
        else
            add_amount(trm__cellmap_find(&cm->cells, key_of(cm, t, p)), one, cm->weighted);
    }
}

/* Under flush-to-zero, 0 + a subnormal weight is 0: a claimed cell can stay
 * zero after counting, and is then removed, so every stored amount stays
 * non-zero. */
static void sweep_batch(trm_sparse_confusion *cm, const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        int64_t t = load_label(b->y_true, i, b->wide), p = load_label(b->y_pred, i, b->wide);
        if (t != p && adds(cm, b, i))
            unclaim(cm, key_of(cm, t, p));
    }
}

static int update(const char *func, trm_sparse_confusion *cm, const batch *b)
{
    uint64_t kept = 0;
    double weight = 0.0;
    bool tiny = false;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, b->y_true);
    TRM_REQUIRE_IN(func, b->y_pred);
    int rc = check_batch(func, cm, b, &kept, &weight, &tiny);
    if (rc == TRM_OK)
        rc = check_room(func, cm, kept, weight);
    if (rc == TRM_OK)
        rc = claim_batch(func, cm, b);
    if (rc != TRM_OK)
        return rc;
    count_batch(cm, b);
    if (tiny)
        sweep_batch(cm, b);
    cm->n_samples += kept;
    if (cm->weighted)
        cm->weight_total += weight;
    return TRM_OK;
}

static int update_weighted(const char *func, trm_sparse_confusion *cm, const batch *b)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, b->weights);
    if (!cm->weighted)
        return trm__fail(TRM_E_MISMATCH, func, "matrix was created without TRM_CONFUSION_WEIGHTED");
    return update(func, cm, b);
}

/* ---- ordering cells by key, in place ------------------------------------------- */

/* Serialization and the COO export both order cells by key; the records live
 * in the caller's buffer, so the sort allocates nothing: a heap sort over
 * accessors. */
typedef struct sortable {
    void *ctx;
    uint64_t (*key)(const void *ctx, size_t i);
    void (*swap)(void *ctx, size_t i, size_t j);
} sortable;

static void sift_down(const sortable *s, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && s->key(s->ctx, child + 1) > s->key(s->ctx, child))
            child++;
        if (s->key(s->ctx, root) >= s->key(s->ctx, child))
            return;
        s->swap(s->ctx, root, child);
    }
}

static void heap_sort(const sortable *s, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(s, i, n);
    for (size_t end = n; end-- > 1;) {
        s->swap(s->ctx, 0, end);
        sift_down(s, 0, end);
    }
}

/* ---- public functions, in the order of sparse.h ------------------------------- */

int trm_sparse_confusion_new(trm_sparse_confusion **out, size_t n_classes, uint32_t flags,
                             const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, n_classes, flags, alloc);
}

void trm_sparse_confusion_free(trm_sparse_confusion *cm)
{
    if (cm) {
        trm_allocator hooks = cm->alloc;
        trm__cellmap_release(&cm->cells, &hooks);
        trm__free(&hooks, cm);
    }
}

int trm_sparse_confusion_clone(trm_sparse_confusion **out, const trm_sparse_confusion *cm)
{
    trm_sparse_confusion *copy;
    trm__cellmap cells;
    TRM_REQUIRE(out);
    TRM_REQUIRE(cm);
    int rc = create(__func__, &copy, cm->k, cm->flags, cm->alloc.alloc ? &cm->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    if (trm__cellmap_copy(&cells, &cm->cells, &copy->alloc) != TRM_OK) {
        trm_sparse_confusion_free(copy);
        return TRM_FAIL(TRM_E_NOMEM, "cannot allocate %zu bytes of cells", trm__cellmap_bytes(&cm->cells));
    }
    trm__amount *tp = copy->tp, *row = copy->row, *col = copy->col;
    *copy = *cm;
    copy->tp = tp;
    copy->row = row;
    copy->col = col;
    copy->cells = cells;
    memcpy(tp, cm->tp, 3 * array_bytes(cm));
    *out = copy;
    return TRM_OK;
}

void trm_sparse_confusion_reset(trm_sparse_confusion *cm)
{
    if (cm == NULL)
        return;
    memset(cm->tp, 0, 3 * array_bytes(cm));
    trm__cellmap_release(&cm->cells, &cm->alloc);
    cm->n_samples = 0;
    cm->weight_total = 0.0;
}

int trm_sparse_confusion_merge(trm_sparse_confusion *dst, const trm_sparse_confusion *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->k != src->k)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu classes, src has %zu", dst->k, src->k);
    if (dst->flags != src->flags)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has flags 0x%" PRIx32 ", src has 0x%" PRIx32, dst->flags,
                        src->flags);
    if (dst->has_ignore != src->has_ignore || (dst->has_ignore && dst->ignore != src->ignore))
        return TRM_FAIL(TRM_E_MISMATCH, "dst and src ignore different labels");
    int rc = check_room(__func__, dst, src->n_samples, src->weight_total);
    if (rc == TRM_OK && dst != src)
        rc = claim_cells(__func__, dst, src);
    if (rc != TRM_OK)
        return rc;
    /* Each amount is read before it is written, so a matrix merged into itself doubles. */
    for (size_t c = 0; c < 3 * dst->k; c++)
        add_amount(&dst->tp[c], src->tp[c], dst->weighted);
    const trm__cellmap *m = &src->cells;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1))
        add_amount(trm__cellmap_find(&dst->cells, m->slots[i].key), m->slots[i].value, dst->weighted);
    /* subnormal cells of src can flush to zero, as in sweep_batch */
    if (dst->weighted && dst != src)
        for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1))
            if (m->slots[i].value.weight < DBL_MIN)
                unclaim(dst, m->slots[i].key);
    dst->n_samples += src->n_samples;
    dst->weight_total += src->weight_total;
    return TRM_OK;
}

/* Body: u64 n_classes, u32 flags, u32 reserved (0), i64 ignore label, u64
 * n_samples, f64 total weight (0 unweighted), u64 number of off-diagonal
 * cells c; then the K diagonal cells, the K row sums and the K column sums (u64
 * counts or f64 weights), then c records (u64 key, amount) in increasing key. */
#define BODY_FIXED ((size_t)48)
#define RECORD_SIZE ((size_t)16)

static void put_amount(trm__writer *w, trm__amount a, bool weighted)
{
    if (weighted)
        trm__put_f64(w, a.weight);
    else
        trm__put_u64(w, a.count);
}

static uint64_t record_key(const void *ctx, size_t i)
{
    const uint8_t *r = (const uint8_t *)ctx + i * RECORD_SIZE;
    uint64_t key = 0;
    for (int b = 7; b >= 0; b--)
        key = key << 8 | r[b];
    return key;
}

static void record_swap(void *ctx, size_t i, size_t j)
{
    uint8_t *a = (uint8_t *)ctx + i * RECORD_SIZE, *b = (uint8_t *)ctx + j * RECORD_SIZE, t[RECORD_SIZE];
    memcpy(t, a, RECORD_SIZE);
    memcpy(a, b, RECORD_SIZE);
    memcpy(b, t, RECORD_SIZE);
}

int trm_sparse_confusion_serialize(const trm_sparse_confusion *cm, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(size);
    /* The arrays and the slots exist in memory, so their byte counts fit. */
    size_t body = BODY_FIXED + 3 * array_bytes(cm), records = cm->cells.used * RECORD_SIZE;
    if (trm__add_overflows(body, records, &body) || trm__add_overflows(body, TRM__BLOB_OVERHEAD, size))
        return TRM_FAIL(TRM_E_OVERFLOW, "the blob of %zu cells does not fit in size_t", cm->cells.used);
    int rc = trm__blob_reserve(__func__, body, buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin(buf, TRM__KIND_SPARSE_CONFUSION);
    trm__put_u64(&w, cm->k);
    trm__put_u32(&w, cm->flags);
    trm__put_u32(&w, 0);
    trm__put_u64(&w, (uint64_t)(cm->has_ignore ? cm->ignore : TRM_NO_IGNORE));
    trm__put_u64(&w, cm->n_samples);
    trm__put_f64(&w, cm->weight_total);
    trm__put_u64(&w, cm->cells.used);
    for (size_t c = 0; c < 3 * cm->k; c++)
        put_amount(&w, cm->tp[c], cm->weighted);
    uint8_t *first_record = w.at;
    const trm__cellmap *m = &cm->cells;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1)) {
        trm__put_u64(&w, m->slots[i].key);
        put_amount(&w, m->slots[i].value, cm->weighted);
    }
    heap_sort(&(sortable){ first_record, record_key, record_swap }, m->used);
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

static int corrupt(const char *func, const char *what)
{
    return trm__fail(TRM_E_CORRUPT, func, "blob %s", what);
}

/* A blob amount no update could produce: negative, non-finite or too large a weight. */
static bool read_amount(trm__reader *r, bool weighted, trm__amount *a)
{
    if (!weighted) {
        a->count = trm__get_u64(r);
        return true;
    }
    a->weight = trm__get_f64(r);
    return a->weight >= 0.0 && a->weight <= MAX_TOTAL_WEIGHT && !signbit(a->weight);
}

/* Per class tp <= row and tp <= col, and unweighted rows add up to the sample
 * count. The first holds for weights too: a row receives every weight its tp
 * does, in the same order, plus others, and rounded addition is monotone in
 * every rounding and flush-to-zero mode. It is what keeps accuracy, precision
 * and recall within [0, 1]. Weighted row sums are otherwise only range-checked:
 * which of two sums in different orders is larger depends on rounding and on
 * the floating-point mode (flush-to-zero can take a subnormal sum back to 0). */
static int load_arrays(const char *func, trm_sparse_confusion *cm, trm__reader *r)
{
    uint64_t rows = 0, cols = 0;
    bool overflow = false, nonzero = false;
    for (size_t c = 0; c < 3 * cm->k; c++)
        if (!read_amount(r, cm->weighted, &cm->tp[c]))
            return corrupt(func, "holds an invalid weight");
    for (size_t c = 0; c < cm->k; c++)
        if (amount_less(cm->row[c], cm->tp[c], cm->weighted) || amount_less(cm->col[c], cm->tp[c], cm->weighted))
            return trm__fail(TRM_E_CORRUPT, func, "blob class %zu has more true positives than samples", c);
    if (cm->weighted) {
        /* sums of at most 2^501 keep the products of two totals finite */
        double rows_w = 0.0, cols_w = 0.0;
        for (size_t c = 0; c < cm->k; c++) {
            rows_w += cm->row[c].weight;
            cols_w += cm->col[c].weight;
            nonzero |= !amount_is_zero(cm->row[c]) || !amount_is_zero(cm->col[c]) || !amount_is_zero(cm->tp[c]);
        }
        if (!(rows_w <= 2 * MAX_TOTAL_WEIGHT && cols_w <= 2 * MAX_TOTAL_WEIGHT))
            return corrupt(func, "weights sum past 2^501");
        return nonzero && cm->n_samples == 0 ? corrupt(func, "has weight but no samples") : TRM_OK;
    }
    for (size_t c = 0; c < cm->k; c++) {
        overflow |= __builtin_add_overflow(rows, cm->row[c].count, &rows);
        overflow |= __builtin_add_overflow(cols, cm->col[c].count, &cols);
    }
    if (overflow || rows != cm->n_samples || cols != cm->n_samples)
        return corrupt(func, "row or column sums disagree with the sample count");
    return TRM_OK;
}

/* Cells in increasing key, off the diagonal, non-zero; unweighted rows and
 * columns must be exactly tp plus their cells, which is checked by taking
 * the cells off a copy held in the row and column arrays, then putting them back. */
static int load_cells(const char *func, trm_sparse_confusion *cm, trm__reader *r, uint64_t n)
{
    uint64_t last = 0, cells = (uint64_t)cm->k * cm->k;
    if (!cm->weighted)
        for (size_t c = 0; c < cm->k; c++) {
            cm->row[c].count -= cm->tp[c].count;
            cm->col[c].count -= cm->tp[c].count;
        }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t key = trm__get_u64(r);
        trm__amount a;
        int inserted;
        if (!read_amount(r, cm->weighted, &a) || amount_is_zero(a))
            return corrupt(func, "holds a zero or invalid cell");
        if (key >= cells || (i > 0 && key <= last) || key / cm->k == key % cm->k)
            return trm__fail(TRM_E_CORRUPT, func, "blob cell %" PRIu64 " has a bad or unordered key", i);
        size_t t = (size_t)(key / cm->k), p = (size_t)(key % cm->k);
        if (!cm->weighted) {
            if (cm->row[t].count < a.count || cm->col[p].count < a.count)
                return corrupt(func, "cells exceed their row or column sums");
            cm->row[t].count -= a.count;
            cm->col[p].count -= a.count;
        }
        /* the table was sized for n keys, so this finds room without growing */
        trm__cellmap_claim(&cm->cells, key, &cm->alloc, &inserted);
        *trm__cellmap_find(&cm->cells, key) = a;
        last = key;
    }
    if (cm->weighted)
        return TRM_OK;
    for (size_t c = 0; c < cm->k; c++) {
        if (cm->row[c].count != 0 || cm->col[c].count != 0)
            return corrupt(func, "row or column sums disagree with the cells");
        cm->row[c].count = cm->col[c].count = cm->tp[c].count;
    }
    const trm__cellmap *m = &cm->cells;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1)) {
        cm->row[m->slots[i].key / cm->k].count += m->slots[i].value.count;
        cm->col[m->slots[i].key % cm->k].count += m->slots[i].value.count;
    }
    return TRM_OK;
}

int trm_sparse_confusion_deserialize(trm_sparse_confusion **out, const uint8_t *buf, size_t size,
                                     const trm_allocator *alloc)
{
    trm__reader r;
    trm_sparse_confusion *cm;
    size_t arrays, records, expected;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    int rc = trm__blob_open(__func__, buf, size, TRM__KIND_SPARSE_CONFUSION, &r);
    if (rc != TRM_OK)
        return rc;
    uint64_t k = trm__get_u64(&r);
    uint32_t flags = trm__get_u32(&r);
    uint32_t reserved = trm__get_u32(&r);
    int64_t ignore = (int64_t)trm__get_u64(&r);
    uint64_t n_samples = trm__get_u64(&r);
    double weight_total = trm__get_f64(&r);
    uint64_t n_cells = trm__get_u64(&r);
    bool weighted = (flags & TRM_CONFUSION_WEIGHTED) != 0;
    if (!r.ok || k == 0 || k > TRM_SPARSE_MAX_CLASSES || (flags & ~TRM_CONFUSION_WEIGHTED) || reserved != 0)
        return corrupt(__func__, "header is invalid");
    if (weighted ? !(weight_total >= 0.0 && weight_total <= MAX_TOTAL_WEIGHT) || signbit(weight_total)
                 : weight_total != 0.0 || signbit(weight_total))
        return corrupt(__func__, "total weight is invalid");
    /* Compare the body length with what K and c imply before allocating. */
    if (n_cells > SIZE_MAX || trm__mul_overflows((size_t)k, 3 * sizeof(trm__amount), &arrays) ||
        trm__mul_overflows((size_t)n_cells, RECORD_SIZE, &records) ||
        trm__add_overflows(arrays, records, &expected) || r.left != expected || n_cells > n_samples)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 " classes and %" PRIu64
                        " cells", r.left, k, n_cells);
    rc = create(__func__, &cm, (size_t)k, flags, alloc);
    if (rc != TRM_OK)
        return rc;
    cm->ignore = ignore;
    cm->has_ignore = ignore != TRM_NO_IGNORE;
    cm->n_samples = n_samples;
    cm->weight_total = weight_total;
    if (n_cells > 0 && trm__cellmap_reserve(&cm->cells, (size_t)n_cells, &cm->alloc) != TRM_OK) {
        trm_sparse_confusion_free(cm);
        return TRM_FAIL(TRM_E_NOMEM, "cannot allocate the table for %" PRIu64 " cells", n_cells);
    }
    rc = load_arrays(__func__, cm, &r);
    if (rc == TRM_OK)
        rc = load_cells(__func__, cm, &r, n_cells);
    if (rc != TRM_OK) {
        trm_sparse_confusion_free(cm);
        return rc;
    }
    *out = cm;
    return TRM_OK;
}

size_t trm_sparse_confusion_n_classes(const trm_sparse_confusion *cm)
{
    return cm ? cm->k : 0;
}

uint32_t trm_sparse_confusion_flags(const trm_sparse_confusion *cm)
{
    return cm ? cm->flags : 0;
}

int trm_sparse_confusion_set_ignore_label(trm_sparse_confusion *cm, int64_t label)
{
    TRM_REQUIRE(cm);
    cm->ignore = label;
    cm->has_ignore = label != TRM_NO_IGNORE;
    return TRM_OK;
}

int64_t trm_sparse_confusion_ignore_label(const trm_sparse_confusion *cm)
{
    return cm && cm->has_ignore ? cm->ignore : TRM_NO_IGNORE;
}

/* One line per label width: the kernels above are specialised by the constant. */
#define DEFINE_UPDATES(suffix, T, wide)                                                                  \
    int trm_sparse_confusion_update_##suffix(trm_sparse_confusion *cm, const T *y_true, const T *y_pred, \
                                             size_t n)                                                   \
    {                                                                                                    \
        return update(__func__, cm, &(batch){ y_true, y_pred, NULL, n, wide });                          \
    }                                                                                                    \
    int trm_sparse_confusion_update_weighted_##suffix(trm_sparse_confusion *cm, const T *y_true,         \
                                                      const T *y_pred, const double *weights, size_t n)  \
    {                                                                                                    \
        return update_weighted(__func__, cm, &(batch){ y_true, y_pred, weights, n, wide });              \
    }
DEFINE_UPDATES(i32, int32_t, false)
DEFINE_UPDATES(i64, int64_t, true)

uint64_t trm_sparse_confusion_n_samples(const trm_sparse_confusion *cm)
{
    return cm ? cm->n_samples : 0;
}

/* Weighted: the sum of the row sums, as the metrics see it. */
static double total_of(const trm_sparse_confusion *cm)
{
    if (!cm->weighted)
        return (double)cm->n_samples;
    double total = 0.0;
    for (size_t c = 0; c < cm->k; c++)
        total += cm->row[c].weight;
    return total;
}

int trm_sparse_confusion_total(const trm_sparse_confusion *cm, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    *out = total_of(cm);
    return TRM_OK;
}

size_t trm_sparse_confusion_n_cells(const trm_sparse_confusion *cm)
{
    if (cm == NULL)
        return 0;
    size_t n = cm->cells.used;
    for (size_t c = 0; c < cm->k; c++)
        n += !amount_is_zero(cm->tp[c]);
    return n;
}

typedef struct coo {
    int64_t *t, *p;
    double *v;
    uint64_t k;
} coo;

static uint64_t coo_key(const void *ctx, size_t i)
{
    const coo *c = ctx;
    return (uint64_t)c->t[i] * c->k + (uint64_t)c->p[i];
}

static void coo_swap(void *ctx, size_t i, size_t j)
{
    coo *c = ctx;
    int64_t t = c->t[i], p = c->p[i];
    double v = c->v[i];
    c->t[i] = c->t[j];
    c->p[i] = c->p[j];
    c->v[i] = c->v[j];
    c->t[j] = t;
    c->p[j] = p;
    c->v[j] = v;
}

int trm_sparse_confusion_cells(const trm_sparse_confusion *cm, int64_t *true_labels, int64_t *pred_labels,
                               double *values, size_t cap, size_t *n_cells)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(n_cells);
    size_t need = trm_sparse_confusion_n_cells(cm);
    *n_cells = need;
    if (true_labels == NULL || pred_labels == NULL || values == NULL || cap < need)
        return TRM_FAIL(TRM_E_BUFFER, "%zu cells need arrays of %zu entries, %zu given", need, need, cap);
    coo out = { true_labels, pred_labels, values, cm->k };
    size_t n = 0;
    for (size_t c = 0; c < cm->k; c++)
        if (!amount_is_zero(cm->tp[c])) {
            out.t[n] = out.p[n] = (int64_t)c;
            out.v[n++] = amount_value(cm->tp[c], cm->weighted);
        }
    const trm__cellmap *m = &cm->cells;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1)) {
        out.t[n] = (int64_t)(m->slots[i].key / cm->k);
        out.p[n] = (int64_t)(m->slots[i].key % cm->k);
        out.v[n++] = amount_value(m->slots[i].value, cm->weighted);
    }
    heap_sort(&(sortable){ &out, coo_key, coo_swap }, n);
    return TRM_OK;
}

size_t trm_sparse_confusion_memory_size(const trm_sparse_confusion *cm)
{
    return cm ? HEADER_SIZE + 3 * array_bytes(cm) + trm__cellmap_bytes(&cm->cells) : 0;
}

/* ---- metrics ------------------------------------------------------------------ */

/* The dense matrix's tally from the same numbers: integer totals convert
 * exactly, and tn = n - row - col + tp is exact before its one rounding, so
 * unweighted results equal the dense matrix's bit for bit. */
static int tally_open(const char *func, const void *source, trm__tally *t)
{
    const trm_sparse_confusion *cm = source;
    int rc = trm__tally_alloc(func, &cm->alloc, cm->k, t);
    if (rc != TRM_OK)
        return rc;
    t->total = total_of(cm);
    for (size_t c = 0; c < cm->k; c++) {
        t->tp[c] = amount_value(cm->tp[c], cm->weighted);
        t->row[c] = amount_value(cm->row[c], cm->weighted);
        t->col[c] = amount_value(cm->col[c], cm->weighted);
        if (!cm->weighted)
            t->tn[c] = (double)(cm->n_samples - cm->row[c].count - cm->col[c].count + cm->tp[c].count);
    }
    if (cm->weighted)
        trm__tally_weighted_tn(t);
    return TRM_OK;
}

int trm_sparse_confusion_metric_per_class(const trm_sparse_confusion *cm, int metric, int zero_division,
                                          double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    return trm__tally_per_class_of(__func__, tally_open, cm, false, metric, 1.0, zero_division, out);
}

int trm_sparse_confusion_metric_average(const trm_sparse_confusion *cm, int metric, int average,
                                        int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    return trm__tally_average_of(__func__, tally_open, cm, false, metric, 1.0, average, zero_division, out);
}

int trm_sparse_confusion_fbeta_per_class(const trm_sparse_confusion *cm, double beta, int zero_division,
                                         double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    return trm__tally_per_class_of(__func__, tally_open, cm, true, 0, beta, zero_division, out);
}

int trm_sparse_confusion_fbeta_average(const trm_sparse_confusion *cm, double beta, int average,
                                       int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    return trm__tally_average_of(__func__, tally_open, cm, true, 0, beta, average, zero_division, out);
}

/* Cohen's kappa from O(K) sums (scikit-learn's definition, with expected[i][j]
 * = col[i] * row[j] / n). Each expected-disagreement sum is written as a sum of
 * non-negative terms, so nothing cancels:
 *   none:      sum_i col_i (n_row - row_i)
 *   linear:    |i - j| counts the gaps g (between g and g + 1) that separate i
 *              and j: sum_g A_g (n_row - B_g) + B_g (n_col - A_g), with prefix
 *              sums A of the columns and B of the rows;
 *   quadratic: n_col n_row (var_col + var_row + (mean_col - mean_row)^2), the
 *              mean squared difference of two independent class indices. */
static double expected_disagreement(const trm__tally *t, int weighting)
{
    double n_row = 0.0, n_col = 0.0, sum = 0.0;
    for (size_t c = 0; c < t->k; c++) {
        n_row += t->row[c];
        n_col += t->col[c];
    }
    if (weighting == TRM_KAPPA_NONE) {
        for (size_t c = 0; c < t->k; c++)
            sum += t->col[c] * fmax(n_row - t->row[c], 0.0);
    } else if (weighting == TRM_KAPPA_LINEAR) {
        double a = 0.0, b = 0.0;
        for (size_t g = 0; g + 1 < t->k; g++) {
            a += t->col[g];
            b += t->row[g];
            sum += a * fmax(n_row - b, 0.0) + b * fmax(n_col - a, 0.0);
        }
    } else {
        double mean_col = 0.0, mean_row = 0.0, var_col = 0.0, var_row = 0.0;
        for (size_t c = 0; c < t->k; c++) {
            mean_col += (double)c * t->col[c];
            mean_row += (double)c * t->row[c];
        }
        mean_col /= n_col;
        mean_row /= n_row;
        for (size_t c = 0; c < t->k; c++) {
            var_col += t->col[c] * ((double)c - mean_col) * ((double)c - mean_col);
            var_row += t->row[c] * ((double)c - mean_row) * ((double)c - mean_row);
        }
        sum = n_row * var_col + n_col * var_row + n_col * n_row * (mean_col - mean_row) * (mean_col - mean_row);
    }
    return sum / t->total;
}

static double observed_disagreement(const trm_sparse_confusion *cm, int weighting)
{
    const trm__cellmap *m = &cm->cells;
    double sum = 0.0;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1)) {
        uint64_t t = m->slots[i].key / cm->k, p = m->slots[i].key % cm->k;
        double d = (double)(t > p ? t - p : p - t);
        double w = weighting == TRM_KAPPA_QUADRATIC ? d * d : weighting == TRM_KAPPA_LINEAR ? d : 1.0;
        sum += w * amount_value(m->slots[i].value, cm->weighted);
    }
    return sum;
}

/* The scalar scores share one shape: validate, tally a non-empty matrix,
 * score, release. */
enum score { SCORE_ACCURACY, SCORE_BALANCED, SCORE_KAPPA, SCORE_MATTHEWS };

static int score(const char *func, const trm_sparse_confusion *cm, enum score which, int option, double *out)
{
    trm__tally t;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    int rc = tally_open(func, cm, &t);
    if (rc != TRM_OK)
        return rc;
    if (t.total == 0.0)
        rc = trm__fail(TRM_E_EMPTY, func, "the confusion matrix is empty");
    else if (which == SCORE_ACCURACY)
        *out = trm__tally_accuracy(&t);
    else if (which == SCORE_BALANCED)
        *out = trm__tally_balanced_accuracy(&t, option);
    else if (which == SCORE_KAPPA)
        *out = 1.0 - observed_disagreement(cm, option) / expected_disagreement(&t, option);
    else
        *out = trm__tally_matthews(&t);
    trm__tally_free(&t);
    return rc;
}

int trm_sparse_confusion_accuracy(const trm_sparse_confusion *cm, double *out)
{
    return score(__func__, cm, SCORE_ACCURACY, 0, out);
}

int trm_sparse_confusion_balanced_accuracy(const trm_sparse_confusion *cm, int adjusted, double *out)
{
    if (adjusted != 0 && adjusted != 1)
        return TRM_FAIL(TRM_E_INVALID, "adjusted = %d must be 0 or 1", adjusted);
    return score(__func__, cm, SCORE_BALANCED, adjusted, out);
}

int trm_sparse_confusion_cohen_kappa(const trm_sparse_confusion *cm, int weighting, double *out)
{
    if (weighting < TRM_KAPPA_NONE || weighting > TRM_KAPPA_QUADRATIC)
        return TRM_FAIL(TRM_E_INVALID, "unknown kappa weighting %d", weighting);
    return score(__func__, cm, SCORE_KAPPA, weighting, out);
}

int trm_sparse_confusion_matthews_corrcoef(const trm_sparse_confusion *cm, double *out)
{
    return score(__func__, cm, SCORE_MATTHEWS, 0, out);
}
