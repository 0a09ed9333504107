//! TopK and Multilabel against hand-ranked and hand-counted examples.

use trainmetrics::{Average, ErrorKind, Metric, Multilabel, TopK, ZeroDivision};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

// K = 4. Rank = number of classes above the true class (a higher index ranks
// first among equal scores):
//   [0.1 0.5 0.3 0.1] true 2: class 1 above          -> rank 1
//   [0.2 0.2 0.2 0.2] true 1: classes 2, 3 (ties)    -> rank 2
//   [0.9 .05 .03 .02] true 0: none                   -> rank 0
//   [0.1 0.2 0.3 0.4] true 0: classes 1, 2, 3        -> rank 3
// so top-1 = 1/4, top-2 = 2/4, top-3 = 3/4.
const SCORES: [f64; 16] = [0.1, 0.5, 0.3, 0.1, 0.2, 0.2, 0.2, 0.2, 0.9, 0.05, 0.03, 0.02, 0.1, 0.2, 0.3, 0.4];
const LABELS: [i32; 4] = [2, 1, 0, 0];

#[test]
fn topk_accuracy_by_hand() {
    let mut t = TopK::new(4, 3).unwrap();
    t.update(&LABELS, &SCORES, 4).unwrap();
    assert_eq!((t.n_classes(), t.max_k(), t.n_samples()), (4, 3, 4));
    assert!(close(t.accuracy(1).unwrap(), 0.25));
    assert!(close(t.accuracy(2).unwrap(), 0.5));
    assert!(close(t.accuracy(3).unwrap(), 0.75));
    let f32s: Vec<f32> = SCORES.iter().map(|&x| x as f32).collect();
    let mut t32 = TopK::new(4, 3).unwrap();
    t32.update(&LABELS, &f32s, 4).unwrap();
    assert!(close(t32.accuracy(2).unwrap(), 0.5));
}

#[test]
fn topk_errors_change_nothing() {
    let mut t = TopK::new(4, 3).unwrap();
    assert_eq!(t.accuracy(1).unwrap_err().kind(), ErrorKind::Empty);
    t.update(&LABELS, &SCORES, 4).unwrap();
    assert_eq!(t.accuracy(4).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(t.accuracy(0).unwrap_err().kind(), ErrorKind::Invalid);
    let err = t.update(&[0, 4], &[0.0f64; 8], 4).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Label);
    assert!(err.message().contains("4"), "{}", err.message());
    let err = t.update(&[0], &[0.0, f64::INFINITY, 0.0, 0.0], 4).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFinite);
    assert_eq!(t.n_samples(), 4);
    assert_eq!(TopK::new(3, 4).unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn topk_clone_serialize_merge() {
    let mut t = TopK::new(4, 3).unwrap();
    t.update(&LABELS[..2], &SCORES[..8], 4).unwrap();
    let copy = t.clone();
    let mut rest = TopK::new(4, 3).unwrap();
    rest.update(&LABELS[2..], &SCORES[8..], 4).unwrap();
    t.merge(&rest).unwrap();
    assert_eq!(copy.n_samples(), 2);
    assert!(close(copy.accuracy(2).unwrap(), 0.5)); // ranks 1 and 2
    assert!(close(t.accuracy(3).unwrap(), 0.75));
    let back = TopK::deserialize(&t.serialize().unwrap()).unwrap();
    assert_eq!(back.n_samples(), 4);
    assert!(close(back.accuracy(1).unwrap(), 0.25));
    assert_eq!(t.merge(&TopK::new(4, 2).unwrap()).unwrap_err().kind(), ErrorKind::Mismatch);
}

// L = 3, four samples:
//   true 1 0 1 | pred 1 0 0
//   true 0 1 1 | pred 0 1 1
//   true 1 1 0 | pred 0 1 1
//   true 0 0 1 | pred 1 0 1
// per label (tn, fp, fn, tp): l0 (1, 1, 1, 1), l1 (2, 0, 0, 2), l2 (0, 1, 1, 2).
const ML_TRUE: [u8; 12] = [1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1];
const ML_PRED: [u8; 12] = [1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1];

fn ml_example() -> Multilabel {
    let mut m = Multilabel::new(3).unwrap();
    m.update(&ML_TRUE, &ML_PRED).unwrap();
    m
}

#[test]
fn multilabel_counts_and_scores() {
    let m = ml_example();
    assert_eq!((m.n_labels(), m.n_samples()), (3, 4));
    assert_eq!(m.counts(), [[1, 1, 1, 1], [2, 0, 0, 2], [0, 1, 1, 2]]);
    // Only sample 2 is right on every label.
    assert!(close(m.subset_accuracy().unwrap(), 0.25));
    // 4 wrong decisions of 12.
    assert!(close(m.hamming_loss().unwrap(), 1.0 / 3.0));
    let z = ZeroDivision::Zero;
    let f1 = m.metric_per_label(Metric::F1, z).unwrap();
    for (g, w) in f1.iter().zip([0.5, 1.0, 2.0 / 3.0]) {
        assert!(close(*g, w), "{f1:?}");
    }
    assert!(close(m.metric_average(Metric::F1, Average::Macro, z).unwrap(), 13.0 / 18.0));
    // pooled tp 5, fp 2, fn 2
    assert!(close(m.metric_average(Metric::F1, Average::Micro, z).unwrap(), 5.0 / 7.0));
    // per sample 2c/(t+p): 2/3, 1, 1/2, 2/3
    assert!(close(m.metric_average(Metric::F1, Average::Samples, z).unwrap(), 17.0 / 24.0));
    // per sample c/p: 1, 1, 1/2, 1/2
    assert!(close(m.metric_average(Metric::Precision, Average::Samples, z).unwrap(), 0.75));
    assert!(close(m.metric_average(Metric::Support, Average::Macro, z).unwrap(), 7.0));
}

#[test]
fn multilabel_threshold_and_errors() {
    let mut m = Multilabel::new(3).unwrap();
    let scores: Vec<f32> = ML_PRED.iter().map(|&p| if p == 1 { 0.75 } else { 0.5 }).collect();
    m.update_threshold(&ML_TRUE, &scores, 0.5).unwrap(); // 0.5 > 0.5 is false
    assert_eq!(m.counts(), ml_example().counts());

    let mut bad = ML_TRUE;
    bad[7] = 2;
    let err = m.update(&bad, &ML_PRED).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Label);
    assert!(!err.message().is_empty());
    assert_eq!(m.update(&ML_TRUE[..5], &ML_PRED[..5]).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(m.n_samples(), 4);
    assert_eq!(m.counts(), ml_example().counts());
}

#[test]
fn multilabel_clone_serialize_merge() {
    let mut m = Multilabel::new(3).unwrap();
    m.update(&ML_TRUE[..6], &ML_PRED[..6]).unwrap();
    let snapshot = m.clone();
    let mut rest = Multilabel::new(3).unwrap();
    rest.update(&ML_TRUE[6..], &ML_PRED[6..]).unwrap();
    m.merge(&rest).unwrap();
    assert_eq!(m.counts(), ml_example().counts());
    assert_eq!(snapshot.n_samples(), 2);
    let back = Multilabel::deserialize(&m.serialize().unwrap()).unwrap();
    assert_eq!(back.counts(), m.counts());
    assert!(close(back.metric_average(Metric::F1, Average::Samples, ZeroDivision::Zero).unwrap(), 17.0 / 24.0));
    assert_eq!(m.merge(&Multilabel::new(2).unwrap()).unwrap_err().kind(), ErrorKind::Mismatch);
}
