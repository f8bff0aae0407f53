/* xiaonao: the robot model (an immutable kinematic tree with inertias, limits and named frames),
 * its workspace (xn_data), and the builder that makes a model from links and joints.
 *
 * Layout of the tree. Body 0 is the world. Every other body is attached to its parent body by one
 * movable joint; links joined by fixed joints are merged into one body at build time (their
 * inertias are summed, their frames kept). Bodies are numbered depth-first, children in the order
 * they were added, so a parent always precedes its children and a body's subtree is the range
 * [b, body_subtree_end[b]).
 *
 * Configuration q and velocity v. Each body's joint owns body_nq[b] entries of q at body_qadr[b]
 * and body_nv[b] entries of v at body_vadr[b]:
 *   revolute, continuous, prismatic: 1 and 1 (angle in rad or displacement in m);
 *   free (floating base): q = [position (3, parent frame), quaternion (4, w x y z)],
 *                         v = [linear velocity (3), angular velocity (3)], both in the body's
 *                         own (local) frame;
 *   ball: q = quaternion (w x y z), v = angular velocity (3) in the body's local frame.
 * Units are SI throughout.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_MODEL_H
#define XIAONAO_MODEL_H

#include "xiaonao/spatial.h"
#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** Joint types. */
typedef enum {
    XN_JOINT_FIXED = 0,      /**< no motion; merged into the parent body when the model is built */
    XN_JOINT_REVOLUTE = 1,   /**< rotation about an axis, with position limits */
    XN_JOINT_CONTINUOUS = 2, /**< rotation about an axis, unlimited (q is the angle) */
    XN_JOINT_PRISMATIC = 3,  /**< translation along an axis */
    XN_JOINT_FREE = 4,       /**< 6-DoF floating base */
    XN_JOINT_BALL = 5        /**< 3-DoF spherical joint */
} xn_joint_type;

/** What a named frame stands for. */
typedef enum {
    XN_FRAME_BODY = 0,  /**< a URDF link or an MJCF body */
    XN_FRAME_JOINT = 1, /**< a joint's frame (movable or fixed) */
    XN_FRAME_SITE = 2   /**< an MJCF site or a frame added in code */
} xn_frame_type;

/** An immutable robot model. Every array is owned by the model and freed by xn_model_free.
 * Read the fields freely; never write them. */
typedef struct xn_model {
    char *name;         /**< model name from the file ("" if none) */
    int nq;             /**< configuration size */
    int nv;             /**< velocity (degrees of freedom) size */
    int nbody;          /**< bodies, including the world body 0 */
    int nframe;         /**< named frames */
    xn_real gravity[3]; /**< gravity in the world frame (m/s^2), default (0, 0, -9.81) */

    /* ---- per body b, 0 <= b < nbody (entries of body 0 are unused) ---- */
    int *body_parent;          /**< parent body (-1 for the world) */
    int *body_subtree_end;     /**< one past the last body of b's subtree */
    xn_joint_type *body_jtype; /**< type of the joint between b and its parent */
    int *body_jaxis;    /**< 1-DoF joints: 0, 1, 2 when the axis is +-x, +-y, +-z; 3 otherwise */
    xn_real *body_axis; /**< 3 per body: the joint's unit axis in b's frame */
    xn_se3 *body_tree;  /**< placement of b's frame in its parent's frame at q = 0 */
    signed char *body_tree_perm; /**< 3 per body: when body_tree's rotation is a signed
                                      permutation (URDF rpy of multiples of pi/2), column j is
                                      sign * e_i with entry j = sign * (i + 1); else all 0 */
    xn_inertia *body_inertia;    /**< inertia of b (with its merged links) about b's frame origin */
    int *body_qadr, *body_nq;    /**< where b's joint sits in q, and how many entries */
    int *body_vadr, *body_nv;    /**< where b's joint sits in v, and how many entries */
    char **body_name;            /**< name of the link or MJCF body that defines b's frame */
    char **joint_name;  /**< name of the joint between b and its parent ("universe" for b = 0) */
    char **joint_mimic; /**< URDF mimic: the name of the joint it mimics, or NULL. Mimic joints
                             are loaded as independent joints (no coupling constraint yet). */
    xn_real *joint_mimic_gain; /**< mimic multiplier and offset, 2 per body */

    /* ---- per degree of freedom k, 0 <= k < nv ---- */
    int *dof_body;         /**< body whose joint owns the DoF */
    int *dof_parent;       /**< previous DoF on the path to the root, -1 at the root */
    int *dof_path_adr;     /**< nv + 1 entries: where each DoF's path starts in dof_path */
    int *dof_path;         /**< DoF k's path to the root, k first, in decreasing order, at
                                dof_path[dof_path_adr[k] .. dof_path_adr[k + 1]) */
    int *dof_run_adr;      /**< nv + 1 entries: where each DoF's runs start in dof_runs */
    int *dof_runs;         /**< the same path as runs of consecutive DoFs, 2 numbers (highest,
                                lowest) per run, so that loops over a path are contiguous */
    xn_real *dof_armature; /**< reflected rotor inertia (kg m^2 or kg), added to M's diagonal */
    xn_real *dof_damping;  /**< viscous damping (N m s/rad or N s/m) */
    xn_real *dof_friction; /**< Coulomb friction (N m or N) */
    xn_real *dof_vmax;     /**< velocity limit (rad/s or m/s), INFINITY when none */
    xn_real *dof_effort;   /**< effort limit (N m or N), INFINITY when none */

    /* ---- per configuration entry i, 0 <= i < nq ---- */
    xn_real *q_lower, *q_upper; /**< position limits; -INFINITY / INFINITY when none */
    xn_real *q_neutral;         /**< the neutral configuration (zeros, identity quaternions) */

    /* ---- named frames f, 0 <= f < nframe ---- */
    char **frame_name;
    xn_frame_type *frame_type;
    int *frame_body;           /**< the body a frame is fixed to */
    xn_se3 *frame_placement;   /**< the frame's placement in its body's frame */
    unsigned char *frame_kind; /**< what frame_placement is: 0 the identity (the frame is its
                                    body's), 1 a pure translation, 2 general */
    int *frame_by_kind;        /**< frame ids grouped by kind (0s, then 1s, then 2s), so the
                                    all-frames loop runs without a branch per frame */
    int frame_kind_count[3];   /**< how many frames of each kind */

    int nwarning; /**< warnings raised while loading (e.g. inertia violating A + B >= C) */
    char **warning;
} xn_model;

/** Free a model and everything it owns. NULL is allowed. */
void xn_model_free(xn_model *m);
/** A deep copy of m, owned by the caller (free with xn_model_free): computations on the copy
 * give the same results bit for bit, and a change to the copy (xn_model_set_body_inertia) leaves
 * m as it was. NULL when out of memory. */
xn_model *xn_model_copy(const xn_model *m);
/** Index of the frame with that name, or -1. Bodies and joints share names with their frames. */
int xn_model_frame_id(const xn_model *m, const char *name);
/** Index of the body whose link or MJCF body has that name, or -1. */
int xn_model_body_id(const xn_model *m, const char *name);
/** Index of the body whose (movable) joint has that name, or -1. */
int xn_model_joint_body(const xn_model *m, const char *name);
/** Replace body b's inertia (about b's frame origin, in b's axes): the one change a model allows
 * after it is built, for a payload picked up or set down, made on a model the caller owns
 * outright (its own copy from xn_model_copy: the controller keeps one for `set payload`, so the
 * model an application passes it never changes). Not while a computation on the model runs in
 * another thread. Returns XN_ERR_RANGE for a bad body or a negative or non-finite mass. */
xn_status xn_model_set_body_inertia(xn_model *m, int b, const xn_inertia *I);
/** Total mass of the model (kg). */
xn_real xn_model_mass(const xn_model *m);
/** Name of a joint type ("revolute", ...). */
const char *xn_joint_type_str(xn_joint_type t);

/** Workspace of every computation on one model. Allocated once by xn_data_create; compute
 * functions only write into it. Arrays are indexed like the model's. */
typedef struct xn_data {
    int nv, nbody, nframe;
    xn_se3 *liMi;    /**< per body: placement in its parent's frame at the current q */
    xn_se3 *oMi;     /**< per body: placement in the world frame */
    xn_se3 *oMf;     /**< per frame: placement in the world frame (xn_dyn_frames) */
    xn_real *v;      /**< 6 per body: spatial velocity in the body's frame (written by
                          xn_dyn_fk_vel, _fk_acc, RNEA and the energy; ABA leaves it alone) */
    xn_real *a;      /**< 6 per body: spatial acceleration in the body's frame (RNEA: with
                          gravity folded in as an upward acceleration of the world) */
    xn_real *aba_v;  /**< 6 per body: ABA's velocities, world axes about the root (scratch) */
    xn_real *aba_a;  /**< 6 per body: ABA's accelerations, world axes about the root (scratch) */
    xn_real *f;      /**< 6 per body: spatial force transmitted by the body's joint */
    xn_real *tau;    /**< nv: result of xn_dyn_rnea */
    xn_real *nle;    /**< nv: result of xn_dyn_nle */
    xn_real *g;      /**< nv: result of xn_dyn_gravity */
    xn_real *qdd;    /**< nv: result of xn_dyn_aba */
    xn_real *M;      /**< nv*nv row-major: result of xn_dyn_crba (both triangles) */
    xn_real *LD;     /**< nv*nv: xn_dyn_factor's M = L^T D L (unit L strictly below, D on the
                          diagonal); only entries on each DoF's path to the root are used */
    xn_real *Jw;     /**< 6*nv row-major: xn_dyn_joint_jacobians, each DoF's motion axis in
                          the world frame at the world origin */
    xn_real *J;      /**< 6*nv scratch for frame Jacobians */
    xn_real *Jcom;   /**< 3*nv: xn_dyn_com_jacobian */
    xn_real *Ag;     /**< 6*nv: xn_dyn_centroidal_map, the centroidal momentum matrix */
    xn_real com[3];  /**< centre of mass of the whole model (world), from xn_dyn_com */
    xn_real mass;    /**< total mass */
    xn_inertia *Ic;  /**< per body: composite inertia of its subtree (CRBA) */
    xn_real *IA;     /**< 36 per body: articulated inertia (ABA) */
    xn_real *pA;     /**< 6 per body: articulated bias force (ABA) */
    xn_real *U;      /**< 6 per DoF: IA S (ABA) */
    xn_real *Dinv;   /**< 36 per body: (S^T IA S)^-1, nv_b x nv_b (ABA) */
    xn_real *u;      /**< nv (ABA) */
    xn_real *tmp;    /**< 6 * (nbody + nv) scratch */
    xn_real *subcom; /**< 4 per body: subtree mass and mass-weighted centre in the world */
    int *path;       /**< nbody scratch: a body's path to the root */
} xn_data;

/** Allocate the workspace for a model. Returns NULL if memory runs out. */
xn_data *xn_data_create(const xn_model *m);
/** Free a workspace. NULL is allowed. */
void xn_data_free(xn_data *d);

/* ------------------------------------------------------------------------------------------
 * Builder: make a model in code, or from a file format (the loaders use it).
 * Links are rigid bodies; joints connect a parent link to a child link. Link 0 is the world.
 * ------------------------------------------------------------------------------------------ */

/** Everything a joint carries besides its connection and placement. */
typedef struct {
    xn_joint_type type;
    xn_real axis[3];      /**< axis in the joint frame (need not be unit; normalized on add) */
    xn_real lower, upper; /**< position limits, -INFINITY / INFINITY for none */
    xn_real velocity;     /**< velocity limit, INFINITY for none */
    xn_real effort;       /**< effort limit, INFINITY for none */
    xn_real damping, friction, armature;
    const char *mimic; /**< URDF mimic: mimicked joint name (copied), or NULL */
    xn_real mimic_multiplier, mimic_offset;
} xn_joint_spec;

/** A joint spec of the given type with axis z, no limits and no damping. */
xn_joint_spec xn_joint_spec_default(xn_joint_type type);

typedef struct xn_builder xn_builder;

/** A new builder holding only the world link (id 0, named "universe"; links added later are
 * never confused with it, even if one is named so). NULL if out of memory. */
xn_builder *xn_builder_create(void);
void xn_builder_free(xn_builder *b);
/** Strict mode: an inertia that violates the triangle inequality is an error, not a warning. */
void xn_builder_set_strict(xn_builder *b, int strict);
void xn_builder_set_gravity(xn_builder *b, const xn_real g[3]);
void xn_builder_set_name(xn_builder *b, const char *name);
/** Add a link with mass (kg), centre of mass (m, link frame) and the rotational inertia about
 * the centre of mass in link axes {Ixx, Iyy, Izz, Ixy, Ixz, Iyz}. *id (may be NULL) gets the
 * link's id (> 0), -1 on failure. XN_ERR_INVALID for an empty or duplicate name, XN_ERR_RANGE
 * for a negative or non-finite mass, a non-finite centre of mass, an inertia that is not
 * positive semi-definite (or, in strict mode, breaks the triangle inequality), XN_ERR_NOMEM. */
xn_status xn_builder_add_link(xn_builder *b, const char *name, xn_real mass, const xn_real com[3],
                              const xn_real inertia[6], int *id, xn_error *err);
/** Connect child_link to parent_link. `placement` places the joint frame in the parent link's
 * frame; the child link's frame is the joint frame moved by the joint. *id (may be NULL) gets
 * the joint's id (>= 0), -1 on failure. XN_ERR_NOT_FOUND for a link id that does not exist,
 * XN_ERR_INVALID for an empty or duplicate name or a child that has a parent already,
 * XN_ERR_RANGE for a placement that is not a rigid motion, a zero axis, limits that are not a
 * range, XN_ERR_UNSUPPORTED for an unknown type, XN_ERR_NOMEM. */
xn_status xn_builder_add_joint(xn_builder *b, const char *name, int parent_link, int child_link,
                               const xn_se3 *placement, const xn_joint_spec *spec, int *id,
                               xn_error *err);
/** Add a named frame (a site) fixed to a link. *id (may be NULL) gets the frame's builder id,
 * -1 on failure; the errors as xn_builder_add_joint's. */
xn_status xn_builder_add_frame(xn_builder *b, const char *name, int link, const xn_se3 *placement,
                               int *id, xn_error *err);
/** Record a warning that the model will carry (printf-style). */
void xn_builder_warn(xn_builder *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Id (> 0) of the added link with that name, or -1. */
int xn_builder_link_id(const xn_builder *b, const char *name);
/** The joint whose child is `link`, or -1 (the world, or a link not attached yet). */
int xn_builder_link_parent_joint(const xn_builder *b, int link);
/** Name of a link (owned by the builder). */
const char *xn_builder_link_name(const xn_builder *b, int link);
/** Number of links including the world. */
int xn_builder_nlinks(const xn_builder *b);
/** Build the model: checks the tree (one parent per link, no cycle, every link reachable from the
 * world), merges fixed joints, orders bodies depth-first. On failure returns a negative status,
 * *out is NULL and err->message says why (err may be NULL). The builder stays usable. */
xn_status xn_builder_compile(xn_builder *b, xn_model **out, xn_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
