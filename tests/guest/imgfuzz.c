// SPDX-License-Identifier: GPL-2.0
/*
 * imgfuzz: a record-aware fuzzer of kcr images (the driver's "fuzz" test
 * and "make fuzz").
 *
 *   imgfuzz gen -s SEED -k K -o OUT BASE...  write mutant K of seed SEED
 *   imgfuzz desc -s SEED -k K BASE...        say what mutant K does
 *   imgfuzz run [-s SEED] [-f FIRST] [-n N] [-t SECS] [-w DIR] [-d DIR] BASE...
 *                                            restart mutants FIRST..FIRST+N-1
 *
 * A mutant is a function of (SEED, K) and of the base images, in the order
 * given: the same bases and the same (SEED, K) always give the same bytes.
 * Mutant K picks one base, applies 1 to 4 mutations to its records, then
 * (most of the time) fixes up the TAIL (nr_records, crc32) so that the
 * kernel processes the mutated content rather than stopping at the crc:
 *   field   a named field (imgrec.h: counts, lengths, kinds, refs, ids,
 *           addresses, TREE entries...) set to a boundary value: 0, 1, -1,
 *           signed max and max+1, old +-1, a flipped bit, the CKPT_*_MAX
 *           limits and limit+1, page sizes, user/kernel address bounds, huge
 *   bytes   a word or a few bytes anywhere in a record's payload
 *   len     the header's len only (the bytes stay: the stream desyncs)
 *   resize  the payload shrunk or grown (zeros or noise), len to match
 *   type    the header's type (another record type, or unknown)
 *   delete  one record or a run of them;   dup  a record repeated
 *   move    two records swapped, or one moved elsewhere
 *   splice  a record of another base inserted, or replacing one of its type
 * and, after the fix-up: a truncation of the stream, or a TAIL field.
 *
 * run: restarts every base first (each must restart and pass its own
 * check), then each mutant with "restart --wait 0 -i MUTANT -l LOG" under a
 * timeout of SECS (default 20), and the bases once more at the end.  A
 * mutant passes when
 *   - restart exits 0 (the restored program passed its own check), or with
 *     an error and a reason: the kernel log has "error: ... (errno=N)",
 *     or the tool (user-space validation) said why on stderr; or the kernel
 *     said "restart done" and the restored program then failed its check
 *     or died (a valid image of a different state);
 *   - every errno in the log is a real one (1..133, no ERESTART* leak),
 *     and the tool itself did not crash;
 *   - afterwards no process of it is left (within 3 s), and no SysV IPC
 *     object is left when the restart failed;
 *   - the kernel logged no Oops, BUG, WARNING, KASAN, UBSAN, lockdep or
 *     hung-task report meanwhile (/dev/kmsg);
 *   - it did not hang: at the timeout, a task still in restart() or in D
 *     state, or a tool with no restored task, is a hang (a restored
 *     program running past the timeout is killed and counted apart).
 * Files directly in the keep dir (-d, default /tmp; not kcr-test-*) are
 * put back after every mutant: content, size and mtime (the restored
 * programs append to their output files, which restart checks by size and
 * mtime), and files created there are removed.  SysV IPC objects created
 * by a completed restart are removed.
 * Every failure is printed as "FAIL mutant SEED:K (base): why; mutation:
 * ...; regenerate: imgfuzz gen ..."; the last line is "N passed, N failed".
 * KCR_FUZZ_TRACE=1 writes "kcr-fuzz: mutant SEED:K" to /dev/kmsg before each
 * mutant (on the console: which mutant an Oops belongs to).
 * Exit status: 0 all passed, 1 a failure, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "imgrec.h"

#define MAX_BASES	16
#define MAX_IMAGE	(64UL << 20)
#define GROW_MAX	8192		/* bytes a resize may add */
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ images */

struct mrec {
	unsigned char *p;
	size_t size;			/* bytes of the record (not padded) */
};

struct image {
	const char *name;
	struct mrec *r;
	size_t n, cap;
};

static struct image bases[MAX_BASES];
static int nbases;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "imgfuzz: out of memory\n");
		exit(2);
	}
	return p;
}

static void img_insert(struct image *m, size_t at, unsigned char *p, size_t size)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->r = realloc(m->r, m->cap * sizeof(*m->r));
		if (!m->r) {
			fprintf(stderr, "imgfuzz: out of memory\n");
			exit(2);
		}
	}
	memmove(m->r + at + 1, m->r + at, (m->n - at) * sizeof(*m->r));
	m->r[at].p = p;
	m->r[at].size = size;
	m->n++;
}

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
	unsigned char *q = xmalloc(n);

	memcpy(q, p, n);
	return q;
}

static void img_delete(struct image *m, size_t at)
{
	free(m->r[at].p);
	memmove(m->r + at, m->r + at + 1, (m->n - at - 1) * sizeof(*m->r));
	m->n--;
}

static void img_free(struct image *m)
{
	while (m->n)
		img_delete(m, m->n - 1);
	free(m->r);
	m->r = NULL;
	m->cap = 0;
}

static void img_copy(struct image *dst, const struct image *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->name = src->name;
	for (i = 0; i < src->n; i++)
		img_insert(dst, dst->n, dup_bytes(src->r[i].p, src->r[i].size), src->r[i].size);
}

static uint32_t rtype(const struct mrec *r)
{
	struct ckpt_hdr h;

	if (r->size < sizeof(h))
		return 0;
	memcpy(&h, r->p, sizeof(h));
	return h.type;
}

/* A valid base image: its records up to and including the TAIL. */
static int load_base(const char *path, struct image *m)
{
	unsigned char *buf;
	size_t len = 0, off = 0;
	ssize_t k;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "imgfuzz: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = xmalloc(MAX_IMAGE);
	while ((k = read(fd, buf + len, MAX_IMAGE - len)) > 0)
		len += k;
	close(fd);
	memset(m, 0, sizeof(*m));
	m->name = path;
	while (off + sizeof(struct ckpt_hdr) <= len) {
		struct ckpt_hdr h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || off + h.len > len)
			break;
		img_insert(m, m->n, dup_bytes(buf + off, h.len), h.len);
		off += CKPT_ALIGN_UP((uint64_t)h.len);
		if (h.type == CKPT_HDR_TAIL) {
			free(buf);
			return 0;
		}
	}
	free(buf);
	fprintf(stderr, "imgfuzz: %s: not a complete image (no TAIL after %zu records)\n",
		path, m->n);
	return -1;
}

static unsigned char *serialize(const struct image *m, size_t *lenp, size_t *tail_off,
				size_t *tail_idx)
{
	size_t i, len = 0, off = 0;
	unsigned char *buf;

	for (i = 0; i < m->n; i++)
		len += CKPT_ALIGN_UP((uint64_t)m->r[i].size);
	buf = xmalloc(len);
	memset(buf, 0, len);
	*tail_off = (size_t)-1;
	for (i = 0; i < m->n; i++) {
		memcpy(buf + off, m->r[i].p, m->r[i].size);
		if (rtype(&m->r[i]) == CKPT_HDR_TAIL && m->r[i].size >= sizeof(struct ckpt_hdr_tail)) {
			*tail_off = off;
			*tail_idx = i;
		}
		off += CKPT_ALIGN_UP((uint64_t)m->r[i].size);
	}
	*lenp = len;
	return buf;
}

/* -------------------------------------------------------------- PRNG */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t n)
{
	return n ? rnd64() % n : 0;
}

static void rng_seed(uint64_t seed, uint64_t k)
{
	rng = seed * 0xd1b54a32d192ed03ULL ^ (k + 1) * 0x8cb92ba72f3d8dd7ULL;
	rnd64();
}

/* ------------------------------------------------------------ mutations */

static char desc[4096];

static __printf(1, 2) void say(const char *fmt, ...)
{
	size_t n = strlen(desc);
	va_list ap;

	if (n >= sizeof(desc) - 2)
		return;
	if (n)
		desc[n++] = ';', desc[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(desc + n, sizeof(desc) - n, fmt, ap);
	va_end(ap);
}

/* The struct size of a record type, 0 if unknown. */
static size_t type_size(uint32_t t)
{
	switch (t) {
	case CKPT_HDR_HEADER:
		return sizeof(struct ckpt_hdr_header);
	case CKPT_HDR_TREE:
		return sizeof(struct ckpt_hdr_tree);
	case CKPT_HDR_TAIL:
		return sizeof(struct ckpt_hdr_tail);
	case CKPT_HDR_TASK:
		return sizeof(struct ckpt_hdr_task);
	case CKPT_HDR_CREDS:
		return sizeof(struct ckpt_hdr_creds);
	case CKPT_HDR_FS:
		return sizeof(struct ckpt_hdr_fs);
	case CKPT_HDR_FILES:
		return sizeof(struct ckpt_hdr_files);
	case CKPT_HDR_FD:
		return sizeof(struct ckpt_hdr_fd);
	case CKPT_HDR_FILE:
		return sizeof(struct ckpt_hdr_file);
	case CKPT_HDR_PIPE:
		return sizeof(struct ckpt_hdr_pipe);
	case CKPT_HDR_PIPE_DATA:
		return sizeof(struct ckpt_hdr_pipe_data);
	case CKPT_HDR_MM:
		return sizeof(struct ckpt_hdr_mm);
	case CKPT_HDR_VMA:
		return sizeof(struct ckpt_hdr_vma);
	case CKPT_HDR_PAGES:
		return sizeof(struct ckpt_hdr_pages);
	case CKPT_HDR_SIGHAND:
		return sizeof(struct ckpt_hdr_sighand);
	case CKPT_HDR_SIGNAL:
		return sizeof(struct ckpt_hdr_signal);
	case CKPT_HDR_SIGINFO:
		return sizeof(struct ckpt_hdr_siginfo);
	case CKPT_HDR_CPU:
		return sizeof(struct ckpt_hdr_cpu);
	case CKPT_HDR_FPU:
		return sizeof(struct ckpt_hdr_fpu);
	case CKPT_HDR_IPC_NS:
		return sizeof(struct ckpt_hdr_ipc_ns);
	case CKPT_HDR_IPC_SHM:
		return sizeof(struct ckpt_hdr_ipc_shm);
	case CKPT_HDR_IPC_MSQ:
		return sizeof(struct ckpt_hdr_ipc_msq);
	case CKPT_HDR_IPC_MSG:
		return sizeof(struct ckpt_hdr_ipc_msg);
	case CKPT_HDR_IPC_SEM:
		return sizeof(struct ckpt_hdr_ipc_sem);
	case CKPT_HDR_SEM_UNDO:
		return sizeof(struct ckpt_hdr_sem_undo);
	case CKPT_HDR_SEM_ADJ:
		return sizeof(struct ckpt_hdr_sem_adj);
	case CKPT_HDR_FILE_LOCK:
		return sizeof(struct ckpt_hdr_file_lock);
	}
	return 0;
}

static const uint64_t limits[] = {
	CKPT_RECORD_MAX, CKPT_PAGES_MAX, CKPT_PIPE_CHUNK, CKPT_TASKS_MAX,
	CKPT_PID_LEVELS_MAX, CKPT_VMAS_MAX, CKPT_FDS_MAX, CKPT_PATH_MAX,
	CKPT_XSTATE_MAX, CKPT_SIGINFO_MAX, CKPT_AUXV_WORDS, CKPT_IPC_OBJECTS_MAX,
	CKPT_SEM_NSEMS_MAX, CKPT_MSG_SIZE_MAX, CKPT_MSG_COUNT_MAX, CKPT_SEM_UNDOS_MAX,
	CKPT_NGROUPS_MAX, CKPT_NSIG, CKPT_RLIM_NLIMITS, CKPT_HDR_TYPE_MAX,
	CKPT_FILE_KIND_MAX, CKPT_VMA_KIND_MAX, CKPT_SYSCALL_STATE_MAX,
};

static const uint64_t addrs[] = {
	0x7ffffffff000ULL, 0x800000000000ULL, 0x7fffffffffffULL, 0xffff800000000000ULL,
	0xffffffffff600000ULL, 0xffffffff81000000ULL, 0x1000, 0x10000,
};

static const uint64_t pages[] = { 4095, 4096, 4097, 65535, 65536, 8, 7 };
static const uint64_t huge[] = {
	1ULL << 31, 1ULL << 32, 1ULL << 63, 0xffffffffULL, 0x100000000ULL - 4096,
};

/* A boundary value for a field of @size bytes that held @old. */
static uint64_t pick_value(uint64_t old, size_t size)
{
	unsigned int bits = size * 8;
	uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	uint64_t v;

	switch (rnd(16)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = ~0ULL;
		break;
	case 3:
		v = mask >> 1;
		break;
		/* signed max */;
	case 4:
		v = (mask >> 1) + 1;
		break;
		/* signed max + 1 */;
	case 5:
		v = old + 1;
		break;
	case 6:
		v = old - 1;
		break;
	case 7:
		v = old ^ (1ULL << rnd(bits));
		break;
	case 8:
		v = old << (1 + rnd(4));
		break;
	case 9:
		v = limits[rnd(ARRAY_SIZE(limits))] + rnd(2);
		break;
	case 10:
		v = pages[rnd(ARRAY_SIZE(pages))];
		break;
	case 11:
		v = addrs[rnd(ARRAY_SIZE(addrs))];
		break;
	case 12:
		v = huge[rnd(ARRAY_SIZE(huge))];
		break;
	case 13:
		v = rnd64();
		break;
	case 14:
		v = old + 4096 * (rnd(2) ? 1 : -1);
		break;
	default:
		v = old + rnd(16) - 8;
		break;
	}
	v &= mask;
	if (v == (old & mask))
		v = (old ^ 1) & mask;
	return v;
}

static uint64_t get_le(const unsigned char *p, size_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);		/* little-endian */
	return v;
}

static void put_le(unsigned char *p, size_t size, uint64_t v)
{
	memcpy(p, &v, size);
}

/* "vma@3" for the record at @i: its type and its ordinal among its type. */
static const char *label(const struct image *m, size_t i)
{
	static char buf[4][48];
	static int which;
	uint32_t t = i < m->n ? rtype(&m->r[i]) : 0;
	size_t j, nth = 0;
	char *b = buf[which++ & 3];

	for (j = 0; j < i && j < m->n; j++)
		nth += rtype(&m->r[j]) == t;
	snprintf(b, sizeof(buf[0]), "%s@%zu(#%zu)", type_name(t), nth, i);
	return b;
}

/*
 * A record index, chosen by type first (so that the many PAGES records of
 * a big address space do not crowd the rest out); @want != NULL limits
 * the choice to records @want accepts.  -1 if there is none.
 */
static long pick_record(const struct image *m, int (*want)(const struct mrec *))
{
	uint32_t types[64];
	size_t i, nt = 0, k, nth;
	uint32_t t;

	for (i = 0; i < m->n; i++) {
		if (want && !want(&m->r[i]))
			continue;
		t = rtype(&m->r[i]);
		for (k = 0; k < nt; k++)
			if (types[k] == t)
				break;
		if (k == nt && nt < 64)
			types[nt++] = t;
	}
	if (!nt)
		return -1;
	t = types[rnd(nt)];
	for (i = 0, k = 0; i < m->n; i++)
		k += rtype(&m->r[i]) == t && (!want || want(&m->r[i]));
	nth = rnd(k);
	for (i = 0; i < m->n; i++)
		if (rtype(&m->r[i]) == t && (!want || want(&m->r[i])) && !nth--)
			return i;
	return -1;
}

static int has_fields(const struct mrec *r)
{
	uint32_t t = rtype(r);
	size_t i;

	if (t == CKPT_HDR_TAIL)
		return 0;		/* the TAIL is edited after the fix-up */
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].type == t && fields[i].off + fields[i].size <= r->size)
			return 1;
	return 0;
}

static int not_tail(const struct mrec *r)
{
	return rtype(r) != CKPT_HDR_TAIL;
}

static void set_at(struct mrec *r, size_t off, size_t size, const char *what, const char *lbl)
{
	uint64_t old = get_le(r->p + off, size), v = pick_value(old, size);

	put_le(r->p + off, size, v);
	say("field %s.%s %#llx -> %#llx", lbl, what, (unsigned long long)old,
	    (unsigned long long)v);
}

static void op_field(struct image *m)
{
	long i = pick_record(m, has_fields);
	struct mrec *r;
	size_t k, n = 0, pick;
	uint32_t t;

	if (i < 0)
		return;
	r = &m->r[i];
	t = rtype(r);
	if (t == CKPT_HDR_TREE && rnd(4)) {
		/* an entry of the TREE */
		size_t nent = (r->size - sizeof(struct ckpt_hdr_tree)) / sizeof(struct ckpt_task_pids);
		const struct tree_field *tf = &tree_fields[rnd(NTREE_FIELDS)];
		size_t e = rnd(nent ? nent : 1), lvl = 0, off;
		char what[48];

		if (!nent)
			return;
		if (!strcmp(tf->name, "pids"))
			lvl = rnd(CKPT_PID_LEVELS_MAX);
		off = sizeof(struct ckpt_hdr_tree) + e * sizeof(struct ckpt_task_pids) +
		      tf->off + lvl * tf->size;
		if (!strcmp(tf->name, "pids"))
			snprintf(what, sizeof(what), "pids%zu_%zu", lvl, e);
		else
			snprintf(what, sizeof(what), "%s%zu", tf->name, e);
		set_at(r, off, tf->size, what, label(m, i));
		return;
	}
	for (k = 0; k < NFIELDS; k++)
		n += fields[k].type == t && fields[k].off + fields[k].size <= r->size;
	pick = rnd(n);
	for (k = 0; k < NFIELDS; k++)
		if (fields[k].type == t && fields[k].off + fields[k].size <= r->size && !pick--)
			break;
	set_at(r, fields[k].off, fields[k].size, strchr(fields[k].name, '.') + 1, label(m, i));
}

static void op_bytes(struct image *m)
{
	long i = pick_record(m, not_tail);
	struct mrec *r;
	size_t off, n, j, lo = sizeof(struct ckpt_hdr);

	if (i < 0 || m->r[i].size <= lo)
		return;
	r = &m->r[i];
	switch (rnd(4)) {
	case 0:		/* one bit */
		off = lo + rnd(r->size - lo);
		j = rnd(8);
		r->p[off] ^= 1 << j;
		say("bytes %s: bit %zu of byte %zu flipped", label(m, i), j, off);
		break;
	case 1:		/* an aligned word */
	case 2:
		n = r->size - lo >= 8 && rnd(2) ? 8 : 4;
		if (r->size - lo < n)
			return;
		off = lo + rnd((r->size - lo - n) / n + 1) * n;
		set_at(r, off, n, n == 8 ? "u64" : "u32", label(m, i));
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), " at byte %zu", off);
		break;
	default:	/* a few bytes of noise */
		off = lo + rnd(r->size - lo);
		n = 1 + rnd(16);
		if (off + n > r->size)
			n = r->size - off;
		for (j = 0; j < n; j++)
			r->p[off + j] = rnd(256);
		say("bytes %s: %zu bytes of noise at byte %zu", label(m, i), n, off);
		break;
	}
}

static void op_len(struct image *m)
{
	long i = pick_record(m, NULL);
	struct ckpt_hdr h;
	size_t ts;
	uint32_t v;

	if (i < 0 || m->r[i].size < sizeof(h))
		return;
	memcpy(&h, m->r[i].p, sizeof(h));
	ts = type_size(h.type);
	switch (rnd(12)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 7;
		break;
	case 2:
		v = 8;
		break;
	case 3:
		v = h.len - 1;
		break;
	case 4:
		v = h.len + 1;
		break;
	case 5:
		v = h.len - 8;
		break;
	case 6:
		v = h.len + 8;
		break;
	case 7:
		v = ts ? ts - 1 : 9;
		break;
	case 8:
		v = 0xffffffff;
		break;
	case 9:
		v = CKPT_RECORD_MAX + rnd(2);
		break;
	case 10:
		v = h.len * 2;
		break;
	default:
		v = rnd64();
		break;
	}
	if (v == h.len)
		v++;
	say("len %s %u -> %u (bytes unchanged)", label(m, i), h.len, v);
	h.len = v;
	memcpy(m->r[i].p, &h, sizeof(h));
}

static void op_resize(struct image *m)
{
	long i = pick_record(m, not_tail);
	struct mrec *r;
	struct ckpt_hdr h;
	size_t ts, nsz, j;
	int noise = 0;

	if (i < 0)
		return;
	r = &m->r[i];
	ts = type_size(rtype(r));
	switch (rnd(9)) {
	case 0:
		nsz = sizeof(h);
		break;
	case 1:
		nsz = ts > sizeof(h) ? ts - 1 : sizeof(h);
		break;
	case 2:
		nsz = ts ? ts : sizeof(h);
		break;
	case 3:
		nsz = r->size - 1;
		break;
	case 4:
		nsz = r->size > 16 ? r->size - 8 : r->size - 1;
		break;
	case 5:
		nsz = r->size / 2;
		break;
	case 6:
		nsz = r->size + 1 + rnd(8);
		break;
	case 7:
		nsz = r->size + 8 * (1 + rnd(8));
		noise = 1;
		break;
	default:
		nsz = r->size + 1 + rnd(GROW_MAX);
		noise = rnd(2);
		break;
	}
	if (nsz < sizeof(h))
		nsz = sizeof(h);
	if (nsz == r->size)
		nsz++;
	r->p = realloc(r->p, nsz);
	if (!r->p) {
		fprintf(stderr, "imgfuzz: out of memory\n");
		exit(2);
	}
	for (j = r->size; j < nsz; j++)
		r->p[j] = noise ? rnd(256) : 0;
	say("resize %s %zu -> %zu bytes%s", label(m, i), r->size, nsz,
	    nsz > r->size ? (noise ? " (noise)" : " (zeros)") : "");
	r->size = nsz;
	memcpy(&h, r->p, sizeof(h));
	h.len = nsz;
	memcpy(r->p, &h, sizeof(h));
}

static const uint32_t known_types[] = {
	CKPT_HDR_HEADER, CKPT_HDR_TREE, CKPT_HDR_TAIL, CKPT_HDR_TASK, CKPT_HDR_CREDS,
	CKPT_HDR_FS, CKPT_HDR_FILES, CKPT_HDR_FD, CKPT_HDR_FILE, CKPT_HDR_PIPE,
	CKPT_HDR_PIPE_DATA, CKPT_HDR_MM, CKPT_HDR_VMA, CKPT_HDR_PAGES, CKPT_HDR_SIGHAND,
	CKPT_HDR_SIGNAL, CKPT_HDR_SIGINFO, CKPT_HDR_CPU, CKPT_HDR_FPU, CKPT_HDR_IPC_NS,
	CKPT_HDR_IPC_SHM, CKPT_HDR_IPC_MSQ, CKPT_HDR_IPC_MSG, CKPT_HDR_IPC_SEM,
	CKPT_HDR_SEM_UNDO, CKPT_HDR_SEM_ADJ, CKPT_HDR_FILE_LOCK,
};
static const uint32_t bad_types[] = {
	0, 4, CKPT_HDR_TYPE_MAX, CKPT_HDR_TYPE_MAX + 1, 0xffffffff,
};

static void op_type(struct image *m)
{
	long i = pick_record(m, NULL);
	struct ckpt_hdr h;
	uint32_t v;

	if (i < 0)
		return;
	memcpy(&h, m->r[i].p, sizeof(h));
	v = rnd(4) ? known_types[rnd(ARRAY_SIZE(known_types))]
		   : bad_types[rnd(ARRAY_SIZE(bad_types))];
	if (v == h.type)
		v = 0;
	say("type %s -> %u (%s)", label(m, i), v, type_name(v));
	h.type = v;
	memcpy(m->r[i].p, &h, sizeof(h));
}

static void op_delete(struct image *m)
{
	long i = pick_record(m, NULL);
	size_t n = 1, k;

	if (i < 0 || m->n < 2)
		return;
	if (!rnd(5))
		n = 2 + rnd(7);
	if (i + n > m->n)
		n = m->n - i;
	say("delete %s%s", label(m, i), n > 1 ? " and the next ones" : "");
	if (n > 1)
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), " (%zu records)", n);
	for (k = 0; k < n; k++)
		img_delete(m, i);
}

static void op_dup(struct image *m)
{
	long i = pick_record(m, NULL);
	size_t at;

	if (i < 0)
		return;
	at = rnd(10) < 7 ? (size_t)i + 1 : rnd(m->n + 1);
	say("dup %s at #%zu", label(m, i), at);
	img_insert(m, at, dup_bytes(m->r[i].p, m->r[i].size), m->r[i].size);
}

static void op_move(struct image *m)
{
	long i = pick_record(m, NULL);
	struct mrec tmp;
	size_t to;

	if (i < 0 || m->n < 2)
		return;
	if (rnd(10) < 6) {
		to = (size_t)i + 1 < m->n ? (size_t)i + 1 : (size_t)i - 1;
		say("swap %s and %s", label(m, i), label(m, to));
		tmp = m->r[i];
		m->r[i] = m->r[to];
		m->r[to] = tmp;
		return;
	}
	to = rnd(m->n);
	say("move %s to #%zu", label(m, i), to);
	tmp = m->r[i];
	memmove(m->r + i, m->r + i + 1, (m->n - i - 1) * sizeof(*m->r));
	m->n--;
	img_insert(m, to, tmp.p, tmp.size);
}

static void op_splice(struct image *m, int self)
{
	int o = rnd(nbases - 1);
	const struct image *src;
	long j, i;
	uint32_t t;
	size_t k, nsame = 0, at;

	if (nbases < 2) {
		op_field(m);
		return;
	}
	if (o >= self)
		o++;
	src = &bases[o];
	j = pick_record(src, not_tail);
	if (j < 0)
		return;
	t = rtype(&src->r[j]);
	for (k = 0; k < m->n; k++)
		nsame += rtype(&m->r[k]) == t;
	if (nsame && rnd(2)) {
		/* replace one of the same type */
		size_t nth = rnd(nsame);

		for (i = 0; i < (long)m->n; i++)
			if (rtype(&m->r[i]) == t && !nth--)
				break;
		say("splice: %s replaced by %s of %s", label(m, i), label(src, j), src->name);
		free(m->r[i].p);
		m->r[i].p = dup_bytes(src->r[j].p, src->r[j].size);
		m->r[i].size = src->r[j].size;
		return;
	}
	at = rnd(m->n);		/* before the TAIL at the latest */
	say("splice: %s of %s inserted at #%zu", label(src, j), src->name, at);
	img_insert(m, at, dup_bytes(src->r[j].p, src->r[j].size), src->r[j].size);
}

/*
 * Mutant @k of @seed: the bytes in *@out (malloc'ed), the base's index
 * returned, what was done in desc[].
 */
static int make_mutant(uint64_t seed, uint64_t k, unsigned char **out, size_t *outlen)
{
	struct image m;
	unsigned char *buf;
	size_t len, toff, tidx = 0, nops, j;
	int b, fix;

	rng_seed(seed, k);
	desc[0] = 0;
	b = rnd(nbases);
	img_copy(&m, &bases[b]);
	j = rnd(100);
	nops = j < 60 ? 1 : j < 85 ? 2 : 3 + rnd(2);
	for (j = 0; j < nops; j++) {
		uint64_t w = rnd(100);

		if (w < 34)
			op_field(&m);
		else if (w < 44)
			op_bytes(&m);
		else if (w < 51)
			op_len(&m);
		else if (w < 59)
			op_resize(&m);
		else if (w < 63)
			op_type(&m);
		else if (w < 71)
			op_delete(&m);
		else if (w < 78)
			op_dup(&m);
		else if (w < 84)
			op_move(&m);
		else
			op_splice(&m, b);
	}
	fix = rnd(100) < 85;
	buf = serialize(&m, &len, &toff, &tidx);
	if (fix && toff != (size_t)-1) {
		struct ckpt_hdr_tail t;

		memcpy(&t, buf + toff, sizeof(t));
		t.nr_records = tidx;
		t.crc32 = crc32_zlib(buf, toff);
		memcpy(buf + toff, &t, sizeof(t));
		say("TAIL fixed up");
	} else {
		say("TAIL not fixed up");
	}
	j = rnd(100);
	if (j < 5 && len) {
		size_t cut = rnd(2) && toff != (size_t)-1 ? toff + rnd(sizeof(struct ckpt_hdr_tail))
							  : rnd(len);

		say("truncated to %zu of %zu bytes", cut, len);
		len = cut;
	} else if (j < 8 && toff != (size_t)-1) {
		static const size_t offs[] = {
			offsetof(struct ckpt_hdr_tail, nr_records),
			offsetof(struct ckpt_hdr_tail, crc32),
			offsetof(struct ckpt_hdr_tail, magic),
			offsetof(struct ckpt_hdr_tail, pad),
		};
		static const char *const names[] = { "nr_records", "crc32", "magic", "pad" };
		size_t f = rnd(4), sz = f == 0 || f == 2 ? 8 : 4;
		struct mrec tr = { buf + toff, sizeof(struct ckpt_hdr_tail) };

		set_at(&tr, offs[f], sz, names[f], "tail");
	}
	img_free(&m);
	*out = buf;
	*outlen = len;
	return b;
}

/* ------------------------------------------------------------ the runner */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t w = -1;

	if (fd >= 0) {
		w = write(fd, p, n);
		if (close(fd))
			w = -1;
	}
	if (w != (ssize_t)n) {
		fprintf(stderr, "imgfuzz: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* At most @max bytes of @path, NUL-terminated; "" if none. */
static char *read_text(const char *path, size_t max)
{
	char *b = xmalloc(max + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, k;

	if (fd >= 0) {
		while ((size_t)n < max && (k = read(fd, b + n, max - n)) > 0)
			n += k;
		close(fd);
	}
	b[n] = 0;
	return b;
}

/* First line of @s, at most 200 characters, in @buf. */
static const char *first_line(const char *s, char *buf, size_t size)
{
	size_t n = strcspn(s, "\n");

	if (n >= size)
		n = size - 1;
	if (n > 200)
		n = 200;
	memcpy(buf, s, n);
	buf[n] = 0;
	return buf;
}

/* ---- processes: a snapshot of those that existed before */

struct proc {
	int pid;
	unsigned long long start;
	char comm[32];
	char state;
	int kthread;
};

static struct proc *snap;
static size_t nsnap;

static int read_proc(int pid, struct proc *p)
{
	char path[64], buf[1024], *c, *e;
	unsigned long flags = 0;
	unsigned long long start = 0;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	c = strchr(buf, '(');
	e = strrchr(buf, ')');
	if (!c || !e || e[1] != ' ')
		return -1;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(e - c - 1), c + 1);
	p->state = e[2];
	/* after ") S ": ppid pgrp session tty tpgid flags ... starttime (22nd) */
	c = e + 4;
	for (i = 4; i <= 22 && c; i++) {
		if (i == 9)
			flags = strtoul(c, NULL, 10);
		if (i == 22)
			start = strtoull(c, NULL, 10);
		c = strchr(c, ' ');
		if (c)
			c++;
	}
	p->start = start;
	p->kthread = !!(flags & 0x00200000);	/* PF_KTHREAD */
	return 0;
}

/* Processes now: all (@all) or only those not in the snapshot and alive. */
static size_t list_procs(struct proc **out, int all)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct proc *v = NULL, p;
	size_t n = 0, cap = 0, i;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);

		if (pid <= 0 || pid == getpid() || read_proc(pid, &p) || p.kthread)
			continue;
		if (!all) {
			if (p.state == 'Z' || p.state == 'X')
				continue;
			for (i = 0; i < nsnap; i++)
				if (snap[i].pid == pid && snap[i].start == p.start)
					break;
			if (i < nsnap)
				continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				exit(2);
		}
		v[n++] = p;
	}
	closedir(d);
	*out = v;
	return n;
}

static long proc_syscall(int pid)
{
	char path[64], buf[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -2;
	buf[n] = 0;
	if (!isdigit((unsigned char)buf[0]))
		return -1;		/* "running" or "-1 ..." (user mode) */
	return strtol(buf, NULL, 10);
}

static void describe_procs(struct proc *v, size_t n, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = 0;
	for (i = 0; i < n && len < size - 64; i++)
		len += snprintf(buf + len, size - len, "%s%d %s (%c, syscall %ld)", i ? ", " : "",
				v[i].pid, v[i].comm, v[i].state, proc_syscall(v[i].pid));
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Wait up to @secs for the new processes to go; returns how many are left. */
static size_t wait_new_gone(double secs, struct proc **left)
{
	double end = now_s() + secs;
	struct timespec ms20 = { 0, 20 * 1000 * 1000 };
	size_t n;

	for (;;) {
		reap_all();
		n = list_procs(left, 0);
		if (!n || now_s() > end)
			return n;
		free(*left);
		*left = NULL;
		nanosleep(&ms20, NULL);
	}
}

static void kill_new(void)
{
	struct proc *v = NULL;
	size_t n = list_procs(&v, 0), i;

	for (i = 0; i < n; i++)
		kill(v[i].pid, SIGKILL);
	free(v);
}

/* ---- SysV IPC objects */

struct ipcset {
	int ids[3][256];
	int n[3];
};

static const char *const ipc_files[3] = { "/proc/sysvipc/shm", "/proc/sysvipc/msg",
					  "/proc/sysvipc/sem" };
static const char *const ipc_kinds[3] = { "shm", "msq", "sem" };
static struct ipcset ipc0;

static void ipc_scan(struct ipcset *s)
{
	int k;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < 3; k++) {
		char *t = read_text(ipc_files[k], 1 << 18), *l = strchr(t, '\n');
		long key, id;

		while (l && *++l) {
			if (sscanf(l, "%ld %ld", &key, &id) == 2 && s->n[k] < 256)
				s->ids[k][s->n[k]++] = id;
			l = strchr(l, '\n');
		}
		free(t);
	}
}

/* New objects since the snapshot: described in @buf, and removed. */
static int ipc_new_removed(char *buf, size_t size)
{
	struct ipcset now;
	int k, i, j, found = 0;
	size_t len = 0;

	buf[0] = 0;
	ipc_scan(&now);
	for (k = 0; k < 3; k++)
		for (i = 0; i < now.n[k]; i++) {
			int id = now.ids[k][i];

			for (j = 0; j < ipc0.n[k]; j++)
				if (ipc0.ids[k][j] == id)
					break;
			if (j < ipc0.n[k])
				continue;
			found++;
			if (len < size - 32)
				len += snprintf(buf + len, size - len, "%s%s %d", len ? ", " : "",
						ipc_kinds[k], id);
			if (k == 0)
				shmctl(id, IPC_RMID, NULL);
			else if (k == 1)
				msgctl(id, IPC_RMID, NULL);
			else
				semctl(id, 0, IPC_RMID);
		}
	return found;
}

/* ---- the files of the keep dir */

struct kfile {
	char path[300];
	char *data;
	size_t size;
	struct timespec atime, mtime;
	mode_t mode;
};

static struct kfile *kfiles;
static size_t nkfiles;
static const char *keep_dir = "/tmp";

static void keep_snapshot(void)
{
	DIR *d = opendir(keep_dir);
	struct dirent *de;
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct kfile *f;
		char path[300];
		int fd;

		if (!strncmp(de->d_name, "kcr-test-", 9) || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", keep_dir, de->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 20))
			continue;
		kfiles = realloc(kfiles, (nkfiles + 1) * sizeof(*kfiles));
		if (!kfiles)
			exit(2);
		f = &kfiles[nkfiles++];
		snprintf(f->path, sizeof(f->path), "%s", path);
		f->size = st.st_size;
		f->atime = st.st_atim;
		f->mtime = st.st_mtim;
		f->mode = st.st_mode & 07777;
		f->data = xmalloc(f->size);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, f->data, f->size) != (ssize_t)f->size)
			f->size = 0;
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
}

/*
 * Put the keep dir back as it was; what the restored programs appended to
 * their files goes to @msg (their FAIL lines).
 */
static void keep_restore(char *msg, size_t msize)
{
	DIR *d = opendir(keep_dir);
	struct dirent *de;
	struct stat st;
	size_t i, mlen = 0;

	msg[0] = 0;
	for (i = 0; i < nkfiles; i++) {
		struct kfile *f = &kfiles[i];
		struct timespec ts[2] = { f->atime, f->mtime };
		int fd;

		if (!stat(f->path, &st) && (size_t)st.st_size == f->size &&
		    st.st_mtim.tv_sec == f->mtime.tv_sec && st.st_mtim.tv_nsec == f->mtime.tv_nsec)
			continue;
		fd = open(f->path, O_RDWR | O_CREAT | O_CLOEXEC, f->mode);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && (size_t)st.st_size > f->size && mlen < msize - 1) {
			ssize_t n = pread(fd, msg + mlen, msize - 1 - mlen, f->size);

			if (n > 0)
				mlen += n;
			msg[mlen] = 0;
		}
		if (pwrite(fd, f->data, f->size, 0) != (ssize_t)f->size || ftruncate(fd, f->size))
			fprintf(stderr, "imgfuzz: restoring %s: %s\n", f->path, strerror(errno));
		futimens(fd, ts);
		close(fd);
	}
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300];

		if (!strncmp(de->d_name, "kcr-test-", 9) || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", keep_dir, de->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < nkfiles; i++)
			if (!strcmp(kfiles[i].path, path))
				break;
		if (i == nkfiles)
			unlink(path);
	}
	closedir(d);
}

/* ---- kernel reports */

static int kmsg_fd = -1;

static const char *const kbad[] = {
	"Oops", "BUG", "WARNING", "KASAN", "UBSAN", "Kernel panic", "general protection",
	"Call Trace", "possible circular locking", "lockdep", "hung_task", "blocked for more than",
	"kmemleak", "refcount_t", "list_add corruption", "list_del corruption",
};

/* New kernel log records since the last call; problems described in @buf. */
static int kmsg_check(char *buf, size_t size)
{
	char rec[2048];
	size_t len = 0, i;
	int bad = 0;
	ssize_t n;

	buf[0] = 0;
	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = 0;
		/* a restored program's own fault (fuzzed registers): not the kernel's */
		if (strstr(rec, ";traps: ") && !bad)
			continue;
		for (i = 0; i < ARRAY_SIZE(kbad); i++)
			if (strstr(rec, kbad[i]))
				break;
		if (i == ARRAY_SIZE(kbad) && !bad)
			continue;
		if (i < ARRAY_SIZE(kbad))
			bad = 1;
		if (len < size - 2) {
			char *m = strchr(rec, ';');
			char line[256];

			len += snprintf(buf + len, size - len, "%s%s", len ? " | " : "",
					first_line(m ? m + 1 : rec, line, sizeof(line)));
		}
	}
	return bad;
}

/* ---- one restart */

enum verdict {
	V_OK,		/* restart exit 0: restored, its check passed */
	V_TOOL,		/* refused by the tool (user-space validation) */
	V_KERNEL,	/* refused by the kernel, with a reason */
	V_RESTORED,	/* restored, then the program failed its check or died */
	V_LONG,		/* restored, ran past the timeout: killed */
	V_FAIL,
	V_NR
};

static const char *const vnames[V_NR] = {
	"restored and passed", "refused by the tool", "refused by the kernel",
	"restored, its check failed", "restored, ran past the timeout", "FAILED",
};

static const char *work = "/tmp/fuzz";
static double tmo = 20;
static char why[8192];
static char note[4096];	/* the tasks of a mutant that ran past the timeout */

static __printf(1, 2) void why_add(const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n >= sizeof(why) - 3)
		return;
	if (n)
		why[n++] = ';', why[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
}

/* Every errno=N of @log is a real errno; else why_add()s. */
static int errnos_ok(const char *log)
{
	const char *p = log;
	int ok = 1;

	while ((p = strstr(p, "errno="))) {
		long e = strtol(p + 6, NULL, 10);

		if (e <= 0 || e > 133) {
			why_add("errno=%ld in the log is not an errno", e);
			ok = 0;
		}
		p += 6;
	}
	return ok;
}

static enum verdict run_one(const char *img, const void *bytes, size_t len)
{
	char logp[300], errp[300], buf[4096], ln[256], out[2048];
	sigset_t chld;
	struct timespec ts;
	struct proc *left = NULL;
	double end;
	pid_t pid, w;
	int st = 0, done = 0, timed_out = 0, crashed = 0, completed;
	enum verdict v = V_FAIL;
	size_t n;
	char *log, *err;

	why[0] = 0;
	snprintf(logp, sizeof(logp), "%s/mutant.log", work);
	snprintf(errp, sizeof(errp), "%s/mutant.err", work);
	unlink(logp);
	if (write_file(img, bytes, len) || write_file(errp, "", 0))
		exit(2);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pid = fork();
	if (pid < 0) {
		perror("imgfuzz: fork");
		exit(2);
	}
	if (!pid) {
		int fd = open("/dev/null", O_RDONLY), e = open(errp, O_WRONLY | O_APPEND);

		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		if (fd < 0 || e < 0 || dup2(fd, 0) < 0 || dup2(e, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execlp("restart", "restart", "--wait", "0", "-i", img, "-l", logp, (char *)NULL);
		_exit(127);
	}
	end = now_s() + tmo;
	while (!done) {
		double left_s = end - now_s();

		if (left_s <= 0) {
			timed_out = 1;
			break;
		}
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == pid) {
				done = 1;
				break;
			}
		if (done)
			break;
		if (left_s > 0.2)
			left_s = 0.2;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left_s * 1e9);
		sigtimedwait(&chld, NULL, &ts);
	}
	if (timed_out) {
		size_t i, in_rst = 0, restored = 0;

		n = list_procs(&left, 0);
		for (i = 0; i < n; i++) {
			if (proc_syscall(left[i].pid) == __NR_restart || left[i].state == 'D')
				in_rst++;
			else if (strcmp(left[i].comm, "restart"))
				restored++;
		}
		describe_procs(left, n, buf, sizeof(buf));
		if (in_rst || !restored)
			why_add("hang: restart still running after %.0f s: %s", tmo, buf);
		else
			v = V_LONG;
		snprintf(note, sizeof(note), "%s", buf);
		free(left);
		left = NULL;
		kill_new();
		n = wait_new_gone(10, &left);
		if (n) {
			describe_procs(left, n, buf, sizeof(buf));
			why_add("unkillable: still there 10 s after SIGKILL: %s", buf);
		}
		free(left);
		left = NULL;
		waitpid(pid, &st, 0);
	} else {
		n = wait_new_gone(3, &left);
	}
	if (!timed_out && n) {
		describe_procs(left, n, buf, sizeof(buf));
		why_add("left running 3 s after restart exited: %s", buf);
		free(left);
		left = NULL;
		kill_new();
		n = wait_new_gone(10, &left);
		if (n) {
			describe_procs(left, n, buf, sizeof(buf));
			why_add("unkillable: still there 10 s after SIGKILL: %s", buf);
		}
		free(left);
		left = NULL;
	}
	free(left);
	log = read_text(logp, 1 << 16);
	err = read_text(errp, 1 << 14);
	completed = strstr(log, "restart done") != NULL;
	keep_restore(out, sizeof(out));
	if (ipc_new_removed(buf, sizeof(buf)) && !completed)
		why_add("SysV IPC objects left by the failed restart: %s", buf);
	if (kmsg_check(buf, sizeof(buf)))
		why_add("kernel report: %s", buf);
	errnos_ok(log);
	if (!timed_out && WIFSIGNALED(st)) {
		crashed = 1;
		why_add("the restart tool died of signal %d", WTERMSIG(st));
	}
	if (!timed_out && !crashed) {
		if (WEXITSTATUS(st) == 0) {
			v = V_OK;
		} else if (completed) {
			v = V_RESTORED;
		} else if (strstr(log, "error: ")) {
			v = V_KERNEL;
		} else if (strstr(log, "errno=")) {
			why_add("restart() failed without a reason: %s",
				first_line(log, ln, sizeof(ln)));
		} else if (err[strspn(err, " \t\n")]) {
			v = V_TOOL;
		} else {
			why_add("restart exited %d with no message (stderr and log empty)",
				WEXITSTATUS(st));
		}
	}
	if (why[0])
		v = V_FAIL;
	if (v == V_FAIL && (err[0] || log[0]))
		why_add("stderr: %s; log: %s", first_line(err, buf, 200),
			first_line(log, ln, sizeof(ln)));
	if (v == V_RESTORED)
		snprintf(why, sizeof(why), "restart exit %d; program: %s; stderr: %s",
			 WEXITSTATUS(st), first_line(out, ln, sizeof(ln)),
			 first_line(err, buf, 200));
	free(log);
	free(err);
	return v;
}

/* ------------------------------------------------------------ main */

static int usage(void)
{
	fprintf(stderr,
		"usage: imgfuzz gen -s SEED -k K -o OUT BASE...\n"
		"       imgfuzz desc -s SEED -k K BASE...\n"
		"       imgfuzz run [-s SEED] [-f FIRST] [-n N] [-t SECS] [-w WORKDIR] [-d KEEPDIR] BASE...\n");
	return 2;
}

static void print_regen(uint64_t seed, uint64_t k)
{
	int i;

	printf("  regenerate: imgfuzz gen -s %llu -k %llu -o mutant.img",
	       (unsigned long long)seed, (unsigned long long)k);
	for (i = 0; i < nbases; i++)
		printf(" %s", bases[i].name);
	printf("\n");
}

static unsigned long counts[V_NR], failed, passed, bcount[MAX_BASES];
static double vtime[V_NR], btime[MAX_BASES];

static void trace_mutant(uint64_t seed, uint64_t k)
{
	char buf[128];
	int fd;

	if (!getenv("KCR_FUZZ_TRACE") || !*getenv("KCR_FUZZ_TRACE"))
		return;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "<4>kcr-fuzz: mutant %llu:%llu\n", (unsigned long long)seed,
		 (unsigned long long)k);
	if (write(fd, buf, strlen(buf)) < 0)
		perror("imgfuzz: /dev/kmsg");
	close(fd);
}

/* Mutant @k: made, restarted, judged, counted; a failure printed. */
static void run_mutant(const char *img, uint64_t seed, uint64_t k, uint64_t first, double t0)
{
	unsigned long long s = seed, kk = k;
	unsigned char *mb;
	char buf[300];
	enum verdict v;
	size_t ml;
	int base = make_mutant(seed, k, &mb, &ml);
	double t1;

	trace_mutant(seed, k);
	t1 = now_s();
	v = run_one(img, mb, ml);
	t1 = now_s() - t1;
	free(mb);
	counts[v]++;
	vtime[v] += t1;
	btime[base] += t1;
	bcount[base]++;
	if (v == V_LONG)
		printf("NOTE mutant %llu:%llu (%s) ran past the timeout (killed): %s\n  mutation: %s\n",
		       s, kk, bases[base].name, note, desc);
	if (v == V_FAIL) {
		failed++;
		printf("FAIL mutant %llu:%llu (%s): %s\n  mutation: %s\n", s, kk,
		       bases[base].name, why, desc);
		print_regen(seed, k);
		if (getenv("KCR_FUZZ_KEEP")) {
			snprintf(buf, sizeof(buf), "%s/fail-%llu-%llu.img", work, s, kk);
			rename(img, buf);
		}
	} else {
		passed++;
	}
	if ((k - first + 1) % 250 == 0)
		fprintf(stderr, "imgfuzz: %llu mutants, %lu failed, %.0f s\n",
			(unsigned long long)(k - first + 1), failed, now_s() - t0);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, first = 0, count = 1000, k = 0, i;
	const char *cmd, *outp = NULL;
	char img[300];
	int c, have_k = 0;
	double t0;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argv++;
	argc--;
	while ((c = getopt(argc, argv, "s:k:o:f:n:t:w:d:")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			k = strtoull(optarg, NULL, 0);
			have_k = 1;
			break;
		case 'o':
			outp = optarg;
			break;
		case 'f':
			first = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 't':
			tmo = atof(optarg);
			break;
		case 'w':
			work = optarg;
			break;
		case 'd':
			keep_dir = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || argc - optind > MAX_BASES)
		return usage();
	for (; optind < argc; optind++)
		if (load_base(argv[optind], &bases[nbases++]))
			return 2;

	if (!strcmp(cmd, "gen") || !strcmp(cmd, "desc")) {
		unsigned char *b;
		size_t len;
		int base;

		if (!have_k || (!strcmp(cmd, "gen") && !outp))
			return usage();
		base = make_mutant(seed, k, &b, &len);
		if (!strcmp(cmd, "gen") && write_file(outp, b, len))
			return 2;
		printf("mutant %llu:%llu (%s, %zu bytes): %s\n", (unsigned long long)seed,
		       (unsigned long long)k, bases[base].name, len, desc);
		return 0;
	}
	if (strcmp(cmd, "run"))
		return usage();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdir(work, 0755) && errno != EEXIST) {
		fprintf(stderr, "imgfuzz: %s: %s\n", work, strerror(errno));
		return 2;
	}
	snprintf(img, sizeof(img), "%s/mutant.img", work);
	/* orphans of the restored trees come to us, and are reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	{
		sigset_t chld;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, NULL);
	}
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	nsnap = list_procs(&snap, 1);
	ipc_scan(&ipc0);
	keep_snapshot();
	t0 = now_s();

	/* the bases themselves, before and after: they must restart */
	for (c = 0; c < 2 * nbases; c++) {
		const struct image *b = &bases[c % nbases];
		unsigned char *bytes;
		size_t len, toff, tidx;
		enum verdict v;

		if (c == nbases)	/* the mutants, in between */
			for (i = first; i < first + count; i++)
				run_mutant(img, seed, i, first, t0);
		bytes = serialize(b, &len, &toff, &tidx);
		v = run_one(img, bytes, len);
		free(bytes);
		if (v != V_OK) {
			failed++;
			printf("FAIL base %s %s the mutants: does not restart (%s): %s\n", b->name,
			       c < nbases ? "before" : "after", vnames[v], why);
		} else {
			passed++;
		}
	}
	fprintf(stderr, "imgfuzz: seed %llu, mutants %llu..%llu, %.1f s (%.0f ms each):",
		(unsigned long long)seed, (unsigned long long)first,
		(unsigned long long)(first + count - 1), now_s() - t0,
		count ? (now_s() - t0) * 1000 / (count + 2 * nbases) : 0.0);
	for (c = 0; c < V_NR; c++)
		fprintf(stderr, "%s %s %lu (%.0f ms each)", c ? "," : "", vnames[c], counts[c],
			counts[c] ? vtime[c] * 1000 / counts[c] : 0.0);
	fprintf(stderr, "\nimgfuzz: per base:");
	for (c = 0; c < nbases; c++)
		fprintf(stderr, " %s %lu (%.0f ms each)", bases[c].name, bcount[c],
			bcount[c] ? btime[c] * 1000 / bcount[c] : 0.0);
	fprintf(stderr, "\n");
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
