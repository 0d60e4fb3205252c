#!/bin/bash
# Bad input sweep: every command that reads a store or a
# plaintext gets an empty file, binary garbage, NUL bytes, a 100 MB file,
# YAML nested 10 000 levels deep (block and flow), a store whose key was
# renamed (tokens valid, path AD wrong) and non-UTF-8 bytes in keys and
# PATH arguments. Each run is under `timeout 5` and must end with its
# documented exit code, one "secretctl: ..." line on stderr, nothing on
# stdout, no crash and no sanitizer report.
. "$(dirname "$0")/lib.sh"
need python3 setsid truncate

cd "$T"
sc keygen -o id.txt 2>/dev/null
sc keygen -o id2.txt 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
R=$(sc keygen -y id.txt); R2=$(sc keygen -y id2.txt)
unset VISUAL EDITOR
cp "$TOP/tests/data/sample.yaml" plain.yaml
# init (no -r) encrypts to the default identity: make it the key
# $SECRETCTL_IDENTITY names, the only one tried when that is set
mkdir -p "$XDG_CONFIG_HOME/secretctl"; cp id.txt "$XDG_CONFIG_HOME/secretctl/identity.txt"
sc init good.yaml --from plain.yaml 2>/dev/null
printf 'v' > v
mkdir inst && chmod 700 inst

# ---- the inputs
: > empty.yaml
head -c 65536 /dev/zero > nul.bin
truncate -s 100M big.bin
python3 - <<'EOF'
import random
r = random.Random(20261129)
open('garbage.bin', 'wb').write(bytes(r.getrandbits(8) for _ in range(65536)))
n = 10000
# block mappings, one more space per level (50 MB: under the 64 MiB cap)
with open('deep_block.yaml', 'w') as f:
    for i in range(n - 1):
        f.write(' ' * i + 'a:\n')
    f.write(' ' * (n - 1) + 'a: x\n')
open('deep_seq.yaml', 'w').write('a:\n' + '- ' * n + 'x\n')
open('deep_flow.yaml', 'w').write('a: ' + '[' * n + ']' * n + '\n')
open('deep_flowmap.yaml', 'w').write('a: ' + '{a: ' * n + 'x' + '}' * n + '\n')
open('nonutf8_key.yaml', 'wb').write(b'app:\n  \xff\xfe: x\n')
EOF
sed 's/^  env:/  \xff\xfe:/' good.yaml > nonutf8_key.store
# tokens valid, but DB_PASSWORD's token sits at a renamed path
sed 's/^    DB_PASSWORD:/    DB_PASSWORX:/' good.yaml > renamed.yaml
cp good.yaml good.orig

CAP='larger than 64 MiB'
DEEP='nested deeper than 256 levels'
declare -A MSG=(
	[empty.yaml]='not a secretctl store' [nul.bin]='control characters'
	[garbage.bin]='UTF-8|control characters' [big.bin]=$CAP [deep_block.yaml]=$DEEP
	[deep_seq.yaml]=$DEEP [deep_flow.yaml]=$DEEP [deep_flowmap.yaml]=$DEEP
	[nonutf8_key.store]='UTF-8' [nonutf8_key.yaml]='UTF-8'
)

# bad DESC CODE PATTERN [LINES] -- CMD...: CMD under timeout 5 ends with
# CODE, prints nothing on stdout, and its stderr is LINES (default 1)
# lines, the first "secretctl: ..." matching PATTERN. Under valgrind the
# limit is 60 s (memcheck runs code some 20 to 50 times slower; make check
# and make asan hold the 5 s), and every 9th run is under memcheck (14
# commands per input: each command meets several inputs).
TMO=5
under_valgrind && TMO=60 && export VG_EVERY=9
bad() {
	local d=$1 want=$2 pat=$3 lines=1 why="" t0 ms
	shift 3
	[ "$1" != -- ] && { lines=$1; shift; }
	shift
	t0=$(date +%s%N)
	timeout $TMO "$@" </dev/null >"$T/out" 2>"$T/err"; RC=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$RC" -eq 124 ]; then why="hang: killed after $TMO s"
	elif [ "$RC" -ge 128 ]; then why="crash: exit $RC"
	elif grep -Eq 'Sanitizer|runtime error:' "$T/err"; then why="sanitizer report"
	elif [ "$RC" -ne "$want" ]; then why="exit $RC, expected $want"
	elif [ -s "$T/out" ]; then why="$(wc -c <"$T/out") bytes on stdout"
	elif [ "$(wc -l <"$T/err")" -ne "$lines" ] || ! head -1 "$T/err" | grep -q '^secretctl: '; then
		why="stderr is not $lines 'secretctl: ' line(s)"
	elif [ -n "$pat" ] && ! head -1 "$T/err" | grep -Eq -- "$pat"; then
		why="stderr does not match /$pat/"
	fi
	if [ -z "$why" ]; then ok "$d (${ms} ms)"; else
		not_ok "$d ($why)"; head -c 1500 "$T/err" | diag
	fi
}

# ---- bad stores: every command that loads one
for f in empty.yaml nul.bin garbage.bin big.bin deep_block.yaml deep_seq.yaml \
	deep_flow.yaml deep_flowmap.yaml nonutf8_key.store; do
	m=${MSG[$f]}
	bad "ls $f" 6 "$m" -- "$SECRETCTL" ls "$f"
	bad "ls --prefix $f" 6 "$m" -- "$SECRETCTL" ls "$f" --prefix app/ --depth 1
	bad "verify $f" 6 "$m" -- "$SECRETCTL" verify "$f"
	bad "decrypt $f" 6 "$m" -- "$SECRETCTL" decrypt "$f"
	bad "extract -f $f" 6 "$m" -- "$SECRETCTL" extract "$f" -f app/env/DB_PASSWORD
	bad "extract -e $f" 6 "$m" -- "$SECRETCTL" extract "$f" -e app/env
	bad "set $f" 6 "$m" -- "$SECRETCTL" set "$f" app/x --value-file v
	bad "unset $f" 6 "$m" -- "$SECRETCTL" unset "$f" app/x
	bad "recipients $f" 6 "$m" -- "$SECRETCTL" recipients "$f"
	bad "recipients add $f" 6 "$m" -- "$SECRETCTL" recipients add "$f" "$R2"
	bad "rotate $f" 6 "$m" -- "$SECRETCTL" rotate "$f"
	bad "install $f" 6 "$m" -- "$SECRETCTL" install "$f" -f app/env/DB_PASSWORD x --dir "$T/inst"
	bad "podman $f" 6 "$m" -- "$SECRETCTL" podman "$f" -f app/env/DB_PASSWORD --podman /bin/false
	bad "edit $f" 6 "$m" -- env EDITOR=true setsid -w "$SECRETCTL" edit "$f"
done
assert "nothing was installed" [ -z "$(ls -A inst)" ]

# ---- bad plaintexts: encrypt, init --from (file and stdin), edit
cat >editor.sh <<'EOF'
#!/bin/sh
# the scripted editor: replaces the plaintext view with $BAD
if [ "$BAD" = big.bin ]; then truncate -s 100M "$1"; else cat "$BADDIR/$BAD" >"$1"; fi
EOF
chmod +x editor.sh
for f in nul.bin garbage.bin big.bin deep_block.yaml deep_seq.yaml deep_flow.yaml \
	deep_flowmap.yaml nonutf8_key.yaml; do
	m=${MSG[$f]}
	bad "encrypt $f" 6 "$m" -- "$SECRETCTL" encrypt "$f" -r "$R"
	bad "encrypt -o $f" 6 "$m" -- "$SECRETCTL" encrypt "$f" -r "$R" -o new.yaml
	assert "encrypt -o $f leaves no store" [ ! -e new.yaml ]
	bad "init --from $f" 6 "$m" -- "$SECRETCTL" init new.yaml --from "$f"
	assert "init --from $f leaves no store" [ ! -e new.yaml ]
	bad "init --from - <$f" 6 "$m" -- sh -c '"$1" init new.yaml --from - <"$2"' sh "$SECRETCTL" "$f"
	rm -f new.yaml
	# edit without a terminal: the error, then "the edit is discarded"
	bad "edit writing $f" 6 "$m" 2 -- env BAD="$f" BADDIR="$T" EDITOR="$T/editor.sh" \
		setsid -w "$SECRETCTL" edit good.yaml
	assert "edit writing $f leaves the store unchanged" cmp -s good.yaml good.orig
done
# An empty plaintext is an empty store (documented for init): accepted.
run timeout 5 "$SECRETCTL" init empty-store.yaml --from empty.yaml
assert_rc 0 "init --from an empty plaintext makes an empty store"
run timeout 5 "$SECRETCTL" verify empty-store.yaml
assert_out '^ok: 0 values' "the empty store verifies"

# ---- valid tokens, wrong path AD: exit 5, nothing decrypted printed
for c in verify decrypt "extract -f app/env/DB_PASSWORX" "extract -e app/env" rotate \
	"set app/env/API_TOKEN --value-file v" "unset app/env/API_TOKEN"; do
	read -ra w <<<"$c"
	bad "renamed key: $c" 5 'does not verify' -- "$SECRETCTL" "${w[0]}" renamed.yaml "${w[@]:1}"
done
bad "renamed key: install" 5 'does not verify' -- "$SECRETCTL" install renamed.yaml \
	-f app/env/DB_PASSWORX x --dir "$T/inst"
bad "renamed key: podman" 5 'does not verify' -- "$SECRETCTL" podman renamed.yaml \
	-f app/env/DB_PASSWORX --podman /bin/false
bad "renamed key: edit" 5 'does not verify' -- env EDITOR=true setsid -w "$SECRETCTL" edit renamed.yaml
run timeout 5 "$SECRETCTL" ls renamed.yaml
assert_rc 0 "renamed key: ls needs no key and still lists"
assert "nothing was installed" [ -z "$(ls -A inst)" ]

# ---- non-UTF-8 bytes in PATH arguments
P=$'app/env/\xff\xfe'
bad "extract -f non-UTF-8 PATH" 3 'no such path' -- "$SECRETCTL" extract good.yaml -f "$P"
bad "extract -e non-UTF-8 PATH" 3 'no such path' -- "$SECRETCTL" extract good.yaml -e "$P"
bad "ls non-UTF-8 PATH" 3 'no such path' -- "$SECRETCTL" ls good.yaml "$P"
bad "set non-UTF-8 PATH" 6 'UTF-8' -- "$SECRETCTL" set good.yaml "$P" --value-file v
bad "unset non-UTF-8 PATH" 3 'not found' -- "$SECRETCTL" unset good.yaml "$P"
bad "install non-UTF-8 PATH" 3 'no such path' -- "$SECRETCTL" install good.yaml -f "$P" x --dir "$T/inst"
bad "podman non-UTF-8 PATH" 3 'no such path' -- "$SECRETCTL" podman good.yaml -f "$P" --podman /bin/false
assert "non-UTF-8 PATHs leave the store unchanged" cmp -s good.yaml good.orig
