// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming image reader.
 *
 * Reads an image one record at a time from an fd (never seeks, so pipes
 * work) or from memory, and validates before handing a record out:
 *   - HEADER first (magic, version, arch, page size), TREE second, TAIL
 *     last with nothing after it;
 *   - every record length against its type's fixed size or limits
 *     (CKPT_RECORD_MAX, CKPT_PAGES_MAX, CKPT_PIPE_CHUNK...), checked before
 *     the payload is read, and the counts inside the record against len;
 *   - 8-byte alignment: the padding after each record must be zero;
 *   - the TREE: 1 <= nr_tasks <= CKPT_TASKS_MAX, pids > 0 and unique, the
 *     root first, every other entry's ppid an earlier pid;
 *   - the per-task structure: TASK records in TREE order, sections
 *     (FILES/MM/VMA/PIPE/SIGNAL) followed by exactly the announced number
 *     of children, PAGES addresses ascending inside their VMA;
 *   - the TAIL: nr_records, crc32 of every byte before it, magic.
 * The first error is kept (offset, reason); the reader then stays failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
}

void kcr_reader_init_fd(struct kcr_reader *r, int fd)
{
	reader_init(r);
	r->fd = fd;
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
	free(r->raw);
	r->buf = NULL;
	r->tasks = NULL;
	r->raw = NULL;
	r->buf_size = r->raw_len = r->raw_cap = 0;
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

/* Read up to n bytes from the source; returns bytes read, -1 on error. */
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
	while (got < n) {
		ret = read(r->fd, (char *)buf + got, n - got);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -1;
		if (ret == 0)
			break;
		got += (size_t)ret;
	}
	return (ssize_t)got;
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
		return fail(r, KCR_ERR_IO, errno, r->offset,
			    "read error: %s", strerror(errno));
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
	case CKPT_HDR_MM:	return sizeof(struct ckpt_hdr_mm);
	case CKPT_HDR_VMA:	return sizeof(struct ckpt_hdr_vma);
	case CKPT_HDR_PAGES:	return sizeof(struct ckpt_hdr_pages);
	case CKPT_HDR_SIGHAND:	return sizeof(struct ckpt_hdr_sighand);
	case CKPT_HDR_SIGNAL:	return sizeof(struct ckpt_hdr_signal);
	case CKPT_HDR_SIGINFO:	return sizeof(struct ckpt_hdr_siginfo);
	case CKPT_HDR_CPU:	return sizeof(struct ckpt_hdr_cpu);
	case CKPT_HDR_FPU:	return sizeof(struct ckpt_hdr_fpu);
	}
	return 0;
}

/*
 * Largest len a record of this type may have.  Note: TREE and CREDS may
 * legitimately exceed CKPT_RECORD_MAX at their count limits, so their
 * bound comes from the counts.
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
	case CKPT_HDR_FS:
		max = fixed + 2 * CKPT_PATH_MAX;
		break;
	case CKPT_HDR_FILE:
	case CKPT_HDR_MM:
	case CKPT_HDR_VMA:
		max = fixed + CKPT_PATH_MAX;
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
	case CKPT_HDR_PIPE_DATA:
		if (len <= want)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "empty PIPE_DATA record");
		return 0;	/* any size up to the max, checked before */
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

static int check_tree(struct kcr_reader *r, const struct ckpt_hdr_tree *t,
		      uint64_t off)
{
	const struct ckpt_task_pids *e = (const void *)(t + 1);
	uint32_t i, j, n = t->nr_tasks;
	int found;

	for (i = 0; i < n; i++) {
		if (e[i].pid <= 0)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TREE entry %u: pid %d <= 0", i, e[i].pid);
		if (e[i].flags & ~(__u32)(CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE |
					 CKPT_TASK_SESSION_LEADER |
					 CKPT_TASK_GROUP_LEADER))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TREE entry %u (pid %d): unknown flags 0x%x",
				    i, e[i].pid, e[i].flags);
		if (!(e[i].flags & CKPT_TASK_THREAD) && e[i].tgid != e[i].pid)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TREE entry %u (pid %d): tgid %d of a process is not its pid",
				    i, e[i].pid, e[i].tgid);
		found = 0;
		for (j = 0; j < i; j++) {
			if (e[j].pid == e[i].pid)
				return fail(r, KCR_ERR_FORMAT, EINVAL, off,
					    "TREE entry %u: pid %d already used by entry %u",
					    i, e[i].pid, j);
			if (e[j].pid == e[i].ppid)
				found = 1;
		}
		if (i > 0 && !found)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TREE entry %u (pid %d): ppid %d is not an earlier pid of the tree",
				    i, e[i].pid, e[i].ppid);
	}
	/* The root's parent is outside the tree. */
	for (i = 1; i < n; i++)
		if (e[i].pid == e[0].ppid)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TREE root pid %d: its parent %d is in the tree",
				    e[0].pid, e[0].ppid);
	if (e[0].flags & CKPT_TASK_THREAD)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "TREE root pid %d is a thread", e[0].pid);
	free(r->tasks);
	r->tasks = malloc((size_t)n * sizeof(*e));
	if (!r->tasks)
		return fail(r, KCR_ERR_NOMEM, ENOMEM, off, "out of memory");
	memcpy(r->tasks, e, (size_t)n * sizeof(*e));
	r->nr_tasks = n;
	return 0;
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

/* Rank of the per-task top-level records; children have their parent's. */
static int rank_of(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_TASK:	return 1;
	case CKPT_HDR_CREDS:	return 2;
	case CKPT_HDR_FS:	return 3;
	case CKPT_HDR_FILES:	return 4;
	case CKPT_HDR_MM:	return 5;
	case CKPT_HDR_SIGHAND:	return 6;
	case CKPT_HDR_SIGNAL:	return 7;
	case CKPT_HDR_CPU:	return 8;
	case CKPT_HDR_FPU:	return 9;
	}
	return 0;
}

static int close_sections(struct kcr_reader *r, uint32_t type, uint64_t off)
{
	if (type != CKPT_HDR_PAGES &&
	    close_section(r, &r->vma, "pages", off))
		return -1;
	if (type != CKPT_HDR_PIPE_DATA &&
	    close_section(r, &r->pipe, "bytes of PIPE_DATA", off))
		return -1;
	if (type != CKPT_HDR_VMA && type != CKPT_HDR_PAGES &&
	    close_section(r, &r->mm, "VMA records", off))
		return -1;
	if (type != CKPT_HDR_FD && type != CKPT_HDR_FILE &&
	    type != CKPT_HDR_PIPE && type != CKPT_HDR_PIPE_DATA &&
	    close_section(r, &r->files, "FD records", off))
		return -1;
	if (type != CKPT_HDR_SIGINFO &&
	    close_section(r, &r->signal, "SIGINFO records", off))
		return -1;
	return 0;
}

static int check_pages(struct kcr_reader *r, const struct ckpt_hdr_pages *p,
		       uint64_t off)
{
	const __u64 *addr = (const void *)(p + 1);
	uint32_t i;

	if (section_take(r, &r->vma, CKPT_HDR_VMA, CKPT_HDR_PAGES,
			 p->nr_pages, off))
		return -1;
	for (i = 0; i < p->nr_pages; i++) {
		if (addr[i] & (r->page_size - 1))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "PAGES address %u 0x%llx is not page aligned",
				    i, (unsigned long long)addr[i]);
		if (addr[i] < r->vma_start || addr[i] >= r->vma_end)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
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

static int check_vma(struct kcr_reader *r, const struct ckpt_hdr_vma *v,
		     uint64_t off)
{
	uint64_t mask = r->page_size - 1;

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
	open_section(&r->vma, CKPT_HDR_VMA, off, v->nr_pages);
	/* SHMEM pages carry their byte offset in the shared object */
	r->vma_start = v->kind == CKPT_VMA_SHMEM ? 0 : v->start;
	r->vma_end = v->kind == CKPT_VMA_SHMEM ? v->shm_size : v->end;
	r->last_page = UINT64_MAX;
	return 0;
}

/* Per-task structure and the contents of body records. */
static int check_body(struct kcr_reader *r, uint32_t type, const void *rec,
		      uint64_t off)
{
	int rank = rank_of(type);

	if (close_sections(r, type, off))
		return -1;
	if (type == CKPT_HDR_TASK) {
		const struct ckpt_hdr_task *t = rec;

		if (r->task_idx >= r->nr_tasks)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TASK record %u but the TREE has %u tasks",
				    r->task_idx + 1, r->nr_tasks);
		if (t->pid != r->tasks[r->task_idx].pid)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TASK pid %d, expected %d (TREE entry %u)",
				    t->pid, r->tasks[r->task_idx].pid,
				    r->task_idx);
		if (!memchr(t->comm, '\0', sizeof(t->comm)))
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "TASK comm is not NUL-terminated");
		r->task_idx++;
		r->task_rank = 1;
		return 0;
	}
	if (!r->task_idx)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "%s record before the first TASK",
			    kcr_record_name(type));
	if (rank) {
		if (rank <= r->task_rank)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "%s record out of order in task %d",
				    kcr_record_name(type),
				    r->tasks[r->task_idx - 1].pid);
		r->task_rank = rank;
	}

	switch (type) {
	case CKPT_HDR_CREDS:
		break;
	case CKPT_HDR_FS: {
		const struct ckpt_hdr_fs *f = rec;
		const char *s = (const char *)(f + 1);

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
		break;
	}
	case CKPT_HDR_FD: {
		const struct ckpt_hdr_fd *f = rec;

		if (section_take(r, &r->files, CKPT_HDR_FILES, type, 1, off))
			return -1;
		if (f->flags & ~(__u32)CKPT_FD_CLOEXEC)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FD %u: unknown flags 0x%x", f->fd, f->flags);
		break;
	}
	case CKPT_HDR_FILE: {
		const struct ckpt_hdr_file *f = rec;

		if (section_take(r, &r->files, CKPT_HDR_FILES, type, 0, off))
			return -1;
		if (f->kind < 1 || f->kind > CKPT_FILE_KIND_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE kind %u unknown", f->kind);
		if (f->kind != CKPT_FILE_PIPE && !f->path_len)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "FILE of kind %s without a path",
				    kcr_file_kind_name(f->kind));
		if (check_string(r, (const char *)(f + 1), f->path_len,
				 "FILE path", off))
			return -1;
		break;
	}
	case CKPT_HDR_PIPE: {
		const struct ckpt_hdr_pipe *p = rec;

		if (section_take(r, &r->files, CKPT_HDR_FILES, type, 0, off))
			return -1;
		if (p->data_len > p->size)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "PIPE data_len %u > size %u", p->data_len,
				    p->size);
		open_section(&r->pipe, CKPT_HDR_PIPE, off, p->data_len);
		break;
	}
	case CKPT_HDR_PIPE_DATA: {
		const struct ckpt_hdr *h = rec;

		if (section_take(r, &r->pipe, CKPT_HDR_PIPE, type,
				 h->len - sizeof(*h), off))
			return -1;
		break;
	}
	case CKPT_HDR_MM: {
		const struct ckpt_hdr_mm *m = rec;

		if (m->nr_vmas > CKPT_VMAS_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM nr_vmas %u > %u", m->nr_vmas,
				    CKPT_VMAS_MAX);
		if (m->auxv_words > CKPT_AUXV_WORDS)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "MM auxv_words %u > %u", m->auxv_words,
				    CKPT_AUXV_WORDS);
		if (check_string(r, (const char *)(m + 1), m->exe_len,
				 "MM exe path", off))
			return -1;
		open_section(&r->mm, CKPT_HDR_MM, off, m->nr_vmas);
		break;
	}
	case CKPT_HDR_VMA:
		return check_vma(r, rec, off);
	case CKPT_HDR_PAGES:
		return check_pages(r, rec, off);
	case CKPT_HDR_SIGHAND:
		break;
	case CKPT_HDR_SIGNAL: {
		const struct ckpt_hdr_signal *s = rec;

		if (s->nr_pending > CKPT_SIGINFO_MAX)
			return fail(r, KCR_ERR_FORMAT, EINVAL, off,
				    "SIGNAL nr_pending %u > %u", s->nr_pending,
				    CKPT_SIGINFO_MAX);
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
	}
	return 0;
}

static int check_tail(struct kcr_reader *r, const struct ckpt_hdr_tail *t,
		      uint64_t off, uint32_t crc_before)
{
	unsigned char extra;
	ssize_t got;

	if (close_sections(r, CKPT_HDR_TAIL, off))
		return -1;
	if (r->task_idx != r->nr_tasks)
		return fail(r, KCR_ERR_FORMAT, EINVAL, off,
			    "image has %u TASK records, the TREE has %u tasks",
			    r->task_idx, r->nr_tasks);
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
		return fail(r, KCR_ERR_IO, errno, r->offset,
			    "read error: %s", strerror(errno));
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
		return fail(r, KCR_ERR_IO, errno, off, "read error: %s",
			    strerror(errno));
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
