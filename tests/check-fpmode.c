/* SPDX-License-Identifier: MIT */
/* Argmax updates in every floating-point mode a caller may set: the answer
 * the header promises (under denormals-are-zero, subnormal scores equal zero)
 * on every kernel path, and a rejected call that leaves the serialized matrix
 * byte for byte as it was. The suite runs again with TRM_DISABLE_AVX512 and
 * with TRM_DISABLE_SIMD, which reach the AVX2 and the portable kernels. */
#include <float.h>
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#define MXCSR_DAZ 0x0040u
#define MXCSR_FTZ 0x8000u
#else
#define HAVE_MXCSR 0
#endif

enum fp_mode { MODE_IEEE, MODE_DAZ, MODE_FTZ, MODE_DAZ_FTZ, N_MODES };
static const char *const mode_names[N_MODES] = { "IEEE", "DAZ", "FTZ", "DAZ+FTZ" };

/* Sets the mode through MXCSR, as torch.set_flush_denormal(True) does (it
 * sets both bits); returns the previous register for restore_mode(). */
static unsigned set_mode(enum fp_mode mode)
{
#if HAVE_MXCSR
    unsigned before = _mm_getcsr(), bits = 0;
    if (mode == MODE_DAZ || mode == MODE_DAZ_FTZ)
        bits |= MXCSR_DAZ;
    if (mode == MODE_FTZ || mode == MODE_DAZ_FTZ)
        bits |= MXCSR_FTZ;
    _mm_setcsr((before & ~(MXCSR_DAZ | MXCSR_FTZ)) | bits);
    return before;
#else
    (void)mode;
    return 0;
#endif
}

static void restore_mode(unsigned before)
{
#if HAVE_MXCSR
    _mm_setcsr(before);
#else
    (void)before;
#endif
}

/* Whether the mode, once set, reads subnormals as zero: DAZ does on the
 * hardware, but not where the CPU is emulated (valgrind ignores MXCSR's DAZ
 * and FTZ), so the oracle asks the machine instead of assuming. */
/* A function of its own, so that its compare runs after the mode is set:
 * without FENV_ACCESS, clang moves a float compare across _mm_setcsr. */
static __attribute__((noinline)) bool tiny_reads_as_zero(void)
{
    volatile float tiny = FLT_TRUE_MIN;
    return tiny == 0.0f;
}

static bool mode_reads_subnormals_as_zero(enum fp_mode mode)
{
    unsigned before = set_mode(mode);
    bool zero = tiny_reads_as_zero();
    restore_mode(before);
    ck_assert_msg(!zero || mode == MODE_DAZ || mode == MODE_DAZ_FTZ, "%s reads subnormals as zero",
                  mode_names[mode]);
    return zero;
}

/* The modes this machine can set: all four on x86, IEEE alone elsewhere. */
static int n_modes(void)
{
    return HAVE_MXCSR ? N_MODES : 1;
}

enum score_type { F32, F64 };

/* Row i of K scores, as doubles, and the oracle's argmax of it by hand:
 * - every fifth row holds 1.0 at one index: that index in every mode;
 * - the others hold zeros, a negative subnormal and then (written over it
 *   where they meet) a positive subnormal at p: p when subnormals are
 *   numbers, 0 when they read as zero (all equal, ties to the lowest index). */
static size_t make_row(double *row, size_t i, size_t k, enum score_type type, bool subnormals_zero)
{
    double tiny = type == F32 ? (double)FLT_TRUE_MIN * (double)(1 + i % 3) : DBL_TRUE_MIN * (double)(1 + i % 3);
    for (size_t j = 0; j < k; j++)
        row[j] = 0.0;
    if (i % 5 == 0) {
        row[(i * 11) % k] = 1.0;
        return (i * 11) % k;
    }
    row[(i * 3) % k] = -tiny;
    row[(i * 7) % k] = tiny;
    if (k == 1 || subnormals_zero)
        return 0;
    return (i * 7) % k;
}

typedef struct score_table {
    size_t n, k;
    int32_t *y;
    float *f32;
    double *f64;
    uint64_t *want; /* K*K counts by the oracle, the ignored label left out */
} score_table;

static score_table make_rows(size_t n, size_t k, bool with_ignore, bool subnormals_zero)
{
    score_table r = { n, k, malloc(n * sizeof(int32_t)), malloc(n * k * sizeof(float)), malloc(n * k * sizeof(double)),
               calloc(k * k, sizeof(uint64_t)) };
    ck_assert(r.y && r.f32 && r.f64 && r.want);
    for (size_t i = 0; i < n; i++) {
        /* the float32 row first, through the double row it then becomes */
        make_row(r.f64 + i * k, i, k, F32, subnormals_zero);
        for (size_t j = 0; j < k; j++)
            r.f32[i * k + j] = (float)r.f64[i * k + j];
        size_t best = make_row(r.f64 + i * k, i, k, F64, subnormals_zero);
        r.y[i] = (int32_t)((i * 13) % k);
        if (!(with_ignore && k > 1 && r.y[i] == 1))
            r.want[(size_t)r.y[i] * k + best]++;
    }
    return r;
}

static void free_rows(score_table *r)
{
    free(r->y);
    free(r->f32);
    free(r->f64);
    free(r->want);
}

static int argmax(trm_confusion *cm, enum score_type type, const score_table *r, size_t n)
{
    return type == F32 ? trm_confusion_update_argmax_f32(cm, r->y, r->f32, n, r->k)
                       : trm_confusion_update_argmax_f64(cm, r->y, r->f64, n, r->k);
}

static trm_confusion *make_matrix(size_t k, bool with_ignore, uint32_t flags)
{
    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, k, flags, NULL));
    if (with_ignore)
        ck_assert_ok(trm_confusion_set_ignore_label(cm, k > 1 ? 1 : -100));
    return cm;
}

/* Every K of 1..130, then 200 and 1000: the widths the answer is checked at. */
static size_t next_width(size_t k)
{
    return k < 130 ? k + 1 : k == 130 ? 200 : k == 200 ? 1000 : 0;
}

/* The widths at the kernels' edges (AVX2 from 8, its short rows to 16, the
 * AVX-512 kernel to 128, the pair kernels' small-K paths), where failures are
 * tried at every block edge. */
static const size_t widths[] = { 1,   2,   3,   4,   5,   6,   7,   8,   9,   15,  16,  17,  31,  32,
                                 33,  47,  63,  64,  65,  100, 127, 128, 129, 130, 200, 1000 };
#define N_WIDTHS (sizeof widths / sizeof widths[0])

/* Counts r in the given mode and compares the cells with the oracle's. */
static void assert_counts_in_mode(enum fp_mode mode, enum score_type type, const score_table *r, bool with_ignore,
                                  uint32_t flags)
{
    size_t k = r->k;
    uint64_t *got = malloc(k * k * sizeof *got);
    double *w = malloc(k * k * sizeof *w);
    ck_assert(got && w);
    trm_confusion *cm = make_matrix(k, with_ignore, flags);
    unsigned before = set_mode(mode);
    int rc = argmax(cm, type, r, r->n);
    restore_mode(before);
    ck_assert_msg(rc == TRM_OK, "%s K=%zu: %s", mode_names[mode], k, trm_last_error());
    if (flags) {
        ck_assert_ok(trm_confusion_matrix(cm, TRM_NORMALIZE_NONE, w));
        for (size_t c = 0; c < k * k; c++)
            got[c] = (uint64_t)w[c];
    } else {
        ck_assert_ok(trm_confusion_counts(cm, got));
    }
    ck_assert_msg(memcmp(got, r->want, k * k * sizeof *got) == 0,
                  "%s %s K=%zu n=%zu ignore=%d weighted=%u: counts differ from the oracle", mode_names[mode],
                  type == F32 ? "f32" : "f64", k, r->n, with_ignore, flags);
    trm_confusion_free(cm);
    free(got);
    free(w);
}

/* Every K, both types, with and without an ignore label, unweighted (the
 * one-pass kernels) and weighted (the checked two-pass path), short calls
 * (under the AVX-512 kernel's 16 rows) and long ones: the counts equal the
 * oracle's for the mode. */
START_TEST(argmax_answer_follows_mode)
{
    enum fp_mode mode = (enum fp_mode)_i;
    bool zero = mode_reads_subnormals_as_zero(mode);
    for (size_t k = 1; k; k = next_width(k)) {
        for (int with_ignore = 0; with_ignore < 2; with_ignore++)
            for (size_t n = 5; n <= 2100; n += 2095) {
                score_table r = make_rows(n, k, with_ignore, zero);
                for (enum score_type type = F32; type <= F64; type++)
                    for (uint32_t flags = 0; flags <= TRM_CONFUSION_WEIGHTED; flags += TRM_CONFUSION_WEIGHTED)
                        assert_counts_in_mode(mode, type, &r, with_ignore, flags);
                free_rows(&r);
            }
    }
}
END_TEST

/* The rows at which the kernels change block or batch: the AVX-512 kernel's
 * 16-row groups and 1024-row blocks, and the portable and AVX2 blocks of
 * 32 KiB of scores (at most 1024 rows), counted four blocks at a time. */
static size_t block_rows(size_t k, enum score_type type)
{
    size_t bytes = type == F32 ? sizeof(float) : sizeof(double);
    size_t rows = k < 32768 / bytes ? 32768 / (k * bytes) : 1;
    return rows < 1024 ? rows : 1024;
}

static size_t failure_rows(size_t k, enum score_type type, size_t n, size_t *at)
{
    size_t b = block_rows(k, type), m = 0;
    const size_t candidates[] = { 0,     1,         15,        16,        17,    b - 1, b,     b + 1,
                                  4 * b - 1, 4 * b, 4 * b + 1, 5 * b + 3, 1023,  1024,  1025,  2047,
                                  2048,  n - 1 };
    for (size_t c = 0; c < sizeof candidates / sizeof candidates[0]; c++) {
        bool seen = false;
        for (size_t j = 0; j < m; j++)
            seen |= at[j] == candidates[c];
        if (candidates[c] < n && !seen)
            at[m++] = candidates[c];
    }
    return m;
}

/* A call that fails at row f, by a NaN or Inf score or by a bad true label,
 * on a matrix that already holds counts: the status and the element named
 * are the oracle's, and the serialized matrix is byte for byte as before. */
START_TEST(argmax_failure_leaves_matrix)
{
    enum fp_mode mode = (enum fp_mode)_i;
    bool zero = mode_reads_subnormals_as_zero(mode);
    char expected[64];
    for (size_t wi = 0; wi < N_WIDTHS; wi++) {
        size_t k = widths[wi];
        /* past four blocks and a batch, and past two of the AVX-512 kernel's
         * 1024-row blocks where it applies (K <= 128) */
        size_t n = 5 * block_rows(k, F32) + 37;
        n = k > 128 || n > 2100 ? n : 2100;
        for (int with_ignore = 0; with_ignore < 2; with_ignore++) {
            score_table r = make_rows(n, k, with_ignore, zero);
            for (enum score_type type = F32; type <= F64; type++) {
                trm_confusion *cm = make_matrix(k, with_ignore, 0);
                unsigned before = set_mode(mode);
                int rc = argmax(cm, type, &r, n);
                restore_mode(before);
                ck_assert_ok(rc);
                size_t size = 0, at[32], m = failure_rows(k, type, n, at);
                uint8_t *blob = snapshot(cm, &size);
                for (size_t a = 0; a < m; a++) {
                    size_t f = at[a], col = (f * 5) % k;
                    /* a row ignored by its label is not read, so it cannot fail */
                    int32_t y = r.y[f];
                    if (with_ignore && k > 1 && y == 1)
                        r.y[f] = 0;
                    /* a NaN (or, at every other row, an Inf), then a bad label */
                    const int kinds[2] = { a % 2 ? 1 : 0, 2 };
                    for (int t = 0; t < 2; t++) {
                        int bad = kinds[t];
                        float f32 = r.f32[f * k + col];
                        double f64 = r.f64[f * k + col];
                        int32_t label = r.y[f];
                        int code = bad == 2 ? TRM_E_LABEL : TRM_E_NONFINITE;
                        if (bad == 2) {
                            r.y[f] = (int32_t)k;
                            snprintf(expected, sizeof expected, "y_true[%zu]", f);
                        } else {
                            r.f32[f * k + col] = bad ? -INFINITY : NAN;
                            r.f64[f * k + col] = bad ? -INFINITY : NAN;
                            snprintf(expected, sizeof expected, "scores[%zu][%zu]", f, col);
                        }
                        trm_clear_last_error();
                        before = set_mode(mode);
                        rc = argmax(cm, type, &r, n);
                        restore_mode(before);
                        ck_assert_msg(rc == code && strstr(trm_last_error(), expected),
                                      "%s %s K=%zu ignore=%d fail at %zu: %d, \"%s\", expected %s",
                                      mode_names[mode], type == F32 ? "f32" : "f64", k, with_ignore, f, rc,
                                      trm_last_error(), expected);
                        ck_assert_unchanged(cm, blob, size);
                        r.f32[f * k + col] = f32;
                        r.f64[f * k + col] = f64;
                        r.y[f] = label;
                    }
                    r.y[f] = y;
                }
                free(blob);
                trm_confusion_free(cm);
            }
            free_rows(&r);
        }
    }
}
END_TEST

static Suite *fpmode_suite(void)
{
    Suite *s = suite_create("fpmode");
    TCase *tc = tcase_create("answer");
    tcase_add_loop_test(tc, argmax_answer_follows_mode, 0, n_modes());
    suite_add_tcase(s, tc);
    tc = tcase_create("failure");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, argmax_failure_leaves_matrix, 0, n_modes());
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(fpmode_suite());
}
