/* SPDX-License-Identifier: MIT */
/* Handles are not shared between threads, but the library is: eight threads
 * each count their own shard into their own matrix, provoke their own
 * failures, and read their own trm_last_error(); the shards then merge into
 * the matrix one thread would have counted. CI runs this under
 * ThreadSanitizer too. */
#include <pthread.h>
#include <stdio.h>

#include "testutil.h"

enum { THREADS = 8, K = 7, SHARD = 50000, ROUNDS = 20 };

typedef struct shard {
    size_t index;
    int32_t y_true[SHARD], y_pred[SHARD];
    float scores[64 * K];
    trm_confusion *cm;
    int failures_seen_right; /* rounds whose error text named this thread's element */
} shard;

static void *count_shard(void *arg)
{
    shard *s = arg;
    char expected[64];
    for (int round = 0; round < ROUNDS; round++) {
        ck_assert_ok(trm_confusion_update_i32(s->cm, s->y_true, s->y_pred, SHARD));
        /* a bad label at an index only this thread uses */
        size_t bad = s->index * 100 + (size_t)round;
        int32_t keep = s->y_pred[bad];
        s->y_pred[bad] = K + (int32_t)s->index;
        int rc = trm_confusion_update_i32(s->cm, s->y_true, s->y_pred, SHARD);
        snprintf(expected, sizeof expected, "y_pred[%zu] = %zu", bad, (size_t)K + s->index);
        s->failures_seen_right += rc == TRM_E_LABEL && strstr(trm_last_error(), expected) != NULL;
        s->y_pred[bad] = keep;
        ck_assert_ok(trm_confusion_update_argmax_f32(s->cm, s->y_true, s->scores, 64, K));
    }
    return NULL;
}

START_TEST(threads_count_merge_and_keep_their_errors)
{
    static shard shards[THREADS];
    pthread_t threads[THREADS];
    uint64_t want[K * K] = { 0 }, got[K * K];
    for (size_t t = 0; t < THREADS; t++) {
        shard *s = &shards[t];
        s->index = t;
        s->failures_seen_right = 0;
        for (size_t i = 0; i < SHARD; i++) {
            s->y_true[i] = (int32_t)((i * 3 + t) % K);
            s->y_pred[i] = (int32_t)((i * 5 + t * t) % K);
            want[(size_t)s->y_true[i] * K + (size_t)s->y_pred[i]] += ROUNDS;
        }
        for (size_t i = 0; i < 64; i++) {
            for (size_t j = 0; j < K; j++)
                s->scores[i * K + j] = (float)((i + j * 3 + t) % 5);
            size_t best = 0;
            for (size_t j = 1; j < K; j++)
                best = s->scores[i * K + j] > s->scores[i * K + best] ? j : best;
            want[(size_t)s->y_true[i] * K + best] += ROUNDS;
        }
        ck_assert_ok(trm_confusion_new(&s->cm, K, 0, NULL));
    }
    for (size_t t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&threads[t], NULL, count_shard, &shards[t]), 0);
    for (size_t t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    for (size_t t = 1; t < THREADS; t++)
        ck_assert_ok(trm_confusion_merge(shards[0].cm, shards[t].cm));
    ck_assert_ok(trm_confusion_counts(shards[0].cm, got));
    ck_assert_msg(memcmp(got, want, sizeof got) == 0, "the merged shards differ from one stream");
    for (size_t t = 0; t < THREADS; t++) {
        ck_assert_msg(shards[t].failures_seen_right == ROUNDS, "thread %zu read its own error in %d of %d rounds",
                      t, shards[t].failures_seen_right, ROUNDS);
        trm_confusion_free(shards[t].cm);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_add_test(tc, threads_count_merge_and_keep_their_errors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
