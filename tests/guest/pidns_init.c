// SPDX-License-Identifier: GPL-2.0
/*
 * pidns_init [-l LOGFILE] IMAGE: restart a container image in-process.
 *
 * The example of mktree_run_self() (user/tools/mktree.h): instead of the
 * restart tool, the init of a fresh pid namespace restarts its own tree
 * and becomes the image's init.  IMAGE must be a container image (made by
 * "checkpoint --container PID": its root has pid 1) in a regular file.
 * Run it as root (restoring pids needs CAP_CHECKPOINT_RESTORE, a new pid
 * namespace CAP_SYS_ADMIN).
 *
 *   pidns_init (this process, outside)
 *     1. unshare(CLONE_NEWPID): its next child is pid 1 of a new namespace;
 *     2. fork(): the child is that init;
 *     3. waits for it, and exits with its status (128 + the signal that
 *        killed it).
 *   the child, pid 1 of the new namespace
 *     4. opens IMAGE;
 *     5. mktree_run_self(): reads the image's TREE, creates every other
 *        task of the tree as the restart tool would (its children,
 *        sessions, groups, threads, zombies, nested namespaces), and calls
 *        restart(0, image, 0, log) itself.  On success it does not return:
 *        the process continues as the image's restored init.  On failure
 *        it kills what it created and returns the reason.
 *
 * The kernel's log goes to LOGFILE, or to stderr.  This program is built
 * like every guest test, one .c file: the mktree library (which, unlike
 * the restart tool, needs nothing but the C library) is included in
 * source form.
 */
#define _GNU_SOURCE
#include "../../user/tools/mktree.c"
#include "../../user/lib/syscall.c"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_SECS	5	/* how long to wait for a saved pid to be free */

static void usage(void)
{
	fprintf(stderr, "usage: pidns_init [-l LOGFILE] IMAGE\n");
	exit(2);
}

/* The init of the new namespace: become the image's init. */
static void __attribute__((noreturn)) init_main(const char *image, const char *logfile)
{
	char err[512];
	int fd, logfd = STDERR_FILENO;

	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "pidns_init: %s: %s\n", image, strerror(errno));
		_exit(1);
	}
	if (logfile) {
		struct stat ist, lst;

		/* appended to, never truncated, and never the image itself */
		logfd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (logfd < 0) {
			fprintf(stderr, "pidns_init: %s: %s\n", logfile, strerror(errno));
			_exit(1);
		}
		if (!fstat(fd, &ist) && !fstat(logfd, &lst) && ist.st_dev == lst.st_dev &&
		    ist.st_ino == lst.st_ino) {
			fprintf(stderr, "pidns_init: the log %s is the image\n", logfile);
			_exit(1);
		}
	}
	/* Returns only if the restart failed. */
	mktree_run_self(fd, 0, logfd, WAIT_SECS, err, sizeof(err));
	fprintf(stderr, "pidns_init: %s\n", err);
	_exit(1);
}

int main(int argc, char **argv)
{
	const char *logfile = NULL;
	int opt, status;
	pid_t child;

	while ((opt = getopt(argc, argv, "l:")) != -1) {
		if (opt != 'l')
			usage();
		logfile = optarg;
	}
	if (optind != argc - 1)
		usage();

	if (unshare(CLONE_NEWPID)) {
		perror("pidns_init: unshare(CLONE_NEWPID)");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("pidns_init: fork");
		return 1;
	}
	if (child == 0)
		init_main(argv[optind], logfile);

	/* Outside: the container's init is our child; its status is ours. */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR) {
			perror("pidns_init: waitpid");
			return 1;
		}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
