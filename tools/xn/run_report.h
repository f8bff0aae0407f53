/* The report of xn run: plots (gnuplot) and an HTML page. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_REPORT_H
#define XN_RUN_REPORT_H

#include "vibration.h"
#include "xiaonao/runtime.h"

typedef struct {
    const char *program, *robot, *backend, *result, *limits_source;
    int nj;
    const char *joint[XN_OTG_MAX_DOFS];
    double max_err[XN_OTG_MAX_DOFS], max_tau[XN_OTG_MAX_DOFS];
    const xn_loop_report *loop;
    const xn_vib_report *vibration; /* residual vibration per motion, or NULL */
    const char *locomotion_html;    /* a walking robot: the per-line table (locomotion.dat
                                       beside it), or NULL */
    const char *balance_html;       /* a balancing humanoid: its summary (balance.dat and
                                       support.dat beside it), or NULL */
    int replay;                     /* 1: DIR/replay.html was written (the 3D replay) */
} xn_run_summary;

/* Write DIR/index.html and the plots (PNG files in DIR, drawn by gnuplot from the CSV log). Returns
 * 0, or 1 after printing why. */
int xn_run_write_report(const char *dir, const char *log_csv, const xn_run_summary *s);

#endif
