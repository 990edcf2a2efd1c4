// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: the table of shared objects.
 *
 * At checkpoint an object (an open file, a pipe, a shared memory object)
 * is looked up by its kernel pointer; the first lookup gives it a new
 * objref and its record is written then, later ones only refer to it.
 * At restart the object rebuilt from that record is found by objref.
 * Each entry holds a reference on its object, dropped when the context
 * goes away.
 *
 * The table has two hashes, by pointer (checkpoint only) and by objref.
 * Each starts small and doubles when it holds more objects than buckets
 * (up to 1 << CKPT_OBJ_HASH_MAX), so a lookup stays O(1) up to the image's
 * limits (a million files).  Buckets are charged to the caller's memory
 * cgroup like the entries; a table that can not grow keeps working with
 * longer chains.  At restart there is one entry per object rebuilt, so the
 * table is bounded by what the image restores.
 *
 * Locking: during a checkpoint only the caller uses the table; during a
 * restart only the task whose turn it is, so no lock is needed.
 */
#include <linux/checkpoint.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

static inline u32 obj_ptr_bucket(const void *ptr, unsigned int bits)
{
	return hash_ptr(ptr, bits);
}

static inline u32 obj_ref_bucket(u32 objref, unsigned int bits)
{
	return hash_32(objref, bits);
}

static struct hlist_head *obj_heads_alloc(unsigned int bits)
{
	struct hlist_head *heads;
	size_t i, n = 1UL << bits;

	/* sized by the image's objects: over the memcg limit, just no growth */
	heads = kvmalloc_array(n, sizeof(*heads), CKPT_GFP_IMAGE);
	if (!heads)
		return NULL;
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&heads[i]);
	return heads;
}

static int obj_hash_init(struct ckpt_obj_hash *h)
{
	h->bits = CKPT_OBJ_HASH_BITS;
	h->nr = 0;
	h->heads = obj_heads_alloc(h->bits);
	return h->heads ? 0 : -ENOMEM;
}

int ckpt_obj_table_init(struct ckpt_ctx *ctx)
{
	int ret = obj_hash_init(&ctx->obj_by_ref);

	if (!ret && !ctx->is_restart)
		ret = obj_hash_init(&ctx->obj_by_ptr);
	return ret;
}

void ckpt_obj_table_free(struct ckpt_ctx *ctx)
{
	kvfree(ctx->obj_by_ptr.heads);
	ctx->obj_by_ptr.heads = NULL;
	kvfree(ctx->obj_by_ref.heads);
	ctx->obj_by_ref.heads = NULL;
}

/*
 * Double @h when it holds more objects than buckets.  On no memory the
 * table stays as it is: lookups only get slower.
 */
static void obj_hash_grow(struct ckpt_obj_hash *h, bool by_ref)
{
	unsigned int bits = h->bits + 1;
	struct hlist_head *heads;
	struct hlist_node *tmp;
	struct ckpt_obj *obj;
	size_t i, n = 1UL << h->bits;

	if (h->nr <= n || h->bits >= CKPT_OBJ_HASH_MAX)
		return;
	heads = obj_heads_alloc(bits);
	if (!heads)
		return;
	for (i = 0; i < n; i++) {
		if (by_ref) {
			hlist_for_each_entry_safe(obj, tmp, &h->heads[i], by_ref) {
				hlist_del(&obj->by_ref);
				hlist_add_head(&obj->by_ref,
					       &heads[obj_ref_bucket(obj->objref, bits)]);
			}
		} else {
			hlist_for_each_entry_safe(obj, tmp, &h->heads[i], by_ptr) {
				hlist_del(&obj->by_ptr);
				hlist_add_head(&obj->by_ptr,
					       &heads[obj_ptr_bucket(obj->ptr, bits)]);
			}
		}
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(h->heads);
	h->heads = heads;
	h->bits = bits;
}

static void obj_hash_add_ptr(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_obj_hash *h = &ctx->obj_by_ptr;

	hlist_add_head(&obj->by_ptr, &h->heads[obj_ptr_bucket(obj->ptr, h->bits)]);
	h->nr++;
	obj_hash_grow(h, false);
}

static void obj_hash_add_ref(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_obj_hash *h = &ctx->obj_by_ref;

	hlist_add_head(&obj->by_ref,
		       &h->heads[obj_ref_bucket(obj->objref, h->bits)]);
	h->nr++;
	obj_hash_grow(h, true);
}

static inline struct hlist_head *obj_ref_head(struct ckpt_ctx *ctx, u32 objref)
{
	return &ctx->obj_by_ref.heads[obj_ref_bucket(objref, ctx->obj_by_ref.bits)];
}

struct ckpt_obj *ckpt_obj_find_ptr(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_obj_hash *h = &ctx->obj_by_ptr;
	struct ckpt_obj *obj;

	if (WARN_ON_ONCE(!h->heads))
		return NULL;
	hlist_for_each_entry(obj, &h->heads[obj_ptr_bucket(ptr, h->bits)], by_ptr)
		if (obj->ptr == ptr)
			return obj;
	return NULL;
}

/* Returns the new entry (with a fresh objref), or an ERR_PTR. */
struct ckpt_obj *ckpt_obj_add_ptr(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
				  void *ptr, void (*release)(void *ptr))
{
	struct ckpt_obj *obj;

	if (WARN_ON_ONCE(!ctx->obj_by_ptr.heads))
		return ERR_PTR(-EINVAL);
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	obj->ptr = ptr;
	obj->release = release;
	obj->objref = ctx->next_objref++;
	obj_hash_add_ptr(ctx, obj);
	obj_hash_add_ref(ctx, obj);
	return obj;
}

struct ckpt_obj *ckpt_obj_lookup_ref(struct ckpt_ctx *ctx, u32 objref)
{
	struct ckpt_obj *obj;

	hlist_for_each_entry(obj, obj_ref_head(ctx, objref), by_ref)
		if (obj->objref == objref)
			return obj;
	return NULL;
}

void *ckpt_obj_find_ref(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
			u32 objref)
{
	struct ckpt_obj *obj = ckpt_obj_lookup_ref(ctx, objref);

	return obj && obj->type == type ? obj->ptr : NULL;
}

/*
 * Restart: record the object rebuilt for @objref.  On success the table
 * owns the reference on @ptr; on failure @release is called on it.
 */
int ckpt_obj_add_ref(struct ckpt_ctx *ctx, enum ckpt_obj_type type, u32 objref,
		     void *ptr, void (*release)(void *ptr))
{
	struct ckpt_obj *obj;

	if (ckpt_obj_lookup_ref(ctx, objref)) {
		if (release)
			release(ptr);
		return ckpt_err(ctx, -EINVAL, "object %u defined twice", objref);
	}
	if (!objref) {
		if (release)
			release(ptr);
		return ckpt_err(ctx, -EINVAL, "object id 0 is invalid");
	}
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj) {
		if (release)
			release(ptr);
		return ckpt_err(ctx, -ENOMEM, "no memory for object %u", objref);
	}
	obj->type = type;
	obj->ptr = ptr;
	obj->release = release;
	obj->objref = objref;
	INIT_HLIST_NODE(&obj->by_ptr);
	obj_hash_add_ref(ctx, obj);
	return 0;
}

/* The longest chain of @h: its lookups visit at most that many entries. */
static unsigned int obj_hash_longest(struct ckpt_obj_hash *h)
{
	unsigned int longest = 0, len;
	struct hlist_node *node;
	size_t i;

	for (i = 0; h->heads && i < (1UL << h->bits); i++) {
		len = 0;
		hlist_for_each(node, &h->heads[i])
			len++;
		longest = max(longest, len);
		if (!(i & 1023))
			cond_resched();
	}
	return longest;
}

/* One log line on how the table did (the scale tests check it). */
static void ckpt_obj_log_stats(struct ckpt_ctx *ctx)
{
	struct ckpt_obj_hash *r = &ctx->obj_by_ref, *p = &ctx->obj_by_ptr;

	if (ctx->is_restart)
		ckpt_log(ctx, "object table: %u objects, %lu buckets, longest chain %u",
			 r->nr, 1UL << r->bits, obj_hash_longest(r));
	else
		ckpt_log(ctx,
			 "object table: %u objects, %lu buckets, longest chain %u (by address: %lu buckets, longest chain %u)",
			 r->nr, 1UL << r->bits, obj_hash_longest(r),
			 1UL << p->bits, obj_hash_longest(p));
}

void ckpt_obj_release_all(struct ckpt_ctx *ctx)
{
	struct ckpt_obj_hash *h = &ctx->obj_by_ref;
	struct ckpt_obj *obj;
	struct hlist_node *tmp;
	size_t i;

	if (!h->heads || !h->nr)
		return;
	ckpt_obj_log_stats(ctx);
	for (i = 0; i < (1UL << h->bits); i++) {
		hlist_for_each_entry_safe(obj, tmp, &h->heads[i], by_ref) {
			hlist_del(&obj->by_ref);
			if (!hlist_unhashed(&obj->by_ptr))
				hlist_del(&obj->by_ptr);
			if (obj->release)
				obj->release(obj->ptr);
			kfree(obj);
			cond_resched();
		}
	}
	h->nr = 0;
	ctx->obj_by_ptr.nr = 0;
}
