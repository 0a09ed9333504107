/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_topk_deserialize() (see fuzz-deserialize.h). */
#include "fuzz-deserialize.h"

static void query(const trm_topk *t)
{
    size_t k = trm_topk_n_classes(t), max_k = trm_topk_max_k(t);
    FUZZ_ASSERT(k >= 1 && max_k >= 1 && max_k <= k, "K %zu, max_k %zu", k, max_k);
    uint64_t n = trm_topk_n_samples(t);
    double prev = 0;
    for (size_t j = 1; j <= max_k && j <= 4096; j++) {
        double acc = -1;
        int rc = trm_topk_accuracy(t, j, &acc);
        if (n == 0) {
            FUZZ_ASSERT(rc == TRM_E_EMPTY, "accuracy of nothing returned %d", rc);
            break;
        }
        FUZZ_ASSERT(rc == TRM_OK, "accuracy(k=%zu) returned %d", j, rc);
        FUZZ_ASSERT(acc >= prev && acc <= 1, "top-%zu accuracy %.17g after %.17g", j, acc, prev);
        prev = acc;
    }
    double acc;
    int rc = trm_topk_accuracy(t, max_k + 1, &acc);
    FUZZ_ASSERT(rc == TRM_E_INVALID, "accuracy(max_k + 1) returned %d", rc);
}

FUZZ_DESERIALIZE_HARNESS(topk, 2, query)
