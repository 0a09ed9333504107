//! Cam, colormaps and overlays on maps small enough to work out by hand.

use trainmetrics::{colormap_apply, overlay_rgb8, Cam, CamMethod, CamNormalize, Colormap, ErrorKind, Layout};

// One sample, two channels, three positions (channels first):
//   A: ch0 1 2 3, ch1 3 2 1;  G: ch0 1 1 1, ch1 0 0 0.3
// Grad-CAM weights (spatial mean of G): 1 and 0.1; raw map 1.3 2.2 3.1.
const A: [f32; 6] = [1.0, 2.0, 3.0, 3.0, 2.0, 1.0];
const G: [f32; 6] = [1.0, 1.0, 1.0, 0.0, 0.0, 0.3];

fn assert_close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((f64::from(*g) - w).abs() < 1e-6, "{got:?} vs {want:?}");
    }
}

#[test]
fn gradcam_by_hand() {
    let mut cam = Cam::new(CamMethod::GradCam).unwrap();
    assert_close(&cam.weights(&A, &G, 1, 2, &[3]).unwrap(), &[1.0, 0.1]);
    // Min-max: (x - 1.3) / (1.8 + 1e-7).
    let d = 1.8 + 1e-7;
    assert_close(&cam.compute(&A, Some(&G), 1, 2, &[3]).unwrap(), &[0.0, 0.9 / d, 1.8 / d]);
    cam.set_normalize(CamNormalize::None).unwrap();
    assert_close(&cam.compute(&A, Some(&G), 1, 2, &[3]).unwrap(), &[1.3, 2.2, 3.1]);
}

#[test]
fn hirescam_relu_resize_and_layout() {
    // HiResCAM: sum over channels of G * A = 1, 2, 3 + 0.3.
    let mut cam = Cam::new(CamMethod::HiResCam).unwrap();
    cam.set_normalize(CamNormalize::None).unwrap();
    assert_close(&cam.compute(&A, Some(&G), 1, 2, &[3]).unwrap(), &[1.0, 2.0, 3.3]);
    // Linear resize 3 -> 6, half-pixel centres: x = j/2 - 0.25, clamped.
    cam.set_output_shape(&[6]).unwrap();
    assert_eq!(cam.output_size(&[3]).unwrap(), 6);
    assert_close(&cam.compute(&A, Some(&G), 1, 2, &[3]).unwrap(), &[1.0, 1.25, 1.75, 2.325, 2.975, 3.3]);
    cam.set_output_shape(&[]).unwrap();
    // Channels last: the same tensors interleaved (position-major).
    cam.set_layout(Layout::ChannelsLast).unwrap();
    let a_last = [1.0f32, 3.0, 2.0, 2.0, 3.0, 1.0];
    let g_last = [1.0f32, 0.0, 1.0, 0.0, 1.0, 0.3];
    assert_close(&cam.compute(&a_last, Some(&g_last), 1, 2, &[3]).unwrap(), &[1.0, 2.0, 3.3]);
    // ReLU clips a negative map: negate the gradients.
    cam.set_layout(Layout::ChannelsFirst).unwrap();
    let neg: Vec<f32> = G.iter().map(|g| -g).collect();
    assert_close(&cam.compute(&A, Some(&neg), 1, 2, &[3]).unwrap(), &[0.0, 0.0, 0.0]);
    cam.set_relu(false).unwrap();
    assert_close(&cam.compute(&A, Some(&neg), 1, 2, &[3]).unwrap(), &[-1.0, -2.0, -3.3]);
}

#[test]
fn cam_errors_leave_no_output() {
    let mut cam = Cam::new(CamMethod::GradCam).unwrap();
    let mut bad = A;
    bad[4] = f32::NAN;
    let err = cam.compute(&bad, Some(&G), 1, 2, &[3]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFinite);
    assert!(!err.message().is_empty());
    assert_eq!(cam.compute(&A[..5], Some(&G), 1, 2, &[3]).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(cam.compute(&A, None, 1, 2, &[3]).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(cam.compute(&A, Some(&G), 1, 2, &[3, 1, 1, 1]).unwrap_err().kind(), ErrorKind::Invalid);
    let mut hires = Cam::new(CamMethod::HiResCam).unwrap();
    assert_eq!(hires.weights(&A, &G, 1, 2, &[3]).unwrap_err().kind(), ErrorKind::Invalid);
    cam.set_output_shape(&[2, 2]).unwrap();
    assert_eq!(cam.compute(&A, Some(&G), 1, 2, &[3]).unwrap_err().kind(), ErrorKind::Mismatch);
    // EigenCAM needs no gradients.
    let mut eigen = Cam::new(CamMethod::EigenCam).unwrap();
    assert_eq!(eigen.compute(&A, None, 1, 2, &[3]).unwrap().len(), 3);
}

#[test]
fn colormaps_and_overlay() {
    // Gray: floor(255 v), clamped to [0, 1].
    let rgb = colormap_apply(&[0.0, 0.5, 1.0, -1.0, 2.0], Colormap::Gray).unwrap();
    assert_eq!(rgb, [0, 0, 0, 127, 127, 127, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
    // JET at 0: r = g = 0, b = clip(0.5) * 255 = 127.5, rounded half to even: 128.
    assert_eq!(colormap_apply(&[0.0], Colormap::Jet).unwrap(), [0, 0, 128]);
    assert_eq!(colormap_apply(&[f32::NAN], Colormap::Gray).unwrap_err().kind(), ErrorKind::NonFinite);
    // Weight 1: only the image, divided by its maximum: 100/255 / (100/255) -> 255,
    // 50/255 / (100/255) -> 127.
    let out = overlay_rgb8(&[100, 100, 100, 50, 50, 50], &[0.3, 0.9], Colormap::Jet, 1.0).unwrap();
    assert_eq!(out, [255, 255, 255, 127, 127, 127]);
    // Weight 0: only the gray heat of 1.0 and 0.5: 255 and 127/255 / 1 -> 127.
    let out = overlay_rgb8(&[9, 9, 9, 9, 9, 9], &[1.0, 0.5], Colormap::Gray, 0.0).unwrap();
    assert_eq!(out, [255, 255, 255, 127, 127, 127]);
    assert_eq!(overlay_rgb8(&[0; 6], &[0.0, 0.0], Colormap::Gray, 1.5).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(overlay_rgb8(&[0; 5], &[0.0, 0.0], Colormap::Gray, 0.5).unwrap_err().kind(), ErrorKind::Invalid);
}
