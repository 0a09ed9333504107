/* SPDX-License-Identifier: MIT */
/* CSV parsing is libcsv's; this file feeds it one physical line at a time so
 * every record knows the line it ends on, and checks the record widths. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>

#include "cli.h"
#include "csvfile.h"

struct reader {
    const char *path;
    csv_record_fn fn;
    void *ctx;
    size_t line;
    struct buf text;    /* the current record's fields, each NUL-terminated */
    size_t *offsets;    /* start of each field in text */
    size_t n_fields, cap_fields;
    size_t width;       /* fields per record, from the header; 0 before it */
    char **pointers;
    size_t record_line; /* where the current record began */
    int status;         /* first nonzero result; later callbacks do nothing */
};

static void on_field(void *data, size_t len, void *opaque)
{
    struct reader *r = opaque;
    if (r->status)
        return;
    if (data && memchr(data, '\0', len)) {
        r->status = fail_at(EXIT_DATA, r->path, r->line, r->n_fields + 1, "expected text, found a NUL byte");
        return;
    }
    if (r->n_fields == r->cap_fields) {
        r->cap_fields = r->cap_fields ? 2 * r->cap_fields : 16;
        r->offsets = xrealloc(r->offsets, r->cap_fields * sizeof *r->offsets);
    }
    r->offsets[r->n_fields++] = r->text.len;
    buf_add(&r->text, data ? data : "", data ? len : 0);
    buf_add(&r->text, "", 1);
}

static void on_record(int terminator, void *opaque)
{
    struct reader *r = opaque;
    (void)terminator;
    if (r->status)
        return;
    if (r->width == 0) {
        r->width = r->n_fields;
        r->pointers = xcalloc(r->width, sizeof *r->pointers);
    } else if (r->n_fields != r->width) {
        r->status = fail_at(EXIT_DATA, r->path, r->line, r->n_fields < r->width ? r->n_fields + 1 : r->width + 1,
                            "expected %zu fields as in the header, found %zu", r->width, r->n_fields);
        return;
    }
    for (size_t i = 0; i < r->n_fields; i++)
        r->pointers[i] = r->text.data + r->offsets[i];
    struct csv_record record = { .line = r->line, .n_fields = r->n_fields, .fields = r->pointers };
    r->status = r->fn(r->ctx, &record);
    r->n_fields = 0;
    r->text.len = 0;
    r->record_line = r->line + 1;
}

/* libcsv's strict mode stops at a quote inside an unquoted field, text after
 * a closing quote, and (at the end) a quote never closed. */
static int parse_error(struct reader *r, struct csv_parser *p, bool at_end)
{
    if (r->status)
        return r->status;
    if (csv_error(p) != CSV_EPARSE)
        r->status = fail(EXIT_SOFT, "%s: %s", r->path, csv_strerror(csv_error(p)));
    else if (at_end)
        r->status = fail_at(EXIT_DATA, r->path, r->record_line, r->n_fields + 1,
                            "expected a closing quote: the field opened in the record on this line runs to the end of the file");
    else
        r->status = fail_at(EXIT_DATA, r->path, r->line, r->n_fields + 1,
                            "expected a comma or the end of the line after a quoted field, or no quote inside an unquoted one");
    return r->status;
}

static int feed(struct reader *r, struct csv_parser *p, const char *data, size_t n)
{
    if (csv_parse(p, data, n, on_field, on_record, r) != n)
        return parse_error(r, p, false);
    return r->status;
}

int csv_read_file(const char *path, csv_record_fn fn, void *ctx)
{
    int opened;
    FILE *fp = open_input(path, &opened);
    if (!fp)
        return opened;
    struct stat st;
    struct progress bar;
    progress_start(&bar, path, fstat(fileno(fp), &st) == 0 ? (uint64_t)st.st_size : 0);

    struct reader r = { .path = path, .fn = fn, .ctx = ctx, .line = 1, .record_line = 1 };
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI);
    enum { BLOCK = 1 << 20 };
    char *block = xmalloc(BLOCK);
    size_t got;
    bool first = true;
    while (!r.status && (got = fread(block, 1, BLOCK, fp)) > 0) {
        const char *at = block, *end = block + got;
        if (first && got >= 3 && memcmp(block, "\xef\xbb\xbf", 3) == 0)
            at += 3; /* a UTF-8 byte-order mark, as spreadsheet exports write */
        first = false;
        while (!r.status && at < end) {
            const char *newline = memchr(at, '\n', (size_t)(end - at));
            const char *stop = newline ? newline + 1 : end;
            if (feed(&r, &parser, at, (size_t)(stop - at)))
                break;
            if (newline)
                r.line++;
            at = stop;
        }
        progress_advance(&bar, got);
    }
    progress_end(&bar);
    if (!r.status && ferror(fp))
        r.status = fail(EXIT_IO, "%s: %s", path, strerror(errno));
    if (!r.status && csv_fini(&parser, on_field, on_record, &r) != 0)
        parse_error(&r, &parser, true);
    if (!r.status && r.width == 0)
        r.status = fail_at(EXIT_DATA, path, 1, 1, "expected a header line, found an empty file");
    csv_free(&parser);
    fclose(fp);
    free(block);
    free(r.offsets);
    free(r.pointers);
    buf_free(&r.text);
    return r.status;
}
