/*
 * fuzz_main.c: replays files through a libFuzzer harness without
 * libFuzzer, so the checked-in corpus runs under any compiler (make check,
 * the sanitizer builds).  Arguments are files or directories (every
 * regular file in them, in name order).  Exits 0 when every input ran
 * and passed, and prints how many.  Fails with a message naming the
 * input when the harness aborts (SIGABRT, as before) or returns anything
 * but 0 or -1, libFuzzer's "do not keep this input" (exit 1, through
 * test_assert); exit 3 when
 * no input was found, since an empty corpus tests nothing; 2 when a file
 * cannot be read.
 *
 * With SGC_FUZZ_PLANT set (the harness plants a bug) the replay runs in a
 * child and the answer is reversed: exit 0 when the child aborted or
 * exited 1, 1 when every input passed (the checks missed the bug) or the
 * replay failed otherwise.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../test_assert.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long runs;
static const char *volatile current; /* the input being replayed */
static const char *prog;

/* A harness's failed check aborts: name the input, then die of the
 * signal as before.  Only async-signal-safe calls. */
static void on_abort(int sig)
{
	static const char what[] = ": aborted while replaying ";
	if (current) {
		ssize_t r = write(2, prog, strlen(prog));
		r = write(2, what, sizeof what - 1);
		r = write(2, current, strlen(current));
		r = write(2, "\n", 1);
		(void)r;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "out of memory reading %s\n", path);
		exit(2);
	}
	current = path;
	int rc = LLVMFuzzerTestOneInput(buf, n);
	current = NULL;
	test_assert(rc == 0 || rc == -1,
		    "%s: the harness failed on %s (returned %d)", prog, path, rc);
	free(buf);
	runs++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		perror(path);
		exit(2);
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names || !names[n])
			exit(2);
		snprintf(names[n++], len, "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

static void replay(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	if (runs == 0) {
		fprintf(stderr, "%s: no inputs found: nothing was tested\n",
			prog);
		exit(3);
	}
	printf("%s: %lu inputs ran\n", prog, runs);
}

int main(int argc, char **argv)
{
	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	signal(SIGABRT, on_abort);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", prog);
		return 2;
	}
	if (!getenv("SGC_FUZZ_PLANT")) {
		replay(argc, argv);
		return 0;
	}
	/* The planted bug must be caught: in a child, before the harness
	 * starts the collector. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		replay(argc, argv);
		exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 2;
	}
	/* Caught: a check aborted, or the harness returned a failure. */
	if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == 1)) {
		printf("%s: the planted bug was caught\n", prog);
		return 0;
	}
	test_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 0,
		    "%s: the planted bug was not caught", prog);
	test_assert_fail(__FILE__, __LINE__, "the planted bug caught",
			 "%s: the replay with the planted bug failed otherwise"
			 " (status %#x)", prog, status);
}
