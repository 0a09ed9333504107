/* SPDX-License-Identifier: MIT */
/* Whether the hand-written AVX-512 kernels may run. */
#ifndef TRM_CPU_PRIVATE_H
#define TRM_CPU_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* False when the environment sets TRM_DISABLE_AVX512 to anything but "" or
 * "0": the AVX2 and portable paths then run on a CPU with AVX-512 too, which
 * the tests use to reach them, and which suits CPUs that slow their clock for
 * 512-bit code. Read once per file that asks. */
static inline bool trm__avx512_allowed(void)
{
    static atomic_int allowed = -1;
    int known = atomic_load_explicit(&allowed, memory_order_relaxed);
    if (known < 0) {
        const char *off = getenv("TRM_DISABLE_AVX512");
        known = !(off && *off && strcmp(off, "0") != 0);
        atomic_store_explicit(&allowed, known, memory_order_relaxed);
    }
    return known;
}

#endif /* TRM_CPU_PRIVATE_H */
