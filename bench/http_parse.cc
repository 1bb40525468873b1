// http_parse.cc: Google Benchmark of lib/http's response parsing on a 16 KiB response, fed
// whole and one byte at a time, in MB/s.
//
//   ./bazelw run --config=opt //bench:http_parse
//
// The response is the head nginx sent for testdata/http/large_5mib.http (recorded) with its
// Content-Length set to 16384 and the first 16 KiB of that body; a second variant carries the
// same body chunked in 1400-byte chunks (the size of a TCP segment), so the chunked decoder is
// measured too. Each iteration parses the head, decides the framing and consumes the body as a
// client does.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/http/chunked.h"
#include "lib/http/message.h"
#include "lib/http/response_parser.h"

namespace {

constexpr size_t kBody = 16 * 1024;

struct Responses {
  std::string content_length;
  std::string chunked;
};

const Responses& Load() {
  static const Responses* r = [] {
    std::ifstream in("testdata/http/large_5mib.http", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t end = raw.find("\r\n\r\n");
    if (end == std::string::npos) {
      std::fprintf(stderr, "http_parse: testdata/http/large_5mib.http missing or bad\n");
      std::exit(1);
    }
    std::string head = raw.substr(0, end + 2);
    std::string body = raw.substr(end + 4, kBody);
    std::string cl_head = head;
    size_t cl = cl_head.find("Content-Length: ");
    size_t eol = cl_head.find("\r\n", cl);
    cl_head.replace(cl, eol - cl, absl::StrCat("Content-Length: ", kBody));
    auto* out = new Responses;
    out->content_length = cl_head + "\r\n" + body;
    std::string te_head = head;
    te_head.replace(cl, eol - cl, "Transfer-Encoding: chunked");
    out->chunked = te_head + "\r\n";
    for (size_t off = 0; off < body.size(); off += 1400) {
      out->chunked += http::EncodeChunk(absl::string_view(body).substr(off, 1400));
    }
    out->chunked += http::EncodeLastChunk();
    return out;
  }();
  return *r;
}

// ParseAll parses `msg` fed in pieces of `step` bytes (0 = whole) and returns the body size.
size_t ParseAll(const std::string& msg, size_t step) {
  const size_t n = step == 0 ? msg.size() : step;
  http::ResponseHead head;
  size_t avail = std::min(n, msg.size()), prev = 0, consumed = 0;
  while (true) {
    absl::StatusOr<size_t> c =
        http::ParseResponseHead(absl::string_view(msg).substr(0, avail), prev, {}, &head);
    if (!c.ok()) std::abort();
    if (*c > 0) {
      consumed = *c;
      break;
    }
    prev = avail;
    avail = std::min(avail + n, msg.size());
  }
  absl::StatusOr<http::BodyFraming> framing = http::ResponseBodyFraming("GET", head);
  if (!framing.ok()) std::abort();
  size_t body = 0;
  if (framing->kind == http::BodyFraming::kContentLength) {
    // A client only counts bytes here; feed them in the same pieces to be fair to 1-byte mode.
    for (size_t off = consumed; off < msg.size(); off += n) body += std::min(n, msg.size() - off);
    return body;
  }
  http::ChunkedDecoder decoder;
  for (size_t off = consumed; off < msg.size() && !decoder.done();) {
    absl::string_view piece = absl::string_view(msg).substr(off, n);
    absl::StatusOr<size_t> used =
        decoder.Decode(piece, [&](absl::string_view data) { body += data.size(); });
    if (!used.ok()) std::abort();
    if (*used == 0) std::abort();  // a resumable decoder always takes what it is given
    off += *used;
  }
  return body;
}

void Run(benchmark::State& state, const std::string& msg, size_t step) {
  for (auto _ : state) {
    size_t body = ParseAll(msg, step);
    if (body != kBody) state.SkipWithError("wrong body size");
    benchmark::DoNotOptimize(body);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.size()));
}

void BM_ContentLengthWhole(benchmark::State& s) { Run(s, Load().content_length, 0); }
void BM_ContentLengthByteByByte(benchmark::State& s) { Run(s, Load().content_length, 1); }
void BM_ChunkedWhole(benchmark::State& s) { Run(s, Load().chunked, 0); }
void BM_ChunkedByteByByte(benchmark::State& s) { Run(s, Load().chunked, 1); }

BENCHMARK(BM_ContentLengthWhole);
BENCHMARK(BM_ContentLengthByteByByte);
BENCHMARK(BM_ChunkedWhole);
BENCHMARK(BM_ChunkedByteByByte);

}  // namespace
