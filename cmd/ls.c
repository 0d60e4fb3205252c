/* ls: the key paths of a store. Keys are plaintext: no identity needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_JSON };

static const struct cli_opt opts[] = {
	{ "json", 0, 0, OPT_JSON, NULL, "print a JSON array" },
	CLI_OPT_END,
};

struct lister {
	int json;
	size_t count;
};

static int emit(void *ctx, const struct buf *path, size_t node)
{
	struct lister *l = ctx;

	(void)node;
	if (!l->json) {
		if (cli_write_stdout(path->p, path->len) || cli_write_stdout("\n", 1))
			return -1;
	} else {
		printf("%s\"", l->count ? "," : "");
		for (size_t i = 0; i < path->len; i++) {
			unsigned char c = (unsigned char)path->p[i];
			if (c == '"' || c == '\\')
				printf("\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
		putchar('"');
	}
	l->count++;
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("ls");
	struct store s = { .lock_fd = -1 };
	struct lister l = { 0 };
	struct buf prefix = { 0 };
	struct path p = { 0 };
	struct cli_args a;
	struct err e;
	const char *path, *sub = NULL;
	size_t node = 0;
	int used, rc;

	rc = cli_parse(cmd, opts, argc, argv, 0, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	/* one argument: STORE, unless $SECRETCTL_STORE is set and it is no file */
	path = cli_store_arg(&a, &used);
	if (a.n_pos == 2) {
		sub = a.pos[1];
	} else if (a.n_pos == 1 && getenv("SECRETCTL_STORE") && *getenv("SECRETCTL_STORE") &&
		   access(a.pos[0], F_OK) != 0) {
		path = getenv("SECRETCTL_STORE");
		sub = a.pos[0];
	}
	if (!path) {
		rc = cli_usage(cmd, "missing STORE (or $SECRETCTL_STORE)");
		goto out;
	}
	if (store_load(path, NULL, &s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	l.json = a.opt[OPT_JSON].count > 0;
	if (sub) {
		if (path_parse(sub, strlen(sub), &p, &e)) {
			rc = cli_fail(&e);
			goto out;
		}
		node = splice_lookup(&s.doc, &p);
		if (node == SPLICE_NONE) {
			rc = cli_error(ERR_NOTFOUND, "%s: no such path in %s", sub, path);
			goto out;
		}
		if (path_format(&p, &prefix)) {
			rc = cli_error(ERR_FAIL, "out of memory");
			goto out;
		}
	}
	if (l.json)
		putchar('[');
	rc = cli_walk_leaves(&s.doc, node, &prefix, emit, &l) ? ERR_IO : 0;
	if (l.json)
		puts("]");
out:
	path_free(&p);
	buf_free(&prefix);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}
