// SPDX-License-Identifier: GPL-2.0
/*
 * zimage NAME [MIB]: the memory of a program survives a compressed image
 * (checkpoint -z, restart inflating it).
 *
 *   text    MIB MiB (default 16) of log-like text records (textgen.h):
 *           what compression is for;
 *   random  1 MiB of pseudo-random bytes: deflate cannot shrink them,
 *           stored blocks in the stream;
 *   sparse  64 pages, every 8th one touched with its index: holes that are
 *           not in the image.
 * After restart every byte is compared with a fresh copy built from the
 * same seeds, and the untouched pages must read as zero.
 * KCRTEST_BREAK=text,random (with KCRTEST_SELFCHECK=1) damages one byte of
 * each region at the point of the restart, to check the checks.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include "textgen.h"
#include <sys/mman.h>

#define PG		4096UL
#define RANDOM_LEN	(1UL << 20)
#define SPARSE_PAGES	64

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		kt_die_errno("mmap");
	return p;
}

static void fill_random(unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t s = seed, v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = tg_next(&s);
		memcpy(p + i, &v, 8);
	}
}

/* The first differing offset of a and b, or -1. */
static long first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return (long)i;
}

int main(int argc, char **argv)
{
	size_t text_len, i;
	unsigned char *text, *rnd, *sparse, *want;
	long d;

	if (argc < 2) {
		fprintf(stderr, "usage: zimage NAME [MIB]\n");
		return 2;
	}
	kt_start(argv[1]);
	text_len = (argc > 2 && atol(argv[2]) > 0 ? (size_t)atol(argv[2]) : 16) << 20;
	text = map(text_len);
	rnd = map(RANDOM_LEN);
	sparse = map(SPARSE_PAGES * PG);
	tg_fill((char *)text, text_len, 42);
	fill_random(rnd, RANDOM_LEN, 4242);
	for (i = 0; i < SPARSE_PAGES; i += 8)
		memset(sparse + i * PG, (int)(i + 1), PG);

	kt_ready();
	kt_wait_go();
	if (kt_broken("text"))
		text[text_len / 2] ^= 1;
	if (kt_broken("random"))
		rnd[RANDOM_LEN - 9] ^= 0x80;
	kt_after_restart();

	want = map(text_len > RANDOM_LEN ? text_len : RANDOM_LEN);
	tg_fill((char *)want, text_len, 42);
	d = first_diff(text, want, text_len);
	if (d >= 0)
		kt_fail("text region byte %ld: expected 0x%02x, got 0x%02x", d, want[d], text[d]);
	memset(want, 0, RANDOM_LEN);
	fill_random(want, RANDOM_LEN, 4242);
	d = first_diff(rnd, want, RANDOM_LEN);
	if (d >= 0)
		kt_fail("random region byte %ld: expected 0x%02x, got 0x%02x", d, want[d], rnd[d]);
	for (i = 0; i < SPARSE_PAGES; i++) {
		int c = i % 8 ? 0 : (int)(i + 1);
		size_t j;

		for (j = 0; j < PG && sparse[i * PG + j] == c; j++)
			;
		if (j < PG)
			kt_fail("sparse page %zu byte %zu: expected 0x%02x, got 0x%02x", i, j,
				c, sparse[i * PG + j]);
	}
	kt_done();
}
