// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: x86_64 part of checkpoint/restart: the CPU record (user registers,
 * fs/gs base, how the task was sitting in a system call) and the FPU
 * record (the XSAVE image in the ptrace NT_X86_XSTATE layout).
 *
 * System calls.  A frozen task stopped in get_signal() before the restart
 * fixup ran, so an interrupted system call still shows -ERESTART* in ax.
 * The checkpoint applies the fixup the kernel would apply after thaw:
 *   - re-execute the call (CKPT_SYSCALL_RESTART: ax = orig_ax, ip -= 2);
 *   - for nanosleep()/clock_nanosleep() interrupted by the freezer, save
 *     the clock and the time left (CKPT_SYSCALL_NANOSLEEP) and on restart
 *     re-arm hrtimer_nanosleep_restart() through restart_syscall();
 *   - any other restart_block function (futex and poll timeouts, ...) can
 *     not be carried: the call returns -EINTR (CKPT_SYSCALL_EINTR; ip is
 *     the address after the syscall instruction);
 *   - when a signal handler will run first after thaw, the handler's rules
 *     (SA_RESTART) decide between RESTART and EINTR, as handle_signal().
 * A task checkpointing itself is saved as returning 0 from checkpoint().
 *
 * Restart writes current's own registers the way rt_sigreturn does: CS and
 * SS are the kernel's, only the user-controlled EFLAGS bits come from the
 * image, orig_ax = -1, and the FPU image goes through the validating
 * copy_uabi_from_kernel_to_xstate().
 *
 * Locking: checkpoint reads the sigactions and pending sets of the task
 * under lock_task_sighand() (alone); everything else of a frozen task is
 * stable.  Restore takes fpregs_lock() (preemption off) around the FPU
 * register ownership changes, and do_arch_prctl_64() / map_vdso_once()
 * take what they need (mmap_lock for the vdso).
 */
#include <linux/sched/mm.h>
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/regset.h>
#include <linux/elf.h>
#include <linux/hrtimer.h>
#include <linux/restart_block.h>
#include <linux/thread_info.h>
#include <linux/timekeeping.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/prctl.h>
#include <asm/ptrace.h>
#include <asm/user.h>
#include <asm/segment.h>
#include <asm/sighandling.h>
#include <asm/proto.h>
#include <asm/prctl.h>
#include <asm/processor.h>
#include <asm/unistd.h>
#include <asm/vdso.h>
#include <asm/pkru.h>
#include <asm/fpu/api.h>
#include <asm/fpu/signal.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xstate.h>

#include "fpu/context.h"
#include "fpu/internal.h"
#include "fpu/xstate.h"

/* length of the syscall instruction */
#define CKPT_SYSCALL_INSN_LEN	2

/* ------------------------------------------------------------- checkpoint */

static int ckpt_xstate_nomem(struct ckpt_ctx *ctx, unsigned int size)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for %u bytes of xstate", size);
}

int checkpoint_arch_can_save(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	pid_t pid = task_pid_vnr(t);
	struct mm_struct *mm;

	if (!user_64bit_mode(regs) || test_tsk_thread_flag(t, TIF_ADDR32))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d is not a 64-bit task (32-bit tasks are not supported)",
				pid);
#ifdef CONFIG_IA32_EMULATION
	if (task_thread_info(t)->status & TS_COMPAT)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d is in a 32-bit system call", pid);
#endif
#ifdef CONFIG_X86_X32_ABI
	if ((long)regs->orig_ax >= 0 && (regs->orig_ax & __X32_SYSCALL_BIT))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d is in an x32 system call", pid);
#endif
	if (!cpu_feature_enabled(X86_FEATURE_XSAVE))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"this CPU has no XSAVE: the FPU state can not be saved");
	if (fpu_user_cfg.max_size > CKPT_XSTATE_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"XSAVE area of %u bytes exceeds the image limit of %u",
				fpu_user_cfg.max_size, CKPT_XSTATE_MAX);
	if (t->group_leader->thread.fpu.perm.__state_perm &
	    XFEATURE_MASK_USER_DYNAMIC)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has permission for dynamic xstate (AMX), which is not supported",
				pid);
	if (test_tsk_thread_flag(t, TIF_IO_BITMAP) || t->thread.iopl_emul)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d uses ioperm()/iopl()", pid);
	if (test_tsk_thread_flag(t, TIF_NOCPUID))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has CPUID faulting enabled (arch_prctl ARCH_SET_CPUID), not supported",
				pid);
	if (test_tsk_thread_flag(t, TIF_NOTSC))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has TSC faulting enabled (PR_SET_TSC), not supported",
				pid);
	mm = get_task_mm(t);
	if (mm) {
		const char *what = NULL;

#ifdef CONFIG_MODIFY_LDT_SYSCALL
		if (READ_ONCE(mm->context.ldt))
			what = "has an LDT (modify_ldt)";
#endif
#ifdef CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS
		if (READ_ONCE(mm->context.pkey_allocation_map) != 1)
			what = "allocated protection keys";
#endif
		if (mm->context.vdso && mm->context.vdso_image != &vdso_image_64)
			what = "does not use the 64-bit vdso";
		mmput(mm);
		if (what)
			return ckpt_err(ctx, -EOPNOTSUPP, "pid %d %s", pid, what);
	}
	return 0;
}

static bool ckpt_clock_now(clockid_t clockid, ktime_t *now)
{
	switch (clockid) {
	case CLOCK_MONOTONIC:
		*now = ktime_get();
		return true;
	case CLOCK_REALTIME:
		*now = ktime_get_real();
		return true;
	case CLOCK_BOOTTIME:
		*now = ktime_get_boottime();
		return true;
	case CLOCK_TAI:
		*now = ktime_get_clocktai();
		return true;
	}
	return false;
}

/* signal numbers in the order next_signal() picks them */
static int ckpt_next_signal(u64 set)
{
	u64 sync = set & ((1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) |
			  (1ULL << (SIGILL - 1)) | (1ULL << (SIGTRAP - 1)) |
			  (1ULL << (SIGFPE - 1)) | (1ULL << (SIGSYS - 1)));

	return __ffs64(sync ? sync : set) + 1;
}

/*
 * Will a signal handler run before the task, once thawed, gets back to
 * user space?  Follows get_signal(): per-task queue before the shared
 * one, synchronous signals first, then the lowest number; ignored signals
 * are dropped, a default action other than ignore (stop, exit) ends the
 * search.  Returns the signal and its sa_flags in *sa_flags, or 0.
 *
 * A task in sigsuspend() and the like has its temporary mask in blocked
 * and the mask restored after the call in saved_sigmask (which is the one
 * saved as blocked).  A handler for a signal that saved_sigmask blocks is
 * reported as none: the re-executed call unblocks and delivers it again.
 */
static int ckpt_handler_first(struct task_struct *t, unsigned long *sa_flags)
{
	struct k_sigaction *ka;
	unsigned long flags;
	u64 queues[2], set;
	int i, sig = 0;

	if (!lock_task_sighand(t, &flags))
		return 0;
	queues[0] = t->pending.signal.sig[0] & ~t->blocked.sig[0];
	queues[1] = t->signal->shared_pending.signal.sig[0] &
		    ~t->blocked.sig[0];
	for (i = 0; i < 2 && !sig; i++) {
		set = queues[i];
		while (set) {
			sig = ckpt_next_signal(set);
			set &= ~(1ULL << (sig - 1));
			ka = &t->sighand->action[sig - 1];
			if (ka->sa.sa_handler == SIG_IGN ||
			    (ka->sa.sa_handler == SIG_DFL &&
			     sig_kernel_ignore(sig))) {
				sig = 0;
				continue;
			}
			if (ka->sa.sa_handler == SIG_DFL ||
			    (t->restore_sigmask &&
			     sigismember(&t->saved_sigmask, sig)))
				sig = -1;
			else
				*sa_flags = ka->sa.sa_flags;
			break;
		}
	}
	unlock_task_sighand(t, &flags);
	return sig > 0 ? sig : 0;
}

/* nanosleep state into rec; false if the sleep can not be carried */
static bool ckpt_save_nanosleep(struct task_struct *t,
				struct ckpt_hdr_cpu *rec)
{
	struct restart_block *rb = &t->restart_block;
	ktime_t now, left;

	if (rb->fn != hrtimer_nanosleep_restart)
		return false;
	if (rb->nanosleep.type != TT_NONE && rb->nanosleep.type != TT_NATIVE)
		return false;
	if (!ckpt_clock_now(rb->nanosleep.clockid, &now))
		return false;
	left = ktime_sub((ktime_t)rb->nanosleep.expires, now);
	rec->syscall_state = CKPT_SYSCALL_NANOSLEEP;
	rec->clockid = rb->nanosleep.clockid;
	rec->sleep_remaining_ns = left > 0 ? left : 0;
	if (rb->nanosleep.type == TT_NATIVE) {
		rec->sleep_rmtp = (unsigned long)rb->nanosleep.rmtp;
		rec->sleep_rmtp_type = 1;
	}
	return true;
}

/*
 * epoll_wait() and epoll_pwait() return -EINTR when the freezer
 * interrupts them (never -ERESTART*: they are not restarted after a
 * signal, even with SA_RESTART, nor after SIGSTOP/SIGCONT).  A task
 * frozen there with no timeout (-1; epoll_pwait2() with a NULL timeout)
 * and no handler to run is saved as waiting again: nothing but the
 * freezer, which a checkpointed task must not see, interrupted it.  With
 * a timeout the time left is not known (ep_poll() keeps it on its
 * stack): the call returns -EINTR, as it does after a freeze.
 */
static bool ckpt_epoll_wait_forever(const struct ckpt_hdr_cpu *rec)
{
	if (rec->ip < CKPT_SYSCALL_INSN_LEN)
		return false;
	switch (rec->orig_ax) {
	case __NR_epoll_wait:
	case __NR_epoll_pwait:
		return (int)rec->r10 < 0;	/* timeout, 4th argument */
	case __NR_epoll_pwait2:
		return !rec->r10;		/* struct timespec * */
	default:
		return false;
	}
}

/* Apply what arch_do_signal_or_restart() would do after thaw. */
static void ckpt_syscall_state(struct ckpt_ctx *ctx, struct task_struct *t,
			       struct ckpt_hdr_cpu *rec)
{
	long err = (long)rec->ax;
	unsigned long sa_flags = 0;
	bool eintr = false;
	int sig;

	if (t == current) {
		/* inside checkpoint() itself: it returns 0 after restart */
		rec->ax = 0;
		return;
	}
	if ((long)rec->orig_ax < 0)
		return;		/* interrupt or exception: clean state */
	switch (err) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		break;
	case -EINTR:
		if (ckpt_epoll_wait_forever(rec) &&
		    !ckpt_handler_first(t, &sa_flags)) {
			/* the freezer interrupted it: wait again */
			rec->syscall_state = CKPT_SYSCALL_RESTART;
			rec->ax = rec->orig_ax;
			rec->ip -= CKPT_SYSCALL_INSN_LEN;
		}
		return;
	default:
		return;		/* at the exit of a completed system call */
	}

	sig = ckpt_handler_first(t, &sa_flags);
	if (sig) {
		eintr = err == -ERESTARTNOHAND ||
			err == -ERESTART_RESTARTBLOCK ||
			(err == -ERESTARTSYS && !(sa_flags & SA_RESTART));
	} else if (err == -ERESTART_RESTARTBLOCK) {
		if (ckpt_save_nanosleep(t, rec)) {
			rec->ax = __NR_restart_syscall;
			rec->ip -= CKPT_SYSCALL_INSN_LEN;
			return;
		}
		ckpt_log(ctx, "pid %d: system call %ld can not be resumed, it will return EINTR",
			 task_pid_vnr(t), (long)rec->orig_ax);
		eintr = true;
	}

	if (eintr) {
		rec->syscall_state = CKPT_SYSCALL_EINTR;
		rec->ax = -EINTR;
	} else {
		rec->syscall_state = CKPT_SYSCALL_RESTART;
		rec->ax = rec->orig_ax;
		rec->ip -= CKPT_SYSCALL_INSN_LEN;
	}
}

static const struct user_regset *ckpt_regset(struct task_struct *t,
					     unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	unsigned int i;

	if (view->e_machine != EM_X86_64)
		return NULL;
	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

static int checkpoint_regs(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct user_regset *rs = ckpt_regset(t, NT_PRSTATUS);
	struct ckpt_hdr_cpu rec;
	struct user_regs_struct u;
	int ret;

	if (!rs)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d: no 64-bit register set",
				task_pid_vnr(t));
	memset(&u, 0, sizeof(u));
	ret = regset_get(t, rs, sizeof(u), &u);
	if (ret != sizeof(u))
		return ckpt_err(ctx, ret < 0 ? ret : -EIO,
				"pid %d: reading the registers failed",
				task_pid_vnr(t));

	memset(&rec, 0, sizeof(rec));
	rec.r15 = u.r15;
	rec.r14 = u.r14;
	rec.r13 = u.r13;
	rec.r12 = u.r12;
	rec.bp = u.bp;
	rec.bx = u.bx;
	rec.r11 = u.r11;
	rec.r10 = u.r10;
	rec.r9 = u.r9;
	rec.r8 = u.r8;
	rec.ax = u.ax;
	rec.cx = u.cx;
	rec.dx = u.dx;
	rec.si = u.si;
	rec.di = u.di;
	rec.orig_ax = u.orig_ax;
	rec.ip = u.ip;
	rec.cs = u.cs;
	rec.flags = u.flags;
	rec.sp = u.sp;
	rec.ss = u.ss;
	rec.fs_base = u.fs_base;
	rec.gs_base = u.gs_base;
	rec.ds = u.ds;
	rec.es = u.es;
	rec.fs = u.fs;
	rec.gs = u.gs;
	rec.syscall_state = CKPT_SYSCALL_NONE;

	ckpt_syscall_state(ctx, t, &rec);
	return ckpt_write_record(ctx, CKPT_HDR_CPU, &rec, sizeof(rec));
}

static int checkpoint_fpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct fpu *fpu = &t->thread.fpu;
	unsigned int size = fpu_user_cfg.max_size;
	struct ckpt_hdr_fpu rec;
	u32 pkru;
	void *buf;
	int ret;

	buf = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ckpt_xstate_nomem(ctx, size);
	if (t == current) {
		/* the registers are live: copy them to fpstate first */
		fpu_sync_fpstate(fpu);
		pkru = read_pkru();
	} else {
		pkru = t->thread.pkru;
	}
	__copy_xstate_to_uabi_buf((struct membuf){ .p = buf, .left = size },
				  fpu->fpstate, fpu->fpstate->user_xfeatures,
				  pkru, XSTATE_COPY_XSAVE);

	memset(&rec, 0, sizeof(rec));
	rec.size = size;
	rec.xfeatures = fpu->fpstate->user_xfeatures;
	ret = ckpt_write_record_payload(ctx, CKPT_HDR_FPU, &rec, sizeof(rec),
					buf, size);
	kvfree(buf);
	return ret;
}

int checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *t, int index)
{
	int ret;

	if (t->ptrace)
		return ckpt_err(ctx, -EBUSY, "pid %d is being ptraced",
				task_pid_vnr(t));
	ret = checkpoint_regs(ctx, t);
	if (!ret)
		ret = checkpoint_fpu(ctx, t);
	return ret;
}

/* ---------------------------------------------------------------- restart */

static bool ckpt_user_addr(u64 v)
{
	return v < TASK_SIZE_MAX;
}

static bool ckpt_data_selector(u64 sel)
{
	return sel == 0 || sel == __USER_DS;
}

static int check_cpu(struct ckpt_ctx *ctx, struct ckpt_hdr_cpu *rec)
{
	if (rec->syscall_state > CKPT_SYSCALL_STATE_MAX || rec->pad)
		return ckpt_err(ctx, -EINVAL, "CPU: bad system call state %u",
				rec->syscall_state);
	if (rec->cs != __USER_CS || rec->ss != __USER_DS)
		return ckpt_err(ctx, -EINVAL,
				"CPU: cs %#llx ss %#llx are not the 64-bit user segments",
				rec->cs, rec->ss);
	if (!ckpt_data_selector(rec->ds) || !ckpt_data_selector(rec->es) ||
	    !ckpt_data_selector(rec->fs) || !ckpt_data_selector(rec->gs))
		return ckpt_err(ctx, -EINVAL,
				"CPU: unsupported segment selectors ds %#llx es %#llx fs %#llx gs %#llx",
				rec->ds, rec->es, rec->fs, rec->gs);
	if (!ckpt_user_addr(rec->ip) || !ckpt_user_addr(rec->sp))
		return ckpt_err(ctx, -EINVAL,
				"CPU: ip %#llx or sp %#llx is not a user address",
				rec->ip, rec->sp);
	if (!ckpt_user_addr(rec->fs_base) || !ckpt_user_addr(rec->gs_base))
		return ckpt_err(ctx, -EINVAL,
				"CPU: fs base %#llx or gs base %#llx is not a user address",
				rec->fs_base, rec->gs_base);

	if (rec->syscall_state != CKPT_SYSCALL_NANOSLEEP) {
		if (rec->clockid || rec->sleep_remaining_ns ||
		    rec->sleep_rmtp || rec->sleep_rmtp_type)
			return ckpt_err(ctx, -EINVAL,
					"CPU: sleep fields set without a sleep");
		return 0;
	}
	switch (rec->clockid) {
	case CLOCK_MONOTONIC:
	case CLOCK_REALTIME:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		break;
	default:
		return ckpt_err(ctx, -EINVAL, "CPU: sleep on clock %d",
				rec->clockid);
	}
	if (rec->sleep_remaining_ns > KTIME_MAX)
		return ckpt_err(ctx, -EINVAL, "CPU: sleep of %llu ns",
				rec->sleep_remaining_ns);
	if (rec->sleep_rmtp_type > 1 ||
	    (!rec->sleep_rmtp_type && rec->sleep_rmtp) ||
	    !ckpt_user_addr(rec->sleep_rmtp))
		return ckpt_err(ctx, -EINVAL,
				"CPU: bad remaining-time pointer %#llx (type %u)",
				rec->sleep_rmtp, rec->sleep_rmtp_type);
	if (rec->ip < CKPT_SYSCALL_INSN_LEN)
		return ckpt_err(ctx, -EINVAL, "CPU: sleep at ip %#llx",
				rec->ip);
	return 0;
}

/* current's restart_block and ax, for the saved system call state */
static void restore_syscall_state(struct ckpt_hdr_cpu *rec,
				  struct pt_regs *regs)
{
	struct restart_block *rb = &current->restart_block;
	ktime_t now = 0;

	switch (rec->syscall_state) {
	case CKPT_SYSCALL_NANOSLEEP:
		ckpt_clock_now(rec->clockid, &now);
		rb->nanosleep.clockid = rec->clockid;
		rb->nanosleep.expires = ktime_add_safe(now,
						       rec->sleep_remaining_ns);
		if (rec->sleep_rmtp_type) {
			rb->nanosleep.type = TT_NATIVE;
			rb->nanosleep.rmtp = (struct __kernel_timespec __user *)
					     (unsigned long)rec->sleep_rmtp;
		} else {
			rb->nanosleep.type = TT_NONE;
			rb->nanosleep.rmtp = NULL;
		}
		set_restart_fn(rb, hrtimer_nanosleep_restart);
		/* ip points at the syscall instruction again */
		regs->ax = __NR_restart_syscall;
		break;
	case CKPT_SYSCALL_EINTR:
		rb->fn = do_no_restart_syscall;
		regs->ax = -EINTR;
		break;
	default:
		/* NONE, RESTART: ax (and ip) as saved */
		rb->fn = do_no_restart_syscall;
		break;
	}
}

/* the standard-format extent of every feature in xfeatures fits size */
static int check_xstate_extent(struct ckpt_ctx *ctx, u64 xfeatures, u32 size)
{
	unsigned int eax, ebx, ecx, edx;
	int i;

	for (i = FIRST_EXTENDED_XFEATURE; i < 64; i++) {
		if (!(xfeatures & BIT_ULL(i)))
			continue;
		cpuid_count(XSTATE_CPUID, i, &eax, &ebx, &ecx, &edx);
		if ((u64)ebx + eax > size)
			return ckpt_err(ctx, -EINVAL,
					"FPU: xstate feature %d (offset %u, %u bytes) lies outside the %u saved bytes",
					i, ebx, eax, size);
	}
	return 0;
}

/*
 * Load a UABI (ptrace layout) xstate buffer into current's fpstate, the
 * way the ia32 path of __fpu_restore_sig() does: take the registers away
 * from current (TIF_NEED_FPU_LOAD, so nothing saves over the new state
 * and the exit to user space reloads it), then validate and copy.
 */
static int ckpt_load_xstate(const void *buf)
{
	struct fpu *fpu = &current->thread.fpu;
	int ret;

	fpregs_lock();
	if (!test_thread_flag(TIF_NEED_FPU_LOAD)) {
		/* keep the supervisor states the registers hold */
		if (xfeatures_mask_supervisor())
			os_xsave(fpu->fpstate);
		set_thread_flag(TIF_NEED_FPU_LOAD);
	}
	__fpu_invalidate_fpregs_state(fpu);
	__cpu_invalidate_fpregs_state();
	fpregs_unlock();

	ret = copy_uabi_from_kernel_to_xstate(fpu->fpstate, buf,
					      &current->thread.pkru);
	if (ret)
		return ret;

	/* PKRU is not loaded from fpstate on the way out: load it now */
	fpregs_lock();
	write_pkru(current->thread.pkru);
	fpregs_unlock();
	return 0;
}

static int restore_fpu(struct ckpt_ctx *ctx)
{
	struct fpu *fpu = &current->thread.fpu;
	const unsigned int hdr_off = offsetof(struct xregs_state, header);
	struct xstate_header hdr;
	struct ckpt_hdr_fpu rec;
	void *buf = NULL;
	int len, ret;

	len = ckpt_read_hdr(ctx, CKPT_HDR_FPU, sizeof(rec),
			    sizeof(rec) + CKPT_XSTATE_MAX);
	if (len < 0)
		return len;
	ret = ckpt_read_raw(ctx, (struct ckpt_hdr *)&rec + 1,
			    sizeof(rec) - sizeof(struct ckpt_hdr));
	if (ret)
		return ret;
	if (rec.size != len - sizeof(rec) || rec.pad)
		return ckpt_err(ctx, -EINVAL,
				"FPU: size %u does not match the record length %d",
				rec.size, len);
	if (rec.size < sizeof(struct xregs_state))
		return ckpt_err(ctx, -EINVAL, "FPU: xstate of %u bytes is too short",
				rec.size);
	if (!cpu_feature_enabled(X86_FEATURE_XSAVE))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"FPU: this CPU has no XSAVE, the image needs it");
	if (rec.xfeatures & ~fpu_user_cfg.max_features)
		return ckpt_err(ctx, -EINVAL,
				"FPU: the task used xstate features %#llx that this CPU does not support (it supports %#llx)",
				rec.xfeatures, fpu_user_cfg.max_features);

	/* never smaller than what copy_uabi_to_xstate() may look at */
	buf = kvzalloc(max(rec.size, fpu_user_cfg.max_size), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ckpt_xstate_nomem(ctx, rec.size);
	ret = ckpt_read_raw(ctx, buf, rec.size);
	if (!ret)
		ret = ckpt_read_end(ctx, len);
	if (ret)
		goto out;

	memcpy(&hdr, buf + hdr_off, sizeof(hdr));
	if (hdr.xfeatures & ~rec.xfeatures) {
		ret = ckpt_err(ctx, -EINVAL,
			       "FPU: state of features %#llx present but %#llx announced",
			       hdr.xfeatures, rec.xfeatures);
		goto out;
	}
	if (hdr.xfeatures & ~fpu->fpstate->user_xfeatures) {
		ret = ckpt_err(ctx, -EINVAL,
			       "FPU: features %#llx are not enabled for this task",
			       hdr.xfeatures & ~fpu->fpstate->user_xfeatures);
		goto out;
	}
	ret = check_xstate_extent(ctx, hdr.xfeatures, rec.size);
	if (ret)
		goto out;

	ret = ckpt_load_xstate(buf);
	if (ret)
		ret = ckpt_err(ctx, ret,
			       "FPU: invalid xstate image (header, reserved bits or MXCSR)");
out:
	kvfree(buf);
	return ret;
}

int restore_cpu(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct pt_regs *regs = current_pt_regs();
	struct ckpt_hdr_cpu rec;
	long err;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_CPU, &rec, sizeof(rec),
			       sizeof(rec));
	if (ret < 0)
		return ret;
	ret = check_cpu(ctx, &rec);
	if (ret)
		return ret;
	ret = restore_fpu(ctx);
	if (ret)
		return ret;

	err = do_arch_prctl_64(current, ARCH_SET_FS, rec.fs_base);
	if (!err)
		err = do_arch_prctl_64(current, ARCH_SET_GS, rec.gs_base);
	if (err)
		return ckpt_err(ctx, (int)err, "CPU: setting fs/gs base failed");

	regs->r15 = rec.r15;
	regs->r14 = rec.r14;
	regs->r13 = rec.r13;
	regs->r12 = rec.r12;
	regs->bp = rec.bp;
	regs->bx = rec.bx;
	regs->r11 = rec.r11;
	regs->r10 = rec.r10;
	regs->r9 = rec.r9;
	regs->r8 = rec.r8;
	regs->ax = rec.ax;
	regs->cx = rec.cx;
	regs->dx = rec.dx;
	regs->si = rec.si;
	regs->di = rec.di;
	regs->ip = rec.ip;
	regs->sp = rec.sp;
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (rec.flags & FIX_EFLAGS);
	/* no syscall restart processing on the way out of restart() */
	regs->orig_ax = -1;

	restore_syscall_state(&rec, regs);
	/*
	 * The image never has TSC or CPUID faulting (checkpoint refuses
	 * them): not the restart tool's either.  As exec leaves them, the
	 * tool's other speculation control states stay (PR_SPEC_DISABLE_NOEXEC
	 * ends here as at exec).
	 */
	set_tsc_mode(PR_TSC_ENABLE);
	arch_setup_new_exec();
	return 0;
}

/*
 * Only a 64-bit process calls checkpoint() and restart(): an x32 or ia32
 * process that reaches the 64-bit entry (a far jump to the 64-bit code
 * segment) still has the 32-bit address space layout, which restart would
 * build the restored 64-bit mm with.
 */
bool checkpoint_arch_caller_ok(void)
{
	return !test_thread_flag(TIF_ADDR32);
}

/* ------------------------------------------------------------------ vdso */

/*
 * A fresh mm for a restored 64-bit process: what set_personality_64bit()
 * sets at exec (with CONFIG_COMPAT, [vsyscall] is only shown and usable
 * for an mm that has the flag).
 */
void restore_arch_mm(struct mm_struct *mm)
{
	mm->context.flags = MM_CONTEXT_HAS_VSYSCALL;
}

int restore_arch_vdso(struct ckpt_ctx *ctx, unsigned long vdso)
{
	const struct vdso_image *image = &vdso_image_64;
	unsigned long vvar_len = -image->sym_vvar_start;
	int ret;

	if (!PAGE_ALIGNED(vdso) || vdso < vvar_len ||
	    vdso >= TASK_SIZE_MAX || image->size > TASK_SIZE_MAX - vdso)
		return ckpt_err(ctx, -EINVAL, "vdso address %#lx is not usable",
				vdso);
	ret = map_vdso_once(image, vdso - vvar_len);
	if (ret)
		return ckpt_err(ctx, ret, "mapping the vdso at %#lx failed",
				vdso);
	if ((unsigned long)current->mm->context.vdso != vdso)
		return ckpt_err(ctx, -EBUSY,
				"the vdso could not be placed at %#lx (got %#lx): the range is in use",
				vdso, (unsigned long)current->mm->context.vdso);
	return 0;
}
