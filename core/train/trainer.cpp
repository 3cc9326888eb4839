#include "core/train/trainer.h"

#include <chrono>

#include "core/model/model.h"

namespace moe::core {

const char* trainerStateName(TrainerState s) {
  switch (s) {
    case TrainerState::Idle: return "idle";
    case TrainerState::Running: return "running";
    case TrainerState::Paused: return "paused";
    case TrainerState::Finished: return "finished";
    case TrainerState::Failed: return "failed";
    case TrainerState::Stopped: return "stopped";
  }
  return "?";
}

Trainer::Trainer(std::unique_ptr<Session> session)
    : mSession(std::move(session)),
      mData(mSession->data()),
      mInitialConfig(mSession->config()),
      mQuality(mSession->qualityMetric()),
      mHistory(mQuality) {
  mSnapshot.state = TrainerState::Paused;
  mSnapshot.stepsPerEpoch = mSession->stepsPerEpoch();
  mSnapshot.backendName = mSession->backendDescription();
  // Training yields to interactive threads: a GUI's event loop stays responsive on a busy CPU.
  mSession->backend().setBackgroundPriority();
  mThread = std::thread([this] { run(); });
}

Trainer::~Trainer() {
  {
    std::lock_guard lock(mMutex);
    mStop = mQuit = true;
    mWake.notify_all();
  }
  if (mThread.joinable()) mThread.join();
  mCommands.clear();  // commands never run: their futures report a broken promise
}

void Trainer::play() {
  std::lock_guard lock(mMutex);
  mMode = Mode::Running;
  mWake.notify_all();
}

void Trainer::pause() {
  std::lock_guard lock(mMutex);
  mMode = Mode::Paused;
  mWake.notify_all();
}

void Trainer::stepBatch() {
  std::lock_guard lock(mMutex);
  mMode = Mode::Steps;
  mStepsLeft = 1;
  mWake.notify_all();
}

void Trainer::stepEpoch() {
  std::lock_guard lock(mMutex);
  mMode = Mode::ToEpochEnd;
  mWake.notify_all();
}

void Trainer::stop() {
  std::lock_guard lock(mMutex);
  mStop = true;
  mWake.notify_all();
}

void Trainer::enqueue(std::function<void(Session&)> fn) {
  std::lock_guard lock(mMutex);
  mCommands.push_back(std::move(fn));
  mWake.notify_all();
}

std::future<void> Trainer::post(std::function<void(Session&)> fn) {
  auto promise = std::make_shared<std::promise<void>>();
  auto future = promise->get_future();
  enqueue([fn = std::move(fn), promise](Session& s) {
    try {
      fn(s);
      promise->set_value();
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return future;
}

template <typename T>
std::future<T> Trainer::ask(std::function<T(Session&)> fn) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  enqueue([fn = std::move(fn), promise](Session& s) {
    try {
      promise->set_value(fn(s));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return future;
}

std::future<Inspection> Trainer::inspect(int testIndex) {
  return ask<Inspection>([testIndex](Session& s) { return s.inspect(testIndex); });
}

std::future<Inspection> Trainer::inspectText(std::string text) {
  return ask<Inspection>([text = std::move(text)](Session& s) { return s.inspectText(text); });
}

std::future<UserRecommendations> Trainer::recommend(int user, int n) {
  return ask<UserRecommendations>([user, n](Session& s) { return s.recommend(user, n); });
}

void Trainer::setLearningRate(double lr) {
  enqueue([lr](Session& s) { s.mutableConfig().optim.lr = lr; s.applyLive(); });
}
void Trainer::setAuxWeight(double w) {
  enqueue([w](Session& s) { s.mutableConfig().loss.auxWeight = w; });
}
void Trainer::setZLossWeight(double w) {
  enqueue([w](Session& s) { s.mutableConfig().loss.zLossWeight = w; });
}
void Trainer::setImportanceWeight(double w) {
  enqueue([w](Session& s) { s.mutableConfig().loss.importanceWeight = w; });
}
void Trainer::setLoadWeight(double w) {
  enqueue([w](Session& s) { s.mutableConfig().loss.loadWeight = w; });
}
void Trainer::setCapacityFactor(double cf) {
  enqueue([cf](Session& s) { s.mutableConfig().model.capacityFactor = cf; s.applyLive(); });
}
void Trainer::setNoiseScale(double v) {
  enqueue([v](Session& s) { s.mutableConfig().model.noiseScale = v; s.applyLive(); });
}
void Trainer::setEvalEvery(long steps) {
  std::lock_guard lock(mMutex);
  mEvalEvery = steps;
}

void Trainer::historySince(HistoryCursor& cursor, RunHistory& out) const {
  std::lock_guard lock(mMutex);
  out.appendFrom(mHistory, cursor);
}

std::size_t Trainer::evalsSince(std::size_t from,
                                std::vector<std::shared_ptr<const EvalReport>>& out) const {
  std::lock_guard lock(mMutex);
  for (std::size_t i = from; i < mEvals.size(); ++i) out.push_back(mEvals[i]);
  return mEvals.size();
}

Snapshot Trainer::snapshot() const {
  std::lock_guard lock(mMutex);
  return mSnapshot;
}

TrainerState Trainer::state() const {
  std::lock_guard lock(mMutex);
  return mSnapshot.state;
}

void Trainer::publishPosition() {
  mSnapshot.step = mSession->step();
  mSnapshot.epoch = mSession->epoch();
  mSnapshot.epochProgress = mSession->epochProgress();
  mSnapshot.classExpertTrain = mSession->classExpertTrain();
}

std::future<void> Trainer::loadCheckpoint(std::string path) {
  return post([this, path = std::move(path)](Session& s) {
    s.load(path);
    publishLoaded(s.evaluate());
  });
}

void Trainer::publishLoaded(std::shared_ptr<const EvalReport> eval) {
  std::lock_guard lock(mMutex);
  mEvals.push_back(eval);
  mSnapshot.lastEval = std::move(eval);
  publishPosition();
}

void Trainer::publish(const StepMetrics* m, std::shared_ptr<const EvalReport> eval) {
  std::lock_guard lock(mMutex);
  if (m) {
    mHistory.append(*m);
    mSnapshot.latest = *m;
    mSnapshot.samplesPerSecond = m->samplesPerSecond;
  }
  if (eval) {
    mHistory.append(*eval);
    mEvals.push_back(eval);
    mSnapshot.lastEval = std::move(eval);
  }
  copyEvents();
  publishPosition();
}

void Trainer::copyEvents() {
  const std::vector<RouterEvent>& events = mSession->events();
  for (; mEventsSeen < events.size(); ++mEventsSeen) mHistory.appendEvent(events[mEventsSeen]);
}

void Trainer::run() {
  for (;;) {
    std::function<void(Session&)> command;
    bool doStep = false;
    {
      std::unique_lock lock(mMutex);
      const bool stopped = mStop;
      if (stopped) {
        if (mSnapshot.state != TrainerState::Failed && mSnapshot.state != TrainerState::Finished)
          mSnapshot.state = TrainerState::Stopped;
      } else if (mMode == Mode::Paused && mSnapshot.state == TrainerState::Running) {
        // pause() may land between a step's bookkeeping and this point: about to wait
        // paused, the snapshot must not keep saying Running.
        mSnapshot.state = TrainerState::Paused;
      }
      // A stopped run trains no more but still serves commands (save, inspect) until the
      // Trainer is destroyed, so their futures complete.
      mWake.wait(lock, [&] {
        return mQuit || !mCommands.empty() || mStop != stopped || (!mStop && mMode != Mode::Paused);
      });
      if (mQuit) break;
      if (!mCommands.empty()) {
        command = std::move(mCommands.front());
        mCommands.pop_front();
      } else if (mStop) {
        continue;
      } else if (mSession->finished()) {
        mMode = Mode::Paused;
        mSnapshot.state = TrainerState::Finished;
        continue;
      } else {
        doStep = true;
        mSnapshot.state = TrainerState::Running;
      }
    }
    if (command) {
      command(*mSession);  // commands report their own errors through futures
      continue;
    }
    if (!doStep) continue;
    try {
      const auto t0 = std::chrono::steady_clock::now();
      const StepMetrics m = mSession->trainStep();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      long evalEvery;
      {
        std::lock_guard lock(mMutex);
        evalEvery = mEvalEvery;
      }
      const bool epochEnd = mSession->epochFinished();
      const bool evalNow = epochEnd || (evalEvery > 0 && m.step % evalEvery == 0);
      publish(&m, evalNow ? mSession->evaluate() : nullptr);
      std::lock_guard lock(mMutex);
      mSnapshot.trainSeconds += seconds;
      mSnapshot.trainedSamples += m.samples;
      if (mMode == Mode::Steps && --mStepsLeft <= 0) mMode = Mode::Paused;
      if (mMode == Mode::ToEpochEnd && epochEnd) mMode = Mode::Paused;
      if (mMode == Mode::Paused) mSnapshot.state = TrainerState::Paused;
      if (mSession->finished()) {
        mMode = Mode::Paused;
        mSnapshot.state = TrainerState::Finished;
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mMutex);
      // A diverged or failed step pauses the run; the history and weights are kept.
      copyEvents();  // a refused step's non_finite event
      mMode = Mode::Paused;
      mSnapshot.state = TrainerState::Paused;
      mSnapshot.message = e.what();
    }
  }
}

}  // namespace moe::core
