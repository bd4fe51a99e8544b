/*
 * sizeclass.c: the startup self-check of the size-class tables.
 *
 * The tables themselves live in the generated sizeclass_table.c and the
 * lookups are inline in sizeclass.h; this file only proves, once, that the
 * tables keep the invariants listed in sizeclass.h.  It reports through
 * write(2) and a fixed buffer, so it can run before anything is set up.
 */
#include "sizeclass.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/* One "spangc: sizeclass: ..." line on stderr, without allocating. */
__attribute__((format(printf, 1, 2)))
static int report(const char *fmt, ...)
{
	char buf[192];
	va_list ap;
	ssize_t ignored;
	int len = snprintf(buf, sizeof(buf), "spangc: sizeclass: ");

	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(buf) - 2)
		len = (int)sizeof(buf) - 2;
	buf[len++] = '\n';
	/* a failed write leaves nowhere better to report to */
	ignored = write(STDERR_FILENO, buf, (size_t)len);
	(void)ignored;
	return -1;
}

/* Class 0 stands for "large object": any nonzero entry is a stale table. */
static int check_class0(void)
{
	if (sgc_class_to_size[0] || sgc_class_to_npages[0] ||
	    sgc_class_to_divmagic[0] || sgc_class_to_nelems[0])
		return report("class 0 (large objects) has nonzero entries");
	return 0;
}

/* Size, span and object count of one class agree, and the tail is small. */
static int check_geometry(unsigned cls)
{
	size_t size = sgc_class_size(cls);
	size_t prev = sgc_class_size(cls - 1);
	size_t span = (size_t)sgc_class_npages(cls) * SGC_PAGE_SIZE;
	size_t nelems = sgc_class_nelems(cls);

	if (size <= prev || size % 8 != 0)
		return report("class %u: size %zu not a multiple of 8 above %zu",
			      cls, size, prev);
	if (span == 0 || nelems == 0 || nelems * size > span)
		return report("class %u (size %zu): %zu objects do not fit "
			      "%zu bytes", cls, size, nelems, span);
	if (span - nelems * size >= size)
		return report("class %u (size %zu): nelems %zu too small for "
			      "%zu bytes", cls, size, nelems, span);
	if ((span - nelems * size) * 8 > span)
		return report("class %u (size %zu): tail waste %zu above 12.5%% "
			      "of %zu bytes", cls, size, span - nelems * size,
			      span);
	return 0;
}

/*
 * The magic division is exact at every object's first and last byte, and
 * from the tail to one past the span; being monotonic in the offset, it is
 * then exact everywhere in between.
 */
static int check_divmagic(unsigned cls)
{
	uintptr_t size = sgc_class_size(cls);
	uintptr_t span = (uintptr_t)sgc_class_npages(cls) * SGC_PAGE_SIZE;
	uintptr_t start, end;

	for (start = 0; start <= span; start += size) {
		end = start + size - 1 < span ? start + size - 1 : span;
		if (sgc_class_div(cls, start) != start / size)
			return report("class %u (size %zu): divmagic wrong at "
				      "offset %zu", cls, (size_t)size,
				      (size_t)start);
		if (sgc_class_div(cls, end) != end / size)
			return report("class %u (size %zu): divmagic wrong at "
				      "offset %zu", cls, (size_t)size,
				      (size_t)end);
	}
	return 0;
}

/* sgc_size_to_class() gives the smallest fitting class for one size. */
static int check_lookup(size_t size)
{
	unsigned cls = sgc_size_to_class(size);

	if (cls == 0 || cls >= SGC_NUM_SIZE_CLASSES)
		return report("size_to_class(%zu) = %u, not a small class",
			      size, cls);
	if (sgc_class_size(cls) < size ||
	    (cls > 1 && sgc_class_size(cls - 1) >= size))
		return report("size_to_class(%zu) = %u (size %zu), not the "
			      "smallest fitting class", size, cls,
			      sgc_class_size(cls));
	return 0;
}

/* Both ends of the lookup: 0 is the smallest class, beyond the max is 0. */
static int check_lookup_ends(void)
{
	unsigned last = SGC_NUM_SIZE_CLASSES - 1;

	if (sgc_class_size(last) != SGC_MAX_SMALL_SIZE)
		return report("largest class %u has size %zu, not %d", last,
			      sgc_class_size(last), SGC_MAX_SMALL_SIZE);
	if (sgc_size_to_class(0) != 1)
		return report("size_to_class(0) = %u, not 1",
			      sgc_size_to_class(0));
	if (sgc_size_to_class(SGC_MAX_SMALL_SIZE + 1) != 0)
		return report("size_to_class(%d) is not the large class",
			      SGC_MAX_SMALL_SIZE + 1);
	return 0;
}

/* Run every check in order; stop at the first bad entry. */
int sgc_sizeclass_check(void)
{
	unsigned cls;
	size_t size;

	if (check_class0() || check_lookup_ends())
		return -1;
	for (cls = 1; cls < SGC_NUM_SIZE_CLASSES; cls++) {
		if (check_geometry(cls) || check_divmagic(cls))
			return -1;
	}
	for (size = 1; size <= SGC_MAX_SMALL_SIZE; size++) {
		if (check_lookup(size))
			return -1;
	}
	return 0;
}
