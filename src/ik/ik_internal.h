/* Helpers shared by the closed-form solvers (not installed). SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_IK_INTERNAL_H
#define XN_IK_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "xiaonao/model.h"

/* A new configuration (nq, caller frees) with every 1-DoF joint at exactly 0 and the rest
 * neutral: the reference of the product-of-exponentials form. The model's neutral
 * configuration is not that: it moves a joint whose range excludes 0 into its range (the
 * Panda's joint 4). NULL when out of memory. */
static inline xn_real *xn_ik_zero_config(const xn_model *m) {
    xn_real *q = malloc(((size_t)m->nq + 1) * sizeof *q);
    if (!q) return NULL;
    memcpy(q, m->q_neutral, (size_t)m->nq * sizeof *q);
    for (int b = 1; b < m->nbody; b++)
        if (m->body_nq[b] == 1) q[m->body_qadr[b]] = 0;
    return q;
}

#endif
