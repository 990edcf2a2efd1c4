/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image feeder of restart: a forked child (not part of the restored
 * tree) that writes the prefix the tool already read, then copies the
 * rest of the input, into the pipe the kernel reads the image from.
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
 * Fork the feeder.  The child keeps only in_fd, out_fd and stderr.
 * Returns its pid, or -1 with errno set.
 */
pid_t feeder_start(int in_fd, int out_fd, const void *prefix, size_t len);

#endif /* KCR_FEEDER_H */
