/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_ranking_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

/* Every score of a loaded handle is in [0, 1] (or NaN for a weightless exact
 * column), a curve's size query and fill agree, and the queries never fail
 * with anything but the documented codes. */
static void query(const trm_ranking *h)
{
    const size_t c = trm_ranking_n_columns(h);
    const uint64_t n = trm_ranking_n_samples(h);
    const int binned = trm_ranking_mode(h) == TRM_RANKING_BINNED;
    FUZZ_ASSERT(c >= 1, "%zu columns", c);
    if (n > 20000 || c > 64)
        return;
    for (int metric = TRM_RANKING_ROC_AUC; metric <= TRM_RANKING_AVERAGE_PRECISION; metric++) {
        for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_WEIGHTED; avg++) {
            double v = -1;
            int rc = trm_ranking_metric_average(h, metric, avg, &v);
            if (n == 0) {
                FUZZ_ASSERT(rc == TRM_E_EMPTY, "average of nothing returned %d", rc);
                continue;
            }
            FUZZ_ASSERT(rc == TRM_OK || (!binned && metric == TRM_RANKING_ROC_AUC && rc == TRM_E_INVALID),
                        "metric %d average %d returned %d", metric, avg, rc);
            if (rc == TRM_OK)
                FUZZ_ASSERT(isnan(v) || (v >= -1e-12 && v <= 1 + 1e-12), "metric %d average %d = %.17g", metric,
                            avg, v);
        }
    }
    if (n == 0)
        return;
    size_t need = 0;
    int rc = trm_ranking_roc_curve(h, 0, 1, NULL, NULL, NULL, 0, &need);
    if (rc != TRM_E_BUFFER) {
        FUZZ_ASSERT(!binned && rc == TRM_E_INVALID, "roc_curve size query returned %d", rc);
        return;
    }
    double *a = malloc(3 * need * sizeof(double));
    FUZZ_ASSERT(a != NULL, "out of memory");
    size_t got = 0;
    rc = trm_ranking_roc_curve(h, 0, 1, a, a + need, a + 2 * need, need, &got);
    FUZZ_ASSERT(rc == TRM_OK && got == need, "roc_curve returned %d with %zu of %zu points", rc, got, need);
    free(a);
}

FUZZ_DESERIALIZE_HARNESS(ranking, 6, query)
