/* SPDX-License-Identifier: MIT */
/* A train/validation pair of curves from a training log and what each
 * stopping criterion says about it. */
#ifndef TRAINMETRICS_CURVES_H
#define TRAINMETRICS_CURVES_H

#include <trainmetrics/trainmetrics.h>

#include "history.h"

struct curves_options {
    const char *monitor; /* validation metric; default val_loss, else the first val_* */
    const char *train;   /* training metric; default the monitor without its val_ prefix */
    int mode;            /* TRM_MODE_MIN, TRM_MODE_MAX, or -1 to choose by name as Keras does */
    unsigned patience;   /* for the Keras and Lightning rows */
    unsigned trend_window; /* trainmetrics' trend test; 0: a tenth of the run, 8 .. 1024 epochs */
    double min_delta;
};

struct criterion_result {
    char label[80];
    int verdict;
    int64_t best, onset, stop; /* epochs counted from 1, -1 for none */
    bool has_restore;          /* the Keras row: */
    int64_t restore;           /* the epoch restore_best_weights=True restores, -1 for none */
    double best_value;
};

enum { CURVES_CRITERIA = 6 };

struct curves {
    const char *train_name, *val_name;
    int mode;
    size_t n;                    /* epochs with both values */
    double *epoch;               /* their epochs, counted from 1 */
    double *train, *val;
    struct criterion_result results[CURVES_CRITERIA]; /* [0] is trainmetrics' default */
    char *explanation;           /* of the default criterion */
};

int curves_compute(struct curves *c, const struct history *h, const char *path, const struct curves_options *opt);
void curves_free(struct curves *c);
/* "overfitting", "plateau", ... */
const char *verdict_name(int verdict);
/* Whether a metric is better when higher, by Keras's rule extended to the
 * usual score names (acc, auc, f1, precision, recall, iou, dice, r2). */
bool metric_higher_is_better(const char *name);
/* The log's training column for a validation column, or -1. */
ptrdiff_t curves_train_for(const struct history *h, const char *val_name);

void curves_print_text(const struct curves *c, FILE *out, const char *source);
int curves_print_json(const struct curves *c, FILE *out, const char *source);

#endif
