// Server-Sent Events framing for the live event stream
// (GET /api/events/stream): one emitted event becomes one SSE message.
//
// Thread-safety: free functions on values; safe from any thread.
// Errors: none; they format whatever they are given (see the preconditions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace eventhost {

// One emitted event as the stream carries it. Immutable once published.
struct StreamEvent {
  std::uint64_t id = 0;  // the host's event id (the SSE id: field)
  std::string name;      // "channel.created"; never contains a line break
  std::string data;      // the payload, JSON text
  std::int64_t emitted_at_us = 0;
};

// "id: <id>\nevent: <name>\ndata: <data>\n\n". Data containing line breaks
// (\n, \r\n or \r) is split into several data: lines, which the client
// joins back with '\n' (the SSE rule).
std::string format_sse(const StreamEvent& event);

// An event as the stream holds it once published: the event and its SSE
// message (format_sse), encoded once for every client, which send frame()
// itself rather than a copy of their own. It is encoded when first asked
// for, so an event no client ever gets costs no encoding. Thread-safety:
// frame() may be called from any thread.
struct PublishedEvent : StreamEvent {
  explicit PublishedEvent(StreamEvent event) : StreamEvent(std::move(event)) {}
  const std::string& frame() const {
    std::call_once(encoded_, [this] { frame_ = format_sse(*this); });
    return frame_;
  }

 private:
  mutable std::once_flag encoded_;
  mutable std::string frame_;  // written once, under encoded_
};

// Events are shared, not copied, between the ring and every client queue.
using StreamEventPtr = std::shared_ptr<const PublishedEvent>;

// A comment (": <text>\n\n"), which clients ignore: heartbeats and notes
// such as "resumed with 12 events missing". Multi-line text gives one
// comment line per line.
std::string format_sse_comment(std::string_view text);

// The last message sent to a client cut off because its queue of
// `client_queue` events filled up: a comment saying why, so a human reading
// the stream knows, then the connection is closed by the server.
std::string format_sse_overflow(std::size_t client_queue);

}  // namespace eventhost
