/* fdio: whole writes on file descriptors, retried on EINTR and short
 * writes. */
#ifndef SECRETCTL_FDIO_H
#define SECRETCTL_FDIO_H

#include <stddef.h>

/* Write all n bytes. 0, or -1 with errno set. */
int fdio_write_all(int fd, const void *p, size_t n);

#endif
