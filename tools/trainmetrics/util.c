/* SPDX-License-Identifier: MIT */
/* Errors, memory, strings and atomic output files for the command. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <trainmetrics/trainmetrics.h>

#include "cli.h"

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("trainmetrics: ", fmt, ap);
    va_end(ap);
    return code;
}

int fail_at(int code, const char *file, size_t line, size_t column, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%zu:%zu: ", file, line, column);
    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
    return code;
}

FILE *open_input(const char *path, int *status)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    if (fp && fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        fp = NULL;
        errno = EISDIR;
    }
    *status = fp ? 0 : fail(EXIT_NOINPUT, "%s: %s", path, strerror(errno));
    return fp;
}

int fail_library(int status, const char *what)
{
    /* Bad values in the data reach the library as TRM_E_INVALID/NONFINITE/...:
     * those are the input's fault, the rest (NOMEM, INTERNAL) the machine's. */
    int code = status == TRM_E_NOMEM || status == TRM_E_INTERNAL ? EXIT_SOFT : EXIT_DATA;
    return fail(code, "%s: %s (%s)", what, trm_last_error(), trm_strerror(status));
}

static void *checked(void *p)
{
    if (!p) {
        fail(EXIT_SOFT, "out of memory");
        exit(EXIT_SOFT);
    }
    return p;
}

void *xmalloc(size_t n) { return checked(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return checked(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return checked(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return checked(strdup(s)); }

char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    return path;
}

static void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_free(struct buf *b)
{
    free(b->data);
    *b = (struct buf){ 0 };
}

void buf_add_escaped(struct buf *b, const char *text)
{
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '&': buf_add(b, "&amp;", 5); break;
        case '<': buf_add(b, "&lt;", 4); break;
        case '>': buf_add(b, "&gt;", 4); break;
        case '"': buf_add(b, "&quot;", 6); break;
        case '\'': buf_add(b, "&#39;", 5); break;
        default: buf_add(b, c, 1);
        }
    }
}

void strings_add(struct strings *s, const char *text)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->items = xrealloc(s->items, s->cap * sizeof *s->items);
    }
    s->items[s->n++] = xstrdup(text);
}

void strings_free(struct strings *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
    *s = (struct strings){ 0 };
}

ptrdiff_t strings_find(const struct strings *s, const char *text)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i], text) == 0)
            return (ptrdiff_t)i;
    return -1;
}

int strings_read_lines(struct strings *s, const char *path)
{
    int status;
    FILE *fp = open_input(path, &status);
    if (!fp)
        return status;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t lineno = 0;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n == 0)
            continue;
        if (strings_find(s, line) >= 0) {
            status = fail_at(EXIT_DATA, path, lineno, 1, "expected each line once, found '%s' again", line);
            break;
        }
        strings_add(s, line);
    }
    free(line);
    if (!status && ferror(fp))
        status = fail(EXIT_IO, "%s: %s", path, strerror(errno));
    fclose(fp);
    if (!status && s->n == 0)
        status = fail_at(EXIT_DATA, path, 1, 1, "expected one name per line, found no name");
    return status;
}

int outfile_open(struct outfile *o, const char *path)
{
    *o = (struct outfile){ 0 };
    size_t n = strlen(path);
    o->path = xstrdup(path);
    o->tmp_path = xmalloc(n + 16);
    memcpy(o->tmp_path, path, n);
    memcpy(o->tmp_path + n, ".tmp-XXXXXX", 12);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        int code = fail(EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
        free(o->path);
        free(o->tmp_path);
        *o = (struct outfile){ 0 };
        return code;
    }
    /* mkstemp's 0600 would survive the rename; give the file the mode a plain
     * fopen would have. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->fp = fdopen(fd, "wb");
    return 0;
}

int outfile_commit(struct outfile *o)
{
    int failed = ferror(o->fp) | fflush(o->fp);
    failed |= fclose(o->fp);
    o->fp = NULL;
    if (failed || rename(o->tmp_path, o->path) != 0) {
        /* A write that failed is an I/O error; a rename that failed (the
         * target is a directory, say) an output that cannot be created. */
        int code = fail(failed ? EXIT_IO : EXIT_CANTCREAT, "%s: %s", o->path, strerror(errno));
        unlink(o->tmp_path);
        outfile_abort(o);
        return code;
    }
    free(o->path);
    free(o->tmp_path);
    *o = (struct outfile){ 0 };
    return 0;
}

int outfile_probe(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return fail(EXIT_CANTCREAT, "%s: %s", path, strerror(EISDIR));
    struct outfile o;
    int status = outfile_open(&o, path);
    if (!status)
        outfile_abort(&o);
    return status;
}

void outfile_abort(struct outfile *o)
{
    if (o->fp) {
        fclose(o->fp);
        unlink(o->tmp_path);
    }
    free(o->path);
    free(o->tmp_path);
    *o = (struct outfile){ 0 };
}

int write_file_atomic(const char *path, const void *data, size_t n)
{
    struct outfile o;
    int status = outfile_open(&o, path);
    if (status)
        return status;
    fwrite(data, 1, n, o.fp);
    return outfile_commit(&o);
}

bool parse_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool parse_long(const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

void progress_start(struct progress *p, const char *label, uint64_t total)
{
    *p = (struct progress){ .label = label, .total = total, .enabled = total > 0 && isatty(STDERR_FILENO) };
}

void progress_advance(struct progress *p, uint64_t bytes)
{
    p->done += bytes;
    if (!p->enabled || p->done - p->last_shown < p->total / 200 + 1)
        return;
    p->last_shown = p->done;
    unsigned percent = (unsigned)(100.0 * (double)p->done / (double)p->total);
    unsigned bar = percent * 30 / 100;
    fprintf(stderr, "\r%s [%.*s%*s] %3u%%", p->label, (int)bar, "==============================",
            (int)(30 - bar), "", percent > 100 ? 100 : percent);
}

void progress_end(struct progress *p)
{
    if (p->enabled && p->last_shown)
        fprintf(stderr, "\r%*s\r", (int)strlen(p->label) + 40, "");
}
