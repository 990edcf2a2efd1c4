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
#define FEEDER_EDATA	4	/* the compressed image is corrupt or truncated */

#define FEEDER_MSG_MAX	512	/* the feeder's reason for EREAD or EDATA */

struct kcr_zin;

/*
 * Fork the feeder.  It writes prefix[0..len), then what zin (the reader
 * of the prefix, plain or compressed) gives: what it read ahead, then
 * spool_len bytes of spool_fd from offset 0 (spool_fd -1: none), then
 * in_fd to its end unless in_eof, inflated if compressed.  The child
 * keeps only in_fd, spool_fd, out_fd and stderr.  On a read error or a
 * bad compressed stream it writes its reason (NUL-terminated, at most
 * FEEDER_MSG_MAX bytes) into msg, memory shared with the tool (NULL: on
 * stderr).  Returns its pid, or -1 with errno set.
 */
pid_t feeder_start(int in_fd, int out_fd, const void *prefix, size_t len,
		   struct kcr_zin *zin, int spool_fd, size_t spool_len,
		   int in_eof, char *msg);

#endif /* KCR_FEEDER_H */
