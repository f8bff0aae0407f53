#!/usr/bin/env python3
"""Write a copy of the simulated Panda whose dynamics differ from the model xiaonao is given:
every moving link's mass, centre of mass and inertia changed by up to 20 %, each arm joint's
armature and damping changed and Coulomb friction (MuJoCo's frictionloss) added. The
identification test runs the robot in this scene while the controller keeps the nominal model.

usage: perturb_panda.py SRC_DIR OUT_DIR [SEED]   (SRC_DIR: models/mjcf/franka_panda)
SPDX-License-Identifier: Apache-2.0"""
import json
import random
import shutil
import sys
import xml.etree.ElementTree as ET

src, out = sys.argv[1], sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
shutil.copytree(src, out, dirs_exist_ok=True)
tree = ET.parse(f"{src}/panda.xml")
truth = {"links": {}, "joints": {}}


def u(lo, hi):
    return rng.uniform(lo, hi)


def nums(s):
    return [float(x) for x in s.split()]


def text(v):
    return " ".join(f"{x:.9g}" for x in v)


for body in tree.iter("body"):
    name = body.get("name")
    inertial = body.find("inertial")
    if name in (None, "link0") or inertial is None:
        continue  # link0 is fixed to the world: its inertia never shows in a torque
    mass = float(inertial.get("mass")) * (1 + u(-0.2, 0.2))
    pos = [c * (1 + u(-0.2, 0.2)) + u(-0.01, 0.01) for c in nums(inertial.get("pos"))]
    scale = 1 + u(-0.2, 0.2)  # the inertia about the centre of mass, scaled whole: still valid
    inertial.set("mass", f"{mass:.9g}")
    inertial.set("pos", text(pos))
    for key in ("fullinertia", "diaginertia"):
        if inertial.get(key):
            inertial.set(key, text([scale * x for x in nums(inertial.get(key))]))
    truth["links"][name] = {"mass": mass, "com": pos, "inertia_scale": scale}

for joint in tree.iter("joint"):
    name = joint.get("name")
    if not name or not name.startswith("joint"):
        continue
    wrist = name in ("joint5", "joint6", "joint7")
    armature = 0.1 * (1 + u(-0.2, 0.2))
    damping = 1 * (1 + u(-0.2, 0.2)) + u(0, 0.5)
    friction = u(0.05, 0.3) if wrist else u(0.2, 1.5)
    joint.set("armature", f"{armature:.9g}")
    joint.set("damping", f"{damping:.9g}")
    joint.set("frictionloss", f"{friction:.9g}")
    truth["joints"][name] = {"armature": armature, "damping": damping, "frictionloss": friction}

tree.write(f"{out}/panda.xml")
with open(f"{out}/truth.json", "w") as f:
    json.dump(truth, f, indent=1)
