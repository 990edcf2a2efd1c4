# kcr top-level Makefile: host packages, guest kernel, user tools, initramfs,
# QEMU runs.  Everything is built under build/ (not in git).
#
#   make / make all   deps + kernel + user tools + initramfs
#   make kernel       only the guest kernel (build/obj/arch/x86/boot/bzImage)
#   make user         only the user tools (build/user/bin/)
#   make initramfs    guest tests + build/initramfs.cpio.gz
#   make check        host unit tests + guest test suite, one summary line
#   make demo         checkpoint/restart a counting process in the guest
#   make vm           interactive shell in the guest
#   make bench        tests/vm/bench.sh in the guest
#   make fuzz         the guest's fuzz test alone: N=mutants (default 20000),
#                     SEED= (default: the time), FIRST= (first mutant, 0)
#   make clean        user space objects;  make distclean: all of build/
#
# ACCEL=kvm boots with KVM (default: tcg).  KCR_DEBUG=1 (e.g. make check
# KCR_DEBUG=1) builds and boots a debug guest kernel instead, in build/objdbg
# (lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, KASAN, UBSAN, kmemleak,
# hung task and soft lockup detectors: kernel/configs/kcr-debug.config); its
# reports fail the run like any console problem.

SHELL      := /bin/bash
TOP        := $(CURDIR)
BUILD      := $(TOP)/build
KSRC       := $(BUILD)/linux-source-6.1
# KCR_DEBUG=1: a debug guest kernel (kernel/configs/kcr-debug.config:
# lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, KASAN, UBSAN, kmemleak,
# soft lockups...) in its own object dir; every target that boots the guest
# then uses it.
ifeq ($(KCR_DEBUG),1)
KOBJ       := $(BUILD)/objdbg
KFRAGMENTS := $(TOP)/kernel/configs/kcr.config $(TOP)/kernel/configs/kcr-debug.config
CONFIG_STAMP := $(BUILD)/.config-stamp-debug
# several times slower under TCG: the guest suite gets 4 h, not 90 min
export KCR_CHECK_TIMEOUT ?= 14400
else
KOBJ       := $(BUILD)/obj
KFRAGMENTS := $(TOP)/kernel/configs/kcr.config
CONFIG_STAMP := $(BUILD)/.config-stamp
endif
BZIMAGE    := $(KOBJ)/arch/x86/boot/bzImage
export KCR_BZIMAGE := $(BZIMAGE)
USER_O     := $(BUILD)/user
GUEST_O    := $(BUILD)/guest
DEMO_O     := $(BUILD)/demo
INITRAMFS  := $(BUILD)/initramfs.cpio.gz
KLOCK      := /tmp/kbuild.lock
NPROC      := $(shell nproc 2>/dev/null || echo 2)
ACCEL      ?= tcg
export ACCEL

# Newest matching tarball; never hard-code the 6.1 sublevel.  A shell
# expression, expanded when a recipe runs: on a fresh machine the package is
# installed by "deps" after this Makefile has been parsed.
KTARBALL   = $$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | sort -V | tail -n 1)

ifneq ($(shell command -v ccache 2>/dev/null),)
KCC        := ccache gcc
else
KCC        := gcc
endif
# Kernel make runs hold the shared build lock (re-entrant: no deadlock when
# this Makefile itself is run under "flock /tmp/kbuild.lock make ...").
WITH_KLOCK := KCR_KLOCK=$(KLOCK) $(TOP)/tests/vm/with-klock
# Let clones in other directories (CI) hit the same ccache entries.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
KMAKE      := $(WITH_KLOCK) $(MAKE) -C $(KSRC) O=$(KOBJ) CC="$(KCC)"

# Our files that live at Linux-tree paths; symlinked into $(KSRC).
LINK_DIRS  := kernel include arch ipc fs mm Documentation
PATCHES    := $(sort $(wildcard $(TOP)/patches/*.patch))

PKGS := linux-source-6.1 qemu-system-x86 busybox-static check zlib1g-dev \
	flex bison bc libelf-dev libssl-dev cpio xz-utils ccache pkg-config \
	gcc make perl

GUEST_SRCS    := $(wildcard $(TOP)/tests/guest/*.c)
GUEST_BINS    := $(patsubst $(TOP)/tests/guest/%.c,$(GUEST_O)/tests/%,$(GUEST_SRCS))
GUEST_CFLAGS  := -O2 -g -Wall -pthread $(addprefix -I,$(wildcard $(TOP)/tests/guest $(TOP)/user/include $(TOP)/user/lib $(TOP)/include/uapi))

VM         := $(TOP)/tests/vm/kcr-vm

.PHONY: fuzz all deps kernel kernel-src kernel-extract kernel-links kernel-config user guest-tests \
	guest-tests initramfs check demo vm bench clean distclean

all: deps kernel user initramfs

# ---------------------------------------------------------------- packages
# One dpkg-query per make run (cheap); installs what is missing when root.
deps:
	@command -v dpkg-query >/dev/null || { echo "deps: no dpkg-query, not a Debian system; skipping package check" >&2; exit 0; }; \
	installed=$$(dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' $(PKGS) 2>/dev/null | awk '$$2 ~ /^ii/ {print $$1}'); \
	missing=; for p in $(PKGS); do grep -qx "$$p" <<<"$$installed" || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "deps: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing || \
		{ apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	else \
		echo "deps: missing packages; run as root:" >&2; \
		echo "  apt-get update && apt-get install -y --no-install-recommends$$missing" >&2; \
		exit 1; \
	fi

# ---------------------------------------------------------------- kernel
# Source identity = tarball + patch set.  A change re-extracts a pristine tree
# and re-applies every patch.  mtimes from the tarball are kept so the object
# dir stays valid; files patched before or now are touched so they rebuild.
KSRC_ID = $$( { echo "$(KTARBALL)"; stat -c '%s %Y' "$(KTARBALL)"; for p in $(PATCHES); do echo "$$p"; cat "$$p"; done; } | sha256sum | cut -d' ' -f1)

kernel-src: deps
	@[ -n "$(KTARBALL)" ] || { echo "kernel: no /usr/src/linux-source-6.1*.tar.xz (apt-get install linux-source-6.1)" >&2; exit 1; }
	@if [ ! -d $(KSRC) ] || [ "$$(cat $(BUILD)/.src-stamp 2>/dev/null)" != "$(KSRC_ID)" ]; then \
		mkdir -p $(BUILD) && $(WITH_KLOCK) $(MAKE) --no-print-directory kernel-extract; \
	fi

# (called by kernel-src, under the lock)
kernel-extract:
	@set -e; id=$(KSRC_ID); \
	if [ -d $(KSRC) ] && [ "$$(cat $(BUILD)/.src-stamp 2>/dev/null)" = "$$id" ]; then exit 0; fi; \
	echo "kernel: extracting $(KTARBALL) and applying $(words $(PATCHES)) patch(es)"; \
	rm -f $(BUILD)/.src-stamp $(BUILD)/.config-stamp $(BUILD)/.config-stamp-debug; \
	rm -rf $(KSRC) $(BUILD)/src.tmp; mkdir $(BUILD)/src.tmp; \
	tar -C $(BUILD)/src.tmp -xf "$(KTARBALL)"; \
	mv $(BUILD)/src.tmp/* $(KSRC); rmdir $(BUILD)/src.tmp; \
	old=$$(cat $(BUILD)/.patched-files 2>/dev/null || true); \
	: > $(BUILD)/.patched-files; \
	for p in $(PATCHES); do \
		echo "  PATCH   $$(basename $$p)"; \
		patch -d $(KSRC) -p1 -s --no-backup-if-mismatch < "$$p" || { echo "kernel: $$p does not apply" >&2; exit 1; }; \
		sed -n 's,^+++ b/\([^[:space:]]*\).*,\1,p' "$$p" >> $(BUILD)/.patched-files; \
	done; \
	for f in $$old; do if [ -e $(KSRC)/$$f ]; then touch $(KSRC)/$$f; fi; done; \
	echo "$$id" > $(BUILD)/.src-stamp

# Refresh symlinks every time (cheap); drop links whose file we removed.
kernel-links: kernel-src
	@set -e; cd $(TOP); \
	for d in $(LINK_DIRS); do \
		[ -d $(KSRC)/$$d ] && find $(KSRC)/$$d -xtype l -lname '$(TOP)/*' -print -delete | sed 's,^,  UNLINK  ,'; \
		[ -d $$d ] || continue; \
		while IFS= read -r f; do \
			dst=$(KSRC)/$$f; \
			[ -L "$$dst" ] && [ "$$dst" -ef "$$f" ] && continue; \
			mkdir -p "$${dst%/*}"; ln -sfn "$(TOP)/$$f" "$$dst"; \
		done < <(find $$d -type f ! -name '*~' ! -name '.*' ! -name '*.orig' ! -name '*.rej'); \
	done

# tinyconfig + kcr.config + olddefconfig, only when the fragment or the
# source (patches) changed; otherwise keep .config for incremental builds.
kernel-config: kernel-links
	@set -e; \
	id=$$( { cat $(BUILD)/.src-stamp; cat $(KFRAGMENTS); } | sha256sum | cut -d' ' -f1); \
	if [ -f $(KOBJ)/.config ] && [ "$$(cat $(CONFIG_STAMP) 2>/dev/null)" = "$$id" ]; then exit 0; fi; \
	echo "kernel: configuring (tinyconfig + $(notdir $(KFRAGMENTS)))"; \
	mkdir -p $(KOBJ); \
	$(KMAKE) -s tinyconfig >$(BUILD)/kconfig.log; \
	cd $(KSRC) && $(WITH_KLOCK) scripts/kconfig/merge_config.sh -m -O $(KOBJ) $(KOBJ)/.config $(KFRAGMENTS) >>$(BUILD)/kconfig.log; \
	$(KMAKE) -s olddefconfig; \
	bad=; while IFS= read -r l; do \
		case "$$l" in \
		CONFIG_*=n) grep -q "^$${l%=n}=" $(KOBJ)/.config && bad="$$bad $$l";; \
		"# CONFIG_"*" is not set") s=$${l#\# }; s=$${s%% *}; \
			grep -q "^$$s=" $(KOBJ)/.config && bad="$$bad $$s=n";; \
		CONFIG_*=*) grep -qxF "$$l" $(KOBJ)/.config || bad="$$bad $$l";; \
		esac; \
	done < <(cat $(KFRAGMENTS)); \
	[ -z "$$bad" ] || echo "kernel: warning: not set in .config:$$bad" >&2; \
	grep -qx CONFIG_CHECKPOINT=y $(KOBJ)/.config || { echo "kernel: CONFIG_CHECKPOINT=y did not stick (kernel/checkpoint/Kconfig missing or deps unmet)" >&2; exit 1; }; \
	echo "$$id" > $(CONFIG_STAMP)

kernel: kernel-config
	+@$(KMAKE) -j$(NPROC) bzImage
	@echo "kernel: $(BZIMAGE)"

# ---------------------------------------------------------------- user space
user:
	@[ -f $(TOP)/user/Makefile ] || { echo "user: user/Makefile does not exist yet" >&2; exit 1; }
	+$(MAKE) -C $(TOP)/user O=$(USER_O)
	@for t in checkpoint restart mktree ckptinfo; do [ -x $(USER_O)/bin/$$t ] || { echo "user: $(USER_O)/bin/$$t was not built" >&2; exit 1; }; done

$(DEMO_O)/counter: $(TOP)/user/demo/counter.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -static -o $@ $<

# Guest test programs: tests/guest/*.c static, tests/guest/dyn_*.c dynamic.
# A tests/guest/Makefile, if present, is used instead:
#   make -C tests/guest O=$(GUEST_O) -> executables in $(GUEST_O)/tests/
ifneq ($(wildcard $(TOP)/tests/guest/Makefile),)
guest-tests:
	@mkdir -p $(GUEST_O)/tests
	+$(MAKE) -C $(TOP)/tests/guest O=$(GUEST_O)
else
guest-tests: $(GUEST_BINS)
$(GUEST_BINS): | $(GUEST_O)/tests
$(GUEST_O)/tests:
	@mkdir -p $@
endif

$(GUEST_O)/tests/dyn_%: $(TOP)/tests/guest/dyn_%.c
	gcc $(GUEST_CFLAGS) -MMD -MP -o $@ $<

$(GUEST_O)/tests/%: $(TOP)/tests/guest/%.c
	gcc $(GUEST_CFLAGS) -static -MMD -MP -o $@ $<

-include $(wildcard $(GUEST_O)/tests/*.d)

# Rebuilt every time (a few seconds at most): the inputs come from many places.
initramfs: kernel-src user guest-tests $(DEMO_O)/counter
	@$(TOP)/tests/vm/mkinitramfs -o $(INITRAMFS) -k $(KSRC) \
		-b $(USER_O)/bin -b $(DEMO_O)/counter -t $(GUEST_O)/tests -t $(TOP)/tests/guest \
		-t $(TOP)/tests/vm/demo.sh -t $(TOP)/tests/vm/bench.sh

# ---------------------------------------------------------------- runs
check: all
	@$(TOP)/tests/summary.sh --build $(BUILD) --user $(TOP)/user --user-o $(USER_O) --vm $(VM)

demo: all
	$(VM) --timeout 300 --log $(BUILD)/demo-console.log -- /tests/demo.sh

vm: all
	$(VM) --interactive

# A long fuzzing run (tests/guest/imgfuzz.c) in its own boot, with a timeout
# scaled by N; "make fuzz SEED=S FIRST=K N=1" reruns mutant K of seed S.
# KCR_FUZZ_TRACE=1 names each mutant on the console before it runs.
fuzz: all
	@n=$(or $(N),20000); seed=$(or $(SEED),$$(date +%s)); first=$(or $(FIRST),0); \
	echo "fuzz: $$n mutants of seed $$seed from mutant $$first"; \
	$(VM) --timeout $$((900 + n / 2)) --log $(BUILD)/fuzz-console.log -- sh -c \
		"KCR_KEEP=1 KCR_FUZZ_N=$$n KCR_FUZZ_SEED=$$seed KCR_FUZZ_FIRST=$$first KCR_FUZZ_TRACE=$(KCR_FUZZ_TRACE) \
		/tests/run-tests.sh fuzz; st=\$$?; cat /tmp/fuzz/progress /tmp/fuzz/report; exit \$$st"; \
	st=$$?; \
	echo "fuzz: seed $$seed, mutants $$first..$$((first + n - 1)); console in $(BUILD)/fuzz-console.log"; \
	grep -E '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/fuzz-console.log | tail -n 1 | grep . || \
		echo "0 passed, 1 failed (no result: kcr-vm status $$st)"; \
	exit $$st

bench: all
	$(VM) --mem 4G --timeout 1800 --log $(BUILD)/bench-console.log -- /tests/bench.sh

clean:
	-[ -f $(TOP)/user/Makefile ] && $(MAKE) -C $(TOP)/user O=$(USER_O) clean
	rm -rf $(USER_O) $(GUEST_O) $(DEMO_O) $(INITRAMFS)

distclean:
	rm -rf $(BUILD)
