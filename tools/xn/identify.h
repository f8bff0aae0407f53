/* xn identify's parts. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_IDENTIFY_H
#define XN_IDENTIFY_H

#include "run_log.h"
#include "xiaonao/model.h"

/* xn identify excite MODEL --out PROGRAM ... (argv[0] is "excite") */
int xn_identify_excite(int argc, char **argv);
/* xn identify payload MODEL LOG... (argv[0] is "payload") */
int xn_identify_payload(int argc, char **argv);

/* Read a log and map its joints to the model's DoFs (dof: one per logged joint); with `first`,
 * its joints must be first's. 0, or 1 after printing the error. */
int xn_identify_read_log(const xn_model *m, const char *path, xn_log *log, int *dof,
                         const xn_log *first);
/* The samples of one log: velocities and torques through the same zero-phase low-pass (cutoff,
 * Hz), the accelerations their derivative, about `rate` rows a second, the filter's first and
 * last 0.2 s left out, only rows where the controller was running; fn for each (q: nq, v and a:
 * nv, the DoFs not logged held at the model's neutral; tau: the logged joints'). */
typedef int (*xn_identify_sample_fn)(void *ctx, const double *q, const double *v, const double *a,
                                     const double *tau);
int xn_identify_for_samples(const xn_model *m, const xn_log *log, const int *dof, double cutoff,
                            double rate, const char *path, xn_identify_sample_fn fn, void *ctx);
/* Every log's samples into id: logs[0] already read as `first` (its DoFs `dof`), the others
 * read here and held to first's joints. 0, or 1 after printing the error. */
struct xn_ident;
int xn_identify_add_logs(const xn_model *m, const char *const *logs, int nlogs, const xn_log *first,
                         const int *dof, double cutoff, double rate, struct xn_ident *id);
/* An fn for xn_identify_for_samples: xn_ident_add to the xn_ident in ctx. */
int xn_identify_add_sample(void *ctx, const double *q, const double *v, const double *a,
                           const double *tau);

#endif
