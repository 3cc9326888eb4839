// moe-explorer: the GUI. Argument parsing and the window; everything else lives in ui/.
#include <cstdio>
#include <string_view>

#include <QApplication>
#include <QCoreApplication>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QTimer>
#include <nlohmann/json.hpp>

#include "core/data/dataset_table.h"
#include "core/train/config.h"
#include "core/train/presets.h"
#include "ui/mainwindow.h"
#include "ui/presentationmode.h"
#include "ui/messagebanner.h"
#include "ui/sessioncontroller.h"
#include "ui/responsivenessbenchmark.h"
#include "core/train/teacher_presets.h"
#include "ui/screenshotrunner.h"
#include "ui/teacherpresetbar.h"

using namespace moe;

namespace {

QString presetIds() {
  QStringList ids;
  for (const core::TeacherPreset& p : core::teacherPresets()) ids << QString::fromUtf8(p.id);
  return ids.join(QStringLiteral(" | "));
}

// Every option of the window's command line; filled before any QApplication exists so that
// --help and --version work without a display.
struct Options {
  QCommandLineParser parser;
  QCommandLineOption configOpt{QStringLiteral("config"), QStringLiteral("JSON TrainConfig to start from."), QStringLiteral("FILE")};
  QCommandLineOption datasetOpt{QStringLiteral("dataset"), QString::fromStdString(core::specForms() + " (starts from its preset)"), QStringLiteral("SPEC")};
  QCommandLineOption maxTrainOpt{QStringLiteral("max-train"), QStringLiteral("Train on at most N inputs."), QStringLiteral("N")};
  QCommandLineOption threadsOpt{QStringLiteral("threads"), QStringLiteral("Trainer CPU threads."), QStringLiteral("N")};
  QCommandLineOption defaultsOpt{QStringLiteral("defaults"), QStringLiteral("Ignore the settings remembered from the last launch.")};
  QCommandLineOption presentOpt{QStringLiteral("presentation"), QStringLiteral("Start in presentation mode (large text, four plots; View menu, F5).")};
  QCommandLineOption sizeOpt{QStringLiteral("window-size"), QStringLiteral("Window size, e.g. 1280x720 (a projector)."), QStringLiteral("WxH")};
  QCommandLineOption playOpt{QStringLiteral("play"), QStringLiteral("Start training as soon as the session is ready.")};
  QCommandLineOption benchOpt{QStringLiteral("benchmark-responsiveness"),
      QStringLiteral("Train for SECONDS in the window, print event-loop lateness and throughput as JSON, exit."), QStringLiteral("SECONDS")};
  QCommandLineOption shotOpt{QStringLiteral("screenshot"), QStringLiteral("Train, grab the window into PATH (PNG), exit."), QStringLiteral("PATH")};
  QCommandLineOption shotViewOpt{QStringLiteral("screenshot-view"), QStringLiteral("training | inspector | gallery | text | recommend | health | tree | layers | experiments | ablation | playground"), QStringLiteral("VIEW"), QStringLiteral("training")};
  QCommandLineOption shotSecondsOpt{QStringLiteral("screenshot-after"), QStringLiteral("Seconds of training before the screenshot."), QStringLiteral("SECONDS"), QStringLiteral("20")};
  QCommandLineOption typeOpt{QStringLiteral("type"), QStringLiteral("Text screenshot: the sentence typed into the inspector."), QStringLiteral("TEXT")};
  QCommandLineOption presetOpt{QStringLiteral("preset"), QStringLiteral("Start a teacher's preset (the Presets bar): ") + presetIds(), QStringLiteral("ID")};
  QCommandLineOption userOpt{QStringLiteral("user"), QStringLiteral("Recommend screenshot: the user (0-based index)."), QStringLiteral("N"), QStringLiteral("0")};

  Options() {
    parser.setApplicationDescription(QStringLiteral("Train Mixture-of-Experts models live and watch the gate."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({configOpt, datasetOpt, maxTrainOpt, threadsOpt, defaultsOpt, presentOpt, sizeOpt, playOpt, benchOpt, shotOpt,
                       shotViewOpt, shotSecondsOpt, typeOpt, userOpt, presetOpt});
  }
};

void setApplicationNames() {
  QCoreApplication::setApplicationName(QStringLiteral("moe-explorer"));
  QCoreApplication::setOrganizationName(QStringLiteral("moe-explorer"));
  QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
}

// True when the command line only asks for help or the version (or is wrong): answered
// without opening a display, which a terminal over ssh may not have.
bool answersWithoutWindow(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help" || a == "--help-all" || a == "-?" || a == "-v" || a == "--version") return true;
  }
  return false;
}

// What the remembered settings change from the defaults ("router noisy-topk, top_k 1"), or
// empty: a relaunch that comes up with another run's settings says so.
QString rememberedDifferences(const core::TrainConfig& remembered) {
  core::TrainConfig defaults;
  defaults.epochs = remembered.epochs;  // the window explores for as long as it was told
  const nlohmann::json now = remembered;
  const nlohmann::json base = defaults;
  QStringList changed;
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (base.contains(it.key()) && base[it.key()] == it.value()) continue;
    const std::string value = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    changed << QString::fromStdString(it.key() + " " + value);
  }
  if (changed.size() > 4) changed = changed.mid(0, 4) << QStringLiteral("…");
  return changed.join(QStringLiteral(", "));
}

}  // namespace

int main(int argc, char** argv) {
  if (answersWithoutWindow(argc, argv)) {
    QCoreApplication app(argc, argv);
    setApplicationNames();
    Options options;
    options.parser.process(app);  // prints the help or version and exits 0
    return 0;
  }
  QApplication app(argc, argv);
  setApplicationNames();
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/moe-explorer.png")));

  Options options;
  QCommandLineParser& parser = options.parser;
  parser.process(app);

  const bool scripted = parser.isSet(options.benchOpt) || parser.isSet(options.shotOpt);
  core::TrainConfig config = ui::MainWindow::rememberedConfig();
  const bool remembered = !parser.isSet(options.defaultsOpt) && !scripted &&
                          !parser.isSet(options.configOpt) && !parser.isSet(options.datasetOpt);
  const QString differences = remembered ? rememberedDifferences(config) : QString();
  if (parser.isSet(options.defaultsOpt) || scripted) {
    config = core::TrainConfig{};
    config.epochs = 20;
  }
  try {
    if (parser.isSet(options.configOpt)) config = core::loadConfigFile(parser.value(options.configOpt).toStdString());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe-explorer: %s\n", e.what());
    return 2;
  }
  if (parser.isSet(options.datasetOpt)) {
    // A dataset named on the command line starts from its tuned defaults (a --config wins).
    const std::string spec = parser.value(options.datasetOpt).toStdString();
    if (parser.isSet(options.configOpt)) {
      config.dataset = spec;
    } else {
      const int epochs = config.epochs;
      config = core::presetFor(spec);
      if (config.epochs == core::TrainConfig{}.epochs) config.epochs = epochs;  // images explore on
    }
  }
  if (parser.isSet(options.presetOpt)) {  // a guided start: its whole config (flags below still apply)
    const core::TeacherPreset* preset = core::findTeacherPreset(parser.value(options.presetOpt).toStdString());
    if (!preset) {
      std::fprintf(stderr, "moe-explorer: unknown preset '%s'; valid: %s\n", qPrintable(parser.value(options.presetOpt)),
                   qPrintable(presetIds()));
      return 2;
    }
    config = core::teacherPresetConfig(*preset);
  }
  if (parser.isSet(options.maxTrainOpt)) config.maxTrain = parser.value(options.maxTrainOpt).toInt();
  if (parser.isSet(options.threadsOpt)) config.threads = parser.value(options.threadsOpt).toInt();

  ui::MainWindow window;
  window.show();
  int exitCode = 0;
  QSize size;
  if (parser.isSet(options.sizeOpt)) {
    const QStringList wh = parser.value(options.sizeOpt).split(QLatin1Char('x'));
    size = wh.size() == 2 ? QSize(wh[0].toInt(), wh[1].toInt()) : QSize();
    if (size.width() < 320 || size.height() < 240) {
      std::fprintf(stderr, "moe-explorer: --window-size takes WxH, e.g. 1280x720 (at least 320x240)\n");
      return 2;
    }
    window.resize(size);
  }
  if (parser.isSet(options.presentOpt)) window.presentation()->setOn(true);
  if (parser.isSet(options.benchOpt)) {
    auto* bench = new ui::ResponsivenessBenchmark(&window, parser.value(options.benchOpt).toDouble(), &window);
    QObject::connect(bench, &ui::ResponsivenessBenchmark::finished, &app, [&](const QJsonObject& r) {
      std::printf("%s\n", QJsonDocument(r).toJson(QJsonDocument::Indented).constData());
      std::fflush(stdout);
      exitCode = r.contains(QStringLiteral("error")) ? 1 : 0;
      app.exit(exitCode);
    });
    bench->start();
  } else if (parser.isSet(options.shotOpt)) {
    const QString view = parser.value(options.shotViewOpt);
    const auto v = view == QLatin1String("inspector") ? ui::ScreenshotRunner::View::Inspector
                   : view == QLatin1String("gallery") ? ui::ScreenshotRunner::View::Gallery
                   : view == QLatin1String("text")    ? ui::ScreenshotRunner::View::Text
                   : view == QLatin1String("recommend") ? ui::ScreenshotRunner::View::Recommend
                   : view == QLatin1String("health")    ? ui::ScreenshotRunner::View::Health
                   : view == QLatin1String("tree")      ? ui::ScreenshotRunner::View::Tree
                   : view == QLatin1String("layers")    ? ui::ScreenshotRunner::View::Layers
                   : view == QLatin1String("experiments") ? ui::ScreenshotRunner::View::Experiments
                   : view == QLatin1String("ablation")    ? ui::ScreenshotRunner::View::Ablation
                   : view == QLatin1String("playground") ? ui::ScreenshotRunner::View::Playground
                                                        : ui::ScreenshotRunner::View::Training;
    window.resize(size.isValid() ? size : QSize(1600, 1000));
    auto* shot = new ui::ScreenshotRunner(&window, parser.value(options.shotOpt), v,
                                          parser.value(options.shotSecondsOpt).toDouble(), &window);
    shot->setTypedText(parser.value(options.typeOpt));
    shot->setUser(parser.value(options.userOpt).toInt());
    QObject::connect(shot, &ui::ScreenshotRunner::finished, &app, [&](bool ok) { app.exit(ok ? 0 : 1); });
    shot->start();
  } else if (parser.isSet(options.playOpt)) {
    QObject::connect(window.controller(), &ui::SessionController::sessionReady, window.controller(),
                     &ui::SessionController::play, Qt::SingleShotConnection);
  }
  if (!differences.isEmpty()) {
    QObject::connect(window.controller(), &ui::SessionController::sessionReady, &window, [&window, differences] {
      window.banner()->showMessage(QObject::tr("These are the settings of your last launch (%1). Setup ▸ Restore defaults "
                                               "puts back the dataset's tuned settings; moe-explorer --defaults starts without them.")
                                       .arg(differences), false);
    }, Qt::SingleShotConnection);
  }
  const core::TeacherPreset* preset =
      parser.isSet(options.presetOpt) ? core::findTeacherPreset(parser.value(options.presetOpt).toStdString()) : nullptr;
  if (preset && !scripted)
    window.presetBar()->start(*preset);  // its view, and playing
  else
    window.start(config);
  return app.exec() == 0 ? exitCode : 1;
}
