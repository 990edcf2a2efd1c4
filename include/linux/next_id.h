/* SPDX-License-Identifier: GPL-2.0 */
/*
 * next_id: the id(s) the next object a task creates gets.
 *
 * A thread writes /proc/self/task/<tid>/next_id ("LONG XX" or
 * "LONG<n> X0 ... X<n-1>"); the next SysV IPC object it creates
 * (ipc_addid) or the next task it creates (alloc_pid, pids innermost
 * namespace first as clone3 set_tid) consumes it, whether the creation
 * succeeds or not.  Restart sets it the same way (next_id_set()) before it
 * recreates an IPC object.  Only the task itself sets and consumes it
 * (under task_lock(), since /proc readers look at it).
 */
#ifndef _LINUX_NEXT_ID_H
#define _LINUX_NEXT_ID_H

#include <linux/pid_namespace.h>
#include <linux/types.h>

#define NEXT_ID_MAX	MAX_PID_NS_LEVEL

struct task_struct;
struct seq_file;

struct task_next_id {
	unsigned int nr;		/* 1 .. NEXT_ID_MAX */
	int ids[NEXT_ID_MAX];
};

#ifdef CONFIG_CHECKPOINT
int next_id_set(const int *ids, unsigned int nr);
int next_id_take(int *ids, unsigned int max);
void next_id_free(struct task_struct *t);
int next_id_show(struct seq_file *m, struct task_struct *t);
int next_id_write(char *buf);
#else
static inline int next_id_take(int *ids, unsigned int max)
{
	return 0;
}

static inline void next_id_free(struct task_struct *t)
{
}
#endif

#endif /* _LINUX_NEXT_ID_H */
