//! Class activation maps (Grad-CAM and its family), colormaps and overlays.

use std::marker::PhantomData;
use std::os::raw::c_int;
use std::ptr::NonNull;

use crate::{call, product, same_len, sys, Error, Result};

/// CAM methods (pytorch-grad-cam's formulas), chosen at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CamMethod {
    /// Grad-CAM: channel weights are the spatial mean of the gradients.
    GradCam,
    /// Grad-CAM++ (pytorch-grad-cam's closed form).
    GradCamPlusPlus,
    /// XGrad-CAM: activation-normalized gradient weights.
    XGradCam,
    /// HiResCAM: the sum over channels of G · A.
    HiResCam,
    /// The sum over channels of relu(G · A).
    GradCamElementwise,
    /// LayerCAM: the sum over channels of relu(G) · A.
    LayerCam,
    /// Eigen-CAM: the first principal component of A; needs no gradients.
    EigenCam,
    /// The first principal component of G · A.
    EigenGradCam,
}

/// Memory layout of the activation and gradient tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// (N, C, spatial...), as PyTorch stores them; the default.
    ChannelsFirst,
    /// (N, spatial..., C), as TensorFlow does.
    ChannelsLast,
}

/// Normalization of each map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CamNormalize {
    /// Raw values.
    None,
    /// (x - min) / (max - min + 1e-7) per map; the default.
    MinMax,
}

/// Colormaps of [`colormap_apply`] and [`overlay_rgb8`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Colormap {
    /// OpenCV's COLORMAP_JET.
    Jet,
    /// matplotlib's viridis.
    Viridis,
    /// matplotlib's inferno.
    Inferno,
    /// r = g = b = floor(255 v).
    Gray,
}

impl Colormap {
    fn raw(self) -> c_int {
        match self {
            Colormap::Jet => sys::TRM_COLORMAP_JET,
            Colormap::Viridis => sys::TRM_COLORMAP_VIRIDIS,
            Colormap::Inferno => sys::TRM_COLORMAP_INFERNO,
            Colormap::Gray => sys::TRM_COLORMAP_GRAY,
        }
    }
}

/// A class-activation-map calculator for one method, over 1-D, 2-D or 3-D feature
/// maps.
///
/// `Send` but not `Sync`: the library allows a handle one thread at a time (its
/// workspace grows during computations), and the C library has no clone for it.
pub struct Cam {
    raw: NonNull<sys::trm_cam>,
    // Raw pointers are neither Send nor Sync; Send is restored below, Sync is not.
    _not_sync: PhantomData<*mut sys::trm_cam>,
}

// SAFETY: a calculator has no thread affinity; it may move to another thread.
unsafe impl Send for Cam {}

impl Drop for Cam {
    fn drop(&mut self) {
        // SAFETY: the handle is owned by self and never used again.
        unsafe { sys::trm_cam_free(self.raw.as_ptr()) }
    }
}

impl Cam {
    /// A calculator for `method`: channels-first, ReLU and min-max normalization on,
    /// maps at the feature resolution.
    pub fn new(method: CamMethod) -> Result<Self> {
        let raw_method = match method {
            CamMethod::GradCam => sys::TRM_CAM_GRADCAM,
            CamMethod::GradCamPlusPlus => sys::TRM_CAM_GRADCAM_PLUS_PLUS,
            CamMethod::XGradCam => sys::TRM_CAM_XGRADCAM,
            CamMethod::HiResCam => sys::TRM_CAM_HIRESCAM,
            CamMethod::GradCamElementwise => sys::TRM_CAM_GRADCAM_ELEMENTWISE,
            CamMethod::LayerCam => sys::TRM_CAM_LAYERCAM,
            CamMethod::EigenCam => sys::TRM_CAM_EIGENCAM,
            CamMethod::EigenGradCam => sys::TRM_CAM_EIGENGRADCAM,
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: a valid out-pointer; NULL allocator = malloc.
        call(|| unsafe { sys::trm_cam_new(&mut raw, raw_method, std::ptr::null()) })?;
        Ok(Cam { raw: NonNull::new(raw).expect("TRM_OK and no handle"), _not_sync: PhantomData })
    }

    /// The C handle, for calls through [`sys`](crate::sys); it stays owned by `self`.
    pub fn as_ptr(&self) -> *const sys::trm_cam {
        self.raw.as_ptr()
    }

    /// The layout of the tensors given to [`compute`](Self::compute).
    pub fn set_layout(&mut self, layout: Layout) -> Result<()> {
        let raw = match layout {
            Layout::ChannelsFirst => sys::TRM_LAYOUT_CHANNELS_FIRST,
            Layout::ChannelsLast => sys::TRM_LAYOUT_CHANNELS_LAST,
        };
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_cam_set_layout(self.raw.as_ptr(), raw) })
    }

    /// Turns the ReLU applied to each raw map on (default) or off.
    pub fn set_relu(&mut self, enabled: bool) -> Result<()> {
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_cam_set_relu(self.raw.as_ptr(), c_int::from(enabled)) })
    }

    /// The normalization of each map.
    pub fn set_normalize(&mut self, mode: CamNormalize) -> Result<()> {
        let raw = match mode {
            CamNormalize::None => sys::TRM_CAM_NORMALIZE_NONE,
            CamNormalize::MinMax => sys::TRM_CAM_NORMALIZE_MINMAX,
        };
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_cam_set_normalize(self.raw.as_ptr(), raw) })
    }

    /// Resizes every map to `dims` (linear interpolation, half-pixel centres), or keeps
    /// the feature resolution when `dims` is empty.
    pub fn set_output_shape(&mut self, dims: &[usize]) -> Result<()> {
        let ptr = if dims.is_empty() { std::ptr::null() } else { dims.as_ptr() };
        // SAFETY: ptr is NULL with ndim 0, or dims.len() sizes.
        call(|| unsafe { sys::trm_cam_set_output_shape(self.raw.as_ptr(), dims.len(), ptr) })
    }

    /// The number of floats one output map has for inputs of spatial shape `spatial`.
    pub fn output_size(&self, spatial: &[usize]) -> Result<usize> {
        let mut n = 0usize;
        // SAFETY: spatial holds spatial.len() sizes.
        call(|| unsafe { sys::trm_cam_output_size(self.raw.as_ptr(), spatial.len(), spatial.as_ptr(), &mut n) })?;
        Ok(n)
    }

    fn check_inputs(&self, what: &str, activations: &[f32], gradients: Option<&[f32]>, batch: usize, channels: usize, spatial: &[usize]) -> Result<()> {
        let mut factors = vec![batch, channels];
        factors.extend_from_slice(spatial);
        let n = product(what, &factors)?;
        same_len(&format!("{what} (activations vs batch x channels x spatial)"), activations.len(), n)?;
        if let Some(g) = gradients {
            same_len(&format!("{what} (gradients vs activations)"), g.len(), n)?;
        }
        Ok(())
    }

    /// The maps of a batch: `batch` maps of [`output_size`](Self::output_size) floats,
    /// each row-major. `gradients` may be `None` for [`CamMethod::EigenCam`] only.
    pub fn compute(
        &mut self,
        activations: &[f32],
        gradients: Option<&[f32]>,
        batch: usize,
        channels: usize,
        spatial: &[usize],
    ) -> Result<Vec<f32>> {
        self.check_inputs("Cam::compute", activations, gradients, batch, channels, spatial)?;
        let per_map = self.output_size(spatial)?;
        let total = product("Cam::compute", &[batch, per_map])?;
        let mut out = vec![0f32; total];
        let g = gradients.map_or(std::ptr::null(), |g| g.as_ptr());
        // SAFETY: inputs hold batch x channels x spatial floats, out batch x output_size.
        call(|| unsafe {
            sys::trm_cam_compute_f32(
                self.raw.as_ptr(),
                activations.as_ptr(),
                g,
                batch,
                channels,
                spatial.len(),
                spatial.as_ptr(),
                out.as_mut_ptr(),
            )
        })?;
        Ok(out)
    }

    /// The channel weights (batch x channels) of the weighting methods (Grad-CAM,
    /// Grad-CAM++, XGrad-CAM), before ReLU and normalization.
    pub fn weights(
        &mut self,
        activations: &[f32],
        gradients: &[f32],
        batch: usize,
        channels: usize,
        spatial: &[usize],
    ) -> Result<Vec<f32>> {
        self.check_inputs("Cam::weights", activations, Some(gradients), batch, channels, spatial)?;
        let mut out = vec![0f32; product("Cam::weights", &[batch, channels])?];
        // SAFETY: inputs hold batch x channels x spatial floats, out batch x channels.
        call(|| unsafe {
            sys::trm_cam_weights_f32(
                self.raw.as_ptr(),
                activations.as_ptr(),
                gradients.as_ptr(),
                batch,
                channels,
                spatial.len(),
                spatial.as_ptr(),
                out.as_mut_ptr(),
            )
        })?;
        Ok(out)
    }
}

impl std::fmt::Debug for Cam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cam").field("raw", &self.raw).finish()
    }
}

/// Maps values (clamped to [0, 1]) to RGB bytes, three per value.
pub fn colormap_apply(values: &[f32], colormap: Colormap) -> Result<Vec<u8>> {
    let n = product("colormap_apply", &[values.len(), 3])?;
    let mut rgb = vec![0u8; n];
    // SAFETY: values holds len floats, rgb 3 * len bytes.
    call(|| unsafe { sys::trm_colormap_apply(values.as_ptr(), values.len(), colormap.raw(), rgb.as_mut_ptr()) })?;
    Ok(rgb)
}

/// Blends the colored `cam` (one value per pixel) over an RGB image (three bytes per
/// pixel), as pytorch-grad-cam's `show_cam_on_image(image / 255, cam, use_rgb=True,
/// image_weight)`.
pub fn overlay_rgb8(image_rgb: &[u8], cam: &[f32], colormap: Colormap, image_weight: f32) -> Result<Vec<u8>> {
    let n = product("overlay_rgb8", &[cam.len(), 3])?;
    if image_rgb.len() != n {
        return Err(Error::new(
            sys::TRM_E_INVALID,
            format!("overlay_rgb8: {} image bytes for {} pixels", image_rgb.len(), cam.len()),
        ));
    }
    let mut out = vec![0u8; n];
    // SAFETY: image_rgb and out hold 3 bytes per pixel, cam one float per pixel.
    call(|| unsafe {
        sys::trm_cam_overlay_rgb8(image_rgb.as_ptr(), cam.as_ptr(), cam.len(), colormap.raw(), image_weight, out.as_mut_ptr())
    })?;
    Ok(out)
}
