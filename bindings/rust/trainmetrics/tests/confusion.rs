//! ConfusionMatrix and its metrics against hand-computed tables.
//!
//! The running example, K = 3, ten pairs:
//!   y_true = 0 0 0 1 1 2 2 2 2 0
//!   y_pred = 0 1 0 1 2 2 2 0 2 1
//! gives M = [[2, 2, 0], [0, 1, 1], [1, 0, 3]]: row sums (support) 4 2 4, column
//! sums 3 3 4, trace 6. Per class (tp, fn, fp, tn): c0 (2, 2, 1, 5), c1 (1, 1, 2, 6),
//! c2 (3, 1, 1, 5).

use trainmetrics::{Average, ConfusionMatrix, ErrorKind, Kappa, Metric, Normalize, ZeroDivision};

const Y_TRUE: [i32; 10] = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
const Y_PRED: [i32; 10] = [0, 1, 0, 1, 2, 2, 2, 0, 2, 1];
const M: [u64; 9] = [2, 2, 0, 0, 1, 1, 1, 0, 3];

fn example() -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::new(3).unwrap();
    cm.update(&Y_TRUE, &Y_PRED).unwrap();
    cm
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn assert_all_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{got:?} vs {want:?}");
    }
}

#[test]
fn counts_of_every_label_type() {
    assert_eq!(example().counts().unwrap(), M);
    let u8s: Vec<u8> = Y_TRUE.iter().map(|&x| x as u8).collect();
    let p8: Vec<u8> = Y_PRED.iter().map(|&x| x as u8).collect();
    let u16s: Vec<u16> = Y_TRUE.iter().map(|&x| x as u16).collect();
    let p16: Vec<u16> = Y_PRED.iter().map(|&x| x as u16).collect();
    let i64s: Vec<i64> = Y_TRUE.iter().map(|&x| x as i64).collect();
    let p64: Vec<i64> = Y_PRED.iter().map(|&x| x as i64).collect();
    let mut a = ConfusionMatrix::new(3).unwrap();
    a.update(&u8s, &p8).unwrap();
    let mut b = ConfusionMatrix::new(3).unwrap();
    b.update(&u16s, &p16).unwrap();
    let mut c = ConfusionMatrix::new(3).unwrap();
    c.update(&i64s, &p64).unwrap();
    for cm in [&a, &b, &c] {
        assert_eq!(cm.counts().unwrap(), M);
        assert_eq!(cm.total(), 10.0);
        assert_eq!(cm.n_classes(), 3);
        assert!(!cm.is_weighted());
    }
}

#[test]
fn normalized_matrices() {
    let cm = example();
    assert_all_close(&cm.matrix(Normalize::None).unwrap(), &[2.0, 2.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 3.0]);
    // Rows divided by 4, 2, 4.
    assert_all_close(&cm.matrix(Normalize::True).unwrap(), &[0.5, 0.5, 0.0, 0.0, 0.5, 0.5, 0.25, 0.0, 0.75]);
    // Columns divided by 3, 3, 4.
    assert_all_close(
        &cm.matrix(Normalize::Pred).unwrap(),
        &[2.0 / 3.0, 2.0 / 3.0, 0.0, 0.0, 1.0 / 3.0, 0.25, 1.0 / 3.0, 0.0, 0.75],
    );
    assert_all_close(&cm.matrix(Normalize::All).unwrap(), &[0.2, 0.2, 0.0, 0.0, 0.1, 0.1, 0.1, 0.0, 0.3]);
}

#[test]
fn per_class_metrics() {
    let cm = example();
    let z = ZeroDivision::Zero;
    assert_all_close(&cm.metric_per_class(Metric::Precision, z).unwrap(), &[2.0 / 3.0, 1.0 / 3.0, 0.75]);
    assert_all_close(&cm.metric_per_class(Metric::Recall, z).unwrap(), &[0.5, 0.5, 0.75]);
    // 2tp / (2tp + fp + fn)
    assert_all_close(&cm.metric_per_class(Metric::F1, z).unwrap(), &[4.0 / 7.0, 2.0 / 5.0, 0.75]);
    assert_all_close(&cm.metric_per_class(Metric::Specificity, z).unwrap(), &[5.0 / 6.0, 0.75, 5.0 / 6.0]);
    // tn / (tn + fn)
    assert_all_close(&cm.metric_per_class(Metric::Npv, z).unwrap(), &[5.0 / 7.0, 6.0 / 7.0, 5.0 / 6.0]);
    assert_all_close(&cm.metric_per_class(Metric::Fpr, z).unwrap(), &[1.0 / 6.0, 0.25, 1.0 / 6.0]);
    assert_all_close(&cm.metric_per_class(Metric::Fnr, z).unwrap(), &[0.5, 0.5, 0.25]);
    assert_all_close(&cm.metric_per_class(Metric::Jaccard, z).unwrap(), &[0.4, 0.25, 0.6]);
    assert_all_close(&cm.metric_per_class(Metric::Support, z).unwrap(), &[4.0, 2.0, 4.0]);
    // beta = 2: 5tp / (5tp + 4fn + fp)
    assert_all_close(&cm.fbeta_per_class(2.0, z).unwrap(), &[10.0 / 19.0, 5.0 / 11.0, 0.75]);
    assert_eq!(cm.metric_undefined(Metric::Precision).unwrap(), [false, false, false]);
}

#[test]
fn averaged_metrics_and_scores() {
    let cm = example();
    let z = ZeroDivision::Zero;
    assert!(close(cm.metric_average(Metric::Precision, Average::Macro, z).unwrap(), 7.0 / 12.0));
    assert!(close(cm.metric_average(Metric::Recall, Average::Macro, z).unwrap(), 7.0 / 12.0));
    // (4/7 + 2/5 + 3/4) / 3
    assert!(close(cm.metric_average(Metric::F1, Average::Macro, z).unwrap(), 241.0 / 420.0));
    // (4 * 4/7 + 2 * 2/5 + 4 * 3/4) / 10
    assert!(close(cm.metric_average(Metric::F1, Average::Weighted, z).unwrap(), 213.0 / 350.0));
    // Single-label data: micro F1 = accuracy.
    assert!(close(cm.metric_average(Metric::F1, Average::Micro, z).unwrap(), 0.6));
    assert!(close(cm.metric_average(Metric::Support, Average::Macro, z).unwrap(), 10.0));
    assert!(close(cm.fbeta_average(2.0, Average::Macro, z).unwrap(), (10.0 / 19.0 + 5.0 / 11.0 + 0.75) / 3.0));
    assert!(close(cm.accuracy().unwrap(), 0.6));
    assert!(close(cm.balanced_accuracy(false).unwrap(), 7.0 / 12.0));
    // (7/12 - 1/3) / (1 - 1/3)
    assert!(close(cm.balanced_accuracy(true).unwrap(), 3.0 / 8.0));
    // po = 0.6, pe = (4*3 + 2*3 + 4*4) / 100 = 0.34
    assert!(close(cm.cohen_kappa(Kappa::None).unwrap(), 13.0 / 33.0));
    // 1 - sum|i-j| O / sum|i-j| E = 1 - 0.5 / 0.94
    assert!(close(cm.cohen_kappa(Kappa::Linear).unwrap(), 22.0 / 47.0));
    // (c s - sum p t) / sqrt((s^2 - sum p^2)(s^2 - sum t^2)) = 26 / sqrt(66 * 64)
    assert!(close(cm.matthews_corrcoef().unwrap(), 26.0 / (66.0f64 * 64.0).sqrt()));
}

#[test]
fn zero_division_and_absent_classes() {
    // The same pairs with K = 4: class 3 never occurs, so its precision, recall
    // and F1 are undefined.
    let mut cm = ConfusionMatrix::new(4).unwrap();
    cm.update(&Y_TRUE, &Y_PRED).unwrap();
    assert_eq!(cm.metric_undefined(Metric::F1).unwrap(), [false, false, false, true]);
    let p1 = cm.metric_per_class(Metric::Precision, ZeroDivision::One).unwrap();
    assert_all_close(&p1, &[2.0 / 3.0, 1.0 / 3.0, 0.75, 1.0]);
    let pn = cm.metric_per_class(Metric::Precision, ZeroDivision::Nan).unwrap();
    assert!(pn[3].is_nan());
    let f1 = |avg, zd| cm.metric_average(Metric::F1, avg, zd).unwrap();
    assert!(close(f1(Average::Macro, ZeroDivision::Zero), 241.0 / 560.0));
    assert!(close(f1(Average::MacroPresent, ZeroDivision::Zero), 241.0 / 420.0));
    // NaN entries are dropped from the average.
    assert!(close(f1(Average::Macro, ZeroDivision::Nan), 241.0 / 420.0));
    let err = cm.metric_average(Metric::F1, Average::Samples, ZeroDivision::Zero).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn empty_matrix() {
    let cm = ConfusionMatrix::new(2).unwrap();
    assert_eq!(cm.total(), 0.0);
    let err = cm.accuracy().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Empty);
    assert_eq!(err.code(), -10);
    assert!(!err.message().is_empty());
}

#[test]
fn bad_label_is_an_error_with_the_message_and_changes_nothing() {
    let mut cm = example();
    let err = cm.update(&[0i32, 1, 2], &[0i32, 3, 1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Label);
    assert_eq!(err.code(), -3);
    assert!(err.message().contains("y_pred[1] = 3 is outside [0, 3)"), "{}", err.message());
    assert!(err.to_string().contains("y_pred[1] = 3"), "{err}");
    assert_eq!(cm.counts().unwrap(), M);
    // A later failure carries its own text, not the earlier one.
    let err = cm.update(&[-5i64], &[0i64]).unwrap_err();
    assert!(err.message().contains("y_true[0] = -5"), "{}", err.message());
    assert_eq!(cm.counts().unwrap(), M);
}

#[test]
fn length_errors_are_caught_before_the_library() {
    let mut cm = example();
    let err = cm.update(&[0i32, 1], &[0i32]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.message().contains("lengths differ"), "{}", err.message());
    assert_eq!(cm.add_counts(&[1, 2, 3]).unwrap_err().kind(), ErrorKind::Invalid);
    let err = cm.update_argmax(&[0, 1], &[0.1f32, 0.2, 0.3, 0.4, 0.5], 3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(cm.counts().unwrap(), M);
}

#[test]
fn ignore_label() {
    let mut cm = ConfusionMatrix::new(3).unwrap();
    assert_eq!(cm.ignore_label(), None);
    cm.set_ignore_label(Some(-1)).unwrap();
    assert_eq!(cm.ignore_label(), Some(-1));
    // Pairs with true label -1 are skipped whatever the prediction (even 7).
    cm.update(&[0i32, -1, 1, -1], &[0i32, 7, 2, 1]).unwrap();
    assert_eq!(cm.counts().unwrap(), [1, 0, 0, 0, 0, 1, 0, 0, 0]);
    cm.set_ignore_label(None).unwrap();
    assert_eq!(cm.ignore_label(), None);
    assert_eq!(cm.update(&[-1i32], &[0i32]).unwrap_err().kind(), ErrorKind::Label);
}

#[test]
fn weighted_matrix() {
    let mut cm = ConfusionMatrix::new_weighted(2).unwrap();
    assert!(cm.is_weighted());
    cm.update_weighted(&[0i32, 0, 1, 1], &[0i32, 1, 1, 1], &[0.5, 2.0, 1.5, 0.25]).unwrap();
    cm.update(&[1i64], &[0i64]).unwrap(); // weight 1.0
    assert_eq!(cm.matrix(Normalize::None).unwrap(), [0.5, 2.0, 1.0, 1.75]);
    assert_eq!(cm.total(), 5.25);
    assert_eq!(cm.counts().unwrap_err().kind(), ErrorKind::Mismatch);
    // precision of class 0: 0.5 / 1.5
    let p = cm.metric_per_class(Metric::Precision, ZeroDivision::Zero).unwrap();
    assert_all_close(&p, &[1.0 / 3.0, 1.75 / 3.75]);
    cm.add_weights(&[1.0, 0.0, 0.0, 1.0]).unwrap();
    assert_eq!(cm.matrix(Normalize::None).unwrap(), [1.5, 2.0, 1.0, 2.75]);
    let err = cm.update_weighted(&[0i32], &[0i32], &[-1.0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let err = cm.update_weighted(&[0i32], &[0i32], &[f64::NAN]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFinite);
    assert_eq!(cm.matrix(Normalize::None).unwrap(), [1.5, 2.0, 1.0, 2.75]);
    let mut unweighted = ConfusionMatrix::new(2).unwrap();
    let err = unweighted.update_weighted(&[0i32], &[0i32], &[1.0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Mismatch);
}

#[test]
fn argmax_and_threshold() {
    let mut cm = ConfusionMatrix::new(3).unwrap();
    // Rows of stride 4 (the 4th column is padding and never read as a class);
    // row 2 ties classes 1 and 2: the lowest index wins.
    let scores = [
        0.7f32, 0.2, 0.1, 9.0, //
        0.1, 0.3, 0.6, 9.0, //
        0.2, 0.4, 0.4, 9.0,
    ];
    cm.update_argmax(&[0, 1, 1], &scores, 4).unwrap();
    assert_eq!(cm.counts().unwrap(), [1, 0, 0, 0, 1, 1, 0, 0, 0]);
    let err = cm.update_argmax(&[0], &[0.1f64, f64::NAN, 0.2], 3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFinite);
    assert_eq!(cm.counts().unwrap(), [1, 0, 0, 0, 1, 1, 0, 0, 0]);

    let mut binary = ConfusionMatrix::new(2).unwrap();
    // Strict >: a score equal to the threshold predicts 0.
    binary.update_threshold(&[0, 1, 1, 0], &[0.5f64, 0.5, 0.9, 0.7], 0.5).unwrap();
    assert_eq!(binary.counts().unwrap(), [1, 1, 1, 1]);
    assert_eq!(cm.update_threshold(&[0], &[0.1f32], 0.5).unwrap_err().kind(), ErrorKind::Mismatch);
}

#[test]
fn clones_are_independent() {
    let mut cm = example();
    let copy = cm.clone();
    cm.update(&[2i32], &[2i32]).unwrap();
    assert_eq!(copy.counts().unwrap(), M);
    assert_eq!(cm.counts().unwrap()[8], 4);
    let mut copy2 = copy.try_clone().unwrap();
    copy2.reset();
    assert_eq!(copy2.counts().unwrap(), [0; 9]);
    assert_eq!(copy.counts().unwrap(), M);
}

#[test]
fn serialize_round_trip_and_damaged_blobs() {
    let mut cm = example();
    cm.set_ignore_label(Some(9)).unwrap();
    let blob = cm.serialize().unwrap();
    let back = ConfusionMatrix::deserialize(&blob).unwrap();
    assert_eq!(back.counts().unwrap(), M);
    assert_eq!(back.ignore_label(), Some(9));
    assert_eq!(back.serialize().unwrap(), blob);

    assert_eq!(ConfusionMatrix::deserialize(&blob[..blob.len() - 1]).unwrap_err().kind(), ErrorKind::Corrupt);
    let mut damaged = blob.clone();
    let last = damaged.len() - 5;
    damaged[last] ^= 0x40;
    let err = ConfusionMatrix::deserialize(&damaged).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(!err.message().is_empty());
    assert_eq!(ConfusionMatrix::deserialize(&[]).unwrap_err().kind(), ErrorKind::Corrupt);
    // A valid blob of another handle type.
    let other = trainmetrics::TopK::new(3, 1).unwrap().serialize().unwrap();
    assert_eq!(ConfusionMatrix::deserialize(&other).unwrap_err().kind(), ErrorKind::Mismatch);
}

#[test]
fn merge_and_add_counts() {
    let mut first = ConfusionMatrix::new(3).unwrap();
    first.update(&Y_TRUE[..4], &Y_PRED[..4]).unwrap();
    let mut second = ConfusionMatrix::new(3).unwrap();
    second.update(&Y_TRUE[4..], &Y_PRED[4..]).unwrap();
    first.merge(&second).unwrap();
    assert_eq!(first.counts().unwrap(), M);

    let mut reduced = ConfusionMatrix::new(3).unwrap();
    reduced.add_counts(&M).unwrap();
    reduced.add_counts(&M).unwrap();
    assert_eq!(reduced.counts().unwrap(), M.map(|x| 2 * x));

    let other = ConfusionMatrix::new(4).unwrap();
    let err = first.merge(&other).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Mismatch);
    assert_eq!(first.counts().unwrap(), M);
}

#[test]
fn classification_report_layout() {
    let cm = example();
    let report = cm.classification_report(Some(&["cat", "dog", "eel"]), 2).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    let row = |name: &str| -> Vec<String> {
        let line = lines.iter().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("{report}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    // precision, recall, F1 (2 digits), support
    assert_eq!(row("cat"), ["cat", "0.67", "0.50", "0.57", "4"]);
    assert_eq!(row("dog"), ["dog", "0.33", "0.50", "0.40", "2"]);
    assert_eq!(row("eel"), ["eel", "0.75", "0.75", "0.75", "4"]);
    assert_eq!(row("accuracy"), ["accuracy", "0.60", "10"]);
    assert_eq!(row("macro"), ["macro", "avg", "0.58", "0.58", "0.57", "10"]);
    // weighted precision (4 * 2/3 + 2 * 1/3 + 4 * 3/4) / 10 = 19/30, recall 0.6, F1 213/350
    assert_eq!(row("weighted"), ["weighted", "avg", "0.63", "0.60", "0.61", "10"]);
    let numbered = cm.classification_report(None, 4).unwrap();
    assert!(numbered.contains("0.6667"), "{numbered}");
    assert_eq!(cm.classification_report(Some(&["a"]), 2).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(cm.classification_report(None, 31).unwrap_err().kind(), ErrorKind::Invalid);
}
