#!/bin/bash
# Stores in git, with real git: the .gitattributes line and the `git
# config` lines of the man page's GIT section, run as written; merges
# through the driver (clean, conflicting, without an identity, with a
# tampered side, with slots and data keys changed on one side), conflicts
# resolved with `git mergetool --tool=secretctl`, `git diff` and `git log
# -p` through textconv, no line-end conversion, and `verify --repair`
# after a merge by hand.
. "$(dirname "$0")/lib.sh"
need git python3
private_tmpfs git

cd "$T"
# the documented lines name `secretctl`: the one under test, first on PATH
mkdir bin
ln -s "$SECRETCTL" bin/secretctl
export PATH="$T/bin:$PATH"
export GIT_CONFIG_GLOBAL="$T/gitconfig" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
git config --global user.email t@example.org
git config --global user.name test
git config --global init.defaultBranch main
sc keygen -o id1.txt 2>/dev/null; sc keygen -o id2.txt 2>/dev/null
R1=$(sc keygen -y id1.txt); R2=$(sc keygen -y id2.txt)
export SECRETCTL_IDENTITY="$T/id1.txt"
# git runs the driver with this environment: under valgrind, a few runs
export VG_EVERY=7

SCD=$TOP/docs/secretctl.1.scd
attr=$(sed -n '/^# GIT/,/^# SEE ALSO/p' "$SCD" | grep -m1 'merge=secretctl')
mapfile -t config < <(sed -n '/^# GIT/,/^# SEE ALSO/p' "$SCD" | grep '^git config ')
assert "the man page gives the .gitattributes line and 6 git config lines" \
	[ "$attr" = ".secret.yaml merge=secretctl diff=secretctl -text" -a "${#config[@]}" = 6 ]

# a repository as the man page says
setup() { # DIR
	git init -q "$1" && cd "$1" || return 1
	printf '%s\n' "$attr" > .gitattributes
	for c in "${config[@]}"; do eval "$c" || return 1; done
	cd "$T"
}
setup repo
cd repo
cat > plain.yaml <<'YAML'
# the host's secrets
app:
  env:
    DB_PASSWORD: one     # rotated yearly
    API_TOKEN: two
  tls.key: |
    -----BEGIN KEY-----
    abc
    -----END KEY-----
other:
  x: 1
YAML
sc init .secret.yaml --from plain.yaml -r "$R1" && rm plain.yaml
git add -A && git commit -qm init
base=$(git rev-parse HEAD)
v() { sc extract .secret.yaml -f "$1"; }

# --- disjoint changes on two branches: a clean merge that verifies
git checkout -qb theirs
printf 'theirs-token' | sc set .secret.yaml app/env/API_TOKEN
printf 'new' | sc set .secret.yaml app/env/ADDED
git commit -qam theirs
git checkout -q main
printf 'ours-password' | sc set .secret.yaml app/env/DB_PASSWORD
printf 'y' | sc set .secret.yaml zz
sc unset .secret.yaml other/x
git commit -qam ours
run git merge -q theirs -m merge
assert_rc 0 "disjoint changes (neighbouring lines included) merge without a conflict"
run sc verify .secret.yaml
assert_rc 0 "the merged store verifies"
assert "it holds both sides' changes" test "$(v app/env/DB_PASSWORD) $(v app/env/API_TOKEN) $(v app/env/ADDED) $(v zz)" = "ours-password theirs-token new y"
run sc extract .secret.yaml -f other/x
assert_rc 3 "... and ours' removal"
assert "the merge changed only theirs' lines and the mac against ours" bash -c "
	git diff --no-textconv HEAD^1 HEAD -- .secret.yaml | grep '^[-+] ' | grep -v 'mac:' |
	grep -vE '^[-+]    (API_TOKEN|ADDED): !enc ' | wc -l | grep -qx 0"
run git diff HEAD^1 HEAD -- .secret.yaml
assert "git diff shows the plaintext through textconv" bash -c "
	grep -qx '+    API_TOKEN: theirs-token' '$T/out' && grep -qx '+    ADDED: new' '$T/out' && ! grep -q '!enc' '$T/out'"
run git log -p -1 HEAD^2 -- .secret.yaml
assert "git log -p too" bash -c "grep -qx '+    API_TOKEN: theirs-token' '$T/out' && ! grep -q '!enc' '$T/out'"

# --- the same path changed on both sides: a conflict, OURS untouched
git checkout -qb t2
printf 'from-t2' | sc set .secret.yaml app/env/DB_PASSWORD
printf 'from-t2' | sc set .secret.yaml app/env/API_TOKEN
git commit -qam t2
git checkout -q main
printf 'from-main' | sc set .secret.yaml app/env/DB_PASSWORD
printf 'from-main' | sc set .secret.yaml app/env/API_TOKEN
printf 'main-only' | sc set .secret.yaml zz
git commit -qam m2
cp .secret.yaml ../ours.yaml
run git merge -q t2 -m m2
assert "the same path changed on both sides: git reports a conflict ($RC)" [ "$RC" != 0 ]
assert "every conflicting path is named" bash -c "
	grep -q 'conflict: app/env/DB_PASSWORD: changed on both sides' '$T/err' &&
	grep -q 'conflict: app/env/API_TOKEN: changed on both sides' '$T/err'"
assert "OURS is left as it was" cmp -s .secret.yaml ../ours.yaml
# resolved with git mergetool: an editor that keeps theirs
cat > ../keep-theirs.sh <<SH
#!/bin/sh
cp "\$1" "$T/seen.txt"
SH
cat >> ../keep-theirs.sh <<'SH'
python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r'<<<<<<< ours.*?\n.*?=======\n(.*?)>>>>>>> theirs\n', r'\1', t, flags=re.S)
open(sys.argv[1], 'w').write(t)
PY
SH
chmod +x ../keep-theirs.sh
run env EDITOR="$T/keep-theirs.sh" git mergetool --tool=secretctl --no-prompt
assert_rc 0 "git mergetool --tool=secretctl resolves it"
assert "the editor saw each conflict: ours, the base and theirs between markers" bash -c "
	grep -A6 -x '<<<<<<< ours app/env/DB_PASSWORD' '$T/seen.txt' | tr '\n' '|' |
	grep -q '^<<<<<<< ours app/env/DB_PASSWORD|    DB_PASSWORD: from-main *# rotated yearly|||||||| base|    DB_PASSWORD: ours-password *# rotated yearly|=======|    DB_PASSWORD: from-t2 *# rotated yearly|>>>>>>> theirs|' &&
	grep -qx '<<<<<<< ours app/env/API_TOKEN' '$T/seen.txt'"
run sc verify .secret.yaml
assert_rc 0 "the resolved store verifies"
assert "it holds theirs' values for the conflicts and ours' other change" \
	test "$(v app/env/DB_PASSWORD) $(v app/env/API_TOKEN) $(v zz)" = "from-t2 from-t2 main-only"
assert "git sees it resolved" bash -c "git diff --name-only --diff-filter=U | wc -l | grep -qx 0"
git commit -qm resolved

# --- an editor that leaves a marker: nothing is saved
git checkout -qb t3
printf 't3' | sc set .secret.yaml app/env/DB_PASSWORD
git commit -qam t3
git checkout -q main
printf 'm3' | sc set .secret.yaml app/env/DB_PASSWORD
git commit -qam m3
git merge -q t3 -m m3 2>/dev/null
cp .secret.yaml ../before.yaml
run env EDITOR=true git mergetool --tool=secretctl --no-prompt
assert "markers left in the text: mergetool fails ($RC)" [ "$RC" != 0 ]
assert "... saying a conflict marker is left" grep -q 'a conflict marker is left' "$T/err"
assert "... and the file is as it was" cmp -s .secret.yaml ../before.yaml
git merge --abort

# --- no identity: the driver fails cleanly
git checkout -qb t4
printf 't4' | sc set .secret.yaml other/new
git commit -qam t4
git checkout -q main
printf 'm4' | sc set .secret.yaml zz
git commit -qam m4
cp .secret.yaml ../ours.yaml
run env -u SECRETCTL_IDENTITY git merge -q t4 -m m4
assert "without an identity the merge fails ($RC)" [ "$RC" != 0 ]
assert "... saying no identity opens the store" grep -q 'secretctl: .*identit' "$T/err"
assert "... and OURS is left as it was" cmp -s .secret.yaml ../ours.yaml
git merge --abort
run git merge -q t4 -m m4
assert_rc 0 "with the identity the same merge is clean"
assert "... and takes theirs' new key" test "$(v other/new) $(v zz)" = "t4 m4"

# --- a side a store writer without the key changed: refused
git checkout -qb evil
sed -i '1i &evil /tmp/evil.so:' .secret.yaml
git commit -qam evil
git checkout -q main
printf 'm5' | sc set .secret.yaml zz
git commit -qam m5
cp .secret.yaml ../ours.yaml
run git merge -q evil -m m5
assert "a tampered side makes the merge fail ($RC)" [ "$RC" != 0 ]
assert "... naming the MAC" grep -q "store's MAC does not verify" "$T/err"
assert "... and OURS is left as it was" cmp -s .secret.yaml ../ours.yaml
git merge --abort

# --- slots: a recipient added on one side, a value on the other
git checkout -qb addr
sc recipients .secret.yaml add "$R2"
git commit -qam addr
git checkout -q main
printf 'm6' | sc set .secret.yaml zz
git commit -qam m6
run git merge -q addr -m m6
assert_rc 0 "a recipient added on one side, a value on the other: clean"
run env -u SECRETCTL_IDENTITY "$SECRETCTL" verify .secret.yaml -i "$T/id2.txt"
assert_rc 0 "the added recipient opens the merged store"
assert "... and reads ours' change" test "$(env -u SECRETCTL_IDENTITY "$SECRETCTL" extract .secret.yaml -f zz -i "$T/id2.txt")" = m6
# the recipient removed on one side (the data key rotates), a value changed
# on the other: the removed key opens nothing merged
git checkout -qb rmr
sc recipients .secret.yaml rm "$R2"
git commit -qam rmr
git checkout -q main
printf 'm7' | sc set .secret.yaml zz
git commit -qam m7
run git merge -q rmr -m m7
assert_rc 0 "a recipient removed (rotated) on one side, a value on the other: clean"
assert "the merge keeps the rotated key and ours' change" test "$(sc recipients .secret.yaml) $(v zz)" = "$R1 m7"
run env -u SECRETCTL_IDENTITY "$SECRETCTL" extract .secret.yaml -f zz -i "$T/id2.txt"
assert_rc 4 "the removed recipient cannot open the merged store"
# both sides rotate: a new data key
git checkout -qb rot
sc rotate .secret.yaml
printf 'rot' | sc set .secret.yaml app/env/API_TOKEN
git commit -qam rot
git checkout -q main
sc rotate .secret.yaml
printf 'm8' | sc set .secret.yaml zz
git commit -qam m8
run git merge -q rot -m m8
assert_rc 0 "both sides rotated: the merge makes a new data key"
assert "... with both changes" test "$(v app/env/API_TOKEN) $(v zz)" = "rot m8"
assert "... and every token new" bash -c "
	! grep -qxFf <(git show HEAD^1:.secret.yaml | grep -o '!enc [^ ]*') <(grep -o '!enc [^ ]*' .secret.yaml) &&
	! grep -qxFf <(git show HEAD^2:.secret.yaml | grep -o '!enc [^ ]*') <(grep -o '!enc [^ ]*' .secret.yaml)"

# --- no line-end conversion (-text), even with core.autocrlf
git config core.autocrlf true
rm .secret.yaml && git checkout -q -- .secret.yaml
run sc verify .secret.yaml
assert_rc 0 "core.autocrlf=true: the checked-out store still verifies (-text)"
git config --unset core.autocrlf

# --- a merge by hand, then verify --repair
git config --remove-section merge.secretctl
git checkout -qb t9
printf 't9' | sc set .secret.yaml app/env/API_TOKEN
git commit -qam t9
git checkout -q main
printf 'm9' | sc set .secret.yaml zz
git commit -qam m9
git show HEAD:.secret.yaml > ../good.yaml
run git merge t9 -m m9
assert "without the driver, the mac line conflicts ($RC)" [ "$RC" = 1 ]
# by hand: ours' side of each hunk, theirs' for the API_TOKEN line
python3 - .secret.yaml <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def pick(m):
    ours, theirs = m.group(1), m.group(2)
    return theirs if 'API_TOKEN' in theirs else ours
t = re.sub(r'<<<<<<< [^\n]*\n(.*?)=======\n(.*?)>>>>>>> [^\n]*\n', pick, t, flags=re.S)
open(sys.argv[1], 'w').write(t)
PY
run sc verify .secret.yaml
assert_rc 5 "the hand-merged store fails its MAC"
run sc verify .secret.yaml --repair --against ../good.yaml </dev/null
assert_rc 2 "verify --repair without a terminal and without --yes is refused"
cp .secret.yaml ../hand.yaml
run sc verify .secret.yaml --repair --against ../good.yaml --yes
assert_rc 0 "verify --repair --yes writes a new MAC"
assert "it lists what differs from GOOD" bash -c "grep -qx '~ app/env/API_TOKEN' '$T/err' && grep -q '1 entry differs' '$T/err'"
assert "only the mac line changed" bash -c "diff ../hand.yaml .secret.yaml | grep '^[<>]' | grep -v '  mac: ' | wc -l | grep -qx 0"
run sc verify .secret.yaml
assert_rc 0 "the repaired store verifies"
assert "with both sides' values" test "$(v app/env/API_TOKEN) $(v zz)" = "t9 m9"
git add .secret.yaml && git commit -qm m9
# a token moved to another path is not blessed
cp .secret.yaml ../ok.yaml
tok=$(grep -o 'API_TOKEN: !enc [^ ]*' .secret.yaml | cut -d' ' -f2-)
sed -i "s|^\(    DB_PASSWORD: \)!enc [^ ]*|\1$tok|" .secret.yaml
cp .secret.yaml ../moved.yaml
run sc verify .secret.yaml --repair --yes
assert_rc 5 "verify --repair refuses a token moved to another path"
assert "... naming the path" grep -q 'app/env/DB_PASSWORD' "$T/err"
assert "... and writes nothing" cmp -s .secret.yaml ../moved.yaml
cp ../ok.yaml .secret.yaml
run sc verify .secret.yaml --repair --yes
assert "verify --repair of a store whose MAC verifies changes nothing" bash -c "
	[ $RC = 0 ] && grep -q 'nothing to repair' '$T/err' && cmp -s .secret.yaml ../ok.yaml"
vg_sample_end
