#include "stream/sse.h"

namespace eventhost {
namespace {

// Appends one "<prefix><line>\n" per line of `text`. SSE treats \r\n, \r
// and \n alike as line ends, so all three must split, or a stray \r in a
// payload would end the field early on the client.
void append_lines(std::string& out, std::string_view prefix,
                  std::string_view text) {
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find_first_of("\r\n", start);
    out.append(prefix);
    out.append(text.substr(start, end - start));
    out.push_back('\n');
    if (end == std::string_view::npos) return;
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') {
      ++start;
    }
  }
}

}  // namespace

std::string format_sse(const StreamEvent& event) {
  std::string out;
  out.reserve(event.name.size() + event.data.size() + 48);
  out.append("id: ").append(std::to_string(event.id)).push_back('\n');
  out.append("event: ").append(event.name).push_back('\n');
  append_lines(out, "data: ", event.data);
  out.push_back('\n');
  return out;
}

std::string format_sse_comment(std::string_view text) {
  std::string out;
  append_lines(out, ": ", text);
  out.push_back('\n');
  return out;
}

std::string format_sse_overflow(std::size_t client_queue) {
  return format_sse_comment(
      "disconnected: this client fell " + std::to_string(client_queue) +
      " events behind; reconnect with Last-Event-ID to resume");
}

}  // namespace eventhost
