/*
 * fuzz_media.c - the media sniffer and the Range header parser on
 * arbitrary bytes.  The first byte picks a size for the range parser and
 * the rest is both the file's start and the header: no crash; a sniffed
 * type has a name and a MIME type that map back to it, and a file named
 * with that type's own name is accepted; a range is inside the file and
 * in order, and an unsatisfiable one starts past its end or is empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "fuzz.h"
#include "media/range.h"
#include "media/sniff.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = { 0, 1, 2, 100, 1000, 262144,
		50000000, UINT64_MAX / 2 };
	struct media_range r;
	enum media_range_result res;
	enum media_type t, t2;
	struct why w;
	char name[16];
	uint64_t n;

	if (size == 0)
		return 0;
	n = sizes[data[0] % (sizeof(sizes) / sizeof(sizes[0]))];
	t = media_sniff(data + 1, size - 1);
	FUZZ_CHECK((unsigned)t < MEDIA_NTYPES);
	FUZZ_CHECK(media_type_from_name(media_type_name(t)) == t);
	FUZZ_CHECK(media_mime(t) != NULL && strchr(media_mime(t), '/'));
	if (t != MEDIA_NONE) {
		memcpy(name, "f.", 2);
		memcpy(name + 2, media_type_name(t),
		    strlen(media_type_name(t)) + 1);
		FUZZ_CHECK(media_identify(name, data + 1, size - 1, &t2,
		    &w) == 0 && t2 == t);
	} else {
		FUZZ_CHECK(media_identify("f.png", data + 1, size - 1, &t2,
		    &w) == ERR_MEDIATYPE && t2 == MEDIA_NONE && w.msg);
	}
	res = media_range_parse((const char *)data + 1, size - 1, n, &r);
	switch (res) {
	case MEDIA_RANGE_PART:
		FUZZ_CHECK(r.first <= r.last && r.last < n);
		break;
	case MEDIA_RANGE_UNSATISFIABLE:
	case MEDIA_RANGE_FULL:
		break;
	default:
		FUZZ_CHECK(!"an unknown result");
	}
	return 0;
}
