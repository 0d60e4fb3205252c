/* render: a template's {{ PATH | filter }} placeholders filled from a store,
 * on stdout or in a new file; install --template installs the same text.
 * All or nothing: the template is parsed before the store is opened, and
 * every placeholder is looked up, decrypted and filtered before a byte is
 * written. The rendered text is in secure memory only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "secretctl/io.h"
#include "stores.h"
#include "values.h"

enum { OPT_OUT };

const struct cli_opt cmd_render_opts[] = {
	{ "output", 'o', 1, OPT_OUT, "FILE", "write to a new FILE, mode 0600 (never overwritten)" },
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

void cli_template_free(struct cli_template *t)
{
	template_free(&t->t);
	secmem_free(&t->text);
	buf_free(&t->shown);
	memset(t, 0, sizeof *t);
}

int cli_template_load(struct cli_template *t, const char *file)
{
	struct err e;
	int rc;

	t->file = file;
	if (strcmp(file, "-") == 0)
		rc = buf_puts(&t->shown, "template on standard input");
	else
		rc = buf_printf(&t->shown, "template '%s'", file);
	if (rc)
		return cli_error(ERR_FAIL, "out of memory");
	/* the template is read as a secret: one may hold some */
	if (io_read_file_secret(file, TEMPLATE_MAX_SIZE, &t->text, &e))
		return cli_fail(&e);
	if (template_parse((const char *)t->text.p, t->text.len, &t->t, &e))
		return cli_error(e.code, "%s, %s", t->shown.p, e.msg);
	return 0;
}

/* "template 'F', line L, column C: " in front of a message */
static int at(const struct cli_template *t, const struct template_part *p, int code,
	      const char *msg)
{
	return cli_error(code, "%s, line %zu, column %zu: %s", t->shown.p, p->line, p->col, msg);
}

/* What each placeholder names: parsed and looked up, every one before any
 * value is decrypted. */
static int look_up(const struct cli_template *t, struct store *s, struct store_ref *refs,
		   struct path *paths)
{
	const char *text = (const char *)t->text.p;
	struct buf msg = { 0 };
	struct err e;
	int rc = 0;

	for (size_t i = 0; i < t->t.n && !rc; i++) {
		const struct template_part *p = &t->t.parts[i];
		char *pstr;

		if (!p->placeholder)
			continue;
		if (!(pstr = buf_memdup0(text + p->off, p->len)))
			return cli_error(ERR_FAIL, "out of memory");
		/* a PATH's syntax is the template's: bad input, not a usage error */
		if (path_parse(pstr, p->len, &paths[i], &e))
			rc = at(t, p, ERR_INPUT, e.msg);
		else if (store_lookup(s, &paths[i], STORE_NEAR, &refs[i], &e))
			rc = at(t, p, e.code, e.msg);
		else if (refs[i].kind != STORE_SCALAR)
			rc = cli_not_scalar_msg(s, &refs[i], pstr, "a placeholder takes a scalar: ", &msg)
				     ? cli_error(ERR_FAIL, "out of memory")
				     : at(t, p, ERR_INPUT, msg.p);
		free(pstr);
	}
	buf_free(&msg);
	return rc;
}

int cli_template_fill(struct cli_template *t, const char *store, const struct cli_args *a,
		      struct secmem *out)
{
	const char *text = (const char *)t->text.p;
	struct store_ref *refs = calloc(t->t.n ? t->t.n : 1, sizeof *refs);
	struct path *paths = calloc(t->t.n ? t->t.n : 1, sizeof *paths);
	struct secmem v = { 0 };
	struct store s = { 0 };
	struct buf q = { 0 }, msg = { 0 };
	struct err e;
	int rc;

	if (!refs || !paths) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	if ((rc = cli_store_open(store, a, 0, &s, NULL)) || (rc = look_up(t, &s, refs, paths)))
		goto out;
	for (size_t i = 0; i < t->t.n && !rc; i++) {
		const struct template_part *p = &t->t.parts[i];

		if (!p->placeholder) {
			if (secmem_append(out, text + p->off, p->len))
				rc = cli_error(ERR_FAIL, "out of memory");
			continue;
		}
		secmem_clear(&v);
		v.len = 0;
		if (store_value(&s, &refs[i], &v, &e)) {
			rc = cli_fail(&e);
		} else if (template_apply(p, v.p, v.len, out, &e)) {
			buf_printf(&msg, "%s: %s", cli_quote(&q, text + p->off, p->len), e.msg);
			rc = at(t, p, e.code, msg.p ? msg.p : e.msg);
		}
	}
out:
	if (rc) {
		secmem_clear(out);
		out->len = 0;
	}
	for (size_t i = 0; paths && i < t->t.n; i++)
		path_free(&paths[i]);
	free(paths);
	free(refs);
	secmem_free(&v);
	buf_free(&q);
	buf_free(&msg);
	store_free(&s);
	return rc;
}

int cmd_render(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const char *to = a->opt[OPT_OUT].count ? a->opt[OPT_OUT].value : NULL;
	struct cli_template t = { 0 };
	struct secmem out = { 0 };
	struct stat st;
	struct err e;
	int rc;

	(void)cmd;
	/* said before any key is asked for; O_EXCL decides in the end */
	if (to && lstat(to, &st) == 0)
		return cli_error(ERR_IO, "cannot create '%s': it already exists (render never overwrites a file; install --template replaces one atomically)",
				 to);
	rc = cli_template_load(&t, a->pos[0]);
	if (!rc)
		rc = cli_template_fill(&t, store, a, &out);
	if (!rc && to) {
		if (io_write_new(to, 0600, out.p, out.len, &e))
			rc = e.sub == EEXIST
				     ? cli_error(ERR_IO, "%s (render never overwrites a file; install --template replaces one atomically)",
						 e.msg)
				     : cli_fail(&e);
	} else if (!rc) {
		rc = cli_write_stdout(out.p, out.len);
	}
	secmem_free(&out);
	cli_template_free(&t);
	return rc;
}
