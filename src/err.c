#include "secretctl/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int vset(struct err *e, int code, int sub, const char *fmt, va_list ap)
{
	e->code = code;
	e->sub = sub;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	return code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int err_set_sub(struct err *e, int code, int sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, sub, fmt, ap);
	va_end(ap);
	return code;
}

int err_errno(struct err *e, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vset(e, code, 0, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	return code;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	va_list ap;
	size_t n;

	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n, ": %s", old);
	return e->code;
}

int err_oom(struct err *e)
{
	return err_set(e, ERR_FAIL, "out of memory");
}

void err_clear(struct err *e)
{
	e->code = ERR_OK;
	e->sub = 0;
	e->msg[0] = '\0';
}
