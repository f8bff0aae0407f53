#!/usr/bin/env bash
# Regenerates the repository's reference files from the peers themselves, then runs the tests
# that read them. Each part runs only when its peer is there:
#   PINOCCHIO_PREFIX=/path  an install of Pinocchio 3.7: tests/data/reference/dynamics/*.json
#   RUCKIG_DIR=/path        a Ruckig 0.17.3 source tree: tests/data/reference/otg/*.jsonl
#   python3-torch           Debian's PyTorch: the actions of policies/unitree_g1_walk/reference_io.jsonl
# Usage: [PINOCCHIO_PREFIX=...] [RUCKIG_DIR=...] scripts/reference/regenerate.sh [BUILD_DIR]
# The generators draw with fixed seeds, so a rerun with the same peer and compiler rewrites the
# same bytes; `git diff` shows what a new peer version changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests=()

if [ -n "${PINOCCHIO_PREFIX:-}" ]; then
  echo "regenerate: dynamics from Pinocchio in $PINOCCHIO_PREFIX"
  # shellcheck disable=SC2046
  g++ -O2 -std=c++17 "$root/scripts/reference/pinocchio_dynamics.cpp" -o "$work/pin" \
    $(PKG_CONFIG_PATH="$PINOCCHIO_PREFIX/lib/pkgconfig" pkg-config --cflags --libs pinocchio) \
    -DBOOST_MPL_LIMIT_LIST_SIZE=30 -DBOOST_MPL_LIMIT_VECTOR_SIZE=30 -lboost_serialization \
    -Wl,-rpath,"$PINOCCHIO_PREFIX/lib"
  out=$root/tests/data/reference/dynamics
  u=$root/models/urdf
  "$work/pin" "$u/panda.urdf" 0 1 panda_hand panda_link7 >"$out/panda.json"
  "$work/pin" "$u/ur5_robot.urdf" 0 2 tool0 wrist_3_link >"$out/ur5.json"
  "$work/pin" "$u/talos_full_v2.urdf" 1 3 left_sole_link right_sole_link arm_left_7_link \
    arm_right_7_link >"$out/talos.json"
  "$work/pin" "$u/go2.urdf" 1 4 FL_foot FR_foot RL_foot RR_foot >"$out/go2.json"
  "$work/pin" "$u/solo12.urdf" 1 5 FL_FOOT FR_FOOT HL_FOOT HR_FOOT >"$out/solo12.json"
  "$work/pin" "$u/anymal.urdf" 1 6 LF_FOOT RF_FOOT LH_FOOT RH_FOOT >"$out/anymal.json"
  tests+=(test_pinocchio_reference)
fi

if [ -n "${RUCKIG_DIR:-}" ]; then
  echo "regenerate: trajectories from Ruckig in $RUCKIG_DIR"
  g++ -O2 -std=c++20 -I"$RUCKIG_DIR/include" "$root/scripts/reference/ruckig_otg.cpp" \
    "$RUCKIG_DIR"/src/ruckig/brake.cpp "$RUCKIG_DIR"/src/ruckig/position_*.cpp \
    "$RUCKIG_DIR"/src/ruckig/velocity_*.cpp -o "$work/rk"
  out=$root/tests/data/reference/otg
  "$work/rk" 1 position 2000 20 1 >"$out/ruckig_1dof.jsonl"
  "$work/rk" 3 position 2000 20 3 >"$out/ruckig_3dof.jsonl"
  "$work/rk" 7 position 2000 100 7 >"$out/ruckig_7dof.jsonl"
  "$work/rk" 7 velocity 500 50 77 >"$out/ruckig_7dof_velocity.jsonl"
  tests+=(test_otg_reference)
fi

py=${PYTHON:-/usr/bin/python3}  # Debian's, where python3-torch installs (not a pyenv shim)
if "$py" -c "import torch" 2>/dev/null; then
  echo "regenerate: policy actions from PyTorch"
  "$py" "$root/scripts/reference/policy_reference.py" --write
  tests+=(test_policy)
fi

if [ ${#tests[@]} -eq 0 ]; then
  echo "regenerate: no peer given (PINOCCHIO_PREFIX, RUCKIG_DIR, python3-torch); nothing done"
  exit 1
fi
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
ctest --test-dir "$build" -R "$regex" --output-on-failure
