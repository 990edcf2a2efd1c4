// SPDX-License-Identifier: GPL-2.0
/*
 * restart [-i FILE] [-l LOGFILE] [--no-pids] [--pidns|--no-pidns]
 *         [--ipcns|--no-ipcns] [--force-files] [--wait SECS] [-d] [-v]
 *         [--dry-run] [--probe]
 *
 * Restart the processes of an image (stdin by default).  "mktree" is the
 * same command (mktree-main.c); its name says what --dry-run shows.  The
 * only file it writes is LOGFILE: appended to (created 0644 if missing),
 * never truncated nor removed, and refused if it is the image FILE.
 *  1. read and validate the prefix (HEADER + TREE) with libkcr, keeping the
 *     raw bytes;
 *  2. plan the tree (mktree.c): who creates whom, sessions, groups,
 *     helpers; --dry-run prints the plan and stops there;
 *  2b. with --ipcns (the default when the image's root has NEWIPCNS, i.e.
 *     its IPC namespace was the tree's own and is saved whole, or for a
 *     container image): unshare(CLONE_NEWIPC) here, before anything else,
 *     so that the root and every task it creates are in a fresh IPC
 *     namespace, where the kernel recreates the IPC objects with their
 *     ids (a failure, e.g. without CAP_SYS_ADMIN, ends the tool at once;
 *     --no-ipcns keeps the tool's namespace);
 *  3. create the root (our child; with --pidns the init of a new pid
 *     namespace, the default for a container image); it and the other
 *     tasks build the rest of the tree, then enter restart().  Meanwhile we
 *     keep reading a piped input into a spool (memfd): the original tree
 *     may hold the saved pids until its checkpoint has been written whole
 *     ("checkpoint --kill PID | restart"), and mktree waits for them;
 *  4. feeder.c, a forked child outside the tree, writes the prefix, the
 *     spool and then the rest of the input into the image pipe the root's
 *     restart() reads, so the kernel reads the whole image from byte 0;
 *     a gzip or zlib compressed image (checkpoint -z, recognised by its
 *     magic) is inflated on the way, in bounded memory: the reader of
 *     step 1 inflates the prefix, the feeder goes on with its state, and
 *     the kernel always reads the plain image.  A corrupt or truncated
 *     compressed stream stops the feeder before the end of the image
 *     (the image's last bytes go out only after the stream's checksum
 *     was checked): the kernel sees a short image and fails, and the
 *     tool says first what was wrong with the compressed stream;
 *  5. we drain the kernel log pipe (to LOGFILE too) and watch the status
 *     pipe: a struct mktree_status there means mktree or restart() failed
 *     before the point of no return (or, stage WAITING, that a pid is
 *     taken); EOF plus the log line "restart done" means success; the root
 *     dying by SIGKILL with "restart failed: errno=N" in the log means a
 *     failure after the point of no return.
 * --force-files passes CKPT_RESTART_FORCE_FILES to restart(): the kernel
 * then reopens a saved path (open file, mapped file, exe) even when its
 * device, inode, size or mtime differ from the image's (struct
 * ckpt_file_id), e.g. a library upgraded since the checkpoint; without it
 * such a file makes restart fail with ESTALE, the path named in the log.
 * The type checks and the restored task's permission checks still apply.
 * Without -d we then wait for the restored root and exit with its status
 * (128+signal if killed); with -d we print its pid and exit 0.  A signal
 * to the tool before the restart completed kills the tasks.
 *
 * --probe (a debugging aid, and the host tests' way of checking the tree
 * building with the real clone3): build the tree, but instead of calling
 * restart() every task reports its pids, parent, session and group, which
 * are compared with the TREE; then everything is killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kcr.h"
#include "feeder.h"
#include "mktree.h"

#define LOG_KEEP	(1 << 20)	/* log text kept for messages */
#define DRAIN_MS	2000		/* waiting for the log after a failure */
#define EOF_GRACE_MS	500		/* pipes closed, no "restart done" */
#define PROBE_MS	10000		/* waiting for the probe reports */
#define SPOOL_CHUNK	(256 * 1024)
#define FEEDER_VERIFY_MS 10000		/* a failed restart of a compressed image */

int restart_main(int argc, char **argv, const char *prog);

static volatile int got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

struct opts {
	const char *input;
	const char *logfile;
	int no_pids;
	int force_files;
	int detach;
	int verbose;
	int pidns;		/* -1: as the image says */
	int ipcns;		/* -1: as the image says */
	int wait_secs;
	int dry_run;
	int probe;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-i FILE] [-l LOGFILE] [--no-pids] [--pidns|--no-pidns] [--wait SECS]\n"
		"       %*s [--ipcns|--no-ipcns] [--force-files] [-d] [-v] [--dry-run] [--probe]\n"
		"  -i, --input FILE    read the image from FILE (default: stdin); plain, or\n"
		"                      gzip or zlib compressed (recognised by its magic)\n"
		"  -l, --log LOGFILE   append the kernel's log to LOGFILE (never truncated)\n"
		"  -n, --no-pids       do not restore the saved pids\n"
		"  -p, --pidns         restart in a new pid namespace (the root is its pid 1);\n"
		"                      the default for a container image\n"
		"      --no-pidns      not in a new pid namespace, even for a container image\n"
		"      --ipcns         restart in a new IPC namespace (unshare(CLONE_NEWIPC) first,\n"
		"                      needs CAP_SYS_ADMIN); the default for a container image\n"
		"                      or an image whose root had an IPC namespace of its own\n"
		"      --no-ipcns      not in a new IPC namespace, even for those\n"
		"      --force-files   reopen saved files even if they changed since the\n"
		"                      checkpoint (device, inode, size or mtime differ)\n"
		"  -w, --wait SECS     wait up to SECS for a saved pid to be free (default 5)\n"
		"  -d, --detach        print the restored root's pid and exit once restored\n"
		"  -v, --verbose       print the kernel log on failure\n"
		"      --dry-run       print the plan of the tree (who creates whom) and exit\n"
		"      --probe         build the tree, check it against the image, kill it\n",
		prog, (int)strlen(prog), "");
}

static int parse_args(int argc, char **argv, struct opts *o, const char *prog)
{
	static const struct option lopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'l' },
		{ "no-pids", no_argument, NULL, 'n' },
		{ "pidns", no_argument, NULL, 'p' },
		{ "no-pidns", no_argument, NULL, 'P' },
		{ "ipcns", no_argument, NULL, 'I' },
		{ "no-ipcns", no_argument, NULL, 'J' },
		{ "force-files", no_argument, NULL, 'F' },
		{ "wait", required_argument, NULL, 'w' },
		{ "detach", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "probe", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->pidns = -1;
	o->ipcns = -1;
	o->wait_secs = 5;
	while ((c = getopt_long(argc, argv, "i:l:npw:dvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->input = optarg;
			break;
		case 'l':
			o->logfile = optarg;
			break;
		case 'n':
			o->no_pids = 1;
			break;
		case 'p':
			o->pidns = 1;
			break;
		case 'P':
			o->pidns = 0;
			break;
		case 'I':
			o->ipcns = 1;
			break;
		case 'J':
			o->ipcns = 0;
			break;
		case 'F':
			o->force_files = 1;
			break;
		case 'w':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 86400) {
				fprintf(stderr, "%s: invalid --wait \"%s\" (seconds, 0..86400)\n",
					prog, optarg);
				return -1;
			}
			o->wait_secs = (int)v;
			break;
		case 'd':
			o->detach = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'D':
			o->dry_run = 1;
			break;
		case 'X':
			o->probe = 1;
			break;
		case 'h':
			usage(stdout, prog);
			exit(0);
		default:
			usage(stderr, prog);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr, prog);
		return -1;
	}
	return 0;
}

/* Everything the event loop tracks. */
struct run {
	struct opts o;
	const char *prog;
	struct mktree_plan plan;
	struct mktree mt;
	int log_rd, status_rd, ready_rd, probe_rd, logfile_fd;
	int log_eof, status_eof, ready_eof;
	int in_fd, spool_fd, spooling, in_eof;
	size_t spool_len;
	uint32_t ready;			/* ready bytes received */
	pid_t root, feeder;
	int root_exited, root_status;
	int feeder_exited, feeder_status;
	char *feeder_msg;		/* the feeder's reason (shared memory) */
	int compressed;			/* the input is gzip or zlib */
	int failed;			/* a failure record arrived */
	struct mktree_status st;
	size_t st_have;
	char *log;			/* kernel log text kept */
	size_t log_len;
	int done;			/* restart completed */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void log_append(struct run *r, const char *buf, size_t n)
{
	size_t drop;
	ssize_t w;

	if (r->logfile_fd >= 0) {
		const char *p = buf;
		size_t left = n;

		while (left) {
			w = write(r->logfile_fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			left -= (size_t)w;
		}
	}
	if (n > LOG_KEEP) {
		buf += n - LOG_KEEP;
		n = LOG_KEEP;
	}
	if (r->log_len + n > LOG_KEEP) {
		/* Keep the end of the log: the reasons come last. */
		drop = r->log_len + n - LOG_KEEP;
		memmove(r->log, r->log + drop, r->log_len - drop);
		r->log_len -= drop;
	}
	memcpy(r->log + r->log_len, buf, n);
	r->log_len += n;
	r->log[r->log_len] = '\0';
}

static void read_log(struct run *r)
{
	char buf[4096];
	ssize_t n = read(r->log_rd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->log_eof = 1;
		return;
	}
	log_append(r, buf, (size_t)n);
}

static void read_status(struct run *r)
{
	char msg[512];
	ssize_t n;

	if (r->failed) {		/* keep the first; drain the rest */
		struct mktree_status tmp;

		n = read(r->status_rd, &tmp, sizeof(tmp));
	} else {
		n = read(r->status_rd, (char *)&r->st + r->st_have,
			 sizeof(r->st) - r->st_have);
		if (n > 0) {
			r->st_have += (size_t)n;
			if (r->st_have == sizeof(r->st)) {
				r->st_have = 0;
				if (r->st.stage == MKTREE_STAGE_WAITING) {
					mktree_status_message(&r->mt, &r->st, msg, sizeof(msg));
					fprintf(stderr, "%s: %s\n", r->prog, msg);
				} else {
					r->failed = 1;
				}
			}
		}
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n == 0)
		r->status_eof = 1;
}

static void read_ready(struct run *r)
{
	char buf[256];
	ssize_t n = read(r->ready_rd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		r->ready_eof = 1;
	else
		r->ready += (uint32_t)n;
}

/* Spool piped input while the tree is built (see the top of this file). */
static int read_input(struct run *r)
{
	static char buf[SPOOL_CHUNK];
	ssize_t n = read(r->in_fd, buf, sizeof(buf)), w;
	size_t off = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0)
		return -1;
	if (n == 0) {
		r->in_eof = 1;
		return 0;
	}
	while (off < (size_t)n) {
		w = write(r->spool_fd, buf + off, (size_t)n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	r->spool_len += (size_t)n;
	return 0;
}

static void reap(struct run *r)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (pid == r->root) {
			r->root_exited = 1;
			r->root_status = status;
		} else if (pid == r->feeder) {
			r->feeder_exited = 1;
			r->feeder_status = status;
		}
	}
}

/* One round of poll over the pipes still open; timeout in ms; -1 on input error. */
static int pump(struct run *r, int timeout)
{
	struct pollfd pfd[4];
	int n = 0, i, ret = 0;

	if (!r->log_eof)
		pfd[n++] = (struct pollfd){ .fd = r->log_rd, .events = POLLIN };
	if (!r->status_eof)
		pfd[n++] = (struct pollfd){ .fd = r->status_rd, .events = POLLIN };
	if (!r->ready_eof && r->ready_rd >= 0)
		pfd[n++] = (struct pollfd){ .fd = r->ready_rd, .events = POLLIN };
	if (r->spooling && !r->in_eof)
		pfd[n++] = (struct pollfd){ .fd = r->in_fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n, timeout) > 0) {
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == r->log_rd)
				read_log(r);
			else if (pfd[i].fd == r->status_rd)
				read_status(r);
			else if (pfd[i].fd == r->ready_rd)
				read_ready(r);
			else if (read_input(r))
				ret = -1;
		}
	}
	reap(r);
	return ret;
}

/* After a failure: give the kernel a moment to finish its log. */
static void drain_log(struct run *r)
{
	long end = now_ms() + DRAIN_MS;

	while (!r->log_eof && now_ms() < end)
		pump(r, 50);
}

static void kill_everything(struct run *r)
{
	long end = now_ms() + FEEDER_VERIFY_MS;

	mktree_kill_all(&r->mt);
	/*
	 * A compressed image: the tree is gone, its image pipe closed; give
	 * the feeder a moment to check the rest of the stream (feeder.c),
	 * which tells a corrupt stream from a bad image.  Not after a
	 * signal, and only once.
	 */
	if (r->compressed && r->feeder > 0 && !got_signal) {
		r->compressed = 0;
		while (!r->feeder_exited && now_ms() < end && !got_signal)
			pump(r, 20);
	}
	if (r->feeder > 0 && !r->feeder_exited)
		kill(r->feeder, SIGKILL);
}

static void print_log(const struct run *r)
{
	if (!r->log_len)
		return;
	fprintf(stderr, "%s: kernel log:\n", r->prog);
	fwrite(r->log, 1, r->log_len, stderr);
	if (r->log[r->log_len - 1] != '\n')
		fputc('\n', stderr);
}

static int fail_exit(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Kill what was created, print "restart: ...", return 1. */
static int fail_exit(struct run *r, const char *fmt, ...)
{
	va_list ap;

	int status;
	pid_t pid;

	kill_everything(r);
	drain_log(r);
	while ((pid = waitpid(-1, &status, __WALL)) > 0 || errno == EINTR) {
		if (pid > 0 && pid == r->feeder) {
			r->feeder_exited = 1;
			r->feeder_status = status;
		}
	}
	/*
	 * The feeder's reason first (a corrupt or truncated compressed
	 * image): what the kernel then says only follows from it.
	 */
	if (r->feeder_exited && WIFEXITED(r->feeder_status) &&
	    WEXITSTATUS(r->feeder_status) != FEEDER_OK && r->feeder_msg &&
	    r->feeder_msg[0])
		fprintf(stderr, "%s: %.*s\n", r->prog, FEEDER_MSG_MAX, r->feeder_msg);
	fprintf(stderr, "%s: ", r->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (r->o.verbose)
		print_log(r);
	return 1;
}

static int report_status_failure(struct run *r)
{
	char reason[512], msg[600];
	int err = r->st.err;

	kill_everything(r);
	drain_log(r);
	if (r->st.stage != MKTREE_STAGE_RESTART) {
		mktree_status_message(&r->mt, &r->st, msg, sizeof(msg));
		return fail_exit(r, "%s", msg);
	}
	if (err == ENOSYS)
		return fail_exit(r, "%s: this kernel has no restart system call (%d)",
				 strerror(err), __NR_restart);
	if (kcr_log_reason(r->log, r->log_len, reason, sizeof(reason)))
		snprintf(reason, sizeof(reason), "no reason in the kernel log");
	return fail_exit(r, "%s: %s", strerror(err), reason);
}

static int report_root_death(struct run *r)
{
	char reason[512];
	int err, st = r->root_status;

	kill_everything(r);
	drain_log(r);
	if (r->failed)
		return report_status_failure(r);
	err = kcr_log_restart_failed(r->log, r->log_len, reason, sizeof(reason));
	if (err > 0)
		return fail_exit(r, "%s: %s", strerror(err), reason);
	if (kcr_log_reason(r->log, r->log_len, reason, sizeof(reason)))
		snprintf(reason, sizeof(reason), "no reason in the kernel log");
	if (WIFSIGNALED(st))
		return fail_exit(r, "the restored root was killed by signal %d before the restart completed: %s",
				 WTERMSIG(st), reason);
	return fail_exit(r, "the restored root exited with status %d before the restart completed: %s",
			 WEXITSTATUS(st), reason);
}

/*
 * One round of waiting: pump the pipes, then the exit status of the tool
 * if the restart failed or we were interrupted, -1 to go on.
 */
static int pump_check(struct run *r, int timeout)
{
	if (pump(r, timeout))
		return fail_exit(r, "reading the image: %s", strerror(errno));
	if (r->failed)
		return report_status_failure(r);
	if (r->root_exited) {
		/*
		 * A restored program may run and exit before we saw the end
		 * of the log: with "restart done" there and no failure, the
		 * restart completed.
		 */
		char reason[64];

		drain_log(r);
		if (!r->failed && kcr_log_restart_done(r->log, r->log_len) &&
		    kcr_log_restart_failed(r->log, r->log_len, reason,
					   sizeof(reason)) <= 0) {
			r->done = 1;
			return -1;
		}
		return report_root_death(r);
	}
	if (got_signal)
		return fail_exit(r, "interrupted by signal %d", got_signal);
	return -1;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/*
 * Whether the tree goes into a new IPC namespace, and why: --ipcns, or by
 * default the image's root had one of its own (NEWIPCNS: the kernel
 * restores it whole, into an empty namespace that is not the initial one)
 * or it is a container image.
 */
static int want_ipcns(const struct opts *o, const struct kcr_reader *rd,
		      const char **why)
{
	*why = "--ipcns";
	if (o->ipcns >= 0)
		return o->ipcns;
	if (rd->tasks[0].flags & CKPT_TASK_NEWIPCNS) {
		*why = "the default: the image's root had an IPC namespace of its own, NEWIPCNS";
		return 1;
	}
	if (rd->header.flags & CKPT_CHECKPOINT_CONTAINER) {
		*why = "the default for a container image";
		return 1;
	}
	*why = NULL;
	return 0;
}

/* mktree --dry-run: where the IPC objects go (nothing when nothing changes). */
static void print_ipcns(const struct opts *o, const struct kcr_reader *rd,
			int ipcns, const char *why, FILE *f)
{
	if (ipcns)
		fprintf(f, "ipc: the tool first unshares CLONE_NEWIPC: the tree is restored in a new IPC namespace (%s)\n",
			why);
	else if (rd->tasks[0].flags & CKPT_TASK_NEWIPCNS)
		fprintf(f, "ipc: the tree stays in the tool's IPC namespace (--no-ipcns), although the image's root had one of its own (NEWIPCNS): the kernel accepts that only if the namespace is empty and not the initial one\n");
	else if (!o->ipcns)
		fprintf(f, "ipc: the tree stays in the tool's IPC namespace (--no-ipcns)\n");
}

/*
 * unshare(CLONE_NEWIPC) in the tool, before the tree is created: the root
 * and every task it creates inherit the new namespace.  0, or -1 after
 * saying why.
 */
static int enter_new_ipcns(const char *prog, const char *why)
{
	int err;

	if (!unshare(CLONE_NEWIPC))
		return 0;
	err = errno;
	fprintf(stderr, "%s: cannot restart in a new IPC namespace (%s): unshare(CLONE_NEWIPC): %s%s%s\n",
		prog, why, strerror(err),
		err == EPERM ? " (it needs CAP_SYS_ADMIN)" : "",
		strcmp(why, "--ipcns") ?
		"; --no-ipcns restarts in the tool's IPC namespace" : "");
	return -1;
}

static int open_input(const struct opts *o, const char *prog)
{
	int fd;

	if (!o->input) {
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, "%s: refusing to read an image from a terminal (use -i FILE or redirect stdin)\n",
				prog);
			return -1;
		}
		return STDIN_FILENO;
	}
	fd = open(o->input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "%s: %s: %s\n", prog, o->input, strerror(errno));
	return fd;
}

/* The root, waiting (reading the input meanwhile) while its pid is taken. */
static int spawn_root(struct run *r)
{
	pid_t want = r->plan.tasks[0].pid;
	long deadline = 0;
	char msg[512];
	int rc;

	for (;;) {
		r->root = mktree_spawn_root(&r->mt);
		if (r->root > 0)
			return -1;
		if (errno != EEXIST || r->o.no_pids || r->o.wait_secs <= 0 ||
		    (deadline && now_ms() >= deadline)) {
			mktree_create_error(msg, sizeof(msg), want, errno, r->o.no_pids,
					    r->o.wait_secs);
			r->root = 0;
			return fail_exit(r, "%s", msg);
		}
		if (!deadline) {
			fprintf(stderr, "%s: pid %d is taken, waiting up to %d s\n",
				r->prog, (int)want, r->o.wait_secs);
			deadline = now_ms() + r->o.wait_secs * 1000L;
		}
		rc = pump_check(r, 20);
		if (rc >= 0)
			return rc;
	}
}

/* --probe: collect every task's report, compare with the TREE, kill all. */
static int probe(struct run *r)
{
	uint32_t want = mktree_probe_count(&r->plan), have = 0;
	struct mktree_probe_rec *recs;
	size_t got = 0, cap = (size_t)want * sizeof(*recs);
	long end = now_ms() + PROBE_MS;
	int bad, pidns = !!(r->plan.flags & MKTREE_PIDNS);
	ssize_t n;

	recs = calloc(want, sizeof(*recs));
	if (!recs)
		return fail_exit(r, "out of memory");
	while (have < want && now_ms() < end && !r->root_exited && !got_signal) {
		struct pollfd pfd = { .fd = r->probe_rd, .events = POLLIN };

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(r->probe_rd, (char *)recs + got, cap - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		have = (uint32_t)(got / sizeof(*recs));
	}
	bad = mktree_probe_verify(&r->mt, recs, have, pidns ? 0 : getsid(0),
				  pidns ? 0 : getpgrp(), stdout);
	if (have < want) {
		printf("probe: %u of %u reports\n", have, want);
		bad++;
	}
	if (!bad)
		printf("probe: %u tasks as in the image\n", want);
	fflush(stdout);
	free(recs);
	kill_everything(r);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
	return bad ? 1 : 0;
}

int restart_main(int argc, char **argv, const char *prog)
{
	int logp[2], statp[2], readyp[2], imgp[2], probep[2] = { -1, -1 };
	struct kcr_reader reader;
	const unsigned char *raw;
	struct sigaction sa;
	unsigned int pflags;
	long eof_since = 0;
	size_t raw_len;
	const char *ipc_why;
	struct stat stb;
	struct run r;
	int sig, rc, ipcns;

	memset(&r, 0, sizeof(r));
	r.prog = prog;
	r.logfile_fd = r.spool_fd = r.ready_rd = -1;
	if (parse_args(argc, argv, &r.o, prog))
		return 2;
	r.in_fd = open_input(&r.o, prog);
	if (r.in_fd < 0)
		return 1;

	/* 1. The prefix, validated, with its raw bytes. */
	kcr_reader_init_fd(&reader, r.in_fd);
	kcr_reader_keep_raw(&reader);
	if (kcr_reader_read_prefix(&reader)) {
		fprintf(stderr, "%s: offset %llu: %s\n", prog,
			(unsigned long long)reader.err_offset, reader.reason);
		return 1;
	}
	raw = kcr_reader_raw(&reader, &raw_len);

	/* 2. The plan. */
	if (r.o.pidns < 0)
		r.o.pidns = !!(reader.header.flags & CKPT_CHECKPOINT_CONTAINER);
	pflags = (r.o.no_pids ? MKTREE_NO_PIDS : 0) |
		 (r.o.force_files ? MKTREE_FORCE_FILES : 0) |
		 (r.o.pidns ? MKTREE_PIDNS : MKTREE_LIVE_OUTSIDE);
	if (mktree_plan_build(&r.plan, reader.tasks, reader.nr_tasks, pflags)) {
		fprintf(stderr, "%s: %s\n", prog, r.plan.err);
		return 1;
	}
	ipcns = want_ipcns(&r.o, &reader, &ipc_why);
	if (r.o.dry_run) {
		print_ipcns(&r.o, &reader, ipcns, ipc_why, stdout);
		mktree_plan_print(&r.plan, stdout);
		return fflush(stdout) ? 1 : 0;
	}
	/* 2b. Before anything is created: a failure changes nothing. */
	if (ipcns && enter_new_ipcns(prog, ipc_why))
		return 1;
	if (r.plan.warnings) {
		const char *w = r.plan.warnings, *nl;

		for (; (nl = strchr(w, '\n')); w = nl + 1)
			fprintf(stderr, "%s: warning: %.*s\n", prog, (int)(nl - w), w);
	}

	if (r.o.logfile) {
		struct stat lst;

		/* Appended to, never truncated: an existing log keeps its text. */
		r.logfile_fd = open(r.o.logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (r.logfile_fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, r.o.logfile, strerror(errno));
			return 1;
		}
		/* nor written into the image being read */
		if (!fstat(r.logfile_fd, &lst) && !fstat(r.in_fd, &stb) && S_ISREG(lst.st_mode) &&
		    S_ISREG(stb.st_mode) && lst.st_dev == stb.st_dev && lst.st_ino == stb.st_ino) {
			fprintf(stderr, "%s: %s: the log file is the image file\n", prog,
				r.o.logfile);
			return 1;
		}
	}
	r.log = malloc(LOG_KEEP + 1);
	if (!r.log || pipe2(logp, O_CLOEXEC) || pipe2(statp, O_CLOEXEC) ||
	    pipe2(readyp, O_CLOEXEC) || pipe2(imgp, O_CLOEXEC) ||
	    (r.o.probe && pipe2(probep, O_CLOEXEC))) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return 1;
	}
	/* A regular file does not block anybody: only pipes are spooled. */
	if (!fstat(r.in_fd, &stb) && !S_ISREG(stb.st_mode) && !r.o.probe) {
		r.spool_fd = memfd_create("kcr-restart-spool", MFD_CLOEXEC);
		if (r.spool_fd < 0) {
			fprintf(stderr, "%s: spool: %s\n", prog, strerror(errno));
			return 1;
		}
		r.spooling = 1;
	}
	r.log[0] = '\0';
	r.log_rd = logp[0];
	r.status_rd = statp[0];
	r.ready_rd = readyp[0];
	r.probe_rd = probep[0];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (r.o.probe)		/* the probed tasks come back to us to be reaped */
		prctl(PR_SET_CHILD_SUBREAPER, 1);

	/* 3. The tree. */
	if (mktree_init(&r.mt, &r.plan)) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return 1;
	}
	r.mt.flags = (r.o.no_pids ? CKPT_RESTART_NO_PIDS : 0) |
		     (r.o.force_files ? CKPT_RESTART_FORCE_FILES : 0);
	r.mt.wait_secs = r.o.wait_secs;
	r.mt.probe = r.o.probe;
	r.mt.prog = prog;
	r.mt.image_fd = imgp[0];
	r.mt.log_fd = logp[1];
	r.mt.status_fd = statp[1];
	r.mt.ready_fd = readyp[1];
	r.mt.probe_fd = probep[1];
	rc = spawn_root(&r);
	if (rc >= 0)
		return rc;
	close(imgp[0]);
	close(logp[1]);
	close(statp[1]);
	close(readyp[1]);
	if (probep[1] >= 0)
		close(probep[1]);

	while (r.ready < reader.nr_tasks + 1) {
		rc = pump_check(&r, 100);
		if (rc >= 0)
			return rc;
		if (r.ready_eof && r.ready < reader.nr_tasks + 1)
			return fail_exit(&r, "only %u of %u tasks were created",
					 r.ready > reader.nr_tasks ? reader.nr_tasks : r.ready,
					 reader.nr_tasks);
	}
	close(r.ready_rd);
	r.ready_rd = -1;
	if (r.o.probe)
		return probe(&r);

	/* 4. The feeder, created after the tree so it cannot take a saved pid. */
	r.spooling = 0;
	r.compressed = kcr_reader_compression(&reader, NULL) == KCR_Z_GZIP ||
		       kcr_reader_compression(&reader, NULL) == KCR_Z_ZLIB;
	r.feeder_msg = mmap(NULL, FEEDER_MSG_MAX, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r.feeder_msg == MAP_FAILED)
		r.feeder_msg = NULL;
	r.feeder = feeder_start(r.in_fd, imgp[1], raw, raw_len, reader.zin,
				r.spool_fd, r.spool_len, r.in_eof, r.feeder_msg);
	if (r.feeder < 0)
		return fail_exit(&r, "cannot start the image feeder: %s",
				 strerror(errno));
	close(imgp[1]);
	close(r.in_fd);
	if (r.spool_fd >= 0)
		close(r.spool_fd);
	kcr_reader_free(&reader);

	/* 5. Until the restart is complete, or failed. */
	while (!r.done) {
		rc = pump_check(&r, 100);
		if (rc >= 0)
			return rc;
		if (r.done)
			break;
		if (!r.status_eof)
			continue;
		if (kcr_log_restart_done(r.log, r.log_len)) {
			r.done = 1;
		} else if (r.log_eof) {
			/*
			 * Both pipes closed without "restart done": either the
			 * root is dying (its fds close before it is reaped) or
			 * the kernel did not log the line.  Give a dying root
			 * time to be reaped before calling it a success.
			 */
			if (!eof_since)
				eof_since = now_ms();
			else if (now_ms() - eof_since > EOF_GRACE_MS)
				r.done = 1;
		}
	}
	if (r.feeder_exited && WIFEXITED(r.feeder_status) &&
	    (WEXITSTATUS(r.feeder_status) == FEEDER_EREAD ||
	     WEXITSTATUS(r.feeder_status) == FEEDER_EDATA))
		fprintf(stderr, "%s: warning: the image feeder could not read all input%s%.*s\n",
			prog, r.feeder_msg && r.feeder_msg[0] ? ": " : "",
			FEEDER_MSG_MAX, r.feeder_msg ? r.feeder_msg : "");

	if (r.o.detach) {
		/*
		 * Keep reading the log until the kernel lets it go: a write
		 * to a pipe without readers would send SIGPIPE to a restored
		 * task.
		 */
		drain_log(&r);
		printf("%d\n", (int)r.root);
		fflush(stdout);
		return 0;
	}

	/* Wait for the restored root; a ctrl-c reached it too (same group). */
	got_signal = 0;
	while (!r.root_exited) {
		pump(&r, 200);
		sig = got_signal;
		got_signal = 0;
		if (sig == SIGTERM || sig == SIGHUP)
			kill(r.root, sig);
	}
	drain_log(&r);
	mktree_free(&r.mt);
	mktree_plan_free(&r.plan);
	free(r.log);
	return exit_code(r.root_status);
}

/*
 * The restart command.  Weak, because mktree-main.c links this file into
 * the mktree command with a main of its own.
 */
int main(int argc, char **argv) __attribute__((weak));
int main(int argc, char **argv)
{
	return restart_main(argc, argv, "restart");
}
