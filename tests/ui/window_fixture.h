#pragma once
// The real window as the UI suites drive it: shown at 1500x950 and started on a config, the
// suite owning the window (deleted in its cleanup).
#include <QSignalSpy>
#include <QtTest>

#include "core/train/config.h"
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

}  // namespace moe::testing
