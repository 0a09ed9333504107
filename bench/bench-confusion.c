/* SPDX-License-Identifier: MIT */
/* Confusion-matrix update throughput against a read pass over the same bytes.
 * Labels: 80% correct, the rest uniform over the classes. */
#include <trainmetrics/trainmetrics.h>

#include "harness.h"

typedef struct label_case {
    trm_confusion *cm;
    const void *y_true, *y_pred;
    const double *weights;
    const float *scores;
    size_t n;
    int kind; /* which update to call */
} label_case;

/* A per-pixel argmax update of `batch` score maps. */
typedef struct map_case {
    trm_confusion *cm;
    const int32_t *y_true;
    const float *scores;
    size_t batch, pixels;
    int layout;
} map_case;

enum { UPDATE_U8, UPDATE_I32, UPDATE_WEIGHTED_I32, UPDATE_ARGMAX_F32 };

static void run_update(void *context)
{
    label_case *c = context;
    int rc = TRM_OK;
    trm_confusion_reset(c->cm);
    switch (c->kind) {
    case UPDATE_U8: rc = trm_confusion_update_u8(c->cm, c->y_true, c->y_pred, c->n); break;
    case UPDATE_I32: rc = trm_confusion_update_i32(c->cm, c->y_true, c->y_pred, c->n); break;
    case UPDATE_WEIGHTED_I32:
        rc = trm_confusion_update_weighted_i32(c->cm, c->y_true, c->y_pred, c->weights, c->n);
        break;
    default:
        rc = trm_confusion_update_argmax_f32(c->cm, c->y_true, c->scores, c->n, trm_confusion_n_classes(c->cm));
        break;
    }
    if (rc != TRM_OK) {
        fprintf(stderr, "update failed: %s\n", trm_last_error());
        exit(1);
    }
}

static void run_map(void *context)
{
    map_case *c = context;
    trm_confusion_reset(c->cm);
    if (trm_confusion_update_argmax_map_f32(c->cm, c->y_true, c->scores, c->batch, c->pixels, c->layout) != TRM_OK) {
        fprintf(stderr, "update failed: %s\n", trm_last_error());
        exit(1);
    }
}

static void make_labels(int32_t *y_true, int32_t *y_pred, size_t n, size_t k, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        y_true[i] = (int32_t)(bench_random(&seed) % k);
        y_pred[i] = bench_random(&seed) % 5 ? y_true[i] : (int32_t)(bench_random(&seed) % k);
    }
}

/* Times one case and the read pass over its input buffers before and after it. */
static void measure(const bench_options *o, const char *name, label_case *c, const void *const *buffers,
                    const size_t *bytes, int count)
{
    read_pass pass = { buffers, bytes, count, 0 };
    double total = 0.0;
    for (int b = 0; b < count; b++)
        total += (double)bytes[b];
    double before = bench_median(o->repetitions, bench_read_pass, &pass);
    double seconds = bench_median(o->repetitions, run_update, c);
    double after = bench_median(o->repetitions, bench_read_pass, &pass);
    bench_report(o, name, "samples", (double)c->n, seconds, total, before, after);
}

int main(int argc, char **argv)
{
    bench_options o = bench_parse(argc, argv);
    size_t n = o.quick ? (size_t)1 << 16 : (size_t)1 << 24;
    int32_t *t32 = bench_alloc(n * 4), *p32 = bench_alloc(n * 4);
    uint8_t *t8 = bench_alloc(n), *p8 = bench_alloc(n);
    double *weights = bench_alloc(n * 8);
    char name[80];
    /* 2: the binary kernel; 16/17: the edge of the AVX-512 pair kernel
     * (TRM__AVX512_MAX_K); 64/65: the edge of the small-K sub-histograms
     * (TRM__SMALL_CELLS = 64 * 64 cells); 100 and 1000 count in place. */
    static const size_t ks[] = { 2, 10, 16, 17, 64, 65, 100, 1000 };

    for (size_t i = 0; i < n; i++)
        weights[i] = 0.5 + (double)(i % 7);
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        size_t k = ks[ki];
        trm_confusion *cm;
        if (trm_confusion_new(&cm, k, 0, NULL) != TRM_OK)
            return 1;
        make_labels(t32, p32, n, k, 42 + k);
        label_case c = { cm, t32, p32, NULL, NULL, n, UPDATE_I32 };
        snprintf(name, sizeof name, "update_i32 K=%zu", k);
        measure(&o, name, &c, (const void *[]){ t32, p32 }, (const size_t[]){ n * 4, n * 4 }, 2);
        /* u8 labels reach 255: the K = 1000 case exists for i32 only. */
        if (k <= 256) {
            for (size_t i = 0; i < n; i++) {
                t8[i] = (uint8_t)t32[i];
                p8[i] = (uint8_t)p32[i];
            }
            c = (label_case){ cm, t8, p8, NULL, NULL, n, UPDATE_U8 };
            snprintf(name, sizeof name, "update_u8 K=%zu", k);
            measure(&o, name, &c, (const void *[]){ t8, p8 }, (const size_t[]){ n, n }, 2);
        }
        trm_confusion_free(cm);
    }

    trm_confusion *weighted;
    if (trm_confusion_new(&weighted, 10, TRM_CONFUSION_WEIGHTED, NULL) != TRM_OK)
        return 1;
    make_labels(t32, p32, n, 10, 7);
    label_case w = { weighted, t32, p32, weights, NULL, n, UPDATE_WEIGHTED_I32 };
    measure(&o, "update_weighted_i32 K=10", &w, (const void *[]){ t32, p32, weights },
            (const size_t[]){ n * 4, n * 4, n * 8 }, 3);
    trm_confusion_free(weighted);

    /* Argmax rows: the same 2^24 floats of scores whatever K, so the input
     * stays far larger than the caches. */
    /* 7/8: the edge of the AVX2 row kernel (TRM__AVX2_ARGMAX_MIN_K); 40/41:
     * the AVX-512 kernel up to its TRM__AVX512_ARGMAX_MAX_K and the AVX2 one
     * past it; 64, 128, 256: the AVX2 kernel; 1000: many classes. */
    static const size_t argmax_ks[] = { 7, 8, 10, 40, 41, 64, 128, 256, 1000 };
    float *scores = bench_alloc(n * sizeof(float));
    uint64_t seed = 99;
    for (size_t i = 0; i < n; i++)
        scores[i] = (float)(bench_random(&seed) >> 40) * 0x1p-24f;
    for (size_t ki = 0; ki < sizeof argmax_ks / sizeof argmax_ks[0]; ki++) {
        size_t k = argmax_ks[ki], rows = n / k;
        trm_confusion *cm;
        if (trm_confusion_new(&cm, k, 0, NULL) != TRM_OK)
            return 1;
        make_labels(t32, p32, rows, k, 5);
        label_case c = { cm, t32, NULL, NULL, scores, rows, UPDATE_ARGMAX_F32 };
        snprintf(name, sizeof name, "update_argmax_f32 K=%zu", k);
        /* Rows per second; the bound is a read of the scores alone. */
        measure(&o, name, &c, (const void *[]){ scores }, (const size_t[]){ rows * k * sizeof(float) }, 1);
        trm_confusion_free(cm);
    }
    /* Score maps, per-pixel argmax: the same 2^24 floats as 256x256 maps of
     * K planes (channels-first, PyTorch) or K-score pixels (channels-last);
     * K=10 and K=64 have row-argmax counterparts above, K=16 and K=200 are
     * hyperspectral class counts (Indian Pines; a large label set). */
    static const size_t map_ks[] = { 4, 10, 16, 64, 200 };
    size_t pixels = o.quick ? 16 * 16 : 256 * 256; /* quick: K=200 still fills one map */
    for (size_t ki = 0; ki < sizeof map_ks / sizeof map_ks[0]; ki++) {
        size_t k = map_ks[ki], batch = n / (k * pixels);
        trm_confusion *cm;
        if (batch == 0 || trm_confusion_new(&cm, k, 0, NULL) != TRM_OK)
            return 1;
        make_labels(t32, p32, batch * pixels, k, 11);
        for (int layout = TRM_LAYOUT_CHANNELS_FIRST; layout <= TRM_LAYOUT_CHANNELS_LAST; layout++) {
            map_case c = { cm, t32, scores, batch, pixels, layout };
            snprintf(name, sizeof name, "update_argmax_map_f32 K=%zu %s", k,
                     layout == TRM_LAYOUT_CHANNELS_FIRST ? "NCHW" : "NHWC");
            /* Pixels per second; the bound is a read of the scores alone. */
            size_t bytes = batch * pixels * k * sizeof(float);
            read_pass pass = { (const void *[]){ scores }, &bytes, 1, 0 };
            double before = bench_median(o.repetitions, bench_read_pass, &pass);
            double seconds = bench_median(o.repetitions, run_map, &c);
            double after = bench_median(o.repetitions, bench_read_pass, &pass);
            bench_report(&o, name, "pixels", (double)(batch * pixels), seconds, (double)bytes, before, after);
        }
        trm_confusion_free(cm);
    }
    free(t32);
    free(p32);
    free(t8);
    free(p8);
    free(weights);
    free(scores);
    return 0;
}
