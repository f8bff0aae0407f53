#!/usr/bin/env bash
# A tour of the model layer: load every shipped robot and show what
# `xn info`, `xn dyn` and `xn otg` compute. Usage: scripts/demo_models.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
xn="$build/xn"
line() { printf '%s\n' "------------------------------------------------------------------------"; }

line; echo "xiaonao demo: robot models, kinematics and dynamics"; line
for spec in "urdf/panda.urdf:" "urdf/ur5_robot.urdf:" "urdf/talos_full_v2.urdf:--floating-base" \
            "urdf/go2.urdf:--floating-base" "urdf/solo12.urdf:--floating-base" \
            "urdf/anymal.urdf:--floating-base" "mjcf/franka_panda/scene.xml:" \
            "mjcf/unitree_g1/scene.xml:" "mjcf/unitree_g1_12dof/scene.xml:"; do
  file=${spec%%:*}; opt=${spec#*:}
  echo; echo "\$ xn info models/$file $opt"
  # the summary lines, then how many joints/frames/warnings
  "$xn" info "$root/models/$file" $opt | sed -n '1,4p;/^warnings/,$p'
done

echo; line
echo "\$ xn info models/urdf/panda.urdf   (full listing)"; line
"$xn" info "$root/models/urdf/panda.urdf"

echo; line
echo "\$ xn dyn models/urdf/panda.urdf --in examples/panda_cases.jsonl --frames panda_hand"; line
"$xn" dyn "$root/models/urdf/panda.urdf" --in "$root/examples/panda_cases.jsonl" --frames panda_hand

echo; line
echo "\$ xn dyn models/urdf/talos_full_v2.urdf --in tests/data/reference/dynamics/talos.json \\"
echo "      --convention pinocchio --out talos.jsonl    (50 Pinocchio reference cases)"; line
out="$build/demo-talos.jsonl"
"$xn" dyn "$root/models/urdf/talos_full_v2.urdf" --in "$root/tests/data/reference/dynamics/talos.json" \
  --convention pinocchio --out "$out"
echo "wrote $(wc -l < "$out") result lines to $out (tau, nle, gravity, M, qdd, com, frames)"
echo; line
echo "\$ xn otg --from 0,1.5,-0.5 --to 2,-1,0.8 --vmax 1.5,2,1 --amax 3,2,4 --jmax 20,8,30"
echo "    (a time-synchronized, jerk-limited motion of three DoFs)"; line
"$xn" otg --from 0,1.5,-0.5 --to 2,-1,0.8 --vmax 1.5,2,1 --amax 3,2,4 --jmax 20,8,30

