#!/usr/bin/env bash
# Run each fuzz harness for N seconds from its seed corpus; fail on any crash, leak or timeout.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
for h in urdf mjcf program onnx json ros2 ecat web run_log; do
  [ -x "$build/fuzz/fuzz_$h" ] || { echo "fuzz_$h: not built"; continue; }
  maxlen=65536
  [ "$h" = onnx ] && maxlen=262144 # the seed policy is 127 kB
  work="$build/fuzz-corpus-$h"
  mkdir -p "$work"
  echo "fuzz_$h: ${secs}s"
  "$build/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-$h-" "$work" "$root/fuzz/corpus/$h" \
    2>"$build/fuzz-$h.log" || { tail -50 "$build/fuzz-$h.log"; echo "fuzz_$h: FAILED"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz-$h.log" | sed "s/^/  /"
done
echo "fuzz: no crash"
