// SPDX-License-Identifier: GPL-2.0
/*
 * regs: user register state survives checkpoint/restart taken in the middle
 * of user-space code.
 *
 * An assembly function loads known distinct values into every general
 * purpose register it can (rax rbx rdx rsi rdi rbp r8-r15; rcx is the loop
 * register, rsp is checked unchanged), rflags arithmetic bits and DF, the x87
 * control word and two x87 stack values, MXCSR (rounding, FZ, a sticky flag),
 * xmm0-15, the ymm upper halves when AVX is enabled, and zmm0-31 plus k0-7
 * when AVX-512 is enabled.  Only then does it publish the ready file (a
 * rename() syscall made from inside the asm, the last syscall before the
 * loop), and spin in
 *	1: movl go(%rip), %ecx ; jrcxz 1b
 * which changes no register but rcx and no flag.  The checkpoint therefore
 * freezes the task from an interrupt in user mode, not in a syscall.  After
 * restart the driver sends SIGUSR1, whose handler sets go (a signal frame
 * saves and restores the whole register state, so the values seen after the
 * loop are those restart put back).  Then everything is stored and compared.
 *
 * Also checked: fs base (ARCH_GET_FS unchanged, a __thread variable still
 * reads right), gs base set with ARCH_SET_GS (readback and a %gs: load), the
 * segment selectors.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <asm/prctl.h>
#include <signal.h>
#include <stddef.h>

struct regs_state {
	uint64_t gpr[16];		/*   0: rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
	uint64_t rflags;		/* 128 */
	uint32_t mxcsr;			/* 136 */
	uint16_t fcw;			/* 140 */
	uint16_t pad0;
	uint8_t st[2][16];		/* 144: x87 st0, st1 (80-bit values) */
	uint8_t pad1[16];
	uint8_t zmm[32][64];		/* 192 */
	uint64_t k[8];			/* 2240 */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct regs_state, rflags) == 128, "asm offsets");
_Static_assert(offsetof(struct regs_state, mxcsr) == 136, "asm offsets");
_Static_assert(offsetof(struct regs_state, fcw) == 140, "asm offsets");
_Static_assert(offsetof(struct regs_state, st) == 144, "asm offsets");
_Static_assert(offsetof(struct regs_state, zmm) == 192, "asm offsets");
_Static_assert(offsetof(struct regs_state, k) == 2240, "asm offsets");

/* Shared with the asm below (global so the names are stable). */
struct regs_state kcr_rin, kcr_rout;
volatile int kcr_go;
int kcr_mode;				/* 0 SSE, 1 AVX, 2 AVX-512 */
uint64_t kcr_saved_rsp;
int64_t kcr_rename_ret;
char kcr_ready_tmp[64] = "/tmp/regs.ready.tmp";
char kcr_ready_path[64] = "/tmp/regs.ready";
const uint32_t kcr_default_mxcsr = 0x1f80;
const uint16_t kcr_default_fcw = 0x037f;

void kcr_regs_spin(void);

#define GPR(n, r) "mov kcr_rin+" #n "*8(%rip), %" #r "\n\t"
#define GPRO(n, r) "mov %" #r ", kcr_rout+" #n "*8(%rip)\n\t"

__asm__(
"	.text\n"
"	.globl kcr_regs_spin\n"
"	.type kcr_regs_spin, @function\n"
"kcr_regs_spin:\n\t"
	"push %rbp\n\tpush %rbx\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
	"mov %rsp, kcr_saved_rsp(%rip)\n\t"
	"ldmxcsr kcr_rin+136(%rip)\n\t"
	"fldcw kcr_rin+140(%rip)\n\t"
	"fldt kcr_rin+160(%rip)\n\t"		/* becomes st1 */
	"fldt kcr_rin+144(%rip)\n\t"		/* st0 */
	"mov kcr_mode(%rip), %eax\n\t"
	"cmp $2, %eax\n\tje 3f\n\t"
	"cmp $1, %eax\n\tje 2f\n\t"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"movdqu kcr_rin+192+\\n*64(%rip), %xmm\\n\n\t"
	".endr\n\t"
	"jmp 4f\n"
"2:\n\t"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"vmovdqu kcr_rin+192+\\n*64(%rip), %ymm\\n\n\t"
	".endr\n\t"
	"jmp 4f\n"
"3:\n\t"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
	"vmovdqu64 kcr_rin+192+\\n*64(%rip), %zmm\\n\n\t"
	".endr\n\t"
	".irp n,0,1,2,3,4,5,6,7\n\t"
	"kmovw kcr_rin+2240+\\n*8(%rip), %k\\n\n\t"
	".endr\n"
"4:\n\t"
	/* Publish readiness: the last syscall before the loop. */
	"mov $82, %eax\n\t"			/* __NR_rename */
	"lea kcr_ready_tmp(%rip), %rdi\n\t"
	"lea kcr_ready_path(%rip), %rsi\n\t"
	"syscall\n\t"
	"mov %rax, kcr_rename_ret(%rip)\n\t"
	/* rflags: clear CF PF AF ZF SF DF OF, then set the wanted ones. */
	"mov kcr_rin+128(%rip), %rax\n\t"
	"pushfq\n\t"
	"andq $-3286, (%rsp)\n\t"		/* ~0xcd5 */
	"or %rax, (%rsp)\n\t"
	"popfq\n\t"
	GPR(0, rax) GPR(1, rbx) GPR(3, rdx) GPR(4, rsi) GPR(5, rdi) GPR(6, rbp)
	GPR(8, r8) GPR(9, r9) GPR(10, r10) GPR(11, r11)
	GPR(12, r12) GPR(13, r13) GPR(14, r14) GPR(15, r15)
"5:\n\t"
	"movl kcr_go(%rip), %ecx\n\t"
	"jrcxz 5b\n\t"
	GPRO(0, rax) GPRO(1, rbx) GPRO(2, rcx) GPRO(3, rdx) GPRO(4, rsi) GPRO(5, rdi)
	GPRO(6, rbp) GPRO(7, rsp)
	GPRO(8, r8) GPRO(9, r9) GPRO(10, r10) GPRO(11, r11)
	GPRO(12, r12) GPRO(13, r13) GPRO(14, r14) GPRO(15, r15)
	"pushfq\n\t"
	"popq kcr_rout+128(%rip)\n\t"
	"cld\n\t"
	"stmxcsr kcr_rout+136(%rip)\n\t"
	"fnstcw kcr_rout+140(%rip)\n\t"
	"fstpt kcr_rout+144(%rip)\n\t"
	"fstpt kcr_rout+160(%rip)\n\t"
	"mov kcr_mode(%rip), %eax\n\t"
	"cmp $2, %eax\n\tje 7f\n\t"
	"cmp $1, %eax\n\tje 6f\n\t"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"movdqu %xmm\\n, kcr_rout+192+\\n*64(%rip)\n\t"
	".endr\n\t"
	"jmp 8f\n"
"6:\n\t"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"vmovdqu %ymm\\n, kcr_rout+192+\\n*64(%rip)\n\t"
	".endr\n\t"
	"vzeroupper\n\t"
	"jmp 8f\n"
"7:\n\t"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
	"vmovdqu64 %zmm\\n, kcr_rout+192+\\n*64(%rip)\n\t"
	".endr\n\t"
	".irp n,0,1,2,3,4,5,6,7\n\t"
	"kmovw %k\\n, kcr_rout+2240+\\n*8(%rip)\n\t"
	".endr\n\t"
	"vzeroupper\n"
"8:\n\t"
	"ldmxcsr kcr_default_mxcsr(%rip)\n\t"
	"fldcw kcr_default_fcw(%rip)\n\t"
	"mov kcr_saved_rsp(%rip), %rsp\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbx\n\tpop %rbp\n\t"
	"ret\n"
"	.size kcr_regs_spin, .-kcr_regs_spin\n"
);

static const char *const gpr_names[16] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static __thread uint64_t tls_canary = 0x7415c0de12345678ULL;
static uint64_t gs_block[8] __attribute__((aligned(64)));

static void on_usr1(int sig)
{
	(void)sig;
	kcr_go = 1;
}

static void on_pwr(int sig)
{
	(void)sig;
}

static void cpuid2(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static int detect_mode(void)
{
	uint32_t r[4];
	uint32_t lo, hi;
	uint64_t xcr0;

	cpuid2(1, 0, r);
	if (!(r[2] & (1u << 27)) || !(r[2] & (1u << 28)))	/* OSXSAVE, AVX */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	xcr0 = ((uint64_t)hi << 32) | lo;
	if ((xcr0 & 6) != 6)
		return 0;
	cpuid2(0, 0, r);
	if (r[0] >= 7) {
		cpuid2(7, 0, r);
		if ((r[1] & (1u << 16)) && (xcr0 & 0xe6) == 0xe6)	/* AVX512F */
			return 2;
	}
	return 1;
}

static uint32_t mxcsr_mask(void)
{
	static uint8_t fx[512] __attribute__((aligned(64)));
	uint32_t m;

	__asm__ volatile("fxsave %0" : "=m"(fx));
	memcpy(&m, fx + 28, 4);
	return m ? m : 0xffbf;
}

static uint16_t read_sel(int which)
{
	uint16_t v = 0;

	switch (which) {
	case 0: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
	case 4: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
	case 5: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
	}
	return v;
}

int main(void)
{
	static const char *const sel_names[6] = { "ds", "es", "fs", "gs", "cs", "ss" };
	unsigned long fsbase0 = 0, fsbase1 = 0, gsbase1 = 0;
	uint16_t sel0[6];
	uint64_t gs0, gs1;
	long double st[2] = { 1.0L / 3.0L, -12345.6789L };
	struct sigaction sa;
	int i, j, nregs, vbytes;
	char buf[64];

	kt_start("regs");
	kcr_mode = detect_mode();
	if (getenv("KCRTEST_REGS_MODE") && atoi(getenv("KCRTEST_REGS_MODE")) < kcr_mode)
		kcr_mode = atoi(getenv("KCRTEST_REGS_MODE"));	/* development: test lower modes */

	for (i = 0; i < 16; i++)
		kcr_rin.gpr[i] = 0xc0de000000000000ULL | ((uint64_t)(i + 1) << 40) |
				 (0xa5a5a5a5ULL ^ (0x01010101ULL * i));
	kcr_rin.rflags = 0x491;			/* CF AF SF DF set; PF ZF OF clear */
	kcr_rin.mxcsr = 0x1f80 | 0x4000 | 0x0001;	/* round up, IE flag */
	if (mxcsr_mask() & 0x8000)
		kcr_rin.mxcsr |= 0x8000;	/* flush to zero */
	kcr_rin.fcw = 0x067f;			/* round down, double precision */
	memcpy(kcr_rin.st[0], &st[0], 10);
	memcpy(kcr_rin.st[1], &st[1], 10);
	for (i = 0; i < 32; i++)
		for (j = 0; j < 64; j++)
			kcr_rin.zmm[i][j] = (uint8_t)(0x11 * (i + 1) + 7 * j + (j >> 4));
	for (i = 0; i < 8; i++)
		kcr_rin.k[i] = 0x1234 + 0x1111 * i;	/* kmovw: 16 bits */

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL))
		kt_die_errno("sigaction SIGUSR1");
	sa.sa_handler = on_pwr;
	if (sigaction(SIGPWR, &sa, NULL))
		kt_die_errno("sigaction SIGPWR");

	for (i = 0; i < 8; i++)
		gs_block[i] = 0x6500000000000000ULL + i;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)gs_block))
		kt_die_errno("ARCH_SET_GS");
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase0))
		kt_die_errno("ARCH_GET_FS");
	for (i = 0; i < 6; i++)
		sel0[i] = read_sel(i);
	tls_canary ^= 0xffff;			/* written state, not the TLS image */

	/* The ready file is published from inside the asm (rename). */
	j = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	{
		int fd = open(kcr_ready_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, buf, j) != j || close(fd))
			kt_die_errno("writing the ready file");
	}
	kt_msg("# regs: mode %s, mxcsr 0x%x", kcr_mode == 2 ? "avx512" : kcr_mode ? "avx" : "sse",
	       kcr_rin.mxcsr);

	kcr_regs_spin();

	/* ---- after restart ---- */
	if (kcr_rename_ret)
		kt_fail("rename of the ready file: expected 0, got %lld", (long long)kcr_rename_ret);
	kt_after_restart();
	if (!kcr_go)
		kt_fail("spin loop: expected to leave it on SIGUSR1, got out with go=0 (rcx corrupted)");

	for (i = 0; i < 16; i++) {
		if (i == 2)
			KT_EXPECT_U64("rcx (the go value)", 1, kcr_rout.gpr[2]);
		else if (i == 7)
			KT_EXPECT_U64("rsp", kcr_saved_rsp, kcr_rout.gpr[7]);
		else
			KT_EXPECT_U64(gpr_names[i], kcr_rin.gpr[i], kcr_rout.gpr[i]);
	}
	KT_EXPECT_U64("rflags & (CF|PF|AF|ZF|SF|DF|OF)", kcr_rin.rflags, kcr_rout.rflags & 0xcd5);
	KT_EXPECT_U64("mxcsr", kcr_rin.mxcsr, kcr_rout.mxcsr);
	KT_EXPECT_U64("x87 control word", kcr_rin.fcw, kcr_rout.fcw);
	for (i = 0; i < 2; i++)
		if (memcmp(kcr_rin.st[i], kcr_rout.st[i], 10))
			kt_fail("x87 st%d: expected %Lg, got %Lg", i, *(long double *)kcr_rin.st[i],
				*(long double *)kcr_rout.st[i]);

	nregs = kcr_mode == 2 ? 32 : 16;
	vbytes = kcr_mode == 2 ? 64 : kcr_mode == 1 ? 32 : 16;
	for (i = 0; i < nregs; i++) {
		for (j = 0; j < vbytes; j++)
			if (kcr_rin.zmm[i][j] != kcr_rout.zmm[i][j])
				break;
		if (j < vbytes)
			kt_fail("%s%d byte %d: expected 0x%02x, got 0x%02x",
				kcr_mode == 2 ? "zmm" : kcr_mode ? "ymm" : "xmm", i, j,
				kcr_rin.zmm[i][j], kcr_rout.zmm[i][j]);
	}
	if (kcr_mode == 2)
		for (i = 0; i < 8; i++) {
			snprintf(buf, sizeof(buf), "k%d", i);
			KT_EXPECT_U64(buf, kcr_rin.k[i] & 0xffff, kcr_rout.k[i] & 0xffff);
		}

	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase1))
		kt_fail("ARCH_GET_FS after restart: %s", strerror(errno));
	KT_EXPECT_U64("fs base", fsbase0, fsbase1);
	KT_EXPECT_U64("__thread variable (through fs)", 0x7415c0de12345678ULL ^ 0xffff, tls_canary);
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &gsbase1))
		kt_fail("ARCH_GET_GS after restart: %s", strerror(errno));
	KT_EXPECT_U64("gs base", (unsigned long)gs_block, gsbase1);
	if (gsbase1 == (unsigned long)gs_block) {	/* else a %gs: load could fault */
		__asm__ volatile("mov %%gs:0, %0" : "=r"(gs0));
		__asm__ volatile("mov %%gs:56, %0" : "=r"(gs1));
		KT_EXPECT_U64("load through %gs:0", gs_block[0], gs0);
		KT_EXPECT_U64("load through %gs:56", gs_block[7], gs1);
	}
	for (i = 0; i < 6; i++) {
		snprintf(buf, sizeof(buf), "%s selector", sel_names[i]);
		KT_EXPECT_U64(buf, sel0[i], read_sel(i));
	}
	kt_done();
}
