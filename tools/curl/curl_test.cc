// End-to-end tests of the mini-curl binary against loopback replay servers: each curl 7.88.1
// golden (testdata/golden/curl) is replayed from the recorded fixtures (testdata/http) in
// 1-byte, 1400-byte and whole writes, plus hostile servers and the flags without goldens.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"
#include "testing/subprocess.h"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing_util::IsOk;
using ::testing_util::ProcessResult;
using ::testing_util::TcpReplayOptions;
using ::testing_util::TcpReplayServer;

const std::string& Curl() {
  static const std::string path = testing_util::Runfile("tools/curl/mini-curl");
  return path;
}

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> s = testing_util::ReadFile(path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.value_or("");
}

std::string Fixture(const std::string& name) { return Read("testdata/http/" + name + ".http"); }

// Nginx turns a recorded nginx response (recorded with "Connection: close") into what nginx
// sends a keep-alive client such as curl, and points absolute Locations at `port`.
std::string Nginx(const std::string& name, uint16_t port) {
  return absl::StrReplaceAll(Fixture(name), {{"Connection: close\r\n", "Connection: keep-alive\r\n"},
                                             {"127.0.0.1:8089", absl::StrCat("127.0.0.1:", port)}});
}

uint16_t ClosedPort() {
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0));
  return s->LocalAddress()->port();
}

// Normalize masks what varies between runs and between curl and mini-curl (see
// testdata/golden/MANIFEST.md): ports, the temp dir, Date, elapsed times, heap pointers, the User-Agent,
// "{ [N bytes data]" chunking, and progress-meter lines.
std::string Normalize(std::string s, uint16_t port) {
  for (const std::string& p : {std::string("8089"), std::string("8090"), std::string("8091"),
                               std::string("8099"), absl::StrCat(port)}) {
    s = absl::StrReplaceAll(s, {{"127.0.0.1:" + p, "127.0.0.1:PORT"}, {"port " + p, "port PORT"}});
  }
  // Relative -o names run in the test's temp dir (see MatchesCurl).
  s = absl::StrReplaceAll(s, {{testing_util::TempDir() + "/", ""}});
  s = std::regex_replace(s, std::regex("Date: [^\r\n]*"), "Date: X");
  s = std::regex_replace(s, std::regex("after [0-9]+ (ms|milliseconds)"), "after N $1");
  s = std::regex_replace(s, std::regex("User-Agent: [^\r\n]*"), "User-Agent: X");
  s = std::regex_replace(s, std::regex("Found bundle for host: 0x[0-9a-f]+"), "Found bundle for host: PTR");
  s = std::regex_replace(s, std::regex("(\\{ \\[[0-9]+ bytes data\\]\n)+"), "{ [data]\n");
  s = std::regex_replace(s, std::regex("\r[ 0-9]{3} [^\r\n*]*"), "\r[meter]");
  // A slow run may print more meter lines than curl did: one per second.
  s = std::regex_replace(s, std::regex("(\r\\[meter\\])+"), "\r[meter]");
  // Likewise -# lines short of 100% and unknown-size frames, which come with time.
  s = std::regex_replace(s, std::regex("\r#* +[0-9]{1,2}\\.[0-9]%"), "");
  s = std::regex_replace(s, std::regex("(^|[\r\n])([ #=O-]*#[ #=O-]*\r)+"), "$1");
  return s;
}

// Shell-splits a COMMANDS.tsv command line (single quotes only, which is all it uses).
std::vector<std::string> SplitCommand(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

// GoldenCommand is one COMMANDS.tsv line: "[NAME=VALUE ...] curl ARGS...".
struct GoldenCommand {
  std::vector<std::string> env;
  std::vector<std::string> args;  // after "curl"
};

std::map<std::string, GoldenCommand> GoldenCommands() {
  std::map<std::string, GoldenCommand> out;
  for (absl::string_view line : absl::StrSplit(Read("testdata/golden/curl/COMMANDS.tsv"), '\n')) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    if (parts.size() != 2) continue;
    GoldenCommand& c = out[parts[0]];
    std::vector<std::string> words = SplitCommand(parts[1]);
    size_t i = 0;
    while (i < words.size() && words[i] != "curl") c.env.push_back(words[i++]);
    c.args.assign(words.begin() + std::min(i + 1, words.size()), words.end());
  }
  return out;
}

// GoldenCase says which recorded responses answer a golden command, in order.
struct GoldenCase {
  std::string name;
  std::vector<std::string> nginx;  // nginx fixtures, served keep-alive
  std::vector<std::string> raw;    // rawserver / python fixtures, served as recorded
  bool hang = false;               // a server that never answers
  bool closed = false;             // nothing listens
  bool compare_stderr = true;      // exact stderr after Normalize
  // files written in the temp dir ("-o NAME" runs there), with their sizes.
  std::vector<std::pair<std::string, int64_t>> files = {};
};

const std::vector<GoldenCase>& GoldenCases() {
  static const auto* cases = new std::vector<GoldenCase>{
      {"s_small", {"content_length"}},
      {"dotdot_sv", {"content_length"}},      // curl sends GET /small.txt
      {"path_as_is_sv", {"content_length"}},  // ... and GET /a/../small.txt with --path-as-is
      {"plain_small", {"content_length"}},
      {"i_small", {"content_length"}},
      {"I_small", {"head"}},
      {"sSf_404", {"not_found_404"}},
      {"f_404_nos", {"not_found_404"}},
      {"s_404", {"not_found_404"}},
      {"L_redirect", {"redirect_301", "redirect_302", "redirect_200"}},
      {"iL_redirect", {"redirect_301", "redirect_302", "redirect_200"}},
      {"noL_redirect", {"redirect_301"}},
      {"v_small", {"content_length"}},
      {"sv_small", {"content_length"}},
      {"w_format", {"content_length"}},
      {"w_format_redirect", {"redirect_301", "redirect_302", "redirect_200"}},
      {"reuse_two_urls", {"content_length", "gzip_identity"}},
      {"s_two_urls", {"content_length", "gzip_identity"}},
      {"closed_port", {}, {}, false, true},
      {"sS_closed_port", {}, {}, false, true},
      {"s_closed_port", {}, {}, false, true},
      {"timeout_m1", {}, {}, true},
      {"sS_timeout_m1", {}, {}, true},
      {"unsupported_scheme", {}},
      {"bad_url_noglob", {}},
      {"truncated", {}, {"truncated"}},
      {"sS_truncated", {}, {"truncated"}},
      {"empty_reply", {}, {"empty_reply"}},
      {"sS_empty_reply", {}, {"empty_reply"}},
      {"compressed_gzip", {"gzip"}},
      {"raw_gzip_i", {"gzip"}},
      {"chunked_trailers_i", {}, {"chunked_trailers"}},
      {"early_hints_i", {}, {"early_hints"}},
      {"close_delimited_i", {}, {"close_delimited"}},
      {"pyhttp_i", {}, {"pyhttp_10"}},
      {"head_204_i", {"no_content_204"}},
      {"progress_5mib", {"large_5mib"}},
      {"v_L_redirect", {"redirect_301", "redirect_302", "redirect_200"}},
      {"L_redirect_meter", {"redirect_301", "redirect_302", "redirect_200"}},
      {"v_two_urls", {"content_length", "gzip_identity"}},
      {"v_f_404", {"not_found_404"}},
      {"v_closed_port", {}, {}, false, true},
      {"v_truncated", {}, {"truncated"}},
      {"v_unsupported", {}},
      {"sv_pyhttp_two", {}, {"pyhttp_10"}},
      {"sv_early_hints", {}, {"early_hints"}},
      {"bad_url_glob", {}},
      {"glob_set", {"content_length", "gzip_identity"}},
      {"glob_range_sv", {"redirect_301", "redirect_302"}},
      {"glob_hash_output", {"content_length", "gzip_identity"}, {}, false, false, true,
       {{"small.out", 31}, {"text.out", 4320}}},
      {"glob_meter", {"content_length", "not_found_404"}, {}, false, false, true,
       {{"small.out", 31}, {"missing.out", 153}}},
      {"glob_query_ranges", std::vector<std::string>(9, "content_length")},
      {"globoff_query", {"content_length"}},
      {"glob_bad_stops_run", {"content_length"}},
      {"glob_bad_range", {}},
      {"glob_empty_braces", {}},
      {"glob_fail_w", {"content_length", "not_found_404"}},
      {"glob_fail_last", {"content_length", "not_found_404"}},
      {"progress_5mib_bar", {"large_5mib"}},
      {"bar_small", {"content_length"}},
      {"bar_stdout", {"content_length"}},
      {"bar_chunked", {}, {"chunked_trailers"}},
      {"bar_close_delim", {}, {"close_delimited"}},
      {"bar_redirect", {"redirect_301", "redirect_302", "redirect_200"}},
      {"bar_glob", {"content_length", "gzip_identity"}, {}, false, false, true,
       {{"small.out", 31}, {"text.out", 4320}}},
      {"bar_f_404", {"not_found_404"}},
      {"bar_closed_port", {}, {}, false, true},
      {"bar_v", {"content_length"}},
      {"bar_timeout", {}, {}, true},
      {"bar_columns50", {"large_5mib"}},
      {"bar_columns_bad", {"content_length"}},
      {"o_missing_dir", {"content_length"}},
      {"sS_o_missing_dir", {"content_length"}},
      {"s_o_missing_dir", {"content_length"}},
      {"o_missing_dir_204", {"no_content_204"}},
      {"sS_o_missing_dir_204", {"no_content_204"}},
  };
  return *cases;
}

class GoldenTest : public ::testing::TestWithParam<size_t> {};

TEST_P(GoldenTest, MatchesCurl) {
  const std::map<std::string, GoldenCommand> commands = GoldenCommands();
  for (const GoldenCase& c : GoldenCases()) {
    const bool big = absl::c_linear_search(c.nginx, std::string("large_5mib"));
    if (big && GetParam() == 1) continue;  // 5 MiB one byte at a time
    SCOPED_TRACE(absl::StrCat(c.name, " write_size=", GetParam()));
    TcpReplayOptions o;
    o.write_size = GetParam();
    o.never_answer = c.hang;
    // redirect_302's Location names the server's port, so keep-alive nginx scripts are
    // served by a responder that learns it; the others close after their last response.
    std::unique_ptr<TcpReplayServer> server;
    std::vector<std::string> responses;
    if (c.raw.empty()) {
      auto started = TcpReplayServer::StartWithResponder(
          [&](const std::string&, size_t i) -> std::optional<std::string> {
            if (i >= responses.size()) return std::nullopt;
            return responses[i];
          },
          o);
      ASSERT_THAT(started, IsOk());
      server = *std::move(started);
      for (const std::string& f : c.nginx) responses.push_back(Nginx(f, server->port()));
    } else {
      for (const std::string& f : c.raw) responses.push_back(Fixture(f));
      auto started = TcpReplayServer::Start(responses, o);
      ASSERT_THAT(started, IsOk());
      server = *std::move(started);
    }
    const uint16_t port = server->port();
    const uint16_t target = c.closed ? ClosedPort() : port;

    std::vector<std::string> args;
    const GoldenCommand& cmd = commands.at(c.name);
    for (size_t i = 0; i < cmd.args.size(); ++i) {
      std::string a = cmd.args[i];
      for (const char* p : {"8089", "8090", "8091", "8099"}) {
        a = absl::StrReplaceAll(a, {{absl::StrCat("127.0.0.1:", p), absl::StrCat("127.0.0.1:", target)}});
      }
      if (i > 0 && cmd.args[i - 1] == "-o" && !absl::StartsWith(a, "/")) {
        a = testing_util::TempDir() + "/" + a;
      }
      args.push_back(a);
    }
    testing_util::SubprocessOptions run;
    run.env = cmd.env;
    if (run.env.empty()) run.env.push_back("COLUMNS=");  // as record.sh runs curl
    ASSERT_OK_AND_ASSIGN(ProcessResult r,
                         testing_util::RunProcess(Curl(), args, run, absl::Seconds(30)));
    const std::string golden = "testdata/golden/curl/" + c.name;
    EXPECT_EQ(r.exit_code, std::stoi(Read(golden + ".exit"))) << r.err;
    EXPECT_EQ(Normalize(r.out, target), Normalize(Read(golden + ".stdout"), target));
    const std::string want_err = Normalize(Read(golden + ".stderr"), target);
    const std::string got_err = Normalize(r.err, target);
    if (c.compare_stderr) {
      EXPECT_EQ(got_err, want_err);
    } else {
      EXPECT_THAT(got_err, StartsWith(want_err.substr(0, want_err.find('\r'))));
    }
    for (const auto& [name, size] : c.files) {
      struct stat st;
      ASSERT_EQ(::stat((testing_util::TempDir() + "/" + name).c_str(), &st), 0) << name;
      EXPECT_EQ(st.st_size, size) << name;
      ::unlink((testing_util::TempDir() + "/" + name).c_str());
    }
    if (c.name == "progress_5mib") {
      struct stat st;
      ASSERT_EQ(::stat((testing_util::TempDir() + "/x").c_str(), &st), 0);
      EXPECT_EQ(st.st_size, 5242880);
      EXPECT_THAT(r.err, HasSubstr("\r100 5120k  100 5120k    0     0 "));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(WriteSizes, GoldenTest, ::testing::Values(1, 1400, 0));

ProcessResult MiniCurl(const std::vector<std::string>& args) {
  absl::StatusOr<ProcessResult> r = testing_util::RunProcess(Curl(), args, {}, absl::Seconds(30));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or(ProcessResult{});
}

std::string Url(const TcpReplayServer& s, const std::string& path) {
  return absl::StrCat("http://127.0.0.1:", s.port(), path);
}

TEST(MiniCurlTest, HostileResponsesGiveCurlExitCodes) {
  std::string endless = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&endless, "X-Header-", i, ": y\r\n");
  struct Case {
    std::string response;
    int exit_code;
    std::string message;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 56,
       "curl: (56) Illegal or missing hexadecimal sequence in chunked-encoding"},
      {absl::StrCat("HTTP/1.1 200 OK\r\nX: ", std::string(100000, 'a'), "\r\n\r\n"), 56,
       "curl: (56) Too large response headers\n"},
      {endless, 56, "curl: (56) Too large response headers\n"},
      {"garbage\r\n\r\n", 8, "curl: (8) Weird server reply\n"},
  };
  for (const Case& c : cases) {
    auto server = TcpReplayServer::Start({c.response});
    ASSERT_THAT(server, IsOk());
    ProcessResult r = MiniCurl({"-sS", "-m", "10", Url(**server, "/")});
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_THAT(r.err, StartsWith(c.message));
  }
}

TEST(MiniCurlTest, TwoUrlsShareOneConnection) {
  const std::string ok = Nginx("content_length", 0);
  auto server = TcpReplayServer::Start({ok, ok}, {.close_after_last = false});
  ASSERT_THAT(server, IsOk());
  ProcessResult r = MiniCurl({"-sv", Url(**server, "/a"), Url(**server, "/b")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "Hello from the fixture server.\nHello from the fixture server.\n");
  EXPECT_THAT(r.err, HasSubstr("* Re-using existing connection #0 with host 127.0.0.1\n"));
  EXPECT_EQ((*server)->connections(), 1);
  EXPECT_THAT((*server)->requests(), ElementsAre(StartsWith("GET /a "), StartsWith("GET /b ")));
}

TEST(MiniCurlTest, GlobbedUrlsAreFetchedInOrderOnOneConnection) {
  const std::string ok = Nginx("content_length", 0);
  auto server = TcpReplayServer::Start(std::vector<std::string>(6, ok), {.close_after_last = false});
  ASSERT_THAT(server, IsOk());
  const std::string dir = testing_util::TempDir();
  ProcessResult r = MiniCurl({"-s", Url(**server, "/f[1-3]{a,b}"), "-o", dir + "/g_#2#1#3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ((*server)->connections(), 1);
  EXPECT_THAT((*server)->requests(),
              ElementsAre(StartsWith("GET /f1a "), StartsWith("GET /f1b "), StartsWith("GET /f2a "),
                          StartsWith("GET /f2b "), StartsWith("GET /f3a "), StartsWith("GET /f3b ")));
  for (const char* name : {"g_a1#3", "g_b1#3", "g_a2#3", "g_b2#3", "g_a3#3", "g_b3#3"}) {
    EXPECT_EQ(Read(dir + "/" + name), "Hello from the fixture server.\n") << name;
  }
}

TEST(MiniCurlTest, GloboffSendsBracketsAndBracesAsTheyAre) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  ProcessResult r = MiniCurl({"-sg", Url(**server, "/a?x=[1-2]&y={b,c}"), "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT((*server)->requests(), ElementsAre(StartsWith("GET /a?x=[1-2]&y={b,c} HTTP/1.1\r\n")));
}

TEST(MiniCurlTest, ResolveFailureLeavesTheMeterWithoutItsLastLine) {
  // As curl 7.88.1 prints "Could not resolve host" (seen in a network namespace without DNS):
  // right after the meter's first line, with no last line. Here no IPv4 address is allowed.
  ProcessResult r = MiniCurl({"-4", "--resolve", "named.test:80:::1", "http://named.test/"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.err,
            "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
            "                                 Dload  Upload   Total   Spent    Left  Speed\n"
            "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
            "curl: (6) Could not resolve host: named.test\n");
}

// Paced serves `response` in `pieces` writes 150 ms apart, like a slow server.
std::unique_ptr<TcpReplayServer> Paced(const std::string& response, size_t pieces) {
  TcpReplayOptions o;
  o.write_size = response.size() / pieces + 1;
  o.write_pause = absl::Milliseconds(150);
  auto server = TcpReplayServer::Start({response}, o);
  EXPECT_THAT(server, IsOk());
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(MiniCurlTest, ProgressBarGrowsWhileAKnownSizeArrives) {
  const std::string body(60000, 'x');
  auto server = Paced(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 60000\r\n\r\n", body), 6);
  ASSERT_NE(server, nullptr);
  ProcessResult r = MiniCurl({"-#", "-o", "/dev/null", Url(*server, "/")});
  EXPECT_EQ(r.exit_code, 0);
  // Lines of curl's shape (72 columns of '#'s and blanks, then the percentage), growing.
  EXPECT_THAT(r.err, testing::MatchesRegex("(\r#* +[ 0-9]{3}\\.[0-9]%)+\n"));
  EXPECT_THAT(r.err, testing::EndsWith(absl::StrCat("\r", std::string(72, '#'), " 100.0%\n")));
  std::vector<double> percents;
  for (absl::string_view line : absl::StrSplit(r.err, '\r', absl::SkipEmpty())) {
    EXPECT_EQ(line.size(), 79u + (absl::EndsWith(line, "\n") ? 1 : 0)) << line;
    percents.push_back(std::stod(std::string(line.substr(73, 5))));
  }
  EXPECT_GE(percents.size(), 2u);
  EXPECT_TRUE(std::is_sorted(percents.begin(), percents.end()));
}

TEST(MiniCurlTest, ProgressBarAnimatesWhileAnUnknownSizeArrives) {
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 6; ++i) absl::StrAppend(&chunked, "2710\r\n", std::string(10000, 'y'), "\r\n");
  absl::StrAppend(&chunked, "0\r\n\r\n");
  auto server = Paced(chunked, 6);
  ASSERT_NE(server, nullptr);
  ProcessResult r = MiniCurl({"--progress-bar", "-o", "/dev/null", Url(*server, "/")});
  EXPECT_EQ(r.exit_code, 0);
  // Frames of 78 columns, each ending in "\r", the first one curl's first, then a newline.
  EXPECT_THAT(r.err, testing::MatchesRegex("([ #=O-]{78}\r)+\n"));
  EXPECT_THAT(r.err, StartsWith(absl::StrCat("#=#=#", std::string(73, ' '), "\r")));
}

TEST(MiniCurlTest, ProgressBarWidthFollowsColumns) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  absl::StatusOr<ProcessResult> r = testing_util::RunProcess(
      Curl(), {"-#", "-o", "/dev/null", Url(**server, "/")}, {.env = {"COLUMNS=30"}},
      absl::Seconds(30));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->err, absl::StrCat("\r", std::string(23, '#'), " 100.0%\n"));
}

TEST(MiniCurlTest, MaxRedirsIs47) {
  std::string loop = "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n";
  auto server = TcpReplayServer::Start({loop, loop, loop}, {.close_after_last = false});
  ASSERT_THAT(server, IsOk());
  ProcessResult r = MiniCurl({"-sSL", "--max-redirs", "2", Url(**server, "/")});
  EXPECT_EQ(r.exit_code, 47);
  EXPECT_EQ(r.err, "curl: (47) Maximum (2) redirects followed\n");
}

TEST(MiniCurlTest, ProxySendsAbsoluteForm) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  ProcessResult r = MiniCurl({"-s", "-x", absl::StrCat("http://127.0.0.1:", (*server)->port()),
                         "http://origin.test:8080/small.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT((*server)->requests(),
              ElementsAre("GET http://origin.test:8080/small.txt HTTP/1.1\r\nHost: origin.test:8080\r\n"
                          "User-Agent: mini-curl/0.1\r\nAccept: */*\r\n"
                          "Proxy-Connection: Keep-Alive\r\n\r\n"));
}

TEST(MiniCurlTest, RequestFlagsShapeTheRequest) {
  const std::string data_file = testing_util::TempDir() + "/data.bin";
  std::ofstream(data_file) << "line1\nline2\n";
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  ProcessResult r = MiniCurl({"-s0", "-X", "PUT", "-A", "agent/1", "-e", "http://ref/", "-H", "Accept:",
                         "-H", "X-A: 1", "-d", "a=1", "--data-binary", "@" + data_file,
                         "--resolve", absl::StrCat("named.test:", (*server)->port(), ":127.0.0.1"),
                         absl::StrCat("http://named.test:", (*server)->port(), "/p")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT((*server)->requests(),
              ElementsAre(absl::StrCat("PUT /p HTTP/1.0\r\nHost: named.test:", (*server)->port(),
                                       "\r\nUser-Agent: agent/1\r\nReferer: http://ref/\r\n"
                                       "X-A: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                       "Content-Length: 16\r\n\r\na=1&line1\nline2\n")));
}

TEST(MiniCurlTest, OutputFileWithProgressMeterAndWriteOut) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  const std::string out = testing_util::TempDir() + "/small.out";
  ProcessResult r = MiniCurl({"-o", out, "-w", "%{http_code} %{size_download} %{time_total}\\n",
                         Url(**server, "/small.txt")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Read(out), "Hello from the fixture server.\n");
  EXPECT_THAT(r.out, testing::MatchesRegex("200 31 [0-9]+\\.[0-9]{6}\n"));
  EXPECT_THAT(r.err, StartsWith("  % Total    % Received % Xferd  Average Speed"));
  EXPECT_THAT(r.err, HasSubstr("\r100    31  100    31    0     0 "));

  auto quiet = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(quiet, IsOk());
  ProcessResult s = MiniCurl({"-s", "-o", out, Url(**quiet, "/small.txt")});
  EXPECT_EQ(s.err, "");
}

TEST(MiniCurlTest, HttpsIsNotSupportedYet) {
  ProcessResult r = MiniCurl({"https://127.0.0.1:1/"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "curl: (1) Protocol \"https\" not supported (mini-curl speaks http:// only for now)\n");
}

}  // namespace
