/* SPDX-License-Identifier: MIT */
/* Each criterion runs in its own detector over the same curves, so the table
 * compares what Keras, Lightning and Prechelt would have done with the run. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_JANSSON
#include <jansson.h>
#endif

#include "curves.h"

const char *verdict_name(int verdict)
{
    switch (verdict) {
    case TRM_FIT_WARMUP: return "warm-up";
    case TRM_FIT_IMPROVING: return "improving";
    case TRM_FIT_PLATEAU: return "plateau";
    case TRM_FIT_OVERFITTING: return "overfitting";
    case TRM_FIT_DIVERGED: return "diverged";
    default: return "unknown";
    }
}

bool metric_higher_is_better(const char *name)
{
    /* A loss or an error is lower-better whatever it measures (dice_loss). */
    static const char *const errors[] = { "loss", "error", "mse", "mae", "rmse", "sad" };
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++)
        if (strstr(name, errors[i]))
            return false;
    static const char *const scores[] = { "acc", "auc", "f1", "precision", "recall", "iou", "dice", "r2", "fmeasure" };
    for (size_t i = 0; i < sizeof scores / sizeof *scores; i++)
        if (strstr(name, scores[i]))
            return true;
    return false;
}

ptrdiff_t curves_train_for(const struct history *h, const char *val_name)
{
    const char *base = strncmp(val_name, "val_", 4) == 0 ? val_name + 4 : val_name;
    static const char *const forms[][2] = { { "", "" }, { "train_", "" }, { "train_", "_epoch" }, { "", "_epoch" } };
    char candidate[256];
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        snprintf(candidate, sizeof candidate, "%s%s%s", forms[i][0], base, forms[i][1]);
        ptrdiff_t at = history_metric(h, candidate);
        if (at >= 0 && strcmp(candidate, val_name) != 0)
            return at;
    }
    return -1;
}

/* One criterion: a preset, with the patience options where it has them. */
static int run_criterion(struct curves *c, struct criterion_result *r, int preset, bool set_patience,
                         unsigned trend_window, const struct curves_options *opt, char **explanation)
{
    trm_overfit *o = NULL;
    int status = trm_overfit_new(&o, NULL);
    if (!status)
        status = trm_overfit_preset(o, preset);
    if (!status)
        status = trm_overfit_set_mode(o, c->mode);
    if (!status && set_patience)
        status = trm_overfit_set_patience(o, opt->patience, opt->min_delta, 0);
    if (!status && trend_window)
        status = trm_overfit_set_trend(o, trend_window, 0.05);
    if (!status)
        status = trm_overfit_push_many(o, c->train, c->val, c->n);
    if (!status) {
        r->verdict = trm_overfit_verdict(o);
        r->best = trm_overfit_best_epoch(o);
        r->onset = trm_overfit_onset_epoch(o);
        r->stop = trm_overfit_stop_epoch(o);
        r->has_restore = preset == TRM_PRESET_KERAS;
        r->restore = r->has_restore ? trm_overfit_restore_epoch(o) : -1;
        r->best_value = trm_overfit_best_value(o);
    }
    size_t size = 0;
    if (!status && explanation && trm_overfit_explain(o, NULL, 0, &size) == TRM_E_BUFFER) {
        *explanation = xmalloc(size);
        status = trm_overfit_explain(o, *explanation, size, &size);
    }
    trm_overfit_free(o);
    return status ? fail_library(status, "evaluating the curves") : 0;
}

int curves_compute(struct curves *c, const struct history *h, const char *path, const struct curves_options *opt)
{
    *c = (struct curves){ 0 };
    ptrdiff_t val_at = -1, train_at = -1;
    if (opt->monitor) {
        if ((val_at = history_metric(h, opt->monitor)) < 0)
            return fail_at(EXIT_DATA, path, 1, 1, "expected a column '%s' (--monitor)", opt->monitor);
    } else if ((val_at = history_metric(h, "val_loss")) < 0) {
        for (size_t j = 0; j < h->metrics.n && val_at < 0; j++)
            if (strncmp(h->metrics.items[j], "val_", 4) == 0)
                val_at = (ptrdiff_t)j;
        if (val_at < 0)
            return fail_at(EXIT_DATA, path, 1, 1, "expected a validation column 'val_loss' or 'val_*' (or --monitor COL)");
    }
    c->val_name = h->metrics.items[val_at];
    if (opt->train) {
        if ((train_at = history_metric(h, opt->train)) < 0)
            return fail_at(EXIT_DATA, path, 1, 1, "expected a column '%s' (--train)", opt->train);
    } else if ((train_at = curves_train_for(h, c->val_name)) < 0)
        return fail_at(EXIT_DATA, path, 1, 1, "expected a training column for '%s' (such as '%s' or 'train_%s'); name it with --train COL",
                       c->val_name, c->val_name + (strncmp(c->val_name, "val_", 4) ? 0 : 4),
                       c->val_name + (strncmp(c->val_name, "val_", 4) ? 0 : 4));
    c->train_name = h->metrics.items[train_at];
    c->mode = opt->mode >= 0 ? opt->mode : metric_higher_is_better(c->val_name) ? TRM_MODE_MAX : TRM_MODE_MIN;

    size_t m = h->metrics.n;
    c->epoch = xcalloc(h->n_epochs, sizeof *c->epoch);
    c->train = xcalloc(h->n_epochs, sizeof *c->train);
    c->val = xcalloc(h->n_epochs, sizeof *c->val);
    /* Lightning logs the two on different rows, and sometimes validates only
     * every few epochs: only epochs with both values are a point of the curve. */
    for (size_t e = 0; e < h->n_epochs; e++)
        if (h->present[e * m + (size_t)train_at] && h->present[e * m + (size_t)val_at]) {
            c->epoch[c->n] = h->epoch[e] + 1;
            c->train[c->n] = h->values[e * m + (size_t)train_at];
            c->val[c->n] = h->values[e * m + (size_t)val_at];
            c->n++;
        }
    if (!c->n) {
        curves_free(c);
        return fail_at(EXIT_DATA, path, 2, 1, "expected an epoch with both '%s' and '%s', found none",
                       h->metrics.items[train_at], h->metrics.items[val_at]);
    }
    static const struct {
        int preset;
        bool patience;
        const char *label;
    } criteria[CURVES_CRITERIA] = {
        { TRM_PRESET_DEFAULT, false, "trainmetrics (patience 5, trend test" },
        { TRM_PRESET_KERAS, true, "Keras EarlyStopping" },
        { TRM_PRESET_LIGHTNING, true, "Lightning EarlyStopping" },
        { TRM_PRESET_PRECHELT_GL, false, "Prechelt GL5" },
        { TRM_PRESET_PRECHELT_PQ, false, "Prechelt PQ0.5" },
        { TRM_PRESET_PRECHELT_UP, false, "Prechelt UP3" },
    };
    /* A trend test over a fixed 8 epochs sees noise on a long, noisy run; a
     * tenth of the run sees the drift a person sees in the plot. */
    unsigned window = opt->trend_window ? opt->trend_window : (unsigned)(c->n / 10);
    window = window < 8 ? 8 : window > 1024 ? 1024 : window;
    int status = 0;
    for (size_t i = 0; i < CURVES_CRITERIA && !status; i++) {
        if (i == 0)
            snprintf(c->results[i].label, sizeof c->results[i].label, "%s over %u epochs)", criteria[i].label, window);
        else if (criteria[i].patience)
            snprintf(c->results[i].label, sizeof c->results[i].label, "%s(patience=%u)", criteria[i].label,
                     opt->patience);
        else
            snprintf(c->results[i].label, sizeof c->results[i].label, "%s", criteria[i].label);
        status = run_criterion(c, &c->results[i], criteria[i].preset, criteria[i].patience, i == 0 ? window : 0, opt,
                               i == 0 ? &c->explanation : NULL);
    }
    if (status)
        curves_free(c);
    return status;
}

void curves_free(struct curves *c)
{
    free(c->epoch);
    free(c->train);
    free(c->val);
    free(c->explanation);
    *c = (struct curves){ 0 };
}

/* Criteria count the points they were given; the log may skip epochs. */
static double epoch_of(const struct curves *c, int64_t index)
{
    return index >= 1 && (size_t)index <= c->n ? c->epoch[index - 1] : -1;
}

static void print_epoch(FILE *out, double epoch)
{
    if (epoch < 0)
        fprintf(out, " %7s", "-");
    else
        fprintf(out, " %7g", epoch);
}

/* Whether the library's epoch numbers are the log's (no gaps, from 1). */
static bool epochs_are_indexes(const struct curves *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->epoch[i] != (double)(i + 1))
            return false;
    return true;
}

void curves_print_text(const struct curves *c, FILE *out, const char *source)
{
    fprintf(out, "%s: %zu epoch%s; %s (%s is better) against %s\n", source, c->n, c->n == 1 ? "" : "s", c->val_name,
            c->mode == TRM_MODE_MAX ? "higher" : "lower", c->train_name);
    fputs("Epochs are counted from 1, as Keras and Lightning print them (the log's epoch column + 1).\n\n", out);
    const struct criterion_result *d = &c->results[0];
    fprintf(out, "verdict: %s", verdict_name(d->verdict));
    if (d->onset > 0)
        fprintf(out, " since epoch %g", epoch_of(c, d->onset));
    if (d->best > 0)
        fprintf(out, "; best %s %.6g at epoch %g\n", c->val_name, d->best_value, epoch_of(c, d->best));
    else
        fprintf(out, "; no finite %s\n", c->val_name);
    if (epochs_are_indexes(c))
        fprintf(out, "%s\n", c->explanation);
    /* restore: the epoch Keras's restore_best_weights=True would restore (Keras row). */
    fprintf(out, "\n%-52s %-12s %7s %7s %7s %7s\n", "criterion", "verdict", "best", "onset", "stop", "restore");
    for (size_t i = 0; i < CURVES_CRITERIA; i++) {
        const struct criterion_result *r = &c->results[i];
        fprintf(out, "%-52s %-12s", r->label, verdict_name(r->verdict));
        print_epoch(out, epoch_of(c, r->best));
        print_epoch(out, epoch_of(c, r->onset));
        print_epoch(out, epoch_of(c, r->stop));
        print_epoch(out, epoch_of(c, r->restore));
        fputc('\n', out);
    }
}

#ifdef HAVE_JANSSON
static json_t *epoch_json(const struct curves *c, int64_t index)
{
    double e = epoch_of(c, index);
    return e < 0 ? json_null() : json_integer((json_int_t)e);
}

int curves_print_json(const struct curves *c, FILE *out, const char *source)
{
    json_t *criteria = json_array();
    for (size_t i = 0; i < CURVES_CRITERIA; i++) {
        const struct criterion_result *r = &c->results[i];
        json_t *row = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "criterion", r->label, "verdict",
                                verdict_name(r->verdict), "best_epoch", epoch_json(c, r->best), "onset_epoch",
                                epoch_json(c, r->onset), "stop_epoch", epoch_json(c, r->stop), "best_value",
                                isfinite(r->best_value) ? json_real(r->best_value) : json_null());
        if (r->has_restore)
            json_object_set_new(row, "restore_epoch", epoch_json(c, r->restore));
        json_array_append_new(criteria, row);
    }
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "source", source, "monitor", c->val_name, "train",
                             c->train_name, "mode", c->mode == TRM_MODE_MAX ? "max" : "min", "epochs",
                             (json_int_t)c->n, "verdict", verdict_name(c->results[0].verdict), "criteria", criteria);
    if (epochs_are_indexes(c))
        json_object_set_new(root, "explanation", json_string(c->explanation));
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    fputc('\n', out);
    json_decref(root);
    return 0;
}
#else
int curves_print_json(const struct curves *c, FILE *out, const char *source)
{
    (void)c, (void)out, (void)source;
    return fail(EXIT_USAGE, "--json: this trainmetrics was built without JSON support (jansson)");
}
#endif
