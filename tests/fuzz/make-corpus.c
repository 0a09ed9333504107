/* SPDX-License-Identifier: MIT */
/* Writes the seed corpora of the fuzz harnesses:
 *   make-corpus OUTDIR
 * creates OUTDIR/fuzz-deserialize-<handle>/ with, for a few states of each
 * handle type, the valid blob, its bare body (the harness also wraps its input
 * in a correct envelope), a truncated copy and a copy with one byte changed;
 * and OUTDIR/fuzz-api-sequence/ with programs from a fixed pseudo-random
 * generator. Build it against the library, e.g.
 *   cc -Iinclude -Ibuild/include tests/fuzz/make-corpus.c build/lib/libtrainmetrics.a -lm
 * The output is deterministic. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <trainmetrics/trainmetrics.h>

#include "fuzz-common.h"

static const char *outdir;

static void check(int rc, const char *what)
{
    if (rc != TRM_OK) {
        fprintf(stderr, "make-corpus: %s returned %d: %s\n", what, rc, trm_last_error());
        exit(1);
    }
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "make-corpus: mkdir %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void write_file(const char *harness, const char *name, const uint8_t *data, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, harness);
    make_dir(path);
    snprintf(path, sizeof path, "%s/%s/%s", outdir, harness, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "make-corpus: cannot write %s\n", path);
        exit(1);
    }
}

/* The valid blob, its body, a truncation and a one-byte change. */
static void write_variants(const char *harness, const char *state, const uint8_t *blob, size_t size)
{
    char name[256];
    snprintf(name, sizeof name, "%s-valid", state);
    write_file(harness, name, blob, size);
    snprintf(name, sizeof name, "%s-body", state);
    write_file(harness, name, blob + 8, size - 12);
    snprintf(name, sizeof name, "%s-truncated", state);
    write_file(harness, name, blob, size / 2);
    uint8_t *damaged = malloc(size);
    memcpy(damaged, blob, size);
    damaged[size / 3] ^= 0x5a;
    snprintf(name, sizeof name, "%s-damaged", state);
    write_file(harness, name, damaged, size);
    free(damaged);
}

/* The format-1 blob of a kind whose format 2 inserted one u64 at body offset
 * `at` (loss: its ignore label at 24, calibration: at 32), so that the
 * harness starts from the older layout too. */
static void write_format_1(const char *harness, const char *state, const uint8_t *blob, size_t size, size_t at)
{
    uint8_t *old = malloc(size);
    memcpy(old, blob, 8 + at);
    memcpy(old + 8 + at, blob + 16 + at, size - 16 - at);
    old[4] = 1;
    old[5] = 0;
    blob_reseal(old, size - 8);
    char name[256];
    snprintf(name, sizeof name, "%s-format1", state);
    write_file(harness, name, old, size - 8);
    free(old);
}

#define EMIT_FORMAT_1(X, harness, state, h, at)                                      \
    do {                                                                             \
        size_t size_ = 0;                                                            \
        uint8_t *blob_ = fuzz_snapshot_##X((h), &size_);                             \
        write_format_1(harness, state, blob_, size_, at);                            \
        free(blob_);                                                                 \
    } while (0)

FUZZ_DEFINE_SNAPSHOT(confusion)
FUZZ_DEFINE_SNAPSHOT(topk)
FUZZ_DEFINE_SNAPSHOT(multilabel)
FUZZ_DEFINE_SNAPSHOT(regression)
FUZZ_DEFINE_SNAPSHOT(overfit)
FUZZ_DEFINE_SNAPSHOT(loss)
FUZZ_DEFINE_SNAPSHOT(ranking)
FUZZ_DEFINE_SNAPSHOT(calibration)
FUZZ_DEFINE_SNAPSHOT(sparse_confusion)

/* The variants of handle h's blob, for the harness of its type. */
#define EMIT(X, harness, state, h)                                                   \
    do {                                                                             \
        size_t size_ = 0;                                                            \
        uint8_t *blob_ = fuzz_snapshot_##X((h), &size_);                             \
        write_variants(harness, state, blob_, size_);                                \
        free(blob_);                                                                 \
    } while (0)

static void confusion_seeds(void)
{
    const char *h = "fuzz-deserialize-confusion";
    trm_confusion *cm;
    check(trm_confusion_new(&cm, 1, 0, NULL), "new");
    EMIT(confusion, h, "k1-empty", cm);
    trm_confusion_free(cm);

    int32_t t[] = { 0, 1, 2, 2, 1, 0, 2 }, p[] = { 0, 2, 2, 1, 1, 0, 0 };
    check(trm_confusion_new(&cm, 3, 0, NULL), "new");
    check(trm_confusion_update_i32(cm, t, p, 7), "update");
    EMIT(confusion, h, "k3-counts", cm);
    check(trm_confusion_set_ignore_label(cm, -1), "ignore");
    EMIT(confusion, h, "k3-ignore", cm);
    trm_confusion_free(cm);

    double w[] = { 0.5, 1, 2, 0.25, 3, 1e-3, 7 };
    check(trm_confusion_new(&cm, 3, TRM_CONFUSION_WEIGHTED, NULL), "new");
    check(trm_confusion_update_weighted_i32(cm, t, p, w, 7), "update");
    check(trm_confusion_set_ignore_label(cm, 1), "ignore");
    EMIT(confusion, h, "k3-weighted", cm);
    trm_confusion_free(cm);

    /* format 2: class 2 occurs only at weight 0 (small: a large K would slow
     * every execution of the harness; check-serialize covers two words) */
    double w0[] = { 1, 0, 0.5 };
    check(trm_confusion_new(&cm, 3, TRM_CONFUSION_WEIGHTED, NULL), "new");
    int32_t zt[] = { 0, 2, 1 }, zp[] = { 1, 2, 1 };
    check(trm_confusion_update_weighted_i32(cm, zt, zp, w0, 3), "update");
    EMIT(confusion, h, "k3-zero-weight-class", cm);
    trm_confusion_free(cm);

    float s[] = { 0.1f, 0.9f, -2, 3, 0.5f, 0.4f };
    int32_t bt[] = { 0, 1, 1, 0, 1, 0 };
    check(trm_confusion_new(&cm, 2, 0, NULL), "new");
    check(trm_confusion_update_threshold_f32(cm, bt, s, 6, 0.5f), "update");
    EMIT(confusion, h, "k2-binary", cm);
    trm_confusion_free(cm);
}

static void topk_seeds(void)
{
    const char *h = "fuzz-deserialize-topk";
    trm_topk *t;
    check(trm_topk_new(&t, 1, 1, NULL), "new");
    EMIT(topk, h, "k1-empty", t);
    trm_topk_free(t);
    check(trm_topk_new(&t, 4, 3, NULL), "new");
    int32_t y[] = { 0, 3, 2 };
    float s[] = { 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 5, 0 };
    check(trm_topk_update_f32(t, y, s, 3, 4), "update");
    EMIT(topk, h, "k4-max3", t);
    trm_topk_free(t);
}

static void multilabel_seeds(void)
{
    const char *h = "fuzz-deserialize-multilabel";
    trm_multilabel *m;
    check(trm_multilabel_new(&m, 1, NULL), "new");
    EMIT(multilabel, h, "l1-empty", m);
    trm_multilabel_free(m);
    check(trm_multilabel_new(&m, 3, NULL), "new");
    uint8_t yt[] = { 1, 0, 1, 0, 0, 0, 1, 1, 1 }, yp[] = { 1, 1, 0, 0, 0, 1, 1, 1, 1 };
    check(trm_multilabel_update_u8(m, yt, yp, 3), "update");
    EMIT(multilabel, h, "l3-counts", m);
    trm_multilabel_free(m);
}

static void regression_seeds(void)
{
    const char *h = "fuzz-deserialize-regression";
    trm_regression *r;
    check(trm_regression_new(&r, 1, NULL), "new");
    EMIT(regression, h, "m1-empty", r);
    double a[] = { 1, 2, 3 }, b[] = { 1.5, 2, 2 };
    check(trm_regression_update_f64(r, a, b, 3), "update");
    EMIT(regression, h, "m1-three", r);
    trm_regression_free(r);
    check(trm_regression_new(&r, 3, NULL), "new");
    double c[] = { 0, 0, 0, 1, 2, 3 }, d[] = { 0, 0, 0, 3, 2, 1 };
    check(trm_regression_update_f64(r, c, d, 2), "update");
    EMIT(regression, h, "m3-two", r);
    trm_regression_free(r);
}

static void overfit_seeds(void)
{
    const char *h = "fuzz-deserialize-overfit";
    trm_overfit *o;
    check(trm_overfit_new(&o, NULL), "new");
    EMIT(overfit, h, "default-empty", o);
    double tr[] = { 2, 1.5, 1.2, 1.0, 0.9, 0.8, 0.7, 0.65, 0.6, 0.55 };
    double va[] = { 2.1, 1.7, 1.4, 1.3, 1.35, 1.4, 1.5, 1.6, 1.7, 1.9 };
    check(trm_overfit_push_many(o, tr, va, 10), "push");
    EMIT(overfit, h, "default-ten", o);
    trm_overfit_free(o);
    check(trm_overfit_new(&o, NULL), "new");
    check(trm_overfit_preset(o, TRM_PRESET_LIGHTNING), "preset");
    check(trm_overfit_set_mode(o, TRM_MODE_MAX), "mode");
    check(trm_overfit_set_thresholds(o, 0.99, 0.1), "thresholds");
    check(trm_overfit_set_warmup(o, 2), "warmup");
    double acc_t[] = { 0.5, 0.6, 0.7, 0.8 }, acc_v[] = { 0.5, 0.55, 0.0 / 0.0, 0.5 };
    check(trm_overfit_push_many(o, acc_t, acc_v, 4), "push");
    EMIT(overfit, h, "lightning-max", o);
    trm_overfit_free(o);
    check(trm_overfit_new(&o, NULL), "new");
    check(trm_overfit_set_criteria(o, TRM_CRIT_GL | TRM_CRIT_PQ | TRM_CRIT_UP), "criteria");
    check(trm_overfit_set_pq(o, 0.5, 3), "pq");
    check(trm_overfit_set_up(o, 2, 3), "up");
    check(trm_overfit_set_gl(o, 2), "gl");
    check(trm_overfit_push_many(o, tr, va, 7), "push");
    EMIT(overfit, h, "prechelt", o);
    trm_overfit_free(o);
    /* the options of format 2; the committed format1-* seeds keep format 1 */
    check(trm_overfit_new(&o, NULL), "new");
    check(trm_overfit_preset(o, TRM_PRESET_KERAS), "preset");
    check(trm_overfit_set_patience(o, 2, 0.01, 0.0), "patience");
    check(trm_overfit_set_warmup(o, 1), "warmup");
    check(trm_overfit_set_start_from_epoch(o, 3), "start_from_epoch");
    check(trm_overfit_set_baseline(o, 1.2), "baseline");
    check(trm_overfit_push_many(o, tr, va, 9), "push");
    EMIT(overfit, h, "keras-start-baseline", o);
    trm_overfit_free(o);
}

static void loss_seeds(void)
{
    const char *h = "fuzz-deserialize-loss";
    trm_loss *l;
    check(trm_loss_new(&l, TRM_LOSS_CROSS_ENTROPY, 3, NULL), "new");
    EMIT(loss, h, "ce3-empty", l);
    int32_t y[] = { 2, 0, 1 };
    double x[] = { 1, 2, 3, 1000, 0, -1000, 0, 0, 0 }, w[] = { 1, 0.5, 2 };
    check(trm_loss_update_logits_f64(l, y, x, 3, 3, w), "update");
    EMIT(loss, h, "ce3-weighted", l);
    EMIT_FORMAT_1(loss, h, "ce3-weighted", l, 24);
    trm_loss_free(l);
    check(trm_loss_new(&l, TRM_LOSS_BRIER, 2, NULL), "new");
    double p[] = { 0.1, 0.9, 0.8, 0.3 };
    int32_t yb[] = { 0, 1, 1, 0 };
    check(trm_loss_update_probs_binary_f64(l, yb, p, 4, NULL), "update");
    EMIT(loss, h, "brier2", l);
    EMIT_FORMAT_1(loss, h, "brier2", l, 24);
    trm_loss_free(l);
    check(trm_loss_new(&l, TRM_LOSS_BINARY_CROSS_ENTROPY, 2, NULL), "new");
    float t[] = { 1, 0, 0.5f, 1 }, z[] = { 0, 0, 2, -1 };
    check(trm_loss_update_binary_logits_f32(l, t, z, 2, NULL), "update");
    EMIT(loss, h, "bce2", l);
    trm_loss_free(l);
}

static void ranking_seeds(void)
{
    const char *h = "fuzz-deserialize-ranking";
    trm_ranking *r;
    int32_t y[] = { 0, 1, 1, 0, 1 };
    double s[] = { 0.1, 0.4, 0.35, 0.8, 0.4 }, w[] = { 1, 2, 0, 0.5, 1 };
    check(trm_ranking_new(&r, TRM_RANKING_BINARY, 1, NULL), "new");
    EMIT(ranking, h, "exact-empty", r);
    check(trm_ranking_update_weighted_f64(r, y, s, w, 5), "update");
    EMIT(ranking, h, "exact-binary", r);
    trm_ranking_free(r);
    int32_t k[] = { 0, 2, 1 };
    float rows[] = { 0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f, 0.3f, 0.3f, 0.4f };
    check(trm_ranking_new(&r, TRM_RANKING_MULTICLASS, 3, NULL), "new");
    check(trm_ranking_update_f32(r, k, rows, 3), "update");
    EMIT(ranking, h, "exact-multiclass", r);
    trm_ranking_free(r);
    int32_t ml[] = { 1, 0, 0, 0, 1, 1 };
    check(trm_ranking_new_binned(&r, TRM_RANKING_MULTILABEL, 2, 5, NULL, NULL), "new");
    check(trm_ranking_update_f64(r, ml, s, 3), "update");
    EMIT(ranking, h, "binned-multilabel", r);
    trm_ranking_free(r);
    double grid[] = { -1, 0, 0.25, 2 };
    check(trm_ranking_new_binned(&r, TRM_RANKING_MULTICLASS, 3, 4, grid, NULL), "new");
    check(trm_ranking_update_f32(r, k, rows, 3), "update");
    EMIT(ranking, h, "binned-multiclass", r);
    trm_ranking_free(r);
}

/* splitmix64, so the programs are the same on every machine */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void api_programs(void)
{
    static const size_t lengths[] = { 16, 64, 200, 512, 1024, 2048, 4096, 4096 };
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        uint8_t buf[4096];
        for (size_t j = 0; j < lengths[i]; j++)
            buf[j] = (uint8_t)next_random();
        char name[64];
        snprintf(name, sizeof name, "random-%02zu", i);
        write_file("fuzz-api-sequence", name, buf, lengths[i]);
    }
    /* every opcode once, with small arguments */
    uint8_t each[2048];
    size_t n = 0;
    for (unsigned op = 0; op < 256 && n + 8 <= sizeof each; op++) {
        each[n++] = (uint8_t)op;
        for (int j = 0; j < 7; j++)
            each[n++] = (uint8_t)(next_random() & 0x0f);
    }
    write_file("fuzz-api-sequence", "every-op", each, n);
    /* Ablation-CAM with ratio 100/255 on 5 channels of 4 positions: it ranks
     * the channels and ablates 2 of them; weights, then maps */
    uint8_t ablation[2 + 2 + 2 * 32];
    size_t k = 0;
    ablation[k++] = 66, ablation[k++] = TRM_CAM_ABLATIONCAM;
    ablation[k++] = 108, ablation[k++] = 100;
    for (int pass = 0; pass < 2; pass++) {
        ablation[k++] = (uint8_t)(109 + pass);
        const uint8_t shape[6] = { 1, 5, 1, 0, 4, 1 }; /* batch, channels, ndim, inputs' channels, sizes */
        for (size_t j = 0; j < 6; j++)
            ablation[k++] = shape[j];
        for (size_t j = 0; j < 20; j++) /* activations (int8) / 16 */
            ablation[k++] = (uint8_t)((j * 37) % 97);
        const uint8_t model[5] = { 0, 0, 3, 0, 1 }; /* no failure, bias 3, inputs given */
        for (size_t j = 0; j < 5; j++)
            ablation[k++] = model[j];
    }
    write_file("fuzz-api-sequence", "ablation-ratio", ablation, k);
    /* Grad-CAM maps of 2 x 3 x 2 zoomed to 5 x 4 x 6 with the cubic spline */
    uint8_t spline[15 + 1 + 48 + 1];
    k = 0;
    const uint8_t setup[15] = { 70, 3, 5, 4, 6, 0, 1, 111, 1, 72, 1, 2, 3, 2, 3 };
    for (size_t j = 0; j < 15; j++)
        spline[k++] = setup[j];
    spline[k++] = 2; /* the third spatial size */
    for (size_t j = 0; j < 48; j++) /* activations and gradients, interleaved, (int8) / 16 */
        spline[k++] = (uint8_t)((j * 29) % 89);
    spline[k++] = 1; /* gradients given */
    write_file("fuzz-api-sequence", "cubic-spline", spline, k);
}

static void calibration_seeds(void)
{
    const char *h = "fuzz-deserialize-calibration";
    trm_calibration *c;
    check(trm_calibration_new(&c, 1, 1, NULL), "new");
    EMIT(calibration, h, "binary-1bin-empty", c);
    trm_calibration_free(c);
    check(trm_calibration_new(&c, 4, 1, NULL), "new");
    int32_t y[] = { 0, 1, 1, 0, 1 };
    double s[] = { 0.0, 0.25, 1.0, 0.6, 0.99 };
    check(trm_calibration_update_binary_f64(c, y, s, 5), "update");
    check(trm_calibration_set_input(c, TRM_CALIBRATION_AUTO), "input");
    EMIT(calibration, h, "binary-4bins", c);
    EMIT_FORMAT_1(calibration, h, "binary-4bins", c, 32);
    trm_calibration_free(c);
    check(trm_calibration_new(&c, 5, 3, NULL), "new");
    int32_t ym[] = { 0, 2, 1 };
    float sm[] = { 2.0f, -1.0f, 0.5f, 0.1f, 0.2f, 3.0f, 0.0f, 0.0f, 0.0f };
    check(trm_calibration_set_input(c, TRM_CALIBRATION_LOGITS), "input");
    check(trm_calibration_update_multiclass_f32(c, ym, sm, 3, 3), "update");
    EMIT(calibration, h, "multiclass-k3-logits", c);
    EMIT_FORMAT_1(calibration, h, "multiclass-k3-logits", c, 32);
    trm_calibration_free(c);
}

/* Empty, unweighted with an ignore label, weighted with a zero weight. */
static void sparse_seeds(void)
{
    const char *h = "fuzz-deserialize-sparse";
    static const int32_t t[] = { 0, 0, 2, 2, 1, 2, 4, 3 }, p[] = { 0, 2, 1, 1, 0, 2, 3, 4 };
    static const double w[] = { 0.5, 2.25, 0.25, 3.0, 1.0, 0.0, 1.5, 0.125 };
    trm_sparse_confusion *cm;
    check(trm_sparse_confusion_new(&cm, 1, 0, NULL), "new");
    EMIT(sparse_confusion, h, "k1-empty", cm);
    trm_sparse_confusion_free(cm);
    check(trm_sparse_confusion_new(&cm, 5, 0, NULL), "new");
    check(trm_sparse_confusion_set_ignore_label(cm, 1), "ignore");
    check(trm_sparse_confusion_update_i32(cm, t, p, 8), "update");
    EMIT(sparse_confusion, h, "k5-ignore1", cm);
    trm_sparse_confusion_free(cm);
    check(trm_sparse_confusion_new(&cm, 5, TRM_CONFUSION_WEIGHTED, NULL), "new");
    check(trm_sparse_confusion_update_weighted_i32(cm, t, p, w, 8), "update");
    EMIT(sparse_confusion, h, "k5-weighted", cm);
    trm_sparse_confusion_free(cm);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    make_dir(outdir);
    confusion_seeds();
    topk_seeds();
    multilabel_seeds();
    regression_seeds();
    overfit_seeds();
    loss_seeds();
    ranking_seeds();
    calibration_seeds();
    sparse_seeds();
    api_programs();
    return 0;
}
