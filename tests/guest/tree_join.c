// SPDX-License-Identifier: GPL-2.0
/*
 * tree_join ROOT_PID [INDEX]: a late joiner.  Calls
 *   restart(ROOT_PID, -1, 0, -1)                      (no INDEX)
 *   restart(ROOT_PID, INDEX, CKPT_RESTART_NO_PIDS, -1) (INDEX given)
 * the way a task of a tree joins the restart whose root is ROOT_PID.  The
 * driver runs it after that restart completed: the call must fail at once
 * (a completed restart takes nobody in) and the restored tree must not
 * notice.
 *
 * Prints "tree_join: restart(...) = -1 errno N (text)" and exits 0 if
 * restart() returned an error; exits 1 if it returned anything else; a
 * call still blocked after 10 s is reported by the driver (timeout).
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <linux/checkpoint.h>

int main(int argc, char **argv)
{
	long pid, arg = -1, ret;
	unsigned long flags = 0;

	if (argc < 2 || argc > 3) {
		kt_msg("usage: tree_join ROOT_PID [INDEX]");
		return 2;
	}
	pid = strtol(argv[1], NULL, 10);
	if (argc == 3) {
		arg = strtol(argv[2], NULL, 10);
		flags = CKPT_RESTART_NO_PIDS;
	}
	errno = 0;
	ret = syscall(__NR_restart, pid, arg, flags, -1L);
	if (ret == -1) {
		kt_msg("# tree_join: restart(%ld, %ld, %#lx, -1) = -1 errno %d (%s)", pid, arg,
		       flags, errno, strerror(errno));
		printf("errno %d\n", errno);
		return 0;
	}
	kt_msg("FAIL late joiner: restart(%ld, %ld, %#lx, -1): expected -1 (the restart is over), got %ld",
	       pid, arg, flags, ret);
	return 1;
}
