// Facts about this process' host and time that trial files, sweep locks and hello messages record.
#pragma once

#include <string>

namespace dts {

// This machine's host name ("unknown" when it cannot be read).
std::string HostName();
// The current time as ISO 8601 UTC, "2026-11-29T09:10:00Z" (the timestamp format of docs/hdf5-schema.md).
std::string IsoUtcNow();

}  // namespace dts
