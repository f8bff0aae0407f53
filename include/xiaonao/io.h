/* xiaonao: loading robot models from URDF and MJCF files (libxml2).
 * Errors fill an xn_error with the file, the line and the reason; the returned status says what
 * kind of error it was. Warnings (e.g. an inertia that violates A + B >= C) are kept in the
 * model's `warning` list.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_IO_H
#define XIAONAO_IO_H

#include <stddef.h>

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Options for the loaders. Zero-initialize for the defaults. */
typedef struct {
    int floating_base; /**< URDF: attach the root link to the world by a free joint named
                            "root_joint" (as Pinocchio's JointModelFreeFlyer), not rigidly */
    int strict;        /**< reject inertias that violate the triangle inequality */
} xn_load_options;

/** Load a URDF file. On success *out owns a new model (free with xn_model_free). */
xn_status xn_load_urdf(const char *path, const xn_load_options *opt, xn_model **out, xn_error *err);
/** Load a URDF document held in memory; `name` is used in error messages. */
xn_status xn_load_urdf_string(const char *xml, size_t len, const char *name,
                              const xn_load_options *opt, xn_model **out, xn_error *err);
/** Load an MJCF file (MuJoCo's format: the subset real robot files use; see docs/models.md). */
xn_status xn_load_mjcf(const char *path, const xn_load_options *opt, xn_model **out, xn_error *err);
/** Load an MJCF document held in memory. `<include>` files are looked up relative to base_dir
 * (NULL: the current directory); `name` is used in error messages. */
xn_status xn_load_mjcf_string(const char *xml, size_t len, const char *name, const char *base_dir,
                              const xn_load_options *opt, xn_model **out, xn_error *err);
/** Load a model file, URDF or MJCF, chosen by its root element (<robot> or <mujoco>). */
xn_status xn_load_model(const char *path, const xn_load_options *opt, xn_model **out,
                        xn_error *err);

/** Write the model as MJCF: its tree, inertias, joint ranges, armature, damping and friction,
 * effort limits (as motors) and named frames (as sites), no geometry; `comment` (may be NULL)
 * goes at the top. xn_load_mjcf reads it back to the same dynamics. */
xn_status xn_model_write_mjcf(const xn_model *m, const char *path, const char *comment,
                              xn_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
