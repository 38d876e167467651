#include "airan/serve/generation_router.h"

#include <utility>

namespace airan::serve {

// What the router and its streams share; it outlives the router while a stream holds it.
// Lock order: RouterShared::mutex, then StreamChannel::mutex.
struct RouterShared {
  std::mutex mutex;
  std::condition_variable work;   // submit() -> the stepping thread
  llm::Engine* engine = nullptr;  // nullptr once the router is gone
  std::unordered_map<uint64_t, std::shared_ptr<StreamChannel>> channels;
  RouterCounters counters;
};

struct StreamChannel {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<StreamEvent> events;
  bool finished = false;          // the finished event was delivered (under RouterShared::mutex)
  bool cancel_requested = false;  // (under RouterShared::mutex)
};

GenerationStream::GenerationStream(std::shared_ptr<RouterShared> shared,
                                   std::shared_ptr<StreamChannel> channel, uint64_t sequence)
    : shared_(std::move(shared)), channel_(std::move(channel)), sequence_(sequence) {}

GenerationStream::~GenerationStream() {
  if (!done_) cancel();
}

std::optional<StreamEvent> GenerationStream::next(std::chrono::milliseconds timeout) {
  if (done_) return std::nullopt;
  std::unique_lock lock(channel_->mutex);
  if (!channel_->ready.wait_for(lock, timeout, [&] { return !channel_->events.empty(); })) {
    return std::nullopt;
  }
  StreamEvent ev = std::move(channel_->events.front());
  channel_->events.pop_front();
  if (ev.finished) done_ = true;
  return ev;
}

void GenerationStream::cancel() {
  std::lock_guard lock(shared_->mutex);
  if (shared_->engine == nullptr || channel_->finished || channel_->cancel_requested) return;
  channel_->cancel_requested = true;
  ++shared_->counters.cancels_requested;
  // Cannot fail: the sequence is known to the engine and not reported finished (both checked
  // under the mutex deliver() holds).
  (void)shared_->engine->cancel(sequence_);
}

GenerationRouter::GenerationRouter(llm::Engine& engine, RouterLimits limits)
    : engine_(engine), limits_(limits), shared_(std::make_shared<RouterShared>()) {
  shared_->engine = &engine_;
}

GenerationRouter::~GenerationRouter() {
  std::lock_guard lock(shared_->mutex);
  shared_->engine = nullptr;
  // Streams still held end with an error event instead of waiting forever.
  for (auto& [id, channel] : shared_->channels) {
    std::lock_guard cl(channel->mutex);
    StreamEvent ev;
    ev.finished = true;
    ev.reason = llm::GenerationFinish::kError;
    ev.error = "the server is shutting down";
    channel->finished = true;
    channel->events.push_back(std::move(ev));
    channel->ready.notify_all();
  }
  shared_->channels.clear();
}

ApiResult<std::shared_ptr<GenerationStream>> GenerationRouter::submit(
    const llm::GenerationRequest& request) {
  std::lock_guard lock(shared_->mutex);
  RouterCounters& c = shared_->counters;
  if (shared_->channels.size() >= limits_.max_queued) {
    ++c.rejected_full;
    ApiError e;
    e.http_status = 429;
    e.type = "rate_limit_error";
    e.code = "queue_full";
    e.message = "the server is busy: " + std::to_string(limits_.max_queued) +
                " requests are already queued or running; retry later";
    return e;
  }
  // Submitting and registering under one lock: deliver() cannot see the sequence before its
  // channel exists.
  auto id = engine_.submit(request);
  if (!id) {
    ++c.rejected_invalid;
    ApiError e;
    e.http_status = 400;
    e.message = id.error().message;
    return e;
  }
  auto channel = std::make_shared<StreamChannel>();
  shared_->channels.emplace(*id, channel);
  ++c.admitted;
  shared_->work.notify_all();
  return std::shared_ptr<GenerationStream>(new GenerationStream(shared_, channel, *id));
}

void GenerationRouter::deliver(std::span<const llm::TokenEvent> events) {
  std::lock_guard lock(shared_->mutex);
  RouterCounters& c = shared_->counters;
  for (const llm::TokenEvent& ev : events) {
    auto it = shared_->channels.find(ev.sequence);
    if (it == shared_->channels.end()) continue;  // submitted to the engine by someone else
    StreamChannel& ch = *it->second;
    if (ev.finished) {
      c.prompt_tokens += ev.prompt_tokens;
      c.completion_tokens += ev.completion_tokens;
      if (ev.reason == llm::GenerationFinish::kCancelled) {
        ++c.cancelled;
      } else if (ev.reason == llm::GenerationFinish::kError) {
        ++c.failed;
      } else {
        ++c.finished;
      }
    }
    {
      std::lock_guard cl(ch.mutex);
      StreamEvent se;
      se.text = ev.text;
      se.finished = ev.finished;
      se.reason = ev.reason;
      se.prompt_tokens = ev.prompt_tokens;
      se.completion_tokens = ev.completion_tokens;
      se.error = ev.error;
      ch.events.push_back(std::move(se));
      if (ev.finished) ch.finished = true;
      ch.ready.notify_all();
    }
    if (ev.finished) shared_->channels.erase(it);
  }
}

bool GenerationRouter::wait_for_work(const std::atomic<bool>& stop,
                                     std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  return shared_->work.wait_for(lock, timeout, [&] {
    return stop.load(std::memory_order_acquire) || engine_.pending() > 0;
  }) && engine_.pending() > 0;
}

void GenerationRouter::wake() {
  std::lock_guard lock(shared_->mutex);
  shared_->work.notify_all();
}

RouterCounters GenerationRouter::counters() const {
  std::lock_guard lock(shared_->mutex);
  RouterCounters c = shared_->counters;
  c.in_flight = shared_->channels.size();
  return c;
}

EngineLoop::EngineLoop(GenerationRouter& router) : router_(router) {}

EngineLoop::~EngineLoop() {
  stop();
}

void EngineLoop::start() {
  if (thread_.joinable()) return;
  stop_.store(false, std::memory_order_release);
  thread_ = std::thread([this] { run(); });
}

void EngineLoop::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  router_.wake();
  thread_.join();
}

void EngineLoop::run() {
  llm::Engine& engine = router_.engine();
  while (!stop_.load(std::memory_order_acquire)) {
    if (engine.pending() == 0) {
      // The timeout only bounds a wait; submit() and stop() wake it.
      router_.wait_for_work(stop_, std::chrono::seconds(1));
      continue;
    }
    const std::span<const llm::TokenEvent> events = engine.step();
    steps_.fetch_add(1, std::memory_order_relaxed);  // counted before the events are seen
    router_.deliver(events);
  }
}

}  // namespace airan::serve
