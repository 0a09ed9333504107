/* SPDX-License-Identifier: MIT */
/* Shared benchmark harness: timing, medians, the read-pass bound and reporting.
 *
 * Every figure is printed beside its bound: the throughput of a plain read pass
 * over the same input bytes, measured in the same process right before and
 * right after the case (the better of the two, so a noisy neighbour cannot
 * flatter the ratio). */
#ifndef TRM_BENCH_HARNESS_H
#define TRM_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bench_options {
    bool json;  /* one JSON object per case instead of a table line */
    bool quick; /* a sub-second smoke run with small inputs */
    int repetitions;
} bench_options;

static inline bench_options bench_parse(int argc, char **argv)
{
    bench_options o = { false, false, 7 };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            o.json = true;
        } else if (strcmp(argv[i], "--quick") == 0) {
            o.quick = true;
            o.repetitions = 3;
        } else {
            fprintf(stderr, "usage: %s [--json] [--quick]\n", argv[0]);
            exit(2);
        }
    }
    return o;
}

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of `repetitions` runs of fn(context), after one warm-up run. */
static inline double bench_median(int repetitions, void (*fn)(void *), void *context)
{
    double times[64];
    fn(context);
    for (int r = 0; r < repetitions; r++) {
        double start = bench_now();
        fn(context);
        times[r] = bench_now() - start;
    }
    qsort(times, (size_t)repetitions, sizeof times[0], bench_compare_doubles);
    return times[repetitions / 2];
}

/* The bound: a vectorizable sum over the input bytes, as 64-bit words. */
typedef struct read_pass {
    const void *const *buffers;
    const size_t *bytes;
    int count;
    volatile uint64_t sink;
} read_pass;

/* The bound gets the same runtime AVX2 dispatch as the library's kernels. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void bench_read_pass(void *context)
{
    read_pass *r = context;
    /* The buffers are read in lockstep, chunk by chunk, as the kernels read
     * their inputs (concurrent streams fetch faster than one after another);
     * the plain 32-bit sum is what the vectorizer turns into the widest loads. */
    enum { CHUNK = 4096 };
    uint32_t total = 0;
    size_t longest = 0;
    for (int b = 0; b < r->count; b++)
        longest = r->bytes[b] > longest ? r->bytes[b] : longest;
    for (size_t start = 0; start < longest / sizeof(uint32_t); start += CHUNK) {
        for (int b = 0; b < r->count; b++) {
            const uint32_t *words = r->buffers[b];
            size_t n = r->bytes[b] / sizeof(uint32_t), end = start + CHUNK < n ? start + CHUNK : n;
            uint32_t sum = 0;
            for (size_t i = start; i < end; i++)
                sum += words[i];
            total += sum;
        }
    }
    r->sink = total;
}

/* One result line: items/s of the case and of the read pass, and their ratio. */
static inline void bench_report(const bench_options *o, const char *name, const char *unit, double items,
                                double seconds, double bytes, double read_before, double read_after)
{
    double read = read_before < read_after ? read_before : read_after;
    double rate = items / seconds, read_rate = items / read;
    if (o->json)
        printf("{\"case\": \"%s\", \"unit\": \"%s\", \"rate\": %.6g, \"read_rate\": %.6g, \"ratio\": %.4f, "
               "\"gbytes_per_s\": %.4g, \"read_gbytes_per_s\": %.4g}\n",
               name, unit, rate, read_rate, rate / read_rate, bytes / seconds * 1e-9, bytes / read * 1e-9);
    else
        printf("%-40s %10.4g %s/s   read pass %10.4g %s/s   ratio %5.2f   (%.2f GB/s)\n", name, rate, unit,
               read_rate, unit, rate / read_rate, bytes / seconds * 1e-9);
    fflush(stdout);
}

/* A deterministic generator, so every run sees the same data. */
static inline uint64_t bench_random(uint64_t *state)
{
    uint64_t x = *state += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static inline void *bench_alloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (p == NULL) {
        fprintf(stderr, "out of memory for %zu bytes\n", bytes);
        exit(1);
    }
    return p;
}

#endif /* TRM_BENCH_HARNESS_H */
