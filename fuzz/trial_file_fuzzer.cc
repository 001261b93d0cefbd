// The trial-file reader (schema/trial_file.h): the input is the whole HDF5 file, checkpoints included.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "schema/trial_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static dts::fuzz::TempInput input("trial.h5");
  const std::string& path = input.Write(data, size);
  return dts::fuzz::ExpectOnlyTypedErrors(
      [&] { dts::schema::ReadTrialFile(path, /*with_checkpoints=*/true); });
}
