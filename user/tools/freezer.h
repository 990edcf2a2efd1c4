/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freezing a process tree with the cgroup v2 freezer, for checkpoint:
 * move the tree into a transient cgroup, freeze it, and afterwards thaw
 * (or kill) it and move every survivor back where it was.
 */
#ifndef KCR_FREEZER_H
#define KCR_FREEZER_H

#include <stddef.h>
#include <sys/types.h>

struct fz_proc {
	pid_t pid;
	char *orig;		/* original cgroup, relative to the mount */
};

struct freezer {
	char mnt[256];		/* cgroup2 mount point */
	char dir[512];		/* transient cgroup directory */
	int created;		/* dir exists */
	int frozen;		/* cgroup.freeze was set to 1 */
	struct fz_proc *procs;
	size_t nr, cap;
	char err[512];		/* what went wrong, for the caller */
};

/* Cancelled by a signal when *stop becomes nonzero. */
extern volatile int *fz_stop;

/* Find the cgroup2 mount and create the transient cgroup. */
int fz_setup(struct freezer *fz, pid_t root);
/* Move the whole tree of root into the cgroup and freeze it. */
int fz_freeze_tree(struct freezer *fz, pid_t root, int timeout_ms);
/* SIGKILL every process of the cgroup, thaw, wait until it is empty. */
int fz_kill(struct freezer *fz, int timeout_ms);
/* Thaw (if frozen), move survivors back, remove the cgroup.  Idempotent. */
int fz_release(struct freezer *fz);
void fz_free(struct freezer *fz);

#endif /* KCR_FREEZER_H */
