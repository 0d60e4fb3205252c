# identity and tty through tests/tools/idtool: key sources, prompts on a
# real terminal (a tmux pane: a pty that is the controlling terminal),
# no terminal at all (setsid, stdin /dev/null), age interop.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ID=$TOOLS/idtool
[ -x "$ID" ] || { not_ok "idtool is not built ($ID)"; exit 1; }

# ---- files ----
run "$ID" keygen "$T/keys/a/id.txt"
assert_rc 0 "keygen: creates an identity file and its parent directories"
REC_A=$(cat "$T/out")
assert "keygen: file mode 0600, directories 0700" \
	test "$(stat -c %a "$T/keys/a/id.txt") $(stat -c %a "$T/keys/a") $(stat -c %a "$T/keys")" = "600 700 700"
assert "keygen: age-keygen format (created, public key, secret key)" \
	grep -qE '^# created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})$' "$T/keys/a/id.txt"
if command -v age-keygen >/dev/null; then
	if [ "$(age-keygen -y "$T/keys/a/id.txt")" = "$REC_A" ]; then ok "age-keygen -y reads it: same recipient"
	else not_ok "age-keygen -y disagrees"; fi
else skip "age-keygen is not installed"; fi
run "$ID" keygen "$T/keys/a/id.txt"
assert_rc 7 "keygen: never overwrites (exit 7)"
assert_err "^idtool: '$T/keys/a/id.txt' already exists$" "keygen: says it exists"
ln -s "$T/elsewhere" "$T/keys/link"
run "$ID" keygen "$T/keys/link"
assert_rc 7 "keygen: refuses a (dangling) symlink"
assert "keygen: nothing created through the symlink" test ! -e "$T/elsewhere"
"$ID" keygen "$T/keys/b.txt" >"$T/rb" && REC_B=$(cat "$T/rb")
"$ID" keygen "$T/keys/c.txt" >"$T/rc" && REC_C=$(cat "$T/rc")
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# ---- sources without a terminal ----
nt() { setsid -w "$@" </dev/null; } # no controlling terminal
run nt "$ID" unlock -i "$T/keys/a/id.txt" "$REC_B" "$REC_A"
assert_rc 0 "-i: opens the slot naming its recipient"
assert "-i: slot 2, the data key" test "$(cat "$T/out")" = "$(printf 'slot 2\n%s' $KEY)"
run nt "$ID" unlock -v -i "$T/keys/b.txt" -i "$T/keys/a/id.txt" "$REC_A" "$REC_B"
assert_out '^slot 2$' "-i order: the first file that opens a slot wins"
assert_err "^idtool: key slot 2 \($REC_B\) opened with -i $T/keys/b.txt$" "-v: says which source opened which slot"
run nt env SECRETCTL_IDENTITY="$T/keys/c.txt:$T/keys/b.txt" "$ID" unlock "$REC_B"
assert_rc 0 "\$SECRETCTL_IDENTITY: colon-separated files"
run nt env SECRETCTL_IDENTITY="$T/nope" "$ID" unlock -i "$T/keys/b.txt" "$REC_B"
assert_rc 0 "-i wins over \$SECRETCTL_IDENTITY, which is not read"
run nt env SECRETCTL_IDENTITY="$T/nope" "$ID" unlock "$REC_B"
assert_rc 3 "\$SECRETCTL_IDENTITY: a missing file is an error at once (exit 3)"
assert_err "^idtool: \\\$SECRETCTL_IDENTITY: cannot open '$T/nope': No such file or directory$" "\$SECRETCTL_IDENTITY: message"
mkdir -p "$T/creds"; cp "$T/keys/c.txt" "$T/creds/secretctl-identity"
run nt env CREDENTIALS_DIRECTORY="$T/creds" "$ID" unlock "$REC_A" "$REC_C"
assert_out '^slot 2$' "\$CREDENTIALS_DIRECTORY/secretctl-identity opens its slot"
mkdir -p "$XDG_CONFIG_HOME/secretctl"; cp "$T/keys/a/id.txt" "$XDG_CONFIG_HOME/secretctl/identity.txt"
run nt "$ID" unlock "$REC_C" "$REC_A"
assert_out '^slot 2$' "default identity file opens its slot"
run nt env CREDENTIALS_DIRECTORY="$T/creds" "$ID" unlock "$REC_C" "$REC_A"
assert_out '^slot 1$' "the credential comes before the default identity file"
rm "$XDG_CONFIG_HOME/secretctl/identity.txt"
run nt env SOPS_AGE_KEY_FILE="$T/keys/b.txt" "$ID" unlock "$REC_C" "$REC_B"
assert_out '^slot 2$' "\$SOPS_AGE_KEY_FILE opens its slot"

# "# public key:" lines are a hint that saves one X25519; a wrong one
# must change nothing but the time taken.
mkdir -p "$T/hint" "$T/nohint"
{ echo "# public key: $REC_B"; grep '^AGE-SECRET-KEY-' "$T/keys/a/id.txt"; } >"$T/hint/id.txt"
grep '^AGE-SECRET-KEY-' "$T/keys/a/id.txt" >"$T/nohint/id.txt"
chmod 600 "$T/hint/id.txt" "$T/nohint/id.txt" # identity files must be private
run nt "$ID" unlock -v -i "$T/hint/id.txt" "$REC_B" "$REC_A"
assert_out '^slot 2$' "a wrong '# public key:' hint (another slot's recipient): the right slot still opens"
assert_err "^idtool: key slot 2 \($REC_A\) opened with -i $T/hint/id.txt$" "a wrong hint: -v names the true recipient"
run nt "$ID" unlock -i "$T/hint/id.txt" "$REC_C" "$REC_B"
hint_rc=$RC; sed "s|$T/hint/|DIR/|g" "$T/err" >"$T/err.hint"
run nt "$ID" unlock -i "$T/nohint/id.txt" "$REC_C" "$REC_B"
sed "s|$T/nohint/|DIR/|g" "$T/err" >"$T/err.nohint"
assert "a wrong hint and no slot for the key: same exit code and message as without the hint" \
	test "$hint_rc $(cat "$T/err.hint")" = "$RC $(cat "$T/err.nohint")"
assert "... and that message names the true recipient, not the hint" grep -q "$REC_A" "$T/err.hint"
run sc keygen -y "$T/hint/id.txt"
assert "keygen -y computes the recipient, never echoes the hint" test "$(cat "$T/out")" = "$REC_A"
{ echo "# public key: age1nonsense"; grep '^AGE-SECRET-KEY-' "$T/keys/a/id.txt"; } >"$T/hint/bad.txt"
chmod 600 "$T/hint/bad.txt"
run nt "$ID" unlock -i "$T/hint/bad.txt" "$REC_A"
assert_out '^slot 1$' "a hint that is not a recipient is ignored"

printf 'sesame\n' >"$T/pass"; printf 'wrong\n' >"$T/badpass"
run nt "$ID" unlock --passphrase-file "$T/pass" "$REC_C" pass:sesame
assert_out '^slot 2$' "--passphrase-file opens the scrypt slot"
run nt "$ID" unlock --passphrase-file "$T/badpass" "$REC_C" pass:sesame
assert_rc 4 "--passphrase-file: wrong passphrase (exit 4)"
assert_err "^idtool: wrong passphrase \(from --passphrase-file $T/badpass\)$" "--passphrase-file: message"

start=$(date +%s%N)
run nt "$ID" unlock "$REC_C" pass:sesame
end=$(date +%s%N)
assert_rc 4 "no terminal, no identity: fails (exit 4)"
assert "no terminal: fails at once (< 2 s)" test $(( (end - start) / 1000000 )) -lt 2000
assert_err 'passphrase prompt \(no terminal; use --passphrase-file\)\); make one with' "no terminal: says so, and lists what was tried"
assert_err "^idtool: no identity found \(tried: \\\$SECRETCTL_IDENTITY \(unset\), \\\$CREDENTIALS_DIRECTORY \(unset\), the keyring \(no session bus\), $XDG_CONFIG_HOME/secretctl/identity.txt \(absent\), \\\$SOPS_AGE_KEY_FILE \(unset\), $XDG_CONFIG_HOME/sops/age/keys.txt \(absent\), " "no identity: every place tried, in order"
run nt "$ID" unlock -i "$T/keys/c.txt" "$REC_A" "$REC_B"
assert_rc 4 "identities that match no slot (exit 4)"
assert_err "^idtool: no identity matches a recipient of the store \(recipients: $REC_A, $REC_B; identities found: $REC_C \(-i $T/keys/c.txt\)" "no match: lists the store's recipients and the identities found"
run nt "$ID" unlock -i "$T/keys/a/id.txt" "liar:$REC_A"
assert_rc 5 "a slot that names a recipient but does not open with it (exit 5)"
assert_err "key slot 1 names $REC_A but does not open with its identity" "lying slot: message"
run nt "$ID" unlock -i "$T/keys/a/id.txt" "corrupt:$REC_A"
assert_rc 5 "a slot with a broken payload tag (exit 5)"

"$ID" encrypt-pass pw "$T/keys/a/id.txt" "$T/enc.age"; chmod 600 "$T/enc.age"
run nt "$ID" unlock -i "$T/enc.age" "$REC_A"
assert_rc 4 "encrypted identity file, no terminal: fails at once (exit 4)"
assert_err "^idtool: -i: '$T/enc.age' is passphrase-protected and there is no terminal to ask on$" "encrypted identity, no terminal: message"

# ---- -i and $SECRETCTL_IDENTITY exclude every other key source ----
# (so a backup identity can be tested alone)
X=$T/excl; mkdir -p "$X"
for k in main backup other; do sc keygen -o "$X/$k.txt" 2>/dev/null; done
R_MAIN=$(sc keygen -y "$X/main.txt"); R_BACKUP=$(sc keygen -y "$X/backup.txt")
printf 'a: secret-a\n' >"$X/plain.yaml"; printf 'sesame\n' >"$X/pass"
sc encrypt "$X/plain.yaml" -r "$R_MAIN" -r "$R_BACKUP" -o "$X/both.yaml"
sc encrypt "$X/plain.yaml" -r "$R_MAIN" -o "$X/main.yaml"
sc encrypt "$X/plain.yaml" -r "$R_MAIN" --passphrase --passphrase-file "$X/pass" \
	--work-factor 10 -o "$X/pass.yaml"
mkdir -p "$XDG_CONFIG_HOME/secretctl"; cp "$X/main.txt" "$XDG_CONFIG_HOME/secretctl/identity.txt"
run nt "$SECRETCTL" extract "$X/main.yaml" -f a
assert "control: the default identity opens the store" test "$RC $(cat "$T/out")" = "0 secret-a"
run nt "$SECRETCTL" extract "$X/both.yaml" -f a -v -i "$X/backup.txt"
assert "-i backup: a store the backup identity opens" test "$RC $(cat "$T/out")" = "0 secret-a"
assert_err "opened with -i $X/backup.txt$" "-i backup: the backup identity opened it, not the default one"
run nt "$SECRETCTL" extract "$X/main.yaml" -f a -i "$X/backup.txt"
assert_rc 4 "-i backup: a store it does not open fails (exit 4), though the default identity would"
run nt "$SECRETCTL" verify "$X/both.yaml" -i "$X/backup.txt"
assert_rc 0 "verify -i backup (the man page's check): a store it opens"
run nt "$SECRETCTL" verify "$X/main.yaml" -i "$X/backup.txt"
assert_rc 4 "verify -i backup: a store it does not open (exit 4)"
run nt "$SECRETCTL" extract "$X/main.yaml" -f a -i "$X/other.txt"
assert_rc 4 "-i wrong.txt with a valid default identity present: exit 4"
assert_err "tried: -i $X/other.txt; with -i, no other key source is tried\)$" "-i: the error names exactly what was tried"
assert_one_line "-i: the error is one line"
run nt env SECRETCTL_IDENTITY="$X/other.txt" "$SECRETCTL" extract "$X/main.yaml" -f a
assert_rc 4 "\$SECRETCTL_IDENTITY=wrong with a valid default identity present: exit 4"
assert_err "tried: \\\$SECRETCTL_IDENTITY $X/other.txt; with \\\$SECRETCTL_IDENTITY, no other key source is tried\)$" \
	"\$SECRETCTL_IDENTITY: the error names exactly what was tried"
run nt env SECRETCTL_IDENTITY="$X/main.txt" "$SECRETCTL" extract "$X/main.yaml" -f a -i "$X/other.txt"
assert_rc 4 "-i replaces \$SECRETCTL_IDENTITY (not read when -i is given)"
mkdir -p "$X/creds"; cp "$X/main.txt" "$X/creds/secretctl-identity"
run nt env CREDENTIALS_DIRECTORY="$X/creds" SOPS_AGE_KEY_FILE="$X/main.txt" \
	"$SECRETCTL" extract "$X/main.yaml" -f a -i "$X/other.txt"
assert_rc 4 "-i: neither \$CREDENTIALS_DIRECTORY nor \$SOPS_AGE_KEY_FILE is tried"
run nt "$SECRETCTL" extract "$X/pass.yaml" -f a -i "$X/other.txt" --passphrase-file "$X/pass"
assert "-i with --passphrase-file: the passphrase slot is still tried" test "$RC $(cat "$T/out")" = "0 secret-a"
run nt "$SECRETCTL" extract "$X/pass.yaml" -f a -i "$X/other.txt"
assert_rc 4 "-i without --passphrase-file: no passphrase slot, no prompt (exit 4)"
assert_err "no other key source is tried \(add --passphrase-file for the passphrase slot\)\)$" \
	"-i, a passphrase slot: says how to try it"
rm "$XDG_CONFIG_HOME/secretctl/identity.txt"

# ---- identity files must be private (as OpenSSH wants of private keys) ----
P=$T/perm; mkdir -p "$P"
unset SUDO_UID # (it widens who may own the file, tested below)
sc keygen -o "$P/key.txt" 2>/dev/null
R_P=$(sc keygen -y "$P/key.txt")
sc encrypt "$X/plain.yaml" -r "$R_P" -o "$P/s.yaml"
# perm_refused MODE WHAT: -i FILE of that mode is refused with exit 4 and
# one line naming the file, what is wrong and the fix
perm_refused() {
	cp "$P/key.txt" "$P/k$1.txt"; chmod "$1" "$P/k$1.txt"
	run nt "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/k$1.txt"
	assert_rc 4 "-i, mode $1: refused (exit 4)"
	assert_err "^secretctl: identity file '$P/k$1.txt' is $2 \(mode $1\): chmod 600 '$P/k$1.txt'$" \
		"-i, mode $1: the message names the file, says it is $2 and gives the fix"
	assert_one_line "-i, mode $1: one line"
}
perm_refused 0644 "readable by others"
perm_refused 0640 "readable by its group"
perm_refused 0604 "readable by others"
perm_refused 0620 "writable by its group"
perm_refused 0602 "writable by others"
chmod 600 "$P/k0644.txt"
run nt "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/k0644.txt"
assert "the fix works: after chmod 600 it opens the store" test "$RC $(cat "$T/out")" = "0 secret-a"
cp "$P/key.txt" "$P/k0400.txt"; chmod 400 "$P/k0400.txt"
run nt "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/k0400.txt"
assert_rc 0 "mode 0400 is private too"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cp "$P/key.txt" "$P/nobody.txt"; chown nobody "$P/nobody.txt"
	run nt "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/nobody.txt"
	assert_rc 4 "-i, a 0600 file owned by another user: refused (exit 4)"
	assert_err "^secretctl: identity file '$P/nobody.txt' is owned by uid $(id -u nobody) \(nobody\), not by root: chown root '$P/nobody.txt'$" \
		"owned by another user: the message names the owner and the fix"
	assert_one_line "owned by another user: one line"
	run nt env SUDO_UID="$(id -u nobody)" "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/nobody.txt"
	assert "root under sudo: a file owned by sudo's caller (\$SUDO_UID) opens (sudo secretctl -i ~/FILE)" \
		test "$RC $(cat "$T/out")" = "0 secret-a"
	run nt env SUDO_UID=4242 "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/nobody.txt"
	assert_rc 4 "root under sudo: a file owned by a third user is refused"
	assert_err "is owned by uid $(id -u nobody) \(nobody\), not by root or sudo's caller \(uid 4242\): chown root" \
		"... and the message names sudo's caller"
	if command -v runuser >/dev/null && id daemon >/dev/null 2>&1; then
		# not root: a file of a third user is refused even when readable
		cp "$P/key.txt" "$P/daemon.txt"; chown daemon "$P/daemon.txt"; chmod 644 "$P/daemon.txt"
		chmod 711 "$T" "$P"
		# the build tree may be out of nobody's reach (a clone in a 0700
		# directory): a copy of the binary it can run
		other_user_bin || not_ok "cannot copy secretctl where nobody may run it"
		run runuser -u nobody -- "$USECRETCTL" keygen -y "$P/daemon.txt"
		other_user_bin_done
		chmod 700 "$T" "$P"
		assert_rc 4 "not root: a file owned by another user (mode 0644) is refused (exit 4)"
		assert_err "^secretctl: identity file '$P/daemon.txt' is owned by uid $(id -u daemon) \(daemon\), not by you \(uid $(id -u nobody)\) or root: use a copy of your own, mode 0600$" \
			"not root, another owner: the message"
	else
		skip "runuser or the user daemon is missing"; skip "runuser or the user daemon is missing"
	fi
	mkdir -p "$P/creds"; cp "$P/key.txt" "$P/creds/secretctl-identity"
	chown nobody "$P/creds/secretctl-identity"; chmod 644 "$P/creds/secretctl-identity"
	run nt env CREDENTIALS_DIRECTORY="$P/creds" "$SECRETCTL" extract "$P/s.yaml" -f a
	assert "\$CREDENTIALS_DIRECTORY is exempt (systemd's files): another owner, mode 0644, opens" \
		test "$RC $(cat "$T/out")" = "0 secret-a"
else
	skip "not root, or no user nobody: ownership tests"
	skip "not root: the owner of \$CREDENTIALS_DIRECTORY's file"
fi
mkdir -p "$P/creds2"; cp "$P/key.txt" "$P/creds2/secretctl-identity"; chmod 644 "$P/creds2/secretctl-identity"
run nt env CREDENTIALS_DIRECTORY="$P/creds2" "$SECRETCTL" extract "$P/s.yaml" -f a
assert "\$CREDENTIALS_DIRECTORY is exempt: mode 0644 opens" test "$RC $(cat "$T/out")" = "0 secret-a"
ln -s "$P/k0640.txt" "$P/link-to-open.txt"; ln -s "$P/k0400.txt" "$P/link-to-private.txt"
run nt "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/link-to-open.txt"
assert_rc 4 "a symlink is followed and the file it names is checked: refused"
assert_err "identity file '$P/link-to-open.txt' is readable by its group \(mode 0640\)" "... naming the path given"
run nt "$SECRETCTL" extract "$P/s.yaml" -f a -i "$P/link-to-private.txt"
assert_rc 0 "a symlink (mode 0777 itself) to a private file opens"
run nt env SECRETCTL_IDENTITY="$P/k0604.txt" "$SECRETCTL" extract "$P/s.yaml" -f a
assert_rc 4 "\$SECRETCTL_IDENTITY, mode 0604: refused (exit 4)"
assert_err "^secretctl: identity file '$P/k0604.txt' is readable by others" "\$SECRETCTL_IDENTITY: message"
chmod 644 "$P/k0644.txt"
run nt env SOPS_AGE_KEY_FILE="$P/k0644.txt" "$SECRETCTL" extract "$P/s.yaml" -f a
assert_rc 4 "\$SOPS_AGE_KEY_FILE, mode 0644: refused (exit 4)"
assert_err "^secretctl: identity file '$P/k0644.txt' is readable by others \(mode 0644\): chmod 600 '$P/k0644.txt'$" \
	"\$SOPS_AGE_KEY_FILE: message"
DEFID=$XDG_CONFIG_HOME/secretctl/identity.txt SOPSID=$XDG_CONFIG_HOME/sops/age/keys.txt
mkdir -p "$(dirname "$DEFID")" "$(dirname "$SOPSID")"
cp "$P/key.txt" "$SOPSID"; chmod 644 "$SOPSID"
run nt "$SECRETCTL" extract "$P/s.yaml" -f a
assert_rc 4 "sops' keys.txt, mode 0644: refused (exit 4)"
assert_err "^secretctl: identity file '$SOPSID' is readable by others \(mode 0644\): chmod 600 '$SOPSID'$" \
	"sops' keys.txt: message"
chmod 600 "$SOPSID"
cp "$P/key.txt" "$DEFID"; chmod 640 "$DEFID"
run nt "$SECRETCTL" extract "$P/s.yaml" -f a
assert_rc 4 "the default identity file, mode 0640: refused (exit 4), though sops' keys.txt would open the store"
assert_err "^secretctl: identity file '$DEFID' is readable by its group \(mode 0640\): chmod 600 '$DEFID'$" \
	"a refused default identity file is an error, not silently skipped"
assert_one_line "the default identity file: one line"
run sc keygen -y "$DEFID"
assert_rc 4 "keygen -y of a file readable by its group: refused (exit 4)"
rm -f "$DEFID" "$SOPSID"

# ---- -v says what was done; -vv every key source looked at ----
# (-v in ExecStartPre= lines must not fill journals with notes about key
# sources that were not needed: here, the keyring without a session bus)
V=$T/verbose; mkdir -p "$V"
sc keygen -o "$V/id.txt" 2>/dev/null
R_V=$(sc keygen -y "$V/id.txt")
sc encrypt "$X/plain.yaml" -r "$R_V" -o "$V/s.yaml"
DEFID=$XDG_CONFIG_HOME/secretctl/identity.txt
mkdir -p "$(dirname "$DEFID")"; cp "$V/id.txt" "$DEFID"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a
assert "no -v: nothing on stderr" test "$RC" = 0 -a ! -s "$T/err"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a -v
assert_rc 0 "-v, a working identity: exit 0"
assert "-v, a working identity: no keyring line" bash -c "! grep -q keyring '$T/err'"
assert "-v, a working identity: one line, naming the key source that opened the store" \
	test "$(cat "$T/err")" = "secretctl: key slot 1 ($R_V) opened with $DEFID"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a -vv
assert_rc 0 "-vv, a working identity: exit 0"
assert_err "^secretctl: keyring: skipped: no session bus: " "-vv: says why the keyring was skipped"
assert_err "^secretctl: key source: \\\$SECRETCTL_IDENTITY \(unset\)$" "-vv: every key source looked at, as it is"
assert_err "^secretctl: key source: \\\$CREDENTIALS_DIRECTORY \(unset\)$" "-vv: ... \$CREDENTIALS_DIRECTORY"
assert "-vv: the line naming what opened the store comes last" \
	test "$(tail -1 "$T/err")" = "secretctl: key slot 1 ($R_V) opened with $DEFID"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a --verbose --verbose
assert_err "^secretctl: keyring: skipped: no session bus" "--verbose --verbose is -vv"
cp "$X/other.txt" "$DEFID"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a -vv
assert_err "^secretctl: identity $(sc keygen -y "$X/other.txt") \($DEFID\) matches no key slot$" \
	"-vv: says which identity matched no slot"
rm "$DEFID"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a -v
assert_rc 4 "-v, no identity at all: exit 4"
assert_one_line "-v, no identity at all: the error alone, one line"
assert_err "^secretctl: no identity found \(tried: \\\$SECRETCTL_IDENTITY \(unset\), \\\$CREDENTIALS_DIRECTORY \(unset\), the keyring \(no session bus\), $DEFID \(absent\), \\\$SOPS_AGE_KEY_FILE \(unset\), $XDG_CONFIG_HOME/sops/age/keys.txt \(absent\)" \
	"-v, no identity at all: the error lists what was tried, the keyring with why"
run nt "$SECRETCTL" extract "$V/s.yaml" -f a -vv
assert_rc 4 "-vv, no identity at all: exit 4"
assert "-vv, no identity: the sources as looked at, then the error last" \
	bash -c "grep -q '^secretctl: keyring: skipped: no session bus' '$T/err' && tail -1 '$T/err' | grep -q '^secretctl: no identity found'"

# ---- on a terminal (tmux) ----
if ! command -v tmux >/dev/null; then
	skip "tmux is not installed: prompt tests skipped"; echo "1..$TESTNUM"; exit 0
fi
TMUX_SOCK=$T/tmux.sock
tm() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# on_tty CMD ANSWER...: run CMD (a shell string) in a fresh pane; each time
# a new prompt shows (the last screen line ends in ":" and differs, text or
# row, from the last one answered; tmux trims the blank after it), type the
# next ANSWER and Enter. Waiting for the prompt matters: input typed before
# it would be flushed (TCSAFLUSH). "^C" sends Ctrl-C. After CMD: stdout in
# $T/out, stderr in $T/err, status in $RC, the screen in $T/screen, the
# terminal's mode afterwards in $T/stty.
on_tty() {
	local cmd=$1 n=0 i=0 cur last=""; shift
	rm -f "$T/rc.pane"
	tm kill-server 2>/dev/null
	# trap : INT: the pane's shell outlives a Ctrl-C (CMD still gets it)
	tm new-session -d -x 200 -y 50 \
		"trap : INT; cd '$T' && ($cmd) >'$T/out' 2>'$T/err'; echo \$? >'$T/rc.pane.tmp'; stty -a >'$T/stty'; mv '$T/rc.pane.tmp' '$T/rc.pane'; sleep 30"
	while [ ! -f "$T/rc.pane" ] && [ $i -lt 600 ]; do
		if [ $n -lt $# ]; then
			cur=$(tm capture-pane -p 2>/dev/null | grep -n . | tail -1)
			if [ "${cur%:}" != "$cur" ] && [ "$cur" != "$last" ]; then
				n=$((n + 1)); last=$cur
				if [ "${!n}" = "^C" ]; then tm send-keys C-c
				else tm send-keys -l "${!n}"; tm send-keys Enter; fi
				continue
			fi
		fi
		sleep 0.05; i=$((i + 1))
	done
	tm capture-pane -p >"$T/screen" 2>/dev/null
	RC=$(cat "$T/rc.pane" 2>/dev/null || echo 999)
	tm kill-server 2>/dev/null
}

on_tty "'$ID' prompt 'test passphrase'" "s3cret word"
assert_rc 0 "prompt: reads a line from the terminal"
assert "prompt: the bytes typed, without the newline" test "$(cat "$T/out")" = "$(printf 's3cret word' | od -An -tx1 | tr -d ' \n')"
assert "prompt: the prompt is shown on the terminal" grep -q '^test passphrase:' "$T/screen"
assert "prompt: echo is off (the passphrase is not on screen)" bash -c "! grep -q s3cret '$T/screen'"
assert "prompt: echo is back on afterwards" grep -Eq '(^| )echo( |$)' "$T/stty"

on_tty "'$ID' prompt 'test passphrase'" "^C"
assert "Ctrl-C at the prompt: the process dies of SIGINT (130)" test "$RC" -eq 130
assert "Ctrl-C at the prompt: echo is restored" grep -Eq '(^| )echo( |$)' "$T/stty"

on_tty "'$ID' prompt-new 'new passphrase'" "abc" "abc"
assert_rc 0 "new passphrase: asked twice, the same twice"
assert "new passphrase: second prompt says again" grep -q '^new passphrase (again):' "$T/screen"
on_tty "'$ID' prompt-new 'new passphrase'" "abc" "abd"
assert_rc 6 "new passphrase: two different answers (exit 6)"
assert_err '^idtool: the two new passphrases differ$' "new passphrase: message"
on_tty "'$ID' prompt-new 'new passphrase'" ""
assert_rc 6 "new passphrase: empty is refused (exit 6)"

on_tty "'$ID' unlock -i '$T/enc.age' '$REC_A'" "pw"
assert_rc 0 "encrypted identity file: passphrase asked on the terminal, slot opened"
assert "encrypted identity: prompt names the file" grep -q "^passphrase for identity file $T/enc.age:" "$T/screen"
on_tty "'$ID' unlock -i '$T/enc.age' '$REC_A'" "nope"
assert_rc 4 "encrypted identity file: wrong passphrase (exit 4)"
assert_err "^idtool: -i: '$T/enc.age': wrong passphrase$" "encrypted identity: wrong passphrase message"

on_tty "'$ID' unlock '$REC_C' pass:sesame" "sesame"
assert_rc 0 "scrypt slot: passphrase prompt on the terminal opens it"
assert_out '^slot 2$' "scrypt slot: slot 2"
on_tty "'$ID' unlock '$REC_C' pass:sesame" "sesam"
assert_rc 4 "scrypt slot: wrong passphrase (exit 4)"
assert_err '^idtool: wrong passphrase$' "scrypt slot: wrong passphrase message"
on_tty "'$ID' unlock -i '$T/keys/c.txt' '$REC_C' pass:sesame"
assert_rc 0 "an identity that matches: no prompt at all"
assert "no prompt was shown" bash -c "! grep -q 'passphrase' '$T/screen'"
on_tty "'$SECRETCTL' extract '$X/pass.yaml' -f a -i '$X/other.txt'"
assert_rc 4 "-i on a terminal, a store with a passphrase slot: exit 4 without asking"
assert "-i: no passphrase prompt (the passphrase slot needs --passphrase-file with -i)" \
	bash -c "! grep -q 'passphrase:' '$T/screen'"

# age 1.x's own passphrase-encrypted identity file (age -p, work factor 2^18)
if command -v age >/dev/null; then
	on_tty "age -p -o '$T/age-enc.age' '$T/keys/b.txt'" "agepw" "agepw"
	if [ "$RC" -eq 0 ]; then
		chmod 600 "$T/age-enc.age"
		on_tty "'$ID' unlock -i '$T/age-enc.age' '$REC_B'" "agepw"
		assert_rc 0 "an identity file encrypted by age -p opens"
	else not_ok "age -p failed (exit $RC)"; diag <"$T/err"; fi
else skip "age is not installed"; fi
echo "1..$TESTNUM"
