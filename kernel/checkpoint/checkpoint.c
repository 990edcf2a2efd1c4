// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: checkpoint of a frozen process tree.
 *
 * The caller must have ptrace-attach rights over every task, and every
 * task must be frozen by the cgroup v2 freezer (a task checkpointing
 * itself is the exception).  Nothing here modifies a checkpointed task, so
 * a failed checkpoint leaves the tree as it was.
 *
 * The image is: HEADER, TREE, the records of each task in TREE order
 * (ckpt_state_ops below), TAIL.
 *
 * The tree is held for the whole checkpoint: while a task's records are
 * written its kernel stack is pinned; the ptrace rights are checked under
 * its exec_update_lock (read), as in mm_access(), and stay valid because
 * the task does not run (it can not exec or change its credentials):
 * after every task, and once more before the TAIL, every task of the tree
 * must still be frozen, not have run, be alive and not ptraced, or the
 * checkpoint fails with EBUSY naming it (the image then has no TAIL: it
 * never restarts).
 *
 * Locking: siglock to test the frozen state; exec_update_lock (read) of
 * one task only around the rights check, taken killably, never while
 * holding another or writing; everything else is taken by the per-kind
 * functions.
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/jobctl.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/utsname.h>
#include <linux/timekeeping.h>
#include <linux/mm.h>
#include <linux/hrtimer.h>
#include <linux/posix-timers.h>
#include <linux/seccomp.h>

static atomic64_t ckpt_next_id = ATOMIC64_INIT(0);

/*
 * The per-task state, one entry per kind, in image order, for both
 * directions (see struct ckpt_state_ops).  Adding a kind of state means
 * one new file and one row here.
 */
const struct ckpt_state_ops ckpt_state_ops[] = {
	{
		.name = "task",
		.checkpoint = checkpoint_task_struct,
		.restore = restore_task_struct,
		.finish = restore_task_struct_finish,
		.release = restore_task_struct_release,
	}, {
		.name = "files",
		.checkpoint = checkpoint_files,
		.restore = restore_files_open,
		.finish = restore_files_install,
		.release = restore_files_cleanup,
		.as_restored_task = true,
	}, {
		.name = "ipc",
		.checkpoint = checkpoint_ipc,
		.restore = restore_ipc,
		.finish = restore_ipc_finish,
		.resume_shared = restore_ipc_resume,
		.release = restore_ipc_release,
	}, {
		.name = "memory",
		.checkpoint = checkpoint_mm,
		.restore = restore_mm,
		.no_return = true,
		.as_restored_task = true,
	}, {
		.name = "signals",
		.checkpoint = checkpoint_signals,
		.restore = restore_signals_read,
		.resume_shared = restore_signals_actions,
		.resume = restore_signals_apply,
		.release = restore_signals_cleanup,
	}, {
		.name = "timers",
		.checkpoint = checkpoint_timers,
		.restore = restore_timers,
		.resume = restore_timers_resume,
		.release = restore_timers_release,
	}, {
		/* no records: the FILES carry the ptys, this sets the ctty */
		.name = "tty",
		.resume_shared = restore_tty_ctty,
	}, {
		.name = "cpu",
		.checkpoint = checkpoint_cpu,
		.restore = restore_cpu,
	},
};

const unsigned int ckpt_nr_state_ops = ARRAY_SIZE(ckpt_state_ops);

static bool task_is_cgroup_frozen(struct task_struct *t)
{
	unsigned long flags;
	bool frozen = false;

	if (lock_task_sighand(t, &flags)) {
		frozen = (t->jobctl & JOBCTL_TRAP_FREEZE) && t->frozen;
		unlock_task_sighand(t, &flags);
	}
	return frozen;
}

/*
 * State that later stages of kcr will save.  Until then a task holding it is
 * refused: an image that silently drops it would not restart faithfully.
 */
static int checkpoint_check_unsupported(struct ckpt_ctx *ctx,
					struct task_struct *t, pid_t pid)
{
	const char *what = NULL;

#ifdef CONFIG_SECCOMP
	if (t->seccomp.mode != SECCOMP_MODE_DISABLED)
		what = "a seccomp filter";
#endif
	if (what)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has %s, which is not supported yet",
				pid, what);
	return 0;
}

/* Rights over one task, checked for the whole tree before anything else. */
static int checkpoint_check_rights(struct ckpt_ctx *ctx, struct task_struct *t,
				   pid_t pid, bool zombie)
{
	if (t->flags & PF_KTHREAD)
		return ckpt_err(ctx, -EPERM, "pid %d is a kernel thread", pid);
	if (!zombie && !ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
		return ckpt_err(ctx, -EPERM,
				"no permission to checkpoint pid %d (ptrace attach denied)",
				pid);
	return 0;
}

/* State of one task; nothing is changed. */
static int checkpoint_check_task(struct ckpt_ctx *ctx, int index)
{
	struct task_struct *t = ctx->tasks[index];
	pid_t pid = ctx->pids[index].pid;
	bool zombie = ctx->pids[index].flags & CKPT_TASK_ZOMBIE;

	if (zombie)	/* nothing left to read but what the TREE holds */
		return t->exit_state == EXIT_ZOMBIE ? 0 :
		       ckpt_err(ctx, -EBUSY, "zombie %d was reaped", pid);
	if (t->exit_state || (t->flags & PF_EXITING))
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting", pid);
	if (t->ptrace)
		return ckpt_err(ctx, -EBUSY, "pid %d is being ptraced", pid);
	if (!t->mm)
		return ckpt_err(ctx, -EBUSY, "pid %d has no address space", pid);
	if (t != current) {
		if (!task_is_cgroup_frozen(t))
			return ckpt_err(ctx, -EBUSY,
					"pid %d is not frozen (freeze it with the cgroup v2 freezer first)",
					pid);
		/*
		 * Its registers and FPU state are in memory once it is off
		 * the CPU; the switch count tells later whether it ran since.
		 */
		ctx->task_ncsw[index] = wait_task_inactive(t, TASK_INTERRUPTIBLE);
		if (!ctx->task_ncsw[index])
			return ckpt_err(ctx, -EBUSY,
					"pid %d did not stay frozen", pid);
	}
	if (checkpoint_check_unsupported(ctx, t, pid))
		return ctx->error;
	return checkpoint_arch_can_save(ctx, t);
}

static int checkpoint_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header hdr = {
		.magic = CKPT_MAGIC,
		.version = CKPT_VERSION,
		.arch = CKPT_ARCH_X86_64,
		.page_size = PAGE_SIZE,
		.flags = ctx->flags & CKPT_CHECKPOINT_FLAGS,
		.time_ns = ktime_get_real_ns(),
		.ckpt_id = ctx->ckpt_id,
	};

	down_read(&uts_sem);
	strscpy(hdr.release, utsname()->release, sizeof(hdr.release));
	strscpy(hdr.machine, utsname()->machine, sizeof(hdr.machine));
	up_read(&uts_sem);
	return ckpt_write_record(ctx, CKPT_HDR_HEADER, &hdr, sizeof(hdr));
}

static int checkpoint_write_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail tail = {
		.nr_records = ctx->nr_records,
		.crc32 = ~ctx->crc,
		.magic = CKPT_MAGIC,
	};
	int ret;

	ret = ckpt_write_record(ctx, CKPT_HDR_TAIL, &tail, sizeof(tail));
	return ret ? ret : ckpt_flush(ctx);
}

/* Still as it was when the checkpoint started? */
static int checkpoint_recheck_task(struct ckpt_ctx *ctx, int index)
{
	struct task_struct *t = ctx->tasks[index];
	pid_t pid = ctx->pids[index].pid;

	if (ctx->pids[index].flags & CKPT_TASK_ZOMBIE)
		return t->exit_state == EXIT_ZOMBIE ? 0 :
		       ckpt_err(ctx, -EBUSY, "zombie %d was reaped during the checkpoint",
				pid);
	if (t->exit_state || (t->flags & PF_EXITING))
		return ckpt_err(ctx, -EBUSY, "pid %d died during the checkpoint",
				pid);
	if (t->ptrace)
		return ckpt_err(ctx, -EBUSY,
				"pid %d was ptraced during the checkpoint", pid);
	if (t != current && (!task_is_cgroup_frozen(t) ||
			     wait_task_inactive(t, TASK_INTERRUPTIBLE) !=
			     ctx->task_ncsw[index]))
		return ckpt_err(ctx, -EBUSY,
				"pid %d was thawed (it ran) during the checkpoint", pid);
	return 0;
}

static int checkpoint_one_task(struct ckpt_ctx *ctx, int index)
{
	struct task_struct *t = ctx->tasks[index];
	pid_t pid = ctx->pids[index].pid;
	bool allowed;
	int i, ret;

	if (ctx->pids[index].flags & CKPT_TASK_ZOMBIE)
		return checkpoint_recheck_task(ctx, index);

	/* its registers live on its kernel stack: keep it */
	if (!try_get_task_stack(t))
		return ckpt_err(ctx, -EBUSY, "pid %d died during the checkpoint",
				pid);
	/*
	 * The rights are checked under exec_update_lock, as mm_access() does;
	 * it is not held while the records are written (the image and the
	 * log may be pipes: no I/O under it).  A task that does not run can
	 * not exec or change its credentials, and the recheck after its
	 * records proves it did not run.
	 */
	ret = down_read_killable(&t->signal->exec_update_lock);
	if (ret) {
		ret = ckpt_err(ctx, -EINTR, "interrupted");
		goto out_stack;
	}
	allowed = ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS);
	up_read(&t->signal->exec_update_lock);
	ret = checkpoint_recheck_task(ctx, index);
	if (!ret && !allowed)
		ret = ckpt_err(ctx, -EPERM,
			       "no permission to checkpoint pid %d (ptrace attach denied)",
			       pid);
	for (i = 0; !ret && i < ckpt_nr_state_ops; i++) {
		if (fatal_signal_pending(current)) {
			ret = ckpt_err(ctx, -EINTR, "interrupted");
			break;
		}
		if (!ckpt_state_ops[i].checkpoint)
			continue;
		ret = ckpt_state_ops[i].checkpoint(ctx, t, index);
		if (ret && !ctx->error)
			ckpt_err(ctx, ret, "pid %d: saving %s failed", pid,
				 ckpt_state_ops[i].name);
		/* it failed because it died, was thawed...: say so */
		if (ret && checkpoint_recheck_task(ctx, index)) {
			spin_lock(&ctx->lock);
			ctx->error = -EBUSY;
			spin_unlock(&ctx->lock);
			ret = -EBUSY;
		}
	}
	if (!ret)
		ret = checkpoint_recheck_task(ctx, index);
out_stack:
	put_task_stack(t);
	return ret;
}

int do_checkpoint(struct ckpt_ctx *ctx, pid_t pid)
{
	struct task_struct *root;
	int i, ret;

	rcu_read_lock();
	root = pid ? find_task_by_vpid(pid) : current;
	if (root)
		get_task_struct(root);
	rcu_read_unlock();
	if (!root)
		return ckpt_err(ctx, -ESRCH, "no process with pid %d", pid);
	if (!thread_group_leader(root)) {
		ret = ckpt_err(ctx, -EINVAL, "pid %d is not a process (thread group leader)",
			       pid);
		goto out;
	}

	/* rights first: nothing about another user's tree is looked at */
	if (!ptrace_may_access(root, PTRACE_MODE_ATTACH_REALCREDS)) {
		ret = ckpt_err(ctx, -EPERM,
			       "no permission to checkpoint pid %d (ptrace attach denied)",
			       pid);
		goto out;
	}
	ctx->ckpt_id = atomic64_inc_return(&ckpt_next_id);
	rcu_read_lock();
	ctx->pid_ns = task_active_pid_ns(root);
	if (ctx->pid_ns)
		get_pid_ns(ctx->pid_ns);
	rcu_read_unlock();
	if (!ctx->pid_ns) {
		ret = ckpt_err(ctx, -ESRCH, "pid %d was reaped", pid);
		goto out;
	}
	ret = checkpoint_collect_tree(ctx, root);
	if (ret)
		goto out;
	if (ctx->flags & CKPT_CHECKPOINT_CONTAINER) {
		ret = checkpoint_check_container(ctx, root);
		if (ret)
			goto out;
	}
	if (!pid && ctx->nr_tasks > 1) {
		ret = ckpt_err(ctx, -EINVAL,
			       "a task can only checkpoint itself when it is alone");
		goto out;
	}
	for (i = 0; i < ctx->nr_tasks; i++) {
		ret = checkpoint_check_rights(ctx, ctx->tasks[i],
					      ctx->pids[i].pid,
					      ctx->pids[i].flags & CKPT_TASK_ZOMBIE);
		if (ret)
			goto out;
	}
	/*
	 * What the tree shares with tasks outside it, before the frozen
	 * state: a task sharing its mm with an outsider may sit in vfork()
	 * and is then reported for what it shares.
	 */
	ret = checkpoint_tree_leaks(ctx);
	if (ret)
		goto out;
	for (i = 0; i < ctx->nr_tasks; i++) {
		ret = checkpoint_check_task(ctx, i);
		if (ret)
			goto out;
	}
	ret = checkpoint_files_leaks(ctx);
	if (!ret)
		ret = checkpoint_ipc_prepare(ctx);
	if (ret)
		goto out;
	ckpt_log(ctx, "checkpoint %llu: %d task(s), root pid %d",
		 ctx->ckpt_id, ctx->nr_tasks, ctx->pids[0].pid);

	ret = checkpoint_write_header(ctx);
	if (!ret)
		ret = checkpoint_write_tree(ctx);
	for (i = 0; !ret && i < ctx->nr_tasks; i++)
		ret = checkpoint_one_task(ctx, i);
	if (!ret)
		ret = checkpoint_files_check_pipes(ctx);
	if (!ret)
		ret = checkpoint_unix_check(ctx);
	if (!ret)
		ret = checkpoint_tty_check(ctx);
	/* the whole tree, once more: a task saved early may have died since */
	for (i = 0; !ret && i < ctx->nr_tasks; i++)
		ret = checkpoint_recheck_task(ctx, i);
	if (!ret)
		ret = checkpoint_tree_unchanged(ctx);
	if (!ret)
		ret = checkpoint_write_tail(ctx);
	if (!ret)
		ckpt_log(ctx, "checkpoint %llu done: %llu records, %lld bytes",
			 ctx->ckpt_id, ctx->nr_records, ctx->pos);
out:
	checkpoint_files_release(ctx);
	put_task_struct(root);
	return ret;
}
