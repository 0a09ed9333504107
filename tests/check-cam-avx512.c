/* SPDX-License-Identifier: MIT */
/* The AVX-512 Grad-CAM loops (lib/cam-avx512.c), built into this test, against
 * the arithmetic they must reproduce bit for bit: that of the portable loops
 * in cam.c, written out below as plain scalar sums. Eight lanes of partial
 * sums take the elements i = k (mod 8) of the full blocks of eight in order;
 * the lane total is ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). A
 * channels-first gradient row's leftover elements form a separate sum added
 * after the lane total; a weighted position sum adds its leftover element t
 * into lane t. Inputs span 2^-20 .. 2^20 with both signs, so any other order
 * of the same additions rounds differently somewhere in the sweep.
 *
 * On a CPU without AVX-512F there is nothing to run: the test reports a skip
 * (exit status 77). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "cam-private.h"

#define MAX_CHANNELS 24
#define MAX_POSITIONS 70
#define LANES 8

static double lane_total(const double *l)
{
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* sum of row[0 .. n): lanes over the full blocks, the rest summed apart */
static double row_sum(const float *row, size_t n)
{
    double lanes[LANES] = { 0 }, rest = 0.0;
    size_t full = n - n % LANES;
    for (size_t i = 0; i < full; i++)
        lanes[i % LANES] += row[i];
    for (size_t i = full; i < n; i++)
        rest += row[i];
    return lane_total(lanes) + rest;
}

/* sum over j < width of w[j] row[j]: leftover element t goes into lane t */
static double weighted_sum(const float *row, const double *w, size_t width)
{
    double lanes[LANES] = { 0 };
    size_t full = width - width % LANES;
    for (size_t j = 0; j < width; j++)
        lanes[j < full ? j % LANES : j - full] += w[j] * (double)row[j];
    return lane_total(lanes);
}

/* Grad-CAM channels-first: each weight the mean of its gradient row, the map
 * the channels' weighted rows added in channel order. */
static void gradcam_first(const float *g, const float *a, size_t channels, size_t n, double *w, double *map)
{
    memset(map, 0, n * sizeof(double));
    for (size_t c = 0; c < channels; c++) {
        w[c] = row_sum(g + c * n, n) / (double)n;
        for (size_t i = 0; i < n; i++)
            map[i] += w[c] * (double)a[c * n + i];
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* A float of either sign with a magnitude in [2^-20, 2^20). */
static float spread_float(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    float mantissa = 1.0f + (float)(rng_state >> 41) / 8388608.0f;
    float value = ldexpf(mantissa, (int)(rng_state % 40) - 20);
    return (rng_state >> 40) & 1 ? -value : value;
}

static void fill(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = spread_float();
}

static void assert_same_bits(const double *got, const double *want, size_t n, const char *what, size_t channels,
                             size_t positions)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(memcmp(&got[i], &want[i], sizeof(double)) == 0,
                      "%s, %zu channels x %zu positions: [%zu] = %a, the portable order gives %a", what, channels,
                      positions, i, got[i], want[i]);
}

START_TEST(gradcam_first_matches_portable_order)
{
    static float g[MAX_CHANNELS * MAX_POSITIONS], a[MAX_CHANNELS * MAX_POSITIONS];
    double w[MAX_CHANNELS], map[MAX_POSITIONS], want_w[MAX_CHANNELS], want_map[MAX_POSITIONS];
    for (size_t channels = 1; channels <= MAX_CHANNELS; channels++) {
        for (size_t n = 1; n <= MAX_POSITIONS; n++) {
            fill(g, channels * n);
            fill(a, channels * n);
            trm__gradcam_first_avx512(g, a, channels, n, w, map);
            gradcam_first(g, a, channels, n, want_w, want_map);
            assert_same_bits(w, want_w, channels, "weights", channels, n);
            assert_same_bits(map, want_map, n, "map", channels, n);
        }
    }
}
END_TEST

START_TEST(channels_last_sums_match_portable_order)
{
    static float x[MAX_CHANNELS * MAX_POSITIONS];
    double w[MAX_CHANNELS], sums[MAX_CHANNELS], want_sums[MAX_CHANNELS];
    double out[MAX_POSITIONS], want_out[MAX_POSITIONS];
    for (size_t channels = 1; channels <= MAX_CHANNELS; channels++) {
        for (size_t n = 1; n <= MAX_POSITIONS; n++) {
            fill(x, channels * n);
            trm__column_sums_avx512(x, n, channels, sums);
            for (size_t c = 0; c < channels; c++) {
                want_sums[c] = 0.0;
                for (size_t i = 0; i < n; i++)
                    want_sums[c] += x[i * channels + c];
            }
            assert_same_bits(sums, want_sums, channels, "channel sums", channels, n);

            for (size_t c = 0; c < channels; c++)
                w[c] = (double)spread_float() / 3.0;
            trm__weighted_row_sums_avx512(x, n, channels, w, out);
            for (size_t i = 0; i < n; i++)
                want_out[i] = weighted_sum(x + i * channels, w, channels);
            assert_same_bits(out, want_out, n, "weighted position sums", channels, n);
        }
    }
}
END_TEST

int main(void)
{
#if TRM__HAVE_AVX512_CAM
    if (!trm__cam_avx512_usable()) {
        puts("this CPU has no AVX-512F: nothing to test");
        return 77;
    }
    Suite *s = suite_create("cam-avx512");
    TCase *tc = tcase_create("order");
    tcase_add_test(tc, gradcam_first_matches_portable_order);
    tcase_add_test(tc, channels_last_sums_match_portable_order);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
#else
    puts("no AVX-512 loops on this platform: nothing to test");
    return 77;
#endif
}
