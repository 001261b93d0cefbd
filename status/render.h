// dts-status's two outputs of a StatusSummary: a text view that fits a terminal of `width` columns (80 by
// design) and, when `height` > 0, `height` rows, with what needs attention first; and one JSON object (one
// line) for scripts.
#pragma once

#include <string>

#include "status/summary.h"

namespace dts::status {

// `height` <= 0: no limit (a one-shot print). `footer`: a last line (the watch's keys), "" for none.
std::string RenderText(const StatusSummary& summary, int width, int height, const std::string& footer);
std::string RenderJson(const StatusSummary& summary);

}  // namespace dts::status
