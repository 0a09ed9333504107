/* SPDX-License-Identifier: MIT */
/* The Grad-CAM loops with AVX-512F behind trm_cam_compute_f32 and
 * trm_cam_weights_f32. Each computes the same doubles, bit for bit, as the
 * portable loop in cam.c that it replaces. */
#ifndef TRM_CAM_PRIVATE_H
#define TRM_CAM_PRIVATE_H

#include "cpu-private.h"
#include <stdbool.h>
#include <stddef.h>

#if TRM__X86_KERNELS
#define TRM__HAVE_AVX512_CAM 1
bool trm__cam_avx512_usable(void);

/* Channels-first Grad-CAM of one sample of `channels` rows of n positions:
 * w[c] = the mean of gradient row c, map[i] = sum over c of w[c] a[c][i]. */
void trm__gradcam_first_avx512(const float *g, const float *a, size_t channels, size_t n, double *w,
                               double *map);

/* sums[j] = sum over i < count of rows[i * width + j], for j < width. */
void trm__column_sums_avx512(const float *rows, size_t count, size_t width, double *sums);

/* out[i] = sum over j < width of w[j] rows[i * width + j], for i < count. */
void trm__weighted_row_sums_avx512(const float *rows, size_t count, size_t width, const double *w,
                                   double *out);
#else
#define TRM__HAVE_AVX512_CAM 0
#endif

#endif /* TRM_CAM_PRIVATE_H */
