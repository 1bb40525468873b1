#include "lib/http/chunked.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/http/internal/chars.h"
#include "lib/http/internal/head_parser.h"

namespace http {
namespace {

constexpr size_t kMaxSizeDigits = 16;
constexpr uint64_t kMaxChunkSize = std::numeric_limits<int64_t>::max();

absl::Status BadChunkSize(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("http: bad chunk size \"", internal::Quote(line), "\": ", why));
}

}  // namespace

absl::StatusOr<size_t> ChunkedDecoder::DecodeFraming(
    absl::string_view in, absl::FunctionRef<void(absl::string_view)> on_data) {
  if (!error_.ok()) return error_;
  absl::StatusOr<size_t> used = DecodeSome(in, on_data);
  if (!used.ok()) error_ = used.status();
  return used;
}

absl::StatusOr<size_t> ChunkedDecoder::Decode(absl::string_view in, std::string* body_out) {
  return Decode(in, [body_out](absl::string_view data) { body_out->append(data.data(), data.size()); });
}

absl::StatusOr<size_t> ChunkedDecoder::DecodeSome(
    absl::string_view in, absl::FunctionRef<void(absl::string_view)> on_data) {
  size_t i = 0;
  while (i < in.size() && state_ != State::kDone) {
    switch (state_) {
      case State::kSizeLine:
      case State::kTrailerLine: {
        const void* lf = memchr(in.data() + i, '\n', in.size() - i);
        const size_t take =
            lf == nullptr ? in.size() - i : static_cast<const char*>(lf) - in.data() - i + 1;
        overhead_bytes_ += take;
        RETURN_IF_ERROR(CheckOverhead());
        // The line without its LF may hold max_line bytes and a CR.
        if (line_.size() + take - (lf != nullptr ? 1 : 0) > limits_.max_line + 1) {
          return absl::ResourceExhaustedError(
              absl::StrCat("http: chunked framing line > max_line ", limits_.max_line));
        }
        line_.append(in.data() + i, take);
        i += take;
        if (lf == nullptr) break;
        RETURN_IF_ERROR(state_ == State::kSizeLine ? EndSizeLine() : EndTrailerLine());
        line_.clear();
        break;
      }
      case State::kData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - i));
        on_data(in.substr(i, take));
        i += take;
        remaining_ -= take;
        data_bytes_ += take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
      case State::kDataLf: {
        const bool cr = state_ == State::kDataCr;
        if (in[i] != (cr ? '\r' : '\n')) {
          return absl::InvalidArgumentError(absl::StrCat(
              "http: missing crlf after chunk data (got 0x", absl::Hex(static_cast<uint8_t>(in[i])),
              " after ", data_bytes_, " body bytes)"));
        }
        ++i;
        ++overhead_bytes_;
        RETURN_IF_ERROR(CheckOverhead());
        state_ = cr ? State::kDataLf : State::kSizeLine;
        break;
      }
      case State::kDone:
        break;
    }
  }
  return i;
}

absl::Status ChunkedDecoder::CheckOverhead() const {
  if (overhead_bytes_ > kOverheadAllowance && overhead_bytes_ > data_bytes_) {
    return absl::ResourceExhaustedError(absl::StrCat("http: chunked framing overhead ",
                                                     overhead_bytes_, " > body bytes ",
                                                     data_bytes_));
  }
  return absl::OkStatus();
}

absl::Status ChunkedDecoder::EndSizeLine() {
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    return BadChunkSize(line_, "line does not end in crlf");
  }
  const absl::string_view content(line_.data(), line_.size() - 2);
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < content.size() && internal::IsHexDigit(content[digits])) {
    if (++digits > kMaxSizeDigits) return BadChunkSize(content, "more than 16 hex digits");
    size = size << 4 | static_cast<uint64_t>(internal::HexValue(content[digits - 1]));
  }
  if (digits == 0) return BadChunkSize(content, "no hex digits");
  if (size > kMaxChunkSize) return BadChunkSize(content, "size >= 2^63");
  absl::string_view ext = internal::TrimOws(content.substr(digits));
  if (!ext.empty() && ext[0] != ';') return BadChunkSize(content, "junk after size");
  for (char c : ext) {
    if (c != '\t' && c != ' ' && internal::IsCtlOrSpace(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "http: control byte in chunk extension \"", internal::Quote(content), "\""));
    }
  }
  if (size == 0) {
    state_ = State::kTrailerLine;
  } else {
    remaining_ = size;
    state_ = State::kData;
  }
  return absl::OkStatus();
}

absl::Status ChunkedDecoder::EndTrailerLine() {
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    return absl::InvalidArgumentError(absl::StrCat(
        "http: chunked trailer line \"", internal::Quote(line_), "\" does not end in crlf"));
  }
  const absl::string_view content(line_.data(), line_.size() - 2);
  if (content.empty()) {
    state_ = State::kDone;
    return absl::OkStatus();
  }
  trailer_bytes_ += line_.size();
  if (trailer_bytes_ > limits_.max_header_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("http: chunked trailers > max_header_bytes ", limits_.max_header_bytes));
  }
  if (trailers_.size() >= limits_.max_headers) {
    return absl::ResourceExhaustedError(
        absl::StrCat("http: more than max_headers ", limits_.max_headers, " trailer fields"));
  }
  return internal::ParseFieldLine(content, &trailers_);
}

std::string EncodeChunk(absl::string_view data) {
  if (data.empty()) return "";
  return absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n");
}

std::string EncodeLastChunk() { return "0\r\n\r\n"; }

}  // namespace http
