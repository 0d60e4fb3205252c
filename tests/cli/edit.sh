#!/bin/bash
# edit without a terminal: scripted editors ($EDITOR / $VISUAL scripts),
# minimal diffs, no change, editor failures, invalid text, signals while
# the editor runs, where the plaintext goes (tmpfs, never disk), locking
# and concurrent edits, stale workspaces, what the editor's process sees.
. "$(dirname "$0")/lib.sh"
need setsid sed stat

# A private tmpfs root for most cases, so "nothing left" can be checked.
private_tmpfs edit-test
unset VISUAL EDITOR TMPDIR

nt() { setsid -w "$@" </dev/null; } # no controlling terminal
# assert_clean DESC: nothing left under the tmpfs root
assert_clean() {
	if [ -z "$(ls -A "$SHM")" ]; then ok "$1"; else
		not_ok "$1 (left: $(ls -A "$SHM" | tr '\n' ' '))"
		rm -rf "${SHM:?}"/* "${SHM:?}"/.[!.]* 2>/dev/null
	fi
}
# the keys on the changed lines of the store ("<KEY >KEY ..."), as one line
changed() { diff before.yaml s.yaml | grep '^[<>]' | sed -E 's/^([<>]) *([^:]*):.*/\1\2/' | tr '\n' ' '; }
dec() { "$SECRETCTL" decrypt s.yaml >dec.yaml 2>/dev/null; }

cd "$T"
mkdir bin
printf '#!/bin/sh\ntouch "%s/must-not-run.ran"\n' "$T" > bin/must-not-run
chmod +x bin/must-not-run
cp "$TOP/tests/data/sample.yaml" plain.yaml
sc init s.yaml --from plain.yaml 2>/dev/null
cp s.yaml before.yaml

# ---- scripted edits
EDITOR='sed -i s/hunter2-very-secret/changed-pw-1/' run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "change one value"
assert "one value changed: the diff is that token's line and mac" [ "$(changed)" = "<DB_PASSWORD >DB_PASSWORD <mac >mac " ]
dec; assert "the new value decrypts" grep -q '^    DB_PASSWORD: changed-pw-1   # trailing comment$' dec.yaml
assert "the new value is not in clear" bash -c '! grep -q changed-pw-1 s.yaml'
assert "a save says nothing" [ ! -s "$T/err" ]
assert_clean "change: nothing left on tmpfs"
cp s.yaml before.yaml

cat >bin/add.sh <<'EOF'
#!/bin/sh
sed -i 's/^    EMPTY: .*/&\n    NEW_KEY: fresh-secret-42/' "$1"
EOF
chmod +x bin/add.sh
EDITOR="$T/bin/add.sh" run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "add a key"
assert "added key: the diff is the new line and mac" [ "$(changed)" = ">NEW_KEY <mac >mac " ]
run sc ls s.yaml app/env
assert_out '^app/env/NEW_KEY$' "the new key is listed"
run sc extract s.yaml -f app/env/NEW_KEY
assert "the new key's value" [ "$(cat "$T/out")" = fresh-secret-42 ]
assert "the new value is not in clear" bash -c '! grep -q fresh-secret-42 s.yaml'
cp s.yaml before.yaml

EDITOR="sed -i /API_TOKEN/d" run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "delete a key"
assert "deleted key: the diff is its line and mac" [ "$(changed)" = "<API_TOKEN <mac >mac " ]
run sc ls s.yaml app/env/API_TOKEN
assert_rc 3 "the deleted key is gone"
cp s.yaml before.yaml

EDITOR="sed -i '1a # rotated by ops-person-77'" run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "add a comment"
assert "added comment: the diff is one comment token and mac" [ "$(diff before.yaml s.yaml | grep -c '^>')" = 2 ] 
assert "the comment is a token" bash -c "sed -n 2p s.yaml | grep -q '^#!enc '"
dec; assert "the comment decrypts" [ "$(sed -n 2p dec.yaml)" = "# rotated by ops-person-77" ]
assert "the comment is not in clear" bash -c '! grep -q ops-person-77 s.yaml'
assert_clean "edits: nothing left on tmpfs"
cp s.yaml before.yaml

# ---- no change
ino=$(stat -c %i s.yaml); mt=$(stat -c %y s.yaml)
sleep 0.01
EDITOR=true run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "no change: exit 0"
assert_err '^secretctl: no changes$' "no change: says 'no changes'"
assert "no change: byte-identical, same inode and mtime" bash -c "cmp -s before.yaml s.yaml && [ $ino = \$(stat -c %i s.yaml) ] && [ '$mt' = \"\$(stat -c %y s.yaml)\" ]"
# sed -i writes a new file with the same bytes: still no change
EDITOR="sed -i s/zzz-not-there/x/" run nt "$SECRETCTL" edit s.yaml
assert_err '^secretctl: no changes$' "same bytes in a new file: no changes"
assert "same bytes: store untouched" bash -c "cmp -s before.yaml s.yaml && [ '$mt' = \"\$(stat -c %y s.yaml)\" ]"
assert_clean "no change: nothing left on tmpfs"

# ---- slot options on an existing store: refused, not silently ignored
# (they set the slots of a store edit creates; recipients add changes slots)
R2=$(sc keygen 2>/dev/null | sed -n 's/^# public key: //p')
for opt in "-r $R2" "-R before.yaml" "--passphrase" "--work-factor 10"; do
	# shellcheck disable=SC2086
	EDITOR="$T/bin/must-not-run" run nt "$SECRETCTL" edit s.yaml $opt
	assert_rc 2 "edit $opt on an existing store: usage error"
	assert_err "^secretctl: edit: ${opt%% *} only sets the key slots of a store this edit creates, and 's.yaml' exists; use 'secretctl recipients add'" \
		"edit $opt: says why and what to use instead"
	assert "edit $opt: the store is untouched" cmp -s before.yaml s.yaml
done
assert "edit with a slot option never started the editor" [ ! -e must-not-run.ran ]
# refused at once, even while another secretctl holds the store's lock
flock -F s.yaml sleep 20 &
lockpid=$!
for i in $(seq 200); do flock -n s.yaml true || break; sleep 0.05; done
assert "the store is locked (the check can fail)" bash -c "! flock -n s.yaml true"
t0=$(date +%s%N)
EDITOR="$T/bin/must-not-run" run nt "$SECRETCTL" edit s.yaml -r "$R2"
t1=$(date +%s%N)
assert_rc 2 "edit -r on a locked store: usage error, not exit 7 or a wait"
assert "edit -r on a locked store: no waiting message" bash -c "! grep -q waiting '$T/err'"
assert "edit -r on a locked store: refused without waiting for the lock (20 s)" [ $(( (t1 - t0) / 1000000 )) -lt 10000 ]
kill $lockpid 2>/dev/null; wait $lockpid 2>/dev/null

# ---- the editor fails
EDITOR=false run nt "$SECRETCTL" edit s.yaml
assert_rc 8 "editor exits 1: exit 8"
assert_err "^secretctl: the editor 'false' exited with status 1; 's.yaml' is unchanged$" "editor exits 1: says so"
assert_one_line "editor exits 1: one line"
cat >bin/change-then-fail.sh <<'EOF'
#!/bin/sh
sed -i s/changed-pw-1/lost-change/ "$1"
exit 3
EOF
chmod +x bin/change-then-fail.sh
EDITOR="$T/bin/change-then-fail.sh" run nt "$SECRETCTL" edit s.yaml
assert_rc 8 "editor changes the text, then fails: exit 8"
assert "editor failed: store untouched" bash -c "cmp -s before.yaml s.yaml && [ '$mt' = \"\$(stat -c %y s.yaml)\" ]"
EDITOR="$T/no/such/editor" run nt "$SECRETCTL" edit s.yaml
assert_rc 8 "editor not found: exit 8"
assert_err "cannot run the editor '$T/no/such/editor'" "editor not found: says so"
EDITOR='rm -f' run nt "$SECRETCTL" edit s.yaml
assert_rc 8 "editor removes the file: exit 8"
assert_err 'the editor removed' "editor removes the file: says so"
assert_clean "editor failures: nothing left on tmpfs"

# ---- $VISUAL, then $EDITOR; a command with arguments ("code --wait")
cat >bin/fakecode <<'EOF'
#!/bin/sh
[ "$1" = --wait ] && [ $# = 2 ] || exit 9
sed -i s/changed-pw-1/via-visual/ "$2"
EOF
chmod +x bin/fakecode
VISUAL="$T/bin/fakecode --wait" EDITOR=false run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "\$VISUAL comes first, and may carry arguments"
run sc extract s.yaml -f app/env/DB_PASSWORD
assert "the \$VISUAL edit is saved" [ "$(cat "$T/out")" = via-visual ]
chmod 640 s.yaml
EDITOR="sed -i s/via-visual/changed-pw-1/" run nt "$SECRETCTL" edit s.yaml
assert "a save keeps the store's mode" [ "$(stat -c %a s.yaml)" = 640 ]
chmod 600 s.yaml
cp s.yaml before.yaml; mt=$(stat -c %y s.yaml)

# ---- invalid text, no terminal: exit 6, the edit is discarded
bad() { # DESC SED-SCRIPT PATTERN
	EDITOR="sed -i $2" run nt "$SECRETCTL" edit s.yaml
	assert_rc 6 "$1: exit 6"
	assert_err "^secretctl: s.yaml \(edited\): line [0-9]+, column [0-9]+: .*$3" "$1: the parser's message with line:column"
	assert_err "the edit is discarded; 's.yaml' is unchanged" "$1: says the edit is discarded"
	assert "$1: store untouched" bash -c "cmp -s before.yaml s.yaml && [ '$mt' = \"\$(stat -c %y s.yaml)\" ]"
}
bad "invalid YAML" "'\$a bad: [unclosed'" ""
bad "top level not a mapping" "'1,\$c - just a list'" "block mapping"
bad "the reserved key" "'\$a secretctl: mine'" "reserved"
bad "several documents" "'\$a ---\nsecond: doc'" ""
assert_clean "invalid text: nothing left on tmpfs"

# ---- signals while the editor runs: cleaned up, then the signal
cat >bin/slow.sh <<'EOF'
#!/bin/sh
# leaves a swap file and a backup, says where it is, then waits
cp "$1" "$(dirname "$1")/.$(basename "$1").swp"
cp "$1" "$1~"
echo "$$ $1" > "$WHERE.tmp"; mv "$WHERE.tmp" "$WHERE"
exec sleep 30
EOF
chmod +x bin/slow.sh
wait_for() { local i=0; while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; }
for sig in TERM INT HUP; do
	rm -f where
	WHERE=$T/where EDITOR="$T/bin/slow.sh" setsid -w env --default-signal=INT "$SECRETCTL" edit s.yaml </dev/null >/dev/null 2>"$T/err" &
	pid=$!
	wait_for where
	read -r edpid wsfile <where
	assert "SIG$sig: the editor was running on tmpfs" [ -f "$wsfile" ]
	kill -s "$sig" "$pid"
	{ wait "$pid"; } 2>/dev/null; RC=$?
	want=$((128 + $(kill -l "$sig")))
	assert "SIG$sig: secretctl dies of the signal (exit $RC, want $want)" [ "$RC" = "$want" ]
	assert_clean "SIG$sig: nothing left under the tmpfs root (swap, backup included)"
	assert "SIG$sig: the store is unchanged" bash -c "cmp -s before.yaml s.yaml && [ '$mt' = \"\$(stat -c %y s.yaml)\" ]"
	assert "SIG$sig: the editor was ended too" bash -c "! kill -0 $edpid 2>/dev/null || grep -q '^[^)]*) Z' /proc/$edpid/stat"
done

# ---- where the plaintext goes
cat >bin/where.sh <<'EOF'
#!/bin/sh
d=$(dirname "$1")
{ echo "$1"; stat -f -c %T "$d"; stat -c %a "$d"; stat -c %a "$1"; } > "$WHERE"
EOF
chmod +x bin/where.sh
mkdir disk
WHERE=$T/where EDITOR="$T/bin/where.sh" run nt env -u SECRETCTL_TMPFS_ROOTS TMPDIR="$T/disk" "$SECRETCTL" edit s.yaml
assert_rc 0 "TMPDIR on disk, no XDG_RUNTIME_DIR: edit works"
wsfile=$(sed -n 1p where)
assert "TMPDIR on disk, no XDG_RUNTIME_DIR: the workspace is in /dev/shm ($wsfile)" bash -c "case '$wsfile' in /dev/shm/secretctl-edit.[0-9]*.*/s.yaml) true;; *) false;; esac"
assert "the workspace is on tmpfs" [ "$(sed -n 2p where)" = tmpfs ]
assert "the workspace directory is 0700, the file 0600" [ "$(sed -n 3,4p where | tr '\n' ' ')" = "700 600 " ]
assert "the workspace is gone afterwards" [ ! -e "$(dirname "$wsfile")" ]
assert "nothing was written to TMPDIR" [ -z "$(ls -A disk)" ]

mkdir -m 700 "$SHM/run"
WHERE=$T/where EDITOR="$T/bin/where.sh" run nt env -u SECRETCTL_TMPFS_ROOTS XDG_RUNTIME_DIR="$SHM/run" "$SECRETCTL" edit s.yaml
assert "XDG_RUNTIME_DIR on tmpfs: used first" bash -c "case \$(sed -n 1p where) in '$SHM/run/secretctl-edit.'*) true;; *) false;; esac"
rmdir "$SHM/run"
mkdir -m 700 run
WHERE=$T/where EDITOR="$T/bin/where.sh" run nt env -u SECRETCTL_TMPFS_ROOTS XDG_RUNTIME_DIR="$T/run" "$SECRETCTL" edit s.yaml
assert "XDG_RUNTIME_DIR on disk: /dev/shm instead" bash -c "case \$(sed -n 1p where) in /dev/shm/secretctl-edit.*) true;; *) false;; esac"
assert "XDG_RUNTIME_DIR on disk: nothing written there" [ -z "$(ls -A run)" ]

rm -f where
WHERE=$T/where EDITOR="$T/bin/where.sh" run nt env SECRETCTL_TMPFS_ROOTS="$T/disk" "$SECRETCTL" edit s.yaml
assert_rc 7 "tmpfs roots on disk: refused (exit 7)"
assert_err "^secretctl: no tmpfs to keep the plaintext off disk \(tried: $T/disk \(not tmpfs\)\); --allow-disk-tmp puts it on disk$" "refused: says why and what overrides it"
assert "refused: the editor never ran" [ ! -e where ]
assert "refused: nothing written to disk" [ -z "$(ls -A disk)" ]
WHERE=$T/where EDITOR="$T/bin/where.sh" run nt env SECRETCTL_TMPFS_ROOTS="$T/disk:/no/such" "$SECRETCTL" edit s.yaml --allow-disk-tmp
assert_rc 0 "--allow-disk-tmp: edits on disk"
assert_err "^secretctl: warning: '$T/disk' is not on tmpfs: the plaintext is written to disk$" "--allow-disk-tmp: warns"
assert "--allow-disk-tmp: the workspace was on disk" bash -c "case \$(sed -n 1p where) in '$T/disk/secretctl-edit.'*) true;; *) false;; esac"
assert "--allow-disk-tmp: removed afterwards" [ -z "$(ls -A disk)" ]
assert "the store is unchanged by all this" cmp -s before.yaml s.yaml

# ---- what the editor's process sees: no secret in argv or environment
cat >bin/spy.sh <<'EOF'
#!/bin/sh
env > "$SPY.env"
printf '%s\n' "$0" "$@" > "$SPY.argv"
tr '\0' '\n' < /proc/$PPID/cmdline > "$SPY.pargv"
tr '\0' '\n' < /proc/$PPID/environ > "$SPY.penv"
EOF
chmod +x bin/spy.sh
SPY=$T/spy EDITOR="$T/bin/spy.sh" run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "spy editor runs"
wsfile=$(sed -n 2p spy.argv)
assert "the editor's argv is the workspace file only" [ "$(sed 1d spy.argv)" = "$wsfile" ]
# a shell may exec the editor in place of itself: then its parent is secretctl
if [ "$(head -1 spy.pargv)" = sh ]; then
	assert "the shell's argv: sh -c 'EDITOR \"\$1\"' sh FILE" [ "$(tr '\n' '|' <spy.pargv)" = "sh|-c|$T/bin/spy.sh \"\$1\"|sh|$wsfile|" ]
	assert "the shell's environment was read (the check can fail)" grep -q '^EDITOR=' spy.penv
else
	assert "the editor's parent is secretctl itself" [ "$(tr '\n' '|' <spy.pargv)" = "$SECRETCTL|edit|s.yaml|" ]
fi
leak=""
for w in changed-pw-1 tok-123456 s3cr3t-pass flowvalue1 fresh-secret-42 MIIEvQIBADANBgkq 'trailing comment' 'Sample plaintext' AGE-SECRET-KEY; do
	grep -qF -- "$w" spy.env spy.argv spy.pargv spy.penv && leak="$leak $w"
done
assert "no secret in the editor's argv or environment${leak:+ (found:$leak)}" [ -z "$leak" ]
assert "the spy saw the plaintext (the check can fail)" grep -q changed-pw-1 "$T/dec.yaml"

# ---- locking: a second edit or set waits (and says so after 1 s), --no-wait
# fails; concurrent changes run one after the other, none is lost
cat >bin/slowadd.sh <<'EOF'
#!/bin/sh
echo started > "$MARK"
# GO: hold the store's lock until that file exists
if [ -n "${GO:-}" ]; then while [ ! -e "$GO" ]; do sleep 0.05; done; fi
printf '%s: %s\n' "$KEY" "$VAL" >> "$1"
EOF
chmod +x bin/slowadd.sh
rm -f mark1 mark2 go
# the first edit holds the lock until the file go exists: until the others
# have said that they wait (no fixed time, which a loaded machine or
# valgrind could outrun)
MARK=$T/mark1 GO=$T/go KEY=from_a VAL=value-a EDITOR="$T/bin/slowadd.sh" nt "$SECRETCTL" edit s.yaml 2>a.err &
pa=$!
wait_for mark1
run nt "$SECRETCTL" edit s.yaml --no-wait
assert_rc 7 "--no-wait while another edit runs: exit 7"
assert_err "another secretctl is changing it" "--no-wait: says why"
MARK=$T/mark2 KEY=from_b VAL=value-b EDITOR="$T/bin/slowadd.sh" nt "$SECRETCTL" edit s.yaml 2>b.err &
pb=$!
printf 'set-while-editing' | setsid -w "$SECRETCTL" set s.yaml app/env/API_TOKEN 2>c.err &
pc=$!
for i in $(seq 1200); do
	[ "$(grep -l 'waiting for another' b.err c.err 2>/dev/null | wc -l)" = 2 ] && break
	sleep 0.05
done
assert "the second edit has not started its editor yet" [ ! -e mark2 ]
touch go
wait "$pa"; ra=$?
wait "$pb"; rb=$?
wait "$pc"; rc=$?
assert "concurrent edit, edit, set all succeed ($ra, $rb, $rc)" [ "$ra$rb$rc" = 000 ]
assert "the second edit said it was waiting" grep -q "^secretctl: waiting for another secretctl to finish with 's.yaml'" b.err
assert "set said it was waiting" grep -q '^secretctl: waiting for another secretctl' c.err
dec
assert "no concurrent change was lost" bash -c "grep -q '^from_a: value-a$' dec.yaml && grep -q '^from_b: value-b$' dec.yaml && grep -q 'API_TOKEN: set-while-editing' dec.yaml"
assert_clean "locking: nothing left on tmpfs"

# ---- stale workspaces of dead processes are removed by the next run
sh -c 'exit 0' & dead=$!; wait $dead
mkdir -m 700 "$SHM/secretctl-edit.$dead.0123abcd" "$SHM/secretctl-edit.$$.4567ef01"
echo 'k: stale-secret' >"$SHM/secretctl-edit.$dead.0123abcd/s.yaml"
EDITOR=true run nt "$SECRETCTL" edit s.yaml
assert_rc 0 "an edit with stale workspaces around"
assert "the dead process's workspace is removed" [ ! -e "$SHM/secretctl-edit.$dead.0123abcd" ]
assert_err "^secretctl: removed the stale edit workspace '$SHM/secretctl-edit.$dead.0123abcd'$" "the removal is reported"
assert "a live process's workspace is kept" [ -d "$SHM/secretctl-edit.$$.4567ef01" ]
rmdir "$SHM/secretctl-edit.$$.4567ef01"

# ---- missing store, no terminal; usage
run nt "$SECRETCTL" edit missing.yaml
assert_rc 3 "missing store without a terminal: exit 3"
assert "missing store: nothing created" [ ! -e missing.yaml ]
run nt "$SECRETCTL" edit
assert_rc 2 "no store: usage error"
SECRETCTL_STORE=s.yaml EDITOR=true run nt "$SECRETCTL" edit
assert_rc 0 "\$SECRETCTL_STORE names the store"
assert_clean "the end: nothing left on tmpfs"
echo "1..$TESTNUM"
