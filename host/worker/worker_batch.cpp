// WorkerPlugin's delivery of events to its worker: the window of events in
// flight, their results (from the frames the worker sends at the end of
// each frame of events, or from its progress page), and what a crash, a
// broken protocol or a call past its budget does to them.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "worker/worker_plugin.h"

namespace eventhost::worker {
namespace {

std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

bool WorkerPlugin::send_events(const std::vector<Work>& works,
                               Clock::time_point deadline) {
  FrameWriter frame(MessageType::kEvents);
  frame.u32(static_cast<std::uint32_t>(works.size()));
  for (const Work& work : works) {
    const Event& e = *work.event;
    put_event(frame, e.id, e.name, e.payload, e.emitted_at_us,
              static_cast<std::uint32_t>(e.level), work.attempt);
  }
  if (process_->channel().send(frame.finish(), deadline) !=
      FrameChannel::Status::kOk) {
    return false;
  }
  calls_sent_ += works.size();
  return true;
}

// Sends the next frame of events while the worker still has the current
// one to go through, so it never waits for this thread between frames.
// At most two frames are in flight (the progress page has a slot for each
// call of both); what cannot be sent goes back.
void WorkerPlugin::feed(Window& w, Clock::time_point deadline) {
  if (w.works.size() - w.next > policy_.batch) return;
  std::vector<Work> more;
  if (!runner_->pop_more(&more, policy_.batch)) return;
  if (!send_events(more, deadline)) {
    put_back(more);  // the answers for the window will say what happened
    return;
  }
  w.works.insert(w.works.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
}

// `batch` is the window of events sent, in order; it grows as feed() sends
// more. The worker sends the results of a frame of events together, once
// it is through with it; while none come, this thread looks at the
// progress page every tick, to report the calls that ended and to see
// whether the one in flight is past its budget.
void WorkerPlugin::run_batch(std::vector<Work>& batch) {
  const auto budget = spec_.timeout + policy_.kill_grace;
  // Often enough to report a finished call soon after it ends, and to kill
  // a stuck one within an eighth of its budget.
  const Clock::duration tick = std::clamp<Clock::duration>(
      budget / 8, std::chrono::milliseconds(1), std::chrono::milliseconds(100));
  Window w{batch, calls_sent_ + 1};
  w.entered = progress_->entered();
  w.since = Clock::now();
  if (!send_events(batch, w.since + budget)) {
    std::vector<Work> rest(batch.begin(), batch.end());
    lose_worker("stopped taking events", true);
    put_back(rest);
    return;
  }
  // Until every result frame is in, even for calls already reported from
  // the page: the next batch must not read this one's frames.
  while (w.framed < batch.size()) {
    feed(w, Clock::now() + budget);
    Frame answer;
    const Wait got = await(MessageType::kResult, &answer,
                           std::min(w.since + budget, Clock::now() + tick));
    if (got == Wait::kAnswer) {
      const std::string wrong = take_frame(answer, w);
      if (wrong.empty()) continue;
      // The worker runs the plugin's code: treat nonsense from it as hostile
      // and start afresh. The event it was on counts as crashed.
      lose_worker(wrong, true);
      blame(w, Outcome::kCrashed, "worker " + wrong);
      return;
    }
    if (got == Wait::kTimeout) {
      if (progressed(w) || Clock::now() < w.since + budget) continue;
      overran(w);
      return;
    }
    // Dead: the page says which calls ended before it died. Broke the
    // protocol: nothing it said since its last good frame is believed.
    if (got == Wait::kDied) take_progress(w, false);
    crashed(w);
    return;
  }
}

// One result frame: for the next event in the window, in order.
std::string WorkerPlugin::take_frame(const Frame& answer, Window& w) {
  WireResult result;
  try {
    FrameReader r(answer.body);
    result = get_result(r);
  } catch (const ProtocolError& e) {
    return std::string("sent a malformed result (") + e.what() + ")";
  }
  std::string wrong = check_result(result, w.works[w.framed]);
  if (!wrong.empty()) return wrong;
  w.since = Clock::now();
  if (w.framed++ < w.next) return "";  // reported already, from the page
  deliver_result(w.works[w.next++], result);
  return "";
}

// Reports the calls the progress page says ended, in order, from the
// window's next; stops at a slot it cannot use (a hostile worker may write
// anything there: its frames still have to agree) and, if `whole_only`, at
// a message cut to fit its slot (its frame will bring it whole). True if
// it reported any.
bool WorkerPlugin::take_progress(Window& w, bool whole_only) {
  const std::uint64_t left = progress_->left();
  bool took = false;
  while (w.next < w.works.size() && w.first_seq + w.next <= left) {
    const Work& work = w.works[w.next];
    WireResult result;
    bool cut = false;
    if (!progress_->result(w.first_seq + w.next, &result, &cut) ||
        !check_result(result, work).empty() || (cut && whole_only)) {
      break;
    }
    if (cut) {
      result.message += " [cut at " +
                        std::to_string(CallProgress::kMessageMax) +
                        " bytes: the worker ended before it sent it whole]";
    }
    deliver_result(work, result);
    ++w.next;
    took = true;
  }
  return took;
}

// True if the page says the worker began a call after the one it was in
// at the last look (and notes it). Only a call it was sent counts, each
// once: a worker that scribbles on its page cannot put off its timeout
// for longer than the calls it really has.
bool WorkerPlugin::entered_another(Window& w) {
  const std::uint64_t entered = progress_->entered();
  if (entered <= w.entered || entered >= w.first_seq + w.works.size()) {
    return false;
  }
  w.entered = entered;
  return true;
}

// Called when no frame came for a tick: true if the worker got on since
// the last look (began another call, or ended one, now reported).
bool WorkerPlugin::progressed(Window& w) {
  bool moved = entered_another(w);
  if (take_progress(w, true)) moved = true;
  if (moved) w.since = Clock::now();
  return moved;
}

void WorkerPlugin::deliver_result(const Work& work, const WireResult& result) {
  if (result.outcome == static_cast<std::uint8_t>(Outcome::kOk)) {
    consecutive_crashes_ = 0;
  }
  report(work, static_cast<Outcome>(result.outcome), result.message,
         std::chrono::nanoseconds(result.duration_ns), result.code);
}

// Reports the window's next event with `outcome` and puts the events
// after it back at the front of the queue. The worker is already gone.
void WorkerPlugin::blame(Window& w, Outcome outcome,
                         const std::string& message) {
  if (w.next >= w.works.size()) return;  // it went between calls
  std::vector<Work> rest(w.works.begin() + static_cast<long>(w.next) + 1,
                         w.works.end());
  report(w.works[w.next], outcome, message, Clock::now() - w.since);
  put_back(rest);
}

// The worker died or broke the protocol (await() reaped it): the event it
// was in counts as crashed.
void WorkerPlugin::crashed(Window& w) {
  const std::string how = died_how_;
  lose_worker(how, true);
  const bool looping = crash_loop(how);
  if (w.next < w.works.size()) {
    blame(w, Outcome::kCrashed,
          "worker " + how + " in " + w.works[w.next].event->name +
              (looping ? "" : "; restarting it"));
  }
}

// No progress for the whole budget: the worker is killed, and the event it
// was in is timed out. What ended before the kill is reported as it ended.
void WorkerPlugin::overran(Window& w) {
  process_->reap(std::chrono::milliseconds(0));  // SIGKILL: the page holds
  // If the stuck call ended just before the kill, the worker was killed in
  // a call that had not overrun: that one goes back to the queue.
  const bool moved_on = entered_another(w);
  take_progress(w, false);
  if (w.next >= w.works.size()) {
    lose_worker("killed: sent no results for " + ms_text(spec_.timeout) +
                    " + " + ms_text(policy_.kill_grace) +
                    " after its last call",
                true);
    return;
  }
  const Work& current = w.works[w.next];
  const std::string which =
      current.event->name + " #" + std::to_string(current.event->id);
  if (moved_on) {
    lose_worker("killed as " + which + " began, after a call that ran " +
                    "past its budget ended",
                false);
    std::vector<Work> rest(w.works.begin() + static_cast<long>(w.next),
                           w.works.end());
    put_back(rest);
    return;
  }
  lose_worker("killed: " + which + " ran past its " + ms_text(spec_.timeout) +
                  " budget + " + ms_text(policy_.kill_grace) + " grace",
              false);
  blame(w, Outcome::kTimeout,
        "ran past its budget of " + ms_text(spec_.timeout) + " and the " +
            ms_text(policy_.kill_grace) +
            " grace; its worker was killed (SIGKILL) and restarted");
}

// "" if `result` is a possible result for `expected`, else what is wrong
// with it. A worker may report only what a call can end in.
std::string WorkerPlugin::check_result(const WireResult& result,
                                       const Work& expected) {
  if (result.event_id != expected.event->id) {
    return "answered for event " + std::to_string(result.event_id) +
           " while handling " + std::to_string(expected.event->id);
  }
  const auto outcome = static_cast<Outcome>(result.outcome);
  if (outcome != Outcome::kOk && outcome != Outcome::kError &&
      outcome != Outcome::kException && outcome != Outcome::kTimeout) {
    return "reported an impossible outcome (" + std::to_string(result.outcome) +
           ")";
  }
  return "";
}

}  // namespace eventhost::worker
