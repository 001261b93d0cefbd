// The INI reader (common/ini.h). Besides the finding rule of fuzz_util.h it checks that the one INI writer
// round-trips what the reader accepted: ParseIniText(WriteIniText(entries)) gives the same keys and values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/ini.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return dts::fuzz::ExpectOnlyTypedErrors([&] {
    const auto entries = dts::ParseIniText(text, "fuzz.ini");
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& e : entries) pairs.emplace_back(e.key, e.value);
    const std::string written = dts::WriteIniText(pairs);
    std::vector<dts::IniEntry> again;
    try {
      again = dts::ParseIniText(written, "written.ini");
    } catch (const dts::Error& e) {
      dts::fuzz::Finding(std::string("WriteIniText output does not read back: ") + e.what());
    }
    if (again.size() != entries.size())
      dts::fuzz::Finding("WriteIniText round trip changed the number of keys");
    for (size_t i = 0; i < entries.size(); ++i) {
      if (again[i].key != entries[i].key || again[i].value != entries[i].value)
        dts::fuzz::Finding("WriteIniText round trip changed " + entries[i].key + " = '" + entries[i].value +
                           "' into " + again[i].key + " = '" + again[i].value + "'");
    }
  });
}
