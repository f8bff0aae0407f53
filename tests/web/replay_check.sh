#!/usr/bin/env bash
# ctest: the replay page in headless Chromium (replay.test.mjs). Runs three short programs with
# --report (the Panda to a known pose; the G1 standing; a URDF arm with meshes to a known pose),
# then checks their replay.html.
#   replay_check.sh XN EXPECT_BIN SOURCE_DIR OUT_DIR
# Without Chromium or web/node_modules it skips (77), except under CI, where that fails
# (web_deps.sh).
set -euo pipefail
xn=$1 expect=$2 src=$3 out=$4
. "$(dirname "$0")/web_deps.sh"
rm -rf "$out"
mkdir -p "$out"
"$xn" run "$src/tests/web/replay_panda.xnp" --report "$out/panda" --quiet > "$out/panda.txt"
"$xn" run "$src/tests/web/replay_g1.xnp" --report "$out/g1" --quiet > "$out/g1.txt"
# a URDF robot (visual primitives, an STL and an OBJ mesh) on the loopback backend
"$xn" run "$src/tests/web/replay_urdf.xnp" --robot "$src/tests/web/urdf_arm/arm.urdf" \
  --backend loopback --report "$out/urdf" --quiet > "$out/urdf.txt"
grep -q "replay.html" "$out/panda.txt" && grep -q "replay.html" "$out/g1.txt" ||
  { echo "xn run did not say where replay.html is"; cat "$out/panda.txt"; exit 1; }
# the Panda's final pose is the program's movej target (the fingers as the keyframe has them)
cat > "$out/cases.json" <<JSON
[{"name": "Panda", "html": "$out/panda/replay.html", "scene": "$src/models/mjcf/franka_panda/scene.xml",
  "cam": [1.6, -1.6, 1.2, 0.3, 0, 0.4], "middle": 0.7, "start": ["home"],
  "end": ["home", "joint1=1.4", "joint2=-0.2", "joint3=0.3", "joint4=-1.9", "joint5=0.2",
          "joint6=2.1", "joint7=1.3"], "movie": true},
 {"name": "G1", "html": "$out/g1/replay.html", "scene": "$src/models/mjcf/unitree_g1/scene.xml",
  "cam": [2.0, -2.0, 1.3, 0, 0, 0.6], "middle": 0.25, "start": ["knees_bent"], "end": null},
 {"name": "URDF arm", "html": "$out/urdf/replay.html", "scene": "$src/tests/web/urdf_arm/arm.urdf",
  "cam": [1.2, -1.2, 0.9, 0, 0, 0.4], "middle": 0.3, "start": ["qpos0"],
  "end": ["qpos0", "j1=0.9", "j2=0.7", "j3=-0.8"], "geoms": 6, "meshes": 2}]
JSON
node "$src/tests/web/replay.test.mjs" "$src/web" "$expect" "$out/cases.json"
