/* idtool: drive identity and tty from the shell, for tests/cli/identity.sh.
 *
 *   idtool unlock [-i FILE]... [--passphrase-file F] [-v|-vv] SLOT...
 *       builds key slots holding one data key (bytes 0x00..0x1f) and calls
 *       identity_unlock; prints "slot N" and the key in hex. -v: the
 *       IDENTITY_EVENT_OPENED event on stderr, -vv every event, each as
 *       "idtool: MSG". SLOT:
 *         age1...          a slot for that recipient
 *         pass:PASSPHRASE  a scrypt slot (work factor 2^10, to be quick)
 *         liar:age1...     names age1... but is encrypted to another key
 *         corrupt:age1...  for age1..., last payload byte flipped
 *   idtool keygen FILE           identity_create_file; prints the recipient
 *   idtool text                  identity_file_text of a new identity
 *   idtool encrypt-pass PASS IN OUT   age -p (armored, 2^10) IN to OUT
 *   idtool load FILE             identity_load_file; prints the recipients
 *   idtool passfile FILE         identity_read_passphrase_file; prints hex
 *   idtool prompt TEXT | prompt-new TEXT   tty_read_(new_)passphrase; hex
 *   idtool default-path          identity_default_path
 * Exit status: the error code, with one line "idtool: message" on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/age.h"
#include "secretctl/identity.h"
#include "secretctl/io.h"
#include "secretctl/tty.h"

static int fail(const struct err *e)
{
	fprintf(stderr, "idtool: %s\n", e->msg);
	return e->code ? e->code : 1;
}

static int usage(void)
{
	fprintf(stderr, "idtool: bad usage (see tests/tools/idtool.c)\n");
	return ERR_USAGE;
}

static void put_hex(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int make_slot(const char *spec, const unsigned char *key, struct keyslot *s,
		     struct buf *file, struct err *e)
{
	unsigned char pk[AGE_KEY_LEN];
	struct age_recipients r = { 0 };
	const char *rcpt = spec;
	int corrupt = 0, rc;

	if (strncmp(spec, "pass:", 5) == 0) {
		r.passphrase = (const unsigned char *)spec + 5;
		r.passphrase_len = strlen(spec + 5);
		r.log_n = 10;
		s->recipient = NULL;
	} else {
		if (strncmp(spec, "liar:", 5) == 0 || strncmp(spec, "corrupt:", 8) == 0) {
			corrupt = spec[0] == 'c';
			rcpt = strchr(spec, ':') + 1;
		}
		if ((rc = age_recipient_parse(rcpt, strlen(rcpt), pk, e)))
			return rc;
		if (spec[0] == 'l') {
			struct age_identity other;

			age_identity_generate(&other);
			memcpy(pk, other.public, AGE_KEY_LEN);
		}
		r.x25519 = (const unsigned char(*)[AGE_KEY_LEN])pk;
		r.n_x25519 = 1;
		s->recipient = (char *)rcpt; /* argv's, never freed */
	}
	if ((rc = age_encrypt(&r, key, 32, 0, file, e)))
		return rc;
	if (corrupt)
		file->p[file->len - 1] ^= 1;
	s->data_key = file->p;
	s->data_key_len = file->len;
	return 0;
}

static void say_opened(enum identity_event ev, const char *msg)
{
	if (ev == IDENTITY_EVENT_OPENED)
		fprintf(stderr, "idtool: %s\n", msg);
}

static void say_all(enum identity_event ev, const char *msg)
{
	(void)ev;
	fprintf(stderr, "idtool: %s\n", msg);
}

static int cmd_unlock(int argc, char **argv)
{
	struct identity_opts o = { 0 };
	const char **files = calloc((size_t)argc + 1, sizeof *files);
	struct keyslot *slots = calloc((size_t)argc + 1, sizeof *slots);
	struct buf *bufs = calloc((size_t)argc + 1, sizeof *bufs);
	unsigned char key[32];
	struct secmem out = { 0 };
	struct err e = { 0 };
	size_t n = 0, which = 0, i;
	int k, rc = 0;

	if (!files || !slots || !bufs)
		return ERR_FAIL;
	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)i;
	for (k = 0; k < argc && !rc; k++) {
		if (strcmp(argv[k], "-i") == 0 && k + 1 < argc) {
			files[o.n_files++] = argv[++k];
		} else if (strcmp(argv[k], "--passphrase-file") == 0 && k + 1 < argc) {
			o.passphrase_file = argv[++k];
		} else if (strcmp(argv[k], "-v") == 0) {
			o.on_event = say_opened;
		} else if (strcmp(argv[k], "-vv") == 0) {
			o.on_event = say_all;
		} else {
			rc = make_slot(argv[k], key, &slots[n], &bufs[n], &e);
			n++;
		}
	}
	o.files = files;
	if (!rc)
		rc = identity_unlock(&o, slots, n, &out, &which, &e);
	if (!rc) {
		printf("slot %zu\n", which + 1);
		put_hex(out.p, out.len);
	}
	secmem_free(&out);
	for (i = 0; i < n; i++)
		buf_free(&bufs[i]);
	free(files);
	free(slots);
	free(bufs);
	return rc ? fail(&e) : 0;
}

int main(int argc, char **argv)
{
	struct err e = { 0 };
	struct secmem m = { 0 };
	int rc = 0;

	if (secmem_init() || argc < 2)
		return usage();
	if (strcmp(argv[1], "unlock") == 0)
		return cmd_unlock(argc - 2, argv + 2);
	if (strcmp(argv[1], "keygen") == 0 && argc == 3) {
		struct age_identity *id = secmem_alloc(sizeof *id);
		char r[AGE_RECIPIENT_MAX];

		if (!(rc = identity_create_file(argv[2], id, &e))) {
			age_recipient_format(id->public, r);
			printf("%s\n", r);
		}
		secmem_release(id);
	} else if (strcmp(argv[1], "text") == 0 && argc == 2) {
		struct age_identity *id = secmem_alloc(sizeof *id);

		age_identity_generate(id);
		if (!(rc = identity_file_text(id, &m, &e)))
			fwrite(m.p, 1, m.len, stdout);
		secmem_release(id);
	} else if (strcmp(argv[1], "encrypt-pass") == 0 && argc == 5) {
		struct age_recipients r = { 0 };
		struct buf out = { 0 };
		FILE *f;

		r.passphrase = (const unsigned char *)argv[2];
		r.passphrase_len = strlen(argv[2]);
		r.log_n = 10;
		rc = io_read_file_secret(argv[3], IDENTITY_FILE_MAX, &m, &e);
		if (!rc)
			rc = age_encrypt(&r, m.p, m.len, 1, &out, &e);
		if (!rc && ((f = fopen(argv[4], "wb")) == NULL || fwrite(out.p, 1, out.len, f) != out.len ||
			    fclose(f)))
			rc = err_set(&e, ERR_IO, "cannot write %s", argv[4]);
		buf_free(&out);
	} else if (strcmp(argv[1], "load") == 0 && argc == 3) {
		struct age_idlist l = { 0 };
		char r[AGE_RECIPIENT_MAX];
		size_t i;

		if (!(rc = identity_load_file(argv[2], &l, &e))) {
			for (i = 0; i < l.n; i++) {
				age_recipient_format(l.v[i].public, r);
				printf("%s\n", r);
			}
		}
		age_idlist_free(&l);
	} else if (strcmp(argv[1], "passfile") == 0 && argc == 3) {
		if (!(rc = identity_read_passphrase_file(argv[2], &m, &e)))
			put_hex(m.p, m.len);
	} else if (strcmp(argv[1], "prompt") == 0 && argc == 3) {
		if (!(rc = tty_read_passphrase(argv[2], &m, &e)))
			put_hex(m.p, m.len);
	} else if (strcmp(argv[1], "prompt-new") == 0 && argc == 3) {
		if (!(rc = tty_read_new_passphrase(argv[2], &m, &e)))
			put_hex(m.p, m.len);
	} else if (strcmp(argv[1], "default-path") == 0 && argc == 2) {
		struct buf p = { 0 };

		if (!(rc = identity_default_path(&p, &e)))
			printf("%s\n", p.p);
		buf_free(&p);
	} else {
		return usage();
	}
	secmem_free(&m);
	if (rc)
		return fail(&e);
	return fflush(stdout) ? ERR_IO : 0;
}
