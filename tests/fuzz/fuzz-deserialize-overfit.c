/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_overfit_deserialize() (see fuzz-deserialize.h). */
#include <math.h>

#include "fuzz-deserialize.h"

static void query(const trm_overfit *o)
{
    size_t n = trm_overfit_n_epochs(o);
    int verdict = trm_overfit_verdict(o);
    FUZZ_ASSERT(verdict >= TRM_FIT_WARMUP && verdict <= TRM_FIT_DIVERGED, "verdict %d", verdict);
    int stop = trm_overfit_should_stop(o);
    FUZZ_ASSERT(stop == 0 || stop == 1, "should_stop %d", stop);
    int64_t best = trm_overfit_best_epoch(o);
    FUZZ_ASSERT(best == -1 || (best >= 1 && (uint64_t)best <= n), "best epoch %lld of %zu", (long long)best, n);
    int64_t stop_epoch = trm_overfit_stop_epoch(o);
    FUZZ_ASSERT(stop_epoch == -1 || (stop_epoch >= 1 && (uint64_t)stop_epoch <= n), "stop epoch %lld",
                (long long)stop_epoch);
    FUZZ_ASSERT((stop_epoch != -1) == (stop == 1), "stop epoch %lld but should_stop %d", (long long)stop_epoch,
                stop);
    (void)trm_overfit_onset_epoch(o);
    (void)trm_overfit_best_value(o);
    uint32_t fired = trm_overfit_fired(o);
    for (uint32_t bit = 1; bit <= TRM_CRIT_TREND; bit <<= 1) {
        int64_t first = trm_overfit_first_fire(o, bit);
        FUZZ_ASSERT((first != -1) == ((fired & bit) != 0), "criterion 0x%x first fired %lld, fired 0x%x",
                    (unsigned)bit, (long long)first, (unsigned)fired);
    }
    for (int stat = TRM_STAT_GL; stat <= TRM_STAT_TREND_P; stat++) {
        double v;
        int rc = trm_overfit_statistic(o, stat, &v);
        FUZZ_ASSERT(n == 0 ? rc == TRM_E_EMPTY : rc == TRM_OK, "statistic(%d) returned %d", stat, rc);
    }
    if (n > 0 && n < (1u << 20)) {
        double *train = malloc(n * sizeof *train), *val = malloc(n * sizeof *val);
        FUZZ_ASSERT(train != NULL && val != NULL, "out of memory");
        FUZZ_ASSERT(trm_overfit_history(o, train, val) == TRM_OK, "history failed");
        free(train);
        free(val);
    }
    size_t need = 0;
    int rc = trm_overfit_explain(o, NULL, 0, &need);
    FUZZ_ASSERT(rc == TRM_E_BUFFER && need >= 1, "explain size query returned %d", rc);
    char *text = malloc(need);
    FUZZ_ASSERT(text != NULL, "out of memory");
    size_t got = 0;
    rc = trm_overfit_explain(o, text, need, &got);
    FUZZ_ASSERT(rc == TRM_OK && got == need && text[need - 1] == '\0' && strlen(text) == need - 1,
                "explain returned %d", rc);
    free(text);
}

FUZZ_DESERIALIZE_HARNESS(overfit, 5, query)
