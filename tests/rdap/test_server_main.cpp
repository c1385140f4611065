// `rdap_test_server_main DIR [PORT]`: a loopback RDAP server for demos and README captures. Serves
// DIR/<name>.json for GET /domain/<name> (404 with an RFC 9083 error otherwise), prints its URL,
// and runs until stdin closes.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "tests/rdap/rdap_test_server.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: rdap_test_server_main DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  lookalike::rdap::testing::RdapTestServer server([&](const std::string& target) {
    lookalike::rdap::testing::Reply r;
    const std::string prefix = "/domain/";
    std::string name = target.starts_with(prefix) ? target.substr(prefix.size()) : "";
    const bool safe = !name.empty() && name.find('/') == std::string::npos && name.find("..") == std::string::npos;
    std::ifstream in(dir + "/" + name + ".json", std::ios::binary);
    if (!safe || !in) {
      r.status = 404;
      r.body = R"({"errorCode":404,"title":"Not Found","description":["Object not found."]})";
      return r;
    }
    std::ostringstream s;
    s << in.rdbuf();
    r.body = s.str();
    return r;
  });
  std::cout << server.url() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
