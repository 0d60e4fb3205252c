/* editor: tmpfs roots, the workspace's modes and names, its removal
 * (overwritten first, editor leftovers included, symlinks not followed),
 * the editor spawn (argv, exit status), cleanup on signals while the
 * editor runs, stale workspaces, yes/no answers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "secretctl/editor.h"

#include "testfs.h"

static char shm[64];  /* a private root on tmpfs */
static char disk[64]; /* a private root on disk (/tmp is not tmpfs here) */
static int have_shm, disk_is_disk;

static int setup(void **state)
{
	(void)state;
	strcpy(shm, "/dev/shm/test_editor.XXXXXX");
	strcpy(disk, "/var/tmp/test_editor.XXXXXX");
	have_shm = mkdtemp(shm) != NULL && editor_is_tmpfs(shm) == 1;
	if (!mkdtemp(disk))
		return -1;
	disk_is_disk = editor_is_tmpfs(disk) == 0;
	setenv(EDITOR_ROOTS_ENV, shm, 1);
	unsetenv("VISUAL");
	unsetenv("EDITOR");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (shm[0] && test_rm_rf(shm))
		fprintf(stderr, "cannot remove %s\n", shm);
	if (test_rm_rf(disk))
		fprintf(stderr, "cannot remove %s\n", disk);
	unsetenv(EDITOR_ROOTS_ENV);
	return 0;
}

#define NEED_SHM()                                          \
	do {                                                \
		if (!have_shm) {                            \
			print_message("/dev/shm is not tmpfs\n"); \
			skip();                             \
		}                                           \
	} while (0)

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void read_text(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, out, cap - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
}

/* ---- answers, roots ---- */

static void test_parse_answer(void **state)
{
	(void)state;
	assert_int_equal(editor_parse_answer("", 0, 1), 1);
	assert_int_equal(editor_parse_answer("", 0, 0), 0);
	assert_int_equal(editor_parse_answer(" y ", 3, 0), 1);
	assert_int_equal(editor_parse_answer("YES", 3, 0), 1);
	assert_int_equal(editor_parse_answer("n\r", 2, 1), 0);
	assert_int_equal(editor_parse_answer("No", 2, 1), 0);
	assert_int_equal(editor_parse_answer("yep", 3, 1), -1);
	assert_int_equal(editor_parse_answer("x", 1, 1), -1);
}

static void test_roots(void **state)
{
	struct buf r = { 0 };
	struct err e;

	(void)state;
	setenv(EDITOR_ROOTS_ENV, "/a/:/b//:", 1);
	assert_int_equal(editor_roots(&r, &e), 0);
	assert_int_equal(r.len, sizeof "/a\0/b\0");
	assert_memory_equal(r.p, "/a\0/b\0", r.len);
	unsetenv(EDITOR_ROOTS_ENV);
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	assert_int_equal(editor_roots(&r, &e), 0);
	assert_memory_equal(r.p, "/run/user/7\0/dev/shm\0", r.len);
	setenv("XDG_RUNTIME_DIR", "relative", 1); /* invalid: ignored */
	assert_int_equal(editor_roots(&r, &e), 0);
	assert_memory_equal(r.p, "/dev/shm\0", r.len);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(editor_roots(&r, &e), 0);
	assert_memory_equal(r.p, "/dev/shm\0", r.len);
	buf_free(&r);
	assert_int_equal(editor_is_tmpfs("/no/such/dir"), -1);
}

/* ---- the workspace ---- */

static void test_workspace_modes_and_names(void **state)
{
	struct editor_ws ws;
	struct secmem back = { 0 };
	struct stat st;
	char prefix[64];
	struct err e;

	(void)state;
	NEED_SHM();
	assert_int_equal(editor_ws_create(&ws, "/some/dir/.secret.yaml", 0, &e), 0);
	assert_true(ws.on_tmpfs);
	assert_string_equal(ws.root, shm);
	snprintf(prefix, sizeof prefix, EDITOR_WS_PREFIX "%ld.", (long)getpid());
	assert_int_equal(strncmp(ws.dir_name, prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(ws.dir_name), strlen(prefix) + 16);
	assert_string_equal(ws.name, ".secret.yaml");
	assert_int_equal(stat(ws.dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(editor_ws_write(&ws, "a: 1\n", 5, &e), 0);
	assert_int_equal(stat(ws.file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* never over an existing file */
	assert_int_equal(editor_ws_write(&ws, "b: 2\n", 5, &e), ERR_IO);
	assert_int_equal(editor_ws_read(&ws, &back, &e), 0);
	assert_int_equal(back.len, 5);
	assert_memory_equal(back.p, "a: 1\n", 5);
	/* a second workspace while one lives: refused */
	{
		struct editor_ws ws2;
		assert_int_equal(editor_ws_create(&ws2, "x.yaml", 0, &e), ERR_FAIL);
	}
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	assert_int_equal(test_count_entries(shm), 0);
	assert_null(ws.dir);
	/* destroying twice is harmless */
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	secmem_free(&back);
}

static void test_read_errors(void **state)
{
	struct editor_ws ws;
	struct secmem back = { 0 };
	struct err e;

	(void)state;
	NEED_SHM();
	assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), 0);
	assert_int_equal(editor_ws_read(&ws, &back, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "the editor removed"));
	assert_int_equal(symlink("/etc/passwd", ws.file), 0);
	assert_int_equal(editor_ws_read(&ws, &back, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "symbolic link"));
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	assert_int_equal(test_count_entries(shm), 0);
	secmem_free(&back);
}

/* Everything the editor leaves is removed; files are zeroed first (seen
 * through a hard link kept outside); symlinks are removed, not followed. */
static void test_destroy_wipes_leftovers(void **state)
{
	struct editor_ws ws;
	char p[512], keep[128], outside[128], text[64];
	struct err e;

	(void)state;
	NEED_SHM();
	snprintf(keep, sizeof keep, "%s/keep", shm);
	snprintf(outside, sizeof outside, "%s/outside", disk);
	write_file(outside, "not ours", 0600);
	assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), 0);
	assert_int_equal(editor_ws_write(&ws, "secret: hunter2\n", 16, &e), 0);
	assert_int_equal(link(ws.file, keep), 0);
	snprintf(p, sizeof p, "%s/.s.yaml.swp", ws.dir);
	write_file(p, "swap hunter2", 0600);
	snprintf(p, sizeof p, "%s/s.yaml~", ws.dir);
	write_file(p, "backup hunter2", 0400); /* read-only: still zeroed */
	snprintf(p, sizeof p, "%s/sub", ws.dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/sub/deeper", ws.dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/sub/deeper/undo", ws.dir);
	write_file(p, "undo hunter2", 0600);
	snprintf(p, sizeof p, "%s/link", ws.dir);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof p, "%s/dirlink", ws.dir);
	assert_int_equal(symlink(disk, p), 0);
	snprintf(p, sizeof p, "%s/fifo", ws.dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	for (int i = 0; i < 300; i++) { /* more than one getdents buffer */
		snprintf(p, sizeof p, "%s/file-with-a-longish-name-%03d", ws.dir, i);
		write_file(p, "x", 0600);
	}
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	assert_int_equal(test_count_entries(shm), 1); /* only "keep" */
	read_text(keep, text, sizeof text);
	assert_int_equal(strlen(text), 0); /* 16 zero bytes */
	{
		struct stat st;
		assert_int_equal(stat(keep, &st), 0);
		assert_int_equal(st.st_size, 16);
	}
	read_text(outside, text, sizeof text);
	assert_string_equal(text, "not ours");
	assert_int_equal(test_count_entries(disk), 1);
}

static void test_no_tmpfs(void **state)
{
	struct editor_ws ws;
	struct err e;

	(void)state;
	if (!disk_is_disk)
		skip();
	setenv(EDITOR_ROOTS_ENV, disk, 1);
	assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "not tmpfs"));
	assert_non_null(strstr(e.msg, "--allow-disk-tmp"));
	assert_int_equal(test_count_entries(disk), 0);
	/* allowed: there, and said so */
	assert_int_equal(editor_ws_create(&ws, "s.yaml", 1, &e), 0);
	assert_false(ws.on_tmpfs);
	assert_string_equal(ws.root, disk);
	assert_int_equal(test_count_entries(disk), 1);
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	assert_int_equal(test_count_entries(disk), 0);
	/* a missing root, then tmpfs: the tmpfs one */
	if (have_shm) {
		char roots[160];
		snprintf(roots, sizeof roots, "/no/such:%s:%s", disk, shm);
		setenv(EDITOR_ROOTS_ENV, roots, 1);
		assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), 0);
		assert_true(ws.on_tmpfs);
		assert_string_equal(ws.root, shm);
		assert_int_equal(editor_ws_destroy(&ws, &e), 0);
		/* nothing on tmpfs: the error lists every root and why */
		setenv(EDITOR_ROOTS_ENV, "/no/such", 1);
		assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), ERR_IO);
		assert_non_null(strstr(e.msg, "/no/such (No such file or directory)"));
	}
}

/* ---- the editor ---- */

static void test_run_editor(void **state)
{
	struct editor_ws ws;
	struct secmem back = { 0 };
	char script[128], ed[256], args[128], text[512];
	struct err e;

	(void)state;
	NEED_SHM();
	/* like "code --wait": a command with an argument; records its argv */
	snprintf(script, sizeof script, "%s/ed.sh", disk);
	snprintf(args, sizeof args, "%s/args", disk);
	snprintf(text, sizeof text,
		 "#!/bin/sh\n[ \"$1\" = --wait ] || exit 9\nprintf '%%s\\n' \"$#\" \"$@\" > '%s'\n"
		 "printf 'b: 2\\n' >> \"$2\"\n",
		 args);
	write_file(script, text, 0700);
	snprintf(ed, sizeof ed, "%s --wait", script);
	setenv("EDITOR", ed, 1);
	assert_string_equal(editor_command(), ed);
	assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), 0);
	assert_int_equal(editor_ws_write(&ws, "a: 1\n", 5, &e), 0);
	assert_int_equal(editor_run(&ws, &e), 0);
	assert_int_equal(editor_ws_read(&ws, &back, &e), 0);
	assert_string_equal((char *)back.p, "a: 1\nb: 2\n");
	read_text(args, text, sizeof text);
	{
		char want[256];
		snprintf(want, sizeof want, "2\n--wait\n%s\n", ws.file);
		assert_string_equal(text, want);
	}
	/* $VISUAL first; a failing editor is ERR_EXTERNAL with its status */
	setenv("VISUAL", "exit 3;", 1);
	assert_int_equal(editor_run(&ws, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "exited with status 3"));
	setenv("VISUAL", "/no/such/editor", 1);
	assert_int_equal(editor_run(&ws, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "cannot run the editor '/no/such/editor'"));
	setenv("VISUAL", "kill -KILL $$;", 1);
	assert_int_equal(editor_run(&ws, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "killed by signal 9"));
	unsetenv("VISUAL");
	unsetenv("EDITOR");
	assert_string_equal(editor_command(), "vi");
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	assert_int_equal(editor_run(&ws, &e), ERR_FAIL); /* no workspace */
	secmem_free(&back);
}

/* pid has exited (a zombie waiting for init counts as gone) */
static int gone(pid_t pid)
{
	char path[64], st[512], *p;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	p = fgets(st, sizeof st, f);
	fclose(f);
	p = p ? strrchr(st, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* A child edits with an editor that leaves a swap file, records its pid,
 * and sleeps; it gets sig. The child must die of sig, the editor too, and
 * nothing may be left under the root. */
static void signal_case(int sig)
{
	char script[128], pidf[128], text[512];
	struct timespec ts = { 0, 10000000 };
	pid_t child, ed = 0;
	int st, i;

	snprintf(script, sizeof script, "%s/ed-sleep.sh", disk);
	snprintf(pidf, sizeof pidf, "%s/ed.pid", disk);
	unlink(pidf);
	snprintf(text, sizeof text,
		 "#!/bin/sh\ncp \"$1\" \"$(dirname \"$1\")/.swp\"\necho $$ > '%s.tmp'\n"
		 "mv '%s.tmp' '%s'\nexec sleep 30\n",
		 pidf, pidf, pidf);
	write_file(script, text, 0700);
	setenv("EDITOR", script, 1);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct editor_ws ws;
		struct err e;
		signal(sig, SIG_DFL);
		if (editor_ws_create(&ws, "s.yaml", 0, &e) ||
		    editor_ws_write(&ws, "k: hunter2\n", 11, &e))
			_exit(50);
		editor_run(&ws, &e);
		_exit(51); /* not reached: the signal ends us */
	}
	for (i = 0; i < 2000; i++) {
		FILE *f = fopen(pidf, "r");
		if (f) {
			int v;
			if (fscanf(f, "%d", &v) == 1)
				ed = v;
			fclose(f);
			break;
		}
		nanosleep(&ts, NULL);
	}
	assert_true(ed > 0);
	assert_int_equal(test_count_entries(shm), 1);
	kill(child, sig);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), sig);
	assert_int_equal(test_count_entries(shm), 0);
	/* the editor (the shell's child) was ended before the cleanup */
	assert_true(gone(ed));
	unsetenv("EDITOR");
}

static void test_signal_term(void **state)
{
	(void)state;
	NEED_SHM();
	signal_case(SIGTERM);
}

static void test_signal_int(void **state)
{
	(void)state;
	NEED_SHM();
	signal_case(SIGINT);
}

static void test_signal_hup(void **state)
{
	(void)state;
	NEED_SHM();
	signal_case(SIGHUP);
}

/* An ignored signal stays ignored (nohup): the edit goes on. */
static void test_ignored_signal_stays_ignored(void **state)
{
	struct editor_ws ws;
	struct sigaction sa;
	struct err e;
	void (*old)(int);

	(void)state;
	NEED_SHM();
	old = signal(SIGHUP, SIG_IGN);
	assert_int_equal(editor_ws_create(&ws, "s.yaml", 0, &e), 0);
	sigaction(SIGHUP, NULL, &sa);
	assert_true(sa.sa_handler == SIG_IGN);
	sigaction(SIGTERM, NULL, &sa);
	assert_true(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
	raise(SIGHUP);
	assert_int_equal(test_count_entries(shm), 1);
	assert_int_equal(editor_ws_destroy(&ws, &e), 0);
	/* and the handlers are back as they were */
	sigaction(SIGTERM, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL);
	signal(SIGHUP, old);
}

/* ---- stale workspaces ---- */

static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void mkws(char *out, size_t n, const char *root, long pid, const char *hex)
{
	char f[600];

	snprintf(out, n, "%s/" EDITOR_WS_PREFIX "%ld.%s", root, pid, hex);
	assert_int_equal(mkdir(out, 0700), 0);
	snprintf(f, sizeof f, "%s/s.yaml", out);
	write_file(f, "k: hunter2\n", 0600);
}

static void test_stale(void **state)
{
	char dead[256], live[256], locked[256], other[256], badname[256], lnk[256], file[256];
	struct buf removed = { 0 };
	pid_t d = dead_pid(), sleeper;
	int lfd;

	(void)state;
	NEED_SHM();
	setenv("TMPDIR", disk, 1);
	sleeper = fork();
	if (sleeper == 0) {
		pause();
		_exit(0);
	}
	mkws(dead, sizeof dead, shm, (long)d, "0123456789abcdef");
	mkws(live, sizeof live, shm, (long)sleeper, "00aa");
	mkws(locked, sizeof locked, shm, (long)d, "11bb");
	lfd = open(locked, O_RDONLY | O_DIRECTORY);
	assert_int_equal(flock(lfd, LOCK_EX), 0); /* held: a live edit elsewhere */
	mkws(badname, sizeof badname, shm, (long)d, "xyz");
	snprintf(lnk, sizeof lnk, "%s/" EDITOR_WS_PREFIX "%ld.22cc", shm, (long)d);
	assert_int_equal(symlink(disk, lnk), 0);
	snprintf(file, sizeof file, "%s/" EDITOR_WS_PREFIX "%ld.33dd", shm, (long)d);
	write_file(file, "x", 0600);
	other[0] = '\0';
	if (geteuid() == 0) {
		mkws(other, sizeof other, shm, (long)d, "44ee");
		assert_int_equal(chown(other, 65534, 65534), 0);
	}
	/* one on the disk fallback ($TMPDIR) too */
	{
		char ondisk[256];
		mkws(ondisk, sizeof ondisk, disk, (long)d, "55ff");
		assert_int_equal(editor_clean_stale(&removed), 2);
		assert_int_equal(access(ondisk, F_OK), -1);
	}
	assert_int_equal(access(dead, F_OK), -1);
	assert_non_null(strstr(removed.p, dead));
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(locked, F_OK), 0);
	assert_int_equal(access(badname, F_OK), 0);
	assert_int_equal(access(lnk, F_OK), 0);
	assert_int_equal(access(disk, F_OK), 0); /* the symlink's target */
	assert_int_equal(access(file, F_OK), 0);
	if (other[0])
		assert_int_equal(access(other, F_OK), 0);
	/* unlocked: now it goes */
	close(lfd);
	assert_int_equal(editor_clean_stale(NULL), 1);
	assert_int_equal(access(locked, F_OK), -1);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	assert_int_equal(editor_clean_stale(NULL), 1); /* its owner is gone now */
	assert_int_equal(access(live, F_OK), -1);
	unsetenv("TMPDIR");
	buf_free(&removed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_answer),
		cmocka_unit_test_setup_teardown(test_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace_modes_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_wipes_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tmpfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_editor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_term, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_int, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_hup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_signal_stays_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
