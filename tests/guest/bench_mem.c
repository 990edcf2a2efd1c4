// SPDX-License-Identifier: GPL-2.0
/*
 * bench_mem: the workload of `make bench`.
 *   bench_mem now          print CLOCK_MONOTONIC in nanoseconds
 *   bench_mem MIB          touch MIB MiB of anonymous memory with a pattern,
 *                          create /tmp/bench.ready, wait for /tmp/bench.go,
 *                          then verify the pattern (exit 0 if intact)
 *   bench_mem text MIB     the same with log-like text records (textgen.h:
 *                          realistic heap data for the compression figures);
 *                          after the verification, /tmp/bench.ok if intact
 *                          (restart -d loses the exit status)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include "textgen.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void ready_then_go(void)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int fd;

	fd = open("/tmp/bench.ready", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		exit(1);
	close(fd);
	while (access("/tmp/bench.go", F_OK))
		nanosleep(&tick, NULL);
}

static int text_main(size_t len)
{
	char *mem, *want;
	int fd;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("bench_mem: mmap");
		return 1;
	}
	tg_fill(mem, len, 7);
	ready_then_go();
	want = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (want == MAP_FAILED) {
		perror("bench_mem: mmap");
		return 1;
	}
	tg_fill(want, len, 7);
	if (memcmp(mem, want, len)) {
		fprintf(stderr, "bench_mem: the text records differ after restart\n");
		return 1;
	}
	fd = open("/tmp/bench.ok", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	size_t len, i, words;
	unsigned long *mem;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%lld\n", now_ns());
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "text") && atol(argv[2]) > 0)
		return text_main((size_t)atol(argv[2]) << 20);
	if (argc != 2 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: bench_mem now | bench_mem MIB\n");
		return 2;
	}
	len = (size_t)atol(argv[1]) << 20;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("bench_mem: mmap");
		return 1;
	}
	words = len / sizeof(*mem);
	for (i = 0; i < words; i++)
		mem[i] = i * 2654435761UL;

	fd = open("/tmp/bench.ready", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	while (access("/tmp/bench.go", F_OK))
		nanosleep(&tick, NULL);

	for (i = 0; i < words; i++) {
		if (mem[i] != i * 2654435761UL) {
			fprintf(stderr, "bench_mem: word %zu is %#lx, expected %#lx\n",
				i, mem[i], i * 2654435761UL);
			return 1;
		}
	}
	return 0;
}
