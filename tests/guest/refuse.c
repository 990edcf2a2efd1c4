// SPDX-License-Identifier: GPL-2.0
/*
 * refuse: a process holding state that kcr does not save yet.  Checkpoint
 * must refuse it with a reason and leave it running as before.
 *   refuse MODE   MODE: flock itimer posixtimer child thread socket netlink
 *                 (an AF_NETLINK socket) pidfd (pidfd_open), or
 *                 task state (t_taskstate_refuse): tsc (PR_SET_TSC), dispatch
 *                 (PR_SET_SYSCALL_USER_DISPATCH), deadline (SCHED_DEADLINE),
 *                 specctrl (PR_SET_SPECULATION_CTRL); exit 4 if this kernel
 *                 or CPU can not set it
 * After /tmp/refuse.go appears the program checks that it kept running
 * normally (its counter advanced, the state is still there) and exits 0.
 */
#include "kcrtest.h"
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

static volatile char dispatch_selector;	/* 0: SYSCALL_DISPATCH_FILTER_ALLOW */

struct refuse_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t runtime, deadline, period;
};

static volatile unsigned long spins;

static void *thread_main(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	struct itimerval itv = { { 10, 0 }, { 10, 0 } };
	pthread_t th;
	timer_t timer;
	pid_t child = 0;
	int fd;

	kt_start("refuse");
	signal(SIGALRM, on_alarm);
	if (!strcmp(mode, "flock")) {
		fd = open("/tmp/refuse.lock", O_RDWR | O_CREAT, 0600);
		if (fd < 0 || flock(fd, LOCK_EX))
			return 2;
	} else if (!strcmp(mode, "itimer")) {
		if (setitimer(ITIMER_REAL, &itv, NULL))
			return 2;
	} else if (!strcmp(mode, "posixtimer")) {
		if (timer_create(CLOCK_MONOTONIC, NULL, &timer))
			return 2;
	} else if (!strcmp(mode, "child")) {
		child = fork();
		if (child == 0) {
			for (;;)
				pause();
		}
	} else if (!strcmp(mode, "thread")) {
		if (pthread_create(&th, NULL, thread_main, NULL))
			return 2;
	} else if (!strcmp(mode, "socket")) {
		if (socket(AF_UNIX, SOCK_STREAM, 0) < 0)
			return 2;
	} else if (!strcmp(mode, "netlink")) {
		if (socket(AF_NETLINK, SOCK_RAW, 0) < 0)
			return 2;
	} else if (!strcmp(mode, "pidfd")) {
		if (syscall(SYS_pidfd_open, getpid(), 0) < 0)
			return 2;
	} else if (!strcmp(mode, "tsc")) {
		if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0))
			return 4;
	} else if (!strcmp(mode, "dispatch")) {
		if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0,
			  &dispatch_selector))
			return 4;
	} else if (!strcmp(mode, "deadline")) {
		struct refuse_sched_attr a = {
			.size = sizeof(a), .sched_policy = 6 /* SCHED_DEADLINE */,
			.runtime = 1000000, .deadline = 100000000, .period = 100000000,
		};

		if (syscall(SYS_sched_setattr, 0, &a, 0))
			return 4;
	} else if (!strcmp(mode, "specctrl")) {
		/* PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE */
		if (prctl(PR_SET_SPECULATION_CTRL, 0, 4, 0, 0))
			return 4;
	} else {
		fprintf(stderr, "usage: refuse flock|itimer|posixtimer|child|thread|socket|netlink|pidfd|tsc|dispatch|deadline|specctrl\n");
		return 2;
	}
	kt_ready();
	while (access("/tmp/refuse.go", F_OK))
		spins++;
	/* still the same process, running, after the failed checkpoint */
	KT_EXPECT_INT("pid", kt_pid0, getpid());
	if (child) {
		KT_EXPECT_INT("child alive", 0, kill(child, 0));
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	kt_done();
}
