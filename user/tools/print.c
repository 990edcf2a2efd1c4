// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo's printer.  Reading and validation are libkcr's job; this file
 * only formats records that were already validated (lengths and counts can
 * be trusted).  Long arrays (groups, semaphore values, undo adjustments)
 * are cut: their count is printed, then the first values and "..." (in
 * JSON, an array shorter than the count).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "print.h"

void pr_init(struct printer *p, FILE *f, int json)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->json = json;
}

static void json_string(FILE *f, const char *s, size_t max)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void text_string(FILE *f, const char *s, size_t max)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void key(struct printer *p, const char *name)
{
	if (p->json) {
		if (p->need_comma)
			fputc(',', p->f);
		if (name)
			fprintf(p->f, "\"%s\":", name);
		p->need_comma = 1;
	} else if (name) {
		fprintf(p->f, " %s=", name);
	}
}

static void pf_u(struct printer *p, const char *name, uint64_t v)
{
	key(p, name);
	fprintf(p->f, "%" PRIu64, v);
}

static void pf_i(struct printer *p, const char *name, int64_t v)
{
	key(p, name);
	fprintf(p->f, "%" PRId64, v);
}

/* Hex: a string in JSON (numbers above 2^53 are not portable). */
static void pf_x(struct printer *p, const char *name, uint64_t v)
{
	key(p, name);
	fprintf(p->f, p->json ? "\"0x%" PRIx64 "\"" : "0x%" PRIx64, v);
}

static void pf_s(struct printer *p, const char *name, const char *s, size_t max)
{
	key(p, name);
	if (p->json)
		json_string(p->f, s, max);
	else
		text_string(p->f, s, max);
}

/* A bare word (enum name, flag list). */
static void pf_w(struct printer *p, const char *name, const char *w)
{
	key(p, name);
	if (p->json)
		json_string(p->f, w, strlen(w));
	else
		fputs(w, p->f);
}

static void pf_bool(struct printer *p, const char *name, int v)
{
	key(p, name);
	fputs(v ? "true" : "false", p->f);
}

/*
 * A file identity (struct ckpt_file_id): dev as major:minor (the kernel's
 * new_encode_dev() form; raw hex if it does not fit), ino, size and mtime
 * as seconds.nanoseconds; @pfx prefixes the names ("exe_" in MM).
 */
static void pf_file_id(struct printer *p, const char *pfx,
		       const struct ckpt_file_id *id)
{
	char name[16], buf[48];
	uint32_t d = (uint32_t)id->dev;

	snprintf(name, sizeof(name), "%sdev", pfx);
	if (id->dev > UINT32_MAX)
		snprintf(buf, sizeof(buf), "0x%" PRIx64, (uint64_t)id->dev);
	else
		snprintf(buf, sizeof(buf), "%u:%u", (d & 0xfff00) >> 8,
			 (d & 0xff) | ((d >> 12) & 0xfff00));
	pf_w(p, name, buf);
	snprintf(name, sizeof(name), "%sino", pfx);
	pf_u(p, name, id->ino);
	snprintf(name, sizeof(name), "%ssize", pfx);
	pf_u(p, name, id->size);
	snprintf(name, sizeof(name), "%smtime", pfx);
	snprintf(buf, sizeof(buf), "%" PRId64 ".%09u", (int64_t)id->mtime_sec,
		 id->mtime_nsec);
	pf_w(p, name, buf);
}

static void obj_begin(struct printer *p, const char *name)
{
	if (p->json) {
		key(p, name);
		fputc('{', p->f);
		p->need_comma = 0;
	} else {
		fprintf(p->f, "\n%*s", 10 + 2 * p->text_indent, "");
		if (name)
			fprintf(p->f, "%s:", name);
	}
	p->depth++;
}

static void obj_end(struct printer *p)
{
	if (p->json) {
		fputc('}', p->f);
		p->need_comma = 1;
	}
	p->depth--;
}

static void arr_begin(struct printer *p, const char *name)
{
	if (p->json) {
		key(p, name);
		fputc('[', p->f);
		p->need_comma = 0;
	}
	p->text_indent++;
	p->depth++;
}

static void arr_end(struct printer *p)
{
	if (p->json) {
		fputc(']', p->f);
		p->need_comma = 1;
	}
	p->text_indent--;
	p->depth--;
}

void pr_begin_doc(struct printer *p, const char *image)
{
	if (p->json) {
		fputc('{', p->f);
		p->need_comma = 0;
		pf_s(p, "image", image, strlen(image));
		arr_begin(p, "records");
	} else {
		fprintf(p->f, "%-9s %-9s %8s  fields\n", "offset", "type", "len");
	}
}

static void vm_flags_str(uint64_t fl, char *buf)
{
	buf[0] = (fl & CKPT_VM_READ) ? 'r' : '-';
	buf[1] = (fl & CKPT_VM_WRITE) ? 'w' : '-';
	buf[2] = (fl & CKPT_VM_EXEC) ? 'x' : '-';
	buf[3] = (fl & CKPT_VM_SHARED) ? 's' : 'p';
	buf[4] = (fl & CKPT_VM_GROWSDOWN) ? 'g' : '-';
	buf[5] = '\0';
}

static const char *syscall_state_name(uint32_t s)
{
	switch (s) {
	case CKPT_SYSCALL_NONE:		return "none";
	case CKPT_SYSCALL_RESTART:	return "restart";
	case CKPT_SYSCALL_NANOSLEEP:	return "nanosleep";
	case CKPT_SYSCALL_EINTR:	return "eintr";
	}
	return "?";
}

static void pr_header(struct printer *p, const struct ckpt_hdr_header *h)
{
	pf_x(p, "magic", h->magic);
	pf_u(p, "version", h->version);
	pf_w(p, "arch", h->arch == CKPT_ARCH_X86_64 ? "x86_64" : "?");
	pf_u(p, "page_size", h->page_size);
	pf_x(p, "flags", h->flags);
	if (h->flags & CKPT_CHECKPOINT_CONTAINER)
		pf_bool(p, "container", 1);
	if (h->flags & CKPT_CHECKPOINT_IPC)
		pf_bool(p, "ipc", 1);
	pf_u(p, "time_ns", h->time_ns);
	pf_u(p, "ckpt_id", h->ckpt_id);
	pf_s(p, "release", h->release, sizeof(h->release));
	pf_s(p, "machine", h->machine, sizeof(h->machine));
}

static void task_flags_str(uint32_t fl, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s%s%s",
		 (fl & CKPT_TASK_THREAD) ? "thread," : "",
		 (fl & CKPT_TASK_ZOMBIE) ? "zombie," : "",
		 (fl & CKPT_TASK_SESSION_LEADER) ? "session-leader," : "",
		 (fl & CKPT_TASK_GROUP_LEADER) ? "group-leader," : "",
		 (fl & CKPT_TASK_NEWPIDNS) ? "newpidns," : "",
		 (fl & CKPT_TASK_NEWIPCNS) ? "newipcns," : "",
		 fl ? "" : "-");
	if (fl && buf[0])
		buf[strlen(buf) - 1] = '\0';
}

/* What wait() would say of a zombie's exit_code. */
static void exit_status_str(int32_t code, char *buf, size_t n)
{
	uint32_t c = (uint32_t)code;

	if (!(c & 0x7f))
		snprintf(buf, n, "exited %u", (c >> 8) & 0xff);
	else
		snprintf(buf, n, "killed by signal %u%s", c & 0x7f,
			 (c & 0x80) ? ", core dumped" : "");
}

/*
 * The objects whose sharing ckptinfo shows (the pid namespace is not one),
 * indexed by k below: share_kind[k] is their enum kcr_ref_kind.
 */
static const int share_kind[] = {
	KCR_REF_MM, KCR_REF_FILES, KCR_REF_FS, KCR_REF_SIGHAND, KCR_REF_SIGNAL,
	KCR_REF_SYSVSEM,
};
#define NR_SHARE	((int)(sizeof(share_kind) / sizeof(share_kind[0])))
/* Other tasks named per shared object, before "and N more". */
#define SHARE_LIST_MAX	16
/* Values of an array printed before "...". */
#define VALUES_MAX	32

/*
 * Who shares what: for each kind, the entries sorted by (ref, index), so
 * that the entries with one ref are a run; grp[k][i] is the start of
 * entry i's run in ord[k], len[k][i] its length.
 */
struct sharing {
	uint32_t n;
	uint64_t *ord[NR_SHARE];
	uint32_t *grp[NR_SHARE], *len[NR_SHARE];
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void sharing_free(struct sharing *s)
{
	int k;

	for (k = 0; k < NR_SHARE; k++) {
		free(s->ord[k]);
		free(s->grp[k]);
		free(s->len[k]);
	}
}

static int sharing_init(struct sharing *s, const struct ckpt_task_pids *e,
			uint32_t n)
{
	uint32_t i, j, idx;
	int k;

	memset(s, 0, sizeof(*s));
	s->n = n;
	for (k = 0; k < NR_SHARE; k++) {
		s->ord[k] = malloc(n * sizeof(*s->ord[k]));
		s->grp[k] = malloc(n * sizeof(*s->grp[k]));
		s->len[k] = malloc(n * sizeof(*s->len[k]));
		if (!s->ord[k] || !s->grp[k] || !s->len[k]) {
			sharing_free(s);
			return -1;
		}
		for (i = 0; i < n; i++)
			s->ord[k][i] = (uint64_t)kcr_task_ref(&e[i], share_kind[k]) << 32 | i;
		qsort(s->ord[k], n, sizeof(*s->ord[k]), cmp_u64);
		for (i = 0; i < n; i = j) {
			for (j = i; j < n && s->ord[k][j] >> 32 == s->ord[k][i] >> 32; j++)
				;
			for (idx = i; idx < j; idx++) {
				s->grp[k][(uint32_t)s->ord[k][idx]] = i;
				s->len[k][(uint32_t)s->ord[k][idx]] = j - i;
			}
		}
	}
	return 0;
}

/* Entry i shares its object of kind k with another task. */
static int is_shared(const struct sharing *s, const struct ckpt_task_pids *e,
		     uint32_t i, int k)
{
	return kcr_task_ref(&e[i], share_kind[k]) && s->len[k][i] > 1;
}

/* Kinds k1 and k2 of entry i are shared with the same tasks. */
static int same_sharers(const struct sharing *s, uint32_t i, int k1, int k2)
{
	uint32_t m, n = s->len[k1][i];

	if (n != s->len[k2][i])
		return 0;
	/* both runs are sorted by index: compare them in step */
	for (m = 0; m < n; m++)
		if ((uint32_t)s->ord[k1][s->grp[k1][i] + m] !=
		    (uint32_t)s->ord[k2][s->grp[k2][i] + m])
			return 0;
	return 1;
}

/* "files with 12, 13; mm, sighand, signal with 11" (JSON: an array). */
static void pr_shared(struct printer *p, const struct sharing *s,
		      const struct ckpt_task_pids *e, uint32_t i)
{
	int k, k2, done[NR_SHARE] = { 0 }, any = 0, first;
	uint32_t m, shown, other;

	for (k = 0; k < NR_SHARE; k++) {
		if (done[k] || !is_shared(s, e, i, k))
			continue;
		if (p->json) {
			if (!any)
				arr_begin(p, "shared");
			obj_begin(p, NULL);
			arr_begin(p, "objects");
		} else {
			fputs(any ? "; " : " shared: ", p->f);
		}
		any = 1;
		first = 1;
		for (k2 = k; k2 < NR_SHARE; k2++) {
			if (done[k2] || !is_shared(s, e, i, k2) ||
			    !same_sharers(s, i, k, k2))
				continue;
			done[k2] = 1;
			if (p->json)
				pf_w(p, NULL, kcr_ref_name(share_kind[k2]));
			else
				fprintf(p->f, "%s%s", first ? "" : ", ",
					kcr_ref_name(share_kind[k2]));
			first = 0;
		}
		if (p->json) {
			arr_end(p);
			arr_begin(p, "with");
		} else {
			fputs(" with ", p->f);
		}
		shown = 0;
		for (m = 0; m < s->len[k][i]; m++) {
			other = (uint32_t)s->ord[k][s->grp[k][i] + m];
			if (other == i || shown == SHARE_LIST_MAX)
				continue;
			if (p->json)
				pf_i(p, NULL, e[other].pid);
			else
				fprintf(p->f, "%s%d", shown ? ", " : "",
					e[other].pid);
			shown++;
		}
		if (p->json) {
			arr_end(p);
			if (s->len[k][i] - 1 > shown)
				pf_u(p, "more", s->len[k][i] - 1 - shown);
			obj_end(p);
		} else if (s->len[k][i] - 1 > shown) {
			fprintf(p->f, " and %u more", s->len[k][i] - 1 - shown);
		}
	}
	if (p->json && any)
		arr_end(p);
}

static void pr_task_refs(struct printer *p, const struct ckpt_task_pids *e)
{
	char buf[160];
	size_t len = 0;
	int k;

	if (p->json) {
		obj_begin(p, "refs");
		for (k = 0; k < KCR_NR_REFS; k++)
			/* no undo list: as in the text, no sysvsem at all */
			if (k != KCR_REF_SYSVSEM || e->sysvsem_ref)
				pf_u(p, kcr_ref_name(k), kcr_task_ref(e, k));
		obj_end(p);
		return;
	}
	buf[0] = '\0';
	for (k = 0; k < KCR_NR_REFS; k++)
		if (kcr_task_ref(e, k))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s:%u", len ? "," : "",
						kcr_ref_name(k), kcr_task_ref(e, k));
	pf_w(p, "refs", buf);
}

static void pr_task_pids(struct printer *p, const struct ckpt_task_pids *e)
{
	char buf[128];
	size_t len = 0;
	uint32_t k, n = e->nr_levels;

	if (p->json) {
		arr_begin(p, "pids");
		for (k = 0; k < n; k++)
			pf_i(p, NULL, e->pids[k]);
		arr_end(p);
		pf_u(p, "nr_levels", n);
		return;
	}
	/* outermost first, as in the image: "12/1" is pid 1 one level down */
	for (k = 0; k < n; k++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%d",
					k ? "/" : "", e->pids[k]);
	pf_w(p, "pids", buf);
}

/* Counts over the whole tree: kinds of task, namespaces, shared objects. */
static void pr_tree_summary(struct printer *p, const struct sharing *s,
			    const struct ckpt_task_pids *e, uint32_t n)
{
	uint32_t i, threads = 0, zombies = 0, nsn = 0, depth = 0, j;
	uint32_t shared[NR_SHARE] = { 0 };
	char buf[160];
	size_t len = 0;
	int k;

	for (i = 0; i < n; i++) {
		threads += !!(e[i].flags & CKPT_TASK_THREAD);
		zombies += !!(e[i].flags & CKPT_TASK_ZOMBIE);
		if (e[i].nr_levels > depth)
			depth = e[i].nr_levels;
		for (j = 0; j < i && e[j].pidns_ref != e[i].pidns_ref; j++)
			;
		nsn += j == i;
		/* count each shared object once, at the first of its run */
		for (k = 0; k < NR_SHARE; k++)
			if (is_shared(s, e, i, k) &&
			    (uint32_t)s->ord[k][s->grp[k][i]] == i)
				shared[k]++;
	}
	obj_begin(p, "summary");
	pf_u(p, "tasks", n);
	pf_u(p, "processes", n - threads);
	pf_u(p, "threads", threads);
	pf_u(p, "zombies", zombies);
	pf_u(p, "pid_namespaces", nsn);
	pf_u(p, "max_levels", depth);
	if (p->json) {
		obj_begin(p, "shared");
		for (k = 0; k < NR_SHARE; k++)
			/* undo lists only in images that have shared ones */
			if (share_kind[k] != KCR_REF_SYSVSEM || shared[k])
				pf_u(p, kcr_ref_name(share_kind[k]), shared[k]);
		obj_end(p);
	} else {
		buf[0] = '\0';
		for (k = 0; k < NR_SHARE; k++)
			if (shared[k])
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							"%s%s:%u", len ? "," : "",
							kcr_ref_name(share_kind[k]), shared[k]);
		pf_w(p, "shared", len ? buf : "none");
	}
	obj_end(p);
}

static void pr_tree(struct printer *p, const struct ckpt_hdr_tree *t)
{
	const struct ckpt_task_pids *e = (const void *)(t + 1);
	struct sharing s;
	char fl[64];
	uint32_t i;
	int have_sharing;

	have_sharing = !sharing_init(&s, e, t->nr_tasks);
	pf_u(p, "nr_tasks", t->nr_tasks);
	arr_begin(p, "tasks");
	for (i = 0; i < t->nr_tasks; i++) {
		obj_begin(p, NULL);
		pf_i(p, "pid", e[i].pid);
		pr_task_pids(p, &e[i]);
		pf_i(p, "tgid", e[i].tgid);
		pf_i(p, "ppid", e[i].ppid);
		pf_i(p, "pgid", e[i].pgid);
		pf_i(p, "sid", e[i].sid);
		task_flags_str(e[i].flags, fl, sizeof(fl));
		pf_w(p, "flags", fl);
		pf_u(p, "exit_signal", e[i].exit_signal);
		if (e[i].flags & CKPT_TASK_ZOMBIE) {
			pf_i(p, "exit_code", e[i].exit_code);
			exit_status_str(e[i].exit_code, fl, sizeof(fl));
			pf_s(p, "status", fl, sizeof(fl));
		}
		pr_task_refs(p, &e[i]);
		if (have_sharing)
			pr_shared(p, &s, e, i);
		obj_end(p);
	}
	arr_end(p);
	if (have_sharing) {
		pr_tree_summary(p, &s, e, t->nr_tasks);
		sharing_free(&s);
	}
}

static void pr_creds(struct printer *p, const struct ckpt_hdr_creds *c)
{
	const __u32 *g = (const void *)(c + 1);
	uint32_t i;

	pf_u(p, "uid", c->uid);
	pf_u(p, "euid", c->euid);
	pf_u(p, "suid", c->suid);
	pf_u(p, "fsuid", c->fsuid);
	pf_u(p, "gid", c->gid);
	pf_u(p, "egid", c->egid);
	pf_u(p, "sgid", c->sgid);
	pf_u(p, "fsgid", c->fsgid);
	pf_x(p, "cap_effective", c->cap_effective);
	pf_x(p, "cap_permitted", c->cap_permitted);
	pf_x(p, "cap_inheritable", c->cap_inheritable);
	pf_x(p, "cap_bset", c->cap_bset);
	pf_x(p, "cap_ambient", c->cap_ambient);
	pf_x(p, "securebits", c->securebits);
	pf_u(p, "ngroups", c->ngroups);
	if (p->json) {
		arr_begin(p, "groups");
		for (i = 0; i < c->ngroups; i++)
			pf_u(p, NULL, g[i]);
		arr_end(p);
	} else if (c->ngroups) {
		fputs(" groups=", p->f);
		for (i = 0; i < c->ngroups && i < 32; i++)
			fprintf(p->f, "%s%u", i ? "," : "", g[i]);
		if (c->ngroups > 32)
			fputs(",...", p->f);
	}
}

static void pr_sighand(struct printer *p, const struct ckpt_hdr_sighand *s)
{
	int i, n = 0;

	for (i = 0; i < CKPT_NSIG; i++)
		n += s->action[i].handler != 0;
	pf_u(p, "objref", s->objref);
	pf_u(p, "non_default", (uint64_t)n);
	arr_begin(p, "actions");
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &s->action[i];

		if (!a->handler)
			continue;
		obj_begin(p, NULL);
		pf_u(p, "sig", (uint64_t)i + 1);
		if (a->handler == 1)
			pf_w(p, "handler", "SIG_IGN");
		else
			pf_x(p, "handler", a->handler);
		pf_x(p, "flags", a->flags);
		pf_x(p, "mask", a->mask);
		obj_end(p);
	}
	arr_end(p);
}

/* -------------------------------------------------------------- SysV IPC */

static void ipc_ns_flags_str(uint32_t fl, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s",
		 (fl & CKPT_IPC_NS_PRIVATE) ? "private," : "",
		 (fl & CKPT_IPC_NS_ALL) ? "all," : "",
		 fl ? "" : "-");
	if (fl && buf[0])
		buf[strlen(buf) - 1] = '\0';
}

static void pr_ipc_ns(struct printer *p, const struct ckpt_hdr_ipc_ns *ns)
{
	char buf[64];
	int i;

	ipc_ns_flags_str(ns->flags, buf, sizeof(buf));
	pf_w(p, "flags", buf);
	pf_u(p, "nr_objects", ns->nr_objects);
	/* the limits, named as their sysctls (kernel.sem: SEMMSL SEMMNS SEMOPM SEMMNI) */
	if (p->json) {
		arr_begin(p, "sem");
		for (i = 0; i < 4; i++)
			pf_u(p, NULL, ns->sem_ctls[i]);
		arr_end(p);
	} else {
		snprintf(buf, sizeof(buf), "%u,%u,%u,%u", ns->sem_ctls[0],
			 ns->sem_ctls[1], ns->sem_ctls[2], ns->sem_ctls[3]);
		pf_w(p, "sem", buf);
	}
	pf_u(p, "msgmax", ns->msg_ctlmax);
	pf_u(p, "msgmnb", ns->msg_ctlmnb);
	pf_u(p, "msgmni", ns->msg_ctlmni);
	pf_u(p, "shmmax", ns->shm_ctlmax);
	pf_u(p, "shmall", ns->shm_ctlall);
	pf_u(p, "shmmni", ns->shm_ctlmni);
	pf_u(p, "shm_rmid_forced", ns->shm_rmid_forced);
}

static void pr_ipc_perm(struct printer *p, const struct ckpt_ipc_perm *m)
{
	char buf[32];

	pf_i(p, "id", m->id);
	pf_x(p, "key", (uint32_t)m->key);
	pf_u(p, "uid", m->uid);
	pf_u(p, "gid", m->gid);
	pf_u(p, "cuid", m->cuid);
	pf_u(p, "cgid", m->cgid);
	snprintf(buf, sizeof(buf), "0%o", m->mode);
	pf_w(p, "mode", buf);
}

static void pr_ipc_shm(struct printer *p, const struct ckpt_hdr_ipc_shm *m)
{
	char buf[32];

	pr_ipc_perm(p, &m->perm);
	pf_u(p, "size", m->size);
	pf_u(p, "nattch", m->nattch);
	snprintf(buf, sizeof(buf), "%s%s%s",
		 (m->flags & CKPT_SHM_DEST) ? "dest," : "",
		 (m->flags & CKPT_SHM_LOCKED) ? "locked," : "",
		 m->flags ? "" : "-");
	if (m->flags)
		buf[strlen(buf) - 1] = '\0';
	pf_w(p, "flags", buf);
	pf_u(p, "nr_pages", m->nr_pages);
	pf_i(p, "cpid", m->cpid);
	pf_i(p, "lpid", m->lpid);
}

static void pr_ipc_msq(struct printer *p, const struct ckpt_hdr_ipc_msq *q)
{
	pr_ipc_perm(p, &q->perm);
	pf_u(p, "qbytes", q->qbytes);
	pf_u(p, "cbytes", q->cbytes);
	pf_u(p, "nr_msgs", q->nr_msgs);
	pf_i(p, "lspid", q->lspid);
	pf_i(p, "lrpid", q->lrpid);
}

/* n values, at most VALUES_MAX of them, then "..." (JSON: a shorter array). */
static void pr_values(struct printer *p, const char *name, uint32_t n,
		      int64_t (*get)(const void *, uint32_t), const void *arg)
{
	uint32_t i;

	if (p->json) {
		arr_begin(p, name);
		for (i = 0; i < n && i < VALUES_MAX; i++)
			pf_i(p, NULL, get(arg, i));
		arr_end(p);
		return;
	}
	fprintf(p->f, " %s=", name);
	for (i = 0; i < n && i < VALUES_MAX; i++)
		fprintf(p->f, "%s%" PRId64, i ? "," : "", get(arg, i));
	if (n > VALUES_MAX)
		fputs(",...", p->f);
}

static int64_t get_semval(const void *arg, uint32_t i)
{
	const struct ckpt_ipc_semval *v = arg;

	return v[i].semval;
}

static int64_t get_adj(const void *arg, uint32_t i)
{
	const __s16 *a = arg;

	return a[i];
}

static void pr_ipc_sem(struct printer *p, const struct ckpt_hdr_ipc_sem *m)
{
	pr_ipc_perm(p, &m->perm);
	pf_u(p, "nsems", m->nsems);
	pr_values(p, "semval", m->nsems, get_semval, m + 1);
}

/*
 * The tasks using an undo list (the TREE entries with its sysvsem_ref):
 * "used by 10, 11, 12" (JSON: "used_by":[...]), cut as the TREE's
 * sharing lists.
 */
static void pr_undo_users(struct printer *p, uint32_t ref)
{
	const struct kcr_reader *r = p->reader;
	uint32_t i, shown = 0, total = 0;

	if (!r || !r->tasks)
		return;
	if (p->json)
		arr_begin(p, "used_by");
	else
		fputs(" used by ", p->f);
	for (i = 0; i < r->nr_tasks; i++) {
		if (r->tasks[i].sysvsem_ref != ref)
			continue;
		total++;
		if (shown == SHARE_LIST_MAX)
			continue;
		if (p->json)
			pf_i(p, NULL, r->tasks[i].pid);
		else
			fprintf(p->f, "%s%d", shown ? ", " : "", r->tasks[i].pid);
		shown++;
	}
	if (p->json) {
		arr_end(p);
		if (total > shown)
			pf_u(p, "more", total - shown);
	} else if (total > shown) {
		fprintf(p->f, " and %u more", total - shown);
	}
}

void pr_record(struct printer *p, const struct kcr_record *rec)
{
	const void *d = rec->data;
	char buf[64];

	if (p->json) {
		obj_begin(p, NULL);
		pf_u(p, "offset", rec->offset);
		pf_w(p, "type", kcr_record_name(rec->type));
		pf_u(p, "len", rec->len);
	} else {
		fprintf(p->f, "%-9" PRIu64 " %-9s %8u ", rec->offset,
			kcr_record_name(rec->type), rec->len);
	}

	switch (rec->type) {
	case CKPT_HDR_HEADER:
		pr_header(p, d);
		break;
	case CKPT_HDR_TREE:
		pr_tree(p, d);
		break;
	case CKPT_HDR_TAIL: {
		const struct ckpt_hdr_tail *t = d;

		pf_u(p, "nr_records", t->nr_records);
		pf_x(p, "crc32", t->crc32);
		break;
	}
	case CKPT_HDR_TASK: {
		const struct ckpt_hdr_task *t = d;

		pf_i(p, "pid", t->pid);
		pf_s(p, "comm", t->comm, sizeof(t->comm));
		pf_u(p, "exit_signal", t->exit_signal);
		pf_u(p, "pdeath_signal", t->pdeath_signal);
		pf_x(p, "personality", t->personality);
		pf_x(p, "flags", t->flags);
		pf_x(p, "clear_child_tid", t->clear_child_tid);
		pf_x(p, "robust_list", t->robust_list);
		pf_x(p, "rseq", t->rseq);
		pf_u(p, "policy", t->policy);
		pf_u(p, "rt_priority", t->rt_priority);
		pf_i(p, "nice", t->nice);
		if (!(t->flags & CKPT_TASKF_ALL_CPUS))
			pf_x(p, "cpus_allowed", t->cpus_allowed);
		pf_u(p, "timer_slack_ns", t->timer_slack_ns);
		pf_i(p, "oom_score_adj", t->oom_score_adj);
		pf_i(p, "oom_score_adj_min", t->oom_score_adj_min);
		break;
	}
	case CKPT_HDR_CREDS:
		pr_creds(p, d);
		break;
	case CKPT_HDR_FS: {
		const struct ckpt_hdr_fs *f = d;
		const char *s = (const char *)(f + 1);

		pf_u(p, "objref", f->objref);
		snprintf(buf, sizeof(buf), "%04o", f->umask);
		pf_w(p, "umask", buf);
		pf_s(p, "cwd", s, f->cwd_len);
		pf_s(p, "root", s + f->cwd_len, f->root_len);
		break;
	}
	case CKPT_HDR_FILES: {
		const struct ckpt_hdr_files *f = d;

		pf_u(p, "objref", f->objref);
		pf_u(p, "nr_fds", f->nr_fds);
		break;
	}
	case CKPT_HDR_FD: {
		const struct ckpt_hdr_fd *f = d;

		pf_u(p, "fd", f->fd);
		pf_bool(p, "cloexec", f->flags & CKPT_FD_CLOEXEC);
		pf_u(p, "file_ref", f->file_ref);
		break;
	}
	case CKPT_HDR_FILE: {
		const struct ckpt_hdr_file *f = d;

		pf_u(p, "objref", f->objref);
		pf_w(p, "kind", kcr_file_kind_name(f->kind));
		snprintf(buf, sizeof(buf), "0%o", f->f_flags);
		pf_w(p, "f_flags", buf);
		snprintf(buf, sizeof(buf), "0%o", f->mode);
		pf_w(p, "mode", buf);
		pf_i(p, "pos", f->pos);
		if (f->kind == CKPT_FILE_CHR || f->kind == CKPT_FILE_TTY)
			pf_x(p, "rdev", f->rdev);
		if (f->kind == CKPT_FILE_PIPE || f->kind == CKPT_FILE_FIFO ||
		    f->kind == CKPT_FILE_UNIX || f->kind == CKPT_FILE_EPOLL ||
		    f->kind == CKPT_FILE_GHOST || f->kind == CKPT_FILE_TTY ||
		    f->kind == CKPT_FILE_INOTIFY)
			pf_u(p, "obj_ref", f->obj_ref);
		if (f->path_len)
			pf_s(p, "path", (const char *)(f + 1), f->path_len);
		if (f->kind == CKPT_FILE_FIFO && !f->path_len)
			pf_w(p, "fifo", "unlinked");
		if (f->kind == CKPT_FILE_REG ||
		    (f->kind == CKPT_FILE_FIFO && f->path_len))
			pf_file_id(p, "", &f->id);
		break;
	}
	case CKPT_HDR_PIPE: {
		const struct ckpt_hdr_pipe *pp = d;

		pf_u(p, "objref", pp->objref);
		pf_u(p, "size", pp->size);
		pf_u(p, "data_len", pp->data_len);
		break;
	}
	case CKPT_HDR_PIPE_DATA:
		pf_u(p, "bytes", rec->len - sizeof(struct ckpt_hdr));
		break;
	case CKPT_HDR_UNIX: {
		const struct ckpt_hdr_unix *u = d;

		pf_u(p, "objref", u->objref);
		pf_w(p, "type", u->type == 1 ? "stream" : u->type == 2 ? "dgram" :
		     u->type == 5 ? "seqpacket" : "?");
		pf_x(p, "flags", u->flags);
		pf_bool(p, "shut_rd", u->flags & CKPT_UNIX_SHUT_RD);
		pf_bool(p, "shut_wr", u->flags & CKPT_UNIX_SHUT_WR);
		pf_bool(p, "passcred", u->flags & CKPT_UNIX_PASSCRED);
		pf_bool(p, "oneway", u->flags & CKPT_UNIX_ONEWAY);
		pf_bool(p, "shared_name", u->flags & CKPT_UNIX_SHARED_NAME);
		pf_u(p, "peer_ref", u->peer_ref);
		if (u->flags & CKPT_UNIX_SNDBUF_SET)
			pf_u(p, "sndbuf", u->sndbuf);
		if (u->flags & CKPT_UNIX_RCVBUF_SET)
			pf_u(p, "rcvbuf", u->rcvbuf);
		pf_u(p, "nr_skbs", u->nr_skbs);
		pf_u(p, "queued", u->queued);
		if (u->flags & CKPT_UNIX_LISTEN)
			pf_u(p, "backlog", u->backlog);
		if (u->addr_len && ((const char *)(u + 1))[0])
			pf_s(p, "path", (const char *)(u + 1), u->addr_len);
		else if (u->addr_len)
			pf_s(p, "abstract", (const char *)(u + 1) + 1,
			     u->addr_len - 1);
		break;
	}
	case CKPT_HDR_UNIX_SKB: {
		const struct ckpt_hdr_unix_skb *u = d;

		pf_u(p, "len", u->len);
		if (u->flags & CKPT_UNIX_SKB_CREDS) {
			pf_i(p, "pid", u->pid);
			pf_u(p, "uid", u->uid);
			pf_u(p, "gid", u->gid);
		}
		pf_u(p, "nr_fds", u->nr_fds);
		break;
	}
	case CKPT_HDR_FILE_LOCK: {
		const struct ckpt_hdr_file_lock *l = d;

		pf_u(p, "file_ref", l->file_ref);
		pf_u(p, "fd", l->fd);
		pf_w(p, "kind", kcr_lock_kind_name(l->kind));
		pf_w(p, "type", kcr_lock_type_name(l->type));
		pf_i(p, "start", l->start);
		pf_i(p, "end", l->end);	/* CKPT_LOCK_EOF: to end of file */
		break;
	}
	case CKPT_HDR_EPOLL: {
		const struct ckpt_hdr_epoll *e = d;

		pf_u(p, "objref", e->objref);
		pf_u(p, "nr_items", e->nr_items);
		break;
	}
	case CKPT_HDR_EPOLL_ITEM: {
		const struct ckpt_hdr_epoll_item *e = d;

		pf_u(p, "file_ref", e->file_ref);
		pf_u(p, "fd", e->fd);
		pf_x(p, "events", e->events);
		pf_x(p, "data", e->data);
		break;
	}
	case CKPT_HDR_INODE: {
		const struct ckpt_hdr_inode *in = d;
		const char *name = (const char *)(in + 1);

		pf_u(p, "objref", in->objref);
		pf_bool(p, "memfd", in->flags & CKPT_INODE_MEMFD);
		snprintf(buf, sizeof(buf), "0%o", in->mode);
		pf_w(p, "mode", buf);
		if (in->flags & CKPT_INODE_MEMFD)
			pf_x(p, "seals", in->seals);
		pf_u(p, "size", in->size);
		pf_u(p, "nr_chunks", in->nr_chunks);
		pf_s(p, "name", name, in->name_len);
		if (in->dir_len)
			pf_s(p, "dir", name + in->name_len, in->dir_len);
		break;
	}
	case CKPT_HDR_INODE_DATA: {
		const struct ckpt_hdr_inode_data *id = d;

		pf_u(p, "offset", id->offset);
		pf_u(p, "bytes", rec->len - sizeof(*id));
		break;
	}
	case CKPT_HDR_EVENTFD: {
		const struct ckpt_hdr_eventfd *e = d;

		pf_u(p, "objref", e->objref);
		pf_u(p, "count", e->count);
		pf_bool(p, "semaphore", e->flags & CKPT_EVENTFD_SEMAPHORE);
		break;
	}
	case CKPT_HDR_SIGNALFD: {
		const struct ckpt_hdr_signalfd *sf = d;

		pf_u(p, "objref", sf->objref);
		pf_x(p, "sigmask", sf->sigmask);
		break;
	}
	case CKPT_HDR_TIMERFD: {
		const struct ckpt_hdr_timerfd *t = d;

		pf_u(p, "objref", t->objref);
		pf_u(p, "clockid", t->clockid);
		pf_x(p, "settime_flags", t->settime_flags);
		pf_bool(p, "abs", t->flags & CKPT_TIMERFD_ABS);
		pf_bool(p, "canceled", t->flags & CKPT_TIMERFD_CANCELED);
		pf_u(p, "value_ns", t->value_ns);
		pf_u(p, "interval_ns", t->interval_ns);
		pf_u(p, "ticks", t->ticks);
		break;
	}
	case CKPT_HDR_TTY: {
		const struct ckpt_hdr_tty *t = d;
		int s;

		pf_u(p, "objref", t->objref);
		pf_u(p, "index", t->index);
		pf_x(p, "flags", t->flags);
		pf_u(p, "session", t->session);
		pf_u(p, "fg_pgrp", t->fg_pgrp);
		pf_x(p, "pktstatus", t->pktstatus);
		snprintf(buf, sizeof(buf), "%ux%u (%ux%u px)", t->ws_col,
			 t->ws_row, t->ws_xpixel, t->ws_ypixel);
		pf_w(p, "winsize", buf);
		for (s = 0; s < 2; s++) {
			const struct ckpt_tty_termios *tm = &t->termios[s];

			snprintf(buf, sizeof(buf),
				 "iflag 0%o oflag 0%o cflag 0%o lflag 0%o speed %u/%u",
				 tm->c_iflag, tm->c_oflag, tm->c_cflag,
				 tm->c_lflag, tm->c_ispeed, tm->c_ospeed);
			pf_w(p, s ? "master" : "slave", buf);
		}
		break;
	}
	case CKPT_HDR_TTY_DATA: {
		const struct ckpt_hdr_tty_data *t = d;

		pf_w(p, "side", t->side ? "master" : "slave");
		pf_u(p, "len", t->len);
		pf_u(p, "canon_len", t->canon_len);
		break;
	}
	case CKPT_HDR_INOTIFY: {
		const struct ckpt_hdr_inotify *in = d;

		pf_u(p, "objref", in->objref);
		pf_u(p, "nr_watches", in->nr_watches);
		pf_u(p, "nr_events", in->nr_events);
		pf_i(p, "next_wd", in->next_wd);
		break;
	}
	case CKPT_HDR_INOTIFY_WATCH: {
		const struct ckpt_hdr_inotify_watch *w = d;

		pf_i(p, "wd", w->wd);
		pf_x(p, "mask", w->mask);
		pf_x(p, "mode", w->mode);
		pf_x(p, "dev", w->dev);
		pf_u(p, "ino", w->ino);
		pf_s(p, "path", (const char *)(w + 1), w->path_len);
		break;
	}
	case CKPT_HDR_INOTIFY_EVENT: {
		const struct ckpt_hdr_inotify_event *e = d;

		pf_i(p, "wd", e->wd);
		pf_x(p, "mask", e->mask);
		pf_u(p, "cookie", e->cookie);
		if (e->name_len)
			pf_s(p, "name", (const char *)(e + 1), e->name_len);
		break;
	}
	case CKPT_HDR_MM: {
		const struct ckpt_hdr_mm *m = d;

		pf_u(p, "objref", m->objref);
		pf_u(p, "nr_vmas", m->nr_vmas);
		pf_x(p, "start_code", m->start_code);
		pf_x(p, "end_code", m->end_code);
		pf_x(p, "start_brk", m->start_brk);
		pf_x(p, "brk", m->brk);
		pf_x(p, "start_stack", m->start_stack);
		pf_x(p, "vdso", m->vdso);
		pf_u(p, "auxv_words", m->auxv_words);
		pf_x(p, "flags", m->flags);
		pf_x(p, "coredump_filter", m->coredump_filter);
		pf_x(p, "membarrier", m->membarrier);
		if (m->exe_len) {
			pf_s(p, "exe", (const char *)(m + 1), m->exe_len);
			pf_file_id(p, "exe_", &m->exe_id);
		}
		break;
	}
	case CKPT_HDR_VMA: {
		const struct ckpt_hdr_vma *v = d;

		pf_x(p, "start", v->start);
		pf_x(p, "end", v->end);
		vm_flags_str(v->vm_flags, buf);
		pf_w(p, "prot", buf);
		pf_x(p, "vm_flags", v->vm_flags);
		pf_w(p, "kind", kcr_vma_kind_name(v->kind));
		pf_u(p, "pgoff", v->pgoff);
		pf_u(p, "nr_pages", v->nr_pages);
		if (v->kind == CKPT_VMA_INODE)
			pf_u(p, "inode_ref", v->shm_ref);
		if (v->kind == CKPT_VMA_SHMEM) {
			pf_u(p, "shm_ref", v->shm_ref);
			pf_u(p, "shm_size", v->shm_size);
		}
		if (v->kind == CKPT_VMA_SYSV_SHM) {
			const struct kcr_ipc_obj *seg = p->reader ?
				kcr_reader_ipc_obj(p->reader, CKPT_HDR_IPC_SHM,
						   (int64_t)v->shm_size) : NULL;

			/* shm_size is the shmid; shm_ref names the attachment */
			pf_u(p, "shmid", v->shm_size);
			if (seg)
				pf_x(p, "shm_key", (uint32_t)seg->key);
			pf_u(p, "shm_ref", v->shm_ref);
		}
		if (v->path_len)
			pf_s(p, "path", (const char *)(v + 1), v->path_len);
		if (v->kind == CKPT_VMA_FILE)
			pf_file_id(p, "", &v->file_id);
		break;
	}
	case CKPT_HDR_PAGES: {
		const struct ckpt_hdr_pages *pg = d;
		const __u64 *addr = (const void *)(pg + 1);

		pf_u(p, "nr_pages", pg->nr_pages);
		pf_x(p, "first", addr[0]);
		pf_x(p, "last", addr[pg->nr_pages - 1]);
		break;
	}
	case CKPT_HDR_SIGHAND:
		pr_sighand(p, d);
		break;
	case CKPT_HDR_SIGNAL: {
		const struct ckpt_hdr_signal *s = d;

		pf_x(p, "blocked", s->blocked);
		pf_x(p, "pending", s->pending);
		pf_x(p, "shared_pending", s->shared_pending);
		pf_x(p, "sas_ss_sp", s->sas_ss_sp);
		pf_u(p, "sas_ss_size", s->sas_ss_size);
		pf_u(p, "nr_pending", s->nr_pending);
		break;
	}
	case CKPT_HDR_SIGINFO: {
		const struct ckpt_hdr_siginfo *s = d;
		int32_t signo, code;

		memcpy(&signo, s->info, sizeof(signo));
		memcpy(&code, s->info + 8, sizeof(code));
		pf_i(p, "signo", signo);
		pf_i(p, "code", code);
		pf_bool(p, "shared", s->flags & CKPT_SIGINFO_SHARED);
		break;
	}
	case CKPT_HDR_CPU: {
		const struct ckpt_hdr_cpu *c = d;

		pf_x(p, "ip", c->ip);
		pf_x(p, "sp", c->sp);
		pf_x(p, "ax", c->ax);
		pf_x(p, "orig_ax", c->orig_ax);
		pf_x(p, "flags", c->flags);
		pf_x(p, "fs_base", c->fs_base);
		pf_x(p, "gs_base", c->gs_base);
		pf_w(p, "syscall_state", syscall_state_name(c->syscall_state));
		if (c->syscall_state == CKPT_SYSCALL_NANOSLEEP)
			pf_u(p, "sleep_remaining_ns", c->sleep_remaining_ns);
		break;
	}
	case CKPT_HDR_FPU: {
		const struct ckpt_hdr_fpu *f = d;

		pf_u(p, "size", f->size);
		pf_x(p, "xfeatures", f->xfeatures);
		break;
	}
	case CKPT_HDR_IPC_NS:
		pr_ipc_ns(p, d);
		break;
	case CKPT_HDR_IPC_SHM:
		pr_ipc_shm(p, d);
		break;
	case CKPT_HDR_IPC_MSQ:
		pr_ipc_msq(p, d);
		break;
	case CKPT_HDR_IPC_MSG: {
		const struct ckpt_hdr_ipc_msg *m = d;

		pf_i(p, "mtype", m->mtype);
		pf_u(p, "size", m->size);
		break;
	}
	case CKPT_HDR_IPC_SEM:
		pr_ipc_sem(p, d);
		break;
	case CKPT_HDR_SEM_UNDO: {
		const struct ckpt_hdr_sem_undo *u = d;

		pf_u(p, "objref", u->objref);
		pf_u(p, "nr_undos", u->nr_undos);
		pr_undo_users(p, u->objref);
		break;
	}
	case CKPT_HDR_SEM_ADJ: {
		const struct ckpt_hdr_sem_adj *a = d;

		pf_i(p, "semid", a->semid);
		pf_u(p, "nsems", a->nsems);
		pr_values(p, "adj", a->nsems, get_adj, a + 1);
		break;
	}
	case CKPT_HDR_ITIMERS: {
		const struct ckpt_hdr_itimers *h = d;

		pf_u(p, "real_ns", h->it[CKPT_ITIMER_REAL].value_ns);
		pf_u(p, "real_interval_ns", h->it[CKPT_ITIMER_REAL].interval_ns);
		pf_u(p, "real_passed_ns", h->real_passed_ns);
		pf_u(p, "virtual_ns", h->it[CKPT_ITIMER_VIRTUAL].value_ns);
		pf_u(p, "virtual_interval_ns", h->it[CKPT_ITIMER_VIRTUAL].interval_ns);
		pf_u(p, "prof_ns", h->it[CKPT_ITIMER_PROF].value_ns);
		pf_u(p, "prof_interval_ns", h->it[CKPT_ITIMER_PROF].interval_ns);
		pf_u(p, "nr_posix", h->nr_posix);
		pf_u(p, "next_posix_id", h->next_posix_id);
		break;
	}
	case CKPT_HDR_POSIX_TIMER: {
		const struct ckpt_hdr_posix_timer *t = d;

		pf_i(p, "id", t->id);
		pf_i(p, "clockid", t->clockid);
		pf_u(p, "notify", t->notify);
		pf_u(p, "signo", t->signo);
		pf_x(p, "sigval", t->sigval);
		pf_i(p, "tid", t->tid);
		pf_x(p, "flags", t->flags);
		pf_i(p, "value_ns", t->value_ns);
		pf_u(p, "interval_ns", t->interval_ns);
		pf_i(p, "overrun", t->overrun);
		pf_i(p, "overrun_last", t->overrun_last);
		pf_i(p, "sig_overrun", t->sig_overrun);
		pf_i(p, "sig_private", t->sig_private);
		pf_i(p, "requeue_pending", t->requeue_pending);
		break;
	}
	}

	if (p->json)
		obj_end(p);
	else
		fputc('\n', p->f);
}

void pr_end_doc(struct printer *p, const struct kcr_reader *r, int ok)
{
	uint64_t zbytes;
	int zfmt = kcr_reader_compression(r, &zbytes);
	int z = zfmt == KCR_Z_GZIP || zfmt == KCR_Z_ZLIB;

	if (p->json) {
		arr_end(p);
		if (z) {
			pf_w(p, "compression", kcr_z_format_name(zfmt));
			pf_u(p, "compressed_bytes", zbytes);
		}
		pf_bool(p, "valid", ok);
		pf_u(p, "nr_records", r->nr_records);
		pf_u(p, "bytes", r->offset);
		pf_u(p, "nr_tasks", r->nr_tasks);
		if (ok) {
			pf_x(p, "crc32", r->tail.crc32);
		} else {
			obj_begin(p, "error");
			pf_u(p, "offset", r->err_offset);
			pf_s(p, "reason", r->reason, sizeof(r->reason));
			obj_end(p);
		}
		fputs("}\n", p->f);
		return;
	}
	/* a compressed image: its size, and the ratio once read whole */
	if (z && ok && zbytes)
		fprintf(p->f, "compressed: %s, %" PRIu64 " bytes for %" PRIu64
			" bytes of image (ratio %" PRIu64 ".%02" PRIu64 ")\n",
			kcr_z_format_name(zfmt), zbytes, r->offset,
			r->offset / zbytes, r->offset * 100 / zbytes % 100);
	else if (z)
		fprintf(p->f, "compressed: %s, %" PRIu64 " bytes read\n",
			kcr_z_format_name(zfmt), zbytes);
	if (ok)
		fprintf(p->f, "valid: %" PRIu64 " records, %" PRIu64
			" bytes, %u tasks, crc32 0x%08x\n", r->nr_records,
			r->offset, r->nr_tasks, r->tail.crc32);
	else
		fprintf(p->f, "invalid: offset %" PRIu64 ": %s\n",
			r->err_offset, r->reason);
}
