// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint [-o FILE] [-z] [--level N] [--kill] [--container] [--ipc]
 *            [--ghost-limit SIZE] [-l LOGFILE] [-v] PID
 *
 * Freeze the whole process tree of PID with the cgroup v2 freezer
 * (freezer.c: every descendant, found again until no new one appears),
 * call checkpoint(PID, out, flags, logfd), then thaw it (or kill every
 * process of it with --kill) and put every process back into its cgroup.
 * --container passes CKPT_CHECKPOINT_CONTAINER: PID must be the init
 * (pid 1) of its pid namespace, and the namespace is saved as a whole
 * (the processes of the namespace are the init's subtree).  --ipc passes
 * CKPT_CHECKPOINT_IPC: every SysV IPC object of the tree's IPC namespace
 * is saved (message queues included), not only the segments the tree has
 * attached and the semaphore arrays of its undo lists; a tree with an IPC
 * namespace of its own is saved whole anyway.  The image goes
 * to stdout unless -o is given (never to a terminal).  The kernel log goes
 * to LOGFILE, or to a memory file whose text explains a failure.  A
 * failed checkpoint leaves the tasks running as before.
 *
 * -z (or --level N, 1..9, which implies it; -z alone is level 1) writes
 * the image as one gzip stream: the kernel writes the plain image into a
 * pipe, and a thread of the tool (compressor, below) reads it there and
 * writes it deflated to the output (FILE's temporary file, or stdout).
 * The kernel never compresses.  A failure of the compressor (a write
 * error, zlib's) closes the pipe, so the kernel's writes fail and the
 * checkpoint fails as with any write error; the tool says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kcr.h"
#include "freezer.h"

#define FREEZE_TIMEOUT_MS	10000
#define KILL_TIMEOUT_MS		10000
#define LOG_MAX			(1 << 20)

static volatile int interrupted;

/*
 * The temporary image file, while it is ours to remove: the signal
 * handler unlinks it (unlink() is async-signal-safe), and so does a
 * failure; the commit disarms it when it becomes FILE.  Both the main
 * flow and the handler change it only with the signals blocked or from
 * the handler itself.
 */
static char tmp_path[PATH_MAX + 32];
static volatile sig_atomic_t tmp_armed;

static const int caught[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	int saved = errno;

	if (!interrupted)
		interrupted = sig;
	if (tmp_armed) {
		tmp_armed = 0;
		unlink(tmp_path);
	}
	errno = saved;
}

/* Keep the handler out while tmp_armed changes hands. */
static void block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaddset(&set, caught[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: checkpoint [-o FILE] [-z] [--level N] [--kill] [--container] [--ipc]\n"
		"                  [--ghost-limit SIZE] [-l LOGFILE] [-v] PID\n"
		"  -o, --output FILE   write the image to FILE (default: stdout, not a tty); a\n"
		"                      regular FILE is replaced only by a complete image (a\n"
		"                      temporary .FILE.XXXXXX beside it is renamed over it),\n"
		"                      a device or FIFO is written in place; never removed\n"
		"  -z, --compress      write the image gzip-compressed (level 1 unless --level);\n"
		"                      restart and ckptinfo recognise it by its magic\n"
		"      --level N       compression level N, 1 (fastest) .. 9 (smallest); implies -z\n"
		"  -k, --kill          kill the tree after a successful checkpoint\n"
		"  -c, --container     PID is the init (pid 1) of a pid namespace: save\n"
		"                      the whole namespace (restart uses a new one)\n"
		"      --ipc           save every SysV IPC object of the tree's IPC namespace\n"
		"                      (message queues too), not only those the tree uses\n"
		"      --ghost-limit SIZE  save deleted files and memfds of\n"
		"                      up to SIZE bytes each (suffix K, M, G or T; default\n"
		"                      4M, at most 4T): a larger one is refused\n"
		"  -l, --log LOGFILE   append the kernel's log to LOGFILE (never truncated)\n"
		"  -v, --verbose       print the checkpoint id\n");
}

struct opts {
	const char *output;
	const char *logfile;
	int kill;
	int container;
	int ipc;
	uint32_t ghost_kib;	/* 0: the kernel's default */
	int level;		/* 0: not compressed, else the zlib level */
	int verbose;
	pid_t pid;
};

/* SIZE[K|M|G|T] in bytes, rounded up to KiB: 1 KiB .. 2^32 - 1 KiB. */
static int parse_ghost_limit(const char *s, uint32_t *kib)
{
	unsigned long long v, mult = 1, k;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k': mult = 1ULL << 10; end++; break;
	case 'M': case 'm': mult = 1ULL << 20; end++; break;
	case 'G': case 'g': mult = 1ULL << 30; end++; break;
	case 'T': case 't': mult = 1ULL << 40; end++; break;
	}
	if (*end || !v || v > (1ULL << 42) / mult)
		return -1;
	k = (v * mult + 1023) >> 10;
	if (k > UINT32_MAX)
		return -1;
	*kib = (uint32_t)k;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kill", no_argument, NULL, 'k' },
		{ "container", no_argument, NULL, 'c' },
		{ "ipc", no_argument, NULL, 'I' },
		{ "ghost-limit", required_argument, NULL, 'G' },
		{ "compress", no_argument, NULL, 'z' },
		{ "level", required_argument, NULL, 'L' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "o:zkcl:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'k':
			o->kill = 1;
			break;
		case 'c':
			o->container = 1;
			break;
		case 'I':
			o->ipc = 1;
			break;
		case 'G':
			if (parse_ghost_limit(optarg, &o->ghost_kib)) {
				fprintf(stderr, "checkpoint: invalid --ghost-limit \"%s\" (1K..4T)\n",
					optarg);
				return -1;
			}
			break;
		case 'z':
			if (!o->level)
				o->level = 1;
			break;
		case 'L':
			if (!optarg[0] || optarg[1] || optarg[0] < '1' || optarg[0] > '9') {
				fprintf(stderr, "checkpoint: invalid --level \"%s\" (1..9)\n",
					optarg);
				return -1;
			}
			o->level = optarg[0] - '0';
			break;
		case 'l':
			o->logfile = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	errno = 0;
	v = strtol(argv[optind], &end, 10);
	if (errno || *end || end == argv[optind] || v <= 0 || v > 0x3fffffff) {
		fprintf(stderr, "checkpoint: invalid pid \"%s\"\n", argv[optind]);
		return -1;
	}
	o->pid = (pid_t)v;
	return 0;
}

/* The reason for a failure, from this run's kernel log (from offset start). */
static void log_reason(int logfd, off_t start, char *out, size_t outsz)
{
	size_t len;
	char *text;

	snprintf(out, outsz, "no reason in the kernel log");
	if (logfd < 0 || start < 0 || lseek(logfd, start, SEEK_SET) < 0)
		return;
	text = kcr_read_all(logfd, LOG_MAX, &len);
	if (text && kcr_log_reason(text, len, out, outsz))
		snprintf(out, outsz, "no reason in the kernel log");
	free(text);
}

/*
 * --container: PID must be pid 1 in its own pid namespace (the last NSpid
 * field).  The kernel checks it too; this says it before freezing anything.
 */
static int check_container_init(pid_t pid)
{
	char path[64], buf[4096], *p;
	long last = -1;
	ssize_t n;
	int fd, fields = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "checkpoint: process %d: %s\n", (int)pid, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "\nNSpid:");
	if (p) {
		char *end;

		for (p += 7; *p && *p != '\n'; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			last = v;
			fields++;
		}
	}
	if (last == 1 && fields > 1)
		return 0;
	if (last < 0)
		fprintf(stderr, "checkpoint: --container: cannot read the pids of process %d from %s\n",
			(int)pid, path);
	else
		fprintf(stderr, "checkpoint: --container: process %d is not the init of a pid namespace (its pid in its own namespace is %ld, not 1)\n",
			(int)pid, last);
	return -1;
}

/*
 * -o FILE.  A regular FILE, or a FILE that does not exist, is never
 * written: the image goes to tmp_path, a new file beside it (mkostemp:
 * O_CREAT|O_EXCL, mode 0600, in FILE's directory so that rename() is
 * atomic), which out_commit() renames over FILE.  A symbolic link to a
 * regular file is followed: the file it points to is replaced, the link
 * stays.  Anything else is opened in place, without O_CREAT or O_TRUNC.
 */
struct output {
	const char *path;	/* as given */
	char target[PATH_MAX];	/* the file replaced, links resolved */
	int fd;
	int in_place;		/* not a regular file: written where it is */
};

static int out_open(struct output *out, const char *path)
{
	const char *slash, *base;
	struct stat st, lst;
	sigset_t old;
	int n, err;

	memset(out, 0, sizeof(*out));
	out->path = path;
	out->fd = -1;
	if (!lstat(path, &lst)) {
		if (stat(path, &st)) {
			fprintf(stderr, "checkpoint: %s: %s\n", path,
				errno == ENOENT ? "a symbolic link to nothing" : strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			out->in_place = 1;
			out->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
			if (out->fd < 0) {
				fprintf(stderr, "checkpoint: %s: %s\n", path, strerror(errno));
				return -1;
			}
			return 0;
		}
		if (S_ISLNK(lst.st_mode) && !realpath(path, out->target)) {
			fprintf(stderr, "checkpoint: %s: %s\n", path, strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		fprintf(stderr, "checkpoint: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!out->target[0] && snprintf(out->target, sizeof(out->target), "%s", path) >=
	    (int)sizeof(out->target)) {
		fprintf(stderr, "checkpoint: %s: %s\n", path, strerror(ENAMETOOLONG));
		return -1;
	}
	slash = strrchr(out->target, '/');
	base = slash ? slash + 1 : out->target;
	if (!*base) {
		fprintf(stderr, "checkpoint: %s: %s\n", path, strerror(EISDIR));
		return -1;
	}
	/* At most 200 bytes of the name: the temporary name fits NAME_MAX. */
	n = snprintf(tmp_path, sizeof(tmp_path), "%.*s.%.200s.XXXXXX",
		     slash ? (int)(slash - out->target) + 1 : 0, out->target, base);
	if (n >= (int)sizeof(tmp_path)) {
		fprintf(stderr, "checkpoint: %s: %s\n", path, strerror(ENAMETOOLONG));
		return -1;
	}
	block_signals(&old);
	out->fd = mkostemp(tmp_path, O_CLOEXEC);
	err = errno;
	if (out->fd >= 0)
		tmp_armed = 1;
	restore_signals(&old);
	if (out->fd < 0) {
		fprintf(stderr, "checkpoint: %s: cannot create a temporary file beside it: %s\n",
			path, strerror(err));
		return -1;
	}
	return 0;
}

/* Remove the temporary file if it is still ours (a failure). */
static void out_abort(struct output *out)
{
	sigset_t old;

	block_signals(&old);
	if (tmp_armed) {
		tmp_armed = 0;
		unlink(tmp_path);
	}
	restore_signals(&old);
	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
}

/* The image is complete: make it FILE.  0, or -1 after saying why. */
static int out_commit(struct output *out)
{
	char dir[PATH_MAX], *slash;
	sigset_t old;
	int fd, err;

	if (fsync(out->fd) && errno != EINVAL) {
		fprintf(stderr, "checkpoint: %s: %s\n", out->path, strerror(errno));
		return -1;
	}
	if (close(out->fd)) {
		out->fd = -1;
		fprintf(stderr, "checkpoint: %s: %s\n", out->path, strerror(errno));
		return -1;
	}
	out->fd = -1;
	if (out->in_place)
		return 0;
	block_signals(&old);
	if (interrupted || !tmp_armed) {
		restore_signals(&old);
		fprintf(stderr, "checkpoint: interrupted by signal %d: %s left as it was\n",
			interrupted, out->path);
		return -1;
	}
	if (rename(tmp_path, out->target)) {
		err = errno;
		restore_signals(&old);
		fprintf(stderr, "checkpoint: %s: %s\n", out->path, strerror(err));
		return -1;
	}
	tmp_armed = 0;
	restore_signals(&old);
	/* The new name on disk too (best effort). */
	snprintf(dir, sizeof(dir), "%s", out->target);
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/*
 * -z: the compressor.  The kernel writes into wfd; the thread reads rfd
 * and writes the gzip stream to out_fd.  It stops at the end of the
 * kernel's data or at its first error, and closes rfd either way, so
 * that a kernel still writing gets EPIPE instead of blocking.
 */
struct compressor {
	int rfd, wfd, out_fd, level;
	pthread_t thread;
	int started;
	int failed;
	char err[256];
	struct kcr_zstats st;
};

static void *compressor_main(void *arg)
{
	struct compressor *c = arg;

	c->failed = kcr_deflate_fd(c->rfd, c->out_fd, c->level, &c->st, c->err,
				   sizeof(c->err)) != 0;
	close(c->rfd);
	c->rfd = -1;
	return NULL;
}

/* 0, or -1 after saying why. */
static int compressor_start(struct compressor *c, int out_fd, int level)
{
	int p[2], err;
	sigset_t old;

	memset(c, 0, sizeof(*c));
	c->rfd = c->wfd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "checkpoint: -z: pipe: %s\n", strerror(errno));
		return -1;
	}
	/* fewer, larger writes and reads (best effort, the default maximum) */
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	c->rfd = p[0];
	c->wfd = p[1];
	c->out_fd = out_fd;
	c->level = level;
	/* the thread starts with our signals blocked: they stay the main thread's */
	block_signals(&old);
	err = pthread_create(&c->thread, NULL, compressor_main, c);
	restore_signals(&old);
	if (err) {
		fprintf(stderr, "checkpoint: -z: cannot start the compressor: %s\n",
			strerror(err));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	c->started = 1;
	return 0;
}

/* The kernel is done: end the stream, wait for the thread.  0 or -1. */
static int compressor_finish(struct compressor *c)
{
	if (c->wfd >= 0)
		close(c->wfd);
	c->wfd = -1;
	if (!c->started)
		return -1;
	pthread_join(c->thread, NULL);
	c->started = 0;
	return c->failed ? -1 : 0;
}

/* Copy the log to stderr (used when no -l file was given). */
static void dump_log(int logfd)
{
	size_t len;
	char *text;

	if (lseek(logfd, 0, SEEK_SET) < 0)
		return;
	text = kcr_read_all(logfd, LOG_MAX, &len);
	if (text && len) {
		fputs("checkpoint: kernel log:\n", stderr);
		fwrite(text, 1, len, stderr);
		if (text[len - 1] != '\n')
			fputc('\n', stderr);
	}
	free(text);
}

/*
 * Whether the log is the image's file (FILE, which opening the log may
 * just have created, or stdout): no log line may go into it.
 */
static int log_is_image(int logfd, const struct output *out)
{
	struct stat l, i;

	if (fstat(logfd, &l) || !S_ISREG(l.st_mode))
		return 0;
	if (out->path && !out->in_place ? stat(out->target, &i) : fstat(out->fd, &i))
		return 0;
	return S_ISREG(i.st_mode) && l.st_dev == i.st_dev && l.st_ino == i.st_ino;
}

int main(int argc, char **argv)
{
	struct output out = { .fd = -1 };
	struct compressor zc = { .rfd = -1, .wfd = -1 };
	struct sigaction sa;
	struct freezer fz;
	struct opts o;
	char reason[512];
	int logfd = -1, err, ret = 1, image_ok = 0;
	off_t log_start = 0;
	size_t i;
	long id;

	memset(&fz, 0, sizeof(fz));
	if (parse_args(argc, argv, &o))
		return 2;
	if (o.container && check_container_init(o.pid))
		return 1;

	/*
	 * No SA_RESTART: a signal interrupts the waits (and a blocking open
	 * of a FIFO, or the kernel's writes into a pipe).  Installed before
	 * the temporary file exists, so that no signal can leave it behind.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fz_stop = &interrupted;

	if (o.output) {
		if (out_open(&out, o.output))
			goto out;
	} else {
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "checkpoint: refusing to write an image to a terminal (use -o FILE or redirect stdout)\n");
			return 1;
		}
		out.fd = STDOUT_FILENO;
	}
	/* Appended to, never truncated: an existing log keeps its text. */
	if (o.logfile)
		logfd = open(o.logfile, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	else
		logfd = memfd_create("kcr-checkpoint-log", MFD_CLOEXEC);
	if (logfd < 0) {
		fprintf(stderr, "checkpoint: %s: %s\n",
			o.logfile ? o.logfile : "log memfd", strerror(errno));
		goto out;
	}
	if (o.logfile && log_is_image(logfd, &out)) {
		fprintf(stderr, "checkpoint: %s: the log file is the image file\n", o.logfile);
		goto out;
	}
	log_start = lseek(logfd, 0, SEEK_END);	/* -1 for a FIFO: no reason read back */
	if (interrupted) {
		fprintf(stderr, "checkpoint: interrupted\n");
		goto out;
	}

	if (fz_setup(&fz, o.pid) || fz_freeze_tree(&fz, o.pid, FREEZE_TIMEOUT_MS)) {
		fprintf(stderr, "checkpoint: freezing %d: %s\n", (int)o.pid, fz.err);
		goto out_release;
	}
	if (interrupted) {
		fprintf(stderr, "checkpoint: interrupted\n");
		goto out_release;
	}

	if (o.level && compressor_start(&zc, out.fd, o.level))
		goto out_release;
	id = kcr_checkpoint(o.pid, o.level ? zc.wfd : out.fd,
			    (o.container ? CKPT_CHECKPOINT_CONTAINER : 0) |
			    (o.ipc ? CKPT_CHECKPOINT_IPC : 0) |
			    (unsigned long)CKPT_CHECKPOINT_GHOST_LIMIT(o.ghost_kib),
			    logfd);
	err = errno;
	if (o.level && compressor_finish(&zc)) {
		/* its reason first: the kernel's EPIPE only follows from it */
		fprintf(stderr, "checkpoint: -z: %s%s\n", zc.err,
			id < 0 ? "" : " (after the kernel wrote the whole image)");
		if (id >= 0)
			goto out_release;
	}
	if (id < 0) {
		log_reason(logfd, log_start, reason, sizeof(reason));
		if (err == ENOSYS)
			snprintf(reason, sizeof(reason),
				 "this kernel has no checkpoint system call (%d)",
				 __NR_checkpoint);
		fprintf(stderr, "checkpoint: %s: %s\n", strerror(err), reason);
		if (!o.logfile)
			dump_log(logfd);
		goto out_release;
	}
	/* FILE only now, before the tree may be killed. */
	if (o.output && out_commit(&out))
		goto out_release;
	if (!o.output && interrupted) {
		fprintf(stderr, "checkpoint: interrupted by signal %d\n", interrupted);
		goto out_release;
	}

	ret = 0;
	image_ok = 1;
	if (o.verbose)
		fprintf(o.output ? stdout : stderr, "checkpoint id %ld\n", id);
	if (o.verbose && o.level)
		fprintf(o.output ? stdout : stderr,
			"compressed: gzip level %d, %llu bytes for %llu bytes of image\n",
			o.level, (unsigned long long)zc.st.out_bytes,
			(unsigned long long)zc.st.in_bytes);
	if (o.kill && fz_kill(&fz, KILL_TIMEOUT_MS)) {
		fprintf(stderr, "checkpoint: killing the tree of %d: %s\n",
			(int)o.pid, fz.err);
		ret = 1;
	}

out_release:
	if (fz.created && fz_release(&fz)) {
		fprintf(stderr, "checkpoint: releasing the tree of %d: %s\n",
			(int)o.pid, fz.err);
		ret = 1;
	}
	fz_free(&fz);
out:
	if (logfd >= 0)
		close(logfd);
	if (o.output && !image_ok)
		out_abort(&out);
	if (interrupted) {
		/* Cleaned up: now die of the signal, as without a handler. */
		fflush(NULL);
		signal(interrupted, SIG_DFL);
		raise(interrupted);
	}
	return ret;
}
