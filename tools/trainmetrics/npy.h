/* SPDX-License-Identifier: MIT */
/* NumPy .npy files (format versions 1 to 3): read in chunks, written whole. */
#ifndef TRAINMETRICS_NPY_H
#define TRAINMETRICS_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { NPY_MAX_DIMS = 8 };

struct npy {
    char *path;
    FILE *fp;
    char kind;       /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
    unsigned itemsize;
    bool swap;       /* stored in the other byte order than this machine's */
    size_t ndim;
    size_t shape[NPY_MAX_DIMS];
    size_t count;    /* product of the shape */
    size_t next;     /* index of the next element npy_read_* returns */
    uint64_t data_offset; /* file offset of the first element */
};

/* Opens and checks a file: magic, version, a C-order header of a numeric
 * dtype, and a data size that matches the shape. Fails with 65 and
 * "file:line:column" (the header is line 1) or 66. */
int npy_open(struct npy *a, const char *path);
void npy_close(struct npy *a);

/* Reads the next n elements converted to double (any numeric dtype; NaN and
 * infinities fail with 65) or to int64 (integer and bool dtypes only; a float
 * file fails with 65). Errors name the element as line 1, column = its byte
 * offset + 1. */
int npy_read_f64(struct npy *a, size_t n, double *out);
int npy_read_i64(struct npy *a, size_t n, int64_t *out);
/* Reads the next n elements as float; float64 values beyond float's range fail. */
int npy_read_f32(struct npy *a, size_t n, float *out);

/* The column of element index in messages: its byte offset in the file + 1. */
size_t npy_column(const struct npy *a, size_t index);

/* "(3, 4)" for messages. */
void npy_shape_text(const struct npy *a, char *text, size_t cap);

/* Writes a little-endian float32 C-order array (format 1.0) atomically. */
int npy_write_f32(const char *path, size_t ndim, const size_t *shape, const float *data);

#endif
