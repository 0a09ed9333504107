/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_confusion_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

static void query(const trm_confusion *cm)
{
    size_t k = trm_confusion_n_classes(cm);
    FUZZ_ASSERT(k >= 1, "a loaded matrix has %zu classes", k);
    uint32_t flags = trm_confusion_flags(cm);
    FUZZ_ASSERT((flags & ~TRM_CONFUSION_WEIGHTED) == 0, "unknown flags 0x%x", (unsigned)flags);
    (void)trm_confusion_ignore_label(cm);
    double total = -1;
    FUZZ_ASSERT(trm_confusion_total(cm, &total) == TRM_OK, "total failed");
    FUZZ_ASSERT(total >= 0 && isfinite(total), "total %g", total);
    if (k > 256)
        return; /* keep the per-cell queries cheap */
    double *cells = malloc(k * k * sizeof *cells);
    uint64_t *counts = malloc(k * k * sizeof *counts);
    FUZZ_ASSERT(cells != NULL && counts != NULL, "out of memory");
    for (int norm = TRM_NORMALIZE_NONE; norm <= TRM_NORMALIZE_ALL; norm++) {
        int rc = trm_confusion_matrix(cm, norm, cells);
        FUZZ_ASSERT(rc == TRM_OK, "matrix(normalize %d) returned %d", norm, rc);
        double sum = 0;
        for (size_t i = 0; i < k * k; i++) {
            FUZZ_ASSERT(isfinite(cells[i]) && cells[i] >= 0, "cell %zu = %g", i, cells[i]);
            sum += cells[i];
        }
        if (norm == TRM_NORMALIZE_ALL && total > 0)
            FUZZ_ASSERT(fabs(sum - 1) < 1e-6, "normalized cells sum to %.17g", sum);
    }
    int rc = trm_confusion_counts(cm, counts);
    if (flags & TRM_CONFUSION_WEIGHTED)
        FUZZ_ASSERT(rc == TRM_E_MISMATCH, "counts of a weighted matrix returned %d", rc);
    else
        FUZZ_ASSERT(rc == TRM_OK, "counts returned %d", rc);
    double v;
    rc = trm_accuracy(cm, &v);
    /* the correct weight and the total are sums in different orders: an ulp apart */
    FUZZ_ASSERT(rc != TRM_OK || (v >= 0 && v <= 1 + 1e-12), "accuracy %.17g", v);
    for (int metric = TRM_PRECISION; metric <= TRM_SUPPORT; metric++) {
        for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_MACRO_PRESENT; avg++) {
            rc = trm_metric_average(cm, metric, avg, TRM_ZERO_DIVISION_ZERO, &v);
            FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_EMPTY || rc == TRM_E_NOMEM,
                        "metric_average(%d, %d) returned %d", metric, avg, rc);
            if (rc == TRM_OK && metric != TRM_SUPPORT && FUZZ_RANGE_CHECKED(total))
                FUZZ_ASSERT(v >= -FUZZ_RANGE_SLACK && v <= 1 + 1e-12, "metric %d average %d = %.17g", metric,
                            avg, v);
        }
        rc = trm_metric_per_class(cm, metric, TRM_ZERO_DIVISION_NAN, cells);
        FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_NOMEM, "per_class(%d) returned %d", metric, rc);
    }
    (void)trm_balanced_accuracy(cm, 1, &v);
    (void)trm_cohen_kappa(cm, TRM_KAPPA_QUADRATIC, &v);
    rc = trm_matthews_corrcoef(cm, &v);
    FUZZ_ASSERT(rc != TRM_OK || isnan(v) || !FUZZ_RANGE_CHECKED(total) || (v >= -1 - 1e-9 && v <= 1 + 1e-9), "mcc %.17g", v);
    size_t need = 0;
    rc = trm_classification_report(cm, NULL, 2, NULL, 0, &need);
    FUZZ_ASSERT(rc == TRM_E_BUFFER || rc == TRM_E_EMPTY || rc == TRM_E_NOMEM,
                "report size query returned %d", rc);
    if (rc == TRM_E_BUFFER && need < (1u << 20)) {
        char *text = malloc(need);
        FUZZ_ASSERT(text != NULL, "out of memory");
        size_t got = 0;
        rc = trm_classification_report(cm, NULL, 2, text, need, &got);
        FUZZ_ASSERT(rc == TRM_OK && got == need && text[need - 1] == '\0', "report returned %d", rc);
        free(text);
    }
    free(cells);
    free(counts);
}

FUZZ_DESERIALIZE_HARNESS(confusion, 1, query)
