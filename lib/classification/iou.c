/* SPDX-License-Identifier: MIT */
/* Intersection over union per class and its mean, the segmentation names for
 * the Jaccard index, with torchmetrics' rule for the mean: absent classes and
 * the ignored class stay out of it. */
#include "fp-private.h"
#include <math.h>

#include "common-private.h"
#include "confusion-private.h"
#include "tally-private.h"
#include "trainmetrics/metrics.h"

/* Intersection tp and union tp + fp + fn of class c. Counts are summed as
 * integers: fn + tp + fp never exceeds the total, so the union is exact
 * before its one rounding to double. */
static void overlap(const trm__cells *cells, size_t c, double *intersection, double *uni)
{
    size_t k = cells->k;
    if (cells->counts) {
        uint64_t others_in_row = 0, col = 0;
        for (size_t j = 0; j < k; j++) {
            others_in_row += j != c ? cells->counts[c * k + j] : 0;
            col += cells->counts[j * k + c];
        }
        *intersection = (double)cells->counts[c * k + c];
        *uni = (double)(others_in_row + col);
        return;
    }
    double others_in_row = 0.0, col = 0.0;
    for (size_t j = 0; j < k; j++) {
        others_in_row += j != c ? cells->weights[c * k + j] : 0.0;
        col += cells->weights[j * k + c];
    }
    *intersection = cells->weights[c * k + c];
    *uni = others_in_row + col;
}

int trm_confusion_iou_per_class(const trm_confusion *cm, int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    int rc = trm__check_metric(__func__, TRM_JACCARD, zero_division);
    if (rc != TRM_OK)
        return rc;
    trm__cells cells = trm__confusion_cells(cm);
    for (size_t c = 0; c < cells.k; c++) {
        double intersection, uni;
        overlap(&cells, c, &intersection, &uni);
        out[c] = uni != 0.0 ? intersection / uni : trm__zero_division_value(zero_division);
    }
    return TRM_OK;
}

int trm_confusion_mean_iou(const trm_confusion *cm, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    trm__cells cells = trm__confusion_cells(cm);
    int64_t ignore = trm_confusion_ignore_label(cm);
    double sum = 0.0;
    size_t present = 0;
    for (size_t c = 0; c < cells.k; c++) {
        double intersection, uni;
        if (ignore != TRM_NO_IGNORE && ignore >= 0 && (uint64_t)ignore == (uint64_t)c)
            continue;
        overlap(&cells, c, &intersection, &uni);
        if (uni == 0.0)
            continue;
        sum += intersection / uni;
        present++;
    }
    if (present == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no class other than the ignore label is present");
    *out = sum / (double)present;
    return TRM_OK;
}
