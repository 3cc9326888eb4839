#pragma once
// The real window as the UI suites drive it: shown at 1500x950 and started on a config, the
// suite owning the window (deleted in its cleanup).
#include <QSignalSpy>
#include <QtTest>

#include "core/train/config.h"
#include "ui/controlbar.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"

namespace moe::testing {

/** 1,024 training images for 200 epochs on one thread: a run that is still going while a
 *  suite drives the window. */
inline core::TrainConfig longRunConfig() {
  core::TrainConfig config;
  config.maxTrain = 1024;
  config.epochs = 200;
  config.threads = 1;
  return config;
}

/** 512 training images for 50 epochs on one thread, a `kind` model with a 16-wide stem: the
 *  suites that step one epoch of a model with its own views (deep-moe, patch-moe). */
inline core::TrainConfig smallModelConfig(core::ModelKind kind) {
  core::TrainConfig config;
  config.model.kind = kind;
  config.model.stemWidth = 16;
  config.maxTrain = 512;
  config.epochs = 50;
  config.threads = 1;
  return config;
}

/** Creates, shows and starts the window; false when it is not exposed or no session is ready
 *  within a minute (the caller QVERIFYs it). */
inline bool openWindow(ui::MainWindow*& window, const core::TrainConfig& config) {
  window = new ui::MainWindow;
  window->resize(1500, 950);
  window->show();
  if (!QTest::qWaitForWindowExposed(window)) return false;
  QSignalSpy ready(window->controller(), &ui::SessionController::sessionReady);
  window->start(config);
  return ready.wait(60000);
}

/** Trains one epoch with the Step epoch action and waits for its evaluation (5 minutes) and for
 *  the trainer to pause again (1 minute); false on a timeout (the caller QVERIFYs it). */
inline bool stepOneEpoch(ui::MainWindow* window) {
  QSignalSpy evals(window->controller(), &ui::SessionController::evalAppended);
  window->controlBar()->stepEpochAction()->trigger();
  if (evals.count() == 0 && !evals.wait(300000)) return false;
  return QTest::qWaitFor(
      [&] { return window->controller()->state() == core::TrainerState::Paused; }, 60000);
}

}  // namespace moe::testing
