// SPDX-License-Identifier: GPL-2.0
/* Privilege check before any BPF work, so the user gets one clear line. */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"
#include "util.h"

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

int check_bpf_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 0; /* let the kernel decide */
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	return error("needs root, or CAP_BPF and CAP_PERFMON (e.g. 'sudo upx %s ...')",
		     upx_cmd_name ? upx_cmd_name : "");
}
