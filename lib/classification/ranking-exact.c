/* SPDX-License-Identifier: MIT */
/* Exact-mode curves: scikit-learn 1.2's _binary_clf_curve over the kept
 * samples (ranked by decreasing score, equal scores in decreasing arrival
 * order as its reversed stable argsort leaves them, zero weights dropped),
 * then roc_curve, precision_recall_curve, the trapezoidal AUC and the step
 * average precision, with every sum in NumPy's order so the values agree to
 * the last bit. */
#include "fp-private.h"
#include <math.h>

#include "ranking-private.h"

/* ---- NumPy's summation order ------------------------------------------------ */

/* add.reduce over float64 sums 8192-element buffers one after another into 0,
 * each by pairwise_sum: eight interleaved partial sums below 128 elements,
 * halves (rounded down to a multiple of 8) above. */
enum { NUMPY_BUFFER = 8192, PAIRWISE_BLOCK = 128 };

static double pairwise(const double *a, size_t n)
{
    if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= PAIRWISE_BLOCK) {
        double r[8];
        size_t i;
        for (size_t j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - n % 8; i += 8)
            for (size_t j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    size_t half = n / 2;
    half -= half % 8;
    return pairwise(a, half) + pairwise(a + half, n - half);
}

double trm__numpy_sum(const double *a, size_t n)
{
    double sum = 0.0;
    for (size_t start = 0; start < n; start += NUMPY_BUFFER)
        sum += pairwise(a + start, n - start < NUMPY_BUFFER ? n - start : NUMPY_BUFFER);
    return sum;
}

double trm__trapezoid(const double *x, const double *y, size_t n, double *terms)
{
    if (n < 2)
        return 0.0;
    for (size_t k = 0; k + 1 < n; k++)
        terms[k] = ((x[k + 1] - x[k]) * (y[k + 1] + y[k])) / 2.0;
    return trm__numpy_sum(terms, n - 1);
}

/* ---- the sorted curve of one view ------------------------------------------- */

trm__rank_view trm__rank_column(const trm_ranking *h, size_t column)
{
    trm__rank_view v = { h->scores, h->targets, h->weights, (size_t)h->n, h->columns, column, 1 };
    if (column == TRM_RANKING_MICRO) {
        /* n x C fits in size_t: the scores array has that many doubles. */
        v.count = (size_t)h->n * h->columns;
        v.stride = 1;
        v.first = 0;
        v.weight_div = h->columns;
    }
    return v;
}

typedef struct item {
    uint64_t key;  /* trm__rank_key of the score */
    size_t index;  /* item number in the view */
} item;

/* One point per distinct score of the weighted items, decreasing. */
typedef struct curve {
    size_t m;                  /* distinct scores among items of nonzero weight */
    size_t positives, negatives; /* items by target, whatever their weight */
    double *fps, *tps, *thr;   /* m each: weight at or above the score, and the score */
    double *x, *y, *terms;     /* m + 1 each: room for the points of an output */
    void *block;
} curve;

/* Stable bottom-up merge sort by decreasing key; returns the sorted copy (a or tmp). */
static item *sort_decreasing(item *a, item *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = n - lo > width ? lo + width : n;
            size_t hi = n - mid > width ? mid + width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[j].key > a[i].key ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        item *swap = a;
        a = tmp;
        tmp = swap;
        if (width > n / 2)
            break;
    }
    return a;
}

static void free_curve(const trm_allocator *a, curve *c)
{
    trm__free(a, c->block);
    c->block = NULL;
}

static int build_curve(const char *func, const trm_allocator *a, const trm__rank_view *v, curve *c)
{
    const size_t count = v->count;
    *c = (curve){ 0 };
    /* The item arrays and the six curve arrays exist in memory at most
     * alongside count doubles of scores; their sizes still are checked. */
    size_t item_bytes, curve_bytes;
    if (trm__mul_overflows(count, 2 * sizeof(item), &item_bytes) ||
        trm__mul_overflows(count + 1, 6 * sizeof(double), &curve_bytes))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu samples need more than SIZE_MAX bytes to sort", count);
    item *items = trm__alloc(a, item_bytes ? item_bytes : 1);
    if (items == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes to sort %zu samples", item_bytes, count);
    double *arrays = trm__alloc(a, curve_bytes);
    if (arrays == NULL) {
        trm__free(a, items);
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for a curve", curve_bytes);
    }
    c->block = arrays;
    c->fps = arrays;
    c->tps = arrays + (count + 1);
    c->thr = arrays + 2 * (count + 1);
    c->x = arrays + 3 * (count + 1);
    c->y = arrays + 4 * (count + 1);
    c->terms = arrays + 5 * (count + 1);

    /* Items enter in decreasing arrival order, so the stable sort leaves equal
     * scores that way: NumPy's stable ascending argsort, reversed. */
    size_t kept = 0;
    for (size_t i = count; i-- > 0;) {
        size_t at = v->first + i * v->stride;
        if (v->targets[at])
            c->positives++;
        else
            c->negatives++;
        if (v->weights[i / v->weight_div] != 0.0)
            items[kept++] = (item){ trm__rank_key(v->scores[at]), i };
    }
    const item *sorted = sort_decreasing(items, items + count, kept);

    double tp = 0.0, fp = 0.0;
    size_t m = 0;
    for (size_t k = 0; k < kept; k++) {
        size_t i = sorted[k].index, at = v->first + i * v->stride;
        double w = v->weights[i / v->weight_div];
        if (v->targets[at])
            tp += w;
        else
            fp += w;
        if (k + 1 == kept || sorted[k + 1].key != sorted[k].key) {
            c->fps[m] = fp;
            c->tps[m] = tp;
            c->thr[m] = v->scores[at];
            m++;
        }
    }
    c->m = m;
    trm__free(a, items);
    return TRM_OK;
}

/* roc_curve: the kept points into c->x, c->y (and thresholds into thr when
 * given), led by (0, 0) at the highest score + 1; returns their number. */
static size_t roc_points(const curve *c, bool drop, double *thr)
{
    const double *f = c->fps, *t = c->tps;
    const size_t m = c->m;
    size_t p = 1;
    for (size_t k = 0; k < m; k++) {
        /* np.diff(_, 2) != 0: a corner in either count keeps the point. */
        bool keep = !drop || m <= 2 || k == 0 || k + 1 == m || ((f[k + 1] - f[k]) - (f[k] - f[k - 1])) != 0.0 ||
                    ((t[k + 1] - t[k]) - (t[k] - t[k - 1])) != 0.0;
        if (keep) {
            c->x[p] = f[k];
            c->y[p] = t[k];
            if (thr)
                thr[p] = c->thr[k];
            p++;
        }
    }
    c->x[0] = 0.0;
    c->y[0] = 0.0;
    if (thr)
        thr[0] = c->thr[0] + 1.0;
    const double last_fp = c->x[p - 1], last_tp = c->y[p - 1];
    for (size_t i = 0; i < p; i++) {
        c->x[i] = last_fp <= 0.0 ? NAN : c->x[i] / last_fp;
        c->y[i] = last_tp <= 0.0 ? NAN : c->y[i] / last_tp;
    }
    return p;
}

/* precision_recall_curve, already reversed: m + 1 points in c->x (precision)
 * and c->y (recall), ending at (1, 0). */
static void pr_points(const curve *c)
{
    const size_t m = c->m;
    const double last_tp = c->tps[m - 1];
    for (size_t k = 0; k < m; k++) {
        double tp = c->tps[m - 1 - k], ps = tp + c->fps[m - 1 - k];
        c->x[k] = ps != 0.0 ? tp / ps : 0.0;
        /* No positive weight: scikit-learn sets recall to 1 everywhere. */
        c->y[k] = last_tp == 0.0 ? 1.0 : tp / last_tp;
    }
    c->x[m] = 1.0;
    c->y[m] = 0.0;
}

int trm__exact_roc_auc(const char *func, const trm_ranking *h, const trm__rank_view *v, double *out)
{
    curve c;
    int rc = build_curve(func, &h->alloc, v, &c);
    if (rc != TRM_OK)
        return rc;
    if (c.positives == 0 || c.negatives == 0) {
        free_curve(&h->alloc, &c);
        return trm__fail(TRM_E_INVALID, func,
                         "only one class present (%zu positive, %zu negative samples): "
                         "ROC AUC is not defined",
                         c.positives, c.negatives);
    }
    if (c.m == 0) {
        *out = NAN; /* every sample weighs 0 */
    } else {
        size_t p = roc_points(&c, true, NULL);
        *out = trm__trapezoid(c.x, c.y, p, c.terms);
    }
    free_curve(&h->alloc, &c);
    return TRM_OK;
}

int trm__exact_average_precision(const char *func, const trm_ranking *h, const trm__rank_view *v,
                                 double *out)
{
    curve c;
    int rc = build_curve(func, &h->alloc, v, &c);
    if (rc != TRM_OK)
        return rc;
    if (c.m == 0) {
        *out = NAN;
    } else {
        pr_points(&c);
        for (size_t j = 0; j < c.m; j++)
            c.terms[j] = (c.y[j + 1] - c.y[j]) * c.x[j];
        *out = -trm__numpy_sum(c.terms, c.m);
    }
    free_curve(&h->alloc, &c);
    return TRM_OK;
}

static int no_points(const char *func, curve *c, const trm_allocator *a)
{
    free_curve(a, c);
    return trm__fail(TRM_E_INVALID, func, "every sample weighs 0: the curve has no point");
}

static int too_small(const char *func, curve *c, const trm_allocator *a, size_t need, size_t cap)
{
    free_curve(a, c);
    return trm__fail(TRM_E_BUFFER, func, "the curve has %zu points; the arrays hold %zu", need, cap);
}

int trm__exact_roc_points(const char *func, const trm_ranking *h, const trm__rank_view *v, bool drop,
                          double *fpr, double *tpr, double *thr, size_t cap, size_t *n)
{
    curve c;
    int rc = build_curve(func, &h->alloc, v, &c);
    if (rc != TRM_OK)
        return rc;
    if (c.m == 0)
        return no_points(func, &c, &h->alloc);
    /* Thresholds go to c.terms first, so nothing is written before the size is known. */
    size_t p = roc_points(&c, drop, c.terms);
    *n = p;
    if (fpr == NULL || tpr == NULL || thr == NULL || cap < p)
        return too_small(func, &c, &h->alloc, p, cap);
    memcpy(fpr, c.x, p * sizeof(double));
    memcpy(tpr, c.y, p * sizeof(double));
    memcpy(thr, c.terms, p * sizeof(double));
    free_curve(&h->alloc, &c);
    return TRM_OK;
}

int trm__exact_pr_points(const char *func, const trm_ranking *h, const trm__rank_view *v, double *precision,
                         double *recall, double *thr, size_t cap, size_t *n)
{
    curve c;
    int rc = build_curve(func, &h->alloc, v, &c);
    if (rc != TRM_OK)
        return rc;
    if (c.m == 0)
        return no_points(func, &c, &h->alloc);
    const size_t p = c.m + 1;
    *n = p;
    if (precision == NULL || recall == NULL || thr == NULL || cap < p)
        return too_small(func, &c, &h->alloc, p, cap);
    pr_points(&c);
    memcpy(precision, c.x, p * sizeof(double));
    memcpy(recall, c.y, p * sizeof(double));
    for (size_t k = 0; k < c.m; k++)
        thr[k] = c.thr[c.m - 1 - k];
    free_curve(&h->alloc, &c);
    return TRM_OK;
}
