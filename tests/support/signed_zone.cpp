#include "tests/support/signed_zone.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/process.hpp"

namespace lookalike::test_support {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string keygen(const std::filesystem::path& dir, const std::string& name, bool ksk) {
  std::vector<std::string> argv = {"ldns-keygen", "-a", "ECDSAP256SHA256"};
  if (ksk) argv.push_back("-k");
  argv.push_back(name);
  // ldns-keygen writes its key files into the working directory and prints their base name.
  const ProcessResult r = run_process(argv, {}, std::chrono::seconds(60), dir.string());
  if (r.exit_code != 0) throw std::runtime_error("ldns-keygen failed: " + r.out + r.err);
  std::string base = r.out;
  base.erase(base.find_last_not_of(" \r\n") + 1);
  return base;  // "K<name>.+013+<tag>"
}

std::string first_line(std::string text) {
  text = text.substr(0, text.find('\n'));
  return text;
}

std::string owner_of(const std::string& line) {
  std::string owner = line.substr(0, line.find_first_of(" \t"));
  if (!owner.empty() && owner.back() == '.') owner.pop_back();
  return owner;
}

}  // namespace

bool have_ldnsutils() {
  return ::access("/usr/bin/ldns-keygen", X_OK) == 0 && ::access("/usr/bin/ldns-signzone", X_OK) == 0;
}

SignedZone sign_zone(const Zone& zone, const std::filesystem::path& workdir, const std::vector<std::string>& bogus_owners) {
  const std::filesystem::path dir = workdir / ("sign-" + zone.name);
  std::filesystem::create_directories(dir);
  const std::string file = zone.name + ".zone";
  std::ofstream(dir / file, std::ios::trunc) << "$ORIGIN " << zone.name << ".\n$TTL 300\n" << zone.records
                                              << (zone.records.ends_with('\n') ? "" : "\n");
  const std::string zsk = keygen(dir, zone.name, false);
  const std::string ksk = keygen(dir, zone.name, true);
  const ProcessResult signed_run =
      run_process({"ldns-signzone", "-e", "20380101000000", file, zsk, ksk}, {}, std::chrono::seconds(60), dir.string());
  if (signed_run.exit_code != 0) throw std::runtime_error("ldns-signzone failed: " + signed_run.out + signed_run.err);
  SignedZone out;
  out.zone.name = zone.name;
  out.ds = first_line(slurp(dir / (ksk + ".ds")));
  out.dnskey = first_line(slurp(dir / (ksk + ".key")));
  std::istringstream signed_text(slurp(dir / (file + ".signed")));
  std::string line;
  while (std::getline(signed_text, line)) {
    const bool rrsig = line.find("\tRRSIG\t") != std::string::npos || line.find(" RRSIG ") != std::string::npos;
    if (rrsig && std::find(bogus_owners.begin(), bogus_owners.end(), owner_of(line)) != bogus_owners.end()) {
      // Flip one base64 character in the middle of the signature: still parses, no longer verifies.
      const std::size_t last = line.find_last_of(" \t");
      const std::size_t at = last + 1 + (line.size() - last - 1) / 2;
      line[at] = line[at] == 'A' ? 'B' : 'A';
    }
    out.zone.records += line + "\n";
  }
  return out;
}

}  // namespace lookalike::test_support
