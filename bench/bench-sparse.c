/* SPDX-License-Identifier: MIT */
/* Sparse confusion-matrix update throughput at 10^4 and 10^6 classes, against a
 * read pass over the same label bytes. Labels: 80% correct, the rest uniform.
 * "fresh" starts each run from an empty table (every growth is paid), "steady"
 * counts the same batch into a table that already holds its cells. */
#include <trainmetrics/trainmetrics.h>

#include "harness.h"

typedef struct sparse_case {
    trm_sparse_confusion *cm;
    const int32_t *y_true, *y_pred;
    size_t n;
    bool fresh;
} sparse_case;

static void run_update(void *context)
{
    sparse_case *c = context;
    if (c->fresh)
        trm_sparse_confusion_reset(c->cm);
    if (trm_sparse_confusion_update_i32(c->cm, c->y_true, c->y_pred, c->n) != TRM_OK) {
        fprintf(stderr, "update failed: %s\n", trm_last_error());
        exit(1);
    }
}

int main(int argc, char **argv)
{
    bench_options o = bench_parse(argc, argv);
    size_t n = o.quick ? (size_t)1 << 14 : (size_t)1 << 21;
    int32_t *t = bench_alloc(n * 4), *p = bench_alloc(n * 4);
    static const size_t ks[] = { 10000, 1000000 };
    char name[80];
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        size_t k = ks[ki];
        uint64_t seed = 15 + k;
        for (size_t i = 0; i < n; i++) {
            t[i] = (int32_t)(bench_random(&seed) % k);
            p[i] = bench_random(&seed) % 5 ? t[i] : (int32_t)(bench_random(&seed) % k);
        }
        trm_sparse_confusion *cm;
        if (trm_sparse_confusion_new(&cm, k, 0, NULL) != TRM_OK)
            return 1;
        read_pass pass = { (const void *[]){ t, p }, (const size_t[]){ n * 4, n * 4 }, 2, 0 };
        for (int fresh = 1; fresh >= 0; fresh--) {
            sparse_case c = { cm, t, p, n, fresh };
            double before = bench_median(o.repetitions, bench_read_pass, &pass);
            double seconds = bench_median(o.repetitions, run_update, &c);
            double after = bench_median(o.repetitions, bench_read_pass, &pass);
            snprintf(name, sizeof name, "sparse update_i32 K=%zu %s", k, fresh ? "fresh" : "steady");
            bench_report(&o, name, "samples", (double)n, seconds, (double)n * 8, before, after);
        }
        if (!o.json)
            printf("%-40s %zu cells, %zu bytes held (dense: %.3g bytes)\n", "", trm_sparse_confusion_n_cells(cm),
                   trm_sparse_confusion_memory_size(cm), (double)k * (double)k * 8);
        trm_sparse_confusion_free(cm);
    }
    free(t);
    free(p);
    return 0;
}
