// SPDX-License-Identifier: GPL-2.0
/*
 * The kcr system calls.  The numbers come from <linux/checkpoint.h>, never
 * from the C library headers (newer kernels use 451/452 for other calls).
 */
#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include "kcr.h"

long kcr_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_checkpoint, (long)pid, (long)fd, flags, (long)logfd);
}

long kcr_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_restart, (long)pid, (long)fd, flags, (long)logfd);
}
