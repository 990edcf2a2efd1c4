// SPDX-License-Identifier: GPL-2.0
/*
 * mktree: build the process tree of an image, each task then entering
 * restart().  See mktree.h for the protocol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>
#include "mktree.h"

const char *mktree_unsupported(const struct ckpt_task_pids *tasks, uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++) {
		if (tasks[i].flags & CKPT_TASK_THREAD)
			return "threads are not supported yet";
		if (tasks[i].flags & CKPT_TASK_ZOMBIE)
			return "zombies are not supported yet";
	}
	return NULL;
}

int mktree_init(struct mktree *mt, const struct ckpt_task_pids *tasks,
		uint32_t nr)
{
	void *p;

	memset(mt, 0, sizeof(*mt));
	mt->tasks = tasks;
	mt->nr = nr;
	mt->image_fd = mt->log_fd = mt->status_fd = mt->ready_fd = -1;
	p = mmap(NULL, nr * sizeof(pid_t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	mt->actual = p;
	return 0;
}

void mktree_free(struct mktree *mt)
{
	if (mt->actual)
		munmap(mt->actual, mt->nr * sizeof(pid_t));
	mt->actual = NULL;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void close_from_to(unsigned int from, unsigned int to)
{
	unsigned int fd, max;

	if (from > to || !close_range(from, to, 0))
		return;
	max = to > 65535 ? 65535 : to;	/* no close_range: close one by one */
	for (fd = from; fd <= max; fd++)
		close((int)fd);
}

void close_all_but(const int *keep, int n)
{
	int k[16], i, m = 0;
	unsigned int from = 3;

	for (i = 0; i < n && m < 16; i++)
		if (keep[i] >= 3)
			k[m++] = keep[i];
	qsort(k, (size_t)m, sizeof(k[0]), cmp_int);
	for (i = 0; i < m; i++) {
		if ((unsigned int)k[i] < from)
			continue;	/* duplicate */
		if ((unsigned int)k[i] > from)
			close_from_to(from, (unsigned int)k[i] - 1);
		from = (unsigned int)k[i] + 1;
	}
	close_from_to(from, ~0U);
}

static void report(const struct mktree *mt, int stage, uint32_t idx, int err)
{
	struct mktree_status st = {
		.stage = stage,
		.index = (int32_t)idx,
		.pid = mt->tasks[idx].pid,
		.err = err,
	};
	ssize_t n;

	do {
		n = write(mt->status_fd, &st, sizeof(st));
	} while (n < 0 && errno == EINTR);
}

/* Put the new task into its session/process group (best effort). */
static void set_ids(const struct mktree *mt, uint32_t idx)
{
	const struct ckpt_task_pids *t = &mt->tasks[idx];
	uint32_t k;

	if (t->sid == t->pid || (t->flags & CKPT_TASK_SESSION_LEADER)) {
		setsid();
		return;
	}
	if (idx == 0)
		return;		/* the root stays in the tool's group */
	if (t->pgid == t->pid) {
		setpgid(0, 0);
		return;
	}
	for (k = 0; k < idx; k++)
		if (mt->tasks[k].pid == t->pgid && mt->actual[k]) {
			setpgid(0, mt->actual[k]);
			return;
		}
}

static pid_t spawn(struct mktree *mt, uint32_t idx);

static void __attribute__((noreturn)) task_main(struct mktree *mt, uint32_t idx)
{
	int keep[4], nkeep = 0, sig;
	sigset_t all;
	uint32_t j;
	char one = 1;
	long ret;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	mt->actual[idx] = getpid();
	set_ids(mt, idx);

	/* Children of this task, in TREE order. */
	for (j = idx + 1; j < mt->nr; j++) {
		if (mt->tasks[j].ppid != mt->tasks[idx].pid)
			continue;
		if (spawn(mt, j) < 0) {
			report(mt, MKTREE_STAGE_CREATE, j, errno);
			_exit(127);
		}
	}
	if (write(mt->ready_fd, &one, 1) != 1) {
		report(mt, MKTREE_STAGE_CREATE, idx, errno);
		_exit(127);
	}

	keep[nkeep++] = mt->status_fd;
	if (idx == 0) {
		keep[nkeep++] = mt->image_fd;
		keep[nkeep++] = mt->log_fd;
	}
	close_all_but(keep, nkeep);

	if (idx == 0)
		ret = kcr_restart(0, mt->image_fd, mt->flags, mt->log_fd);
	else
		ret = kcr_restart(mt->actual[0], -1, mt->flags, -1);
	/* Only on failure before the point of no return. */
	report(mt, MKTREE_STAGE_RESTART, idx, ret < 0 ? errno : EPROTO);
	_exit(127);
}

static pid_t spawn(struct mktree *mt, uint32_t idx)
{
	pid_t want = mt->tasks[idx].pid, pid;
	struct clone_args args;

	if (mt->no_pids) {
		pid = fork();
	} else {
		memset(&args, 0, sizeof(args));
		args.exit_signal = SIGCHLD;
		args.set_tid = (uint64_t)(uintptr_t)&want;
		args.set_tid_size = 1;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid == 0)
		task_main(mt, idx);
	if (pid > 0)
		mt->actual[idx] = pid;
	return pid;
}

pid_t mktree_spawn_root(struct mktree *mt)
{
	return spawn(mt, 0);
}

void mktree_create_error(char *buf, size_t size, pid_t pid, int err, int no_pids)
{
	switch (err) {
	case EEXIST:
		snprintf(buf, size, "pid %d is in use (use --no-pids)", (int)pid);
		break;
	case EPERM:
		snprintf(buf, size, "restoring pids needs CAP_CHECKPOINT_RESTORE (use --no-pids)");
		break;
	case EINVAL:
		snprintf(buf, size, "cannot create pid %d: %s%s", (int)pid,
			 strerror(err), no_pids ? "" :
			 " (above pid_max? use --no-pids)");
		break;
	case ENOSYS:
		snprintf(buf, size, "cannot create pid %d: clone3 is not available%s",
			 (int)pid, no_pids ? "" : " (use --no-pids)");
		break;
	default:
		snprintf(buf, size, "cannot create the task for pid %d: %s",
			 (int)pid, strerror(err));
		break;
	}
}

void mktree_kill_all(const struct mktree *mt)
{
	uint32_t i;

	for (i = 0; i < mt->nr; i++)
		if (mt->actual && mt->actual[i] > 0)
			kill(mt->actual[i], SIGKILL);
}
