#!/bin/bash
# edit on a terminal (a pty via tests/cli/ptyrun.py): the visudo-style
# re-edit loop on invalid text, creating a missing store, Ctrl-C while the
# editor runs.
. "$(dirname "$0")/lib.sh"
need python3 setsid sed

private_tmpfs edit-tty
unset VISUAL EDITOR
PTY="$TOP/tests/cli/ptyrun.py"
# on_tty [PROMPT ANSWER]... -- CMD...: status in $RC, the terminal in $T/screen
# (ptyrun gives up after 10 s; 60 s under valgrind)
PTY_TIMEOUT=10
under_valgrind && PTY_TIMEOUT=60
on_tty() { python3 "$PTY" -t "$PTY_TIMEOUT" "$@" 2>"$T/screen" </dev/null; RC=$?; }
assert_screen() {
	if grep -Eq -- "$1" "$T/screen"; then ok "$2"; else
		not_ok "$2 (terminal does not show /$1/)"; head -c 2000 "$T/screen" | diag
	fi
}
assert_clean() {
	if [ -z "$(ls -A "$SHM")" ]; then ok "$1"; else not_ok "$1 (left: $(ls -A "$SHM"))"; fi
}

cd "$T"
mkdir bin
printf 'app:\n  token: tty-secret-1\n' >plain.yaml
sc init s.yaml --from plain.yaml 2>/dev/null
cp s.yaml before.yaml

# First run: a typo (invalid YAML). Second run: it must see its own text
# again, and fixes it.
cat >bin/typo-then-fix.sh <<'EOF'
#!/bin/sh
n=$(cat "$COUNT" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$COUNT"
if [ $n = 1 ]; then
	sed -i 's/tty-secret-1/tty-secret-2/' "$1"
	printf 'broken: [unclosed\n' >> "$1"
else
	cp "$1" "$SEEN"
	sed -i "s/^broken: \\[unclosed\$/${FIX:-fixed}: yes/" "$1"
fi
EOF
chmod +x bin/typo-then-fix.sh

rm -f count
COUNT=$T/count SEEN=$T/seen EDITOR="$T/bin/typo-then-fix.sh" \
	on_tty 're-edit\? \[Y/n\]' '' -- "$SECRETCTL" edit s.yaml
assert_rc 0 "re-edit loop: invalid, then fixed on re-edit: exit 0"
assert "re-edit loop: the editor ran twice" [ "$(cat count)" = 2 ]
assert_screen 's\.yaml \(edited\): line [0-9]+, column [0-9]+: ' "re-edit loop: the parser's message with line:column is shown"
assert_screen 're-edit\? \[Y/n\]' "re-edit loop: asks 're-edit? [Y/n]'"
assert "re-edit loop: the re-edit reopens the user's own text" bash -c "grep -q 'tty-secret-2' seen && grep -q '^broken: \[unclosed$' seen"
run sc decrypt s.yaml
assert "re-edit loop: the fixed text is saved" [ "$(cat "$T/out")" = "$(printf 'app:\n  token: tty-secret-2\nfixed: yes')" ]
assert_clean "re-edit loop: nothing left on tmpfs"
cp s.yaml before.yaml

rm -f count
COUNT=$T/count SEEN=$T/seen EDITOR="$T/bin/typo-then-fix.sh" \
	on_tty 're-edit\? \[Y/n\]' 'n' -- "$SECRETCTL" edit s.yaml
assert_rc 6 "re-edit declined: exit 6"
assert "re-edit declined: the editor ran once" [ "$(cat count)" = 1 ]
assert_screen "the edit is discarded; 's.yaml' is unchanged" "re-edit declined: says the edit is discarded"
assert "re-edit declined: store unchanged" cmp -s before.yaml s.yaml
assert_clean "re-edit declined: nothing left on tmpfs"

# An unclear answer is asked again; then yes.
rm -f count
FIX=fixed_again COUNT=$T/count SEEN=$T/seen EDITOR="$T/bin/typo-then-fix.sh" \
	on_tty 're-edit\? \[Y/n\]' 'maybe' 'please answer y or n' 'y' -- "$SECRETCTL" edit s.yaml
assert_rc 0 "an unclear answer is asked again"
assert "unclear answer: the editor ran twice" [ "$(cat count)" = 2 ]
cp s.yaml before.yaml

# ---- a missing store, on a terminal: offered, created as init does, edited
cat >bin/fill.sh <<'EOF'
#!/bin/sh
printf 'db:\n  password: brand-new-secret\n' >> "$1"
EOF
chmod +x bin/fill.sh
EDITOR="$T/bin/fill.sh" on_tty 'does not exist; create it\? \[Y/n\]' 'y' -- "$SECRETCTL" edit new.yaml
assert_rc 0 "missing store on a terminal: created when the user says yes"
run sc extract new.yaml -f db/password
assert "missing store: created and edited" [ "$(cat "$T/out")" = brand-new-secret ]
assert "missing store: the new store is 0600" [ "$(stat -c %a new.yaml)" = 600 ]
run sc ls new.yaml
assert "missing store: keyed to the default identity (ls, decrypt work)" [ "$(cat "$T/out")" = db/password ]
EDITOR="$T/bin/fill.sh" on_tty 'does not exist; create it\? \[Y/n\]' 'n' -- "$SECRETCTL" edit other.yaml
assert_rc 3 "missing store, declined: exit 3"
assert "missing store, declined: nothing created" [ ! -e other.yaml ]
assert_clean "missing store: nothing left on tmpfs"

# ---- Ctrl-C while the editor runs: the terminal sends SIGINT to secretctl
# and the editor; cleaned up, the store unchanged, secretctl dies of SIGINT
cat >bin/wait.sh <<'EOF'
#!/bin/sh
echo EDITING-NOW
exec sleep 30
EOF
chmod +x bin/wait.sh
# bash -c with "trap : INT" outlives the Ctrl-C to report the status (a
# caught signal is reset to default in secretctl, not ignored)
EDITOR="$T/bin/wait.sh" on_tty 'EDITING-NOW' $'\003' -- \
	bash -c 'trap : INT; "$1" edit s.yaml; echo $? > "$2"' sh "$SECRETCTL" "$T/rc.tty"
assert "Ctrl-C: secretctl dies of SIGINT (130)" [ "$(cat rc.tty 2>/dev/null)" = 130 ]
assert "Ctrl-C: the store is unchanged" cmp -s before.yaml s.yaml
assert_clean "Ctrl-C: nothing left on tmpfs"
echo "1..$TESTNUM"
