// SPDX-License-Identifier: GPL-2.0
/*
 * bench_tree: the process-tree workload of `make bench`.
 *   bench_tree procs N     a root and N - 1 children (a flat tree)
 *   bench_tree threads N   one process with N threads (the main one too)
 * Once every task exists it creates /tmp/bench.ready, waits for
 * /tmp/bench.go, then checks that all its tasks are still there, ends them
 * (children: SIGTERM and reaped; threads: joined) and exits 0 if all were.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>

static volatile int stop_threads;

static void *thread_main(void *arg)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	while (!stop_threads)
		nanosleep(&tick, NULL);
	return arg;
}

static void wait_go(void)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int fd = open("/tmp/bench.ready", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0)
		close(fd);
	while (access("/tmp/bench.go", F_OK))
		nanosleep(&tick, NULL);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0, i, bad = 0, st;
	pid_t *kids;
	pthread_t *th;
	int *ids;

	if (argc != 3 || n < 1 || n > 4000) {
		fprintf(stderr, "usage: bench_tree procs|threads N\n");
		return 2;
	}
	if (!strcmp(argv[1], "procs")) {
		kids = calloc(n, sizeof(*kids));
		for (i = 1; i < n; i++) {
			kids[i] = fork();
			if (kids[i] == 0) {
				for (;;)
					pause();
			}
			if (kids[i] < 0)
				return 3;
		}
		wait_go();
		for (i = 1; i < n; i++)
			if (kill(kids[i], SIGTERM))
				bad++;
		for (i = 1; i < n; i++)
			if (waitpid(kids[i], &st, 0) != kids[i] ||
			    !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
				bad++;
	} else if (!strcmp(argv[1], "threads")) {
		th = calloc(n, sizeof(*th));
		ids = calloc(n, sizeof(*ids));
		for (i = 1; i < n; i++)
			if (pthread_create(&th[i], NULL, thread_main, &ids[i]))
				return 3;
		wait_go();
		stop_threads = 1;
		for (i = 1; i < n; i++) {
			void *ret;

			if (pthread_join(th[i], &ret) || ret != &ids[i])
				bad++;
		}
	} else {
		return 2;
	}
	if (bad)
		fprintf(stderr, "bench_tree: %d task(s) missing after restart\n", bad);
	return bad ? 1 : 0;
}
