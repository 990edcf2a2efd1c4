// SPDX-License-Identifier: GPL-2.0
/*
 * restart [-i FILE] [-l LOGFILE] [--no-pids] [-d] [-v]
 *
 * Restart the processes of an image (stdin by default):
 *  1. read and validate the prefix (HEADER + TREE) with libkcr, keeping the
 *     raw bytes;
 *  2. mktree.c creates the tasks of the TREE (the root is our child), each
 *     of which enters restart(); they write one byte each to a ready pipe;
 *  3. feeder.c, a forked child outside the tree, writes the prefix bytes
 *     and then the rest of the input into the image pipe the root's
 *     restart() reads, so the kernel reads the whole image from byte 0;
 *  4. we drain the kernel log pipe (to LOGFILE too) and watch the status
 *     pipe: a struct mktree_status there means restart() failed before the
 *     point of no return; EOF plus the log line "restart done" means
 *     success; the root dying by SIGKILL with "restart failed: errno=N:
 *     reason" in the log means a failure after the point of no return.
 * Without -d we then wait for the restored root and exit with its status
 * (128+signal if killed); with -d we print its pid and exit 0.  A signal
 * to the tool before the restart completed kills the tasks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kcr.h"
#include "feeder.h"
#include "mktree.h"

#define LOG_KEEP	(1 << 20)	/* log text kept for messages */
#define DRAIN_MS	2000		/* waiting for the log after a failure */
#define EOF_GRACE_MS	500		/* pipes closed, no "restart done" */

static volatile int got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

struct opts {
	const char *input;
	const char *logfile;
	int no_pids;
	int detach;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: restart [-i FILE] [-l LOGFILE] [--no-pids] [-d] [-v]\n"
		"  -i, --input FILE    read the image from FILE (default: stdin)\n"
		"  -l, --log LOGFILE   copy the kernel's log to LOGFILE\n"
		"  -n, --no-pids       do not restore the saved pids\n"
		"  -d, --detach        print the restored root's pid and exit once restored\n"
		"  -v, --verbose       print the kernel log on failure\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'l' },
		{ "no-pids", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "i:l:ndvh", lopts, NULL)) != -1) {
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
		case 'd':
			o->detach = 1;
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
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Everything the event loop tracks. */
struct run {
	struct opts o;
	struct mktree mt;
	int log_rd, status_rd, ready_rd, logfile_fd;
	int log_eof, status_eof, ready_eof;
	uint32_t ready;			/* ready bytes received */
	pid_t root, feeder;
	int root_exited, root_status;
	int feeder_exited, feeder_status;
	int failed;			/* a status record arrived */
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
	ssize_t n;

	if (r->failed) {		/* keep the first; drain the rest */
		struct mktree_status tmp;

		n = read(r->status_rd, &tmp, sizeof(tmp));
	} else {
		n = read(r->status_rd, (char *)&r->st + r->st_have,
			 sizeof(r->st) - r->st_have);
		if (n > 0) {
			r->st_have += (size_t)n;
			if (r->st_have == sizeof(r->st))
				r->failed = 1;
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

static void reap(struct run *r)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == r->root) {
			r->root_exited = 1;
			r->root_status = status;
		} else if (pid == r->feeder) {
			r->feeder_exited = 1;
			r->feeder_status = status;
		}
	}
}

/* One round of poll over the pipes still open; timeout in ms. */
static void pump(struct run *r, int timeout)
{
	struct pollfd pfd[3];
	int n = 0, i;

	if (!r->log_eof)
		pfd[n++] = (struct pollfd){ .fd = r->log_rd, .events = POLLIN };
	if (!r->status_eof)
		pfd[n++] = (struct pollfd){ .fd = r->status_rd, .events = POLLIN };
	if (!r->ready_eof && r->ready_rd >= 0)
		pfd[n++] = (struct pollfd){ .fd = r->ready_rd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n, timeout) > 0) {
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == r->log_rd)
				read_log(r);
			else if (pfd[i].fd == r->status_rd)
				read_status(r);
			else
				read_ready(r);
		}
	}
	reap(r);
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
	mktree_kill_all(&r->mt);
	if (r->feeder > 0 && !r->feeder_exited)
		kill(r->feeder, SIGKILL);
}

static void print_log(const struct run *r)
{
	if (!r->log_len)
		return;
	fputs("restart: kernel log:\n", stderr);
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

	kill_everything(r);
	drain_log(r);
	fputs("restart: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (r->o.verbose)
		print_log(r);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return 1;
}

static int report_status_failure(struct run *r)
{
	char reason[512], msg[600];
	int err = r->st.err;

	kill_everything(r);
	drain_log(r);
	if (r->st.stage == MKTREE_STAGE_CREATE) {
		mktree_create_error(msg, sizeof(msg), r->st.pid, err, r->o.no_pids);
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
static int pump_check(struct run *r)
{
	pump(r, 100);
	if (r->failed)
		return report_status_failure(r);
	if (r->root_exited)
		return report_root_death(r);
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

static int open_input(const struct opts *o)
{
	int fd;

	if (!o->input) {
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, "restart: refusing to read an image from a terminal (use -i FILE or redirect stdin)\n");
			return -1;
		}
		return STDIN_FILENO;
	}
	fd = open(o->input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "restart: %s: %s\n", o->input, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	int logp[2], statp[2], readyp[2], imgp[2], in_fd, sig, rc;
	struct kcr_reader reader;
	const unsigned char *raw;
	struct sigaction sa;
	const char *why;
	long eof_since = 0;
	size_t raw_len;
	struct run r;

	memset(&r, 0, sizeof(r));
	r.logfile_fd = -1;
	if (parse_args(argc, argv, &r.o))
		return 2;
	in_fd = open_input(&r.o);
	if (in_fd < 0)
		return 1;

	/* 1. The prefix, validated, with its raw bytes. */
	kcr_reader_init_fd(&reader, in_fd);
	kcr_reader_keep_raw(&reader);
	if (kcr_reader_read_prefix(&reader)) {
		fprintf(stderr, "restart: offset %llu: %s\n",
			(unsigned long long)reader.err_offset, reader.reason);
		return 1;
	}
	why = mktree_unsupported(reader.tasks, reader.nr_tasks);
	if (why) {
		fprintf(stderr, "restart: %s\n", why);
		return 1;
	}
	raw = kcr_reader_raw(&reader, &raw_len);

	if (r.o.logfile) {
		r.logfile_fd = open(r.o.logfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (r.logfile_fd < 0) {
			fprintf(stderr, "restart: %s: %s\n", r.o.logfile, strerror(errno));
			return 1;
		}
	}
	r.log = malloc(LOG_KEEP + 1);
	if (!r.log || pipe2(logp, O_CLOEXEC) || pipe2(statp, O_CLOEXEC) ||
	    pipe2(readyp, O_CLOEXEC) || pipe2(imgp, O_CLOEXEC)) {
		fprintf(stderr, "restart: %s\n", strerror(errno));
		return 1;
	}
	r.log[0] = '\0';
	r.log_rd = logp[0];
	r.status_rd = statp[0];
	r.ready_rd = readyp[0];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* 2. The tree. */
	if (mktree_init(&r.mt, reader.tasks, reader.nr_tasks)) {
		fprintf(stderr, "restart: %s\n", strerror(errno));
		return 1;
	}
	r.mt.no_pids = r.o.no_pids;
	r.mt.flags = r.o.no_pids ? CKPT_RESTART_NO_PIDS : 0;
	r.mt.image_fd = imgp[0];
	r.mt.log_fd = logp[1];
	r.mt.status_fd = statp[1];
	r.mt.ready_fd = readyp[1];
	r.root = mktree_spawn_root(&r.mt);
	if (r.root < 0) {
		char msg[512];

		mktree_create_error(msg, sizeof(msg), reader.tasks[0].pid, errno,
				    r.o.no_pids);
		fprintf(stderr, "restart: %s\n", msg);
		return 1;
	}
	close(imgp[0]);
	close(logp[1]);
	close(statp[1]);
	close(readyp[1]);

	while (r.ready < reader.nr_tasks) {
		rc = pump_check(&r);
		if (rc >= 0)
			return rc;
		if (r.ready_eof && r.ready < reader.nr_tasks)
			return fail_exit(&r, "only %u of %u tasks were created",
					 r.ready, reader.nr_tasks);
	}
	close(r.ready_rd);
	r.ready_rd = -1;

	/* 3. The feeder, created after the tree so it cannot take a saved pid. */
	r.feeder = feeder_start(in_fd, imgp[1], raw, raw_len);
	if (r.feeder < 0)
		return fail_exit(&r, "cannot start the image feeder: %s",
				 strerror(errno));
	close(imgp[1]);
	close(in_fd);
	kcr_reader_free(&reader);

	/* 4. Until the restart is complete, or failed. */
	while (!r.done) {
		rc = pump_check(&r);
		if (rc >= 0)
			return rc;
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
	    WEXITSTATUS(r.feeder_status) == FEEDER_EREAD)
		fprintf(stderr, "restart: warning: the image feeder could not read all input\n");

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
	free(r.log);
	return exit_code(r.root_status);
}
