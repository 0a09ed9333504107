/* SPDX-License-Identifier: MIT */
/* The classification summary: computed once by the library, printed as text
 * or JSON, and drawn by the page. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_JANSSON
#include <jansson.h>
#endif

#include "summary.h"

static int compare_pairs(const void *a, const void *b)
{
    const struct confusion_pair *x = a, *y = b;
    if (x->rate != y->rate)
        return x->rate < y->rate ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->true_class != y->true_class ? (x->true_class > y->true_class ? 1 : -1)
                                          : (x->pred_class > y->pred_class) - (x->pred_class < y->pred_class);
}

int summary_compute(struct summary *s, const trm_confusion *cm, const struct strings *classes, int digits)
{
    size_t k = trm_confusion_n_classes(cm);
    *s = (struct summary){ .k = k, .classes = classes };
    s->precision = xcalloc(k, sizeof(double));
    s->recall = xcalloc(k, sizeof(double));
    s->f1 = xcalloc(k, sizeof(double));
    s->support = xcalloc(k, sizeof(double));
    s->iou = xcalloc(k, sizeof(double));
    s->counts = xcalloc(k * k, sizeof *s->counts);
    s->normalized = xcalloc(k * k, sizeof *s->normalized);
    double total = 0;
    const int metrics[4] = { TRM_PRECISION, TRM_RECALL, TRM_F1, TRM_SUPPORT };
    double *per_class[4] = { s->precision, s->recall, s->f1, s->support };
    const int averages[2] = { TRM_AVERAGE_MACRO, TRM_AVERAGE_WEIGHTED };
    int status = trm_confusion_total(cm, &total);
    for (int m = 0; m < 4 && !status; m++) {
        status = trm_metric_per_class(cm, metrics[m], TRM_ZERO_DIVISION_ZERO, per_class[m]);
        for (int a = 0; a < 2 && !status; a++)
            status = trm_metric_average(cm, metrics[m], averages[a], TRM_ZERO_DIVISION_ZERO, &s->avg[a][m]);
    }
    if (!status)
        status = trm_accuracy(cm, &s->accuracy);
    if (!status)
        status = trm_balanced_accuracy(cm, 0, &s->balanced_accuracy);
    if (!status)
        status = trm_cohen_kappa(cm, TRM_KAPPA_NONE, &s->kappa);
    if (!status)
        status = trm_matthews_corrcoef(cm, &s->mcc);
    if (!status)
        status = trm_confusion_iou_per_class(cm, TRM_ZERO_DIVISION_NAN, s->iou);
    if (!status) {
        status = trm_confusion_mean_iou(cm, &s->mean_iou);
        if (status == TRM_E_EMPTY) { /* no class present: undefined, as torchmetrics' NaN */
            s->mean_iou = NAN;
            status = 0;
        }
    }
    if (!status)
        status = trm_confusion_counts(cm, s->counts);
    if (!status)
        status = trm_confusion_matrix(cm, TRM_NORMALIZE_TRUE, s->normalized);
    size_t size = 0;
    const char **names = (const char **)classes->items;
    if (!status && trm_classification_report(cm, names, digits, NULL, 0, &size) == TRM_E_BUFFER) {
        s->report = xmalloc(size);
        status = trm_classification_report(cm, names, digits, s->report, size, &size);
    }
    if (status) {
        summary_free(s);
        return fail_library(status, "summarizing the confusion matrix");
    }
    s->samples = (uint64_t)total;
    s->pairs = xcalloc(k * k, sizeof *s->pairs);
    for (size_t t = 0; t < k; t++) {
        uint64_t row = 0;
        for (size_t p = 0; p < k; p++)
            row += s->counts[t * k + p];
        for (size_t p = 0; p < k; p++)
            if (p != t && s->counts[t * k + p])
                s->pairs[s->n_pairs++] = (struct confusion_pair){
                    .true_class = t, .pred_class = p, .count = s->counts[t * k + p], .support = row,
                    .rate = (double)s->counts[t * k + p] / (double)row };
    }
    qsort(s->pairs, s->n_pairs, sizeof *s->pairs, compare_pairs);
    return 0;
}

void summary_free(struct summary *s)
{
    free(s->precision);
    free(s->recall);
    free(s->f1);
    free(s->support);
    free(s->iou);
    free(s->counts);
    free(s->normalized);
    free(s->pairs);
    free(s->report);
    *s = (struct summary){ 0 };
}

/* A k x k table with class names down the side and across the top. */
static void print_matrix(const struct summary *s, FILE *out, bool percent)
{
    size_t width = 5;
    for (size_t i = 0; i < s->k; i++)
        if (strlen(s->classes->items[i]) > width)
            width = strlen(s->classes->items[i]);
    size_t cell = 7;
    for (size_t i = 0; i < s->k; i++)
        if (strlen(s->classes->items[i]) + 1 > cell)
            cell = strlen(s->classes->items[i]) + 1;
    fprintf(out, "%*s", (int)width, "");
    for (size_t p = 0; p < s->k; p++)
        fprintf(out, " %*s", (int)cell, s->classes->items[p]);
    fputc('\n', out);
    for (size_t t = 0; t < s->k; t++) {
        fprintf(out, "%-*s", (int)width, s->classes->items[t]);
        for (size_t p = 0; p < s->k; p++) {
            if (percent)
                fprintf(out, " %*.1f", (int)cell, 100 * s->normalized[t * s->k + p]);
            else
                fprintf(out, " %*llu", (int)cell, (unsigned long long)s->counts[t * s->k + p]);
        }
        fputc('\n', out);
    }
}

/* IoU per class and its mean (absent classes are undefined and left out of the mean). */
static void print_iou(const struct summary *s, FILE *out)
{
    size_t width = strlen("mean IoU");
    for (size_t i = 0; i < s->k; i++)
        if (strlen(s->classes->items[i]) > width)
            width = strlen(s->classes->items[i]);
    fputs("Intersection over union (Jaccard) per class\n", out);
    for (size_t i = 0; i < s->k; i++) {
        if (isnan(s->iou[i]))
            fprintf(out, "  %-*s  absent\n", (int)width, s->classes->items[i]);
        else
            fprintf(out, "  %-*s  %.4f\n", (int)width, s->classes->items[i], s->iou[i]);
    }
    if (isnan(s->mean_iou))
        fprintf(out, "  %-*s  undefined\n\n", (int)width, "mean IoU");
    else
        fprintf(out, "  %-*s  %.4f\n\n", (int)width, "mean IoU", s->mean_iou);
}

void summary_print_text(const struct summary *s, FILE *out, const char *source, size_t top)
{
    fprintf(out, "%s: %llu sample%s, %zu class%s\n\n%s\n", source, (unsigned long long)s->samples,
            s->samples == 1 ? "" : "s", s->k, s->k == 1 ? "" : "es", s->report);
    fprintf(out, "accuracy                          %.4f\n", s->accuracy);
    fprintf(out, "balanced accuracy                 %.4f\n", s->balanced_accuracy);
    fprintf(out, "Cohen's kappa                     %.4f\n", s->kappa);
    fprintf(out, "Matthews correlation coefficient  %.4f\n\n", s->mcc);
    print_iou(s, out);
    fputs("Confusion matrix (rows: true class, columns: predicted class)\n", out);
    print_matrix(s, out, false);
    fputs("\nNormalized over each true class (% of the row)\n", out);
    print_matrix(s, out, true);
    fputs("\nMost confused\n", out);
    if (!s->n_pairs)
        fputs("  nothing: every prediction is right\n", out);
    for (size_t i = 0; i < s->n_pairs && i < top; i++) {
        const struct confusion_pair *c = &s->pairs[i];
        fprintf(out, "  %s mistaken for %s %.1f%% (%llu of %llu)\n", s->classes->items[c->true_class],
                s->classes->items[c->pred_class], 100 * c->rate, (unsigned long long)c->count,
                (unsigned long long)c->support);
    }
}

#ifdef HAVE_JANSSON
/* JSON has no NaN: an undefined value is null. */
static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *scores(double precision, double recall, double f1, double support)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "precision", number(precision), "recall", number(recall), "f1-score",
                     number(f1), "support", number(support));
}

int summary_print_json(const struct summary *s, FILE *out, const char *source, size_t top)
{
    json_t *report = json_object();
    for (size_t i = 0; i < s->k; i++)
        json_object_set_new(report, s->classes->items[i], scores(s->precision[i], s->recall[i], s->f1[i], s->support[i]));
    json_object_set_new(report, "accuracy", number(s->accuracy));
    json_object_set_new(report, "macro avg", scores(s->avg[0][0], s->avg[0][1], s->avg[0][2], s->avg[0][3]));
    json_object_set_new(report, "weighted avg", scores(s->avg[1][0], s->avg[1][1], s->avg[1][2], s->avg[1][3]));
    json_t *classes = json_array(), *counts = json_array(), *normalized = json_array(), *pairs = json_array();
    json_t *iou = json_object();
    for (size_t i = 0; i < s->k; i++)
        json_object_set_new(iou, s->classes->items[i], number(s->iou[i]));
    for (size_t t = 0; t < s->k; t++) {
        json_array_append_new(classes, json_string(s->classes->items[t]));
        json_t *row = json_array(), *share = json_array();
        for (size_t p = 0; p < s->k; p++) {
            json_array_append_new(row, json_integer((json_int_t)s->counts[t * s->k + p]));
            json_array_append_new(share, number(s->normalized[t * s->k + p]));
        }
        json_array_append_new(counts, row);
        json_array_append_new(normalized, share);
    }
    for (size_t i = 0; i < s->n_pairs && i < top; i++) {
        const struct confusion_pair *c = &s->pairs[i];
        json_array_append_new(pairs, json_pack("{s:s, s:s, s:I, s:I, s:o}", "true", s->classes->items[c->true_class],
                                               "pred", s->classes->items[c->pred_class], "count", (json_int_t)c->count,
                                               "support", (json_int_t)c->support, "rate", number(c->rate)));
    }
    json_t *root = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "source", source, "samples",
                             (json_int_t)s->samples, "classes", classes, "report", report, "balanced_accuracy",
                             number(s->balanced_accuracy), "cohen_kappa", number(s->kappa), "matthews_corrcoef",
                             number(s->mcc), "confusion_matrix", counts, "normalized_true", normalized,
                             "most_confused", pairs);
    json_object_set_new(root, "iou", iou);
    json_object_set_new(root, "mean_iou", number(s->mean_iou));
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    fputc('\n', out);
    json_decref(root);
    return 0;
}
#else
int summary_print_json(const struct summary *s, FILE *out, const char *source, size_t top)
{
    (void)s, (void)out, (void)source, (void)top;
    return fail(EXIT_USAGE, "--json: this trainmetrics was built without JSON support (jansson)");
}
#endif
