#!/bin/sh
# Runs every unit test binary and every CLI test script, reads their TAP
# lines ("ok", "not ok", "# SKIP") and ends with one line
# "N passed, N failed, N skipped". Exit 1 on any failure.
# usage: tests/run.sh BUILD_DIR [FILTER]
set -u
BUILD=${1:?usage: tests/run.sh BUILD_DIR [FILTER]}
FILTER=${2:-${TESTS:-}}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
export SECRETCTL="$BUILD/secretctl" TOOLS="$BUILD/tests/tools" TOP BUILD
export SHARED="${SHARED:-$TOP/../shared}"
export CMOCKA_MESSAGE_OUTPUT=TAP LC_ALL=C
LOGDIR="$BUILD/test-logs"
rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
pass=0; fail=0; skip=0; failed_files=""

count() { # name logfile rc
	# cmocka prints a skipped test as "not ok N # SKIP"
	p=$(grep -c '^ok ' "$2" | tr -d ' '); ps=$(grep -ci '^ok .*# *skip' "$2" | tr -d ' ')
	f=$(grep -c '^not ok ' "$2" | tr -d ' '); fs=$(grep -ci '^not ok .*# *skip' "$2" | tr -d ' ')
	p=$((p - ps)); f=$((f - fs)); s=$((ps + fs))
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "not ok - $1 exited with status $3" >>"$2"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	status=ok; [ "$f" -gt 0 ] && { status=FAIL; failed_files="$failed_files $1"; }
	printf '%-32s %4d passed %3d failed %3d skipped  %s\n' "$1" "$p" "$f" "$s" "$status"
	if [ "$f" -gt 0 ]; then
		grep -iv '^not ok .*# *skip' "$2" | grep -E -A12 '^not ok ' | head -60 | sed 's/^/    /'
	fi
}

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	case $name in *"$FILTER"*) ;; *) continue ;; esac
	log="$LOGDIR/$(basename "$t").log"
	if [ "${VALGRIND:-0}" = 1 ]; then
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=99 "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	count "$name" "$log" $?
done
for t in "$TOP"/tests/cli/*.sh; do
	[ -f "$t" ] && [ "$(basename "$t")" != lib.sh ] || continue
	name=cli/$(basename "$t" .sh)
	case $name in *"$FILTER"*) ;; *) continue ;; esac
	log="$LOGDIR/$(basename "$t" .sh).log"
	(cd "$TOP" && bash "$t") </dev/null >"$log" 2>&1
	count "$name" "$log" $?
done
[ -n "$failed_files" ] && echo "failed:$failed_files (logs in $LOGDIR)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
