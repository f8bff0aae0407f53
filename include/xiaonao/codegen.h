/* xiaonao: C code specialized to one robot model (`xn codegen`).
 *
 * The generic dynamics (dynamics.h) read the model's tree, axes and inertias at run time. The
 * generated code has them folded in: each function is straight-line C11 for one model, with the
 * joint axes, fixed placements and inertias as constants, their zero and one entries gone, and
 * each joint's sine and cosine computed once. It needs libm only, allocates nothing, keeps no
 * state, and is reentrant. It follows the library's conventions exactly (model.h: q and v
 * layout, free-joint quaternion w x y z, velocities in the body frame; dynamics.h: M row-major
 * with both triangles, the factor's layout), so its results can be checked against (and mixed
 * with) the generic functions'.
 *
 * Generated functions, for prefix P, model sizes NQ, NV, NBODY (all arrays caller-owned, sizes
 * in elements; outputs must not overlap inputs, except P_solve's x, which may be b):
 *   P_fk(q[NQ], pose[12 NBODY])          every body's placement in the world: R (3x3 row-major)
 *                                        then p, as xn_se3; body 0 the world (identity)
 *   P_<frame>_pose(q, pose[12])          one named frame's placement in the world
 *   P_<frame>_jacobian(q, J[6 NV])       its Jacobian, XN_LOCAL_WORLD_ALIGNED, row-major
 *   P_com(q, com[3])                     centre of mass of the whole model, world frame (m)
 *   P_rnea(q, v[NV], a[NV], tau[NV])     inverse dynamics, armature included (N m, N)
 *   P_nle(q, v, nle[NV]), P_gravity(q, g[NV])
 *   P_crba(q, M[NV NV])                  joint-space inertia matrix, armature on the diagonal
 *   P_factor(M, LD[NV NV])               M = L^T D L as xn_dyn_factor (only the entries on each
 *                                        DoF's path to the root are written)
 *   P_solve(LD, b[NV], x[NV])            x = M^-1 b from the factor
 *   P_aba(q, v, tau, qdd[NV])            forward dynamics (articulated-body algorithm)
 *
 * The states given must be finite and quaternions nonzero: a structural zero is folded away, so
 * an infinite or NaN entry does not always reach every output the IEEE rules would take it to.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_CODEGEN_H
#define XIAONAO_CODEGEN_H

#include "xiaonao/model.h"
#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

/** What to generate. Zero-initialize, then set what is needed. */
typedef struct {
    const char *prefix;        /**< C identifier the names start with; NULL: the model's name
                                    (non-identifier characters become '_') */
    int single;                /**< 1: float arithmetic (P_real is float), 0: double */
    const char *const *frames; /**< named frames that get _pose and _jacobian functions */
    int nframes;
    const char *source;      /**< the model file's name, for the header comment (may be NULL) */
    const char *source_hash; /**< its SHA-256 in hex, for the header comment (may be NULL) */
    int model_description;   /**< 1: also DIR/PREFIX_model.c, the model rebuilt in code through
                                  the builder (`xn_status P_build_model(xn_model **out,
                                  xn_error *err)`), for the generic library on a target with no
                                  loader; it needs xiaonao's headers and core library */
} xn_codegen_options;

/** Write DIR/PREFIX.h and DIR/PREFIX.c (and DIR/PREFIX_model.c if asked) for model m. The directory
 * must exist. Errors: XN_ERR_INVALID for a prefix that is not a C identifier or frame names that
 * collide once made identifiers, XN_ERR_NOT_FOUND for an unknown frame, XN_ERR_UNSUPPORTED for a
 * joint type the generator does not know, XN_ERR_IO when a file cannot be written, XN_ERR_NOMEM. */
xn_status xn_codegen_write(const xn_model *m, const xn_codegen_options *opt, const char *dir,
                           xn_error *err);

/** SHA-256 of n bytes, as 64 lowercase hex digits and a NUL. */
void xn_sha256_hex(const void *data, size_t n, char out[65]);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
