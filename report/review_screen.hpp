// The analyst's screen of one candidate (`lookalike review`): brands, provenance, score and
// reasons, DNS state, the latest CT certificate and probe sessions, first and last sighting.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "report/evidence.hpp"

namespace lookalike::report {

// Attacker-chosen text (page titles, banners, certificate fields) on a terminal: C0/C1 controls
// and DEL become '?', so nothing can move the cursor or change colours.
[[nodiscard]] std::string screen_text(std::string_view s);

// Writes the screen of `e`, headed "[pos/total] name".
void write_review_screen(std::ostream& out, const Evidence& e, std::size_t pos, std::size_t total);

}  // namespace lookalike::report
