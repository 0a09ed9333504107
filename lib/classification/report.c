/* SPDX-License-Identifier: MIT */
/* scikit-learn's classification_report text, built from the public metrics. */
#include "fp-private.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common-private.h"
#include "confusion-private.h"
#include "text-private.h"
#include "trainmetrics/metrics.h"

typedef trm__text sink;

static void put_spaces(sink *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        trm__text_put(s, " ", 1);
}

/* Python pads by code points, so UTF-8 continuation bytes do not count. */
static size_t text_width(const char *text)
{
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        width += (*p & 0xc0u) != 0x80u;
    return width;
}

/* Python's "{:>{width}s}". */
static void put_right(sink *s, const char *text, size_t width)
{
    size_t w = text_width(text);
    put_spaces(s, w < width ? width - w : 0);
    trm__text_put(s, text, strlen(text));
}

/* Python's " {:>9.{digits}f}"; glibc and CPython both round the exact binary
 * value half-to-even, so the digits agree. */
static void put_fixed(sink *s, double v, int digits)
{
    char cell[400];
    snprintf(cell, sizeof cell, "%.*f", digits, v);
    trm__text_put(s, " ", 1);
    put_right(s, cell, 9);
}

/* Python's repr() of a float: the shortest digits that read back exactly, in
 * fixed notation with at least one decimal when the exponent is in [-4, 16),
 * else in exponent notation. */
static void format_repr(char *cell, size_t size, double v)
{
    int precision = 1;
    for (; precision < 17; precision++) {
        snprintf(cell, size, "%.*e", precision - 1, v);
        if (strtod(cell, NULL) == v)
            break;
    }
    snprintf(cell, size, "%.*e", precision - 1, v);
    if (!isfinite(v))
        return;
    int exponent = atoi(strchr(cell, 'e') + 1);
    if (exponent < -4 || exponent >= 16)
        return;
    int decimals = precision - 1 - exponent;
    snprintf(cell, size, "%.*f%s", decimals > 0 ? decimals : 0, v, decimals > 0 ? "" : ".0");
}

/* Python's " {:>9}" of the support: an int, or repr() of a float. */
static void put_support(sink *s, double v, bool as_float)
{
    char cell[64];
    if (as_float)
        format_repr(cell, sizeof cell, v);
    else
        snprintf(cell, sizeof cell, "%.0f", v);
    trm__text_put(s, " ", 1);
    put_right(s, cell, 9);
}

static void put_row(sink *s, const char *name, size_t width, const double values[3], double support,
                    bool float_support, int digits)
{
    put_right(s, name, width);
    trm__text_put(s, " ", 1);
    for (int i = 0; i < 3; i++)
        put_fixed(s, values[i], digits);
    put_support(s, support, float_support);
    trm__text_put(s, "\n", 1);
}

/* Per-class precision, recall and F1 (zero_division 0, as scikit-learn's "warn"). */
typedef struct report_data {
    size_t k;
    bool weighted_input;
    bool float_support; /* scikit-learn prints float supports for weighted data and,
                           by a dtype accident it keeps, when no prediction is right */
    bool all_present; /* every class occurs in y_true or y_pred: "accuracy" line */
    double *values;   /* K rows of precision, recall, F1, support */
    double averages[3][3]; /* micro, macro, weighted: precision, recall, F1 */
    double total;
    const char *const *names; /* K names, or NULL for the class ids */
    int digits;
} report_data;

static const int report_metrics[3] = { TRM_PRECISION, TRM_RECALL, TRM_F1 };
static const int report_averages[3] = { TRM_AVERAGE_MICRO, TRM_AVERAGE_MACRO, TRM_AVERAGE_WEIGHTED };

static int gather(const trm_confusion *cm, report_data *d, double *column)
{
    int rc = TRM_OK;
    for (int m = 0; m < 4 && rc == TRM_OK; m++) {
        rc = trm_metric_per_class(cm, m < 3 ? report_metrics[m] : TRM_SUPPORT, TRM_ZERO_DIVISION_ZERO, column);
        for (size_t c = 0; c < d->k; c++)
            d->values[c * 4 + (size_t)m] = column[c];
    }
    for (int a = 0; a < 3 && rc == TRM_OK; a++)
        for (int m = 0; m < 3 && rc == TRM_OK; m++)
            rc = trm_metric_average(cm, report_metrics[m], report_averages[a], TRM_ZERO_DIVISION_ZERO,
                                    &d->averages[a][m]);
    if (rc == TRM_OK)
        rc = trm_confusion_total(cm, &d->total);
    /* A class is present when it occurred in y_true or y_pred, whatever its
     * weight (scikit-learn's unique_labels): a nonzero cell in its row or
     * column, or a weighted pair of weight 0. */
    d->float_support = d->weighted_input || d->averages[0][2] == 0.0;
    d->all_present = true;
    trm__cells cells = trm__confusion_cells(cm);
    for (size_t c = 0; rc == TRM_OK && c < d->k; c++)
        if (!trm__class_occurred(cells, c))
            d->all_present = false;
    return rc;
}

static void write_report(sink *s, const void *context)
{
    const report_data *d = context;
    const char *const *names = d->names;
    int digits = d->digits;
    static const char *const headers[4] = { "precision", "recall", "f1-score", "support" };
    char number[32];
    size_t width = strlen("weighted avg");
    if ((size_t)digits > width)
        width = (size_t)digits;
    for (size_t c = 0; c < d->k; c++) {
        snprintf(number, sizeof number, "%zu", c);
        size_t w = text_width(names ? names[c] : number);
        if (w > width)
            width = w;
    }
    put_spaces(s, width + 1);
    for (int h = 0; h < 4; h++) {
        trm__text_put(s, " ", 1);
        put_right(s, headers[h], 9);
    }
    trm__text_put(s, "\n\n", 2);
    for (size_t c = 0; c < d->k; c++) {
        snprintf(number, sizeof number, "%zu", c);
        put_row(s, names ? names[c] : number, width, d->values + c * 4, d->values[c * 4 + 3], d->float_support,
                digits);
    }
    trm__text_put(s, "\n", 1);
    if (d->all_present) {
        /* The accuracy line leaves precision and recall blank. */
        put_right(s, "accuracy", width);
        trm__text_put(s, " ", 1);
        put_spaces(s, 20);
        put_fixed(s, d->averages[0][2], digits);
        put_support(s, d->total, d->float_support);
        trm__text_put(s, "\n", 1);
    } else {
        put_row(s, "micro avg", width, d->averages[0], d->total, d->float_support, digits);
    }
    put_row(s, "macro avg", width, d->averages[1], d->total, d->float_support, digits);
    put_row(s, "weighted avg", width, d->averages[2], d->total, d->float_support, digits);
}

static int classification_report_in(const char *func, const trm_confusion *cm, const char *const *class_names,
                                    int digits, char *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, size);
    if (digits < 0 || digits > 30)
        return TRM_FAIL_IN(func, TRM_E_INVALID, "digits = %d is outside [0, 30]", digits);
    trm__cells cells = trm__confusion_cells(cm);
    for (size_t c = 0; class_names && c < cells.k; c++)
        if (class_names[c] == NULL)
            return TRM_FAIL_IN(func, TRM_E_INVALID, "class_names[%zu] is NULL", c);
    /* 5*K doubles cannot overflow: K*K*8 bytes of cells already exist (and for
     * K < 5, 40*K is tiny). */
    double *scratch = trm__alloc(cells.alloc, 5 * cells.k * sizeof(double));
    if (scratch == NULL)
        return TRM_FAIL_IN(func, TRM_E_NOMEM, "cannot allocate %zu bytes for the report",
                           5 * cells.k * sizeof(double));
    report_data d = { .k = cells.k, .weighted_input = cells.weights != NULL, .values = scratch,
                      .names = class_names, .digits = digits };
    int rc = gather(cm, &d, scratch + 4 * cells.k);
    if (rc == TRM_OK)
        rc = trm__text_deliver(func, write_report, &d, buf, cap, size);
    trm__free(cells.alloc, scratch);
    return rc;
}

int trm_classification_report(const trm_confusion *cm, const char *const *class_names, int digits,
                              char *buf, size_t cap, size_t *size)
{
    return classification_report_in(__func__, cm, class_names, digits, buf, cap, size);
}

int trm_confusion_report(const trm_confusion *cm, const char *const *class_names, int digits,
                         char *buf, size_t cap, size_t *size)
{
    return classification_report_in(__func__, cm, class_names, digits, buf, cap, size);
}
