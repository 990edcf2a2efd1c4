// SPDX-License-Identifier: GPL-2.0
/*
 * ipctool: SysV IPC helpers for the driver's ipc and semundo tests (the
 * guest's busybox has no ipcs/ipcrm).
 *
 *   ipctool rm FILE          remove the objects FILE lists ("KIND ID KEY" lines,
 *                            KIND shm, msq, sem or dest); missing ones are fine
 *   ipctool exist FILE       exit 0 iff every shm/msq/sem of FILE exists (by id)
 *   ipctool absent FILE      exit 0 iff none of FILE's objects (dest too) exists
 *   ipctool last FILE        print the line of the object an image holds last
 *                            (the sem with the highest id, else msq, else shm)
 *   ipctool rmall            remove every object of the caller's IPC namespace
 *   ipctool count            print "shm N msq N sem N" (this IPC namespace)
 *   ipctool semvals ID       print the values of array ID, space separated
 *   ipctool info IMAGE       the IPC records of an image, one line:
 *                            "ipcns FLAGS objects N shm N msq N msg N sem N
 *                             undo N adj N sysv_vmas N newipcns 0|1 refs R"
 *                            (refs: the distinct non-zero sysvsem_refs of the
 *                            TREE); "ipcns none ..." when there is no IPC_NS
 *   ipctool secret FILE      create a segment and a queue of mode 0600 holding
 *                            "KCR-SECRET-SHM" and "KCR-SECRET-MSG"; their
 *                            "KIND ID KEY" lines go to FILE
 *   ipctool semmode IN OUT SEMID MODE
 *                            copy image IN to OUT with the IPC_SEM record of
 *                            SEMID given permission bits MODE (octal), TAIL
 *                            crc32 recomputed
 * Exit status: 0 ok, 1 the condition does not hold or an error, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include "../../include/uapi/linux/checkpoint.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

struct obj {
	char kind[8];
	int id;
	unsigned int key;
};

static int read_list(const char *path, struct obj *o, int max)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int n = 0;

	if (!f) {
		fprintf(stderr, "ipctool: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (n < max && fgets(line, sizeof(line), f))
		if (sscanf(line, "%7s %d %x", o[n].kind, &o[n].id, &o[n].key) == 3)
			n++;
	fclose(f);
	return n;
}

static int exists(const struct obj *o)
{
	struct shmid_ds sds;
	struct msqid_ds mds;
	struct semid_ds ds;
	union semun su = { .buf = &ds };

	if (!strcmp(o->kind, "shm") || !strcmp(o->kind, "dest"))
		return shmctl(o->id, IPC_STAT, &sds) == 0;
	if (!strcmp(o->kind, "msq"))
		return msgctl(o->id, IPC_STAT, &mds) == 0;
	if (!strcmp(o->kind, "sem"))
		return semctl(o->id, 0, IPC_STAT, su) == 0;
	return 0;
}

static void rm(const char *kind, int id)
{
	if (!strcmp(kind, "shm") || !strcmp(kind, "dest"))
		shmctl(id, IPC_RMID, NULL);
	else if (!strcmp(kind, "msq"))
		msgctl(id, IPC_RMID, NULL);
	else if (!strcmp(kind, "sem"))
		semctl(id, 0, IPC_RMID);
}

/* ids of /proc/sysvipc/FILE (second column) */
static int proc_ids(const char *file, int *ids, int max)
{
	char path[64], line[512];
	FILE *f;
	int n = 0, key, id;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (n < max && fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d", &key, &id) == 2)
			ids[n++] = id;
	fclose(f);
	return n;
}

/* ---------------------------------------------------------------- images */
static unsigned char *img;
static size_t img_len;

static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20;

	if (!f) {
		fprintf(stderr, "ipctool: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	img = malloc(cap);
	for (;;) {
		size_t n;

		if (img_len == cap) {
			cap *= 2;
			img = realloc(img, cap);
		}
		if (!img) {
			fprintf(stderr, "ipctool: out of memory\n");
			exit(1);
		}
		n = fread(img + img_len, 1, cap - img_len, f);
		if (!n)
			break;
		img_len += n;
	}
	fclose(f);
}

static uint32_t crc32_buf(const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	uint32_t c = 0xffffffff;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t v = i;
			int k;

			for (k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320 ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
	}
	for (i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffff;
}

/* Calls fn for every record; stops at the TAIL (returns its offset) or an error (-1). */
static long walk(int (*fn)(size_t off, const struct ckpt_hdr *h, void *arg), void *arg)
{
	size_t off = 0;

	while (off + sizeof(struct ckpt_hdr) <= img_len) {
		const struct ckpt_hdr *h = (const void *)(img + off);

		if (h->len < sizeof(*h) || off + h->len > img_len) {
			fprintf(stderr, "ipctool: bad record at offset %zu\n", off);
			return -1;
		}
		if (fn && fn(off, h, arg))
			return -1;
		if (h->type == CKPT_HDR_TAIL)
			return (long)off;
		off += CKPT_ALIGN_UP(h->len);
	}
	fprintf(stderr, "ipctool: no TAIL\n");
	return -1;
}

struct info {
	int have_ns;
	unsigned int flags, nr_objects;
	int shm, msq, msg, sem, undo, adj, sysv_vmas, newipcns;
	uint32_t refs[CKPT_TASKS_MAX];
	int nrefs;
};

static int info_fn(size_t off, const struct ckpt_hdr *h, void *arg)
{
	struct info *in = arg;
	uint32_t i, k;

	(void)off;
	switch (h->type) {
	case CKPT_HDR_TREE: {
		const struct ckpt_hdr_tree *t = (const void *)h;
		const struct ckpt_task_pids *e = (const void *)(t + 1);

		if (h->len < sizeof(*t) + sizeof(*e) * (size_t)t->nr_tasks)
			return -1;
		in->newipcns = !!(e[0].flags & CKPT_TASK_NEWIPCNS);
		for (i = 0; i < t->nr_tasks; i++) {
			if (!e[i].sysvsem_ref)
				continue;
			for (k = 0; k < (uint32_t)in->nrefs; k++)
				if (in->refs[k] == e[i].sysvsem_ref)
					break;
			if (k == (uint32_t)in->nrefs && in->nrefs < CKPT_TASKS_MAX)
				in->refs[in->nrefs++] = e[i].sysvsem_ref;
		}
		break;
	}
	case CKPT_HDR_IPC_NS: {
		const struct ckpt_hdr_ipc_ns *n = (const void *)h;

		in->have_ns = 1;
		in->flags = n->flags;
		in->nr_objects = n->nr_objects;
		break;
	}
	case CKPT_HDR_IPC_SHM:
		in->shm++;
		break;
	case CKPT_HDR_IPC_MSQ:
		in->msq++;
		break;
	case CKPT_HDR_IPC_MSG:
		in->msg++;
		break;
	case CKPT_HDR_IPC_SEM:
		in->sem++;
		break;
	case CKPT_HDR_SEM_UNDO:
		in->undo++;
		break;
	case CKPT_HDR_SEM_ADJ:
		in->adj++;
		break;
	case CKPT_HDR_VMA: {
		const struct ckpt_hdr_vma *v = (const void *)h;

		if (v->kind == CKPT_VMA_SYSV_SHM)
			in->sysv_vmas++;
		break;
	}
	}
	return 0;
}

struct semmode {
	int semid, found;
	unsigned int mode;
};

static int semmode_fn(size_t off, const struct ckpt_hdr *h, void *arg)
{
	struct semmode *sm = arg;
	struct ckpt_hdr_ipc_sem *s;

	(void)off;
	if (h->type != CKPT_HDR_IPC_SEM)
		return 0;
	s = (void *)h;
	if (s->perm.id == sm->semid) {
		s->perm.mode = (s->perm.mode & ~0777u) | (sm->mode & 0777);
		sm->found = 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ipctool rm|exist|absent|last|secret FILE | rmall | count | semvals ID | info IMAGE | semmode IN OUT SEMID MODE\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct obj o[256];
	static int ids[32768];
	int n, i, bad = 0;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "rm") || !strcmp(argv[1], "exist") || !strcmp(argv[1], "absent") ||
	    !strcmp(argv[1], "last")) {
		if (argc != 3)
			return usage();
		n = read_list(argv[2], o, 256);
		if (!strcmp(argv[1], "last")) {
			static const char *const order[] = { "sem", "msq", "shm" };
			int k, best = -1;

			for (k = 0; k < 3 && best < 0; k++)
				for (i = 0; i < n; i++)
					if (!strcmp(o[i].kind, order[k]) && (best < 0 || o[i].id > o[best].id))
						best = i;
			if (best < 0)
				return 1;
			printf("%s %d 0x%x\n", o[best].kind, o[best].id, o[best].key);
			return 0;
		}
		for (i = 0; i < n; i++) {
			if (!strcmp(argv[1], "rm")) {
				rm(o[i].kind, o[i].id);
			} else if (!strcmp(argv[1], "exist")) {
				if (strcmp(o[i].kind, "dest") && !exists(&o[i])) {
					printf("missing: %s %d 0x%x\n", o[i].kind, o[i].id, o[i].key);
					bad = 1;
				}
			} else if (exists(&o[i])) {
				printf("exists: %s %d 0x%x\n", o[i].kind, o[i].id, o[i].key);
				bad = 1;
			}
		}
		return bad;
	}
	if (!strcmp(argv[1], "rmall") || !strcmp(argv[1], "count")) {
		static const char *const files[] = { "shm", "msg", "sem" };
		static const char *const kinds[] = { "shm", "msq", "sem" };
		int k, cnt[3];

		for (k = 0; k < 3; k++) {
			n = proc_ids(files[k], ids, 32768);
			if (n < 0) {
				fprintf(stderr, "ipctool: /proc/sysvipc/%s: %s\n", files[k], strerror(errno));
				return 1;
			}
			cnt[k] = n;
			if (!strcmp(argv[1], "rmall"))
				for (i = 0; i < n; i++)
					rm(kinds[k], ids[i]);
		}
		if (!strcmp(argv[1], "count"))
			printf("shm %d msq %d sem %d\n", cnt[0], cnt[1], cnt[2]);
		return 0;
	}
	if (!strcmp(argv[1], "semvals") && argc == 3) {
		struct semid_ds ds;
		union semun su = { .buf = &ds };
		unsigned short *v;
		int id = atoi(argv[2]);

		if (semctl(id, 0, IPC_STAT, su)) {
			fprintf(stderr, "ipctool: semid %d: %s\n", id, strerror(errno));
			return 1;
		}
		v = calloc(ds.sem_nsems, sizeof(*v));
		su.array = v;
		if (!v || semctl(id, 0, GETALL, su)) {
			fprintf(stderr, "ipctool: GETALL %d: %s\n", id, strerror(errno));
			return 1;
		}
		for (i = 0; i < (int)ds.sem_nsems; i++)
			printf("%s%u", i ? " " : "", v[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(argv[1], "secret") && argc == 3) {
		struct { long mtype; char mtext[32]; } m = { 1, "KCR-SECRET-MSG" };
		int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		char *p = shm >= 0 ? shmat(shm, NULL, 0) : (void *)-1;
		FILE *f;

		if (shm < 0 || q < 0 || p == (void *)-1 || msgsnd(q, &m, 15, 0)) {
			fprintf(stderr, "ipctool secret: %s\n", strerror(errno));
			return 1;
		}
		strcpy(p, "KCR-SECRET-SHM");
		shmdt(p);
		f = fopen(argv[2], "w");
		if (!f || fprintf(f, "shm %d 0x0\nmsq %d 0x0\n", shm, q) < 0 || fclose(f))
			return 1;
		return 0;
	}
	if (!strcmp(argv[1], "info") && argc == 3) {
		static struct info in;

		load(argv[2]);
		if (walk(info_fn, &in) < 0)
			return 1;
		if (in.have_ns)
			printf("ipcns 0x%x objects %u", in.flags, in.nr_objects);
		else
			printf("ipcns none objects 0");
		printf(" shm %d msq %d msg %d sem %d undo %d adj %d sysv_vmas %d newipcns %d refs %d\n",
		       in.shm, in.msq, in.msg, in.sem, in.undo, in.adj, in.sysv_vmas, in.newipcns,
		       in.nrefs);
		return 0;
	}
	if (!strcmp(argv[1], "semmode") && argc == 6) {
		struct semmode sm = { atoi(argv[4]), 0, (unsigned int)strtoul(argv[5], NULL, 8) };
		struct ckpt_hdr_tail *t;
		long toff;
		FILE *f;

		load(argv[2]);
		toff = walk(semmode_fn, &sm);
		if (toff < 0)
			return 1;
		if (!sm.found) {
			fprintf(stderr, "ipctool: no IPC_SEM record of semid %d\n", sm.semid);
			return 1;
		}
		t = (void *)(img + toff);
		t->crc32 = crc32_buf(img, toff);
		f = fopen(argv[3], "wb");
		if (!f || fwrite(img, 1, img_len, f) != img_len || fclose(f)) {
			fprintf(stderr, "ipctool: writing %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
		return 0;
	}
	return usage();
}
