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
 * Locking: ckpt_restarts_lock protects the list of restarts in progress;
 * ctx->lock protects nr_entered, active, done, aborted and task_pids.
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

static LIST_HEAD(ckpt_restarts);
static DEFINE_SPINLOCK(ckpt_restarts_lock);
static DECLARE_WAIT_QUEUE_HEAD(ckpt_restarts_wq);

static void restart_abort(struct ckpt_ctx *ctx, int err)
{
	spin_lock(&ctx->lock);
	if (!ctx->error)
		ctx->error = err;
	ctx->aborted = true;
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

/*
 * Restore the calling task from its records.  *no_return is set once the
 * task's own state has been replaced: after that an error must kill it.
 */
static int restore_one_task(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt,
			    bool *no_return)
{
	int ret;

	ret = restore_task_struct(ctx, rt);
	if (ret)
		return ret;
	ret = restore_files_open(ctx, rt);
	if (ret)
		goto out;

	*no_return = true;
	ret = restore_mm(ctx, rt);
	if (!ret)
		ret = restore_files_install(ctx, rt);
	if (!ret)
		ret = restore_signals_read(ctx, rt);
	if (!ret)
		ret = restore_cpu(ctx, rt);
	if (!ret)
		ret = restore_task_struct_finish(ctx, rt);
out:
	restore_files_cleanup(rt);
	return ret;
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

/* Our turn came: restore, hand over, wait for the end, return to user. */
static long restart_task(struct ckpt_ctx *ctx, int index)
{
	struct ckpt_rst_task rt = { .index = index };
	bool no_return = false;
	int ret;

	if (!restart_wait(ctx, READ_ONCE(ctx->active) == index))
		goto fail;

	ret = restore_one_task(ctx, &rt, &no_return);
	if (!ret && index == ctx->nr_tasks - 1)
		ret = restore_read_tail(ctx);
	if (ret) {
		restart_abort(ctx, ret);
		goto fail;
	}

	spin_lock(&ctx->lock);
	ctx->active = index + 1;
	if (ctx->active == ctx->nr_tasks)
		ctx->done = true;
	spin_unlock(&ctx->lock);
	wake_up_all(&ctx->waitq);
	if (ctx->done)
		ckpt_log(ctx, "restart done: %d task(s)", ctx->nr_tasks);

	if (!restart_wait(ctx, READ_ONCE(ctx->done)))
		goto fail;

	/* after the last wait, so that ctrl-c could still end the restart */
	ret = restore_signals_apply(ctx, &rt);
	restore_signals_cleanup(&rt);
	kfree(rt.task);
	if (ret) {
		/* too late to stop the others: only this task dies */
		force_sig(SIGKILL);
		return ret;
	}
	return current_pt_regs()->ax;

fail:
	restore_signals_cleanup(&rt);
	kfree(rt.task);
	if (rt.new_creds)
		abort_creds(rt.new_creds);
	if (rt.cwd.mnt)
		path_put(&rt.cwd);
	if (no_return || READ_ONCE(ctx->done))
		force_sig(SIGKILL);
	return ctx->error ? ctx->error : -EINTR;
}

static struct ckpt_ctx *restart_find_ctx(struct pid *root)
{
	struct ckpt_ctx *ctx;

	spin_lock(&ckpt_restarts_lock);
	list_for_each_entry(ctx, &ckpt_restarts, list) {
		if (ctx->root_pid == root) {
			ckpt_ctx_get(ctx);
			spin_unlock(&ckpt_restarts_lock);
			return ctx;
		}
	}
	spin_unlock(&ckpt_restarts_lock);
	return NULL;
}

/* A task other than the root joins the restart of @root_nr. */
static long restart_other(pid_t root_nr, unsigned long flags)
{
	struct ckpt_ctx *ctx = NULL;
	struct pid *root;
	pid_t me;
	long ret;
	int i;

	/* the address space is replaced: nobody else may share it */
	if (!thread_group_empty(current) || !current_is_single_threaded())
		return -EINVAL;
	if (current->ptrace)
		return -EBUSY;
	root = find_get_pid(root_nr);
	if (!root)
		return -ESRCH;
	ret = wait_event_killable(ckpt_restarts_wq,
				  (ctx = restart_find_ctx(root)) != NULL);
	put_pid(root);
	if (ret)
		return -EINTR;

	/* only a task the root's owner could control may join (or abort) */
	if (!uid_eq(current_euid(), ctx->root_euid) &&
	    !ns_capable(ctx->pid_ns->user_ns, CAP_SYS_ADMIN)) {
		ret = -EPERM;
		goto out;
	}
	ret = -EINVAL;
	me = task_pid_nr_ns(current, ctx->pid_ns);
	spin_lock(&ctx->lock);
	for (i = 1; i < ctx->nr_tasks; i++) {
		/* only the task user space built at that place in the tree */
		if (ctx->pids[i].pid == me && !ctx->task_pids[i] &&
		    task_ppid_nr_ns(current, ctx->pid_ns) == ctx->pids[i].ppid) {
			ctx->task_pids[i] = get_task_pid(current, PIDTYPE_PID);
			ctx->nr_entered++;
			ret = 0;
			break;
		}
	}
	spin_unlock(&ctx->lock);
	if (ret) {
		ckpt_err(ctx, ret, "pid %d is not a task of this restart", me);
		restart_abort(ctx, ret);
		goto out;
	}
	if (flags != ctx->flags) {
		ret = ckpt_err(ctx, -EINVAL, "pid %d: flags differ from the root's",
			       me);
		restart_abort(ctx, ret);
		goto out;
	}
	wake_up_all(&ctx->waitq);
	ret = restart_task(ctx, i);
out:
	ckpt_ctx_put(ctx);
	return ret;
}

static long restart_root(int fd, unsigned long flags, int logfd)
{
	struct ckpt_ctx *ctx;
	bool published = false;
	pid_t me;
	long ret;

	/* the address space is replaced: nobody else may share it */
	if (!thread_group_empty(current) || !current_is_single_threaded())
		return -EINVAL;
	if (current->ptrace)
		return -EBUSY;

	ctx = ckpt_ctx_alloc(fd, logfd, flags, true);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	ret = restore_read_header(ctx);
	if (!ret)
		ret = restore_read_tree(ctx);
	if (ret)
		goto fail;

	ctx->pid_ns = get_pid_ns(task_active_pid_ns(current));
	me = task_pid_nr_ns(current, ctx->pid_ns);
	if (!(flags & CKPT_RESTART_NO_PIDS) && me != ctx->pids[0].pid) {
		ret = ckpt_err(ctx, -EINVAL,
			       "root has pid %d, the image's root had %d (restart without restoring pids?)",
			       me, ctx->pids[0].pid);
		goto fail;
	}
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

	ret = restart_task(ctx, 0);
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
	ckpt_ctx_put(ctx);
	return ret;
}

long do_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	if (!pid)
		return restart_root(fd, flags, logfd);
	return restart_other(pid, flags);
}
