/* Shared helpers of the xn command's subcommands. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_CLI_H
#define XN_CLI_H

#include <stdio.h>

#include "xiaonao/xiaonao.h"

int xn_cmd_info(int argc, char **argv);
int xn_cmd_dyn(int argc, char **argv);
int xn_cmd_otg(int argc, char **argv);
int xn_cmd_run(int argc, char **argv);
int xn_cmd_serve(int argc, char **argv);
int xn_cmd_ik(int argc, char **argv);
int xn_cmd_path(int argc, char **argv);
int xn_cmd_tune(int argc, char **argv);
int xn_cmd_ecat(int argc, char **argv);
int xn_cmd_ecat_sim(int argc, char **argv);
int xn_cmd_codegen(int argc, char **argv);
int xn_cmd_identify(int argc, char **argv);
int xn_cmd_calibrate(int argc, char **argv);
int xn_cmd_iso9283(int argc, char **argv);

/* Print "xn: <message>" to stderr; returns 1 (the exit code for a user error). */
int xn_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Load a model (URDF or MJCF); prints the loader's error (file:line: reason) on failure. */
xn_model *xn_cli_load(const char *path, int floating_base, int strict);
/* Read a whole file into a new NUL-terminated buffer; NULL with a message on failure. */
char *xn_cli_slurp(const char *path, size_t *len);
struct xn_json;
/* Read and parse a JSON file; NULL after printing "FILE: what is wrong" (free with
 * xn_json_free). */
struct xn_json *xn_cli_json_file(const char *path);
/* Call fn on each non-blank line of text parsed as JSON, with "FILE:LINE" for messages; stops at
 * the first non-zero return (a parse error prints its place and returns 1). */
int xn_cli_json_lines(char *text, const char *file,
                      int (*fn)(void *ctx, const struct xn_json *j, const char *where), void *ctx);
/* Parse "a,b,c" (finite numbers, at most cap) into out; the count, or -1 when it is not such a
 * list (or has more than cap numbers). */
int xn_cli_list(const char *s, double *out, int cap);
/* Make room in a growing log: when *n == *cap, double *arr (size-byte elements; first elements
 * when it is empty). 0, or -1 when memory ran out (*arr then still holds what it had). */
int xn_cli_reserve(void **arr, long *cap, long n, size_t size, long first);
/* Write a JSON array of n numbers (shortest exact form). */
void xn_cli_json_array(FILE *f, const double *x, int n);

/* Rated velocity, acceleration and jerk per joint (limits.json beside a scene). */
typedef struct {
    int n;
    char name[XN_OTG_MAX_DOFS][64];
    double value[XN_OTG_MAX_DOFS][3]; /* velocity, acceleration, jerk; 0 when not given */
    char source[512];
} xn_rated_limits;
/* Read a limits file: 0 when it is absent and optional, 1 when read, -1 on an error (printed). */
int xn_cli_read_limits(const char *path, int required, xn_rated_limits *rl);

#endif
