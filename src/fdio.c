#include "secretctl/fdio.h"

#include <errno.h>
#include <unistd.h>

int fdio_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO; /* never loop on a write that makes no progress */
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}
