/* podman-driver: podman's shell secret driver (list, lookup, store,
 * delete), run by podman through /bin/sh -c with $SECRET_ID. store keeps a
 * reference (never a value) per ID; lookup decrypts the value it names at
 * every container start. Never asks on a terminal: podman waits for it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/io.h"
#include "secretctl/path.h"
#include "secretctl/pdriver.h"
#include "secretctl/podman.h"
#include "secretctl/store.h"
#include "secretctl/tty.h"
#include "stores.h"

const struct cli_opt cmd_podman_driver_opts[] = {
	CLI_OPT_END,
};

/* "secretctl: podman-driver OP ID: why", as podman shows it */
static int fail(const char *op, const char *id, struct err *e)
{
	if (id && !pdriver_id_check(id, &(struct err){ 0 }))
		err_wrap(e, "podman-driver %s %s", op, id);
	else
		err_wrap(e, "podman-driver %s", op);
	return cli_fail(e);
}

static int do_list(void)
{
	struct buf dir = { 0 }, out = { 0 };
	struct err e;
	int fd = -1, rc;

	rc = pdriver_dir_open(0, &fd, &dir, &e);
	if (rc == ERR_NOTFOUND) /* nothing was ever stored */
		rc = 0;
	else if (!rc)
		rc = pdriver_entry_list(fd, dir.p, &out, &e);
	if (fd >= 0)
		close(fd);
	rc = rc ? fail("list", NULL, &e) : cli_write_stdout(out.p, out.len);
	buf_free(&dir);
	buf_free(&out);
	return rc;
}

static int do_store(const char *id)
{
	struct buf dir = { 0 };
	struct secmem in = { 0 }; /* it may be a value given by mistake */
	struct pdriver_ref r = { 0 };
	struct stat st;
	struct err e;
	int fd = -1, rc;

	if ((rc = pdriver_id_check(id, &e)))
		goto out;
	/* a longer input than a reference may be is refused whole */
	rc = io_read_fd_secret(0, "standard input", PDRIVER_REF_MAX, &in, &e);
	if (rc == ERR_INPUT)
		rc = err_set(&e, ERR_INPUT, "the secret data is not a secretctl reference: it is "
			     "longer than a reference can be");
	if (!rc && (rc = pdriver_ref_parse((const char *)in.p, in.len, &r, &e)) != 0) {
		char why[ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", e.msg);
		err_set(&e, ERR_INPUT, "%s; a shell-driver secret of secretctl holds a reference "
			"that 'secretctl podman --driver shell' makes, never a value", why);
	}
	if (!rc && stat(r.store, &st) != 0)
		rc = err_errno(&e, ERR_NOTFOUND, errno, "store '%s'", r.store);
	if (!rc)
		rc = pdriver_dir_open(1, &fd, &dir, &e);
	if (!rc)
		rc = pdriver_entry_put(fd, dir.p, id, (const char *)in.p, in.len, &e);
out:
	if (fd >= 0)
		close(fd);
	pdriver_ref_free(&r);
	secmem_free(&in);
	buf_free(&dir);
	return rc ? fail("store", id, &e) : 0;
}

static int do_delete(const char *id)
{
	struct buf dir = { 0 };
	struct err e;
	int fd = -1, removed = 0, rc;

	if (!(rc = pdriver_id_check(id, &e))) {
		/* a missing entry is no error: podman keeps a secret whose
		 * delete fails, and an entry already gone would keep it forever */
		rc = pdriver_dir_open(0, &fd, &dir, &e);
		if (rc == ERR_NOTFOUND)
			rc = 0;
		else if (!rc)
			rc = pdriver_entry_del(fd, dir.p, id, &removed, &e);
	}
	if (fd >= 0)
		close(fd);
	buf_free(&dir);
	return rc ? fail("delete", id, &e) : 0;
}

static int do_lookup(const char *id)
{
	struct buf dir = { 0 };
	struct pdriver_ref r = { 0 };
	struct store s = { 0 };
	struct store_open so = { 0 };
	struct identity_opts io = { 0 };
	struct path p = { 0 };
	struct store_ref ref;
	struct secmem value = { 0 };
	struct err e;
	int fd = -1, rc;

	if ((rc = pdriver_id_check(id, &e)) || (rc = pdriver_dir_open(0, &fd, &dir, &e)) ||
	    (rc = pdriver_entry_get(fd, dir.p, id, &r, &e)))
		goto out;
	io.files = (const char *const *)r.ids;
	io.n_files = r.n_ids;
	rc = path_parse(r.path, strlen(r.path), &p, &e);
	if (!rc && !(rc = store_load(r.store, &so, &s, &e)) && !(rc = cli_store_unlock(&s, &io, &e)) &&
	    !(rc = store_lookup(&s, &p, 0, &ref, &e))) {
		if (ref.kind != STORE_SCALAR)
			rc = err_set(&e, ERR_INPUT, "%s is no longer a scalar", r.path);
		else if (!(rc = store_value(&s, &ref, &value, &e)))
			rc = podman_value_check(value.p, value.len, r.env, &e);
	}
	if (rc) /* "podman-driver lookup ID: STORE -f PATH: why" */
		err_wrap(&e, "%s -%c %s", r.store, r.env ? 'e' : 'f', r.path);
out:
	if (fd >= 0)
		close(fd);
	if (!rc)
		rc = cli_write_stdout(value.p, value.len);
	else
		rc = fail("lookup", id, &e);
	secmem_free(&value);
	path_free(&p);
	store_free(&s);
	pdriver_ref_free(&r);
	buf_free(&dir);
	return rc;
}

int cmd_podman_driver(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const char *op = a->pos[0], *id = getenv("SECRET_ID");

	(void)store;
	/* podman runs us in the background: a prompt would hang it */
	tty_forbid();
	if (strcmp(op, "list") == 0)
		return do_list();
	if (strcmp(op, "lookup") == 0)
		return do_lookup(id);
	if (strcmp(op, "store") == 0)
		return do_store(id);
	if (strcmp(op, "delete") == 0)
		return do_delete(id);
	return cli_usage(cmd, "unknown driver command '%s'; podman runs list, lookup, store, delete",
			 op);
}
