#!/usr/bin/env bash
# The plotted example of docs/motion.md: a 3-DoF time-synchronized jerk-limited motion computed by
# `xn otg`, drawn with gnuplot into docs/img/otg_example.png. Usage: scripts/plot_otg_example.sh [BUILD]
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
csv=$(mktemp)
"$build/xn" otg --from 0,1.5,-0.5 --to 2,-1,0.8 --vmax 1.5,2,1 --amax 3,2,4 --jmax 20,8,30 --csv "$csv" --dt 0.002
gnuplot <<GP
set terminal pngcairo size 1000,900 font "sans,10"
set output "$root/docs/img/otg_example.png"
set datafile separator ","
set key top right
set grid
set multiplot layout 4,1 title "xn otg: three DoFs, time-synchronized, jerk-limited (all arrive together at rest)"
set ylabel "position"
plot for [i=0:2] "$csv" using 1:(column(2+4*i)) skip 1 with lines lw 2 title sprintf("DoF %d", i)
set ylabel "velocity"
plot for [i=0:2] "$csv" using 1:(column(3+4*i)) skip 1 with lines lw 2 title sprintf("DoF %d (limit %s)", i, word("1.5 2 1", i+1))
set ylabel "acceleration"
plot for [i=0:2] "$csv" using 1:(column(4+4*i)) skip 1 with lines lw 2 title sprintf("DoF %d (limit %s)", i, word("3 2 4", i+1))
set ylabel "jerk"
set xlabel "time (s)"
plot for [i=0:2] "$csv" using 1:(column(5+4*i)) skip 1 with steps lw 2 title sprintf("DoF %d (limit %s)", i, word("20 8 30", i+1))
unset multiplot
GP
rm -f "$csv"
echo "wrote docs/img/otg_example.png"
