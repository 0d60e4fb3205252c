#!/bin/bash
# extract: file form bytes, env form lines, refusals, missing paths, and
# nothing loaded that the command does not need.
. "$(dirname "$0")/lib.sh"

cd "$T"
sc keygen -o id.txt 2>/dev/null
R=$(sc keygen -y id.txt)
export SECRETCTL_IDENTITY="$T/id.txt"
printf 'keep\n\n' > keep.bin
cat > plain.yaml <<'YAML'
app:
  env:
    DB_PASSWORD: hunter2
    GREETING: "hello world"
    MULTI: "line1\nline2"
    ALIASED: *shared
  nested:
    deeper:
      leaf: deep-value
binary: !!binary AAEC/w==
literal: |
  one
  two
strip: |-
  one
  two
keep: |+
  keep

folded: >
  folded
  text
folded_strip: >-
  folded
  text
indented:
  inner: |2
     two-space-lead
crlf: "a\r\nb"
noeol: last
YAML
# an anchor must come before its alias: put it first
{ printf 'shared: &shared anchored-value\n'; cat plain.yaml; } > p2.yaml
sc encrypt p2.yaml -r "$R" -o s.yaml

xf() { sc extract s.yaml -f "$1"; }
check_bytes() { # DESC PATH EXPECTED_PRINTF_FORMAT
	printf "$3" > want.bin
	run xf "$2"
	if [ "$RC" = 0 ] && cmp -s "$T/out" want.bin; then ok "$1"; else
		not_ok "$1 (rc $RC)"; { od -c "$T/out" | head -5; cat "$T/err"; } | diag; fi
}
check_bytes "-f gives a plain value without a newline" app/env/DB_PASSWORD 'hunter2'
check_bytes "-f decodes !!binary (NUL and 0xff)" binary '\000\001\002\377'
check_bytes "-f on a literal block keeps its final newline" literal 'one\ntwo\n'
check_bytes "-f on |- strips the final newline" strip 'one\ntwo'
check_bytes "-f on |+ keeps trailing blank lines" keep 'keep\n\n'
check_bytes "-f on > folds lines" folded 'folded text\n'
check_bytes "-f on >- folds and strips" folded_strip 'folded text'
check_bytes "-f on an explicit indentation indicator at depth 2" indented/inner ' two-space-lead\n'
check_bytes "-f keeps CRLF inside a value" crlf 'a\r\nb'
check_bytes "-f follows aliases" app/env/ALIASED 'anchored-value'
check_bytes "-f on the last value of the file" noeol 'last'
head -c 1048576 /dev/urandom > big.bin
sc set s.yaml big --value-file big.bin
run xf big
assert "-f gives a 1 MiB binary value exactly" cmp -s "$T/out" big.bin
printf 'a\0b' > nul.bin
sc set s.yaml withnul --value-file nul.bin
run xf withnul
assert "-f gives a value with a NUL byte exactly" cmp -s "$T/out" nul.bin
run xf app/env/DB_PASSWORD
assert "success prints nothing on stderr" [ ! -s "$T/err" ]

run xf app/env
assert_rc 6 "-f on a mapping is exit 6"
assert_err 'app/env is a mapping of 4 keys; use -e, or one of: app/env/DB_PASSWORD' "the hint names the children"
assert "nothing on stdout after a refusal" [ ! -s "$T/out" ]
run xf app/env/DB_PASSWORDX
assert_rc 3 "a missing path is exit 3"
assert_err 'did you mean app/env/DB_PASSWORD' "a missing path suggests the closest"
run xf nothing/like/this/at/all
assert_rc 3 "a far-off missing path is exit 3 too"

# env form
run sc extract s.yaml -e app/env/DB_PASSWORD
assert "-e on a scalar gives NAME=value" bash -c "[ \"\$(cat '$T/out')\" = DB_PASSWORD=hunter2 ]"
run sc extract s.yaml -e app/env/DB_PASSWORD --name PW
assert "--name renames" bash -c "[ \"\$(cat '$T/out')\" = PW=hunter2 ]"
run sc extract s.yaml -e app/env
printf 'DB_PASSWORD=hunter2\nGREETING="hello world"\nMULTI="line1\nline2"\nALIASED=anchored-value\n' > want
assert "-e on a mapping: one line per child, in order, systemd quoting" cmp -s "$T/out" want
run sc extract s.yaml -e app/env --format shell
assert_out "^export GREETING='hello world'$" "--format shell"
run sc extract s.yaml -e app/env --format json
assert "--format json is one object" bash -c "jq -e '.MULTI == \"line1\nline2\"' '$T/out' >/dev/null"
run sc extract s.yaml -e app/env --format podman
assert_rc 6 "podman format refuses a newline"
assert_err 'app/env/MULTI: value has a newline.*podman' "the refusal names the path, the dialect and the reason"
assert "all or nothing: no line is written" [ ! -s "$T/out" ]
run sc extract s.yaml -e app/env --format docker
assert_rc 6 "docker is podman's dialect"
run sc extract s.yaml -e app/env --format yaml
assert_rc 2 "an unknown format is a usage error"
run sc extract s.yaml -e app
assert_rc 6 "-e on a mapping with a mapping child is exit 6"
assert_err 'app/env is a mapping' "the refusal names the child"
run sc extract s.yaml -e app/env/DB_PASSWORD --name 1BAD
assert_rc 6 "an invalid --name is exit 6"
sc set s.yaml 'app/bad-name/x' --value-file keep.bin
run sc extract s.yaml -e app/bad-name/x
assert_rc 0 "a valid last segment is the name"
printf 'v' | sc set s.yaml 'odd/my-var'
run sc extract s.yaml -e odd/my-var
assert_rc 6 "a key that is no valid env name is exit 6"
assert_err 'my-var' "the bad name is named"
run sc extract s.yaml -e app/env/DB_PASSWORD -f literal
assert_rc 2 "-e and -f together is a usage error"
run sc extract s.yaml
assert_rc 2 "neither -e nor -f is a usage error"
SECRETCTL_STORE=s.yaml run sc extract -f app/env/DB_PASSWORD
assert "extract uses \$SECRETCTL_STORE" bash -c "[ $RC = 0 ] && [ \"\$(cat '$T/out')\" = hunter2 ]"
unset SECRETCTL_IDENTITY
run sc extract s.yaml -f app/env/DB_PASSWORD
assert_rc 4 "without an identity: exit 4"
export SECRETCTL_IDENTITY="$T/id.txt"

# nothing loaded that is not needed
run env LD_DEBUG=files "$SECRETCTL" extract s.yaml -f app/env/DB_PASSWORD
assert "extract maps no libsecret or glib (LD_DEBUG=files)" bash -c "! grep -Eq 'libsecret|libglib|libgio' '$T/err'"
assert "the LD_DEBUG check saw libc (so it would see more)" grep -q "libc.so" "$T/err"

# > /dev/full
run sc extract s.yaml -f app/env/DB_PASSWORD
run bash -c "'$SECRETCTL' extract s.yaml -f app/env/DB_PASSWORD > /dev/full"
assert_rc 7 "a full stdout is exit 7"
