/* libFuzzer: manifest_parse on any bytes: no crash, no leak; an accepted
 * manifest is whole (a store, every target with a PATH), and an error
 * names the file with a line and a column. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	struct err e;

	if (manifest_parse((const char *)data, size, "f.yaml", "/d/f.yaml", &m, &e) == 0) {
		if (!m.store || m.store[0] != '/' || !m.id[0])
			abort();
		for (size_t i = 0; i < m.n; i++)
			if (!m.t[i].path || m.t[i].line < 1 || m.t[i].col < 1 ||
			    (m.t[i].kind == MANIFEST_INSTALL && !m.t[i].name))
				abort();
		manifest_free(&m);
	} else if (e.code != ERR_INPUT || strncmp(e.msg, "f.yaml:", 7) != 0) {
		abort();
	}
	return 0;
}
