/* SPDX-License-Identifier: MIT */
/* Thresholds on logits: `sigmoid(x) > t` as one compare `x > c` per score. */
#ifndef TRM_LOGITS_PRIVATE_H
#define TRM_LOGITS_PRIVATE_H

#include <stdint.h>

#include "trainmetrics/confusion.h"

/* The flags every `_threshold_flags` update accepts. */
#define TRM__SCORE_FLAGS (TRM_SCORES_LOGITS | TRM_SCORES_AUTO)

/* The largest finite x whose sigmoid, rounded as float (double) arithmetic
 * rounds torch's formula 1 / (1 + exp(-x)), is not above t: then
 * `sigmoid(x) > t` exactly when `x > c` for every finite x. -inf when every
 * finite x passes, +inf when none does; t is not NaN. The search runs in the
 * caller's floating-point mode, as torch's sigmoid would. */
float trm__logit_cut_f32(float t);
double trm__logit_cut_f64(double t);

/* Validates flags for `func`: TRM_OK or TRM_E_INVALID with the message set. */
int trm__check_score_flags(const char *func, uint32_t flags);

#endif /* TRM_LOGITS_PRIVATE_H */
