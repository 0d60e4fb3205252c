/* libFuzzer harness for the commands themselves (cmd/, not only src/) on a
 * store file: the input is written to STORE in a private directory on
 * /dev/shm, and the commands run in-process through the command table
 * (cli_run(cli_find(NAME), ...), as main dispatches), each with its standard output
 * and error captured in memfds. The key is the demo identity (-i FILE);
 * no keyring, no terminal (tty_available is replaced at link time). Each
 * input runs twice: as it is (almost every mutation fails the MAC), and
 * with a MAC recomputed from docs/FORMAT.md (fuzz_remac), as a key
 * holder could write it.
 *
 *   ls STORE, ls STORE --json, recipients STORE, verify STORE, decrypt
 *   STORE; extract STORE -f P and -e P for the first paths ls lists;
 *   install STORE -f P (twice: the second is unchanged) of the first; and,
 *   for a store that verifies, set STORE zz-fuzz-set --value-file V,
 *   extract it back, unset it, verify again. A store that does not
 *   verify gets the same set, which must fail and change nothing.
 *
 * Checks (any mismatch aborts; the fuzz_store find of an `ls` crash on an
 * empty key is what this harness is for):
 *  - every exit code is a documented one a store can cause: 0, 3 (path),
 *    4 (no slot for the identity), 5 (integrity) or 6 (input); never 1
 *    (internal), 2 (usage: the arguments are well formed) or 7 (I/O);
 *  - a failure prints nothing on standard output, and standard error
 *    starts "secretctl: "; a success prints nothing on standard error
 *    (install nothing on standard output either);
 *  - ls and ls --json agree on success; recipients loads as ls does;
 *  - a store that verifies decrypts, every listed path extracts with -f
 *    (or is refused as a collection, exit 6), and set, extract, unset and
 *    verify then all succeed with the value read back;
 *  - install exits as extract -f does, silently on success, and the
 *    file holds extract's bytes with mode 0400;
 *  - a failed set leaves STORE byte for byte, and no temporary file.
 * FUZZ_LDFLAGS: -Wl,--wrap=tty_available */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "secretctl/buf.h"
#include "secretctl/secmem.h"

#include "fuzz_demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char set_value[] = "fuzz value: 'x' #y\n";

static char dir[64], store[96], idf[96], valf[96], instdir[96], instfile[128], uid[16], gid[16];
static int out_fd, err_fd;
/* The commands print through stdout and stderr, which run() points at
 * these memfd streams; fds 1 and 2 stay libFuzzer's and the sanitizers'. */
static FILE *out_f, *err_f, *real_out, *real_err;

static void fail(void);

static void put_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n) || close(fd))
		fail();
}

static void get_fd(int fd, struct buf *b)
{
	char tmp[4096];
	ssize_t r;
	off_t off = 0;

	b->len = 0;
	while ((r = pread(fd, tmp, sizeof tmp, off)) > 0) {
		if (buf_append(b, tmp, (size_t)r))
			fail();
		off += r;
	}
	if (r < 0 || buf_putc(b, '\0'))
		fail();
	b->len--;
}

static void get_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail();
	get_fd(fd, b);
	close(fd);
}

static void rm_dir_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
}

static void cleanup(void)
{
	unlink(instfile);
	rmdir(instdir);
	rm_dir_files();
	rmdir(dir);
}

/* Only STORE, the identity, the value file and inst/ are in the directory. */
static void check_no_leftovers(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		fail();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "s.yaml") && strcmp(de->d_name, "id.txt") &&
		    strcmp(de->d_name, "value") && strcmp(de->d_name, "inst"))
			fail(); /* a file left beside the store */
	closedir(d);
}

/* A check failed: remove the directory (libFuzzer ends the process with
 * _Exit, so atexit handlers do not run), then abort for the report. */
static void fail(void)
{
	cleanup();
	abort();
}

struct res {
	int rc;
	struct buf out, err;
};

static void res_free(struct res *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
}

/* Run argv (argv[0] the command name, NULL-terminated) as main would,
 * capturing both outputs; check the exit code and the messages. */
static void run(struct res *r, const char *const *argv)
{
	const struct cli_cmd *c = cli_find(argv[0]);
	int argc = 0;

	while (argv[argc])
		argc++;
	if (!c || ftruncate(out_fd, 0) || ftruncate(err_fd, 0))
		fail();
	rewind(out_f);
	rewind(err_f);
	stdout = out_f;
	stderr = err_f;
	r->rc = cli_run(c, argc, (char **)argv);
	fflush(out_f);
	fflush(err_f);
	stdout = real_out;
	stderr = real_err;
	get_fd(out_fd, &r->out);
	get_fd(err_fd, &r->err);
	if (r->rc != 0 && r->rc != 3 && r->rc != 4 && r->rc != 5 && r->rc != 6) {
		fprintf(stderr, "fuzz_cli: %s: exit %d: %s\n", argv[0], r->rc, r->err.p);
		fail(); /* an exit code a store should not cause */
	}
	if (r->rc && (r->out.len || r->err.len < 12 || memcmp(r->err.p, "secretctl: ", 11))) {
		fprintf(stderr, "fuzz_cli: %s: exit %d, stdout %zu bytes, stderr '%s'\n", argv[0],
			r->rc, r->out.len, r->err.p);
		fail(); /* a failure prints output, or no clear message */
	}
	if (!r->rc && r->err.len) {
		fprintf(stderr, "fuzz_cli: %s succeeded and said '%s'\n", argv[0], r->err.p);
		fail(); /* quiet on success */
	}
}

/* b holds exactly the n bytes at p */
static int same(const struct buf *b, const void *p, size_t n)
{
	return b->len == n && (!n || !memcmp(b->p, p, n));
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The first n strings of the JSON array `ls --json` printed, decoded in
 * place (its writer escapes '"', '\\' and bytes below 0x20 as \u00XX; the
 * scanners refuse a key with a NUL byte). Anything else fails. */
static size_t json_paths(char *t, size_t len, char **v, size_t n)
{
	size_t i = 0, k = 0;

	if (len < 3 || t[i++] != '[')
		fail();
	while (i < len && t[i] == '"' && k < n) {
		char *o = t + i, *start = o;

		i++;
		while (i < len && t[i] != '"') {
			if (t[i] != '\\') {
				*o++ = t[i++];
				continue;
			}
			if (++i >= len)
				fail();
			if (t[i] == 'u') {
				int h;

				if (i + 4 >= len || t[i + 1] != '0' || t[i + 2] != '0' ||
				    (h = hexval(t[i + 3])) < 0 || hexval(t[i + 4]) < 0)
					fail();
				*o++ = (char)(h * 16 + hexval(t[i + 4]));
				i += 5;
			} else {
				*o++ = t[i++];
			}
		}
		if (i >= len)
			fail();
		*o = '\0';
		v[k++] = start;
		i++;
		if (i < len && t[i] == ',')
			i++;
	}
	return k;
}

static void one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct buf fixed = { 0 };

	if (!init) {
		if (secmem_init())
			fail();
		snprintf(dir, sizeof dir, "/dev/shm/fuzz-cli.XXXXXX");
		if (!mkdtemp(dir))
			fail();
		atexit(cleanup);
		snprintf(store, sizeof store, "%s/s.yaml", dir);
		snprintf(idf, sizeof idf, "%s/id.txt", dir);
		snprintf(valf, sizeof valf, "%s/value", dir);
		snprintf(instdir, sizeof instdir, "%s/inst", dir);
		snprintf(instfile, sizeof instfile, "%s/fuzz-installed", instdir);
		snprintf(uid, sizeof uid, "%u", (unsigned)getuid());
		snprintf(gid, sizeof gid, "%u", (unsigned)getgid());
		if (mkdir(instdir, 0700) && errno != EEXIST)
			fail();
		put_file(idf, demo_identity, sizeof demo_identity - 1);
		put_file(valf, set_value, sizeof set_value - 1);
		if ((out_fd = memfd_create("fuzz-cli-out", MFD_CLOEXEC)) < 0 ||
		    (err_fd = memfd_create("fuzz-cli-err", MFD_CLOEXEC)) < 0 ||
		    !(out_f = fdopen(dup(out_fd), "w")) || !(err_f = fdopen(dup(err_fd), "w")))
			fail();
		real_out = stdout;
		real_err = stderr;
		fuzz_only_demo_identity();
		init = 1;
	}
	one(data, size);
	/* and as a key holder would have written it: past the MAC */
	if (fuzz_remac(data, size, &fixed) == 0 &&
	    (fixed.len != size || memcmp(fixed.p, data, size) != 0))
		one((const uint8_t *)fixed.p, fixed.len);
	buf_free(&fixed);
	return 0;
}

static void one(const uint8_t *data, size_t size)
{
	struct res ls = { 0 }, json = { 0 }, r = { 0 };
	struct buf before = { 0 }, after = { 0 };
	char *paths[2];
	size_t np;
	int verified;

	put_file(store, data, size);

	run(&ls, (const char *[]){ "ls", store, NULL });
	run(&json, (const char *[]){ "ls", store, "--json", NULL });
	if (json.rc != ls.rc)
		fail(); /* ls and ls --json disagree */
	run(&r, (const char *[]){ "recipients", store, NULL });
	if (r.rc != ls.rc)
		fail(); /* recipients loads the store unlike ls */
	if (ls.rc) {
		/* the store does not load: every command refuses it the same way */
		run(&r, (const char *[]){ "verify", store, "-i", idf, NULL });
		if (r.rc != ls.rc)
			fail();
		goto done;
	}
	run(&r, (const char *[]){ "verify", store, "-i", idf, NULL });
	verified = r.rc == 0;
	run(&r, (const char *[]){ "decrypt", store, "-i", idf, NULL });
	if (verified && r.rc)
		fail(); /* a store that verifies does not decrypt */
	np = json_paths(json.out.p, json.out.len, paths, 2);
	for (size_t i = 0; i < np; i++) {
		run(&r, (const char *[]){ "extract", store, "-f", paths[i], "-i", idf, NULL });
		if (verified && r.rc && r.rc != 6)
			fail(); /* a listed path of a verified store does not extract */
		run(&r, (const char *[]){ "extract", store, "-e", paths[i], "-i", idf, "--format",
					  "json", NULL });
	}
	if (np) {
		/* install the first path: the file holds what extract -f gives */
		struct res x = { 0 };
		struct stat st;

		run(&x, (const char *[]){ "extract", store, "-f", paths[0], "-i", idf, NULL });
		for (int again = 0; again < 2; again++) {
			run(&r, (const char *[]){ "install", store, "-f", paths[0], "fuzz-installed",
						  "--dir", instdir, "--owner", uid, "--group", gid,
						  "-i", idf, NULL });
			if (r.rc != x.rc || (!r.rc && r.out.len))
				fail(); /* install and extract disagree, or a success spoke */
		}
		if (!x.rc) {
			get_file(instfile, &after);
			if (!same(&after, x.out.p, x.out.len) || stat(instfile, &st) ||
			    (st.st_mode & 07777) != 0400)
				fail(); /* the installed file is not the value, or not 0400 */
			unlink(instfile);
		}
		res_free(&x);
	}
	get_file(store, &before);
	run(&r, (const char *[]){ "set", store, "zz-fuzz-set", "--value-file", valf, "-i", idf,
				  NULL });
	if (r.rc) {
		/* a store that verifies refuses it only where no scalar can go */
		if (verified && r.rc != 6)
			fail();
		get_file(store, &after);
		if (!same(&after, before.p, before.len))
			fail(); /* a failed set changed the store */
	} else {
		if (!verified)
			fail(); /* set wrote a store that verify refuses */
		run(&r, (const char *[]){ "extract", store, "-f", "zz-fuzz-set", "-i", idf, NULL });
		if (r.rc || !same(&r.out, set_value, sizeof set_value - 1))
			fail(); /* the value set does not read back */
		run(&r, (const char *[]){ "verify", store, "-i", idf, NULL });
		if (r.rc)
			fail(); /* set made a store that does not verify */
		run(&r, (const char *[]){ "unset", store, "zz-fuzz-set", "-i", idf, NULL });
		if (r.rc)
			fail();
		run(&r, (const char *[]){ "verify", store, "-i", idf, NULL });
		if (r.rc)
			fail(); /* unset made a store that does not verify */
	}
	check_no_leftovers();
done:
	res_free(&ls);
	res_free(&json);
	res_free(&r);
	buf_free(&before);
	buf_free(&after);
}
