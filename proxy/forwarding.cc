#include "proxy/forwarding.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/http/reason.h"
#include "lib/http/url.h"
#include "lib/net/address.h"

namespace proxy {
namespace {

// AppendToList sets `name` to its existing values (all fields, joined) plus `element`.
absl::Status AppendToList(http::Headers* headers, absl::string_view name,
                          absl::string_view element) {
  if (!headers->Has(name)) return headers->Add(name, element);  // the usual case
  std::vector<absl::string_view> values = headers->GetAll(name);
  values.push_back(element);
  std::string joined = absl::StrJoin(values, ", ");
  return headers->Set(name, joined);
}

std::string BracketHost(absl::string_view host) {
  return absl::StrContains(host, ':') ? absl::StrCat("[", host, "]") : std::string(host);
}

}  // namespace

std::string Origin::Key() const { return absl::StrCat(BracketHost(host), ":", port); }

absl::StatusOr<Route> RouteRequest(const http::RequestHead& head,
                                   const std::optional<Origin>& upstream) {
  Route route;
  if (head.method == "CONNECT") {
    route.kind = Route::kConnect;
    absl::StatusOr<std::pair<std::string, std::string>> hp = net::SplitHostPort(head.target);
    if (!hp.ok() || hp->first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proxy: CONNECT target is not host:port: ", head.target));
    }
    ASSIGN_OR_RETURN(route.origin.port, net::ParsePort(hp->second));
    route.origin.host = absl::AsciiStrToLower(hp->first);
    return route;
  }
  if (absl::StartsWith(head.target, "/") || head.target == "*") {
    if (!upstream.has_value()) {
      return absl::InvalidArgumentError(
          "proxy: origin-form request but no --upstream (forward requests need an absolute URL)");
    }
    route.kind = Route::kReverse;
    route.origin = *upstream;
    route.target = head.target;
    std::optional<absl::string_view> host = head.headers.Get("Host");
    route.host_header = host.has_value() && !host->empty()
                            ? std::string(*host)
                            : (upstream->port == 80 ? BracketHost(upstream->host)
                                                    : upstream->Key());
    return route;
  }
  ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(head.target));
  if (url.scheme() != "http") {
    return absl::UnimplementedError(
        absl::StrCat("proxy: scheme ", url.scheme(), " is not supported (use CONNECT for https)"));
  }
  route.kind = Route::kForward;
  route.origin = Origin{url.host(), url.port()};
  route.target = url.RequestTarget();
  route.host_header = url.HostHeader();
  return route;
}

bool IsLoop(const http::Headers& headers, absl::string_view pseudonym) {
  for (absl::string_view value : headers.GetAll("Via")) {
    for (absl::string_view element : absl::StrSplit(value, ',')) {
      // element: [protocol-name "/"] protocol-version RWS received-by [RWS comment]
      std::vector<absl::string_view> words =
          absl::StrSplit(absl::StripAsciiWhitespace(element), ' ', absl::SkipEmpty());
      if (words.size() >= 2 && absl::EqualsIgnoreCase(words[1], pseudonym)) return true;
    }
  }
  return false;
}

void RemoveHopByHop(http::Headers* headers) {
  static constexpr absl::string_view kHopByHop[] = {"Connection", "Keep-Alive", "Proxy-Connection",
                                                    "TE", "Trailer", "Upgrade",
                                                    "Proxy-Authorization"};
  auto is_hop = [](absl::string_view name) {
    // Only names of a hop-by-hop length are compared: most fields are rejected by size.
    switch (name.size()) {
      case 2: case 7: case 10: case 16: case 19:
        break;
      default:
        return false;
    }
    for (absl::string_view hop : kHopByHop) {
      if (http::FieldNameEquals(name, hop)) return true;
    }
    return false;
  };
  // The fields Connection lists are hop-by-hop too. Most list only names dropped anyway
  // ("keep-alive") or "close", so the rest are copied (the removal moves the fields the views
  // would point into) into a vector that seldom leaves its inline room.
  absl::InlinedVector<std::string, 4> listed;
  bool any = false;
  for (const http::Headers::Field& f : *headers) {
    if (!is_hop(f.name)) continue;
    any = true;
    if (!http::FieldNameEquals(f.name, "connection")) continue;
    for (absl::string_view token : absl::StrSplit(f.value, ',')) {
      token = absl::StripAsciiWhitespace(token);
      if (!token.empty() && !is_hop(token)) listed.emplace_back(token);
    }
  }
  if (!any) return;  // most requests: nothing to remove
  headers->RemoveIf([&](const http::Headers::Field& f) {
    return is_hop(f.name) ||
           std::any_of(listed.begin(), listed.end(),
                       [&](const std::string& n) { return http::FieldNameEquals(f.name, n); });
  });
}

void AppendVia(http::Headers* headers, int version_minor, absl::string_view pseudonym) {
  // Both parts are tokens we control, so the value is always valid. It runs twice a request,
  // so the usual value is put together on the stack rather than in a temporary string.
  char buf[64];
  if ((version_minor == 0 || version_minor == 1) && pseudonym.size() <= sizeof(buf) - 4) {
    std::memcpy(buf, version_minor == 0 ? "1.0 " : "1.1 ", 4);
    std::memcpy(buf + 4, pseudonym.data(), pseudonym.size());
    AppendToList(headers, "Via", absl::string_view(buf, 4 + pseudonym.size())).IgnoreError();
    return;
  }
  AppendToList(headers, "Via", absl::StrCat("1.", version_minor, " ", pseudonym)).IgnoreError();
}

absl::Status PrepareUpstreamRequest(http::RequestHead* head, const Route& route,
                                    absl::string_view client_ip, absl::string_view pseudonym) {
  int received_minor = head->version_minor;
  RemoveHopByHop(&head->headers);
  head->target = route.target;
  head->version_minor = 1;
  RETURN_IF_ERROR(head->headers.Set("Host", route.host_header));
  AppendVia(&head->headers, received_minor, pseudonym);
  return AppendToList(&head->headers, "X-Forwarded-For", client_ip);
}

bool ClientWantsClose(const http::RequestHead& head) {
  if (head.headers.HasToken("Connection", "close") ||
      head.headers.HasToken("Proxy-Connection", "close")) {
    return true;
  }
  return head.version_minor == 0 && !head.headers.HasToken("Connection", "keep-alive") &&
         !head.headers.HasToken("Proxy-Connection", "keep-alive");
}

ResponsePlan PrepareClientResponse(http::ResponseHead* head, const http::BodyFraming& framing,
                                   int client_version_minor, bool close_wanted,
                                   absl::string_view pseudonym) {
  int received_minor = head->version_minor;
  ResponsePlan plan;
  plan.close_after = close_wanted;
  RemoveHopByHop(&head->headers);
  if (client_version_minor == 0) {
    if (framing.kind == http::BodyFraming::kChunked) {
      plan.dechunk = true;
      head->headers.Remove("Transfer-Encoding");
    }
    // Without a length, a body to a 1.0 client ends only when the connection does.
    if (framing.kind == http::BodyFraming::kChunked ||
        framing.kind == http::BodyFraming::kUntilClose) {
      plan.close_after = true;
    }
  } else if (framing.kind == http::BodyFraming::kUntilClose) {
    plan.rechunk = true;
    head->headers.Set("Transfer-Encoding", "chunked").IgnoreError();
  }
  head->version_minor = 1;
  AppendVia(&head->headers, received_minor, pseudonym);
  if (head->status >= 200) {
    if (plan.close_after) {
      head->headers.Set("Connection", "close").IgnoreError();
    } else if (client_version_minor == 0) {
      head->headers.Set("Connection", "keep-alive").IgnoreError();
    }
  }
  return plan;
}

bool UpstreamReusable(const http::ResponseHead& head, const http::BodyFraming& framing) {
  return head.version_minor >= 1 && !head.headers.HasToken("Connection", "close") &&
         framing.kind != http::BodyFraming::kUntilClose;
}

std::string ErrorResponse(int status, absl::string_view detail, absl::string_view pseudonym,
                          bool close, bool with_body) {
  absl::string_view reason = http::ReasonPhrase(status);
  if (reason.empty()) reason = "Error";
  std::string body = absl::StrCat(status, " ", reason, "\n", detail, detail.empty() ? "" : "\n");
  return absl::StrCat("HTTP/1.1 ", status, " ", reason,
                      "\r\nContent-Type: text/plain\r\nContent-Length: ", body.size(),
                      close ? "\r\nConnection: close" : "", "\r\nVia: 1.1 ", pseudonym,
                      "\r\n\r\n", with_body ? absl::string_view(body) : absl::string_view());
}

}  // namespace proxy
