/* SPDX-License-Identifier: MIT */
/* PNG in and out through libpng's simplified API; BMP data URIs for the page,
 * written here because a BMP is a header and the pixels. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBPNG
#include <png.h>
#endif

#include "image.h"

#ifdef HAVE_LIBPNG
int png_read_rgb(const char *path, struct rgb_image *image)
{
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&png, path)) {
        FILE *probe = fopen(path, "rb");
        int code = probe ? EXIT_DATA : EXIT_NOINPUT;
        if (probe)
            fclose(probe);
        return fail_at(code, path, 1, 1, "expected a PNG image: %s", png.message);
    }
    png.format = PNG_FORMAT_RGB;
    *image = (struct rgb_image){ .width = png.width, .height = png.height };
    image->pixels = xmalloc(PNG_IMAGE_SIZE(png));
    if (!png_image_finish_read(&png, NULL, image->pixels, 0, NULL)) {
        free(image->pixels);
        *image = (struct rgb_image){ 0 };
        return fail_at(EXIT_DATA, path, 1, 1, "expected a PNG image: %s", png.message);
    }
    return 0;
}

int png_write_rgb(const char *path, const struct rgb_image *image)
{
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)image->width;
    png.height = (png_uint_32)image->height;
    png.format = PNG_FORMAT_RGB;
    struct outfile o;
    int status = outfile_open(&o, path);
    if (status)
        return status;
    if (!png_image_write_to_stdio(&png, o.fp, 0, image->pixels, 0, NULL)) {
        outfile_abort(&o);
        return fail(EXIT_IO, "%s: %s", path, png.message);
    }
    return outfile_commit(&o);
}
#else
int png_read_rgb(const char *path, struct rgb_image *image)
{
    (void)image;
    return fail(EXIT_USAGE, "%s: this trainmetrics was built without PNG support (libpng)", path);
}

int png_write_rgb(const char *path, const struct rgb_image *image)
{
    (void)image;
    return fail(EXIT_USAGE, "%s: this trainmetrics was built without PNG support (libpng)", path);
}
#endif

static void base64(struct buf *out, const uint8_t *data, size_t n)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0) |
                     (i + 2 < n ? data[i + 2] : 0);
        char quad[4] = { digits[v >> 18 & 63], digits[v >> 12 & 63], i + 1 < n ? digits[v >> 6 & 63] : '=',
                         i + 2 < n ? digits[v & 63] : '=' };
        buf_add(out, quad, 4);
    }
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void bmp_data_uri(struct buf *out, const struct rgb_image *image)
{
    /* 24-bit BMP: rows bottom-up, BGR, each padded to 4 bytes. */
    size_t row = (image->width * 3 + 3) & ~(size_t)3;
    size_t size = 54 + row * image->height;
    uint8_t *bmp = xcalloc(size, 1);
    bmp[0] = 'B';
    bmp[1] = 'M';
    put_le(bmp + 2, (uint32_t)size, 4);
    put_le(bmp + 10, 54, 4);
    put_le(bmp + 14, 40, 4);
    put_le(bmp + 18, (uint32_t)image->width, 4);
    put_le(bmp + 22, (uint32_t)image->height, 4);
    put_le(bmp + 26, 1, 2);
    put_le(bmp + 28, 24, 2);
    put_le(bmp + 34, (uint32_t)(row * image->height), 4);
    for (size_t y = 0; y < image->height; y++) {
        const uint8_t *src = image->pixels + (image->height - 1 - y) * image->width * 3;
        uint8_t *dst = bmp + 54 + y * row;
        for (size_t x = 0; x < image->width; x++) {
            dst[3 * x] = src[3 * x + 2];
            dst[3 * x + 1] = src[3 * x + 1];
            dst[3 * x + 2] = src[3 * x];
        }
    }
    buf_printf(out, "data:image/bmp;base64,");
    base64(out, bmp, size);
    free(bmp);
}
