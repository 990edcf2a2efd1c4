/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcr: in-kernel checkpoint/restart API, shared by the files of
 * kernel/checkpoint/ and arch/x86/kernel/checkpoint.c.
 *
 * One struct ckpt_ctx describes one checkpoint or one restart.  A
 * checkpoint is run by a single task (the caller); a restart context is
 * shared by every task of the restarted tree, which take turns: only the
 * task whose index equals ctx->active touches the image stream, so the
 * stream state (pos, crc, lookahead) needs no lock.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/types.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/sizes.h>
#include <linux/uidgid.h>
#include <uapi/linux/checkpoint.h>

struct file;
struct pid;
struct pid_namespace;
struct task_struct;
struct cred;
struct inode;
struct mm_struct;

/*
 * The object table starts with 1 << CKPT_OBJ_HASH_BITS buckets and doubles
 * whenever it holds more objects than buckets, up to 1 << CKPT_OBJ_HASH_MAX
 * buckets (a million: CKPT_FDS_MAX files), so chains stay short.
 */
#define CKPT_OBJ_HASH_BITS	8
#define CKPT_OBJ_HASH_MAX	20
#define CKPT_WBUF_SIZE		SZ_64K	/* checkpoint write buffer */

/*
 * Restart buffers whose size an image decides (a count or a length read
 * from it, bounded by the record limits): charged to the caller's memory
 * cgroup, and over its limit they fail with ENOMEM, never OOM-killing
 * anyone or warning (__GFP_RETRY_MAYFAIL, __GFP_NOWARN).
 */
#define CKPT_GFP_IMAGE	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
#define CKPT_LOG_PENDING	2048	/* log bytes kept under an mmap_lock */
/*
 * Unix sockets in flight in the queue of a socket being saved, itself in
 * flight...: pairs being saved at once (unix.c), at most
 */
#define CKPT_UNIX_BUSY_MAX	8

/* Kinds of shared objects kept in the object table. */
enum ckpt_obj_type {
	CKPT_OBJ_FILE = 1,	/* struct file */
	CKPT_OBJ_PIPE,		/* checkpoint: pipe_inode_info; restart: struct file[2] */
	CKPT_OBJ_SHMEM,		/* checkpoint: inode; restart: struct file (shmem) */
	/* the per-task objects named in the TREE (key only at checkpoint) */
	CKPT_OBJ_MM,		/* restart: mm_struct, one mm_users reference */
	CKPT_OBJ_FILES,		/* restart: files_struct, one count */
	CKPT_OBJ_FS,		/* restart: fs_struct, one user */
	CKPT_OBJ_SIGHAND,	/* restart: sighand_struct (no reference) */
	CKPT_OBJ_SIGNAL,	/* restart: signal_struct (no reference) */
	CKPT_OBJ_PIDNS,		/* restart: pid_namespace, one reference */
	CKPT_OBJ_SYSVSEM,	/* checkpoint: key; restart: ipc.c's undo list ref */
	CKPT_OBJ_SHM_ATTACH,	/* a SysV shm attachment: struct file */
	/* objects of the file kinds (struct ckpt_file_ops) */
	CKPT_OBJ_INODE,		/* deleted file, memfd: checkpoint inode; restart file */
	CKPT_OBJ_EVENT,		/* eventfd, signalfd, timerfd, inotify: struct file */
	CKPT_OBJ_EPOLL,		/* struct file */
	CKPT_OBJ_SOCK,		/* checkpoint: struct sock; restart: struct file */
	CKPT_OBJ_TTY,		/* checkpoint: tty_struct; restart: kind's own */
};

/*
 * ctx->task_first[i]: the TREE entry i is the first (in restore order)
 * to use its object: its records carry that object.
 */
#define CKPT_FIRST_MM		0x1
#define CKPT_FIRST_FILES	0x2
#define CKPT_FIRST_FS		0x4
#define CKPT_FIRST_SIGHAND	0x8
#define CKPT_FIRST_SYSVSEM	0x10

struct ckpt_obj {
	struct hlist_node by_ptr;	/* checkpoint: hashed by ptr */
	struct hlist_node by_ref;	/* both: hashed by objref */
	enum ckpt_obj_type type;
	u32 objref;
	void *ptr;			/* the kernel object */
	void (*release)(void *ptr);	/* drops the reference held on ptr */
	unsigned long users;		/* checkpoint: references met in the tree */
};

/* One hash of the object table (objhash.c), grown as objects are added. */
struct ckpt_obj_hash {
	struct hlist_head *heads;	/* 1 << bits buckets (kvmalloc) */
	unsigned int bits;
	unsigned int nr;		/* objects hashed */
};

struct ckpt_ctx {
	struct kref kref;
	bool is_restart;
	unsigned long flags;		/* syscall flags */
	u64 ckpt_id;

	struct file *file;		/* the image */
	struct file *logfile;		/* may be NULL */
	struct mutex log_lock;		/* serializes log lines */
	/*
	 * Lines of log_deferrer, which holds a lock that writing the log
	 * may need (an mmap_lock): kept here until ckpt_log_flush().
	 */
	struct task_struct *log_deferrer;
	/* only log_deferrer touches these: no lock */
	unsigned int log_defer_depth;
	unsigned int log_pending_len;
	unsigned int log_lost;		/* lines that did not fit */
	char log_pending[CKPT_LOG_PENDING];
	loff_t pos;			/* bytes written or read so far */
	loff_t rec_start;		/* offset of the record in progress */
	u32 crc;			/* running crc32 (zlib convention, pre-inverted) */
	u64 nr_records;
	int error;			/* first error, negative errno */

	/* checkpoint: small records are gathered here before kernel_write */
	void *wbuf;
	size_t wbuf_used;

	/* restart: one record header read ahead */
	struct ckpt_hdr peek;
	bool peeked;

	/* bounce buffer for pages: CKPT_PAGES_MAX pages */
	void *pagebuf;

	/* shared objects */
	struct ckpt_obj_hash obj_by_ptr;	/* checkpoint only */
	struct ckpt_obj_hash obj_by_ref;
	u32 next_objref;

	/* the tree: nr_tasks entries in restore order */
	int nr_tasks;
	struct ckpt_task_pids *pids;
	u32 *task_first;		/* CKPT_FIRST_* of each entry */
	unsigned long *task_ncsw;	/* checkpoint: switch count when frozen */
	struct task_struct **tasks;	/* checkpoint: referenced tasks */
	struct pid **task_pids;		/* restart: the struct pid of each task */
	struct pid_namespace *pid_ns;	/* namespace the pids are seen in (level 0) */
	struct list_head pipes;		/* checkpoint: pipes met (files.c) */
	struct list_head ttys;		/* both: ptys (tty.c) */
	struct files_struct *files_owner;	/* checkpoint: fd table being saved */
	/*
	 * checkpoint: unix sockets whose records are being written (unix.c),
	 * the files in flight in their queues being saved first
	 */
	void *unix_busy[CKPT_UNIX_BUSY_MAX];
	unsigned int nr_unix_busy;
	void *ipc;			/* both: ipc.c private */

	/* restart protocol (kernel/checkpoint/restart.c) */
	struct list_head list;		/* on the global list of restarts */
	struct pid *root_pid;
	kuid_t root_euid;		/* euid of the root when it entered */
	spinlock_t lock;		/* protects the fields below */
	wait_queue_head_t waitq;
	int nr_entered;			/* tasks that entered restart() */
	int active;			/* index of the task restoring now */
	int nr_live;			/* tasks that are not zombies */
	int nr_shared;			/* tasks past the shared resume round */
	int nr_resumed;			/* tasks that applied their last state */
	bool done;			/* every task restored, tail checked */
	bool aborted;			/* error: every task must die */
};

/*
 * Per-task restore state, filled while the task reads its records and
 * applied at the right moment (see restart.c: restore_task()).
 */
struct ckpt_rst_task {
	int index;			/* position in ctx->pids */
	struct ckpt_task_pids *entry;	/* ctx->pids[index] */
	u32 first;			/* ctx->task_first[index] */
	struct ckpt_hdr_task *task;
	struct cred *new_creds;		/* prepared, committed by the finish step */
	struct path cwd;		/* checked, set last */
	umode_t umask;
	void *files;			/* files.c private */
	void *signals;			/* signal.c private */
	void *ipc;			/* ipc.c private */
	void *locks;			/* locks.c private */
	void *timers;			/* timers.c private */
};

/* sys.c: context, logging */
struct ckpt_ctx *ckpt_ctx_alloc(int fd, int logfd, unsigned long flags,
				bool is_restart);
__printf(2, 3) void ckpt_log(struct ckpt_ctx *ctx, const char *fmt, ...);
__printf(3, 4) int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...);
int ckpt_mmap_lock(struct ckpt_ctx *ctx, struct mm_struct *mm, bool write);
void ckpt_mmap_unlock(struct ckpt_ctx *ctx, struct mm_struct *mm, bool write);
void ckpt_ctx_get(struct ckpt_ctx *ctx);
void ckpt_ctx_put(struct ckpt_ctx *ctx);

/*
 * io.c: the record stream.  Every function returns 0 or a negative errno
 * and, on error, has already logged why (ckpt_err).
 *
 * Writing: rec points to a struct whose first member is struct ckpt_hdr;
 * the functions fill in h.type and h.len.  ckpt_write_record() writes a
 * fixed-size record; ckpt_write_record_payload() appends plen bytes after
 * it (a path, an array).  For large payloads: ckpt_write_begin() with the
 * total payload length, any number of ckpt_write_raw(), then
 * ckpt_write_end() with len + payload_len, which checks the count and pads.
 *
 * Reading: ckpt_read_record() reads a whole record of the given type whose
 * len is within [minlen, maxlen] into rec (maxlen bytes available) and
 * returns its len; a different type or a bad len is -EINVAL.
 * ckpt_read_record_alloc() does the same into a kvmalloc'ed buffer (free
 * with kvfree).  For large payloads: ckpt_read_hdr() reads only the
 * struct ckpt_hdr and returns len (the caller then reads the fixed part
 * and the payload with ckpt_read_raw() and finishes with
 * ckpt_read_end(ctx, len), which skips the padding).  ckpt_peek_type()
 * returns the type of the next record without consuming it.
 * ckpt_read_string() checks that buf[0..len) is a NUL-terminated string
 * with no NUL before the end (len is the counted length incl. NUL).
 */
int ckpt_write_record(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len);
int ckpt_write_record_payload(struct ckpt_ctx *ctx, u32 type, void *rec,
			      u32 len, const void *payload, u32 plen);
int ckpt_write_begin(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len,
		     u64 payload_len);
int ckpt_write_raw(struct ckpt_ctx *ctx, const void *data, size_t len);
int ckpt_write_end(struct ckpt_ctx *ctx, u64 total_len);
int ckpt_flush(struct ckpt_ctx *ctx);

int ckpt_peek_type(struct ckpt_ctx *ctx);
int ckpt_read_record(struct ckpt_ctx *ctx, u32 type, void *rec, u32 minlen,
		     u32 maxlen);
void *ckpt_read_record_alloc(struct ckpt_ctx *ctx, u32 type, u32 minlen,
			     u32 maxlen, u32 *lenp);
int ckpt_read_hdr(struct ckpt_ctx *ctx, u32 type, u32 minlen, u32 maxlen);
int ckpt_read_raw(struct ckpt_ctx *ctx, void *data, size_t len);
int ckpt_read_end(struct ckpt_ctx *ctx, u64 total_len);
int ckpt_read_string(struct ckpt_ctx *ctx, char *buf, u32 len);
const char *ckpt_record_name(u32 type);

/* objhash.c: shared objects */
int ckpt_obj_table_init(struct ckpt_ctx *ctx);
void ckpt_obj_table_free(struct ckpt_ctx *ctx);
struct ckpt_obj *ckpt_obj_find_ptr(struct ckpt_ctx *ctx, void *ptr);
struct ckpt_obj *ckpt_obj_add_ptr(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
				  void *ptr, void (*release)(void *ptr));
void *ckpt_obj_find_ref(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
			u32 objref);
struct ckpt_obj *ckpt_obj_lookup_ref(struct ckpt_ctx *ctx, u32 objref);
int ckpt_obj_add_ref(struct ckpt_ctx *ctx, enum ckpt_obj_type type, u32 objref,
		     void *ptr, void (*release)(void *ptr));
void ckpt_obj_release_all(struct ckpt_ctx *ctx);

/*
 * One kind of per-task state: the same entry serves both directions.  The
 * table (checkpoint.c: ckpt_state_ops[]) is in image order.
 *
 * checkpoint	write the records of task ctx->tasks[index] (frozen, pinned)
 * restore	read this kind's records into rt, in stream order; an entry
 *		with no_return set replaces the task's own state, so an error
 *		from it on (the point of no return) kills the task
 * finish	after every restore of this task, in table order, before the
 *		next task's turn
 * resume_shared  once the whole tree is restored and the TAIL checked:
 *		what several tasks share (set by the task that restored it)
 * resume	after every task's resume_shared, just before the task
 *		returns to user space
 * release	always, last: drop what restore kept in rt
 * Any hook may be NULL.  All return 0 or a negative errno, logged.
 */
struct ckpt_state_ops {
	const char *name;
	int (*checkpoint)(struct ckpt_ctx *ctx, struct task_struct *t,
			  int index);
	int (*restore)(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
	int (*finish)(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
	int (*resume_shared)(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
	int (*resume)(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
	void (*release)(struct ckpt_rst_task *rt);
	bool no_return;
	/*
	 * restore runs with the restored task's prepared credentials
	 * (override_creds): every file it opens, every permission it checks,
	 * is one the restored task could open or pass by itself.
	 */
	bool as_restored_task;
};

extern const struct ckpt_state_ops ckpt_state_ops[];
extern const unsigned int ckpt_nr_state_ops;

/* task.c: TASK, CREDS, FS */
int checkpoint_task_struct(struct ckpt_ctx *ctx, struct task_struct *t,
			   int index);
int restore_task_struct(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_task_struct_finish(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void restore_task_struct_release(struct ckpt_rst_task *rt);

/* files.c: FILES, FD, FILE, PIPE, PIPE_DATA */
int checkpoint_files(struct ckpt_ctx *ctx, struct task_struct *t, int index);
int checkpoint_files_leaks(struct ckpt_ctx *ctx);
int checkpoint_files_check_pipes(struct ckpt_ctx *ctx);
void checkpoint_files_release(struct ckpt_ctx *ctx);
int restore_files_open(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void ckpt_file_id_fill(struct ckpt_file_id *id, struct inode *inode);
char *ckpt_reachable_path(struct ckpt_ctx *ctx, const struct path *p,
			  char *buf, struct ckpt_file_id *id, const char *what);
struct file *restore_open_path(struct ckpt_ctx *ctx, const char *name,
			       unsigned int flags, umode_t type, dev_t rdev,
			       const struct ckpt_file_id *id, const char *what);
bool restore_file_id_valid(const struct ckpt_file_id *id);
int restore_files_install(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void restore_files_cleanup(struct ckpt_rst_task *rt);

/*
 * One kind of open file (enum ckpt_file_kind), for both directions; the
 * table is files.c's ckpt_file_ops[].  An open file is a FILE record; what
 * it is a view of (a pipe, an eventfd counter, a socket) is an object
 * record of the kind (obj_type), written once, before the first record
 * that uses it.  Records that name other files (epoll targets, fds in
 * flight) come after the FILEs they name: a kind saves those first with
 * checkpoint_file().
 *
 * can_save	checkpoint: does file belong to this kind (first match wins)
 * save		checkpoint: write the kind's objects if not written yet and
 *		fill hf (kind, obj_ref, f_flags, mode, pos); for a kind
 *		reopened by path, put the path in buf (PATH_MAX) and set
 *		*path and hf->path_len
 * obj_type	restart: the record type of the kind's object (0: none), read
 *		by restore_obj when met in a FILES section
 * restore	restart: a new file for hf, whose other fields are checked
 *		already (objref unique, path NUL-terminated when path_len);
 *		returns the file with a reference, or an ERR_PTR (logged)
 * by_path	the file is reopened by path, with the restored task's rights
 */
struct ckpt_file_ops {
	const char *name;
	u32 kind;
	u32 obj_type;
	bool by_path;
	bool (*can_save)(struct file *file);
	int (*save)(struct ckpt_ctx *ctx, unsigned int fd, struct file *file,
		    struct ckpt_hdr_file *hf, char *buf, char **path);
	int (*restore_obj)(struct ckpt_ctx *ctx);
	struct file *(*restore)(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path);
};

/* save file (once) and return its FILE objref; fd is for messages */
int checkpoint_file(struct ckpt_ctx *ctx, unsigned int fd, struct file *file,
		    u32 *objref);
/* the restored file of FILE objref (no new reference), or NULL */
struct file *restore_file_get(struct ckpt_ctx *ctx, u32 objref);
/* set the status flags of a file not installed anywhere yet */
void ckpt_set_file_flags(struct file *file, unsigned int flags);

/* unix.c: UNIX, UNIX_SKB (file kind CKPT_FILE_UNIX) */
bool ckpt_unix_can_save(struct file *file);
int ckpt_unix_save(struct ckpt_ctx *ctx, unsigned int fd, struct file *file,
		   struct ckpt_hdr_file *hf, char *buf, char **path);
int checkpoint_unix_check(struct ckpt_ctx *ctx);
int ckpt_unix_inflight(struct ckpt_ctx *ctx, struct file *file,
		       struct file ***files, unsigned int *nr);
int restore_unix_obj(struct ckpt_ctx *ctx);
struct file *restore_unix_file(struct ckpt_ctx *ctx,
			       const struct ckpt_hdr_file *hf,
			       const char *path);

/*
 * locks.c: FILE_LOCK, after the FDs of a FILES section (called by files.c:
 * checkpoint_files() with the first objref of its section, the end of
 * restore_files_open(), restore_files_install() once the table is
 * installed, restore_files_cleanup()); leases refused when a regular file
 * is saved
 */
int checkpoint_file_locks(struct ckpt_ctx *ctx, struct task_struct *t,
			  u32 first_ref);
int checkpoint_file_lease(struct ckpt_ctx *ctx, unsigned int fd,
			  struct file *file);
int checkpoint_mapped_file_locks(struct ckpt_ctx *ctx, struct task_struct *t,
				 struct file *file, const char *what);
int restore_file_locks_read(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_file_locks_apply(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void restore_file_locks_cleanup(struct ckpt_rst_task *rt);

/* epoll.c: EPOLL, EPOLL_ITEM (file kind CKPT_FILE_EPOLL) */
bool ckpt_epoll_can_save(struct file *file);
int ckpt_epoll_save(struct ckpt_ctx *ctx, unsigned int fd, struct file *file,
		    struct ckpt_hdr_file *hf, char *buf, char **path);
int restore_epoll_obj(struct ckpt_ctx *ctx);
struct file *restore_epoll_file(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path);

/* ghost.c: INODE, INODE_DATA (deleted files, memfd) */
bool ckpt_ghost_file(struct file *file);
int checkpoint_ghost_inode(struct ckpt_ctx *ctx, struct file *file,
			   const char *what, u32 *objref);
int ckpt_save_ghost_file(struct ckpt_ctx *ctx, unsigned int fd,
			 struct file *file, struct ckpt_hdr_file *hf,
			 char *buf, char **path);
int restore_ghost_obj(struct ckpt_ctx *ctx);
struct file *restore_ghost_open(struct ckpt_ctx *ctx, u32 objref,
				unsigned int flags, const char *what);
struct file *restore_ghost_file(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path);
/* event.c: EVENTFD, SIGNALFD, TIMERFD (ckpt_file_ops of their kinds) */
bool ckpt_is_eventfd(struct file *file);
bool ckpt_is_signalfd(struct file *file);
bool ckpt_is_timerfd(struct file *file);
int ckpt_save_eventfd(struct ckpt_ctx *ctx, unsigned int fd,
		      struct file *file, struct ckpt_hdr_file *hf,
		      char *buf, char **path);
int ckpt_save_signalfd(struct ckpt_ctx *ctx, unsigned int fd,
		       struct file *file, struct ckpt_hdr_file *hf,
		       char *buf, char **path);
int ckpt_save_timerfd(struct ckpt_ctx *ctx, unsigned int fd,
		      struct file *file, struct ckpt_hdr_file *hf,
		      char *buf, char **path);
int restore_eventfd_obj(struct ckpt_ctx *ctx);
int restore_signalfd_obj(struct ckpt_ctx *ctx);
int restore_timerfd_obj(struct ckpt_ctx *ctx);
struct file *restore_event_file(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path);
int restore_event_add(struct ckpt_ctx *ctx, u32 objref, u32 kind,
		      struct file *file);

/* inotify.c: INOTIFY, INOTIFY_WATCH, INOTIFY_EVENT (kind CKPT_FILE_INOTIFY) */
bool ckpt_is_inotify(struct file *file);
int ckpt_save_inotify(struct ckpt_ctx *ctx, unsigned int fd,
		      struct file *file, struct ckpt_hdr_file *hf,
		      char *buf, char **path);
int restore_inotify_obj(struct ckpt_ctx *ctx);

/* tty.c: TTY, TTY_DATA (a kind of ckpt_file_ops) */
bool ckpt_is_tty(struct file *file);
int checkpoint_tty_file(struct ckpt_ctx *ctx, unsigned int fd,
			struct file *file, struct ckpt_hdr_file *hf, char *buf,
			char **path);
int restore_tty_obj(struct ckpt_ctx *ctx);
struct file *restore_tty_file(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_file *hf, const char *path);
int checkpoint_tty_check(struct ckpt_ctx *ctx);
int restore_tty_ctty(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void ckpt_tty_free(struct ckpt_ctx *ctx);

/* ipc.c: IPC_NS, IPC_SHM, IPC_MSQ, IPC_MSG, IPC_SEM, SEM_UNDO, SEM_ADJ */
int checkpoint_ipc_prepare(struct ckpt_ctx *ctx);
int checkpoint_ipc(struct ckpt_ctx *ctx, struct task_struct *t, int index);
int restore_ipc(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_ipc_finish(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_ipc_resume(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void restore_ipc_release(struct ckpt_rst_task *rt);
void ckpt_ipc_free(struct ckpt_ctx *ctx);
u64 restore_ipc_shm_size(struct ckpt_ctx *ctx, int shmid);
struct ipc_namespace;
bool checkpoint_ipc_ns_is(struct ckpt_ctx *ctx, struct ipc_namespace *ns);

/* memory.c: MM, VMA, PAGES */
int checkpoint_mm(struct ckpt_ctx *ctx, struct task_struct *t, int index);
int restore_mm(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
/* the pages of a shmem object outside any mapping (a SysV segment) */
int checkpoint_shmem_pages(struct ckpt_ctx *ctx, struct inode *inode,
			   u32 type, void *rec, u32 len, __u64 *nr_pages);
int restore_shmem_pages(struct ckpt_ctx *ctx, struct file *file, u64 size,
			u64 nr_pages);

/* signal.c: SIGHAND, SIGNAL, SIGINFO */
int checkpoint_signals(struct ckpt_ctx *ctx, struct task_struct *t,
		       int index);
int restore_signals_read(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_signals_actions(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_signals_apply(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void restore_signals_cleanup(struct ckpt_rst_task *rt);

/* timers.c: ITIMERS, POSIX_TIMER */
int checkpoint_timers(struct ckpt_ctx *ctx, struct task_struct *t, int index);
int restore_timers(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int restore_timers_resume(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
void restore_timers_release(struct ckpt_rst_task *rt);

/* arch/x86/kernel/checkpoint.c: CPU, FPU */
int checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *t, int index);
int restore_cpu(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt);
int checkpoint_arch_can_save(struct ckpt_ctx *ctx, struct task_struct *t);
/*
 * memory.c has unmapped everything; map the vdso text back at vdso (and
 * the vvar pages before it, where the vdso image puts them).
 */
int restore_arch_vdso(struct ckpt_ctx *ctx, unsigned long vdso);
bool checkpoint_arch_caller_ok(void);
void restore_arch_mm(struct mm_struct *mm);

/* checkpoint.c, restart.c: the two operations */
int do_checkpoint(struct ckpt_ctx *ctx, pid_t pid);
long do_restart(pid_t pid, int fd, unsigned long flags, int logfd);

/* pids.c: the task tree */
int checkpoint_collect_tree(struct ckpt_ctx *ctx, struct task_struct *root);
int checkpoint_check_container(struct ckpt_ctx *ctx, struct task_struct *root);
int checkpoint_tree_leaks(struct ckpt_ctx *ctx);
int checkpoint_tree_unchanged(struct ckpt_ctx *ctx);
int checkpoint_write_tree(struct ckpt_ctx *ctx);
int restore_read_tree(struct ckpt_ctx *ctx);
int restore_check_task(struct ckpt_ctx *ctx, int index);
int restore_tree_index(struct ckpt_ctx *ctx, pid_t pid);
void ckpt_pid_levels(struct ckpt_ctx *ctx, struct task_struct *t, s32 *pids,
		     u32 *nr_levels);

#endif /* _LINUX_CHECKPOINT_H */
