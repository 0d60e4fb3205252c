/* encrypt / decrypt: a whole plaintext view to a store and back. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stores.h"

enum { OPT_OUT };

const struct cli_opt cmd_encrypt_opts[] = {
	{ "output", 'o', 1, OPT_OUT, "STORE", "write the store to STORE (never overwritten)" },
	CLI_RECIPIENT_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

const struct cli_opt cmd_decrypt_opts[] = {
	{ "output", 'o', 1, OPT_OUT, "FILE", "write the plaintext to FILE (mode 0600, never overwritten)" },
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

int cmd_encrypt(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const char *to = a->opt[OPT_OUT].count ? a->opt[OPT_OUT].value : NULL;
	struct secmem plain = { 0 };
	struct store s = { 0 };
	struct buf text = { 0 };
	struct err e;
	int rc;

	(void)cmd;
	(void)store;
	if (store_read_secret_file(a->pos[0], &plain, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (to && access(to, F_OK) == 0) {
		rc = cli_error(ERR_IO, "cannot create '%s': it already exists", to);
		goto out;
	}
	rc = cli_store_create(to ? to : "-", a, &s);
	if (rc)
		goto out;
	if (to) {
		rc = cli_store_commit(&s, (char *)plain.p, plain.len, a->opt[CLI_OPT_VERBOSE].count);
	} else if (store_encrypt(&s, (char *)plain.p, plain.len, &text, &e)) {
		rc = cli_fail(&e);
	} else {
		rc = cli_write_stdout(text.p, text.len);
	}
out:
	buf_free(&text);
	secmem_free(&plain);
	store_free(&s);
	return rc;
}

static int write_new_file(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return cli_error(ERR_IO, "cannot create '%s': %s", path,
				 errno == EEXIST ? "it already exists" : strerror(errno));
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = errno;
			close(fd);
			unlink(path);
			return cli_error(ERR_IO, "cannot write '%s': %s", path, strerror(err));
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		int err = errno;
		unlink(path);
		return cli_error(ERR_IO, "cannot write '%s': %s", path, strerror(err));
	}
	return 0;
}

int cmd_decrypt(const struct cli_cmd *cmd, const struct cli_args *a, const char *path)
{
	struct secmem plain = { 0 };
	struct store s = { 0 };
	int rc;

	(void)cmd;
	rc = cli_store_open(path, a, 0, &s, &plain);
	if (!rc) {
		if (a->opt[OPT_OUT].count)
			rc = write_new_file(a->opt[OPT_OUT].value, plain.p, plain.len);
		else
			rc = cli_write_stdout(plain.p, plain.len);
	}
	secmem_free(&plain);
	store_free(&s);
	return rc;
}
