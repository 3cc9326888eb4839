#include "ui/sessioncontroller.h"

#include <exception>

#include <QDir>
#include <QFileInfo>

#include "core/task/registry.h"
#include "core/train/output_check.h"
#include "core/train/session_factory.h"
#include "core/train/trainer.h"
#include "ui/sessionio.h"

namespace moe::ui {

namespace {

bool ready(const auto& future) {
  return future.valid() && future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

}  // namespace

struct SessionController::BuildResult {
  std::shared_ptr<const core::DataSplits> data;
  std::unique_ptr<core::Trainer> trainer;
  std::string error;
  std::string notice;
};

SessionController::SessionController(QObject* parent) : QObject(parent) {
  mTimer.setInterval(100);  // 10 Hz: live to the eye; plots redraw at most 3-4 times a second anyway
  connect(&mTimer, &QTimer::timeout, this, &SessionController::poll);
  mTimer.start();
}

SessionController::~SessionController() {
  if (mTrainer) mTrainer->stop();
  if (mBuild.valid()) mBuild.wait();
}

void SessionController::apply(const core::TrainConfig& config) {
  if (mBuild.valid()) {
    Q_EMIT notice(tr("Still building the previous session; try again in a moment."), false);
    return;
  }
  mBuildConfig = config;
  mBuildStart = std::chrono::steady_clock::now();
  const std::string key = core::dataKey(config);
  std::shared_ptr<const core::DataSplits> cached = key == mDataKey ? mData : nullptr;
  Q_EMIT buildStarted(cached ? tr("Building the model…")
                             : tr("Loading %1…").arg(QString::fromStdString(config.dataset)));
  mBuild = std::async(std::launch::async, [config, cached]() {
    auto result = std::make_shared<BuildResult>();
    try {
      core::SessionBuild build = core::buildSession(config, cached);
      result->data = build.data;
      result->notice = build.notice;
      result->trainer = std::make_unique<core::Trainer>(std::move(build.session));
    } catch (const std::exception& e) {
      result->error = e.what();
      result->trainer.reset();
    }
    return result;
  });
}

void SessionController::reset() { apply(mConfig); }

bool SessionController::isRunning() const {
  return mTrainer && mSnapshot.state == core::TrainerState::Running;
}

void SessionController::play() {
  if (!mTrainer) return;
  const auto s = mSnapshot.state;
  if (s == core::TrainerState::Stopped || s == core::TrainerState::Finished) {
    Q_EMIT notice(tr("This run has ended; press Reset (or Apply) to start a new one."), false);
    return;
  }
  mTrainer->play();
}

void SessionController::pause() {
  if (mTrainer) mTrainer->pause();
}

void SessionController::togglePlay() {
  if (isRunning())
    pause();
  else
    play();
}

void SessionController::stepBatch() {
  if (mTrainer) mTrainer->stepBatch();
}

void SessionController::stepEpoch() {
  if (mTrainer) mTrainer->stepEpoch();
}

void SessionController::stop() {
  if (mTrainer) mTrainer->stop();
}

void SessionController::setEvalEvery(long steps) {
  if (mTrainer) mTrainer->setEvalEvery(steps);
}

QString SessionController::liveName(Live which) {
  switch (which) {
    case Live::LearningRate: return tr("Learning rate");
    case Live::AuxWeight: return tr("Switch balance");
    case Live::ZLossWeight: return tr("Router z-loss");
    case Live::CapacityFactor: return tr("Capacity factor");
    case Live::NoiseScale: return tr("Gate noise");
  }
  return {};
}

void SessionController::setLive(Live which, double value) {
  const double from = which == Live::LearningRate  ? mConfig.optim.lr
                      : which == Live::AuxWeight   ? mConfig.loss.auxWeight
                      : which == Live::ZLossWeight ? mConfig.loss.zLossWeight
                      : which == Live::CapacityFactor ? mConfig.model.capacityFactor
                                                      : mConfig.model.noiseScale;
  switch (which) {
    case Live::LearningRate: mConfig.optim.lr = value; break;
    case Live::AuxWeight: mConfig.loss.auxWeight = value; break;
    case Live::ZLossWeight: mConfig.loss.zLossWeight = value; break;
    case Live::CapacityFactor: mConfig.model.capacityFactor = value; break;
    case Live::NoiseScale: mConfig.model.noiseScale = value; break;
  }
  if (!mTrainer) return;
  switch (which) {
    case Live::LearningRate: mTrainer->setLearningRate(value); break;
    case Live::AuxWeight: mTrainer->setAuxWeight(value); break;
    case Live::ZLossWeight: mTrainer->setZLossWeight(value); break;
    case Live::CapacityFactor: mTrainer->setCapacityFactor(value); break;
    case Live::NoiseScale: mTrainer->setNoiseScale(value); break;
  }
  if (from == value) return;
  // Clicks through a spin box at one step are one change, from the first value to the last.
  if (!mLiveChanges.empty() && mLiveChanges.back().which == which && mLiveChanges.back().step == mSnapshot.step) {
    mLiveChanges.back().to = value;
    if (mLiveChanges.back().from == value) mLiveChanges.pop_back();
  } else {
    mLiveChanges.push_back({mSnapshot.step, which, from, value});
  }
  Q_EMIT liveChangesUpdated();
}

void SessionController::showEvaluation(std::size_t i) {
  auto pinned = i + 1 < mArchive.size() ? mArchive.at(i) : nullptr;
  if (pinned == mPinned) return;
  mPinned = std::move(pinned);
  Q_EMIT shownEvalChanged();
}

void SessionController::requestInspection(int testIndex) {
  if (!mTrainer) return;
  if (mInspection.valid()) {
    mNextInspection = testIndex;  // only the latest request matters
    return;
  }
  startInspection(testIndex);
}

void SessionController::startInspection(int testIndex) {
  mInspectionIndex = testIndex;
  mInspection = mTrainer->inspect(testIndex);
}

void SessionController::requestTextInspection(const QString& text) {
  if (!mTrainer) return;
  if (mTextInspection.valid()) {
    mNextText = text;  // only the latest text matters
    return;
  }
  mTextInspection = mTrainer->inspectText(text.toStdString());
}

void SessionController::requestRecommendations(int user, int n) {
  if (!mTrainer) return;
  if (mRecommendation.valid()) {
    mNextRecommendation = std::make_pair(user, n);
    return;
  }
  mRecommendation = mTrainer->recommend(user, n);
}

const core::TaskInfo& SessionController::task() const {
  return mData ? core::taskFor(mData->train) : core::imageClassificationTask();
}

void SessionController::pollExplorations() {
  if (ready(mTextInspection)) {
    try {
      const core::Inspection result = mTextInspection.get();
      Q_EMIT textInspectionReady(result);
    } catch (const std::exception& e) {
      Q_EMIT notice(tr("Inspecting the text failed: %1").arg(QString::fromUtf8(e.what())), true);
    }
    if (mNextText) mTextInspection = mTrainer->inspectText(std::exchange(mNextText, std::nullopt)->toStdString());
  }
  if (ready(mRecommendation)) {
    try {
      const core::UserRecommendations result = mRecommendation.get();
      Q_EMIT recommendationsReady(result);
    } catch (const std::exception& e) {
      Q_EMIT notice(tr("Recommending failed: %1").arg(QString::fromUtf8(e.what())), true);
    }
    if (mNextRecommendation) {
      const auto [user, n] = *std::exchange(mNextRecommendation, std::nullopt);
      mRecommendation = mTrainer->recommend(user, n);
    }
  }
}

void SessionController::saveSession(const QString& dir) {
  QString error;
  if (!QDir().mkpath(dir)) {
    Q_EMIT sessionSaved(dir, false, tr("Cannot create the folder %1").arg(dir));
    return;
  }
  try {  // both files are checked before either is written: no half-saved session
    for (const QString& name : {kSessionHistoryFile, QStringLiteral("checkpoint.bin")})
      core::checkOutputFile((dir + '/' + name).toStdString(), "Save session");
  } catch (const std::exception& e) {
    Q_EMIT sessionSaved(dir, false, QString::fromUtf8(e.what()));
    return;
  }
  if (!writeSessionFile(dir + '/' + kSessionHistoryFile, mConfig, mHistory, &error)) {
    Q_EMIT sessionSaved(dir, false, error);
    return;
  }
  if (!mTrainer) {
    Q_EMIT sessionSaved(dir, true, QString());
    return;
  }
  const std::string path = (dir + QStringLiteral("/checkpoint.bin")).toStdString();
  mTasks.push_back({mTrainer->post([path](core::Session& s) { s.save(path); }), dir, true});
}

void SessionController::loadSession(const QString& dir) {
  const QString current = dir + '/' + kSessionHistoryFile;
  restore(QFileInfo::exists(current) ? current : dir + '/' + kLegacySessionFile,
          dir + QStringLiteral("/checkpoint.bin"), dir);
}

void SessionController::openRunHistory(const QString& path) { restore(path, QString(), path); }

void SessionController::restore(const QString& file, const QString& checkpoint,
                                const QString& where) {
  core::TrainConfig config;
  core::RunHistory history;
  QString error;
  if (!readSessionFile(file, &config, &history, &error)) {
    Q_EMIT sessionLoaded(where, false, error);
    return;
  }
  if (mBuild.valid()) {
    Q_EMIT sessionLoaded(where, false, tr("A session is still being built; try again in a moment."));
    return;
  }
  mRestoreHistory = std::move(history);
  mRestoreDir = where;
  mRestoreCheckpoint = checkpoint;
  apply(config);
}

void SessionController::poll() {
  if (ready(mBuild)) finishBuild();
  if (mTrainer) pollTrainer();
  pollTasks();
}

void SessionController::finishBuild() {
  std::shared_ptr<BuildResult> result = mBuild.get();
  mLastBuildSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - mBuildStart).count();
  const QString restoreDir = std::exchange(mRestoreDir, QString());
  const QString checkpoint = std::exchange(mRestoreCheckpoint, QString());
  std::optional<core::RunHistory> restore = std::exchange(mRestoreHistory, std::nullopt);
  if (!result->trainer) {
    const QString error = QString::fromStdString(result->error);
    Q_EMIT notice(tr("Could not build the session: %1").arg(error), true);
    if (!restoreDir.isEmpty()) Q_EMIT sessionLoaded(restoreDir, false, error);
    Q_EMIT snapshotUpdated();  // the status bar stops saying "Loading …"
    return;
  }
  if (mTrainer) mTrainer->stop();
  mTrainer = std::move(result->trainer);  // the old trainer joins its worker here
  mData = result->data;
  mDataKey = core::dataKey(mBuildConfig);
  mConfig = mBuildConfig;
  mHistory = core::RunHistory(mTrainer->qualityMetric());
  mHistoryCursor = {};
  mLiveChanges.clear();
  mEvalCursor = 0;
  mLatestEval.reset();
  mViewLayer = 0;
  mArchive.clear();
  mPinned.reset();
  mSnapshot = mTrainer->snapshot();
  mInspection = {};
  mNextInspection = -1;
  mTextInspection = {};
  mNextText.reset();
  mRecommendation = {};
  mNextRecommendation.reset();
  if (!result->notice.empty()) Q_EMIT notice(QString::fromStdString(result->notice), false);
  if (restore) {
    restore->setQuality(mTrainer->qualityMetric());  // older session files did not say
    mHistory = std::move(*restore);
    const std::string path = checkpoint.toStdString();
    if (!checkpoint.isEmpty() && QFileInfo::exists(checkpoint))
      mTasks.push_back({mTrainer->loadCheckpoint(path), restoreDir, false});
    else
      Q_EMIT sessionLoaded(restoreDir, true, tr("no checkpoint: settings and history only"));
  }
  Q_EMIT sessionReady();
  Q_EMIT stateChanged(mSnapshot.state);
  Q_EMIT snapshotUpdated();
}

void SessionController::pollTrainer() {
  const std::size_t before = mHistory.steps().size();
  mTrainer->historySince(mHistoryCursor, mHistory);

  mEvalBuffer.clear();
  mEvalCursor = mTrainer->evalsSince(mEvalCursor, mEvalBuffer);
  for (const auto& report : mEvalBuffer) {
    if (report) mLatestEval = report;
    mArchive.add(report);
  }

  const core::TrainerState oldState = mSnapshot.state;
  const std::string oldMessage = mSnapshot.message;
  mSnapshot = mTrainer->snapshot();

  if (mHistory.steps().size() > before) Q_EMIT metricsAppended(before);
  if (!mEvalBuffer.empty() && mLatestEval) {
    Q_EMIT evalAppended(latestEval());
    Q_EMIT shownEvalChanged();  // the slider's range grew, and the latest is new
  }
  if (mSnapshot.message != oldMessage && !mSnapshot.message.empty()) {
    // The trainer only sets a message when a step failed (divergence, a device error).
    Q_EMIT notice(tr("Training paused: %1").arg(QString::fromStdString(mSnapshot.message)), true);
  }
  if (mSnapshot.state != oldState) Q_EMIT stateChanged(mSnapshot.state);
  Q_EMIT snapshotUpdated();

  if (ready(mInspection)) {
    try {
      const core::Inspection result = mInspection.get();
      Q_EMIT inspectionReady(layerView(result));
    } catch (const std::exception& e) {
      Q_EMIT notice(tr("Inspection of input %1 failed: %2").arg(mInspectionIndex).arg(e.what()), true);
    }
    if (mNextInspection >= 0) startInspection(std::exchange(mNextInspection, -1));
  }
  pollExplorations();
}

void SessionController::pollTasks() {
  for (auto it = mTasks.begin(); it != mTasks.end();) {
    if (!ready(it->future)) {
      ++it;
      continue;
    }
    QString error;
    try {
      it->future.get();
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    const bool ok = error.isEmpty();
    if (it->saving) {
      Q_EMIT sessionSaved(it->dir, ok, error);
    } else {
      Q_EMIT sessionLoaded(it->dir, ok, error);
    }
    it = mTasks.erase(it);
  }
}

}  // namespace moe::ui
