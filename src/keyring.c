/* keyring: the Secret Service through a dlopen'ed libsecret.
 *
 * Nothing links libsecret or glib: linking them costs every process start
 * (19 libraries), and a server or a user unit must never touch a desktop
 * keyring. The few glib types used are declared here by hand, from glib's
 * stable ABI, so the build needs no glib headers either. */
#include "secretctl/keyring.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- glib and libsecret, by hand ---- */

struct g_error { /* GError */
	uint32_t domain;
	int code;
	char *message;
};
struct g_list { /* GList */
	void *data;
	struct g_list *next, *prev;
};

enum {
	G_BUS_TYPE_SESSION = 2,
	G_DBUS_CALL_FLAGS_NO_AUTO_START = 1 << 0,
	SECRET_SCHEMA_NONE = 0,
	SECRET_SCHEMA_DONT_MATCH_NAME = 1 << 1,
	SECRET_SCHEMA_ATTRIBUTE_STRING = 0,
	SECRET_SERVICE_NONE = 0,
	SECRET_SEARCH_ALL = 1 << 1, /* without SECRET_SEARCH_UNLOCK: never a prompt */
};

static struct {
	void *h;
	/* glib, gobject, gio */
	void *(*hash_table_new)(unsigned (*)(const void *), int (*)(const void *, const void *));
	int (*hash_table_insert)(void *, void *, void *);
	void *(*hash_table_lookup)(void *, const void *);
	void (*hash_table_unref)(void *);
	unsigned (*str_hash)(const void *);
	int (*str_equal)(const void *, const void *);
	void (*error_free)(struct g_error *);
	void (*free)(void *);
	void (*list_free_full)(struct g_list *, void (*)(void *));
	void (*object_unref)(void *);
	void *(*cancellable_new)(void);
	void (*cancellable_cancel)(void *);
	void *(*bus_get_sync)(int, void *, struct g_error **);
	void *(*connection_call_sync)(void *, const char *, const char *, const char *,
				      const char *, void *, const void *, int, int, void *,
				      struct g_error **);
	int (*strip_remote_error)(struct g_error *);
	void *(*variant_new)(const char *, ...);
	void (*variant_get)(void *, const char *, ...);
	void (*variant_unref)(void *);
	/* libsecret */
	void *(*schema_new)(const char *, int, ...);
	void (*schema_unref)(void *);
	void *(*service_get_sync)(int, void *, struct g_error **);
	struct g_list *(*search_sync)(void *, const void *, void *, int, void *, struct g_error **);
	int (*item_get_locked)(void *);
	int (*item_load_secret_sync)(void *, void *, struct g_error **);
	void *(*item_get_secret)(void *);
	char *(*item_get_label)(void *);
	char *(*item_get_schema_name)(void *);
	void *(*item_get_attributes)(void *);
	int (*item_delete_sync)(void *, void *, struct g_error **);
	const char *(*value_get)(void *, size_t *);
	void (*value_unref)(void *);
	int (*password_storev_sync)(const void *, void *, const char *, const char *, const char *,
				    void *, struct g_error **);
} lib;

#define SYM(field, name) { name, (void **)&lib.field }
static const struct {
	const char *name;
	void **slot;
} syms[] = {
	SYM(hash_table_new, "g_hash_table_new"),
	SYM(hash_table_insert, "g_hash_table_insert"),
	SYM(hash_table_lookup, "g_hash_table_lookup"),
	SYM(hash_table_unref, "g_hash_table_unref"),
	SYM(str_hash, "g_str_hash"),
	SYM(str_equal, "g_str_equal"),
	SYM(error_free, "g_error_free"),
	SYM(free, "g_free"),
	SYM(list_free_full, "g_list_free_full"),
	SYM(object_unref, "g_object_unref"),
	SYM(cancellable_new, "g_cancellable_new"),
	SYM(cancellable_cancel, "g_cancellable_cancel"),
	SYM(bus_get_sync, "g_bus_get_sync"),
	SYM(connection_call_sync, "g_dbus_connection_call_sync"),
	SYM(strip_remote_error, "g_dbus_error_strip_remote_error"),
	SYM(variant_new, "g_variant_new"),
	SYM(variant_get, "g_variant_get"),
	SYM(variant_unref, "g_variant_unref"),
	SYM(schema_new, "secret_schema_new"),
	SYM(schema_unref, "secret_schema_unref"),
	SYM(service_get_sync, "secret_service_get_sync"),
	SYM(search_sync, "secret_service_search_sync"),
	SYM(item_get_locked, "secret_item_get_locked"),
	SYM(item_load_secret_sync, "secret_item_load_secret_sync"),
	SYM(item_get_secret, "secret_item_get_secret"),
	SYM(item_get_label, "secret_item_get_label"),
	SYM(item_get_schema_name, "secret_item_get_schema_name"),
	SYM(item_get_attributes, "secret_item_get_attributes"),
	SYM(item_delete_sync, "secret_item_delete_sync"),
	SYM(value_get, "secret_value_get"),
	SYM(value_unref, "secret_value_unref"),
	SYM(password_storev_sync, "secret_password_storev_sync"),
};

int keyring_loaded(void)
{
	return lib.h != NULL;
}

/* dlopen libsecret (or $SECRETCTL_LIBSECRET) once; never dlclose'd: glib
 * cannot be unloaded. */
static int lib_load(struct err *e)
{
	const char *path = getenv("SECRETCTL_LIBSECRET");
	void *h;
	size_t i;

	if (lib.h)
		return 0;
	if (!path || !*path)
		path = KEYRING_LIBRARY;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		err_set(e, ERR_EXTERNAL, "cannot load libsecret: %s", dlerror());
		e->sub = KEYRING_FAIL_NO_LIBRARY;
		return e->code;
	}
	/* dlsym on the handle also searches its dependencies (glib, gio) */
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			memset(&lib, 0, sizeof lib);
			err_set(e, ERR_EXTERNAL, "cannot load libsecret: '%s' has no %s", path,
				syms[i].name);
			e->sub = KEYRING_FAIL_NO_LIBRARY;
			return e->code;
		}
		*syms[i].slot = f;
	}
	lib.h = h;
	return 0;
}

/* ---- the session bus ---- */

static int no_bus(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ERR_EXTERNAL "no session bus: ..." with its sub code. */
static int no_bus(struct err *e, const char *fmt, ...)
{
	char why[ERR_MSG_MAX - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	err_set(e, ERR_EXTERNAL, "no session bus: %s", why);
	e->sub = KEYRING_FAIL_NO_BUS;
	return e->code;
}

/* "unix:path=" and path, bytes outside [-0-9A-Za-z_/.\*] as %XX. */
static int bus_address(struct buf *b, const char *path)
{
	static const char ok[] = "-_/.\\*";
	const unsigned char *p;

	if (buf_puts(b, "unix:path="))
		return -1;
	for (p = (const unsigned char *)path; *p; p++) {
		int plain = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || strchr(ok, *p);

		if (plain ? buf_putc(b, (char)*p) : buf_printf(b, "%%%02x", *p))
			return -1;
	}
	return 0;
}

int keyring_bus_check(struct err *e)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS"), *dir, *p;
	struct buf b = { 0 }, a = { 0 };
	struct stat st;
	int rc;

	if (addr && *addr) {
		/* glib would run dbus-launch for an autolaunch: address */
		for (p = addr; p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
			if (strncmp(p, "autolaunch:", 11) == 0)
				return no_bus(e, "$DBUS_SESSION_BUS_ADDRESS asks for autolaunch, "
					      "which secretctl never does");
		return 0;
	}
	dir = getenv("XDG_RUNTIME_DIR");
	if (!dir || dir[0] != '/')
		return no_bus(e, "$DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR are unset");
	if (buf_printf(&b, "%s/bus", dir))
		return err_oom(e);
	/* the checks glib makes before it uses this socket; when they fail,
	 * glib would fall back to autolaunch */
	if (stat(b.p, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		no_bus(e, "$DBUS_SESSION_BUS_ADDRESS is unset and '%s' is not our socket", b.p);
		buf_free(&b);
		return e->code;
	}
	/* Pin the address, so that glib has nothing left to guess. Children
	 * (an editor) inherit it, as they would in a desktop session. */
	rc = bus_address(&a, b.p) || setenv("DBUS_SESSION_BUS_ADDRESS", a.p, 1) ? err_oom(e) : 0;
	buf_free(&a);
	buf_free(&b);
	return rc;
}

int keyring_available(struct err *e)
{
	int rc = keyring_bus_check(e);

	return rc ? rc : lib_load(e);
}

/* ---- a bounded session with the service ---- */

/* A thread that cancels the session's GCancellable at the deadline: the
 * sync calls of libsecret run their own main loop, so a glib timeout
 * source could not reach them, and a GCancellable covers the connection
 * and the authentication too, not only method calls. */
struct deadline {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct timespec at;
	void *cancellable;
	int done, fired, running;
};

static void *deadline_main(void *arg)
{
	struct deadline *d = arg;

	pthread_mutex_lock(&d->mu);
	while (!d->done) {
		if (pthread_cond_timedwait(&d->cond, &d->mu, &d->at) == ETIMEDOUT && !d->done) {
			d->fired = 1;
			lib.cancellable_cancel(d->cancellable);
			break;
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static int deadline_start(struct deadline *d, void *cancellable, int ms)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	memset(d, 0, sizeof *d);
	d->cancellable = cancellable;
	clock_gettime(CLOCK_MONOTONIC, &d->at);
	d->at.tv_sec += ms / 1000;
	d->at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->at.tv_nsec >= 1000000000L) {
		d->at.tv_sec++;
		d->at.tv_nsec -= 1000000000L;
	}
	if (pthread_condattr_init(&ca) != 0)
		return -1;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&d->mu, NULL);
	/* signals stay with the main thread (edit cleans up on them) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&d->thread, NULL, deadline_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&d->cond);
		pthread_mutex_destroy(&d->mu);
		return -1;
	}
	d->running = 1;
	return 0;
}

static int deadline_fired(struct deadline *d)
{
	int fired;

	if (!d->running)
		return d->fired;
	pthread_mutex_lock(&d->mu);
	fired = d->fired;
	pthread_mutex_unlock(&d->mu);
	return fired;
}

static void deadline_stop(struct deadline *d)
{
	if (!d->running)
		return;
	pthread_mutex_lock(&d->mu);
	d->done = 1;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->mu);
	d->running = 0;
}

struct session {
	void *cancellable;
	void *service;
	void *schema;     /* matches the schema name: to store and list */
	void *schema_any; /* does not: to look up by recipient */
	struct deadline dl;
	int timeout_ms;
};

/* Turn a GError into ERR_EXTERNAL "what: why" (and free it). A call cut
 * short by the deadline says so instead. */
static int fail(struct session *s, struct g_error *ge, const char *what, struct err *e)
{
	if (deadline_fired(&s->dl)) {
		err_set(e, ERR_EXTERNAL, "%s: the Secret Service did not answer within %d.%d s", what,
			s->timeout_ms / 1000, s->timeout_ms % 1000 / 100);
		e->sub = KEYRING_FAIL_TIMEOUT;
	} else if (ge) {
		lib.strip_remote_error(ge); /* "GDBus.Error:org...: " */
		err_set(e, ERR_EXTERNAL, "%s: %s", what, ge->message ? ge->message : "unknown error");
	} else
		err_set(e, ERR_EXTERNAL, "%s: unknown error", what);
	if (ge)
		lib.error_free(ge);
	return ERR_EXTERNAL;
}

static void session_close(struct session *s)
{
	deadline_stop(&s->dl);
	if (s->service)
		lib.object_unref(s->service);
	if (s->schema)
		lib.schema_unref(s->schema);
	if (s->schema_any)
		lib.schema_unref(s->schema_any);
	if (s->cancellable)
		lib.object_unref(s->cancellable);
	memset(s, 0, sizeof *s);
}

/* Bus, library, connection, a running service (never D-Bus-activated: on
 * a server that would start a keyring daemon nobody unlocks). timeout_ms 0:
 * no deadline (the keyring commands, which may wait for the user). */
static int session_open(struct session *s, int timeout_ms, struct err *e)
{
	struct g_error *ge = NULL;
	void *conn, *ret;
	int owned = 0, rc;

	memset(s, 0, sizeof *s);
	rc = keyring_bus_check(e);
	if (!rc)
		rc = lib_load(e);
	if (rc)
		return rc;
	s->timeout_ms = timeout_ms;
	s->cancellable = lib.cancellable_new();
	if (timeout_ms > 0 && deadline_start(&s->dl, s->cancellable, timeout_ms) != 0) {
		session_close(s);
		return err_set(e, ERR_FAIL, "cannot start a thread: %s", strerror(errno));
	}
	conn = lib.bus_get_sync(G_BUS_TYPE_SESSION, s->cancellable, &ge);
	if (!conn) {
		rc = fail(s, ge, "cannot connect to the session bus", e);
		session_close(s);
		return rc;
	}
	ret = lib.connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				       "org.freedesktop.DBus", "NameHasOwner",
				       lib.variant_new("(s)", "org.freedesktop.secrets"), NULL,
				       G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms > 0 ? timeout_ms : -1,
				       s->cancellable, &ge);
	if (ret) {
		lib.variant_get(ret, "(b)", &owned);
		lib.variant_unref(ret);
	}
	if (!ret)
		rc = fail(s, ge, "cannot ask the session bus for the Secret Service", e);
	else if (!owned) {
		rc = err_set(e, ERR_EXTERNAL,
			     "no Secret Service on the session bus (org.freedesktop.secrets has no owner)");
		e->sub = KEYRING_FAIL_NO_SERVICE;
	}
	if (!rc) {
		s->service = lib.service_get_sync(SECRET_SERVICE_NONE, s->cancellable, &ge);
		if (!s->service)
			rc = fail(s, ge, "cannot open the Secret Service", e);
	}
	lib.object_unref(conn); /* the service proxy holds its own reference */
	if (!rc) {
		s->schema = lib.schema_new(KEYRING_SCHEMA, SECRET_SCHEMA_NONE, KEYRING_ATTRIBUTE,
					   SECRET_SCHEMA_ATTRIBUTE_STRING, (char *)NULL);
		s->schema_any = lib.schema_new(KEYRING_SCHEMA, SECRET_SCHEMA_DONT_MATCH_NAME,
					       KEYRING_ATTRIBUTE, SECRET_SCHEMA_ATTRIBUTE_STRING,
					       (char *)NULL);
		if (!s->schema || !s->schema_any)
			rc = err_oom(e);
	}
	if (rc)
		session_close(s);
	return rc;
}

/* Items of the schema; with recipient, those for it, matched by that
 * attribute alone: a collection still locked since the daemon started
 * shows only hashed attributes, and gnome-keyring then matches no
 * "xdg:schema". So unlocked items found this way are checked with
 * item_ours(); locked ones cannot be (they are only counted). */
static int search(struct session *s, const char *recipient, struct g_list **out, struct err *e)
{
	struct g_error *ge = NULL;
	void *attrs = lib.hash_table_new(lib.str_hash, lib.str_equal);

	if (recipient)
		lib.hash_table_insert(attrs, (void *)KEYRING_ATTRIBUTE, (void *)recipient);
	*out = lib.search_sync(s->service, recipient ? s->schema_any : s->schema, attrs,
			       SECRET_SEARCH_ALL, s->cancellable, &ge);
	lib.hash_table_unref(attrs);
	if (ge) {
		if (*out)
			lib.list_free_full(*out, lib.object_unref);
		*out = NULL;
		return fail(s, ge, "cannot search the keyring", e);
	}
	return 0;
}

/* Is an unlocked item of our schema (not another program's item that
 * happens to have a "recipient" attribute)? */
static int item_ours(void *item)
{
	char *name = lib.item_get_schema_name(item);
	int ours = name && strcmp(name, KEYRING_SCHEMA) == 0;

	lib.free(name);
	return ours;
}

/* An unlocked item's secret into out. The SecretValue is freed with
 * libsecret's own function, which wipes its secure memory. */
static int item_secret(struct session *s, void *item, struct secmem *out, struct err *e)
{
	struct g_error *ge = NULL;
	const char *p;
	void *v;
	size_t len = 0;
	int rc = 0;

	if (!lib.item_load_secret_sync(item, s->cancellable, &ge))
		return fail(s, ge, "cannot read the keyring item", e);
	v = lib.item_get_secret(item);
	if (!v)
		return err_set(e, ERR_EXTERNAL, "cannot read the keyring item: it has no secret");
	p = lib.value_get(v, &len);
	secmem_clear(out);
	if (secmem_append(out, p, len))
		rc = err_oom(e);
	lib.value_unref(v);
	return rc;
}

int keyring_lookup(const char *const *recipients, size_t n, struct secmem *out, size_t *which,
		   size_t *n_locked, struct err *e)
{
	struct session s;
	struct g_list *items, *it;
	sigset_t all, old;
	size_t i;
	int rc, found = 0;

	*n_locked = 0;
	/* Threads that glib starts here (the D-Bus worker) outlive the lookup
	 * and inherit this mask: with every signal blocked, signals keep going
	 * to the main thread, where edit's handlers expect them. A signal that
	 * comes meanwhile waits at most the 2 s of the lookup. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = session_open(&s, KEYRING_LOOKUP_TIMEOUT_MS, e);
	if (rc) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return rc;
	}
	for (i = 0; i < n && !rc && !found; i++) {
		rc = search(&s, recipients[i], &items, e);
		for (it = rc ? NULL : items; it && !rc && !found; it = it->next) {
			if (lib.item_get_locked(it->data)) {
				(*n_locked)++;
				continue;
			}
			if (!item_ours(it->data))
				continue;
			rc = item_secret(&s, it->data, out, e);
			if (!rc) {
				found = 1;
				*which = i;
			}
		}
		if (items)
			lib.list_free_full(items, lib.object_unref);
	}
	session_close(&s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!rc && !found)
		rc = err_set(e, ERR_NOTFOUND, "no identity for the recipients in the keyring");
	return rc;
}

int keyring_fetch(const char *recipient, struct secmem *out, struct err *e)
{
	struct session s;
	struct g_list *items, *it;
	int rc, locked = 0, found = 0;

	rc = session_open(&s, 0, e);
	if (rc)
		return rc;
	rc = search(&s, recipient, &items, e);
	for (it = rc ? NULL : items; it && !rc && !found; it = it->next) {
		if (lib.item_get_locked(it->data)) {
			locked = 1;
			continue;
		}
		if (!item_ours(it->data))
			continue;
		rc = item_secret(&s, it->data, out, e);
		found = !rc;
	}
	if (items)
		lib.list_free_full(items, lib.object_unref);
	session_close(&s);
	if (!rc && !found && locked)
		rc = err_set(e, ERR_EXTERNAL, "the keyring item for %s is locked", recipient);
	else if (!rc && !found)
		rc = err_set(e, ERR_NOTFOUND, "no identity for %s in the keyring", recipient);
	return rc;
}

int keyring_store(const char *recipient, const struct secmem *identity, struct err *e)
{
	struct session s;
	struct g_error *ge = NULL;
	struct buf label = { 0 };
	void *attrs;
	int rc;

	if (!identity->p || memchr(identity->p, '\0', identity->len))
		return err_set(e, ERR_INPUT, "an identity for the keyring must be text");
	if (buf_printf(&label, "%s%s", KEYRING_LABEL_PREFIX, recipient))
		return err_oom(e);
	rc = session_open(&s, 0, e);
	if (rc) {
		buf_free(&label);
		return rc;
	}
	attrs = lib.hash_table_new(lib.str_hash, lib.str_equal);
	lib.hash_table_insert(attrs, (void *)KEYRING_ATTRIBUTE, (void *)recipient);
	/* collection NULL: the default one; an item with the same attributes
	 * is replaced */
	if (!lib.password_storev_sync(s.schema, attrs, NULL, label.p, (const char *)identity->p,
				      s.cancellable, &ge))
		rc = fail(&s, ge, "cannot store in the keyring", e);
	lib.hash_table_unref(attrs);
	session_close(&s);
	buf_free(&label);
	return rc;
}

int keyring_remove(const char *recipient, struct err *e)
{
	struct session s;
	struct g_error *ge = NULL;
	struct g_list *items, *it;
	size_t removed = 0, locked = 0;
	int rc;

	rc = session_open(&s, 0, e);
	if (rc)
		return rc;
	rc = search(&s, recipient, &items, e);
	for (it = rc ? NULL : items; it && !rc; it = it->next) {
		if (lib.item_get_locked(it->data))
			locked++;
		else if (!item_ours(it->data))
			continue;
		else if (!lib.item_delete_sync(it->data, s.cancellable, &ge))
			rc = fail(&s, ge, "cannot delete the keyring item", e);
		else
			removed++;
	}
	if (items)
		lib.list_free_full(items, lib.object_unref);
	session_close(&s);
	if (!rc && locked)
		rc = err_set(e, ERR_EXTERNAL,
			     "the keyring item for %s is locked: unlock the keyring first", recipient);
	else if (!rc && !removed)
		rc = err_set(e, ERR_NOTFOUND, "no identity for %s in the keyring", recipient);
	return rc;
}

static int item_cmp(const void *a, const void *b)
{
	const struct keyring_item *x = a, *y = b;
	int c = strcmp(x->recipient, y->recipient);

	return c ? c : strcmp(x->label, y->label);
}

int keyring_list(struct keyring_list *out, struct err *e)
{
	struct session s;
	struct g_list *items, *it;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	rc = session_open(&s, 0, e);
	if (rc)
		return rc;
	rc = search(&s, NULL, &items, e);
	for (it = rc ? NULL : items; it; it = it->next)
		n++;
	if (n && !(out->v = calloc(n, sizeof *out->v)))
		rc = err_oom(e);
	for (it = rc ? NULL : items; it && !rc; it = it->next) {
		struct keyring_item *k = &out->v[out->n++];
		void *attrs = lib.item_get_attributes(it->data);
		const char *r = attrs ? lib.hash_table_lookup(attrs, KEYRING_ATTRIBUTE) : NULL;
		char *label = lib.item_get_label(it->data);

		k->recipient = strdup(r ? r : "");
		k->label = strdup(label ? label : "");
		k->locked = lib.item_get_locked(it->data) != 0;
		if (attrs)
			lib.hash_table_unref(attrs);
		lib.free(label);
		if (!k->recipient || !k->label)
			rc = err_oom(e);
	}
	if (items)
		lib.list_free_full(items, lib.object_unref);
	session_close(&s);
	if (rc)
		keyring_list_free(out);
	else if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, item_cmp);
	return rc;
}

void keyring_list_free(struct keyring_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].recipient);
		free(l->v[i].label);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}
