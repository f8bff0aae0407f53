#!/usr/bin/env bash
# The controller on EtherCAT: `xn run examples/pick_and_place.xnp --backend ethercat` in real time
# at 1 kHz, its seven joints CiA 402 drives of `xn ecat-sim` at the other end of a veth pair (the
# bus description examples/ethercat/panda_bus.json). The program must complete with every drive
# powered off at the end, and the joints must track their reference as ideal CSP drives allow:
# a cycle of the drive, one of the readings, and the 2 lost frames in a row the backend
# tolerates on this shared machine, at the fastest joint's rated 2.61 rad/s: 4 periods, 10.5
# mrad (a wrong unit or gear would be off by radians). Both ends run SCHED_FIFO, as a master and
# a drive would.
# Usage: ecat_run_check.sh XN_BINARY SCRIPTS_DIR EXAMPLES_DIR WORK_DIR. Needs root (77: skipped).
set -uo pipefail
xn=$1; scripts=$2; examples=$3; work=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a network namespace, raw sockets)"; exit 77; }
mkdir -p "$work"
name=xr$$; name=${name:0:12}
"$scripts/ecat-veth.sh" up "$name" || { echo "FAIL the veth pair"; exit 1; }
sim=""
cleanup() { [ -n "$sim" ] && kill "$sim" 2>/dev/null; "$scripts/ecat-veth.sh" down "$name"; }
trap cleanup EXIT
sed "s/\"xe1m\"/\"${name}m\"/" "$examples/ethercat/panda_bus.json" >"$work/bus.json"
ip netns exec "$name" chrt -f 60 "$xn" ecat-sim "${name}s" --slaves 7 --time 60 \
    --positions 0,0,0,-1.57079,0,1.57079,-0.7853 2>"$work/sim.log" &
sim=$!
sleep 0.3
"$xn" run "$examples/pick_and_place.xnp" --backend ethercat --bus "$work/bus.json" \
    --mode position --realtime --watchdog-margin 3 >"$work/run.txt" 2>&1
rc=$?
kill -INT "$sim"; wait "$sim"; sim=""
pass=0; fail=0
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
[ $rc -eq 0 ] && grep -q "result       program completed" "$work/run.txt"
check "the program completed over EtherCAT (exit $rc): $(grep -E 'result|end  ' "$work/run.txt")" $?
grep -q "every drive powered off" "$work/run.txt"; check "every drive powered off at the end" $?
worst=$(awk '/max \|error\| mrad/ {on = 1; next} on && /^  joint/ {print $2}' "$work/run.txt" |
    sort -g | tail -1)
awk -v w="${worst:-nan}" 'BEGIN {exit !(w + 0 == w && w < 10.5)}'
check "tracking within 10.5 mrad on every joint (worst $worst mrad)" $?
echo "ecat run: $pass passed, $fail failed; $(grep -E '^  (cycles|compute)' "$work/run.txt" | head -2 | tr -s ' ' | tr '\n' ';') worst joint error $worst mrad"
[ $fail -eq 0 ]
