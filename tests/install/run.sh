#!/usr/bin/env bash
# Install xiaonao into a temporary prefix, then build and run a consumer with find_package
# (shared and static) and with pkg-config. Usage: run.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/install" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
model="$src/models/urdf/ur5_robot.urdf"
LD_LIBRARY_PATH="$work/prefix/lib:${LD_LIBRARY_PATH:-}" "$work/consumer/consumer_shared" "$model"
"$work/consumer/consumer_static" "$model"
passed=2
# the optional libraries (policy runtime, MuJoCo backend, ROS 2 bridge) when this build had them
if [ -e "$work/consumer/consumer_optional" ]; then
    LD_LIBRARY_PATH="$work/prefix/lib:${LD_LIBRARY_PATH:-}" "$work/consumer/consumer_optional" \
        "$src/models/mjcf/franka_panda/scene.xml"
    passed=$((passed + 1))
fi
# the Python module, where Debian's Python 3 finds modules under the prefix
for dir in "$work"/prefix/lib/python3*/dist-packages; do
    [ -d "$dir" ] || continue
    PYTHONPATH="$dir" /usr/bin/python3 -c "import xiaonao; print('python: xiaonao from', xiaonao.__file__)"
    passed=$((passed + 1))
done
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -o "$work/consumer_pc" "$src/tests/install/consumer.c" $(pkg-config --cflags --libs xiaonao)
LD_LIBRARY_PATH="$work/prefix/lib" "$work/consumer_pc" "$model"
passed=$((passed + 1))
# Each installed shared library exports the documented API and nothing else: every defined
# symbol is an xn_ name that an installed header declares (the linker's own three excepted).
exports=0
libs=0
for lib in "$work"/prefix/lib/libxiaonao*.so; do
    libs=$((libs + 1))
    for sym in $(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRW]/ {print $3}'); do
        case "$sym" in __bss_start | _edata | _end) continue ;; esac
        if [[ "$sym" != xn_* && "$sym" != XN_* ]] ||
            ! grep -qw "$sym" "$work"/prefix/include/xiaonao/*.h; then
            echo "FAIL $(basename "$lib") exports $sym, which no installed header declares"
            exports=$((exports + 1))
        fi
    done
done
[ "$exports" -eq 0 ] || { echo "install: $passed passed, 1 failed (exports)"; exit 1; }
echo "install: $((passed + 1)) passed, 0 failed ($libs shared libraries' exports checked)"
