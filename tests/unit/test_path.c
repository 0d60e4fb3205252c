#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "secretctl/path.h"

static void parse_ok(const char *s, size_t n_expect, struct path *p)
{
	struct err e;

	assert_int_equal(path_parse(s, strlen(s), p, &e), 0);
	assert_int_equal(p->n, n_expect);
}

static void test_parse_simple(void **state)
{
	struct path p = { 0 };

	(void)state;
	parse_ok("app/env/DB_PASSWORD", 3, &p);
	assert_string_equal(p.v[0].s, "app");
	assert_string_equal(p.v[1].s, "env");
	assert_string_equal(p.v[2].s, "DB_PASSWORD");
	assert_int_equal(p.v[2].len, 11);
	parse_ok("", 0, &p); /* the root; replaces the old content */
	path_free(&p);
}

static void test_escapes(void **state)
{
	struct path p = { 0 };
	struct buf b = { 0 };

	(void)state;
	parse_ok("a~1b/~0x~01/~1~0", 3, &p);
	assert_string_equal(p.v[0].s, "a/b");
	assert_string_equal(p.v[1].s, "~x~1"); /* "~01" is '~' then '1' */
	assert_string_equal(p.v[2].s, "/~");
	assert_int_equal(path_format(&p, &b), 0);
	assert_string_equal(b.p, "a~1b/~0x~01/~1~0");
	buf_free(&b);
	path_free(&p);
}

static void test_roundtrip_many(void **state)
{
	static const char *keys[] = { "plain", "with/slash", "with~tilde", "~/", "/", "~", "a b",
				      "é/ü~" };
	struct path p = { 0 }, q = { 0 };
	struct buf b = { 0 };
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		assert_int_equal(path_push(&p, keys[i], strlen(keys[i])), 0);
	assert_int_equal(path_format(&p, &b), 0);
	assert_int_equal(path_parse(b.p, b.len, &q, &e), 0);
	assert_int_equal(q.n, p.n);
	for (i = 0; i < p.n; i++) {
		assert_int_equal(q.v[i].len, p.v[i].len);
		assert_memory_equal(q.v[i].s, p.v[i].s, p.v[i].len);
	}
	buf_free(&b);
	path_free(&p);
	path_free(&q);
}

static void test_bad(void **state)
{
	static const struct {
		const char *s, *msg;
	} bad[] = {
		{ "a/~2", "segment 2: '~2' is not an escape" },
		{ "a~", "segment 1: '~' at the end" },
		{ "~x/b", "segment 1: '~x'" },
		{ "a//b", "segment 2 is empty" },
		{ "/a", "segment 1 is empty" },
		{ "a/", "segment 2 is empty" },
		{ "/", "segment 1 is empty" },
	};
	struct path p = { 0 };
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(path_parse(bad[i].s, strlen(bad[i].s), &p, &e), ERR_USAGE);
		assert_int_equal(e.code, ERR_USAGE);
		assert_non_null(strstr(e.msg, bad[i].msg));
		assert_int_equal(p.n, 0);
	}
	path_free(&p);
}

static void test_index(void **state)
{
	static const struct {
		const char *s;
		int ok;
		size_t v;
	} c[] = {
		{ "0", 1, 0 },     { "7", 1, 7 },	{ "42", 1, 42 }, { "01", 0, 0 },
		{ "00", 0, 0 },    { "", 0, 0 },	{ "-1", 0, 0 },  { "1a", 0, 0 },
		{ "+1", 0, 0 },    { " 1", 0, 0 },	{ "99999999999999999999999", 0, 0 },
	};
	size_t i, v;

	(void)state;
	for (i = 0; i < sizeof c / sizeof *c; i++) {
		struct path_seg s = { (char *)c[i].s, strlen(c[i].s) };

		v = 12345;
		assert_int_equal(path_seg_index(&s, &v), c[i].ok);
		if (c[i].ok)
			assert_int_equal(v, c[i].v);
	}
}

static void test_canonical(void **state)
{
	struct path p = { 0 };
	struct buf b = { 0 };
	struct err e;
	static const unsigned char want[] = { 0, 0, 0, 3, 'a', 'p', 'p', 0, 0, 0, 2, '1', '0',
					      0, 0, 0, 3, 'x', '/', 'y' };

	(void)state;
	assert_int_equal(path_parse("app/10/x~1y", 11, &p, &e), 0);
	assert_int_equal(path_canonical(&p, &b), 0);
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.p, want, sizeof want);
	/* a key with a NUL byte is a segment like any other */
	path_free(&p);
	buf_free(&b);
	assert_int_equal(path_push(&p, "a\0b", 3), 0);
	assert_int_equal(path_canonical(&p, &b), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.p, "\0\0\0\3a\0b", 7);
	path_pop(&p);
	assert_int_equal(p.n, 0);
	buf_free(&b);
	assert_int_equal(path_canonical(&p, &b), 0); /* root: empty */
	assert_int_equal(b.len, 0);
	buf_free(&b);
	path_free(&p);
}

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(path_distance("abc", 3, "abc", 3), 0);
	assert_int_equal(path_distance("abc", 3, "abd", 3), 1);
	assert_int_equal(path_distance("abc", 3, "acb", 3), 1); /* transposition */
	assert_int_equal(path_distance("", 0, "abc", 3), 3);
	assert_int_equal(path_distance("abc", 3, "", 0), 3);
	assert_int_equal(path_distance("kitten", 6, "sitting", 7), 3);
	assert_int_equal(path_distance("DB_PASSWROD", 11, "DB_PASSWORD", 11), 1);
}

static void quote_is(const char *s, size_t len, const char *want)
{
	struct buf b = { 0 };

	assert_int_equal(path_quote(s, len, &b), 0);
	assert_non_null(b.p);
	assert_string_equal(b.p, want);
	buf_free(&b);
}
#define QUOTE_IS(lit, want) quote_is(lit, sizeof lit - 1, want)

static void test_quote(void **state)
{
	struct buf b = { 0 };

	(void)state;
	/* printable text, UTF-8 included, as it is */
	QUOTE_IS("", "");
	QUOTE_IS("app/env/DB_PASSWORD", "app/env/DB_PASSWORD");
	QUOTE_IS("with space/mid\"q\\", "with space/mid\"q\\");
	QUOTE_IS("a~1b ключ \xc2\xa0 \xe2\x80\xae \xf0\x9f\x94\x91 \xf4\x8f\xbf\xbf",
		 "a~1b ключ \xc2\xa0 \xe2\x80\xae \xf0\x9f\x94\x91 \xf4\x8f\xbf\xbf");
	/* C0 controls and DEL: git's C escapes, else octal */
	QUOTE_IS("\a\b\t\n\v\f\r", "\"\\a\\b\\t\\n\\v\\f\\r\"");
	QUOTE_IS("\033]0;PWNED\a\033[31mRED", "\"\\033]0;PWNED\\a\\033[31mRED\"");
	QUOTE_IS("nul\0x\x1f\x7f", "\"nul\\000x\\037\\177\"");
	/* once quoted, '"' and '\\' are escaped too */
	QUOTE_IS("q\"\\\n", "\"q\\\"\\\\\\n\"");
	/* a leading '"' alone quotes: a line starting with '"' is a quoted one */
	QUOTE_IS("\"top", "\"\\\"top\"");
	QUOTE_IS("\"", "\"\\\"\"");
	/* C1 controls (U+0080..U+009F) as UTF-8 */
	QUOTE_IS("c1\xc2\x9b" "31m", "\"c1\\302\\23331m\"");
	QUOTE_IS("\xc2\x80\xc2\x85", "\"\\302\\200\\302\\205\"");
	/* not UTF-8: a lone continuation or C1 byte, overlong forms,
	 * surrogates, above U+10FFFF, a truncated sequence, 0xfe/0xff */
	QUOTE_IS("\x9b[", "\"\\233[\"");
	QUOTE_IS("\xc0\xaf", "\"\\300\\257\"");
	QUOTE_IS("\xe0\x80\xaf", "\"\\340\\200\\257\"");
	QUOTE_IS("\xed\xa0\x80", "\"\\355\\240\\200\"");
	QUOTE_IS("\xf4\x90\x80\x80", "\"\\364\\220\\200\\200\"");
	QUOTE_IS("x\xe2\x82", "\"x\\342\\202\"");
	QUOTE_IS("\xd0\xba\xfe\xff", "\"к\\376\\377\"");
	/* appended */
	buf_puts(&b, "+ ");
	assert_int_equal(path_quote("a\tb", 3, &b), 0);
	assert_string_equal(b.p, "+ \"a\\tb\"");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple), cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_roundtrip_many), cmocka_unit_test(test_bad),
		cmocka_unit_test(test_index), cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_distance), cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
