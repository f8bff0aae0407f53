#!/usr/bin/env bash
# Run every benchmark and print its table. Usage: scripts/bench.sh BUILD_DIR [--quick]
set -euo pipefail
build=${1:-build}; shift || true
echo "## Kinematics and dynamics (ns per call, median of repeats)"
echo
"$build/bench/bench_dynamics" "$@"
echo
"$build/bench/bench_otg" 20000
echo
echo "## Controller runtime (simulated Panda)"
echo
"$build/bench/bench_runtime"
echo
echo "## Inverse kinematics"
echo
"$build/bench/bench_ik" 10000
echo
echo "## Vibration suppression (flexible Panda)"
echo
"$build/bench/bench_vibration"
echo
echo "## Collision detection and reaction (simulated Panda; a simulated hour of free motion first)"
echo
"$build/bench/bench_collision" 60
echo
echo "## Learned policies (G1 walking policy)"
echo
"$build/bench/bench_policy"
echo
echo "## Quadratic programs"
echo
"$build/bench/bench_qp"
"$build/bench/bench_wbc"
"$build/bench/bench_push"
