// index.html: the report's index.md rendered to one self-contained HTML page, so the report opens in a
// browser from a copied folder (or an e-mail attachment) with its tables and plots. The Markdown is the one
// the report writes, so only its subset is understood: "#" headings, pipe tables (":--" / "--:" alignment,
// "\|" escapes), "- " lists, paragraphs, `code`, **bold**, [links](href) and ![images](file). An image whose
// file lies in the report directory is embedded as a data: URI (an SVG as image/svg+xml, else the PNG of the
// same stem); links to the CSV and LaTeX files stay relative.
#pragma once

#include <string>

namespace dts::reports {

// Renders `markdown` as a complete HTML5 document titled `title`; images are read from `dir`.
std::string MarkdownToHtml(const std::string& markdown, const std::string& title, const std::string& dir);

// Escapes &, <, > and " for HTML text and attribute values.
std::string HtmlEscape(const std::string& text);

// RFC 4648 base64 with padding.
std::string Base64(const std::string& bytes);

}  // namespace dts::reports
