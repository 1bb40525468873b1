#include "lib/dns/writer.h"

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/base/byte_writer.h"
#include "lib/base/status_macros.h"
#include "lib/dns/message.h"
#include "lib/dns/name.h"

namespace dns {
namespace {

// kMaxPointerOffset is the largest offset a 14-bit compression pointer can hold.
constexpr size_t kMaxPointerOffset = 0x3fff;

// MessageWriter writes one message, remembering where each name suffix was written.
class MessageWriter {
 public:
  explicit MessageWriter(const WriteOptions& options) : options_(options) {}

  absl::Status WriteHeader(const Message& message);
  absl::Status WriteQuestion(const Question& question);
  absl::Status WriteRecord(const ResourceRecord& rr, absl::string_view section);
  absl::Status WriteOpt(const Edns& edns, uint16_t rcode);

  std::vector<uint8_t> Take() && { return std::move(out_).Take(); }

 private:
  // WriteName writes `name`, ending in a pointer to an earlier copy of its longest known
  // suffix when `compressible` and compression is on.
  absl::Status WriteName(absl::string_view name, bool compressible);
  absl::Status WriteRdata(const ResourceRecord& rr);
  absl::Status WriteEdnsOptions(const std::vector<EdnsOption>& options);
  // WriteCharacterString writes a length-prefixed string of at most 255 bytes.
  absl::Status WriteCharacterString(absl::string_view s, absl::string_view what);
  // WriteLengthPrefixed writes a 16-bit length, then whatever `body` writes, then patches
  // the length in.
  template <typename Body>
  absl::Status WriteLengthPrefixed(absl::string_view what, Body body);

  const WriteOptions& options_;
  base::ByteWriter out_;
  absl::flat_hash_map<std::string, uint16_t> suffixes_;  // wire suffix → its offset
};

absl::Status MessageWriter::WriteName(absl::string_view name, bool compressible) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> wire, NameToWire(name));
  const size_t start = out_.size();
  size_t pos = 0;  // label start in `wire`
  std::optional<uint16_t> pointer;
  for (; wire[pos] != 0; pos += 1 + wire[pos]) {
    std::string suffix(wire.begin() + pos, wire.end());
    if (compressible && options_.compress) {
      if (auto it = suffixes_.find(suffix); it != suffixes_.end()) {
        pointer = it->second;
        break;
      }
    }
    if (start + pos <= kMaxPointerOffset) {
      suffixes_.try_emplace(std::move(suffix), static_cast<uint16_t>(start + pos));
    }
  }
  if (pointer.has_value()) {
    out_.WriteBytes(absl::MakeConstSpan(wire).first(pos));
    out_.WriteU16(0xc000 | *pointer);
  } else {
    out_.WriteBytes(wire);
  }
  return absl::OkStatus();
}

absl::Status MessageWriter::WriteCharacterString(absl::string_view s, absl::string_view what) {
  if (s.size() > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: ", what, " of ", s.size(), " bytes over 255 at offset ", out_.size()));
  }
  out_.WriteU8(static_cast<uint8_t>(s.size()));
  out_.WriteBytes(s);
  return absl::OkStatus();
}

template <typename Body>
absl::Status MessageWriter::WriteLengthPrefixed(absl::string_view what, Body body) {
  const size_t length_at = out_.size();
  out_.WriteU16(0);
  RETURN_IF_ERROR(body());
  const size_t length = out_.size() - length_at - 2;
  if (length > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: ", what, " of ", length, " bytes over 65535 at offset ", length_at));
  }
  return out_.PatchU16(length_at, static_cast<uint16_t>(length));
}

absl::Status MessageWriter::WriteHeader(const Message& message) {
  const Header& h = message.header;
  if (h.opcode > 0xf) {
    return absl::InvalidArgumentError(absl::StrCat("dns: opcode ", h.opcode, " over 15"));
  }
  if (h.rcode > 0xfff || (h.rcode > 0xf && !message.edns.has_value())) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: rcode ", h.rcode, message.edns ? " over 4095" : " over 15 needs edns"));
  }
  const size_t counts[] = {message.questions.size(), message.answers.size(),
                           message.authorities.size(),
                           message.additionals.size() + (message.edns ? 1 : 0)};
  for (size_t count : counts) {
    if (count > 0xffff) {
      return absl::InvalidArgumentError(
          absl::StrCat("dns: section of ", count, " entries over 65535"));
    }
  }
  out_.WriteU16(h.id);
  out_.WriteU16(static_cast<uint16_t>(h.qr << 15 | h.opcode << 11 | h.aa << 10 | h.tc << 9 |
                                      h.rd << 8 | h.ra << 7 | h.ad << 5 | h.cd << 4 |
                                      (h.rcode & 0xf)));
  for (size_t count : counts) out_.WriteU16(static_cast<uint16_t>(count));
  return absl::OkStatus();
}

absl::Status MessageWriter::WriteQuestion(const Question& question) {
  RETURN_IF_ERROR(WriteName(question.name, true));
  out_.WriteU16(question.type);
  out_.WriteU16(question.qclass);
  return absl::OkStatus();
}

absl::Status MessageWriter::WriteRecord(const ResourceRecord& rr, absl::string_view section) {
  if (rr.type == kOPT) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: OPT record in ", section, " section; set Message::edns instead"));
  }
  RETURN_IF_ERROR(WriteName(rr.name, true));
  out_.WriteU16(rr.type);
  out_.WriteU16(rr.rclass);
  out_.WriteU32(rr.ttl);
  return WriteLengthPrefixed("rdata", [&] { return WriteRdata(rr); });
}

absl::Status MessageWriter::WriteOpt(const Edns& edns, uint16_t rcode) {
  out_.WriteU8(0);  // root owner name
  out_.WriteU16(kOPT);
  out_.WriteU16(edns.udp_payload_size);
  out_.WriteU32(uint32_t{static_cast<uint8_t>(rcode >> 4)} << 24 | uint32_t{edns.version} << 16 |
                (edns.dnssec_ok ? 0x8000u : 0u));
  return WriteLengthPrefixed("OPT rdata", [&] { return WriteEdnsOptions(edns.options); });
}

absl::Status MessageWriter::WriteEdnsOptions(const std::vector<EdnsOption>& options) {
  for (const EdnsOption& option : options) {
    out_.WriteU16(option.code);
    RETURN_IF_ERROR(WriteLengthPrefixed("edns option", [&] {
      out_.WriteBytes(option.data);
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

// RdataFitsType says whether RDATA alternative `T` may be written for a record of `type`.
template <typename T>
bool RdataFitsType(uint16_t type) {
  if constexpr (std::is_same_v<T, Raw>) return true;
  if constexpr (std::is_same_v<T, A>) return type == kA;
  if constexpr (std::is_same_v<T, Aaaa>) return type == kAAAA;
  if constexpr (std::is_same_v<T, NameRdata>) {
    return type == kNS || type == kCNAME || type == kPTR;
  }
  if constexpr (std::is_same_v<T, Mx>) return type == kMX;
  if constexpr (std::is_same_v<T, Txt>) return type == kTXT;
  if constexpr (std::is_same_v<T, Soa>) return type == kSOA;
  if constexpr (std::is_same_v<T, Srv>) return type == kSRV;
  if constexpr (std::is_same_v<T, Caa>) return type == kCAA;
  if constexpr (std::is_same_v<T, Opt>) return type == kOPT;
}

absl::Status MessageWriter::WriteRdata(const ResourceRecord& rr) {
  return std::visit(
      [&](const auto& data) -> absl::Status {
        using T = std::decay_t<decltype(data)>;
        if (!RdataFitsType<T>(rr.type)) {
          return absl::InvalidArgumentError(
              absl::StrCat("dns: record ", rr.name, " of type ", TypeToString(rr.type),
                           " holds rdata of another type (variant index ", rr.data.index(), ")"));
        }
        if constexpr (std::is_same_v<T, Raw>) {
          out_.WriteBytes(data.bytes);
        } else if constexpr (std::is_same_v<T, A> || std::is_same_v<T, Aaaa>) {
          out_.WriteBytes(data.address);
        } else if constexpr (std::is_same_v<T, NameRdata>) {
          return WriteName(data.name, true);
        } else if constexpr (std::is_same_v<T, Mx>) {
          out_.WriteU16(data.preference);
          return WriteName(data.exchange, true);
        } else if constexpr (std::is_same_v<T, Txt>) {
          for (const std::string& s : data.strings) {
            RETURN_IF_ERROR(WriteCharacterString(s, "TXT string"));
          }
        } else if constexpr (std::is_same_v<T, Soa>) {
          RETURN_IF_ERROR(WriteName(data.mname, true));
          RETURN_IF_ERROR(WriteName(data.rname, true));
          for (uint32_t v : {data.serial, data.refresh, data.retry, data.expire, data.minimum}) {
            out_.WriteU32(v);
          }
        } else if constexpr (std::is_same_v<T, Srv>) {
          out_.WriteU16(data.priority);
          out_.WriteU16(data.weight);
          out_.WriteU16(data.port);
          return WriteName(data.target, false);
        } else if constexpr (std::is_same_v<T, Caa>) {
          if (data.tag.empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat("dns: CAA record ", rr.name, " has an empty tag"));
          }
          out_.WriteU8(data.flags);
          RETURN_IF_ERROR(WriteCharacterString(data.tag, "CAA tag"));
          out_.WriteBytes(data.value);
        } else if constexpr (std::is_same_v<T, Opt>) {
          return WriteEdnsOptions(data.options);
        }
        return absl::OkStatus();
      },
      rr.data);
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> WriteMessage(const Message& message) {
  return WriteMessage(message, WriteOptions());
}

absl::StatusOr<std::vector<uint8_t>> WriteMessage(const Message& message,
                                                  const WriteOptions& options) {
  MessageWriter writer(options);
  RETURN_IF_ERROR(writer.WriteHeader(message));
  for (const Question& q : message.questions) RETURN_IF_ERROR(writer.WriteQuestion(q));
  for (const ResourceRecord& rr : message.answers)
    RETURN_IF_ERROR(writer.WriteRecord(rr, "answer"));
  for (const ResourceRecord& rr : message.authorities) {
    RETURN_IF_ERROR(writer.WriteRecord(rr, "authority"));
  }
  for (const ResourceRecord& rr : message.additionals) {
    RETURN_IF_ERROR(writer.WriteRecord(rr, "additional"));
  }
  if (message.edns.has_value()) {
    RETURN_IF_ERROR(writer.WriteOpt(*message.edns, message.header.rcode));
  }
  return std::move(writer).Take();
}

absl::StatusOr<std::vector<uint8_t>> BuildQuery(absl::string_view name, uint16_t type,
                                                const QueryOptions& opts) {
  Message query;
  if (opts.id.has_value()) {
    query.header.id = *opts.id;
  } else {
    absl::BitGen gen;
    query.header.id = absl::Uniform<uint16_t>(gen);
  }
  query.header.rd = opts.recursion_desired;
  query.questions.push_back(Question{std::string(name), type, kClassIN});
  if (opts.edns) {
    query.edns = Edns{opts.udp_payload_size, 0, false, {}};
  }
  return WriteMessage(query);
}

}  // namespace dns
