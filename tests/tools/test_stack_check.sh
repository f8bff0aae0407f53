#!/usr/bin/env bash
# scripts/stack_check.py on small call graphs with known answers: under the limit it passes and
# adds the deepest path's frames (480 + 4000 + 4 x 100 for a recursion of depth 4, deeper than
# the 3072 assumed for vsnprintf); a frame that takes the path over 16 KB, and an indirect call
# it cannot resolve, each fail it. SPDX-License-Identifier: Apache-2.0
set -u
here="$(cd "$(dirname "$0")/../.." && pwd)"
data="$here/tests/data/stack"
pass=0
fail=0
check() { # name, expected exit status, command...
    local name=$1 want=$2
    shift 2
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL $name: exit $rc, wanted $want: $out"
    fi
    LAST="$out"
}
check "under the limit" 0 python3 "$here/scripts/stack_check.py" "$data/under"
case "$LAST" in *"xn_controller_step: 4880 bytes"*) pass=$((pass + 1)) ;; *)
    fail=$((fail + 1))
    echo "FAIL the deepest path is not 4880 bytes: $LAST" ;; esac
check "over the limit" 1 python3 "$here/scripts/stack_check.py" "$data/over"
check "an unresolved indirect call" 1 python3 "$here/scripts/stack_check.py" "$data/unresolved"
echo "test_stack_check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
