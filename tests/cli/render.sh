# render and install --template: {{ PATH | filter }} placeholders filled
# from a store. The filters against real parsers on the values quoting gets
# wrong (jq for json, python3-yaml for yaml, sh's printf for sh, extract -f
# for raw); every refusal with its message, line, column and exit code, and
# nothing written; install --template as install; the caddy example's
# install line run.
. "$(dirname "$0")/lib.sh"
need python3 jq sh
python3 -c 'import yaml' 2>/dev/null || { skip "python3-yaml is not installed"; exit 0; }
nasty_store "$T/n" || { not_ok "cannot make the test store"; exit 1; }
S=$T/n/s.yaml
KEYS=$(cd "$T/n/v" && ls)
# the values that are UTF-8 (what json and yaml carry), and those not
python3 - "$T/n/v" >"$T/utf8" <<'PY'
import os, sys
for k in sorted(os.listdir(sys.argv[1])):
    try:
        open(os.path.join(sys.argv[1], k), "rb").read().decode("utf-8")
        print(k)
    except UnicodeDecodeError:
        pass
PY
UTF8=$(cat "$T/utf8")
NOT_UTF8=$(cd "$T/n/v" && ls | grep -vxF -f "$T/utf8")
cat >"$T/plain.yaml" <<'EOF'
app:
  env:
    DB_USER: alice
    DB_PASSWORD: "pa55 'w' $x"
  tls.key: |
    -----BEGIN-----
    abc
  nul: !!binary YQBi
  list:
    - a
  "with space": sp
EOF
sc encrypt "$T/plain.yaml" -r "$(sc keygen -y "$T/n/id.txt")" -o "$T/s.yaml"
A=$T/s.yaml

# ---- the filters against the parsers ----
# json: one JSON object of every UTF-8 value, read back by jq
{ echo '{'; sep=''; for k in $UTF8; do printf '%s"%s": {{ nasty/%s | json }}\n' "$sep" "$k" "$k"; sep=,; done; echo '}'; } >"$T/json.tmpl"
run sc render "$S" "$T/json.tmpl"
assert_rc 0 "render | json: $(echo $UTF8 | wc -w) UTF-8 values"
cp "$T/out" "$T/json.out"
bad=""
for k in $UTF8; do
	jq -j --arg k "$k" '.[$k]' "$T/json.out" >"$T/got" 2>/dev/null && cmp -s "$T/got" "$T/n/v/$k" || bad="$bad $k"
done
assert "json: jq reads back every value byte for byte${bad:+ (differ:$bad)}" [ -z "$bad" ]
# yaml: a mapping of every UTF-8 value, block and flow, read by python3-yaml
{ for k in $UTF8; do printf '%s: {{ nasty/%s | yaml }}\n' "$k" "$k"; done
  printf 'flow: [{{ nasty/quotes | yaml }}, {{ nasty/uni | yaml }}, {{ nasty/mixed | yaml }}]\n'; } >"$T/yaml.tmpl"
run sc render "$S" "$T/yaml.tmpl"
assert_rc 0 "render | yaml"
cp "$T/out" "$T/yaml.out"
run python3 - "$T/yaml.out" "$T/n/v" $UTF8 <<'PY'
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1], "rb"))
v = lambda k: open(os.path.join(sys.argv[2], k), "rb").read()
bad = [k for k in sys.argv[3:] if doc.get(k, "").encode() != v(k)]
if [x.encode() for x in doc["flow"]] != [v("quotes"), v("uni"), v("mixed")]:
    bad.append("flow")
print(" ".join(bad)); sys.exit(1 if bad else 0)
PY
assert_rc 0 "yaml: python3-yaml reads back every value byte for byte"
# sh: a script that printf %s each quoted word into a file
mkdir "$T/sh"
for k in $KEYS; do printf 'printf %%s {{ nasty/%s | sh }} >"$1/%s"\n' "$k" "$k"; done >"$T/sh.tmpl"
run sc render "$S" "$T/sh.tmpl" -o "$T/sh.script"
assert_rc 0 "render | sh -o FILE: all 265 values (every byte 1-255)"
run sh "$T/sh.script" "$T/sh"
bad=""
for k in $KEYS; do cmp -s "$T/sh/$k" "$T/n/v/$k" || bad="$bad $k"; done
assert "sh: sh -c 'printf %s WORD' gives back every value byte for byte${bad:+ (differ:$bad)}" [ -z "$bad" ]
# raw: each value alone, against extract -f ("{{" in a value is text)
bad=""
# (530 runs: under make valgrind every 17th goes through memcheck)
export VG_EVERY=17
for k in $KEYS; do
	printf '{{ nasty/%s }}' "$k" >"$T/raw.tmpl"
	sc render "$S" "$T/raw.tmpl" >"$T/got" 2>"$T/err" && sc extract "$S" -f "nasty/$k" >"$T/want" &&
		cmp -s "$T/got" "$T/want" || bad="$bad $k"
done
vg_sample_end
assert "raw: every value equals extract -f, byte for byte${bad:+ (differ:$bad)}" [ -z "$bad" ]
# trim, combined, text around, the literal {{, "}}" as text, blanks
printf 'a{{nasty/trail|trim}}b\n{{ nasty/mixed | trim | json }}\n{{ "{{" }} x }} }}\n[{{	app/with space	|	raw	}}]\n{{ nasty/braces }}\n' >"$T/t.tmpl"
printf 'x: {{ app/env/DB_USER }}\n' >"$T/one.tmpl"
sed -i 's/app\/with space/nasty\/dq/' "$T/t.tmpl"
run sc render "$S" "$T/t.tmpl"
assert_rc 0 "render: trim, trim | json, the literal {{, blanks and tabs"
python3 - "$T/n/v" >"$T/want" <<'PY'
import json, os, sys
v = lambda k: open(os.path.join(sys.argv[1], k), "rb").read()
sys.stdout.buffer.write(b"a" + v("trail")[:-1] + b"b\n" + json.dumps(v("mixed")[:-1].decode()).encode()
                        + b"\n{{ x }} }}\n[" + v("dq") + b"]\n" + v("braces") + b"\n")
PY
if cmp -s "$T/want" "$T/out"; then ok "render: the output is the text with each value in place"
else not_ok "render: output differs"; diff "$T/want" "$T/out" | diag; fi
run sc render "$S" "$T/t.tmpl" -o "$T/t.out"
assert "render -o: the same bytes, mode 0600" bash -c "cmp -s '$T/want' '$T/t.out' && [ \$(stat -c %a '$T/t.out') = 600 ]"
assert "render -o: nothing on stdout" test ! -s "$T/out"
# the template on stdin, the store from $SECRETCTL_STORE
run_in "$T/one.tmpl" sc render "$A" -
assert "render STORE -: the template on stdin" test "$(cat "$T/out")" = "x: alice"
run env SECRETCTL_STORE="$A" "$SECRETCTL" render "$T/one.tmpl"
assert "render TEMPLATE: the store from \$SECRETCTL_STORE" test "$(cat "$T/out")" = "x: alice"
# an empty template, a template of text only
: >"$T/empty.tmpl"
run sc render "$A" "$T/empty.tmpl"
assert "render: an empty template is empty output" bash -c "[ $RC = 0 ] && [ ! -s '$T/out' ]"

# ---- refusals: message with line and column, exit code, nothing written ----
# each template: good lines first, the fault on line 3
refuse() { # WANT_RC MSG_REGEX DESC LINE3 [STORE]
	local want=$1 msg=$2 desc=$3 store=${5:-$A} u=app/env/DB_USER p=app/env/DB_PASSWORD
	[ "$store" = "$A" ] || { u=nasty/quotes; p=nasty/mixed; }
	printf 'u={{ %s }}\np={{ %s | sh }}\n%s\n' "$u" "$p" "$4" >"$T/bad.tmpl"
	run sc render "$store" "$T/bad.tmpl"
	assert_rc "$want" "render: $desc (exit $want)"
	assert_err "$msg" "render: $desc: message"
	assert_one_line "render: $desc: one line"
	assert "render: $desc: nothing on stdout" test ! -s "$T/out"
	rm -f "$T/o"
	run sc render "$store" "$T/bad.tmpl" -o "$T/o"
	assert "render -o: $desc: exit $want, no file" bash -c "[ $RC = $want ] && [ ! -e '$T/o' ]"
	run sc install "$store" --template "$T/bad.tmpl" conf --dir "$T/inst" --mkdir
	assert "install --template: $desc: exit $want, nothing installed" bash -c "[ $RC = $want ] && [ ! -e '$T/inst/conf' ]"
}
B="^secretctl: template '$T/bad.tmpl', line 3"
refuse 3 "$B, column 5: app/env/DB_PASWORD: no such path in $A; did you mean app/env/DB_PASSWORD( or app/env/DB_USER)?\\?$" \
	"unknown PATH, with did you mean" 'x = {{ app/env/DB_PASWORD }}'
refuse 6 "$B, column 1: app/env is a mapping of 2 keys; a placeholder takes a scalar: one of: app/env/DB_USER, app/env/DB_PASSWORD$" \
	"a mapping" '{{ app/env }}'
refuse 6 "$B, column 3: app/list is a sequence of 1 items; a placeholder takes a scalar: one of: app/list/0$" \
	"a sequence" '  {{ app/list | json }}'
refuse 6 "$B, column 5: unterminated placeholder \\(no \\}\\} on its line; \\{\\{ \"\\{\\{\" \\}\\} is a literal \\{\\{\\)$" \
	"unterminated placeholder" 'x = {{ app/env/DB_USER'
refuse 6 "$B, column 5: unterminated placeholder" "a placeholder closed on the next line" \
	'x = {{ app/env/DB_USER
}}'
refuse 6 "$B, column 21: unknown filter 'jsn' \\(filters: raw, json, yaml, sh, trim\\)$" \
	"unknown filter" 'x: {{ app/tls.key | jsn }}'
refuse 6 "$B, column 1: a placeholder without a PATH$" "an empty placeholder" '{{  }}'
refuse 6 "$B, column 1: more than 8 filters$" "nine filters" '{{ app/tls.key | trim | trim | trim | trim | trim | trim | trim | trim | json }}'
refuse 6 "$B, column 1: bad path: .*~x" "a bad PATH" '{{ app/~x }}'
refuse 6 "$B, column 3: app/nul: value has a NUL byte \\(offset 1\\), which the sh filter cannot carry$" \
	"a NUL for sh" 'x {{ app/nul | sh }}'
refuse 6 "$B, column 1: nasty/b255: value is not valid UTF-8 \\(byte 0xff at offset 0\\), which the json filter cannot carry$" \
	"invalid UTF-8 for json" '{{ nasty/b255 | json }}' "$S"
refuse 6 "$B, column 1: nasty/b128: value is not valid UTF-8 \\(byte 0x80 at offset 0\\), which the yaml filter cannot carry$" \
	"invalid UTF-8 for yaml" '{{ nasty/b128 | trim | yaml }}' "$S"
# every value that is not UTF-8 is refused by json and yaml
bad=""
export VG_EVERY=11
for k in $NOT_UTF8; do
	for f in json yaml; do
		printf '{{ nasty/%s | %s }}' "$k" "$f" >"$T/x.tmpl"
		sc render "$S" "$T/x.tmpl" >"$T/out" 2>/dev/null
		[ $? = 6 ] && [ ! -s "$T/out" ] || bad="$bad $k|$f"
	done
done
vg_sample_end
assert "json and yaml refuse all $(echo $NOT_UTF8 | wc -w) values that are not UTF-8, exit 6${bad:+ (not:$bad)}" [ -z "$bad" ]
# raw and sh carry a NUL's neighbours, json the NUL-free bytes: the refusal is the filter's
printf '{{ app/nul }}' >"$T/x.tmpl"
run sc render "$A" "$T/x.tmpl"
assert "raw carries a NUL" bash -c "[ $RC = 0 ] && printf 'a\\0b' | cmp -s - '$T/out'"
# the template on stdin: its errors say so
printf 'ok\n  {{ app/env | json }}\n' >"$T/x.tmpl"
run_in "$T/x.tmpl" sc render "$A" -
assert_rc 6 "render STORE -: a mapping in the template on stdin (exit 6)"
assert_err "^secretctl: template on standard input, line 2, column 3: app/env is a mapping of 2 keys" \
	"render STORE -: the message names standard input, line and column"
# a syntax error is found before any key is asked for
printf 'x {{ a | nope }}\n' >"$T/x.tmpl"
run env -u SECRETCTL_IDENTITY HOME="$T/nohome" "$SECRETCTL" render "$A" "$T/x.tmpl"
assert_rc 6 "render: a syntax error with no key anywhere: exit 6, not 4"
run env -u SECRETCTL_IDENTITY HOME="$T/nohome" "$SECRETCTL" render "$A" "$T/one.tmpl"
assert_rc 4 "render: no key: exit 4"
# the template file
run sc render "$A" "$T/none.tmpl"
assert_rc 3 "render: a missing template (exit 3)"
assert_err "^secretctl: cannot open '$T/none.tmpl': No such file or directory$" "render: a missing template: message"
truncate -s $((4 * 1024 * 1024 + 1)) "$T/big.tmpl"
run sc render "$A" "$T/big.tmpl"
assert_rc 6 "render: a template over 4 MiB (exit 6)"
assert_err "^secretctl: '$T/big.tmpl' is larger than 4 MiB$" "render: a template over 4 MiB: message"
# -o never overwrites
echo keep >"$T/exists"
run sc render "$A" "$T/one.tmpl" -o "$T/exists"
assert_rc 7 "render -o an existing file (exit 7)"
assert_err "^secretctl: cannot create '$T/exists': it already exists \\(render never overwrites a file; install --template replaces one atomically\\)$" \
	"render -o an existing file: message"
assert "render -o an existing file: left as it was" test "$(cat "$T/exists")" = keep
ln -s "$T/nowhere" "$T/dangling"
run sc render "$A" "$T/one.tmpl" -o "$T/dangling"
assert "render -o a dangling symlink: refused (exit 7), nothing made" bash -c "[ $RC = 7 ] && [ ! -e '$T/nowhere' ]"
# usage
run sc render
assert_rc 2 "render without arguments: usage (exit 2)"
assert_err "^secretctl: render: missing argument$" "render without arguments: message"
run sc render "$T/one.tmpl"
assert_rc 2 "render TEMPLATE without a store: usage (exit 2)"
assert_err "^secretctl: render: missing STORE \\(or \\\$SECRETCTL_STORE\\)$" "render TEMPLATE without a store: message"

# ---- install --template ----
D=$T/d
run sc install "$S" --template "$T/t.tmpl" conf --dir "$D" --mkdir --dry-run
assert_rc 9 "install --template --dry-run: something to do (exit 9)"
assert_out "^$D/conf: would create$" "install --template --dry-run: would create"
assert "install --template --dry-run: nothing made" test ! -e "$D"
sed 's/nasty\/dq/app\/env\/DB_USER/; s/nasty\/[a-z]*/app\/env\/DB_PASSWORD/g' "$T/t.tmpl" >"$T/a.tmpl"
run sc render "$A" "$T/a.tmpl" -o "$T/a.want"
run sc install "$A" --template "$T/a.tmpl" conf --dir "$D" --mkdir --mode 0440 -v
assert_rc 0 "install --template: installs"
assert_err "conf: created$" "install --template -v: says created"
assert "install --template: the file is render's output, mode 0440" \
	bash -c "cmp -s '$T/a.want' '$D/conf' && [ \$(stat -c %a '$D/conf') = 440 ]"
run sc install "$A" --template "$T/a.tmpl" conf --dir "$D" --mode 0440 --dry-run
assert "install --template --dry-run: unchanged (exit 0)" bash -c "[ $RC = 0 ] && grep -qx '$D/conf: unchanged' '$T/out'"
printf 'changed {{ app/env/DB_USER }}\n' >"$T/a.tmpl"
run sc install "$A" --template "$T/a.tmpl" conf --dir "$D" --mode 0440 --dry-run
assert_out "^$D/conf: would replace \\(content\\)$" "install --template --dry-run: would replace (content)"
run env SECRETCTL_STORE="$A" "$SECRETCTL" install --template "$T/a.tmpl" conf --dir "$D" --mode 0440
assert "install --template NAME: the store from \$SECRETCTL_STORE, the file replaced" \
	bash -c "[ $RC = 0 ] && [ \"\$(cat '$D/conf')\" = 'changed alice' ]"
run_in "$T/one.tmpl" sc install "$A" --template - conf2 --dir "$D"
assert "install --template -: the template on stdin" bash -c "[ $RC = 0 ] && [ \"\$(cat '$D/conf2')\" = 'x: alice' ]"
run sc install "$A" --template "$T/a.tmpl" --dir "$D"
assert_rc 2 "install --template without NAME: usage (exit 2)"
assert_err "^secretctl: install: --template needs NAME, the installed file's name$" "install --template without NAME: message"
run sc install "$A" --template "$T/a.tmpl" -f app/env/DB_USER x --dir "$D"
assert_rc 2 "install --template with -f: usage (exit 2)"
assert_err "^secretctl: install: --template goes without -e or -f$" "install --template with -f: message"
run sc install "$A" --template "$T/a.tmpl" x --format shell --dir "$D"
assert_rc 2 "install --template with --format: usage (exit 2)"
assert_err "^secretctl: install: --format goes with -e$" "install --template with --format: message"

# ---- the caddy example: its ExecStartPre= line, run ----
U=$TOP/examples/template/caddy.service
line=$(sed -n 's/^ExecStartPre=+//p' "$U")
assert "caddy.service installs with --template" bash -c "case '$line' in 'secretctl install '*' --template '*) true ;; *) false ;; esac"
cat >"$T/caddy.yaml" <<'EOF'
dns:
  tsig:
    name: acme-update.
    alg: hmac-sha256
    secret: |
      8TiRmHpWgCcUnI7tFvcS9Ugqk6kkxFD3kSmyvQv7eYU=
EOF
sc encrypt "$T/caddy.yaml" -r "$(sc keygen -y "$T/n/id.txt")" -o "$T/caddy.store"
line=${line//\/etc\/caddy\/secrets.yaml/$T/caddy.store}
line=${line//\/etc\/caddy\/Caddyfile.tmpl/$TOP/examples/template/Caddyfile.tmpl}
line=${line//\/etc\/secrets\/caddy/$T/caddy}
line=${line//--owner caddy --group caddy/--owner $(id -u) --group $(id -g)}
read -ra argv <<<"$line"
run "$SECRETCTL" "${argv[@]:1}"
assert_rc 0 "caddy.service's install line runs"
assert "...and installs the Caddyfile, mode 0400" test "$(stat -c %a "$T/caddy/Caddyfile" 2>/dev/null)" = 400
run python3 - "$T/caddy/Caddyfile" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
got = dict(re.findall(r'^\t\t(key_name|key_alg|key) (".*")$', text, re.M))
want = {"key_name": "acme-update.", "key_alg": "hmac-sha256",
        "key": "8TiRmHpWgCcUnI7tFvcS9Ugqk6kkxFD3kSmyvQv7eYU="}
got = {k: json.loads(v) for k, v in got.items()}
print(got); sys.exit(0 if got == want and "{{" not in text else 1)
PY
assert_rc 0 "...with the TSIG key name, algorithm and key (trimmed) as quoted tokens"
