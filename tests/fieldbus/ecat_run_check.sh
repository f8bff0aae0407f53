#!/usr/bin/env bash
# The controller on EtherCAT in real time: `xn run examples/pick_and_place.xnp --backend ethercat`
# at 1 kHz, its seven joints CiA 402 drives of `xn ecat-sim --robot` (acting on the MuJoCo Panda)
# at the other end of a veth pair, as examples/ethercat/panda_bus.json maps them. The program
# must complete with every drive powered off at the end, and each joint's worst tracking error
# must be the direct MuJoCo backend's with one cycle of latency (what the process data path adds)
# within 5.3 mrad. The in-process comparison (test_ecat_mujoco, deterministic) agrees to 0.02
# mrad; here, on a machine loaded by the rest of the suite, a frame delayed past 90 % of the period from its cycle's start
# is lost, and the backend repeats the last readings for it, up to 2 in a row (a third stops the
# robot): a joint's error can read up to 2 periods of its rated velocity larger (2 x 2.61 rad/s
# x 1 ms = 5.2 mrad; a wrong unit or gear would be off by radians). Both ends run SCHED_FIFO, as
# a master and a drive would (the veth's softirq work does not).
# Usage: ecat_run_check.sh XN_BINARY SCRIPTS_DIR EXAMPLES_DIR ROBOT_SCENE WORK_DIR. Needs root
# (77: skipped).
set -uo pipefail
xn=$1; scripts=$2; examples=$3; scene=$4; work=$5
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a network namespace, raw sockets)"; exit 77; }
[ -z "${XN_SKIP_REALTIME:-}" ] || { echo "SKIP: real time under the sanitizers (test_ecat_mujoco covers the path)"; exit 77; }
mkdir -p "$work"
name=xr$$; name=${name:0:12}
"$scripts/ecat-veth.sh" up "$name" || { echo "FAIL the veth pair"; exit 1; }
sim=""
cleanup() { [ -n "$sim" ] && kill "$sim" 2>/dev/null; "$scripts/ecat-veth.sh" down "$name"; }
trap cleanup EXIT
sed "s/\"xe1m\"/\"${name}m\"/" "$examples/ethercat/panda_bus.json" >"$work/bus.json"
# one run; a second when the first failed, which on this VM is the host: frames come back later
# than the rest of their cycle (bench_ecat over the veth pair: p99 204 us on a quiet host, 600 us and 2 %
# of the frames late on a busy one), 3 in a row are lost and the backend rightly stops (its
# loop's emergency stop then takes the slaves to SAFE-OP). When both attempts end so, the test
# is skipped, saying why: the in-process comparison (test_ecat_mujoco) is the one that cannot be
# skipped. Any other failure fails. The watchdog margin is 20 ms: this test is about the frames.
# The drives run on distributed clocks and leave OP when SYNC0 finds no new outputs too often;
# this VM wakes a 1 kHz thread up to 3 ms late now and then (bench_wakeup), so their sync error
# limit is 30 (10 misses close together) rather than 6; test_ecat_dc holds the default.
stalled=0
for attempt in 1 2; do
    ip netns exec "$name" chrt -f 60 "$xn" ecat-sim "${name}s" --time 60 --robot "$scene" \
        --bus "$work/bus.json" --sync-error-limit 30 2>"$work/sim.log" &
    sim=$!
    sleep 0.5
    "$xn" run "$examples/pick_and_place.xnp" --backend ethercat --bus "$work/bus.json" \
        --mode position --realtime --watchdog-margin 20 >"$work/run.txt" 2>&1
    rc=$?
    kill -INT "$sim"; wait "$sim"; sim=""
    [ $rc -ne 0 ] || break
    echo "attempt $attempt failed (exit $rc): $(grep -E '^xn: ' "$work/run.txt" | tr '\n' ' ')"
    grep -qE "process data frames lost in a row|left OP" "$work/run.txt" && stalled=$((stalled + 1))
done
if [ $rc -ne 0 ] && [ $stalled -eq 2 ]; then
    echo "SKIP: the host delayed the veth's frames past their cycle, 3 in a row, in both runs:"
    echo "      a 1 kHz real-time run cannot be judged on this machine now"
    exit 77
fi
"$xn" run "$examples/pick_and_place.xnp" --robot "$scene" --mode position --latency 1 \
    >"$work/direct.txt" 2>&1
rc_direct=$?
pass=0; fail=0
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
[ $rc -eq 0 ] && grep -q "result       program completed" "$work/run.txt"
check "the program completed over EtherCAT (exit $rc): $(grep -E 'result|end  ' "$work/run.txt")" $?
grep -q "every drive powered off" "$work/run.txt"; check "every drive powered off at the end" $?
[ $rc_direct -eq 0 ]; check "the direct MuJoCo run (exit $rc_direct)" $?
errors() { awk '/max \|error\| mrad/ {on = 1; next} on && /^  joint/ {print $1, $2}' "$1"; }
table=$(join <(errors "$work/run.txt") <(errors "$work/direct.txt"))
worst=$(awk '{d = $2 - $3; if (d < 0) d = -d; if (d > w) w = d} END {print w + 0}' <<<"$table")
[ "$(wc -l <<<"$table")" -eq 7 ] && awk -v w="$worst" 'BEGIN {exit !(w < 5.3)}'
check "each joint's tracking as the direct MuJoCo backend's with 1 cycle of latency, within 5.3 mrad (worst difference $worst mrad)" $?
clocks=$(grep -E '^  clocks' "$work/run.txt")
rms=$(sed -E 's/.*RMS ([0-9]+) ns.*/\1/' <<<"$clocks")
[[ "$rms" =~ ^[0-9]+$ ]] && [ "$rms" -lt 100 ]
check "the slaves' clocks within 100 ns RMS of the reference over the wire ($clocks)" $?
echo "ecat run: $pass passed, $fail failed; $(grep -E '^  (cycles|compute|EtherCAT|clocks)' "$work/run.txt" | tr -s ' ' | tr '\n' ';')"
echo "joint, EtherCAT mrad, direct + 1 cycle mrad:"; echo "$table"
[ $fail -eq 0 ]
