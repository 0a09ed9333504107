//! One validation epoch of a 3-class classifier as a training loop would report
//! it: a streaming confusion matrix fed in batches (argmax of the scores), merged
//! across two "workers", its metrics and report, and an overfitting detector fed
//! with the epoch losses.
//!
//! Run from bindings/rust against a build tree:
//!   PKG_CONFIG_PATH=../../build/meson-uninstalled LD_LIBRARY_PATH=../../build/lib \
//!       cargo run --offline --example epoch_report

use trainmetrics::{Average, ConfusionMatrix, Criteria, Metric, OverfitDetector, ZeroDivision};

fn main() -> Result<(), trainmetrics::Error> {
    // Two workers each see half of the validation set.
    let batches: [(&[i32], &[f32]); 2] = [
        (&[0, 1, 2, 2], &[0.8, 0.1, 0.1, 0.2, 0.5, 0.3, 0.1, 0.2, 0.7, 0.6, 0.3, 0.1]),
        (&[0, 1, 1, 2], &[0.4, 0.4, 0.2, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.2, 0.2, 0.6]),
    ];
    let mut total = ConfusionMatrix::new(3)?;
    for (labels, scores) in batches {
        let mut worker = ConfusionMatrix::new(3)?;
        worker.update_argmax(labels, scores, 3)?;
        // A worker's state travels as bytes (a checkpoint, a message to rank 0).
        let received = ConfusionMatrix::deserialize(&worker.serialize()?)?;
        total.merge(&received)?;
    }
    println!("counts (row = true): {:?}", total.counts()?);
    println!(
        "accuracy {:.3}  macro F1 {:.3}  kappa {:.3}  MCC {:.3}",
        total.accuracy()?,
        total.metric_average(Metric::F1, Average::Macro, ZeroDivision::Zero)?,
        total.cohen_kappa(trainmetrics::Kappa::None)?,
        total.matthews_corrcoef()?
    );
    print!("{}", total.classification_report(Some(&["cat", "dog", "eel"]), 3)?);

    // A bad batch is refused whole, with the library's explanation.
    if let Err(error) = total.update(&[0i32, 5], &[0i32, 1]) {
        println!("refused: {error}");
    }

    let mut detector = OverfitDetector::new()?;
    detector.set_criteria(Criteria::PATIENCE | Criteria::NONFINITE)?;
    detector.set_patience(2, 0.0, 0.0)?;
    let train = [1.10, 0.90, 0.75, 0.62, 0.55, 0.49, 0.44];
    let val = [1.00, 0.85, 0.74, 0.76, 0.79, 0.83, 0.88];
    for (epoch, (t, v)) in train.iter().zip(&val).enumerate() {
        detector.push(*t, *v)?;
        if detector.should_stop() {
            println!("stop at epoch {} (best epoch {:?})", epoch + 1, detector.best_epoch());
            break;
        }
    }
    println!("{}", detector.explain()?);
    Ok(())
}
