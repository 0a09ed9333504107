/* SPDX-License-Identifier: MIT */
/* The symmetric eigensolver behind Eigen-CAM (eigen.c). */
#ifndef TRM_EIGEN_PRIVATE_H
#define TRM_EIGEN_PRIVATE_H

#include <stddef.h>

/* The eigen-decomposition of the symmetric d x d matrix a (destroyed):
 * values[i] and row i of vectors are an eigenpair; off holds d scratch
 * doubles. About (8/3) d^3 operations for the reduction, then about two QL
 * iterations of O(d^2) per eigenvalue. */
void trm__symmetric_eigen(double *a, size_t d, double *vectors, double *values, double *off);

#endif /* TRM_EIGEN_PRIVATE_H */
