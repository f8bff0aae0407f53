"""The controller from Python: a program on the loopback robot (ideal joints, drives taking
positions) ends exactly at its target within the limits given; the pick-and-place example on the simulated Panda (MuJoCo) runs
to its end with the arm within a millimetre-radian of its reference; setpoints streamed from
Python drive a `stream` line, a bad one raises with its reason; a program with a mistake raises
naming its line; a program given while the controller holds a `stream` line runs, pauses
still short of its target, resumes to it and gives the line back."""
import os

import numpy as np
import pytest

import xiaonao as xn
from conftest import MODELS, ROOT

SCENE = os.path.join(MODELS, "mjcf", "franka_panda", "scene.xml")
VMAX = [2.175] * 4 + [2.61] * 3


@pytest.fixture
def arm():
    return xn.Model.from_mjcf(SCENE)


def streaming_controller(arm):
    """The arm on the loopback robot, its program's `stream` line waiting for setpoints."""
    c = xn.Controller(arm, program="stream timeout 0.5\n", command_mode="position")
    for _ in range(3000):
        if c.streaming:
            break
        c.step()
    return c


def test_program_on_the_loopback_robot(arm):
    target = [0.3, -0.2, 0.25, -1.9, 0.2, 1.7, 0.4, 0.02, 0.02]
    c = xn.Controller(arm, program="movej [%s]\n" % ", ".join(map(str, target)),
                      max_velocity=VMAX + [0.2, 0.2], command_mode="position")
    cycles = c.run(max_time=10)
    log = c.log()
    assert c.finished and c.state == "done" and cycles == len(log["time"])
    assert np.allclose(np.diff(log["time"]), 0.001)
    assert np.abs(log["q"][-1] - target).max() < 1e-9
    assert np.all(np.abs(log["v_ref"][:, :7]) <= np.array(VMAX) + 1e-9)
    kinds = [e["kind"] for e in c.events()]
    assert "program end" in kinds and "quick stop" not in kinds


def test_pick_and_place_in_mujoco(arm):
    c = xn.Controller(arm, backend="mujoco", scene=SCENE,
                      program_file=os.path.join(ROOT, "examples", "pick_and_place.xnp"))
    c.run(max_time=30)
    log, events = c.log(), c.events()
    assert c.finished and c.state == "done"
    running = log["state"] == 1  # XN_CTL_RUNNING
    err = np.abs(log["q"][running, :7] - log["q_ref"][running, :7]).max()
    print(f"pick and place: {len(log['time'])} cycles, {log['time'][-1]:.2f} s; the arm within "
          f"{err * 1e3:.3f} mrad of its reference")
    assert err < 1e-3
    assert not [e for e in events if e["kind"] in ("quick stop", "collision", "drive fault")]


def test_streaming_from_python(arm):
    c = streaming_controller(arm)
    assert c.streaming
    goal = np.array([0.4, -0.3, 0.2, -2.0, 0.3, 1.9, 0.1, 0.02, 0.02])
    for _ in range(300):
        c.stream(positions=goal)
        c.step(10)
    assert np.abs(c.log()["q"][-1] - goal).max() < 1e-9
    bad = goal.copy()
    bad[3] = 0.5  # joint4's range ends at -0.0698
    with pytest.raises(xn.ArgumentError, match="outside its limits"):
        c.stream(positions=bad)
    with pytest.raises(xn.ArgumentError, match="positions"):
        c.stream(positions=goal[:3])
    with pytest.raises(xn.ArgumentError, match="give positions"):
        c.stream()
    c.stream_end()
    c.run(max_time=5)
    assert c.finished


def test_streaming_some_joints(arm):
    c = xn.Controller(arm, program="stream joints finger* timeout 0.5\n",
                      command_mode="position")
    assert c.stream_joints == c.joint_names  # no line runs yet
    for _ in range(3000):
        if c.streaming:
            break
        c.step()
    assert c.stream_joints == ["finger_joint1", "finger_joint2"]
    arm_before = c.log()["q"][-1, :7].copy()
    for _ in range(100):
        c.stream(positions=[0.01, 0.03])
        c.step(10)
    q = c.log()["q"][-1]
    assert np.abs(q[7:] - [0.01, 0.03]).max() < 1e-9
    assert np.array_equal(q[:7], arm_before)  # the program holds the arm exactly
    with pytest.raises(xn.ArgumentError, match="positions"):
        c.stream(positions=np.zeros(9))


def test_mistakes_are_refused(arm):
    with pytest.raises(xn.ModelError) as e:
        xn.Controller(arm, program="movej [0, 0]\nmovj [0, 0, 0, 0, 0, 0, 0]\n")
    assert e.value.line == 2
    with pytest.raises(xn.ArgumentError, match="max_velocity"):
        xn.Controller(arm, max_velocity=[1, 2, 3])
    with pytest.raises(xn.ArgumentError, match="backend"):
        xn.Controller(arm, backend="gazebo")
    with pytest.raises(xn.ArgumentError, match=r"period: in \(0, 1\) s, got 2$"):
        xn.Controller(arm, period=2.0)
    with pytest.raises(xn.ArgumentError, match="max_time: .* got nan$"):
        xn.Controller(arm).run(max_time=float("nan"))
    with pytest.raises(xn.ModelError):
        xn.Controller(arm, backend="mujoco", scene="/nonexistent.xml")


def test_a_program_given_while_running_paused_and_resumed(arm):
    c = streaming_controller(arm)
    with pytest.raises(xn.ModelError) as e:
        c.run_program("wait 0.1\nmovj [0, 0, 0, -1.5, 0, 1.5, 0, 0, 0]\n")
    assert e.value.line == 2
    target = np.array([0.6, -0.2, 0.3, -2.0, 0.2, 1.9, 0.5, 0.02, 0.02])
    c.run_program("movej [%s]\nwait 0.2\n" % ", ".join(map(str, target)))
    assert c.run_state == "waiting"
    with pytest.raises(xn.Error, match="has not ended"):
        c.run_program("wait 1\n")
    c.step(300)
    assert c.run_state == "running"
    c.pause()
    for _ in range(300):
        c.step(10)
        if c.pause_state == "paused":
            break
    assert c.pause_state == "paused"
    c.step(500)
    held = c.log()["q"][-500:]
    assert np.abs(held - held[0]).max() == 0  # still while paused
    assert np.abs(held[0] - target).max() > 0.05  # short of the target
    c.resume()
    for _ in range(1000):
        c.step(10)
        if c.run_state == "none":
            break
    assert c.run_state == "none" and c.streaming
    assert np.abs(c.log()["q"][-1] - target).max() < 1e-9
    kinds = [e["kind"] for e in c.events()]
    assert kinds.count("program-run") == 2 and kinds.count("pause") == 2
