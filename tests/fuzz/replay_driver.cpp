// Runs a libFuzzer target without libFuzzer (GCC builds): every file under the given folders,
// then deterministic mutations of each (bit flips, truncations, splices, repeats), so sanitizer
// builds exercise each parser on hostile input in every test run.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
// Like libFuzzer, never pass a null pointer, even for an empty input.
void run(const std::vector<uint8_t>& in) {
  static const uint8_t kEmpty = 0;
  LLVMFuzzerTestOneInput(in.empty() ? &kEmpty : in.data(), in.size());
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::vector<uint8_t>> seeds;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    const std::filesystem::path root(argv[i]);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(root, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(root);
    }
    for (const auto& f : files) {
      std::ifstream s(f, std::ios::binary);
      if (!s) {
        std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
        return 2;
      }
      seeds.emplace_back(std::istreambuf_iterator<char>(s), std::istreambuf_iterator<char>());
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "replay: no seed inputs given\n");
    return 2;
  }
  std::mt19937_64 rng(0x10041a11);
  std::size_t runs = 0;
  run({});
  for (const auto& seed : seeds) {
    run(seed);
    ++runs;
    for (int m = 0; m < 400; ++m) {
      std::vector<uint8_t> x = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        switch (rng() % 6) {
          case 0:
            if (!x.empty()) x[rng() % x.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
            break;
          case 1:
            if (!x.empty()) x.resize(rng() % x.size());
            break;
          case 2:
            x.insert(x.begin() + static_cast<std::ptrdiff_t>(x.empty() ? 0 : rng() % x.size()),
                     static_cast<uint8_t>(rng()));
            break;
          case 3:
            if (!x.empty()) x[rng() % x.size()] = static_cast<uint8_t>("\0\xff.-:/[]{}\"\\"[rng() % 12]);
            break;
          case 4: {
            const auto& other = seeds[rng() % seeds.size()];
            if (!other.empty()) {
              const std::size_t from = rng() % other.size();
              x.insert(x.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
            }
            break;
          }
          default:
            if (!x.empty() && x.size() < 1 << 16) {
              const std::size_t from = rng() % x.size();
              x.insert(x.end(), x.begin() + static_cast<std::ptrdiff_t>(from), x.end());
            }
        }
      }
      run(x);
      ++runs;
    }
  }
  std::printf("replay: %zu inputs from %zu seeds, no crash\n", runs, seeds.size());
  return 0;
}
