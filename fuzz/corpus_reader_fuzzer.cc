// One fuzz target per corpus format (DTS_FUZZ_FORMAT = ade, conll04 or json, set by fuzz/CMakeLists.txt): the
// input is the whole corpus file, read through data::ReadCorpus, the entry point the tools use.
#include <cstddef>
#include <cstdint>

#include "data/readers.h"
#include "fuzz/fuzz_util.h"

#ifndef DTS_FUZZ_FORMAT
#error "DTS_FUZZ_FORMAT must name a corpus format"
#endif
#define DTS_FUZZ_STR2(x) #x
#define DTS_FUZZ_STR(x) DTS_FUZZ_STR2(x)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dts::config::CorpusFormat format = dts::data::ParseFormat(DTS_FUZZ_STR(DTS_FUZZ_FORMAT));
  static dts::fuzz::TempInput input(format == dts::config::CorpusFormat::kAde       ? "input.rel"
                                    : format == dts::config::CorpusFormat::kConll04 ? "input.txt"
                                                                                    : "input.json");
  const std::string& path = input.Write(data, size);
  return dts::fuzz::ExpectOnlyTypedErrors([&] { dts::data::ReadCorpus(format, path); });
}
