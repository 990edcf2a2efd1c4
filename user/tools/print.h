/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ckptinfo's printer: the same calls produce a text listing or a JSON
 * document, so both show the same fields.
 */
#ifndef KCR_PRINT_H
#define KCR_PRINT_H

#include <stdint.h>
#include <stdio.h>
#include "kcr.h"

struct printer {
	FILE *f;
	int json;
	int depth;		/* JSON: nesting of objects/arrays */
	int need_comma;		/* JSON: a value was written at this level */
	int text_indent;	/* text: inside an array of objects */
	/*
	 * The reader the records come from, or NULL: what the records name
	 * (the tasks using an undo list, the segment of an attachment).
	 */
	const struct kcr_reader *reader;
};

void pr_init(struct printer *p, FILE *f, int json);
void pr_begin_doc(struct printer *p, const char *image);
/* Print one validated record with its main fields. */
void pr_record(struct printer *p, const struct kcr_record *rec);
/* Final line / closing of the document. */
void pr_end_doc(struct printer *p, const struct kcr_reader *r, int ok);

#endif /* KCR_PRINT_H */
