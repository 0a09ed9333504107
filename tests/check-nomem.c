/* SPDX-License-Identifier: MIT */
/* Allocation failure, injected at every allocation a scenario makes: each
 * call the failure hits returns TRM_E_NOMEM and leaves its handle as it was
 * (or its output pointer NULL), the same call succeeds once the allocator
 * works again, and nothing leaks. Each scenario is run with the k-th
 * allocation failing, for k = 1, 2, ... until a run makes fewer than k. */
#include <stdio.h>

#include "handles.h"
#include "testutil.h"

/* The blob of h, or nothing for a handle without one (ht NULL: a CAM holds no
 * counts; its state is its settings, which the retry checks). Malloc'ed. */
static uint8_t *state_of(const handle_type *ht, const void *h, size_t *size)
{
    *size = 0;
    if (ht == NULL)
        return NULL;
    size_t need = 0;
    ht->serialize(h, NULL, 0, &need);
    uint8_t *blob = malloc(need ? need : 1);
    ck_assert_ptr_nonnull(blob);
    ck_assert_int_eq(ht->serialize(h, blob, need, size), TRM_OK);
    return blob;
}

static const handle_type *type_named(const char *name)
{
    for (size_t i = 0; i < N_HANDLE_TYPES; i++)
        if (strcmp(handle_types[i].name, name) == 0)
            return &handle_types[i];
    ck_abort_msg("no handle type %s", name);
    return NULL;
}

/* Fails the fail_at-th allocation (counting from 1; 0 never fails). */
typedef struct injector {
    size_t calls, fail_at, injected, live;
} injector;

static void *injector_alloc(void *opaque, size_t size)
{
    injector *inj = opaque;
    if (++inj->calls == inj->fail_at) {
        inj->injected++;
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    inj->live += p != NULL;
    return p;
}

static void injector_free(void *opaque, void *ptr)
{
    injector *inj = opaque;
    inj->live -= ptr != NULL;
    free(ptr);
}

/* A call on handle h (of the type ht describes) that may allocate. */
#define STEP(inj, ht, h, call)                                                                     \
    do {                                                                                           \
        size_t size_, after_size_;                                                                 \
        uint8_t *before_ = state_of((ht), (h), &size_);                                            \
        size_t injected_ = (inj)->injected;                                                        \
        int status_ = (call);                                                                      \
        if (status_ != TRM_OK) {                                                                   \
            ck_assert_msg(status_ == TRM_E_NOMEM && (inj)->injected > injected_,                    \
                          "%s returned %d (%s) at allocation %zu", #call, status_, trm_last_error(), \
                          (inj)->fail_at);                                                         \
            uint8_t *after_ = state_of((ht), (h), &after_size_);                                   \
            ck_assert_msg(after_size_ == size_ && (size_ == 0 || memcmp(after_, before_, size_) == 0), \
                          "%s failed but changed its handle", #call);                              \
            free(after_);                                                                          \
            (inj)->fail_at = 0;                                                                    \
            ck_assert_ok(call);                                                                    \
        }                                                                                          \
        free(before_);                                                                             \
    } while (0)

/* A call that makes the handle *out. */
#define CREATE(inj, out, call)                                                                     \
    do {                                                                                           \
        (out) = NULL;                                                                              \
        size_t injected_ = (inj)->injected;                                                        \
        int status_ = (call);                                                                          \
        if (status_ != TRM_OK) {                                                                       \
            ck_assert_msg(status_ == TRM_E_NOMEM && (inj)->injected > injected_ && (out) == NULL,      \
                          "%s returned %d (%s) at allocation %zu", #call, status_, trm_last_error(),   \
                          (inj)->fail_at);                                                         \
            (inj)->fail_at = 0;                                                                    \
            ck_assert_ok(call);                                                                    \
        }                                                                                          \
    } while (0)

static const int32_t labels[] = { 0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 4, 3 };
static const int32_t preds[] = { 0, 2, 2, 2, 1, 0, 1, 1, 1, 2, 3, 3 };
static const float scores[12 * 5] = { 0.9f, 0.1f, 0, 0, 0, 0.2f, 0.7f, 0.1f, 0, 0, 0, 0.1f, 0.8f, 0.1f, 0,
                                      0.5f, 0.2f, 0.3f, 0, 0, 0.1f, 0.6f, 0.3f, 0, 0, 1, 0, 0, 0, 0 };

/* The life cycle every serializable handle shares, each call under the
 * injector: a clone, the clone merged back (where the type merges), a round
 * trip through a blob with the hooks; then h and the copies are freed. */
static void lifecycle(injector *inj, const trm_allocator *hooks, const handle_type *ht, void *h)
{
    void *copy, *loaded;
    size_t size;
    CREATE(inj, copy, ht->clone(&copy, h));
    if (ht->merge != NULL)
        STEP(inj, ht, h, ht->merge(h, copy));
    uint8_t *blob = state_of(ht, h, &size);
    CREATE(inj, loaded, ht->deserialize(&loaded, blob, size, hooks));
    free(blob);
    ht->free(loaded);
    ht->free(copy);
    ht->free(h);
}

static void confusion_scenario(injector *inj, const trm_allocator *hooks)
{
    const handle_type *ht = type_named("confusion");
    trm_confusion *cm;
    char report[2048];
    size_t report_size;
    double value;
    CREATE(inj, cm, trm_confusion_new(&cm, 5, 0, hooks));
    STEP(inj, ht, cm, trm_confusion_update_i32(cm, labels, preds, 12));
    STEP(inj, ht, cm, trm_confusion_update_argmax_f32(cm, labels, scores, 12, 5));
    STEP(inj, ht, cm, trm_metric_average(cm, TRM_F1, TRM_AVERAGE_WEIGHTED, TRM_ZERO_DIVISION_ZERO, &value));
    STEP(inj, ht, cm, trm_cohen_kappa(cm, 0, &value));
    STEP(inj, ht, cm, trm_classification_report(cm, NULL, 2, report, sizeof report, &report_size));
    lifecycle(inj, hooks, ht, cm);
}

static void topk_scenario(injector *inj, const trm_allocator *hooks)
{
    const handle_type *ht = type_named("topk");
    trm_topk *t;
    double value;
    CREATE(inj, t, trm_topk_new(&t, 5, 3, hooks));
    STEP(inj, ht, t, trm_topk_update_f32(t, labels, scores, 6, 5));
    STEP(inj, ht, t, trm_topk_accuracy(t, 2, &value));
    lifecycle(inj, hooks, ht, t);
}

static void multilabel_scenario(injector *inj, const trm_allocator *hooks)
{
    static const uint8_t truth[12] = { 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0 };
    static const uint8_t guess[12] = { 1, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0 };
    const handle_type *ht = type_named("multilabel");
    trm_multilabel *m;
    double value;
    CREATE(inj, m, trm_multilabel_new(&m, 3, hooks));
    STEP(inj, ht, m, trm_multilabel_update_u8(m, truth, guess, 4));
    STEP(inj, ht, m, trm_multilabel_metric_average(m, TRM_F1, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ZERO, &value));
    lifecycle(inj, hooks, ht, m);
}

static void regression_scenario(injector *inj, const trm_allocator *hooks)
{
    static const float truth[6] = { 1, 2, 3, 4, 5, 6 }, guess[6] = { 1.5f, 2, 2.5f, 4, 5.5f, 7 };
    const handle_type *ht = type_named("regression");
    trm_regression *r;
    double value;
    CREATE(inj, r, trm_regression_new(&r, 2, hooks));
    STEP(inj, ht, r, trm_regression_update_f32(r, truth, guess, 3));
    STEP(inj, ht, r, trm_regression_average(r, TRM_R2, &value));
    lifecycle(inj, hooks, ht, r);
}

static void overfit_scenario(injector *inj, const trm_allocator *hooks)
{
    const handle_type *ht = type_named("overfit");
    double train[200], val[200], value;
    char text[4096];
    size_t text_size;
    trm_overfit *o;
    for (size_t i = 0; i < 200; i++) {
        train[i] = 1.0 / (1.0 + (double)i);
        val[i] = 1.0 / (1.0 + (double)i) + (i > 60 ? 0.002 * (double)(i - 60) : 0.0);
    }
    CREATE(inj, o, trm_overfit_new(&o, hooks));
    STEP(inj, ht, o, trm_overfit_set_trend(o, 20, 0.05));
    /* the history grows, one epoch and then many at a time */
    STEP(inj, ht, o, trm_overfit_push(o, train[0], val[0]));
    STEP(inj, ht, o, trm_overfit_push_many(o, train + 1, val + 1, 150));
    STEP(inj, ht, o, trm_overfit_push_many(o, train + 151, val + 151, 49));
    STEP(inj, ht, o, trm_overfit_statistic(o, TRM_STAT_TREND_Z, &value));
    STEP(inj, ht, o, trm_overfit_explain(o, text, sizeof text, &text_size));
    lifecycle(inj, hooks, ht, o);
}

static void ranking_scenario(injector *inj, const trm_allocator *hooks)
{
    static const int32_t y[] = { 0, 1, 1, 0, 1, 0 };
    static const double s[] = { 0.1, 0.4, 0.35, 0.8, 0.35, 0.2 }, w[] = { 1, 2, 0, 3, 1, 1 };
    const handle_type *ht = type_named("ranking");
    trm_ranking *h;
    double value, fpr[16], tpr[16], thr[16];
    size_t n;
    CREATE(inj, h, trm_ranking_new(&h, TRM_RANKING_BINARY, 1, hooks));
    /* the samples grow, then queries sort in scratch memory */
    STEP(inj, ht, h, trm_ranking_update_f64(h, y, s, 6));
    for (int i = 0; i < 4; i++)
        STEP(inj, ht, h, trm_ranking_update_weighted_f64(h, y, s, w, 6));
    STEP(inj, ht, h, trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &value));
    STEP(inj, ht, h, trm_ranking_metric_per_class(h, TRM_RANKING_AVERAGE_PRECISION, &value));
    STEP(inj, ht, h, trm_ranking_roc_curve(h, 0, 1, fpr, tpr, thr, 16, &n));
    STEP(inj, ht, h, trm_ranking_pr_curve(h, 0, fpr, tpr, thr, 16, &n));
    lifecycle(inj, hooks, ht, h);
}

static void ranking_binned_scenario(injector *inj, const trm_allocator *hooks)
{
    const handle_type *ht = type_named("ranking-binned");
    trm_ranking *h;
    double value;
    CREATE(inj, h, trm_ranking_new_binned(&h, TRM_RANKING_MULTICLASS, 5, 11, NULL, hooks));
    STEP(inj, ht, h, trm_ranking_update_f32(h, labels, scores, 6));
    STEP(inj, ht, h, trm_ranking_metric_average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_WEIGHTED, &value));
    lifecycle(inj, hooks, ht, h);
}

static void cam_scenario(injector *inj, const trm_allocator *hooks)
{
    enum { N = 2, C = 4, H = 5, W = 6 };
    static float act[N * C * H * W], grad[N * C * H * W];
    float out[N * 8 * 9];
    const size_t spatial[2] = { H, W }, resized[2] = { 8, 9 };
    for (size_t i = 0; i < N * C * H * W; i++) {
        act[i] = (float)((i * 7) % 11) / 11.0f;
        grad[i] = (float)((i * 5) % 13) / 13.0f - 0.4f;
    }
    for (int method = TRM_CAM_GRADCAM; method <= TRM_CAM_EIGENCAM; method++) {
        trm_cam *c;
        CREATE(inj, c, trm_cam_new(&c, method, hooks));
        STEP(inj, NULL, c, trm_cam_compute_f32(c, act, grad, N, C, 2, spatial, out));
        STEP(inj, NULL, c, trm_cam_set_output_shape(c, 2, resized));
        STEP(inj, NULL, c, trm_cam_compute_f32(c, act, grad, N, C, 2, spatial, out));
        trm_cam_free(c);
    }
}

static void loss_scenario(injector *inj, const trm_allocator *hooks)
{
    static const double probs[6] = { 0.25, 0.5, 0.25, 0, 0, 1 }, weights[2] = { 1, 0.5 };
    static const int32_t y[2] = { 1, 2 };
    const handle_type *ht = type_named("loss");
    trm_loss *l;
    double value;
    CREATE(inj, l, trm_loss_new(&l, TRM_LOSS_CROSS_ENTROPY, 3, hooks));
    STEP(inj, ht, l, trm_loss_update_logits_f32(l, labels, scores, 6, 5, NULL));
    STEP(inj, ht, l, trm_loss_update_probs_f64(l, y, probs, 2, 3, weights));
    STEP(inj, ht, l, trm_loss_value(l, &value));
    lifecycle(inj, hooks, ht, l);
}

static void calibration_scenario(injector *inj, const trm_allocator *hooks)
{
    static const int32_t truth[4] = { 0, 1, 2, 1 };
    static const double rows[12] = { 0.7, 0.2, 0.1, 0.3, 0.3, 0.4, 2.0, -1.0, 0.5, 0, 1, 0 };
    const handle_type *ht = type_named("calibration-multiclass");
    trm_calibration *c;
    double value;
    CREATE(inj, c, trm_calibration_new(&c, 5, 3, hooks));
    STEP(inj, ht, c, trm_calibration_update_multiclass_f64(c, truth, rows, 2, 3));
    STEP(inj, ht, c, trm_calibration_set_input(c, TRM_CALIBRATION_LOGITS));
    STEP(inj, ht, c, trm_calibration_update_multiclass_f64(c, truth + 2, rows + 6, 2, 3));
    STEP(inj, ht, c, trm_calibration_error(c, TRM_CALIBRATION_L2, &value));
    lifecycle(inj, hooks, ht, c);
}

/* The table grows several times in one batch (40 distinct off-diagonal
 * cells: 16, 32 and 64 slots), and again in a merge. */
static void sparse_confusion_scenario(injector *inj, const trm_allocator *hooks)
{
    const handle_type *ht = type_named("sparse-confusion");
    int32_t t[80], p[80];
    for (int i = 0; i < 80; i++) {
        t[i] = i % 40;
        p[i] = (i % 40 + 1 + i % 3) % 50;
    }
    trm_sparse_confusion *cm, *other;
    double value;
    CREATE(inj, cm, trm_sparse_confusion_new(&cm, 50, 0, hooks));
    STEP(inj, ht, cm, trm_sparse_confusion_update_i32(cm, labels, preds, 12));
    STEP(inj, ht, cm, trm_sparse_confusion_update_i32(cm, t, p, 80));
    CREATE(inj, other, trm_sparse_confusion_new(&other, 50, 0, hooks));
    STEP(inj, ht, other, trm_sparse_confusion_update_i32(other, p, t, 80));
    STEP(inj, ht, cm, trm_sparse_confusion_merge(cm, other));
    trm_sparse_confusion_free(other);
    STEP(inj, ht, cm, trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_WEIGHTED, TRM_ZERO_DIVISION_ZERO, &value));
    STEP(inj, ht, cm, trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_LINEAR, &value));
    STEP(inj, ht, cm, trm_sparse_confusion_matthews_corrcoef(cm, &value));
    lifecycle(inj, hooks, ht, cm);
}

typedef void (*scenario_fn)(injector *inj, const trm_allocator *hooks);

static const struct {
    const char *name;
    scenario_fn run;
} scenarios[] = {
    { "confusion", confusion_scenario }, { "topk", topk_scenario },       { "multilabel", multilabel_scenario },
    { "regression", regression_scenario }, { "overfit", overfit_scenario }, { "cam", cam_scenario },
    { "loss", loss_scenario },
    { "ranking", ranking_scenario }, { "ranking-binned", ranking_binned_scenario },
    { "calibration", calibration_scenario },
    { "sparse-confusion", sparse_confusion_scenario },
};

START_TEST(every_allocation_may_fail)
{
    size_t k = 1;
    for (;; k++) {
        injector inj = { 0, k, 0, 0 };
        trm_allocator hooks = { injector_alloc, injector_free, &inj };
        scenarios[_i].run(&inj, &hooks);
        ck_assert_msg(inj.live == 0, "%s, allocation %zu failing: %zu blocks leaked", scenarios[_i].name, k,
                      inj.live);
        if (inj.injected == 0)
            break;
    }
    ck_assert_msg(k > 1, "the %s scenario allocated nothing", scenarios[_i].name);
    printf("nomem: %s: the k-th allocation failed for k = 1..%zu\n", scenarios[_i].name, k - 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nomem");
    TCase *tc = tcase_create("injected");
    tcase_add_loop_test(tc, every_allocation_may_fail, 0, (int)(sizeof scenarios / sizeof scenarios[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
