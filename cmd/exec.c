/* exec: run a command with its secrets. -e PATH's env form is added to its
 * environment; --file VAR=PATH sets VAR to /proc/self/fd/N, N a sealed
 * memfd holding the value's bytes, which the command inherits. secretctl
 * then execs the command itself: same pid, the command's own signals and
 * exit status, and nothing to clean up (the memfd goes with the last
 * process that holds it; it was never on a file system). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/io.h"
#include "stores.h"
#include "values.h"

extern char **environ;

enum { OPT_VARFILE };

/* Exit codes of a command that could not be run, as a POSIX shell's. */
enum { EXEC_CANNOT_RUN = 126, EXEC_NOT_FOUND = 127 };

const struct cli_opt cmd_exec_opts[] = {
	{ "env", 'e', 1, CLI_OPT_ENV, "PATH",
	  "add PATH's env form to the command's environment (repeatable)" },
	{ "file", 0, 1, OPT_VARFILE, "VAR=PATH",
	  "set VAR to a path that reads PATH's exact bytes (repeatable)" },
	{ "name", 0, 1, CLI_OPT_NAME, "NAME", "with a single -e of a scalar: the variable's name" },
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

/* Usage errors, before STORE is looked for. */
int cmd_exec_check(const struct cli_cmd *cmd, const struct cli_args *a)
{
	const struct cli_optval *env = &a->opt[CLI_OPT_ENV], *file = &a->opt[OPT_VARFILE];
	const struct cli_optval *name = &a->opt[CLI_OPT_NAME];

	if (!env->count && !file->count)
		return cli_usage(cmd, "give at least one -e PATH or --file VAR=PATH");
	if (name->count && (env->count != 1 || name->count != 1))
		return cli_usage(cmd, "--name goes with a single -e");
	if (name->count && !envfmt_name_valid(name->value, strlen(name->value)))
		return cli_error(ERR_INPUT, "--name '%s' is not a valid variable name", name->value);
	for (int i = 0; i < file->count; i++) {
		const char *v = file->values[i], *eq = strchr(v, '=');
		if (!eq)
			return cli_usage(cmd, "--file takes VAR=PATH, not '%s'", v);
		if (!envfmt_name_valid(v, (size_t)(eq - v)))
			return cli_error(ERR_INPUT, "--file '%s': '%.*s' is not a valid variable name", v,
					 (int)(eq - v), v);
	}
	if (a->n_tail == 0)
		return cli_usage(cmd, "missing COMMAND (after --)");
	return 0;
}

/* One variable the command gets. */
struct var {
	const char *name;
	size_t name_len;
	int file;         /* from --file VAR=PATH, else from -e PATH */
	const char *path;
};

/* "-e PATH" or "--file VAR=PATH", as messages show it, in b */
static const char *given_as(struct buf *b, const struct var *v)
{
	struct buf q = { 0 };

	b->len = 0;
	if (v->file)
		buf_printf(b, "--file %.*s=%s", (int)v->name_len, v->name,
			   cli_quote(&q, v->path, strlen(v->path)));
	else
		buf_printf(b, "-e %s", cli_quote(&q, v->path, strlen(v->path)));
	buf_free(&q);
	return b->p ? b->p : "(out of memory)";
}

/* No name twice: which value would win is not left to chance. */
static int clash(const struct var *v, size_t n)
{
	struct buf q1 = { 0 }, q2 = { 0 };
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		for (size_t j = 0; j < i && !rc; j++)
			if (v[i].name_len == v[j].name_len &&
			    memcmp(v[i].name, v[j].name, v[i].name_len) == 0)
				rc = cli_error(ERR_INPUT, "%.*s would be set twice: by %s and by %s",
					       (int)v[i].name_len, v[i].name, given_as(&q1, &v[j]),
					       given_as(&q2, &v[i]));
	buf_free(&q1);
	buf_free(&q2);
	return rc;
}

/* A sealed memfd holding p[0..n), inherited by the command (no
 * FD_CLOEXEC) at a number above 2: stdin, stdout or stderr closed by our
 * caller must not become the secret. */
static int make_memfd(const struct var *v, const void *p, size_t n, int *out)
{
	char name[64];
	int fd, fd2;

	snprintf(name, sizeof name, "secretctl:%.*s", (int)v->name_len, v->name);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cli_error(ERR_IO, "cannot create a memfd for %.*s: %s", (int)v->name_len,
				 v->name, strerror(errno));
	if (io_write_all(fd, p, n) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
	    lseek(fd, 0, SEEK_SET) != 0 || (fd2 = fcntl(fd, F_DUPFD, 3)) < 0) {
		int err_no = errno;
		close(fd);
		return cli_error(ERR_IO, "cannot fill the memfd for %.*s: %s", (int)v->name_len,
				 v->name, strerror(err_no));
	}
	close(fd);
	*out = fd2;
	return 0;
}

/* The command's environment: ours without the names set here, then
 * theirs (pointers into text, which holds "NAME=value\0" each). */
static char **build_env(const struct var *v, size_t n, struct secmem *text, const size_t *at)
{
	size_t k = 0, ours = 0;
	char **env;

	while (environ && environ[ours])
		ours++;
	env = calloc(ours + n + 1, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < ours; i++) {
		const char *e = environ[i], *eq = strchr(e, '=');
		size_t len = eq ? (size_t)(eq - e) : strlen(e);
		int mine = 0;
		for (size_t j = 0; j < n && !mine; j++)
			mine = v[j].name_len == len && memcmp(v[j].name, e, len) == 0;
		if (!mine)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < n; j++)
		env[k++] = (char *)text->p + at[j];
	env[k] = NULL;
	return env;
}

/* The process as our caller made it: umask and core limit (main changed
 * them); the signal dispositions and mask were never changed. */
static void give_back(void)
{
	umask(cli_process_start.umask);
	if (cli_process_start.core_kept)
		setrlimit(RLIMIT_CORE, &cli_process_start.core);
}

int cmd_exec(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const struct cli_optval *env = &a->opt[CLI_OPT_ENV], *file = &a->opt[OPT_VARFILE];
	size_t n_sets = (size_t)env->count + (size_t)file->count, n_vars = 0, *at = NULL;
	struct cli_values *sets = calloc(n_sets, sizeof *sets);
	struct store s = { 0 };
	struct var *vars = NULL;
	struct secmem text = { 0 };
	char **envp = NULL, fdpath[32];
	const char *prog = a->tail[0];
	int rc = 0, err_no;

	(void)cmd;
	if (!sets)
		return cli_error(ERR_FAIL, "out of memory");
	/* every PATH checked before the store is opened */
	for (size_t i = 0; i < n_sets && !rc; i++) {
		const char *p = i < (size_t)env->count ? env->values[i]
						       : strchr(file->values[i - (size_t)env->count], '=') + 1;
		rc = cli_values_parse(&sets[i], p);
	}
	if (!rc)
		rc = cli_store_open(store, a, 0, &s, NULL);
	/* then every value, before anything is made or run */
	for (size_t i = 0; i < n_sets && !rc; i++) {
		int is_env = i < (size_t)env->count;
		struct cli_form f = { .env = is_env,
				      .path = is_env ? env->values[i]
						     : strchr(file->values[i - (size_t)env->count], '=') + 1,
				      .name = is_env ? a->opt[CLI_OPT_NAME].value : NULL };
		rc = cli_values_find(&sets[i], &s, &f);
		n_vars += sets[i].n;
	}
	if (rc)
		goto out;
	vars = calloc(n_vars ? n_vars : 1, sizeof *vars);
	at = calloc(n_vars ? n_vars : 1, sizeof *at);
	if (!vars || !at) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	n_vars = 0;
	for (size_t i = 0; i < n_sets; i++) {
		for (size_t j = 0; j < sets[i].n; j++) {
			const struct envfmt_entry *x = &sets[i].v[j];
			struct var *v = &vars[n_vars++];
			if (i < (size_t)env->count) {
				*v = (struct var){ x->name, x->name_len, 0, x->path };
			} else {
				const char *fv = file->values[i - (size_t)env->count];
				*v = (struct var){ fv, (size_t)(strchr(fv, '=') - fv), 1, x->path };
			}
		}
	}
	if ((rc = clash(vars, n_vars)))
		goto out;
	/* an environment variable is a C string: a NUL would cut it short */
	for (size_t i = 0; i < (size_t)env->count && !rc; i++) {
		for (size_t j = 0; j < sets[i].n && !rc; j++) {
			const struct envfmt_entry *x = &sets[i].v[j];
			const unsigned char *nul = x->value_len ? memchr(x->value, 0, x->value_len) : NULL;
			struct buf q = { 0 };
			if (nul)
				rc = cli_error(ERR_INPUT, "%s: value has a NUL byte (offset %zu), which an environment variable cannot carry; use --file VAR=PATH",
					       cli_quote(&q, x->path, strlen(x->path)),
					       (size_t)(nul - x->value));
			buf_free(&q);
		}
	}
	if (rc)
		goto out;
	/* NAME=value, and VAR=/proc/self/fd/N */
	n_vars = 0;
	for (size_t i = 0; i < n_sets && !rc; i++) {
		for (size_t j = 0; j < sets[i].n && !rc; j++) {
			const struct envfmt_entry *x = &sets[i].v[j];
			const struct var *v = &vars[n_vars];
			int fd = -1;

			at[n_vars++] = text.len;
			if (secmem_append(&text, v->name, v->name_len) || secmem_append(&text, "=", 1)) {
				rc = cli_error(ERR_FAIL, "out of memory");
			} else if (i < (size_t)env->count) {
				if (secmem_append(&text, x->value, x->value_len))
					rc = cli_error(ERR_FAIL, "out of memory");
			} else if (!(rc = make_memfd(v, x->value, x->value_len, &fd))) {
				snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
				if (secmem_append(&text, fdpath, strlen(fdpath)))
					rc = cli_error(ERR_FAIL, "out of memory");
			}
			if (!rc && secmem_append(&text, "", 1))
				rc = cli_error(ERR_FAIL, "out of memory");
		}
	}
	if (rc)
		goto out;
	if (!(envp = build_env(vars, n_vars, &text, at))) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	fflush(NULL);
	give_back();
	/* $PATH is ours, as the caller's shell would search it: a secret
	 * named PATH does not choose the program */
	execvpe(prog, a->tail, envp);
	err_no = errno;
	umask(077);
	if (err_no == ENOENT)
		rc = cli_error(EXEC_NOT_FOUND, "cannot run '%s': %s", prog,
			       strchr(prog, '/') ? "no such file" : "not found in $PATH");
	else
		rc = cli_error(EXEC_CANNOT_RUN, "cannot run '%s': %s", prog, strerror(err_no));
out:
	free(envp);
	free(vars);
	free(at);
	secmem_free(&text);
	for (size_t i = 0; i < n_sets; i++)
		cli_values_free(&sets[i]);
	free(sets);
	store_free(&s);
	return rc;
}
