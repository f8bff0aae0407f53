# Sourced by the browser tests' scripts: what they need (Chromium, Node.js, web/node_modules).
# Without it they skip (77), except under CI, where that fails. Needs $src, the source tree.
missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
[ -d "$src/web/node_modules/playwright-core" ] || missing="$missing web/node_modules (make deps)"
command -v node >/dev/null 2>&1 || missing="$missing node"
if [ -n "$missing" ]; then
  echo "$(basename "$0"): missing $missing"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 77
fi
