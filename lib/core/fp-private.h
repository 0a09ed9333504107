/* SPDX-License-Identifier: MIT */
/* The compiler and the floating-point rules every file of the library is
 * compiled under, and the build modes that would break them, refused at
 * compile time. Every source file includes this first. */
#ifndef TRM_FP_PRIVATE_H
#define TRM_FP_PRIVATE_H

/* The library is GNU C: checked arithmetic (__builtin_mul_overflow), function
 * attributes (always_inline, target, target_clones, format), _Pragma("GCC
 * unroll") and __builtin_cpu_supports. GCC and clang provide all of them. */
#if !defined(__GNUC__)
#error "trainmetrics needs a GNU C compiler (GCC or clang)"
#endif

/* The library promises scikit-learn's and NumPy's numbers and names the first
 * NaN or Inf it finds: fast-math lets the compiler reorder sums and assume no
 * NaN exists, which breaks both. */
#if defined(__FAST_MATH__)
#error "trainmetrics must not be compiled with -ffast-math"
#endif
#if defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#error "trainmetrics must not be compiled with -ffinite-math-only: it detects NaN and Inf"
#endif

/* Every multiply and add rounds on its own, so the vector kernels give the
 * same bits as the portable ones. The build passes -ffp-contract=off after
 * the user's flags; clang also takes the standard pragma (GCC ignores it). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#endif /* TRM_FP_PRIVATE_H */
