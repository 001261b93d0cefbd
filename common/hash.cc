#include "common/hash.h"

#include <cstdio>

namespace dts {

std::string Hasher::Hex() const {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(state_));
  return buffer;
}

}  // namespace dts
