#!/usr/bin/env bash
# paired.sh: the speed bars of iforest and forest measured in pairs. The
# machine this project runs on changes speed by up to 1.7x within a minute,
# so a Go half and a Python half timed a minute apart (the harness) can
# land in different phases; here each Go benchmark is followed at once by
# the same scikit-learn call in a Python process that stays up, and the
# ratio of each pair is printed, then the median.
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
coproc SK { "$py" examples/benchmark/paired.py; }
read -r ready <&"${SK[0]}"
ask() { echo "$1" >&"${SK[1]}"; read -r r <&"${SK[0]}"; echo "$r"; }
ns() { "$tmp/f.test" -test.run '^$' -test.bench "$1" -test.benchtime 20x -test.cpu "$2" | awk '/^Benchmark/ {print $5}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "Isolation Forest batch scoring, one thread: netwarden rows/s, scikit-learn rows/s, ratio"
for _ in $(seq "$pairs"); do
  g=$("$tmp/if.test" -test.run '^$' -test.bench 'ScoreMatrix/ext=0$' -test.benchtime 1s -test.cpu 1 |
    awk '/^Benchmark/ {for (i = 1; i < NF; i++) if ($(i+1) == "rows/s") print $i}')
  s=$(ask if)
  awk -v g="$g" -v s="$s" 'BEGIN {printf "%.0f %.0f %.1f\n", g, s, g/s}' | tee -a "$tmp/if"
done
echo "median ratio: $(awk '{print $3}' "$tmp/if" | median)"

for threads in 1 2; do
  echo "Random Forest, $threads thread(s): ScoreMatrix rows/s, PredictProbaBatch rows/s, predict_proba rows/s, ratios"
  for _ in $(seq "$pairs"); do
    a=$(ns 'BatchWalk/walk=asm$' "$threads")
    b=$(ns 'BatchProba$' "$threads")
    s=$(ask "rf$threads")
    awk -v a="$a" -v b="$b" -v s="$s" 'BEGIN {printf "%.0f %.0f %.0f %.2f %.2f\n", 1e9/a, 1e9/b, s, 1e9/a/s, 1e9/b/s}' | tee -a "$tmp/rf$threads"
  done
  echo "median ratios: ScoreMatrix $(awk '{print $4}' "$tmp/rf$threads" | median), PredictProbaBatch $(awk '{print $5}' "$tmp/rf$threads" | median)"
done
ask quit >/dev/null || true
