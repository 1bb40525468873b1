#include "lib/cache/http_cache.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/cache/policy.h"

namespace cache {
namespace {

// VaryWriter writes a variant and, once it is committed, the primary key's stub.
class VaryWriter : public EntryWriter {
 public:
  VaryWriter(std::unique_ptr<EntryWriter> variant, Store* store, CacheKey primary, EntryMeta stub)
      : variant_(std::move(variant)), store_(store), primary_(std::move(primary)),
        stub_(std::move(stub)) {}

  absl::Status Append(absl::string_view chunk) override { return variant_->Append(chunk); }

  absl::Status Commit() override {
    RETURN_IF_ERROR(variant_->Commit());
    ASSIGN_OR_RETURN(std::unique_ptr<EntryWriter> stub, store_->Insert(primary_, std::move(stub_)));
    return stub->Commit();
  }

 private:
  std::unique_ptr<EntryWriter> variant_;
  Store* store_;
  CacheKey primary_;
  EntryMeta stub_;
};

absl::Status VaryMismatch(const CacheKey& key) {
  return absl::NotFoundError(absl::StrCat("http cache: no variant of ", key.ToString(),
                                          " matches the request"));
}

}  // namespace

absl::StatusOr<HttpCache::Hit> HttpCache::Lookup(const CacheKey& primary,
                                                 const http::Headers& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<EntryReader> reader, store_->Lookup(primary));
  if (!IsVaryStub(reader->summary())) {
    // The summary says whether there is a Vary to check, so most hits decode no fields.
    if (reader->summary().has_vary && !VaryMatches(reader->meta(), request)) {
      return VaryMismatch(primary);
    }
    return Hit{std::move(reader), primary};
  }
  std::optional<std::vector<VaryValue>> values = VaryValues(reader->meta().headers, request);
  if (!values.has_value()) return VaryMismatch(primary);
  CacheKey variant = primary.WithVariance(*std::move(values));
  ASSIGN_OR_RETURN(std::unique_ptr<EntryReader> found, store_->Lookup(variant));
  if (IsVaryStub(found->summary()) || !VaryMatches(found->meta(), request)) {
    return VaryMismatch(primary);
  }
  return Hit{std::move(found), std::move(variant)};
}

absl::StatusOr<std::unique_ptr<EntryWriter>> HttpCache::Insert(const CacheKey& primary,
                                                               const http::Headers& request,
                                                               EntryMeta meta) {
  std::optional<std::vector<VaryValue>> values = VaryValues(meta.headers, request);
  if (!values.has_value()) {
    return absl::InvalidArgumentError("http cache: a Vary: * response is never stored");
  }
  if (values->empty()) {
    meta.vary_values.clear();
    return store_->Insert(primary, std::move(meta));
  }
  EntryMeta stub{.status = kVaryStubStatus,
                 .request_time = meta.request_time,
                 .response_time = meta.response_time};
  for (absl::string_view vary : meta.headers.GetAll("vary")) {
    RETURN_IF_ERROR(stub.headers.Add("Vary", vary));
  }
  meta.vary_values = *values;
  CacheKey variant = primary.WithVariance(*std::move(values));
  ASSIGN_OR_RETURN(std::unique_ptr<EntryWriter> writer, store_->Insert(variant, std::move(meta)));
  return std::make_unique<VaryWriter>(std::move(writer), store_.get(), primary, std::move(stub));
}

}  // namespace cache
