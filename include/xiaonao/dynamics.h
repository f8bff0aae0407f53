/* xiaonao: kinematics and rigid-body dynamics on a model (Featherstone's spatial algebra).
 *
 * Every function takes the immutable model, the workspace made for it by xn_data_create, and
 * plain arrays sized by the model: q has m->nq entries, v, a, tau have m->nv (layout in model.h).
 * Results go into fields of xn_data named below. None of these functions allocates, blocks or
 * does I/O; none checks its inputs for NaN (the caller's job: the runtime validates sensor data).
 * Frame and body indices must be valid (0 <= f < m->nframe).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_DYNAMICS_H
#define XIAONAO_DYNAMICS_H

#include "xiaonao/model.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** How a frame Jacobian (or frame velocity) is expressed. Rows are linear first, then angular. */
typedef enum {
    XN_WORLD = 0,              /**< spatial velocity in world axes, at the world origin */
    XN_LOCAL = 1,              /**< the frame's own velocity, in the frame's axes */
    XN_LOCAL_WORLD_ALIGNED = 2 /**< the frame origin's velocity and the angular velocity, in
                                    world axes (Pinocchio's LOCAL_WORLD_ALIGNED) */
} xn_reference_frame;

/* ---- kinematics ---- */

/** Forward kinematics: d->oMi, every body's placement in the world at q. */
void xn_dyn_fk(const xn_model *m, xn_data *d, const xn_real *q);
/** Forward kinematics with velocities: as xn_dyn_fk, plus d->v (body velocities, body frame). */
void xn_dyn_fk_vel(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v);
/** Forward kinematics with accelerations: as xn_dyn_fk_vel, plus d->a (body spatial
 * accelerations in the body frame, from joint accelerations a; gravity not included). */
void xn_dyn_fk_acc(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                   const xn_real *a);
/** Placements of every frame, d->oMf, from d->oMi (call xn_dyn_fk first). */
void xn_dyn_frames(const xn_model *m, xn_data *d);
/* The per-frame functions below return XN_ERR_RANGE, and fill their outputs with NaN, when
 * `frame` is not one of m's (0 <= frame < m->nframe) or rf is not a xn_reference_frame; else
 * XN_OK. */
/** Placement of one frame in the world from d->oMi (call xn_dyn_fk first). */
xn_status xn_dyn_frame_placement(const xn_model *m, const xn_data *d, int frame, xn_se3 *out);
/** Spatial velocity of a frame (6) in the given convention, from d->oMi and d->v
 * (call xn_dyn_fk_vel first). */
xn_status xn_dyn_frame_velocity(const xn_model *m, const xn_data *d, int frame,
                                xn_reference_frame rf, xn_real out[6]);

/* ---- Jacobians ---- */

/** The Jacobian of a frame, J (6 x nv, row-major, caller-owned), such that J v is the frame's
 * velocity in convention rf. Reads d->oMi (call xn_dyn_fk first). Columns of DoFs that do not
 * move the frame are zero. */
xn_status xn_dyn_frame_jacobian(const xn_model *m, const xn_data *d, int frame,
                                xn_reference_frame rf, xn_real *J);
/** One frame's Jacobian at q, computing the placements of only the bodies between the frame and
 * the root (the cheapest way to get one Jacobian). Fills d->oMi for those bodies. */
xn_status xn_dyn_frame_jacobian_at(const xn_model *m, xn_data *d, const xn_real *q, int frame,
                                   xn_reference_frame rf, xn_real *J);
/** Forward kinematics and every DoF's motion axis in the world frame at the world origin:
 * d->Jw (6 x nv), Pinocchio's computeJointJacobians. */
void xn_dyn_joint_jacobians(const xn_model *m, xn_data *d, const xn_real *q);
/** A frame's Jacobian taken from d->Jw (after xn_dyn_joint_jacobians), in convention rf. */
xn_status xn_dyn_frame_jacobian_from_joints(const xn_model *m, const xn_data *d, int frame,
                                            xn_reference_frame rf, xn_real *J);
/** The drift term J-dot v of a frame (6) in convention rf: the frame's acceleration at zero joint
 * acceleration (classical acceleration of the origin for XN_LOCAL_WORLD_ALIGNED, spatial
 * acceleration for XN_LOCAL and XN_WORLD), so that frame acceleration = J a + out. Runs
 * xn_dyn_fk_acc with a = 0 (overwrites d->oMi, d->v, d->a). */
xn_status xn_dyn_frame_drift(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                             int frame, xn_reference_frame rf, xn_real out[6]);

/* ---- dynamics ---- */

/** Recursive Newton-Euler inverse dynamics: d->tau = M(q) a + C(q, v) v + g(q), including the
 * armature term armature * a (joint damping and friction are not included: see
 * xn_dyn_passive). Also fills d->liMi, d->v, d->a (with gravity) and d->f. */
void xn_dyn_rnea(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                 const xn_real *a);
/** RNEA with external forces: d->tau = M a + C v + g - sum_b J_b^T fext_b. fext holds 6 numbers
 * per body (m->nbody entries; entry 0 is ignored): the spatial force applied to body b, force
 * then moment, expressed in b's frame at b's origin (Pinocchio's convention). NULL means none. */
void xn_dyn_rnea_ext(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                     const xn_real *a, const xn_real *fext);
/** Inertial parameters per body in the regressor: mass m (kg), first moment h = m c (kg m, c the
 * centre of mass in the body frame), rotational inertia about the body frame's origin in body
 * axes, Ixx Iyy Izz Ixy Ixz Iyz (kg m^2): xn_inertia's order. */
#define XN_DYN_BODY_PARAMS 10
/** Columns of the regressor: XN_DYN_BODY_PARAMS per body 1 .. nbody-1 (body b's at
 * XN_DYN_BODY_PARAMS * (b - 1)), then one armature per DoF. */
int xn_dyn_regressor_cols(const xn_model *m);
/** The joint-force regressor Y (m->nv rows, xn_dyn_regressor_cols(m) columns, row-major, written
 * by the caller's buffer): the RNEA joint forces are Y pi for the model's parameters pi
 * (xn_dyn_regressor_params), linear in pi, so identification can solve for pi from measured
 * torques. v or a may be NULL (zero). Runs xn_dyn_rnea (d->liMi, d->v, d->a, d->f, d->tau).
 * Allocates nothing. */
void xn_dyn_regressor(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                      const xn_real *a, xn_real *Y);
/** The model's parameter vector pi (xn_dyn_regressor_cols(m) entries) in the regressor's order. */
void xn_dyn_regressor_params(const xn_model *m, xn_real *pi);
/** One body's ten parameters (XN_DYN_BODY_PARAMS, the regressor's order) as an xn_inertia. */
void xn_dyn_params_to_inertia(const xn_real p[XN_DYN_BODY_PARAMS], xn_inertia *I);
/** Generalized gravity d->g = g(q). */
void xn_dyn_gravity(const xn_model *m, xn_data *d, const xn_real *q);
/** Nonlinear effects d->nle = C(q, v) v + g(q). */
void xn_dyn_nle(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v);
/** Passive joint forces: tau[k] = -damping[k] * v[k] (viscous; Coulomb friction is left to the
 * controller's friction model). tau has nv entries and is overwritten. */
void xn_dyn_passive(const xn_model *m, const xn_real *v, xn_real *tau);
/** Composite-rigid-body algorithm: the joint-space mass matrix d->M (nv x nv, both triangles),
 * with the armature on its diagonal. Works in world axes about the first root body's origin
 * (not the world origin, so precision does not fade with distance): also fills d->oMi, and d->Ic
 * with the composite inertias about that point. */
void xn_dyn_crba(const xn_model *m, xn_data *d, const xn_real *q);
/** Sparse factorization M = L^T D L following the tree (Featherstone's LTDL) of d->M into d->LD.
 * Returns XN_ERR_NUMERIC if a pivot is not positive (M not positive definite). */
xn_status xn_dyn_factor(const xn_model *m, xn_data *d);
/** Solve M x = b in place (x holds b on entry, nv entries) with the factor in d->LD. */
void xn_dyn_solve(const xn_model *m, const xn_data *d, xn_real *x);
/** Articulated-body algorithm, forward dynamics: d->qdd such that M qdd + C v + g = tau.
 * Includes the armature. Works in world axes about the first root body's
 * origin: also fills d->oMi, and leaves d->v and d->a as spatial vectors in world axes at that
 * point (not in body frames). */
void xn_dyn_aba(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                const xn_real *tau);

/** ABA with external forces (fext as for xn_dyn_rnea_ext): d->qdd such that
 * M qdd + C v + g = tau + sum_b J_b^T fext_b. */
void xn_dyn_aba_ext(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                    const xn_real *tau, const xn_real *fext);

/* ---- centre of mass and energy ---- */

/** Forward kinematics, then the centre of mass of the whole model, d->com (world), and the total
 * mass d->mass. */
void xn_dyn_com(const xn_model *m, xn_data *d, const xn_real *q);
/** Forward kinematics, d->com, and the centre-of-mass Jacobian d->Jcom (3 x nv, world axes). */
void xn_dyn_com_jacobian(const xn_model *m, xn_data *d, const xn_real *q);
/** The centroidal momentum matrix d->Ag (6 x nv, row-major): h_G = Ag v is the momentum of the
 * whole model about its centre of mass, in world axes (linear, then angular). Also fills d->com,
 * d->mass, d->oMi and d->Ic. Orin and Goswami, "Centroidal momentum matrix of a humanoid robot"
 * (2008). */
void xn_dyn_centroidal_map(const xn_model *m, xn_data *d, const xn_real *q);
/** Centroidal momentum h (6: linear, angular about the centre of mass, world axes) at (q, v).
 * Runs xn_dyn_centroidal_map. */
void xn_dyn_centroidal_momentum(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                                xn_real h[6]);
/** Kinetic energy 1/2 v^T M v (rigid bodies, plus armature) and potential energy -sum m g.c
 * (zero at the world origin), in joules. Runs xn_dyn_fk_vel. */
void xn_dyn_energy(const xn_model *m, xn_data *d, const xn_real *q, const xn_real *v,
                   xn_real *kinetic, xn_real *potential);

/* ---- configuration space (Lie group) ---- */

/** qout = q (+) v*dt: 1-DoF joints add; free joints move along the screw exp(v dt) in the local
 * frame (SE(3) exponential); ball joints rotate by exp(w dt). qout may alias q. */
void xn_lie_integrate(const xn_model *m, const xn_real *q, const xn_real *v, xn_real dt,
                      xn_real *qout);
/** v = q1 (-) q0: the velocity that takes q0 to q1 in unit time (inverse of xn_lie_integrate). */
void xn_lie_difference(const xn_model *m, const xn_real *q0, const xn_real *q1, xn_real *v);
/** Normalize the quaternions of q in place. */
void xn_lie_normalize(const xn_model *m, xn_real *q);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
