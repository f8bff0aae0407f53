#!/usr/bin/env bash
# Install the Debian packages xiaonao needs, only those that are missing (idempotent), and the
# browser pages' npm packages from web/package-lock.json. Run as root, or as a user with sudo.
# Nothing is downloaded from outside Debian's archive and the npm registry.
set -euo pipefail

PACKAGES=(
  gcc make cmake pkg-config    # build
  libxml2-dev                  # URDF and MJCF loaders
  libmujoco-dev                # the simulated robot and the dynamics yardstick (benchmarks)
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev  # ONNX policies: protobuf-c and onnx.proto
  clang libclang-rt-14-dev     # libFuzzer harnesses and sanitizer builds
  clang-format cppcheck        # style and static checks (make lint)
  gnuplot-nox                  # plots (docs figures, run reports)
  python3                      # scripts/stack_check.py (make stack-check)
  cyclonedds-dev cyclonedds-tools  # ROS 2 over DDS (src/ros2): the library and the idlc compiler
  tshark                       # an independent reading of the DDS and EtherCAT wire formats
  iproute2                     # network namespaces and veth pairs for the EtherCAT tests
  python3-dev python3-numpy python3-pytest  # the Python module (python/) and its tests
  chromium                     # the browser pages' tests (headless, software WebGL)
  libwebsockets-dev            # the browser console's HTTP and WebSocket server (src/web)
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm  # Cortex-M builds, run emulated
)
# Node.js bundles the browser pages (web/) at build time: Debian's, unless one is installed
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser pages' packages (three.js, esbuild, playwright-core) from the npm registry, exactly
# as web/package-lock.json has them, when web/node_modules is missing or older than the lock.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -f "$web/node_modules/.package-lock.json" ] ||
   [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  echo "install-deps: npm ci in web/"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
