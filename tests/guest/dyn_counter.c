// SPDX-License-Identifier: GPL-2.0
/*
 * dyn_counter: a dynamically linked glibc program (ld.so, libc.so.6 and
 * the vDSO mapped from files) survives checkpoint/restart.
 *
 * Before: a counter advanced to 100000 with a malloc()ed linked list of
 * its history, a string built with snprintf, a printf("... before ...")
 * left unflushed in the stdio buffer of stdout (a file: fully buffered).
 * After: the counter, the list and the string are intact, /proc/self/maps is
 * identical, printf/fflush work through the PLT, the buffered "before" line
 * reaches the file exactly once (the killed original never flushed it),
 * followed by the "after" line; the rseq registration is still alive.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <signal.h>
#ifdef __has_include
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define HAVE_RSEQ 1
#endif
#endif

#define COUNT 100000

struct node {
	struct node *next;
	long value;
};

static char maps0[65536], maps1[65536];

static void h_usr1(int sig)
{
	(void)sig;
}

static int rseq_alive(void)
{
#ifdef HAVE_RSEQ
	struct rseq *rs;

	if (__rseq_size == 0)
		return -1;
	rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	rs->cpu_id = 0x7777;
	kill(getpid(), SIGUSR1);
	return rs->cpu_id != 0x7777;
#else
	return -1;
#endif
}

static int count_lines(const char *text, const char *line)
{
	int n = 0;
	const char *p = text;
	size_t len = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			n++;
		p += len;
	}
	return n;
}

int main(void)
{
	static char before[128], after[128], text[65536];
	struct node *head = NULL, *n;
	volatile long counter = 0;
	char path[64], msg[64];
	long i, expect;
	int rseq0, c;

	kt_start("dyn_counter");
	signal(SIGUSR1, h_usr1);
	for (i = 0; i < COUNT; i++) {
		counter++;
		if (counter % 1000 == 0) {
			n = malloc(sizeof(*n));
			if (!n)
				kt_die("malloc");
			n->value = counter;
			n->next = head;
			head = n;
		}
	}
	snprintf(msg, sizeof(msg), "counter=%ld pid=%d", (long)counter, (int)getpid());
	snprintf(before, sizeof(before), "dyn_counter: before checkpoint %s", msg);
	snprintf(after, sizeof(after), "dyn_counter: after restart %s", msg);
	printf("%s\n", before);		/* stays in the stdio buffer */
	rseq0 = rseq_alive();
	if (kt_read_file("/proc/self/maps", maps0, sizeof(maps0)) < 0)
		kt_die_errno("reading /proc/self/maps");

	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	if (kt_read_file("/proc/self/maps", maps1, sizeof(maps1)) < 0)
		kt_fail("reading /proc/self/maps after restart: %s", strerror(errno));
	kt_after_restart();
	kt_compare_lines("/proc/self/maps", maps0, maps1);

	KT_EXPECT_INT("counter", COUNT, counter);
	expect = COUNT;
	for (n = head; n; n = n->next, expect -= 1000)
		if (n->value != expect) {
			kt_fail("history list: expected %ld, got %ld", expect, n->value);
			break;
		}
	if (!n && expect != 0)
		kt_fail("history list: expected it to end at 0, got it ending at %ld", expect);

	c = printf("%s\n", after);
	if (c != (int)strlen(after) + 1)
		kt_fail("printf after restart: expected %d, got %d", (int)strlen(after) + 1, c);
	if (fflush(stdout))
		kt_fail("fflush(stdout) after restart: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/1");
	if (kt_read_file(path, text, sizeof(text)) < 0) {
		kt_fail("reading back stdout: %s", strerror(errno));
	} else {
		KT_EXPECT_INT("\"before\" lines in the output (buffered at checkpoint)", 1,
			      count_lines(text, before));
		KT_EXPECT_INT("\"after\" lines in the output", 1, count_lines(text, after));
		if (strstr(text, after) && strstr(text, before) && strstr(text, after) < strstr(text, before))
			kt_fail("output order: expected \"before\" then \"after\", got the reverse");
	}
	if (rseq0 == 1 && rseq_alive() != 1)
		kt_fail("rseq: expected the kernel to refresh rseq->cpu_id (still registered), got the stale value");
	kt_done();
}
