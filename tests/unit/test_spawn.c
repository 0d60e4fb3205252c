/* spawn: stdin fed and stdout and stderr captured together (a child that
 * fills stderr before it reads stdin does not deadlock us), the capture
 * cap, each of inherit, /dev/null and pipe, exit statuses and signals, no
 * SIGPIPE when the child does not read, the environment, the program
 * found in $PATH first, and the live pid a signal handler sees. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secretctl/spawn.h"

#include "testfs.h"

static struct spawn_result r;
static struct err e;

static int sh(const char *script, enum spawn_io in, const void *data, size_t len,
	      enum spawn_io out, enum spawn_io err, size_t cap)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	struct spawn_opts o = { .argv = argv, .in = in, .in_data = data, .in_len = len,
				.out = out, .err = err, .capture_max = cap };

	return spawn_run(&o, &r, &e);
}

static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 251);
	return p;
}

static void test_pipes(void **state)
{
	size_t n = 3u << 20;
	unsigned char *big = pattern(n);

	(void)state;
	/* every byte (NULs too) reaches stdin; stdout and stderr kept apart */
	assert_int_equal(sh("cat; echo oops >&2; exit 3", SPAWN_PIPE, big, n, SPAWN_PIPE,
			    SPAWN_PIPE, n),
			 0);
	assert_int_equal(r.status, 3);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.out.len, n);
	assert_memory_equal(r.out.p, big, n);
	assert_string_equal(r.err.p, "oops\n");
	spawn_result_free(&r);
	/* more than a pipe holds on stderr before it reads a byte: poll
	 * drains it while stdin waits (a sequential writer would hang) */
	alarm(30);
	assert_int_equal(sh("head -c 3000000 /dev/zero >&2; cat", SPAWN_PIPE, big, n, SPAWN_PIPE,
			    SPAWN_PIPE, 0),
			 0);
	alarm(0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, SPAWN_CAPTURE_DEFAULT);
	assert_int_equal(r.err.len, SPAWN_CAPTURE_DEFAULT); /* the rest read and dropped */
	assert_memory_equal(r.out.p, big, SPAWN_CAPTURE_DEFAULT);
	spawn_result_free(&r);
	/* a program that does not read: no SIGPIPE, it just ran */
	assert_int_equal(sh("exit 0", SPAWN_PIPE, big, n, SPAWN_PIPE, SPAWN_PIPE, 0), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, 0);
	assert_non_null(r.out.p);
	assert_non_null(r.err.p);
	spawn_result_free(&r);
	/* nothing to write: stdin at its end at once */
	assert_int_equal(sh("wc -c", SPAWN_PIPE, NULL, 0, SPAWN_PIPE, SPAWN_PIPE, 0), 0);
	assert_int_equal(atoi(r.out.p), 0);
	spawn_result_free(&r);
	free(big);
}

static void test_null_and_inherit(void **state)
{
	int fds[2], saved;
	char got[64];
	ssize_t n;

	(void)state;
	/* /dev/null: stdin at its end, output gone */
	assert_int_equal(sh("wc -c >&2; echo lost", SPAWN_NULL, NULL, 0, SPAWN_NULL, SPAWN_PIPE, 0),
			 0);
	assert_int_equal(atoi(r.err.p), 0);
	assert_null(r.out.p); /* not captured */
	spawn_result_free(&r);
	/* inherit: our stdout */
	assert_int_equal(pipe(fds), 0);
	saved = dup(1);
	assert_int_equal(dup2(fds[1], 1), 1);
	close(fds[1]);
	assert_int_equal(sh("echo inherited", SPAWN_NULL, NULL, 0, SPAWN_INHERIT, SPAWN_PIPE, 0), 0);
	dup2(saved, 1);
	close(saved);
	n = read(fds[0], got, sizeof got - 1);
	close(fds[0]);
	assert_int_equal(n, 10);
	got[n] = '\0';
	assert_string_equal(got, "inherited\n");
	assert_null(r.out.p);
	assert_string_equal(r.err.p, "");
	spawn_result_free(&r);
}

static void test_status_and_signal(void **state)
{
	(void)state;
	assert_int_equal(sh("kill -TERM $$", SPAWN_NULL, NULL, 0, SPAWN_PIPE, SPAWN_PIPE, 0), 0);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_int_equal(r.signal, SIGTERM);
	spawn_result_free(&r);
	assert_int_equal(sh("exit 130", SPAWN_NULL, NULL, 0, SPAWN_PIPE, SPAWN_PIPE, 0), 0);
	assert_int_equal(r.status, 130);
	assert_int_equal(r.signal, 0); /* an exit status, not a signal */
	spawn_result_free(&r);
}

/* The secret goes on stdin only: not in the child's argv nor its
 * environment; and the environment is ours, or the one given. */
static void test_environment(void **state)
{
	const char *argv[] = { "sh", "-c", "tr '\\0' ' ' </proc/$$/cmdline; env", NULL };
	char *const env[] = { "ONLY=this", NULL };
	struct spawn_opts o = { .argv = argv, .in = SPAWN_PIPE, .in_data = "s3cr3t-v4lue",
				.in_len = 12, .out = SPAWN_PIPE, .err = SPAWN_PIPE };

	(void)state;
	setenv("SPAWN_TEST_MARK", "ours", 1);
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	assert_null(strstr(r.out.p, "s3cr3t-v4lue"));
	assert_non_null(strstr(r.out.p, "SPAWN_TEST_MARK=ours"));
	spawn_result_free(&r);
	o.envp = env;
	argv[0] = "env";
	argv[1] = NULL;
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	assert_string_equal(r.out.p, "ONLY=this\n");
	spawn_result_free(&r);
	unsetenv("SPAWN_TEST_MARK");
}

static char bin[64];

static int setup_bin(void **state)
{
	char f[128];
	int fd;

	(void)state;
	strcpy(bin, "/tmp/test_spawn.XXXXXX");
	if (!mkdtemp(bin))
		return -1;
	snprintf(f, sizeof f, "%s/hello-spawn", bin);
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (fd < 0 || write(fd, "#!/bin/sh\necho \"hello $1\"\n", 26) != 26)
		return -1;
	close(fd);
	snprintf(f, sizeof f, "%s/not-executable", bin);
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown_bin(void **state)
{
	(void)state;
	return test_rm_rf(bin);
}

static void test_path_lookup(void **state)
{
	const char *argv[] = { "hello-spawn", "you", NULL };
	struct spawn_opts o = { .argv = argv, .out = SPAWN_PIPE, .err = SPAWN_PIPE };
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL, path[200], prog[128];

	(void)state;
	/* found in $PATH before the spawn, past entries that lack it */
	snprintf(path, sizeof path, "/nonexistent:%s", bin);
	setenv("PATH", path, 1);
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	assert_string_equal(r.out.p, "hello you\n");
	spawn_result_free(&r);
	/* not there, or there but not executable: not installed */
	argv[0] = "not-executable";
	assert_int_equal(spawn_run(&o, &r, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "not-executable is not installed (not found in PATH)");
	assert_int_equal(e.sub, ENOENT);
	/* a name with '/' is taken as it is */
	snprintf(prog, sizeof prog, "%s/hello-spawn", bin);
	o.program = prog;
	argv[0] = "whatever";
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	assert_string_equal(r.out.p, "hello you\n");
	spawn_result_free(&r);
	o.program = "/nonexistent/prog";
	assert_int_equal(spawn_run(&o, &r, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "cannot run /nonexistent/prog: No such file or directory");
	assert_int_equal(e.sub, 0);
	/* no $PATH: /usr/bin:/bin */
	unsetenv("PATH");
	o.program = NULL;
	argv[0] = "sh";
	argv[1] = NULL;
	o.in = SPAWN_PIPE;
	o.in_data = "echo from-bin-sh";
	o.in_len = 16;
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	assert_string_equal(r.out.p, "from-bin-sh\n");
	spawn_result_free(&r);
	if (old)
		setenv("PATH", old, 1);
	free(old);
}

/* A handler sees the child's pid in *live while it runs; the child gets
 * our signal mask as it was, not with the live signals blocked. */
static volatile pid_t live_pid;
static volatile pid_t seen_in_handler;

static void on_usr1(int sig)
{
	(void)sig;
	seen_in_handler = live_pid;
}

static void test_live_pid(void **state)
{
	const char *argv[] = { "sh", "-c", "echo $$; kill -USR1 $PPID; sleep 0.1", NULL };
	const char *mask[] = { "grep", "^SigBlk", "/proc/self/status", NULL };
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	sigset_t live_set, mine, now;
	struct spawn_opts o = { .argv = argv, .out = SPAWN_PIPE, .err = SPAWN_PIPE,
				.live = &live_pid, .live_signals = &live_set };
	char want[64];

	(void)state;
	sigemptyset(&live_set);
	sigaddset(&live_set, SIGUSR1);
	sigaddset(&live_set, SIGTERM);
	sigemptyset(&mine);
	sigaddset(&mine, SIGUSR2); /* blocked by us: blocked in the child too */
	sigprocmask(SIG_BLOCK, &mine, NULL);
	sigaction(SIGUSR1, &sa, &old);
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	assert_int_equal(live_pid, 0);
	assert_true(seen_in_handler > 0);
	assert_int_equal(seen_in_handler, atoi(r.out.p));
	spawn_result_free(&r);
	/* (grep, not a shell: dash clears the mask it starts with) */
	o.argv = mask;
	assert_int_equal(spawn_run(&o, &r, &e), 0);
	snprintf(want, sizeof want, "SigBlk:\t%016llx\n", 1ull << (SIGUSR2 - 1));
	assert_string_equal(r.out.p, want);
	spawn_result_free(&r);
	/* our mask is back as it was */
	sigprocmask(SIG_SETMASK, NULL, &now);
	assert_false(sigismember(&now, SIGUSR1));
	assert_false(sigismember(&now, SIGTERM));
	assert_true(sigismember(&now, SIGUSR2));
	sigprocmask(SIG_UNBLOCK, &mine, NULL);
	sigaction(SIGUSR1, &old, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipes),
		cmocka_unit_test(test_null_and_inherit),
		cmocka_unit_test(test_status_and_signal),
		cmocka_unit_test(test_environment),
		cmocka_unit_test_setup_teardown(test_path_lookup, setup_bin, teardown_bin),
		cmocka_unit_test(test_live_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
