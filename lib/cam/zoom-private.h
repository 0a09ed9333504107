/* SPDX-License-Identifier: MIT */
/* Separable cubic-spline resizing, as scipy.ndimage.zoom(order=3) with its
 * defaults (mode='constant', prefilter=True, grid_mode=False) computes it:
 * pytorch-grad-cam resizes 3-D maps with it. */
#ifndef TRM_ZOOM_PRIVATE_H
#define TRM_ZOOM_PRIVATE_H

#include <stddef.h>

#include "resample-private.h"

/* Output j of one axis: sum over t of w[t] c[at[t]], c the axis's B-spline
 * coefficients; every w is 0 where scipy writes its cval 0 instead. */
typedef struct trm__spline_tap {
    size_t at[4];
    double w[4];
} trm__spline_tap;

/* A zoom of a row-major map of ndim (1..3) axes from in[] to out[] samples,
 * planned once per shape in memory the caller provides: as many taps as
 * trm__resample_sizes() gives lerps, and two scratch buffers of as many
 * doubles as it gives floats. */
typedef struct trm__zoom {
    size_t ndim;
    size_t in[TRM__RESAMPLE_MAX_DIMS], out[TRM__RESAMPLE_MAX_DIMS];
    trm__spline_tap *table[TRM__RESAMPLE_MAX_DIMS]; /* out[k] entries, NULL where in[k] == out[k] */
    double *scratch[2];
} trm__zoom;

void trm__zoom_plan(trm__zoom *z, size_t ndim, const size_t *in, const size_t *out, trm__spline_tap *taps,
                    double *scratch_a, double *scratch_b);

/* Zooms src (the product of in[] values) into dst (the product of out[]): the
 * map is rounded to float first, as scipy receives pytorch-grad-cam's float32
 * maps, then filtered and interpolated in double and rounded to float once. */
void trm__zoom_f32(const trm__zoom *z, const double *src, float *dst);

#endif /* TRM_ZOOM_PRIVATE_H */
