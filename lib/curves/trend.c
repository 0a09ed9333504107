/* SPDX-License-Identifier: MIT */
/* Mann-Kendall trend test and Theil-Sen slope. Both are O(n^2) in the window
 * length, which the detector bounds; a window sliding by one epoch updates S
 * in O(n). */
#include "fp-private.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trend-private.h"

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* By compares, not by the sign of b - a, which flush-to-zero could make 0. */
static double sign_of(double b, double a)
{
    return (b > a) - (b < a);
}

double trm__mann_kendall_s(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            s += sign_of(x[j], x[i]);
    return s;
}

trm__mann_kendall trm__mann_kendall_test(const double *x, size_t n, double *scratch)
{
    return trm__mann_kendall_with_s(x, n, trm__mann_kendall_s(x, n), scratch);
}

double trm__mann_kendall_slide_s(double s, const double *x, size_t n)
{
    double gone = 0.0, come = 0.0;
    for (size_t i = 1; i < n; i++) {
        gone += sign_of(x[i], x[0]);
        come += sign_of(x[n], x[i]);
    }
    return s - gone + come;
}

trm__mann_kendall trm__mann_kendall_with_s(const double *x, size_t n, double s, double *scratch)
{
    /* Each group of t tied values removes t(t-1)(2t+5) from n(n-1)(2n+5). */
    memcpy(scratch, x, n * sizeof *x);
    qsort(scratch, n, sizeof *scratch, compare_doubles);
    double dn = (double)n, ties = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && scratch[j] == scratch[i])
            j++;
        double t = (double)(j - i);
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j;
    }
    double var = (dn * (dn - 1.0) * (2.0 * dn + 5.0) - ties) / 18.0;

    double z = 0.0;
    if (var > 0.0 && s > 0.0)
        z = (s - 1.0) / sqrt(var);
    else if (var > 0.0 && s < 0.0)
        z = (s + 1.0) / sqrt(var);
    return (trm__mann_kendall){ s, var, z, 0.5 * erfc(z / sqrt(2.0)) };
}

/* Hoare-style selection: afterwards a[k] holds the k-th smallest value, with
 * smaller values before it. Expected O(m). */
static double select_kth(double *a, size_t m, size_t k)
{
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double tmp = a[i];
                a[i] = a[j];
                a[j] = tmp;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

double trm__theil_sen_slope(const double *x, size_t n, double *scratch)
{
    size_t m = 0;
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            scratch[m++] = (x[j] - x[i]) / (double)(j - i);
    double upper = select_kth(scratch, m, m / 2);
    if (m % 2)
        return upper;
    /* Even count: the mean of the two middle slopes; the lower one is the
     * largest value left of the upper median. */
    double lower = scratch[0];
    for (size_t i = 1; i < m / 2; i++)
        lower = fmax(lower, scratch[i]);
    return 0.5 * (lower + upper);
}
