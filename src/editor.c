#include "secretctl/editor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sodium.h>

#include "secretctl/io.h"
#include "secretctl/spawn.h"

/* Signals that end the process with the plaintext still in the workspace
 * unless we clean up first. */
static const int ws_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
#define N_WS_SIGNALS (sizeof ws_signals / sizeof ws_signals[0])

/* The one live workspace, for the signal handler (async-signal-safe state
 * only: file descriptors, a name, a pid). */
static struct sigaction ws_old[N_WS_SIGNALS];
static int ws_armed;
static int ws_sig_root_fd = -1, ws_sig_dir_fd = -1;
static char ws_sig_name[NAME_MAX + 1];
static volatile pid_t ws_child;

static const unsigned char ws_zeros[4096];

/* ---- removal, async-signal-safe (used by the signal handler too) ---- */

static void zero_file(int dfd, const char *name)
{
	struct stat st;
	int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0 && errno == EACCES && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && fchmodat(dfd, name, 0600, 0) == 0)
		fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t done = 0;

		while (done < st.st_size) {
			size_t n = sizeof ws_zeros;
			ssize_t w;

			if ((off_t)n > st.st_size - done)
				n = (size_t)(st.st_size - done);
			w = pwrite(fd, ws_zeros, n, done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += w;
		}
	}
	close(fd);
}

/* Overwrite and remove everything in directory dfd (not dfd itself).
 * getdents64, not readdir: no malloc, so a signal handler may call it.
 * Entries are removed while listing, so the listing restarts until a pass
 * removes nothing. */
static void wipe_dir(int dfd, int depth)
{
	_Alignas(struct dirent64) char buf[4096];

	for (;;) {
		ssize_t n;
		int removed = 0;

		if (lseek(dfd, 0, SEEK_SET) < 0)
			return;
		n = getdents64(dfd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			unsigned char type = d->d_type;

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if (type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
					continue;
				type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
			}
			if (type == DT_DIR) {
				int sub = depth < 16 ? openat(dfd, d->d_name,
							      O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								      O_CLOEXEC)
						     : -1;
				if (sub >= 0) {
					wipe_dir(sub, depth + 1);
					close(sub);
				}
				if (unlinkat(dfd, d->d_name, AT_REMOVEDIR) == 0)
					removed++;
				continue;
			}
			if (type == DT_REG)
				zero_file(dfd, d->d_name);
			if (unlinkat(dfd, d->d_name, 0) == 0)
				removed++;
		}
		if (!removed)
			return;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Signal pid's descendants, deepest first (so none is re-parented away
 * before it is reached); pid itself too with `self`, or when it has none.
 * The shell we start waits for the editor: signalling only the editor
 * makes the shell's exit mean the editor has finished (vim preserving its
 * swap file, say). /proc/PID/task/PID/children; open and read only
 * (async-signal-safe). */
static void signal_tree(pid_t pid, int sig, int depth, int self)
{
	char path[64], buf[1024], num[16];
	size_t k = 0, n = 6;
	int fd, children = 0;
	ssize_t r;

	for (pid_t v = pid; v > 0 && k < sizeof num; v /= 10)
		num[k++] = (char)('0' + v % 10);
	memcpy(path, "/proc/", 6);
	for (size_t i = k; i > 0; i--)
		path[n++] = num[i - 1];
	memcpy(path + n, "/task/", 6);
	n += 6;
	for (size_t i = k; i > 0; i--)
		path[n++] = num[i - 1];
	memcpy(path + n, "/children", 10);
	fd = depth < 8 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		r = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		for (char *p = buf; *p;) {
			long c = 0;
			while (*p == ' ')
				p++;
			while (*p >= '0' && *p <= '9')
				c = c * 10 + (*p++ - '0');
			if (c > 0) {
				signal_tree((pid_t)c, sig, depth + 1, 1);
				children++;
			}
			while (*p && *p != ' ')
				p++;
		}
	}
	if (self || !children)
		kill(pid, sig);
}

/* Ask the editor to end, give it EDITOR_KILL_GRACE_MS, then kill the lot;
 * our child (the shell) is reaped. */
static void end_child(pid_t pid, int sig)
{
	signal_tree(pid, sig, 0, 0);
	for (int i = 0; i < EDITOR_KILL_GRACE_MS / 10; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		sleep_ms(10);
	}
	signal_tree(pid, SIGKILL, 0, 1);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void ws_on_signal(int sig)
{
	struct sigaction dfl;
	sigset_t set;
	pid_t child = ws_child;

	/* The editor goes first: it could write a swap file while we wipe, or
	 * outside the workspace once it is gone. A hang-up is passed on as
	 * such; otherwise SIGTERM, which editors treat as "save state, quit"
	 * (a raw-mode editor takes SIGINT as a key). */
	if (child > 0)
		end_child(child, sig == SIGHUP ? SIGHUP : SIGTERM);
	if (ws_sig_dir_fd >= 0) {
		wipe_dir(ws_sig_dir_fd, 0);
		unlinkat(ws_sig_root_fd, ws_sig_name, AT_REMOVEDIR);
	}
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

static void block_ws_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < N_WS_SIGNALS; i++)
		sigaddset(&set, ws_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* ---- roots ---- */

int editor_is_tmpfs(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) != 0)
		return -1;
	return sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
}

static int fd_is_tmpfs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

/* Append s[0, n) without trailing slashes (but "/" stays) and a NUL. */
static int add_root(struct buf *roots, const char *s, size_t n)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n == 0)
		return 0;
	return buf_append(roots, s, n) || buf_putc(roots, '\0');
}

int editor_roots(struct buf *roots, struct err *e)
{
	const char *env = getenv(EDITOR_ROOTS_ENV);
	int rc = 0;

	roots->len = 0;
	if (env && *env) {
		for (const char *p = env; !rc;) {
			const char *colon = strchr(p, ':');
			size_t n = colon ? (size_t)(colon - p) : strlen(p);
			rc = add_root(roots, p, n);
			if (!colon)
				break;
			p = colon + 1;
		}
	} else {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		/* a relative $XDG_RUNTIME_DIR is invalid (XDG spec): ignored */
		if (xdg && xdg[0] == '/')
			rc = add_root(roots, xdg, strlen(xdg));
		if (!rc)
			rc = add_root(roots, "/dev/shm", 8);
	}
	if (rc || buf_putc(roots, '\0'))
		return err_oom(e);
	return 0;
}

static const char *disk_fallback(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] == '/' ? t : "/tmp";
}

/* ---- workspace ---- */

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static void ws_free_names(struct editor_ws *ws)
{
	free(ws->root);
	free(ws->dir);
	free(ws->file);
	ws->root = ws->dir = ws->dir_name = ws->file = ws->name = NULL;
}

static void ws_arm(struct editor_ws *ws)
{
	struct sigaction sa;

	ws_sig_root_fd = ws->root_fd;
	ws_sig_dir_fd = ws->dir_fd;
	snprintf(ws_sig_name, sizeof ws_sig_name, "%s", ws->dir_name);
	ws_child = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ws_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_WS_SIGNALS; i++)
		sigaddset(&sa.sa_mask, ws_signals[i]);
	for (size_t i = 0; i < N_WS_SIGNALS; i++) {
		sigaction(ws_signals[i], NULL, &ws_old[i]);
		/* ignored (nohup, a background job's SIGINT) stays ignored */
		if (ws_old[i].sa_handler != SIG_IGN)
			sigaction(ws_signals[i], &sa, NULL);
	}
	ws_armed = 1;
}

static void ws_disarm(void)
{
	if (!ws_armed)
		return;
	for (size_t i = 0; i < N_WS_SIGNALS; i++)
		sigaction(ws_signals[i], &ws_old[i], NULL);
	ws_sig_dir_fd = ws_sig_root_fd = -1;
	ws_sig_name[0] = '\0';
	ws_child = 0;
	ws_armed = 0;
}

/* Make the directory in root; 0 or an errno. Signals are blocked. */
static int ws_make(struct editor_ws *ws, const char *root, int need_tmpfs, const char *base)
{
	unsigned char rnd[8];
	char name[64];
	struct stat st;
	int rfd, dfd = -1, err = 0;

	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return errno;
	for (int tries = 0;; tries++) {
		randombytes_buf(rnd, sizeof rnd);
		snprintf(name, sizeof name, EDITOR_WS_PREFIX "%ld.%02x%02x%02x%02x%02x%02x%02x%02x",
			 (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
			 rnd[7]);
		if (mkdirat(rfd, name, 0700) == 0)
			break;
		if (errno != EEXIST || tries == 4) {
			err = errno;
			close(rfd);
			return err;
		}
	}
	dfd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		err = errno;
	else if (fstat(dfd, &st) != 0)
		err = errno;
	else if (st.st_uid != geteuid())
		err = EPERM;
	else if (fchmod(dfd, 0700) != 0 || flock(dfd, LOCK_EX | LOCK_NB) != 0)
		err = errno;
	else if (need_tmpfs && !fd_is_tmpfs(dfd))
		err = EXDEV; /* a mount point changed under us: not tmpfs after all */
	if (err) {
		if (dfd >= 0)
			close(dfd);
		unlinkat(rfd, name, AT_REMOVEDIR);
		close(rfd);
		return err;
	}
	ws->root = dup_str(root);
	ws->dir = malloc(strlen(root) + strlen(name) + 2);
	ws->file = malloc(strlen(root) + strlen(name) + strlen(base) + 3);
	if (!ws->root || !ws->dir || !ws->file) {
		ws_free_names(ws);
		close(dfd);
		unlinkat(rfd, name, AT_REMOVEDIR);
		close(rfd);
		return ENOMEM;
	}
	sprintf(ws->dir, "%s%s%s", root, strcmp(root, "/") ? "/" : "", name);
	ws->dir_name = ws->dir + strlen(ws->dir) - strlen(name);
	sprintf(ws->file, "%s/%s", ws->dir, base);
	ws->name = ws->file + strlen(ws->file) - strlen(base);
	ws->root_fd = rfd;
	ws->dir_fd = dfd;
	ws_arm(ws);
	return 0;
}

int editor_ws_create(struct editor_ws *ws, const char *store_path, int allow_disk,
		     struct err *e)
{
	struct buf roots = { 0 }, tried = { 0 };
	const char *base = strrchr(store_path, '/');
	sigset_t old;
	int rc = 0, err = 0;

	memset(ws, 0, sizeof *ws);
	ws->root_fd = ws->dir_fd = -1;
	if (ws_armed)
		return err_set(e, ERR_FAIL, "an edit workspace is already in use");
	base = base ? base + 1 : store_path;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		base = "store.yaml";
	if (strlen(base) > 200)
		base = "store.yaml";
	if (editor_roots(&roots, e))
		return ERR_FAIL;
	/* blocked until the handlers are in place: no window where a signal
	 * leaves a workspace behind */
	block_ws_signals(&old);
	for (const char *r = roots.p; *r; r += strlen(r) + 1) {
		int t = editor_is_tmpfs(r);

		if (t == 1 && (err = ws_make(ws, r, 1, base)) == 0) {
			ws->on_tmpfs = 1;
			goto done;
		}
		if (buf_printf(&tried, "%s%s (%s)", tried.len ? ", " : "", r,
			       t == 0 ? "not tmpfs" : strerror(t < 0 ? errno : err))) {
			rc = err_oom(e);
			goto done;
		}
	}
	if (!allow_disk) {
		rc = err_set(e, ERR_IO,
			     "no tmpfs to keep the plaintext off disk (tried: %s); "
			     "--allow-disk-tmp puts it on disk",
			     tried.p);
		goto done;
	}
	for (const char *r = roots.p;; r += strlen(r) + 1) {
		const char *root = *r ? r : disk_fallback();

		if ((err = ws_make(ws, root, 0, base)) == 0) {
			ws->on_tmpfs = fd_is_tmpfs(ws->dir_fd);
			goto done;
		}
		if (!*r) {
			rc = err_errno(e, ERR_IO, err, "cannot create an edit workspace in '%s'",
				       root);
			goto done;
		}
	}
done:
	sigprocmask(SIG_SETMASK, &old, NULL);
	buf_free(&roots);
	buf_free(&tried);
	return rc;
}

int editor_ws_write(struct editor_ws *ws, const void *data, size_t len, struct err *e)
{
	int fd, rc;

	/* no unlink on failure: editor_ws_destroy zeroes what was written */
	if ((rc = io_create_excl(ws->dir_fd, ws->name, 0600, ws->file, &fd, e)))
		return rc;
	if (io_write_all(fd, data, len) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", ws->file);
		close(fd);
		return rc;
	}
	if (close(fd) != 0)
		return err_errno(e, ERR_IO, errno, "cannot write '%s'", ws->file);
	return 0;
}

int editor_ws_read(struct editor_ws *ws, struct secmem *out, struct err *e)
{
	struct stat st;
	int fd, rc;

	secmem_clear(out);
	fd = openat(ws->dir_fd, ws->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_EXTERNAL, "the editor removed '%s'", ws->file);
		if (errno == ELOOP)
			return err_set(e, ERR_INPUT, "'%s' is now a symbolic link", ws->file);
		return err_errno(e, ERR_IO, errno, "cannot open '%s'", ws->file);
	}
	if (fstat(fd, &st) != 0)
		rc = err_errno(e, ERR_IO, errno, "cannot stat '%s'", ws->file);
	else if (!S_ISREG(st.st_mode))
		rc = err_set(e, ERR_INPUT, "'%s' is not a regular file", ws->file);
	else
		rc = io_read_fd_secret(fd, ws->file, EDITOR_FILE_MAX, out, e);
	close(fd);
	return rc;
}

const char *editor_command(void)
{
	const char *v = getenv("VISUAL");

	if (v && *v)
		return v;
	v = getenv("EDITOR");
	if (v && *v)
		return v;
	return "vi";
}

int editor_run(struct editor_ws *ws, struct err *e)
{
	const char *cmd = editor_command();
	struct buf script = { 0 };
	struct spawn_result r;
	sigset_t ws_set;
	int rc, status, sig;

	if (!ws_armed || ws->dir_fd < 0)
		return err_set(e, ERR_FAIL, "no edit workspace");
	if (buf_printf(&script, "%s \"$1\"", cmd))
		return err_oom(e);
	sigemptyset(&ws_set);
	for (size_t i = 0; i < N_WS_SIGNALS; i++)
		sigaddset(&ws_set, ws_signals[i]);
	/* on the terminal, with our environment (no secrets) and the file's
	 * name only; ws_child is the editor's shell while it runs, for
	 * ws_on_signal (the child starts with our handlers reset, SIG_IGN kept) */
	{
		const char *argv[] = { "sh", "-c", script.p, "sh", ws->file, NULL };
		struct spawn_opts o = { .program = "/bin/sh", .argv = argv, .live = &ws_child,
					.live_signals = &ws_set };

		rc = spawn_run(&o, &r, e);
	}
	buf_free(&script);
	if (rc)
		return err_wrap(e, "cannot start the editor '%s'", cmd);
	status = r.status;
	sig = r.signal;
	spawn_result_free(&r);
	if (status == 0)
		return 0;
	if (!sig && status == 127)
		return err_set(e, ERR_EXTERNAL, "cannot run the editor '%s' (exit status 127)", cmd);
	if (!sig)
		return err_set(e, ERR_EXTERNAL, "the editor '%s' exited with status %d", cmd, status);
	return err_set(e, ERR_EXTERNAL, "the editor '%s' was killed by signal %d (%s)", cmd, sig,
		       strsignal(sig));
}

int editor_ws_destroy(struct editor_ws *ws, struct err *e)
{
	sigset_t old;
	int rc = 0;

	block_ws_signals(&old);
	if (ws->dir_fd >= 0) {
		wipe_dir(ws->dir_fd, 0);
		if (unlinkat(ws->root_fd, ws->dir_name, AT_REMOVEDIR) != 0)
			rc = err_errno(e, ERR_IO, errno, "cannot remove the edit workspace '%s'",
				       ws->dir);
		close(ws->dir_fd); /* releases the lock, after the removal */
		ws_disarm();
	}
	if (ws->root_fd >= 0)
		close(ws->root_fd);
	ws_free_names(ws);
	ws->root_fd = ws->dir_fd = -1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---- stale workspaces ---- */

/* "secretctl-edit.PID.HEX": the pid, or 0 when the name does not match. */
static long stale_pid(const char *name)
{
	const char *p = name + strlen(EDITOR_WS_PREFIX);
	char *end;
	long pid;

	if (strncmp(name, EDITOR_WS_PREFIX, strlen(EDITOR_WS_PREFIX)) != 0 || *p < '1' ||
	    *p > '9')
		return 0;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || *end != '.' || pid <= 0 || pid > INT_MAX || !end[1])
		return 0;
	for (p = end + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return pid;
}

static int clean_one(int rfd, const char *name, long pid)
{
	struct stat st, st2;
	int fd, ok = 0;

	if (pid == (long)getpid())
		return 0;
	if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0; /* alive (or not ours to ask): leave it */
	if (fstatat(rfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid())
		return 0;
	fd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* the lock: a live secretctl in another pid namespace still holds it */
	if (fstat(fd, &st2) == 0 && st2.st_dev == st.st_dev && st2.st_ino == st.st_ino &&
	    flock(fd, LOCK_EX | LOCK_NB) == 0) {
		wipe_dir(fd, 0);
		ok = unlinkat(rfd, name, AT_REMOVEDIR) == 0;
	}
	close(fd);
	return ok;
}

static size_t clean_root(const char *root, struct buf *removed)
{
	struct buf names = { 0 };
	struct dirent *d;
	size_t n = 0;
	DIR *dir;
	int rfd;

	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return 0;
	dir = opendir(root);
	/* names first, removal after: no removal while readdir runs */
	while (dir && (d = readdir(dir)) != NULL)
		if (stale_pid(d->d_name) && buf_append(&names, d->d_name, strlen(d->d_name) + 1))
			break;
	if (dir)
		closedir(dir);
	for (size_t off = 0; off < names.len; off += strlen(names.p + off) + 1) {
		const char *name = names.p + off;

		if (clean_one(rfd, name, stale_pid(name))) {
			n++;
			if (removed)
				buf_printf(removed, "%s%s%s\n", root, strcmp(root, "/") ? "/" : "",
					   name);
		}
	}
	close(rfd);
	buf_free(&names);
	return n;
}

size_t editor_clean_stale(struct buf *removed)
{
	struct buf roots = { 0 };
	struct err e;
	size_t n = 0;

	if (editor_roots(&roots, &e))
		return 0;
	for (const char *r = roots.p; *r; r += strlen(r) + 1)
		n += clean_root(r, removed);
	n += clean_root(disk_fallback(), removed);
	buf_free(&roots);
	return n;
}

/* ---- questions ---- */

int editor_parse_answer(const char *line, size_t n, int def)
{
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (n == 0)
		return def ? 1 : 0;
	if ((n == 1 && (*line == 'y' || *line == 'Y')) || (n == 3 && strncasecmp(line, "yes", 3) == 0))
		return 1;
	if ((n == 1 && (*line == 'n' || *line == 'N')) || (n == 2 && strncasecmp(line, "no", 2) == 0))
		return 0;
	return -1;
}

int editor_ask(const char *question, int def, int *yes, struct err *e)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int rc = 0;

	*yes = 0;
	if (fd < 0)
		return err_errno(e, ERR_IO, errno, "cannot ask '%s' on the terminal", question);
	for (;;) {
		char line[128];
		size_t n = 0;
		int eof = 0, a;

		if (io_write_all(fd, (const unsigned char *)question, strlen(question)) ||
		    io_write_all(fd, (const unsigned char *)(def ? " [Y/n] " : " [y/N] "), 7)) {
			rc = err_errno(e, ERR_IO, errno, "cannot write to the terminal");
			break;
		}
		for (;;) {
			char c;
			ssize_t r = read(fd, &c, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rc = err_errno(e, ERR_IO, errno, "cannot read the terminal");
				break;
			}
			if (r == 0) {
				eof = 1;
				break;
			}
			if (c == '\n')
				break;
			if (n < sizeof line)
				line[n++] = c;
		}
		if (rc)
			break;
		if (eof) { /* Ctrl-D: no, and a line break the terminal did not echo */
			io_write_all(fd, (const unsigned char *)"\n", 1);
			break;
		}
		a = n < sizeof line ? editor_parse_answer(line, n, def) : -1;
		if (a >= 0) {
			*yes = a;
			break;
		}
		io_write_all(fd, (const unsigned char *)"please answer y or n\n", 21);
	}
	close(fd);
	return rc;
}
