/* SPDX-License-Identifier: MIT */
/* Per-pixel argmax of class-score maps. Channels-first maps hold one plane of
 * P scores per class, so a pixel's K scores are P apart: rather than gather
 * them, pixels keep a running maximum while the planes stream past. With few
 * classes a tile of one cache line of pixels keeps it in registers across all
 * K planes, K sequential streams the hardware prefetcher follows; with many,
 * a block of pixels keeps it in L1 while one contiguous run of each plane per
 * block streams through (K streams would be too many to follow), eight planes
 * reduced in registers per pass over the block's state. Both loops are a
 * compare and three selects per score, which the compiler vectorizes (an
 * AVX2 clone beside the baseline, TRM__DISPATCH). Channels-last maps are
 * rows of K scores; with 32-bit labels confusion.c hands them to the row
 * argmax of argmax.c, other labels take the portable row kernel here.
 *
 * As in argmax.c, unweighted matrices are counted in one pass: the argmaxes
 * of checked blocks gather into batches that the pair kernels count, and a
 * bad pixel makes the batches already counted be taken back by the same scan
 * over the same blocks. */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "argmax-map-private.h"
#include "common-private.h"
#include "trainmetrics/common.h"

/* A block is as many pixels as fill 4 KiB with one score each: the running
 * maximum, its class and its largest magnitude (12 KiB in all) stay in L1
 * while K runs of 4 KiB stream through. */
#define MAP_BLOCK_BYTES ((size_t)4096)
#define MAP_BLOCK_F32 (MAP_BLOCK_BYTES / sizeof(float))
#define MAP_BLOCK_F64 (MAP_BLOCK_BYTES / sizeof(double))
/* Up to this many classes a channels-first block goes tile by tile: on the
 * 2-core bench machine (256 x 256 float maps) tiles ran 1.15 to 1.35 times as
 * fast as the blocks of four-plane groups at K = 8 .. 12, about as fast at
 * K = 16 .. 18, and 0.85 times at K = 20, where a tile's K streams, 256 KiB
 * apart, start to evict each other. */
#define MAP_TILE_MAX_K ((size_t)16)
/* Argmaxes wait for the pair kernels in batches of up to this many pixels,
 * one TRM__COUNT_BLOCK of pairs (8 KiB of stack, and as much again for
 * labels other than 32-bit ones). */
#define MAP_BATCH ((size_t)2048)

#define MAP_KERNEL static inline __attribute__((always_inline))

/* Class planes a channels-first block merges per pass over its running state. */
#define PLANE_GROUP ((size_t)8)
#define GROUP_UNROLL _Pragma("GCC unroll 8")

/* The rescans reuse the caller's block state; pred holds a block. */
/* The running state of a block of pixels, one layout per float type; the
 * class index is as wide as the score so the selects share one mask. */
typedef union map_work {
    struct {
        float best[MAP_BLOCK_F32];
        uint32_t index[MAP_BLOCK_F32];
        int32_t high[MAP_BLOCK_F32];
    } f32;
    struct {
        double best[MAP_BLOCK_F64];
        uint64_t index[MAP_BLOCK_F64];
        int64_t high[MAP_BLOCK_F64];
    } f64;
} map_work;

static inline size_t block_pixels(enum trm__score_type type)
{
    return type == TRM__SCORE_F32 ? MAP_BLOCK_F32 : MAP_BLOCK_F64;
}

/* Over the K planes of n pixels (`pixels` apart) from base: best holds each
 * pixel's largest score (the first on ties: only a strictly greater score
 * replaces it, and -0 equals +0), index its class, high its largest
 * magnitude bits, which reach EXPONENT exactly when a score is NaN or Inf.
 * The compares are the CPU's, so subnormals compare as the caller's mode
 * reads them. */
#define DEFINE_PLANES(suffix, T, BITS, INDEX)                                                       \
    /* `group` class planes (a constant where inlined) into the running state: */                   \
    /* their best first (a later plane wins only when strictly greater), then */                      \
    /* one merge, so the state's loads and stores come once per group. Plain */                      \
    /* selects stored whole: a conditional store would become a masked store, */                     \
    /* several times dearer. */                                                                      \
    MAP_KERNEL void group_step_##suffix(const T *restrict plane, size_t pixels, size_t group, size_t n, \
                                        INDEX c, T *restrict best, INDEX *restrict index,             \
                                        BITS *restrict high, BITS *block_high)                        \
    {                                                                                               \
        const BITS magnitude = (BITS)(((INDEX)-1) >> 1);                                            \
        BITS top_bits = *block_high;                                                                \
        for (size_t p = 0; p < n; p++) {                                                            \
            T m = plane[p];                                                                         \
            INDEX i = c;                                                                            \
            BITS b;                                                                                 \
            memcpy(&b, plane + p, sizeof b);                                                        \
            b &= magnitude;                                                                         \
            GROUP_UNROLL                                                                            \
            for (size_t g = 1; g < group; g++) {                                                    \
                T v = plane[g * pixels + p];                                                        \
                BITS bg;                                                                            \
                memcpy(&bg, plane + g * pixels + p, sizeof bg);                                     \
                bg &= magnitude;                                                                    \
                INDEX later = (INDEX)0 - (INDEX)(v > m);                                            \
                m = v > m ? v : m;                                                                  \
                i = (i & ~later) | ((c + (INDEX)g) & later);                                        \
                b = bg > b ? bg : b;                                                                \
            }                                                                                       \
            T top = best[p];                                                                        \
            INDEX greater = (INDEX)0 - (INDEX)(m > top);                                            \
            best[p] = m > top ? m : top;                                                            \
            index[p] = (index[p] & ~greater) | (i & greater);                                       \
            if (high)                                                                               \
                high[p] = b > high[p] ? b : high[p];                                                \
            else                                                                                    \
                top_bits = b > top_bits ? b : top_bits;                                             \
        }                                                                                           \
        *block_high = top_bits;                                                                     \
    }                                                                                               \
    /* The planes from c on in groups of `group` (a constant where inlined) */                     \
    /* while a whole group remains; returns the first plane left. */                                 \
    MAP_KERNEL size_t groups_##suffix(const T *base, size_t pixels, size_t k, size_t n, size_t c,     \
                                      size_t group, T *restrict best, INDEX *restrict index,          \
                                      BITS *restrict high, BITS *block_high)                          \
    {                                                                                               \
        for (; c + group <= k; c += group) {                                                        \
            const T *plane = base + c * pixels;                                                     \
            for (size_t g = 0; g < group; g++) {                                                    \
                /* the K runs of a block are too many streams for the hardware */                   \
                /* prefetcher: ask for the runs read one group later, the next */                   \
                /* planes' or, past the last plane, the next block's first ones */                   \
                size_t q = c + group + g;                                                           \
                const T *next = q < k ? base + q * pixels : base + (q - k) * pixels + n;            \
                for (size_t byte = 0; byte < n * sizeof(T); byte += 64)                             \
                    __builtin_prefetch((const char *)next + byte);                                  \
            }                                                                                       \
            if (high)                                                                               \
                group_step_##suffix(plane, pixels, group, n, (INDEX)c, best, index, high, block_high); \
            else                                                                                    \
                group_step_##suffix(plane, pixels, group, n, (INDEX)c, best, index, NULL, block_high); \
        }                                                                                           \
        return c;                                                                                   \
    }                                                                                               \
    /* One cache line of pixels through all K planes, its running state in */                         \
    /* registers: four 16-byte vectors (GCC and Clang vector types, native to */                        \
    /* every x86-64 clone; wider ones are split lane by lane where the target */                        \
    /* lacks them). A compare of two vectors gives all-ones or zero lanes, */                           \
    /* which mask the selects. Writes index and, when high is not NULL, high */                         \
    /* for the line's pixels; returns their largest magnitude. */                                       \
    typedef T quarter_##suffix __attribute__((vector_size(16)));                                       \
    typedef BITS quarter_bits_##suffix __attribute__((vector_size(16)));                               \
    MAP_KERNEL void quarter_step_##suffix(const T *src, BITS c, quarter_##suffix *best,                \
                                          quarter_bits_##suffix *at, quarter_bits_##suffix *top)       \
    {                                                                                                   \
        const BITS magnitude = (BITS)(((INDEX)-1) >> 1);                                                \
        quarter_##suffix v;                                                                             \
        quarter_bits_##suffix b;                                                                        \
        memcpy(&v, src, sizeof v);                                                                      \
        memcpy(&b, &v, sizeof b);                                                                       \
        b &= magnitude;                                                                                 \
        quarter_bits_##suffix greater = (quarter_bits_##suffix)(v > *best);                             \
        *best = (quarter_##suffix)(((quarter_bits_##suffix)v & greater) |                               \
                                   ((quarter_bits_##suffix)*best & ~greater));                          \
        *at = (c & greater) | (*at & ~greater);                                                         \
        quarter_bits_##suffix higher = (quarter_bits_##suffix)(b > *top);                               \
        *top = (b & higher) | (*top & ~higher);                                                         \
    }                                                                                                   \
    MAP_KERNEL BITS quarter_out_##suffix(quarter_bits_##suffix at, quarter_bits_##suffix top,          \
                                         INDEX *restrict index, BITS *restrict high, BITS tile_high)    \
    {                                                                                                   \
        memcpy(index, &at, sizeof at);                                                                  \
        if (high)                                                                                       \
            memcpy(high, &top, sizeof top);                                                             \
        for (size_t j = 0; j < 16 / sizeof(T); j++)                                                     \
            tile_high = top[j] > tile_high ? top[j] : tile_high;                                        \
        return tile_high;                                                                               \
    }                                                                                                   \
    /* Four named quarters, not an array, so that they live in registers. */                            \
    MAP_KERNEL BITS tile_##suffix(const T *base, size_t pixels, size_t k, INDEX *restrict index,        \
                                  BITS *restrict high)                                                  \
    {                                                                                                   \
        enum { LANES = 16 / sizeof(T) };                                                                \
        const quarter_##suffix lowest = (quarter_##suffix){ 0 } - (T)INFINITY;                          \
        quarter_##suffix b0 = lowest, b1 = lowest, b2 = lowest, b3 = lowest;                            \
        quarter_bits_##suffix a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };                           \
        quarter_bits_##suffix t0 = { 0 }, t1 = { 0 }, t2 = { 0 }, t3 = { 0 };                           \
        for (size_t c = 0; c < k; c++) {                                                                \
            const T *plane = base + c * pixels;                                                         \
            quarter_step_##suffix(plane, (BITS)c, &b0, &a0, &t0);                                       \
            quarter_step_##suffix(plane + LANES, (BITS)c, &b1, &a1, &t1);                               \
            quarter_step_##suffix(plane + 2 * LANES, (BITS)c, &b2, &a2, &t2);                           \
            quarter_step_##suffix(plane + 3 * LANES, (BITS)c, &b3, &a3, &t3);                           \
        }                                                                                               \
        BITS tile_high = quarter_out_##suffix(a0, t0, index, high, 0);                                  \
        tile_high = quarter_out_##suffix(a1, t1, index + LANES, high ? high + LANES : NULL, tile_high);  \
        tile_high = quarter_out_##suffix(a2, t2, index + 2 * LANES, high ? high + 2 * LANES : NULL, tile_high); \
        return quarter_out_##suffix(a3, t3, index + 3 * LANES, high ? high + 3 * LANES : NULL, tile_high); \
    }                                                                                                   \
    /* The last m < LINE pixels of a block: copied into zero-padded lines (a */                         \
    /* zero is finite and its argmax is dropped), then one tile. */                                     \
    MAP_KERNEL BITS tail_tile_##suffix(const T *base, size_t pixels, size_t k, size_t m,                \
                                       INDEX *restrict index, BITS *restrict high)                      \
    {                                                                                                   \
        enum { LINE = 64 / sizeof(T) };                                                                 \
        T lines[MAP_TILE_MAX_K][LINE];                                                                  \
        INDEX at[LINE];                                                                                 \
        BITS top[LINE];                                                                                 \
        memset(lines, 0, sizeof lines);                                                                 \
        for (size_t c = 0; c < k; c++)                                                                  \
            memcpy(lines[c], base + c * pixels, m * sizeof(T));                                         \
        BITS tile_high = tile_##suffix(lines[0], LINE, k, at, top);                                     \
        memcpy(index, at, m * sizeof *at);                                                              \
        if (high)                                                                                       \
            memcpy(high, top, m * sizeof *top);                                                         \
        return tile_high;                                                                               \
    }                                                                                                   \
    /* With high NULL (no pixel is ignored) only the block's largest */                              \
    /* magnitude is kept, which saves a load and a store per score. */                               \
    MAP_KERNEL BITS planes_##suffix(const T *base, size_t pixels, size_t k, size_t n,               \
                                    T *restrict best, INDEX *restrict index, BITS *restrict high)   \
    {                                                                                               \
        BITS block_high = 0;                                                                        \
        if (k <= MAP_TILE_MAX_K) {                                                                  \
            enum { LINE = 64 / sizeof(T) };                                                         \
            size_t p = 0;                                                                           \
            /* with high, the caller reads each pixel's magnitude, not the block's */               \
            for (; p + LINE <= n; p += LINE) {                                                      \
                BITS t = tile_##suffix(base + p, pixels, k, index + p, high ? high + p : NULL);     \
                block_high = t > block_high && !high ? t : block_high;                              \
            }                                                                                       \
            if (p < n) {                                                                            \
                BITS t = tail_tile_##suffix(base + p, pixels, k, n - p, index + p,                  \
                                            high ? high + p : NULL);                                \
                block_high = t > block_high && !high ? t : block_high;                              \
            }                                                                                       \
            return block_high;                                                                      \
        }                                                                                           \
        for (size_t p = 0; p < n; p++) {                                                            \
            best[p] = (T)-INFINITY;                                                                 \
            index[p] = 0;                                                                           \
        }                                                                                           \
        if (high)                                                                                   \
            memset(high, 0, n * sizeof *high);                                                      \
        /* groups of 8 planes, then at most one each of 4, 2 and 1 */                               \
        size_t c = groups_##suffix(base, pixels, k, n, 0, PLANE_GROUP, best, index, high, &block_high); \
        c = groups_##suffix(base, pixels, k, n, c, 4, best, index, high, &block_high);              \
        c = groups_##suffix(base, pixels, k, n, c, 2, best, index, high, &block_high);              \
        groups_##suffix(base, pixels, k, n, c, 1, best, index, high, &block_high);                  \
        return block_high;                                                                          \
    }
DEFINE_PLANES(f32, float, int32_t, uint32_t)
DEFINE_PLANES(f64, double, int64_t, uint64_t)

typedef int32_t float_high_t;
typedef int64_t double_high_t;
#define EXPONENT_F32 ((int32_t)0x7f800000)
#define EXPONENT_F64 ((int64_t)0x7ff0000000000000)

static inline uint64_t counted(const trm__score_map *m, int64_t label)
{
    return !m->has_ignore | (label != m->ignore);
}

/* Finds the argmaxes of pixels [p0, p0 + n) of sample s into pred[0 .. n)
 * (0 for ignored pixels); returns whether a pixel not ignored has a label
 * outside [0, K) or a non-finite score, and adds the pixels not ignored to
 * *used. The types are constants where it is inlined. */
MAP_KERNEL bool scan_block(const trm__score_map *m, size_t s, size_t p0, size_t n, int32_t *pred,
                           uint64_t *used, map_work *w, enum trm__label_type lt, enum trm__score_type st)
{
    size_t k = m->k, pixels = m->pixels, first = s * pixels + p0;
    uint64_t bad = 0, in = 0;
    if (m->channels_last) {
        bool flush = trm__subnormals_read_as_zero(st);
        for (size_t p = 0; p < n; p++) {
            int64_t t = trm__load_label(m->y_true, first + p, lt);
            uint64_t use = counted(m, t);
            size_t best = 0;
            bool nonfinite = use && trm__scan_row(m->scores, (first + p) * k, k, flush, &best, st);
            bad |= use & (trm__outside(t, k) | (uint64_t)nonfinite);
            in += use;
            pred[p] = (int32_t)best;
        }
        *used += in;
        return bad != 0;
    }
    /* the next block's labels: a stream the hardware prefetcher loses among the planes */
    for (size_t byte = 0; byte < n * trm__label_size(lt); byte += 64)
        __builtin_prefetch((const char *)m->y_true + (first + n) * trm__label_size(lt) + byte);
    /* Without an ignore label every pixel counts, and one largest magnitude
     * for the block tells whether a score is NaN or Inf. */
#define SCAN_PLANES(suffix, T, EXPONENT, HIGH)                                                          \
    do {                                                                                                 \
        T##_high_t *high = HIGH;                                                                         \
        T##_high_t block_high = planes_##suffix((const T *)m->scores + s * k * pixels + p0, pixels, k, n, \
                                                w->suffix.best, w->suffix.index, high);                  \
        bad = (uint64_t)(block_high >= EXPONENT);                                                        \
        for (size_t p = 0; p < n; p++) {                                                                 \
            int64_t t = trm__load_label(m->y_true, first + p, lt);                                       \
            uint64_t use = counted(m, t);                                                                \
            bad |= use & (trm__outside(t, k) | (uint64_t)(high && high[p] >= EXPONENT));                 \
            in += use;                                                                                   \
            pred[p] = (int32_t)w->suffix.index[p];                                                       \
        }                                                                                                \
    } while (0)
    if (st == TRM__SCORE_F32 && m->has_ignore)
        SCAN_PLANES(f32, float, EXPONENT_F32, w->f32.high);
    else if (st == TRM__SCORE_F32)
        SCAN_PLANES(f32, float, EXPONENT_F32, NULL);
    else if (m->has_ignore)
        SCAN_PLANES(f64, double, EXPONENT_F64, w->f64.high);
    else
        SCAN_PLANES(f64, double, EXPONENT_F64, NULL);
#undef SCAN_PLANES
    *used += in;
    return bad != 0;
}

/* The blocks of a call, in flat pixel order: each lies inside one sample. */
typedef struct block_cursor {
    size_t s, p0, n; /* sample, first pixel, pixels */
    size_t flat;     /* s * P + p0 */
} block_cursor;

static inline block_cursor first_block(const trm__score_map *m, size_t size)
{
    return (block_cursor){ 0, 0, m->pixels < size ? m->pixels : size, 0 };
}

static inline void next_block(const trm__score_map *m, size_t size, block_cursor *b)
{
    b->flat += b->n;
    b->p0 += b->n;
    if (b->p0 == m->pixels) {
        b->s++;
        b->p0 = 0;
    }
    size_t left = m->pixels - b->p0;
    b->n = left < size ? left : size;
}

static inline void add_one(const trm__map_cells *cells, size_t cell)
{
    if (cells->counts)
        cells->counts[cell]++;
    else
        cells->weights[cell] += 1.0;
}

/* Rescans the blocks before flat pixel `limit` and applies `op` to the cell
 * of each pixel not ignored: -1 takes back what a one-pass call counted, +1
 * adds a checked batch (the two-pass path). */
MAP_KERNEL void rescan(const trm__score_map *m, const trm__map_cells *cells, size_t limit, int op, map_work *w,
                       int32_t *pred, enum trm__label_type lt, enum trm__score_type st)
{
    size_t size = block_pixels(st), k = m->k;
    uint64_t used = 0;
    for (block_cursor b = first_block(m, size); b.flat < limit; next_block(m, size, &b)) {
        scan_block(m, b.s, b.p0, b.n, pred, &used, w, lt, st);
        for (size_t p = 0; p < b.n; p++) {
            int64_t t = trm__load_label(m->y_true, b.flat + p, lt);
            if (!counted(m, t))
                continue;
            size_t cell = (size_t)t * k + (size_t)pred[p];
            if (op < 0)
                cells->counts[cell]--;
            else
                add_one(cells, cell);
        }
    }
}

/* The one-pass count (cells->counts set) or, with cells NULL, the check
 * alone; see trm__count_argmax_map. */
MAP_KERNEL bool walk(const trm__score_map *m, const trm__map_cells *cells, uint64_t *kept, size_t *checked,
                     enum trm__label_type lt, enum trm__score_type st)
{
    map_work w;
    int32_t pred[MAP_BATCH], truth[MAP_BATCH];
    size_t size = block_pixels(st), total = m->batch * m->pixels, waiting_from = 0;
    uint64_t used = 0, counted_pixels = 0;
    for (block_cursor b = first_block(m, size); b.flat < total;) {
        if (scan_block(m, b.s, b.p0, b.n, pred + (b.flat - waiting_from), &used, &w, lt, st)) {
            if (cells)
                rescan(m, cells, waiting_from, -1, &w, pred, lt, st);
            *checked = b.flat + b.n;
            return false;
        }
        next_block(m, size, &b);
        if (cells == NULL) {
            waiting_from = b.flat;
            continue;
        }
        if (b.flat < total && b.flat - waiting_from + size <= MAP_BATCH)
            continue;
        /* The labels of the batch are checked, so the pair kernel counts it
         * whole. It reads both labels of a pair as one type: other labels
         * than 32-bit ones wait as such, the ignored ones as -1. */
        trm__pairs pairs = { (const int32_t *)m->y_true + waiting_from, pred, b.flat - waiting_from,
                             TRM__LABEL_I32, m->has_ignore, m->ignore };
        if (lt != TRM__LABEL_I32) {
            for (size_t i = 0; i < pairs.n; i++) {
                int64_t t = trm__load_label(m->y_true, waiting_from + i, lt);
                truth[i] = counted(m, t) ? (int32_t)t : -1;
            }
            pairs.y_true = truth;
            pairs.ignore = -1;
        }
        uint64_t batch_kept = 0;
        if (trm__count_pairs(cells->counts, m->k, &pairs, cells->scratch, &batch_kept) < pairs.n) {
            rescan(m, cells, waiting_from, -1, &w, pred, lt, st);
            *checked = b.flat;
            return false;
        }
        counted_pixels += batch_kept;
        waiting_from = b.flat;
    }
    *kept = cells ? counted_pixels : used;
    return true;
}

/* One instance per label and score type, so that each inlines its loads. */
#define FOR_EACH_TYPE(m, CALL)                                                       \
    do {                                                                             \
        bool f32 = (m)->score_type == TRM__SCORE_F32;                                \
        switch ((m)->label_type) {                                                   \
        case TRM__LABEL_U8:                                                          \
            if (f32)                                                                 \
                CALL(TRM__LABEL_U8, TRM__SCORE_F32);                                 \
            CALL(TRM__LABEL_U8, TRM__SCORE_F64);                                     \
        case TRM__LABEL_I32:                                                         \
            if (f32)                                                                 \
                CALL(TRM__LABEL_I32, TRM__SCORE_F32);                                \
            CALL(TRM__LABEL_I32, TRM__SCORE_F64);                                    \
        default:                                                                     \
            if (f32)                                                                 \
                CALL(TRM__LABEL_I64, TRM__SCORE_F32);                                \
            CALL(TRM__LABEL_I64, TRM__SCORE_F64);                                    \
        }                                                                            \
    } while (0)

TRM__DISPATCH bool trm__count_argmax_map(const trm__score_map *m, const trm__map_cells *cells, uint64_t *kept,
                                        size_t *checked)
{
#define COUNT(lt, st) return walk(m, cells, kept, checked, lt, st)
    FOR_EACH_TYPE(m, COUNT);
#undef COUNT
}

TRM__DISPATCH bool trm__check_argmax_map(const trm__score_map *m, uint64_t *kept, size_t *checked)
{
#define CHECK(lt, st) return walk(m, NULL, kept, checked, lt, st)
    FOR_EACH_TYPE(m, CHECK);
#undef CHECK
}

TRM__DISPATCH void trm__add_argmax_map(const trm__score_map *m, const trm__map_cells *cells)
{
#define ADD(lt, st)                                                           \
    do {                                                                      \
        rescan(m, cells, m->batch * m->pixels, +1, &w, pred, lt, st);         \
        return;                                                               \
    } while (0)
    map_work w;
    int32_t pred[MAP_BLOCK_F32];
    FOR_EACH_TYPE(m, ADD);
#undef ADD
}

static double score_at(const trm__score_map *m, size_t i)
{
    return m->score_type == TRM__SCORE_F32 ? (double)((const float *)m->scores)[i]
                                           : ((const double *)m->scores)[i];
}

int trm__argmax_map_fault(const char *func, const trm__score_map *m, size_t limit)
{
    size_t k = m->k, pixels = m->pixels;
    for (size_t i = 0; i < limit; i++) {
        size_t s = i / pixels, p = i % pixels;
        int64_t t = trm__load_label(m->y_true, i, m->label_type);
        if (!counted(m, t))
            continue;
        if (trm__outside(t, k))
            return trm__fail(TRM_E_LABEL, func, "y_true[%zu][%zu] = %" PRId64 " is outside [0, %zu)", s, p, t, k);
        for (size_t c = 0; c < k; c++) {
            size_t at = m->channels_last ? i * k + c : (s * k + c) * pixels + p;
            double v = score_at(m, at);
            if (isfinite(v))
                continue;
            if (m->channels_last)
                return trm__fail(TRM_E_NONFINITE, func,
                                 "scores[%zu][%zu][%zu] = %g (sample, pixel, class) is not finite", s, p, c, v);
            return trm__fail(TRM_E_NONFINITE, func,
                             "scores[%zu][%zu][%zu] = %g (sample, class, pixel) is not finite", s, c, p, v);
        }
    }
    return TRM_OK;
}
