#!/bin/bash
# The fast store scanner (src/splice_fast.c) against libyaml's
# (splice_scan_store), on every store the tests can make: for each, the fast
# scanner either says "unsupported" or gives a splice_doc equal field by
# field (tests/tools/fastscan.c). Stores: the sample, a hand-made store of
# every value kind in the supported subset, the YAML test suite cases
# encrypted with `secretctl encrypt` (as store_suite.sh does), bench/gen.sh
# stores at 10..10000 keys, CRLF and no-final-newline variants of all of
# them; random mutations of several. Values: store_value gives the same
# bytes with either doc for every scalar; extract agrees with decrypt.
. "$(dirname "$0")/lib.sh"
FS="$TOOLS/fastscan"
ST="$TOOLS/splicetool"
[ -x "$FS" ] || { not_ok "fastscan is not built ($FS)"; exit 1; }
cd "$T"
sc keygen -o id.txt 2>/dev/null
R=$(sc keygen -y id.txt)
export SECRETCTL_IDENTITY="$T/id.txt"
# under valgrind: every 13th secretctl run from here on under memcheck (the
# stores are made three ways, values read four ways: each takes turns)
export VG_EVERY=13

# enc NAME PLAIN: NAME.yaml, NAME-crlf.yaml and NAME-nonl.yaml stores of
# PLAIN and its variants (0: at least the first was made)
enc() {
	local n=$1 f=$2
	rm -f "$n.yaml" "$n-crlf.yaml" "$n-nonl.yaml"
	sc encrypt "$f" -r "$R" -o "$n.yaml" 2>/dev/null || return 1
	if ! grep -q $'\r' "$f"; then
		sed 's/$/\r/' "$f" > v.yaml
		sc encrypt v.yaml -r "$R" -o "$n-crlf.yaml" 2>/dev/null
	fi
	head -c -1 "$f" > v.yaml
	[ -s v.yaml ] && sc encrypt v.yaml -r "$R" -o "$n-nonl.yaml" 2>/dev/null
	return 0
}

# check DESC FILE...: no mismatch; counts in $EQ/$UN
check() {
	local d=$1; shift
	"$FS" cmp "$@" > cmp.txt; local rc=$?
	EQ=$(grep -c '^equal ' cmp.txt); UN=$(grep -c '^unsupported ' cmp.txt)
	if [ $rc -eq 0 ] && ! grep -q '^MISMATCH' cmp.txt; then
		ok "$d: $EQ equal, $UN unsupported, $(grep -c '^rejected ' cmp.txt) rejected by both"
	else
		not_ok "$d"; grep -v '^equal\|^unsupported' cmp.txt | head -20 | diag
	fi
}

# values DESC STORE...: store_value through both docs, for every scalar
values() {
	local d=$1 bad=0 n=0; shift
	for s in "$@"; do
		[ -f "$s" ] || continue
		if ! "$FS" values "$s" id.txt >> val.txt 2>&1; then bad=1; fi
		n=$((n + 1))
	done
	if [ $bad = 0 ]; then ok "$d: values equal through both docs ($n stores, $(grep -c '^values equal' val.txt) fast-scanned)"
	else not_ok "$d: values"; grep -v '^values equal\|^unsupported' val.txt | head -20 | diag; fi
	rm -f val.txt
}

# ---- the sample (anchors on collections, aliases, flow: all unsupported) ----
enc sample "$TOP/tests/data/sample.yaml"
check "sample store" sample*.yaml
values "sample store" sample*.yaml

# ---- every value kind inside the supported subset ----
cat > kinds.txt <<'EOF'
# every kind of value, in block mappings and sequences
app:
  env:
    PLAIN: hunter2 with spaces   # trailing comment
    DQ: "tab\there \"q\" \u00e9"
    SQ: 'it''s'
    EMPTY: ''
    NULLISH:
    TILDE: ~
    ANCHORED: &pw s3cr3t
  literal: |
    line one
      indented
    last
  keep: |+
    kept

  strip: >-
    folded
    text here
  binary: !!binary |
    AAECAwQFBgcICQ==
  indicator: |2
      two more spaces
  'quoted key': v1
  "dq key": v2
  ключ: значение
list:
  - one
  - |
    block in a sequence
  - |1
     indicator in a sequence
  -
  - nested: map
    more: |2
        deep
  -
    - inner seq
indentless:
- a
- b: c
  d: |
    x
# a comment line
last: "end"
EOF
enc kinds kinds.txt
"$FS" require kinds.yaml kinds-crlf.yaml kinds-nonl.yaml > cmp.txt
if [ $? -eq 0 ]; then ok "every value kind: the fast scanner accepts (LF, CRLF, no final newline)"
else not_ok "every value kind: fast scanner"; cat cmp.txt | diag; fi
values "every value kind" kinds.yaml kinds-crlf.yaml kinds-nonl.yaml
# extract (now through the fast path) gives what decrypt's text says
for p in app/env/EMPTY app/env/NULLISH; do
	# empty values (splicetool get cannot print an empty one under UBSan)
	if sc extract kinds.yaml -f "$p" > fast.out && sc extract kinds-crlf.yaml -f "$p" > crlf.out &&
		[ ! -s fast.out ] && [ ! -s crlf.out ]; then ok "extract -f $p: empty (LF and CRLF)"
	else not_ok "extract -f $p: empty"; fi
done
for p in app/env/PLAIN app/env/DQ app/env/SQ app/literal \
	app/keep app/strip app/binary app/indicator list/1 list/2 list/4/more indentless/1/d; do
	sc decrypt kinds.yaml > plain.yaml && sc decrypt kinds-crlf.yaml > plain-crlf.yaml &&
		"$ST" get plain.yaml "$p" > want.out && "$ST" get plain-crlf.yaml "$p" > want-crlf.out &&
		sc extract kinds.yaml -f "$p" > fast.out && sc extract kinds-crlf.yaml -f "$p" > crlf.out
	rc=$?
	if [ $rc = 0 ] && cmp -s fast.out want.out && cmp -s crlf.out want-crlf.out; then
		ok "extract -f $p: the value's bytes (LF and CRLF)"
	else not_ok "extract -f $p (exit $rc)"; { od -c fast.out | head -5; od -c want.out | head -5; } | diag; fi
done

# ---- the YAML test suite, encrypted ----
if [ -d "$SHARED/testdata/yaml-test-suite" ]; then
	SUITE="$SHARED/testdata/yaml-test-suite"
	mkdir suite
	n=0
	while IFS= read -r f; do
		[ "$("$ST" classify "$f")" = mapping ] || continue
		[ -f "$(dirname "$f")/error" ] && continue
		id=${f#"$SUITE"/}; id=${id%/in.yaml}; id=${id//\//_}
		enc "suite/$id" "$f" && n=$((n + 1))
	done < <(find "$SUITE" -name in.yaml | LC_ALL=C sort)
	check "YAML test suite: $n cases as stores (+ CRLF, no final newline)" suite/*.yaml
	assert "YAML test suite: the fast scanner takes some ($EQ)" [ "$EQ" -ge 20 ]
	values "YAML test suite" suite/*.yaml
else
	skip "$SHARED/testdata/yaml-test-suite is absent"
fi

# ---- bench/gen.sh stores ----
for n in 10 100 1000 10000; do
	sh "$TOP/bench/gen.sh" $n > g$n.txt
	enc gen$n g$n.txt
	if "$FS" require gen$n.yaml gen$n-crlf.yaml gen$n-nonl.yaml > cmp.txt; then
		ok "gen $n keys: fast scan equal (LF, CRLF, no final newline)"
	else not_ok "gen $n keys"; cat cmp.txt | diag; fi
done
values "gen stores" gen10.yaml gen100-crlf.yaml gen1000-nonl.yaml
# a store written back by set keeps the fast path
sc set gen100.yaml app0/env/VAR_0 <<< "changed" 2>/dev/null
run "$FS" require gen100.yaml
assert_rc 0 "gen 100 keys after set: fast scan equal"
# a recipient and a passphrase slot
printf 'pw' > pass.txt
sc init pp.yaml -r "$R" --passphrase --passphrase-file pass.txt --work-factor 10 --from g10.txt 2>/dev/null
run "$FS" require pp.yaml
assert_rc 0 "gen 10 keys with a passphrase slot: fast scan equal"

# ---- mutations: the fast scanner never accepts what libyaml refuses ----
muts=0; bad=0
for s in pp.yaml gen10.yaml gen10-crlf.yaml gen100-nonl.yaml kinds.yaml kinds-crlf.yaml sample.yaml \
	$(ls suite/*.yaml 2>/dev/null | head -40); do
	[ -f "$s" ] || continue
	seed=$((muts + 1))
	if ! "$FS" mutate "$s" 400 $seed >> mut.txt; then bad=1; fi
	muts=$((muts + 400))
done
if [ $bad = 0 ]; then
	ok "mutations: $muts mutants, no mismatch ($(awk '/^mutants/ { e += $4; u += $6 } END { print e " equal, " u " unsupported" }' mut.txt))"
else
	not_ok "mutations"; grep MISMATCH mut.txt | head -20 | diag
fi
