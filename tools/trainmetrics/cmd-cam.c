/* SPDX-License-Identifier: MIT */
/* trainmetrics cam: maps to .npy, a 2-D map to a PNG heatmap or overlay, and
 * 1-D maps (spectra) as band-importance values on stdout. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cammaps.h"
#include "commands.h"
#include "image.h"
#include "npy.h"

static int colormap_by_name(const char *name)
{
    static const char *const names[] = { "jet", "viridis", "inferno", "gray", "turbo" };
    static const int maps[] = { TRM_COLORMAP_JET, TRM_COLORMAP_VIRIDIS, TRM_COLORMAP_INFERNO, TRM_COLORMAP_GRAY,
                                TRM_COLORMAP_TURBO };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i], name) == 0)
            return maps[i];
    return -1;
}

/* "224x224", "351" or "16x16x16". */
static bool parse_size(const char *text, struct cam_settings *s)
{
    s->out_ndim = 0;
    const char *at = text;
    while (*at && s->out_ndim < 3) {
        char *end;
        unsigned long v = strtoul(at, &end, 10);
        if (end == at || v == 0 || v > 1u << 16)
            return false;
        s->out_dims[s->out_ndim++] = v;
        if (*end == 'x')
            end++;
        else if (*end)
            return false;
        at = end;
    }
    return !*at && s->out_ndim > 0;
}

/* One 2-D map as a PNG: colored, or over an image of the same size. */
static int write_png(const char *path, const float *map, size_t height, size_t width, int colormap,
                     const struct rgb_image *background, float image_weight)
{
    struct rgb_image out = { .width = width, .height = height, .pixels = xmalloc(width * height * 3) };
    int status = background ? trm_cam_overlay_rgb8(background->pixels, map, width * height, colormap, image_weight,
                                                   out.pixels)
                            : trm_colormap_apply(map, width * height, colormap, out.pixels);
    status = status ? fail_library(status, path) : png_write_rgb(path, &out);
    free(out.pixels);
    return status;
}

/* Band-importance values: one row per position, one column per sample. */
static int print_bands(const float *maps, size_t batch, size_t length, const char *axis_path)
{
    struct strings axis = { 0 };
    int status = axis_path ? strings_read_lines(&axis, axis_path) : 0;
    if (!status && axis_path && axis.n != length)
        status = fail_at(EXIT_DATA, axis_path, axis.n < length ? axis.n + 1 : length + 1, 1,
                         "expected %zu axis values, one per map position, found %zu", length, axis.n);
    if (!status) {
        printf("%s", axis_path ? "axis" : "position");
        for (size_t i = 0; i < batch; i++)
            printf(",sample_%zu", i);
        putchar('\n');
        for (size_t p = 0; p < length; p++) {
            if (axis_path)
                printf("%s", axis.items[p]);
            else
                printf("%zu", p);
            for (size_t i = 0; i < batch; i++)
                printf(",%.9g", maps[i * length + p]);
            putchar('\n');
        }
    }
    strings_free(&axis);
    return status;
}

int command_cam(int argc, char **argv)
{
    enum { ACTIVATIONS = 256, GRADIENTS, METHOD, LAYOUT, SIZE, NO_RELU, NO_NORMALIZE, PNG, IMAGE, SAMPLE, COLORMAP,
           AXIS, IMAGE_WEIGHT, NORMALIZE_AFTER_RESIZE };
    static const struct option options[] = {
        { "activations", required_argument, NULL, ACTIVATIONS },
        { "gradients", required_argument, NULL, GRADIENTS },
        { "method", required_argument, NULL, METHOD },
        { "layout", required_argument, NULL, LAYOUT },
        { "size", required_argument, NULL, SIZE },
        { "no-relu", no_argument, NULL, NO_RELU },
        { "no-normalize", no_argument, NULL, NO_NORMALIZE },
        { "normalize-after-resize", no_argument, NULL, NORMALIZE_AFTER_RESIZE },
        { "output", required_argument, NULL, 'o' },
        { "png", required_argument, NULL, PNG },
        { "image", required_argument, NULL, IMAGE },
        { "image-weight", required_argument, NULL, IMAGE_WEIGHT },
        { "sample", required_argument, NULL, SAMPLE },
        { "colormap", required_argument, NULL, COLORMAP },
        { "axis", required_argument, NULL, AXIS },
        { 0 },
    };
    const char *activations = NULL, *gradients = NULL, *output = NULL, *png = NULL, *image_path = NULL,
               *axis = NULL;
    struct cam_settings s = { .method = TRM_CAM_GRADCAM, .relu = true, .normalize = true };
    int layout = TRM_LAYOUT_CHANNELS_FIRST, colormap = TRM_COLORMAP_JET;
    long long sample = 0;
    double image_weight = 0.5;
    int status = 0, opt;
    optind = 1;
    opterr = 0;
    while (!status && (opt = getopt_long(argc, argv, ":o:", options, NULL)) != -1) {
        switch (opt) {
        case ACTIVATIONS: activations = optarg; break;
        case GRADIENTS: gradients = optarg; break;
        case METHOD:
            if ((s.method = cam_method_by_name(optarg)) < 0)
                status = usage_error("cam", "--method: expected one of %s, found '%s'", cam_method_names(), optarg);
            break;
        case LAYOUT:
            if (strcmp(optarg, "channels-first") == 0)
                layout = TRM_LAYOUT_CHANNELS_FIRST;
            else if (strcmp(optarg, "channels-last") == 0)
                layout = TRM_LAYOUT_CHANNELS_LAST;
            else
                status = usage_error("cam", "--layout: expected channels-first or channels-last, found '%s'", optarg);
            break;
        case SIZE:
            if (!parse_size(optarg, &s))
                status = usage_error("cam", "--size: expected sizes such as 224x224 or 351, found '%s'", optarg);
            break;
        case NO_RELU: s.relu = false; break;
        case NO_NORMALIZE: s.normalize = false; break;
        case NORMALIZE_AFTER_RESIZE: s.normalize_after_resize = true; break;
        case 'o': output = optarg; break;
        case PNG: png = optarg; break;
        case IMAGE: image_path = optarg; break;
        case IMAGE_WEIGHT:
            if (!parse_double(optarg, &image_weight) || image_weight < 0 || image_weight > 1)
                status = usage_error("cam", "--image-weight: expected 0..1, found '%s'", optarg);
            break;
        case SAMPLE:
            if (!parse_long(optarg, &sample) || sample < 0)
                status = usage_error("cam", "--sample: expected a sample index, found '%s'", optarg);
            break;
        case COLORMAP:
            if ((colormap = colormap_by_name(optarg)) < 0)
                status = usage_error("cam", "--colormap: expected jet, viridis, inferno, gray or turbo, found '%s'", optarg);
            break;
        case AXIS: axis = optarg; break;
        case ':': status = usage_error("cam", "%s needs a value", argv[optind - 1]); break;
        default: status = usage_error("cam", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (status)
        return status;
    if (optind != argc)
        return usage_error("cam", "unexpected argument '%s'", argv[optind]);
    if (!activations)
        return usage_error("cam", "--activations is required");
    if (!s.normalize && s.normalize_after_resize)
        return usage_error("cam", "--normalize-after-resize and --no-normalize contradict each other");
    if (!gradients && s.method != TRM_CAM_EIGENCAM)
        return usage_error("cam", "--gradients is required for every method but eigencam");
    if (image_path && !png)
        return usage_error("cam", "--image is drawn into the --png output; give --png OUT.png");

    struct rgb_image background = { 0 };
    if (image_path && (status = png_read_rgb(image_path, &background)) != 0)
        return status;
    struct cam_tensors t;
    if ((status = cam_tensors_load(&t, activations, s.method == TRM_CAM_EIGENCAM ? NULL : gradients, layout)) != 0) {
        free(background.pixels);
        return status;
    }
    if (image_path && !s.out_ndim) {
        s.out_ndim = 2;
        s.out_dims[0] = background.height;
        s.out_dims[1] = background.width;
    }
    if (s.out_ndim && s.out_ndim != t.ndim)
        status = usage_error("cam", "--size has %zu sizes but the maps have %zu spatial axes", s.out_ndim, t.ndim);
    else if (png && t.ndim != 2)
        status = usage_error("cam", "--png needs 2-D maps; these have %zu spatial axes", t.ndim);
    else if (png && (size_t)sample >= t.batch)
        status = usage_error("cam", "--sample %lld: the batch has %zu samples", sample, t.batch);
    else if (!output && !png && t.ndim != 1)
        status = usage_error("cam", "give -o MAPS.npy or --png OUT.png for %zu-D maps", t.ndim);
    size_t dims[2] = { s.out_ndim ? s.out_dims[0] : t.spatial[0], s.out_ndim > 1 ? s.out_dims[1] : t.spatial[1] };
    if (!status && image_path && (dims[0] != background.height || dims[1] != background.width))
        status = usage_error("cam", "--size %zux%zu differs from the image's %zux%zu", dims[0], dims[1],
                             background.height, background.width);
    /* Refuse maps that would not fit before computing them (a GiB of floats). */
    double floats = (double)t.batch;
    for (size_t i = 0; i < t.ndim; i++)
        floats *= (double)(s.out_ndim ? s.out_dims[i] : t.spatial[i]);
    if (!status && floats > (double)(1u << 28))
        status = usage_error("cam", "the maps would hold %.0f floats (%.1f GiB); ask for a smaller --size", floats,
                             floats * 4 / (1u << 30));
    /* Every output must be creatable before the first is written. */
    if (!status && output)
        status = outfile_probe(output);
    if (!status && png)
        status = outfile_probe(png);
    float *maps = NULL;
    size_t map_size = 0;
    if (!status)
        status = cam_tensors_maps(&t, &s, &maps, &map_size);
    if (!status && output) {
        size_t shape[4] = { t.batch };
        for (size_t i = 0; i < t.ndim; i++)
            shape[1 + i] = s.out_ndim ? s.out_dims[i] : t.spatial[i];
        status = npy_write_f32(output, 1 + t.ndim, shape, maps);
    }
    if (!status && png)
        status = write_png(png, maps + (size_t)sample * map_size, dims[0], dims[1], colormap,
                           image_path ? &background : NULL, (float)image_weight);
    if (!status && !output && !png)
        status = print_bands(maps, t.batch, map_size, axis);
    free(maps);
    free(background.pixels);
    cam_tensors_free(&t);
    return status;
}
