#!/bin/bash
# Store format version 2 against a writer WITHOUT any key: each change such
# a writer can make to a store (its clear text included: keys, anchors,
# aliases, comments, directives, blank lines, line breaks) is refused by
# every command that unlocks the store (exit 5, the MAC; exit 6 for the
# constructs refused when the store is scanned: an alias of a mapping key,
# an alias inside the collection it names, an alias bomb, a version 1
# store), before any value is printed, installed or handed to podman, and
# the store file is left as it was. The untouched store passes them all.
. "$(dirname "$0")/lib.sh"
need python3

cd "$T"
sc keygen -o id1.txt 2>/dev/null; sc keygen -o id2.txt 2>/dev/null
R1=$(sc keygen -y id1.txt); R2=$(sc keygen -y id2.txt)
printf 'app:\n  env:\n    DB_PASSWORD: hunter2\nother:\n  env:\n    OTHER: s3cr3t\n' > plain.yaml
sc init s.yaml --from plain.yaml -r "$R1" -r "$R2"
# a second store with what the first lacks: a comment, a value anchor and
# its alias, a %YAML directive
printf '%%YAML 1.1\n---\n# the database\napp:\n  env:\n    DB_PASSWORD: &pw hunter2\nother:\n  env:\n    OTHER: s3cr3t\n    COPY: *pw\n' > plain-a.yaml
sc init sa.yaml --from plain-a.yaml -r "$R1" -r "$R2"
# and one with CRLF line breaks
sed 's/$/\r/' plain.yaml > plain-crlf.yaml
sc init scrlf.yaml --from plain-crlf.yaml -r "$R1" -r "$R2"
for f in s sa scrlf; do
	run sc verify $f.yaml -i id1.txt
	assert_rc 0 "the base store $f.yaml verifies"
done
assert "sa.yaml keeps its directive, comment token and anchor" \
	bash -c "grep -q '^%YAML 1.1' sa.yaml && grep -q '^#!enc ' sa.yaml && grep -q 'DB_PASSWORD: &pw !enc ' sa.yaml"
assert "scrlf.yaml has CRLF line breaks" bash -c "[ \$(grep -c \$'\\r\$' scrlf.yaml) = \$(wc -l < scrlf.yaml) ]"

# A fake podman that says it was run (and is a podman good enough for the
# untouched store: a version, no existing secret, a create).
cat > fakepodman <<EOF
#!/bin/sh
echo "\$*" >> "$T/podman.ran"
case "\$1 \$2" in
"version --format") echo 4.9.4 ;;
"secret inspect") echo "Error: no such secret" >&2; exit 125 ;;
"secret create") cat > "$T/podman.stdin"; echo 0123456789abcdef0123456789 ;;
esac
EOF
chmod +x fakepodman
printf new-value > newval

tok() { grep -o "$1: !enc [A-Za-z0-9+/=]*" "$2" | sed 's/.*!enc //'; }
DBTOK=$(tok DB_PASSWORD s.yaml); OTHERTOK=$(tok OTHER s.yaml)
CTOK=$(grep -o '^#!enc [A-Za-z0-9+/=]*' sa.yaml | cut -c7-)
mkdir v
# variant NAME CODE FPATH EPATH BASE [ID]: v/NAME.yaml (made by the caller
# from BASE.yaml) must be refused with exit CODE; FPATH and EPATH name a
# scalar and a mapping that exist in it, so extract, install and podman get
# past their path checks to the key. ID: the identity to use (else the
# variants take turns with the two, so each slot's path is taken).
VARIANTS=""
variant() {
	VARIANTS="$VARIANTS $1"
	eval "V_CODE_$1=\$2 V_F_$1=\$3 V_E_$1=\$4 V_BASE_$1=\$5 V_ID_$1=\${6:-}"
	cmp -s "v/$1.yaml" "$5.yaml" && { not_ok "variant $1 changes nothing (test bug)"; }
}
mk() { cp "$2.yaml" "v/$1.yaml"; }

# --- the proofs of concept
# (a) an anchored key's clear text read as a value
mk key_alias s; sed -i '1i &evil /tmp/evil.so:' v/key_alias.yaml
sed -i 's/^    DB_PASSWORD: !enc/    LD_PRELOAD: *evil\n&/' v/key_alias.yaml
variant key_alias 6 app/env/LD_PRELOAD app/env s
# (b) a token read at another path through an alias
mk token_alias s; sed -i '1i &a decoy:' v/token_alias.yaml
sed -i 's/^    DB_PASSWORD: !enc/    DB_PASSWORD: \&a !enc/' v/token_alias.yaml
sed -i 's/^    OTHER: /    STOLEN: *a\n&/' v/token_alias.yaml
variant token_alias 5 other/env/STOLEN other/env s

# --- aliases and anchors
# the alias before its anchor: YAML has no such alias
mk key_alias_before s; sed -i 's/^    DB_PASSWORD: !enc/    LD_PRELOAD: *evil\n&/' v/key_alias_before.yaml
sed -i 's/^other:/\&evil other:/' v/key_alias_before.yaml
variant key_alias_before 6 app/env/DB_PASSWORD app/env s
mk token_alias_before s; sed -i 's/^    DB_PASSWORD: !enc/    STOLEN: *b\n&/' v/token_alias_before.yaml
sed -i 's/^    OTHER: !enc/    OTHER: \&b !enc/' v/token_alias_before.yaml
variant token_alias_before 6 app/env/DB_PASSWORD app/env s
# the token alias after its anchor, without the decoy key
mk token_alias_after s; sed -i 's/^    DB_PASSWORD: !enc/    DB_PASSWORD: \&a !enc/' v/token_alias_after.yaml
printf '    STOLEN: *a\n' > stolen.txt
sed -i '/^    OTHER: /r stolen.txt' v/token_alias_after.yaml
variant token_alias_after 5 other/env/STOLEN other/env s
# an anchor on a key at each depth, its alias used as a value
mk key_alias_depth1 s; sed -i 's/^app:/\&k app:/' v/key_alias_depth1.yaml
sed -i 's/^    OTHER: /    X: *k\n&/' v/key_alias_depth1.yaml
variant key_alias_depth1 6 app/env/DB_PASSWORD app/env s
mk key_alias_depth2 s; sed -i 's/^  env:/  \&k env:/' v/key_alias_depth2.yaml
sed -i 's/^    OTHER: /    X: *k\n&/' v/key_alias_depth2.yaml
variant key_alias_depth2 6 app/env/DB_PASSWORD app/env s
mk key_alias_depth3 s; sed -i 's/^    DB_PASSWORD:/    \&k DB_PASSWORD:/' v/key_alias_depth3.yaml
sed -i 's/^    OTHER: /    X: *k\n&/' v/key_alias_depth3.yaml
variant key_alias_depth3 6 app/env/DB_PASSWORD app/env s
# ... and as a sequence item
mk key_alias_item s; sed -i 's/^    DB_PASSWORD:/    \&k DB_PASSWORD:/' v/key_alias_item.yaml
printf 'list:\n  - *k\n' > item.txt
sed -i '/^    OTHER: /r item.txt' v/key_alias_item.yaml
variant key_alias_item 6 app/env/DB_PASSWORD app/env s
# an anchor on a key and no alias: clear text changed
mk key_anchor s; sed -i 's/^app:/\&k app:/' v/key_anchor.yaml
variant key_anchor 5 app/env/DB_PASSWORD app/env s
# an alias inside the collection it names
mk self_alias s; sed -i 's/^  env:$/  env: \&m/' v/self_alias.yaml
sed -i 's/^    DB_PASSWORD: !enc/    SELF: *m\n&/' v/self_alias.yaml
variant self_alias 6 app/env/DB_PASSWORD app/env s
# aliases that would add 10^6 nodes to the tree
mk alias_bomb s
{
	printf 'l0: &l0\n  a: !enc %s\n' "$OTHERTOK"
	for i in 1 2 3 4 5 6; do
		printf 'l%d: &l%d [' $i $i
		for j in 1 2 3 4 5 6 7 8 9; do printf '*l%d, ' $((i - 1)); done
		printf '*l%d]\n' $((i - 1))
	done
} > bomb.txt
sed -i '/^    OTHER: /r bomb.txt' v/alias_bomb.yaml
variant alias_bomb 6 app/env/DB_PASSWORD app/env s
# the anchor of a value renamed, with its alias
mk anchor_renamed sa; sed -i 's/&pw /\&pq /; s/\*pw$/*pq/' v/anchor_renamed.yaml
variant anchor_renamed 5 other/env/COPY other/env sa
# an alias retargeted: the anchor moved to another token
mk anchor_moved sa; sed -i 's/&pw //; s/^    OTHER: !enc/    OTHER: \&pw !enc/; s/^    COPY: \*pw$//' v/anchor_moved.yaml
printf '    COPY: *pw\n' > copy.txt
sed -i '/^    OTHER: /r copy.txt' v/anchor_moved.yaml
sed -i '/^$/d' v/anchor_moved.yaml
variant anchor_moved 5 other/env/COPY other/env sa

# --- keys
mk new_null s; sed -i 's/^    DB_PASSWORD: !enc/    NEW:\n&/' v/new_null.yaml
variant new_null 5 app/env/DB_PASSWORD app/env s
mk new_token s; sed -i "s|^    OTHER: !enc|    NEW: !enc $DBTOK\n&|" v/new_token.yaml
variant new_token 5 other/env/NEW other/env s
mk renamed s; sed -i 's/^    DB_PASSWORD:/    DB_PASSWD:/' v/renamed.yaml
variant renamed 5 app/env/DB_PASSWD app/env s
mk renamed_parent s; sed -i 's/^other:/others:/' v/renamed_parent.yaml
variant renamed_parent 5 others/env/OTHER others/env s
# two top-level keys swapped, each with all below it: every token keeps
# its path, so only the MAC sees it
mk reordered s
python3 - v/reordered.yaml <<'PY'
import sys
p = sys.argv[1]; t = open(p).read()
i, j = t.index('other:\n'), t.index('secretctl:\n')
open(p, 'w').write(t[i:j] + t[:i] + t[j:])
PY
variant reordered 5 app/env/DB_PASSWORD app/env s
# the same token at two paths: OTHER's replaced by DB_PASSWORD's
mk duplicated s; sed -i "s|^    OTHER: !enc .*|    OTHER: !enc $DBTOK|" v/duplicated.yaml
variant duplicated 5 other/env/OTHER other/env s
# a token moved to another path (its own line gone)
mk moved s; sed -i "/^    DB_PASSWORD: /d; s|^    OTHER: !enc .*|    OTHER: !enc $DBTOK|" v/moved.yaml
variant moved 5 other/env/OTHER other/env s
mk swapped s; sed -i "s|^    OTHER: !enc .*|    OTHER: !enc $DBTOK|; s|^    DB_PASSWORD: !enc .*|    DB_PASSWORD: !enc $OTHERTOK|" v/swapped.yaml
variant swapped 5 other/env/OTHER other/env s
mk deleted s; sed -i '/^    OTHER: /d' v/deleted.yaml
variant deleted 5 app/env/DB_PASSWORD app/env s

# --- comments, blank lines, directives, line breaks
mk blank_line s; sed -i 's/^other:/\n&/' v/blank_line.yaml
variant blank_line 5 app/env/DB_PASSWORD app/env s
mk blank_line_end s; printf '\n' >> v/blank_line_end.yaml
variant blank_line_end 5 app/env/DB_PASSWORD app/env s
mk comment s; sed -i 's/^other:/# x\n&/' v/comment.yaml
variant comment 6 app/env/DB_PASSWORD app/env s
mk comment_eol s; sed -i 's/^\(    DB_PASSWORD: .*\)/\1   # x/' v/comment_eol.yaml
variant comment_eol 6 app/env/DB_PASSWORD app/env s
# a comment token copied to another place
mk comment_token sa; sed -i "s|^other:|#!enc $CTOK\n&|" v/comment_token.yaml
variant comment_token 5 app/env/DB_PASSWORD app/env sa
# a value token made a comment
mk value_as_comment s; sed -i "s|^other:|#!enc $DBTOK\n&|" v/value_as_comment.yaml
variant value_as_comment 5 app/env/DB_PASSWORD app/env s
mk comment_removed sa; sed -i '/^#!enc /d' v/comment_removed.yaml
variant comment_removed 5 app/env/DB_PASSWORD app/env sa
mk yaml_added s; sed -i '1i %YAML 1.1\n---' v/yaml_added.yaml
variant yaml_added 5 app/env/DB_PASSWORD app/env s
mk tag_added s; sed -i '1i %TAG !e! tag:x,2000:\n---' v/tag_added.yaml
variant tag_added 5 app/env/DB_PASSWORD app/env s
mk doc_start_added s; sed -i '1i ---' v/doc_start_added.yaml
variant doc_start_added 5 app/env/DB_PASSWORD app/env s
mk yaml_changed sa; sed -i 's/^%YAML 1.1/%YAML 1.2/' v/yaml_changed.yaml
variant yaml_changed 5 app/env/DB_PASSWORD app/env sa
mk yaml_removed sa; sed -i '/^%YAML 1.1/d; /^---$/d' v/yaml_removed.yaml
variant yaml_removed 5 app/env/DB_PASSWORD app/env sa
mk tag_on_directive sa; sed -i 's/^%YAML 1.1/&\n%TAG !e! tag:x,2000:/' v/tag_on_directive.yaml
variant tag_on_directive 5 app/env/DB_PASSWORD app/env sa
mk to_crlf s; sed -i 's/$/\r/' v/to_crlf.yaml
variant to_crlf 5 app/env/DB_PASSWORD app/env s
mk to_lf scrlf; sed -i 's/\r$//' v/to_lf.yaml
variant to_lf 5 app/env/DB_PASSWORD app/env scrlf
mk one_crlf s; sed -i 's/^other:$/other:\r/' v/one_crlf.yaml
variant one_crlf 5 app/env/DB_PASSWORD app/env s
mk indent s; sed -i 's/^  env:/   env:/; s/^    DB_PASSWORD:/     DB_PASSWORD:/' v/indent.yaml
variant indent 5 app/env/DB_PASSWORD app/env s
mk trailing_space s; sed -i 's/^other:$/other: /' v/trailing_space.yaml
variant trailing_space 5 app/env/DB_PASSWORD app/env s

# --- after the metadata, and the metadata itself
mk trailing_comment s; printf '# x\n' >> v/trailing_comment.yaml
variant trailing_comment 6 app/env/DB_PASSWORD app/env s
mk trailing_doc_end s; printf '...\n' >> v/trailing_doc_end.yaml
variant trailing_doc_end 5 app/env/DB_PASSWORD app/env s
mk trailing_key s; printf 'extra: !enc %s\n' "$OTHERTOK" >> v/trailing_key.yaml
variant trailing_key 6 extra other/env s
mk no_final_newline s; truncate -s -1 v/no_final_newline.yaml
variant no_final_newline 5 app/env/DB_PASSWORD app/env s
mk final_newline_false s; sed -i 's/^  version: 2$/&\n  final_newline: false/' v/final_newline_false.yaml
variant final_newline_false 5 app/env/DB_PASSWORD app/env s
# a version 2 store labelled version 1: refused as version 1
mk version1 s; sed -i 's/^  version: 2$/  version: 1/' v/version1.yaml
variant version1 6 app/env/DB_PASSWORD app/env s
# the slots reordered, or one removed
mk slots_swapped s
python3 - v/slots_swapped.yaml <<'PY'
import sys
p = sys.argv[1]; t = open(p).read()
a = t.index('    - recipient:'); b = t.index('    - recipient:', a + 1); c = t.index('  mac:')
open(p, 'w').write(t[:a] + t[b:c] + t[a:b] + t[c:])
PY
variant slots_swapped 5 app/env/DB_PASSWORD app/env s
mk slot_removed s
python3 - v/slot_removed.yaml <<'PY'
import sys
p = sys.argv[1]; t = open(p).read()
b = t.index('    - recipient:', t.index('    - recipient:') + 1); c = t.index('  mac:')
open(p, 'w').write(t[:b] + t[c:])
PY
# (id1's slot, the first, is kept: id2 would find no slot, exit 4)
variant slot_removed 5 app/env/DB_PASSWORD app/env s id1.txt

# The commands, on each variant: none may exit other than CODE, print
# anything on stdout, install a file, run podman or change the store.
# (Under make asan and make valgrind: every 11th secretctl run under
# memcheck, 11 being coprime to the 8 runs of a variant.)
short_sweeps && export VG_EVERY=11
CMDS="verify extract-f extract-e install podman decrypt set upgrade"
nvar=0; nrun=0
for V in $VARIANTS; do
	eval "code=\$V_CODE_$V fp=\$V_F_$V ep=\$V_E_$V id=\$V_ID_$V"
	nvar=$((nvar + 1))
	[ -n "$id" ] || id=id$((nvar % 2 + 1)).txt
	f=v/$V.yaml
	cp "$f" before.yaml
	for c in $CMDS; do
		rm -rf inst podman.ran podman.stdin
		want=$code
		case $c in
		verify) run sc verify "$f" -i $id ;;
		extract-f) run sc extract "$f" -f "$fp" -i $id ;;
		extract-e) run sc extract "$f" -e "$ep" -i $id ;;
		install) run sc install "$f" -e "$ep" out.env --dir "$T/inst" --mkdir -i $id ;;
		podman) run sc podman "$f" -f "$fp" pw --podman ./fakepodman -i $id ;;
		decrypt) run sc decrypt "$f" -i $id ;;
		set) run sc set "$f" app/env/SET --value-file newval -i $id ;;
		upgrade)
			run sc upgrade "$f" -i $id
			# a version 2 store labelled version 1 fails the version 1 MAC
			[ $V = version1 ] && want=5 ;;
		esac
		nrun=$((nrun + 1))
		why=""
		[ "$RC" = "$want" ] || why="$why exit $RC, expected $want;"
		[ -s "$T/out" ] && why="$why stdout not empty;"
		grep -qE 'hunter2|s3cr3t|/tmp/evil.so' "$T/out" && why="$why a value on stdout;"
		grep -qE 'hunter2|s3cr3t' "$T/err" && why="$why a value on stderr;"
		[ -e inst ] && why="$why install made its directory;"
		[ -e podman.ran ] && why="$why podman was run;"
		cmp -s "$f" before.yaml || why="$why the store changed;"
		[ "$(wc -l < "$T/err")" = 1 ] || why="$why stderr is not one line;"
		case $want in
		5) grep -q "^secretctl: $f: the .*MAC does not verify" "$T/err" || why="$why no MAC message;" ;;
		esac
		if [ -z "$why" ]; then ok "$V: $c exits $want, prints and writes nothing"
		else
			not_ok "$V: $c:$why"
			{ echo "stderr:"; head -c 1000 "$T/err"; echo "stdout:"; head -c 500 "$T/out"; } | diag
			cp before.yaml "$f"
		fi
	done
done
vg_sample_end
assert "$nvar variants, $nrun runs" [ "$nvar" -ge 49 ]
assert "no temporary file is left beside the variants" \
	bash -c "[ \$(ls -A v | grep -cv '\\.yaml\$') = 0 ] && [ \$(ls -A v | wc -l) = $nvar ]"

# What the exit-6 variants say
run sc verify v/key_alias.yaml -i id1.txt
assert_err "^secretctl: v/key_alias.yaml: line 4, column 17: alias '\*evil' names a mapping key" \
	"PoC (a): the alias of a key is named with its line and column"
for V in key_alias_depth1 key_alias_depth2 key_alias_depth3 key_alias_item; do
	run sc decrypt v/$V.yaml -i id1.txt
	assert_err "line [0-9]+, column [0-9]+: alias '\*k' names a mapping key" "$V: the alias of a key is named"
done
run sc verify v/self_alias.yaml -i id1.txt
assert_err "alias '\*m'" "an alias inside the collection it names is named"
run sc verify v/alias_bomb.yaml -i id1.txt
assert_err "100 ?000" "the alias bomb: the limit is named"
run sc verify v/version1.yaml -i id1.txt
assert_err "secretctl upgrade v/version1.yaml" "a store labelled version 1 names secretctl upgrade"
for V in key_alias_before token_alias_before; do
	run sc verify v/$V.yaml -i id1.txt
	assert_err "line [0-9]+, column [0-9]+" "$V: the undefined alias's position is named"
done

# ls needs no key and checks no integrity: it lists what the file says
run sc ls v/token_alias.yaml
assert "ls lists a tampered store without a key (it authenticates nothing)" grep -qx 'other/env/STOLEN' "$T/out"

# The rest of the commands that unlock, on the two proofs of concept (and,
# the control, on a copy of the untouched store, where each succeeds)
sc keygen -o id3.txt 2>/dev/null; R3=$(sc keygen -y id3.txt)
printf '#!/bin/sh\necho edited >> "%s/editor.ran"\nprintf "x: 1\\n" > "$1"\n' "$T" > editor.sh
chmod +x editor.sh
export SECRETCTL_TMPFS_ROOTS=$T
for V in key_alias token_alias control; do
	if [ $V = control ]; then f=c.yaml; cp s.yaml c.yaml; code=0
	else f=v/$V.yaml; code=$(eval "echo \$V_CODE_$V"); fi
	for cmd in "unset app/env/DB_PASSWORD" rotate "recipients add R3" "recipients rm R2" edit; do
		cp "$f" before.yaml; rm -f editor.ran
		case $cmd in
		unset*) run sc unset "$f" app/env/DB_PASSWORD -i id1.txt ;;
		rotate) run sc rotate "$f" -i id1.txt ;;
		*add*) run sc recipients add "$f" "$R3" -i id1.txt ;;
		*rm*) run sc recipients rm "$f" "$R2" -i id1.txt ;;
		edit) EDITOR=$T/editor.sh VISUAL='' run sc edit "$f" --allow-disk-tmp -i id1.txt ;;
		esac
		if [ $V = control ]; then
			if [ "$RC" = 0 ] && ! cmp -s "$f" before.yaml && { [ "$cmd" != edit ] || [ -e editor.ran ]; }; then
				ok "untouched store: $cmd succeeds and changes it"
			else not_ok "untouched store: $cmd (exit $RC)"; diag < "$T/err"; fi
		elif [ "$RC" = "$code" ] && cmp -s "$f" before.yaml && [ ! -s "$T/out" ] && [ ! -e editor.ran ]; then
			ok "$V: $cmd exits $code and leaves the store as it was"
		else
			not_ok "$V: $cmd (exit $RC, expected $code; store $(cmp -s "$f" before.yaml && echo unchanged || echo changed); editor $([ -e editor.ran ] && echo run || echo 'not run'))"
			diag < "$T/err"
		fi
	done
done
unset SECRETCTL_TMPFS_ROOTS

# The positive control: the untouched stores pass every command above
for b in s sa scrlf; do
	for c in $CMDS; do
		rm -rf inst podman.ran podman.stdin
		cp $b.yaml before.yaml
		case $c in
		verify) run sc verify $b.yaml -i id2.txt; want='^ok: ' ;;
		extract-f) run sc extract $b.yaml -f app/env/DB_PASSWORD -i id2.txt; want='^hunter2$' ;;
		extract-e) run sc extract $b.yaml -e other/env -i id2.txt; want='^OTHER=s3cr3t$' ;;
		install) run sc install $b.yaml -e app/env out.env --dir "$T/inst" --mkdir -i id2.txt; want= ;;
		podman) run sc podman $b.yaml -f app/env/DB_PASSWORD pw --podman ./fakepodman -i id2.txt; want= ;;
		decrypt) run sc decrypt $b.yaml -i id2.txt; want='hunter2' ;;
		set) run sc set $b.yaml app/env/SET --value-file newval -i id2.txt; want= ;;
		upgrade) run sc upgrade $b.yaml -i id2.txt; want= ;;
		esac
		why=""
		[ "$RC" = 0 ] || why="$why exit $RC;"
		[ -n "$want" ] && ! grep -qE "$want" "$T/out" && why="$why stdout does not match /$want/;"
		case $c in
		install) grep -qx 'DB_PASSWORD=hunter2' inst/out.env 2>/dev/null || why="$why inst/out.env does not hold the value;" ;;
		podman) [ -e podman.ran ] && [ "$(cat podman.stdin 2>/dev/null)" = hunter2 ] || why="$why podman did not get the value;" ;;
		set) cmp -s $b.yaml before.yaml && why="$why the store did not change;" ;;
		*) cmp -s $b.yaml before.yaml || why="$why the store changed;" ;;
		esac
		if [ -z "$why" ]; then ok "untouched $b.yaml: $c succeeds"
		else not_ok "untouched $b.yaml: $c:$why"; diag < "$T/err"; fi
	done
	run sc verify $b.yaml -i id1.txt
	assert_rc 0 "untouched $b.yaml: still verifies after set"
	run sc extract $b.yaml -f app/env/SET -i id1.txt
	assert "untouched $b.yaml: set's value reads back" [ "$RC" = 0 -a "$(cat "$T/out")" = new-value ]
done
