#!/bin/bash
# docs/FORMAT.md's recovery recipe, run as printed there against real stores:
# age opens the data key, Python (PyNaCl, PyYAML) checks the version 2 MAC
# and rebuilds the plaintext view byte for byte; a store changed anywhere,
# clear text included, is refused. The data-key one-liner prints the data
# key, with which the MAC computed here as FORMAT.md defines it matches.
# A version 1 store made by hand (section 10) upgrades to the same store.
. "$(dirname "$0")/lib.sh"
need age
# Debian's python3 (the packages python3-nacl and python3-yaml live there)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { skip "python3 is not installed"; exit 0; }
if ! "$PY" -c 'import nacl.bindings, yaml' 2>/dev/null; then
	skip "PyNaCl or PyYAML missing (Debian: python3-nacl python3-yaml)"; exit 0
fi

cd "$T"
DOC=$TOP/docs/FORMAT.md
sed -n '/^```python$/,/^```$/p' "$DOC" | sed '1d;$d' > recover.py
assert "FORMAT.md holds the recovery script" grep -q 'xchacha' recover.py
# the data-key one-liner: the sh block that runs age -d
awk '/^```sh$/ { on = 1; b = ""; next } on && /^```$/ { on = 0; if (b ~ /age -d -i/) print b; next } on { b = b $0 "\n" }' "$DOC" |
	sed "s|python3 |$PY |" > datakey.sh
assert "FORMAT.md holds the data-key command" grep -q 'age -d -i identity.txt' datakey.sh

sc keygen -o identity.txt 2>/dev/null
sc keygen -o other.txt 2>/dev/null
R=$(sc keygen -y identity.txt); R2=$(sc keygen -y other.txt)
recover() { # STORE: the recipe's output in $T/out, status in $RC
	run "$PY" recover.py "$1" identity.txt
}

for variant in sample crlf nofinal; do
	case $variant in
	sample) cp "$TOP/tests/data/sample.yaml" plain.yaml ;;
	crlf) sed 's/$/\r/' "$TOP/tests/data/sample.yaml" > plain.yaml ;;
	nofinal) printf 'a: 1   # one\nb:\n  c: "two"\n# trailing\nd: x' > plain.yaml ;;
	esac
	rm -f store.yaml
	sc encrypt plain.yaml -r "$R2" -r "$R" -o store.yaml
	recover store.yaml
	assert_rc 0 "$variant: the recipe opens the store (second slot)"
	assert "$variant: it rebuilds the plaintext view byte for byte" cmp -s "$T/out" plain.yaml
	sc decrypt store.yaml -i identity.txt > dec.yaml
	assert "$variant: the same bytes as secretctl decrypt" cmp -s "$T/out" dec.yaml
done

# every secret's value, through yaml.safe_load of the rebuilt view
cp "$TOP/tests/data/sample.yaml" plain.yaml
rm -f store.yaml
sc encrypt plain.yaml -r "$R" -o store.yaml
printf 'new value with spaces' | sc set store.yaml app/env/DB_PASSWORD -i identity.txt
"$PY" recover.py store.yaml identity.txt > rec.yaml
bad=""
# (under valgrind: every 3rd extract of this loop under memcheck)
export VG_EVERY=3
for p in $(sc ls store.yaml | grep -v ' '); do
	want=$(sc extract store.yaml -f "$p" -i identity.txt 2>/dev/null | base64 -w0) || continue
	got=$("$PY" -c 'import sys, yaml, base64
v = yaml.safe_load(open(sys.argv[1]))
for s in sys.argv[2].split("/"):
    v = v[int(s)] if isinstance(v, list) else v[s]
b = v if isinstance(v, bytes) else ("" if v is None else str(v)).encode()
sys.stdout.write(base64.b64encode(b).decode())' rec.yaml "$p")
	[ "$want" = "$got" ] || bad="$bad $p"
done
vg_sample_end
assert "every value from the recipe equals extract -f${bad:+ (differs:$bad)}" [ -z "$bad" ]

# the data key alone
run bash datakey.sh
assert "the data-key command prints 32 bytes" bash -c "[ $RC = 0 ] && [ \$(tr -d ' \n' < '$T/out' | wc -c) = 64 ]"
# with it, the MAC as FORMAT.md defines it (not the recipe's code): keyed
# BLAKE2b-256 (k_mac: id 3, "sctl_mac") of the domain, the mac value's byte
# offset a and every byte of the file but the value [a, a + 44)
macv2() { # STORE HEXKEY: prints the MAC computed by hand and the mac value
	"$PY" - "$1" "$2" <<'PY'
import base64, hashlib, re, sys
raw, key = open(sys.argv[1], "rb").read(), bytes.fromhex(sys.argv[2])
k_mac = hashlib.blake2b(key=key, digest_size=32, salt=(3).to_bytes(8, "little") + bytes(8),
                        person=b"sctl_mac" + bytes(8)).digest()
m = list(re.finditer(rb"^ *mac: ([A-Za-z0-9+/=]{44})\r?$", raw, re.M))[-1]
a, b = m.span(1)
mac = hashlib.blake2b(b"secretctl/v2/mac\0" + a.to_bytes(8, "big") + raw[:a] + raw[b:],
                      digest_size=32, key=k_mac).digest()
print(base64.b64encode(mac).decode(), raw[a:b].decode())
PY
}
read -r mac want < <(macv2 store.yaml "$(tr -d ' \n' < "$T/out")")
assert "with the data key it prints, the MAC computed by hand is the store's" \
	bash -c "[ -n '$mac' ] && [ '$mac' = '$want' ]"
# the same with CRLF line ends (the one-liner reads store.yaml)
cp store.yaml sample.store
sed 's/$/\r/' "$TOP/tests/data/sample.yaml" > crlf.yaml
rm -f store.yaml
sc encrypt crlf.yaml -r "$R" -o store.yaml
run bash datakey.sh
read -r mac want < <(macv2 store.yaml "$(tr -d ' \n' < "$T/out")")
assert "the same with CRLF line ends (every byte counts, CRs too)" \
	bash -c "[ -n '$mac' ] && [ '$mac' = '$want' ]"
cp sample.store store.yaml

# tampering is refused: swapped tokens, a removed slot, and changes to the
# clear text that only version 2's MAC covers
awk '/DB_PASSWORD: !enc/ { a = $0; next } /API_TOKEN: !enc/ { print; print a; next } { print }' store.yaml > swapped.yaml
recover swapped.yaml
assert "tokens moved around: the recipe refuses the store" bash -c "[ $RC != 0 ] && grep -q 'MAC does not verify' '$T/err'"
sc encrypt plain.yaml -r "$R" -r "$R2" -o two.yaml
# drop the second slot (three lines of the armor change nothing else)
"$PY" - two.yaml > oneslot.yaml <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
starts = [i for i, l in enumerate(lines) if l.startswith("    - recipient: ")]
end = next(i for i, l in enumerate(lines) if l.startswith("  mac: "))
sys.stdout.write("\n".join(lines[:starts[1]] + lines[end:]))
PY
recover oneslot.yaml
assert "a removed slot: the recipe refuses the store" bash -c "[ $RC != 0 ] && grep -q 'MAC does not verify' '$T/err'"
run sc verify oneslot.yaml -i identity.txt
assert_rc 5 "and secretctl verify agrees (exit 5)"
refused() { # FILE DESC: the recipe refuses FILE, and secretctl verify too (exit 5)
	recover "$1"
	assert "$2: the recipe refuses the store" bash -c "[ $RC != 0 ] && grep -q 'MAC does not verify' '$T/err' && [ ! -s '$T/out' ]"
	run sc verify "$1" -i identity.txt
	assert_rc 5 "$2: secretctl verify refuses it too (exit 5)"
}
recover store.yaml
assert_rc 0 "the untouched store opens"
sed '2s/$/\n/' store.yaml > blank.yaml
refused blank.yaml "a blank line added in clear text"
awk '/^secretctl:/ { print "leak: *pw" } { print }' store.yaml > alias.yaml
refused alias.yaml "an alias of an anchored token added at a new key"
sed 's/^\(    \)API_TOKEN:/\1API_TOKEN2:/' store.yaml > renamed.yaml
refused renamed.yaml "a key renamed"
{ cat store.yaml; echo; } > after.yaml
refused after.yaml "a line added after the metadata block"

# --- version 1 (FORMAT.md section 10): a store rewritten by hand as version
# 1, its MAC computed as that section defines it; upgrade takes it back to
# the same version 2 store, and refuses one whose version 1 MAC fails
to_v1() { # V2STORE IDENTITY > V1STORE
	"$PY" - "$1" "$2" <<'PY'
import base64, hashlib, hmac, re, subprocess, sys
import yaml
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")
root = yaml.compose(text, Loader=yaml.SafeLoader)
meta_key, meta = next((k, v) for k, v in root.value if k.value == "secretctl")
fields = {k.value: v for k, v in meta.value}
slots = [{k.value: v.value for k, v in s.value} for s in fields["keys"].value]
for s in slots:
    r = subprocess.run(["age", "-d", "-i", sys.argv[2]], input=s["data_key"].encode(),
                       capture_output=True)
    if r.returncode == 0:
        data_key = r.stdout
k_mac1 = hashlib.blake2b(key=data_key, digest_size=32, salt=(2).to_bytes(8, "little") + bytes(8),
                         person=b"sctl_mac" + bytes(8)).digest()
def lp(s):
    return len(s).to_bytes(4, "big") + s
# every token in file order: values at their canonical path, comments
tokens, seen = [], set()
def walk(node, path):
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if not (node is root and k.value == "secretctl"):
                walk(v, path + lp(k.value.encode()))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            walk(v, path + lp(str(i).encode()))
    elif node.tag == "!enc":
        tokens.append((node.start_mark.index, b"v", path, node.value))
walk(root, b"")
meta_start = meta_key.start_mark.index
for m in re.finditer(r"#!enc ([A-Za-z0-9+/=]+)", text):
    if m.start() < meta_start:
        tokens.append((m.start(), b"c", b"", m.group(1)))
tokens.sort()
h = hmac.new(k_mac1, b"secretctl/v1/mac\0", hashlib.sha512)
for s in slots:
    h.update(s.get("recipient", "scrypt").encode() + b"\0")
for _, kind, path, b64 in tokens:
    h.update(kind + lp(path) + lp(base64.b64decode(b64)))
for s in slots:
    h.update(lp(b"data_key") + lp(s["data_key"].encode()))
if "final_newline" in fields and fields["final_newline"].value == "false":
    h.update(lp(b"final_newline") + lp(b"false"))
mac = fields["mac"]
a, b = (len(text[:m.index].encode()) for m in (mac.start_mark, mac.end_mark))
v = fields["version"]
va, vb = (len(text[:m.index].encode()) for m in (v.start_mark, v.end_mark))
out = raw[:va] + b"1" + raw[vb:a] + base64.b64encode(h.digest()[:32]) + raw[b:]
sys.stdout.buffer.write(out)
PY
}
for variant in sample nofinal; do
	case $variant in
	sample) cp "$TOP/tests/data/sample.yaml" plain.yaml ;;
	nofinal) printf '# c\na: 1   # one\nb:\n  - "two"\n# trailing\nd: x' > plain.yaml ;;
	esac
	rm -f v2.yaml
	sc encrypt plain.yaml -r "$R2" -r "$R" -o v2.yaml
	to_v1 v2.yaml identity.txt > v1.yaml
	assert "$variant: the version 1 store differs in its version and mac lines only" \
		bash -c "[ \$(diff v2.yaml v1.yaml | grep -c '^>') = 2 ] && grep -q '^  version: 1' v1.yaml"
	run sc decrypt v1.yaml -i identity.txt
	assert_rc 6 "$variant: a version 1 store is refused but by upgrade"
	cp v1.yaml up.yaml
	run sc upgrade up.yaml -i identity.txt --yes
	assert_rc 0 "$variant: upgrade takes the version 1 store"
	assert "$variant: and writes the same version 2 store, byte for byte" cmp -s up.yaml v2.yaml
	# what only the version 1 MAC covers: the set of tokens, the slots' order
	sed '/^[^#]*#!enc /d' v1.yaml > nocomment.yaml
	"$PY" - v1.yaml > slots.yaml <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
s = [i for i, l in enumerate(lines) if l.startswith("    - recipient: ")]
end = next(i for i, l in enumerate(lines) if l.startswith("  mac: "))
sys.stdout.write("\n".join(lines[:s[0]] + lines[s[1]:end] + lines[s[0]:s[1]] + lines[end:]))
PY
	for f in nocomment slots; do
		cp $f.yaml up.yaml
		run sc upgrade up.yaml -i identity.txt
		assert "$variant: upgrade refuses a version 1 store whose version 1 MAC fails ($f; exit $RC), leaving it" \
			bash -c "[ $RC = 5 ] && cmp -s up.yaml $f.yaml && grep -q 'version 1 MAC does not verify' '$T/err'"
	done
	cp v2.yaml up.yaml
	run sc upgrade up.yaml -i identity.txt
	assert "$variant: upgrade of a version 2 store changes nothing" bash -c "[ $RC = 0 ] && cmp -s up.yaml v2.yaml"
done
