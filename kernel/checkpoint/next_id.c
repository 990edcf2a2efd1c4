// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: /proc/<pid>/task/<tid>/next_id, the ids the next object created by
 * a thread gets (see include/linux/next_id.h).
 *
 *   LONG XX			one id: an IPC object's id, or a pid in the
 *				creator's own pid namespace
 *   LONG<n> X0 ... X<n-1>	n ids: a new task's pids, X0 in the innermost
 *				pid namespace (the creator's), X1 in its
 *				parent..., the order of clone3's set_tid
 *
 * Writing replaces what is pending ("NONE" or an empty line clears it).
 * Only the thread itself writes its file, with CAP_CHECKPOINT_RESTORE over
 * the user namespace owning its pid or its IPC namespace; the consumer
 * (ipc_addid, alloc_pid) checks the right for the namespace it allocates
 * in, as the kernel.*_next_id sysctls and set_tid do.
 */
#include <linux/next_id.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/ipc_namespace.h>
#include <linux/kernel.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Replace current's pending ids (nr == 0: clear them). */
int next_id_set(const int *ids, unsigned int nr)
{
	struct task_next_id *new = NULL, *old;

	if (nr > NEXT_ID_MAX)
		return -EINVAL;
	if (nr) {
		new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
		new->nr = nr;
		memcpy(new->ids, ids, nr * sizeof(*ids));
	}
	task_lock(current);
	old = current->next_id;
	current->next_id = new;
	task_unlock(current);
	kfree(old);
	return 0;
}

/*
 * Consume current's pending ids: 0 if there are none, else their number,
 * copied to ids[]; -EINVAL (still consumed) if there are more than max.
 */
int next_id_take(int *ids, unsigned int max)
{
	struct task_next_id *nid;
	int ret;

	if (likely(!READ_ONCE(current->next_id)))
		return 0;
	task_lock(current);
	nid = current->next_id;
	current->next_id = NULL;
	task_unlock(current);
	if (!nid)
		return 0;
	ret = -EINVAL;
	if (nid->nr <= max) {
		memcpy(ids, nid->ids, nid->nr * sizeof(*ids));
		ret = nid->nr;
	}
	kfree(nid);
	return ret;
}

/* From free_task(): nobody else can look at t any more. */
void next_id_free(struct task_struct *t)
{
	kfree(t->next_id);
	t->next_id = NULL;
}

int next_id_show(struct seq_file *m, struct task_struct *t)
{
	struct task_next_id nid;
	unsigned int i;

	task_lock(t);
	nid.nr = t->next_id ? t->next_id->nr : 0;
	if (nid.nr)
		memcpy(nid.ids, t->next_id->ids, nid.nr * sizeof(nid.ids[0]));
	task_unlock(t);
	if (!nid.nr)
		return 0;
	if (nid.nr == 1)
		seq_puts(m, "LONG");
	else
		seq_printf(m, "LONG%u", nid.nr);
	for (i = 0; i < nid.nr; i++)
		seq_printf(m, " %d", nid.ids[i]);
	seq_putc(m, '\n');
	return 0;
}

static bool next_id_capable(void)
{
	struct pid_namespace *pid_ns = task_active_pid_ns(current);
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;

	return checkpoint_restore_ns_capable(pid_ns->user_ns) ||
	       checkpoint_restore_ns_capable(ipc_ns->user_ns);
}

/* One decimal id >= 0 that fits an int, followed by a blank or the end. */
static int next_id_parse_one(char **p, int *id)
{
	char *s = skip_spaces(*p), *end;
	unsigned long long v;

	if (!isdigit(*s))
		return -EINVAL;
	end = s;
	while (isdigit(*end))
		end++;
	if (*end && !isspace(*end))
		return -EINVAL;
	if (*end)
		*end++ = '\0';
	if (kstrtoull(s, 10, &v) || v > INT_MAX)
		return -EINVAL;
	*id = v;
	*p = end;
	return 0;
}

/*
 * A write by the thread itself: buf is NUL-terminated by the caller and
 * holds at most one line.
 */
int next_id_write(char *buf)
{
	int ids[NEXT_ID_MAX];
	unsigned int nr, i;
	char *p;
	int ret;

	if (!next_id_capable())
		return -EPERM;
	p = strim(buf);
	if (!*p || !strcmp(p, "NONE"))
		return next_id_set(NULL, 0);
	if (strncmp(p, "LONG", 4))
		return -EINVAL;
	p += 4;
	if (isspace(*p)) {
		nr = 1;
	} else {
		/* LONG<n>: n in 1..NEXT_ID_MAX, no sign, no leading zero */
		if (!isdigit(*p) || *p == '0')
			return -EINVAL;
		for (nr = 0; isdigit(*p); p++) {
			nr = nr * 10 + (*p - '0');
			if (nr > NEXT_ID_MAX)
				return -EINVAL;
		}
		if (!isspace(*p))
			return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		ret = next_id_parse_one(&p, &ids[i]);
		if (ret)
			return ret;
	}
	if (*skip_spaces(p))
		return -EINVAL;		/* more ids than announced */
	return next_id_set(ids, nr);
}
