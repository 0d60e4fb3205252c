/* Unit tests for envfmt: every dialect, every refused class, the messages,
 * all-or-nothing. Round trips through real parsers are in tests/cli/envfmt_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secretctl/envfmt.h"
#include "secretctl/utf8.h"

struct fx {
	struct secmem out;
	struct err e;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (!f || secmem_init())
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	secmem_free(&f->out);
	free(f);
	return 0;
}

/* Render one NAME=value (len bytes) with path "app/env/NAME". */
static int r1(struct fx *f, enum envfmt_dialect d, const char *name, const char *val, size_t len)
{
	char path[128];
	struct envfmt_entry v = { name, strlen(name), (const unsigned char *)val, len, path };

	snprintf(path, sizeof path, "app/env/%s", name);
	secmem_free(&f->out);
	err_clear(&f->e);
	return envfmt_render(d, &v, 1, &f->out, &f->e);
}

/* Renders to exactly `want`. */
static void ok1(struct fx *f, enum envfmt_dialect d, const char *name, const char *val, size_t len,
		const char *want)
{
	int r = r1(f, d, name, val, len);

	if (r)
		fail_msg("unexpected error %d: %s", r, f->e.msg);
	assert_int_equal(f->out.len, strlen(want));
	assert_memory_equal(f->out.p, want, strlen(want));
}
#define OK1(f, d, n, lit, want) ok1((f), (d), (n), (lit), sizeof(lit) - 1, (want))

/* Refused with ERR_INPUT, message containing `frag`, nothing written. */
static void no1(struct fx *f, enum envfmt_dialect d, const char *name, const char *val, size_t len,
		const char *frag)
{
	int r = r1(f, d, name, val, len);

	assert_int_equal(r, ERR_INPUT);
	assert_int_equal(f->e.code, ERR_INPUT);
	if (!strstr(f->e.msg, frag))
		fail_msg("message '%s' lacks '%s'", f->e.msg, frag);
	assert_int_equal(f->out.len, 0);
}
#define NO1(f, d, n, lit, frag) no1((f), (d), (n), (lit), sizeof(lit) - 1, (frag))

static void test_dialect_parse(void **state)
{
	enum envfmt_dialect d;
	struct err e;

	(void)state;
	assert_int_equal(envfmt_dialect_parse("systemd", &d, &e), 0);
	assert_int_equal(d, ENVFMT_SYSTEMD);
	assert_int_equal(envfmt_dialect_parse("podman", &d, &e), 0);
	assert_int_equal(d, ENVFMT_PODMAN);
	assert_int_equal(envfmt_dialect_parse("docker", &d, &e), 0);
	assert_int_equal(d, ENVFMT_PODMAN);
	assert_int_equal(envfmt_dialect_parse("shell", &d, &e), 0);
	assert_int_equal(d, ENVFMT_SHELL);
	assert_int_equal(envfmt_dialect_parse("json", &d, &e), 0);
	assert_int_equal(d, ENVFMT_JSON);
	assert_int_equal(envfmt_dialect_parse("Systemd", &d, &e), ERR_USAGE);
	assert_string_equal(e.msg,
			    "unknown format 'Systemd' (expected systemd, podman, docker, shell or json)");
	assert_int_equal(envfmt_dialect_parse("", &d, &e), ERR_USAGE);
	assert_string_equal(envfmt_dialect_name(ENVFMT_SYSTEMD), "systemd");
	assert_string_equal(envfmt_dialect_name(ENVFMT_PODMAN), "podman");
	assert_string_equal(envfmt_dialect_name(ENVFMT_SHELL), "shell");
	assert_string_equal(envfmt_dialect_name(ENVFMT_JSON), "json");
}

static void test_name_valid(void **state)
{
	(void)state;
	assert_true(envfmt_name_valid("A", 1));
	assert_true(envfmt_name_valid("_", 1));
	assert_true(envfmt_name_valid("db_PASSWORD_2", 13));
	assert_true(envfmt_name_valid("_9", 2));
	assert_false(envfmt_name_valid("", 0));
	assert_false(envfmt_name_valid("9A", 2));
	assert_false(envfmt_name_valid("A-B", 3));
	assert_false(envfmt_name_valid("A.B", 3));
	assert_false(envfmt_name_valid("A B", 3));
	assert_false(envfmt_name_valid("A=B", 3));
	assert_false(envfmt_name_valid("A\0B", 3)); /* length counts, not the NUL */
	assert_false(envfmt_name_valid("\xc3\xa9", 2));
	assert_true(envfmt_name_valid("AB-", 2));
}

static void test_bad_name(void **state)
{
	struct fx *f = *state;

	NO1(f, ENVFMT_SYSTEMD, "1KEY", "x", "app/env/1KEY: \"1KEY\" is not a valid variable name");
	NO1(f, ENVFMT_PODMAN, "A-B", "x", "\"A-B\" is not a valid variable name");
	NO1(f, ENVFMT_SHELL, "A B", "x", "not a valid variable name");
	NO1(f, ENVFMT_JSON, "", "x", "not a valid variable name");
	/* A name with control bytes is shown escaped, never raw. */
	NO1(f, ENVFMT_SHELL, "A\nB", "x", "\"A\\x0aB\" is not a valid variable name");
	assert_null(strchr(f->e.msg, '\n'));
}

static void test_systemd(void **state)
{
	struct fx *f = *state;

	OK1(f, ENVFMT_SYSTEMD, "K", "plain", "K=plain\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "a-Z_0@%+=:,./9", "K=a-Z_0@%+=:,./9\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "", "K=\"\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "two words", "K=\"two words\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "$HOME", "K=\"\\$HOME\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "${A}$$", "K=\"\\${A}\\$\\$\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "a\"b\\c`d$e", "K=\"a\\\"b\\\\c\\`d\\$e\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "\\", "K=\"\\\\\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "l1\nl2\n", "K=\"l1\nl2\n\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "a\\\nb", "K=\"a\\\\\nb\"\n"); /* not a line continuation */
	OK1(f, ENVFMT_SYSTEMD, "K", "cr\r\ttab", "K=\"cr\r\ttab\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "'single'", "K=\"'single'\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "#x", "K=\"#x\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", " lead", "K=\" lead\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "\x01\x1f\x7f", "K=\"\x01\x1f\x7f\"\n");
	OK1(f, ENVFMT_SYSTEMD, "K", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
	    "K=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"\n");
	/* Largest scalar values that are characters. */
	OK1(f, ENVFMT_SYSTEMD, "K", "\xef\xbf\xbd\xf4\x8f\xbf\xbd", "K=\"\xef\xbf\xbd\xf4\x8f\xbf\xbd\"\n");
	/* value NULL with length 0 */
	{
		struct envfmt_entry v = { "E", 1, NULL, 0, NULL };

		secmem_free(&f->out);
		assert_int_equal(envfmt_render(ENVFMT_SYSTEMD, &v, 1, &f->out, &f->e), 0);
		assert_string_equal((char *)f->out.p, "E=\"\"\n");
	}
}

/* Invalid UTF-8 of each kind is refused by the three Unicode dialects. */
static void test_invalid_utf8(void **state)
{
	struct fx *f = *state;
	static const char *bad[] = {
		"\x80",             /* lone continuation */
		"a\xbf",            /* continuation after ASCII */
		"\xc0\x80",         /* overlong NUL */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\x80",     /* overlong 3 */
		"\xe0\x9f\xbf",     /* overlong 3 (U+07FF) */
		"\xf0\x8f\xbf\xbf", /* overlong 4 (U+FFFF) */
		"\xed\xa0\x80",     /* surrogate U+D800 */
		"\xed\xbf\xbf",     /* surrogate U+DFFF */
		"\xf4\x90\x80\x80", /* U+110000 */
		"\xf5\x80\x80\x80", /* lead byte past F4 */
		"\xff",
		"\xfe",
		"\xe2\x82",         /* truncated */
		"\xf0\x9f\x94",     /* truncated 4 */
		"\xc3(",            /* bad continuation */
		"\xe2(\xa1",
	};
	static const enum envfmt_dialect ds[] = { ENVFMT_SYSTEMD, ENVFMT_PODMAN, ENVFMT_JSON };
	size_t i, j;

	for (j = 0; j < 3; j++) {
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
			no1(f, ds[j], "K", bad[i], strlen(bad[i]), "is not valid UTF-8");
	}
	NO1(f, ENVFMT_SYSTEMD, "K", "ab\xc3", "app/env/K: value is not valid UTF-8 (byte 0xc3 at offset 2), "
	    "which the systemd env-file format cannot carry; use --format shell or -f");
	NO1(f, ENVFMT_JSON, "K", "\xff", "which the json format cannot carry; use --format shell or -f");
	/* shell carries them */
	OK1(f, ENVFMT_SHELL, "K", "\x80\xc0\x80\xff", "export K='\x80\xc0\x80\xff'\n");
}

static void test_systemd_nonchar(void **state)
{
	struct fx *f = *state;

	NO1(f, ENVFMT_SYSTEMD, "K", "\xef\xbf\xbe", "app/env/K: value has the Unicode noncharacter U+FFFE "
	    "(offset 0), which the systemd env-file format cannot carry; use --format shell or -f");
	NO1(f, ENVFMT_SYSTEMD, "K", "x\xef\xbf\xbf", "U+FFFF (offset 1)");
	NO1(f, ENVFMT_SYSTEMD, "K", "\xef\xb7\x90", "U+FDD0");
	NO1(f, ENVFMT_SYSTEMD, "K", "\xef\xb7\xaf", "U+FDEF");
	NO1(f, ENVFMT_SYSTEMD, "K", "\xf0\x9f\xbf\xbe", "U+1FFFE");
	NO1(f, ENVFMT_SYSTEMD, "K", "\xf4\x8f\xbf\xbf", "U+10FFFF");
	/* Neighbours are fine, and podman/json take noncharacters. */
	OK1(f, ENVFMT_SYSTEMD, "K", "\xef\xb7\x8f\xef\xb7\xb0", "K=\"\xef\xb7\x8f\xef\xb7\xb0\"\n");
	OK1(f, ENVFMT_PODMAN, "K", "\xef\xbf\xbe", "K=\xef\xbf\xbe\n");
	OK1(f, ENVFMT_JSON, "K", "\xef\xbf\xbf", "{\"K\":\"\xef\xbf\xbf\"}\n");
}

static void test_nul(void **state)
{
	struct fx *f = *state;

	NO1(f, ENVFMT_SYSTEMD, "K", "a\0b", "app/env/K: value has a NUL byte (offset 1), "
	    "which the systemd env-file format cannot carry; use -f");
	NO1(f, ENVFMT_PODMAN, "K", "\0", "which the podman env-file format cannot carry; use -f");
	NO1(f, ENVFMT_SHELL, "K", "ab\0", "has a NUL byte (offset 2), which the shell format cannot carry; use -f");
	NO1(f, ENVFMT_JSON, "K", "\0", "which the json format cannot carry; use -f");
	/* NUL is reported first even with other problems after it */
	NO1(f, ENVFMT_PODMAN, "K", "\n\0\xff", "NUL byte");
}

/* What podman's env-file reader (pkg/env ParseFile, 4.3 to 5.x) cannot
 * carry is refused, and nothing else: it takes the rest of the line raw. */
static void test_podman(void **state)
{
	struct fx *f = *state;
	char *big;

	OK1(f, ENVFMT_PODMAN, "K", "plain", "K=plain\n");
	OK1(f, ENVFMT_PODMAN, "K", "", "K=\n");
	OK1(f, ENVFMT_PODMAN, "K", "a b$c\"d'e\\f`g#h=i", "K=a b$c\"d'e\\f`g#h=i\n");
	OK1(f, ENVFMT_PODMAN, "K", "#x", "K=#x\n");
	OK1(f, ENVFMT_PODMAN, "K", "x\"", "K=x\"\n");
	OK1(f, ENVFMT_PODMAN, "K", "\x01\x7f\xc3\xa9", "K=\x01\x7f\xc3\xa9\n");
	/* podman keeps blanks and quotes at either end, and a CR inside */
	OK1(f, ENVFMT_PODMAN, "K", " a", "K= a\n");
	OK1(f, ENVFMT_PODMAN, "K", "\ta", "K=\ta\n");
	OK1(f, ENVFMT_PODMAN, "K", "\va\f", "K=\va\f\n");
	OK1(f, ENVFMT_PODMAN, "K", "a ", "K=a \n");
	OK1(f, ENVFMT_PODMAN, "K", "a\t", "K=a\t\n");
	OK1(f, ENVFMT_PODMAN, "K", " ", "K= \n");
	OK1(f, ENVFMT_PODMAN, "K", "\"q\"", "K=\"q\"\n");
	OK1(f, ENVFMT_PODMAN, "K", "'q", "K='q\n");
	OK1(f, ENVFMT_PODMAN, "K", "q'", "K=q'\n");
	OK1(f, ENVFMT_PODMAN, "K", " #c", "K= #c\n");
	OK1(f, ENVFMT_PODMAN, "K", "=", "K==\n");
	OK1(f, ENVFMT_PODMAN, "K", "a\rb", "K=a\rb\n");
	OK1(f, ENVFMT_PODMAN, "K", "\ra", "K=\ra\n");
	/* a line break ends the line: the rest would be another line */
	NO1(f, ENVFMT_PODMAN, "KEY", "a\nb", "app/env/KEY: value has a newline (offset 1), which the "
	    "podman env-file format cannot carry; use an env secret (secretctl podman STORE -e "
	    "app/env/KEY KEY, and Secret=KEY,type=env in the unit) or -f");
	NO1(f, ENVFMT_PODMAN, "K", "ab\n", "has a newline (offset 2)");
	NO1(f, ENVFMT_PODMAN, "K", "\nX=injected", "has a newline (offset 0)");
	/* bufio.ScanLines drops a CR before the line's end */
	NO1(f, ENVFMT_PODMAN, "KEY", "ab\r", "app/env/KEY: value ends with a carriage return, which "
	    "the podman env-file format cannot carry; use an env secret (secretctl podman STORE -e "
	    "app/env/KEY KEY, and Secret=KEY,type=env in the unit) or -f");
	NO1(f, ENVFMT_PODMAN, "K", "\r", "ends with a carriage return");
	NO1(f, ENVFMT_PODMAN, "K", "a\r\r", "ends with a carriage return");
	/* Go's JSON (the OCI spec) makes each invalid byte U+FFFD */
	NO1(f, ENVFMT_PODMAN, "K", "a\xff", "app/env/K: value is not valid UTF-8 (byte 0xff at offset 1), "
	    "which the podman env-file format cannot carry; use -f (podman turns invalid UTF-8 "
	    "into U+FFFD, in env secrets too)");
	/* Line length: NAME=value within bufio.Scanner's 64 KiB. */
	big = malloc(ENVFMT_PODMAN_LINE_MAX);
	assert_non_null(big);
	memset(big, 'x', ENVFMT_PODMAN_LINE_MAX);
	assert_int_equal(r1(f, ENVFMT_PODMAN, "K", big, ENVFMT_PODMAN_LINE_MAX - 2), 0);
	assert_int_equal(f->out.len, ENVFMT_PODMAN_LINE_MAX + 1);
	no1(f, ENVFMT_PODMAN, "K", big, ENVFMT_PODMAN_LINE_MAX - 1,
	    "app/env/K: value is too long (a line over 65535 bytes), which the podman env-file "
	    "format cannot carry; use an env secret (secretctl podman STORE -e app/env/K K, and "
	    "Secret=K,type=env in the unit) or -f");
	/* systemd has no such limit */
	assert_int_equal(r1(f, ENVFMT_SYSTEMD, "K", big, ENVFMT_PODMAN_LINE_MAX), 0);
	free(big);
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	assert_int_equal(utf8_invalid((const unsigned char *)"", 0), 0);
	assert_int_equal(utf8_invalid((const unsigned char *)"caf\xc3\xa9", 5), 5);
	assert_int_equal(utf8_invalid((const unsigned char *)"\xef\xbf\xbe", 3), 3);
	assert_int_equal(utf8_invalid((const unsigned char *)"ab\xc3", 3), 2);
	assert_int_equal(utf8_invalid((const unsigned char *)"a\xed\xa0\x80", 4), 1);
	assert_int_equal(utf8_invalid((const unsigned char *)"\xc0\x80", 2), 0);
	assert_int_equal(utf8_invalid((const unsigned char *)"x\xf4\x90\x80\x80", 5), 1);
}

static void test_shell(void **state)
{
	struct fx *f = *state;

	OK1(f, ENVFMT_SHELL, "K", "plain", "export K='plain'\n");
	OK1(f, ENVFMT_SHELL, "K", "", "export K=''\n");
	OK1(f, ENVFMT_SHELL, "K", "it's", "export K='it'\\''s'\n");
	OK1(f, ENVFMT_SHELL, "K", "'", "export K=''\\'''\n");
	OK1(f, ENVFMT_SHELL, "K", "''", "export K=''\\'''\\'''\n");
	OK1(f, ENVFMT_SHELL, "K", "$(rm -rf /)`x`\\\"\n!*?~", "export K='$(rm -rf /)`x`\\\"\n!*?~'\n");
	OK1(f, ENVFMT_SHELL, "K", "\x01\r\x7f", "export K='\x01\r\x7f'\n");
}

static void test_json(void **state)
{
	struct fx *f = *state;

	OK1(f, ENVFMT_JSON, "K", "plain", "{\"K\":\"plain\"}\n");
	OK1(f, ENVFMT_JSON, "K", "", "{\"K\":\"\"}\n");
	OK1(f, ENVFMT_JSON, "K", "q\"b\\s/", "{\"K\":\"q\\\"b\\\\s/\"}\n");
	OK1(f, ENVFMT_JSON, "K", "\b\f\n\r\t", "{\"K\":\"\\b\\f\\n\\r\\t\"}\n");
	OK1(f, ENVFMT_JSON, "K", "\x01\x1f\x7f", "{\"K\":\"\\u0001\\u001f\\u007f\"}\n");
	OK1(f, ENVFMT_JSON, "K", "caf\xc3\xa9 $x '", "{\"K\":\"caf\xc3\xa9 $x '\"}\n");
	{
		struct envfmt_entry v[] = {
			{ "A", 1, (const unsigned char *)"1", 1, "a/A" },
			{ "B", 1, (const unsigned char *)"2\n", 2, "a/B" },
		};

		secmem_free(&f->out);
		assert_int_equal(envfmt_render(ENVFMT_JSON, v, 2, &f->out, &f->e), 0);
		assert_string_equal((char *)f->out.p, "{\"A\":\"1\",\"B\":\"2\\n\"}\n");
		secmem_free(&f->out);
		assert_int_equal(envfmt_render(ENVFMT_JSON, v, 0, &f->out, &f->e), 0);
		assert_string_equal((char *)f->out.p, "{}\n");
	}
}

static void test_many_lines(void **state)
{
	struct fx *f = *state;
	struct envfmt_entry v[] = {
		{ "A", 1, (const unsigned char *)"1", 1, "app/env/A" },
		{ "B", 1, (const unsigned char *)"x y", 3, "app/env/B" },
		{ "C", 1, NULL, 0, "app/env/C" },
	};

	assert_int_equal(envfmt_render(ENVFMT_SYSTEMD, v, 3, &f->out, &f->e), 0);
	assert_string_equal((char *)f->out.p, "A=1\nB=\"x y\"\nC=\"\"\n");
	secmem_free(&f->out);
	assert_int_equal(envfmt_render(ENVFMT_PODMAN, v, 3, &f->out, &f->e), 0);
	assert_string_equal((char *)f->out.p, "A=1\nB=x y\nC=\n");
	secmem_free(&f->out);
	assert_int_equal(envfmt_render(ENVFMT_SHELL, v, 3, &f->out, &f->e), 0);
	assert_string_equal((char *)f->out.p, "export A='1'\nexport B='x y'\nexport C=''\n");
	secmem_free(&f->out);
	/* n == 0: nothing (except json's {}) */
	assert_int_equal(envfmt_render(ENVFMT_SYSTEMD, v, 0, &f->out, &f->e), 0);
	assert_int_equal(f->out.len, 0);
}

/* A refused value anywhere: nothing appended, what was there stays. */
static void test_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct envfmt_entry v[] = {
		{ "A", 1, (const unsigned char *)"fine", 4, "app/env/A" },
		{ "B", 1, (const unsigned char *)"fine too", 8, "app/env/B" },
		{ "C", 1, (const unsigned char *)"bad\n", 4, "app/env/C" },
	};
	static const enum envfmt_dialect ds[] = { ENVFMT_SYSTEMD, ENVFMT_PODMAN, ENVFMT_SHELL,
						  ENVFMT_JSON };
	size_t j;

	assert_int_equal(secmem_append(&f->out, "keep", 4), 0);
	assert_int_equal(envfmt_render(ENVFMT_PODMAN, v, 3, &f->out, &f->e), ERR_INPUT);
	assert_string_equal(f->e.msg, "app/env/C: value has a newline (offset 3), which the podman "
				      "env-file format cannot carry; use an env secret (secretctl "
				      "podman STORE -e app/env/C C, and Secret=C,type=env in the "
				      "unit) or -f");
	assert_int_equal(f->out.len, 4);
	assert_string_equal((char *)f->out.p, "keep");
	/* The first of several bad ones is named; the output is still untouched. */
	v[0].value = (const unsigned char *)"\0";
	v[0].value_len = 1;
	for (j = 0; j < 4; j++) {
		assert_int_equal(envfmt_render(ds[j], v, 3, &f->out, &f->e), ERR_INPUT);
		assert_non_null(strstr(f->e.msg, "app/env/A: value has a NUL byte"));
		assert_string_equal((char *)f->out.p, "keep");
	}
	/* Appends after what is there. */
	v[0].value = (const unsigned char *)"1";
	assert_int_equal(envfmt_render(ENVFMT_SYSTEMD, v, 3, &f->out, &f->e), 0);
	assert_string_equal((char *)f->out.p, "keepA=1\nB=\"fine too\"\nC=\"bad\n\"\n");
}

static void test_duplicate(void **state)
{
	struct fx *f = *state;
	struct envfmt_entry v[] = {
		{ "A", 1, (const unsigned char *)"1", 1, "x/A" },
		{ "AB", 2, (const unsigned char *)"2", 1, "x/AB" },
		{ "A", 1, (const unsigned char *)"3", 1, "y/A" },
	};

	assert_int_equal(envfmt_render(ENVFMT_JSON, v, 3, &f->out, &f->e), ERR_INPUT);
	assert_string_equal(f->e.msg, "y/A: variable A appears twice");
	assert_int_equal(envfmt_render(ENVFMT_SHELL, v, 3, &f->out, &f->e), ERR_INPUT);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(envfmt_render(ENVFMT_SHELL, v, 2, &f->out, &f->e), 0);
}

/* Messages: PATH defaults to the name; a PATH with control bytes is escaped. */
static void test_message_where(void **state)
{
	struct fx *f = *state;
	struct envfmt_entry v = { "K", 1, (const unsigned char *)"\n", 1, NULL };

	assert_int_equal(envfmt_render(ENVFMT_PODMAN, &v, 1, &f->out, &f->e), ERR_INPUT);
	assert_string_equal(f->e.msg, "K: value has a newline (offset 0), which the podman env-file "
				      "format cannot carry; use an env secret (secretctl podman STORE -e "
				      "K K, and Secret=K,type=env in the unit) or -f");
	v.path = "a\x1b[31m/K";
	assert_int_equal(envfmt_render(ENVFMT_PODMAN, &v, 1, &f->out, &f->e), ERR_INPUT);
	assert_string_equal(f->e.msg, "a\\x1b[31m/K: value has a newline (offset 0), which the podman "
				      "env-file format cannot carry; use an env secret (secretctl podman "
				      "STORE -e a\\x1b[31m/K K, and Secret=K,type=env in the unit) or -f");
	assert_int_equal(envfmt_check(ENVFMT_SYSTEMD, &v, &f->e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dialect_parse),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test_setup_teardown(test_bad_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_systemd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_systemd_nonchar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podman, setup, teardown),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test_setup_teardown(test_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_where, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
