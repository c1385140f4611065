// Linked into both programs (lookalike and lookalike-engine) and the generator benchmark (which
// measures on the same heap); never into tests.
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

// The heap below the first huge page (see below); kept in a volatile so the allocation stays.
void* volatile held_below_huge_pages = nullptr;

// On the VMs this runs on, the first touch of each fresh 4 KiB page costs 15-30 us (a hypervisor
// exit), which made a `generate` run spend most of its time in page faults. So the heap grows in
// one large reservation that is advised for transparent huge pages: a 2 MiB page is one fault
// instead of 512. Only virtual address space is reserved; memory is used as it is touched. Skipped
// under sanitizers (their allocator owns the heap) and when LOOKALIKE_NO_HUGE_HEAP is set.
// A constructor of high priority: it runs before the static initialisers of our own code and of
// the statically linked libraries (RocksDB builds sizeable tables at start-up).
[[gnu::constructor(101)]] void reserve_huge_page_heap() {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  if (std::getenv("LOOKALIKE_NO_HUGE_HEAP") != nullptr) return;
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  constexpr std::size_t kBlock = std::size_t{30} << 20;  // under glibc's 32 MiB mmap-threshold cap
  // Keep big blocks on the (advised) heap instead of separate mmaps, and do not hand the top of
  // the heap back to the kernel after every free.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, static_cast<int>(kBlock));
  // One large block grows the heap (by itself plus the top pad) whatever static initialisers
  // already allocated; freed at once, it stays as the heap's free top.
  void* block = std::malloc(kBlock);
  if (block == nullptr) return;
  const auto at = reinterpret_cast<std::uintptr_t>(block);
  const auto begin = (at + kHuge - 1) & ~(kHuge - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(kHuge - 1);
  if (end <= begin) {
    std::free(block);
    return;
  }
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  std::free(block);
  // The break started at a random address (ASLR), so up to 2 MiB of heap lie below the first
  // huge-page boundary; that part was touched before the advice (malloc's chunk headers) and stays
  // in 4 KiB pages, and a short run would live entirely there. So that stretch is allocated once
  // and never used or freed: only its first page is ever touched, and every later allocation
  // comes from huge pages.
  constexpr std::uintptr_t kHeader = 64;  // malloc's chunk headers in front of `begin`
  if (begin - at > 2 * kHeader) held_below_huge_pages = std::malloc(begin - at - kHeader);
  mallopt(M_TOP_PAD, 1 << 20);  // later growth (past the reservation) in ordinary steps
#endif
}

}  // namespace
