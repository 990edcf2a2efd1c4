// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for libkcr's image reader and log helpers.  Images are
 * built in memory with imgwriter.h, then broken on purpose; each test
 * checks one behaviour: the return value, the error class, the offset and
 * the reason.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "kcr.h"
#include "imgwriter.h"

struct result {
	int ret;		/* 0: read to the end, -1: error */
	int nr;			/* records handed out */
	int err_class;
	uint64_t err_offset;
	char reason[KCR_REASON_MAX];
};

/* Read a whole in-memory image. */
static struct result read_mem(const void *buf, size_t len)
{
	struct kcr_reader r;
	const struct kcr_record *rec;
	struct result res;
	int ret;

	memset(&res, 0, sizeof(res));
	kcr_reader_init_mem(&r, buf, len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		res.nr++;
	res.ret = ret;
	res.err_class = r.err_class;
	res.err_offset = r.err_offset;
	snprintf(res.reason, sizeof(res.reason), "%s", r.reason);
	kcr_reader_free(&r);
	return res;
}

static struct result read_img(const struct img *im)
{
	return read_mem(im->buf, im->len);
}

#define ck_assert_fails(res, cls, off, needle) do {				\
	ck_assert_msg((res).ret == -1, "expected failure, got ret %d after %d records", \
		      (res).ret, (res).nr);					\
	ck_assert_msg((res).err_class == (cls),					\
		      "expected error class %d, got %d (%s)", (cls),		\
		      (res).err_class, (res).reason);				\
	ck_assert_msg((res).err_offset == (uint64_t)(off),			\
		      "expected error offset %llu, got %llu (%s)",		\
		      (unsigned long long)(off),				\
		      (unsigned long long)(res).err_offset, (res).reason);	\
	ck_assert_msg(strstr((res).reason, (needle)) != NULL,			\
		      "expected reason containing \"%s\", got \"%s\"",	\
		      (needle), (res).reason);				\
} while (0)

#define FIELD(im, type, T, n) ((T *)((im).buf + img_find(&(im), (type), (n))))

START_TEST(valid_minimal_image_parses)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	res = read_img(&im);
	ck_assert_msg(res.ret == 0, "expected success, got %d: offset %llu: %s",
		      res.ret, (unsigned long long)res.err_offset, res.reason);
	ck_assert_msg(res.nr == 13, "expected 13 records, got %d", res.nr);
	img_free(&im);
}
END_TEST

START_TEST(valid_full_image_parses_with_every_record_type)
{
	struct img im = { 0 };
	struct kcr_reader r;
	const struct kcr_record *rec;
	uint64_t i = 0;
	int ret;

	img_full(&im, 4242);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0) {
		ck_assert_msg(rec->offset == im.off[i],
			      "record %llu: expected offset %zu, got %llu",
			      (unsigned long long)i, im.off[i],
			      (unsigned long long)rec->offset);
		ck_assert_msg(rec->type == im.type[i],
			      "record %llu: expected type %u, got %u",
			      (unsigned long long)i, im.type[i], rec->type);
		i++;
	}
	ck_assert_msg(ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)r.err_offset, r.reason);
	ck_assert_msg(i == im.nr_records, "expected %llu records, got %llu",
		      (unsigned long long)im.nr_records, (unsigned long long)i);
	ck_assert_msg(r.nr_tasks == 1 && r.tasks[0].pid == 4242,
		      "expected tree {4242}, got %u tasks", r.nr_tasks);
	ck_assert_msg(r.offset == im.len, "expected %zu bytes consumed, got %llu",
		      im.len, (unsigned long long)r.offset);
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(valid_image_parses_from_a_pipe)
{
	struct img im = { 0 };
	struct kcr_reader r;
	const struct kcr_record *rec;
	int p[2], ret, n = 0, status;
	pid_t pid;

	img_full(&im, 7);
	ck_assert(pipe(p) == 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], im.buf, im.len) == (ssize_t)im.len ? 0 : 1);
	}
	close(p[1]);
	kcr_reader_init_fd(&r, p[0]);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		n++;
	ck_assert_msg(ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)r.err_offset, r.reason);
	ck_assert_msg((uint64_t)n == im.nr_records, "expected %llu records, got %d",
		      (unsigned long long)im.nr_records, n);
	waitpid(pid, &status, 0);
	close(p[0]);
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(truncated_at_every_offset_fails_at_that_offset)
{
	struct img im = { 0 };
	struct result res;
	size_t n;

	img_full(&im, 100);
	for (n = 0; n < im.len; n++) {
		res = read_mem(im.buf, n);
		ck_assert_msg(res.ret == -1, "length %zu: expected failure, got %d",
			      n, res.ret);
		ck_assert_msg(res.err_class == KCR_ERR_TRUNCATED,
			      "length %zu: expected TRUNCATED, got class %d (%s)",
			      n, res.err_class, res.reason);
		ck_assert_msg(res.err_offset == n,
			      "length %zu: expected error offset %zu, got %llu",
			      n, n, (unsigned long long)res.err_offset);
	}
	img_free(&im);
}
END_TEST

START_TEST(truncated_at_record_boundary_reports_missing_tail)
{
	struct img im = { 0 };
	struct result res;
	size_t tail;

	img_minimal(&im, 100);
	tail = img_find(&im, CKPT_HDR_TAIL, 0);
	res = read_mem(im.buf, tail);
	ck_assert_fails(res, KCR_ERR_TRUNCATED, tail, "no TAIL record");
	img_free(&im);
}
END_TEST

START_TEST(truncated_inside_record_names_the_record)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PAGES, 0);
	res = read_mem(im.buf, off + 100);
	ck_assert_fails(res, KCR_ERR_TRUNCATED, off + 100, "in PAGES at offset");
	img_free(&im);
}
END_TEST

START_TEST(empty_image_fails)
{
	struct result res = read_mem("", 0);

	ck_assert_fails(res, KCR_ERR_TRUNCATED, 0, "empty image");
}
END_TEST

START_TEST(flipped_page_byte_is_a_crc_mismatch)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PAGES, 0);
	im.buf[off + sizeof(struct ckpt_hdr_pages) + 2 * 8 + 1000] ^= 0x40;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_CRC, img_find(&im, CKPT_HDR_TAIL, 0),
			"crc32 mismatch");
	img_free(&im);
}
END_TEST

START_TEST(flipped_bit_at_every_offset_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t n;
	int bit;

	img_full(&im, 100);
	for (n = 0; n < im.len; n++) {
		for (bit = 0; bit < 8; bit += 7) {
			im.buf[n] ^= (unsigned char)(1 << bit);
			res = read_img(&im);
			im.buf[n] ^= (unsigned char)(1 << bit);
			ck_assert_msg(res.ret == -1,
				      "bit %d of byte %zu flipped: expected failure, got success",
				      bit, n);
		}
	}
	img_free(&im);
}
END_TEST

START_TEST(wrong_magic_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->magic = 0x1234;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "bad magic");
	img_free(&im);
}
END_TEST

START_TEST(wrong_version_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	/* a version 1 image (the format before pid levels and refs) */
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->version = 1;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unsupported image version 1 (expected 6)");
	img_free(&im);
	/* a version 2 image (before SysV IPC): its TREE entries had a pad */
	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->version = 2;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unsupported image version 2 (expected 6)");
	img_free(&im);
	/* a version 3 image (before file identities in FILE, VMA and MM) */
	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->version = 3;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unsupported image version 3 (expected 6)");
	img_free(&im);
	/* a version 4 image (pipe_ref before obj_ref, FILEs right before FDs) */
	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->version = 4;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unsupported image version 4 (expected 6)");
	img_free(&im);
}
END_TEST

START_TEST(wrong_arch_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->arch = 7;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unsupported image arch 7");
	img_free(&im);
}
END_TEST

START_TEST(wrong_page_size_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->page_size = 65536;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "image page size 65536");
	img_free(&im);
}
END_TEST

START_TEST(first_record_not_header_fails)
{
	struct img im = { 0 };
	struct result res;

	img_tree1(&im, 100);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "expected HEADER");
	img_free(&im);
}
END_TEST

START_TEST(second_record_not_tree_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_header(&im);
	off = img_task(&im, 100, "x");
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "expected TREE");
	img_free(&im);
}
END_TEST

START_TEST(unknown_record_type_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_TASK, struct ckpt_hdr, 0)->type = 99;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TASK, 0),
			"unknown record type 99");
	img_free(&im);
}
END_TEST

START_TEST(huge_nr_tasks_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_TREE, struct ckpt_hdr_tree, 0)->nr_tasks = 0x7fffffff;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"nr_tasks 2147483647 out of range");
	img_free(&im);
}
END_TEST

START_TEST(zero_nr_tasks_fails)
{
	struct img im = { 0 };
	struct result res;

	img_header(&im);
	img_tree(&im, NULL, 0);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"nr_tasks 0 out of range");
	img_free(&im);
}
END_TEST

START_TEST(tree_len_not_matching_nr_tasks_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_TREE, struct ckpt_hdr_tree, 0)->nr_tasks = 2;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"TREE record length 112 does not match its contents (expected 208)");
	img_free(&im);
}
END_TEST

START_TEST(len_below_header_size_fails)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_TREE, struct ckpt_hdr, 0)->len = 8;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"TREE record length 8 < its header size 16");
	img_free(&im);
}
END_TEST

START_TEST(absurd_len_fails_before_reading)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_TASK, struct ckpt_hdr, 0)->len = 0xffffffffu;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TASK, 0),
			"TASK record length 4294967295 > maximum");
	img_free(&im);
}
END_TEST

START_TEST(pages_nr_over_max_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PAGES, 0);
	((struct ckpt_hdr_pages *)(im.buf + off))->nr_pages = CKPT_PAGES_MAX + 1;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "nr_pages 257 out of range");
	img_free(&im);
}
END_TEST

START_TEST(pages_len_not_matching_nr_pages_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PAGES, 0);
	((struct ckpt_hdr_pages *)(im.buf + off))->nr_pages = 1;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"PAGES record length 8224 does not match its contents (expected 4120)");
	img_free(&im);
}
END_TEST

START_TEST(pipe_data_over_chunk_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PIPE_DATA, 0);
	((struct ckpt_hdr *)(im.buf + off))->len = 8 + CKPT_PIPE_CHUNK + 1;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "PIPE_DATA record length 65545 > maximum 65544");
	img_free(&im);
}
END_TEST

START_TEST(nonzero_padding_fails_at_the_padding_byte)
{
	struct img im = { 0 };
	struct result res;
	size_t off, pad;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FS, 0);	/* len 31, one padding byte */
	pad = off + 31;
	im.buf[pad] = 0x5a;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, pad, "nonzero padding byte after the FS record");
	img_free(&im);
}
END_TEST

START_TEST(record_after_tail_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t end;

	img_minimal(&im, 100);
	end = im.len;
	img_task(&im, 100, "extra");
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, end, "data after the TAIL record");
	img_free(&im);
}
END_TEST

START_TEST(single_byte_after_tail_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t end;

	img_minimal(&im, 100);
	end = im.len;
	img_reserve(&im, 1);
	im.buf[im.len++] = 0;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, end, "data after the TAIL record");
	img_free(&im);
}
END_TEST

START_TEST(tail_nr_records_mismatch_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_minimal(&im, 100);
	off = img_find(&im, CKPT_HDR_TAIL, 0);
	((struct ckpt_hdr_tail *)(im.buf + off))->nr_records = 5;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TAIL nr_records 5, image has 12");
	img_free(&im);
}
END_TEST

START_TEST(tail_magic_mismatch_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_minimal(&im, 100);
	off = img_find(&im, CKPT_HDR_TAIL, 0);
	((struct ckpt_hdr_tail *)(im.buf + off))->magic = 1;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "bad TAIL magic");
	img_free(&im);
}
END_TEST

START_TEST(missing_pages_of_a_vma_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t vma;

	img_full(&im, 100);
	vma = img_find(&im, CKPT_HDR_VMA, 1);
	((struct ckpt_hdr_vma *)(im.buf + vma))->nr_pages = 3;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_SIGHAND, 0),
			"1 pages missing");
	img_free(&im);
}
END_TEST

START_TEST(pages_outside_vma_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;
	uint64_t *addr;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PAGES, 0);
	addr = (uint64_t *)(im.buf + off + sizeof(struct ckpt_hdr_pages));
	addr[1] = 0x7f0000004000ULL;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "outside its VMA");
	img_free(&im);
}
END_TEST

/* ------------------------------------------------------------------ TREE */

#define ck_valid(res) ck_assert_msg((res).ret == 0,				\
	"expected success, got offset %llu: %s",				\
	(unsigned long long)(res).err_offset, (res).reason)

/* Read a valid image of the tree e (img_build): the whole result. */
static struct result read_tree(const struct ckpt_task_pids *e, uint32_t n,
			       uint32_t hdr_flags, size_t *tree_off)
{
	struct img im = { 0 };
	struct result res;

	img_build(&im, e, n, hdr_flags);
	if (tree_off)
		*tree_off = img_find(&im, CKPT_HDR_TREE, 0);
	res = read_img(&im);
	img_free(&im);
	return res;
}

/* The image of tree e fails at its TREE record, for reason `needle`. */
#define ck_tree_fails(e, n, hdr_flags, needle) do {				\
	size_t tree_off_;							\
	struct result res_ = read_tree((e), (n), (hdr_flags), &tree_off_);	\
										\
	ck_assert_fails(res_, KCR_ERR_FORMAT, tree_off_, (needle));		\
} while (0)

#define NE(a)	((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define HAS_ALL	(KCR_TASK_HAS_FS | KCR_TASK_HAS_FILES | KCR_TASK_HAS_MM |	\
		 KCR_TASK_HAS_SIGHAND)

START_TEST(tree_of_three_tasks_parses)
{
	struct ckpt_task_pids e[3];
	struct result res;

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 12);
	e[2] = img_proc(&e[1], 11);
	res = read_tree(e, 3, 0, NULL);
	ck_valid(res);
	/* HEADER, TREE, TAIL and 10 records per task */
	ck_assert_msg(res.nr == 3 + 3 * 10, "expected %d records, got %d",
		      3 + 3 * 10, res.nr);
}
END_TEST

START_TEST(tree_duplicate_pid_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].pid = e[1].tgid = e[1].pids[0] = 10;
	ck_tree_fails(e, 2, 0, "TREE entry 1: pid 10 already used by entry 0");
}
END_TEST

START_TEST(tree_duplicate_thread_pid_fails)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	e[2] = img_thread(&e[0], 11);
	ck_tree_fails(e, 3, 0, "TREE entry 2: pid 11 already used by entry 1");
}
END_TEST

START_TEST(tree_nonpositive_pid_fails)
{
	struct img im = { 0 };
	struct result res;

	img_header(&im);
	img_tree1(&im, -5);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"pid -5 <= 0");
	img_free(&im);
}
END_TEST

START_TEST(tree_unknown_flags_fail)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].flags |= 0x40;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): unknown flags 0x40");
}
END_TEST

/* v3: the entry's former pad is sysvsem_ref, which a zombie does not have. */
START_TEST(tree_zombie_has_no_sysvsem_ref)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_zombie(&e[0], 11, 0);
	e[1].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 11);
	ck_tree_fails(e, 2, 0,
		      "TREE entry 1 (pid 11): zombie with sysvsem_ref 700011: a zombie keeps only its signal_ref and pidns_ref");
}
END_TEST

START_TEST(tree_record_pad_nonzero_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_minimal(&im, 10);
	off = img_find(&im, CKPT_HDR_TREE, 0);
	((struct ckpt_hdr_tree *)(im.buf + off))->pad = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TREE pad field is nonzero");
	img_free(&im);
}
END_TEST

START_TEST(tree_nr_levels_out_of_range_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].nr_levels = 0;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): nr_levels 0 out of range 1..8");
	e[1].nr_levels = CKPT_PID_LEVELS_MAX + 1;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): nr_levels 9 out of range 1..8");
}
END_TEST

START_TEST(tree_pids0_not_pid_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].pids[0] = 12;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): pids[0] 12 is not its pid");
}
END_TEST

START_TEST(tree_inner_pid_nonpositive_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_newns(&e[0], 11);
	e[1].pids[1] = 0;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): pid 0 at level 1 <= 0");
	e[1].pids[1] = -3;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): pid -3 at level 1 <= 0");
}
END_TEST

START_TEST(tree_pid_beyond_levels_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].pids[3] = 5;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): pids[3] is 5 beyond its 1 levels");
}
END_TEST

START_TEST(tree_pid1_outside_own_namespace_fails)
{
	struct ckpt_task_pids e[3];

	/* 12 is a child of the init 11 of a new namespace: 1 is not its pid there */
	e[0] = img_proc(NULL, 10);
	e[1] = img_newns(&e[0], 11);
	e[2] = img_newns(&e[1], 12);
	e[2].pids[1] = 1;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): pid 1 at level 1, outside its own namespace (level 2)");
}
END_TEST

START_TEST(tree_negative_pgid_or_sid_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].pgid = -1;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): tgid 11, pgid -1, sid 0");
	e[1].pgid = 10;
	e[1].sid = -2;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): tgid 11, pgid 10, sid -2");
}
END_TEST

START_TEST(tree_leader_flags_must_match_ids)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].flags |= CKPT_TASK_SESSION_LEADER;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): SESSION_LEADER flag set, but sid is 0");
	e[1].flags &= ~CKPT_TASK_SESSION_LEADER;
	e[1].sid = 11;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): SESSION_LEADER flag clear, but sid is 11");
	e[1].flags |= CKPT_TASK_SESSION_LEADER;
	e[1].flags |= CKPT_TASK_GROUP_LEADER;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): GROUP_LEADER flag set, but pgid is 10");
	e[0].flags &= ~CKPT_TASK_GROUP_LEADER;
	ck_tree_fails(e, 2, 0, "TREE entry 0 (pid 10): GROUP_LEADER flag clear, but pgid is 10");
}
END_TEST

START_TEST(tree_bad_exit_signal_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].exit_signal = 65;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): exit_signal 65 is not a signal");
}
END_TEST

START_TEST(tree_root_must_be_a_live_process_at_level_0)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[0].flags |= CKPT_TASK_THREAD;
	ck_tree_fails(e, 1, 0, "TREE root pid 10 is a thread");
	e[0] = img_zombie(NULL, 10, 0);
	ck_tree_fails(e, 1, 0, "TREE root pid 10 is a zombie");
	e[0] = img_proc(NULL, 10);
	e[0].ppid = 1;
	ck_tree_fails(e, 1, 0, "TREE root pid 10: ppid 1, expected 0");
	e[0] = img_proc(NULL, 10);
	e[0].tgid = 9;
	ck_tree_fails(e, 1, 0, "TREE root pid 10: tgid 9 of a process is not its pid");
	e[0] = img_proc(NULL, 10);
	img_levels(&e[0], 2);
	ck_tree_fails(e, 1, 0, "TREE root pid 10: 2 pid levels, expected 1");
	e[0] = img_proc(NULL, 10);
	e[0].flags |= CKPT_TASK_NEWPIDNS;
	ck_tree_fails(e, 1, 0, "TREE root pid 10: NEWPIDNS on the root");
}
END_TEST

START_TEST(tree_container_image_parses)
{
	struct ckpt_task_pids e[4];
	struct result res;

	/* the init of the container and its children, pids as seen inside */
	e[0] = img_proc(NULL, 1);
	e[1] = img_proc(&e[0], 2);
	e[2] = img_thread(&e[1], 3);
	e[3] = img_newns(&e[1], 4);
	res = read_tree(e, NE(e), CKPT_CHECKPOINT_CONTAINER, NULL);
	ck_valid(res);
}
END_TEST

START_TEST(tree_container_root_not_pid1_fails)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);

	ck_tree_fails(&e, 1, CKPT_CHECKPOINT_CONTAINER,
		      "TREE root pid 10: the root of a container image is pid 1 of its namespace");
}
END_TEST

START_TEST(unknown_header_flags_fail)
{
	struct img im = { 0 };
	struct result res;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->flags = 0x4;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unknown header flags 0x4");
	img_free(&im);
	/* v3: 0x2 is CKPT_CHECKPOINT_IPC (checkpoint --ipc) */
	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->flags = CKPT_CHECKPOINT_IPC;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);
}
END_TEST

START_TEST(tree_parent_not_earlier_fails)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[2] = img_proc(&e[0], 12);
	e[1] = img_proc(&e[2], 11);	/* child of 12, before it */
	ck_tree_fails(e, 3, 0, "TREE entry 1 (pid 11): ppid 12 is not an earlier pid of the tree");
	e[1].ppid = 0;
	ck_tree_fails(e, 3, 0, "TREE entry 1 (pid 11): ppid 0 is not an earlier pid of the tree");
}
END_TEST

START_TEST(tree_parent_is_a_thread_fails)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	e[2] = img_proc(&e[1], 12);
	e[2].ppid = 11;	/* the parent is named by its tgid, 10 */
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): ppid 11 is a thread (TREE entry 1)");
}
END_TEST

START_TEST(tree_parent_is_a_zombie_fails)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_zombie(&e[0], 11, 0);
	e[2] = img_proc(&e[1], 12);
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): its parent 11 (TREE entry 1) is a zombie");
}
END_TEST

START_TEST(tree_process_tgid_not_pid_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].tgid = 10;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): tgid 10 of a process is not its pid");
}
END_TEST

START_TEST(tree_thread_must_follow_its_group)
{
	struct ckpt_task_pids e[4];

	/* 12 is a thread of 10, but 11 (another process) comes between them */
	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[2] = img_thread(&e[0], 12);
	ck_tree_fails(e, 3, 0,
		      "TREE entry 2 (pid 12): thread of tgid 10 does not directly follow its leader or another of its threads");
	/* after another thread of its group it is fine */
	e[1] = img_thread(&e[0], 11);
	e[3] = img_proc(&e[0], 13);
	ck_valid(read_tree(e, 4, 0, NULL));
	/* a thread naming a process that is not its leader */
	e[2].tgid = 13;
	ck_tree_fails(e, 4, 0, "TREE entry 2 (pid 12): thread of tgid 13 does not directly follow");
}
END_TEST

START_TEST(tree_thread_of_a_zombie_fails)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_zombie(&e[0], 11, 0);
	e[2] = img_thread(&e[1], 12);
	/* give it objects, so the rule checked is the leader's state */
	e[2].mm_ref = IMG_REF(IMG_MM, 12);
	e[2].files_ref = IMG_REF(IMG_FILES, 12);
	e[2].fs_ref = IMG_REF(IMG_FS, 12);
	e[2].sighand_ref = IMG_REF(IMG_SIGHAND, 12);
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): thread of the zombie 11 (TREE entry 1)");
}
END_TEST

START_TEST(tree_thread_must_match_its_leader)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[2] = img_thread(&e[1], 12);
	ck_valid(read_tree(e, 3, 0, NULL));

	e[2].ppid = 11;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): thread's ppid 11 differs from its leader's 10");
	e[2] = img_thread(&e[1], 12);
	img_levels(&e[2], 2);
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): thread has 2 pid levels, its leader 1");
	e[2] = img_thread(&e[1], 12);
	e[2].pgid = 0;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): thread's pgid 0 / sid 0 differ from its leader's 10 / 0");
	e[2] = img_thread(&e[1], 12);
	e[2].exit_signal = 17;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): thread with exit_signal 17");
	e[2] = img_thread(&e[1], 12);
	e[2].flags |= CKPT_TASK_NEWPIDNS;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): a thread cannot start a pid namespace");
	e[2] = img_thread(&e[1], 12);
	e[2].flags |= CKPT_TASK_ZOMBIE;
	e[2].mm_ref = e[2].files_ref = e[2].fs_ref = e[2].sighand_ref = 0;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): a thread cannot be a zombie");
}
END_TEST

START_TEST(tree_thread_shares_mm_sighand_signal_pidns_of_its_leader)
{
	static const struct { size_t off; const char *name; } refs[] = {
		{ offsetof(struct ckpt_task_pids, mm_ref), "mm" },
		{ offsetof(struct ckpt_task_pids, sighand_ref), "sighand" },
		{ offsetof(struct ckpt_task_pids, signal_ref), "signal" },
		{ offsetof(struct ckpt_task_pids, pidns_ref), "pidns" },
	};
	struct ckpt_task_pids e[2];
	char want[128];
	size_t k;

	for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		e[0] = img_proc(NULL, 10);
		e[1] = img_thread(&e[0], 11);
		*(uint32_t *)((char *)&e[1] + refs[k].off) = 77;
		snprintf(want, sizeof(want),
			 "TREE entry 1 (pid 11): thread's %s_ref 77 differs from its leader's",
			 refs[k].name);
		ck_tree_fails(e, 2, 0, want);
	}
}
END_TEST

START_TEST(tree_newpidns_is_one_level_deeper_with_pid_1)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_newns(&e[0], 11);
	ck_valid(read_tree(e, 2, 0, NULL));
	img_levels(&e[1], 3);
	e[1].pids[2] = 1;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): NEWPIDNS with 3 pid levels, its parent has 1 (expected 2)");
	e[1] = img_newns(&e[0], 11);
	e[1].pids[1] = 5;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): NEWPIDNS, but pid 5 in its own namespace (expected 1)");
}
END_TEST

START_TEST(tree_newpidns_needs_a_new_namespace)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_newns(&e[0], 11);
	e[2] = img_newns(&e[0], 12);
	e[2].pidns_ref = e[1].pidns_ref;
	ck_tree_fails(e, 3, 0,
		      "TREE entry 2 (pid 12): NEWPIDNS, but pidns_ref 600011 is already the namespace of TREE entry 1 (pid 11)");
}
END_TEST

START_TEST(tree_child_is_in_its_parents_namespace)
{
	struct ckpt_task_pids e[3];

	e[0] = img_proc(NULL, 10);
	e[1] = img_newns(&e[0], 11);
	/* one level deeper, but not the init of a namespace (setns, unshare) */
	e[2] = img_proc(&e[0], 12);
	img_levels(&e[2], 2);
	ck_tree_fails(e, 3, 0,
		      "TREE entry 2 (pid 12): 2 pid levels, its parent has 1: only a NEWPIDNS child is one level deeper");
	/* shallower than its parent */
	e[2] = img_proc(&e[1], 12);
	img_levels(&e[2], 1);
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): 1 pid levels, its parent has 2");
	/* the right levels, but another namespace */
	e[2] = img_proc(&e[1], 12);
	e[2].pidns_ref = e[0].pidns_ref;
	ck_tree_fails(e, 3, 0,
		      "TREE entry 2 (pid 12): pidns_ref 600010 differs from its parent's 600011, without NEWPIDNS");
	/* pid 1 of a namespace that already has its init */
	e[2] = img_proc(&e[1], 12);
	e[2].pids[1] = 1;
	ck_tree_fails(e, 3, 0, "TREE entry 2 (pid 12): pid 1 in its own namespace without NEWPIDNS");
}
END_TEST

START_TEST(tree_duplicate_pid_in_an_inner_namespace_fails)
{
	struct ckpt_task_pids e[4];

	e[0] = img_proc(NULL, 10);
	e[1] = img_newns(&e[0], 11);
	e[2] = img_proc(&e[1], 12);
	e[3] = img_thread(&e[2], 13);
	e[3].pids[1] = e[2].pids[1];
	ck_tree_fails(e, 4, 0,
		      "TREE entry 3 (pid 13): pid 1012 at level 1 is already used by TREE entry 2 (pid 12) in the same namespace");
	/* the same number in two sibling namespaces is fine */
	e[2] = img_newns(&e[0], 12);
	e[3] = img_proc(&e[1], 13);
	e[3].pids[1] = 7;
	ck_valid(read_tree(e, 4, 0, NULL));
	e[2] = img_proc(&e[1], 12);
	e[2].pids[1] = 7;
	ck_tree_fails(e, 4, 0, "TREE entry 3 (pid 13): pid 7 at level 1 is already used by TREE entry 2 (pid 12)");
}
END_TEST

START_TEST(tree_zombie_keeps_only_signal_and_pidns)
{
	static const struct { size_t off; const char *name; int kept; } refs[] = {
		{ offsetof(struct ckpt_task_pids, mm_ref), "mm", 0 },
		{ offsetof(struct ckpt_task_pids, files_ref), "files", 0 },
		{ offsetof(struct ckpt_task_pids, fs_ref), "fs", 0 },
		{ offsetof(struct ckpt_task_pids, sighand_ref), "sighand", 0 },
		{ offsetof(struct ckpt_task_pids, signal_ref), "signal", 1 },
		{ offsetof(struct ckpt_task_pids, pidns_ref), "pidns", 1 },
	};
	struct ckpt_task_pids e[2];
	char want[160];
	size_t k;

	for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		e[0] = img_proc(NULL, 10);
		e[1] = img_zombie(&e[0], 11, 0);
		*(uint32_t *)((char *)&e[1] + refs[k].off) = refs[k].kept ? 0 : 55;
		if (refs[k].kept)
			snprintf(want, sizeof(want), "TREE entry 1 (pid 11): %s_ref is 0",
				 refs[k].name);
		else
			snprintf(want, sizeof(want),
				 "TREE entry 1 (pid 11): zombie with %s_ref 55: a zombie keeps only its signal_ref and pidns_ref",
				 refs[k].name);
		ck_tree_fails(e, 2, 0, want);
	}
}
END_TEST

START_TEST(tree_zombie_exit_code_is_a_wait_status)
{
	static const int32_t good[] = { 0, 0x100, 0xff00, 9, 0x8b, 64 };
	static const int32_t bad[] = { 0x80, 0x10000, -1, 0x7f, 65, 0x109 };
	struct ckpt_task_pids e[2];
	char want[128];
	size_t k;

	e[0] = img_proc(NULL, 10);
	for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		e[1] = img_zombie(&e[0], 11, good[k]);
		ck_valid(read_tree(e, 2, 0, NULL));
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		e[1] = img_zombie(&e[0], 11, bad[k]);
		snprintf(want, sizeof(want),
			 "TREE entry 1 (pid 11): zombie exit_code 0x%x is not a wait() status",
			 (unsigned int)bad[k]);
		ck_tree_fails(e, 2, 0, want);
	}
}
END_TEST

START_TEST(tree_exit_code_of_a_live_task_fails)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].exit_code = 0x100;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): exit_code 256, but it is not a zombie");
}
END_TEST

START_TEST(tree_live_task_has_every_ref)
{
	static const struct { size_t off; const char *name; } refs[] = {
		{ offsetof(struct ckpt_task_pids, mm_ref), "mm" },
		{ offsetof(struct ckpt_task_pids, files_ref), "files" },
		{ offsetof(struct ckpt_task_pids, fs_ref), "fs" },
		{ offsetof(struct ckpt_task_pids, sighand_ref), "sighand" },
		{ offsetof(struct ckpt_task_pids, signal_ref), "signal" },
		{ offsetof(struct ckpt_task_pids, pidns_ref), "pidns" },
	};
	struct ckpt_task_pids e[2];
	char want[128];
	size_t k;

	for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		e[0] = img_proc(NULL, 10);
		e[1] = img_proc(&e[0], 11);
		*(uint32_t *)((char *)&e[1] + refs[k].off) = 0;
		snprintf(want, sizeof(want), "TREE entry 1 (pid 11): %s_ref is 0",
			 refs[k].name);
		ck_tree_fails(e, 2, 0, want);
	}
}
END_TEST

START_TEST(tree_processes_do_not_share_mm_sighand_signal)
{
	static const struct { size_t off; const char *name; } refs[] = {
		{ offsetof(struct ckpt_task_pids, mm_ref), "mm" },
		{ offsetof(struct ckpt_task_pids, sighand_ref), "sighand" },
		{ offsetof(struct ckpt_task_pids, signal_ref), "signal" },
	};
	struct ckpt_task_pids e[3];
	char want[192];
	size_t k;

	for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		/* 12 (a thread of 11) shares them with 10's group: caught at 12 too */
		e[0] = img_proc(NULL, 10);
		e[1] = img_proc(&e[0], 11);
		memcpy((char *)&e[1] + refs[k].off, (char *)&e[0] + refs[k].off, 4);
		e[2] = img_thread(&e[1], 12);
		snprintf(want, sizeof(want),
			 "TREE entry 1 (pid 11): %s_ref %u is shared with the process 10 (TREE entry 0): only the threads of one process share it",
			 refs[k].name, *(uint32_t *)((char *)&e[0] + refs[k].off));
		ck_tree_fails(e, 3, 0, want);
	}
}
END_TEST

START_TEST(tree_ref_names_one_kind_of_object)
{
	struct ckpt_task_pids e[2];

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].files_ref = e[0].mm_ref;
	ck_tree_fails(e, 2, 0,
		      "TREE entry 1 (pid 11): files_ref 100010 is also the mm_ref of TREE entry 0 (pid 10) (objrefs are unique across kinds)");
	/* within one entry too */
	e[1] = img_proc(&e[0], 11);
	e[1].fs_ref = e[1].files_ref;
	ck_tree_fails(e, 2, 0, "TREE entry 1 (pid 11): fs_ref 200011 is also the files_ref of TREE entry 1 (pid 11)");
}
END_TEST

START_TEST(tree_processes_may_share_files_and_fs)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };
	struct kcr_reader r;
	const struct kcr_record *rec;
	int ret, fs = 0, files = 0, mm = 0;

	/* 11 shares 10's fd table (CLONE_FILES), 12 their cwd (CLONE_FS) */
	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].files_ref = e[0].files_ref;
	e[2] = img_proc(&e[1], 12);
	e[2].fs_ref = e[0].fs_ref;
	e[2].files_ref = e[0].files_ref;
	img_build(&im, e, 3, 0);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0) {
		fs += rec->type == CKPT_HDR_FS;
		files += rec->type == CKPT_HDR_FILES;
		mm += rec->type == CKPT_HDR_MM;
	}
	ck_assert_msg(ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)r.err_offset, r.reason);
	ck_assert_msg(fs == 2 && files == 1 && mm == 3,
		      "expected 2 FS, 1 FILES, 3 MM, got %d, %d, %d", fs, files, mm);
	ck_assert_msg(r.info[0].records == HAS_ALL &&
		      r.info[1].records == (HAS_ALL & ~KCR_TASK_HAS_FILES) &&
		      r.info[2].records == (KCR_TASK_HAS_MM | KCR_TASK_HAS_SIGHAND),
		      "unexpected records bits %x %x %x", r.info[0].records,
		      r.info[1].records, r.info[2].records);
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(process_with_two_threads_parses)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };
	struct kcr_reader r;
	const struct kcr_record *rec;
	int ret, n = 0;

	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	e[2] = img_thread(&e[0], 12);
	img_build(&im, e, 3, 0);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		n++;
	ck_assert_msg(ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)r.err_offset, r.reason);
	/* the leader 10 records, each thread TASK CREDS SIGNAL CPU FPU */
	ck_assert_msg(n == 3 + 10 + 2 * 5, "expected %d records, got %d", 3 + 10 + 2 * 5, n);
	ck_assert_msg(r.nr_tasks == 3 && r.nr_live == 3, "expected 3 live tasks");
	ck_assert_msg(r.info[1].leader == 0 && r.info[2].leader == 0 &&
		      r.info[2].parent == KCR_NO_ENTRY && !r.info[1].records,
		      "unexpected thread info");
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(zombie_child_has_no_records)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };
	struct kcr_reader r;
	const struct kcr_record *rec;
	int ret, tasks = 0;

	e[0] = img_proc(NULL, 10);
	e[1] = img_zombie(&e[0], 11, 0x200);
	e[2] = img_proc(&e[0], 12);
	img_build(&im, e, 3, 0);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		tasks += rec->type == CKPT_HDR_TASK;
	ck_assert_msg(ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)r.err_offset, r.reason);
	ck_assert_msg(tasks == 2 && r.nr_live == 2 && r.nr_tasks == 3,
		      "expected 2 TASK records of 3 tasks, got %d (%u live)",
		      tasks, r.nr_live);
	ck_assert_msg(r.info[2].parent == 0, "expected the parent of 12 to be entry 0");
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(nested_pid_namespaces_parse)
{
	struct ckpt_task_pids e[6];
	struct img im = { 0 };
	struct kcr_reader r;
	int ret;

	e[0] = img_proc(NULL, 10);		/* level 0 */
	e[1] = img_newns(&e[0], 11);		/* 11/1 */
	e[2] = img_proc(&e[1], 12);		/* 12/1012 */
	e[3] = img_thread(&e[2], 13);		/* 13/1013 */
	e[4] = img_newns(&e[2], 14);		/* 14/1014/1 */
	e[5] = img_zombie(&e[4], 15, 9);	/* 15/1015/2015 */
	img_build(&im, e, NE(e), 0);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	ret = kcr_reader_read_prefix(&r);
	ck_assert_msg(ret == 0, "expected success, got %s", r.reason);
	ck_assert_msg(r.info[5].ns[0] == e[0].pidns_ref &&
		      r.info[5].ns[1] == e[1].pidns_ref &&
		      r.info[5].ns[2] == e[4].pidns_ref,
		      "unexpected namespaces of entry 5: %u %u %u",
		      r.info[5].ns[0], r.info[5].ns[1], r.info[5].ns[2]);
	kcr_reader_free(&r);
	ck_valid(read_img(&im));
	img_free(&im);
}
END_TEST

START_TEST(big_tree_of_every_kind_parses)
{
	static struct ckpt_task_pids e[CKPT_TASKS_MAX];
	uint32_t i, n = 0;
	struct result res;

	/* 4096 tasks: processes with a thread and a zombie child each */
	e[n++] = img_proc(NULL, 2);
	for (i = 0; n + 3 <= CKPT_TASKS_MAX; i++) {
		uint32_t p = n;

		e[n] = img_proc(&e[i % 8 ? p - 3 : 0], 10 + 3 * (int32_t)i);
		if (i % 5 == 0 && e[n].nr_levels < CKPT_PID_LEVELS_MAX)
			e[n] = img_newns(&e[i % 8 ? p - 3 : 0], 10 + 3 * (int32_t)i);
		e[n].files_ref = e[0].files_ref;
		n++;
		e[n] = img_thread(&e[p], 11 + 3 * (int32_t)i);
		n++;
		e[n] = img_zombie(&e[p], 12 + 3 * (int32_t)i, 0);
		n++;
	}
	ck_assert(n <= CKPT_TASKS_MAX);
	res = read_tree(e, n, 0, NULL);
	ck_valid(res);
}
END_TEST

/* ------------------------------------------------------- per-task records */

/* Build tree e with the records of entry `who` given by `has` (not img_needs). */
static struct result read_with_records(const struct ckpt_task_pids *e, uint32_t n,
				       uint32_t who, unsigned int has,
				       size_t *next_off)
{
	struct img im = { 0 };
	struct result res;
	uint32_t i;

	img_header(&im);
	img_tree(&im, e, n);
	for (i = 0; i < n; i++) {
		if (e[i].flags & CKPT_TASK_ZOMBIE)
			continue;
		img_task_records(&im, &e[i], i == who ? has : img_needs(e, n, i));
	}
	img_tail(&im);
	res = read_img(&im);
	/* offset of the first record of `who`'s task after its CREDS */
	if (next_off) {
		uint32_t t = 0;

		for (i = 0; i < who; i++)
			t += !(e[i].flags & CKPT_TASK_ZOMBIE);
		*next_off = img_find(&im, CKPT_HDR_CREDS, (int)t) +
			    sizeof(struct ckpt_hdr_creds);
	}
	img_free(&im);
	return res;
}

START_TEST(first_task_of_a_ref_carries_its_record)
{
	static const struct { unsigned int has; const char *name, *ref, *found; } rec[] = {
		{ IMG_HAS_FS, "FS", "fs_ref 300010", "FILES" },
		{ IMG_HAS_FILES, "FILES", "files_ref 200010", "MM" },
		{ IMG_HAS_MM, "MM", "mm_ref 100010", "SIGHAND" },
		{ IMG_HAS_SIGHAND, "SIGHAND", "sighand_ref 400010", "SIGNAL" },
	};
	struct ckpt_task_pids e[2];
	struct result res;
	char want[160];
	size_t k, off;

	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	for (k = 0; k < sizeof(rec) / sizeof(rec[0]); k++) {
		/* the record met instead of FS is the one right after CREDS */
		res = read_with_records(e, 2, 0, IMG_HAS_ALL & ~rec[k].has, &off);
		snprintf(want, sizeof(want),
			 "TREE entry 0 (pid 10): no %s record before %s, but it is the first task with %s",
			 rec[k].name, rec[k].found, rec[k].ref);
		if (rec[k].has == IMG_HAS_FS)
			ck_assert_fails(res, KCR_ERR_FORMAT, off, want);
		else
			ck_assert_msg(res.ret == -1 && res.err_class == KCR_ERR_FORMAT &&
				      strstr(res.reason, want),
				      "expected \"%s\", got \"%s\"", want, res.reason);
	}
}
END_TEST

START_TEST(later_task_of_a_ref_has_no_record)
{
	static const struct { unsigned int has; const char *name, *ref; } rec[] = {
		{ IMG_HAS_FS, "FS", "fs_ref 300010" },
		{ IMG_HAS_FILES, "FILES", "files_ref 200010" },
		{ IMG_HAS_MM, "MM", "mm_ref 100010" },
		{ IMG_HAS_SIGHAND, "SIGHAND", "sighand_ref 400010" },
	};
	struct ckpt_task_pids e[2];
	struct result res;
	char want[160];
	size_t k, off;

	/* a thread shares all four with its leader */
	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	for (k = 0; k < sizeof(rec) / sizeof(rec[0]); k++) {
		res = read_with_records(e, 2, 1, rec[k].has, &off);
		snprintf(want, sizeof(want),
			 "TREE entry 1 (pid 11): unexpected %s record: %s was written with TREE entry 0 (pid 10)",
			 rec[k].name, rec[k].ref);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, want);
	}
}
END_TEST

START_TEST(required_records_are_there)
{
	struct img im = { 0 };
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct result res;
	size_t off;

	/* no CREDS */
	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 10, "x");
	off = img_fs(&im, e.fs_ref);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TREE entry 0 (pid 10): no CREDS record before FS");
	img_free(&im);

	/* no SIGNAL, then no CPU, then no FPU: the next record names it */
	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 10, "x");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	img_files(&im, e.files_ref, 0);
	img_mm(&im, e.mm_ref, 0);
	img_sighand(&im, e.sighand_ref);
	im.no_itimers = 1;
	off = img_cpu(&im);
	im.no_itimers = 0;
	img_fpu(&im);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TREE entry 0 (pid 10): no SIGNAL record before CPU");
	img_free(&im);

	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 10, "x");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	img_files(&im, e.files_ref, 0);
	img_mm(&im, e.mm_ref, 0);
	img_sighand(&im, e.sighand_ref);
	img_signal(&im, 0, 0, 0);
	img_cpu(&im);
	off = img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TREE entry 0 (pid 10): no FPU record before TAIL");
	img_free(&im);
}
END_TEST

START_TEST(task_records_stop_early_before_next_task_fails)
{
	struct ckpt_task_pids e[2];
	struct img im = { 0 };
	struct result res;
	size_t off;

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	img_header(&im);
	img_tree(&im, e, 2);
	img_task(&im, 10, "a");
	img_creds(&im);
	off = img_task_records(&im, &e[1], IMG_HAS_ALL);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"TREE entry 0 (pid 10): no FS record before TASK, but it is the first task with fs_ref 300010");
	img_free(&im);
}
END_TEST

START_TEST(record_objref_matches_the_tree)
{
	static const struct { uint32_t type; size_t off; const char *want; } rec[] = {
		{ CKPT_HDR_FS, offsetof(struct ckpt_hdr_fs, objref),
		  "TREE entry 0 (pid 10): FS objref 5, but its TREE fs_ref is 300010" },
		{ CKPT_HDR_FILES, offsetof(struct ckpt_hdr_files, objref),
		  "TREE entry 0 (pid 10): FILES objref 5, but its TREE files_ref is 200010" },
		{ CKPT_HDR_MM, offsetof(struct ckpt_hdr_mm, objref),
		  "TREE entry 0 (pid 10): MM objref 5, but its TREE mm_ref is 100010" },
		{ CKPT_HDR_SIGHAND, offsetof(struct ckpt_hdr_sighand, objref),
		  "TREE entry 0 (pid 10): SIGHAND objref 5, but its TREE sighand_ref is 400010" },
	};
	struct img im = { 0 };
	struct result res;
	size_t k, off;

	for (k = 0; k < sizeof(rec) / sizeof(rec[0]); k++) {
		img_minimal(&im, 10);
		off = img_find(&im, rec[k].type, 0);
		*(uint32_t *)(im.buf + off + rec[k].off) = 5;
		img_refresh_tail(&im);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, rec[k].want);
		img_free(&im);
	}
}
END_TEST

START_TEST(per_task_record_out_of_order_fails)
{
	struct img im = { 0 };
	struct ckpt_task_pids e = img_proc(NULL, 100);
	struct result res;
	size_t off;

	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 100, "x");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	img_files(&im, e.files_ref, 0);
	img_mm(&im, e.mm_ref, 0);
	img_signal(&im, 0, 0, 0);
	off = img_sighand(&im, e.sighand_ref);
	img_cpu(&im);
	img_fpu(&im);
	img_tail(&im);
	res = read_img(&im);
	/* SIGNAL first tells SIGHAND is missing */
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_SIGNAL, 0),
			"TREE entry 0 (pid 100): no SIGHAND record before SIGNAL");
	img_free(&im);

	/* a second CREDS after the FS */
	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 100, "x");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	off = img_creds(&im);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "CREDS record out of order in task 100 (TREE entry 0)");
	img_free(&im);
}
END_TEST

START_TEST(task_pid_not_in_tree_order_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_header(&im);
	img_tree1(&im, 100);
	off = img_task(&im, 101, "x");
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TASK pid 101, expected 100 (TREE entry 0)");
	img_free(&im);
}
END_TEST

START_TEST(zombie_with_records_fails)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };
	struct result res;
	size_t off;

	e[0] = img_proc(NULL, 10);
	e[1] = img_zombie(&e[0], 11, 0);
	e[2] = img_proc(&e[0], 12);
	img_header(&im);
	img_tree(&im, e, 3);
	img_task_records(&im, &e[0], IMG_HAS_ALL);
	off = img_task(&im, 11, "zombie");
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"TASK pid 11 is the zombie of TREE entry 1: zombies have no records");
	img_free(&im);
}
END_TEST

START_TEST(missing_task_record_fails_at_tail)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };
	struct result res;

	e[0] = img_proc(NULL, 10);
	e[1] = img_zombie(&e[0], 11, 0);
	e[2] = img_proc(&e[0], 12);
	img_header(&im);
	img_tree(&im, e, 3);
	img_task_records(&im, &e[0], IMG_HAS_ALL);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TAIL, 0),
			"image has 1 TASK records, the TREE has 2 tasks that are not zombies (TREE entry 2, pid 12, has none)");
	img_free(&im);
}
END_TEST

START_TEST(task_record_beyond_the_tree_fails)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_header(&im);
	img_tree(&im, &e, 1);
	img_task_records(&im, &e, IMG_HAS_ALL);
	off = img_task(&im, 10, "again");
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"TASK record 2 but the TREE has 1 tasks that are not zombies");
	img_free(&im);
}
END_TEST

/*
 * A process and one thread; the SIGNAL of entry `who` has shared_pending
 * and nsi SIGINFO records with si_flags.  *sig_off, *si_off: where they are.
 */
static struct result read_signal(uint32_t who, uint64_t shared_pending,
				 uint32_t nsi, uint32_t si_flags,
				 size_t *sig_off, size_t *si_off)
{
	struct ckpt_task_pids e[2];
	struct img im = { 0 };
	struct result res;
	uint32_t i, k;

	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	img_header(&im);
	img_tree(&im, e, 2);
	for (i = 0; i < 2; i++) {
		size_t t = img_task(&im, e[i].pid, "t");

		((struct ckpt_hdr_task *)(im.buf + t))->exit_signal = e[i].exit_signal;
		img_creds(&im);
		if (!i) {
			img_fs(&im, e[0].fs_ref);
			img_files(&im, e[0].files_ref, 0);
			img_mm(&im, e[0].mm_ref, 0);
			img_sighand(&im, e[0].sighand_ref);
		}
		if (i == who) {
			*sig_off = img_signal(&im, 1ULL << 9, shared_pending, nsi);
			for (k = 0; k < nsi; k++)
				*si_off = img_siginfo(&im, 10, si_flags);
		} else {
			img_signal(&im, 0, 0, 0);
		}
		img_cpu(&im);
		img_fpu(&im);
	}
	img_tail(&im);
	res = read_img(&im);
	img_free(&im);
	return res;
}

START_TEST(thread_signal_has_no_group_queue)
{
	struct result res;
	size_t sig = 0, si = 0;

	res = read_signal(1, 1ULL << 9, 0, 0, &sig, &si);
	ck_assert_fails(res, KCR_ERR_FORMAT, sig,
			"TREE entry 1 (pid 11): SIGNAL of a thread has shared_pending 0x200 (the group leader carries it)");
	res = read_signal(1, 0, 1, CKPT_SIGINFO_SHARED, &sig, &si);
	ck_assert_fails(res, KCR_ERR_FORMAT, si,
			"TREE entry 1 (pid 11): SIGINFO of the group's queue (SHARED) in a thread");
	/* the leader carries the group's queue; a thread its own */
	res = read_signal(0, 1ULL << 9, 1, CKPT_SIGINFO_SHARED, &sig, &si);
	ck_valid(res);
	res = read_signal(1, 0, 1, 0, &sig, &si);
	ck_valid(res);
}
END_TEST

/* ---------------------------------------------------------- body objrefs */

START_TEST(fd_names_a_file_written_before)
{
	struct img im = { 0 };
	struct result res;
	char want[128];
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FD, 1);
	((struct ckpt_hdr_fd *)(im.buf + off))->file_ref = 1;	/* the PIPE */
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FD 1: file_ref 1 names no FILE written before");
	img_free(&im);

	img_full(&im, 100);
	/* FD 0 uses FILE 3, written only later */
	off = img_find(&im, CKPT_HDR_FD, 0);
	((struct ckpt_hdr_fd *)(im.buf + off))->file_ref = 3;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FD 0: file_ref 3 names no FILE written before");
	img_free(&im);

	img_full(&im, 100);
	/* FD 1 uses FILE 2 again: FILE 3 is used by nothing */
	off = img_find(&im, CKPT_HDR_FD, 1);
	((struct ckpt_hdr_fd *)(im.buf + off))->file_ref = 2;
	img_refresh_tail(&im);
	res = read_img(&im);
	snprintf(want, sizeof(want), "FILE 3 at offset %zu is used by no FD",
		 img_find(&im, CKPT_HDR_FILE, 1));
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TAIL, 0),
			want);
	img_free(&im);
}
END_TEST

START_TEST(fd_of_an_unknown_file_fails)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_fd fd;
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 10, "x");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	img_files(&im, e.files_ref, 1);
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 99;
	off = img_rec(&im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FD 0: file_ref 99 names no FILE written before");
	img_free(&im);
}
END_TEST

START_TEST(fds_ascend)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FD, 1);
	((struct ckpt_hdr_fd *)(im.buf + off))->fd = 0;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FD 0 not above the previous fd 0");
	img_free(&im);
}
END_TEST

START_TEST(objref_defined_once_across_kinds)
{
	struct img im = { 0 };
	struct result res;
	char want[128];
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 1);
	((struct ckpt_hdr_file *)(im.buf + off))->objref = 2;
	img_refresh_tail(&im);
	res = read_img(&im);
	snprintf(want, sizeof(want), "FILE objref 2 is already defined: it is the FILE record at offset %zu",
		 img_find(&im, CKPT_HDR_FILE, 0));
	ck_assert_fails(res, KCR_ERR_FORMAT, off, want);
	img_free(&im);

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 1);
	((struct ckpt_hdr_file *)(im.buf + off))->objref = IMG_REF(IMG_SIGNAL, 100);
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE objref 500100 is already defined: it is the signal_ref of TREE entry 0 (pid 100)");
	img_free(&im);

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PIPE, 0);
	((struct ckpt_hdr_pipe *)(im.buf + off))->objref = 0;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "PIPE objref 0 is invalid");
	img_free(&im);
}
END_TEST

START_TEST(pipe_file_names_a_pipe_written_before)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 0);
	((struct ckpt_hdr_file *)(im.buf + off))->obj_ref = 3;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 2: obj_ref 3 names no PIPE written before");
	img_free(&im);
}
END_TEST

START_TEST(pipe_file_checks)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 0);
	((struct ckpt_hdr_file *)(im.buf + off))->f_flags = 2;	/* O_RDWR */
	img_refresh_tail(&im);
	ck_valid(read_img(&im));	/* a pipe reopened read-write */
	img_free(&im);

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 0);
	((struct ckpt_hdr_file *)(im.buf + off))->f_flags = 3;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 2: a pipe or FIFO file is O_RDONLY, O_WRONLY or O_RDWR, not f_flags 03");
	img_free(&im);

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 1);
	((struct ckpt_hdr_file *)(im.buf + off))->obj_ref = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 3 of kind reg has obj_ref 1 (only pipe and FIFO files have one)");
	img_free(&im);

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_PIPE, 0);
	((struct ckpt_hdr_pipe *)(im.buf + off))->size = 3 * 4096;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"PIPE size 12288 is not a power of two of at least the page size");
	img_free(&im);
}
END_TEST

/*
 * n FILEs of PIPE 1 of the given kinds (kinds[i]; a FIFO with path if
 * paths[i]) and f_flags (i % 3: read, write, read-write), each at an fd.
 * Returns the offset of the last FILE.
 */
static size_t pipe_files_image(struct img *im, uint32_t n,
			       const uint32_t *kinds, const char *const *paths)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_pipe pipe;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	size_t off = 0;
	uint32_t i;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, n);
	memset(&pipe, 0, sizeof(pipe));
	pipe.objref = 1;
	pipe.size = 65536;
	img_rec(im, CKPT_HDR_PIPE, &pipe, sizeof(pipe), NULL, 0);
	for (i = 0; i < n; i++) {
		memset(&file, 0, sizeof(file));
		file.objref = 2 + i;
		file.kind = kinds[i];
		file.f_flags = i % 3;
		file.mode = S_IFIFO | 0600;
		file.obj_ref = 1;
		if (paths && paths[i]) {
			file.path_len = strlen(paths[i]) + 1;
			file.id.dev = 5;
			file.id.ino = 77;
		}
		off = img_rec(im, CKPT_HDR_FILE, &file, sizeof(file),
			      paths ? paths[i] : NULL, file.path_len);
		memset(&fd, 0, sizeof(fd));
		fd.fd = i;
		fd.file_ref = 2 + i;
		img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	}
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
	return off;
}

/* Any number of open files of a pipe, in any access mode (reopens). */
START_TEST(pipe_several_files_of_an_end)
{
	static const uint32_t k[4] = { CKPT_FILE_PIPE, CKPT_FILE_PIPE,
				       CKPT_FILE_PIPE, CKPT_FILE_PIPE };
	struct img im = { 0 };

	pipe_files_image(&im, 4, k, NULL);
	ck_valid(read_img(&im));
	img_free(&im);
}
END_TEST

/* O_PATH files of kind reg: any node but a character device. */
START_TEST(opath_files)
{
	struct ckpt_hdr_file *f;
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_FILE, 1);	/* /tmp/log */
	f = (struct ckpt_hdr_file *)(im.buf + off);
	f->mode = S_IFLNK | 0777;
	f->f_flags = 010000000 | 0400000;	/* O_PATH | O_NOFOLLOW */
	f->pos = 0;
	f->id.size = 0;
	f->id.mtime_sec = 0;
	f->id.mtime_nsec = 0;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	f->f_flags = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 3: kind reg of mode 0120777 is a regular file or directory, or an O_PATH file");
	f->f_flags = 010000000;
	f->mode = S_IFCHR | 0666;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 3: kind reg of mode 020666 is a regular file or directory, or an O_PATH file");
	f->mode = S_IFIFO | 0666;
	f->id.size = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 3: the identity of a directory or other non-regular file has no size nor mtime (size 1, mtime 0.000000000)");
	img_free(&im);
}
END_TEST

/* FIFO files: a path and an identity, or an unlinked one with neither. */
START_TEST(fifo_files)
{
	static const uint32_t k[3] = { CKPT_FILE_FIFO, CKPT_FILE_FIFO,
				       CKPT_FILE_FIFO };
	static const uint32_t mixed[2] = { CKPT_FILE_PIPE, CKPT_FILE_FIFO };
	static const char *const p3[3] = { "/tmp/f", "/tmp/f", "/tmp/f" };
	static const char *const p2[2] = { NULL, "/tmp/f" };
	struct ckpt_hdr_file *f;
	struct img im = { 0 };
	struct result res;
	size_t off;

	pipe_files_image(&im, 3, k, p3);
	ck_valid(read_img(&im));
	img_free(&im);

	pipe_files_image(&im, 3, k, NULL);	/* unlinked: an anonymous pipe */
	ck_valid(read_img(&im));
	img_free(&im);

	pipe_files_image(&im, 2, mixed, NULL);	/* a pipe, an unlinked FIFO */
	ck_valid(read_img(&im));
	img_free(&im);

	off = pipe_files_image(&im, 2, mixed, p2);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 3: PIPE 1 is both an anonymous pipe and a named FIFO");
	img_free(&im);

	/* a pipe's FILE has no path (only a FIFO's) */
	pipe_files_image(&im, 2, mixed, p3);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FILE, 0),
			"FILE 2: a pipe has no path");
	img_free(&im);

	off = pipe_files_image(&im, 3, k, p3);
	f = (struct ckpt_hdr_file *)(im.buf + off);
	f->mode = S_IFREG | 0600;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 4: a FIFO file has a FIFO's mode (not 0100600), no position, no rdev");
	img_free(&im);

	off = pipe_files_image(&im, 3, k, p3);
	((struct ckpt_hdr_file *)(im.buf + off))->pos = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 4: a FIFO file has a FIFO's mode (not 010600), no position, no rdev");
	img_free(&im);

	off = pipe_files_image(&im, 3, k, p3);
	((struct ckpt_hdr_file *)(im.buf + off))->id.size = 9;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 4: the identity of a directory or other non-regular file has no size nor mtime (size 9, mtime 0.000000000)");
	img_free(&im);

	off = pipe_files_image(&im, 3, k, NULL);	/* unlinked: no identity */
	((struct ckpt_hdr_file *)(im.buf + off))->id.ino = 9;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 4: an identity (dev/ino/size/mtime) where there is no file: must be 0");
	img_free(&im);

	off = pipe_files_image(&im, 3, k, p3);
	((struct ckpt_hdr_file *)(im.buf + off))->obj_ref = 4;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 4: obj_ref 4 names no PIPE written before");
	img_free(&im);
}
END_TEST

/*
 * One task whose MM has two SHMEM VMAs of object 7: the first with one
 * page, the second as given.  Returns the second VMA's offset.
 */
static size_t shm_image(struct img *im, uint32_t ref2, uint64_t size2,
			uint64_t pages2, uint32_t kind2)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	static unsigned char page[8 + IMG_PAGE];
	struct ckpt_hdr_pages pg;
	struct ckpt_hdr_vma vma;
	size_t off;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "shm");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 0);
	img_mm(im, e.mm_ref, 2);
	memset(&vma, 0, sizeof(vma));
	vma.start = 0x10000000;
	vma.end = 0x10002000;
	vma.vm_flags = CKPT_VM_READ | CKPT_VM_WRITE | CKPT_VM_SHARED |
		       CKPT_VM_MAYSHARE;
	vma.kind = CKPT_VMA_SHMEM;
	vma.shm_ref = 7;
	vma.shm_size = 0x2000;
	vma.nr_pages = 1;
	img_rec(im, CKPT_HDR_VMA, &vma, sizeof(vma), NULL, 0);
	memset(&pg, 0, sizeof(pg));
	pg.nr_pages = 1;
	memset(page, 0, sizeof(page));
	page[8] = 0x42;
	img_rec(im, CKPT_HDR_PAGES, &pg, sizeof(pg), page, sizeof(page));
	vma.start = 0x20000000;
	vma.end = 0x20002000;
	vma.kind = kind2;
	vma.shm_ref = ref2;
	vma.shm_size = size2;
	vma.nr_pages = pages2;
	off = img_rec(im, CKPT_HDR_VMA, &vma, sizeof(vma), NULL, 0);
	if (pages2) {
		img_rec(im, CKPT_HDR_PAGES, &pg, sizeof(pg), page, sizeof(page));
	}
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
	return off;
}

START_TEST(shared_memory_objrefs)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	shm_image(&im, 7, 0x2000, 0, CKPT_VMA_SHMEM);
	ck_valid(read_img(&im));
	img_free(&im);

	off = shm_image(&im, 7, 0x4000, 0, CKPT_VMA_SHMEM);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"VMA shm_ref 7: shm_size 0x4000, but the object has 0x2000");
	img_free(&im);

	off = shm_image(&im, 7, 0x2000, 1, CKPT_VMA_SHMEM);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"VMA shm_ref 7: 1 pages, but the pages of a shared memory object come with its first VMA");
	img_free(&im);

	off = shm_image(&im, 7, 0, 0, CKPT_VMA_ANON);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "anon VMA with shm_ref 7 (only shmem and sysv_shm VMAs have one)");
	img_free(&im);

	off = shm_image(&im, IMG_REF(IMG_FS, 10), 0x2000, 0, CKPT_VMA_SHMEM);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"VMA shm_ref 300010 is the fs_ref of TREE entry 0 (pid 10), not shared memory");
	img_free(&im);

	off = shm_image(&im, 0, 0x2000, 0, CKPT_VMA_SHMEM);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "VMA shm_ref objref 0 is invalid");
	img_free(&im);

	off = shm_image(&im, 8, 0x2001, 0, CKPT_VMA_SHMEM);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"shmem VMA shm_size 0x2001 is not a nonzero multiple of the page size");
	img_free(&im);
}
END_TEST

/* One field of the TASK (or MM) record of img_minimal() edited: refused. */
static void task_field_refused(size_t at, const void *val, size_t size,
			       uint32_t type, const char *needle)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_minimal(&im, 10);
	off = img_find(&im, type, 0);
	memcpy(im.buf + off + at, val, size);
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, needle);
	img_free(&im);
}

START_TEST(task_state_fields_are_checked)
{
	int32_t nice = 20;
	uint32_t u = 4, prio = 0, sig = 10;
	int16_t oom = -1001;
	uint64_t fl = 0;	/* no ALL_CPUS and no CPU */

	task_field_refused(offsetof(struct ckpt_hdr_task, nice), &nice, 4,
			   CKPT_HDR_TASK, "TASK scheduling policy 0, priority 0, nice 20");
	task_field_refused(offsetof(struct ckpt_hdr_task, policy), &u, 4,
			   CKPT_HDR_TASK, "TASK scheduling policy 4");
	u = 1;	/* SCHED_FIFO needs a priority */
	task_field_refused(offsetof(struct ckpt_hdr_task, policy), &u, 4,
			   CKPT_HDR_TASK, "TASK scheduling policy 1, priority 0");
	prio = 5;	/* SCHED_NORMAL has none */
	task_field_refused(offsetof(struct ckpt_hdr_task, rt_priority), &prio, 4,
			   CKPT_HDR_TASK, "TASK scheduling policy 0, priority 5");
	task_field_refused(offsetof(struct ckpt_hdr_task, oom_score_adj), &oom, 2,
			   CKPT_HDR_TASK, "TASK oom_score_adj -1001");
	task_field_refused(offsetof(struct ckpt_hdr_task, flags), &fl, 8,
			   CKPT_HDR_TASK, "TASK affinity 0x0");
	fl = CKPT_TASKF_ALL_CPUS | 0x200;
	task_field_refused(offsetof(struct ckpt_hdr_task, flags), &fl, 8,
			   CKPT_HDR_TASK, "TASK flags 0x280: unknown bits");
	task_field_refused(offsetof(struct ckpt_hdr_task, exit_signal), &sig, 4,
			   CKPT_HDR_TASK, "TASK exit_signal 10, the TREE entry 0 has 17");
	u = CKPT_MM_MCL_ONFAULT;
	task_field_refused(offsetof(struct ckpt_hdr_mm, flags), &u, 4,
			   CKPT_HDR_MM, "MCL_ONFAULT without MCL_FUTURE");
	u = 0x200;
	task_field_refused(offsetof(struct ckpt_hdr_mm, coredump_filter), &u, 4,
			   CKPT_HDR_MM, "MM coredump_filter 0x200");
	u = 0x100;
	task_field_refused(offsetof(struct ckpt_hdr_mm, membarrier), &u, 4,
			   CKPT_HDR_MM, "MM membarrier 0x100");
}
END_TEST

START_TEST(reserved_fields_of_fs_mm_sighand_are_zero)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_minimal(&im, 10);
	off = img_find(&im, CKPT_HDR_FS, 0);
	((struct ckpt_hdr_fs *)(im.buf + off))->pad = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FS pad field is nonzero");
	img_free(&im);

	img_minimal(&im, 10);
	off = img_find(&im, CKPT_HDR_MM, 0);
	((struct ckpt_hdr_mm *)(im.buf + off))->flags = 8;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "MM flags 0x8: unknown");
	img_free(&im);

	img_minimal(&im, 10);
	off = img_find(&im, CKPT_HDR_SIGHAND, 0);
	((struct ckpt_hdr_sighand *)(im.buf + off))->pad = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "SIGHAND pad field is nonzero");
	img_free(&im);
}
END_TEST

/* ------------------------------------------- checks of single record fields */

/* --- timers --- */

/*
 * One process with its ITIMERS and nr POSIX_TIMERs (ids 0, 3, 5...), or a
 * process and a thread (threaded) with a SIGEV_THREAD_ID timer aimed at it.
 */
static void img_timers(struct img *im, int nr, int threaded)
{
	struct ckpt_task_pids e[2];
	unsigned int has;
	int i, k, n = threaded ? 2 : 1;

	e[0] = img_proc(NULL, 10);
	if (threaded)
		e[1] = img_thread(&e[0], 11);
	img_header(im);
	img_tree(im, e, n);
	for (i = 0; i < n; i++) {
		has = img_needs(e, n, i);
		img_task_head(im, &e[i], has);
		if (has & IMG_HAS_MM)
			img_mm(im, e[i].mm_ref, 0);
		if (has & IMG_HAS_SIGHAND)
			img_sighand(im, e[i].sighand_ref);
		img_signal(im, 0, 0, 0);
		if (!i) {
			struct ckpt_hdr_itimers *h;

			im->no_itimers = 1;
			h = (void *)(im->buf + img_itimers(im, nr));
			h->it[CKPT_ITIMER_REAL].value_ns = 2500000000ULL;
			h->it[CKPT_ITIMER_REAL].interval_ns = 500000000ULL;
			h->it[CKPT_ITIMER_VIRTUAL].value_ns = 100000000ULL;
			h->next_posix_id = 9;
			for (k = 0; k < nr; k++)
				img_posix_timer(im, k ? 2 * k + 1 : 0);
			if (threaded) {
				struct ckpt_hdr_posix_timer *t;

				t = (void *)(im->buf + img_find(im, CKPT_HDR_POSIX_TIMER, 0));
				t->notify = 4;	/* SIGEV_THREAD_ID */
				t->tid = 11;
			}
		}
		img_cpu(im);
		im->no_itimers = 0;
		img_fpu(im);
	}
	img_tail(im);
}

START_TEST(timers_valid_images_parse)
{
	struct img im = { 0 };
	struct ckpt_hdr_posix_timer *t;
	struct result res;

	img_timers(&im, 3, 0);
	res = read_img(&im);
	ck_valid(res);
	img_free(&im);

	/* SIGEV_THREAD_ID aimed at the process's thread */
	img_timers(&im, 1, 1);
	res = read_img(&im);
	ck_valid(res);
	img_free(&im);

	/* an absolute CLOCK_REALTIME timer, a periodic one with its signal queued */
	img_timers(&im, 2, 0);
	t = (void *)(im.buf + img_find(&im, CKPT_HDR_POSIX_TIMER, 0));
	t->clockid = 0;
	t->flags |= CKPT_PTIMER_ABSTIME;
	t->value_ns = 1700000000000000000LL;
	t = (void *)(im.buf + img_find(&im, CKPT_HDR_POSIX_TIMER, 1));
	t->flags = CKPT_PTIMER_EXPIRY | CKPT_PTIMER_QUEUED;
	t->value_ns = -300000000;
	t->interval_ns = 10000000;
	t->requeue_pending = 3;
	t->sig_private = 3;
	t->sig_overrun = 2;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_valid(res);
	img_free(&im);
}
END_TEST

/* A timer record or ITIMERS with one field changed, or misplaced. */
START_TEST(timers_bad_records_fail)
{
	static const struct {
		uint32_t type;
		int n;
		size_t off, size;
		uint64_t val;
		const char *why;
	} c[] = {
#define FC(t, n, st, m, v, why) { t, n, offsetof(struct st, m), sizeof(((struct st *)0)->m), v, why }
		FC(CKPT_HDR_ITIMERS, 0, ckpt_hdr_itimers, nr_posix, CKPT_POSIX_TIMERS_MAX + 1,
		   "ITIMERS nr_posix 65537 > 65536"),
		FC(CKPT_HDR_ITIMERS, 0, ckpt_hdr_itimers, next_posix_id, 0x80000000U,
		   "ITIMERS next_posix_id 2147483648 > INT_MAX"),
		FC(CKPT_HDR_ITIMERS, 0, ckpt_hdr_itimers, it[2].interval_ns, 1,
		   "ITIMERS timer 2: value 0 ns, interval 1 ns"),
		FC(CKPT_HDR_ITIMERS, 0, ckpt_hdr_itimers, it[0].value_ns, 1ULL << 63,
		   "ITIMERS timer 0: value"),
		FC(CKPT_HDR_ITIMERS, 0, ckpt_hdr_itimers, real_passed_ns, 5,
		   "ITIMERS real_passed_ns 5 with ITIMER_REAL value 2500000000 ns"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, value_ns, 1ULL << 63,
		   "POSIX_TIMER 0: value -9223372036854775808 ns"),
		FC(CKPT_HDR_POSIX_TIMER, 1, ckpt_hdr_posix_timer, id, 0,
		   "POSIX_TIMER id 0 after 0 (increasing"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, clockid, 4,
		   "POSIX_TIMER 0: clock 4"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, notify, 3,
		   "POSIX_TIMER 0: sigev_notify 3"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, signo, 65,
		   "POSIX_TIMER 0: signal 65"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, flags, 0x12,
		   "POSIX_TIMER 0: flags 0x12"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, flags, CKPT_PTIMER_ARMED,
		   "POSIX_TIMER 0: flags 0x2"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, flags,
		   CKPT_PTIMER_EXPIRY | CKPT_PTIMER_ABSTIME, "POSIX_TIMER 0: flags 0x5"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, interval_ns, 1ULL << 63,
		   "POSIX_TIMER 0: value 1000000000 ns, interval 9223372036854775808 ns"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, overrun, (uint64_t)-2,
		   "POSIX_TIMER 0: overruns -2/0/0"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, sig_overrun, 5,
		   "POSIX_TIMER 0: overruns -1/0/5"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, tid, 10,
		   "POSIX_TIMER 0: tid 10 without SIGEV_THREAD_ID"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, pad, 1,
		   "POSIX_TIMER 0: pad is not 0"),
		FC(CKPT_HDR_POSIX_TIMER, 0, ckpt_hdr_posix_timer, notify, 4,
		   "POSIX_TIMER 0: tid 0 is not a thread of the process"),
#undef FC
	};
	struct img im = { 0 };
	struct result res;
	size_t k, off;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		img_timers(&im, 2, 0);
		off = img_find(&im, c[k].type, c[k].n);
		memcpy(im.buf + off + c[k].off, &c[k].val, c[k].size);
		img_refresh_tail(&im);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, c[k].why);
		img_free(&im);
	}

	/* a timer more than ITIMERS announced: the CPU after it says so */
	img_timers(&im, 2, 0);
	off = img_find(&im, CKPT_HDR_ITIMERS, 0);
	((struct ckpt_hdr_itimers *)(im.buf + off))->nr_posix = 3;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_CPU, 0),
			"POSIX_TIMER records missing");
	img_free(&im);

	/* a thread's timer aimed at a thread of another process (the leader's pid is fine) */
	img_timers(&im, 1, 1);
	off = img_find(&im, CKPT_HDR_POSIX_TIMER, 0);
	((struct ckpt_hdr_posix_timer *)(im.buf + off))->tid = 12;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "tid 12 is not a thread of the process");
	img_free(&im);

	/* no ITIMERS in a process, ITIMERS in a thread */
	img_timers(&im, 0, 0);
	off = img_find(&im, CKPT_HDR_ITIMERS, 0);
	((struct ckpt_hdr *)(im.buf + off))->type = CKPT_HDR_SIGHAND + 100;
	res = read_img(&im);
	ck_assert_msg(res.ret == -1, "unknown record type accepted");
	img_free(&im);
	memset(&im, 0, sizeof(im));
	im.no_itimers = 1;
	img_minimal(&im, 100);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_CPU, 0),
			"no ITIMERS record before CPU");
	img_free(&im);
}
END_TEST

/*
 * One field of img_full() changed: the image must fail at that record,
 * for the reason given.
 */
START_TEST(record_field_checks)
{
	static const struct {
		uint32_t type;
		int n;
		size_t off, size;
		uint64_t val;
		const char *why;
	} c[] = {
#define FC(t, n, st, m, v, why) { t, n, offsetof(struct st, m), sizeof(((struct st *)0)->m), v, why }
		FC(CKPT_HDR_FD, 0, ckpt_hdr_fd, flags, 2, "FD 0: unknown flags 0x2"),
		FC(CKPT_HDR_FD, 1, ckpt_hdr_fd, fd, CKPT_FDS_MAX, "FD 1048576 >= 1048576"),
		FC(CKPT_HDR_FILE, 1, ckpt_hdr_file, kind, 99, "FILE kind 99 unknown"),
		FC(CKPT_HDR_PIPE, 0, ckpt_hdr_pipe, data_len, 70000, "PIPE data_len 70000 > size 65536"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, start, 0x404000, "VMA range 0x404000-0x404000 is empty"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, start, 0x400010, "VMA range 0x400010-0x404000 is empty or not page aligned"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, kind, 9, "VMA kind 9 unknown"),
		FC(CKPT_HDR_VMA, 1, ckpt_hdr_vma, nr_pages, 5, "VMA nr_pages 5 > pages in 0x7f0000000000-0x7f0000004000"),
		FC(CKPT_HDR_VMA, 1, ckpt_hdr_vma, kind, CKPT_VMA_FILE, "file VMA without a path"),
		FC(CKPT_HDR_FILES, 0, ckpt_hdr_files, nr_fds, CKPT_FDS_MAX + 1, "FILES nr_fds 1048577 > 1048576"),
		FC(CKPT_HDR_MM, 0, ckpt_hdr_mm, nr_vmas, CKPT_VMAS_MAX + 1, "MM nr_vmas 65531 > 65530"),
		FC(CKPT_HDR_MM, 0, ckpt_hdr_mm, auxv_words, CKPT_AUXV_WORDS + 1, "MM auxv_words 101 > 100"),
		FC(CKPT_HDR_SIGNAL, 0, ckpt_hdr_signal, nr_pending, CKPT_SIGINFO_MAX + 1, "SIGNAL nr_pending 65537 > 65536"),
		FC(CKPT_HDR_SIGINFO, 0, ckpt_hdr_siginfo, flags, 2, "SIGINFO unknown flags 0x2"),
		FC(CKPT_HDR_CPU, 0, ckpt_hdr_cpu, syscall_state, CKPT_SYSCALL_STATE_MAX + 1, "CPU syscall_state 4 unknown"),
		/* PAGES addresses, just after the fixed part */
		{ CKPT_HDR_PAGES, 0, sizeof(struct ckpt_hdr_pages), 8, 0x7f0000000010ULL,
		  "PAGES address 0 0x7f0000000010 is not page aligned" },
		{ CKPT_HDR_PAGES, 0, sizeof(struct ckpt_hdr_pages) + 8, 8, 0x7f0000000000ULL,
		  "PAGES address 1 0x7f0000000000 not above the previous page 0x7f0000000000" },
#undef FC
	};
	struct img im = { 0 };
	struct result res;
	size_t k, off;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		img_full(&im, 100);
		off = img_find(&im, c[k].type, c[k].n);
		memcpy(im.buf + off + c[k].off, &c[k].val, c[k].size);
		img_refresh_tail(&im);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, c[k].why);
		img_free(&im);
	}
}
END_TEST

START_TEST(strings_of_fixed_size_are_nul_terminated)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_minimal(&im, 100);
	memset(FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->release, 'x', 65);
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "release/machine strings are not NUL-terminated");
	img_free(&im);

	img_minimal(&im, 100);
	off = img_find(&im, CKPT_HDR_TASK, 0);
	memset(((struct ckpt_hdr_task *)(im.buf + off))->comm, 'x', CKPT_COMM_LEN);
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TASK comm is not NUL-terminated");
	img_free(&im);
}
END_TEST

START_TEST(children_stay_inside_their_section)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_fd fd;
	struct img im = { 0 };
	struct result res;
	char want[128];
	size_t off;

	/* FILES announces one FD, the image has two */
	img_full(&im, 100);
	FIELD(im, CKPT_HDR_FILES, struct ckpt_hdr_files, 0)->nr_fds = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	snprintf(want, sizeof(want), "FD record exceeds what its FILES at offset %zu announced",
		 img_find(&im, CKPT_HDR_FILES, 0));
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FD, 1), want);
	img_free(&im);

	/* an FD after the MM: no FILES section is open */
	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 10, "x");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	img_files(&im, e.files_ref, 0);
	img_mm(&im, e.mm_ref, 0);
	memset(&fd, 0, sizeof(fd));
	off = img_rec(&im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FD record outside a FILES section");
	img_free(&im);
}
END_TEST

START_TEST(task_records_start_with_task)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_header(&im);
	img_tree(&im, &e, 1);
	off = img_creds(&im);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "CREDS record before the first TASK");
	img_free(&im);
}
END_TEST

/* One task whose FILES holds the given FILE after a PIPE, its FILE and FD. */
static size_t second_file_image(struct img *im, uint32_t kind, uint32_t obj_ref,
				uint16_t path_len)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_pipe pipe;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	size_t off;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 2);
	memset(&pipe, 0, sizeof(pipe));
	pipe.objref = 1;
	pipe.size = 65536;
	img_rec(im, CKPT_HDR_PIPE, &pipe, sizeof(pipe), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 2;
	file.kind = CKPT_FILE_PIPE;
	file.obj_ref = 1;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 3;
	file.kind = kind;
	file.f_flags = 1;
	file.obj_ref = obj_ref;
	file.path_len = path_len;
	off = img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), "/dev/null", path_len);
	fd.fd = 1;
	fd.file_ref = 3;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
	return off;
}

/* ------------------------------------------------------------ ghost files */

enum ghost_bad {
	GHOST_OK,
	GHOST_DATA_PAST_SIZE,	/* a chunk past the inode's size */
	GHOST_DATA_OVERLAP,	/* the second chunk overlaps the first */
	GHOST_FEW_CHUNKS,	/* nr_chunks 3, two written */
	GHOST_MEMFD_DIR,	/* a memfd with a directory */
	GHOST_SEALS_NOT_MEMFD,	/* seals on a deleted file */
	GHOST_MODE_DIR,		/* an INODE of a directory */
	GHOST_FILE_NO_INODE,	/* the FILE names the FD's FILE */
	GHOST_VMA_NO_INODE,	/* the VMA names no INODE */
	GHOST_SHARED_PAGES,	/* a shared inode VMA with pages */
	GHOST_UNUSED,		/* the memfd INODE used by no VMA */
	GHOST_NAME_SLASH,	/* a name with a '/' */
};

/*
 * One task: FILES { INODE 1 (deleted /tmp/x.dat, 2 chunks) FILE 2 (ghost)
 * FD 0 }, MM { INODE 3 (memfd, sealed) VMA shared of 3, VMA private of 1 }.
 * Returns the offset of the record the variant breaks (0 for GHOST_OK).
 */
static size_t ghost_image(struct img *im, enum ghost_bad bad)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	static char data[100];
	char payload[64];
	struct ckpt_hdr_inode in;
	struct ckpt_hdr_inode_data dh;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	struct ckpt_hdr_vma v;
	size_t off = 0, o;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 1);

	memset(&in, 0, sizeof(in));
	in.objref = 1;
	in.mode = S_IFREG | (bad == GHOST_MODE_DIR ? S_IFDIR : 0) | 0640;
	in.size = bad == GHOST_FEW_CHUNKS ? 200000 : 70000;
	in.nr_chunks = bad == GHOST_FEW_CHUNKS ? 3 : 2;
	in.seals = bad == GHOST_SEALS_NOT_MEMFD ? 1 : 0;
	memcpy(payload, bad == GHOST_NAME_SLASH ? "x/dat" : "x.dat", 6);
	memcpy(payload + 6, "/tmp", 5);
	in.name_len = 6;
	in.dir_len = 5;
	o = img_rec(im, CKPT_HDR_INODE, &in, sizeof(in), payload, 11);
	if (bad == GHOST_MODE_DIR || bad == GHOST_SEALS_NOT_MEMFD ||
	    bad == GHOST_NAME_SLASH)
		off = o;
	memset(&dh, 0, sizeof(dh));
	dh.offset = 0;
	img_rec(im, CKPT_HDR_INODE_DATA, &dh, sizeof(dh), data, sizeof(data));
	dh.offset = bad == GHOST_DATA_OVERLAP ? 50 :
		    bad == GHOST_DATA_PAST_SIZE ? 69950 : 65536;
	o = img_rec(im, CKPT_HDR_INODE_DATA, &dh, sizeof(dh), data, sizeof(data));
	if (bad == GHOST_DATA_OVERLAP || bad == GHOST_DATA_PAST_SIZE)
		off = o;

	memset(&file, 0, sizeof(file));
	file.objref = 2;
	file.kind = CKPT_FILE_GHOST;
	file.f_flags = 2;	/* O_RDWR */
	file.mode = S_IFREG | 0640;
	file.pos = 1234;
	file.obj_ref = bad == GHOST_FILE_NO_INODE ? 2 : 1;
	o = img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	if (bad == GHOST_FEW_CHUNKS || bad == GHOST_FILE_NO_INODE)
		off = o;
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);

	img_mm(im, e.mm_ref, bad == GHOST_UNUSED ? 1 : 2);
	memset(&in, 0, sizeof(in));
	in.objref = 3;
	in.flags = CKPT_INODE_MEMFD;
	in.mode = S_IFREG | 0777;
	in.seals = 0x6;		/* F_SEAL_SHRINK | F_SEAL_GROW */
	in.size = 8192;
	memcpy(payload, "memfd:buf", 10);
	memcpy(payload + 10, "/tmp", 5);
	in.name_len = 10;
	in.dir_len = bad == GHOST_MEMFD_DIR ? 5 : 0;
	o = img_rec(im, CKPT_HDR_INODE, &in, sizeof(in), payload,
		    in.name_len + in.dir_len);
	if (bad == GHOST_MEMFD_DIR)
		off = o;
	memset(&v, 0, sizeof(v));
	if (bad != GHOST_UNUSED) {
		v.start = 0x10000000;
		v.end = 0x10002000;
		v.vm_flags = IMG_VM_SHM_RW;
		v.kind = CKPT_VMA_INODE;
		v.shm_ref = bad == GHOST_VMA_NO_INODE ? 2 : 3;
		v.nr_pages = bad == GHOST_SHARED_PAGES ? 1 : 0;
		o = img_rec(im, CKPT_HDR_VMA, &v, sizeof(v), NULL, 0);
		if (bad == GHOST_VMA_NO_INODE || bad == GHOST_SHARED_PAGES)
			off = o;
	}
	v.start = 0x20000000;
	v.end = 0x20002000;
	v.vm_flags = CKPT_VM_READ | CKPT_VM_WRITE | CKPT_VM_MAYREAD |
		     CKPT_VM_MAYWRITE;
	v.kind = CKPT_VMA_INODE;
	v.shm_ref = 1;
	v.nr_pages = 0;
	img_rec(im, CKPT_HDR_VMA, &v, sizeof(v), NULL, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	o = img_tail(im);
	if (bad == GHOST_UNUSED)
		off = o;
	return off;
}

START_TEST(ghost_inodes_are_checked)
{
	static const struct {
		enum ghost_bad bad;
		const char *why;
	} cases[] = {
		{ GHOST_DATA_PAST_SIZE, "INODE_DATA of 100 bytes at 69950: overlaps the previous chunk or past the size 70000" },
		{ GHOST_DATA_OVERLAP, "INODE_DATA of 100 bytes at 50: overlaps" },
		{ GHOST_FEW_CHUNKS, "1 INODE_DATA records missing" },
		{ GHOST_MEMFD_DIR, "INODE 3: a memfd is named \"memfd:...\" and has no directory" },
		{ GHOST_SEALS_NOT_MEMFD, "INODE 1: seals 0x1 (unknown, or not a memfd)" },
		{ GHOST_MODE_DIR, "is not a regular file's" },
		{ GHOST_FILE_NO_INODE, "FILE 2: 2 names no INODE written before" },
		{ GHOST_VMA_NO_INODE, "inode VMA shm_ref: 2 names no INODE written before" },
		{ GHOST_SHARED_PAGES, "shared inode VMA with pages" },
		{ GHOST_UNUSED, "INODE 3 at offset" },
		{ GHOST_NAME_SLASH, "name with a '/'" },
	};
	struct img im = { 0 };
	struct result res;
	unsigned int i;
	size_t off;

	ghost_image(&im, GHOST_OK);
	ck_valid(read_img(&im));
	img_free(&im);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		off = ghost_image(&im, cases[i].bad);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, cases[i].why);
		img_free(&im);
	}
}
END_TEST

START_TEST(ghost_inode_outside_files_or_mm)
{
	struct ckpt_hdr_inode in;
	struct img im = { 0 };
	struct result res;
	size_t off;

	/* an INODE between SIGHAND and SIGNAL: in no section */
	img_header(&im);
	{
		struct ckpt_task_pids e = img_proc(NULL, 10);

		img_tree(&im, &e, 1);
		img_task(&im, 10, "x");
		img_creds(&im);
		img_fs(&im, e.fs_ref);
		img_files(&im, e.files_ref, 0);
		img_mm(&im, e.mm_ref, 0);
		img_sighand(&im, e.sighand_ref);
	}
	memset(&in, 0, sizeof(in));
	in.objref = 1;
	in.mode = S_IFREG | 0600;
	in.name_len = 2;
	off = img_rec(&im, CKPT_HDR_INODE, &in, sizeof(in), "x", 2);
	img_signal(&im, 0, 0, 0);
	img_cpu(&im);
	img_fpu(&im);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"INODE record outside a FILES section or before a VMA");
	img_free(&im);
}
END_TEST

/* ---------------------------------------------------------------- file locks */

/*
 * One task: PIPE 1 read through FILE 2 on fd 0, FILE 3 (/dev/null) on fd 1
 * and fd 2, then the n FILE_LOCK records (after fd 1 if early, else after
 * the last FD).  Returns the offset of lock number `mark`.
 */
static size_t lock_image(struct img *im, const struct ckpt_hdr_file_lock *l,
			 unsigned int n, unsigned int mark, int early)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_pipe pipe;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	size_t off = 0, o;
	unsigned int i;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 3);
	memset(&pipe, 0, sizeof(pipe));
	pipe.objref = 1;
	pipe.size = 65536;
	img_rec(im, CKPT_HDR_PIPE, &pipe, sizeof(pipe), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 2;
	file.kind = CKPT_FILE_PIPE;
	file.obj_ref = 1;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 3;
	file.kind = CKPT_FILE_CHR;
	file.f_flags = 2;
	file.path_len = 10;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), "/dev/null", 10);
	fd.fd = 1;
	fd.file_ref = 3;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	for (i = 0; early && i < n; i++) {
		o = img_rec(im, CKPT_HDR_FILE_LOCK, (void *)&l[i], sizeof(l[i]), NULL, 0);
		if (i == mark)
			off = o;
	}
	fd.fd = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	for (i = 0; !early && i < n; i++) {
		o = img_rec(im, CKPT_HDR_FILE_LOCK, (void *)&l[i], sizeof(l[i]), NULL, 0);
		if (i == mark)
			off = o;
	}
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
	return off;
}

static struct ckpt_hdr_file_lock lk(uint32_t ref, uint32_t fd, uint32_t kind,
				    uint32_t type, int64_t start, int64_t end)
{
	struct ckpt_hdr_file_lock l;

	memset(&l, 0, sizeof(l));
	l.file_ref = ref;
	l.fd = fd;
	l.kind = kind;
	l.type = type;
	l.start = start;
	l.end = end;
	return l;
}

/* flock, POSIX and OFD locks: a valid image, then one bad field at a time */
START_TEST(file_lock_records)
{
	struct ckpt_hdr_file_lock l[3];
	struct img im = { 0 };
	struct result res;
	size_t off;

	l[0] = lk(3, 1, CKPT_LOCK_FLOCK, CKPT_LOCK_WRITE, 0, CKPT_LOCK_EOF);
	l[1] = lk(3, 2, CKPT_LOCK_POSIX, CKPT_LOCK_READ, 0, 9);
	l[2] = lk(2, 0, CKPT_LOCK_OFD, CKPT_LOCK_WRITE, 5, CKPT_LOCK_EOF);
	lock_image(&im, l, 3, 0, 0);
	ck_valid(read_img(&im));
	img_free(&im);

	off = lock_image(&im, l, 3, 0, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK record before the last FD of its FILES section");
	img_free(&im);

	l[2].kind = 4;
	off = lock_image(&im, l, 3, 2, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FILE_LOCK kind 4 unknown");
	img_free(&im);
	l[2].kind = CKPT_LOCK_OFD;

	l[1].type = 0;
	off = lock_image(&im, l, 3, 1, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FILE_LOCK type 0 unknown");
	img_free(&im);
	l[1].type = CKPT_LOCK_READ;

	l[0].start = 1;
	off = lock_image(&im, l, 3, 0, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK: bad range 1-9223372036854775807 for kind flock");
	img_free(&im);
	l[0].start = 0;

	l[1].start = 10;
	off = lock_image(&im, l, 3, 1, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK: bad range 10-9 for kind posix");
	img_free(&im);
	l[1].start = -1;
	off = lock_image(&im, l, 3, 1, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK: bad range -1-9 for kind posix");
	img_free(&im);
	l[1].start = 0;

	l[2].fd = 1;	/* fd 1 holds FILE 3 */
	off = lock_image(&im, l, 3, 2, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK: fd 1 of this FILES section does not hold FILE 2");
	img_free(&im);
	l[2].fd = 7;	/* no such fd */
	off = lock_image(&im, l, 3, 2, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK: fd 7 of this FILES section does not hold FILE 2");
	img_free(&im);
	l[2].fd = 0;

	l[1] = lk(3, 2, CKPT_LOCK_FLOCK, CKPT_LOCK_READ, 0, CKPT_LOCK_EOF);
	off = lock_image(&im, l, 3, 1, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE_LOCK: a second flock lock of FILE 3");
	img_free(&im);
}
END_TEST

/* a lock of a FILE defined by an earlier FILES section must be POSIX */
START_TEST(file_lock_of_an_earlier_section)
{
	struct ckpt_task_pids e[2];
	struct ckpt_hdr_file_lock l;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	struct img im = { 0 };
	struct result res;
	size_t off = 0;
	uint32_t kind;

	for (kind = CKPT_LOCK_FLOCK; kind <= CKPT_LOCK_OFD; kind++) {
		e[0] = img_proc(NULL, 10);
		e[1] = img_proc(&e[0], 11);
		img_header(&im);
		img_tree(&im, e, 2);
		img_task_head(&im, &e[0], IMG_HAS_FS);
		img_files(&im, e[0].files_ref, 1);
		memset(&file, 0, sizeof(file));
		file.objref = 1;
		file.kind = CKPT_FILE_CHR;
		file.f_flags = 2;
		file.path_len = 10;
		img_rec(&im, CKPT_HDR_FILE, &file, sizeof(file), "/dev/null", 10);
		memset(&fd, 0, sizeof(fd));
		fd.fd = 3;
		fd.file_ref = 1;
		img_rec(&im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
		img_mm(&im, e[0].mm_ref, 0);
		img_task_tail(&im, &e[0], IMG_HAS_SIGHAND);
		img_task_head(&im, &e[1], IMG_HAS_FS);
		img_files(&im, e[1].files_ref, 1);
		img_rec(&im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
		l = lk(1, 3, kind, CKPT_LOCK_WRITE, 0, CKPT_LOCK_EOF);
		off = img_rec(&im, CKPT_HDR_FILE_LOCK, &l, sizeof(l), NULL, 0);
		img_mm(&im, e[1].mm_ref, 0);
		img_task_tail(&im, &e[1], IMG_HAS_SIGHAND);
		img_tail(&im);
		res = read_img(&im);
		if (kind == CKPT_LOCK_POSIX) {
			ck_valid(res);
		} else {
			char want[128];

			snprintf(want, sizeof(want),
				 "FILE_LOCK: %s lock of FILE 1 outside the FILES section that defines it",
				 kind == CKPT_LOCK_FLOCK ? "flock" : "ofd");
			ck_assert_fails(res, KCR_ERR_FORMAT, off, want);
		}
		img_free(&im);
	}
}
END_TEST

/*
 * A stream socketpair: UNIX 101 (one message of 5 bytes, with
 * credentials) and its peer UNIX 102, each opened by a FILE at fds 0, 1.
 * mut changes one thing; returns the offset of the record it damaged.
 */
enum unix_mut {
	UNIX_OK, UNIX_PAD, UNIX_TYPE, UNIX_NO_PEER_RECORD, UNIX_SKB_LONG,
	UNIX_SKB_CREDS, UNIX_BYTES, UNIX_FILE_EARLY, UNIX_TWO_FILES,
	UNIX_LONE_DATA, UNIX_FILE_MODE, UNIX_SHUT, UNIX_FD_UNKNOWN,
};

static size_t unix_image(struct img *im, enum unix_mut mut)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_unix_skb us;
	struct ckpt_hdr_unix u;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	size_t off = 0, o;
	uint32_t i;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 2);
	memset(&u, 0, sizeof(u));
	u.objref = 101;
	u.type = mut == UNIX_TYPE ? 3 : 1;
	u.peer_ref = mut == UNIX_LONE_DATA ? 0 : 102;
	/* the peer's shutdown(SHUT_WR) shut this one's reading */
	u.flags = CKPT_UNIX_PASSCRED | CKPT_UNIX_SNDBUF_SET |
		  (mut == UNIX_SHUT ? 0 : CKPT_UNIX_SHUT_RD);
	u.sndbuf = 80000;
	u.nr_skbs = 1;
	u.queued = mut == UNIX_BYTES ? 6 : 5;
	u.listener_ref = mut == UNIX_PAD;
	o = img_rec(im, CKPT_HDR_UNIX, &u, sizeof(u), NULL, 0);
	if (mut == UNIX_PAD || mut == UNIX_TYPE || mut == UNIX_LONE_DATA)
		off = o;
	memset(&us, 0, sizeof(us));
	us.len = 5;
	us.flags = mut == UNIX_SKB_CREDS ? 0 : CKPT_UNIX_SKB_CREDS;
	us.pid = 11;
	us.uid = 1000;
	us.gid = 1000;
	if (mut == UNIX_SKB_LONG)
		us.len = 6;
	if (mut == UNIX_FD_UNKNOWN) {
		/* a file in flight that is no FILE of the image */
		char buf[5 + sizeof(uint32_t)];
		uint32_t ref = 999;

		memcpy(buf, "hello", 5);
		memcpy(buf + 5, &ref, sizeof(ref));
		us.nr_fds = 1;
		o = img_rec(im, CKPT_HDR_UNIX_SKB, &us, sizeof(us), buf,
			    sizeof(buf));
	} else {
		o = img_rec(im, CKPT_HDR_UNIX_SKB, &us, sizeof(us), "hello!",
			    us.len);
	}
	if (mut == UNIX_SKB_LONG || mut == UNIX_SKB_CREDS ||
	    mut == UNIX_FD_UNKNOWN)
		off = o;
	if (mut != UNIX_NO_PEER_RECORD && mut != UNIX_FILE_EARLY &&
	    mut != UNIX_LONE_DATA) {
		u.objref = 102;
		u.peer_ref = 101;
		u.nr_skbs = 0;
		u.queued = 0;
		u.flags = CKPT_UNIX_SHUT_WR;
		u.sndbuf = 0;
		o = img_rec(im, CKPT_HDR_UNIX, &u, sizeof(u), NULL, 0);
		if (mut == UNIX_SHUT)
			off = o;
	}
	for (i = 0; i < 2; i++) {
		memset(&file, 0, sizeof(file));
		file.objref = 103 + i;
		file.kind = CKPT_FILE_UNIX;
		file.f_flags = O_RDWR | (i ? O_NONBLOCK : 0);
		file.mode = (mut == UNIX_FILE_MODE ? S_IFIFO : S_IFSOCK) | 0777;
		file.obj_ref = mut == UNIX_TWO_FILES ? 101 : 101 + i;
		o = img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
		if ((mut == UNIX_FILE_EARLY && i == 0) ||
		    (mut == UNIX_FILE_MODE && i == 0) ||
		    (mut == UNIX_TWO_FILES && i == 1))
			off = o;
		if (mut == UNIX_BYTES && i == 0)
			off = o;	/* the record that closes the UNIX */
		memset(&fd, 0, sizeof(fd));
		fd.fd = i;
		fd.file_ref = 103 + i;
		img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	}
	if (mut == UNIX_BYTES)
		off = img_find(im, CKPT_HDR_UNIX, 1);
	o = img_mm(im, e.mm_ref, 0);
	if (mut == UNIX_NO_PEER_RECORD)
		off = img_find(im, CKPT_HDR_FILE, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
	return off;
}

START_TEST(unix_socket_records)
{
	static const struct {
		enum unix_mut mut;
		const char *reason;
	} bad[] = {
		{ UNIX_PAD, "UNIX 101: unknown flags 0xd or listener_ref without CKPT_UNIX_EMBRYO" },
		{ UNIX_TYPE, "UNIX 101: type 3 is not SOCK_STREAM" },
		{ UNIX_NO_PEER_RECORD, "the peer 102 of UNIX 101 has no UNIX record before it" },
		{ UNIX_SKB_LONG, "UNIX_SKB: 6 bytes, more than its UNIX announced" },
		{ UNIX_SKB_CREDS, "credentials without CKPT_UNIX_SKB_CREDS" },
		{ UNIX_BYTES, "its messages miss 1 bytes" },
		{ UNIX_FILE_EARLY, "the peer 102 of UNIX 101 has no UNIX record before it" },
		{ UNIX_TWO_FILES, "FILE 104: UNIX 101 already has a FILE" },
		{ UNIX_LONE_DATA, "messages queued on a socket without a peer" },
		{ UNIX_FILE_MODE, "a unix socket is an O_RDWR socket" },
		{ UNIX_SHUT, "UNIX 102: its shutdown state does not match its peer 101's" },
		{ UNIX_FD_UNKNOWN, "UNIX_SKB: file in flight 999 names no FILE written before" },
	};
	struct img im = { 0 };
	struct result res;
	size_t off;
	unsigned int i;

	unix_image(&im, UNIX_OK);
	ck_valid(read_img(&im));
	img_free(&im);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		off = unix_image(&im, bad[i].mut);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, bad[i].reason);
		img_free(&im);
	}
}
END_TEST

/* One listening socket bound to a path (or the mutation of it). */
static size_t unix_bound_image(struct img *im, int mut)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	const char *name = mut == 2 ? "tmp/x.sock" : "/tmp/x.sock";
	struct ckpt_hdr_unix u;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	size_t off;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 1);
	memset(&u, 0, sizeof(u));
	u.objref = 101;
	u.type = 1;
	u.flags = mut == 1 ? 0 : CKPT_UNIX_LISTEN;
	u.backlog = 5;
	u.peer_ref = mut == 3 ? 102 : 0;
	u.addr_len = strlen(name) + 1;
	off = img_rec(im, CKPT_HDR_UNIX, &u, sizeof(u), name, u.addr_len);
	memset(&file, 0, sizeof(file));
	file.objref = 103;
	file.kind = CKPT_FILE_UNIX;
	file.f_flags = O_RDWR;
	file.mode = S_IFSOCK | 0777;
	file.obj_ref = 101;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 103;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
	return off;
}

START_TEST(unix_bound_records)
{
	static const char *const bad[] = {
		NULL,
		"others have backlog 0",
		"a name is abstract (a NUL first) or an absolute path",
		"a listening socket is a bound stream or seqpacket socket",
	};
	struct img im = { 0 };
	struct result res;
	size_t off;
	int i;

	unix_bound_image(&im, 0);
	ck_valid(read_img(&im));
	img_free(&im);
	for (i = 1; i < 4; i++) {
		off = unix_bound_image(&im, i);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, bad[i]);
		img_free(&im);
	}
}
END_TEST

/*
 * One task holding a pty pair: TTY, its two TTY_DATA, the master (fd 0)
 * and two opens of the slave (fds 1, 2), then the TTY mutated by mut.
 * Returns the offset of the record mut names (0: none).
 */
enum tty_mut {
	TTY_OK, TTY_BAD_FLAGS, TTY_BAD_SESSION, TTY_BAD_LINE, TTY_DATA_SIDE,
	TTY_DATA_EOL, TTY_DATA_RAW_EOL, TTY_DATA_LEN, TTY_FILE_RDEV,
	TTY_FILE_MASTER_TWICE, TTY_FILE_NO_TTY, TTY_UNUSED, TTY_DATA_MISSING,
	TTY_NOT_LEADER,
};

static size_t tty_image(struct img *im, enum tty_mut mut)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_tty_data hd;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_tty ht;
	struct ckpt_hdr_fd fd;
	size_t off, moff = 0;
	const char *line = "ls\npar";
	uint32_t i, nfds = mut == TTY_UNUSED ? 0 : 3;

	if (mut != TTY_NOT_LEADER) {	/* the pty is the session's terminal */
		e.sid = 10;
		e.flags |= CKPT_TASK_SESSION_LEADER;
	}
	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, nfds ? nfds : 1);
	memset(&ht, 0, sizeof(ht));
	ht.objref = 1;
	ht.index = 3;
	ht.session = 1;
	ht.fg_pgrp = 1;
	ht.ws_row = 24;
	ht.ws_col = 80;
	ht.termios[0].c_lflag = ICANON | ECHO;	/* slave canonical */
	ht.termios[0].c_ispeed = ht.termios[0].c_ospeed = 38400;
	if (mut == TTY_BAD_FLAGS)
		ht.flags = 0x100;
	if (mut == TTY_BAD_SESSION)
		ht.session = 2;
	if (mut == TTY_BAD_LINE)
		ht.termios[1].c_line = 2;
	off = img_rec(im, CKPT_HDR_TTY, &ht, sizeof(ht), NULL, 0);
	if (mut == TTY_BAD_FLAGS || mut == TTY_BAD_SESSION ||
	    mut == TTY_BAD_LINE || mut == TTY_NOT_LEADER)
		moff = off;
	for (i = 0; i < 2; i++) {
		memset(&hd, 0, sizeof(hd));
		hd.side = mut == TTY_DATA_SIDE ? 1 - i : i;
		if (i == 0) {	/* "ls\n" a line, "par" a partial one */
			hd.len = strlen(line);
			hd.canon_len = 3;
			hd.eol[0] = 1 << 2;
			if (mut == TTY_DATA_EOL)
				hd.eol[0] = 1 << 1;
			if (mut == TTY_DATA_LEN)
				hd.canon_len = hd.len + 1;
		} else if (mut == TTY_DATA_RAW_EOL) {	/* the master is raw */
			hd.len = 1;
			hd.eol[0] = 1;
		}
		if (mut == TTY_DATA_MISSING && i == 1) {
			moff = im->len;
			break;
		}
		off = img_rec(im, CKPT_HDR_TTY_DATA, &hd, sizeof(hd),
			      i == 0 ? line : "x", hd.len);
		if ((mut == TTY_DATA_SIDE || mut == TTY_DATA_EOL ||
		     mut == TTY_DATA_LEN) && i == 0)
			moff = off;
		if (mut == TTY_DATA_RAW_EOL && i == 1)
			moff = off;
	}
	for (i = 0; i < nfds; i++) {
		memset(&file, 0, sizeof(file));
		file.objref = 2 + i;
		file.kind = CKPT_FILE_TTY;
		file.f_flags = O_RDWR | 0100000;	/* the kernel's O_LARGEFILE */
		file.mode = S_IFCHR | 0620;
		file.obj_ref = mut == TTY_FILE_NO_TTY && i == 1 ? 9 : 1;
		/* new_encode_dev: ptmx 5:2, pts 3 is 136:3 */
		file.rdev = i == 0 || (mut == TTY_FILE_MASTER_TWICE && i == 2) ?
			    0x502 : 0x8803;
		if (mut == TTY_FILE_RDEV && i == 1)
			file.rdev = 0x8804;
		off = img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
		if ((mut == TTY_FILE_RDEV || mut == TTY_FILE_NO_TTY) && i == 1)
			moff = off;
		if (mut == TTY_FILE_MASTER_TWICE && i == 2)
			moff = off;
		memset(&fd, 0, sizeof(fd));
		fd.fd = i;
		fd.file_ref = 2 + i;
		img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	}
	if (!nfds) {	/* one unrelated fd: the TTY is used by no FILE */
		memset(&file, 0, sizeof(file));
		file.objref = 2;
		file.kind = CKPT_FILE_CHR;
		file.f_flags = O_RDWR;
		file.mode = S_IFCHR | 0666;
		file.rdev = 0x103;
		file.path_len = 10;
		img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), "/dev/null", 10);
		memset(&fd, 0, sizeof(fd));
		fd.file_ref = 2;
		img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	}
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	off = img_tail(im);
	if (mut == TTY_UNUSED)	/* found at the TAIL */
		moff = off;
	return moff;
}

START_TEST(tty_records)
{
	static const struct {
		enum tty_mut mut;
		const char *reason;
	} bad[] = {
		{ TTY_BAD_FLAGS, "TTY index 3 (max 1048575) or flags 0x100 unknown" },
		{ TTY_BAD_SESSION, "TTY session 2 / fg_pgrp 1: not TREE positions + 1" },
		{ TTY_BAD_LINE, "TTY master termios: pad nonzero or line discipline 2" },
		{ TTY_DATA_SIDE, "TTY_DATA side 1 (expected 0)" },
		{ TTY_DATA_EOL, "TTY_DATA side 0: line ends do not match canon_len 3 (canonical mode)" },
		{ TTY_DATA_RAW_EOL, "TTY_DATA side 1: line ends do not match canon_len 0 (raw mode)" },
		{ TTY_DATA_LEN, "canon_len 7 > len 6" },
		{ TTY_FILE_RDEV, "FILE 3: rdev 0x8804 is neither ptmx nor pts 3 of TTY 1" },
		{ TTY_FILE_MASTER_TWICE, "FILE 4: the master of TTY 1 is read-write and has one FILE" },
		{ TTY_FILE_NO_TTY, "FILE 3: obj_ref 9 names no TTY written before" },
		{ TTY_UNUSED, "TTY 1 at offset" },
		{ TTY_DATA_MISSING, "1 TTY_DATA records missing" },
		{ TTY_NOT_LEADER, "TTY session 1 / fg_pgrp 1: not a session leader" },
	};
	struct img im = { 0 };
	struct result res;
	unsigned int i;
	size_t off;

	tty_image(&im, TTY_OK);
	ck_valid(read_img(&im));
	img_free(&im);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		off = tty_image(&im, bad[i].mut);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, bad[i].reason);
		img_free(&im);
	}
}
END_TEST

START_TEST(file_kinds_and_pipe_ends)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	second_file_image(&im, CKPT_FILE_PIPE, 1, 0);	/* the write end */
	ck_valid(read_img(&im));
	img_free(&im);

	off = second_file_image(&im, CKPT_FILE_PIPE, 9, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FILE 3: obj_ref 9 names no PIPE written before");
	img_free(&im);

	off = second_file_image(&im, CKPT_FILE_PIPE, 2, 0);	/* a FILE, not a PIPE */
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FILE 3: obj_ref 2 names no PIPE written before");
	img_free(&im);

	off = second_file_image(&im, CKPT_FILE_CHR, 0, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "FILE of kind chr without a path");
	img_free(&im);

	second_file_image(&im, CKPT_FILE_CHR, 0, 10);
	ck_valid(read_img(&im));
	img_free(&im);
}
END_TEST

/* --- event fds: eventfd, signalfd, timerfd --- */

/* The records of an image with one eventfd, signalfd and timerfd. */
struct event_recs {
	struct ckpt_hdr_eventfd efd;
	struct ckpt_hdr_signalfd sfd;
	struct ckpt_hdr_timerfd tfd;
	struct ckpt_hdr_file file[3];	/* of efd, sfd, tfd */
	size_t off_obj[3];		/* offsets written */
	size_t off_file[3];
	size_t off_fd3;
};

static void event_defaults(struct event_recs *r)
{
	uint32_t kinds[3] = { CKPT_FILE_EVENTFD, CKPT_FILE_SIGNALFD,
			      CKPT_FILE_TIMERFD };
	int i;

	memset(r, 0, sizeof(*r));
	r->efd.objref = 1;
	r->efd.flags = CKPT_EVENTFD_SEMAPHORE;
	r->efd.count = 42;
	r->sfd.objref = 3;
	r->sfd.sigmask = 1ULL << (10 - 1);	/* SIGUSR1 */
	r->tfd.objref = 5;
	r->tfd.clockid = 0;			/* CLOCK_REALTIME */
	r->tfd.settime_flags = 3;		/* ABSTIME | CANCEL_ON_SET */
	r->tfd.flags = CKPT_TIMERFD_ABS;
	r->tfd.value_ns = 1700000000000000000ULL;
	r->tfd.interval_ns = 1000000;
	r->tfd.ticks = 7;
	for (i = 0; i < 3; i++) {
		r->file[i].objref = 2 * (uint32_t)i + 2;
		r->file[i].kind = kinds[i];
		r->file[i].f_flags = O_RDWR | O_NONBLOCK;
		r->file[i].obj_ref = 2 * (uint32_t)i + 1;
	}
}

/* One task: fds 0..2 the three event fds, fd 3 the eventfd's FILE again. */
static void event_image(struct img *im, struct event_recs *r)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_fd fd;
	uint32_t types[3] = { CKPT_HDR_EVENTFD, CKPT_HDR_SIGNALFD,
			      CKPT_HDR_TIMERFD };
	void *objs[3] = { &r->efd, &r->sfd, &r->tfd };
	size_t sizes[3] = { sizeof(r->efd), sizeof(r->sfd), sizeof(r->tfd) };
	int i;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 4);
	for (i = 0; i < 3; i++) {
		r->off_obj[i] = img_rec(im, types[i], objs[i], sizes[i], NULL, 0);
		r->off_file[i] = img_rec(im, CKPT_HDR_FILE, &r->file[i],
					 sizeof(r->file[i]), NULL, 0);
		memset(&fd, 0, sizeof(fd));
		fd.fd = (uint32_t)i;
		fd.file_ref = r->file[i].objref;
		img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	}
	memset(&fd, 0, sizeof(fd));
	fd.fd = 3;
	fd.file_ref = r->file[0].objref;	/* shared, as after dup() */
	r->off_fd3 = img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
}

START_TEST(event_fds_valid_image_parses)
{
	struct event_recs r;
	struct img im = { 0 };

	event_defaults(&r);
	event_image(&im, &r);
	ck_valid(read_img(&im));
	img_free(&im);

	/* a disarmed monotonic timer, an eventfd at its maximum */
	event_defaults(&r);
	r.tfd.clockid = 1;
	r.tfd.settime_flags = 0;
	r.tfd.flags = 0;
	r.tfd.value_ns = 0;
	r.efd.count = UINT64_MAX - 1;
	r.file[2].f_flags = O_RDWR;
	event_image(&im, &r);
	ck_valid(read_img(&im));
	img_free(&im);
}
END_TEST

/* Each mutation of the valid image fails at the record it touches. */
START_TEST(event_fds_bad_records_fail)
{
	static const struct {
		int rec;		/* 0..2 object, 3..5 its FILE */
		const char *needle;
	} cases[] = {
		{ 0, "EVENTFD 1: unknown flags 0x2" },
		{ 0, "EVENTFD 1: count 2^64-1" },
		{ 1, "SIGNALFD 3: pad field is nonzero" },
		{ 1, "SIGNALFD 3: mask 0x300 has SIGKILL or SIGSTOP" },
		{ 2, "TIMERFD 5: clock 2 is not one timerfd has" },
		{ 2, "TIMERFD 5: unknown settime flags 0x4" },
		{ 2, "TIMERFD 5: unknown flags 0x4" },
		{ 2, "TIMERFD 5: an absolute expiry needs TFD_TIMER_ABSTIME" },
		{ 2, "TIMERFD 5: canceled without an absolute" },
		{ 2, "TIMERFD 5: value, interval or ticks out of range" },
		{ 3, "FILE 2 of kind eventfd has a path, mode, pos or rdev" },
		{ 3, "FILE 2 of kind eventfd: f_flags 0" },
		{ 4, "FILE 4: obj_ref 1 names no signalfd record written before" },
		{ 5, "FILE 6: obj_ref 9 names no timerfd record written before" },
		{ 1, "SIGNALFD objref 1 is already" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct event_recs r;
		struct img im = { 0 };
		struct result res;
		size_t off;

		event_defaults(&r);
		switch (i) {
		case 0: r.efd.flags = 2; break;
		case 1: r.efd.count = UINT64_MAX; break;
		case 2: r.sfd.pad = 1; break;
		case 3: r.sfd.sigmask |= 1ULL << (9 - 1); break;
		case 4: r.tfd.clockid = 2; break;
		case 5: r.tfd.settime_flags = 4; break;
		case 6: r.tfd.flags = 4; break;
		case 7: r.tfd.clockid = 1; break;
		case 8: r.tfd.flags |= CKPT_TIMERFD_CANCELED;
			r.tfd.settime_flags = 1; break;
		case 9: r.tfd.interval_ns = 1ULL << 63; break;
		case 10: r.file[0].pos = 8; break;
		case 11: r.file[0].f_flags = O_RDONLY; break;
		case 12: r.file[1].obj_ref = 1; break;
		case 13: r.file[2].obj_ref = 9; break;
		case 14: r.sfd.objref = 1; break;
		}
		event_image(&im, &r);
		off = cases[i].rec < 3 ? r.off_obj[cases[i].rec] :
					 r.off_file[cases[i].rec - 3];
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off, cases[i].needle);
		img_free(&im);
	}
}
END_TEST

/* An event fd object is opened by one FILE, and used by one. */
START_TEST(event_fds_one_file_per_object)
{
	struct event_recs r;
	struct img im = { 0 };
	struct ckpt_hdr_file file;
	struct result res;
	size_t off;

	/* the TIMERFD opened by no FILE: FD 2 names the signalfd's FILE */
	event_defaults(&r);
	r.file[2].obj_ref = 3;
	event_image(&im, &r);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, r.off_file[2],
			"FILE 6: obj_ref 3 names no timerfd record written before");
	img_free(&im);

	/* a second FILE of the eventfd */
	event_defaults(&r);
	event_image(&im, &r);
	file = r.file[0];
	file.objref = 9;
	img_free(&im);
	memset(&im, 0, sizeof(im));
	{
		struct ckpt_task_pids e = img_proc(NULL, 10);
		struct ckpt_hdr_fd fd;

		img_header(&im);
		img_tree(&im, &e, 1);
		img_task(&im, 10, "x");
		img_creds(&im);
		img_fs(&im, e.fs_ref);
		img_files(&im, e.files_ref, 2);
		img_rec(&im, CKPT_HDR_EVENTFD, &r.efd, sizeof(r.efd), NULL, 0);
		img_rec(&im, CKPT_HDR_FILE, &r.file[0], sizeof(r.file[0]), NULL, 0);
		memset(&fd, 0, sizeof(fd));
		fd.file_ref = 2;
		img_rec(&im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
		off = img_rec(&im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
		fd.fd = 1;
		fd.file_ref = 9;
		img_rec(&im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
		img_mm(&im, e.mm_ref, 0);
		img_sighand(&im, e.sighand_ref);
		img_signal(&im, 0, 0, 0);
		img_cpu(&im);
		img_fpu(&im);
		img_tail(&im);
	}
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"FILE 9: eventfd 1 is already opened by another FILE");
	img_free(&im);
}
END_TEST

/*
 * INOTIFY records: one task, fd 0 an inotify instance (INOTIFY 1, FILE 2)
 * with watches wd 1 (a directory) and wd 5 (a file, IN_ONESHOT), an
 * IN_CREATE event with a name and the overflow event (the events come
 * first).  mut selects one damage; off[]: 0 INOTIFY, 1 watch 0, 2 watch 1,
 * 3 event 0, 4 event 1, 5 FILE.
 */
static void inotify_image(struct img *im, int mut, size_t off[6])
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_inotify_watch w[2];
	struct ckpt_hdr_inotify_event ev[2];
	struct ckpt_hdr_inotify in;
	struct ckpt_hdr_file f;
	struct ckpt_hdr_fd fd;
	const char *paths[2] = { "/tmp/d", "/tmp/d/f" };
	const char *name = "new";
	size_t name_len = 4;
	char longname[300];
	int i;

	memset(&in, 0, sizeof(in));
	in.objref = 1;
	in.nr_watches = 2;
	in.nr_events = 2;
	in.next_wd = 6;
	memset(w, 0, sizeof(w));
	w[0].wd = 1;
	w[0].mask = 0x00000fff | 0x04000000;	/* IN_ALL_EVENTS | EXCL_UNLINK */
	w[0].mode = S_IFDIR;
	w[1].wd = 5;
	w[1].mask = 0x00000002 | 0x80000000;	/* IN_MODIFY | IN_ONESHOT */
	w[1].mode = S_IFREG;
	for (i = 0; i < 2; i++) {
		w[i].dev = 0x15;
		w[i].ino = 100 + (uint64_t)i;
		w[i].path_len = (uint16_t)(strlen(paths[i]) + 1);
	}
	memset(ev, 0, sizeof(ev));
	ev[0].wd = 1;
	ev[0].mask = 0x00000100;		/* IN_CREATE */
	ev[0].name_len = (uint16_t)name_len;
	ev[1].wd = -1;
	ev[1].mask = CKPT_INOTIFY_OVERFLOW;
	memset(&f, 0, sizeof(f));
	f.objref = 2;
	f.kind = CKPT_FILE_INOTIFY;
	f.f_flags = O_RDONLY | O_NONBLOCK;
	f.obj_ref = 1;

	switch (mut) {
	case 1: w[1].wd = 1; break;
	case 2: w[0].wd = 0; break;
	case 3: w[0].mask |= 0x20000000; break;	/* IN_MASK_ADD */
	case 4: w[1].mode = 0; break;
	case 5: paths[1] = "tmp/d/f"; w[1].path_len = 8; break;
	case 6: in.nr_watches = CKPT_INOTIFY_WATCHES_MAX + 1; break;
	case 7: in.nr_events = CKPT_INOTIFY_EVENTS_MAX + 1; break;
	case 8: in.next_wd = 0; break;
	case 9: in.nr_watches = 3; break;
	case 10: name = "a/b"; break;
	case 11:
		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		name = longname;
		ev[0].name_len = sizeof(longname);
		break;
	case 12: ev[1].wd = 3; break;
	case 13: ev[0] = ev[1]; ev[0].name_len = 0; break;
	case 14: ev[0].mask = 0; break;
	case 15: f.f_flags = O_RDWR; break;
	case 16: f.obj_ref = 7; break;
	case 17: w[0].pad = 1; break;
	case 18: ev[0].mask = 0x00000100 | CKPT_INOTIFY_OVERFLOW; break;
	}
	name_len = ev[0].name_len;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 1);
	off[0] = img_rec(im, CKPT_HDR_INOTIFY, &in, sizeof(in), NULL, 0);
	off[3] = img_rec(im, CKPT_HDR_INOTIFY_EVENT, &ev[0], sizeof(ev[0]),
			 name, name_len);
	if (mut == 19)	/* a watch between the events */
		off[1] = img_rec(im, CKPT_HDR_INOTIFY_WATCH, &w[0],
				 sizeof(w[0]), paths[0], w[0].path_len);
	off[4] = img_rec(im, CKPT_HDR_INOTIFY_EVENT, &ev[1], sizeof(ev[1]),
			 NULL, 0);
	for (i = mut == 19; i < 2; i++)
		off[1 + i] = img_rec(im, CKPT_HDR_INOTIFY_WATCH, &w[i],
				     sizeof(w[i]), paths[i], w[i].path_len);
	off[5] = img_rec(im, CKPT_HDR_FILE, &f, sizeof(f), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
}

START_TEST(inotify_records)
{
	static const struct {
		int mut, at;		/* at: index in off[] */
		const char *needle;
	} bad[] = {
		{ 1, 2, "INOTIFY_WATCH wd 1: not above the previous wd 1" },
		{ 2, 1, "INOTIFY_WATCH wd 0: not above the previous wd 0" },
		{ 3, 1, "INOTIFY_WATCH wd 1: mask 0x24000fff has bits" },
		{ 4, 2, "INOTIFY_WATCH wd 5: mode 00 is not a file type" },
		{ 5, 2, "INOTIFY_WATCH wd 5: path tmp/d/f is not absolute" },
		{ 6, 0, "INOTIFY 1: 1048577 watches" },
		{ 7, 0, "65537 events" },
		{ 8, 0, "INOTIFY 1: next_wd 0 out of range" },
		{ 9, 5, "1 INOTIFY_WATCH records missing" },
		{ 10, 3, "INOTIFY_EVENT wd 1: name a/b has a '/'" },
		{ 11, 3, "INOTIFY_EVENT record length 324 > maximum 280" },
		{ 12, 4, "INOTIFY_EVENT wd 3 mask 0x4000: not an event" },
		{ 13, 4, "INOTIFY_EVENT: a second overflow event" },
		{ 14, 3, "INOTIFY_EVENT wd 1 mask 0x0: not an event" },
		{ 15, 5, "FILE 2 of kind inotify: f_flags 02 (O_RDONLY" },
		{ 16, 5, "FILE 2: obj_ref 7 names no inotify record" },
		{ 17, 1, "INOTIFY_WATCH pad field is nonzero" },
		{ 18, 3, "INOTIFY_EVENT wd 1 mask 0x4100: not an event" },
		{ 19, 1, "1 INOTIFY_EVENT records missing" },
	};
	struct img im = { 0 };
	struct result res;
	size_t off[6];
	unsigned int i;

	inotify_image(&im, 0, off);
	ck_valid(read_img(&im));
	img_free(&im);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&im, 0, sizeof(im));
		inotify_image(&im, bad[i].mut, off);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, off[bad[i].at],
				bad[i].needle);
		img_free(&im);
	}
}
END_TEST

/*
 * EPOLL records: one task whose FILES holds a pipe read end (FILE 2, fd 0),
 * then EPOLL 3 with two items on it (fd 0 armed, fd 5 a fired oneshot),
 * then its FILE 4 (fd 1).  mut selects one damage; the offsets of the
 * records are returned in off[]: 0 EPOLL, 1 item 0, 2 item 1, 3 FILE 4.
 */
static void epoll_image(struct img *im, int mut, size_t off[4])
{
	struct ckpt_task_pids e = img_proc(NULL, 10);
	struct ckpt_hdr_epoll_item it;
	struct ckpt_hdr_epoll ep;
	struct ckpt_hdr_pipe pipe;
	struct ckpt_hdr_file file;
	struct ckpt_hdr_fd fd;
	int i;

	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, 10, "x");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, mut == 9 ? 3 : 2);
	memset(&pipe, 0, sizeof(pipe));
	pipe.objref = 1;
	pipe.size = 65536;
	img_rec(im, CKPT_HDR_PIPE, &pipe, sizeof(pipe), NULL, 0);
	memset(&file, 0, sizeof(file));
	file.objref = 2;
	file.kind = CKPT_FILE_PIPE;
	file.obj_ref = 1;
	img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	memset(&fd, 0, sizeof(fd));
	fd.file_ref = 2;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);

	memset(&ep, 0, sizeof(ep));
	ep.objref = 3;
	ep.nr_items = mut == 6 ? 3 : mut == 10 ? CKPT_EPOLL_ITEMS_MAX + 1 : 2;
	off[0] = img_rec(im, CKPT_HDR_EPOLL, &ep, sizeof(ep), NULL, 0);
	for (i = 0; i < 2; i++) {
		memset(&it, 0, sizeof(it));
		it.file_ref = 2;
		it.fd = i ? 5 : 0;
		/* EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLET; a fired EPOLLONESHOT */
		it.events = i ? 0x40000000 : 0x80000019;
		it.data = i ? 0x1234567890abcdefULL : 7;
		if (!i && mut == 1)
			it.events = 0x1;		/* armed without ERR|HUP */
		if (i && mut == 2)
			it.events = 0x80000000;	/* disarmed, not a oneshot */
		if (!i && mut == 3)
			it.pad = 1;
		if (i && mut == 4)
			it.file_ref = 1;		/* the PIPE */
		if (i && mut == 5)
			it.fd = CKPT_FDS_MAX;
		if (!i && mut == 11)
			it.events |= 0x800;		/* no such event */
		off[1 + i] = img_rec(im, CKPT_HDR_EPOLL_ITEM, &it, sizeof(it),
				     NULL, 0);
	}
	memset(&file, 0, sizeof(file));
	file.objref = 4;
	file.kind = CKPT_FILE_EPOLL;
	file.f_flags = mut == 7 ? 0 : 02 | 04000;	/* O_RDONLY; O_RDWR | O_NONBLOCK */
	file.mode = 0600;
	file.obj_ref = mut == 8 ? 2 : 3;
	off[3] = img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
	fd.fd = 1;
	fd.file_ref = 4;
	img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	if (mut == 9) {	/* a second FILE of the same epoll */
		file.objref = 5;
		file.f_flags = 02;	/* O_RDWR */
		img_rec(im, CKPT_HDR_FILE, &file, sizeof(file), NULL, 0);
		fd.fd = 2;
		fd.file_ref = 5;
		img_rec(im, CKPT_HDR_FD, &fd, sizeof(fd), NULL, 0);
	}
	img_mm(im, e.mm_ref, 0);
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
}

START_TEST(epoll_records)
{
	static const struct {
		int mut, at;		/* at: index in off[], -1 the 2nd epoll FILE */
		const char *reason;
	} bad[] = {
		{ 1, 1, "EPOLL_ITEM fd 0: events 0x1 are not an item's" },
		{ 2, 2, "EPOLL_ITEM fd 5: events 0x80000000 are not an item's" },
		{ 3, 1, "EPOLL_ITEM pad field is nonzero" },
		{ 4, 2, "EPOLL_ITEM fd 5: file_ref 1 names no FILE written before" },
		{ 5, 2, "EPOLL_ITEM fd 1048576 >= 1048576" },
		{ 6, 3, "1 EPOLL_ITEM records missing" },
		{ 7, 3, "FILE 4: an epoll file is O_RDWR" },
		{ 8, 3, "FILE 4: obj_ref 2 names no EPOLL written before" },
		{ 9, -1, "FILE 5: EPOLL 3 is already the object of another FILE" },
		{ 10, 0, "EPOLL nr_items 1048577 > 1048576" },
		{ 11, 1, "EPOLL_ITEM fd 0: events 0x80000819 are not an item's" },
	};
	struct img im = { 0 };
	struct result res;
	size_t off[4], want;
	unsigned int i;

	epoll_image(&im, 0, off);
	res = read_img(&im);
	ck_valid(res);
	img_free(&im);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		epoll_image(&im, bad[i].mut, off);
		want = bad[i].at >= 0 ? off[bad[i].at] :
		       img_find(&im, CKPT_HDR_FILE, 2);
		res = read_img(&im);
		ck_assert_fails(res, KCR_ERR_FORMAT, want, bad[i].reason);
		img_free(&im);
	}
}
END_TEST

/*
 * File identities (format v4), checked as the kernel checks them: pad 0,
 * mtime_nsec < 10^9, all zero where the record names no file, no size nor
 * mtime for a directory.  FILE 0 of img_full is the pipe end (objref 2),
 * FILE 1 /tmp/log (objref 3); VMA 0 maps /bin/prog, VMA 1 is anonymous.
 */
#define FILE_ID(im, n) (&FIELD(im, CKPT_HDR_FILE, struct ckpt_hdr_file, n)->id)
#define VMA_ID(im, n) (&FIELD(im, CKPT_HDR_VMA, struct ckpt_hdr_vma, n)->file_id)

START_TEST(file_identity_fields_are_checked)
{
	struct img im = { 0 };
	struct result res;
	char want[128];

	/* the identities img_full writes, and the largest mtime_nsec */
	img_full(&im, 100);
	FILE_ID(im, 1)->mtime_nsec = 999999999;
	VMA_ID(im, 0)->mtime_sec = -1;		/* before 1970 is a time too */
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);

	img_full(&im, 100);
	FILE_ID(im, 1)->pad = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FILE, 1),
			"FILE 3: identity pad field is nonzero");
	img_free(&im);

	img_full(&im, 100);
	FILE_ID(im, 1)->mtime_nsec = 1000000000;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FILE, 1),
			"FILE 3: identity mtime_nsec 1000000000 >= 1000000000");
	img_free(&im);

	/* a pipe end has no identity */
	img_full(&im, 100);
	FILE_ID(im, 0)->ino = 5;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FILE, 0),
			"FILE 2: an identity (dev/ino/size/mtime) where there is no file: must be 0");
	img_free(&im);

	/* a directory: dev and ino only */
	img_full(&im, 100);
	FIELD(im, CKPT_HDR_FILE, struct ckpt_hdr_file, 1)->mode = 040755;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FILE, 1),
			"FILE 3: the identity of a directory or other non-regular file has no size nor mtime (size 42, mtime 1700000000.123456789)");
	img_free(&im);
	img_full(&im, 100);
	FIELD(im, CKPT_HDR_FILE, struct ckpt_hdr_file, 1)->mode = 040755;
	FILE_ID(im, 1)->size = 0;
	FILE_ID(im, 1)->mtime_sec = 0;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_FILE, 1),
			"FILE 3: the identity of a directory or other non-regular file has no size nor mtime (size 0, mtime 0.123456789)");
	img_free(&im);
	img_full(&im, 100);
	FIELD(im, CKPT_HDR_FILE, struct ckpt_hdr_file, 1)->mode = 040755;
	FILE_ID(im, 1)->size = 0;
	FILE_ID(im, 1)->mtime_sec = 0;
	FILE_ID(im, 1)->mtime_nsec = 0;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);

	/* VMAs: a file mapping's identity, none for the others */
	img_full(&im, 100);
	VMA_ID(im, 0)->pad = 0x100;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 0),
			"VMA 0x400000-0x404000: identity pad field is nonzero");
	img_free(&im);
	img_full(&im, 100);
	VMA_ID(im, 0)->mtime_nsec = 0xffffffff;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 0),
			"VMA 0x400000-0x404000: identity mtime_nsec 4294967295 >= 1000000000");
	img_free(&im);
	img_full(&im, 100);
	VMA_ID(im, 1)->dev = 0x801;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 1),
			"VMA 0x7f0000000000-0x7f0000004000: an identity (dev/ino/size/mtime) where there is no file");
	img_free(&im);
	/* a SysV shm attachment is no file of a path either */
	img_ipc_full(&im);
	VMA_ID(im, 0)->mtime_sec = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 0),
			"VMA 0x7f1000000000-0x7f1000002000: an identity (dev/ino/size/mtime) where there is no file");
	img_free(&im);

	/* MM: the exe's identity */
	img_full(&im, 100);
	FIELD(im, CKPT_HDR_MM, struct ckpt_hdr_mm, 0)->exe_id.pad = 2;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_MM, 0),
			"MM exe: identity pad field is nonzero");
	img_free(&im);
	img_full(&im, 100);
	FIELD(im, CKPT_HDR_MM, struct ckpt_hdr_mm, 0)->exe_id.mtime_nsec = 1000000001;
	img_refresh_tail(&im);
	res = read_img(&im);
	snprintf(want, sizeof(want), "MM exe: identity mtime_nsec %u >= 1000000000",
		 1000000001u);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_MM, 0), want);
	img_free(&im);
}
END_TEST

/* An MM without an exe (exe_len 0), with exe_id as given. */
static size_t mm_without_exe_image(struct img *im, const struct ckpt_file_id *id)
{
	struct ckpt_task_pids e = img_proc(NULL, 100);
	unsigned int has = img_needs(&e, 1, 0);
	struct ckpt_hdr_mm mm;
	size_t off;

	img_header(im);
	img_tree(im, &e, 1);
	img_task_head(im, &e, has);
	memset(&mm, 0, sizeof(mm));
	mm.objref = e.mm_ref;
	mm.auxv_words = 2;
	mm.exe_id = *id;
	off = img_rec(im, CKPT_HDR_MM, &mm, sizeof(mm), NULL, 0);
	img_task_tail(im, &e, has);
	img_tail(im);
	return off;
}

START_TEST(mm_without_exe_has_no_exe_identity)
{
	struct ckpt_file_id id;
	struct img im = { 0 };
	struct result res;
	size_t off;

	memset(&id, 0, sizeof(id));
	mm_without_exe_image(&im, &id);
	ck_valid(read_img(&im));
	img_free(&im);

	id.ino = 77;
	off = mm_without_exe_image(&im, &id);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off,
			"MM exe: an identity (dev/ino/size/mtime) where there is no file: must be 0");
	img_free(&im);
}
END_TEST

START_TEST(prefix_read_keeps_exact_raw_bytes)
{
	struct img im = { 0 };
	struct kcr_reader r;
	const unsigned char *raw;
	size_t len, task;

	img_full(&im, 321);
	task = img_find(&im, CKPT_HDR_TASK, 0);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	kcr_reader_keep_raw(&r);
	ck_assert_msg(kcr_reader_read_prefix(&r) == 0, "expected success, got %s",
		      r.reason);
	raw = kcr_reader_raw(&r, &len);
	ck_assert_msg(len == task, "expected %zu raw bytes, got %zu", task, len);
	ck_assert_msg(memcmp(raw, im.buf, len) == 0, "raw bytes differ from the image");
	ck_assert_msg(r.nr_tasks == 1 && r.tasks[0].pid == 321,
		      "expected tree {321}, got %u tasks", r.nr_tasks);
	ck_assert_msg(r.header.ckpt_id == 42, "expected ckpt_id 42, got %llu",
		      (unsigned long long)r.header.ckpt_id);
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(prefix_read_from_pipe_consumes_only_the_prefix)
{
	struct img im = { 0 };
	struct kcr_reader r;
	const unsigned char *raw;
	unsigned char *rest;
	size_t len, task;
	int p[2], status;
	pid_t pid;

	img_full(&im, 321);
	task = img_find(&im, CKPT_HDR_TASK, 0);
	ck_assert(pipe(p) == 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], im.buf, im.len) == (ssize_t)im.len ? 0 : 1);
	}
	close(p[1]);
	kcr_reader_init_fd(&r, p[0]);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	kcr_reader_keep_raw(&r);
	ck_assert_msg(kcr_reader_read_prefix(&r) == 0, "expected success, got %s",
		      r.reason);
	raw = kcr_reader_raw(&r, &len);
	ck_assert_msg(len == task, "expected %zu raw bytes, got %zu", task, len);
	ck_assert_msg(memcmp(raw, im.buf, len) == 0, "raw bytes differ from the image");
	/* The rest of the pipe is exactly the rest of the image. */
	rest = malloc(im.len);
	len = 0;
	for (;;) {
		ssize_t got = read(p[0], rest + len, im.len - len);

		if (got <= 0)
			break;
		len += (size_t)got;
	}
	ck_assert_msg(len == im.len - task, "expected %zu remaining bytes, got %zu",
		      im.len - task, len);
	ck_assert_msg(memcmp(rest, im.buf + task, len) == 0, "remaining bytes differ");
	free(rest);
	waitpid(pid, &status, 0);
	close(p[0]);
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(prefix_read_of_bad_tree_fails)
{
	struct img im = { 0 };
	struct kcr_reader r;

	img_minimal(&im, 100);
	FIELD(im, CKPT_HDR_TREE, struct ckpt_hdr_tree, 0)->nr_tasks = 5000;
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	ck_assert_msg(kcr_reader_read_prefix(&r) == -1, "expected failure");
	ck_assert_msg(strstr(r.reason, "nr_tasks 5000") != NULL,
		      "expected nr_tasks reason, got \"%s\"", r.reason);
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

START_TEST(refreshed_crc_makes_a_changed_image_valid)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	/* Sanity check of the test writer: a payload change plus a new crc parses. */
	img_full(&im, 100);
	off = img_find(&im, CKPT_HDR_CPU, 0);
	((struct ckpt_hdr_cpu *)(im.buf + off))->ip = 0x402000;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_msg(res.ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)res.err_offset, res.reason);
	img_free(&im);
}
END_TEST

START_TEST(log_reason_picks_last_error_line)
{
	const char log[] = "restore task 10\nmm: bad vma error\nfoo failed here\nrestore task 11\n";
	char out[128];

	ck_assert_int_eq(kcr_log_reason(log, sizeof(log) - 1, out, sizeof(out)), 0);
	ck_assert_msg(strcmp(out, "foo failed here") == 0,
		      "expected \"foo failed here\", got \"%s\"", out);
}
END_TEST

START_TEST(log_reason_falls_back_to_last_line)
{
	const char log[] = "one\ntwo\n\n";
	char out[128];

	ck_assert_int_eq(kcr_log_reason(log, sizeof(log) - 1, out, sizeof(out)), 0);
	ck_assert_msg(strcmp(out, "two") == 0, "expected \"two\", got \"%s\"", out);
	ck_assert_int_eq(kcr_log_reason("", 0, out, sizeof(out)), -1);
}
END_TEST

START_TEST(log_restart_failed_parses_errno_and_reason)
{
	const char log[] = "restart: task 10\nrestart failed: errno=14: mm: bad address\n";
	char out[128];
	int e = kcr_log_restart_failed(log, sizeof(log) - 1, out, sizeof(out));

	ck_assert_msg(e == EFAULT, "expected errno 14, got %d", e);
	ck_assert_msg(strcmp(out, "mm: bad address") == 0,
		      "expected \"mm: bad address\", got \"%s\"", out);
	ck_assert_int_eq(kcr_log_restart_failed("restart done\n", 13, out, sizeof(out)), 0);
}
END_TEST

START_TEST(log_reason_prefers_first_error_line_of_kernel_format)
{
	const char log[] = "[12] restart of checkpoint 5 taken on 6.1.0\n"
			   "[12] error: mm: bad vma 0x1000 (errno=22)\n"
			   "[12] error: files: later error (errno=9)\n"
			   "[12] restart failed: errno=22\n";
	char out[128];
	int e;

	ck_assert_int_eq(kcr_log_reason(log, sizeof(log) - 1, out, sizeof(out)), 0);
	ck_assert_msg(strcmp(out, "mm: bad vma 0x1000 (errno=22)") == 0,
		      "expected the first error line, got \"%s\"", out);
	e = kcr_log_restart_failed(log, sizeof(log) - 1, out, sizeof(out));
	ck_assert_msg(e == 22, "expected errno 22, got %d", e);
	ck_assert_msg(strcmp(out, "mm: bad vma 0x1000 (errno=22)") == 0,
		      "expected the first error line as reason, got \"%s\"", out);
}
END_TEST

START_TEST(log_restart_done_found)
{
	ck_assert_int_eq(kcr_log_restart_done("a\nrestart done: 1 tasks\n", 24), 1);
	ck_assert_int_eq(kcr_log_restart_done("a\nrestart\n", 10), 0);
}
END_TEST

START_TEST(record_names_cover_all_types)
{
	ck_assert_str_eq(kcr_record_name(CKPT_HDR_PAGES), "PAGES");
	ck_assert_str_eq(kcr_record_name(CKPT_HDR_PIPE_DATA), "PIPE_DATA");
	ck_assert_str_eq(kcr_record_name(0), "?");
	ck_assert_str_eq(kcr_record_name(CKPT_HDR_TYPE_MAX), "?");
}
END_TEST

/* ------------------------------------------------------------ SysV IPC (v3) */

START_TEST(ipc_full_image_parses_with_every_ipc_record)
{
	static const uint32_t want[] = {
		CKPT_HDR_IPC_NS, CKPT_HDR_IPC_SHM, CKPT_HDR_PAGES, CKPT_HDR_IPC_SHM,
		CKPT_HDR_IPC_MSQ, CKPT_HDR_IPC_MSG, CKPT_HDR_IPC_MSG,
		CKPT_HDR_IPC_SEM, CKPT_HDR_IPC_SEM, CKPT_HDR_SEM_UNDO,
		CKPT_HDR_SEM_ADJ, CKPT_HDR_SEM_ADJ, CKPT_HDR_MM, CKPT_HDR_VMA,
	};
	const struct kcr_ipc_obj *o;
	const struct kcr_record *rec;
	struct kcr_reader r;
	struct img im = { 0 };
	uint64_t i = 0;
	size_t k = 0;
	int ret;

	img_ipc_full(&im);
	ck_assert_uint_eq(im.nr_records, 55);
	kcr_reader_init_mem(&r, im.buf, im.len);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0) {
		ck_assert_msg(rec->type == im.type[i] && rec->offset == im.off[i],
			      "record %llu: type %u at %llu, expected %u at %zu",
			      (unsigned long long)i, rec->type,
			      (unsigned long long)rec->offset, im.type[i], im.off[i]);
		/* the root's records after its FILES, in the order of the format */
		if (i >= 6 && k < NE(want))
			ck_assert_msg(rec->type == want[k++], "record %llu: %s",
				      (unsigned long long)i, kcr_record_name(rec->type));
		i++;
	}
	ck_assert_msg(ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)r.err_offset, r.reason);
	ck_assert_uint_eq(i, 55);
	ck_assert(r.has_ipc_ns);
	ck_assert_uint_eq(r.ipc_ns.flags, CKPT_IPC_NS_PRIVATE | CKPT_IPC_NS_ALL);
	ck_assert_uint_eq(r.nr_ipc_objs, 5);
	ck_assert_uint_eq(r.info[0].records, HAS_ALL | KCR_TASK_HAS_IPC_NS | KCR_TASK_HAS_SEM_UNDO);
	ck_assert_uint_eq(r.info[1].records, 0);	/* the thread shares all */
	ck_assert_uint_eq(r.info[2].records, HAS_ALL);	/* 10's undo list */
	ck_assert_uint_eq(r.info[3].records, HAS_ALL | KCR_TASK_HAS_SEM_UNDO);
	o = kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_SHM, 0);
	ck_assert(o && o->key == 0x1234 && o->size == 2 * IMG_PAGE && !o->flags);
	o = kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_SHM, 32769);
	ck_assert(o && o->key == 0 && o->flags == CKPT_SHM_DEST && o->size == IMG_PAGE + 1);
	o = kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_MSQ, 1);
	ck_assert(o && o->key == 0x2222 && o->size == 8);
	o = kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_SEM, 2);
	ck_assert(o && o->key == 0x3333 && o->size == 3);
	o = kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_SEM, 98306);
	ck_assert(o && o->size == 1);
	/* ids are per kind */
	ck_assert(!kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_SEM, 1));
	ck_assert(!kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_SHM, 2));
	ck_assert(!kcr_reader_ipc_obj(&r, CKPT_HDR_IPC_MSQ, 0));
	kcr_reader_free(&r);
	img_free(&im);
}
END_TEST

/* What is optional, or allowed either way, parses. */
START_TEST(ipc_optional_records_parse)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };
	struct result res;

	/* a plain tree: no IPC_NS at all */
	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	res = read_tree(e, 2, 0, NULL);
	ck_valid(res);
	/* undo lists (empty ones) with a non-private namespace: IPC_NS flags 0 */
	e[0].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 10);
	e[1] = img_thread(&e[0], 12);
	e[1].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 12);	/* a thread with its own list */
	e[2] = img_proc(&e[0], 11);
	e[2].sysvsem_ref = e[0].sysvsem_ref;	/* CLONE_SYSVSEM */
	res = read_tree(e, 3, 0, NULL);
	ck_valid(res);
	/* 3 + 10 + 5 + 10 records, + IPC_NS and 2 SEM_UNDO */
	ck_assert_int_eq(res.nr, 3 + 10 + 5 + 10 + 1 + 2);
	/* a thread without undo list, its leader with one */
	e[1].sysvsem_ref = 0;
	ck_valid(read_tree(e, 3, 0, NULL));
	/* the root's IPC_NS when nothing needs it: checkpoint --ipc of a namespace without objects */
	e[0].sysvsem_ref = e[2].sysvsem_ref = 0;
	img_header_flags(&im, CKPT_CHECKPOINT_IPC);
	img_tree(&im, e, 3);
	img_task_records(&im, &e[0], img_needs(e, 3, 0) | IMG_HAS_IPC_NS);
	img_task_records(&im, &e[1], img_needs(e, 3, 1));
	img_task_records(&im, &e[2], img_needs(e, 3, 2));
	img_tail(&im);
	FIELD(im, CKPT_HDR_IPC_NS, struct ckpt_hdr_ipc_ns, 0)->flags = CKPT_IPC_NS_ALL;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);
	/* a NEWIPCNS root alone, its (empty) namespace saved whole */
	e[0].flags |= CKPT_TASK_NEWIPCNS;
	ck_valid(read_tree(e, 1, 0, NULL));
	/* a container whose init had its own IPC namespace */
	e[0] = img_proc(NULL, 1);
	e[0].flags |= CKPT_TASK_NEWIPCNS;
	e[1] = img_proc(&e[0], 2);
	ck_valid(read_tree(e, 2, CKPT_CHECKPOINT_CONTAINER, NULL));
}
END_TEST

/*
 * One field of img_ipc_full() changed: the image must fail at the record
 * given (the changed one unless fail_type says another), for the reason.
 */
START_TEST(ipc_record_field_checks)
{
	static const struct {
		uint32_t type;
		int n;
		size_t off, size;
		uint64_t val;
		uint32_t fail_type;
		int fail_n;
		const char *why;
	} c[] = {
#define FC(t, n, st, m, v, why) { t, n, offsetof(struct st, m), sizeof(((struct st *)0)->m), v, 0, 0, why }
#define FCAT(t, n, st, m, v, ft, fn, why) { t, n, offsetof(struct st, m), sizeof(((struct st *)0)->m), v, ft, fn, why }
		/* IPC_NS */
		FC(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, flags, 4, "IPC_NS unknown flags 0x4"),
		FC(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, flags, CKPT_IPC_NS_PRIVATE,
		   "IPC_NS flags 0x1: PRIVATE without ALL (a private namespace is saved whole)"),
		FC(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, flags, CKPT_IPC_NS_ALL,
		   "IPC_NS flags 0x2 without PRIVATE, but the root's TREE entry has NEWIPCNS"),
		FC(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, nr_objects, CKPT_IPC_OBJECTS_MAX + 1,
		   "IPC_NS nr_objects 98305 > 98304"),
		FC(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, pad, 1, "IPC_NS pad field is nonzero"),
		FCAT(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, nr_objects, 6, CKPT_HDR_SEM_UNDO, 0,
		     ": 1 IPC objects missing"),
		FCAT(CKPT_HDR_IPC_NS, 0, ckpt_hdr_ipc_ns, nr_objects, 4, CKPT_HDR_IPC_SEM, 1,
		     "IPC_SEM record exceeds what its IPC_NS at offset"),
		/* IPC_SHM */
		FC(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, perm.id, (uint32_t)-1, "IPC_SHM id -1 < 0"),
		FC(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, perm.pad, 1, "IPC_SHM id 0: perm.pad is nonzero"),
		FC(CKPT_HDR_IPC_SHM, 1, ckpt_hdr_ipc_shm, perm.id, 0,
		   "IPC_SHM id 0 appears twice (ids are unique per kind)"),
		FCAT(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, perm.id, 40000, CKPT_HDR_IPC_SHM, 1,
		     "IPC_SHM id 32769 not above the previous IPC_SHM id 40000 (ids ascend)"),
		FC(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, flags, 4, "IPC_SHM id 0: unknown flags 0x4"),
		FC(CKPT_HDR_IPC_SHM, 1, ckpt_hdr_ipc_shm, perm.key, 0x55,
		   "IPC_SHM id 32769: a removed (DEST) segment has key 0x55, not IPC_PRIVATE (0)"),
		FC(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, nr_pages, 3,
		   "IPC_SHM id 0: nr_pages 3 > the 2 pages of its size 8192"),
		FC(CKPT_HDR_IPC_SHM, 1, ckpt_hdr_ipc_shm, nr_pages, 3,
		   "IPC_SHM id 32769: nr_pages 3 > the 2 pages of its size 4097"),
		FCAT(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, nr_pages, 2, CKPT_HDR_IPC_SHM, 1,
		     ": 1 pages missing"),
		FCAT(CKPT_HDR_IPC_SHM, 0, ckpt_hdr_ipc_shm, size, IMG_PAGE, CKPT_HDR_PAGES, 0,
		     "PAGES address 0 0x1000 outside its IPC_SHM segment 0x0-0x1000"),
		{ CKPT_HDR_PAGES, 0, sizeof(struct ckpt_hdr_pages), 8, 0x1001, 0, 0,
		  "PAGES address 0 0x1001 is not page aligned" },
		/* IPC_MSQ, IPC_MSG */
		FC(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, perm.id, (uint32_t)-5, "IPC_MSQ id -5 < 0"),
		FC(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, nr_msgs, CKPT_MSG_COUNT_MAX + 1,
		   "IPC_MSQ id 1: nr_msgs 4194305 > 4194304"),
		FC(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, pad, 1, "IPC_MSQ id 1: pad field is nonzero"),
		FCAT(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, nr_msgs, 3, CKPT_HDR_IPC_SEM, 0,
		     ": 1 IPC_MSG records missing"),
		FCAT(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, nr_msgs, 1, CKPT_HDR_IPC_MSG, 1,
		     "IPC_MSG record exceeds what its IPC_MSQ at offset"),
		FCAT(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, cbytes, 9, CKPT_HDR_IPC_SEM, 0,
		     ": its messages hold 8 bytes, but its cbytes is 9"),
		FCAT(CKPT_HDR_IPC_MSQ, 0, ckpt_hdr_ipc_msq, cbytes, 7, CKPT_HDR_IPC_MSG, 1,
		     "IPC_MSG of IPC_MSQ id 1: size 5 > the 4 bytes left of its cbytes 7"),
		FC(CKPT_HDR_IPC_MSG, 0, ckpt_hdr_ipc_msg, mtype, 0,
		   "IPC_MSG of IPC_MSQ id 1: mtype 0 is not > 0"),
		FC(CKPT_HDR_IPC_MSG, 1, ckpt_hdr_ipc_msg, mtype, (uint64_t)-3,
		   "IPC_MSG of IPC_MSQ id 1: mtype -3 is not > 0"),
		FC(CKPT_HDR_IPC_MSG, 0, ckpt_hdr_ipc_msg, pad, 1,
		   "IPC_MSG of IPC_MSQ id 1: pad field is nonzero"),
		FC(CKPT_HDR_IPC_MSG, 0, ckpt_hdr_ipc_msg, size, CKPT_MSG_SIZE_MAX + 1,
		   "IPC_MSG size 1048577 > 1048576"),
		FC(CKPT_HDR_IPC_MSG, 0, ckpt_hdr_ipc_msg, size, 4,
		   "IPC_MSG record length 27 does not match its contents (expected 28)"),
		/* IPC_SEM */
		FC(CKPT_HDR_IPC_SEM, 0, ckpt_hdr_ipc_sem, nsems, 0,
		   "IPC_SEM id 2: nsems 0 out of range 1..32000"),
		FC(CKPT_HDR_IPC_SEM, 0, ckpt_hdr_ipc_sem, nsems, CKPT_SEM_NSEMS_MAX + 1,
		   "IPC_SEM id 2: nsems 32001 out of range 1..32000"),
		FC(CKPT_HDR_IPC_SEM, 0, ckpt_hdr_ipc_sem, nsems, 4,
		   "IPC_SEM record length 88 does not match its contents (expected 96)"),
		FC(CKPT_HDR_IPC_SEM, 0, ckpt_hdr_ipc_sem, pad, 1, "IPC_SEM id 2: pad field is nonzero"),
		FC(CKPT_HDR_IPC_SEM, 0, ckpt_hdr_ipc_sem, perm.pad, 1, "IPC_SEM id 2: perm.pad is nonzero"),
		FC(CKPT_HDR_IPC_SEM, 1, ckpt_hdr_ipc_sem, perm.id, 2,
		   "IPC_SEM id 2 appears twice (ids are unique per kind)"),
		FC(CKPT_HDR_IPC_SEM, 1, ckpt_hdr_ipc_sem, perm.id, 1,
		   "IPC_SEM id 1 not above the previous IPC_SEM id 2 (ids ascend)"),
		{ CKPT_HDR_IPC_SEM, 0, sizeof(struct ckpt_hdr_ipc_sem) + 2 * 8, 4, 32768, 0, 0,
		  "IPC_SEM id 2: semval[2] 32768 out of range 0..32767" },
		{ CKPT_HDR_IPC_SEM, 0, sizeof(struct ckpt_hdr_ipc_sem), 4, (uint32_t)-1, 0, 0,
		  "IPC_SEM id 2: semval[0] -1 out of range 0..32767" },
		/* SEM_UNDO, SEM_ADJ */
		FC(CKPT_HDR_SEM_UNDO, 0, ckpt_hdr_sem_undo, objref, 5,
		   "TREE entry 0 (pid 10): SEM_UNDO objref 5, but its TREE sysvsem_ref is 700010"),
		FC(CKPT_HDR_SEM_UNDO, 1, ckpt_hdr_sem_undo, objref, 700010,
		   "TREE entry 3 (pid 13): SEM_UNDO objref 700010, but its TREE sysvsem_ref is 700013"),
		FC(CKPT_HDR_SEM_UNDO, 0, ckpt_hdr_sem_undo, nr_undos, CKPT_SEM_UNDOS_MAX + 1,
		   "SEM_UNDO nr_undos 32769 > 32768"),
		FCAT(CKPT_HDR_SEM_UNDO, 0, ckpt_hdr_sem_undo, nr_undos, 3, CKPT_HDR_MM, 0,
		     ": 1 SEM_ADJ records missing"),
		FCAT(CKPT_HDR_SEM_UNDO, 0, ckpt_hdr_sem_undo, nr_undos, 1, CKPT_HDR_SEM_ADJ, 1,
		     "SEM_ADJ record exceeds what its SEM_UNDO at offset"),
		FC(CKPT_HDR_SEM_ADJ, 0, ckpt_hdr_sem_adj, semid, 3,
		   "SEM_ADJ semid 3 names no IPC_SEM of the image"),
		FC(CKPT_HDR_SEM_ADJ, 0, ckpt_hdr_sem_adj, semid, 1,	/* the queue's id */
		   "SEM_ADJ semid 1 names no IPC_SEM of the image"),
		FC(CKPT_HDR_SEM_ADJ, 1, ckpt_hdr_sem_adj, semid, 2,
		   "SEM_ADJ semid 2 not above the previous semid 2 of its SEM_UNDO (ascending, each array once)"),
		FC(CKPT_HDR_SEM_ADJ, 0, ckpt_hdr_sem_adj, semid, 98306,
		   "SEM_ADJ semid 98306: nsems 3, but the IPC_SEM has 1"),
		FC(CKPT_HDR_SEM_ADJ, 2, ckpt_hdr_sem_adj, semid, 98306,
		   "SEM_ADJ semid 98306: nsems 3, but the IPC_SEM has 1"),
		FC(CKPT_HDR_SEM_ADJ, 0, ckpt_hdr_sem_adj, nsems, 0,
		   "SEM_ADJ semid 2: nsems 0 out of range 1..32000"),
		FC(CKPT_HDR_SEM_ADJ, 0, ckpt_hdr_sem_adj, nsems, 4,
		   "SEM_ADJ record length 22 does not match its contents (expected 24)"),
		/* the len counts no padding (18, not 24) */
		FC(CKPT_HDR_SEM_ADJ, 1, ckpt_hdr_sem_adj, h.len, 24,
		   "SEM_ADJ record length 24 does not match its contents (expected 18)"),
		/* VMA SYSV_SHM: VMA 0 the root's (shm 0, attachment 900), 1 and 2 12's */
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, shm_size, 5,
		   "sysv_shm VMA: shmid 5 (shm_size) names no IPC_SHM of the image"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, shm_size, 0x100000000ULL,
		   "sysv_shm VMA: shmid 4294967296 (shm_size) names no IPC_SHM of the image"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, shm_ref, 0, "sysv_shm VMA shm_ref objref 0 is invalid"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, nr_pages, 1,
		   "sysv_shm VMA with nr_pages 1 (the pages of a segment are in its IPC_SHM record)"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, pgoff, 1,
		   "sysv_shm VMA: pgoff 1 + 2 pages > the 2 pages of shm id 0"),
		FC(CKPT_HDR_VMA, 2, ckpt_hdr_vma, pgoff, 2,
		   "sysv_shm VMA: pgoff 2 + 1 pages > the 2 pages of shm id 32769"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, pgoff, (uint64_t)-1,
		   "sysv_shm VMA: pgoff 18446744073709551615 + 2 pages > the 2 pages of shm id 0"),
		/* a read-only attachment (SHM_RDONLY) has VM_MAYSHARE only */
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, vm_flags, CKPT_VM_READ | CKPT_VM_WRITE,
		   "sysv_shm VMA 0x7f1000000000-0x7f1000002000 without VM_MAYSHARE"),
		FC(CKPT_HDR_VMA, 2, ckpt_hdr_vma, shm_ref, 900,
		   "VMA shm_ref 900: shmid 32769, but the attachment is of shmid 0"),
		FC(CKPT_HDR_VMA, 1, ckpt_hdr_vma, shm_size, 32769,
		   "VMA shm_ref 900: shmid 32769, but the attachment is of shmid 0"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, shm_ref, IMG_REF(IMG_FS, 10),
		   "VMA shm_ref 300010 is the fs_ref of TREE entry 0 (pid 10), not a SysV shm attachment"),
		FC(CKPT_HDR_VMA, 0, ckpt_hdr_vma, shm_ref, IMG_REF(IMG_SYSVSEM, 13),
		   "VMA shm_ref 700013 is the sysvsem_ref of TREE entry 3 (pid 13), not a SysV shm attachment"),
#undef FC
#undef FCAT
	};
	struct img im = { 0 };
	struct result res;
	size_t k, off, at;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		img_ipc_full(&im);
		off = img_find(&im, c[k].type, c[k].n);
		ck_assert_msg(off != (size_t)-1, "case %zu: no such record", k);
		at = c[k].fail_type ? img_find(&im, c[k].fail_type, c[k].fail_n) : off;
		memcpy(im.buf + off + c[k].off, &c[k].val, c[k].size);
		img_refresh_tail(&im);
		res = read_img(&im);
		ck_assert_msg(res.ret == -1, "case %zu (%s): expected failure", k, c[k].why);
		ck_assert_fails(res, KCR_ERR_FORMAT, at, c[k].why);
		img_free(&im);
	}
}
END_TEST

/* Changes that keep img_ipc_full() valid: what the rules do not forbid. */
START_TEST(ipc_allowed_variants_parse)
{
	struct img im = { 0 };

	/* ids are unique per kind only: a queue and a segment both 0 */
	img_ipc_full(&im);
	FIELD(im, CKPT_HDR_IPC_MSQ, struct ckpt_hdr_ipc_msq, 0)->perm.id = 0;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);
	/* a live segment may have IPC_PRIVATE as its key, and be locked */
	img_ipc_full(&im);
	FIELD(im, CKPT_HDR_IPC_SHM, struct ckpt_hdr_ipc_shm, 0)->perm.key = 0;
	FIELD(im, CKPT_HDR_IPC_SHM, struct ckpt_hdr_ipc_shm, 0)->flags = CKPT_SHM_LOCKED;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);
	/* adjustments at the limits, semaphore values 0 and SEMVMX */
	img_ipc_full(&im);
	{
		__s16 *adj = (void *)(FIELD(im, CKPT_HDR_SEM_ADJ, struct ckpt_hdr_sem_adj, 0) + 1);

		adj[0] = 32767;
		adj[1] = -32767;
	}
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);
	/* an attachment of part of a segment, at its end */
	img_ipc_full(&im);
	FIELD(im, CKPT_HDR_VMA, struct ckpt_hdr_vma, 2)->pgoff = 1;
	img_refresh_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);
}
END_TEST

/* The first task of an undo list writes it, nobody else. */
START_TEST(sem_undo_comes_from_the_first_task_of_its_ref)
{
	struct ckpt_task_pids e[2];
	struct img im = { 0 };
	struct result res;

	e[0] = img_proc(NULL, 10);
	e[0].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].sysvsem_ref = e[0].sysvsem_ref;
	ck_valid(read_tree(e, 2, 0, NULL));

	/* written twice */
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0));
	img_task_records(&im, &e[1], img_needs(e, 2, 1) | IMG_HAS_SEM_UNDO);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_SEM_UNDO, 1),
			"TREE entry 1 (pid 11): unexpected SEM_UNDO record: sysvsem_ref 700010 was written with TREE entry 0 (pid 10)");
	img_free(&im);

	/* not written by the first */
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0) & ~IMG_HAS_SEM_UNDO);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_MM, 0),
			"TREE entry 0 (pid 10): no SEM_UNDO record before MM, but it is the first task with sysvsem_ref 700010");
	img_free(&im);

	/* by a task without undo list */
	e[1].sysvsem_ref = 0;
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0));
	img_task_records(&im, &e[1], img_needs(e, 2, 1) | IMG_HAS_SEM_UNDO);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_SEM_UNDO, 1),
			"TREE entry 1 (pid 11): unexpected SEM_UNDO record: its sysvsem_ref is 0");
	img_free(&im);

	/* a SEM_UNDO before the IPC_NS */
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_head(&im, &e[0], HAS_ALL);
	img_sem_undo(&im, e[0].sysvsem_ref, 0);
	img_ipc_ns(&im, 0, 0);
	img_mm(&im, e[0].mm_ref, 0);
	img_task_tail(&im, &e[0], HAS_ALL);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_NS, 0),
			"IPC_NS record out of order in task 10 (TREE entry 0)");
	img_free(&im);

	/* an undo list with an entry, but no IPC_NS: the array is not there */
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_head(&im, &e[0], HAS_ALL);
	img_sem_undo(&im, e[0].sysvsem_ref, 1);
	img_sem_adj(&im, 2, 1, (const int16_t[]){ -1 });
	img_mm(&im, e[0].mm_ref, 0);
	img_task_tail(&im, &e[0], HAS_ALL);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_int_eq(res.ret, -1);
	ck_assert_uint_eq(res.err_offset, img_find(&im, CKPT_HDR_SEM_ADJ, 0));
	img_free(&im);
}
END_TEST

START_TEST(ipc_ns_is_the_roots_and_needed_by_newipcns)
{
	struct ckpt_task_pids e[2];
	struct img im = { 0 };
	struct result res;

	/* IPC_NS in a task other than the root */
	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0));
	img_task_records(&im, &e[1], img_needs(e, 2, 1) | IMG_HAS_IPC_NS);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_NS, 0),
			"TREE entry 1 (pid 11): IPC_NS record in a task other than the root (the root, TREE entry 0, pid 10, writes the IPC objects)");
	img_free(&im);

	/* IPC_NS after the root's MM */
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_head(&im, &e[0], HAS_ALL);
	img_mm(&im, e[0].mm_ref, 0);
	img_ipc_ns(&im, 0, 0);
	img_task_tail(&im, &e[0], HAS_ALL);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_NS, 0),
			"IPC_NS record out of order in task 10 (TREE entry 0)");
	img_free(&im);

	/* an empty undo list (every pthread has one) needs no IPC_NS */
	e[1].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 11);
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0) & ~IMG_HAS_IPC_NS);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_msg(res.ret == 0, "an empty undo list without IPC_NS: %s", res.reason);
	img_free(&im);

	/* NEWIPCNS, but no IPC_NS */
	e[1].sysvsem_ref = 0;
	e[0].flags |= CKPT_TASK_NEWIPCNS;
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0) & ~IMG_HAS_IPC_NS);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_MM, 0),
			"TREE entry 0 (pid 10): no IPC_NS record before MM, but the root has NEWIPCNS (its IPC namespace is saved whole)");
	img_free(&im);

	/* PRIVATE without NEWIPCNS */
	e[0].flags &= ~CKPT_TASK_NEWIPCNS;
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], img_needs(e, 2, 0) | IMG_HAS_IPC_NS);
	img_task_records(&im, &e[1], img_needs(e, 2, 1));
	img_tail(&im);
	FIELD(im, CKPT_HDR_IPC_NS, struct ckpt_hdr_ipc_ns, 0)->flags =
		CKPT_IPC_NS_PRIVATE | CKPT_IPC_NS_ALL;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_NS, 0),
			"IPC_NS flags 0x3 with PRIVATE, but the root's TREE entry has no NEWIPCNS");
	img_free(&im);
}
END_TEST

START_TEST(tree_sysvsem_and_newipcns_rules)
{
	struct ckpt_task_pids e[5];
	uint32_t n = img_ipc_tree(e);

	ck_valid(read_tree(e, n, 0, NULL));
	/* NEWIPCNS is the root's */
	e[2].flags |= CKPT_TASK_NEWIPCNS;
	ck_tree_fails(e, n, 0, "TREE entry 2 (pid 12): NEWIPCNS on a task other than the root");
	n = img_ipc_tree(e);
	e[1].flags |= CKPT_TASK_NEWIPCNS;
	ck_tree_fails(e, n, 0, "TREE entry 1 (pid 11): NEWIPCNS on a task other than the root");
	/* zombies have no undo list */
	n = img_ipc_tree(e);
	e[4].sysvsem_ref = e[0].sysvsem_ref;
	ck_tree_fails(e, n, 0, "TREE entry 4 (pid 14): zombie with sysvsem_ref 700010");
	/* undo lists are in the objref space */
	n = img_ipc_tree(e);
	e[3].sysvsem_ref = e[0].mm_ref;
	ck_tree_fails(e, n, 0,
		      "TREE entry 3 (pid 13): sysvsem_ref 100010 is also the mm_ref of TREE entry 0 (pid 10) (objrefs are unique across kinds)");
	n = img_ipc_tree(e);
	e[3].files_ref = e[0].sysvsem_ref;
	ck_tree_fails(e, n, 0,
		      "TREE entry 3 (pid 13): files_ref 700010 is also the sysvsem_ref of TREE entry 0 (pid 10)");
}
END_TEST

/*
 * Root 10 (not NEWIPCNS) whose IPC_NS (ALL) has the objects that write()
 * writes, and an MM with the VMAs that vmas() writes (nr_vmas of them).
 */
static void ipc_root_image(struct img *im, uint32_t nr_objects,
			   void (*write)(struct img *), uint32_t nr_vmas,
			   void (*vmas)(struct img *), int with_ns)
{
	struct ckpt_task_pids e = img_proc(NULL, 10);

	img_header(im);
	img_tree(im, &e, 1);
	img_task_head(im, &e, HAS_ALL);
	if (with_ns)
		img_ipc_ns(im, CKPT_IPC_NS_ALL, nr_objects);
	if (write)
		write(im);
	img_mm(im, e.mm_ref, nr_vmas);
	if (vmas)
		vmas(im);
	img_task_tail(im, &e, HAS_ALL);
	img_tail(im);
}

static void sem_then_shm(struct img *im)
{
	img_ipc_sem(im, 1, 0, 1, NULL);
	img_ipc_shm(im, 0, 0, IMG_PAGE, 0, 0);
}

static void sem_then_msq(struct img *im)
{
	img_ipc_sem(im, 1, 0, 1, NULL);
	img_ipc_msq(im, 0, 0, 0, 0);
}

static void msq_then_shm(struct img *im)
{
	img_ipc_msq(im, 5, 0, 0, 0);
	img_ipc_shm(im, 7, 0, IMG_PAGE, 0, 0);
}

static void one_of_each(struct img *im)
{
	img_ipc_shm(im, 9, 0, IMG_PAGE, 0, 0);
	img_ipc_msq(im, 8, 0, 0, 0);
	img_ipc_sem(im, 7, 0, 1, NULL);
}

static void msg_after_sem(struct img *im)
{
	img_ipc_sem(im, 1, 0, 1, NULL);
	img_ipc_msg(im, 1, "x", 1);
}

static void adj_without_undo(struct img *im)
{
	static const int16_t adj[1] = { 1 };

	img_ipc_sem(im, 1, 0, 1, NULL);
	img_sem_adj(im, 1, 1, adj);
}

static void sysv_vma(struct img *im)
{
	img_vma_sysv_shm(im, 0x7f1000000000ULL, 1, 0, 0, 900, IMG_VM_SHM_RW);
}

static void sysv_vma_with_path(struct img *im)
{
	struct ckpt_hdr_vma v;

	memset(&v, 0, sizeof(v));
	v.start = 0x7f1000000000ULL;
	v.end = v.start + IMG_PAGE;
	v.vm_flags = IMG_VM_SHM_RW;
	v.kind = CKPT_VMA_SYSV_SHM;
	v.shm_ref = 900;
	v.path_len = 5;
	img_rec(im, CKPT_HDR_VMA, &v, sizeof(v), "/shm", 5);
}

static void shm0(struct img *im)
{
	img_ipc_shm(im, 0, 0x10, IMG_PAGE, 0, 0);
}

START_TEST(ipc_objects_in_order_and_in_their_sections)
{
	struct img im = { 0 };
	struct result res;

	ipc_root_image(&im, 3, one_of_each, 0, NULL, 1);
	ck_valid(read_img(&im));
	img_free(&im);

	ipc_root_image(&im, 2, sem_then_shm, 0, NULL, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_SHM, 0),
			"IPC_SHM id 0 after an IPC_SEM (id 1): the objects come as all IPC_SHM, then all IPC_MSQ, then all IPC_SEM");
	img_free(&im);

	ipc_root_image(&im, 2, sem_then_msq, 0, NULL, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_MSQ, 0),
			"IPC_MSQ id 0 after an IPC_SEM (id 1)");
	img_free(&im);

	ipc_root_image(&im, 2, msq_then_shm, 0, NULL, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_SHM, 0),
			"IPC_SHM id 7 after an IPC_MSQ (id 5)");
	img_free(&im);

	/* objects outside an IPC_NS */
	ipc_root_image(&im, 0, shm0, 0, NULL, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_SHM, 0),
			"IPC_SHM record outside a IPC_NS section");
	img_free(&im);

	ipc_root_image(&im, 2, msg_after_sem, 0, NULL, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_MSG, 0),
			"IPC_MSG record outside a IPC_MSQ section");
	img_free(&im);

	ipc_root_image(&im, 1, adj_without_undo, 0, NULL, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_SEM_ADJ, 0),
			"SEM_ADJ record outside a SEM_UNDO section");
	img_free(&im);
}
END_TEST

START_TEST(sysv_shm_vma_needs_a_segment_of_the_image)
{
	struct img im = { 0 };
	struct result res;

	ipc_root_image(&im, 1, shm0, 1, sysv_vma, 1);
	ck_valid(read_img(&im));
	img_free(&im);

	/* no IPC_NS */
	ipc_root_image(&im, 0, NULL, 1, sysv_vma, 0);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 0),
			"sysv_shm VMA: shmid 0 (shm_size) names no IPC_SHM of the image (the image has no IPC_NS)");
	img_free(&im);

	/* a path */
	ipc_root_image(&im, 1, shm0, 1, sysv_vma_with_path, 1);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 0),
			"sysv_shm VMA with a path (path_len 5, expected 0)");
	img_free(&im);

	/* pages of its own */
	ipc_root_image(&im, 1, shm0, 1, sysv_vma, 1);
	FIELD(im, CKPT_HDR_VMA, struct ckpt_hdr_vma, 0)->nr_pages = 1;
	img_refresh_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_VMA, 0),
			"sysv_shm VMA with nr_pages 1");
	img_free(&im);
}
END_TEST

START_TEST(ipc_big_records_are_bounded_by_their_counts)
{
	struct img im = { 0 };
	struct result res;
	static char text[CKPT_MSG_SIZE_MAX];
	struct ckpt_task_pids e = img_proc(NULL, 10);

	/* a message of CKPT_MSG_SIZE_MAX bytes and an array of CKPT_SEM_NSEMS_MAX */
	img_header(&im);
	img_tree(&im, &e, 1);
	img_task_head(&im, &e, HAS_ALL);
	img_ipc_ns(&im, CKPT_IPC_NS_ALL, 2);
	img_ipc_msq(&im, 0, 0, CKPT_MSG_SIZE_MAX, 1);
	img_ipc_msg(&im, 1, text, CKPT_MSG_SIZE_MAX);
	img_ipc_sem(&im, 0, 0, CKPT_SEM_NSEMS_MAX, NULL);
	img_mm(&im, e.mm_ref, 0);
	img_task_tail(&im, &e, HAS_ALL);
	img_tail(&im);
	ck_valid(read_img(&im));
	img_free(&im);

	/* a huge len is refused before it is read */
	img_ipc_full(&im);
	FIELD(im, CKPT_HDR_IPC_SEM, struct ckpt_hdr_ipc_sem, 0)->h.len = 0x7fffffff;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_IPC_SEM, 0),
			"IPC_SEM record length 2147483647 > maximum 256064");
	img_free(&im);
}
END_TEST

START_TEST(ipc_record_names)
{
	ck_assert_str_eq(kcr_record_name(CKPT_HDR_IPC_NS), "IPC_NS");
	ck_assert_str_eq(kcr_record_name(CKPT_HDR_SEM_ADJ), "SEM_ADJ");
	ck_assert_str_eq(kcr_vma_kind_name(CKPT_VMA_SYSV_SHM), "sysv_shm");
	ck_assert_str_eq(kcr_ref_name(KCR_REF_SYSVSEM), "sysvsem");
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("reader");
	TCase *tl = tcase_create("log");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, valid_minimal_image_parses);
	tcase_add_test(tc, file_lock_records);
	tcase_add_test(tc, file_lock_of_an_earlier_section);
	tcase_add_test(tc, valid_full_image_parses_with_every_record_type);
	tcase_add_test(tc, valid_image_parses_from_a_pipe);
	tcase_add_test(tc, truncated_at_every_offset_fails_at_that_offset);
	tcase_add_test(tc, truncated_at_record_boundary_reports_missing_tail);
	tcase_add_test(tc, truncated_inside_record_names_the_record);
	tcase_add_test(tc, empty_image_fails);
	tcase_add_test(tc, flipped_page_byte_is_a_crc_mismatch);
	tcase_add_test(tc, flipped_bit_at_every_offset_fails);
	tcase_add_test(tc, wrong_magic_fails);
	tcase_add_test(tc, wrong_version_fails);
	tcase_add_test(tc, wrong_arch_fails);
	tcase_add_test(tc, wrong_page_size_fails);
	tcase_add_test(tc, first_record_not_header_fails);
	tcase_add_test(tc, second_record_not_tree_fails);
	tcase_add_test(tc, unknown_record_type_fails);
	tcase_add_test(tc, huge_nr_tasks_fails);
	tcase_add_test(tc, zero_nr_tasks_fails);
	tcase_add_test(tc, tree_len_not_matching_nr_tasks_fails);
	tcase_add_test(tc, len_below_header_size_fails);
	tcase_add_test(tc, absurd_len_fails_before_reading);
	tcase_add_test(tc, pages_nr_over_max_fails);
	tcase_add_test(tc, pages_len_not_matching_nr_pages_fails);
	tcase_add_test(tc, pipe_data_over_chunk_fails);
	tcase_add_test(tc, nonzero_padding_fails_at_the_padding_byte);
	tcase_add_test(tc, record_after_tail_fails);
	tcase_add_test(tc, single_byte_after_tail_fails);
	tcase_add_test(tc, tail_nr_records_mismatch_fails);
	tcase_add_test(tc, tail_magic_mismatch_fails);
	tcase_add_test(tc, missing_pages_of_a_vma_fails);
	tcase_add_test(tc, pages_outside_vma_fails);
	tcase_add_test(tc, tree_of_three_tasks_parses);
	tcase_add_test(tc, tree_duplicate_pid_fails);
	tcase_add_test(tc, tree_duplicate_thread_pid_fails);
	tcase_add_test(tc, tree_nonpositive_pid_fails);
	tcase_add_test(tc, tree_unknown_flags_fail);
	tcase_add_test(tc, tree_zombie_has_no_sysvsem_ref);
	tcase_add_test(tc, tree_record_pad_nonzero_fails);
	tcase_add_test(tc, tree_nr_levels_out_of_range_fails);
	tcase_add_test(tc, tree_pids0_not_pid_fails);
	tcase_add_test(tc, tree_inner_pid_nonpositive_fails);
	tcase_add_test(tc, tree_pid_beyond_levels_fails);
	tcase_add_test(tc, tree_pid1_outside_own_namespace_fails);
	tcase_add_test(tc, tree_negative_pgid_or_sid_fails);
	tcase_add_test(tc, tree_leader_flags_must_match_ids);
	tcase_add_test(tc, tree_bad_exit_signal_fails);
	tcase_add_test(tc, tree_root_must_be_a_live_process_at_level_0);
	tcase_add_test(tc, tree_container_image_parses);
	tcase_add_test(tc, tree_container_root_not_pid1_fails);
	tcase_add_test(tc, unknown_header_flags_fail);
	tcase_add_test(tc, tree_parent_not_earlier_fails);
	tcase_add_test(tc, tree_parent_is_a_thread_fails);
	tcase_add_test(tc, tree_parent_is_a_zombie_fails);
	tcase_add_test(tc, tree_process_tgid_not_pid_fails);
	tcase_add_test(tc, tree_thread_must_follow_its_group);
	tcase_add_test(tc, tree_thread_of_a_zombie_fails);
	tcase_add_test(tc, tree_thread_must_match_its_leader);
	tcase_add_test(tc, tree_thread_shares_mm_sighand_signal_pidns_of_its_leader);
	tcase_add_test(tc, tree_newpidns_is_one_level_deeper_with_pid_1);
	tcase_add_test(tc, tree_newpidns_needs_a_new_namespace);
	tcase_add_test(tc, tree_child_is_in_its_parents_namespace);
	tcase_add_test(tc, tree_duplicate_pid_in_an_inner_namespace_fails);
	tcase_add_test(tc, tree_zombie_keeps_only_signal_and_pidns);
	tcase_add_test(tc, tree_zombie_exit_code_is_a_wait_status);
	tcase_add_test(tc, tree_exit_code_of_a_live_task_fails);
	tcase_add_test(tc, tree_live_task_has_every_ref);
	tcase_add_test(tc, tree_processes_do_not_share_mm_sighand_signal);
	tcase_add_test(tc, tree_ref_names_one_kind_of_object);
	tcase_add_test(tc, tree_processes_may_share_files_and_fs);
	tcase_add_test(tc, process_with_two_threads_parses);
	tcase_add_test(tc, zombie_child_has_no_records);
	tcase_add_test(tc, nested_pid_namespaces_parse);
	tcase_add_test(tc, first_task_of_a_ref_carries_its_record);
	tcase_add_test(tc, later_task_of_a_ref_has_no_record);
	tcase_add_test(tc, required_records_are_there);
	tcase_add_test(tc, task_records_stop_early_before_next_task_fails);
	tcase_add_test(tc, record_objref_matches_the_tree);
	tcase_add_test(tc, per_task_record_out_of_order_fails);
	tcase_add_test(tc, task_pid_not_in_tree_order_fails);
	tcase_add_test(tc, zombie_with_records_fails);
	tcase_add_test(tc, missing_task_record_fails_at_tail);
	tcase_add_test(tc, task_record_beyond_the_tree_fails);
	tcase_add_test(tc, thread_signal_has_no_group_queue);
	tcase_add_test(tc, fd_names_a_file_written_before);
	tcase_add_test(tc, fd_of_an_unknown_file_fails);
	tcase_add_test(tc, fds_ascend);
	tcase_add_test(tc, objref_defined_once_across_kinds);
	tcase_add_test(tc, pipe_file_names_a_pipe_written_before);
	tcase_add_test(tc, pipe_file_checks);
	tcase_add_test(tc, pipe_several_files_of_an_end);
	tcase_add_test(tc, fifo_files);
	tcase_add_test(tc, opath_files);
	tcase_add_test(tc, shared_memory_objrefs);
	tcase_add_test(tc, reserved_fields_of_fs_mm_sighand_are_zero);
	tcase_add_test(tc, task_state_fields_are_checked);
	tcase_add_test(tc, record_field_checks);
	tcase_add_test(tc, timers_valid_images_parse);
	tcase_add_test(tc, timers_bad_records_fail);
	tcase_add_test(tc, strings_of_fixed_size_are_nul_terminated);
	tcase_add_test(tc, children_stay_inside_their_section);
	tcase_add_test(tc, task_records_start_with_task);
	tcase_add_test(tc, file_kinds_and_pipe_ends);
	tcase_add_test(tc, tty_records);
	tcase_add_test(tc, ghost_inodes_are_checked);
	tcase_add_test(tc, ghost_inode_outside_files_or_mm);
	tcase_add_test(tc, unix_socket_records);
	tcase_add_test(tc, unix_bound_records);
	tcase_add_test(tc, epoll_records);
	tcase_add_test(tc, event_fds_valid_image_parses);
	tcase_add_test(tc, event_fds_bad_records_fail);
	tcase_add_test(tc, event_fds_one_file_per_object);
	tcase_add_test(tc, inotify_records);
	tcase_add_test(tc, file_identity_fields_are_checked);
	tcase_add_test(tc, mm_without_exe_has_no_exe_identity);
	tcase_add_test(tc, prefix_read_keeps_exact_raw_bytes);
	tcase_add_test(tc, prefix_read_from_pipe_consumes_only_the_prefix);
	tcase_add_test(tc, prefix_read_of_bad_tree_fails);
	tcase_add_test(tc, refreshed_crc_makes_a_changed_image_valid);
	tcase_add_test(tc, big_tree_of_every_kind_parses);
	tcase_add_test(tc, ipc_full_image_parses_with_every_ipc_record);
	tcase_add_test(tc, ipc_optional_records_parse);
	tcase_add_test(tc, ipc_record_field_checks);
	tcase_add_test(tc, ipc_allowed_variants_parse);
	tcase_add_test(tc, sem_undo_comes_from_the_first_task_of_its_ref);
	tcase_add_test(tc, ipc_ns_is_the_roots_and_needed_by_newipcns);
	tcase_add_test(tc, tree_sysvsem_and_newipcns_rules);
	tcase_add_test(tc, ipc_objects_in_order_and_in_their_sections);
	tcase_add_test(tc, sysv_shm_vma_needs_a_segment_of_the_image);
	tcase_add_test(tc, ipc_big_records_are_bounded_by_their_counts);
	tcase_add_test(tc, ipc_record_names);
	suite_add_tcase(s, tc);

	tcase_add_test(tl, log_reason_picks_last_error_line);
	tcase_add_test(tl, log_reason_falls_back_to_last_line);
	tcase_add_test(tl, log_restart_failed_parses_errno_and_reason);
	tcase_add_test(tl, log_reason_prefers_first_error_line_of_kernel_format);
	tcase_add_test(tl, log_restart_done_found);
	tcase_add_test(tl, record_names_cover_all_types);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(image_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
