/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kcr (kernel/checkpoint/) needs from ipc/: the SysV IPC structures
 * are private to the files of ipc/, so the code that reads or fills them lives there
 * and works on the image's records (include/uapi/linux/checkpoint.h).
 * Every function takes the objects' own locks; ids are as seen in the
 * user namespace given, pids in the pid namespace given.  /proc/<pid>/
 * semundo (fs/proc/base.c) is served by sem_undo_show()/sem_undo_write().
 */
#ifndef _LINUX_IPC_CHECKPOINT_H
#define _LINUX_IPC_CHECKPOINT_H

#include <linux/sizes.h>
#include <linux/types.h>

struct file;
struct ipc_namespace;
struct pid_namespace;
struct seq_file;
struct sem_undo_list;
struct task_struct;
struct user_namespace;
struct ckpt_hdr_ipc_shm;
struct ckpt_hdr_ipc_msq;
struct ckpt_hdr_ipc_sem;
struct ckpt_ipc_semval;

/* the kinds, as indexes of ipc_namespace.ids[] */
#define IPC_CKPT_SEM	0
#define IPC_CKPT_MSG	1
#define IPC_CKPT_SHM	2

/* a /proc/self/semundo write: one line, at most this long */
#define SEM_UNDO_LINE_MAX	SZ_1M

/* one message in the buffer msg_ckpt_save() fills; text follows, padded to 8 */
struct msg_ckpt_item {
	s64 mtype;
	u64 size;
};

struct kern_ipc_perm;

int ipc_ckpt_next_id(struct ipc_namespace *ns, int kind, int *pos);
struct kern_ipc_perm *ipc_ckpt_get(struct ipc_namespace *ns, int kind, int id);
void ipc_ckpt_put(int kind, struct kern_ipc_perm *perm);
void sem_ckpt_put(struct kern_ipc_perm *perm);
void msg_ckpt_put(struct kern_ipc_perm *perm);
void shm_ckpt_put(struct kern_ipc_perm *perm);
int ipc_ckpt_nr_objects(struct ipc_namespace *ns);

int sem_undo_walk(struct task_struct *t,
		  int (*fn)(void *arg, int semid, int nsems,
			    const short *semadj),
		  void *arg);
const void *sem_undo_list_key(struct task_struct *t, unsigned int *users);
int sem_undo_show(struct seq_file *m, struct task_struct *t);
int sem_undo_write(char *buf);
int sem_undo_set(int semid, int nsems, const short *semadj);
struct sem_undo_list *sem_undo_list_share(void);
void sem_undo_list_drop(bool apply);
void sem_undo_list_adopt(struct sem_undo_list *ulp);
void sem_undo_list_put(struct sem_undo_list *ulp, struct ipc_namespace *ns,
		       bool apply);
int sem_ckpt_save(struct ipc_namespace *ns, int semid,
		  struct user_namespace *user_ns, struct pid_namespace *pid_ns,
		  struct ckpt_hdr_ipc_sem *h, struct ckpt_ipc_semval *vals,
		  unsigned int max);
int sem_ckpt_restore(struct ipc_namespace *ns, int semid,
		     const struct kern_ipc_perm *self,
		     struct user_namespace *user_ns,
		     struct pid_namespace *pid_ns,
		     const struct ckpt_hdr_ipc_sem *h,
		     const struct ckpt_ipc_semval *vals);
int sem_ckpt_remove(struct ipc_namespace *ns, int semid,
		    const struct kern_ipc_perm *self);

int shm_file_ckpt_id(struct file *file, struct ipc_namespace **ns);
int shm_ckpt_save(struct ipc_namespace *ns, int id,
		  struct user_namespace *user_ns, struct pid_namespace *pid_ns,
		  struct ckpt_hdr_ipc_shm *h, struct file **filep);
int shm_ckpt_restore(struct ipc_namespace *ns, int id,
		     const struct kern_ipc_perm *self,
		     struct user_namespace *user_ns,
		     struct pid_namespace *pid_ns,
		     const struct ckpt_hdr_ipc_shm *h, struct file **filep);
int shm_ckpt_lock(struct ipc_namespace *ns, int id);
int shm_ckpt_remove(struct ipc_namespace *ns, int id,
		    const struct kern_ipc_perm *self);

int msg_ckpt_save(struct ipc_namespace *ns, int id,
		  struct user_namespace *user_ns, struct pid_namespace *pid_ns,
		  struct ckpt_hdr_ipc_msq *h, size_t max_size, void **bufp,
		  size_t *lenp);
int msg_ckpt_restore(struct ipc_namespace *ns, int id,
		     const struct kern_ipc_perm *self,
		     struct user_namespace *user_ns,
		     struct pid_namespace *pid_ns,
		     const struct ckpt_hdr_ipc_msq *h);
int msg_ckpt_add(struct ipc_namespace *ns, int id,
		 const struct kern_ipc_perm *self, long mtype,
		 const void *text, size_t size);
int msg_ckpt_remove(struct ipc_namespace *ns, int id,
		    const struct kern_ipc_perm *self);

#endif /* _LINUX_IPC_CHECKPOINT_H */
