/* SPDX-License-Identifier: MIT */
/* Activations and gradients from .npy files, and the maps the library makes of them. */
#ifndef TRAINMETRICS_CAMMAPS_H
#define TRAINMETRICS_CAMMAPS_H

#include <stdbool.h>
#include <stddef.h>

#include <trainmetrics/trainmetrics.h>

struct cam_tensors {
    float *activations, *gradients; /* gradients NULL when not given */
    size_t batch, channels, ndim, spatial[3];
    int layout;
};

/* Loads (N, C, d...) or (N, d..., C) float tensors with 1 to 3 spatial axes;
 * the gradients, when given, must have the activations' shape. */
int cam_tensors_load(struct cam_tensors *t, const char *activations, const char *gradients, int layout);
void cam_tensors_free(struct cam_tensors *t);

struct cam_settings {
    int method;
    bool relu, normalize;
    bool normalize_after_resize; /* pytorch-grad-cam's order: normalize, resize, normalize */
    size_t out_ndim, out_dims[3]; /* 0: the feature resolution */
};

/* batch x map_size floats, in sample order. */
int cam_tensors_maps(const struct cam_tensors *t, const struct cam_settings *s, float **maps, size_t *map_size);

/* "gradcam" -> TRM_CAM_GRADCAM ...; -1 when unknown. */
int cam_method_by_name(const char *name);
const char *cam_method_names(void);

#endif
