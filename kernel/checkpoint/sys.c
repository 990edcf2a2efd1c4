// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: the checkpoint() and restart() system calls, the context they
 * share and the log.
 *
 * The log is a file descriptor given by the caller (or -1).  Every line
 * is written whole under ctx->log_lock, so lines of the tasks of one
 * restart never interleave.  The first error recorded by ckpt_err() is
 * the one the operation fails with.
 */
#include <linux/checkpoint.h>
#include <linux/syscalls.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/task.h>

static loff_t *ckpt_file_pos(struct file *file)
{
	return (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;
}

static void ckpt_log_write(struct ckpt_ctx *ctx, const char *buf, size_t len)
{
	/* a log pipe nobody reads must not keep a killed task here */
	if (mutex_lock_killable(&ctx->log_lock))
		return;
	kernel_write(ctx->logfile, buf, len, ckpt_file_pos(ctx->logfile));
	mutex_unlock(&ctx->log_lock);
}

void ckpt_log(struct ckpt_ctx *ctx, const char *fmt, ...)
{
	char line[256];
	va_list args;
	int len;

	if (!ctx->logfile)
		return;
	len = scnprintf(line, sizeof(line), "[%d] ", task_pid_vnr(current));
	va_start(args, fmt);
	len += vscnprintf(line + len, sizeof(line) - len - 1, fmt, args);
	va_end(args);
	line[len++] = '\n';

	if (READ_ONCE(ctx->log_deferrer) == current) {
		if (ctx->log_pending_len + len <= CKPT_LOG_PENDING) {
			memcpy(ctx->log_pending + ctx->log_pending_len, line,
			       len);
			ctx->log_pending_len += len;
		} else {
			ctx->log_lost++;
		}
		return;
	}
	ckpt_log_write(ctx, line, len);
}

/*
 * The log may be a pipe whose reader faults on the very mm we lock, or a
 * file on any filesystem: nothing is written to it while an mmap_lock is
 * held.  ckpt_mmap_lock() takes one (killable) and keeps current's log
 * lines aside; ckpt_mmap_unlock() drops it and, at the outermost level,
 * writes them.  One task defers at a time (checkpoint runs in one task, in
 * a restart only the active task touches an mm); only that task touches
 * the pending lines, so they need no lock.
 */
int ckpt_mmap_lock(struct ckpt_ctx *ctx, struct mm_struct *mm, bool write)
{
	int ret;

	ret = write ? mmap_write_lock_killable(mm) :
		      mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	if (READ_ONCE(ctx->log_deferrer) == current)
		ctx->log_defer_depth++;
	else if (!cmpxchg(&ctx->log_deferrer, NULL, current))
		ctx->log_defer_depth = 1;
	return 0;
}

void ckpt_mmap_unlock(struct ckpt_ctx *ctx, struct mm_struct *mm, bool write)
{
	char lost[48];
	int len;

	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
	if (READ_ONCE(ctx->log_deferrer) != current || --ctx->log_defer_depth)
		return;
	if (ctx->log_pending_len)
		ckpt_log_write(ctx, ctx->log_pending, ctx->log_pending_len);
	if (ctx->log_lost) {
		len = scnprintf(lost, sizeof(lost), "[%d] (%u log lines lost)\n",
				task_pid_vnr(current), ctx->log_lost);
		ckpt_log_write(ctx, lost, len);
	}
	ctx->log_pending_len = 0;
	ctx->log_lost = 0;
	WRITE_ONCE(ctx->log_deferrer, NULL);
}

int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...)
{
	char reason[200];
	va_list args;

	va_start(args, fmt);
	vscnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);

	spin_lock(&ctx->lock);
	if (!ctx->error)
		ctx->error = err;
	spin_unlock(&ctx->lock);
	ckpt_log(ctx, "error: %s (errno=%d)", reason, -err);
	return err;
}

static struct file *ckpt_fget(int fd, fmode_t mode)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (!(file->f_mode & mode)) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	return file;
}

struct ckpt_ctx *ckpt_ctx_alloc(int fd, int logfd, unsigned long flags,
				bool is_restart)
{
	struct ckpt_ctx *ctx;
	int ret = -ENOMEM;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	kref_init(&ctx->kref);
	mutex_init(&ctx->log_lock);
	spin_lock_init(&ctx->lock);
	init_waitqueue_head(&ctx->waitq);
	INIT_LIST_HEAD(&ctx->list);
	INIT_LIST_HEAD(&ctx->pipes);
	INIT_LIST_HEAD(&ctx->ttys);
	ctx->is_restart = is_restart;
	ctx->flags = flags;
	ctx->crc = ~0U;
	ctx->next_objref = 1;
	if (ckpt_obj_table_init(ctx))
		goto err;

	if (logfd != -1) {
		ctx->logfile = ckpt_fget(logfd, FMODE_WRITE);
		if (IS_ERR(ctx->logfile)) {
			ret = PTR_ERR(ctx->logfile);
			ctx->logfile = NULL;
			goto err;
		}
		/* kernel_write() needs write_iter (/dev/null has only write) */
		if (!ctx->logfile->f_op->write_iter) {
			fput(ctx->logfile);
			ctx->logfile = NULL;
		}
	}
	ctx->file = ckpt_fget(fd, is_restart ? FMODE_READ : FMODE_WRITE);
	if (IS_ERR(ctx->file)) {
		ret = PTR_ERR(ctx->file);
		ctx->file = NULL;
		ckpt_err(ctx, ret, "image fd %d is not open for %s", fd,
			 is_restart ? "reading" : "writing");
		goto err;
	}
	if (is_restart ? !ctx->file->f_op->read_iter :
			 !ctx->file->f_op->write_iter) {
		ret = ckpt_err(ctx, -EINVAL, "image fd %d: the kernel can not %s it",
			       fd, is_restart ? "read" : "write");
		goto err;
	}
	if (!is_restart) {
		ctx->wbuf = kvmalloc(CKPT_WBUF_SIZE, GFP_KERNEL_ACCOUNT);
		if (!ctx->wbuf)
			goto err;
	}
	/* any user can make these: charged to the caller's memcg */
	ctx->pagebuf = __vmalloc(CKPT_PAGES_MAX * PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!ctx->pagebuf)
		goto err;
	return ctx;
err:
	ckpt_ctx_put(ctx);
	return ERR_PTR(ret);
}

static void ckpt_ctx_free(struct kref *kref)
{
	struct ckpt_ctx *ctx = container_of(kref, struct ckpt_ctx, kref);
	int i;

	ckpt_obj_release_all(ctx);
	ckpt_obj_table_free(ctx);
	ckpt_ipc_free(ctx);
	ckpt_tty_free(ctx);
	if (ctx->tasks) {
		for (i = 0; i < ctx->nr_tasks; i++)
			if (ctx->tasks[i])
				put_task_struct(ctx->tasks[i]);
		kvfree(ctx->tasks);
	}
	if (ctx->task_pids) {
		for (i = 0; i < ctx->nr_tasks; i++)
			put_pid(ctx->task_pids[i]);
		kvfree(ctx->task_pids);
	}
	kvfree(ctx->pids);
	kvfree(ctx->task_first);
	kvfree(ctx->task_ncsw);
	put_pid(ctx->root_pid);
	if (ctx->pid_ns)
		put_pid_ns(ctx->pid_ns);
	if (ctx->file)
		fput(ctx->file);
	if (ctx->logfile)
		fput(ctx->logfile);
	kvfree(ctx->wbuf);
	vfree(ctx->pagebuf);
	kfree(ctx);
}

void ckpt_ctx_get(struct ckpt_ctx *ctx)
{
	kref_get(&ctx->kref);
}

void ckpt_ctx_put(struct ckpt_ctx *ctx)
{
	kref_put(&ctx->kref, ckpt_ctx_free);
}

/**
 * sys_checkpoint - save the process tree rooted at @pid to @fd
 * @pid: root of the tree in the caller's pid namespace, 0 for the caller
 * @fd: where the image goes, open for writing (a pipe works)
 * @flags: CKPT_CHECKPOINT_CONTAINER: @pid is the init of its own pid
 *	namespace and the whole namespace is saved
 *	CKPT_CHECKPOINT_IPC: every SysV IPC object of the namespace;
 *	upper 32 bits, CKPT_CHECKPOINT_GHOST_LIMIT(kib): the largest deleted
 *	file or memfd saved, in KiB (0: 4 MiB)
 * @logfd: where a readable log goes, or -1
 *
 * Returns a positive checkpoint id, or a negative errno with the reason in
 * the log.  A checkpointed task is never modified.  When the caller
 * checkpoints itself (pid 0) and is later restarted, this call returns 0.
 */
SYSCALL_DEFINE4(checkpoint, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct ckpt_ctx *ctx;
	long ret;

	/* the image holds 64-bit state only: no compat caller gets here */
	if (in_compat_syscall() || !checkpoint_arch_caller_ok() ||
	    (flags & ~(CKPT_CHECKPOINT_FLAGS |
		       CKPT_CHECKPOINT_GHOST_LIMIT_MASK)))
		return -EINVAL;
	if (pid < 0)
		return -ESRCH;

	ctx = ckpt_ctx_alloc(fd, logfd, flags, false);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ret = do_checkpoint(ctx, pid);
	if (!ret)
		ret = ctx->ckpt_id;
	ckpt_ctx_put(ctx);
	return ret;
}

/**
 * sys_restart - restore the calling task from an image
 * @pid: 0 in the root task of the restart, which reads the image from
 *	@fd; in every other task, the pid of that root, or -1 for the restart
 *	led by the task's nearest ancestor that leads one (a task in a pid
 *	namespace below the root's can not name it)
 * @fd: the image, read from the fd's current position, which must be
 *	the first byte of the image (root only); in the other tasks -1, or
 *	with CKPT_RESTART_NO_PIDS the task's index in the TREE
 * @flags: CKPT_RESTART_*
 * @logfd: where a readable log goes, or -1 (root only)
 *
 * On success this does not return to the caller's code: the task returns
 * to the user-space state it had when it was checkpointed.
 */
SYSCALL_DEFINE4(restart, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	if (in_compat_syscall() || !checkpoint_arch_caller_ok() ||
	    (flags & ~CKPT_RESTART_FLAGS))
		return -EINVAL;
	if (pid < -1)
		return -ESRCH;
	return do_restart(pid, fd, flags, logfd);
}
