#!/bin/sh
# usage: tests/with-keyring.sh COMMAND...
# Runs COMMAND inside a private D-Bus session with a real, unlocked
# gnome-keyring (secrets component only), HOME and XDG dirs in a temp dir
# removed afterwards (the recipe of ENVIRONMENT.md). The bus listens on
# $XDG_RUNTIME_DIR/bus, as a systemd user bus does, and has no service
# directories, so nothing is D-Bus-activated behind the test's back.
# COMMAND sees $KEYRING_PID (the daemon), $KEYRING_PASSWORD (the login
# keyring's) and $KEYRING_PIDS (a file): to lock the keyring, it may kill
# the daemon and start another without --unlock, appending its pid there.
set -u
KRHOME=$(mktemp -d /tmp/krhome.XXXXXX) || exit 1
mkdir -m 700 "$KRHOME/run"
cat > "$KRHOME/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$KRHOME/run/bus</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
env HOME="$KRHOME" XDG_DATA_HOME="$KRHOME/data" XDG_CACHE_HOME="$KRHOME/cache" \
    XDG_CONFIG_HOME="$KRHOME/config" XDG_RUNTIME_DIR="$KRHOME/run" KEYRING_PASSWORD=test-pass \
    KEYRING_PIDS="$KRHOME/pids" \
  dbus-run-session --config-file="$KRHOME/bus.conf" -- sh -c '
    printf %s "$KEYRING_PASSWORD" |
      gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
    KEYRING_PID=$!; export KEYRING_PID; echo $KEYRING_PID >> "$KEYRING_PIDS"; i=0
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
          org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
      i=$((i+1)); [ $i -gt 100 ] && { echo "keyring did not start" >&2; kill $KEYRING_PID; exit 99; }
      sleep 0.05
    done
    "$@"; rc=$?
    # the command may have replaced the daemon: stop every one started
    for p in $(cat "$KEYRING_PIDS"); do kill $p 2>/dev/null; done; wait
    exit $rc' sh "$@"
rc=$?; rm -rf "$KRHOME"; exit $rc
