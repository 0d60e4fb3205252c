# exec: a command run with its secrets, in its environment (-e) or as a
# path that reads them (--file VAR=PATH, a sealed memfd). secretctl execs
# the command itself: same pid, its signals, its status.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need python3 env
nasty_store "$T/n" || { not_ok "cannot make the test store"; exit 1; }
S=$T/n/s.yaml
cat >"$T/plain.yaml" <<'EOF'
app:
  env:
    DB_USER: alice
    DB_PASSWORD: "pa55 'w' $x"
  evil:
    PATH: /nonexistent
  tls.key: |
    -----BEGIN-----
    abc
  nul: !!binary YQBi
  list:
    - a
  deep:
    sub:
      X: 1
EOF
sc encrypt "$T/plain.yaml" -r "$(sc keygen -y "$T/n/id.txt")" -o "$T/s.yaml"
A=$T/s.yaml

# ---- the environment ----
# env -0 of the child, under a known environment: exactly ours plus the
# secrets (an inherited DB_USER is replaced, not doubled); the binary
# itself: make valgrind's wrapper is a shell script, which exports PWD
run env -i PATH="$PATH" HOME="$HOME" SECRETCTL_IDENTITY="$SECRETCTL_IDENTITY" DB_USER=bob \
	"$SECRETCTL_REAL" exec "$A" -e app/env -- env -0
assert_rc 0 "exec -e: runs the command"
tr '\0' '\n' <"$T/out" | sort >"$T/got"
printf '%s\n' "PATH=$PATH" "HOME=$HOME" "SECRETCTL_IDENTITY=$SECRETCTL_IDENTITY" \
	"DB_USER=alice" "DB_PASSWORD=pa55 'w' \$x" | sort >"$T/want"
if cmp -s "$T/want" "$T/got"; then ok "exec -e: the child's environment is exactly ours plus the secrets"
else not_ok "exec -e: environment differs"; diff "$T/want" "$T/got" | diag; fi
assert "exec: the caller's environment is unchanged" test -z "${DB_PASSWORD+set}"

# a scalar: named after its last segment, or --name
run sc exec "$A" -e app/env/DB_USER -- sh -c 'printf %s "$DB_USER"'
assert "exec -e SCALAR: named after the last segment" test "$(cat "$T/out")" = alice
run sc exec "$A" -e app/env/DB_USER --name U -- sh -c 'printf %s "$U"'
assert "exec --name: the variable's name" test "$(cat "$T/out")" = alice
# several -e, and env values with every byte but NUL, newlines, quotes
args=()
for b in $(seq 1 255); do args+=(-e "nasty/b$b"); done
for k in $NASTY_NAMES; do args+=(-e "nasty/$k"); done
run sc exec "$S" "${args[@]}" -- python3 -c '
import os, sys
names = ["b%d" % b for b in range(1, 256)] + sys.argv[2].split()
bad = [n for n in names if os.environb.get(n.encode()) != open(sys.argv[1] + "/" + n, "rb").read()]
print(" ".join(bad)); sys.exit(1 if bad else 0)' "$T/n/v" "$NASTY_NAMES"
assert_rc 0 "exec -e: 265 values with every byte 1-255 reach the command byte for byte"

# ---- --file ----
run sc exec "$A" --file KEY=app/tls.key -- sh -c 'cat "$KEY"'
sc extract "$A" -f app/tls.key >"$T/want"
assert "exec --file: the path reads the value's bytes" cmp -s "$T/want" "$T/out"
args=()
for b in $(seq 1 255); do args+=(--file "B$b=nasty/b$b"); done
for k in $NASTY_NAMES; do args+=(--file "$k=nasty/$k"); done
mkdir "$T/files"
run sc exec "$S" "${args[@]}" -- sh -c '
for b in $(seq 1 255); do eval "cat \"\$B$b\"" >"$1/b$b" || exit 1; done
for k in $2; do eval "cat \"\$$k\"" >"$1/$k" || exit 1; done' sh "$T/files" "$NASTY_NAMES"
bad=0
# (265 extracts, the oracle: under make valgrind every 13th is checked)
export VG_EVERY=13
for k in $(cd "$T/n/v" && ls); do
	sc extract "$S" -f "nasty/$k" >"$T/x" && cmp -s "$T/x" "$T/files/$k" || bad=$((bad + 1))
done
vg_sample_end
if [ "$RC" = 0 ] && [ $bad = 0 ]; then ok "exec --file: 265 paths read exactly what extract -f prints"
else not_ok "exec --file: $bad values differ (exit $RC)"; diag <"$T/err"; fi

# the path is a sealed memfd with no name on any file system
run sc exec "$A" --file KEY=app/tls.key -- sh -c '
case $KEY in /proc/self/fd/*) ;; *) echo "not a /proc/self/fd path: $KEY"; exit 1 ;; esac
readlink "$KEY"; stat -L -c %h "$KEY"
if printf x >>"$KEY" 2>/dev/null; then echo writable; fi
cat "$KEY" "$KEY" | wc -c'
assert_rc 0 "exec --file: KEY is a /proc/self/fd path"
assert_out '^/memfd:secretctl:KEY \(deleted\)$' "exec --file: a memfd"
assert "exec --file: no link on any file system (link count 0)" test "$(sed -n 2p "$T/out")" = 0
assert "exec --file: sealed, the command cannot change it" sh -c "! grep -q writable '$T/out'"
assert "exec --file: each open reads from the start" test "$(sed -n 3p "$T/out")" = 40
# the memfd is the only descriptor the command gets besides 0-2; with
# stdin closed, the secret does not become stdin
run sc exec "$A" --file KEY=app/tls.key -- sh -c 'echo "$KEY"; ls /proc/self/fd' <&-
assert "exec --file: with stdin closed the memfd is not fd 0" \
	sh -c "head -1 '$T/out' | grep -Eq '^/proc/self/fd/([3-9]|[1-9][0-9]+)$'"
fds=$(sed 1d "$T/out" | tr '\n' ' ')
want_fd=${fds%% *}
# (the list: 1 2 N and ls's own directory descriptor, and what the test
# runner leaves open; nothing of secretctl's but N)
n_extra=$(ls /proc/self/fd | wc -l)
assert "exec --file: no descriptor of secretctl's leaks into the command" \
	test "$(sed 1d "$T/out" | wc -l)" -le "$((n_extra + 1))"
# after the command: nothing left on any file system
marker=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'secret: %s\n' "$marker" >"$T/m.yaml"
sc encrypt "$T/m.yaml" -r "$(sc keygen -y "$T/n/id.txt")" -o "$T/m.enc.yaml"
rm -f "$T/m.yaml"
run sc exec "$T/m.enc.yaml" --file F=secret -e secret -- sh -c 'cat "$F" >/dev/null'
assert_rc 0 "exec --file: a marker value is handed out"
found=$(grep -rlsF "$marker" /tmp /var/tmp /dev/shm /run "$HOME" 2>/dev/null | head -3)
assert "exec --file: the value is on no file system after the command ends" test -z "$found"

# ---- the same process: pid, signals, status ----
run sc exec "$A" -e app/env -- sh -c 'exit 42'
assert_rc 42 "exec: the command's exit status is secretctl's"
"$SECRETCTL_REAL" exec "$A" -e app/env --file KEY=app/tls.key -- sleep 60 &
pid=$!
for i in $(seq 100); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = sleep ] && break; sleep 0.05; done
assert "exec: the command runs as the pid secretctl started" test "$(cat /proc/$pid/comm)" = sleep
# no value in the argv of any process of the tree (the env is in environ)
(cd /proc && cat $pid/cmdline $(grep -l "^PPid:[[:space:]]*$pid\$" */status 2>/dev/null | cut -d/ -f1 | sed 's|$|/cmdline|')) >"$T/cmdline" 2>/dev/null
assert "exec: no value in /proc/PID/cmdline" sh -c "! grep -aqE 'alice|pa55|BEGIN' '$T/cmdline'"
kill -TERM $pid
wait $pid
RC=$?
assert_rc 143 "exec: kill -TERM of secretctl's pid ends the command, status 143"
# a signal the command handles reaches it
"$SECRETCTL_REAL" exec "$A" -e app/env -- sh -c 'trap "exit 7" TERM; while :; do sleep 0.05; done' &
pid=$!
for i in $(seq 100); do grep -q 'trap' /proc/$pid/cmdline 2>/dev/null && break; sleep 0.05; done
sleep 0.1
kill -TERM $pid
wait $pid
RC=$?
assert_rc 7 "exec: the command's own TERM handler runs (status 7)"
# a process tree: the values are in no child's argv either
"$SECRETCTL_REAL" exec "$A" -e app/env --file K=app/tls.key -- sh -c 'sleep 30 & sleep 31 & wait' &
pid=$!
for i in $(seq 100); do [ "$(grep -l "^PPid:[[:space:]]*$pid\$" /proc/[0-9]*/status 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.05; done
kids=$(grep -l "^PPid:[[:space:]]*$pid\$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3)
: >"$T/cmdline"
for p in $pid $kids; do cat "/proc/$p/cmdline" >>"$T/cmdline" 2>/dev/null; echo >>"$T/cmdline"; done
assert "exec: the tree has the command and its two children" test "$(echo $kids | wc -w)" -ge 2
assert "exec: no value in the cmdline of any process of the tree" sh -c "! grep -aqE 'alice|pa55|BEGIN|abc' '$T/cmdline'"
kill -TERM $pid $kids 2>/dev/null
wait $pid 2>/dev/null

# ---- what main changed is given back ----
run sh -c "umask 027; ulimit -S -c 0; ulimit -S -c 4096 2>/dev/null || exit 99; '$SECRETCTL' exec '$A' -e app/env -- sh -c 'umask; ulimit -S -c'"
if [ "$RC" = 99 ]; then skip "cannot raise the soft core limit here"
elif sanitized; then # ASan's disable_coredump sets the soft limit to 0 at start
	assert "exec: the command gets the caller's umask (ASan sets the core limit itself)" test "$(head -1 "$T/out")" = 0027
else assert "exec: the command gets the caller's umask and core limit" test "$(tr '\n' ' ' <"$T/out")" = "0027 4096 "; fi

# ---- choosing the program ----
# $PATH is the caller's: a secret named PATH does not choose the program
run sc exec "$A" -e app/evil -- env
assert_rc 0 "exec: a secret PATH does not change where COMMAND is found"
assert_out '^PATH=/nonexistent$' "exec: the command gets the secret PATH"
# (under make valgrind this run is the one exec's own work, -e and --file
# included, goes through memcheck: a command not found returns)
run env VG_EXEC=1 "$SECRETCTL" exec "$A" -e app/env --file K=app/tls.key -- nosuchcommand-secretctl
assert_rc 127 "exec: COMMAND not found: 127, as a shell"
assert_err "^secretctl: cannot run 'nosuchcommand-secretctl': not found in \\\$PATH$" "exec: not found message"
run sc exec "$A" -e app/env -- "$T/none"
assert_rc 127 "exec: a COMMAND path that does not exist: 127"
assert_err "^secretctl: cannot run '.*/none': no such file$" "exec: no such file message"
printf 'data\n' >"$T/notexec"; chmod 644 "$T/notexec"
run sc exec "$A" -e app/env -- "$T/notexec"
assert_rc 126 "exec: a COMMAND that cannot be run: 126, as a shell"
assert_err "^secretctl: cannot run '.*/notexec': Permission denied$" "exec: cannot run message"
# a script without #! runs with sh, as execvp does
printf 'echo "script $DB_USER"\n' >"$T/script"; chmod 755 "$T/script"
run sc exec "$A" -e app/env/DB_USER -- "$T/script"
assert_out '^script alice$' "exec: a script without #! runs with /bin/sh"

# ---- refusals: checked before anything runs ----
refuse() { # RC MESSAGE DESC ARGS...
	local want=$1 msg=$2 desc=$3; shift 3
	run sc exec "$@"
	assert_rc "$want" "exec: $desc (exit $want)"
	assert_err "$msg" "exec: $desc: message"
	assert "exec: $desc: the command did not run" test ! -s "$T/out"
}
refuse 2 '^secretctl: exec: missing COMMAND \(after --\)$' "no COMMAND" "$A" -e app/env
refuse 2 '^secretctl: exec: missing COMMAND \(after --\)$' "nothing after --" "$A" -e app/env --
refuse 2 '^secretctl: exec: give at least one -e PATH or --file VAR=PATH$' "neither -e nor --file" "$A" -- echo ran
refuse 2 "^secretctl: exec: --file takes VAR=PATH, not 'KEY'$" "--file without VAR=" "$A" --file KEY -- echo ran
refuse 6 "^secretctl: --file '1X=app/tls.key': '1X' is not a valid variable name$" "--file with a bad VAR" "$A" --file 1X=app/tls.key -- echo ran
refuse 6 "^secretctl: --file '=app/tls.key': '' is not a valid variable name$" "--file with an empty VAR" "$A" --file =app/tls.key -- echo ran
refuse 2 '^secretctl: exec: --name goes with a single -e$' "--name with two -e" "$A" -e app/env/DB_USER -e app/env/DB_PASSWORD --name N -- echo ran
refuse 6 "^secretctl: --name 'A-B' is not a valid variable name$" "--name not a name" "$A" -e app/env/DB_USER --name A-B -- echo ran
refuse 2 '^secretctl: --name goes with a scalar, and app/env is a mapping$' "--name with a mapping" "$A" -e app/env --name N -- echo ran
refuse 3 '^secretctl: app/env/DB_USR: no such path in .*/s.yaml; did you mean app/env/DB_USER or app/env/DB_PASSWORD\?$' "unknown PATH (did you mean)" "$A" -e app/env/DB_USR -- echo ran
refuse 3 '^secretctl: app/tls.kee: no such path' "unknown --file PATH" "$A" --file K=app/tls.kee -- echo ran
refuse 6 '^secretctl: app/nul: value has a NUL byte \(offset 1\), which an environment variable cannot carry; use --file VAR=PATH$' "a NUL byte in env form" "$A" -e app/nul -- echo ran
refuse 6 '^secretctl: app/env is a mapping of 2 keys; use -e, or one of: app/env/DB_USER, app/env/DB_PASSWORD$' "--file of a mapping" "$A" --file K=app/env -- echo ran
refuse 6 '^secretctl: app/deep/sub is a mapping; env form takes only scalar children' "-e of nested mappings" "$A" -e app/deep -- echo ran
refuse 6 '^secretctl: app/list is a sequence of 1 items; env form needs a mapping or a scalar' "-e of a sequence" "$A" -e app/list -- echo ran
refuse 6 '^secretctl: DB_USER would be set twice: by -e app/env/DB_USER and by --file DB_USER=app/tls.key$' "a name given twice" "$A" -e app/env --file DB_USER=app/tls.key -- echo ran
refuse 6 '^secretctl: DB_USER would be set twice: by -e app/env/DB_USER and by -e app/env/DB_USER$' "the same -e twice" "$A" -e app/env -e app/env/DB_USER -- echo ran
refuse 2 "^secretctl: bad path: segment 2 is empty$" "a bad PATH" "$A" -e 'a//b' -- echo ran
refuse 3 "^secretctl: cannot open store '.*/nostore.yaml': No such file or directory$" "a missing store" "$T/nostore.yaml" -e app/env -- echo ran
cp "$A" "$T/tampered.yaml"; sed -i 's/^  env:/  eNv:/' "$T/tampered.yaml"
refuse 5 "^secretctl: .*/tampered.yaml: the store's MAC does not verify" "a store changed without the key" "$T/tampered.yaml" -e app/eNv -- echo ran
# $SECRETCTL_STORE, and options after STORE
run env SECRETCTL_STORE="$A" "$SECRETCTL" exec -e app/env/DB_USER -- sh -c 'printf %s "$DB_USER"'
assert "exec: STORE from \$SECRETCTL_STORE" test "$(cat "$T/out")" = alice
# the command's own options are not secretctl's
run sc exec "$A" -e app/env/DB_USER -- sh -c 'printf "%s %s" "$1" "$DB_USER"' sh --help
assert "exec: options after -- are the command's" test "$(cat "$T/out")" = "--help alice"
echo "1..$TESTNUM"
