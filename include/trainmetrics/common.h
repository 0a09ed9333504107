/* SPDX-License-Identifier: MIT */
/**
 * @file common.h
 * @brief Status codes, error details, version queries and the allocator hook
 *        shared by every trainmetrics module.
 */
#ifndef TRAINMETRICS_COMMON_H
#define TRAINMETRICS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <trainmetrics/version.h>

/**
 * @brief Marks every exported declaration.
 *
 * Predefine it (for example empty) before including the headers when a tool such
 * as cffi, bindgen or Doxygen reads them.
 */
#ifndef TRM_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define TRM_API __attribute__((visibility("default")))
#else
#define TRM_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Status codes returned by every fallible function.
 *
 * The numbers are part of the ABI and never change.
 */
enum {
    TRM_OK = 0,           /**< Success. */
    TRM_E_INVALID = -1,   /**< NULL pointer, zero or absurd size, unknown enum value. */
    TRM_E_NOMEM = -2,     /**< The allocator returned NULL. */
    TRM_E_LABEL = -3,     /**< A label outside [0, n_classes) (or not 0/1 for multilabel). */
    TRM_E_NONFINITE = -4, /**< NaN or Inf where a finite number is required. */
    TRM_E_MISMATCH = -5,  /**< Handles, or a handle and an operation, that do not fit. */
    TRM_E_OVERFLOW = -6,  /**< A count or a size computation would overflow. */
    TRM_E_BUFFER = -7,    /**< Output buffer too small; the needed size is still reported. */
    TRM_E_CORRUPT = -8,   /**< A serialized blob is damaged. */
    TRM_E_VERSION = -9,   /**< A serialized blob has an unknown format version. */
    TRM_E_EMPTY = -10,    /**< Nothing has been accumulated yet. */
    TRM_E_INTERNAL = -11  /**< The library caught itself inconsistent (a bug); nothing was changed. */
};

/**
 * Ignore label meaning "no label is ignored" (the default of every
 * set_ignore_label function): INT64_MIN, spelled as a literal expression so
 * binding generators (bindgen, cffi) can evaluate it.
 */
#define TRM_NO_IGNORE (-0x7fffffffffffffffLL - 1)

/**
 * @brief Run-time version of the library as MAJOR*10000 + MINOR*100 + PATCH.
 *
 * Compare with #TRM_VERSION_NUMBER to detect a header/library mismatch.
 * @return The version number of the linked library.
 */
TRM_API unsigned trm_version_number(void);

/**
 * @brief Run-time version of the library as text, e.g. "0.1.0".
 * @return A static NUL-terminated string, never NULL.
 */
TRM_API const char *trm_version_string(void);

/**
 * @brief Short name of a status code.
 * @param code A value returned by a trainmetrics function.
 * @return Static text, never NULL; "unknown error" for codes that are not TRM_*.
 */
TRM_API const char *trm_strerror(int code);

/**
 * @brief Detail of this thread's last failure.
 *
 * Names the function, the offending element and the reason, for example
 * "trm_confusion_update_i32: y_true[17] = 12 is outside [0, 10)". Successful
 * calls do not clear it.
 * @return Thread-local NUL-terminated text, "" if nothing has failed on this
 *         thread since it started or since trm_clear_last_error().
 */
TRM_API const char *trm_last_error(void);

/**
 * @brief Forget this thread's last failure, so trm_last_error() returns "".
 *
 * Bindings call it before an operation whose failure they want to report
 * without any stale text.
 */
TRM_API void trm_clear_last_error(void);

/**
 * Memory layout of a tensor with channels: the activations and gradients of
 * cam.h, the score maps of trm_confusion_update_argmax_map_f32() (where the
 * channels are the classes). Defined here since 0.3 (in cam.h before), with
 * the same numbers.
 */
enum {
    TRM_LAYOUT_CHANNELS_FIRST = 0, /**< (N, C, spatial...), as PyTorch stores them; the default. */
    TRM_LAYOUT_CHANNELS_LAST = 1   /**< (N, spatial..., C), as TensorFlow does. */
};

/**
 * @brief Memory hooks; frozen forever.
 *
 * Wherever a function takes a `const trm_allocator *`, NULL means malloc/free.
 * The structure is copied, so it need not outlive the call.
 */
typedef struct trm_allocator {
    /** Returns @p size bytes aligned to 16, or NULL. */
    void *(*alloc)(void *opaque, size_t size);
    /** Releases memory returned by @c alloc; never called with NULL. */
    void (*free)(void *opaque, void *ptr);
    /** Passed unchanged to both hooks. */
    void *opaque;
} trm_allocator;

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_COMMON_H */
