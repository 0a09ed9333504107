/* SPDX-License-Identifier: MIT */
/* The Keras semantics of the overfitting detector (overfit.h, since 0.3):
 * start_from_epoch, baseline and the epoch restore_best_weights restores, and
 * the overfit blob's format 2 beside format 1.
 *
 * Every expected value was worked out by hand from keras.callbacks.EarlyStopping
 * (Keras 3, keras/src/callbacks/early_stopping.py), whose on_epoch_end does, for
 * its 0-based epoch e:
 *   skip the epoch if e < start_from_epoch;
 *   the first monitored epoch: best_epoch = e (restore_best_weights keeps its weights);
 *   wait += 1;
 *   if current + min_delta < best (MIN; MAX mirrored): best = current, best_epoch = e,
 *       wait = 0 only if also current + min_delta < baseline (or no baseline); return;
 *   if wait >= patience and e > 0: stop.
 * and restores best_epoch's weights in on_train_end, stopped or not. Epochs below
 * are 1-based (Keras's e + 1); the working is in the comments. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#else
#define HAVE_MXCSR 0
#endif

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static trm_overfit *make(int preset)
{
    trm_overfit *o = NULL;
    ck_assert_ok(trm_overfit_new(&o, NULL));
    ck_assert_ok(trm_overfit_preset(o, preset));
    return o;
}

static void push_val(trm_overfit *o, const double *val, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_ok(trm_overfit_push(o, 0.0, val[i]));
}

/* ---- restore_best_weights with min_delta (issue 15) -------------------------------- */

/* 1, .8, .795, .79, .85, .86; patience 3, min_delta .02:
 *   1: first, best 1 (epoch 1)       2: .82 < 1, best .8 (epoch 2), wait 0
 *   3: .815 < .8? no, wait 1         4: .81 < .8? no, wait 2
 *   5: .87 no, wait 3 >= 3: stop at 5. Keras restores epoch 2; the true best is 4. */
static const double MIN_DELTA_VAL[] = { 1.0, .8, .795, .79, .85, .86 };
static const int64_t MIN_DELTA_RESTORE[] = { 1, 2, 2, 2, 2, 2 };

START_TEST(restore_with_min_delta)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 3, 0.02, 0.0));
    ck_assert_int_eq(trm_overfit_restore_epoch(o), -1);
    ck_assert(isnan(trm_overfit_restore_value(o)));
    for (size_t i = 0; i < N_ELEMS(MIN_DELTA_VAL); i++) {
        ck_assert_ok(trm_overfit_push(o, 0.0, MIN_DELTA_VAL[i]));
        ck_assert_msg(trm_overfit_restore_epoch(o) == MIN_DELTA_RESTORE[i], "epoch %zu: restore %" PRId64,
                      i + 1, trm_overfit_restore_epoch(o));
    }
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 5);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 4);
    ck_assert(trm_overfit_best_value(o) == .79);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 2);
    ck_assert(trm_overfit_restore_value(o) == .8);
    char text[1024];
    size_t size = 0;
    ck_assert_ok(trm_overfit_explain(o, text, sizeof text, &size));
    ck_assert_msg(strstr(text, "best 0.79 at epoch 4") || strstr(text, "0.79 (epoch 4)"), "%s", text);
    ck_assert_msg(strstr(text, "restore_best_weights would restore epoch 2 (validation 0.8)"), "%s", text);
    trm_overfit_free(o);
}
END_TEST

/* Without min_delta the restore epoch is the true best. */
START_TEST(restore_without_min_delta_is_best)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 3, 0.0, 0.0));
    push_val(o, MIN_DELTA_VAL, N_ELEMS(MIN_DELTA_VAL));
    /* 4: .79 < .795, wait 0; 5, 6: wait 1, 2 < 3: no stop */
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 4);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 4);
    char text[1024];
    size_t size = 0;
    ck_assert_ok(trm_overfit_explain(o, text, sizeof text, &size));
    ck_assert_msg(strstr(text, "restore_best_weights") == NULL, "%s", text); /* same as the best epoch */
    trm_overfit_free(o);
}
END_TEST

/* Training stops at the stop epoch: what is pushed afterwards moves the true best,
 * not the restore epoch. 1, .9, .95, .5 with patience 0: 3 does not improve, wait
 * 1 >= 0 at epoch 3 > 1: stop at 3 restoring 2; epoch 4 is the true best. */
START_TEST(restore_frozen_at_stop)
{
    static const double val[] = { 1.0, .9, .95, .5 };
    trm_overfit *o = make(TRM_PRESET_KERAS);
    push_val(o, val, N_ELEMS(val));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 3);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 2);
    ck_assert(trm_overfit_restore_value(o) == .9);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 4);
    trm_overfit_free(o);
}
END_TEST

/* Keras 3 restores in on_train_end also without a stop; when no epoch beats the
 * first by min_delta, the first monitored epoch's weights are the ones kept.
 * 1, .95, .9, .92 with min_delta .2, patience 5: .95 + .2, .9 + .2, .92 + .2 are
 * all >= 1; waits 1, 2, 3 < 5: no stop, restore 1, true best 3. */
START_TEST(restore_without_stop)
{
    static const double val[] = { 1.0, .95, .9, .92 };
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 5, 0.2, 0.0));
    push_val(o, val, N_ELEMS(val));
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 1);
    ck_assert(trm_overfit_restore_value(o) == 1.0);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 3);
    trm_overfit_free(o);
}
END_TEST

/* A non-finite first value does not improve (Keras starts best at +inf, and
 * NaN + 0 < inf is false) but its epoch is the first monitored one. NaN, 1, .9
 * with patience 0: epoch 1 no stop (e = 0); 2 improves; 3 improves. */
START_TEST(restore_after_nonfinite_start)
{
    static const double val[] = { NAN, 1.0, .9 };
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_push(o, 0.0, val[0]));
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 1);
    ck_assert(isnan(trm_overfit_restore_value(o)));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    push_val(o, val + 1, 2);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 3);
    ck_assert(trm_overfit_restore_value(o) == .9);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    trm_overfit_free(o);
}
END_TEST

/* ---- start_from_epoch and the Keras preset's warm-up (issue 15) --------------------- */

/* 1, .5, .6, .7, .8, .9, .95, .97; patience 2. Keras with start_from_epoch 4 skips
 * e = 0..3 (our 1..4): 5 (.8) first, best; 6: wait 1; 7: wait 2 >= 2: stop at 7,
 * restore 5. Our warm-up 4 in the default preset tracks from epoch 1: best .5
 * at 2, wait 3 at epoch 5 > 4: stop at 5. */
static const double START_VAL[] = { 1.0, .5, .6, .7, .8, .9, .95, .97 };

START_TEST(keras_preset_warmup_is_start_from_epoch)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 4));
    for (size_t i = 0; i < N_ELEMS(START_VAL); i++) {
        ck_assert_ok(trm_overfit_push(o, 0.0, START_VAL[i]));
        int64_t want = i < 4 ? -1 : 5;
        ck_assert_msg(trm_overfit_restore_epoch(o) == want, "epoch %zu: restore %" PRId64, i + 1,
                      trm_overfit_restore_epoch(o));
        if (i < 4)
            ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_WARMUP);
    }
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 7);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 5);
    ck_assert(trm_overfit_restore_value(o) == .8);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
    trm_overfit_free(o);
}
END_TEST

START_TEST(start_from_epoch_in_any_preset)
{
    for (int preset = TRM_PRESET_DEFAULT; preset <= TRM_PRESET_KERAS; preset++) {
        trm_overfit *o = make(preset);
        ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
        ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
        ck_assert_ok(trm_overfit_set_start_from_epoch(o, 4));
        push_val(o, START_VAL, N_ELEMS(START_VAL));
        ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);
        ck_assert_int_eq(trm_overfit_restore_epoch(o), 5);
        ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
        /* no warm-up: the verdict is not WARMUP in the unmonitored epochs */
        trm_overfit_reset(o);
        push_val(o, START_VAL, 1);
        ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_IMPROVING);
        ck_assert_int_eq(trm_overfit_restore_epoch(o), -1);
        trm_overfit_free(o);
    }
}
END_TEST

START_TEST(default_preset_warmup_unchanged)
{
    trm_overfit *o = make(TRM_PRESET_DEFAULT);
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 4));
    push_val(o, START_VAL, N_ELEMS(START_VAL));
    /* PATIENCE held from epoch 4 (wait 2 after the best at 2); stop after the warm-up */
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 4);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 5);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 2);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
    trm_overfit_free(o);
}
END_TEST

/* In the Keras preset the larger of warm-up and start_from_epoch counts. With
 * start 6: 7 (.95) first, 8: wait 1 < 2, no stop; restore 7. */
START_TEST(keras_preset_larger_of_warmup_and_start)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 4));
    ck_assert_ok(trm_overfit_set_start_from_epoch(o, 6));
    push_val(o, START_VAL, N_ELEMS(START_VAL));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 7);
    ck_assert_ok(trm_overfit_set_start_from_epoch(o, 2));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 5);
    /* a later preset forgets both */
    trm_overfit *p = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_start_from_epoch(p, 6));
    ck_assert_ok(trm_overfit_preset(p, TRM_PRESET_KERAS));
    push_val(p, START_VAL, 3);
    ck_assert_int_eq(trm_overfit_stop_epoch(p), 3);
    trm_overfit_free(p);
    trm_overfit_free(o);
}
END_TEST

/* Nothing monitored: no restore epoch, no stop; the true best is still known. */
START_TEST(start_beyond_history)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_start_from_epoch(o, 8));
    push_val(o, START_VAL, N_ELEMS(START_VAL));
    ck_assert_int_eq(trm_overfit_restore_epoch(o), -1);
    ck_assert(isnan(trm_overfit_restore_value(o)));
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
    ck_assert_ok(trm_overfit_set_start_from_epoch(o, UINT32_MAX));
    ck_assert_int_eq(trm_overfit_restore_epoch(o), -1);
    trm_overfit_free(o);
}
END_TEST

/* ---- baseline ---------------------------------------------------------------------- */

/* 1, .9, .9, .9 with patience 2:
 *   baseline .5: 1: wait 1, improves (first) but not on .5: wait stays 1;
 *                2: wait 2, improves, stays; 3: wait 3, no improvement, 3 >= 2: stop 3.
 *   baseline .95: 1: wait 1 (1 + 0 < .95 no); 2: .9 < .95: wait 0; 3: 1; 4: 2: stop 4.
 *   none: 2 improves, wait 0; 3: 1; 4: 2: stop 4.
 * Every case restores 2. */
static const struct {
    double baseline;
    int64_t stop;
} baseline_table[] = { { .5, 3 }, { .95, 4 }, { NAN, 4 }, { .9, 3 }, { 10.0, 4 } };

START_TEST(baseline_min)
{
    static const double val[] = { 1.0, .9, .9, .9 };
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_baseline(o, baseline_table[_i].baseline));
    push_val(o, val, N_ELEMS(val));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), baseline_table[_i].stop);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 2);
    trm_overfit_free(o);
}
END_TEST

/* MAX mode on the negated curve with baseline -.95 is the MIN case with .95:
 * stop 4. In MIN mode the same values and baseline give: 1: -1 < -.95, wait 0;
 * 2: -.9 does not improve on -1, wait 1; 3: wait 2: stop 3.
 * min_delta counts against the baseline too: accuracies .1, .15, .3, .3 with
 * baseline .25, min_delta .1, patience 1: 1: first, .1 - .1 > .25 no: wait 1;
 * 2: .15 - .1 > .1 no, wait 2 >= 1: stop 2, restoring 1. */
START_TEST(baseline_max_and_min_delta)
{
    static const double neg[] = { -1.0, -.9, -.9, -.9 };
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_mode(o, TRM_MODE_MAX));
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_baseline(o, -.95));
    push_val(o, neg, N_ELEMS(neg));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 4);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 2);
    ck_assert_ok(trm_overfit_set_mode(o, TRM_MODE_MIN));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 3);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 1);
    trm_overfit_free(o);

    static const double acc[] = { .1, .15, .3, .3 };
    o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_mode(o, TRM_MODE_MAX));
    ck_assert_ok(trm_overfit_set_patience(o, 1, 0.1, 0.0));
    ck_assert_ok(trm_overfit_set_baseline(o, .25));
    push_val(o, acc, N_ELEMS(acc));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 2);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 1);
    trm_overfit_free(o);
}
END_TEST

/* ---- options: errors, clone, reset -------------------------------------------------- */

START_TEST(bad_new_options)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    push_val(o, START_VAL, 3);
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_baseline(o, INFINITY));
    assert_mentions("baseline");
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_baseline(o, -INFINITY));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_baseline(NULL, 1.0));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_start_from_epoch(NULL, 1));
    ck_assert_int_eq(trm_overfit_restore_epoch(NULL), -1);
    ck_assert(isnan(trm_overfit_restore_value(NULL)));
    ck_assert_ok(trm_overfit_set_baseline(o, -1e300));
    ck_assert_ok(trm_overfit_set_baseline(o, NAN));
    trm_overfit_free(o);
}
END_TEST

START_TEST(clone_and_reset_keep_new_options)
{
    trm_overfit *o = make(TRM_PRESET_KERAS), *copy = NULL;
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 4));
    ck_assert_ok(trm_overfit_set_baseline(o, .85));
    push_val(o, START_VAL, 5);
    ck_assert_ok(trm_overfit_clone(&copy, o));
    push_val(o, START_VAL + 5, 3);
    push_val(copy, START_VAL + 5, 3);
    /* 5: .8 < .85 wait 0; 6: 1; 7: 2: stop 7 */
    ck_assert_int_eq(trm_overfit_stop_epoch(copy), 7);
    ck_assert_int_eq(trm_overfit_restore_epoch(copy), 5);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);
    trm_overfit_reset(o);
    push_val(o, START_VAL, N_ELEMS(START_VAL));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 5);
    trm_overfit_free(copy);
    trm_overfit_free(o);
}
END_TEST

/* ---- blob formats ------------------------------------------------------------------ */

/* Format 2, kind 5: format 1's 8 u32 (mode, criteria, patience, PQ strip, UP s,
 * UP strip, trend window, warm-up) and 7 f64 (min_delta abs, rel, GL alpha, PQ
 * alpha, stop and divergence thresholds, trend alpha), then u32 start_from_epoch,
 * u32 flags, f64 baseline, u64 n, n train and n val values: 12 + 112 + 16 n bytes. */
enum { V2_WORDS = 8, V2_START = 8 + 8 * 4 + 7 * 8, V2_FLAGS = V2_START + 4, V2_BASELINE = V2_FLAGS + 4,
       V2_N = V2_BASELINE + 8 };

START_TEST(format2_layout)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_start_from_epoch(o, 3));
    ck_assert_ok(trm_overfit_set_baseline(o, .75));
    push_val(o, START_VAL, 2);
    size_t size = 0;
    uint8_t *blob = snapshot_overfit(o, &size);
    ck_assert_uint_eq(size, 124 + 16 * 2);
    ck_assert_uint_eq(blob_get_le(blob + 4, 2), 2);
    ck_assert_uint_eq(blob_get_le(blob + 6, 2), 5);
    ck_assert_uint_eq(blob_get_le(blob + V2_WORDS + 2 * 4, 4), 0); /* patience 0 */
    ck_assert_uint_eq(blob_get_le(blob + V2_START, 4), 3);
    ck_assert_uint_eq(blob_get_le(blob + V2_FLAGS, 4), 1); /* the KERAS preset's warm-up */
    ck_assert(blob_get_f64(blob + V2_BASELINE) == .75);
    ck_assert_uint_eq(blob_get_le(blob + V2_N, 8), 2);
    ck_assert(blob_get_f64(blob + V2_N + 8 + 8 * 2) == 1.0);
    ck_assert(blob_get_f64(blob + V2_N + 8 + 8 * 3) == .5);

    /* unknown flag bits and an infinite baseline are damage */
    trm_overfit *back = NULL;
    blob_put_le(blob + V2_FLAGS, 3, 4);
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_CORRUPT, trm_overfit_deserialize(&back, blob, size, NULL));
    blob_put_le(blob + V2_FLAGS, 1, 4);
    blob_put_f64(blob + V2_BASELINE, INFINITY);
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_CORRUPT, trm_overfit_deserialize(&back, blob, size, NULL));
    assert_mentions("baseline");
    /* a format-2 body labelled format 1 does not fit format 1's layout */
    blob_put_f64(blob + V2_BASELINE, .75);
    blob_put_le(blob + 4, 1, 2);
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_CORRUPT, trm_overfit_deserialize(&back, blob, size, NULL));
    blob_put_le(blob + 4, 3, 2);
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_VERSION, trm_overfit_deserialize(&back, blob, size, NULL));
    ck_assert_ptr_null(back);
    free(blob);
    trm_overfit_free(o);
}
END_TEST

/* A format-1 blob (0.1 and 0.2), built here byte by byte: 8 u32, 7 f64, u64 n,
 * arrays; 108 + 16 n bytes. It is the 0.2 Keras preset (criteria PATIENCE,
 * patience 2) with warm-up 4 on START_VAL: format 1 had no start_from_epoch and
 * warm-up meant warm-up, so it loads as the writer ran it: stop at 5. */
START_TEST(format1_blob_loads)
{
    enum { N = 8, SIZE = 108 + 16 * N };
    uint8_t blob[SIZE];
    memcpy(blob, "TRMB", 4);
    blob_put_le(blob + 4, 1, 2);
    blob_put_le(blob + 6, 5, 2);
    const uint32_t words[8] = { TRM_MODE_MIN, TRM_CRIT_PATIENCE, 2, 5, 3, 5, 8, 4 };
    const double reals[7] = { 0.0, 0.0, 5.0, 0.5, NAN, NAN, 0.05 };
    uint8_t *at = blob + 8;
    for (int i = 0; i < 8; i++, at += 4)
        blob_put_le(at, words[i], 4);
    for (int i = 0; i < 7; i++, at += 8)
        blob_put_f64(at, reals[i]);
    blob_put_le(at, N, 8);
    at += 8;
    for (int i = 0; i < N; i++, at += 8)
        blob_put_f64(at, 0.25 * i);
    for (int i = 0; i < N; i++, at += 8)
        blob_put_f64(at, START_VAL[i]);
    ck_assert_uint_eq((size_t)(at - blob), SIZE - 4);
    blob_reseal(blob, SIZE);

    trm_overfit *o = NULL;
    ck_assert_ok(trm_overfit_deserialize(&o, blob, SIZE, NULL));
    ck_assert_uint_eq(trm_overfit_n_epochs(o), N);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 5);
    ck_assert_int_eq(trm_overfit_restore_epoch(o), 2);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
    double train[N], val[N];
    ck_assert_ok(trm_overfit_history(o, train, val));
    ck_assert(train[3] == 0.75 && val[7] == .97);

    /* written again in format 2 with the defaults of the new fields */
    size_t size = 0;
    uint8_t *again = snapshot_overfit(o, &size);
    ck_assert_uint_eq(size, SIZE + 16);
    ck_assert_uint_eq(blob_get_le(again + 4, 2), 2);
    ck_assert_mem_eq(again + 8, blob + 8, 8 * 4 + 7 * 8);
    ck_assert_uint_eq(blob_get_le(again + V2_START, 4), 0);
    ck_assert_uint_eq(blob_get_le(again + V2_FLAGS, 4), 0);
    ck_assert(isnan(blob_get_f64(again + V2_BASELINE)));
    ck_assert_mem_eq(again + V2_N, blob + 8 + 8 * 4 + 7 * 8, 8 + 16 * N);
    trm_overfit *back = NULL;
    ck_assert_ok(trm_overfit_deserialize(&back, again, size, NULL));
    ck_assert_int_eq(trm_overfit_stop_epoch(back), 5);
    free(again);
    trm_overfit_free(back);

    /* format 1 still checks its exact length */
    trm_overfit *bad = NULL;
    blob_reseal(blob, SIZE - 8);
    ck_assert_fails(TRM_E_CORRUPT, trm_overfit_deserialize(&bad, blob, SIZE - 8, NULL));
    ck_assert_ptr_null(bad);
    trm_overfit_free(o);
}
END_TEST

START_TEST(format2_round_trip)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 4));
    ck_assert_ok(trm_overfit_set_baseline(o, .85));
    push_val(o, START_VAL, N_ELEMS(START_VAL));
    size_t size = 0;
    uint8_t *blob = snapshot_overfit(o, &size);
    trm_overfit *back = NULL;
    ck_assert_ok(trm_overfit_deserialize(&back, blob, size, NULL));
    ck_assert_int_eq(trm_overfit_stop_epoch(back), 7);
    ck_assert_int_eq(trm_overfit_restore_epoch(back), 5);
    size_t size2 = 0;
    uint8_t *blob2 = snapshot_overfit(back, &size2);
    ck_assert_uint_eq(size2, size);
    ck_assert_mem_eq(blob2, blob, size);
    free(blob2);
    free(blob);
    trm_overfit_free(back);
    trm_overfit_free(o);
}
END_TEST

static int load(const uint8_t *blob, size_t size)
{
    trm_overfit *out = NULL;
    int rc = trm_overfit_deserialize(&out, blob, size, NULL);
    trm_overfit_free(out);
    return rc;
}

START_TEST(format2_every_damage_detected)
{
    trm_overfit *o = make(TRM_PRESET_KERAS);
    ck_assert_ok(trm_overfit_set_start_from_epoch(o, 2));
    ck_assert_ok(trm_overfit_set_baseline(o, .5));
    push_val(o, START_VAL, 3);
    size_t size = 0;
    uint8_t *blob = snapshot_overfit(o, &size);
    ck_assert_every_damage_detected(blob, size, load);
    free(blob);
    trm_overfit_free(o);
}
END_TEST

/* The answers above hold with denormals-are-zero and flush-to-zero set, as
 * torch.set_flush_denormal(True) sets them (normal values only: no answer
 * depends on a subnormal). */
START_TEST(same_answers_in_every_fp_mode)
{
#if HAVE_MXCSR
    static const unsigned modes[] = { 0x0040u, 0x8000u, 0x8040u };
    unsigned before = _mm_getcsr();
    for (size_t m = 0; m < N_ELEMS(modes); m++) {
        _mm_setcsr((before & ~0x8040u) | modes[m]);
        trm_overfit *o = make(TRM_PRESET_KERAS);
        int rc = trm_overfit_set_patience(o, 3, 0.02, 0.0);
        for (size_t i = 0; rc == TRM_OK && i < N_ELEMS(MIN_DELTA_VAL); i++)
            rc = trm_overfit_push(o, 0.0, MIN_DELTA_VAL[i]);
        int64_t got[3] = { trm_overfit_stop_epoch(o), trm_overfit_restore_epoch(o), trm_overfit_best_epoch(o) };
        trm_overfit_free(o);
        o = make(TRM_PRESET_KERAS);
        if (rc == TRM_OK)
            rc = trm_overfit_set_patience(o, 2, 0.0, 0.0);
        if (rc == TRM_OK)
            rc = trm_overfit_set_warmup(o, 4);
        if (rc == TRM_OK)
            rc = trm_overfit_set_baseline(o, .85);
        for (size_t i = 0; rc == TRM_OK && i < N_ELEMS(START_VAL); i++)
            rc = trm_overfit_push(o, 0.0, START_VAL[i]);
        int64_t got2[2] = { trm_overfit_stop_epoch(o), trm_overfit_restore_epoch(o) };
        trm_overfit_free(o);
        _mm_setcsr(before);
        ck_assert_int_eq(rc, TRM_OK);
        ck_assert_msg(got[0] == 5 && got[1] == 2 && got[2] == 4, "mode 0x%x: %" PRId64 " %" PRId64 " %" PRId64,
                      modes[m], got[0], got[1], got[2]);
        ck_assert_msg(got2[0] == 7 && got2[1] == 5, "mode 0x%x: %" PRId64 " %" PRId64, modes[m], got2[0], got2[1]);
    }
#endif
}
END_TEST

static Suite *overfit_keras_suite(void)
{
    Suite *s = suite_create("overfit-keras");
    TCase *tc = tcase_create("restore");
    tcase_add_test(tc, restore_with_min_delta);
    tcase_add_test(tc, restore_without_min_delta_is_best);
    tcase_add_test(tc, restore_frozen_at_stop);
    tcase_add_test(tc, restore_without_stop);
    tcase_add_test(tc, restore_after_nonfinite_start);
    suite_add_tcase(s, tc);
    tc = tcase_create("start_from_epoch");
    tcase_add_test(tc, keras_preset_warmup_is_start_from_epoch);
    tcase_add_test(tc, start_from_epoch_in_any_preset);
    tcase_add_test(tc, default_preset_warmup_unchanged);
    tcase_add_test(tc, keras_preset_larger_of_warmup_and_start);
    tcase_add_test(tc, start_beyond_history);
    suite_add_tcase(s, tc);
    tc = tcase_create("baseline");
    tcase_add_loop_test(tc, baseline_min, 0, (int)N_ELEMS(baseline_table));
    tcase_add_test(tc, baseline_max_and_min_delta);
    suite_add_tcase(s, tc);
    tc = tcase_create("options");
    tcase_add_test(tc, bad_new_options);
    tcase_add_test(tc, clone_and_reset_keep_new_options);
    tcase_add_test(tc, same_answers_in_every_fp_mode);
    suite_add_tcase(s, tc);
    tc = tcase_create("blob");
    tcase_add_test(tc, format2_layout);
    tcase_add_test(tc, format1_blob_loads);
    tcase_add_test(tc, format2_round_trip);
    tcase_add_test(tc, format2_every_damage_detected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(overfit_keras_suite());
}
