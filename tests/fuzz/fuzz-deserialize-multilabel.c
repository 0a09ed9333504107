/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_multilabel_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

static void query(const trm_multilabel *m)
{
    size_t l = trm_multilabel_n_labels(m);
    FUZZ_ASSERT(l >= 1, "%zu labels", l);
    uint64_t n = trm_multilabel_n_samples(m);
    double v;
    int rc = trm_multilabel_subset_accuracy(m, &v);
    FUZZ_ASSERT(n == 0 ? rc == TRM_E_EMPTY : rc == TRM_OK && v >= 0 && v <= 1,
                "subset accuracy returned %d, %g", rc, v);
    rc = trm_multilabel_hamming_loss(m, &v);
    FUZZ_ASSERT(n == 0 ? rc == TRM_E_EMPTY : rc == TRM_OK && v >= 0 && v <= 1,
                "hamming loss returned %d, %g", rc, v);
    if (l > 4096)
        return;
    uint64_t *counts = malloc(l * 4 * sizeof *counts);
    double *per = malloc(l * sizeof *per);
    FUZZ_ASSERT(counts != NULL && per != NULL, "out of memory");
    FUZZ_ASSERT(trm_multilabel_counts(m, counts) == TRM_OK, "counts failed");
    for (size_t i = 0; i < l; i++) {
        uint64_t sum = counts[4 * i] + counts[4 * i + 1] + counts[4 * i + 2] + counts[4 * i + 3];
        FUZZ_ASSERT(sum == n, "label %zu: tn+fp+fn+tp = %llu, n = %llu", i, (unsigned long long)sum,
                    (unsigned long long)n);
    }
    for (int metric = TRM_PRECISION; metric <= TRM_SUPPORT; metric++) {
        rc = trm_multilabel_metric_per_label(m, metric, TRM_ZERO_DIVISION_ONE, per);
        FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_NOMEM, "per_label(%d) returned %d", metric, rc);
        for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_SAMPLES; avg++) {
            rc = trm_multilabel_metric_average(m, metric, avg, TRM_ZERO_DIVISION_NAN, &v);
            int samples_ok = metric == TRM_PRECISION || metric == TRM_RECALL || metric == TRM_F1 ||
                             metric == TRM_JACCARD || metric == TRM_SUPPORT;
            if (avg == TRM_AVERAGE_SAMPLES && !samples_ok)
                FUZZ_ASSERT(rc == TRM_E_INVALID, "samples average of %d returned %d", metric, rc);
            else
                FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_NOMEM, "average(%d, %d) returned %d", metric, avg, rc);
            if (rc == TRM_OK && metric != TRM_SUPPORT)
                FUZZ_ASSERT(isnan(v) || (v >= -FUZZ_RANGE_SLACK && v <= 1 + 1e-12), "metric %d average %d = %.17g", metric,
                            avg, v);
        }
    }
    free(counts);
    free(per);
}

FUZZ_DESERIALIZE_HARNESS(multilabel, 3, query)
