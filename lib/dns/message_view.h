// message_view.h: a checked, zero-allocation view of a DNS message (RFC 1035 section 4,
// RFC 6891 for OPT), with records decoded lazily.
//
// MessageView::Parse checks the structure of the whole message once: the header, every
// question and record of all four sections, every owner name (bounded, loop-proof
// decompression, see CheckName), each RDLENGTH against the bytes left, the section counts
// against the records present, trailing bytes, and the OPT record (its place, owner and
// options). It allocates nothing: the view points into the caller's bytes and names are
// offsets that NameView decompresses on demand into a caller's NameBuffer. The RDATA of a
// record is checked when it is decoded (RecordView::AsMx() and friends), inside its RDLENGTH
// and with the same rules for names. ParseMessage (parser.h) is Parse followed by decoding
// every record (with RdataChecks::kAll, so errors come in message order).
//
//   ASSIGN_OR_RETURN(dns::MessageView view, dns::MessageView::Parse(reply));
//   dns::NameBuffer buffer;
//   for (const dns::RecordView& rr : view.answers()) {
//     if (rr.type() != dns::kA) continue;
//     ASSIGN_OR_RETURN(auto address, rr.AsA());
//     Use(rr.name().Text(buffer), address, rr.ttl());
//   }
#ifndef LIB_DNS_MESSAGE_VIEW_H_
#define LIB_DNS_MESSAGE_VIEW_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"
#include "lib/dns/wire_name.h"

namespace dns {
namespace internal {

// ViewIterator has what the input iterators below share: `current_` is the entry the
// iterator is at, decoded by the derived iterator.
template <typename T>
class ViewIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using pointer = const T*;
  using reference = const T&;

  const T& operator*() const { return current_; }
  const T* operator->() const { return &current_; }

 protected:
  T current_{};
};

}  // namespace internal

// RdataItems iterates RDATA made of framed items: the character-strings of TXT, the options of
// OPT. Items are views into the message. Traits::Next(rest, item, size) decodes the item at
// the front of `rest` and its size in bytes, or returns false when it does not fit; Parse
// uses the same Next to check the framing, and iteration stops early at a bad item.
template <typename Traits>
class RdataItems {
 public:
  using Item = typename Traits::Item;

  class Iterator : public internal::ViewIterator<Item> {
   public:
    Iterator& operator++() {
      rest_.remove_prefix(size_);
      Load();
      return *this;
    }
    bool operator==(const Iterator& other) const { return rest_.size() == other.rest_.size(); }

   private:
    friend class RdataItems;
    explicit Iterator(absl::Span<const uint8_t> rest) : rest_(rest) { Load(); }
    void Load() {
      if (!rest_.empty() && !Traits::Next(rest_, this->current_, size_)) rest_ = {};
    }

    absl::Span<const uint8_t> rest_;
    size_t size_ = 0;
  };

  RdataItems() = default;
  // RdataItems views `rdata`, which must outlive it and its items.
  explicit RdataItems(absl::Span<const uint8_t> rdata) : rdata_(rdata) {}

  Iterator begin() const { return Iterator(rdata_); }
  Iterator end() const { return Iterator({}); }
  // size counts the items (walking them).
  size_t size() const { return static_cast<size_t>(std::distance(begin(), end())); }

 private:
  absl::Span<const uint8_t> rdata_;
};

// CharacterStringTraits frames an RFC 1035 character-string: a length byte and that many bytes.
struct CharacterStringTraits {
  using Item = absl::string_view;
  static bool Next(absl::Span<const uint8_t> rest, Item& item, size_t& size) {
    const size_t length = rest.data()[0];
    if (rest.size() - 1 < length) return false;
    item = Item(reinterpret_cast<const char*>(rest.data() + 1), length);
    size = 1 + length;
    return true;
  }
};

// EdnsOptionView is one option of an OPT record (RFC 6891 section 6.1.2); `data` views the
// message.
struct EdnsOptionView {
  uint16_t code = 0;
  absl::string_view data;
};

// EdnsOptionTraits frames an EDNS option: code, length, data.
struct EdnsOptionTraits {
  using Item = EdnsOptionView;
  static bool Next(absl::Span<const uint8_t> rest, Item& item, size_t& size) {
    if (rest.size() < 4) return false;
    const uint8_t* p = rest.data();
    const size_t length = static_cast<size_t>(p[2]) << 8 | p[3];
    if (rest.size() - 4 < length) return false;
    item.code = static_cast<uint16_t>(p[0] << 8 | p[1]);
    item.data = absl::string_view(reinterpret_cast<const char*>(rest.data() + 4), length);
    size = 4 + length;
    return true;
  }
};

// CharacterStrings are the strings of TXT RDATA; EdnsOptions the options of OPT RDATA.
using CharacterStrings = RdataItems<CharacterStringTraits>;
using EdnsOptions = RdataItems<EdnsOptionTraits>;

// MxView is MX RDATA (RFC 1035 section 3.3.9).
struct MxView {
  uint16_t preference = 0;
  NameView exchange;
};

// SoaView is SOA RDATA (RFC 1035 section 3.3.13).
struct SoaView {
  NameView mname;
  NameView rname;
  uint32_t serial = 0;
  uint32_t refresh = 0;
  uint32_t retry = 0;
  uint32_t expire = 0;
  uint32_t minimum = 0;
};

// SrvView is SRV RDATA (RFC 2782).
struct SrvView {
  uint16_t priority = 0;
  uint16_t weight = 0;
  uint16_t port = 0;
  NameView target;
};

// CaaView is CAA RDATA (RFC 8659); `tag` and `value` view the message.
struct CaaView {
  uint8_t flags = 0;
  absl::string_view tag;
  absl::string_view value;
};

// EdnsView is the OPT pseudo-record (RFC 6891): its CLASS is the UDP payload size and its TTL
// holds the high 8 bits of the extended rcode, the version and the DO bit.
struct EdnsView {
  uint16_t udp_payload_size = 0;
  uint8_t extended_rcode = 0;
  uint8_t version = 0;
  bool dnssec_ok = false;
  EdnsOptions options;
};

// SectionRange iterates the entries of one section of a parsed message (QuestionView or
// RecordView), decoding each from the already checked bytes as it goes.
template <typename View>
class SectionRange {
 public:
  class Iterator : public internal::ViewIterator<View> {
   public:
    Iterator& operator++() {
      if (--left_ > 0) next_ = View::DecodeAt(message_, next_, this->current_);
      return *this;
    }
    bool operator==(const Iterator& other) const { return left_ == other.left_; }

   private:
    friend class SectionRange;
    Iterator(absl::Span<const uint8_t> message, size_t start, size_t count)
        : message_(message), left_(count) {
      if (left_ > 0) next_ = View::DecodeAt(message_, start, this->current_);
    }

    absl::Span<const uint8_t> message_;
    size_t next_ = 0;
    size_t left_;
  };

  SectionRange() = default;

  Iterator begin() const { return Iterator(message_, start_, count_); }
  Iterator end() const { return Iterator(message_, 0, 0); }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  friend class MessageView;
  SectionRange(absl::Span<const uint8_t> message, size_t start, size_t count)
      : message_(message), start_(start), count_(count) {}

  absl::Span<const uint8_t> message_;
  size_t start_ = 0;
  size_t count_ = 0;
};

// QuestionView is one entry of the question section.
struct QuestionView {
  NameView name;
  uint16_t type = 0;
  uint16_t qclass = 0;

 private:
  friend class SectionRange<QuestionView>;
  friend class MessageView;
  // DecodeAt decodes the checked question at `pos` into `out` and returns where the next
  // entry starts.
  static size_t DecodeAt(absl::Span<const uint8_t> message, size_t pos, QuestionView& out);
};

// RecordView is one resource record of a parsed message: its owner, type, class, TTL and
// RDLENGTH were checked by Parse. Each As* accessor checks and decodes the RDATA of one type;
// names and bytes in its result view the message. Decoding allocates nothing. Errors:
// FailedPrecondition when the record has another type (look at type() first); InvalidArgument
// for malformed RDATA (a field or name past RDLENGTH, bytes left unread, a bad name, a bad
// CAA tag), saying what and at which offset.
class RecordView {
 public:
  // The default RecordView is an empty record of type 0 owned by the root.
  RecordView() = default;

  NameView name() const { return internal::CheckedNameAt(message_.data(), offset_); }
  uint16_t type() const { return type_; }
  uint16_t rclass() const { return rclass_; }
  uint32_t ttl() const { return ttl_; }
  // rdata is the record's RDATA as it is in the message (names in it may be compressed).
  absl::Span<const uint8_t> rdata() const {
    return absl::MakeConstSpan(message_.data() + rdata_offset_, rdlength_);
  }
  // offset is where the record (its owner name) starts in the message.
  size_t offset() const { return offset_; }
  // rdata_offset is where its RDATA starts.
  size_t rdata_offset() const { return rdata_offset_; }
  // message is the whole message the record is in.
  absl::Span<const uint8_t> message() const { return message_; }

  absl::StatusOr<std::array<uint8_t, 4>> AsA() const;
  absl::StatusOr<std::array<uint8_t, 16>> AsAaaa() const;
  // AsName is the RDATA of NS, CNAME and PTR records.
  absl::StatusOr<NameView> AsName() const;
  absl::StatusOr<MxView> AsMx() const;
  absl::StatusOr<CharacterStrings> AsTxt() const;
  absl::StatusOr<SoaView> AsSoa() const;
  absl::StatusOr<SrvView> AsSrv() const;
  absl::StatusOr<CaaView> AsCaa() const;
  absl::StatusOr<EdnsOptions> AsOpt() const;

  // CheckRdata checks the RDATA as the As* accessor of the record's type would (the RDATA of
  // a type without one is kept as bytes and always accepted).
  absl::Status CheckRdata() const;

 private:
  friend class SectionRange<RecordView>;
  friend class MessageView;
  // DecodeAt decodes the checked record at `pos` into `out` and returns where the next one
  // starts.
  static size_t DecodeAt(absl::Span<const uint8_t> message, size_t pos, RecordView& out);

  absl::Span<const uint8_t> message_{kRootNameWire, 1};
  size_t offset_ = 0;
  size_t rdata_offset_ = 0;
  uint32_t ttl_ = 0;
  uint16_t type_ = 0;
  uint16_t rclass_ = 0;
  uint16_t rdlength_ = 0;
};

// MessageSection names the four sections of a message.
enum class MessageSection { kQuestion, kAnswer, kAuthority, kAdditional };

// SectionError prefixes `status` with the entry it is about, keeping its code:
// "dns: answer 1 of 3 at offset 43: <its message without "dns: ">". Parse and ParseMessage
// report errors this way.
absl::Status SectionError(const absl::Status& status, MessageSection section, size_t index,
                          size_t count, size_t offset);

// RdataChecks says when MessageView::Parse checks the RDATA of the records: kWhenDecoded
// leaves it to the As* accessors (the fast path: only what is read is decoded); kAll checks
// every record's RDATA in message order during Parse, so Parse fails on the first bad one,
// as ParseMessage does.
enum class RdataChecks { kWhenDecoded, kAll };

// MessageView is a checked DNS message in the caller's buffer. Copying it is cheap; the
// viewed bytes must outlive it and everything it returns.
class MessageView {
 public:
  // Parse checks the structure of the whole message in `bytes` (viewed, not copied); see the
  // file comment. Errors: OutOfRange when the message ends early (a short header, a section
  // count larger than the records present, an RDLENGTH past the end); InvalidArgument for bad
  // owner names, an OPT record outside the additional section, more than one, not owned by the
  // root or with malformed options, and trailing bytes after the last record. Each error names
  // the section, entry and offset (SectionError). With RdataChecks::kAll, also the errors of
  // RecordView::CheckRdata for each record.
  static absl::StatusOr<MessageView> Parse(absl::Span<const uint8_t> bytes,
                                           RdataChecks rdata = RdataChecks::kWhenDecoded);

  // ParseHeader decodes only the 12-byte header of `bytes` (not kept); the rcode is the
  // 4-bit header rcode. OutOfRange if `bytes` is shorter than 12.
  static absl::StatusOr<Header> ParseHeader(absl::Span<const uint8_t> bytes);

  // ParseFirstQuestion checks the header and the first question of `bytes` and ignores the
  // rest; the result's name views `bytes`. InvalidArgument when the question count is 0.
  static absl::StatusOr<QuestionView> ParseFirstQuestion(absl::Span<const uint8_t> bytes);

  // header is the header; its rcode includes the extended rcode bits of the OPT record.
  const Header& header() const { return header_; }
  // bytes is the whole viewed message.
  absl::Span<const uint8_t> bytes() const { return bytes_; }

  SectionRange<QuestionView> questions() const { return Section<QuestionView>(0); }
  SectionRange<RecordView> answers() const { return Section<RecordView>(1); }
  SectionRange<RecordView> authorities() const { return Section<RecordView>(2); }
  // additionals are the records of the additional section as on the wire, OPT included.
  SectionRange<RecordView> additionals() const { return Section<RecordView>(3); }

  // edns is the OPT record, if the message has one.
  std::optional<EdnsView> edns() const;

 private:
  template <typename View>
  SectionRange<View> Section(int section) const {
    return SectionRange<View>(bytes_, starts_[section], counts_[section]);
  }

  absl::Span<const uint8_t> bytes_;
  Header header_;
  std::array<uint16_t, 4> counts_{};
  std::array<size_t, 4> starts_{};  // offset of each section's first entry
  size_t opt_offset_ = 0;           // offset of the OPT record; 0 when there is none
};

}  // namespace dns

#endif  // LIB_DNS_MESSAGE_VIEW_H_
