/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A libbpf skeleton seen through four functions, so that core/run/ opens,
 * loads and destroys any program's skeleton (the run's own, the watch for
 * copies mapped later) without knowing its type.
 */
#ifndef UPX_SKELETON_H
#define UPX_SKELETON_H

struct bpf_object;

/* A skeleton type made generic: RUN_SKELETON(trace_bpf) after its skel.h. */
struct run_skeleton {
	void *(*open)(void);
	int (*load)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
};
#define RUN_SKELETON(name)                                                               \
	static void *name##_run_open(void) { return name##__open(); }                    \
	static int name##_run_load(void *s) { return name##__load(s); }                  \
	static void name##_run_destroy(void *s) { name##__destroy(s); }                  \
	static struct bpf_object *name##_run_object(void *s) { return ((struct name *)s)->obj; } \
	static const struct run_skeleton name##_run_skeleton = {                         \
		name##_run_open, name##_run_load, name##_run_destroy, name##_run_object,  \
	}

#endif
