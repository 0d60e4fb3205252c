#!/bin/sh
# Runs every unit test binary and every CLI test script, reads their TAP
# lines ("ok", "not ok", "# SKIP") and ends with one line
# "N passed, N failed, N skipped". Exit 1 on any failure.
# usage: tests/run.sh BUILD_DIR [FILTER]
#
# VALGRIND=1 (make valgrind): the unit binaries run under valgrind memcheck,
# and $SECRETCTL is a wrapper (tests/valgrind-wrap.sh, copied into
# BUILD/test-logs/vg/bin) that runs every secretctl the CLI scripts start
# under memcheck too, logging to BUILD/test-logs/vg/logs. After each script
# its logs are read: each log whose ERROR SUMMARY is not 0 (a memory error,
# a definite or indirect leak) is one "not ok" of that script, with the
# command line and the first lines of the report.
# Every run runs $(nproc) tests at a time (TEST_JOBS overrides; 1 runs them
# in order in this process), results printed in the usual order; the
# scripts that create users or share /etc/secrets or podman run one after
# another.
set -u
if [ "${1:-}" = --job ]; then
	# internal: run one job of the parallel run (the environment is the
	# parent's), see run_item below
	shift
	for item in $1; do sh "$0" --item "$item"; done
	exit 0
fi
if [ "${1:-}" = --item ]; then
	ITEM_ONLY=$2
else
	ITEM_ONLY=
	BUILD=${1:?usage: tests/run.sh BUILD_DIR [FILTER]}
	FILTER=${2:-${TESTS:-}}
	TOP=$(cd "$(dirname "$0")/.." && pwd)
	case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
	# (TEST_LOGDIR: another place, for two runs in one build directory)
	LOGDIR=${TEST_LOGDIR:-$BUILD/test-logs}
	export SECRETCTL="$BUILD/secretctl" SECRETCTL_REAL="$BUILD/secretctl" \
		TOOLS="$BUILD/tests/tools" TOP BUILD LOGDIR
	export SHARED="${SHARED:-$TOP/../shared}"
	export CMOCKA_MESSAGE_OUTPUT=TAP LC_ALL=C
	rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
fi
VG=${VALGRIND:-0}
VGDIR=$LOGDIR/vg

# run_item unit/NAME | cli/NAME: the test's TAP in LOGDIR/NAME.log, its
# exit status in LOGDIR/NAME.rc (written last: the sign it is done)
run_item() {
	local_name=${1#*/}
	log="$LOGDIR/$local_name.log"
	t0=$(date +%s)
	case $1 in
	unit/*)
		t="$BUILD/tests/unit/$local_name"
		if [ "$VG" = 1 ]; then
			valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
				--error-exitcode=99 $VG_SUPP "$t" </dev/null >"$log" 2>&1
		else
			"$t" </dev/null >"$log" 2>&1
		fi
		;;
	cli/*)
		(cd "$TOP" && bash "$TOP/tests/cli/$local_name.sh") </dev/null >"$log" 2>&1
		;;
	esac
	rc=$?
	echo $(($(date +%s) - t0)) >"$LOGDIR/$local_name.secs"
	echo $rc >"$LOGDIR/$local_name.rc.tmp" && mv "$LOGDIR/$local_name.rc.tmp" "$LOGDIR/$local_name.rc"
}

VG_SUPP=
[ "$VG" = 1 ] && [ -f "$TOP/tests/valgrind.supp" ] && VG_SUPP="--suppressions=$TOP/tests/valgrind.supp"
if [ -n "$ITEM_ONLY" ]; then run_item "$ITEM_ONLY"; exit 0; fi

if [ "$VG" = 1 ]; then
	VALGRIND_BIN=$(command -v valgrind) || { echo "valgrind is not installed"; exit 1; }
	mkdir -p "$VGDIR/bin" "$VGDIR/logs" "$VGDIR/count"
	# scripts run secretctl as other users too (runuser, sudo): the log
	# directory is open to all, the count files (one per script, and
	# "other") are made here writable by all
	chmod 1777 "$VGDIR/logs" "$VGDIR/count"
	for t in "$TOP"/tests/cli/*.sh other; do
		t=$(basename "$t" .sh)
		: >"$VGDIR/count/$t"; echo 0 >"$VGDIR/count/$t.seq"
		chmod 666 "$VGDIR/count/$t" "$VGDIR/count/$t.seq"
	done
	sed -e "s|@VGDIR@|'$VGDIR'|" -e "s|@REAL@|'$BUILD/secretctl'|g" \
		-e "s|@VALGRIND@|'$VALGRIND_BIN'|" -e "s|@SUPP@|$VG_SUPP|" \
		"$TOP/tests/valgrind-wrap.sh" >"$VGDIR/bin/secretctl"
	chmod 755 "$VGDIR/bin/secretctl"
	export SECRETCTL="$VGDIR/bin/secretctl"
fi

pass=0; fail=0; skip=0; failed_files=""; vg_runs=0; vg_all=0; vg_logs=0

# vg_check TAG LOG: under VALGRIND=1, one "not ok" in LOG per memcheck log
# of TAG with errors, and "# valgrind: N of M ..." (M: runs through the
# wrapper, N: those under memcheck; the rest were sampled out)
vg_check() {
	[ "$VG" = 1 ] || return 0
	v=0; all=0
	if [ -f "$VGDIR/count/$1" ]; then
		v=$(tr -cd v <"$VGDIR/count/$1" | wc -c | tr -d ' ')
		all=$(wc -c <"$VGDIR/count/$1" | tr -d ' ')
	fi
	vg_runs=$((vg_runs + v)); vg_all=$((vg_all + all))
	[ "$all" -gt 0 ] && VG_NOTE="$VG_NOTE${VG_NOTE:+; }valgrind: $v of $all"
	bad=0
	for l in "$VGDIR/logs/$1".*.log; do
		[ -f "$l" ] || continue
		vg_logs=$((vg_logs + 1))
		errs=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$l")
		[ "${errs:-x}" = 0 ] && { rm -f "$l"; continue; }
		bad=$((bad + 1))
		cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$l" | head -1)
		if [ -z "$errs" ]; then
			echo "not ok - valgrind: no ERROR SUMMARY (killed?) in $(basename "$l"): $cmd"
		else
			echo "not ok - valgrind: $errs errors in $(basename "$l"): $cmd"
		fi
		# the report: from the line after "Parent PID", without the prefix
		sed -n '/^==[0-9]*== Parent PID:/,$p' "$l" | sed '1d; s/^==[0-9]*== \{0,1\}//' |
			grep -v '^$' | head -40 | sed 's/^/# /'
	done >>"$2"
	if [ "$all" -gt 0 ]; then
		echo "# valgrind: $v of $all secretctl runs under memcheck$([ "$v" -lt "$all" ] && echo ", the rest sampled out (the real binary)")"
	fi >>"$2"
}

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
	printf '%-32s %4d passed %3d failed %3d skipped  %s%s\n' "$1" "$p" "$f" "$s" "$status" "${VG_NOTE:-}"
	if [ "$f" -gt 0 ]; then
		grep -iv '^not ok .*# *skip' "$2" | grep -E -A12 '^not ok ' | head -60 | sed 's/^/    /'
	fi
}

# report ITEM: once the item is done, read its logs
report() {
	n=${1#*/}
	VG_NOTE=""
	# under valgrind: the seconds each took (they run two at a time)
	[ "$VG" = 1 ] && VG_NOTE="$(cat "$LOGDIR/$n.secs" 2>/dev/null) s"
	case $1 in cli/*) vg_check "$n" "$LOGDIR/$n.log" ;; esac
	[ -n "$VG_NOTE" ] && VG_NOTE=" ($VG_NOTE)"
	count "$1" "$LOGDIR/$n.log" "$(cat "$LOGDIR/$n.rc")"
}

# the items, in the order they are reported
items=""
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	case $name in *"$FILTER"*) items="$items $name" ;; esac
done
for t in "$TOP"/tests/cli/*.sh; do
	[ -f "$t" ] && [ "$(basename "$t")" != lib.sh ] || continue
	name=cli/$(basename "$t" .sh)
	case $name in *"$FILTER"*) items="$items $name" ;; esac
done

# finish: the valgrind/other pseudo-test, the totals; exit status
finish() {
	if [ "$VG" = 1 ]; then
		# runs that lost $VG_TAG (sudo, env -i): their own pseudo-test
		if [ -s "$VGDIR/count/other" ] || ls "$VGDIR/logs"/other.*.log >/dev/null 2>&1; then
			: >"$LOGDIR/valgrind-other.log"; VG_NOTE=""
			vg_check other "$LOGDIR/valgrind-other.log"
			[ -n "$VG_NOTE" ] && VG_NOTE=" ($VG_NOTE)"
			echo "ok - memcheck logs of secretctl runs without \$VG_TAG read" >>"$LOGDIR/valgrind-other.log"
			count valgrind/other "$LOGDIR/valgrind-other.log" 0
		fi
		echo "valgrind: $vg_runs of $vg_all secretctl runs of the CLI scripts under memcheck ($vg_logs logs read)"
	fi
	[ -n "$failed_files" ] && echo "failed:$failed_files (logs in $LOGDIR)"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}

# every run (check, asan, valgrind) uses the cores: CI runs the suite three
# times and has 20 minutes
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
if [ "$JOBS" -le 1 ]; then
	for i in $items; do run_item "$i"; report "$i"; done
	finish
	exit
fi
# In parallel, xargs -P runs the items (in the foreground: an asynchronous
# list would start every test with SIGINT and SIGQUIT ignored), and a
# reporter in the background prints each result in the usual order as
# soon as it and those before it are done.
# The jobs, one per line, the longest first. Scripts that add users
# (useradd locks /etc/passwd), share /etc/secrets (and may rmdir it) or
# podman's storage run one after another in one job.
SERIAL=" cli/install cli/install_crash cli/install_reader cli/install_sudo cli/podman cli/podman_driver cli/podman_rootless cli/readme "
FIRST=" cli/store_tamper cli/completion cli/crash cli/keyring cli/store_suite cli/splice_fast unit/test_yedit "
serial=""; first=""; rest=""
for i in $items; do
	case $SERIAL in *" $i "*) serial="$serial $i"; continue ;; esac
	case $FIRST in *" $i "*) first="$first $i"; continue ;; esac
	rest="$rest $i"
done
ordered=""
for i in $FIRST; do case " $first " in *" $i "*) ordered="$ordered $i" ;; esac; done
rm -f "$LOGDIR/.done"
(
	for i in $items; do
		rc="$LOGDIR/${i#*/}.rc"
		while [ ! -f "$rc" ] && [ ! -f "$LOGDIR/.done" ] && kill -0 $$ 2>/dev/null; do sleep 1; done
		[ -f "$rc" ] || echo 1 >"$rc"
		report "$i"
	done
	finish
) &
rpid=$!
{
	for i in $ordered; do echo "$i"; done
	[ -n "$serial" ] && echo "$serial"
	for i in $rest; do echo "$i"; done
} | xargs -P "$JOBS" -I{} sh "$0" --job {}
: >"$LOGDIR/.done"
wait "$rpid"
