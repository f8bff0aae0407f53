/* The C face of bench/peers/pinocchio_shim.cpp: Pinocchio's algorithms on configurations set
 * beforehand, for the benchmarks that time it beside xiaonao in one process (XN_HAVE_PINOCCHIO).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_BENCH_PINOCCHIO_SHIM_H
#define XN_BENCH_PINOCCHIO_SHIM_H

typedef struct pn_robot pn_robot;
pn_robot *pn_load(const char *urdf, int floating, const char *frame);
void pn_free(pn_robot *r);
int pn_nq(const pn_robot *r);
int pn_nv(const pn_robot *r);
void pn_set(pn_robot *r, int n, const double *q, int qs, const double *v, const double *a, int vs,
            int free_qadr);
void pn_fk(pn_robot *r, int c);
void pn_fk_frames(pn_robot *r, int c);
void pn_joint_jacobians(pn_robot *r, int c);
void pn_frame_jacobian(pn_robot *r, int c);
void pn_rnea(pn_robot *r, int c);
void pn_crba(pn_robot *r, int c);
void pn_crba_factor(pn_robot *r, int c);
void pn_aba(pn_robot *r, int c);
const double *pn_tau(const pn_robot *r);

#endif
