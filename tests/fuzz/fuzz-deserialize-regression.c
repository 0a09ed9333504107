/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_regression_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

static void query(const trm_regression *r)
{
    size_t m = trm_regression_n_outputs(r);
    FUZZ_ASSERT(m >= 1, "%zu outputs", m);
    uint64_t n = trm_regression_n_samples(r);
    double v;
    for (int metric = TRM_MAE; metric <= TRM_SAD; metric++) {
        int rc = trm_regression_average(r, metric, &v);
        FUZZ_ASSERT(n == 0 ? rc == TRM_E_EMPTY : rc == TRM_OK, "average(%d) returned %d", metric, rc);
        if (rc == TRM_OK && metric != TRM_R2)
            FUZZ_ASSERT(v >= 0, "metric %d = %.17g", metric, v);
    }
    if (m > 4096)
        return;
    double *per = malloc(m * sizeof *per);
    FUZZ_ASSERT(per != NULL, "out of memory");
    for (int metric = TRM_MAE; metric <= TRM_SAD; metric++) {
        int rc = trm_regression_per_output(r, metric, per);
        if (metric > TRM_MAX_ERROR)
            FUZZ_ASSERT(rc == TRM_E_INVALID, "per_output(%d) returned %d", metric, rc);
        else
            FUZZ_ASSERT(n == 0 ? rc == TRM_E_EMPTY : rc == TRM_OK, "per_output(%d) returned %d", metric, rc);
    }
    free(per);
}

FUZZ_DESERIALIZE_HARNESS(regression, 4, query)
