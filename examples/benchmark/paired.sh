#!/usr/bin/env bash
# paired.sh: the speed bars of iforest and forest measured in pairs. The
# machine this project runs on changes speed by up to 1.7x within a minute,
# so a Go half and a Python half timed a minute apart (the harness) can
# land in different phases; here each Go benchmark is followed at once by
# the same scikit-learn call in a Python process that stays up, and the
# ratio of each pair is printed, then the median (a Random Forest
# benchmark is set beside the mean of the scikit-learn calls just before
# and just after it). The two virtual CPUs also run at different speeds at
# times, so the one-thread pairs run both halves on the same CPU (taskset,
# CPU $PAIRED_CPU, default 0); the two-thread pairs use every CPU.
#
#   NSLKDD_DIR=../shared/data/nsl-kdd bash examples/benchmark/paired.sh [pairs]
#
# Go: iforest BenchmarkScoreMatrix/ext=0 (rows/s, one thread); forest
# BenchmarkBatchWalk/walk=asm (ScoreMatrix) and BenchmarkBatchProba
# (PredictProbaBatch), ns/row, on one and two threads. Python: paired.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${NSLKDD_DIR:?set NSLKDD_DIR to the NSL-KDD folder}"
pairs=${1:-7}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/if.test" ./iforest
go test -c -o "$tmp/f.test" ./forest
cpu=${PAIRED_CPU:-0}
all="0-$(($(nproc) - 1))"
# pin CPUS CMD...: run CMD on CPUS, or anywhere without taskset.
pin() { if command -v taskset >/dev/null; then taskset -c "$@"; else shift; "$@"; fi; }
coproc SK { "$py" examples/benchmark/paired.py; }
# pinpy CPUS: move the Python process (all its threads) to CPUS.
pinpy() { if command -v taskset >/dev/null; then taskset -a -p -c "$1" "$SK_PID" >/dev/null; fi; }
read -r ready <&"${SK[0]}"
ask() { echo "$1" >&"${SK[1]}"; read -r r <&"${SK[0]}"; echo "$r"; }
ns() { pin "$3" "$tmp/f.test" -test.run '^$' -test.bench "$1" -test.benchtime 20x -test.cpu "$2" | awk '/^Benchmark/ {print $5}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "Isolation Forest batch scoring, one thread (CPU $cpu): netwarden rows/s, scikit-learn rows/s, ratio"
pinpy "$cpu"
for _ in $(seq "$pairs"); do
  g=$(pin "$cpu" "$tmp/if.test" -test.run '^$' -test.bench 'ScoreMatrix/ext=0$' -test.benchtime 1s -test.cpu 1 |
    awk '/^Benchmark/ {for (i = 1; i < NF; i++) if ($(i+1) == "rows/s") print $i}')
  s=$(ask if)
  awk -v g="$g" -v s="$s" 'BEGIN {printf "%.0f %.0f %.1f\n", g, s, g/s}' | tee -a "$tmp/if"
done
echo "median ratio: $(awk '{print $3}' "$tmp/if" | median)"

for threads in 1 2; do
  cpus=$cpu
  if [ "$threads" != 1 ]; then cpus=$all; fi
  pinpy "$cpus"
  echo "Random Forest, $threads thread(s) (CPUs $cpus): ScoreMatrix rows/s, PredictProbaBatch rows/s, predict_proba rows/s, ratios"
  for _ in $(seq "$pairs"); do
    s0=$(ask "rf$threads")
    a=$(ns 'BatchWalk/walk=asm$' "$threads" "$cpus")
    s1=$(ask "rf$threads")
    b=$(ns 'BatchProba$' "$threads" "$cpus")
    s2=$(ask "rf$threads")
    awk -v a="$a" -v b="$b" -v s0="$s0" -v s1="$s1" -v s2="$s2" 'BEGIN {printf "%.0f %.0f %.0f %.2f %.2f\n", 1e9/a, 1e9/b, (s0+s1+s2)/3, 2e9/a/(s0+s1), 2e9/b/(s1+s2)}' | tee -a "$tmp/rf$threads"
  done
  echo "median ratios: ScoreMatrix $(awk '{print $4}' "$tmp/rf$threads" | median), PredictProbaBatch $(awk '{print $5}' "$tmp/rf$threads" | median)"
done
ask quit >/dev/null || true
