/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny in-memory image writer for the host tests.  It writes records the
 * way the format says (len = header + payload, zero padding to 8 bytes) so
 * tests can build valid images and then break them on purpose.
 *
 * Single-task images: img_minimal() (every record a task needs, no more)
 * and img_full() (one of every record type).  Multi-task images: make the
 * TREE entries with img_proc(), img_newns(), img_thread() and img_zombie(),
 * then img_build() writes HEADER, TREE, the records of every task that is
 * not a zombie (FS, FILES, MM, SIGHAND, SEM_UNDO only for the first task
 * of their ref, an empty IPC_NS in the root when the TREE needs one, as
 * the format says) and TAIL.  To break the record sequence, write the
 * pieces yourself: img_header_flags(), img_tree(), img_task_records() with
 * another set of optional records than img_needs() says, img_tail(); or
 * img_task_head(), records of your own, img_task_tail().
 *
 * SysV IPC: img_ipc_ns(), img_ipc_shm() (+ img_pages()), img_ipc_msq(),
 * img_ipc_msg(), img_ipc_sem(), img_sem_undo(), img_sem_adj() and
 * img_vma_sysv_shm() write one record each; img_ipc_full() is a valid tree
 * with one of each (see there).
 *
 * Objrefs: the TREE objects of the task with pid P are IMG_REF(kind, P)
 * (kind * 100000 + P; pids below 100000), so they never collide with each
 * other nor with the small objrefs tests give to FILE, PIPE, shared
 * memory and shm attachments.
 */
#ifndef KCR_IMGWRITER_H
#define KCR_IMGWRITER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <linux/checkpoint.h>

#define IMG_PAGE	4096
#define IMG_MAXREC	1024

struct img {
	unsigned char *buf;
	size_t len, cap;
	uint64_t nr_records;
	size_t off[IMG_MAXREC];		/* offset of each record */
	uint32_t type[IMG_MAXREC];
	/* the TREE's threads: img_cpu() writes ITIMERS for the others */
	int32_t thread_pid[4096];
	unsigned int nr_threads;
	int cur_thread;			/* the last TASK is a thread's */
	int no_itimers;			/* img_cpu() writes no ITIMERS */
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

/* Kinds of the TREE objects, for IMG_REF(). */
enum {
	IMG_MM = 1,
	IMG_FILES,
	IMG_FS,
	IMG_SIGHAND,
	IMG_SIGNAL,
	IMG_PIDNS,
	IMG_SYSVSEM,
};

#define IMG_REF(kind, pid)	((uint32_t)(kind) * 100000u + (uint32_t)(pid))

/* Optional per-task records (img_needs(), img_task_records()). */
#define IMG_HAS_FS		0x1
#define IMG_HAS_FILES		0x2
#define IMG_HAS_MM		0x4
#define IMG_HAS_SIGHAND		0x8
#define IMG_HAS_ALL		0xf	/* FS, FILES, MM and SIGHAND */
#define IMG_HAS_SEM_UNDO	0x10	/* an empty SEM_UNDO of its sysvsem_ref */
#define IMG_HAS_IPC_NS		0x20	/* an empty IPC_NS (PRIVATE|ALL with NEWIPCNS) */

static inline size_t img_header_flags(struct img *im, uint32_t flags)
{
	struct ckpt_hdr_header h;

	memset(&h, 0, sizeof(h));
	h.flags = flags;
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

static inline size_t img_header(struct img *im)
{
	return img_header_flags(im, 0);
}

static inline size_t img_tree(struct img *im, const struct ckpt_task_pids *e,
		       uint32_t n)
{
	struct ckpt_hdr_tree t;

	uint32_t i;

	memset(&t, 0, sizeof(t));
	t.nr_tasks = n;
	im->nr_threads = 0;
	for (i = 0; i < n && im->nr_threads < 4096; i++)
		if (e[i].flags & CKPT_TASK_THREAD)
			im->thread_pid[im->nr_threads++] = e[i].pid;
	return img_rec(im, CKPT_HDR_TREE, &t, sizeof(t), e, n * sizeof(*e));
}

/*
 * Pids at the levels below 0 of a task with level-0 pid P: P + 1000 * level
 * (unique as long as the level-0 pids are), 1 for the init of a namespace.
 */
static inline void img_levels(struct ckpt_task_pids *e, uint32_t nr_levels)
{
	uint32_t k;

	memset(e->pids, 0, sizeof(e->pids));
	e->nr_levels = nr_levels;
	e->pids[0] = e->pid;
	for (k = 1; k < nr_levels; k++)
		e->pids[k] = e->pid + 1000 * (int32_t)k;
}

/*
 * A live process with objects of its own, forked by parent (NULL: the
 * root, a process group leader outside any session of the tree): same pid
 * namespace, process group and session as the parent.
 */
static inline struct ckpt_task_pids img_proc(const struct ckpt_task_pids *parent,
					     int32_t pid)
{
	struct ckpt_task_pids e;

	memset(&e, 0, sizeof(e));
	e.pid = e.tgid = pid;
	e.exit_signal = 17;	/* SIGCHLD */
	e.mm_ref = IMG_REF(IMG_MM, pid);
	e.files_ref = IMG_REF(IMG_FILES, pid);
	e.fs_ref = IMG_REF(IMG_FS, pid);
	e.sighand_ref = IMG_REF(IMG_SIGHAND, pid);
	e.signal_ref = IMG_REF(IMG_SIGNAL, pid);
	if (parent) {
		e.ppid = parent->tgid;
		e.pgid = parent->pgid;
		e.sid = parent->sid;
		e.pidns_ref = parent->pidns_ref;
		img_levels(&e, parent->nr_levels);
	} else {
		e.pgid = pid;
		e.flags = CKPT_TASK_GROUP_LEADER;
		e.pidns_ref = IMG_REF(IMG_PIDNS, pid);
		img_levels(&e, 1);
	}
	return e;
}

/* A child of parent that is the init (pid 1) of a new pid namespace. */
static inline struct ckpt_task_pids img_newns(const struct ckpt_task_pids *parent,
					      int32_t pid)
{
	struct ckpt_task_pids e = img_proc(parent, pid);

	e.flags |= CKPT_TASK_NEWPIDNS;
	e.pidns_ref = IMG_REF(IMG_PIDNS, pid);
	img_levels(&e, parent->nr_levels + 1);
	e.pids[e.nr_levels - 1] = 1;
	return e;
}

/*
 * A thread of leader (a process), made the way pthread_create() makes one:
 * it shares every object of its leader.
 */
static inline struct ckpt_task_pids img_thread(const struct ckpt_task_pids *leader,
					       int32_t pid)
{
	struct ckpt_task_pids e = *leader;

	e.pid = pid;
	e.flags = CKPT_TASK_THREAD;
	e.exit_signal = 0;
	img_levels(&e, leader->nr_levels);
	return e;
}

/* A zombie child of parent, with the wait() status exit_code. */
static inline struct ckpt_task_pids img_zombie(const struct ckpt_task_pids *parent,
					       int32_t pid, int32_t exit_code)
{
	struct ckpt_task_pids e = img_proc(parent, pid);

	e.flags |= CKPT_TASK_ZOMBIE;
	e.exit_code = exit_code;
	e.mm_ref = e.files_ref = e.fs_ref = e.sighand_ref = 0;
	return e;
}

/* The TREE of one process with pid `pid` (img_proc(NULL, pid)). */
static inline size_t img_tree1(struct img *im, int32_t pid)
{
	struct ckpt_task_pids e = img_proc(NULL, pid);

	return img_tree(im, &e, 1);
}

/*
 * Which optional records entry i carries: those of the refs it is first
 * with, and for the root an IPC_NS if it has NEWIPCNS or a task has an
 * undo list.
 */
static inline unsigned int img_needs(const struct ckpt_task_pids *e, uint32_t n,
				     uint32_t i)
{
	unsigned int has = 0;
	uint32_t j;

	if (e[i].flags & CKPT_TASK_ZOMBIE)
		return 0;
	if (i == 0)
		for (j = 0; j < n; j++)
			if (e[j].sysvsem_ref || (e[0].flags & CKPT_TASK_NEWIPCNS))
				has |= IMG_HAS_IPC_NS;
	if (e[i].sysvsem_ref)
		has |= IMG_HAS_SEM_UNDO;
	if (e[i].fs_ref)
		has |= IMG_HAS_FS;
	if (e[i].files_ref)
		has |= IMG_HAS_FILES;
	if (e[i].mm_ref)
		has |= IMG_HAS_MM;
	if (e[i].sighand_ref)
		has |= IMG_HAS_SIGHAND;
	for (j = 0; j < i; j++) {
		if (e[j].fs_ref == e[i].fs_ref)
			has &= ~IMG_HAS_FS;
		if (e[j].files_ref == e[i].files_ref)
			has &= ~IMG_HAS_FILES;
		if (e[j].mm_ref == e[i].mm_ref)
			has &= ~IMG_HAS_MM;
		if (e[j].sighand_ref == e[i].sighand_ref)
			has &= ~IMG_HAS_SIGHAND;
		if (e[j].sysvsem_ref == e[i].sysvsem_ref)
			has &= ~IMG_HAS_SEM_UNDO;
	}
	return has;
}

static inline size_t img_task(struct img *im, int32_t pid, const char *comm)
{
	struct ckpt_hdr_task t;

	unsigned int i;

	im->cur_thread = 0;
	for (i = 0; i < im->nr_threads; i++)
		if (im->thread_pid[i] == pid)
			im->cur_thread = 1;
	memset(&t, 0, sizeof(t));
	t.pid = pid;
	t.exit_signal = 17;
	t.flags = CKPT_TASKF_ALL_CPUS;
	strncpy(t.comm, comm, sizeof(t.comm) - 1);
	return img_rec(im, CKPT_HDR_TASK, &t, sizeof(t), NULL, 0);
}

static inline size_t img_simple(struct img *im, uint32_t type, size_t size)
{
	unsigned char buf[4096];

	memset(buf, 0, sizeof(buf));
	return img_rec(im, type, buf, size, NULL, 0);
}

static inline size_t img_creds(struct img *im)
{
	struct ckpt_hdr_creds cr;

	memset(&cr, 0, sizeof(cr));
	cr.uid = cr.euid = cr.suid = cr.fsuid = 1000;
	cr.gid = cr.egid = cr.sgid = cr.fsgid = 1000;
	return img_rec(im, CKPT_HDR_CREDS, &cr, sizeof(cr), NULL, 0);
}

/* FS with cwd "/" and root "/" (len 28: 4 bytes of padding). */
static inline size_t img_fs(struct img *im, uint32_t objref)
{
	struct ckpt_hdr_fs fs;

	memset(&fs, 0, sizeof(fs));
	fs.objref = objref;
	fs.umask = 022;
	fs.cwd_len = 2;
	fs.root_len = 2;
	return img_rec(im, CKPT_HDR_FS, &fs, sizeof(fs), "/\0/", 4);
}

/* FILES announcing nr_fds FDs (the caller writes them). */
static inline size_t img_files(struct img *im, uint32_t objref, uint32_t nr_fds)
{
	struct ckpt_hdr_files f;

	memset(&f, 0, sizeof(f));
	f.objref = objref;
	f.nr_fds = nr_fds;
	return img_rec(im, CKPT_HDR_FILES, &f, sizeof(f), NULL, 0);
}

/*
 * The identity (format v4) of a regular file of the images: device 8:1
 * (new_encode_dev() form 0x801), inode ino, size bytes, an mtime with
 * nanoseconds.
 */
static inline struct ckpt_file_id img_file_id(uint64_t ino, uint64_t size)
{
	struct ckpt_file_id id;

	memset(&id, 0, sizeof(id));
	id.dev = 0x801;
	id.ino = ino;
	id.size = size;
	id.mtime_sec = 1700000000;
	id.mtime_nsec = 123456789;
	return id;
}

/* MM announcing nr_vmas VMAs (the caller writes them), exe /bin/prog. */
static inline size_t img_mm(struct img *im, uint32_t objref, uint32_t nr_vmas)
{
	struct ckpt_hdr_mm mm;

	memset(&mm, 0, sizeof(mm));
	mm.objref = objref;
	mm.nr_vmas = nr_vmas;
	mm.auxv_words = 2;
	mm.exe_len = 10;
	mm.exe_id = img_file_id(77, 16384);
	return img_rec(im, CKPT_HDR_MM, &mm, sizeof(mm), "/bin/prog", 10);
}

static inline size_t img_sighand(struct img *im, uint32_t objref)
{
	struct ckpt_hdr_sighand sh;

	memset(&sh, 0, sizeof(sh));
	sh.objref = objref;
	return img_rec(im, CKPT_HDR_SIGHAND, &sh, sizeof(sh), NULL, 0);
}

/* SIGNAL announcing nr_pending SIGINFO records (the caller writes them). */
static inline size_t img_signal(struct img *im, uint64_t pending,
				uint64_t shared_pending, uint32_t nr_pending)
{
	struct ckpt_hdr_signal sig;

	memset(&sig, 0, sizeof(sig));
	sig.pending = pending;
	sig.shared_pending = shared_pending;
	sig.nr_pending = nr_pending;
	return img_rec(im, CKPT_HDR_SIGNAL, &sig, sizeof(sig), NULL, 0);
}

static inline size_t img_siginfo(struct img *im, int32_t signo, uint32_t flags)
{
	struct ckpt_hdr_siginfo si;

	memset(&si, 0, sizeof(si));
	si.flags = flags;
	memcpy(si.info, &signo, sizeof(signo));
	return img_rec(im, CKPT_HDR_SIGINFO, &si, sizeof(si), NULL, 0);
}

/* ITIMERS announcing nr_posix POSIX_TIMER records (the caller writes them). */
static inline size_t img_itimers(struct img *im, uint32_t nr_posix)
{
	struct ckpt_hdr_itimers h;

	memset(&h, 0, sizeof(h));
	h.nr_posix = nr_posix;
	h.next_posix_id = nr_posix;
	return img_rec(im, CKPT_HDR_ITIMERS, &h, sizeof(h), NULL, 0);
}

/* A CLOCK_MONOTONIC SIGEV_SIGNAL timer armed 1 s ahead. */
static inline size_t img_posix_timer(struct img *im, int32_t id)
{
	struct ckpt_hdr_posix_timer t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.clockid = 1;
	t.signo = 34;
	t.flags = CKPT_PTIMER_EXPIRY | CKPT_PTIMER_ARMED;
	t.value_ns = 1000000000;
	t.overrun = -1;
	return img_rec(im, CKPT_HDR_POSIX_TIMER, &t, sizeof(t), NULL, 0);
}

/* CPU; a process's ITIMERS first unless im->no_itimers. */
static inline size_t img_cpu(struct img *im)
{
	struct ckpt_hdr_cpu cpu;

	if (!im->cur_thread && !im->no_itimers)
		img_itimers(im, 0);
	memset(&cpu, 0, sizeof(cpu));
	cpu.ip = 0x401000;
	cpu.sp = 0x7f0000003ff0ULL;
	cpu.cs = 0x33;
	cpu.ss = 0x2b;
	return img_rec(im, CKPT_HDR_CPU, &cpu, sizeof(cpu), NULL, 0);
}

/* FPU with 64 bytes of (zero) xstate. */
static inline size_t img_fpu(struct img *im)
{
	struct ckpt_hdr_fpu fpu;
	unsigned char xstate[64];

	memset(&fpu, 0, sizeof(fpu));
	memset(xstate, 0, sizeof(xstate));
	fpu.size = sizeof(xstate);
	return img_rec(im, CKPT_HDR_FPU, &fpu, sizeof(fpu), xstate, sizeof(xstate));
}

/* ---------------------------------------------------------------- SysV IPC */

/* IPC_NS announcing nr_objects objects, with the limits of a fresh namespace. */
static inline size_t img_ipc_ns(struct img *im, uint32_t flags, uint32_t nr_objects)
{
	struct ckpt_hdr_ipc_ns ns;

	memset(&ns, 0, sizeof(ns));
	ns.flags = flags;
	ns.nr_objects = nr_objects;
	ns.sem_ctls[0] = 32000;
	ns.sem_ctls[1] = 1024000000;
	ns.sem_ctls[2] = 500;
	ns.sem_ctls[3] = 32000;
	ns.msg_ctlmax = 8192;
	ns.msg_ctlmnb = 16384;
	ns.msg_ctlmni = 32000;
	ns.shm_ctlmni = 4096;
	ns.shm_ctlmax = 0xfffffffffeffffffULL;
	ns.shm_ctlall = 0xfffffffffeffffffULL;
	return img_rec(im, CKPT_HDR_IPC_NS, &ns, sizeof(ns), NULL, 0);
}

/* Owner and creator 1000:1000, mode 0600 (plus extra_mode). */
static inline void img_ipc_perm(struct ckpt_ipc_perm *p, int32_t id, int32_t key,
				uint32_t extra_mode)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->key = key;
	p->uid = p->gid = p->cuid = p->cgid = 1000;
	p->mode = 0600 | extra_mode;
}

/* A segment (CKPT_SHM_* flags) announcing nr_pages pages (img_pages()). */
static inline size_t img_ipc_shm(struct img *im, int32_t id, int32_t key, uint64_t size,
				 uint32_t flags, uint64_t nr_pages)
{
	struct ckpt_hdr_ipc_shm m;

	memset(&m, 0, sizeof(m));
	/* SHM_DEST 01000, SHM_LOCKED 02000 in the mode, as the kernel has them */
	img_ipc_perm(&m.perm, id, key, ((flags & CKPT_SHM_DEST) ? 01000 : 0) |
		     ((flags & CKPT_SHM_LOCKED) ? 02000 : 0));
	m.size = size;
	m.atime = m.ctime = 1700000000;
	m.cpid = 10;
	m.lpid = 12;
	m.nattch = 1;
	m.flags = flags;
	m.nr_pages = nr_pages;
	return img_rec(im, CKPT_HDR_IPC_SHM, &m, sizeof(m), NULL, 0);
}

/* PAGES of n pages at addr[] (addresses or offsets), every byte `fill`. */
static inline size_t img_pages(struct img *im, const uint64_t *addr, uint32_t n,
			       unsigned char fill)
{
	size_t len = (size_t)n * (8 + IMG_PAGE), off;
	unsigned char *data = malloc(len);
	struct ckpt_hdr_pages pg;

	if (!data)
		abort();
	memcpy(data, addr, (size_t)n * 8);
	memset(data + (size_t)n * 8, fill, (size_t)n * IMG_PAGE);
	memset(&pg, 0, sizeof(pg));
	pg.nr_pages = n;
	off = img_rec(im, CKPT_HDR_PAGES, &pg, sizeof(pg), data, len);
	free(data);
	return off;
}

/* A queue holding cbytes in nr_msgs messages (img_ipc_msg()). */
static inline size_t img_ipc_msq(struct img *im, int32_t id, int32_t key, uint64_t cbytes,
				 uint32_t nr_msgs)
{
	struct ckpt_hdr_ipc_msq q;

	memset(&q, 0, sizeof(q));
	img_ipc_perm(&q.perm, id, key, 0);
	q.qbytes = 16384;
	q.cbytes = cbytes;
	q.stime = q.ctime = 1700000000;
	q.lspid = 10;
	q.nr_msgs = nr_msgs;
	return img_rec(im, CKPT_HDR_IPC_MSQ, &q, sizeof(q), NULL, 0);
}

static inline size_t img_ipc_msg(struct img *im, int64_t mtype, const void *text,
				 uint32_t size)
{
	struct ckpt_hdr_ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.mtype = mtype;
	m.size = size;
	return img_rec(im, CKPT_HDR_IPC_MSG, &m, sizeof(m), text, size);
}

/* An array of nsems semaphores with the values val[] (NULL: all 0). */
static inline size_t img_ipc_sem(struct img *im, int32_t id, int32_t key, uint32_t nsems,
				 const int32_t *val)
{
	struct ckpt_ipc_semval *v = calloc(nsems ? nsems : 1, sizeof(*v));
	struct ckpt_hdr_ipc_sem m;
	uint32_t i;
	size_t off;

	if (!v)
		abort();
	for (i = 0; i < nsems; i++) {
		v[i].semval = val ? val[i] : 0;
		v[i].sempid = 10;
	}
	memset(&m, 0, sizeof(m));
	img_ipc_perm(&m.perm, id, key, 0);
	m.otime = m.ctime = 1700000000;
	m.nsems = nsems;
	off = img_rec(im, CKPT_HDR_IPC_SEM, &m, sizeof(m), v, nsems * sizeof(*v));
	free(v);
	return off;
}

/* An undo list announcing nr_undos SEM_ADJ records (img_sem_adj()). */
static inline size_t img_sem_undo(struct img *im, uint32_t objref, uint32_t nr_undos)
{
	struct ckpt_hdr_sem_undo u;

	memset(&u, 0, sizeof(u));
	u.objref = objref;
	u.nr_undos = nr_undos;
	return img_rec(im, CKPT_HDR_SEM_UNDO, &u, sizeof(u), NULL, 0);
}

/* The adjustments adj[0..nsems-1] for array semid (len: no padding counted). */
static inline size_t img_sem_adj(struct img *im, int32_t semid, uint32_t nsems,
				 const int16_t *adj)
{
	struct ckpt_hdr_sem_adj a;

	memset(&a, 0, sizeof(a));
	a.semid = semid;
	a.nsems = nsems;
	return img_rec(im, CKPT_HDR_SEM_ADJ, &a, sizeof(a), adj, nsems * sizeof(*adj));
}

/* A VMA of npages pages at start: pgoff.. of shm segment shmid, attachment ref. */
static inline size_t img_vma_sysv_shm(struct img *im, uint64_t start, uint64_t npages,
				      uint64_t pgoff, int32_t shmid, uint32_t ref,
				      uint64_t vm_flags)
{
	struct ckpt_hdr_vma v;

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = start + npages * IMG_PAGE;
	v.pgoff = pgoff;
	v.vm_flags = vm_flags;
	v.kind = CKPT_VMA_SYSV_SHM;
	v.shm_ref = ref;
	v.shm_size = (uint64_t)shmid;
	return img_rec(im, CKPT_HDR_VMA, &v, sizeof(v), NULL, 0);
}

#define IMG_VM_SHM_RW	(CKPT_VM_READ | CKPT_VM_WRITE | CKPT_VM_SHARED |	\
			 CKPT_VM_MAYREAD | CKPT_VM_MAYWRITE | CKPT_VM_MAYSHARE)
#define IMG_VM_SHM_RO	(CKPT_VM_READ | CKPT_VM_SHARED | CKPT_VM_MAYREAD |	\
			 CKPT_VM_MAYSHARE)

/* ---------------------------------------------------------------- tasks */

/*
 * The first records of the task of TREE entry e (not a zombie): TASK,
 * CREDS, and FS and FILES (no fd) if `has` says so.  Returns the TASK's
 * offset.
 */
static inline size_t img_task_head(struct img *im, const struct ckpt_task_pids *e,
				   unsigned int has)
{
	size_t off = img_task(im, e->pid, "task");

	/* as the kernel writes it: the TREE's value, 0 for a thread */
	((struct ckpt_hdr_task *)(im->buf + off))->exit_signal = e->exit_signal;
	img_creds(im);
	if (has & IMG_HAS_FS)
		img_fs(im, e->fs_ref);
	if (has & IMG_HAS_FILES)
		img_files(im, e->files_ref, 0);
	return off;
}

/*
 * Its last records: SIGHAND if `has` says so, SIGNAL (nothing pending),
 * ITIMERS (a process: nothing armed), CPU, FPU.
 */
static inline void img_task_tail(struct img *im, const struct ckpt_task_pids *e,
				 unsigned int has)
{
	if (has & IMG_HAS_SIGHAND)
		img_sighand(im, e->sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
}

/*
 * The records of the task of TREE entry e (not a zombie): TASK, CREDS, the
 * optional records in `has` (IMG_HAS_*; with the objrefs of e, no fd, no
 * IPC object, no SEM_ADJ and no VMA), SIGNAL (nothing pending), CPU, FPU.
 * Returns the TASK's offset.
 */
static inline size_t img_task_records(struct img *im, const struct ckpt_task_pids *e,
				      unsigned int has)
{
	size_t off = img_task_head(im, e, has);

	if (has & IMG_HAS_IPC_NS)
		img_ipc_ns(im, (e->flags & CKPT_TASK_NEWIPCNS) ?
			   CKPT_IPC_NS_PRIVATE | CKPT_IPC_NS_ALL : 0, 0);
	if (has & IMG_HAS_SEM_UNDO)
		img_sem_undo(im, e->sysvsem_ref, 0);
	if (has & IMG_HAS_MM)
		img_mm(im, e->mm_ref, 0);
	img_task_tail(im, e, has);
	return off;
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

/*
 * A valid image of the tree e[0..n-1]: HEADER (with hdr_flags), TREE, the
 * records of every task that is not a zombie (img_task_records() with
 * img_needs()), TAIL.
 */
static inline void img_build(struct img *im, const struct ckpt_task_pids *e,
			     uint32_t n, uint32_t hdr_flags)
{
	uint32_t i;

	img_header_flags(im, hdr_flags);
	img_tree(im, e, n);
	for (i = 0; i < n; i++)
		if (!(e[i].flags & CKPT_TASK_ZOMBIE))
			img_task_records(im, &e[i], img_needs(e, n, i));
	img_tail(im);
}

/*
 * The smallest valid image of one task: HEADER, TREE(pid), TASK(pid),
 * CREDS, FS, FILES (no fd), MM (no VMA), SIGHAND, SIGNAL, ITIMERS, CPU,
 * FPU, TAIL: 13 records.
 */
static inline void img_minimal(struct img *im, int32_t pid)
{
	struct ckpt_task_pids e = img_proc(NULL, pid);

	img_build(im, &e, 1, 0);
}

/*
 * One task with one of every record kind: 22 records.  Its objects:
 * PIPE 1 (holding "hello") read through FILE 2 on fd 0, FILE 3 (/tmp/log)
 * on fd 1; a file VMA of /bin/prog and an anonymous VMA with 2 pages.
 * Identities (img_file_id): /tmp/log inode 12, 42 bytes; /bin/prog (the
 * exe and the file VMA) inode 77, 16384 bytes.
 */
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

	struct ckpt_task_pids e = img_proc(NULL, pid);

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, pid, "full");

	memset(&cr, 0, sizeof(cr));
	cr.uid = cr.euid = cr.suid = cr.fsuid = 1000;
	cr.ngroups = 2;
	img_rec(im, CKPT_HDR_CREDS, &cr, sizeof(cr), groups, sizeof(groups));

	memset(&fs, 0, sizeof(fs));
	fs.f.objref = e.fs_ref;
	fs.f.umask = 022;
	memcpy(fs.paths, "/tmp\0/\0", 7);	/* cwd "/tmp", root "/" */
	fs.f.cwd_len = 5;
	fs.f.root_len = 2;
	img_rec(im, CKPT_HDR_FS, &fs.f, sizeof(fs.f), fs.paths, 7);	/* len 31: padded */

	memset(&files, 0, sizeof(files));
	files.objref = e.files_ref;
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
	file.obj_ref = 1;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.fd = 0;
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 3;
	file.kind = CKPT_FILE_REG;
	file.f_flags = 01;
	file.mode = 0100644;
	file.path_len = 9;
	file.id = img_file_id(12, 42);
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), "/tmp/log", 9);
	memset(&fd, 0, sizeof(fd));
	fd.fd = 1;
	fd.flags = CKPT_FD_CLOEXEC;
	fd.file_ref = 3;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);

	memset(&mm, 0, sizeof(mm));
	mm.objref = e.mm_ref;
	mm.nr_vmas = 2;
	mm.auxv_words = 2;
	mm.exe_len = 10;
	mm.exe_id = img_file_id(77, 16384);
	img_rec(im, CKPT_HDR_MM, &mm, sizeof(mm), "/bin/prog", 10);
	memset(&vma, 0, sizeof(vma));
	vma.start = 0x400000;
	vma.end = 0x404000;
	vma.vm_flags = CKPT_VM_READ | CKPT_VM_EXEC;
	vma.kind = CKPT_VMA_FILE;
	vma.path_len = 10;
	vma.file_id = img_file_id(77, 16384);
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

	img_sighand(im, e.sighand_ref);
	memset(&sig, 0, sizeof(sig));
	sig.pending = 1ULL << (10 - 1);		/* SIGUSR1 */
	sig.nr_pending = 1;
	img_rec(im, CKPT_HDR_SIGNAL, &sig, sizeof(sig), NULL, 0);
	memset(&si, 0, sizeof(si));
	si.info[0] = 10;
	img_rec(im, CKPT_HDR_SIGINFO, &si, sizeof(si), NULL, 0);
	img_itimers(im, 0);
	memset(&cpu, 0, sizeof(cpu));
	cpu.ip = 0x401000;
	cpu.sp = 0x7f0000003ff0ULL;
	cpu.cs = 0x33;
	cpu.ss = 0x2b;
	img_rec(im, CKPT_HDR_CPU, &cpu, sizeof(cpu), NULL, 0);
	memset(&fpu, 0, sizeof(fpu));
	fpu.size = sizeof(xstate);
	memset(xstate, 0, sizeof(xstate));
	img_rec(im, CKPT_HDR_FPU, &fpu, sizeof(fpu), xstate, sizeof(xstate));
	img_tail(im);
}

/*
 * The tree of img_ipc_full(): 10 the root, the init of an IPC namespace
 * of its own (NEWIPCNS), with an undo list (sysvsem_ref IMG_REF(IMG_SYSVSEM,
 * 10)) shared by its thread 11 and its child 12 (cloned with CLONE_SYSVSEM);
 * 13 a child with an undo list of its own; 14 a zombie.
 */
static inline uint32_t img_ipc_tree(struct ckpt_task_pids *e)
{
	e[0] = img_proc(NULL, 10);
	e[0].flags |= CKPT_TASK_NEWIPCNS;
	e[0].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 10);
	e[1] = img_thread(&e[0], 11);
	e[2] = img_proc(&e[0], 12);
	e[2].sysvsem_ref = e[0].sysvsem_ref;
	e[3] = img_proc(&e[0], 13);
	e[3].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 13);
	e[4] = img_zombie(&e[0], 14, 0);
	return 5;
}

/*
 * A valid image with every SysV IPC record (52 records), of img_ipc_tree().
 * The root's IPC_NS (PRIVATE|ALL, 5 objects):
 *   IPC_SHM id 0 key 0x1234, 2 pages, its second page saved (PAGES: 0x1000)
 *   IPC_SHM id 32769 key 0, DEST, 4097 bytes (2 pages), no page saved
 *   IPC_MSQ id 1 key 0x2222, cbytes 8: IPC_MSG type 1 "abc", type 2 "hello"
 *   IPC_SEM id 2 key 0x3333, values 1 0 5
 *   IPC_SEM id 98306 key 0, value 32767
 * then its SEM_UNDO: SEM_ADJ semid 2 (-1 0 2), semid 98306 (-32767); its
 * MM: a sysv_shm VMA of shm 0 (both pages, attachment 900, rw).
 * 12: MM with a VMA of attachment 900 (inherited by fork) and one of shm
 * 32769 (its second page, attachment 901, read-only).  13: SEM_UNDO with
 * SEM_ADJ semid 2 (0 0 1).
 */
static inline void img_ipc_full(struct img *im)
{
	static const int32_t vals2[3] = { 1, 0, 5 }, vals3[1] = { 32767 };
	static const int16_t adj10a[3] = { -1, 0, 2 }, adj10b[1] = { -32767 },
			     adj13[3] = { 0, 0, 1 };
	static const uint64_t shm_page = IMG_PAGE;
	struct ckpt_task_pids e[5];
	uint32_t n = img_ipc_tree(e);

	img_header(im);
	img_tree(im, e, n);

	img_task_head(im, &e[0], img_needs(e, n, 0));
	img_ipc_ns(im, CKPT_IPC_NS_PRIVATE | CKPT_IPC_NS_ALL, 5);
	img_ipc_shm(im, 0, 0x1234, 2 * IMG_PAGE, 0, 1);
	img_pages(im, &shm_page, 1, 0x5a);
	img_ipc_shm(im, 32769, 0, IMG_PAGE + 1, CKPT_SHM_DEST, 0);
	img_ipc_msq(im, 1, 0x2222, 8, 2);
	img_ipc_msg(im, 1, "abc", 3);
	img_ipc_msg(im, 2, "hello", 5);
	img_ipc_sem(im, 2, 0x3333, 3, vals2);
	img_ipc_sem(im, 98306, 0, 1, vals3);
	img_sem_undo(im, e[0].sysvsem_ref, 2);
	img_sem_adj(im, 2, 3, adj10a);
	img_sem_adj(im, 98306, 1, adj10b);
	img_mm(im, e[0].mm_ref, 1);
	img_vma_sysv_shm(im, 0x7f1000000000ULL, 2, 0, 0, 900, IMG_VM_SHM_RW);
	img_task_tail(im, &e[0], img_needs(e, n, 0));

	img_task_records(im, &e[1], img_needs(e, n, 1));

	img_task_head(im, &e[2], img_needs(e, n, 2));
	img_mm(im, e[2].mm_ref, 2);
	img_vma_sysv_shm(im, 0x7f1000000000ULL, 2, 0, 0, 900, IMG_VM_SHM_RW);
	img_vma_sysv_shm(im, 0x7f2000000000ULL, 1, 1, 32769, 901, IMG_VM_SHM_RO);
	img_task_tail(im, &e[2], img_needs(e, n, 2));

	img_task_head(im, &e[3], img_needs(e, n, 3));
	img_sem_undo(im, e[3].sysvsem_ref, 1);
	img_sem_adj(im, 2, 3, adj13);
	img_mm(im, e[3].mm_ref, 0);
	img_task_tail(im, &e[3], img_needs(e, n, 3));
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
