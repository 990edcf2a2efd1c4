// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/* Names of record types and kinds, for messages and ckptinfo. */
#include "kcr.h"

const char *kcr_record_name(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_HEADER:		return "HEADER";
	case CKPT_HDR_TREE:		return "TREE";
	case CKPT_HDR_TAIL:		return "TAIL";
	case CKPT_HDR_TASK:		return "TASK";
	case CKPT_HDR_CREDS:		return "CREDS";
	case CKPT_HDR_FS:		return "FS";
	case CKPT_HDR_FILES:		return "FILES";
	case CKPT_HDR_FD:		return "FD";
	case CKPT_HDR_FILE:		return "FILE";
	case CKPT_HDR_PIPE:		return "PIPE";
	case CKPT_HDR_PIPE_DATA:	return "PIPE_DATA";
	case CKPT_HDR_MM:		return "MM";
	case CKPT_HDR_VMA:		return "VMA";
	case CKPT_HDR_PAGES:		return "PAGES";
	case CKPT_HDR_SIGHAND:		return "SIGHAND";
	case CKPT_HDR_SIGNAL:		return "SIGNAL";
	case CKPT_HDR_SIGINFO:		return "SIGINFO";
	case CKPT_HDR_CPU:		return "CPU";
	case CKPT_HDR_FPU:		return "FPU";
	case CKPT_HDR_IPC_NS:		return "IPC_NS";
	case CKPT_HDR_IPC_SHM:		return "IPC_SHM";
	case CKPT_HDR_IPC_MSQ:		return "IPC_MSQ";
	case CKPT_HDR_IPC_MSG:		return "IPC_MSG";
	case CKPT_HDR_IPC_SEM:		return "IPC_SEM";
	case CKPT_HDR_SEM_UNDO:		return "SEM_UNDO";
	case CKPT_HDR_SEM_ADJ:		return "SEM_ADJ";
	case CKPT_HDR_INODE:		return "INODE";
	case CKPT_HDR_INODE_DATA:	return "INODE_DATA";
	case CKPT_HDR_EVENTFD:		return "EVENTFD";
	case CKPT_HDR_SIGNALFD:		return "SIGNALFD";
	case CKPT_HDR_TIMERFD:		return "TIMERFD";
	case CKPT_HDR_INOTIFY:		return "INOTIFY";
	case CKPT_HDR_INOTIFY_WATCH:	return "INOTIFY_WATCH";
	case CKPT_HDR_INOTIFY_EVENT:	return "INOTIFY_EVENT";
	case CKPT_HDR_EPOLL:		return "EPOLL";
	case CKPT_HDR_EPOLL_ITEM:	return "EPOLL_ITEM";
	case CKPT_HDR_UNIX:		return "UNIX";
	case CKPT_HDR_UNIX_SKB:		return "UNIX_SKB";
	case CKPT_HDR_TTY:		return "TTY";
	case CKPT_HDR_TTY_DATA:		return "TTY_DATA";
	case CKPT_HDR_ITIMERS:		return "ITIMERS";
	case CKPT_HDR_POSIX_TIMER:	return "POSIX_TIMER";
	case CKPT_HDR_FILE_LOCK:	return "FILE_LOCK";
	}
	return "?";
}

const char *kcr_vma_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_VMA_ANON:	return "anon";
	case CKPT_VMA_FILE:	return "file";
	case CKPT_VMA_SHMEM:	return "shmem";
	case CKPT_VMA_VDSO:	return "vdso";
	case CKPT_VMA_VVAR:	return "vvar";
	case CKPT_VMA_SYSV_SHM:	return "sysv_shm";
	case CKPT_VMA_INODE:	return "inode";
	}
	return "?";
}

const char *kcr_file_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_FILE_REG:	return "reg";
	case CKPT_FILE_CHR:	return "chr";
	case CKPT_FILE_PIPE:	return "pipe";
	case CKPT_FILE_FIFO:	return "fifo";
	case CKPT_FILE_GHOST:	return "ghost";
	case CKPT_FILE_EVENTFD:	return "eventfd";
	case CKPT_FILE_SIGNALFD: return "signalfd";
	case CKPT_FILE_TIMERFD:	return "timerfd";
	case CKPT_FILE_INOTIFY:	return "inotify";
	case CKPT_FILE_EPOLL:	return "epoll";
	case CKPT_FILE_UNIX:	return "unix";
	case CKPT_FILE_TTY:	return "tty";
	}
	return "?";
}

const char *kcr_lock_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_LOCK_FLOCK:	return "flock";
	case CKPT_LOCK_POSIX:	return "posix";
	case CKPT_LOCK_OFD:	return "ofd";
	}
	return "?";
}

const char *kcr_lock_type_name(uint32_t type)
{
	switch (type) {
	case CKPT_LOCK_READ:	return "read";
	case CKPT_LOCK_WRITE:	return "write";
	}
	return "?";
}

const char *kcr_ref_name(int kind)
{
	switch (kind) {
	case KCR_REF_MM:	return "mm";
	case KCR_REF_FILES:	return "files";
	case KCR_REF_FS:	return "fs";
	case KCR_REF_SIGHAND:	return "sighand";
	case KCR_REF_SIGNAL:	return "signal";
	case KCR_REF_PIDNS:	return "pidns";
	case KCR_REF_SYSVSEM:	return "sysvsem";
	}
	return "?";
}
