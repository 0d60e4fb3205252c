/* Unit tests for keyring without a Secret Service: when a session bus
 * counts as reachable (never an autolaunch), the address pinned for
 * $XDG_RUNTIME_DIR/bus, a missing or wrong library, and that nothing is
 * loaded when there is no bus. The real service is tested in
 * tests/cli/keyring.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "secretctl/keyring.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_keyring.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("SECRETCTL_LIBSECRET");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void expect_no_bus(const char *pattern)
{
	struct err e;

	assert_int_equal(keyring_bus_check(&e), ERR_EXTERNAL);
	assert_int_equal(e.sub, KEYRING_FAIL_NO_BUS);
	assert_non_null(strstr(e.msg, "no session bus: "));
	if (!strstr(e.msg, pattern))
		fail_msg("'%s' does not contain '%s'", e.msg, pattern);
}

/* A listening unix socket at path (closed at once: only its inode counts). */
static void make_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof a.sun_path);
	strcpy(a.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	close(fd);
}

static void test_bus_none(void **state)
{
	(void)state;
	expect_no_bus("$DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR are unset");
	setenv("DBUS_SESSION_BUS_ADDRESS", "", 1);
	expect_no_bus("are unset");
	setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
	expect_no_bus("are unset");
}

static void test_bus_address(void **state)
{
	struct err e;

	(void)state;
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
	assert_int_equal(keyring_bus_check(&e), 0);
	/* an address is taken as it is: whether it answers is seen later */
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:abstract=/tmp/dbus-x,guid=00", 1);
	assert_int_equal(keyring_bus_check(&e), 0);
}

static void test_bus_autolaunch_refused(void **state)
{
	(void)state;
	setenv("DISPLAY", ":0", 1);
	setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:", 1);
	expect_no_bus("autolaunch");
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent;autolaunch:scope=x", 1);
	expect_no_bus("autolaunch");
	unsetenv("DISPLAY");
}

static void test_bus_runtime_dir(void **state)
{
	char path[128], want[192];
	struct err e;

	(void)state;
	setenv("XDG_RUNTIME_DIR", dir, 1);
	expect_no_bus("is not our socket");
	snprintf(path, sizeof path, "%s/bus", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	expect_no_bus("is not our socket"); /* a directory */
	assert_int_equal(rmdir(path), 0);
	make_socket(path);
	assert_int_equal(keyring_bus_check(&e), 0);
	/* pinned, so glib does not look for a bus on its own */
	snprintf(want, sizeof want, "unix:path=%s", path);
	assert_string_equal(getenv("DBUS_SESSION_BUS_ADDRESS"), want);
}

static void test_bus_runtime_dir_escaped(void **state)
{
	char sub[128], path[160];
	struct err e;

	(void)state;
	snprintf(sub, sizeof sub, "%s/a b%%,c", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof path, "%s/bus", sub);
	make_socket(path);
	setenv("XDG_RUNTIME_DIR", sub, 1);
	assert_int_equal(keyring_bus_check(&e), 0);
	/* D-Bus address escaping: ' ' '%' ',' as %XX */
	assert_non_null(strstr(getenv("DBUS_SESSION_BUS_ADDRESS"), "/a%20b%25%2cc/bus"));
}

static void test_no_bus_loads_nothing(void **state)
{
	struct secmem out = { 0 };
	const char *r[] = { "age1xxx" };
	size_t which, locked = 7;
	struct err e;

	(void)state;
	assert_int_equal(keyring_lookup(r, 1, &out, &which, &locked, &e), ERR_EXTERNAL);
	assert_int_equal(e.sub, KEYRING_FAIL_NO_BUS);
	assert_int_equal(locked, 0);
	assert_int_equal(keyring_loaded(), 0);
	assert_int_equal(keyring_remove("age1xxx", &e), ERR_EXTERNAL);
	assert_int_equal(keyring_loaded(), 0);
	secmem_free(&out);
}

static void test_library_missing(void **state)
{
	struct keyring_list l;
	struct err e;

	(void)state;
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
	setenv("SECRETCTL_LIBSECRET", "/nonexistent/libsecret.so", 1);
	assert_int_equal(keyring_available(&e), ERR_EXTERNAL);
	assert_int_equal(e.sub, KEYRING_FAIL_NO_LIBRARY);
	assert_non_null(strstr(e.msg, "cannot load libsecret: /nonexistent/libsecret.so"));
	assert_int_equal(keyring_list(&l, &e), ERR_EXTERNAL);
	assert_int_equal(e.sub, KEYRING_FAIL_NO_LIBRARY);
	assert_int_equal(keyring_loaded(), 0);
}

static void test_library_wrong(void **state)
{
	struct err e;

	(void)state;
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
	/* a real library without glib's functions */
	setenv("SECRETCTL_LIBSECRET", "libc.so.6", 1);
	assert_int_equal(keyring_available(&e), ERR_EXTERNAL);
	assert_int_equal(e.sub, KEYRING_FAIL_NO_LIBRARY);
	assert_non_null(strstr(e.msg, "has no g_hash_table_new"));
	assert_int_equal(keyring_loaded(), 0);
}

/* Last: loads the real libsecret (once loaded, it stays). */
static void test_bus_nowhere(void **state)
{
	struct secmem out = { 0 };
	const char *r[] = { "age1xxx" };
	size_t which, locked;
	struct timespec a, b;
	struct err e;

	(void)state;
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
	if (keyring_available(&e) != 0)
		skip(); /* libsecret is not installed */
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(keyring_lookup(r, 1, &out, &which, &locked, &e), ERR_EXTERNAL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(keyring_loaded(), 1);
	assert_non_null(strstr(e.msg, "cannot connect to the session bus: "));
	/* under the 2 s a hung bus is given (in milliseconds: whole
	 * seconds would count 1.05 s as 2 when it crosses two boundaries) */
	assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 1900);
	secmem_free(&out);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_bus_none),
		T(test_bus_address),
		T(test_bus_autolaunch_refused),
		T(test_bus_runtime_dir),
		T(test_bus_runtime_dir_escaped),
		T(test_no_bus_loads_nothing),
		T(test_library_missing),
		T(test_library_wrong),
		T(test_bus_nowhere),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
