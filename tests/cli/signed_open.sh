#!/bin/bash
# Every command that opens a store's data key checks its signers first
# (FORMAT.md 5.4): with a signer pinned, an unsigned store or one signed by
# an unlisted key is refused (exit 5) by extract, decrypt, exec, render,
# edit (before the editor runs), set, unset, rotate, recipients, verify and
# git-merge, and before any key source is tried (no passphrase is asked
# for). edit and verify --repair sign what they write (--sign-with,
# $SECRETCTL_SIGNING_KEY, --drop-signatures), and plain verify checks
# every signature.
. "$(dirname "$0")/lib.sh"
need ssh-keygen
cd "$T" || exit 1

sc keygen -o id.txt 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -C admin@example.org -f admin
ssh-keygen -q -t ed25519 -N '' -C eve@example.org -f eve
printf 'db:\n  password: hunter2\n  other: x\n' > plain.yaml
echo "admin@example.org namespaces=\"secretctl\" $(cat admin.pub)" > allowed
export SECRETCTL_IDENTITY=$T/id.txt
R=$(sc keygen -y id.txt)
sc init s.yaml --from plain.yaml --sign-with admin -r "$R" || exit 1
cp s.yaml eve.yaml
SECRETCTL_SIGNING_KEY=$T/eve sc set eve.yaml db/password <<<"eve was here" || exit 1
cp s.yaml dropped.yaml
sc set dropped.yaml db/password --drop-signatures <<<"dropped" || exit 1
fp_eve=$(ssh-keygen -lf eve.pub | cut -d' ' -f2)
printf '#!/bin/sh\ntouch "%s/editor-ran"\nsed -i "s/hunter2/edited/" "$1"\n' "$T" > editor
chmod +x editor
echo '{{ db/password }}' > t.tmpl

# --- every data-key command refuses an unpinned store
export SECRETCTL_ALLOWED_SIGNERS=$T/allowed
refused() { # STORE WHY DESCRIPTION COMMAND...
	local st=$1 why=$2 d=$3
	shift 3
	cp "$st" x.yaml
	rm -f editor-ran
	run env EDITOR="$T/editor" "$@"
	if [ "$RC" = 5 ] && grep -qE "^secretctl: (.*: )?x.yaml $why" "$T/err" && cmp -s "$st" x.yaml &&
		[ ! -e editor-ran ] && ! grep -q 'hunter2\|eve was here\|dropped' "$T/out"; then
		ok "$d: refused (exit 5), says why, shows and writes nothing"
	else
		not_ok "$d (exit $RC)"; diag <"$T/err"
	fi
}
unsigned="is not signed, and ${T//./\\.}/allowed pins its signers: refused$"
by_eve="is signed by ${fp_eve//+/\\+}, not listed in ${T//./\\.}/allowed: refused$"
for st in dropped eve; do
	if [ $st = dropped ]; then why=$unsigned; else why=$by_eve; fi
	refused $st.yaml "$why" "$st: extract" "$SECRETCTL" extract x.yaml -f db/password
	refused $st.yaml "$why" "$st: decrypt" "$SECRETCTL" decrypt x.yaml
	refused $st.yaml "$why" "$st: exec" "$SECRETCTL" exec x.yaml -e db/password -- env
	refused $st.yaml "$why" "$st: render" "$SECRETCTL" render x.yaml t.tmpl
	refused $st.yaml "$why" "$st: edit" "$SECRETCTL" edit x.yaml
	refused $st.yaml "$why" "$st: edit with a signing key (never re-signs it)" \
		env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" edit x.yaml
	refused $st.yaml "$why" "$st: set" env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" set x.yaml db/new </dev/null
	refused $st.yaml "$why" "$st: unset" env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" unset x.yaml db/other
	refused $st.yaml "$why" "$st: rotate" env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" rotate x.yaml
	refused $st.yaml "$why" "$st: recipients add" \
		env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" recipients add x.yaml "$R"
	refused $st.yaml "$why" "$st: verify" "$SECRETCTL" verify x.yaml
	refused $st.yaml "$why" "$st: git-merge (as theirs)" \
		env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" git-merge s.yaml s.yaml x.yaml
done
run sc extract s.yaml -f db/password
assert_out '^hunter2$' "the admin's store: extract gives the value"
run sc verify s.yaml
assert_out '^ok: ' "... verify says ok"

# --- uid 0 of a user namespace (rootless podman's driver) is a user: the
# user's allowed_signers file, not /etc/secretctl's
if [ ! -e /etc/secretctl/allowed_signers ] && unshare -U -r true 2>/dev/null; then
	mkdir -p "$XDG_CONFIG_HOME/secretctl"
	cp allowed "$XDG_CONFIG_HOME/secretctl/allowed_signers"
	run env -u SECRETCTL_ALLOWED_SIGNERS unshare -U -r "$SECRETCTL" extract dropped.yaml -f db/password
	assert_rc 5 "uid 0 of a user namespace: the user's allowed_signers file pins (exit 5)"
	assert_err "^secretctl: dropped.yaml is not signed, and ${XDG_CONFIG_HOME//./\\.}/secretctl/allowed_signers pins its signers: refused$" \
		"... names it"
	rm "$XDG_CONFIG_HOME/secretctl/allowed_signers"
else
	skip "no user namespaces here, or /etc/secretctl/allowed_signers exists"
	skip "... names it"
fi

# --- checked before any key source: no passphrase asked of an unpinned store
echo 'store pass' > pw
sc init p.yaml --from plain.yaml --passphrase --passphrase-file pw --sign-with admin 2>/dev/null || exit 1
sc set p.yaml db/password --drop-signatures --passphrase-file pw <<<"x" || exit 1
run env -u SECRETCTL_IDENTITY "$SECRETCTL" extract p.yaml -f db/password </dev/null
assert_rc 5 "a passphrase store, unpinned, no passphrase: exit 5 (not 4: no key was tried)"
assert_err "^secretctl: p.yaml $unsigned" "... says it is not signed"

# --- edit signs what it writes
cp s.yaml e.yaml
rm -f editor-ran
run env EDITOR="$T/editor" "$SECRETCTL" edit e.yaml
assert_rc 4 "edit of a signed store without a signing key: exit 4"
assert_err "^secretctl: e.yaml is signed \(by SHA256:[^)]+\): a write must sign it too; name a signing key \(\\\$SECRETCTL_SIGNING_KEY or --sign-with FILE\), or give --drop-signatures to write it unsigned$" \
	"... says the ways out"
assert "... before the editor runs, the store unchanged" bash -c '[ ! -e editor-ran ] && cmp -s s.yaml e.yaml'
run env EDITOR="$T/editor" SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" edit e.yaml
assert_rc 0 "edit with \$SECRETCTL_SIGNING_KEY"
run sc extract e.yaml -f db/password
assert_out '^edited$' "... the edit is saved, signed by the pinned key"
cp s.yaml e.yaml
run env EDITOR="$T/editor" "$SECRETCTL" edit e.yaml --sign-with "$T/admin"
run sc extract e.yaml -f db/password
assert_out '^edited$' "edit --sign-with FILE signs"
cp s.yaml e.yaml
run env EDITOR="$T/editor" "$SECRETCTL" edit e.yaml --drop-signatures
assert_rc 0 "edit --drop-signatures"
assert "... writes it unsigned" bash -c '! grep -q "signatures:" e.yaml'
run env EDITOR="$T/editor" "$SECRETCTL" edit s.yaml --drop-signatures --sign-with "$T/admin"
assert_rc 2 "edit --drop-signatures with a signing key: exit 2"

# --- verify checks every signature
{ sed '/^  signatures:$/,$d' s.yaml; sed -n '/^  signatures:$/,$p' eve.yaml; } > spliced.yaml
run env -u SECRETCTL_ALLOWED_SIGNERS "$SECRETCTL" verify spliced.yaml
assert_rc 5 "verify: a signature spliced from another store: exit 5 (nothing pinned)"
assert_err "^secretctl: spliced.yaml: signature 1 \(by ${fp_eve//+/\\+}\): the signature does not verify over the store's bytes$" \
	"... names the signature that does not verify"

# --- verify --repair signs the repaired store
cp s.yaml h.yaml
SECRETCTL_SIGNING_KEY=$T/admin sc set h.yaml db/password <<<"newer" || exit 1
# a hand merge: db/password's token line from h.yaml into s.yaml's text
python3 - s.yaml h.yaml > hand.yaml <<'PY'
import sys
a = open(sys.argv[1]).read().split('\n'); b = open(sys.argv[2]).read().split('\n')
tok = [l for l in b if l.startswith('  password: ')][0]
print('\n'.join(tok if l.startswith('  password: ') else l for l in a), end='')
PY
run sc verify hand.yaml --repair --yes
assert_rc 4 "verify --repair of a signed store without a signing key: exit 4"
assert_err "^secretctl: hand.yaml is signed \(by SHA256:[^)]+\): a write must sign it too" "... says so"
run sc verify hand.yaml --repair --yes --sign-with "$T/admin"
assert_rc 0 "verify --repair --sign-with FILE"
run sc extract hand.yaml -f db/password
assert_out '^newer$' "... the repaired store is signed by the pinned key"
echo "1..$TESTNUM"
