/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny in-memory image writer for the host tests.  It writes records the
 * way the format says (len = header + payload, zero padding to 8 bytes) so
 * tests can build valid images and then break them on purpose.
 */
#ifndef KCR_IMGWRITER_H
#define KCR_IMGWRITER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <linux/checkpoint.h>

#define IMG_PAGE	4096
#define IMG_MAXREC	64

struct img {
	unsigned char *buf;
	size_t len, cap;
	uint64_t nr_records;
	size_t off[IMG_MAXREC];		/* offset of each record */
	uint32_t type[IMG_MAXREC];
};

static inline void img_reserve(struct img *im, size_t n)
{
	size_t cap = im->cap ? im->cap : 4096;

	while (cap < im->len + n)
		cap *= 2;
	if (cap != im->cap) {
		im->buf = realloc(im->buf, cap);
		if (!im->buf)
			abort();
		im->cap = cap;
	}
}

static inline void img_free(struct img *im)
{
	free(im->buf);
	memset(im, 0, sizeof(*im));
}

/* Append a record: fixed struct (type/len filled in) plus extra payload. */
static inline size_t img_rec(struct img *im, uint32_t type, void *fixed,
		      size_t fixed_len, const void *extra, size_t extra_len)
{
	struct ckpt_hdr *h = fixed;
	size_t off = im->len, pad;

	h->type = type;
	h->len = (uint32_t)(fixed_len + extra_len);
	pad = CKPT_ALIGN_UP(fixed_len + extra_len) - (fixed_len + extra_len);
	img_reserve(im, fixed_len + extra_len + pad);
	memcpy(im->buf + im->len, fixed, fixed_len);
	im->len += fixed_len;
	if (extra_len)
		memcpy(im->buf + im->len, extra, extra_len);
	im->len += extra_len;
	memset(im->buf + im->len, 0, pad);
	im->len += pad;
	if (im->nr_records < IMG_MAXREC) {
		im->off[im->nr_records] = off;
		im->type[im->nr_records] = type;
	}
	im->nr_records++;
	return off;
}

/* Offset of the n-th (0-based) record of a type, or (size_t)-1. */
static inline size_t img_find(const struct img *im, uint32_t type, int n)
{
	uint64_t i;

	for (i = 0; i < im->nr_records && i < IMG_MAXREC; i++)
		if (im->type[i] == type && n-- == 0)
			return im->off[i];
	return (size_t)-1;
}

static inline size_t img_header(struct img *im)
{
	struct ckpt_hdr_header h;

	memset(&h, 0, sizeof(h));
	h.magic = CKPT_MAGIC;
	h.version = CKPT_VERSION;
	h.arch = CKPT_ARCH_X86_64;
	h.page_size = IMG_PAGE;
	h.time_ns = 1700000000000000000ULL;
	h.ckpt_id = 42;
	strcpy(h.release, "6.1.0-kcr");
	strcpy(h.machine, "x86_64");
	return img_rec(im, CKPT_HDR_HEADER, &h, sizeof(h), NULL, 0);
}

static inline size_t img_tree(struct img *im, const struct ckpt_task_pids *e,
		       uint32_t n)
{
	struct ckpt_hdr_tree t;

	memset(&t, 0, sizeof(t));
	t.nr_tasks = n;
	return img_rec(im, CKPT_HDR_TREE, &t, sizeof(t), e, n * sizeof(*e));
}

static inline size_t img_tree1(struct img *im, int32_t pid)
{
	struct ckpt_task_pids e = { .pid = pid, .tgid = pid, .ppid = 0,
				    .pgid = pid, .sid = 0,
				    .flags = CKPT_TASK_GROUP_LEADER };

	return img_tree(im, &e, 1);
}

static inline size_t img_task(struct img *im, int32_t pid, const char *comm)
{
	struct ckpt_hdr_task t;

	memset(&t, 0, sizeof(t));
	t.pid = pid;
	t.exit_signal = 17;
	strncpy(t.comm, comm, sizeof(t.comm) - 1);
	return img_rec(im, CKPT_HDR_TASK, &t, sizeof(t), NULL, 0);
}

static inline size_t img_simple(struct img *im, uint32_t type, size_t size)
{
	unsigned char buf[4096];

	memset(buf, 0, sizeof(buf));
	return img_rec(im, type, buf, size, NULL, 0);
}

static inline size_t img_tail(struct img *im)
{
	struct ckpt_hdr_tail t;

	memset(&t, 0, sizeof(t));
	t.nr_records = im->nr_records;
	t.crc32 = (uint32_t)crc32(crc32(0L, Z_NULL, 0), im->buf, (uInt)im->len);
	t.magic = CKPT_MAGIC;
	return img_rec(im, CKPT_HDR_TAIL, &t, sizeof(t), NULL, 0);
}

/* HEADER, TREE(pid), TASK(pid), TAIL. */
static inline void img_minimal(struct img *im, int32_t pid)
{
	img_header(im);
	img_tree1(im, pid);
	img_task(im, pid, "minimal");
	img_tail(im);
}

/* One task with one of every record kind. */
static inline void img_full(struct img *im, int32_t pid)
{
	struct ckpt_hdr_creds cr;
	struct {
		struct ckpt_hdr_fs f;
		char paths[16];
	} fs;
	struct ckpt_hdr_files files;
	struct ckpt_hdr_pipe pipe;
	struct ckpt_hdr_pipe_data pd;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	struct ckpt_hdr_mm mm;
	struct ckpt_hdr_vma vma;
	struct ckpt_hdr_pages pages;
	struct ckpt_hdr_signal sig;
	struct ckpt_hdr_siginfo si;
	struct ckpt_hdr_cpu cpu;
	struct ckpt_hdr_fpu fpu;
	static unsigned char data[2 * (8 + IMG_PAGE)];
	uint64_t *addr = (uint64_t *)data;
	__u32 groups[2] = { 10, 20 };
	unsigned char xstate[64];
	size_t i;

	img_header(im);
	img_tree1(im, pid);
	img_task(im, pid, "full");

	memset(&cr, 0, sizeof(cr));
	cr.uid = cr.euid = cr.suid = cr.fsuid = 1000;
	cr.ngroups = 2;
	img_rec(im, CKPT_HDR_CREDS, &cr, sizeof(cr), groups, sizeof(groups));

	memset(&fs, 0, sizeof(fs));
	fs.f.umask = 022;
	memcpy(fs.paths, "/tmp\0/\0", 7);	/* cwd "/tmp", root "/" */
	fs.f.cwd_len = 5;
	fs.f.root_len = 2;
	img_rec(im, CKPT_HDR_FS, &fs.f, sizeof(fs.f), fs.paths, 7);	/* len 23: padded */

	memset(&files, 0, sizeof(files));
	files.nr_fds = 2;
	img_rec(im, CKPT_HDR_FILES, &files, sizeof(files), NULL, 0);
	memset(&pipe, 0, sizeof(pipe));
	pipe.objref = 1;
	pipe.size = 65536;
	pipe.data_len = 5;
	img_rec(im, CKPT_HDR_PIPE, &pipe, sizeof(pipe), NULL, 0);
	img_rec(im, CKPT_HDR_PIPE_DATA, &pd, sizeof(pd), "hello", 5);
	memset(&file, 0, sizeof(file));
	file.objref = 2;
	file.kind = CKPT_FILE_PIPE;
	file.pipe_ref = 1;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.fd = 0;
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 3;
	file.kind = CKPT_FILE_REG;
	file.f_flags = 01;
	file.path_len = 9;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), "/tmp/log", 9);
	memset(&fd, 0, sizeof(fd));
	fd.fd = 1;
	fd.flags = CKPT_FD_CLOEXEC;
	fd.file_ref = 3;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);

	memset(&mm, 0, sizeof(mm));
	mm.nr_vmas = 2;
	mm.auxv_words = 2;
	mm.exe_len = 10;
	img_rec(im, CKPT_HDR_MM, &mm, sizeof(mm), "/bin/prog", 10);
	memset(&vma, 0, sizeof(vma));
	vma.start = 0x400000;
	vma.end = 0x404000;
	vma.vm_flags = CKPT_VM_READ | CKPT_VM_EXEC;
	vma.kind = CKPT_VMA_FILE;
	vma.path_len = 10;
	img_rec(im, CKPT_HDR_VMA, &vma, sizeof(vma), "/bin/prog", 10);
	memset(&vma, 0, sizeof(vma));
	vma.start = 0x7f0000000000ULL;
	vma.end = 0x7f0000004000ULL;
	vma.vm_flags = CKPT_VM_READ | CKPT_VM_WRITE;
	vma.kind = CKPT_VMA_ANON;
	vma.nr_pages = 2;
	img_rec(im, CKPT_HDR_VMA, &vma, sizeof(vma), NULL, 0);
	memset(&pages, 0, sizeof(pages));
	pages.nr_pages = 2;
	addr[0] = 0x7f0000000000ULL;
	addr[1] = 0x7f0000002000ULL;
	for (i = 16; i < sizeof(data); i++)
		data[i] = (unsigned char)i;
	img_rec(im, CKPT_HDR_PAGES, &pages, sizeof(pages), data, sizeof(data));

	img_simple(im, CKPT_HDR_SIGHAND, sizeof(struct ckpt_hdr_sighand));
	memset(&sig, 0, sizeof(sig));
	sig.nr_pending = 1;
	img_rec(im, CKPT_HDR_SIGNAL, &sig, sizeof(sig), NULL, 0);
	memset(&si, 0, sizeof(si));
	si.info[0] = 10;
	img_rec(im, CKPT_HDR_SIGINFO, &si, sizeof(si), NULL, 0);
	memset(&cpu, 0, sizeof(cpu));
	cpu.ip = 0x401000;
	cpu.sp = 0x7f0000003ff0ULL;
	img_rec(im, CKPT_HDR_CPU, &cpu, sizeof(cpu), NULL, 0);
	memset(&fpu, 0, sizeof(fpu));
	fpu.size = sizeof(xstate);
	memset(xstate, 0, sizeof(xstate));
	img_rec(im, CKPT_HDR_FPU, &fpu, sizeof(fpu), xstate, sizeof(xstate));
	img_tail(im);
}

/* Recompute the TAIL of an image whose last record is the TAIL. */
static inline void img_refresh_tail(struct img *im)
{
	struct ckpt_hdr_tail *t;

	t = (void *)(im->buf + im->len - sizeof(*t));
	t->crc32 = (uint32_t)crc32(crc32(0L, Z_NULL, 0), im->buf,
				   (uInt)(im->len - sizeof(*t)));
}

#endif /* KCR_IMGWRITER_H */
