#include "pipeline/schedule.hpp"

#include <algorithm>
#include <queue>

namespace lookalike::pipeline {
namespace {

index::Time ms(std::chrono::milliseconds d) { return static_cast<index::Time>(d.count()); }

}  // namespace

std::string_view schedule_class_name(ScheduleClass c) noexcept {
  switch (c) {
    case ScheduleClass::unchecked: return "unchecked";
    case ScheduleClass::fresh: return "new";
    case ScheduleClass::changing: return "changing";
    case ScheduleClass::registered: return "registered";
    case ScheduleClass::unregistered: return "unregistered";
    case ScheduleClass::dead: return "dead";
  }
  return "unknown";
}

Due due_of(const index::Candidate& c, const ScheduleConfig& s, index::Time now, LastCheck last) noexcept {
  if (!c.state || (last == LastCheck::score && !c.score)) return Due{ScheduleClass::unchecked, 0};
  const index::Time checked = last == LastCheck::score ? c.score->time : c.last_seen;
  const index::Time changed = c.state->time;
  const bool registered = (c.state->flags & index::state_flag::registered) != 0;
  ScheduleClass cls;
  std::chrono::milliseconds every;
  if (now - c.first_seen < ms(s.new_window)) {
    cls = ScheduleClass::fresh;
    every = s.fresh;
  } else if (now - changed < ms(s.changing_window)) {
    cls = ScheduleClass::changing;
    every = s.changing;
  } else if (registered) {
    cls = ScheduleClass::registered;
    every = s.registered;
  } else if (now - changed > ms(s.dead_after)) {
    cls = ScheduleClass::dead;
    every = s.dead;
  } else {
    cls = ScheduleClass::unregistered;
    every = s.unregistered;
  }
  return Due{cls, checked + ms(every)};
}

std::expected<std::vector<index::Candidate>, index::Error> select_due(const index::Store& store,
                                                                      const ScheduleConfig& schedule, index::Time now,
                                                                      std::size_t max,
                                                                      std::optional<index::Time>* next_due,
                                                                      const std::vector<std::string>* skip,
                                                                      LastCheck last) {
  // A max-heap on due time keeps the `max` most overdue while visiting every candidate once.
  struct Entry {
    index::Time at;
    index::Candidate c;
  };
  auto later = [](const Entry& a, const Entry& b) { return a.at < b.at; };
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> heap(later);
  std::optional<index::Time> next;
  auto visited = store.visit_candidates([&](const index::Candidate& c) {
    if (skip && std::binary_search(skip->begin(), skip->end(), c.name)) return true;
    const Due d = due_of(c, schedule, now, last);
    if (d.at > now) {
      if (!next || d.at < *next) next = d.at;
      return true;
    }
    if (heap.size() < max) {
      heap.push(Entry{d.at, c});
    } else if (max > 0 && d.at < heap.top().at) {
      // The one pushed out stays due: it is the next thing to do.
      next = now;
      heap.pop();
      heap.push(Entry{d.at, c});
    } else {
      next = now;
    }
    return true;
  });
  if (!visited) return std::unexpected(visited.error());
  std::vector<index::Candidate> out(heap.size());
  for (std::size_t i = out.size(); i-- > 0;) {
    out[i] = std::move(const_cast<Entry&>(heap.top()).c);
    heap.pop();
  }
  if (next_due) *next_due = next;
  return out;
}

}  // namespace lookalike::pipeline
