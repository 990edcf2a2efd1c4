// SPDX-License-Identifier: GPL-2.0
/*
 * idle NAME [TIMEOUT_S]: a minimal checkpoint target for the driver-level
 * tests (badimage, rights).
 *
 * Publishes /tmp/NAME.ready, waits for /tmp/NAME.go (at most TIMEOUT_S
 * seconds, default 120: exit 2 on timeout), then appends
 * "pid ppid uid gid euid egid" to /tmp/NAME.done, writes its parent death
 * signal (set to SIGWINCH at start) to /tmp/NAME.pdeath and exits 0.  It
 * checks nothing itself: the driver decides what the lines must say.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>

#include "kcrtest.h"

int main(int argc, char **argv)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };
	double deadline;
	char path[300], line[128];
	int fd, n, sig;

	if (argc < 2 || strlen(argv[1]) > 200) {
		kt_msg("usage: idle NAME [TIMEOUT_S]");
		return 2;
	}
	kt_start(argv[1]);
	deadline = kt_now(CLOCK_MONOTONIC) + (argc > 2 ? atof(argv[2]) : 120);
	/* SIGWINCH is ignored by default: harmless if the parent goes */
	if (prctl(PR_SET_PDEATHSIG, SIGWINCH, 0, 0, 0))
		kt_die_errno("PR_SET_PDEATHSIG");
	kt_ready();
	while (!kt_go_exists()) {
		if (kt_now(CLOCK_MONOTONIC) > deadline) {
			kt_msg("FAIL idle %s: expected %s, got timeout", argv[1], kt_go_path);
			return 2;
		}
		nanosleep(&step, NULL);
	}
	snprintf(path, sizeof(path), "/tmp/%s.done", argv[1]);
	n = snprintf(line, sizeof(line), "%d %d %d %d %d %d\n", (int)getpid(), (int)getppid(),
		     (int)getuid(), (int)getgid(), (int)geteuid(), (int)getegid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
	if (fd < 0 || write(fd, line, n) != n || close(fd)) {
		kt_msg("FAIL idle %s: writing %s: %s", argv[1], path, strerror(errno));
		return 1;
	}
	/* the parent death signal, which a change of ids at restart may lose */
	snprintf(path, sizeof(path), "/tmp/%s.pdeath", argv[1]);
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0))
		sig = -1;
	n = snprintf(line, sizeof(line), "%d\n", sig);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || write(fd, line, n) != n || close(fd)) {
		kt_msg("FAIL idle %s: writing %s: %s", argv[1], path, strerror(errno));
		return 1;
	}
	return 0;
}
