// SPDX-License-Identifier: GPL-2.0
/*
 * imgmut: make damaged kcr images for the driver's badimage test.
 *
 *   imgmut list IN                         one line per record: offset type name len
 *   imgmut IN OUT truncate N               the first N bytes of IN
 *   imgmut IN OUT flip OFFSET [MASK]       byte at OFFSET xor MASK (default 0xff)
 *   imgmut IN OUT set OFFSET BYTE...       bytes at OFFSET
 *   imgmut [-c] IN OUT field NAME[@N] VAL  a named field of the N-th (from 0)
 *                                          record of its type; VAL is a number,
 *                                          +N / -N (add) or ^N (xor), stored
 *                                          little-endian in the field's size
 *   imgmut IN where NAME[@N]               print the file offset of a field
 *   imgmut IN get NAME[@N]                 print the value of a field (decimal)
 *   imgmut fields                          list the field names
 *
 * TREE entry fields name the entry by a number after the field:
 * tree.pid0, tree.flags1, tree.mm_ref2 ... for any entry N of the TREE
 * (struct ckpt_task_pids: pid tgid ppid pgid sid flags exit_code
 * exit_signal nr_levels sysvsem_ref pids mm_ref files_ref fs_ref
 * sighand_ref signal_ref pidns_ref), and tree.pidsL_N for pids[L] of
 * entry N.  The SysV IPC records (format v3) are ipc_ns, ipc_shm, ipc_msq,
 * ipc_msg, ipc_sem, sem_undo and sem_adj (perm fields: ipc_shm.id,
 * ipc_shm.key, ipc_shm.mode, ipc_shm.perm_pad...; ipc_sem.semval0,
 * sem_adj.adj0: the first value after the record's struct).
 *
 * -c recomputes the TAIL crc32 after the edit, so that only the kernel's
 * own validation of the field can reject the image (without -c any edit is
 * also caught by the crc, but only at the end of the stream).
 * Exit status: 0 done, 1 error, 3 the image has no such record (the driver
 * skips that case).
 * The record names and the field table are in imgrec.h, shared with imgfuzz.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imgrec.h"

#define MAX_IMAGE (1UL << 30)

struct rec {
	size_t off;
	uint32_t type, len;
};

static unsigned char *img;
static size_t img_len;
static struct rec *recs;
static size_t nrecs;

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n;

	if (!f) {
		fprintf(stderr, "imgmut: %s: %s\n", path, strerror(errno));
		return -1;
	}
	img = malloc(cap);
	while (img && (n = fread(img + img_len, 1, cap - img_len, f)) > 0) {
		img_len += n;
		if (img_len == cap) {
			if (cap >= MAX_IMAGE) {
				fprintf(stderr, "imgmut: %s: larger than %lu bytes\n", path, MAX_IMAGE);
				fclose(f);
				return -1;
			}
			cap *= 2;
			img = realloc(img, cap);
		}
	}
	fclose(f);
	if (!img) {
		fprintf(stderr, "imgmut: out of memory\n");
		return -1;
	}
	return 0;
}

/* Index the records of the (valid) input; stops at the first malformed one. */
static void walk(void)
{
	size_t off = 0, cap = 0;

	while (off + sizeof(struct ckpt_hdr) <= img_len) {
		struct ckpt_hdr h;

		memcpy(&h, img + off, sizeof(h));
		if (h.len < sizeof(h) || off + h.len > img_len)
			break;
		if (nrecs == cap) {
			cap = cap ? 2 * cap : 256;
			recs = realloc(recs, cap * sizeof(*recs));
			if (!recs) {
				fprintf(stderr, "imgmut: out of memory\n");
				exit(1);
			}
		}
		recs[nrecs].off = off;
		recs[nrecs].type = h.type;
		recs[nrecs].len = h.len;
		nrecs++;
		if (h.type == CKPT_HDR_TAIL)
			break;
		off += CKPT_ALIGN_UP((uint64_t)h.len);
	}
}

static int save(const char *path, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "imgmut: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int fix_crc(void)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		if (recs[i].type == CKPT_HDR_TAIL) {
			size_t at = recs[i].off + offsetof(struct ckpt_hdr_tail, crc32);
			uint32_t c = crc32_zlib(img, recs[i].off);

			memcpy(img + at, &c, 4);
			return 0;
		}
	fprintf(stderr, "imgmut: no TAIL record: cannot fix the crc\n");
	return -1;
}

/* Offset of NAME[@N] in the image, or -1 (no such field) / -3 (no such record). */
static long long locate(const char *spec, const struct field **fp)
{
	char name[64];
	const char *at = strchr(spec, '@');
	unsigned long idx = 0, seen = 0;
	size_t i, len = at ? (size_t)(at - spec) : strlen(spec);
	const struct field *f = NULL;
	uint32_t type;
	const char *dot;
	size_t off = 0, size = 4;

	if (len >= sizeof(name))
		return -1;
	memcpy(name, spec, len);
	name[len] = 0;
	if (at)
		idx = strtoul(at + 1, NULL, 0);
	for (i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			f = &fields[i];
	if (f) {
		type = f->type;
		off = f->off;
		size = f->size;
	} else if (!strncmp(name, "tree.", 5) && !tree_entry_field(name + 5, &off, &size)) {
		type = CKPT_HDR_TREE;
	} else {
		/* RECORD.type / RECORD.len for any record type */
		dot = strchr(name, '.');
		if (!dot)
			return -1;
		for (type = 1; type <= CKPT_HDR_TYPE_MAX; type++)
			if (type_names[type] && strlen(type_names[type]) == (size_t)(dot - name) &&
			    !strncmp(type_names[type], name, dot - name))
				break;
		if (type > CKPT_HDR_TYPE_MAX)
			return -1;
		if (!strcmp(dot + 1, "type"))
			off = offsetof(struct ckpt_hdr, type);
		else if (!strcmp(dot + 1, "len"))
			off = offsetof(struct ckpt_hdr, len);
		else
			return -1;
	}
	if (fp) {
		static struct field tmp;

		tmp.name = spec;
		tmp.type = type;
		tmp.off = off;
		tmp.size = size;
		*fp = &tmp;
	}
	for (i = 0; i < nrecs; i++)
		if (recs[i].type == type && seen++ == idx) {
			if (off + size > recs[i].len)
				return -3;
			return recs[i].off + off;
		}
	return -3;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: imgmut list IN | imgmut fields | imgmut IN where|get NAME[@N]\n"
		"       imgmut IN OUT truncate N | flip OFFSET [MASK] | set OFFSET BYTE...\n"
		"       imgmut [-c] IN OUT field NAME[@N] VALUE|+N|-N|^N\n");
	return 1;
}

static int parse_num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	int fixcrc = 0, i;
	unsigned long long n, v;
	const char *in, *out, *op;

	if (argc > 1 && !strcmp(argv[1], "-c")) {
		fixcrc = 1;
		argv++;
		argc--;
	}
	if (argc == 2 && !strcmp(argv[1], "fields")) {
		for (i = 0; i < (int)NFIELDS; i++)
			printf("%s\n", fields[i].name);
		/* the TREE entry fields exist for every entry; list 0 and 1 */
		for (n = 0; n < 2; n++)
			for (i = 0; i < (int)NTREE_FIELDS; i++) {
				if (!strcmp(tree_fields[i].name, "pids"))
					printf("tree.pids0_%llu\ntree.pids1_%llu\n", n, n);
				else
					printf("tree.%s%llu\n", tree_fields[i].name, n);
			}
		printf("RECORD.type\nRECORD.len\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "list")) {
		size_t k;

		if (load(argv[2]))
			return 1;
		walk();
		for (k = 0; k < nrecs; k++)
			printf("%zu %u %s %u\n", recs[k].off, recs[k].type, type_name(recs[k].type),
			       recs[k].len);
		return 0;
	}
	if (argc == 4 && (!strcmp(argv[2], "where") || !strcmp(argv[2], "get"))) {
		const struct field *f;
		unsigned long long val = 0;
		long long o;

		if (load(argv[1]))
			return 1;
		walk();
		o = locate(argv[3], &f);
		if (o == -1) {
			fprintf(stderr, "imgmut: unknown field %s\n", argv[3]);
			return 1;
		}
		if (o < 0)
			return 3;
		if (!strcmp(argv[2], "where")) {
			printf("%lld\n", o);
		} else {
			memcpy(&val, img + o, f->size);
			printf("%llu\n", val);
		}
		return 0;
	}
	if (argc < 5)
		return usage();
	in = argv[1];
	out = argv[2];
	op = argv[3];
	if (load(in))
		return 1;
	walk();

	if (!strcmp(op, "truncate") && argc == 5) {
		if (parse_num(argv[4], &n) || n > img_len)
			return usage();
		return save(out, n) ? 1 : 0;
	}
	if (!strcmp(op, "flip") && (argc == 5 || argc == 6)) {
		unsigned long long mask = 0xff;

		if (parse_num(argv[4], &n) || n >= img_len ||
		    (argc == 6 && (parse_num(argv[5], &mask) || mask > 0xff || !mask)))
			return usage();
		img[n] ^= mask;
	} else if (!strcmp(op, "set") && argc >= 6) {
		if (parse_num(argv[4], &n))
			return usage();
		for (i = 5; i < argc; i++, n++) {
			if (parse_num(argv[i], &v) || v > 0xff || n >= img_len)
				return usage();
			img[n] = v;
		}
	} else if (!strcmp(op, "field") && argc == 6) {
		const struct field *f;
		long long o = locate(argv[4], &f);
		unsigned long long old = 0;
		const char *val = argv[5];

		if (o == -1) {
			fprintf(stderr, "imgmut: unknown field %s (imgmut fields lists them)\n", argv[4]);
			return 1;
		}
		if (o < 0) {
			fprintf(stderr, "imgmut: the image has no record for %s\n", argv[4]);
			return 3;
		}
		memcpy(&old, img + o, f->size);
		if (*val == '+' || *val == '-' || *val == '^') {
			if (parse_num(val + 1, &v))
				return usage();
			v = *val == '+' ? old + v : *val == '-' ? old - v : old ^ v;
		} else if (parse_num(val, &v)) {
			return usage();
		}
		memcpy(img + o, &v, f->size);	/* little-endian: the low bytes */
	} else {
		return usage();
	}
	if (fixcrc && fix_crc())
		return 1;
	return save(out, img_len) ? 1 : 0;
}
