#!/bin/bash
# docs/FORMAT.md's recovery recipe, run as printed there against real stores:
# age opens the data key, Python (PyNaCl, PyYAML) checks the MAC and rebuilds
# the plaintext view byte for byte; a tampered store is refused.
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

# tampering is refused: swapped tokens, a removed slot, a changed data_key
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
