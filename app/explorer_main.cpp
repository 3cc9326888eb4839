// moe-explorer: the GUI. Argument parsing and the window; everything else lives in ui/.
#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QTimer>
#include <nlohmann/json.hpp>

#include "core/data/dataset_table.h"
#include "core/train/config.h"
#include "core/train/presets.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/responsivenessbenchmark.h"
#include "ui/screenshotrunner.h"

using namespace moe;

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("moe-explorer"));
  QApplication::setOrganizationName(QStringLiteral("moe-explorer"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/moe-explorer.png")));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Train Mixture-of-Experts models live and watch the gate."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption configOpt(QStringLiteral("config"), QStringLiteral("JSON TrainConfig to start from."), QStringLiteral("FILE"));
  const QCommandLineOption datasetOpt(QStringLiteral("dataset"), QString::fromStdString(core::specForms() + " (starts from its preset)"), QStringLiteral("SPEC"));
  const QCommandLineOption maxTrainOpt(QStringLiteral("max-train"), QStringLiteral("Train on at most N inputs."), QStringLiteral("N"));
  const QCommandLineOption threadsOpt(QStringLiteral("threads"), QStringLiteral("Trainer CPU threads."), QStringLiteral("N"));
  const QCommandLineOption defaultsOpt(QStringLiteral("defaults"), QStringLiteral("Ignore the settings remembered from the last launch."));
  const QCommandLineOption playOpt(QStringLiteral("play"), QStringLiteral("Start training as soon as the session is ready."));
  const QCommandLineOption benchOpt(QStringLiteral("benchmark-responsiveness"),
      QStringLiteral("Train for SECONDS in the window, print event-loop lateness and throughput as JSON, exit."), QStringLiteral("SECONDS"));
  const QCommandLineOption shotOpt(QStringLiteral("screenshot"), QStringLiteral("Train, grab the window into PATH (PNG), exit."), QStringLiteral("PATH"));
  const QCommandLineOption shotViewOpt(QStringLiteral("screenshot-view"), QStringLiteral("training | inspector | gallery | text | recommend | health"), QStringLiteral("VIEW"), QStringLiteral("training"));
  const QCommandLineOption shotSecondsOpt(QStringLiteral("screenshot-after"), QStringLiteral("Seconds of training before the screenshot."), QStringLiteral("SECONDS"), QStringLiteral("20"));
  const QCommandLineOption typeOpt(QStringLiteral("type"), QStringLiteral("Text screenshot: the sentence typed into the inspector."), QStringLiteral("TEXT"));
  const QCommandLineOption userOpt(QStringLiteral("user"), QStringLiteral("Recommend screenshot: the user (0-based index)."), QStringLiteral("N"), QStringLiteral("0"));
  parser.addOptions({configOpt, datasetOpt, maxTrainOpt, threadsOpt, defaultsOpt, playOpt, benchOpt, shotOpt, shotViewOpt, shotSecondsOpt, typeOpt, userOpt});
  parser.process(app);

  const bool scripted = parser.isSet(benchOpt) || parser.isSet(shotOpt);
  core::TrainConfig config = ui::MainWindow::rememberedConfig();
  if (parser.isSet(defaultsOpt) || scripted) {
    config = core::TrainConfig{};
    config.epochs = 20;
  }
  try {
    if (parser.isSet(configOpt)) config = core::loadConfigFile(parser.value(configOpt).toStdString());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe-explorer: %s\n", e.what());
    return 2;
  }
  if (parser.isSet(datasetOpt)) {
    // A dataset named on the command line starts from its tuned defaults (a --config wins).
    const std::string spec = parser.value(datasetOpt).toStdString();
    if (parser.isSet(configOpt)) {
      config.dataset = spec;
    } else {
      const int epochs = config.epochs;
      config = core::presetFor(spec);
      if (config.epochs == core::TrainConfig{}.epochs) config.epochs = epochs;  // images explore on
    }
  }
  if (parser.isSet(maxTrainOpt)) config.maxTrain = parser.value(maxTrainOpt).toInt();
  if (parser.isSet(threadsOpt)) config.threads = parser.value(threadsOpt).toInt();

  ui::MainWindow window;
  window.show();
  int exitCode = 0;
  if (parser.isSet(benchOpt)) {
    auto* bench = new ui::ResponsivenessBenchmark(&window, parser.value(benchOpt).toDouble(), &window);
    QObject::connect(bench, &ui::ResponsivenessBenchmark::finished, &app, [&](const QJsonObject& r) {
      std::printf("%s\n", QJsonDocument(r).toJson(QJsonDocument::Indented).constData());
      std::fflush(stdout);
      exitCode = r.contains(QStringLiteral("error")) ? 1 : 0;
      app.exit(exitCode);
    });
    bench->start();
  } else if (parser.isSet(shotOpt)) {
    const QString view = parser.value(shotViewOpt);
    const auto v = view == QLatin1String("inspector") ? ui::ScreenshotRunner::View::Inspector
                   : view == QLatin1String("gallery") ? ui::ScreenshotRunner::View::Gallery
                   : view == QLatin1String("text")    ? ui::ScreenshotRunner::View::Text
                   : view == QLatin1String("recommend") ? ui::ScreenshotRunner::View::Recommend
                   : view == QLatin1String("health")    ? ui::ScreenshotRunner::View::Health
                                                        : ui::ScreenshotRunner::View::Training;
    window.resize(1600, 1000);
    auto* shot = new ui::ScreenshotRunner(&window, parser.value(shotOpt), v,
                                          parser.value(shotSecondsOpt).toDouble(), &window);
    shot->setTypedText(parser.value(typeOpt));
    shot->setUser(parser.value(userOpt).toInt());
    QObject::connect(shot, &ui::ScreenshotRunner::finished, &app, [&](bool ok) { app.exit(ok ? 0 : 1); });
    shot->start();
  } else if (parser.isSet(playOpt)) {
    QObject::connect(window.controller(), &ui::SessionController::sessionReady, window.controller(),
                     &ui::SessionController::play, Qt::SingleShotConnection);
  }
  window.start(config);
  return app.exec() == 0 ? exitCode : 1;
}
