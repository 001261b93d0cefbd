// The code version stored in every trial file and sweep manifest: "<project version>-<git describe --always
// --dirty>" as of the build that produced the running binary (common/version.cmake regenerates it at every
// build). Defined in a generated source file, so a new commit recompiles one file, not every target.
#pragma once

namespace dts {

const char* Version();

}  // namespace dts
