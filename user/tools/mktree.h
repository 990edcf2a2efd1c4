/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mktree: create the tasks of an image's TREE so that each can enter
 * restart().  mktree.c explains the algorithm; in short:
 *
 *   mktree_plan_build()  turns the TREE into a plan: nodes (the TREE's
 *                        tasks plus short-lived helper processes) and a
 *                        sequence of steps (create, setsid, setpgid, exit,
 *                        reap), each done by one node.  Pure computation:
 *                        the unit tests and "mktree --dry-run" use it alone.
 *   mktree_init()        prepares running a plan (shared memory, pipes).
 *   mktree_spawn_root()  the restart tool creates the root; the root and,
 *                        through it, every other node run their steps one
 *                        at a time in plan order, then every task enters
 *                        restart():
 *                          root:   restart(0, image_fd, flags, log_fd)
 *                          others: restart(root_pid, -1, flags, -1), or
 *                                  restart(root_pid, index, flags, -1)
 *                                  with CKPT_RESTART_NO_PIDS.
 *   mktree_run_self()    the same with the calling process as the root
 *                        (an init of a fresh pid namespace restarting its
 *                        own tree, see tests/guest/pidns_init.c).
 *
 * Progress and failures reach the tool through pipes: each task writes one
 * byte to the ready pipe when it exists and the node finishing the last
 * step one more; a task that fails writes a struct mktree_status to the
 * status pipe (its write end is close-on-exec and is closed by restart()
 * on success) and exits with 127.
 */
#ifndef KCR_MKTREE_H
#define KCR_MKTREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "kcr.h"

/* ---------------------------------------------------------------- plan */

/* mktree_plan_build() flags */
#define MKTREE_NO_PIDS	0x1	/* any pids; tasks pass their TREE index */
#define MKTREE_PIDNS	0x2	/* the root is created with CLONE_NEWPID */
#define MKTREE_SELF	0x4	/* the caller is the root (mktree_run_self) */
#define MKTREE_LIVE_OUTSIDE 0x8	/* a session or group id that is not the TREE's
				 * and names a live process belongs to a leader
				 * outside: the tool's (the TREE's level 0 is
				 * the caller's namespace) */
#define MKTREE_FORCE_FILES 0x10	/* restart() flags add CKPT_RESTART_FORCE_FILES
				 * (only shown by mktree_plan_print) */

enum mktree_kind {
	MKTREE_TASK = 1,	/* a process of the TREE (zombies included) */
	MKTREE_THREAD = 2,	/* a thread of the TREE (not a group leader) */
	MKTREE_HELPER = 3,	/* a short-lived process that is not in the TREE */
};

enum mktree_helper_kind {
	MKTREE_HELPER_SESSION = 1,	/* pid = a gone session leader's: setsid() */
	MKTREE_HELPER_GROUP = 2,	/* pid = a gone group leader's: setpgid(0, 0) */
	MKTREE_HELPER_ORPHAN = 3,	/* creates a task, exits: it is reparented */
};

#define MKTREE_NONE	(-1)	/* no node */
#define MKTREE_OUTSIDE	(-2)	/* the restart tool: its session, group, or it as creator */

struct mktree_node {
	int kind;		/* enum mktree_kind */
	int32_t index;		/* TREE index; -1 for a helper */
	int32_t creator;	/* node that calls clone3; MKTREE_OUTSIDE for the root */
	int32_t parent;		/* parent once created (the creator's parent with CLONE_PARENT) */
	int32_t create_step;	/* the step creating it; -1 for the root */
	uint64_t clone_flags;	/* CLONE_* given to clone3 */
	int32_t exit_signal;	/* clone3 exit_signal (0 with CLONE_PARENT or CLONE_THREAD) */
	uint32_t nr_levels;	/* pid namespace levels, from the restart's level 0 */
	int32_t pids[CKPT_PID_LEVELS_MAX];	/* level 0 first; 0: any (no pids) */
	int32_t ns;		/* its pid namespace (index in plan->ns) */
	int32_t setns;		/* CREATE: creator first enters the pid namespace of this node */
	int32_t session;	/* wanted session: node of its leader, or MKTREE_OUTSIDE */
	int32_t group;		/* wanted process group: node of its leader, or MKTREE_OUTSIDE */
	int32_t stands_for;	/* helper: the session or group id it recreates */
	int helper;		/* helper: enum mktree_helper_kind */
	int orphan;		/* created by an orphan helper: reparented at its exit */
	uint32_t free_levels;	/* levels (bits) whose pid the plan chose freely */
};

struct mktree_ns {
	int32_t init;		/* node of its init (pid 1); MKTREE_NONE for level 0 */
	int32_t parent;		/* parent namespace; -1 for level 0 */
	uint32_t level;
	uint32_t ref;		/* pidns_ref of its tasks (0: unknown) */
};

enum mktree_op {
	MKTREE_OP_CREATE = 1,	/* actor: clone3() target (target->clone_flags, pids, setns) */
	MKTREE_OP_SETSID,	/* actor: setsid() */
	MKTREE_OP_SETPGID,	/* actor: setpgid(target, pgid of group arg); 0s for itself */
	MKTREE_OP_EXIT,		/* actor (a helper): exit */
	MKTREE_OP_REAP,		/* actor: waitpid() of its child target (a helper) */
	MKTREE_OP_SETNS,	/* actor: setns(CLONE_NEWPID) into target's namespace,
				 * for its future children (as after unshare()) */
};

struct mktree_step {
	int op;			/* enum mktree_op */
	int32_t actor;		/* node that does it */
	int32_t target;		/* CREATE, SETPGID, REAP: the node concerned */
	int32_t arg;		/* SETPGID: the group's leader node or MKTREE_OUTSIDE */
};

struct mktree_plan {
	const struct ckpt_task_pids *tasks;	/* not owned */
	uint32_t nr_tasks;
	unsigned int flags;	/* MKTREE_* */
	struct mktree_node *nodes;	/* nodes[i] is TREE entry i for i < nr_tasks */
	uint32_t nr_nodes;
	struct mktree_ns *ns;		/* ns[0] is level 0, the root's */
	uint32_t nr_ns;
	struct mktree_step *steps;
	uint32_t nr_steps;
	int32_t *first_step;	/* per node: its first step, or -1 */
	int32_t *next_step;	/* per step: the actor's next step, or -1 */
	char *warnings;		/* "what cannot be restored exactly" lines, or NULL */
	int root_subreaper;	/* orphans must come back to the root (not an init) */
	int pid_max;		/* /proc/sys/kernel/pid_max when planned */
	char err[256];		/* why mktree_plan_build() failed */
	/* internal */
	uint32_t nodes_cap, steps_cap, ns_cap;
	size_t warnings_len;
	int32_t *used;		/* sorted (namespace, pid) pairs of planned pids */
	uint32_t nr_used, used_cap;
};

/* Whether a pid is in use in the caller's namespace (tests replace it). */
extern int (*mktree_pid_in_use)(pid_t pid);

/* Plan the creation of a TREE; 0, or -1 with plan->err. */
int mktree_plan_build(struct mktree_plan *plan, const struct ckpt_task_pids *tasks,
		      uint32_t nr, unsigned int flags);
void mktree_plan_free(struct mktree_plan *plan);
/* Print the plan for humans (mktree --dry-run). */
void mktree_plan_print(const struct mktree_plan *plan, FILE *f);
/* "[3] pid 12", "h1 (session 40)": a node's name in messages. */
void mktree_node_name(const struct mktree_plan *plan, int32_t node, char *buf,
		      size_t size);
/*
 * The set_tid array clone3 gets for a node (innermost namespace first: the
 * reverse of the TREE's pids[]); returns its size, 0 with --no-pids.
 */
uint32_t mktree_set_tid(const struct mktree_plan *plan, int32_t node,
			pid_t tids[CKPT_PID_LEVELS_MAX]);

/* ---------------------------------------------------------------- running */

enum mktree_stage {
	MKTREE_STAGE_CREATE = 1,	/* creating node `node` failed */
	MKTREE_STAGE_RESTART = 2,	/* restart() returned in TREE entry index */
	MKTREE_STAGE_STEP = 3,		/* a setsid/setpgid/setns/wait step failed */
	MKTREE_STAGE_WAITING = 4,	/* not a failure: pid is taken, waiting */
};

/* Written atomically (< PIPE_BUF) to the status pipe. */
struct mktree_status {
	int32_t stage;		/* enum mktree_stage */
	int32_t index;		/* TREE entry concerned, -1 for a helper */
	int32_t pid;		/* its saved pid (level 0) */
	int32_t err;		/* errno */
	int32_t node;		/* node concerned */
	int32_t op;		/* STEP: enum mktree_op of the failed step */
	int32_t step;		/* STEP: its number */
	int32_t secs;		/* WAITING: how long the creator waits */
};

/* What a task reports in probe mode instead of calling restart(). */
#define MKTREE_PROBE_MAX	16	/* NS* entries: /proc's namespace down */
struct mktree_probe_rec {
	int32_t index;		/* TREE index of the reporting process */
	int32_t thread;		/* 1: one of its other threads */
	int32_t nr;		/* entries in each ns* array */
	int32_t ppid;		/* PPid, in /proc's namespace */
	int32_t exit_signal;	/* from /proc/.../stat */
	int32_t pad;
	uint64_t ns_ino;	/* /proc/self/ns/pid */
	uint64_t ns_children_ino; /* /proc/self/ns/pid_for_children */
	int32_t nspid[MKTREE_PROBE_MAX];
	int32_t nstgid[MKTREE_PROBE_MAX];
	int32_t nspgid[MKTREE_PROBE_MAX];
	int32_t nssid[MKTREE_PROBE_MAX];
};

struct mktree_shared;

struct mktree {
	const struct mktree_plan *plan;
	unsigned long flags;	/* restart() flags */
	int wait_secs;		/* how long a creator waits for a taken pid */
	int probe;		/* report ids to probe_fd instead of restart() */
	int image_fd;		/* root: the image (read end of the image pipe) */
	int log_fd;		/* root: the log (write end of the log pipe), or -1 */
	int status_fd;		/* write end of the status pipe, or -1 */
	int ready_fd;		/* write end of the ready pipe, or -1 */
	int probe_fd;		/* probe mode: write end of the probe pipe */
	const char *prog;	/* prefix of the messages a task prints itself */
	struct mktree_shared *sh;	/* shared by every node */
	size_t sh_size;
	pid_t root;		/* the root, as the tool sees it */
};

int mktree_init(struct mktree *mt, const struct mktree_plan *plan);
void mktree_free(struct mktree *mt);
/*
 * Create the root (the whole tree follows); its pid, or -1 with errno
 * (EEXIST: its pid is taken, try again later: the caller waits, so that
 * it can keep reading its input meanwhile).
 */
pid_t mktree_spawn_root(struct mktree *mt);
/* Whether every step is done (the tree is complete). */
int mktree_complete(const struct mktree *mt);
/* The first failure recorded in shared memory, if any: 1 and *st. */
int mktree_failure(const struct mktree *mt, struct mktree_status *st);
/* SIGKILL every node created so far. */
void mktree_kill_all(const struct mktree *mt);
/* Explain a failure to create the task with saved pid `pid`. */
void mktree_create_error(char *buf, size_t size, pid_t pid, int err,
			 int no_pids, int wait_secs);
/* Explain any status record (failure or WAITING), with the node's name. */
void mktree_status_message(const struct mktree *mt, const struct mktree_status *st,
			   char *buf, size_t size);
/* Level-0 pid a node actually got (0 if not known). */
pid_t mktree_actual_pid(const struct mktree *mt, int32_t node);

/*
 * Probe mode: compare the records of every task (and thread) with the
 * TREE; print one line per difference to f and return their number.
 * tool_sid/tool_pgid: the tool's session and group (what "outside" means).
 */
int mktree_probe_verify(const struct mktree *mt, const struct mktree_probe_rec *recs,
			uint32_t nr, pid_t tool_sid, pid_t tool_pgid, FILE *f);
/* Expected probe records: processes + threads. */
uint32_t mktree_probe_count(const struct mktree_plan *plan);

/*
 * Read the HEADER and the TREE from fd without checking more than their
 * framing (the kernel checks everything again).  For programs that do not
 * link libkcr's reader (tests/guest/pidns_init.c).  *tasks is malloc'd.
 */
int mktree_read_prefix(int fd, struct ckpt_hdr_header *hdr,
		       struct ckpt_task_pids **tasks, uint32_t *nr,
		       char *err, size_t errsz);

/*
 * Restart an image in the calling process, which becomes TREE entry 0:
 * it creates the rest of the tree, then calls restart(0, image_fd, flags,
 * log_fd).  image_fd must be seekable (the kernel reads the image from
 * its first byte, and no feeder can run: the root may have no children
 * outside the tree).  The caller should be the init of a fresh pid
 * namespace for an image whose root has pid 1.  Returns only on failure:
 * -1 with a reason in err (every task created was killed).
 */
int mktree_run_self(int image_fd, unsigned long flags, int log_fd,
		    int wait_secs, char *err, size_t errsz);

/* Close every fd except those in keep[] (and none of 0..2 unless listed). */
void close_all_but(const int *keep, int n);

/*
 * The system call a thread makes to enter restart().  It runs on a small
 * stack without the C library (no errno, no TLS of its own): it must use
 * raw system calls only.  Returns the raw result (-errno on failure).
 * The fake kernel of the unit tests replaces it.
 */
extern long (*mktree_thread_restart)(long pid, long fd, unsigned long flags,
				     long logfd);

#endif /* KCR_MKTREE_H */
