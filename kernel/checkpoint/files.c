// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: open files of a task (records FILES, FD, FILE, PIPE, PIPE_DATA).
 *
 * Checkpoint saves the fd table of one task: every fd with its close-on-exec
 * flag, and every open file description once (a shared object, CKPT_OBJ_FILE)
 * the first time it is met.  Supported kinds:
 *  - regular files and directories, reopened by path at restart (the path
 *    must lead back to the very same file from the checkpointer's root;
 *    procfs is refused: /proc/<pid> paths would name other processes);
 *  - a few character devices that can be reopened faithfully by path
 *    (/dev/null, zero, full, random, urandom, tty, console, ttyS*);
 *  - anonymous pipes and FIFOs: the pipe (CKPT_OBJ_PIPE) written before
 *    its first open file, with its capacity and the unread data, peeked
 *    without consuming it; then every open file of it (CKPT_FILE_PIPE, or
 *    CKPT_FILE_FIFO with the FIFO's path), in any access mode and any
 *    number (a pipe end reopened through /proc/<pid>/fd is another open
 *    file of the pipe).  A pipe or FIFO opened by a process outside the
 *    checkpointed tree is refused.  A FIFO whose name was unlinked is saved
 *    without a path and restored as an anonymous pipe;
 *  - O_PATH files of any type but procfs (symlinks, FIFOs, sockets,
 *    block devices), reopened by path with O_PATH, never opened for I/O;
 *  - deleted regular files and memfds, saved by contents (ghost.c);
 *  - UNIX sockets (unix.c), event fds (event.c), inotify instances
 *    (inotify.c), epoll files (epoll.c), ptys (tty.c): the kinds of
 *    ckpt_file_ops[].
 * Anything else is refused (-EOPNOTSUPP, or -EBUSY for a state we refuse).
 * In a self-checkpoint the image and log files are not saved.
 *
 * Restart reads the same records into rt->files without touching the fd
 * table (restore_files_open(), before the point of no return); every file is
 * reopened by restore_open_path() with the restored task's credentials and
 * the permission checks of open(2), and an fd shared with another task is
 * checked for this one too.  restore_files_install() then closes every fd
 * of current and installs the files at their numbers.
 *
 * Locking:
 *  - checkpoint: task_lock(t) -> files->file_lock (spinning, only to copy
 *    the fd table with references); then, with nothing else held,
 *    pipe->mutex (pipe_lock) to snapshot a pipe.  Nothing is written to the
 *    image or the log while a pipe is locked (either may be that pipe).
 *  - restart: file->f_lock to set the flags of a file nobody else can see
 *    yet; pipe->mutex (pipe_lock) alone, to see that a FIFO found at its
 *    path is unused; everything else is done by the VFS helpers
 *    (dentry_open, pipe_fcntl, __close_range, receive_fd_replace) with
 *    their own locking.
 */

#include <linux/checkpoint.h>
#include <linux/close_range.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/ima.h>
#include <linux/highmem.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

/*
 * Open flags an image may carry for a file reopened by path.  O_CLOEXEC is
 * per fd (CKPT_FD_CLOEXEC); O_CREAT, O_EXCL, O_TRUNC, O_NOCTTY never stay
 * in f_flags; __O_TMPFILE is dropped (a tmpfile we can save has been linked
 * since, reopening it by path is right); FASYNC needs an owner (F_SETOWN)
 * and FMODE_NONOTIFY is fanotify's: refused.
 */
#define CKPT_OPEN_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
			 O_LARGEFILE | O_NOATIME | O_DSYNC | __O_SYNC | \
			 O_DIRECTORY | O_NOFOLLOW | O_PATH)

/* f_flags bits dropped silently at checkpoint (see above). */
#define CKPT_OPEN_IGNORED (O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC | \
			   O_NOCTTY | __O_TMPFILE | __FMODE_EXEC)

/* With O_PATH, open keeps only these. */
#define CKPT_PATH_FLAGS	(O_PATH | O_DIRECTORY | O_NOFOLLOW)

/* Flags of one end of a pipe (what pipe2() and F_SETFL can set). */
#define CKPT_PIPE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
			 O_NOATIME | O_LARGEFILE)

/* A FIFO's: open(2) also keeps O_NOFOLLOW */
#define CKPT_FIFO_FLAGS	(CKPT_PIPE_FLAGS | O_NOFOLLOW)

/* ------------------------------------------------------------ common */

/*
 * What identifies @inode in a FILE or VMA record: size and mtime only for
 * a regular file (a FIFO's mtime moves with every write).
 */
void ckpt_file_id_fill(struct ckpt_file_id *id, struct inode *inode)
{
	memset(id, 0, sizeof(*id));
	id->dev = new_encode_dev(inode->i_sb->s_dev);
	id->ino = inode->i_ino;
	if (!S_ISREG(inode->i_mode))	/* a directory, FIFO, symlink... */
		return;
	id->size = i_size_read(inode);
	id->mtime_sec = inode->i_mtime.tv_sec;
	id->mtime_nsec = inode->i_mtime.tv_nsec;
}

/*
 * The path by which @p is reopened at restart, in @buf (PATH_MAX bytes):
 * from the checkpointer's root, and leading back to the very same mount and
 * dentry now (not in another mount namespace, not over-mounted, not
 * renamed away), so that restart reopens what the task held.  @what names
 * the user of the path in the reason of a refusal.  @id (if not NULL) gets
 * the identity of the inode the lookup reaches, the one restart compares
 * (not file_inode(): overlayfs maps the underlying layer's file).
 */
char *ckpt_reachable_path(struct ckpt_ctx *ctx, const struct path *p,
			  char *buf, struct ckpt_file_id *id, const char *what)
{
	struct path found;
	char *path;
	bool same;
	int ret;

	path = d_path(p, buf, PATH_MAX);
	if (IS_ERR(path))
		return ERR_PTR(ckpt_err(ctx, PTR_ERR(path), "%s: no path", what));
	if (d_unlinked(p->dentry) && d_is_dir(p->dentry))
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %s: a deleted directory, not supported yet",
					what, path));
	if (d_unlinked(p->dentry))
		return ERR_PTR(ckpt_err(ctx, -EBUSY, "%s: %s: the file was deleted",
					what, path));
	if (path[0] != '/')
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %s: not reachable by path", what,
					path));
	ret = kern_path(path, 0, &found);
	if (ret)
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %s: can not be looked up again (%d)",
					what, path, ret));
	same = path_equal(&found, p);
	if (same && id)
		ckpt_file_id_fill(id, d_inode(found.dentry));
	path_put(&found);
	if (!same)
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %s leads to another file (mount namespace, chroot or over-mount?)",
					what, path));
	return path;
}

/*
 * Can the restored task open @path with @flags?  What may_open() in
 * fs/namei.c checks after a lookup; dentry_open() then does the rest
 * (write access, read-only mounts, the LSM's file_open hook).
 */
static int restore_acc_mode(unsigned int flags)
{
	int acc;

	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		acc = MAY_READ;
		break;
	case O_WRONLY:
		acc = MAY_WRITE;
		break;
	default:
		acc = MAY_READ | MAY_WRITE;
		break;
	}
	return (flags & O_APPEND) ? acc | MAY_APPEND : acc;
}

static int restore_may_open(const struct path *path, unsigned int flags)
{
	struct user_namespace *mnt_userns = mnt_user_ns(path->mnt);
	struct inode *inode = d_inode(path->dentry);
	int acc, ret;

	if (flags & O_PATH)
		return 0;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	acc = restore_acc_mode(flags);
	if (S_ISDIR(inode->i_mode) && (acc & MAY_WRITE))
		return -EISDIR;
	if ((S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode)) &&
	    ((path->mnt->mnt_flags & MNT_NODEV) ||
	     (path->mnt->mnt_sb->s_iflags & SB_I_NODEV)))
		return -EACCES;
	ret = inode_permission(mnt_userns, inode, MAY_OPEN | acc);
	if (ret)
		return ret;
	if (IS_APPEND(inode) && (acc & MAY_WRITE) && !(flags & O_APPEND))
		return -EPERM;
	if ((flags & O_NOATIME) && !inode_owner_or_capable(mnt_userns, inode))
		return -EPERM;
	return 0;
}

/*
 * The lookup half of restore_open_path(): @name looked up once (a final
 * symlink is not followed), the type (and for a device its number)
 * checked on the inode found, the identity @id (if not NULL) unless
 * CKPT_RESTART_FORCE_FILES, and the permission checks of open(2) for
 * @flags made with the current credentials.  On success @path holds what
 * was found: the caller opens that (restore_open_found()) and puts it.
 */
static int restore_lookup_path(struct ckpt_ctx *ctx, const char *name,
			       unsigned int flags, umode_t type, dev_t rdev,
			       const struct ckpt_file_id *id, const char *what,
			       struct path *path)
{
	struct timespec64 mtime;
	struct inode *inode;
	bool content;
	int ret;

	if (name[0] != '/')
		return ckpt_err(ctx, -EINVAL, "%s: %s: not an absolute path",
				what, name);
	ret = kern_path(name, 0, path);
	if (ret)
		return ckpt_err(ctx, ret, "%s: %s: lookup failed", what, name);
	inode = d_inode(path->dentry);
	ret = -ESTALE;
	if ((inode->i_mode & S_IFMT) != type ||
	    (S_ISCHR(type) && inode->i_rdev != rdev)) {
		ckpt_err(ctx, ret, "%s: %s is not the file that was saved (type or device changed)",
			 what, name);
		goto out;
	}
	/*
	 * Size and mtime too (of a regular file), unless the task may write
	 * the file itself (opened for writing, or mapped shared and
	 * writable): its own writes after a checkpoint that left it running
	 * change them.
	 */
	mtime = inode->i_mtime;
	content = S_ISREG(type) && (flags & O_ACCMODE) == O_RDONLY;
	if (id && !(ctx->flags & CKPT_RESTART_FORCE_FILES) &&
	    (id->dev != new_encode_dev(inode->i_sb->s_dev) ||
	     id->ino != inode->i_ino ||
	     (content && (id->size != i_size_read(inode) ||
			  id->mtime_sec != mtime.tv_sec ||
			  id->mtime_nsec != mtime.tv_nsec)))) {
		ckpt_err(ctx, ret, "%s: %s changed since the checkpoint (another device, inode, size or mtime); restart --force-files reopens it anyway",
			 what, name);
		goto out;
	}
	ret = restore_may_open(path, flags);
	if (ret) {
		ckpt_err(ctx, ret, "%s: %s: the restored task may not open it (flags %#o)",
			 what, name, flags);
		goto out;
	}
	return 0;
out:
	path_put(path);
	return ret;
}

/*
 * The open half: the inode restore_lookup_path() found and checked is
 * opened, and what do_open() and do_sys_openat2() do after (IMA,
 * fsnotify).  With O_PATH, as open(2), no O_LARGEFILE.
 */
static struct file *restore_open_found(struct ckpt_ctx *ctx,
				       const struct path *path,
				       unsigned int flags, const char *name,
				       const char *what)
{
	struct file *file;
	int ret;

	if (!(flags & O_PATH))
		flags |= O_LARGEFILE | O_NOCTTY;
	file = dentry_open(path, flags, current_cred());
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "%s: %s: open failed", what, name);
		return file;
	}
	if (flags & O_PATH)
		return file;
	ret = ima_file_check(file, restore_acc_mode(flags));
	if (ret) {
		fput(file);
		return ERR_PTR(ckpt_err(ctx, ret, "%s: %s: refused by IMA", what,
					name));
	}
	fsnotify_open(file);
	return file;
}

/*
 * Reopen @name for a restored task: one lookup (a final symlink is not
 * followed), the type (and for a device its number) checked on the inode
 * found, the identity @id (if not NULL) unless CKPT_RESTART_FORCE_FILES,
 * the permission checks of open(2) made with the current credentials (the
 * restored task's: the "files" and "memory" kinds restore under
 * override_creds), then that very inode opened, and what do_open() does
 * after (IMA, fsnotify).  Nothing else is ever opened: no FIFO or device
 * swapped in between.  Opened read-only, the restored task needs read
 * permission (an execute-only binary can not be restarted).  Errors are
 * logged with @what.
 */
struct file *restore_open_path(struct ckpt_ctx *ctx, const char *name,
			       unsigned int flags, umode_t type, dev_t rdev,
			       const struct ckpt_file_id *id, const char *what)
{
	struct file *file;
	struct path path;
	int ret;

	ret = restore_lookup_path(ctx, name, flags, type, rdev, id, what,
				  &path);
	if (ret)
		return ERR_PTR(ret);
	file = restore_open_found(ctx, &path, flags, name, what);
	path_put(&path);
	return file;
}

/* An image's identity field: padding zero, a valid time. */
bool restore_file_id_valid(const struct ckpt_file_id *id)
{
	return !id->pad && id->mtime_nsec < NSEC_PER_SEC;
}

static void ckpt_release_file(void *ptr)
{
	fput(ptr);
}

/* Checkpoint: a pipe lives as long as its FILE objects; nothing to drop. */
static void ckpt_release_nothing(void *ptr)
{
}

static int ckpt_nomem(struct ckpt_ctx *ctx, const char *what)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for %s", what);
}

/* Character devices we can reopen by path and get the same thing back. */
static bool ckpt_chr_supported(dev_t dev)
{
	unsigned int minor = MINOR(dev);

	switch (MAJOR(dev)) {
	case MEM_MAJOR:		/* null, zero, full, random, urandom */
		return minor == 3 || minor == 5 || minor == 7 ||
		       minor == 8 || minor == 9;
	case TTYAUX_MAJOR:	/* tty, console */
		return minor == 0 || minor == 1;
	case TTY_MAJOR:		/* ttyS0.. (0..63 are virtual consoles) */
		return minor >= 64;
	default:
		return false;
	}
}

/* Set the status flags of a file that is not installed anywhere yet. */
void ckpt_set_file_flags(struct file *file, unsigned int flags)
{
	spin_lock(&file->f_lock);
	file->f_flags = flags;
	file->f_iocb_flags = iocb_flags(file);
	spin_unlock(&file->f_lock);
}

/* ------------------------------------------------------------ checkpoint */

struct ckpt_fdent {
	unsigned int fd;
	bool cloexec;
	struct file *file;		/* referenced */
};

/* A pipe met while saving one fd table, to check that we hold all its ends. */
struct ckpt_pipe_seen {
	struct list_head list;
	struct pipe_inode_info *pipe;
	struct file *file;		/* referenced: keeps the pipe alive */
	unsigned int fd;		/* first fd it was met at */
	unsigned int readers;		/* FILE objects of each end met */
	unsigned int writers;
};

/*
 * Copy t's fd table with a reference on every file.  t is frozen or
 * current, and so is every other user of its table (the tree's leak check
 * makes sure), so it can not change under us; a table that grew anyway is
 * reported as -EAGAIN.
 */
static int ckpt_collect_fds(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_fdent **entp, unsigned int *nrp)
{
	struct files_struct *files;
	struct ckpt_fdent *ent;
	struct fdtable *fdt;
	unsigned int n, i, fd;
	bool grew = false;

	*entp = NULL;
	*nrp = 0;

	task_lock(t);
	files = t->files;
	if (!files) {
		task_unlock(t);
		return 0;
	}
	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	n = bitmap_weight(fdt->open_fds, fdt->max_fds);
	spin_unlock(&files->file_lock);
	task_unlock(t);

	if (n > CKPT_FDS_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: %u open fds, at most %u supported",
				task_pid_vnr(t), n, CKPT_FDS_MAX);
	if (!n)
		return 0;

	ent = kvcalloc(n, sizeof(*ent), GFP_KERNEL_ACCOUNT);
	if (!ent)
		return ckpt_nomem(ctx, "the fd table");

	i = 0;
	task_lock(t);
	files = t->files;
	if (files) {
		spin_lock(&files->file_lock);
		fdt = files_fdtable(files);
		for (fd = find_first_bit(fdt->open_fds, fdt->max_fds);
		     fd < fdt->max_fds;
		     fd = find_next_bit(fdt->open_fds, fdt->max_fds, fd + 1)) {
			struct file *file = files_lookup_fd_locked(files, fd);

			if (!file)	/* reserved, not installed yet */
				continue;
			if (i == n) {
				grew = true;
				break;
			}
			ent[i].fd = fd;
			ent[i].cloexec = close_on_exec(fd, fdt);
			ent[i].file = get_file(file);
			i++;
		}
		spin_unlock(&files->file_lock);
	}
	task_unlock(t);

	*entp = ent;
	*nrp = i;
	if (grew)
		return ckpt_err(ctx, -EAGAIN,
				"pid %d: fd table changed while being saved",
				task_pid_vnr(t));
	return 0;
}

static void ckpt_copy_pipe_buf(char *dst, const struct pipe_buffer *buf)
{
	size_t off = buf->offset & ~PAGE_MASK;
	struct page *page = nth_page(buf->page, buf->offset >> PAGE_SHIFT);
	size_t left = buf->len;

	while (left) {
		size_t n = min_t(size_t, left, PAGE_SIZE - off);
		void *p = kmap_local_page(page);

		memcpy(dst, p + off, n);
		kunmap_local(p);
		dst += n;
		left -= n;
		off = 0;
		page = nth_page(page, 1);
	}
}

/*
 * Write the PIPE record of pipe and its unread data.  The data is copied
 * under pipe_lock and written after pipe_unlock: the image or the log may
 * be this very pipe.
 */
static int ckpt_write_pipe(struct ckpt_ctx *ctx, unsigned int fd,
			   struct pipe_inode_info *pipe, u32 objref)
{
	struct ckpt_hdr_pipe hp;
	struct ckpt_hdr_pipe_data hd;
	unsigned int head, tail, mask, i;
	const char *why = NULL;
	u64 size, len = 0;
	char *data = NULL;
	int ret = 0;

	pipe_lock(pipe);
	if (pipe_has_watch_queue(pipe)) {
		ret = -EOPNOTSUPP;
		why = "notification pipe";
		goto unlock;
	}
	size = (u64)pipe->max_usage << PAGE_SHIFT;	/* F_GETPIPE_SZ */
	head = pipe->head;
	tail = pipe->tail;
	mask = pipe->ring_size - 1;
	for (i = tail; i != head; i++) {
		const struct pipe_buffer *buf = &pipe->bufs[i & mask];

		if (buf->flags & PIPE_BUF_FLAG_PACKET) {
			ret = -EOPNOTSUPP;
			why = "unread packets (O_DIRECT pipe)";
			goto unlock;
		}
		len += buf->len;
	}
	if (len > size || size > (1ULL << 31)) {
		ret = -EOPNOTSUPP;
		why = "more data than capacity";
		goto unlock;
	}
	if (len) {
		data = kvmalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!data) {
			ret = -ENOMEM;
			why = "no memory for its data";
			goto unlock;
		}
	}
	len = 0;
	for (i = tail; i != head; i++) {
		struct pipe_buffer *buf = &pipe->bufs[i & mask];

		ret = pipe_buf_confirm(pipe, buf);
		if (ret) {
			why = "reading its data failed";
			goto unlock;
		}
		ckpt_copy_pipe_buf(data + len, buf);
		len += buf->len;
	}
unlock:
	pipe_unlock(pipe);
	if (ret) {
		kvfree(data);
		return ckpt_err(ctx, ret, "fd %u: pipe: %s", fd, why);
	}

	memset(&hp, 0, sizeof(hp));
	hp.objref = objref;
	hp.size = size;
	hp.data_len = len;
	ret = ckpt_write_record(ctx, CKPT_HDR_PIPE, &hp, sizeof(hp));

	memset(&hd, 0, sizeof(hd));
	for (i = 0; !ret && i < len; i += CKPT_PIPE_CHUNK) {
		u32 n = min_t(u64, len - i, CKPT_PIPE_CHUNK);

		ret = ckpt_write_begin(ctx, CKPT_HDR_PIPE_DATA, &hd, sizeof(hd),
				       n);
		if (!ret)
			ret = ckpt_write_raw(ctx, data + i, n);
		if (!ret)
			ret = ckpt_write_end(ctx, sizeof(hd) + n);
	}
	kvfree(data);
	return ret;
}

static bool ckpt_is_pipe(struct file *file)
{
	return get_pipe_info(file, false) &&
	       file_inode(file)->i_sb->s_magic == PIPEFS_MAGIC;
}

/* Files of a mount we can look up again, not /proc/<pid>/... */
static bool ckpt_is_on_path(struct file *file)
{
	/* /proc/<pid>/... would name another process after restart */
	return !(file->f_path.mnt->mnt_flags & MNT_INTERNAL) &&
	       file_inode(file)->i_sb->s_magic != PROC_SUPER_MAGIC;
}

/* An open FIFO (not O_PATH: that has no pipe and is reopened by path) */
static bool ckpt_is_fifo(struct file *file)
{
	return S_ISFIFO(file_inode(file)->i_mode) &&
	       get_pipe_info(file, false) &&
	       file_inode(file)->i_sb->s_magic != PIPEFS_MAGIC &&
	       ckpt_is_on_path(file);
}

/*
 * Fill hf for an open file of an anonymous pipe (kind CKPT_FILE_PIPE) or of
 * a FIFO (CKPT_FILE_FIFO, with its path in buf, none if its name was
 * unlinked); writes the PIPE record first if the pipe is new.  Any access
 * mode, any number of open files of one pipe: each counts as a reader
 * and/or a writer for checkpoint_files_check_pipes().
 */
static int ckpt_prepare_pipe_file(struct ckpt_ctx *ctx,
				  unsigned int fd, struct file *file,
				  struct ckpt_hdr_file *hf, u32 kind,
				  char *buf, char **pathp)
{
	struct pipe_inode_info *pipe = get_pipe_info(file, false);
	unsigned int flags = file->f_flags & ~CKPT_OPEN_IGNORED;
	struct ckpt_pipe_seen *ps = NULL, *it;
	struct ckpt_obj *obj;
	char what[16];
	char *path;
	int ret;

	if (flags & ~(kind == CKPT_FILE_FIFO ? CKPT_FIFO_FLAGS :
		      CKPT_PIPE_FLAGS))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %s with flags %#o not supported yet",
				fd, kind == CKPT_FILE_FIFO ? "FIFO" : "pipe",
				flags);
	if ((flags & O_ACCMODE) == O_ACCMODE ||
	    !(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: pipe open file neither for reading nor writing",
				fd);

	/* a FIFO is reopened by its path, an unlinked one as a pipe */
	if (kind == CKPT_FILE_FIFO && !d_unlinked(file->f_path.dentry)) {
		snprintf(what, sizeof(what), "fd %u", fd);
		path = ckpt_reachable_path(ctx, &file->f_path, buf, &hf->id,
					   what);
		if (IS_ERR(path))
			return PTR_ERR(path);
		hf->path_len = strlen(path) + 1;
		*pathp = path;
	}

	list_for_each_entry(it, &ctx->pipes, list) {
		if (it->pipe == pipe) {
			ps = it;
			break;
		}
	}
	if (!ps) {
		ps = kzalloc(sizeof(*ps), GFP_KERNEL_ACCOUNT);
		if (!ps)
			return ckpt_nomem(ctx, "a pipe");
		ps->pipe = pipe;
		ps->file = get_file(file);
		ps->fd = fd;
		list_add_tail(&ps->list, &ctx->pipes);
	}
	if (file->f_mode & FMODE_READ)
		ps->readers++;
	if (file->f_mode & FMODE_WRITE)
		ps->writers++;

	obj = ckpt_obj_find_ptr(ctx, pipe);
	if (obj && obj->type != CKPT_OBJ_PIPE)
		return ckpt_err(ctx, -EINVAL, "fd %u: pipe object clash", fd);
	if (!obj) {
		obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_PIPE, pipe,
				       ckpt_release_nothing);
		if (IS_ERR(obj))	/* logged */
			return PTR_ERR(obj);
		ret = ckpt_write_pipe(ctx, fd, pipe, obj->objref);
		if (ret)
			return ret;
	}

	hf->kind = kind;
	hf->f_flags = flags;
	hf->mode = file_inode(file)->i_mode;
	hf->obj_ref = obj->objref;
	return 0;
}

/*
 * Every reader and writer of every pipe met must be an open file saved
 * from the tree: a FIFO opened by a process outside, or a pipe end reopened
 * through /proc by an outsider, is another open file of it.  (An open file
 * of it held outside, passed by fork or SCM_RIGHTS, is found by
 * checkpoint_files_leaks().)
 */
int checkpoint_files_check_pipes(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_seen *ps;
	unsigned int r, w;

	list_for_each_entry(ps, &ctx->pipes, list) {
		pipe_lock(ps->pipe);
		r = ps->pipe->readers;
		w = ps->pipe->writers;
		pipe_unlock(ps->pipe);
		if (r != ps->readers || w != ps->writers)
			return ckpt_err(ctx, -EBUSY,
					"fd %u: %s %pD has %u readers and %u writers, the checkpointed tree holds %u and %u: it is open outside the tree",
					ps->fd,
					ckpt_is_pipe(ps->file) ? "pipe" : "FIFO",
					ps->file, r, w, ps->readers, ps->writers);
	}
	return 0;
}

void checkpoint_files_release(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_seen *ps, *tmp;

	list_for_each_entry_safe(ps, tmp, &ctx->pipes, list) {
		list_del(&ps->list);
		fput(ps->file);
		kfree(ps);
	}
}

/* What to call a file we do not support, for the reason. */
static const char *ckpt_file_kind_name(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "internal file (memfd, shmem, nsfs...)";
	case S_IFDIR:
		return "internal directory";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	case S_IFLNK:
		return "symlink (O_PATH)";
	default:
		return "anonymous inode file";
	}
}

/*
 * Fill hf and the path for a file reopened by path.  The path (from the
 * checkpointer's root) must lead back to the same mount and dentry, or for
 * a device to a node of the same device.  buf has PATH_MAX bytes; *pathp
 * points into it.
 */
static int ckpt_prepare_path_file(struct ckpt_ctx *ctx, unsigned int fd,
				  struct file *file, struct ckpt_hdr_file *hf,
				  char *buf, char **pathp)
{
	struct inode *inode = file_inode(file), *node;
	unsigned int flags = file->f_flags;
	struct path found;
	char what[16];
	char *path;
	int ret;

	if (flags & (FASYNC | __FMODE_NONOTIFY))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: open flags %#o (O_ASYNC or fanotify) not supported yet",
				fd, flags);
	flags &= ~CKPT_OPEN_IGNORED;
	if (!S_ISDIR(inode->i_mode))
		flags &= ~O_DIRECTORY;	/* left over from O_TMPFILE */
	if (flags & ~CKPT_OPEN_FLAGS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: open flags %#o not supported yet",
				fd, flags & ~CKPT_OPEN_FLAGS);

	if (!S_ISCHR(inode->i_mode)) {
		snprintf(what, sizeof(what), "fd %u", fd);
		path = ckpt_reachable_path(ctx, &file->f_path, buf, &hf->id,
					   what);
		if (IS_ERR(path))
			return PTR_ERR(path);
		goto found;
	}

	/* a device is its number (e.g. /dev/console under devtmpfs) */
	path = d_path(&file->f_path, buf, PATH_MAX);
	if (IS_ERR(path))
		return ckpt_err(ctx, PTR_ERR(path), "fd %u: no path (%pD)",
				fd, file);
	if (d_unlinked(file->f_path.dentry) || path[0] != '/')
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %s: the device node was deleted or is not reachable by path",
				fd, path);
	ret = kern_path(path, 0, &found);
	if (ret)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %s: can not be looked up again (%d)",
				fd, path, ret);
	node = d_inode(found.dentry);
	ret = S_ISCHR(node->i_mode) && node->i_rdev == inode->i_rdev;
	path_put(&found);
	if (!ret)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %s leads to another file (mount namespace, chroot or over-mount?)",
				fd, path);
found:
	hf->kind = S_ISCHR(inode->i_mode) ? CKPT_FILE_CHR : CKPT_FILE_REG;
	hf->f_flags = flags;
	hf->mode = inode->i_mode;
	if (S_ISCHR(inode->i_mode))
		hf->rdev = new_encode_dev(inode->i_rdev);
	else
		hf->pos = file->f_pos;
	hf->path_len = strlen(path) + 1;
	*pathp = path;
	return 0;
}

/* A regular file or directory, or an O_PATH file of any other node */
static bool ckpt_is_reg(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	if (!ckpt_is_on_path(file))
		return false;
	return S_ISREG(mode) || S_ISDIR(mode) ||
	       ((file->f_flags & O_PATH) && !S_ISCHR(mode));
}

static bool ckpt_is_chr(struct file *file)
{
	return S_ISCHR(file_inode(file)->i_mode) && ckpt_is_on_path(file);
}

static int ckpt_save_pipe_file(struct ckpt_ctx *ctx, unsigned int fd,
			       struct file *file, struct ckpt_hdr_file *hf,
			       char *buf, char **path)
{
	return ckpt_prepare_pipe_file(ctx, fd, file, hf, CKPT_FILE_PIPE, buf,
				      path);
}

/* its locks are saved after the FDs (locks.c); no lease on a FIFO */
static int ckpt_save_fifo_file(struct ckpt_ctx *ctx, unsigned int fd,
			       struct file *file, struct ckpt_hdr_file *hf,
			       char *buf, char **path)
{
	return ckpt_prepare_pipe_file(ctx, fd, file, hf, CKPT_FILE_FIFO, buf,
				      path);
}

static int ckpt_save_reg_file(struct ckpt_ctx *ctx, unsigned int fd,
			      struct file *file, struct ckpt_hdr_file *hf,
			      char *buf, char **path)
{
	/* its locks are saved after the FDs (locks.c), leases refused */
	int ret = checkpoint_file_lease(ctx, fd, file);

	if (ret)
		return ret;
	return ckpt_prepare_path_file(ctx, fd, file, hf, buf, path);
}

static int ckpt_save_chr_file(struct ckpt_ctx *ctx, unsigned int fd,
			      struct file *file, struct ckpt_hdr_file *hf,
			      char *buf, char **path)
{
	struct inode *inode = file_inode(file);

	if (!(file->f_flags & O_PATH) && !ckpt_chr_supported(inode->i_rdev))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: character device %u:%u (%pD) not supported yet",
				fd, MAJOR(inode->i_rdev), MINOR(inode->i_rdev),
				file);
	return ckpt_prepare_path_file(ctx, fd, file, hf, buf, path);
}

static int restore_pipe_obj(struct ckpt_ctx *ctx);
static struct file *restore_pipe_file(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      const char *path);
static struct file *restore_path_file(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      const char *path);
static struct file *restore_fifo_file(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      const char *path);

/* The kinds of open files, for both directions; the first match saves. */
static const struct ckpt_file_ops ckpt_file_ops[] = {
	{
		/* before "character device": a pty is one */
		.name = "pty",
		.kind = CKPT_FILE_TTY,
		.obj_type = CKPT_HDR_TTY,
		.can_save = ckpt_is_tty,
		.save = checkpoint_tty_file,
		.restore_obj = restore_tty_obj,
		.restore = restore_tty_file,
	}, {
		/* before "reg": a deleted file is saved by contents */
		.name = "deleted file or memfd",
		.kind = CKPT_FILE_GHOST,
		.obj_type = CKPT_HDR_INODE,
		.can_save = ckpt_ghost_file,
		.save = ckpt_save_ghost_file,
		.restore_obj = restore_ghost_obj,
		.restore = restore_ghost_file,
	}, {
		.name = "pipe",
		.kind = CKPT_FILE_PIPE,
		.obj_type = CKPT_HDR_PIPE,
		.can_save = ckpt_is_pipe,
		.save = ckpt_save_pipe_file,
		.restore_obj = restore_pipe_obj,
		.restore = restore_pipe_file,
	}, {
		/* before "reg": an O_PATH FIFO (no pipe) is "reg"'s */
		.name = "FIFO",
		.kind = CKPT_FILE_FIFO,
		.by_path = true,
		.can_save = ckpt_is_fifo,
		.save = ckpt_save_fifo_file,
		.restore = restore_fifo_file,
	}, {
		.name = "regular file or directory",
		.kind = CKPT_FILE_REG,
		.by_path = true,
		.can_save = ckpt_is_reg,
		.save = ckpt_save_reg_file,
		.restore = restore_path_file,
	}, {
		.name = "character device",
		.kind = CKPT_FILE_CHR,
		.by_path = true,
		.can_save = ckpt_is_chr,
		.save = ckpt_save_chr_file,
		.restore = restore_path_file,
	}, {
		.name = "socket",
		.kind = CKPT_FILE_UNIX,
		.obj_type = CKPT_HDR_UNIX,
		.can_save = ckpt_unix_can_save,
		.save = ckpt_unix_save,
		.restore_obj = restore_unix_obj,
		.restore = restore_unix_file,
	}, {
		.name = "eventfd",
		.kind = CKPT_FILE_EVENTFD,
		.obj_type = CKPT_HDR_EVENTFD,
		.can_save = ckpt_is_eventfd,
		.save = ckpt_save_eventfd,
		.restore_obj = restore_eventfd_obj,
		.restore = restore_event_file,
	}, {
		.name = "signalfd",
		.kind = CKPT_FILE_SIGNALFD,
		.obj_type = CKPT_HDR_SIGNALFD,
		.can_save = ckpt_is_signalfd,
		.save = ckpt_save_signalfd,
		.restore_obj = restore_signalfd_obj,
		.restore = restore_event_file,
	}, {
		.name = "timerfd",
		.kind = CKPT_FILE_TIMERFD,
		.obj_type = CKPT_HDR_TIMERFD,
		.can_save = ckpt_is_timerfd,
		.save = ckpt_save_timerfd,
		.restore_obj = restore_timerfd_obj,
		.restore = restore_event_file,
	},
#ifdef CONFIG_INOTIFY_USER
	{
		.name = "inotify",
		.kind = CKPT_FILE_INOTIFY,
		.obj_type = CKPT_HDR_INOTIFY,
		.can_save = ckpt_is_inotify,
		.save = ckpt_save_inotify,
		.restore_obj = restore_inotify_obj,
		.restore = restore_event_file,
	},
#endif
#ifdef CONFIG_EPOLL
	{
		.name = "epoll",
		.kind = CKPT_FILE_EPOLL,
		.obj_type = CKPT_HDR_EPOLL,
		.can_save = ckpt_epoll_can_save,
		.save = ckpt_epoll_save,
		.restore_obj = restore_epoll_obj,
		.restore = restore_epoll_file,
	},
#endif
};

/*
 * A procfs file: say whose (a /proc/<pid>/... of a process outside the
 * tree would name another process after restart).
 */
static int ckpt_refuse_proc_file(struct ckpt_ctx *ctx, unsigned int fd,
				 struct file *file)
{
	char *buf = __getname(), *path;
	const char *whose = "";
	unsigned int pid;
	int i, n = 0;

	if (!buf)
		return ckpt_nomem(ctx, "a path");
	path = d_path(&file->f_path, buf, PATH_MAX);
	if (!IS_ERR(path) && sscanf(path, "/proc/%u/%n", &pid, &n) == 1 && n) {
		whose = " (a process outside the tree)";
		for (i = 0; i < ctx->nr_tasks; i++)
			if (task_tgid_vnr(ctx->tasks[i]) == pid ||
			    task_pid_vnr(ctx->tasks[i]) == pid)
				whose = " (of a task of the tree)";
	}
	ckpt_err(ctx, -EOPNOTSUPP,
		 "fd %u: procfs file %s%s not supported yet", fd,
		 IS_ERR(path) ? "?" : path, whose);
	__putname(buf);
	return -EOPNOTSUPP;
}

/* A file of no kind we save: say what it is. */
static int ckpt_refuse_file(struct ckpt_ctx *ctx, unsigned int fd,
			    struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	if (!(file->f_path.mnt->mnt_flags & MNT_INTERNAL) &&
	    file_inode(file)->i_sb->s_magic == PROC_SUPER_MAGIC)
		return ckpt_refuse_proc_file(ctx, fd, file);
	return ckpt_err(ctx, -EOPNOTSUPP, "fd %u: %s (%pD) not supported yet",
			fd, ckpt_file_kind_name(mode), file);
}

/*
 * Save one open file description (once) and return its objref.  buf is a
 * PATH_MAX scratch buffer.
 */
static int ckpt_save_file(struct ckpt_ctx *ctx, unsigned int fd,
			  struct file *file, char *buf, u32 *objref)
{
	const struct ckpt_file_ops *ops = NULL;
	struct ckpt_hdr_file hf;
	struct ckpt_obj *obj;
	char *path = NULL;
	unsigned int i;
	int ret;

	obj = ckpt_obj_find_ptr(ctx, file);
	if (obj) {
		if (obj->type != CKPT_OBJ_FILE)
			return ckpt_err(ctx, -EINVAL, "fd %u: object clash", fd);
		*objref = obj->objref;
		return 0;
	}

	for (i = 0; i < ARRAY_SIZE(ckpt_file_ops); i++) {
		if (ckpt_file_ops[i].can_save(file)) {
			ops = &ckpt_file_ops[i];
			break;
		}
	}
	if (!ops)
		return ckpt_refuse_file(ctx, fd, file);

	memset(&hf, 0, sizeof(hf));
	ret = ops->save(ctx, fd, file, &hf, buf, &path);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(hf.kind != ops->kind || (!path && hf.path_len)))
		return ckpt_err(ctx, -EINVAL, "fd %u: %s: bad FILE record",
				fd, ops->name);

	obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_FILE, get_file(file),
			       ckpt_release_file);
	if (IS_ERR(obj)) {	/* logged; the reference is still ours */
		fput(file);
		return PTR_ERR(obj);
	}
	hf.objref = obj->objref;
	*objref = obj->objref;

	if (path)
		return ckpt_write_record_payload(ctx, CKPT_HDR_FILE, &hf,
						 sizeof(hf), path, hf.path_len);
	return ckpt_write_record(ctx, CKPT_HDR_FILE, &hf, sizeof(hf));
}

int checkpoint_file(struct ckpt_ctx *ctx, unsigned int fd, struct file *file,
		    u32 *objref)
{
	char *buf = __getname();
	int ret;

	if (!buf)
		return ckpt_nomem(ctx, "a path");
	ret = ckpt_save_file(ctx, fd, file, buf, objref);
	__putname(buf);
	return ret;
}

static bool ckpt_skip_self(struct ckpt_ctx *ctx, struct task_struct *t,
			   struct file *file)
{
	return t == current && (file == ctx->file ||
				(ctx->logfile && file == ctx->logfile));
}

int checkpoint_files(struct ckpt_ctx *ctx, struct task_struct *t, int index)
{
	struct ckpt_hdr_files hdr;
	struct ckpt_hdr_fd hfd;
	struct ckpt_fdent *ent = NULL;
	unsigned int nr = 0, i, nr_save;
	char *buf = NULL;
	u32 objref, first_ref;
	int ret;

	/* a shared fd table is saved with the first task that uses it */
	if (!(ctx->task_first[index] & CKPT_FIRST_FILES))
		return 0;
	ret = ckpt_collect_fds(ctx, t, &ent, &nr);
	if (ret)
		goto out;

	nr_save = 0;
	for (i = 0; i < nr; i++) {
		if (ent[i].fd >= CKPT_FDS_MAX) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "fd %u: fd numbers must be below %u",
				       ent[i].fd, CKPT_FDS_MAX);
			goto out;
		}
		if (!ckpt_skip_self(ctx, t, ent[i].file))
			nr_save++;
	}

	buf = __getname();
	if (!buf) {
		ret = ckpt_nomem(ctx, "a path");
		goto out;
	}

	memset(&hdr, 0, sizeof(hdr));
	hdr.nr_fds = nr_save;
	hdr.objref = ctx->pids[index].files_ref;
	ret = ckpt_write_record(ctx, CKPT_HDR_FILES, &hdr, sizeof(hdr));
	if (ret)
		goto out;

	/* the owner of its POSIX locks (compared, never dereferenced) */
	ctx->files_owner = READ_ONCE(t->files);
	/* the FILEs of this section get objrefs from here on */
	first_ref = ctx->next_objref;

	for (i = 0; i < nr; i++) {
		if (ckpt_skip_self(ctx, t, ent[i].file)) {
			ckpt_log(ctx, "fd %u: %s file of this self-checkpoint, not saved",
				 ent[i].fd,
				 ent[i].file == ctx->file ? "image" : "log");
			continue;
		}
		ret = ckpt_save_file(ctx, ent[i].fd, ent[i].file, buf,
				     &objref);
		if (ret)
			goto out;

		memset(&hfd, 0, sizeof(hfd));
		hfd.fd = ent[i].fd;
		hfd.flags = ent[i].cloexec ? CKPT_FD_CLOEXEC : 0;
		hfd.file_ref = objref;
		ret = ckpt_write_record(ctx, CKPT_HDR_FD, &hfd, sizeof(hfd));
		if (ret)
			goto out;
	}
	/* then the locks of the table and of the FILEs defined here */
	ret = checkpoint_file_locks(ctx, t, first_ref);

out:
	ctx->files_owner = NULL;
	if (buf)
		__putname(buf);
	for (i = 0; i < nr; i++)
		fput(ent[i].file);
	kvfree(ent);
	return ret;
}

/*
 * Leaks: an open file description of the tree (a regular file, a
 * directory, a pipe end) or a shared anonymous memory object must be held
 * by the tree only: every reference the kernel counts (file_count) must
 * be one met in the tree, an fd of one of its fd tables or a mapping of
 * one of its address spaces.  Another holder (a process outside that got
 * it by fork or SCM_RIGHTS, a message in flight) would share state the
 * restarted tree can not share with it.  The console, ttys and the
 * stateless devices kcr reopens by path are the documented exception.
 */
struct ckpt_file_use {
	struct hlist_node node;
	struct file *file;		/* referenced */
	unsigned long refs;		/* fd slots and mappings met */
	pid_t pid;			/* where it was met first */
	unsigned long where;		/* fd, or address of the mapping */
	bool mapping;
	bool inflight;			/* met first in flight in a unix socket */
	bool walked;			/* its files in flight counted */
	bool counted;			/* ghost: its dentry's files counted */
};

/* 64Ki buckets: short chains up to CKPT_FDS_MAX files */
#define CKPT_USE_HASH_BITS	16

static struct ckpt_file_use *ckpt_use_find(struct hlist_head *heads,
					   struct file *file)
{
	struct ckpt_file_use *u;

	hlist_for_each_entry(u, &heads[hash_ptr(file, CKPT_USE_HASH_BITS)],
			     node)
		if (u->file == file)
			return u;
	return NULL;
}

static int ckpt_use_add(struct ckpt_ctx *ctx, struct hlist_head *heads,
			struct file *file, pid_t pid, unsigned long where,
			bool mapping)
{
	struct ckpt_file_use *u = ckpt_use_find(heads, file);

	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (!u)
			return ckpt_nomem(ctx, "the file leak check");
		u->file = get_file(file);
		u->pid = pid;
		u->where = where;
		u->mapping = mapping;
		hlist_add_head(&u->node,
			       &heads[hash_ptr(file, CKPT_USE_HASH_BITS)]);
	}
	u->refs++;
	return 0;
}

static int ckpt_use_fds(struct ckpt_ctx *ctx, struct hlist_head *heads,
			int index)
{
	struct ckpt_fdent *ent;
	unsigned int nr, i;
	int ret;

	ret = ckpt_collect_fds(ctx, ctx->tasks[index], &ent, &nr);
	for (i = 0; !ret && i < nr; i++) {
		ret = ckpt_use_add(ctx, heads, ent[i].file, ctx->pids[index].pid,
				   ent[i].fd, false);
		cond_resched();
	}
	for (i = 0; i < nr; i++)
		fput(ent[i].file);
	kvfree(ent);
	return ret;
}

/*
 * The files in flight (SCM_RIGHTS) in the queues of the unix sockets met,
 * and in theirs, until no new file: each in-flight reference is one of
 * the tree, the socket's queue being saved with it.
 */
static int ckpt_use_inflight(struct ckpt_ctx *ctx, struct hlist_head *heads)
{
	struct ckpt_file_use *u, *n;
	unsigned int total = 0, nr, i, b;
	struct file **f;
	bool again = true;
	int ret = 0;

	while (!ret && again) {
		again = false;
		for (b = 0; !ret && b < (1 << CKPT_USE_HASH_BITS); b++) {
			hlist_for_each_entry(u, &heads[b], node) {
				if (u->walked)
					continue;
				u->walked = true;
				ret = ckpt_unix_inflight(ctx, u->file, &f, &nr);
				if (ret)
					break;
				total += nr;
				if (total > CKPT_UNIX_INFLIGHT_MAX)
					ret = ckpt_err(ctx, -EOPNOTSUPP,
						       "more than %u files in flight in the tree's unix sockets",
						       CKPT_UNIX_INFLIGHT_MAX);
				for (i = 0; !ret && i < nr; i++) {
					n = ckpt_use_find(heads, f[i]);
					ret = ckpt_use_add(ctx, heads, f[i],
							   u->pid, u->where,
							   false);
					if (!ret && !n) {
						n = ckpt_use_find(heads, f[i]);
						n->inflight = true;
						again = true;
					}
				}
				for (i = 0; i < nr; i++)
					fput(f[i]);
				kvfree(f);
				if (ret)
					break;
			}
			cond_resched();
		}
	}
	return ret;
}

/* Shared anonymous memory, and mappings of files the fd tables hold. */
static int ckpt_use_mappings(struct ckpt_ctx *ctx, struct hlist_head *heads,
			     int index)
{
	struct mm_struct *mm = get_task_mm(ctx->tasks[index]);
	struct vm_area_struct *vma;
	struct file *file;
	int ret = 0;

	if (!mm)
		return 0;
	if (ckpt_mmap_lock(ctx, mm, false)) {
		mmput(mm);
		return ckpt_err(ctx, -EINTR, "interrupted");
	}
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			file = vma->vm_file;
			if (!file)
				continue;
			if (ckpt_use_find(heads, file) || ckpt_ghost_file(file) ||
			    (vma_is_shmem(vma) && (vma->vm_flags & VM_SHARED) &&
			     (file->f_path.mnt->mnt_flags & MNT_INTERNAL)))
				ret = ckpt_use_add(ctx, heads, file,
						   ctx->pids[index].pid,
						   vma->vm_start, true);
			if (ret)
				break;
		}
	}
	ckpt_mmap_unlock(ctx, mm, false);
	/* the mm's own reference on its executable (a deleted one is mapped) */
	file = ret ? NULL : get_mm_exe_file(mm);
	if (file) {
		struct ckpt_file_use *u = ckpt_use_find(heads, file);

		if (u)
			u->refs++;
		fput(file);
	}
	mmput(mm);
	return ret;
}

/*
 * A deleted file or memfd is restored as a new inode that only the tree's
 * open files of it share (ghost.c): another open file of it (opened
 * before the unlink, or through /proc/PID/fd, by a task outside) would
 * not share it any more.  Every open file of it holds one reference on
 * its dentry, counted against the tree's distinct files of it.
 */
static int ckpt_ghost_leaks(struct ckpt_ctx *ctx, struct hlist_head *heads)
{
	struct ckpt_file_use *u, **g = NULL;
	unsigned int n = 0, i, j, count;
	struct dentry *d;
	int ret = 0;

	for (i = 0; i < (1 << CKPT_USE_HASH_BITS); i++)
		hlist_for_each_entry(u, &heads[i], node)
			n += ckpt_ghost_file(u->file);
	if (!n)
		return 0;
	g = kvmalloc_array(n, sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ckpt_nomem(ctx, "the file leak check");
	n = 0;
	for (i = 0; i < (1 << CKPT_USE_HASH_BITS); i++)
		hlist_for_each_entry(u, &heads[i], node)
			if (ckpt_ghost_file(u->file))
				g[n++] = u;
	for (i = 0; !ret && i < n; i++) {
		if (g[i]->counted)
			continue;
		d = g[i]->file->f_path.dentry;
		count = 0;
		for (j = i; j < n; j++) {
			if (g[j]->file->f_path.dentry != d)
				continue;
			g[j]->counted = true;
			count++;
		}
		if (d_count(d) != count)
			ret = ckpt_err(ctx, -EBUSY,
				       "%s %lu of pid %d (%pD): a deleted file or memfd also open outside the tree (%d open files, %u in the tree)",
				       g[i]->mapping ? "mapping at" : "fd",
				       g[i]->where, g[i]->pid, g[i]->file,
				       d_count(d), count);
		cond_resched();
	}
	kvfree(g);
	return ret;
}

static bool ckpt_use_exempt(struct ckpt_ctx *ctx, struct file *file)
{
	struct inode *inode = file_inode(file);

	if (file == ctx->file || file == ctx->logfile)
		return true;
	return S_ISCHR(inode->i_mode) && ckpt_chr_supported(inode->i_rdev);
}

int checkpoint_files_leaks(struct ckpt_ctx *ctx)
{
	struct ckpt_file_use *u;
	struct hlist_head *heads;
	struct hlist_node *tmp;
	long count;
	int i, ret = 0;

	heads = kvcalloc(1 << CKPT_USE_HASH_BITS, sizeof(*heads), GFP_KERNEL_ACCOUNT);
	if (!heads)
		return ckpt_nomem(ctx, "the file leak check");
	for (i = 0; !ret && i < ctx->nr_tasks; i++)
		if (ctx->task_first[i] & CKPT_FIRST_FILES)
			ret = ckpt_use_fds(ctx, heads, i);
	for (i = 0; !ret && i < ctx->nr_tasks; i++)
		if (ctx->task_first[i] & CKPT_FIRST_MM)
			ret = ckpt_use_mappings(ctx, heads, i);
	if (!ret)
		ret = ckpt_use_inflight(ctx, heads);
	if (!ret)
		ret = ckpt_ghost_leaks(ctx, heads);

	for (i = 0; i < (1 << CKPT_USE_HASH_BITS); i++) {
		hlist_for_each_entry_safe(u, tmp, &heads[i], node) {
			/* ours is the one reference more */
			count = file_count(u->file) - 1;
			if (!ret && count != u->refs &&
			    !ckpt_use_exempt(ctx, u->file)) {
				if (u->inflight)
					ret = ckpt_err(ctx, -EBUSY,
						       "%pD, in flight (SCM_RIGHTS) on a unix socket (fd %lu of pid %d), is also held outside the tree (%ld references, %lu in the tree)",
						       u->file, u->where, u->pid,
						       count, u->refs);
				else if (u->mapping)
					ret = ckpt_err(ctx, -EBUSY,
						       "shared memory at %#lx of pid %d is also mapped outside the tree (%ld references, %lu in the tree)",
						       u->where, u->pid, count,
						       u->refs);
				else
					ret = ckpt_err(ctx, -EBUSY,
						       "fd %lu of pid %d (%pD) is an open file also held outside the tree, passed by fork or SCM_RIGHTS (%ld references, %lu in the tree)",
						       u->where, u->pid, u->file,
						       count, u->refs);
			}
			hlist_del(&u->node);
			fput(u->file);
			kfree(u);
		}
		cond_resched();
	}
	kvfree(heads);
	return ret;
}

/* ------------------------------------------------------------ restart */

/*
 * A restored pipe (CKPT_OBJ_PIPE): both ends until the context goes.  The
 * first FILE that uses it decides what it is: an anonymous pipe (its files
 * are file[] and more opened on it), or a FIFO, whose pipe is the one of
 * the node at the path: the data goes over from file[] into it, and fifo,
 * an internal read-write open file, holds both ends of it while the files
 * of the tree are opened (no open blocks, none fails with ENXIO).
 */
struct ckpt_rst_pipe {
	struct file *file[2];		/* [0] read end, [1] write end */
	bool used[2];			/* claimed by a FILE record */
	u32 size;			/* capacity */
	u32 data_len;			/* bytes of data */
	u32 kind;			/* CKPT_FILE_PIPE or _FIFO, 0 yet */
	struct file *fifo;		/* FIFO: the holder, or NULL */
};

struct ckpt_rst_fd {
	unsigned int fd;
	bool cloexec;
	struct file *file;		/* referenced */
};

/* rt->files */
struct ckpt_rst_files {
	unsigned int nr;		/* entries filled */
	unsigned int max;		/* nr_fds of the FILES record */
	struct ckpt_rst_fd ent[];
};

static void ckpt_release_pipe(void *ptr)
{
	struct ckpt_rst_pipe *rp = ptr;

	fput(rp->file[0]);
	fput(rp->file[1]);
	if (rp->fifo)
		fput(rp->fifo);
	kfree(rp);
}

/* PIPE + PIPE_DATA: a new pipe with the saved capacity and data. */
static int restore_pipe_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_pipe *rp;
	struct ckpt_hdr_pipe hp;
	char *data = NULL;
	u32 left;
	long sz;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_PIPE, &hp, sizeof(hp), sizeof(hp));
	if (ret < 0)
		return ret;
	if (hp.pad || hp.size < PAGE_SIZE || hp.size > (1U << 31) ||
	    !is_power_of_2(hp.size) || hp.data_len > hp.size)
		return ckpt_err(ctx, -EINVAL,
				"pipe %u: bad size %u or data length %u",
				hp.objref, hp.size, hp.data_len);
	if (ckpt_obj_find_ref(ctx, CKPT_OBJ_PIPE, hp.objref))
		return ckpt_err(ctx, -EINVAL, "pipe %u: defined twice",
				hp.objref);

	rp = kzalloc(sizeof(*rp), GFP_KERNEL_ACCOUNT);
	if (!rp)
		return ckpt_nomem(ctx, "a pipe");
	/* both ends non-blocking while refilling; FILE records set flags */
	ret = create_pipe_files(rp->file, O_NONBLOCK);
	if (ret) {
		kfree(rp);
		return ckpt_err(ctx, ret, "pipe %u: can not create it",
				hp.objref);
	}
	rp->size = hp.size;
	rp->data_len = hp.data_len;
	/* from here the object table owns rp (released by it on failure) */
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_PIPE, hp.objref, rp,
			       ckpt_release_pipe);
	if (ret)	/* logged */
		return ret;

	sz = pipe_fcntl(rp->file[1], F_GETPIPE_SZ, 0);
	if (sz != hp.size)
		sz = pipe_fcntl(rp->file[1], F_SETPIPE_SZ, hp.size);
	if (sz != hp.size)
		return ckpt_err(ctx, sz < 0 ? (int)sz : -EINVAL,
				"pipe %u: can not set its capacity to %u (pipe-max-size, pipe-user-pages limits?)",
				hp.objref, hp.size);

	if (hp.data_len) {
		data = kvmalloc(min(hp.data_len, CKPT_PIPE_CHUNK), CKPT_GFP_IMAGE);
		if (!data)
			return ckpt_nomem(ctx, "pipe data");
	}
	for (left = hp.data_len; left; ) {
		u32 n, done;

		ret = ckpt_read_hdr(ctx, CKPT_HDR_PIPE_DATA,
				    sizeof(struct ckpt_hdr_pipe_data) + 1,
				    sizeof(struct ckpt_hdr_pipe_data) +
				    CKPT_PIPE_CHUNK);
		if (ret < 0)
			goto out;
		n = ret - sizeof(struct ckpt_hdr_pipe_data);
		if (n > left) {
			ret = ckpt_err(ctx, -EINVAL,
				       "pipe %u: more data than announced",
				       hp.objref);
			goto out;
		}
		ret = ckpt_read_raw(ctx, data, n);
		if (!ret)
			ret = ckpt_read_end(ctx, sizeof(struct ckpt_hdr_pipe_data) + n);
		if (ret)
			goto out;
		for (done = 0; done < n; ) {
			ssize_t w = kernel_write(rp->file[1], data + done,
						 n - done, NULL);

			if (w <= 0) {
				ret = ckpt_err(ctx, w ? (int)w : -EIO,
					       "pipe %u: refilling it failed",
					       hp.objref);
				goto out;
			}
			done += w;
		}
		left -= n;
	}
	ret = 0;
out:
	kvfree(data);
	return ret;
}

/* The fields of a FILE of a pipe or FIFO that do not depend on the kind. */
static struct ckpt_rst_pipe *restore_pipe_of(struct ckpt_ctx *ctx,
					     const struct ckpt_hdr_file *hf,
					     u32 kind)
{
	unsigned int acc = hf->f_flags & O_ACCMODE;
	struct ckpt_rst_pipe *rp;

	if ((hf->mode & S_IFMT) != S_IFIFO || hf->pos || hf->rdev ||
	    (hf->f_flags & ~(hf->kind == CKPT_FILE_FIFO ? CKPT_FIFO_FLAGS :
			     CKPT_PIPE_FLAGS)) || acc == O_ACCMODE) {
		ckpt_err(ctx, -EINVAL, "file %u: bad pipe or FIFO file",
			 hf->objref);
		return ERR_PTR(-EINVAL);
	}
	rp = ckpt_obj_find_ref(ctx, CKPT_OBJ_PIPE, hf->obj_ref);
	if (!rp) {
		ckpt_err(ctx, -EINVAL, "file %u: unknown pipe %u",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	if (rp->kind && rp->kind != kind) {
		ckpt_err(ctx, -EINVAL,
			 "file %u: pipe %u is both an anonymous pipe and a FIFO",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	rp->kind = kind;
	return rp;
}

/*
 * An open file of a restored anonymous pipe (or of an unlinked FIFO): the
 * first read-only and the first write-only one are the ends the pipe was
 * made with; any other (O_RDWR, or a second one of an end, as a reopen
 * through /proc/<pid>/fd gives) is opened on the pipe's inode the way
 * such a reopen does (fifo_open(), which never blocks for a pipe).
 */
static struct file *restore_pipe_anon(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      struct ckpt_rst_pipe *rp)
{
	unsigned int acc = hf->f_flags & O_ACCMODE;
	struct file *file;
	int end;

	end = acc == O_RDONLY ? 0 : 1;
	if (acc != O_RDWR && !rp->used[end]) {
		rp->used[end] = true;
		file = rp->file[end];
		ckpt_set_file_flags(file, hf->f_flags);
		return get_file(file);
	}
	/* O_DIRECT (packet mode) is F_SETFL's, not open's, for a pipe */
	file = dentry_open(&rp->file[0]->f_path, hf->f_flags & ~O_DIRECT,
			   current_cred());
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "file %u: pipe %u: open failed",
			 hf->objref, hf->obj_ref);
		return file;
	}
	ckpt_set_file_flags(file, hf->f_flags);
	return file;
}

/* An open file of a restored anonymous pipe. */
static struct file *restore_pipe_file(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      const char *path)
{
	struct ckpt_rst_pipe *rp;

	if (hf->path_len) {
		ckpt_err(ctx, -EINVAL, "file %u: a pipe has no path",
			 hf->objref);
		return ERR_PTR(-EINVAL);
	}
	rp = restore_pipe_of(ctx, hf, CKPT_FILE_PIPE);
	if (IS_ERR(rp))
		return ERR_CAST(rp);
	return restore_pipe_anon(ctx, hf, rp);
}

/* Move the data read into the pipe of rp's file[] into the FIFO. */
static int restore_fifo_fill(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_file *hf,
			     struct ckpt_rst_pipe *rp, const char *name)
{
	ssize_t n, w, done;
	char *data;
	int ret = 0;

	data = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!data)
		return ckpt_nomem(ctx, "FIFO data");
	for (;;) {
		n = kernel_read(rp->file[0], data, PAGE_SIZE, NULL);
		if (n == -EAGAIN || !n)	/* empty (the write end is ours) */
			break;
		if (n < 0) {
			ret = ckpt_err(ctx, (int)n,
				       "file %u: FIFO %s: reading its data failed",
				       hf->objref, name);
			break;
		}
		for (done = 0; done < n; done += w) {
			w = kernel_write(rp->fifo, data + done, n - done, NULL);
			if (w <= 0) {
				ret = ckpt_err(ctx, w ? (int)w : -EIO,
					       "file %u: FIFO %s: refilling it failed",
					       hf->objref, name);
				goto out;
			}
		}
		cond_resched();
	}
out:
	kfree(data);
	return ret;
}

/*
 * The first open file of a FIFO met, on the one lookup of @name
 * (restore_lookup_path(): the restored task's rights, the saved type and
 * identity): first the holder, an internal O_RDWR open file, which must
 * find a FIFO nobody has open (no reader, no writer, no data: one open
 * outside would share the restored pipe); the FIFO gets the saved capacity
 * and data (the restored task must be allowed to write it for that); then
 * the tree's file (@flags has O_NONBLOCK) on the same path.
 */
static struct file *restore_fifo_first(struct ckpt_ctx *ctx,
				       const struct ckpt_hdr_file *hf,
				       struct ckpt_rst_pipe *rp,
				       const char *name, unsigned int flags,
				       const char *what)
{
	struct pipe_inode_info *pipe;
	struct file *holder, *file = NULL;
	struct path path;
	bool fresh;
	long sz;
	int ret;

	ret = restore_lookup_path(ctx, name, flags, S_IFIFO, 0, &hf->id, what,
				  &path);
	if (ret)
		return ERR_PTR(ret);
	if (rp->data_len) {
		ret = inode_permission(mnt_user_ns(path.mnt),
				       d_inode(path.dentry), MAY_WRITE);
		if (ret) {
			ckpt_err(ctx, ret, "%s: FIFO %s: the restored task may not write its data",
				 what, name);
			goto out;
		}
	}
	/* internal: never installed, dropped with the context */
	holder = dentry_open(&path, O_RDWR | O_NONBLOCK | O_LARGEFILE,
			     current_cred());
	if (IS_ERR(holder)) {
		ret = ckpt_err(ctx, PTR_ERR(holder), "%s: FIFO %s: open failed",
			       what, name);
		goto out;
	}
	/* what was opened is a FIFO (its type was checked on the lookup) */
	pipe = get_pipe_info(holder, false);
	if (!pipe) {
		fput(holder);
		ret = ckpt_err(ctx, -ESTALE, "%s: %s: not a FIFO", what, name);
		goto out;
	}
	pipe_lock(pipe);
	fresh = pipe->readers == 1 && pipe->writers == 1 &&
		pipe_empty(pipe->head, pipe->tail);
	pipe_unlock(pipe);
	if (!fresh) {
		fput(holder);
		ret = ckpt_err(ctx, -EBUSY,
			       "%s: FIFO %s is open outside the restarted tree (or holds data)",
			       what, name);
		goto out;
	}
	rp->fifo = holder;	/* released with rp */

	sz = pipe_fcntl(holder, F_GETPIPE_SZ, 0);
	if (sz != rp->size)
		sz = pipe_fcntl(holder, F_SETPIPE_SZ, rp->size);
	if (sz != rp->size) {
		ret = ckpt_err(ctx, sz < 0 ? (int)sz : -EINVAL,
			       "%s: FIFO %s: can not set its capacity to %u (pipe-max-size, pipe-user-pages limits?)",
			       what, name, rp->size);
		goto out;
	}
	ret = restore_fifo_fill(ctx, hf, rp, name);
	if (!ret)
		file = restore_open_found(ctx, &path, flags, name, what);
out:
	path_put(&path);
	return ret ? ERR_PTR(ret) : file;
}

/*
 * An open file of a FIFO: reopened by path with the restored task's rights
 * and the checks of open(2), O_NONBLOCK while opening; the FIFO holder
 * makes sure that neither blocks nor fails.  What is opened must be the
 * pipe of the holder.  A FIFO saved without a path (its name was unlinked)
 * comes back as an anonymous pipe with the same data and open files.
 */
static struct file *restore_fifo_file(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      const char *path)
{
	struct ckpt_rst_pipe *rp;
	unsigned int added;
	struct file *file;
	char what[24];

	rp = restore_pipe_of(ctx, hf, path ? CKPT_FILE_FIFO : CKPT_FILE_PIPE);
	if (IS_ERR(rp))
		return ERR_CAST(rp);
	if (!path) {
		if (memchr_inv(&hf->id, 0, sizeof(hf->id))) {
			ckpt_err(ctx, -EINVAL,
				 "file %u: an unlinked FIFO has no identity",
				 hf->objref);
			return ERR_PTR(-EINVAL);
		}
		return restore_pipe_anon(ctx, hf, rp);
	}
	if (hf->id.size || hf->id.mtime_sec || hf->id.mtime_nsec) {
		ckpt_err(ctx, -EINVAL, "file %u: a FIFO's identity has no size nor mtime",
			 hf->objref);
		return ERR_PTR(-EINVAL);
	}

	added = O_NONBLOCK & ~hf->f_flags;
	snprintf(what, sizeof(what), "file %u", hf->objref);
	if (!rp->fifo)
		file = restore_fifo_first(ctx, hf, rp, path,
					  (hf->f_flags & ~O_DIRECT) | added,
					  what);
	else
		file = restore_open_path(ctx, path,
					 (hf->f_flags & ~O_DIRECT) | added,
					 S_IFIFO, 0, &hf->id, what);
	if (IS_ERR(file))
		return file;
	if (get_pipe_info(file, false) != get_pipe_info(rp->fifo, false)) {
		fput(file);
		ckpt_err(ctx, -ESTALE, "file %u: %s: another FIFO than pipe %u's",
			 hf->objref, path, hf->obj_ref);
		return ERR_PTR(-ESTALE);
	}
	/* f_flags as F_GETFL showed them at checkpoint */
	ckpt_set_file_flags(file, (file->f_flags & ~added) |
			    (hf->f_flags & O_DIRECT));
	return file;
}

/*
 * A regular file, directory or character device, or an O_PATH file of any
 * node, reopened by path.
 */
static struct file *restore_path_file(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *hf,
				      const char *path)
{
	unsigned int flags = hf->f_flags;
	umode_t type = hf->mode & S_IFMT;
	unsigned int added;
	struct file *file;
	char what[24];
	int ret;

	if ((flags & ~CKPT_OPEN_FLAGS) ||
	    ((flags & O_PATH) && (flags & ~CKPT_PATH_FLAGS)) ||
	    ((flags & O_DIRECTORY) && type != S_IFDIR)) {
		ckpt_err(ctx, -EINVAL, "file %u: bad open flags %#o",
			 hf->objref, flags);
		return ERR_PTR(-EINVAL);
	}
	if (hf->obj_ref || !path || path[0] != '/')
		goto bad;
	if (hf->kind == CKPT_FILE_REG) {
		/* with O_PATH, any node but a character device (CHR's) */
		if ((type != S_IFREG && type != S_IFDIR &&
		     (!(flags & O_PATH) ||
		      (type != S_IFLNK && type != S_IFIFO &&
		       type != S_IFSOCK && type != S_IFBLK))) ||
		    hf->rdev || ((flags & O_PATH) && hf->pos) ||
		    (type != S_IFREG && (hf->id.size || hf->id.mtime_sec ||
					 hf->id.mtime_nsec)))
			goto bad;
	} else {
		if (type != S_IFCHR || hf->rdev > U32_MAX ||
		    memchr_inv(&hf->id, 0, sizeof(hf->id)))
			goto bad;
		if (!(flags & O_PATH) &&
		    !ckpt_chr_supported(new_decode_dev((u32)hf->rdev))) {
			ckpt_err(ctx, -EINVAL,
				 "file %u: %s: unsupported character device",
				 hf->objref, path);
			return ERR_PTR(-EINVAL);
		}
	}

	/* O_NONBLOCK for devices: e.g. do not wait for a carrier */
	added = type == S_IFCHR ? O_NONBLOCK : 0;
	added &= ~flags;
	snprintf(what, sizeof(what), "file %u", hf->objref);
	file = restore_open_path(ctx, path, flags | added, type,
				 new_decode_dev((u32)hf->rdev),
				 hf->kind == CKPT_FILE_REG ? &hf->id : NULL,
				 what);
	if (IS_ERR(file))
		return file;
	/* f_flags as F_GETFL showed them at checkpoint */
	if (file->f_flags & added)
		ckpt_set_file_flags(file, file->f_flags & ~added);

	/* devices: position is meaningless for those we support */
	if (hf->kind == CKPT_FILE_REG && hf->pos) {
		loff_t pos = vfs_llseek(file, hf->pos, SEEK_SET);

		if (pos != hf->pos) {
			ret = ckpt_err(ctx, pos < 0 ? (int)pos : -EINVAL,
				       "file %u: %s: can not seek to %lld",
				       hf->objref, path, (long long)hf->pos);
			goto fail;
		}
	}

	return file;
fail:
	fput(file);
	return ERR_PTR(ret);
bad:
	ckpt_err(ctx, -EINVAL, "file %u: bad record", hf->objref);
	return ERR_PTR(-EINVAL);
}

static const struct ckpt_file_ops *ckpt_file_ops_of(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_ops); i++)
		if (ckpt_file_ops[i].kind == kind)
			return &ckpt_file_ops[i];
	return NULL;
}

/* The kind whose object records have this type, or NULL. */
static const struct ckpt_file_ops *ckpt_file_ops_of_obj(int type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_ops); i++)
		if (ckpt_file_ops[i].obj_type && ckpt_file_ops[i].obj_type == type)
			return &ckpt_file_ops[i];
	return NULL;
}

struct file *restore_file_get(struct ckpt_ctx *ctx, u32 objref)
{
	return ckpt_obj_find_ref(ctx, CKPT_OBJ_FILE, objref);
}

/* FILE: a new open file, by the ops of its kind. */
static int restore_file(struct ckpt_ctx *ctx)
{
	const struct ckpt_file_ops *ops;
	struct ckpt_hdr_file *hf;
	const char *path = NULL;
	struct file *file;
	u32 len;
	int ret;

	hf = ckpt_read_record_alloc(ctx, CKPT_HDR_FILE, sizeof(*hf),
				    sizeof(*hf) + CKPT_PATH_MAX, &len);
	if (IS_ERR(hf))
		return PTR_ERR(hf);

	ret = -EINVAL;
	if (len != sizeof(*hf) + hf->path_len || hf->pad) {
		ckpt_err(ctx, ret, "file %u: bad length", hf->objref);
		goto out;
	}
	ops = ckpt_file_ops_of(hf->kind);
	if (!ops) {
		ckpt_err(ctx, ret, "file %u: unknown kind %u", hf->objref,
			 hf->kind);
		goto out;
	}
	/* only a file reopened by path has an identity */
	if (!restore_file_id_valid(&hf->id) ||
	    (!ops->by_path && memchr_inv(&hf->id, 0, sizeof(hf->id)))) {
		ckpt_err(ctx, ret, "file %u: bad identity fields", hf->objref);
		goto out;
	}
	if (ckpt_obj_find_ref(ctx, CKPT_OBJ_FILE, hf->objref)) {
		ckpt_err(ctx, ret, "file %u: defined twice", hf->objref);
		goto out;
	}
	if (hf->path_len) {
		path = (const char *)(hf + 1);
		if (hf->path_len < 2 ||
		    strnlen(path, hf->path_len) != hf->path_len - 1) {
			ckpt_err(ctx, ret, "file %u: bad path", hf->objref);
			goto out;
		}
	}

	file = ops->restore(ctx, hf, path);
	if (IS_ERR(file)) {	/* logged */
		ret = PTR_ERR(file);
		goto out;
	}
	/* on failure the reference is dropped and the error logged */
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_FILE, hf->objref, file,
			       ckpt_release_file);
out:
	kvfree(hf);
	return ret;
}

/*
 * A file opened for another task (an fd inherited across fork: its f_cred
 * is that task's): this task must be able to open it as well, by its path
 * (search rights on the way) and with its access mode.
 */
static int restore_check_shared(struct ckpt_ctx *ctx, struct file *file,
				u32 fd)
{
	struct path found;
	char *buf, *name;
	int ret;

	/* internal files (pipes, event fds, sockets, memfds): no path to check */
	if (file->f_cred == current_cred() ||
	    (file->f_path.mnt->mnt_flags & MNT_INTERNAL))
		return 0;
	/* a deleted file restored by ghost.c: no path, its inode is checked */
	if (S_ISREG(file_inode(file)->i_mode) &&
	    d_unlinked(file->f_path.dentry)) {
		ret = restore_may_open(&file->f_path, file->f_flags);
		goto out;
	}
	buf = kmalloc(PATH_MAX, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ckpt_nomem(ctx, "a path");
	name = d_path(&file->f_path, buf, PATH_MAX);
	ret = IS_ERR(name) ? PTR_ERR(name) : kern_path(name, 0, &found);
	if (!ret) {
		ret = path_equal(&found, &file->f_path) ?
		      restore_may_open(&found, file->f_flags) : -ESTALE;
		path_put(&found);
	}
	kfree(buf);
out:
	if (ret)
		ckpt_err(ctx, ret, "fd %u: %pD: the restored task may not open it (flags %#o)",
			 fd, file, file->f_flags);
	return ret;
}

/* FD: fds come in ascending order, each below RLIMIT_NOFILE. */
static int restore_fd(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf)
{
	unsigned long limit = min_t(unsigned long, rlimit(RLIMIT_NOFILE),
				    CKPT_FDS_MAX);
	struct ckpt_rst_fd *e;
	struct ckpt_hdr_fd hfd;
	struct file *file;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_FD, &hfd, sizeof(hfd),
			       sizeof(hfd));
	if (ret < 0)
		return ret;
	if ((hfd.flags & ~CKPT_FD_CLOEXEC) || hfd.pad ||
	    (rf->nr && hfd.fd <= rf->ent[rf->nr - 1].fd))
		return ckpt_err(ctx, -EINVAL,
				"fd %u: bad record (flags, or not in ascending order)",
				hfd.fd);
	if (hfd.fd >= limit)
		return ckpt_err(ctx, -EMFILE,
				"fd %u: not below RLIMIT_NOFILE (%lu)",
				hfd.fd, limit);
	file = ckpt_obj_find_ref(ctx, CKPT_OBJ_FILE, hfd.file_ref);
	if (!file)
		return ckpt_err(ctx, -EINVAL, "fd %u: unknown file %u",
				hfd.fd, hfd.file_ref);
	if (rf->nr >= rf->max)	/* the caller reads at most max FDs */
		return ckpt_err(ctx, -EINVAL, "fd %u: too many fds", hfd.fd);
	ret = restore_check_shared(ctx, file, hfd.fd);
	if (ret)
		return ret;

	e = &rf->ent[rf->nr++];
	e->fd = hfd.fd;
	e->cloexec = hfd.flags & CKPT_FD_CLOEXEC;
	e->file = get_file(file);
	return 0;
}

int restore_files_open(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	unsigned long limit = min_t(unsigned long, rlimit(RLIMIT_NOFILE),
				    CKPT_FDS_MAX);
	struct ckpt_rst_files *rf;
	struct ckpt_hdr_files hdr;
	unsigned int i;
	int ret, type;

	if (rt->files)
		return ckpt_err(ctx, -EINVAL, "files: restored twice");
	/* a shared fd table: the first task that uses it carries it */
	if (!(rt->first & CKPT_FIRST_FILES))
		return 0;

	ret = ckpt_read_record(ctx, CKPT_HDR_FILES, &hdr, sizeof(hdr),
			       sizeof(hdr));
	if (ret < 0)
		return ret;
	if (hdr.objref != rt->entry->files_ref || hdr.nr_fds > CKPT_FDS_MAX)
		return ckpt_err(ctx, -EINVAL, "files: bad record (%u fds)",
				hdr.nr_fds);
	if (hdr.nr_fds > limit)
		return ckpt_err(ctx, -EMFILE,
				"files: %u fds, RLIMIT_NOFILE allows %lu",
				hdr.nr_fds, limit);

	rf = kvzalloc(struct_size(rf, ent, hdr.nr_fds), CKPT_GFP_IMAGE);
	if (!rf)
		return ckpt_nomem(ctx, "the fd table");
	rf->max = hdr.nr_fds;
	rt->files = rf;

	/*
	 * per fd: the objects and FILEs first used by it (a FILE after the
	 * objects it names, in any number: an epoll's targets come before
	 * it), then the FD
	 */
	for (i = 0; i < hdr.nr_fds; i++) {
		for (;;) {
			const struct ckpt_file_ops *ops;

			type = ckpt_peek_type(ctx);
			if (type < 0)
				return type;
			if (type == CKPT_HDR_FD)
				break;
			if (type == CKPT_HDR_FILE) {
				ret = restore_file(ctx);
			} else {
				ops = ckpt_file_ops_of_obj(type);
				if (!ops)
					return ckpt_err(ctx, -EINVAL,
							"files: unexpected record type %d",
							type);
				ret = ops->restore_obj(ctx);
			}
			if (ret)
				return ret;
			cond_resched();
		}
		ret = restore_fd(ctx, rf);
		if (ret)
			return ret;
	}
	/* the FILE_LOCKs after the FDs, set once the table is installed */
	return restore_file_locks_read(ctx, rt);
}

static void ckpt_put_files(void *ptr)
{
	put_files_struct(ptr);
}

/* Make @files current's fd table, as CLONE_FILES would have. */
static void restore_adopt_files(struct files_struct *files)
{
	struct files_struct *old;

	if (current->files == files)
		return;
	atomic_inc(&files->count);
	task_lock(current);
	old = current->files;
	current->files = files;
	task_unlock(current);
	put_files_struct(old);
}

int restore_files_install(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_rst_files *rf = rt->files;
	struct files_struct *files;
	unsigned int i;
	int ret;

	if (!(rt->first & CKPT_FIRST_FILES)) {
		files = ckpt_obj_find_ref(ctx, CKPT_OBJ_FILES,
					  rt->entry->files_ref);
		if (!files)
			return ckpt_err(ctx, -EINVAL,
					"files: fd table %u was not restored",
					rt->entry->files_ref);
		restore_adopt_files(files);
		return 0;
	}
	if (!rf)
		return ckpt_err(ctx, -EINVAL, "files: nothing was opened");

	/* the context holds its own references on the image and log files */
	ret = __close_range(0, ~0U, CLOSE_RANGE_UNSHARE);
	if (ret)
		return ckpt_err(ctx, ret, "files: closing the old fds failed");

	for (i = 0; i < rf->nr; i++) {
		struct ckpt_rst_fd *e = &rf->ent[i];

		ret = receive_fd_replace(e->fd, e->file,
					 e->cloexec ? O_CLOEXEC : 0);
		if (ret < 0)
			return ckpt_err(ctx, ret, "fd %u: install failed",
					e->fd);
		cond_resched();
	}
	ret = restore_file_locks_apply(ctx, rt);
	if (ret)
		return ret;
	/* the tasks that share it adopt it */
	files = current->files;
	atomic_inc(&files->count);
	return ckpt_obj_add_ref(ctx, CKPT_OBJ_FILES, rt->entry->files_ref,
				files, ckpt_put_files);
}

void restore_files_cleanup(struct ckpt_rst_task *rt)
{
	struct ckpt_rst_files *rf = rt->files;
	unsigned int i;

	restore_file_locks_cleanup(rt);
	if (!rf)
		return;
	for (i = 0; i < rf->nr; i++) {
		fput(rf->ent[i].file);
		cond_resched();
	}
	kvfree(rf);
	rt->files = NULL;
}
