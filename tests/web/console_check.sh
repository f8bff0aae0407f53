#!/usr/bin/env bash
# ctest: the console page in headless Chromium (console.test.mjs) against `xn serve --web` on the
# simulated Panda in real time (a watchdog margin of 50 ms: the test machine's wake-ups are not
# what is tested). Then xn must have ended on the console's stop, category 1.
#   console_check.sh XN EXPECT_BIN SOURCE_DIR OUT_DIR
# Without Chromium or web/node_modules it skips (77), except under CI, where that fails
# (web_deps.sh).
set -euo pipefail
xn=$1 expect=$2 src=$3 out=$4
. "$(dirname "$0")/web_deps.sh"
rm -rf "$out"
mkdir -p "$out"
scene="$src/models/mjcf/franka_panda/scene.xml"
"$xn" serve --web --listen 127.0.0.1:0 --watchdog-margin 50 --max-time 60 --quiet \
  > "$out/serve.out" 2> "$out/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$out/serve.err" || true)
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "xn serve --web did not say where the console is"; cat "$out/serve.err"; exit 1; }
rc=0
XN_CONSOLE_SHOT="$out/console.png" node "$src/tests/web/console.test.mjs" "$src/web" "$expect" "$scene" "$url" || rc=$?
# the console's stop ends the run
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  echo "FAIL xn serve still runs after the console's stop"; rc=1
else
  wait $pid || true
  grep -q "stopped on request" "$out/serve.out" ||
    { echo "FAIL xn serve's summary does not say it stopped on request"; cat "$out/serve.out"; rc=1; }
fi
exit $rc
