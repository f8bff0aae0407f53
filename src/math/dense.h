/* Small dense linear algebra: symmetric eigen-decomposition of 3x3 and Cholesky of n x n.
 * Internal header of the math layer.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MATH_DENSE_H
#define XN_MATH_DENSE_H

#include "xiaonao/types.h"

/* Eigenvalues (ascending) and eigenvectors (columns of V, row-major) of the symmetric 3x3 matrix
 * packed {xx, yy, zz, xy, xz, yz}, by cyclic Jacobi rotations (at most 50 sweeps). */
void xn_sym3_eig(const xn_real S[6], xn_real eval[3], xn_real V[9]);

/* Eigenvalues (ascending) of the symmetric n x n row-major matrix A (n <= 12), by cyclic Jacobi
 * rotations (at most 30 sweeps). A is not changed. */
void xn_symn_eigvals(const xn_real *A, int n, xn_real *eval);

/* Eigenvalues (unsorted) of the symmetric n x n row-major matrix A, any n, by cyclic Jacobi
 * rotations; A is destroyed. For the offline analyses (condition numbers, observability). */
void xn_symn_eigvals_inplace(xn_real *A, int n, xn_real *eval);

/* In-place Cholesky A = L L^T of the n x n row-major matrix A (lower triangle read, L written to
 * the lower triangle). Returns XN_ERR_NUMERIC if A is not positive definite. */
xn_status xn_chol_factor(xn_real *A, int n);
/* Solve (L L^T) x = b in place with the factor from xn_chol_factor. */
void xn_chol_solve(const xn_real *L, int n, xn_real *x);

#endif
