/* SPDX-License-Identifier: GPL-2.0 */
/*
 * imgrec.h - what the image tools of the test suite (imgmut, imgfuzz) know
 * of the records: their names, the named fields (offsets and sizes from
 * include/uapi/linux/checkpoint.h, never a copy of the layout) and the
 * TAIL's crc32.  Static definitions only: included by one .c file each.
 */
#ifndef KCR_IMGREC_H
#define KCR_IMGREC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include "../../include/uapi/linux/checkpoint.h"

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
	[CKPT_HDR_FILE_LOCK] = "file_lock",
	[CKPT_HDR_UNIX] = "unix", [CKPT_HDR_UNIX_SKB] = "unix_skb",
	[CKPT_HDR_INODE] = "inode", [CKPT_HDR_INODE_DATA] = "inode_data",
	[CKPT_HDR_EVENTFD] = "eventfd", [CKPT_HDR_SIGNALFD] = "signalfd",
	[CKPT_HDR_TIMERFD] = "timerfd",
	[CKPT_HDR_TTY] = "tty", [CKPT_HDR_TTY_DATA] = "tty_data",
	[CKPT_HDR_INOTIFY] = "inotify", [CKPT_HDR_INOTIFY_WATCH] = "inotify_watch",
	[CKPT_HDR_INOTIFY_EVENT] = "inotify_event",
	[CKPT_HDR_ITIMERS] = "itimers", [CKPT_HDR_POSIX_TIMER] = "posix_timer",
};

struct field {
	const char *name;	/* "record.field" */
	uint32_t type;
	size_t off, size;
};

#define F(rec, t, st, m) { rec "." #m, t, offsetof(struct st, m), sizeof(((struct st *)0)->m) }
#define FX(name, t, off, size) { name, t, off, size }
/* a field below a member of a record struct, with a name of its own */
#define FN(name, t, st, m) { name, t, offsetof(struct st, m), sizeof(((struct st *)0)->m) }
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
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, obj_ref),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, path_len),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, objref),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, size),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, data_len),
	FX("pipe_data.byte0", CKPT_HDR_PIPE_DATA, sizeof(struct ckpt_hdr_pipe_data), 1),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, objref),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, flags),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, mode),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, seals),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, size),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, nr_chunks),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, name_len),
	F("inode", CKPT_HDR_INODE, ckpt_hdr_inode, dir_len),
	F("inode_data", CKPT_HDR_INODE_DATA, ckpt_hdr_inode_data, offset),
	FX("inode_data.byte0", CKPT_HDR_INODE_DATA, sizeof(struct ckpt_hdr_inode_data), 1),
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
	/* more fields, for imgfuzz (and imgmut) */
	F("header", CKPT_HDR_HEADER, ckpt_hdr_header, ckpt_id),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, personality),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, flags),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, set_child_tid),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, rseq_sig),
	FN("task.rlim_cur3", CKPT_HDR_TASK, ckpt_hdr_task, rlim[3].cur),
	FN("task.rlim_max3", CKPT_HDR_TASK, ckpt_hdr_task, rlim[3].max),
	FN("task.rlim_cur7", CKPT_HDR_TASK, ckpt_hdr_task, rlim[7].cur),
	FN("task.rlim_max7", CKPT_HDR_TASK, ckpt_hdr_task, rlim[7].max),
	FN("task.rlim_cur8", CKPT_HDR_TASK, ckpt_hdr_task, rlim[8].cur),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, policy),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, rt_priority),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, nice),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, cpus_allowed),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, timer_slack_ns),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, oom_score_adj),
	F("task", CKPT_HDR_TASK, ckpt_hdr_task, oom_score_adj_min),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, membarrier),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, coredump_filter),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, suid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, fsuid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, gid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, egid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, sgid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, fsgid),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, cap_inheritable),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, cap_ambient),
	F("creds", CKPT_HDR_CREDS, ckpt_hdr_creds, securebits),
	F("fd", CKPT_HDR_FD, ckpt_hdr_fd, pad),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, rdev),
	F("file", CKPT_HDR_FILE, ckpt_hdr_file, pad),
	FN("file.id_dev", CKPT_HDR_FILE, ckpt_hdr_file, id.dev),
	FN("file.id_ino", CKPT_HDR_FILE, ckpt_hdr_file, id.ino),
	FN("file.id_size", CKPT_HDR_FILE, ckpt_hdr_file, id.size),
	FN("file.id_mtime_sec", CKPT_HDR_FILE, ckpt_hdr_file, id.mtime_sec),
	FN("file.id_mtime_nsec", CKPT_HDR_FILE, ckpt_hdr_file, id.mtime_nsec),
	FN("file.id_pad", CKPT_HDR_FILE, ckpt_hdr_file, id.pad),
	FX("file.path0", CKPT_HDR_FILE, sizeof(struct ckpt_hdr_file), 1),
	F("pipe", CKPT_HDR_PIPE, ckpt_hdr_pipe, pad),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, start_code),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, end_code),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, start_data),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, end_data),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, env_start),
	F("mm", CKPT_HDR_MM, ckpt_hdr_mm, env_end),
	FN("mm.auxv0", CKPT_HDR_MM, ckpt_hdr_mm, auxv[0]),
	FN("mm.auxv1", CKPT_HDR_MM, ckpt_hdr_mm, auxv[1]),
	FN("mm.pad0", CKPT_HDR_MM, ckpt_hdr_mm, pad[0]),
	FN("mm.exe_id_ino", CKPT_HDR_MM, ckpt_hdr_mm, exe_id.ino),
	FN("mm.exe_id_size", CKPT_HDR_MM, ckpt_hdr_mm, exe_id.size),
	FN("mm.exe_id_mtime_nsec", CKPT_HDR_MM, ckpt_hdr_mm, exe_id.mtime_nsec),
	FN("vma.pad0", CKPT_HDR_VMA, ckpt_hdr_vma, pad[0]),
	FN("vma.file_id_dev", CKPT_HDR_VMA, ckpt_hdr_vma, file_id.dev),
	FN("vma.file_id_ino", CKPT_HDR_VMA, ckpt_hdr_vma, file_id.ino),
	FN("vma.file_id_size", CKPT_HDR_VMA, ckpt_hdr_vma, file_id.size),
	FN("vma.file_id_mtime_nsec", CKPT_HDR_VMA, ckpt_hdr_vma, file_id.mtime_nsec),
	FN("vma.file_id_pad", CKPT_HDR_VMA, ckpt_hdr_vma, file_id.pad),
	F("pages", CKPT_HDR_PAGES, ckpt_hdr_pages, pad),
	FX("pages.addr1", CKPT_HDR_PAGES, sizeof(struct ckpt_hdr_pages) + 8, 8),
	F("siginfo", CKPT_HDR_SIGINFO, ckpt_hdr_siginfo, pad),
	FX("siginfo.errno", CKPT_HDR_SIGINFO, offsetof(struct ckpt_hdr_siginfo, info) + 4, 4),
	FX("siginfo.pid", CKPT_HDR_SIGINFO, offsetof(struct ckpt_hdr_siginfo, info) + 16, 4),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, orig_ax),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, cx),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, dx),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, di),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, r11),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, es),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, fs),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, gs),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, sleep_rmtp),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, sleep_rmtp_type),
	F("cpu", CKPT_HDR_CPU, ckpt_hdr_cpu, pad),
	F("fpu", CKPT_HDR_FPU, ckpt_hdr_fpu, pad),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, gid),
	FP("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, cgid),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, atime),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, ctime),
	F("ipc_shm", CKPT_HDR_IPC_SHM, ckpt_hdr_ipc_shm, lpid),
	FP("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, uid),
	FP("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, cgid),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, stime),
	F("ipc_msq", CKPT_HDR_IPC_MSQ, ckpt_hdr_ipc_msq, lrpid),
	FP("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, uid),
	FP("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, cuid),
	F("ipc_sem", CKPT_HDR_IPC_SEM, ckpt_hdr_ipc_sem, otime),
	FX("ipc_msg.text0", CKPT_HDR_IPC_MSG, sizeof(struct ckpt_hdr_ipc_msg), 1),
	FX("sem_adj.adj1", CKPT_HDR_SEM_ADJ, sizeof(struct ckpt_hdr_sem_adj) + 2, 2),
	/* --- file locks --- */
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, objref),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, type),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, flags),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, peer_ref),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, nr_skbs),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, backlog),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, queued),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, addr_len),
	F("unix", CKPT_HDR_UNIX, ckpt_hdr_unix, listener_ref),
	F("unix_skb", CKPT_HDR_UNIX_SKB, ckpt_hdr_unix_skb, len),
	F("unix_skb", CKPT_HDR_UNIX_SKB, ckpt_hdr_unix_skb, flags),
	F("unix_skb", CKPT_HDR_UNIX_SKB, ckpt_hdr_unix_skb, nr_fds),
	F("file_lock", CKPT_HDR_FILE_LOCK, ckpt_hdr_file_lock, file_ref),
	F("file_lock", CKPT_HDR_FILE_LOCK, ckpt_hdr_file_lock, fd),
	F("file_lock", CKPT_HDR_FILE_LOCK, ckpt_hdr_file_lock, kind),
	F("file_lock", CKPT_HDR_FILE_LOCK, ckpt_hdr_file_lock, type),
	F("file_lock", CKPT_HDR_FILE_LOCK, ckpt_hdr_file_lock, start),
	F("file_lock", CKPT_HDR_FILE_LOCK, ckpt_hdr_file_lock, end),
	/* event fds */
	F("eventfd", CKPT_HDR_EVENTFD, ckpt_hdr_eventfd, objref),
	F("eventfd", CKPT_HDR_EVENTFD, ckpt_hdr_eventfd, flags),
	F("eventfd", CKPT_HDR_EVENTFD, ckpt_hdr_eventfd, count),
	F("signalfd", CKPT_HDR_SIGNALFD, ckpt_hdr_signalfd, objref),
	F("signalfd", CKPT_HDR_SIGNALFD, ckpt_hdr_signalfd, pad),
	F("signalfd", CKPT_HDR_SIGNALFD, ckpt_hdr_signalfd, sigmask),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, objref),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, clockid),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, settime_flags),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, flags),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, value_ns),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, interval_ns),
	F("timerfd", CKPT_HDR_TIMERFD, ckpt_hdr_timerfd, ticks),
	/* --- ptys --- */
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, objref),
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, index),
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, flags),
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, session),
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, fg_pgrp),
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, pktstatus),
	F("tty", CKPT_HDR_TTY, ckpt_hdr_tty, ws_row),
	FX("tty.slave_lflag", CKPT_HDR_TTY, offsetof(struct ckpt_hdr_tty, termios[0].c_lflag), 4),
	FX("tty.slave_cflag", CKPT_HDR_TTY, offsetof(struct ckpt_hdr_tty, termios[0].c_cflag), 4),
	FX("tty.slave_ispeed", CKPT_HDR_TTY, offsetof(struct ckpt_hdr_tty, termios[0].c_ispeed), 4),
	FX("tty.slave_line", CKPT_HDR_TTY, offsetof(struct ckpt_hdr_tty, termios[0].c_line), 1),
	FX("tty.master_lflag", CKPT_HDR_TTY, offsetof(struct ckpt_hdr_tty, termios[1].c_lflag), 4),
	F("tty_data", CKPT_HDR_TTY_DATA, ckpt_hdr_tty_data, side),
	F("tty_data", CKPT_HDR_TTY_DATA, ckpt_hdr_tty_data, len),
	F("tty_data", CKPT_HDR_TTY_DATA, ckpt_hdr_tty_data, canon_len),
	F("tty_data", CKPT_HDR_TTY_DATA, ckpt_hdr_tty_data, pad),
	FX("tty_data.eol0", CKPT_HDR_TTY_DATA, offsetof(struct ckpt_hdr_tty_data, eol), 1),
	F("inotify", CKPT_HDR_INOTIFY, ckpt_hdr_inotify, objref),
	F("inotify", CKPT_HDR_INOTIFY, ckpt_hdr_inotify, nr_watches),
	F("inotify", CKPT_HDR_INOTIFY, ckpt_hdr_inotify, nr_events),
	F("inotify", CKPT_HDR_INOTIFY, ckpt_hdr_inotify, next_wd),
	F("inotify_watch", CKPT_HDR_INOTIFY_WATCH, ckpt_hdr_inotify_watch, wd),
	F("inotify_watch", CKPT_HDR_INOTIFY_WATCH, ckpt_hdr_inotify_watch, mask),
	F("inotify_watch", CKPT_HDR_INOTIFY_WATCH, ckpt_hdr_inotify_watch, mode),
	F("inotify_watch", CKPT_HDR_INOTIFY_WATCH, ckpt_hdr_inotify_watch, path_len),
	F("inotify_watch", CKPT_HDR_INOTIFY_WATCH, ckpt_hdr_inotify_watch, ino),
	F("inotify_event", CKPT_HDR_INOTIFY_EVENT, ckpt_hdr_inotify_event, wd),
	F("inotify_event", CKPT_HDR_INOTIFY_EVENT, ckpt_hdr_inotify_event, mask),
	F("inotify_event", CKPT_HDR_INOTIFY_EVENT, ckpt_hdr_inotify_event, name_len),
	/* --- timers --- */
	FX("itimers.real", CKPT_HDR_ITIMERS, offsetof(struct ckpt_hdr_itimers, it), 8),
	FX("itimers.real_interval", CKPT_HDR_ITIMERS, offsetof(struct ckpt_hdr_itimers, it) + 8, 8),
	F("itimers", CKPT_HDR_ITIMERS, ckpt_hdr_itimers, nr_posix),
	F("itimers", CKPT_HDR_ITIMERS, ckpt_hdr_itimers, next_posix_id),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, id),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, clockid),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, notify),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, signo),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, tid),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, flags),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, value_ns),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, interval_ns),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, overrun),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, sig_private),
	F("posix_timer", CKPT_HDR_POSIX_TIMER, ckpt_hdr_posix_timer, requeue_pending),
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
static inline int tree_entry_field(const char *name, size_t *off, size_t *size)
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

static inline const char *type_name(uint32_t t)
{
	return t <= CKPT_HDR_TYPE_MAX && type_names[t] ? type_names[t] : "?";
}


static inline uint32_t crc32_zlib(const unsigned char *p, size_t n)
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


#endif /* KCR_IMGREC_H */
