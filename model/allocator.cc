#include "model/allocator.h"

#include <cstdlib>  // defines __GLIBC__ on glibc systems, which the test below needs

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dts::model {

void KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  // 32 MiB is the largest mmap threshold mallopt accepts on 64-bit glibc (a larger value is refused, and
  // nothing changes).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

void ReturnFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace dts::model
