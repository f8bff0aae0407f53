/* The identification's state, shared by the files of src/ident (not installed).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_IDENT_INTERNAL_H
#define XN_IDENT_INTERNAL_H

#include "xiaonao/dynamics.h"
#include "xiaonao/ident.h"

struct xn_ident {
    const xn_model *m;
    xn_data *d;
    xn_ident_options opt;
    int nmeas, *meas;     /* the measured DoFs */
    int ndyn;             /* regressor columns of the rigid bodies and armatures */
    int p;                /* every parameter: ndyn, then XN_IDENT_JOINT_PARAMS - 1 per DoF */
    unsigned char *fixed; /* per parameter: known (the model's), not estimated */
    xn_real *pi0;         /* the nominal parameters */
    xn_real *pi;          /* the consistent ones (after a solve; the nominal before) */
    xn_real *scale;       /* per parameter: its typical size, for the prior */
    /* the samples */
    int n, cap;
    xn_real *q, *v, *a, *tau;
    /* scratch */
    xn_real *Y;                 /* nv x ndyn */
    xn_real *row;               /* nmeas x (p + 1): the rows of one sample, the torque last */
    int *base_cols, nbase_cols; /* the model's base columns (xn_ident_excitation's cache) */
    /* the solve's results */
    int solved, rank_model, rank;
    int *perm; /* the columns in pivot order: perm[0 .. rank-1] lead the base parameters */
    xn_real *beta, *ci95, *beta_nominal, *beta_consistent;
    int *comb_start, *comb_index; /* base parameter j's combined columns: comb_index[start[j] ..
                                     start[j+1]-1], with comb_coef */
    xn_real *comb_coef;
    xn_real *sigma; /* per measured DoF */
    xn_real condition, rms_nominal, rms_base, rms_consistent;
    long nrows;
};

/* The rows of sample s: id->row (nmeas x (p + 1)), each the regressor's row then the torque with
 * the fixed parameters' share taken out; the fixed parameters' columns zero. */
void xn_ident_rows(xn_ident *id, int s);
/* The same for any state and a torque (NULL: zero torque). */
void xn_ident_rows_at(xn_ident *id, const xn_real *q, const xn_real *v, const xn_real *a,
                      const xn_real *tau);

/* base.c: R (n x n upper triangular, n = p + 1, row-major) of the rows of every sample, each
 * measured DoF's rows times w[j] (NULL: 1), accumulated by Givens rotations. */
void xn_ident_accumulate(xn_ident *id, const xn_real *w, xn_real *R);
/* the model's structural base: R of random exciting states */
void xn_ident_accumulate_random(xn_ident *id, int nsamples, xn_real *R);
/* Householder QR with column pivoting of A (n x n, the last column the right-hand side, carried
 * along), columns first scaled by 1/cn; pivots chosen among the columns with allowed[k] (NULL:
 * any) while the largest remaining column norm exceeds tol times the first pivot's; with
 * fixed_rank >= 0 the order perm is given and fixed_rank steps are taken. Returns the rank;
 * perm (p) is the columns' order, chosen first. */
int xn_ident_pivoted_qr(xn_real *A, int p, const xn_real *cn, const unsigned char *allowed,
                        xn_real tol, int *perm, int fixed_rank);

/* consistent.c: the physically consistent parameters closest to the weighted least-squares fit
 * (R, n = p + 1, from xn_ident_accumulate with the weights), written to id->pi */
xn_status xn_ident_fit_consistent(xn_ident *id, const xn_real *R, xn_error *err);

#endif
