// SPDX-License-Identifier: GPL-2.0
/*
 * thp - transparent huge pages stay huge through a checkpoint.
 *
 * Maps 8 MiB of anonymous memory 2 MiB-aligned with MADV_HUGEPAGE and
 * fills it, so that it is backed by huge pages (AnonHugePages in smaps),
 * then:
 *   1. ready; the driver checkpoints us leaving us running and creates
 *      /tmp/thp.go1; we check that the huge pages are all still there
 *      (a page walk that splits huge pmds would leave AnonHugePages at 0)
 *      and the data unchanged, and write the verdict to /tmp/thp.p1;
 *   2. the driver checkpoints us with --kill and restarts; we check the
 *      data (every byte) and that we were restarted.
 * KCRTEST_BREAK=split (selfcheck): split the huge pages (MADV_NOHUGEPAGE
 * + mprotect of one page of each) where a splitting walk would.
 */
#include "kcrtest.h"
#include <sys/mman.h>

#define HUGE_SZ		(2UL << 20)
#define AREA_SZ		(4 * HUGE_SZ)

static unsigned char *area;

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 131) ^ (i >> 12) ^ 0x5a);
}

/* AnonHugePages (kB) of the smaps entry that starts at @start. */
static long anon_huge_kb(void *start)
{
	char line[256], want[32];
	long kb = -1;
	int in = 0;
	FILE *f;

	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		kt_die_errno("opening /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void check_data(const char *when)
{
	size_t i;

	for (i = 0; i < AREA_SZ; i++)
		if (area[i] != pattern(i)) {
			kt_fail("%s: byte %zu: expected %u, got %u", when, i,
				pattern(i), area[i]);
			return;
		}
}

int main(void)
{
	unsigned char *raw;
	long before, after;
	char verdict[256];
	size_t i;
	int n;

	kt_start("thp");
	raw = mmap(NULL, AREA_SZ + HUGE_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		kt_die_errno("mmap");
	area = (unsigned char *)(((unsigned long)raw + HUGE_SZ - 1) &
				 ~(HUGE_SZ - 1));
	/* our own VMA: unmap the slack on both sides */
	if (area > raw)
		munmap(raw, area - raw);
	munmap(area + AREA_SZ, raw + AREA_SZ + HUGE_SZ - (area + AREA_SZ));
	if (madvise(area, AREA_SZ, MADV_HUGEPAGE))
		kt_die_errno("madvise(MADV_HUGEPAGE) (THP not in the kernel?)");
	for (i = 0; i < AREA_SZ; i++)
		area[i] = pattern(i);
	before = anon_huge_kb(area);
	kt_msg("# AnonHugePages before: %ld kB", before);
	if (before < (long)(HUGE_SZ >> 10))
		kt_fail("setup: expected huge pages (>= %lu kB AnonHugePages), got %ld kB",
			HUGE_SZ >> 10, before);

	kt_ready();
	while (access("/tmp/thp.go1", F_OK)) {
		if (kt_go_exists())
			break;
		kt_sleep_ms(10);
	}
	if (!access("/tmp/thp.go1", F_OK)) {
		if (kt_broken("split")) {
			madvise(area, AREA_SZ, MADV_NOHUGEPAGE);
			for (i = 0; i < AREA_SZ; i += HUGE_SZ)
				mprotect(area + i, 4096, PROT_READ);
			for (i = 0; i < AREA_SZ; i += HUGE_SZ)
				mprotect(area + i, 4096, PROT_READ | PROT_WRITE);
		}
		after = anon_huge_kb(area);
		check_data("after the leave-running checkpoint");
		if (after != before)
			n = snprintf(verdict, sizeof(verdict),
				     "FAIL huge pages after a checkpoint: expected %ld kB AnonHugePages, got %ld kB (split?)\n",
				     before, after);
		else if (kt_nfail)
			n = snprintf(verdict, sizeof(verdict),
				     "FAIL data changed by the checkpoint\n");
		else
			n = snprintf(verdict, sizeof(verdict), "ok %ld kB\n",
				     after);
		if (kt_write_file("/tmp/thp.p1", verdict, n) < 0)
			kt_die_errno("writing /tmp/thp.p1");
	}

	kt_wait_go();
	kt_after_restart();
	check_data("after restart");
	kt_msg("# AnonHugePages after restart: %ld kB", anon_huge_kb(area));
	kt_done();
}
