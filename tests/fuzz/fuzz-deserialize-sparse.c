/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_sparse_confusion_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

static void query(const trm_sparse_confusion *cm)
{
    size_t k = trm_sparse_confusion_n_classes(cm);
    FUZZ_ASSERT(k >= 1 && k <= TRM_SPARSE_MAX_CLASSES, "a loaded matrix has %zu classes", k);
    uint32_t flags = trm_sparse_confusion_flags(cm);
    FUZZ_ASSERT((flags & ~TRM_CONFUSION_WEIGHTED) == 0, "unknown flags 0x%x", (unsigned)flags);
    double total = -1;
    FUZZ_ASSERT(trm_sparse_confusion_total(cm, &total) == TRM_OK, "total failed");
    FUZZ_ASSERT(total >= 0 && isfinite(total), "total %g", total);
    /* the COO export: in range, strictly ordered, non-zero, summing to the total */
    size_t n = trm_sparse_confusion_n_cells(cm), got = 0;
    int64_t *t = malloc((n ? n : 1) * sizeof *t), *p = malloc((n ? n : 1) * sizeof *p);
    double *v = malloc((n ? n : 1) * sizeof *v);
    FUZZ_ASSERT(t != NULL && p != NULL && v != NULL, "out of memory");
    int rc = trm_sparse_confusion_cells(cm, t, p, v, n, &got);
    FUZZ_ASSERT(rc == TRM_OK && got == n, "cells returned %d with %zu of %zu", rc, got, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(t[i] >= 0 && (size_t)t[i] < k && p[i] >= 0 && (size_t)p[i] < k, "cell %zu out of range", i);
        FUZZ_ASSERT(i == 0 || t[i - 1] < t[i] || (t[i - 1] == t[i] && p[i - 1] < p[i]), "cell %zu out of order", i);
        FUZZ_ASSERT(v[i] > 0 && isfinite(v[i]), "cell %zu = %g", i, v[i]);
        sum += v[i];
    }
    if (!(flags & TRM_CONFUSION_WEIGHTED))
        FUZZ_ASSERT(sum == total || total > 0x1p53, "cells sum to %.17g, total %.17g", sum, total);
    free(t);
    free(p);
    free(v);
    if (k > 100000)
        return; /* keep the O(K) queries cheap */
    double *per_class = malloc(k * sizeof *per_class), x;
    FUZZ_ASSERT(per_class != NULL, "out of memory");
    rc = trm_sparse_confusion_accuracy(cm, &x);
    FUZZ_ASSERT(rc != TRM_OK || (x >= 0 && x <= 1 + 1e-12), "accuracy %.17g", x);
    for (int metric = TRM_PRECISION; metric <= TRM_SUPPORT; metric++) {
        for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_MACRO_PRESENT; avg++) {
            rc = trm_sparse_confusion_metric_average(cm, metric, avg, TRM_ZERO_DIVISION_ZERO, &x);
            FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_NOMEM, "metric_average(%d, %d) returned %d", metric, avg, rc);
            /* weighted row and column sums are checked only for tp <= sum */
            if (rc == TRM_OK && metric != TRM_SUPPORT && !(flags & TRM_CONFUSION_WEIGHTED) &&
                FUZZ_RANGE_CHECKED(total))
                FUZZ_ASSERT(x >= -FUZZ_RANGE_SLACK && x <= 1 + 1e-12, "metric %d average %d = %.17g", metric, avg, x);
        }
        rc = trm_sparse_confusion_metric_per_class(cm, metric, TRM_ZERO_DIVISION_NAN, per_class);
        FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_NOMEM, "per_class(%d) returned %d", metric, rc);
    }
    rc = trm_sparse_confusion_fbeta_average(cm, 2.0, TRM_AVERAGE_WEIGHTED, TRM_ZERO_DIVISION_ONE, &x);
    FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_NOMEM, "fbeta_average returned %d", rc);
    (void)trm_sparse_confusion_balanced_accuracy(cm, 1, &x);
    for (int w = TRM_KAPPA_NONE; w <= TRM_KAPPA_QUADRATIC; w++) {
        rc = trm_sparse_confusion_cohen_kappa(cm, w, &x);
        FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_EMPTY || rc == TRM_E_NOMEM, "kappa(%d) returned %d", w, rc);
    }
    rc = trm_sparse_confusion_matthews_corrcoef(cm, &x);
    FUZZ_ASSERT(rc != TRM_OK || isnan(x) || (x >= -1 && x <= 1), "mcc %.17g", x);
    free(per_class);
}

FUZZ_DESERIALIZE_HARNESS(sparse_confusion, 6, query)
