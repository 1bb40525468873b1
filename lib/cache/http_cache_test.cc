#include "lib/cache/http_cache.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/memory_store.h"
#include "lib/cache/store.h"
#include "lib/http/headers.h"
#include "lib/http/url.h"
#include "testing/matchers.h"

namespace cache {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

CacheKey Key(absl::string_view path) {
  absl::StatusOr<http::Url> url = http::Url::Parse(absl::StrCat("http://vary.test", path));
  EXPECT_TRUE(url.ok());
  return CacheKey::ForRequest("GET", *url);
}

http::Headers H(std::initializer_list<std::pair<const char*, const char*>> fields) {
  http::Headers h;
  for (const auto& [name, value] : fields) EXPECT_THAT(h.Add(name, value), IsOk());
  return h;
}

class HttpCacheTest : public testing::Test {
 protected:
  HttpCacheTest() : cache_(std::make_unique<MemoryStore>()) {}

  void Put(const CacheKey& key, const http::Headers& request, const http::Headers& response,
           const std::string& body) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w,
                         cache_.Insert(key, request, EntryMeta{.headers = response}));
    ASSERT_THAT(w->Append(body), IsOk());
    ASSERT_THAT(w->Commit(), IsOk());
  }

  // BodyOf returns the body stored for a request with `request` headers, or "(miss)".
  std::string BodyOf(const CacheKey& key, const http::Headers& request) {
    absl::StatusOr<HttpCache::Hit> hit = cache_.Lookup(key, request);
    if (!hit.ok()) return "(miss)";
    std::string body(hit->reader->body_size(), '\0');
    EXPECT_THAT(hit->reader->Read(absl::MakeSpan(body)), IsOk());
    return body;
  }

  HttpCache cache_;
};

TEST_F(HttpCacheTest, WithoutVaryOneEntryServesEveryRequest) {
  Put(Key("/a"), H({{"Accept", "x"}}), H({{"Content-Type", "text/plain"}}), "plain");
  EXPECT_EQ(BodyOf(Key("/a"), H({})), "plain");
  EXPECT_EQ(BodyOf(Key("/a"), H({{"Accept", "y"}})), "plain");
  EXPECT_EQ(cache_.stats().entries, 1u);
}

TEST_F(HttpCacheTest, VariantsAreKeptApartAndSelectedByTheRequest) {
  http::Headers vary = H({{"Vary", "Accept-Encoding"}, {"vary", "Accept"}});
  Put(Key("/v"), H({{"Accept-Encoding", "gzip"}}), vary, "gzip");
  Put(Key("/v"), H({{"Accept-Encoding", "br"}, {"Accept", "a/b"}}), vary, "br+ab");
  Put(Key("/v"), H({}), vary, "identity");
  EXPECT_EQ(BodyOf(Key("/v"), H({{"accept-encoding", "gzip"}})), "gzip");
  EXPECT_EQ(BodyOf(Key("/v"), H({{"Accept", "a/b"}, {"Accept-Encoding", "br"}})), "br+ab");
  EXPECT_EQ(BodyOf(Key("/v"), H({})), "identity");
  EXPECT_EQ(BodyOf(Key("/v"), H({{"Accept-Encoding", "br"}})), "(miss)");
  EXPECT_EQ(BodyOf(Key("/v"), H({{"Accept-Encoding", "gzip"}, {"Accept", "x"}})), "(miss)");
  // Three variants and one stub.
  EXPECT_EQ(cache_.stats().entries, 4u);
  // The stub itself is never a hit for the primary key.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> stub, cache_.store().Lookup(Key("/v")));
  EXPECT_TRUE(HttpCache::IsVaryStub(stub->meta()));
  EXPECT_EQ(stub->body_size(), 0u);
}

TEST_F(HttpCacheTest, VaryStarIsRefused) {
  EXPECT_THAT(cache_.Insert(Key("/s"), H({}), EntryMeta{.headers = H({{"Vary", "*"}})}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(HttpCacheTest, ALaterResponseWithoutVaryReplacesTheStub) {
  Put(Key("/c"), H({{"Accept", "x"}}), H({{"Vary", "Accept"}}), "varied");
  Put(Key("/c"), H({{"Accept", "x"}}), H({}), "now plain");
  EXPECT_EQ(BodyOf(Key("/c"), H({{"Accept", "y"}})), "now plain");
}

TEST_F(HttpCacheTest, InvalidateDropsEntryOrEveryVariant) {
  Put(Key("/p"), H({}), H({}), "p");
  Put(Key("/v"), H({{"Accept", "x"}}), H({{"Vary", "Accept"}}), "v");
  EXPECT_THAT(cache_.Invalidate(Key("/p")), IsOk());
  EXPECT_THAT(cache_.Invalidate(Key("/v")), IsOk());
  EXPECT_EQ(BodyOf(Key("/p"), H({})), "(miss)");
  EXPECT_EQ(BodyOf(Key("/v"), H({{"Accept", "x"}})), "(miss)");
  EXPECT_THAT(cache_.Invalidate(Key("/p")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(HttpCacheTest, UpdateMetaChangesTheVariantThatWasHit) {
  Put(Key("/u"), H({{"Accept", "x"}}), H({{"Vary", "Accept"}, {"ETag", "\"1\""}}), "u");
  ASSERT_OK_AND_ASSIGN(HttpCache::Hit hit, cache_.Lookup(Key("/u"), H({{"Accept", "x"}})));
  EntryMeta updated = hit.reader->meta();
  ASSERT_THAT(updated.headers.Set("ETag", "\"2\""), IsOk());
  ASSERT_THAT(cache_.UpdateMeta(hit, updated), IsOk());
  ASSERT_OK_AND_ASSIGN(HttpCache::Hit again, cache_.Lookup(Key("/u"), H({{"Accept", "x"}})));
  EXPECT_EQ(again.reader->meta().headers.Get("etag"), "\"2\"");
  EXPECT_EQ(BodyOf(Key("/u"), H({{"Accept", "x"}})), "u");
}

TEST_F(HttpCacheTest, AbortedInsertLeavesNoStub) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w,
                         cache_.Insert(Key("/x"), H({}), EntryMeta{.headers = H({{"Vary", "A"}})}));
    ASSERT_THAT(w->Append("part"), IsOk());
  }
  EXPECT_THAT(cache_.store().Lookup(Key("/x")), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace cache
