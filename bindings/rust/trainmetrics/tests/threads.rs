//! Send and Sync as the C contract says, checked at compile time and used.

use trainmetrics::{Cam, CamMethod, ConfusionMatrix, Metric, Multilabel, OverfitDetector, RegressionErrors, TopK, ZeroDivision};

fn send_and_sync<T: Send + Sync>() {}
fn send<T: Send>() {}

// Compiles only if T is NOT Sync: with a Sync T both impls apply and the call is
// ambiguous (the static_assertions trick).
trait AmbiguousIfSync<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}

#[test]
fn marker_traits() {
    send_and_sync::<ConfusionMatrix>();
    send_and_sync::<TopK>();
    send_and_sync::<Multilabel>();
    send_and_sync::<RegressionErrors>();
    send_and_sync::<OverfitDetector>();
    send::<Cam>();
    <Cam as AmbiguousIfSync<_>>::check();
    send_and_sync::<trainmetrics::Error>();
}

#[test]
fn shared_queries_and_moved_handles() {
    let mut cm = ConfusionMatrix::new(2).unwrap();
    cm.update(&[0i32, 0, 1, 1], &[0i32, 1, 1, 1]).unwrap();
    let cm = cm;
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..100 {
                    let p = cm.metric_per_class(Metric::Precision, ZeroDivision::Zero).unwrap();
                    assert_eq!(p, [1.0, 2.0 / 3.0]);
                }
            });
        }
    });
    // Each thread reads its own error text.
    let moved = std::thread::spawn(move || {
        let mut cam = Cam::new(CamMethod::HiResCam).unwrap();
        cam.set_normalize(trainmetrics::CamNormalize::None).unwrap();
        let map = cam.compute(&[1.0, 2.0], Some(&[2.0, 0.5]), 1, 1, &[2]).unwrap();
        let err = cam.compute(&[f32::NAN, 2.0], Some(&[2.0, 0.5]), 1, 1, &[2]).unwrap_err();
        (map, err.kind())
    })
    .join()
    .unwrap();
    assert_eq!(moved, (vec![2.0, 1.0], trainmetrics::ErrorKind::NonFinite));
}
