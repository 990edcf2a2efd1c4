// SPDX-License-Identifier: GPL-2.0
/*
 * selfckpt: a process checkpoints itself (checkpoint(0, fd, 0, logfd)).
 * The call returns the checkpoint id (> 0) to the original, which exits
 * with status 10; restarted from the image, the same call returns 0 and
 * the program checks that its state came back, then exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/checkpoint.h>

static volatile unsigned long pattern[4096];

int main(void)
{
	pid_t pid_before = getpid(), ppid_before = getppid();
	double fpu = 3.25;
	long ret;
	int fd, logfd, i;

	for (i = 0; i < 4096; i++)
		pattern[i] = i * 7919UL;
	fd = open("/tmp/selfckpt.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	logfd = open("/tmp/selfckpt.ckpt.log", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || logfd < 0) {
		printf("FAIL open: %s\n", strerror(errno));
		return 1;
	}
	ret = syscall(__NR_checkpoint, 0, fd, 0UL, logfd);
	if (ret < 0) {
		printf("FAIL checkpoint(0): expected an id, got errno %d (%s)\n",
		       errno, strerror(errno));
		return 1;
	}
	if (ret > 0) {
		printf("checkpointed itself: id %ld\n", ret);
		fflush(stdout);
		return 10;
	}
	/* restarted: checkpoint() returned 0 */
	if (getpid() != pid_before) {
		printf("FAIL pid: expected %d, got %d\n", pid_before, getpid());
		return 1;
	}
	if (getppid() == ppid_before) {
		printf("FAIL parent: expected a new parent (the restart tool), got the old one %d\n",
		       ppid_before);
		return 1;
	}
	for (i = 0; i < 4096; i++) {
		if (pattern[i] != i * 7919UL) {
			printf("FAIL memory[%d]: expected %lu, got %lu\n", i,
			       i * 7919UL, pattern[i]);
			return 1;
		}
	}
	if (fpu * 2 != 6.5) {
		printf("FAIL fpu: expected 6.5, got %f\n", fpu * 2);
		return 1;
	}
	printf("restarted after a self-checkpoint\n");
	return 0;
}
