// SPDX-License-Identifier: GPL-2.0
/*
 * The image feeder: prefix bytes first, then the spooled bytes, then a
 * plain copy of the input, so the kernel reads and validates the whole
 * image from byte 0 without any seeking; the input may be a pipe.  A
 * compressed input is inflated on the way (struct kcr_zin, which the tool's
 * reader used for the prefix: the feeder goes on with the reader's copy,
 * inherited by fork, read-ahead included): the kernel always reads the
 * plain image, and a corrupt or truncated compressed stream ends the
 * feeder before the image's end, so that the kernel sees a short image
 * and fails.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcr.h"
#include "feeder.h"
#include "mktree.h"

#define FEEDER_BUF	(256 * 1024)

/*
 * The input after the prefix, as the image reader (struct kcr_zin) asks
 * for it: the spooled bytes, then the rest of in_fd.
 */
struct feeder_src {
	int in_fd, spool_fd, in_eof;
	size_t spool_len;
	off_t off;
};

static ssize_t feeder_read(void *ctx, void *buf, size_t n)
{
	struct feeder_src *s = ctx;
	ssize_t got;

	while ((size_t)s->off < s->spool_len) {
		size_t want = s->spool_len - (size_t)s->off;

		got = pread(s->spool_fd, buf, want < n ? want : n, s->off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			errno = EIO;	/* the spool is shorter than it was */
		if (got <= 0)
			return -1;
		s->off += got;
		return got;
	}
	if (s->in_eof)
		return 0;
	do
		got = read(s->in_fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

static void __attribute__((noreturn)) feeder_fail(char *msg, int code,
						  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Say why in msg (shared with the tool), or on stderr without it. */
static void __attribute__((noreturn)) feeder_fail(char *msg, int code,
						  const char *fmt, ...)
{
	char buf[FEEDER_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (msg)
		memcpy(msg, buf, sizeof(buf));
	else
		fprintf(stderr, "restart: feeder: %s\n", buf);
	_exit(code);
}

/*
 * The kernel stopped reading (EPIPE: the restart failed).  Corrupt
 * compressed data can decode into a bad image that the kernel refuses
 * before the stream's checksum comes: inflate the rest of a compressed
 * input, to say whether the stream itself was corrupt (the tool waits a
 * while for this before it kills the feeder).
 */
static void __attribute__((noreturn)) feeder_verify(struct kcr_zin *zin,
						    char *buf, char *msg)
{
	int fmt = kcr_zin_format(zin);
	ssize_t n;

	if (fmt != KCR_Z_GZIP && fmt != KCR_Z_ZLIB)
		_exit(FEEDER_EPIPE);
	while ((n = kcr_zin_read(zin, buf, FEEDER_BUF)) > 0)
		;
	if (n < 0 && kcr_zin_error(zin, NULL) != KCR_ZIN_EIO)
		feeder_fail(msg, FEEDER_EDATA, "the image cannot be read whole: %s",
			    kcr_zin_reason(zin));
	_exit(FEEDER_EPIPE);
}

static void __attribute__((noreturn)) feeder_main(int in_fd, int out_fd,
						  const void *prefix, size_t len,
						  struct kcr_zin *zin, int spool_fd,
						  size_t spool_len, int in_eof,
						  char *msg)
{
	static char buf[FEEDER_BUF];
	int keep[4] = { STDERR_FILENO, in_fd, out_fd, spool_fd };
	struct feeder_src src = {
		.in_fd = in_fd, .spool_fd = spool_fd, .in_eof = in_eof,
		.spool_len = spool_fd >= 0 ? spool_len : 0,
	};
	int err;
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);	/* EPIPE instead */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	close_all_but(keep, 4);

	if (kcr_write_all(out_fd, prefix, len))
		_exit(errno == EPIPE ? FEEDER_EPIPE : FEEDER_EREAD);
	/* what the reader read ahead first, then the spool, then in_fd */
	kcr_zin_set_source(zin, feeder_read, &src);
	for (;;) {
		n = kcr_zin_read(zin, buf, sizeof(buf));
		if (n < 0) {
			err = kcr_zin_error(zin, NULL);
			if (err == KCR_ZIN_EIO)
				feeder_fail(msg, FEEDER_EREAD, "%s", kcr_zin_reason(zin));
			feeder_fail(msg, FEEDER_EDATA, "the image cannot be read whole: %s",
				    kcr_zin_reason(zin));
		}
		if (n == 0)
			break;
		if (kcr_write_all(out_fd, buf, (size_t)n)) {
			if (errno != EPIPE)
				_exit(FEEDER_EREAD);
			feeder_verify(zin, buf, msg);
		}
	}
	_exit(FEEDER_OK);
}

pid_t feeder_start(int in_fd, int out_fd, const void *prefix, size_t len,
		   struct kcr_zin *zin, int spool_fd, size_t spool_len,
		   int in_eof, char *msg)
{
	pid_t pid = fork();

	if (pid == 0)
		feeder_main(in_fd, out_fd, prefix, len, zin, spool_fd, spool_len,
			    in_eof, msg);
	return pid;
}
