/* Small dense linear algebra (see dense.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "math/dense.h"

#include <math.h>
#include <stddef.h>

#include "math/sort_inline.h"

void xn_sym3_eig(const xn_real S[6], xn_real eval[3], xn_real V[9]) {
    xn_real A[3][3] = {{S[0], S[3], S[4]}, {S[3], S[1], S[5]}, {S[4], S[5], S[2]}};
    xn_real v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int sweep = 0; sweep < 50; sweep++) {
        xn_real off = fabs(A[0][1]) + fabs(A[0][2]) + fabs(A[1][2]);
        xn_real scale = fabs(A[0][0]) + fabs(A[1][1]) + fabs(A[2][2]);
        if (off <= 1e-300 || off <= 1e-17 * scale) break;
        for (int p = 0; p < 2; p++) {
            for (int q = p + 1; q < 3; q++) {
                if (A[p][q] == 0) continue;
                xn_real theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
                xn_real t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                xn_real c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < 3; k++) { /* A = J^T A J */
                    xn_real akp = A[k][p], akq = A[k][q];
                    A[k][p] = c * akp - s * akq;
                    A[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < 3; k++) {
                    xn_real apk = A[p][k], aqk = A[q][k];
                    A[p][k] = c * apk - s * aqk;
                    A[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < 3; k++) {
                    xn_real vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
        }
    }
    int idx[3] = {0, 1, 2};
    for (int i = 0; i < 2; i++) /* sort ascending */
        for (int j = i + 1; j < 3; j++)
            if (A[idx[j]][idx[j]] < A[idx[i]][idx[i]]) {
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
    for (int i = 0; i < 3; i++) {
        eval[i] = A[idx[i]][idx[i]];
        for (int k = 0; k < 3; k++) V[3 * k + i] = v[k][idx[i]];
    }
}

xn_status xn_chol_factor(xn_real *A, int n) {
    for (int j = 0; j < n; j++) {
        xn_real d = A[j * n + j];
        for (int k = 0; k < j; k++) d -= A[j * n + k] * A[j * n + k];
        if (!(d > 0)) return XN_ERR_NUMERIC;
        d = sqrt(d);
        A[j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            xn_real s = A[i * n + j];
            for (int k = 0; k < j; k++) s -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = s / d;
        }
    }
    return XN_OK;
}

void xn_chol_solve(const xn_real *L, int n, xn_real *x) {
    for (int i = 0; i < n; i++) {
        xn_real s = x[i];
        for (int k = 0; k < i; k++) s -= L[i * n + k] * x[k];
        x[i] = s / L[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        xn_real s = x[i];
        for (int k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
        x[i] = s / L[i * n + i];
    }
}

void xn_symn_eigvals(const xn_real *A, int n, xn_real *eval) {
    xn_real a[144] = {0};
    for (int i = 0; i < n * n && i < 144; i++) a[i] = A[i];
    for (int sweep = 0; sweep < 30; sweep++) {
        xn_real off = 0, diag = 0;
        for (int p = 0; p < n; p++) {
            diag += a[p * n + p] * a[p * n + p];
            for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
        }
        if (off <= 1e-30 * diag || off == 0) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                xn_real apq = a[p * n + q];
                if (apq == 0) continue;
                /* the rotation that zeroes a[p][q] (Golub and Van Loan, the symmetric Schur step)
                 */
                xn_real theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                xn_real t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                xn_real c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) {
                    xn_real akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) {
                    xn_real apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
    }
    for (int i = 0; i < n; i++) eval[i] = a[i * n + i];
    xn_sort_ascending(eval, n);
}

void xn_symn_eigvals_inplace(xn_real *A, int n, xn_real *eval) {
    for (int sweep = 0; sweep < 60; sweep++) {
        xn_real off = 0, diag = 0;
        for (int i = 0; i < n; i++) {
            diag += A[(size_t)i * n + i] * A[(size_t)i * n + i];
            for (int j = i + 1; j < n; j++) off += A[(size_t)i * n + j] * A[(size_t)i * n + j];
        }
        if (!(off > 1e-28 * diag)) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                xn_real apq = A[(size_t)p * n + q];
                if (fabs(apq) < 1e-300) continue;
                xn_real app = A[(size_t)p * n + p], aqq = A[(size_t)q * n + q];
                xn_real theta = (aqq - app) / (2 * apq);
                xn_real t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                xn_real c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) { /* columns p and q */
                    xn_real akp = A[(size_t)k * n + p], akq = A[(size_t)k * n + q];
                    A[(size_t)k * n + p] = c * akp - s * akq;
                    A[(size_t)k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) { /* rows p and q */
                    xn_real apk = A[(size_t)p * n + k], aqk = A[(size_t)q * n + k];
                    A[(size_t)p * n + k] = c * apk - s * aqk;
                    A[(size_t)q * n + k] = s * apk + c * aqk;
                }
            }
    }
    for (int i = 0; i < n; i++) eval[i] = A[(size_t)i * n + i];
}
