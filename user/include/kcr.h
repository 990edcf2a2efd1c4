/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libkcr: the user-space side of kcr shared by checkpoint, restart and
 * ckptinfo.
 *
 *   - kcr_checkpoint()/kcr_restart(): the two system calls, by the numbers
 *     of <linux/checkpoint.h> (never the C library's: 451/452 mean other
 *     things on newer kernels).
 *   - struct kcr_reader: a streaming image reader.  It reads one record at a
 *     time from an fd (no seeking, works on pipes) or from memory, and
 *     validates everything it can before handing a record out: the stream
 *     structure, the TREE (pids, threads, zombies, pid namespaces, shared
 *     objects) and which per-task records the TREE's refs call for, the
 *     SysV IPC objects (IPC_NS and its objects in the root's records,
 *     SEM_UNDO lists, VMA SYSV_SHM attachments).  It never prints; errors
 *     are in err_class, err_offset and reason.
 *   - kcr_log_*(): helpers to pick the interesting line of a kernel log.
 */
#ifndef KCR_H
#define KCR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/checkpoint.h>

long kcr_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd);
long kcr_restart(pid_t pid, int fd, unsigned long flags, int logfd);

/* Name of a record type ("HEADER", "PAGES", ...), "?" if unknown. */
const char *kcr_record_name(uint32_t type);
const char *kcr_vma_kind_name(uint32_t kind);
const char *kcr_file_kind_name(uint32_t kind);
/* FILE_LOCK kind ("flock", "posix", "ofd") and type ("read", "write") */
const char *kcr_lock_kind_name(uint32_t kind);
const char *kcr_lock_type_name(uint32_t type);

/*
 * The objects a TREE entry names by objref (struct ckpt_task_pids
 * mm_ref .. pidns_ref in the order of the struct, then sysvsem_ref, the
 * SysV semaphore undo list, which is 0 when the task has none).
 */
enum kcr_ref_kind {
	KCR_REF_MM = 0,
	KCR_REF_FILES,
	KCR_REF_FS,
	KCR_REF_SIGHAND,
	KCR_REF_SIGNAL,
	KCR_REF_PIDNS,
	KCR_REF_SYSVSEM,
	KCR_NR_REFS,
};

/*
 * "mm", "files", "fs", "sighand", "signal", "pidns", "sysvsem"; "?" if
 * unknown.
 */
const char *kcr_ref_name(int kind);

static inline uint32_t kcr_task_ref(const struct ckpt_task_pids *e, int kind)
{
	switch (kind) {
	case KCR_REF_MM:	return e->mm_ref;
	case KCR_REF_FILES:	return e->files_ref;
	case KCR_REF_FS:	return e->fs_ref;
	case KCR_REF_SIGHAND:	return e->sighand_ref;
	case KCR_REF_SIGNAL:	return e->signal_ref;
	case KCR_REF_PIDNS:	return e->pidns_ref;
	case KCR_REF_SYSVSEM:	return e->sysvsem_ref;
	}
	return 0;
}

/* One record as handed out by the reader. */
struct kcr_record {
	uint64_t offset;	/* byte offset of the record in the image */
	uint32_t type;
	uint32_t len;		/* ckpt_hdr.len: header + payload, no padding */
	const void *data;	/* len bytes, starting with struct ckpt_hdr */
};

/* Error classes (kcr_reader.err_class). */
enum kcr_err_class {
	KCR_ERR_NONE = 0,
	KCR_ERR_IO,		/* read() failed; err_errno says why */
	KCR_ERR_TRUNCATED,	/* the image ended early */
	KCR_ERR_FORMAT,		/* a structural error in the image */
	KCR_ERR_CRC,		/* TAIL checksum mismatch */
	KCR_ERR_NOMEM,
	KCR_ERR_COMPRESSED,	/* the compressed stream is corrupt or truncated */
};

#define KCR_REASON_MAX	256

/* Per-record flags for bookkeeping of nested sections. */
struct kcr_section {
	uint32_t type;		/* 0: none open */
	uint64_t offset;	/* where the section record started */
	uint64_t remaining;	/* children still expected */
};

/*
 * What the reader derived from a valid TREE, one per entry (r->info[i]).
 * The optional per-task records are decided by the refs: a task carries
 * FS, FILES, MM, SIGHAND or SEM_UNDO only if it is the first entry with
 * that ref (SEM_UNDO: a nonzero sysvsem_ref).  IPC_NS is optional in the
 * root's records and absent from the others'; KCR_TASK_HAS_IPC_NS (root
 * only) says the root must carry it: it has NEWIPCNS or some entry has a
 * sysvsem_ref.
 */
#define KCR_TASK_HAS_FS		0x1
#define KCR_TASK_HAS_FILES	0x2
#define KCR_TASK_HAS_MM		0x4
#define KCR_TASK_HAS_SIGHAND	0x8
#define KCR_TASK_HAS_SEM_UNDO	0x10
#define KCR_TASK_HAS_IPC_NS	0x20

#define KCR_NO_ENTRY		UINT32_MAX

struct kcr_task_info {
	uint32_t leader;	/* TREE index of its thread group leader (itself for a process) */
	uint32_t parent;	/* TREE index of its parent process, KCR_NO_ENTRY for the root */
	uint32_t records;	/* KCR_TASK_HAS_*: which optional records it carries */
	uint32_t ns[CKPT_PID_LEVELS_MAX];	/* pidns_ref of its namespace at each level */
};

struct kcr_obj;		/* the reader's table of objrefs (reader.c) */

/*
 * Compressed images (compress.c).  An image may be a gzip or zlib stream
 * of the plain image; kcr_z_magic() tells by its first two bytes.
 */
enum kcr_z_format {
	KCR_Z_UNKNOWN = 0,	/* nothing read yet */
	KCR_Z_PLAIN,
	KCR_Z_GZIP,
	KCR_Z_ZLIB,
};
int kcr_z_magic(const void *buf, size_t len);
const char *kcr_z_format_name(int format);

/*
 * A reader of an image that may be compressed: kcr_zin_read() hands out
 * the plain image, inflated on the fly in bounded memory (never seeks).
 * The input is fd, or what kcr_zin_set_source()'s fn returns (read()
 * semantics; NULL: back to fd).  Only the first two bytes are read ahead
 * of a plain image.  The last bytes of a compressed one come out only
 * once its stream ended, checksum good, and nothing follows it.  Errors:
 * -1, kcr_zin_error() (KCR_ZIN_E*) and kcr_zin_reason().
 */
/* write(2) all of buf, again after EINTR; 0, or -1 with errno */
int kcr_write_all(int fd, const void *buf, size_t len);

struct kcr_zin;
typedef ssize_t (*kcr_zin_src_fn)(void *ctx, void *buf, size_t n);
enum {
	KCR_ZIN_EIO = 1,	/* reading the input failed */
	KCR_ZIN_ECORRUPT,	/* zlib found corrupt data or a bad checksum */
	KCR_ZIN_ETRUNC,		/* the input ended inside the stream */
	KCR_ZIN_ETRAILING,	/* data after the end of the stream */
	KCR_ZIN_ENOMEM,
};
struct kcr_zin *kcr_zin_new(int fd);
void kcr_zin_set_source(struct kcr_zin *z, kcr_zin_src_fn fn, void *ctx);
ssize_t kcr_zin_read(struct kcr_zin *z, void *buf, size_t n);
int kcr_zin_format(const struct kcr_zin *z);
/* input bytes consumed: the compressed size once everything was read */
uint64_t kcr_zin_in_bytes(const struct kcr_zin *z);
int kcr_zin_error(const struct kcr_zin *z, int *errnum);
const char *kcr_zin_reason(const struct kcr_zin *z);
void kcr_zin_free(struct kcr_zin *z);

/*
 * Compress in_fd, to its end, into out_fd as one gzip stream at level
 * (1..9).  0, or -1 with the reason in err (zlib's message for its
 * errors).  in_fd and out_fd are not closed.
 */
struct kcr_zstats {
	uint64_t in_bytes, out_bytes;
};
int kcr_deflate_fd(int in_fd, int out_fd, int level, struct kcr_zstats *st,
		   char *err, size_t errsz);

/*
 * One SysV IPC object of the image (an IPC_SHM, IPC_MSQ or IPC_SEM record
 * of the root's IPC_NS), as kcr_reader_ipc_obj() finds it.
 */
struct kcr_ipc_obj {
	uint32_t type;		/* CKPT_HDR_IPC_SHM, CKPT_HDR_IPC_MSQ or CKPT_HDR_IPC_SEM */
	int32_t id;		/* shmid, msqid or semid */
	int32_t key;
	uint32_t flags;		/* IPC_SHM: CKPT_SHM_* */
	uint64_t size;		/* IPC_SHM: size in bytes; IPC_MSQ: cbytes; IPC_SEM: nsems */
	uint64_t off;		/* offset of its record */
};

struct kcr_reader {
	/* source: fd >= 0 (read through zin: plain or compressed), else mem/mem_len */
	int fd;
	struct kcr_zin *zin;
	const unsigned char *mem;
	size_t mem_len;
	size_t mem_pos;

	uint64_t offset;	/* bytes consumed so far */
	uint64_t nr_records;	/* records consumed (TAIL included once read) */
	uint32_t crc;		/* zlib crc32 of every byte consumed */
	uint32_t page_size;	/* the page size the image must have */
	int state;		/* internal: what comes next */

	struct ckpt_hdr_header header;	/* valid once the HEADER was read */
	struct ckpt_task_pids *tasks;	/* the TREE, once read */
	uint32_t nr_tasks;
	struct kcr_task_info *info;	/* per TREE entry, once the TREE was read */
	uint32_t nr_live;		/* entries that are not zombies: TASK records due */
	struct ckpt_hdr_tail tail;	/* valid once the TAIL was read */

	/* record buffer */
	unsigned char *buf;
	size_t buf_size;
	struct kcr_record rec;

	/* raw capture of every byte consumed (kcr_reader_keep_raw) */
	int keep_raw;
	unsigned char *raw;
	size_t raw_len, raw_cap;

	/* structure tracking */
	uint32_t task_idx;	/* TASK records seen */
	uint32_t entry_idx;	/* TREE index of the current task (valid once task_idx > 0) */
	int task_rank;		/* last top-level rank within the task */
	struct kcr_section files, mm, pipe, signal;
	struct kcr_section vma;	/* the PAGES of a VMA or of an IPC_SHM */
	struct kcr_section ipc;	/* IPC_NS: its objects */
	struct kcr_section msq;	/* IPC_MSQ: its IPC_MSG records */
	struct kcr_section undo; /* SEM_UNDO: its SEM_ADJ records */
	struct kcr_section unix_skbs; /* UNIX: its UNIX_SKB records */
	uint64_t unix_bytes;	/* bytes of the open UNIX's queued not yet seen */
	uint32_t unix_type;	/* socket type of the open UNIX */
	struct kcr_section epoll; /* EPOLL: its EPOLL_ITEM records */
	struct kcr_section inode; /* INODE: its INODE_DATA records */
	struct kcr_section ino_watch; /* INOTIFY: its INOTIFY_WATCH records */
	struct kcr_section ino_event; /* INOTIFY: then its INOTIFY_EVENT records */
	int32_t ino_last_wd;	/* previous INOTIFY_WATCH wd of the open INOTIFY */
	int ino_overflow;	/* the open INOTIFY had its overflow event */
	uint64_t inode_size, inode_next;	/* INODE: size, lowest next offset */
	struct kcr_section timers; /* ITIMERS: its POSIX_TIMER records */
	int64_t last_timer_id;	/* previous POSIX_TIMER id of the open ITIMERS, -1 */
	struct kcr_section tty;	/* TTY: its two TTY_DATA records */
	uint32_t tty_icanon;	/* TTY: bit side set if that side is canonical */
	uint64_t vma_start, vma_end, last_page;
	int64_t last_fd;	/* previous FD of the open FILES, -1 if none */
	/* FILE_LOCK: the FDs of the open FILES (ascending fd) and its locks */
	struct kcr_fd_ref { uint32_t fd, ref; } *sec_fds;
	uint32_t nr_sec_fds, sec_fds_cap;
	uint32_t nr_locks;	/* FILE_LOCK records after its last FD */

	/* every objref defined so far: TREE refs, then FILE, PIPE, SHMEM, SYSV_SHM attachments */
	struct kcr_obj *objs;
	uint32_t objs_cap, objs_used;

	/* SysV IPC */
	int has_ipc_ns;			/* the root's IPC_NS was read */
	struct ckpt_hdr_ipc_ns ipc_ns;	/* valid if has_ipc_ns */
	struct kcr_ipc_obj *ipc_objs;	/* its objects so far, in image order */
	uint32_t nr_ipc_objs, ipc_objs_cap;
	uint32_t ipc_ref_entry;		/* first TREE entry with a sysvsem_ref, KCR_NO_ENTRY */
	uint64_t msq_bytes;		/* bytes of the open IPC_MSQ's cbytes not yet seen */
	int64_t last_semid;		/* previous SEM_ADJ semid of the open SEM_UNDO, -1 */

	/* first error */
	int err_class;		/* enum kcr_err_class */
	int err_errno;		/* errno-style code for the error */
	uint64_t err_offset;
	char reason[KCR_REASON_MAX];
};

/*
 * Initialize a reader on fd (not closed by the reader) or on a memory
 * buffer.  The page size checked against the header defaults to the
 * running system's; kcr_reader_set_page_size() overrides it.
 */
void kcr_reader_init_fd(struct kcr_reader *r, int fd);
void kcr_reader_init_mem(struct kcr_reader *r, const void *buf, size_t len);
void kcr_reader_set_page_size(struct kcr_reader *r, uint32_t page_size);
/* Keep a copy of every byte consumed; must be called before reading. */
void kcr_reader_keep_raw(struct kcr_reader *r);
void kcr_reader_free(struct kcr_reader *r);
/*
 * An fd reader's input: plain or compressed (KCR_Z_*, KCR_Z_UNKNOWN before
 * the first read or for a memory reader), and the input bytes read.
 */
int kcr_reader_compression(const struct kcr_reader *r, uint64_t *in_bytes);

/*
 * Read and validate the next record.  Returns 1 and sets *rec (valid until
 * the next call), 0 once the TAIL was returned and nothing follows it, -1
 * on error (see err_offset and reason; the reader stays in error).
 */
int kcr_reader_next(struct kcr_reader *r, const struct kcr_record **rec);

/*
 * Read the prefix only: HEADER then TREE.  Returns 0 (r->header, r->tasks
 * valid) or -1.  With kcr_reader_keep_raw(), kcr_reader_raw() then gives
 * the exact bytes consumed: the HEADER and TREE records with padding.
 */
int kcr_reader_read_prefix(struct kcr_reader *r);
const unsigned char *kcr_reader_raw(const struct kcr_reader *r, size_t *len);

/*
 * The IPC object of a kind (CKPT_HDR_IPC_SHM, _MSQ, _SEM) with an id among
 * those read so far (all of them once the root's records are past its
 * IPC_NS), or NULL.
 */
const struct kcr_ipc_obj *kcr_reader_ipc_obj(const struct kcr_reader *r,
					     uint32_t type, int64_t id);

/* Reason of the first error (its offset is err_offset), or "" if none. */
const char *kcr_reader_reason(const struct kcr_reader *r);

/*
 * Log helpers.  The kernel writes one line per message to the log fd.
 * kcr_log_reason() copies the last line that contains "error" or "failed"
 * (or else the last non-empty line) into out, without the newline; returns
 * 0 if a line was found, -1 if the log is empty.
 */
int kcr_log_reason(const char *log, size_t len, char *out, size_t outsz);
/* Find "restart failed: errno=N: reason": returns N > 0 and the reason. */
int kcr_log_restart_failed(const char *log, size_t len, char *reason,
			   size_t reasonsz);
/* Whether the log has a line starting with "restart done". */
int kcr_log_restart_done(const char *log, size_t len);

/* Read all of fd (up to max bytes) into a NUL-terminated malloc'd buffer. */
char *kcr_read_all(int fd, size_t max, size_t *len);

#endif /* KCR_H */
