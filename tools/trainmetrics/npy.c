/* SPDX-License-Identifier: MIT */
/* The .npy format: magic "\x93NUMPY", version, header length, then a Python
 * dict literal with 'descr', 'fortran_order' and 'shape', padded with spaces
 * and a newline, then the raw elements. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "npy.h"

/* A cursor over the header text that knows its column in the file. */
struct header {
    const struct npy *a;
    const char *text, *at;
    size_t offset; /* file offset of text[0] */
};

static int header_fail(const struct header *h, const char *what, const char *found)
{
    size_t column = h->offset + (size_t)(h->at - h->text) + 1;
    if (found)
        return fail_at(EXIT_DATA, h->a->path, 1, column, "%s, found '%s'", what, found);
    return fail_at(EXIT_DATA, h->a->path, 1, column, "%s", what);
}

static void skip_space(struct header *h)
{
    while (*h->at == ' ' || *h->at == '\t')
        h->at++;
}

static bool take(struct header *h, const char *token)
{
    skip_space(h);
    size_t n = strlen(token);
    if (strncmp(h->at, token, n) != 0)
        return false;
    h->at += n;
    return true;
}

/* A quoted Python string into out; false if there is none. */
static bool take_string(struct header *h, char *out, size_t cap)
{
    skip_space(h);
    char quote = *h->at;
    if (quote != '\'' && quote != '"')
        return false;
    const char *end = strchr(h->at + 1, quote);
    if (!end || (size_t)(end - h->at - 1) >= cap)
        return false;
    memcpy(out, h->at + 1, (size_t)(end - h->at - 1));
    out[end - h->at - 1] = '\0';
    h->at = end + 1;
    return true;
}

static int parse_descr(struct npy *a, struct header *h)
{
    const char *start = h->at;
    char descr[32];
    if (!take_string(h, descr, sizeof descr))
        return header_fail(h, "expected a dtype string such as '<f4'", NULL);
    char order = descr[0], kind = descr[0] ? descr[1] : 0;
    /* The size is the rest of the string, all digits ("<f4", not "<f4x" or "<f 4"). */
    char *end = NULL;
    unsigned long size = kind && isdigit((unsigned char)descr[2]) ? strtoul(descr + 2, &end, 10) : 0;
    bool sized = end && *end == '\0';
    bool known = (order == '<' || order == '>' || order == '|' || order == '=') && sized &&
                 ((kind == 'f' && (size == 4 || size == 8)) ||
                  ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                  (kind == 'b' && size == 1));
    if (!known) {
        h->at = start;
        return header_fail(h, "expected a float, integer or bool dtype (<f4, <f8, <i8, |u1, |b1, ...)",
                           descr);
    }
    const uint16_t probe = 1;
    bool little = *(const uint8_t *)&probe == 1;
    a->kind = kind;
    a->itemsize = (unsigned)size;
    a->swap = size > 1 && ((order == '<' && !little) || (order == '>' && little));
    return 0;
}

static int parse_shape(struct npy *a, struct header *h)
{
    if (!take(h, "("))
        return header_fail(h, "expected a shape tuple such as (3, 4)", NULL);
    a->ndim = 0;
    a->count = 1;
    while (!take(h, ")")) {
        skip_space(h);
        if (!isdigit((unsigned char)*h->at))
            return header_fail(h, "expected a dimension (a non-negative integer)", NULL);
        if (a->ndim == NPY_MAX_DIMS)
            return header_fail(h, "expected at most 8 dimensions", NULL);
        errno = 0;
        char *end;
        unsigned long long d = strtoull(h->at, &end, 10);
        if (errno == ERANGE || d > SIZE_MAX || (d && a->count > SIZE_MAX / d))
            return header_fail(h, "expected a shape whose size fits in memory", NULL);
        h->at = end;
        a->shape[a->ndim++] = (size_t)d;
        a->count *= (size_t)d;
        if (!take(h, ",") && !(skip_space(h), *h->at == ')'))
            return header_fail(h, "expected ',' or ')' in the shape", NULL);
    }
    return 0;
}

static int parse_header(struct npy *a, struct header *h)
{
    bool descr = false, order = false, shape = false;
    if (!take(h, "{"))
        return header_fail(h, "expected the header dictionary '{'", NULL);
    while (!take(h, "}")) {
        char key[32];
        const char *key_at = h->at;
        if (!take_string(h, key, sizeof key) || !take(h, ":"))
            return header_fail(h, "expected a key such as 'descr':", NULL);
        int status = 0;
        if (strcmp(key, "descr") == 0) {
            status = parse_descr(a, h);
            descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (take(h, "True")) {
                h->at = key_at;
                return header_fail(h, "expected C order ('fortran_order': False): save with "
                                      "np.save(path, np.ascontiguousarray(x))", NULL);
            }
            if (!take(h, "False"))
                return header_fail(h, "expected True or False", NULL);
            order = true;
        } else if (strcmp(key, "shape") == 0) {
            status = parse_shape(a, h);
            shape = true;
        } else {
            h->at = key_at;
            return header_fail(h, "expected 'descr', 'fortran_order' or 'shape'", key);
        }
        if (status)
            return status;
        if (!take(h, ",") && !(skip_space(h), *h->at == '}'))
            return header_fail(h, "expected ',' or '}'", NULL);
    }
    if (!descr || !order || !shape)
        return header_fail(h, "expected the keys 'descr', 'fortran_order' and 'shape'", NULL);
    return 0;
}

int npy_open(struct npy *a, const char *path)
{
    *a = (struct npy){ .path = xstrdup(path) };
    int opened;
    a->fp = open_input(path, &opened);
    if (!a->fp) {
        npy_close(a);
        return opened;
    }
    uint8_t lead[12];
    size_t got = fread(lead, 1, sizeof lead, a->fp);
    int status = 0;
    size_t header_len = 0, offset = 0;
    if (got < 10 || memcmp(lead, "\x93NUMPY", 6) != 0)
        status = fail_at(EXIT_DATA, path, 1, 1, "expected a NumPy .npy file (magic \\x93NUMPY)");
    else if (lead[6] < 1 || lead[6] > 3)
        status = fail_at(EXIT_DATA, path, 1, 7, "expected .npy format version 1, 2 or 3, found %u.%u", lead[6], lead[7]);
    else if (lead[6] == 1) {
        header_len = (size_t)lead[8] | (size_t)lead[9] << 8;
        offset = 10;
    } else if (got < 12) {
        status = fail_at(EXIT_DATA, path, 1, 9, "expected a 4-byte header length, found the end of the file");
    } else {
        header_len = (size_t)lead[8] | (size_t)lead[9] << 8 | (size_t)lead[10] << 16 | (size_t)lead[11] << 24;
        offset = 12;
    }
    struct stat st;
    if (!status && fstat(fileno(a->fp), &st) != 0)
        status = fail(EXIT_IO, "%s: %s", path, strerror(errno));
    uint64_t file_size = status ? 0 : (uint64_t)st.st_size;
    /* The header length is checked against the file before it sizes anything. */
    if (!status && (uint64_t)offset + header_len > file_size)
        status = fail_at(EXIT_DATA, path, 1, offset + 1, "expected a %zu-byte header, found the end of the file",
                         header_len);
    char *text = NULL;
    if (!status) {
        text = xmalloc(header_len + 1);
        if (fseek(a->fp, (long)offset, SEEK_SET) != 0 || fread(text, 1, header_len, a->fp) != header_len)
            status = fail_at(EXIT_DATA, path, 1, offset + 1, "expected a %zu-byte header, found the end of the file",
                             header_len);
        else {
            text[header_len] = '\0';
            if (strlen(text) != header_len)
                status = fail_at(EXIT_DATA, path, 1, offset + strlen(text) + 1, "expected header text, found a NUL byte");
        }
    }
    if (!status) {
        struct header h = { .a = a, .text = text, .at = text, .offset = offset };
        status = parse_header(a, &h);
    }
    free(text);
    if (!status) {
        uint64_t data = (uint64_t)offset + header_len, have = file_size - data;
        char shape[128];
        npy_shape_text(a, shape, sizeof shape);
        a->data_offset = data;
        /* Compared by division: the product of a hostile shape can wrap. */
        if (have % a->itemsize != 0 || have / a->itemsize != a->count)
            status = fail_at(EXIT_DATA, path, 1, data + 1,
                             "expected %.0f bytes of data for shape %s of %u-byte elements, found %llu",
                             (double)a->count * a->itemsize, shape, a->itemsize, (unsigned long long)have);
    }
    if (status)
        npy_close(a);
    return status;
}

void npy_close(struct npy *a)
{
    if (a->fp)
        fclose(a->fp);
    free(a->path);
    *a = (struct npy){ 0 };
}

void npy_shape_text(const struct npy *a, char *text, size_t cap)
{
    size_t used = (size_t)snprintf(text, cap, "(");
    for (size_t i = 0; i < a->ndim && used < cap; i++)
        used += (size_t)snprintf(text + used, cap - used, i ? ", %zu" : "%zu", a->shape[i]);
    if (used < cap)
        snprintf(text + used, cap - used, a->ndim == 1 ? ",)" : ")");
}

/* One element at p in the file's representation, as double or int64. */
static void load(const struct npy *a, const uint8_t *p, double *as_double, int64_t *as_int)
{
    uint8_t bytes[8];
    for (unsigned i = 0; i < a->itemsize; i++)
        bytes[i] = a->swap ? p[a->itemsize - 1 - i] : p[i];
    switch (a->kind) {
    case 'f':
        if (a->itemsize == 4) {
            float f;
            memcpy(&f, bytes, 4);
            *as_double = f;
        } else
            memcpy(as_double, bytes, 8);
        *as_int = 0;
        return;
    case 'i': {
        int64_t v = 0;
        switch (a->itemsize) {
        case 1: v = (int8_t)bytes[0]; break;
        case 2: { int16_t x; memcpy(&x, bytes, 2); v = x; break; }
        case 4: { int32_t x; memcpy(&x, bytes, 4); v = x; break; }
        default: memcpy(&v, bytes, 8);
        }
        *as_int = v;
        *as_double = (double)v;
        return;
    }
    default: { /* 'u' and 'b' */
        uint64_t v = 0;
        if (a->kind == 'b') {
            *as_int = bytes[0] != 0; /* NumPy reads any nonzero byte as True */
            *as_double = (double)*as_int;
            return;
        }
        switch (a->itemsize) {
        case 1: v = bytes[0]; break;
        case 2: { uint16_t x; memcpy(&x, bytes, 2); v = x; break; }
        case 4: { uint32_t x; memcpy(&x, bytes, 4); v = x; break; }
        default: memcpy(&v, bytes, 8);
        }
        *as_int = v > INT64_MAX ? INT64_MAX : (int64_t)v;
        *as_double = (double)v;
    }
    }
}

/* Reads n elements and hands each to store(i, double, int64); chunked so a
 * large array never needs its bytes and its converted copy at once. */
static int read_elements(struct npy *a, size_t n, int (*store)(struct npy *, size_t, double, int64_t, void *),
                         void *out)
{
    if (n > a->count - a->next)
        return fail(EXIT_SOFT, "%s: read past the end of the array", a->path);
    enum { CHUNK = 1 << 16 };
    uint8_t *bytes = xmalloc((size_t)CHUNK * 8);
    int status = 0;
    for (size_t done = 0; done < n && !status;) {
        size_t take = n - done < CHUNK ? n - done : CHUNK;
        if (fread(bytes, a->itemsize, take, a->fp) != take) {
            status = fail(EXIT_IO, "%s: read failed: %s", a->path, ferror(a->fp) ? strerror(errno) : "file shrank");
            break;
        }
        for (size_t i = 0; i < take && !status; i++) {
            double d;
            int64_t v;
            load(a, bytes + i * a->itemsize, &d, &v);
            status = store(a, done + i, d, v, out);
        }
        done += take;
    }
    free(bytes);
    a->next += n;
    return status;
}

size_t npy_column(const struct npy *a, size_t index)
{
    return (size_t)a->data_offset + index * a->itemsize + 1;
}

static int element_fail(const struct npy *a, size_t index, const char *what)
{
    return fail_at(EXIT_DATA, a->path, 1, npy_column(a, a->next + index), "expected %s (element %zu)", what,
                   a->next + index);
}

static int store_f64(struct npy *a, size_t i, double d, int64_t v, void *out)
{
    (void)v;
    if (!isfinite(d))
        return element_fail(a, i, "a finite value");
    ((double *)out)[i] = d;
    return 0;
}

static int store_f32(struct npy *a, size_t i, double d, int64_t v, void *out)
{
    (void)v;
    if (!isfinite(d))
        return element_fail(a, i, "a finite value");
    if (fabs(d) > FLT_MAX)
        return element_fail(a, i, "a value within float32's range");
    ((float *)out)[i] = (float)d;
    return 0;
}

static int store_i64(struct npy *a, size_t i, double d, int64_t v, void *out)
{
    (void)a, (void)d;
    ((int64_t *)out)[i] = v;
    return 0;
}

int npy_read_f64(struct npy *a, size_t n, double *out) { return read_elements(a, n, store_f64, out); }
int npy_read_f32(struct npy *a, size_t n, float *out) { return read_elements(a, n, store_f32, out); }

int npy_read_i64(struct npy *a, size_t n, int64_t *out)
{
    if (a->kind == 'f')
        return fail_at(EXIT_DATA, a->path, 1, 1, "expected integer labels, found a float array (dtype f%u)",
                       a->itemsize);
    return read_elements(a, n, store_i64, out);
}

int npy_write_f32(const char *path, size_t ndim, const size_t *shape, const float *data)
{
    struct buf head = { 0 };
    size_t count = 1;
    buf_printf(&head, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (size_t i = 0; i < ndim; i++) {
        buf_printf(&head, i ? ", %zu" : "%zu", shape[i]);
        count *= shape[i];
    }
    buf_printf(&head, ndim == 1 ? ",), }" : "), }");
    /* The data starts on a 64-byte boundary, as NumPy writes it. */
    while ((10 + head.len + 1) % 64)
        buf_add(&head, " ", 1);
    buf_add(&head, "\n", 1);

    struct outfile o;
    int status = outfile_open(&o, path);
    if (!status) {
        uint8_t lead[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)head.len, (uint8_t)(head.len >> 8) };
        fwrite(lead, 1, sizeof lead, o.fp);
        fwrite(head.data, 1, head.len, o.fp);
        for (size_t i = 0; i < count; i++) {
            uint32_t bits;
            memcpy(&bits, &data[i], 4);
            uint8_t le[4] = { (uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16), (uint8_t)(bits >> 24) };
            fwrite(le, 1, 4, o.fp);
        }
        status = outfile_commit(&o);
    }
    buf_free(&head);
    return status;
}
