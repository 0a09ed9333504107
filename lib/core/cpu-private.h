/* SPDX-License-Identifier: MIT */
/* Whether the hand-written vector kernels may run. */
#ifndef TRM_CPU_PRIVATE_H
#define TRM_CPU_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The hand-written x86-64 kernels are built for x86-64 ELF targets, where
 * the loader can be asked for the CPU's features; meson's -Dsimd=disabled
 * defines TRM_SIMD to 0 and leaves them out. */
#ifndef TRM_SIMD
#define TRM_SIMD 1
#endif
#if TRM_SIMD && defined(__x86_64__) && defined(__ELF__)
#define TRM__X86_KERNELS 1
#else
#define TRM__X86_KERNELS 0
#endif

/* Runtime CPU dispatch for the portable hot loops: the compiler emits an
 * AVX2 clone beside the baseline one and the loader picks one per machine
 * (an ifunc), so the shipped build needs no -march flag. Meson probes that
 * the toolchain builds and links such a function (TRM_HAVE_TARGET_CLONES);
 * without the probe, GCC on x86-64 ELF is assumed to. */
#if !defined(TRM_HAVE_TARGET_CLONES) && defined(__clang__)
#define TRM_HAVE_TARGET_CLONES 0
#elif !defined(TRM_HAVE_TARGET_CLONES)
#define TRM_HAVE_TARGET_CLONES 1
#endif
#if TRM__X86_KERNELS && TRM_HAVE_TARGET_CLONES
#define TRM__DISPATCH __attribute__((target_clones("avx2", "default")))
#else
#define TRM__DISPATCH
#endif

/* Whether the environment variable is set to anything but "" or "0"; *cache
 * keeps the answer (-1: not read yet), so each file reads it once. */
static inline bool trm__env_switch(atomic_int *cache, const char *name)
{
    int known = atomic_load_explicit(cache, memory_order_relaxed);
    if (known < 0) {
        const char *value = getenv(name);
        known = value && *value && strcmp(value, "0") != 0;
        atomic_store_explicit(cache, known, memory_order_relaxed);
    }
    return known;
}

static inline bool trm__simd_disabled(void)
{
    static atomic_int cache = -1;
    return trm__env_switch(&cache, "TRM_DISABLE_SIMD");
}

static inline bool trm__avx512_disabled(void)
{
    static atomic_int cache = -1;
    return trm__env_switch(&cache, "TRM_DISABLE_AVX512");
}

/* TRM_DISABLE_SIMD keeps every hand-written AVX2 and AVX-512 kernel off, and
 * TRM_DISABLE_AVX512 the AVX-512 ones: the tests use them to reach the
 * portable and AVX2 paths on any machine, and the second suits CPUs that slow
 * their clock for 512-bit code. (The compiler's own AVX2 clones of the
 * portable loops, picked by the loader, are the same C and stay.) */
static inline bool trm__avx2_allowed(void)
{
    return !trm__simd_disabled();
}

static inline bool trm__avx512_allowed(void)
{
    return !trm__simd_disabled() && !trm__avx512_disabled();
}

#endif /* TRM_CPU_PRIVATE_H */
