// Whole-file outputs of the data layer and the tools around it (a JSON corpus export, a split file,
// dts-predict's JSON lines): written so that a reader never sees half a file and a failed write keeps the old
// one.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace dts::data {

// `fill` writes the content into memory; it then goes to PATH.tmp.PID next to `path`, is fsynced and renamed
// over `path`. If `fill` throws, nothing is written; if writing fails, the temporary is removed and an
// IoError names the path. Either way an older file at `path` is left as it was.
void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& fill);

}  // namespace dts::data
