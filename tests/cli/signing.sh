#!/bin/bash
# Signed stores and pinned signers with the real tools: ssh-keygen -Y
# verify accepts secretctl's signatures (cut out of the store as FORMAT.md
# 5.4 says), secretctl accepts ssh-keygen -Y sign's, signing through a real
# ssh-agent with a passphrase-protected key, a signed store stays signed,
# and an allowed_signers file refuses unsigned stores, unlisted signers,
# expired lines, other namespaces and signatures over other bytes.
. "$(dirname "$0")/lib.sh"
need ssh-keygen ssh-agent ssh-add age-keygen
cd "$T" || exit 1

sc keygen -o id.txt 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -C admin@example.org -f admin
ssh-keygen -q -t ed25519 -N '' -C eve@example.org -f eve
ssh-keygen -q -t ed25519 -N 'agent pass' -C hw@example.org -f agentkey
printf 'db:\n  password: hunter2\n' > plain.yaml
echo "admin@example.org namespaces=\"secretctl\" $(cat admin.pub)" > allowed
export SECRETCTL_IDENTITY=$T/id.txt

# the recipe of FORMAT.md 5.4: cut the payload and the signature out
cut_payload() { sed '/^  signatures:$/,$d' "$1"; }
cut_sig() { sed -n '/^  signatures:$/,$p' "$1" | sed -n '/BEGIN SSH SIGNATURE/,/END SSH SIGNATURE/s/^ *//p'; }

run sc init s.yaml --from plain.yaml --sign-with admin -r "$(sc keygen -y id.txt)"
assert_rc 0 "init --sign-with KEY: a signed store"
assert "... it has a signatures field right after the mac line" \
	bash -c "grep -A1 '^  mac: ' s.yaml | tail -1 | grep -qx '  signatures:'"
cut_payload s.yaml > payload; cut_sig s.yaml > payload.sig
run ssh-keygen -Y verify -f allowed -I admin@example.org -n secretctl -s payload.sig < payload
assert_rc 0 "ssh-keygen -Y verify accepts secretctl's signature over the cut payload"
run sc ls s.yaml
assert_rc 0 "ls reads a signed store"
run env SECRETCTL_ALLOWED_SIGNERS="$T/allowed" "$SECRETCTL" extract s.yaml -f db/password
assert_out '^hunter2$' "extract with the admin pinned: the value"

# a signed store stays signed
cp s.yaml before.yaml
run sc set s.yaml db/password <<<"x"
assert_rc 4 "a write without a signing key: exit 4"
assert_err "^secretctl: s.yaml is signed \(by SHA256:[^)]+\): a write must sign it too; name a signing key \(\\\$SECRETCTL_SIGNING_KEY or --sign-with FILE\), or give --drop-signatures to write it unsigned$" \
	"... says why and the ways out"
assert "... and changes nothing" cmp -s s.yaml before.yaml
run env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" set s.yaml db/password <<<"s3"
assert_rc 0 "\$SECRETCTL_SIGNING_KEY: the write signs"
cut_payload s.yaml > p2; cut_sig s.yaml > p2.sig
run ssh-keygen -Y verify -f allowed -I admin@example.org -n secretctl -s p2.sig < p2
assert_rc 0 "... a new signature over the new bytes"
run sc set s.yaml db/password --drop-signatures --sign-with admin <<<"x"
assert_rc 2 "--drop-signatures with a signing key: exit 2"
cp s.yaml signed.yaml
run sc set s.yaml db/other --drop-signatures <<<"v"
assert_rc 0 "--drop-signatures writes it unsigned"
if grep -q 'signatures:' s.yaml; then not_ok "... but a signature is left"; else ok "... no signature left"; fi

# pinned signers
pin() { run env SECRETCTL_ALLOWED_SIGNERS="$1" "$SECRETCTL" extract "$2" -f db/password; }
pin "$T/allowed" s.yaml
assert_rc 5 "pinned, unsigned store: exit 5"
assert_err "^secretctl: s.yaml is not signed, and $T/allowed pins its signers: refused$" "... says so"
cp signed.yaml s.yaml
run env SECRETCTL_SIGNING_KEY="$T/eve" "$SECRETCTL" set s.yaml db/password <<<"eve was here"
assert_rc 0 "another key signs a write (a host that has the data key)"
pin "$T/allowed" s.yaml
assert_rc 5 "pinned, signed by an unlisted key: exit 5"
fp=$(ssh-keygen -lf eve.pub | cut -d' ' -f2)
assert_err "^secretctl: s.yaml is signed by ${fp//+/\\+}, not listed in $T/allowed: refused$" "... names the signer found"
assert "... and prints no value" test ! -s "$T/out"
cp signed.yaml s.yaml
echo "admin@example.org namespaces=\"git\" $(cat admin.pub)" > ns-git
pin "$T/ns-git" s.yaml
assert_rc 5 "pinned for namespace git only: exit 5"
assert_err "allowed in $T/ns-git but its allowed-signers line has no \"secretctl\" in namespaces=" "... says why"
echo "admin@example.org valid-before=\"20200101Z\" $(cat admin.pub)" > expired
pin "$T/expired" s.yaml
assert_rc 5 "pinned by an expired line (valid-before): exit 5"
assert_err "but its allowed-signers line has expired \(valid-before\)" "... says it expired"
run ssh-keygen -Y verify -f expired -I admin@example.org -n secretctl -s p2.sig < p2
assert_rc 255 "... as ssh-keygen -Y verify refuses it"
printf '# ok\nadmin@example.org namespaces="secretctl ssh-ed25519 AAAA\n' > broken
pin "$T/broken" s.yaml
assert_rc 6 "an allowed-signers file with a syntax error: exit 6"
assert_err "^secretctl: $T/broken: line 2, column 19: unterminated quoted string$" "... names line and column"
pin "$T/missing" s.yaml
assert_rc 3 "\$SECRETCTL_ALLOWED_SIGNERS naming a missing file: exit 3 (never unpinned)"
pin "" s.yaml
assert_rc 0 "\$SECRETCTL_ALLOWED_SIGNERS= (empty): nothing pinned"

# ssh-keygen -Y sign's signatures are accepted: the recipe's other direction
cut_payload signed.yaml > p3
ssh-keygen -Y sign -n secretctl -f admin p3 2>/dev/null
{ cat p3; echo "  signatures:"; echo "    - |"; sed 's/^/      /' p3.sig; } > kg.yaml
pin "$T/allowed" kg.yaml
assert_rc 0 "a signature by ssh-keygen -Y sign -n secretctl is accepted"
rm -f p3.sig; ssh-keygen -Y sign -n git -f admin p3 2>/dev/null
{ cat p3; echo "  signatures:"; echo "    - |"; sed 's/^/      /' p3.sig; } > git.yaml
pin "$T/allowed" git.yaml
assert_rc 5 "a signature for namespace git: exit 5"
assert_err "is for namespace 'git', not 'secretctl'" "... says so"
run sc extract git.yaml -f db/password
assert_rc 5 "... even with nothing pinned"
# a signature over other bytes (an older version of the store, valid MAC)
{ cut_payload s.yaml; sed -n '/^  signatures:$/,$p' kg.yaml; } > other.yaml
cp s.yaml s0.yaml
run env SECRETCTL_SIGNING_KEY="$T/admin" "$SECRETCTL" set s.yaml db/password <<<"new"
{ cut_payload s.yaml; sed -n '/^  signatures:$/,$p' s0.yaml; } > stale.yaml
pin "$T/allowed" stale.yaml
assert_rc 5 "a signature over other bytes (the previous version's): exit 5"
assert_err "^secretctl: stale.yaml: signature 1 \(by SHA256:[^)]+\): the signature does not verify over the store's bytes$" \
	"... says it does not verify"
run sc ls stale.yaml
assert_rc 0 "... ls, which checks nothing, still lists it"
sed 's/^      U1NIU0lH/      XXXXXXXX/' signed.yaml > garbled.yaml
pin "$T/allowed" garbled.yaml
assert_rc 6 "a garbled signature: exit 6"
assert_err "line [0-9]+: signature 1: ssh signature: " "... names the line"

# allowed_signers lines: secretctl and ssh-keygen -Y verify agree on each
cut_payload signed.yaml > ag.payload; cut_sig signed.yaml > ag.sig
agree() { # WANT(accept|refuse) OPTIONS DESCRIPTION
	local want=$1 kg sc_rc
	echo "admin@example.org $2 $(cat admin.pub)" > ag.allowed
	ssh-keygen -Y verify -f ag.allowed -I admin@example.org -n secretctl -s ag.sig <ag.payload >/dev/null 2>&1
	kg=$?
	run env SECRETCTL_ALLOWED_SIGNERS="$T/ag.allowed" "$SECRETCTL" extract signed.yaml -f db/password
	sc_rc=$RC
	if { [ "$want" = accept ] && [ $kg = 0 ] && [ $sc_rc = 0 ]; } ||
		{ [ "$want" = refuse ] && [ $kg != 0 ] && [ $sc_rc != 0 ] && [ ! -s "$T/out" ]; }; then
		ok "allowed_signers $2: both ${want}"
	else
		not_ok "allowed_signers $2: ssh-keygen exit $kg, secretctl exit $sc_rc, want $want"; diag <"$T/err"
	fi
}
agree refuse 'namespaces="!secretctl,*"' "negation wins"
agree refuse 'namespaces="*,!secretctl"' "negation wins, in any order"
agree accept 'namespaces="*,!git"' "a negation of another namespace"
agree accept 'namespaces="secret*"' "a wildcard"
agree accept 'namespaces="s?cretctl"' "a ? wildcard"
agree refuse 'namespaces="secret"' "a prefix is not a match"
agree refuse 'namespaces="git",namespaces="secretctl"' "two namespaces= clauses"
agree refuse 'valid-before="19700101Z"' "valid-before 0"
agree refuse 'valid-after="19700101Z"' "valid-after 0"
agree refuse 'valid-after="20200101Z",valid-after="20200102Z"' "two valid-after= clauses"
agree refuse 'valid-after="20300101Z",valid-before="20200101Z"' "valid-before before valid-after"
agree refuse 'valid-after="20200101Z",valid-before="20200101Z"' "valid-before equal to valid-after"
agree accept 'valid-after="20200101Z",valid-before="29990101Z"' "a window around now"
agree refuse 'valid-after="29990101Z"' "not valid yet"
echo "admin@example.org namespaces=\"git\",namespaces=\"secretctl\" $(cat admin.pub)" > twice
pin "$T/twice" signed.yaml
assert_rc 6 "two namespaces= clauses: a syntax error (exit 6)"
assert_err "^secretctl: $T/twice: line 1, column 36: multiple namespaces= clauses$" "... names line and column"
echo "admin@example.org valid-after=\"20300101Z\",valid-before=\"20200101Z\" $(cat admin.pub)" > window
pin "$T/window" signed.yaml
assert_rc 6 "valid-before before valid-after: exit 6"
assert_err "^secretctl: $T/window: line 1, column 19: valid-before= is not after valid-after=$" "... says so"
echo "admin@example.org valid-before=\"19700101Z\" $(cat admin.pub)" > zero
pin "$T/zero" signed.yaml
assert_rc 6 "valid-before 0 (19700101Z): exit 6"
assert_err "^secretctl: $T/zero: line 1, column 32: bad time \(YYYYMMDD\[HHMM\[SS\]\]\[Z\]\)$" "... a bad time"

# ssh-agent: a passphrase-protected key signs through the agent
eval "$(ssh-agent -s)" >/dev/null
trap 'kill $SSH_AGENT_PID 2>/dev/null; rm -rf "$T"' EXIT
printf '#!/bin/sh\necho "agent pass"\n' > askpass; chmod +x askpass
SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ssh-add agentkey </dev/null 2>/dev/null
run sc set s.yaml db/password --sign-with agentkey.pub <<<"from the agent"
assert_rc 0 "--sign-with KEY.pub signs through ssh-agent (a passphrase-protected key)"
echo "hw@example.org $(cat agentkey.pub)" > allowed-hw
pin "$T/allowed-hw" s.yaml
assert_out '^from the agent$' "... and the agent's signature is pinned and accepted"
cut_payload s.yaml > p4; cut_sig s.yaml > p4.sig
run ssh-keygen -Y verify -f allowed-hw -I hw@example.org -n secretctl -s p4.sig < p4
assert_rc 0 "... ssh-keygen -Y verify accepts it"
ssh-add -D 2>/dev/null
run sc set s.yaml db/password --sign-with agentkey.pub <<<"x"
assert_rc 4 "the agent without that key: exit 4"
assert_err "ssh-agent refused to sign with SHA256:.* \(agentkey.pub\): is its private key loaded \(ssh-add -l\)\?$" "... says so"
run env -u SSH_AUTH_SOCK "$SECRETCTL" set s.yaml db/password --sign-with agentkey.pub <<<"x"
assert_rc 4 "a .pub signing key without \$SSH_AUTH_SOCK: exit 4"
assert_err "is a public key and \\\$SSH_AUTH_SOCK is unset" "... says so"
chmod 644 admin
run sc set s.yaml db/password --sign-with admin <<<"x"
assert_rc 4 "a signing key file readable by others: exit 4"
chmod 600 admin
run sc set s.yaml db/password --sign-with agentkey <<<"x"
assert_rc 6 "a passphrase-protected signing key file: exit 6"
assert_err "load it into ssh-agent" "... says to use ssh-agent"
echo "1..$TESTNUM"
