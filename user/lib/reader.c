// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming image reader.
 *
 * Reads an image one record at a time from an fd (never seeks, so pipes
 * work) or from memory, and validates before handing a record out:
 *   - HEADER first (magic, version, arch, page size, flags), TREE second,
 *     TAIL last with nothing after it;
 *   - every record length against its type's fixed size or limits
 *     (CKPT_RECORD_MAX, CKPT_PAGES_MAX, CKPT_PIPE_CHUNK...), checked before
 *     the payload is read, and the counts inside the record against len;
 *   - 8-byte alignment: the padding after each record must be zero;
 *   - the TREE, entry by entry (check_tree): pids and pid levels, threads
 *     right after their leader, parents before children, pid namespaces,
 *     zombies, and the objrefs that say which tasks share which object;
 *   - the per-task records: TASK records in TREE order for the tasks that
 *     are not zombies, each task's records complete and in order, with FS,
 *     FILES, MM, SIGHAND and SEM_UNDO present exactly for the first task of
 *     their ref, sections (FILES/MM/VMA/PIPE/SIGNAL/IPC_NS/IPC_MSQ/SEM_UNDO)
 *     followed by exactly the announced number of children, PAGES addresses
 *     ascending inside their VMA (or IPC_SHM segment), and every objref
 *     defined once and used only after that;
 *   - SysV IPC (format v3): IPC_NS only in the root's records, after its
 *     FILES, with exactly nr_objects objects (all IPC_SHM, then all
 *     IPC_MSQ, then all IPC_SEM, ids ascending per kind), required when
 *     the root has NEWIPCNS (iff PRIVATE) or a task has a sysvsem_ref;
 *     IPC_MSQ messages adding up to cbytes; semaphore values and undo
 *     adjustments in range; SEM_ADJ naming arrays of the image with their
 *     nsems; VMA SYSV_SHM naming a segment of the image, inside it;
 *   - file identities (format v4: struct ckpt_file_id in FILE, VMA, MM):
 *     pad zero, mtime_nsec below 10^9, all zero unless the record names a
 *     file (FILE of kind REG, VMA of kind FILE, MM with an exe), no size
 *     nor mtime for a directory, as the kernel checks them;
 *   - the TAIL: nr_records, crc32 of every byte before it, magic.
 * An fd is read through a struct kcr_zin (compress.c): a gzip or zlib
 * compressed image is inflated on the fly (offsets are those of the plain
 * image), and a corrupt or truncated compressed stream is an error of
 * class KCR_ERR_COMPRESSED naming it.
 * The first error is kept (offset, reason); the reader then stays failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <zlib.h>
#include "kcr.h"

enum {
	ST_HEADER,	/* expecting the HEADER */
	ST_TREE,	/* expecting the TREE */
	ST_BODY,	/* per-task records or the TAIL */
	ST_DONE,	/* TAIL returned, next call returns 0 */
	ST_FAILED,
};

#define NGROUPS_LIMIT	CKPT_NGROUPS_MAX

static int fail(struct kcr_reader *r, int class, int errnum, uint64_t off,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct kcr_reader *r, int class, int errnum, uint64_t off,
		const char *fmt, ...)
{
	va_list ap;

	if (r->state == ST_FAILED)
		return -1;
	r->state = ST_FAILED;
	r->err_class = class;
	r->err_errno = errnum;
	r->err_offset = off;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static void reader_init(struct kcr_reader *r)
{
	long ps = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	r->page_size = ps > 0 ? (uint32_t)ps : 4096;
	r->state = ST_HEADER;
	r->ipc_ref_entry = KCR_NO_ENTRY;
	r->last_semid = -1;
}

void kcr_reader_init_fd(struct kcr_reader *r, int fd)
{
	reader_init(r);
	r->fd = fd;
	r->zin = kcr_zin_new(fd);
}

void kcr_reader_init_mem(struct kcr_reader *r, const void *buf, size_t len)
{
	reader_init(r);
	r->mem = buf;
	r->mem_len = len;
}

void kcr_reader_set_page_size(struct kcr_reader *r, uint32_t page_size)
{
	r->page_size = page_size;
}

void kcr_reader_keep_raw(struct kcr_reader *r)
{
	r->keep_raw = 1;
}

void kcr_reader_free(struct kcr_reader *r)
{
	free(r->buf);
	free(r->tasks);
	free(r->info);
	free(r->objs);
	free(r->sec_fds);
	r->sec_fds = NULL;
	r->nr_sec_fds = r->sec_fds_cap = 0;
	free(r->ipc_objs);
	free(r->raw);
	kcr_zin_free(r->zin);
	r->zin = NULL;
	r->ipc_objs = NULL;
	r->nr_ipc_objs = r->ipc_objs_cap = 0;
	r->buf = NULL;
	r->tasks = NULL;
	r->info = NULL;
	r->objs = NULL;
	r->raw = NULL;
	r->buf_size = r->raw_len = r->raw_cap = 0;
	r->objs_cap = r->objs_used = 0;
}

const unsigned char *kcr_reader_raw(const struct kcr_reader *r, size_t *len)
{
	*len = r->raw_len;
	return r->raw;
}

const char *kcr_reader_reason(const struct kcr_reader *r)
{
	return r->err_class ? r->reason : "";
}

int kcr_reader_compression(const struct kcr_reader *r, uint64_t *in_bytes)
{
	if (in_bytes)
		*in_bytes = r->zin ? kcr_zin_in_bytes(r->zin) : 0;
	return r->zin ? kcr_zin_format(r->zin) : KCR_Z_UNKNOWN;
}

/*
 * Read up to n bytes from the source; returns bytes read, -1 on error
 * (then src_fail() says which).
 */
static ssize_t src_read(struct kcr_reader *r, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t ret;

	if (r->fd < 0) {
		size_t left = r->mem_len - r->mem_pos;

		if (n > left)
			n = left;
		memcpy(buf, r->mem + r->mem_pos, n);
		r->mem_pos += n;
		return (ssize_t)n;
	}
	if (!r->zin) {
		errno = ENOMEM;
		return -1;
	}
	while (got < n) {
		ret = kcr_zin_read(r->zin, (char *)buf + got, n - got);
		if (ret < 0)
			return -1;
		if (ret == 0)
			break;
		got += (size_t)ret;
	}
	return (ssize_t)got;
}

/* The error of a failed src_read() at off. */
static int src_fail(struct kcr_reader *r, uint64_t off)
{
	int err, errnum = errno;

	if (!r->zin)
		return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
	err = kcr_zin_error(r->zin, &errnum);
	switch (err) {
	case KCR_ZIN_ECORRUPT:
	case KCR_ZIN_ETRUNC:
	case KCR_ZIN_ETRAILING:
		return fail(r, KCR_ERR_COMPRESSED, errnum, off, "compressed image: %s",
			    kcr_zin_reason(r->zin));
	case KCR_ZIN_ENOMEM:
		return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "%s", kcr_zin_reason(r->zin));
	}
	return fail(r, KCR_ERR_IO, errnum, off, "read error: %s", strerror(errnum));
}

static int raw_append(struct kcr_reader *r, const void *buf, size_t n)
{
	size_t cap = r->raw_cap ? r->raw_cap : 4096;
	unsigned char *nraw;

	while (cap < r->raw_len + n)
		cap *= 2;
	if (cap != r->raw_cap) {
		nraw = realloc(r->raw, cap);
		if (!nraw)
			return -1;
		r->raw = nraw;
		r->raw_cap = cap;
	}
	memcpy(r->raw + r->raw_len, buf, n);
	r->raw_len += n;
	return 0;
}

/*
 * Consume exactly n bytes.  On a short read the error names where the data
 * ended and what was being read (what, record at rec_off).
 */
static int consume(struct kcr_reader *r, void *buf, size_t n, const char *what,
		   uint64_t rec_off)
{
	ssize_t got = src_read(r, buf, n);

	if (got < 0)
		return src_fail(r, r->offset);
	if (got > 0) {
		r->crc = (uint32_t)crc32(r->crc, buf, (uInt)got);
		if (r->keep_raw && raw_append(r, buf, (size_t)got))
			return fail(r, KCR_ERR_NOMEM, ENOMEM, r->offset,
				    "out of memory");
	}
	r->offset += (uint64_t)got;
	if ((size_t)got < n)
		return fail(r, KCR_ERR_TRUNCATED, EIO, r->offset,
			    "unexpected end of image in %s at offset %llu",
			    what, (unsigned long long)rec_off);
	return 0;
}

static int is_known_type(uint32_t type)
{
	return strcmp(kcr_record_name(type), "?") != 0;
}

/* Fixed part of each record type (the struct), 0 for unknown types. */
static uint32_t fixed_size(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_HEADER:	return sizeof(struct ckpt_hdr_header);
	case CKPT_HDR_TREE:	return sizeof(struct ckpt_hdr_tree);
	case CKPT_HDR_TAIL:	return sizeof(struct ckpt_hdr_tail);
	case CKPT_HDR_TASK:	return sizeof(struct ckpt_hdr_task);
	case CKPT_HDR_CREDS:	return sizeof(struct ckpt_hdr_creds);
	case CKPT_HDR_FS:	return sizeof(struct ckpt_hdr_fs);
	case CKPT_HDR_FILES:	return sizeof(struct ckpt_hdr_files);
	case CKPT_HDR_FD:	return sizeof(struct ckpt_hdr_fd);
	case CKPT_HDR_FILE:	return sizeof(struct ckpt_hdr_file);
	case CKPT_HDR_PIPE:	return sizeof(struct ckpt_hdr_pipe);
	case CKPT_HDR_PIPE_DATA: return sizeof(struct ckpt_hdr_pipe_data);
	case CKPT_HDR_EVENTFD:	return sizeof(struct ckpt_hdr_eventfd);
	case CKPT_HDR_SIGNALFD:	return sizeof(struct ckpt_hdr_signalfd);
	case CKPT_HDR_TIMERFD:	return sizeof(struct ckpt_hdr_timerfd);
	case CKPT_HDR_TTY:	return sizeof(struct ckpt_hdr_tty);
	case CKPT_HDR_TTY_DATA:	return sizeof(struct ckpt_hdr_tty_data);
	case CKPT_HDR_INOTIFY:	return sizeof(struct ckpt_hdr_inotify);
	case CKPT_HDR_INOTIFY_WATCH: return sizeof(struct ckpt_hdr_inotify_watch);
	case CKPT_HDR_INOTIFY_EVENT: return sizeof(struct ckpt_hdr_inotify_event);
	case CKPT_HDR_MM:	return sizeof(struct ckpt_hdr_mm);
	case CKPT_HDR_VMA:	return sizeof(struct ckpt_hdr_vma);
	case CKPT_HDR_PAGES:	return sizeof(struct ckpt_hdr_pages);
	case CKPT_HDR_SIGHAND:	return sizeof(struct ckpt_hdr_sighand);
	case CKPT_HDR_SIGNAL:	return sizeof(struct ckpt_hdr_signal);
	case CKPT_HDR_SIGINFO:	return sizeof(struct ckpt_hdr_siginfo);
	case CKPT_HDR_CPU:	return sizeof(struct ckpt_hdr_cpu);
	case CKPT_HDR_FPU:	return sizeof(struct ckpt_hdr_fpu);
	case CKPT_HDR_IPC_NS:	return sizeof(struct ckpt_hdr_ipc_ns);
	case CKPT_HDR_IPC_SHM:	return sizeof(struct ckpt_hdr_ipc_shm);
	case CKPT_HDR_IPC_MSQ:	return sizeof(struct ckpt_hdr_ipc_msq);
	case CKPT_HDR_IPC_MSG:	return sizeof(struct ckpt_hdr_ipc_msg);
	case CKPT_HDR_IPC_SEM:	return sizeof(struct ckpt_hdr_ipc_sem);
	case CKPT_HDR_SEM_UNDO:	return sizeof(struct ckpt_hdr_sem_undo);
	case CKPT_HDR_SEM_ADJ:	return sizeof(struct ckpt_hdr_sem_adj);
	case CKPT_HDR_UNIX:	return sizeof(struct ckpt_hdr_unix);
	case CKPT_HDR_UNIX_SKB:	return sizeof(struct ckpt_hdr_unix_skb);
	case CKPT_HDR_FILE_LOCK: return sizeof(struct ckpt_hdr_file_lock);
	case CKPT_HDR_EPOLL:	return sizeof(struct ckpt_hdr_epoll);
	case CKPT_HDR_EPOLL_ITEM: return sizeof(struct ckpt_hdr_epoll_item);
	case CKPT_HDR_INODE:	return sizeof(struct ckpt_hdr_inode);
	case CKPT_HDR_INODE_DATA: return sizeof(struct ckpt_hdr_inode_data);
	case CKPT_HDR_ITIMERS:	return sizeof(struct ckpt_hdr_itimers);
	case CKPT_HDR_POSIX_TIMER: return sizeof(struct ckpt_hdr_posix_timer);
	}
	return 0;
}

/*
 * Largest len a record of this type may have.  Note: TREE, CREDS, IPC_MSG
 * and IPC_SEM may legitimately exceed CKPT_RECORD_MAX at their limits, so
 * their bound comes from the counts.
 */
static uint64_t max_size(const struct kcr_reader *r, uint32_t type)
{
	uint64_t fixed = fixed_size(type), max;

	switch (type) {
	case CKPT_HDR_TREE:
		return fixed + (uint64_t)CKPT_TASKS_MAX * sizeof(struct ckpt_task_pids);
	case CKPT_HDR_CREDS:
		return fixed + (uint64_t)NGROUPS_LIMIT * sizeof(__u32);
	case CKPT_HDR_PAGES:
		return fixed + (uint64_t)CKPT_PAGES_MAX * (sizeof(__u64) + r->page_size);
	case CKPT_HDR_PIPE_DATA:
		return fixed + CKPT_PIPE_CHUNK;
	case CKPT_HDR_INODE_DATA:
		return fixed + CKPT_INODE_CHUNK;
	case CKPT_HDR_INODE:
		max = fixed + CKPT_INODE_NAME_MAX + CKPT_PATH_MAX;
		break;
	case CKPT_HDR_TTY_DATA:
		return fixed + CKPT_TTY_BUF;
	case CKPT_HDR_IPC_MSG:
		return fixed + CKPT_MSG_SIZE_MAX;
	case CKPT_HDR_UNIX_SKB:
		return fixed + CKPT_UNIX_SKB_MAX +
		       CKPT_UNIX_SKB_FDS_MAX * sizeof(__u32);
	case CKPT_HDR_UNIX:
		return fixed + CKPT_UNIX_ADDR_MAX;
	case CKPT_HDR_IPC_SEM:
		return fixed + (uint64_t)CKPT_SEM_NSEMS_MAX * sizeof(struct ckpt_ipc_semval);
	case CKPT_HDR_SEM_ADJ:
		max = fixed + (uint64_t)CKPT_SEM_NSEMS_MAX * sizeof(__s16);
		break;
	case CKPT_HDR_FS:
		max = fixed + 2 * CKPT_PATH_MAX;
		break;
	case CKPT_HDR_FILE:
	case CKPT_HDR_MM:
	case CKPT_HDR_VMA:
	case CKPT_HDR_INOTIFY_WATCH:
		max = fixed + CKPT_PATH_MAX;
		break;
	case CKPT_HDR_INOTIFY_EVENT:
		max = fixed + CKPT_INOTIFY_NAME_MAX;
		break;
	case CKPT_HDR_FPU:
		max = fixed + CKPT_XSTATE_MAX;
		break;
	default:
		return fixed;	/* fixed-size record */
	}
	return max < CKPT_RECORD_MAX ? max : CKPT_RECORD_MAX;
}

/* Expected len from the fixed part (counts and string lengths). */
static int check_len(struct kcr_reader *r, uint32_t type, uint32_t len,
		     const void *rec, uint64_t off)
{
	const char *name = kcr_record_name(type);
	uint64_t want = fixed_size(type);

	switch (type) {
	case CKPT_HDR_TREE: {
		const struct ckpt_hdr_tree *t = rec;

		if (t->nr_tasks < 1 || t->nr_tasks > CKPT_TASKS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TREE nr_tasks %u out of range 1..%u",
				    t->nr_tasks, CKPT_TASKS_MAX);
		want += (uint64_t)t->nr_tasks * sizeof(struct ckpt_task_pids);
		break;
	}
	case CKPT_HDR_CREDS: {
		const struct ckpt_hdr_creds *c = rec;

		if (c->ngroups > NGROUPS_LIMIT)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "CREDS ngroups %u > %u", c->ngroups,
				    NGROUPS_LIMIT);
		want += (uint64_t)c->ngroups * sizeof(__u32);
		break;
	}
	case CKPT_HDR_FS: {
		const struct ckpt_hdr_fs *f = rec;

		if (f->cwd_len < 1 || f->cwd_len > CKPT_PATH_MAX ||
		    f->root_len > CKPT_PATH_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FS cwd_len %u / root_len %u out of range (1..%u)",
				    f->cwd_len, f->root_len, CKPT_PATH_MAX);
		want += (uint64_t)f->cwd_len + f->root_len;
		break;
	}
	case CKPT_HDR_FILE: {
		const struct ckpt_hdr_file *f = rec;

		if (f->path_len > CKPT_PATH_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE path_len %u > %u", f->path_len,
				    CKPT_PATH_MAX);
		want += f->path_len;
		break;
	}
	case CKPT_HDR_INOTIFY_WATCH: {
		const struct ckpt_hdr_inotify_watch *w = rec;

		if (w->path_len < 2 || w->path_len > CKPT_PATH_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "INOTIFY_WATCH path_len %u out of range (2..%u)",
				    w->path_len, CKPT_PATH_MAX);
		want += w->path_len;
		break;
	}
	case CKPT_HDR_INOTIFY_EVENT: {
		const struct ckpt_hdr_inotify_event *e = rec;

		if (e->name_len == 1 || e->name_len > CKPT_INOTIFY_NAME_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "INOTIFY_EVENT name_len %u out of range (0, 2..%u)",
				    e->name_len, CKPT_INOTIFY_NAME_MAX);
		want += e->name_len;
		break;
	}
	case CKPT_HDR_PIPE_DATA:
		if (len <= want)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "empty PIPE_DATA record");
		return 0;	/* any size up to the max, checked before */
	case CKPT_HDR_UNIX: {
		const struct ckpt_hdr_unix *u = rec;

		if (u->addr_len > CKPT_UNIX_ADDR_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX addr_len %u > %u", u->addr_len,
				    CKPT_UNIX_ADDR_MAX);
		want += u->addr_len;
		break;
	}
	case CKPT_HDR_UNIX_SKB: {
		const struct ckpt_hdr_unix_skb *u = rec;

		if (u->len > CKPT_UNIX_SKB_MAX ||
		    u->nr_fds > CKPT_UNIX_SKB_FDS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX_SKB len %u > %u or nr_fds %u > %u",
				    u->len, CKPT_UNIX_SKB_MAX, u->nr_fds,
				    CKPT_UNIX_SKB_FDS_MAX);
		want += u->len + (uint64_t)u->nr_fds * sizeof(__u32);
		break;
	}
	case CKPT_HDR_INODE_DATA:
		if (len <= want)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "empty INODE_DATA record");
		return 0;	/* any size up to the max, checked before */
	case CKPT_HDR_INODE: {
		const struct ckpt_hdr_inode *i = rec;

		if (i->name_len < 2 || i->name_len > CKPT_INODE_NAME_MAX ||
		    i->dir_len == 1 || i->dir_len > CKPT_PATH_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "INODE name_len %u (2..%u) or dir_len %u (0, 2..%u) out of range",
				    i->name_len, CKPT_INODE_NAME_MAX, i->dir_len,
				    CKPT_PATH_MAX);
		want += (uint64_t)i->name_len + i->dir_len;
		break;
	}
	case CKPT_HDR_TTY_DATA: {
		const struct ckpt_hdr_tty_data *d = rec;

		if (d->len > CKPT_TTY_BUF)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TTY_DATA len %u > %u", d->len, CKPT_TTY_BUF);
		want += d->len;
		break;
	}
	case CKPT_HDR_MM: {
		const struct ckpt_hdr_mm *m = rec;

		if (m->exe_len > CKPT_PATH_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM exe_len %u > %u", m->exe_len,
				    CKPT_PATH_MAX);
		want += m->exe_len;
		break;
	}
	case CKPT_HDR_VMA: {
		const struct ckpt_hdr_vma *v = rec;

		if (v->path_len > CKPT_PATH_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "VMA path_len %u > %u", v->path_len,
				    CKPT_PATH_MAX);
		want += v->path_len;
		break;
	}
	case CKPT_HDR_PAGES: {
		const struct ckpt_hdr_pages *p = rec;

		if (p->nr_pages < 1 || p->nr_pages > CKPT_PAGES_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "PAGES nr_pages %u out of range 1..%u",
				    p->nr_pages, CKPT_PAGES_MAX);
		want += (uint64_t)p->nr_pages * (sizeof(__u64) + r->page_size);
		break;
	}
	case CKPT_HDR_FPU: {
		const struct ckpt_hdr_fpu *f = rec;

		if (f->size > CKPT_XSTATE_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FPU xstate size %u > %u", f->size,
				    CKPT_XSTATE_MAX);
		want += f->size;
		break;
	}
	case CKPT_HDR_IPC_MSG: {
		const struct ckpt_hdr_ipc_msg *m = rec;

		if (m->size > CKPT_MSG_SIZE_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "IPC_MSG size %u > %u", m->size,
				    CKPT_MSG_SIZE_MAX);
		want += m->size;
		break;
	}
	case CKPT_HDR_IPC_SEM: {
		const struct ckpt_hdr_ipc_sem *m = rec;

		if (m->nsems < 1 || m->nsems > CKPT_SEM_NSEMS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "IPC_SEM id %d: nsems %u out of range 1..%u",
				    m->perm.id, m->nsems, CKPT_SEM_NSEMS_MAX);
		want += (uint64_t)m->nsems * sizeof(struct ckpt_ipc_semval);
		break;
	}
	case CKPT_HDR_SEM_ADJ: {
		const struct ckpt_hdr_sem_adj *a = rec;

		if (a->nsems < 1 || a->nsems > CKPT_SEM_NSEMS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "SEM_ADJ semid %d: nsems %u out of range 1..%u",
				    a->semid, a->nsems, CKPT_SEM_NSEMS_MAX);
		/* the len counts no padding: the next record is aligned */
		want += (uint64_t)a->nsems * sizeof(__s16);
		break;
	}
	default:
		break;
	}
	if (len != want)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record length %u does not match its contents (expected %llu)",
			    name, len, (unsigned long long)want);
	return 0;
}

/* A counted string of n bytes must end with its only NUL. */
static int check_string(struct kcr_reader *r, const char *s, size_t n,
			const char *what, uint64_t off)
{
	if (!n)
		return 0;
	if (s[n - 1] != '\0' || strlen(s) != n - 1)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s is not a NUL-terminated string of %zu bytes",
			    what, n);
	return 0;
}

/*
 * A file identity (format v4): as the kernel's restore_file_id_valid(), pad
 * zero and a valid time; all zero where the record has no file (has_file 0:
 * a FILE not of kind REG nor a FIFO with a path, a VMA not of kind FILE,
 * an MM without an exe); no size nor mtime for a directory or any other
 * file that is not a regular one (FIFO, O_PATH symlink...).
 */
static int check_file_id(struct kcr_reader *r, const struct ckpt_file_id *id,
			 int has_file, int is_dir, const char *what,
			 uint64_t off)
{
	static const struct ckpt_file_id zero;

	if (id->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s: identity pad field is nonzero", what);
	if (id->mtime_nsec >= 1000000000u)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s: identity mtime_nsec %u >= 1000000000", what,
			    id->mtime_nsec);
	if (!has_file && memcmp(id, &zero, sizeof(zero)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s: an identity (dev/ino/size/mtime) where there is no file: must be 0",
			    what);
	if (is_dir && (id->size || id->mtime_sec || id->mtime_nsec))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s: the identity of a directory or other non-regular file has no size nor mtime (size %llu, mtime %lld.%09u)",
			    what, (unsigned long long)id->size,
			    (long long)id->mtime_sec, id->mtime_nsec);
	return 0;
}

static int check_header(struct kcr_reader *r, const struct ckpt_hdr_header *h,
			uint64_t off)
{
	if (h->magic != CKPT_MAGIC)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "bad magic 0x%016llx (not a kcr image)",
			    (unsigned long long)h->magic);
	if (h->version != CKPT_VERSION)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "unsupported image version %u (expected %u)",
			    h->version, CKPT_VERSION);
	if (h->arch != CKPT_ARCH_X86_64)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "unsupported image arch %u (expected %u, x86_64)",
			    h->arch, CKPT_ARCH_X86_64);
	if (h->page_size != r->page_size)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "image page size %u, expected %u",
			    h->page_size, r->page_size);
	if (h->flags & ~(__u32)CKPT_CHECKPOINT_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "unknown header flags 0x%x", h->flags);
	if (!memchr(h->release, '\0', sizeof(h->release)) ||
	    !memchr(h->machine, '\0', sizeof(h->machine)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "release/machine strings are not NUL-terminated");
	r->header = *h;
	return 0;
}

/*
 * The objrefs of the image.  They are unique across all kinds: the TREE
 * defines those of the task objects (mm, files, ..., sysvsem), the FILE,
 * PIPE, first SHMEM VMA and first SYSV_SHM VMA (of an attachment) records
 * the others.  An open-addressing hash table; a slot with ref 0 is free (0
 * is never a valid objref).
 */
enum {
	OBJ_FILE = KCR_NR_REFS,	/* after the enum kcr_ref_kind values */
	OBJ_PIPE,
	OBJ_SHMEM,
	OBJ_SHM_ATTACH,		/* one shmat(): size is the shmid */
	OBJ_UNIX,		/* a UNIX socket: size is its peer_ref, owner its type */
	OBJ_EPOLL,		/* an EPOLL instance, used by one FILE */
	OBJ_INODE,		/* a deleted file or memfd (INODE record) */
	OBJ_EVENT,		/* EVENTFD, SIGNALFD, TIMERFD: size is the file kind */
	OBJ_TTY,		/* a pty pair: size is the pts index */
};

#define PIPE_USED_ANON	0x1	/* by a PIPE FILE or an unlinked FIFO's */
#define PIPE_USED_FIFO	0x2	/* by a FIFO FILE with a path */
#define UNIX_DEFINED	0x1	/* OBJ_UNIX: its UNIX record was read (in ends) */
#define UNIX_SHUT_RD	0x2	/* OBJ_UNIX: its record has CKPT_UNIX_SHUT_RD */
#define UNIX_SHUT_WR	0x4	/* OBJ_UNIX: its record has CKPT_UNIX_SHUT_WR */
#define UNIX_NAMED	0x8	/* OBJ_UNIX: bound to a name of its own */
#define UNIX_LISTENING	0x10	/* OBJ_UNIX: its record has CKPT_UNIX_LISTEN */
#define UNIX_CONNECTING	0x20	/* OBJ_UNIX: its record has CKPT_UNIX_CONNECTING */
#define TTY_END_MASTER	0x1	/* TTY: its master has a FILE */
#define TTY_END_CLOSED	0x2	/* TTY: CKPT_TTY_SLAVE_CLOSED, no slave FILE */

struct kcr_obj {
	uint32_t ref;
	uint32_t kind;		/* enum kcr_ref_kind or OBJ_* */
	uint32_t owner;		/* TREE kinds: first TREE entry with this ref */
	uint32_t ends;		/* PIPE: PIPE_USED_* by the FILEs so far */
	uint32_t uses;		/* FILE, PIPE...: records that use it so far */
	uint32_t flocked;	/* FILE: a FILE_LOCK of kind FLOCK was seen */
	uint64_t off;		/* body kinds: offset of the defining record */
	uint64_t size;		/* SHMEM: shm_size; SHM_ATTACH: the shmid */
};

static uint32_t obj_hash(uint32_t ref, uint32_t cap)
{
	uint32_t h = ref * 2654435761u;

	/* fold the high bits in: the low ones of a product are weak */
	return (h ^ h >> 16) & (cap - 1);
}

static struct kcr_obj *obj_find(const struct kcr_reader *r, uint32_t ref)
{
	uint32_t i;

	if (!ref || !r->objs_cap)
		return NULL;
	for (i = obj_hash(ref, r->objs_cap); r->objs[i].ref;
	     i = (i + 1) & (r->objs_cap - 1))
		if (r->objs[i].ref == ref)
			return &r->objs[i];
	return NULL;
}

/* Add a new objref (not in the table); NULL if out of memory. */
static struct kcr_obj *obj_add(struct kcr_reader *r, uint32_t ref,
			       uint32_t kind)
{
	struct kcr_obj *o;
	uint32_t i;

	/* Keep the table at most half full, so probes stay short. */
	if (2 * (uint64_t)(r->objs_used + 1) > r->objs_cap) {
		uint32_t cap = r->objs_cap ? 2 * r->objs_cap : 256, j;
		struct kcr_obj *nobjs;

		if (r->objs_cap >= 1u << 31)	/* cap would overflow */
			return NULL;
		nobjs = calloc(cap, sizeof(*nobjs));
		if (!nobjs)
			return NULL;
		for (j = 0; j < r->objs_cap; j++) {
			if (!r->objs[j].ref)
				continue;
			for (i = obj_hash(r->objs[j].ref, cap); nobjs[i].ref;
			     i = (i + 1) & (cap - 1))
				;
			nobjs[i] = r->objs[j];
		}
		free(r->objs);
		r->objs = nobjs;
		r->objs_cap = cap;
	}
	for (i = obj_hash(ref, r->objs_cap); r->objs[i].ref;
	     i = (i + 1) & (r->objs_cap - 1))
		;
	o = &r->objs[i];
	memset(o, 0, sizeof(*o));
	o->ref = ref;
	o->kind = kind;
	r->objs_used++;
	return o;
}

/* "the files_ref of TREE entry 2 (pid 12)", "the FILE record at offset 900" */
static void obj_describe(const struct kcr_reader *r, const struct kcr_obj *o,
			 char *buf, size_t n)
{
	const struct ckpt_task_pids *t = r->tasks ? r->tasks :
		(const void *)(r->buf + sizeof(struct ckpt_hdr_tree));

	switch (o->kind) {
	case OBJ_FILE:
	case OBJ_PIPE:
		snprintf(buf, n, "the %s record at offset %llu",
			 o->kind == OBJ_FILE ? "FILE" : "PIPE",
			 (unsigned long long)o->off);
		break;
	case OBJ_SHMEM:
		snprintf(buf, n, "the shared memory of the VMA at offset %llu",
			 (unsigned long long)o->off);
		break;
	case OBJ_SHM_ATTACH:
		snprintf(buf, n, "the SysV shm attachment of the VMA at offset %llu",
			 (unsigned long long)o->off);
		break;
	case OBJ_UNIX:
		snprintf(buf, n, "the unix socket of the UNIX record at offset %llu",
			 (unsigned long long)o->off);
		break;
	case OBJ_EPOLL:
		snprintf(buf, n, "the EPOLL record at offset %llu",
			 (unsigned long long)o->off);
		break;
	case OBJ_INODE:
		snprintf(buf, n, "the INODE record at offset %llu",
			 (unsigned long long)o->off);
		break;
	case OBJ_EVENT:
		snprintf(buf, n, "the %s record at offset %llu",
			 kcr_file_kind_name((uint32_t)o->size),
			 (unsigned long long)o->off);
		break;
	case OBJ_TTY:
		snprintf(buf, n, "the TTY record at offset %llu",
			 (unsigned long long)o->off);
		break;
	default:
		snprintf(buf, n, "the %s_ref of TREE entry %u (pid %d)",
			 kcr_ref_name((int)o->kind), o->owner,
			 t[o->owner].pid);
		break;
	}
}

/*
 * Define a body object (FILE, PIPE, shared memory): its objref must be
 * nonzero and new.  Returns the entry, or NULL after failing.
 */
static struct kcr_obj *obj_define(struct kcr_reader *r, uint32_t ref,
				  uint32_t kind, const char *what, uint64_t off)
{
	struct kcr_obj *o;
	char desc[96];

	if (!ref) {
		fail(r, KCR_ERR_FORMAT, EINVAL, off, "%s objref 0 is invalid",
		     what);
		return NULL;
	}
	o = obj_find(r, ref);
	if (o) {
		obj_describe(r, o, desc, sizeof(desc));
		fail(r, KCR_ERR_FORMAT, EINVAL, off,
		     "%s objref %u is already defined: it is %s", what, ref,
		     desc);
		return NULL;
	}
	o = obj_add(r, ref, kind);
	if (!o) {
		fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
		return NULL;
	}
	o->off = off;
	return o;
}

/*
 * A map from (pid namespace, pid) to TREE index, to find parents and
 * duplicate pids.  The key is the namespace's pidns_ref (never 0) in the
 * high half, the pid in the low half; key 0 marks a free slot.
 */
struct pidmap {
	uint64_t *keys;
	uint32_t *vals;
	uint32_t cap;
};

static uint64_t pid_key(uint32_t ns, int32_t pid)
{
	return (uint64_t)ns << 32 | (uint32_t)pid;
}

static uint32_t pidmap_slot(const struct pidmap *m, uint64_t key)
{
	uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (m->cap - 1);

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* TREE index of (ns, pid), or KCR_NO_ENTRY. */
static uint32_t pidmap_get(const struct pidmap *m, uint32_t ns, int32_t pid)
{
	uint32_t i = pidmap_slot(m, pid_key(ns, pid));

	return m->keys[i] ? m->vals[i] : KCR_NO_ENTRY;
}

static void pidmap_put(struct pidmap *m, uint32_t ns, int32_t pid, uint32_t idx)
{
	uint64_t key = pid_key(ns, pid);
	uint32_t i = pidmap_slot(m, key);

	m->keys[i] = key;
	m->vals[i] = idx;
}

#define TREE_FAIL(r, off, i, e, fmt, ...)					\
	fail(r, KCR_ERR_FORMAT, EINVAL, off, "TREE entry %u (pid %d): " fmt,	\
	     i, (e)->pid, ##__VA_ARGS__)

/*
 * A zombie's exit_code is what wait() reports: an exit status in bits
 * 8..15, or a signal number (1..64) with 0x80 if it dumped core.
 */
static int valid_exit_code(int32_t code)
{
	uint32_t c = (uint32_t)code, sig = c & 0x7f;

	if (c > 0xffff)
		return 0;
	if (!sig)
		return !(c & 0x80);
	return sig <= CKPT_NSIG && !(c >> 8);
}

/* What one entry must satisfy on its own. */
static int check_entry(struct kcr_reader *r, const struct ckpt_task_pids *e,
		       uint32_t i, uint64_t off)
{
	int zombie = !!(e->flags & CKPT_TASK_ZOMBIE), k;
	uint32_t lvl, ref;

	if (e->pid <= 0)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE entry %u: pid %d <= 0", i, e->pid);
	if (e->flags & ~(__u32)CKPT_TASK_FLAGS_KNOWN)
		return TREE_FAIL(r, off, i, e, "unknown flags 0x%x", e->flags);
	if (i && (e->flags & CKPT_TASK_NEWIPCNS))
		return TREE_FAIL(r, off, i, e,
				 "NEWIPCNS on a task other than the root (every task of a tree is in the root's IPC namespace)");
	if (e->nr_levels < 1 || e->nr_levels > CKPT_PID_LEVELS_MAX)
		return TREE_FAIL(r, off, i, e, "nr_levels %u out of range 1..%u",
				 e->nr_levels, CKPT_PID_LEVELS_MAX);
	if (e->pids[0] != e->pid)
		return TREE_FAIL(r, off, i, e, "pids[0] %d is not its pid",
				 e->pids[0]);
	for (lvl = 1; lvl < CKPT_PID_LEVELS_MAX; lvl++) {
		if (lvl < e->nr_levels && e->pids[lvl] <= 0)
			return TREE_FAIL(r, off, i, e, "pid %d at level %u <= 0",
					 e->pids[lvl], lvl);
		/* unused levels are zero, so an image has one spelling */
		if (lvl >= e->nr_levels && e->pids[lvl])
			return TREE_FAIL(r, off, i, e,
					 "pids[%u] is %d beyond its %u levels (must be 0)",
					 lvl, e->pids[lvl], e->nr_levels);
	}
	/* Only the init of a namespace has pid 1, and it lives in it. */
	for (lvl = 0; lvl + 1 < e->nr_levels; lvl++)
		if (e->pids[lvl] == 1)
			return TREE_FAIL(r, off, i, e,
					 "pid 1 at level %u, outside its own namespace (level %u)",
					 lvl, e->nr_levels - 1);
	if (e->tgid <= 0 || e->pgid < 0 || e->sid < 0)
		return TREE_FAIL(r, off, i, e,
				 "tgid %d, pgid %d, sid %d: tgid must be > 0, pgid and sid >= 0",
				 e->tgid, e->pgid, e->sid);
	if (!(e->flags & CKPT_TASK_SESSION_LEADER) != (e->sid != e->pid))
		return TREE_FAIL(r, off, i, e,
				 "SESSION_LEADER flag %s, but sid is %d",
				 (e->flags & CKPT_TASK_SESSION_LEADER) ? "set" : "clear",
				 e->sid);
	if (!(e->flags & CKPT_TASK_GROUP_LEADER) != (e->pgid != e->pid))
		return TREE_FAIL(r, off, i, e,
				 "GROUP_LEADER flag %s, but pgid is %d",
				 (e->flags & CKPT_TASK_GROUP_LEADER) ? "set" : "clear",
				 e->pgid);
	if (e->exit_signal > CKPT_NSIG)
		return TREE_FAIL(r, off, i, e,
				 "exit_signal %u is not a signal (0..%u)",
				 e->exit_signal, CKPT_NSIG);
	if (zombie) {
		if (e->flags & CKPT_TASK_THREAD)
			return TREE_FAIL(r, off, i, e,
					 "a thread cannot be a zombie (exited threads are released at once)");
		if (!valid_exit_code(e->exit_code))
			return TREE_FAIL(r, off, i, e,
					 "zombie exit_code 0x%x is not a wait() status of an exit",
					 (unsigned int)e->exit_code);
	} else if (e->exit_code) {
		return TREE_FAIL(r, off, i, e,
				 "exit_code %d, but it is not a zombie",
				 e->exit_code);
	}
	for (k = 0; k < KCR_NR_REFS; k++) {
		int want = !zombie || k == KCR_REF_SIGNAL || k == KCR_REF_PIDNS;

		ref = kcr_task_ref(e, k);
		/* a live task may have no undo list, a zombie has none */
		if (k == KCR_REF_SYSVSEM && !zombie)
			continue;
		if (want && !ref)
			return TREE_FAIL(r, off, i, e, "%s_ref is 0",
					 kcr_ref_name(k));
		if (!want && ref)
			return TREE_FAIL(r, off, i, e,
					 "zombie with %s_ref %u: a zombie keeps only its signal_ref and pidns_ref",
					 kcr_ref_name(k), ref);
	}
	return 0;
}

/* The root: a live process, alone at level 0 of its namespace. */
static int check_root(struct kcr_reader *r, const struct ckpt_task_pids *e,
		      uint64_t off)
{
	int container = !!(r->header.flags & CKPT_CHECKPOINT_CONTAINER);
	struct kcr_task_info *in = &r->info[0];

	if (e->flags & CKPT_TASK_THREAD)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d is a thread", e->pid);
	if (e->flags & CKPT_TASK_ZOMBIE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d is a zombie", e->pid);
	if (e->tgid != e->pid)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d: tgid %d of a process is not its pid",
			    e->pid, e->tgid);
	if (e->ppid)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d: ppid %d, expected 0 (the root's parent is outside the tree)",
			    e->pid, e->ppid);
	/* Level 0 is the root's own namespace, by definition. */
	if (e->nr_levels != 1)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d: %u pid levels, expected 1 (level 0 is the root's namespace)",
			    e->pid, e->nr_levels);
	if (container && e->pid != 1)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d: the root of a container image is pid 1 of its namespace",
			    e->pid);
	/*
	 * NEWPIDNS says the parent made the namespace; the root's parent is
	 * outside the tree, and a container root says so by the HEADER flag.
	 */
	if (e->flags & CKPT_TASK_NEWPIDNS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d: NEWPIDNS on the root (a container image has the HEADER's CONTAINER flag instead)",
			    e->pid);
	in->leader = 0;
	in->parent = KCR_NO_ENTRY;
	in->ns[0] = e->pidns_ref;
	return 0;
}

/* A thread: right after its leader or another of its threads. */
static int check_thread(struct kcr_reader *r, const struct ckpt_task_pids *t,
			uint32_t i, uint64_t off)
{
	static const int same[] = { KCR_REF_MM, KCR_REF_SIGHAND,
				    KCR_REF_SIGNAL, KCR_REF_PIDNS };
	const struct ckpt_task_pids *e = &t[i], *ld;
	struct kcr_task_info *in = &r->info[i];
	uint32_t l = r->info[i - 1].leader;
	size_t k;

	ld = &t[l];
	if (ld->pid != e->tgid)
		return TREE_FAIL(r, off, i, e,
				 "thread of tgid %d does not directly follow its leader or another of its threads",
				 e->tgid);
	if (ld->flags & CKPT_TASK_ZOMBIE)
		return TREE_FAIL(r, off, i, e,
				 "thread of the zombie %d (TREE entry %u)",
				 ld->pid, l);
	if (e->flags & CKPT_TASK_NEWPIDNS)
		return TREE_FAIL(r, off, i, e,
				 "a thread cannot start a pid namespace (NEWPIDNS)");
	if (e->ppid != ld->ppid)
		return TREE_FAIL(r, off, i, e,
				 "thread's ppid %d differs from its leader's %d",
				 e->ppid, ld->ppid);
	if (e->nr_levels != ld->nr_levels)
		return TREE_FAIL(r, off, i, e,
				 "thread has %u pid levels, its leader %u",
				 e->nr_levels, ld->nr_levels);
	if (e->pgid != ld->pgid || e->sid != ld->sid)
		return TREE_FAIL(r, off, i, e,
				 "thread's pgid %d / sid %d differ from its leader's %d / %d",
				 e->pgid, e->sid, ld->pgid, ld->sid);
	if (e->exit_signal)
		return TREE_FAIL(r, off, i, e,
				 "thread with exit_signal %u (threads have 0)",
				 e->exit_signal);
	for (k = 0; k < sizeof(same) / sizeof(same[0]); k++)
		if (kcr_task_ref(e, same[k]) != kcr_task_ref(ld, same[k]))
			return TREE_FAIL(r, off, i, e,
					 "thread's %s_ref %u differs from its leader's %u",
					 kcr_ref_name(same[k]),
					 kcr_task_ref(e, same[k]),
					 kcr_task_ref(ld, same[k]));
	in->leader = l;
	in->parent = r->info[l].parent;
	memcpy(in->ns, r->info[l].ns, sizeof(in->ns));
	return 0;
}

/* A process other than the root: a child of an earlier live process. */
static int check_process(struct kcr_reader *r, const struct ckpt_task_pids *t,
			 uint32_t i, const struct pidmap *m, uint64_t off)
{
	const struct ckpt_task_pids *e = &t[i], *p;
	struct kcr_task_info *in = &r->info[i];
	uint32_t j, n = e->nr_levels;

	if (e->tgid != e->pid)
		return TREE_FAIL(r, off, i, e, "tgid %d of a process is not its pid",
				 e->tgid);
	j = pidmap_get(m, t[0].pidns_ref, e->ppid);
	if (e->ppid <= 0 || j == KCR_NO_ENTRY)
		return TREE_FAIL(r, off, i, e,
				 "ppid %d is not an earlier pid of the tree",
				 e->ppid);
	p = &t[j];
	if (p->flags & CKPT_TASK_THREAD)
		return TREE_FAIL(r, off, i, e,
				 "ppid %d is a thread (TREE entry %u): the parent is named by its tgid",
				 e->ppid, j);
	if (p->flags & CKPT_TASK_ZOMBIE)
		return TREE_FAIL(r, off, i, e,
				 "its parent %d (TREE entry %u) is a zombie, and zombies have no children",
				 e->ppid, j);
	if (e->flags & CKPT_TASK_NEWPIDNS) {
		if (n != p->nr_levels + 1)
			return TREE_FAIL(r, off, i, e,
					 "NEWPIDNS with %u pid levels, its parent has %u (expected %u)",
					 n, p->nr_levels, p->nr_levels + 1);
		if (e->pids[n - 1] != 1)
			return TREE_FAIL(r, off, i, e,
					 "NEWPIDNS, but pid %d in its own namespace (expected 1)",
					 e->pids[n - 1]);
	} else {
		/*
		 * A child is in its parent's namespace, or one level deeper
		 * as the init of a new one; restart can rebuild nothing else.
		 */
		if (n != p->nr_levels)
			return TREE_FAIL(r, off, i, e,
					 "%u pid levels, its parent has %u: only a NEWPIDNS child is one level deeper",
					 n, p->nr_levels);
		if (e->pids[n - 1] == 1)
			return TREE_FAIL(r, off, i, e,
					 "pid 1 in its own namespace without NEWPIDNS");
		if (e->pidns_ref != p->pidns_ref)
			return TREE_FAIL(r, off, i, e,
					 "pidns_ref %u differs from its parent's %u, without NEWPIDNS",
					 e->pidns_ref, p->pidns_ref);
	}
	in->leader = i;
	in->parent = j;
	memcpy(in->ns, r->info[j].ns, sizeof(in->ns));
	in->ns[n - 1] = e->pidns_ref;
	return 0;
}

/* Bit of r->info[].records for the record of a TREE ref kind, 0 if none. */
static uint32_t ref_record_bit(int kind)
{
	switch (kind) {
	case KCR_REF_FS:	return KCR_TASK_HAS_FS;
	case KCR_REF_FILES:	return KCR_TASK_HAS_FILES;
	case KCR_REF_MM:	return KCR_TASK_HAS_MM;
	case KCR_REF_SIGHAND:	return KCR_TASK_HAS_SIGHAND;
	case KCR_REF_SYSVSEM:	return KCR_TASK_HAS_SEM_UNDO;
	}
	return 0;
}

/*
 * The refs of entry i: each value names one kind of object; mm, sighand
 * and signal are shared only inside a thread group; a NEWPIDNS task's
 * namespace is new.  The first entry with a ref carries its record.
 */
static int check_refs(struct kcr_reader *r, const struct ckpt_task_pids *t,
		      uint32_t i, uint64_t off)
{
	const struct ckpt_task_pids *e = &t[i];
	struct kcr_task_info *in = &r->info[i];
	struct kcr_obj *o;
	char desc[96];
	uint32_t ref, own;
	int k;

	for (k = 0; k < KCR_NR_REFS; k++) {
		ref = kcr_task_ref(e, k);
		if (!ref)
			continue;
		o = obj_find(r, ref);
		if (!o) {
			o = obj_add(r, ref, (uint32_t)k);
			if (!o)
				return fail(r, KCR_ERR_NOMEM, ENOMEM, off,
					    "out of memory");
			o->owner = i;
			in->records |= ref_record_bit(k);
			continue;
		}
		if (o->kind != (uint32_t)k) {
			obj_describe(r, o, desc, sizeof(desc));
			return TREE_FAIL(r, off, i, e,
					 "%s_ref %u is also %s (objrefs are unique across kinds)",
					 kcr_ref_name(k), ref, desc);
		}
		own = o->owner;
		switch (k) {
		case KCR_REF_MM:
		case KCR_REF_SIGHAND:
		case KCR_REF_SIGNAL:
			if (r->info[own].leader != in->leader)
				return TREE_FAIL(r, off, i, e,
						 "%s_ref %u is shared with the process %d (TREE entry %u): only the threads of one process share it",
						 kcr_ref_name(k), ref,
						 t[r->info[own].leader].pid,
						 r->info[own].leader);
			break;
		case KCR_REF_PIDNS:
			if (e->flags & CKPT_TASK_NEWPIDNS)
				return TREE_FAIL(r, off, i, e,
						 "NEWPIDNS, but pidns_ref %u is already the namespace of TREE entry %u (pid %d)",
						 ref, own, t[own].pid);
			break;
		}
	}
	return 0;
}

static int check_tree(struct kcr_reader *r, const struct ckpt_hdr_tree *tr,
		      uint64_t off)
{
	const struct ckpt_task_pids *t = (const void *)(tr + 1), *e;
	uint32_t i, j, lvl, n = tr->nr_tasks, live = 0;
	struct pidmap m = { NULL, NULL, 16 };
	int ret = -1;

	if (tr->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE pad field is nonzero");
	/* at most n * CKPT_PID_LEVELS_MAX keys: keep the map half empty */
	while (m.cap < 2 * n * CKPT_PID_LEVELS_MAX)
		m.cap *= 2;
	m.keys = calloc(m.cap, sizeof(*m.keys));
	m.vals = calloc(m.cap, sizeof(*m.vals));
	free(r->info);
	r->info = calloc(n, sizeof(*r->info));
	if (!m.keys || !m.vals || !r->info) {
		fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
		goto out;
	}

	for (i = 0; i < n; i++) {
		e = &t[i];
		/*
		 * Level 0 is the root's namespace for every task (the root
		 * passed check_entry, so its pidns_ref is a valid key).
		 */
		j = i && e->pid > 0 ? pidmap_get(&m, t[0].pidns_ref, e->pid) :
				      KCR_NO_ENTRY;
		if (j != KCR_NO_ENTRY) {
			fail(r, KCR_ERR_FORMAT, EINVAL, off,
			     "TREE entry %u: pid %d already used by entry %u",
			     i, e->pid, j);
			goto out;
		}
		if (check_entry(r, e, i, off))
			goto out;
		if (!i ? check_root(r, e, off) :
		    (e->flags & CKPT_TASK_THREAD) ? check_thread(r, t, i, off) :
		    check_process(r, t, i, &m, off))
			goto out;
		if (check_refs(r, t, i, off))
			goto out;
		for (lvl = 1; lvl < e->nr_levels; lvl++) {
			j = pidmap_get(&m, r->info[i].ns[lvl], e->pids[lvl]);
			if (j != KCR_NO_ENTRY) {
				TREE_FAIL(r, off, i, e,
					  "pid %d at level %u is already used by TREE entry %u (pid %d) in the same namespace",
					  e->pids[lvl], lvl, j, t[j].pid);
				goto out;
			}
		}
		for (lvl = 0; lvl < e->nr_levels; lvl++)
			pidmap_put(&m, r->info[i].ns[lvl], e->pids[lvl], i);
		live += !(e->flags & CKPT_TASK_ZOMBIE);
		if (e->sysvsem_ref && r->ipc_ref_entry == KCR_NO_ENTRY)
			r->ipc_ref_entry = i;
	}
	/*
	 * The root saves the IPC objects: a private namespace is saved whole.
	 * (An undo list may be empty, as every pthread's is: the arrays its
	 * SEM_ADJ records name must be in the image, checked there.)
	 */
	if (t[0].flags & CKPT_TASK_NEWIPCNS)
		r->info[0].records |= KCR_TASK_HAS_IPC_NS;

	free(r->tasks);
	r->tasks = malloc((size_t)n * sizeof(*t));
	if (!r->tasks) {
		fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
		goto out;
	}
	memcpy(r->tasks, t, (size_t)n * sizeof(*t));
	r->nr_tasks = n;
	r->nr_live = live;
	ret = 0;
out:
	free(m.keys);
	free(m.vals);
	return ret;
}

/* Close a section: every announced child must have been seen. */
static int close_section(struct kcr_reader *r, struct kcr_section *s,
			 const char *children, uint64_t off)
{
	if (!s->type)
		return 0;
	if (s->remaining)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record at offset %llu: %llu %s missing",
			    kcr_record_name(s->type),
			    (unsigned long long)s->offset,
			    (unsigned long long)s->remaining, children);
	s->type = 0;
	return 0;
}

static void open_section(struct kcr_section *s, uint32_t type, uint64_t off,
			 uint64_t count)
{
	s->type = type;
	s->offset = off;
	s->remaining = count;
}

/* Take one child from a section; the section must be open. */
static int section_take(struct kcr_reader *r, struct kcr_section *s,
			uint32_t parent, uint32_t type, uint64_t n,
			uint64_t off)
{
	if (s->type != parent)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record outside a %s section",
			    kcr_record_name(type), kcr_record_name(parent));
	if (n > s->remaining)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record exceeds what its %s at offset %llu announced",
			    kcr_record_name(type), kcr_record_name(parent),
			    (unsigned long long)s->offset);
	s->remaining -= n;
	return 0;
}

/* The messages of an IPC_MSQ: their number, then their bytes. */
static int close_msq(struct kcr_reader *r, uint64_t off)
{
	const struct kcr_ipc_obj *q;

	if (!r->msq.type)
		return 0;
	if (close_section(r, &r->msq, "IPC_MSG records", off))
		return -1;
	if (r->msq_bytes) {
		q = &r->ipc_objs[r->nr_ipc_objs - 1];
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_MSQ id %d at offset %llu: its messages hold %llu bytes, but its cbytes is %llu",
			    q->id, (unsigned long long)q->off,
			    (unsigned long long)(q->size - r->msq_bytes),
			    (unsigned long long)q->size);
	}
	return 0;
}

/* The messages of a UNIX: their number, then their bytes. */
static int close_unix(struct kcr_reader *r, uint64_t off)
{
	if (!r->unix_skbs.type)
		return 0;
	if (r->unix_skbs.remaining == 0 && r->unix_bytes)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX record at offset %llu: its messages miss %llu bytes",
			    (unsigned long long)r->unix_skbs.offset,
			    (unsigned long long)r->unix_bytes);
	return close_section(r, &r->unix_skbs, "UNIX_SKB records", off);
}

static int is_ipc_object(uint32_t type)
{
	return type == CKPT_HDR_IPC_SHM || type == CKPT_HDR_IPC_MSQ ||
	       type == CKPT_HDR_IPC_SEM;
}

/* The records of a FILES section: its FDs, FILEs and their objects. */
static int is_files_record(uint32_t type)
{
	return type == CKPT_HDR_FD || type == CKPT_HDR_FILE ||
	       type == CKPT_HDR_PIPE || type == CKPT_HDR_PIPE_DATA ||
	       (type >= CKPT_HDR_INODE && type <= CKPT_HDR_TTY_DATA) ||
	       type == CKPT_HDR_FILE_LOCK;
}

static int close_sections(struct kcr_reader *r, uint32_t type, uint64_t off)
{
	if (type != CKPT_HDR_PAGES &&
	    close_section(r, &r->vma, "pages", off))
		return -1;
	if (type != CKPT_HDR_IPC_MSG && close_msq(r, off))
		return -1;
	if (!is_ipc_object(type) && type != CKPT_HDR_IPC_MSG &&
	    type != CKPT_HDR_PAGES &&
	    close_section(r, &r->ipc, "IPC objects", off))
		return -1;
	if (type != CKPT_HDR_SEM_ADJ &&
	    close_section(r, &r->undo, "SEM_ADJ records", off))
		return -1;
	if (type != CKPT_HDR_PIPE_DATA &&
	    close_section(r, &r->pipe, "bytes of PIPE_DATA", off))
		return -1;
	if (type != CKPT_HDR_TTY_DATA &&
	    close_section(r, &r->tty, "TTY_DATA records", off))
		return -1;
	if (type != CKPT_HDR_UNIX_SKB && close_unix(r, off))
		return -1;
	if (type != CKPT_HDR_EPOLL_ITEM &&
	    close_section(r, &r->epoll, "EPOLL_ITEM records", off))
		return -1;
	if (type != CKPT_HDR_INODE_DATA &&
	    close_section(r, &r->inode, "INODE_DATA records", off))
		return -1;
	/* an INOTIFY's events, then its watches */
	if (type != CKPT_HDR_INOTIFY_EVENT &&
	    close_section(r, &r->ino_event, "INOTIFY_EVENT records", off))
		return -1;
	if (type != CKPT_HDR_INOTIFY_WATCH && type != CKPT_HDR_INOTIFY_EVENT &&
	    close_section(r, &r->ino_watch, "INOTIFY_WATCH records", off))
		return -1;
	/* an INODE first used by a VMA comes right before it */
	if (type != CKPT_HDR_VMA && type != CKPT_HDR_PAGES &&
	    type != CKPT_HDR_INODE && type != CKPT_HDR_INODE_DATA &&
	    close_section(r, &r->mm, "VMA records", off))
		return -1;
	if (!is_files_record(type) &&
	    close_section(r, &r->files, "FD records", off))
		return -1;
	if (type != CKPT_HDR_SIGINFO &&
	    close_section(r, &r->signal, "SIGINFO records", off))
		return -1;
	if (type != CKPT_HDR_POSIX_TIMER &&
	    close_section(r, &r->timers, "POSIX_TIMER records", off))
		return -1;
	return 0;
}

static int check_pages(struct kcr_reader *r, const struct ckpt_hdr_pages *p,
		       uint64_t off)
{
	const __u64 *addr = (const void *)(p + 1);
	/* the pages of a VMA, or of a SysV shm segment (offsets in it) */
	uint32_t parent = r->vma.type == CKPT_HDR_IPC_SHM ? CKPT_HDR_IPC_SHM :
			  CKPT_HDR_VMA, i;

	if (section_take(r, &r->vma, parent, CKPT_HDR_PAGES, p->nr_pages, off))
		return -1;
	for (i = 0; i < p->nr_pages; i++) {
		if (addr[i] & (r->page_size - 1))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "PAGES address %u 0x%llx is not page aligned",
				    i, (unsigned long long)addr[i]);
		if (addr[i] < r->vma_start || addr[i] >= r->vma_end)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    parent == CKPT_HDR_IPC_SHM ?
				    "PAGES address %u 0x%llx outside its IPC_SHM segment 0x%llx-0x%llx" :
				    "PAGES address %u 0x%llx outside its VMA (or shared object) 0x%llx-0x%llx",
				    i, (unsigned long long)addr[i],
				    (unsigned long long)r->vma_start,
				    (unsigned long long)r->vma_end);
		if (r->last_page != UINT64_MAX && addr[i] <= r->last_page)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "PAGES address %u 0x%llx not above the previous page 0x%llx",
				    i, (unsigned long long)addr[i],
				    (unsigned long long)r->last_page);
		r->last_page = addr[i];
	}
	return 0;
}

/*
 * Rank of the per-task top-level records, in their stream order;
 * children have their parent's rank (0 here).
 */
enum {
	RANK_TASK = 1,
	RANK_CREDS,
	RANK_FS,
	RANK_FILES,
	RANK_IPC_NS,
	RANK_SEM_UNDO,
	RANK_MM,
	RANK_SIGHAND,
	RANK_SIGNAL,
	RANK_ITIMERS,
	RANK_CPU,
	RANK_FPU,
	RANK_END,	/* past the last record of a task */
};

static int rank_of(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_TASK:	return RANK_TASK;
	case CKPT_HDR_CREDS:	return RANK_CREDS;
	case CKPT_HDR_FS:	return RANK_FS;
	case CKPT_HDR_FILES:	return RANK_FILES;
	case CKPT_HDR_IPC_NS:	return RANK_IPC_NS;
	case CKPT_HDR_SEM_UNDO:	return RANK_SEM_UNDO;
	case CKPT_HDR_MM:	return RANK_MM;
	case CKPT_HDR_SIGHAND:	return RANK_SIGHAND;
	case CKPT_HDR_SIGNAL:	return RANK_SIGNAL;
	case CKPT_HDR_ITIMERS:	return RANK_ITIMERS;
	case CKPT_HDR_CPU:	return RANK_CPU;
	case CKPT_HDR_FPU:	return RANK_FPU;
	}
	return 0;
}

static const uint32_t rank_type[RANK_END] = {
	[RANK_TASK] = CKPT_HDR_TASK,	[RANK_CREDS] = CKPT_HDR_CREDS,
	[RANK_FS] = CKPT_HDR_FS,	[RANK_FILES] = CKPT_HDR_FILES,
	[RANK_IPC_NS] = CKPT_HDR_IPC_NS, [RANK_SEM_UNDO] = CKPT_HDR_SEM_UNDO,
	[RANK_MM] = CKPT_HDR_MM,	[RANK_SIGHAND] = CKPT_HDR_SIGHAND,
	[RANK_SIGNAL] = CKPT_HDR_SIGNAL, [RANK_ITIMERS] = CKPT_HDR_ITIMERS,
	[RANK_CPU] = CKPT_HDR_CPU,
	[RANK_FPU] = CKPT_HDR_FPU,
};

/*
 * The TREE ref that decides whether a task has the record, -1 if always,
 * RANK_ROOT_ONLY for IPC_NS (the root's, see KCR_TASK_HAS_IPC_NS).
 */
#define RANK_ROOT_ONLY	(-2)
/* ITIMERS: every thread group leader has it, no other thread */
#define RANK_LEADER_ONLY	(-3)

static int rank_ref_kind(int rank)
{
	switch (rank) {
	case RANK_FS:		return KCR_REF_FS;
	case RANK_FILES:	return KCR_REF_FILES;
	case RANK_IPC_NS:	return RANK_ROOT_ONLY;
	case RANK_ITIMERS:	return RANK_LEADER_ONLY;
	case RANK_SEM_UNDO:	return KCR_REF_SYSVSEM;
	case RANK_MM:		return KCR_REF_MM;
	case RANK_SIGHAND:	return KCR_REF_SIGHAND;
	}
	return -1;
}

/* The objref field of a record that defines a TREE object. */
static uint32_t record_objref(uint32_t type, const void *rec)
{
	switch (type) {
	case CKPT_HDR_FS:	return ((const struct ckpt_hdr_fs *)rec)->objref;
	case CKPT_HDR_FILES:	return ((const struct ckpt_hdr_files *)rec)->objref;
	case CKPT_HDR_MM:	return ((const struct ckpt_hdr_mm *)rec)->objref;
	case CKPT_HDR_SIGHAND:	return ((const struct ckpt_hdr_sighand *)rec)->objref;
	case CKPT_HDR_SEM_UNDO:	return ((const struct ckpt_hdr_sem_undo *)rec)->objref;
	}
	return 0;
}

#define TASK_FAIL(r, off, fmt, ...)						\
	fail(r, KCR_ERR_FORMAT, EINVAL, off, "TREE entry %u (pid %d): " fmt,	\
	     (r)->entry_idx, (r)->tasks[(r)->entry_idx].pid, ##__VA_ARGS__)

/*
 * Every record the current task owes before a record of rank `upto`
 * (found: the record met instead) must have been seen.
 */
static int check_missing(struct kcr_reader *r, int upto, const char *found,
			 uint64_t off)
{
	const struct ckpt_task_pids *e = &r->tasks[r->entry_idx];
	const struct kcr_task_info *in = &r->info[r->entry_idx];
	int rank, kind;

	for (rank = r->task_rank + 1; rank < upto; rank++) {
		kind = rank_ref_kind(rank);
		if (kind == RANK_LEADER_ONLY) {
			if (in->leader != r->entry_idx)
				continue;
			return TASK_FAIL(r, off, "no %s record before %s (a process carries its timers)",
					 kcr_record_name(rank_type[rank]), found);
		}
		if (kind == RANK_ROOT_ONLY) {
			if (!(in->records & KCR_TASK_HAS_IPC_NS))
				continue;
			if (e->flags & CKPT_TASK_NEWIPCNS)
				return TASK_FAIL(r, off,
						 "no IPC_NS record before %s, but the root has NEWIPCNS (its IPC namespace is saved whole)",
						 found);
			return TASK_FAIL(r, off,
					 "no IPC_NS record before %s, but TREE entry %u (pid %d) has sysvsem_ref %u (its undo list names arrays of the image)",
					 found, r->ipc_ref_entry,
					 r->tasks[r->ipc_ref_entry].pid,
					 r->tasks[r->ipc_ref_entry].sysvsem_ref);
		}
		if (kind < 0)
			return TASK_FAIL(r, off, "no %s record before %s",
					 kcr_record_name(rank_type[rank]), found);
		if (in->records & ref_record_bit(kind))
			return TASK_FAIL(r, off,
					 "no %s record before %s, but it is the first task with %s_ref %u",
					 kcr_record_name(rank_type[rank]), found,
					 kcr_ref_name(kind), kcr_task_ref(e, kind));
	}
	return 0;
}

/* A top-level record of the current task other than TASK. */
static int check_task_record(struct kcr_reader *r, uint32_t type, int rank,
			     const void *rec, uint64_t off)
{
	const struct ckpt_task_pids *e = &r->tasks[r->entry_idx];
	const struct kcr_task_info *in = &r->info[r->entry_idx];
	const char *name = kcr_record_name(type);
	int kind = rank_ref_kind(rank);
	uint32_t ref, own;

	if (rank <= r->task_rank)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record out of order in task %d (TREE entry %u)",
			    name, e->pid, r->entry_idx);
	if (check_missing(r, rank, name, off))
		return -1;
	r->task_rank = rank;
	if (kind == RANK_LEADER_ONLY) {
		if (in->leader != r->entry_idx)
			return TASK_FAIL(r, off,
					 "%s record in a thread (the thread group leader carries the timers)",
					 name);
		return 0;
	}
	if (kind == RANK_ROOT_ONLY) {
		if (r->entry_idx)
			return TASK_FAIL(r, off,
					 "IPC_NS record in a task other than the root (the root, TREE entry 0, pid %d, writes the IPC objects)",
					 r->tasks[0].pid);
		return 0;
	}
	if (kind < 0)
		return 0;
	ref = kcr_task_ref(e, kind);
	if (!(in->records & ref_record_bit(kind))) {
		if (!ref)
			return TASK_FAIL(r, off, "unexpected %s record: its %s_ref is 0",
					 name, kcr_ref_name(kind));
		own = obj_find(r, ref)->owner;
		return TASK_FAIL(r, off,
				 "unexpected %s record: %s_ref %u was written with TREE entry %u (pid %d)",
				 name, kcr_ref_name(kind), ref, own,
				 r->tasks[own].pid);
	}
	if (record_objref(type, rec) != ref)
		return TASK_FAIL(r, off, "%s objref %u, but its TREE %s_ref is %u",
				 name, record_objref(type, rec),
				 kcr_ref_name(kind), ref);
	return 0;
}

/* TREE index of the first entry from i on that has records (no zombie). */
static uint32_t next_live(const struct kcr_reader *r, uint32_t i)
{
	while (i < r->nr_tasks && (r->tasks[i].flags & CKPT_TASK_ZOMBIE))
		i++;
	return i;
}

/* The scheduling, oom and prctl() fields of a TASK record. */
static int check_task_state(struct kcr_reader *r, const struct ckpt_hdr_task *t,
			    uint64_t off)
{
	int rt = t->policy == 1 || t->policy == 2;	/* SCHED_FIFO, SCHED_RR */

	if (t->flags & ~(__u64)CKPT_TASKF_KNOWN)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK flags 0x%llx: unknown bits",
			    (unsigned long long)t->flags);
	if ((t->flags & CKPT_TASKF_MCE_EARLY) && !(t->flags & CKPT_TASKF_MCE_KILL))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK flags: MCE_EARLY without MCE_KILL");
	if ((t->policy != 0 && t->policy != 3 && t->policy != 5 && !rt) ||
	    (rt ? t->rt_priority < 1 || t->rt_priority > 99 : t->rt_priority != 0) ||
	    t->nice < -20 || t->nice > 19)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK scheduling policy %u, priority %u, nice %d",
			    t->policy, t->rt_priority, t->nice);
	if (t->nr_cpus > 64 ||
	    (!(t->flags & CKPT_TASKF_ALL_CPUS) && !t->cpus_allowed))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK affinity 0x%llx of %u CPUs: no CPU",
			    (unsigned long long)t->cpus_allowed, t->nr_cpus);
	if (t->oom_score_adj < -1000 || t->oom_score_adj > 1000 ||
	    t->oom_score_adj_min < -1000 || t->oom_score_adj_min > 1000)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK oom_score_adj %d, oom_score_adj_min %d",
			    t->oom_score_adj, t->oom_score_adj_min);
	if (t->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off, "TASK pad is not 0");
	return 0;
}

static int check_task(struct kcr_reader *r, const struct ckpt_hdr_task *t,
		      uint64_t off)
{
	uint32_t i, z;

	if (r->task_idx && check_missing(r, RANK_END, "TASK", off))
		return -1;
	i = next_live(r, r->task_idx ? r->entry_idx + 1 : 0);
	if (i >= r->nr_tasks)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK record %u but the TREE has %u tasks that are not zombies",
			    r->task_idx + 1, r->nr_live);
	if (t->pid != r->tasks[i].pid) {
		for (z = 0; z < r->nr_tasks; z++)
			if (r->tasks[z].pid == t->pid &&
			    (r->tasks[z].flags & CKPT_TASK_ZOMBIE))
				return fail(r, KCR_ERR_FORMAT, EINVAL, off,
					    "TASK pid %d is the zombie of TREE entry %u: zombies have no records",
					    t->pid, z);
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK pid %d, expected %d (TREE entry %u)",
			    t->pid, r->tasks[i].pid, i);
	}
	if (!memchr(t->comm, '\0', sizeof(t->comm)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK comm is not NUL-terminated");
	if (check_task_state(r, t, off))
		return -1;
	if (t->exit_signal != r->tasks[i].exit_signal)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TASK exit_signal %u, the TREE entry %u has %u",
			    t->exit_signal, i, r->tasks[i].exit_signal);
	r->task_idx++;
	r->entry_idx = i;
	r->task_rank = RANK_TASK;
	return 0;
}

/*
 * Every object of a file kind (a PIPE...) is used by a FILE, and every
 * FILE by an FD or by a record of another kind (an epoll target): each is
 * written before its first use, and not written for nothing.
 */
static int check_unused(struct kcr_reader *r, uint64_t off)
{
	const struct kcr_obj *o;
	uint32_t i;

	for (i = 0; i < r->objs_cap; i++) {
		o = &r->objs[i];
		if (o->ref && o->kind == OBJ_UNIX && !(o->ends & UNIX_DEFINED))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "unix socket %u, the peer of UNIX %llu, has no UNIX record",
				    o->ref, (unsigned long long)o->size);
		if (o->ref && o->kind == OBJ_UNIX && !o->uses)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX %u at offset %llu is used by no FILE",
				    o->ref, (unsigned long long)o->off);
		if (!o->ref || o->uses ||
		    (o->kind != OBJ_FILE && o->kind != OBJ_PIPE &&
		     o->kind != OBJ_EPOLL && o->kind != OBJ_INODE &&
		     o->kind != OBJ_EVENT && o->kind != OBJ_TTY))
			continue;
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s %u at offset %llu is used by no %s",
			    o->kind == OBJ_FILE ? "FILE" :
			    o->kind == OBJ_PIPE ? "PIPE" :
			    o->kind == OBJ_EPOLL ? "EPOLL" :
			    o->kind == OBJ_INODE ? "INODE" :
			    o->kind == OBJ_TTY ? "TTY" :
			    kcr_file_kind_name((uint32_t)o->size), o->ref,
			    (unsigned long long)o->off,
			    o->kind == OBJ_FILE ? "FD" :
			    o->kind == OBJ_INODE ? "FILE or VMA" : "FILE");
	}
	return 0;
}

static int check_fd(struct kcr_reader *r, const struct ckpt_hdr_fd *f,
		    uint64_t off)
{
	struct kcr_obj *o;

	if (section_take(r, &r->files, CKPT_HDR_FILES, CKPT_HDR_FD, 1, off))
		return -1;
	if (f->flags & ~(__u32)CKPT_FD_CLOEXEC)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FD %u: unknown flags 0x%x", f->fd, f->flags);
	if (f->fd >= CKPT_FDS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FD %u >= %u", f->fd, CKPT_FDS_MAX);
	if ((int64_t)f->fd <= r->last_fd)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FD %u not above the previous fd %lld", f->fd,
			    (long long)r->last_fd);
	r->last_fd = f->fd;
	o = obj_find(r, f->file_ref);
	if (!o || o->kind != OBJ_FILE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FD %u: file_ref %u names no FILE written before",
			    f->fd, f->file_ref);
	o->uses++;
	/* for the FILE_LOCKs of the section */
	if (r->nr_sec_fds == r->sec_fds_cap) {
		uint32_t cap = r->sec_fds_cap ? 2 * r->sec_fds_cap : 64;
		struct kcr_fd_ref *n = realloc(r->sec_fds, cap * sizeof(*n));

		if (!n)
			return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
		r->sec_fds = n;
		r->sec_fds_cap = cap;
	}
	r->sec_fds[r->nr_sec_fds].fd = f->fd;
	r->sec_fds[r->nr_sec_fds++].ref = f->file_ref;
	return 0;
}

/* The FILE of fd in the open FILES section, 0 if none (fds ascend). */
static uint32_t section_fd_ref(const struct kcr_reader *r, uint32_t fd)
{
	uint32_t lo = 0, hi = r->nr_sec_fds, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->sec_fds[mid].fd == fd)
			return r->sec_fds[mid].ref;
		if (r->sec_fds[mid].fd < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * FILE_LOCK: after the last FD of a FILES section, on a FILE one of its FDs
 * holds at fd; FLOCK and OFD only on a FILE this section defines, at most
 * one FLOCK per FILE.
 */
static int check_file_lock(struct kcr_reader *r,
			   const struct ckpt_hdr_file_lock *l, uint64_t off)
{
	struct kcr_obj *o;

	if (r->files.type != CKPT_HDR_FILES)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK record outside a FILES section");
	if (r->files.remaining)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK record before the last FD of its FILES section");
	if (++r->nr_locks > CKPT_FILE_LOCKS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "more than %u FILE_LOCK records after one FILES",
			    CKPT_FILE_LOCKS_MAX);
	if (l->kind < CKPT_LOCK_FLOCK || l->kind > CKPT_LOCK_KIND_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK kind %u unknown", l->kind);
	if (l->type != CKPT_LOCK_READ && l->type != CKPT_LOCK_WRITE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK type %u unknown", l->type);
	if (l->start < 0 || l->end < l->start ||
	    (l->kind == CKPT_LOCK_FLOCK &&
	     (l->start || l->end != CKPT_LOCK_EOF)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK: bad range %lld-%lld for kind %s",
			    (long long)l->start, (long long)l->end,
			    kcr_lock_kind_name(l->kind));
	if (!l->file_ref || section_fd_ref(r, l->fd) != l->file_ref)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK: fd %u of this FILES section does not hold FILE %u",
			    l->fd, l->file_ref);
	o = obj_find(r, l->file_ref);
	if (!o || o->kind != OBJ_FILE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK: file_ref %u names no FILE", l->file_ref);
	if (l->kind != CKPT_LOCK_POSIX && o->off < r->files.offset)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE_LOCK: %s lock of FILE %u outside the FILES section that defines it",
			    kcr_lock_kind_name(l->kind), l->file_ref);
	if (l->kind == CKPT_LOCK_FLOCK) {
		if (o->flocked)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE_LOCK: a second flock lock of FILE %u",
				    l->file_ref);
		o->flocked = 1;
	}
	return 0;
}

/* The kinds of FILE this version saves (enum ckpt_file_kind). */
static int file_kind_known(uint32_t kind)
{
	switch (kind) {
	case CKPT_FILE_REG:
	case CKPT_FILE_CHR:
	case CKPT_FILE_PIPE:
	case CKPT_FILE_FIFO:
	case CKPT_FILE_UNIX:
	case CKPT_FILE_EPOLL:
	case CKPT_FILE_GHOST:
	case CKPT_FILE_EVENTFD:
	case CKPT_FILE_SIGNALFD:
	case CKPT_FILE_TIMERFD:
	case CKPT_FILE_TTY:
	case CKPT_FILE_INOTIFY:
		return 1;
	}
	return 0;
}

/* A FILE of kind UNIX: the socket's only file, both ends of a pair defined. */
static int check_unix_file(struct kcr_reader *r, const struct ckpt_hdr_file *f,
			   uint64_t off)
{
	struct kcr_obj *u = obj_find(r, f->obj_ref), *peer;

	if (!u || u->kind != OBJ_UNIX || !(u->ends & UNIX_DEFINED))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: obj_ref %u names no UNIX written before",
			    f->objref, f->obj_ref);
	if (u->uses)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: UNIX %u already has a FILE", f->objref,
			    f->obj_ref);
	if (u->size && !(u->ends & UNIX_CONNECTING)) {
		peer = obj_find(r, (uint32_t)u->size);
		if (!peer || !(peer->ends & UNIX_DEFINED))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: the peer %llu of UNIX %u has no UNIX record before it",
				    f->objref, (unsigned long long)u->size,
				    f->obj_ref);
	}
	if ((f->mode & S_IFMT) != S_IFSOCK || f->pos || f->rdev ||
	    (f->f_flags & O_ACCMODE) != O_RDWR ||
	    (f->f_flags & ~(__u32)(O_RDWR | O_NONBLOCK | O_APPEND)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: a unix socket is an O_RDWR socket at pos 0 (mode 0%o, f_flags 0%o)",
			    f->objref, f->mode, f->f_flags);
	u->uses++;
	return 0;
}

/* UNIX: a socket, or one of a pair (the first one defines both objrefs). */
static int check_unix(struct kcr_reader *r, const struct ckpt_hdr_unix *u,
		      uint64_t off)
{
	const char *name = (const char *)(u + 1);
	struct kcr_obj *o, *peer;

	if (section_take(r, &r->files, CKPT_HDR_FILES, CKPT_HDR_UNIX, 0, off))
		return -1;
	if ((u->flags & ~(__u32)CKPT_UNIX_FLAGS) ||
	    (!(u->flags & CKPT_UNIX_EMBRYO) && u->listener_ref))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: unknown flags 0x%x or listener_ref without CKPT_UNIX_EMBRYO",
			    u->objref, u->flags);
	if ((u->flags & CKPT_UNIX_CONNECTING) &&
	    (!u->peer_ref || u->type == 2 || u->nr_skbs ||
	     (u->flags & (CKPT_UNIX_LISTEN | CKPT_UNIX_ONEWAY |
			  CKPT_UNIX_SHARED_NAME | CKPT_UNIX_EMBRYO))))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: a connecting socket is a stream or seqpacket socket with an embryo for peer and no message",
			    u->objref);
	if (u->flags & CKPT_UNIX_EMBRYO) {
		const struct kcr_obj *l = obj_find(r, u->listener_ref);
		const struct kcr_obj *c = obj_find(r, u->peer_ref);

		if (u->addr_len || u->backlog || u->sndbuf || u->rcvbuf ||
		    (u->flags & ~(__u32)(CKPT_UNIX_EMBRYO | CKPT_UNIX_SHUT_RD |
					 CKPT_UNIX_SHUT_WR)) ||
		    !l || l->kind != OBJ_UNIX || !(l->ends & UNIX_LISTENING) ||
		    l->owner != u->type || !c || c->kind != OBJ_UNIX ||
		    !(c->ends & UNIX_CONNECTING) || c->size != u->objref)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX %u: an embryo waits on a listener written before, from a connecting socket written before, with no name or option of its own",
				    u->objref);
	}
	if (u->type != 1 && u->type != 2 && u->type != 5)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: type %u is not SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET",
			    u->objref, u->type);
	if (u->nr_skbs > CKPT_UNIX_SKBS_MAX || u->queued > CKPT_UNIX_QUEUE_MAX ||
	    (u->queued && !u->nr_skbs) ||
	    (u->type == 1 && u->queued < u->nr_skbs))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: %u messages of %llu bytes out of range",
			    u->objref, u->nr_skbs,
			    (unsigned long long)u->queued);
	if (!u->peer_ref && u->nr_skbs && (u->type != 2 || !u->addr_len))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: messages queued on a socket without a peer that is not a bound datagram socket",
			    u->objref);
	if (u->peer_ref == u->objref)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u is its own peer", u->objref);
	if ((u->flags & CKPT_UNIX_SHARED_NAME) &&
	    (!u->addr_len || !u->peer_ref || u->type == 2 ||
	     (u->flags & (CKPT_UNIX_ONEWAY | CKPT_UNIX_LISTEN))))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: a listener's name is an accepted stream or seqpacket socket's",
			    u->objref);
	if ((u->flags & CKPT_UNIX_ONEWAY) &&
	    (!u->peer_ref || u->type != 2 || u->nr_skbs))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: connected one way: a datagram socket with a peer and no message",
			    u->objref);
	if (u->addr_len && name[0] &&
	    (name[0] != '/' || u->addr_len < 2 ||
	     strnlen(name, u->addr_len) != u->addr_len - 1))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: a name is abstract (a NUL first) or an absolute path ending with its NUL",
			    u->objref);
	if ((u->flags & CKPT_UNIX_LISTEN) ?
	    (u->type == 2 || !u->addr_len || u->peer_ref ||
	     u->backlog > INT32_MAX) :
	    u->backlog != 0)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: a listening socket is a bound stream or seqpacket socket with a backlog, others have backlog 0",
			    u->objref);
	if ((!(u->flags & CKPT_UNIX_SNDBUF_SET) && u->sndbuf) ||
	    (!(u->flags & CKPT_UNIX_RCVBUF_SET) && u->rcvbuf) ||
	    u->sndbuf > INT32_MAX || u->rcvbuf > INT32_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX %u: sndbuf %u / rcvbuf %u without their flag or too large",
			    u->objref, u->sndbuf, u->rcvbuf);
	o = obj_find(r, u->objref);
	if (u->flags & CKPT_UNIX_ONEWAY) {
		peer = obj_find(r, u->peer_ref);
		if (o || !peer || peer->kind != OBJ_UNIX ||
		    !(peer->ends & UNIX_DEFINED) || peer->owner != 2 ||
		    !(peer->ends & UNIX_NAMED))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX %u: connected one way to %u, not a bound datagram socket written before",
				    u->objref, u->peer_ref);
		o = obj_define(r, u->objref, OBJ_UNIX, "UNIX", off);
		if (!o)
			return -1;
		o->owner = u->type;
	} else if (o) {
		if (o->kind != OBJ_UNIX || (o->ends & UNIX_DEFINED) ||
		    o->size != u->peer_ref || o->owner != u->type)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX %u: objref already used, or not the peer of UNIX %u of the same type",
				    u->objref, u->peer_ref);
		o->off = off;
		/* shutdown() of a stream or seqpacket socket shuts its peer too */
		peer = obj_find(r, u->peer_ref);
		if (u->type != 2 && peer &&
		    (!(u->flags & CKPT_UNIX_SHUT_RD) != !(peer->ends & UNIX_SHUT_WR) ||
		     !(u->flags & CKPT_UNIX_SHUT_WR) != !(peer->ends & UNIX_SHUT_RD)))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX %u: its shutdown state does not match its peer %u's",
				    u->objref, u->peer_ref);
	} else {
		o = obj_define(r, u->objref, OBJ_UNIX, "UNIX", off);
		if (!o)
			return -1;
		o->size = u->peer_ref;
		o->owner = u->type;
		if (u->peer_ref) {
			if (obj_find(r, u->peer_ref))
				return fail(r, KCR_ERR_FORMAT, EINVAL, off,
					    "UNIX %u: peer_ref %u is already used",
					    u->objref, u->peer_ref);
			peer = obj_add(r, u->peer_ref, OBJ_UNIX);
			if (!peer)
				return fail(r, KCR_ERR_NOMEM, ENOMEM, off,
					    "out of memory");
			peer->size = u->objref;
			peer->owner = u->type;
			peer->off = off;
			o = obj_find(r, u->objref);	/* the table may have moved */
		}
	}
	o->ends |= UNIX_DEFINED;
	if (u->addr_len && !(u->flags & CKPT_UNIX_SHARED_NAME))
		o->ends |= UNIX_NAMED;
	if (u->flags & CKPT_UNIX_LISTEN)
		o->ends |= UNIX_LISTENING;
	if (u->flags & CKPT_UNIX_CONNECTING)
		o->ends |= UNIX_CONNECTING;
	if (u->flags & CKPT_UNIX_EMBRYO)
		o->uses++;	/* it has no FILE */
	if (u->flags & CKPT_UNIX_SHUT_RD)
		o->ends |= UNIX_SHUT_RD;
	if (u->flags & CKPT_UNIX_SHUT_WR)
		o->ends |= UNIX_SHUT_WR;
	open_section(&r->unix_skbs, CKPT_HDR_UNIX, off, u->nr_skbs);
	r->unix_bytes = u->queued;
	r->unix_type = u->type;
	return 0;
}

static int check_unix_skb(struct kcr_reader *r,
			  const struct ckpt_hdr_unix_skb *s, uint64_t off)
{
	if (section_take(r, &r->unix_skbs, CKPT_HDR_UNIX, CKPT_HDR_UNIX_SKB, 1,
			 off))
		return -1;
	const __u32 *refs = (const __u32 *)((const char *)(s + 1) + s->len);
	struct kcr_obj *f;
	__u32 i, ref;

	if ((s->flags & ~(__u32)CKPT_UNIX_SKB_FLAGS) || s->pid < 0 ||
	    (!(s->flags & CKPT_UNIX_SKB_CREDS) && (s->pid || s->uid || s->gid)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX_SKB: bad flags 0x%x, or credentials without CKPT_UNIX_SKB_CREDS",
			    s->flags);
	/* the files in flight: FILEs written before */
	for (i = 0; i < s->nr_fds; i++) {
		memcpy(&ref, refs + i, sizeof(ref));
		f = obj_find(r, ref);
		if (!f || f->kind != OBJ_FILE)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "UNIX_SKB: file in flight %u names no FILE written before",
				    ref);
		f->uses++;
	}
	if (s->len > r->unix_bytes)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX_SKB: %u bytes, more than its UNIX announced",
			    s->len);
	if (!s->len && r->unix_type == 1)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "UNIX_SKB: an empty message on a stream socket");
	r->unix_bytes -= s->len;
	return 0;
}


/* kinds whose FILE names an object (obj_ref) and has no path */
static int file_kind_has_obj(uint32_t kind)
{
	return kind == CKPT_FILE_PIPE || kind == CKPT_FILE_UNIX ||
	       kind == CKPT_FILE_EPOLL || kind == CKPT_FILE_GHOST ||
	       kind == CKPT_FILE_TTY;
}

/* FILE of kind EPOLL: the one file of an EPOLL written before it. */
static int check_epoll_file(struct kcr_reader *r,
			    const struct ckpt_hdr_file *f, uint64_t off)
{
	struct kcr_obj *ep = obj_find(r, f->obj_ref);

	if (!ep || ep->kind != OBJ_EPOLL)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: obj_ref %u names no EPOLL written before",
			    f->objref, f->obj_ref);
	if (ep->uses)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: EPOLL %u is already the object of another FILE",
			    f->objref, f->obj_ref);
	if ((f->f_flags & ~(__u32)(O_ACCMODE | O_NONBLOCK | O_APPEND)) ||
	    (f->f_flags & O_ACCMODE) != O_RDWR || f->mode != 0600 ||
	    f->pos || f->rdev || f->path_len)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: an epoll file is O_RDWR (O_NONBLOCK, O_APPEND) with mode 0600, no pos, rdev or path (f_flags 0%o mode 0%o)",
			    f->objref, f->f_flags, f->mode);
	ep->uses++;
	return 0;
}

static int check_epoll(struct kcr_reader *r, const struct ckpt_hdr_epoll *e,
		       uint64_t off)
{
	if (section_take(r, &r->files, CKPT_HDR_FILES, CKPT_HDR_EPOLL, 0, off))
		return -1;
	if (e->nr_items > CKPT_EPOLL_ITEMS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EPOLL nr_items %u > %u", e->nr_items,
			    CKPT_EPOLL_ITEMS_MAX);
	if (!obj_define(r, e->objref, OBJ_EPOLL, "EPOLL", off))
		return -1;
	open_section(&r->epoll, CKPT_HDR_EPOLL, off, e->nr_items);
	return 0;
}

static int check_epoll_item(struct kcr_reader *r,
			    const struct ckpt_hdr_epoll_item *i, uint64_t off)
{
	__u32 ev = i->events;
	struct kcr_obj *o;

	if (section_take(r, &r->epoll, CKPT_HDR_EPOLL, CKPT_HDR_EPOLL_ITEM, 1,
			 off))
		return -1;
	if (i->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EPOLL_ITEM pad field is nonzero");
	if (i->fd >= CKPT_FDS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EPOLL_ITEM fd %u >= %u", i->fd, CKPT_FDS_MAX);
	/* armed: with EPOLLERR | EPOLLHUP; a fired oneshot: private bits only */
	if ((ev & ~(__u32)CKPT_EPOLL_EVENTS) ||
	    (!(ev & ~(__u32)CKPT_EPOLL_PRIVATE) ?
	     !(ev & CKPT_EPOLL_ONESHOT) :
	     (ev & CKPT_EPOLL_ERRHUP) != CKPT_EPOLL_ERRHUP))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EPOLL_ITEM fd %u: events 0x%x are not an item's (unknown bits, armed without EPOLLERR|EPOLLHUP, or disarmed without EPOLLONESHOT)",
			    i->fd, ev);
	o = obj_find(r, i->file_ref);
	if (!o || o->kind != OBJ_FILE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EPOLL_ITEM fd %u: file_ref %u names no FILE written before",
			    i->fd, i->file_ref);
	o->uses++;
	return 0;
}

/* --- event fds: eventfd, signalfd, timerfd --- */

/* f_flags of an event fd: O_RDWR, and what F_SETFL can set on it */
#define EVENT_FILE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_NOATIME)

static int is_event_kind(uint32_t kind)
{
	return kind == CKPT_FILE_EVENTFD || kind == CKPT_FILE_SIGNALFD ||
	       kind == CKPT_FILE_TIMERFD || kind == CKPT_FILE_INOTIFY;
}

/* A FILE of an event fd: the one view of an object of its kind. */
static int check_event_file(struct kcr_reader *r,
			    const struct ckpt_hdr_file *f, uint64_t off)
{
	const char *kind = kcr_file_kind_name(f->kind);
	/* an inotify instance is read-only */
	__u32 acc = f->kind == CKPT_FILE_INOTIFY ? O_RDONLY : O_RDWR;
	struct kcr_obj *o;

	if (f->path_len || f->mode || f->pos || f->rdev)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u of kind %s has a path, mode, pos or rdev (must be 0)",
			    f->objref, kind);
	if ((f->f_flags & ~(__u32)EVENT_FILE_FLAGS) ||
	    (f->f_flags & O_ACCMODE) != acc)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u of kind %s: f_flags 0%o (%s, O_NONBLOCK, O_APPEND, O_NOATIME only)",
			    f->objref, kind, f->f_flags,
			    acc == O_RDONLY ? "O_RDONLY" : "O_RDWR");
	o = obj_find(r, f->obj_ref);
	if (!o || o->kind != OBJ_EVENT || o->size != f->kind)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: obj_ref %u names no %s record written before",
			    f->objref, f->obj_ref, kind);
	if (o->uses)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: %s %u is already opened by another FILE",
			    f->objref, kind, f->obj_ref);
	o->uses++;
	return 0;
}

/* The INODE object @ref (a FILE's obj_ref, a VMA's shm_ref): one use more. */
static int use_inode(struct kcr_reader *r, uint32_t ref, const char *what,
		     uint64_t off)
{
	struct kcr_obj *o = obj_find(r, ref);

	if (!o || o->kind != OBJ_INODE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s: %u names no INODE written before", what, ref);
	o->uses++;
	return 0;
}

#define INODE_SEALS	0x1fU	/* F_SEAL_SEAL .. F_SEAL_FUTURE_WRITE */
#define INODE_MEMFD_PREFIX	"memfd:"

/*
 * INODE: a deleted file or memfd, in a FILES section (first used by an
 * fd) or in an MM section (first used by the VMA after it); then
 * nr_chunks INODE_DATA.
 */
static int check_inode(struct kcr_reader *r, const struct ckpt_hdr_inode *i,
		       uint64_t off)
{
	const char *name = (const char *)(i + 1);
	const char *dir = name + i->name_len;

	if (r->files.type != CKPT_HDR_FILES &&
	    !(r->mm.type == CKPT_HDR_MM && r->mm.remaining))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE record outside a FILES section or before a VMA");
	if (i->flags & ~(__u32)CKPT_INODE_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: unknown flags 0x%x", i->objref, i->flags);
	if ((i->mode & S_IFMT) != S_IFREG || (i->mode & ~(__u32)(S_IFMT | 07777)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: mode 0%o is not a regular file's",
			    i->objref, i->mode);
	if ((i->seals & ~INODE_SEALS) ||
	    (i->seals && !(i->flags & CKPT_INODE_MEMFD)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: seals 0x%x (unknown, or not a memfd)",
			    i->objref, i->seals);
	if (i->size > CKPT_INODE_SIZE_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: size %llu > %llu", i->objref,
			    (unsigned long long)i->size,
			    (unsigned long long)CKPT_INODE_SIZE_MAX);
	if (i->nr_chunks > (i->size + CKPT_INODE_CHUNK - 1) / CKPT_INODE_CHUNK)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: %u chunks for %llu bytes", i->objref,
			    i->nr_chunks, (unsigned long long)i->size);
	if (check_string(r, name, i->name_len, "INODE name", off) ||
	    check_string(r, dir, i->dir_len, "INODE directory", off))
		return -1;
	if ((!(i->flags & CKPT_INODE_MEMFD) && strchr(name, '/')) ||
	    (i->dir_len && dir[0] != '/'))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: name with a '/' or relative directory",
			    i->objref);
	if ((i->flags & CKPT_INODE_MEMFD) &&
	    (i->dir_len || strncmp(name, INODE_MEMFD_PREFIX,
				   strlen(INODE_MEMFD_PREFIX))))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE %u: a memfd is named \"memfd:...\" and has no directory",
			    i->objref);
	if (!obj_define(r, i->objref, OBJ_INODE, "INODE", off))
		return -1;
	open_section(&r->inode, CKPT_HDR_INODE, off, i->nr_chunks);
	r->inode_size = i->size;
	r->inode_next = 0;
	return 0;
}

static int check_inode_data(struct kcr_reader *r,
			    const struct ckpt_hdr_inode_data *d, uint64_t off)
{
	uint64_t n = d->h.len - sizeof(*d);

	if (section_take(r, &r->inode, CKPT_HDR_INODE, CKPT_HDR_INODE_DATA, 1,
			 off))
		return -1;
	if (d->offset < r->inode_next || d->offset > r->inode_size ||
	    n > r->inode_size - d->offset)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INODE_DATA of %llu bytes at %llu: overlaps the previous chunk or past the size %llu",
			    (unsigned long long)n,
			    (unsigned long long)d->offset,
			    (unsigned long long)r->inode_size);
	r->inode_next = d->offset + n;
	return 0;
}

static int check_event_obj(struct kcr_reader *r, uint32_t type,
			   uint32_t objref, uint32_t kind, uint64_t off)
{
	struct kcr_obj *o;

	if (section_take(r, &r->files, CKPT_HDR_FILES, type, 0, off))
		return -1;
	o = obj_define(r, objref, OBJ_EVENT, kcr_record_name(type), off);
	if (!o)
		return -1;
	o->size = kind;
	return 0;
}

static int check_eventfd(struct kcr_reader *r,
			 const struct ckpt_hdr_eventfd *e, uint64_t off)
{
	if (e->flags & ~(__u32)CKPT_EVENTFD_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EVENTFD %u: unknown flags 0x%x", e->objref,
			    e->flags);
	if (e->count == UINT64_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "EVENTFD %u: count 2^64-1 (an eventfd stays below)",
			    e->objref);
	return check_event_obj(r, CKPT_HDR_EVENTFD, e->objref,
			       CKPT_FILE_EVENTFD, off);
}

static int check_signalfd(struct kcr_reader *r,
			  const struct ckpt_hdr_signalfd *s, uint64_t off)
{
	/* bit n - 1 is signal n: SIGKILL 9, SIGSTOP 19 */
	const __u64 never = (1ULL << (9 - 1)) | (1ULL << (19 - 1));

	if (s->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "SIGNALFD %u: pad field is nonzero", s->objref);
	if (s->sigmask & never)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "SIGNALFD %u: mask 0x%llx has SIGKILL or SIGSTOP",
			    s->objref, (unsigned long long)s->sigmask);
	return check_event_obj(r, CKPT_HDR_SIGNALFD, s->objref,
			       CKPT_FILE_SIGNALFD, off);
}

static int check_timerfd(struct kcr_reader *r,
			 const struct ckpt_hdr_timerfd *t, uint64_t off)
{
	int realtime = t->clockid == 0 || t->clockid == 8;

	switch (t->clockid) {
	case 0:		/* CLOCK_REALTIME */
	case 1:		/* CLOCK_MONOTONIC */
	case 7:		/* CLOCK_BOOTTIME */
	case 8:		/* CLOCK_REALTIME_ALARM */
	case 9:		/* CLOCK_BOOTTIME_ALARM */
		break;
	default:
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TIMERFD %u: clock %u is not one timerfd has",
			    t->objref, t->clockid);
	}
	if (t->settime_flags & ~(__u32)CKPT_TIMERFD_SETTIME_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TIMERFD %u: unknown settime flags 0x%x",
			    t->objref, t->settime_flags);
	if (t->flags & ~(__u32)CKPT_TIMERFD_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TIMERFD %u: unknown flags 0x%x", t->objref,
			    t->flags);
	if ((t->flags & CKPT_TIMERFD_ABS) &&
	    (!realtime || !(t->settime_flags & 1)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TIMERFD %u: an absolute expiry needs TFD_TIMER_ABSTIME on a CLOCK_REALTIME clock",
			    t->objref);
	if ((t->flags & CKPT_TIMERFD_CANCELED) &&
	    (!(t->flags & CKPT_TIMERFD_ABS) || !(t->settime_flags & 2)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TIMERFD %u: canceled without an absolute TFD_TIMER_CANCEL_ON_SET timer",
			    t->objref);
	if (t->value_ns > CKPT_TIMERFD_NS_MAX ||
	    t->interval_ns > CKPT_TIMERFD_NS_MAX ||
	    t->ticks > CKPT_TIMERFD_TICKS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TIMERFD %u: value, interval or ticks out of range",
			    t->objref);
	return check_event_obj(r, CKPT_HDR_TIMERFD, t->objref,
			       CKPT_FILE_TIMERFD, off);
}

/* the kernel's O_LARGEFILE on x86_64 (the C library's is 0) */
#define KCR_O_LARGEFILE	0100000

/* new_encode_dev() of major:minor */
static uint64_t tty_encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* A FILE of one side of a TTY: the master once, slaves by the index. */
static int check_tty_file(struct kcr_reader *r, const struct ckpt_hdr_file *f,
			  uint64_t off)
{
	struct kcr_obj *tty = obj_find(r, f->obj_ref);
	uint32_t idx, acc = f->f_flags & O_ACCMODE;
	int master;

	if (!tty || tty->kind != OBJ_TTY)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: obj_ref %u names no TTY written before",
			    f->objref, f->obj_ref);
	idx = (uint32_t)tty->size;
	master = f->rdev == tty_encode_dev(5, 2);
	if ((f->mode & S_IFMT) != S_IFCHR || f->pos || acc == O_ACCMODE ||
	    (f->f_flags & ~(uint32_t)(O_ACCMODE | O_NONBLOCK | O_APPEND |
				      KCR_O_LARGEFILE | O_NOATIME)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: a pty file is a character device at pos 0 with open flags, not mode 0%o pos %lld f_flags 0%o",
			    f->objref, f->mode, (long long)f->pos, f->f_flags);
	if (master) {
		if (acc != O_RDWR || (tty->ends & TTY_END_MASTER))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: the master of TTY %u is read-write and has one FILE",
				    f->objref, f->obj_ref);
		tty->ends |= TTY_END_MASTER;
	} else if (f->rdev != tty_encode_dev(136 + idx / 256, idx % 256)) {
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: rdev 0x%llx is neither ptmx nor pts %u of TTY %u",
			    f->objref, (unsigned long long)f->rdev, idx,
			    f->obj_ref);
	} else if (tty->ends & TTY_END_CLOSED) {
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: a slave of TTY %u, saved with every slave closed",
			    f->objref, f->obj_ref);
	}
	tty->uses++;
	return 0;
}

static int check_termios(struct kcr_reader *r, const struct ckpt_tty_termios *t,
			 const char *side, uint64_t off)
{
	if (t->pad || t->c_line)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY %s termios: pad nonzero or line discipline %u (only n_tty, 0)",
			    side, t->c_line);
	return 0;
}

static int check_tty(struct kcr_reader *r, const struct ckpt_hdr_tty *t,
		     uint64_t off)
{
	struct kcr_obj *o;

	if (section_take(r, &r->files, CKPT_HDR_FILES, CKPT_HDR_TTY, 0, off))
		return -1;
	if (t->index >= CKPT_TTY_INDEX_MAX || (t->flags & ~(__u32)CKPT_TTY_FLAGS))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY index %u (max %u) or flags 0x%x unknown",
			    t->index, CKPT_TTY_INDEX_MAX - 1, t->flags);
	if (t->session > r->nr_tasks || t->fg_pgrp > r->nr_tasks ||
	    (t->fg_pgrp && !t->session))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY session %u / fg_pgrp %u: not TREE positions + 1 (%u tasks), or a group without a session",
			    t->session, t->fg_pgrp, r->nr_tasks);
	if (t->session && r->tasks &&
	    (!(r->tasks[t->session - 1].flags & CKPT_TASK_SESSION_LEADER) ||
	     (t->fg_pgrp &&
	      r->tasks[t->fg_pgrp - 1].sid != r->tasks[t->session - 1].pid)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY session %u / fg_pgrp %u: not a session leader, or a group of another session",
			    t->session, t->fg_pgrp);
	if (t->pktstatus > 0xff ||
	    (t->pktstatus && !(t->flags & CKPT_TTY_PACKET)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY pktstatus 0x%x without packet mode or above 0xff",
			    t->pktstatus);
	if (check_termios(r, &t->termios[0], "slave", off) ||
	    check_termios(r, &t->termios[1], "master", off))
		return -1;
	o = obj_define(r, t->objref, OBJ_TTY, "TTY", off);
	if (!o)
		return -1;
	o->size = t->index;
	if (t->flags & CKPT_TTY_SLAVE_CLOSED)
		o->ends |= TTY_END_CLOSED;
	r->tty_icanon = ((t->termios[0].c_lflag & ICANON) ? 1 : 0) |
			((t->termios[1].c_lflag & ICANON) ? 2 : 0);
	open_section(&r->tty, CKPT_HDR_TTY, off, 2);
	return 0;
}

static int check_tty_data(struct kcr_reader *r,
			  const struct ckpt_hdr_tty_data *d, uint64_t off)
{
	uint32_t side = 2 - (uint32_t)r->tty.remaining, i, last = 0;
	int any = 0, icanon;

	if (section_take(r, &r->tty, CKPT_HDR_TTY, CKPT_HDR_TTY_DATA, 1, off))
		return -1;
	if (d->side != side || d->pad || d->canon_len > d->len)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY_DATA side %u (expected %u), pad nonzero or canon_len %u > len %u",
			    d->side, side, d->canon_len, d->len);
	for (i = 0; i < CKPT_TTY_BUF; i++) {
		if (d->eol[i / 8] & (1U << (i % 8))) {
			any = 1;
			last = i;
		}
	}
	icanon = !!(r->tty_icanon & (1U << side));
	if ((!icanon && (any || d->canon_len)) ||
	    (icanon && (any != !!d->canon_len ||
			(any && last + 1 != d->canon_len))))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TTY_DATA side %u: line ends do not match canon_len %u (%s mode)",
			    side, d->canon_len, icanon ? "canonical" : "raw");
	return 0;
}

/* --- inotify --- */

static int check_inotify(struct kcr_reader *r, const struct ckpt_hdr_inotify *i,
			 uint64_t off)
{
	if (i->nr_watches > CKPT_INOTIFY_WATCHES_MAX ||
	    i->nr_events > CKPT_INOTIFY_EVENTS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY %u: %u watches (<= %u), %u events (<= %u)",
			    i->objref, i->nr_watches, CKPT_INOTIFY_WATCHES_MAX,
			    i->nr_events, CKPT_INOTIFY_EVENTS_MAX);
	if (i->next_wd < 1)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY %u: next_wd %d out of range (1..%d)",
			    i->objref, i->next_wd, CKPT_INOTIFY_WD_MAX);
	if (check_event_obj(r, CKPT_HDR_INOTIFY, i->objref, CKPT_FILE_INOTIFY,
			    off))
		return -1;
	open_section(&r->ino_watch, CKPT_HDR_INOTIFY, off, i->nr_watches);
	open_section(&r->ino_event, CKPT_HDR_INOTIFY, off, i->nr_events);
	r->ino_last_wd = 0;
	r->ino_overflow = 0;
	return 0;
}

static int inotify_mode_ok(uint32_t mode)
{
	switch (mode) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return 1;
	}
	return 0;
}

static int check_inotify_watch(struct kcr_reader *r,
			       const struct ckpt_hdr_inotify_watch *w,
			       uint64_t off)
{
	const char *path = (const char *)(w + 1);

	if (section_take(r, &r->ino_watch, CKPT_HDR_INOTIFY,
			 CKPT_HDR_INOTIFY_WATCH, 1, off))
		return -1;
	if (w->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_WATCH pad field is nonzero");
	if (w->wd < 1 || w->wd <= r->ino_last_wd)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_WATCH wd %d: not above the previous wd %d (duplicate, out of order or < 1)",
			    w->wd, r->ino_last_wd);
	r->ino_last_wd = w->wd;
	if (w->mask & ~(__u32)CKPT_INOTIFY_WATCH_MASK)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_WATCH wd %d: mask 0x%x has bits a watch does not keep",
			    w->wd, w->mask);
	if (!inotify_mode_ok(w->mode))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_WATCH wd %d: mode 0%o is not a file type",
			    w->wd, w->mode);
	if (check_string(r, path, w->path_len, "INOTIFY_WATCH path", off))
		return -1;
	if (path[0] != '/')
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_WATCH wd %d: path %s is not absolute",
			    w->wd, path);
	return 0;
}

static int check_inotify_event(struct kcr_reader *r,
			       const struct ckpt_hdr_inotify_event *e,
			       uint64_t off)
{
	const char *name = (const char *)(e + 1);
	int overflow = e->mask == CKPT_INOTIFY_OVERFLOW;

	if (section_take(r, &r->ino_event, CKPT_HDR_INOTIFY,
			 CKPT_HDR_INOTIFY_EVENT, 1, off))
		return -1;
	if (e->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_EVENT pad field is nonzero");
	if (overflow ? e->wd != -1 || e->cookie || e->name_len :
	    !e->mask || (e->mask & ~(__u32)CKPT_INOTIFY_EVENT_MASK) || e->wd < 1)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_EVENT wd %d mask 0x%x: not an event read() returns (the overflow event is wd -1, IN_Q_OVERFLOW alone)",
			    e->wd, e->mask);
	if (overflow && r->ino_overflow++)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_EVENT: a second overflow event");
	if (check_string(r, name, e->name_len, "INOTIFY_EVENT name", off))
		return -1;
	if (e->name_len && strchr(name, '/'))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "INOTIFY_EVENT wd %d: name %s has a '/'", e->wd, name);
	return 0;
}

static int check_file(struct kcr_reader *r, const struct ckpt_hdr_file *f,
		      uint64_t off)
{
	struct kcr_obj *o, *pipe;
	char what[24];
	uint32_t used;

	if (section_take(r, &r->files, CKPT_HDR_FILES, CKPT_HDR_FILE, 0, off))
		return -1;
	if (!file_kind_known(f->kind))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE kind %u unknown", f->kind);
	if (f->kind == CKPT_FILE_GHOST) {
		if (f->path_len || (f->mode & S_IFMT) != S_IFREG)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u of kind ghost with a path or mode 0%o",
				    f->objref, f->mode);
	} else if (!file_kind_has_obj(f->kind) && !is_event_kind(f->kind) &&
		   f->kind != CKPT_FILE_FIFO && !f->path_len)
		/* (a FIFO whose name was unlinked has none) */
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE of kind %s without a path",
			    kcr_file_kind_name(f->kind));
	if (f->kind == CKPT_FILE_PIPE && f->path_len)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: a pipe has no path", f->objref);
	if (check_string(r, (const char *)(f + 1), f->path_len,
			 "FILE path", off))
		return -1;
	snprintf(what, sizeof(what), "FILE %u", f->objref);
	if (check_file_id(r, &f->id, f->kind == CKPT_FILE_REG ||
			  (f->kind == CKPT_FILE_FIFO && f->path_len),
			  (f->mode & S_IFMT) != S_IFREG, what, off))
		return -1;
	/* O_PATH (REG kind): any node but a device of the CHR kind */
	if (f->kind == CKPT_FILE_REG && (f->mode & S_IFMT) != S_IFREG &&
	    (f->mode & S_IFMT) != S_IFDIR &&
	    (!(f->f_flags & O_PATH) || (f->mode & S_IFMT) == S_IFCHR))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u: kind reg of mode 0%o is a regular file or directory, or an O_PATH file",
			    f->objref, f->mode);
	if (f->kind == CKPT_FILE_PIPE || f->kind == CKPT_FILE_FIFO) {
		used = f->kind == CKPT_FILE_FIFO && f->path_len ?
		       PIPE_USED_FIFO : PIPE_USED_ANON;
		pipe = obj_find(r, f->obj_ref);
		if (!pipe || pipe->kind != OBJ_PIPE)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: obj_ref %u names no PIPE written before",
				    f->objref, f->obj_ref);
		if ((f->f_flags & O_ACCMODE) == O_ACCMODE)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: a pipe or FIFO file is O_RDONLY, O_WRONLY or O_RDWR, not f_flags 0%o",
				    f->objref, f->f_flags);
		if (f->kind == CKPT_FILE_FIFO &&
		    ((f->mode & S_IFMT) != S_IFIFO || f->pos || f->rdev))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: a FIFO file has a FIFO's mode (not 0%o), no position, no rdev",
				    f->objref, f->mode);
		if (pipe->ends && pipe->ends != used)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: PIPE %u is both an anonymous pipe and a named FIFO",
				    f->objref, f->obj_ref);
		pipe->ends = used;
		pipe->uses++;
	} else if (f->kind == CKPT_FILE_UNIX) {
		if (f->path_len)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: a unix socket has no path",
				    f->objref);
		if (check_unix_file(r, f, off))
			return -1;
	} else if (f->kind == CKPT_FILE_EPOLL) {
		if (check_epoll_file(r, f, off))
			return -1;
	} else if (f->kind == CKPT_FILE_GHOST) {
		if (use_inode(r, f->obj_ref, what, off))
			return -1;
	} else if (is_event_kind(f->kind)) {
		if (check_event_file(r, f, off))
			return -1;
	} else if (f->kind == CKPT_FILE_TTY) {
		if (f->path_len)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE %u: a pty file has no path", f->objref);
		if (check_tty_file(r, f, off))
			return -1;
	} else if (f->obj_ref) {
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "FILE %u of kind %s has obj_ref %u (only pipe and FIFO files have one)",
			    f->objref, kcr_file_kind_name(f->kind), f->obj_ref);
	}
	o = obj_define(r, f->objref, OBJ_FILE, "FILE", off);
	if (!o)
		return -1;
	return 0;
}

static int check_pipe(struct kcr_reader *r, const struct ckpt_hdr_pipe *p,
		      uint64_t off)
{
	if (section_take(r, &r->files, CKPT_HDR_FILES, CKPT_HDR_PIPE, 0, off))
		return -1;
	if (p->data_len > p->size)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "PIPE data_len %u > size %u", p->data_len, p->size);
	/* F_GETPIPE_SZ gives a power of two of at least one page */
	if (p->size < r->page_size || (p->size & (p->size - 1)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "PIPE size %u is not a power of two of at least the page size",
			    p->size);
	if (!obj_define(r, p->objref, OBJ_PIPE, "PIPE", off))
		return -1;
	open_section(&r->pipe, CKPT_HDR_PIPE, off, p->data_len);
	return 0;
}

/* Pages of a SysV shm segment of size bytes (the last one partly used). */
static uint64_t shm_pages(const struct kcr_reader *r, uint64_t size)
{
	return size / r->page_size + !!(size % r->page_size);
}

/*
 * A SYSV_SHM VMA: a part of one attachment (shm_ref, defined by its first
 * VMA, the same shmid in every VMA using it) of a segment of the image
 * (shmid in shm_size), whose pages are in its IPC_SHM record.
 */
static int check_sysv_vma(struct kcr_reader *r, const struct ckpt_hdr_vma *v,
			  uint64_t off)
{
	const struct kcr_ipc_obj *seg;
	uint64_t pages, n = (v->end - v->start) / r->page_size;
	struct kcr_obj *o;
	char desc[96];

	if (v->nr_pages)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "sysv_shm VMA with nr_pages %llu (the pages of a segment are in its IPC_SHM record)",
			    (unsigned long long)v->nr_pages);
	if (v->path_len)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "sysv_shm VMA with a path (path_len %u, expected 0)",
			    v->path_len);
	if (!(v->vm_flags & CKPT_VM_MAYSHARE))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "sysv_shm VMA 0x%llx-0x%llx without VM_MAYSHARE",
			    (unsigned long long)v->start,
			    (unsigned long long)v->end);
	seg = kcr_reader_ipc_obj(r, CKPT_HDR_IPC_SHM,
				 v->shm_size > INT32_MAX ? -1 : (int64_t)v->shm_size);
	if (!seg)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "sysv_shm VMA: shmid %llu (shm_size) names no IPC_SHM of the image%s",
			    (unsigned long long)v->shm_size,
			    r->has_ipc_ns ? "" : " (the image has no IPC_NS)");
	pages = shm_pages(r, seg->size);
	if (v->pgoff > pages || n > pages - v->pgoff)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "sysv_shm VMA: pgoff %llu + %llu pages > the %llu pages of shm id %d",
			    (unsigned long long)v->pgoff, (unsigned long long)n,
			    (unsigned long long)pages, seg->id);
	o = obj_find(r, v->shm_ref);
	if (!o) {
		/* the first VMA of the attachment defines it */
		o = obj_define(r, v->shm_ref, OBJ_SHM_ATTACH, "sysv_shm VMA shm_ref", off);
		if (!o)
			return -1;
		o->size = (uint64_t)seg->id;
	} else if (o->kind != OBJ_SHM_ATTACH) {
		obj_describe(r, o, desc, sizeof(desc));
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "VMA shm_ref %u is %s, not a SysV shm attachment",
			    v->shm_ref, desc);
	} else if (o->size != (uint64_t)seg->id) {
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "VMA shm_ref %u: shmid %d, but the attachment is of shmid %llu",
			    v->shm_ref, seg->id, (unsigned long long)o->size);
	}
	open_section(&r->vma, CKPT_HDR_VMA, off, 0);
	return 0;
}

static int check_vma(struct kcr_reader *r, const struct ckpt_hdr_vma *v,
		     uint64_t off)
{
	uint64_t mask = r->page_size - 1;
	struct kcr_obj *o;
	char desc[96];

	if (section_take(r, &r->mm, CKPT_HDR_MM, CKPT_HDR_VMA, 1, off))
		return -1;
	if (v->start >= v->end || (v->start & mask) || (v->end & mask))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "VMA range 0x%llx-0x%llx is empty or not page aligned",
			    (unsigned long long)v->start,
			    (unsigned long long)v->end);
	if (v->kind < 1 || v->kind > CKPT_VMA_KIND_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "VMA kind %u unknown", v->kind);
	snprintf(desc, sizeof(desc), "VMA 0x%llx-0x%llx",
		 (unsigned long long)v->start, (unsigned long long)v->end);
	if (check_file_id(r, &v->file_id, v->kind == CKPT_VMA_FILE, 0, desc,
			  off))
		return -1;
	if (v->kind == CKPT_VMA_SYSV_SHM)
		return check_sysv_vma(r, v, off);
	if (v->nr_pages > (v->kind == CKPT_VMA_SHMEM ? v->shm_size :
			   v->end - v->start) / r->page_size)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "VMA nr_pages %llu > pages in 0x%llx-0x%llx",
			    (unsigned long long)v->nr_pages,
			    (unsigned long long)v->start,
			    (unsigned long long)v->end);
	if (v->kind == CKPT_VMA_FILE && !v->path_len)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "file VMA without a path");
	if (check_string(r, (const char *)(v + 1), v->path_len, "VMA path", off))
		return -1;
	if (v->kind == CKPT_VMA_INODE) {
		if (v->path_len || v->shm_size)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "inode VMA with a path or shm_size");
		if ((v->vm_flags & CKPT_VM_MAYSHARE) && v->nr_pages)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "shared inode VMA with pages (they are the INODE's)");
		if (use_inode(r, v->shm_ref, "inode VMA shm_ref", off))
			return -1;
	} else if (v->kind != CKPT_VMA_SHMEM && v->shm_ref)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s VMA with shm_ref %u (only shmem and sysv_shm VMAs have one)",
			    kcr_vma_kind_name(v->kind), v->shm_ref);
	if (v->kind == CKPT_VMA_SHMEM) {
		if (!v->shm_size || (v->shm_size & mask))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "shmem VMA shm_size 0x%llx is not a nonzero multiple of the page size",
				    (unsigned long long)v->shm_size);
		o = obj_find(r, v->shm_ref);
		if (!o) {
			/* the first VMA of the object defines it */
			o = obj_define(r, v->shm_ref, OBJ_SHMEM, "VMA shm_ref", off);
			if (!o)
				return -1;
			o->size = v->shm_size;
		} else if (o->kind != OBJ_SHMEM) {
			obj_describe(r, o, desc, sizeof(desc));
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "VMA shm_ref %u is %s, not shared memory",
				    v->shm_ref, desc);
		} else if (o->size != v->shm_size) {
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "VMA shm_ref %u: shm_size 0x%llx, but the object has 0x%llx",
				    v->shm_ref, (unsigned long long)v->shm_size,
				    (unsigned long long)o->size);
		} else if (v->nr_pages) {
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "VMA shm_ref %u: %llu pages, but the pages of a shared memory object come with its first VMA",
				    v->shm_ref, (unsigned long long)v->nr_pages);
		}
	}
	open_section(&r->vma, CKPT_HDR_VMA, off, v->nr_pages);
	/* SHMEM pages carry their byte offset in the shared object */
	r->vma_start = v->kind == CKPT_VMA_SHMEM ? 0 : v->start;
	r->vma_end = v->kind == CKPT_VMA_SHMEM ? v->shm_size : v->end;
	r->last_page = UINT64_MAX;
	return 0;
}

/* ------------------------------------------------------------ SysV IPC */

#define KCR_SEMVMX	32767	/* largest semaphore value (SEMVMX) */

const struct kcr_ipc_obj *kcr_reader_ipc_obj(const struct kcr_reader *r,
					     uint32_t type, int64_t id)
{
	uint32_t lo = 0, hi = r->nr_ipc_objs, mid;
	const struct kcr_ipc_obj *o;

	/* the objects are sorted by kind (record type), then id */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		o = &r->ipc_objs[mid];
		if (o->type == type && o->id == id)
			return o;
		if (o->type < type || (o->type == type && o->id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int check_ipc_ns(struct kcr_reader *r, const struct ckpt_hdr_ipc_ns *ns,
			uint64_t off)
{
	int newipcns = !!(r->tasks[0].flags & CKPT_TASK_NEWIPCNS);

	if (ns->flags & ~(__u32)CKPT_IPC_NS_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_NS unknown flags 0x%x", ns->flags);
	if ((ns->flags & CKPT_IPC_NS_PRIVATE) && !(ns->flags & CKPT_IPC_NS_ALL))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_NS flags 0x%x: PRIVATE without ALL (a private namespace is saved whole)",
			    ns->flags);
	if (!!(ns->flags & CKPT_IPC_NS_PRIVATE) != newipcns)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off, newipcns ?
			    "IPC_NS flags 0x%x without PRIVATE, but the root's TREE entry has NEWIPCNS" :
			    "IPC_NS flags 0x%x with PRIVATE, but the root's TREE entry has no NEWIPCNS",
			    ns->flags);
	if (ns->nr_objects > CKPT_IPC_OBJECTS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_NS nr_objects %u > %u", ns->nr_objects,
			    CKPT_IPC_OBJECTS_MAX);
	if (ns->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_NS pad field is nonzero");
	r->has_ipc_ns = 1;
	r->ipc_ns = *ns;
	open_section(&r->ipc, CKPT_HDR_IPC_NS, off, ns->nr_objects);
	return 0;
}

/*
 * One object of the IPC_NS: counted, with a valid id in its place (all
 * shm, then all msq, then all sem, each kind by ascending id: the record
 * types are in that order), added to r->ipc_objs.
 */
static int check_ipc_obj(struct kcr_reader *r, uint32_t type,
			 const struct ckpt_ipc_perm *perm, uint64_t size,
			 uint32_t flags, uint64_t off)
{
	const char *name = kcr_record_name(type);
	const struct kcr_ipc_obj *prev;
	struct kcr_ipc_obj *o;

	if (section_take(r, &r->ipc, CKPT_HDR_IPC_NS, type, 1, off))
		return -1;
	if (perm->id < 0)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off, "%s id %d < 0",
			    name, perm->id);
	if (perm->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s id %d: perm.pad is nonzero", name, perm->id);
	prev = r->nr_ipc_objs ? &r->ipc_objs[r->nr_ipc_objs - 1] : NULL;
	if (prev && prev->type > type)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s id %d after an %s (id %d): the objects come as all IPC_SHM, then all IPC_MSQ, then all IPC_SEM",
			    name, perm->id, kcr_record_name(prev->type), prev->id);
	if (prev && prev->type == type && perm->id == prev->id)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s id %d appears twice (ids are unique per kind)",
			    name, perm->id);
	if (prev && prev->type == type && perm->id < prev->id)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s id %d not above the previous %s id %d (ids ascend)",
			    name, perm->id, name, prev->id);
	if (r->nr_ipc_objs == r->ipc_objs_cap) {
		uint32_t cap = r->ipc_objs_cap ? 2 * r->ipc_objs_cap : 16;
		struct kcr_ipc_obj *n = realloc(r->ipc_objs, cap * sizeof(*n));

		if (!n)
			return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
		r->ipc_objs = n;
		r->ipc_objs_cap = cap;
	}
	o = &r->ipc_objs[r->nr_ipc_objs++];
	o->type = type;
	o->id = perm->id;
	o->key = perm->key;
	o->flags = flags;
	o->size = size;
	o->off = off;
	return 0;
}

static int check_ipc_shm(struct kcr_reader *r, const struct ckpt_hdr_ipc_shm *m,
			 uint64_t off)
{
	if (check_ipc_obj(r, CKPT_HDR_IPC_SHM, &m->perm, m->size, m->flags, off))
		return -1;
	if (m->flags & ~(__u32)CKPT_SHM_FLAGS)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_SHM id %d: unknown flags 0x%x", m->perm.id, m->flags);
	if ((m->flags & CKPT_SHM_DEST) && m->perm.key)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_SHM id %d: a removed (DEST) segment has key 0x%x, not IPC_PRIVATE (0)",
			    m->perm.id, (uint32_t)m->perm.key);
	if (m->nr_pages > shm_pages(r, m->size))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_SHM id %d: nr_pages %llu > the %llu pages of its size %llu",
			    m->perm.id, (unsigned long long)m->nr_pages,
			    (unsigned long long)shm_pages(r, m->size),
			    (unsigned long long)m->size);
	/* its PAGES carry byte offsets in the segment */
	open_section(&r->vma, CKPT_HDR_IPC_SHM, off, m->nr_pages);
	r->vma_start = 0;
	r->vma_end = m->size;
	r->last_page = UINT64_MAX;
	return 0;
}

static int check_ipc_msq(struct kcr_reader *r, const struct ckpt_hdr_ipc_msq *q,
			 uint64_t off)
{
	if (check_ipc_obj(r, CKPT_HDR_IPC_MSQ, &q->perm, q->cbytes, 0, off))
		return -1;
	if (q->nr_msgs > CKPT_MSG_COUNT_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_MSQ id %d: nr_msgs %u > %u", q->perm.id,
			    q->nr_msgs, CKPT_MSG_COUNT_MAX);
	if (q->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_MSQ id %d: pad field is nonzero", q->perm.id);
	open_section(&r->msq, CKPT_HDR_IPC_MSQ, off, q->nr_msgs);
	r->msq_bytes = q->cbytes;
	return 0;
}

static int check_ipc_msg(struct kcr_reader *r, const struct ckpt_hdr_ipc_msg *m,
			 uint64_t off)
{
	const struct kcr_ipc_obj *q;

	if (section_take(r, &r->msq, CKPT_HDR_IPC_MSQ, CKPT_HDR_IPC_MSG, 1, off))
		return -1;
	q = &r->ipc_objs[r->nr_ipc_objs - 1];
	if (m->mtype <= 0)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_MSG of IPC_MSQ id %d: mtype %lld is not > 0",
			    q->id, (long long)m->mtype);
	if (m->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_MSG of IPC_MSQ id %d: pad field is nonzero", q->id);
	if (m->size > r->msq_bytes)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_MSG of IPC_MSQ id %d: size %u > the %llu bytes left of its cbytes %llu",
			    q->id, m->size, (unsigned long long)r->msq_bytes,
			    (unsigned long long)q->size);
	r->msq_bytes -= m->size;
	return 0;
}

static int check_ipc_sem(struct kcr_reader *r, const struct ckpt_hdr_ipc_sem *m,
			 uint64_t off)
{
	const struct ckpt_ipc_semval *v = (const void *)(m + 1);
	uint32_t i;

	if (check_ipc_obj(r, CKPT_HDR_IPC_SEM, &m->perm, m->nsems, 0, off))
		return -1;
	if (m->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "IPC_SEM id %d: pad field is nonzero", m->perm.id);
	for (i = 0; i < m->nsems; i++)
		if (v[i].semval < 0 || v[i].semval > KCR_SEMVMX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "IPC_SEM id %d: semval[%u] %d out of range 0..%d",
				    m->perm.id, i, v[i].semval, KCR_SEMVMX);
	return 0;
}

static int check_sem_adj(struct kcr_reader *r, const struct ckpt_hdr_sem_adj *a,
			 uint64_t off)
{
	const struct kcr_ipc_obj *sem;

	if (section_take(r, &r->undo, CKPT_HDR_SEM_UNDO, CKPT_HDR_SEM_ADJ, 1, off))
		return -1;
	sem = kcr_reader_ipc_obj(r, CKPT_HDR_IPC_SEM, a->semid);
	if (!sem)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "SEM_ADJ semid %d names no IPC_SEM of the image%s",
			    a->semid, r->has_ipc_ns ? "" : " (the image has no IPC_NS)");
	if (a->semid <= r->last_semid)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "SEM_ADJ semid %d not above the previous semid %lld of its SEM_UNDO (ascending, each array once)",
			    a->semid, (long long)r->last_semid);
	if (a->nsems != sem->size)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "SEM_ADJ semid %d: nsems %u, but the IPC_SEM has %llu",
			    a->semid, a->nsems, (unsigned long long)sem->size);
	/* any s16: semop() lets an adjustment reach -32768 */
	r->last_semid = a->semid;
	return 0;
}

/* --- timers --- */
#define KCR_KTIME_MAX	((uint64_t)INT64_MAX)

static int check_itimers(struct kcr_reader *r, const struct ckpt_hdr_itimers *h,
			 uint64_t off)
{
	int i;

	/* value 0 with an interval: a fired ITIMER_REAL, rearmed later */
	for (i = 0; i < 3; i++)
		if (h->it[i].value_ns > KCR_KTIME_MAX ||
		    h->it[i].interval_ns > KCR_KTIME_MAX ||
		    (!h->it[i].value_ns && h->it[i].interval_ns &&
		     i != CKPT_ITIMER_REAL))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "ITIMERS timer %d: value %llu ns, interval %llu ns",
				    i, (unsigned long long)h->it[i].value_ns,
				    (unsigned long long)h->it[i].interval_ns);
	if (h->real_passed_ns > KCR_KTIME_MAX ||
	    (h->real_passed_ns && (h->it[CKPT_ITIMER_REAL].value_ns ||
				   !h->it[CKPT_ITIMER_REAL].interval_ns)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "ITIMERS real_passed_ns %llu with ITIMER_REAL value %llu ns, interval %llu ns",
			    (unsigned long long)h->real_passed_ns,
			    (unsigned long long)h->it[CKPT_ITIMER_REAL].value_ns,
			    (unsigned long long)h->it[CKPT_ITIMER_REAL].interval_ns);
	if (h->nr_posix > CKPT_POSIX_TIMERS_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "ITIMERS nr_posix %u > %u", h->nr_posix,
			    CKPT_POSIX_TIMERS_MAX);
	if (h->next_posix_id > INT32_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "ITIMERS next_posix_id %u > INT_MAX", h->next_posix_id);
	open_section(&r->timers, CKPT_HDR_ITIMERS, off, h->nr_posix);
	r->last_timer_id = -1;
	return 0;
}

static int timer_clock_ok(int32_t c)
{
	/* REALTIME MONOTONIC PROCESS_CPUTIME THREAD_CPUTIME BOOTTIME *_ALARM TAI */
	return c == 0 || c == 1 || c == 2 || c == 3 || c == 7 || c == 8 ||
	       c == 9 || c == 11;
}

static int check_posix_timer(struct kcr_reader *r,
			     const struct ckpt_hdr_posix_timer *t, uint64_t off)
{
	int cpu = t->clockid == 2 || t->clockid == 3;
	int expiry = !!(t->flags & CKPT_PTIMER_EXPIRY);
	int armed = !!(t->flags & CKPT_PTIMER_ARMED);
	int queued = !!(t->flags & CKPT_PTIMER_QUEUED);
	int abstime = !!(t->flags & CKPT_PTIMER_ABSTIME);
	uint32_t i;

	if (section_take(r, &r->timers, CKPT_HDR_ITIMERS, CKPT_HDR_POSIX_TIMER,
			 1, off))
		return -1;
	if (t->id < 0 || t->id <= r->last_timer_id)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER id %d after %lld (increasing, 0..INT_MAX)",
			    t->id, (long long)r->last_timer_id);
	r->last_timer_id = t->id;
	if (!timer_clock_ok(t->clockid))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: clock %d", t->id, t->clockid);
	if (t->flags & ~(uint32_t)CKPT_PTIMER_FLAGS || (armed && !expiry) ||
	    (cpu && expiry != armed) || (abstime && (t->clockid != 0 || !expiry)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: flags 0x%x", t->id, t->flags);
	switch (t->notify) {
	case 0:	/* SIGEV_SIGNAL */
	case 2:	/* SIGEV_THREAD */
	case 4:	/* SIGEV_THREAD_ID */
		if (t->signo < 1 || t->signo > CKPT_NSIG)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "POSIX_TIMER %d: signal %u", t->id, t->signo);
		break;
	case 1:	/* SIGEV_NONE */
		if (t->signo > CKPT_NSIG || queued)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "POSIX_TIMER %d: SIGEV_NONE with signal %u or queued",
				    t->id, t->signo);
		break;
	default:
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: sigev_notify %u", t->id, t->notify);
	}
	if ((!expiry && t->value_ns) || t->value_ns < -INT64_MAX ||
	    ((cpu || abstime) && t->value_ns < 0) ||
	    (armed && cpu && !t->value_ns) || t->interval_ns > KCR_KTIME_MAX)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: value %lld ns, interval %llu ns", t->id,
			    (long long)t->value_ns,
			    (unsigned long long)t->interval_ns);
	if (t->overrun < -1 || t->overrun_last < -1 || t->sig_overrun < 0 ||
	    (!queued && (t->sig_overrun || t->sig_private)))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: overruns %lld/%lld/%d", t->id,
			    (long long)t->overrun, (long long)t->overrun_last,
			    t->sig_overrun);
	if (cpu && queued && t->interval_ns && (t->requeue_pending & 1))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: periodic CPU-time timer with its signal queued",
			    t->id);
	if (t->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "POSIX_TIMER %d: pad is not 0", t->id);
	if (t->notify != 4) {
		if (t->tid)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "POSIX_TIMER %d: tid %d without SIGEV_THREAD_ID",
				    t->id, t->tid);
		return 0;
	}
	for (i = 0; i < r->nr_tasks; i++)
		if (t->tid && r->tasks[i].pid == t->tid &&
		    r->info[i].leader == r->entry_idx &&
		    !(r->tasks[i].flags & CKPT_TASK_ZOMBIE))
			return 0;
	return TASK_FAIL(r, off, "POSIX_TIMER %d: tid %d is not a thread of the process",
			 t->id, t->tid);
}

/* Per-task structure and the contents of body records. */
static int check_body(struct kcr_reader *r, uint32_t type, const void *rec,
		      uint64_t off)
{
	int rank = rank_of(type);

	if (close_sections(r, type, off))
		return -1;
	if (type == CKPT_HDR_TASK)
		return check_task(r, rec, off);
	if (!r->task_idx)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record before the first TASK",
			    kcr_record_name(type));
	if (rank && check_task_record(r, type, rank, rec, off))
		return -1;
	if (r->files.type && r->nr_locks && is_files_record(type) &&
	    type != CKPT_HDR_FILE_LOCK)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record after the FILE_LOCKs of a FILES section",
			    kcr_record_name(type));

	switch (type) {
	case CKPT_HDR_CREDS:
		break;
	case CKPT_HDR_FS: {
		const struct ckpt_hdr_fs *f = rec;
		const char *s = (const char *)(f + 1);

		if (f->pad)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FS pad field is nonzero");
		if (check_string(r, s, f->cwd_len, "FS cwd", off) ||
		    check_string(r, s + f->cwd_len, f->root_len, "FS root", off))
			return -1;
		break;
	}
	case CKPT_HDR_FILES: {
		const struct ckpt_hdr_files *f = rec;

		if (f->nr_fds > CKPT_FDS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILES nr_fds %u > %u", f->nr_fds,
				    CKPT_FDS_MAX);
		open_section(&r->files, CKPT_HDR_FILES, off, f->nr_fds);
		r->last_fd = -1;
		r->nr_sec_fds = 0;
		r->nr_locks = 0;
		break;
	}
	case CKPT_HDR_FD:
		return check_fd(r, rec, off);
	case CKPT_HDR_FILE_LOCK:
		return check_file_lock(r, rec, off);
	case CKPT_HDR_FILE:
		return check_file(r, rec, off);
	case CKPT_HDR_PIPE:
		return check_pipe(r, rec, off);
	case CKPT_HDR_UNIX:
		return check_unix(r, rec, off);
	case CKPT_HDR_UNIX_SKB:
		return check_unix_skb(r, rec, off);
	case CKPT_HDR_EPOLL:
		return check_epoll(r, rec, off);
	case CKPT_HDR_EPOLL_ITEM:
		return check_epoll_item(r, rec, off);
	case CKPT_HDR_INODE:
		return check_inode(r, rec, off);
	case CKPT_HDR_INODE_DATA:
		return check_inode_data(r, rec, off);
	case CKPT_HDR_EVENTFD:
		return check_eventfd(r, rec, off);
	case CKPT_HDR_SIGNALFD:
		return check_signalfd(r, rec, off);
	case CKPT_HDR_TIMERFD:
		return check_timerfd(r, rec, off);
	case CKPT_HDR_TTY:
		return check_tty(r, rec, off);
	case CKPT_HDR_TTY_DATA:
		return check_tty_data(r, rec, off);
	case CKPT_HDR_INOTIFY:
		return check_inotify(r, rec, off);
	case CKPT_HDR_INOTIFY_WATCH:
		return check_inotify_watch(r, rec, off);
	case CKPT_HDR_INOTIFY_EVENT:
		return check_inotify_event(r, rec, off);
	case CKPT_HDR_PIPE_DATA: {
		const struct ckpt_hdr *h = rec;

		if (section_take(r, &r->pipe, CKPT_HDR_PIPE, type,
				 h->len - sizeof(*h), off))
			return -1;
		break;
	}
	case CKPT_HDR_MM: {
		const struct ckpt_hdr_mm *m = rec;

		if (m->flags & ~(__u32)CKPT_MM_FLAGS ||
		    ((m->flags & CKPT_MM_MCL_ONFAULT) &&
		     !(m->flags & CKPT_MM_MCL_FUTURE)))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM flags 0x%x: unknown, or MCL_ONFAULT without MCL_FUTURE",
				    m->flags);
		if (m->coredump_filter & ~0x1ffU)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM coredump_filter 0x%x: more than 9 bits",
				    m->coredump_filter);
		if (m->membarrier & ~(__u32)CKPT_MEMBARRIER_KNOWN)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM membarrier 0x%x: unknown registrations",
				    m->membarrier);
		if (m->nr_vmas > CKPT_VMAS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM nr_vmas %u > %u", m->nr_vmas,
				    CKPT_VMAS_MAX);
		if (m->auxv_words > CKPT_AUXV_WORDS)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM auxv_words %u > %u", m->auxv_words,
				    CKPT_AUXV_WORDS);
		if (check_string(r, (const char *)(m + 1), m->exe_len,
				 "MM exe path", off) ||
		    check_file_id(r, &m->exe_id, m->exe_len != 0, 0, "MM exe",
				  off))
			return -1;
		open_section(&r->mm, CKPT_HDR_MM, off, m->nr_vmas);
		break;
	}
	case CKPT_HDR_VMA:
		return check_vma(r, rec, off);
	case CKPT_HDR_PAGES:
		return check_pages(r, rec, off);
	case CKPT_HDR_SIGHAND:
		if (((const struct ckpt_hdr_sighand *)rec)->pad)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "SIGHAND pad field is nonzero");
		break;
	case CKPT_HDR_SIGNAL: {
		const struct ckpt_hdr_signal *s = rec;

		if (s->nr_pending > CKPT_SIGINFO_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "SIGNAL nr_pending %u > %u", s->nr_pending,
				    CKPT_SIGINFO_MAX);
		/* the thread group's queue is the leader's to carry */
		if (r->info[r->entry_idx].leader != r->entry_idx &&
		    s->shared_pending)
			return TASK_FAIL(r, off,
					 "SIGNAL of a thread has shared_pending 0x%llx (the group leader carries it)",
					 (unsigned long long)s->shared_pending);
		open_section(&r->signal, CKPT_HDR_SIGNAL, off, s->nr_pending);
		break;
	}
	case CKPT_HDR_SIGINFO: {
		const struct ckpt_hdr_siginfo *s = rec;

		if (section_take(r, &r->signal, CKPT_HDR_SIGNAL, type, 1, off))
			return -1;
		if (s->flags & ~(__u32)CKPT_SIGINFO_SHARED)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "SIGINFO unknown flags 0x%x", s->flags);
		if ((s->flags & CKPT_SIGINFO_SHARED) &&
		    r->info[r->entry_idx].leader != r->entry_idx)
			return TASK_FAIL(r, off,
					 "SIGINFO of the group's queue (SHARED) in a thread (the group leader carries it)");
		break;
	}
	case CKPT_HDR_CPU: {
		const struct ckpt_hdr_cpu *c = rec;

		if (c->syscall_state > CKPT_SYSCALL_STATE_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "CPU syscall_state %u unknown",
				    c->syscall_state);
		break;
	}
	case CKPT_HDR_FPU:
		break;
	case CKPT_HDR_ITIMERS:
		return check_itimers(r, rec, off);
	case CKPT_HDR_POSIX_TIMER:
		return check_posix_timer(r, rec, off);
	case CKPT_HDR_IPC_NS:
		return check_ipc_ns(r, rec, off);
	case CKPT_HDR_IPC_SHM:
		return check_ipc_shm(r, rec, off);
	case CKPT_HDR_IPC_MSQ:
		return check_ipc_msq(r, rec, off);
	case CKPT_HDR_IPC_MSG:
		return check_ipc_msg(r, rec, off);
	case CKPT_HDR_IPC_SEM:
		return check_ipc_sem(r, rec, off);
	case CKPT_HDR_SEM_UNDO: {
		const struct ckpt_hdr_sem_undo *u = rec;

		if (u->nr_undos > CKPT_SEM_UNDOS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "SEM_UNDO nr_undos %u > %u", u->nr_undos,
				    CKPT_SEM_UNDOS_MAX);
		open_section(&r->undo, CKPT_HDR_SEM_UNDO, off, u->nr_undos);
		r->last_semid = -1;
		break;
	}
	case CKPT_HDR_SEM_ADJ:
		return check_sem_adj(r, rec, off);
	}
	return 0;
}

static int check_tail(struct kcr_reader *r, const struct ckpt_hdr_tail *t,
		      uint64_t off, uint32_t crc_before)
{
	unsigned char extra;
	ssize_t got;
	uint32_t i;

	if (close_sections(r, CKPT_HDR_TAIL, off))
		return -1;
	if (check_unused(r, off))
		return -1;
	if (r->task_idx && check_missing(r, RANK_END, "TAIL", off))
		return -1;
	if (r->task_idx != r->nr_live) {
		i = next_live(r, r->task_idx ? r->entry_idx + 1 : 0);
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "image has %u TASK records, the TREE has %u tasks that are not zombies (TREE entry %u, pid %d, has none)",
			    r->task_idx, r->nr_live, i,
			    i < r->nr_tasks ? r->tasks[i].pid : 0);
	}
	if (t->magic != CKPT_MAGIC)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "bad TAIL magic 0x%016llx",
			    (unsigned long long)t->magic);
	if (t->pad)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TAIL pad field is nonzero");
	if (t->nr_records != r->nr_records)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TAIL nr_records %llu, image has %llu records before it",
			    (unsigned long long)t->nr_records,
			    (unsigned long long)r->nr_records);
	if (t->crc32 != crc_before)
		return fail(r, KCR_ERR_CRC, EINVAL, off,
			    "crc32 mismatch: TAIL says 0x%08x, image has 0x%08x",
			    t->crc32, crc_before);
	/* Nothing may follow the TAIL. */
	got = src_read(r, &extra, 1);
	if (got < 0)
		return src_fail(r, r->offset);
	if (got > 0)
		return fail(r, KCR_ERR_FORMAT, EINVAL, r->offset,
			    "data after the TAIL record");
	r->tail = *t;
	return 0;
}

static int grow_buf(struct kcr_reader *r, size_t n)
{
	unsigned char *nbuf;

	if (n <= r->buf_size)
		return 0;
	nbuf = realloc(r->buf, n);
	if (!nbuf)
		return -1;
	r->buf = nbuf;
	r->buf_size = n;
	return 0;
}

int kcr_reader_next(struct kcr_reader *r, const struct kcr_record **out)
{
	uint64_t off = r->offset, max;
	uint32_t crc_before = r->crc, type, len, fixed;
	unsigned char pad[CKPT_ALIGN];
	struct ckpt_hdr h;
	const char *name;
	ssize_t got;
	size_t i, npad;

	*out = NULL;
	if (r->state == ST_FAILED)
		return -1;
	if (r->state == ST_DONE)
		return 0;

	/* The record header; a clean end of data here means no TAIL. */
	got = src_read(r, &h, sizeof(h));
	if (got < 0)
		return src_fail(r, off);
	if (got > 0) {
		r->crc = (uint32_t)crc32(r->crc, (const void *)&h, (uInt)got);
		if (r->keep_raw && raw_append(r, &h, (size_t)got))
			return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
		r->offset += (uint64_t)got;
	}
	if (got == 0)
		return fail(r, KCR_ERR_TRUNCATED, EIO, off,
			    r->state == ST_HEADER ? "empty image" :
			    "unexpected end of image: no TAIL record");
	if ((size_t)got < sizeof(h))
		return fail(r, KCR_ERR_TRUNCATED, EIO, r->offset,
			    "unexpected end of image in a record header at offset %llu",
			    (unsigned long long)off);

	type = h.type;
	len = h.len;
	if (!is_known_type(type))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "unknown record type %u", type);
	name = kcr_record_name(type);

	/* Order of the stream. */
	if (r->state == ST_HEADER && type != CKPT_HDR_HEADER)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "first record is %s, expected HEADER (not a kcr image?)",
			    name);
	if (r->state == ST_TREE && type != CKPT_HDR_TREE)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "second record is %s, expected TREE", name);
	if (r->state == ST_BODY &&
	    (type == CKPT_HDR_HEADER || type == CKPT_HDR_TREE))
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record after the TREE", name);

	/* Length bounds before anything else is read. */
	fixed = fixed_size(type);
	max = max_size(r, type);
	if (len < fixed)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record length %u < its header size %u",
			    name, len, fixed);
	if (len > max)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record length %u > maximum %llu",
			    name, len, (unsigned long long)max);

	if (grow_buf(r, len))
		return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
	memcpy(r->buf, &h, sizeof(h));

	/* Fixed part, then the lengths it announces, then the rest. */
	if (consume(r, r->buf + sizeof(h), fixed - sizeof(h), name, off))
		return -1;
	if (type == CKPT_HDR_HEADER && check_header(r, (const void *)r->buf, off))
		return -1;
	if (check_len(r, type, len, r->buf, off))
		return -1;
	if (consume(r, r->buf + fixed, len - fixed, name, off))
		return -1;

	/* Zero padding up to the next 8-byte boundary. */
	npad = (size_t)(CKPT_ALIGN_UP(len) - len);
	if (npad) {
		uint64_t pad_off = r->offset;

		if (consume(r, pad, npad, name, off))
			return -1;
		for (i = 0; i < npad; i++)
			if (pad[i])
				return fail(r, KCR_ERR_FORMAT, EINVAL, pad_off + i,
					    "nonzero padding byte after the %s record at offset %llu",
					    name, (unsigned long long)off);
	}

	switch (type) {
	case CKPT_HDR_HEADER:
		r->state = ST_TREE;
		break;
	case CKPT_HDR_TREE:
		if (check_tree(r, (const void *)r->buf, off))
			return -1;
		r->state = ST_BODY;
		break;
	case CKPT_HDR_TAIL:
		if (check_tail(r, (const void *)r->buf, off, crc_before))
			return -1;
		r->state = ST_DONE;
		break;
	default:
		if (check_body(r, type, r->buf, off))
			return -1;
		break;
	}
	r->nr_records++;
	r->rec.offset = off;
	r->rec.type = type;
	r->rec.len = len;
	r->rec.data = r->buf;
	*out = &r->rec;
	return 1;
}

int kcr_reader_read_prefix(struct kcr_reader *r)
{
	const struct kcr_record *rec;

	if (r->state != ST_HEADER && r->state != ST_FAILED)
		return fail(r, KCR_ERR_FORMAT, EINVAL, r->offset,
			    "prefix already read");
	while (r->state == ST_HEADER || r->state == ST_TREE)
		if (kcr_reader_next(r, &rec) < 0)
			return -1;
	return r->state == ST_FAILED ? -1 : 0;
}
