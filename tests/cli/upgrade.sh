#!/bin/bash
# Version 1 stores (tests/data/v1, made by secretctl 0389f9c): refused by
# every command but upgrade, with a message naming 'secretctl upgrade';
# upgrade checks the version 1 MAC and every token, refuses what version 2
# refuses (an alias of a mapping key), and rewrites the store as version 2
# changing only its version and mac lines; a second upgrade changes nothing.
. "$(dirname "$0")/lib.sh"
need git

cd "$T"
V1=$TOP/tests/data/v1
cp "$V1/identity.txt" id.txt; chmod 600 id.txt
cp "$V1/store.yaml" v1.yaml; chmod 600 v1.yaml
sc keygen -o id2.txt 2>/dev/null; R2=$(sc keygen -y id2.txt)
assert "the fixture is a version 1 store" grep -qx '  version: 1' v1.yaml

# --- every other command refuses a version 1 store (exit 6), naming
# 'secretctl upgrade STORE', printing, running and changing nothing
cat > fakepodman <<EOF
#!/bin/sh
echo "\$*" >> "$T/podman.ran"
EOF
printf '#!/bin/sh\necho edited >> "%s/editor.ran"\nprintf "x: 1\\n" > "$1"\n' "$T" > editor.sh
chmod +x fakepodman editor.sh
printf new-value > newval
export SECRETCTL_TMPFS_ROOTS=$T
cp v1.yaml before.yaml
while read -r name; do
	rm -rf inst podman.ran editor.ran
	case $name in
	ls) run sc ls v1.yaml ;;
	"ls --json") run sc ls v1.yaml --json ;;
	"ls PATH") run sc ls v1.yaml app/env ;;
	"extract -f") run sc extract v1.yaml -f app/env/DB_PASSWORD -i id.txt ;;
	"extract -e") run sc extract v1.yaml -e app/env -i id.txt ;;
	"extract --verify") run sc extract v1.yaml --verify -f app/env/DB_PASSWORD -i id.txt ;;
	install) run sc install v1.yaml -e app/env app.env --dir "$T/inst" --mkdir -i id.txt ;;
	podman) run sc podman v1.yaml -f app/env/DB_PASSWORD pw --podman ./fakepodman -i id.txt ;;
	decrypt) run sc decrypt v1.yaml -i id.txt ;;
	verify) run sc verify v1.yaml -i id.txt ;;
	set) run sc set v1.yaml app/env/NEW --value-file newval -i id.txt ;;
	unset) run sc unset v1.yaml app/env/DB_PASSWORD -i id.txt ;;
	edit) EDITOR=$T/editor.sh VISUAL='' run sc edit v1.yaml --allow-disk-tmp -i id.txt ;;
	recipients) run sc recipients v1.yaml ;;
	"recipients add") run sc recipients add v1.yaml "$R2" -i id.txt ;;
	"recipients rm") run sc recipients rm v1.yaml "$(sed -n 's/^    - recipient: //p' v1.yaml)" -i id.txt ;;
	rotate) run sc rotate v1.yaml -i id.txt ;;
	esac
	why=""
	[ "$RC" = 6 ] || why="$why exit $RC;"
	grep -q "^secretctl: v1.yaml is a version 1 store.*'secretctl upgrade v1.yaml'" "$T/err" ||
		why="$why stderr does not name 'secretctl upgrade v1.yaml';"
	[ "$(wc -l < "$T/err")" = 1 ] || why="$why stderr is not one line;"
	[ -s "$T/out" ] && why="$why stdout not empty;"
	[ -e inst ] && why="$why install made its directory;"
	[ -e podman.ran ] && why="$why podman was run;"
	[ -e editor.ran ] && why="$why the editor was run;"
	cmp -s v1.yaml before.yaml || why="$why the store changed;"
	if [ -z "$why" ]; then ok "$name: a version 1 store is refused (exit 6), naming secretctl upgrade"
	else not_ok "$name:$why"; diag < "$T/err"; cp before.yaml v1.yaml; fi
done <<'EOF'
ls
ls --json
ls PATH
extract -f
extract -e
extract --verify
install
podman
decrypt
verify
set
unset
edit
recipients
recipients add
recipients rm
rotate
EOF
unset SECRETCTL_TMPFS_ROOTS

# --- upgrade: what version 1 did not authenticate (aliases, empty values)
#     is listed, and needs a yes: without a terminal, --yes
chmod 640 v1.yaml
run sc upgrade v1.yaml -i id.txt </dev/null
assert_rc 2 "upgrade without a terminal and without --yes is refused (the store has an alias)"
assert_err "^  other/env/TOKEN_COPY: an alias of app/env/API_TOKEN$" "... listing the alias"
assert "... and changes nothing" cmp -s v1.yaml before.yaml
# the keyless attack version 1 let through: an alias of a value's anchor
# at a new path, an empty key; they are listed for the person to see
cp "$V1/store.yaml" stolen.yaml
sed -i 's/^    OTHER: /    STOLEN: *tok\n    LD_PRELOAD:\n&/' stolen.yaml
run sc upgrade stolen.yaml -i id.txt
assert "an alias and an empty key added without the key are listed, nothing written ($RC)" bash -c "
	[ $RC = 2 ] && grep -qx '  other/env/STOLEN: an alias of app/env/API_TOKEN' '$T/err' &&
	grep -qx '  other/env/LD_PRELOAD: empty' '$T/err' && ! grep -q 'version: 2' stolen.yaml"
# a store with neither upgrades without a question (an alias carries no
# token: taking it out leaves the version 1 MAC valid)
sed '/TOKEN_COPY/d' "$V1/store.yaml" > noalias.yaml
run sc upgrade noalias.yaml -i id.txt </dev/null
assert "a version 1 store without aliases or empty values upgrades without a question ($RC)" \
	bash -c "[ $RC = 0 ] && grep -q 'version: 2' noalias.yaml && [ ! -s '$T/err' ]"
run sc upgrade v1.yaml -i id.txt -v --yes
assert_rc 0 "upgrade --yes rewrites a version 1 store"
assert_err "v1.yaml: upgraded to version 2" "upgrade -v says so"
assert "upgrade prints nothing on stdout" [ ! -s "$T/out" ]
# only the version and mac lines change: every token, comment token, key
# and anchor stays byte for byte
git diff --no-index -U0 before.yaml v1.yaml | grep '^[-+]' | grep -v '^\(---\|+++\) ' > changed.txt
assert "only the version: and mac: lines changed ($(wc -l < changed.txt) lines)" bash -c \
	"[ \$(wc -l < changed.txt) = 4 ] && sed -n 1p changed.txt | grep -qx -- '-  version: 1' &&
	 sed -n 2p changed.txt | grep -qx -- '+  version: 2' &&
	 sed -n 3p changed.txt | grep -qE -- '^-  mac: [A-Za-z0-9+/]{43}=\$' &&
	 sed -n 4p changed.txt | grep -qE -- '^\+  mac: [A-Za-z0-9+/]{43}=\$'"
assert "the store's mode is kept (0640)" [ "$(stat -c %a v1.yaml)" = 640 ]
run sc verify v1.yaml -i id.txt
assert_rc 0 "the upgraded store verifies"
run sc decrypt v1.yaml -i id.txt
assert_rc 0 "the upgraded store decrypts"
assert "its view is, byte for byte, what secretctl 0389f9c decrypted from the version 1 store" \
	cmp -s "$T/out" "$V1/plain.yaml"
run sc extract v1.yaml -e other/env -i id.txt
assert "extract reads it, the value alias too" bash -c "[ \"\$(cat '$T/out')\" = 'OTHER=s3cr3t
TOKEN_COPY=tok-123456' ]"
run sc ls v1.yaml app
assert "ls reads it" grep -qx 'app/hosts/1' "$T/out"

# --- a second upgrade changes nothing
cp v1.yaml v2.yaml; ino=$(stat -c %i v1.yaml); mt=$(stat -c %y v1.yaml)
run sc upgrade v1.yaml -i id.txt -v --yes
assert_rc 0 "upgrading a version 2 store: exit 0"
assert_err "version 2 store already" "... saying it is version 2 already"
assert "... and nothing is written (same bytes, inode and mtime)" bash -c \
	"cmp -s v1.yaml v2.yaml && [ $ino = \$(stat -c %i v1.yaml) ] && [ '$mt' = \"\$(stat -c %y v1.yaml)\" ]"

# --- refusals: each leaves the file byte for byte as it was
# refused STORE CODE PATTERN DESC [ARGS]: upgrade STORE exits CODE with
# stderr matching PATTERN, prints nothing and leaves STORE as it was
refused() {
	local f=$1 code=$2 pat=$3 desc=$4; shift 4
	cp "$f" refused-before.yaml
	run sc upgrade "$f" "$@"
	assert_rc "$code" "$desc: upgrade exits $code"
	assert_err "$pat" "$desc: the message"
	assert "$desc: the store is left as it was, nothing printed" \
		bash -c "cmp -s '$f' refused-before.yaml && [ ! -s '$T/out' ]"
}
# a token changed (valid base64 still): the version 1 MAC fails
cp "$V1/store.yaml" badtok.yaml
python3 - badtok.yaml <<'PY'
import re, sys
p = sys.argv[1]; t = open(p).read()
m = re.search(r'    OTHER: !enc ([A-Za-z0-9+/]+)', t)
i = m.start(1) + 20
c = 'B' if t[i] == 'A' else 'A'
open(p, 'w').write(t[:i] + c + t[i + 1:])
PY
assert "badtok.yaml differs from the fixture in one byte" \
	[ "$(cmp -l badtok.yaml "$V1/store.yaml" | wc -l)" = 1 ]
refused badtok.yaml 5 "^secretctl: badtok.yaml: the version 1 MAC does not verify" \
	"a version 1 store with a changed token" -i id.txt
# the mac changed
sed 's|^\(  mac: \)A|\1B|; t; s|^\(  mac: \).|\1A|' "$V1/store.yaml" > badmac.yaml
refused badmac.yaml 5 "the version 1 MAC does not verify" "a version 1 store with a changed mac" -i id.txt
# a token moved to another path: its tag (and the MAC) fail
tokof() { grep -o "$1: !enc [A-Za-z0-9+/=]*" "$V1/store.yaml" | sed 's/.*!enc //'; }
sed "s|^    OTHER: !enc .*|    OTHER: !enc $(tokof DB_PASSWORD)|" "$V1/store.yaml" > moved.yaml
refused moved.yaml 5 "does not verify" "a version 1 store with a token moved" -i id.txt
# PoC (a) on the version 1 store: the version 1 MAC does not cover clear
# text (secretctl 0389f9c verified it and printed /tmp/evil.so as
# app/env/LD_PRELOAD); upgrade refuses the alias of a key
cp "$V1/store.yaml" keyalias.yaml
sed -i '1i &evil /tmp/evil.so:' keyalias.yaml
sed -i 's/^    DB_PASSWORD: !enc/    LD_PRELOAD: *evil\n&/' keyalias.yaml
refused keyalias.yaml 6 "^secretctl: keyalias.yaml: line 5, column 17: alias '\*evil' names a mapping key" \
	"PoC (a) on a version 1 store" -i id.txt
# no identity: exit 4
cp "$V1/store.yaml" noid.yaml
refused noid.yaml 4 "no identity" "no identity"
run sc upgrade noid.yaml -i id2.txt
assert_rc 4 "an identity without a slot: exit 4"
assert "... and the store is left as it was" cmp -s noid.yaml "$V1/store.yaml"
run sc upgrade missing.yaml -i id.txt
assert_rc 3 "upgrade of a missing store: exit 3"
printf 'a: 1\n' > notstore.yaml
run sc upgrade notstore.yaml -i id.txt
assert_rc 6 "upgrade of a file that is not a store: exit 6"

# --- a CRLF copy of the version 1 store (a checkout that converts line
# breaks; the version 1 MAC does not cover them): upgrade keeps every token
# and the view. (Not quite only the version and mac lines: the block
# scalar's line ends in LF after the upgrade, the line break inside its
# token, as in the view secretctl 0389f9c decrypts from the CRLF copy.)
sed 's/$/\r/' "$V1/store.yaml" > crlf.yaml; cp crlf.yaml crlf-before.yaml
run sc upgrade crlf.yaml -i id.txt --yes
assert_rc 0 "upgrade of a CRLF version 1 store"
assert "CRLF: every token is kept, in order" bash -c \
	"[ \"\$(grep -o '!enc [A-Za-z0-9+/=]*' crlf.yaml)\" = \"\$(grep -o '!enc [A-Za-z0-9+/=]*' crlf-before.yaml)\" ]"
git diff --no-index --ignore-cr-at-eol -U0 crlf-before.yaml crlf.yaml | grep '^[-+]' | grep -v '^\(---\|+++\) ' > changed.txt
assert "CRLF: but for line breaks, only the version: and mac: lines changed" bash -c \
	"[ \$(wc -l < changed.txt) = 4 ] && grep -qx -- \$'+  version: 2\\r' changed.txt"
assert "CRLF: every line but the block scalar's keeps CRLF" bash -c \
	"! grep -v \$'\\r\$' crlf.yaml | grep -vq '^  cert: !enc '"
run sc verify crlf.yaml -i id.txt
assert_rc 0 "CRLF: the upgraded store verifies"
run sc decrypt crlf.yaml -i id.txt
assert "CRLF: its view is the fixture's view, but for CRs" bash -c "tr -d '\\r' < '$T/out' | cmp -s - '$V1/plain.yaml'"
