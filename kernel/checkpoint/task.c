// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: per-task state: the TASK record (comm, per-task user pointers,
 * a few flags), CREDS and FS (cwd, umask).
 *
 * Credentials are restored with the caller's rights: an image may only
 * ask for ids the caller could switch to with setresuid()/setresgid()
 * (or with CAP_SETUID/CAP_SETGID), for supplementary groups only with
 * CAP_SETGID unless they are the caller's own, and for capabilities only
 * a subset of the caller's.  The new creds are prepared early (so a
 * refusal happens before the task is touched) and committed last.
 *
 * Locking: task_lock() to read another task's fs_struct; rcu for creds.
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/namei.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/binfmts.h>
#include <linux/personality.h>
#include <linux/futex.h>
#include <linux/rseq.h>
#include <linux/user_namespace.h>
#include <linux/securebits.h>
#include <linux/security.h>
#include <linux/posix-timers.h>
#include <linux/resource.h>
#include <linux/sched/prio.h>
#include <linux/sched/rt.h>
#include <linux/oom.h>
#include <linux/cpumask.h>
#include <linux/cpuset.h>
#include <uapi/linux/sched/types.h>

/* what prctl(PR_SET_IO_FLUSHER) sets (kernel/sys.c) */
#define CKPT_PF_IO_FLUSHER	(PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)

static u64 cap_to_u64(kernel_cap_t cap)
{
	return cap.cap[0] | ((u64)cap.cap[1] << 32);
}

static kernel_cap_t u64_to_cap(u64 v)
{
	kernel_cap_t cap = {};

	cap.cap[0] = (u32)v;
	cap.cap[1] = (u32)(v >> 32);
	return cap;
}

static int checkpoint_creds(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct user_namespace *ns = current_user_ns();
	struct ckpt_hdr_creds *h;
	const struct cred *cred;
	struct group_info *gi;
	u32 *gids;
	int i, ret;

	cred = get_task_cred(t);
	gi = cred->group_info;
	if (gi->ngroups > CKPT_NGROUPS_MAX) {
		put_cred(cred);
		return ckpt_err(ctx, -E2BIG, "too many supplementary groups");
	}
	h = kzalloc(sizeof(*h) + gi->ngroups * sizeof(u32), GFP_KERNEL_ACCOUNT);
	if (!h) {
		put_cred(cred);
		return ckpt_err(ctx, -ENOMEM, "no memory for creds");
	}
	h->uid = from_kuid_munged(ns, cred->uid);
	h->euid = from_kuid_munged(ns, cred->euid);
	h->suid = from_kuid_munged(ns, cred->suid);
	h->fsuid = from_kuid_munged(ns, cred->fsuid);
	h->gid = from_kgid_munged(ns, cred->gid);
	h->egid = from_kgid_munged(ns, cred->egid);
	h->sgid = from_kgid_munged(ns, cred->sgid);
	h->fsgid = from_kgid_munged(ns, cred->fsgid);
	h->cap_inheritable = cap_to_u64(cred->cap_inheritable);
	h->cap_permitted = cap_to_u64(cred->cap_permitted);
	h->cap_effective = cap_to_u64(cred->cap_effective);
	h->cap_bset = cap_to_u64(cred->cap_bset);
	h->cap_ambient = cap_to_u64(cred->cap_ambient);
	h->securebits = cred->securebits;
	h->ngroups = gi->ngroups;
	gids = (u32 *)(h + 1);
	for (i = 0; i < gi->ngroups; i++)
		gids[i] = from_kgid_munged(ns, gi->gid[i]);
	put_cred(cred);

	ret = ckpt_write_record(ctx, CKPT_HDR_CREDS, h,
				sizeof(*h) + h->ngroups * sizeof(u32));
	kfree(h);
	return ret;
}

static int checkpoint_fs(struct ckpt_ctx *ctx, struct task_struct *t, int index)
{
	struct ckpt_hdr_fs h = { .objref = ctx->pids[index].fs_ref };
	struct path cwd, root;
	char *buf, *cwd_s, *root_s;
	int ret;

	task_lock(t);
	if (!t->fs) {
		task_unlock(t);
		return ckpt_err(ctx, -EBUSY, "task has no fs_struct");
	}
	get_fs_pwd(t->fs, &cwd);
	get_fs_root(t->fs, &root);
	h.umask = t->fs->umask;
	task_unlock(t);

	buf = kmalloc(2 * CKPT_PATH_MAX, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* reopened by path: it must lead back to the same directory */
	cwd_s = ckpt_reachable_path(ctx, &cwd, buf, NULL, "the cwd");
	if (IS_ERR(cwd_s)) {
		ret = PTR_ERR(cwd_s);
		goto out_free;
	}
	root_s = d_path(&root, buf + CKPT_PATH_MAX, CKPT_PATH_MAX);
	if (IS_ERR(root_s)) {
		ret = ckpt_err(ctx, -ENAMETOOLONG, "root path too long");
		goto out_free;
	}
	h.cwd_len = strlen(cwd_s) + 1;
	h.root_len = strlen(root_s) + 1;
	ret = ckpt_write_begin(ctx, CKPT_HDR_FS, &h, sizeof(h),
			       h.cwd_len + h.root_len);
	if (!ret)
		ret = ckpt_write_raw(ctx, cwd_s, h.cwd_len);
	if (!ret)
		ret = ckpt_write_raw(ctx, root_s, h.root_len);
	if (!ret)
		ret = ckpt_write_end(ctx, sizeof(h) + h.cwd_len + h.root_len);
out_free:
	kfree(buf);
out:
	path_put(&cwd);
	path_put(&root);
	return ret;
}

/*
 * What user space set with prctl(), setpriority(), sched_setattr(),
 * sched_setaffinity() and /proc/PID/ writes (see
 * Documentation/checkpoint/task-state.rst): saved, or refused by name.
 */
static int checkpoint_task_sched(struct ckpt_ctx *ctx, struct task_struct *t,
				 struct ckpt_hdr_task *h)
{
	pid_t pid = task_pid_vnr(t);
	cpumask_var_t mask, cpuset;
	unsigned long flags;
	int cpu, ret = 0;

	switch (t->policy) {
	case SCHED_NORMAL:
	case SCHED_BATCH:
	case SCHED_IDLE:
	case SCHED_FIFO:
	case SCHED_RR:
		break;
	default:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: scheduling policy %u (SCHED_DEADLINE) is not supported",
				pid, t->policy);
	}
	h->policy = t->policy;
	h->rt_priority = t->policy == SCHED_FIFO || t->policy == SCHED_RR ?
			 t->rt_priority : 0;
	h->nice = task_nice(t);
	if (t->sched_reset_on_fork)
		h->flags |= CKPT_TASKF_RESET_ON_FORK;
	/*
	 * What sched_setaffinity() set, as sched_getaffinity() reads it;
	 * "all CPUs" when the task may run everywhere its cpuset lets it.
	 */
	if (!alloc_cpumask_var(&mask, GFP_KERNEL))
		return ckpt_err(ctx, -ENOMEM, "no memory for a cpumask");
	if (!alloc_cpumask_var(&cpuset, GFP_KERNEL)) {
		free_cpumask_var(mask);
		return ckpt_err(ctx, -ENOMEM, "no memory for a cpumask");
	}
	raw_spin_lock_irqsave(&t->pi_lock, flags);
	cpumask_copy(mask, &t->cpus_mask);
	raw_spin_unlock_irqrestore(&t->pi_lock, flags);
	cpuset_cpus_allowed(t, cpuset);
	if (cpumask_equal(mask, cpu_possible_mask) ||
	    cpumask_equal(mask, cpuset)) {
		h->flags |= CKPT_TASKF_ALL_CPUS;
	} else {
		for_each_cpu(cpu, mask) {
			if (cpu >= 64) {
				ret = ckpt_err(ctx, -EOPNOTSUPP,
					       "pid %d: CPU affinity includes CPU %d (at most 64 CPUs supported)",
					       pid, cpu);
				break;
			}
			h->cpus_allowed |= 1ULL << cpu;
		}
	}
	free_cpumask_var(cpuset);
	free_cpumask_var(mask);
	if (ret)
		return ret;
	h->nr_cpus = min_t(unsigned int, nr_cpu_ids, 64);
	h->timer_slack_ns = t->timer_slack_ns;
	h->default_timer_slack_ns = t->default_timer_slack_ns;
	if (t->flags & PF_MCE_PROCESS) {
		h->flags |= CKPT_TASKF_MCE_KILL;
		if (t->flags & PF_MCE_EARLY)
			h->flags |= CKPT_TASKF_MCE_EARLY;
	}
	if ((t->flags & CKPT_PF_IO_FLUSHER) == CKPT_PF_IO_FLUSHER)
		h->flags |= CKPT_TASKF_IO_FLUSHER;
	/* exec chose it from ADDR_NO_RANDOMIZE and randomize_va_space */
	if (t->flags & PF_RANDOMIZE)
		h->flags |= CKPT_TASKF_RANDOMIZE;

	if (task_spec_ssb_disable(t) || task_spec_ssb_noexec(t) ||
	    task_spec_ssb_force_disable(t) || task_spec_ib_disable(t) ||
	    task_spec_ib_force_disable(t))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: speculation control set by PR_SET_SPECULATION_CTRL is not supported",
				pid);
#ifdef TIF_SPEC_L1D_FLUSH
	if (test_tsk_thread_flag(t, TIF_SPEC_L1D_FLUSH))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: PR_SET_SPECULATION_CTRL(PR_SPEC_L1D_FLUSH) is not supported",
				pid);
#endif
#ifdef CONFIG_GENERIC_ENTRY
	if (test_task_syscall_work(t, SYSCALL_USER_DISPATCH))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: syscall user dispatch (PR_SET_SYSCALL_USER_DISPATCH) is not supported",
				pid);
#endif

	/* per process: the leader's record carries them */
	if (!lock_task_sighand(t, &flags))
		return ckpt_err(ctx, -ESRCH, "pid %d is exiting", pid);
	h->oom_score_adj = t->signal->oom_score_adj;
	h->oom_score_adj_min = t->signal->oom_score_adj_min;
	if (t->signal->is_child_subreaper)
		h->flags |= CKPT_TASKF_SUBREAPER;
	unlock_task_sighand(t, &flags);
	return 0;
}

int checkpoint_task_struct(struct ckpt_ctx *ctx, struct task_struct *t,
			   int index)
{
	struct ckpt_hdr_task h = {};
	struct mm_struct *mm;
	int i, ret;

	h.pid = task_pid_nr_ns(t, ctx->pid_ns);
	h.exit_signal = thread_group_leader(t) ? t->exit_signal : 0;
	h.pdeath_signal = t->pdeath_signal;
	h.personality = t->personality;
	if (task_no_new_privs(t))
		h.flags |= CKPT_TASKF_NO_NEW_PRIVS;
	mm = get_task_mm(t);
	if (mm) {
		if (get_dumpable(mm) == SUID_DUMP_USER)
			h.flags |= CKPT_TASKF_DUMPABLE;
		mmput(mm);
	}
	h.clear_child_tid = (unsigned long)t->clear_child_tid;
	h.set_child_tid = (unsigned long)t->set_child_tid;
#ifdef CONFIG_FUTEX
	h.robust_list = (unsigned long)t->robust_list;
	h.robust_list_len = t->robust_list ? sizeof(*t->robust_list) : 0;
#endif
#ifdef CONFIG_RSEQ
	h.rseq = (unsigned long)t->rseq;
	h.rseq_len = t->rseq ? sizeof(struct rseq) : 0;
	h.rseq_sig = t->rseq_sig;
#endif
	get_task_comm(h.comm, t);
	BUILD_BUG_ON(RLIM_NLIMITS != CKPT_RLIM_NLIMITS);
	task_lock(t->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		h.rlim[i].cur = t->signal->rlim[i].rlim_cur;
		h.rlim[i].max = t->signal->rlim[i].rlim_max;
	}
	task_unlock(t->group_leader);
	ret = checkpoint_task_sched(ctx, t, &h);
	if (ret)
		return ret;

	ret = ckpt_write_record(ctx, CKPT_HDR_TASK, &h, sizeof(h));
	if (!ret)
		ret = checkpoint_creds(ctx, t);
	if (!ret && (ctx->task_first[index] & CKPT_FIRST_FS))
		ret = checkpoint_fs(ctx, t, index);
	return ret;
}

static bool uid_allowed(const struct cred *old, kuid_t uid)
{
	return uid_eq(uid, old->uid) || uid_eq(uid, old->euid) ||
	       uid_eq(uid, old->suid) ||
	       ns_capable_setid(old->user_ns, CAP_SETUID);
}

static bool gid_allowed(const struct cred *old, kgid_t gid)
{
	return gid_eq(gid, old->gid) || gid_eq(gid, old->egid) ||
	       gid_eq(gid, old->sgid) ||
	       ns_capable_setid(old->user_ns, CAP_SETGID);
}

static bool same_groups(const struct group_info *a, const struct group_info *b)
{
	int i;

	if (a->ngroups != b->ngroups)
		return false;
	for (i = 0; i < a->ngroups; i++)
		if (!gid_eq(a->gid[i], b->gid[i]))
			return false;
	return true;
}

/*
 * Resource limits, with setrlimit()'s rules: a hard limit goes up only
 * with CAP_SYS_RESOURCE, RLIMIT_NOFILE never above fs.nr_open, and the
 * LSM hook of setrlimit() is asked.
 */
static int restore_rlimits_check(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	struct rlimit old, new;
	int i, ret;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		if (h->rlim[i].cur > h->rlim[i].max)
			return ckpt_err(ctx, -EINVAL,
					"TASK: limit %d: soft above hard", i);
		task_lock(current->group_leader);
		old = current->signal->rlim[i];
		task_unlock(current->group_leader);
		if (h->rlim[i].max > old.rlim_max &&
		    !capable(CAP_SYS_RESOURCE))
			return ckpt_err(ctx, -EPERM,
					"TASK: the image raises the hard limit of resource %d above the caller's",
					i);
		if (i == RLIMIT_NOFILE && h->rlim[i].max > sysctl_nr_open)
			return ckpt_err(ctx, -EPERM,
					"TASK: RLIMIT_NOFILE above fs.nr_open");
		/* the hook setrlimit() runs, for a limit that changes */
		new.rlim_cur = h->rlim[i].cur;
		new.rlim_max = h->rlim[i].max;
		if (new.rlim_cur == old.rlim_cur && new.rlim_max == old.rlim_max)
			continue;
		ret = security_task_setrlimit(current->group_leader, i, &new);
		if (ret)
			return ckpt_err(ctx, ret,
					"TASK: the security policy refuses limit %d", i);
	}
	return 0;
}

static void restore_rlimits(struct ckpt_hdr_task *h)
{
	u64 cpu = h->rlim[RLIMIT_CPU].cur;
	int i;

	task_lock(current->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		current->signal->rlim[i].rlim_cur = h->rlim[i].cur;
		current->signal->rlim[i].rlim_max = h->rlim[i].max;
	}
	task_unlock(current->group_leader);
	if (cpu != RLIM_INFINITY)
		update_rlimit_cpu(current, cpu);
}

/* capable() for the restored task: its prepared creds, not the caller's */
static bool rst_capable(struct ckpt_rst_task *rt, int cap)
{
	return !security_capable(rt->new_creds, &init_user_ns, cap,
				 CAP_OPT_NONE);
}

/* What can_nice() says for the restored task: its image rlimit, its creds. */
static bool rst_can_nice(struct ckpt_rst_task *rt, int nice)
{
	return nice_to_rlimit(nice) <= rt->task->rlim[RLIMIT_NICE].cur ||
	       rst_capable(rt, CAP_SYS_NICE);
}

/* The affinity of the TASK record, as a cpumask of this kernel. */
static void rst_cpus(struct ckpt_hdr_task *h, struct cpumask *mask)
{
	int cpu;

	cpumask_clear(mask);
	for (cpu = 0; cpu < 64 && cpu < nr_cpu_ids; cpu++)
		if (h->cpus_allowed & (1ULL << cpu))
			cpumask_set_cpu(cpu, mask);
}

/*
 * The scheduling state, timer slack, oom_score_adj, subreaper, MCE and
 * I/O flusher flags of the TASK record: valid values, and the rights the
 * system calls that set them would ask of the restored task (its prepared
 * creds, the image's rlimits) for what changes from what it inherited
 * from the caller: setpriority() and sched_setattr() (RLIMIT_NICE,
 * RLIMIT_RTPRIO or CAP_SYS_NICE), /proc/PID/oom_score_adj
 * (CAP_SYS_RESOURCE below oom_score_adj_min), PR_SET_IO_FLUSHER
 * (CAP_SYS_RESOURCE).  Applied by restore_task_sched().
 */
static int restore_task_sched_check(struct ckpt_ctx *ctx,
				    struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_task *h = rt->task;
	u64 rtprio = h->rlim[RLIMIT_RTPRIO].cur;
	bool rt_pol = h->policy == SCHED_FIFO || h->policy == SCHED_RR;
	struct signal_struct *sig = current->signal;
	cpumask_var_t mask, allowed;
	bool priv = false;
	int i, ret;

	if (h->exit_signal != rt->entry->exit_signal)
		return ckpt_err(ctx, -EINVAL,
				"TASK: exit signal %u where the TREE has %u",
				h->exit_signal, rt->entry->exit_signal);
	if ((h->policy != SCHED_NORMAL && h->policy != SCHED_BATCH &&
	     h->policy != SCHED_IDLE && !rt_pol) ||
	    (rt_pol ? h->rt_priority < 1 || h->rt_priority > MAX_RT_PRIO - 1 :
		      h->rt_priority) ||
	    h->nice < MIN_NICE || h->nice > MAX_NICE)
		return ckpt_err(ctx, -EINVAL,
				"TASK: scheduling policy %u, priority %u, nice %d",
				h->policy, h->rt_priority, h->nice);
	if (h->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	    h->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	    h->oom_score_adj_min < OOM_SCORE_ADJ_MIN ||
	    h->oom_score_adj_min > OOM_SCORE_ADJ_MAX || h->pad ||
	    h->nr_cpus > 64 ||
	    ((h->flags & CKPT_TASKF_MCE_EARLY) &&
	     !(h->flags & CKPT_TASKF_MCE_KILL)))
		return ckpt_err(ctx, -EINVAL, "TASK: invalid field values");
	if (((h->flags & CKPT_TASKF_ALL_CPUS) && h->cpus_allowed) ||
	    (h->nr_cpus < 64 && h->cpus_allowed >> h->nr_cpus))
		return ckpt_err(ctx, -EINVAL,
				"TASK: CPU affinity %#llx with %u CPUs%s",
				h->cpus_allowed, h->nr_cpus,
				h->flags & CKPT_TASKF_ALL_CPUS ? " (all CPUs)" : "");
	/* the policy clears it, PR_SET_TIMERSLACK leaves an RT task's alone */
	if (rt_pol && h->timer_slack_ns)
		return ckpt_err(ctx, -EINVAL,
				"TASK: timer slack %llu ns with RT policy %u",
				h->timer_slack_ns, h->policy);
	/*
	 * Per process: the leader's record set them, restored before its
	 * threads; a thread's must be the same (the checks below use them).
	 */
	if (rt->entry->flags & CKPT_TASK_THREAD) {
		bool same;

		task_lock(current->group_leader);
		same = true;
		for (i = 0; i < RLIM_NLIMITS; i++)
			if (h->rlim[i].cur != sig->rlim[i].rlim_cur ||
			    h->rlim[i].max != sig->rlim[i].rlim_max)
				same = false;
		task_unlock(current->group_leader);
		if (!same || h->oom_score_adj != sig->oom_score_adj ||
		    h->oom_score_adj_min != sig->oom_score_adj_min ||
		    !!(h->flags & CKPT_TASKF_SUBREAPER) !=
		    !!sig->is_child_subreaper)
			return ckpt_err(ctx, -EINVAL,
					"TASK: thread's limits, oom_score_adj or subreaper flag differ from its process's");
	}
	/*
	 * sched_setaffinity() intersects the mask with the cpuset's and
	 * needs an active CPU in what is left.
	 */
	if (!(h->flags & CKPT_TASKF_ALL_CPUS)) {
		if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
			return ckpt_err(ctx, -ENOMEM, "no memory for a cpumask");
		if (!zalloc_cpumask_var(&allowed, GFP_KERNEL)) {
			free_cpumask_var(mask);
			return ckpt_err(ctx, -ENOMEM, "no memory for a cpumask");
		}
		rst_cpus(h, mask);
		cpuset_cpus_allowed(current, allowed);
		cpumask_and(mask, mask, allowed);
		ret = cpumask_intersects(mask, cpu_active_mask);
		free_cpumask_var(allowed);
		free_cpumask_var(mask);
		if (!ret)
			return ckpt_err(ctx, -EINVAL,
					"TASK: CPU affinity %#llx has no active CPU of the cpuset here",
					h->cpus_allowed);
	}

	/* setpriority(): a lower nice needs RLIMIT_NICE or CAP_SYS_NICE */
	if (h->nice < task_nice(current) && !rst_can_nice(rt, h->nice))
		return ckpt_err(ctx, -EPERM,
				"TASK: nice %d below %d needs RLIMIT_NICE or CAP_SYS_NICE",
				h->nice, task_nice(current));
	/* sched_setattr(), as user_check_sched_setscheduler() */
	if (rt_pol && ((h->policy != current->policy && !rtprio) ||
		       (h->rt_priority > current->rt_priority &&
			h->rt_priority > rtprio)))
		priv = true;
	if (current->policy == SCHED_IDLE && h->policy != SCHED_IDLE &&
	    nice_to_rlimit(task_nice(current)) > h->rlim[RLIMIT_NICE].cur)
		priv = true;
	if (current->sched_reset_on_fork &&
	    !(h->flags & CKPT_TASKF_RESET_ON_FORK))
		priv = true;
	if (priv && !rst_capable(rt, CAP_SYS_NICE))
		return ckpt_err(ctx, -EPERM,
				"TASK: scheduling policy %u priority %u needs RLIMIT_RTPRIO or CAP_SYS_NICE",
				h->policy, h->rt_priority);
	/*
	 * An early refusal by the hooks setpriority() and sched_setattr()
	 * run.  With the caller's creds: the hooks compare the target's
	 * (objective) creds with the subject's, and only in the finish step
	 * are both the restored task's (restore_task_sched() asks again).
	 */
	ret = 0;
	if (h->nice != task_nice(current))
		ret = security_task_setnice(current, h->nice);
	if (!ret)
		ret = security_task_setscheduler(current);
	if (ret)
		return ckpt_err(ctx, ret,
				"TASK: the security policy refuses the scheduling state");

	if ((h->flags & CKPT_TASKF_IO_FLUSHER) &&
	    !rst_capable(rt, CAP_SYS_RESOURCE))
		return ckpt_err(ctx, -EPERM,
				"TASK: PR_SET_IO_FLUSHER needs CAP_SYS_RESOURCE");
	if (rt->entry->flags & CKPT_TASK_THREAD)
		return 0;
	/* /proc/PID/oom_score_adj, as __set_oom_adj() checks it */
	if (h->oom_score_adj != sig->oom_score_adj &&
	    h->oom_score_adj < sig->oom_score_adj_min &&
	    !rst_capable(rt, CAP_SYS_RESOURCE))
		return ckpt_err(ctx, -EACCES,
				"TASK: oom_score_adj %d below oom_score_adj_min %d needs CAP_SYS_RESOURCE",
				h->oom_score_adj, sig->oom_score_adj_min);
	/* only a writer with CAP_SYS_RESOURCE lowers the minimum */
	if (h->oom_score_adj_min < sig->oom_score_adj_min &&
	    !rst_capable(rt, CAP_SYS_RESOURCE))
		return ckpt_err(ctx, -EACCES,
				"TASK: oom_score_adj_min %d below %d needs CAP_SYS_RESOURCE",
				h->oom_score_adj_min, sig->oom_score_adj_min);
	return 0;
}

static int ckpt_set_has_subreaper(struct task_struct *p, void *data)
{
	/* as PR_SET_CHILD_SUBREAPER: stop below a reaper or a marked task */
	if (p->signal->has_child_subreaper || is_child_reaper(task_pid(p)))
		return 0;
	p->signal->has_child_subreaper = 1;
	return 1;
}

/* Apply what restore_task_sched_check() accepted. */
static int restore_task_sched(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_task *h = rt->task;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = h->policy,
		.sched_priority = h->rt_priority,
		.sched_nice = h->nice,
	};
	cpumask_var_t mask;
	int ret;

	if (h->flags & CKPT_TASKF_RESET_ON_FORK)
		attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
	/* setpriority()'s hook, as the restored task */
	if (h->nice != task_nice(current)) {
		ret = security_task_setnice(current, h->nice);
		if (ret)
			return ckpt_err(ctx, ret,
					"the security policy refuses nice %d",
					h->nice);
	}
	/*
	 * With the syscall's checks (LSM, RT group bandwidth, rlimits): the
	 * creds and rlimits are the restored task's by now.
	 */
	ret = sched_setattr(current, &attr);
	if (ret)
		return ckpt_err(ctx, ret,
				"setting scheduling policy %u priority %u",
				h->policy, h->rt_priority);
	/* the nice value of an RT task too (setpriority() keeps it) */
	set_user_nice(current, h->nice);
	/* after the policy, which clears it for RT */
	current->timer_slack_ns = h->timer_slack_ns;
	current->default_timer_slack_ns = h->default_timer_slack_ns;
	if (!(h->flags & CKPT_TASKF_ALL_CPUS)) {
		if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
			return ckpt_err(ctx, -ENOMEM, "no memory for a cpumask");
		rst_cpus(h, mask);
		ret = sched_setaffinity(0, mask);
		free_cpumask_var(mask);
		if (ret)
			return ckpt_err(ctx, ret, "setting CPU affinity %#llx",
					h->cpus_allowed);
	}
	current->flags &= ~(PF_MCE_PROCESS | PF_MCE_EARLY | CKPT_PF_IO_FLUSHER |
			    PF_RANDOMIZE);
	if (h->flags & CKPT_TASKF_RANDOMIZE)
		current->flags |= PF_RANDOMIZE;
	if (h->flags & CKPT_TASKF_MCE_KILL)
		current->flags |= PF_MCE_PROCESS;
	if (h->flags & CKPT_TASKF_MCE_EARLY)
		current->flags |= PF_MCE_EARLY;
	if (h->flags & CKPT_TASKF_IO_FLUSHER)
		current->flags |= CKPT_PF_IO_FLUSHER;
	if (rt->entry->flags & CKPT_TASK_THREAD)
		return 0;

	spin_lock_irq(&current->sighand->siglock);
	current->signal->oom_score_adj = h->oom_score_adj;
	current->signal->oom_score_adj_min = h->oom_score_adj_min;
	current->signal->is_child_subreaper =
		!!(h->flags & CKPT_TASKF_SUBREAPER);
	spin_unlock_irq(&current->sighand->siglock);
	/* children restored before us learn it, as PR_SET_CHILD_SUBREAPER */
	if (h->flags & CKPT_TASKF_SUBREAPER)
		walk_process_tree(current, ckpt_set_has_subreaper, NULL);
	return 0;
}

/* Check the CREDS record against the caller's rights; prepare new creds. */
static int restore_creds(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *old = current_cred();
	struct ckpt_hdr_creds *h;
	struct group_info *gi = NULL;
	struct cred *new = NULL;
	kuid_t uids[4];
	kgid_t gids[4];
	u32 *img_gids;
	u32 len;
	int i, ret;

	h = ckpt_read_record_alloc(ctx, CKPT_HDR_CREDS, sizeof(*h),
				   sizeof(*h) + CKPT_NGROUPS_MAX * sizeof(u32),
				   &len);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (len != sizeof(*h) + (u64)h->ngroups * sizeof(u32)) {
		ckpt_err(ctx, ret, "CREDS: %u groups do not fit %u bytes",
			 h->ngroups, len);
		goto out;
	}
	uids[0] = make_kuid(ns, h->uid);
	uids[1] = make_kuid(ns, h->euid);
	uids[2] = make_kuid(ns, h->suid);
	uids[3] = make_kuid(ns, h->fsuid);
	gids[0] = make_kgid(ns, h->gid);
	gids[1] = make_kgid(ns, h->egid);
	gids[2] = make_kgid(ns, h->sgid);
	gids[3] = make_kgid(ns, h->fsgid);
	for (i = 0; i < 4; i++) {
		if (!uid_valid(uids[i]) || !gid_valid(gids[i])) {
			ckpt_err(ctx, ret, "CREDS: ids not mapped in this user namespace");
			goto out;
		}
	}

	ret = -EPERM;
	for (i = 0; i < 4; i++) {
		if (!uid_allowed(old, uids[i]) || !gid_allowed(old, gids[i])) {
			ckpt_err(ctx, ret,
				 "CREDS: the image runs as uid %u gid %u, which the caller may not become",
				 h->euid, h->egid);
			goto out;
		}
	}

	gi = groups_alloc(h->ngroups);
	if (!gi) {
		ret = ckpt_err(ctx, -ENOMEM, "no memory for groups");
		goto out;
	}
	img_gids = (u32 *)(h + 1);
	for (i = 0; i < h->ngroups; i++) {
		gi->gid[i] = make_kgid(ns, img_gids[i]);
		if (!gid_valid(gi->gid[i])) {
			ret = ckpt_err(ctx, -EINVAL, "CREDS: group not mapped");
			goto out;
		}
	}
	groups_sort(gi);
	if (!same_groups(gi, old->group_info) &&
	    (!ns_capable_setid(old->user_ns, CAP_SETGID) ||
	     !userns_may_setgroups(old->user_ns))) {
		ckpt_err(ctx, ret, "CREDS: the caller may not set the image's groups");
		goto out;
	}

	if (!cap_issubset(u64_to_cap(h->cap_permitted), old->cap_permitted) ||
	    !cap_issubset(u64_to_cap(h->cap_effective),
			  u64_to_cap(h->cap_permitted)) ||
	    !cap_issubset(u64_to_cap(h->cap_inheritable),
			  cap_combine(old->cap_inheritable, old->cap_permitted)) ||
	    !cap_issubset(u64_to_cap(h->cap_inheritable),
			  cap_combine(old->cap_inheritable, old->cap_bset)) ||
	    ((old->securebits & issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE)) &&
	     !cap_issubset(u64_to_cap(h->cap_ambient), old->cap_ambient)) ||
	    !cap_issubset(u64_to_cap(h->cap_bset), old->cap_bset) ||
	    !cap_issubset(u64_to_cap(h->cap_ambient),
			  cap_intersect(u64_to_cap(h->cap_permitted),
					u64_to_cap(h->cap_inheritable)))) {
		ckpt_err(ctx, ret, "CREDS: the image holds capabilities the caller does not have");
		goto out;
	}
	/* fewer bounding set bits: what prctl(PR_CAPBSET_DROP) needs */
	if (!cap_issubset(old->cap_bset, u64_to_cap(h->cap_bset)) &&
	    !ns_capable(old->user_ns, CAP_SETPCAP)) {
		ckpt_err(ctx, ret,
			 "CREDS: dropping capabilities from the bounding set needs CAP_SETPCAP");
		goto out;
	}
	/* as prctl(PR_SET_SECUREBITS): locked bits and locks stay as they are */
	if (h->securebits != old->securebits &&
	    ((h->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) ||
	     ((old->securebits & SECURE_ALL_LOCKS) & ~h->securebits) ||
	     (((old->securebits & SECURE_ALL_LOCKS) >> 1) &
	      (old->securebits ^ h->securebits)) ||
	     !ns_capable(old->user_ns, CAP_SETPCAP))) {
		ckpt_err(ctx, ret, "CREDS: the caller may not set securebits %#x",
			 h->securebits);
		goto out;
	}

	new = prepare_creds();
	if (!new) {
		ret = ckpt_err(ctx, -ENOMEM, "no memory for creds");
		goto out;
	}
	new->uid = uids[0];
	new->euid = uids[1];
	new->suid = uids[2];
	new->fsuid = uids[3];
	new->gid = gids[0];
	new->egid = gids[1];
	new->sgid = gids[2];
	new->fsgid = gids[3];
	/*
	 * The LSM hooks setresuid(), setresgid() and capset() would run, in
	 * that order: they may veto the change or adjust the new caps.
	 */
	ret = security_task_fix_setuid(new, old, LSM_SETID_RES);
	if (!ret)
		ret = security_task_fix_setgid(new, old, LSM_SETID_RES);
	if (!ret) {
		kernel_cap_t eff = u64_to_cap(h->cap_effective);
		kernel_cap_t inh = u64_to_cap(h->cap_inheritable);
		kernel_cap_t perm = u64_to_cap(h->cap_permitted);

		ret = security_capset(new, old, &eff, &inh, &perm);
	}
	if (ret) {
		abort_creds(new);
		ckpt_err(ctx, ret, "CREDS: the security policy refuses the image's ids or capabilities");
		goto out;
	}
	new->cap_bset = u64_to_cap(h->cap_bset);
	new->cap_ambient = u64_to_cap(h->cap_ambient);
	new->securebits = h->securebits;
	set_groups(new, gi);
	/* the hook setgroups() runs */
	ret = security_task_fix_setgroups(new, old);
	if (ret) {
		abort_creds(new);
		ckpt_err(ctx, ret, "CREDS: the security policy refuses the image's groups");
		goto out;
	}
	rt->new_creds = new;
	ret = 0;
out:
	if (gi)
		put_group_info(gi);
	kvfree(h);
	return ret;
}

/* Check the FS record; the cwd and umask are applied by the finish step. */
static int restore_fs(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_fs *h;
	struct path path, root;
	char *cwd_s, *root_s;
	u32 len;
	int ret;

	h = ckpt_read_record_alloc(ctx, CKPT_HDR_FS, sizeof(*h) + 4,
				   sizeof(*h) + 2 * CKPT_PATH_MAX, &len);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (len != sizeof(*h) + h->cwd_len + h->root_len || !h->cwd_len ||
	    !h->root_len || h->cwd_len > CKPT_PATH_MAX ||
	    h->root_len > CKPT_PATH_MAX || h->umask & ~0777 || h->pad ||
	    h->objref != rt->entry->fs_ref) {
		ckpt_err(ctx, ret, "FS: malformed record");
		goto out;
	}
	cwd_s = (char *)(h + 1);
	root_s = cwd_s + h->cwd_len;
	ret = ckpt_read_string(ctx, cwd_s, h->cwd_len);
	if (!ret)
		ret = ckpt_read_string(ctx, root_s, h->root_len);
	if (ret)
		goto out;
	/* never relative to the restarter's cwd */
	if (cwd_s[0] != '/' || root_s[0] != '/') {
		ret = ckpt_err(ctx, -EINVAL, "FS: relative path");
		goto out;
	}

	/* a changed root (chroot) is not restored yet: refuse, do not ignore */
	get_fs_root(current->fs, &root);
	ret = kern_path(root_s, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (!ret) {
		if (!path_equal(&path, &root))
			ret = -EOPNOTSUPP;
		path_put(&path);
	}
	path_put(&root);
	if (ret) {
		ckpt_err(ctx, ret, "FS: root %s differs from the caller's root (chroot is not supported yet)",
			 root_s);
		goto out;
	}

	ret = kern_path(cwd_s, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (ret) {
		ckpt_err(ctx, ret, "FS: cwd %s", cwd_s);
		goto out;
	}
	ret = path_permission(&path, MAY_EXEC | MAY_CHDIR);
	if (ret) {
		ckpt_err(ctx, ret, "FS: the restored task may not enter %s",
			 cwd_s);
		path_put(&path);
		goto out;
	}
	rt->cwd = path;
	rt->umask = h->umask;
out:
	kvfree(h);
	return ret;
}

int restore_task_struct(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_task *h;
	int ret;

	h = kmalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return -ENOMEM;
	ret = ckpt_read_record(ctx, CKPT_HDR_TASK, h, sizeof(*h), sizeof(*h));
	if (ret < 0)
		goto err;
	ret = -EINVAL;
	if (h->pid != ctx->pids[rt->index].pid) {
		ckpt_err(ctx, ret, "TASK: pid %d where the TREE has %d", h->pid,
			 ctx->pids[rt->index].pid);
		goto err;
	}
	if (!valid_signal(h->exit_signal) || !valid_signal(h->pdeath_signal) ||
	    h->flags & ~CKPT_TASKF_KNOWN ||
	    (h->robust_list_len &&
	     h->robust_list_len != sizeof(struct robust_list_head)) ||
	    (h->rseq && h->rseq_len != sizeof(struct rseq)) ||
	    h->clear_child_tid >= TASK_SIZE_MAX ||
	    h->set_child_tid >= TASK_SIZE_MAX ||
	    h->robust_list >= TASK_SIZE_MAX || h->rseq >= TASK_SIZE_MAX ||
	    (h->rseq & (__alignof__(struct rseq) - 1))) {
		ckpt_err(ctx, ret, "TASK: invalid field values");
		goto err;
	}
	h->comm[CKPT_COMM_LEN - 1] = '\0';
	rt->task = h;
	ret = restore_rlimits_check(ctx, h);
	if (ret)
		return ret;

	ret = restore_creds(ctx, rt);
	if (!ret)
		ret = restore_task_sched_check(ctx, rt);
	if (!ret && (rt->first & CKPT_FIRST_FS)) {
		/* the cwd is one the restored task may enter */
		const struct cred *old = override_creds(rt->new_creds);

		ret = restore_fs(ctx, rt);
		revert_creds(old);
	}
	return ret;
err:
	kfree(h);
	return ret;
}

static void ckpt_put_fs(void *ptr)
{
	struct fs_struct *fs = ptr;
	bool kill;

	spin_lock(&fs->lock);
	kill = !--fs->users;
	spin_unlock(&fs->lock);
	if (kill)
		free_fs_struct(fs);
}

/* Make @fs current's fs_struct, as CLONE_FS would have. */
static void restore_adopt_fs(struct fs_struct *fs)
{
	struct fs_struct *old;

	if (current->fs == fs)
		return;
	spin_lock(&fs->lock);
	fs->users++;
	spin_unlock(&fs->lock);
	task_lock(current);
	old = current->fs;
	current->fs = fs;
	task_unlock(current);
	ckpt_put_fs(old);
}

/*
 * The fs_struct: the first task that uses it sets cwd and umask in a
 * private one and publishes it; the others adopt it.
 */
static int restore_fs_finish(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct fs_struct *fs;
	int ret;

	if (!(rt->first & CKPT_FIRST_FS)) {
		fs = ckpt_obj_find_ref(ctx, CKPT_OBJ_FS, rt->entry->fs_ref);
		if (!fs)
			return ckpt_err(ctx, -EINVAL, "fs_struct %u was not restored",
					rt->entry->fs_ref);
		restore_adopt_fs(fs);
		return 0;
	}
	ret = unshare_fs_struct();
	if (ret)
		return ckpt_err(ctx, ret, "no memory for an fs_struct");
	set_fs_pwd(current->fs, &rt->cwd);
	path_put(&rt->cwd);
	rt->cwd.mnt = NULL;
	current->fs->umask = rt->umask;
	fs = current->fs;
	spin_lock(&fs->lock);
	fs->users++;
	spin_unlock(&fs->lock);
	return ckpt_obj_add_ref(ctx, CKPT_OBJ_FS, rt->entry->fs_ref, fs,
				ckpt_put_fs);
}

/* Runs once the new address space is in place. */
int restore_task_struct_finish(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_task *h = rt->task;
	struct cred *new = rt->new_creds;
	bool plain;
	int ret;

	ret = restore_fs_finish(ctx, rt);
	if (ret)
		return ret;
	set_task_comm(current, h->comm);
	/* per process: the thread group leader's record sets them */
	if (!(rt->entry->flags & CKPT_TASK_THREAD))
		restore_rlimits(h);
	if (h->flags & CKPT_TASKF_NO_NEW_PRIVS)
		task_set_no_new_privs(current);
	if (h->personality != current->personality)
		set_personality(h->personality);
	current->clear_child_tid = (int __user *)(unsigned long)h->clear_child_tid;
	current->set_child_tid = (int __user *)(unsigned long)h->set_child_tid;
#ifdef CONFIG_FUTEX
	current->robust_list = (struct robust_list_head __user *)
			       (unsigned long)h->robust_list;
#endif
#ifdef CONFIG_RSEQ
	current->rseq = (struct rseq __user *)(unsigned long)h->rseq;
	current->rseq_sig = h->rseq_sig;
	if (current->rseq)
		rseq_set_notify_resume(current);
#endif

	plain = uid_eq(new->uid, new->euid) && uid_eq(new->uid, new->suid) &&
		uid_eq(new->uid, new->fsuid) && gid_eq(new->gid, new->egid) &&
		gid_eq(new->gid, new->sgid) && gid_eq(new->gid, new->fsgid);
	rt->new_creds = NULL;
	commit_creds(new);
	/*
	 * commit_creds() may have lowered dumpability on an id change; the
	 * process was dumpable and runs with plain ids, as after an exec by
	 * that user, so it may be again.  Never raise it otherwise.
	 */
	if ((h->flags & CKPT_TASKF_DUMPABLE) && plain &&
	    get_dumpable(current->mm) != SUID_DUMP_USER)
		set_dumpable(current->mm, SUID_DUMP_USER);
	else if (!(h->flags & CKPT_TASKF_DUMPABLE))
		set_dumpable(current->mm, SUID_DUMP_DISABLE);
	/* after commit_creds(), which clears it on an id change */
	current->pdeath_signal = h->pdeath_signal;
	return restore_task_sched(ctx, rt);
}

void restore_task_struct_release(struct ckpt_rst_task *rt)
{
	kfree(rt->task);
	rt->task = NULL;
	if (rt->new_creds)
		abort_creds(rt->new_creds);
	rt->new_creds = NULL;
	if (rt->cwd.mnt)
		path_put(&rt->cwd);
	rt->cwd.mnt = NULL;
}
