/* yedittool: drive yedit from the shell.
 *   yedittool set FILE PATH < value    prints the new text
 *   yedittool unset FILE PATH          prints the new text
 * Exit status: the error's code, with one line "yedittool: message". */
#include <stdio.h>
#include <string.h>

#include "secretctl/err.h"
#include "secretctl/io.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"
#include "secretctl/store.h"
#include "secretctl/yedit.h"

int main(int argc, char **argv)
{
	struct secmem text = { 0 }, val = { 0 }, out = { 0 };
	struct path p = { 0 };
	struct err e = { 0 };
	int rc, set;

	if (argc != 4 || (strcmp(argv[1], "set") && strcmp(argv[1], "unset"))) {
		fprintf(stderr, "usage: yedittool set|unset FILE PATH\n");
		return ERR_USAGE;
	}
	set = !strcmp(argv[1], "set");
	if (secmem_init()) {
		fprintf(stderr, "yedittool: cannot initialise libsodium\n");
		return ERR_FAIL;
	}
	if (io_read_file_secret(argv[2], STORE_MAX_SIZE, &text, &e) ||
	    (set && io_read_file_secret("-", STORE_MAX_SIZE, &val, &e)))
		goto fail;
	if (secmem_reserve(&text, 0) || secmem_reserve(&val, 0)) {
		err_oom(&e);
		goto fail;
	}
	if (path_parse(argv[3], strlen(argv[3]), &p, &e))
		goto fail;
	if (set)
		rc = yedit_set((const char *)text.p, text.len, &p, val.p, val.len, &out, &e);
	else
		rc = yedit_unset((const char *)text.p, text.len, &p, &out, &e);
	if (rc)
		goto fail;
	if (fwrite(out.p, 1, out.len, stdout) != out.len || fflush(stdout)) {
		err_set(&e, ERR_IO, "cannot write the output");
		goto fail;
	}
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "yedittool: %s\n", e.msg);
	rc = e.code ? e.code : ERR_FAIL;
done:
	path_free(&p);
	secmem_free(&text);
	secmem_free(&val);
	secmem_free(&out);
	return rc;
}
