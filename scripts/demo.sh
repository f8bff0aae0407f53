#!/usr/bin/env bash
# make demo: the main job. Runs the pick-and-place program on the simulated Franka Panda (MuJoCo,
# 1 kHz, computed torque) and writes the report. Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
report="$root/$build/demo-report"
case "$build" in /*) report="$build/demo-report" ;; esac
echo "\$ xn run examples/pick_and_place.xnp --report $report"
"$build/xn" run "$root/examples/pick_and_place.xnp" --report "$report"
echo
echo "Open the report: $report/index.html"
if [ -f "$report/replay.html" ]; then
  echo "Watch the run in 3D: $report/replay.html (one file, opens offline in a browser)"
fi
echo "(scripts/demo_models.sh $build shows the model, dynamics and trajectory commands.)"
