// SPDX-License-Identifier: GPL-2.0
/*
 * bench_ipc: the SysV IPC workload of `make bench`, in an IPC namespace of
 * its own (unshare(CLONE_NEWIPC)), so the image is PRIVATE and restart
 * makes a fresh namespace by itself.
 *   bench_ipc shm N            N segments of one page (all touched), the
 *                              first 64 of them attached
 *   bench_ipc msg Q M SIZE     Q queues holding M messages in total of SIZE
 *                              bytes each (kernel.msgmnb raised as needed)
 * It creates /tmp/bench.ready, waits for /tmp/bench.go, then checks every
 * object (count, ids, the contents of every page and every message, in
 * order) and exits 0 if all are intact, after creating /tmp/bench.ipc.ok
 * (the status of a "restart -d" is not seen by the bench).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>

#define PG 4096

struct qmsg {
	long mtype;
	char mtext[8192];
};

static void wait_go(void)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int fd = open("/tmp/bench.ready", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0)
		close(fd);
	while (access("/tmp/bench.go", F_OK))
		nanosleep(&tick, NULL);
}

static void sysctl(const char *path, long v)
{
	char b[32];
	int fd = open(path, O_WRONLY), n = snprintf(b, sizeof(b), "%ld", v);

	if (fd < 0 || write(fd, b, n) != n) {
		fprintf(stderr, "bench_ipc: %s = %ld: %s\n", path, v, strerror(errno));
		exit(1);
	}
	close(fd);
}

static unsigned char pat(long a, long b)
{
	return (unsigned char)((a * 131 + b * 7 + 13) ^ (a >> 3));
}

static int bench_shm(int n)
{
	int *ids = calloc(n, sizeof(*ids)), i, bad = 0, k;
	char **at = calloc(n, sizeof(*at));

	if (!ids || !at)
		return 1;
	if (n > 4096)
		sysctl("/proc/sys/kernel/shmmni", n + 16);
	for (i = 0; i < n; i++) {
		char *p;

		ids[i] = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
		if (ids[i] < 0) {
			fprintf(stderr, "bench_ipc: shmget %d: %s\n", i, strerror(errno));
			return 1;
		}
		p = shmat(ids[i], NULL, 0);
		if (p == (void *)-1) {
			fprintf(stderr, "bench_ipc: shmat %d: %s\n", i, strerror(errno));
			return 1;
		}
		for (k = 0; k < PG; k++)
			p[k] = pat(i, k);
		if (i < 64)
			at[i] = p;
		else
			shmdt(p);
	}
	wait_go();
	for (i = 0; i < n; i++) {
		char *p = i < 64 ? at[i] : shmat(ids[i], NULL, SHM_RDONLY);

		if (p == (void *)-1) {
			if (!bad++)
				fprintf(stderr, "bench_ipc: segment %d (id %d) after restart: %s\n", i,
					ids[i], strerror(errno));
			continue;
		}
		for (k = 0; k < PG; k++)
			if ((unsigned char)p[k] != pat(i, k)) {
				if (!bad++)
					fprintf(stderr, "bench_ipc: segment %d byte %d differs\n", i, k);
				break;
			}
		shmdt(p);
		shmctl(ids[i], IPC_RMID, NULL);
	}
	return bad ? 1 : 0;
}

static int bench_msg(int nq, long m, int size)
{
	int *q = calloc(nq, sizeof(*q)), i, bad = 0;
	long per = (m + nq - 1) / nq, j, k, bytes = per * size;
	struct qmsg *msg = malloc(sizeof(*msg));

	if (!q || !msg || size < 1 || size > 8192)
		return 1;
	if (bytes > 16384)
		sysctl("/proc/sys/kernel/msgmnb", bytes);
	if (nq > 32000)
		return 1;
	for (i = 0; i < nq; i++) {
		q[i] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (q[i] < 0) {
			fprintf(stderr, "bench_ipc: msgget %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	for (j = 0; j < m; j++) {
		i = j % nq;
		msg->mtype = 1 + j % 7;
		for (k = 0; k < size; k++)
			msg->mtext[k] = pat(j, k);
		if (msgsnd(q[i], msg, size, IPC_NOWAIT)) {
			fprintf(stderr, "bench_ipc: msgsnd %ld: %s\n", j, strerror(errno));
			return 1;
		}
	}
	wait_go();
	for (j = 0; j < m; j++) {
		ssize_t n;

		i = j % nq;
		n = msgrcv(q[i], msg, sizeof(msg->mtext), 0, IPC_NOWAIT);
		if (n != size || msg->mtype != 1 + j % 7) {
			if (!bad++)
				fprintf(stderr, "bench_ipc: message %ld of queue %d: got %zd bytes type %ld (%s)\n",
					j, i, n, msg->mtype, n < 0 ? strerror(errno) : "");
			continue;
		}
		for (k = 0; k < size; k++)
			if ((unsigned char)msg->mtext[k] != pat(j, k)) {
				if (!bad++)
					fprintf(stderr, "bench_ipc: message %ld byte %ld differs\n", j, k);
				break;
			}
	}
	for (i = 0; i < nq; i++)
		msgctl(q[i], IPC_RMID, NULL);
	return bad ? 1 : 0;
}

static int ok(int rc)
{
	int fd;

	if (rc == 0) {
		fd = open("/tmp/bench.ipc.ok", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (unshare(CLONE_NEWIPC)) {
		perror("bench_ipc: unshare(CLONE_NEWIPC)");
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "shm") && atoi(argv[2]) > 0)
		return ok(bench_shm(atoi(argv[2])));
	if (argc == 5 && !strcmp(argv[1], "msg") && atoi(argv[2]) > 0 && atol(argv[3]) > 0)
		return ok(bench_msg(atoi(argv[2]), atol(argv[3]), atoi(argv[4])));
	fprintf(stderr, "usage: bench_ipc shm N | bench_ipc msg QUEUES MESSAGES SIZE\n");
	return 2;
}
