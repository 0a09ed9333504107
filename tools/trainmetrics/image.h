/* SPDX-License-Identifier: MIT */
/* RGB images: PNG through libpng (when built with it), and the BMP data URIs
 * the page embeds (a format browsers decode without any library here). */
#ifndef TRAINMETRICS_IMAGE_H
#define TRAINMETRICS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

struct rgb_image {
    size_t width, height;
    uint8_t *pixels; /* height x width x 3, rows top to bottom */
};

/* 0, or 64 when built without libpng, 65/66 for a bad or missing file. */
int png_read_rgb(const char *path, struct rgb_image *image);
int png_write_rgb(const char *path, const struct rgb_image *image);

/* Appends "data:image/bmp;base64,..." for the image. */
void bmp_data_uri(struct buf *out, const struct rgb_image *image);

#endif
