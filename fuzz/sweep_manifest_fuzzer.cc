// The sweep-manifest reader (schema/sweep_manifest.h): the input is the whole HDF5 file.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "schema/sweep_manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static dts::fuzz::TempInput input("sweep.h5");
  const std::string& path = input.Write(data, size);
  return dts::fuzz::ExpectOnlyTypedErrors([&] { dts::schema::ReadSweepManifest(path); });
}
