// sha256.h: SHA-256 (FIPS 180-4), for stable cache file names and transfer checksums.
//
//   base::Sha256 h;
//   h.Update(part1);
//   h.Update(part2);
//   std::string hex = base::HexDigest(h.Finish());   // 64 lowercase hex digits
//   std::string one_shot = base::Sha256Hex("abc");
#ifndef LIB_BASE_SHA256_H_
#define LIB_BASE_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace base {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  // Update hashes more bytes. Not valid after Finish.
  void Update(absl::string_view data);
  // Finish returns the digest of everything hashed so far.
  Digest Finish();

 private:
  void Block(const uint8_t* p);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// HexDigest prints a digest as lowercase hex.
std::string HexDigest(const Sha256::Digest& d);

// Sha256Hex hashes `data` in one call and returns lowercase hex.
std::string Sha256Hex(absl::string_view data);

}  // namespace base

#endif  // LIB_BASE_SHA256_H_
