#!/bin/bash
# Fuzzing smoke test: builds every libFuzzer harness
# tests/fuzz/fuzz_*.c with tests/fuzz/run.sh (clang, ASan, UBSan; work
# directory $BUILD/fuzz, the library objects kept between runs), replays
# every regression input tests/fuzz/regress/NAME/*, and fuzzes each harness
# for a few seconds ($FUZZ_SMOKE_SECONDS, default 3) from its seeds alone,
# two at a time. One line per harness: "not ok" when it does not build,
# when a regression input fails again, or when the short run finds a crash,
# a leak, a hang or a failed check. `make fuzz FUZZ_SECONDS=N` is the long
# run (build-fuzz/).
. "$(dirname "$0")/lib.sh"

if under_valgrind; then
	skip "the fuzz harnesses are ASan/UBSan builds: not run under valgrind"; exit 0
fi
if sanitized; then
	# make asan: the same harnesses, already ASan/UBSan builds, ran in make check
	skip "make asan: the fuzz smoke test runs in make check (its harnesses are ASan builds already)"; exit 0
fi
need clang pkg-config
if [ ! -d "$SHARED/testdata/age-cctv" ] || [ ! -d "$SHARED/testdata/yaml-test-suite" ]; then
	skip "$SHARED/testdata (age-cctv, yaml-test-suite) is absent: no seeds for the fuzz smoke test"
	exit 0
fi

OUT=$BUILD/fuzz
SECS=${FUZZ_SMOKE_SECONDS:-3}
RUNLOG=$OUT/run.log
mkdir -p "$OUT"
t0=$(date +%s)
FUZZ_OUT=$OUT FUZZ_FRESH=1 FUZZ_JOBS=${FUZZ_JOBS:-2} SECRETCTL=$SECRETCTL TOOLS=$TOOLS \
	SHARED=$SHARED sh "$TOP/tests/fuzz/run.sh" "$SECS" >"$RUNLOG" 2>&1
rc=$?
t1=$(date +%s)
if [ "$rc" = 77 ]; then
	skip "$(grep -m1 '^fuzz: skipped' "$RUNLOG")"; exit 0
fi
echo "# tests/fuzz/run.sh $SECS: exit $rc in $((t1 - t0)) s (log: $RUNLOG)"

for h in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	line=$(awk -v n="$name" '$1 == n' "$OUT/summary.txt" 2>/dev/null)
	read -r _ secs runs corp res <<<"$line"
	nreg=$(find "$TOP/tests/fuzz/regress/$name" -type f 2>/dev/null | wc -l)
	what="$name: built, $nreg regression input(s) replayed, fuzzed ${secs:-0} s: ${runs:-0} executions, corpus ${corp:-0}"
	case ${res:-missing} in
	ok) ok "$what" ;;
	*)
		not_ok "$what: ${res:-no summary line}"
		log=$OUT/$name.log
		case ${res:-} in
		regress:*) log=$OUT/$name.regress.log ;; build) log=$OUT/$name.build.log ;;
		crash:*) ;; *) log=$RUNLOG ;; esac
		{ grep -E '^==[0-9]+==ERROR|^SUMMARY|^    #[0-9] |deadly signal|Test unit written|error:|^fuzz: ' "$log" |
			head -30; echo "(log: $log)"; } 2>&1 | diag ;;
	esac
done
# the runner itself: it says when it fails
if [ "$rc" != 0 ] && awk '$5 != "ok" { bad = 1 } END { exit bad }' "$OUT/summary.txt" 2>/dev/null; then
	not_ok "tests/fuzz/run.sh exited $rc with every harness ok"; tail -20 "$RUNLOG" | diag
fi
