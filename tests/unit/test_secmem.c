/* secmem: the pool of small secure buffers against the plain sodium_malloc
 * path: every buffer zeroed when handed out, no two live buffers overlap,
 * content survives other buffers' frees and growth, freed space returns
 * to the pool (coalesced), big requests and a full pool fall back to their
 * own sodium_malloc, and a process is hardened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secretctl/secmem.h"

struct live {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void check_live(const struct live *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].p)
			continue;
		for (size_t j = 0; j < v[i].n; j++)
			assert_int_equal(v[i].p[j], v[i].fill);
		for (size_t k = i + 1; k < n; k++)
			if (v[k].p)
				assert_true(v[i].p + v[i].n <= v[k].p || v[k].p + v[k].n <= v[i].p);
	}
}

/* Random allocations and frees, some past the pool's limits. */
static void test_random(void **state)
{
	struct live v[80] = { 0 };
	unsigned r = 7;

	(void)state;
	assert_int_equal(secmem_pool_used(), 0);
	for (int round = 0; round < 20000; round++) {
		size_t i = (r = r * 1103515245 + 12345) / 65536 % 80;

		if (v[i].p) {
			secmem_release(v[i].p);
			v[i].p = NULL;
		} else {
			size_t kind = (r = r * 1103515245 + 12345) / 65536 % 16;
			v[i].n = kind == 0 ? 2000 + (r >> 8) % 5000 : 1 + (r >> 8) % (kind < 4 ? 1000 : 100);
			v[i].p = secmem_alloc(v[i].n);
			assert_non_null(v[i].p);
			assert_true(all_zero(v[i].p, v[i].n));
			v[i].fill = (unsigned char)(1 + round % 250);
			memset(v[i].p, v[i].fill, v[i].n);
		}
		if (round % 97 == 0)
			check_live(v, 80);
	}
	check_live(v, 80);
	for (size_t i = 0; i < 80; i++)
		secmem_release(v[i].p);
	assert_int_equal(secmem_pool_used(), 0);
}

/* Growth keeps content; the pool is given back; a full pool falls back. */
static void test_grow_and_fallback(void **state)
{
	struct secmem a = { 0 }, b = { 0 };
	void *many[200];
	size_t n_pool = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		unsigned char c = (unsigned char)('a' + i % 26);
		assert_int_equal(secmem_append(&a, &c, 1), 0);
		assert_int_equal(secmem_append(&b, "xy", 2), 0);
	}
	assert_int_equal(a.len, 20000);
	for (int i = 0; i < 20000; i++)
		assert_int_equal(a.p[i], 'a' + i % 26);
	assert_int_equal(a.p[a.len], 0);
	secmem_clear(&a);
	assert_true(all_zero(a.p, a.cap));
	secmem_free(&a);
	secmem_free(&b);
	assert_null(a.p);
	assert_int_equal(secmem_pool_used(), 0);
	/* more than the pool holds: every request is still served */
	for (int i = 0; i < 200; i++) {
		size_t before = secmem_pool_used();
		many[i] = secmem_alloc(200);
		assert_non_null(many[i]);
		assert_true(all_zero(many[i], 200));
		memset(many[i], 0x5a, 200);
		n_pool += secmem_pool_used() > before;
	}
#if defined(__SANITIZE_ADDRESS__)
	assert_int_equal(n_pool, 0); /* ASan builds: every buffer its own sodium_malloc */
#else
	assert_true(n_pool > 10 && n_pool < 200); /* some in the pool, the rest outside */
#endif
	for (int i = 0; i < 200; i += 2)
		secmem_release(many[i]);
	for (int i = 1; i < 200; i += 2) {
		for (int j = 0; j < 200; j++)
			assert_int_equal(((unsigned char *)many[i])[j], 0x5a);
		secmem_release(many[i]);
	}
	assert_int_equal(secmem_pool_used(), 0);
	secmem_release(NULL);
	assert_non_null(many[0] = secmem_alloc(0));
	secmem_release(many[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_grow_and_fallback),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
