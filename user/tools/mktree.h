/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mktree: create the tasks of the TREE for restart.
 *
 * The root is a child of the restart tool; every other process is created
 * by its parent in the tree, in TREE order, with its saved pid (clone3
 * set_tid) unless no_pids.  Each created task writes one byte to the
 * ready pipe once its own children exist, keeps only what restart needs
 * (stdio, the status pipe; the root also the image and log fds), and
 * calls restart():
 *   root:   restart(0, image_fd, flags, log_fd)
 *   others: restart(<root's pid as seen by the caller>, -1, flags, -1)
 * If restart() or creating a child fails, the task writes a struct
 * mktree_status to the status pipe (its write end is CLOEXEC; on success
 * the kernel replaces the task's fds, closing it) and exits with 127.
 */
#ifndef KCR_MKTREE_H
#define KCR_MKTREE_H

#include <stdint.h>
#include <sys/types.h>
#include "kcr.h"

enum mktree_stage {
	MKTREE_STAGE_CREATE = 1,	/* creating task index failed */
	MKTREE_STAGE_RESTART = 2,	/* restart() returned in task index */
};

/* Written atomically (< PIPE_BUF) to the status pipe. */
struct mktree_status {
	int32_t stage;
	int32_t index;		/* TREE entry concerned */
	int32_t pid;		/* its saved pid */
	int32_t err;		/* errno */
};

struct mktree {
	const struct ckpt_task_pids *tasks;
	uint32_t nr;
	int no_pids;
	unsigned long flags;	/* restart() flags */
	int image_fd;		/* root: read end of the image pipe */
	int log_fd;		/* root: write end of the log pipe */
	int status_fd;		/* write end of the status pipe */
	int ready_fd;		/* write end of the ready pipe */
	pid_t *actual;		/* shared: actual pid of each entry, 0 if none */
};

/* Which trees mktree can build; NULL if supported, else why not. */
const char *mktree_unsupported(const struct ckpt_task_pids *tasks, uint32_t nr);
int mktree_init(struct mktree *mt, const struct ckpt_task_pids *tasks,
		uint32_t nr);
void mktree_free(struct mktree *mt);
/* Create the root (and through it the whole tree); pid or -1 with errno. */
pid_t mktree_spawn_root(struct mktree *mt);
/* Explain a failure to create the task with saved pid `pid`. */
void mktree_create_error(char *buf, size_t size, pid_t pid, int err, int no_pids);
/* SIGKILL every task created so far. */
void mktree_kill_all(const struct mktree *mt);

/* Close every fd except those in keep[] (and none of 0..2 unless listed). */
void close_all_but(const int *keep, int n);

#endif /* KCR_MKTREE_H */
