// SPDX-License-Identifier: GPL-2.0
/* Privilege checks before and during BPF work, so the user gets one clear line. */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "run/privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

/* The effective set, or false when capget() fails (then the kernel decides). */
static bool read_caps(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	memset(data, 0, 2 * sizeof(*data));
	return !syscall(SYS_capget, &hdr, data);
}

int check_bpf_privileges(void)
{
	struct __user_cap_data_struct data[2];

	if (!read_caps(data))
		return 0; /* let the kernel decide */
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	return error("needs root, or CAP_BPF and CAP_PERFMON (e.g. 'sudo upx %s ...')",
		     upx_cmd_name ? upx_cmd_name : "");
}

bool can_open_uprobe_perf_event(void)
{
	struct __user_cap_data_struct data[2];

	return !read_caps(data) || has_cap(data, CAP_SYS_ADMIN);
}

bool explain_uprobe_perf_event_denied(const char *what, int err)
{
	const char *env = getenv("UPX_NO_MULTI");

	if ((err != -EACCES && err != -EPERM) || can_open_uprobe_perf_event())
		return false;
	error("'%s': a classic uprobe link is a perf event, and the kernel's uprobe PMU needs "
	      "CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON are enough only for uprobe_multi links%s)",
	      what, env && *env && strcmp(env, "0") ? ", which UPX_NO_MULTI turns off" :
	      ", which this kernel lacks");
	return true;
}
