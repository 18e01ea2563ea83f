// SPDX-License-Identifier: GPL-2.0
/*
 * split_command and runopt_command (core/run/runopt.c), child_find (core/run/child.c):
 * -c CMD and -- CMD ARGS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/util.h"
#include "run/child.h"
#include "run/runopt.h"
#include "unit.h"

static size_t nr_words(char **argv)
{
	size_t n = 0;

	while (argv && argv[n])
		n++;
	return n;
}

static void test_split_words_and_quotes(void)
{
	char err[256], **w;

	w = split_command("  ./tracee 3   'two words' \"x y\" a\\ b ''", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL_FATAL(nr_words(w), 6);
	CU_ASSERT_STRING_EQUAL(w[0], "./tracee");
	CU_ASSERT_STRING_EQUAL(w[1], "3");
	CU_ASSERT_STRING_EQUAL(w[2], "two words");
	CU_ASSERT_STRING_EQUAL(w[3], "x y");
	CU_ASSERT_STRING_EQUAL(w[4], "a b");
	CU_ASSERT_STRING_EQUAL(w[5], "");
	free_command(w);
	/* No expansion of what a shell would glob: the word as written. */
	w = split_command("ls '*.c'", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(nr_words(w), 2);
	CU_ASSERT_STRING_EQUAL(w[1], "*.c");
	free_command(w);
	free_command(NULL);
}

static void test_split_refused(void)
{
	static const struct {
		const char *cmd, *why;
	} bad[] = {
		{ "", "empty command" },
		{ "   ", "empty command" },
		{ "echo $(id)", "command substitution is not allowed" },
		{ "echo `id`", "command substitution is not allowed" },
		{ "true; rm x", "unquoted | & ; < > ( ) { } or newline" },
		{ "a | b", "unquoted | & ; < > ( ) { } or newline" },
		{ "echo 'open", "syntax error (unbalanced quotes?)" },
		{ "echo $UPX_UNIT_SURELY_UNSET", "undefined shell variable" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char err[256] = "";

		CU_ASSERT_PTR_NULL(split_command(bad[i].cmd, err, sizeof(err)));
		if (strncmp(err, bad[i].why, strlen(bad[i].why)))
			fprintf(stderr, "\n    '%s': '%s', expected '%s' ", bad[i].cmd, err,
				bad[i].why);
		CU_ASSERT_NSTRING_EQUAL(err, bad[i].why, strlen(bad[i].why));
	}
}

static void test_runopt_command(void)
{
	const char *dd[] = { "--", "./prog", "-x", "two words" };
	const char *stray[] = { "extra", "--", "x" };
	const char *only_dd[] = { "--" };
	char **w;

	/* Nothing: no command. */
	CU_ASSERT_EQUAL(runopt_command(NULL, 0, NULL, &w), 0);
	CU_ASSERT_PTR_NULL(w);
	/* -c CMD: split. */
	CU_ASSERT_EQUAL_FATAL(runopt_command("./prog -x 'two words'", 0, NULL, &w), 0);
	CU_ASSERT_EQUAL_FATAL(nr_words(w), 3);
	CU_ASSERT_STRING_EQUAL(w[2], "two words");
	free_command(w);
	/* -- CMD ARGS: taken as they are. */
	CU_ASSERT_EQUAL_FATAL(runopt_command(NULL, 4, dd, &w), 0);
	CU_ASSERT_EQUAL_FATAL(nr_words(w), 3);
	CU_ASSERT_STRING_EQUAL(w[0], "./prog");
	CU_ASSERT_STRING_EQUAL(w[1], "-x");
	CU_ASSERT_STRING_EQUAL(w[2], "two words");
	free_command(w);
	/* Usage errors: both forms, stray words, nothing after --, a bad -c. */
	CU_ASSERT_EQUAL(runopt_command("./prog", 4, dd, &w), UPX_EXIT_USAGE);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT_EQUAL(runopt_command(NULL, 3, stray, &w), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(runopt_command(NULL, 1, stray, &w), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(runopt_command(NULL, 1, only_dd, &w), UPX_EXIT_USAGE);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT_EQUAL(runopt_command("", 0, NULL, &w), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(runopt_command("a; b", 0, NULL, &w), UPX_EXIT_USAGE);
	CU_ASSERT_PTR_NULL(w);
}

/* child_find(): as a shell finds a command, and the status it exits with when it cannot. */
static void test_child_find(void)
{
	static const struct {
		const char *name;
		int status;	/* 0: found */
	} cases[] = {
		{ "sh", 0 }, { "/bin/sh", 0 }, { "/nonexistent/x", 127 },
		{ "upx-unit-surely-not-in-path", 127 }, { "/tmp", 126 }, { "/etc/passwd", 126 },
		{ "/etc/passwd/x", 126 },
	};
	FILE *saved = stderr;

	stderr = fopen("/dev/null", "w");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int status = 0;
		char *path = child_find(cases[i].name, &status);

		CU_ASSERT_EQUAL(path == NULL, cases[i].status != 0);
		CU_ASSERT_EQUAL(status, cases[i].status);
		if (path && !strchr(cases[i].name, '/'))
			CU_ASSERT_PTR_NOT_NULL(strstr(path, "/sh"));
		free(path);
	}
	fclose(stderr);
	stderr = saved;
}

CU_TestInfo runopt_tests[] = {
	UNIT_TEST(test_split_words_and_quotes),
	UNIT_TEST(test_split_refused),
	UNIT_TEST(test_runopt_command),
	UNIT_TEST(test_child_find),
	CU_TEST_INFO_NULL,
};
