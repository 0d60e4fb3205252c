/* merge: entry-level three-way merges of plaintext views. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "secretctl/merge.h"
#include "secretctl/secmem.h"

static struct merge_view v(const char *t)
{
	return (struct merge_view){ t, strlen(t) };
}

/* Merge and expect a clean result equal to want. */
static void clean(const char *b, const char *o, const char *t, const char *want)
{
	struct merge_view mb = v(b), mo = v(o), mt = v(t);
	struct merge_result r = { { 0 } };
	struct err e;

	assert_int_equal(merge_views(&mb, &mo, &mt, 0, &r, &e), 0);
	if (r.n_conflicts)
		print_error("conflicts: %s\n", r.conflicts.p);
	assert_int_equal(r.n_conflicts, 0);
	if (r.text.len != strlen(want) || memcmp(r.text.p, want, r.text.len) != 0)
		print_error("got:\n%.*s---\nwant:\n%s---\n", (int)r.text.len, (char *)r.text.p, want);
	assert_int_equal(r.text.len, strlen(want));
	assert_memory_equal(r.text.p, want, r.text.len);
	merge_result_free(&r);
}

/* Merge and expect exactly the conflict lines want ("PATH: why\n"...). */
static void conflict(const char *b, const char *o, const char *t, const char *want)
{
	struct merge_view mb = v(b), mo = v(o), mt = v(t);
	struct merge_result r = { { 0 } };
	struct err e;

	assert_int_equal(merge_views(&mb, &mo, &mt, 0, &r, &e), 0);
	assert_true(r.n_conflicts > 0);
	if (strcmp(r.conflicts.p, want) != 0)
		print_error("got conflicts:\n%s---\nwant:\n%s---\n", r.conflicts.p, want);
	assert_string_equal(r.conflicts.p, want);
	merge_result_free(&r);
}

#define BASE "# top\napp:\n  env:\n    A: 1\n    B: 2\nother: x\n"

static void test_disjoint(void **state)
{
	(void)state;
	/* one side each: both taken, in place */
	clean(BASE, "# top\napp:\n  env:\n    A: 10\n    B: 2\nother: x\n",
	      "# top\napp:\n  env:\n    A: 1\n    B: 20\nother: x\n",
	      "# top\napp:\n  env:\n    A: 10\n    B: 20\nother: x\n");
	/* neighbouring lines, which a line merge would call a conflict */
	clean("a: 1\nb: 2\n", "a: 10\nb: 2\n", "a: 1\nb: 20\n", "a: 10\nb: 20\n");
	/* the same change on both sides */
	clean(BASE, "# top\napp:\n  env:\n    A: 9\n    B: 2\nother: x\n",
	      "# top\napp:\n  env:\n    A: 9\n    B: 2\nother: x\n",
	      "# top\napp:\n  env:\n    A: 9\n    B: 2\nother: x\n");
	/* a comment on the top, and a block scalar's lines */
	clean("# top\nk: |\n  one\n  two\nz: 1\n", "# TOP\nk: |\n  one\n  two\nz: 1\n",
	      "# top\nk: |\n  one\n  2\nz: 1\n", "# TOP\nk: |\n  one\n  2\nz: 1\n");
	/* nothing changed, an empty base (no common ancestor) */
	clean(BASE, BASE, BASE, BASE);
	clean("", "a: 1\n", "a: 1\n", "a: 1\n");
}

static void test_add_remove(void **state)
{
	(void)state;
	/* theirs adds after its previous sibling, after that sibling's children */
	clean(BASE, BASE, "# top\napp:\n  env:\n    A: 1\n    C: 3\n    B: 2\nother: x\n",
	      "# top\napp:\n  env:\n    A: 1\n    C: 3\n    B: 2\nother: x\n");
	clean(BASE, "# top\napp:\n  env:\n    A: 1\n    B: 2\n    D: 4\nother: x\n",
	      "# top\napp:\n  env:\n    A: 1\n    B: 2\nnew: n\nother: x\n",
	      "# top\napp:\n  env:\n    A: 1\n    B: 2\n    D: 4\nnew: n\nother: x\n");
	/* first under its parent; at the top */
	clean("a:\n  x: 1\n", "a:\n  x: 1\n", "a:\n  w: 0\n  x: 1\n", "a:\n  w: 0\n  x: 1\n");
	clean("# c\na: 1\n", "# c\na: 1\n", "# c\n_: 0\na: 1\n", "# c\n_: 0\na: 1\n");
	/* a new subtree, in order */
	clean("a: 1\n", "a: 1\n", "a: 1\nn:\n  x: 1\n  y:\n    z: 2\n",
	      "a: 1\nn:\n  x: 1\n  y:\n    z: 2\n");
	/* both add different keys at the same place */
	clean("a: 1\n", "a: 1\nb: 2\n", "a: 1\nc: 3\n", "a: 1\nc: 3\nb: 2\n");
	/* removals on either side */
	clean(BASE, "# top\napp:\n  env:\n    B: 2\nother: x\n", BASE,
	      "# top\napp:\n  env:\n    B: 2\nother: x\n");
	clean(BASE, BASE, "# top\nother: x\n", "# top\nother: x\n");
	clean(BASE, "# top\napp:\n  env:\n    A: 5\n    B: 2\n", "# top\napp:\n  env:\n    A: 1\n    B: 2\n",
	      "# top\napp:\n  env:\n    A: 5\n    B: 2\n");
}

static void test_conflicts(void **state)
{
	struct merge_view mb, mo, mt;
	struct merge_result r = { { 0 } };
	struct err e;
	const char *o = "a: 1\nb: ours\nc: 3\n", *t = "a: 1\nb: theirs\nc: 3\n";

	(void)state;
	conflict("a: 1\nb: 2\nc: 3\n", o, t, "b: changed on both sides\n");
	conflict("a: 1\n", "a: 1\nb: x\n", "a: 1\nb: y\n", "b: added on both sides, differently\n");
	conflict("a: 1\nb: 2\n", "a: 1\nb: 5\n", "a: 1\n", "b: changed in ours, removed in theirs\n");
	conflict("a: 1\nb: 2\n", "a: 1\n", "a: 1\nb: 5\n", "b: removed in ours, changed in theirs\n");
	conflict("a: 1\np:\n  x: 1\n", "a: 1\np:\n  x: 1\n  y: 2\n", "a: 1\n",
		 "p/y: added or changed under an entry theirs removed\n");
	conflict("a: 1\np:\n  x: 1\n", "a: 1\n", "a: 1\np:\n  x: 1\n  y: 2\n",
		 "p/y: added or changed under an entry ours removed\n");
	conflict("a: 1\nb: 2\n", "a: 1\nb: 3\n", "a: 3\nb: 4\n", "b: changed on both sides\n");
	/* every conflicting path is named */
	conflict("a: 1\nb: 2\n", "a: 5\nb: 5\n", "a: 6\nb: 6\n",
		 "a: changed on both sides\nb: changed on both sides\n");
	/* a key with control characters is named quoted, one line */
	conflict("\"k\\e\\n\": 1\n", "\"k\\e\\n\": 2\n", "\"k\\e\\n\": 3\n",
		 "\"k\\033\\n\": changed on both sides\n");
	/* the structure: a mapping turned into a scalar on one side, a child
	 * added on the other */
	conflict("a:\n  x: 1\n", "a: 5\n", "a:\n  x: 1\n  y: 2\n",
		 "(structure): the merged text is not a valid view: line 2, column 4: "
		 "mapping values are not allowed in this context\n");
	/* markers: both sides and the base, the other entries merged */
	mb = v("a: 1\nb: 2\nc: 3\n");
	mo = v(o);
	mt = v("a: 0\nb: theirs\nc: 3\n");
	assert_int_equal(merge_views(&mb, &mo, &mt, MERGE_MARKERS, &r, &e), 0);
	assert_int_equal(r.n_conflicts, 1);
	{
		const char *want = "a: 0\n<<<<<<< ours b\nb: ours\n||||||| base\nb: 2\n=======\n"
				   "b: theirs\n>>>>>>> theirs\nc: 3\n";
		assert_int_equal(r.text.len, strlen(want));
		assert_memory_equal(r.text.p, want, r.text.len);
		assert_int_equal(merge_markers_line((char *)r.text.p, r.text.len), 2);
	}
	merge_result_free(&r);
	assert_int_equal(merge_markers_line("a: 1\n", 5), 0);
	assert_int_equal(merge_markers_line("a: |\n  =======\n", 15), 0);
	assert_int_equal(merge_markers_line("a: 1\n=======", 12), 2);
}

static void test_structure(void **state)
{
	(void)state;
	/* the same mapping re-indented on one side, a key added on the other:
	 * the merged text would not parse */
	conflict("a:\n  x: 1\n", "a:\n    x: 1\n", "a:\n  x: 1\n  y: 2\n",
		 "(structure): the merged text is not a valid view: line 3, column 3: "
		 "did not find expected key (while parsing a block mapping at line 1, column 1)\n");
}

static void test_diff(void **state)
{
	struct merge_view a = v(BASE), b = v("# top\napp:\n  env:\n    A: 7\nother: x\nnew: 1\n");
	struct buf out = { 0 };
	struct err e;
	size_t n;

	(void)state;
	assert_int_equal(merge_diff(&a, &b, &out, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out.p, "~ app/env/A\n- app/env/B\n+ new\n");
	buf_free(&out);
	/* keys with control characters: quoted */
	a = v("\"\\e]0;x\\a\": 1\nb: 2\n");
	b = v("b: 3\n\"c\\x9b\": 4\n");
	assert_int_equal(merge_diff(&a, &b, &out, &n, &e), 0);
	assert_string_equal(out.p, "- \"\\033]0;x\\a\"\n~ b\n+ \"c\\302\\233\"\n");
	buf_free(&out);
	/* an invalid view is named */
	b = v("a: [\n");
	assert_int_equal(merge_diff(&a, &b, &out, &n, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "the second view"));
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disjoint),  cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_conflicts), cmocka_unit_test(test_structure),
		cmocka_unit_test(test_diff),
	};

	if (secmem_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
