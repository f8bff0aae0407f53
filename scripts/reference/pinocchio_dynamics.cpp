// Regenerates tests/data/reference/dynamics/*.json with Pinocchio (BSD-2-Clause), built against
// an install of it outside this repository (scripts/reference/regenerate.sh). The format and the
// drawing are those of tests/data/reference/dynamics/README.md.
// Usage: pinocchio_dynamics URDF floating(0|1) SEED FRAME... > out.json
// SPDX-License-Identifier: Apache-2.0
#include <pinocchio/algorithm/aba.hpp>
#include <pinocchio/algorithm/center-of-mass.hpp>
#include <pinocchio/algorithm/crba.hpp>
#include <pinocchio/algorithm/frames.hpp>
#include <pinocchio/algorithm/jacobian.hpp>
#include <pinocchio/algorithm/kinematics.hpp>
#include <pinocchio/algorithm/rnea.hpp>
#include <pinocchio/multibody/joint/joint-free-flyer.hpp>
#include <pinocchio/parsers/urdf.hpp>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

static void num(double x) { std::printf("%.17g", x); }

static void vec(const Eigen::Ref<const Eigen::VectorXd> &v) {
    std::printf("[");
    for (Eigen::Index i = 0; i < v.size(); i++) {
        if (i) std::printf(",");
        num(v[i]);
    }
    std::printf("]");
}

static void mat(const Eigen::Ref<const Eigen::MatrixXd> &m) { // row-major
    std::printf("[");
    for (Eigen::Index r = 0; r < m.rows(); r++)
        for (Eigen::Index c = 0; c < m.cols(); c++) {
            if (r || c) std::printf(",");
            num(m(r, c));
        }
    std::printf("]");
}

int main(int argc, char **argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s URDF floating SEED FRAME...\n", argv[0]);
        return 2;
    }
    std::string path = argv[1];
    bool floating = std::atoi(argv[2]) != 0;
    std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));
    std::vector<std::string> frames(argv + 4, argv + argc);
    pinocchio::Model model;
    if (floating)
        pinocchio::urdf::buildModel(path, pinocchio::JointModelFreeFlyer(), model);
    else
        pinocchio::urdf::buildModel(path, model);
    pinocchio::Data data(model);
    std::vector<pinocchio::FrameIndex> fid;
    for (const auto &f : frames) {
        if (!model.existFrame(f)) {
            std::fprintf(stderr, "%s: no frame %s\n", path.c_str(), f.c_str());
            return 1;
        }
        fid.push_back(model.getFrameId(f));
    }
    auto uni = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    std::string base = path.substr(path.find_last_of('/') + 1);
    std::printf("{\"model\":\"%s\",\"generator\":\"Pinocchio %d.%d.%d\",\"floating_base\":%s,"
                "\"nq\":%d,\"nv\":%d,\"gravity\":",
                base.c_str(), PINOCCHIO_MAJOR_VERSION, PINOCCHIO_MINOR_VERSION,
                PINOCCHIO_PATCH_VERSION, floating ? "true" : "false", model.nq, model.nv);
    vec(model.gravity.linear());
    std::printf(",\"joints\":[");
    for (pinocchio::JointIndex j = 1; j < (pinocchio::JointIndex)model.njoints; j++)
        std::printf("%s{\"name\":\"%s\",\"type\":\"%s\",\"idx_q\":%d,\"nq\":%d,\"idx_v\":%d,\"nv\":%d}",
                    j > 1 ? "," : "", model.names[j].c_str(), model.joints[j].shortname().c_str(),
                    model.joints[j].idx_q(), model.joints[j].nq(), model.joints[j].idx_v(),
                    model.joints[j].nv());
    std::printf("],\"frames\":[");
    for (size_t f = 0; f < frames.size(); f++)
        std::printf("%s\"%s\"", f ? "," : "", frames[f].c_str());
    std::printf("],\"cases\":[");
    for (int c = 0; c < 50; c++) {
        Eigen::VectorXd q(model.nq), v(model.nv), a(model.nv), off(model.nv);
        for (pinocchio::JointIndex j = 1; j < (pinocchio::JointIndex)model.njoints; j++) {
            int iq = model.joints[j].idx_q(), n = model.joints[j].nq();
            if (n == 7) { // free flyer: position, then a normalized random 4-vector (x y z w)
                for (int i = 0; i < 3; i++) q[iq + i] = uni(-1, 1);
                Eigen::Vector4d r(uni(-1, 1), uni(-1, 1), uni(-1, 1), uni(-1, 1));
                r.normalize();
                for (int i = 0; i < 4; i++) q[iq + 3 + i] = r[i];
                continue;
            }
            for (int i = 0; i < n; i++) {
                double lo = model.lowerPositionLimit[iq + i], hi = model.upperPositionLimit[iq + i];
                if (!std::isfinite(lo) || !std::isfinite(hi) || hi - lo > 1e10) lo = -3.14, hi = 3.14;
                q[iq + i] = uni(lo, hi);
            }
        }
        for (int i = 0; i < model.nv; i++) v[i] = uni(-2, 2);
        for (int i = 0; i < model.nv; i++) a[i] = uni(-5, 5);
        for (int i = 0; i < model.nv; i++) off[i] = uni(-3, 3);
        Eigen::VectorXd tau = pinocchio::rnea(model, data, q, v, a);
        Eigen::VectorXd nle = pinocchio::nonLinearEffects(model, data, q, v);
        Eigen::VectorXd g = pinocchio::computeGeneralizedGravity(model, data, q);
        pinocchio::crba(model, data, q);
        Eigen::MatrixXd M = data.M;
        M.triangularView<Eigen::StrictlyLower>() = M.transpose().triangularView<Eigen::StrictlyLower>();
        Eigen::VectorXd tau_aba = tau + off;
        Eigen::VectorXd qdd = pinocchio::aba(model, data, q, v, tau_aba);
        Eigen::Vector3d com = pinocchio::centerOfMass(model, data, q);
        std::printf("%s\n{\"q\":", c ? "," : "");
        vec(q);
        std::printf(",\"v\":");
        vec(v);
        std::printf(",\"a\":");
        vec(a);
        std::printf(",\"tau\":");
        vec(tau);
        std::printf(",\"nle\":");
        vec(nle);
        std::printf(",\"gravity_torque\":");
        vec(g);
        std::printf(",\"M\":");
        mat(M);
        std::printf(",\"tau_aba\":");
        vec(tau_aba);
        std::printf(",\"qdd\":");
        vec(qdd);
        std::printf(",\"com\":");
        vec(com);
        std::printf(",\"frames\":{");
        pinocchio::computeJointJacobians(model, data, q);
        pinocchio::updateFramePlacements(model, data);
        for (size_t f = 0; f < fid.size(); f++) {
            Eigen::MatrixXd J = Eigen::MatrixXd::Zero(6, model.nv);
            pinocchio::getFrameJacobian(model, data, fid[f], pinocchio::LOCAL_WORLD_ALIGNED, J);
            std::printf("%s\"%s\":{\"pos\":", f ? "," : "", frames[f].c_str());
            vec(data.oMf[fid[f]].translation());
            std::printf(",\"rot\":");
            mat(data.oMf[fid[f]].rotation());
            std::printf(",\"J\":");
            mat(J);
            std::printf("}");
        }
        std::printf("}}");
    }
    std::printf("]}\n");
    return 0;
}
