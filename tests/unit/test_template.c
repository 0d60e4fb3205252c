/* template: parsing (placeholders, filters, the literal "{{", errors with
 * line and column) and the filters' output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "secretctl/template.h"

static void parse_ok(const char *s, struct template *t)
{
	struct err e;

	assert_int_equal(template_parse(s, strlen(s), t, &e), 0);
}

static void parse_err(const char *s, const char *msg)
{
	struct template t;
	struct err e;

	assert_int_equal(template_parse(s, strlen(s), &t, &e), ERR_INPUT);
	assert_string_equal(e.msg, msg);
	assert_null(t.parts);
}

static void test_parse(void **state)
{
	const char *s = "a = {{ app/x | trim | json }}\nb={{app/y}}}}{{ \"{{\" }}end";
	struct template t;

	(void)state;
	parse_ok(s, &t);
	assert_int_equal(t.n, 7);
	assert_false(t.parts[0].placeholder);
	assert_memory_equal(s + t.parts[0].off, "a = ", 4);
	assert_true(t.parts[1].placeholder);
	assert_int_equal(t.parts[1].len, 5);
	assert_memory_equal(s + t.parts[1].off, "app/x", 5);
	assert_int_equal(t.parts[1].n_filters, 2);
	assert_int_equal(t.parts[1].filters[0], TEMPLATE_TRIM);
	assert_int_equal(t.parts[1].filters[1], TEMPLATE_JSON);
	assert_int_equal(t.parts[1].line, 1);
	assert_int_equal(t.parts[1].col, 5);
	assert_memory_equal(s + t.parts[2].off, "\nb=", 3);
	assert_true(t.parts[3].placeholder);
	assert_int_equal(t.parts[3].line, 2);
	assert_int_equal(t.parts[3].col, 3);
	assert_int_equal(t.parts[3].n_filters, 0);
	/* "}}" outside a placeholder is text; {{ "{{" }} is a literal {{ */
	assert_false(t.parts[4].placeholder);
	assert_memory_equal(s + t.parts[4].off, "}}", 2);
	assert_false(t.parts[5].placeholder);
	assert_int_equal(t.parts[5].len, 2);
	assert_memory_equal(s + t.parts[5].off, "{{", 2);
	assert_memory_equal(s + t.parts[6].off, "end", 3);
	template_free(&t);
	parse_ok("", &t);
	assert_int_equal(t.n, 0);
	template_free(&t);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_err("x\n  {{ app/x\n}}",
		  "line 2, column 3: unterminated placeholder (no }} on its line; {{ \"{{\" }} is a literal {{)");
	parse_err("{{ app/x }", "line 1, column 1: unterminated placeholder (no }} on its line; {{ \"{{\" }} is a literal {{)");
	parse_err("ab {{  }}", "line 1, column 4: a placeholder without a PATH");
	parse_err("{{ | json }}", "line 1, column 1: a placeholder without a PATH");
	parse_err("\n\n xx{{ a | jsno }}",
		  "line 3, column 11: unknown filter 'jsno' (filters: raw, json, yaml, sh, trim)");
	parse_err("{{ a | }}", "line 1, column 8: unknown filter '' (filters: raw, json, yaml, sh, trim)");
	parse_err("{{ a|raw|raw|raw|raw|raw|raw|raw|raw|raw }}", "line 1, column 1: more than 8 filters");
}

static void apply(const char *filters, const char *v, size_t n, const char *want)
{
	char text[128];
	struct template t;
	struct secmem out = { 0 };
	struct err e;

	snprintf(text, sizeof text, "{{ k%s }}", filters);
	parse_ok(text, &t);
	assert_int_equal(template_apply(&t.parts[0], (const unsigned char *)v, n, &out, &e), 0);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.p, want, out.len);
	secmem_free(&out);
	template_free(&t);
}

static void apply_err(const char *filters, const char *v, size_t n, const char *msg)
{
	char text[128];
	struct template t;
	struct secmem out = { 0 };
	struct err e;

	snprintf(text, sizeof text, "{{ k%s }}", filters);
	parse_ok(text, &t);
	assert_int_equal(template_apply(&t.parts[0], (const unsigned char *)v, n, &out, &e),
			 ERR_INPUT);
	assert_string_equal(e.msg, msg);
	assert_int_equal(out.len, 0);
	secmem_free(&out);
	template_free(&t);
}

static void test_filters(void **state)
{
	(void)state;
	apply("", "ab\n", 3, "ab\n");
	apply(" | raw", "x{{ y }}", 8, "x{{ y }}");
	apply(" | trim", "x\n\n", 3, "x\n");
	apply(" | trim", "x", 1, "x");
	apply(" | json", "a\"b\\c\n\t\r\x01\x7f\xc3\xa9", 12, "\"a\\\"b\\\\c\\n\\t\\r\\u0001\x7f\xc3\xa9\"");
	apply(" | json", "a\0b", 3, "\"a\\u0000b\"");
	apply(" | trim | json", "k\n", 2, "\"k\"");
	apply(" | json | trim", "k\n", 2, "\"k\\n\"");
	apply(" | yaml", "a\"b\\c\n\t\x01\x7f", 9, "\"a\\\"b\\\\c\\n\\t\\x01\\x7f\"");
	apply(" | yaml", "\xc2\x85\xe2\x80\xa8\xef\xbb\xbf\xc3\xa9", 10, "\"\\x85\\u2028\\ufeff\xc3\xa9\"");
	apply(" | sh", "it's", 4, "'it'\\''s'");
	apply(" | sh", "", 0, "''");
	apply(" | json | sh", "'", 1, "'\"'\\''\"'");
	apply(" | json | json", "\"", 1, "\"\\\"\\\\\\\"\\\"\"");
	apply_err(" | sh", "a\0b", 3, "value has a NUL byte (offset 1), which the sh filter cannot carry");
	apply_err(" | json", "a\xff", 2,
		  "value is not valid UTF-8 (byte 0xff at offset 1), which the json filter cannot carry");
	apply_err(" | trim | yaml", "ab\xc3", 3,
		  "value is not valid UTF-8 (byte 0xc3 at offset 2), which the yaml filter cannot carry");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_filters),
	};
	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
