/* SPDX-License-Identifier: MIT */
/* Rows of predictions into a confusion matrix, a batch at a time: labels by
 * class name, or the argmax of score columns. When no class list is known,
 * the labels seen are counted first and ordered as scikit-learn orders them
 * (numerically if every label is an integer, else by code point). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "csvfile.h"
#include "npy.h"
#include "predictions.h"

enum { BATCH = 8192 };
/* Without --classes the classes are those seen: K x K counts are kept, so K is
 * held to what fits comfortably (4096 classes: 128 MiB of counts). */
enum { MAX_SEEN_CLASSES = 4096 };

/* Class name -> index, open addressing over a power-of-two table. */
struct name_table {
    struct strings names;
    size_t *slots; /* index + 1, 0 for empty */
    size_t n_slots;
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void table_insert_slot(struct name_table *t, size_t index)
{
    size_t mask = t->n_slots - 1;
    for (size_t at = hash_text(t->names.items[index]) & mask;; at = (at + 1) & mask)
        if (!t->slots[at]) {
            t->slots[at] = index + 1;
            return;
        }
}

static ptrdiff_t table_find(const struct name_table *t, const char *name)
{
    if (!t->n_slots)
        return -1;
    size_t mask = t->n_slots - 1;
    for (size_t at = hash_text(name) & mask; t->slots[at]; at = (at + 1) & mask)
        if (strcmp(t->names.items[t->slots[at] - 1], name) == 0)
            return (ptrdiff_t)t->slots[at] - 1;
    return -1;
}

static size_t table_add(struct name_table *t, const char *name)
{
    strings_add(&t->names, name);
    if (2 * t->names.n > t->n_slots) {
        free(t->slots);
        t->n_slots = t->n_slots ? 2 * t->n_slots : 64;
        t->slots = xcalloc(t->n_slots, sizeof *t->slots);
        for (size_t i = 0; i < t->names.n; i++)
            table_insert_slot(t, i);
    } else
        table_insert_slot(t, t->names.n - 1);
    return t->names.n - 1;
}

static void table_free(struct name_table *t)
{
    strings_free(&t->names);
    free(t->slots);
    *t = (struct name_table){ 0 };
}

struct reader {
    struct predictions_source *src;
    const char *path;
    trm_confusion *cm;
    struct name_table classes;
    bool discover;         /* classes are those seen; pairs counted in `pairs` */
    uint64_t *pairs;       /* discover mode: cap_pairs x cap_pairs counts */
    size_t cap_pairs;
    size_t true_at, pred_at; /* field indexes */
    bool have_header;
    bool indexes;          /* integer labels may index the class list: no class name is an integer */
    bool argmax;           /* rows are scores, not predicted labels */
    size_t *score_at;      /* CSV: the K score fields */
    size_t n_rows;         /* rows in the current batch */
    int32_t *y_true, *y_pred;
    double *scores;
    uint64_t total;
};

static int flush(struct reader *r)
{
    if (!r->n_rows)
        return 0;
    int status = r->argmax ? trm_confusion_update_argmax_f64(r->cm, r->y_true, r->scores, r->n_rows,
                                                             r->classes.names.n)
                             : trm_confusion_update_i32(r->cm, r->y_true, r->y_pred, r->n_rows);
    r->n_rows = 0;
    return status ? fail_library(status, r->path) : 0;
}

static void list_columns(struct buf *b, const struct csv_record *header)
{
    for (size_t i = 0; i < header->n_fields && i < 12; i++)
        buf_printf(b, "%s'%s'", i ? ", " : "", header->fields[i]);
    if (header->n_fields > 12)
        buf_printf(b, ", ... (%zu columns)", header->n_fields);
}

static ptrdiff_t column(const struct csv_record *header, const char *name)
{
    for (size_t i = 0; i < header->n_fields; i++)
        if (strcmp(header->fields[i], name) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static int missing_column(const struct reader *r, const struct csv_record *header, const char *what)
{
    struct buf found = { 0 };
    list_columns(&found, header);
    int code = fail_at(EXIT_DATA, r->path, 1, 1, "expected %s; the header has %s", what, found.data);
    buf_free(&found);
    return code;
}

/* The first of the names given that the header has, or -1. */
static ptrdiff_t column_of(const struct csv_record *header, const char *chosen, const char *fallback1,
                           const char *fallback2)
{
    if (chosen)
        return column(header, chosen);
    ptrdiff_t at = column(header, fallback1);
    return at >= 0 ? at : column(header, fallback2);
}

static int start_matrix(struct reader *r)
{
    int status = trm_confusion_new(&r->cm, r->classes.names.n, 0, NULL);
    return status ? fail_library(status, "creating the confusion matrix") : 0;
}

static int read_header(struct reader *r, const struct csv_record *header)
{
    struct predictions_source *src = r->src;
    for (size_t i = 0; i < header->n_fields; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(header->fields[i], header->fields[j]) == 0)
                return fail_at(EXIT_DATA, r->path, header->line, i + 1,
                               "expected each column name once, found '%s' again (column %zu)", header->fields[i], j + 1);
    ptrdiff_t at = column_of(header, src->true_column, "true", "y_true");
    if (at < 0)
        return missing_column(r, header, src->true_column ? "the column named by --true" : "a column 'true' or 'y_true' (or --true COL)");
    r->true_at = (size_t)at;

    struct strings score_names = { 0 };
    if (src->score_columns.n) {
        for (size_t k = 0; k < src->score_columns.n; k++)
            strings_add(&score_names, src->score_columns.items[k]);
    } else if (src->scores_prefix || (!src->pred_column && column_of(header, NULL, "pred", "y_pred") < 0)) {
        const char *prefix = src->scores_prefix ? src->scores_prefix : "p_";
        for (size_t i = 0; i < header->n_fields; i++)
            if (strncmp(header->fields[i], prefix, strlen(prefix)) == 0 && header->fields[i][strlen(prefix)])
                strings_add(&score_names, header->fields[i]);
        if (!score_names.n)
            return missing_column(r, header, src->scores_prefix ? "score columns starting with --scores-prefix"
                                                                : "a column 'pred' or 'y_pred', or score columns 'p_<class>'");
    }
    int status = 0;
    r->argmax = score_names.n > 0;
    if (r->argmax) {
        size_t prefix = src->score_columns.n ? 0 : strlen(src->scores_prefix ? src->scores_prefix : "p_");
        r->score_at = xcalloc(score_names.n, sizeof *r->score_at);
        for (size_t k = 0; k < score_names.n && !status; k++) {
            at = column(header, score_names.items[k]);
            if (at < 0) {
                char what[256];
                snprintf(what, sizeof what, "a score column '%s'", score_names.items[k]);
                status = missing_column(r, header, what);
            }
            r->score_at[k] = (size_t)at;
            if (!src->classes.n && !status)
                table_add(&r->classes, score_names.items[k] + prefix);
        }
        if (!status && src->classes.n && src->classes.n != score_names.n)
            status = fail_at(EXIT_DATA, r->path, 1, 1, "expected %zu score columns, one per class, found %zu",
                             src->classes.n, score_names.n);
    } else {
        at = column_of(header, src->pred_column, "pred", "y_pred");
        if (at < 0)
            status = missing_column(r, header, "the column named by --pred");
        r->pred_at = (size_t)at;
    }
    strings_free(&score_names);
    if (status)
        return status;
    for (size_t k = 0; k < src->classes.n; k++)
        table_add(&r->classes, src->classes.items[k]);
    r->indexes = true;
    for (size_t k = 0; k < r->classes.names.n; k++) {
        long long v;
        r->indexes &= !parse_long(r->classes.names.items[k], &v);
    }
    r->discover = r->classes.names.n == 0;
    if (!r->discover)
        status = start_matrix(r);
    r->y_true = xmalloc(BATCH * sizeof *r->y_true);
    if (r->argmax)
        r->scores = xmalloc(BATCH * r->classes.names.n * sizeof *r->scores);
    else
        r->y_pred = xmalloc(BATCH * sizeof *r->y_pred);
    return status;
}

/* Discover mode: the pair table grows with the classes seen. */
static int discovered_class(struct reader *r, const struct csv_record *rec, size_t field, size_t *out)
{
    const char *name = rec->fields[field];
    ptrdiff_t k = table_find(&r->classes, name);
    if (k >= 0) {
        *out = (size_t)k;
        return 0;
    }
    if (r->classes.names.n == MAX_SEEN_CLASSES)
        return fail_at(EXIT_DATA, r->path, rec->line, field + 1,
                       "expected at most %d distinct labels without --classes, found '%s' as one more",
                       MAX_SEEN_CLASSES, name);
    size_t index = table_add(&r->classes, name);
    if (index >= r->cap_pairs) {
        size_t cap = r->cap_pairs ? 2 * r->cap_pairs : 16;
        uint64_t *grown = xcalloc(cap * cap, sizeof *grown);
        for (size_t i = 0; i < r->cap_pairs; i++)
            memcpy(grown + i * cap, r->pairs + i * r->cap_pairs, r->cap_pairs * sizeof *grown);
        free(r->pairs);
        r->pairs = grown;
        r->cap_pairs = cap;
    }
    *out = index;
    return 0;
}

static int known_class(const struct reader *r, const struct csv_record *rec, size_t field, int32_t *out)
{
    ptrdiff_t k = table_find(&r->classes, rec->fields[field]);
    long long index;
    /* Integer labels index the class list (y_true = 2 with names from --classes). */
    if (k < 0 && r->indexes && parse_long(rec->fields[field], &index) && index >= 0 &&
        (size_t)index < r->classes.names.n)
        k = (ptrdiff_t)index;
    if (k >= 0) {
        *out = (int32_t)k;
        return 0;
    }
    struct buf names = { 0 };
    for (size_t i = 0; i < r->classes.names.n && i < 10; i++)
        buf_printf(&names, "%s%s", i ? ", " : "", r->classes.names.items[i]);
    if (r->classes.names.n > 10)
        buf_printf(&names, ", ...");
    int code = fail_at(EXIT_DATA, r->path, rec->line, field + 1, "expected a class name (%s), found '%s'",
                       names.data, rec->fields[field]);
    buf_free(&names);
    return code;
}

static int read_row(void *ctx, const struct csv_record *rec)
{
    struct reader *r = ctx;
    if (!r->have_header) {
        r->have_header = true;
        return read_header(r, rec);
    }
    r->total++;
    if (r->discover) {
        size_t t, p;
        int status = discovered_class(r, rec, r->true_at, &t);
        if (!status)
            status = discovered_class(r, rec, r->pred_at, &p);
        if (!status)
            r->pairs[t * r->cap_pairs + p]++;
        return status;
    }
    int status = known_class(r, rec, r->true_at, &r->y_true[r->n_rows]);
    size_t k_count = r->classes.names.n;
    if (!status && r->argmax) {
        double *row = r->scores + r->n_rows * k_count;
        for (size_t k = 0; k < k_count && !status; k++)
            if (!parse_double(rec->fields[r->score_at[k]], &row[k]))
                status = fail_at(EXIT_DATA, r->path, rec->line, r->score_at[k] + 1,
                                 "expected a finite number, found '%s'", rec->fields[r->score_at[k]]);
    } else if (!status)
        status = known_class(r, rec, r->pred_at, &r->y_pred[r->n_rows]);
    if (status)
        return status;
    return ++r->n_rows == BATCH ? flush(r) : 0;
}

static int compare_numbers(const void *a, const void *b)
{
    long long u = 0, v = 0;
    parse_long(*(const char *const *)a, &u);
    parse_long(*(const char *const *)b, &v);
    return (u > v) - (u < v);
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Discover mode's end: sorted names, and the pair table added in that order. */
static int finish_discovered(struct reader *r)
{
    size_t k_count = r->classes.names.n;
    if (!k_count)
        return fail_at(EXIT_DATA, r->path, 2, 1, "expected at least one row of predictions, found none");
    char **sorted = xmalloc(k_count * sizeof *sorted);
    memcpy(sorted, r->classes.names.items, k_count * sizeof *sorted);
    bool numeric = true;
    for (size_t i = 0; i < k_count; i++) {
        long long v;
        numeric &= parse_long(sorted[i], &v);
    }
    qsort(sorted, k_count, sizeof *sorted, numeric ? compare_numbers : compare_text);
    size_t *rank = xmalloc(k_count * sizeof *rank);
    for (size_t i = 0; i < k_count; i++)
        rank[table_find(&r->classes, sorted[i])] = i;
    uint64_t *counts = xcalloc(k_count * k_count, sizeof *counts);
    for (size_t t = 0; t < k_count; t++)
        for (size_t p = 0; p < k_count; p++)
            counts[rank[t] * k_count + rank[p]] = r->pairs[t * r->cap_pairs + p];
    struct name_table ordered = { 0 };
    for (size_t i = 0; i < k_count; i++)
        table_add(&ordered, sorted[i]);
    table_free(&r->classes);
    r->classes = ordered;
    int status = start_matrix(r);
    if (!status && (status = trm_confusion_add_counts(r->cm, counts)) != 0)
        status = fail_library(status, r->path);
    free(counts);
    free(rank);
    free(sorted);
    return status;
}

static int read_npy_labels(struct reader *r)
{
    struct predictions_source *src = r->src;
    struct npy t, p = { 0 };
    int status = npy_open(&t, src->npy_true);
    if (status)
        return status;
    const char *other = src->npy_scores ? src->npy_scores : src->npy_pred;
    if ((status = npy_open(&p, other)) != 0) {
        npy_close(&t);
        return status;
    }
    char t_shape[128], p_shape[128];
    npy_shape_text(&t, t_shape, sizeof t_shape);
    npy_shape_text(&p, p_shape, sizeof p_shape);
    size_t n = t.ndim == 1 ? t.shape[0] : 0;
    size_t k_count = src->classes.n;
    if (t.ndim != 1)
        status = fail_at(EXIT_DATA, t.path, 1, 1, "expected a 1-D array of true labels, found shape %s", t_shape);
    else if (src->npy_scores && (p.ndim != 2 || p.shape[0] != n || !p.shape[1]))
        status = fail_at(EXIT_DATA, p.path, 1, 1, "expected scores of shape (%zu, K) to match %s, found shape %s", n,
                         t.path, p_shape);
    else if (!src->npy_scores && (p.ndim != 1 || p.shape[0] != n))
        status = fail_at(EXIT_DATA, p.path, 1, 1, "expected predicted labels of shape (%zu,) to match %s, found %s", n,
                         t.path, p_shape);
    else if (src->npy_scores && k_count && p.shape[1] != k_count)
        status = fail_at(EXIT_DATA, p.path, 1, 1, "expected %zu score columns, one per class, found shape %s", k_count,
                         p_shape);
    else if (n == 0)
        status = fail_at(EXIT_DATA, t.path, 1, 1, "expected at least one label, found shape %s", t_shape);
    if (!status && !k_count && src->npy_scores)
        k_count = p.shape[1];
    int64_t *labels = xmalloc(BATCH * sizeof *labels);
    /* Without class names or scores, K is one more than the largest label:
     * a first pass over both files finds it. */
    if (!status && !k_count) {
        int64_t largest = 0;
        for (struct npy *a = &t; a && !status; a = a == &t ? &p : NULL) {
            for (size_t done = 0; done < n && !status; done += BATCH) {
                size_t take = n - done < BATCH ? n - done : BATCH;
                status = npy_read_i64(a, take, labels);
                for (size_t i = 0; i < take && !status; i++) {
                    if (labels[i] < 0 || labels[i] >= MAX_SEEN_CLASSES)
                        status = fail_at(EXIT_DATA, a->path, 1, npy_column(a, done + i),
                                         "expected a label in 0..%d (name more classes with --classes), found %lld",
                                         MAX_SEEN_CLASSES - 1, (long long)labels[i]);
                    else if (labels[i] > largest)
                        largest = labels[i];
                }
            }
        }
        k_count = (size_t)largest + 1;
        if (!status) {
            char *path_t = xstrdup(t.path), *path_p = xstrdup(p.path);
            npy_close(&t);
            npy_close(&p);
            status = npy_open(&t, path_t);
            if (!status && (status = npy_open(&p, path_p)) != 0)
                npy_close(&t);
            free(path_t);
            free(path_p);
            if (status) {
                free(labels);
                return status;
            }
        }
    }
    if (!status) {
        if (src->classes.n)
            for (size_t k = 0; k < k_count; k++)
                table_add(&r->classes, src->classes.items[k]);
        else
            for (size_t k = 0; k < k_count; k++) {
                char name[24];
                snprintf(name, sizeof name, "%zu", k);
                table_add(&r->classes, name);
            }
        status = start_matrix(r);
    }
    r->y_true = xmalloc(BATCH * sizeof *r->y_true);
    r->y_pred = xmalloc(BATCH * sizeof *r->y_pred);
    r->argmax = src->npy_scores != NULL;
    if (r->argmax)
        r->scores = xmalloc(BATCH * k_count * sizeof *r->scores);
    for (size_t done = 0; done < n && !status; done += BATCH) {
        size_t take = n - done < BATCH ? n - done : BATCH;
        for (struct npy *a = &t; a && !status; a = a == &t && !src->npy_scores ? &p : NULL) {
            status = npy_read_i64(a, take, labels);
            for (size_t i = 0; i < take && !status; i++) {
                if (labels[i] < 0 || (uint64_t)labels[i] >= k_count)
                    status = fail_at(EXIT_DATA, a->path, 1, npy_column(a, done + i),
                                     "expected a label in 0..%zu, found %lld", k_count - 1, (long long)labels[i]);
                else
                    (a == &t ? r->y_true : r->y_pred)[i] = (int32_t)labels[i];
            }
        }
        if (!status && src->npy_scores)
            status = npy_read_f64(&p, take * k_count, r->scores);
        r->n_rows = take;
        r->total += take;
        r->path = src->npy_scores ? src->npy_scores : src->npy_pred;
        if (!status)
            status = flush(r);
    }
    free(labels);
    npy_close(&t);
    npy_close(&p);
    return status;
}

int predictions_read(struct predictions_source *src, trm_confusion **cm, struct strings *classes, uint64_t *rows)
{
    struct reader r = { .src = src, .path = src->csv_path ? src->csv_path : src->npy_true };
    int status;
    if (src->csv_path) {
        status = csv_read_file(src->csv_path, read_row, &r);
        if (!status && r.discover)
            status = finish_discovered(&r);
        else if (!status)
            status = flush(&r);
        if (!status && r.total == 0)
            status = fail_at(EXIT_DATA, src->csv_path, 2, 1, "expected at least one row of predictions, found none");
    } else
        status = read_npy_labels(&r);
    if (!status) {
        *cm = r.cm;
        *rows = r.total;
        *classes = r.classes.names;
        r.classes.names = (struct strings){ 0 };
    } else
        trm_confusion_free(r.cm);
    table_free(&r.classes);
    free(r.pairs);
    free(r.score_at);
    free(r.y_true);
    free(r.y_pred);
    free(r.scores);
    return status;
}
