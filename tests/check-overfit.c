/* SPDX-License-Identifier: MIT */
/* The overfitting detector (overfit.h), tested as a black box against the
 * specification: issue 5 (worked example with exact numbers), ../shared/API.md
 * and the Doxygen comments of include/trainmetrics/overfit.h.
 *
 * Every expected value below was worked out by hand from those definitions (the
 * arithmetic is in the comments), never by running the library:
 *   GL(t)   = 100 * (val(t) / E_opt(t) - 1), E_opt(t) = best finite val in 1..t
 *   P_k(t)  = 1000 * (sum of train over t-k+1..t / (k * min of it) - 1)
 *   PQ      = GL / P_k at strip ends (t mod k = 0)
 *   UP_s    = val(t) > val(t-k) at s successive strip ends t > k
 *   PATIENCE holds at a non-improving epoch t > 1 once the epochs since the last
 *            improvement reach `patience` (Keras: wait >= patience)
 *   TREND   = one-sided Mann-Kendall over the last `window` epochs:
 *             S = sum_{i<j} sign(x_j - x_i),
 *             Var(S) = [n(n-1)(2n+5) - sum_ties t(t-1)(2t+5)] / 18,
 *             Z = (S - sign S) / sqrt(Var), p = 1 - Phi(Z);
 *             holds when p(val) < alpha, p(gap) < alpha and p(train) >= alpha.
 * Epochs are 1-based. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Absolute tolerance, for values quoted to a few decimals. */
#define ck_assert_near(a, b, tol)                                                       \
    do {                                                                                \
        double a_ = (a), b_ = (b);                                                      \
        ck_assert_msg(fabs(a_ - b_) <= (tol), "%s = %.10g, expected %.10g (+-%g)", #a,  \
                      a_, b_, (double)(tol));                                           \
    } while (0)

static const uint32_t ALL_CRITERIA[8] = {
    TRM_CRIT_PATIENCE,  TRM_CRIT_GL,         TRM_CRIT_PQ,        TRM_CRIT_UP,
    TRM_CRIT_THRESHOLD, TRM_CRIT_DIVERGENCE, TRM_CRIT_NONFINITE, TRM_CRIT_TREND,
};
#define ALL_CRITERIA_MASK 0xffu

static char sentinel_object;
/* Stands for "a handle the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_overfit *)(void *)&sentinel_object)

/* ---- curves --------------------------------------------------------------------- */

/* The worked example of issue 5. */
#define EX_N 20
static const double EX_TRAIN[EX_N] = { 1.0,  .8,   .65,  .55,  .48,   .43,  .39,
                                       .36,  .33,  .31,  .30,  .295,  .292, .290,
                                       .289, .288, .2875, .287, .2866, .2863 };
static const double EX_VAL[EX_N] = { 1.05, .85, .72, .64, .60,  .58, .57,
                                     .575, .565, .57, .58, .585, .60, .59,
                                     .61,  .63, .62, .65, .67,  .70 };

/* Noisy U: validation bottoms out at epoch 8 (0.68) and then rises with noise
 * while training keeps falling. */
#define U_N 18
static const double U_TRAIN[U_N] = { 1.00, .90,  .82, .75, .70, .66,  .63,  .60,  .58,
                                     .56,  .545, .53, .52, .51, .50,  .492, .485, .48 };
static const double U_VAL[U_N] = { 1.20, 1.00, .86, .76, .71, .69, .70, .68, .71,
                                   .70,  .73,  .75, .74, .78, .80, .79, .83, .86 };

/* Double descent: the noisy U above up to epoch 16, then validation falls again
 * below its old best (0.68 at epoch 8) from epoch 20 (0.66) on. */
#define DD_N 28
static const double DD_TRAIN[DD_N] = { 1.00, .90, .82, .75, .70, .66, .63, .60, .58, .56,
                                       .545, .53, .52, .51, .50, .49, .48, .47, .46, .45,
                                       .44,  .43, .42, .41, .40, .39, .38, .37 };
static const double DD_VAL[DD_N] = { 1.20, 1.00, .86, .76, .71, .69, .70, .68, .71, .70,
                                     .73,  .75,  .74, .78, .80, .79, .76, .72, .69, .66,
                                     .64,  .62,  .60, .59, .58, .57, .56, .55 };

/* ---- helpers -------------------------------------------------------------------- */

static trm_overfit *make(void)
{
    trm_overfit *o = NULL;
    ck_assert_ok(trm_overfit_new(&o, NULL));
    ck_assert_ptr_nonnull(o);
    return o;
}

/* Pushes n epochs one push at a time. */
static void push_all(trm_overfit *o, const double *train, const double *val, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_ok(trm_overfit_push(o, train[i], val[i]));
}

static void negate(const double *in, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -in[i];
}

static double stat_of(const trm_overfit *o, int stat)
{
    double x = 0;
    ck_assert_ok(trm_overfit_statistic(o, stat, &x));
    return x;
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* What a failing call left changed, named in the message (the blob, options
 * and history, is a complete picture of a detector's state). */
static void assert_unchanged(const trm_overfit *o, const uint8_t *before, size_t before_size,
                             const char *what)
{
    size_t size = 0;
    uint8_t *now = snapshot_overfit(o, &size);
    ck_assert_msg(size == before_size && memcmp(now, before, size) == 0,
                  "%s failed but changed the detector", what);
    free(now);
}

/* The explanation through the size protocol; malloc'ed. */
static char *explain(const trm_overfit *o)
{
    size_t need = 0;
    ck_assert_int_eq(trm_overfit_explain(o, NULL, 0, &need), TRM_E_BUFFER);
    ck_assert_uint_gt(need, 1);
    char *text = malloc(need);
    ck_assert_ptr_nonnull(text);
    size_t size = 0;
    ck_assert_ok(trm_overfit_explain(o, text, need, &size));
    ck_assert_uint_eq(size, need);
    ck_assert_uint_eq(strlen(text) + 1, need);
    return text;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               (hay[i] | 0x20) == (needle[i] | 0x20) /* ASCII letters, digits, space */)
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* Every query of a and b answers the same, bit for bit, and their blobs agree. */
static void assert_same(const trm_overfit *a, const trm_overfit *b)
{
    ck_assert_int_eq(trm_overfit_verdict(b), trm_overfit_verdict(a));
    ck_assert_int_eq(trm_overfit_should_stop(b), trm_overfit_should_stop(a));
    size_t n = trm_overfit_n_epochs(a);
    ck_assert_uint_eq(trm_overfit_n_epochs(b), n);
    ck_assert_int_eq(trm_overfit_best_epoch(b), trm_overfit_best_epoch(a));
    ck_assert(same_double(trm_overfit_best_value(b), trm_overfit_best_value(a)));
    ck_assert_int_eq(trm_overfit_onset_epoch(b), trm_overfit_onset_epoch(a));
    ck_assert_int_eq(trm_overfit_stop_epoch(b), trm_overfit_stop_epoch(a));
    ck_assert_uint_eq(trm_overfit_fired(b), trm_overfit_fired(a));
    for (size_t i = 0; i < N_ELEMS(ALL_CRITERIA); i++)
        ck_assert_int_eq(trm_overfit_first_fire(b, ALL_CRITERIA[i]),
                         trm_overfit_first_fire(a, ALL_CRITERIA[i]));
    for (int s = TRM_STAT_GL; s <= TRM_STAT_TREND_P; s++) {
        double xa = -1234.5, xb = -1234.5;
        int ra = trm_overfit_statistic(a, s, &xa), rb = trm_overfit_statistic(b, s, &xb);
        ck_assert_int_eq(rb, ra);
        ck_assert_msg(same_double(xa, xb), "statistic %d: %.17g vs %.17g", s, xa, xb);
    }
    if (n > 0) {
        double *ta = malloc(n * sizeof *ta), *va = malloc(n * sizeof *va);
        double *tb = malloc(n * sizeof *tb), *vb = malloc(n * sizeof *vb);
        ck_assert(ta && va && tb && vb);
        ck_assert_ok(trm_overfit_history(a, ta, va));
        ck_assert_ok(trm_overfit_history(b, tb, vb));
        for (size_t i = 0; i < n; i++) {
            ck_assert(same_double(ta[i], tb[i]));
            ck_assert(same_double(va[i], vb[i]));
        }
        free(ta);
        free(va);
        free(tb);
        free(vb);
    }
    char *ea = explain(a), *eb = explain(b);
    ck_assert_str_eq(eb, ea);
    free(ea);
    free(eb);
    size_t sa = 0, sb = 0;
    uint8_t *ba = snapshot_overfit(a, &sa), *bb = snapshot_overfit(b, &sb);
    ck_assert_uint_eq(sb, sa);
    ck_assert_mem_eq(bb, ba, sa);
    free(ba);
    free(bb);
}

/* What a detector reports after one epoch, for per-epoch tables. */
struct epoch_expect {
    int verdict;
    int64_t best;
    int64_t onset;
};

static void assert_epoch(const trm_overfit *o, size_t t, const struct epoch_expect *e)
{
    ck_assert_msg(trm_overfit_verdict(o) == e->verdict, "epoch %zu: verdict %d, expected %d",
                  t, trm_overfit_verdict(o), e->verdict);
    ck_assert_msg(trm_overfit_best_epoch(o) == e->best,
                  "epoch %zu: best epoch %" PRId64 ", expected %" PRId64, t,
                  trm_overfit_best_epoch(o), e->best);
    ck_assert_msg(trm_overfit_onset_epoch(o) == e->onset,
                  "epoch %zu: onset %" PRId64 ", expected %" PRId64, t,
                  trm_overfit_onset_epoch(o), e->onset);
}

/* ==== 1. the worked example ======================================================== */

/* GL(t) with E_opt = .57 at epochs 7..8 and .565 from epoch 9:
 *   GL(8)  = 100(.575/.57 - 1)  = 0.877   GL(10) = 100(.57/.565 - 1)  = 0.885
 *   GL(11) = 100(.58/.565 - 1)  = 2.655   GL(12) = 100(.585/.565 - 1) = 3.540
 *   GL(13) = 100(.60/.565 - 1)  = 6.195   (GL = 0 at every other epoch <= 9)
 * so GL_alpha first holds (strictly above alpha) at: */
static const struct {
    double alpha;
    int64_t epoch;
} gl_table[] = {
    { 0.0, 8 },  /* 0.877 > 0 (0 at the new bests does not fire: strict) */
    { 0.8, 8 },  /* 0.877 > 0.8 */
    { 0.88, 10 }, /* 0.877 < 0.88 < 0.885 */
    { 1.0, 11 }, /* issue: 11 */
    { 2.0, 11 }, /* issue: 11 */
    { 3.0, 12 }, /* issue: 12 */
    { 5.0, 13 }, /* issue: 13 */
    { 30.0, -1 }, /* max GL is GL(20) = 100(.70/.565 - 1) = 23.89 */
};

START_TEST(example_gl)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_GL));
    ck_assert_ok(trm_overfit_set_gl(o, gl_table[_i].alpha));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    int64_t want = gl_table[_i].epoch;
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_GL), want);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), want);
    ck_assert_int_eq(trm_overfit_should_stop(o), want > 0);
    ck_assert_uint_eq(trm_overfit_fired(o) & TRM_CRIT_GL, want > 0 ? TRM_CRIT_GL : 0);
    /* GL(20) = 100 (0.70 / 0.565 - 1) = 23.893805... */
    ck_assert_near(stat_of(o, TRM_STAT_GL), 100.0 * (0.70 / 0.565 - 1.0), 1e-9);
    trm_overfit_free(o);
}
END_TEST

/* P_5 at the strip ends (train strips):
 *    1..5 : 1+.8+.65+.55+.48        = 3.48,  min .48:  1000(3.48/2.4 - 1)    = 450
 *    6..10: .43+.39+.36+.33+.31     = 1.82,  min .31:  1000(1.82/1.55 - 1)   = 270/1.55 = 174.1935
 *   11..15: .30+.295+.292+.29+.289  = 1.466, min .289: 1000(1.466/1.445 - 1) = 21/1.445 = 14.5329
 *   16..20: .288+.2875+.287+.2866+.2863 = 1.4354, min .2863:
 *                                   1000(1.4354/1.4315 - 1) = 3.9/1.4315 = 2.7244 */
START_TEST(example_progress)
{
    static const struct {
        size_t epoch;
        double p5;
    } want[] = { { 5, 450.0 }, { 10, 270.0 / 1.55 }, { 15, 21.0 / 1.445 }, { 20, 3.9 / 1.4315 } };
    static const double quoted[] = { 450.0, 174.1935, 14.5329, 2.7244 }; /* the issue */
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_pq(o, 0.5, 5));
    size_t done = 0;
    for (size_t i = 0; i < N_ELEMS(want); i++) {
        push_all(o, EX_TRAIN + done, EX_VAL + done, want[i].epoch - done);
        done = want[i].epoch;
        double p = stat_of(o, TRM_STAT_PROGRESS);
        ck_assert_near(p, want[i].p5, 1e-9 * want[i].p5);
        ck_assert_near(p, quoted[i], 1e-4);
    }
    /* PQ(20) = GL(20) / P_5(20) = 23.8938 / 2.7244 = 8.7703 */
    ck_assert_near(stat_of(o, TRM_STAT_PQ), 100.0 * (0.70 / 0.565 - 1.0) / (3.9 / 1.4315), 1e-8);
    /* GAP(20) = .70 - .2863 */
    ck_assert_near(stat_of(o, TRM_STAT_GAP), 0.4137, 1e-12);

    /* A strip changed after the pushes re-evaluates: P_4(20) over 17..20 =
     * 1000((.2875+.287+.2866+.2863) / (4 * .2863) - 1) = 1000(1.1474/1.1452 - 1)
     * = 2.2/1.1452 = 1.92106 */
    ck_assert_ok(trm_overfit_set_pq(o, 0.5, 4));
    ck_assert_near(stat_of(o, TRM_STAT_PROGRESS), 2.2 / 1.1452, 1e-9);
    trm_overfit_free(o);
}
END_TEST

/* PQ at the strip ends, with GL from example_gl and P_5 from example_progress:
 *   t=5:  GL 0      -> PQ 0
 *   t=10: GL 0.885  / 174.19 = 0.00508
 *   t=15: GL 100(.61/.565 - 1) = 7.9646 / 14.533 = 0.5480
 *   t=20: GL 23.894 / 2.7244 = 8.7703 */
static const struct {
    double alpha;
    int64_t epoch;
} pq_table[] = {
    { 0.0, 10 }, /* 0 at t=5 does not fire (strict), 0.00508 does */
    { 0.5, 15 }, /* issue: 15 */
    { 0.75, 20 }, /* issue: 20 */
    { 1.0, 20 },
    { 2.0, 20 },
    { 3.0, 20 },
    { 8.7, 20 },
    { 8.8, -1 },
};

START_TEST(example_pq)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PQ));
    ck_assert_ok(trm_overfit_set_pq(o, pq_table[_i].alpha, 5));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    int64_t want = pq_table[_i].epoch;
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PQ), want);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), want);
    ck_assert_int_eq(trm_overfit_should_stop(o), want > 0);
    trm_overfit_free(o);
}
END_TEST

/* UP_s: strip 5 ends at 5, 10, 15, 20 with val .60, .57, .61, .70:
 *   10: .57 > .60 no; 15: .61 > .57 yes (run 1); 20: .70 > .61 yes (run 2).
 * Strip 1 (every epoch t > 1): val rises at 8, 10, 11, 12, 13, 15, 16, 18, 19, 20
 * (runs: 8 | 10-13 | 15-16 | 18-20), so UP_s first holds at 8, 11, 12, 13 for
 * s = 1..4 and never for s = 5. */
static const struct {
    uint32_t s, strip;
    int64_t epoch;
} up_table[] = {
    { 1, 5, 15 }, { 2, 5, 20 }, { 3, 5, -1 }, /* the issue */
    { 1, 1, 8 },  { 2, 1, 11 }, { 3, 1, 12 }, { 4, 1, 13 }, { 5, 1, -1 },
};

START_TEST(example_up)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_UP));
    ck_assert_ok(trm_overfit_set_up(o, up_table[_i].s, up_table[_i].strip));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    int64_t want = up_table[_i].epoch;
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_UP), want);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), want);
    ck_assert_int_eq(trm_overfit_should_stop(o), want > 0);
    trm_overfit_free(o);
}
END_TEST

/* Keras semantics on the example. With delta 0 the improvements are epochs
 * 1..7 (down to .57) and 9 (.565); epoch 8 (.575) waits 1, and from epoch 10 on
 * nothing beats .565, so wait = t - 9. PATIENCE first holds where wait >= p:
 *   p 0, 1 -> 8 (wait 1 at epoch 8, best so far epoch 7)
 *   p 2 -> 11, 3 -> 12, 4 -> 13, 5 -> 14, 6 -> 15 (best epoch 9)
 * min_delta 0.004: .60 < .64-.004, .58 < .596, .57 < .576 improve; .575 waits 1;
 *   .565 < .57-.004 = .566 improves; 10, 11, 12 wait 1, 2, 3 -> 12 (issue).
 * min_delta 0.006: .565 < .57-.006 = .564 fails, so 8, 9, 10 wait 1, 2, 3 -> 10
 *   although the argmin (best epoch) is 9. */
static const struct {
    uint32_t patience;
    double delta;
    int64_t stop, best_at_stop;
} patience_table[] = {
    { 0, 0.0, 8, 7 },    { 1, 0.0, 8, 7 },   { 2, 0.0, 11, 9 }, { 3, 0.0, 12, 9 },
    { 4, 0.0, 13, 9 },   { 5, 0.0, 14, 9 },  { 6, 0.0, 15, 9 }, { 3, 0.004, 12, 9 },
    { 3, 0.006, 10, 9 },
};

START_TEST(example_patience)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
    ck_assert_ok(trm_overfit_set_patience(o, patience_table[_i].patience,
                                          patience_table[_i].delta, 0.0));
    int64_t stop = patience_table[_i].stop;
    for (size_t t = 1; t <= EX_N; t++) {
        push_all(o, EX_TRAIN + t - 1, EX_VAL + t - 1, 1);
        int stopped = stop > 0 && (int64_t)t >= stop;
        ck_assert_int_eq(trm_overfit_should_stop(o), stopped);
        ck_assert_int_eq(trm_overfit_stop_epoch(o), stopped ? stop : -1);
        if ((int64_t)t == stop) {
            ck_assert_int_eq(trm_overfit_best_epoch(o), patience_table[_i].best_at_stop);
            ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), stop);
        }
    }
    ck_assert_int_eq(trm_overfit_best_epoch(o), 9);
    ck_assert_close(trm_overfit_best_value(o), 0.565);
    trm_overfit_free(o);
}
END_TEST

START_TEST(example_keras_preset)
{
    /* Patience 0, min_delta 0: stops at epoch 8, best epoch 7 (0.57). */
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_KERAS));
    push_all(o, EX_TRAIN, EX_VAL, 8);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 8);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 7);
    ck_assert_close(trm_overfit_best_value(o), 0.57);
    push_all(o, EX_TRAIN + 8, EX_VAL + 8, EX_N - 8);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 8);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 9);
    trm_overfit_free(o);
}
END_TEST

/* Mann-Kendall over epochs 13..20, val = .60 .59 .61 .63 .62 .65 .67 .70.
 * Per j, sum over i < j of sign(x_j - x_i): 0, -1, 2, 3, 2, 5, 6, 7 -> S = 24.
 * No ties: Var = 8*7*21/18 = 65.333; Z = 23/sqrt(65.333) = 2.8455;
 * one-sided p = 1 - Phi(2.8455) = 0.002217 (the two-sided 0.004434 / 2).
 * Train .292 .. .2863 strictly falls: S = -28, Z = -27/8.083 = -3.3404, p = 0.99958.
 * Gap = val - train: .308 .300 .321 .342 .3325 .363 .3834 .4137, S = 24, p = 0.002217.
 * So TREND holds at epoch 20 (window 8, alpha 0.05).
 *
 * Theil-Sen slope of val over 13..20: the 28 pairwise slopes sorted; the 14th
 * and 15th are (.65-.59)/(18-14) = .015 and (.67-.61)/(19-15) = .015 -> .015.
 * (Below them: 13 slopes <= .014286 = (.70-.60)/7; above: .016 = (.67-.59)/5 ...)
 * Gap: the 14th and 15th are (.3834-.321)/4 = .0156 and (.363-.300)/4 = .01575,
 * so the median is .015675.
 *
 * Window by window (val S, ties, Z, p; gap and train p):
 *   end 12: val 5..12 S = -2               p 0.55  -> no
 *   end 13: val 6..13 = .58 .57 .575 .565 .57 .58 .585 .60, S = 12, two tied
 *           pairs (.58 at 6 and 11, .57 at 7 and 10): Var = (1176 - 18 - 18)/18 =
 *           63.333, Z = 11/7.958 = 1.3822, p = 0.0835 -> no
 *   end 14: val 7..14 = .57 .575 .565 .57 .58 .585 .60 .59, S = 19 (per j: 0, 1,
 *           -2, 0, 4, 5, 6, 5), one tie (.57) -> Var = 64.333, Z = 18/8.0208 =
 *           2.2442, p = 0.01241 < 0.05; gap rising (p 0.00099), train falling -> yes
 * so TREND first fires at 14, and holds at every epoch 14..20. */
START_TEST(example_mann_kendall)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_TREND));
    ck_assert_ok(trm_overfit_set_patience(o, 5, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));

    push_all(o, EX_TRAIN, EX_VAL, 13);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), -1);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 11.0 / sqrt(1140.0 / 18.0), 1e-9);

    push_all(o, EX_TRAIN + 13, EX_VAL + 13, 1);
    /* The tie-corrected Z at epoch 14 (uncorrected it would be 18/8.083 = 2.2269). */
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 18.0 / sqrt(1158.0 / 18.0), 1e-9);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_P), 0.012411, 1e-6);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), 14);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 14);

    push_all(o, EX_TRAIN + 14, EX_VAL + 14, EX_N - 14);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 23.0 / sqrt(1176.0 / 18.0), 1e-9);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 2.8455, 1e-4);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_P), 0.002217, 1e-6);
    ck_assert_near(stat_of(o, TRM_STAT_VAL_SLOPE), 0.015, 1e-12);
    ck_assert_near(stat_of(o, TRM_STAT_GAP_SLOPE), 0.015675, 1e-12);
    ck_assert_uint_eq(trm_overfit_fired(o) & TRM_CRIT_TREND, TRM_CRIT_TREND);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), 14);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_OVERFITTING);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 9);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 10);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    trm_overfit_free(o);
}
END_TEST

/* Epoch by epoch with PATIENCE 5 (first holds at 14) and TREND (window 8, alpha
 * 0.05, first holds at 14, see above): IMPROVING through 13 (best moves to 7, then
 * 9), OVERFITTING from 14 with onset 9 + 1 = 10. */
START_TEST(example_verdict_by_epoch)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_patience(o, 5, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));
    for (size_t t = 1; t <= EX_N; t++) {
        push_all(o, EX_TRAIN + t - 1, EX_VAL + t - 1, 1);
        struct epoch_expect e = { TRM_FIT_IMPROVING, t <= 7 ? (int64_t)t : t == 8 ? 7 : 9, -1 };
        if (t >= 14) {
            e.verdict = TRM_FIT_OVERFITTING;
            e.onset = 10;
        }
        assert_epoch(o, t, &e);
        ck_assert_uint_eq(trm_overfit_n_epochs(o), t);
    }
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 14);
    trm_overfit_free(o);
}
END_TEST

/* ==== 2. each criterion on hand-made curves ======================================== */

/* Flat: every value 1.0. Epoch 1 improves; no later epoch beats 1.0, so the
 * wait is t - 1 and PATIENCE 5 first holds at 6. GL = 100(1/1 - 1) = 0, not
 * > 0; val never rises (UP), P_k = 0 so PQ is not above 0; all val ties give
 * S = 0: no trend. Best epoch 1 (first on ties), onset 2. */
START_TEST(flat_curve_plateau)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, ALL_CRITERIA_MASK));
    ck_assert_ok(trm_overfit_set_patience(o, 5, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_gl(o, 0.0));
    ck_assert_ok(trm_overfit_set_pq(o, 0.0, 2));
    ck_assert_ok(trm_overfit_set_up(o, 1, 1));
    ck_assert_ok(trm_overfit_set_thresholds(o, NAN, NAN));
    ck_assert_ok(trm_overfit_set_trend(o, 4, 0.05));
    for (size_t t = 1; t <= 12; t++) {
        ck_assert_ok(trm_overfit_push(o, 1.0, 1.0));
        struct epoch_expect e = { t >= 6 ? TRM_FIT_PLATEAU : TRM_FIT_IMPROVING, 1,
                                  t >= 6 ? 2 : -1 };
        assert_epoch(o, t, &e);
    }
    ck_assert_uint_eq(trm_overfit_fired(o), TRM_CRIT_PATIENCE);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 6);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 6);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), -1);
    ck_assert_close(stat_of(o, TRM_STAT_GL), 0.0);
    ck_assert_close(stat_of(o, TRM_STAT_GAP), 0.0);
    ck_assert_close(stat_of(o, TRM_STAT_VAL_SLOPE), 0.0);
    trm_overfit_free(o);
}
END_TEST

/* Monotone: val strictly falls, so every epoch improves (PATIENCE 0 never holds),
 * GL = 0 throughout (PQ = 0 too), val never rises (UP_1 strip 1), the val MK
 * S is negative. The gap (.1 .2 .3 .3 .3 .33 .35 .36 .37 .375) widens, which
 * alone is no trend. Nothing fires. */
START_TEST(monotone_improving)
{
    static const double tr[] = { 1.9, 1.3, .9, .7, .6, .52, .47, .44, .42, .41 };
    static const double va[] = { 2.0, 1.5, 1.2, 1.0, .9, .85, .82, .80, .79, .785 };
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, ALL_CRITERIA_MASK));
    ck_assert_ok(trm_overfit_set_patience(o, 0, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_gl(o, 0.0));
    ck_assert_ok(trm_overfit_set_pq(o, 0.0, 2));
    ck_assert_ok(trm_overfit_set_up(o, 1, 1));
    ck_assert_ok(trm_overfit_set_thresholds(o, NAN, NAN));
    ck_assert_ok(trm_overfit_set_trend(o, 4, 0.05));
    for (size_t t = 1; t <= N_ELEMS(va); t++) {
        push_all(o, tr + t - 1, va + t - 1, 1);
        struct epoch_expect e = { TRM_FIT_IMPROVING, (int64_t)t, -1 };
        assert_epoch(o, t, &e);
        ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    }
    ck_assert_uint_eq(trm_overfit_fired(o), 0);
    for (size_t i = 0; i < N_ELEMS(ALL_CRITERIA); i++)
        ck_assert_int_eq(trm_overfit_first_fire(o, ALL_CRITERIA[i]), -1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_close(trm_overfit_best_value(o), 0.785);
    ck_assert_close(stat_of(o, TRM_STAT_GL), 0.0);
    /* Last window 7..10: .82 .80 .79 .785, S = -6, Z = -5/sqrt(4*3*13/18) < 0. */
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), -5.0 / sqrt(156.0 / 18.0), 1e-9);
    trm_overfit_free(o);
}
END_TEST

/* Noisy U (window 8, alpha 0.05; best .68 at epoch 8):
 *   end 12: val 5..12 S = 12, ties .71 (5, 9) and .70 (7, 10):
 *           Var = (1176 - 18 - 18)/18 = 63.333, Z = 11/7.958 = 1.3822, p 0.083 -> no
 *   end 13: val 6..13 = .69 .70 .68 .71 .70 .73 .75 .74: per j 0, 1, -2, 3, 1, 5,
 *           6, 5 -> S = 19; one tie (.70) -> Var = 64.333, Z = 2.2442, p 0.0124;
 *           gap .03 .07 .08 .15 .14 .185 .22 .22 -> S = 27 with one tie, p < 0.001;
 *           train falls (S = -28) -> TREND holds
 * and it keeps holding to epoch 18 (ends 14..18: val p 0.0063, 0.0022, 0.0047,
 * 0.0022, 0.0022). PATIENCE 5 holds from 13 too (8 + 5). Verdict OVERFITTING
 * from 13, onset 8 + 1 = 9. */
START_TEST(noisy_u_overfitting)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_TREND));
    ck_assert_ok(trm_overfit_set_patience(o, 5, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));
    for (size_t t = 1; t <= U_N; t++) {
        push_all(o, U_TRAIN + t - 1, U_VAL + t - 1, 1);
        int64_t best = t <= 6 ? (int64_t)t : t == 7 ? 6 : 8;
        struct epoch_expect e = { t >= 13 ? TRM_FIT_OVERFITTING : TRM_FIT_IMPROVING, best,
                                  t >= 13 ? 9 : -1 };
        assert_epoch(o, t, &e);
        ck_assert_int_eq(trm_overfit_should_stop(o), t >= 13);
        if (t == 13) {
            ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 18.0 / sqrt(1158.0 / 18.0), 1e-9);
            ck_assert_near(stat_of(o, TRM_STAT_TREND_P), 0.012411, 1e-6);
        }
    }
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), 13);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 13);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 13);
    trm_overfit_free(o);
}
END_TEST

/* Double descent. Up to 16 as the noisy U (OVERFITTING from 13, onset 9).
 *   end 17: val 10..17 = .70 .73 .75 .74 .78 .80 .79 .76 (no ties), S = 18,
 *           Z = 17/8.083 = 2.1032, p 0.0177; gap p 0.0042 -> holds
 *   end 18: val 11..18 S = 4, p 0.355 -> no trend; PATIENCE (wait 10) -> PLATEAU
 *   end 19: .69 still above .68 -> PLATEAU
 *   end 20: .66 < .68 -> new best 20: IMPROVING, onset -1
 *   21..28: every epoch a new best, val S < 0 in every window -> IMPROVING.
 * The history of firings stays: TREND and PATIENCE first fired at 13. */
START_TEST(double_descent)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_TREND));
    ck_assert_ok(trm_overfit_set_patience(o, 5, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));
    for (size_t t = 1; t <= DD_N; t++) {
        push_all(o, DD_TRAIN + t - 1, DD_VAL + t - 1, 1);
        struct epoch_expect e = { TRM_FIT_IMPROVING, 0, -1 };
        e.best = t <= 6 ? (int64_t)t : t == 7 ? 6 : t <= 19 ? 8 : (int64_t)t;
        if (t >= 13 && t <= 17)
            e.verdict = TRM_FIT_OVERFITTING;
        else if (t == 18 || t == 19)
            e.verdict = TRM_FIT_PLATEAU;
        if (t >= 13 && t <= 19)
            e.onset = 9;
        assert_epoch(o, t, &e);
    }
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), 13);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 13);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 13);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    ck_assert_close(trm_overfit_best_value(o), 0.55);
    /* Last window 21..28 = .64 .62 .60 .59 .58 .57 .56 .55: S = -28, Z = -3.3404. */
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), -27.0 / sqrt(1176.0 / 18.0), 1e-9);
    trm_overfit_free(o);
}
END_TEST

/* Ties inside the window: val 1 2 2 3 3 3 4 5. Per j, sum of signs: 0, 1, 1, 3,
 * 3, 3, 6, 7 -> S = 24. Ties: one pair, one triple ->
 * Var = (8*7*21 - 2*1*9 - 3*2*11)/18 = (1176 - 18 - 66)/18 = 60.667,
 * Z = 23/sqrt(60.667) = 2.9529, p = 0.001574. Theil-Sen: of the 28 pairwise
 * slopes, 4 are 0 and the median is 0.5. Train 2.0 1.9 .. 1.3 falls by 0.1, so
 * the gap slopes are the val slopes + 0.1: gap median 0.6. TREND holds. */
START_TEST(trend_tie_correction)
{
    static const double va[] = { 1, 2, 2, 3, 3, 3, 4, 5 };
    static const double tr[] = { 2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4, 1.3 };
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));
    push_all(o, tr, va, 8);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 23.0 / sqrt(1092.0 / 18.0), 1e-9);
    ck_assert_near(stat_of(o, TRM_STAT_TREND_P), 0.0015739, 1e-7);
    ck_assert_near(stat_of(o, TRM_STAT_VAL_SLOPE), 0.5, 1e-12);
    ck_assert_near(stat_of(o, TRM_STAT_GAP_SLOPE), 0.6, 1e-12);
    ck_assert_uint_eq(trm_overfit_fired(o) & TRM_CRIT_TREND, TRM_CRIT_TREND);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_OVERFITTING);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 2); /* best epoch 1 */
    trm_overfit_free(o);
}
END_TEST

/* Validation rising and the gap widening, but training rising significantly
 * too (S = 28, p = 0.0004 < 0.05): that is no overfitting, TREND must not hold.
 * The same val with falling train does give TREND, at epoch 8: the test runs
 * over the last `window` epochs, so it needs 8 of them (over the first 4 alone
 * S = 6, Z = 5/2.944 = 1.698, p = 0.045 would already be below 0.05). */
START_TEST(trend_needs_training_not_worse)
{
    static const double va[] = { 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7 };
    static const double tr_up[] = { 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85 };
    static const double tr_down[] = { 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15 };
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));
    push_all(o, tr_up, va, 8);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), -1);
    ck_assert_int_ne(trm_overfit_verdict(o), TRM_FIT_OVERFITTING);
    /* The val statistics are reported all the same: S = 28, Z = 27/8.083. */
    ck_assert_near(stat_of(o, TRM_STAT_TREND_Z), 27.0 / sqrt(1176.0 / 18.0), 1e-9);
    ck_assert_near(stat_of(o, TRM_STAT_VAL_SLOPE), 0.1, 1e-12);
    ck_assert_near(stat_of(o, TRM_STAT_GAP_SLOPE), 0.05, 1e-12);
    trm_overfit_reset(o);
    push_all(o, tr_down, va, 8);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), 8);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_OVERFITTING);
    trm_overfit_free(o);
}
END_TEST

/* THRESHOLD 0.5: val 1.0, 0.75, 0.5 (exactly at it: no), 0.25 (fires at 4).
 * A stop threshold is not a divergence: the verdict stays IMPROVING. */
START_TEST(threshold_strict)
{
    static const double tr[] = { 0.9, 0.7, 0.45, 0.2 };
    static const double va[] = { 1.0, 0.75, 0.5, 0.25 };
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_THRESHOLD));
    ck_assert_ok(trm_overfit_set_thresholds(o, 0.5, 2.0));
    push_all(o, tr, va, 3);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_THRESHOLD), -1);
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    push_all(o, tr + 3, va + 3, 1);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_THRESHOLD), 4);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 4);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_IMPROVING);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), -1);
    ck_assert_uint_eq(trm_overfit_fired(o), TRM_CRIT_THRESHOLD);
    trm_overfit_free(o);
}
END_TEST

/* DIVERGENCE 2.0: val 1.0, 1.5, 2.0 (exactly at it: no), 2.5 (fires at 4) ->
 * DIVERGED, onset = best 1 + 1 = 2. DIVERGED stays once fired; when a new best
 * arrives (0.9 at 5) the onset is -1 because best_epoch = n_epochs. */
START_TEST(divergence_strict_and_sticky)
{
    static const double tr[] = { 0.9, 0.8, 0.7, 0.6, 0.5 };
    static const double va[] = { 1.0, 1.5, 2.0, 2.5, 0.9 };
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_DIVERGENCE));
    ck_assert_ok(trm_overfit_set_thresholds(o, 0.5, 2.0));
    push_all(o, tr, va, 3);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), -1);
    ck_assert_int_ne(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    push_all(o, tr + 3, va + 3, 1);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), 4);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 4);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 1);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 2);
    push_all(o, tr + 4, va + 4, 1);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 5);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), -1);

    /* NaN turns both thresholds off (re-evaluated): nothing fires any more. */
    ck_assert_ok(trm_overfit_set_thresholds(o, NAN, NAN));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_THRESHOLD), -1);
    ck_assert_int_ne(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_ok(trm_overfit_push(o, 0.4, 1e300));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), -1);
    trm_overfit_free(o);
}
END_TEST

/* Warm-up 5, PATIENCE 0: val 1.0 .9 .95 .8 .7 .6 .65 .5 holds at 3 (in the
 * warm-up: recorded, no stop) and at 7 (the first stop after the warm-up). */
START_TEST(warmup)
{
    static const double va[] = { 1.0, 0.9, 0.95, 0.8, 0.7, 0.6, 0.65, 0.5 };
    static const double tr[] = { 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2 };
    trm_overfit *o = make();
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_WARMUP); /* no epoch yet */
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
    ck_assert_ok(trm_overfit_set_patience(o, 0, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 5));
    for (size_t t = 1; t <= 5; t++) {
        push_all(o, tr + t - 1, va + t - 1, 1);
        ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_WARMUP);
        ck_assert_int_eq(trm_overfit_should_stop(o), 0);
        ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
        ck_assert_int_eq(trm_overfit_onset_epoch(o), -1);
    }
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 3);
    ck_assert_uint_eq(trm_overfit_fired(o) & TRM_CRIT_PATIENCE, TRM_CRIT_PATIENCE);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 5);

    push_all(o, tr + 5, va + 5, 1);
    struct epoch_expect e6 = { TRM_FIT_IMPROVING, 6, -1 };
    assert_epoch(o, 6, &e6);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    push_all(o, tr + 6, va + 6, 1);
    struct epoch_expect e7 = { TRM_FIT_PLATEAU, 6, 7 };
    assert_epoch(o, 7, &e7);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    push_all(o, tr + 7, va + 7, 1);
    struct epoch_expect e8 = { TRM_FIT_IMPROVING, 8, -1 };
    assert_epoch(o, 8, &e8);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 7);

    /* Without warm-up (re-evaluated) the stop is the first firing, 3. */
    ck_assert_ok(trm_overfit_set_warmup(o, 0));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 3);
    /* Warm-up 8 covers every epoch. */
    ck_assert_ok(trm_overfit_set_warmup(o, 8));
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_WARMUP);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 3);
    trm_overfit_free(o);

    /* A criterion that holds through the end of the warm-up stops at the first
     * epoch after it: flat curve, patience 0 holds from 2 on; warm-up 5 -> 6. */
    o = make();
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
    ck_assert_ok(trm_overfit_set_patience(o, 0, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_warmup(o, 5));
    for (int t = 1; t <= 7; t++)
        ck_assert_ok(trm_overfit_push(o, 1.0, 1.0));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 2);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 6);
    trm_overfit_free(o);
}
END_TEST

/* MAX mode mirrors MIN: the negated example in MAX mode gives the same epochs for
 * everything but GL/PQ, whose ratios have a negative denominator there (NaN, no
 * firing). Hand values (see the MIN tests): PATIENCE 3 / 0.004 -> 12, best 9
 * (-0.565); UP_1 strip 5 -> 15; THRESHOLD (val better than -0.59, i.e. above) at
 * 6 (-0.58); DIVERGENCE at -1.05 never (the worst value, -1.05 at epoch 1, is
 * equal, not worse); TREND at 14 with Z(20) = 2.8455, so OVERFITTING at 20 with
 * onset 10. A divergence threshold of -1.0 fires at epoch 1 -> DIVERGED. */
static trm_overfit *mirror_detector(int mode, double sign)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_mode(o, mode));
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
    ck_assert_ok(trm_overfit_set_patience(o, 3, 0.004, 0.0));
    ck_assert_ok(trm_overfit_set_gl(o, 0.0));
    ck_assert_ok(trm_overfit_set_pq(o, 0.0, 5));
    ck_assert_ok(trm_overfit_set_up(o, 1, 5));
    ck_assert_ok(trm_overfit_set_thresholds(o, sign * 0.59, sign * 1.05));
    ck_assert_ok(trm_overfit_set_trend(o, 8, 0.05));
    return o;
}

START_TEST(max_mode_mirrors_min)
{
    double ntr[EX_N], nva[EX_N];
    negate(EX_TRAIN, ntr, EX_N);
    negate(EX_VAL, nva, EX_N);
    trm_overfit *mn = mirror_detector(TRM_MODE_MIN, 1.0);
    trm_overfit *mx = mirror_detector(TRM_MODE_MAX, -1.0);
    const uint32_t ratio = TRM_CRIT_GL | TRM_CRIT_PQ;
    for (size_t t = 1; t <= EX_N; t++) {
        push_all(mn, EX_TRAIN + t - 1, EX_VAL + t - 1, 1);
        push_all(mx, ntr + t - 1, nva + t - 1, 1);
        ck_assert_int_eq(trm_overfit_verdict(mx), trm_overfit_verdict(mn));
        ck_assert_int_eq(trm_overfit_should_stop(mx), trm_overfit_should_stop(mn));
        ck_assert_int_eq(trm_overfit_best_epoch(mx), trm_overfit_best_epoch(mn));
        ck_assert_close(trm_overfit_best_value(mx), -trm_overfit_best_value(mn));
        ck_assert_int_eq(trm_overfit_onset_epoch(mx), trm_overfit_onset_epoch(mn));
        ck_assert_int_eq(trm_overfit_stop_epoch(mx), trm_overfit_stop_epoch(mn));
        ck_assert_uint_eq(trm_overfit_fired(mx) & ~ratio, trm_overfit_fired(mn) & ~ratio);
        ck_assert_uint_eq(trm_overfit_fired(mx) & ratio, 0);
        for (size_t i = 0; i < N_ELEMS(ALL_CRITERIA); i++)
            if (!(ALL_CRITERIA[i] & ratio))
                ck_assert_int_eq(trm_overfit_first_fire(mx, ALL_CRITERIA[i]),
                                 trm_overfit_first_fire(mn, ALL_CRITERIA[i]));
        ck_assert(isnan(stat_of(mx, TRM_STAT_GL)));
    }
    ck_assert_int_eq(trm_overfit_stop_epoch(mx), 12);
    ck_assert_int_eq(trm_overfit_best_epoch(mx), 9);
    ck_assert_close(trm_overfit_best_value(mx), -0.565);
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_UP), 15);
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_THRESHOLD), 6);
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_DIVERGENCE), -1);
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_TREND), 14);
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_GL), -1);
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_PQ), -1);
    ck_assert_int_eq(trm_overfit_verdict(mx), TRM_FIT_OVERFITTING);
    ck_assert_int_eq(trm_overfit_onset_epoch(mx), 10);
    ck_assert_near(stat_of(mx, TRM_STAT_TREND_Z), 2.8455, 1e-4);
    ck_assert_near(stat_of(mx, TRM_STAT_TREND_P), 0.002217, 1e-6);
    ck_assert(isnan(stat_of(mx, TRM_STAT_PROGRESS)));
    ck_assert(isnan(stat_of(mx, TRM_STAT_PQ)));
    /* Divergence threshold -1.0: -1.05 at epoch 1 is worse (below) -> DIVERGED. */
    ck_assert_ok(trm_overfit_set_thresholds(mx, -0.59, -1.0));
    ck_assert_int_eq(trm_overfit_first_fire(mx, TRM_CRIT_DIVERGENCE), 1);
    ck_assert_int_eq(trm_overfit_verdict(mx), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_onset_epoch(mx), 10);
    /* Switching the negated history to MIN re-evaluates: the best is now the
     * smallest value, -1.05 at epoch 1. */
    ck_assert_ok(trm_overfit_set_mode(mx, TRM_MODE_MIN));
    ck_assert_int_eq(trm_overfit_best_epoch(mx), 1);
    ck_assert_close(trm_overfit_best_value(mx), -1.05);
    trm_overfit_free(mn);
    trm_overfit_free(mx);
}
END_TEST

/* Patience margins max(abs, rel * |ref|) with dyadic values (exact in binary),
 * PATIENCE 0, so the stop is the first epoch that does not improve:
 *   rel .25, 2.0 -> 1.5: needs < 2 - .5 = 1.5, equal is no improvement -> 2
 *   rel .25, 2.0 -> 1.25 (< 1.5, ref 1.25) -> 1.0: needs < 1.25 - .3125 -> 3
 *   abs .75 rel .25, 2.0 -> 1.25: margin max(.75, .5) = .75, needs < 1.25 -> 2
 *   abs .25 rel .25, 2.0 -> 1.25: margin max(.25, .5) = .5 -> improves -> none
 *   rel .25, -1.0 -> -1.25: |ref| = 1, needs < -1.25 -> 2
 *   rel .25, -1.0 -> -1.5 -> improves -> none
 * MAX mode with every value negated stops at the same epochs. */
static const struct {
    double val[3];
    size_t n;
    double abs_delta, rel_delta;
    int64_t stop;
} rel_table[] = {
    { { 2.0, 1.5 }, 2, 0.0, 0.25, 2 },        { { 2.0, 1.25, 1.0 }, 3, 0.0, 0.25, 3 },
    { { 2.0, 1.25 }, 2, 0.75, 0.25, 2 },      { { 2.0, 1.25 }, 2, 0.25, 0.25, -1 },
    { { -1.0, -1.25 }, 2, 0.0, 0.25, 2 },     { { -1.0, -1.5 }, 2, 0.0, 0.25, -1 },
    { { 2.0, 1.25, 0.9375 }, 3, 0.0, 0.25, 3 }, /* 0.9375 = 1.25 - .3125 exactly: no */
};

START_TEST(min_delta_rel)
{
    for (int mode = TRM_MODE_MIN; mode <= TRM_MODE_MAX; mode++) {
        double sign = mode == TRM_MODE_MIN ? 1.0 : -1.0;
        trm_overfit *o = make();
        ck_assert_ok(trm_overfit_set_mode(o, mode));
        ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_PATIENCE));
        ck_assert_ok(trm_overfit_set_patience(o, 0, rel_table[_i].abs_delta,
                                              rel_table[_i].rel_delta));
        for (size_t t = 0; t < rel_table[_i].n; t++)
            ck_assert_ok(trm_overfit_push(o, 0.0, sign * rel_table[_i].val[t]));
        ck_assert_msg(trm_overfit_stop_epoch(o) == rel_table[_i].stop,
                      "mode %d: stop %" PRId64 ", expected %" PRId64, mode,
                      trm_overfit_stop_epoch(o), rel_table[_i].stop);
        /* The best epoch is the true optimum, margins or not: the last epoch. */
        ck_assert_int_eq(trm_overfit_best_epoch(o), (int64_t)rel_table[_i].n);
        trm_overfit_free(o);
    }
}
END_TEST

/* rel .25 with 2.0 -> 1.5: PATIENCE 0 holds at 2, the verdict is PLATEAU, but the
 * best epoch is 2 (1.5 < 2.0) = n_epochs, so there is no onset yet. */
START_TEST(onset_needs_epochs_after_best)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_patience(o, 0, 0.0, 0.25));
    ck_assert_ok(trm_overfit_push(o, 0.0, 2.0));
    ck_assert_ok(trm_overfit_push(o, 0.0, 1.5));
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_PLATEAU);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), -1);
    /* 1.75: still no improvement (needs < 1.5), best stays 2 -> onset 3. */
    ck_assert_ok(trm_overfit_push(o, 0.0, 1.75));
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_PLATEAU);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 3);
    trm_overfit_free(o);
}
END_TEST

/* Changing options after pushes is the same as setting them first. */
START_TEST(options_reevaluate_history)
{
    trm_overfit *late = make();
    push_all(late, EX_TRAIN, EX_VAL, EX_N);
    ck_assert_ok(trm_overfit_set_criteria(late, TRM_CRIT_GL));
    ck_assert_ok(trm_overfit_set_gl(late, 5.0));
    ck_assert_int_eq(trm_overfit_stop_epoch(late), 13);
    ck_assert_ok(trm_overfit_set_gl(late, 1.0));
    ck_assert_int_eq(trm_overfit_stop_epoch(late), 11);
    ck_assert_ok(trm_overfit_set_up(late, 2, 5));
    ck_assert_ok(trm_overfit_set_criteria(late, TRM_CRIT_UP));
    ck_assert_int_eq(trm_overfit_stop_epoch(late), 20);
    ck_assert_ok(trm_overfit_set_mode(late, TRM_MODE_MAX));
    /* MAX on the losses: the best is the largest, 1.05 at epoch 1. */
    ck_assert_int_eq(trm_overfit_best_epoch(late), 1);
    ck_assert_ok(trm_overfit_set_mode(late, TRM_MODE_MIN));
    ck_assert_int_eq(trm_overfit_best_epoch(late), 9);

    trm_overfit *early = make();
    ck_assert_ok(trm_overfit_set_gl(early, 1.0));
    ck_assert_ok(trm_overfit_set_up(early, 2, 5));
    ck_assert_ok(trm_overfit_set_criteria(early, TRM_CRIT_UP));
    push_all(early, EX_TRAIN, EX_VAL, EX_N);
    assert_same(early, late);
    trm_overfit_free(early);
    trm_overfit_free(late);
}
END_TEST

/* ==== 3. non-finite values ========================================================== */

START_TEST(nonfinite_nan_val)
{
    static const double tr[] = { 0.9, 0.7, 0.6, 0.5 };
    static const double va[] = { 1.0, 0.8, NAN, 0.7 };
    trm_overfit *o = make(); /* DEFAULT selects NONFINITE */
    push_all(o, tr, va, 2);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_IMPROVING);
    ck_assert_ok(trm_overfit_push(o, tr[2], va[2])); /* NaN: recorded, TRM_OK */
    ck_assert_uint_eq(trm_overfit_n_epochs(o), 3);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), 3);
    ck_assert_uint_eq(trm_overfit_fired(o) & TRM_CRIT_NONFINITE, TRM_CRIT_NONFINITE);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 2);
    ck_assert_close(trm_overfit_best_value(o), 0.8);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 3);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 3);
    double ht[3], hv[3];
    ck_assert_ok(trm_overfit_history(o, ht, hv));
    ck_assert_close(hv[0], 1.0);
    ck_assert_close(hv[1], 0.8);
    ck_assert(isnan(hv[2]));
    ck_assert_close(ht[2], 0.6);

    /* Later finite epochs: still DIVERGED, the best moves on (0.7 at 4). */
    ck_assert_ok(trm_overfit_push(o, tr[3], va[3]));
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 4);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), -1); /* best = n_epochs */
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), 3);
    trm_overfit_free(o);
}
END_TEST

START_TEST(nonfinite_push_many)
{
    static const double tr[] = { 0.9, 0.8, 0.7, 0.6, 0.5 };
    static const double va[] = { 1.0, 0.9, NAN, 0.95, 0.85 };
    trm_overfit *many = make(), *one = make();
    ck_assert_ok(trm_overfit_push_many(many, tr, va, 5));
    push_all(one, tr, va, 5);
    ck_assert_uint_eq(trm_overfit_n_epochs(many), 5);
    double ht[5], hv[5];
    ck_assert_ok(trm_overfit_history(many, ht, hv));
    for (size_t i = 0; i < 5; i++) {
        ck_assert(same_double(ht[i], tr[i]));
        ck_assert(same_double(hv[i], va[i]));
    }
    ck_assert_int_eq(trm_overfit_first_fire(many, TRM_CRIT_NONFINITE), 3);
    ck_assert_int_eq(trm_overfit_best_epoch(many), 5);
    ck_assert_int_eq(trm_overfit_verdict(many), TRM_FIT_DIVERGED);
    assert_same(one, many);
    trm_overfit_free(many);
    trm_overfit_free(one);
}
END_TEST

/* A non-finite train value fires as well; -Inf and +Inf never become best. */
START_TEST(nonfinite_inf)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_push(o, 0.9, 1.0));
    ck_assert_ok(trm_overfit_push(o, INFINITY, 1.1));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), 2);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 1);
    trm_overfit_free(o);

    o = make();
    ck_assert_ok(trm_overfit_push(o, 0.9, 1.0));
    ck_assert_ok(trm_overfit_push(o, 0.8, -INFINITY));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), 2);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 1);
    ck_assert_close(trm_overfit_best_value(o), 1.0);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 2);
    trm_overfit_free(o);

    o = make();
    ck_assert_ok(trm_overfit_set_mode(o, TRM_MODE_MAX));
    ck_assert_ok(trm_overfit_push(o, -0.5, 0.5));
    ck_assert_ok(trm_overfit_push(o, NAN, INFINITY));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), 2);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 1);
    ck_assert_close(trm_overfit_best_value(o), 0.5);
    trm_overfit_free(o);

    /* Only non-finite values: no best at all. */
    o = make();
    ck_assert_ok(trm_overfit_push(o, NAN, NAN));
    ck_assert_int_eq(trm_overfit_best_epoch(o), -1);
    ck_assert(isnan(trm_overfit_best_value(o)));
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), 1);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_DIVERGED);
    trm_overfit_free(o);
}
END_TEST

/* ==== 4. presets ==================================================================== */

static int64_t preset_stop_on_example(int preset)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_preset(o, preset));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    int64_t stop = trm_overfit_stop_epoch(o);
    ck_assert_int_eq(trm_overfit_should_stop(o), stop > 0);
    trm_overfit_free(o);
    return stop;
}

/* Stop epochs on the worked example (hand values from section 1):
 *   DEFAULT: PATIENCE 5 -> 14, TREND (8, 0.05) -> 14 => 14
 *   KERAS: patience 0 -> 8          LIGHTNING: patience 3 -> 12
 *   PRECHELT_GL (5) -> 13   PRECHELT_PQ (0.5, 5) -> 15   PRECHELT_UP (3, 5) -> never */
START_TEST(presets_on_example)
{
    ck_assert_int_eq(preset_stop_on_example(TRM_PRESET_DEFAULT), 14);
    ck_assert_int_eq(preset_stop_on_example(TRM_PRESET_KERAS), 8);
    ck_assert_int_eq(preset_stop_on_example(TRM_PRESET_LIGHTNING), 12);
    ck_assert_int_eq(preset_stop_on_example(TRM_PRESET_PRECHELT_GL), 13);
    ck_assert_int_eq(preset_stop_on_example(TRM_PRESET_PRECHELT_PQ), 15);
    ck_assert_int_eq(preset_stop_on_example(TRM_PRESET_PRECHELT_UP), -1);

    /* The Prechelt presets track their criterion with their parameters. */
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_PRECHELT_UP));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_UP), -1);
    trm_overfit_free(o);
    o = make();
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_PRECHELT_PQ));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PQ), 15);
    ck_assert_near(stat_of(o, TRM_STAT_PROGRESS), 3.9 / 1.4315, 1e-9);
    trm_overfit_free(o);
}
END_TEST

START_TEST(preset_default_is_new)
{
    /* new() gives DEFAULT in MIN mode: same blob as an explicit preset. */
    trm_overfit *a = make(), *b = make();
    ck_assert_ok(trm_overfit_set_patience(b, 1, 0.5, 0.5));
    ck_assert_ok(trm_overfit_set_criteria(b, TRM_CRIT_GL));
    ck_assert_ok(trm_overfit_set_warmup(b, 4));
    ck_assert_ok(trm_overfit_preset(b, TRM_PRESET_DEFAULT));
    size_t sa = 0, sb = 0;
    uint8_t *ba = snapshot_overfit(a, &sa), *bb = snapshot_overfit(b, &sb);
    ck_assert_uint_eq(sa, sb);
    ck_assert_mem_eq(ba, bb, sa);
    free(ba);
    free(bb);

    /* DEFAULT stops on a non-finite value (NONFINITE selected). */
    ck_assert_ok(trm_overfit_push(a, 0.9, 1.0));
    ck_assert_ok(trm_overfit_push(a, 0.8, 0.9));
    ck_assert_ok(trm_overfit_push(a, 0.7, NAN));
    ck_assert_int_eq(trm_overfit_stop_epoch(a), 3);
    trm_overfit_free(a);
    trm_overfit_free(b);
}
END_TEST

/* Lightning: patience 3 (stop 12, best 9 on the example, as Keras with patience
 * 3), a NaN stops at once (check_finite), and its thresholds are selected. */
START_TEST(preset_lightning)
{
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_LIGHTNING));
    push_all(o, EX_TRAIN, EX_VAL, 12);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 12);
    ck_assert_int_eq(trm_overfit_best_epoch(o), 9);
    /* Patience 2 would have fired at 11, 4 at 13: it is 3. */
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 12);

    /* Thresholds are off by default (Lightning's None) but selected: a stopping
     * threshold 0.59 stops at 6 (0.58), a divergence threshold 1.0 at 1 (1.05). */
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_THRESHOLD), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), -1);
    ck_assert_ok(trm_overfit_set_thresholds(o, 0.59, NAN));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 6);
    ck_assert_ok(trm_overfit_set_thresholds(o, NAN, 1.0));
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 1);
    trm_overfit_free(o);

    /* NaN at epoch 4 stops although patience 3 is far from exhausted. */
    static const double tr[] = { 1.0, 0.9, 0.8, 0.7 };
    static const double va[] = { 1.0, 0.9, 0.8, NAN };
    o = make();
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_LIGHTNING));
    push_all(o, tr, va, 4);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 4);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    trm_overfit_free(o);

    /* Keras (patience only) does not select NONFINITE or the thresholds:
     * DEFAULT's thresholds do not stop either. */
    o = make();
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_KERAS));
    ck_assert_ok(trm_overfit_set_thresholds(o, 0.59, 1.0));
    push_all(o, EX_TRAIN, EX_VAL, 7);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_THRESHOLD), 6);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), 1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    trm_overfit_free(o);
}
END_TEST

START_TEST(preset_keeps_mode_and_needs_no_epochs)
{
    double ntr[EX_N], nva[EX_N];
    negate(EX_TRAIN, ntr, EX_N);
    negate(EX_VAL, nva, EX_N);
    trm_overfit *o = make();
    ck_assert_ok(trm_overfit_set_mode(o, TRM_MODE_MAX));
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_KERAS));
    push_all(o, ntr, nva, EX_N);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 8); /* mirrored Keras */
    ck_assert_int_eq(trm_overfit_best_epoch(o), 9);

    for (int p = TRM_PRESET_DEFAULT; p <= TRM_PRESET_PRECHELT_UP; p++)
        ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_preset(o, p));

    /* After a reset there are no epochs again. */
    trm_overfit_reset(o);
    ck_assert_ok(trm_overfit_preset(o, TRM_PRESET_PRECHELT_GL));
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    /* MAX kept: on positive losses in MAX mode the best is 1.05 at epoch 1. */
    ck_assert_int_eq(trm_overfit_best_epoch(o), 1);
    trm_overfit_free(o);
}
END_TEST

/* ==== 5. serialization, clone, reset ================================================ */

/* Non-default options whose effect on the example is known by hand:
 *   criteria GL|UP|THRESHOLD, warm-up 7
 *   THRESHOLD 0.59: val < .59 at 6, 7, 8, 9, 10, 11 -> first 6; first after the
 *     warm-up 8 -> stop 8
 *   GL 3 -> 12; UP 2 strip 5 -> 20; PQ 0.5 strip 5 -> 15
 *   PATIENCE 2, abs .001, rel .01: margins 1% of ref; .575 and .565 (needs
 *     < .57 - .0057 = .5643) do not improve -> holds at 9
 *   TREND window 6, alpha 0.1: end 12 val 7..12 = .57 .575 .565 .57 .58 .585,
 *     S = 8, one tie: Var = (6*5*17 - 18)/18 = 27.333, Z = 7/5.228 = 1.3389,
 *     p 0.0903 < 0.1 (end 11: S = -1 -> no) -> 12
 *   DIVERGENCE 2.0 -> never */
static void set_custom_options(trm_overfit *o)
{
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_CRIT_GL | TRM_CRIT_UP | TRM_CRIT_THRESHOLD));
    ck_assert_ok(trm_overfit_set_patience(o, 2, 0.001, 0.01));
    ck_assert_ok(trm_overfit_set_gl(o, 3.0));
    ck_assert_ok(trm_overfit_set_pq(o, 0.5, 5));
    ck_assert_ok(trm_overfit_set_up(o, 2, 5));
    ck_assert_ok(trm_overfit_set_thresholds(o, 0.59, 2.0));
    ck_assert_ok(trm_overfit_set_trend(o, 6, 0.1));
    ck_assert_ok(trm_overfit_set_warmup(o, 7));
}

static void assert_custom_results(const trm_overfit *o)
{
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 8);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_THRESHOLD), 6);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_GL), 12);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_UP), 20);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PQ), 15);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 9);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_TREND), 12);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_DIVERGENCE), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_NONFINITE), -1);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_OVERFITTING);
    ck_assert_int_eq(trm_overfit_onset_epoch(o), 10);
}

static trm_overfit *reload(const trm_overfit *o)
{
    size_t size = 0;
    uint8_t *blob = snapshot_overfit(o, &size);
    trm_overfit *back = UNTOUCHED;
    ck_assert_ok(trm_overfit_deserialize(&back, blob, size, NULL));
    ck_assert_ptr_ne(back, UNTOUCHED);
    ck_assert_ptr_nonnull(back);
    free(blob);
    return back;
}

START_TEST(serialize_resume)
{
    for (int custom = 0; custom <= 1; custom++) {
        trm_overfit *whole = make(), *first = make();
        if (custom) {
            set_custom_options(whole);
            set_custom_options(first);
        }
        push_all(whole, EX_TRAIN, EX_VAL, EX_N);
        push_all(first, EX_TRAIN, EX_VAL, 10);
        trm_overfit *resumed = reload(first);
        assert_same(first, resumed);
        push_all(resumed, EX_TRAIN + 10, EX_VAL + 10, EX_N - 10);
        assert_same(whole, resumed);
        if (custom)
            assert_custom_results(resumed);
        else {
            ck_assert_int_eq(trm_overfit_verdict(resumed), TRM_FIT_OVERFITTING);
            ck_assert_int_eq(trm_overfit_stop_epoch(resumed), 14);
        }
        trm_overfit_free(whole);
        trm_overfit_free(first);
        trm_overfit_free(resumed);
    }
}
END_TEST

START_TEST(serialize_options_round_trip)
{
    trm_overfit *o = make();
    set_custom_options(o);
    trm_overfit *back = reload(o); /* no epochs: only the options travel */
    assert_same(o, back);
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    push_all(back, EX_TRAIN, EX_VAL, EX_N);
    assert_custom_results(back);
    assert_same(o, back);
    trm_overfit_free(o);
    trm_overfit_free(back);

    /* MAX mode travels too: the negated example, PATIENCE 3 / 0.004 -> 12. */
    double ntr[EX_N], nva[EX_N];
    negate(EX_TRAIN, ntr, EX_N);
    negate(EX_VAL, nva, EX_N);
    o = mirror_detector(TRM_MODE_MAX, -1.0);
    back = reload(o);
    push_all(back, ntr, nva, EX_N);
    ck_assert_int_eq(trm_overfit_stop_epoch(back), 12);
    ck_assert_int_eq(trm_overfit_best_epoch(back), 9);
    ck_assert_int_eq(trm_overfit_first_fire(back, TRM_CRIT_THRESHOLD), 6);
    trm_overfit_free(o);
    trm_overfit_free(back);
}
END_TEST

START_TEST(serialize_nonfinite_history)
{
    static const double tr[] = { 0.9, INFINITY, 0.7, NAN };
    static const double va[] = { 1.0, 0.8, -INFINITY, 0.6 };
    trm_overfit *o = make();
    push_all(o, tr, va, 4);
    trm_overfit *back = reload(o);
    assert_same(o, back);
    ck_assert_int_eq(trm_overfit_first_fire(back, TRM_CRIT_NONFINITE), 2);
    trm_overfit_free(o);
    trm_overfit_free(back);
}
END_TEST

START_TEST(clone_resume)
{
    trm_overfit *whole = make(), *first = make();
    set_custom_options(whole);
    set_custom_options(first);
    push_all(whole, EX_TRAIN, EX_VAL, EX_N);
    push_all(first, EX_TRAIN, EX_VAL, 10);
    size_t before_size = 0;
    uint8_t *before = snapshot_overfit(first, &before_size);

    trm_overfit *copy = UNTOUCHED;
    ck_assert_ok(trm_overfit_clone(&copy, first));
    ck_assert_ptr_ne(copy, UNTOUCHED);
    assert_same(first, copy);
    push_all(copy, EX_TRAIN + 10, EX_VAL + 10, EX_N - 10);
    assert_same(whole, copy);
    assert_custom_results(copy);
    /* The original is independent of its copy. */
    assert_unchanged(first, before, before_size, "pushing into the clone");
    ck_assert_uint_eq(trm_overfit_n_epochs(first), 10);
    free(before);
    trm_overfit_free(whole);
    trm_overfit_free(first);
    trm_overfit_free(copy);
}
END_TEST

START_TEST(reset_keeps_options)
{
    trm_overfit *o = make(), *fresh = make();
    set_custom_options(o);
    set_custom_options(fresh);
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    trm_overfit_reset(o);
    ck_assert_uint_eq(trm_overfit_n_epochs(o), 0);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_WARMUP);
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_int_eq(trm_overfit_best_epoch(o), -1);
    ck_assert(isnan(trm_overfit_best_value(o)));
    ck_assert_int_eq(trm_overfit_onset_epoch(o), -1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_uint_eq(trm_overfit_fired(o), 0);
    double x = 42.0;
    ck_assert_fails(TRM_E_EMPTY, trm_overfit_statistic(o, TRM_STAT_GAP, &x));
    ck_assert(x == 42.0);
    assert_same(fresh, o);
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    assert_custom_results(o);
    trm_overfit_free(o);
    trm_overfit_free(fresh);
}
END_TEST

static int load(const uint8_t *blob, size_t size)
{
    trm_overfit *out = UNTOUCHED;
    int rc = trm_overfit_deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK)
        trm_overfit_free(out);
    else
        ck_assert_msg(out == UNTOUCHED, "a failing deserialize wrote *out");
    return rc;
}

/* A 3-epoch blob with every option changed: every truncation and every
 * single-byte change is refused (check-contract.c: the same with the defaults). */
START_TEST(serialize_every_damage_detected)
{
    trm_overfit *o = make();
    set_custom_options(o);
    push_all(o, EX_TRAIN, EX_VAL, 3);
    size_t size = 0;
    uint8_t *blob = snapshot_overfit(o, &size);
    ck_assert_every_damage_detected(blob, size, load);
    free(blob);
    trm_overfit_free(o);
}
END_TEST

/* ==== 6. explanation ================================================================ */

START_TEST(explain_protocol_and_text)
{
    enum { GUARD = 0x5a };
    trm_overfit *o = make(); /* DEFAULT: PATIENCE 5 and TREND fire at 14 */
    push_all(o, EX_TRAIN, EX_VAL, EX_N);
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_OVERFITTING);

    size_t need = 0;
    ck_assert_fails(TRM_E_BUFFER, trm_overfit_explain(o, NULL, 0, &need));
    ck_assert_uint_gt(need, 1);
    char *buf = malloc(need + 16);
    ck_assert_ptr_nonnull(buf);
    memset(buf, GUARD, need + 16);
    size_t size = 0;
    ck_assert_fails(TRM_E_BUFFER, trm_overfit_explain(o, buf, need - 1, &size));
    ck_assert_uint_eq(size, need);
    for (size_t i = 0; i < need + 16; i++)
        ck_assert_msg((unsigned char)buf[i] == GUARD, "byte %zu written on TRM_E_BUFFER", i);
    size = 0;
    ck_assert_ok(trm_overfit_explain(o, buf, need, &size));
    ck_assert_uint_eq(size, need);
    ck_assert_uint_eq(strlen(buf) + 1, need);
    for (size_t i = need; i < need + 16; i++)
        ck_assert_msg((unsigned char)buf[i] == GUARD, "byte %zu past cap written", i);

    ck_assert_msg(strstr(buf, "Overfitting") != NULL, "no state in: %s", buf);
    ck_assert_msg(strstr(buf, "epoch 10") != NULL, "no onset in: %s", buf);
    ck_assert_msg(strstr(buf, "epoch 9") != NULL, "no best epoch in: %s", buf);
    ck_assert_msg(strstr(buf, "0.565") != NULL, "no best value in: %s", buf);
    ck_assert_msg(contains_nocase(buf, "patience"), "PATIENCE not named in: %s", buf);
    ck_assert_msg(strstr(buf, "14") != NULL, "no firing epoch in: %s", buf);
    free(buf);

    /* A roomier buffer gets the same text. */
    char big[4096];
    ck_assert_ok(trm_overfit_explain(o, big, sizeof big, &size));
    ck_assert_uint_eq(size, need);
    char *again = explain(o);
    ck_assert_str_eq(big, again);
    free(again);
    trm_overfit_free(o);

    /* An empty detector still says something. */
    o = make();
    char *text = explain(o);
    ck_assert_uint_gt(strlen(text), 0);
    free(text);
    trm_overfit_free(o);
}
END_TEST

/* ==== 7. bad input ================================================================== */

/* new, clone, serialize, deserialize and the allocator: check-contract.c. */
START_TEST(bad_serialize_explain)
{
    trm_overfit *o = make();
    push_all(o, EX_TRAIN, EX_VAL, 3);
    char text[64];
    memset(text, 0x5a, sizeof text);
    size_t size = 12345;
    ck_assert_fails(TRM_E_INVALID, trm_overfit_explain(NULL, text, sizeof text, &size));
    ck_assert_uint_eq(size, 12345);
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_explain(o, text, sizeof text, NULL));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_explain(o, NULL, 0, NULL));
    for (size_t i = 0; i < sizeof text; i++)
        ck_assert_uint_eq((unsigned char)text[i], 0x5a);
    trm_overfit_free(o);
}
END_TEST

START_TEST(bad_null_handle_queries)
{
    ck_assert_fails(TRM_E_INVALID, trm_overfit_verdict(NULL));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_should_stop(NULL));
    ck_assert_uint_eq(trm_overfit_n_epochs(NULL), 0);
    ck_assert_int_eq(trm_overfit_best_epoch(NULL), -1);
    ck_assert(isnan(trm_overfit_best_value(NULL)));
    ck_assert_int_eq(trm_overfit_onset_epoch(NULL), -1);
    ck_assert_int_eq(trm_overfit_stop_epoch(NULL), -1);
    ck_assert_uint_eq(trm_overfit_fired(NULL), 0);
    for (size_t i = 0; i < N_ELEMS(ALL_CRITERIA); i++)
        ck_assert_int_eq(trm_overfit_first_fire(NULL, ALL_CRITERIA[i]), -1);
    double x = 42.0;
    ck_assert_fails(TRM_E_INVALID, trm_overfit_statistic(NULL, TRM_STAT_GL, &x));
    ck_assert(x == 42.0);
    double t[1] = { 42.0 }, v[1] = { 42.0 };
    ck_assert_fails(TRM_E_INVALID, trm_overfit_history(NULL, t, v));
    ck_assert(t[0] == 42.0 && v[0] == 42.0);

    /* The setters and pushes. */
    ck_assert_fails(TRM_E_INVALID, trm_overfit_preset(NULL, TRM_PRESET_DEFAULT));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_mode(NULL, TRM_MODE_MIN));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_criteria(NULL, 0));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_patience(NULL, 1, 0.0, 0.0));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_gl(NULL, 1.0));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_pq(NULL, 0.5, 5));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_up(NULL, 1, 5));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_thresholds(NULL, NAN, NAN));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_trend(NULL, 8, 0.05));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_set_warmup(NULL, 0));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_push(NULL, 1.0, 1.0));
    ck_assert_fails(TRM_E_INVALID, trm_overfit_push_many(NULL, t, v, 1));
}
END_TEST

/* A fresh detector: WARMUP, nothing known, statistics EMPTY. */
START_TEST(empty_detector)
{
    trm_overfit *o = make();
    ck_assert_int_eq(trm_overfit_verdict(o), TRM_FIT_WARMUP);
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_uint_eq(trm_overfit_n_epochs(o), 0);
    ck_assert_int_eq(trm_overfit_best_epoch(o), -1);
    ck_assert(isnan(trm_overfit_best_value(o)));
    ck_assert_int_eq(trm_overfit_onset_epoch(o), -1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), -1);
    ck_assert_uint_eq(trm_overfit_fired(o), 0);
    for (size_t i = 0; i < N_ELEMS(ALL_CRITERIA); i++)
        ck_assert_int_eq(trm_overfit_first_fire(o, ALL_CRITERIA[i]), -1);
    for (int s = TRM_STAT_GL; s <= TRM_STAT_TREND_P; s++) {
        double x = 42.0;
        ck_assert_rejected(TRM_E_EMPTY, o, trm_overfit_statistic(o, s, &x));
        ck_assert(x == 42.0);
    }
    /* push_many with n = 0 is a no-op. */
    ck_assert_ok(trm_overfit_push_many(o, EX_TRAIN, EX_VAL, 0));
    ck_assert_uint_eq(trm_overfit_n_epochs(o), 0);
    trm_overfit_free(o);
}
END_TEST

/* Every rejected option leaves the detector (options and history) as it was. */
START_TEST(bad_options)
{
    trm_overfit *o = make();
    set_custom_options(o);
    push_all(o, EX_TRAIN, EX_VAL, EX_N);

    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_preset(o, -1));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_preset(o, TRM_PRESET_PRECHELT_UP + 1));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_mode(o, -1));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_mode(o, 2));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_criteria(o, 1u << 8));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_criteria(o, TRM_CRIT_GL | (1u << 31)));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_criteria(o, 0xffffffffu));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_patience(o, 3, -0.001, 0.0));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_patience(o, 3, 0.0, -0.001));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_patience(o, 3, NAN, 0.0));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_patience(o, 3, 0.0, NAN));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_patience(o, 3, -INFINITY, 0.0));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_gl(o, -1.0));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_gl(o, NAN));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_gl(o, -INFINITY));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_pq(o, -0.5, 5));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_pq(o, NAN, 5));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_pq(o, 0.5, 0));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_up(o, 0, 5));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_up(o, 3, 0));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_up(o, 0, 0));
    static const struct {
        uint32_t window;
        double alpha;
    } bad_trend[] = { { 3, 0.05 },   { 1025, 0.05 }, { 0, 0.05 },   { 8, 0.0 },  { 8, 1.0 },
                      { 8, -0.05 },  { 8, 1.5 },     { 8, NAN },    { 8, INFINITY }, { 2, 0.0 } };
    for (size_t i = 0; i < N_ELEMS(bad_trend); i++)
        ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_set_trend(o, bad_trend[i].window, bad_trend[i].alpha));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_push(NULL, 1.0, 1.0));
    double t[2] = { 1, 1 }, v[2] = { 1, 1 };
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_push_many(o, NULL, v, 2));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_push_many(o, t, NULL, 2));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_push_many(o, NULL, NULL, 2));

    /* Statistic and history: bad pointers or ids, outputs unwritten. */
    double x = 42.0;
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_statistic(o, -1, &x));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_statistic(o, TRM_STAT_TREND_P + 1, &x));
    ck_assert(x == 42.0);
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_statistic(o, TRM_STAT_GL, NULL));
    double ht[EX_N], hv[EX_N];
    for (size_t i = 0; i < EX_N; i++)
        ht[i] = hv[i] = 42.0;
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_history(o, NULL, hv));
    ck_assert_rejected(TRM_E_INVALID, o, trm_overfit_history(o, ht, NULL));
    for (size_t i = 0; i < EX_N; i++)
        ck_assert(ht[i] == 42.0 && hv[i] == 42.0);

    /* first_fire wants exactly one known bit; PATIENCE and GL have both fired. */
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE), 9);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_GL), 12);
    ck_assert_int_eq(trm_overfit_first_fire(o, 0), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, TRM_CRIT_PATIENCE | TRM_CRIT_GL), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, ALL_CRITERIA_MASK), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, 1u << 8), -1);
    ck_assert_int_eq(trm_overfit_first_fire(o, 1u << 31), -1);

    /* The limits themselves are accepted. */
    ck_assert_ok(trm_overfit_set_trend(o, 4, 1e-9));
    ck_assert_ok(trm_overfit_set_trend(o, 1024, 0.999));
    ck_assert_ok(trm_overfit_set_up(o, 1, 1));
    ck_assert_ok(trm_overfit_set_pq(o, 0.0, 1));
    ck_assert_ok(trm_overfit_set_gl(o, 0.0));
    ck_assert_ok(trm_overfit_set_patience(o, 0, 0.0, 0.0));
    ck_assert_ok(trm_overfit_set_criteria(o, 0));
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_ok(trm_overfit_set_criteria(o, ALL_CRITERIA_MASK));
    trm_overfit_free(o);
}
END_TEST

/* An allocator that can be told to fail, counting live blocks. */
struct budget {
    int fail;
    long live;
};

static void *budget_alloc(void *opaque, size_t size)
{
    struct budget *b = opaque;
    if (b->fail)
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        b->live++;
    return p;
}

static void budget_free(void *opaque, void *ptr)
{
    struct budget *b = opaque;
    b->live--;
    free(ptr);
}

/* TRM_E_NOMEM records nothing: every push, option change and copy under a
 * failing allocator either succeeds or leaves the detector as it was. */
START_TEST(out_of_memory)
{
    struct budget b = { 0, 0 };
    const trm_allocator alloc = { budget_alloc, budget_free, &b };
    trm_overfit *o = NULL;
    ck_assert_ok(trm_overfit_new(&o, &alloc));
    push_all(o, EX_TRAIN, EX_VAL, 3);

    b.fail = 1;
    size_t nomem = 0, n = trm_overfit_n_epochs(o);
    for (int i = 0; i < 2000; i++) {
        size_t before_size = 0;
        uint8_t *before = snapshot_overfit(o, &before_size);
        trm_clear_last_error();
        int rc = trm_overfit_push(o, 0.5, 0.6 + 0.001 * (i % 7));
        if (rc == TRM_OK) {
            n++;
        } else {
            ck_assert_int_eq(rc, TRM_E_NOMEM);
            ck_assert(trm_last_error()[0] != '\0');
            assert_unchanged(o, before, before_size, "push under TRM_E_NOMEM");
            nomem++;
        }
        free(before);
        ck_assert_uint_eq(trm_overfit_n_epochs(o), n);
    }
    ck_assert_msg(nomem > 0, "2000 pushes never needed memory");

    trm_overfit *out = UNTOUCHED;
    ck_assert_fails(TRM_E_NOMEM, trm_overfit_clone(&out, o));
    ck_assert_ptr_eq(out, UNTOUCHED);

    /* Option changes re-evaluate the history; if that needs memory they fail whole. */
    size_t before_size = 0;
    uint8_t *before = snapshot_overfit(o, &before_size);
    int rc = trm_overfit_set_mode(o, TRM_MODE_MAX);
    if (rc != TRM_OK) {
        ck_assert_int_eq(rc, TRM_E_NOMEM);
        assert_unchanged(o, before, before_size, "set_mode under TRM_E_NOMEM");
    }
    rc = trm_overfit_set_trend(o, 16, 0.01);
    if (rc != TRM_OK)
        ck_assert_int_eq(rc, TRM_E_NOMEM);
    free(before);

    b.fail = 0;
    ck_assert_ok(trm_overfit_push(o, 0.5, 0.5));
    trm_overfit_free(o);
    ck_assert_int_eq(b.live, 0);
}
END_TEST

/* ==== the suite ===================================================================== */

static Suite *overfit_suite(void)
{
    Suite *s = suite_create("overfit");

    TCase *tc = tcase_create("worked_example");
    tcase_add_loop_test(tc, example_gl, 0, (int)N_ELEMS(gl_table));
    tcase_add_test(tc, example_progress);
    tcase_add_loop_test(tc, example_pq, 0, (int)N_ELEMS(pq_table));
    tcase_add_loop_test(tc, example_up, 0, (int)N_ELEMS(up_table));
    tcase_add_loop_test(tc, example_patience, 0, (int)N_ELEMS(patience_table));
    tcase_add_test(tc, example_keras_preset);
    tcase_add_test(tc, example_mann_kendall);
    tcase_add_test(tc, example_verdict_by_epoch);
    suite_add_tcase(s, tc);

    tc = tcase_create("criteria");
    tcase_add_test(tc, flat_curve_plateau);
    tcase_add_test(tc, monotone_improving);
    tcase_add_test(tc, noisy_u_overfitting);
    tcase_add_test(tc, double_descent);
    tcase_add_test(tc, trend_tie_correction);
    tcase_add_test(tc, trend_needs_training_not_worse);
    tcase_add_test(tc, threshold_strict);
    tcase_add_test(tc, divergence_strict_and_sticky);
    tcase_add_test(tc, warmup);
    tcase_add_test(tc, max_mode_mirrors_min);
    tcase_add_loop_test(tc, min_delta_rel, 0, (int)N_ELEMS(rel_table));
    tcase_add_test(tc, onset_needs_epochs_after_best);
    tcase_add_test(tc, options_reevaluate_history);
    suite_add_tcase(s, tc);

    tc = tcase_create("nonfinite");
    tcase_add_test(tc, nonfinite_nan_val);
    tcase_add_test(tc, nonfinite_push_many);
    tcase_add_test(tc, nonfinite_inf);
    suite_add_tcase(s, tc);

    tc = tcase_create("presets");
    tcase_add_test(tc, presets_on_example);
    tcase_add_test(tc, preset_default_is_new);
    tcase_add_test(tc, preset_lightning);
    tcase_add_test(tc, preset_keeps_mode_and_needs_no_epochs);
    suite_add_tcase(s, tc);

    tc = tcase_create("serialize");
    tcase_add_test(tc, serialize_resume);
    tcase_add_test(tc, serialize_options_round_trip);
    tcase_add_test(tc, serialize_nonfinite_history);
    tcase_add_test(tc, clone_resume);
    tcase_add_test(tc, reset_keeps_options);
    tcase_add_test(tc, serialize_every_damage_detected);
    suite_add_tcase(s, tc);

    tc = tcase_create("explain");
    tcase_add_test(tc, explain_protocol_and_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_input");
    tcase_add_test(tc, bad_serialize_explain);
    tcase_add_test(tc, bad_null_handle_queries);
    tcase_add_test(tc, empty_detector);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, out_of_memory);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(overfit_suite());
}
