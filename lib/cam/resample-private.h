/* SPDX-License-Identifier: MIT */
/* Separable linear resizing with half-pixel centres, as PyTorch's
 * interpolate(mode='linear'/'bilinear'/'trilinear', align_corners=False). */
#ifndef TRM_RESAMPLE_PRIVATE_H
#define TRM_RESAMPLE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#define TRM__RESAMPLE_MAX_DIMS 3

/* Output j of one axis: (1 - frac) in[lo] + frac in[hi]; hi is lo + 1, or lo at
 * the upper border, where frac is then 0. */
typedef struct trm__lerp {
    size_t lo, hi;
    double frac;
} trm__lerp;

/* A resize of a row-major map of ndim (1..3) axes from in[] to out[] samples,
 * planned once per shape: the tables and the two scratch buffers live in memory
 * the caller provides. */
typedef struct trm__resample {
    size_t ndim;
    size_t in[TRM__RESAMPLE_MAX_DIMS], out[TRM__RESAMPLE_MAX_DIMS];
    trm__lerp *table[TRM__RESAMPLE_MAX_DIMS]; /* out[k] entries, NULL where in[k] == out[k] */
    float *scratch[2];                        /* scratch_floats each */
} trm__resample;

/* Axis k of a row-major map of ndim axes of the given sizes, seen as
 * (outer, dims[k], inner): the products of the sizes before and after it. */
static inline void trm__axis_extent(const size_t *dims, size_t ndim, size_t k, size_t *outer, size_t *inner)
{
    *outer = *inner = 1;
    for (size_t a = 0; a < k; a++)
        *outer *= dims[a];
    for (size_t a = k + 1; a < ndim; a++)
        *inner *= dims[a];
}

/* Sizes of the caller-provided memory: the lerp entries of all tables, and the
 * floats of each scratch buffer (the input or the largest intermediate map,
 * whichever is larger). false when a
 * size overflows size_t. */
bool trm__resample_sizes(size_t ndim, const size_t *in, const size_t *out, size_t *n_lerps,
                         size_t *scratch_floats);

/* Fills r for the given shapes: lerps points to n_lerps entries and scratch_a,
 * scratch_b to scratch_floats each, as trm__resample_sizes() gave. */
void trm__resample_plan(trm__resample *r, size_t ndim, const size_t *in, const size_t *out, trm__lerp *lerps,
                        float *scratch_a, float *scratch_b);

/* The same with PyTorch's align_corners=True: the first and last samples of
 * each axis map onto each other (Score-CAM upsamples with it). */
void trm__resample_plan_corners(trm__resample *r, size_t ndim, const size_t *in, const size_t *out,
                                trm__lerp *lerps, float *scratch_a, float *scratch_b);

/* Resizes src (the product of in[] values) into dst (the product of out[]);
 * the map is rounded to float first and interpolated in float, as PyTorch
 * interpolates float tensors. */
void trm__resample_f32(const trm__resample *r, const double *src, float *dst);

#endif /* TRM_RESAMPLE_PRIVATE_H */
