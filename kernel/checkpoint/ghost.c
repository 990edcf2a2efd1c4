// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: deleted ("ghost") regular files and memfds (records INODE,
 * INODE_DATA; file kind GHOST, VMA kind INODE).
 *
 * A regular file that is still open or mapped after its last name went,
 * a memfd, or a file of the kernel's internal tmpfs can not be reopened
 * by path: its inode is saved whole, as an INODE object (CKPT_OBJ_INODE,
 * keyed by the inode at checkpoint) written before the first FILE or VMA
 * that uses it, with its contents in INODE_DATA chunks (the data extents
 * SEEK_DATA / SEEK_HOLE report; holes are not written).  Contents are
 * bounded by the checkpoint's ghost limit (CKPT_CHECKPOINT_GHOST_LIMIT(),
 * default CKPT_GHOST_LIMIT_DEFAULT): a larger file is refused, naming it.
 * A deleted name whose inode still has other links is refused (the link
 * would be lost).
 *
 * Restart creates one new inode per INODE object, with the restored
 * task's rights (the "files" and "memory" kinds restore under
 * override_creds): a memfd as memfd_create() does (its name, then its
 * seals added as F_ADD_SEALS would), a deleted file with O_TMPFILE in the
 * directory it was deleted from if that still exists and supports it,
 * else in the kernel's internal tmpfs (the one of memfd and shared
 * anonymous memory); a directory the task may not write to is refused.
 * The new inode is the restorer's: the saved permission bits are applied
 * as chmod() would (a setgid bit the restorer could not set is dropped).
 * The object keeps one open file of the inode for the whole restart;
 * every FILE and VMA opens its own file of it (dentry_open), so all the
 * open files and mappings of one inode share it again.
 *
 * Locking: none of our own.  The contents are read at checkpoint through
 * a private read-only file (kernel_read, no lock held, nothing else
 * written meanwhile); restart writes through the object's file.
 */

#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#define CKPT_MEMFD_PREFIX	"memfd:"

/* Open flags of a ghost FILE (see files.c: CKPT_OPEN_FLAGS). */
#define CKPT_GHOST_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
				 O_LARGEFILE | O_NOATIME | O_DSYNC | __O_SYNC | \
				 O_PATH)
#define CKPT_GHOST_IGNORED	(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC | \
				 O_NOCTTY | __O_TMPFILE | __FMODE_EXEC)

#define CKPT_SEALS_KNOWN	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

static bool ckpt_internal(struct file *file)
{
	return file->f_path.mnt->mnt_flags & MNT_INTERNAL;
}

/*
 * Is @file one we save by contents: a memfd or another file of the
 * internal tmpfs, or a regular file whose name was deleted.
 */
bool ckpt_ghost_file(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (!S_ISREG(inode->i_mode))
		return false;
	/*
	 * Of the internal tmpfs: not a SysV segment (shmat()'s file has
	 * shm_file_operations, not its inode's) nor shared anonymous memory
	 * ("dev/zero", memory.c's SHMEM); memfd and the like.
	 */
	if (ckpt_internal(file))
		return shmem_file(file) && file->f_op == inode->i_fop &&
		       strcmp(file->f_path.dentry->d_name.name, "dev/zero");
	return d_unlinked(file->f_path.dentry) &&
	       inode->i_sb->s_magic != PROC_SUPER_MAGIC;
}

static void ckpt_ghost_iput(void *ptr)
{
	iput(ptr);
}

static void ckpt_ghost_fput(void *ptr)
{
	fput(ptr);
}

static u64 ckpt_ghost_limit(struct ckpt_ctx *ctx)
{
	u32 kib = CKPT_CHECKPOINT_GHOST_LIMIT_KIB(ctx->flags);

	return kib ? (u64)kib << 10 : CKPT_GHOST_LIMIT_DEFAULT;
}

/* Read exactly @len bytes at @off of @rd into @buf. */
static int ckpt_ghost_read(struct file *rd, void *buf, size_t len, loff_t off)
{
	while (len) {
		ssize_t n = kernel_read(rd, buf, len, &off);

		if (n < 0)
			return n;
		if (!n)
			return -EAGAIN;	/* truncated meanwhile */
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * The data extents of @rd below @size, in chunks of at most
 * CKPT_INODE_CHUNK: counted in *@nr, or (@buf set) written as INODE_DATA
 * records.  The two passes must agree.
 */
static int ckpt_ghost_chunks(struct ckpt_ctx *ctx, struct file *rd, u64 size,
			     void *buf, u32 *nr, const char *what)
{
	struct ckpt_hdr_inode_data hd;
	loff_t off = 0, data, hole;
	u32 n = 0;
	int ret;

	while (off < size) {
		data = vfs_llseek(rd, off, SEEK_DATA);
		if (data == -ENXIO || (data >= 0 && data >= size))
			break;
		if (data < 0)
			return ckpt_err(ctx, (int)data, "%s: SEEK_DATA failed",
					what);
		hole = vfs_llseek(rd, data, SEEK_HOLE);
		if (hole < 0)
			return ckpt_err(ctx, (int)hole, "%s: SEEK_HOLE failed",
					what);
		if (hole > size || hole <= data)
			hole = size;
		for (off = data; off < hole; ) {
			u32 len = min_t(u64, hole - off, CKPT_INODE_CHUNK);

			if (buf && n >= *nr)
				return ckpt_err(ctx, -EAGAIN,
						"%s: changed during the checkpoint",
						what);
			n++;
			if (buf) {
				if (fatal_signal_pending(current))
					return ckpt_err(ctx, -EINTR, "interrupted");
				ret = ckpt_ghost_read(rd, buf, len, off);
				if (ret)
					return ckpt_err(ctx, ret,
							"%s: reading %u bytes at %lld",
							what, len, (long long)off);
				memset(&hd, 0, sizeof(hd));
				hd.offset = off;
				ret = ckpt_write_begin(ctx, CKPT_HDR_INODE_DATA,
						       &hd, sizeof(hd), len);
				if (!ret)
					ret = ckpt_write_raw(ctx, buf, len);
				if (!ret)
					ret = ckpt_write_end(ctx, sizeof(hd) + len);
				if (ret)
					return ret;
			}
			off += len;
			cond_resched();
		}
	}
	if (buf && n != *nr)
		return ckpt_err(ctx, -EAGAIN, "%s: changed during the checkpoint",
				what);
	*nr = n;
	return 0;
}

/*
 * The directory a deleted file was in, for restart to create it there
 * again, in @buf (PATH_MAX): NULL if there is none to name (deleted too,
 * or not reachable from the checkpointer's root).
 */
static char *ckpt_ghost_dir(struct ckpt_ctx *ctx, struct file *file, char *buf,
			    const char *what)
{
	struct path parent = { .mnt = file->f_path.mnt };
	char *dir;

	parent.dentry = dget_parent(file->f_path.dentry);
	dir = d_path(&parent, buf, PATH_MAX);
	if (!IS_ERR(dir) && (d_unlinked(parent.dentry) || dir[0] != '/'))
		dir = ERR_PTR(-ENOENT);
	dput(parent.dentry);
	if (IS_ERR(dir)) {
		ckpt_log(ctx,
			 "%s: its directory is gone or unreachable: restart creates it in the internal tmpfs",
			 what);
		return NULL;
	}
	return dir;
}

/*
 * Write the INODE object of @file's inode (once) and its contents;
 * *@objref gets its objref.  @what names the user (an fd, a mapping).
 */
int checkpoint_ghost_inode(struct ckpt_ctx *ctx, struct file *file,
			   const char *what, u32 *objref)
{
	struct inode *inode = file_inode(file);
	struct name_snapshot name;
	struct ckpt_hdr_inode hi;
	struct file *rd = NULL;
	char *pbuf = NULL, *dir = NULL;
	struct ckpt_obj *obj;
	void *buf = NULL;
	u32 name_len, dir_len = 0;
	u64 size, limit;
	int ret;

	obj = ckpt_obj_find_ptr(ctx, inode);
	if (obj) {
		if (obj->type != CKPT_OBJ_INODE)
			return ckpt_err(ctx, -EINVAL, "%s: inode object clash",
					what);
		*objref = obj->objref;
		return 0;
	}

	memset(&hi, 0, sizeof(hi));
	take_dentry_name_snapshot(&name, file->f_path.dentry);
	name_len = strlen(name.name.name) + 1;
	if (ckpt_internal(file) &&
	    !strncmp(name.name.name, CKPT_MEMFD_PREFIX,
		     strlen(CKPT_MEMFD_PREFIX)))
		hi.flags |= CKPT_INODE_MEMFD;

	ret = -ENOMEM;
	pbuf = __getname();
	buf = kvmalloc(CKPT_INODE_CHUNK, GFP_KERNEL_ACCOUNT);
	if (!pbuf || !buf) {
		ckpt_err(ctx, ret, "no memory for %s", what);
		goto out;
	}
	size = i_size_read(inode);
	limit = ckpt_ghost_limit(ctx);
	ret = -EOPNOTSUPP;
	if (size > limit || size > CKPT_INODE_SIZE_MAX) {
		dir = d_path(&file->f_path, pbuf, PATH_MAX);
		ckpt_err(ctx, ret, "%s: %s %s is %llu bytes, over the ghost limit of %llu bytes (checkpoint --ghost-limit)",
			 what, hi.flags & CKPT_INODE_MEMFD ? "memfd" : "deleted file",
			 IS_ERR(dir) ? (const char *)name.name.name : dir,
			 size, limit);
		goto out;
	}
	ret = -EBUSY;
	if (!ckpt_internal(file) && inode->i_nlink) {
		ckpt_err(ctx, ret, "%s: %pD: a deleted name of a file that still has %u links",
			 what, file, inode->i_nlink);
		goto out;
	}
	ret = -EINVAL;
	/* memfd_create() takes any name; a file's has no '/' */
	if (name_len < 2 || name_len > CKPT_INODE_NAME_MAX ||
	    (!(hi.flags & CKPT_INODE_MEMFD) && strchr(name.name.name, '/'))) {
		ckpt_err(ctx, ret, "%s: %pD: name of %u bytes", what, file,
			 name_len);
		goto out;
	}
	if (hi.flags & CKPT_INODE_MEMFD) {
		long seals = memfd_fcntl(file, F_GET_SEALS, 0);

		if (seals < 0 || (seals & ~CKPT_SEALS_KNOWN)) {
			ret = ckpt_err(ctx, seals < 0 ? (int)seals : -EOPNOTSUPP,
				       "%s: memfd %pD: seals %#lx", what, file,
				       seals);
			goto out;
		}
		hi.seals = seals;
	}

	if (!ckpt_internal(file)) {
		dir = ckpt_ghost_dir(ctx, file, pbuf, what);
		if (dir)
			dir_len = strlen(dir) + 1;
	}

	/*
	 * The contents go into the image: the checkpointer must be able to
	 * read them itself (a task's O_PATH or O_WRONLY fd of a file replaced
	 * by rename would otherwise leak it).  Our own file to read it, with
	 * no fsnotify events (no fanotify permission wait, no inotify event
	 * queued for the tree); the task's offset stays as it is.
	 */
	ret = inode_permission(file_mnt_user_ns(file), file_inode(file),
			       MAY_READ);
	if (ret) {
		ckpt_err(ctx, ret, "%s: %pD: the checkpointer may not read it",
			 what, file);
		goto out;
	}
	rd = dentry_open(&file->f_path,
			 O_RDONLY | O_LARGEFILE | O_NOATIME | __FMODE_NONOTIFY,
			 current_cred());
	if (IS_ERR(rd)) {
		ret = ckpt_err(ctx, PTR_ERR(rd), "%s: %pD: can not read it",
			       what, file);
		rd = NULL;
		goto out;
	}
	ret = ckpt_ghost_chunks(ctx, rd, size, NULL, &hi.nr_chunks, what);
	if (ret)
		goto out;

	ihold(inode);
	obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_INODE, inode, ckpt_ghost_iput);
	if (IS_ERR(obj)) {
		iput(inode);
		ret = PTR_ERR(obj);
		goto out;
	}
	*objref = obj->objref;
	hi.objref = obj->objref;
	hi.mode = inode->i_mode & (S_IFMT | 07777);
	hi.size = size;
	hi.name_len = name_len;
	hi.dir_len = dir_len;
	ret = ckpt_write_begin(ctx, CKPT_HDR_INODE, &hi, sizeof(hi),
			       name_len + dir_len);
	if (!ret)
		ret = ckpt_write_raw(ctx, name.name.name, name_len);
	if (!ret && dir_len)
		ret = ckpt_write_raw(ctx, dir, dir_len);
	if (!ret)
		ret = ckpt_write_end(ctx, sizeof(hi) + name_len + dir_len);
	if (!ret)
		ret = ckpt_ghost_chunks(ctx, rd, size, buf, &hi.nr_chunks, what);
	if (!ret)
		ckpt_log(ctx, "%s: %s %pD: %llu bytes in %u chunks", what,
			 hi.flags & CKPT_INODE_MEMFD ? "memfd" : "deleted file",
			 file, size, hi.nr_chunks);
out:
	if (rd)
		fput(rd);
	kvfree(buf);
	if (pbuf)
		__putname(pbuf);
	release_dentry_name_snapshot(&name);
	return ret;
}

/* FILE of kind GHOST: the INODE object first. */
int ckpt_save_ghost_file(struct ckpt_ctx *ctx, unsigned int fd,
			 struct file *file, struct ckpt_hdr_file *hf,
			 char *buf, char **path)
{
	unsigned int flags = file->f_flags;
	char what[16];
	int ret;

	if (flags & (FASYNC | __FMODE_NONOTIFY))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: open flags %#o (O_ASYNC or fanotify) not supported yet",
				fd, flags);
	flags &= ~CKPT_GHOST_IGNORED;
	flags &= ~O_DIRECTORY;		/* left over from O_TMPFILE */
	if (flags & ~CKPT_GHOST_FLAGS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: open flags %#o not supported yet",
				fd, flags & ~CKPT_GHOST_FLAGS);
	/* its flock, POSIX and OFD locks are saved by locks.c, as for any file */
	ret = checkpoint_file_lease(ctx, fd, file);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "fd %u", fd);
	ret = checkpoint_ghost_inode(ctx, file, what, &hf->obj_ref);
	if (ret)
		return ret;
	hf->kind = CKPT_FILE_GHOST;
	hf->f_flags = flags;
	hf->mode = file_inode(file)->i_mode;
	hf->pos = file->f_pos;
	return 0;
}

/* ------------------------------------------------------------ restart */

/* The permission bits as chmod() sets them (setattr_prepare drops S_ISGID). */
static int restore_ghost_chmod(struct file *file, umode_t mode)
{
	struct inode *inode = file_inode(file);
	struct iattr attr = {
		.ia_valid = ATTR_MODE | ATTR_CTIME,
	};
	int ret;

	ret = mnt_want_write(file->f_path.mnt);
	if (ret)
		return ret;
	inode_lock(inode);
	attr.ia_mode = (mode & S_IALLUGO) | (inode->i_mode & ~S_IALLUGO);
	ret = notify_change(mnt_user_ns(file->f_path.mnt), file->f_path.dentry,
			    &attr, NULL);
	inode_unlock(inode);
	mnt_drop_write(file->f_path.mnt);
	return ret;
}

static int restore_ghost_truncate(struct file *file, u64 size)
{
	struct inode *inode = file_inode(file);
	int ret;

	if (i_size_read(inode) == size)
		return 0;
	sb_start_write(inode->i_sb);
	ret = do_truncate(mnt_user_ns(file->f_path.mnt), file->f_path.dentry,
			  size, ATTR_MTIME | ATTR_CTIME, file);
	sb_end_write(inode->i_sb);
	return ret;
}

/* A file of the internal tmpfs, as memfd_create() makes one. */
static struct file *restore_ghost_shmem(const char *name)
{
	struct file *file = shmem_file_setup(name, 0, VM_NORESERVE);

	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	return file;
}

/* A new unlinked file in @dir, or in the internal tmpfs (logged). */
static struct file *restore_ghost_create(struct ckpt_ctx *ctx, u32 objref,
					 const char *name, const char *dir)
{
	struct file *file;
	struct path path;
	int ret = -ENOENT;

	if (dir) {
		ret = kern_path(dir, LOOKUP_DIRECTORY, &path);
		if (!ret) {
			ret = mnt_want_write(path.mnt);
			/* O_EXCL: not linkable, as the deleted file was not */
			if (!ret) {
				file = vfs_tmpfile_open(mnt_user_ns(path.mnt),
							&path, S_IFREG | 0600,
							O_RDWR | O_LARGEFILE | O_EXCL,
							current_cred());
				mnt_drop_write(path.mnt);
				ret = IS_ERR(file) ? PTR_ERR(file) : 0;
			}
			path_put(&path);
			if (!ret)
				return file;
		}
		if (ret != -ENOENT && ret != -ENOTDIR && ret != -EOPNOTSUPP)
			return ERR_PTR(ckpt_err(ctx, ret,
						"inode %u: can not create a deleted file in %s",
						objref, dir));
	}
	ckpt_log(ctx, "inode %u: %s%s%s: recreated in the internal tmpfs (%d)",
		 objref, name, dir ? " of " : "", dir ? dir : "", ret);
	return restore_ghost_shmem(name);
}

/* Write the INODE_DATA chunks of @hi into @file. */
static int restore_ghost_data(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_inode *hi,
			      struct file *file)
{
	struct ckpt_hdr_inode_data hd;
	u64 next = 0;
	void *buf;
	u32 i, n;
	int len, ret = 0;

	if (!hi->nr_chunks)
		return 0;
	buf = kvmalloc(CKPT_INODE_CHUNK, CKPT_GFP_IMAGE);
	if (!buf)
		return ckpt_err(ctx, -ENOMEM, "no memory for file contents");
	for (i = 0; i < hi->nr_chunks; i++) {
		loff_t pos;

		len = ckpt_read_hdr(ctx, CKPT_HDR_INODE_DATA, sizeof(hd) + 1,
				    sizeof(hd) + CKPT_INODE_CHUNK);
		if (len < 0) {
			ret = len;
			break;
		}
		ret = ckpt_read_raw(ctx, &hd.offset, sizeof(hd.offset));
		if (ret)
			break;
		n = len - sizeof(hd);
		if (hd.offset < next || hd.offset > hi->size ||
		    n > hi->size - hd.offset) {
			ret = ckpt_err(ctx, -EINVAL,
				       "inode %u: chunk of %u bytes at %llu: out of order or past the size %llu",
				       hi->objref, n, hd.offset, hi->size);
			break;
		}
		next = hd.offset + n;
		ret = ckpt_read_raw(ctx, buf, n);
		if (!ret)
			ret = ckpt_read_end(ctx, len);
		if (ret)
			break;
		pos = hd.offset;
		while (n) {
			ssize_t w = kernel_write(file, buf + (len - sizeof(hd) - n),
						 n, &pos);

			if (w <= 0) {
				ret = ckpt_err(ctx, w ? (int)w : -EIO,
					       "inode %u: writing %u bytes at %lld",
					       hi->objref, n, (long long)pos);
				goto out;
			}
			n -= w;
		}
		cond_resched();
	}
out:
	kvfree(buf);
	return ret;
}

/* INODE + INODE_DATA: a new unlinked inode with the saved contents. */
int restore_ghost_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_inode *hi;
	const char *name, *dir = NULL;
	struct file *file;
	u32 len;
	int ret;

	hi = ckpt_read_record_alloc(ctx, CKPT_HDR_INODE, sizeof(*hi) + 2,
				    sizeof(*hi) + CKPT_INODE_NAME_MAX +
				    CKPT_PATH_MAX, &len);
	if (IS_ERR(hi))
		return PTR_ERR(hi);
	ret = -EINVAL;
	name = (const char *)(hi + 1);
	if (len != sizeof(*hi) + hi->name_len + hi->dir_len ||
	    hi->name_len < 2 || hi->name_len > CKPT_INODE_NAME_MAX ||
	    hi->dir_len == 1 || hi->dir_len > CKPT_PATH_MAX ||
	    strnlen(name, hi->name_len) != hi->name_len - 1 ||
	    (!(hi->flags & CKPT_INODE_MEMFD) && strchr(name, '/'))) {
		ckpt_err(ctx, ret, "inode %u: bad length or name", hi->objref);
		goto out;
	}
	if (hi->dir_len) {
		dir = name + hi->name_len;
		if (strnlen(dir, hi->dir_len) != hi->dir_len - 1 ||
		    dir[0] != '/') {
			ckpt_err(ctx, ret, "inode %u: bad directory path",
				 hi->objref);
			goto out;
		}
	}
	if ((hi->flags & ~CKPT_INODE_FLAGS) ||
	    (hi->mode & ~(S_IFMT | 07777)) || !S_ISREG(hi->mode) ||
	    hi->size > CKPT_INODE_SIZE_MAX ||
	    hi->nr_chunks > DIV_ROUND_UP(hi->size, CKPT_INODE_CHUNK) ||
	    (hi->seals & ~CKPT_SEALS_KNOWN) ||
	    (!(hi->flags & CKPT_INODE_MEMFD) && hi->seals) ||
	    ((hi->flags & CKPT_INODE_MEMFD) &&
	     (dir || strncmp(name, CKPT_MEMFD_PREFIX,
			     strlen(CKPT_MEMFD_PREFIX))))) {
		ckpt_err(ctx, ret, "inode %u: bad record (flags %#x, mode %#o, size %llu, %u chunks, seals %#x)",
			 hi->objref, hi->flags, hi->mode, hi->size,
			 hi->nr_chunks, hi->seals);
		goto out;
	}
	if (ckpt_obj_lookup_ref(ctx, hi->objref)) {
		ckpt_err(ctx, ret, "inode %u: defined twice", hi->objref);
		goto out;
	}

	if (hi->flags & CKPT_INODE_MEMFD)
		file = restore_ghost_shmem(name);
	else
		file = restore_ghost_create(ctx, hi->objref, name, dir);
	if (IS_ERR(file)) {
		ret = ckpt_err(ctx, PTR_ERR(file), "inode %u: %s: can not create it",
			       hi->objref, name);
		goto out;
	}
	/* from here the table owns the file */
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_INODE, hi->objref, file,
			       ckpt_ghost_fput);
	if (ret)
		goto out;
	/* a memfd without MFD_ALLOW_SEALING has F_SEAL_SEAL: set at the end */
	if (hi->flags & CKPT_INODE_MEMFD)
		SHMEM_I(file_inode(file))->seals = 0;
	ret = restore_ghost_data(ctx, hi, file);
	if (ret)
		goto out;
	ret = restore_ghost_truncate(file, hi->size);
	if (ret) {
		ckpt_err(ctx, ret, "inode %u: setting the size to %llu",
			 hi->objref, hi->size);
		goto out;
	}
	ret = restore_ghost_chmod(file, hi->mode);
	if (ret) {
		ckpt_err(ctx, ret, "inode %u: setting the mode to %#o",
			 hi->objref, hi->mode);
		goto out;
	}
	if ((hi->flags & CKPT_INODE_MEMFD) && hi->seals) {
		long r = memfd_fcntl(file, F_ADD_SEALS, hi->seals);

		if (r < 0) {
			ret = ckpt_err(ctx, (int)r, "inode %u: adding seals %#x",
				       hi->objref, hi->seals);
			goto out;
		}
	}
	ret = 0;
out:
	kvfree(hi);
	return ret;
}

/*
 * A new open file of INODE object @objref with @flags, for a FILE or a
 * VMA (@what).  No permission check: the inode is the restorer's own,
 * made from the image.
 */
struct file *restore_ghost_open(struct ckpt_ctx *ctx, u32 objref,
				unsigned int flags, const char *what)
{
	struct file *master = ckpt_obj_find_ref(ctx, CKPT_OBJ_INODE, objref);
	struct file *file;

	if (!master)
		return ERR_PTR(ckpt_err(ctx, -EINVAL, "%s: unknown inode %u",
					what, objref));
	file = dentry_open(&master->f_path, flags, current_cred());
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "%s: opening inode %u (flags %#o)",
			 what, objref, flags);
	return file;
}

/* FILE of kind GHOST. */
struct file *restore_ghost_file(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path)
{
	unsigned int flags = hf->f_flags;
	struct file *file;
	char what[24];
	loff_t pos;

	if (!S_ISREG(hf->mode) || hf->rdev || path || hf->pos < 0 ||
	    (flags & ~CKPT_GHOST_FLAGS) ||
	    (flags & O_ACCMODE) == O_ACCMODE ||
	    ((flags & O_PATH) && ((flags & ~(O_PATH | O_LARGEFILE)) || hf->pos))) {
		ckpt_err(ctx, -EINVAL, "file %u: bad ghost file record",
			 hf->objref);
		return ERR_PTR(-EINVAL);
	}
	snprintf(what, sizeof(what), "file %u", hf->objref);
	file = restore_ghost_open(ctx, hf->obj_ref, flags, what);
	if (IS_ERR(file) || !hf->pos)
		return file;
	pos = vfs_llseek(file, hf->pos, SEEK_SET);
	if (pos != hf->pos) {
		ckpt_err(ctx, pos < 0 ? (int)pos : -EINVAL,
			 "file %u: can not seek to %lld", hf->objref,
			 (long long)hf->pos);
		fput(file);
		return ERR_PTR(pos < 0 ? pos : -EINVAL);
	}
	return file;
}
