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
 * Locking: during a checkpoint only the caller uses the table; during a
 * restart only the task whose turn it is, so no lock is needed.
 */
#include <linux/checkpoint.h>
#include <linux/slab.h>

struct ckpt_obj *ckpt_obj_find_ptr(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_by_ptr, obj, by_ptr, (unsigned long)ptr)
		if (obj->ptr == ptr)
			return obj;
	return NULL;
}

/* Returns the new entry (with a fresh objref), or an ERR_PTR. */
struct ckpt_obj *ckpt_obj_add_ptr(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
				  void *ptr, void (*release)(void *ptr))
{
	struct ckpt_obj *obj;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	obj->ptr = ptr;
	obj->release = release;
	obj->objref = ctx->next_objref++;
	hash_add(ctx->obj_by_ptr, &obj->by_ptr, (unsigned long)ptr);
	hash_add(ctx->obj_by_ref, &obj->by_ref, obj->objref);
	return obj;
}

struct ckpt_obj *ckpt_obj_lookup_ref(struct ckpt_ctx *ctx, u32 objref)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_by_ref, obj, by_ref, objref)
		if (obj->objref == objref)
			return obj;
	return NULL;
}

void *ckpt_obj_find_ref(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
			u32 objref)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_by_ref, obj, by_ref, objref)
		if (obj->objref == objref)
			return obj->type == type ? obj->ptr : NULL;
	return NULL;
}

/*
 * Restart: record the object rebuilt for @objref.  On success the table
 * owns the reference on @ptr; on failure @release is called on it.
 */
int ckpt_obj_add_ref(struct ckpt_ctx *ctx, enum ckpt_obj_type type, u32 objref,
		     void *ptr, void (*release)(void *ptr))
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_by_ref, obj, by_ref, objref) {
		if (obj->objref == objref) {
			if (release)
				release(ptr);
			return ckpt_err(ctx, -EINVAL,
					"object %u defined twice", objref);
		}
	}
	if (!objref) {
		if (release)
			release(ptr);
		return ckpt_err(ctx, -EINVAL, "object id 0 is invalid");
	}
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj) {
		if (release)
			release(ptr);
		return ckpt_err(ctx, -ENOMEM, "no memory for objects");
	}
	obj->type = type;
	obj->ptr = ptr;
	obj->release = release;
	obj->objref = objref;
	INIT_HLIST_NODE(&obj->by_ptr);
	hash_add(ctx->obj_by_ref, &obj->by_ref, objref);
	return 0;
}

void ckpt_obj_release_all(struct ckpt_ctx *ctx)
{
	struct hlist_node *tmp;
	struct ckpt_obj *obj;
	int bkt;

	hash_for_each_safe(ctx->obj_by_ref, bkt, tmp, obj, by_ref) {
		hash_del(&obj->by_ref);
		if (!hlist_unhashed(&obj->by_ptr))
			hash_del(&obj->by_ptr);
		if (obj->release)
			obj->release(obj->ptr);
		kfree(obj);
	}
}
