#!/usr/bin/env bash
# `gtrain bench allreduce` under mpirun -np 2: one row per size with positive time and bandwidth,
# busbw = algbw * 2(n-1)/n, and the command that produced it; one rank alone is refused.
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
"${MPIRUN[@]}" -np 2 "$G" bench allreduce --min-bytes 1024 --max-bytes 1048576 --factor 4 --iters 5 --warmup 1 \
  >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "bench allreduce failed"; }
cat "$T/out"
grep -q "backend mpi, 2 ranks" "$T/out" || fail "no header"
rows=$(grep -cE '^ +[0-9]+ +[0-9]+ +float' "$T/out")
[ "$rows" = 6 ] || fail "expected 6 rows (1 KiB .. 1 MiB by 4), got $rows"
awk '/^ +[0-9]+ +[0-9]+ +float/ { if (!($4 > 0 && $5 > 0)) bad = 1; r = $6 / $5; if (r < 0.99 || r > 1.01) bad = 1 }
     END { exit bad }' "$T/out" || fail "non-positive time/bandwidth, or busbw != algbw for 2 ranks"
grep -q "^command: mpirun -np 2 gtrain bench allreduce" "$T/out" || fail "no command line"
if "$G" bench allreduce >"$T/one" 2>&1; then fail "one rank accepted"; fi
grep -q "needs 2 or more ranks" "$T/one" || { cat "$T/one"; fail "no message for one rank"; }
echo "PASS"
