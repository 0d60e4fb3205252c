#!/bin/bash
# ssh-ed25519 recipients and identities with the real tools: keys from
# ssh-keygen (OpenSSH 9.2), slots opened by age 1.1.1 (`age -d -i KEY`),
# files age -R wrote opened by secretctl's code (agetool), -R files in
# authorized_keys style, the host key source ($SECRETCTL_HOST_KEY; root's
# /etc/ssh/ssh_host_ed25519_key), and every refusal: other key types,
# passphrase-protected keys, truncated, garbled and mismatched key files.
. "$(dirname "$0")/lib.sh"
need ssh-keygen age python3
AT=$TOOLS/agetool
cd "$T" || exit 1

ssh-keygen -q -t ed25519 -N '' -C root@host1 -f host1
ssh-keygen -q -t ed25519 -N '' -C root@host2 -f host2
ssh-keygen -q -t ed25519 -N 'a passphrase' -C user@laptop -f enc
ssh-keygen -q -t rsa -b 1024 -N '' -C rsa@host -f rsa
sc keygen -o admin.txt 2>/dev/null
ADMIN=$(sc keygen -y admin.txt)
printf 'db:\n  password: hunter2\nplain: value\n' > plain.yaml

# -- recipients --
run sc init s.yaml -r "$(cat host1.pub)" -r "$ADMIN" --from plain.yaml
assert_rc 0 "init -r 'ssh-ed25519 ...': a slot for the ssh key"
run sc recipients s.yaml
assert_out "^$(cut -d' ' -f1-3 host1.pub | sed 's/[+/.]/\\&/g')\$" "recipients lists the slot as its ssh line, comment included"
run sc extract s.yaml -f db/password -i host1
if [ "$RC" = 0 ] && [ "$(cat out)" = hunter2 ]; then ok "extract -i ssh_host_key opens the ssh slot"
else not_ok "extract -i host1 (exit $RC)"; diag <err; fi
run env SECRETCTL_HOST_KEY="$T/host1" "$SECRETCTL" extract s.yaml -f db/password -v
assert_rc 0 "extract with \$SECRETCTL_HOST_KEY"
assert_err "^secretctl: key slot 1 \(ssh-ed25519 AAAA[^ ]+ root@host1\) opened with \\\$SECRETCTL_HOST_KEY $T/host1\$" \
	"-v names the slot and the host key source"
run env SECRETCTL_IDENTITY="$T/host2" "$SECRETCTL" extract s.yaml -f db/password
assert_rc 4 "another host's key opens nothing: exit 4"
assert_err "identities found: ssh-ed25519 AAAA[^ ]+ \(\\\$SECRETCTL_IDENTITY $T/host2\)" \
	"the error names the ssh identity found"

# the slot is a standard age file: age -d -i ssh_key opens it
awk '/recipient: ssh-ed25519/{s=1; next} s && /BEGIN AGE/{p=1} p{sub(/^ +/, ""); print} p && /END AGE/{exit}' \
	s.yaml > slot.age
run age -d -i host1 slot.age
if [ "$RC" = 0 ] && [ "$(wc -c <out)" = 32 ]; then ok "age -d -i host1 opens the ssh slot: the 32-byte data key"
else not_ok "age -d -i host1 on the slot (exit $RC)"; diag <err; fi

# add, with another comment: the same key; rm without the comment
run sc recipients add s.yaml "$(cut -d' ' -f1-2 host1.pub) other comment" -i admin.txt
assert_rc 6 "adding the same ssh key again (another comment): exit 6"
assert_err "is already a recipient" "... it is already a recipient"
run sc recipients add s.yaml "$(cat host2.pub)" -i admin.txt
assert_rc 0 "recipients add STORE 'ssh-ed25519 ...'"
run sc extract s.yaml -f plain -i host2
assert_rc 0 "... and the new host opens the store"
run sc recipients rm s.yaml "$(cut -d' ' -f1-2 host2.pub)" -i admin.txt
assert_rc 0 "recipients rm by the key alone (no comment): removed and rotated"
run sc extract s.yaml -f plain -i host2
assert_rc 4 "... the removed host opens nothing any more"

# other types: refused, saying why and what to use
run sc recipients add s.yaml "$(cat rsa.pub)" -i admin.txt
assert_rc 6 "an ssh-rsa recipient: exit 6"
assert_err "^secretctl: ssh key type 'ssh-rsa' is not supported: RSA \(libsodium, secretctl's only crypto library, has no RSA\); use an ssh-ed25519 key \(ssh-keygen -t ed25519; a host's is /etc/ssh/ssh_host_ed25519_key.pub\) or an age recipient$" \
	"... says why (no RSA in libsodium) and what to use"
run sc recipients add s.yaml "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4iIR02hMVWf2aDcGKXF" -i admin.txt
assert_rc 6 "a truncated ssh-ed25519 line: exit 6"
assert_err "^secretctl: ssh public key: " "... an ssh public key message"

# -R FILE: authorized_keys style, as age -R reads it
{ echo "# the fleet"; echo; cat host1.pub; cat host2.pub; echo "$ADMIN"; } > fleet.txt
run sc init r.yaml -R fleet.txt --from plain.yaml
assert_rc 0 "init -R FILE with ssh lines, comments, blank lines and an age1 line"
run sc recipients r.yaml
if [ "$(wc -l <out)" = 3 ] && grep -q 'root@host2$' out; then ok "... three slots, comments kept"
else not_ok "... recipients of r.yaml"; diag <out; fi
for h in host1 host2; do
	run sc extract r.yaml -f plain -i $h
	assert_rc 0 "... $h opens it"
done
run age -R fleet.txt -o fleet.age plain.yaml
run age -d -i host2 fleet.age
assert_rc 0 "age -R reads the same file"
cat rsa.pub >> fleet.txt
run sc init r2.yaml -R fleet.txt --from plain.yaml
assert_rc 6 "-R FILE with an ssh-rsa line: exit 6"
assert_err "^secretctl: fleet.txt: ssh key type 'ssh-rsa' is not supported" "... names the file and the type"
assert "... and no store is left" test ! -e r2.yaml

# the age format both ways, through secretctl's age code (agetool)
if [ -x "$AT" ]; then
	echo "to an ssh key" | age -R host1.pub > a.age
	run_in a.age "$AT" decrypt -i host1
	if [ "$RC" = 0 ] && [ "$(cat out)" = "to an ssh key" ]; then ok "age -R key.pub -> secretctl's ssh identity decrypts"
	else not_ok "agetool decrypt -i host1 (exit $RC)"; diag <err; fi
	echo "from secretctl" | "$AT" encrypt -r "$(cat host2.pub)" > b.age
	run age -d -i host2 b.age
	if [ "$RC" = 0 ] && [ "$(cat out)" = "from secretctl" ]; then ok "secretctl's ssh-ed25519 stanza -> age -d -i key"
	else not_ok "age -d -i host2 (exit $RC)"; diag <err; fi
	run_in b.age "$AT" decrypt -i host1
	assert_rc 4 "... and another ssh key does not open it (exit 4)"
else
	skip "$AT is not built"
fi

# -- bad identity files --
python3 - <<'EOF'
import base64
def blob(path):
    t = open(path).read().splitlines()
    return bytearray(base64.b64decode(''.join(t[1:-1])))
def write(path, b):
    s = base64.b64encode(bytes(b)).decode()
    with open(path, 'w') as f:
        f.write('-----BEGIN OPENSSH PRIVATE KEY-----\n')
        f.write('\n'.join(s[i:i+70] for i in range(0, len(s), 70)) + '\n')
        f.write('-----END OPENSSH PRIVATE KEY-----\n')
a, b = blob('host1'), blob('host2')
pub_a, pub_b = open('host1.pub').read().split()[1], open('host2.pub').read().split()[1]
pa, pb = base64.b64decode(pub_a)[-32:], base64.b64decode(pub_b)[-32:]
m = bytearray(a); i = m.find(pa); m[i:i+32] = pb        # the public blob says host2
write('mismatch', m)
c = bytearray(a); j = c.find(b'ssh-ed25519', c.find(b'ssh-ed25519', 40) + 1) - 8
c[j] ^= 1                                               # first check-int
write('checkint', c)
open('truncated', 'w').write(''.join(open('host1').readlines()[:3]))
g = open('host1').read(); open('garbled', 'w').write(g[:100] + '!' + g[101:])
EOF
chmod 600 mismatch checkint truncated garbled
bad_key() { # FILE EXIT PATTERN DESC
	run sc extract s.yaml -f plain -i "$1"
	assert_rc "$2" "$4: exit $2"
	assert_err "$3" "... $4: says so"
	assert_one_line "... $4: one line"
}
bad_key enc 6 "^secretctl: -i: 'enc': ssh private key: protected by a passphrase \(aes256-ctr with bcrypt-pbkdf\), which secretctl cannot open \(libsodium has no AES or Blowfish\); use an unencrypted copy kept mode 0600 \(ssh-keygen -p -N '' -f COPY\), or an age identity; to sign with such a key, load it into ssh-agent$" \
	"a passphrase-protected ssh key"
bad_key rsa 6 "'rsa': ssh private key: ssh key type 'ssh-rsa' is not supported: RSA" "an ssh-rsa private key"
bad_key mismatch 6 "ssh private key: the private key does not match the public key in the file$" \
	"a key whose public part is another key's"
bad_key checkint 6 "ssh private key: the check-ints differ \(corrupted key\)$" "a key with differing check-ints"
bad_key truncated 6 "ssh private key: no '-----END OPENSSH PRIVATE KEY-----' line \(truncated\)$" "a truncated key file"
bad_key garbled 6 "ssh private key: (not valid base64|bad padding|truncated)" "a garbled key file"
cp host1.pub pub; chmod 600 pub
bad_key pub 6 "'pub': this is an ssh public key: name its private key file \(without .pub\)$" \
	"the .pub file given as -i"
chmod 644 host1
bad_key host1 4 "identity file 'host1' is readable by others \(mode 0644\): chmod 600" "a host key readable by others"
chmod 600 host1

# -- the host key source --
run env SECRETCTL_HOST_KEY="$T/host2" "$SECRETCTL" extract s.yaml -f plain
assert_rc 4 "\$SECRETCTL_HOST_KEY with a key of no slot: exit 4"
assert_err "tried: .*\\\$SECRETCTL_HOST_KEY $T/host2" "... the error lists it among the places tried"
if [ "$(id -u)" = 0 ]; then
	run sc extract s.yaml -f plain
	assert_err "tried: .*/etc/ssh/ssh_host_ed25519_key" "as root, /etc/ssh/ssh_host_ed25519_key is a key source"
	run env SECRETCTL_HOST_KEY= "$SECRETCTL" extract s.yaml -f plain
	if grep -q ssh_host "$T/err"; then not_ok "SECRETCTL_HOST_KEY= (empty) turns root's host key off"
	else ok "SECRETCTL_HOST_KEY= (empty) turns root's host key off"; fi
else
	skip "not root: /etc/ssh/ssh_host_ed25519_key is root's key source"
	skip "not root"
fi
run sc keygen -y host1
assert_out "^$(cut -d' ' -f1-2 host1.pub | sed 's/[+/.]/\\&/g')\$" "keygen -y SSH_KEY prints its ssh recipient line"
echo "1..$TESTNUM"
