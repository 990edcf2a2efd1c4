// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint [-o FILE] [--kill] [--container] [--ipc] [-l LOGFILE] [-v] PID
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kcr.h"
#include "freezer.h"

#define FREEZE_TIMEOUT_MS	10000
#define KILL_TIMEOUT_MS		10000
#define LOG_MAX			(1 << 20)

static volatile int interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: checkpoint [-o FILE] [--kill] [--container] [--ipc] [-l LOGFILE] [-v] PID\n"
		"  -o, --output FILE   write the image to FILE (default: stdout, not a tty)\n"
		"  -k, --kill          kill the tree after a successful checkpoint\n"
		"  -c, --container     PID is the init (pid 1) of a pid namespace: save\n"
		"                      the whole namespace (restart uses a new one)\n"
		"      --ipc           save every SysV IPC object of the tree's IPC namespace\n"
		"                      (message queues too), not only those the tree uses\n"
		"  -l, --log LOGFILE   write the kernel's log to LOGFILE\n"
		"  -v, --verbose       print the checkpoint id\n");
}

struct opts {
	const char *output;
	const char *logfile;
	int kill;
	int container;
	int ipc;
	int verbose;
	pid_t pid;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kill", no_argument, NULL, 'k' },
		{ "container", no_argument, NULL, 'c' },
		{ "ipc", no_argument, NULL, 'I' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "o:kcl:vh", lopts, NULL)) != -1) {
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

/* The reason for a failure, from the kernel log (fd positioned anywhere). */
static void log_reason(int logfd, char *out, size_t outsz)
{
	size_t len;
	char *text;

	snprintf(out, outsz, "no reason in the kernel log");
	if (logfd < 0 || lseek(logfd, 0, SEEK_SET) < 0)
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

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct freezer fz;
	struct opts o;
	char reason[512];
	int outfd, logfd, err, ret = 1, image_ok = 0;
	long id;

	if (parse_args(argc, argv, &o))
		return 2;
	if (o.container && check_container_init(o.pid))
		return 1;

	if (o.output) {
		outfd = open(o.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (outfd < 0) {
			fprintf(stderr, "checkpoint: %s: %s\n", o.output, strerror(errno));
			return 1;
		}
	} else {
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "checkpoint: refusing to write an image to a terminal (use -o FILE or redirect stdout)\n");
			return 1;
		}
		outfd = STDOUT_FILENO;
	}
	if (o.logfile)
		logfd = open(o.logfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else
		logfd = memfd_create("kcr-checkpoint-log", MFD_CLOEXEC);
	if (logfd < 0) {
		fprintf(stderr, "checkpoint: %s: %s\n",
			o.logfile ? o.logfile : "log memfd", strerror(errno));
		goto out_unlink;
	}

	/* No SA_RESTART: a signal interrupts the wait and the syscall. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fz_stop = &interrupted;

	if (fz_setup(&fz, o.pid) || fz_freeze_tree(&fz, o.pid, FREEZE_TIMEOUT_MS)) {
		fprintf(stderr, "checkpoint: freezing %d: %s\n", (int)o.pid, fz.err);
		goto out_release;
	}
	if (interrupted) {
		fprintf(stderr, "checkpoint: interrupted\n");
		goto out_release;
	}

	id = kcr_checkpoint(o.pid, outfd,
			    (o.container ? CKPT_CHECKPOINT_CONTAINER : 0) |
			    (o.ipc ? CKPT_CHECKPOINT_IPC : 0), logfd);
	if (id < 0) {
		err = errno;
		log_reason(logfd, reason, sizeof(reason));
		if (err == ENOSYS)
			snprintf(reason, sizeof(reason),
				 "this kernel has no checkpoint system call (%d)",
				 __NR_checkpoint);
		fprintf(stderr, "checkpoint: %s: %s\n", strerror(err), reason);
		if (!o.logfile)
			dump_log(logfd);
		goto out_release;
	}
	if (outfd != STDOUT_FILENO && fsync(outfd) && errno != EINVAL) {
		fprintf(stderr, "checkpoint: %s: %s\n", o.output, strerror(errno));
		goto out_release;
	}

	ret = 0;
	image_ok = 1;
	if (o.verbose)
		fprintf(o.output ? stdout : stderr, "checkpoint id %ld\n", id);
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
	if (logfd >= 0)
		close(logfd);
out_unlink:
	if (!image_ok && o.output)
		unlink(o.output);
	if (outfd != STDOUT_FILENO && close(outfd) && image_ok) {
		fprintf(stderr, "checkpoint: %s: %s\n", o.output, strerror(errno));
		ret = 1;
	}
	return ret;
}
