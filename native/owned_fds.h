// SPDX-License-Identifier: MIT
// The fds owned by one environment's objects, as a bitmap indexed by fd
// number. The kernel hands out the lowest free number, so the numbers in use
// are small and dense: owning or releasing one is a bit operation. A hash set
// allocated and freed a node per fd, which every sync_file export and heap
// allocation paid for twice (issue 14).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dmabuf {

class OwnedFds {
 public:
  // A negative number (a failed call's -errno) is not an fd and is ignored.
  void Insert(int fd) {
    if (fd < 0) return;
    size_t word = static_cast<size_t>(fd) / kBits;
    if (word >= words_.size()) words_.resize(word + 1);
    words_[word] |= Bit(fd);
  }

  void Erase(int fd) {
    if (fd < 0) return;
    size_t word = static_cast<size_t>(fd) / kBits;
    if (word < words_.size()) words_[word] &= ~Bit(fd);
  }

  // Calls `f(fd)` for every owned fd, lowest first.
  template <typename F>
  void ForEach(F f) const {
    for (size_t word = 0; word < words_.size(); ++word) {
      for (uint64_t bits = words_[word]; bits != 0; bits &= bits - 1) {
        f(static_cast<int>(word * kBits + static_cast<size_t>(__builtin_ctzll(bits))));
      }
    }
  }

  void Clear() { words_.clear(); }

 private:
  static constexpr size_t kBits = 64;
  static uint64_t Bit(int fd) { return uint64_t{1} << (static_cast<size_t>(fd) % kBits); }

  std::vector<uint64_t> words_;
};

}  // namespace dmabuf
