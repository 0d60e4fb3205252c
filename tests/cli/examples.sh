#!/bin/bash
# The example units run for real: every examples/*/ unit's secretctl lines
# (ExecStartPre=, or ExecStart= for the system service) run as the unit
# would run them (%h and %U expanded, the user's environment, stdin from
# /dev/null), then a podman 4.3 container starts with what the unit hands
# podman (EnvironmentFile= / --env-file, Secret= / --secret, --volume) and
# prints its whole environment and the secret files (hex). Every store
# value must arrive byte for byte, nasty ones included (blanks and quotes
# at the ends, $, #, =, backslashes, CR inside, unicode), and no variable
# may appear that the store does not hold.
#
# The whole script runs in a private mount namespace with an overlay on
# /etc: the units' own paths (/etc/secrets/$UID, /etc/app/secrets.yaml,
# /etc/secrets/app) and their users (the quadlet examples' user, the system
# example's 'app') exist only there, so nothing is written to the real
# /etc, which other tests share. The user units run as that user with
# rootless podman; the system unit as root. Quadlet itself needs podman
# >= 4.4: a .container's [Container] keys become the podman run options
# quadlet makes of them (any other key fails the test); then, at the end,
# Debian 13's real quadlet generates each .container's service, and its
# podman run line runs with file-driver and with shell-driver secrets.
[ "$(id -u)" = 0 ] && [ -z "${SCT_IN_NS:-}" ] && unshare -m --propagation private true 2>/dev/null &&
	exec env SCT_IN_NS=1 unshare -m --propagation private bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
need podman runc cc setpriv setsid newuidmap od systemd-analyze
[ "$(id -u)" = 0 ] || { skip "needs root (a private /etc and a test user)"; exit 0; }
[ -n "${SCT_IN_NS:-}" ] || { skip "cannot make a private mount namespace (unshare -m)"; exit 0; }

hex() { od -An -v -tx1 | tr -d ' \n'; }
chmod 711 "$T" # the test user reaches its home and secretctl below it
mkdir -p "$T/etc-up" "$T/etc-work" "$T/bin" "$T/rootfs"/proc "$T/rootfs"/dev "$T/rootfs"/sys \
	"$T/rootfs"/etc "$T/rootfs"/run/secrets
if ! mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc-up,workdir=$T/etc-work" /etc 2>"$T/err"; then
	skip "cannot put an overlay on /etc: $(head -1 "$T/err")"; exit 0
fi
if ! cc -static -O2 -o "$T/rootfs/readsecret" "$TOP/tests/tools/static/readsecret.c" 2>"$T/cc.err"; then
	skip "cannot build a static program (libc.a missing?): $(head -1 "$T/cc.err")"; exit 0
fi
# secretctl as the units find it (PATH); under make valgrind the wrapper
cp "$SECRETCTL" "$T/bin/secretctl"
chmod 755 "$T/bin" "$T/bin/secretctl"

# ---- the store: every nasty shape, env file and secrets ----
sc keygen -o "$T/id.txt" 2>/dev/null
python3 - >"$T/plain.yaml" <<'PY'
import base64
b = lambda data: "!!binary " + base64.b64encode(data).decode()
env = {
    "SMTP_URL": "smtp://user:p@ss w0rd@mail:587",
    "DB_PASSWORD": '"quoted"',
    "SINGLE": "'single'",
    "LEAD_QUOTE": '"lead quote only',
    "TRAIL_QUOTE": "trail quote only'",
    "LEAD_BLANK": "  lead",
    "TRAIL_BLANK": "trail  ",
    "TABS": "\ttab\t",
    "DOLLAR": "$HOME ${PATH} `id` $(id) $",
    "HASH": "#not a comment # either",
    "EQUALS": "=a=b==",
    "BACKSLASH": "back\\slash \\n \\\\ \\\" \\",
    "UNICODE": "caf\u00e9 \u20ac \U0001f511 \u2202 \u00a0nbsp \ufeffbom",
    "CR_INSIDE": "a\rb",
    "MIXED": "\"' $x # \\\" = '\"",
    "EMPTY": "",
}
def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r") + '"'
print("app:\n  env:")
for k, v in env.items():
    print(f"    {k}: {q(v)}")
print(f"  db_password: {b(bytes(range(256)) + b'pw with spaces and a NUL')}")
print("  secret_env:")
print('    TLS_CA: "-----BEGIN CERTIFICATE-----\\nMIIB \\"q\\" $x \\\\n\\n-----END CERTIFICATE-----\\r\\n"')
print(f"  tls.key: {b(b'-----BEGIN KEY-----' + bytes(1) + bytes([255]) + b'-----END KEY-----')}")
PY
sc encrypt "$T/plain.yaml" -r "$(sc keygen -y "$T/id.txt")" -o "$T/store.yaml" || { not_ok "encrypt"; exit 1; }
STORE=$T/store.yaml
export SECRETCTL_IDENTITY="$T/id.txt"

# ---- the user of the user units, and 'app' of the system unit ----
free_id() { local i=$1; while getent passwd "$i" >/dev/null || getent group "$i" >/dev/null; do i=$((i + 1)); done; echo "$i"; }
UU=$(free_id 27100); UN=sctex$UU
AU=$(free_id $((UU + 1)))
H=$T/home/$UN
echo "$UN:x:$UU:$UU::$H:/bin/sh" >>/etc/passwd
echo "$UN:x:$UU:" >>/etc/group
echo "$UN:3000000:65536" >>/etc/subuid
echo "$UN:3000000:65536" >>/etc/subgid
echo "app:x:$AU:$AU::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
echo "app:x:$AU:" >>/etc/group
# short: with an XDG_RUNTIME_DIR of 40 bytes and more, podman 4.3 waits 20 s
# ("Exceeded conmon timeout") for every container to exit
RUN=$T/r
mkdir -p "$H/rootfs" "$RUN" "$H/.config/secretctl"
cp -a "$T/rootfs/." "$H/rootfs/"
# the units' identity: the default identity file
cp "$T/id.txt" "$H/.config/secretctl/identity.txt"
chmod 600 "$H/.config/secretctl/identity.txt"
chmod 711 "$T/home"; chmod 700 "$H" "$RUN"
chown -R "$UU:$UU" "$H" "$RUN"
# pause processes of the user's rootless podman are ended on exit, by pid
cleanup() {
	local pid
	pid=$(cat "$RUN/libpod/tmp/pause.pid" 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# as_user CMD...: as a user manager runs a unit's command line
as_user() {
	setpriv --reuid="$UU" --regid="$UU" --clear-groups \
		env -i HOME="$H" USER="$UN" LOGNAME="$UN" XDG_RUNTIME_DIR="$RUN" \
		PATH="$T/bin:/usr/local/bin:/usr/bin:/bin" LC_ALL=C VG_TAG="$VG_TAG" \
		setsid "$@" </dev/null
}
# as_root CMD...: as the system manager runs it, with $CREDENTIALS_DIRECTORY
as_root() {
	env -i PATH="$T/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" LC_ALL=C \
		CREDENTIALS_DIRECTORY="$T/creds" VG_TAG="$VG_TAG" setsid "$@" </dev/null
}
PODMAN_RUN=(--network=none --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
if ! as_user podman run --rm "${PODMAN_RUN[@]}" --rootfs "$H/rootfs" /readsecret e:HOME >"$T/out" 2>"$T/err"; then
	skip "rootless podman cannot run a container here: $(grep -v 'shared mount' "$T/err" | head -1)"; exit 0
fi

# ---- reading the units ----
# unit_lines FILE KEY: the values of KEY= (continuation lines joined)
unit_lines() {
	sed -e ':a' -e '/\\$/{N;s/\\\n[[:space:]]*/ /;ba' -e '}' "$1" | sed -n "s/^$2=//p"
}
# expand LINE: %h and %U as the manager expands them (others fail)
expand() {
	local s=$1
	s=${s//%h/$CUR_HOME}; s=${s//%U/$CUR_UID}
	case $s in *%*) echo "unknown specifier in: $1" >&2; return 1 ;; esac
	printf '%s\n' "$s"
}

# What each secretctl line hands out, for the checks:
#   WANT_VAR[NAME]=STORE-PATH  (env files: every scalar child of -e PATH)
#   FILE_SRC[FILE]=STORE-PATH  (install -f: the file it writes)
#   SECRET[NAME]=STORE-PATH    (podman: the secret it makes)
declare -A WANT_VAR FILE_SRC SECRET ENVFILE_OF
# The expected values come from the real binary (under make valgrind, only
# the units' own secretctl runs go through memcheck).
oracle() { "$SECRETCTL_REAL" "$@"; }
children() { oracle ls "$STORE" "$1" | grep -E "^$1/[^/]+$"; }
# model LINE...: secretctl's naming, from the words of one command line
model() {
	local cmd=$2 store="" path="" name="" form="" dir="/etc/secrets/$CUR_UID" prefix="" w
	shift 2
	while [ $# -gt 0 ]; do
		w=$1; shift
		case $w in
		-e | --env) form=e path=$1; shift ;;
		-f | --file) form=f path=$1; shift ;;
		--dir) dir=$1; shift ;;
		--prefix) prefix=$1; shift ;;
		--format | --owner | --group | --mode | --reader | -l | --label | --podman | -i | --identity | --driver | --driver-bin) shift ;;
		-*) ;;
		*) if [ -z "$store" ]; then store=$w; else name=$w; fi ;;
		esac
	done
	local c
	case $cmd in
	install)
		[ -n "$name" ] || name=${path##*/}
		if [ $form = e ]; then
			ENVFILE_OF[$dir/$name]=$path
		else
			FILE_SRC[$dir/$name]=$path
		fi ;;
	podman)
		if [ $form = e ] && [ -n "$(children "$path")" ]; then
			for c in $(children "$path"); do SECRET[$prefix${c##*/}]=$c; done
		else
			[ -n "$name" ] || name=${path##*/}
			SECRET[$prefix$name]=$path
		fi ;;
	esac
}

# run_unit_lines DESC RUNNER LINE...: each secretctl line as the unit runs it
run_unit_lines() {
	local desc=$1 runner=$2 line words; shift 2
	for line in "$@"; do
		line=$(expand "$line") || { not_ok "$desc: $line"; continue; }
		read -ra words <<<"$line"
		[ "${words[0]}" = secretctl ] || continue
		# the unit's own store path: a copy of the test store there
		if [ ! -f "${words[2]}" ]; then
			mkdir -p "$(dirname "${words[2]}")" && cp "$STORE" "${words[2]}"
			[ "$runner" = as_user ] && chown -R "$UU:$UU" "$H"
		fi
		run $runner "${words[@]}"
		assert_rc 0 "$desc: ${line#secretctl }"
		model "${words[@]}"
	done
}

# check_container DESC: the container's output in $T/out against the model:
# every env file's variables and every --secret and --volume
check_container() {
	local desc=$1 f v k got want bad="" extra="" n=0
	declare -A seen=()
	while IFS='=' read -r k v; do
		case $k in E:*) seen[${k#E:}]=$v ;; esac
	done <"$T/out"
	for f in "${ENVFILES[@]}"; do
		[ -n "${ENVFILE_OF[$f]:-}" ] || { bad="$bad no-secretctl-line-for:$f"; continue; }
		for c in $(children "${ENVFILE_OF[$f]}"); do
			WANT_VAR[${c##*/}]=$c
		done
	done
	for k in "${!WANT_VAR[@]}"; do
		want=$(oracle extract "$STORE" -f "${WANT_VAR[$k]}" | hex)
		got=${seen[$k]-<missing>}
		[ "$got" = "$want" ] || bad="$bad $k"
		n=$((n + 1))
	done
	for k in "${!seen[@]}"; do
		case $k in PATH | HOME | HOSTNAME | TERM | container) continue ;; esac
		[ -n "${WANT_VAR[$k]:-}" ] || extra="$extra $k"
	done
	if [ -z "$bad" ] && [ $n -gt 0 ]; then ok "$desc: the container's environment holds the $n store values exactly"
	else not_ok "$desc: variables differ from the store:$bad"; diag <"$T/out"; fi
	if [ -z "$extra" ]; then ok "$desc: and no variable the store does not hold"
	else not_ok "$desc: variables from nowhere:$extra"; fi
	for f in "${!WANT_FILE[@]}"; do
		want=$(oracle extract "$STORE" -f "${WANT_FILE[$f]}" | hex)
		if grep -qxF "f:$f=$want" "$T/out"; then ok "$desc: $f holds ${WANT_FILE[$f]} exactly"
		else not_ok "$desc: $f differs from ${WANT_FILE[$f]}"; grep "^f:$f=" "$T/out" | cut -c1-200 | diag; fi
	done
}

# secret_wants SPEC: what --secret SPEC puts where (env var or file)
secret_wants() {
	local spec=$1 name type=mount target="" o opts
	name=${spec%%,*}
	IFS=, read -ra opts <<<"${spec#"$name"}"
	for o in "${opts[@]}"; do
		case $o in type=*) type=${o#type=} ;; target=*) target=${o#target=} ;; esac
	done
	if [ -z "${SECRET[$name]:-}" ]; then bad_secret="$bad_secret $name"; return; fi
	if [ "$type" = env ]; then
		WANT_VAR[${target:-$name}]=${SECRET[$name]}
	else
		case ${target:-$name} in /*) ;; *) target=/run/secrets/${target:-$name} ;; esac
		WANT_FILE[$target]=${SECRET[$name]}
	fi
}

reset_model() {
	WANT_VAR=(); FILE_SRC=(); SECRET=(); ENVFILE_OF=(); WANT_FILE=(); ENVFILES=(); bad_secret=""
}
declare -A WANT_FILE
ENVFILES=()

# ---- examples/quadlet/app.container (rootless quadlet) ----
U=$TOP/examples/quadlet/app.container
CUR_HOME=$H CUR_UID=$UU
reset_model
install -d -o "$UN" -g root -m 2750 "/etc/secrets/$UU" # the comment's one-time step
mapfile -t pre < <(unit_lines "$U" ExecStartPre)
assert "app.container has ExecStartPre= lines" [ ${#pre[@]} -gt 0 ]
run_unit_lines "app.container" as_user "${pre[@]}"
args=() unknown=""
while IFS= read -r kv; do
	kv=$(expand "$kv")
	case $kv in
	EnvironmentFile=*) args+=(--env-file "${kv#*=}"); ENVFILES+=("${kv#*=}") ;;
	Secret=*) args+=(--secret "${kv#*=}"); secret_wants "${kv#*=}" ;;
	Image=*) ;;
	*) unknown="$unknown $kv" ;;
	esac
done < <(sed -n '/^\[Container\]/,/^\[/{/^[A-Za-z]/p}' "$U")
assert "app.container: only [Container] keys this test knows${unknown:+ (unknown:$unknown)}" [ -z "$unknown" ]
assert "app.container: every Secret= names a secret its secretctl lines make${bad_secret:+ (not:$bad_secret)}" [ -z "$bad_secret" ]
want_args=()
for f in "${!WANT_FILE[@]}"; do want_args+=("f:$f"); done
run as_user podman run --rm "${PODMAN_RUN[@]}" "${args[@]}" --rootfs "$H/rootfs" /readsecret E: "${want_args[@]}"
assert_rc 0 "app.container: podman run ${args[*]} starts the container"
check_container "app.container"
# what the unit must not get wrong: the recipe's --format podman
sm=$(oracle extract "$STORE" -f app/env/SMTP_URL | hex)
if grep -qx "E:SMTP_URL=$sm" "$T/out"; then ok "app.container: SMTP_URL has no quotes around it"
else not_ok "app.container: SMTP_URL is $(grep '^E:SMTP_URL=' "$T/out")"; fi
# a second start: nothing changes
before=$(as_user podman secret ls --format '{{.ID}}' | sort)
run_unit_lines "app.container (again)" as_user "${pre[@]}"
if [ "$(as_user podman secret ls --format '{{.ID}}' | sort)" = "$before" ]; then
	ok "app.container: a second start keeps every secret (same IDs)"
else not_ok "app.container: the second start replaced secrets"; fi

# ---- examples/quadlet/app.service (the same unit without quadlet) ----
U=$TOP/examples/quadlet/app.service
reset_model
as_user podman secret rm --all >/dev/null 2>&1
rm -f "/etc/secrets/$UU"/*
mapfile -t pre < <(unit_lines "$U" ExecStartPre)
run_unit_lines "app.service" as_user "${pre[@]}"
start=$(expand "$(unit_lines "$U" ExecStart)")
read -ra words <<<"$start"
if [ "${words[0]:-}" = /usr/bin/podman ] && [ "${words[1]:-}" = run ]; then
	ok "app.service: ExecStart= is podman run"
else not_ok "app.service: ExecStart= is '$start'"; fi
args=()
for ((i = 2; i < ${#words[@]} - 1; i++)); do
	args+=("${words[i]}")
	case ${words[i]} in
	--env-file) ENVFILES+=("${words[i + 1]}") ;;
	--secret) secret_wants "${words[i + 1]}" ;;
	esac
done
assert "app.service: every --secret names a secret its secretctl lines make${bad_secret:+ (not:$bad_secret)}" [ -z "$bad_secret" ]
want_args=()
for f in "${!WANT_FILE[@]}"; do want_args+=("f:$f"); done
run as_user podman run "${args[@]}" "${PODMAN_RUN[@]}" --rootfs "$H/rootfs" /readsecret E: "${want_args[@]}"
assert_rc 0 "app.service: its podman run line (image replaced by the test rootfs) starts the container"
check_container "app.service"
if grep -qx "E:SMTP_URL=$sm" "$T/out"; then ok "app.service: SMTP_URL has no quotes around it"
else not_ok "app.service: SMTP_URL is $(grep '^E:SMTP_URL=' "$T/out")"; fi

# ---- examples/system/app-secrets.service (root, identity from a credential) ----
U=$TOP/examples/system/app-secrets.service
CUR_HOME=/root CUR_UID=0
reset_model
mkdir -p -m 700 "$T/creds"
if command -v systemd-creds >/dev/null &&
	systemd-creds encrypt --name=secretctl-identity "$T/id.txt" "$T/cred.enc" 2>/dev/null &&
	systemd-creds decrypt --name=secretctl-identity "$T/cred.enc" "$T/creds/secretctl-identity" 2>/dev/null; then
	ok "app-secrets.service: the identity comes through systemd-creds, as LoadCredentialEncrypted= gives it"
else
	cp "$T/id.txt" "$T/creds/secretctl-identity"
	skip "systemd-creds cannot encrypt here: the identity file is copied into \$CREDENTIALS_DIRECTORY"
fi
mkdir -p /etc/app && cp "$STORE" /etc/app/secrets.yaml
# ReadWritePaths= needs the directory (the comment's one-time step)
install -d -o root -g app -m 0750 /etc/secrets/app
mapfile -t lines < <(unit_lines "$U" ExecStart)
run_unit_lines "app-secrets.service" as_root "${lines[@]}"
# its consumer, app.service, as the comment gives its podman run line
start=$(sed -n 's/^#[[:space:]]*ExecStart=//p' "$U")
read -ra words <<<"$start"
if [ "${words[0]:-}" = /usr/bin/podman ] && [ "${words[1]:-}" = run ]; then
	ok "app-secrets.service: its comment names app.service's podman run line"
else not_ok "app-secrets.service: no podman run line in the comment ('$start')"; fi
args=()
for ((i = 2; i < ${#words[@]} - 1; i++)); do
	# root's containers are shared with other tests: a name of our own
	if [ "${words[i]}" = --name ]; then args+=(--name "sctex-$$"); i=$((i + 1)); continue; fi
	args+=("${words[i]}")
	case ${words[i]} in
	--env-file) ENVFILES+=("${words[i + 1]}") ;;
	--volume | -v)
		v=${words[i + 1]}; src=${v%%:*}; dst=${v#*:}; dst=${dst%%:*}
		if [ -n "${FILE_SRC[$src]:-}" ]; then WANT_FILE[$dst]=${FILE_SRC[$src]}
		else not_ok "app-secrets.service: --volume $v is no file the unit installs"; fi ;;
	esac
done
want_args=()
for f in "${!WANT_FILE[@]}"; do want_args+=("f:$f"); done
# (--rm again: root's containers outlive the test)
run podman run "${args[@]}" --rm "${PODMAN_RUN[@]}" --rootfs "$T/rootfs" /readsecret E: "${want_args[@]}"
assert_rc 0 "app-secrets.service: app.service's podman run line starts the container"
check_container "app-secrets.service"
if grep -qx "E:SMTP_URL=$sm" "$T/out"; then ok "app-secrets.service: SMTP_URL has no quotes around it"
else not_ok "app-secrets.service: SMTP_URL is $(grep '^E:SMTP_URL=' "$T/out")"; fi

# ---- the man page's unit example runs the same way ----
CUR_HOME=$H CUR_UID=$UU
reset_model
as_user podman secret rm --all >/dev/null 2>&1
rm -f "/etc/secrets/$UU"/*
page=$(sed -n '/^# EXAMPLES/,/^# /p' "$TOP/docs/secretctl.1.scd")
mapfile -t pre < <(printf '%s\n' "$page" | sed -n 's/^ExecStartPre=//p')
# the man page's store is %h/secrets.yaml
run_unit_lines "man page" as_user "${pre[@]}"
args=()
while IFS= read -r kv; do
	kv=$(expand "$kv")
	case $kv in
	EnvironmentFile=*) args+=(--env-file "${kv#*=}"); ENVFILES+=("${kv#*=}") ;;
	Secret=*) args+=(--secret "${kv#*=}"); secret_wants "${kv#*=}" ;;
	esac
done < <(printf '%s\n' "$page" | grep -E '^(EnvironmentFile|Secret)=')
assert "man page: the unit example names what podman reads (EnvironmentFile=)" [ ${#ENVFILES[@]} -gt 0 ]
want_args=()
for f in "${!WANT_FILE[@]}"; do want_args+=("f:$f"); done
run as_user podman run --rm "${PODMAN_RUN[@]}" "${args[@]}" --rootfs "$H/rootfs" /readsecret E: "${want_args[@]}"
assert_rc 0 "man page: the container starts"
check_container "man page"

# ---- quadlet for real: every examples/quadlet/*.container ----
# Debian 12's podman 4.3 has no quadlet; the generator of Debian 13's
# podman 5.4 runs here (quadlet_fetch). For each .container: the service
# quadlet -dryrun -user makes, systemd-analyze --user verify on it, and its
# ExecStart= podman run line run with podman 4.3, once with file-driver
# secrets and once with shell-driver secrets (secretctl podman --driver
# shell, no ExecStartPre= needed). Of quadlet's flags only these are
# dropped: --cgroups=split (it needs a systemd-managed cgroup, and no
# systemd runs here: "could not find cgroup mount") and -d (detached: the
# test reads the container's output). The image becomes --rootfs, and the
# runtime flags every container here needs are added (PODMAN_RUN).
if ! quadlet_fetch; then
	skip "quadlet: $QUADLET_WHY"
else
	CUR_HOME=$H CUR_UID=$UU
	# secretctl where systemd looks for a bare command name (verify checks it)
	mount --bind "$T/bin" /usr/local/bin
	for U in "$TOP"/examples/quadlet/*.container; do
		N=$(basename "$U" .container)
		Q=$T/quadlet/$N
		mkdir -p "$Q/in" "$Q/user" "$Q/run" && cp "$U" "$Q/in/"
		run env QUADLET_UNIT_DIRS="$Q/in" "$QUADLET" -dryrun -user
		sed -n "/^---$N.service---\$/,/^---/{/^---/d;p}" "$T/out" >"$Q/user/$N.service"
		if [ "$RC" = 0 ] && grep -q '^ExecStart=/usr/bin/podman run ' "$Q/user/$N.service"; then
			ok "quadlet: $N.container generates $N.service with a podman run line"
		else not_ok "quadlet $N.container (exit $RC)"; diag <"$T/err"; continue; fi
		chmod 700 "$Q/run"
		run env XDG_RUNTIME_DIR="$Q/run" systemd-analyze --user verify "$Q/user/$N.service"
		assert_rc 0 "quadlet: systemd-analyze --user verify $N.service"
		start=$(unit_lines "$Q/user/$N.service" ExecStart)
		start=${start//%N/$N}; start=${start//%n/$N.service}; start=${start//%t/$RUN}
		start=$(expand "$start")
		read -ra words <<<"$start"
		mapfile -t pre < <(unit_lines "$Q/user/$N.service" ExecStartPre)
		once=()
		while IFS= read -r l; do once+=("$l"); done < <(sed -n 's/^#   \(secretctl .*\)$/\1/p' "$U")
		for drv in file shell; do
			reset_model
			as_user podman secret rm --all >/dev/null 2>&1
			rm -f "/etc/secrets/$UU"/*
			lines=()
			for l in "${pre[@]}" "${once[@]}"; do
				l=${l% --driver shell}; l=${l/ --driver shell / }
				case $l in "secretctl podman "*) [ $drv = shell ] && l="${l%% -i *} --driver shell${l#"${l%% -i *}"}" ;; esac
				lines+=("$l")
			done
			[ ${#pre[@]} -eq 0 ] && [ $drv = shell ] && lines=("${once[@]}")
			run_unit_lines "quadlet $N ($drv driver)" as_user "${lines[@]}"
			n_shell=$(as_user podman secret ls --format '{{.Driver}}' | grep -c '^shell$')
			if [ $drv = shell ]; then assert "quadlet $N: its secrets are shell-driver secrets ($n_shell)" [ "$n_shell" -gt 0 ]
			else assert "quadlet $N: its secrets are file-driver secrets" [ "$n_shell" = 0 ]; fi
			args=() dropped=()
			for ((i = 2; i < ${#words[@]} - 1; i++)); do
				case ${words[i]} in
				--cgroups=split | -d) dropped+=("${words[i]}"); continue ;;
				--env-file) ENVFILES+=("${words[i + 1]}") ;;
				--secret) secret_wants "${words[i + 1]}" ;;
				esac
				args+=("${words[i]}")
			done
			assert "quadlet $N: every --secret names a secret its lines make${bad_secret:+ (not:$bad_secret)}" [ -z "$bad_secret" ]
			want_args=()
			for f in "${!WANT_FILE[@]}"; do want_args+=("f:$f"); done
			rm -f "$RUN/$N.cid"
			run as_user podman run "${args[@]}" "${PODMAN_RUN[@]}" --rootfs "$H/rootfs" /readsecret E: "${want_args[@]}"
			assert_rc 0 "quadlet $N ($drv driver): its podman run line starts the container (dropped: ${dropped[*]})"
			check_container "quadlet $N ($drv driver)"
			rm -f "$RUN/$N.cid"
		done
	done
	umount /usr/local/bin
fi
echo "1..$TESTNUM"
