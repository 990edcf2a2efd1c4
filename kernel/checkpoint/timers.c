// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: timers of a thread group (signal_struct): the setitimer() timers
 * (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF) and the POSIX timers
 * (timer_create()), with their ids.
 *
 * The records come with the thread group leader, after its signal state:
 * one ITIMERS record, then one POSIX_TIMER per timer, by increasing id.
 *
 * Time does not pass while a tree is checkpointed: a relative timer (any
 * itimer, a POSIX timer armed without TIMER_ABSTIME or on a clock other
 * than CLOCK_REALTIME) is saved with the time it had left and resumes
 * with that much left after restart.  A CLOCK_REALTIME timer armed with
 * TIMER_ABSTIME keeps its absolute expiry (it fires at once if that has
 * passed).  CPU-time clocks count the CPU time left.
 *
 * A POSIX timer's signal is queued with the timer's own sigqueue: signal.c
 * leaves those out of the SIGINFO records, the timer's record says it is
 * queued (with its overrun count), and restart queues the timer's
 * sigqueue again, so that dequeueing it rearms a periodic timer and
 * reports the overruns as before.  A periodic timer whose signal waits to
 * be dequeued is saved with its (passed) expiry: the rearm counts the
 * overruns from there, frozen time excluded.  A periodic ITIMER_REAL
 * whose SIGALRM waits the same way is saved with how long ago it fired
 * (real_passed_ns): dequeueing SIGALRM after restart rearms it.
 *
 * Refused (EOPNOTSUPP): a timer on another process's or thread's CPU
 * clock, a SIGEV_THREAD_ID timer aimed at a thread that is gone, a
 * periodic CPU-time timer whose signal is queued.
 *
 * Restart: the leader creates its timers at its turn (ids as saved;
 * *_ALARM clocks need the caller's CAP_WAKE_ALARM, as timer_create()),
 * not armed; in the resume step, after its signal queues are in place,
 * it arms them all, sets its itimers and queues the pending timer signals.
 *
 * Locking: checkpoint takes lock_task_sighand() of the leader alone to
 * read the itimers and the timer ids; posix_timer_ckpt_get() takes a
 * timer's it_lock and then the siglock (the order of the timer expiry).
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/cputime.h>
#include <linux/posix-timers.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/time.h>

/* restart: what the leader read, kept in rt->timers for the resume */
struct ckpt_timers_restore {
	struct ckpt_hdr_itimers it;
	unsigned int nr;
	struct posix_timer_ckpt t[];
};

/* snapshot retries when the timer list changes (it does not when frozen) */
#define CKPT_TIMERS_TRIES	4

static bool ckpt_timer_clock_ok(s32 clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_BOOTTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
	case CLOCK_TAI:
		return true;
	}
	return false;
}

static bool ckpt_timer_clock_cpu(s32 clock)
{
	return clock == CLOCK_PROCESS_CPUTIME_ID ||
	       clock == CLOCK_THREAD_CPUTIME_ID;
}

static int cmp_timer_id(const void *a, const void *b)
{
	timer_t x = *(const timer_t *)a, y = *(const timer_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Under siglock: the itimers of t's thread group, as getitimer() says,
 * and for a periodic ITIMER_REAL that fired and waits for its SIGALRM to
 * be dequeued to rearm (getitimer() shows it disarmed), how long ago it
 * fired: the rearm after restart counts its periods from there.
 */
static void snap_itimers(struct task_struct *t, struct ckpt_hdr_itimers *h)
{
	struct signal_struct *sig = t->signal;
	u64 samples[CPUCLOCK_MAX], now;
	bool sampled = false;
	ktime_t rem;
	int i;

	if (hrtimer_active(&sig->real_timer)) {
		rem = __hrtimer_get_remaining(&sig->real_timer, true);
		h->it[CKPT_ITIMER_REAL].value_ns = rem > 0 ? rem : NSEC_PER_USEC;
		h->it[CKPT_ITIMER_REAL].interval_ns = sig->it_real_incr;
	} else if (sig->it_real_incr) {
		rem = ktime_sub(hrtimer_cb_get_time(&sig->real_timer),
				hrtimer_get_expires(&sig->real_timer));
		h->it[CKPT_ITIMER_REAL].interval_ns = sig->it_real_incr;
		h->real_passed_ns = rem > 0 ? rem : 0;
	}
	for (i = CPUCLOCK_PROF; i <= CPUCLOCK_VIRT; i++) {
		struct cpu_itimer *it = &sig->it[i];
		int idx = i == CPUCLOCK_PROF ? CKPT_ITIMER_PROF :
			  CKPT_ITIMER_VIRTUAL;

		if (!it->expires)
			continue;
		if (!sampled) {
			thread_group_sample_cputime(t, samples);
			sampled = true;
		}
		now = samples[i];
		h->it[idx].value_ns = it->expires > now ? it->expires - now :
				      TICK_NSEC;
		h->it[idx].interval_ns = it->incr;
	}
}

/* The itimers and the ids of the POSIX timers, in increasing order. */
static int snap_timer_ids(struct ckpt_ctx *ctx, struct task_struct *t,
			  struct ckpt_hdr_itimers *h, timer_t **idsp,
			  unsigned int *nrp)
{
	pid_t pid = task_pid_vnr(t);
	unsigned int n, cap = 0;
	struct k_itimer *timr;
	timer_t *ids = NULL;
	unsigned long flags;
	int tries;

	for (tries = 0; tries < CKPT_TIMERS_TRIES; tries++) {
		if (!lock_task_sighand(t, &flags)) {
			kvfree(ids);
			return ckpt_err(ctx, -EBUSY, "pid %d is exiting", pid);
		}
		memset(h, 0, sizeof(*h));
		snap_itimers(t, h);
		h->next_posix_id = t->signal->next_posix_timer_id & INT_MAX;
		n = 0;
		list_for_each_entry(timr, &t->signal->posix_timers, list) {
			if (n < cap)
				ids[n] = timr->it_id;
			n++;
		}
		unlock_task_sighand(t, &flags);
		if (n > CKPT_POSIX_TIMERS_MAX) {
			kvfree(ids);
			return ckpt_err(ctx, -E2BIG,
					"pid %d has %u POSIX timers (at most %u are supported)",
					pid, n, CKPT_POSIX_TIMERS_MAX);
		}
		if (n <= cap) {
			sort(ids, n, sizeof(*ids), cmp_timer_id, NULL);
			*idsp = ids;
			*nrp = n;
			return 0;
		}
		kvfree(ids);
		cap = n;
		ids = kvmalloc_array(cap, sizeof(*ids), GFP_KERNEL_ACCOUNT);
		if (!ids)
			return ckpt_err(ctx, -ENOMEM, "no memory for the timer ids");
	}
	kvfree(ids);
	return ckpt_err(ctx, -EBUSY, "pid %d: its timers keep changing", pid);
}

/* The TREE pid of the thread st->pid of the group of entry index, or 0. */
static pid_t ckpt_timer_tid(struct ckpt_ctx *ctx, int index, struct pid *pid)
{
	pid_t tid;
	int i;

	rcu_read_lock();
	tid = pid_task(pid, PIDTYPE_PID) ? pid_nr_ns(pid, ctx->pid_ns) : 0;
	rcu_read_unlock();
	if (!tid)
		return 0;
	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->pids[i].pid == tid &&
		    ctx->pids[i].tgid == ctx->pids[index].pid &&
		    !(ctx->pids[i].flags & CKPT_TASK_ZOMBIE))
			return tid;
	return 0;
}

static int ckpt_timer_record(struct ckpt_ctx *ctx, struct task_struct *t,
			     int index, const struct posix_timer_ckpt *st,
			     struct ckpt_hdr_posix_timer *rec)
{
	pid_t pid = task_pid_vnr(t);

	memset(rec, 0, sizeof(*rec));
	/* the clock ids timer_create() turns CLOCK_*_CPUTIME_ID into */
	if (st->clock == make_process_cpuclock(0, CPUCLOCK_SCHED))
		rec->clockid = CLOCK_PROCESS_CPUTIME_ID;
	else if (st->clock == make_thread_cpuclock(0, CPUCLOCK_SCHED))
		rec->clockid = CLOCK_THREAD_CPUTIME_ID;
	else
		rec->clockid = st->clock;
	if (!ckpt_timer_clock_ok(rec->clockid))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timer %d on clock %d (another process's or thread's CPU clock) is not supported",
				pid, st->id, st->clock);
	/* saved by code no test has passed yet: refused for now */
	if (ckpt_timer_clock_cpu(rec->clockid))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timer %d on a CPU-time clock is not supported yet",
				pid, st->id);
	if (st->cpu && st->cpu_pid != (rec->clockid == CLOCK_THREAD_CPUTIME_ID ?
				       task_pid(t) : task_tgid(t)))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timer %d counts the CPU time of a thread other than the leader, not supported",
				pid, st->id);
	rec->id = st->id;
	rec->notify = st->notify;
	rec->signo = st->signo;
	if (st->notify == SIGEV_NONE && (st->signo < 0 || st->signo > CKPT_NSIG))
		rec->signo = 0;	/* never used */
	rec->sigval = (unsigned long)st->sigval.sival_ptr;
	if (st->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
		rec->tid = ckpt_timer_tid(ctx, index, st->pid);
		if (!rec->tid)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: POSIX timer %d signals a thread that exited",
					pid, st->id);
	}
	if (st->expiry)
		rec->flags |= CKPT_PTIMER_EXPIRY;
	if (st->armed)
		rec->flags |= CKPT_PTIMER_ARMED;
	if (st->abstime && st->expiry)
		rec->flags |= CKPT_PTIMER_ABSTIME;
	if (st->queued) {
		rec->flags |= CKPT_PTIMER_QUEUED;
		rec->sig_overrun = st->sig_overrun;
		rec->sig_private = st->sig_private;
	}
	rec->value_ns = st->expiry ? st->value : 0;
	rec->interval_ns = st->interval;
	rec->overrun = st->overrun;
	rec->overrun_last = st->overrun_last;
	rec->requeue_pending = st->requeue_pending;
	return 0;
}

int checkpoint_timers(struct ckpt_ctx *ctx, struct task_struct *t, int index)
{
	struct ckpt_hdr_posix_timer *rec = NULL;
	struct ckpt_hdr_itimers *h;
	struct posix_timer_ckpt st;
	timer_t *ids = NULL;
	unsigned int i, nr = 0;
	int ret;

	if (!thread_group_leader(t))
		return 0;	/* the leader carries the group's timers */
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!h || !rec) {
		ret = ckpt_err(ctx, -ENOMEM, "no memory for the timers");
		goto out;
	}
	ret = snap_timer_ids(ctx, t, h, &ids, &nr);
	if (ret)
		goto out;
	h->nr_posix = nr;
	ret = ckpt_write_record(ctx, CKPT_HDR_ITIMERS, h, sizeof(*h));
	for (i = 0; !ret && i < nr; i++) {
		ret = posix_timer_ckpt_get(t, ids[i], &st);
		if (ret) {
			ret = ckpt_err(ctx, -EBUSY,
				       "pid %d: POSIX timer %d went away (%d)",
				       task_pid_vnr(t), ids[i], ret);
			break;
		}
		ret = ckpt_timer_record(ctx, t, index, &st, rec);
		put_pid(st.pid);
		if (!ret)
			ret = ckpt_write_record(ctx, CKPT_HDR_POSIX_TIMER, rec,
						sizeof(*rec));
	}
out:
	kvfree(ids);
	kfree(h);
	kfree(rec);
	return ret;
}

/* ---------------------------------------------------------------- restart */

static int check_itimers(struct ckpt_ctx *ctx, struct ckpt_hdr_itimers *h)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct ckpt_itimer *it = &h->it[i];

		/* value 0 with an interval: a fired ITIMER_REAL, rearmed later */
		if (it->value_ns > KTIME_MAX || it->interval_ns > KTIME_MAX ||
		    (!it->value_ns && it->interval_ns &&
		     i != CKPT_ITIMER_REAL))
			return ckpt_err(ctx, -EINVAL,
					"ITIMERS: timer %d: value %llu ns, interval %llu ns",
					i, it->value_ns, it->interval_ns);
	}
	if (h->real_passed_ns > KTIME_MAX ||
	    (h->real_passed_ns && (h->it[CKPT_ITIMER_REAL].value_ns ||
				   !h->it[CKPT_ITIMER_REAL].interval_ns)))
		return ckpt_err(ctx, -EINVAL,
				"ITIMERS: ITIMER_REAL fired %llu ns ago with value %llu ns, interval %llu ns",
				h->real_passed_ns, h->it[CKPT_ITIMER_REAL].value_ns,
				h->it[CKPT_ITIMER_REAL].interval_ns);
	if (h->nr_posix > CKPT_POSIX_TIMERS_MAX)
		return ckpt_err(ctx, -EINVAL, "ITIMERS: %u POSIX timers (at most %u)",
				h->nr_posix, CKPT_POSIX_TIMERS_MAX);
	if (h->next_posix_id > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "ITIMERS: next POSIX timer id %u",
				h->next_posix_id);
	return 0;
}

/* One POSIX_TIMER into st; prev is the id of the previous one or -1. */
static int read_posix_timer(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt,
			    struct ckpt_hdr_posix_timer *rec, s64 prev,
			    struct posix_timer_ckpt *st)
{
	bool expiry, armed, cpu;
	int ret, j;

	ret = ckpt_read_record(ctx, CKPT_HDR_POSIX_TIMER, rec, sizeof(*rec),
			       sizeof(*rec));
	if (ret < 0)
		return ret;
	if (rec->id < 0 || rec->id <= prev)
		return ckpt_err(ctx, -EINVAL,
				"POSIX_TIMER: id %d after %lld (increasing, 0..INT_MAX)",
				rec->id, prev);
	if (!ckpt_timer_clock_ok(rec->clockid))
		return ckpt_err(ctx, -EINVAL, "POSIX_TIMER %d: clock %d",
				rec->id, rec->clockid);
	cpu = ckpt_timer_clock_cpu(rec->clockid);
	/* checkpoint refuses them for now: no tested path to restore */
	if (cpu)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"POSIX_TIMER %d: CPU-time clocks are not supported yet",
				rec->id);
	expiry = rec->flags & CKPT_PTIMER_EXPIRY;
	armed = rec->flags & CKPT_PTIMER_ARMED;
	if (rec->flags & ~CKPT_PTIMER_FLAGS || (armed && !expiry) ||
	    (cpu && expiry != armed) ||
	    ((rec->flags & CKPT_PTIMER_ABSTIME) &&
	     (rec->clockid != CLOCK_REALTIME || !expiry)))
		return ckpt_err(ctx, -EINVAL, "POSIX_TIMER %d: flags %#x",
				rec->id, rec->flags);
	switch (rec->notify) {
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		if (rec->signo < 1 || rec->signo > CKPT_NSIG)
			return ckpt_err(ctx, -EINVAL, "POSIX_TIMER %d: signal %u",
					rec->id, rec->signo);
		break;
	case SIGEV_NONE:
		if (rec->signo > CKPT_NSIG || (rec->flags & CKPT_PTIMER_QUEUED))
			return ckpt_err(ctx, -EINVAL,
					"POSIX_TIMER %d: SIGEV_NONE with signal %u or queued",
					rec->id, rec->signo);
		break;
	default:
		return ckpt_err(ctx, -EINVAL, "POSIX_TIMER %d: sigev_notify %u",
				rec->id, rec->notify);
	}
	if ((!expiry && rec->value_ns) || rec->value_ns < -KTIME_MAX ||
	    ((cpu || (rec->flags & CKPT_PTIMER_ABSTIME)) && rec->value_ns < 0) ||
	    (armed && cpu && !rec->value_ns) ||
	    rec->interval_ns > KTIME_MAX)
		return ckpt_err(ctx, -EINVAL,
				"POSIX_TIMER %d: value %lld ns, interval %llu ns",
				rec->id, rec->value_ns, rec->interval_ns);
	if (rec->overrun < -1 || rec->overrun_last < -1 ||
	    (!(rec->flags & CKPT_PTIMER_QUEUED) &&
	     (rec->sig_overrun || rec->sig_private)) ||
	    rec->sig_overrun < 0 || rec->pad)
		return ckpt_err(ctx, -EINVAL,
				"POSIX_TIMER %d: overruns %lld/%lld/%d, pad %u",
				rec->id, rec->overrun, rec->overrun_last,
				rec->sig_overrun, rec->pad);
	if (cpu && (rec->flags & CKPT_PTIMER_QUEUED) && rec->interval_ns &&
	    (rec->requeue_pending & REQUEUE_PENDING))
		return ckpt_err(ctx, -EINVAL,
				"POSIX_TIMER %d: periodic CPU-time timer with its signal queued",
				rec->id);

	memset(st, 0, sizeof(*st));
	if (rec->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
		j = rec->tid ? restore_tree_index(ctx, rec->tid) : -1;
		if (j < 0 || (j != rt->index &&
			      (!(ctx->pids[j].flags & CKPT_TASK_THREAD) ||
			       ctx->pids[j].tgid != rt->entry->pid)))
			return ckpt_err(ctx, -EINVAL,
					"POSIX_TIMER %d: thread %d is not one of the process's",
					rec->id, rec->tid);
		st->pid = ctx->task_pids[j];
	} else if (rec->tid) {
		return ckpt_err(ctx, -EINVAL, "POSIX_TIMER %d: thread %d without SIGEV_THREAD_ID",
				rec->id, rec->tid);
	}
	st->id = rec->id;
	st->clock = rec->clockid;
	st->notify = rec->notify;
	st->signo = rec->signo;
	st->sigval.sival_ptr = (void __user *)(unsigned long)rec->sigval;
	st->cpu = cpu;
	st->expiry = expiry;
	st->armed = armed;
	st->abstime = rec->flags & CKPT_PTIMER_ABSTIME;
	st->queued = rec->flags & CKPT_PTIMER_QUEUED;
	st->value = rec->value_ns;
	st->interval = rec->interval_ns;
	st->overrun = rec->overrun;
	st->overrun_last = rec->overrun_last;
	st->sig_overrun = rec->sig_overrun;
	st->sig_private = rec->sig_private;
	st->requeue_pending = rec->requeue_pending;

	ret = posix_timer_ckpt_create(st);
	if (ret)
		return ckpt_err(ctx, ret,
				"POSIX_TIMER %d: creating the timer (clock %d) failed%s",
				rec->id, rec->clockid,
				ret == -EPERM ? " (an alarm clock needs CAP_WAKE_ALARM)" :
				ret == -EBUSY ? " (the id is taken)" : "");
	return 0;
}

int restore_timers(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_posix_timer *rec = NULL;
	struct ckpt_timers_restore *r = NULL;
	struct ckpt_hdr_itimers h;
	unsigned int i;
	s64 prev = -1;
	int ret;

	if (rt->entry->flags & CKPT_TASK_THREAD)
		return 0;
	ret = ckpt_read_record(ctx, CKPT_HDR_ITIMERS, &h, sizeof(h), sizeof(h));
	if (ret < 0)
		return ret;
	ret = check_itimers(ctx, &h);
	if (ret)
		return ret;
	if (!list_empty(&current->signal->posix_timers))
		return ckpt_err(ctx, -EBUSY,
				"the restarting process has POSIX timers of its own");
	r = kvzalloc(struct_size(r, t, h.nr_posix), CKPT_GFP_IMAGE);
	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!r || !rec) {
		ret = ckpt_err(ctx, -ENOMEM, "no memory for the timers");
		goto out;
	}
	r->it = h;
	/* what is created is destroyed with the task if restart fails */
	for (i = 0; i < h.nr_posix; i++) {
		ret = read_posix_timer(ctx, rt, rec, prev, &r->t[i]);
		if (ret)
			goto out;
		prev = r->t[i].id;
		r->nr = i + 1;
	}
	WRITE_ONCE(current->signal->next_posix_timer_id, h.next_posix_id);
	rt->timers = r;
	r = NULL;
out:
	kvfree(r);
	kfree(rec);
	return ret;
}

/*
 * A periodic ITIMER_REAL that had fired, its SIGALRM not dequeued yet:
 * disarmed (do_setitimer() left it so), with its expiry passed_ns ago and
 * its interval, as it_real_fn() left it; dequeueing SIGALRM rearms it.
 */
static void restore_itimer_real_passed(u64 interval_ns, u64 passed_ns)
{
	struct signal_struct *sig = current->signal;
	struct hrtimer *timer = &sig->real_timer;
	ktime_t expires;

	spin_lock_irq(&current->sighand->siglock);
	expires = ktime_sub(hrtimer_cb_get_time(timer), (ktime_t)passed_ns);
	hrtimer_set_expires(timer, expires > 0 ? expires : 0);
	sig->it_real_incr = interval_ns;
	spin_unlock_irq(&current->sighand->siglock);
}

/* The leader, after its signal queues: arm everything, queue signals. */
int restore_timers_resume(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	static const int which[3] = {
		[CKPT_ITIMER_REAL] = ITIMER_REAL,
		[CKPT_ITIMER_VIRTUAL] = ITIMER_VIRTUAL,
		[CKPT_ITIMER_PROF] = ITIMER_PROF,
	};
	struct ckpt_timers_restore *r = rt->timers;
	struct itimerspec64 v;
	unsigned int i;
	int ret;

	if (rt->entry->flags & CKPT_TASK_THREAD)
		return 0;
	if (!r)
		return ckpt_err(ctx, -EINVAL, "timers were not read");
	for (i = 0; i < 3; i++) {
		v.it_value = ns_to_timespec64(r->it.it[i].value_ns);
		v.it_interval = ns_to_timespec64(r->it.it[i].interval_ns);
		ret = do_setitimer(which[i], &v, NULL);
		if (ret)
			return ckpt_err(ctx, ret, "setting itimer %d failed", i);
	}
	if (!r->it.it[CKPT_ITIMER_REAL].value_ns &&
	    r->it.it[CKPT_ITIMER_REAL].interval_ns)
		restore_itimer_real_passed(r->it.it[CKPT_ITIMER_REAL].interval_ns,
					   r->it.real_passed_ns);
	for (i = 0; i < r->nr; i++) {
		ret = posix_timer_ckpt_arm(&r->t[i]);
		if (ret)
			return ckpt_err(ctx, ret, "arming POSIX timer %d failed",
					r->t[i].id);
	}
	return 0;
}

void restore_timers_release(struct ckpt_rst_task *rt)
{
	kvfree(rt->timers);
	rt->timers = NULL;
}
