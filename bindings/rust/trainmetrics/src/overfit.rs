//! Overfitting detection on train/validation curves.

use std::ops::{BitOr, BitOrAssign};
use std::os::raw::c_int;
use std::ptr::NonNull;

use crate::{call, same_len, sys, Error, Result};

/// Direction of improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Lower is better (losses); the default.
    Min,
    /// Higher is better (accuracies).
    Max,
}

/// Option sets reproducing other systems' stop epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Patience 5 + trend (window 8, alpha 0.05) + non-finite; what `new` gives.
    Default,
    /// `keras.callbacks.EarlyStopping` defaults: patience 0, min_delta 0.
    Keras,
    /// Lightning `EarlyStopping` defaults: patience 3, non-finite, thresholds.
    Lightning,
    /// Prechelt's GL with alpha 5.
    PrecheltGl,
    /// Prechelt's PQ with alpha 0.5, strip 5.
    PrecheltPq,
    /// Prechelt's UP with s 3, strip 5.
    PrecheltUp,
}

/// What the curve shows at the last epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// No epoch yet, or still within the warm-up.
    Warmup,
    /// None of the states below.
    Improving,
    /// Patience exhausted without a significant trend.
    Plateau,
    /// The trend criterion holds.
    Overfitting,
    /// A non-finite value, or the divergence threshold, was seen.
    Diverged,
}

/// Statistics at the last epoch ([`OverfitDetector::statistic`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Statistic {
    /// Prechelt's generalization loss GL(t), in percent.
    Gl,
    /// Prechelt's training progress P_k(t).
    Progress,
    /// GL(t) / P_k(t).
    Pq,
    /// val - train.
    Gap,
    /// Theil-Sen slope of validation per epoch over the trend window.
    ValSlope,
    /// Theil-Sen slope of the gap per epoch over the trend window.
    GapSlope,
    /// Mann-Kendall Z of validation getting worse over the trend window.
    TrendZ,
    /// One-sided p-value of that Z.
    TrendP,
}

/// A set of stopping criteria (`TRM_CRIT_*` bits); combine with `|`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Criteria(u32);

impl Criteria {
    /// No criterion.
    pub const NONE: Criteria = Criteria(0);
    /// No improvement beyond min_delta for `patience` epochs.
    pub const PATIENCE: Criteria = Criteria(sys::TRM_CRIT_PATIENCE);
    /// Prechelt's generalization loss above alpha.
    pub const GL: Criteria = Criteria(sys::TRM_CRIT_GL);
    /// Prechelt's GL / P_k above alpha at strip ends.
    pub const PQ: Criteria = Criteria(sys::TRM_CRIT_PQ);
    /// Prechelt's UP_s: validation worse at s successive strip ends.
    pub const UP: Criteria = Criteria(sys::TRM_CRIT_UP);
    /// Validation strictly better than the stop threshold.
    pub const THRESHOLD: Criteria = Criteria(sys::TRM_CRIT_THRESHOLD);
    /// Validation strictly worse than the divergence threshold.
    pub const DIVERGENCE: Criteria = Criteria(sys::TRM_CRIT_DIVERGENCE);
    /// A NaN or infinite value was pushed.
    pub const NONFINITE: Criteria = Criteria(sys::TRM_CRIT_NONFINITE);
    /// Validation rising and the gap widening (Mann-Kendall).
    pub const TREND: Criteria = Criteria(sys::TRM_CRIT_TREND);

    /// The raw bit mask.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The set of the given bits (unknown bits are refused by the library).
    pub fn from_bits(bits: u32) -> Criteria {
        Criteria(bits)
    }

    /// Whether every criterion of `other` is in `self`.
    pub fn contains(self, other: Criteria) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Criteria {
    type Output = Criteria;
    fn bitor(self, other: Criteria) -> Criteria {
        Criteria(self.0 | other.0)
    }
}

impl BitOrAssign for Criteria {
    fn bitor_assign(&mut self, other: Criteria) {
        self.0 |= other.0;
    }
}

/// An overfitting detector: push one (train, validation) pair per epoch and ask
/// whether, since when, and when training should have stopped.
///
/// Epochs are 1-based. Changing an option after some epochs re-evaluates them.
pub struct OverfitDetector {
    raw: NonNull<sys::trm_overfit>,
}

crate::handle!(
    OverfitDetector,
    trm_overfit,
    trm_overfit_free,
    trm_overfit_clone,
    trm_overfit_reset,
    trm_overfit_serialize,
    trm_overfit_deserialize,
    "detector"
);

fn epoch(raw: i64) -> Option<u64> {
    u64::try_from(raw).ok()
}

impl OverfitDetector {
    /// A detector with the default preset in [`Mode::Min`].
    pub fn new() -> Result<Self> {
        // SAFETY: out-pointer from create; NULL allocator = malloc.
        Self::create(|out| unsafe { sys::trm_overfit_new(out, std::ptr::null()) })
    }

    /// Replaces every option but the mode by a preset; only before the first epoch.
    pub fn preset(&mut self, preset: Preset) -> Result<()> {
        let raw = match preset {
            Preset::Default => sys::TRM_PRESET_DEFAULT,
            Preset::Keras => sys::TRM_PRESET_KERAS,
            Preset::Lightning => sys::TRM_PRESET_LIGHTNING,
            Preset::PrecheltGl => sys::TRM_PRESET_PRECHELT_GL,
            Preset::PrecheltPq => sys::TRM_PRESET_PRECHELT_PQ,
            Preset::PrecheltUp => sys::TRM_PRESET_PRECHELT_UP,
        };
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_preset(self.raw.as_ptr(), raw) })
    }

    /// Whether lower ([`Mode::Min`]) or higher ([`Mode::Max`]) values are better.
    pub fn set_mode(&mut self, mode: Mode) -> Result<()> {
        let raw = match mode {
            Mode::Min => sys::TRM_MODE_MIN,
            Mode::Max => sys::TRM_MODE_MAX,
        };
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_mode(self.raw.as_ptr(), raw) })
    }

    /// Selects the criteria that make [`should_stop`](Self::should_stop) true.
    pub fn set_criteria(&mut self, criteria: Criteria) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_criteria(self.raw.as_ptr(), criteria.0) })
    }

    /// Keras/Lightning patience: an epoch improves when it beats the reference by more
    /// than max(`min_delta_abs`, `min_delta_rel` · |ref|).
    pub fn set_patience(&mut self, patience: u32, min_delta_abs: f64, min_delta_rel: f64) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_patience(self.raw.as_ptr(), patience, min_delta_abs, min_delta_rel) })
    }

    /// Prechelt's GL_alpha threshold, in percent.
    pub fn set_gl(&mut self, alpha: f64) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_gl(self.raw.as_ptr(), alpha) })
    }

    /// Prechelt's PQ_alpha threshold and strip length.
    pub fn set_pq(&mut self, alpha: f64, strip: u32) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_pq(self.raw.as_ptr(), alpha, strip) })
    }

    /// Prechelt's UP_s: `s` successive rises at strip ends of length `strip`.
    pub fn set_up(&mut self, s: u32, strip: u32) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_up(self.raw.as_ptr(), s, strip) })
    }

    /// Lightning's stopping and divergence thresholds; `None` turns one off.
    pub fn set_thresholds(&mut self, stop: Option<f64>, divergence: Option<f64>) -> Result<()> {
        let stop = stop.unwrap_or(f64::NAN);
        let divergence = divergence.unwrap_or(f64::NAN);
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_thresholds(self.raw.as_ptr(), stop, divergence) })
    }

    /// The trend criterion's window (4 ..= 1024 epochs) and significance level in (0, 1).
    pub fn set_trend(&mut self, window: u32, alpha: f64) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_trend(self.raw.as_ptr(), window, alpha) })
    }

    /// Epochs at the start during which no criterion can stop training.
    pub fn set_warmup(&mut self, epochs: u32) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_set_warmup(self.raw.as_ptr(), epochs) })
    }

    /// Records one epoch (non-finite values too: they fire [`Criteria::NONFINITE`]).
    pub fn push(&mut self, train: f64, val: f64) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_overfit_push(self.raw.as_ptr(), train, val) })
    }

    /// Records one epoch per pair of values.
    pub fn push_many(&mut self, train: &[f64], val: &[f64]) -> Result<()> {
        same_len("OverfitDetector::push_many", train.len(), val.len())?;
        // SAFETY: both slices hold train.len() values.
        call(|| unsafe { sys::trm_overfit_push_many(self.raw.as_ptr(), train.as_ptr(), val.as_ptr(), train.len()) })
    }

    /// What the curve shows now.
    pub fn verdict(&self) -> Verdict {
        // SAFETY: a live handle.
        let raw = unsafe { sys::trm_overfit_verdict(self.raw.as_ptr()) };
        match raw {
            sys::TRM_FIT_WARMUP => Verdict::Warmup,
            sys::TRM_FIT_IMPROVING => Verdict::Improving,
            sys::TRM_FIT_PLATEAU => Verdict::Plateau,
            sys::TRM_FIT_OVERFITTING => Verdict::Overfitting,
            sys::TRM_FIT_DIVERGED => Verdict::Diverged,
            other => unreachable!("trm_overfit_verdict returned {other}"),
        }
    }

    /// Whether a selected criterion has fired after the warm-up.
    pub fn should_stop(&self) -> bool {
        // SAFETY: a live handle.
        unsafe { sys::trm_overfit_should_stop(self.raw.as_ptr()) == 1 }
    }

    /// The number of epochs pushed.
    pub fn n_epochs(&self) -> usize {
        // SAFETY: a live handle.
        unsafe { sys::trm_overfit_n_epochs(self.raw.as_ptr()) }
    }

    /// The epoch of the best finite validation value (the first on ties).
    pub fn best_epoch(&self) -> Option<u64> {
        // SAFETY: a live handle.
        epoch(unsafe { sys::trm_overfit_best_epoch(self.raw.as_ptr()) })
    }

    /// The best finite validation value.
    pub fn best_value(&self) -> Option<f64> {
        // SAFETY: a live handle.
        let v = unsafe { sys::trm_overfit_best_value(self.raw.as_ptr()) };
        if v.is_nan() {
            None
        } else {
            Some(v)
        }
    }

    /// The first epoch of the current divergence episode (the one after the best),
    /// while the verdict is plateau, overfitting or diverged.
    pub fn onset_epoch(&self) -> Option<u64> {
        // SAFETY: a live handle.
        epoch(unsafe { sys::trm_overfit_onset_epoch(self.raw.as_ptr()) })
    }

    /// The first epoch after the warm-up at which a selected criterion fired.
    pub fn stop_epoch(&self) -> Option<u64> {
        // SAFETY: a live handle.
        epoch(unsafe { sys::trm_overfit_stop_epoch(self.raw.as_ptr()) })
    }

    /// Every criterion that has fired, selected or not.
    pub fn fired(&self) -> Criteria {
        // SAFETY: a live handle.
        Criteria(unsafe { sys::trm_overfit_fired(self.raw.as_ptr()) })
    }

    /// The first epoch at which `criterion` (a single criterion) fired.
    pub fn first_fire(&self, criterion: Criteria) -> Result<Option<u64>> {
        if criterion.0.count_ones() != 1 {
            return Err(Error::new(
                sys::TRM_E_INVALID,
                format!("OverfitDetector::first_fire: {:#x} is not a single criterion", criterion.0),
            ));
        }
        // SAFETY: a live handle.
        Ok(epoch(unsafe { sys::trm_overfit_first_fire(self.raw.as_ptr(), criterion.0) }))
    }

    /// A statistic at the last epoch (NaN where not defined yet); `ErrorKind::Empty`
    /// before the first epoch.
    pub fn statistic(&self, statistic: Statistic) -> Result<f64> {
        let raw: c_int = match statistic {
            Statistic::Gl => sys::TRM_STAT_GL,
            Statistic::Progress => sys::TRM_STAT_PROGRESS,
            Statistic::Pq => sys::TRM_STAT_PQ,
            Statistic::Gap => sys::TRM_STAT_GAP,
            Statistic::ValSlope => sys::TRM_STAT_VAL_SLOPE,
            Statistic::GapSlope => sys::TRM_STAT_GAP_SLOPE,
            Statistic::TrendZ => sys::TRM_STAT_TREND_Z,
            Statistic::TrendP => sys::TRM_STAT_TREND_P,
        };
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_overfit_statistic(self.raw.as_ptr(), raw, &mut out) })?;
        Ok(out)
    }

    /// The pushed values: (train, validation), one each per epoch.
    pub fn history(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.n_epochs();
        let mut train = vec![0f64; n];
        let mut val = vec![0f64; n];
        // SAFETY: both buffers hold n_epochs values; cannot fail for a live handle.
        let code = unsafe { sys::trm_overfit_history(self.raw.as_ptr(), train.as_mut_ptr(), val.as_mut_ptr()) };
        debug_assert_eq!(code, sys::TRM_OK);
        (train, val)
    }

    /// One or two plain sentences on the state of the curve.
    pub fn explain(&self) -> Result<String> {
        // SAFETY: a live handle; buffers from text_with.
        crate::text_with(|buf, cap, size| unsafe { sys::trm_overfit_explain(self.raw.as_ptr(), buf, cap, size) })
    }
}

impl std::fmt::Debug for OverfitDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverfitDetector")
            .field("n_epochs", &self.n_epochs())
            .field("verdict", &self.verdict())
            .field("best_epoch", &self.best_epoch())
            .field("stop_epoch", &self.stop_epoch())
            .finish()
    }
}
