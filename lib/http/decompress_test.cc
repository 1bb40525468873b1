#include "lib/http/decompress.h"

#include <zlib.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace http {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

// Compress deflates `plain` with zlib; window_bits 31 = gzip, 15 = zlib, -15 = raw.
std::string Compress(const std::string& plain, int window_bits) {
  z_stream z = {};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, plain.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = plain.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Text() {
  std::string s;
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&s, "line ", i, " of compressible text\n");
  return s;
}

// InflateInPieces feeds `compressed` `piece` bytes at a time and returns the output.
std::string InflateInPieces(Inflater& inflater, const std::string& compressed, size_t piece) {
  std::string out;
  for (size_t i = 0; i < compressed.size(); i += piece) {
    EXPECT_THAT(inflater.Feed(absl::string_view(compressed).substr(i, piece),
                              [&](absl::string_view d) {
                                out.append(d.data(), d.size());
                                return absl::OkStatus();
                              }),
                IsOk());
  }
  return out;
}

TEST(InflaterTest, GzipDeflateAndRawDeflateInAnyPieces) {
  const std::string plain = Text();
  for (auto [encoding, bits] : {std::pair{"gzip", 31}, {"x-gzip", 31}, {"deflate", 15},
                                {"deflate", -15}}) {
    for (size_t piece : {1, 7, 1400, 1 << 20}) {
      auto inflater = Inflater::Create(encoding);
      ASSERT_THAT(inflater, IsOk());
      EXPECT_EQ(InflateInPieces(**inflater, Compress(plain, bits), piece), plain)
          << encoding << " " << bits << " " << piece;
      EXPECT_THAT((*inflater)->Finish(), IsOk());
    }
  }
}

TEST(InflaterTest, TruncatedCorruptAndUnsupported) {
  std::string gz = Compress(Text(), 31);
  auto inflater = Inflater::Create("GZIP");
  ASSERT_THAT(inflater, IsOk());
  InflateInPieces(**inflater, gz.substr(0, gz.size() / 2), 100);
  EXPECT_THAT((*inflater)->Finish(), StatusIs(absl::StatusCode::kDataLoss));

  auto bad = Inflater::Create("gzip");
  ASSERT_THAT(bad, IsOk());
  EXPECT_THAT((*bad)->Feed("not gzip at all", [](absl::string_view) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kDataLoss));

  EXPECT_THAT(Inflater::Create("br"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(Inflater::IsSupportedEncoding("identity"));
  EXPECT_TRUE(Inflater::IsSupportedEncoding(" Deflate "));
}

TEST(InflaterTest, SinkErrorStopsAndIsReturned) {
  auto inflater = Inflater::Create("gzip");
  ASSERT_THAT(inflater, IsOk());
  EXPECT_THAT((*inflater)->Feed(Compress(Text(), 31),
                                [](absl::string_view) { return absl::AbortedError("full"); }),
              StatusIs(absl::StatusCode::kAborted));
}

}  // namespace
}  // namespace http
