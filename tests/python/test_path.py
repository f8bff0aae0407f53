"""Paths timed by TOPP from Python: a straight joint-space move from rest to rest against its
closed form (the limiting joint's trapezoid), the limits kept, the states consistent (velocity
the central difference of position), the ends at the waypoints at rest; a Cartesian line of the
Panda's hand stays on the line by the hand's own forward kinematics; bad arguments and a path
that cannot be timed raise."""
import numpy as np
import pytest

import xiaonao as xn

READY = np.array([0, -0.785, 0, -2.356, 0, 1.571, 0.785, 0.02, 0.02])


def closed_form(D, vmax, amax):
    """Time-optimal rest-to-rest along a straight line: the path speed is limited by the joint
    that moves most, to vmax L / max|D| and amax L / max|D| (L = |D|)."""
    L = np.linalg.norm(D)
    sd, sdd = vmax * L / np.abs(D).max(), amax * L / np.abs(D).max()
    return sd / sdd + L / sd if L >= sd * sd / sdd else 2 * np.sqrt(L / sdd)


def test_joint_line_is_time_optimal_within_its_limits(panda):
    start = READY
    end = np.clip(READY + [0.5, 0.3, -0.4, 0.6, 0.2, -0.3, 0.4, 0.0, 0.0], panda.lower,
                  panda.upper)
    tp = xn.topp(panda, np.array([start, end]), max_velocity=1.0, max_acceleration=3.0,
                 grid=1000)
    expected = closed_form(end - start, 1.0, 3.0)
    print(f"TOPP {tp.duration:.5f} s, closed form {expected:.5f} s")
    assert abs(tp.duration - expected) < 2e-3 * expected
    ts = np.linspace(0, tp.duration, 4001)
    states = [tp.at(t) for t in ts]
    Q, V, A = (np.array([s[i] for s in states]) for i in range(3))
    assert np.abs(V).max() <= 1.0 + 3e-3 and np.abs(A).max() <= 3.0 * 1.05
    assert np.abs(Q[0] - start).max() < 1e-12 and np.abs(Q[-1] - end).max() < 1e-12
    assert np.abs(V[0]).max() < 1e-9 and np.abs(V[-1]).max() < 1e-9
    fd = (Q[2:] - Q[:-2]) / (2 * (ts[1] - ts[0]))
    assert np.abs(fd - V[1:-1]).max() < 2e-3
    # the acceleration the central difference of the velocity, but where it switches
    fdv = np.abs((V[2:] - V[:-2]) / (2 * (ts[1] - ts[0])) - A[1:-1]).max(axis=1)
    assert np.median(fdv) < 1e-3 and np.mean(fdv < 0.05) > 0.99
    # time-optimal: nearly always one limit is reached
    use = np.maximum(np.abs(V).max(axis=1) / 1.0, np.abs(A).max(axis=1) / 3.0)
    assert np.mean(use > 0.97) > 0.95


def test_cartesian_line_stays_on_the_line(panda):
    data = xn.Data(panda)
    xn.fk(panda, data, READY)
    T0 = xn.frame_pose(panda, data, "panda_hand").copy()
    T1 = T0.copy()
    T1[:3, 3] += [0.1, 0.1, -0.1]
    tp = xn.topp(panda, np.array([T0, T1]), max_velocity=1.0, max_acceleration=3.0,
                 frame="panda_hand", q_start=READY, tool_speed=0.2)
    u = (T1[:3, 3] - T0[:3, 3]) / np.linalg.norm(T1[:3, 3] - T0[:3, 3])
    worst = 0.0
    for t in np.linspace(0, tp.duration, 101):
        xn.fk(panda, data, tp.at(t)[0])
        r = xn.frame_pose(panda, data, "panda_hand")[:3, 3] - T0[:3, 3]
        worst = max(worst, float(np.linalg.norm(r - r.dot(u) * u)))
    length = np.linalg.norm(T1[:3, 3] - T0[:3, 3])
    print(f"Cartesian: {tp.duration:.3f} s for {length:.3f} m at 0.2 m/s, off the line {worst:.1e} m")
    assert worst < 1e-4 and tp.duration >= length / 0.2


def test_bad_arguments_and_untimeable_paths_raise(panda):
    W = np.array([READY, READY + 0.1])
    with pytest.raises(xn.ArgumentError, match="bound the speed"):
        xn.topp(panda, W)
    with pytest.raises(xn.ArgumentError, match="max_velocity: entry 2 must be positive"):
        xn.topp(panda, W, max_velocity=[1, 1, -1, 1, 1, 1, 1, 1, 1])
    with pytest.raises(xn.ArgumentError, match=r"\(K, nq\)"):
        xn.topp(panda, READY, max_velocity=1.0)
    with pytest.raises(xn.ArgumentError, match="Cartesian"):
        xn.topp(panda, W, max_velocity=1.0, tool_speed=0.1)
    with pytest.raises(xn.Error, match="no speed profile satisfies the limits at grid point"):
        xn.topp(panda, W, max_velocity=1.0, max_torque=0.01)
