//! RegressionErrors against errors worked out by hand.

use trainmetrics::{ErrorKind, RegressionErrors, RegressionMetric as R};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn single_output_rmse() {
    // scikit-learn's documented example: MSE 0.375.
    let mut r = RegressionErrors::new(1).unwrap();
    r.update(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).unwrap();
    assert!(close(r.average(R::Mse).unwrap(), 0.375));
    assert!(close(r.average(R::Rmse).unwrap(), 0.375f64.sqrt()));
    assert!(close(r.average(R::Mae).unwrap(), 0.5));
    assert!(close(r.average(R::MaxError).unwrap(), 1.0));
}

// Two outputs, four samples:
//   y_true (1,2) (2,4) (3,6) (4,8)
//   y_pred (1,3) (3,4) (2,6) (4,10)
// errors: output 0: 0 1 -1 0; output 1: 1 0 0 2.
const T: [f64; 8] = [1.0, 2.0, 2.0, 4.0, 3.0, 6.0, 4.0, 8.0];
const P: [f64; 8] = [1.0, 3.0, 3.0, 4.0, 2.0, 6.0, 4.0, 10.0];

fn spectral_angle(a: [f64; 2], b: [f64; 2]) -> f64 {
    let dot = a[0] * b[0] + a[1] * b[1];
    (dot / ((a[0] * a[0] + a[1] * a[1]).sqrt() * (b[0] * b[0] + b[1] * b[1]).sqrt())).acos()
}

#[test]
fn two_outputs_by_hand() {
    let mut r = RegressionErrors::new(2).unwrap();
    r.update(&T, &P).unwrap();
    assert_eq!((r.n_outputs(), r.n_samples()), (2, 4));
    let per = |m| r.per_output(m).unwrap();
    assert_eq!(per(R::Mae), [0.5, 0.75]);
    assert_eq!(per(R::Mse), [0.5, 1.25]);
    let rmse = per(R::Rmse);
    assert!(close(rmse[0], 0.5f64.sqrt()) && close(rmse[1], 1.25f64.sqrt()), "{rmse:?}");
    assert_eq!(per(R::MaxError), [1.0, 2.0]);
    // R2: SS_res 2 and 5; SS_tot 5 and 20.
    let r2 = per(R::R2);
    assert!(close(r2[0], 0.6) && close(r2[1], 0.75), "{r2:?}");
    assert!(close(r.average(R::R2).unwrap(), 0.675));
    assert!(close(r.average(R::Rmse).unwrap(), (0.5f64.sqrt() + 1.25f64.sqrt()) / 2.0));
    // sqrt((2 + 5) / 8)
    assert!(close(r.average(R::RmsePooled).unwrap(), (7.0f64 / 8.0).sqrt()));
    // per-sample RMSE sqrt(1/2) three times and sqrt(2): mean 5 / (4 sqrt 2)
    assert!(close(r.average(R::RmsePerSample).unwrap(), 5.0 / (4.0 * 2.0f64.sqrt())));
    let sad = (spectral_angle([1.0, 2.0], [1.0, 3.0])
        + spectral_angle([2.0, 4.0], [3.0, 4.0])
        + spectral_angle([3.0, 6.0], [2.0, 6.0])
        + spectral_angle([4.0, 8.0], [4.0, 10.0]))
        / 4.0;
    assert!((r.average(R::Sad).unwrap() - sad).abs() < 1e-12);
    let f32_true: Vec<f32> = T.iter().map(|&x| x as f32).collect();
    let f32_pred: Vec<f32> = P.iter().map(|&x| x as f32).collect();
    let mut r32 = RegressionErrors::new(2).unwrap();
    r32.update(&f32_true, &f32_pred).unwrap();
    assert_eq!(r32.per_output(R::Mse).unwrap(), [0.5, 1.25]);
}

#[test]
fn errors_change_nothing() {
    let mut r = RegressionErrors::new(2).unwrap();
    assert_eq!(r.average(R::Mse).unwrap_err().kind(), ErrorKind::Empty);
    r.update(&T, &P).unwrap();
    let mut bad = P;
    bad[5] = f64::NAN;
    let err = r.update(&T, &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFinite);
    assert!(err.message().contains("y_pred"), "{}", err.message());
    assert_eq!(r.update(&T[..3], &P[..3]).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(r.per_output(R::RmsePooled).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(r.n_samples(), 4);
    assert_eq!(r.per_output(R::Mse).unwrap(), [0.5, 1.25]);
    assert_eq!(RegressionErrors::new(0).unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn clone_serialize_merge() {
    let mut r = RegressionErrors::new(2).unwrap();
    r.update(&T[..4], &P[..4]).unwrap();
    let copy = r.clone();
    let mut rest = RegressionErrors::new(2).unwrap();
    rest.update(&T[4..], &P[4..]).unwrap();
    r.merge(&rest).unwrap();
    assert_eq!(r.per_output(R::Mse).unwrap(), [0.5, 1.25]);
    let r2 = r.per_output(R::R2).unwrap();
    assert!(close(r2[0], 0.6) && close(r2[1], 0.75), "{r2:?}");
    // The copy still holds the first two samples: errors (0, 1) and (1, 0).
    assert_eq!(copy.per_output(R::Mse).unwrap(), [0.5, 0.5]);
    let back = RegressionErrors::deserialize(&r.serialize().unwrap()).unwrap();
    assert_eq!(back.n_samples(), 4);
    assert!(close(back.average(R::RmsePooled).unwrap(), (7.0f64 / 8.0).sqrt()));
    assert_eq!(r.merge(&RegressionErrors::new(3).unwrap()).unwrap_err().kind(), ErrorKind::Mismatch);
    r.reset();
    assert_eq!(r.n_samples(), 0);
}
