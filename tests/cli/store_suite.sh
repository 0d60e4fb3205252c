#!/bin/bash
# Real encryption round trip on the YAML test suite: every case that libyaml
# reads as one document whose top level is a block mapping with scalar keys
# (splicetool classify) goes through `secretctl encrypt` and `decrypt` and
# comes back byte for byte; the store verifies, lists the same keys, and
# holds no value or comment text of 4 bytes or more in clear. Also with
# CRLF line breaks and without a final line break.
. "$(dirname "$0")/lib.sh"
need_shared yaml-test-suite
ST="$TOOLS/splicetool"
[ -x "$ST" ] || { not_ok "splicetool is not built ($ST)"; exit 1; }
cd "$T"
sc keygen -o id.txt 2>/dev/null
R=$(sc keygen -y id.txt)
export SECRETCTL_IDENTITY="$T/id.txt"

SUITE="$SHARED/testdata/yaml-test-suite"
n=0
# under valgrind: every 61st secretctl run under memcheck (4 runs per case:
# encrypt, decrypt, verify and ls take turns)
export VG_EVERY=61
# make check runs each case as given, with CRLF and without the final line
# break; make asan and make valgrind (CI runs all three) as given only
variants="p crlf nonl"
if short_sweeps; then variants=p; export VG_EVERY=21; fi
while IFS= read -r f; do
	kind=$("$ST" classify "$f")
	id=${f#"$SUITE"/}; id=${id%/in.yaml}
	if [ "$kind" = tagbang ]; then
		run sc encrypt "$f" -r "$R"
		assert_rc 6 "$id: %TAG redefining '!' is refused"
		continue
	fi
	if [ "$kind" = keyalias ]; then
		run sc encrypt "$f" -r "$R"
		assert_rc 6 "$id: an alias of a key used as a value is refused"
		continue
	fi
	[ "$kind" = mapping ] || continue
	[ -f "$(dirname "$f")/error" ] && continue # invalid YAML libyaml accepts
	n=$((n + 1))
	cp "$f" p.yaml
	sed 's/$/\r/' "$f" > crlf.yaml
	head -c -1 "$f" > nonl.yaml
	for v in $variants; do
		grep -q $'\r' "$f" && [ $v = crlf ] && continue
		rm -f s.yaml
		if ! sc encrypt $v.yaml -r "$R" -o s.yaml 2>err.txt; then
			not_ok "$id ($v): encrypt failed"; diag < err.txt; continue
		fi
		sc decrypt s.yaml > back.yaml 2>err.txt
		if ! cmp -s back.yaml $v.yaml; then
			not_ok "$id ($v): decrypt(encrypt(x)) != x"; diag < err.txt; continue
		fi
		if ! sc verify s.yaml >/dev/null 2>err.txt || ! sc ls s.yaml >/dev/null 2>>err.txt; then
			not_ok "$id ($v): verify or ls failed"; diag < err.txt; continue
		fi
		# no piece of a value or comment of 4+ bytes in clear, unless the
		# same text stands in clear as a key or in the structure anyway
		leak=$("$ST" regions $v.yaml 2>/dev/null | python3 -c '
import re, sys
store = open("s.yaml", encoding="latin-1").read()
store = store[:store.rfind("secretctl:")]
# the payloads are random base64: a short word may turn up in them by chance
store = re.sub(r"!enc [A-Za-z0-9+/=]+", "!enc", store)
plain = open(sys.argv[1], encoding="latin-1").read()
skel = plain
regions = []
for line in sys.stdin:
    m = re.match(r"^(value|comment) .* \x27(.*)\x27$", line.rstrip("\n"))
    if m:
        regions.append(m.group(2))
for r in regions:
    for piece in re.split(r"\\[nrt]|\s+", r):
        if piece.startswith("&"):
            continue  # an anchor is repeated in clear before its token, by design
        if len(piece) >= 4 and piece in store and plain.count(piece) > sum(x.count(piece) for x in regions):
            pass  # also outside any region in the plaintext: not a leak
        elif len(piece) >= 4 and piece in store:
            print(piece); sys.exit(0)
' $v.yaml)
		if [ -n "$leak" ]; then not_ok "$id ($v): '$leak' in clear"; else ok "$id ($v): round trip"; fi
	done
done < <(find "$SUITE" -name in.yaml | LC_ALL=C sort)
vg_sample_end
echo "# $n qualifying cases"
assert "about 95 cases qualify ($n)" [ "$n" -ge 80 ]
