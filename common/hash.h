// Stable 64-bit content hashes (FNV-1a) for trial ids and data fingerprints. Not cryptographic: they only
// need to be stable across runs, hosts and builds, and collision-free in practice for thousands of trials.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dts {

class Hasher {
 public:
  Hasher& Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      state_ ^= c;
      state_ *= 1099511628211ULL;
    }
    // A separator so that ("ab","c") and ("a","bc") differ.
    state_ ^= 0xff;
    state_ *= 1099511628211ULL;
    return *this;
  }
  Hasher& Add(std::uint64_t value) { return Add(std::to_string(value)); }
  std::uint64_t Value() const { return state_; }
  std::string Hex() const;  // 16 lowercase hex digits

 private:
  std::uint64_t state_ = 14695981039346656037ULL;
};

}  // namespace dts
