// SseSession -- GET /api/events/stream: one live-stream client, fed from
// an EventStream subscription as Server-Sent Events, with heartbeats, a
// resume from the journal (Last-Event-ID) and an end when the client falls
// behind, hangs up or the server stops. Internal to http_server.cpp.
//
// Threading: the connection's strand on the server's stream I/O pool (the
// request I/O pool's, over TLS); the stream's publishing thread wakes it
// through Poster.
#pragma once

#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/server_parts.h"
#include "stream/event_stream.h"
#include "stream/sse.h"

namespace eventhost::http_detail {

namespace http = boost::beast::http;

inline std::vector<std::string> split_patterns(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

inline std::string sse_event(const std::string& type, const std::string& data) {
  return "event: " + type + "\ndata: " + data + "\n\n";
}

template <typename Stream>
class SseSession : public Connection,
                   public std::enable_shared_from_this<SseSession<Stream>> {
 public:
  // `slot` is the connection's place under --max-connections (null on the
  // control socket), held for as long as the stream runs.
  SseSession(Stream stream, HttpServer::Impl& server,
             std::shared_ptr<Slot> slot)
      : stream_(std::move(stream)),
        server_(server),
        executor_(stream_.get_executor()),
        heartbeat_(executor_),
        slot_(std::move(slot)) {}
  ~SseSession() override {
    if (subscriber_) subscriber_->close();
  }

  // The connection's strand.
  const asio::any_io_executor& executor() const { return executor_; }

  void start(const HttpRequest& req) {
    std::weak_ptr<SseSession> weak = this->shared_from_this();
    auto poster = server_.poster;
    const auto resume = req.last_event_id();
    subscriber_ =
        server_.stream.subscribe(split_patterns(req.query("events")), resume,
                                 [poster, weak, executor = executor_] {
                                   poster->post(executor, [weak] {
                                     if (auto self = weak.lock()) self->pump();
                                   });
                                 });
    pending_ = ": eventhost live stream\n\n";
    if (resume && server_.options.backfill) {
      resume_from_journal(*resume, split_patterns(req.query("events")));
    } else if (subscriber_->missed_on_resume() > 0) {
      pending_ += sse_event(
          "gap",
          "{\"missed\": " + std::to_string(subscriber_->missed_on_resume()) +
              ", \"reason\": \"no longer held in memory\"}");
    }
    response_.result(http::status::ok);
    response_.version(11);
    response_.set(http::field::content_type, "text/event-stream");
    response_.set(http::field::cache_control, "no-cache");
    response_.chunked(true);
    serializer_.emplace(response_);
    writing_ = true;
    http::async_write_header(
        stream_, *serializer_,
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec) return self->close();
          self->watch_for_hangup();
          self->schedule_heartbeat();
          self->pump();
        });
  }

  // Sends the journal's events after `after` that the ring could not, then
  // the ring's, each once and in order. More than kMaxBackfill is a gap:
  // the client resumes again from the last id it got.
  void resume_from_journal(std::uint64_t after,
                           const std::vector<std::string>& filter) {
    constexpr std::size_t kMaxBackfill = 10000;
    std::vector<StreamEventPtr> held = subscriber_->take();
    const std::uint64_t upto = !held.empty() ? held.front()->id - 1
                               : subscriber_->newest_at_subscribe() != 0
                                   ? subscriber_->newest_at_subscribe()
                                   : UINT64_MAX;
    std::uint64_t last = after;
    const auto durable =
        server_.options.backfill(after, upto, filter, kMaxBackfill);
    for (const StreamEvent& e : durable) {
      pending_ += format_sse(e);
      last = e.id;
    }
    if (durable.size() == kMaxBackfill) {
      pending_ += sse_event(
          "gap", "{\"reason\": \"more than " + std::to_string(kMaxBackfill) +
                     " events to resume; reconnect with "
                     "Last-Event-ID " +
                     std::to_string(last) + " for the rest\"}");
      finish_after_write_ = true;  // the client comes back for the rest
      return;
    }
    for (const StreamEventPtr& e : held) {
      if (e->id > last) pending_ += e->frame();
    }
  }

  void go_away() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      if (self->closing_) return;
      self->pending_ +=
          sse_event("shutdown", "{\"reason\": \"server stopping\"}");
      self->finish_after_write_ = true;
      self->pump();
    });
  }

 private:
  // Sends what is waiting in one chunk: the notices first, then the
  // queued events' frames (encoded once for every client, see
  // PublishedEvent), then an overflow notice if the queue filled. The
  // frames are copied into the chunk rather than written in place: one
  // write buffer per event made a chunk of 1 000 events take 16 writev
  // calls (Asio passes at most 64 buffers each), which cost more than
  // the copy (bench "sse": 0.5-0.8 M copies/s against 1.6-2 M).
  void pump() {
    if (writing_ || closing_) return;
    // Read before take(): an overflowed queue gets nothing more, so every
    // event is sent before the overflow notice. Read after, a refill
    // between the two calls would follow the notice.
    const bool overflowed = subscriber_->overflowed();
    const std::vector<StreamEventPtr> events = subscriber_->take();
    std::size_t size = pending_.size();
    for (const StreamEventPtr& e : events) size += e->frame().size();
    out_.clear();
    out_.reserve(size);
    out_ += pending_;
    pending_.clear();
    for (const StreamEventPtr& e : events) out_ += e->frame();
    if (overflowed && !finish_after_write_) {
      out_ += sse_event(
          "overflow",
          "{\"error\": \"this client fell behind: its queue filled, so the "
          "server disconnected it; reconnect with Last-Event-ID to "
          "resume\"}");
      finish_after_write_ = true;
    }
    if (out_.empty()) {
      if (finish_after_write_) finish();
      return;
    }
    writing_ = true;
    asio::async_write(
        stream_, http::make_chunk(asio::buffer(out_)),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          self->writing_ = false;
          // A burst's big chunk is not kept for the quiet that follows.
          if (self->out_.capacity() > kKeptChunk)
            std::string().swap(self->out_);
          if (ec) return self->close();
          self->pump();
        });
  }

  // Ends the chunked body properly, then closes. Over TLS the close sends
  // close_notify, so the client can tell the end from a cut connection:
  // the hang-up read is cancelled first (SSL allows one read at a time,
  // and the shutdown reads), and its handler starts the shutdown.
  void finish() {
    if (closing_) return;
    closing_ = true;
    writing_ = true;
    asio::async_write(
        stream_, http::make_chunk_last(),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          self->writing_ = false;
          if constexpr (is_tls<Stream>) {
            if (!ec && self->watching_) {
              self->tls_closing_ = true;
              error_code ignored;
              lowest(self->stream_).cancel(ignored);
              return;
            }
          }
          self->close();
        });
  }

  // A client sends nothing after its request; a read that completes means
  // it hung up (or misbehaves), either way the stream ends.
  void watch_for_hangup() {
    watching_ = true;
    stream_.async_read_some(
        asio::buffer(probe_),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (self->tls_closing_) {
            self->watching_ = false;
            return self->shutdown_tls();
          }
          if (ec) return self->close();
          self->watch_for_hangup();
        });
  }

  // Sends close_notify and waits for the client's, at most kTlsShutdown.
  void shutdown_tls() {
    if constexpr (is_tls<Stream>) {
      heartbeat_.expires_after(kTlsShutdown);
      heartbeat_.async_wait([weak = this->weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (!self || ec) return;
        error_code ignored;
        lowest(self->stream_).cancel(ignored);  // ends the shutdown at once
      });
      stream_.async_shutdown(
          [self = this->shared_from_this()](error_code) { self->close(); });
    }
  }

  void schedule_heartbeat() {
    heartbeat_.expires_after(server_.options.heartbeat);
    heartbeat_.async_wait([weak = this->weak_from_this()](error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closing_) return;
      self->pending_ += format_sse_comment("heartbeat");
      self->pump();
      self->schedule_heartbeat();
    });
  }

  void close() {
    closing_ = true;
    heartbeat_.cancel();
    if (subscriber_) subscriber_->close();
    error_code ignored;
    lowest(stream_).close(ignored);
  }

  static constexpr std::size_t kKeptChunk = 64 * 1024;  // bytes

  Stream stream_;
  HttpServer::Impl& server_;
  const asio::any_io_executor executor_;  // the connection's strand
  asio::steady_timer heartbeat_;
  std::shared_ptr<Slot> slot_;
  std::shared_ptr<EventStream::Subscriber> subscriber_;
  http::response<http::empty_body> response_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::string pending_;  // comments and notices waiting for the next write
  std::string out_;      // the chunk being written (its capacity is reused)
  char probe_[256];
  bool writing_ = false, closing_ = false, finish_after_write_ = false;
  bool watching_ = false, tls_closing_ = false;
};

}  // namespace eventhost::http_detail
