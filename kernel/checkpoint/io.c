// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: the record stream.
 *
 * Records are written and read strictly in sequence; nothing seeks, so the
 * image can be a pipe or a socket.  Every byte before the TAIL record is
 * folded into ctx->crc as it goes by.  Small records are gathered in
 * ctx->wbuf; large payloads (page batches) go to the file directly.
 *
 * No locks: during a checkpoint only the caller uses the stream, during a
 * restart only the task whose turn it is (see restart.c).
 */
#include <linux/checkpoint.h>
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

static const char * const ckpt_record_names[CKPT_HDR_TYPE_MAX + 1] = {
	[CKPT_HDR_HEADER]	= "HEADER",
	[CKPT_HDR_TREE]		= "TREE",
	[CKPT_HDR_TAIL]		= "TAIL",
	[CKPT_HDR_TASK]		= "TASK",
	[CKPT_HDR_CREDS]	= "CREDS",
	[CKPT_HDR_FS]		= "FS",
	[CKPT_HDR_FILES]	= "FILES",
	[CKPT_HDR_FD]		= "FD",
	[CKPT_HDR_FILE]		= "FILE",
	[CKPT_HDR_PIPE]		= "PIPE",
	[CKPT_HDR_PIPE_DATA]	= "PIPE_DATA",
	[CKPT_HDR_MM]		= "MM",
	[CKPT_HDR_VMA]		= "VMA",
	[CKPT_HDR_PAGES]	= "PAGES",
	[CKPT_HDR_SIGHAND]	= "SIGHAND",
	[CKPT_HDR_SIGNAL]	= "SIGNAL",
	[CKPT_HDR_SIGINFO]	= "SIGINFO",
	[CKPT_HDR_CPU]		= "CPU",
	[CKPT_HDR_FPU]		= "FPU",
	[CKPT_HDR_IPC_NS]	= "IPC_NS",
	[CKPT_HDR_IPC_SHM]	= "IPC_SHM",
	[CKPT_HDR_IPC_MSQ]	= "IPC_MSQ",
	[CKPT_HDR_IPC_MSG]	= "IPC_MSG",
	[CKPT_HDR_IPC_SEM]	= "IPC_SEM",
	[CKPT_HDR_SEM_UNDO]	= "SEM_UNDO",
	[CKPT_HDR_SEM_ADJ]	= "SEM_ADJ",
	[CKPT_HDR_INODE]	= "INODE",
	[CKPT_HDR_INODE_DATA]	= "INODE_DATA",
	[CKPT_HDR_EVENTFD]	= "EVENTFD",
	[CKPT_HDR_SIGNALFD]	= "SIGNALFD",
	[CKPT_HDR_TIMERFD]	= "TIMERFD",
	[CKPT_HDR_INOTIFY]	= "INOTIFY",
	[CKPT_HDR_INOTIFY_WATCH] = "INOTIFY_WATCH",
	[CKPT_HDR_INOTIFY_EVENT] = "INOTIFY_EVENT",
	[CKPT_HDR_EPOLL]	= "EPOLL",
	[CKPT_HDR_EPOLL_ITEM]	= "EPOLL_ITEM",
	[CKPT_HDR_UNIX]		= "UNIX",
	[CKPT_HDR_UNIX_SKB]	= "UNIX_SKB",
	[CKPT_HDR_TTY]		= "TTY",
	[CKPT_HDR_TTY_DATA]	= "TTY_DATA",
	[CKPT_HDR_ITIMERS]	= "ITIMERS",
	[CKPT_HDR_POSIX_TIMER]	= "POSIX_TIMER",
	[CKPT_HDR_FILE_LOCK]	= "FILE_LOCK",
};

const char *ckpt_record_name(u32 type)
{
	if (type <= CKPT_HDR_TYPE_MAX && ckpt_record_names[type])
		return ckpt_record_names[type];
	return "unknown";
}

static loff_t *ckpt_image_pos(struct file *file)
{
	return (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;
}

/* Write all of buf to the image, retrying short writes. */
static int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = kernel_write(ctx->file, buf, len,
					 ckpt_image_pos(ctx->file));

		if (n == -ERESTARTSYS)
			n = -EINTR;
		if (n < 0)
			return ckpt_err(ctx, n, "writing the image at offset %lld",
					ctx->pos);
		if (n == 0)
			return ckpt_err(ctx, -EIO, "image write made no progress");
		buf += n;
		len -= n;
	}
	return 0;
}

int ckpt_flush(struct ckpt_ctx *ctx)
{
	int ret;

	if (!ctx->wbuf_used)
		return 0;
	ret = ckpt_kwrite(ctx, ctx->wbuf, ctx->wbuf_used);
	ctx->wbuf_used = 0;
	return ret;
}

int ckpt_write_raw(struct ckpt_ctx *ctx, const void *data, size_t len)
{
	int ret;

	if (ctx->error)
		return ctx->error;
	ctx->crc = crc32_le(ctx->crc, data, len);
	ctx->pos += len;
	if (len >= CKPT_WBUF_SIZE / 2) {
		ret = ckpt_flush(ctx);
		return ret ? ret : ckpt_kwrite(ctx, data, len);
	}
	if (ctx->wbuf_used + len > CKPT_WBUF_SIZE) {
		ret = ckpt_flush(ctx);
		if (ret)
			return ret;
	}
	memcpy(ctx->wbuf + ctx->wbuf_used, data, len);
	ctx->wbuf_used += len;
	return 0;
}

int ckpt_write_begin(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len,
		     u64 payload_len)
{
	struct ckpt_hdr *h = rec;

	if (WARN_ON_ONCE(len < sizeof(*h)) ||
	    len + payload_len > U32_MAX)
		return ckpt_err(ctx, -E2BIG, "%s record too large",
				ckpt_record_name(type));
	h->type = type;
	h->len = len + payload_len;
	ctx->rec_start = ctx->pos;
	return ckpt_write_raw(ctx, rec, len);
}

int ckpt_write_end(struct ckpt_ctx *ctx, u64 total_len)
{
	static const u8 zeros[CKPT_ALIGN];
	u64 pad;

	if (ctx->error)
		return ctx->error;
	if (WARN_ON_ONCE(ctx->pos - ctx->rec_start != total_len))
		return ckpt_err(ctx, -EINVAL, "record length mismatch");
	pad = CKPT_ALIGN_UP(total_len) - total_len;
	ctx->nr_records++;
	/* one record per fd, VMA or page batch: long loops reschedule here */
	cond_resched();
	return pad ? ckpt_write_raw(ctx, zeros, pad) : 0;
}

int ckpt_write_record(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len)
{
	int ret = ckpt_write_begin(ctx, type, rec, len, 0);

	return ret ? ret : ckpt_write_end(ctx, len);
}

int ckpt_write_record_payload(struct ckpt_ctx *ctx, u32 type, void *rec,
			      u32 len, const void *payload, u32 plen)
{
	int ret = ckpt_write_begin(ctx, type, rec, len, plen);

	if (!ret && plen)
		ret = ckpt_write_raw(ctx, payload, plen);
	return ret ? ret : ckpt_write_end(ctx, (u64)len + plen);
}

/* Read exactly len bytes; the end of the stream here is a truncated image. */
static int ckpt_kread(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	while (len) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return ckpt_err(ctx, -EINTR, "interrupted");
		n = kernel_read(ctx->file, buf, len, ckpt_image_pos(ctx->file));
		if (n == -ERESTARTSYS)
			n = -EINTR;
		if (n < 0)
			return ckpt_err(ctx, n, "reading the image at offset %lld",
					ctx->pos);
		if (n == 0)
			return ckpt_err(ctx, -EINVAL,
					"image truncated at offset %lld",
					ctx->pos);
		buf += n;
		len -= n;
		ctx->pos += n;
	}
	return 0;
}

int ckpt_read_raw(struct ckpt_ctx *ctx, void *data, size_t len)
{
	int ret;

	if (ctx->error)
		return ctx->error;
	ret = ckpt_kread(ctx, data, len);
	if (!ret)
		ctx->crc = crc32_le(ctx->crc, data, len);
	return ret;
}

int ckpt_peek_type(struct ckpt_ctx *ctx)
{
	int ret;

	if (ctx->error)
		return ctx->error;
	if (!ctx->peeked) {
		ret = ckpt_kread(ctx, &ctx->peek, sizeof(ctx->peek));
		if (ret)
			return ret;
		ctx->peeked = true;
	}
	if (!ctx->peek.type || ctx->peek.type > CKPT_HDR_TYPE_MAX)
		return ckpt_err(ctx, -EINVAL,
				"offset %lld: unknown record type %u",
				ctx->pos - (loff_t)sizeof(ctx->peek),
				ctx->peek.type);
	return ctx->peek.type;
}

/*
 * Consume the next record header, which must be of @type with a length in
 * [minlen, maxlen].  The header bytes are folded into the crc here, except
 * for the TAIL, whose checksum covers what comes before it.
 */
int ckpt_read_hdr(struct ckpt_ctx *ctx, u32 type, u32 minlen, u32 maxlen)
{
	int ret = ckpt_peek_type(ctx);

	if (ret < 0)
		return ret;
	if (ctx->peek.type != type)
		return ckpt_err(ctx, -EINVAL,
				"offset %lld: expected a %s record, found %s (type %u)",
				ctx->pos - (loff_t)sizeof(ctx->peek),
				ckpt_record_name(type),
				ckpt_record_name(ctx->peek.type), ctx->peek.type);
	if (ctx->peek.len < minlen || ctx->peek.len > maxlen)
		return ckpt_err(ctx, -EINVAL,
				"offset %lld: %s record length %u not in [%u, %u]",
				ctx->pos - (loff_t)sizeof(ctx->peek),
				ckpt_record_name(type), ctx->peek.len,
				minlen, maxlen);
	ctx->peeked = false;
	ctx->rec_start = ctx->pos - sizeof(ctx->peek);
	/* one record per fd, VMA or page batch: long loops reschedule here */
	cond_resched();
	if (type != CKPT_HDR_TAIL)
		ctx->crc = crc32_le(ctx->crc, (void *)&ctx->peek,
				    sizeof(ctx->peek));
	return ctx->peek.len;
}

int ckpt_read_end(struct ckpt_ctx *ctx, u64 total_len)
{
	u8 pad[CKPT_ALIGN];
	u64 npad;
	int ret;
	u64 i;

	if (ctx->error)
		return ctx->error;
	if (ctx->pos - ctx->rec_start != total_len)
		return ckpt_err(ctx, -EINVAL,
				"offset %lld: record holds %llu bytes, %lld used",
				ctx->rec_start, total_len,
				ctx->pos - ctx->rec_start);
	npad = CKPT_ALIGN_UP(total_len) - total_len;
	if (npad) {
		ret = ckpt_read_raw(ctx, pad, npad);
		if (ret)
			return ret;
		for (i = 0; i < npad; i++)
			if (pad[i])
				return ckpt_err(ctx, -EINVAL,
						"offset %lld: nonzero padding",
						ctx->pos - (loff_t)npad);
	}
	ctx->nr_records++;
	return 0;
}

int ckpt_read_record(struct ckpt_ctx *ctx, u32 type, void *rec, u32 minlen,
		     u32 maxlen)
{
	struct ckpt_hdr *h = rec;
	int len, ret;

	if (WARN_ON_ONCE(minlen < sizeof(*h) || maxlen < minlen))
		return ckpt_err(ctx, -EINVAL, "bad record bounds");
	len = ckpt_read_hdr(ctx, type, minlen, maxlen);
	if (len < 0)
		return len;
	*h = ctx->peek;
	ret = ckpt_read_raw(ctx, h + 1, len - sizeof(*h));
	if (!ret)
		ret = ckpt_read_end(ctx, len);
	return ret ? ret : len;
}

/* A record buffer over the caller's memory cgroup limit, or no memory. */
static int ckpt_nomem_record(struct ckpt_ctx *ctx, u32 type, u32 len)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for a %s record of %u bytes",
			ckpt_record_name(type), len);
}

void *ckpt_read_record_alloc(struct ckpt_ctx *ctx, u32 type, u32 minlen,
			     u32 maxlen, u32 *lenp)
{
	void *rec;
	int len;

	if (WARN_ON_ONCE(maxlen > CKPT_RECORD_MAX + (1U << 20)))
		return ERR_PTR(-EINVAL);
	len = ckpt_peek_type(ctx);
	if (len < 0)
		return ERR_PTR(len);
	/* allocate what the header claims, checked against the bounds first */
	if (ctx->peek.type == type &&
	    (ctx->peek.len < minlen || ctx->peek.len > maxlen))
		return ERR_PTR(ckpt_read_hdr(ctx, type, minlen, maxlen));
	rec = kvzalloc(ctx->peek.type == type ? ctx->peek.len : minlen,
		       CKPT_GFP_IMAGE);
	if (!rec)
		return ERR_PTR(ckpt_nomem_record(ctx, type, ctx->peek.len));
	len = ckpt_read_record(ctx, type, rec, minlen, maxlen);
	if (len < 0) {
		kvfree(rec);
		return ERR_PTR(len);
	}
	if (lenp)
		*lenp = len;
	return rec;
}

int ckpt_read_string(struct ckpt_ctx *ctx, char *buf, u32 len)
{
	if (!len || buf[len - 1] || strnlen(buf, len) != len - 1)
		return ckpt_err(ctx, -EINVAL,
				"offset %lld: malformed string of %u bytes",
				ctx->rec_start, len);
	return 0;
}
