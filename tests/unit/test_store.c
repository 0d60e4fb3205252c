/* store: encryption round trips, stable tokens, the MAC's coverage, and
 * saves that fail half-way (fsync, rename, write via --wrap) leaving the
 * old store intact and no temp file behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "secretctl/age.h"
#include "secretctl/io.h"
#include "secretctl/store.h"

#include "testfs.h"

/* ---- syscall faults ---- */
static int fail_fsync, fail_rename, fail_write; /* errno to fail with, 0: pass */
int __real_fsync(int fd);
int __real_renameat(int a, const char *b, int c, const char *d);
ssize_t __real_write(int fd, const void *p, size_t n);
int __wrap_fsync(int fd);
int __wrap_renameat(int a, const char *b, int c, const char *d);
ssize_t __wrap_write(int fd, const void *p, size_t n);
int __wrap_fsync(int fd)
{
	if (fail_fsync) {
		errno = fail_fsync;
		return -1;
	}
	return __real_fsync(fd);
}
int __wrap_renameat(int a, const char *b, int c, const char *d)
{
	if (fail_rename) {
		errno = fail_rename;
		return -1;
	}
	return __real_renameat(a, b, c, d);
}
ssize_t __wrap_write(int fd, const void *p, size_t n)
{
	if (fail_write && fd > 2) {
		errno = fail_write;
		return n > 1 ? 1 : -1; /* a short write first, then the error */
	}
	return __real_write(fd, p, n);
}

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	fail_fsync = fail_rename = fail_write = 0;
	strcpy(dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/s.yaml", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_rf(dir);
}

/* A new store at path with one fresh recipient; returns its text. */
static void make_store(struct store *s, const char *plain, struct buf *text)
{
	struct age_identity id;
	char r[AGE_RECIPIENT_MAX];
	struct err e;

	age_identity_generate(&id);
	age_recipient_format(id.public, r);
	assert_int_equal(store_new(path, s, &e), 0);
	assert_int_equal(store_add_recipient(s, r, &e), 0);
	assert_int_equal(store_encrypt(s, plain, strlen(plain), text, &e), 0);
}

static void reload(struct store *s, const struct store *from, struct secmem *plain)
{
	struct err e;

	assert_int_equal(store_load(path, NULL, s, &e), 0);
	s->data_key = secmem_alloc(STORE_KEY_LEN);
	memcpy(s->data_key, from->data_key, STORE_KEY_LEN);
	assert_int_equal(store_decrypt(s, plain, NULL, &e), 0);
}

static const char *sample = "# comment\na: one\nb:\n  c: |\n    two\n  d: [x1, y2]\ne: &x val\nf: *x\n";

static void test_round_trip_and_stable_tokens(void **state)
{
	struct store s, t;
	struct buf text = { 0 }, again = { 0 };
	struct secmem plain = { 0 };
	struct err e;
	int written;

	(void)state;
	make_store(&s, sample, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	assert_true(written);
	reload(&t, &s, &plain);
	assert_int_equal(plain.len, strlen(sample));
	assert_memory_equal(plain.p, sample, plain.len);
	/* the same plaintext gives the same text, byte for byte */
	assert_int_equal(store_encrypt(&t, (char *)plain.p, plain.len, &again, &e), 0);
	assert_int_equal(again.len, text.len);
	assert_memory_equal(again.p, text.p, text.len);
	/* and saving it writes nothing */
	assert_int_equal(store_save(&t, again.p, again.len, 0, &written, &e), 0);
	assert_false(written);
	buf_free(&text);
	buf_free(&again);
	secmem_free(&plain);
	store_free(&s);
	store_free(&t);
}

/* Equal comments (their tokens carry no path) each keep their own token:
 * an old token is handed out once, so no two places share a ciphertext. */
static void test_equal_comments(void **state)
{
	const char *p = "# same\na: 1\n# same\nb: 1\n# same\n";
	struct store s, t;
	struct buf text = { 0 }, again = { 0 };
	struct secmem plain = { 0 };
	struct err e;
	const char *c[3];
	int written;

	(void)state;
	make_store(&s, p, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	reload(&t, &s, &plain);
	c[0] = strstr(text.p, "#!enc ");
	assert_non_null(c[0]);
	c[1] = strstr(c[0] + 1, "#!enc ");
	assert_non_null(c[1]);
	c[2] = strstr(c[1] + 1, "#!enc ");
	assert_non_null(c[2]);
	assert_true(strcspn(c[0], "\n") == strcspn(c[1], "\n"));
	assert_true(memcmp(c[0], c[1], strcspn(c[0], "\n")) != 0);
	assert_true(memcmp(c[1], c[2], strcspn(c[1], "\n")) != 0);
	/* the same plaintext again: each token stays in its place */
	assert_int_equal(store_encrypt(&t, (char *)plain.p, plain.len, &again, &e), 0);
	assert_int_equal(again.len, text.len);
	assert_memory_equal(again.p, text.p, text.len);
	buf_free(&text);
	buf_free(&again);
	secmem_free(&plain);
	store_free(&s);
	store_free(&t);
}

static void test_one_change_one_token(void **state)
{
	const char *changed = "# comment\na: one\nb:\n  c: |\n    TWO\n  d: [x1, y2]\ne: &x val\nf: *x\n";
	struct store s, t;
	struct buf text = { 0 }, again = { 0 };
	struct secmem plain = { 0 };
	struct err e;
	int written, differ = 0;
	char *l1, *l2, *sv1, *sv2;

	(void)state;
	make_store(&s, sample, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	reload(&t, &s, &plain);
	assert_int_equal(store_encrypt(&t, changed, strlen(changed), &again, &e), 0);
	for (l1 = strtok_r(text.p, "\n", &sv1), l2 = strtok_r(again.p, "\n", &sv2); l1 && l2;
	     l1 = strtok_r(NULL, "\n", &sv1), l2 = strtok_r(NULL, "\n", &sv2))
		if (strcmp(l1, l2) != 0) {
			differ++;
			assert_true(strncmp(l1, "  c: !enc ", 10) == 0 || strncmp(l1, "  mac: ", 7) == 0);
		}
	assert_int_equal(differ, 2);
	buf_free(&text);
	buf_free(&again);
	secmem_free(&plain);
	store_free(&s);
	store_free(&t);
}

/* The version 2 MAC of text (store.c's mac2, as FORMAT.md gives it), in
 * base64 over the mac value [a, b). */
static void remac(const unsigned char *data_key, char *text, size_t len, size_t a, size_t b)
{
	static const char dom[] = "secretctl/v2/mac";
	unsigned char k[32], pre[sizeof dom + 8], mac[32];
	crypto_generichash_state st;

	crypto_kdf_derive_from_key(k, sizeof k, 3, "sctl_mac", data_key);
	memcpy(pre, dom, sizeof dom);
	for (int i = 0; i < 8; i++)
		pre[sizeof dom + i] = (unsigned char)((uint64_t)a >> (56 - 8 * i));
	crypto_generichash_init(&st, k, sizeof k, sizeof mac);
	crypto_generichash_update(&st, pre, sizeof pre);
	crypto_generichash_update(&st, (unsigned char *)text, a);
	crypto_generichash_update(&st, (unsigned char *)text + b, len - b);
	crypto_generichash_final(&st, mac, sizeof mac);
	assert_int_equal(b - a, 44);
	sodium_bin2base64(text + a, 45, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
	text[b] = '\n'; /* over sodium's NUL */
}

/* The scanners take any base64 characters as a payload; a token that is no
 * canonical base64 (here in a store whose MAC verifies: only the data key
 * makes one) is refused where it is decoded: extract of it, decrypt and
 * verify (ERR_INPUT, its line and column); the other values still open. */
static void test_malformed_token_after_mac(void **state)
{
	struct store s, t;
	struct buf text = { 0 };
	struct secmem v = { 0 };
	struct path pa = { 0 }, pb = { 0 };
	struct err e;
	char *tok;
	int written;

	(void)state;
	make_store(&s, "a: one\nb: two\n", &text);
	tok = strstr(text.p, "b: !enc ");
	assert_non_null(tok);
	/* "AB==": its padding bits are not zero, so it is not canonical */
	tok += 8;
	memmove(tok + 4, tok + strcspn(tok, "\n"), strlen(tok + strcspn(tok, "\n")) + 1);
	memcpy(tok, "AB==", 4);
	text.len = strlen(text.p);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	assert_int_equal(store_load(path, NULL, &t, &e), 0);
	remac(s.data_key, text.p, text.len, t.doc.mac_start, t.doc.mac_end);
	store_free(&t);
	s.exists = 1;
	assert_int_equal(store_save(&s, text.p, text.len, 0, &written, &e), 0);
	assert_int_equal(store_load(path, NULL, &t, &e), 0);
	t.data_key = secmem_alloc(STORE_KEY_LEN);
	memcpy(t.data_key, s.data_key, STORE_KEY_LEN);
	assert_int_equal(store_check_mac(&t, &e), 0);
	assert_int_equal(path_parse("a", 1, &pa, &e), 0);
	assert_int_equal(path_parse("b", 1, &pb, &e), 0);
	assert_int_equal(
		store_value(&t, &(struct store_ref){ .node = splice_lookup(&t.doc, &pa) }, &v, &e),
		0);
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.p, "one", 3);
	secmem_free(&v);
	assert_int_equal(
		store_value(&t, &(struct store_ref){ .node = splice_lookup(&t.doc, &pb) }, &v, &e),
		ERR_INPUT);
	assert_non_null(strstr(e.msg, "line 2, column 4: malformed token"));
	secmem_free(&v);
	assert_int_equal(store_decrypt(&t, &v, NULL, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "malformed token"));
	assert_int_equal(v.len, 0);
	secmem_free(&v);
	path_free(&pa);
	path_free(&pb);
	store_free(&t);
	store_free(&s);
	buf_free(&text);
}

/* A save that fails at fsync, rename or write leaves the old store as it
 * was and no temporary file. */
static void save_fails(int *which, int errnum, int code)
{
	struct store s, t;
	struct buf text = { 0 }, next = { 0 }, before = { 0 };
	struct secmem plain = { 0 };
	struct err e;
	int written;

	make_store(&s, sample, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	reload(&t, &s, &plain);
	assert_int_equal(store_encrypt(&t, "a: changed\n", 11, &next, &e), 0);
	assert_int_equal(io_read_file(path, STORE_MAX_SIZE, &before, &e), 0);
	*which = errnum;
	assert_int_equal(store_save(&t, next.p, next.len, 0, &written, &e), code);
	*which = 0;
	assert_false(written);
	assert_non_null(strstr(e.msg, strerror(errnum)));
	buf_free(&next);
	assert_int_equal(io_read_file(path, STORE_MAX_SIZE, &next, &e), 0);
	assert_int_equal(next.len, before.len);
	assert_memory_equal(next.p, before.p, before.len);
	assert_int_equal(test_count_entries(dir), 1);
	buf_free(&text);
	buf_free(&next);
	buf_free(&before);
	secmem_free(&plain);
	store_free(&s);
	store_free(&t);
}

static void test_fsync_fails(void **state)
{
	(void)state;
	save_fails(&fail_fsync, EIO, ERR_IO);
}

static void test_rename_fails(void **state)
{
	(void)state;
	save_fails(&fail_rename, EXDEV, ERR_IO);
}

static void test_disk_full(void **state)
{
	(void)state;
	save_fails(&fail_write, ENOSPC, ERR_IO);
}

static void test_create_only_never_replaces(void **state)
{
	struct store s;
	struct buf text = { 0 }, now = { 0 };
	struct err e;
	int written;
	FILE *f;

	(void)state;
	f = fopen(path, "w");
	fputs("precious\n", f);
	fclose(f);
	make_store(&s, sample, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "already exists"));
	assert_int_equal(io_read_file(path, STORE_MAX_SIZE, &now, &e), 0);
	assert_string_equal(now.p, "precious\n");
	assert_int_equal(test_count_entries(dir), 1);
	buf_free(&text);
	buf_free(&now);
	store_free(&s);
}

static void test_lock_no_wait(void **state)
{
	struct store s, t;
	struct store_open o = { .lock = 1, .no_wait = 1 };
	struct buf text = { 0 };
	struct err e;
	int written;

	(void)state;
	make_store(&s, sample, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	store_free(&s);
	assert_int_equal(store_load(path, &o, &s, &e), 0);
	assert_int_equal(store_load(path, &o, &t, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "another secretctl"));
	store_free(&t);
	store_free(&s);
	assert_int_equal(store_load(path, &o, &t, &e), 0);
	store_free(&t);
	buf_free(&text);
}

static void test_size_cap(void **state)
{
	struct store s;
	struct err e;
	int fd;

	(void)state;
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(ftruncate(fd, (off_t)STORE_MAX_SIZE + 1), 0);
	close(fd);
	assert_int_equal(store_load(path, NULL, &s, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "larger than"));
	store_free(&s);
}

/* A store of BUF_BIG_MIN bytes or more is read into buf_big_alloc'ed
 * memory: the same bytes, the same plaintext back. */
static void test_big_store(void **state)
{
	struct store s, t;
	struct buf plain = { 0 }, text = { 0 };
	struct secmem back = { 0 };
	struct err e;
	int written;

	(void)state;
	for (int i = 0; i < 8000; i++)
		assert_int_equal(buf_printf(&plain, "k%05d: value number %d\n", i, i), 0);
	make_store(&s, plain.p, &text);
	assert_true(text.len >= BUF_BIG_MIN);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	reload(&t, &s, &back);
	assert_int_not_equal(t.text_mapped, 0);
	assert_int_equal(t.text.len, text.len);
	assert_memory_equal(t.text.p, text.p, text.len);
	assert_int_equal(t.text.p[t.text.len], '\0');
	assert_int_equal(back.len, plain.len);
	assert_memory_equal(back.p, plain.p, plain.len);
	store_free(&t);
	store_free(&s);
	secmem_free(&back);
	buf_free(&plain);
	buf_free(&text);
}

/* ---- lookups and walks (store_lookup.c) ---- */

static int collect(void *ctx, const struct store_ref *r, const struct buf *at, size_t depth)
{
	struct buf *b = ctx;

	assert_int_equal(buf_printf(b, "%s|%.*s|%zu\n", at->p, (int)r->name_len, r->name, depth), 0);
	return 0;
}

/* The children alone: a walk that goes no deeper than 1. */
static int collect_children(void *ctx, const struct store_ref *r, const struct buf *at,
			    size_t depth)
{
	if (depth == 0)
		return 0;
	collect(ctx, r, at, depth);
	return STORE_WALK_SKIP;
}

/* r's name points into lookup_path, which stays until the next lookup. */
static struct path lookup_path;

static void lookup(const struct store *s, const char *text, unsigned flags, struct store_ref *r,
		   int want)
{
	struct path *p = &lookup_path;
	struct err e;

	assert_int_equal(path_parse(text, strlen(text), p, &e), 0);
	assert_int_equal(store_lookup(s, p, flags, r, &e), want);
	if (want)
		assert_string_equal(e.msg, flags & STORE_NEAR
						   ? "app/emtpy: no such path in s.yaml; did you mean app/empty or app/env/A?"
						   : "app/emtpy: no such path in s.yaml");
}

static void test_lookup_and_walks(void **state)
{
	const char *doc =
		"app:\n  env:\n    A: 1\n    B: 2\n  empty: {}\nlist: [x, y]\ne: &x val\nf: *x\n";
	struct store s = { 0 }, t = { 0 };
	struct buf text = { 0 }, got = { 0 }, prefix = { 0 };
	struct secmem plain = { 0 }, v = { 0 };
	struct store_ref r;
	struct err e;
	int written;

	(void)state;
	make_store(&s, doc, &text);
	assert_int_equal(store_save(&s, text.p, text.len, 1, &written, &e), 0);
	reload(&t, &s, &plain);
	free(t.path);
	t.path = strdup("s.yaml");

	lookup(&t, "", 0, &r, 0);
	assert_int_equal(r.kind, STORE_MAPPING);
	assert_int_equal(r.n_children, 4);
	assert_int_equal(r.name_len, 0);
	lookup(&t, "app/env", 0, &r, 0);
	assert_int_equal(r.kind, STORE_MAPPING);
	assert_int_equal(r.n_children, 2);
	assert_false(r.leaf);
	assert_memory_equal(r.name, "env", 3);
	lookup(&t, "app/empty", 0, &r, 0);
	assert_true(r.leaf);
	lookup(&t, "list", 0, &r, 0);
	assert_int_equal(r.kind, STORE_SEQUENCE);
	/* an alias: the anchored value, under the name the PATH gives it */
	lookup(&t, "f", 0, &r, 0);
	assert_int_equal(r.kind, STORE_SCALAR);
	assert_memory_equal(r.name, "f", 1);
	assert_int_equal(store_value(&t, &r, &v, &e), 0);
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.p, "val", 3);
	lookup(&t, "app/emtpy", 0, &r, ERR_NOTFOUND);
	lookup(&t, "app/emtpy", STORE_NEAR, &r, ERR_NOTFOUND);

	/* the leaves, from the top and from a leaf */
	lookup(&t, "", 0, &r, 0);
	assert_int_equal(store_leaves(&t, &r, &prefix, collect, &got), 0);
	assert_string_equal(got.p, "app/env/A|A|3\napp/env/B|B|3\napp/empty|empty|2\nlist/0|0|2\n"
				   "list/1|1|2\ne|e|1\nf|f|1\n");
	got.len = 0;
	lookup(&t, "app/env/B", 0, &r, 0);
	assert_int_equal(buf_puts(&prefix, "app/env/B"), 0);
	assert_int_equal(store_leaves(&t, &r, &prefix, collect, &got), 0);
	assert_string_equal(got.p, "app/env/B|B|0\n");
	/* a walk that skips: the children of app, with the path given back */
	got.len = 0;
	prefix.len = 0;
	assert_int_equal(buf_puts(&prefix, "app"), 0);
	lookup(&t, "app", 0, &r, 0);
	assert_int_equal(store_walk(&t, &r, &prefix, collect_children, &got), 0);
	assert_string_equal(got.p, "app/env|env|1\napp/empty|empty|1\n");
	assert_string_equal(prefix.p, "app");

	path_free(&lookup_path);
	buf_free(&text);
	buf_free(&got);
	buf_free(&prefix);
	secmem_free(&plain);
	secmem_free(&v);
	store_free(&s);
	store_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_and_stable_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_change_one_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_only_never_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_no_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_token_after_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_and_walks, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
