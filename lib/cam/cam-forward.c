/* SPDX-License-Identifier: MIT */
/* Score-CAM and Ablation-CAM: building the perturbed tensors and turning the
 * forward scores into channel weights. The arithmetic on the tensors that go
 * to the model is float, as pytorch-grad-cam does it with float tensors, so
 * the model sees the same masked inputs; the weights are computed in double. */
#include "fp-private.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cam-forward-private.h"
#include "trainmetrics/cam.h"

/* Offset of channel k at position i in one sample. */
static inline size_t at(int layout, size_t channels, size_t n, size_t k, size_t i)
{
    return layout == TRM_LAYOUT_CHANNELS_FIRST ? k * n + i : i * channels + k;
}

void trm__channel_to_double(const float *x, int layout, size_t channels, size_t n, size_t k, double *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (double)x[at(layout, channels, n, k, i)];
}

void trm__scorecam_mask(float *mask, size_t n)
{
    float low = mask[0], high = mask[0];
    for (size_t i = 1; i < n; i++) {
        low = mask[i] < low ? mask[i] : low;
        high = mask[i] > high ? mask[i] : high;
    }
    /* torch: (up - min) / (max - min + 1e-8), each step rounded to float */
    float range = (high - low) + TRM__SCORECAM_EPS;
    for (size_t i = 0; i < n; i++)
        mask[i] = (mask[i] - low) / range;
}

void trm__mask_input(const float *input, const float *mask, int layout, size_t in_channels, size_t n_in,
                     float *dst)
{
    for (size_t k = 0; k < in_channels; k++)
        for (size_t i = 0; i < n_in; i++) {
            size_t j = at(layout, in_channels, n_in, k, i);
            dst[j] = input[j] * mask[i];
        }
}

float trm__ablation_value(const float *a, size_t count)
{
    float low = a[0];
    for (size_t i = 1; i < count; i++)
        low = a[i] < low ? a[i] : low;
    if (low == 0.0f)
        return 0.0f;
    /* torch subtracts the Python float 1e7 from a float tensor in float; one
     * rounding of the exact difference, as this is. */
    return (float)((double)low - TRM__ABLATION_OFFSET);
}

void trm__ablate_channel(const float *a, int layout, size_t channels, size_t n, size_t k, float value, float *dst)
{
    memcpy(dst, a, channels * n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        dst[at(layout, channels, n, k, i)] = value;
}

void trm__softmax_weights(const float *scores, size_t n, double *w)
{
    double top = scores[0], total = 0.0;
    for (size_t k = 1; k < n; k++)
        top = fmax(top, (double)scores[k]);
    for (size_t k = 0; k < n; k++) {
        w[k] = exp((double)scores[k] - top);
        total += w[k];
    }
    for (size_t k = 0; k < n; k++)
        w[k] /= total; /* total >= 1: the top score contributes exp(0) */
}

void trm__ablation_weights(float original, const float *ablated, size_t n, double *w)
{
    double o = (double)original;
    for (size_t k = 0; k < n; k++)
        w[k] = o == 0.0 ? 0.0 : (o - (double)ablated[k]) / o;
}

void trm__objectness_mask(double *p, size_t n)
{
    float low = (float)fabs(p[0]), high = 0.0f;
    for (size_t i = 1; i < n; i++)
        low = fminf(low, (float)fabs(p[i]));
    for (size_t i = 0; i < n; i++)
        high = fmaxf(high, (float)fabs(p[i]) - low);
    /* numpy divides 0 by 0 here and compares NaN: no position passes */
    for (size_t i = 0; i < n; i++)
        p[i] = high > 0.0f && (double)(((float)fabs(p[i]) - low) / high) > TRM__OBJECTNESS_THRESHOLD;
}

/* numpy's pairwise sum of n floats in float arithmetic (its FLOAT_pairwise_sum:
 * eight running sums up to 128 values, halves above), so that a score rounds
 * as numpy's float32 sums round it. */
static float pairwise_sum_f32(const float *x, size_t n)
{
    if (n < 8) {
        float sum = 0.0f;
        for (size_t i = 0; i < n; i++)
            sum += x[i];
        return sum;
    }
    if (n <= 128) {
        float r[8];
        size_t i;
        for (size_t j = 0; j < 8; j++)
            r[j] = x[j];
        for (i = 8; i < n - n % 8; i += 8)
            for (size_t j = 0; j < 8; j++)
                r[j] += x[i + j];
        float sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            sum += x[i];
        return sum;
    }
    size_t half = n / 2;
    half -= half % 8;
    return pairwise_sum_f32(x, half) + pairwise_sum_f32(x + half, n - half);
}

/* Channel k's objectness score as numpy computes it on float32: |activation|
 * min-max normalized, then the sum of the normalized values inside the mask
 * over the sum of all of them. line holds 2n floats of scratch. */
static trm__ranked objectness_score(const float *a, int layout, size_t channels, size_t n, const double *mask,
                                    size_t k, float *line)
{
    float low = fabsf(a[at(layout, channels, n, k, 0)]), high = 0.0f;
    for (size_t i = 1; i < n; i++)
        low = fminf(low, fabsf(a[at(layout, channels, n, k, i)]));
    for (size_t i = 0; i < n; i++)
        high = fmaxf(high, fabsf(a[at(layout, channels, n, k, i)]) - low);
    trm__ranked r = { .constant = !(high > 0.0f), .score = 0.0, .channel = k };
    if (r.constant)
        return r;
    float *u = line, *inside = line + n;
    for (size_t i = 0; i < n; i++) {
        u[i] = (fabsf(a[at(layout, channels, n, k, i)]) - low) / high;
        inside[i] = mask[i] != 0.0 ? u[i] : 0.0f;
    }
    /* the total is at least 1: the largest value normalizes to 1 */
    r.score = (double)(pairwise_sum_f32(inside, n) / pairwise_sum_f32(u, n));
    return r;
}

/* numpy's ascending argsort order: constant channels (NaN scores) last; equal
 * scores by channel, as a stable sort leaves them. */
static int by_objectness(const void *x, const void *y)
{
    const trm__ranked *p = x, *q = y;
    if (p->constant != q->constant)
        return p->constant ? 1 : -1;
    if (!p->constant && p->score != q->score)
        return p->score < q->score ? -1 : 1;
    return (p->channel > q->channel) - (p->channel < q->channel);
}

void trm__choose_ablated(const float *a, int layout, size_t channels, size_t n, const double *mask, size_t n_pick,
                         trm__ranked *ranked, bool *chosen, float *line)
{
    for (size_t k = 0; k < channels; k++)
        ranked[k] = objectness_score(a, layout, channels, n, mask, k, line);
    qsort(ranked, channels, sizeof *ranked, by_objectness);
    memset(chosen, 0, channels * sizeof *chosen);
    for (size_t j = 0; j < n_pick; j++) {
        chosen[ranked[j].channel] = true;
        chosen[ranked[channels - 1 - j].channel] = true;
    }
}
