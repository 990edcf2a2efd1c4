/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image feeder of restart: a forked child (not part of the restored
 * tree) that writes, into the pipe the kernel reads the image from, the
 * prefix the tool already parsed, then what the tool spooled while the
 * tree was being built, then the rest of the input.
 */
#ifndef KCR_FEEDER_H
#define KCR_FEEDER_H

#include <stddef.h>
#include <sys/types.h>

/* Exit codes of the feeder. */
#define FEEDER_OK	0	/* all input copied */
#define FEEDER_EREAD	1	/* reading the input failed (message on stderr) */
#define FEEDER_EPIPE	3	/* the reader went away before the end */

/*
 * Fork the feeder.  It writes prefix[0..len), then spool_len bytes of
 * spool_fd from offset 0 (spool_fd -1: none), then copies in_fd to its
 * end unless in_eof.  The child keeps only in_fd, spool_fd, out_fd and
 * stderr.  Returns its pid, or -1 with errno set.
 */
pid_t feeder_start(int in_fd, int out_fd, const void *prefix, size_t len,
		   int spool_fd, size_t spool_len, int in_eof);

#endif /* KCR_FEEDER_H */
