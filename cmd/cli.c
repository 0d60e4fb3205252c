/* cli: the command runner: a command's options, positionals, form and
 * STORE, found once for all of them; and the messages. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secretctl/path.h"

static const struct cli_opt help_opt = { "help", 'h', 0, CLI_OPT_HELP, NULL, "show this help" };

static size_t count_opts(const struct cli_opt *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	return n;
}

void cli_help(const struct cli_cmd *cmd, FILE *f)
{
	const struct cli_opt *opts = cmd->opts;
	size_t n = count_opts(opts);

	fprintf(f, "usage: secretctl %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	fputs("\noptions:\n", f);
	for (size_t i = 0; i <= n; i++) {
		const struct cli_opt *o = i < n ? &opts[i] : &help_opt;
		char left[64];

		snprintf(left, sizeof left, "%s%c%s--%s%s%s", o->short_name ? "-" : "",
			 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
			 o->has_arg ? " " : "", o->has_arg ? o->arg_name : "");
		fprintf(f, "  %-28s %s\n", left + (o->short_name ? 0 : 1), o->help);
	}
}

/* The long option closest to a mistyped one, for the hint. */
static const char *closest_opt(const struct cli_opt *opts, const char *arg)
{
	const char *best = NULL, *eq;
	size_t best_d = (size_t)-1, len;

	while (*arg == '-')
		arg++;
	eq = strchr(arg, '=');
	len = eq ? (size_t)(eq - arg) : strlen(arg);
	for (size_t i = 0; opts && opts[i].name; i++) {
		size_t d = path_distance(arg, len, opts[i].name, strlen(opts[i].name));
		if (d < best_d) {
			best_d = d;
			best = opts[i].name;
		}
	}
	return best && best_d <= 2 && len > 1 ? best : NULL;
}

/* The help option's return: the help is printed, the run is over (exit 0). */
#define HELP_SHOWN (-1)

/* The options and positionals of argv, as getopt_long reads them; out is
 * zeroed first. 0, HELP_SHOWN, or the code of the error printed. */
static int parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *out)
{
	const struct cli_opt *opts = cmd->opts;
	struct option lopts[CLI_MAX_OPTS + 2];
	char sopts[3 * CLI_MAX_OPTS + 4];
	size_t n = count_opts(opts), k = 0;
	int c, idx;

	memset(out, 0, sizeof *out);
	/* '-' first: positionals come back in order as option 1, so options may
	 * follow them (extract STORE -e PATH). ':' to report missing values. */
	sopts[k++] = '-';
	sopts[k++] = ':';
	for (size_t i = 0; i <= n; i++) {
		const struct cli_opt *o = i < n ? &opts[i] : &help_opt;
		lopts[i] = (struct option){ o->name, o->has_arg ? required_argument : no_argument,
					    NULL, 1000 + o->id };
		if (o->short_name) {
			sopts[k++] = o->short_name;
			if (o->has_arg)
				sopts[k++] = ':';
		}
	}
	lopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	sopts[k] = '\0';

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, sopts, lopts, &idx)) != -1) {
		const struct cli_opt *o = NULL;

		if (c == 1) {
			if (out->n_pos >= cmd->max_pos || out->n_pos >= CLI_MAX_POS)
				return cli_usage(cmd, "unexpected argument '%s'", optarg);
			out->pos[out->n_pos++] = optarg;
			continue;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			const char *hint = closest_opt(opts, bad);
			if (c == ':')
				return cli_usage(cmd, "option '%s' needs a value", bad);
			if (optopt && bad[0] == '-' && bad[1] != '-')
				return cli_usage(cmd, "unknown option '-%c'", optopt);
			if (hint)
				return cli_usage(cmd, "unknown option '%s'; did you mean '--%s'?", bad,
						 hint);
			return cli_usage(cmd, "unknown option '%s'", bad);
		}
		for (size_t i = 0; i <= n; i++) {
			const struct cli_opt *p = i < n ? &opts[i] : &help_opt;
			if (c == 1000 + p->id || (p->short_name && c == p->short_name)) {
				o = p;
				break;
			}
		}
		if (!o)
			return cli_usage(cmd, "unknown option");
		if (o->id == CLI_OPT_HELP) {
			cli_help(cmd, stdout);
			return HELP_SHOWN;
		}
		struct cli_optval *v = &out->opt[o->id];
		v->count++;
		if (o->has_arg) {
			const char **nv = realloc(v->values, (size_t)v->count * sizeof *nv);
			if (!nv)
				return cli_error(ERR_FAIL, "out of memory");
			nv[v->count - 1] = optarg;
			v->values = nv;
			v->value = optarg;
		}
	}
	/* after "--", everything is positional, or the command to run */
	if ((cmd->flags & CLI_EXECS) && optind > 1 && optind <= argc &&
	    strcmp(argv[optind - 1], "--") == 0) {
		out->tail = argv + optind;
		out->n_tail = argc - optind;
		optind = argc;
	}
	for (; optind < argc; optind++) {
		if (out->n_pos >= cmd->max_pos || out->n_pos >= CLI_MAX_POS)
			return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
		out->pos[out->n_pos++] = argv[optind];
	}
	if (out->n_pos < cmd->min_pos)
		return cli_usage(cmd, "missing argument");
	return 0;
}

/* -e/-f PATH, --format, --name into a->form. 0, or the code of the error
 * printed; *none says neither -e nor -f was given (CLI_FORM_OPTIONAL). */
static int form(const struct cli_cmd *cmd, struct cli_args *a, int *none)
{
	const struct cli_optval *env = &a->opt[CLI_OPT_ENV], *file = &a->opt[CLI_OPT_FILE];
	struct cli_form *f = &a->form;
	struct err e;

	*none = !env->count && !file->count && !a->opt[CLI_OPT_TEMPLATE].count;
	if (*none && (cmd->flags & CLI_FORM_OPTIONAL))
		return 0;
	if (a->opt[CLI_OPT_TEMPLATE].count) {
		if (env->count || file->count)
			return cli_usage(cmd, "--template goes without -e or -f");
		if (a->opt[CLI_OPT_FORMAT].count)
			return cli_usage(cmd, "--format goes with -e");
		f->template = a->opt[CLI_OPT_TEMPLATE].value;
		return 0;
	}
	f->env = env->count > 0;
	if (f->env == (file->count > 0))
		return cli_usage(cmd, CLI_ONE_FORM);
	f->path = f->env ? env->value : file->value;
	if (a->opt[CLI_OPT_FORMAT].count) {
		if (!f->env)
			return cli_usage(cmd, "--format goes with -e");
		if (envfmt_dialect_parse(a->opt[CLI_OPT_FORMAT].value, &f->dialect, &e))
			return cli_fail(&e);
	}
	if (a->opt[CLI_OPT_NAME].count) {
		f->name = a->opt[CLI_OPT_NAME].value;
		if (!f->env)
			return cli_usage(cmd, "--name goes with -e");
		if (!envfmt_name_valid(f->name, strlen(f->name)))
			return cli_error(ERR_INPUT, "--name '%s' is not a valid variable name", f->name);
	}
	return 0;
}

const char *cli_store_env(void)
{
	const char *env = getenv("SECRETCTL_STORE");

	return env && *env ? env : NULL;
}

/* STORE: taken out of a->pos when it is there (CLI_STORE). */
static int find_store(const struct cli_cmd *cmd, struct cli_args *a, const char **store)
{
	const char *env = cli_store_env();
	int given = a->n_pos > cmd->min_pos;

	if (given && (cmd->flags & CLI_STORE_OR_NEXT) && a->n_pos < cmd->max_pos && env &&
	    access(a->pos[0], F_OK) != 0)
		given = 0;
	if (given) {
		*store = a->pos[0];
		a->n_pos--;
		memmove(&a->pos[0], &a->pos[1], (size_t)a->n_pos * sizeof a->pos[0]);
	} else if (env) {
		*store = env;
	} else {
		return cli_usage(cmd, CLI_MISSING_STORE);
	}
	return 0;
}

int cli_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *store = NULL;
	struct cli_args a;
	int rc, none = 0;

	rc = parse(cmd, argc, argv, &a);
	if (!rc && cmd->check)
		rc = cmd->check(cmd, &a);
	if (!rc && (cmd->flags & CLI_FORM))
		rc = form(cmd, &a, &none);
	if (!rc && (cmd->flags & CLI_STORE) && !none)
		rc = find_store(cmd, &a, &store);
	if (!rc)
		rc = cmd->run(cmd, &a, store);
	else if (rc == HELP_SHOWN)
		rc = 0;
	for (int i = 0; i < CLI_MAX_OPTS; i++)
		free(a.opt[i].values);
	return rc;
}

static const char *context;

void cli_context(const char *where)
{
	context = where;
}

int cli_fail(const struct err *e)
{
	fprintf(stderr, "secretctl: %s%s%s\n", context ? context : "", context ? ": " : "", e->msg);
	return e->code ? e->code : ERR_FAIL;
}

static void vnote(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vnote(const char *fmt, va_list ap)
{
	fputs("secretctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	if (context)
		fprintf(stderr, "secretctl: %s: ", context);
	va_start(ap, fmt);
	if (context) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
		return code;
	}
	vnote(fmt, ap);
	va_end(ap);
	return code;
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "secretctl: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: secretctl %s %s\n", cmd->name, cmd->usage);
	return ERR_USAGE;
}

const char *cli_quote(struct buf *b, const char *s, size_t len)
{
	b->len = 0;
	if (path_quote(s, len, b))
		return "(out of memory)";
	return b->p;
}

int cli_write_stdout(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n)
		return cli_error(ERR_IO, "cannot write standard output: %s", strerror(errno));
	return 0;
}
