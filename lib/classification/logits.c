/* SPDX-License-Identifier: MIT */
/* The cut on logits that stands for a threshold on probabilities. A sigmoid
 * per score would cost an exp per score and, computed any other way than
 * torch computes it, give other predictions near the threshold. The rounded
 * sigmoid is monotone in x (each of its three rounded steps is), so the
 * scores it puts above t are exactly those above one float c, found once per
 * call by bisecting the ordered floats: 32 (64) sigmoids however long the
 * batch, and the batch itself is a plain `x > c` compare. */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "common-private.h"
#include "logits-private.h"

/* torch.sigmoid in float32 is 1 / (1 + exp(-x)) with each step rounded to
 * float; its exp is within an ulp of the correctly rounded one that the
 * double exp, rounded once, gives here. Where exp(-x) rounds past the largest
 * float it is set to infinity without computing it, as torch's overflows to
 * it, and the overflow flag stays clear. */
static float sigmoid_f32(float x)
{
    double y = -(double)x, big = y > 89.0 ? 0.0 : exp(y);
    float e = y > 89.0 || big >= 0x1.ffffffp127 ? INFINITY : (float)big;
    float d = 1.0f + e;
    return 1.0f / d;
}

/* The same in double, with the exp from long double. */
static double sigmoid_f64(double x)
{
    long double y = -(long double)x;
    long double big = y > 710.0L ? 0.0L : expl(y);
    double e = y > 710.0L || big >= 0x1.fffffffffffff8p1023L ? INFINITY : (double)big;
    double d = 1.0 + e;
    return 1.0 / d;
}

/* Order keys: the bits as an unsigned integer with the sign bit set for
 * positive values and every bit flipped for negative ones, so that keys order
 * like the floats (-0 just below +0, which share a sigmoid). */
#define DEFINE_CUT(suffix, T, BITS, SIGN, MAX)                                      \
    static BITS key_##suffix(T x)                                                  \
    {                                                                              \
        BITS b;                                                                    \
        memcpy(&b, &x, sizeof b);                                                  \
        return b & SIGN ? (BITS)~b : b | SIGN;                                     \
    }                                                                              \
    static T from_key_##suffix(BITS key)                                           \
    {                                                                              \
        BITS b = key & SIGN ? key & (BITS)~SIGN : (BITS)~key;                      \
        T x;                                                                       \
        memcpy(&x, &b, sizeof x);                                                  \
        return x;                                                                  \
    }                                                                              \
    T trm__logit_cut_##suffix(T t)                                                 \
    {                                                                              \
        BITS below = key_##suffix(-MAX), above = key_##suffix(MAX);                \
        if (sigmoid_##suffix(-MAX) > t)                                            \
            return (T)-INFINITY;                                                   \
        if (!(sigmoid_##suffix(MAX) > t))                                          \
            return (T)INFINITY;                                                    \
        /* sigmoid(below) <= t < sigmoid(above) */                                 \
        while (above - below > 1) {                                                \
            BITS mid = below + (above - below) / 2;                                \
            if (sigmoid_##suffix(from_key_##suffix(mid)) > t)                      \
                above = mid;                                                       \
            else                                                                   \
                below = mid;                                                       \
        }                                                                          \
        return from_key_##suffix(below);                                           \
    }
DEFINE_CUT(f32, float, uint32_t, UINT32_C(0x80000000), FLT_MAX)
DEFINE_CUT(f64, double, uint64_t, UINT64_C(0x8000000000000000), DBL_MAX)

int trm__check_score_flags(const char *func, uint32_t flags)
{
    if (flags & ~(uint32_t)TRM__SCORE_FLAGS)
        return trm__fail(TRM_E_INVALID, func, "unknown score flags 0x%" PRIx32, flags);
    if (flags == TRM__SCORE_FLAGS)
        return trm__fail(TRM_E_INVALID, func, "TRM_SCORES_LOGITS and TRM_SCORES_AUTO exclude each other");
    return TRM_OK;
}
