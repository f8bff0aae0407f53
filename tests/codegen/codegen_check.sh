#!/bin/bash
# Generates C for every shipped robot (xn codegen), compiles it as a user would (C11, -Wall
# -Wextra -Werror -pedantic, libm only) and checks every function against the generic library
# on random states (codegen_check): double to 1e-12, float to its stated bound.
#   codegen_check.sh XN CODEGEN_CHECK SOURCE_DIR WORK_DIR
set -eu
xn=$1 check=$2 src=$3 work=$4
cc=${CC:-cc}
rm -rf "$work" && mkdir -p "$work"
failed=0

# model, options, frame checked, real types
run() {
    local name=$1 model=$2 opts=$3 frame=$4 reals=$5
    for real in $reals; do
        local dir="$work/$name-$real"
        mkdir -p "$dir"
        # shellcheck disable=SC2086
        if ! "$xn" codegen "$src/$model" $opts --out "$dir" --prefix gen --real "$real" \
            --frame "$frame"; then
            echo "FAIL $name $real: xn codegen failed"; failed=1; continue
        fi
        grep -q "sha256 $(sha256sum "$src/$model" | cut -d' ' -f1)" "$dir/gen.h" ||
            { echo "FAIL $name: the header does not name the model file's SHA-256"; failed=1; }
        # -O0: the checks are about values, and the optimizer takes minutes on the humanoids; the bench
        # and the Panda below build it optimized
        if ! "$cc" -std=c11 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -O0 -fPIC \
            -shared -o "$dir/gen.so" "$dir/gen.c" -lm 2> "$dir/cc.log"; then
            echo "FAIL $name $real: the generated code does not compile cleanly"
            head -20 "$dir/cc.log"; failed=1; continue
        fi
        echo "== $name ($real)"
        # shellcheck disable=SC2086
        "$check" "$src/$model" "$dir/gen.so" gen "$real" "$frame" $opts --states 50 || failed=1
    done
}

run panda models/urdf/panda.urdf "" panda_hand "double float"
# optimized too, as the bench and a user build it: warnings that only the optimizer finds
"$cc" -std=c11 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -O2 -c \
    -o "$work/panda-double/gen.o" "$work/panda-double/gen.c" ||
    { echo "FAIL panda: the generated code does not compile cleanly at -O2"; failed=1; }
# with fused multiply-add, as bench_codegen's FMA column builds it: other rounding, same bound
if "$cc" -std=c11 -O2 -march=native -ffp-contract=fast -fPIC -shared \
    -o "$work/panda-double/gen_fma.so" "$work/panda-double/gen.c" -lm; then
    echo "== panda (double, fused multiply-add)"
    "$check" "$src/models/urdf/panda.urdf" "$work/panda-double/gen_fma.so" gen double panda_hand \
        --states 50 || failed=1
else
    echo "FAIL panda: the generated code does not compile with -ffp-contract=fast"; failed=1
fi
run ur5 models/urdf/ur5_robot.urdf "" wrist_3_link "double"
run go2 models/urdf/go2.urdf --floating-base FL_foot "double float"
run solo models/urdf/solo12.urdf --floating-base FL_FOOT "double"
run anymal models/urdf/anymal.urdf --floating-base LF_FOOT "double"
run talos models/urdf/talos_full_v2.urdf --floating-base wrist_left_ft_link "double"
run g1 models/mjcf/unitree_g1/g1.xml "" left_ankle_roll_link "double float"
run g1_12dof models/mjcf/unitree_g1_12dof/g1_12dof.xml "" left_ankle_roll_link "double"

# bad input: each refused with a message naming the place and the reason, nothing written
bad() {
    local what=$1; shift
    local out
    if out=$("$xn" codegen "$@" 2>&1); then
        echo "FAIL bad input ($what) was accepted"; failed=1
    elif ! grep -q "$what" <<< "$out"; then
        echo "FAIL bad input: expected '$what' in: $out"; failed=1
    fi
}
mkdir -p "$work/bad"
bad "no frame 'nope'" "$src/models/urdf/panda.urdf" --out "$work/bad" --frame nope
bad "not a C identifier" "$src/models/urdf/panda.urdf" --out "$work/bad" --prefix 9x
bad "not a directory" "$src/models/urdf/panda.urdf" --out "$work/none"
bad "would be named" "$src/models/urdf/panda.urdf" --out "$work/bad" --frame panda_hand \
    --frame panda_hand
bad "float or double" "$src/models/urdf/panda.urdf" --out "$work/bad" --real half
bad "no such file\|cannot open\|No such" "$work/missing.urdf" --out "$work/bad"
[ -z "$(ls -A "$work/bad")" ] || { echo "FAIL: a refused run wrote files"; failed=1; }

if [ $failed = 0 ]; then echo "codegen_check.sh: all passed"; fi
exit $failed
