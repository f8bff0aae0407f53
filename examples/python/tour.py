#!/usr/bin/env python3
"""A short tour of xiaonao from Python: the G1 humanoid's dynamics, a Jacobian, a batch, a
jerk-limited motion for the Panda, inverse kinematics, and the pick-and-place program run on the
simulated Panda, plotted when matplotlib is there (Debian: python3-matplotlib).

    PYTHONPATH=build/python python3 examples/python/tour.py [out.png]
"""
import os
import sys

import numpy as np

import xiaonao as xn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# the G1 (MJCF, floating base): its size, mass, gravity torques and centre of mass
g1 = xn.Model.from_mjcf(os.path.join(ROOT, "models", "mjcf", "unitree_g1", "g1.xml"))
data = xn.Data(g1)
q = np.array(g1.neutral)
q[2] = 0.75  # the pelvis 0.75 m up
com = xn.com(g1, data, q).copy()
print(f"{g1.name}: nq {g1.nq}, nv {g1.nv}, {len(g1.frame_names)} frames, mass {data.mass:.2f} kg, "
      f"centre of mass at {np.round(com, 3)}")
tau = xn.rnea(g1, data, q, np.zeros(g1.nv), np.zeros(g1.nv))
print(f"holding it in the air takes {tau[2]:.1f} N on the base's z, as its weight says "
      f"({data.mass * 9.81:.1f} N)")
J = xn.frame_jacobian(g1, data, q, g1.frame_names[-1])
print(f"the Jacobian of frame '{g1.frame_names[-1]}': {J.shape}")

# many states at once, in C without the GIL
panda = xn.Model.from_urdf(os.path.join(ROOT, "models", "urdf", "panda.urdf"))
Q = np.random.default_rng(0).uniform(panda.lower, panda.upper, (1000, panda.nq))
G = xn.rnea_batch(panda, Q, np.zeros((1000, 9)), np.zeros((1000, 9)))
print(f"gravity torques of 1000 Panda postures: joint 2 between {G[:, 1].min():.1f} and "
      f"{G[:, 1].max():.1f} N m")

# a time-optimal, jerk-limited motion of the Panda's arm
start = np.array([0, -0.3, 0, -2.2, 0, 1.9, 0.785])
goal = np.array([0.8, 0.2, -0.4, -1.6, 0.3, 1.5, 0.2])
traj = xn.otg(start, goal, max_velocity=[2.175] * 4 + [2.61] * 3,
              max_acceleration=[15, 7.5, 10, 12.5, 15, 20, 20],
              max_jerk=[7500, 3750, 5000, 6250, 7500, 10000, 10000])
t = np.linspace(0, traj.duration, 400)
P, V, A = traj.at(t)
print(f"the motion takes {traj.duration:.3f} s; joint 1 peaks at {np.abs(V[:, 0]).max():.3f} rad/s")

# where the hand ends, and a posture inverse kinematics finds for that pose from the start
pd = xn.Data(panda)
xn.fk(panda, pd, np.concatenate([P[-1], [0.04, 0.04]]))
hand = xn.frame_pose(panda, pd, "panda_hand")
q_ik, info = xn.ik(panda, "panda_hand", hand, q_init=np.concatenate([start, [0.04, 0.04]]))
print(f"the hand ends at {np.round(hand[:3, 3], 3)} m; IK from the start: converged "
      f"{info['converged']} in {info['iterations']} iterations, {info['err_position']:.1e} m")

# the pick-and-place program on the simulated Panda (MuJoCo), its log as arrays
scene = os.path.join(ROOT, "models", "mjcf", "franka_panda", "scene.xml")
ctl = xn.Controller(xn.Model.from_mjcf(scene), backend="mujoco", scene=scene,
                    program_file=os.path.join(ROOT, "examples", "pick_and_place.xnp"))
ctl.run(max_time=30)
log = ctl.log()
print(f"pick and place: {ctl.state} after {log['time'][-1]:.2f} s, the arm within "
      f"{np.abs(log['q'][:, :7] - log['q_ref'][:, :7]).max() * 1e3:.2f} mrad of its reference; "
      f"{len(ctl.events())} events")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib is not installed: no plot)")
    sys.exit(0)
out = sys.argv[1] if len(sys.argv) > 1 else "tour.png"
fig, axes = plt.subplots(4, 1, figsize=(7, 9))
for ax, y, label in zip(axes, (P, V, A), ("position (rad)", "velocity (rad/s)",
                                          "acceleration (rad/s²)")):
    ax.plot(t, y)
    ax.set_ylabel(label)
axes[2].set_xlabel("time (s): a jerk-limited Panda motion (xiaonao.otg)")
axes[3].plot(log["time"], log["q"][:, :7])
axes[3].set_ylabel("joint (rad)")
axes[3].set_xlabel("time (s): pick and place in MuJoCo (xiaonao.Controller)")
fig.tight_layout()
fig.savefig(out, dpi=100)
print(f"plotted into {out}")
