#include "lib/cli/args.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cli {

Args::Args(std::vector<std::string> args) : strings_(std::move(args)) {
  for (std::string& s : strings_) pointers_.push_back(s.data());
  pointers_.push_back(nullptr);
  argc = static_cast<int>(strings_.size());
  argv = pointers_.data();
}

Args::Args(Args&& other) noexcept
    : argc(other.argc),
      argv(other.argv),
      strings_(std::move(other.strings_)),
      pointers_(std::move(other.pointers_)) {
  // std::vector's move keeps the heap buffers, so the pointers stay valid.
  other.argc = 0;
  other.argv = nullptr;
}

namespace {

const ShortOption* FindShort(const Spec& spec, char c) {
  for (const ShortOption& o : spec.short_options) {
    if (o.letter == c) return &o;
  }
  return nullptr;
}

const LongAlias* FindLong(const Spec& spec, absl::string_view name) {
  for (const LongAlias& a : spec.long_aliases) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

// Accumulates flag values, merging repeated ones.
class Builder {
 public:
  void Bool(const std::string& flag) { out_.push_back("--" + flag); }
  void Value(const std::string& flag, ArgKind kind, absl::string_view value) {
    if (kind == kRepeated) {
      auto it = repeated_index_.find(flag);
      if (it != repeated_index_.end()) {
        absl::StrAppend(&out_[it->second], std::string(1, kRepeatSeparator), value);
        return;
      }
      repeated_index_[flag] = out_.size();
    }
    out_.push_back(absl::StrCat("--", flag, "=", value));
  }
  void Positional(absl::string_view arg) { positional_.emplace_back(arg); }
  void Raw(absl::string_view arg) { out_.emplace_back(arg); }

  std::vector<std::string> Finish(absl::string_view argv0) {
    std::vector<std::string> all;
    all.emplace_back(argv0);
    for (std::string& s : out_) all.push_back(std::move(s));
    // Positionals go after "--" so gflags never mistakes "-" or "-5" for a flag.
    all.push_back("--");
    for (std::string& s : positional_) all.push_back(std::move(s));
    return all;
  }

 private:
  std::vector<std::string> out_;
  std::vector<std::string> positional_;
  std::map<std::string, size_t> repeated_index_;
};

}  // namespace

absl::StatusOr<Args> Expand(int argc, const char* const* argv, const Spec& spec) {
  Builder b;
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      b.Positional(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg[1] == '-') {  // --long[=value]
      absl::string_view body = arg.substr(2);
      size_t eq = body.find('=');
      absl::string_view name = body.substr(0, eq);
      const LongAlias* alias = FindLong(spec, name);
      if (alias == nullptr) {
        b.Raw(arg);  // gflags' own --flag or --flag=value
        continue;
      }
      if (alias->kind == kBool) {
        if (eq != absl::string_view::npos) {
          b.Raw(absl::StrCat("--", alias->flag, body.substr(eq)));
        } else {
          b.Bool(alias->flag);
        }
        continue;
      }
      if (eq != absl::string_view::npos) {
        b.Value(alias->flag, alias->kind, body.substr(eq + 1));
      } else if (i + 1 < argc) {
        b.Value(alias->flag, alias->kind, argv[++i]);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("option --", name, ": requires parameter"));
      }
      continue;
    }
    // A single-dash cluster: every letter up to the first value-taking one must be known.
    if (FindShort(spec, arg[1]) == nullptr) {
      if (spec.pass_unknown_single_dash) {
        b.Raw(arg);
        continue;
      }
      return absl::InvalidArgumentError(absl::StrCat("invalid option -- '", arg.substr(1, 1), "'"));
    }
    for (size_t j = 1; j < arg.size(); ++j) {
      const ShortOption* opt = FindShort(spec, arg[j]);
      if (opt == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid option -- '", arg.substr(j, 1), "'"));
      }
      if (opt->kind == kBool) {
        b.Bool(opt->flag);
        continue;
      }
      if (j + 1 < arg.size()) {
        b.Value(opt->flag, opt->kind, arg.substr(j + 1));
      } else if (i + 1 < argc) {
        b.Value(opt->flag, opt->kind, argv[++i]);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("option requires an argument -- '", arg.substr(j, 1), "'"));
      }
      break;
    }
  }
  return Args(b.Finish(argc > 0 ? argv[0] : "prog"));
}

std::vector<std::string> SplitRepeated(absl::string_view joined) {
  if (joined.empty()) return {};
  return absl::StrSplit(joined, kRepeatSeparator);
}

}  // namespace cli
