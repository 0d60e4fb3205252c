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

void cli_help(const struct cli_cmd *cmd, const struct cli_opt *opts, FILE *f)
{
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

static int parse(const struct cli_cmd *cmd, const struct cli_opt *opts, int argc, char **argv,
		 int min_pos, int max_pos, struct cli_args *out);

/* On any error the values gathered so far are freed: callers free only
 * after success. */
int cli_parse(const struct cli_cmd *cmd, const struct cli_opt *opts, int argc, char **argv,
	      int min_pos, int max_pos, struct cli_args *out)
{
	int rc = parse(cmd, opts, argc, argv, min_pos, max_pos, out);

	if (rc)
		cli_args_free(out);
	return rc;
}

static int parse(const struct cli_cmd *cmd, const struct cli_opt *opts, int argc, char **argv,
		 int min_pos, int max_pos, struct cli_args *out)
{
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
			if (out->n_pos >= max_pos || out->n_pos >= CLI_MAX_POS)
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
			cli_help(cmd, opts, stdout);
			return -1;
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
	/* after "--", everything is positional */
	for (; optind < argc; optind++) {
		if (out->n_pos >= max_pos || out->n_pos >= CLI_MAX_POS)
			return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
		out->pos[out->n_pos++] = argv[optind];
	}
	if (out->n_pos < min_pos)
		return cli_usage(cmd, "missing argument");
	return 0;
}

void cli_args_free(struct cli_args *a)
{
	for (int i = 0; i < CLI_MAX_OPTS; i++)
		free(a->opt[i].values);
	memset(a, 0, sizeof *a);
}

int cli_fail(const struct err *e)
{
	fprintf(stderr, "secretctl: %s\n", e->msg);
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

	va_start(ap, fmt);
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

int cli_parse_store(const struct cli_cmd *cmd, const struct cli_opt *opts, int argc, char **argv,
		    struct cli_args *a, const char **store)
{
	int used, rc = cli_parse(cmd, opts, argc, argv, 0, 1, a);

	if (rc)
		return rc;
	*store = cli_store_arg(a, &used);
	if (!*store) {
		cli_args_free(a);
		return cli_usage(cmd, "missing STORE (or $SECRETCTL_STORE)");
	}
	return 0;
}

const char *cli_store_or_name(const struct cli_args *a, int *consumed)
{
	const char *env = getenv("SECRETCTL_STORE");

	if (a->n_pos == 1 && env && *env && access(a->pos[0], F_OK) != 0) {
		*consumed = 0;
		return env;
	}
	return cli_store_arg(a, consumed);
}

const char *cli_store_arg(const struct cli_args *a, int *consumed)
{
	const char *env;

	if (a->n_pos > 0) {
		*consumed = 1;
		return a->pos[0];
	}
	*consumed = 0;
	env = getenv("SECRETCTL_STORE");
	return env && *env ? env : NULL;
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
