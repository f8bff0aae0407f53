/* The workspace: every buffer a computation on one model needs, allocated once.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "xiaonao/model.h"

#define ALLOC(ptr, n)                                                                              \
    do {                                                                                           \
        (ptr) = calloc((size_t)((n) > 0 ? (n) : 1), sizeof *(ptr));                                \
        if (!(ptr)) goto nomem;                                                                    \
    } while (0)

xn_data *xn_data_create(const xn_model *m) {
    xn_data *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    int nb = m->nbody, nv = m->nv;
    d->nv = nv;
    d->nbody = nb;
    d->nframe = m->nframe;
    ALLOC(d->liMi, nb);
    ALLOC(d->oMi, nb);
    ALLOC(d->oMf, m->nframe);
    ALLOC(d->v, 6 * nb);
    ALLOC(d->a, 6 * nb);
    ALLOC(d->aba_v, 6 * nb);
    ALLOC(d->aba_a, 6 * nb);
    ALLOC(d->f, 6 * nb);
    ALLOC(d->tau, nv);
    ALLOC(d->nle, nv);
    ALLOC(d->g, nv);
    ALLOC(d->qdd, nv);
    ALLOC(d->M, nv * nv);
    ALLOC(d->LD, nv * nv);
    ALLOC(d->Jw, 6 * nv);
    ALLOC(d->J, 6 * nv);
    ALLOC(d->Jcom, 3 * nv);
    ALLOC(d->Ag, 6 * nv);
    ALLOC(d->Ic, nb);
    ALLOC(d->IA, 36 * nb);
    ALLOC(d->pA, 6 * nb);
    ALLOC(d->U, 6 * nv);
    ALLOC(d->Dinv, 36 * nb);
    ALLOC(d->u, nv);
    ALLOC(d->tmp, 6 * (nb + nv));
    ALLOC(d->subcom, 4 * nb);
    ALLOC(d->path, nb);
    xn_se3_identity(&d->oMi[0]);
    xn_se3_identity(&d->liMi[0]);
    return d;
nomem:
    xn_data_free(d);
    return NULL;
}

void xn_data_free(xn_data *d) {
    if (!d) return;
    free(d->liMi);
    free(d->oMi);
    free(d->oMf);
    free(d->v);
    free(d->aba_v);
    free(d->aba_a);
    free(d->a);
    free(d->f);
    free(d->tau);
    free(d->nle);
    free(d->g);
    free(d->qdd);
    free(d->M);
    free(d->LD);
    free(d->Jw);
    free(d->J);
    free(d->Jcom);
    free(d->Ag);
    free(d->Ic);
    free(d->IA);
    free(d->pA);
    free(d->U);
    free(d->Dinv);
    free(d->u);
    free(d->tmp);
    free(d->subcom);
    free(d->path);
    free(d);
}
