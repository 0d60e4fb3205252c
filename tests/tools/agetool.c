/* agetool: a thin driver of src/age.c for interoperability tests.
 *   agetool encrypt [-a] [-r RECIPIENT]... [-p PASSFILE] [--log-n N]  < plain > enc
 *   agetool decrypt [-i IDENTITYFILE]... [-p PASSFILE] [--max-log-n N] < enc > plain
 * A RECIPIENT is age1... or an ssh-ed25519 line; an IDENTITYFILE an age
 * identity file or an unencrypted OpenSSH ssh-ed25519 private key.
 *   agetool keygen                       (identity file on stdout, like age-keygen)
 *   agetool recipient < IDENTITYFILE     (the recipients of an identity file)
 * The exit status is the error's code; the message is one line on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secretctl/age.h"
#include "secretctl/io.h"
#include "secretctl/sshkey.h"

static int die(struct err *e)
{
	fprintf(stderr, "agetool: %s\n", e->msg);
	return e->code ? e->code : ERR_FAIL;
}

static int usage(void)
{
	fputs("agetool: usage: agetool encrypt [-a] [-r RECIPIENT]... [-p PASSFILE] [--log-n N]"
	      " | decrypt [-i FILE]... [-p PASSFILE] [--max-log-n N] | keygen | recipient\n",
	      stderr);
	return ERR_USAGE;
}

/* A test driver's inputs may be large; the cap only keeps a mistake from
 * eating the machine. */
#define AGETOOL_READ_MAX ((size_t)1 << 30)

/* Whole stream ("-") or file into secret memory. */
static int slurp_file(const char *path, struct secmem *m, struct err *e)
{
	return io_read_file_secret(path, AGETOOL_READ_MAX, m, e);
}

static int write_out(const void *p, size_t n, struct err *e)
{
	if ((n && fwrite(p, 1, n, stdout) != n) || fflush(stdout))
		return err_errno(e, ERR_IO, errno, "cannot write to stdout");
	return 0;
}

/* A passphrase file holds the passphrase, one trailing newline ignored. */
static int read_pass(const char *path, struct secmem *m, struct err *e)
{
	int rc = slurp_file(path, m, e);

	if (!rc && m->len && m->p[m->len - 1] == '\n')
		m->p[--m->len] = 0;
	if (!rc && m->len && m->p[m->len - 1] == '\r')
		m->p[--m->len] = 0;
	return rc;
}

static int cmd_encrypt(int argc, char **argv, struct err *e)
{
	unsigned char(*pks)[AGE_KEY_LEN] = calloc((size_t)argc, AGE_KEY_LEN);
	unsigned char(*ssh)[AGE_KEY_LEN] = calloc((size_t)argc, AGE_KEY_LEN);
	struct age_recipients r = { 0 };
	struct age_rcpt one;
	struct secmem pass = { 0 }, in = { 0 };
	struct buf out = { 0 };
	int i, armor = 0, rc = 0;

	if (!pks || !ssh) {
		free(pks);
		free(ssh);
		return err_oom(e);
	}
	for (i = 0; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "-a"))
			armor = 1;
		else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			i++;
			rc = age_rcpt_parse(argv[i], strlen(argv[i]), &one, e);
			if (!rc && one.kind == AGE_KIND_SSH_ED25519)
				memcpy(ssh[r.n_ssh_ed25519++], one.key, AGE_KEY_LEN);
			else if (!rc)
				memcpy(pks[r.n_x25519++], one.key, AGE_KEY_LEN);
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			rc = read_pass(argv[++i], &pass, e);
		else if (!strcmp(argv[i], "--log-n") && i + 1 < argc)
			r.log_n = atoi(argv[++i]);
		else
			rc = err_set(e, ERR_USAGE, "unknown argument '%s'", argv[i]);
	}
	r.x25519 = (const unsigned char(*)[AGE_KEY_LEN])pks;
	r.ssh_ed25519 = (const unsigned char(*)[AGE_KEY_LEN])ssh;
	if (pass.p) {
		r.passphrase = pass.p;
		r.passphrase_len = pass.len;
	}
	if (!rc)
		rc = slurp_file("-", &in, e);
	if (!rc)
		rc = age_encrypt(&r, in.p, in.len, armor, &out, e);
	if (!rc)
		rc = write_out(out.p, out.len, e);
	free(pks);
	free(ssh);
	secmem_free(&pass);
	secmem_free(&in);
	buf_free(&out);
	return rc;
}

static int cmd_decrypt(int argc, char **argv, struct err *e)
{
	struct age_idlist ids = { 0 };
	struct age_keys k = { 0 };
	struct secmem pass = { 0 }, in = { 0 }, out = { 0 }, text = { 0 };
	int i, rc = 0;

	for (i = 0; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			secmem_clear(&text);
			if (!(rc = slurp_file(argv[++i], &text, e)) &&
			    (rc = sshkey_is_private(text.p, text.len) ? age_identity_file_parse_ssh(text.p, text.len, &ids, e)
				  : age_identity_file_parse(text.p, text.len, &ids, e)))
				err_wrap(e, "'%s'", argv[i]);
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			rc = read_pass(argv[++i], &pass, e);
		} else if (!strcmp(argv[i], "--max-log-n") && i + 1 < argc) {
			k.max_log_n = atoi(argv[++i]);
		} else {
			rc = err_set(e, ERR_USAGE, "unknown argument '%s'", argv[i]);
		}
	}
	k.ids = ids.v;
	k.n_ids = ids.n;
	if (pass.p) {
		k.passphrase = pass.p;
		k.passphrase_len = pass.len;
	}
	if (!rc)
		rc = slurp_file("-", &in, e);
	if (!rc)
		rc = age_decrypt(in.p, in.len, &k, &out, e);
	/* like age: what was authenticated before a payload failure is released */
	if (!rc || e->sub == AGE_FAIL_PAYLOAD) {
		struct err e2;
		if (write_out(out.p, out.len, &e2))
			rc = rc ? rc : (*e = e2).code;
	}
	age_idlist_free(&ids);
	secmem_free(&pass);
	secmem_free(&in);
	secmem_free(&out);
	secmem_free(&text);
	return rc;
}

static int cmd_keygen(struct err *e)
{
	struct age_identity *id = secmem_alloc(sizeof *id);
	struct secmem s = { 0 };
	char rcp[AGE_RECIPIENT_MAX];
	int rc;

	if (!id)
		return err_oom(e);
	age_identity_generate(id);
	age_recipient_format(id->public, rcp);
	rc = age_identity_format(id, &s, e);
	if (!rc && printf("# public key: %s\n%s\n", rcp, (char *)s.p) < 0)
		rc = err_errno(e, ERR_IO, errno, "cannot write to stdout");
	if (!rc)
		rc = write_out(NULL, 0, e);
	secmem_free(&s);
	secmem_release(id);
	return rc;
}

static int cmd_recipient(struct err *e)
{
	struct age_idlist ids = { 0 };
	struct secmem text = { 0 };
	char rcp[AGE_RECIPIENT_MAX];
	size_t i;
	int rc = slurp_file("-", &text, e);

	if (!rc)
		rc = age_identity_file_parse(text.p, text.len, &ids, e);
	for (i = 0; !rc && i < ids.n; i++) {
		age_recipient_format(ids.v[i].public, rcp);
		if (printf("%s\n", rcp) < 0)
			rc = err_errno(e, ERR_IO, errno, "cannot write to stdout");
	}
	if (!rc)
		rc = write_out(NULL, 0, e);
	age_idlist_free(&ids);
	secmem_free(&text);
	return rc;
}

int main(int argc, char **argv)
{
	struct err e = { 0 };
	int rc;

	if (secmem_init() != 0) {
		fputs("agetool: cannot initialise libsodium\n", stderr);
		return ERR_FAIL;
	}
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "encrypt"))
		rc = cmd_encrypt(argc - 2, argv + 2, &e);
	else if (!strcmp(argv[1], "decrypt"))
		rc = cmd_decrypt(argc - 2, argv + 2, &e);
	else if (!strcmp(argv[1], "keygen") && argc == 2)
		rc = cmd_keygen(&e);
	else if (!strcmp(argv[1], "recipient") && argc == 2)
		rc = cmd_recipient(&e);
	else
		return usage();
	return rc ? die(&e) : 0;
}
