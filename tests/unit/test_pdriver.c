/* Unit tests for pdriver: references (format, parse, every refusal),
 * SECRET_ID checks, and the entries of a state directory. The state
 * directory's own rules and podman's use are in tests/cli/podman_driver.sh
 * and podman_rootless.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/pdriver.h"

static void test_roundtrip(void **state)
{
	char store[] = "/a dir,with \"quotes\" 'and' = %25 \\ \xc3\xa9\t/s.yaml";
	char id1[] = "/home/u/id.txt", id2[] = "/x,y/id 2.txt";
	struct pdriver_ref r = { store, 1, (char *)"app/env/A~1B", { id1, id2 }, 2 }, back;
	struct buf out = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(pdriver_ref_format(&r, &out, &e), 0);
	/* one line, no byte a shell, podman's CSV or a label would read */
	assert_string_equal(out.p, "secretctl-ref/1 /a%20dir%2Cwith%20%22quotes%22%20%27and%27%20%3D%20"
				   "%2525%20%5C%20%C3%A9%09/s.yaml e app/env/A~1B /home/u/id.txt "
				   "/x%2Cy/id%202.txt\n");
	assert_int_equal(pdriver_ref_parse(out.p, out.len, &back, &e), 0);
	assert_string_equal(back.store, store);
	assert_true(back.env);
	assert_string_equal(back.path, "app/env/A~1B");
	assert_int_equal(back.n_ids, 2);
	assert_string_equal(back.ids[1], id2);
	pdriver_ref_free(&back);
	/* without the final line feed too */
	assert_int_equal(pdriver_ref_parse(out.p, out.len - 1, &back, &e), 0);
	pdriver_ref_free(&back);
	buf_free(&out);
	r.store = (char *)"rel.yaml";
	assert_int_equal(pdriver_ref_format(&r, &out, &e), ERR_INPUT);
	buf_free(&out);
}

static void refused(const char *s, const char *why)
{
	struct pdriver_ref r;
	struct err e;
	char want[256];

	assert_int_equal(pdriver_ref_parse(s, strlen(s), &r, &e), ERR_INPUT);
	snprintf(want, sizeof want, "the secret data is not a secretctl reference: %s", why);
	assert_string_equal(e.msg, want);
	assert_null(r.store);
}

static void test_refused(void **state)
{
	(void)state;
	refused("", "it does not start with 'secretctl-ref/1 '");
	refused("hunter2", "it does not start with 'secretctl-ref/1 '");
	refused("secretctl-ref/10 /s f a", "it does not start with 'secretctl-ref/1 '");
	refused("secretctl-ref/1", "it has fewer than three fields (STORE FORM PATH)");
	refused("secretctl-ref/1 /s f", "it has fewer than three fields (STORE FORM PATH)");
	refused("secretctl-ref/1 /s x a", "its form is neither f nor e");
	refused("secretctl-ref/1 s f a", "its store is not an absolute path");
	refused("secretctl-ref/1 /s f a i", "an identity is not an absolute path");
	refused("secretctl-ref/1 /s f ", "it has an empty field");
	refused("secretctl-ref/1 /s  f a", "it has an empty field");
	refused("secretctl-ref/1 /s f a\n\n", "a field has a byte that must be %-escaped");
	refused("secretctl-ref/1 /s,t f a", "a field has a byte that must be %-escaped");
	refused("secretctl-ref/1 /%2 f a", "a field has a malformed %-escape");
	refused("secretctl-ref/1 /%2c f a", "a field has a malformed %-escape");
	refused("secretctl-ref/1 /%41 f a", "a field has a malformed %-escape");
	refused("secretctl-ref/1 /%00 f a", "a field has a malformed %-escape");
	refused("secretctl-ref/1 /s f a/", "its PATH is not a PATH below the top level");
	refused("secretctl-ref/1 /s f a /i /i /i /i /i /i /i /i /i", "it names too many identities");
	{
		/* the limit counts the line with its "\n", as the writer does:
		 * 4095 bytes and a newline, or not, parse and format back; 4096
		 * without one is refused (it once parsed, then did not format) */
		char line[PDRIVER_REF_MAX + 2];
		struct pdriver_ref r;
		struct buf b = { 0 };
		struct err e;
		size_t head = strlen("secretctl-ref/1 /");

		memcpy(line, "secretctl-ref/1 /", head);
		memset(line + head, 's', PDRIVER_REF_MAX - 1 - head - 4);
		memcpy(line + PDRIVER_REF_MAX - 1 - 4, " f a", 5);
		assert_int_equal(strlen(line), PDRIVER_REF_MAX - 1);
		assert_int_equal(pdriver_ref_parse(line, strlen(line), &r, &e), 0);
		assert_int_equal(pdriver_ref_format(&r, &b, &e), 0);
		assert_int_equal(b.len, PDRIVER_REF_MAX);
		pdriver_ref_free(&r);
		buf_free(&b);
		memcpy(line + PDRIVER_REF_MAX - 1 - 4, "s f a", 6);
		refused(line, "it is longer than a reference can be");
	}
}

static void test_ids(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(pdriver_id_check("0123456789abcdef012345678", &e), 0);
	assert_int_equal(pdriver_id_check(NULL, &e), ERR_USAGE);
	assert_int_equal(pdriver_id_check("", &e), ERR_USAGE);
	assert_int_equal(pdriver_id_check("0123456789abcdef01234567", &e), ERR_USAGE);
	assert_string_equal(e.msg, "SECRET_ID is 24 bytes; a podman secret ID is 25 lowercase hex digits");
	assert_int_equal(pdriver_id_check("0123456789Abcdef012345678", &e), ERR_USAGE);
	assert_string_equal(e.msg, "SECRET_ID has a byte that is not a lowercase hex digit (offset 10)");
	assert_int_equal(pdriver_id_check("../../../../../../etc/pwd", &e), ERR_USAGE);
}

static void test_entries(void **state)
{
	static const char ref[] = "secretctl-ref/1 /s.yaml f app/x\n";
	char dir[] = "/tmp/test_pdriver.XXXXXX", path[128];
	const char *a = "0123456789abcdef012345678", *b = "aaaaaaaaaaaaaaaaaaaaaaaaa";
	struct pdriver_ref r;
	struct buf list = { 0 };
	struct stat st;
	struct err e;
	int fd, removed;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(pdriver_entry_put(fd, dir, a, ref, sizeof ref - 1, &e), 0);
	assert_int_equal(pdriver_entry_put(fd, dir, b, ref, sizeof ref - 1, &e), 0);
	/* never a value, never a bad name */
	assert_int_equal(pdriver_entry_put(fd, dir, b, "hunter2", 7, &e), ERR_INPUT);
	assert_int_equal(pdriver_entry_put(fd, dir, "../x", ref, sizeof ref - 1, &e), ERR_USAGE);
	snprintf(path, sizeof path, "%s/%s", dir, a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(pdriver_entry_get(fd, dir, a, &r, &e), 0);
	assert_string_equal(r.path, "app/x");
	pdriver_ref_free(&r);
	/* files that are not IDs are not listed */
	close(open(strcat(strcpy(path, dir), "/notanid"), O_CREAT | O_WRONLY, 0600));
	assert_int_equal(pdriver_entry_list(fd, dir, &list, &e), 0);
	assert_string_equal(list.p, "0123456789abcdef012345678\naaaaaaaaaaaaaaaaaaaaaaaaa\n");
	assert_int_equal(pdriver_entry_del(fd, dir, a, &removed, &e), 0);
	assert_true(removed);
	assert_int_equal(pdriver_entry_del(fd, dir, a, &removed, &e), 0);
	assert_false(removed);
	assert_int_equal(pdriver_entry_get(fd, dir, a, &r, &e), ERR_NOTFOUND);
	/* a symlink is no entry */
	snprintf(path, sizeof path, "%s/%s", dir, a);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(pdriver_entry_get(fd, dir, a, &r, &e), ERR_IO);
	unlink(path);
	unlink(strcat(strcpy(path, dir), "/notanid"));
	snprintf(path, sizeof path, "%s/%s", dir, b);
	unlink(path);
	close(fd);
	rmdir(dir);
	buf_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
