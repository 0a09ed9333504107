/* SPDX-License-Identifier: MIT */
/* Ranking throughput against a read pass over the same scores and labels:
 * exact mode (store the batch, then one ROC AUC: the O(n log n) sort) and
 * binned mode (one binary search per score) at 100 and 1000 thresholds. */
#include <trainmetrics/trainmetrics.h>

#include "harness.h"

typedef struct ranking_case {
    trm_ranking *h;
    const int32_t *labels;
    const float *scores;
    size_t n;
} ranking_case;

static void run_case(void *context)
{
    ranking_case *c = context;
    double auc = 0.0;
    trm_ranking_reset(c->h);
    int rc = trm_ranking_update_f32(c->h, c->labels, c->scores, c->n);
    if (rc == TRM_OK)
        rc = trm_ranking_metric_average(c->h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &auc);
    if (rc != TRM_OK) {
        fprintf(stderr, "ranking failed: %s\n", trm_last_error());
        exit(1);
    }
}

static void measure(const bench_options *o, const char *name, ranking_case *c)
{
    const void *buffers[] = { c->labels, c->scores };
    const size_t bytes[] = { c->n * sizeof(int32_t), c->n * sizeof(float) };
    read_pass pass = { buffers, bytes, 2, 0 };
    double before = bench_median(o->repetitions, bench_read_pass, &pass);
    double seconds = bench_median(o->repetitions, run_case, c);
    double after = bench_median(o->repetitions, bench_read_pass, &pass);
    bench_report(o, name, "samples", (double)c->n, seconds, (double)(bytes[0] + bytes[1]), before, after);
}

int main(int argc, char **argv)
{
    bench_options o = bench_parse(argc, argv);
    const size_t n = o.quick ? 20000 : 1000000;
    int32_t *labels = bench_alloc(n * sizeof *labels);
    float *scores = bench_alloc(n * sizeof *scores);
    uint64_t seed = 15;
    for (size_t i = 0; i < n; i++) {
        labels[i] = (int32_t)(bench_random(&seed) % 2);
        /* positives score higher on average; three decimals give many ties */
        scores[i] = (float)((double)(bench_random(&seed) % 1001) / 1000.0 * 0.8 + 0.2 * labels[i]);
    }
    char name[64];
    trm_ranking *h = NULL;
    if (trm_ranking_new(&h, TRM_RANKING_BINARY, 1, NULL) != TRM_OK)
        return 1;
    ranking_case c = { h, labels, scores, n };
    snprintf(name, sizeof name, "exact update + roc_auc n=%zu", n);
    measure(&o, name, &c);
    trm_ranking_free(h);
    static const size_t grids[] = { 100, 1000 };
    for (size_t g = 0; g < 2; g++) {
        if (trm_ranking_new_binned(&h, TRM_RANKING_BINARY, 1, grids[g], NULL, NULL) != TRM_OK)
            return 1;
        c.h = h;
        snprintf(name, sizeof name, "binned T=%zu update + roc_auc", grids[g]);
        measure(&o, name, &c);
        trm_ranking_free(h);
    }
    free(labels);
    free(scores);
    return 0;
}
