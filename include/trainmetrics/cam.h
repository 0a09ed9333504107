/* SPDX-License-Identifier: MIT */
/**
 * @file cam.h
 * @brief Class activation maps (Grad-CAM and its family) for 1-D spectra, 2-D
 *        images and 3-D volumes, with resizing, colormaps and overlays.
 *
 * A map is computed from one layer's activations A and the gradients G of the
 * target score with respect to them, both float tensors of batch x channels x
 * spatial positions, in one of two layouts:
 * - #TRM_LAYOUT_CHANNELS_FIRST: (N, C, d0[, d1[, d2]]), as PyTorch stores them;
 * - #TRM_LAYOUT_CHANNELS_LAST: (N, d0[, d1[, d2]], C), as TensorFlow does.
 *
 * The spatial axes are row-major (the last one varies fastest) and so is every
 * output map. With sums over channels k and spatial positions p, the raw map of
 * a sample is (pytorch-grad-cam's formulas, for every rank):
 * - #TRM_CAM_GRADCAM: sum_k w_k A_k with w_k = mean_p G_k;
 * - #TRM_CAM_GRADCAM_PLUS_PLUS: sum_k w_k A_k with
 *   w_k = sum_p relu(g) a, a = g^2 / (2 g^2 + S_k g^3 + 1e-6), S_k = sum_p A_k,
 *   and a = 0 where g = 0;
 * - #TRM_CAM_XGRADCAM: sum_k w_k A_k with w_k = sum_p G_k A_k / (S_k + 1e-7);
 * - #TRM_CAM_HIRESCAM: sum_k G_k A_k, elementwise;
 * - #TRM_CAM_GRADCAM_ELEMENTWISE: sum_k relu(G_k A_k);
 * - #TRM_CAM_LAYERCAM: sum_k relu(G_k) A_k;
 * - #TRM_CAM_EIGENCAM: the first principal component of A: the positions x
 *   channels matrix X of the sample, each channel centred over the positions,
 *   projected on its first right singular vector v (X v);
 * - #TRM_CAM_EIGENGRADCAM: the same for the elementwise product G A;
 * - #TRM_CAM_SCORECAM and #TRM_CAM_ABLATIONCAM: sum_k w_k A_k with weights
 *   from forward passes of the model, which the caller runs in a callback
 *   (trm_cam_compute_forward_f32(); see there).
 *
 * Where pytorch-grad-cam would divide by an exact zero (a Grad-CAM++
 * denominator, or S_k + 1e-7 for XGrad-CAM), the term or weight is 0 instead of
 * Inf or NaN.
 *
 * The principal direction is computed in double from the eigen-decomposition
 * of the smaller of the Gram matrices X^T X (channels x channels) and X X^T
 * (positions x positions), by Householder tridiagonalization and implicit QL
 * iteration (EISPACK tred2/tql2): deterministic, and O(C n d + d^3) per sample
 * for C channels, n positions and d = min(C, n). Its sign is fixed so that the
 * entry of largest magnitude of the projection is positive; entries within
 * 1e-10 (relative) of the largest count as equal, and the first of them in
 * memory order decides.
 * When the top eigenvalue is not unique (eigenvalues within 1e-10 relative of
 * the largest are tied), v is the normalized orthogonal projection of the
 * all-ones channel vector onto the tied eigenvectors' span: the direction of
 * that space closest to an equal weighting of the channels. If the ones vector
 * is orthogonal to that span (its projection below 1e-8 of its norm), the
 * first unit vector e_k (lowest channel k) with a projection above that bound
 * is used instead. An all-zero X gives an all-zero map.
 *
 * Then, for each sample in turn:
 * 1. ReLU, unless turned off with trm_cam_set_relu();
 * 2. min-max normalization (x - min) / (max - min + 1e-7), unless turned off
 *    with trm_cam_set_normalize(); a constant map becomes all zeros;
 * 3. a resize to the shape set with trm_cam_set_output_shape(), if any:
 *    linear, or scipy's cubic spline (trm_cam_set_resize());
 * 4. with #TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE only, the same min-max
 *    normalization again, on the float map that step 3 produced, after a
 *    ReLU of it when ReLU is on (pytorch-grad-cam's aggregate_multi_layers
 *    clips the resized maps at 0; only a spline's undershoot is affected).
 *
 * The default order (#TRM_CAM_NORMALIZE_MINMAX: normalize, then resize) keeps
 * the normalized values at the feature resolution, so after an upscale the
 * maps peak below 1 wherever the maximum falls between output samples (0.969
 * to 1 over 200 random 7x7 -> 224x224 Grad-CAM maps; lower for smaller
 * upscales). pytorch-grad-cam's order
 * (#TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE) is the one its users compare
 * against: `scale_cam_image(cam, target_size)` normalizes and resizes each
 * target layer's map, and after the layers are averaged
 * `scale_cam_image(result)` normalizes once more, so its maps span [0, 1)
 * and peak within 1e-6 of 1 at the output resolution. The second normalization
 * runs in float like numpy's on float32 maps: min and max of the map m,
 * then (m - min) / float(double(max - min) + 1e-7), each step rounded to float.
 * For 2-D maps pytorch-grad-cam resizes with OpenCV's
 * `cv2.resize(..., INTER_LINEAR)`, which uses the same half-pixel formula as
 * the resize below (OpenCV rounds its interpolation coefficients to float
 * from a scale computed as 1 / (m / n) rather than n / m, so results may
 * differ in the last float bits; at an exact 2x reduction it switches to
 * INTER_AREA, the 2x2 mean, which equals the half-pixel bilinear value).
 * For volumes it uses scipy's `zoom` (a cubic spline), which
 * trm_cam_set_resize(#TRM_CAM_RESIZE_CUBIC_SPLINE) reproduces; the default
 * resize is trilinear.
 *
 * The resize is separable (one axis at a time) and equals PyTorch's
 * `interpolate(..., mode='linear' / 'bilinear' / 'trilinear',
 * align_corners=False)`: along an axis of n input and m output samples, output
 * j reads the input at x = (j + 0.5) n / m - 0.5, clamped to [0, n - 1], as
 * (1 - f) in[i] + f in[i + 1] with i = floor(x), f = x - i (and f = 0, i = n - 1
 * at the upper end).
 *
 * Everything is accumulated in double and rounded to float once. A handle keeps
 * a workspace that grows with the largest shapes it has seen; calls of the
 * same or smaller shapes do not allocate. A handle is used by one thread at a
 * time; distinct handles are independent.
 */
#ifndef TRAINMETRICS_CAM_H
#define TRAINMETRICS_CAM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque class-activation-map calculator. */
typedef struct trm_cam trm_cam;

/** Methods, chosen at creation (see the file description for the formulas). */
enum {
    TRM_CAM_GRADCAM = 0,             /**< Grad-CAM: channel weights are the mean gradients. */
    TRM_CAM_GRADCAM_PLUS_PLUS = 1,   /**< Grad-CAM++ (pytorch-grad-cam's closed form). */
    TRM_CAM_XGRADCAM = 2,            /**< XGrad-CAM: activation-normalized gradient weights. */
    TRM_CAM_HIRESCAM = 3,            /**< HiResCAM: sum over channels of G * A. */
    TRM_CAM_GRADCAM_ELEMENTWISE = 4, /**< Sum over channels of relu(G * A). */
    TRM_CAM_LAYERCAM = 5,            /**< LayerCAM: sum over channels of relu(G) * A. */
    TRM_CAM_EIGENCAM = 6,            /**< Eigen-CAM: first principal component of A; no gradients. */
    TRM_CAM_EIGENGRADCAM = 7,        /**< First principal component of G * A. */
    TRM_CAM_SCORECAM = 8,            /**< Score-CAM: softmax of the model's scores on masked inputs (since 0.3). */
    TRM_CAM_ABLATIONCAM = 9          /**< Ablation-CAM: relative score drop when a channel is ablated (since 0.3). */
};

/* The memory layout of the activation and gradient tensors is one of the
 * TRM_LAYOUT_* values of common.h, shared with the score maps of confusion.h. */

/** The TRM_LAYOUT_* values under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_CAM_LAYOUT_CHANNELS_FIRST = TRM_LAYOUT_CHANNELS_FIRST, /**< Same as #TRM_LAYOUT_CHANNELS_FIRST. */
    TRM_CAM_LAYOUT_CHANNELS_LAST = TRM_LAYOUT_CHANNELS_LAST    /**< Same as #TRM_LAYOUT_CHANNELS_LAST. */
};

/** Normalization of each map (trm_cam_set_normalize()). */
enum {
    TRM_CAM_NORMALIZE_NONE = 0,              /**< Raw values. */
    TRM_CAM_NORMALIZE_MINMAX = 1,            /**< (x - min) / (max - min + 1e-7) per map before the resize, the default. */
    TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE = 2 /**< The same before the resize and again after it: pytorch-grad-cam's order (since 0.3). */
};

/** How maps are resized to the output shape (trm_cam_set_resize(); since 0.3). */
enum {
    TRM_CAM_RESIZE_LINEAR = 0,      /**< Linear / bilinear / trilinear with half-pixel centres, the default. */
    TRM_CAM_RESIZE_CUBIC_SPLINE = 1 /**< scipy.ndimage.zoom's cubic spline, as pytorch-grad-cam resizes volumes. */
};

/** Colormaps of trm_colormap_apply() and trm_cam_overlay_rgb8(). */
enum {
    TRM_COLORMAP_JET = 0,     /**< OpenCV's COLORMAP_JET. */
    TRM_COLORMAP_VIRIDIS = 1, /**< matplotlib's viridis (equal to OpenCV's COLORMAP_VIRIDIS). */
    TRM_COLORMAP_INFERNO = 2, /**< matplotlib's inferno (equal to OpenCV's COLORMAP_INFERNO). */
    TRM_COLORMAP_GRAY = 3,    /**< r = g = b = floor(255 v). */
    TRM_COLORMAP_TURBO = 4    /**< matplotlib's turbo (Google's, Apache-2.0 data; since 0.3). */
};

/**
 * @brief Create a calculator for one method, channels-first, with ReLU and
 *        min-max normalization on and no resizing.
 * @param out Receives the new handle; untouched on failure.
 * @param method One of the TRM_CAM_* methods.
 * @param alloc Memory hooks, or NULL for malloc/free; the workspace is
 *        allocated through them too.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, an unknown method or an
 *         allocator with a NULL hook; #TRM_E_NOMEM.
 */
TRM_API int trm_cam_new(trm_cam **out, int method, const trm_allocator *alloc);

/**
 * @brief Release a calculator and its workspace.
 * @param c The handle, or NULL (then nothing happens).
 */
TRM_API void trm_cam_free(trm_cam *c);

/**
 * @brief Choose the layout of the tensors given to the compute functions.
 * @param c The calculator.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST (default) or #TRM_LAYOUT_CHANNELS_LAST.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or an unknown layout.
 */
TRM_API int trm_cam_set_layout(trm_cam *c, int layout);

/**
 * @brief Turn the ReLU applied to each raw map on or off.
 * @param c The calculator.
 * @param enabled 1 (default) or 0.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or @p enabled not 0/1.
 */
TRM_API int trm_cam_set_relu(trm_cam *c, int enabled);

/**
 * @brief Choose the normalization of each map.
 * @param c The calculator.
 * The mode also chooses the order of normalization and resizing (see the file
 * description): #TRM_CAM_NORMALIZE_MINMAX normalizes at the feature resolution
 * and then resizes; #TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE is pytorch-grad-cam's
 * pipeline (normalize, resize, normalize again), whose maps peak within 1e-6 of 1
 * after any resize. Without an output shape the two differ only by the second
 * normalization's rounding (below 2e-7).
 * @param mode #TRM_CAM_NORMALIZE_MINMAX (default),
 *        #TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE or #TRM_CAM_NORMALIZE_NONE.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or an unknown mode.
 */
TRM_API int trm_cam_set_normalize(trm_cam *c, int mode);

/**
 * @brief Resize every map to a fixed shape, or keep the feature resolution.
 *
 * The shape's rank must equal the rank of the tensors given later to
 * trm_cam_compute_f32(), which otherwise fails with #TRM_E_MISMATCH.
 * @param c The calculator.
 * @param ndim 0 to clear the shape (maps keep the feature resolution), or 1..3.
 * @param dims @p ndim output sizes, each >= 1, row-major like the spatial axes;
 *        may be NULL when @p ndim is 0.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle, @p ndim above 3, NULL
 *         @p dims with @p ndim > 0 or a zero size; #TRM_E_OVERFLOW when a map
 *         of that shape does not fit in memory sizes. On failure the previous
 *         shape is kept.
 */
TRM_API int trm_cam_set_output_shape(trm_cam *c, size_t ndim, const size_t *dims);

/**
 * @brief Choose how maps are resized to the output shape (since 0.3).
 *
 * #TRM_CAM_RESIZE_LINEAR, the default, is the separable linear resize of the
 * file description (PyTorch's `interpolate(align_corners=False)`, OpenCV's
 * `cv2.resize` in 2-D). #TRM_CAM_RESIZE_CUBIC_SPLINE is
 * `scipy.ndimage.zoom(map, factors)` with its defaults (order=3,
 * mode='constant', prefilter=True, grid_mode=False), which pytorch-grad-cam
 * uses for 3-D maps: along an axis of n input and m output samples
 * - the map (rounded to float, as scipy receives float32 maps) becomes cubic
 *   B-spline coefficients with mirror boundaries (scipy's spline_filter);
 * - output j reads the spline at x = j (n - 1) / (m - 1) (x = 0 for m = 1):
 *   the four coefficients from floor(x) - 1 on, their indices mirrored about 0
 *   and n - 1, weighted by the cubic B-spline;
 * - where x, computed in double, exceeds n - 1 the output is 0: scipy's
 *   'constant' mode reads its cval there, and for some sizes (n = 4, m = 188)
 *   the last output's coordinate rounds one ulp past n - 1, so scipy writes a
 *   0 in the last plane, which this mode reproduces.
 * The axes are filtered and interpolated one after the other in double and
 * rounded to float once, so results equal scipy's up to the last float bit.
 * A spline can overshoot: resized values may fall slightly outside the input
 * range (below 0 after a min-max normalization), by at most 3 times the
 * largest magnitude per axis. #TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE then
 * clips the resized map at 0 (when ReLU is on) and normalizes it again, as
 * pytorch-grad-cam does; without normalization a resized value beyond the
 * float range fails the call with #TRM_E_OVERFLOW.
 * @param c The calculator.
 * @param method One of the TRM_CAM_RESIZE_* values.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or an unknown method (the
 *         handle is unchanged).
 */
TRM_API int trm_cam_set_resize(trm_cam *c, int method);

/**
 * @brief Number of floats one output map has for inputs of a given spatial shape.
 * @param c The calculator.
 * @param ndim Rank of the inputs, 1..3.
 * @param spatial The @p ndim spatial sizes of the inputs, each >= 1.
 * @param n_out Receives the product of the output shape if one is set, else of
 *        @p spatial; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, @p ndim outside 1..3 or a
 *         zero size; #TRM_E_MISMATCH when an output shape of another rank is
 *         set; #TRM_E_OVERFLOW when the size does not fit in memory sizes.
 */
TRM_API int trm_cam_output_size(const trm_cam *c, size_t ndim, const size_t *spatial, size_t *n_out);

/**
 * @brief Compute the maps of a batch.
 *
 * The whole batch is checked before anything is written: a NaN or an infinity
 * rejects it, and trm_last_error() names the first sample holding one and, in
 * it, the first non-finite activation in memory order, else the first
 * non-finite gradient, with its sample, channel and spatial position.
 * @param c The calculator (its workspace may grow).
 * @param activations batch x channels x positions floats in the handle's layout.
 * @param gradients Gradients of the target score, same shape and layout; may be
 *        NULL for #TRM_CAM_EIGENCAM, which never reads them.
 * @param batch Number of samples N, >= 1.
 * @param channels Number of channels C, >= 1.
 * @param ndim Number of spatial axes, 1..3.
 * @param spatial The @p ndim spatial sizes, each >= 1.
 * @param out batch x trm_cam_output_size() floats: the maps in sample order,
 *        each row-major; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers (gradients included, except
 *         for #TRM_CAM_EIGENCAM), @p ndim outside 1..3, a zero size, or a
 *         #TRM_CAM_SCORECAM / #TRM_CAM_ABLATIONCAM handle (those run
 *         trm_cam_compute_forward_f32());
 *         #TRM_E_MISMATCH when the output shape has another rank than @p ndim;
 *         #TRM_E_OVERFLOW when a size does not fit in memory sizes, or, without
 *         normalization, a map value exceeds the float range;
 *         #TRM_E_NONFINITE for a NaN or an infinity in the inputs;
 *         #TRM_E_NOMEM when the workspace cannot grow.
 */
TRM_API int trm_cam_compute_f32(trm_cam *c, const float *activations, const float *gradients, size_t batch,
                                size_t channels, size_t ndim, const size_t *spatial, float *out);

/**
 * @brief The channel weights w_k of the weighting methods (GRADCAM,
 *        GRADCAM_PLUS_PLUS, XGRADCAM), before ReLU and normalization.
 * @param c The calculator (its workspace may grow).
 * @param activations batch x channels x positions floats in the handle's layout.
 * @param gradients Gradients of the target score, same shape and layout.
 * @param batch Number of samples N, >= 1.
 * @param channels Number of channels C, >= 1.
 * @param ndim Number of spatial axes, 1..3.
 * @param spatial The @p ndim spatial sizes, each >= 1.
 * @param weights batch x channels floats, row-major; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, @p ndim outside 1..3, a
 *         zero size or a method without channel weights; #TRM_E_OVERFLOW when
 *         a size does not fit in memory sizes or a weight exceeds the float
 *         range; #TRM_E_NONFINITE for a NaN or an infinity in the inputs;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_cam_weights_f32(trm_cam *c, const float *activations, const float *gradients, size_t batch,
                                size_t channels, size_t ndim, const size_t *spatial, float *weights);

/**
 * @brief The model's forward pass for #TRM_CAM_SCORECAM and #TRM_CAM_ABLATIONCAM.
 *
 * Called by trm_cam_compute_forward_f32() with @p n_inputs tensors that all
 * derive from one sample of the batch; it writes each tensor's target score
 * (the logit or probability of the class to explain for that sample).
 * For Score-CAM a tensor is a masked copy of the sample's model input
 * (input_channels x input positions, in the handle's layout); for Ablation-CAM
 * it is a copy of the sample's activations (channels x positions) with one
 * channel ablated, or unablated, so the callback runs the part of the model
 * after the target layer. The tensors live in the handle's workspace and are
 * valid during the call only; the callback must not use the handle that
 * called it (it may use other handles).
 * @param opaque The pointer given to trm_cam_compute_forward_f32().
 * @param sample Index of the batch sample the tensors derive from, so the
 *        callback can pick that sample's target class.
 * @param inputs @p n_inputs tensors, one after the other.
 * @param n_inputs Number of tensors, 1 to the handle's forward batch size.
 * @param scores Receives @p n_inputs finite scores.
 * @return 0 on success; anything else aborts the computation, which then fails
 *         with #TRM_E_INVALID naming the value and the tensors.
 */
typedef int (*trm_cam_forward_fn)(void *opaque, size_t sample, const float *inputs, size_t n_inputs,
                                  float *scores);

/**
 * @brief Set how many tensors one forward callback call receives at most
 *        (pytorch-grad-cam's `batch_size`).
 *
 * The default is pytorch-grad-cam's: 16 for #TRM_CAM_SCORECAM and 32 for
 * #TRM_CAM_ABLATIONCAM (and 16 for the other methods, which do not use it).
 * The workspace holds one batch of tensors, so a smaller batch uses less
 * memory; the maps do not depend on it.
 * @param c The calculator.
 * @param batch_size The largest @p n_inputs of a callback call, >= 1.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or a zero @p batch_size.
 */
TRM_API int trm_cam_set_forward_batch(trm_cam *c, size_t batch_size);

/**
 * @brief Set the share of channels #TRM_CAM_ABLATIONCAM ablates
 *        (pytorch-grad-cam's `ratio_channels_to_ablate`; since 0.3).
 *
 * With the default 1, every channel is ablated. With a ratio r < 1 each
 * sample's channels are ranked as pytorch-grad-cam's experimental
 * `AblationLayer.activations_to_be_ablated` ranks them, and only the
 * n = floor(C r) best and the n worst are ablated, so the model runs on
 * 2n + 1 tensors per sample instead of C + 1:
 * - The objectness mask comes from the sample's first principal projection p
 *   (Eigen-CAM's, before its sign rule): a position is in the mask when
 *   |p| - min |p| exceeds 0.01 (max |p| - min |p|), computed in float as numpy
 *   does on its float32 projection; a constant projection gives an empty mask.
 * - Channel k's score is the share of its normalized activation inside the
 *   mask: with u = (|A_k| - min |A_k|) / max(|A_k| - min |A_k|) in float, the
 *   sum of u over the mask over the sum of u, both sums in float with numpy's
 *   pairwise summation, so scores round as numpy's float32 ones do. A channel
 *   whose |A_k| is constant has numpy's NaN score, which ranks above every
 *   number.
 * - Equal scores keep the channel order, as a stable ascending argsort does;
 *   numpy's default sort is stable up to 16 elements (an insertion sort) and
 *   may order equal scores otherwise beyond. The mask follows this library's
 *   projection (in double), which can differ from numpy's float32 SVD at
 *   positions within rounding of the 0.01 threshold.
 *
 * A channel left out keeps the unablated score, so its weight is 0, as in
 * ablation_cam.py's assemble_ablation_scores. The callback sees the chosen
 * channels in channel order. When 2n >= C the two ends cover every channel
 * and all of them are ablated once; pytorch-grad-cam then lists some channels
 * twice, and its assembly gives the channels after the first repeat their
 * unablated score (weight 0), which this library does not reproduce.
 * Other methods ignore the ratio.
 * @param c The calculator.
 * @param ratio The share r, 0 < r <= 1.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle or @p ratio outside (0, 1]
 *         (NaN included).
 */
TRM_API int trm_cam_set_ablation_ratio(trm_cam *c, double ratio);

/**
 * @brief Compute the maps of a batch with a gradient-free method,
 *        #TRM_CAM_SCORECAM or #TRM_CAM_ABLATIONCAM, running the model through
 *        a callback.
 *
 * Per sample, following pytorch-grad-cam's score_cam.py and ablation_cam.py:
 * - Score-CAM: each activation channel k is upsampled to the input's spatial
 *   shape (linear / bilinear / trilinear with align_corners=True, as
 *   `torch.nn.UpsamplingBilinear2d`), normalized to
 *   m = (u - min u) / (max u - min u + 1e-8) in float, and the sample's input
 *   is multiplied by m (every input channel, in float). The callback scores
 *   the C masked inputs, in batches of the forward batch size, and the
 *   weights are w = softmax(scores) over the channels.
 * - Ablation-CAM: the callback first scores the unablated activations (one
 *   tensor), giving s0; then, in batches, C copies of the activations in each
 *   of which channel k is replaced by 0 if the sample's smallest activation is
 *   0, else by that minimum minus 1e7 (rounded to float), giving s_k; and
 *   w_k = (s0 - s_k) / s0 (all 0 if s0 = 0). Every channel is ablated
 *   (pytorch-grad-cam's default ratio_channels_to_ablate = 1.0) unless
 *   trm_cam_set_ablation_ratio() chose fewer.
 *   pytorch-grad-cam writes the ablation value in place inside its batch, so
 *   when the minimum is not 0 its k-th tensor of a batch gets the minimum
 *   minus (k + 1) 1e7; its results equal these for batch_size = 1 or a zero
 *   minimum (activations after a ReLU).
 *
 * The map is sum_k w_k A_k, then the pipeline of the file description (ReLU,
 * normalization, resize). Weights are computed in double. Everything is
 * checked before the first callback: a NaN or an infinity in the activations
 * or inputs rejects the batch naming the first one (sample, channel and
 * position). The callback is called sample by sample, in channel order;
 * if it returns non-zero or gives a non-finite score, the computation stops
 * there and @p out is left untouched.
 * @param c A #TRM_CAM_SCORECAM or #TRM_CAM_ABLATIONCAM calculator (its
 *        workspace may grow).
 * @param activations batch x channels x positions floats in the handle's layout.
 * @param batch Number of samples N, >= 1.
 * @param channels Number of channels C, >= 1.
 * @param ndim Number of spatial axes of the activations and the inputs, 1..3.
 * @param spatial The @p ndim spatial sizes of the activations, each >= 1.
 * @param inputs Score-CAM: the model's inputs, batch x input_channels x input
 *        positions floats in the handle's layout; Ablation-CAM ignores it
 *        (may be NULL).
 * @param input_channels Score-CAM: channels of the inputs, >= 1; ignored by
 *        Ablation-CAM.
 * @param input_spatial Score-CAM: the @p ndim spatial sizes of the inputs,
 *        each >= 1; ignored by Ablation-CAM (may be NULL).
 * @param forward The model (see #trm_cam_forward_fn).
 * @param opaque Passed to @p forward unchanged.
 * @param out batch x trm_cam_output_size() floats: the maps in sample order,
 *        each row-major; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, a handle of another
 *         method, @p ndim outside 1..3, a zero size, or a callback that
 *         returned non-zero (trm_last_error() names its value, the sample and
 *         the channels); #TRM_E_MISMATCH when the output shape has another
 *         rank than @p ndim; #TRM_E_OVERFLOW when a size does not fit in
 *         memory sizes, or, without normalization, a map value exceeds the
 *         float range; #TRM_E_NONFINITE for a NaN or an infinity in the
 *         activations or inputs, or a non-finite score; #TRM_E_NOMEM when the
 *         workspace cannot grow.
 */
TRM_API int trm_cam_compute_forward_f32(trm_cam *c, const float *activations, size_t batch, size_t channels,
                                        size_t ndim, const size_t *spatial, const float *inputs,
                                        size_t input_channels, const size_t *input_spatial,
                                        trm_cam_forward_fn forward, void *opaque, float *out);

/**
 * @brief The channel weights w_k of #TRM_CAM_SCORECAM or #TRM_CAM_ABLATIONCAM
 *        (see trm_cam_compute_forward_f32()), before the map is formed.
 * @param c A #TRM_CAM_SCORECAM or #TRM_CAM_ABLATIONCAM calculator.
 * @param activations batch x channels x positions floats in the handle's layout.
 * @param batch Number of samples N, >= 1.
 * @param channels Number of channels C, >= 1.
 * @param ndim Number of spatial axes, 1..3.
 * @param spatial The @p ndim spatial sizes of the activations, each >= 1.
 * @param inputs Score-CAM's model inputs (see trm_cam_compute_forward_f32()).
 * @param input_channels Score-CAM's input channels.
 * @param input_spatial Score-CAM's input spatial sizes.
 * @param forward The model.
 * @param opaque Passed to @p forward unchanged.
 * @param weights batch x channels floats, row-major; untouched on failure.
 * @return As trm_cam_compute_forward_f32(), with #TRM_E_OVERFLOW also for a
 *         weight beyond the float range.
 */
TRM_API int trm_cam_forward_weights_f32(trm_cam *c, const float *activations, size_t batch, size_t channels,
                                        size_t ndim, const size_t *spatial, const float *inputs,
                                        size_t input_channels, const size_t *input_spatial,
                                        trm_cam_forward_fn forward, void *opaque, float *weights);

/**
 * @brief Map values to RGB colors.
 *
 * A value v is clamped to [0, 1] and looked up at index i = floor(255 v) of a
 * 256-entry table, as OpenCV's applyColorMap on uint8(255 v) does. JET is
 * OpenCV's COLORMAP_JET: at x = i / 255, r = clip(min(4x - 1.5, 4.5 - 4x)),
 * g = clip(min(4x - 0.5, 3.5 - 4x)), b = clip(min(4x + 0.5, 2.5 - 4x)), each
 * clipped to [0, 1], times 255 and rounded half to even; at i = 159 blue is 1
 * (not 2) as in OpenCV, whose table stores 2.5 - 4 * 159 / 255 just below
 * 1.5 / 255. VIRIDIS, INFERNO and TURBO are matplotlib's tables times 255,
 * rounded to nearest (turbo is Google's colormap, its data under the Apache
 * License 2.0, as matplotlib ships it).
 * @param values @p n values.
 * @param n Number of values; 0 writes nothing.
 * @param colormap One of the TRM_COLORMAP_* values.
 * @param rgb 3 * @p n bytes: r, g, b per value; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown colormap;
 *         #TRM_E_NONFINITE for a NaN or an infinite value (the first is named);
 *         #TRM_E_OVERFLOW when 3 * @p n overflows.
 */
TRM_API int trm_colormap_apply(const float *values, size_t n, int colormap, uint8_t *rgb);

/**
 * @brief Blend a colored map over an RGB image, as pytorch-grad-cam's
 *        `show_cam_on_image(image / 255, cam, use_rgb=True, image_weight=w)`.
 *
 * With heat the colormap of @p cam (trm_colormap_apply()) and both heat and
 * image scaled to [0, 1], o = (1 - w) heat + w image per byte, then
 * o = o / max(o) over the whole image and out = floor(255 o), computed in
 * double; a product within 1e-9 below an integer counts as that integer, so
 * exact results such as 255 * (128/255) are not floored to the integer below.
 * An all-black blend (max(o) = 0) stays black.
 * @param image_rgb 3 * @p n_pixels bytes, r, g, b per pixel.
 * @param cam @p n_pixels values in [0, 1] (clamped), one per pixel.
 * @param n_pixels Number of pixels; 0 writes nothing.
 * @param colormap One of the TRM_COLORMAP_* values.
 * @param image_weight w, in [0, 1].
 * @param rgb_out 3 * @p n_pixels bytes; may be @p image_rgb itself; untouched
 *        on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, an unknown colormap or
 *         @p image_weight outside [0, 1] (NaN included); #TRM_E_NONFINITE for
 *         a NaN or an infinity in @p cam; #TRM_E_OVERFLOW when 3 * @p n_pixels
 *         overflows.
 */
TRM_API int trm_cam_overlay_rgb8(const uint8_t *image_rgb, const float *cam, size_t n_pixels, int colormap,
                                 float image_weight, uint8_t *rgb_out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_CAM_H */
