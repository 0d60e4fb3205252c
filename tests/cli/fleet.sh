#!/bin/bash
# A simulated fleet: three hosts (their own ssh host keys and HOMEs), one
# admin (an age identity, and an ed25519 signing key whose passphrase
# protects it, held by a real ssh-agent), one bare git repository. The
# admin encrypts to the hosts' ssh-ed25519 lines, signs and pushes; each
# host clones and extracts and installs with only its host key, pinning the
# admin as the one signer. A compromised host, which has the data key,
# rewrites a value with a valid MAC and pushes: every other host refuses it
# (exit 5). Removing a host's recipient rotates the data key, and the
# removed host cannot open the next store.
. "$(dirname "$0")/lib.sh"
need git ssh-keygen ssh-agent ssh-add
cd "$T" || exit 1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org GIT_CONFIG_NOSYSTEM=1

git init -q --bare fleet.git
# the hosts: /etc/ssh/ssh_host_ed25519_key each, named by $SECRETCTL_HOST_KEY
# (root's default path is the same key source)
for h in host1 host2 host3; do
	mkdir -p "$h/etc/ssh" "$h/home" "$h/secrets"
	chmod 700 "$h/secrets"
	ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$h/etc/ssh/ssh_host_ed25519_key"
done
# the admin: an age identity, and a signing key in ssh-agent
mkdir -p admin/home
HOME=$T/admin/home XDG_CONFIG_HOME=$T/admin/home/.config "$SECRETCTL" keygen -o admin/id.txt 2>/dev/null
ssh-keygen -q -t ed25519 -N 'admin pass' -C admin@example.org -f admin/signing
eval "$(ssh-agent -s)" >/dev/null
trap 'kill $SSH_AGENT_PID 2>/dev/null; rm -rf "$T"' EXIT
printf '#!/bin/sh\necho "admin pass"\n' > admin/askpass; chmod +x admin/askpass
SSH_ASKPASS=$T/admin/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ssh-add admin/signing </dev/null 2>/dev/null
echo "admin@example.org namespaces=\"secretctl\" $(cat admin/signing.pub)" > allowed_signers

as_admin() {
	(cd "$T/admin/repo" && env HOME="$T/admin/home" XDG_CONFIG_HOME="$T/admin/home/.config" \
		SECRETCTL_IDENTITY="$T/admin/id.txt" SECRETCTL_SIGNING_KEY="$T/admin/signing.pub" \
		SECRETCTL_ALLOWED_SIGNERS="$T/allowed_signers" "$@")
}
as_host() { # HOST CMD...: only the host key, the admin pinned
	local h=$1; shift
	(cd "$T/$h/repo" && env HOME="$T/$h/home" XDG_CONFIG_HOME="$T/$h/home/.config" \
		SECRETCTL_HOST_KEY="$T/$h/etc/ssh/ssh_host_ed25519_key" \
		SECRETCTL_ALLOWED_SIGNERS="$T/allowed_signers" "$@")
}

# the admin: recipients are the hosts' ssh-ed25519 lines and the admin
git clone -q fleet.git admin/repo 2>/dev/null
cat host1/etc/ssh/ssh_host_ed25519_key.pub host2/etc/ssh/ssh_host_ed25519_key.pub \
	host3/etc/ssh/ssh_host_ed25519_key.pub > admin/repo/hosts.txt
printf 'db:\n  password: "s3cret pass"\napp:\n  env:\n    TOKEN: abc123\n' > admin/plain.yaml
run as_admin "$SECRETCTL" init secrets.yaml -R hosts.txt -r "$("$SECRETCTL" keygen -y admin/id.txt)" \
	--from "$T/admin/plain.yaml"
assert_rc 0 "admin: init -R hosts.txt (three ssh host keys) -r admin, signed through ssh-agent"
run as_admin "$SECRETCTL" recipients secrets.yaml
if [ "$(grep -c '^ssh-ed25519 .* root@host[123]$' out)" = 3 ]; then ok "... three ssh-ed25519 slots, named after their hosts"
else not_ok "... recipients"; diag <out; fi
as_admin git add secrets.yaml hosts.txt && as_admin git commit -qm "secrets for the fleet" &&
	as_admin git push -q origin HEAD:main 2>/dev/null
assert "admin: pushed" git --git-dir=fleet.git rev-parse -q --verify main

for h in host1 host2 host3; do
	git clone -q -b main fleet.git "$h/repo" 2>/dev/null
	run as_host $h "$SECRETCTL" extract secrets.yaml -f db/password
	if [ "$RC" = 0 ] && [ "$(cat out)" = "s3cret pass" ]; then ok "$h: extract with only its host key, the admin's signature pinned"
	else not_ok "$h: extract (exit $RC)"; diag <err; fi
	run as_host $h "$SECRETCTL" install secrets.yaml -e app/env app.env --dir "$T/$h/secrets"
	if [ "$RC" = 0 ] && [ "$(cat "$h/secrets/app.env")" = "TOKEN=abc123" ]; then ok "$h: install -e app/env"
	else not_ok "$h: install (exit $RC)"; diag <err; fi
done

# host3 is compromised: it has the data key, writes a value with a valid
# MAC, signs with its own host key, and pushes
run as_host host3 env SECRETCTL_SIGNING_KEY="$T/host3/etc/ssh/ssh_host_ed25519_key" \
	"$SECRETCTL" set secrets.yaml db/password <<<"attacker's password"
assert_rc 0 "host3 (compromised): set a value, valid MAC, signed with its host key"
as_host host3 git commit -qam "innocent change" && as_host host3 git push -q origin HEAD:main 2>/dev/null
for h in host1 host2; do
	as_host $h git pull -q --ff-only origin main 2>/dev/null
	run as_host $h "$SECRETCTL" extract secrets.yaml -f db/password
	assert_rc 5 "$h: the pushed store is refused (exit 5)"
	fp=$(ssh-keygen -lf host3/etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2)
	assert_err "^secretctl: secrets.yaml is signed by ${fp//+/\\+}, not listed in $T/allowed_signers: refused$" \
		"$h: ... naming the signer found, which is not pinned"
	assert "$h: ... nothing printed" test ! -s "$T/out"
	run as_host $h "$SECRETCTL" install secrets.yaml -e app/env app.env --dir "$T/$h/secrets"
	assert_rc 5 "$h: install refuses it too"
	assert "$h: ... the installed file is the admin's" grep -qx TOKEN=abc123 "$h/secrets/app.env"
done
# unsigned, the same
run as_host host3 env SECRETCTL_ALLOWED_SIGNERS= "$SECRETCTL" set secrets.yaml db/password \
	--drop-signatures <<<"unsigned"
as_host host3 git commit -qam "drop" && as_host host3 git push -q origin HEAD:main 2>/dev/null
as_host host1 git pull -q --ff-only origin main 2>/dev/null
run as_host host1 "$SECRETCTL" extract secrets.yaml -f db/password
assert_rc 5 "host1: an unsigned store from the compromised host: exit 5"
assert_err "is not signed, and .* pins its signers" "host1: ... says it is not signed"

# the admin takes the store back, removes host3 (the data key rotates)
as_admin git fetch -q origin 2>/dev/null && as_admin git reset -q --hard origin/main
as_admin git checkout -q HEAD~2 -- secrets.yaml
run as_admin "$SECRETCTL" recipients secrets.yaml rm "$(cut -d' ' -f1,2 host3/etc/ssh/ssh_host_ed25519_key.pub)"
assert_rc 0 "admin: recipients rm host3 (rotates the data key), signed"
as_admin git commit -qam "remove host3" && as_admin git push -q origin HEAD:main 2>/dev/null
for h in host1 host2 host3; do as_host $h git pull -q --ff-only origin main 2>/dev/null; done
run as_host host1 "$SECRETCTL" extract secrets.yaml -f db/password
if [ "$RC" = 0 ] && [ "$(cat out)" = "s3cret pass" ]; then ok "host1: the admin's new store opens"
else not_ok "host1 after the removal (exit $RC)"; diag <err; fi
run as_host host3 "$SECRETCTL" extract secrets.yaml -f db/password
assert_rc 4 "host3: removed, it cannot open the next store (exit 4)"
run as_host host3 "$SECRETCTL" extract secrets.yaml -f db/password \
	-i "$T/host3/etc/ssh/ssh_host_ed25519_key"
assert_rc 4 "... not even with -i its key"
assert_err "no identity matches a recipient of the store" "... no slot names it"
# examples/fleet/allowed_signers: accepts a store its key signed, for
# secretctl and for ssh-keygen -Y verify alike
cp "$TOP/tests/data/ssh/ed25519" example_key; chmod 600 example_key
run env SECRETCTL_IDENTITY="$T/admin/id.txt" "$SECRETCTL" init ex.yaml --from admin/plain.yaml \
	-r "$("$SECRETCTL" keygen -y admin/id.txt)" --sign-with example_key
run env SECRETCTL_IDENTITY="$T/admin/id.txt" SECRETCTL_ALLOWED_SIGNERS="$TOP/examples/fleet/allowed_signers" \
	"$SECRETCTL" extract ex.yaml -f db/password
assert_rc 0 "examples/fleet/allowed_signers pins the key that signed"
sed '/^  signatures:$/,$d' ex.yaml > ex.payload
sed -n '/^  signatures:$/,$p' ex.yaml | sed -n '/BEGIN SSH SIGNATURE/,/END SSH SIGNATURE/s/^ *//p' > ex.sig
run ssh-keygen -Y verify -f "$TOP/examples/fleet/allowed_signers" -I admin@example.org -n secretctl \
	-s ex.sig < ex.payload
assert_rc 0 "... and ssh-keygen -Y verify accepts the same file and signature"
echo "1..$TESTNUM"
