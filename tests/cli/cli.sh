#!/bin/bash
# The command line: help, version, usage errors with hints, keygen, and
# stdout errors.
. "$(dirname "$0")/lib.sh"
cd "$T"

run sc --version
assert_out '^secretctl [0-9]+\.[0-9]+\.[0-9]+$' "--version"
run sc --help
assert_rc 0 "--help exits 0"
cmds=$(awk '/^commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{exit}' "$T/out")
assert "--help lists commands in sorted order" bash -c "[ -n '$cmds' ] && [ \"\$(printf '%s\n' $cmds | sort)\" = \"\$(printf '%s\n' $cmds)\" ]"
for c in $cmds; do
	run sc "$c" --help
	if [ "$RC" = 0 ] && grep -q "^usage: secretctl $c" "$T/out"; then ok "$c --help"; else not_ok "$c --help (rc $RC)"; fi
done
run sc
assert_rc 2 "no command is a usage error"
run sc extrct
assert_rc 2 "an unknown command is a usage error"
assert_err "did you mean 'extract'" "an unknown command gets a hint"
run sc frobnicate
assert_err "unknown command 'frobnicate'" "a far-off command is named"
run sc keygen --outptu x
assert_rc 2 "an unknown option is a usage error"
assert_err "did you mean '--output'" "an unknown option gets a hint"
run sc keygen -Z
assert_rc 2 "an unknown short option is a usage error"
run sc keygen -o
assert_rc 2 "a missing option value is a usage error"
run sc keygen extra
assert_rc 2 "an extra argument is a usage error"
run sc --bogus
assert_rc 2 "an unknown global option is a usage error"

# keygen
run sc keygen -o k.txt
assert_rc 0 "keygen -o"
assert "keygen -o file is mode 0600" [ "$(stat -c %a k.txt)" = 600 ]
assert "keygen -o writes age-keygen's three lines" bash -c "sed -n 1p k.txt | grep -q '^# created: [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T' && sed -n 2p k.txt | grep -q '^# public key: age1' && sed -n 3p k.txt | grep -q '^AGE-SECRET-KEY-1[0-9A-Z]*$' && [ \$(wc -l < k.txt) = 3 ]"
assert_err '^Public key: age1[0-9a-z]+$' "keygen prints the recipient on stderr"
pub=$(sed -n 's/^Public key: //p' "$T/err")
run sc keygen -y k.txt
assert "keygen -y prints the recipient" bash -c "[ \"\$(cat '$T/out')\" = '$pub' ]"
cp k.txt k.bak
run sc keygen -o k.txt
assert_rc 7 "keygen never overwrites"
assert "the existing identity is untouched" cmp -s k.txt k.bak
ln -s nowhere dangling
run sc keygen -o dangling
assert_rc 7 "keygen does not follow a symlink"
assert "nothing was created through the symlink" [ ! -e nowhere ]
run sc keygen
assert_out '^AGE-SECRET-KEY-1' "keygen without -o writes to stdout"
run sc keygen -y missing.txt
assert_rc 3 "keygen -y of a missing file is exit 3"
run bash -c "'$SECRETCTL' keygen > /dev/full"
assert_rc 7 "keygen > /dev/full is exit 7"
assert_err 'cannot write standard output' "and says so"
run sc keygen -o x.txt -y k.txt
assert_rc 2 "-o and -y together is a usage error"
if command -v age >/dev/null; then
	printf 'interop' | age -r "$pub" > m.age
	run age -d -i k.txt m.age
	assert "a keygen identity works with age -i" bash -c "[ \"\$(cat '$T/out')\" = interop ]"
	printf 'interop2' | age -r "$(sc keygen -y k.txt)" | age -d -i k.txt > m2.txt
	assert "age -r \$(secretctl keygen -y) works" bash -c "[ \"\$(cat m2.txt)\" = interop2 ]"
else
	skip "age is not installed"
fi
# process hardening: inspect a secretctl that waits for its value on stdin
mkfifo fifo
exec 3<>fifo
"$SECRETCTL" set nostore.yaml a/b < fifo 2>/dev/null 3>&- &
pid=$!
# Polled, not a fixed sleep: under valgrind secretctl takes a while to
# start. Until it runs, $pid is a forked shell, setpriv or (make valgrind)
# the wrapper script, also named secretctl, and then valgrind's memcheck.
want_comm=secretctl
under_valgrind && want_comm=memcheck-amd64-
is_secretctl() { [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$want_comm" ]; }
hardened() { grep -Eq '^Max core file size +0 +0 ' /proc/$pid/limits && grep -q '^Umask:[[:space:]]*0077' /proc/$pid/status; }
for i in $(seq 300); do is_secretctl && hardened && break; sleep 0.1; done
is_secretctl || echo "# $want_comm does not run: $(cat /proc/$pid/comm 2>&1)"
assert "core dumps are off (RLIMIT_CORE 0)" grep -Eq '^Max core file size +0 +0 ' /proc/$pid/limits
assert "umask is 077" grep -q '^Umask:[[:space:]]*0077' /proc/$pid/status
exec 3>&-
wait $pid || true
if sanitized; then
	skip "sanitizer build: stays dumpable so LeakSanitizer can trace it"
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 755 "$T"
	mkfifo fifo2; chmod 666 fifo2
	exec 3<>fifo2
	# a copy nobody can run (the build tree may be in a 0700 directory)
	other_user_bin || not_ok "cannot copy secretctl where nobody may run it"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$USECRETCTL" set "$T/nostore.yaml" a/b < fifo2 2>/dev/null 3>&- &
	pid=$!
	# A non-dumpable process's /proc files belong to root, not to its user.
	# So do those of the forked shell before setpriv has switched to nobody,
	# and setpriv's own right after it (a change of uid clears dumpable
	# until the next exec): wait until secretctl itself runs as nobody and
	# has hardened itself
	nobody_uid=$(id -u nobody)
	running() { is_secretctl && grep -Eq "^Uid:[[:space:]]+$nobody_uid[[:space:]]" /proc/$pid/status; }
	for i in $(seq 300); do
		running && [ "$(stat -c %U /proc/$pid/environ 2>/dev/null)" = root ] && break
		sleep 0.1
	done
	assert "secretctl runs as nobody (else the next check proves nothing)" running
	owner=$(stat -c %U /proc/$pid/environ 2>&1)
	assert "the process is not dumpable (PR_SET_DUMPABLE 0; its /proc/PID/environ: $owner)" [ "$owner" = root ]
	exec 3>&-
	wait $pid || true
	other_user_bin_done
else
	skip "setpriv or user nobody missing"
fi

# "--" ends the options: what follows is positional, even with a leading '-'
sc keygen -o dash-id.txt 2>/dev/null
printf 'x: 1\n' > dash.yaml
sc encrypt dash.yaml -r "$(sc keygen -y dash-id.txt)" -o ./-store.yaml
run sc ls -- -store.yaml
assert_rc 0 "a positional after -- may start with '-'"
run sc ls -- -store.yaml x extra
assert_rc 2 "too many positionals after -- is a usage error"
