#!/bin/sh
# Template of the $SECRETCTL that `make valgrind` hands to the CLI scripts:
# tests/run.sh copies it to $LOGDIR/vg/bin/secretctl with the @...@ names
# filled in (absolute paths, so the copy works through a symlink, copied
# elsewhere, under `env -i`, sudo or runuser).
#
# It execs secretctl under valgrind memcheck: same pid, same stdin, stdout,
# stderr and exit status (valgrind writes only to its log file, and
# --error-exitcode is not used: the tests check secretctl's own status).
# tests/run.sh reads the logs after each script and turns every log whose
# ERROR SUMMARY is not 0 into a "not ok".
#
# VG_SUPP_EXTRA=FILE adds a suppressions file for one run: leaks of a
# third-party library on one path only, where a suppression for every run
# would hide the same leak in our code (see tests/valgrind-*.supp).
#
# Sampling, for the sweeps that run the same code thousands of times (see
# tests/cli/lib.sh): VG_SKIP=1 runs the real binary instead; VG_EVERY=K
# runs only every Kth run of the script under memcheck. VG_FULL=1 ignores
# both. Every run is counted, per script ($VG_TAG, set by lib.sh), for the
# "# valgrind: N of M" line. A test that needs the real binary itself
# (strace, sudoers rules naming it, timings, /proc/PID of secretctl) uses
# $SECRETCTL_REAL and does not come here.
vg=@VGDIR@
tag=${VG_TAG:-other}
case $tag in *[!A-Za-z0-9_.-]*) tag=other ;; esac
# The count files exist (tests/run.sh makes them, writable by all). A
# redirection that fails must not reach secretctl's stderr: 2>/dev/null
# comes first.
n=0
[ -f "$vg/count/$tag.seq" ] && read -r n 2>/dev/null <"$vg/count/$tag.seq"
case $n in '' | *[!0-9]*) n=0 ;; esac
n=$((n + 1))
echo "$n" 2>/dev/null >"$vg/count/$tag.seq"
k=${VG_EVERY:-1}
case $k in '' | 0 | *[!0-9]*) k=1 ;; esac
# `secretctl exec` becomes its command: memcheck would lose its summary and
# put its own variables in the command's environment. It runs as itself,
# unless VG_EXEC=1: a run whose command is not found returns (exit 127)
# after all of exec's own work, and tests/cli/exec.sh checks it that way.
if [ "${1:-}" = exec ] && [ "${VG_EXEC:-0}" != 1 ]; then
	printf r 2>/dev/null >>"$vg/count/$tag"
	exec @REAL@ "$@"
fi
if [ "${VG_FULL:-0}" != 1 ] && { [ "${VG_SKIP:-0}" = 1 ] || [ $((n % k)) != 0 ]; }; then
	printf r 2>/dev/null >>"$vg/count/$tag"
	exec @REAL@ "$@"
fi
printf v 2>/dev/null >>"$vg/count/$tag"
# --read-inline-info=no: some 70 ms less per start (of 0.5 to 1 s); a
# stack then names the function a call was inlined into, with the inlined
# code's file and line. --num-callers=30: the suppressions of glib and
# libsecret leaks match frames that deep. --vgdb=no: no gdbserver FIFOs.
exec @VALGRIND@ --vgdb=no --read-inline-info=no --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--child-silent-after-fork=yes --num-callers=30 @SUPP@ ${VG_SUPP_EXTRA:+"--suppressions=$VG_SUPP_EXTRA"} --log-file="$vg/logs/$tag.$n.%p.log" @REAL@ "$@"
