/* SPDX-License-Identifier: MIT */
/*
 * Distributed evaluation with MPI: each rank accumulates its shard, and the
 * ranks combine their results three ways.
 *
 *  1. Counts: the K*K uint64_t table of each rank is summed with
 *     MPI_Allreduce(MPI_UINT64_T) and added to a fresh matrix with
 *     trm_confusion_add_counts(); every rank then holds the global matrix.
 *  2. Weights: a TRM_CONFUSION_WEIGHTED matrix's cells (trm_confusion_matrix,
 *     unnormalized) are summed as MPI_DOUBLE and added with
 *     trm_confusion_add_weights().
 *  3. Anything else (here regression errors, whose state is more than a
 *     table): each rank serializes its handle, rank 0 collects the blobs
 *     with MPI_Gatherv, deserializes and merges them.
 *
 * Run: mpirun -np 4 ./mpi_confusion. Every rank also recomputes the whole data
 * set alone and checks the combined results against that single-process
 * result, and against counts and errors tallied directly from the labels
 * (no library involved); it prints "N passed, N failed" and exits non-zero
 * on a mismatch.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>
#include <trainmetrics/trainmetrics.h>

enum { K = 5, N = 10007, M = 3 };

static int passed, failed, rank;

static void expect(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "rank %d: FAIL %s\n", rank, what);
    }
}

/* A status other than TRM_OK ends every rank: the example has no recovery. */
static void check(int status, const char *call)
{
    if (status != TRM_OK) {
        fprintf(stderr, "rank %d: %s: %s (%s)\n", rank, call, trm_strerror(status), trm_last_error());
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

#define CHECK(call) check((call), #call)

/* The whole data set, the same on every rank (a fixed LCG). */
static int32_t y_true[N], y_pred[N];
static double weight[N], r_true[N * M], r_pred[N * M];

static void make_data(void)
{
    uint64_t s = 20240611;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        y_true[i] = (int32_t)((s >> 33) % K);
        s = s * 6364136223846793005u + 1442695040888963407u;
        /* Right about 60 % of the time, otherwise any class. */
        y_pred[i] = (s >> 33) % 10 < 6 ? y_true[i] : (int32_t)((s >> 40) % K);
        /* Dyadic weights: every sum below is exact in any order. */
        weight[i] = 0.25 * (double)(1 + (s >> 50) % 8);
        for (int j = 0; j < M; j++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            r_true[i * M + j] = (double)((s >> 20) % 1000) / 100.0 - 5.0;
            r_pred[i * M + j] = r_true[i * M + j] + (double)((s >> 44) % 200) / 100.0 - 1.0;
        }
    }
}

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    make_data();

    /* This rank's shard: a contiguous block of samples. */
    int begin = (int)((long long)N * rank / size), end = (int)((long long)N * (rank + 1) / size);
    size_t n = (size_t)(end - begin);

    /* ---- 1. counts through MPI_Allreduce(MPI_UINT64_T) ---- */
    trm_confusion *local = NULL, *global = NULL, *alone = NULL;
    uint64_t local_counts[K * K], global_counts[K * K], alone_counts[K * K], tally[K * K] = {0};
    CHECK(trm_confusion_new(&local, K, 0, NULL));
    CHECK(trm_confusion_update_i32(local, y_true + begin, y_pred + begin, n));
    CHECK(trm_confusion_counts(local, local_counts));
    MPI_Allreduce(local_counts, global_counts, K * K, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    CHECK(trm_confusion_new(&global, K, 0, NULL));
    CHECK(trm_confusion_add_counts(global, global_counts));

    CHECK(trm_confusion_new(&alone, K, 0, NULL));
    CHECK(trm_confusion_update_i32(alone, y_true, y_pred, N));
    CHECK(trm_confusion_counts(alone, alone_counts));
    CHECK(trm_confusion_counts(global, global_counts));
    for (int i = 0; i < N; i++)
        tally[y_true[i] * K + y_pred[i]]++;
    expect(memcmp(global_counts, alone_counts, sizeof alone_counts) == 0, "all-reduced counts == one process");
    expect(memcmp(global_counts, tally, sizeof tally) == 0, "all-reduced counts == direct tally");
    double acc_global, acc_alone, f1_global, f1_alone;
    CHECK(trm_accuracy(global, &acc_global));
    CHECK(trm_accuracy(alone, &acc_alone));
    CHECK(trm_metric_average(global, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &f1_global));
    CHECK(trm_metric_average(alone, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &f1_alone));
    uint64_t right = 0;
    for (int c = 0; c < K; c++)
        right += tally[c * K + c];
    expect(acc_global == acc_alone && acc_global == (double)right / N, "accuracy");
    expect(f1_global == f1_alone, "macro F1 (same counts, same arithmetic)");

    /* ---- 2. weights through MPI_Allreduce(MPI_DOUBLE) ---- */
    trm_confusion *wlocal = NULL, *wglobal = NULL, *walone = NULL;
    double local_w[K * K], global_w[K * K], alone_w[K * K], wtally[K * K] = {0};
    CHECK(trm_confusion_new(&wlocal, K, TRM_CONFUSION_WEIGHTED, NULL));
    CHECK(trm_confusion_update_weighted_i32(wlocal, y_true + begin, y_pred + begin, weight + begin, n));
    CHECK(trm_confusion_matrix(wlocal, TRM_NORMALIZE_NONE, local_w));
    MPI_Allreduce(local_w, global_w, K * K, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(trm_confusion_new(&wglobal, K, TRM_CONFUSION_WEIGHTED, NULL));
    CHECK(trm_confusion_add_weights(wglobal, global_w));

    CHECK(trm_confusion_new(&walone, K, TRM_CONFUSION_WEIGHTED, NULL));
    CHECK(trm_confusion_update_weighted_i32(walone, y_true, y_pred, weight, N));
    CHECK(trm_confusion_matrix(walone, TRM_NORMALIZE_NONE, alone_w));
    CHECK(trm_confusion_matrix(wglobal, TRM_NORMALIZE_NONE, global_w));
    for (int i = 0; i < N; i++)
        wtally[y_true[i] * K + y_pred[i]] += weight[i];
    expect(memcmp(global_w, alone_w, sizeof alone_w) == 0, "all-reduced weights == one process");
    expect(memcmp(global_w, wtally, sizeof wtally) == 0, "all-reduced weights == direct tally");
    double wacc_global, wacc_alone;
    CHECK(trm_accuracy(wglobal, &wacc_global));
    CHECK(trm_accuracy(walone, &wacc_alone));
    expect(wacc_global == wacc_alone, "weighted accuracy");

    /* ---- 3. regression errors through serialize + MPI_Gatherv + merge ---- */
    trm_regression *rlocal = NULL, *ralone = NULL;
    CHECK(trm_regression_new(&rlocal, M, NULL));
    CHECK(trm_regression_update_f64(rlocal, r_true + (size_t)begin * M, r_pred + (size_t)begin * M, n));
    size_t blob_size = 0;
    int status = trm_regression_serialize(rlocal, NULL, 0, &blob_size);
    if (status != TRM_E_BUFFER)
        check(status, "trm_regression_serialize (size query)");
    uint8_t *blob = malloc(blob_size);
    if (!blob)
        MPI_Abort(MPI_COMM_WORLD, 3);
    CHECK(trm_regression_serialize(rlocal, blob, blob_size, &blob_size));

    int my_size = (int)blob_size, *sizes = NULL, *offsets = NULL;
    uint8_t *all = NULL;
    if (rank == 0) {
        sizes = malloc(sizeof *sizes * (size_t)size);
        offsets = malloc(sizeof *offsets * (size_t)size);
        if (!sizes || !offsets)
            MPI_Abort(MPI_COMM_WORLD, 3);
    }
    MPI_Gather(&my_size, 1, MPI_INT, sizes, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        int total = 0;
        for (int r = 0; r < size; r++) {
            offsets[r] = total;
            total += sizes[r];
        }
        all = malloc((size_t)total);
        if (!all)
            MPI_Abort(MPI_COMM_WORLD, 3);
    }
    MPI_Gatherv(blob, my_size, MPI_BYTE, all, sizes, offsets, MPI_BYTE, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        trm_regression *merged = NULL;
        CHECK(trm_regression_new(&merged, M, NULL));
        for (int r = 0; r < size; r++) {
            trm_regression *part = NULL;
            CHECK(trm_regression_deserialize(&part, all + offsets[r], (size_t)sizes[r], NULL));
            CHECK(trm_regression_merge(merged, part));
            trm_regression_free(part);
        }
        CHECK(trm_regression_new(&ralone, M, NULL));
        CHECK(trm_regression_update_f64(ralone, r_true, r_pred, N));
        expect(trm_regression_n_samples(merged) == N, "merged sample count");
        /* Direct per-output MAE and MSE. */
        double mae[M] = {0}, mse[M] = {0};
        for (int i = 0; i < N; i++)
            for (int j = 0; j < M; j++) {
                double e = r_pred[i * M + j] - r_true[i * M + j];
                mae[j] += fabs(e) / N;
                mse[j] += e * e / N;
            }
        const int metrics[2] = {TRM_MAE, TRM_MSE};
        for (int k = 0; k < 2; k++) {
            double got[M], want[M];
            CHECK(trm_regression_per_output(merged, metrics[k], got));
            CHECK(trm_regression_per_output(ralone, metrics[k], want));
            for (int j = 0; j < M; j++) {
                const double *direct = k == 0 ? mae : mse;
                /* Merging adds partial sums in another order: equal to rounding. */
                expect(fabs(got[j] - want[j]) <= 1e-12 * fabs(want[j]), "merged regression == one process");
                expect(fabs(got[j] - direct[j]) <= 1e-9 * fabs(direct[j]), "merged regression == direct sums");
            }
        }
        trm_regression_free(merged);
        trm_regression_free(ralone);
        printf("mpi_confusion: %d ranks, accuracy %.6f, weighted accuracy %.6f, macro F1 %.6f\n", size, acc_global,
               wacc_global, f1_global);
    }

    free(all);
    free(sizes);
    free(offsets);
    free(blob);
    trm_regression_free(rlocal);
    trm_confusion_free(local);
    trm_confusion_free(global);
    trm_confusion_free(alone);
    trm_confusion_free(wlocal);
    trm_confusion_free(wglobal);
    trm_confusion_free(walone);

    int counts[2] = {passed, failed}, sums[2];
    MPI_Reduce(counts, sums, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%d passed, %d failed\n", sums[0], sums[1]);
    MPI_Finalize();
    return failed ? 1 : 0;
}
