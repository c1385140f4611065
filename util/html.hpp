#pragma once
// HTML escaping for element content and quoted attribute values (the report page, posture's page).
#include <string>
#include <string_view>

namespace lookalike::util {

// Appends `s` with & < > " ' escaped; the caller decides what else (controls, bidi) to remove.
void append_html_escaped(std::string& out, std::string_view s);

}  // namespace lookalike::util
