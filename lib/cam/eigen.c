/* SPDX-License-Identifier: MIT */
/* The eigen-decomposition of a small dense symmetric matrix (Eigen-CAM's Gram
 * matrix): Householder tridiagonalization, then implicit QL with shifts. */
#include "fp-private.h"
#include <math.h>
#include <stddef.h>

#include "eigen-private.h"

/* The QL iteration takes an off-diagonal entry below QL_EPS of the matrix's
 * scale as zero (the cap on iterations per eigenvalue is never reached in
 * practice: QL converges cubically). */
#define QL_EPS 0x1p-52
#define QL_MAX_ITERATIONS 64

/* Householder reduction of the symmetric d x d matrix v to tridiagonal form
 * (EISPACK tred2, as in JAMA): on return v holds the orthogonal Q with
 * Q^T A Q tridiagonal, diag its diagonal and off[1 .. d-1] its subdiagonal
 * (off[0] = 0). About (8/3) d^3 operations. */
static void tridiagonalize(double *v, size_t d, double *diag, double *off)
{
#define V(i, j) v[(i) * d + (j)]
    for (size_t j = 0; j < d; j++)
        diag[j] = V(d - 1, j);
    for (size_t i = d - 1; i > 0; i--) {
        double scale = 0.0, h = 0.0;
        for (size_t k = 0; k < i; k++)
            scale += fabs(diag[k]);
        if (scale == 0.0) {
            off[i] = diag[i - 1];
            for (size_t j = 0; j < i; j++) {
                diag[j] = V(i - 1, j);
                V(i, j) = 0.0;
                V(j, i) = 0.0;
            }
        } else {
            for (size_t k = 0; k < i; k++) {
                diag[k] /= scale;
                h += diag[k] * diag[k];
            }
            double f = diag[i - 1], g = sqrt(h);
            if (f > 0.0)
                g = -g;
            off[i] = scale * g;
            h -= f * g;
            diag[i - 1] = f - g;
            for (size_t j = 0; j < i; j++)
                off[j] = 0.0;
            for (size_t j = 0; j < i; j++) {
                f = diag[j];
                V(j, i) = f;
                g = off[j] + V(j, j) * f;
                for (size_t k = j + 1; k < i; k++) {
                    g += V(k, j) * diag[k];
                    off[k] += V(k, j) * f;
                }
                off[j] = g;
            }
            f = 0.0;
            for (size_t j = 0; j < i; j++) {
                off[j] /= h;
                f += off[j] * diag[j];
            }
            double hh = f / (h + h);
            for (size_t j = 0; j < i; j++)
                off[j] -= hh * diag[j];
            for (size_t j = 0; j < i; j++) {
                f = diag[j];
                g = off[j];
                for (size_t k = j; k < i; k++)
                    V(k, j) -= f * off[k] + g * diag[k];
                diag[j] = V(i - 1, j);
                V(i, j) = 0.0;
            }
        }
        diag[i] = h;
    }
    for (size_t i = 0; i + 1 < d; i++) { /* accumulate the transformations */
        V(d - 1, i) = V(i, i);
        V(i, i) = 1.0;
        double h = diag[i + 1];
        if (h != 0.0) {
            for (size_t k = 0; k <= i; k++)
                diag[k] = V(k, i + 1) / h;
            for (size_t j = 0; j <= i; j++) {
                double g = 0.0;
                for (size_t k = 0; k <= i; k++)
                    g += V(k, i + 1) * V(k, j);
                for (size_t k = 0; k <= i; k++)
                    V(k, j) -= g * diag[k];
            }
        }
        for (size_t k = 0; k <= i; k++)
            V(k, i + 1) = 0.0;
    }
    for (size_t j = 0; j < d; j++) {
        diag[j] = V(d - 1, j);
        V(d - 1, j) = 0.0;
    }
    V(d - 1, d - 1) = 1.0;
    off[0] = 0.0;
#undef V
}

/* Rows x and y of n values become c x - s y and s x + c y. */
static void rotate_rows(double *x, double *y, size_t n, double c, double s)
{
    for (size_t k = 0; k < n; k++) {
        double xk = x[k], yk = y[k];
        x[k] = c * xk - s * yk;
        y[k] = s * xk + c * yk;
    }
}

/* Implicit QL with Wilkinson shifts on the tridiagonal matrix (EISPACK tql2, as
 * in JAMA): diag receives the eigenvalues and row i of w, which holds Q^T on
 * entry, the unit eigenvector of diag[i]. Off-diagonal entries below 2^-52 of
 * the largest |diag| + |off| seen are taken as zero; the iteration cap is never
 * reached in practice (about two iterations per eigenvalue). */
static void tridiagonal_ql(double *diag, double *off, size_t d, double *w)
{
    for (size_t i = 1; i < d; i++)
        off[i - 1] = off[i];
    off[d - 1] = 0.0;
    double shift = 0.0, largest = 0.0;
    for (size_t l = 0; l < d; l++) {
        largest = fmax(largest, fabs(diag[l]) + fabs(off[l]));
        size_t m = l;
        while (m + 1 < d && !(fabs(off[m]) <= QL_EPS * largest))
            m++;
        for (int iter = 0; m > l && iter < QL_MAX_ITERATIONS && !(fabs(off[l]) <= QL_EPS * largest); iter++) {
            double g = diag[l], p = (diag[l + 1] - g) / (2.0 * off[l]), r = hypot(p, 1.0);
            if (p < 0.0)
                r = -r;
            diag[l] = off[l] / (p + r);
            diag[l + 1] = off[l] * (p + r);
            double dl1 = diag[l + 1], h = g - diag[l];
            for (size_t i = l + 2; i < d; i++)
                diag[i] -= h;
            shift += h;
            p = diag[m];
            double c = 1.0, c2 = 1.0, c3 = 1.0, el1 = off[l + 1], s = 0.0, s2 = 0.0;
            for (size_t i = m; i-- > l;) {
                c3 = c2;
                c2 = c;
                s2 = s;
                g = c * off[i];
                h = c * p;
                r = hypot(p, off[i]);
                off[i + 1] = s * r;
                s = off[i] / r;
                c = p / r;
                p = c * diag[i] - s * g;
                diag[i + 1] = h + s * (c * g + s * diag[i]);
                rotate_rows(w + i * d, w + (i + 1) * d, d, c, s);
            }
            p = -s * s2 * c3 * el1 * off[l] / dl1;
            off[l] = s * p;
            diag[l] = c * p;
        }
        diag[l] += shift;
        off[l] = 0.0;
    }
}

void trm__symmetric_eigen(double *a, size_t d, double *vectors, double *values, double *off)
{
    tridiagonalize(a, d, values, off);
    for (size_t i = 0; i < d; i++) /* rows of Q^T, so QL rotates contiguous rows */
        for (size_t j = 0; j < d; j++)
            vectors[i * d + j] = a[j * d + i];
    tridiagonal_ql(values, off, d, vectors);
}
