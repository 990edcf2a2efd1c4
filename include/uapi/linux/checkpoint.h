/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kcr: kernel checkpoint/restart - system call interface and image format.
 *
 * This header is the single definition of the image format; the kernel
 * (kernel/checkpoint/) and the user-space tools (user/) both compile
 * against it.  Documentation/checkpoint/image-format.rst describes every
 * record.
 *
 * An image is one sequential stream of records.  Every record starts with
 * struct ckpt_hdr, whose len counts the header and the payload; the next
 * record starts at the following 8-byte boundary (padding bytes are zero).
 * The stream never needs seeking, so it can be a pipe or a socket.
 *
 * Stream layout:
 *   HEADER
 *   TREE                          (all tasks, in restore order)
 *   per task that is not a zombie, in TREE order:
 *     TASK, CREDS,
 *     [FS]                                     first task using fs_ref
 *     [FILES  { FILE | PIPE | PIPE_DATA | INODE | INODE_DATA ... , FD } ...]
 *                                              first of files_ref
 *     [IPC_NS { IPC_SHM [PAGES ...] | IPC_MSQ [IPC_MSG ...] | IPC_SEM } ...]
 *                                              root only, see IPC_NS
 *     [SEM_UNDO { SEM_ADJ ... }]               first task using sysvsem_ref
 *     [MM     { [INODE INODE_DATA...] VMA [ PAGES ... ] } ...]
 *                                              first task using mm_ref
 *     [SIGHAND]                                first task using sighand_ref
 *     SIGNAL { SIGINFO ... },
 *     CPU, FPU
 *   TAIL
 * Zombies have no per-task records: the TREE says all there is.
 *
 * Objects that may be shared are written once, the first time they are
 * met, with an object id (objref) chosen by the checkpoint; later records
 * refer to them by that id.  The address space (MM), fd table (FILES),
 * fs_struct (FS), signal handlers (SIGHAND), signal_struct and pid
 * namespace of every task are named by objref in its TREE entry, so user
 * space can plan the whole tree (who shares what) from the TREE alone; a
 * task whose object was already written by an earlier task has no record
 * for it.  Open files, pipes and shared memory are referred to from FD
 * and VMA records.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

/* System call numbers on x86_64. */
#define __NR_checkpoint		451
#define __NR_restart		452

/* checkpoint(pid, fd, flags, logfd) flags, also kept in the HEADER */
/* pid is the init (pid 1) of its pid namespace; the whole namespace is saved */
#define CKPT_CHECKPOINT_CONTAINER 0x1UL
/* save every SysV IPC object of the tree's IPC namespace, not just those used */
#define CKPT_CHECKPOINT_IPC	0x2UL
#define CKPT_CHECKPOINT_FLAGS	(CKPT_CHECKPOINT_CONTAINER | CKPT_CHECKPOINT_IPC)

/*
 * restart(pid, fd, flags, logfd) flags.  The root calls restart(0, image fd,
 * flags, log fd); every other task restart(root pid, -1, flags, -1), or
 * with CKPT_RESTART_NO_PIDS restart(root pid, index, flags, -1) where index
 * is its position in the TREE (tasks are then matched by position, not pid).
 * A root pid of -1 names the restart led by the task's nearest ancestor
 * that leads one: a task in a pid namespace below the root's can not see
 * the root's pid.
 */
#define CKPT_RESTART_NO_PIDS	0x1UL	/* tasks need not have their saved pids */
/* reopen files that changed since the checkpoint (struct ckpt_file_id) */
#define CKPT_RESTART_FORCE_FILES 0x2UL
#define CKPT_RESTART_FLAGS	(CKPT_RESTART_NO_PIDS | CKPT_RESTART_FORCE_FILES)

#define CKPT_MAGIC		0x31474d4952434b4bULL	/* bytes "KKCRIMG1" */
#define CKPT_VERSION		6
#define CKPT_ARCH_X86_64	1

#define CKPT_ALIGN		8
#define CKPT_ALIGN_UP(x)	(((x) + CKPT_ALIGN - 1) & ~(__u64)(CKPT_ALIGN - 1))

/* Limits every reader enforces before trusting a length or a count. */
#define CKPT_RECORD_MAX		65536	/* records not bounded by a count */
#define CKPT_PAGES_MAX		256		/* pages in one PAGES record */
#define CKPT_PIPE_CHUNK		65536	/* bytes in one PIPE_DATA record */
#define CKPT_TASKS_MAX		4096
#define CKPT_PID_LEVELS_MAX	8	/* pid namespace levels kept per task */
#define CKPT_VMAS_MAX		65530		/* DEFAULT_MAX_MAP_COUNT */
#define CKPT_FDS_MAX		1048576
#define CKPT_PATH_MAX		4096
#define CKPT_XSTATE_MAX		32768
#define CKPT_SIGINFO_MAX	65536	/* queued signals per task */
#define CKPT_AUXV_WORDS		(2 * (2 + 20 + 24 + 4))	/* >= 2 * AT_VECTOR_SIZE */
#define CKPT_IPC_OBJECTS_MAX	(3 * 32768)	/* IPC_NS: 3 kinds x IPCMNI */
#define CKPT_SEM_NSEMS_MAX	32000	/* semaphores in one array (SEMMSL) */
#define CKPT_MSG_SIZE_MAX	1048576	/* bytes in one message */
#define CKPT_MSG_COUNT_MAX	4194304	/* messages in one queue */
#define CKPT_SEM_UNDOS_MAX	32768	/* arrays in one undo list */

enum ckpt_record_type {
	CKPT_HDR_HEADER		= 1,
	CKPT_HDR_TREE		= 2,
	CKPT_HDR_TAIL		= 3,

	CKPT_HDR_TASK		= 10,
	CKPT_HDR_CREDS		= 11,
	CKPT_HDR_FS		= 12,

	CKPT_HDR_FILES		= 20,
	CKPT_HDR_FD		= 21,
	CKPT_HDR_FILE		= 22,
	CKPT_HDR_PIPE		= 23,
	CKPT_HDR_PIPE_DATA	= 24,

	CKPT_HDR_MM		= 30,
	CKPT_HDR_VMA		= 31,
	CKPT_HDR_PAGES		= 32,

	CKPT_HDR_SIGHAND	= 40,
	CKPT_HDR_SIGNAL		= 41,
	CKPT_HDR_SIGINFO	= 42,

	CKPT_HDR_CPU		= 50,
	CKPT_HDR_FPU		= 51,

	CKPT_HDR_IPC_NS		= 56,
	CKPT_HDR_IPC_SHM	= 57,
	CKPT_HDR_IPC_MSQ	= 58,
	CKPT_HDR_IPC_MSG	= 59,
	CKPT_HDR_IPC_SEM	= 60,
	CKPT_HDR_SEM_UNDO	= 61,
	CKPT_HDR_SEM_ADJ	= 62,

	/*
	 * Objects that open files are views of (enum ckpt_file_kind), one
	 * range per kind; each is written before the first record that uses
	 * it.
	 */
	CKPT_HDR_INODE		= 64,	/* 64..69: deleted files, memfd, FIFOs */
	CKPT_HDR_INODE_DATA	= 65,
	CKPT_HDR_EVENTFD	= 70,	/* 70..75: eventfd, signalfd, timerfd, inotify */
	CKPT_HDR_SIGNALFD	= 71,
	CKPT_HDR_TIMERFD	= 72,
	CKPT_HDR_INOTIFY	= 73,
	CKPT_HDR_INOTIFY_WATCH	= 74,
	CKPT_HDR_INOTIFY_EVENT	= 75,
	CKPT_HDR_EPOLL		= 76,	/* 76..79: epoll */
	CKPT_HDR_EPOLL_ITEM	= 77,
	CKPT_HDR_UNIX		= 80,	/* 80..83: UNIX sockets */
	CKPT_HDR_UNIX_SKB	= 81,
	CKPT_HDR_TTY		= 84,	/* 84..87: ptys */
	CKPT_HDR_TTY_DATA	= 85,
	CKPT_HDR_ITIMERS	= 88,	/* 88..91: timers of a thread group */
	CKPT_HDR_POSIX_TIMER	= 89,
	CKPT_HDR_FILE_LOCK	= 92,	/* 92..95: file locks */

	CKPT_HDR_TYPE_MAX	= 127,
};

/* Every record starts with this. len includes the header itself. */
struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

/* CKPT_HDR_HEADER: first record of every image. */
struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__u64 magic;		/* CKPT_MAGIC */
	__u32 version;		/* CKPT_VERSION */
	__u32 arch;		/* CKPT_ARCH_* */
	__u32 page_size;
	__u32 flags;		/* checkpoint flags */
	__u64 time_ns;		/* CLOCK_REALTIME at checkpoint */
	__u64 ckpt_id;		/* the value checkpoint() returned */
	char release[65];	/* utsname()->release of the checkpointing kernel */
	char machine[65];	/* utsname()->machine */
	__u8 pad[6];
};

/* TREE: flags of one task */
#define CKPT_TASK_THREAD	0x1	/* not a thread group leader */
#define CKPT_TASK_ZOMBIE	0x2	/* exited, not reaped: exit_code is valid */
#define CKPT_TASK_SESSION_LEADER 0x4
#define CKPT_TASK_GROUP_LEADER	0x8	/* process group leader */
/*
 * init (pid 1) of the pid namespace at level nr_levels - 1, created by the
 * task's parent with CLONE_NEWPID
 */
#define CKPT_TASK_NEWPIDNS	0x10
/*
 * root only: the tree had an IPC namespace of its own (no task outside the
 * tree in it); it is saved whole and restarted in a fresh IPC namespace
 */
#define CKPT_TASK_NEWIPCNS	0x20
#define CKPT_TASK_FLAGS_KNOWN	0x3f

/*
 * One task of the tree, in restore order: a parent process before its
 * children, a thread group leader immediately followed by its other
 * threads.  Pids are as seen in the pid namespace of the checkpoint root
 * ("level 0"; in a container image, the container's namespace).
 *
 * pid, tgid: the task's pid and its thread group leader's.
 * ppid: the tgid of the parent process (what getppid() returns); 0 for
 *	the root, whose parent is outside the tree.
 * pgid, sid: the process group and session; 0 when the leader is not
 *	visible at level 0.  They may name a task that is not in the tree
 *	(a leader that has exited, or the console's session outside it).
 * pids[0 .. nr_levels-1]: the pid at every level, pids[0] == pid and
 *	pids[nr_levels - 1] in the task's own (innermost) namespace:
 *	outermost first, the reverse of clone3's set_tid order.
 * exit_code: zombies only, the status wait() reports (WEXITSTATUS etc.).
 * exit_signal: the signal the parent gets when it dies (SIGCHLD; 0 for
 *	threads).
 * *_ref: objrefs of the objects the task uses; tasks with equal refs share
 *	the object: mm_ref (address space), files_ref (fd table), fs_ref
 *	(cwd, root, umask), sighand_ref (signal actions), signal_ref (the
 *	thread group's signal_struct), pidns_ref (its active pid namespace),
 *	sysvsem_ref (its SysV semaphore undo list, shared by CLONE_SYSVSEM;
 *	0 when it has no undo list or an empty one).
 *	0 for zombies, except signal_ref and pidns_ref.
 * Every task of a tree is in one IPC namespace (checkpoint refuses others).
 */
struct ckpt_task_pids {
	__s32 pid;
	__s32 tgid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
	__u32 flags;		/* CKPT_TASK_* */
	__s32 exit_code;
	__u32 exit_signal;
	__u32 nr_levels;	/* 1 .. CKPT_PID_LEVELS_MAX */
	__u32 sysvsem_ref;
	__s32 pids[CKPT_PID_LEVELS_MAX];
	__u32 mm_ref;
	__u32 files_ref;
	__u32 fs_ref;
	__u32 sighand_ref;
	__u32 signal_ref;
	__u32 pidns_ref;
};

/* CKPT_HDR_TREE: followed by nr_tasks struct ckpt_task_pids. */
struct ckpt_hdr_tree {
	struct ckpt_hdr h;
	__u32 nr_tasks;		/* 1 .. CKPT_TASKS_MAX */
	__u32 pad;
};

/* CKPT_HDR_TAIL: last record. */
struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__u64 nr_records;	/* records before this one */
	__u32 crc32;		/* zlib crc32 of every byte before this record */
	__u32 pad;
	__u64 magic;		/* CKPT_MAGIC again */
};

#define CKPT_COMM_LEN		16
#define CKPT_RLIM_NLIMITS	16	/* RLIM_NLIMITS on Linux */

/* One resource limit; RLIM_INFINITY is ~0. */
struct ckpt_rlimit {
	__u64 cur;
	__u64 max;
};

/* CKPT_HDR_TASK: starts the records of one task. */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__s32 pid;		/* must equal TREE entry at this position */
	__u32 exit_signal;
	__u32 pdeath_signal;
	__u32 personality;
	__u64 flags;		/* CKPT_TASKF_* */
	__u64 clear_child_tid;	/* user pointers the kernel keeps per task */
	__u64 set_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 rseq;		/* struct rseq __user *, 0 if none */
	__u32 rseq_len;
	__u32 rseq_sig;
	char comm[CKPT_COMM_LEN];
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];	/* of the process */
	/*
	 * Scheduling, per thread: the policy (SCHED_NORMAL 0, FIFO 1, RR 2,
	 * BATCH 3, IDLE 5; SCHED_DEADLINE is refused), the RT priority (1..99
	 * for FIFO and RR, else 0), the nice value (-20..19, kept under an RT
	 * policy too) and CKPT_TASKF_RESET_ON_FORK.
	 */
	__u32 policy;
	__u32 rt_priority;
	__s32 nice;
	__u32 nr_cpus;		/* CPUs described by cpus_allowed, <= 64 */
	__u64 cpus_allowed;	/* affinity: bit n is CPU n (sched_setaffinity) */
	__u64 timer_slack_ns;	/* PR_SET_TIMERSLACK; 0 under an RT policy */
	__u64 default_timer_slack_ns;	/* what PR_SET_TIMERSLACK 0 restores */
	__s16 oom_score_adj;	/* of the process: -1000..1000 */
	__s16 oom_score_adj_min;	/* lowest it may go without CAP_SYS_RESOURCE */
	__u32 pad;
};

#define CKPT_TASKF_NO_NEW_PRIVS	0x1
#define CKPT_TASKF_DUMPABLE	0x2	/* SUID_DUMP_USER */
#define CKPT_TASKF_RESET_ON_FORK 0x4	/* SCHED_RESET_ON_FORK */
#define CKPT_TASKF_SUBREAPER	0x8	/* process: PR_SET_CHILD_SUBREAPER */
#define CKPT_TASKF_MCE_KILL	0x10	/* PR_MCE_KILL_SET: own policy (PF_MCE_PROCESS) */
#define CKPT_TASKF_MCE_EARLY	0x20	/* with CKPT_TASKF_MCE_KILL: PR_MCE_KILL_EARLY */
#define CKPT_TASKF_IO_FLUSHER	0x40	/* PR_SET_IO_FLUSHER */
#define CKPT_TASKF_ALL_CPUS	0x80	/* affinity: every CPU or the cpuset's (cpus_allowed 0) */
#define CKPT_TASKF_RANDOMIZE	0x100	/* PF_RANDOMIZE: exec randomized the layout */
#define CKPT_TASKF_KNOWN	0x1ff

#define CKPT_NGROUPS_MAX	65536

/* CKPT_HDR_CREDS: ids as seen in the checkpointer's user namespace. */
struct ckpt_hdr_creds {
	struct ckpt_hdr h;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u32 securebits;
	__u32 ngroups;		/* followed by ngroups __u32 gids */
};

/* CKPT_HDR_FS: cwd (and root, for information) and umask. */
struct ckpt_hdr_fs {
	struct ckpt_hdr h;
	__u32 objref;		/* fs_ref of the TREE entries that share it */
	__u32 umask;
	__u16 cwd_len;		/* bytes of cwd path, NUL included */
	__u16 root_len;		/* bytes of root path, NUL included */
	__u32 pad;
	/* followed by cwd path, then root path */
};

/* CKPT_HDR_FILES: the fd table of one task, followed by its objects and FDs. */
struct ckpt_hdr_files {
	struct ckpt_hdr h;
	__u32 nr_fds;		/* number of FD records that follow */
	__u32 objref;		/* files_ref of the TREE entries that share it */
};

/*
 * CKPT_HDR_FD: one fd; the FILE it names was written before it.  The FDs
 * of one FILES record come in strictly ascending fd order.
 */
struct ckpt_hdr_fd {
	struct ckpt_hdr h;
	__u32 fd;
	__u32 flags;		/* CKPT_FD_CLOEXEC */
	__u32 file_ref;		/* objref of a FILE record */
	__u32 pad;
};

#define CKPT_FD_CLOEXEC		0x1

enum ckpt_file_kind {
	/* regular file or directory, or O_PATH file of any node but a CHR */
	CKPT_FILE_REG		= 1,	/* reopened by path */
	CKPT_FILE_CHR		= 2,	/* character device, reopened by path */
	CKPT_FILE_PIPE		= 3,	/* an open file of a PIPE object (any access mode) */
	/* FIFO without a path: its name was unlinked, restored as a pipe */
	CKPT_FILE_FIFO		= 4,	/* an open file of a FIFO's PIPE object, reopened by path */
	CKPT_FILE_GHOST		= 5,	/* an INODE object: deleted file, memfd */
	CKPT_FILE_EVENTFD	= 6,	/* an EVENTFD object */
	CKPT_FILE_SIGNALFD	= 7,	/* a SIGNALFD object */
	CKPT_FILE_TIMERFD	= 8,	/* a TIMERFD object */
	CKPT_FILE_INOTIFY	= 9,	/* an INOTIFY object */
	CKPT_FILE_EPOLL		= 10,	/* an EPOLL object */
	CKPT_FILE_UNIX		= 11,	/* a UNIX socket object */
	CKPT_FILE_TTY		= 12,	/* one side of a TTY (pty) object */
	CKPT_FILE_KIND_MAX	= 12,
};

/*
 * Which file a path named at checkpoint: restart reopens the path and
 * refuses (ESTALE, path named) a file that is not this one any more, e.g.
 * a library upgraded in between, unless CKPT_RESTART_FORCE_FILES.
 */
struct ckpt_file_id {
	__u64 dev;		/* new_encode_dev() of the superblock's s_dev */
	__u64 ino;
	__u64 size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 pad;
};

/* CKPT_HDR_FILE: an open file description (shared object). */
struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__u32 objref;		/* id of this open file */
	__u32 kind;		/* enum ckpt_file_kind */
	__u32 f_flags;		/* open flags (O_ACCMODE, O_APPEND, O_NONBLOCK...) */
	__u32 mode;		/* inode mode (type and permission bits) */
	__s64 pos;
	__u64 rdev;		/* CHR: new_encode_dev() of the device */
	__u32 obj_ref;		/* PIPE, FIFO...: objref of the object it opens */
	__u16 path_len;		/* REG/CHR/FIFO: bytes of path, NUL included */
	__u16 pad;
	/* REG, FIFO with a path: the file (size, mtime 0 but for a regular file) */
	struct ckpt_file_id id;
	/* followed by path */
};

/*
 * CKPT_HDR_PIPE: a pipe (shared object), written before the first FILE that
 * uses it, followed by PIPE_DATA records holding data_len bytes in total.
 */
struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 size;		/* capacity in bytes (F_GETPIPE_SZ) */
	__u32 data_len;		/* unread bytes, <= size */
	__u32 pad;
};

/* CKPT_HDR_PIPE_DATA: a chunk of unread pipe data (<= CKPT_PIPE_CHUNK). */
struct ckpt_hdr_pipe_data {
	struct ckpt_hdr h;
	/* followed by the bytes */
};

/* --- unix --- */
#define CKPT_UNIX_SKBS_MAX	65536		/* messages queued on one socket */
#define CKPT_UNIX_SKB_MAX	(4 << 20)	/* bytes of one queued message */
#define CKPT_UNIX_QUEUE_MAX	(64 << 20)	/* bytes queued on one socket */
#define CKPT_UNIX_SKB_FDS_MAX	253		/* files in flight in one message (SCM_MAX_FD) */
#define CKPT_UNIX_INFLIGHT_MAX	65536		/* files in flight in the queues of a tree */

/* CKPT_HDR_UNIX: flags */
#define CKPT_UNIX_SHUT_RD	0x1	/* shutdown(SHUT_RD) seen (RCV_SHUTDOWN) */
#define CKPT_UNIX_SHUT_WR	0x2	/* shutdown(SHUT_WR) seen (SEND_SHUTDOWN) */
#define CKPT_UNIX_PASSCRED	0x4	/* SO_PASSCRED */
#define CKPT_UNIX_SNDBUF_SET	0x8	/* SO_SNDBUF was set: sndbuf is restored */
#define CKPT_UNIX_RCVBUF_SET	0x10	/* SO_RCVBUF was set: rcvbuf is restored */
#define CKPT_UNIX_LISTEN	0x20	/* listening (its waiting connections: EMBRYOs after it) */
#define CKPT_UNIX_ONEWAY	0x40	/* dgram, connect()ed to peer_ref, not connected back */
#define CKPT_UNIX_SHARED_NAME	0x80	/* its name is its listener's (accept()), not its own */
#define CKPT_UNIX_CONNECTING	0x100	/* connect()ed, not accepted yet: peer_ref is an EMBRYO */
#define CKPT_UNIX_EMBRYO	0x200	/* a connection waiting on listener_ref, from peer_ref */
#define CKPT_UNIX_FLAGS		0x3ff

#define CKPT_UNIX_ADDR_MAX	108	/* bytes of sun_path */

/*
 * CKPT_HDR_UNIX: an AF_UNIX socket (an object, CKPT_OBJ_SOCK), written
 * before the FILE that opens it; followed by nr_skbs UNIX_SKB records, the
 * messages queued for it to read, oldest first, holding queued bytes,
 * after addr_len bytes of its name (an abstract one starts with a NUL, a
 * path name is absolute and ends with its NUL).  A connected pair is two
 * UNIX records naming each other by peer_ref (socketpair(), connect() and
 * accept(), or datagram sockets connected each to the other): the first
 * creates the pair, the second one follows later in the same FILES
 * section; each message of a pair's socket was sent by its peer.  A
 * socket's name is its own (bound or autobound, bound again at restart)
 * or, with CKPT_UNIX_SHARED_NAME, the name of the listener that accepted
 * it (set at restart, never bound).  A datagram socket connected one way
 * (CKPT_UNIX_ONEWAY) names by peer_ref an earlier UNIX record, a socket
 * bound to its own name, and has no messages.  An unconnected socket has
 * peer_ref 0, may be bound and listening; a bound unconnected datagram
 * socket may have messages, each sent by a socket without a name.
 *
 * A connection waiting in a listener's backlog: the connecting socket's
 * record (CKPT_UNIX_CONNECTING, its peer_ref the embryo's objref, no
 * message) comes first; after the listener's record, in the order
 * accept() would return them, one EMBRYO record per waiting connection
 * (listener_ref the listener, peer_ref the connecting socket, no name,
 * no LISTEN, PASSCRED, SNDBUF or RCVBUF) with the messages the connecting
 * socket sent it.  Restart connect()s the socket to the listener there.
 * An EMBRYO has no FILE.
 */
struct ckpt_hdr_unix {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 type;		/* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
	__u32 flags;		/* CKPT_UNIX_* */
	__u32 peer_ref;		/* objref of the peer's UNIX record, 0 if none */
	__u32 sndbuf;		/* SNDBUF_SET: what SO_SNDBUF reads, else 0 */
	__u32 rcvbuf;		/* RCVBUF_SET: what SO_RCVBUF reads, else 0 */
	__u32 nr_skbs;		/* <= CKPT_UNIX_SKBS_MAX */
	__u32 backlog;		/* LISTEN: the listen() backlog, else 0 */
	__u64 queued;		/* bytes of the messages, <= CKPT_UNIX_QUEUE_MAX */
	__u32 addr_len;		/* bytes of the name (sun_path), <= CKPT_UNIX_ADDR_MAX */
	__u32 listener_ref;	/* EMBRYO: objref of its listener's UNIX record, else 0 */
	/* followed by the name */
};

/* CKPT_HDR_UNIX_SKB: flags */
#define CKPT_UNIX_SKB_CREDS	0x1	/* carries SCM_CREDENTIALS (pid, uid, gid) */
#define CKPT_UNIX_SKB_FLAGS	0x1

/*
 * CKPT_HDR_UNIX_SKB: one queued message (a datagram, or a part of the
 * stream as it was sent), unread bytes only; followed by len bytes
 * (0 ..  CKPT_UNIX_SKB_MAX; a stream's are never empty).  The credentials
 * the sender attached: pid is its tgid at level 0 (0 if not visible),
 * uid and gid as seen in the checkpointer's user namespace; all 0 without
 * CKPT_UNIX_SKB_CREDS.  The data is followed by nr_fds objrefs (__u32) of
 * the files in flight with it (SCM_RIGHTS), in order: FILE records
 * written before this record.
 */
struct ckpt_hdr_unix_skb {
	struct ckpt_hdr h;
	__u32 len;
	__u32 flags;		/* CKPT_UNIX_SKB_* */
	__s32 pid;
	__u32 uid;
	__u32 gid;
	__u32 nr_fds;		/* <= CKPT_UNIX_SKB_FDS_MAX */
};

/* --- file locks --- */

#define CKPT_FILE_LOCKS_MAX	65536	/* FILE_LOCK records after one FILES */
#define CKPT_LOCK_EOF		0x7fffffffffffffffLL	/* end: to end of file */

/* CKPT_HDR_FILE_LOCK: kind, who owns the lock */
#define CKPT_LOCK_FLOCK		1	/* flock(): the open file description */
#define CKPT_LOCK_POSIX		2	/* fcntl(F_SETLK): the fd table (and pid) */
#define CKPT_LOCK_OFD		3	/* fcntl(F_OFD_SETLK): the open file description */
#define CKPT_LOCK_KIND_MAX	3

/* CKPT_HDR_FILE_LOCK: type */
#define CKPT_LOCK_READ		1	/* shared: F_RDLCK, LOCK_SH */
#define CKPT_LOCK_WRITE		2	/* exclusive: F_WRLCK, LOCK_EX */

/*
 * CKPT_HDR_FILE_LOCK: one lock held by the tree, after the last FD of a
 * FILES section (any number, <= CKPT_FILE_LOCKS_MAX), restored by the task
 * of that fd table once it is installed.  POSIX: a lock of this fd table,
 * taken through fd (whose FILE is file_ref) by the first task using the
 * table.  FLOCK and OFD: a lock of the FILE file_ref, in the FILES section
 * that defines that FILE (so once per FILE), fd one of its fds there.
 * No following data.
 */
struct ckpt_hdr_file_lock {
	struct ckpt_hdr h;
	__u32 file_ref;		/* objref of a FILE record of this section's FDs */
	__u32 fd;		/* an fd of this table holding that FILE */
	__u32 kind;		/* CKPT_LOCK_FLOCK, _POSIX, _OFD */
	__u32 type;		/* CKPT_LOCK_READ, _WRITE */
	__s64 start;		/* first byte, >= 0 (FLOCK: 0) */
	__s64 end;		/* last byte, >= start, or CKPT_LOCK_EOF (FLOCK: EOF) */
};

/* --- epoll --- */

#define CKPT_EPOLL_ITEMS_MAX	1048576	/* items of one epoll file */

/*
 * The EPOLL_ITEM events bits kcr carries (the values of EPOLLIN ...
 * EPOLLET): the mask an item holds, with the EPOLLERR | EPOLLHUP that
 * epoll_ctl() adds to every armed item.  A disarmed EPOLLONESHOT item
 * (it fired) holds only CKPT_EPOLL_PRIVATE bits, EPOLLONESHOT among them.
 */
#define CKPT_EPOLL_EVENTS	0xf00027ffU
#define CKPT_EPOLL_ERRHUP	0x00000018U	/* EPOLLERR | EPOLLHUP */
#define CKPT_EPOLL_PRIVATE	0xf0000000U	/* EXCLUSIVE WAKEUP ONESHOT ET */
#define CKPT_EPOLL_ONESHOT	0x40000000U

/*
 * CKPT_HDR_EPOLL: an epoll instance (the object of one FILE of kind
 * EPOLL), followed by nr_items EPOLL_ITEM records.  The FILEs of its
 * targets come before it.
 */
struct ckpt_hdr_epoll {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_items;		/* <= CKPT_EPOLL_ITEMS_MAX */
};

/*
 * CKPT_HDR_EPOLL_ITEM: one item of the interest list, in the kernel's
 * (file, fd) order: the target file and the fd number it was added
 * under (the pair is unique in one epoll), its events and data.
 */
struct ckpt_hdr_epoll_item {
	struct ckpt_hdr h;
	__u32 file_ref;		/* objref of the target's FILE */
	__u32 fd;		/* < CKPT_FDS_MAX */
	__u32 events;		/* CKPT_EPOLL_EVENTS bits, see above */
	__u32 pad;
	__u64 data;		/* epoll_event.data */
};

/* --- ghost files, memfd (INODE) --- */

/*
 * checkpoint flags, upper 32 bits: the largest deleted file or memfd whose
 * contents are saved, in KiB (0: CKPT_GHOST_LIMIT_DEFAULT); a larger one
 * is refused.  Not kept in the HEADER.
 */
#define CKPT_CHECKPOINT_GHOST_LIMIT(kib)	((__u64)(__u32)(kib) << 32)
#define CKPT_CHECKPOINT_GHOST_LIMIT_MASK	0xffffffff00000000ULL
#define CKPT_CHECKPOINT_GHOST_LIMIT_KIB(flags)	((__u32)((__u64)(flags) >> 32))
#define CKPT_GHOST_LIMIT_DEFAULT	(4ULL << 20)	/* bytes */

#define CKPT_INODE_SIZE_MAX	0x40000000000ULL	/* bytes: 2^32 KiB */
#define CKPT_INODE_CHUNK	65536		/* bytes in one INODE_DATA */
#define CKPT_INODE_NAME_MAX	256		/* bytes of name, NUL included */

/* CKPT_HDR_INODE: flags */
#define CKPT_INODE_MEMFD	0x1	/* a memfd (name "memfd:..."), seals valid */
#define CKPT_INODE_FLAGS	0x1

/*
 * CKPT_HDR_INODE: the inode of a deleted regular file or of a memfd (a
 * shared object, CKPT_OBJ_INODE), written before the first FILE (kind
 * GHOST) or VMA (kind INODE) that uses it; followed by the name (the
 * dentry's name: "memfd:<name>" for a memfd), then the path of the
 * directory it was deleted from (dir_len 0: none, a memfd or a file of the
 * kernel's internal tmpfs), then nr_chunks INODE_DATA records.
 */
struct ckpt_hdr_inode {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 flags;		/* CKPT_INODE_* */
	__u32 mode;		/* S_IFREG | permission bits (07777) */
	__u32 seals;		/* MEMFD: F_SEAL_* (F_GET_SEALS), else 0 */
	__u64 size;		/* i_size, <= CKPT_INODE_SIZE_MAX */
	__u32 nr_chunks;	/* INODE_DATA records that follow */
	__u16 name_len;		/* bytes of name, NUL included, 2..CKPT_INODE_NAME_MAX */
	__u16 dir_len;		/* bytes of dir path, NUL included, 0 or 2..CKPT_PATH_MAX */
};

/*
 * CKPT_HDR_INODE_DATA: bytes of the file at offset (ascending and not
 * overlapping, inside size; 1..CKPT_INODE_CHUNK of them).  What no chunk
 * covers reads as zeros (a hole).
 */
struct ckpt_hdr_inode_data {
	struct ckpt_hdr h;
	__u64 offset;
	/* followed by the bytes */
};

/* --- event fds: eventfd, signalfd, timerfd --- */

/*
 * CKPT_HDR_EVENTFD: an eventfd counter (object), written before the one
 * FILE (kind CKPT_FILE_EVENTFD, obj_ref = objref) that opens it.  Nothing
 * follows.
 */
struct ckpt_hdr_eventfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 flags;		/* CKPT_EVENTFD_SEMAPHORE */
	__u64 count;		/* the counter, < 2^64 - 1 */
};

#define CKPT_EVENTFD_SEMAPHORE	0x1	/* EFD_SEMAPHORE */
#define CKPT_EVENTFD_FLAGS	0x1

/*
 * CKPT_HDR_SIGNALFD: the signals a signalfd reads (object), written before
 * the one FILE (kind CKPT_FILE_SIGNALFD) that opens it.  The pending
 * signals are the tasks' own (SIGINFO records).  Nothing follows.
 */
struct ckpt_hdr_signalfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 pad;
	__u64 sigmask;		/* bit n - 1: signal n; never SIGKILL, SIGSTOP */
};

/*
 * CKPT_HDR_TIMERFD: a timerfd (object), written before the one FILE (kind
 * CKPT_FILE_TIMERFD) that opens it.  value_ns: 0 when disarmed; with
 * CKPT_TIMERFD_ABS (TFD_TIMER_ABSTIME on a CLOCK_REALTIME* clock) the
 * absolute CLOCK_REALTIME expiry; otherwise the time that was left at
 * checkpoint, re-armed from the restart (the time in between does not
 * count).  ticks: expirations not read yet, a read() after restart returns
 * them (and those since).  Nothing follows.
 */
struct ckpt_hdr_timerfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 clockid;		/* CLOCK_REALTIME, _MONOTONIC, _BOOTTIME, *_ALARM */
	__u32 settime_flags;	/* TFD_TIMER_ABSTIME 1, TFD_TIMER_CANCEL_ON_SET 2 */
	__u32 flags;		/* CKPT_TIMERFD_* */
	__u64 value_ns;		/* <= CKPT_TIMERFD_NS_MAX */
	__u64 interval_ns;	/* <= CKPT_TIMERFD_NS_MAX */
	__u64 ticks;		/* <= CKPT_TIMERFD_TICKS_MAX */
};

#define CKPT_TIMERFD_ABS	0x1	/* value_ns is an absolute expiry */
#define CKPT_TIMERFD_CANCELED	0x2	/* clock set, not read: next read ECANCELED */
#define CKPT_TIMERFD_FLAGS	0x3
#define CKPT_TIMERFD_SETTIME_FLAGS	0x3	/* TFD_TIMER_ABSTIME | _CANCEL_ON_SET */
#define CKPT_TIMERFD_NS_MAX	0x7fffffffffffffffULL	/* KTIME_MAX */
#define CKPT_TIMERFD_TICKS_MAX	0x7fffffffffffffffULL

/* --- inotify --- */
#define CKPT_INOTIFY_WATCHES_MAX 1048576	/* watches of one instance */
#define CKPT_INOTIFY_EVENTS_MAX	65536	/* queued events of one instance */
#define CKPT_INOTIFY_NAME_MAX	256	/* bytes of an event's name, NUL included */
#define CKPT_INOTIFY_WD_MAX	0x7fffffff	/* INT_MAX */

/*
 * A watch's mask as inotify keeps it: the events (IN_ACCESS ...
 * IN_MOVE_SELF, IN_ALL_EVENTS 0xfff), IN_EXCL_UNLINK 0x04000000 and
 * IN_ONESHOT 0x80000000.  IN_ONLYDIR, IN_DONT_FOLLOW, IN_MASK_ADD and
 * IN_MASK_CREATE only matter while inotify_add_watch() runs.
 */
#define CKPT_INOTIFY_WATCH_MASK	0x84000fffU
/*
 * A queued event's mask as read() returns it: IN_ALL_EVENTS, IN_UNMOUNT
 * 0x2000, IN_IGNORED 0x8000, IN_ISDIR 0x40000000; or IN_Q_OVERFLOW 0x4000
 * alone (the overflow event, wd -1, at most one).
 */
#define CKPT_INOTIFY_EVENT_MASK	0x4000afffU
#define CKPT_INOTIFY_OVERFLOW	0x00004000U

/*
 * CKPT_HDR_INOTIFY: an inotify instance (object CKPT_OBJ_EVENT), written
 * before the one FILE (kind CKPT_FILE_INOTIFY) that opens it; followed by
 * nr_events INOTIFY_EVENT records, the unread events, oldest first, then
 * nr_watches INOTIFY_WATCH records in strictly ascending wd order.
 * next_wd: where the next inotify_add_watch() starts looking for a free
 * wd (the kernel's idr cursor; INOTIFY_IOC_SETNEXTWD sets it).
 */
struct ckpt_hdr_inotify {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_watches;	/* <= CKPT_INOTIFY_WATCHES_MAX */
	__u32 nr_events;	/* <= CKPT_INOTIFY_EVENTS_MAX, come first */
	__s32 next_wd;		/* 1 .. CKPT_INOTIFY_WD_MAX */
};

/*
 * CKPT_HDR_INOTIFY_WATCH: one watch: its wd, its mask, and the watched
 * inode: its path from the checkpointer's root (the last component is
 * the inode itself, not followed if it is a symlink), its type and its
 * identity (restart refuses, ESTALE, a path that leads to another inode,
 * unless CKPT_RESTART_FORCE_FILES).  Followed by the path.
 */
struct ckpt_hdr_inotify_watch {
	struct ckpt_hdr h;
	__s32 wd;		/* 1 .. CKPT_INOTIFY_WD_MAX */
	__u32 mask;		/* CKPT_INOTIFY_WATCH_MASK bits */
	__u32 mode;		/* S_IFMT bits of the watched inode */
	__u16 path_len;		/* bytes of path, NUL included, 2..CKPT_PATH_MAX */
	__u16 pad;
	__u64 dev;		/* new_encode_dev() of the superblock's s_dev */
	__u64 ino;
	/* followed by path */
};

/*
 * CKPT_HDR_INOTIFY_EVENT: one unread event as read() returns it, its
 * name without the padding read() adds (name_len 0: none).  Followed by
 * the name.
 */
struct ckpt_hdr_inotify_event {
	struct ckpt_hdr h;
	__s32 wd;		/* 1 .. CKPT_INOTIFY_WD_MAX, -1 for the overflow event */
	__u32 mask;		/* CKPT_INOTIFY_EVENT_MASK bits, not 0 */
	__u32 cookie;		/* IN_MOVED_FROM / IN_MOVED_TO pairs */
	__u16 name_len;		/* bytes of name, NUL included: 0 or 2..CKPT_INOTIFY_NAME_MAX */
	__u16 pad;
	/* followed by the name */
};

/* --- timers --- */
#define CKPT_POSIX_TIMERS_MAX	65536	/* POSIX timers of one thread group */
#define CKPT_ITIMER_REAL	0	/* index in ckpt_hdr_itimers.it[] */
#define CKPT_ITIMER_VIRTUAL	1
#define CKPT_ITIMER_PROF	2

/* One setitimer() timer: both 0 when disarmed. */
struct ckpt_itimer {
	__u64 value_ns;		/* time left (of the clock's time), 0: disarmed */
	__u64 interval_ns;	/* reload value, 0 with value_ns 0 */
};

/*
 * CKPT_HDR_ITIMERS: the timers of a thread group (signal_struct), carried
 * by its leader after its SIGNAL record (its SIGINFOs); followed by
 * nr_posix POSIX_TIMER records in increasing id order.
 */
struct ckpt_hdr_itimers {
	struct ckpt_hdr h;
	struct ckpt_itimer it[3];	/* CKPT_ITIMER_REAL, VIRTUAL, PROF */
	__u32 nr_posix;		/* <= CKPT_POSIX_TIMERS_MAX */
	__u32 next_posix_id;	/* next id timer_create() tries, 0..INT_MAX */
	/*
	 * A periodic ITIMER_REAL that fired this long ago (<= KTIME_MAX) and
	 * waits for its SIGALRM to be dequeued to rearm (it[REAL]: value_ns
	 * 0, interval_ns set); else 0.
	 */
	__u64 real_passed_ns;
};

#define CKPT_PTIMER_EXPIRY	0x1	/* value_ns holds an expiry */
#define CKPT_PTIMER_ARMED	0x2	/* running: expires at value_ns */
#define CKPT_PTIMER_ABSTIME	0x4	/* value_ns is absolute CLOCK_REALTIME */
#define CKPT_PTIMER_QUEUED	0x8	/* its signal is queued (not dequeued yet) */
#define CKPT_PTIMER_FLAGS	0xf

/*
 * CKPT_HDR_POSIX_TIMER: one timer_create() timer.  value_ns is the time
 * left to the expiry (negative: passed, for a periodic timer waiting for
 * its queued signal to be dequeued) or, with ABSTIME, the absolute
 * CLOCK_REALTIME expiry; for CPU-time clocks the CPU time left.
 */
struct ckpt_hdr_posix_timer {
	struct ckpt_hdr h;
	__s32 id;		/* timer_t, 0..INT_MAX */
	__s32 clockid;		/* REALTIME, MONOTONIC, BOOTTIME, TAI, *_ALARM, */
				/* PROCESS/THREAD_CPUTIME_ID */
	__u32 notify;		/* sigev_notify: SIGNAL, NONE, THREAD, THREAD_ID */
	__u32 signo;		/* 1..64 (unless NONE) */
	__u64 sigval;		/* sigev_value */
	__s32 tid;		/* THREAD_ID: the thread (TREE pid), else 0 */
	__u32 flags;		/* CKPT_PTIMER_* */
	__s64 value_ns;
	__u64 interval_ns;
	__s64 overrun;		/* overruns since the last signal, -1 .. */
	__s64 overrun_last;	/* timer_getoverrun() */
	__s32 sig_overrun;	/* QUEUED: si_overrun of the queued signal */
	__s32 sig_private;	/* QUEUED: requeue_pending value it carries */
	__s32 requeue_pending;	/* the timer's generation counter */
	__u32 pad;
};

/* --- tty --- */
#define CKPT_TTY_NCCS		19	/* NCCS of struct termios */
#define CKPT_TTY_BUF		4096	/* N_TTY_BUF_SIZE: unread bytes per side */
#define CKPT_TTY_INDEX_MAX	1048576	/* NR_UNIX98_PTY_MAX: pts numbers */

/* One side's termios (struct ktermios), in CKPT_HDR_TTY. */
struct ckpt_tty_termios {
	__u32 c_iflag;
	__u32 c_oflag;
	__u32 c_cflag;
	__u32 c_lflag;
	__u32 c_ispeed;
	__u32 c_ospeed;
	__u8 c_cc[CKPT_TTY_NCCS];
	__u8 c_line;		/* N_TTY (0) only */
	__u32 pad;
};

/* CKPT_HDR_TTY: flags */
#define CKPT_TTY_LOCKED		0x1	/* slave locked (no unlockpt yet) */
#define CKPT_TTY_PACKET		0x2	/* master in packet mode (TIOCPKT) */
#define CKPT_TTY_SLAVE_CLOSED	0x4	/* every slave file was closed */
#define CKPT_TTY_FLAGS		0x7

/*
 * CKPT_HDR_TTY: a Unix98 pty pair (shared object), written before the
 * first FILE of either side; followed by two TTY_DATA records, side 0 then
 * side 1.  session and fg_pgrp are TREE positions + 1 (0: none): the
 * session leader whose controlling terminal the slave is, and a task of
 * its foreground process group.
 */
struct ckpt_hdr_tty {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 index;		/* N of /dev/pts/N, < CKPT_TTY_INDEX_MAX */
	__u32 flags;		/* CKPT_TTY_* */
	__u32 session;
	__u32 fg_pgrp;
	__u32 pktstatus;	/* packet mode: pending TIOCPKT_* bits (< 256) */
	__u16 ws_row;		/* window size (struct winsize) */
	__u16 ws_col;
	__u16 ws_xpixel;
	__u16 ws_ypixel;
	struct ckpt_tty_termios termios[2];	/* [0] slave, [1] master */
};

/*
 * CKPT_HDR_TTY_DATA: the unread input of one side's line discipline
 * (n_tty), followed by len bytes.  Side 0 is the slave's input (what the
 * master wrote), side 1 the master's (what the slave wrote).  In canonical
 * mode, canon_len bytes are complete lines, and bit i of eol (byte i / 8,
 * bit i % 8) says that byte i ends a line; otherwise both are zero.
 */
struct ckpt_hdr_tty_data {
	struct ckpt_hdr h;
	__u32 side;
	__u32 len;		/* 0 .. CKPT_TTY_BUF */
	__u32 canon_len;	/* <= len */
	__u32 pad;
	__u8 eol[CKPT_TTY_BUF / 8];
};

/* CKPT_HDR_MM: the address space of one task; followed by nr_vmas VMAs. */
struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u64 start_code, end_code, start_data, end_data;
	__u64 start_brk, brk, start_stack;
	__u64 arg_start, arg_end, env_start, env_end;
	__u64 vdso;		/* address of the vdso text, 0 if none */
	__u32 objref;		/* mm_ref of the TREE entries that share it */
	__u32 flags;		/* CKPT_MM_* */
	__u32 nr_vmas;
	__u32 auxv_words;	/* number of __u64 in auxv, <= CKPT_AUXV_WORDS */
	__u64 auxv[CKPT_AUXV_WORDS];
	__u16 exe_len;		/* bytes of exe path, NUL included, 0 if none */
	__u16 pad[3];
	struct ckpt_file_id exe_id;	/* the exe file, 0 if none */
	__u32 coredump_filter;	/* /proc/PID/coredump_filter bits (9 bits) */
	__u32 membarrier;	/* CKPT_MEMBARRIER_*: membarrier() registrations */
	/* followed by exe path */
};

/* CKPT_HDR_MM: flags */
#define CKPT_MM_THP_DISABLE	0x1	/* PR_SET_THP_DISABLE */
#define CKPT_MM_MCL_FUTURE	0x2	/* mlockall(MCL_FUTURE) */
#define CKPT_MM_MCL_ONFAULT	0x4	/* mlockall(MCL_FUTURE | MCL_ONFAULT) */
#define CKPT_MM_FLAGS		0x7

/*
 * CKPT_HDR_MM: membarrier, the registrations of the address space (the
 * kernel's MEMBARRIER_STATE_* bits): each command's READY bit with the
 * state bit it goes with, both or neither; PRIVATE_EXPEDITED without its
 * READY bit only with SYNC_CORE or RSEQ (their registration sets it).
 * Checkpoint refuses a state with other bits.
 */
#define CKPT_MEMBARRIER_PRIVATE_EXPEDITED_READY		0x01
#define CKPT_MEMBARRIER_PRIVATE_EXPEDITED		0x02
#define CKPT_MEMBARRIER_GLOBAL_EXPEDITED_READY		0x04
#define CKPT_MEMBARRIER_GLOBAL_EXPEDITED		0x08
#define CKPT_MEMBARRIER_SYNC_CORE_READY			0x10
#define CKPT_MEMBARRIER_SYNC_CORE			0x20
#define CKPT_MEMBARRIER_RSEQ_READY			0x40
#define CKPT_MEMBARRIER_RSEQ				0x80
#define CKPT_MEMBARRIER_KNOWN				0xff

enum ckpt_vma_kind {
	CKPT_VMA_ANON		= 1,	/* private anonymous (incl. heap, stack) */
	CKPT_VMA_FILE		= 2,	/* file mapping, private or shared */
	CKPT_VMA_SHMEM		= 3,	/* shared anonymous memory */
	CKPT_VMA_VDSO		= 4,
	CKPT_VMA_VVAR		= 5,
	CKPT_VMA_SYSV_SHM	= 6,	/* a SysV shm attachment (shmat) */
	CKPT_VMA_INODE		= 7,	/* a deleted file or memfd: an INODE object */
	CKPT_VMA_KIND_MAX	= 7,
};

/* vm_flags bits kcr carries (values of the kernel's VM_*). */
#define CKPT_VM_READ		0x00000001
#define CKPT_VM_WRITE		0x00000002
#define CKPT_VM_EXEC		0x00000004
#define CKPT_VM_SHARED		0x00000008
#define CKPT_VM_MAYREAD		0x00000010
#define CKPT_VM_MAYWRITE	0x00000020
#define CKPT_VM_MAYEXEC		0x00000040
#define CKPT_VM_MAYSHARE	0x00000080
#define CKPT_VM_GROWSDOWN	0x00000100
#define CKPT_VM_LOCKED		0x00002000	/* mlock(), mlockall() */
#define CKPT_VM_SEQ_READ	0x00008000	/* MADV_SEQUENTIAL */
#define CKPT_VM_RAND_READ	0x00010000	/* MADV_RANDOM */
#define CKPT_VM_DONTCOPY	0x00020000	/* MADV_DONTFORK */
#define CKPT_VM_LOCKONFAULT	0x00080000	/* with LOCKED: MLOCK_ONFAULT */
#define CKPT_VM_NORESERVE	0x00200000	/* MAP_NORESERVE */
#define CKPT_VM_WIPEONFORK	0x02000000	/* MADV_WIPEONFORK */
#define CKPT_VM_DONTDUMP	0x04000000	/* MADV_DONTDUMP */
#define CKPT_VM_HUGEPAGE	0x20000000	/* MADV_HUGEPAGE */
#define CKPT_VM_NOHUGEPAGE	0x40000000	/* MADV_NOHUGEPAGE */

/*
 * CKPT_HDR_VMA: one mapping, followed by PAGES records holding nr_pages
 * pages in total (the pages that exist and differ from their backing).
 */
struct ckpt_hdr_vma {
	struct ckpt_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* in pages */
	__u64 vm_flags;		/* CKPT_VM_* */
	__u32 kind;		/* enum ckpt_vma_kind */
	/*
	 * SHMEM: objref of the shared memory object and its size in bytes.
	 * SYSV_SHM: objref of the attachment (one shmat(), shared by the
	 * VMAs it was split into and by fork) and the shmid (the pages are
	 * in the segment's IPC_SHM record: nr_pages is 0).
	 * INODE: objref of the INODE object (written before this VMA, in the
	 * FILES or right here in the MM), shm_size 0; pages as for FILE.
	 */
	__u32 shm_ref;
	__u64 shm_size;
	__u64 nr_pages;
	__u16 path_len;		/* FILE: bytes of path, NUL included */
	__u16 pad[3];
	struct ckpt_file_id file_id;	/* FILE: the mapped file, else 0 */
	/* followed by path */
};

/*
 * CKPT_HDR_PAGES: nr_pages (1..CKPT_PAGES_MAX) page addresses (__u64,
 * ascending, inside the current VMA), then nr_pages pages of data.
 * For a SHMEM VMA the "addresses" are byte offsets in the shared memory
 * object (ascending, below shm_size): the pages of an object are written
 * once, after the first VMA that meets it, whatever part of the object
 * that VMA maps; later VMAs of the same shm_ref have nr_pages 0.
 */
struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u32 nr_pages;
	__u32 pad;
};

#define CKPT_NSIG		64

struct ckpt_sigaction {
	__u64 handler;		/* SIG_DFL 0, SIG_IGN 1, or a user address */
	__u64 flags;		/* SA_* */
	__u64 restorer;
	__u64 mask;
};

/* CKPT_HDR_SIGHAND: actions of signals 1..64 (index sig - 1). */
struct ckpt_hdr_sighand {
	struct ckpt_hdr h;
	__u32 objref;		/* sighand_ref of the TREE entries that share it */
	__u32 pad;
	struct ckpt_sigaction action[CKPT_NSIG];
};

/*
 * CKPT_HDR_SIGNAL: per-thread signal state; followed by nr_pending SIGINFO.
 * The thread group's shared queue (shared_pending, SIGINFO with
 * CKPT_SIGINFO_SHARED) is carried by the thread group leader only: it is
 * 0 / absent in the other threads' records.
 */
struct ckpt_hdr_signal {
	struct ckpt_hdr h;
	__u64 blocked;
	__u64 pending;		/* bits pending for the task */
	__u64 shared_pending;	/* bits pending for the thread group */
	__u64 sas_ss_sp;
	__u64 sas_ss_size;
	__u32 sas_ss_flags;	/* SS_AUTODISARM or 0 */
	__u32 nr_pending;
};

#define CKPT_SIGINFO_SHARED	0x1	/* queued for the thread group */

/* CKPT_HDR_SIGINFO: one queued signal, with its siginfo as user space sees it. */
struct ckpt_hdr_siginfo {
	struct ckpt_hdr h;
	__u32 flags;		/* CKPT_SIGINFO_* */
	__u32 pad;
	__u8 info[128];		/* siginfo_t */
};

/* Why the task was in the kernel when it was frozen (CPU record). */
enum ckpt_syscall_state {
	CKPT_SYSCALL_NONE	= 0,	/* regs are clean user state */
	CKPT_SYSCALL_RESTART	= 1,	/* re-execute the syscall: ip and ax already rewound */
	CKPT_SYSCALL_NANOSLEEP	= 2,	/* resume an interrupted relative sleep */
	CKPT_SYSCALL_EINTR	= 3,	/* interrupted, can not resume: returns -EINTR */
	CKPT_SYSCALL_STATE_MAX	= 3,
};

/* CKPT_HDR_CPU: x86_64 user registers (the layout of user_regs_struct). */
struct ckpt_hdr_cpu {
	struct ckpt_hdr h;
	__u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__u64 ip, cs, flags, sp, ss, fs_base, gs_base;
	__u64 ds, es, fs, gs;
	__u32 syscall_state;	/* enum ckpt_syscall_state */
	__s32 clockid;		/* NANOSLEEP: clock of the sleep */
	__u64 sleep_remaining_ns; /* NANOSLEEP: time left at checkpoint */
	__u64 sleep_rmtp;	/* NANOSLEEP: user pointer for the remaining time */
	__u32 sleep_rmtp_type;	/* NANOSLEEP: 0 none, 1 native timespec */
	__u32 pad;
};

/* CKPT_HDR_FPU: the XSAVE image as PTRACE_GETREGSET NT_X86_XSTATE gives it. */
struct ckpt_hdr_fpu {
	struct ckpt_hdr h;
	__u32 size;		/* bytes of xstate that follow, <= CKPT_XSTATE_MAX */
	__u32 pad;
	__u64 xfeatures;	/* features enabled for user state at checkpoint */
	/* followed by the xstate buffer */
};

/*
 * SysV IPC.  The objects are written by the root (TREE entry 0), after its
 * FILES: every task of the tree is in the root's IPC namespace, and every
 * object must exist before any task attaches a segment (VMA SYSV_SHM) or
 * restores an undo list (SEM_UNDO).  Pids in IPC records (cpid, lpid,
 * sempid...) are seen at level 0, like the TREE's; 0 when not visible.
 * Ids (uid...) are seen in the checkpointer's user namespace, like CREDS'.
 */

/* CKPT_HDR_IPC_NS: flags */
#define CKPT_IPC_NS_PRIVATE	0x1	/* the tree's own namespace, saved whole */
#define CKPT_IPC_NS_ALL		0x2	/* every object saved (PRIVATE or --ipc) */
#define CKPT_IPC_NS_FLAGS	0x3

/*
 * CKPT_HDR_IPC_NS: the objects of the IPC namespace the tree uses; followed
 * by nr_objects IPC_SHM, IPC_MSQ and IPC_SEM records (each with its own
 * following records).  Absent when the namespace is not private, the image
 * holds no object and --ipc was not given.  The limits (the kernel.sem,
 * msg*, shm* sysctls) are restored into a fresh namespace only.
 */
struct ckpt_hdr_ipc_ns {
	struct ckpt_hdr h;
	__u32 flags;		/* CKPT_IPC_NS_* */
	__u32 nr_objects;	/* <= CKPT_IPC_OBJECTS_MAX */
	__u32 sem_ctls[4];	/* semmsl, semmns, semopm, semmni */
	__u32 msg_ctlmax;
	__u32 msg_ctlmnb;
	__u32 msg_ctlmni;
	__u32 shm_ctlmni;
	__u64 shm_ctlmax;
	__u64 shm_ctlall;
	__u32 shm_rmid_forced;
	__u32 pad;
};

/* The kern_ipc_perm of an object. */
struct ckpt_ipc_perm {
	__s32 id;		/* shmid, msqid or semid */
	__s32 key;		/* IPC_PRIVATE (0) for a removed segment */
	__u32 uid, gid;		/* owner */
	__u32 cuid, cgid;	/* creator */
	__u32 mode;		/* the permission bits (0777); shm state is in flags */
	__u32 pad;
};

/* CKPT_HDR_IPC_SHM: flags */
#define CKPT_SHM_DEST		0x1	/* IPC_RMID'd, still attached */
#define CKPT_SHM_LOCKED		0x2	/* SHM_LOCK */
#define CKPT_SHM_FLAGS		0x3

/*
 * CKPT_HDR_IPC_SHM: a shared memory segment; followed by PAGES records
 * holding nr_pages pages whose "addresses" are byte offsets in the segment
 * (ascending, below size), as for a SHMEM VMA.  nattch is for information:
 * the restored count is that of the restored attachments.
 */
struct ckpt_hdr_ipc_shm {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__u64 size;		/* bytes, as given to shmget */
	__s64 atime, dtime, ctime;
	__s32 cpid, lpid;
	__u32 nattch;
	__u32 flags;		/* CKPT_SHM_* */
	__u64 nr_pages;
};

/*
 * CKPT_HDR_IPC_MSQ: a message queue; followed by nr_msgs IPC_MSG records,
 * oldest first, whose sizes add up to cbytes.
 */
struct ckpt_hdr_ipc_msq {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__u64 qbytes;		/* msg_qbytes */
	__u64 cbytes;		/* bytes queued */
	__s64 stime, rtime, ctime;
	__s32 lspid, lrpid;
	__u32 nr_msgs;		/* <= CKPT_MSG_COUNT_MAX */
	__u32 pad;
};

/* CKPT_HDR_IPC_MSG: one queued message; followed by size bytes of text. */
struct ckpt_hdr_ipc_msg {
	struct ckpt_hdr h;
	__s64 mtype;		/* > 0 */
	__u32 size;		/* <= CKPT_MSG_SIZE_MAX */
	__u32 pad;
};

/* One semaphore of an IPC_SEM record. */
struct ckpt_ipc_semval {
	__s32 semval;		/* 0 .. SEMVMX */
	__s32 sempid;		/* pid of the last semop, level 0 */
};

/* CKPT_HDR_IPC_SEM: a semaphore array; followed by nsems ckpt_ipc_semval. */
struct ckpt_hdr_ipc_sem {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__s64 otime, ctime;
	__u32 nsems;		/* 1 .. CKPT_SEM_NSEMS_MAX */
	__u32 pad;
};

/*
 * CKPT_HDR_SEM_UNDO: the SEM_UNDO adjustments of the tasks whose TREE entry
 * has this sysvsem_ref, written by the first of them; followed by nr_undos
 * SEM_ADJ records, one per array (ascending semid, each at most once).
 */
struct ckpt_hdr_sem_undo {
	struct ckpt_hdr h;
	__u32 objref;		/* sysvsem_ref */
	__u32 nr_undos;		/* <= CKPT_SEM_UNDOS_MAX */
};

/*
 * CKPT_HDR_SEM_ADJ: the adjustments for one array, applied when the last
 * task using the undo list exits; followed by nsems __s16 (semadj, within
 * -SEMVMX..SEMVMX), padded to 8 bytes.  The array is one of the image's.
 */
struct ckpt_hdr_sem_adj {
	struct ckpt_hdr h;
	__s32 semid;
	__u32 nsems;		/* the array's, 1 .. CKPT_SEM_NSEMS_MAX */
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */
