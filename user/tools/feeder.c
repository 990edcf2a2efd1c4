// SPDX-License-Identifier: GPL-2.0
/*
 * The image feeder: prefix bytes first, then a plain copy of the input, so
 * the kernel reads and validates the whole image from byte 0 without any
 * seeking; the input may be a pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "feeder.h"
#include "mktree.h"

#define FEEDER_BUF	(256 * 1024)

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void __attribute__((noreturn)) feeder_main(int in_fd, int out_fd,
						  const void *prefix, size_t len)
{
	static char buf[FEEDER_BUF];
	int keep[3] = { STDERR_FILENO, in_fd, out_fd };
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);	/* EPIPE instead */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	close_all_but(keep, 3);

	if (write_all(out_fd, prefix, len))
		_exit(errno == EPIPE ? FEEDER_EPIPE : FEEDER_EREAD);
	for (;;) {
		n = read(in_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "restart: feeder: reading the image: %s\n",
				strerror(errno));
			_exit(FEEDER_EREAD);
		}
		if (n == 0)
			break;
		if (write_all(out_fd, buf, (size_t)n))
			_exit(errno == EPIPE ? FEEDER_EPIPE : FEEDER_EREAD);
	}
	_exit(FEEDER_OK);
}

pid_t feeder_start(int in_fd, int out_fd, const void *prefix, size_t len)
{
	pid_t pid = fork();

	if (pid == 0)
		feeder_main(in_fd, out_fd, prefix, len);
	return pid;
}
