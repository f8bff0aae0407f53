"""Trajectory generation from Python against Ruckig's own output (tests/data/reference/otg, as
the C suite uses it): the same durations, and the same sampled states of the limiting DoFs, for
1, 3 and 7 DoFs and the velocity interface; and the conventions: a state array at one time or at many, the target
reached at the end, bad limits refused naming the DoF."""
import json
import os

import numpy as np
import pytest

import xiaonao as xn
from conftest import DATA, MODELS

REF = os.path.join(DATA, "reference", "otg")
FIELDS = ("current_position", "target_position", "max_velocity", "max_acceleration", "max_jerk",
          "current_velocity", "current_acceleration", "target_velocity", "target_acceleration")


def cases(name, count):
    with open(os.path.join(REF, name)) as f:
        for i, line in enumerate(f):
            if i >= count:
                return
            case = json.loads(line)
            if case["result"] == 0:
                yield case


@pytest.mark.parametrize("name", ["ruckig_1dof.jsonl", "ruckig_3dof.jsonl", "ruckig_7dof.jsonl",
                                  "ruckig_7dof_velocity.jsonl"])
def test_matches_ruckig(name):
    worst_t = worst_p = 0.0
    n = compared = 0
    for case in cases(name, 200):
        t = xn.otg(*[case.get(k) for k in FIELDS], synchronization=case["synchronization"],
                   interface=case["interface"])
        worst_t = max(worst_t, abs(t.duration - case["duration"]) / max(1.0, case["duration"]))
        # the samples of the limiting DoFs (whose own fastest time is the common duration): the
        # others' profiles are not unique under time synchronization
        limiting = []
        for i in range(case["dofs"]):
            alone = xn.otg(*[None if case.get(k) is None else [case[k][i]] for k in FIELDS],
                           interface=case["interface"])
            if abs(alone.duration - t.duration) <= 1e-9 * max(1.0, t.duration):
                limiting.append(i)
        for s in case.get("samples", []):
            compared += len(limiting)
            p, v, a = t.at(s["t"])
            for mine, theirs in ((p, s["p"]), (v, s["v"]), (a, s["a"])):
                err = np.abs(mine - np.asarray(theirs))[limiting]
                assert np.all(np.isfinite(err))
                worst_p = max(worst_p, float(err.max(initial=0.0)))
        n += 1
    print(f"{name}: {n} problems, durations within {worst_t:.1e}; {compared} sampled states "
          f"within {worst_p:.1e}")
    assert n > 50 and compared > 100 and worst_t < 1e-9 and worst_p < 1e-7


def test_sampling_one_time_or_many():
    t = xn.otg([0, 1], [2, -1], [1, 1], [2, 2], [10, 10])
    times = np.linspace(-1, t.duration + 1, 101)
    P, V, A = t.at(times)
    assert P.shape == V.shape == A.shape == (101, 2)
    for i in (0, 37, 100):
        p, v, a = t.at(float(times[i]))
        assert np.array_equal(p, P[i]) and np.array_equal(v, V[i]) and np.array_equal(a, A[i])
    assert np.allclose(P[-1], [2, -1], atol=1e-12) and np.allclose(V[-1], 0, atol=1e-12)
    assert np.allclose(P[0], [0, 1], atol=1e-12)  # before the start: held at the start
    # velocity is the derivative of position: central differences inside the motion
    h = 1e-6
    for s in np.linspace(0.1, t.duration - 0.1, 9):
        dp = (t.at(s + h)[0] - t.at(s - h)[0]) / (2 * h)
        assert np.allclose(dp, t.at(s)[1], atol=1e-6)
    assert np.all(np.abs(V) <= 1 + 1e-12) and np.all(np.abs(A) <= 2 + 1e-12)


@pytest.mark.parametrize("kwargs,expected", [
    (dict(current_position=[0], target_position=[1], max_velocity=[0], max_acceleration=[1],
          max_jerk=[1]), "DoF 0"),
    (dict(current_position=[0, 0], target_position=[1], max_velocity=[1, 1],
          max_acceleration=[1, 1], max_jerk=[1, 1]), "target_position: expected shape (2,)"),
    (dict(current_position=[0], target_position=[np.nan], max_velocity=[1],
          max_acceleration=[1], max_jerk=[1]), "DoF 0"),
    (dict(current_position=[0], target_position=[1], max_velocity=[1], max_acceleration=[1],
          max_jerk=[1], synchronization="soon"), "synchronization"),
])
def test_bad_problems_are_refused(kwargs, expected):
    with pytest.raises(xn.ArgumentError) as e:
        xn.otg(**kwargs)
    assert expected in str(e.value)


def test_bad_times_are_refused():
    t = xn.otg([0], [1], [1], [1], [1])
    with pytest.raises(xn.ArgumentError):
        t.at(float("nan"))
    with pytest.raises(xn.ArgumentError):
        t.at([[0.0, 1.0]])


def test_ik_reaches_poses_forward_kinematics_gives(panda):
    """Targets made by forward kinematics at random configurations: the solution's own forward
    kinematics (an independent check of the solver) puts the hand there, within the limits."""
    rng = np.random.default_rng(21)
    data = xn.Data(panda)
    worst = 0.0
    for _ in range(30):
        qt = rng.uniform(panda.lower, panda.upper)
        xn.fk(panda, data, qt)
        T = xn.frame_pose(panda, data, "panda_hand")
        q, info = xn.ik(panda, "panda_hand", T, starts=10)
        assert info["converged"], info
        xn.fk(panda, data, q)
        worst = max(worst, float(np.abs(xn.frame_pose(panda, data, "panda_hand") - T).max()))
        assert np.all(q >= panda.lower - 1e-12) and np.all(q <= panda.upper + 1e-12)
    print(f"IK: 30 random poses, the hand within {worst:.1e}")
    assert worst < 1e-8


def test_ik_out_of_reach_is_an_answer_and_bad_targets_raise(panda):
    T = np.eye(4)
    T[:3, 3] = [5, 0, 0]
    q, info = xn.ik(panda, "panda_hand", T)
    assert not info["converged"] and info["err_position"] > 3 and info["reason"]
    assert q.shape == (9,) and np.all(np.isfinite(q))
    with pytest.raises(xn.ArgumentError, match="rotation"):
        xn.ik(panda, "panda_hand", 2 * np.eye(4))
    with pytest.raises(xn.ArgumentError, match=r"\(4, 4\)"):
        xn.ik(panda, "panda_hand", np.eye(3))
    with pytest.raises(xn.ArgumentError, match="no frame"):
        xn.ik(panda, "gripper", np.eye(4))


def test_closed_form_ik_gives_every_solution_forward_kinematics_confirms(panda):
    """The UR5's and the Panda's closed forms from Python: for poses made by forward kinematics
    at random configurations, every solution returned puts the tool there (its own forward
    kinematics, an independent check), the configuration that made the pose is among them, and
    the Panda's keep the 7th joint where it was asked."""
    rng = np.random.default_rng(5)
    ur5 = xn.Model.from_urdf(os.path.join(MODELS, "urdf", "ur5_robot.urdf"))
    for model, frame, arm in ((ur5, "tool0", 6), (panda, "panda_hand", 7)):
        data = xn.Data(model)
        worst, found, total = 0.0, 0, 0
        for _ in range(20):
            qt = rng.uniform(np.maximum(model.lower, -np.pi), np.minimum(model.upper, np.pi))
            xn.fk(model, data, qt)
            T = xn.frame_pose(model, data, frame).copy()
            if arm == 6:
                sols, singular = xn.ik_ur(model, frame, T)
            else:
                sols, singular = xn.ik_panda(model, frame, T, q7=float(qt[6]))
                assert np.all(sols[:, 6] == qt[6])
            assert sols.ndim == 2 and sols.shape[1] == model.nq and 1 <= len(sols) <= 8
            assert isinstance(singular, bool)
            for q in sols:
                xn.fk(model, data, q)
                worst = max(worst, float(np.abs(xn.frame_pose(model, data, frame) - T).max()))
            wrapped = np.angle(np.exp(1j * (sols[:, :arm] - qt[:arm])))
            found += bool(np.any(np.abs(wrapped).max(axis=1) < 1e-7))
            total += len(sols)
        print(f"{frame}: {total} solutions of 20 poses, the tool within {worst:.1e}, the "
              f"configuration that made the pose found {found} of 20")
        assert worst < 1e-9 and found == 20
    with pytest.raises(xn.Error, match="axes|joint"):
        xn.ik_ur(panda, "panda_hand", np.eye(4))
    with pytest.raises(xn.ArgumentError, match="q7"):
        xn.ik_panda(panda, "panda_hand", np.eye(4), float("nan"))
