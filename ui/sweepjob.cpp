#include "ui/sweepjob.h"

#include <QMetaObject>

namespace moe::ui {

SweepJob::SweepJob(core::SweepSpec spec, const QString& dir, QObject* parent)
    : QObject(parent),
      mRunner(std::make_unique<core::SweepRunner>(std::move(spec), dir.toStdString())) {}

SweepJob::~SweepJob() {
  if (mThread.joinable()) {
    mRunner->requestStop();
    mThread.join();
  }
}

void SweepJob::start(int parallel) {
  if (mThread.joinable()) return;
  // Events arrive on the runner's threads (serialised): queued to this object's thread.
  mRunner->setListener([this](const core::SweepEvent& e) {
    const int run = int(e.run);
    const double fraction = e.fraction;
    switch (e.kind) {
      case core::SweepEvent::Kind::Started:
        QMetaObject::invokeMethod(this, [this, run] { Q_EMIT runStarted(run); }, Qt::QueuedConnection);
        break;
      case core::SweepEvent::Kind::Progress:
        QMetaObject::invokeMethod(this, [this, run, fraction] { Q_EMIT runProgress(run, fraction); },
                                  Qt::QueuedConnection);
        break;
      case core::SweepEvent::Kind::Finished:
        QMetaObject::invokeMethod(this, [this, run] { Q_EMIT runFinished(run); }, Qt::QueuedConnection);
        break;
    }
  });
  mThread = std::thread([this, parallel] {
    QString error;
    bool ok = true;
    try {
      mRunner->run(parallel);
      ok = !mRunner->stopRequested();
    } catch (const std::exception& e) {
      ok = false;
      error = QString::fromUtf8(e.what());
    }
    QMetaObject::invokeMethod(this, [this, ok, error] {
      mDone = true;
      Q_EMIT finished(ok, error);
    }, Qt::QueuedConnection);
  });
}

void SweepJob::stop() { mRunner->requestStop(); }

}  // namespace moe::ui
