#!/usr/bin/env bash
# The EtherCAT master over a real frame path, read by someone else: `xn ecat-sim` answers in a
# network namespace at one end of a veth pair, `xn ecat scan --state op` runs at the other, and
# tshark captures the wire. Wireshark's EtherCAT dissector must find no malformed datagram and no
# error in the traffic, and must see what the master did: the broadcast count answered by all 7
# slaves, the 7 station addresses written by position, the EEPROM reads, the AL control writes
# of PRE-OP, SAFE-OP and OP to each station, the process data (LRW) that flows before OP, and CoE
# SDO transfers through the mailbox (`xn ecat
# sdo`): an upload of 0x1018:01, and a download the drive aborts (a read-only object). A
# positive control: one frame cut short, sent on purpose, must be flagged by tshark and dropped
# by the segment.
# Usage: ecat_wire_check.sh XN_BINARY SCRIPTS_DIR WORK_DIR. Needs root (exit 77: skipped).
set -uo pipefail
xn=$1; scripts=$2; work=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a network namespace, raw sockets)"; exit 77; }
command -v tshark >/dev/null || { echo "FAIL tshark not found (scripts/install-deps.sh)"; exit 1; }
mkdir -p "$work"; cap="$work/ecat.pcapng"; rm -f "$cap"
name=xe$$; name=${name:0:12}
"$scripts/ecat-veth.sh" up "$name" || { echo "FAIL the veth pair"; exit 1; }
sim=""; shark=""
cleanup() {
    [ -n "$sim" ] && kill "$sim" 2>/dev/null
    [ -n "$shark" ] && kill "$shark" 2>/dev/null
    "$scripts/ecat-veth.sh" down "$name"
}
trap cleanup EXIT
ip netns exec "$name" "$xn" ecat-sim "${name}s" --slaves 7 --time 60 2>"$work/sim.log" &
sim=$!
tshark -q -i "${name}m" -f "ether proto 0x88a4" -w "$cap" -a duration:60 >"$work/tshark.log" 2>&1 &
shark=$!
for _ in $(seq 100); do grep -q "Capturing on" "$work/tshark.log" && break; sleep 0.1; done
sleep 0.2
"$xn" ecat scan "${name}m" --state op >"$work/scan.txt" 2>&1; rc=$?
"$xn" ecat sdo "${name}m" 2 1018:01 >"$work/sdo.txt" 2>&1; rc_read=$?
"$xn" ecat sdo "${name}m" 2 6041:00 5 >>"$work/sdo.txt" 2>&1; rc_ro=$?
# the positive control: a BRD whose datagram claims 2047 bytes of data in a 60-byte frame
python3 - "${name}m" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = (b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x07" + b"\x88\xa4" + b"\x1b\x10" +
         b"\x07\x01\x00\x00\x00\x00\xff\x07\x00\x00")
s.send(frame + b"\x00" * (60 - len(frame)))
PY
sleep 0.5
kill -INT "$sim"; wait "$sim"; sim=""
kill -INT "$shark"; wait "$shark"; shark=""
pass=0; fail=0
check() { # label, condition (0 = true)
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
count() { tshark -r "$cap" -Y "$1" 2>/dev/null | wc -l; }
[ $rc -eq 0 ]; check "xn ecat scan --state op (exit $rc): $(tail -3 "$work/scan.txt")" $?
[ "$(grep -c ' OP  .xiaonao virtual CiA 402 drive.' "$work/scan.txt")" -eq 7 ]
check "7 slaves in OP with their names in the scan's output" $?
grep -q "0 lost, 0 malformed" "$work/scan.txt"; check "no frame lost or malformed" $?
[ $rc_read -eq 0 ] && grep -q "0x1018:01 = 2650 (0x00000A5A" "$work/sdo.txt"
check "xn ecat sdo reads the vendor id over CoE: $(head -1 "$work/sdo.txt")" $?
[ $rc_ro -eq 1 ] && grep -q "0x06010002, attempt to write a read-only object" "$work/sdo.txt"
check "xn ecat sdo: the drive's abort by name: $(tail -1 "$work/sdo.txt")" $?
[ "$(count 'ecat_mailbox.coe.sdoidx == 0x1018 && ecat_mailbox.coe.sdosub == 1 && ecat.adp == 0x1003')" -ge 1 ]
check "the CoE upload request for 0x1018:01 to station 0x1003 on the wire" $?
[ "$(count 'ecat_mailbox.coe.type == 3 && ecat_mailbox.coe.sdores == 4 && ecat.adp == 0x1003 && ecat.cnt == 1')" -eq 1 ]
check "exactly one SDO abort read back from station 0x1003's mailbox" $?
[ "$(count 'ecat_mailbox.invalid || ecat_mailbox.coe.invalid')" -eq 0 ]
check "no mailbox message Wireshark calls invalid" $?
total=$(count "ecat"); malformed=$(count "_ws.malformed || _ws.expert.severity == error")
[ "$total" -gt 500 ]; check "the capture holds the traffic ($total EtherCAT frames)" $?
[ "$malformed" -eq 1 ]; check "exactly one frame flagged, the control ($malformed flagged)" $?
grep -q "1 dropped as malformed" "$work/sim.log"; check "the segment dropped the control: $(cat "$work/sim.log")" $?
[ "$(count 'ecat.cmd == 0x07 && ecat.ado == 0x0000 && ecat.cnt == 7')" -ge 1 ]
check "a broadcast read answered by 7 slaves (working counter 7)" $?
[ "$(count 'ecat.cmd == 0x02 && ecat.ado == 0x0010 && ecat.cnt == 1')" -eq 21 ]
check "7 station addresses written by position, each by one slave, in each of the 3 scans" $?
[ "$(count 'ecat.cmd == 0x05 && ecat.ado == 0x0502')" -ge 70 ]
check "EEPROM reads through the SII interface" $?
[ "$(count 'ecat.cmd == 0x0c && ecat.lad == 0x00010000 && ecat.cnt == 21')" -ge 10 ]
check "process data before OP: LRW of the image answered by all 7 (working counter 21)" $?
[ "$(grep -c 'distributed clock, [0-9]* ns from the first' "$work/scan.txt")" -eq 7 ] &&
    grep 'distributed clock' "$work/scan.txt" | awk '{d = $3 + 0; if (NR > 1 && d <= last) bad = 1; last = d} END {exit bad}'
check "7 propagation delays in the scan, growing along the line" $?
[ "$(count 'ecat.cmd == 0x08 && ecat.ado == 0x0900 && ecat.cnt == 7')" -ge 8 ]
check "receive times latched by a broadcast write to 0x0900, taken by all 7, 8 times" $?
for st in 2 4 8; do
    n=$(tshark -r "$cap" -Y "ecat.cmd == 0x05 && ecat.ado == 0x0120 && ecat.cnt == 1" \
        -T fields -e ecat.adp -e ecat.reg.alctrl 2>/dev/null | awk -v want="0x000${st}" '$2 == want' |
        sort -u | wc -l)
    [ "$n" -eq 7 ]; check "AL control $st written to and taken by each of the 7 stations ($n)" $?
done
echo "ecat wire: $pass passed, $fail failed ($total frames captured)"
[ $fail -eq 0 ]
