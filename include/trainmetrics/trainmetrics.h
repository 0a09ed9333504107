/* SPDX-License-Identifier: MIT */
/**
 * @file trainmetrics.h
 * @brief Umbrella header: includes every trainmetrics module.
 */
#ifndef TRAINMETRICS_H
#define TRAINMETRICS_H

#include "common.h"
#include "cam.h"
#include "calibration.h"
#include "confusion.h"
#include "metrics.h"
#include "multilabel.h"
#include "overfit.h"
#include "ranking.h"
#include "regression.h"
#include "sparse.h"
#include "topk.h"
#include "loss.h"

#endif /* TRAINMETRICS_H */
