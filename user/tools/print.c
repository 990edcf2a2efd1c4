// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo's printer.  Reading and validation are libkcr's job; this file
 * only formats records that were already validated (lengths and counts can
 * be trusted).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
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

static void task_flags_str(uint32_t fl, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s",
		 (fl & CKPT_TASK_THREAD) ? "thread," : "",
		 (fl & CKPT_TASK_ZOMBIE) ? "zombie," : "",
		 (fl & CKPT_TASK_SESSION_LEADER) ? "session-leader," : "",
		 (fl & CKPT_TASK_GROUP_LEADER) ? "group-leader," : "",
		 fl ? "" : "-");
	if (fl && buf[0])
		buf[strlen(buf) - 1] = '\0';
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
	pf_u(p, "time_ns", h->time_ns);
	pf_u(p, "ckpt_id", h->ckpt_id);
	pf_s(p, "release", h->release, sizeof(h->release));
	pf_s(p, "machine", h->machine, sizeof(h->machine));
}

static void pr_tree(struct printer *p, const struct ckpt_hdr_tree *t)
{
	const struct ckpt_task_pids *e = (const void *)(t + 1);
	char fl[64];
	uint32_t i;

	pf_u(p, "nr_tasks", t->nr_tasks);
	arr_begin(p, "tasks");
	for (i = 0; i < t->nr_tasks; i++) {
		obj_begin(p, NULL);
		pf_i(p, "pid", e[i].pid);
		pf_i(p, "tgid", e[i].tgid);
		pf_i(p, "ppid", e[i].ppid);
		pf_i(p, "pgid", e[i].pgid);
		pf_i(p, "sid", e[i].sid);
		task_flags_str(e[i].flags, fl, sizeof(fl));
		pf_w(p, "flags", fl);
		obj_end(p);
	}
	arr_end(p);
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
		break;
	}
	case CKPT_HDR_CREDS:
		pr_creds(p, d);
		break;
	case CKPT_HDR_FS: {
		const struct ckpt_hdr_fs *f = d;
		const char *s = (const char *)(f + 1);

		snprintf(buf, sizeof(buf), "%04o", f->umask);
		pf_w(p, "umask", buf);
		pf_s(p, "cwd", s, f->cwd_len);
		pf_s(p, "root", s + f->cwd_len, f->root_len);
		break;
	}
	case CKPT_HDR_FILES:
		pf_u(p, "nr_fds", ((const struct ckpt_hdr_files *)d)->nr_fds);
		break;
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
		if (f->kind == CKPT_FILE_CHR)
			pf_x(p, "rdev", f->rdev);
		if (f->kind == CKPT_FILE_PIPE)
			pf_u(p, "pipe_ref", f->pipe_ref);
		if (f->path_len)
			pf_s(p, "path", (const char *)(f + 1), f->path_len);
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
	case CKPT_HDR_MM: {
		const struct ckpt_hdr_mm *m = d;

		pf_u(p, "nr_vmas", m->nr_vmas);
		pf_x(p, "start_code", m->start_code);
		pf_x(p, "end_code", m->end_code);
		pf_x(p, "start_brk", m->start_brk);
		pf_x(p, "brk", m->brk);
		pf_x(p, "start_stack", m->start_stack);
		pf_x(p, "vdso", m->vdso);
		pf_u(p, "auxv_words", m->auxv_words);
		if (m->exe_len)
			pf_s(p, "exe", (const char *)(m + 1), m->exe_len);
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
		if (v->kind == CKPT_VMA_SHMEM) {
			pf_u(p, "shm_ref", v->shm_ref);
			pf_u(p, "shm_size", v->shm_size);
		}
		if (v->path_len)
			pf_s(p, "path", (const char *)(v + 1), v->path_len);
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
	}

	if (p->json)
		obj_end(p);
	else
		fputc('\n', p->f);
}

void pr_end_doc(struct printer *p, const struct kcr_reader *r, int ok)
{
	if (p->json) {
		arr_end(p);
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
	} else if (ok) {
		fprintf(p->f, "valid: %" PRIu64 " records, %" PRIu64
			" bytes, %u tasks, crc32 0x%08x\n", r->nr_records,
			r->offset, r->nr_tasks, r->tail.crc32);
	} else {
		fprintf(p->f, "invalid: offset %" PRIu64 ": %s\n",
			r->err_offset, r->reason);
	}
}
