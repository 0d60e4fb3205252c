#!/bin/sh
# Installs the Debian packages secretctl needs, or prints the command that
# would. usage: scripts/deps.sh build|test|bench
set -u
BUILD_PKGS="gcc make pkg-config libsodium-dev libyaml-dev libcmocka-dev scdoc age"
TEST_PKGS="$BUILD_PKGS python3 python3-nacl python3-yaml zlib1g-dev podman uidmap runc sudo zsh fish bash-completion gnome-keyring dbus libsecret-1-0 libsecret-tools valgrind strace acl libacl1-dev clang libclang-rt-14-dev hyperfine jq yq gnuplot-nox man-db tmux bsdutils systemd passwd"
# make bench compares with ansible-vault too
BENCH_PKGS="$TEST_PKGS ansible-core"
case ${1:-build} in
build) pkgs=$BUILD_PKGS ;;
test) pkgs=$TEST_PKGS ;;
bench) pkgs=$BENCH_PKGS ;;
*) echo "usage: scripts/deps.sh build|test|bench" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "deps: apt-get install failed" >&2; exit 1; }
else
	echo "deps: missing packages; run:" >&2
	echo "  sudo apt-get install --no-install-recommends$missing" >&2
	exit 1
fi
