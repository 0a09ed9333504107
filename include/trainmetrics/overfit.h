/* SPDX-License-Identifier: MIT */
/**
 * @file overfit.h
 * @brief Overfitting detection on train/validation curves: whether, since when,
 *        and when training should have stopped.
 *
 * Push one (train, validation) pair per epoch; epochs are 1-based. Every
 * criterion below is evaluated at every epoch and its first firing epoch is
 * recorded; the criteria selected with trm_overfit_set_criteria() decide
 * trm_overfit_should_stop() and trm_overfit_stop_epoch(). The detector keeps
 * the whole history, and its state is always exactly what pushing that history
 * with the current options gives: changing an option after some epochs
 * re-evaluates them, and a deserialized detector resumes where it stopped.
 *
 * In TRM_MODE_MIN lower values are better (losses); TRM_MODE_MAX mirrors every
 * criterion (for accuracies). Prechelt's GL, P_k and PQ are ratios of values and
 * are defined for positive curves; where a ratio's denominator is not positive
 * they are NaN and do not fire.
 */
#ifndef TRAINMETRICS_OVERFIT_H
#define TRAINMETRICS_OVERFIT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque overfitting detector. */
typedef struct trm_overfit trm_overfit;

/** Direction of improvement. */
enum {
    TRM_MODE_MIN = 0, /**< Lower is better (default). */
    TRM_MODE_MAX = 1  /**< Higher is better. */
};

/** The TRM_MODE_* values under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_OVERFIT_MODE_MIN = TRM_MODE_MIN, /**< Same as #TRM_MODE_MIN. */
    TRM_OVERFIT_MODE_MAX = TRM_MODE_MAX  /**< Same as #TRM_MODE_MAX. */
};

/** Option sets reproducing other systems (trm_overfit_preset()). */
enum {
    TRM_PRESET_DEFAULT = 0,     /**< PATIENCE 5 + TREND (window 8, alpha 0.05) + NONFINITE. */
    TRM_PRESET_KERAS = 1,       /**< keras.callbacks.EarlyStopping defaults: PATIENCE 0, min_delta 0; its warm-up is Keras's start_from_epoch (trm_overfit_set_warmup()). */
    TRM_PRESET_LIGHTNING = 2,   /**< Lightning EarlyStopping defaults: PATIENCE 3, NONFINITE, THRESHOLD, DIVERGENCE. */
    TRM_PRESET_PRECHELT_GL = 3, /**< Prechelt GL with alpha 5. */
    TRM_PRESET_PRECHELT_PQ = 4, /**< Prechelt PQ with alpha 0.5, strip 5. */
    TRM_PRESET_PRECHELT_UP = 5  /**< Prechelt UP with s 3, strip 5. */
};

/** The TRM_PRESET_* values under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_OVERFIT_PRESET_DEFAULT = TRM_PRESET_DEFAULT,         /**< Same as #TRM_PRESET_DEFAULT. */
    TRM_OVERFIT_PRESET_KERAS = TRM_PRESET_KERAS,             /**< Same as #TRM_PRESET_KERAS. */
    TRM_OVERFIT_PRESET_LIGHTNING = TRM_PRESET_LIGHTNING,     /**< Same as #TRM_PRESET_LIGHTNING. */
    TRM_OVERFIT_PRESET_PRECHELT_GL = TRM_PRESET_PRECHELT_GL, /**< Same as #TRM_PRESET_PRECHELT_GL. */
    TRM_OVERFIT_PRESET_PRECHELT_PQ = TRM_PRESET_PRECHELT_PQ, /**< Same as #TRM_PRESET_PRECHELT_PQ. */
    TRM_OVERFIT_PRESET_PRECHELT_UP = TRM_PRESET_PRECHELT_UP  /**< Same as #TRM_PRESET_PRECHELT_UP. */
};

/** No improvement beyond min_delta for `patience` epochs (Keras/Lightning). */
#define TRM_CRIT_PATIENCE (1u << 0)
/** Prechelt generalization loss GL(t) > alpha, checked every epoch. */
#define TRM_CRIT_GL (1u << 1)
/** Prechelt GL(t)/P_k(t) > alpha, checked at strip ends (t mod k = 0). */
#define TRM_CRIT_PQ (1u << 2)
/** Prechelt UP_s: validation worse at s successive strip ends. */
#define TRM_CRIT_UP (1u << 3)
/** Validation strictly better than the stop threshold (Lightning `stopping_threshold`). */
#define TRM_CRIT_THRESHOLD (1u << 4)
/** Validation strictly worse than the divergence threshold (Lightning `divergence_threshold`). */
#define TRM_CRIT_DIVERGENCE (1u << 5)
/** A NaN or Inf train or validation value was pushed. */
#define TRM_CRIT_NONFINITE (1u << 6)
/** Validation rising and the gap widening while training does not rise (Mann-Kendall). */
#define TRM_CRIT_TREND (1u << 7)

/** Same bit as #TRM_CRIT_PATIENCE, under the module's prefix (since 0.2). */
#define TRM_OVERFIT_CRIT_PATIENCE (1u << 0)
/** Same bit as #TRM_CRIT_GL (since 0.2). */
#define TRM_OVERFIT_CRIT_GL (1u << 1)
/** Same bit as #TRM_CRIT_PQ (since 0.2). */
#define TRM_OVERFIT_CRIT_PQ (1u << 2)
/** Same bit as #TRM_CRIT_UP (since 0.2). */
#define TRM_OVERFIT_CRIT_UP (1u << 3)
/** Same bit as #TRM_CRIT_THRESHOLD (since 0.2). */
#define TRM_OVERFIT_CRIT_THRESHOLD (1u << 4)
/** Same bit as #TRM_CRIT_DIVERGENCE (since 0.2). */
#define TRM_OVERFIT_CRIT_DIVERGENCE (1u << 5)
/** Same bit as #TRM_CRIT_NONFINITE (since 0.2). */
#define TRM_OVERFIT_CRIT_NONFINITE (1u << 6)
/** Same bit as #TRM_CRIT_TREND (since 0.2). */
#define TRM_OVERFIT_CRIT_TREND (1u << 7)

/** What the curve shows at the last epoch (trm_overfit_verdict()). */
enum {
    TRM_FIT_WARMUP = 0,      /**< No epoch yet, or still within the warm-up epochs. */
    TRM_FIT_IMPROVING = 1,   /**< None of the states below. */
    TRM_FIT_PLATEAU = 2,     /**< Patience exhausted without a significant trend. */
    TRM_FIT_OVERFITTING = 3, /**< The TREND criterion holds. */
    TRM_FIT_DIVERGED = 4     /**< A non-finite value, or the divergence threshold, was seen. */
};

/** The TRM_FIT_* verdicts under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_OVERFIT_VERDICT_WARMUP = TRM_FIT_WARMUP,           /**< Same as #TRM_FIT_WARMUP. */
    TRM_OVERFIT_VERDICT_IMPROVING = TRM_FIT_IMPROVING,     /**< Same as #TRM_FIT_IMPROVING. */
    TRM_OVERFIT_VERDICT_PLATEAU = TRM_FIT_PLATEAU,         /**< Same as #TRM_FIT_PLATEAU. */
    TRM_OVERFIT_VERDICT_OVERFITTING = TRM_FIT_OVERFITTING, /**< Same as #TRM_FIT_OVERFITTING. */
    TRM_OVERFIT_VERDICT_DIVERGED = TRM_FIT_DIVERGED        /**< Same as #TRM_FIT_DIVERGED. */
};

/** Statistics at the last epoch (trm_overfit_statistic()). */
enum {
    TRM_STAT_GL = 0,         /**< Prechelt generalization loss GL(t), in percent. */
    TRM_STAT_PROGRESS = 1,   /**< Prechelt training progress P_k(t) over the last k = PQ strip epochs. */
    TRM_STAT_PQ = 2,         /**< GL(t) / P_k(t). */
    TRM_STAT_GAP = 3,        /**< val - train. */
    TRM_STAT_VAL_SLOPE = 4,  /**< Theil-Sen slope of validation per epoch over the trend window. */
    TRM_STAT_GAP_SLOPE = 5,  /**< Theil-Sen slope of the gap per epoch over the trend window. */
    TRM_STAT_TREND_Z = 6,    /**< Mann-Kendall Z of validation getting worse over the trend window. */
    TRM_STAT_TREND_P = 7     /**< One-sided p-value of that Z (the value TREND compares with alpha). */
};

/** The TRM_STAT_* values under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_OVERFIT_STAT_GL = TRM_STAT_GL,               /**< Same as #TRM_STAT_GL. */
    TRM_OVERFIT_STAT_PROGRESS = TRM_STAT_PROGRESS,   /**< Same as #TRM_STAT_PROGRESS. */
    TRM_OVERFIT_STAT_PQ = TRM_STAT_PQ,               /**< Same as #TRM_STAT_PQ. */
    TRM_OVERFIT_STAT_GAP = TRM_STAT_GAP,             /**< Same as #TRM_STAT_GAP. */
    TRM_OVERFIT_STAT_VAL_SLOPE = TRM_STAT_VAL_SLOPE, /**< Same as #TRM_STAT_VAL_SLOPE. */
    TRM_OVERFIT_STAT_GAP_SLOPE = TRM_STAT_GAP_SLOPE, /**< Same as #TRM_STAT_GAP_SLOPE. */
    TRM_OVERFIT_STAT_TREND_Z = TRM_STAT_TREND_Z,     /**< Same as #TRM_STAT_TREND_Z. */
    TRM_OVERFIT_STAT_TREND_P = TRM_STAT_TREND_P      /**< Same as #TRM_STAT_TREND_P. */
};

/**
 * @brief Create a detector with the DEFAULT preset in TRM_MODE_MIN.
 * @param out Receives the handle; untouched on failure.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out or an allocator with a NULL
 *         hook; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_new(trm_overfit **out, const trm_allocator *alloc);

/**
 * @brief Release a detector.
 * @param o The handle, or NULL (then nothing happens).
 */
TRM_API void trm_overfit_free(trm_overfit *o);

/**
 * @brief Deep copy with the same allocator, options and history.
 * @param out Receives the copy; untouched on failure.
 * @param o The detector.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_clone(trm_overfit **out, const trm_overfit *o);

/**
 * @brief Forget every epoch; the options are kept.
 * @param o The detector, or NULL (then nothing happens).
 */
TRM_API void trm_overfit_reset(trm_overfit *o);

/**
 * @brief Write options and history as a versioned, CRC-32C-checked blob, so a
 *        training job restarted from a checkpoint resumes its detector.
 * @param o The detector.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p o or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or too small (nothing written).
 */
TRM_API int trm_overfit_serialize(const trm_overfit *o, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild a detector from trm_overfit_serialize() output.
 *
 * The blob holds the options and the history; the verdict and statistics are
 * replayed from them, in O(n w log w) time for n epochs and a trend window of
 * w (at most 1024): a 48 KB blob of 3000 epochs at w = 1024 loads in under a
 * second, and a hostile blob costs no more than one of its size.
 * @param out Receives the handle; untouched on failure.
 * @param buf The blob.
 * @param size Its exact length.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_CORRUPT for a
 *         damaged or inconsistent blob; #TRM_E_VERSION for an unknown format;
 *         #TRM_E_MISMATCH for a blob of another handle type; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_deserialize(trm_overfit **out, const uint8_t *buf, size_t size,
                                    const trm_allocator *alloc);

/**
 * @brief Replace every option except the mode by a preset.
 * @param o The detector, with no epoch pushed yet.
 * @param preset One of the TRM_PRESET_* values.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle, an unknown preset, or a
 *         detector that already has epochs.
 */
TRM_API int trm_overfit_preset(trm_overfit *o, int preset);

/**
 * @brief Choose whether lower (MIN) or higher (MAX) values are better.
 * @param o The detector.
 * @param mode TRM_MODE_MIN or TRM_MODE_MAX.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or an unknown mode;
 *         #TRM_E_NOMEM when re-evaluating the history needs memory.
 */
TRM_API int trm_overfit_set_mode(trm_overfit *o, int mode);

/**
 * @brief Select the criteria that make trm_overfit_should_stop() true.
 * @param o The detector.
 * @param mask An OR of TRM_CRIT_* bits (0 selects none).
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or unknown bits;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_criteria(trm_overfit *o, uint32_t mask);

/**
 * @brief Keras/Lightning patience.
 *
 * An epoch improves when val < ref - max(min_delta_abs, min_delta_rel * |ref|)
 * (MIN; MAX mirrored), ref being the value at the last improvement; the first
 * finite value always improves. PATIENCE holds at an epoch after the first
 * that does not improve and ends a run of at least @p patience such epochs, so
 * patience 0 stops at the first epoch without improvement, as Keras does.
 * Epochs before trm_overfit_set_start_from_epoch()'s are not looked at, and
 * with a baseline (trm_overfit_set_baseline()) an improvement restarts the
 * count only when it also improves on the baseline.
 * @param o The detector.
 * @param patience Epochs without improvement tolerated.
 * @param min_delta_abs Absolute margin, >= 0.
 * @param min_delta_rel Margin relative to |ref|, >= 0.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or a negative or NaN delta;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_patience(trm_overfit *o, uint32_t patience, double min_delta_abs,
                                     double min_delta_rel);

/**
 * @brief Prechelt's GL_alpha: GL(t) = 100 * (E_va(t) / E_opt(t) - 1) > alpha.
 * @param o The detector.
 * @param alpha Threshold in percent, >= 0.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or a negative or NaN alpha;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_gl(trm_overfit *o, double alpha);

/**
 * @brief Prechelt's PQ_alpha: GL(t) / P_k(t) > alpha at strip ends, with
 *        P_k(t) = 1000 * (sum of the strip's training values / (k * their minimum) - 1).
 * @param o The detector.
 * @param alpha Threshold, >= 0.
 * @param strip Strip length k, >= 1 (also used for TRM_STAT_PROGRESS).
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle, a negative or NaN alpha
 *         or a zero strip; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_pq(trm_overfit *o, double alpha, uint32_t strip);

/**
 * @brief Prechelt's UP_s: validation worse than at the previous strip end, at
 *        @p s successive strip ends.
 * @param o The detector.
 * @param s Number of successive rises, >= 1.
 * @param strip Strip length k, >= 1.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or a zero @p s or
 *         @p strip; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_up(trm_overfit *o, uint32_t s, uint32_t strip);

/**
 * @brief Lightning's stopping and divergence thresholds.
 * @param o The detector.
 * @param stop_threshold THRESHOLD holds when val is strictly better; NaN turns it off.
 * @param divergence_threshold DIVERGENCE holds when val is strictly worse; NaN turns it off.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_thresholds(trm_overfit *o, double stop_threshold, double divergence_threshold);

/**
 * @brief The TREND criterion: one-sided Mann-Kendall tests over the last
 *        @p window epochs.
 *
 * TREND holds when validation gets worse and the gap (val - train, mirrored in
 * MAX mode) widens, each with one-sided p < @p alpha, while the training value
 * does not get significantly worse. S is tie-corrected and Z continuity
 * corrected; a window holding a non-finite value gives no trend.
 * @param o The detector.
 * @param window Epochs in the window, 4 .. 1024.
 * @param alpha Significance level, in (0, 1).
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or values out of range;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_trend(trm_overfit *o, uint32_t window, double alpha);

/**
 * @brief Epochs at the start during which the verdict is WARMUP and no
 *        criterion can stop training; everything is still tracked.
 *
 * This is not Keras's `start_from_epoch`, which does not track those epochs at
 * all (see trm_overfit_set_start_from_epoch()), except in a detector set up
 * with #TRM_PRESET_KERAS: there the warm-up is also the number of epochs
 * PATIENCE does not look at, so that the preset stops where Keras does.
 * @param o The detector.
 * @param epochs Number of warm-up epochs.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_warmup(trm_overfit *o, uint32_t epochs);

/**
 * @brief Keras's `start_from_epoch`: PATIENCE, its baseline and the restore
 *        epoch ignore the first @p epochs epochs entirely (since 0.3).
 *
 * Keras numbers epochs from 0 and skips those with index < start_from_epoch;
 * here epochs are numbered from 1, so the same @p epochs skips epochs 1 ..
 * @p epochs and monitoring starts at epoch @p epochs + 1. The true best
 * (trm_overfit_best_epoch()) and the other criteria still see every epoch.
 * In a #TRM_PRESET_KERAS detector the larger of this and the warm-up counts.
 * @param o The detector.
 * @param epochs Number of epochs not monitored; 0 (the default) monitors all.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle; #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_start_from_epoch(trm_overfit *o, uint32_t epochs);

/**
 * @brief Keras's `baseline` for PATIENCE (since 0.3).
 *
 * An improvement on the reference still moves it (and the restore epoch), but
 * restarts the count of epochs without improvement only when it also improves
 * on @p baseline by the min_delta margin, so a run that never beats the
 * baseline stops after `patience` monitored epochs.
 * @param o The detector.
 * @param baseline The value to beat; NaN (the default) turns it off.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or an infinite baseline;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_overfit_set_baseline(trm_overfit *o, double baseline);

/**
 * @brief Record one epoch.
 *
 * Non-finite values are recorded too: they fire TRM_CRIT_NONFINITE and never
 * become the best.
 * @param o The detector.
 * @param train Training value of the epoch.
 * @param val Validation value of the epoch.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle; #TRM_E_NOMEM (nothing recorded).
 */
TRM_API int trm_overfit_push(trm_overfit *o, double train, double val);

/**
 * @brief Record n epochs, as n calls of trm_overfit_push().
 * @param o The detector.
 * @param train n training values.
 * @param val n validation values.
 * @param n Number of epochs; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM (nothing recorded).
 */
TRM_API int trm_overfit_push_many(trm_overfit *o, const double *train, const double *val, size_t n);

/**
 * @brief What the curve shows now: one of the TRM_FIT_* values.
 * @param o The detector.
 * @return The verdict, or #TRM_E_INVALID for a NULL handle.
 */
TRM_API int trm_overfit_verdict(const trm_overfit *o);

/**
 * @brief Whether a selected criterion has fired after the warm-up.
 *
 * A NULL handle gives #TRM_E_INVALID, which is nonzero: compare the result
 * with 1, or use trm_overfit_should_stop_checked(), which keeps the status and
 * the answer apart.
 * @param o The detector.
 * @return 1 or 0, or #TRM_E_INVALID for a NULL handle.
 */
TRM_API int trm_overfit_should_stop(const trm_overfit *o);

/**
 * @brief Whether a selected criterion has fired after the warm-up, with the
 *        answer apart from the status (since 0.2).
 *
 * trm_overfit_should_stop() returns #TRM_E_INVALID (-1) for a NULL handle,
 * which a caller testing `if (trm_overfit_should_stop(o))` reads as "stop";
 * this variant cannot be misread that way.
 * @param o The detector.
 * @param stop Receives 1 when training should stop, else 0; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_overfit_should_stop_checked(const trm_overfit *o, int *stop);

/**
 * @brief Number of epochs pushed.
 * @param o The detector.
 * @return The count, 0 for a NULL handle.
 */
TRM_API size_t trm_overfit_n_epochs(const trm_overfit *o);

/**
 * @brief Epoch of the best finite validation value (first one on ties).
 * @param o The detector.
 * @return The 1-based epoch, or -1 when there is none or @p o is NULL.
 */
TRM_API int64_t trm_overfit_best_epoch(const trm_overfit *o);

/**
 * @brief The best finite validation value.
 * @param o The detector.
 * @return The value, or NaN when there is none or @p o is NULL.
 */
TRM_API double trm_overfit_best_value(const trm_overfit *o);

/**
 * @brief The epoch whose weights keras.callbacks.EarlyStopping with
 *        `restore_best_weights=True` would restore (since 0.3).
 *
 * Keras keeps the weights of the last epoch that improved on its reference
 * by more than min_delta (see trm_overfit_set_patience()), or of the first
 * monitored epoch when none did. That is trm_overfit_best_epoch() when
 * min_delta is 0 and no value is non-finite, and can be earlier otherwise:
 * on 1, .8, .795, .79, .85, .86 with patience 3 and min_delta 0.02 the best
 * epoch is 4 but Keras restores epoch 2. Keras 3 restores in on_train_end,
 * also when training ran to its last epoch without stopping; so the answer is
 * taken at the stop epoch once a selected criterion fired (later epochs do not
 * move it), else at the last epoch. Epochs are 1-based, Keras's best_epoch
 * attribute is this minus 1.
 * @param o The detector.
 * @return The 1-based epoch, or -1 when no epoch has been monitored (none
 *         pushed, or all before start_from_epoch) or @p o is NULL.
 */
TRM_API int64_t trm_overfit_restore_epoch(const trm_overfit *o);

/**
 * @brief The validation value at trm_overfit_restore_epoch() (since 0.3).
 * @param o The detector.
 * @return The value, or NaN when there is no restore epoch or @p o is NULL.
 */
TRM_API double trm_overfit_restore_value(const trm_overfit *o);

/**
 * @brief First epoch of the current divergence episode: the epoch after the
 *        best one, while the verdict is PLATEAU, OVERFITTING or DIVERGED.
 * @param o The detector.
 * @return The 1-based epoch, or -1 when there is no episode or @p o is NULL.
 */
TRM_API int64_t trm_overfit_onset_epoch(const trm_overfit *o);

/**
 * @brief First epoch after the warm-up at which a selected criterion fired.
 * @param o The detector.
 * @return The 1-based epoch, or -1 when none has fired or @p o is NULL.
 */
TRM_API int64_t trm_overfit_stop_epoch(const trm_overfit *o);

/**
 * @brief Every criterion that has fired at some epoch, selected or not.
 * @param o The detector.
 * @return An OR of TRM_CRIT_* bits, 0 for a NULL handle.
 */
TRM_API uint32_t trm_overfit_fired(const trm_overfit *o);

/**
 * @brief First epoch at which one criterion fired.
 * @param o The detector.
 * @param criterion Exactly one TRM_CRIT_* bit.
 * @return The 1-based epoch, or -1 when it has not fired, @p criterion is not a
 *         single known bit, or @p o is NULL.
 */
TRM_API int64_t trm_overfit_first_fire(const trm_overfit *o, uint32_t criterion);

/**
 * @brief A statistic at the last epoch; NaN where it is not defined yet.
 * @param o The detector.
 * @param stat One of the TRM_STAT_* values.
 * @param out Receives the value.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown statistic;
 *         #TRM_E_EMPTY before the first epoch.
 */
TRM_API int trm_overfit_statistic(const trm_overfit *o, int stat, double *out);

/**
 * @brief Copy the pushed values.
 * @param o The detector.
 * @param train Receives n_epochs training values.
 * @param val Receives n_epochs validation values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_overfit_history(const trm_overfit *o, double *train, double *val);

/**
 * @brief A few plain sentences on the state: since when, the best epoch and
 *        value, which criteria fired when, the trend statistics and, where it
 *        differs from the best epoch, the epoch Keras's restore_best_weights
 *        would restore (trm_overfit_restore_epoch()).
 * @param o The detector.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the bytes needed including the NUL, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p o or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or too small (nothing written).
 */
TRM_API int trm_overfit_explain(const trm_overfit *o, char *buf, size_t cap, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_OVERFIT_H */
