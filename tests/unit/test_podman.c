/* Unit tests for podman: version parsing, name rules of both podman
 * generations, value checks, the digest label (known answers computed with
 * Python's hashlib, independently of libsodium), labels, and spawning
 * (stdin bytes, captured output, exit status, missing programs) with /bin/sh
 * standing in for podman. Real podman runs are in tests/cli/podman*.sh. */
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

#include "secretctl/podman.h"
#include "secretctl/secmem.h"

static const struct podman_version v431 = { 4, 3, 1 }, v470 = { 4, 7, 0 }, v500 = { 5, 0, 0 },
				   v469 = { 4, 6, 9 };

static void version_ok(const char *s, int ma, int mi, int pa)
{
	struct podman_version v;
	struct err e;

	if (podman_version_parse(s, strlen(s), &v, &e))
		fail_msg("'%s' refused: %s", s, e.msg);
	assert_int_equal(v.major, ma);
	assert_int_equal(v.minor, mi);
	assert_int_equal(v.patch, pa);
}

static void version_bad(const char *s)
{
	struct podman_version v;
	struct err e;

	if (podman_version_parse(s, strlen(s), &v, &e) != ERR_EXTERNAL)
		fail_msg("'%s' accepted", s);
	assert_non_null(strstr(e.msg, "cannot read podman's version"));
}

static void test_version(void **state)
{
	(void)state;
	version_ok("4.3.1", 4, 3, 1);
	version_ok("4.3.1\n", 4, 3, 1);
	version_ok("v4.7.0", 4, 7, 0);
	version_ok("4.7.0-dev", 4, 7, 0);
	version_ok("5.0.0-rc1\n", 5, 0, 0);
	version_ok("4.9", 4, 9, 0);
	version_ok("10.12.13+ds1", 10, 12, 13);
	version_bad("");
	version_bad("\n");
	version_bad("podman version 4.3.1");
	version_bad("4");
	version_bad("4.");
	version_bad("4.x");
	version_bad("4.3.");
	version_bad("4.3.1x");
	version_bad("99999999.1.1");
	assert_false(podman_has_replace(&v431));
	assert_false(podman_has_replace(&v469));
	assert_true(podman_has_replace(&v470));
	assert_true(podman_has_replace(&v500));
	assert_true(podman_version_at_least(&v431, 4, 3));
	assert_false(podman_version_at_least(&v431, 4, 4));
	assert_true(podman_version_at_least(&v500, 4, 9));
}

static void name_ok(const struct podman_version *v, const char *n, size_t len)
{
	struct err e;

	if (podman_name_check(v, n, len, &e))
		fail_msg("%d.%d refused '%s': %s", v->major, v->minor, n, e.msg);
}

static void name_bad(const struct podman_version *v, const char *n, size_t len, const char *why)
{
	struct err e;

	if (podman_name_check(v, n, len, &e) != ERR_INPUT)
		fail_msg("%d.%d accepted '%s'", v->major, v->minor, n);
	if (!strstr(e.msg, why))
		fail_msg("message '%s' lacks '%s'", e.msg, why);
}

static void test_names_old(void **state)
{
	char n[300];

	(void)state;
	/* each as measured against podman 4.3.1 */
	name_ok(&v431, "a", 1);
	name_ok(&v431, "A", 1);
	name_ok(&v431, "0", 1);
	name_ok(&v431, "db_password", 11);
	name_ok(&v431, "a_", 2);
	name_ok(&v431, "a..b", 4);
	name_ok(&v431, "a--b", 4);
	name_ok(&v431, "tls.key", 7);
	memset(n, 'x', sizeof n);
	name_ok(&v431, n, 64);
	name_bad(&v431, n, 65, "at most 64");
	name_bad(&v431, n, 253, "at most 64");
	name_bad(&v431, "", 0, "empty");
	name_bad(&v431, "a@b", 3, "has '@' (byte 1); podman 4.3 takes only [a-zA-Z0-9_.-]");
	name_bad(&v431, "a b", 3, "has ' '");
	name_bad(&v431, "a=b", 3, "has '='");
	name_bad(&v431, "a/b", 3, "has '/'");
	name_bad(&v431, "a,b", 3, "has ','");
	name_bad(&v431, "caf\xc3\xa9", 5, "has byte 0xc3 (byte 3)");
	name_bad(&v431, "a\nb", 3, "has byte 0x0a (byte 1)");
	name_bad(&v431, "-a", 2, "starts with '-'");
	name_bad(&v431, "_a", 2, "starts with '_'");
	name_bad(&v431, ".a", 2, "starts with '.'");
	name_bad(&v431, "a-", 2, "ends with '-'");
	name_bad(&v431, "a.", 2, "ends with '.'");
	name_bad(&v469, "a@b", 3, "podman 4.6 takes only");
}

static void test_names_new(void **state)
{
	char n[300];

	(void)state;
	name_ok(&v470, "a", 1);
	name_ok(&v470, "a@b", 3);
	name_ok(&v470, "-a", 2);
	name_ok(&v470, "a.", 2);
	name_ok(&v470, "caf\xc3\xa9", 5);
	name_ok(&v500, "user@example.org", 16);
	memset(n, 'x', sizeof n);
	name_ok(&v470, n, 253);
	name_bad(&v470, n, 254, "at most 253");
	name_bad(&v470, "", 0, "empty");
	name_bad(&v470, "a,b", 3, "has ','");
	name_bad(&v470, "a/b", 3, "has '/'");
	name_bad(&v470, "a=b", 3, "has '='");
	name_bad(&v470, "a\0b", 3, "NUL");
}

static void prefix_bad(const struct podman_version *v, const char *p, const char *msg)
{
	struct err e;

	if (podman_prefix_check(v, p, strlen(p), &e) != ERR_USAGE)
		fail_msg("%d.%d accepted prefix '%s'", v->major, v->minor, p);
	assert_string_equal(e.msg, msg);
}

/* A prefix is checked alone (so the message names it) against the start
 * of a name: its last byte may be one a name cannot end with. */
static void test_prefix(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(podman_prefix_check(&v431, "web2_", 5, &e), 0);
	assert_int_equal(podman_prefix_check(&v431, "web2-", 5, &e), 0);
	assert_int_equal(podman_prefix_check(&v431, "web2.", 5, &e), 0);
	assert_int_equal(podman_prefix_check(&v431, "0", 1, &e), 0);
	prefix_bad(&v431, "", "--prefix is empty");
	prefix_bad(&v470, "", "--prefix is empty");
	prefix_bad(&v431, "web@", "--prefix 'web@' has '@' (byte 3); podman 4.3 takes only "
				  "[a-zA-Z0-9_.-] in secret names");
	prefix_bad(&v431, "_web", "--prefix '_web' starts with '_'; podman 4.3 wants a letter or "
				  "digit first in secret names");
	prefix_bad(&v431, "-web", "--prefix '-web' starts with '-'; podman 4.3 wants a letter or "
				  "digit first in secret names");
	prefix_bad(&v469, "a/", "--prefix 'a/' has '/' (byte 1); podman 4.6 takes only "
				"[a-zA-Z0-9_.-] in secret names");
	prefix_bad(&v431, "caf\xc3\xa9", "--prefix 'caf\xc3\xa9' has byte 0xc3 (byte 3); podman 4.3 "
					 "takes only [a-zA-Z0-9_.-] in secret names");
	/* podman >= 4.7: anything but , / = */
	assert_int_equal(podman_prefix_check(&v470, "_web@", 5, &e), 0);
	assert_int_equal(podman_prefix_check(&v500, "-", 1, &e), 0);
	prefix_bad(&v470, "a,", "--prefix 'a,' has ',', which podman refuses in secret names");
	prefix_bad(&v500, "a/b", "--prefix 'a/b' has '/', which podman refuses in secret names");
	prefix_bad(&v500, "a=", "--prefix 'a=' has '=', which podman refuses in secret names");
}

static void test_values(void **state)
{
	static unsigned char big[PODMAN_VALUE_MAX + 1];
	struct err e;

	(void)state;
	assert_int_equal(podman_value_check((const unsigned char *)"x", 1, 0, &e), 0);
	assert_int_equal(podman_value_check((const unsigned char *)"x", 1, 1, &e), 0);
	assert_int_equal(podman_value_check(big, PODMAN_VALUE_MAX, 0, &e), 0);
	assert_int_equal(podman_value_check((const unsigned char *)"", 0, 0, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "value is empty; a podman secret holds 1 to 511999 bytes"));
	assert_int_equal(podman_value_check(big, PODMAN_VALUE_MAX + 1, 0, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "value is 512000 bytes; a podman secret holds 1 to 511999"));
	/* NUL: fine in a file, refused for an env secret */
	assert_int_equal(podman_value_check((const unsigned char *)"a\0b", 3, 0, &e), 0);
	assert_int_equal(podman_value_check((const unsigned char *)"a\0b", 3, 1, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "NUL byte (offset 1)"));
	assert_non_null(strstr(e.msg, "use -f"));
	/* newlines, CRs and quotes are fine in an environment */
	assert_int_equal(podman_value_check((const unsigned char *)" \"a\nb\r", 6, 1, &e), 0);
	assert_int_equal(podman_value_check((const unsigned char *)"caf\xc3\xa9", 5, 1, &e), 0);
	/* invalid UTF-8: podman's OCI spec (JSON) would make it U+FFFD */
	assert_int_equal(podman_value_check((const unsigned char *)"a\nb\xff", 4, 0, &e), 0);
	assert_int_equal(podman_value_check((const unsigned char *)"a\nb\xff", 4, 1, &e), ERR_INPUT);
	assert_string_equal(e.msg, "value is not valid UTF-8 (byte 0xff at offset 3), which podman "
				   "turns into U+FFFD in an environment variable; use -f");
	assert_int_equal(podman_value_check((const unsigned char *)"\xed\xa0\x80", 3, 1, &e),
			 ERR_INPUT);
}

static void test_digest(void **state)
{
	unsigned char *key = secmem_alloc(32), *key2 = secmem_alloc(32);
	char h[PODMAN_DIGEST_HEX_LEN], h2[PODMAN_DIGEST_HEX_LEN];
	struct err e;

	(void)state;
	assert_non_null(key);
	assert_non_null(key2);
	for (int i = 0; i < 32; i++)
		key[i] = key2[i] = (unsigned char)i;
	key2[31] ^= 1;
	/* Python: sub = blake2b(b"", 32, key=dk, salt=pack("<Q",3)+8*b"\0",
	 * person=b"sctl_pod"+8*b"\0"); blake2b(value, 32, key=sub) */
	assert_int_equal(podman_digest(key, (const unsigned char *)"hunter2", 7, h, &e), 0);
	assert_string_equal(h, "49601c56852618d8c7c7cffdb5cdd4a374457e30ee38aca4e4c0fcd5d38878ea");
	assert_int_equal(podman_digest(key, (const unsigned char *)"a\0b", 3, h, &e), 0);
	assert_string_equal(h, "31a61c893bc259be6b32f604e70b1a16f8ba06ee2f2477c999d3b1058609cea5");
	/* another data key, another digest: the label tells nothing without it */
	assert_int_equal(podman_digest(key2, (const unsigned char *)"hunter2", 7, h2, &e), 0);
	assert_string_not_equal(h2, "49601c56852618d8c7c7cffdb5cdd4a374457e30ee38aca4e4c0fcd5d38878ea");
	assert_int_equal(strlen(h2), 64);
	/* every byte counts: each position changed, first to last, and one
	 * byte more or less at the end, gives another digest */
	{
		unsigned char v[9] = "abcdefgh", w[9];
		char base[PODMAN_DIGEST_HEX_LEN];

		assert_int_equal(podman_digest(key, v, 8, base, &e), 0);
		for (size_t i = 0; i < 8; i++) {
			memcpy(w, v, sizeof w);
			w[i] ^= 1;
			assert_int_equal(podman_digest(key, w, 8, h, &e), 0);
			if (strcmp(h, base) == 0)
				fail_msg("byte %zu changed, same digest", i);
		}
		memcpy(w, v, 8);
		w[8] = 'X';
		assert_int_equal(podman_digest(key, w, 9, h, &e), 0);
		assert_string_not_equal(h, base);
		assert_int_equal(podman_digest(key, v, 7, h, &e), 0);
		assert_string_not_equal(h, base);
		/* one byte: the first is the last */
		assert_int_equal(podman_digest(key, (const unsigned char *)"a", 1, base, &e), 0);
		assert_int_equal(podman_digest(key, (const unsigned char *)"b", 1, h, &e), 0);
		assert_string_not_equal(h, base);
	}
	secmem_release(key);
	secmem_release(key2);
}

static void test_labels(void **state)
{
	struct podman_labels a = { 0 }, b = { 0 };
	struct err e;

	(void)state;
	/* as podman parses --label: split at the first '=', later key wins */
	assert_int_equal(podman_labels_add(&a, "k=v", 3, &e), 0);
	assert_int_equal(podman_labels_add(&a, "b=c=d", 5, &e), 0);
	assert_int_equal(podman_labels_add(&a, "bare", 4, &e), 0);
	assert_int_equal(podman_labels_add(&a, "k=w", 3, &e), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(podman_labels_get(&a, "k"), "w");
	assert_string_equal(podman_labels_get(&a, "b"), "c=d");
	assert_string_equal(podman_labels_get(&a, "bare"), "");
	assert_null(podman_labels_get(&a, "x"));
	assert_int_equal(podman_labels_add(&a, "=v", 2, &e), ERR_USAGE);
	assert_non_null(strstr(e.msg, "has no key"));
	assert_int_equal(podman_labels_add(&b, "bare=", 5, &e), 0);
	assert_int_equal(podman_labels_add(&b, "k=w", 3, &e), 0);
	assert_false(podman_labels_equal(&a, &b));
	assert_int_equal(podman_labels_add(&b, "b=c=d", 5, &e), 0);
	assert_true(podman_labels_equal(&a, &b));
	assert_true(podman_labels_equal(&b, &a));
	assert_int_equal(podman_labels_add(&b, "b=c", 3, &e), 0);
	assert_false(podman_labels_equal(&a, &b));
	podman_labels_free(&a);
	podman_labels_free(&b);
}

static void test_spawn(void **state)
{
	static unsigned char big[PODMAN_VALUE_MAX];
	const char *cat[] = { "sh", "-c", "cat; echo oops >&2; exit 3", NULL };
	const char *early[] = { "sh", "-c", "exit 0", NULL };
	const char *sig[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *env[] = { "sh", "-c", "env", NULL };
	const char *none[] = { "no-such-podman-here", NULL };
	struct podman_result r;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + i / 251);
	/* every byte (NULs too) reaches stdin; stdout and stderr kept apart */
	assert_int_equal(podman_spawn("sh", cat, big, sizeof big, &r, &e), 0);
	assert_int_equal(r.status, 3);
	assert_int_equal(r.out.len, sizeof big);
	assert_memory_equal(r.out.p, big, sizeof big);
	assert_string_equal(r.err.p, "oops\n");
	podman_result_free(&r);
	/* a program that does not read: no SIGPIPE, it just ran */
	assert_int_equal(podman_spawn("sh", early, big, sizeof big, &r, &e), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, 0);
	podman_result_free(&r);
	assert_int_equal(podman_spawn("sh", sig, NULL, 0, &r, &e), 0);
	assert_int_equal(r.status, 128 + 15);
	podman_result_free(&r);
	/* the value is not in the child's environment */
	assert_int_equal(podman_spawn("sh", env, (const unsigned char *)"s3cr3t-v4lue", 12, &r, &e), 0);
	assert_null(strstr(r.out.p, "s3cr3t-v4lue"));
	podman_result_free(&r);
	assert_int_equal(podman_spawn("no-such-podman-here", none, NULL, 0, &r, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "no-such-podman-here is not installed (not found in PATH); "
				   "install it, or name the program with --podman");
	assert_int_equal(podman_spawn("/nonexistent/podman", none, NULL, 0, &r, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "cannot run /nonexistent/podman: No such file"));
}

/* A fake podman: a shell script in a temp dir. */
static char fake_dir[64];
static char fake[96];

static void write_fake(const char *body)
{
	FILE *f = fopen(fake, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(fake, 0700);
}

static int fake_setup(void **state)
{
	(void)state;
	snprintf(fake_dir, sizeof fake_dir, "/tmp/test_podman.XXXXXX");
	if (!mkdtemp(fake_dir))
		return -1;
	snprintf(fake, sizeof fake, "%s/podman", fake_dir);
	return secmem_init();
}

static int fake_teardown(void **state)
{
	(void)state;
	unlink(fake);
	rmdir(fake_dir);
	return 0;
}

static void test_probe(void **state)
{
	struct podman p;
	struct err e;

	(void)state;
	write_fake("[ \"$1 $2 $3\" = 'version --format {{.Client.Version}}' ] || exit 9; echo 4.3.1");
	assert_int_equal(podman_probe(&p, fake, &e), 0);
	assert_int_equal(p.version.minor, 3);
	assert_string_equal(p.version_text, "4.3.1");
	write_fake("echo 'Error: boom' >&2; exit 125");
	assert_int_equal(podman_probe(&p, fake, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "podman version: exit status 125: Error: boom");
	write_fake("echo garbage");
	assert_int_equal(podman_probe(&p, fake, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "cannot read podman's version from 'garbage"));
}

static void test_lookup(void **state)
{
	struct podman p = { fake, { 4, 3, 1 }, "4.3.1" };
	const char *names[] = { "db", "gone", "abc" };
	struct podman_existing x[3];
	struct err e;

	(void)state;
	/* db (6462) exists with two labels, driver file (66696c65), no lookup
	 * option; "abc" matched only an ID prefix (inspect printed a secret
	 * named "other"); "gone" is missing */
	write_fake("printf 'id1 6462 x66696c65 x 7365637265746374=6162 78=\\nabc999 6f74686572 x x\\n'; "
		   "echo 'Error: inspecting secret: no secret with name or id \"gone\": no such secret' >&2; "
		   "exit 125");
	assert_int_equal(podman_lookup(&p, names, 3, x, &e), 0);
	assert_true(x[0].exists);
	assert_string_equal(x[0].id, "id1");
	assert_string_equal(x[0].driver, "file");
	assert_null(x[0].lookup_opt);
	assert_int_equal(x[0].labels.n, 2);
	assert_string_equal(podman_labels_get(&x[0].labels, "secretct"), "ab");
	assert_string_equal(podman_labels_get(&x[0].labels, "x"), "");
	assert_false(x[1].exists);
	assert_false(x[2].exists);
	for (int i = 0; i < 3; i++)
		podman_existing_free(&x[i]);
	/* any other failure is one */
	write_fake("echo 'Error: database is locked' >&2; exit 125");
	assert_int_equal(podman_lookup(&p, names, 3, x, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "podman secret inspect: exit status 125: Error: database is locked");
	write_fake("echo 'id1 zz'");
	assert_int_equal(podman_lookup(&p, names, 3, x, &e), ERR_EXTERNAL);
	assert_non_null(strstr(e.msg, "cannot read podman secret inspect"));
	/* the driver and lookup fields must be there, with their 'x' */
	write_fake("echo 'id1 6462'");
	assert_int_equal(podman_lookup(&p, names, 3, x, &e), ERR_EXTERNAL);
	write_fake("echo 'id1 6462 66696c65 x'");
	assert_int_equal(podman_lookup(&p, names, 3, x, &e), ERR_EXTERNAL);
	/* a shell-driver secret: its lookup option ("/s podman-driver lookup") */
	write_fake("printf 'id2 6462 x7368656c6c x2f7320706f646d616e2d647269766572206c6f6f6b7570\\n'");
	assert_int_equal(podman_lookup(&p, names, 3, x, &e), 0);
	assert_string_equal(x[0].driver, "shell");
	assert_string_equal(x[0].lookup_opt, "/s podman-driver lookup");
	for (int i = 0; i < 3; i++)
		podman_existing_free(&x[i]);
}

static void test_put(void **state)
{
	struct podman old = { fake, { 4, 3, 1 }, "4.3.1" }, new = { fake, { 4, 7, 0 }, "4.7.0" };
	struct podman_labels user = { 0 };
	struct podman_existing cur = { 0 };
	struct podman_secret s = { "db", (const unsigned char *)"v\0al", 4,
				   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				   &user };
	enum podman_action done;
	char id[80], log[128], cmd[512];
	struct err e;
	FILE *f;
	char got[512] = "";

	(void)state;
	snprintf(log, sizeof log, "%s/log", fake_dir);
	assert_int_equal(podman_labels_add(&user, "app=x", 5, &e), 0);
	snprintf(cmd, sizeof cmd, "echo \"$*\" >> %s; [ \"$2\" = create ] && od -An -c >> %s; "
		 "echo newid", log, log);
	write_fake(cmd);
	/* missing: create with the user's label and the digest, value on stdin */
	assert_int_equal(podman_secret_put(&old, &s, &cur, &done, id, &e), 0);
	assert_int_equal(done, PODMAN_CREATED);
	assert_string_equal(id, "newid");
	/* exists, other digest, old podman: rm by ID, then create */
	cur.exists = 1;
	snprintf(cur.id, sizeof cur.id, "fullid");
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest=00", 19, &e), 0);
	assert_int_equal(podman_secret_put(&old, &s, &cur, &done, id, &e), 0);
	assert_int_equal(done, PODMAN_RECREATED);
	/* new podman: --replace */
	assert_int_equal(podman_secret_put(&new, &s, &cur, &done, id, &e), 0);
	assert_int_equal(done, PODMAN_REPLACED);
	f = fopen(log, "r");
	assert_non_null(f);
	assert_true(fread(got, 1, sizeof got - 1, f) > 0);
	fclose(f);
	unlink(log);
	assert_string_equal(got,
		"secret create --driver file --label app=x --label secretctl.digest=" "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -- db -\n"
		"   v  \\0   a   l\n"
		"secret rm -- fullid\n"
		"secret create --driver file --label app=x --label secretctl.digest=" "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -- db -\n"
		"   v  \\0   a   l\n"
		"secret create --replace --driver file --label app=x --label secretctl.digest=" "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -- db -\n"
		"   v  \\0   a   l\n");
	/* same digest and labels: nothing run at all */
	podman_labels_free(&cur.labels);
	assert_int_equal(podman_labels_add(&cur.labels, "app=x", 5, &e), 0);
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest="
					   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
					   81, &e), 0);
	assert_true(podman_secret_current(&s, &cur));
	assert_int_equal(podman_secret_put(&old, &s, &cur, &done, id, &e), 0);
	assert_int_equal(done, PODMAN_UNCHANGED);
	assert_string_equal(id, "fullid");
	assert_int_equal(access(log, F_OK), -1);
	/* a changed user label is a change */
	assert_int_equal(podman_labels_add(&user, "app=y", 5, &e), 0);
	assert_false(podman_secret_current(&s, &cur));
	/* podman failing after rm: says the old one is gone, passes stderr on */
	write_fake("[ \"$2\" = rm ] && exit 0; cat >/dev/null; echo 'Error: disk full' >&2; exit 125");
	assert_int_equal(podman_secret_put(&old, &s, &cur, &done, id, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "the old secret 'db' was removed, but: podman secret create db: "
				   "exit status 125: Error: disk full");
	write_fake("echo 'Error: no such secret' >&2; exit 125");
	assert_int_equal(podman_secret_put(&old, &s, &cur, &done, id, &e), ERR_EXTERNAL);
	assert_string_equal(e.msg, "podman secret rm db: exit status 125: Error: no such secret");
	podman_existing_free(&cur);
	podman_labels_free(&user);
}

/* --driver shell: the reference on stdin, the four driver commands, the
 * reference label; never --replace, even on podman >= 4.7. */
static void test_put_shell(void **state)
{
	static const char ref[] = "secretctl-ref/1 /s.yaml f app/x\n";
	struct podman new = { fake, { 4, 7, 0 }, "4.7.0" };
	struct podman_labels user = { 0 };
	struct podman_existing cur = { 0 };
	struct podman_secret s = { "db", (const unsigned char *)ref, sizeof ref - 1, NULL, &user,
				   ref, "/usr/bin/secretctl" };
	enum podman_action done;
	char id[80], log[128], cmd[512], got[1024] = "";
	struct err e;
	FILE *f;

	(void)state;
	snprintf(log, sizeof log, "%s/log", fake_dir);
	snprintf(cmd, sizeof cmd, "echo \"$*\" >> %s; [ \"$2\" = create ] && cat >> %s; echo newid",
		 log, log);
	write_fake(cmd);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_MISSING);
	cur.exists = 1;
	snprintf(cur.id, sizeof cur.id, "oldid");
	snprintf(cur.driver, sizeof cur.driver, "file");
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DRIVER);
	snprintf(cur.driver, sizeof cur.driver, "shell");
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DRIVER);
	cur.lookup_opt = strdup("/usr/bin/secretctl podman-driver lookup");
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_REF);
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.ref=secretctl-ref/1 /s.yaml f app/y",
					   46, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_REF);
	assert_int_equal(podman_secret_put(&new, &s, &cur, &done, id, &e), 0);
	assert_int_equal(done, PODMAN_RECREATED_DRIVER);
	f = fopen(log, "r");
	assert_non_null(f);
	assert_true(fread(got, 1, sizeof got - 1, f) > 0);
	fclose(f);
	unlink(log);
	assert_string_equal(got,
		"secret rm -- oldid\n"
		"secret create --driver shell --driver-opts list=/usr/bin/secretctl podman-driver list "
		"--driver-opts lookup=/usr/bin/secretctl podman-driver lookup "
		"--driver-opts store=/usr/bin/secretctl podman-driver store "
		"--driver-opts delete=/usr/bin/secretctl podman-driver delete "
		"--label secretctl.ref=secretctl-ref/1 /s.yaml f app/x -- db -\n"
		"secretctl-ref/1 /s.yaml f app/x\n");
	/* the same reference, labels and driver command: unchanged */
	podman_labels_free(&cur.labels);
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.ref=secretctl-ref/1 /s.yaml f app/x",
					   46, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_EQUAL);
	s.driver_bin = "/opt/secretctl";
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DRIVER);
	podman_existing_free(&cur);
	podman_labels_free(&user);
}

/* Why a secret would (not) change: the dry run's reasons, and the same
 * answer podman_secret_current gives. */
static void test_compare(void **state)
{
	static const char d1[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	struct podman_labels user = { 0 };
	struct podman_existing cur = { 0 };
	struct podman_secret s = { "db", (const unsigned char *)"v", 1, d1, &user };
	struct err e;

	(void)state;
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_MISSING);
	assert_string_equal(podman_why_text(PODMAN_WHY_MISSING), "no such secret");
	cur.exists = 1;
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_NO_DIGEST);
	assert_string_equal(podman_why_text(PODMAN_WHY_NO_DIGEST),
			    "no digest label: not made by secretctl");
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest=", 17, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DIGEST);
	/* one hex digit off, first or last */
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest="
					   "10112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
					   81, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DIGEST);
	assert_string_equal(podman_why_text(PODMAN_WHY_DIGEST), "digest label differs");
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest="
					   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefe",
					   81, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DIGEST);
	assert_false(podman_secret_current(&s, &cur));
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest="
					   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
					   80, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_DIGEST);
	assert_int_equal(podman_labels_add(&cur.labels, "secretctl.digest="
					   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
					   81, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_EQUAL);
	assert_string_equal(podman_why_text(PODMAN_WHY_EQUAL), "digest and labels equal");
	assert_true(podman_secret_current(&s, &cur));
	/* a label of the user's missing, changed or extra */
	assert_int_equal(podman_labels_add(&user, "app=x", 5, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_LABELS);
	assert_string_equal(podman_why_text(PODMAN_WHY_LABELS), "labels differ");
	assert_false(podman_secret_current(&s, &cur));
	assert_int_equal(podman_labels_add(&cur.labels, "app=y", 5, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_LABELS);
	assert_int_equal(podman_labels_add(&cur.labels, "app=x", 5, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_EQUAL);
	assert_int_equal(podman_labels_add(&cur.labels, "other=1", 7, &e), 0);
	assert_int_equal(podman_secret_compare(&s, &cur), PODMAN_WHY_LABELS);
	podman_existing_free(&cur);
	podman_labels_free(&user);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_names_old),
		cmocka_unit_test(test_names_new),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_spawn),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_put_shell),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_compare),
	};

	if (secmem_init())
		return 1;
	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
