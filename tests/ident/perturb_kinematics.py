#!/usr/bin/env python3
"""Write a copy of the simulated Panda whose geometry differs from the model xiaonao is given:
each arm joint's zero offset by up to 0.5 degrees (MuJoCo's joint ref: the joint turns q - ref
where its encoder reads q) and each link's origin moved by up to 1 mm along every axis; and a
laser tracker on the tool point (a framepos sensor on the tcp site, which the simulation backend
logs as tool_x, tool_y, tool_z).

usage: perturb_kinematics.py SRC_DIR OUT_DIR [SEED | tracker-only]
SPDX-License-Identifier: Apache-2.0"""
import json
import math
import os
import random
import shutil
import sys
import xml.etree.ElementTree as ET

src, out = sys.argv[1], sys.argv[2]
exact = len(sys.argv) > 3 and sys.argv[3] == "tracker-only"  # the nominal robot, a tracker on
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 and not exact else 9283)
if os.path.abspath(src) != os.path.abspath(out):
    shutil.copytree(src, out, dirs_exist_ok=True)
tree = ET.parse(f"{src}/panda.xml")
truth = {"offsets_rad": {}, "origins_m": {}}
for body in tree.iter("body"):
    name = body.get("name")
    if name in [f"link{i}" for i in range(1, 8)] and not exact:
        pos = [float(x) for x in (body.get("pos") or "0 0 0").split()]
        delta = [rng.uniform(-1e-3, 1e-3) for _ in range(3)]
        body.set("pos", " ".join(f"{p + d:.9g}" for p, d in zip(pos, delta)))
        truth["origins_m"][name] = delta
for joint in tree.iter("joint"):
    name = joint.get("name")
    if name and name.startswith("joint") and not exact:
        offset = math.radians(rng.uniform(-0.5, 0.5))
        joint.set("ref", f"{-offset:.12g}")
        truth["offsets_rad"][name] = offset
sensor = tree.getroot().find("sensor")
if sensor is None:
    sensor = ET.SubElement(tree.getroot(), "sensor")
ET.SubElement(sensor, "framepos", {"name": "tracker", "objtype": "site", "objname": "tcp"})
tree.write(f"{out}/panda.xml")
with open(f"{out}/truth.json", "w") as f:
    json.dump(truth, f, indent=1)
