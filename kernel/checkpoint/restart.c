// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: restart of a process tree.
 *
 * User space creates every task of the tree first; each one enters
 * restart().  The root (pid argument 0) allocates the context, reads and
 * checks the HEADER and the TREE, publishes the context and waits until
 * every other task has entered.  The others find the context by the root's
 * pid and wait for their turn.  Tasks restore themselves one at a time, in
 * TREE order: ctx->active is the index of the task that may read the
 * image; when it is done it advances ctx->active and wakes the next one.
 * The last one reads and checks the TAIL and marks the restart done; only
 * then do the tasks apply their signal state and return to user space, so
 * no task runs user code restored from an image that turns out to be bad.
 *
 * Errors: before a task has touched its state, restart() returns the errno
 * to the caller's code; once it has (the point of no return, as in exec)
 * the task kills itself.  Any error aborts the whole restart: every task
 * that is waiting wakes up and fails too.  The log gets the reason and a
 * final "restart failed: errno=N" line.
 *
 * Waits are killable: a fatal signal (ctrl-c with the default action)
 * aborts the restart.
 *
 * Each task checks, at its turn, that it is the task the TREE entry
 * describes (pids.c: restore_check_task): user space may build the tree
 * wrongly, never make a task restore another's state.  A zombie of the
 * image restores nothing: after its turn it exits with its saved status.
 * Threads restore their own registers and per-thread state; the first task
 * of every shared object (address space, fd table, fs_struct, signal
 * handlers) restores it, the others adopt it.
 *
 * Locking: ckpt_restarts_lock protects the list of restarts in progress
 * and the ring of completed roots; ctx->lock protects nr_entered, active,
 * done, aborted, nr_resumed and task_pids.
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/cred.h>

static LIST_HEAD(ckpt_restarts);
static DEFINE_SPINLOCK(ckpt_restarts_lock);
static DECLARE_WAIT_QUEUE_HEAD(ckpt_restarts_wq);

/* Once every task is restored (done) it is too late: nothing to abort. */
static void restart_abort(struct ckpt_ctx *ctx, int err)
{
	spin_lock(&ctx->lock);
	if (!ctx->done) {
		if (!ctx->error)
			ctx->error = err;
		ctx->aborted = true;
	}
	spin_unlock(&ctx->lock);
	wake_up_all(&ctx->waitq);
}

static int restore_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header hdr;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_HEADER, &hdr, sizeof(hdr),
			       sizeof(hdr));
	if (ret < 0)
		return ret;
	if (hdr.magic != CKPT_MAGIC)
		return ckpt_err(ctx, -EINVAL, "not a kcr image (bad magic)");
	if (hdr.version != CKPT_VERSION)
		return ckpt_err(ctx, -EINVAL,
				"image format version %u, this kernel reads %u",
				hdr.version, CKPT_VERSION);
	if (hdr.arch != CKPT_ARCH_X86_64)
		return ckpt_err(ctx, -EINVAL, "image is for architecture %u",
				hdr.arch);
	if (hdr.page_size != PAGE_SIZE)
		return ckpt_err(ctx, -EINVAL, "image page size %u, ours %lu",
				hdr.page_size, PAGE_SIZE);
	if (hdr.flags & ~CKPT_CHECKPOINT_FLAGS)
		return ckpt_err(ctx, -EINVAL, "unknown image flags %#x",
				hdr.flags);
	hdr.release[sizeof(hdr.release) - 1] = '\0';
	ctx->ckpt_id = hdr.ckpt_id;
	ckpt_log(ctx, "restart of checkpoint %llu taken on %s", hdr.ckpt_id,
		 hdr.release);
	return 0;
}

static int restore_read_tail(struct ckpt_ctx *ctx)
{
	u64 nr_records = ctx->nr_records;
	u32 crc = ~ctx->crc;	/* every byte before the TAIL */
	struct ckpt_hdr_tail tail;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_TAIL, &tail, sizeof(tail),
			       sizeof(tail));
	if (ret < 0)
		return ret;
	if (tail.magic != CKPT_MAGIC)
		return ckpt_err(ctx, -EINVAL, "TAIL: bad magic");
	if (tail.nr_records != nr_records)
		return ckpt_err(ctx, -EINVAL, "TAIL: %llu records announced, %llu read",
				tail.nr_records, nr_records);
	if (tail.crc32 != crc)
		return ckpt_err(ctx, -EINVAL,
				"TAIL: checksum mismatch (image %#x, computed %#x): the image is corrupt",
				tail.crc32, crc);
	return 0;
}

/* Every kind's release hook, for whatever restore kept in rt. */
static void restart_release(struct ckpt_rst_task *rt)
{
	int i;

	for (i = ckpt_nr_state_ops - 1; i >= 0; i--)
		if (ckpt_state_ops[i].release)
			ckpt_state_ops[i].release(rt);
}

/*
 * Restore the calling task from its records, kind by kind (the table in
 * checkpoint.c).  *no_return is set once the task's own state is being
 * replaced: after that an error must kill it.
 */
static int restore_one_task(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt,
			    bool *no_return)
{
	const struct ckpt_state_ops *ops;
	int i, ret;

	ret = restore_check_task(ctx, rt->index);
	if (ret)
		return ret;
	if (rt->index && !(rt->entry->flags & CKPT_TASK_THREAD)) {
		/*
		 * What the parent gets at our exit, as mktree should have set.
		 * Not for the root: its parent is outside the tree, and the
		 * image does not choose what it is sent (clone3 gave SIGCHLD).
		 */
		write_lock_irq(&tasklist_lock);
		current->exit_signal = rt->entry->exit_signal;
		write_unlock_irq(&tasklist_lock);
	}
	if (rt->entry->flags & CKPT_TASK_ZOMBIE)
		return 0;
	for (i = 0; i < ckpt_nr_state_ops; i++) {
		ops = &ckpt_state_ops[i];
		if (!ops->restore)
			continue;
		if (ops->no_return)
			*no_return = true;
		if (ops->as_restored_task) {
			const struct cred *old;

			/* prepared by the "task" kind, which comes first */
			if (WARN_ON_ONCE(!rt->new_creds))
				return -EINVAL;
			old = override_creds(rt->new_creds);
			ret = ops->restore(ctx, rt);
			revert_creds(old);
		} else {
			ret = ops->restore(ctx, rt);
		}
		if (ret) {
			if (!ctx->error)
				ckpt_err(ctx, ret, "restoring %s failed",
					 ops->name);
			return ret;
		}
	}
	/*
	 * In reverse: the fds are installed while the caller's limits and
	 * creds still apply, the image's rlimits and creds come last.
	 */
	for (i = ckpt_nr_state_ops - 1; i >= 0; i--) {
		ops = &ckpt_state_ops[i];
		ret = ops->finish ? ops->finish(ctx, rt) : 0;
		if (ret)
			return ret;
	}
	return 0;
}

/* Wait (killably) for cond; false if the restart was aborted meanwhile. */
#define restart_wait(ctx, cond)						\
({									\
	struct ckpt_ctx *__ctx = (ctx);					\
	int __ret = wait_event_killable(__ctx->waitq,			\
					(cond) || READ_ONCE(__ctx->aborted)); \
	if (__ret)							\
		restart_abort(__ctx, -EINTR);				\
	!__ret && !READ_ONCE(__ctx->aborted);				\
})

/*
 * Our turn came: restore, hand over, wait for the end, return to user.
 * A zombie returns 1 in *zombie instead: once the context is put, it
 * exits with its saved status.
 */
static long restart_task(struct ckpt_ctx *ctx, int index, bool *zombie)
{
	struct ckpt_rst_task rt = {
		.index = index,
		.entry = &ctx->pids[index],
		.first = ctx->task_first[index],
	};
	bool no_return = false;
	int i, ret;

	if (!restart_wait(ctx, READ_ONCE(ctx->active) == index))
		goto fail;

	ret = restore_one_task(ctx, &rt, &no_return);
	if (!ret && index == ctx->nr_tasks - 1)
		ret = restore_read_tail(ctx);
	if (ret) {
		if (!ctx->error)
			ckpt_err(ctx, ret, "task %d (pid %d) failed", index,
				 rt.entry->pid);
		else
			ckpt_log(ctx, "task %d (pid %d) failed", index,
				 rt.entry->pid);
		restart_abort(ctx, ret);
		goto fail;
	}

	spin_lock(&ctx->lock);
	if (ctx->aborted) {	/* another task failed meanwhile */
		spin_unlock(&ctx->lock);
		goto fail;
	}
	ctx->active = index + 1;
	if (ctx->active == ctx->nr_tasks)
		ctx->done = true;
	spin_unlock(&ctx->lock);
	if (index == ctx->nr_tasks - 1) {
		/*
		 * Every object is in place: drop the table's references now,
		 * so that restored code never sees an mm, fd table or fs
		 * with one user too many (exec's LSM_UNSAFE_SHARE).
		 */
		ckpt_obj_release_all(ctx);
		ckpt_log(ctx, "restart done: %d task(s)", ctx->nr_tasks);
	}
	wake_up_all(&ctx->waitq);
	if (rt.entry->flags & CKPT_TASK_ZOMBIE) {
		*zombie = true;
		return 0;
	}

	if (!restart_wait(ctx, READ_ONCE(ctx->done)))
		goto fail;

	/*
	 * After the last wait, so that ctrl-c could still end the restart.
	 * Two rounds: what tasks share (signal actions) is set by its owner
	 * before any task sets its own state against it (queued signals).
	 */
	ret = 0;
	for (i = 0; !ret && i < ckpt_nr_state_ops; i++)
		if (ckpt_state_ops[i].resume_shared)
			ret = ckpt_state_ops[i].resume_shared(ctx, &rt);
	spin_lock(&ctx->lock);
	ctx->nr_shared++;
	spin_unlock(&ctx->lock);
	wake_up_all(&ctx->waitq);
	if (!ret && wait_event_killable(ctx->waitq, READ_ONCE(ctx->nr_shared) ==
					ctx->nr_live))
		ret = -EINTR;
	for (i = 0; !ret && i < ckpt_nr_state_ops; i++)
		if (ckpt_state_ops[i].resume)
			ret = ckpt_state_ops[i].resume(ctx, &rt);
	restart_release(&rt);
	/*
	 * Nobody runs restored code before every task has its state; a task
	 * that failed counts too, so that the others never wait for it.
	 */
	spin_lock(&ctx->lock);
	ctx->nr_resumed++;
	spin_unlock(&ctx->lock);
	wake_up_all(&ctx->waitq);
	if (ret) {
		/* too late to stop the others: only this task dies */
		force_sig(SIGKILL);
		return ret;
	}
	if (wait_event_killable(ctx->waitq, READ_ONCE(ctx->nr_resumed) ==
				ctx->nr_live))
		force_sig(SIGKILL);
	return current_pt_regs()->ax;

fail:
	restart_release(&rt);
	spin_lock(&ctx->lock);
	if (ctx->done) {	/* the others must not wait for us */
		ctx->nr_shared++;
		ctx->nr_resumed++;
	}
	spin_unlock(&ctx->lock);
	wake_up_all(&ctx->waitq);
	if (no_return || READ_ONCE(ctx->done))
		force_sig(SIGKILL);
	return ctx->error ? ctx->error : -EINTR;
}

/* A zombie of the image: it dies with the status it had, for its parent. */
static void __noreturn restart_zombie_exit(int code)
{
	do_exit(code);
}

static struct ckpt_ctx *restart_find_ctx(struct pid *root)
{
	struct ckpt_ctx *ctx;

	list_for_each_entry(ctx, &ckpt_restarts, list) {
		if (ctx->root_pid == root) {
			ckpt_ctx_get(ctx);
			return ctx;
		}
	}
	return NULL;
}

/*
 * The roots of the last restarts that are over (completed or failed): a
 * task joining one of them is late and fails at once instead of waiting
 * for a context that will never come.
 */
#define CKPT_DONE_ROOTS		64
static struct pid *ckpt_done_roots[CKPT_DONE_ROOTS];
static unsigned int ckpt_done_next;

static bool restart_root_done(struct pid *root)
{
	int i;

	for (i = 0; i < CKPT_DONE_ROOTS; i++)
		if (ckpt_done_roots[i] == root)
			return true;
	return false;
}

/* A root starting a new restart is not over any more. */
static void restart_unmark_done(struct pid *root)
{
	struct pid *old = NULL;
	int i;

	spin_lock(&ckpt_restarts_lock);
	for (i = 0; i < CKPT_DONE_ROOTS; i++) {
		if (ckpt_done_roots[i] == root) {
			old = ckpt_done_roots[i];
			ckpt_done_roots[i] = NULL;
			break;
		}
	}
	spin_unlock(&ckpt_restarts_lock);
	put_pid(old);
}

static void restart_mark_done(struct pid *root)
{
	struct pid *old;

	spin_lock(&ckpt_restarts_lock);
	old = ckpt_done_roots[ckpt_done_next];
	ckpt_done_roots[ckpt_done_next] = get_pid(root);
	ckpt_done_next = (ckpt_done_next + 1) % CKPT_DONE_ROOTS;
	spin_unlock(&ckpt_restarts_lock);
	put_pid(old);
}

/*
 * The restart @root leads, or with no @root the one led by current's
 * thread group leader or its nearest ancestor that leads one (a task in a pid namespace below the
 * root's can not name the root).  True when found (*ctxp, referenced) or
 * known to be over (*err = -ESRCH).
 */
static bool restart_lookup(struct pid *root, struct ckpt_ctx **ctxp, int *err)
{
	struct task_struct *t;

	spin_lock(&ckpt_restarts_lock);
	if (root) {
		*ctxp = restart_find_ctx(root);
		if (!*ctxp && restart_root_done(root))
			*err = -ESRCH;
	} else {
		*ctxp = NULL;
		rcu_read_lock();
		/* a thread's real_parent is its process's: start at its leader */
		for (t = current->group_leader;
		     t != &init_task && !*ctxp && !*err;
		     t = rcu_dereference(t->real_parent)) {
			/*
			 * No late-join shortcut here: an ancestor that led
			 * a restart long ago may be above the root of this
			 * one, which has not published its context yet.
			 */
			*ctxp = restart_find_ctx(task_pid(t));
		}
		rcu_read_unlock();
	}
	spin_unlock(&ckpt_restarts_lock);
	return *ctxp || *err;
}

#define CKPT_JOIN_TIMEOUT	(60 * HZ)

/* A task other than the root joins the restart of @root_nr (-1: an ancestor's). */
static long restart_other(pid_t root_nr, int index, unsigned long flags)
{
	struct ckpt_ctx *ctx = NULL;
	struct pid *root = NULL;
	bool zombie = false;
	int err = 0, i;
	long ret;

	if (current->ptrace)
		return -EBUSY;
	if (root_nr > 0) {
		root = find_get_pid(root_nr);
		if (!root)
			return -ESRCH;
	}
	ret = wait_event_killable_timeout(ckpt_restarts_wq,
					  restart_lookup(root, &ctx, &err),
					  CKPT_JOIN_TIMEOUT);
	put_pid(root);
	if (ret < 0)
		return -EINTR;
	if (!ctx)
		return err ? err : -ESRCH;

	/* only a task the root's owner could control may join (or abort) */
	if (!uid_eq(current_euid(), ctx->root_euid) &&
	    !ns_capable(ctx->pid_ns->user_ns, CAP_SYS_ADMIN)) {
		ret = -EPERM;
		goto out;
	}
	if (flags != ctx->flags) {
		ret = ckpt_err(ctx, -EINVAL, "pid %d: restart flags differ from the root's",
			       task_pid_nr_ns(current, ctx->pid_ns));
		restart_abort(ctx, ret);
		goto out;
	}
	if (!(flags & CKPT_RESTART_NO_PIDS))
		index = restore_tree_index(ctx, task_pid_nr_ns(current,
							       ctx->pid_ns));
	spin_lock(&ctx->lock);
	if (ctx->done || ctx->aborted || ctx->nr_entered == ctx->nr_tasks) {
		/* late: the restart is complete or over, leave it alone */
		ret = -EBUSY;
	} else if (index > 0 && index < ctx->nr_tasks &&
		   !ctx->task_pids[index]) {
		ctx->task_pids[index] = get_task_pid(current, PIDTYPE_PID);
		ctx->nr_entered++;
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	spin_unlock(&ctx->lock);
	if (ret == -EINVAL) {
		ckpt_err(ctx, ret, "pid %d is not a task of this restart",
			 task_pid_nr_ns(current, ctx->pid_ns));
		restart_abort(ctx, ret);
	}
	if (ret)
		goto out;
	wake_up_all(&ctx->waitq);
	ret = restart_task(ctx, index, &zombie);
out:
	i = zombie ? ctx->pids[index].exit_code : 0;
	ckpt_ctx_put(ctx);
	if (zombie)
		restart_zombie_exit(i);
	return ret;
}

static long restart_root(int fd, unsigned long flags, int logfd)
{
	struct ckpt_ctx *ctx;
	bool published = false, zombie = false;
	pid_t me;
	long ret;
	int i;

	if (current->ptrace)
		return -EBUSY;
	restart_unmark_done(task_pid(current));

	ctx = ckpt_ctx_alloc(fd, logfd, flags, true);
	if (IS_ERR(ctx)) {
		restart_mark_done(task_pid(current));
		return PTR_ERR(ctx);
	}

	ret = restore_read_header(ctx);
	if (!ret)
		ret = restore_read_tree(ctx);
	if (ret)
		goto fail;

	ctx->pid_ns = get_pid_ns(task_active_pid_ns(current));
	me = task_pid_nr_ns(current, ctx->pid_ns);
	if (!(flags & CKPT_RESTART_NO_PIDS) && me != ctx->pids[0].pid) {
		ret = ckpt_err(ctx, -EINVAL,
			       "root has pid %d, the image's root had %d (restart without restoring pids, or in a new pid namespace?)",
			       me, ctx->pids[0].pid);
		goto fail;
	}
	for (i = 0; i < ctx->nr_tasks; i++)
		if (!(ctx->pids[i].flags & CKPT_TASK_ZOMBIE))
			ctx->nr_live++;
	ctx->root_pid = get_task_pid(current, PIDTYPE_PID);
	ctx->root_euid = current_euid();
	ctx->task_pids[0] = get_pid(ctx->root_pid);
	ctx->nr_entered = 1;

	if (ctx->nr_tasks > 1) {
		spin_lock(&ckpt_restarts_lock);
		list_add(&ctx->list, &ckpt_restarts);
		spin_unlock(&ckpt_restarts_lock);
		published = true;
		wake_up_all(&ckpt_restarts_wq);
		if (!restart_wait(ctx, READ_ONCE(ctx->nr_entered) ==
				  ctx->nr_tasks)) {
			ret = ctx->error ? ctx->error : -EINTR;
			goto fail;
		}
	}

	ret = restart_task(ctx, 0, &zombie);
	goto out;
fail:
	restart_abort(ctx, ret);
out:
	if (ctx->error)
		ckpt_log(ctx, "restart failed: errno=%d", -ctx->error);
	if (published) {
		spin_lock(&ckpt_restarts_lock);
		list_del_init(&ctx->list);
		spin_unlock(&ckpt_restarts_lock);
	}
	/* over, done or failed: a task joining now is late */
	restart_mark_done(task_pid(current));
	ckpt_ctx_put(ctx);
	return ret;
}

long do_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	if (!pid)
		return restart_root(fd, flags, logfd);
	return restart_other(pid, fd, flags);
}
