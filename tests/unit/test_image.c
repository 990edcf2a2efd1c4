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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
	ck_assert_msg(res.nr == 4, "expected 4 records, got %d", res.nr);
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
	FIELD(im, CKPT_HDR_HEADER, struct ckpt_hdr_header, 0)->version = 2;
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, 0, "unsupported image version 2");
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
			"TREE record length 40 does not match its contents (expected 64)");
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
	off = img_find(&im, CKPT_HDR_FS, 0);	/* len 23, one padding byte */
	pad = off + 23;
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
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TAIL nr_records 5, image has 3");
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

START_TEST(tree_duplicate_pid_fails)
{
	struct img im = { 0 };
	struct ckpt_task_pids e[2] = {
		{ .pid = 10, .tgid = 10 },
		{ .pid = 10, .tgid = 10, .ppid = 10 },
	};
	struct result res;

	img_header(&im);
	img_tree(&im, e, 2);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"pid 10 already used by entry 0");
	img_free(&im);
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

START_TEST(tree_parent_not_earlier_fails)
{
	struct img im = { 0 };
	struct ckpt_task_pids e[3] = {
		{ .pid = 10, .tgid = 10 },
		{ .pid = 11, .tgid = 11, .ppid = 12 },
		{ .pid = 12, .tgid = 12, .ppid = 10 },
	};
	struct result res;

	img_header(&im);
	img_tree(&im, e, 3);
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TREE, 0),
			"ppid 12 is not an earlier pid");
	img_free(&im);
}
END_TEST

START_TEST(tree_of_three_tasks_parses)
{
	struct img im = { 0 };
	struct ckpt_task_pids e[3] = {
		{ .pid = 10, .tgid = 10, .ppid = 1 },
		{ .pid = 12, .tgid = 12, .ppid = 10 },
		{ .pid = 11, .tgid = 11, .ppid = 12 },
	};
	struct result res;

	img_header(&im);
	img_tree(&im, e, 3);
	img_task(&im, 10, "a");
	img_task(&im, 12, "b");
	img_task(&im, 11, "c");
	img_tail(&im);
	res = read_img(&im);
	ck_assert_msg(res.ret == 0, "expected success, got offset %llu: %s",
		      (unsigned long long)res.err_offset, res.reason);
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
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "TASK pid 101, expected 100");
	img_free(&im);
}
END_TEST

START_TEST(missing_task_record_fails_at_tail)
{
	struct img im = { 0 };
	struct ckpt_task_pids e[2] = {
		{ .pid = 10, .tgid = 10 },
		{ .pid = 11, .tgid = 11, .ppid = 10 },
	};
	struct result res;

	img_header(&im);
	img_tree(&im, e, 2);
	img_task(&im, 10, "a");
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, img_find(&im, CKPT_HDR_TAIL, 0),
			"image has 1 TASK records, the TREE has 2");
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

START_TEST(per_task_record_out_of_order_fails)
{
	struct img im = { 0 };
	struct result res;
	size_t off;

	img_header(&im);
	img_tree1(&im, 100);
	img_task(&im, 100, "x");
	img_simple(&im, CKPT_HDR_CPU, sizeof(struct ckpt_hdr_cpu));
	off = img_simple(&im, CKPT_HDR_SIGHAND, sizeof(struct ckpt_hdr_sighand));
	img_tail(&im);
	res = read_img(&im);
	ck_assert_fails(res, KCR_ERR_FORMAT, off, "SIGHAND record out of order");
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

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("reader");
	TCase *tl = tcase_create("log");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, valid_minimal_image_parses);
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
	tcase_add_test(tc, tree_duplicate_pid_fails);
	tcase_add_test(tc, tree_nonpositive_pid_fails);
	tcase_add_test(tc, tree_parent_not_earlier_fails);
	tcase_add_test(tc, tree_of_three_tasks_parses);
	tcase_add_test(tc, task_pid_not_in_tree_order_fails);
	tcase_add_test(tc, missing_task_record_fails_at_tail);
	tcase_add_test(tc, missing_pages_of_a_vma_fails);
	tcase_add_test(tc, pages_outside_vma_fails);
	tcase_add_test(tc, per_task_record_out_of_order_fails);
	tcase_add_test(tc, prefix_read_keeps_exact_raw_bytes);
	tcase_add_test(tc, prefix_read_from_pipe_consumes_only_the_prefix);
	tcase_add_test(tc, prefix_read_of_bad_tree_fails);
	tcase_add_test(tc, refreshed_crc_makes_a_changed_image_valid);
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
