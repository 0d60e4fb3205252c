/* libFuzzer: template_parse on any text, and every placeholder's filters
 * applied to the input itself as a value. Checks: a parse that succeeds
 * covers the text (text parts and placeholders in order, inside it, each
 * placeholder's PATH non-empty); a filter either refuses or produces
 * output that starts and ends with its quote; nothing reads past the
 * input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct template t;
	struct secmem out = { 0 };
	struct err e;
	size_t last = 0;

	if (!init) {
		if (secmem_init() != 0)
			abort();
		init = 1;
	}
	if (template_parse((const char *)data, size, &t, &e) != 0) {
		if (e.code != ERR_INPUT || t.parts)
			abort();
		return 0;
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct template_part *p = &t.parts[i];
		if (p->off < last || p->off + p->len > size || (p->placeholder && p->len == 0))
			abort();
		last = p->off + p->len;
		if (!p->placeholder || i > 16)
			continue;
		out.len = 0;
		if (template_apply(p, data, size, &out, &e) == 0 && p->n_filters) {
			enum template_filter f = p->filters[p->n_filters - 1];
			char q = f == TEMPLATE_SH ? '\'' : '"';
			if ((f == TEMPLATE_JSON || f == TEMPLATE_YAML || f == TEMPLATE_SH) &&
			    (out.len < 2 || out.p[0] != q || out.p[out.len - 1] != q))
				abort();
		}
	}
	secmem_free(&out);
	template_free(&t);
	return 0;
}
