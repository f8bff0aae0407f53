// The one file that touches Pinocchio (BSD-2-Clause): C entry points for bench_dynamics, built
// only when CMake's find_package(pinocchio) finds an install. Configurations are converted to
// Pinocchio's layout once, before timing (a free joint's quaternion is x y z w there, w x y z in
// xiaonao); each timed call then runs one Pinocchio algorithm on stored configuration c.
// SPDX-License-Identifier: Apache-2.0
#include <pinocchio/algorithm/aba.hpp>
#include <pinocchio/algorithm/cholesky.hpp>
#include <pinocchio/algorithm/crba.hpp>
#include <pinocchio/algorithm/frames.hpp>
#include <pinocchio/algorithm/jacobian.hpp>
#include <pinocchio/algorithm/joint-configuration.hpp>
#include <pinocchio/algorithm/kinematics.hpp>
#include <pinocchio/algorithm/rnea.hpp>
#include <pinocchio/multibody/joint/joint-free-flyer.hpp>
#include <pinocchio/parsers/urdf.hpp>

#include <vector>

extern "C" {

struct pn_robot {
    pinocchio::Model model;
    pinocchio::Data *data = nullptr;
    std::vector<Eigen::VectorXd> q, v, a;
    Eigen::MatrixXd J;
    pinocchio::FrameIndex frame = 0;
};

pn_robot *pn_load(const char *urdf, int floating, const char *frame) {
    auto *r = new pn_robot;
    try {
        if (floating)
            pinocchio::urdf::buildModel(urdf, pinocchio::JointModelFreeFlyer(), r->model);
        else
            pinocchio::urdf::buildModel(urdf, r->model);
    } catch (...) {
        delete r;
        return nullptr;
    }
    if (!r->model.existFrame(frame)) {
        delete r;
        return nullptr;
    }
    r->frame = r->model.getFrameId(frame);
    r->data = new pinocchio::Data(r->model);
    r->J = Eigen::MatrixXd::Zero(6, r->model.nv);
    return r;
}

void pn_free(pn_robot *r) {
    if (!r) return;
    delete r->data;
    delete r;
}

int pn_nq(const pn_robot *r) { return r->model.nq; }
int pn_nv(const pn_robot *r) { return r->model.nv; }

/* n configurations in xiaonao's layout (q: nq each, v and a: nv each, row strides qs and vs). */
void pn_set(pn_robot *r, int n, const double *q, int qs, const double *v, const double *a,
            int vs, int free_qadr) {
    int nq = r->model.nq, nv = r->model.nv;
    r->q.assign(n, Eigen::VectorXd(nq));
    r->v.assign(n, Eigen::VectorXd(nv));
    r->a.assign(n, Eigen::VectorXd(nv));
    for (int c = 0; c < n; c++) {
        for (int i = 0; i < nq; i++) r->q[c][i] = q[c * qs + i];
        if (free_qadr >= 0) { /* w x y z -> x y z w */
            const double *Q = q + c * qs + free_qadr + 3;
            r->q[c][free_qadr + 3] = Q[1];
            r->q[c][free_qadr + 4] = Q[2];
            r->q[c][free_qadr + 5] = Q[3];
            r->q[c][free_qadr + 6] = Q[0];
        }
        for (int i = 0; i < nv; i++) {
            r->v[c][i] = v[c * vs + i];
            r->a[c][i] = a[c * vs + i];
        }
    }
}

void pn_fk(pn_robot *r, int c) { pinocchio::forwardKinematics(r->model, *r->data, r->q[c]); }
void pn_fk_frames(pn_robot *r, int c) {
    pinocchio::framesForwardKinematics(r->model, *r->data, r->q[c]);
}
void pn_joint_jacobians(pn_robot *r, int c) {
    pinocchio::computeJointJacobians(r->model, *r->data, r->q[c]);
}
void pn_frame_jacobian(pn_robot *r, int c) {
    pinocchio::computeFrameJacobian(r->model, *r->data, r->q[c], r->frame,
                                    pinocchio::LOCAL_WORLD_ALIGNED, r->J);
}
void pn_rnea(pn_robot *r, int c) { pinocchio::rnea(r->model, *r->data, r->q[c], r->v[c], r->a[c]); }
void pn_crba(pn_robot *r, int c) { pinocchio::crba(r->model, *r->data, r->q[c]); }
void pn_crba_factor(pn_robot *r, int c) {
    pinocchio::crba(r->model, *r->data, r->q[c]);
    pinocchio::cholesky::decompose(r->model, *r->data);
}
void pn_aba(pn_robot *r, int c) {
    pinocchio::aba(r->model, *r->data, r->q[c], r->v[c], r->a[c]);
}

/* The last RNEA's torques (nv), for the agreement check. */
const double *pn_tau(const pn_robot *r) { return r->data->tau.data(); }
}
