#include "index/stats_text.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>

namespace lookalike::index {

std::string human_bytes(std::uint64_t b) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream s;
  if (u == 0) {
    s << b << " B";
  } else {
    s << std::fixed << std::setprecision(1) << v << ' ' << units[u];
  }
  return s.str();
}

void write_stats(std::ostream& out, std::string_view path, const Stats& stats) {
  out << "store " << path << " (schema " << stats.schema_version << ")\n";
  out << std::left << std::setw(14) << "family" << std::right << std::setw(12) << "records" << std::setw(14)
      << "logical" << std::setw(14) << "sst files" << "\n";
  for (const auto& f : stats.families) {
    out << std::left << std::setw(14) << f.name << std::right << std::setw(12) << f.keys << std::setw(14)
        << human_bytes(f.logical_bytes) << std::setw(14) << human_bytes(f.sst_bytes) << "\n";
  }
  out << "on disk: " << human_bytes(stats.disk_bytes) << " (" << stats.disk_bytes << " bytes)\n";
  out << "last event: " << stats.last_event_seq << "\n";
}

}  // namespace lookalike::index
