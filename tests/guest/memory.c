// SPDX-License-Identifier: GPL-2.0
/*
 * memory: the address space survives checkpoint/restart.
 *
 * Regions are placed at fixed addresses (MAP_FIXED_NOREPLACE, with holes
 * between them) so the layout is deterministic and no two regions can merge:
 *   anon     16 private anonymous pages, 6 written with patterns, 10 never
 *            touched (must read as zero);
 *   sparse   64 MiB private anonymous MAP_NORESERVE, 3 pages touched;
 *   resv     1 GiB PROT_NONE MAP_NORESERVE reservation with three windows
 *            mprotect()ed read-write and touched (the driver checks that the
 *            image stays under 16 MiB: untouched memory must not be saved);
 *   priv     8 pages of /tmp/memory.priv mapped MAP_PRIVATE: pages 1 and 5
 *            written (COW), page 3 read only.  After restart the file is
 *            unchanged, memory shows the writes; an untouched page still
 *            follows the file (a pwrite to page 3 shows through), and a new
 *            write still does not reach the file;
 *   shared   4 pages of /tmp/memory.shared MAP_SHARED written: file and
 *            memory agree after restart, and writes still go both ways;
 *   shm      4 pages MAP_SHARED|MAP_ANONYMOUS with data, mapped a second time
 *            with mremap(old_size 0): both views keep the data and still
 *            share it after restart;
 *   ro, none 2 pages each written, then mprotect()ed PROT_READ / PROT_NONE;
 *   heap     malloc()ed small blocks (brk) and a 256 KiB block (mmap), sbrk(0)
 *            unchanged, brk can still grow, malloc still works;
 *   stack    a 16 KiB local array.
 * /proc/self/maps is captured before (into memory) and must be identical
 * after (only the inode number of shared anonymous memory, a new shmem
 * object, is masked), as are /proc/self/auxv, the mm fields in
 * /proc/self/stat, /proc/self/cmdline, /proc/self/environ and
 * /proc/self/exe.  The vDSO clock still works.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <alloca.h>
#include <sys/mman.h>

#define PG		4096UL
#define BASE		0x3e0000000000UL
#define R_ANON		(BASE + 0x00000000UL)
#define R_SPARSE	(BASE + 0x01000000UL)
#define R_RESV		(BASE + 0x10000000UL)
#define R_PRIV		(BASE + 0x60000000UL)
#define R_SHARED	(BASE + 0x61000000UL)
#define R_SHM		(BASE + 0x62000000UL)
#define R_SHM2		(BASE + 0x63000000UL)
#define R_RO		(BASE + 0x64000000UL)
#define R_NONE		(BASE + 0x65000000UL)
#define SPARSE_LEN	(64UL << 20)
#define RESV_LEN	(1UL << 30)

static const unsigned long anon_touched[] = { 0, 1, 2, 5, 9, 15 };
static const unsigned long sparse_touched[] = { 0, (32UL << 20) + 3 * PG, SPARSE_LEN - PG };
/* window offset, window length, touched page offsets */
static const unsigned long resv_win[3][2] = {
	{ 0, 16 * PG }, { 512UL << 20, PG }, { RESV_LEN - 16 * PG, 16 * PG },
};
static const unsigned long resv_touched[] = { 0, 7 * PG, 512UL << 20, RESV_LEN - PG };

#define NSMALL 64
static unsigned char *small[NSMALL];
static size_t small_len[NSMALL];
static unsigned char *big;
#define BIG_LEN (256UL << 10)

static char maps0[65536], maps1[65536];
static char auxv0[4096], auxv1[4096];
static char stat0[512], stat1[512];
static char cmd0[4096], cmd1[4096], env0[8192], env1[8192];
static char exe0[512], exe1[512];
static ssize_t auxv0_len, cmd0_len, env0_len;

static uint64_t pat(unsigned long addr, unsigned int tag)
{
	uint64_t x = (addr ^ ((uint64_t)tag << 56)) * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 29) ^ tag;
}

static void fill(void *p, size_t len, unsigned int tag)
{
	uint64_t *q = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		q[i] = pat((unsigned long)&q[i], tag);
}

/* Content at addr must be the pattern that was written at addr0 (tag). */
static int check(const char *what, const void *p, unsigned long addr0, size_t len, unsigned int tag)
{
	const uint64_t *q = p;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		uint64_t want = pat(addr0 + 8 * i, tag);

		if (q[i] != want) {
			kt_fail("%s at %p: expected 0x%016llx, got 0x%016llx", what,
				(void *)&q[i], (unsigned long long)want, (unsigned long long)q[i]);
			return -1;
		}
	}
	return 0;
}

static int check_zero(const char *what, const void *p, size_t len)
{
	const uint64_t *q = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (q[i]) {
			kt_fail("%s at %p: expected 0 (never touched), got 0x%016llx", what,
				(void *)&q[i], (unsigned long long)q[i]);
			return -1;
		}
	return 0;
}

static void *map_at(unsigned long addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, off);

	if (p == MAP_FAILED)
		kt_die("mmap at 0x%lx: %s", addr, strerror(errno));
	if ((unsigned long)p != addr)
		kt_die("mmap at 0x%lx: got %p (MAP_FIXED_NOREPLACE unsupported?)", addr, p);
	return p;
}

static int make_file(const char *path, size_t pages, unsigned int tag)
{
	static uint64_t page[PG / 8];
	size_t i, j;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		kt_die_errno(path);
	for (i = 0; i < pages; i++) {
		for (j = 0; j < PG / 8; j++)
			page[j] = pat(i * PG + 8 * j, tag);
		if (pwrite(fd, page, PG, i * PG) != (ssize_t)PG)
			kt_die_errno("writing a test file");
	}
	return fd;
}

/* The file's page must hold the file pattern (offset based) for tag. */
static int check_file_page(const char *what, int fd, size_t pgno, unsigned int tag)
{
	static uint64_t page[PG / 8];
	size_t j;

	if (pread(fd, page, PG, pgno * PG) != (ssize_t)PG) {
		kt_fail("%s: pread page %zu: %s", what, pgno, strerror(errno));
		return -1;
	}
	for (j = 0; j < PG / 8; j++)
		if (page[j] != pat(pgno * PG + 8 * j, tag)) {
			kt_fail("%s: file page %zu offset %zu: expected 0x%016llx, got 0x%016llx",
				what, pgno, 8 * j, (unsigned long long)pat(pgno * PG + 8 * j, tag),
				(unsigned long long)page[j]);
			return -1;
		}
	return 0;
}

/* Fill a mapped file page with the offset-based pattern of tag. */
static void fill_file_pattern(void *p, size_t pgno, unsigned int tag)
{
	uint64_t *q = p;
	size_t j;

	for (j = 0; j < PG / 8; j++)
		q[j] = pat(pgno * PG + 8 * j, tag);
}

static int check_file_pattern(const char *what, const void *p, size_t pgno, unsigned int tag)
{
	const uint64_t *q = p;
	size_t j;

	for (j = 0; j < PG / 8; j++)
		if (q[j] != pat(pgno * PG + 8 * j, tag)) {
			kt_fail("%s: page %zu offset %zu: expected 0x%016llx, got 0x%016llx", what,
				pgno, 8 * j, (unsigned long long)pat(pgno * PG + 8 * j, tag),
				(unsigned long long)q[j]);
			return -1;
		}
	return 0;
}

/*
 * Mask the inode of mappings whose object is new after restart (shmem):
 * the number and the padding after it (its width may differ) become "# ".
 */
static void normalize_maps(char *m)
{
	char *line = m;

	while (*line) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (memmem(line, len, "/dev/zero", 9) || memmem(line, len, "/SYSV", 5)) {
			char *f = line, *d;
			int i;

			for (i = 0; i < 4 && f; i++) {	/* skip 4 fields */
				f = memchr(f, ' ', line + len - f);
				while (f && f < line + len && *f == ' ')
					f++;
			}
			if (f && f < line + len && *f >= '0' && *f <= '9') {
				/* "#" and one space replace the number and its padding */
				for (d = f; d < line + len && *d >= '0' && *d <= '9'; d++)
					;
				while (d < line + len && *d == ' ')
					d++;
				f[0] = '#';
				f[1] = ' ';
				memmove(f + 2, d, strlen(d) + 1);
				len -= d - f - 2;
				end = end ? line + len : NULL;
			}
		}
		if (!end)
			break;
		line = end + 1;
	}
}

/* Fields 26-28 and 46-52 of /proc/self/stat (code, stack, data, brk, args, env). */
static void mm_fields(char *out, size_t size)
{
	static char buf[2048];
	char *p, *tok, *save = NULL;
	int field = 3;
	size_t used = 0;

	out[0] = 0;
	if (kt_read_file("/proc/self/stat", buf, sizeof(buf)) < 0)
		return;
	p = strrchr(buf, ')');
	if (!p)
		return;
	for (tok = strtok_r(p + 2, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), field++)
		if ((field >= 26 && field <= 28) || (field >= 46 && field <= 52))
			used += snprintf(out + used, size - used, "%d=%s\n", field, tok);
}

static void snapshot(char *maps, char *auxv, ssize_t *auxv_len, char *stat, char *cmd,
		     ssize_t *cmd_len, char *env, ssize_t *env_len, char *exe)
{
	ssize_t n;

	if (kt_read_file("/proc/self/maps", maps, sizeof(maps0)) < 0)
		kt_fail("reading /proc/self/maps: %s", strerror(errno));
	normalize_maps(maps);
	*auxv_len = kt_read_file("/proc/self/auxv", auxv, sizeof(auxv0));
	mm_fields(stat, sizeof(stat0));
	*cmd_len = kt_read_file("/proc/self/cmdline", cmd, sizeof(cmd0));
	*env_len = kt_read_file("/proc/self/environ", env, sizeof(env0));
	n = readlink("/proc/self/exe", exe, sizeof(exe0) - 1);
	exe[n < 0 ? 0 : n] = 0;
}

static void touch_stack(void)
{
	volatile char *p = alloca(128 << 10);
	size_t i;

	for (i = 0; i < (128 << 10); i += PG)
		p[i] = 1;
}

int main(void)
{
	volatile uint64_t stackbuf[2048];	/* 16 KiB */
	unsigned char *anon, *sparse, *resv, *priv, *shared, *shm, *shm2, *ro, *none;
	int fd_priv, fd_shared, i;
	size_t k;
	void *brk0, *brk1, *brk2;
	double mono0, mono1;
	ssize_t auxv1_len, cmd1_len, env1_len;

	kt_start("memory");
	touch_stack();

	anon = map_at(R_ANON, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (k = 0; k < sizeof(anon_touched) / sizeof(anon_touched[0]); k++)
		fill(anon + anon_touched[k] * PG, PG, 'A');

	sparse = map_at(R_SPARSE, SPARSE_LEN, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	for (k = 0; k < 3; k++)
		fill(sparse + sparse_touched[k], PG, 'S');

	resv = map_at(R_RESV, RESV_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	for (k = 0; k < 3; k++)
		if (mprotect(resv + resv_win[k][0], resv_win[k][1], PROT_READ | PROT_WRITE))
			kt_die_errno("mprotect reservation window");
	for (k = 0; k < 4; k++)
		fill(resv + resv_touched[k], PG, 'R');

	fd_priv = make_file("/tmp/memory.priv", 8, 'F');
	priv = map_at(R_PRIV, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_priv, 0);
	fill_file_pattern(priv + 1 * PG, 1, 'W');
	fill_file_pattern(priv + 5 * PG, 5, 'W');
	if (check_file_pattern("private file mapping before checkpoint", priv + 3 * PG, 3, 'F'))
		kt_die("setup");

	fd_shared = make_file("/tmp/memory.shared", 4, 'G');
	shared = map_at(R_SHARED, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd_shared, 0);
	for (k = 0; k < 4; k++)
		fill_file_pattern(shared + k * PG, k, 'H');

	shm = map_at(R_SHM, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill(shm, 4 * PG, 'M');
	shm2 = mremap(shm, 0, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)R_SHM2);
	if (shm2 == MAP_FAILED)
		kt_die_errno("mremap second view of shared anonymous memory");
	if (check("second view of shared anonymous memory before checkpoint", shm2,
		  (unsigned long)shm, 4 * PG, 'M'))
		kt_die("setup");

	ro = map_at(R_RO, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(ro, 2 * PG, 'O');
	if (mprotect(ro, 2 * PG, PROT_READ))
		kt_die_errno("mprotect PROT_READ");
	none = map_at(R_NONE, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(none, 2 * PG, 'N');
	if (mprotect(none, 2 * PG, PROT_NONE))
		kt_die_errno("mprotect PROT_NONE");

	for (i = 0; i < NSMALL; i++) {
		small_len[i] = 16 + 37 * i;
		small[i] = malloc(small_len[i]);
		if (!small[i])
			kt_die("malloc failed");
		memset(small[i], 0x40 + i, small_len[i]);
	}
	big = malloc(BIG_LEN);
	if (!big)
		kt_die("malloc big failed");
	fill(big, BIG_LEN, 'B');
	brk0 = sbrk(0);

	for (k = 0; k < 2048; k++)
		stackbuf[k] = pat((unsigned long)&stackbuf[k], 'K');

	mono0 = kt_now(CLOCK_MONOTONIC);
	snapshot(maps0, auxv0, &auxv0_len, stat0, cmd0, &cmd0_len, env0, &env0_len, exe0);
	kt_ready();
	kt_wait_go();

	/* ---- after restart: first the snapshots, before anything changes ---- */
	snapshot(maps1, auxv1, &auxv1_len, stat1, cmd1, &cmd1_len, env1, &env1_len, exe1);
	kt_after_restart();

	kt_compare_lines("/proc/self/maps", maps0, maps1);
	if (auxv0_len != auxv1_len || memcmp(auxv0, auxv1, auxv0_len > 0 ? auxv0_len : 0))
		kt_fail("/proc/self/auxv: expected the same %zd bytes, got %zd bytes that differ",
			auxv0_len, auxv1_len);
	kt_compare_lines("mm fields in /proc/self/stat", stat0, stat1);
	if (cmd0_len != cmd1_len || memcmp(cmd0, cmd1, cmd0_len > 0 ? cmd0_len : 0))
		kt_fail("/proc/self/cmdline: expected \"%s\", got \"%s\"", cmd0, cmd1);
	if (env0_len != env1_len || memcmp(env0, env1, env0_len > 0 ? env0_len : 0))
		kt_fail("/proc/self/environ: expected %zd bytes, got %zd bytes that differ",
			env0_len, env1_len);
	KT_EXPECT_STR("/proc/self/exe", exe0, exe1);

	mono1 = kt_now(CLOCK_MONOTONIC);	/* vDSO */
	if (!(mono1 >= mono0))
		kt_fail("vdso CLOCK_MONOTONIC: expected >= %.3f, got %.3f", mono0, mono1);

	/* private anonymous */
	for (k = 0; k < 16; k++) {
		int touched = 0;
		size_t t;

		for (t = 0; t < sizeof(anon_touched) / sizeof(anon_touched[0]); t++)
			touched |= anon_touched[t] == k;
		if (touched)
			check("private anonymous page", anon + k * PG, R_ANON + k * PG, PG, 'A');
		else
			check_zero("untouched private anonymous page", anon + k * PG, PG);
	}
	for (k = 0; k < 3; k++)
		check("sparse NORESERVE page", sparse + sparse_touched[k],
		      R_SPARSE + sparse_touched[k], PG, 'S');
	check_zero("untouched sparse page", sparse + PG, PG);
	check_zero("untouched sparse page", sparse + (48UL << 20), PG);
	for (k = 0; k < 4; k++)
		check("reservation window page", resv + resv_touched[k],
		      R_RESV + resv_touched[k], PG, 'R');
	check_zero("untouched reservation window page", resv + 15 * PG, PG);

	/* private file mapping */
	for (k = 0; k < 8; k++) {
		check_file_pattern("private file mapping",
				   priv + k * PG, k, (k == 1 || k == 5) ? 'W' : 'F');
		check_file_page("private file mapping: file must stay unchanged", fd_priv, k, 'F');
	}
	{
		static uint64_t page[PG / 8];

		for (k = 0; k < PG / 8; k++)
			page[k] = pat(3 * PG + 8 * k, 'X');
		if (pwrite(fd_priv, page, PG, 3 * PG) != (ssize_t)PG)
			kt_fail("pwrite private file: %s", strerror(errno));
		check_file_pattern("private file mapping, unwritten page 3 after a pwrite to the file "
				   "(expected it to follow the file: not COWed)", priv + 3 * PG, 3, 'X');
		fill_file_pattern(priv + 6 * PG, 6, 'Y');
		check_file_page("private file mapping written after restart: the file must not change",
				fd_priv, 6, 'F');
	}

	/* shared file mapping */
	for (k = 0; k < 4; k++) {
		check_file_pattern("shared file mapping: memory", shared + k * PG, k, 'H');
		check_file_page("shared file mapping: file", fd_shared, k, 'H');
	}
	fill_file_pattern(shared + 2 * PG, 2, 'I');
	check_file_page("shared file mapping written after restart: file", fd_shared, 2, 'I');
	{
		static uint64_t page[PG / 8];

		for (k = 0; k < PG / 8; k++)
			page[k] = pat(8 * k, 'J');
		if (pwrite(fd_shared, page, PG, 0) != (ssize_t)PG)
			kt_fail("pwrite shared file: %s", strerror(errno));
		check_file_pattern("shared file mapping after a pwrite to the file: memory",
				   shared, 0, 'J');
	}

	/* shared anonymous */
	check("shared anonymous memory", shm, R_SHM, 4 * PG, 'M');
	check("shared anonymous memory, second view", shm2, R_SHM, 4 * PG, 'M');
	fill(shm + PG, PG, 'Z');
	check("shared anonymous memory: write through view 1 seen in view 2", shm2 + PG,
	      R_SHM + PG, PG, 'Z');

	/* read-only and PROT_NONE */
	check("read-only region", ro, R_RO, 2 * PG, 'O');
	if (mprotect(none, 2 * PG, PROT_READ))
		kt_fail("mprotect PROT_NONE region to PROT_READ: %s", strerror(errno));
	else
		check("PROT_NONE region", none, R_NONE, 2 * PG, 'N');

	/* heap */
	for (i = 0; i < NSMALL; i++)
		for (k = 0; k < small_len[i]; k++)
			if (small[i][k] != (unsigned char)(0x40 + i)) {
				kt_fail("malloc block %d byte %zu: expected 0x%02x, got 0x%02x", i, k,
					0x40 + i, small[i][k]);
				break;
			}
	check("256 KiB malloc block", big, (unsigned long)big, BIG_LEN, 'B');
	brk1 = sbrk(0);
	if (brk1 != brk0)
		kt_fail("sbrk(0): expected %p, got %p", brk0, brk1);
	brk2 = sbrk(64 << 10);
	if (brk2 == (void *)-1) {
		kt_fail("sbrk(64 KiB) after restart: %s", strerror(errno));
	} else {
		memset(brk2, 0x5a, 64 << 10);
		if (sbrk(0) != (char *)brk1 + (64 << 10))
			kt_fail("sbrk(0) after growing: expected %p, got %p",
				(void *)((char *)brk1 + (64 << 10)), sbrk(0));
	}
	for (i = 0; i < NSMALL; i += 2)
		free(small[i]);
	for (i = 0; i < 200; i++) {
		char *p = malloc(100 + i * 50);

		if (!p) {
			kt_fail("malloc after restart: expected memory, got NULL");
			break;
		}
		memset(p, i, 100 + i * 50);
	}

	/* stack */
	for (k = 0; k < 2048; k++)
		if (stackbuf[k] != pat((unsigned long)&stackbuf[k], 'K')) {
			kt_fail("stack array element %zu: expected 0x%016llx, got 0x%016llx", k,
				(unsigned long long)pat((unsigned long)&stackbuf[k], 'K'),
				(unsigned long long)stackbuf[k]);
			break;
		}
	kt_done();
}
