// args.h: turns Unix-style short-option clusters into arguments gflags understands.
//
// gflags takes `--flag=value` and `-flag value` but not clusters such as nc's `-zv`, curl's
// `-sSL` or ping's `-qc 3`, nor flag names that are digits (`-4`) or contain dashes
// (`--max-time`). Each tool describes its options once; Expand rewrites argv before
// gflags::ParseCommandLineFlags:
//
//   const cli::Spec kSpec = {
//       .short_options = {{'z', "z"}, {'v', "v"}, {'w', "w", cli::kValue}, {'4', "ipv4"}},
//       .long_aliases = {{"max-time", "max_time"}},
//   };
//   ASSIGN_OR_RETURN(cli::Args args, cli::Expand(argc, argv, kSpec));  // "-zvw2" → --z --v --w=2
//   gflags::ParseCommandLineFlags(&args.argc, &args.argv, true);
#ifndef LIB_CLI_ARGS_H_
#define LIB_CLI_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cli {

enum ArgKind { kBool, kValue, kRepeated };

struct ShortOption {
  char letter;
  // The gflags flag it stands for (without dashes).
  std::string flag;
  // kBool: `-x` → `--flag`. kValue: `-x V`, `-xV` → `--flag=V`.
  // kRepeated: like kValue, but every occurrence is kept: the values are joined with
  // kRepeatSeparator into one `--flag=` (read them back with SplitRepeated).
  ArgKind kind = kBool;
};

struct LongAlias {
  std::string name;  // as typed after "--", e.g. "max-time"
  std::string flag;  // the gflags flag, e.g. "max_time"
  ArgKind kind = kBool;
};

struct Spec {
  std::vector<ShortOption> short_options;
  std::vector<LongAlias> long_aliases;
  // When true, a single-dash argument that is not a known cluster ("-type=MX") is passed
  // through for gflags (nslookup style); when false it is an error ("-Z: unknown option").
  bool pass_unknown_single_dash = false;
};

inline constexpr char kRepeatSeparator = '\x1f';

// Args owns rewritten arguments and exposes them as argc/argv for gflags (which may permute
// and shorten argv; the strings stay owned here).
class Args {
 public:
  int argc = 0;
  char** argv = nullptr;

  Args() = default;
  explicit Args(std::vector<std::string> args);
  Args(Args&& other) noexcept;
  Args& operator=(Args&&) = delete;
  Args(const Args&) = delete;

  const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

// Expand rewrites argv[1..] by `spec`. Arguments after "--", a lone "-", and non-option
// arguments are kept in place. InvalidArgument for an unknown short option or a missing value
// (message like nc's: "option requires an argument -- 'w'").
absl::StatusOr<Args> Expand(int argc, const char* const* argv, const Spec& spec);

// SplitRepeated splits the value of a kRepeated flag back into its occurrences.
std::vector<std::string> SplitRepeated(absl::string_view joined);

}  // namespace cli

#endif  // LIB_CLI_ARGS_H_
