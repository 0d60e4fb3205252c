#!/bin/bash
# Tamper detection: every single-byte flip and deletion inside tokens, slots
# and the mac fails verify and decrypt (exit 5 or 6, never 0) and prints no
# plaintext; swapped, deleted, duplicated and replayed tokens and a removed
# slot are caught.
. "$(dirname "$0")/lib.sh"
need python3

cd "$T"
sc keygen -o id1.txt 2>/dev/null; sc keygen -o id2.txt 2>/dev/null
R1=$(sc keygen -y id1.txt); R2=$(sc keygen -y id2.txt)
cat > plain.yaml <<'YAML'
# top comment here
db:
  user: dbuser-value
  password: hunter2-value   # the password
list:
  - first-item-value
  - second-item-value
YAML
sc encrypt plain.yaml -r "$R1" -r "$R2" -o s.yaml

# Every position in a token's base64, a slot's armor and the mac. (Under
# valgrind, every 8th position, and every 25th secretctl run of those under
# memcheck: verify, decrypt and both extracts take turns, at positions all
# over the store.)
export VG_EVERY=25
SWEEP_EVERY=; want=2000
if short_sweeps; then SWEEP_EVERY=8; want=300; fi
SWEEP_EVERY=$SWEEP_EVERY python3 - s.yaml "$SECRETCTL" <<'PY' >sweep.out
import os, re, subprocess, sys
path, bin = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
pos = []
for m in re.finditer(rb'!enc ([A-Za-z0-9+/=]+)', data):
    pos += range(m.start(1), m.end(1))
m = re.search(rb'  password: !enc ([A-Za-z0-9+/=]+)', data)
pw = range(m.start(1), m.end(1))  # db/password's own token
for m in re.finditer(rb'-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----', data, re.S):
    pos += [i for i in range(m.start(), m.end()) if data[i] not in b' \n']
m = re.search(rb'mac: ([A-Za-z0-9+/=]+)', data)
pos += range(m.start(1), m.end(1))
# make check runs every position; make asan and make valgrind (CI runs all
# three) every 8th, spread over tokens, slots and mac
if os.environ.get('SWEEP_EVERY'):
    pos = pos[::int(os.environ['SWEEP_EVERY'])]
bad = leaked = tried = 0
codes = {}
# every position twice: one bit flipped, and the byte deleted
for i in pos:
    for how in ('flip', 'delete'):
        t = bytearray(data)
        if how == 'flip':
            t[i] ^= 0x01
        else:
            del t[i]
        open('t.yaml', 'wb').write(t)
        r = subprocess.run([bin, 'verify', 't.yaml', '-i', 'id1.txt'], capture_output=True)
        d = subprocess.run([bin, 'decrypt', 't.yaml', '-i', 'id1.txt'], capture_output=True)
        # extract --verify checks the MAC as verify does; plain extract
        # checks the tag of the token it opens
        x = subprocess.run([bin, 'extract', 't.yaml', '--verify', '-f', 'db/password', '-i', 'id1.txt'],
                           capture_output=True)
        outs = [r, d, x]
        if i in pw:
            outs.append(subprocess.run([bin, 'extract', 't.yaml', '-f', 'db/password', '-i', 'id1.txt'],
                                       capture_output=True))
        tried += 1
        codes[r.returncode] = codes.get(r.returncode, 0) + 1
        if any(o.returncode not in (5, 6) for o in outs):
            bad += 1
            print('accepted', how, 'at', i, [o.returncode for o in outs], file=sys.stderr)
        if any(b'value' in o.stdout for o in outs):
            leaked += 1
print(tried, bad, leaked, ' '.join('%d:%d' % kv for kv in sorted(codes.items())))
PY
vg_sample_end
read -r n bad leaked codes < sweep.out
assert "the sweep covers at least $want changed stores ($n${SWEEP_EVERY:+, every ${SWEEP_EVERY}th position: make check runs them all})" [ "$n" -ge "$want" ]
assert "every flip and deletion fails verify, decrypt and extract --verify (and extract of the token's own path) with exit 5 or 6 ($bad accepted; verify codes $codes)" [ "$bad" = 0 ]
assert "no flip or deletion prints plaintext ($leaked)" [ "$leaked" = 0 ]

# Every byte of a small store: the clear text (keys, indentation, anchors,
# aliases, line breaks, '!enc ', '#!enc ') as well as tokens, slots,
# metadata and mac, since the version 2 MAC covers all of them. At each
# position one bit flipped, and the byte deleted: verify and decrypt must
# exit 5 or 6, extract -f too (or 3 when the change took its path away:
# the path is looked up before any key), and none may print anything. The
# two cases of a position use the two identities in turn, so each slot's
# path is taken. (~1.5 KB: some 9 000 runs, ~15 s under make check. Under
# make asan and make valgrind: every 8th position, plus every position of
# the clear text before the metadata that is not base64; every 47th
# secretctl run of those under memcheck.)
printf '# c\na:\n  k: v1-secret\n  l:\n    - v2-secret\nb: &x v3-secret\nc: *x\n' > small.yaml
sc init sm.yaml --from small.yaml -r "$R1" -r "$R2"
export VG_EVERY=47
wantp=1400
if short_sweeps; then wantp=200; fi
SWEEP_EVERY=$SWEEP_EVERY python3 - sm.yaml "$SECRETCTL" <<'PY' >sweep2.out
import os, re, subprocess, sys
path, bin = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
meta = data.index(b'\nsecretctl:\n') + 1
b64 = set()
for m in re.finditer(rb'!enc ([A-Za-z0-9+/=]+)', data):
    b64.update(range(m.start(1), m.end(1)))
clear = [i for i in range(meta) if i not in b64]
pos = list(range(len(data)))
if os.environ.get('SWEEP_EVERY'):
    pos = sorted(set(pos[::int(os.environ['SWEEP_EVERY'])]) | set(clear))
secrets = (b'v1-secret', b'v2-secret', b'v3-secret', b'# c')
def has_path(f, p):
    return subprocess.run([bin, 'ls', f, p], capture_output=True).returncode == 0
bad = printed = cases = 0
codes = [{}, {}, {}]
for i in pos:
    for how in ('flip', 'delete'):
        t = bytearray(data)
        if how == 'flip':
            t[i] ^= 0x01
        else:
            del t[i]
        open('t.yaml', 'wb').write(t)
        ident = 'id%d.txt' % (cases % 2 + 1)
        cases += 1
        outs = [subprocess.run([bin] + c + ['-i', ident], capture_output=True) for c in
                (['verify', 't.yaml'], ['extract', 't.yaml', '-f', 'a/k'], ['decrypt', 't.yaml'])]
        for k, o in enumerate(outs):
            codes[k][o.returncode] = codes[k].get(o.returncode, 0) + 1
        v, x, d = (o.returncode for o in outs)
        if v not in (5, 6) or d not in (5, 6) or not (
                x in (5, 6) or (x == 3 and not has_path('t.yaml', 'a/k'))):
            bad += 1
            print('accepted', how, 'at', i, repr(bytes(data[max(0, i - 8):i + 8])), ident,
                  [o.returncode for o in outs], file=sys.stderr)
        if any(o.stdout for o in outs) or any(s in o.stdout for o in outs for s in secrets):
            printed += 1
fmt = lambda c: ','.join('%d:%d' % kv for kv in sorted(c.items()))
print(len(data), len(pos), len(set(clear) & set(pos)), len(clear), cases, bad, printed,
      fmt(codes[0]), fmt(codes[1]), fmt(codes[2]))
PY
vg_sample_end
read -r size np nclear allclear cases bad printed vcodes xcodes dcodes < sweep2.out
assert "the every-byte sweep covers $np of the $size positions of a store with two slots ($cases changed stores${SWEEP_EVERY:+, every ${SWEEP_EVERY}th position: make check runs them all}), and all $allclear of its clear text ($nclear)" \
	[ "${np:-0}" -ge "$wantp" -a "${nclear:-0}" = "${allclear:-x}" -a "${nclear:-0}" -gt 50 ]
assert "no flip or deletion of any byte is accepted by verify, extract -f or decrypt ($bad accepted; codes: verify $vcodes, extract $xcodes, decrypt $dcodes)" [ "$bad" = 0 ]
assert "no flip or deletion of any byte makes them print anything ($printed)" [ "$printed" = 0 ]

line() { grep -n "$1" s.yaml | head -1 | cut -d: -f1; }
# two tokens swapped
u=$(line '  user: !enc'); p=$(line '  password: !enc')
awk -v u="$u" -v p="$p" 'NR==FNR { l[NR]=$0; next } FNR==u { sub(/user: .*/, "user:" substr(l[p], index(l[p], ":") + 1)) } FNR==p { sub(/password: .*/, "password:" substr(l[u], index(l[u], ":") + 1)) } { print }' s.yaml s.yaml > swap.yaml
run sc decrypt swap.yaml -i id1.txt
assert_rc 5 "two swapped tokens fail the MAC"
assert_err "swap.yaml: the store's MAC does not verify" "the failure names the store"
assert "nothing decrypted is printed" [ ! -s "$T/out" ]
# a key deleted
sed '/  user: !enc/d' s.yaml > del.yaml
run sc decrypt del.yaml -i id1.txt
assert_rc 5 "a deleted key fails the MAC"
assert "nothing decrypted is printed after a MAC failure" [ ! -s "$T/out" ]
# a key duplicated (same mapping: refused as a duplicate; a sequence item: MAC)
sed '/  user: !enc/p' s.yaml > dup.yaml
run sc decrypt dup.yaml -i id1.txt
assert "a duplicated key is refused ($RC)" [ "$RC" = 5 -o "$RC" = 6 ]
sed '/  - !enc/{p;q}' s.yaml > /dev/null
awk '/^  - !enc/ && !d { print; d=1 } { print }' s.yaml > dupitem.yaml
run sc decrypt dupitem.yaml -i id1.txt
assert_rc 5 "a duplicated sequence item fails"
# a token from an older version of the store
old=$(grep '  password: !enc' s.yaml)
printf 'changed' | sc set s.yaml db/password -i id1.txt
grep -v '  password: !enc' s.yaml > /dev/null
awk -v old="$old" '/  password: !enc/ { print old; next } { print }' s.yaml > replay.yaml
run sc decrypt replay.yaml -i id1.txt
assert_rc 5 "a token copied from an older version fails the MAC"
# extract checks the MAC whether --verify (now a no-op) is given or not
run sc extract replay.yaml -f db/password -i id1.txt
assert_rc 5 "extract refuses a token put back from an older version: the MAC"
assert_err "store's MAC does not verify" "extract: the MAC's message"
assert "extract prints nothing" [ ! -s "$T/out" ]
run sc extract replay.yaml --verify -f db/password -i id1.txt
assert_rc 5 "extract --verify refuses it the same way"
run sc install replay.yaml --verify -f db/password pw --dir "$T/inst" --mkdir -i id1.txt
assert "install --verify refuses it too, and writes nothing ($RC)" bash -c "[ $RC = 5 ] && [ ! -e '$T/inst/pw' ]"
printf '#!/bin/sh\necho "podman was run" >&2; exit 99\n' > fakepodman; chmod +x fakepodman
run sc podman replay.yaml --verify -f db/password pw --podman ./fakepodman -i id1.txt
assert "podman --verify refuses it before running podman ($RC)" bash -c "[ $RC = 5 ] && ! grep -q 'podman was run' '$T/err'"
run sc extract swap.yaml -f db/password -i id1.txt
assert_rc 5 "extract: a token moved from another path fails the MAC"
run sc extract del.yaml -f db/password -i id1.txt
assert_rc 5 "extract: another key deleted fails the MAC, for every path"
# a comment token moved onto a value
c=$(grep -o '#!enc [A-Za-z0-9+/=]*' s.yaml | head -1 | cut -c2-)
sed "s|  user: !enc [A-Za-z0-9+/=]*|  user: $c|" s.yaml > cmove.yaml
run sc decrypt cmove.yaml -i id1.txt
assert_rc 5 "a comment token used as a value fails"
run sc extract cmove.yaml -f db/user -i id1.txt
assert_rc 5 "extract: a comment token in a value's place fails its tag"
# a slot whose age payload fails its tag (its header and header MAC are
# intact); the sweep flips such bytes too, but under valgrind only a sample
# of its runs is checked: this path is checked on every run
python3 - s.yaml > badpayload.yaml <<'PY'
import base64, re, sys
t = open(sys.argv[1]).read()
m = re.search(r'-----BEGIN AGE ENCRYPTED FILE-----\n(.*?)\n *-----END AGE ENCRYPTED FILE-----', t, re.S)
indent = re.match(r' *', m.group(1)).group(0)
raw = bytearray(base64.b64decode(''.join(m.group(1).split())))
raw[-1] ^= 1  # the last byte of the payload's tag
enc = base64.b64encode(bytes(raw)).decode()
body = '\n'.join(indent + enc[i:i + 64] for i in range(0, len(enc), 64))
sys.stdout.write(t[:m.start(1)] + body + t[m.end(1):])
PY
run sc verify badpayload.yaml -i id1.txt
assert_rc 5 "a slot whose age payload fails its tag: verify exits 5"
assert_err '^secretctl: key slot 1 .*age payload: chunk 0: does not verify' "... naming the slot and the payload"
run sc decrypt badpayload.yaml -i id1.txt
assert "decrypt refuses it too, printing nothing ($RC)" bash -c "[ $RC = 5 ] && [ ! -s '$T/out' ]"
# a slot removed by hand
python3 - s.yaml > noslot.yaml <<'PY'
import re, sys
t = open(sys.argv[1]).read()
i = t.index('    - recipient:', t.index('    - recipient:') + 1)
j = t.index('-----END AGE ENCRYPTED FILE-----', i) + len('-----END AGE ENCRYPTED FILE-----\n')
print(t[:i] + t[j:], end='')
PY
run sc decrypt noslot.yaml -i id1.txt
assert_rc 5 "a key slot removed by hand fails the MAC"
# a mac of the right length (44) without padding decodes to 33 bytes: it
# once overflowed the 32-byte buffer (found by fuzz_store; ASan sees it)
sed 's|^\(  *mac: \).*|\1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|' s.yaml > mac44.yaml
run sc verify mac44.yaml -i id1.txt
assert_rc 6 "a 44-character mac without padding is malformed (exit 6)"
assert_err "malformed mac" "... and says so"
# extract -e of an empty mapping opens no token: the MAC check of the
# unlock itself is what refuses a changed store there
printf 'empty: {}\nk: v\n' > e.yaml
sc encrypt e.yaml -r "$R1" -o es.yaml
run sc extract es.yaml -e empty -i id1.txt
assert "extract -e of an empty mapping prints nothing, exit 0 ($RC)" bash -c "[ $RC = 0 ] && [ ! -s '$T/out' ]"
sed 's/^k: /K: /' es.yaml > es2.yaml
run sc extract es2.yaml -e empty -i id1.txt
assert_rc 5 "... and fails the MAC of a changed store, though it opens no token"
run sc verify s.yaml -i id1.txt
assert_rc 0 "the untouched store still verifies"
