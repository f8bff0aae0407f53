/* Inverse dynamics (RNEA), the joint-space inertia matrix (CRBA) with its factorization and
 * solve, and forward dynamics (ABA), on symbols. Body-local frames throughout (Featherstone,
 * Rigid Body Dynamics Algorithms, tables 5.1, 6.2 and 7.1): in a local frame a model's
 * inertias and motion subspaces are constants, which is what the generator folds.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen_internal.h"

/* Placements of every body in its parent (liMi[0] unused). */
static void local_placements(const xn_model *m, xs_graph *g, const xs *q, xs_se3 *X) {
    for (int b = 1; b < m->nbody; b++) xs_joint_placement(g, m, b, q, &X[b]);
}

/* out = S x (the joint's nv entries), and S^T f. */
static void joint_motion(xs_graph *g, const xn_model *m, int b, const xs *x, xs out[6]) {
    for (int i = 0; i < 6; i++) out[i] = g->zero;
    for (int k = 0; k < m->body_nv[b]; k++) {
        xs s[6];
        xs_joint_col(g, m, b, k, s);
        for (int i = 0; i < 6; i++) out[i] = xs_add(g, out[i], xs_mul(g, s[i], x[k]));
    }
}

static xs col_dot(xs_graph *g, const xn_model *m, int b, int k, const xs f[6]) {
    xs s[6], r = g->zero;
    xs_joint_col(g, m, b, k, s);
    for (int i = 0; i < 6; i++) r = xs_add(g, r, xs_mul(g, s[i], f[i]));
    return r;
}

typedef struct {
    xs *q, *v, *a, *tau;
    xs_se3 *X;
    xs *vel, *acc, *f; /* 6 per body */
} rnea_work;

static int work_alloc(const xn_model *m, rnea_work *w) {
    memset(w, 0, sizeof *w);
    size_t nb = (size_t)m->nbody, nv = (size_t)m->nv;
    w->q = malloc((size_t)m->nq * sizeof(xs));
    w->v = malloc(nv * sizeof(xs) + 1);
    w->a = malloc(nv * sizeof(xs) + 1);
    w->tau = malloc(nv * sizeof(xs) + 1);
    w->X = malloc(nb * sizeof(xs_se3));
    w->vel = malloc(6 * nb * sizeof(xs));
    w->acc = malloc(6 * nb * sizeof(xs));
    w->f = malloc(6 * nb * sizeof(xs));
    return w->q && w->v && w->a && w->tau && w->X && w->vel && w->acc && w->f ? 0 : -1;
}

static void work_free(rnea_work *w) {
    free(w->q);
    free(w->v);
    free(w->a);
    free(w->tau);
    free(w->X);
    free(w->vel);
    free(w->acc);
    free(w->f);
}

int cg_rnea(const xn_model *m, xs_graph *g, cg_outs *o, int with_v, int with_a) {
    rnea_work w;
    if (work_alloc(m, &w) != 0) return work_free(&w), -1;
    int nv = m->nv, arr = 0;
    xs *vel = w.vel, *acc = w.acc, *frc = w.f;
    cg_inputs(g, arr++, m->nq, w.q);
    if (with_v) cg_inputs(g, arr++, nv, w.v);
    if (with_a) cg_inputs(g, arr++, nv, w.a);
    for (int k = 0; k < nv; k++) {
        if (!with_v) w.v[k] = g->zero;
        if (!with_a) w.a[k] = g->zero;
    }
    local_placements(m, g, w.q, w.X);
    for (int i = 0; i < 6; i++) {
        vel[i] = g->zero;
        acc[i] = i < 3 ? xs_const(g, -m->gravity[i]) : g->zero; /* gravity as the world rising */
    }
    for (int b = 1; b < m->nbody; b++) {
        int p = m->body_parent[b], va = m->body_vadr[b];
        xs *vb = &vel[6 * b], *ab = &acc[6 * b], *fb = &frc[6 * b];
        xs vj[6], aj[6], c[6], h[6], vxh[6];
        xs_inertia Y;
        xs_inertia_const(g, &m->body_inertia[b], &Y);
        joint_motion(g, m, b, w.v + va, vj);
        joint_motion(g, m, b, w.a + va, aj);
        xs_motion_act_inv(g, &w.X[b], &vel[6 * p], vb);
        xs_motion_act_inv(g, &w.X[b], &acc[6 * p], ab);
        for (int i = 0; i < 6; i++) {
            vb[i] = xs_add(g, vb[i], vj[i]);
            ab[i] = xs_add(g, ab[i], aj[i]);
        }
        xs_motion_cross(g, vb, vj, c);
        for (int i = 0; i < 6; i++) ab[i] = xs_add(g, ab[i], c[i]);
        xs_inertia_mul(g, &Y, vb, h);
        xs_motion_cross_force(g, vb, h, vxh);
        xs_inertia_mul(g, &Y, ab, fb);
        for (int i = 0; i < 6; i++) fb[i] = xs_add(g, fb[i], vxh[i]);
    }
    for (int b = m->nbody - 1; b >= 1; b--) {
        xs *fb = &frc[6 * b];
        int va = m->body_vadr[b];
        for (int k = 0; k < m->body_nv[b]; k++) {
            xs t = col_dot(g, m, b, k, fb);
            t = xs_add(g, t, xs_mul(g, xs_const(g, m->dof_armature[va + k]), w.a[va + k]));
            w.tau[va + k] = t;
        }
        int p = m->body_parent[b];
        if (p > 0) {
            xs fp[6];
            xs_force_act(g, &w.X[b], fb, fp);
            for (int i = 0; i < 6; i++) frc[6 * p + i] = xs_add(g, frc[6 * p + i], fp[i]);
        }
    }
    const char *name = with_a ? "tau" : with_v ? "nle" : "g";
    for (int k = 0; k < nv; k++) cg_put(o, name, k, w.tau[k]);
    work_free(&w);
    return g->nomem || o->nomem ? -1 : 0;
}

int cg_crba(const xn_model *m, xs_graph *g, cg_outs *o) {
    int nv = m->nv, nb = m->nbody;
    xs *q = malloc((size_t)m->nq * sizeof *q), *M = malloc((size_t)nv * (size_t)nv * sizeof *M);
    xs_se3 *X = malloc((size_t)nb * sizeof *X);
    xs_inertia *Ic = malloc((size_t)nb * sizeof *Ic);
    if (!q || !M || !X || !Ic) {
        free(q), free(M), free(X), free(Ic);
        return -1;
    }
    cg_inputs(g, 0, m->nq, q);
    local_placements(m, g, q, X);
    for (int b = 1; b < nb; b++) xs_inertia_const(g, &m->body_inertia[b], &Ic[b]);
    for (int i = 0; i < nv * nv; i++) M[i] = g->zero;
    for (int b = nb - 1; b >= 1; b--) { /* Ic[b] is complete: its subtree came before it */
        for (int k = 0; k < m->body_nv[b]; k++) {
            int row = m->body_vadr[b] + k;
            xs s[6], F[6];
            xs_joint_col(g, m, b, k, s);
            xs_inertia_mul(g, &Ic[b], s, F);
            for (int j = b;;) { /* F travels up the path: M[row, dofs of j] = S_j^T F */
                for (int l = 0; l < m->body_nv[j]; l++) {
                    int col = m->body_vadr[j] + l;
                    if (j == b && col > row) continue;
                    xs e = col_dot(g, m, j, l, F);
                    M[row * nv + col] = e;
                    M[col * nv + row] = e;
                }
                int p = m->body_parent[j];
                if (p <= 0) break;
                xs Fp[6];
                xs_force_act(g, &X[j], F, Fp);
                memcpy(F, Fp, sizeof F);
                j = p;
            }
        }
        int p = m->body_parent[b];
        if (p > 0) {
            xs_inertia Y;
            xs_inertia_act(g, &X[b], &Ic[b], &Y);
            xs_inertia_accum(g, &Ic[p], &Y);
        }
    }
    for (int k = 0; k < nv; k++)
        M[k * nv + k] = xs_add(g, M[k * nv + k], xs_const(g, m->dof_armature[k]));
    for (int i = 0; i < nv * nv; i++) cg_put(o, "M", i, M[i]);
    free(q), free(M), free(X), free(Ic);
    return g->nomem || o->nomem ? -1 : 0;
}

/* As xn_dyn_factor: M = L^T D L along each DoF's path to the root (unit L strictly below the
 * diagonal, D on it); only path entries are read and written. */
int cg_factor(const xn_model *m, xs_graph *g, cg_outs *o) {
    int nv = m->nv;
    xs *H = malloc((size_t)nv * (size_t)nv * sizeof *H);
    if (!H) return -1;
    for (int k = 0; k < nv; k++)
        for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++) {
            int j = m->dof_path[t];
            H[k * nv + j] = xs_in(g, 0, k * nv + j);
        }
    for (int k = nv - 1; k >= 0; k--) {
        const int *P = &m->dof_path[m->dof_path_adr[k]];
        int n = m->dof_path_adr[k + 1] - m->dof_path_adr[k];
        xs inv = xs_div(g, g->one, H[k * nv + k]);
        for (int t = 1; t < n; t++) {
            int i = P[t];
            xs a = xs_mul(g, H[k * nv + i], inv);
            for (int u = t; u < n; u++) {
                int j = P[u];
                H[i * nv + j] = xs_sub(g, H[i * nv + j], xs_mul(g, a, H[k * nv + j]));
            }
            H[k * nv + i] = a;
        }
    }
    for (int k = 0; k < nv; k++)
        for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++) {
            int j = m->dof_path[t];
            cg_put(o, "LD", k * nv + j, H[k * nv + j]);
        }
    free(H);
    return g->nomem || o->nomem ? -1 : 0;
}

/* As xn_dyn_solve: x = M^-1 b from the factor (inputs LD, then b). */
int cg_solve(const xn_model *m, xs_graph *g, cg_outs *o) {
    int nv = m->nv;
    xs *x = malloc((size_t)nv * sizeof *x);
    if (!x) return -1;
    cg_inputs(g, 1, nv, x);
#define LD(i, j) xs_in(g, 0, (i)*nv + (j))
    for (int i = nv - 1; i >= 0; i--) {
        const int *P = &m->dof_path[m->dof_path_adr[i]];
        int n = m->dof_path_adr[i + 1] - m->dof_path_adr[i];
        for (int t = 1; t < n; t++) x[P[t]] = xs_sub(g, x[P[t]], xs_mul(g, LD(i, P[t]), x[i]));
    }
    for (int i = 0; i < nv; i++) x[i] = xs_div(g, x[i], LD(i, i));
    for (int i = 0; i < nv; i++) {
        const int *P = &m->dof_path[m->dof_path_adr[i]];
        int n = m->dof_path_adr[i + 1] - m->dof_path_adr[i];
        for (int t = 1; t < n; t++) x[i] = xs_sub(g, x[i], xs_mul(g, LD(i, P[t]), x[P[t]]));
    }
#undef LD
    for (int i = 0; i < nv; i++) cg_put(o, "x", i, x[i]);
    free(x);
    return g->nomem || o->nomem ? -1 : 0;
}

/* Solve D Y = R in place for a small symmetric positive definite D (n x n, row-major) and nr
 * right-hand sides (R: n x nr, row-major), by D = L diag(d) L^T. One division per pivot, the
 * rest multiplications by its reciprocal. A pivot that is the constant 0 (a massless end link)
 * gets the reciprocal 0, as the generic ABA leaves such a link unaccelerated. */
static void small_solve(xs_graph *g, int n, const xs *D, xs *R, int nr) {
    xs L[36], d[6];
    for (int j = 0; j < n; j++) {
        xs s = D[j * n + j];
        for (int k = 0; k < j; k++)
            s = xs_sub(g, s, xs_mul(g, xs_mul(g, L[j * n + k], L[j * n + k]), d[k]));
        d[j] = s;
        xs inv = xs_is(g, s, 0) ? g->zero : xs_div(g, g->one, s);
        for (int i = j + 1; i < n; i++) {
            xs t = D[i * n + j];
            for (int k = 0; k < j; k++)
                t = xs_sub(g, t, xs_mul(g, xs_mul(g, L[i * n + k], L[j * n + k]), d[k]));
            L[i * n + j] = xs_mul(g, t, inv);
        }
        L[j * n + j] = inv; /* the diagonal of L is 1: its place keeps 1 / d */
    }
    for (int c = 0; c < nr; c++) {
        for (int i = 0; i < n; i++) /* L y = r */
            for (int k = 0; k < i; k++)
                R[i * nr + c] = xs_sub(g, R[i * nr + c], xs_mul(g, L[i * n + k], R[k * nr + c]));
        for (int i = 0; i < n; i++) R[i * nr + c] = xs_mul(g, R[i * nr + c], L[i * n + i]);
        for (int i = n - 1; i >= 0; i--) /* L^T x = y / d */
            for (int k = i + 1; k < n; k++)
                R[i * nr + c] = xs_sub(g, R[i * nr + c], xs_mul(g, L[k * n + i], R[k * nr + c]));
    }
}

typedef struct {
    xs IA[36], pA[6], c[6], U[36], D[36], u[6];
} aba_body;

int cg_aba(const xn_model *m, xs_graph *g, cg_outs *o) {
    rnea_work w;
    aba_body *B = malloc((size_t)m->nbody * sizeof *B);
    if (work_alloc(m, &w) != 0 || !B) return work_free(&w), free(B), -1;
    int nv = m->nv, nb = m->nbody;
    xs *vel = w.vel, *acc = w.acc;
    cg_inputs(g, 0, m->nq, w.q);
    cg_inputs(g, 1, nv, w.v);
    cg_inputs(g, 2, nv, w.tau);
    local_placements(m, g, w.q, w.X);
    for (int i = 0; i < 6; i++) vel[i] = g->zero;
    for (int b = 1; b < nb; b++) { /* velocities, bias accelerations and forces */
        int p = m->body_parent[b];
        xs *vb = &vel[6 * b], vj[6], h[6];
        xs_inertia Y;
        xs_inertia_const(g, &m->body_inertia[b], &Y);
        joint_motion(g, m, b, w.v + m->body_vadr[b], vj);
        xs_motion_act_inv(g, &w.X[b], &vel[6 * p], vb);
        for (int i = 0; i < 6; i++) vb[i] = xs_add(g, vb[i], vj[i]);
        xs_motion_cross(g, vb, vj, B[b].c);
        xs_inertia_matrix(g, &Y, B[b].IA);
        xs_inertia_mul(g, &Y, vb, h);
        xs_motion_cross_force(g, vb, h, B[b].pA);
    }
    for (int b = nb - 1; b >= 1; b--) { /* articulated inertias, leaves to root */
        aba_body *k = &B[b];
        int n = m->body_nv[b], va = m->body_vadr[b], p = m->body_parent[b];
        for (int j = 0; j < n; j++) { /* U = IA S (6 x n), D = S^T U, u = tau - S^T pA */
            xs s[6];
            xs_joint_col(g, m, b, j, s);
            for (int r = 0; r < 6; r++) {
                xs e = g->zero;
                for (int i = 0; i < 6; i++) e = xs_add(g, e, xs_mul(g, k->IA[6 * r + i], s[i]));
                k->U[r * n + j] = e;
            }
            k->u[j] = xs_sub(g, w.tau[va + j], col_dot(g, m, b, j, k->pA));
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                xs Uj[6];
                for (int r = 0; r < 6; r++) Uj[r] = k->U[r * n + j];
                xs e = col_dot(g, m, b, i, Uj);
                if (i == j) e = xs_add(g, e, xs_const(g, m->dof_armature[va + i]));
                k->D[i * n + j] = e;
            }
        if (p <= 0) continue;
        /* Ia = IA - U D^-1 U^T, pa = pA + Ia c + U D^-1 u */
        xs Y[36 + 6]; /* D^-1 U^T (n x 6) then D^-1 u (n): n x 7 right-hand sides */
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < 6; r++) Y[i * 7 + r] = k->U[r * n + i];
            Y[i * 7 + 6] = k->u[i];
        }
        small_solve(g, n, k->D, Y, 7);
        xs Ia[36], pa[6];
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++) {
                if (c < r) continue;
                xs e = k->IA[6 * r + c];
                for (int i = 0; i < n; i++)
                    e = xs_sub(g, e, xs_mul(g, k->U[r * n + i], Y[i * 7 + c]));
                Ia[6 * r + c] = Ia[6 * c + r] = e;
            }
        for (int r = 0; r < 6; r++) {
            xs e = k->pA[r];
            for (int i = 0; i < 6; i++) e = xs_add(g, e, xs_mul(g, Ia[6 * r + i], k->c[i]));
            for (int i = 0; i < n; i++) e = xs_add(g, e, xs_mul(g, k->U[r * n + i], Y[i * 7 + 6]));
            pa[r] = e;
        }
        xs IAp[36], fp[6];
        xs_mat6_act(g, &w.X[b], Ia, IAp);
        xs_force_act(g, &w.X[b], pa, fp);
        for (int i = 0; i < 36; i++) B[p].IA[i] = xs_add(g, B[p].IA[i], IAp[i]);
        for (int i = 0; i < 6; i++) B[p].pA[i] = xs_add(g, B[p].pA[i], fp[i]);
    }
    for (int i = 0; i < 6; i++) acc[i] = i < 3 ? xs_const(g, -m->gravity[i]) : g->zero;
    for (int b = 1; b < nb; b++) { /* accelerations, root to leaves */
        aba_body *k = &B[b];
        int n = m->body_nv[b], va = m->body_vadr[b], p = m->body_parent[b];
        xs *ab = &acc[6 * b], qdd[6];
        xs_motion_act_inv(g, &w.X[b], &acc[6 * p], ab);
        for (int i = 0; i < 6; i++) ab[i] = xs_add(g, ab[i], k->c[i]);
        for (int i = 0; i < n; i++) { /* D qdd = u - U^T a' */
            xs e = k->u[i];
            for (int r = 0; r < 6; r++) e = xs_sub(g, e, xs_mul(g, k->U[r * n + i], ab[r]));
            qdd[i] = e;
        }
        small_solve(g, n, k->D, qdd, 1);
        xs sa[6];
        joint_motion(g, m, b, qdd, sa);
        for (int i = 0; i < 6; i++) ab[i] = xs_add(g, ab[i], sa[i]);
        for (int i = 0; i < n; i++) cg_put(o, "qdd", va + i, qdd[i]);
    }
    work_free(&w);
    free(B);
    return g->nomem || o->nomem ? -1 : 0;
}
