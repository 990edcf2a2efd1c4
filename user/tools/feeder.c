// SPDX-License-Identifier: GPL-2.0
/*
 * The image feeder: prefix bytes first, then the spooled bytes, then a
 * plain copy of the input, so the kernel reads and validates the whole
 * image from byte 0 without any seeking; the input may be a pipe.
 *
 * Why a spool: while mktree waits for a saved pid to become free (the
 * original tree of "checkpoint --kill PID | restart" holds it until the
 * checkpoint is complete and the tree is killed), the tool must keep
 * reading its input, or the checkpoint would block on a full pipe and
 * never kill the tree.  The feeder can only start once the tree exists,
 * so that it cannot take a saved pid.
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
						  const void *prefix, size_t len,
						  int spool_fd, size_t spool_len,
						  int in_eof)
{
	static char buf[FEEDER_BUF];
	int keep[4] = { STDERR_FILENO, in_fd, out_fd, spool_fd };
	off_t off = 0;
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);	/* EPIPE instead */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	close_all_but(keep, 4);

	if (write_all(out_fd, prefix, len))
		_exit(errno == EPIPE ? FEEDER_EPIPE : FEEDER_EREAD);
	while ((size_t)off < spool_len) {
		size_t want = spool_len - (size_t)off;

		n = pread(spool_fd, buf, want < sizeof(buf) ? want : sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "restart: feeder: reading the spooled image: %s\n",
				n < 0 ? strerror(errno) : "short file");
			_exit(FEEDER_EREAD);
		}
		if (write_all(out_fd, buf, (size_t)n))
			_exit(errno == EPIPE ? FEEDER_EPIPE : FEEDER_EREAD);
		off += n;
	}
	while (!in_eof) {
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

pid_t feeder_start(int in_fd, int out_fd, const void *prefix, size_t len,
		   int spool_fd, size_t spool_len, int in_eof)
{
	pid_t pid = fork();

	if (pid == 0)
		feeder_main(in_fd, out_fd, prefix, len, spool_fd, spool_len, in_eof);
	return pid;
}
