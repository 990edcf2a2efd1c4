// SPDX-License-Identifier: GPL-2.0
/*
 * imgmut: make damaged kcr images for the driver's badimage test.
 *
 *   imgmut list IN                         one line per record: offset type name len
 *   imgmut IN OUT truncate N               the first N bytes of IN
 *   imgmut IN OUT flip OFFSET [MASK]       byte at OFFSET xor MASK (default 0xff)
 *   imgmut IN OUT set OFFSET BYTE...       bytes at OFFSET
 *   imgmut [-c] IN OUT field NAME[@N] VAL  a named field of the N-th (from 0)
 *                                          record of its type; VAL is a number,
 *                                          +N / -N (add) or ^N (xor), stored
 *                                          little-endian in the field's size
 *   imgmut IN where NAME[@N]               print the file offset of a field
 *   imgmut IN get NAME[@N]                 print the value of a field (decimal)
 *   imgmut fields                          list the field names
 *
 * TREE entry fields name the entry by a number after the field:
 * tree.pid0, tree.flags1, tree.mm_ref2 ... for any entry N of the TREE
 * (struct ckpt_task_pids: pid tgid ppid pgid sid flags exit_code
 * exit_signal nr_levels sysvsem_ref pids mm_ref files_ref fs_ref
 * sighand_ref signal_ref pidns_ref), and tree.pidsL_N for pids[L] of
 * entry N.  The SysV IPC records (format v3) are ipc_ns, ipc_shm, ipc_msq,
 * ipc_msg, ipc_sem, sem_undo and sem_adj (perm fields: ipc_shm.id,
 * ipc_shm.key, ipc_shm.mode, ipc_shm.perm_pad...; ipc_sem.semval0,
 * sem_adj.adj0: the first value after the record's struct).
 *
 * -c recomputes the TAIL crc32 after the edit, so that only the kernel's
 * own validation of the field can reject the image (without -c any edit is
 * also caught by the crc, but only at the end of the stream).
 * Exit status: 0 done, 1 error, 3 the image has no such record (the driver
 * skips that case).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../include/uapi/linux/checkpoint.h"

#define MAX_IMAGE (1UL << 30)

struct rec {
	size_t off;
	uint32_t type, len;
};

static unsigned char *img;
static size_t img_len;
static struct rec *recs;
static size_t nrecs;

static const char *const type_names[CKPT_HDR_TYPE_MAX + 1] = {
	[CKPT_HDR_HEADER] = "header", [CKPT_HDR_TREE] = "tree", [CKPT_HDR_TAIL] = "tail",
	[CKPT_HDR_TASK] = "task", [CKPT_HDR_CREDS] = "creds", [CKPT_HDR_FS] = "fs",
	[CKPT_HDR_FILES] = "files", [CKPT_HDR_FD] = "fd", [CKPT_HDR_FILE] = "file",
	[CKPT_HDR_PIPE] = "pipe", [CKPT_HDR_PIPE_DATA] = "pipe_data",
	[CKPT_HDR_MM] = "mm", [CKPT_HDR_VMA] = "vma", [CKPT_HDR_PAGES] = "pages",
	[CKPT_HDR_SIGHAND] = "sighand", [CKPT_HDR_SIGNAL] = "signal",
	[CKPT_HDR_SIGINFO] = "siginfo", [CKPT_HDR_CPU] = "cpu", [CKPT_HDR_FPU] = "fpu",
	[CKPT_HDR_IPC_NS] = "ipc_ns", [CKPT_HDR_IPC_SHM] = "ipc_shm",
	[CKPT_HDR_IPC_MSQ] = "ipc_msq", [CKPT_HDR_IPC_MSG] = "ipc_msg",
	[CKPT_HDR_IPC_SEM] = "ipc_sem", [CKPT_HDR_SEM_UNDO] = "sem_undo",
	[CKPT_HDR_SEM_ADJ] = "sem_adj",
};

struct field {
	const char *name;	/* "record.field" */
	uint32_t type;
	size_t off, size;
};

#define F(rec, t, st, m) { rec "." #m, t, offsetof(struct st, m), sizeof(((struct st *)0)->m) }
#define FX(name, t, off, size) { name, t, off, size }
/* a field of the struct ckpt_ipc_perm of an IPC object record */
#define FP(rec, t, st, m) { rec "." #m, t, offsetof(struct st, perm.m), sizeof(((struct st *)0)->perm.m) }

static const struct field fields[] = {
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, magic),
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, version),
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, arch),
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, page_size),
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, flags),
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, time_ns),
	F("tree", CKPT_HDR_TREE, ckpt_hdr_tree, nr_tasks),
	F("tree", CKPT_HDR_TREE, ckpt_hdr_tree, pad),
	/* tree.FIELDN: see tree_fields[] */
	F("tail", CKPT_HDR_TAIL, ckpt_hdr_tail, nr_records),
	F("tail", CKPT_HDR_TAIL, ckpt_hdr_tail, crc32),
	F("tail", CKPT_HDR_TAIL, ckpt_hdr_tail, magic),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, pid),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, exit_signal),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, pdeath_signal),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, clear_child_tid),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, robust_list),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, rseq),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, rseq_len),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, robust_list_len),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, uid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, euid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, cap_effective),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, cap_permitted),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, cap_bset),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, ngroups),
	FX("creds.group0", CKPT_HDR_CREDS, sizeof(struct ckpt_hdr_creds), 4),
	F("fs", CKPT_HDR_FS, ckpt_hdr_fs, objref),
	F("fs", CKPT_HDR_FS, ckpt_hdr_fs, umask),
	F("fs", CKPT_HDR_FS, ckpt_hdr_fs, cwd_len),
	F("fs", CKPT_HDR_FS, ckpt_hdr_fs, root_len),
	F("fs", CKPT_HDR_FS, ckpt_hdr_fs, pad),
	F("files", CKPT_HDR_FILES, ckpt_hdr_files, nr_fds),
	F("files", CKPT_HDR_FILES, ckpt_hdr_files, objref),
	F("fd", CKPT_HDR_FD, ckpt_hdr_fd, fd),
	F("fd", CKPT_HDR_FD, ckpt_hdr_fd, flags),
	F("fd", CKPT_HDR_FD, ckpt_hdr_fd, file_ref),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, objref),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, kind),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, f_flags),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, mode),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, pos),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, pipe_ref),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, path_len),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, objref),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, size),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, data_len),
	FX("pipe_data.byte0", CKPT_HDR_PIPE_DATA, sizeof(struct ckpt_hdr_pipe_data), 1),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, start_brk),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, brk),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, start_stack),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, arg_start),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, arg_end),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, vdso),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, objref),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, flags),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, nr_vmas),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, auxv_words),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, exe_len),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, start),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, end),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, pgoff),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, vm_flags),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, kind),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, shm_ref),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, shm_size),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, nr_pages),
	F("vma", CKPT_HDR_VMA, ckpt_hdr_vma, path_len),
	F("pages", CKPT_HDR_PAGES, ckpt_hdr_pages, nr_pages),
	FX("pages.addr0", CKPT_HDR_PAGES, sizeof(struct ckpt_hdr_pages), 8),
	F("sighand", CKPT_HDR_SIGHAND, ckpt_hdr_sighand, objref),
	F("sighand", CKPT_HDR_SIGHAND, ckpt_hdr_sighand, pad),
	FX("sighand.handler10", CKPT_HDR_SIGHAND,
	   offsetof(struct ckpt_hdr_sighand, action) + 9 * sizeof(struct ckpt_sigaction), 8),
	FX("sighand.flags10", CKPT_HDR_SIGHAND,
	   offsetof(struct ckpt_hdr_sighand, action) + 9 * sizeof(struct ckpt_sigaction) + 8, 8),
	FX("sighand.handler9", CKPT_HDR_SIGHAND,
	   offsetof(struct ckpt_hdr_sighand, action) + 8 * sizeof(struct ckpt_sigaction), 8),
	FX("sighand.mask10", CKPT_HDR_SIGHAND,
	   offsetof(struct ckpt_hdr_sighand, action) + 9 * sizeof(struct ckpt_sigaction) + 24, 8),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, blocked),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, pending),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, shared_pending),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, sas_ss_sp),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, sas_ss_size),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, sas_ss_flags),
	F("signal", CKPT_HDR_SIGNAL, ckpt_hdr_signal, nr_pending),
	F("siginfo", CKPT_HDR_SIGINFO, ckpt_hdr_siginfo, flags),
	FX("siginfo.signo", CKPT_HDR_SIGINFO, offsetof(struct ckpt_hdr_siginfo, info), 4),
	FX("siginfo.code", CKPT_HDR_SIGINFO, offsetof(struct ckpt_hdr_siginfo, info) + 8, 4),
	FX("siginfo.value", CKPT_HDR_SIGINFO, offsetof(struct ckpt_hdr_siginfo, info) + 24, 4),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, ax),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, bx),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, bp),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, r15),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, ip),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, sp),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, cs),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, ss),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, flags),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, fs_base),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, gs_base),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, ds),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, syscall_state),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, clockid),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, sleep_remaining_ns),
	F("fpu", CKPT_HDR_FPU, ckpt_hdr_fpu, size),
	F("fpu", CKPT_HDR_FPU, ckpt_hdr_fpu, xfeatures),
	/* inside the XSAVE buffer (standard format) that follows struct ckpt_hdr_fpu */
	FX("fpu.fcw", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 0, 2),
	FX("fpu.xmm0", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 160, 8),
	FX("fpu.ymmh0", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 576, 8),
	FX("fpu.mxcsr", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 24, 4),
	FX("fpu.xstate_bv", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 512, 8),
	FX("fpu.xcomp_bv", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 520, 8),
	FX("fpu.xsave_hdr_reserved", CKPT_HDR_FPU, sizeof(struct ckpt_hdr_fpu) + 528, 8),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, flags),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, nr_objects),
	FX("ipc_ns.semmsl", CKPT_HDR_IPC_NS, offsetof(struct ckpt_hdr_ipc_ns, sem_ctls), 4),
	FX("ipc_ns.semmni", CKPT_HDR_IPC_NS, offsetof(struct ckpt_hdr_ipc_ns, sem_ctls) + 12, 4),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, msg_ctlmax),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, msg_ctlmnb),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, msg_ctlmni),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, shm_ctlmni),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, shm_ctlmax),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, shm_ctlall),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, shm_rmid_forced),
	F("ipc_ns", CKPT_HDR_IPC_NS, ckpt_hdr_ipc_ns, pad),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, id),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, key),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, uid),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, cuid),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, mode),
	FX("ipc_shm.perm_pad", CKPT_HDR_IPC_SHM, offsetof(struct ckpt_hdr_ipc_shm, perm.pad), 4),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, size),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, cpid),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, nattch),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, flags),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, nr_pages),
	FP("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, id),
	FP("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, key),
	FP("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, mode),
	FX("ipc_msq.perm_pad", CKPT_HDR_IPC_MSQ, offsetof(struct ckpt_hdr_ipc_msq, perm.pad), 4),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, qbytes),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, cbytes),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, lspid),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, nr_msgs),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, pad),
	F("ipc_msg", CKPT_HDR_IPC_MSG, ckpt_hdr_ipc_msg, mtype),
	F("ipc_msg", CKPT_HDR_IPC_MSG, ckpt_hdr_ipc_msg, size),
	F("ipc_msg", CKPT_HDR_IPC_MSG, ckpt_hdr_ipc_msg, pad),
	FP("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, id),
	FP("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, key),
	FP("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, mode),
	FX("ipc_sem.perm_pad", CKPT_HDR_IPC_SEM, offsetof(struct ckpt_hdr_ipc_sem, perm.pad), 4),
	F("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, nsems),
	F("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, pad),
	FX("ipc_sem.semval0", CKPT_HDR_IPC_SEM, sizeof(struct ckpt_hdr_ipc_sem), 4),
	FX("ipc_sem.sempid0", CKPT_HDR_IPC_SEM, sizeof(struct ckpt_hdr_ipc_sem) + 4, 4),
	F("sem_undo", CKPT_HDR_SEM_UNDO, ckpt_hdr_sem_undo, objref),
	F("sem_undo", CKPT_HDR_SEM_UNDO, ckpt_hdr_sem_undo, nr_undos),
	F("sem_adj", CKPT_HDR_SEM_ADJ, ckpt_hdr_sem_adj, semid),
	F("sem_adj", CKPT_HDR_SEM_ADJ, ckpt_hdr_sem_adj, nsems),
	FX("sem_adj.adj0", CKPT_HDR_SEM_ADJ, sizeof(struct ckpt_hdr_sem_adj), 2),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The fields of one TREE entry, named tree.<field><entry> (pids: tree.pids<level>_<entry>). */
#define TF(m) { #m, offsetof(struct ckpt_task_pids, m), sizeof(((struct ckpt_task_pids *)0)->m) }
static const struct tree_field {
	const char *name;
	size_t off, size;
} tree_fields[] = {
	TF(pid), TF(tgid), TF(ppid), TF(pgid), TF(sid), TF(flags),
	TF(exit_code), TF(exit_signal), TF(nr_levels), TF(sysvsem_ref),
	{ "pids", offsetof(struct ckpt_task_pids, pids), sizeof(__s32) },
	TF(mm_ref), TF(files_ref), TF(fs_ref), TF(sighand_ref),
	TF(signal_ref), TF(pidns_ref),
};
#define NTREE_FIELDS (sizeof(tree_fields) / sizeof(tree_fields[0]))

/*
 * "pid3" -> offset of entry 3's pid in the TREE record, "pids1_3" -> of its
 * pids[1].  Returns 0 and sets *off and *size, -1 if no such field.
 */
static int tree_entry_field(const char *name, size_t *off, size_t *size)
{
	size_t i, len = strspn(name, "abcdefghijklmnopqrstuvwxyz_");
	unsigned long entry, level = 0;
	const char *p = name + len;
	char *end;

	/* the entry number follows the name; no sign, no spaces */
	if (*p < '0' || *p > '9')
		return -1;
	for (i = 0; i < NTREE_FIELDS; i++)
		if (strlen(tree_fields[i].name) == len &&
		    !strncmp(tree_fields[i].name, name, len))
			break;
	if (i == NTREE_FIELDS)
		return -1;
	if (!strcmp(tree_fields[i].name, "pids")) {
		level = strtoul(p, &end, 10);
		if (*end != '_' || level >= CKPT_PID_LEVELS_MAX)
			return -1;
		p = end + 1;
		if (*p < '0' || *p > '9')
			return -1;
	}
	entry = strtoul(p, &end, 10);
	if (*end || entry >= CKPT_TASKS_MAX)
		return -1;
	*off = sizeof(struct ckpt_hdr_tree) + entry * sizeof(struct ckpt_task_pids) +
	       tree_fields[i].off + level * tree_fields[i].size;
	*size = tree_fields[i].size;
	return 0;
}

static const char *type_name(uint32_t t)
{
	return t <= CKPT_HDR_TYPE_MAX && type_names[t] ? type_names[t] : "?";
}

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n;

	if (!f) {
		fprintf(stderr, "imgmut: %s: %s\n", path, strerror(errno));
		return -1;
	}
	img = malloc(cap);
	while (img && (n = fread(img + img_len, 1, cap - img_len, f)) > 0) {
		img_len += n;
		if (img_len == cap) {
			if (cap >= MAX_IMAGE) {
				fprintf(stderr, "imgmut: %s: larger than %lu bytes\n", path, MAX_IMAGE);
				fclose(f);
				return -1;
			}
			cap *= 2;
			img = realloc(img, cap);
		}
	}
	fclose(f);
	if (!img) {
		fprintf(stderr, "imgmut: out of memory\n");
		return -1;
	}
	return 0;
}

/* Index the records of the (valid) input; stops at the first malformed one. */
static void walk(void)
{
	size_t off = 0, cap = 0;

	while (off + sizeof(struct ckpt_hdr) <= img_len) {
		struct ckpt_hdr h;

		memcpy(&h, img + off, sizeof(h));
		if (h.len < sizeof(h) || off + h.len > img_len)
			break;
		if (nrecs == cap) {
			cap = cap ? 2 * cap : 256;
			recs = realloc(recs, cap * sizeof(*recs));
			if (!recs) {
				fprintf(stderr, "imgmut: out of memory\n");
				exit(1);
			}
		}
		recs[nrecs].off = off;
		recs[nrecs].type = h.type;
		recs[nrecs].len = h.len;
		nrecs++;
		if (h.type == CKPT_HDR_TAIL)
			break;
		off += CKPT_ALIGN_UP((uint64_t)h.len);
	}
}

static int save(const char *path, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "imgmut: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static uint32_t crc32_zlib(const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	uint32_t c = 0xffffffffU;
	size_t i;
	int k;

	if (!table[1])
		for (i = 0; i < 256; i++) {
			uint32_t v = i;

			for (k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320U ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
	for (i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

static int fix_crc(void)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		if (recs[i].type == CKPT_HDR_TAIL) {
			size_t at = recs[i].off + offsetof(struct ckpt_hdr_tail, crc32);
			uint32_t c = crc32_zlib(img, recs[i].off);

			memcpy(img + at, &c, 4);
			return 0;
		}
	fprintf(stderr, "imgmut: no TAIL record: cannot fix the crc\n");
	return -1;
}

/* Offset of NAME[@N] in the image, or -1 (no such field) / -3 (no such record). */
static long long locate(const char *spec, const struct field **fp)
{
	char name[64];
	const char *at = strchr(spec, '@');
	unsigned long idx = 0, seen = 0;
	size_t i, len = at ? (size_t)(at - spec) : strlen(spec);
	const struct field *f = NULL;
	uint32_t type;
	const char *dot;
	size_t off = 0, size = 4;

	if (len >= sizeof(name))
		return -1;
	memcpy(name, spec, len);
	name[len] = 0;
	if (at)
		idx = strtoul(at + 1, NULL, 0);
	for (i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			f = &fields[i];
	if (f) {
		type = f->type;
		off = f->off;
		size = f->size;
	} else if (!strncmp(name, "tree.", 5) && !tree_entry_field(name + 5, &off, &size)) {
		type = CKPT_HDR_TREE;
	} else {
		/* RECORD.type / RECORD.len for any record type */
		dot = strchr(name, '.');
		if (!dot)
			return -1;
		for (type = 1; type <= CKPT_HDR_TYPE_MAX; type++)
			if (type_names[type] && strlen(type_names[type]) == (size_t)(dot - name) &&
			    !strncmp(type_names[type], name, dot - name))
				break;
		if (type > CKPT_HDR_TYPE_MAX)
			return -1;
		if (!strcmp(dot + 1, "type"))
			off = offsetof(struct ckpt_hdr, type);
		else if (!strcmp(dot + 1, "len"))
			off = offsetof(struct ckpt_hdr, len);
		else
			return -1;
	}
	if (fp) {
		static struct field tmp;

		tmp.name = spec;
		tmp.type = type;
		tmp.off = off;
		tmp.size = size;
		*fp = &tmp;
	}
	for (i = 0; i < nrecs; i++)
		if (recs[i].type == type && seen++ == idx) {
			if (off + size > recs[i].len)
				return -3;
			return recs[i].off + off;
		}
	return -3;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: imgmut list IN | imgmut fields | imgmut IN where|get NAME[@N]\n"
		"       imgmut IN OUT truncate N | flip OFFSET [MASK] | set OFFSET BYTE...\n"
		"       imgmut [-c] IN OUT field NAME[@N] VALUE|+N|-N|^N\n");
	return 1;
}

static int parse_num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	int fixcrc = 0, i;
	unsigned long long n, v;
	const char *in, *out, *op;

	if (argc > 1 && !strcmp(argv[1], "-c")) {
		fixcrc = 1;
		argv++;
		argc--;
	}
	if (argc == 2 && !strcmp(argv[1], "fields")) {
		for (i = 0; i < (int)NFIELDS; i++)
			printf("%s\n", fields[i].name);
		/* the TREE entry fields exist for every entry; list 0 and 1 */
		for (n = 0; n < 2; n++)
			for (i = 0; i < (int)NTREE_FIELDS; i++) {
				if (!strcmp(tree_fields[i].name, "pids"))
					printf("tree.pids0_%llu\ntree.pids1_%llu\n", n, n);
				else
					printf("tree.%s%llu\n", tree_fields[i].name, n);
			}
		printf("RECORD.type\nRECORD.len\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "list")) {
		size_t k;

		if (load(argv[2]))
			return 1;
		walk();
		for (k = 0; k < nrecs; k++)
			printf("%zu %u %s %u\n", recs[k].off, recs[k].type, type_name(recs[k].type),
			       recs[k].len);
		return 0;
	}
	if (argc == 4 && (!strcmp(argv[2], "where") || !strcmp(argv[2], "get"))) {
		const struct field *f;
		unsigned long long val = 0;
		long long o;

		if (load(argv[1]))
			return 1;
		walk();
		o = locate(argv[3], &f);
		if (o == -1) {
			fprintf(stderr, "imgmut: unknown field %s\n", argv[3]);
			return 1;
		}
		if (o < 0)
			return 3;
		if (!strcmp(argv[2], "where")) {
			printf("%lld\n", o);
		} else {
			memcpy(&val, img + o, f->size);
			printf("%llu\n", val);
		}
		return 0;
	}
	if (argc < 5)
		return usage();
	in = argv[1];
	out = argv[2];
	op = argv[3];
	if (load(in))
		return 1;
	walk();

	if (!strcmp(op, "truncate") && argc == 5) {
		if (parse_num(argv[4], &n) || n > img_len)
			return usage();
		return save(out, n) ? 1 : 0;
	}
	if (!strcmp(op, "flip") && (argc == 5 || argc == 6)) {
		unsigned long long mask = 0xff;

		if (parse_num(argv[4], &n) || n >= img_len ||
		    (argc == 6 && (parse_num(argv[5], &mask) || mask > 0xff || !mask)))
			return usage();
		img[n] ^= mask;
	} else if (!strcmp(op, "set") && argc >= 6) {
		if (parse_num(argv[4], &n))
			return usage();
		for (i = 5; i < argc; i++, n++) {
			if (parse_num(argv[i], &v) || v > 0xff || n >= img_len)
				return usage();
			img[n] = v;
		}
	} else if (!strcmp(op, "field") && argc == 6) {
		const struct field *f;
		long long o = locate(argv[4], &f);
		unsigned long long old = 0;
		const char *val = argv[5];

		if (o == -1) {
			fprintf(stderr, "imgmut: unknown field %s (imgmut fields lists them)\n", argv[4]);
			return 1;
		}
		if (o < 0) {
			fprintf(stderr, "imgmut: the image has no record for %s\n", argv[4]);
			return 3;
		}
		memcpy(&old, img + o, f->size);
		if (*val == '+' || *val == '-' || *val == '^') {
			if (parse_num(val + 1, &v))
				return usage();
			v = *val == '+' ? old + v : *val == '-' ? old - v : old ^ v;
		} else if (parse_num(val, &v)) {
			return usage();
		}
		memcpy(img + o, &v, f->size);	/* little-endian: the low bytes */
	} else {
		return usage();
	}
	if (fixcrc && fix_crc())
		return 1;
	return save(out, img_len) ? 1 : 0;
}
