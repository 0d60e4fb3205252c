/* keyring: age identities in the desktop Secret Service (the third key
 * source), through libsecret loaded with dlopen only when a session bus is
 * reachable, so that processes that never get here never map glib.
 *
 * Items use the schema "org.secretctl.Identity" with one attribute,
 * "recipient" (the age1... string: attributes are stored in clear); the
 * secret is the "AGE-SECRET-KEY-1..." line, the label
 * "secretctl identity age1...".
 *
 * Every function that talks to the service fails with ERR_EXTERNAL when
 * there is no session bus, no libsecret, or no Secret Service running on
 * the bus; the message says which. Nothing here ever autolaunches D-Bus,
 * D-Bus-activates a service, or asks to unlock a collection. */
#ifndef SECRETCTL_KEYRING_H
#define SECRETCTL_KEYRING_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/secmem.h"

#define KEYRING_SCHEMA "org.secretctl.Identity"
#define KEYRING_ATTRIBUTE "recipient"
#define KEYRING_LABEL_PREFIX "secretctl identity "
#define KEYRING_LIBRARY "libsecret-1.so.0"
/* The longest keyring_lookup may take, connection included. */
#define KEYRING_LOOKUP_TIMEOUT_MS 2000

/* Why a call failed, in err.sub of an ERR_EXTERNAL. */
enum keyring_fail {
	KEYRING_FAIL_OTHER = 0, /* the service refused or failed */
	KEYRING_FAIL_NO_BUS,
	KEYRING_FAIL_NO_LIBRARY,
	KEYRING_FAIL_NO_SERVICE, /* nobody owns org.freedesktop.secrets */
	KEYRING_FAIL_TIMEOUT,
};

/* Is a session bus reachable without autolaunching one? Yes when
 * $DBUS_SESSION_BUS_ADDRESS is set (and names no "autolaunch:" transport),
 * or when $XDG_RUNTIME_DIR/bus is a socket owned by us (then
 * DBUS_SESSION_BUS_ADDRESS is set to it, so glib cannot guess otherwise).
 * 0, or ERR_EXTERNAL "no session bus: ...". Loads nothing. */
int keyring_bus_check(struct err *e);

/* keyring_bus_check, then load libsecret (no connection yet): 0 or
 * ERR_EXTERNAL naming what is missing. */
int keyring_available(struct err *e);

/* Step 3 of the key sources: look up recipients[0..n) in order, within
 * KEYRING_LOOKUP_TIMEOUT_MS in all. Locked items are skipped (never
 * unlocked, no prompt) and counted in *n_locked. On success the first
 * unlocked item's secret is in out (replacing its content) and *which is
 * its index in recipients. ERR_NOTFOUND when no unlocked item matches;
 * ERR_EXTERNAL (no bus, no library, no service, timeout, service error). */
int keyring_lookup(const char *const *recipients, size_t n, struct secmem *out, size_t *which,
		   size_t *n_locked, struct err *e);

/* Store identity (an "AGE-SECRET-KEY-1..." string) for recipient in the
 * default collection, replacing an item with the same recipient. A locked
 * collection is ERR_EXTERNAL. */
int keyring_store(const char *recipient, const struct secmem *identity, struct err *e);

/* The secret stored for recipient (into out, replacing its content).
 * ERR_NOTFOUND when there is none; ERR_EXTERNAL when it is locked. */
int keyring_fetch(const char *recipient, struct secmem *out, struct err *e);

/* Delete every item for recipient. ERR_NOTFOUND when there is none;
 * ERR_EXTERNAL when they are locked or the service refuses. */
int keyring_remove(const char *recipient, struct err *e);

struct keyring_item {
	char *recipient; /* the attribute; "" when an item lacks it */
	char *label;
	int locked;
};
struct keyring_list {
	struct keyring_item *v;
	size_t n;
};
/* Every item of the schema, sorted by recipient. Items locked since the
 * daemon started cannot be told apart from other programs' (gnome-keyring
 * shows only hashed attributes then) and are not listed; items locked
 * later are, with their labels. */
int keyring_list(struct keyring_list *out, struct err *e);
void keyring_list_free(struct keyring_list *l);

/* Is the library mapped into this process? For tests and -v. */
int keyring_loaded(void);

#endif
