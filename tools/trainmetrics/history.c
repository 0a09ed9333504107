/* SPDX-License-Identifier: MIT */
/* Training logs into one value per metric and epoch; Lightning's several
 * rows per epoch merge, later values winning. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvfile.h"
#include "history.h"

struct reader {
    struct history *h;
    const char *path;
    bool have_header;
    ptrdiff_t epoch_at, step_at;
    size_t *metric_at; /* field of each metric */
    size_t cap;
};

/* strtod's whole-field parse, with nan and inf allowed. */
static bool parse_value(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return false;
    *out = v;
    return true;
}

static int read_header(struct reader *r, const struct csv_record *rec)
{
    r->epoch_at = r->step_at = -1;
    r->metric_at = xcalloc(rec->n_fields, sizeof *r->metric_at);
    for (size_t i = 0; i < rec->n_fields; i++) {
        const char *name = rec->fields[i];
        if (strcmp(name, "epoch") == 0)
            r->epoch_at = (ptrdiff_t)i;
        else if (strcmp(name, "step") == 0)
            r->step_at = (ptrdiff_t)i;
        else if (!*name)
            return fail_at(EXIT_DATA, r->path, rec->line, i + 1, "expected a metric name in the header, found an empty field");
        else if (strings_find(&r->h->metrics, name) >= 0)
            return fail_at(EXIT_DATA, r->path, rec->line, i + 1, "expected each column once, found '%s' again", name);
        else {
            r->metric_at[r->h->metrics.n] = i;
            strings_add(&r->h->metrics, name);
        }
    }
    if (!r->h->metrics.n)
        return fail_at(EXIT_DATA, r->path, rec->line, 1, "expected metric columns (loss, val_loss, ...) besides epoch");
    return 0;
}

static void add_epoch(struct reader *r, double epoch)
{
    struct history *h = r->h;
    size_t m = h->metrics.n;
    if (h->n_epochs == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        h->epoch = xrealloc(h->epoch, r->cap * sizeof *h->epoch);
        h->values = xrealloc(h->values, r->cap * m * sizeof *h->values);
        h->present = xrealloc(h->present, r->cap * m * sizeof *h->present);
    }
    h->epoch[h->n_epochs] = epoch;
    for (size_t j = 0; j < m; j++) {
        h->values[h->n_epochs * m + j] = NAN;
        h->present[h->n_epochs * m + j] = false;
    }
    h->n_epochs++;
}

static int read_row(void *ctx, const struct csv_record *rec)
{
    struct reader *r = ctx;
    struct history *h = r->h;
    if (!r->have_header) {
        r->have_header = true;
        return read_header(r, rec);
    }
    double epoch = (double)h->n_epochs;
    if (r->epoch_at >= 0) {
        const char *text = rec->fields[r->epoch_at];
        if (!parse_value(text, &epoch) || !isfinite(epoch) || epoch < 0)
            return fail_at(EXIT_DATA, r->path, rec->line, (size_t)r->epoch_at + 1,
                           "expected an epoch number, found '%s'", text);
        if (h->n_epochs && epoch < h->epoch[h->n_epochs - 1])
            return fail_at(EXIT_DATA, r->path, rec->line, (size_t)r->epoch_at + 1,
                           "expected epochs in increasing order, found %s after %g", text, h->epoch[h->n_epochs - 1]);
    }
    if (!h->n_epochs || r->epoch_at < 0 || epoch != h->epoch[h->n_epochs - 1])
        add_epoch(r, epoch);
    size_t m = h->metrics.n, row = h->n_epochs - 1;
    for (size_t j = 0; j < m; j++) {
        const char *text = rec->fields[r->metric_at[j]];
        if (!*text)
            continue;
        double v;
        if (!parse_value(text, &v))
            return fail_at(EXIT_DATA, r->path, rec->line, r->metric_at[j] + 1,
                           "expected a number in column '%s', found '%s'", h->metrics.items[j], text);
        h->values[row * m + j] = v;
        h->present[row * m + j] = true;
    }
    return 0;
}

int history_read(struct history *h, const char *path)
{
    *h = (struct history){ 0 };
    struct reader r = { .h = h, .path = path };
    int status = csv_read_file(path, read_row, &r);
    if (!status && !h->n_epochs)
        status = fail_at(EXIT_DATA, path, 2, 1, "expected at least one epoch after the header, found none");
    free(r.metric_at);
    if (status)
        history_free(h);
    return status;
}

void history_free(struct history *h)
{
    strings_free(&h->metrics);
    free(h->epoch);
    free(h->values);
    free(h->present);
    *h = (struct history){ 0 };
}

ptrdiff_t history_metric(const struct history *h, const char *name)
{
    return strings_find(&h->metrics, name);
}
