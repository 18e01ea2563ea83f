/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 directories as the kernel's BPF helpers know them: --cgroup
 * PATH becomes (id, level), tested in the kernel as
 * bpf_get_current_ancestor_cgroup_id(level) == id, which holds for a task
 * in that cgroup or below it; and back, an id seen in the kernel named by
 * its directory.
 */
#ifndef UPX_CGROUP_H
#define UPX_CGROUP_H

#include <stddef.h>
#include <stdint.h>

struct cgroup_ref {
	uint64_t id;	/* the directory's inode number: the cgroup's kernfs id */
	int level;	/* depth below the hierarchy's root (the root is 0) */
};

/*
 * The cgroup v2 directory at path (through symbolic links).  0, or a
 * negative errno with the cause in err: strerror() (not found), "not a
 * directory", "not a cgroup v2 directory", "a cgroup v1 directory ...", or
 * that its depth cannot be told: its mount does not begin at the
 * hierarchy's root (upx in a cgroup namespace, a bind mount of a subtree).
 */
int cgroup_resolve(const char *path, struct cgroup_ref *out, char *err, size_t errlen);

/*
 * Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo (its
 * root mounted, /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a
 * v2-only one); malloc'd, or NULL when none is.
 */
char *cgroup_v2_mount(void);

/*
 * The directory of cgroup id below the mount (mnt), as "/a/b" ("/" for the
 * root), found by walking at most max_dirs directories; malloc'd, or NULL
 * when not found (gone, or past the bound).
 */
char *cgroup_path_of(const char *mnt, uint64_t id, size_t max_dirs);

#endif
