// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: signal state of one task.
 *
 * SIGHAND holds the 64 sigactions; SIGNAL the blocked mask, the pending
 * bits of the task and of its thread group, and the sigaltstack; one
 * SIGINFO record follows per queued signal (per-task queue first, then the
 * shared queue), with its siginfo as user space would see it.  A pending
 * bit without a queue entry is saved with the SI_USER siginfo that
 * dequeueing it would produce (see collect_signal()), so on restore every
 * pending bit comes with at least one SIGINFO.  A POSIX timer's own
 * sigqueue (SI_TIMER, preallocated) is left out, with its bit if nothing
 * else is queued for it: the timer's record carries it (timers.c).
 *
 * A task in sigsuspend(), ppoll() or pselect() (restore_sigmask set) is
 * saved with its saved_sigmask as blocked mask: the system call is
 * re-executed after restart and installs its temporary mask again.
 *
 * Restore is split in three: restore_signals_read() reads and checks every
 * record into rt->signals before the task goes on; once the whole tree is
 * restored (so that until then a ctrl-c still kills the restarting tasks)
 * restore_signals_actions() sets the actions, in the task that carries
 * them, and every task's blocked mask; after every task has done that
 * round restore_signals_apply() sets each task's altstack and queue (a
 * queued signal is judged against the restored actions and masks, never
 * the restart tool's).  Signals are queued to the
 * task itself, which any task may do with any siginfo (rt_sigqueueinfo()
 * on itself), so the image can not claim more than the caller could.
 *
 * Locking: checkpoint takes lock_task_sighand(t) (siglock, irqs off)
 * alone, twice at most per attempt: once to count the queued signals and
 * once to copy everything while the count still fits.  Restore takes
 * current->sighand->siglock (irqs off) alone, directly or through
 * do_sigaction() and set_current_blocked().
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>

/* a queued signal, as the kernel keeps it */
struct ckpt_queued {
	kernel_siginfo_t info;
	u32 flags;			/* CKPT_SIGINFO_* */
};

/* checkpoint: a consistent copy of the signal state of a task */
struct ckpt_sig_snap {
	struct ckpt_hdr_sighand sighand;
	struct ckpt_hdr_signal signal;
	unsigned int nr;		/* queued signals found */
	unsigned int cap;		/* entries allocated in q */
	struct ckpt_queued *q;
};

/* restart: what restore_signals_read() found, kept in rt->signals */
struct ckpt_sig_restore {
	bool has_sighand;		/* the actions are ours to set */
	bool leader;			/* the shared queue is ours to set */
	struct ckpt_hdr_sighand sighand;
	struct ckpt_hdr_signal signal;
	unsigned int nr;
	struct ckpt_queued q[];
};

static int ckpt_sig_nomem(struct ckpt_ctx *ctx, const char *what)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for %s", what);
}

/* retries when signals keep arriving while the queue is being copied */
#define CKPT_SIG_SNAP_TRIES	8

static u64 sigset_to_u64(const sigset_t *set)
{
	BUILD_BUG_ON(sizeof(sigset_t) != sizeof(u64));
	BUILD_BUG_ON(CKPT_NSIG != _NSIG);
	return set->sig[0];
}

static void u64_to_sigset(sigset_t *set, u64 v)
{
	sigemptyset(set);
	set->sig[0] = v;
}

static u64 sig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* a POSIX timer's own sigqueue: timers.c saves and queues it again */
static bool is_timer_sigq(const struct sigqueue *q)
{
	return (q->flags & SIGQUEUE_PREALLOC) && q->info.si_code == SI_TIMER;
}

/*
 * Copy one queue; entries are stored only while they fit, and s->nr counts
 * the entries the queue needs (queued ones with their bit set, plus one
 * SI_USER entry per pending bit that has none).  Returns the pending bits
 * that only POSIX timers' sigqueues account for: not saved here.
 */
static u64 snap_queue(struct ckpt_sig_snap *s, struct sigpending *p,
		      u32 flags)
{
	u64 pending = sigset_to_u64(&p->signal);
	struct sigqueue *q;
	unsigned int n = 0;
	u64 seen = 0, timers = 0;
	int sig;

	list_for_each_entry(q, &p->list, list) {
		sig = q->info.si_signo;
		/* an entry whose bit is clear is never delivered: skip it */
		if (sig < 1 || sig > CKPT_NSIG || !(pending & sig_bit(sig)))
			continue;
		if (is_timer_sigq(q)) {
			timers |= sig_bit(sig);
			continue;
		}
		seen |= sig_bit(sig);
		if (s->nr + n < s->cap) {
			copy_siginfo(&s->q[s->nr + n].info, &q->info);
			s->q[s->nr + n].flags = flags;
		}
		n++;
	}
	timers &= ~seen;
	for (sig = 1; sig <= CKPT_NSIG; sig++) {
		struct ckpt_queued *e;

		if (!(pending & sig_bit(sig)) || (seen & sig_bit(sig)) ||
		    (timers & sig_bit(sig)))
			continue;
		if (s->nr + n < s->cap) {
			e = &s->q[s->nr + n];
			clear_siginfo(&e->info);
			e->info.si_signo = sig;
			e->info.si_errno = 0;
			e->info.si_code = SI_USER;
			e->info.si_pid = 0;
			e->info.si_uid = 0;
			e->flags = flags;
		}
		n++;
	}
	s->nr += n;
	return timers;
}

/*
 * Under siglock: copy the state of t; s->nr says how many entries it took.
 * The thread group's shared queue goes with the leader only.
 */
static void snap_locked(struct ckpt_sig_snap *s, struct task_struct *t)
{
	bool leader = thread_group_leader(t);
	struct k_sigaction *k = t->sighand->action;
	const sigset_t *blocked;
	int i;

	for (i = 0; i < CKPT_NSIG; i++) {
		s->sighand.action[i].handler = (unsigned long)k[i].sa.sa_handler;
		s->sighand.action[i].flags = k[i].sa.sa_flags;
		s->sighand.action[i].restorer = (unsigned long)k[i].sa.sa_restorer;
		s->sighand.action[i].mask = sigset_to_u64(&k[i].sa.sa_mask);
	}

	memset(&s->signal, 0, sizeof(s->signal));
	blocked = t->restore_sigmask ? &t->saved_sigmask : &t->blocked;
	s->signal.blocked = sigset_to_u64(blocked);
	s->signal.pending = sigset_to_u64(&t->pending.signal);
	if (leader)
		s->signal.shared_pending =
			sigset_to_u64(&t->signal->shared_pending.signal);
	if (t->sas_ss_size) {
		s->signal.sas_ss_sp = t->sas_ss_sp;
		s->signal.sas_ss_size = t->sas_ss_size;
		s->signal.sas_ss_flags = t->sas_ss_flags & SS_AUTODISARM;
	}

	s->nr = 0;
	s->signal.pending &= ~snap_queue(s, &t->pending, 0);
	if (leader)
		s->signal.shared_pending &=
			~snap_queue(s, &t->signal->shared_pending,
				    CKPT_SIGINFO_SHARED);
}

/* the sharing of the handlers was checked with the tree (pids.c) */
static int snap_check(struct ckpt_ctx *ctx, struct ckpt_sig_snap *s,
		      struct task_struct *t)
{
	int i;

	if ((s->signal.pending | s->signal.shared_pending) & sig_bit(SIGKILL))
		return ckpt_err(ctx, -EBUSY, "pid %d is being killed",
				task_pid_vnr(t));
	for (i = 0; i < CKPT_NSIG; i++)
		if (s->sighand.action[i].flags & ~(u64)UAPI_SA_FLAGS)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: action of signal %d has flags %#llx outside the native ABI",
					task_pid_vnr(t), i + 1,
					s->sighand.action[i].flags);
	if (s->signal.sas_ss_size &&
	    (s->signal.sas_ss_size < MINSIGSTKSZ ||
	     s->signal.sas_ss_sp + s->signal.sas_ss_size < s->signal.sas_ss_sp))
		return ckpt_err(ctx, -EINVAL, "pid %d: inconsistent sigaltstack",
				task_pid_vnr(t));
	return 0;
}

static int snap_signals(struct ckpt_ctx *ctx, struct task_struct *t,
			struct ckpt_sig_snap *s)
{
	unsigned long flags;
	unsigned int need;
	int tries;

	for (tries = 0; tries < CKPT_SIG_SNAP_TRIES; tries++) {
		if (!lock_task_sighand(t, &flags))
			return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
					task_pid_vnr(t));
		snap_locked(s, t);
		unlock_task_sighand(t, &flags);

		if (s->nr > CKPT_SIGINFO_MAX)
			return ckpt_err(ctx, -E2BIG,
					"pid %d has %u queued signals (at most %u are supported)",
					task_pid_vnr(t), s->nr,
					CKPT_SIGINFO_MAX);
		if (s->nr <= s->cap)
			return snap_check(ctx, s, t);

		/* some room for signals that arrive meanwhile */
		need = min_t(unsigned int, s->nr + 16, CKPT_SIGINFO_MAX);
		kvfree(s->q);
		s->cap = 0;
		s->q = kvmalloc_array(need, sizeof(*s->q), GFP_KERNEL_ACCOUNT);
		if (!s->q)
			return ckpt_sig_nomem(ctx, "the queued signals");
		s->cap = need;
	}
	return ckpt_err(ctx, -EBUSY,
			"pid %d: signals keep arriving, the queue could not be saved",
			task_pid_vnr(t));
}

int checkpoint_signals(struct ckpt_ctx *ctx, struct task_struct *t,
		       int index)
{
	struct ckpt_hdr_siginfo *rec;
	struct ckpt_sig_snap *s;
	siginfo_t *si;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(sizeof(*si) != sizeof(rec->info));

	if (t->ptrace)
		return ckpt_err(ctx, -EBUSY, "pid %d is being ptraced",
				task_pid_vnr(t));

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	si = kzalloc(sizeof(*si), GFP_KERNEL_ACCOUNT);
	if (!s || !rec || !si) {
		ret = ckpt_sig_nomem(ctx, "the signal state");
		goto out;
	}

	ret = snap_signals(ctx, t, s);
	if (ret)
		goto out;

	/* the handlers, with the first task that uses them */
	if (ctx->task_first[index] & CKPT_FIRST_SIGHAND) {
		s->sighand.objref = ctx->pids[index].sighand_ref;
		ret = ckpt_write_record(ctx, CKPT_HDR_SIGHAND, &s->sighand,
					sizeof(s->sighand));
		if (ret)
			goto out;
	}
	s->signal.nr_pending = s->nr;
	ret = ckpt_write_record(ctx, CKPT_HDR_SIGNAL, &s->signal,
				sizeof(s->signal));
	for (i = 0; !ret && i < s->nr; i++) {
		memset(rec, 0, sizeof(*rec));
		rec->flags = s->q[i].flags;
		copy_siginfo_to_external(si, &s->q[i].info);
		memcpy(rec->info, si, sizeof(rec->info));
		ret = ckpt_write_record(ctx, CKPT_HDR_SIGINFO, rec,
					sizeof(*rec));
	}
out:
	if (s)
		kvfree(s->q);
	kfree(s);
	kfree(rec);
	kfree(si);
	return ret;
}

/* ---------------------------------------------------------------- restart */

#define CKPT_SA_FLAGS	((u64)UAPI_SA_FLAGS)

static int check_sighand(struct ckpt_ctx *ctx, struct ckpt_hdr_sighand *h)
{
	int i, sig;

	for (i = 0; i < CKPT_NSIG; i++) {
		struct ckpt_sigaction *a = &h->action[i];

		sig = i + 1;
		if (sig_kernel_only(sig)) {
			if (a->handler != (unsigned long)SIG_DFL)
				return ckpt_err(ctx, -EINVAL,
						"SIGHAND: signal %d can not have a handler",
						sig);
			continue;
		}
		if (a->flags & ~CKPT_SA_FLAGS)
			return ckpt_err(ctx, -EINVAL,
					"SIGHAND: signal %d: unknown flags %#llx",
					sig, a->flags & ~CKPT_SA_FLAGS);
		if (a->handler >= TASK_SIZE_MAX)
			return ckpt_err(ctx, -EINVAL,
					"SIGHAND: signal %d: handler %#llx is not a user address",
					sig, a->handler);
		if (a->restorer >= TASK_SIZE_MAX)
			return ckpt_err(ctx, -EINVAL,
					"SIGHAND: signal %d: restorer %#llx is not a user address",
					sig, a->restorer);
	}
	return 0;
}

static int check_signal(struct ckpt_ctx *ctx, struct ckpt_hdr_signal *h)
{
	u64 kill = sig_bit(SIGKILL);

	if ((h->pending | h->shared_pending) & kill)
		return ckpt_err(ctx, -EINVAL, "SIGNAL: SIGKILL pending");
	if (h->nr_pending > CKPT_SIGINFO_MAX)
		return ckpt_err(ctx, -EINVAL,
				"SIGNAL: %u queued signals (at most %u)",
				h->nr_pending, CKPT_SIGINFO_MAX);
	if (h->sas_ss_flags & ~SS_AUTODISARM)
		return ckpt_err(ctx, -EINVAL,
				"SIGNAL: unknown sigaltstack flags %#x",
				h->sas_ss_flags);
	if (!h->sas_ss_size) {
		if (h->sas_ss_sp || h->sas_ss_flags)
			return ckpt_err(ctx, -EINVAL,
					"SIGNAL: disabled sigaltstack with an address or flags");
		return 0;
	}
	if (h->sas_ss_size < MINSIGSTKSZ)
		return ckpt_err(ctx, -EINVAL,
				"SIGNAL: sigaltstack of %llu bytes (at least %u)",
				h->sas_ss_size, (unsigned int)MINSIGSTKSZ);
	if (h->sas_ss_sp >= TASK_SIZE_MAX ||
	    h->sas_ss_size > TASK_SIZE_MAX - h->sas_ss_sp)
		return ckpt_err(ctx, -EINVAL,
				"SIGNAL: sigaltstack %#llx+%llu is not in user space",
				h->sas_ss_sp, h->sas_ss_size);
	return 0;
}

/* Read one SIGINFO into e; seen[] collects the signals of each queue. */
static int read_siginfo(struct ckpt_ctx *ctx, struct ckpt_hdr_signal *h,
			struct ckpt_hdr_siginfo *rec, siginfo_t *si,
			struct ckpt_queued *e, u64 seen[2])
{
	bool shared;
	u64 pending;
	int ret, sig;

	ret = ckpt_read_record(ctx, CKPT_HDR_SIGINFO, rec, sizeof(*rec),
			       sizeof(*rec));
	if (ret < 0)
		return ret;
	if (rec->flags & ~CKPT_SIGINFO_SHARED || rec->pad)
		return ckpt_err(ctx, -EINVAL, "SIGINFO: bad flags %#x", rec->flags);
	shared = rec->flags & CKPT_SIGINFO_SHARED;
	pending = shared ? h->shared_pending : h->pending;

	memcpy(si, rec->info, sizeof(*si));
	/* what does not fit the kernel's siginfo must be zero */
	if (memchr_inv((u8 *)si + sizeof(kernel_siginfo_t), 0,
		       SI_EXPANSION_SIZE))
		return ckpt_err(ctx, -EINVAL,
				"SIGINFO: nonzero bytes beyond the kernel siginfo");
	sig = si->si_signo;
	if (sig < 1 || sig > CKPT_NSIG)
		return ckpt_err(ctx, -EINVAL, "SIGINFO: bad signal %d", sig);
	if (!(pending & sig_bit(sig)))
		return ckpt_err(ctx, -EINVAL,
				"SIGINFO: signal %d queued but not pending%s",
				sig, shared ? " (shared)" : "");
	/* only real-time signals can be queued more than once */
	if (sig < SIGRTMIN && (seen[shared] & sig_bit(sig)))
		return ckpt_err(ctx, -EINVAL,
				"SIGINFO: signal %d queued twice", sig);
	seen[shared] |= sig_bit(sig);

	memcpy(&e->info, si, sizeof(e->info));
	e->flags = rec->flags;
	return 0;
}

int restore_signals_read(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_sighand *sighand = NULL;
	struct ckpt_sig_restore *r = NULL;
	struct ckpt_hdr_siginfo *rec = NULL;
	struct ckpt_hdr_signal signal;
	siginfo_t *si = NULL;
	u64 seen[2] = { 0, 0 };
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(rt->signals))
		return ckpt_err(ctx, -EINVAL, "signals read twice");
	/* shared with our threads only: they are tasks of this restart */
	if (refcount_read(&current->sighand->count) !=
	    get_nr_threads(current))
		return ckpt_err(ctx, -EBUSY,
				"the restarting task shares its signal handlers with another process");

	sighand = kmalloc(sizeof(*sighand), GFP_KERNEL_ACCOUNT);
	rec = kmalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	si = kmalloc(sizeof(*si), GFP_KERNEL_ACCOUNT);
	if (!sighand || !rec || !si) {
		ret = ckpt_sig_nomem(ctx, "the signal state");
		goto out;
	}

	if (rt->first & CKPT_FIRST_SIGHAND) {
		ret = ckpt_read_record(ctx, CKPT_HDR_SIGHAND, sighand,
				       sizeof(*sighand), sizeof(*sighand));
		if (ret < 0)
			goto out;
		ret = check_sighand(ctx, sighand);
		if (!ret && (sighand->objref != rt->entry->sighand_ref ||
			     sighand->pad))
			ret = ckpt_err(ctx, -EINVAL,
				       "SIGHAND %u where the TREE has %u",
				       sighand->objref, rt->entry->sighand_ref);
		if (ret)
			goto out;
	}
	ret = ckpt_read_record(ctx, CKPT_HDR_SIGNAL, &signal, sizeof(signal),
			       sizeof(signal));
	if (ret < 0)
		goto out;
	ret = check_signal(ctx, &signal);
	if (!ret && (rt->entry->flags & CKPT_TASK_THREAD) &&
	    signal.shared_pending)
		ret = ckpt_err(ctx, -EINVAL,
			       "SIGNAL: a thread carries the shared queue");
	if (ret)
		goto out;

	r = kvzalloc(struct_size(r, q, signal.nr_pending), CKPT_GFP_IMAGE);
	if (!r) {
		ret = ckpt_sig_nomem(ctx, "the queued signals");
		goto out;
	}
	r->has_sighand = rt->first & CKPT_FIRST_SIGHAND;
	if (r->has_sighand)
		r->sighand = *sighand;
	r->leader = !(rt->entry->flags & CKPT_TASK_THREAD);
	r->signal = signal;
	for (i = 0; i < signal.nr_pending; i++) {
		ret = read_siginfo(ctx, &signal, rec, si, &r->q[i], seen);
		if (ret)
			goto out;
	}
	r->nr = signal.nr_pending;
	if (seen[0] != signal.pending || seen[1] != signal.shared_pending) {
		ret = ckpt_err(ctx, -EINVAL,
			       "SIGNAL: pending signals %#llx/%#llx without SIGINFO",
			       signal.pending & ~seen[0],
			       signal.shared_pending & ~seen[1]);
		goto out;
	}
	rt->signals = r;
	r = NULL;
	ret = 0;
out:
	kvfree(r);
	kfree(sighand);
	kfree(rec);
	kfree(si);
	return ret;
}

static int apply_actions(struct ckpt_ctx *ctx, struct ckpt_sig_restore *r)
{
	struct k_sigaction ka;
	int i, sig, ret;

	for (i = 0; i < CKPT_NSIG; i++) {
		struct ckpt_sigaction *a = &r->sighand.action[i];

		sig = i + 1;
		if (sig_kernel_only(sig))
			continue;
		memset(&ka, 0, sizeof(ka));
		ka.sa.sa_handler = (__sighandler_t)(unsigned long)a->handler;
		ka.sa.sa_flags = a->flags;
		ka.sa.sa_restorer = (__sigrestore_t)(unsigned long)a->restorer;
		u64_to_sigset(&ka.sa.sa_mask, a->mask);
		ret = do_sigaction(sig, &ka, NULL);
		if (ret)
			return ckpt_err(ctx, ret,
					"setting the action of signal %d failed",
					sig);
#ifdef SA_X32_ABI
		/*
		 * do_sigaction() tags the action with the ABI of the syscall
		 * in progress, read from orig_ax: here the restored registers',
		 * where -1 (no syscall) reads as x32.  The image's are native.
		 */
		spin_lock_irq(&current->sighand->siglock);
		current->sighand->action[i].sa.sa_flags &= ~(SA_IA32_ABI | SA_X32_ABI);
		spin_unlock_irq(&current->sighand->siglock);
#endif
	}
	return 0;
}

static int apply_altstack(struct ckpt_ctx *ctx, struct ckpt_hdr_signal *h)
{
	struct task_struct *t = current;
	int ret = 0;

	spin_lock_irq(&t->sighand->siglock);
	if (!h->sas_ss_size) {
		t->sas_ss_sp = 0;
		t->sas_ss_size = 0;
		t->sas_ss_flags = SS_DISABLE;
	} else if (!sigaltstack_size_valid(h->sas_ss_size)) {
		ret = -ENOMEM;
	} else {
		t->sas_ss_sp = h->sas_ss_sp;
		t->sas_ss_size = h->sas_ss_size;
		t->sas_ss_flags = h->sas_ss_flags;
	}
	spin_unlock_irq(&t->sighand->siglock);
	if (ret)
		return ckpt_err(ctx, ret,
				"sigaltstack of %llu bytes is too small for this CPU's signal frame",
				h->sas_ss_size);
	return 0;
}

/*
 * Empty a queue but for POSIX timers' own sigqueues: those are the restored
 * timers' (timers.c refuses a restarting process with timers), queued by
 * the leader's resume step, maybe before this thread's.
 */
static void flush_queue_but_timers(struct sigpending *p)
{
	struct sigqueue *q, *n;
	LIST_HEAD(keep);

	list_for_each_entry_safe(q, n, &p->list, list)
		if (is_timer_sigq(q))
			list_move_tail(&q->list, &keep);
	flush_sigqueue(p);
	list_for_each_entry(q, &keep, list)
		sigaddset(&p->signal, q->info.si_signo);
	list_splice_tail(&keep, &p->list);
}

/*
 * Replace whatever the restarting task had pending by the image's queue,
 * in image order.  A fatal signal that arrived meanwhile wins.
 */
static int apply_queue(struct ckpt_ctx *ctx, struct ckpt_sig_restore *r)
{
	struct task_struct *t = current;
	kernel_siginfo_t info;
	unsigned int i;
	int ret = 0;
	int sig = 0;

	spin_lock_irq(&t->sighand->siglock);
	if (fatal_signal_pending(t) ||
	    (t->signal->flags & SIGNAL_GROUP_EXIT)) {
		spin_unlock_irq(&t->sighand->siglock);
		return ckpt_err(ctx, -EINTR, "killed while restoring signals");
	}
	flush_queue_but_timers(&t->pending);
	if (r->leader)
		flush_queue_but_timers(&t->signal->shared_pending);
	for (i = 0; i < r->nr; i++) {
		struct ckpt_queued *e = &r->q[i];

		/* send_signal_locked() may rewrite si_uid and si_pid */
		copy_siginfo(&info, &e->info);
		sig = info.si_signo;
		ret = send_signal_locked(sig, &info, t,
					 (e->flags & CKPT_SIGINFO_SHARED) ?
					 PIDTYPE_TGID : PIDTYPE_PID);
		if (ret)
			break;
	}
	recalc_sigpending();
	spin_unlock_irq(&t->sighand->siglock);
	if (ret)
		return ckpt_err(ctx, ret,
				"queueing signal %d (%u of %u) failed%s", sig,
				i + 1, r->nr,
				ret == -EAGAIN ? " (RLIMIT_SIGPENDING)" : "");
	return 0;
}

/* The actions, by the task that carries them, before any task's queue. */
/*
 * First round, every task: the actions (the task that carries them) and
 * its blocked mask.  Every mask must be in place before any signal is
 * queued: a process-wide signal is given to a thread that does not block
 * it, and one that is fatal by default kills the whole group at once.
 * A blocked signal is also kept even when ignored.
 */
int restore_signals_actions(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_sig_restore *r = rt->signals;
	sigset_t blocked;
	int ret;

	if (!r)
		return ckpt_err(ctx, -EINVAL, "signal state was not read");
	ret = r->has_sighand ? apply_actions(ctx, r) : 0;
	if (ret)
		return ret;
	u64_to_sigset(&blocked, r->signal.blocked);
	clear_restore_sigmask();
	set_current_blocked(&blocked);
	return 0;
}

/* Second round, once every task had the first: altstack and queue. */
int restore_signals_apply(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_sig_restore *r = rt->signals;
	int ret;

	if (!r)
		return ckpt_err(ctx, -EINVAL, "signal state was not read");
	ret = apply_altstack(ctx, &r->signal);
	if (ret)
		return ret;
	return apply_queue(ctx, r);
}

void restore_signals_cleanup(struct ckpt_rst_task *rt)
{
	kvfree(rt->signals);
	rt->signals = NULL;
}
