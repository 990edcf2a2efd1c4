/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcr: tty helpers for checkpoint/restart of ptys (kernel/checkpoint/tty.c),
 * defined by patches/0016 in drivers/tty/.  The devpts and pty ones are in
 * <linux/devpts_fs.h>.
 */
#ifndef _LINUX_TTY_CKPT_H
#define _LINUX_TTY_CKPT_H

#include <linux/tty.h>

struct file;
struct pid;

struct tty_struct *tty_of_file(struct file *file);
size_t tty_buffer_ckpt_pending(struct tty_port *port);
int tty_restore_ctty(struct tty_struct *tty, struct pid *fg);
int n_tty_ckpt_peek(struct tty_struct *tty, u8 *buf, unsigned long *eol,
		    size_t *canon);
int n_tty_ckpt_fill(struct tty_struct *tty, const u8 *buf, size_t n,
		    const unsigned long *eol, size_t canon);

/* drivers/tty/tty_baudrate.c exports it, no header declares it */
speed_t tty_termios_input_baud_rate(const struct ktermios *termios);

#endif /* _LINUX_TTY_CKPT_H */
