/* The policy API: inputs and outputs, evaluation, recurrent state.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/policy_internal.h"

void xn_policy_free(xn_policy *p) {
    if (!p) return;
    for (int i = 0; i < p->nt; i++) {
        if (p->t[i].owned) free(p->t[i].data);
        free(p->t[i].ints);
        free(p->t[i].name);
    }
    for (int i = 0; i < p->nn; i++) free(p->node[i].work);
    free(p->t);
    free(p->node);
    free(p);
}

int xn_policy_ninputs(const xn_policy *p) { return p->ninput; }
int xn_policy_noutputs(const xn_policy *p) { return p->noutput; }

const char *xn_policy_input_name(const xn_policy *p, int i) {
    return i >= 0 && i < p->ninput ? p->t[p->input[i]].name : "";
}
const char *xn_policy_output_name(const xn_policy *p, int i) {
    return i >= 0 && i < p->noutput ? p->t[p->output[i]].name : "";
}
size_t xn_policy_input_size(const xn_policy *p, int i) {
    return i >= 0 && i < p->ninput ? p->t[p->input[i]].size : 0;
}
size_t xn_policy_output_size(const xn_policy *p, int i) {
    return i >= 0 && i < p->noutput ? p->t[p->output[i]].size : 0;
}

int xn_policy_find_input(const xn_policy *p, const char *name) {
    for (int i = 0; i < p->ninput; i++)
        if (strcmp(p->t[p->input[i]].name, name) == 0) return i;
    return -1;
}
int xn_policy_find_output(const xn_policy *p, const char *name) {
    for (int i = 0; i < p->noutput; i++)
        if (strcmp(p->t[p->output[i]].name, name) == 0) return i;
    return -1;
}

float *xn_policy_input(xn_policy *p, int i) {
    return i >= 0 && i < p->ninput ? p->t[p->input[i]].data : NULL;
}
const float *xn_policy_output(const xn_policy *p, int i) {
    return i >= 0 && i < p->noutput ? p->t[p->output[i]].data : NULL;
}

xn_status xn_policy_run(xn_policy *p) {
    for (int i = 0; i < p->ninput; i++) {
        const nn_tensor *t = &p->t[p->input[i]];
        for (size_t k = 0; k < t->size; k++)
            if (!isfinite(t->data[k])) return XN_ERR_RANGE;
    }
    for (int i = 0; i < p->nn; i++) nn_eval(p, &p->node[i]);
    return XN_OK;
}

xn_status xn_policy_bind_state(xn_policy *p, const char *in, const char *out) {
    int i = xn_policy_find_input(p, in), o = xn_policy_find_output(p, out);
    if (i < 0 || o < 0) return XN_ERR_NOT_FOUND;
    if (p->t[p->input[i]].size != p->t[p->output[o]].size) return XN_ERR_SIZE;
    for (int k = 0; k < p->nstate; k++)
        if (p->state_in[k] == i) return XN_OK; /* already bound */
    if (p->nstate >= NN_MAX_IO) return XN_ERR_SIZE;
    p->state_in[p->nstate] = i;
    p->state_out[p->nstate] = o;
    p->nstate++;
    return XN_OK;
}

int xn_policy_bind_state_auto(xn_policy *p) {
    int bound = 0;
    for (int i = 0; i < p->ninput; i++) {
        const char *name = p->t[p->input[i]].name, *at = strstr(name, "_in");
        if (!at || (at[3] != '\0' && at[3] != '_')) continue;
        char out[256];
        size_t stem = (size_t)(at - name);
        if (stem + strlen(at + 3) + 5 > sizeof out) continue;
        memcpy(out, name, stem);
        strcpy(out + stem, "_out");
        strcat(out, at + 3);
        if (xn_policy_bind_state(p, name, out) == XN_OK) bound++;
    }
    return bound;
}

void xn_policy_reset(xn_policy *p) {
    for (int k = 0; k < p->nstate; k++) {
        nn_tensor *t = &p->t[p->input[p->state_in[k]]];
        memset(t->data, 0, t->size * sizeof(float));
    }
}

xn_status xn_policy_step(xn_policy *p) {
    xn_status st = xn_policy_run(p);
    if (st) return st;
    for (int k = 0; k < p->nstate; k++) {
        nn_tensor *in = &p->t[p->input[p->state_in[k]]];
        const nn_tensor *out = &p->t[p->output[p->state_out[k]]];
        memmove(in->data, out->data, in->size * sizeof(float));
    }
    return XN_OK;
}

size_t xn_policy_memory(const xn_policy *p) { return p->memory; }
int xn_policy_nnodes(const xn_policy *p) { return p->nn; }
