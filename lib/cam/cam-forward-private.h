/* SPDX-License-Identifier: MIT */
/* The perturbations and weights of the gradient-free CAMs, Score-CAM and
 * Ablation-CAM (pytorch-grad-cam's score_cam.py and ablation_cam.py): cam.c
 * builds the perturbed tensors with these, hands them to the caller's forward
 * callback, and turns the scores it gets back into channel weights. Every
 * tensor is one sample of `channels` x `n` floats in a TRM_LAYOUT_* layout. */
#ifndef TRM_CAM_FORWARD_PRIVATE_H
#define TRM_CAM_FORWARD_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

/* pytorch-grad-cam's Score-CAM divides by max - min + 1e-8. */
#define TRM__SCORECAM_EPS 1e-8f
/* Ablation-CAM sets a channel to min - 1e7 unless the minimum is 0. */
#define TRM__ABLATION_OFFSET 1e7
/* Its objectness mask keeps the positions whose normalized |projection|
 * exceeds 0.01 (ablation_layer.py's threshold). */
#define TRM__OBJECTNESS_THRESHOLD 0.01

/* One channel's place in Ablation-CAM's objectness ranking. */
typedef struct trm__ranked {
    bool constant;  /* |activation| is constant: numpy's score is NaN, which sorts last */
    double score;   /* else the share of its normalized |activation| inside the mask (a float) */
    size_t channel;
} trm__ranked;

/* dst[i] = the value of channel k at position i, i < n, as double. */
void trm__channel_to_double(const float *x, int layout, size_t channels, size_t n, size_t k, double *dst);

/* mask[i] = (mask[i] - min) / (max - min + 1e-8) over i < n, in float as
 * torch computes it on float tensors; a constant mask becomes all zeros. */
void trm__scorecam_mask(float *mask, size_t n);

/* dst = input with each of its in_channels channels multiplied by mask
 * (n_in positions), in float. */
void trm__mask_input(const float *input, const float *mask, int layout, size_t in_channels, size_t n_in,
                     float *dst);

/* The value Ablation-CAM writes over an ablated channel: 0 when the sample's
 * smallest activation is 0, else that minimum minus 1e7, rounded to float. */
float trm__ablation_value(const float *a, size_t count);

/* dst = a with channel k set to `value` at every position. */
void trm__ablate_channel(const float *a, int layout, size_t channels, size_t n, size_t k, float value, float *dst);

/* p (n doubles, the sample's first principal projection) becomes pytorch-grad-cam's
 * objectness mask: 1 where |p| - min |p| exceeds 0.01 of max |p| - min |p|, else 0,
 * each step in float as numpy does it on its float32 projection. */
void trm__objectness_mask(double *p, size_t n);

/* Marks in `chosen` (channels flags) the channels Ablation-CAM ablates with
 * pytorch-grad-cam's ratio_channels_to_ablate < 1: the n_pick best and the
 * n_pick worst by objectness score, 2 n_pick < channels. `ranked` holds
 * channels entries of scratch, `line` 2n floats. */
void trm__choose_ablated(const float *a, int layout, size_t channels, size_t n, const double *mask, size_t n_pick,
                         trm__ranked *ranked, bool *chosen, float *line);

/* w = softmax(scores) over n channels, computed in double with the maximum
 * subtracted first (so it never overflows). */
void trm__softmax_weights(const float *scores, size_t n, double *w);

/* w[k] = (original - ablated[k]) / original; all 0 when original is 0
 * (pytorch-grad-cam would divide by zero). */
void trm__ablation_weights(float original, const float *ablated, size_t n, double *w);

#endif /* TRM_CAM_FORWARD_PRIVATE_H */
