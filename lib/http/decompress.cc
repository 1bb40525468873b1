#include "lib/http/decompress.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace http {
namespace {

constexpr size_t kOutBuffer = 64 * 1024;

class ZlibInflater : public Inflater {
 public:
  // `window_bits` as for inflateInit2: 16+15 for gzip, 15 for zlib-wrapped deflate.
  explicit ZlibInflater(int window_bits)
      : window_bits_(window_bits), sniff_deflate_(window_bits == 15) {}
  ~ZlibInflater() override {
    if (initialised_) inflateEnd(&z_);
  }

  absl::Status Init() {
    std::memset(&z_, 0, sizeof(z_));
    if (inflateInit2(&z_, window_bits_) != Z_OK) {
      return absl::InternalError("decompress: inflateInit2 failed");
    }
    initialised_ = true;
    return absl::OkStatus();
  }

  absl::Status Feed(absl::string_view in,
                    absl::FunctionRef<absl::Status(absl::string_view)> out) override {
    if (ended_) return absl::OkStatus();
    if (sniff_deflate_) {
      // "deflate" should be zlib-wrapped (RFC 9110 §8.4.1.2) but some servers send raw
      // deflate: decide from the first two bytes, the zlib header (RFC 1950 §2.2).
      sniffed_.append(in.data(), in.size());
      if (sniffed_.size() < 2) return absl::OkStatus();
      const auto b0 = static_cast<uint8_t>(sniffed_[0]);
      const auto b1 = static_cast<uint8_t>(sniffed_[1]);
      const bool zlib_header = (b0 & 0x0f) == 8 && ((b0 << 8) | b1) % 31 == 0;
      sniff_deflate_ = false;
      if (!zlib_header) {
        inflateEnd(&z_);
        initialised_ = false;
        window_bits_ = -15;
        if (absl::Status s = Init(); !s.ok()) return s;
      }
      std::string all = std::move(sniffed_);
      return Inflate(all, out);
    }
    return Inflate(in, out);
  }

  absl::Status Finish() override {
    if (!ended_) return absl::DataLossError("decompress: compressed stream ends early");
    return absl::OkStatus();
  }

 private:
  absl::Status Inflate(absl::string_view in,
                       absl::FunctionRef<absl::Status(absl::string_view)> out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    while (z_.avail_in > 0 && !ended_) {
      z_.next_out = reinterpret_cast<Bytef*>(buf_);
      z_.avail_out = sizeof(buf_);
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return absl::DataLossError(absl::StrCat("decompress: inflate error ", rc, ": ",
                                                z_.msg != nullptr ? z_.msg : "corrupt data"));
      }
      size_t produced = sizeof(buf_) - z_.avail_out;
      if (produced > 0) {
        if (absl::Status s = out(absl::string_view(buf_, produced)); !s.ok()) return s;
      }
      if (rc == Z_STREAM_END) ended_ = true;
      if (rc == Z_BUF_ERROR && produced == 0) break;
    }
    return absl::OkStatus();
  }

  int window_bits_;
  z_stream z_;
  bool initialised_ = false;
  bool ended_ = false;
  bool sniff_deflate_ = false;
  std::string sniffed_;
  char buf_[kOutBuffer];
};

}  // namespace

bool Inflater::IsSupportedEncoding(absl::string_view content_encoding) {
  std::string e = absl::AsciiStrToLower(absl::StripAsciiWhitespace(content_encoding));
  return e == "gzip" || e == "x-gzip" || e == "deflate";
}

absl::StatusOr<std::unique_ptr<Inflater>> Inflater::Create(absl::string_view content_encoding) {
  std::string e = absl::AsciiStrToLower(absl::StripAsciiWhitespace(content_encoding));
  int bits;
  if (e == "gzip" || e == "x-gzip") {
    bits = 16 + 15;
  } else if (e == "deflate") {
    bits = 15;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("decompress: unsupported content-encoding \"", content_encoding, "\""));
  }
  auto inflater = std::make_unique<ZlibInflater>(bits);
  if (absl::Status s = inflater->Init(); !s.ok()) return s;
  return inflater;
}

}  // namespace http
