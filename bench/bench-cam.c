/* SPDX-License-Identifier: MIT */
/* Class-activation-map throughput: GB/s of activations + gradients consumed,
 * against a read pass over the same bytes. */
#include <trainmetrics/trainmetrics.h>

#include "harness.h"

typedef struct cam_case {
    trm_cam *cam;
    const float *activations, *gradients;
    size_t batch, channels, ndim, spatial[3];
    float *out;
} cam_case;

static void run_cam(void *context)
{
    cam_case *c = context;
    if (trm_cam_compute_f32(c->cam, c->activations, c->gradients, c->batch, c->channels, c->ndim, c->spatial,
                            c->out) != TRM_OK) {
        fprintf(stderr, "cam failed: %s\n", trm_last_error());
        exit(1);
    }
}

static const char *const method_names[] = { "GRADCAM", "GRADCAM++", "XGRADCAM", "HIRESCAM" };

int main(int argc, char **argv)
{
    bench_options o = bench_parse(argc, argv);
    /* (B, C, spatial...): the last feature maps of common image backbones (7x7,
     * 14x14, 56x56) and a 1-D spectrum of 200 bands; --quick shrinks the batch. */
    static const struct {
        size_t batch, channels, ndim, spatial[3], resized[3];
    } shapes[] = {
        { 32, 2048, 2, { 7, 7 }, { 224, 224 } },
        { 32, 512, 2, { 14, 14 }, { 224, 224 } },
        { 8, 256, 2, { 56, 56 }, { 224, 224 } },
        { 64, 64, 1, { 200 }, { 2000 } },
    };
    static const int methods[] = { TRM_CAM_GRADCAM, TRM_CAM_HIRESCAM, TRM_CAM_GRADCAM_PLUS_PLUS };
    char name[128];
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t batch = o.quick ? 2 : shapes[s].batch, channels = shapes[s].channels, ndim = shapes[s].ndim;
        size_t positions = 1, out_positions = 1;
        for (size_t d = 0; d < ndim; d++) {
            positions *= shapes[s].spatial[d];
            out_positions *= shapes[s].resized[d];
        }
        size_t values = batch * channels * positions;
        float *activations = bench_alloc(values * sizeof(float)), *gradients = bench_alloc(values * sizeof(float));
        float *out = bench_alloc(batch * out_positions * sizeof(float));
        uint64_t seed = 11 + s;
        for (size_t i = 0; i < values; i++) {
            activations[i] = (float)(bench_random(&seed) >> 40) * 0x1p-24f;
            gradients[i] = (float)(bench_random(&seed) >> 40) * 0x1p-23f - 1.0f;
        }
        const void *buffers[2] = { activations, gradients };
        const size_t bytes[2] = { values * sizeof(float), values * sizeof(float) };
        read_pass pass = { buffers, bytes, 2, 0 };
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            for (int layout = 0; layout < 2; layout++) {
                if (layout == TRM_LAYOUT_CHANNELS_LAST && methods[m] != TRM_CAM_GRADCAM)
                    continue;
                for (int resize = 0; resize < 2; resize++) {
                    trm_cam *cam;
                    if (trm_cam_new(&cam, methods[m], NULL) != TRM_OK || trm_cam_set_layout(cam, layout) != TRM_OK ||
                        (resize && trm_cam_set_output_shape(cam, ndim, shapes[s].resized) != TRM_OK))
                        return 1;
                    cam_case c = { cam, activations, gradients, batch, channels, ndim, { 0 }, out };
                    memcpy(c.spatial, shapes[s].spatial, sizeof c.spatial);
                    int used = snprintf(name, sizeof name, "%s %s (%zu,%zu", method_names[methods[m]],
                                        layout ? "channels-last" : "channels-first", batch, channels);
                    for (size_t d = 0; d < ndim; d++)
                        used += snprintf(name + used, sizeof name - (size_t)used, ",%zu", shapes[s].spatial[d]);
                    snprintf(name + used, sizeof name - (size_t)used, ")%s", resize ? " resized" : "");
                    double before = bench_median(o.repetitions, bench_read_pass, &pass);
                    double seconds = bench_median(o.repetitions, run_cam, &c);
                    double after = bench_median(o.repetitions, bench_read_pass, &pass);
                    bench_report(&o, name, "maps", (double)batch, seconds, 2.0 * (double)bytes[0], before, after);
                    trm_cam_free(cam);
                }
            }
        }
        free(activations);
        free(gradients);
        free(out);
    }
    return 0;
}
