// forwarding.h: what an HTTP intermediary changes in the messages it forwards (RFC 9110 §7.6,
// RFC 9112), as pure functions on parsed heads, so they are tested without sockets.
//
//   ASSIGN_OR_RETURN(proxy::Route route, proxy::RouteRequest(head, upstream));
//   if (proxy::IsLoop(head.headers, "cachingproxy")) { /* answer 508 */ }
//   proxy::PrepareUpstreamRequest(&head, route, client_ip, "cachingproxy");
//   ...
//   bool keep_alive = proxy::PrepareClientResponse(&response, framing, client_version_minor,
//                                                  request_wants_close, "cachingproxy");
#ifndef PROXY_FORWARDING_H_
#define PROXY_FORWARDING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"

namespace proxy {

// Origin is where a request goes: a host name or IP literal (IPv6 without brackets) and port.
struct Origin {
  std::string host;
  uint16_t port = 0;
  // Key returns "host:port" ("[v6]:port"), the upstream pool's key.
  std::string Key() const;
  bool operator==(const Origin& other) const = default;
};

// Route is the result of routing one request.
struct Route {
  enum Kind { kForward, kReverse, kConnect };
  Kind kind = kForward;
  Origin origin;
  // target is the origin-form target to send upstream ("/a?b"); empty for kConnect.
  std::string target;
  // host_header is the Host value to send upstream; empty for kConnect.
  std::string host_header;
};

// RouteRequest decides where `head` goes: CONNECT with an authority-form target is a tunnel;
// an absolute-form "http://" target is forwarded to its authority; an origin-form target goes
// to `upstream` (reverse proxy) when set. A malformed target, an origin-form target without an
// upstream, or a CONNECT without "host:port" is InvalidArgument (400); a scheme other than
// http is Unimplemented (501).
absl::StatusOr<Route> RouteRequest(const http::RequestHead& head,
                                   const std::optional<Origin>& upstream);

// IsLoop reports whether any Via element of `headers` names `pseudonym` ("1.1 cachingproxy"):
// the request already passed through this proxy.
bool IsLoop(const http::Headers& headers, absl::string_view pseudonym);

// RemoveHopByHop deletes Connection and every field it lists, Keep-Alive, Proxy-Connection,
// TE, Trailer, Upgrade and Proxy-Authorization.
void RemoveHopByHop(http::Headers* headers);

// AppendVia adds "1.<version_minor> <pseudonym>" to the Via list (one combined field).
void AppendVia(http::Headers* headers, int version_minor, absl::string_view pseudonym);

// PrepareUpstreamRequest rewrites `head` (as received from the client) into the request sent
// upstream: origin-form target and Host from `route`, HTTP/1.1, hop-by-hop fields removed, Via
// and X-Forwarded-For (`client_ip`) appended. Returns InvalidArgument if a value is unusable.
absl::Status PrepareUpstreamRequest(http::RequestHead* head, const Route& route,
                                    absl::string_view client_ip, absl::string_view pseudonym);

// ClientWantsClose reports whether the client connection ends after this request:
// "Connection: close" (or Proxy-Connection: close), or HTTP/1.0 without "Connection:
// keep-alive".
bool ClientWantsClose(const http::RequestHead& head);

// ResponsePlan is how a response body is relayed to the client.
struct ResponsePlan {
  // dechunk: decode a chunked body and send the bare data (to an HTTP/1.0 client).
  bool dechunk = false;
  // rechunk: send a close-delimited body chunked (to an HTTP/1.1 client, which stays open).
  bool rechunk = false;
  // close_after: the client connection closes after this response.
  bool close_after = false;
};

// PrepareClientResponse rewrites the upstream response `head` for the client: HTTP/1.1 status
// line, hop-by-hop fields removed, Via appended. For an HTTP/1.1 client a close-delimited body
// is re-chunked, so the connection stays open; for an HTTP/1.0 client a chunked body is
// de-chunked and close-delimited. The connection closes after it on `close_wanted` (see
// ClientWantsClose) or when the body can only end by closing (1.0), with "Connection: close";
// a 1.0 client kept open gets "Connection: keep-alive". `framing` is the upstream framing.
ResponsePlan PrepareClientResponse(http::ResponseHead* head, const http::BodyFraming& framing,
                                   int client_version_minor, bool close_wanted,
                                   absl::string_view pseudonym);

// UpstreamReusable reports whether the upstream connection may serve another request after
// this response: HTTP/1.1, no "Connection: close", and a self-delimited body.
bool UpstreamReusable(const http::ResponseHead& head, const http::BodyFraming& framing);

// ErrorResponse returns a complete short response (status line, Content-Type text/plain,
// Content-Length, Connection: close unless `close` is false, Via) with body "<status>
// <reason>\n" plus `detail` — or no body (the length still announced) for a HEAD request,
// `with_body` false.
std::string ErrorResponse(int status, absl::string_view detail, absl::string_view pseudonym,
                          bool close = true, bool with_body = true);

}  // namespace proxy

#endif  // PROXY_FORWARDING_H_
