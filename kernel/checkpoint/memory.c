// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: the address space of a task: MM, VMA and PAGES records.
 *
 * Checkpoint writes the mm fields (code/data/brk/stack/args/env, auxv,
 * vdso, exe path), then one VMA record per mapping, each followed by the
 * pages that exist and that its backing does not hold:
 *   ANON	every page present or swapped out (never-touched pages and
 *		the zero page are holes: they cost nothing);
 *   FILE	private: the COWed (anonymous) pages only; shared: none;
 *   SHMEM	shared anonymous memory (a "dev/zero" shmem object, shared
 *		between tasks through the object table): the pages of the
 *		whole object, once, after the first VMA that meets it, with
 *		their byte offset in the object instead of an address;
 *   VDSO/VVAR	no pages; restart maps the running kernel's vdso there;
 *   INODE	a deleted file or memfd: its INODE object (ghost.c, written
 *		right before the VMA if no fd or earlier VMA wrote it), and
 *		the pages as for FILE; restart maps a new open file of the
 *		restored inode.
 * Pages are located in a first pass (page table walk, or the shmem page
 * cache) so that the VMA record can carry their count, then read with GUP
 * in batches of CKPT_PAGES_MAX pages, copied to ctx->pagebuf and written
 * as one PAGES record per batch.
 *
 * Restart tears down the restarting task's address space, rebuilds every
 * mapping at its address with vm_mmap(MAP_FIXED_NOREPLACE) as the caller
 * (open(2) and mmap(2) permission checks apply), splits a mapping the
 * kernel merged with its predecessor so that the layout is the original
 * one VMA for VMA, and writes the pages back without widening
 * protections: through GUP for writing (with FOLL_FORCE, as ptrace pokes,
 * for read-only private mappings), or with kernel_write into the shmem
 * object.  Then it maps the vdso and sets the mm fields and the exe link
 * as prctl(PR_SET_MM_MAP) would.  The flags madvise() sets
 * (CKPT_VM_ADVISED) are set on the new VMAs directly; mlocked VMAs are
 * locked before their pages are written (rst_mlock_vma(), with mlock()'s
 * RLIMIT_MEMLOCK / CAP_IPC_LOCK check) and then faulted in as mlock()
 * does, at best effort as mlockall(); PR_SET_THP_DISABLE and the coredump
 * filter are set on the new mm before any mapping (rst_new_mm()),
 * mlockall(MCL_FUTURE) and the membarrier registrations last
 * (rst_mm_fields()).
 *
 * Locking, checkpoint (t's mm):
 *   mmap_read_lock while the VMAs are listed and their pages located
 *     (walk_page_range takes the page table locks inside it), and again
 *     for each batch of pages while they are taken with GUP;
 *   mm->arg_lock nests inside mmap_lock for reading the mm fields.
 *   The lock is never held while writing the image or the log: sections
 *   that may log take it with ckpt_mmap_lock(), which keeps the lines
 *   until ckpt_mmap_unlock().  A huge pmd is saved as its base pages,
 *   never split (ckpt_pmd_entry).
 * Locking, restart (current->mm):
 *   vm_munmap and vm_mmap take mmap_lock themselves and are called
 *   without it; mmap_read_lock is held while pages are faulted in with
 *   GUP (not while they are filled), mmap_write_lock only to check, split
 *   and flag a new mapping and to set the mm fields, with mm->arg_lock
 *   nested inside it.
 */
#include <linux/checkpoint.h>
#include <linux/namei.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pagewalk.h>
#include <linux/khugepaged.h>
#include <linux/personality.h>
#include <linux/pkeys.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/mmu_context.h>
#include <asm/mmu_context.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include <linux/ipc_checkpoint.h>
#include <linux/shm.h>
#include <linux/syscalls.h>

/* vm_flags bits the image carries */
#define CKPT_VM_SAVED	(CKPT_VM_READ | CKPT_VM_WRITE | CKPT_VM_EXEC |	\
			 CKPT_VM_SHARED | CKPT_VM_MAYREAD |		\
			 CKPT_VM_MAYWRITE | CKPT_VM_MAYEXEC |		\
			 CKPT_VM_MAYSHARE | CKPT_VM_GROWSDOWN |		\
			 CKPT_VM_SEQ_READ | CKPT_VM_RAND_READ |		\
			 CKPT_VM_DONTCOPY | CKPT_VM_NORESERVE |		\
			 CKPT_VM_WIPEONFORK | CKPT_VM_DONTDUMP |	\
			 CKPT_VM_LOCKED | CKPT_VM_LOCKONFAULT |		\
			 CKPT_VM_HUGEPAGE | CKPT_VM_NOHUGEPAGE)
#define CKPT_VM_SAME(x)	BUILD_BUG_ON(CKPT_VM_##x != VM_##x)
/* bits set by madvise() */
#define CKPT_VM_ADVISED	(CKPT_VM_SEQ_READ | CKPT_VM_RAND_READ |		\
			 CKPT_VM_DONTCOPY | CKPT_VM_WIPEONFORK |	\
			 CKPT_VM_DONTDUMP | CKPT_VM_HUGEPAGE |		\
			 CKPT_VM_NOHUGEPAGE)
/* bits set by mlock() and mlockall() */
#define CKPT_VM_MLOCK	(CKPT_VM_LOCKED | CKPT_VM_LOCKONFAULT)
/* bits a restored mapping must have exactly as saved */
#define CKPT_VM_CHECKED	(CKPT_VM_SAVED & ~CKPT_VM_NORESERVE)

#define CKPT_SHM_NAME	"dev/zero"	/* name shmem_zero_setup() gives */

/* A run of nr consecutive pages: addresses, or offsets in a shmem object. */
struct ckpt_run {
	unsigned long start;
	unsigned long nr;
};

struct ckpt_vma_info {
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	unsigned long vm_flags;		/* CKPT_VM_* */
	u32 kind;			/* CKPT_VMA_* */
	u32 shm_ref;
	u64 shm_size;
	struct file *file;		/* FILE: the mapped file (referenced) */
	struct inode *shm_inode;	/* SHMEM: set if this VMA saves the pages */
	u64 nr_pages;
	size_t run;			/* first of this VMA's runs */
	size_t nr_runs;
};

struct ckpt_mm_info {
	struct ckpt_ctx *ctx;
	struct task_struct *task;	/* the first task of the mm */
	struct mm_struct *mm;
	struct ckpt_vma_info *vmas;
	unsigned int max_vmas;
	unsigned int nr_vmas;
	struct ckpt_run *runs;		/* the pages of every VMA, kvmalloc'ed */
	size_t nr_runs;
	size_t max_runs;
	/* page table walk state */
	size_t cur_run;			/* first run of the VMA being walked */
	u64 cur_pages;
	unsigned long resume;
	bool anon_only;
	/* one batch */
	u64 *addrs;			/* CKPT_PAGES_MAX */
	struct page **pages;		/* CKPT_PAGES_MAX */
	char *path;			/* CKPT_PATH_MAX */
};

static void ckpt_release_inode(void *ptr)
{
	iput(ptr);
}

static void ckpt_release_shm_file(void *ptr)
{
	fput(ptr);
}

static const char *ckpt_vma_kind_name(u32 kind)
{
	static const char * const names[CKPT_VMA_KIND_MAX + 1] = {
		[CKPT_VMA_ANON] = "anon", [CKPT_VMA_FILE] = "file",
		[CKPT_VMA_SHMEM] = "shmem", [CKPT_VMA_VDSO] = "vdso",
		[CKPT_VMA_INODE] = "inode",
		[CKPT_VMA_VVAR] = "vvar", [CKPT_VMA_SYSV_SHM] = "SysV shm",
	};

	return kind <= CKPT_VMA_KIND_MAX && names[kind] ? names[kind] : "?";
}

/* ------------------------------------------------------------ checkpoint */

static int ckpt_runs_grow(struct ckpt_mm_info *mi)
{
	size_t max = mi->max_runs ? 2 * mi->max_runs : 256;
	struct ckpt_run *runs;

	runs = kvmalloc_array(max, sizeof(*runs), GFP_KERNEL_ACCOUNT);
	if (!runs)
		goto nomem;
	if (mi->nr_runs)
		memcpy(runs, mi->runs, mi->nr_runs * sizeof(*runs));
	kvfree(mi->runs);
	mi->runs = runs;
	mi->max_runs = max;
	return 0;
nomem:
	return ckpt_err(mi->ctx, -ENOMEM, "no memory to list %zu page runs",
			max);
}

/*
 * Add the page at @addr to the current VMA's runs.  Returns 1 (and sets
 * mi->resume) when the array is full: the caller grows it outside the
 * page table lock and resumes there.
 */
static int ckpt_run_add(struct ckpt_mm_info *mi, unsigned long addr)
{
	struct ckpt_run *r;

	if (mi->nr_runs > mi->cur_run) {
		r = &mi->runs[mi->nr_runs - 1];
		if (r->start + r->nr * PAGE_SIZE == addr) {
			r->nr++;
			mi->cur_pages++;
			return 0;
		}
	}
	if (mi->nr_runs == mi->max_runs) {
		mi->resume = addr;
		return 1;
	}
	r = &mi->runs[mi->nr_runs++];
	r->start = addr;
	r->nr = 1;
	mi->cur_pages++;
	return 0;
}

/*
 * Decide whether the page behind one pte is saved: for an anonymous VMA
 * every page present or swapped out except the zero page; for a private
 * file mapping only the anonymous (COWed) ones.
 */
static int ckpt_pte_entry(pte_t *ptep, unsigned long addr, unsigned long next,
			  struct mm_walk *walk)
{
	struct ckpt_mm_info *mi = walk->private;
	pte_t pte = ptep_get(ptep);
	struct page *page = NULL;
	swp_entry_t entry;

	if (pte_none(pte))
		return 0;
	if (pte_present(pte)) {
		page = vm_normal_page(walk->vma, addr, pte);
		if (!page)		/* the zero page or a special pte */
			return 0;
	} else {
		entry = pte_to_swp_entry(pte);
		if (is_pfn_swap_entry(entry))	/* migration, device */
			page = pfn_swap_entry_to_page(entry);
		else if (is_pte_marker_entry(entry))
			return 0;
		/*
		 * Otherwise a swapped out anonymous page (also in a file
		 * mapping: only COWed pages go to swap), or a poisoned
		 * one, which GUP will refuse to read.
		 */
	}
	if (mi->anon_only && page && !PageAnon(page))
		return 0;
	return ckpt_run_add(mi, addr);
}

/*
 * A transparent huge page: saved as its base pages, without splitting it
 * (the walk would split any huge pmd it hands down to .pte_entry).
 */
static int ckpt_pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long next,
			  struct mm_walk *walk)
{
	struct ckpt_mm_info *mi = walk->private;
	struct page *page = NULL;
	spinlock_t *ptl;	/* the pmd's page table lock */
	pmd_t val;
	int ret = 0;

	cond_resched();		/* every 2 MiB of a long walk (no lock held) */
	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (!ptl)
		return 0;	/* a page table: the pte level follows */
	walk->action = ACTION_CONTINUE;
	val = *pmd;
	if (pmd_present(val)) {
		page = vm_normal_page_pmd(walk->vma, addr, val);
		if (!page)	/* the huge zero page */
			goto out;
	} else if (is_pmd_migration_entry(val)) {
		/* GUP waits for the migration */
		page = pfn_swap_entry_to_page(pmd_to_swp_entry(val));
	}
	if (mi->anon_only && page && !PageAnon(page))
		goto out;
	for (; addr < next; addr += PAGE_SIZE) {
		ret = ckpt_run_add(mi, addr);
		if (ret)
			break;
	}
out:
	spin_unlock(ptl);
	return ret;
}

static const struct mm_walk_ops ckpt_walk_ops = {
	.pmd_entry	= ckpt_pmd_entry,
	.pte_entry	= ckpt_pte_entry,
};

/* List the pages of @vma to save.  mmap_lock held for read. */
static int ckpt_collect_pages(struct ckpt_mm_info *mi,
			      struct vm_area_struct *vma, bool anon_only)
{
	unsigned long addr = vma->vm_start;
	int ret;

	mi->anon_only = anon_only;
	for (;;) {
		ret = walk_page_range(mi->mm, addr, vma->vm_end, &ckpt_walk_ops,
				      mi);
		if (ret <= 0)
			break;
		ret = ckpt_runs_grow(mi);
		if (ret)
			return ret;
		addr = mi->resume;
	}
	if (ret)
		return ckpt_err(mi->ctx, ret, "walking the page tables of %#lx-%#lx",
				vma->vm_start, vma->vm_end);
	return 0;
}

/*
 * List the pages of a shmem object (in memory or swapped out): every
 * entry of its page cache below i_size.  Offsets are in bytes.
 */
static int ckpt_collect_shm_pages(struct ckpt_mm_info *mi, struct inode *inode)
{
	pgoff_t end = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	XA_STATE(xas, &inode->i_mapping->i_pages, 0);
	unsigned long nr, i, index;
	void *entry;
	int ret = 0;

	if (!end)
		return 0;
	rcu_read_lock();
	xas_for_each(&xas, entry, end - 1) {
		if (xas_retry(&xas, entry))
			continue;
		index = xas.xa_index;
		/* without THP every entry is one page; be safe anyway */
		nr = xa_is_value(entry) ? 1 : folio_nr_pages(entry);
		for (i = 0; i < nr && index + i < end; i++) {
			if (!ckpt_run_add(mi, (index + i) << PAGE_SHIFT))
				continue;
			/* full: grow outside RCU, then add it again */
			xas_pause(&xas);
			rcu_read_unlock();
			ret = ckpt_runs_grow(mi);
			rcu_read_lock();
			if (ret)
				goto out;
			i--;
		}
	}
out:
	rcu_read_unlock();
	return ret;
}

static int ckpt_vma_shmem(struct ckpt_mm_info *mi, struct vm_area_struct *vma,
			  struct ckpt_vma_info *vi)
{
	struct inode *inode = file_inode(vma->vm_file);
	struct ckpt_obj *obj;

	vi->kind = CKPT_VMA_SHMEM;
	vi->shm_size = i_size_read(inode);
	obj = ckpt_obj_find_ptr(mi->ctx, inode);
	if (obj) {
		if (obj->type != CKPT_OBJ_SHMEM)
			return ckpt_err(mi->ctx, -EINVAL,
					"shared memory at %#lx-%#lx: object clash",
					vma->vm_start, vma->vm_end);
		vi->shm_ref = obj->objref;
		return 0;
	}
	ihold(inode);
	obj = ckpt_obj_add_ptr(mi->ctx, CKPT_OBJ_SHMEM, inode,
			       ckpt_release_inode);
	if (IS_ERR(obj)) {
		iput(inode);
		return PTR_ERR(obj);
	}
	vi->shm_ref = obj->objref;
	vi->shm_inode = inode;		/* the table holds the reference */
	return ckpt_collect_shm_pages(mi, inode);
}

/*
 * A SysV shm attachment: the segment's pages are in its IPC_SHM record
 * (ipc.c), the VMA names the segment and the attachment (the shmat()
 * file, shared by the VMAs it was split into and by fork).  1 if @vma is
 * not one.
 */
static int ckpt_vma_sysv_shm(struct ckpt_mm_info *mi,
			     struct vm_area_struct *vma,
			     struct ckpt_vma_info *vi)
{
	struct ckpt_ctx *ctx = mi->ctx;
	struct ipc_namespace *ns;
	struct ckpt_obj *obj;
	int id;

	id = shm_file_ckpt_id(vma->vm_file, &ns);
	if (id == -EINVAL)
		return 1;
	if (id < 0)
		return ckpt_err(ctx, id, "hugetlb SysV shm at %#lx-%#lx not supported",
				vma->vm_start, vma->vm_end);
	/* its id means nothing in the tree's namespace */
	if (!checkpoint_ipc_ns_is(ctx, ns))
		return ckpt_err(ctx, -EBUSY,
				"SysV shm %d at %#lx-%#lx is of another IPC namespace",
				id, vma->vm_start, vma->vm_end);
	if (!(vma->vm_flags & VM_MAYSHARE))
		return ckpt_err(ctx, -EINVAL, "SysV shm %d at %#lx-%#lx is not shared",
				id, vma->vm_start, vma->vm_end);
	vi->kind = CKPT_VMA_SYSV_SHM;
	vi->shm_size = id;
	obj = ckpt_obj_find_ptr(ctx, vma->vm_file);
	if (!obj) {
		obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_SHM_ATTACH,
				       get_file(vma->vm_file),
				       ckpt_release_shm_file);
		if (IS_ERR(obj)) {
			fput(vma->vm_file);
			return PTR_ERR(obj);
		}
	} else if (obj->type != CKPT_OBJ_SHM_ATTACH) {
		return ckpt_err(ctx, -EINVAL, "SysV shm at %#lx-%#lx: object clash",
				vma->vm_start, vma->vm_end);
	}
	vi->shm_ref = obj->objref;
	return 0;
}

/* Classify one VMA and list its pages.  mmap_lock held for read. */
static int ckpt_vma_collect(struct ckpt_mm_info *mi, struct vm_area_struct *vma,
			    struct ckpt_vma_info *vi)
{
	struct ckpt_ctx *ctx = mi->ctx;
	unsigned long flags = vma->vm_flags;
	struct file *file = vma->vm_file;
	const char *name = NULL;
	int ret;

	vi->start = vma->vm_start;
	vi->end = vma->vm_end;
	vi->pgoff = vma->vm_pgoff;
	vi->vm_flags = flags & CKPT_VM_SAVED;
	vi->run = mi->nr_runs;
	mi->cur_run = mi->nr_runs;
	mi->cur_pages = 0;

	if (vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name(vma);
	if (name) {
		/*
		 * Mapped under mlockall(MCL_FUTURE) they got VM_LOCKED from
		 * mm->def_flags (__install_special_mapping), which mlock()
		 * never sets or clears on them: the restart maps them anew.
		 */
		vi->vm_flags &= ~(u64)(CKPT_VM_MLOCK | CKPT_VM_ADVISED);
		if (!strcmp(name, "[vdso]")) {
			if (vma->vm_start != (unsigned long)mi->mm->context.vdso)
				return ckpt_err(ctx, -EBUSY,
						"vdso at %#lx-%#lx is not where the mm says (%#lx)",
						vma->vm_start, vma->vm_end,
						(unsigned long)mi->mm->context.vdso);
			vi->kind = CKPT_VMA_VDSO;
			return 0;
		}
		if (!strcmp(name, "[vvar]")) {
			vi->kind = CKPT_VMA_VVAR;
			return 0;
		}
		return ckpt_err(ctx, -EBUSY,
				"special mapping %s at %#lx-%#lx can not be restored",
				name, vma->vm_start, vma->vm_end);
	}
	if (flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return ckpt_err(ctx, -EBUSY,
				"I/O or PFN mapping at %#lx-%#lx can not be restored",
				vma->vm_start, vma->vm_end);
	if (is_vm_hugetlb_page(vma))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"hugetlb mapping at %#lx-%#lx not supported yet",
				vma->vm_start, vma->vm_end);
	if (vma_pkey(vma))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"protection key %d on %#lx-%#lx not supported yet",
				vma_pkey(vma), vma->vm_start, vma->vm_end);
	if (userfaultfd_armed(vma) || (flags & VM_MERGEABLE))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"userfaultfd or KSM on %#lx-%#lx not supported yet",
				vma->vm_start, vma->vm_end);

	if (vma_is_anonymous(vma)) {
		vi->kind = CKPT_VMA_ANON;
		ret = ckpt_collect_pages(mi, vma, false);
		goto pages;
	}
	if (!file)
		return ckpt_err(ctx, -EBUSY,
				"mapping at %#lx-%#lx has no file and is not anonymous memory",
				vma->vm_start, vma->vm_end);
	ret = ckpt_vma_sysv_shm(mi, vma, vi);
	if (ret <= 0)
		return ret;
	if (shmem_file(file) && !vma_is_shmem(vma))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"shmem mapping %pD at %#lx-%#lx not supported",
				file, vma->vm_start, vma->vm_end);
	if (file->f_path.mnt->mnt_flags & MNT_INTERNAL) {
		if (vma_is_shmem(vma) && (flags & VM_MAYSHARE) &&
		    !strcmp(file->f_path.dentry->d_name.name, CKPT_SHM_NAME)) {
			ret = ckpt_vma_shmem(mi, vma, vi);
			goto pages;
		}
		if (!ckpt_ghost_file(file))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"mapping of internal file %pD at %#lx-%#lx not supported yet",
					file, vma->vm_start, vma->vm_end);
	} else if (!S_ISREG(file_inode(file)->i_mode)) {
		return ckpt_err(ctx, -EBUSY,
				"mapping of %pD at %#lx-%#lx: not a regular file",
				file, vma->vm_start, vma->vm_end);
	}
	/* a memfd or a deleted file: its INODE object (ghost.c) */
	vi->kind = ckpt_ghost_file(file) ? CKPT_VMA_INODE : CKPT_VMA_FILE;
	vi->file = get_file(file);
	ret = 0;
	if (!(flags & VM_MAYSHARE) && vma->anon_vma)
		ret = ckpt_collect_pages(mi, vma, true);
pages:
	vi->nr_runs = mi->nr_runs - vi->run;
	vi->nr_pages = mi->cur_pages;
	return ret;
}

static void ckpt_mm_fields(struct mm_struct *mm, struct ckpt_hdr_mm *hm)
{
	unsigned int i;

	spin_lock(&mm->arg_lock);
	hm->start_code = mm->start_code;
	hm->end_code = mm->end_code;
	hm->start_data = mm->start_data;
	hm->end_data = mm->end_data;
	hm->start_brk = mm->start_brk;
	hm->brk = mm->brk;
	hm->start_stack = mm->start_stack;
	hm->arg_start = mm->arg_start;
	hm->arg_end = mm->arg_end;
	hm->env_start = mm->env_start;
	hm->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);

	/* saved_auxv up to and including its AT_NULL pair */
	for (i = 0; i + 1 < AT_VECTOR_SIZE; i += 2) {
		hm->auxv[i] = mm->saved_auxv[i];
		hm->auxv[i + 1] = mm->saved_auxv[i + 1];
		if (mm->saved_auxv[i] == AT_NULL)
			break;
	}
	hm->auxv_words = min_t(unsigned int, i + 2, AT_VECTOR_SIZE);
	hm->vdso = (unsigned long)mm->context.vdso;
}

/* Phase one, under mmap_read_lock: mm fields, VMAs, where their pages are. */
static int ckpt_mm_collect(struct ckpt_mm_info *mi, struct ckpt_hdr_mm *hm)
{
	VMA_ITERATOR(vmi, mi->mm, 0);
	struct ckpt_ctx *ctx = mi->ctx;
	struct mm_struct *mm = mi->mm;
	struct vm_area_struct *vma;
	int ret = 0;

	if (ckpt_mmap_lock(ctx, mm, false))
		return ckpt_err(ctx, -EINTR, "interrupted");
	/* mlockall(MCL_FUTURE), PR_SET_THP_DISABLE, coredump_filter, membarrier */
	if (mm->def_flags & VM_LOCKED)
		hm->flags |= CKPT_MM_MCL_FUTURE;
	if (mm->def_flags & VM_LOCKONFAULT)
		hm->flags |= CKPT_MM_MCL_ONFAULT;
	if (test_bit(MMF_DISABLE_THP, &mm->flags))
		hm->flags |= CKPT_MM_THP_DISABLE;
	hm->coredump_filter = (mm->flags & MMF_DUMP_FILTER_MASK) >>
			      MMF_DUMP_FILTER_SHIFT;
#ifdef CONFIG_MEMBARRIER
	hm->membarrier = atomic_read(&mm->membarrier_state);
	if (hm->membarrier & ~CKPT_MEMBARRIER_KNOWN) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "membarrier state %#x: registrations kcr does not know",
			       hm->membarrier);
		goto out;
	}
#endif
	ckpt_mm_fields(mm, hm);

	mi->max_vmas = mm->map_count;
	if (mi->max_vmas > CKPT_VMAS_MAX) {
		ret = ckpt_err(ctx, -E2BIG, "%u mappings, more than %u",
			       mi->max_vmas, CKPT_VMAS_MAX);
		goto out;
	}
	mi->vmas = kvcalloc(mi->max_vmas + 1, sizeof(*mi->vmas), GFP_KERNEL_ACCOUNT);
	ret = mi->vmas ? 0 : -ENOMEM;
	if (ret) {
		ckpt_err(ctx, ret, "no memory for %u mappings", mi->max_vmas);
		goto out;
	}
	for_each_vma(vmi, vma) {
		if (mi->nr_vmas == mi->max_vmas) {
			ret = ckpt_err(ctx, -EAGAIN,
				       "more mappings than map_count %u",
				       mi->max_vmas);
			break;
		}
		ret = ckpt_vma_collect(mi, vma, &mi->vmas[mi->nr_vmas]);
		if (ret)
			break;
		mi->nr_vmas++;
		cond_resched();
	}
	hm->nr_vmas = mi->nr_vmas;
out:
	ckpt_mmap_unlock(ctx, mm, false);
	return ret;
}

static int ckpt_write_mm(struct ckpt_mm_info *mi, struct ckpt_hdr_mm *hm)
{
	struct ckpt_ctx *ctx = mi->ctx;
	const char *path = NULL;
	struct file *exe;
	u32 plen = 0;

	exe = get_mm_exe_file(mi->mm);
	if (exe && d_unlinked(exe->f_path.dentry)) {
		ckpt_log(ctx, "executable %pD was deleted: not recorded", exe);
	} else if (exe) {
		path = ckpt_reachable_path(ctx, &exe->f_path, mi->path,
					   &hm->exe_id, "the executable");
		if (IS_ERR(path)) {
			fput(exe);
			return PTR_ERR(path);
		}
		plen = strlen(path) + 1;
	}
	if (exe)
		fput(exe);
	hm->exe_len = plen;
	return ckpt_write_record_payload(ctx, CKPT_HDR_MM, hm, sizeof(*hm),
					 path, plen);
}

/* Read @nr pages of a shmem object at the offsets in mi->addrs. */
static int ckpt_read_shm_pages(struct ckpt_mm_info *mi, struct inode *inode,
			       unsigned int nr)
{
	struct folio *folio;
	unsigned int i;
	void *dst, *src;
	pgoff_t index;
	int ret;

	for (i = 0; i < nr; i++) {
		dst = mi->ctx->pagebuf + i * PAGE_SIZE;
		index = mi->addrs[i] >> PAGE_SHIFT;
		ret = shmem_get_folio(inode, index, &folio, SGP_READ);
		if (ret)
			return ckpt_err(mi->ctx, ret,
					"reading page %lu of a shared memory object",
					index);
		if (!folio) {
			/* a page fallocated but never written reads as zeros */
			memset(dst, 0, PAGE_SIZE);
			continue;
		}
		src = kmap_local_page(folio_file_page(folio, index));
		memcpy(dst, src, PAGE_SIZE);
		kunmap_local(src);
		folio_unlock(folio);
		folio_put(folio);
	}
	return 0;
}

/* Read @nr pages of t's mm at the addresses in mi->addrs. */
static int ckpt_read_vma_pages(struct ckpt_mm_info *mi,
			       struct ckpt_vma_info *vi, unsigned int nr)
{
	struct ckpt_ctx *ctx = mi->ctx;
	struct mm_struct *mm = mi->mm;
	struct vm_area_struct *vma;
	unsigned int done = 0, n, i;
	void *src;
	long got;
	int ret = 0;

	if (ckpt_mmap_lock(ctx, mm, false))
		return ckpt_err(ctx, -EINTR, "interrupted");
	vma = vma_lookup(mm, vi->start);
	if (!vma || vma->vm_start != vi->start || vma->vm_end != vi->end) {
		ckpt_mmap_unlock(ctx, mm, false);
		return ckpt_err(ctx, -EAGAIN,
				"mapping %#lx-%#lx changed during the checkpoint",
				vi->start, vi->end);
	}
	while (done < nr) {
		for (n = 1; done + n < nr &&
		     mi->addrs[done + n] == mi->addrs[done] + n * PAGE_SIZE; n++)
			;
		/*
		 * Every page was seen in the page tables.  Without FOLL_DUMP a
		 * page freed meanwhile (MADV_FREE) reads as the zero page,
		 * which is what the task would see.
		 */
		got = get_user_pages_remote(mm, mi->addrs[done], n, FOLL_FORCE,
					    mi->pages + done, NULL, NULL);
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			ret = ckpt_err(ctx, ret, "reading page %#llx of %#lx-%#lx",
				       mi->addrs[done], vi->start, vi->end);
			break;
		}
		done += got;
	}
	ckpt_mmap_unlock(ctx, mm, false);

	for (i = 0; i < done; i++) {
		if (!ret && (vi->kind == CKPT_VMA_FILE ||
			     vi->kind == CKPT_VMA_INODE) &&
		    !PageAnon(mi->pages[i]))
			ret = ckpt_err(ctx, -EAGAIN,
				       "page %#llx of %#lx-%#lx changed during the checkpoint",
				       mi->addrs[i], vi->start, vi->end);
		if (!ret) {
			src = kmap_local_page(mi->pages[i]);
			memcpy(ctx->pagebuf + i * PAGE_SIZE, src, PAGE_SIZE);
			kunmap_local(src);
		}
		put_page(mi->pages[i]);
	}
	return ret;
}

static int ckpt_write_pages(struct ckpt_mm_info *mi, struct ckpt_vma_info *vi,
			    unsigned int nr)
{
	struct ckpt_ctx *ctx = mi->ctx;
	struct ckpt_hdr_pages hp = { .nr_pages = nr };
	u64 plen = (u64)nr * (sizeof(u64) + PAGE_SIZE);
	int ret;

	if (fatal_signal_pending(current))
		return ckpt_err(ctx, -EINTR, "interrupted");
	if (vi->kind == CKPT_VMA_SHMEM)
		ret = ckpt_read_shm_pages(mi, vi->shm_inode, nr);
	else
		ret = ckpt_read_vma_pages(mi, vi, nr);
	if (!ret)
		ret = ckpt_write_begin(ctx, CKPT_HDR_PAGES, &hp, sizeof(hp),
				       plen);
	if (!ret)
		ret = ckpt_write_raw(ctx, mi->addrs, nr * sizeof(u64));
	if (!ret)
		ret = ckpt_write_raw(ctx, ctx->pagebuf, nr * PAGE_SIZE);
	if (!ret)
		ret = ckpt_write_end(ctx, sizeof(hp) + plen);
	return ret;
}

static int ckpt_write_vma(struct ckpt_mm_info *mi, struct ckpt_vma_info *vi)
{
	struct ckpt_ctx *ctx = mi->ctx;
	struct ckpt_hdr_vma hv = {
		.start = vi->start,
		.end = vi->end,
		.pgoff = vi->pgoff,
		.vm_flags = vi->vm_flags,
		.kind = vi->kind,
		.shm_ref = vi->shm_ref,
		.shm_size = vi->shm_size,
		.nr_pages = vi->nr_pages,
	};
	const char *path = NULL;
	unsigned int nr = 0;
	size_t r;
	unsigned long k;
	u32 plen = 0;
	int ret;

	if (vi->kind == CKPT_VMA_FILE) {
		char what[48];

		snprintf(what, sizeof(what), "mapping at %#lx-%#lx", vi->start,
			 vi->end);
		ret = checkpoint_mapped_file_locks(ctx, mi->task, vi->file, what);
		if (ret)
			return ret;
		path = ckpt_reachable_path(ctx, &vi->file->f_path, mi->path,
					   &hv.file_id, what);
		if (IS_ERR(path))
			return PTR_ERR(path);
		plen = strlen(path) + 1;
	} else if (vi->kind == CKPT_VMA_INODE) {
		char what[48];

		snprintf(what, sizeof(what), "mapping at %#lx-%#lx", vi->start,
			 vi->end);
		ret = checkpoint_mapped_file_locks(ctx, mi->task, vi->file, what);
		if (ret)
			return ret;
		/* written here if no fd or earlier mapping wrote it */
		ret = checkpoint_ghost_inode(ctx, vi->file, what, &hv.shm_ref);
		if (ret)
			return ret;
	}
	hv.path_len = plen;
	ret = ckpt_write_record_payload(ctx, CKPT_HDR_VMA, &hv, sizeof(hv),
					path, plen);
	if (ret)
		return ret;

	for (r = vi->run; r < vi->run + vi->nr_runs; r++) {
		for (k = 0; k < mi->runs[r].nr; k++) {
			mi->addrs[nr++] = mi->runs[r].start + k * PAGE_SIZE;
			if (nr < CKPT_PAGES_MAX)
				continue;
			ret = ckpt_write_pages(mi, vi, nr);
			if (ret)
				return ret;
			nr = 0;
		}
	}
	return nr ? ckpt_write_pages(mi, vi, nr) : 0;
}

static void ckpt_mm_info_free(struct ckpt_mm_info *mi);

/*
 * The pages of a shmem object that no VMA saves (a SysV segment, ipc.c):
 * list them, set *@nr_pages inside the record @rec (of @type and @len
 * bytes), write it, then the PAGES records with byte offsets.
 */
int checkpoint_shmem_pages(struct ckpt_ctx *ctx, struct inode *inode,
			   u32 type, void *rec, u32 len, __u64 *nr_pages)
{
	struct ckpt_vma_info vi = {
		.kind = CKPT_VMA_SHMEM,
		.shm_inode = inode,
	};
	struct ckpt_mm_info *mi;
	int ret = -ENOMEM;
	unsigned int nr = 0;
	unsigned long k;
	size_t r;

	mi = kzalloc(sizeof(*mi), GFP_KERNEL_ACCOUNT);
	if (mi)
		mi->addrs = kmalloc_array(CKPT_PAGES_MAX, sizeof(*mi->addrs),
					  GFP_KERNEL_ACCOUNT);
	if (!mi || !mi->addrs) {
		ret = ckpt_err(ctx, ret, "no memory for the pages of shared memory");
		goto out;
	}
	mi->ctx = ctx;
	ret = ckpt_collect_shm_pages(mi, inode);
	if (ret) {
		ret = ckpt_err(ctx, ret, "listing the pages of shared memory");
		goto out;
	}
	*nr_pages = 0;
	for (r = 0; r < mi->nr_runs; r++)
		*nr_pages += mi->runs[r].nr;
	ret = ckpt_write_record(ctx, type, rec, len);
	for (r = 0; !ret && r < mi->nr_runs; r++) {
		for (k = 0; !ret && k < mi->runs[r].nr; k++) {
			mi->addrs[nr++] = mi->runs[r].start + k * PAGE_SIZE;
			if (nr < CKPT_PAGES_MAX)
				continue;
			ret = ckpt_write_pages(mi, &vi, nr);
			nr = 0;
		}
	}
	if (!ret && nr)
		ret = ckpt_write_pages(mi, &vi, nr);
out:
	if (mi)
		ckpt_mm_info_free(mi);
	return ret;
}

static void ckpt_mm_info_free(struct ckpt_mm_info *mi)
{
	unsigned int i;

	if (mi->vmas) {
		for (i = 0; i < mi->max_vmas; i++)
			if (mi->vmas[i].file)
				fput(mi->vmas[i].file);
		kvfree(mi->vmas);
	}
	kvfree(mi->runs);
	kfree(mi->addrs);
	kfree(mi->pages);
	kfree(mi->path);
	kfree(mi);
}

int checkpoint_mm(struct ckpt_ctx *ctx, struct task_struct *t, int index)
{
	struct ckpt_mm_info *mi = NULL;
	struct ckpt_hdr_mm *hm = NULL;
	struct mm_struct *mm;
	unsigned int i;
	u64 pages = 0;
	int ret;

	CKPT_VM_SAME(READ);
	CKPT_VM_SAME(WRITE);
	CKPT_VM_SAME(EXEC);
	CKPT_VM_SAME(SHARED);
	CKPT_VM_SAME(MAYREAD);
	CKPT_VM_SAME(MAYWRITE);
	CKPT_VM_SAME(MAYEXEC);
	CKPT_VM_SAME(MAYSHARE);
	CKPT_VM_SAME(GROWSDOWN);
	CKPT_VM_SAME(SEQ_READ);
	CKPT_VM_SAME(RAND_READ);
	CKPT_VM_SAME(DONTCOPY);
	CKPT_VM_SAME(NORESERVE);
	CKPT_VM_SAME(WIPEONFORK);
	CKPT_VM_SAME(DONTDUMP);
	CKPT_VM_SAME(LOCKED);
	CKPT_VM_SAME(LOCKONFAULT);
	CKPT_VM_SAME(HUGEPAGE);
	CKPT_VM_SAME(NOHUGEPAGE);
#ifdef CONFIG_MEMBARRIER
	BUILD_BUG_ON(CKPT_MEMBARRIER_PRIVATE_EXPEDITED_READY !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY);
	BUILD_BUG_ON(CKPT_MEMBARRIER_PRIVATE_EXPEDITED !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED);
	BUILD_BUG_ON(CKPT_MEMBARRIER_GLOBAL_EXPEDITED_READY !=
		     MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY);
	BUILD_BUG_ON(CKPT_MEMBARRIER_GLOBAL_EXPEDITED !=
		     MEMBARRIER_STATE_GLOBAL_EXPEDITED);
	BUILD_BUG_ON(CKPT_MEMBARRIER_SYNC_CORE_READY !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY);
	BUILD_BUG_ON(CKPT_MEMBARRIER_SYNC_CORE !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE);
	BUILD_BUG_ON(CKPT_MEMBARRIER_RSEQ_READY !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY);
	BUILD_BUG_ON(CKPT_MEMBARRIER_RSEQ !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ);
#endif
	BUILD_BUG_ON(AT_VECTOR_SIZE > CKPT_AUXV_WORDS);

	/* the threads of a process share it: saved with the leader */
	if (!(ctx->task_first[index] & CKPT_FIRST_MM))
		return 0;
	/*
	 * Not mm_access(): the caller checked the ptrace rights under t's
	 * exec_update_lock, and t does not run (checkpoint.c), so it has
	 * not exec'ed since.
	 */
	mm = get_task_mm(t);
	if (!mm)
		return ckpt_err(ctx, -EBUSY, "task %d: no address space (exiting?)",
				task_pid_vnr(t));

	ret = -ENOMEM;
	mi = kzalloc(sizeof(*mi), GFP_KERNEL_ACCOUNT);
	hm = kzalloc(sizeof(*hm), GFP_KERNEL_ACCOUNT);
	if (!mi || !hm)
		goto nomem;
	mi->ctx = ctx;
	mi->task = t;
	mi->mm = mm;
	hm->objref = ctx->pids[index].mm_ref;
	mi->addrs = kmalloc_array(CKPT_PAGES_MAX, sizeof(*mi->addrs),
				  GFP_KERNEL_ACCOUNT);
	mi->pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*mi->pages),
				  GFP_KERNEL_ACCOUNT);
	mi->path = kmalloc(CKPT_PATH_MAX, GFP_KERNEL_ACCOUNT);
	if (!mi->addrs || !mi->pages || !mi->path)
		goto nomem;

	ret = ckpt_mm_collect(mi, hm);
	if (!ret)
		ret = ckpt_write_mm(mi, hm);
	for (i = 0; !ret && i < mi->nr_vmas; i++) {
		ret = ckpt_write_vma(mi, &mi->vmas[i]);
		pages += mi->vmas[i].nr_pages;
	}
	if (!ret)
		ckpt_log(ctx, "task %d: %u mappings, %llu pages",
			 task_pid_vnr(t), mi->nr_vmas, pages);
	goto out;
nomem:
	ret = ckpt_err(ctx, -ENOMEM, "no memory to save the address space");
out:
	if (mi)
		ckpt_mm_info_free(mi);
	kfree(hm);
	mmput(mm);
	return ret;
}

/* --------------------------------------------------------------- restart */

struct ckpt_rst_mm {
	struct ckpt_ctx *ctx;
	struct mm_struct *mm;
	struct ckpt_hdr_vma *hv;	/* record + path */
	u64 *addrs;			/* CKPT_PAGES_MAX */
	struct page **pages;		/* CKPT_PAGES_MAX */
	unsigned long prev_end;		/* VMAs ascend and do not overlap */
	unsigned long shm_tmp;		/* a temporary SysV shm attachment */
	unsigned long vdso_start, vdso_end;
	unsigned long vvar_start, vvar_end;
	unsigned long auxv[AT_VECTOR_SIZE];
	u64 memlock_limit;		/* the image's RLIMIT_MEMLOCK, bytes */
};

/*
 * The registrations membarrier() leaves: a READY bit with its state bit
 * and the other way round; registering SYNC_CORE or RSEQ also sets
 * PRIVATE_EXPEDITED (not its READY bit), which needs one of the three.
 */
static bool rst_membarrier_ok(u32 mb)
{
	u32 pe = mb & CKPT_MEMBARRIER_PRIVATE_EXPEDITED;
	u32 sub = mb & (CKPT_MEMBARRIER_SYNC_CORE | CKPT_MEMBARRIER_RSEQ);

	if (!(mb & CKPT_MEMBARRIER_GLOBAL_EXPEDITED) !=
	    !(mb & CKPT_MEMBARRIER_GLOBAL_EXPEDITED_READY) ||
	    !(mb & CKPT_MEMBARRIER_SYNC_CORE) !=
	    !(mb & CKPT_MEMBARRIER_SYNC_CORE_READY) ||
	    !(mb & CKPT_MEMBARRIER_RSEQ) != !(mb & CKPT_MEMBARRIER_RSEQ_READY))
		return false;
	if ((mb & CKPT_MEMBARRIER_PRIVATE_EXPEDITED_READY) && !pe)
		return false;
	if (sub && !pe)
		return false;
	return !pe || sub || (mb & CKPT_MEMBARRIER_PRIVATE_EXPEDITED_READY);
}

/*
 * What mlockall(), prctl(PR_SET_THP_DISABLE), /proc/PID/coredump_filter
 * and membarrier() set, with the rights the restored task needs for it:
 * mlockall(MCL_FUTURE) needs a RLIMIT_MEMLOCK (the image's) or
 * CAP_IPC_LOCK (restore_mm() runs with the restored task's creds).
 */
static int rst_check_mm_state(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *hm,
			      struct ckpt_rst_task *rt)
{
	u32 mb = hm->membarrier;

	if ((hm->flags & CKPT_MM_MCL_ONFAULT) &&
	    !(hm->flags & CKPT_MM_MCL_FUTURE))
		return ckpt_err(ctx, -EINVAL,
				"MM record: MCL_ONFAULT without MCL_FUTURE");
	if (hm->coredump_filter &
	    ~(u32)(MMF_DUMP_FILTER_MASK >> MMF_DUMP_FILTER_SHIFT))
		return ckpt_err(ctx, -EINVAL,
				"MM record: coredump_filter %#x", hm->coredump_filter);
	if ((mb & ~CKPT_MEMBARRIER_KNOWN) || !rst_membarrier_ok(mb))
		return ckpt_err(ctx, -EINVAL,
				"MM record: membarrier registrations %#x", mb);
	if ((!IS_ENABLED(CONFIG_MEMBARRIER) && mb) ||
	    (!IS_ENABLED(CONFIG_ARCH_HAS_MEMBARRIER_SYNC_CORE) &&
	     (mb & (CKPT_MEMBARRIER_SYNC_CORE |
		    CKPT_MEMBARRIER_SYNC_CORE_READY))) ||
	    (!IS_ENABLED(CONFIG_RSEQ) &&
	     (mb & (CKPT_MEMBARRIER_RSEQ | CKPT_MEMBARRIER_RSEQ_READY))))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"MM record: membarrier registrations %#x that this kernel does not have",
				mb);
	if ((hm->flags & CKPT_MM_MCL_FUTURE) &&
	    !rt->task->rlim[RLIMIT_MEMLOCK].cur && !capable(CAP_IPC_LOCK))
		return ckpt_err(ctx, -EPERM,
				"mlockall(MCL_FUTURE) with RLIMIT_MEMLOCK 0 needs CAP_IPC_LOCK");
	return 0;
}

static int rst_check_mm(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *hm,
			u32 len)
{
	const u64 addrs[] = {
		hm->start_code, hm->end_code, hm->start_data, hm->end_data,
		hm->start_brk, hm->brk, hm->start_stack, hm->arg_start,
		hm->arg_end, hm->env_start, hm->env_end,
	};
	unsigned int i;

	if (len != sizeof(*hm) + hm->exe_len ||
	    hm->flags & ~CKPT_MM_FLAGS || !hm->objref ||
	    memchr_inv(hm->pad, 0, sizeof(hm->pad)) ||
	    !restore_file_id_valid(&hm->exe_id) ||
	    (!hm->exe_len && memchr_inv(&hm->exe_id, 0, sizeof(hm->exe_id))))
		return ckpt_err(ctx, -EINVAL, "MM record: bad length or flags");
	if (hm->nr_vmas > CKPT_VMAS_MAX)
		return ckpt_err(ctx, -EINVAL, "MM record: %u mappings",
				hm->nr_vmas);
	/* what validate_prctl_map_addr() accepts */
	for (i = 0; i < ARRAY_SIZE(addrs); i++)
		if (addrs[i] >= TASK_SIZE || addrs[i] < mmap_min_addr)
			return ckpt_err(ctx, -EINVAL,
					"MM record: address %#llx out of range",
					addrs[i]);
	if (hm->start_code >= hm->end_code ||
	    hm->start_data > hm->end_data ||
	    hm->start_brk > hm->brk ||
	    hm->arg_start > hm->arg_end ||
	    hm->env_start > hm->env_end)
		return ckpt_err(ctx, -EINVAL, "MM record: addresses out of order");
	if (check_data_rlimit(rlimit(RLIMIT_DATA), hm->brk, hm->start_brk,
			      hm->end_data, hm->start_data))
		return ckpt_err(ctx, -EINVAL,
				"MM record: brk beyond RLIMIT_DATA");
	if (hm->auxv_words % 2 || hm->auxv_words > CKPT_AUXV_WORDS ||
	    hm->auxv_words > AT_VECTOR_SIZE)
		return ckpt_err(ctx, -EINVAL, "MM record: %u auxv words",
				hm->auxv_words);
	if (hm->vdso && (hm->vdso >= TASK_SIZE || !PAGE_ALIGNED(hm->vdso)))
		return ckpt_err(ctx, -EINVAL, "MM record: bad vdso address");
	if (hm->exe_len) {
		if (hm->exe_len > CKPT_PATH_MAX)
			return ckpt_err(ctx, -EINVAL, "MM record: exe path too long");
		return ckpt_read_string(ctx, (char *)(hm + 1), hm->exe_len);
	}
	return 0;
}

/* Open the executable as exec would have: regular, exec mount, MAY_EXEC. */
static struct file *rst_open_exe(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *hm)
{
	struct file *file;
	int ret;

	file = restore_open_path(ctx, (char *)(hm + 1), O_RDONLY, S_IFREG, 0,
				 &hm->exe_id, "executable");
	if (IS_ERR(file))
		return file;
	ret = -EACCES;
	if (!path_noexec(&file->f_path))
		ret = file_permission(file, MAY_EXEC);
	if (ret) {
		ckpt_err(ctx, ret, "executable %pD: not executable by the restored task",
			 file);
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

static int rst_check_vma(struct ckpt_rst_mm *rm, u32 len)
{
	struct ckpt_ctx *ctx = rm->ctx;
	struct ckpt_hdr_vma *hv = rm->hv;
	u64 npages, max;

	if (!PAGE_ALIGNED(hv->start) || !PAGE_ALIGNED(hv->end) ||
	    hv->start >= hv->end || hv->end > TASK_SIZE ||
	    hv->start < rm->prev_end || memchr_inv(hv->pad, 0, sizeof(hv->pad)))
		return ckpt_err(ctx, -EINVAL,
				"VMA %#llx-%#llx: bad range or out of order",
				hv->start, hv->end);
	npages = (hv->end - hv->start) >> PAGE_SHIFT;
	if (!hv->kind || hv->kind > CKPT_VMA_KIND_MAX ||
	    hv->vm_flags & ~(u64)CKPT_VM_SAVED)
		return ckpt_err(ctx, -EINVAL,
				"VMA %#llx-%#llx: kind %u, flags %#llx",
				hv->start, hv->end, hv->kind, hv->vm_flags);
	if (((hv->vm_flags & CKPT_VM_SHARED) &&
	     !(hv->vm_flags & CKPT_VM_MAYSHARE)) ||
	    (hv->vm_flags & CKPT_VM_MLOCK) == CKPT_VM_LOCKONFAULT ||
	    ((hv->vm_flags & CKPT_VM_MLOCK) &&
	     (hv->kind == CKPT_VMA_VDSO || hv->kind == CKPT_VMA_VVAR)) ||
	    (hv->vm_flags & CKPT_VM_HUGEPAGE &&
	     hv->vm_flags & CKPT_VM_NOHUGEPAGE))
		return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: bad flags %#llx",
				hv->start, hv->end, hv->vm_flags);
	if (hv->pgoff >= (1UL << (BITS_PER_LONG - PAGE_SHIFT)) - npages)
		return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: bad offset",
				hv->start, hv->end);
	if (hv->kind == CKPT_VMA_FILE) {
		if (hv->path_len < 2 || len != sizeof(*hv) + hv->path_len)
			return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: bad path",
					hv->start, hv->end);
		if (ckpt_read_string(ctx, (char *)(hv + 1), hv->path_len))
			return -EINVAL;
		if (((char *)(hv + 1))[0] != '/')
			return ckpt_err(ctx, -EINVAL,
					"VMA %#llx-%#llx: relative path",
					hv->start, hv->end);
	} else if (hv->path_len || len != sizeof(*hv) ||
		   memchr_inv(&hv->file_id, 0, sizeof(hv->file_id))) {
		return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: unexpected path",
				hv->start, hv->end);
	}
	if (!restore_file_id_valid(&hv->file_id))
		return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: bad file identity",
				hv->start, hv->end);

	switch (hv->kind) {
	case CKPT_VMA_ANON:
		if (hv->vm_flags & CKPT_VM_MAYSHARE)
			goto bad_flags;
		max = npages;
		break;
	case CKPT_VMA_FILE:
		/* a shared file mapping's pages are in the file */
		max = hv->vm_flags & CKPT_VM_MAYSHARE ? 0 : npages;
		break;
	case CKPT_VMA_INODE:
		/* an INODE object; a shared mapping's pages are its contents */
		if (!hv->shm_ref || hv->shm_size)
			goto bad_flags;
		max = hv->vm_flags & CKPT_VM_MAYSHARE ? 0 : npages;
		break;
	case CKPT_VMA_SHMEM:
		if (!(hv->vm_flags & CKPT_VM_MAYSHARE) || !hv->shm_size ||
		    !PAGE_ALIGNED(hv->shm_size) || hv->shm_size > TASK_SIZE)
			goto bad_flags;
		max = hv->shm_size >> PAGE_SHIFT;
		break;
	case CKPT_VMA_SYSV_SHM:
		/* shm_size is the shmid: a segment of the image's IPC_NS */
		if (!(hv->vm_flags & CKPT_VM_MAYSHARE) || !hv->shm_ref ||
		    hv->shm_size > INT_MAX)
			goto bad_flags;
		max = DIV_ROUND_UP(restore_ipc_shm_size(ctx, hv->shm_size),
				   PAGE_SIZE);
		if (hv->pgoff > max || npages > max - hv->pgoff)
			return ckpt_err(ctx, -EINVAL,
					"VMA %#llx-%#llx: not inside SysV shm %lld",
					hv->start, hv->end, hv->shm_size);
		max = 0;	/* the pages are the segment's */
		break;
	default:	/* VDSO, VVAR: this kernel's */
		max = 0;
		break;
	}
	if (hv->nr_pages > max)
		return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: %llu pages",
				hv->start, hv->end, hv->nr_pages);
	return 0;

bad_flags:
	return ckpt_err(ctx, -EINVAL, "VMA %#llx-%#llx: %s with flags %#llx",
			hv->start, hv->end, ckpt_vma_kind_name(hv->kind),
			hv->vm_flags);
}

/*
 * mlock() or mlockall() locked the mapping: lock it as mlock_fixup()
 * does, before any of its pages is there (every page faulted in from now
 * on is mlocked as it is mapped), with mlock()'s rights: within the
 * image's RLIMIT_MEMLOCK, or CAP_IPC_LOCK.  The pages that are not in the
 * image are faulted in once they are (rst_vma()).  mmap_lock held for
 * writing.
 */
static int rst_mlock_vma(struct ckpt_rst_mm *rm, struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);
	u64 limit = rm->memlock_limit >> PAGE_SHIFT;

	if ((!limit || rm->mm->locked_vm + npages > limit) &&
	    !capable(CAP_IPC_LOCK))
		return ckpt_err(rm->ctx, -EPERM,
				"mlocked mapping %#lx-%#lx: %lu locked pages exceed RLIMIT_MEMLOCK (%llu bytes), CAP_IPC_LOCK needed",
				vma->vm_start, vma->vm_end,
				rm->mm->locked_vm + npages, rm->memlock_limit);
	if ((vma->vm_flags & VM_SPECIAL) || is_vm_hugetlb_page(vma) ||
	    vma_is_dax(vma))
		return ckpt_err(rm->ctx, -EINVAL,
				"mlocked mapping %#lx-%#lx can not be locked",
				vma->vm_start, vma->vm_end);
	vma->vm_flags |= rm->hv->vm_flags & CKPT_VM_MLOCK;
	rm->mm->locked_vm += npages;
	return 0;
}

/*
 * The new mapping at [start, end) may have been merged with the one
 * before it (the original kernel kept them apart, e.g. different anon_vma
 * or a moved pgoff): split it there, so the layout matches VMA for VMA.
 * Then check it has the flags it had.
 */
static int rst_fixup_vma(struct ckpt_rst_mm *rm)
{
	struct ckpt_ctx *ctx = rm->ctx;
	struct ckpt_hdr_vma *hv = rm->hv;
	struct vm_area_struct *vma;
	int ret = 0;

	if (ckpt_mmap_lock(ctx, rm->mm, true))
		return ckpt_err(ctx, -EINTR, "interrupted");
	vma = vma_lookup(rm->mm, hv->start);
	if (vma && vma->vm_start != hv->start && vma->vm_end == hv->end) {
		ret = split_vma(rm->mm, vma, hv->start, 1);
		if (ret) {
			ckpt_err(ctx, ret, "splitting the mapping at %#llx",
				 hv->start);
			goto out;
		}
		vma = vma_lookup(rm->mm, hv->start);
	}
	if (!vma || vma->vm_start != hv->start || vma->vm_end != hv->end) {
		ret = ckpt_err(ctx, -EINVAL,
			       "mapping %#llx-%#llx did not land as expected",
			       hv->start, hv->end);
		goto out;
	}
	/*
	 * What madvise() set, set the way madvise_behavior() does (the
	 * mapping is exactly this VMA, so there is nothing to split).
	 */
	if ((hv->vm_flags & CKPT_VM_WIPEONFORK) &&
	    (vma->vm_file || (vma->vm_flags & VM_SHARED))) {
		ret = ckpt_err(ctx, -EINVAL,
			       "mapping %#llx-%#llx: wipe-on-fork on shared memory",
			       hv->start, hv->end);
		goto out;
	}
	vma->vm_flags |= hv->vm_flags & CKPT_VM_ADVISED;
	if (hv->vm_flags & CKPT_VM_HUGEPAGE)
		khugepaged_enter_vma(vma, vma->vm_flags);
	if (hv->vm_flags & CKPT_VM_LOCKED) {
		ret = rst_mlock_vma(rm, vma);
		if (ret)
			goto out;
	}
	if ((vma->vm_flags & CKPT_VM_CHECKED) !=
	    (hv->vm_flags & CKPT_VM_CHECKED))
		ret = ckpt_err(ctx, -EPERM,
			       "mapping %#llx-%#llx got flags %#lx, not %#llx",
			       hv->start, hv->end,
			       vma->vm_flags & CKPT_VM_CHECKED,
			       hv->vm_flags & CKPT_VM_CHECKED);
out:
	ckpt_mmap_unlock(ctx, rm->mm, true);
	return ret;
}

/* Copy @nr pages at @addr (consecutive) from @buf into the new mapping. */
static int rst_copy_pages(struct ckpt_rst_mm *rm, struct file *shm,
			  u64 addr, void *buf, unsigned int nr)
{
	unsigned int gup = FOLL_WRITE, done = 0, i;
	size_t len = (size_t)nr * PAGE_SIZE;
	loff_t pos = addr;
	void *dst;
	ssize_t n;
	long got;

	if (shm) {
		/* addr is the offset in the object; not past its end */
		if (pos >= i_size_read(file_inode(shm)))
			return -EINVAL;
		len = min_t(u64, len, i_size_read(file_inode(shm)) - pos);
		while (len) {
			n = kernel_write(shm, buf, len, &pos);
			if (n <= 0)
				return n ? n : -EIO;
			buf += n;
			len -= n;
		}
		return 0;
	}
	/*
	 * A private mapping: fault the pages in for writing (COWing file
	 * pages) as copy_to_user would, but in one call and, for a mapping
	 * without PROT_WRITE, with FOLL_FORCE as ptrace pokes do: the
	 * protections stay what they are.
	 */
	if (!(rm->hv->vm_flags & CKPT_VM_WRITE))
		gup |= FOLL_FORCE;
	while (done < nr) {
		if (mmap_read_lock_killable(rm->mm))
			return -EINTR;
		got = get_user_pages_remote(rm->mm, addr + done * PAGE_SIZE,
					    nr - done, gup, rm->pages, NULL,
					    NULL);
		mmap_read_unlock(rm->mm);
		if (got <= 0)
			return got ? got : -EFAULT;
		for (i = 0; i < got; i++) {
			dst = kmap_local_page(rm->pages[i]);
			memcpy(dst, buf + (done + i) * PAGE_SIZE, PAGE_SIZE);
			kunmap_local(dst);
			set_page_dirty_lock(rm->pages[i]);
			put_page(rm->pages[i]);
		}
		done += got;
	}
	return 0;
}

/* The PAGES records of the current VMA. */
static int rst_pages(struct ckpt_rst_mm *rm, struct file *shm)
{
	struct ckpt_ctx *ctx = rm->ctx;
	struct ckpt_hdr_vma *hv = rm->hv;
	struct ckpt_hdr_pages hp;
	u64 left = hv->nr_pages;
	u64 lo, hi, next, a;
	unsigned int nr, i, j;
	int len, ret;

	lo = shm ? 0 : hv->start;
	hi = shm ? hv->shm_size : hv->end;
	next = lo;			/* the lowest address allowed next */
	while (left) {
		len = ckpt_read_hdr(ctx, CKPT_HDR_PAGES,
				    sizeof(hp) + sizeof(u64) + PAGE_SIZE,
				    sizeof(hp) + CKPT_PAGES_MAX *
				    (sizeof(u64) + PAGE_SIZE));
		if (len < 0)
			return len;
		ret = ckpt_read_raw(ctx, &hp.nr_pages,
				    sizeof(hp) - offsetof(struct ckpt_hdr_pages,
							  nr_pages));
		if (ret)
			return ret;
		nr = hp.nr_pages;
		if (!nr || nr > CKPT_PAGES_MAX || nr > left ||
		    len != sizeof(hp) + (u64)nr * (sizeof(u64) + PAGE_SIZE))
			return ckpt_err(ctx, -EINVAL,
					"PAGES record of %u pages (%llu left), length %d",
					nr, left, len);
		ret = ckpt_read_raw(ctx, rm->addrs, nr * sizeof(u64));
		if (ret)
			return ret;
		for (i = 0; i < nr; i++) {
			a = rm->addrs[i];
			if (!PAGE_ALIGNED(a) || a < next || a >= hi)
				return ckpt_err(ctx, -EINVAL,
						"page %#llx: not in %#llx-%#llx or out of order",
						a, next, hi);
			next = a + PAGE_SIZE;
		}
		ret = ckpt_read_raw(ctx, ctx->pagebuf, nr * PAGE_SIZE);
		if (!ret)
			ret = ckpt_read_end(ctx, len);
		if (ret)
			return ret;
		for (i = 0; i < nr; i = j) {
			for (j = i + 1; j < nr &&
			     rm->addrs[j] == rm->addrs[i] + (j - i) * PAGE_SIZE; j++)
				;
			ret = rst_copy_pages(rm, shm, rm->addrs[i],
					     ctx->pagebuf + i * PAGE_SIZE, j - i);
			if (ret)
				return ckpt_err(ctx, ret,
						"writing %u pages at %#llx of %s %#llx-%#llx",
						j - i, rm->addrs[i],
						ckpt_vma_kind_name(hv->kind),
						hv->start, hv->end);
		}
		left -= nr;
	}
	return 0;
}

/* The PAGES of a SysV segment (ipc.c), written into its shmem @file. */
int restore_shmem_pages(struct ckpt_ctx *ctx, struct file *file, u64 size,
			u64 nr_pages)
{
	struct ckpt_hdr_vma hv = {
		.kind = CKPT_VMA_SHMEM,
		.shm_size = size,
		.nr_pages = nr_pages,
	};
	struct ckpt_rst_mm rm = { .ctx = ctx, .hv = &hv };
	int ret;

	if (!nr_pages)
		return 0;
	rm.addrs = kmalloc_array(CKPT_PAGES_MAX, sizeof(*rm.addrs), GFP_KERNEL_ACCOUNT);
	if (!rm.addrs)
		return ckpt_err(ctx, -ENOMEM, "no memory for shared memory pages");
	ret = rst_pages(&rm, file);
	kfree(rm.addrs);
	return ret;
}

static unsigned long rst_prot(u64 vm_flags)
{
	return (vm_flags & CKPT_VM_READ ? PROT_READ : 0) |
	       (vm_flags & CKPT_VM_WRITE ? PROT_WRITE : 0) |
	       (vm_flags & CKPT_VM_EXEC ? PROT_EXEC : 0);
}

/* Find or create the shmem object of a SHMEM VMA. */
static struct file *rst_shm_file(struct ckpt_rst_mm *rm, bool *created)
{
	struct ckpt_ctx *ctx = rm->ctx;
	struct ckpt_hdr_vma *hv = rm->hv;
	struct file *file;
	int ret;

	file = ckpt_obj_find_ref(ctx, CKPT_OBJ_SHMEM, hv->shm_ref);
	if (file) {
		if (i_size_read(file_inode(file)) != hv->shm_size ||
		    hv->nr_pages)
			return ERR_PTR(ckpt_err(ctx, -EINVAL,
						"shared memory %u: size or pages differ",
						hv->shm_ref));
		*created = false;
		return file;
	}
	file = shmem_kernel_file_setup(CKPT_SHM_NAME, hv->shm_size,
				       hv->vm_flags & CKPT_VM_NORESERVE ?
				       VM_NORESERVE : 0);
	if (IS_ERR(file))
		return ERR_PTR(ckpt_err(ctx, PTR_ERR(file),
					"creating shared memory %u of %llu bytes",
					hv->shm_ref, hv->shm_size));
	/* on failure the table drops the file */
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_SHMEM, hv->shm_ref, file,
			       ckpt_release_shm_file);
	if (ret)
		return ERR_PTR(ret);
	*created = true;
	return file;
}

/*
 * The shmat() file of a SYSV_SHM VMA: the first VMA of an attachment
 * attaches the segment anywhere (do_shmat: the caller's IPC rights), keeps
 * the file and detaches; every VMA then maps that file where it was, so
 * that the VMAs of one attachment share it and nattch counts each once.
 * The temporary attachment stays until the first VMA is mapped (with
 * shm_rmid_forced a segment at nattch 0 would go); a placeholder keeps it
 * off that VMA's range.
 */
static struct file *rst_sysv_shm_file(struct ckpt_rst_mm *rm)
{
	struct ckpt_ctx *ctx = rm->ctx;
	struct ckpt_hdr_vma *hv = rm->hv;
	struct vm_area_struct *vma;
	unsigned long addr;
	struct file *file;
	long ret;

	file = ckpt_obj_find_ref(ctx, CKPT_OBJ_SHM_ATTACH, hv->shm_ref);
	if (file)
		return file;
	addr = vm_mmap(NULL, hv->start, hv->end - hv->start, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, 0);
	if (IS_ERR_VALUE(addr))
		return ERR_PTR(ckpt_err(ctx, (long)addr, "mapping %#llx-%#llx",
					hv->start, hv->end));
	ret = do_shmat(hv->shm_size, NULL,
		       hv->vm_flags & CKPT_VM_MAYWRITE ? 0 : SHM_RDONLY,
		       &addr, SHMLBA);
	if (vm_munmap(hv->start, hv->end - hv->start) && !ret) {
		ksys_shmdt((char __user *)addr);
		ret = -EINTR;
	}
	if (ret)
		return ERR_PTR(ckpt_err(ctx, ret, "attaching SysV shm %lld",
					hv->shm_size));
	mmap_read_lock(rm->mm);
	vma = vma_lookup(rm->mm, addr);
	file = vma && vma->vm_file ? get_file(vma->vm_file) : NULL;
	mmap_read_unlock(rm->mm);
	if (!file) {
		ksys_shmdt((char __user *)addr);
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"SysV shm %lld: no mapping after shmat",
					hv->shm_size));
	}
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_SHM_ATTACH, hv->shm_ref, file,
			       ckpt_release_shm_file);
	if (ret) {
		ksys_shmdt((char __user *)addr);
		return ERR_PTR(ret);
	}
	rm->shm_tmp = addr;	/* detached once the VMA is mapped */
	return file;
}

static int rst_vma(struct ckpt_rst_mm *rm)
{
	struct ckpt_ctx *ctx = rm->ctx;
	struct ckpt_hdr_vma *hv = rm->hv;
	unsigned long flags = MAP_FIXED_NOREPLACE;
	struct file *file = NULL, *shm = NULL;
	bool created = false;
	unsigned long addr;
	char what[48];
	int len, ret;

	/* the INODE objects first used by this mapping (ghost.c) */
	for (;;) {
		len = ckpt_peek_type(ctx);
		if (len < 0)
			return len;
		if (len != CKPT_HDR_INODE)
			break;
		ret = restore_ghost_obj(ctx);
		if (ret)
			return ret;
	}
	len = ckpt_read_record(ctx, CKPT_HDR_VMA, hv, sizeof(*hv),
			       sizeof(*hv) + CKPT_PATH_MAX);
	if (len < 0)
		return len;
	ret = rst_check_vma(rm, len);
	if (ret)
		return ret;
	rm->prev_end = hv->end;

	if (hv->vm_flags & CKPT_VM_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (hv->vm_flags & CKPT_VM_NORESERVE)
		flags |= MAP_NORESERVE;
	flags |= hv->vm_flags & CKPT_VM_MAYSHARE ? MAP_SHARED : MAP_PRIVATE;

	switch (hv->kind) {
	case CKPT_VMA_VDSO:
	case CKPT_VMA_VVAR:
		if (hv->kind == CKPT_VMA_VDSO ? rm->vdso_end : rm->vvar_end)
			return ckpt_err(ctx, -EINVAL, "two %s mappings",
					ckpt_vma_kind_name(hv->kind));
		if (hv->kind == CKPT_VMA_VDSO) {
			rm->vdso_start = hv->start;
			rm->vdso_end = hv->end;
		} else {
			rm->vvar_start = hv->start;
			rm->vvar_end = hv->end;
		}
		return 0;	/* mapped at the end */
	case CKPT_VMA_ANON:
		flags |= MAP_ANONYMOUS;
		break;
	case CKPT_VMA_FILE:
		snprintf(what, sizeof(what), "mapping at %#llx-%#llx",
			 hv->start, hv->end);
		file = restore_open_path(ctx, (char *)(hv + 1),
					 (hv->vm_flags & CKPT_VM_MAYSHARE) &&
					 (hv->vm_flags & CKPT_VM_MAYWRITE) ?
					 O_RDWR : O_RDONLY, S_IFREG, 0,
					 &hv->file_id, what);
		if (IS_ERR(file))
			return PTR_ERR(file);
		break;
	case CKPT_VMA_INODE:
		snprintf(what, sizeof(what), "mapping at %#llx-%#llx",
			 hv->start, hv->end);
		file = restore_ghost_open(ctx, hv->shm_ref,
					  ((hv->vm_flags & CKPT_VM_MAYSHARE) &&
					   (hv->vm_flags & CKPT_VM_MAYWRITE) ?
					   O_RDWR : O_RDONLY) | O_LARGEFILE,
					  what);
		if (IS_ERR(file))
			return PTR_ERR(file);
		break;
	case CKPT_VMA_SHMEM:
		shm = rst_shm_file(rm, &created);
		if (IS_ERR(shm))
			return PTR_ERR(shm);
		file = shm;
		break;
	case CKPT_VMA_SYSV_SHM:
		shm = rst_sysv_shm_file(rm);
		if (IS_ERR(shm))
			return PTR_ERR(shm);
		file = shm;
		break;
	}

	addr = vm_mmap(file, hv->start, hv->end - hv->start,
		       rst_prot(hv->vm_flags), flags,
		       file ? hv->pgoff << PAGE_SHIFT : 0);
	if (file && file != shm)
		fput(file);
	if (rm->shm_tmp) {
		ret = ksys_shmdt((char __user *)rm->shm_tmp);
		rm->shm_tmp = 0;
		if (ret && !IS_ERR_VALUE(addr))
			return ckpt_err(ctx, ret, "detaching SysV shm %lld",
					hv->shm_size);
	}
	if (IS_ERR_VALUE(addr))
		return ckpt_err(ctx, (long)addr, "mapping %s %#llx-%#llx%s%s",
				ckpt_vma_kind_name(hv->kind),
				hv->start, hv->end,
				hv->kind == CKPT_VMA_FILE ? " of " : "",
				hv->kind == CKPT_VMA_FILE ? (char *)(hv + 1) : "");
	if (addr != hv->start)
		return ckpt_err(ctx, -EINVAL, "mapping %#llx landed at %#lx",
				hv->start, addr);
	ret = rst_fixup_vma(rm);
	if (!ret && hv->nr_pages)
		ret = rst_pages(rm, created ? shm : NULL);
	/*
	 * As mlockall() and MAP_LOCKED: the whole mapping is faulted in,
	 * unless MLOCK_ONFAULT, at best effort (a locked PROT_NONE guard
	 * page or a file page past EOF does not fault in, and stays locked).
	 */
	if (!ret && (hv->vm_flags & CKPT_VM_MLOCK) == CKPT_VM_LOCKED)
		__mm_populate(hv->start, hv->end - hv->start, 1);
	return ret;
}

static bool rst_is_special(struct mm_struct *mm, unsigned long start,
			   unsigned long end, const char *name)
{
	struct vm_area_struct *vma = vma_lookup(mm, start);
	const char *vname = NULL;

	if (vma && vma->vm_ops && vma->vm_ops->name)
		vname = vma->vm_ops->name(vma);
	return vname && !strcmp(vname, name) && vma->vm_start == start &&
	       vma->vm_end == end;
}

/* Map the vdso where it was and check it has the saved layout. */
static int rst_vdso(struct ckpt_rst_mm *rm, struct ckpt_hdr_mm *hm)
{
	struct ckpt_ctx *ctx = rm->ctx;
	bool ok;
	int ret;

	if (!rm->vdso_end && !rm->vvar_end)
		return 0;
	if (!rm->vdso_end || !rm->vvar_end || rm->vdso_start != hm->vdso)
		return ckpt_err(ctx, -EINVAL,
				"vdso %#lx-%#lx / vvar %#lx-%#lx do not match the mm (%#llx)",
				rm->vdso_start, rm->vdso_end, rm->vvar_start,
				rm->vvar_end, hm->vdso);
	ret = restore_arch_vdso(ctx, rm->vdso_start);
	if (ret)
		return ret;
	mmap_read_lock(rm->mm);
	ok = rst_is_special(rm->mm, rm->vdso_start, rm->vdso_end, "[vdso]") &&
	     rst_is_special(rm->mm, rm->vvar_start, rm->vvar_end, "[vvar]");
	mmap_read_unlock(rm->mm);
	if (!ok)
		return ckpt_err(ctx, -EINVAL,
				"this kernel's vdso/vvar do not fit %#lx-%#lx/%#lx-%#lx",
				rm->vdso_start, rm->vdso_end, rm->vvar_start,
				rm->vvar_end);
	return 0;
}

/* The mm fields, as prctl_set_mm_map() sets them. */
static int rst_mm_fields(struct ckpt_rst_mm *rm, struct ckpt_hdr_mm *hm)
{
	struct mm_struct *mm = rm->mm;
	unsigned int i;

	memset(rm->auxv, 0, sizeof(rm->auxv));
	for (i = 0; i < hm->auxv_words; i++)
		rm->auxv[i] = hm->auxv[i];
	rm->auxv[AT_VECTOR_SIZE - 2] = AT_NULL;
	rm->auxv[AT_VECTOR_SIZE - 1] = AT_NULL;

	if (mmap_write_lock_killable(mm))
		return ckpt_err(rm->ctx, -EINTR, "interrupted");
	spin_lock(&mm->arg_lock);
	mm->start_code = hm->start_code;
	mm->end_code = hm->end_code;
	mm->start_data = hm->start_data;
	mm->end_data = hm->end_data;
	mm->start_brk = hm->start_brk;
	mm->brk = hm->brk;
	mm->start_stack = hm->start_stack;
	mm->arg_start = hm->arg_start;
	mm->arg_end = hm->arg_end;
	mm->env_start = hm->env_start;
	mm->env_end = hm->env_end;
	spin_unlock(&mm->arg_lock);
	memcpy(mm->saved_auxv, rm->auxv, sizeof(mm->saved_auxv));
	/* checked by rst_check_mm_state(); the mm may not have the caller's */
	mm->def_flags &= VM_LOCKED_CLEAR_MASK;
	if (hm->flags & CKPT_MM_MCL_FUTURE)
		mm->def_flags |= VM_LOCKED;
	if (hm->flags & CKPT_MM_MCL_ONFAULT)
		mm->def_flags |= VM_LOCKONFAULT;
#ifdef CONFIG_MEMBARRIER
	/*
	 * The registrations of the address space: only this task uses it
	 * yet (its threads adopt it later, rst_switch_mm()), so the run
	 * queue it runs on is the only one to update.
	 */
	atomic_set(&mm->membarrier_state, hm->membarrier);
	preempt_disable();
	membarrier_update_current_mm(mm);
	preempt_enable();
#endif
	mmap_write_unlock(mm);
	return 0;
}

/*
 * Make @mm the address space of current, as exec_mmap() does: the old one
 * is released (a vfork parent is woken, as by exec), nothing of it stays.
 * Threads of a restored process call this with the mm their leader built.
 */
static int rst_switch_mm(struct mm_struct *mm, bool fresh)
{
	struct task_struct *tsk = current;
	struct mm_struct *old_mm = tsk->mm, *active_mm;
	int ret;

	exec_mm_release(tsk, old_mm);
	sync_mm_rss(old_mm);
	/* as exec: ptrace and mm_access() see the old or the new mm whole */
	ret = down_write_killable(&tsk->signal->exec_update_lock);
	if (ret)
		return ret;
	ret = mmap_read_lock_killable(old_mm);
	if (ret) {
		up_write(&tsk->signal->exec_update_lock);
		return ret;
	}
	task_lock(tsk);
	/* a thread joins its leader's mm: its membarrier state is the mm's */
	if (fresh)
		membarrier_exec_mmap(mm);
	else
		membarrier_update_current_mm(mm);
	local_irq_disable();
	active_mm = tsk->active_mm;
	tsk->active_mm = mm;
	tsk->mm = mm;
	if (!IS_ENABLED(CONFIG_ARCH_WANT_IRQS_OFF_ACTIVATE_MM))
		local_irq_enable();
	activate_mm(active_mm, mm);
	if (IS_ENABLED(CONFIG_ARCH_WANT_IRQS_OFF_ACTIVATE_MM))
		local_irq_enable();
	if (fresh)		/* once per mm: it is a list node */
		lru_gen_add_mm(mm);
	task_unlock(tsk);
	lru_gen_use_mm(mm);
	mmap_read_unlock(old_mm);
	up_write(&tsk->signal->exec_update_lock);
	setmax_mm_hiwater_rss(&tsk->signal->maxrss, old_mm);
	mm_update_next_owner(old_mm);
	mmput(old_mm);
	return 0;
}

static void ckpt_release_mm(void *ptr)
{
	mmput(ptr);
}

/*
 * A fresh, empty address space for current, built the way exec builds
 * one (mm_alloc, then the mmap layout setup_new_exec() picks), so that
 * nothing of the caller's (mlockall's def_flags, an LDT, protection keys,
 * aio contexts, mappings) leaks into the restored process.
 */
static int rst_new_mm(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt,
		      struct ckpt_hdr_mm *hm, struct file *exe)
{
	unsigned int personality, random, i;
	struct rlimit stack;
	struct mm_struct *mm;
	int ret;

	mm = mm_alloc();
	if (!mm)
		return ckpt_err(ctx, -ENOMEM, "no memory for an address space");
	/*
	 * mm_alloc() copied the caller's MMF_INIT_MASK bits: the image's
	 * PR_SET_THP_DISABLE and coredump filter (rst_check_mm_state())
	 * apply before any mapping or page is made, for khugepaged and the
	 * THP fault path.
	 */
	if (hm->flags & CKPT_MM_THP_DISABLE)
		set_bit(MMF_DISABLE_THP, &mm->flags);
	else
		clear_bit(MMF_DISABLE_THP, &mm->flags);
	for (i = 0; i < MMF_DUMP_FILTER_BITS; i++) {
		if (hm->coredump_filter & (1U << i))
			set_bit(i + MMF_DUMP_FILTER_SHIFT, &mm->flags);
		else
			clear_bit(i + MMF_DUMP_FILTER_SHIFT, &mm->flags);
	}
	restore_arch_mm(mm);
	/* nobody else sees mm yet */
	ret = set_mm_exe_file(mm, exe);
	if (ret) {
		mmput(mm);
		return ckpt_err(ctx, ret, "setting the exe link");
	}
	ret = rst_switch_mm(mm, true);
	if (ret) {
		mmput(mm);
		return ckpt_err(ctx, -EINTR, "interrupted");
	}
	/*
	 * The layout exec picked for the task: from the image's stack limit,
	 * its ADDR_COMPAT_LAYOUT personality (legacy bottom-up layout) and
	 * whether it was randomized (PF_RANDOMIZE, set again for good by the
	 * task's finish step).
	 */
	stack.rlim_cur = rt->task->rlim[RLIMIT_STACK].cur;
	stack.rlim_max = rt->task->rlim[RLIMIT_STACK].max;
	personality = current->personality;
	random = current->flags & PF_RANDOMIZE;
	current->personality = rt->task->personality;
	current->flags &= ~PF_RANDOMIZE;
	if (rt->task->flags & CKPT_TASKF_RANDOMIZE)
		current->flags |= PF_RANDOMIZE;
	arch_pick_mmap_layout(mm, &stack);
	current->personality = personality;
	current->flags = (current->flags & ~PF_RANDOMIZE) | random;
	mm->task_size = TASK_SIZE;
	return 0;
}

static int rst_mm(struct ckpt_rst_mm *rm, struct ckpt_hdr_mm *hm,
		  struct ckpt_rst_task *rt)
{
	struct ckpt_ctx *ctx = rm->ctx;
	unsigned int personality = current->personality;
	struct file *exe = NULL;
	unsigned int i;
	int ret;

	rm->memlock_limit = rt->task->rlim[RLIMIT_MEMLOCK].cur;
	/*
	 * The link is what prctl(PR_SET_MM_MAP) sets with
	 * CAP_CHECKPOINT_RESTORE in the caller's user namespace, for the
	 * caller (its real credentials, not the restored task's we run with;
	 * has_ns_capability() neither audits nor sets PF_SUPERPRIV): without
	 * it the process runs without an exe link.
	 */
	if (hm->exe_len &&
	    !has_ns_capability(current, current_real_cred()->user_ns,
			       CAP_CHECKPOINT_RESTORE) &&
	    !has_ns_capability(current, current_real_cred()->user_ns,
			       CAP_SYS_ADMIN)) {
		ckpt_log(ctx, "%s: no exe link (it needs CAP_CHECKPOINT_RESTORE)",
			 (char *)(hm + 1));
	} else if (hm->exe_len) {
		exe = rst_open_exe(ctx, hm);
		if (IS_ERR(exe))
			return PTR_ERR(exe);
	} else {
		ckpt_log(ctx, "no executable recorded: no exe link");
	}

	/* the point where the old address space goes */
	ret = rst_new_mm(ctx, rt, hm, exe);
	if (ret)
		goto out;
	rm->mm = current->mm;

	/* the mappings get exactly the saved protections */
	current->personality &= ~READ_IMPLIES_EXEC;
	for (i = 0; !ret && i < hm->nr_vmas; i++)
		ret = rst_vma(rm);
	current->personality = personality;
	if (!ret)
		ret = rst_vdso(rm, hm);
	if (!ret)
		ret = rst_mm_fields(rm, hm);
out:
	if (exe)
		fput(exe);
	return ret;
}

int restore_mm(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_rst_mm *rm;
	struct ckpt_hdr_mm *hm;
	struct mm_struct *mm;
	u32 len;
	int ret;

	if (!(rt->first & CKPT_FIRST_MM)) {
		/* a thread: its leader built the address space */
		mm = ckpt_obj_find_ref(ctx, CKPT_OBJ_MM, rt->entry->mm_ref);
		if (!mm)
			return ckpt_err(ctx, -EINVAL, "MM %u was not restored",
					rt->entry->mm_ref);
		if (current->mm == mm)
			return 0;
		mmget(mm);
		ret = rst_switch_mm(mm, false);
		if (ret) {
			mmput(mm);
			return ckpt_err(ctx, -EINTR, "interrupted");
		}
		return 0;
	}

	hm = ckpt_read_record_alloc(ctx, CKPT_HDR_MM, sizeof(*hm),
				    sizeof(*hm) + CKPT_PATH_MAX, &len);
	if (IS_ERR(hm))
		return PTR_ERR(hm);
	ret = rst_check_mm(ctx, hm, len);
	if (!ret)
		ret = rst_check_mm_state(ctx, hm, rt);
	if (!ret && hm->objref != rt->entry->mm_ref)
		ret = ckpt_err(ctx, -EINVAL, "MM %u where the TREE has %u",
			       hm->objref, rt->entry->mm_ref);
	if (ret)
		goto out_hm;

	rm = kzalloc(sizeof(*rm), GFP_KERNEL_ACCOUNT);
	if (rm) {
		rm->ctx = ctx;
		rm->hv = kmalloc(sizeof(*rm->hv) + CKPT_PATH_MAX, GFP_KERNEL_ACCOUNT);
		rm->addrs = kmalloc_array(CKPT_PAGES_MAX, sizeof(*rm->addrs),
					  GFP_KERNEL_ACCOUNT);
		rm->pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*rm->pages),
					  GFP_KERNEL_ACCOUNT);
	}
	if (rm && rm->hv && rm->addrs && rm->pages)
		ret = rst_mm(rm, hm, rt);
	else
		ret = ckpt_err(ctx, -ENOMEM, "no memory to restore the mm");
	if (!ret) {
		/* the threads of this process adopt it */
		mm = current->mm;
		mmget(mm);
		ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_MM, rt->entry->mm_ref, mm,
				       ckpt_release_mm);
	}
	if (rm) {
		kfree(rm->pages);
		kfree(rm->addrs);
		kfree(rm->hv);
		kfree(rm);
	}
out_hm:
	kvfree(hm);
	return ret;
}
