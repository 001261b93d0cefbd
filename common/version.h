// The code version stored in every trial file and sweep manifest: "<project version>-<git describe>" at
// configure time. Defined in a generated source file, so a new commit recompiles one file, not every target.
#pragma once

namespace dts {

const char* Version();

}  // namespace dts
