//! OverfitDetector on curves whose stop epoch follows from the rules by hand.

use trainmetrics::{Criteria, ErrorKind, Mode, OverfitDetector, Preset, Statistic, Verdict};

// Validation improves until epoch 3 (0.6), then rises.
const TRAIN: [f64; 7] = [1.2, 1.0, 0.8, 0.7, 0.6, 0.5, 0.45];
const VAL: [f64; 7] = [1.0, 0.8, 0.6, 0.65, 0.7, 0.75, 0.8];

fn patience2() -> OverfitDetector {
    let mut o = OverfitDetector::new().unwrap();
    o.preset(Preset::Keras).unwrap();
    o.set_criteria(Criteria::PATIENCE).unwrap();
    o.set_patience(2, 0.0, 0.0).unwrap();
    o
}

#[test]
fn patience_stop_epoch_by_hand() {
    // Epochs 4 and 5 do not improve on 0.6: a run of 2 = patience ends at epoch 5
    // (Keras: wait reaches 2 at epoch 5).
    let mut o = patience2();
    o.push_many(&TRAIN[..4], &VAL[..4]).unwrap();
    assert!(!o.should_stop());
    assert_eq!(o.stop_epoch(), None);
    o.push(TRAIN[4], VAL[4]).unwrap();
    assert!(o.should_stop());
    assert_eq!(o.stop_epoch(), Some(5));
    assert_eq!(o.first_fire(Criteria::PATIENCE).unwrap(), Some(5));
    assert_eq!(o.best_epoch(), Some(3));
    assert_eq!(o.best_value(), Some(0.6));
    assert_eq!(o.n_epochs(), 5);
    assert!(o.fired().contains(Criteria::PATIENCE));
    assert_eq!(o.verdict(), Verdict::Plateau);
    assert_eq!(o.onset_epoch(), Some(4));
    assert!((o.statistic(Statistic::Gap).unwrap() - (0.7 - 0.6)).abs() < 1e-12);
    assert!(!o.explain().unwrap().is_empty());
}

#[test]
fn keras_patience_zero_and_min_delta() {
    // Patience 0 stops at the first epoch without improvement; with min_delta 0.1,
    // 0.95 does not beat 1.0 - 0.1.
    let mut o = OverfitDetector::new().unwrap();
    o.preset(Preset::Keras).unwrap();
    o.set_patience(0, 0.1, 0.0).unwrap();
    o.push_many(&[1.0, 1.0, 1.0], &[1.0, 0.95, 0.8]).unwrap();
    assert_eq!(o.stop_epoch(), Some(2));
    // MAX mode mirrors: accuracies 0.5, 0.6, 0.55 stop at epoch 3.
    let mut acc = OverfitDetector::new().unwrap();
    acc.preset(Preset::Keras).unwrap();
    acc.set_mode(Mode::Max).unwrap();
    acc.push_many(&[0.5, 0.6, 0.7], &[0.5, 0.6, 0.55]).unwrap();
    assert_eq!(acc.stop_epoch(), Some(3));
    assert_eq!(acc.best_epoch(), Some(2));
}

#[test]
fn prechelt_gl_by_hand() {
    // GL(t) = 100 (E_va(t) / E_opt(t) - 1): epoch 3: 4, epoch 4: 12 > alpha 5.
    let mut o = OverfitDetector::new().unwrap();
    o.set_criteria(Criteria::GL).unwrap();
    o.set_gl(5.0).unwrap();
    o.push_many(&[1.0, 0.9, 0.8], &[1.0, 0.5, 0.52]).unwrap();
    assert!((o.statistic(Statistic::Gl).unwrap() - 4.0).abs() < 1e-9);
    assert!(!o.should_stop());
    o.push(0.7, 0.56).unwrap();
    assert!((o.statistic(Statistic::Gl).unwrap() - 12.0).abs() < 1e-9);
    assert_eq!(o.stop_epoch(), Some(4));
    assert_eq!(o.first_fire(Criteria::GL).unwrap(), Some(4));
}

#[test]
fn nonfinite_value_diverges() {
    let mut o = OverfitDetector::new().unwrap();
    o.push(1.0, 1.0).unwrap();
    o.push(0.9, f64::NAN).unwrap();
    assert!(o.fired().contains(Criteria::NONFINITE));
    assert_eq!(o.verdict(), Verdict::Diverged);
    assert_eq!(o.best_epoch(), Some(1));
}

#[test]
fn bad_options_are_errors_and_change_nothing() {
    let mut o = patience2();
    let err = o.set_patience(1, -1.0, 0.0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(!err.message().is_empty());
    assert_eq!(o.set_trend(2, 0.05).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(o.set_criteria(Criteria::from_bits(1 << 20)).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(o.first_fire(Criteria::GL | Criteria::PQ).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(o.statistic(Statistic::Gap).unwrap_err().kind(), ErrorKind::Empty);
    o.push_many(&TRAIN, &VAL).unwrap();
    // Patience 2 is still in force: the stop epoch is still 5.
    assert_eq!(o.stop_epoch(), Some(5));
    assert_eq!(o.preset(Preset::Lightning).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(o.push_many(&[1.0], &[]).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(o.n_epochs(), 7);
}

#[test]
fn clone_and_serialize_resume() {
    let mut o = patience2();
    o.push_many(&TRAIN[..4], &VAL[..4]).unwrap();
    let blob = o.serialize().unwrap();
    let mut copy = o.clone();
    let mut resumed = OverfitDetector::deserialize(&blob).unwrap();
    assert_eq!(resumed.history(), (TRAIN[..4].to_vec(), VAL[..4].to_vec()));
    o.push(TRAIN[4], VAL[4]).unwrap();
    assert_eq!(copy.n_epochs(), 4);
    assert_eq!(copy.stop_epoch(), None);
    copy.push(TRAIN[4], VAL[4]).unwrap();
    resumed.push(TRAIN[4], VAL[4]).unwrap();
    assert_eq!(copy.stop_epoch(), Some(5));
    assert_eq!(resumed.stop_epoch(), Some(5));
    let mut damaged = blob;
    damaged[10] ^= 1;
    assert_eq!(OverfitDetector::deserialize(&damaged).unwrap_err().kind(), ErrorKind::Corrupt);
    o.reset();
    assert_eq!(o.n_epochs(), 0);
    assert_eq!(o.verdict(), Verdict::Warmup);
}
