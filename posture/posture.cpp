#include "posture/posture.hpp"

namespace lookalike::posture {

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::pass: return "pass";
    case Status::warn: return "warn";
    case Status::fail: return "fail";
    case Status::info: return "info";
    case Status::not_assessable: return "not_assessable";
    case Status::error: return "error";
  }
  return "error";
}

namespace {
// Severity for the exit code: fail outranks warn, which outranks the informational statuses.
int rank(Status status) noexcept {
  switch (status) {
    case Status::fail: return 4;
    case Status::error: return 3;
    case Status::warn: return 2;
    case Status::info: return 1;
    case Status::pass:
    case Status::not_assessable: return 0;
  }
  return 3;
}
}  // namespace

Status worse(Status a, Status b) noexcept { return rank(b) > rank(a) ? b : a; }

}  // namespace lookalike::posture
