/* SPDX-License-Identifier: MIT */
/* Colormaps and the heat-map overlay: a validation pass over the values, then a
 * table lookup at floor(255 v) per value. The tables are generated once by
 * tools/gen-colormaps.py and committed. */
#include "fp-private.h"
#include <float.h>
#include <math.h>

#include "colormap-tables.h"
#include "common-private.h"
#include "trainmetrics/cam.h"

/* Rounding of the double arithmetic of the overlay can leave an exact integer
 * result such as 255 * (128/255) just below 128; values this close below an
 * integer count as that integer, so floor() does not take the one below. */
#define FLOOR_SLACK 1e-9

typedef const uint8_t (*color_table)[3];

static color_table table_of(int colormap)
{
    switch (colormap) {
    case TRM_COLORMAP_JET: return jet_table;
    case TRM_COLORMAP_VIRIDIS: return viridis_table;
    case TRM_COLORMAP_INFERNO: return inferno_table;
    case TRM_COLORMAP_GRAY: return gray_table;
    case TRM_COLORMAP_TURBO: return turbo_table;
    default: return NULL;
    }
}

static int check_values(const char *func, const char *name, const float *values, size_t n)
{
    for (size_t start = 0; start < n; start = trm__block_end(start, n)) {
        size_t end = trm__block_end(start, n);
        unsigned bad = 0;
        for (size_t i = start; i < end; i++)
            bad |= trm__not_finite_f32(values[i]);
        for (size_t i = start; bad && i < end; i++)
            if (trm__not_finite_f32(values[i]))
                return trm__fail(TRM_E_NONFINITE, func, "%s[%zu] = %g is not finite", name, i,
                                 (double)values[i]);
    }
    return TRM_OK;
}

/* The checks both public functions share, in the order they report. */
static int check_call(const char *func, const float *values, const char *name, size_t n, int colormap)
{
    size_t bytes;
    if (table_of(colormap) == NULL)
        return trm__fail(TRM_E_INVALID, func, "unknown colormap %d", colormap);
    if (trm__mul_overflows(n, 3, &bytes))
        return trm__fail(TRM_E_OVERFLOW, func, "3 * %zu color bytes overflow size_t", n);
    return check_values(func, name, values, n);
}

/* floor(255 v) of v clamped to [0, 1]; 255 v is exact in double for a float v. */
static inline size_t index_of(float v)
{
    double x = (double)v;
    if (!(x > 0.0))
        return 0;
    if (x >= 1.0)
        return 255;
    return (size_t)(255.0 * x);
}

int trm_colormap_apply(const float *values, size_t n, int colormap, uint8_t *rgb)
{
    TRM_REQUIRE(values);
    TRM_REQUIRE(rgb);
    int rc = check_call(__func__, values, "values", n, colormap);
    if (rc != TRM_OK)
        return rc;
    color_table table = table_of(colormap);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *color = table[index_of(values[i])];
        rgb[3 * i] = color[0];
        rgb[3 * i + 1] = color[1];
        rgb[3 * i + 2] = color[2];
    }
    return TRM_OK;
}

/* One byte of the blend, in byte units: (1 - w) heat + w image. */
static inline double blend(double heat_weight, double image_weight, uint8_t heat, uint8_t image)
{
    return heat_weight * (double)heat + image_weight * (double)image;
}

int trm_cam_overlay_rgb8(const uint8_t *image_rgb, const float *cam, size_t n_pixels, int colormap,
                         float image_weight, uint8_t *rgb_out)
{
    TRM_REQUIRE(image_rgb);
    TRM_REQUIRE(cam);
    TRM_REQUIRE(rgb_out);
    if (!(image_weight >= 0.0f && image_weight <= 1.0f))
        return TRM_FAIL(TRM_E_INVALID, "image_weight = %g is outside [0, 1]", (double)image_weight);
    int rc = check_call(__func__, cam, "cam", n_pixels, colormap);
    if (rc != TRM_OK)
        return rc;
    color_table table = table_of(colormap);
    double w = (double)image_weight, heat_weight = 1.0 - w;

    /* pytorch-grad-cam divides by the maximum of the blend, so it takes a pass of
     * its own; both passes read the image before a byte of the output, which may
     * be the image itself, is written. */
    double top = 0.0;
    for (size_t i = 0; i < n_pixels; i++) {
        const uint8_t *heat = table[index_of(cam[i])];
        for (size_t k = 0; k < 3; k++)
            top = fmax(top, blend(heat_weight, w, heat[k], image_rgb[3 * i + k]));
    }
    for (size_t i = 0; i < n_pixels; i++) {
        const uint8_t *heat = table[index_of(cam[i])];
        for (size_t k = 0; k < 3; k++) {
            double o = top > 0.0 ? blend(heat_weight, w, heat[k], image_rgb[3 * i + k]) / top : 0.0;
            double scaled = floor(255.0 * o + FLOOR_SLACK);
            rgb_out[3 * i + k] = (uint8_t)(scaled < 255.0 ? scaled : 255.0);
        }
    }
    return TRM_OK;
}
