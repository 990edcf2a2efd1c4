// SPDX-License-Identifier: GPL-2.0
/*
 * scale NAME fds N | NAME vmas N: a process with a huge table, for the
 * scale tests (object table size, rescheduling in long loops).
 *
 *   fds N   raises RLIMIT_NOFILE (root) and opens /dev/null N times: N open
 *           file descriptions, N objects in the checkpoint's table.
 *   vmas N  maps N separate one-page anonymous mappings (a guard gap
 *           between them, so none merge); every 64th page is written with
 *           its index (the image stays small), the others stay untouched.
 *
 * Then kt_ready(), kt_wait_go(), and after the restart every fd (the same
 * character device, O_WRONLY or O_RDWR as opened) or every mapping (its
 * address, its content, its count in /proc/self/maps) is checked.
 * KCRTEST_BREAK=close (selfcheck): one fd closed; =page: one page changed.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>

#include "kcrtest.h"

static unsigned long count_maps(void)
{
	char buf[65536];
	unsigned long n = 0;
	ssize_t len, i;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		kt_die_errno("/proc/self/maps");
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < len; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

static void do_fds(long n)
{
	struct rlimit rl = { n + 64, n + 64 };
	int *fds = calloc(n, sizeof(*fds));
	struct stat null_st, st;
	long i, bad = 0;
	int top = 0;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		kt_die_errno("setrlimit(RLIMIT_NOFILE)");
	if (stat("/dev/null", &null_st))
		kt_die_errno("stat /dev/null");
	if (!fds)
		kt_die_errno("calloc");
	for (i = 0; i < n; i++) {
		fds[i] = open("/dev/null", (i & 1) ? O_RDWR : O_WRONLY);
		if (fds[i] < 0)
			kt_die("open #%ld of /dev/null: %s", i, strerror(errno));
		if (fds[i] > top)
			top = fds[i];
	}
	kt_msg("# %ld fds up to %d", n, top);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("close"))
		close(fds[n / 2]);
	for (i = 0; i < n; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if (fl < 0 || fstat(fds[i], &st) || st.st_rdev != null_st.st_rdev ||
		    (fl & O_ACCMODE) != ((i & 1) ? O_RDWR : O_WRONLY)) {
			if (!bad++)
				kt_fail("fd %d: expected /dev/null open %s, got %s", fds[i],
					(i & 1) ? "O_RDWR" : "O_WRONLY",
					fl < 0 ? strerror(errno) : "another file or mode");
		}
	}
	KT_EXPECT_INT("fds not restored", 0, bad);
	if (fcntl(top + 1, F_GETFD) != -1)
		kt_fail("fd %d: expected closed, got open", top + 1);
}

static void do_vmas(long n)
{
	long pg = sysconf(_SC_PAGESIZE), i, bad = 0;
	unsigned long before, after;
	char *base, *p;

	/* one range reserved, then every other page mapped over it */
	base = mmap(NULL, 2 * n * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (base == MAP_FAILED)
		kt_die_errno("mmap the range");
	if (munmap(base, 2 * n * pg))
		kt_die_errno("munmap the range");
	for (i = 0; i < n; i++) {
		p = mmap(base + 2 * i * pg, pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != base + 2 * i * pg)
			kt_die("mmap #%ld: %s", i, p == MAP_FAILED ? strerror(errno) : "moved");
		if (!(i % 64))
			*(long *)p = i;
	}
	before = count_maps();
	kt_msg("# %ld mappings at %p, %lu lines in maps", n, base, before);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("page"))
		*(long *)(base + 2 * (n / 2 / 64 * 64) * pg) = -1;
	for (i = 0; i < n; i++) {
		long exp = i % 64 ? 0 : i;

		if (*(long *)(base + 2 * i * pg) != exp && !bad++)
			kt_fail("mapping %ld at %p: expected %ld, got %ld", i, base + 2 * i * pg,
				exp, *(long *)(base + 2 * i * pg));
	}
	KT_EXPECT_INT("pages not restored", 0, bad);
	after = count_maps();
	KT_EXPECT_INT("lines in /proc/self/maps", before, after);
}

int main(int argc, char **argv)
{
	long n;

	if (argc != 4 || strlen(argv[1]) > 200 || (n = atol(argv[3])) <= 0) {
		kt_msg("usage: scale NAME fds|vmas N");
		return 2;
	}
	kt_start(argv[1]);
	if (!strcmp(argv[2], "fds"))
		do_fds(n);
	else if (!strcmp(argv[2], "vmas"))
		do_vmas(n);
	else
		kt_die("unknown mode %s", argv[2]);
	kt_done();
}
