/* SPDX-License-Identifier: MIT */
/* Activations and gradients read from .npy files and handed to the library
 * in one batch, so every map comes from the same calculator settings. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cammaps.h"
#include "cli.h"
#include "npy.h"

static const struct {
    const char *name;
    int method;
} methods[] = {
    { "gradcam", TRM_CAM_GRADCAM },
    { "gradcam++", TRM_CAM_GRADCAM_PLUS_PLUS },
    { "xgradcam", TRM_CAM_XGRADCAM },
    { "hirescam", TRM_CAM_HIRESCAM },
    { "gradcam-elementwise", TRM_CAM_GRADCAM_ELEMENTWISE },
    { "layercam", TRM_CAM_LAYERCAM },
    { "eigencam", TRM_CAM_EIGENCAM },
    { "eigen-gradcam", TRM_CAM_EIGENGRADCAM },
};

int cam_method_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (strcmp(methods[i].name, name) == 0)
            return methods[i].method;
    return -1;
}

const char *cam_method_names(void)
{
    return "gradcam, gradcam++, xgradcam, hirescam, gradcam-elementwise, layercam, eigencam, eigen-gradcam";
}

static int load_floats(struct npy *a, float **out)
{
    *out = xmalloc(a->count * sizeof **out);
    int status = npy_read_f32(a, a->count, *out);
    if (status) {
        free(*out);
        *out = NULL;
    }
    return status;
}

int cam_tensors_load(struct cam_tensors *t, const char *activations, const char *gradients, int layout)
{
    *t = (struct cam_tensors){ .layout = layout };
    struct npy a, g = { 0 };
    int status = npy_open(&a, activations);
    if (status)
        return status;
    char shape[128];
    npy_shape_text(&a, shape, sizeof shape);
    if (a.ndim < 3 || a.ndim > 5)
        status = fail_at(EXIT_DATA, activations, 1, 1,
                         "expected activations of shape (N, C, d1[, d2[, d3]]) or (N, d1[, ...], C), found %s", shape);
    for (size_t i = 0; i < a.ndim && !status; i++)
        if (a.shape[i] == 0)
            status = fail_at(EXIT_DATA, activations, 1, 1, "expected no empty axis, found shape %s", shape);
    if (!status && a.kind != 'f')
        status = fail_at(EXIT_DATA, activations, 1, 1, "expected float activations (<f4 or <f8), found an integer array");
    if (!status && gradients && (status = npy_open(&g, gradients)) == 0) {
        char gshape[128];
        npy_shape_text(&g, gshape, sizeof gshape);
        bool same = g.ndim == a.ndim && memcmp(g.shape, a.shape, a.ndim * sizeof *a.shape) == 0;
        if (!same)
            status = fail_at(EXIT_DATA, gradients, 1, 1, "expected the activations' shape %s, found %s", shape, gshape);
        else if (g.kind != 'f')
            status = fail_at(EXIT_DATA, gradients, 1, 1, "expected float gradients (<f4 or <f8), found an integer array");
    }
    if (!status) {
        t->batch = a.shape[0];
        t->ndim = a.ndim - 2;
        bool first = layout == TRM_LAYOUT_CHANNELS_FIRST;
        t->channels = first ? a.shape[1] : a.shape[a.ndim - 1];
        for (size_t i = 0; i < t->ndim; i++)
            t->spatial[i] = a.shape[(first ? 2 : 1) + i];
        status = load_floats(&a, &t->activations);
    }
    if (!status && gradients)
        status = load_floats(&g, &t->gradients);
    npy_close(&a);
    npy_close(&g);
    if (status)
        cam_tensors_free(t);
    return status;
}

void cam_tensors_free(struct cam_tensors *t)
{
    free(t->activations);
    free(t->gradients);
    *t = (struct cam_tensors){ 0 };
}

int cam_tensors_maps(const struct cam_tensors *t, const struct cam_settings *s, float **maps, size_t *map_size)
{
    trm_cam *cam = NULL;
    int status = trm_cam_new(&cam, s->method, NULL);
    if (!status)
        status = trm_cam_set_layout(cam, t->layout);
    if (!status)
        status = trm_cam_set_relu(cam, s->relu);
    if (!status)
        status = trm_cam_set_normalize(cam, !s->normalize               ? TRM_CAM_NORMALIZE_NONE
                                            : s->normalize_after_resize ? TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE
                                                                        : TRM_CAM_NORMALIZE_MINMAX);
    if (!status && s->out_ndim)
        status = trm_cam_set_output_shape(cam, s->out_ndim, s->out_dims);
    if (!status)
        status = trm_cam_output_size(cam, t->ndim, t->spatial, map_size);
    if (!status) {
        *maps = xmalloc(t->batch * *map_size * sizeof **maps);
        status = trm_cam_compute_f32(cam, t->activations, t->gradients, t->batch, t->channels, t->ndim, t->spatial,
                                     *maps);
        if (status) {
            free(*maps);
            *maps = NULL;
        }
    }
    trm_cam_free(cam);
    return status ? fail_library(status, "computing the maps") : 0;
}
