#!/usr/bin/env python3
"""Write a copy of the simulated Panda carrying a tool the controller is not told about: a rigid
body of mass M (kg) fixed in the hand, its centre of mass at X Y Z (m, the hand's frame) and a
diagonal inertia about it (kg m^2, the hand's axes).

usage: add_payload.py SRC_DIR OUT_DIR M X Y Z [IXX IYY IZZ]
SPDX-License-Identifier: Apache-2.0"""
import os
import shutil
import sys
import xml.etree.ElementTree as ET

src, out = sys.argv[1], sys.argv[2]
mass, com = sys.argv[3], sys.argv[4:7]
inertia = sys.argv[7:10] if len(sys.argv) >= 10 else ["0.004", "0.005", "0.003"]
if os.path.abspath(src) != os.path.abspath(out):
    shutil.copytree(src, out, dirs_exist_ok=True)
tree = ET.parse(f"{src}/panda.xml")
hand = next(b for b in tree.iter("body") if b.get("name") == "hand")
tool = ET.SubElement(hand, "body", {"name": "tool"})
ET.SubElement(tool, "inertial",
              {"mass": mass, "pos": " ".join(com), "diaginertia": " ".join(inertia)})
tree.write(f"{out}/panda.xml")
