/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_loss_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

static void query(const trm_loss *l)
{
    int kind = trm_loss_kind(l);
    size_t k = trm_loss_n_classes(l);
    FUZZ_ASSERT(kind >= TRM_LOSS_CROSS_ENTROPY && kind <= TRM_LOSS_BRIER, "kind %d", kind);
    FUZZ_ASSERT(k >= (kind == TRM_LOSS_BINARY_CROSS_ENTROPY ? 1u : 2u), "%zu classes for kind %d", k, kind);
    double sum = -1, weight = -1, v = -1;
    FUZZ_ASSERT(trm_loss_sum(l, &sum) == TRM_OK && sum >= 0 && isfinite(sum), "sum %.17g", sum);
    FUZZ_ASSERT(trm_loss_total_weight(l, &weight) == TRM_OK && weight >= 0 && isfinite(weight), "weight %.17g",
                weight);
    int rc = trm_loss_value(l, &v);
    if (trm_loss_n_samples(l) == 0 || weight == 0) {
        FUZZ_ASSERT(rc == TRM_E_EMPTY, "value of an empty accumulator returned %d", rc);
        return;
    }
    FUZZ_ASSERT(rc == TRM_OK && v >= 0, "value returned %d, %.17g", rc, v);
    /* rows need not sum to 1, so a Brier row reaches K (p_y = 0, the others 1); halved for K = 2 */
    if (kind == TRM_LOSS_BRIER)
        FUZZ_ASSERT(v <= (k == 2 ? 1.0 : (double)k) * (1 + 1e-9), "Brier score %.17g for %zu classes", v, k);
    /* a loaded state still takes updates and merges */
    trm_loss *copy = NULL;
    FUZZ_ASSERT(trm_loss_clone(&copy, l) == TRM_OK, "clone failed");
    rc = trm_loss_merge(copy, l);
    FUZZ_ASSERT(rc == TRM_OK || rc == TRM_E_OVERFLOW, "merge returned %d", rc);
    trm_loss_free(copy);
}

FUZZ_DESERIALIZE_HARNESS(loss, 6, query)
