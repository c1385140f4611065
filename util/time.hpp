// Calendar arithmetic and ISO 8601 / RFC 3339 text for UTC times, without the C library's time
// zone and locale machinery (certificate, RDAP and stored times are all UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lookalike::util {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil); the
// caller checks the month and day ranges.
[[nodiscard]] std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;

// RFC 3339 date-time ("2024-03-05T14:12:09Z", "…T14:12:09.5+02:00") to Unix milliseconds;
// nullopt for anything else (a leap second counts as :59).
[[nodiscard]] std::optional<std::int64_t> parse_rfc3339(std::string_view s);
// Unix milliseconds to "2024-03-05T14:12:09Z" (".123Z" when there are milliseconds).
[[nodiscard]] std::string format_rfc3339(std::int64_t ms);
// Unix milliseconds to "2024-03-05T14:12:09Z", the second it falls in (what people read; -1 is
// 1969-12-31T23:59:59Z); valid for every int64 value.
[[nodiscard]] std::string utc_iso(std::int64_t ms);

}  // namespace lookalike::util
